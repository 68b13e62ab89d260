"""The published-target register: loading, validation messages and the matching rule."""
from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survrepro import InputError
from survrepro.register.schema import (
    QUANTITIES,
    Target,
    list_studies,
    load_register,
    matches,
    printed_interval,
    round_half_away,
)

# --------------------------------------------------------------------------- small invented registers
# (also used by test_audit.py)

def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


STUDY = {
    "id": "example_study",
    "title": "An invented two-arm study",
    "citation": "Invented A. J Example 2024;1:1-2.",
    "doi": "10.0000/example",
    "time_unit": "months",
    "design": "randomized",
    "sources": ["example_source.txt"],
    "arms": [{"id": "a", "label": "Arm A"}, {"id": "b", "label": "Arm B"}],
    "data": "Invented numbers for tests.",
}


def target(id, quantity, value, quote=None, **kw) -> dict:
    """A target entry with sensible defaults; the quote shows the value unless given."""
    t = {"id": id, "endpoint": kw.pop("endpoint", "pfs"), "quantity": quantity, "value": value}
    t.update(kw)
    if quote is None:
        shown = f"{value:.{kw['decimals']}f}" if "decimals" in kw and isinstance(value, float) else value
        quote = f"The number was {shown}."
    t.setdefault("quote", quote)
    t.setdefault("source", "example_source.txt")
    t.setdefault("role", "check")
    return t


