"""Kaplan–Meier against R's survival package.

Every expected value was produced by ``results/km_reference.R`` (R 4.2.2, survival
3.5-3) from the datasets exported by ``results/export_datasets.R``; the R call behind
each comparison is quoted beside it. Medians and their limits are event or censoring
times (or midpoints of two), so they must match exactly; survival and its band to 1e-6
relative (R writes 15 significant digits).
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survrepro.engine.km import kaplan_meier, median_followup

pytestmark = pytest.mark.validation
HERE = Path(__file__).parent
GROUP = {"lung": "sex", "veteran": "trt", "aml": "x", "ovarian": "rx"}


def _data(name):
    return pd.read_csv(HERE / "data" / f"{name}.csv")


def _fit(dataset, group, conf_type, conf_level=0.95):
    d = _data(dataset)
    d = d[d[GROUP[dataset]].astype(str) == str(group)]
    return kaplan_meier(d["time"], d["event"], conf_type=conf_type, conf_level=conf_level), d


CURVES = pd.read_csv(HERE / "results" / "km_curves.csv", dtype={"group": str})
QUANTS = pd.read_csv(HERE / "results" / "km_quantiles.csv", dtype={"group": str})
LANDS = pd.read_csv(HERE / "results" / "km_landmarks.csv", dtype={"group": str})
FUPS = pd.read_csv(HERE / "results" / "km_followup.csv", dtype={"group": str})
CASES = sorted({(r.dataset, r.group, r.conf_type) for r in CURVES.itertuples()})


def _none(x):
    return None if pd.isna(x) else float(x)


@pytest.mark.parametrize("dataset,group,conf_type", CASES)
def test_curve_matches_survfit(dataset, group, conf_type):
    # R: fit <- survfit(Surv(time, event) ~ 1, data = dd, conf.type = ct)
    #    fit$time, fit$n.risk, fit$n.event, fit$n.censor, fit$surv, fit$std.err, fit$lower, fit$upper
    ref = CURVES[(CURVES.dataset == dataset) & (CURVES.group == group) & (CURVES.conf_type == conf_type)]
    res, _ = _fit(dataset, group, conf_type)
    got = res.to_frame()
    np.testing.assert_array_equal(got["time"], ref["time"])
    for col in ("n_risk", "n_event", "n_censor"):
        np.testing.assert_array_equal(got[col], ref[col], err_msg=col)
    for col, r_col in (("survival", "survival"), ("std_err", "std_err"), ("survival_low", "lower"), ("survival_high", "upper")):
        # NA in R (undefined transform at S = 0 or 1) is NaN here; Inf std.err once S = 0.
        np.testing.assert_allclose(got[col], ref[r_col].astype(float), rtol=1e-6, atol=0, err_msg=col)


@pytest.mark.parametrize("row", list(QUANTS.itertuples()), ids=lambda r: f"{r.dataset}-{r.group}-{r.conf_type}-{r.conf_level}-q{r.p}")
def test_quantiles_match_quantile_survfit(row):
    # R: quantile(survfit(..., conf.type = ct, conf.int = lvl), probs = c(0.25, 0.5, 0.75))
    res, _ = _fit(row.dataset, row.group, row.conf_type, row.conf_level)
    q = res.quantile(row.p)
    assert q.estimate == _none(row.estimate)
    assert q.low == _none(row.low)
    assert q.high == _none(row.high)


@pytest.mark.parametrize("row", list(LANDS.itertuples()), ids=lambda r: f"{r.dataset}-{r.group}-{r.conf_type}-t{r.time}")
def test_landmarks_match_summary_survfit(row):
    # R: summary(fit, times = landmarks, extend = TRUE)$surv, $lower, $upper, $n.risk
    res, _ = _fit(row.dataset, row.group, row.conf_type)
    got = res.at([row.time]).iloc[0]
    assert got["n_at_risk"] == row.n_at_risk
    np.testing.assert_allclose(got["survival"], row.survival, rtol=1e-6)
    np.testing.assert_allclose(got["survival_low"], row.lower, rtol=1e-6)
    np.testing.assert_allclose(got["survival_high"], row.upper, rtol=1e-6)


@pytest.mark.parametrize("row", list(FUPS.itertuples()), ids=lambda r: f"{r.dataset}-{r.group}")
def test_median_followup_reverse_km(row):
    # R: quantile(survfit(Surv(time, 1 - event) ~ 1, data = dd), probs = 0.5)
    _, d = _fit(row.dataset, row.group, "log")
    q = median_followup(d["time"], d["event"])
    assert q == (_none(row.estimate), _none(row.low), _none(row.high))


def test_lung_by_sex_published_medians():
    # R: survfit(Surv(time, status) ~ sex, data = lung)            -> 270 (212, 310); 426 (348, 550)
    # R: survfit(..., conf.type = "log-log")                       -> 270 (210, 306); 426 (345, 524)
    for conf_type, expected in {
        "log": {"1": (270, 212, 310), "2": (426, 348, 550)},
        "log-log": {"1": (270, 210, 306), "2": (426, 345, 524)},
    }.items():
        for sex, (m, lo, hi) in expected.items():
            res, _ = _fit("lung", sex, conf_type)
            assert (res.median, *res.median_ci) == (m, lo, hi)
