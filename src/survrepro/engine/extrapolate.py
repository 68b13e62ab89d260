"""Parametric survival models per arm, for extrapolation beyond follow-up (NICE DSU TSD 14 and 21).

:func:`extrapolate` fits the six standard distributions of TSD 14 to each arm: exponential,
Weibull, Gompertz, log-normal, log-logistic and generalized gamma, and optionally
Royston–Parmar spline models with 1 to 3 internal knots on the log cumulative hazard scale
(TSD 21). For each arm and distribution it reports the parameters with standard errors, the
log-likelihood, AIC and BIC with their ranks, survival and hazard at chosen times, the median,
the mean restricted to a horizon and the unrestricted mean where it exists, with confidence
limits.

Parametrizations, so that numbers compare with R:

* exponential, Weibull, log-normal, log-logistic: ``(Intercept)`` and ``Log(scale)`` of R's
  ``survreg`` (the location and log scale of log time; the exponential has no scale);
* Gompertz: flexsurv's ``shape`` ``a`` and ``rate`` ``b``, hazard ``b exp(a t)``;
* generalized gamma: flexsurv's ``mu``, ``sigma``, ``Q`` (Prentice 1974);
* splines: flexsurv's ``gamma0``, ``gamma1``, ... of ``flexsurvspline(scale = "hazard")``
  (lifelines' ``phi_`` parameters of the same model).

Estimation: lifelines' fitters (``ExponentialFitter``, ``WeibullFitter``,
``LogNormalFitter``, ``LogLogisticFitter``, ``GeneralizedGammaFitter``, ``SplineFitter``)
give the maximum-likelihood estimates; for the four location-scale families a few
Newton–Raphson steps on survreg's scale then take lifelines' estimate to the maximum as
precisely as survreg (lifelines stops at a gradient tolerance that leaves, say, the
log-normal scale off in the fifth digit), and their standard errors come from the observed
information on that scale, as survreg's do. The Gompertz model, which lifelines lacks, is
fitted here by Newton–Raphson on ``(shape, log rate)`` with analytic derivatives. The
log-likelihood is the full one on the time scale given (densities of event times, survival
of censored times), as survreg and flexsurv report it; AIC is ``-2 loglik + 2 df``, BIC
``-2 loglik + log(n) df`` with ``n`` the patients of the arm.

A fit that does not converge (lifelines' ``ConvergenceError`` or a ``ConvergenceWarning``,
an information matrix that is not positive definite) is reported as not fitted, with the
reason, rather than as a silent bad fit; the generalized gamma is known to be unstable in
small samples.

Confidence limits: by the delta method (default) on the log scale for the median, the means
and the hazard and on the log(-log) scale for survival, or by simulation from the asymptotic
normal distribution of the estimates (``ci="simulation"``, seeded, as flexsurv's
``summary`` does by default).

References
----------
Latimer N. NICE DSU Technical Support Document 14: Survival analysis for economic
evaluations alongside clinical trials - extrapolation with patient-level data. 2011
(updated 2013).
Rutherford MJ, Lambert PC, Sweeting MJ, et al. NICE DSU Technical Support Document 21:
Flexible methods for survival analysis. 2020.
Royston P, Parmar MKB. Flexible parametric proportional-hazards and proportional-odds models
for censored survival data. Stat Med 2002;21:2175-2197.
Prentice RL. A log gamma model and its maximum likelihood estimation. Biometrika
1974;61:539-544.
Therneau TM. A Package for Survival Analysis in R (``survreg``). R package survival.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import integrate, optimize, special, stats

from survrepro._validation import InputError, as_durations, check_choice, check_level
from survrepro.engine._results import ResultMixin, to_jsonable
from survrepro.engine.groups import prepare_groups
from survrepro.engine.km import kaplan_meier

__all__ = ["DISTRIBUTIONS", "CI_METHODS", "ModelFit", "ExtrapolationResult", "extrapolate", "fit_gompertz"]

#: The six distributions of NICE DSU TSD 14, in the order they are reported.
DISTRIBUTIONS = ("exponential", "weibull", "gompertz", "lognormal", "loglogistic", "gengamma")
#: How confidence limits are computed.
CI_METHODS = ("delta", "simulation")
_LABELS = {"exponential": "Exponential", "weibull": "Weibull", "gompertz": "Gompertz", "lognormal": "Log-normal",
           "loglogistic": "Log-logistic", "gengamma": "Generalized gamma"}
_LOG2 = math.log(2.0)


# --------------------------------------------------------------------------- the distributions
@dataclass(frozen=True)
class _Dist:
    """A model: its parameters on the internal scale, how they are shown, and S and h of time."""

    name: str
    label: str
    internal: tuple  # names of the estimated parameters (the covariance is on this scale)
    log_survival: Callable  # (theta, t) -> log S(t)
    log_hazard: Callable  # (theta, t) -> log h(t)
    shown: Callable  # (theta, cov) -> list of (name, estimate, se)
    mean: Callable | None = None  # theta -> unrestricted mean (inf when it does not exist)


def _z(theta, t):
    return (np.log(t) - theta[0]) / math.exp(theta[1])


def _survreg_shown(names):
    def shown(theta, cov):
        return [(n, float(v), float(math.sqrt(cov[i, i]))) for i, (n, v) in enumerate(zip(names, theta))]
    return shown


def _exp_mean(theta):
    return math.exp(theta[0])


def _weibull_mean(theta):
    return math.exp(theta[0] + special.gammaln(1.0 + math.exp(theta[1])))


def _lognormal_mean(theta):
    return math.exp(theta[0] + math.exp(2 * theta[1]) / 2)


def _loglogistic_mean(theta):
    s = math.exp(theta[1])  # 1 / beta
    if s >= 1:
        return math.inf
    return math.exp(theta[0]) * math.pi * s / math.sin(math.pi * s)


def _lognormal_log_hazard(theta, t):
    z = _z(theta, t)
    return stats.norm.logpdf(z) - special.log_ndtr(-z) - theta[1] - np.log(t)


# Gompertz: h = b exp(a t), H = b (exp(a t) - 1) / a; internal (a, log b).
def _phi(a, t, order=0):
    """(exp(a t) - 1) / a and its derivatives in ``a`` (order 1, 2), stable near a t = 0."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _phi_terms(a, t, order)


