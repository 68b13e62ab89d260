"""Unit and property tests of survrepro.engine.proportion, survrepro.engine.contingency and `survrepro proportion`.

Comparisons with R are in tests/validation/test_proportion_vs_r.py. Here: the status and
evaluability rules on small hand-checked cohorts, properties against a plain-Python
reference count, scipy as an independent implementation of the chi-square, G and 2 x 2
Fisher tests, and the command line (output and one-sentence errors with exit status 2).
"""
import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import survrepro.engine.contingency as contingency
from survrepro import InputError
from survrepro.cli import main
from survrepro.engine.contingency import contingency_tests, fisher_exact_rxc, p_matches, which_reproduce
from survrepro.engine.proportion import (
    ProportionResult,
    binomial_ci,
    landmark_status,
    proportion_on_therapy,
    proportion_on_therapy_frame,
)

# time, event, death, group; landmark 6. Hand-checked statuses in the last column.
SMALL = pd.DataFrame(
    [
        (2.0, 1, 0, "A", "ended"),
        (4.0, 0, 0, "A", "censored"),
        (6.0, 1, 0, "A", "remaining"),  # ended exactly at the landmark
        (7.0, 1, 1, "A", "remaining"),
        (9.0, 0, 0, "B", "remaining"),
        (3.0, 1, 1, "B", "died"),
        (12.0, 0, 0, "B", "remaining"),
        (5.0, 1, 0, "C", "ended"),
        (6.0, 0, 0, "C", "remaining"),  # still on therapy exactly at the landmark
        (1.0, 0, 0, "C", "censored"),
    ],
    columns=["time", "event", "death", "subtype", "status"],
)


# --------------------------------------------------------------------------- statuses
def test_landmark_status_hand_checked():
    got = landmark_status(SMALL.time, SMALL.event, 6, death=SMALL.death)
    assert got.tolist() == SMALL.status.tolist()


def test_time_equal_to_landmark_counts_as_remaining_with_or_without_event():
    assert landmark_status([6, 6], [1, 0], 6).tolist() == ["remaining", "remaining"]
    assert landmark_status([5.999, 5.999], [1, 0], 6).tolist() == ["ended", "censored"]


def test_death_not_failure_marks_deaths_before_landmark_as_censored():
    got = landmark_status(SMALL.time, SMALL.event, 6, death=SMALL.death, death_is_failure=False)
    expected = SMALL.status.replace({"died": "death_censored"})
    assert got.tolist() == expected.tolist()


def test_without_death_column_every_ending_is_ended():
    got = landmark_status(SMALL.time, SMALL.event, 6)
    assert got.tolist() == SMALL.status.replace({"died": "ended"}).tolist()


# --------------------------------------------------------------------------- proportions
def _small(**kw):
    return proportion_on_therapy(
        SMALL.time, SMALL.event, 6, death=SMALL.death, group=SMALL.subtype, by="subtype", **kw
    )


def test_followed_rule_counts_hand_checked():
    res = _small()
    o = res.overall
    assert (o.numerator, o.denominator, o.n_total) == (5, 8, 10)
    assert dict(o.not_evaluable) == {"censored before the landmark": 2}
    assert (o.n_ended, o.n_died, o.n_ended_at_landmark, o.n_imputed_not_remaining) == (2, 1, 1, 0)
    assert o.proportion == pytest.approx(5 / 8)
    assert [(g.label, g.numerator, g.denominator) for g in res.groups] == [("A", 2, 3), ("B", 2, 3), ("C", 1, 2)]
    assert res.table.tolist() == [[2, 1], [2, 1], [1, 1]]
    assert res.comparison is not None and res.comparison.table.tolist() == res.table.tolist()


def test_all_rule_counts_unknown_status_as_not_remaining():
    res = _small(evaluable="all")
    o = res.overall
    assert (o.numerator, o.denominator, o.n_imputed_not_remaining, o.n_not_evaluable) == (5, 10, 2, 0)
    assert "counts as not remaining" in res.rule


def test_death_not_failure_makes_deaths_before_landmark_not_evaluable():
    res = _small(death_is_failure=False)
    o = res.overall
    assert (o.numerator, o.denominator, o.n_died) == (5, 7, 0)
    assert dict(o.not_evaluable) == {
        "censored before the landmark": 2,
        "died on therapy before the landmark (death not counted as failure)": 1,
    }
    # KM censors every death (also the one after the landmark). By hand: at risk 10; t=1 censored; t=2 event (9 at risk) -> 8/9; t=3 death censored; t=4 censored;
    # t=5 event (6 at risk) -> 5/6; t=6 event (5 at risk) -> 4/5.
    assert o.km_survival == pytest.approx(8 / 9 * 5 / 6 * 4 / 5)


