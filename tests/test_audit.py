"""Consistency audit: every check on hand-computed examples, on both registers, and against R.

Reference values in tests/validation/results/audit_reference.csv were produced by
tests/validation/results/audit_reference.R (R 4.2.2: chisq.test, fisher.test, a G-test
written out, pnorm/qnorm for the Wald p, implied events and Schoenfeld's formula).
"""
from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from test_targets import target, write_register
from survrepro import cli, paths
from survrepro.register.audit import audit_register, events_from_ci, wald_p_from_ci
from survrepro.register.schema import load_register

R = pd.read_csv(paths.TESTS / "validation" / "results" / "audit_reference.csv")


def ref(case, quantity):
    row = R[(R["case"] == case) & (R["quantity"] == quantity)]
    assert len(row) == 1, (case, quantity)
    return float(row["value"].iloc[0])


def audit(tmp_path, targets, study=None):
    path = tmp_path / "ex.toml"
    write_register(path, targets, study=study)
    return audit_register(load_register(path))


def one(report, check):
    found = report.by_check(check)
    assert len(found) == 1, [f.check for f in report.findings]
    return found[0]


COHORT = {
    "id": "example_cohort", "title": "An invented cohort", "citation": "Invented B. 2024.",
    "doi": "10.0000/cohort", "time_unit": "months", "design": "cohort",
    "sources": ["example_source.txt"],
    "arms": [{"id": "x", "label": "X"}, {"id": "y", "label": "Y"}, {"id": "z", "label": "Z"}],
    "data": "Invented numbers for tests.",
}


def prop(id, arm, num, den, pct, endpoint="resp"):
    return target(id, "proportion", pct, decimals=0, scale="percent", numerator=num, denominator=den,
                  arm=arm, endpoint=endpoint, quote=f"{pct}% ({num}/{den})")


# --------------------------------------------------------------------------- percentages
def test_percent_consistent_and_inconsistent(tmp_path):
    rep = audit(tmp_path, [prop("ok", "a", 28, 47, 60), prop("bad", "b", 28, 47, 62)])
    ok, bad = rep.by_check("percent_vs_counts")
    assert ok.status == "consistent" and "59.5745%" in ok.arithmetic
    assert bad.status == "inconsistent"
    assert "Numerators of 47 that print as 62%: 29" in bad.arithmetic   # 100*29/47 = 61.70


# --------------------------------------------------------------------------- sums and sizes
def _cohort_counts(x_ev=34, total_ev=47, x_n=36):
    return [
        target("n_all", "n", 52, endpoint="cohort"),
        target("n_x", "n", x_n, arm="x", endpoint="cohort"),
        target("n_y", "n", 10, arm="y", endpoint="cohort"),
        target("n_z", "n", 6, arm="z", endpoint="cohort"),
        target("ev_all", "count", total_ev, count_of="evaluable", endpoint="resp"),
        target("ev_x", "count", x_ev, arm="x", count_of="evaluable", endpoint="resp"),
        target("ev_y", "count", 9, arm="y", count_of="evaluable", endpoint="resp"),
        target("ev_z", "count", 4, arm="z", count_of="evaluable", endpoint="resp"),
    ]


def test_subgroup_sums(tmp_path):
    rep = audit(tmp_path, _cohort_counts(), study=COHORT)
    sums = rep.by_check("subgroup_sum")
    assert [f.status for f in sums] == ["consistent", "consistent"]
    assert "36 (X) + 10 (Y) + 6 (Z) = 52" in sums[0].arithmetic
    assert "34 (X) + 9 (Y) + 4 (Z) = 47" in sums[1].arithmetic
    within = one(rep, "count_within_n")
    assert within.status == "consistent"
    assert "47 ≤ 52 (all patients); 34 ≤ 36 (X); 9 ≤ 10 (Y); 4 ≤ 6 (Z)" in within.arithmetic