def _phi_terms(a, t, order):
    x = a * t
    small = np.abs(x) < 1e-2
    xs = np.where(small, x, 0.0)
    xb = np.where(small, 1.0, x)
    ex = np.exp(np.where(small, 0.0, xb))
    if order == 0:
        big = np.expm1(xb) / xb
        ser = sum(xs**n / math.factorial(n + 1) for n in range(8))
        return t * np.where(small, ser, big)
    if order == 1:
        big = (xb * ex - np.expm1(xb)) / xb**2
        ser = sum(n * xs ** (n - 1) / math.factorial(n + 1) for n in range(1, 9))
        return t**2 * np.where(small, ser, big)
    big = (xb**2 * ex - 2 * xb * ex + 2 * np.expm1(xb)) / xb**3
    ser = sum(n * (n - 1) * xs ** (n - 2) / math.factorial(n + 1) for n in range(2, 10))
    return t**3 * np.where(small, ser, big)


def _gompertz_mean(theta):
    a, b = theta[0], math.exp(theta[1])
    if a < 0:
        return math.inf  # a proportion exp(b / a) never has the event
    if a == 0:
        return 1.0 / b
    x = b / a
    if x > 50:  # exp(x) E1(x) by its asymptotic series
        return (1.0 / a) * sum((-1) ** k * math.factorial(k) / x ** (k + 1) for k in range(12))
    return (1.0 / a) * math.exp(x) * float(special.exp1(x))


def _gompertz_shown(theta, cov):
    a, lb = theta
    b = math.exp(lb)
    return [("shape", float(a), float(math.sqrt(cov[0, 0]))), ("rate", b, float(b * math.sqrt(cov[1, 1])))]


# Generalized gamma (Prentice): internal (mu, log sigma, Q), as lifelines' (mu_, ln_sigma_, lambda_).
def _gg_log_survival(theta, t):
    mu, sigma, q = theta[0], math.exp(theta[1]), theta[2]
    w = (np.log(t) - mu) / sigma
    if abs(q) < 1e-8:
        return special.log_ndtr(-w)
    k = q**-2
    x = k * np.exp(q * w)
    s = special.gammaincc(k, x) if q > 0 else special.gammainc(k, x)
    with np.errstate(divide="ignore"):
        return np.log(s)


def _gg_log_density(theta, t):
    mu, sigma, q = theta[0], math.exp(theta[1]), theta[2]
    w = (np.log(t) - mu) / sigma
    if abs(q) < 1e-8:
        return stats.norm.logpdf(w) - math.log(sigma) - np.log(t)
    k = q**-2
    return (math.log(abs(q)) + k * math.log(k) - math.log(sigma) - np.log(t) - special.gammaln(k)
            + k * (q * w - np.exp(q * w)))


def _gg_mean(theta):
    mu, sigma, q = theta[0], math.exp(theta[1]), theta[2]
    if abs(q) < 1e-8:
        return math.exp(mu + sigma**2 / 2)
    k = q**-2
    if k + sigma / q <= 0:
        return math.inf
    return math.exp(mu + (sigma / q) * math.log(q**2) + special.gammaln(k + sigma / q) - special.gammaln(k))


def _gg_shown(theta, cov):
    s = math.exp(theta[1])
    return [("mu", float(theta[0]), float(math.sqrt(cov[0, 0]))), ("sigma", s, float(s * math.sqrt(cov[1, 1]))),
            ("Q", float(theta[2]), float(math.sqrt(cov[2, 2])))]


_DISTS = {
    "exponential": _Dist(
        "exponential", "Exponential", ("(Intercept)",),
        lambda th, t: -t * math.exp(-th[0]),
        lambda th, t: np.full(np.shape(t), -th[0]),
        _survreg_shown(("(Intercept)",)), _exp_mean),
    "weibull": _Dist(
        "weibull", "Weibull", ("(Intercept)", "Log(scale)"),
        lambda th, t: -np.exp(_z(th, t)),
        lambda th, t: _z(th, t) - th[1] - np.log(t),
        _survreg_shown(("(Intercept)", "Log(scale)")), _weibull_mean),
    "gompertz": _Dist(
        "gompertz", "Gompertz", ("shape", "log(rate)"),
        lambda th, t: -math.exp(th[1]) * _phi(th[0], np.asarray(t, float)),
        lambda th, t: th[1] + th[0] * np.asarray(t, float),
        _gompertz_shown, _gompertz_mean),
    "lognormal": _Dist(
        "lognormal", "Log-normal", ("(Intercept)", "Log(scale)"),
        lambda th, t: special.log_ndtr(-_z(th, t)),
        _lognormal_log_hazard,
        _survreg_shown(("(Intercept)", "Log(scale)")), _lognormal_mean),
    "loglogistic": _Dist(
        "loglogistic", "Log-logistic", ("(Intercept)", "Log(scale)"),
        lambda th, t: -np.logaddexp(0.0, _z(th, t)),
        lambda th, t: -np.logaddexp(0.0, -_z(th, t)) - th[1] - np.log(t),
        _survreg_shown(("(Intercept)", "Log(scale)")), _loglogistic_mean),
    "gengamma": _Dist(
        "gengamma", "Generalized gamma", ("mu", "log(sigma)", "Q"),
        _gg_log_survival,
        lambda th, t: _gg_log_density(th, t) - _gg_log_survival(th, t),
        _gg_shown, _gg_mean),
}


# --------------------------------------------------------------------------- survreg's scale
# log T = mu + sigma W; per observation the log-likelihood is g(z) - log sigma - log t for an
# event and G(z) for a censored time, z = (log t - mu) / sigma; g, G and their derivatives in z.
def _ev_terms(z):
    ez = np.exp(z)
    return (z - ez, 1 - ez, -ez), (-ez, -ez, -ez)


def _logistic_terms(z):
    p = special.expit(z)
    g = z - 2 * np.logaddexp(0.0, z)
    return (g, 1 - 2 * p, -2 * p * (1 - p)), (-np.logaddexp(0.0, z), -p, -p * (1 - p))


def _normal_terms(z):
    logs = special.log_ndtr(-z)
    m = np.exp(stats.norm.logpdf(z) - logs)  # inverse Mills ratio
    return (stats.norm.logpdf(z), -z, -np.ones_like(z)), (logs, -m, -m * (m - z))


_TERMS = {"exponential": _ev_terms, "weibull": _ev_terms, "lognormal": _normal_terms, "loglogistic": _logistic_terms}