def test_death_is_failure_km_by_hand():
    # at risk 10; t=1 censored; t=2 (9) 8/9; t=3 death (8) 7/8; t=4 censored; t=5 (6) 5/6; t=6 (5) 4/5.
    o = _small().overall
    assert o.km_survival == pytest.approx(8 / 9 * 7 / 8 * 5 / 6 * 4 / 5)
    assert o.km_n_at_risk == 5
    assert not o.km_beyond_follow_up


def test_death_not_failure_needs_death_column():
    with pytest.raises(InputError, match="death column"):
        proportion_on_therapy(SMALL.time, SMALL.event, 6, death_is_failure=False)


def test_km_before_first_time_and_beyond_follow_up():
    early = proportion_on_therapy([3, 5, 8], [1, 0, 1], 1).overall
    assert (early.km_survival, early.km_survival_low, early.km_survival_high, early.km_std_err) == (1.0, 1.0, 1.0, 0.0)
    late = proportion_on_therapy([3, 5, 8], [1, 0, 0], 20).overall
    assert late.km_beyond_follow_up and late.denominator == 1 and late.numerator == 0


def test_nobody_evaluable_gives_nan_not_an_error():
    o = proportion_on_therapy([1, 2], [0, 0], 6).overall
    assert o.denominator == 0 and math.isnan(o.proportion)
    assert all(math.isnan(v) for v in (*o.ci_exact, *o.ci_wilson))
    assert o.to_dict()["proportion"] is None


def test_single_group_has_no_comparison():
    res = proportion_on_therapy([1, 7, 8], [1, 0, 0], 6, group=["x", "x", "x"], by="g")
    assert res.comparison is None and len(res.groups) == 1


def test_group_with_no_evaluable_patient_is_dropped_from_tests():
    res = proportion_on_therapy([1, 7, 8, 2, 3, 9], [0, 0, 1, 1, 1, 0], 6, group=list("ABBCCC"))
    assert res.group("A").denominator == 0
    assert res.comparison.dropped_rows == (0,)


def test_groups_in_natural_order_and_numeric_labels():
    res = proportion_on_therapy([1, 7, 8, 9], [1, 0, 0, 0], 6, group=[10.0, 2.0, 10.0, 1.0])
    assert [g.label for g in res.groups] == ["1", "2", "10"]


def test_frame_wrapper_uses_death_when_present():
    a = proportion_on_therapy_frame(SMALL, 6, by="subtype", death_is_failure=False)
    assert a.overall.denominator == 7
    b = proportion_on_therapy_frame(SMALL.drop(columns="death"), 6)
    assert b.overall.denominator == 8 and b.overall.n_died == 0
    with pytest.raises(InputError, match="missing column 'arm'"):
        proportion_on_therapy_frame(SMALL, 6, by="arm")


def test_result_objects_display():
    res = _small()
    assert isinstance(res, ProportionResult)
    frame = res.to_frame()
    assert frame["group"].tolist() == ["all", "A", "B", "C"]
    assert all(c == c.lower() and " " not in c for c in frame.columns)
    assert {"numerator", "denominator", "exact_low", "wilson_high", "km_survival", "n_censored",
            "n_death_censored", "evaluable", "death_is_failure"} <= set(frame.columns)
    assert frame.loc[0, "n_censored"] == 2
    assert "<table" in res._repr_html_() and "<table" in res.overall._repr_html_()
    assert repr(res).startswith("ProportionResult") and "5/8" in repr(res.overall)
    json.dumps(res.to_dict(), allow_nan=False)
    with pytest.raises(InputError, match="no group 'Z'"):
        res.group("Z")
    assert res.overall.confidence_interval(method="wilson") == res.overall.ci_wilson
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.overall.numerator = 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(landmark=0), "landmark must be a number > 0"),
        (dict(landmark=-1), "landmark must be a number > 0"),
        (dict(landmark=float("nan")), "landmark must be a number > 0"),
        (dict(landmark="six"), "landmark must be a number > 0"),
        (dict(evaluable="some"), "evaluable must be one of 'followed', 'all'"),
        (dict(conf_type="logit"), "conf_type must be one of"),
        (dict(conf_level=95), "confidence level must be strictly between 0 and 1"),
        (dict(death=[0, 0, 2]), "death at row 3 is 2"),
        (dict(death=[1, 0, 0]), "row 1 has death = 1 but event = 0"),
        (dict(death=[0, 0]), "3 times but 2 death indicators"),
        (dict(group=["a", None, "b"]), "group label at row 2 is empty"),
        (dict(death_is_failure="yes"), "death_is_failure must be True or False"),
    ],
)
def test_bad_arguments_raise_one_sentence(kwargs, message):
    args = dict(time=[1.0, 7.0, 8.0], event=[0, 1, 0], landmark=6)
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        proportion_on_therapy(args.pop("time"), args.pop("event"), args.pop("landmark"), **args)