def test_subgroup_sum_mismatch_and_count_above_n(tmp_path):
    (tmp_path / "a").mkdir()
    rep = audit(tmp_path / "a", _cohort_counts(x_ev=35), study=COHORT)   # 35 + 9 + 4 = 48 != 47
    assert rep.by_check("subgroup_sum")[1].status == "inconsistent"
    (tmp_path / "b").mkdir()
    rep = audit(tmp_path / "b", _cohort_counts(x_ev=37, total_ev=50, x_n=36), study=COHORT)
    within = one(rep, "count_within_n")
    assert within.status == "inconsistent" and "37 > 36 (X)" in within.arithmetic


def test_partial_subgroups_cannot_tell(tmp_path):
    ts = [t for t in _cohort_counts() if t["id"] != "ev_z"]
    rep = audit(tmp_path, ts, study=COHORT)
    part = rep.by_check("subgroup_sum")[1]
    assert part.status == "cannot tell" and "not printed for Z" in part.arithmetic


# --------------------------------------------------------------------------- HR, CI, p and events
def _hr_targets(hr=0.91, lo=0.34, hi=2.48, p=0.86):
    q = f"HR {hr:.2f}; 95% CI, {lo:.2f}-{hi:.2f}; P = {p:.2f}"
    return [
        target("n_a", "n", 22, arm="a"),
        target("n_b", "n", 21, arm="b"),
        target("hr", "hr", hr, arms=["a", "b"], decimals=2, quote=q),
        target("lo", "hr_ci_low", lo, arms=["a", "b"], decimals=2, quote=q),
        target("hi", "hr_ci_high", hi, arms=["a", "b"], decimals=2, quote=q),
        target("p", "p_value", p, arms=["a", "b"], decimals=2, quote=q),
    ]


def test_hr_checks_against_r(tmp_path):
    rep = audit(tmp_path, _hr_targets())
    sym = one(rep, "hr_ci_symmetry")
    assert sym.status == "consistent"
    pv = one(rep, "hr_ci_p_value")
    assert pv.status == "consistent"
    v = pv.values
    assert v["se"] == pytest.approx(ref("extend_pfs", "se"), abs=1e-6)
    assert v["wald_p"] == pytest.approx(ref("extend_pfs", "wald_p"), abs=1e-6)
    assert v["wald_p_low"] == pytest.approx(ref("extend_pfs", "wald_p_low"), abs=1e-6)
    assert v["wald_p_high"] == pytest.approx(ref("extend_pfs", "wald_p_high"), abs=1e-6)
    ev = one(rep, "hr_ci_events").values
    assert ev["events"] == pytest.approx(ref("extend_pfs", "implied_events"), abs=1e-6)
    assert ev["events_low"] == pytest.approx(ref("extend_pfs", "implied_events_low"), abs=1e-6)
    assert ev["events_high"] == pytest.approx(ref("extend_pfs", "implied_events_high"), abs=1e-6)


def test_hr_asymmetric_and_p_far_off(tmp_path):
    # sqrt(0.34 * 2.48) = 0.918; an HR of 0.50 is not the log-midpoint of that interval,
    # and HR 0.91 with that CI implies p ~= 0.85, far from 0.01.
    (tmp_path / "a").mkdir()
    rep = audit(tmp_path / "a", _hr_targets(hr=0.50))
    assert one(rep, "hr_ci_symmetry").status == "inconsistent"
    (tmp_path / "b").mkdir()
    rep = audit(tmp_path / "b", _hr_targets(p=0.01))
    assert one(rep, "hr_ci_p_value").status == "inconsistent"


def test_hand_computed_wald_and_events():
    # HR 0.5, CI exp(log 0.5 -+ 1.959964 * 0.5): SE 0.5, z = 1.386294, p = 0.1656570 (R: 2*pnorm(-log(2)/0.5)); D = 4 / 0.25 = 16
    import math

    lo, hi = math.exp(math.log(0.5) - 1.959963984540054 * 0.5), math.exp(math.log(0.5) + 1.959963984540054 * 0.5)
    assert wald_p_from_ci(0.5, lo, hi) == pytest.approx(0.1656570, abs=1e-6)
    assert events_from_ci(lo, hi) == pytest.approx(16.0, rel=1e-12)
    assert events_from_ci(lo, hi, fraction=1 / 3) == pytest.approx(18.0, rel=1e-12)