def _survreg_loglik(name, theta, t, e, derivatives=True):
    """Log-likelihood, score and information-free Hessian on (mu[, log sigma])."""
    mu = theta[0]
    s = theta[1] if name != "exponential" else 0.0
    sigma = math.exp(s)
    logt = np.log(t)
    z = (logt - mu) / sigma
    (g, g1, g2), (gc, gc1, gc2) = _TERMS[name](z)
    ev = e == 1
    ll = float(np.sum(np.where(ev, g - s - logt, gc)))
    if not derivatives:
        return ll, None, None
    l1 = np.where(ev, g1, gc1)
    l2 = np.where(ev, g2, gc2)
    d_mu = np.sum(-l1 / sigma)
    h_mumu = np.sum(l2 / sigma**2)
    if name == "exponential":
        return ll, np.array([d_mu]), np.array([[h_mumu]])
    d_s = np.sum(-z * l1) - ev.sum()
    h_mus = np.sum((l2 * z + l1) / sigma)
    h_ss = np.sum(z * l1 + z**2 * l2)
    return ll, np.array([d_mu, d_s]), np.array([[h_mumu, h_mus], [h_mus, h_ss]])


def _newton(loglik, theta, *, max_iter=100, tol=1e-10):
    """Maximize by Newton–Raphson with step halving from ``theta``; (theta, loglik, hessian, converged)."""
    theta = np.asarray(theta, float)
    ll, grad, hess = loglik(theta)
    for _ in range(max_iter):
        try:
            step = np.linalg.solve(-hess, grad)
        except np.linalg.LinAlgError:
            return theta, ll, hess, False
        if not np.all(np.isfinite(step)):
            return theta, ll, hess, False
        if grad @ step <= 0:  # not an ascent direction: fall back to the gradient
            step = grad / max(1.0, float(np.max(np.abs(grad))))
        for _half in range(60):
            new = theta + step
            with np.errstate(all="ignore"):
                nll, ngrad, nhess = loglik(new)
            if np.isfinite(nll) and nll >= ll - 1e-12 * abs(ll):
                break
            step = step / 2
        else:
            return theta, ll, hess, False
        done = np.max(np.abs(new - theta)) < tol * (1 + np.max(np.abs(theta))) and abs(nll - ll) < 1e-12 * (1 + abs(ll))
        theta, ll, grad, hess = new, nll, ngrad, nhess
        if done:
            return theta, ll, hess, True
    return theta, ll, hess, bool(np.max(np.abs(grad)) < 1e-6)


# --------------------------------------------------------------------------- Gompertz
def _gompertz_loglik(theta, t, e, derivatives=True):
    a, lb = theta
    b = math.exp(lb)
    phi = _phi(a, t)
    d = float(e.sum())
    ll = float(d * lb + a * np.sum(t[e == 1]) - b * np.sum(phi))
    if not derivatives:
        return ll, None, None
    p1, p2 = np.sum(_phi(a, t, 1)), np.sum(_phi(a, t, 2))
    grad = np.array([np.sum(t[e == 1]) - b * p1, d - b * np.sum(phi)])
    hess = np.array([[-b * p2, -b * p1], [-b * p1, -b * np.sum(phi)]])
    return ll, grad, hess


def fit_gompertz(time, event):
    """Maximum-likelihood Gompertz fit: hazard ``rate * exp(shape * t)``, as flexsurv's ``gompertz``.

    Newton–Raphson on ``(shape, log rate)`` with analytic derivatives, from the exponential
    fit (``shape = 0``). The shape may be negative: the hazard then falls and a proportion
    ``exp(rate / shape)`` of patients never has the event.

    Parameters
    ----------
    time, event : array_like
        Follow-up times (> 0) and event indicators (1 event, 0 censored).

    Returns
    -------
    dict
        ``shape``, ``rate``, ``loglik`` (the full log-likelihood), ``cov`` (covariance of
        ``(shape, log rate)``, the inverse observed information) and ``converged``.

    References
    ----------
    Jackson C. flexsurv: a platform for parametric survival modeling in R. J Stat Softw
    2016;70(8):1-33.

    Examples
    --------
    >>> fit = fit_gompertz([2, 4, 6, 8, 10, 12], [1, 1, 1, 0, 1, 1])
    >>> fit["converged"], round(fit["shape"], 4), round(fit["rate"], 4)
    (True, 0.2409, 0.0313)
    """
    t, e = as_durations(time, event)
    if np.any(t <= 0):
        raise InputError("fit_gompertz: every time must be > 0.")
    if e.sum() == 0:
        raise InputError("fit_gompertz: no events; a Gompertz model cannot be estimated.")
    start = np.array([0.0, math.log(e.sum() / t.sum())])
    theta, ll, hess, ok = _newton(lambda th: _gompertz_loglik(th, t, e), start)
    cov = _covariance(hess)
    return {"shape": float(theta[0]), "rate": float(math.exp(theta[1])), "loglik": float(ll),
            "cov": cov, "converged": bool(ok and cov is not None), "theta": theta}


def _covariance(hess):
    """Inverse of the observed information ``-hess``, or None when it is not positive definite."""
    info = -np.asarray(hess, float)
    if not np.all(np.isfinite(info)):
        return None
    try:
        np.linalg.cholesky(info)
        return np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return None


# --------------------------------------------------------------------------- lifelines
_LIFELINES = {"exponential": "ExponentialFitter", "weibull": "WeibullFitter", "lognormal": "LogNormalFitter",
              "loglogistic": "LogLogisticFitter", "gengamma": "GeneralizedGammaFitter"}


def _weibull_start(t, e):
    """Weibull ``(mu, log sigma)`` by Newton–Raphson from the exponential fit."""
    start = np.array([math.log(t.sum() / max(e.sum(), 1)), 0.0])
    theta, _ll, _h, ok = _newton(lambda th: _survreg_loglik("weibull", th, t, e), start)
    return theta if ok else start


