"""The quantity registry: one object per quantity, read by the loader, evaluation, audit and synthesizer.

Each test states the contract a quantity entry must keep: its fields and arms rule are
what the loader enforces, its evaluator is what evaluation calls, its audit roles name
readings the audit has, and its constraint is one the synthesizer knows.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from test_evaluate import one
from test_targets import target, write_register
from survrepro import InputError
from survrepro.register import audit, schema
from survrepro.register.evaluate import DESIGN_REASON, evaluate_register
from survrepro.register.quantities import PARTS, QUANTITIES, Calibration, Quantity
from survrepro.register.schema import Target, load_register
from survrepro.sources.synthesize import CONSTRAINT_QUANTITIES
from survrepro.register.synthesis import spec_from_register

QUANTITY_FIELDS = {"scale", "numerator", "denominator", "comparator", "time", "count_of"}


def _target(quantity, **kw) -> Target:
    arms = kw.pop("arms", ("a", "b") if QUANTITIES[quantity].arms == "pair" else ())
    return Target("s", "x", kw.pop("endpoint", "pfs"), quantity, arms, kw.pop("value", 1.0), 2, "q", "src",
                  "calibrate", **kw)


# --------------------------------------------------------------------------- the registry
def test_registry_is_keyed_by_name_and_is_the_schemas():
    assert all(name == q.name for name, q in QUANTITIES.items())
    assert schema.QUANTITIES is QUANTITIES
    assert list(QUANTITIES)[:3] == ["n", "count", "median"]


@pytest.mark.parametrize("name", list(QUANTITIES))
def test_each_entry_is_complete(name):
    q = QUANTITIES[name]
    assert isinstance(q, Quantity) and q.statistic
    assert set(q.fields) <= QUANTITY_FIELDS
    assert not set(q.required) & set(q.allowed)
    assert callable(q.evaluate), "every quantity says how it is computed (or why it is not)"
    assert set(q.audit) <= set(audit.READINGS), "audit roles must name readings the audit has"
    assert q.kind != "date" or not q.fields
    assert q.part in PARTS


@pytest.mark.parametrize("statistic", sorted({q.statistic for q in QUANTITIES.values()}))
def test_confidence_limits_come_with_their_estimate(statistic):
    parts = [q.part for q in QUANTITIES.values() if q.statistic == statistic]
    if "low" in parts or "high" in parts:
        assert sorted(parts) == sorted(PARTS)


def test_every_audit_reading_is_taken_by_some_quantity():
    taken = {r for q in QUANTITIES.values() for r in q.audit}
    assert taken == set(audit.READINGS)


# --------------------------------------------------------------------------- the facts the loader asks
def test_arms_rules():
    assert QUANTITIES["hr"].arms_error(("a",)) == (
        "quantity 'hr' compares two arms; expected arms = [experimental, reference]."
    )
    assert QUANTITIES["hr"].arms_error(("a", "b")) is None
    assert QUANTITIES["median"].arms_error(("a", "b")) == (
        "quantity 'median' describes one arm or the whole study; expected 'arm' or none."
    )
    assert QUANTITIES["median"].arms_error(()) is None
    assert QUANTITIES["p_value"].arms_error(("a", "b", "c")) is None


@pytest.mark.parametrize(
    "name, value, scale, ok, words",
    [
        ("p_value", 1.5, None, False, "a p-value in [0, 1]"),
        ("p_value_bound", 0.05, None, True, "a p-value in [0, 1]"),
        ("hr", 0.0, None, False, "a ratio > 0"),
        ("allocation_ratio", 2.0, None, True, "a ratio > 0"),
        ("proportion", 101.0, "percent", False, "a percent in [0, 100]"),
        ("design_power", 0.8, "fraction", True, "a fraction in [0, 1]"),
        ("median", -1.0, None, False, "a number >= 0"),
    ],
)
def test_value_ranges(name, value, scale, ok, words):
    assert QUANTITIES[name].in_range(value, scale) == (ok, words)


def test_bounds_counts_and_scales():
    assert [n for n, q in QUANTITIES.items() if q.bound] == ["p_value_bound"]
    assert [n for n, q in QUANTITIES.items() if q.arm_size] == ["n"]
    assert [n for n, q in QUANTITIES.items() if q.patient_count] == ["n", "count"]
    assert [n for n, q in QUANTITIES.items() if q.default_scale] == ["design_power", "design_alpha"]
    assert QUANTITIES["survival_ci_high"].pick(0.5, 0.4, 0.6) == 0.6


def test_loader_reads_the_registry(tmp_path):
    """A field the quantity does not list is refused; one it requires must be there."""
    path = tmp_path / "r.toml"
    write_register(path, [target("s12", "survival_at", 50, decimals=0, scale="percent")])
    with pytest.raises(InputError, match=r"target 's12'.*quantity 'survival_at' needs field 'time'"):
        load_register(path)
    write_register(path, [target("m", "median", 5.0, decimals=1, time=12)])
    with pytest.raises(InputError, match=r"target 'm'.*field 'time' does not apply to quantity 'median'"):
        load_register(path)


# --------------------------------------------------------------------------- evaluation
def test_design_statements_are_not_computed(tmp_path):
    path = tmp_path / "d.toml"
    write_register(path, [target("power", "design_power", 0.8, decimals=1, endpoint="pfs"),
                          target("events", "design_events", 40, endpoint="pfs")])
    evs = evaluate_register(load_register(path))
    assert [(e.status, e.reason) for e in evs] == [("not attempted", DESIGN_REASON)] * 2
    assert [e.tolerance_rule for e in evs] == ["printed precision: rounds to 0.8 at 1 decimal", "exact count"]


# --------------------------------------------------------------------------- synthesis
@pytest.mark.parametrize("name", [n for n, q in QUANTITIES.items() if q.constraint is not None])
def test_constraints_are_ones_the_synthesizer_knows(name):
    kw = {"count_of": "evaluable", "endpoint": "on_therapy_6m"} if name == "count" else {}
    if QUANTITIES[name].bound:
        kw["comparator"] = ">"
    if QUANTITIES[name].statistic in ("survival", "rmst"):
        kw["time"] = 12.0
    if name == "p_value":
        kw["arms"] = ("a", "b")
    if name == "proportion":
        kw.update(endpoint="on_therapy_6m", numerator=4, denominator=10)
    made = QUANTITIES[name].constraint(_target(name, **kw))
    for c in made if name == "proportion" else (made,):
        assert isinstance(c, Calibration)
        assert c.quantity in CONSTRAINT_QUANTITIES
    if name == "proportion":  # its numerator and its denominator, counted at the landmark
        assert [(c.quantity, c.value, c.part, c.landmark) for c in made] == [
            ("remaining", 4.0, "numerator", 6.0), ("evaluable", 10.0, "denominator", 6.0)]
        assert QUANTITIES[name].constraint(_target(name, endpoint="response", numerator=4, denominator=10)) is None
        return
    if name == "survival_at":
        assert (c.quantity, c.landmark) == ("survival", 12.0)
    if name in ("survival_ci_low", "survival_ci_high", "rmst"):
        assert (c.quantity, c.landmark) == (name, 12.0)


def test_constraint_settings_default_as_r_does():
    med = QUANTITIES["median_ci_low"].constraint(_target("median_ci_low", method=(("ci_transform", "not reported"),)))
    assert (med.quantity, dict(med.settings)) == ("median_ci_low", {"conf_type": "log"})
    hr = QUANTITIES["hr"].constraint(_target("hr", method=(("ties", "breslow"),)))
    assert dict(hr.settings) == {"ties": "breslow"}
    fu = QUANTITIES["median_followup"].constraint(_target("median_followup", endpoint="followup"))
    assert (fu.endpoint, fu.fallback) == ("followup", "os")
    count = QUANTITIES["count"].constraint(_target("count", count_of="on_same_therapy", endpoint="on_therapy_1p5m"))
    assert (count.quantity, count.endpoint, count.landmark) == ("remaining", "on_therapy", 1.5)
    events = QUANTITIES["count"].constraint(_target("count", count_of="events"))
    assert (events.quantity, events.endpoint, events.landmark) == ("events", "pfs", None)
    assert QUANTITIES["count"].constraint(_target("count", count_of="responders")) is None
    assert QUANTITIES["n"].constraint is None and QUANTITIES["proportion_ci_low"].constraint is None
    low = QUANTITIES["survival_ci_low"].constraint(_target("survival_ci_low", time=12.0))
    assert dict(low.settings) == {"conf_type": "log"}  # R survfit's default
    p = QUANTITIES["p_value"].constraint(_target("p_value", arms=("a", "b")))
    assert dict(p.settings) == {"test": "logrank", "ties": "efron"}
    for test in ("score", "likelihood_ratio"):
        c = QUANTITIES["p_value"].constraint(_target("p_value", arms=("a", "b"), method=(("test", test),)))
        assert c.settings == (("test", test), ("ties", "efron"))
        assert QUANTITIES["p_value"].constraint(_target("p_value", method=(("test", test),))) is None  # k arms
    assert QUANTITIES["p_value"].constraint(
        _target("p_value", arms=("a", "b"), method=(("test", "logrank"), ("stratified", True)))) is None
    assert QUANTITIES["p_value"].constraint(_target("p_value", method=(("test", "wald"),))) is None  # k arms


def test_landmark_count_needs_a_landmark_name(tmp_path):
    path = tmp_path / "lm.toml"
    write_register(path, [
        target("n_a", "n", 5, arm="a", role="calibrate"), target("n_b", "n", 5, arm="b", role="calibrate"),
        target("start", "accrual_start", "2020-01", role="calibrate"),
        target("end", "accrual_end", "2020-06", role="calibrate"),
        target("ev", "count", 4, arm="a", count_of="evaluable", endpoint="on_therapy", role="calibrate"),
    ])
    with pytest.raises(InputError) as info:
        spec_from_register(load_register(path), endpoints=("pfs",))
    assert str(info.value) == (
        f"{path}: target 'ev': a landmark count needs an endpoint named <name>_<L><u> "
        "(L in the register's time unit, u its initial: on_therapy_6m, say); got 'on_therapy'."
    )


# --------------------------------------------------------------------------- n_at_risk
# on the hand-made cohort of test_evaluate, and on R's datasets against survfit
VALIDATION = Path(__file__).parent / "validation"
R_LANDMARKS = pd.read_csv(VALIDATION / "results" / "km_landmarks.csv", dtype={"group": str})
R_GROUP = {"lung": "sex", "veteran": "trt", "aml": "x", "ovarian": "rx"}


@pytest.mark.parametrize(
    "arm, time, expected",
    [
        ("a", 4, 4),     # arm a PFS 2, 4, 6, 8, 10: 4, 6, 8, 10 are at risk at 4
        ("a", 5, 3),     # between times: 6, 8, 10
        ("b", 9, 1),     # arm b: the patient censored at 9 is at risk at 9
        (None, 5, 6),    # both arms: 6, 8, 10 and 5, 7, 9
        (None, 0, 10),
        ("a", 12, 0),    # after the last time nobody is at risk
    ],
)
def test_n_at_risk_counts_the_risk_set(tmp_path, arm, time, expected):
    kw = {"arm": arm} if arm else {}
    ev = one(tmp_path, target("risk", "n_at_risk", expected, time=time, **kw))
    assert (ev.status, ev.reproduced, ev.tolerance_rule) == ("match", expected, "exact count")
    assert ("time", time, False) in ev.settings


def test_n_at_risk_miss_and_faults(tmp_path):
    ev = one(tmp_path, target("risk", "n_at_risk", 5, arm="a", time=4))
    assert (ev.status, ev.reason) == ("miss", "4 instead of 5")
    path = tmp_path / "bad.toml"
    write_register(path, [target("risk", "n_at_risk", 5, arm="a")])
    with pytest.raises(InputError, match=r"target 'risk'.*quantity 'n_at_risk' needs field 'time'"):
        load_register(path)
    write_register(path, [target("risk", "n_at_risk", 5.5, arm="a", time=4, quote="5.5")])
    with pytest.raises(InputError, match=r"target 'risk'.*whole number"):
        load_register(path)
    write_register(path, [target("risk", "n_at_risk", 5, arms=["a", "b"], time=4)])
    with pytest.raises(InputError, match=r"target 'risk'.*describes one arm or the whole study"):
        load_register(path)


@pytest.mark.parametrize("dataset", sorted(R_GROUP))
def test_n_at_risk_matches_r(tmp_path, dataset):
    # R: summary(survfit(Surv(time, event) ~ 1, data = dd), times = landmarks, extend = TRUE)$n.risk
    data = pd.read_csv(VALIDATION / "data" / f"{dataset}.csv")
    groups = sorted(data[R_GROUP[dataset]].astype(str).unique())
    arm_id = {g: f"g{i}" for i, g in enumerate(groups)}
    frame = pd.DataFrame({"arm": data[R_GROUP[dataset]].astype(str).map(arm_id),
                          "t": data["time"], "e": data["event"]})
    rows = R_LANDMARKS[(R_LANDMARKS.dataset == dataset) & (R_LANDMARKS.conf_type == "log")]
    targets = [target(f"risk_{i}", "n_at_risk", int(r.n_at_risk), arm=arm_id[r.group], time=float(r.time))
               for i, r in enumerate(rows.itertuples())]
    study = {"id": dataset, "title": dataset, "citation": "R survival", "doi": "none", "time_unit": "days",
             "design": "cohort", "sources": ["example_source.txt"],
             "arms": [{"id": a, "label": g} for g, a in arm_id.items()], "data": "R's dataset."}
    path = tmp_path / f"{dataset}.toml"
    write_register(path, targets, study=study)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f'\n[analysis]\nipd = "{dataset}/{dataset}.csv"\nipd_kind = "ipd"\narm_column = "arm"\n'
                 '\n[analysis.endpoints.pfs]\ntime = "t"\nevent = "e"\n')
    evs = evaluate_register(load_register(path), frame)
    assert len(evs) == len(rows) > 0
    assert [e.reproduced for e in evs] == [int(x) for x in rows.n_at_risk]
    assert {e.status for e in evs} == {"match"}