def test_bad_times_and_events_are_refused():
    with pytest.raises(InputError, match="expected a finite number >= 0"):
        proportion_on_therapy([1, -2], [0, 1], 6)
    with pytest.raises(InputError, match="expected 0 .censored. or 1"):
        proportion_on_therapy([1, 2], [0, 2], 6)


# --------------------------------------------------------------------------- properties
cohorts = st.integers(1, 30).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 24).map(lambda v: v / 2), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
        st.lists(st.sampled_from("ABC"), min_size=n, max_size=n),
        st.sampled_from([3.0, 6.0, 6.5]),
    )
)


def _reference_counts(time, event, death, landmark, evaluable, death_is_failure):
    """Plain-Python count of remaining and evaluable patients, written from the definitions."""
    remaining = evaluable_n = 0
    for t, e, d in zip(time, event, death):
        if t >= landmark:
            remaining += 1
            evaluable_n += 1
        elif e == 1 and (death_is_failure or d == 0):
            evaluable_n += 1
        elif evaluable == "all":
            evaluable_n += 1
    return remaining, evaluable_n


@settings(max_examples=60, deadline=None)
@given(cohorts, st.sampled_from(["followed", "all"]), st.booleans())
def test_counts_match_reference_and_are_consistent(data, evaluable, death_is_failure):
    time, event, death, group, landmark = data
    death = [d * e for d, e in zip(death, event)]  # death only where the therapy ended
    res = proportion_on_therapy(time, event, landmark, death=death, group=group,
                                evaluable=evaluable, death_is_failure=death_is_failure)
    o = res.overall
    assert (o.numerator, o.denominator) == _reference_counts(time, event, death, landmark, evaluable, death_is_failure)
    assert o.numerator <= o.denominator <= o.n_total
    assert o.denominator + o.n_not_evaluable == o.n_total
    assert sum(g.numerator for g in res.groups) == o.numerator
    assert sum(g.denominator for g in res.groups) == o.denominator
    if o.denominator:
        for lo, hi in (o.ci_exact, o.ci_wilson):
            assert 0.0 <= lo <= o.proportion <= hi <= 1.0
    assert 0.0 <= o.km_survival <= 1.0


@settings(max_examples=60, deadline=None)
@given(cohorts)
def test_all_rule_never_exceeds_followed_rule(data):
    time, event, _, _, landmark = data
    f = proportion_on_therapy(time, event, landmark).overall
    a = proportion_on_therapy(time, event, landmark, evaluable="all").overall
    assert a.numerator == f.numerator
    if f.denominator:
        assert a.proportion <= f.proportion + 1e-15


@settings(max_examples=60, deadline=None)
@given(cohorts)
def test_km_equals_proportion_without_early_censoring_or_ties_at_landmark(data):
    time, event, _, _, landmark = data
    time = np.asarray(time) + 0.25  # no time equals a landmark on the half-month grid
    event = np.where(time < landmark, 1, event)  # nobody censored before the landmark
    o = proportion_on_therapy(time, event, landmark).overall
    assert o.denominator == o.n_total
    assert o.km_survival == pytest.approx(o.proportion, abs=1e-12)


# --------------------------------------------------------------------------- binomial CI
def test_binomial_ci_edges():
    assert binomial_ci(0, 5)[0] == 0.0 and binomial_ci(5, 5)[1] == 1.0
    assert binomial_ci(0, 5, method="wilson")[0] == 0.0 and binomial_ci(5, 5, method="wilson")[1] == 1.0
    assert all(math.isnan(v) for v in binomial_ci(0, 0))
    with pytest.raises(InputError, match="0 <= k <= n"):
        binomial_ci(6, 5)
    with pytest.raises(InputError, match="CI method must be one of 'exact', 'wilson'"):
        binomial_ci(1, 5, method="wald")


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))), st.sampled_from([0.8, 0.95, 0.99]))
def test_binomial_ci_agrees_with_scipy(kn, level):
    # scipy.stats.binomtest is an independent implementation of both intervals.
    k, n = kn
    ref = stats.binomtest(k, n)
    for method in ("exact", "wilson"):
        lo, hi = binomial_ci(k, n, level, method)
        r = ref.proportion_ci(confidence_level=level, method=method)
        assert lo == pytest.approx(r.low, abs=1e-10) and hi == pytest.approx(r.high, abs=1e-10)


