"""Parametric survival models against R's ``survreg`` and against independent maximizations.

Exponential, Weibull, log-normal and log-logistic: every expected value was produced by
``results/survreg_reference.R`` (R 4.2.2, survival 3.5-3) from the datasets exported by
``results/export_datasets.R``, and read here from ``results/survreg_reference.csv`` (15
significant digits): per dataset and arm (each level of the group column, and "all"), the
intercept-only fit ``survreg(Surv(time, event) ~ 1, dist = ...)``: ``(Intercept)``,
``Log(scale)``, their standard errors ``sqrt(diag(vcov(fit)))``, ``fit$loglik[2]``, AIC and BIC.
Tolerance: 1e-6 relative.

Gompertz and generalized gamma, which survreg does not fit: the maximum of the
log-likelihood is checked against an independent Nelder–Mead maximization of the
log-likelihood written out below (Gompertz from its hazard; generalized gamma through
``scipy.stats.loggamma``), to 1e-5 relative.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from survrepro.engine.extrapolate import extrapolate

pytestmark = pytest.mark.validation
HERE = Path(__file__).parent
RESULTS = HERE / "results"
REL = 1e-6
GROUPS = {"lung": "sex", "veteran": "trt", "aml": "x", "ovarian": "rx"}


def _reference() -> pd.DataFrame:
    return pd.read_csv(RESULTS / "survreg_reference.csv", dtype={"arm": str}, na_values=["NA"])


def _arm_data(dataset: str, arm: str):
    d = pd.read_csv(HERE / "data" / f"{dataset}.csv")
    if arm != "all":
        d = d[d[GROUPS[dataset]].astype(str) == arm]
    return d["time"].to_numpy(float), d["event"].to_numpy(int)


CASES = sorted({(r.data, r.arm) for r in _reference().itertuples()})


def test_reference_covers_four_datasets_their_arms_and_four_distributions():
    ref = _reference()
    assert set(ref["data"]) == set(GROUPS)
    assert set(ref["dist"]) == {"exponential", "weibull", "lognormal", "loglogistic"}
    assert len(ref) == 4 * len(CASES) and len(CASES) == 12


@pytest.fixture(scope="module")
def fits():
    """The four survreg distributions fitted by survrepro to every reference case."""
    out = {}
    for dataset, arm in CASES:
        t, e = _arm_data(dataset, arm)
        out[dataset, arm] = extrapolate(t, e, dists="exponential,weibull,lognormal,loglogistic", horizon=1000)
    return out


@pytest.mark.parametrize("row", list(_reference().itertuples()), ids=lambda r: f"{r.data}-{r.arm}-{r.dist}")
def test_survreg_parameters_loglik_aic_bic(fits, row):
    res = fits[row.data, row.arm]
    fit = res.fit("all", row.dist)
    assert fit.fitted, fit.reason
    assert (fit.n, fit.events) == (row.n, row.events)
    pars = {name: (est, se) for name, est, se in fit.parameters}
    assert pars["(Intercept)"][0] == pytest.approx(row.intercept, rel=REL)
    assert pars["(Intercept)"][1] == pytest.approx(row.intercept_se, rel=REL)
    if row.dist == "exponential":
        assert "Log(scale)" not in pars and math.isnan(row.log_scale)
    else:
        assert pars["Log(scale)"][0] == pytest.approx(row.log_scale, rel=REL, abs=1e-9)
        assert pars["Log(scale)"][1] == pytest.approx(row.log_scale_se, rel=REL)
    assert fit.loglik == pytest.approx(row.loglik, rel=REL)
    assert fit.aic == pytest.approx(row.aic, rel=REL)
    assert fit.bic == pytest.approx(row.bic, rel=REL)


# --------------------------------------------------------------------------- independent maximizations
def _gompertz_loglik(a, log_b, t, e):
    """Gompertz log-likelihood from its hazard h = b exp(a t): sum over events of log h, minus H."""
    b = math.exp(log_b)
    cum = b * t if a == 0 else b * np.expm1(a * t) / a
    return float(np.sum(e * (log_b + a * t)) - np.sum(cum))


def _gengamma_loglik(mu, log_sigma, q, t, e):
    """Generalized gamma (Prentice's mu, sigma, Q) through scipy.stats.loggamma:
    log T = mu + (sigma / Q) log(Q^2 G) with G ~ Gamma(1/Q^2), so that
    w = Q (log T - mu) / sigma - log Q^2 is log G, which scipy.stats.loggamma(1/Q^2) describes."""
    sigma = math.exp(log_sigma)
    if abs(q) < 1e-8:
        return -np.inf
    k = q**-2
    w = q * (np.log(t) - mu) / sigma - math.log(q**2)
    dist = stats.loggamma(k)
    with np.errstate(all="ignore"):
        log_density = dist.logpdf(w) + math.log(abs(q) / sigma) - np.log(t)
        log_surv = dist.logsf(w) if q > 0 else dist.logcdf(w)
        ll = np.sum(log_density[e == 1]) + np.sum(log_surv[e == 0])
    return float(ll) if np.isfinite(ll) else -np.inf


def _maximize(loglik, starts):
    best = None
    for x0 in starts:
        r = optimize.minimize(lambda x: -loglik(*x), x0, method="Nelder-Mead",
                              options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000})
        if best is None or r.fun < best.fun:
            best = r
    return -best.fun, best.x


GOMPERTZ_CASES = [c for c in CASES]
GENGAMMA_CASES = [("lung", "all"), ("lung", "1"), ("lung", "2"), ("veteran", "all"), ("veteran", "1"),
                  ("veteran", "2"), ("ovarian", "all")]


@pytest.mark.parametrize("case", GOMPERTZ_CASES, ids=lambda c: "-".join(c))
def test_gompertz_reaches_the_maximum_of_the_likelihood(case):
    t, e = _arm_data(*case)
    fit = extrapolate(t, e, dists="gompertz", horizon=1000).fit("all", "gompertz")
    assert fit.fitted, fit.reason
    start = [0.0, math.log(e.sum() / t.sum())]
    ll, x = _maximize(lambda a, lb: _gompertz_loglik(a, lb, t, e), [start])
    assert fit.loglik == pytest.approx(ll, rel=1e-5)
    assert fit.loglik >= ll - 1e-6 * abs(ll)  # not below the independent maximum
    pars = dict((n, v) for n, v, _se in fit.parameters)
    assert pars["shape"] == pytest.approx(x[0], rel=1e-3, abs=1e-6)
    assert fit.loglik == pytest.approx(_gompertz_loglik(pars["shape"], math.log(pars["rate"]), t, e), rel=1e-12)


@pytest.mark.parametrize("case", GENGAMMA_CASES, ids=lambda c: "-".join(c))
def test_generalized_gamma_reaches_the_maximum_of_the_likelihood(case):
    t, e = _arm_data(*case)
    fit = extrapolate(t, e, dists="gengamma", horizon=1000).fit("all", "gengamma")
    assert fit.fitted, fit.reason
    # starts: the log-normal limit (Q near 0) and the Weibull (Q = 1) of the data
    lt = np.log(t)
    starts = [[lt.mean(), math.log(lt.std()), 0.5], [lt.mean(), math.log(lt.std()), 1.0],
              [lt.mean(), math.log(lt.std()), -0.5]]
    ll, _x = _maximize(lambda m, ls, q: _gengamma_loglik(m, ls, q, t, e), starts)
    assert fit.loglik == pytest.approx(ll, rel=1e-5)
    pars = dict((n, v) for n, v, _se in fit.parameters)
    assert fit.loglik == pytest.approx(
        _gengamma_loglik(pars["mu"], math.log(pars["sigma"]), pars["Q"], t, e), rel=1e-9)