def _lifelines_fit(name, t, e, knots=None):
    """Fit one lifelines model; (fitter, None) or (None, reason). No warning escapes.

    A spline model starts from the Weibull fit (its special case with no internal knot):
    lifelines' default start fails on times in days.
    """
    import lifelines
    from lifelines.exceptions import ConvergenceError, ConvergenceWarning

    if name.startswith("spline"):
        fitter = lifelines.SplineFitter(knots)
    else:
        fitter = getattr(lifelines, _LIFELINES[name])()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            if knots is not None:
                mu, ls = _weibull_start(t, e)
                rho = math.exp(-ls)
                start = np.r_[-rho * mu, rho, np.zeros(len(knots) - 2)]
                fitter.fit(t, e, initial_point=start)
            else:
                fitter.fit(t, e)
        except (ConvergenceError, ValueError, ZeroDivisionError, np.linalg.LinAlgError, FloatingPointError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return None, f"lifelines {type(fitter).__name__} did not converge ({first})"
    for w in seen:
        if issubclass(w.category, ConvergenceWarning):
            first = str(w.message).strip().splitlines()[0]
            return None, f"lifelines {type(fitter).__name__} warned of non-convergence ({first})"
    return fitter, None


def _theta_from_lifelines(name, fitter):
    if name == "exponential":
        return np.array([math.log(fitter.lambda_)])
    if name == "weibull":
        return np.array([math.log(fitter.lambda_), -math.log(fitter.rho_)])
    if name == "lognormal":
        return np.array([fitter.mu_, math.log(fitter.sigma_)])
    if name == "loglogistic":
        return np.array([math.log(fitter.alpha_), -math.log(fitter.beta_)])
    if name == "gengamma":
        return np.array([fitter.mu_, fitter.ln_sigma_, fitter.lambda_], float)
    raise AssertionError(name)  # pragma: no cover


def _spline_dist(name, fitter, knots):
    """A Royston–Parmar spline model (lifelines' SplineFitter) as a :class:`_Dist`."""
    names = tuple(f"gamma{i}" for i in range(len(knots)))

    def log_cumhaz(theta, t):
        t = np.asarray(t, float)
        return np.log(fitter._cumulative_hazard(np.asarray(theta, float), t))

    def log_survival(theta, t):
        return -np.exp(log_cumhaz(theta, t))

    def log_hazard(theta, t):
        return np.log(fitter._hazard(np.asarray(theta, float), np.asarray(t, float)))

    def shown(theta, cov):
        return [(n, float(v), float(math.sqrt(cov[i, i]))) for i, (n, v) in enumerate(zip(names, theta))]

    k = len(knots) - 2
    return _Dist(name, f"Spline ({k} knot{'s' if k > 1 else ''})", names, log_survival, log_hazard, shown, None)


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False, repr=False)
class ModelFit(ResultMixin):
    """One distribution fitted to one arm.

    Attributes
    ----------
    arm, distribution, label : str
        The arm, the model's name (``"weibull"``, ``"spline2"``) and its label.
    fitted : bool
        False when the fit did not converge; ``reason`` says why and the numbers are NaN.
    n, events, df : int
        Patients, events and estimated parameters.
    parameters : tuple of (name, estimate, se)
        In survreg's parametrization (exponential, Weibull, log-normal, log-logistic) or
        flexsurv's (Gompertz ``shape``, ``rate``; generalized gamma ``mu``, ``sigma``, ``Q``;
        splines ``gamma0``, ...).
    loglik, aic, bic : float
        Full log-likelihood, AIC and BIC.
    theta, cov : ndarray
        Estimates on the internal scale and their covariance (None when not fitted).
    reason : str
        Why the model is not fitted; empty otherwise.
    notes : tuple of str
        Remarks on the fit (a plateau, a mean that does not exist, ...).
    """

    arm: str
    distribution: str
    label: str
    fitted: bool
    n: int
    events: int
    df: int
    parameters: tuple = ()
    loglik: float = math.nan
    aic: float = math.nan
    bic: float = math.nan
    theta: np.ndarray | None = None
    cov: np.ndarray | None = None
    reason: str = ""
    notes: tuple = ()
    _dist: _Dist | None = field(default=None, compare=False)

    # --- functions of time
    def survival(self, times) -> np.ndarray:
        """Fitted survival at ``times`` (NaN when not fitted).

        Parameters
        ----------
        times : array_like
            Times >= 0; survival is 1 at time 0.

        Returns
        -------
        ndarray

        Examples
        --------
        >>> res = extrapolate([2, 4, 6, 8, 10, 12], [1, 1, 1, 0, 1, 1], dists="exponential", horizon=50)
        >>> res.fit("all", "exponential").survival([0, 42]).round(4).tolist()  # exp(-42 * 5 / 42)
        [1.0, 0.0067]
        """
        t = np.asarray(times, float)
        if not self.fitted:
            return np.full(t.shape, np.nan)
        return _survival(self._dist, self.theta, t)

    def hazard(self, times) -> np.ndarray:
        """Fitted hazard at ``times`` (NaN when not fitted).

        Parameters
        ----------
        times : array_like
            Times > 0.

        Returns
        -------
        ndarray

        Examples
        --------
        >>> res = extrapolate([2, 4, 6, 8, 10, 12], [1, 1, 1, 0, 1, 1], dists="exponential", horizon=50)
        >>> res.fit("all", "exponential").hazard([1, 20]).round(4).tolist()  # 5 events in 42 time units
        [0.119, 0.119]
        """
        t = np.asarray(times, float)
        if not self.fitted:
            return np.full(t.shape, np.nan)
        return _hazard(self._dist, self.theta, t)

    def to_frame(self) -> pd.DataFrame:
        """The parameters: one row each with estimate and standard error."""
        return pd.DataFrame(
            [{"arm": self.arm, "distribution": self.distribution, "parameter": p, "estimate": v, "se": s}
             for p, v, s in self.parameters],
            columns=["arm", "distribution", "parameter", "estimate", "se"])

    def to_dict(self) -> dict:
        """JSON-ready: the fit without its internal covariance."""
        return {"arm": self.arm, "distribution": self.distribution, "label": self.label, "fitted": self.fitted,
                "n": self.n, "events": self.events, "df": self.df,
                "parameters": [{"name": p, "estimate": to_jsonable(v), "se": to_jsonable(s)}
                               for p, v, s in self.parameters],
                "loglik": to_jsonable(self.loglik), "aic": to_jsonable(self.aic), "bic": to_jsonable(self.bic),
                "reason": self.reason, "notes": list(self.notes)}

    def _repr_head(self) -> str:
        return f"{self.arm} {self.distribution}"

    def _repr_body(self) -> str:
        if not self.fitted:
            return f"not fitted ({self.reason})"
        pars = ", ".join(f"{p} {v:.4g} (se {s:.3g})" for p, v, s in self.parameters)
        return f"{pars}; loglik {self.loglik:.3f}, AIC {self.aic:.2f}"


