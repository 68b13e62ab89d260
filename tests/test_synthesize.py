"""Tests of survrepro.sources.synthesize: calibration, coherence, determinism, honest failure.

Expected values come from the project's engine (survrepro.engine.km, survrepro.engine.cox,
survrepro.engine.proportion), itself validated against R survival in tests/validation; the
synthesizer's search-time landmark counts are checked against that engine here (the engine's fast
paths it also uses are checked against their reference functions in tests/test_kernels.py).
"""
import dataclasses
import datetime as dt
import textwrap

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from survrepro import InputError, io, paths
from survrepro.cli import main
from survrepro.engine.cox import hazard_ratio
from survrepro.engine.km import kaplan_meier
from survrepro.engine.proportion import proportion_on_therapy
from survrepro.sources.synthesize import (
    Constraint, Group, SynthesisSpec, _hr_outside, _hr_region, _landmark_counts, evaluate, landmark_conflicts,
    rounds_to, synthesize,
)
from survrepro.register.synthesis import spec_from_register
from survrepro.register.schema import load_register, matches

# An invented two-arm summary (not any real study).
SMALL = SynthesisSpec(
    study="invented_trial",
    groups=(Group("a", 30), Group("b", 30)),
    group_column="arm",
    accrual_start=dt.date(2019, 1, 1),
    accrual_end=dt.date(2020, 12, 31),
    constraints=(
        Constraint("med_a", "median", 10.4, 1, "pfs", ("a",)),
        Constraint("med_b", "median", 14.2, 1, "pfs", ("b",)),
        Constraint("hr", "hr", 0.7, 1, "pfs", ("b", "a")),
        Constraint("fu", "median_followup", 20.5, 1, "os"),
    ),
    endpoints=("pfs", "os", "ttnt", "new_lesion"),
)


@pytest.fixture(scope="module")
def small():
    return synthesize(SMALL, seed=3, max_iter=6000)


def test_small_spec_converges_and_csv_reproduces_every_constraint(small, tmp_path):
    assert small.converged, small.to_frame()
    path = io.write_csv(tmp_path / "invented_synthetic.csv", small.data)
    again = evaluate(io.read_csv(path), SMALL)
    for c, r in zip(SMALL.constraints, again):
        assert r.matched and rounds_to(r.achieved, c.value, c.decimals), (c, r)
    # the same numbers straight from the engine
    df = io.read_csv(path)
    km_a = kaplan_meier(df.pfs_time[df.arm == "a"], df.pfs_event[df.arm == "a"])
    assert round(km_a.median, 1) == 10.4
    hr = hazard_ratio(df.pfs_time, df.pfs_event, df.arm, reference="a")
    assert round(hr.hr, 1) == 0.7
    assert small.steps <= small.max_iter
    assert "SYNTHETIC" in repr(small) and "SYNTHETIC" in small.notes[0]


def test_entries_span_the_first_and_last_month_of_the_window(small):
    # "accrual January 2019 through December 2020" means patients entered in both months.
    months = pd.to_datetime(small.data["entry_date"]).dt.to_period("M")
    assert str(months.min()) == "2019-01" and str(months.max()) == "2020-12"


def test_endpoints_are_coherent(small):
    d = small.data
    assert (d.pfs_time <= d.os_time).all()
    assert (d.ttnt_time >= d.pfs_time).all()
    assert (d.new_lesion_time >= d.pfs_time).all()
    # a death is a PFS event no later than the death
    dead = d.os_event == 1
    assert (d.pfs_event[dead] == 1).all() and (d.pfs_time[dead] <= d.os_time[dead]).all()
    # a new lesion at progression has the PFS time; deaths end time to next therapy
    assert (d.death <= d.os_event).all()
    assert (d.ttnt_time[d.death == 1] == d.os_time[d.death == 1]).all()
    # administrative censoring at one cut-off consistent with the entry dates
    entry = pd.to_datetime(d.entry_date)
    assert entry.min() >= pd.Timestamp(SMALL.accrual_start) and entry.max() <= pd.Timestamp(SMALL.accrual_end)
    potential = (pd.Timestamp(small.cutoff) - entry).dt.days / (365.25 / 12)
    assert (d.os_time <= potential + 0.05).all()


def test_same_seed_gives_byte_identical_csv(small, tmp_path):
    again = synthesize(SMALL, seed=3, max_iter=6000)
    a = io.write_csv(tmp_path / "a_synthetic.csv", small.data).read_bytes()
    b = io.write_csv(tmp_path / "b_synthetic.csv", again.data).read_bytes()
    assert a == b
    other = synthesize(SMALL, seed=4, max_iter=50)
    assert not other.data.equals(small.data)


def test_infeasible_spec_reports_failure_within_the_cap():
    # with 10 patients a KM median can only sit at a multiple-of-0.1 survival step; ask
    # for an HR CI narrower than ten events can give
    spec = SynthesisSpec(
        study="impossible", groups=(Group("a", 5), Group("b", 5)), group_column="arm",
        accrual_start=dt.date(2020, 1, 1), accrual_end=dt.date(2020, 6, 30), cutoff=dt.date(2022, 1, 1),
        constraints=(
            Constraint("lo", "hr_ci_low", 0.95, 2, "pfs", ("b", "a")),
            Constraint("hi", "hr_ci_high", 1.05, 2, "pfs", ("b", "a")),
        ),
    )
    res = synthesize(spec, seed=0, max_iter=300)
    assert not res.converged
    assert res.steps == 300
    assert {c.id for c in res.unmet} == {"lo", "hi"}
    assert any("without meeting" in n for n in res.notes)
    # the limits need SE <= 0.013; ten patients give SE >= 2/sqrt(10) whatever the data
    assert any("SE >= 2/sqrt(10)" in n for n in res.notes)