def test_p_bound_from_ci(tmp_path):
    ts = _hr_targets()[:-1] + [
        target("pb", "p_value_bound", 0.05, arms=["a", "b"], decimals=2, comparator=">", quote="P > .05")
    ]
    rep = audit(tmp_path, ts)
    assert one(rep, "hr_ci_p_value").status == "consistent"


# --------------------------------------------------------------------------- contingency p-values
def test_contingency_levee_against_r():
    rep = audit_register(load_register("levee2025"))
    f = one(rep, "contingency_p_value")
    v = f.values
    assert v["table"] == [[22, 12], [5, 4], [1, 3]]
    assert v["p_pearson"] == pytest.approx(ref("levee_6m", "pearson_p"), abs=1e-6)
    assert v["p_likelihood_ratio"] == pytest.approx(ref("levee_6m", "likelihood_ratio_p"), abs=1e-6)
    assert v["p_fisher"] == pytest.approx(ref("levee_6m", "fisher_p"), abs=1e-6)
    assert v["p_pearson_yates"] is None and "only to 2 x 2" in f.arithmetic
    assert v["reproducing_tests"] == "pearson,likelihood_ratio"
    assert f.status == "consistent"


@pytest.mark.parametrize(
    "case, cells, printed, reproducing",
    [
        ("t2x2_b", [(12, 17), (4, 13)], 0.07, "pearson_yates"),       # Yates 0.0723; Fisher 0.0634
        ("t2x2_b", [(12, 17), (4, 13)], 0.06, "fisher"),
        ("t2x2_a", [(3, 4), (1, 4)], 0.49, "fisher"),                # Fisher 0.4857; Yates 0.4795
        ("t3x2_c", [(7, 10), (2, 10), (5, 10)], 0.11, "fisher"),     # FFH 0.1061
        ("t3x2_c", [(7, 10), (2, 10), (5, 10)], 0.20, ""),           # nothing gives 0.20
    ],
)
def test_contingency_which_tests(tmp_path, case, cells, printed, reproducing):
    arms = ["x", "y", "z"][: len(cells)]
    study = dict(COHORT, arms=[a for a in COHORT["arms"] if a["id"] in arms])
    ts = [prop(f"p_{a}", a, num, den, round(100 * num / den)) for a, (num, den) in zip(arms, cells)]
    ts.append(target("p", "p_value", printed, arms=arms, decimals=2, endpoint="resp", quote=f"p = {printed:.2f}"))
    rep = audit(tmp_path, ts, study=study)
    f = one(rep, "contingency_p_value")
    v = f.values
    for name in ("pearson", "likelihood_ratio", "fisher"):
        assert v[f"p_{name}"] == pytest.approx(ref(case, f"{name}_p"), abs=1e-6)
    if len(cells) == 2:
        assert v["p_pearson_yates"] == pytest.approx(ref(case, "pearson_yates_p"), abs=1e-6)
    assert v["reproducing_tests"] == reproducing
    assert f.status == ("consistent" if reproducing else "inconsistent")


# --------------------------------------------------------------------------- design
def test_extend_design_against_r():
    rep = audit_register(load_register("extend_breast"))
    pats = rep.by_check("design_events_vs_patients")
    cis = rep.by_check("design_events_vs_ci")
    assert [f.values["sides"] for f in pats] == [1, 2]   # sidedness not reported: both
    for f in pats:
        s = f.values["sides"]
        assert f.values["required_events_exact"] == pytest.approx(ref("extend_design", f"required_events_exact_sides{s}"), abs=1e-6)
    assert [f.values["required_events"] for f in pats] == [38, 52]
    assert [f.status for f in pats] == ["consistent", "inconsistent"]   # 38 <= 43 < 52
    for f in cis:
        s = f.values["sides"]
        assert f.values["power_at_implied_events"] == pytest.approx(ref("extend_design", f"power_at_implied_sides{s}"), abs=1e-6)
        assert f.status == "inconsistent"   # ~15.6 events implied, fewer than 38 or 52