def _t_positive(t):
    return np.maximum(np.asarray(t, float), 1e-300)


def _survival(dist, theta, t):
    t = np.asarray(t, float)
    with np.errstate(all="ignore"):
        out = np.exp(dist.log_survival(theta, _t_positive(t)))
    return np.where(t <= 0, 1.0, out)


def _hazard(dist, theta, t):
    t = np.asarray(t, float)
    with np.errstate(all="ignore"):
        return np.exp(dist.log_hazard(theta, _t_positive(t)))


def _median(dist, theta):
    """Time where S = 1/2 (inf when the curve stays above it)."""
    s = lambda u: float(_survival(dist, theta, math.exp(u))) - 0.5  # noqa: E731
    lo, hi = -5.0, 5.0
    while s(lo) < 0 and lo > -700:
        lo -= 10
    while s(hi) > 0:
        hi += 10
        if hi > 700:
            return math.inf
    return math.exp(optimize.brentq(s, lo, hi, xtol=1e-13, rtol=1e-13))


def _restricted_mean(dist, theta, horizon):
    """The area under the fitted curve from 0 to ``horizon``: adaptive quadrature, or Simpson's
    rule on 20,001 points when the curve is too steep for it (an extreme generalized gamma)."""
    f = lambda t: float(_survival(dist, theta, t))  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error", integrate.IntegrationWarning)
        try:
            val, _err = integrate.quad(f, 0.0, horizon, limit=200, epsabs=0.0, epsrel=1e-10)
            return float(val)
        except integrate.IntegrationWarning:
            pass
    grid = np.linspace(0.0, horizon, 20001)
    return float(integrate.simpson(_survival(dist, theta, grid), x=grid))


def _unrestricted_mean(dist, theta):
    if dist.mean is not None:
        return float(dist.mean(theta))
    # a spline: the integral of its extrapolated curve, when its tail falls to 0
    if float(_survival(dist, theta, 1e12)) > 1e-12:
        return math.inf
    f = lambda t: float(_survival(dist, theta, t))  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        val, _err = integrate.quad(f, 0.0, math.inf, limit=400)
    return float(val)


def _gradient(func, theta, value):
    """Central-difference gradient of ``func`` at ``theta``."""
    g = np.zeros(theta.size)
    for i in range(theta.size):
        h = 1e-5 * max(1.0, abs(theta[i]))
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        g[i] = (func(up) - func(down)) / (2 * h)
    return g


def _safe(func):
    def inner(theta):
        try:
            return float(func(theta))
        except (ValueError, ZeroDivisionError, OverflowError, RuntimeError):
            return math.nan
    return inner


# transforms for the delta method: (forward, inverse)
_LOG = (np.log, np.exp)
_CLOGLOG = (lambda s: np.log(-np.log(s)), lambda x: np.exp(-np.exp(x)))


def _interval(func, fit, transform, z, ci, draws):
    """Estimate and limits of ``func(theta)``: delta method on ``transform``, or simulation.

    A value that cannot be computed (a root or an integral that fails) is NaN."""
    func = _safe(func)
    est = func(fit.theta)
    if not (math.isfinite(est) and est > 0) or (transform is _CLOGLOG and est >= 1):
        return est, math.nan, math.nan
    if ci == "simulation":
        vals = np.array([func(th) for th in draws])
        vals = vals[np.isfinite(vals)]
        if vals.size < 0.9 * len(draws):
            return est, math.nan, math.nan
        alpha = (1 - stats.norm.cdf(z)) * 2
        lo, hi = np.quantile(vals, [alpha / 2, 1 - alpha / 2])
        return est, float(lo), float(hi)
    fwd, inv = transform
    g = _gradient(lambda th: float(fwd(func(th))), fit.theta, est)
    se = math.sqrt(max(float(g @ fit.cov @ g), 0.0))
    x = float(fwd(est))
    lo, hi = float(inv(x - z * se)), float(inv(x + z * se))
    return est, min(lo, hi), max(lo, hi)