def test_hr_region_centre_rounds_to_every_printed_number():
    z = 1.959963984540054
    cs = (
        Constraint("hr", "hr", 0.91, 2, "pfs", ("b", "a")),
        Constraint("lo", "hr_ci_low", 0.34, 2, "pfs", ("b", "a")),
        Constraint("hi", "hr_ci_high", 2.48, 2, "pfs", ("b", "a")),
    )
    endpoint, arms, ties, level, (beta, se), bounds, (se_min, se_max) = _hr_region(cs)
    assert (endpoint, arms, ties, level) == ("pfs", ("b", "a"), "efron", 0.95)
    # every point the construction accepts (outside distance 0) prints as 0.91 (0.34-2.48)
    rng = np.random.default_rng(0)
    pts = np.column_stack((rng.uniform(-0.1, -0.08, 4000), rng.uniform(0.505, 0.513, 4000)))
    accepted = [p for p in pts if _hr_outside((beta, se), bounds, *p) == 0]
    assert len(accepted) > 20 and _hr_outside((beta, se), bounds, beta, se) == 0
    for b, s in accepted + [(beta, se)]:
        assert rounds_to(np.exp(b), 0.91, 2)
        assert rounds_to(np.exp(b - z * s), 0.34, 2) and rounds_to(np.exp(b + z * s), 2.48, 2)
    # SE bounds worked by hand: beta + z SE >= log 2.475 and beta - z SE < log 0.345 with
    # beta <= (log 0.345 + log 2.485)/2 ... give SE in [0.50771, 0.51118] (grid of 301 points)
    assert 0.5076 < se_min < 0.5078 and 0.5111 < se_max < 0.5113
    # limits that no standard error can reach
    bad = (Constraint("lo", "hr_ci_low", 0.5, 1, "pfs", ("b", "a")),
           Constraint("hi", "hr_ci_high", 0.4, 1, "pfs", ("b", "a")))
    assert _hr_region(bad)[4] is None


def test_landmark_conflict_is_explained():
    # invented counts: 10 of 40 failed before 6, 11 of 35 before 12, 24 remaining at 12
    cs = (
        Constraint("e6", "evaluable", 40, 0, "ttnt", landmark=6),
        Constraint("r6", "remaining", 30, 0, "ttnt", landmark=6),
        Constraint("e12", "evaluable", 35, 0, "ttnt", landmark=12),
        Constraint("r12", "remaining", 24, 0, "ttnt", landmark=12),
        Constraint("m", "median", 7.0, 1, "ttnt"),
    )
    msgs = landmark_conflicts(cs, {})
    assert len(msgs) == 1 and "m (7)" in msgs[0] and "> 0.5" in msgs[0]
    # no conflict when deaths before the landmark are not evaluable
    relaxed = tuple(Constraint(**{**c.__dict__, "death_is_failure": False}) for c in cs)
    assert landmark_conflicts(relaxed, {}) == []


def test_bad_specs_raise_one_sentence():
    with pytest.raises(InputError, match="names group 'c'"):
        SynthesisSpec("x", (Group("a", 3),), "arm", dt.date(2020, 1, 1), dt.date(2020, 2, 1),
                      (Constraint("m", "median", 1.0, 1, "pfs", ("c",)),))
    with pytest.raises(InputError, match="quantity"):
        Constraint("m", "mean", 1.0, 1, "pfs")
    with pytest.raises(InputError, match="max_iter"):
        synthesize(SMALL, max_iter=-1)


# ---------------------------------------------------------------- search evaluators agree with the engine
cohorts = st.lists(st.tuples(st.integers(1, 60), st.integers(0, 1), st.integers(0, 1)), min_size=6, max_size=40)


@settings(max_examples=40, deadline=None)
@given(cohorts)
def test_landmark_counts_match_engine(rows):
    t, e, death = (np.array(v) for v in zip(*rows))
    t = t / 4.0
    death = death * e
    for dif in (True, False):
        ref = proportion_on_therapy(t, e, 6, death=death, death_is_failure=dif).overall
        assert _landmark_counts(t, e, death, 6.0, "followed", dif) == (ref.denominator, ref.numerator)


# ---------------------------------------------------------------- registers
REGISTER = textwrap.dedent('''
    [study]
    id = "invented"
    title = "Invented two-arm study"
    citation = "none"
    doi = "none"
    time_unit = "months"
    design = "randomized"
    sources = ["invented.txt"]
    arms = [{ id = "a", label = "A", n = 25 }, { id = "b", label = "B", n = 25 }]
    data = "invented for tests"

    [[target]]
    id = "start"
    endpoint = "randomization"
    quantity = "accrual_start"
    value = "2019-01"
    quote = "from January 2019"
    source = "invented.txt"
    role = "calibrate"

    [[target]]
    id = "end"
    endpoint = "randomization"
    quantity = "accrual_end"
    value = "2020-06"
    quote = "to June 2020"
    source = "invented.txt"
    role = "calibrate"

    [[target]]
    id = "med_a"
    endpoint = "pfs"
    quantity = "median"
    arm = "a"
    value = 9.3
    decimals = 1
    quote = "median 9.3"
    source = "invented.txt"
    role = "calibrate"

    [[target]]
    id = "impossible_check"
    endpoint = "pfs"
    quantity = "median"
    arm = "b"
    value = 0.1
    decimals = 1
    quote = "median 0.1"
    source = "invented.txt"
    role = "check"
''')


@pytest.fixture
def register_file(tmp_path):
    path = tmp_path / "invented.toml"
    path.write_text(REGISTER)
    return path


def test_register_check_targets_are_not_read(register_file):
    spec = spec_from_register(load_register(register_file), endpoints=("pfs", "os"))
    assert [c.id for c in spec.constraints] == ["med_a"]
    assert spec.accrual_end == dt.date(2020, 6, 30)
    res = synthesize(spec, seed=0, max_iter=3000)
    assert res.converged and [c.id for c in res.constraints] == ["med_a"]


