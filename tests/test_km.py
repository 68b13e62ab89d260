"""Unit and property tests of survrepro.engine.km (R comparisons are in tests/validation)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from lifelines import KaplanMeierFitter

from survrepro import InputError
from survrepro.engine.km import kaplan_meier, km_by_group, median_followup
from survrepro.engine.groups import natural_order

samples = st.lists(
    st.tuples(st.integers(0, 30).map(float), st.integers(0, 1)), min_size=1, max_size=60
)


@settings(max_examples=80, deadline=None)
@given(samples, st.sampled_from(["log", "log-log", "plain"]))
def test_survival_is_a_non_increasing_probability(data, conf_type):
    t, e = map(np.array, zip(*data))
    res = kaplan_meier(t, e, conf_type=conf_type)
    assert np.all((res.survival >= 0) & (res.survival <= 1))
    assert np.all(np.diff(res.survival) <= 0)
    ok = ~np.isnan(res.survival_low)
    assert np.all(res.survival_low[ok] <= res.survival[ok] + 1e-12)
    assert np.all(res.survival_high[ok] >= res.survival[ok] - 1e-12)
    assert res.n == len(t) and res.events == int(e.sum())
    assert res.n_risk[0] == len(t)


@settings(max_examples=60, deadline=None)
@given(samples)
def test_agrees_with_an_independent_implementation(data):
    # lifelines computes the same product-limit estimate independently.
    t, e = map(np.array, zip(*data))
    res = kaplan_meier(t, e)
    kmf = KaplanMeierFitter().fit(t, e)
    np.testing.assert_allclose(res.survival_at(res.time), kmf.survival_function_at_times(res.time).to_numpy(), atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(samples, st.floats(0, 35))
def test_numbers_at_risk_count_times_at_or_after_t(data, t0):
    t, e = map(np.array, zip(*data))
    assert kaplan_meier(t, e).n_at_risk([t0])[0] == int(np.sum(t >= t0))


def test_median_is_midpoint_of_a_flat_stretch_at_one_half():
    # S drops to exactly 0.5 at t=2 and stays until t=4: R reports (2 + 4) / 2 = 3.
    res = kaplan_meier([1, 2, 4, 5], [1, 1, 1, 1])
    assert res.survival_at([2])[0] == 0.5
    assert res.median == 3.0


def test_median_when_curve_ends_exactly_at_one_half_uses_last_time():
    # S = 0.5 from t=2 to the last (censored) time 6: midpoint (2 + 6) / 2, as R's findq.
    res = kaplan_meier([1, 2, 6, 6], [1, 1, 0, 0])
    assert res.median == 4.0


def test_unreached_median_is_none_not_inf():
    res = kaplan_meier([1, 2, 3, 4, 5], [1, 0, 0, 0, 0])
    assert res.median is None
    assert res.median_ci[1] is None
    assert "NR" in repr(res)


def test_curve_reaching_zero_has_undefined_band_there():
    res = kaplan_meier([1, 2, 3], [1, 1, 1])
    assert res.survival[-1] == 0
    assert np.isinf(res.std_err[-1])
    assert np.isnan(res.survival_low[-1]) and np.isnan(res.survival_high[-1])


def test_settings_are_stored_and_validated():
    res = kaplan_meier([1, 2, 3], [1, 0, 1], conf_type="log-log", conf_level=0.9)
    assert (res.conf_type, res.conf_level) == ("log-log", 0.9)
    with pytest.raises(InputError, match="conf_type must be one of 'log', 'log-log', 'plain'"):
        kaplan_meier([1, 2], conf_type="logit")
    with pytest.raises(InputError, match="strictly between 0 and 1"):
        kaplan_meier([1, 2], conf_level=95)


@pytest.mark.parametrize(
    "times,events,message",
    [
        ([1, -2], None, "position 2 is -2; expected a finite number >= 0"),
        ([1, 2], [1, 2], "position 2 is 2; expected 0 \\(censored\\) or 1 \\(event\\)"),
        ([1, 2], [1], "2 times but 1 event indicators"),
        ([], None, "no observations"),
    ],
)
def test_bad_inputs_get_one_sentence(times, events, message):
    with pytest.raises(InputError, match=message):
        kaplan_meier(times, events)


def test_natural_order():
    assert natural_order(["10", "9", "1"]) == ["1", "9", "10"]
    assert natural_order(["arm10", "arm2", "Arm1"]) == ["Arm1", "arm2", "arm10"]
    assert natural_order(["SOC", "MDT"]) == ["MDT", "SOC"]


def test_by_group_and_reverse_km_followup():
    groups = km_by_group([1, 2, 3, 4, 5, 6], [1, 0, 1, 0, 1, 1], ["b", "a", "b", "a", "b", "a"])
    assert list(groups) == ["a", "b"]
    assert groups["a"].n == 3
    # reverse KM: censorings at 2 and 4 are the "events"; S never falls to 0.5.
    # R: quantile(survfit(Surv(1:6, 1 - c(1, 0, 1, 0, 1, 1)) ~ 1), 0.5) -> NA (lower 4, upper NA)
    assert tuple(median_followup([1, 2, 3, 4, 5, 6], [1, 0, 1, 0, 1, 1])) == (None, 4.0, None)


def test_landmark_table_and_display():
    res = kaplan_meier([1, 2, 2, 3, 4], [1, 0, 1, 1, 1], label="A")
    tab = res.at([0, 2, 10])
    assert list(tab["n_at_risk"]) == [5, 4, 0]
    assert list(tab["survival"].round(4)) == [1.0, 0.6, 0.0]
    assert "<table" in res._repr_html_()
    assert res.summary.loc[0, "median"] == 3.0


# ---------------------------------------------------------------------- vocabulary
def test_group_labels_print_numbers_as_r_prints_factor_levels():
    from survrepro.engine.groups import group_labels

    assert group_labels([1.0, 2.0, 1.0]).tolist() == ["1", "2", "1"]
    assert group_labels(np.array([1.0, 1.5])).tolist() == ["1", "1.5"]
    assert group_labels(np.array([3, 1])).tolist() == ["3", "1"]
    assert group_labels(["SOC", "MDT + SOC", 2.0]).tolist() == ["SOC", "MDT + SOC", "2"]
    with pytest.raises(InputError, match="arm at position 2 is missing"):
        group_labels([1.0, np.nan], name="arm")
    with pytest.raises(InputError, match="3 times but 2 values of arm"):
        group_labels([1, 2], 3, "arm")


def test_every_statistic_labels_numeric_groups_alike():
    from survrepro.engine.cox import cox_ph
    from survrepro.engine.logrank import logrank_test
    from survrepro.engine.proportion import proportion_on_therapy
    from survrepro.engine.rmst import rmst

    t, e, g = [3, 5, 8, 12, 4, 9, 14, 20], [1, 1, 0, 1, 1, 0, 1, 0], [1.0] * 4 + [2.0] * 4
    assert list(km_by_group(t, e, g)) == ["1", "2"]
    assert cox_ph(t, e, g).levels == ("1", "2")
    assert logrank_test(t, e, g).levels == ("1", "2")
    assert rmst(t, e, g, tau=8).levels == ("1", "2")
    assert [x.label for x in proportion_on_therapy(t, e, 6, group=g).groups] == ["1", "2"]


def test_old_argument_names_warn_and_give_the_same_result():
    t, e = [1, 2, 2, 3, 4], [1, 0, 1, 1, 1]
    new = kaplan_meier(t, e)
    with pytest.warns(DeprecationWarning, match=r"(durations= is deprecated; use time=|event_observed= is deprecated; use event=)"):
        old = kaplan_meier(durations=t, event_observed=e)
    np.testing.assert_array_equal(old.survival, new.survival)
    with pytest.warns(DeprecationWarning, match="event_observed= is deprecated"):
        groups = km_by_group(t, event_observed=e, group=list("aabbb"))
    assert list(groups) == ["a", "b"]
    with pytest.warns(DeprecationWarning, match="median_followup"):
        assert median_followup(durations=t, event_observed=e) == median_followup(t, e)
    with pytest.raises(TypeError, match="both time= and its deprecated alias durations="):
        kaplan_meier(t, durations=t)
    with pytest.raises(TypeError, match="unexpected keyword argument 'times'"):
        kaplan_meier(times=t)


def test_band_interval_and_summary_share_one_shape():
    from survrepro.engine._results import ConfidenceInterval

    res = kaplan_meier([1, 2, 2, 3, 4, 6, 7], [1, 0, 1, 1, 1, 0, 1], conf_type="log-log")
    ci = res.confidence_interval()
    assert isinstance(ci, ConfidenceInterval)
    np.testing.assert_array_equal(ci.low, res.survival_low)
    np.testing.assert_array_equal(res.confidence_interval(0.95, conf_type="log").high,
                                  kaplan_meier(res._durations, [1, 0, 1, 1, 1, 0, 1]).survival_high)
    assert isinstance(res.median_ci, ConfidenceInterval) and res.median_ci.low == res.quantile(0.5).low
    assert list(res.at([2]).columns) == ["time", "survival", "survival_low", "survival_high", "n_at_risk"]
    assert {"median_low", "median_high"} <= set(res.summary.columns)
    with pytest.warns(DeprecationWarning, match="KaplanMeierResult.lower is deprecated"):
        np.testing.assert_array_equal(res.lower, res.survival_low)
    import json
    assert json.loads(json.dumps(res.to_dict(), allow_nan=False))["survival_low"][0] == pytest.approx(ci.low[0])
