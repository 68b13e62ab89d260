"""Each fast path of the engine against its reference function.

The fast paths (the final "fast paths" section of engine/km.py, engine/cox.py and
engine/logrank.py) skip input checks and result objects; the reference functions are
validated against R survival in tests/validation. Each comparison holds to the precision the
two calculations allow:

* ``km_median`` against ``kaplan_meier(...).quantile(0.5)``: exactly equal, to the last bit
  (the same arithmetic in the same order, the same band and quantile rule).
* ``log_hazard_ratio`` and ``log_hazard_ratio_untied`` against ``cox_ph``: relative 1e-6 on
  the hazard ratio and its standard error. Each is a Newton iteration stopped at a
  tolerance (a relative change of the log partial likelihood of 1e-9 for ``cox_ph`` and
  ``log_hazard_ratio``, a step of 1e-12 for the untied fit), from which the coefficient is
  known to about 1e-8; 1e-6 leaves a margin for flat likelihoods (few events).
  Fits whose coefficient runs away (events in one arm only) are compared by outcome: the
  fast path gives ``None`` where ``cox_ph`` fails or notes a non-converged or infinite
  coefficient.
* ``two_arm_tests`` against ``log_hazard_ratio`` (the same iteration: coefficient and
  standard error bit for bit) and ``cox_ph``: the score statistic, computed at 0 by both, to
  relative 1e-10; the likelihood-ratio statistic, read at estimates known to about 1e-8, to
  relative 1e-6 (absolute 1e-9 near zero).
* ``logrank_batch`` against ``logrank_test``: observed minus expected and the variance are
  the same sums added in another order, so they agree to rounding, 1e-12 (absolute on
  ``O - E``, relative on the variance); the chi-square to relative 1e-10 (absolute 1e-12 near
  zero, where ``O - E`` cancels), the p value to relative 1e-10.

Data: hypothesis examples (derandomized in conftest.py) on a grid of quarter months, so
ties are common, and seeded numpy cases with ties, an arm without events, a single event,
no events and every event at one time.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from survrepro import InputError
from survrepro.engine.cox import cox_ph, log_hazard_ratio, log_hazard_ratio_untied, two_arm_tests
from survrepro.engine.km import kaplan_meier, km_median, km_survival_at
from survrepro.engine.logrank import LogRankBatch, chi2_1_sf, logrank_batch, logrank_test

# (time in quarter months, event, group) per patient: many ties
cohorts = st.lists(st.tuples(st.integers(1, 60), st.integers(0, 1), st.integers(0, 1)), min_size=2, max_size=40)


def _columns(rows):
    t, e, x = (np.array(v) for v in zip(*rows))
    return t / 4.0, e, x


def _seeded_cases():
    """Named (time, event, group) data sets drawn from one seed, each with a hard feature."""
    rng = np.random.default_rng(20240601)
    n = 30
    group = np.repeat([0, 1], n // 2)
    tied = np.ceil(rng.exponential(6.0, n))  # whole months: many ties
    some = (rng.random(n) < 0.7).astype(int)
    one_arm = some.copy()
    one_arm[group == 1] = 0
    single = np.zeros(n, int)
    single[7] = 1
    distinct = rng.permutation(np.arange(1, n + 1)) / 3.0
    return {
        "ties": (tied, some, group),
        "an arm without events": (tied, one_arm, group),
        "a single event": (tied, single, group),
        "no events": (tied, np.zeros(n, int), group),
        "every event at one time": (np.full(n, 5.0), np.ones(n, int), group),
        "distinct times, every patient an event": (distinct, np.ones(n, int), group),
        "distinct times": (distinct, some, group),
    }


SEEDED = _seeded_cases()


def _reference_cox(t, e, x, ties="efron"):
    """cox_ph of group 1 against group 0, or None when it cannot be fitted."""
    try:
        with np.errstate(all="ignore"):  # a degenerate fit warns in numpy
            return cox_ph(t, e, x, ties=ties, reference=0)
    except InputError:
        return None


def _check_cox(fit, ref):
    """The fast fit matches the reference, or both say the estimate is not finite."""
    # cox_ph fails, notes a coefficient that did not converge or may be infinite, or has no
    # information (SE above 1e3: nobody of one arm at risk at any event time, information 0
    # up to rounding); no data set here has a finite SE above 10
    degenerate = ref is None or bool(ref.notes) or not ref.se[0] < 1e3
    if degenerate:
        assert fit is None or (abs(fit.coef) > 10 and fit.se > 100), (fit, ref)
        return
    assert fit is not None and ref.se[0] < 10, (fit, ref)
    assert math.exp(fit.coef) == pytest.approx(ref.hr[0], rel=1e-6)
    assert fit.se == pytest.approx(ref.se[0], rel=1e-6)


def _check_logrank(res, t, e, x):
    assert isinstance(res, LogRankBatch) and res.events[0] == e.sum()
    if e.sum() == 0 or x.min() == x.max():
        assert res.variance[0] == 0
        return
    if res.variance[0] == 0:
        # no information: nobody of one group at risk at the event times, or every event tied
        # with everyone at risk (hypergeometric variance 0; logrank_test, as R's survdiff,
        # then has at most one group with expected events, or a singular variance)
        assert not np.isfinite(res.statistic[0]) or res.o_minus_e[0] == 0
        return
    ref = logrank_test(t, e, x)
    assert res.o_minus_e[0] == pytest.approx((ref.observed - ref.expected)[1], abs=1e-12)
    assert res.variance[0] == pytest.approx(ref.variance[1, 1], rel=1e-12)
    assert res.statistic[0] == pytest.approx(ref.statistic, rel=1e-10, abs=1e-12)
    assert res.pvalue[0] == pytest.approx(ref.pvalue, rel=1e-10)


# --------------------------------------------------------------------------- Kaplan-Meier median
@settings(max_examples=80, deadline=None)
@given(cohorts, st.sampled_from(["log", "log-log", "plain"]), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_km_median_equals_kaplan_meier(rows, conf_type, conf_level):
    t, e, _ = _columns(rows)
    ref = kaplan_meier(t, e, conf_type=conf_type, conf_level=conf_level).quantile(0.5)
    assert km_median(t, e, conf_type=conf_type, conf_level=conf_level) == tuple(ref)
    assert km_median(t, e, conf_int=False) == (ref.estimate, None, None)


def test_km_median_of_nobody_is_not_reached():
    assert km_median(np.array([]), np.array([])) == (None, None, None)
    assert km_median(np.array([]), np.array([]), conf_int=False) == (None, None, None)


@pytest.mark.parametrize("case", list(SEEDED))
@pytest.mark.parametrize("conf_type", ["log", "log-log", "plain"])
def test_km_median_equals_kaplan_meier_on_seeded_cases(case, conf_type):
    t, e, x = SEEDED[case]
    for sel in (np.ones(t.size, bool), x == 0, x == 1):
        ref = kaplan_meier(t[sel], e[sel], conf_type=conf_type).quantile(0.5)
        assert km_median(t[sel], e[sel], conf_type=conf_type) == tuple(ref)
    # the reverse Kaplan-Meier median (median follow-up) is the same kernel with events flipped
    assert km_median(t, 1 - e, conf_int=False).estimate == kaplan_meier(t, 1 - e).median


# --------------------------------------------------------------------------- Cox
@settings(max_examples=150, deadline=None)
@given(cohorts, st.sampled_from(["efron", "breslow"]))
def test_log_hazard_ratio_matches_cox_ph(rows, ties):
    t, e, x = _columns(rows)
    fit = log_hazard_ratio(t, e, x, ties=ties)
    if e.sum() == 0 or x.min() == x.max():
        assert fit is None
        return
    _check_cox(fit, _reference_cox(t, e, x, ties))


@pytest.mark.parametrize("case", list(SEEDED))
@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_log_hazard_ratio_matches_cox_ph_on_seeded_cases(case, ties):
    t, e, x = SEEDED[case]
    fit = log_hazard_ratio(t, e, x, ties=ties)
    if e.sum() == 0:
        assert fit is None and _reference_cox(t, e, x, ties) is None
        return
    _check_cox(fit, _reference_cox(t, e, x, ties))


def _check_tests(t, e, x, ties):
    tests, fit = two_arm_tests(t, e, x, ties=ties), log_hazard_ratio(t, e, x, ties=ties)
    if fit is None:
        assert tests is None
        return
    assert (tests.coef, tests.se) == tuple(fit)
    ref = _reference_cox(t, e, x, ties)
    if ref is None or ref.notes or not ref.se[0] < 1e3:
        return  # a coefficient that runs away: compared by outcome in _check_cox
    assert tests.score_statistic == pytest.approx(ref.score_statistic, rel=1e-10, abs=1e-12)
    assert tests.lr_statistic == pytest.approx(ref.lr_statistic, rel=1e-6, abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(cohorts, st.sampled_from(["efron", "breslow"]))
def test_two_arm_tests_match_cox_ph(rows, ties):
    _check_tests(*_columns(rows), ties)


@pytest.mark.parametrize("case", list(SEEDED))
@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_two_arm_tests_match_cox_ph_on_seeded_cases(case, ties):
    _check_tests(*SEEDED[case], ties)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=4, max_size=40),
       st.randoms(use_true_random=False))
def test_log_hazard_ratio_untied_matches_cox_ph_on_distinct_times(rows, rnd):
    e, x = (np.array(v) for v in zip(*rows))
    t = np.array(rnd.sample(range(1, 500), len(rows))) / 7.0  # distinct times: no tie rule applies
    fit = log_hazard_ratio_untied(t, e, x)
    if e.sum() == 0 or x.min() == x.max():
        assert fit is None
        return
    for ties in ("efron", "breslow"):
        _check_cox(fit, _reference_cox(t, e, x, ties))
    general = log_hazard_ratio(t, e, x)
    if fit is not None and general is not None:
        # the general fit stops at a relative change of 1e-9 in the log partial likelihood, so a
        # coefficient near 0 (0.0196065561 against 0.0196065582) agrees to about 1e-9, not to a relative 1e-7
        assert fit == pytest.approx(general, rel=1e-7, abs=1e-8)


@pytest.mark.parametrize("case", [c for c in SEEDED if c.startswith("distinct")])
def test_log_hazard_ratio_untied_matches_cox_ph_on_seeded_cases(case):
    t, e, x = SEEDED[case]
    _check_cox(log_hazard_ratio_untied(t, e, x), _reference_cox(t, e, x))


# --------------------------------------------------------------------------- log-rank
@settings(max_examples=80, deadline=None)
@given(cohorts)
def test_logrank_batch_matches_logrank_test(rows):
    t, e, x = _columns(rows)
    _check_logrank(logrank_batch(t, e, x), t, e, x)


@pytest.mark.parametrize("case", list(SEEDED))
def test_logrank_batch_matches_logrank_test_on_seeded_cases(case):
    t, e, x = SEEDED[case]
    _check_logrank(logrank_batch(t, e, x), t, e, x)


def test_logrank_batch_rows_are_independent_data_sets():
    # every seeded case with ties as one row of a batch: each row as the test of that row alone
    rows = [SEEDED[c] for c in ("ties", "an arm without events", "a single event", "every event at one time")]
    t, e = np.vstack([r[0] for r in rows]), np.vstack([r[1] for r in rows])
    res = logrank_batch(t, e, rows[0][2])
    for i, (ti, ei, xi) in enumerate(rows):
        alone = logrank_batch(ti, ei, xi)
        assert (res.o_minus_e[i], res.variance[i], res.events[i]) == (
            alone.o_minus_e[0], alone.variance[0], alone.events[0])
        _check_logrank(LogRankBatch(res.o_minus_e[i:i + 1], res.variance[i:i + 1], res.events[i:i + 1]), ti, ei, xi)


def test_logrank_batch_equals_lifelines_with_ties():
    from lifelines.statistics import logrank_test as lifelines_logrank

    rng = np.random.default_rng(7)
    n_sets, n = 30, 60
    group = np.repeat([0, 1], n // 2)
    time = np.ceil(rng.exponential(5, (n_sets, n)) * (1 + 0.5 * group))  # whole units: many ties
    event = (rng.random((n_sets, n)) < 0.7).astype(int)
    res = logrank_batch(time, event, group)
    a = group == 0
    for i in range(n_sets):
        ref = lifelines_logrank(time[i, a], time[i, ~a], event[i, a], event[i, ~a]).test_statistic
        assert abs(res.statistic[i] - ref) < 1e-10
    # 2-D group (a different split per row) gives the same as analysing rows one by one
    g2 = rng.permuted(np.tile(group, (n_sets, 1)), axis=1)
    both = logrank_batch(time, event, g2)
    one = [logrank_batch(time[i:i + 1], event[i:i + 1], g2[i]).statistic[0] for i in range(n_sets)]
    np.testing.assert_allclose(both.statistic, one, rtol=1e-12)


def test_logrank_batch_chunking_and_survdiff_small_case():
    # R 4.2.2, survival 3.5-3: survdiff(Surv(c(1,2,3,4), rep(1,4)) ~ c(0,0,1,1))$chisq -> 2.88235294117647
    assert logrank_batch([[1, 2, 3, 4]], [[1, 1, 1, 1]], [0, 0, 1, 1]).statistic[0] == pytest.approx(2.88235294117647, rel=1e-12)
    rng = np.random.default_rng(3)
    t = rng.exponential(size=(600, 20))
    e = np.ones((600, 20), int)
    g = np.repeat([0, 1], 10)
    whole = logrank_batch(t, e, g)  # analysed in chunks of 250 rows
    parts = np.concatenate([logrank_batch(t[i:i + 100], e[i:i + 100], g).statistic for i in range(0, 600, 100)])
    np.testing.assert_array_equal(whole.statistic, parts)


@pytest.mark.parametrize("call,message", [
    (lambda: logrank_batch([[1, 2]], [[1]], [0, 1]), "event has shape"),
    (lambda: logrank_batch([[1, 2]], [[1, 0]], [0, 1, 1]), "group has shape"),
])
def test_logrank_batch_shape_errors(call, message):
    with pytest.raises(InputError, match=message):
        call()



# --------------------------------------------------------------------------- Kaplan-Meier survival at times
@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 1)), min_size=1, max_size=60),
       st.lists(st.floats(-1, 35), min_size=1, max_size=20))
def test_km_survival_at_equals_kaplan_meier(data, at):
    # exactly equal: the same product-limit arithmetic as the reference
    time = np.array([d[0] for d in data], float) / 2
    event = np.array([d[1] for d in data])
    order = np.lexsort((1 - event, time))
    time, event = time[order], event[order]
    np.testing.assert_array_equal(km_survival_at(time, event, np.array(at)), kaplan_meier(time, event).survival_at(at))


def test_km_survival_at_without_patients_is_one():
    assert km_survival_at(np.array([]), np.array([]), [0.0, 5.0]).tolist() == [1.0, 1.0]


# --------------------------------------------------------------------------- benchmark
def test_the_kernel_benchmark_checks_what_the_fast_paths_promise():
    from survrepro.bench import kernels

    (row,) = kernels.run(repeats=1, sizes=(24,))
    assert row["patients"] == 24 and row["km_exact"] and row["cox_close"]
    assert all(row[k] > 0 for k in ("km_median", "kaplan_meier", "log_hazard_ratio", "cox_ph", "lifelines_cox"))


def test_chi2_1_sf_is_scipys_chi_square_survival_value_for_value():
    """The p of every log-rank batch (and of the synthesizer's score and likelihood-ratio tests)
    is scipy's ``chi2.sf(x, 1)`` to the last bit, edges included (0, below 0 by rounding, inf, NaN)."""
    from scipy import stats

    rng = np.random.default_rng(5)
    x = np.concatenate(([0.0, -0.0, -1e-12, 5e-324, 1e-300, 700.0, 1500.0, np.inf, np.nan],
                        rng.exponential(3.0, 20000), rng.random(2000) * 1e-8))
    assert np.array_equal(chi2_1_sf(x), stats.chi2.sf(x, 1), equal_nan=True)
    assert float(chi2_1_sf(3.84)) == float(stats.chi2.sf(3.84, 1))