def test_cli_writes_synthetic_csv(register_file, tmp_path, capsys):
    out = tmp_path / "invented_synthetic.csv"
    assert main(["synthesize", str(register_file), "-o", str(out), "--seed", "1", "--endpoints", "pfs,os"]) == 0
    printed = capsys.readouterr().out
    assert "SYNTHETIC" in printed and "SYN001" not in printed  # the data go to the file, not to the screen
    df = pd.read_csv(out)
    assert len(df) == 50 and set(df.arm) == {"a", "b"}
    assert main(["synthesize", "no_such_study"]) == 2
    assert "unknown study" in capsys.readouterr().err


def test_cli_writes_the_source_note(register_file, tmp_path, capsys):
    """``--notes`` writes the note beside the data: labelled SYNTHETIC, every column of the
    file described, each target with its achieved value, and the notes of the build."""
    out, note = tmp_path / "invented_synthetic.csv", tmp_path / "invented_synthetic.md"
    assert main(["synthesize", str(register_file), "-o", str(out), "--notes", str(note), "--seed", "1",
                 "--endpoints", "pfs,os"]) == 0
    assert f"wrote {note}" in capsys.readouterr().out
    text = note.read_text()
    assert text.startswith("# SYNTHETIC patient-level data: invented\n")
    for column in pd.read_csv(out).columns:
        assert f"- `{column}`: " in text
    assert "| med_a | median | pfs | a | 9.3 |" in text and "## Assumptions and notes" in text
    # without -o the data go to standard output and the rest to standard error
    assert main(["synthesize", str(register_file), "--notes", str(note), "--seed", "1", "--endpoints", "pfs,os"]) == 0
    out_, err = capsys.readouterr()
    assert out_.startswith("patient,") and f"wrote {note}" in err and "wrote" not in out_


# ---------------------------------------------------------------- shipped synthetic data
def _shipped(study, make_spec):
    folder = paths.study_data(study)
    files = sorted(folder.glob("*synthetic*.csv"))
    assert files, f"no synthetic CSV in {folder}"
    notes = (folder / "SOURCE.md").read_text()
    assert "SYNTHETIC" in notes
    spec = make_spec()
    reg = load_register(study)
    results = evaluate(io.read_csv(files[0]), spec)
    for r in results:
        target = reg.by_id(r.id)
        assert target.role == "calibrate"
        ok, _ = matches(target, r.achieved)
        assert ok, (r.id, target.value, r.achieved)