# --------------------------------------------------------------------------- contingency
tables = st.tuples(st.integers(2, 4), st.integers(2, 3)).flatmap(
    lambda rc: st.lists(
        st.lists(st.integers(0, 8), min_size=rc[1], max_size=rc[1]), min_size=rc[0], max_size=rc[0]
    )
)


@settings(max_examples=60, deadline=None)
@given(tables)
def test_chi_square_and_g_agree_with_scipy(table):
    x = np.array(table)
    res = contingency_tests(x)
    t = res.tested
    if min(t.shape) < 2:
        assert all(r.pvalue is None for r in res.tests)
        return
    pe = stats.chi2_contingency(t, correction=False)
    assert res.pearson.statistic == pytest.approx(pe.statistic, rel=1e-10, abs=1e-12)
    assert res.pearson.pvalue == pytest.approx(pe.pvalue, rel=1e-10, abs=1e-12)
    g = stats.chi2_contingency(t, correction=False, lambda_="log-likelihood")
    assert res.likelihood_ratio.statistic == pytest.approx(g.statistic, rel=1e-10, abs=1e-12)
    if t.shape == (2, 2):
        y = stats.chi2_contingency(t, correction=True)
        assert res.pearson_yates.statistic == pytest.approx(y.statistic, rel=1e-10, abs=1e-12)
        f = stats.fisher_exact(t)
        assert res.fisher.pvalue == pytest.approx(f.pvalue, rel=1e-9, abs=1e-12)
    else:
        assert res.pearson_yates.pvalue is None and "2 x 2" in res.pearson_yates.note
    if res.fisher.pvalue is None:  # more tables share the margins than complete enumeration allows
        assert "complete enumeration not attempted" in res.fisher.note
    else:
        assert 0.0 <= res.fisher.pvalue <= 1.0


def test_fisher_rxc_is_invariant_to_row_and_column_order():
    x = np.array([[3, 1, 4], [2, 5, 0], [1, 2, 6]])
    p = fisher_exact_rxc(x).pvalue
    assert fisher_exact_rxc(x[::-1]).pvalue == pytest.approx(p, rel=1e-12)
    assert fisher_exact_rxc(x[:, [2, 0, 1]]).pvalue == pytest.approx(p, rel=1e-12)


def test_fisher_most_probable_table_has_p_one():
    # [[2, 2], [2, 2]] is the mode of its hypergeometric distribution: every table is as or less likely.
    assert fisher_exact_rxc([[2, 2], [2, 2]]).pvalue == pytest.approx(1.0)


def test_fisher_refuses_enumeration_above_the_cap(monkeypatch):
    monkeypatch.setattr(contingency, "MAX_TABLES", 5)
    res = fisher_exact_rxc([[5, 5], [5, 5], [5, 5]])
    assert res.pvalue is None and "complete enumeration not attempted" in res.note


@pytest.mark.parametrize(
    "table, message",
    [
        ([[1, 2]], "expected at least 2 rows and 2 columns"),
        ([[1, -2], [3, 4]], "row 1, column 2 is -2.0; expected a whole count >= 0"),
        ([[1, 2.5], [3, 4]], "expected a whole count"),
        ([["a", 2], [3, 4]], "entries must be numbers"),
    ],
)
def test_contingency_bad_tables(table, message):
    with pytest.raises(InputError, match=message):
        contingency_tests(table)


def test_contingency_zero_rows_and_degenerate_tables():
    res = contingency_tests([[3, 1], [0, 0], [1, 4]])
    assert res.dropped_rows == (1,) and res.tested.shape == (2, 2)
    flat = contingency_tests([[3, 0], [2, 0]])
    assert all(t.pvalue is None and "no test of independence applies" in t.note for t in flat.tests)
    assert flat.to_frame()["pvalue"].isna().all()
    assert "ContingencyTests 2x2 table: " in repr(flat)


def test_p_matches_at_printed_precision():
    assert p_matches(0.2986, 0.30, 2) and p_matches(0.3049, 0.30, 2)
    assert not p_matches(0.3345, 0.30, 2) and not p_matches(0.2949, 0.30, 2)
    assert not p_matches(None, 0.30, 2)


def test_which_reproduce_lists_matching_tests_in_order():
    table = [[12, 5], [3, 9]]
    res = contingency_tests(table)
    printed = round(res.pearson_yates.pvalue, 3)
    names = which_reproduce(table, printed, 3)
    assert "pearson_yates" in names and "pearson" not in names
    assert which_reproduce(res, printed, 3) == names
    assert which_reproduce(table, 0.9, 2) == []
    with pytest.raises(InputError, match="printed p must lie in"):
        which_reproduce(table, 3.0, 2)