@dataclass(frozen=True, eq=False, repr=False)
class ExtrapolationResult(ResultMixin):
    """Parametric models per arm: fit statistics, predictions, medians and means.

    Attributes
    ----------
    levels : tuple of str
        The arms (``("all",)`` without a group).
    distributions : tuple of str
        The models fitted, in order.
    fits : tuple of ModelFit
        One per arm and model, arm by arm.
    horizon : float
        The time the restricted mean is taken to (and the plots run to).
    times : tuple of float
        Times of the survival and hazard predictions.
    conf_level : float
    ci : str
        ``"delta"`` or ``"simulation"``.
    seed, n_sim : int
        Seed and draws of the simulation limits.
    km : dict
        Arm -> :class:`~survrepro.engine.km.KaplanMeierResult` of the data (for plots).
    notes : tuple of str
        What was assumed and which fits failed.
    """

    levels: tuple
    group: str | None
    distributions: tuple
    fits: tuple
    horizon: float
    times: tuple
    conf_level: float
    ci: str
    seed: int
    n_sim: int
    km: dict
    notes: tuple
    _summary: pd.DataFrame = field(default=None, compare=False)
    _predictions: pd.DataFrame = field(default=None, compare=False)

    def fit(self, arm, distribution) -> ModelFit:
        """The fit of one distribution to one arm.

        Parameters
        ----------
        arm : str
            An arm of :attr:`levels`.
        distribution : str
            A model of :attr:`distributions`.

        Returns
        -------
        ModelFit

        Examples
        --------
        >>> res = extrapolate([2, 4, 6, 8, 10, 12], [1, 1, 1, 0, 1, 1], dists=["weibull"])
        >>> res.fit("all", "weibull").fitted
        True
        """
        for f in self.fits:
            if f.arm == str(arm) and f.distribution == distribution:
                return f
        raise InputError(f"no fit of {distribution!r} to arm {arm!r}; arms {list(self.levels)}, "
                         f"models {list(self.distributions)}.")

    def to_frame(self) -> pd.DataFrame:
        """One row per arm and model: fit statistics with ranks, median and means with limits."""
        return self._summary.copy()

    @property
    def summary(self) -> pd.DataFrame:
        """The table of :meth:`to_frame`."""
        return self.to_frame()

    def parameters_frame(self) -> pd.DataFrame:
        """Every parameter of every fitted model: arm, distribution, parameter, estimate, se."""
        frames = [f.to_frame() for f in self.fits if f.fitted]
        cols = ["arm", "distribution", "parameter", "estimate", "se"]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)

    def predictions_frame(self) -> pd.DataFrame:
        """Survival and hazard at :attr:`times` with limits, per arm and model."""
        return self._predictions.copy()

    def to_dict(self) -> dict:
        """JSON-ready: the settings, the summary, the parameters, the predictions and the notes."""
        return {
            "group": self.group, "levels": list(self.levels), "distributions": list(self.distributions),
            "horizon": self.horizon, "times": list(self.times), "conf_level": self.conf_level,
            "ci": self.ci, "seed": self.seed if self.ci == "simulation" else None,
            "models": to_jsonable(self._summary.to_dict("records")),
            "parameters": to_jsonable(self.parameters_frame().to_dict("records")),
            "predictions": to_jsonable(self._predictions.to_dict("records")),
            "notes": list(self.notes),
        }

    def to_text(self) -> str:
        """A plain-text report: per arm the fit table, the parameters and the predictions."""
        pct = f"{self.conf_level:.0%}"
        lines = []
        s = self._summary
        p = self._predictions
        for arm in self.levels:
            rows = s[s["arm"] == arm]
            first = rows.iloc[0]
            lines.append(f"arm {arm}: n={int(first['n'])}, events={int(first['events'])}")
            lines.append(f"  {'model':<18}{'df':>3}{'loglik':>11}{'AIC':>10}{'rank':>5}{'BIC':>10}{'rank':>5}"
                         f"   median ({pct} CI)   mean to {self.horizon:g} ({pct} CI)   mean ({pct} CI)")
            for _, r in rows.iterrows():
                if not r["fitted"]:
                    lines.append(f"  {r['label']:<18}not fitted: {r['reason']}")
                    continue
                lines.append(
                    f"  {r['label']:<18}{int(r['df']):>3}{r['loglik']:>11.3f}{r['aic']:>10.2f}{int(r['aic_rank']):>5}"
                    f"{r['bic']:>10.2f}{int(r['bic_rank']):>5}   "
                    f"{_est_ci(r['median'], r['median_low'], r['median_high'])}   "
                    f"{_est_ci(r['rmean'], r['rmean_low'], r['rmean_high'])}   "
                    f"{_est_ci(r['mean'], r['mean_low'], r['mean_high'])}")
            lines.append("  parameters (survreg / flexsurv names): estimate (se)")
            for f in self.fits:
                if f.arm == arm and f.fitted:
                    pars = ", ".join(f"{n} {v:.6g} ({se:.4g})" for n, v, se in f.parameters)
                    lines.append(f"    {f.label:<18}{pars}")
            if self.times:
                lines.append(f"  survival at {', '.join(f'{t:g}' for t in self.times)}")
                for f in self.fits:
                    if f.arm == arm and f.fitted:
                        q = p[(p["arm"] == arm) & (p["distribution"] == f.distribution)]
                        vals = "  ".join(f"{v:.4f}" for v in q["survival"])
                        lines.append(f"    {f.label:<18}{vals}")
                lines.append(f"  hazard at {', '.join(f'{t:g}' for t in self.times)}")
                for f in self.fits:
                    if f.arm == arm and f.fitted:
                        q = p[(p["arm"] == arm) & (p["distribution"] == f.distribution)]
                        vals = "  ".join("NA" if not math.isfinite(v) else f"{v:.4g}" for v in q["hazard"])
                        lines.append(f"    {f.label:<18}{vals}")
            lines.append("")
        for n in self.notes:
            lines.append(f"note: {n}")
        return "\n".join(lines).rstrip() + "\n"

    def _html_frames(self) -> tuple:
        return (self.to_frame(), self.parameters_frame())

    def _repr_head(self) -> str:
        return f"horizon={self.horizon:g}"

    def _repr_body(self) -> str:
        s = self._summary
        best = []
        for arm in self.levels:
            rows = s[(s["arm"] == arm) & s["fitted"]]
            if len(rows):
                r = rows.sort_values("aic").iloc[0]
                best.append(f"{arm}: best AIC {r['label']} ({r['aic']:.2f})")
            else:
                best.append(f"{arm}: no model fitted")
        return "; ".join(best)


def _est_ci(est, lo, hi) -> str:
    def f(x):
        if x is None or not math.isfinite(x):
            return "NR" if x is not None and x == math.inf else "NA"
        return f"{x:.4g}"
    if est == math.inf:
        return "not finite"
    return f"{f(est)} ({f(lo)}, {f(hi)})"