def test_design_with_stated_sidedness(tmp_path):
    q = "80% power, HR 0.50, two-sided alpha 0.05"
    ts = [
        target("n_a", "n", 100, arm="a"), target("n_b", "n", 100, arm="b"),
        target("pw", "design_power", 80, decimals=0, scale="percent", quote=q),
        target("al", "design_alpha", 0.05, decimals=2, quote=q, method={"sided": "two-sided"}),
        target("dh", "design_hr", 0.5, arms=["a", "b"], decimals=2, quote=q),
    ]
    rep = audit(tmp_path, ts)
    f = one(rep, "design_events_vs_patients")
    # (1.959964 + 0.841621)^2 / (0.25 * log(0.5)^2) = 65.34 -> 66 events
    assert f.values["required_events"] == 66 and f.status == "consistent"


# --------------------------------------------------------------------------- simple checks
def test_estimate_within_ci_and_dates(tmp_path):
    q = "median 6.9 (95% CI, 7.2-14.7) from 2018-09 to 2017-01"
    ts = [
        target("m", "median", 6.9, decimals=1, quote=q),
        target("lo", "median_ci_low", 7.2, decimals=1, quote=q),
        target("hi", "median_ci_high", 14.7, decimals=1, quote=q),
        target("start", "accrual_start", "2018-09", quote=q),
        target("end", "accrual_end", "2017-01", quote=q),
    ]
    rep = audit(tmp_path, ts)
    assert one(rep, "estimate_within_ci").status == "inconsistent"
    assert one(rep, "date_order").status == "inconsistent"


@pytest.mark.parametrize("median, low, high, status", [
    ("NR", 18.2, "NR", "consistent"), (25.0, 18.2, "NR", "consistent"), ("NR", 18.2, 40.1, "inconsistent"),
    # R: a lower limit NA beside a reached median where the band is undefined (the curve falls to 0)
    (25.0, "NR", "NR", "consistent"), (25.0, "NR", 40.1, "consistent")])
def test_a_median_not_reached_lies_above_every_printed_time(tmp_path, median, low, high, status):
    q = "median 25.0 or NR (95% CI, 18.2-40.1 or NR)"
    ts = [target("m", "median", median, decimals=1, quote=q), target("lo", "median_ci_low", low, decimals=1, quote=q),
          target("hi", "median_ci_high", high, decimals=1, quote=q)]
    f = one(audit(tmp_path, ts), "estimate_within_ci")
    assert f.status == status
    json.dumps(f.to_dict(), allow_nan=False)  # NR is written as such, never as infinity
    assert ("NR" in f.arithmetic) and (status == "consistent" or "not reached" in f.arithmetic)


def test_a_median_not_reached_with_one_limit_is_checked(tmp_path):
    q = "median NR (95% CI, 12.0-30.5)"
    ts = [target("m", "median", "NR", quote=q), target("hi", "median_ci_high", 30.5, decimals=1, quote=q)]
    f = one(audit(tmp_path, ts), "estimate_within_ci")
    assert f.status == "inconsistent" and f.targets == ("m", "hi")


def test_nothing_to_check_gives_no_finding(tmp_path):
    rep = audit(tmp_path, [target("n_a", "n", 22, arm="a")])
    assert rep.findings == ()
    assert rep.counts == {"consistent": 0, "inconsistent": 0, "cannot tell": 0}


# --------------------------------------------------------------------------- real registers
def test_levee_audit_is_all_consistent():
    rep = audit_register(load_register("levee2025"))
    assert rep.counts["inconsistent"] == 0 and rep.counts["cannot tell"] == 0
    checks = {f.check for f in rep.findings}
    assert {"percent_vs_counts", "subgroup_sum", "count_within_n", "contingency_p_value",
            "estimate_within_ci", "date_order"} <= checks
    assert len(rep.by_check("percent_vs_counts")) == 8
    sums = {f.values["sum"] for f in rep.by_check("subgroup_sum")}
    assert sums == {52, 47, 28}


def test_extend_audit_findings():
    rep = audit_register(load_register("extend_breast"))
    assert one(rep, "hr_ci_symmetry").status == "consistent"
    pv = one(rep, "hr_ci_p_value")
    assert pv.status == "consistent" and "prints as 0.85" in pv.arithmetic
    ev = one(rep, "hr_ci_events")
    assert 15 < ev.values["events_low"] < ev.values["events"] < ev.values["events_high"] < 16
    assert ev.status == "consistent"