def write_register(path, targets, study=None) -> str:
    """Write a register TOML file and return its text."""
    study = dict(STUDY if study is None else study)
    lines = ["[study]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in study.items()]
    for t in targets:
        lines += ["", "[[target]]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in t.items()]
    text = "\n".join(lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return text


# --------------------------------------------------------------------------- the real registers


@pytest.mark.parametrize("study", ["extend_breast", "levee2025"])
def test_real_registers_load(study):
    reg = load_register(study)
    assert reg.study.id == study
    assert len({t.id for t in reg.targets}) == len(reg.targets)
    assert {t.role for t in reg.targets} == {"calibrate", "check"}
    frame = reg.to_frame()
    assert list(frame["id"]) == [t.id for t in reg.targets]
    assert {"value", "decimals", "role", "quote", "source", "method"} <= set(frame.columns)
    assert study in list_studies()
    assert reg._repr_html_().startswith("<p>")


def test_extend_register_arms_and_roles():
    reg = load_register("extend_breast")
    assert [(a.id, a.n) for a in reg.study.arms] == [("mdt", 22), ("soc", 21)]
    assert reg.study.n == 43
    assert reg.by_id("pfs_hr").arms == ("mdt", "soc")
    assert reg.by_id("pfs_hr").assumed
    assert reg.by_id("pfs_p").role == "check"
    assert all(t.role == "calibrate" for t in reg.select(quantity="n"))
    assert reg.by_id("os_p_bound").printed == "> 0.05"


def test_levee_register_resolves_count_references():
    reg = load_register("levee2025")
    pct = reg.by_id("on_therapy_6m_pct_her2_pos")
    assert (pct.numerator, pct.denominator) == (5, 9)
    assert pct.numerator_ref == "on_therapy_6m_her2_pos"
    assert pct.printed == "56%"
    assert [a.n for a in reg.study.arms] == [36, 10, 6]
    assert reg.with_role("calibrate") and all(t.role == "calibrate" for t in reg.with_role("calibrate"))


def test_path_to_register_is_accepted(tmp_path):
    path = tmp_path / "ex.toml"
    write_register(path, [target("hr", "hr", 0.8, arms=["a", "b"], decimals=2)])
    reg = load_register(path)
    assert reg.study.id == "example_study"
    assert reg.by_id("hr").value == 0.8
    with pytest.raises(InputError, match="no target with id 'nope'"):
        reg.by_id("nope")


def test_unknown_study_names_the_known_ones():
    with pytest.raises(InputError, match=r"unknown study 'no_such_study'.*extend_breast"):
        load_register("no_such_study")


# --------------------------------------------------------------------------- validation faults
GOOD = [
    target("n_a", "n", 20, arm="a", role="calibrate"),
    target("n_b", "n", 10, arm="b", role="calibrate"),
    target("resp_a", "count", 5, arm="a", count_of="responders"),
    target("pct_a", "proportion", 25, decimals=0, scale="percent", numerator="resp_a", denominator="n_a",
           arm="a", quote="5 of 20 (25%) responded."),
    target("hr", "hr", 0.8, arms=["a", "b"], decimals=2),
    target("p_os", "p_value_bound", 0.05, arms=["a", "b"], decimals=2, comparator=">", endpoint="os",
           quote="all P > .05"),
]


def _with(i, **changes):
    ts = [dict(t) for t in GOOD]
    for k, v in changes.items():
        if v is None:
            ts[i].pop(k, None)
        else:
            ts[i][k] = v
    return ts


FAULTS = [
    ("missing quote", _with(4, quote=None), r"target 'hr' \(entry 5\): missing field 'quote'"),
    ("unknown quantity", _with(4, quantity="odds_ratio"), r"target 'hr' \(entry 5\): unknown quantity 'odds_ratio'"),
    ("duplicate id", _with(4, id="n_a"), r"target 'n_a' \(entry 5\): duplicate id"),
    ("tolerance without reason", _with(4, tolerance=0.02), r"target 'hr'.*tolerance is given without tolerance_reason"),
    ("reason without tolerance", _with(4, tolerance_reason="because"), r"target 'hr'.*tolerance_reason is given without a tolerance"),
    ("tolerance narrower than printing", _with(4, tolerance=0.001, tolerance_reason="x"), r"target 'hr'.*narrower than the printed precision"),
    ("bad role", _with(4, role="calibration"), r"target 'hr'.*role must be 'calibrate' or 'check'; got 'calibration'"),
    ("proportion without numerator", _with(3, numerator=None), r"target 'pct_a'.*needs field 'numerator'"),
    ("numerator names a missing target", _with(3, numerator="resp_x"), r"target 'pct_a'.*numerator names target 'resp_x'"),
    ("numerator names a non-count", _with(3, numerator="hr"), r"target 'pct_a'.*expected an 'n' or 'count' target"),
    ("unknown arm", _with(0, arm="c"), r"target 'n_a'.*arm 'c' is not an arm of the study"),
    ("hr with one arm", _with(4, arms=None, arm="a"), r"target 'hr'.*compares two arms"),
    ("arm and arms", _with(4, arm="a"), r"target 'hr'.*either 'arm'.*not both"),
    ("decimals missing", _with(4, decimals=None), r"target 'hr'.*missing field 'decimals'"),
    ("value not in quote", _with(4, quote="The hazard ratio was 0.81."), r"target 'hr'.*value as printed \(0.80\) does not appear in the quote"),
    ("unknown field", _with(4, decimal=2), r"target 'hr'.*unknown field 'decimal'"),
    ("source not listed", _with(4, source="other.txt"), r"target 'hr'.*source 'other.txt' is not among the study's sources"),
    ("bound without comparator", _with(5, comparator=None), r"target 'p_os'.*needs field 'comparator'"),
    ("field of another quantity", _with(4, scale="percent"), r"target 'hr'.*field 'scale' does not apply to quantity 'hr'"),
    ("assumed without note", _with(4, method={"ties": "efron", "assumed": True}), r"target 'hr'.*no note"),
    ("unknown method setting", _with(4, method={"tie": "efron"}), r"target 'hr'.*unknown method setting 'tie'"),
    ("bad ci transform", _with(4, method={"ci_transform": "arcsine"}), r"target 'hr'.*ci_transform must be one of"),
    ("count not whole", _with(2, value=5.5, quote="5.5"), r"target 'resp_a'.*whole number"),
    ("p-value out of range", _with(5, quantity="p_value", comparator=None, value=1.5, decimals=1, quote="P = 1.5"), r"target 'p_os'.*out of range"),
    ("bad id", _with(4, id="Hazard Ratio"), r"target 5: id must be snake_case"),
    ("bad date", [target("start", "accrual_start", "Sept 2018")], r"target 'start'.*'YYYY-MM'"),
    ("not reached written otherwise", [target("m", "median", "not reached", quote="median not reached")],
     r"target 'm'.*a number, or \"NR\" for a median or limit not reached; got 'not reached'"),
    ("NR the quote does not show", [target("m", "median", "NR", quote="median 12.1 months")],
     r"target 'm'.*the value is NR but the quote says nothing is not reached"),
    ("NR with a tolerance", [target("m", "median", "NR", quote="median NR", tolerance=1.0, tolerance_reason="x")],
     r"target 'm'.*not reached \(NR\) takes no tolerance"),
    ("NR for a hazard ratio", _with(4, value="NR", quote="HR NR"), r"target 'hr'.*field 'value' must be a finite number"),
]


@pytest.mark.parametrize("quote", ["median OS was not reached (95% CI, 25.3-NR)", "NE (95% CI 12.1-NE)",
                                   "the median had not yet been reached"])
def test_a_median_not_reached_loads_as_nr(tmp_path, quote):
    path = tmp_path / "nr.toml"
    write_register(path, [target("m", "median", "NR", quote=quote, arm="a"),
                          target("m_high", "median_ci_high", "NR", quote=quote, arm="a")])
    reg = load_register(path)
    for t in reg.targets:
        assert t.not_reached and t.printed == "NR" and t.decimals is None
    assert reg.to_frame()["value"].tolist() == [float("inf")] * 2


@pytest.mark.parametrize("case, targets, message", FAULTS, ids=[f[0] for f in FAULTS])
def test_loader_names_file_and_entry(tmp_path, case, targets, message):
    path = tmp_path / "bad.toml"
    write_register(path, targets)
    with pytest.raises(InputError, match=message) as info:
        load_register(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_good_register_passes(tmp_path):
    path = tmp_path / "good.toml"
    write_register(path, GOOD)
    reg = load_register(path)
    assert reg.by_id("pct_a").numerator == 5
    assert reg.study.arm("a").n == 20


@pytest.mark.parametrize(
    "study_change, message",
    [
        ({"design": "rct"}, r"\[study\]: design must be one of"),
        ({"arms": [{"id": "a", "label": "A"}, {"id": "a", "label": "B"}]}, r"arm 'a'.*duplicate arm id"),
        ({"arms": [{"id": "a", "label": "A", "n": 21}, {"id": "b", "label": "B"}]}, r"arm 'a'.*n = 21 in \[study\] but target 'n_a' says 20"),
        ({"doi": None}, r"\[study\]: missing field 'doi'"),
    ],
)
def test_study_faults(tmp_path, study_change, message):
    study = dict(STUDY)
    for k, v in study_change.items():
        if v is None:
            study.pop(k)
        else:
            study[k] = v
    path = tmp_path / "bad_study.toml"
    write_register(path, GOOD, study=study)
    with pytest.raises(InputError, match=message):
        load_register(path)


def test_malformed_toml(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[study\nid = 1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken.toml: is not valid TOML"):
        load_register(path)


def test_no_targets(tmp_path):
    path = tmp_path / "empty.toml"
    write_register(path, [])
    with pytest.raises(InputError, match=r"empty.toml: top level: expected one or more \[\[target\]\] entries"):
        load_register(path)


def test_every_quantity_is_documented():
    from survrepro import paths

    readme = (paths.PUBLISHED / "README.md").read_text(encoding="utf-8")
    for q in QUANTITIES:
        assert f"`{q}`" in readme, q


# --------------------------------------------------------------------------- matching
def _t(value, decimals, **kw):
    return Target("s", "x", "pfs", kw.pop("quantity", "median"), kw.pop("arms", ()), value, decimals,
                  "q", "src", "check", **kw)


@pytest.mark.parametrize(
    "published, decimals, reproduced, expected",
    [
        (15.6, 1, 15.64, True),
        (15.6, 1, 15.55, True),   # half rounds away from zero
        (15.6, 1, 15.65, False),  # ... so 15.65 prints as 15.7
        (15.6, 1, 15.549, False),
        (0.13, 2, 0.125, True),   # 0.125 is exact in binary: half away from zero
        (-0.13, 2, -0.125, True),
        (2.68, 2, 2.675, True),   # 2.675 is 2.67499999... in binary; printed as 2.68
        (0.3, 2, 0.1 + 0.2, True),
        (0.86, 2, 0.8524, False),
        (0.85, 2, 0.8524, True),
        (22, 0, 22.0, True),
        (22, 0, 21.5, True),
        (22, 0, 22.5, False),
    ],
)
def test_rounding_rule(published, decimals, reproduced, expected):
    ok, diff = matches(_t(published, decimals), reproduced)
    assert ok is expected
    assert diff == pytest.approx(reproduced - published)


def test_round_half_away_and_interval():
    assert round_half_away(0.125, 2) == 0.13
    assert round_half_away(-0.125, 2) == -0.13
    assert round_half_away(1.005, 2) == 1.01
    assert round_half_away(0.5, 0) == 1.0 and round_half_away(-0.5, 0) == -1.0
    assert printed_interval(15.6, 1) == pytest.approx((15.55, 15.65))


def test_tolerance_replaces_rounding():
    t = _t(15.6, 1, tolerance=0.2, tolerance_reason="read off a figure")
    assert matches(t, 15.79)[0]
    assert not matches(t, 15.81)[0]


@pytest.mark.parametrize(
    "comparator, reproduced, expected",
    [(">", 0.051, True), (">", 0.05, False), (">=", 0.05, True), ("<", 0.049, True), ("<=", 0.051, False)],
)
def test_p_value_bound(comparator, reproduced, expected):
    t = _t(0.05, 2, quantity="p_value_bound", comparator=comparator)
    assert matches(t, reproduced)[0] is expected


def test_dates_match_at_written_precision():
    t = _t("2018-09", None, quantity="accrual_start")
    assert matches(t, "2018-09-30") == (True, 0.0)
    assert matches(t, dt.date(2018, 10, 1)) == (False, 1.0)
    assert matches(t, "September") [0] is False


def test_dates_printed_to_the_day_differ_in_days():
    t = _t("2018-09-03", None, quantity="accrual_start")
    assert matches(t, "2018-09-03") == (True, 0.0)
    assert matches(t, dt.date(2018, 9, 1)) == (False, -2.0)
    assert matches(t, "2018-10-03") == (False, 30.0)


@pytest.mark.parametrize("unit, endpoint, loads", [
    ("months", "on_therapy_6m", True), ("days", "on_therapy_180d", True), ("years", "os_1p5y", True),
    ("days", "on_therapy_6m", False), ("months", "os_2y", False), ("weeks", "os_26m", False),
])
def test_a_landmark_name_says_the_register_unit(tmp_path, unit, endpoint, loads):
    path = tmp_path / "landmark.toml"
    write_register(path, [target("n_a", "n", 20, arm="a"),
                          target("ev_a", "count", 4, arm="a", count_of="evaluable", endpoint=endpoint)],
                   study={**STUDY, "time_unit": unit})
    if loads:
        assert load_register(path).by_id("ev_a").endpoint == endpoint
        return
    with pytest.raises(InputError, match=rf"landmark.toml: target 'ev_a' \(entry 2\): endpoint '{endpoint}' names "
                                         rf"a landmark in \w+ but the register's times are in {unit}; name it "
                                         rf"\w+_<L>{unit[0]} with L in {unit}\.") as info:
        load_register(path)
    assert "\n" not in str(info.value)


def test_nothing_reproduced():
    ok, diff = matches(_t(15.6, 1), None)
    assert not ok and math.isnan(diff)
    assert not matches(_t(15.6, 1), float("nan"))[0]
    assert not matches(_t(15.6, 1), "abc")[0]


def test_percent_scale_compares_percentages():
    t = _t(60, 0, quantity="proportion", scale="percent", numerator=28, denominator=47)
    assert t.scale_factor == 100
    assert matches(t, 100 * 28 / 47)[0]
    assert not matches(t, 28 / 47)[0]


@settings(max_examples=60, deadline=None)
@given(st.integers(-10**6, 10**6), st.integers(0, 4), st.floats(0.0, 0.499))
def test_rounding_property(units, decimals, frac):
    """A value within less than half a printed unit matches; beyond half a unit it does not."""
    step = 10.0 ** -decimals
    published = round(units * step, decimals)
    t = _t(published, decimals)
    assert matches(t, published + frac * step)[0]
    assert matches(t, published - frac * step)[0]
    assert not matches(t, published + (0.501 + frac) * step)[0]
    assert not matches(t, published - (0.501 + frac) * step)[0]