# --------------------------------------------------------------------------- fitting
def _fit_one(name, arm, t, e, knots=None) -> ModelFit:
    n, d = int(t.size), int(e.sum())
    base = dict(arm=arm, distribution=name, n=n, events=d)
    if name.startswith("spline"):
        label = f"Spline ({len(knots) - 2} knot{'s' if len(knots) > 3 else ''})"
    else:
        label = _LABELS[name]
    base["label"] = label
    df = len(_DISTS[name].internal) if name in _DISTS else len(knots)
    if d < df:
        return ModelFit(**base, fitted=False, df=df,
                        reason=f"{d} event{'s' if d != 1 else ''}: too few to estimate {df} "
                               f"parameter{'s' if df != 1 else ''}")
    if knots is not None and np.unique(knots).size < len(knots):
        return ModelFit(**base, fitted=False, df=df,
                        reason="the knots coincide (too few distinct event times for them)")
    notes = []
    if name == "gompertz":
        g = fit_gompertz(t, e)
        if not g["converged"]:
            return ModelFit(**base, fitted=False, df=df, reason="Newton-Raphson did not converge")
        dist, theta, cov, ll = _DISTS[name], g["theta"], g["cov"], g["loglik"]
        if theta[0] < 0:
            notes.append(f"the hazard falls (shape < 0): a proportion {math.exp(math.exp(theta[1]) / theta[0]):.3g} "
                         "never has the event, so the mean is not finite")
    else:
        fitter, why = _lifelines_fit(name, t, e, knots)
        if fitter is None:
            return ModelFit(**base, fitted=False, df=df, reason=why)
        if name in _TERMS:
            dist = _DISTS[name]
            theta, ll, hess, ok = _newton(lambda th: _survreg_loglik(name, th, t, e),
                                          _theta_from_lifelines(name, fitter))
            cov = _covariance(hess) if ok else None
            if cov is None:
                return ModelFit(**base, fitted=False, df=df,
                                reason="the maximum of the likelihood was not reached (information not positive definite)")
        else:
            if name == "gengamma":
                dist = _DISTS[name]
                theta = _theta_from_lifelines(name, fitter)
                q, q_se = float(theta[2]), float(math.sqrt(abs(fitter.variance_matrix_.iloc[2, 2])))
                if abs(q) > 5 or q_se > 5:
                    notes.append(f"the estimate of Q ({q:.3g}, se {q_se:.3g}) is extreme: the likelihood is "
                                 "nearly flat in Q, a known instability of the generalized gamma in small "
                                 "samples; read its extrapolation with caution")
            else:
                dist = _spline_dist(name, fitter, knots)
                theta = np.asarray(fitter._fitted_parameters_, float)
            ll = float(fitter.log_likelihood_)
            cov = np.asarray(fitter.variance_matrix_, float)
            if not (np.all(np.isfinite(cov)) and np.all(np.diag(cov) > 0)):
                return ModelFit(**base, fitted=False, df=df,
                                reason=f"lifelines {type(fitter).__name__} returned no valid covariance "
                                       "(the information matrix is not positive definite)")
    shown = tuple(dist.shown(theta, cov))
    return ModelFit(**base, fitted=True, df=df, parameters=shown, loglik=float(ll),
                    aic=float(-2 * ll + 2 * df), bic=float(-2 * ll + math.log(n) * df),
                    theta=np.asarray(theta, float), cov=np.asarray(cov, float), notes=tuple(notes), _dist=dist)


def _spline_knots(t, e, k):
    """Boundary knots at the extreme event times, ``k`` internal ones at centiles of log event times."""
    le = np.log(t[e == 1])
    probs = np.linspace(0, 100, k + 2)
    return np.exp(np.percentile(le, probs))


def _ranks(values, fitted):
    out = np.full(len(values), np.nan)
    idx = [i for i in range(len(values)) if fitted[i]]
    order = sorted(idx, key=lambda i: values[i])
    for r, i in enumerate(order, start=1):
        out[i] = r
    return out


def _parse_dists(dists, *, allow_empty=False):
    if isinstance(dists, str):
        dists = [d.strip() for d in dists.split(",") if d.strip()]
    dists = list(dict.fromkeys(str(d).strip().lower() for d in dists))
    if not dists and not allow_empty:
        raise InputError(f"dists: expected one or more of {', '.join(DISTRIBUTIONS)}; got none.")
    for d in dists:
        if d not in DISTRIBUTIONS:
            raise InputError(f"dists: {d!r} is not a distribution; expected some of {', '.join(DISTRIBUTIONS)}.")
    return dists


def _parse_splines(splines):
    if splines is None:
        return []
    if isinstance(splines, (int, np.integer)) and not isinstance(splines, bool):
        splines = [splines]
    out = []
    for k in splines:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= int(k) <= 3:
            raise InputError(f"splines: expected 1, 2 or 3 internal knots; got {k!r}.")
        out.append(int(k))
    return list(dict.fromkeys(out))