def _import_script(study):
    import importlib.util
    spec = importlib.util.spec_from_file_location(f"make_{study}", paths.ANALYSES / study / "make_synthetic.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_shipped_levee_data_reproduce_every_calibrate_target():
    _shipped("levee2025", _import_script("levee2025").build_spec)


def test_shipped_extend_data_reproduce_every_calibrate_target():
    _shipped("extend_breast", _import_script("extend_breast").build_spec)


def _printed(arms, n_per_arm, medians, seed, endpoint="os", hr_limits=True):
    """Constraints printed (medians and limits to 1 decimal, HR of each arm against the last
    and its limits to 2, follow-up to 1) from a SYNTHETIC simulated trial, computed by the engine."""
    from survrepro.engine.km import median_followup
    from survrepro.rounding import round_half_away

    rng = np.random.default_rng(seed)
    arm = np.repeat(arms, n_per_arm)
    scale = np.select([arm == a for a in arms], medians) / np.log(2)
    t = rng.exponential(scale)
    c = rng.uniform(6, 42, arm.size)
    time, event = np.minimum(t, c), (t <= c).astype(int)
    out = []
    for a in arms:
        q = kaplan_meier(time[arm == a], event[arm == a]).quantile(0.5)
        for name, v in zip(("median", "median_ci_low", "median_ci_high"), q):
            if v is not None:
                out.append(Constraint(f"{name}_{a}", name, round_half_away(v, 1), 1, endpoint, arms=(a,)))
    control = arms[-1]
    for a in arms[:-1]:
        keep = np.isin(arm, (a, control))
        hr = hazard_ratio(time[keep], event[keep], arm[keep], reference=control)
        parts = (("hr", hr.hr), ("hr_ci_low", hr.hr_ci[0]), ("hr_ci_high", hr.hr_ci[1]))
        for name, v in parts if hr_limits else parts[:1]:
            out.append(Constraint(f"{name}_{a}", name, round_half_away(v, 2), 2, endpoint, arms=(a, control)))
    fu = median_followup(time, event).estimate
    out.append(Constraint("fu", "median_followup", round_half_away(fu, 1), 1, "os"))
    return tuple(out)


def _spec(arms, n_per_arm, constraints, endpoint="os"):
    return SynthesisSpec(study="simulated", groups=tuple(Group(a, n_per_arm) for a in arms), group_column="arm",
                         accrual_start=None, accrual_end=None, constraints=constraints, endpoints=(endpoint,))


def test_a_large_two_arm_study_without_accrual_dates_starts_from_the_fitted_model():
    spec = _spec(("drug", "control"), 500, _printed(("drug", "control"), 500, (14.0, 10.0), seed=11))
    res = synthesize(spec, seed=0)
    assert res.converged, [(c.id, c.target, c.achieved) for c in res.unmet]
    assert any("started from a model fitted to the printed numbers" in n for n in res.notes)
    assert any(n.startswith("ASSUMED accrual") for n in res.notes)


@pytest.mark.parametrize("arms, medians, endpoint, hr_limits", [
    (("single",), (11.0,), "os", True),
    (("high", "low", "control"), (15.0, 12.0, 9.0), "pfs", True),
], ids=["one arm", "three arms"])
def test_any_number_of_arms_is_calibrated_from_the_fitted_model(arms, medians, endpoint, hr_limits):
    spec = _spec(arms, 150, _printed(arms, 150, medians, seed=5, endpoint=endpoint, hr_limits=hr_limits), endpoint)
    res = synthesize(spec, seed=0)
    assert res.converged, [(c.id, c.target, c.achieved) for c in res.unmet]
    assert any(f"{endpoint} of {len(arms)} arm(s) built from a model fitted" in n for n in res.notes)


def test_a_hazard_ratio_printed_without_limits_is_calibrated():
    arms = ("drug", "control")
    spec = _spec(arms, 200, _printed(arms, 200, (13.0, 9.0), seed=8, hr_limits=False))
    res = synthesize(spec, seed=0)
    assert res.converged, [(c.id, c.target, c.achieved) for c in res.unmet]


def test_the_step_cap_is_lowered_for_a_large_study_and_said():
    """Each search step recomputes every patient's fits: by default a study of n patients
    searches at most PATIENT_STEPS // n steps (at least MIN_STEPS), and the notes say so."""
    from survrepro.sources.synthesize import MIN_STEPS, PATIENT_STEPS

    n = 3000
    spec = SynthesisSpec(study="cap", groups=(Group("a", n),), group_column="arm",
                         accrual_start=dt.date(2020, 1, 1), accrual_end=dt.date(2021, 1, 1),
                         cutoff=dt.date(2023, 1, 1), constraints=(Constraint("m", "median", 9.5, 1, "pfs"),))
    res = synthesize(spec, seed=1)
    assert res.max_iter == max(MIN_STEPS, PATIENT_STEPS // n) < 20000
    assert any(x.startswith(f"Step cap: {res.max_iter} search steps for {n} patients (the least cap")
               for x in res.notes)
    mid = synthesize(dataclasses.replace(spec, groups=(Group("a", 100),)), seed=1)
    assert mid.max_iter == PATIENT_STEPS // 100 > MIN_STEPS
    assert any(x.startswith(f"Step cap: {mid.max_iter} search steps for 100 patients (at most 600,000 patient-steps")
               for x in mid.notes)
    small = synthesize(dataclasses.replace(spec, groups=(Group("a", 20),)), seed=1)
    assert small.max_iter == 20000 and not any(x.startswith("Step cap") for x in small.notes)
    given = synthesize(spec, seed=1, max_iter=20000)  # a cap given is used as it is
    assert given.max_iter == 20000 and not any(x.startswith("Step cap: 2") for x in given.notes)


def test_a_large_study_searches_at_least_the_least_step_cap(tmp_path, monkeypatch):
    """A corpus register (a SYNTHETIC simulated trial of 1,480 patients, two arms) with its
    log-rank p calibrated: 600,000 patient-steps allow 405 search steps, and after them a lower
    median limit still sat on a half of its last digit (8.95 for a printed 8.9). The search
    takes at least MIN_STEPS steps and meets every printed number; with the 300 steps that were
    the least cap before, it misses that limit."""
    from survrepro.bench import corpus
    from survrepro.sources import synthesize as synthesize_module

    reg, _ = _corpus_spec(tmp_path, "synthetic_093")
    for t in reg["target"]:
        if t["id"] == "p_logrank":
            t["role"] = "calibrate"
    spec = spec_from_register(load_register(corpus.write_register(reg, tmp_path, "p_calibrated")),
                              endpoints=("pfs",), endpoint_map={"pfs": "pfs", "cohort": "pfs"})
    assert spec.n == 1480 and any(c.id == "p_logrank" for c in spec.constraints)
    res = synthesize(spec, seed=0)
    assert res.max_iter == synthesize_module.MIN_STEPS
    assert res.converged, [(c.id, c.target, c.achieved) for c in res.unmet]
    monkeypatch.setattr(synthesize_module, "MIN_STEPS", 300)
    res = synthesize(spec, seed=0)
    assert res.max_iter == 405 and "median_ci_low_arm1" in {c.id for c in res.unmet}


def test_fast_landmark_survival_equals_the_engine_with_ties():
    """The search's Kaplan-Meier survival at a landmark is the engine's (tied times, a landmark
    on an event time or between)."""
    from survrepro.sources.synthesize import km_at

    rng = np.random.default_rng(11)
    for _ in range(100):
        t = np.round(rng.exponential(5, 40))
        e = rng.integers(0, 2, 40)
        at = float(rng.choice(np.r_[t, rng.uniform(0, 15, 5)]))
        assert km_at(t, e, at) == pytest.approx(float(kaplan_meier(t, e).at([at])["survival"].iloc[0]), abs=1e-12)


def test_fast_p_values_equal_the_engine():
    """The search's p values (log-rank of two or three arms, the Cox Wald, score and
    likelihood-ratio tests of two) are the engine's, on tied times; the untied Wald fit is
    used only where times are distinct."""
    from survrepro.engine.cox import hazard_ratio
    from survrepro.engine.logrank import logrank_test
    from survrepro.sources.synthesize import Constraint, _p_value

    rng = np.random.default_rng(5)
    for k in range(60):
        n = 30 + k
        t = np.round(rng.exponential(8, n), 1) + 0.1
        e = rng.integers(0, 2, n)
        arms = ("a", "b", "c")[: 2 + k % 2]
        labels = np.array([arms[i % len(arms)] for i in range(n)])
        lr = Constraint("p", "p_value", 0.05, 3, "os", arms=() if k % 2 else ("b", "a"))
        want = logrank_test(t, e, labels).pvalue
        assert _p_value(lr, t, e, labels, arms) == pytest.approx(want, rel=1e-9)
        assert _p_value(lr, t, e, labels, arms, engine=True) == pytest.approx(want, rel=1e-12)
        if len(arms) == 2:
            wald = Constraint("p", "p_value", 0.05, 3, "os", arms=("b", "a"), test="wald", ties="breslow")
            ref = hazard_ratio(t, e, labels, reference="a", ties="breslow").wald_pvalue
            assert _p_value(wald, t, e, labels, arms) == pytest.approx(ref, rel=1e-6)
            untied = t + rng.uniform(0, 0.01, n)
            ref = hazard_ratio(untied, e, labels, reference="a").wald_pvalue
            assert _p_value(wald, untied, e, labels, arms, untied=True) == pytest.approx(ref, rel=1e-6)
            for ties in ("efron", "breslow"):
                hr = hazard_ratio(t, e, labels, reference="a", ties=ties)
                for test, ref in (("score", hr.score_pvalue), ("likelihood_ratio", hr.lr_pvalue)):
                    c = Constraint("p", "p_value", 0.05, 3, "os", arms=("b", "a"), test=test, ties=ties)
                    assert _p_value(c, t, e, labels, arms) == pytest.approx(ref, rel=1e-6)
                    assert _p_value(c, t, e, labels, arms, engine=True) == ref


def test_a_p_value_constraint_names_its_test_and_arms():
    from survrepro.sources.synthesize import Constraint

    with pytest.raises(InputError, match="a wald p value compares two arms"):
        Constraint("p", "p_value", 0.05, 3, "os", arms=(), test="wald")
    with pytest.raises(InputError, match="a score p value compares two arms"):
        Constraint("p", "p_value", 0.05, 3, "os", arms=(), test="score")
    with pytest.raises(InputError, match="test must be one of"):
        Constraint("p", "p_value", 0.05, 3, "os", arms=("a", "b"), test="peto")


def test_a_p_value_bound_of_three_arms_is_a_k_sample_log_rank_constraint():
    """A global "log-rank P < .001" of three arms constrains as the three-sample log-rank test
    (it was refused as comparing two arms)."""
    from survrepro.engine.logrank import logrank_test
    from survrepro.sources.synthesize import Constraint, _p_value

    c = Constraint("p", "p_value_bound", 0.001, 3, "os", arms=("a", "b", "c"), comparator="<")
    rng = np.random.default_rng(2)
    t, e = rng.exponential(5, 60), rng.integers(0, 2, 60)
    labels = np.repeat(np.array(["a", "b", "c"]), 20)
    assert _p_value(c, t, e, labels, ("a", "b", "c")) == pytest.approx(logrank_test(t, e, labels).pvalue, rel=1e-12)


def test_three_arms_sharing_the_reference_with_printed_events_are_met_from_the_fitted_start(tmp_path):
    """A corpus register of three arms of 98 patients (SYNTHETIC), with the events of every arm
    printed: the standard errors of both hazard ratios against the shared reference are mended
    together (censorings moved between their arm's events, late events and censorings swapped),
    so the fitted start alone rounds to every printed number."""
    from survrepro.bench import corpus

    reg = next(r for r in (corpus.register_of(s) for s in corpus.corpus() if s.id == "synthetic_007"))
    assert len(reg["study"]["arms"]) == 3 and any(t["quantity"] == "count" for t in reg["target"])
    spec = spec_from_register(load_register(corpus.write_register(reg, tmp_path)), endpoints=("pfs",),
                              endpoint_map={"pfs": "pfs", "cohort": "pfs"})
    res = synthesize(spec, seed=0, max_iter=0)
    assert res.converged and res.steps == 0, [(c.id, c.target, c.achieved) for c in res.unmet]
    assert any("pfs of 3 arm(s) built from a model fitted" in n and "(0 search steps after it)" in n
               for n in res.notes)


def _corpus_spec(tmp_path, study, unit="months", decimals=1):
    from survrepro.bench import corpus

    reg = next(r for r in (corpus.register_of(s, unit, decimals) for s in corpus.corpus() if s.id == study))
    ep = next(t["endpoint"] for t in reg["target"] if t["quantity"] == "hr")
    model = "os" if ep == "os" else "pfs"
    return reg, spec_from_register(load_register(corpus.write_register(reg, tmp_path)), endpoints=(model,),
                                   endpoint_map={ep: model, "cohort": model})


def test_times_printed_to_two_decimals_of_a_year_are_searched_on_a_grid_finer_than_their_last_digit(tmp_path):
    """A corpus register of a bootstrap of lifelines' GBSG2 split by menopausal status (686
    patients), its medians, limits and median follow-up printed in years to two decimals. On
    hundredths of a year each printed median had one grid time to fall on and 8 numbers were
    missed; the search works on thousandths and writes the times in years to three decimals."""
    from survrepro.sources.synthesize import grid_scale

    reg, spec = _corpus_spec(tmp_path, "gbsg2_menostat_boot3", "years", 2)
    assert spec.time_unit == "years" and grid_scale(spec) == 1
    res = synthesize(spec, seed=0)
    assert res.converged, [(r.id, r.printed, r.achieved) for r in res.constraints if not r.matched]
    medians = {r.id: r for r in res.constraints if r.quantity == "median"}
    assert {r.decimals for r in medians.values()} == {2} and all(1 < r.target < 10 for r in medians.values())
    times = res.data[spec.column(spec.endpoints[0])[0]].to_numpy()
    assert np.allclose(times * 1000, np.round(times * 1000)) and not np.allclose(times * 100, np.round(times * 100))
    assert evaluate(res.data, spec) == res.constraints


def test_a_small_study_the_first_pairing_misses_is_met_by_a_seeded_random_pairing(tmp_path, monkeypatch):
    """A corpus register of a SYNTHETIC simulated trial of 22 patients (11 per arm, upper limits
    of both medians NR, HR 0.46, 0.15-1.41): the fitted start's quantile data paired by the
    low-discrepancy permutation miss the hazard ratio's limits, and mending its error does not
    bring them in, so without other pairings (and without the re-ordering of small studies, which
    meets it too) the start alone (no search step) is short. Of the
    seeded random pairings, ranked by how near their quantile data come to the printed hazard
    ratio and counts, one meets every printed number, and the notes say which."""
    from survrepro.sources import _fitted
    from survrepro.sources import synthesize as synthesize_module

    reg, spec = _corpus_spec(tmp_path, "synthetic_040")
    assert reg["study"]["title"].startswith("SYNTHETIC")
    res = synthesize(spec, seed=0, max_iter=0)
    assert res.converged and res.steps == 0, [(c.id, c.target, c.achieved) for c in res.unmet]
    assert sum("seeded random pairings, the one ranked" in n for n in res.notes) == 1
    budget = synthesize_module._REORDER_FITS
    monkeypatch.setattr(_fitted, "_PAIRINGS", 0)
    monkeypatch.setattr(synthesize_module, "_REORDER_FITS", 0)  # the re-ordering would meet it too
    res = synthesize(spec, seed=0, max_iter=0)
    assert not res.converged
    assert not any("random pairings" in n for n in res.notes)
    monkeypatch.setattr(synthesize_module, "_REORDER_FITS", budget)
    res = synthesize(spec, seed=0, max_iter=0)
    assert res.converged and sum("of a patient through the order of the others" in n for n in res.notes) == 1


@pytest.mark.parametrize("study, latest, followup", [("lung_ecog_boot5", "median_ci_high_ecog0", 17.8),
                                                     ("kidney_race_boot3", "median_ci_low_black", 50.2)])
def test_potential_follow_up_of_the_fitted_start_reaches_past_the_latest_printed_limit(
        tmp_path, monkeypatch, study, latest, followup):
    """Corpus registers of bootstrap resamples of R's ``lung`` (an upper limit of 26.0 months
    beside a median follow-up of 17.8) and of lifelines' ``kidney_transplant`` (a lower limit of
    87.1 months of a median not reached, median follow-up 50.2): a band crosses one half only
    where patients are followed, so the fitted start's potential follow-up reaches past the latest
    printed limit, and the start alone (no search step) meets every printed number. Left free
    (the floor of the spread taken away), the fit chooses a follow-up ending before the limit,
    which the data then never reach."""
    from survrepro.bench import corpus
    from survrepro.sources import _fitted

    reg = next(r for r in (corpus.register_of(s) for s in corpus.corpus() if s.id == study))
    assert next(t["value"] for t in reg["target"] if t["id"] == "median_followup") == followup
    ep = next(t["endpoint"] for t in reg["target"] if t["quantity"] == "hr")
    model = "os" if ep == "os" else "pfs"
    spec = spec_from_register(load_register(corpus.write_register(reg, tmp_path)), endpoints=(model,),
                              endpoint_map={ep: model, "cohort": model})
    res = synthesize(spec, seed=0, max_iter=0)
    assert res.converged and res.steps == 0, [(c.id, c.target, c.achieved) for c in res.unmet]
    monkeypatch.setattr(_fitted, "_PAST_LATEST", 0.0)
    res = synthesize(spec, seed=0, max_iter=0)
    assert latest in {c.id for c in res.unmet}


def test_a_median_and_lower_limit_not_reached_stay_unreached_with_the_events_printed(tmp_path):
    """A corpus register of a bootstrap resample of lifelines' ``rossi`` (59 patients of one arm
    with 13 events printed, median and both limits not reached): the quantile data's last events,
    with few patients at risk, pull the lower band of that arm below one half. They are turned
    into censorings, each paid for by the earliest censoring becoming an event (where the risk set
    is largest), so the printed count holds and the start alone (no search step) meets every
    printed number, the lower limit not reached included."""
    from survrepro.bench import corpus

    reg = next(r for r in (corpus.register_of(s) for s in corpus.corpus() if s.id == "rossi_race_boot3"))
    targets = {t["id"]: t["value"] for t in reg["target"]}
    assert targets["median_other"] == targets["median_ci_low_other"] == "NR" and targets["events_other"] == 13
    spec = spec_from_register(load_register(corpus.write_register(reg, tmp_path)), endpoints=("pfs",),
                              endpoint_map={"arrest": "pfs", "cohort": "pfs"})
    res = synthesize(spec, seed=0, max_iter=0)
    assert res.converged and res.steps == 0, [(c.id, c.target, c.achieved) for c in res.unmet]


def test_two_arms_with_their_events_printed_have_the_error_of_the_hazard_ratio_mended(tmp_path, monkeypatch):
    """A corpus register (a SYNTHETIC simulated trial of 742 patients, 325 and 317 events
    printed, HR 0.59, 0.51-0.70): the fitted start's quantile data give a standard error a little
    too large for the printed lower limit (0.504), and with every event count printed no event
    may simply become a censoring. Censorings and events slid between their own arm's
    neighbours move the other arm's risk sets and none of the arm's own Kaplan-Meier numbers, and
    bring the limit in: the start alone (no search step) meets every printed number, which it
    does not without that mending. The register prints no median follow-up; the data cut-off is
    set 24 months after the end of the assumed accrual, as if printed (left to the synthesizer,
    the cut-off would come later, at the printed events, and the start would meet every number
    without the mending). Without the mending, the moves of ``finish_pairs`` after the start meet
    the limit; without either, it is missed."""
    from survrepro.sources import _fitted, synthesize as synthesize_module
    from survrepro.sources.synthesize import assumed_accrual
    from survrepro.timeunits import DAYS_PER

    reg, spec = _corpus_spec(tmp_path, "synthetic_022")
    assert {t["id"]: t["value"] for t in reg["target"]}["hr_ci_low_arm1"] == 0.51
    end = assumed_accrual(spec)[1]
    spec = dataclasses.replace(spec, cutoff=end + dt.timedelta(days=round(24 * DAYS_PER["months"])))
    res = synthesize(spec, seed=0)
    assert res.converged and res.steps == 0, [(c.id, c.target, c.achieved) for c in res.unmet]
    assert not any("finish_pairs" in x for x in res.notes)
    monkeypatch.setattr(_fitted, "_mend_pairs", lambda *a, **k: None)
    res = synthesize(spec, seed=0)  # without the mending, the finisher meets the limit after the start
    assert res.converged and any("finish_pairs" in x for x in res.notes), [(c.id, c.target, c.achieved) for c in res.unmet]
    monkeypatch.setattr(synthesize_module, "finish_pairs", lambda target, group, times, events, ends, rounds:
                        (times, events, ends))
    res = synthesize(spec, seed=0)
    assert "hr_ci_low_arm1" in {c.id for c in res.unmet}


def test_three_arms_with_their_events_printed_have_events_slid_between_their_own_arms_times(tmp_path):
    """A corpus register of a bootstrap resample of R's ``GBSG2`` by tumour grade (686 patients,
    three arms, every arm's events printed): the errors of the two hazard ratios sharing the
    reference are mended by moving events as well as censorings, each within the times of its
    own arm that keep that arm's curve, and every printed number is met (the event count of grade
    2 was missed when only censorings moved)."""
    reg, spec = _corpus_spec(tmp_path, "gbsg2_tgrade_boot4")
    assert len(reg["study"]["arms"]) == 3
    res = synthesize(spec, seed=0)
    assert res.converged, [(c.id, c.target, c.achieved) for c in res.unmet]


@pytest.mark.parametrize("study, patients, shared", [("synthetic_034", 550, 2), ("synthetic_013", 4052, 7)])
def test_patients_crowding_the_hundredths_share_times_within_the_cut_off(tmp_path, study, patients, shared):
    """Corpus registers (SYNTHETIC simulated trials) of 550 patients whose median follow-up is
    3.5 months and of 4,052 patients followed 4.3 months: there are about as many patients as
    hundredths of a month before the cut-off, or more. Distinct times would spread the crowd
    over the whole follow-up (every median then misses); instead at most ``tie_cap`` patients
    share a time, the hazard ratio is fitted with Efron ties, and every printed number is met
    with each time within the cut-off."""
    from survrepro.bench import corpus
    from survrepro.sources._fitted import tie_cap
    from survrepro.sources.synthesize import assumed_accrual

    reg = next(r for r in (corpus.register_of(s) for s in corpus.corpus() if s.id == study))
    ep = next(t["endpoint"] for t in reg["target"] if t["quantity"] == "hr")
    model = "os" if ep == "os" else "pfs"
    spec = spec_from_register(load_register(corpus.write_register(reg, tmp_path)), endpoints=(model,),
                              endpoint_map={ep: model, "cohort": model})
    assert spec.n == patients
    res = synthesize(spec, seed=0)
    assert res.converged, [(c.id, c.target, c.achieved) for c in res.unmet]
    time = res.data[f"{model}_time"].to_numpy()
    cutoff = (res.cutoff - assumed_accrual(spec)[0]).days / (365.25 / 12)  # no dates printed: assumed
    assert time.max() <= cutoff + 0.01
    per_time = np.unique(np.round(time * 100).astype(int), return_counts=True)[1].max()
    assert 1 < per_time <= max(shared, tie_cap(patients, int(round(cutoff * 100))))
    assert sum(n.startswith("Tied times: ") for n in res.notes) == 1


@pytest.mark.slow
def test_six_arms_run_and_every_unmet_target_has_its_reason(tmp_path):
    """A SYNTHETIC six-arm trial (15 patients per arm, exponential hazards rising from the
    first arm to the sixth, numpy seed 6) written as a register by the corpus code: medians
    with their limits for every arm and five hazard ratios against ``arm0``. The synthesizer
    builds all six arms together from the fitted model; with a cap of 200 search steps, each
    target it leaves unmet is named on an UNMET line with its reason."""
    from survrepro.bench import corpus
    from survrepro.register.synthesis import unmet_reasons

    rng = np.random.default_rng(6)
    k, m = 6, 15
    t = np.concatenate([rng.exponential(12 / np.log(2) / h, m) for h in np.linspace(1, 2, k)])
    c = rng.uniform(6, 30, t.size)
    df = pd.DataFrame({"time": np.round(np.minimum(t, c), 3), "event": (t <= c).astype(int),
                       "arm": np.repeat([f"arm{a}" for a in range(k)], m)})
    study = corpus.Study("six_arms", "SYNTHETIC six-arm trial", "SYNTHETIC", "pfs", [f"arm{a}" for a in range(k)],
                         df, "randomized", synthetic=True)
    register = load_register(corpus.write_register(corpus.register_of(study), tmp_path))
    spec = spec_from_register(register, endpoints=("pfs",), endpoint_map={"pfs": "pfs", "cohort": "pfs"})
    assert len(spec.groups) == 6 and sum(c.quantity == "hr" for c in spec.constraints) == 5
    res = synthesize(spec, seed=0, max_iter=200)
    assert sorted(res.data.arm.value_counts().items()) == [(f"arm{a}", 15) for a in range(k)]
    assert any("pfs for 6 arm(s)" in n for n in res.notes)
    reasons = unmet_reasons(register, res)
    assert len(reasons) == len(res.unmet)
    assert all(line.startswith(f"UNMET {c.id} ")
               and ("stopped at its cap of 200 search steps" in line or "the audit finds" in line)
               for c, line in zip(res.unmet, reasons))


@pytest.mark.parametrize("rounds", [200, 201])
def test_nudges_that_cycle_end_where_every_round_would_have_left_them(rounds):
    """The nudges of a hazard ratio whose printed range is narrower than one swap moves it
    oscillate about the centre; the rounds that repeat a state are skipped, and the data end
    as ``rounds`` single rounds, one after the other, leave them (an odd and an even count
    end on the two sides of the centre). Invented data, not any study."""
    from survrepro.sources._fitted import Pair, _nudge_beta, cox_fit

    rng = np.random.default_rng(3)
    n = 20
    times = rng.permutation(np.arange(1, n + 1) * 100).astype(np.int64)
    events = np.ones(n, np.int64)
    events[[3, 14]] = 0
    x = (np.arange(n) < 10).astype(np.int64)
    coef, se = cox_fit(times / 100.0, events, x)
    centre = (coef + 0.37, se)
    pair = Pair(arms=("a", "b"), patients=np.arange(n), x=x, centre=centre, scale=0.1,
                bounds={"z": 1.96, "low": None, "high": None, "hr": (centre[0] - 1e-4, centre[0] + 1e-4)})
    at_once, ends_at_once = times.copy(), times.copy()
    _nudge_beta(at_once, events, ends_at_once, pair, set(), max_rounds=rounds)
    one_by_one, ends_one_by_one = times.copy(), times.copy()
    for _ in range(rounds):
        _nudge_beta(one_by_one, events, ends_one_by_one, pair, set(), max_rounds=1)
    assert np.array_equal(at_once, one_by_one) and np.array_equal(ends_at_once, ends_one_by_one)
    side = cox_fit(at_once / 100.0, events, x)[0] > centre[0]
    assert side == (rounds % 2 == 0)  # it does oscillate: the last round decides the side


def test_a_small_study_between_the_orders_of_its_hazard_ratio_is_reordered_onto_it(tmp_path):
    """SYNTHETIC simulated trial of the corpus benchmark (24 patients, 5 events): the fitted
    data meet the medians and the follow-up but miss the hazard-ratio limits, printed to two
    decimals (3.51 is a range 0.3% wide); moving patients through the order of the others,
    each move keeping every other printed number, meets them all, and the notes say so."""
    from survrepro.bench import corpus

    study = corpus._simulated(36, corpus.SEED)[35]
    assert study.synthetic and len(study.data) == 24
    reg = corpus.register_of(study)
    register = load_register(corpus.write_register(reg, tmp_path))
    spec = spec_from_register(register, endpoints=("pfs",), endpoint_map={"pfs": "pfs", "cohort": "pfs"})
    res = synthesize(spec, seed=0)
    assert res.converged and not res.unmet
    limits = {c.id: c for c in res.constraints if c.quantity in ("hr", "hr_ci_low", "hr_ci_high")}
    assert len(limits) == 3 and all(c.matched for c in limits.values())
    said = [n for n in res.notes if "of a patient through the order of the others" in n]
    assert len(said) == 1 and "met them" in said[0]


def test_a_study_of_ninety_patients_whose_fitted_data_miss_the_hazard_ratio_is_reordered_onto_it(
        tmp_path, monkeypatch):
    """A corpus register of a bootstrap sample of lifelines' larynx data (90 patients, stages
    III-IV against I-II, HR 4.08, 2.25-7.43): the fitted data miss the
    hazard ratio and its lower limit (two decimals: 4.08 is a range 0.25% wide); the re-ordering,
    fewer gaps per patient in a study this size, meets them, and the notes say so. With the
    re-ordering held to 50 patients, as it was, the study is not met."""
    from survrepro.sources import synthesize as synthesize_module

    reg, spec = _corpus_spec(tmp_path, "larynx_stage_early_late_boot5")
    assert spec.n == 90 and synthesize_module._REORDER_PATIENTS >= 90
    res = synthesize(spec, seed=0)
    assert res.converged and not res.unmet, [(c.id, c.target, c.achieved) for c in res.unmet]
    said = [n for n in res.notes if "of a patient through the order of the others" in n]
    assert len(said) == 1 and "met them" in said[0]
    monkeypatch.setattr(synthesize_module, "_REORDER_PATIENTS", 50)
    res = synthesize(spec, seed=0)
    assert not res.converged and {c.id for c in res.unmet} >= {"hr_late"}
    assert not any("through the order of the others" in n for n in res.notes)


def test_a_large_study_whose_fitted_data_miss_the_calibrated_p_is_reordered_from_a_subset_of_its_patients(
        tmp_path, monkeypatch):
    """A corpus register of a SYNTHETIC simulated trial of 896 patients, its log-rank p
    calibrated: the fitted data meet every printed number but the p; a round of the
    re-ordering tries one gap each for patients evenly spaced through the study (what its
    budget of fits over the patients leaves), which meets the p, and the notes say so. With
    the re-ordering held to 200 patients the study is not met."""
    from survrepro.bench import corpus
    from survrepro.sources import synthesize as synthesize_module

    reg, _ = _corpus_spec(tmp_path, "synthetic_061")
    assert reg["study"]["title"].startswith("SYNTHETIC")
    for t in reg["target"]:
        if t["id"] == "p_logrank":
            t["role"] = "calibrate"
    (tmp_path / "p").mkdir()
    spec = spec_from_register(load_register(corpus.write_register(reg, tmp_path / "p")),
                              endpoints=("pfs",), endpoint_map={"pfs": "pfs", "cohort": "pfs"})
    assert spec.n == 896 and spec.n * synthesize_module._REORDER_GAPS > synthesize_module._REORDER_MOVES
    res = synthesize(spec, seed=0)
    assert res.converged and not res.unmet, [(c.id, c.target, c.achieved) for c in res.unmet]
    assert any(c.quantity == "p_value" and c.matched for c in res.constraints)
    assert sum("of a patient through the order of the others" in n for n in res.notes) == 1
    monkeypatch.setattr(synthesize_module, "_REORDER_PATIENTS", 200)
    res = synthesize(spec, seed=0)
    assert not res.converged
    assert not any("through the order of the others" in n for n in res.notes)


def test_reordering_leaves_alone_what_it_cannot_meet_and_large_studies():
    """The re-ordering returns nothing, and changes nothing, for a state whose Kaplan-Meier
    numbers are not met or a study above its size. Invented data, not any study."""
    from survrepro.sources import synthesize as S

    class Target:  # the parts of a compared target the re-ordering reads first
        def __init__(self, n, km):
            self.patients, self.km, self.pairs = np.arange(n), km, [object()]
            self.p_values = self.p_masks = self.p_labels = ()

        def km_meets(self, *_):
            return self.km

    t = np.arange(1, 11) * 100
    e, f = np.ones(10, np.int64), t.copy()
    before = (t.copy(), e.copy(), f.copy())
    assert S._reorder(Target(10, False), np.zeros(10), t, e, f, 2000) is None
    big = S._REORDER_PATIENTS + 1
    assert S._reorder(Target(big, True), np.zeros(big), t, e, f, 2000) is None
    assert all(np.array_equal(a, b) for a, b in zip((t, e, f), before))