def test_report_renderings():
    rep = audit_register(load_register("levee2025"))
    md = rep.to_markdown()
    assert md.startswith("### Consistency audit: levee2025")
    assert "| check | targets | status | arithmetic |" in md
    assert md.count("\n| ") == len(rep.findings) + 1
    frame = rep.to_frame()
    assert list(frame.columns) == ["study", "check", "targets", "status", "arithmetic", "numbers"]
    assert len(frame) == len(rep.findings)
    json.loads(frame["numbers"].iloc[0])
    assert "AuditReport(levee2025" in repr(rep)
    assert rep._repr_html_().startswith("<p>")


# --------------------------------------------------------------------------- command line
def test_cli_text_and_json(capsys):
    assert cli.main(["audit", "extend_breast"]) == 0
    out = capsys.readouterr().out
    assert "Consistency audit of extend_breast" in out and "[inconsistent] design_events_vs_ci" in out
    assert cli.main(["audit", "levee2025", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["study"] == "levee2025" and data["counts"]["inconsistent"] == 0
    assert all({"check", "targets", "status", "arithmetic", "numbers"} <= set(f) for f in data["findings"])


def test_cli_toml_path(tmp_path, capsys):
    path = tmp_path / "ex.toml"
    write_register(path, _hr_targets())
    assert cli.main(["audit", str(path)]) == 0
    assert "hr_ci_symmetry" in capsys.readouterr().out


def test_cli_bad_inputs_exit_2(tmp_path, capsys):
    assert cli.main(["audit", "no_such_study"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown study 'no_such_study'" in err
    bad = tmp_path / "bad.toml"
    write_register(bad, [target("hr", "hazard", 0.8, arms=["a", "b"], decimals=2)])
    assert cli.main(["audit", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "unknown quantity 'hazard'" in err and str(bad) in err and "Traceback" not in err
    broken = tmp_path / "broken.toml"
    broken.write_text("[study\n", encoding="utf-8")
    assert cli.main(["audit", str(broken)]) == 2
    assert "is not valid TOML" in capsys.readouterr().err


# --------------------------------------------------------------------------- which test produced the p
def _hr_p(hr, lo, hi, p, test="logrank", n=(120, 120), decimals=3, level=None):
    q = f"HR {hr:.2f} (95% CI {lo:.2f}-{hi:.2f}); P = {p:.{decimals}f}"
    method = {"test": test} if test else None
    ts = [target("n_a", "n", n[0], arm="a"), target("n_b", "n", n[1], arm="b")]
    for tid, quantity, value in (("hr", "hr", hr), ("lo", "hr_ci_low", lo), ("hi", "hr_ci_high", hi)):
        extra = {"method": {"confidence_level": level}} if level and quantity != "hr" else {}
        ts.append(target(tid, quantity, value, arms=["a", "b"], decimals=2, quote=q, **extra))
    extra = {"method": method} if method else {}
    ts.append(target("p", "p_value", p, arms=["a", "b"], decimals=decimals, quote=q, **extra))
    return ts


@pytest.mark.parametrize("test", ["logrank", None])
def test_logrank_p_beside_wald_interval_is_not_inconsistent(tmp_path, test):
    # HR 0.98 (0.77-1.26): the Wald p is 0.872, an honest log-rank p 0.911 (the tests differ)
    f = one(audit(tmp_path, _hr_p(0.98, 0.77, 1.26, 0.911, test=test)), "hr_ci_p_value")
    assert f.status == "consistent"
    assert f.values["wald_p"] == pytest.approx(0.872, abs=5e-4)
    assert f.values["allowed_p_low"] <= 0.911 <= f.values["allowed_p_high"]
    assert "lies within that allowance" in f.arithmetic


def test_wald_p_stated_is_held_to_the_wald_range(tmp_path):
    f = one(audit(tmp_path, _hr_p(0.98, 0.77, 1.26, 0.911, test="wald")), "hr_ci_p_value")
    assert f.status == "inconsistent"
    assert f.values["allowed_p_low"] == f.values["wald_p_low"]


@pytest.mark.parametrize(
    "hr, lo, hi, honest, corrupted",
    [
        (0.98, 0.77, 1.26, 0.911, 0.011),    # first decimal of the p changed
        (0.59, 0.42, 0.82, 0.001, 0.061),    # lung by sex; log-rank 0.001
        (0.69, 0.54, 0.89, 0.003, 0.033),    # GBSG2 by hormonal therapy
        (0.74, 0.55, 1.01, 0.055, 0.555),
    ],
)
def test_changed_digit_in_p_is_caught(tmp_path, hr, lo, hi, honest, corrupted):
    (tmp_path / "honest").mkdir()
    (tmp_path / "bad").mkdir()
    ok = one(audit(tmp_path / "honest", _hr_p(hr, lo, hi, honest)), "hr_ci_p_value")
    bad = one(audit(tmp_path / "bad", _hr_p(hr, lo, hi, corrupted)), "hr_ci_p_value")
    assert ok.status == "consistent"
    assert bad.status == "inconsistent" and "outside that allowance too" in bad.arithmetic


def test_ratio_bounds_of_the_tests():
    from survrepro.register.audit import z_ratio_to_wald

    assert z_ratio_to_wald("wald", 0.7) == (1.0, 1.0)
    lo, hi = z_ratio_to_wald("logrank", 0.7)
    assert lo < 1 < hi and lo == pytest.approx(math.exp(-0.49 / 4)) and hi == pytest.approx(math.exp(0.49 / 8))
    assert z_ratio_to_wald(None, 0.7) == (lo, hi)
    lr = z_ratio_to_wald("likelihood_ratio", 0.7)
    assert lr[0] < lo and lr[1] > hi


def test_confidence_level_is_printed(tmp_path):
    # a 96% interval: z = 2.0537, and every sentence says 96%
    import math as m

    z = 2.053748910631823
    lo, hi = round(m.exp(m.log(0.7) - z * 0.2), 2), round(m.exp(m.log(0.7) + z * 0.2), 2)
    rep = audit(tmp_path, _hr_p(0.70, lo, hi, 0.075, level=0.96))
    sym = one(rep, "hr_ci_symmetry")
    assert "(96% CI " in sym.arithmetic and "95%" not in sym.arithmetic
    assert sym.values["confidence_level"] == 0.96
    pv = one(rep, "hr_ci_p_value")
    assert "z = 2.0537 for a 96% interval" in pv.arithmetic and "95%" not in pv.arithmetic
    assert pv.values["confidence_level"] == 0.96 and pv.status == "consistent"
    ev = one(rep, "hr_ci_events")
    assert "2.0537" in ev.arithmetic


def test_default_level_is_said(tmp_path):
    f = one(audit(tmp_path, _hr_p(0.98, 0.77, 1.26, 0.911)), "hr_ci_symmetry")
    assert "(95% CI 0.77-1.26; confidence level not given, 95% assumed)" in f.arithmetic


def test_events_fewer_than_the_interval_needs(tmp_path):
    # HR 0.91 (0.34-2.48): SE up to (log 2.485 - log 0.335)/3.92 = 0.5112 over the rounding, so at least
    # 4/SE^2 = 15.3 events whatever the split
    ts = _hr_targets() + [target("ev_a", "count", 4, arm="a", count_of="events"),
                          target("ev_b", "count", 5, arm="b", count_of="events")]
    f = one(audit(tmp_path, ts), "hr_ci_events")
    assert f.status == "inconsistent" and f.values["events_at_least"] == pytest.approx(15.31, abs=0.01)
    assert "fewer than the 15.3 the interval needs at least" in f.arithmetic


# --------------------------------------------------------------------------- the corpus benchmark
def test_small_corpus_run():
    import time

    from survrepro.bench import corpus

    start = time.perf_counter()
    res = corpus.run(n_studies=5, corruptions=1, n_simulated=10, bootstraps=1)
    assert time.perf_counter() - start < 10
    assert res["studies"] == 5 and res["false_alarms"] == []
    assert sum(res["tried"].values()) >= 15 and sum(res["detected"].values()) >= 1
    text = corpus.report(res)
    assert "False alarms: 0 of 5 studies" in text and "p_value" in text


def test_corpus_registers_load_and_say_their_data():
    from survrepro.bench import corpus

    studies = corpus.corpus(n_simulated=3, bootstraps=0)
    regs = [corpus.register_of(s) for s in studies]
    assert all(r is not None for r in regs)
    lung = next(r for r in regs if r["study"]["id"] == "lung_sex")
    assert "R survival::lung" in lung["study"]["data"]
    by_id = {t["id"]: t for t in lung["target"]}
    assert by_id["n_male"]["value"] == 138 and by_id["n_female"]["value"] == 90
    assert by_id["hr_female"]["value"] == 0.59 and by_id["p_logrank"]["value"] == 0.001
    assert regs[-1]["study"]["data"].startswith("SYNTHETIC")


def test_corpus_hazard_ratios_of_several_arms_are_each_arm_against_the_reference():
    """Each printed HR of a study of 3-4 arms is the Cox fit of that arm's and the reference
    arm's patients (as the register's ``hr`` target is read), under that arm's name, whatever
    the arms' alphabetical order."""
    from survrepro.bench import corpus
    from survrepro.engine.cox import hazard_ratio

    study = next(s for s in corpus._real_splits() if s.id == "veteran_celltype")
    assert study.arms[0] == "squamous" and study.arms[1:] != sorted(study.arms[1:])
    by_id = {t["id"]: t for t in corpus.register_of(study)["target"]}
    df = study.data
    for arm in study.arms[1:]:
        two = df[df["arm"].isin([arm, "squamous"])]
        hr = hazard_ratio(two["time"].to_numpy(), two["event"].to_numpy(), two["arm"].to_numpy(),
                          reference="squamous")
        assert by_id[f"hr_{arm}"]["arms"] == [arm, "squamous"]
        assert by_id[f"hr_{arm}"]["value"] == float(corpus._fmt(hr.hr, 2))
        assert by_id[f"hr_ci_low_{arm}"]["value"] == float(corpus._fmt(hr.hr_ci[0], 2))
        assert by_id[f"hr_ci_high_{arm}"]["value"] == float(corpus._fmt(hr.hr_ci[1], 2))
    assert by_id["hr_large"]["value"] == 1.29  # large cell against squamous (2.72 is small cell's joint HR)


def test_events_of_a_contrast_among_three_arms_count_every_arm(tmp_path):
    # HR 0.80 (0.55-1.16): at least 4/SE^2 = 26.0 events; the two arms compared have 20 patients,
    # but with three arms the events of the third enter the information of the contrast too
    study = dict(COHORT, design="randomized")
    q = "HR 0.80 (95% CI 0.55-1.16)"
    ts = [target("n_x", "n", 10, arm="x"), target("n_y", "n", 10, arm="y"), target("n_z", "n", 200, arm="z"),
          target("hr", "hr", 0.80, arms=["y", "x"], decimals=2, quote=q),
          target("lo", "hr_ci_low", 0.55, arms=["y", "x"], decimals=2, quote=q),
          target("hi", "hr_ci_high", 1.16, arms=["y", "x"], decimals=2, quote=q)]
    f = one(audit(tmp_path, ts, study=study), "hr_ci_events")
    assert f.status == "consistent" and "the 220 patients of the study's 3 arms" in f.arithmetic
    (tmp_path / "two").mkdir()
    two = dict(study, arms=study["arms"][:2])
    f = one(audit(tmp_path / "two", ts[:2] + ts[3:], study=two), "hr_ci_events")
    assert f.status == "inconsistent" and "the 20 patients of the two arms" in f.arithmetic


def test_synthesis_corpus_run_reports_its_figures():
    """``--synthesize N``: every study is met, unmet (with a reason) or refused, and the
    report prints the shares it is read for (arms, sizes, held-out p, slowest)."""
    from survrepro.bench import corpus

    syn = corpus.synthesize_some(2, max_iter=200)
    assert syn["runs"] == 2 and len(syn["per_study"]) + sum(syn["refused"].values()) == 2
    unmet = [r for r in syn["per_study"] if not r["met"]]
    assert sum(syn["reasons"].values()) >= len(unmet)
    text = corpus.synthesis_report(syn)
    assert text.startswith("Synthesizer on 2 registers of 2-4 arms without accrual dates: ")
    assert "held-out log-rank p reproduced at printed precision" in text and "slowest:" in text