def extrapolate(time, event, group=None, *, dists=DISTRIBUTIONS, splines=None, horizon=None, times=None,
                conf_level: float = 0.95, ci: str = "delta", seed: int = 1, n_sim: int = 1000) -> ExtrapolationResult:
    """Fit the TSD 14 parametric models (and optionally spline models) to each arm and extrapolate.

    Parameters
    ----------
    time, event : array_like
        Follow-up times (> 0: parametric models need positive times, as survreg does) and
        event indicators (1 event, 0 censored).
    group : array_like, optional
        Arm per patient; one fit of each model to everyone when omitted.
    dists : sequence of str or str
        Models among :data:`DISTRIBUTIONS` (a comma-separated string is accepted); may be
        empty when ``splines`` are asked for.
    splines : int or sequence of int, optional
        Royston–Parmar spline models on the log cumulative hazard scale with this many
        internal knots (1 to 3; ``"spline<k>"`` in the results). Knots: boundary knots at the
        first and last event times, internal ones at equally spaced centiles of the log
        event times, as flexsurv places them.
    horizon : float, optional
        Time up to which the restricted mean is taken (and the plots are drawn); by default
        five times the last observed time (noted in the result).
    times : sequence of float, optional
        Times of the survival and hazard predictions; by default none.
    conf_level : float
        Level of the confidence limits.
    ci : {"delta", "simulation"}
        Delta method, or simulation of ``n_sim`` parameter vectors from the asymptotic
        normal distribution of the estimates with ``numpy.random.default_rng(seed)``.
    seed, n_sim : int
        Seed and number of draws of ``ci="simulation"``.

    Returns
    -------
    ExtrapolationResult
        ``to_frame()`` (one row per arm and model: ``loglik``, ``aic``, ``bic``, their ranks
        within the arm, ``median``, ``rmean`` (restricted to ``horizon``), ``mean`` with
        ``*_low`` / ``*_high`` limits), ``parameters_frame()``, ``predictions_frame()`` and
        ``fit(arm, distribution)``.

    References
    ----------
    Latimer N. NICE DSU Technical Support Document 14: Survival analysis for economic
    evaluations alongside clinical trials - extrapolation with patient-level data. 2013.
    Rutherford MJ, Lambert PC, Sweeting MJ, et al. NICE DSU Technical Support Document 21:
    Flexible methods for survival analysis. 2020.

    Examples
    --------
    >>> time = [5, 8, 12, 16, 23, 27, 30, 33, 43, 45, 9, 13, 18, 23, 31, 34, 48, 161]
    >>> event = [1] * 10 + [1, 1, 1, 1, 1, 1, 1, 0]
    >>> res = extrapolate(time, event, dists="exponential,weibull", horizon=200)
    >>> res.to_frame()[["distribution", "df", "aic_rank"]].values.tolist()
    [['exponential', 1, 1.0], ['weibull', 2, 2.0]]
    >>> [p[0] for p in res.fit("all", "weibull").parameters]
    ['(Intercept)', 'Log(scale)']
    """
    conf_level = check_level(conf_level)
    check_choice("ci", ci, CI_METHODS)
    t, e = as_durations(time, event)
    if t.size == 0:
        raise InputError("extrapolate: no patients.")
    bad = np.flatnonzero(t <= 0)
    if bad.size:
        raise InputError(
            f"time of patient {int(bad[0]) + 1} is {t[bad[0]]:g}; parametric models need times > 0 "
            "(R's survreg refuses them too): drop such patients or move them to a small positive time.")
    knots = _parse_splines(splines)
    names = _parse_dists(dists, allow_empty=bool(knots)) + [f"spline{k}" for k in knots]
    notes = []
    if horizon is None:
        horizon = 5 * float(t.max())
        notes.append(f"horizon not given: the restricted mean is taken to {horizon:g}, five times the last "
                     "observed time")
    else:
        try:
            horizon = float(horizon)
        except (TypeError, ValueError):
            raise InputError(f"horizon must be a number > 0; got {horizon!r}.") from None
        if not (math.isfinite(horizon) and horizon > 0):
            raise InputError(f"horizon must be a finite number > 0; got {horizon!r}.")
    pred_times = []
    for x in (times or ()):
        try:
            x = float(x)
        except (TypeError, ValueError):
            raise InputError(f"times: {x!r} is not a number; expected times >= 0.") from None
        if not (math.isfinite(x) and x >= 0):
            raise InputError(f"times: expected finite times >= 0; got {x!r}.")
        pred_times.append(x)
    seed = int(seed)
    n_sim = int(n_sim)
    if n_sim < 10:
        raise InputError(f"n_sim must be at least 10; got {n_sim}.")
    if group is None:
        group_name, levels, codes = None, ("all",), np.zeros(t.size, dtype=int)
    else:
        data = prepare_groups(t, e, group, None, None, min_levels=1)
        group_name, levels, codes = data.group_name, tuple(data.levels), data.codes
    z = float(stats.norm.ppf((1 + conf_level) / 2))
    rng = np.random.default_rng(seed)
    fits, rows, preds, kms = [], [], [], {}
    for i, arm in enumerate(levels):
        m = codes == i
        ta, ea = t[m], e[m]
        kms[arm] = kaplan_meier(ta, ea)
        arm_fits = []
        for name in names:
            knots = _spline_knots(ta, ea, int(name[6:])) if name.startswith("spline") else None
            if knots is not None and int(ea.sum()) < len(knots) + 1:
                knots = None
            if name.startswith("spline") and knots is None:
                f = ModelFit(arm=arm, distribution=name, label=f"Spline ({name[6:]} knots)", fitted=False,
                             n=int(ta.size), events=int(ea.sum()), df=int(name[6:]) + 2,
                             reason="too few events to place the knots")
            else:
                f = _fit_one(name, arm, ta, ea, knots)
            arm_fits.append(f)
        aic_rank = _ranks([f.aic for f in arm_fits], [f.fitted for f in arm_fits])
        bic_rank = _ranks([f.bic for f in arm_fits], [f.fitted for f in arm_fits])
        for j, f in enumerate(arm_fits):
            row = {"arm": arm, "distribution": f.distribution, "label": f.label, "fitted": f.fitted, "n": f.n,
                   "events": f.events, "df": f.df, "loglik": f.loglik, "aic": f.aic, "aic_rank": aic_rank[j],
                   "bic": f.bic, "bic_rank": bic_rank[j]}
            stats_ = dict.fromkeys(("median", "median_low", "median_high", "rmean", "rmean_low", "rmean_high",
                                    "mean", "mean_low", "mean_high"), math.nan)
            fnotes = list(f.notes)
            if f.fitted:
                draws = (rng.multivariate_normal(f.theta, f.cov, size=n_sim, method="cholesky")
                         if ci == "simulation" else None)
                dist = f._dist
                with np.errstate(all="ignore"):
                    med = _interval(lambda th: _median(dist, th), f, _LOG, z, ci, draws)
                    rmean = _interval(lambda th: _restricted_mean(dist, th, horizon), f, _LOG, z, ci, draws)
                    mean = _interval(lambda th: _unrestricted_mean(dist, th), f, _LOG, z, ci, draws)
                stats_.update(zip(("median", "median_low", "median_high"), med))
                stats_.update(zip(("rmean", "rmean_low", "rmean_high"), rmean))
                stats_.update(zip(("mean", "mean_low", "mean_high"), mean))
                if mean[0] == math.inf and not any("mean is not finite" in n for n in fnotes):
                    fnotes.append("the fitted curve falls too slowly for a finite mean")
                for tt in pred_times:
                    with np.errstate(all="ignore"):
                        s = _interval(lambda th: float(_survival(dist, th, tt)), f, _CLOGLOG, z, ci, draws)
                        h = (_interval(lambda th: float(_hazard(dist, th, tt)), f, _LOG, z, ci, draws)
                             if tt > 0 else (math.nan,) * 3)
                    preds.append({"arm": arm, "distribution": f.distribution, "time": tt, "survival": s[0],
                                  "survival_low": s[1], "survival_high": s[2], "hazard": h[0],
                                  "hazard_low": h[1], "hazard_high": h[2],
                                  "beyond_follow_up": bool(tt > ta.max())})
            else:
                notes.append(f"arm {arm}: {f.label} not fitted: {f.reason}")
            row.update(stats_)
            row["horizon"] = horizon
            row["reason"] = f.reason
            row["notes"] = "; ".join(fnotes)
            rows.append(row)
            if fnotes:
                notes.extend(f"arm {arm}, {f.label}: {n}" for n in fnotes)
            fits.append(f)
    notes.append("confidence limits: " + ("delta method (log scale for median, means and hazard; log(-log) for "
                                          "survival)" if ci == "delta" else
                                          f"{n_sim} draws from the asymptotic normal distribution of the estimates "
                                          f"(seed {seed})"))
    pred_cols = ["arm", "distribution", "time", "survival", "survival_low", "survival_high", "hazard",
                 "hazard_low", "hazard_high", "beyond_follow_up"]
    return ExtrapolationResult(
        levels=levels, group=group_name, distributions=tuple(names), fits=tuple(fits), horizon=horizon,
        times=tuple(pred_times), conf_level=conf_level, ci=ci, seed=seed, n_sim=n_sim, km=kms,
        notes=tuple(notes), _summary=pd.DataFrame(rows), _predictions=pd.DataFrame(preds, columns=pred_cols),
    )