# --------------------------------------------------------------------------- command line
@pytest.fixture
def ipd(tmp_path):
    path = tmp_path / "on_therapy.csv"
    SMALL.drop(columns="status").to_csv(path, index=False)
    return path


def test_cli_text_output(ipd, capsys):
    assert main(["proportion", str(ipd), "--landmark", "6", "--by", "subtype"]) == 0
    out = capsys.readouterr().out
    assert "5/8" in out and "Evaluable rule: followed" in out
    assert "likelihood_ratio" in out and "fisher" in out
    assert "ended exactly at the landmark" in out


def test_cli_json_is_one_object_and_matches_api(ipd, capsys):
    assert main(["proportion", str(ipd), "--landmark", "6", "--by", "subtype", "--evaluable", "all",
                 "--no-death-is-failure", "--ci", "log-log", "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    api = proportion_on_therapy(SMALL.time, SMALL.event, 6, death=SMALL.death, group=SMALL.subtype,
                                by="subtype", evaluable="all", death_is_failure=False, conf_type="log-log")
    assert obj["overall"] == api.to_dict()["overall"]
    assert [g["group"] for g in obj["groups"]] == ["A", "B", "C"]
    assert obj["evaluable"] == "all" and obj["death_is_failure"] is False and obj["conf_type"] == "log-log"
    assert obj["comparison"]["tests"][0]["test"] == "pearson"


def test_cli_death_is_failure_flag_is_the_default(ipd, capsys):
    main(["proportion", str(ipd), "--landmark", "6", "--json"])
    default = json.loads(capsys.readouterr().out)
    main(["proportion", str(ipd), "--landmark", "6", "--death-is-failure", "--json"])
    assert json.loads(capsys.readouterr().out) == default


def _write(tmp_path, text):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    "text, extra, message",
    [
        ("time,status\n1,0\n", [], "missing column 'event'"),
        ("time,event\nabc,0\n", [], "row 1, column 'time' is 'abc'; expected a number"),
        ("time,event\n1,0\n-3,1\n", [], "row 2, column 'time' is -3"),
        ("time,event\n1,2\n", [], "row 1, column 'event' is 2"),
        ("time,event,death\n1,1,2\n", [], "row 1, column 'death' is 2"),
        ("time,event,death\n1,1,x\n", [], "row 1, column 'death' is 'x'; expected a number"),
        ("time,event,death\n1,1,0\n2,0,1\n", [], "row 2 has death = 1 but event = 0"),
        ("time,event\n1,0\n", ["--by", "subtype"], "missing column 'subtype'"),
        ("time,event\n1,0\n", ["--by", "event"], "grouping column must not be 'event'"),
        ("time,event\n1,0\n", ["--no-death-is-failure"], "needs a death column"),
        ("time,event\n1,0\n", ["--conf-level", "2"], "confidence level must be strictly between 0 and 1"),
    ],
)
def test_cli_bad_input_one_sentence_exit_2(tmp_path, capsys, text, extra, message):
    path = _write(tmp_path, text)
    assert main(["proportion", path, "--landmark", "6", *extra]) == 2
    cap = capsys.readouterr()
    assert cap.out == ""
    assert message in cap.err and len(cap.err.strip().splitlines()) == 1
    assert "Traceback" not in cap.err


@pytest.mark.parametrize("landmark", ["0", "-1"])
def test_cli_bad_landmark(ipd, capsys, landmark):
    assert main(["proportion", str(ipd), f"--landmark={landmark}"]) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and "landmark must be a number > 0" in cap.err


def test_cli_missing_file(tmp_path, capsys):
    assert main(["proportion", str(tmp_path / "nope.csv"), "--landmark", "6"]) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and "no such file" in cap.err


def test_cli_non_numeric_landmark_is_a_usage_error(ipd, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["proportion", str(ipd), "--landmark", "six"])
    assert exc.value.code == 2
    assert capsys.readouterr().out == ""


def test_group_lookup_labels_the_key_as_the_groups_were_labelled():
    res = proportion_on_therapy([2, 4, 6, 7, 9, 3], [1, 0, 0, 1, 0, 1], 6, group=[1.0, 1.0, 1.0, 2.0, 2.0, 2.0])
    assert res.group(2.0) is res.group(2) is res.group("2")
    with pytest.raises(InputError, match=r"^no group 3\.0; groups are '1', '2'\.$"):
        res.group(3.0)
