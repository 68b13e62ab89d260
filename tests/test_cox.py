"""Unit and property tests of survrepro.engine.cox and survrepro.engine.rmst.

Numbers against R's survival package live in tests/validation/test_cox_vs_r.py; here:
input validation, invariances, hand-computed values and an independent check against
lifelines (CoxPHFitter, Efron ties; logrank_test and multivariate_logrank_test).
"""
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lifelines import CoxPHFitter
from lifelines import statistics as ll_stats

from survrepro import InputError
from survrepro.engine.cox import CoxResult, HazardRatio, cox_ph, hazard_ratio, ph_test
from survrepro.engine.logrank import logrank_test
from survrepro.engine.rmst import rmst

# small data set with tied times in both arms
TIME = [5, 8, 12, 3, 4, 6, 9, 10, 5, 8, 2, 7]
EVENT = [1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1]
GROUP = ["A", "A", "A", "A", "B", "B", "B", "B", "A", "B", "A", "B"]

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def _random_data(seed, n_levels=2, n_strata=1, n=None):
    """Random survival data with many ties (integer times), reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    n = n or int(rng.integers(25, 70))
    return pd.DataFrame(
        {
            "time": rng.integers(1, 25, n).astype(float),
            "event": (rng.random(n) < 0.7).astype(int),
            "group": rng.integers(0, n_levels, n),
            "stratum": rng.integers(0, n_strata, n),
        }
    )


def _fits_well(d, **kw):
    """The data give a finite, converged estimate with every level and stratum present."""
    if d["group"].nunique() < d["group"].max() + 1 or d["event"].sum() == 0:
        return False
    try:
        res = cox_ph(d["time"], d["event"], d["group"], **kw)
    except InputError:
        return False
    return res.converged and not res.notes and np.all(np.abs(res.coef) < 5)


# ---------------------------------------------------------------------- input validation
def test_group_with_one_level():
    with pytest.raises(InputError, match=r"^group has a single level \('A'\); expected at least two groups"):
        cox_ph([1, 2, 3], [1, 0, 1], ["A", "A", "A"])
    with pytest.raises(InputError, match="single level"):
        logrank_test([1, 2, 3], [1, 0, 1], ["A", "A", "A"])


def test_lengths_mismatch():
    with pytest.raises(InputError, match=r"^3 times but 2 values of group; expected one each\.$"):
        cox_ph([1, 2, 3], [1, 0, 1], ["A", "B"])
    with pytest.raises(InputError, match=r"^3 times but 4 values of site; expected one each\.$"):
        logrank_test([1, 2, 3], [1, 0, 1], ["A", "B", "A"], strata=pd.Series([1, 2, 1, 2], name="site"))
    with pytest.raises(InputError, match="3 times but 2 event indicators"):
        cox_ph([1, 2, 3], [1, 0], ["A", "B", "A"])


def test_unknown_ties_lists_allowed_values():
    with pytest.raises(InputError, match=r"^ties must be one of 'efron', 'breslow'; got 'exact'\.$"):
        cox_ph(TIME, EVENT, GROUP, ties="exact")
    with pytest.raises(InputError, match="transform must be one of 'km', 'identity', 'rank', 'log'"):
        ph_test(TIME, EVENT, GROUP, transform="spline")


def test_reference_not_a_level():
    with pytest.raises(InputError, match=r"^reference 'C' is not a level of arm; levels are 'A', 'B'\.$"):
        cox_ph(TIME, EVENT, pd.Series(GROUP, name="arm"), reference="C")
    with pytest.raises(InputError, match="reference 'C' is not a level of group"):
        rmst(TIME, EVENT, GROUP, tau=5, reference="C")


def test_missing_group_or_stratum_named_with_its_position():
    group = pd.Series(GROUP[:-1] + [None], name="arm")
    with pytest.raises(InputError, match=r"^arm at position 12 is missing; drop or fill rows without a arm first\.$"):
        cox_ph(TIME, EVENT, group)
    strata = pd.Series([1.0] * 11 + [np.nan], name="ecog")
    with pytest.raises(InputError, match="ecog at position 12 is missing"):
        logrank_test(TIME, EVENT, GROUP, strata=strata)


def test_other_bad_inputs():
    with pytest.raises(InputError, match="no events"):
        cox_ph([1, 2, 3, 4], [0, 0, 0, 0], ["A", "B", "A", "B"])
    with pytest.raises(InputError, match="time at position 2 is -1; expected a finite number >= 0"):
        cox_ph([1, -1, 3, 4], [1, 1, 0, 0], ["A", "B", "A", "B"])
    with pytest.raises(InputError, match="confidence level must be strictly between 0 and 1"):
        cox_ph(TIME, EVENT, GROUP, conf_level=95)
    with pytest.raises(InputError, match="nobody at risk at any event time"):
        # level C is censored before the first event
        cox_ph([5, 6, 7, 8, 1], [1, 1, 1, 0, 0], ["A", "B", "A", "B", "C"])
    with pytest.raises(InputError, match=r"group has 3 levels \('A', 'B', 'C'\); expected exactly two arms"):
        hazard_ratio(TIME, EVENT, ["A", "B", "C"] * 4)
    with pytest.raises(InputError, match="eps must be a number between 0 and 1; got 0.0"):
        cox_ph(TIME, EVENT, GROUP, eps=0)
    with pytest.raises(InputError, match="iter_max must be a whole number >= 1; got 2.5"):
        cox_ph(TIME, EVENT, GROUP, iter_max=2.5)
    with pytest.raises(InputError, match="tau must be a finite number > 0"):
        rmst(TIME, EVENT, tau=0)
    with pytest.raises(InputError, match="tau must be a number > 0; got 'soon'"):
        rmst(TIME, EVENT, tau="soon")
    with pytest.raises(InputError, match="reference was given but no group"):
        rmst(TIME, EVENT, tau=5, reference="A")


# ---------------------------------------------------------------------- result objects
def test_result_objects():
    res = cox_ph(TIME, EVENT, pd.Series(GROUP, name="arm"), strata=pd.Series([1, 2] * 6, name="site"))
    assert isinstance(res, CoxResult)
    assert (res.levels, res.reference, res.terms, res.group, res.strata) == (("A", "B"), "A", ("B",), "arm", "site")
    assert res.n_strata == 2 and res.n == 12 and res.events == 9
    assert list(res.summary.columns) == ["coef", "hr", "se", "z", "pvalue", "hr_low", "hr_high"]
    frame = res.to_frame()
    assert frame.loc[0, "level"] == "B" and frame.loc[0, "ties"] == "efron" and frame.loc[0, "strata"] == "site"
    assert list(res.tests["test"]) == ["likelihood_ratio", "wald", "score"]
    assert repr(res).startswith("CoxResult arm vs 'A': B: HR ")
    assert "<table" in res._repr_html_()
    hr = res.comparison()
    assert isinstance(hr, HazardRatio)
    assert hr.hr == pytest.approx(res.hr[0]) and tuple(hr.hr_ci) == pytest.approx((res.hr_low[0], res.hr_high[0]))
    assert hr.lr_pvalue == pytest.approx(res.lr_pvalue) and hr.wald_pvalue == pytest.approx(res.wald_pvalue)
    assert list(hr.to_frame().columns[:3]) == ["level", "reference", "hr"]
    with pytest.raises(InputError, match="level 'Z' is not a compared level of arm; expected one of 'B'"):
        res.comparison("Z")
    lr = logrank_test(TIME, EVENT, GROUP)
    assert list(lr.to_frame()["group"]) == ["A", "B"] and "<table" in lr._repr_html_()
    assert lr.test.loc[0, "df"] == 1
    ph = ph_test(TIME, EVENT, GROUP)
    assert ph.table.index.tolist() == ["group", "GLOBAL"] and ph.to_frame().loc[0, "transform"] == "km"


def test_multilevel_comparison_needs_a_level():
    res = cox_ph(TIME, EVENT, ["A", "B", "C"] * 4)
    assert res.terms == ("B", "C") and res.df == 2
    assert res.comparison("C").hr == pytest.approx(res.hr[1])
    assert res.comparison("C").lr_pvalue is None
    with pytest.raises(InputError, match="name the level to compare with 'A'"):
        res.comparison()


def test_level_without_events_is_reported_not_hidden():
    # as R: coxph(Surv(t, e) ~ g) runs out of iterations with coef about -21.4 and a warning
    res = cox_ph(range(1, 11), [1, 1, 0, 1, 0, 1, 0, 0, 1, 0], list("AABABABBAB"))
    assert not res.converged and res.iterations == 20
    assert res.coef[0] < -15
    assert res.notes == ("Newton-Raphson did not converge in 20 iterations.",)


def test_natural_order_of_labels():
    res = cox_ph(TIME, EVENT, ["arm10", "arm2", "arm1"] * 4)
    assert res.levels == ("arm1", "arm2", "arm10")


# ---------------------------------------------------------------------- invariances
@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), ties=st.sampled_from(["efron", "breslow"]))
def test_row_order_and_label_names_do_not_matter(seed, ties):
    d = _random_data(seed, n_levels=3, n_strata=2)
    assume(_fits_well(d, ties=ties))
    res = cox_ph(d["time"], d["event"], d["group"], ties=ties, strata=d["stratum"])
    perm = np.random.default_rng(seed + 1).permutation(len(d))
    e = d.iloc[perm]
    # labels that sort the same way, and strata renamed in reverse order
    relabel = e["group"].map({0: "a", 1: "b", 2: "c"})
    restrat = e["stratum"].map({0: "z", 1: "y"})
    other = cox_ph(e["time"], e["event"], relabel, ties=ties, strata=restrat)
    assert other.coef == pytest.approx(res.coef, rel=1e-9, abs=1e-12)
    assert other.se == pytest.approx(res.se, rel=1e-9)
    assert other.lr_statistic == pytest.approx(res.lr_statistic, rel=1e-8, abs=1e-12)
    assert other.score_statistic == pytest.approx(res.score_statistic, rel=1e-9, abs=1e-12)
    assert other.iterations == res.iterations
    lr1 = logrank_test(d["time"], d["event"], d["group"], strata=d["stratum"])
    lr2 = logrank_test(e["time"], e["event"], relabel, strata=restrat)
    assert lr2.statistic == pytest.approx(lr1.statistic, rel=1e-9, abs=1e-12)
    assert lr2.observed == pytest.approx(lr1.observed) and lr2.expected == pytest.approx(lr1.expected)
    z1 = ph_test(d["time"], d["event"], d["group"], ties=ties, strata=d["stratum"])
    z2 = ph_test(e["time"], e["event"], relabel, ties=ties, strata=restrat)
    assert z2.statistic == pytest.approx(z1.statistic, rel=1e-8, abs=1e-12)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), ties=st.sampled_from(["efron", "breslow"]))
def test_swapping_reference_inverts_hazard_ratio(seed, ties):
    d = _random_data(seed)
    assume(_fits_well(d, ties=ties))
    a = hazard_ratio(d["time"], d["event"], d["group"], ties=ties)
    b = hazard_ratio(d["time"], d["event"], d["group"], ties=ties, reference=1)
    assert (a.reference, b.reference) == ("0", "1")
    assert b.hr == pytest.approx(1 / a.hr, rel=1e-9)
    assert b.hr_ci == pytest.approx((1 / a.hr_ci[1], 1 / a.hr_ci[0]), rel=1e-9)
    assert b.se == pytest.approx(a.se, rel=1e-9)
    for p in ("wald_pvalue", "lr_pvalue", "score_pvalue"):
        assert getattr(b, p) == pytest.approx(getattr(a, p), rel=1e-8)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_without_ties_efron_breslow_and_logrank_agree(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 60))
    time = rng.permutation(n) + 1.0
    event = (rng.random(n) < 0.7).astype(int)
    group = rng.integers(0, 2, n)
    assume(event.sum() > 0 and 0 < group.sum() < n)
    efron = cox_ph(time, event, group, ties="efron")
    breslow = cox_ph(time, event, group, ties="breslow")
    assert efron.coef == pytest.approx(breslow.coef, rel=1e-12, abs=1e-14)
    # the Cox score test is the log-rank test when no event times are tied
    assert efron.score_statistic == pytest.approx(logrank_test(time, event, group).statistic, rel=1e-9)


def test_single_stratum_equals_unstratified():
    a = cox_ph(TIME, EVENT, GROUP, strata=["s"] * 12)
    b = cox_ph(TIME, EVENT, GROUP)
    assert a.coef == pytest.approx(b.coef, rel=1e-12) and a.lr_statistic == pytest.approx(b.lr_statistic, rel=1e-12)
    assert logrank_test(TIME, EVENT, GROUP, strata=["s"] * 12).statistic == pytest.approx(
        logrank_test(TIME, EVENT, GROUP).statistic, rel=1e-12
    )


def test_stratified_logrank_sums_strata():
    d = _random_data(7, n_levels=2, n_strata=3, n=90)
    whole = logrank_test(d["time"], d["event"], d["group"], strata=d["stratum"])
    parts = [logrank_test(s["time"], s["event"], s["group"]) for _, s in d.groupby("stratum")]
    assert whole.observed == pytest.approx(sum(p.observed for p in parts))
    assert whole.expected == pytest.approx(sum(p.expected for p in parts))
    assert whole.variance == pytest.approx(sum(p.variance for p in parts))
    assert whole.expected_by_stratum.shape == (3, 2)


# ---------------------------------------------------------------------- lifelines
@SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_cox_efron_agrees_with_lifelines(seed):
    d = _random_data(seed)
    assume(_fits_well(d))
    # lifelines' default stopping rule can stop ~1e-4 short of the maximum in the
    # coefficient; tightened, its estimate still leaves a score of up to ~1e-6, i.e. a
    # coefficient ~1e-7 from the maximum, whereas ours (R's rule, tightened here) leaves
    # ~1e-13. Hence 1e-6 on coefficient and SE, and our log-likelihood never below theirs.
    res = cox_ph(d["time"], d["event"], d["group"], eps=1e-13)
    tight = {"precision": 1e-13, "r_precision": 0.0}
    cph = CoxPHFitter().fit(d[["time", "event", "group"]], "time", "event", fit_options=tight)
    assert res.coef == pytest.approx(cph.params_.to_numpy(), rel=1e-6, abs=1e-6)
    assert res.se == pytest.approx(cph.standard_errors_.to_numpy(), rel=1e-6)
    assert res.loglik == pytest.approx(cph.log_likelihood_, rel=1e-12)
    assert res.loglik >= cph.log_likelihood_ - 1e-12 * abs(cph.log_likelihood_)
    assert res.lr_statistic == pytest.approx(cph.log_likelihood_ratio_test().test_statistic, rel=1e-8, abs=1e-9)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n_levels=st.sampled_from([2, 3]))
def test_logrank_agrees_with_lifelines(seed, n_levels):
    d = _random_data(seed, n_levels=n_levels)
    assume(d["group"].nunique() == n_levels)
    ours = logrank_test(d["time"], d["event"], d["group"])
    if n_levels == 2:
        a, b = d[d["group"] == 0], d[d["group"] == 1]
        theirs = ll_stats.logrank_test(a["time"], b["time"], a["event"], b["event"])
    else:
        theirs = ll_stats.multivariate_logrank_test(d["time"], d["group"], d["event"])
    assert ours.statistic == pytest.approx(theirs.test_statistic, rel=1e-9, abs=1e-12)
    assert ours.pvalue == pytest.approx(theirs.p_value, rel=1e-8, abs=1e-15)


# ---------------------------------------------------------------------- RMST
def test_rmst_by_hand():
    # KM: 1 on [0, 2), 0.75 on [2, 4), 0.5 from 4; area to 5 = 2 + 1.5 + 0.5 = 4.
    # Var = A(2)^2 d/(n(n-d)) + A(4)^2 d/(n(n-d)) = 2^2/12 + 0.5^2/6 = 0.375.
    res = rmst([2, 4, 6, 8], [1, 1, 0, 1], tau=5)
    assert res.estimate[0] == pytest.approx(4.0, rel=1e-14)
    assert res.se[0] == pytest.approx(math.sqrt(0.375), rel=1e-14)
    assert res.levels == ("all",) and res.reference is None and res.contrasts().empty
    assert not res.beyond_follow_up[0]
    assert rmst([2, 4, 6, 8], [1, 1, 0, 1], tau=10).beyond_follow_up[0]


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), tau=st.floats(0.5, 30))
def test_rmst_without_censoring_is_mean_of_truncated_times(seed, tau):
    rng = np.random.default_rng(seed)
    t = rng.integers(1, 25, int(rng.integers(5, 40))).astype(float)
    res = rmst(t, np.ones(t.size), tau=tau)
    assert res.estimate[0] == pytest.approx(np.minimum(t, tau).mean(), rel=1e-12)


def test_rmst_contrasts():
    res = rmst(TIME, EVENT, pd.Series(GROUP, name="arm"), tau=8, conf_level=0.9)
    c = res.contrasts().iloc[0]
    m0, m1 = res.estimate
    s0, s1 = res.se
    se = math.hypot(s0, s1)
    z = 1.6448536269514722  # qnorm(0.95)
    assert (c["level"], c["reference"]) == ("B", "A")
    assert c["difference"] == pytest.approx(m1 - m0) and c["difference_se"] == pytest.approx(se)
    assert c["difference_low"] == pytest.approx(m1 - m0 - z * se)
    assert c["difference_pvalue"] == pytest.approx(math.erfc(abs(m1 - m0) / se / math.sqrt(2)))
    log_se = math.sqrt((s0 / m0) ** 2 + (s1 / m1) ** 2)
    assert c["ratio"] == pytest.approx(m1 / m0)
    assert c["ratio_high"] == pytest.approx(m1 / m0 * math.exp(z * log_se))
    flipped = rmst(TIME, EVENT, GROUP, tau=8, reference="B").contrasts().iloc[0]
    assert flipped["difference"] == pytest.approx(-c["difference"])
    assert flipped["difference_pvalue"] == pytest.approx(c["difference_pvalue"])
    frame = res.to_frame()
    assert list(frame["group"]) == ["A", "B"] and frame.loc[0, "rmst_low"] == pytest.approx(m0 - z * s0)
    assert repr(res).startswith("RMSTResult tau=8: A: ")


# ---------------------------------------------------------------------- vocabulary
def test_tests_report_statistic_df_pvalue_and_one_interval_type():
    import json

    from survrepro.engine._results import ConfidenceInterval

    res = cox_ph(TIME, EVENT, GROUP)
    assert list(res.tests.columns) == ["test", "statistic", "df", "pvalue"]
    ci = res.confidence_interval()
    assert isinstance(ci, ConfidenceInterval) and ci.low[0] == res.hr_low[0] and ci.high[0] == res.hr_high[0]
    wide = res.confidence_interval(0.99)
    assert wide.low[0] < ci.low[0] and wide.high[0] > ci.high[0]
    hr = res.comparison()
    assert isinstance(hr.hr_ci, ConfidenceInterval) and hr.confidence_interval() == hr.hr_ci
    assert hr.confidence_interval(0.99) == pytest.approx((wide.low[0], wide.high[0]), rel=1e-12)
    assert {"hr_low", "hr_high"} <= set(hr.to_frame().columns) and "hr_lower" not in hr.to_frame().columns
    lr = logrank_test(TIME, EVENT, GROUP)
    assert list(lr.summary.columns) == ["statistic", "df", "pvalue", "strata"]
    ph = ph_test(TIME, EVENT, GROUP)
    assert list(ph.summary.columns) == ["statistic", "df", "pvalue"] and ph.df == 1
    r = rmst(TIME, EVENT, GROUP, tau=5)
    assert r.confidence_interval().low == pytest.approx(r.to_frame()["rmst_low"].to_numpy())
    for result in (res, hr, lr, ph, r):
        json.dumps(result.to_dict(), allow_nan=False)
        assert isinstance(result.summary, pd.DataFrame) and "<table" in result._repr_html_()


def test_old_attribute_names_warn():
    res = cox_ph(TIME, EVENT, GROUP)
    with pytest.warns(DeprecationWarning, match="CoxResult.lr_p is deprecated; use CoxResult.lr_pvalue"):
        assert res.lr_p == res.lr_pvalue
    lr = logrank_test(TIME, EVENT, GROUP)
    with pytest.warns(DeprecationWarning, match="LogRankResult.chisq is deprecated"):
        assert lr.chisq == lr.statistic
