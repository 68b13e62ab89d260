"""The EXTEND breast-basket exhibits (analyses/extend_breast/): scripts run end to end, the
figures are deterministic, and what they print is what the engine computes from the data
the report uses (survrepro.register.evaluate.load_study_data)."""
from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survrepro import paths
from survrepro._validation import InputError
from survrepro.engine.cox import hazard_ratio, ph_test
from survrepro.engine.logrank import logrank_test
from survrepro.register.evaluate import load_study_data
from survrepro.engine.km import kaplan_meier
from survrepro.report.exhibits import run as run_exhibit
from survrepro.report.plotting import SYNTHETIC_NOTE
from survrepro.engine.rmst import rmst
from survrepro.register.schema import load_register

pytestmark = pytest.mark.slow  # runs the exhibit scripts

HERE = paths.ANALYSES / "extend_breast"
FIGURES = ("fig2a_pfs", "fig2b_swimmer", "fig3b_os", "fig3c_ttnt", "fig3d_new_lesion")
KM_PANELS = ("fig2a_pfs", "fig3b_os", "fig3c_ttnt", "fig3d_new_lesion")


@pytest.fixture(scope="module")
def mods(exhibits):
    """The scripts and their shared module, imported from their files through the exhibit runner."""
    out = {name: exhibits.module(f"extend_breast/{name}") for name in (*FIGURES, "ph_rmst")}
    out["_extend_breast"] = sys.modules["_extend_breast"]
    return out


@pytest.fixture(scope="module")
def register():
    return load_register("extend_breast")


@pytest.fixture(scope="module")
def study(register):
    return load_study_data(register)


@pytest.fixture(scope="module")
def written(exhibits):
    """Every script run once (the session's runs): script name -> its run."""
    runs = {name: exhibits.run(f"extend_breast/{name}") for name in (*FIGURES, "ph_rmst")}
    for run in runs.values():
        assert run.code == 0, run.err
    return runs


def _row(csv: pd.DataFrame, quantity: str, arm: str) -> pd.Series:
    rows = csv[(csv["quantity"] == quantity) & (csv["arm"] == arm)]
    assert len(rows) == 1, (quantity, arm)
    return rows.iloc[0]


def _texts(ax, gid):
    return [t.get_text() for t in ax.texts if t.get_gid() == gid]


# --------------------------------------------------------------------------- end to end
def test_scripts_write_every_output_and_say_so(written):
    for name in FIGURES:
        png = written[name].folder / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        lines = written[name].out.strip().splitlines()
        assert len(lines) == 1 and str(png) in lines[0]
    folder = written["ph_rmst"].folder / "sections"
    assert (folder / "20_ph_rmst.md").stat().st_size > 0
    assert (folder / "20_ph_rmst.csv").stat().st_size > 0
    assert written["ph_rmst"].out.count("\n") == 1


@pytest.mark.committed_figure
def test_figures_are_the_committed_ones(exhibits, written):
    """Drawn from the committed data, each figure is byte-identical to the one under figures/."""
    for name in FIGURES:
        exhibits.assert_same_as_committed(written[name], {f"{name}.png": paths.FIGURES / "extend_breast" / f"{name}.png"})


def test_section_and_table_are_byte_identical_on_a_rerun(exhibits):
    assert exhibits.assert_deterministic("extend_breast/ph_rmst") == [Path("sections/20_ph_rmst.csv"),
                                                                     Path("sections/20_ph_rmst.md")]


def test_default_outputs_come_from_paths(mods):
    ap = mods["_extend_breast"].parser("x", paths.study_figures("extend_breast") / "fig2a_pfs.png")
    args = ap.parse_args([])
    assert args.out == str(paths.FIGURES / "extend_breast" / "fig2a_pfs.png")
    assert args.register == str(paths.PUBLISHED / "extend_breast.toml")


def test_bad_output_suffix_is_one_sentence_and_exit_2(exhibits, tmp_path, capsys):
    assert run_exhibit(exhibits.path("extend_breast/fig3c_ttnt"), ["--out", str(tmp_path / "x.out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "x.out" in err and ".png" in err
    assert not list(tmp_path.iterdir())


# --------------------------------------------------------------------------- what the figures print
@pytest.mark.parametrize("name", KM_PANELS)
def test_annotation_is_what_the_engine_computes_from_the_same_data(mods, register, study, name):
    common = mods["_extend_breast"]
    panel = common.PANELS[name]
    ed = common.load(register, panel.endpoint, study)
    ax, _ = common.km_figure(register, panel, ed)
    (text,) = _texts(ax, "annotation")
    m = re.fullmatch(r"HR (\d+\.\d\d) \(95% CI (\d+\.\d\d)\u2013(\d+\.\d\d)\)\nLog-rank P ([=<>]) (\.\d+)", text)
    assert m, text
    # Independently: the endpoint's frame as the report's loader gives it, the register's direction and test.
    frame = study.endpoints[panel.endpoint].frame
    hr_target = register.by_id("pfs_hr")
    experimental, reference = hr_target.arms
    assert hr_target.settings["ties"] == "efron"
    hr = hazard_ratio(frame["time"], frame["event"], frame["arm"], reference=reference, ties="efron")
    assert hr.level == experimental
    p_target = register.select(endpoint=panel.endpoint, quantity="p_value") or register.select(
        endpoint=panel.endpoint, quantity="p_value_bound")
    assert p_target[0].settings["test"] == "logrank"
    p = logrank_test(frame["time"], frame["event"], frame["arm"]).pvalue
    for printed, value in zip(m.groups()[:3], (hr.hr, *hr.hr_ci)):
        assert abs(float(printed) - value) <= 0.005 + 1e-12, (printed, value)
    if m.group(4) == "=":
        digits = len(m.group(5)) - 1
        assert abs(float(m.group(5)) - p) <= 0.5 * 10**-digits + 1e-12
    elif m.group(4) == "<":
        assert p < float(m.group(5))
    else:
        assert p > float(m.group(5))


def test_fig2a_legend_medians_are_the_km_medians(mods, register, study):
    common = mods["_extend_breast"]
    ed = common.load(register, "pfs", study)
    ax, _ = common.km_figure(register, common.PANELS["fig2a_pfs"], ed)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    frame = study.endpoints["pfs"].frame
    for arm in register.study.arms:
        m = frame["arm"] == arm.id
        km = kaplan_meier(frame["time"][m], frame["event"][m])
        shown = "NR" if km.median is None else f"{km.median:.1f}"
        assert f"{arm.label} (n={int(m.sum())}): median {shown}" in legend
    risk = [int(t.get_text()) for t in ax.texts if t.get_gid() == f"at-risk:{register.study.arms[0].label}"]
    assert risk[0] == int((frame["arm"] == register.study.arms[0].id).sum())


@pytest.mark.parametrize("name", KM_PANELS)
def test_footnote_says_synthetic_when_the_data_are(mods, register, study, name):
    common = mods["_extend_breast"]
    panel = common.PANELS[name]
    ed = common.load(register, panel.endpoint, study)
    ax, _ = common.km_figure(register, panel, ed)
    (note,) = _texts(ax, "footnote")
    synthetic = "SYNTHETIC" in study.endpoints[panel.endpoint].source.upper()
    assert ("Synthetic" in note) == synthetic
    if synthetic:
        assert note.startswith(SYNTHETIC_NOTE)
        assert "Calibrated to the published" in note and "15.6/24.9" in note.replace("\n", " ")
    if name != "fig2a_pfs" and synthetic:
        assert '"all P > .05"' in note.replace("\n", " ")


def test_swimmer_footnote_and_bars(mods, register, study):
    common = mods["_extend_breast"]
    ed = common.load(register, "pfs", study)
    ax = common.swimmer_figure(register, ed)
    bars = [p for p in ax.patches if p.get_gid() == "swimmer-bar"]
    assert sorted(round(b.get_width(), 6) for b in bars) == sorted(round(t, 6) for t in ed.data["time"])
    (note,) = _texts(ax, "footnote")
    assert ("Synthetic" in note) == ed.synthetic


def test_footnote_names_the_source_for_reconstructed_and_real_data(mods, register, study):
    common = mods["_extend_breast"]
    ed = common.load(register, "pfs", study)
    panel = common.PANELS["fig2a_pfs"]
    comp = common.compare(register, ed)
    rec = common.EndpointData("pfs", ed.data, "reconstructed",
                              "SYNTHETIC reconstructed from digitized Fig 2A (extend_breast/fig2a_pfs_curves.csv)", True)
    note = common.footnote(register, rec, panel, comp).replace("\n", " ")
    assert note.startswith(SYNTHETIC_NOTE) and "reconstructed from digitized Fig 2A" in note
    real = common.EndpointData("pfs", ed.data, "ipd", "patient-level data (trial.csv)", False)
    note = common.footnote(register, real, panel, comp)
    assert "Synthetic" not in note and "trial.csv" in note


def test_legend_and_hr_box_avoid_the_curves(mods, register, study):
    common = mods["_extend_breast"]
    for name in KM_PANELS:
        panel = common.PANELS[name]
        ax, _ = common.km_figure(register, panel, common.load(register, panel.endpoint, study))
        assert common._covered(ax) == 0, name


@pytest.mark.parametrize(
    "p, text",
    [(0.86, "P = .86"), (0.8649, "P = .86"), (0.004, "P = .004"), (0.0004, "P < .001"), (0.996, "P > .99"),
     (0.0496, "P = .050"), (0.0449, "P = .04"), (0.05, "P = .05"), (0.125, "P = .13")],
)
def test_format_p(mods, p, text):
    assert mods["_extend_breast"].format_p(p) == text


def test_loader_rejects_an_unmapped_endpoint(mods, register, study):
    with pytest.raises(InputError, match="'dfs'"):
        mods["_extend_breast"].load(register, "dfs", study)


# --------------------------------------------------------------------------- PH check and RMST
@pytest.fixture(scope="module")
def section(written):
    folder = written["ph_rmst"].folder / "sections"
    return (folder / "20_ph_rmst.md").read_text(), pd.read_csv(folder / "20_ph_rmst.csv")


def test_ph_rmst_numbers_are_the_engine_on_the_report_data(register, study, section):
    _, csv = section
    frame = study.endpoints["pfs"].frame
    experimental, reference = register.by_id("pfs_hr").arms
    last = frame.groupby("arm")["time"].max()
    tau = float(csv.loc[csv["quantity"] == "rmst", "tau"].iloc[0])
    assert tau == math.floor(last.min()) and 0 < tau <= last.min()
    r = rmst(frame["time"], frame["event"], frame["arm"], tau=tau, reference=reference)
    for arm, est, se in zip(r.levels, r.estimate, r.se):
        assert _row(csv, "rmst", arm)["estimate"] == pytest.approx(est, rel=1e-12)
        assert _row(csv, "rmst", arm)["se"] == pytest.approx(se, rel=1e-12)
    diff = r.contrasts().set_index("level").loc[experimental]
    assert _row(csv, "rmst_difference", f"{experimental}-{reference}")["estimate"] == pytest.approx(diff["difference"])
    ph = ph_test(frame["time"], frame["event"], frame["arm"], reference=reference, transform="km")
    row = _row(csv, "ph_test_chisq", f"{experimental}-{reference}")
    assert row["estimate"] == pytest.approx(ph.statistic, rel=1e-12) and row["p"] == pytest.approx(ph.pvalue, rel=1e-12)
    assert set(csv["data_source"]) == {study.endpoints["pfs"].source}


def test_ph_rmst_section_prints_the_csv_numbers(section, register):
    md, csv = section
    assert md.startswith("### PFS: proportional hazards and restricted mean survival time")
    experimental, reference = register.by_id("pfs_hr").arms
    diff = _row(csv, "rmst_difference", f"{experimental}-{reference}")
    shown = f"{diff['estimate']:.1f}".replace("-", "\u2212")
    assert f"| {shown} (" in md
    for arm in (experimental, reference):
        assert f"| {_row(csv, 'rmst', arm)['estimate']:.1f} (" in md
        assert f"| {_row(csv, 'median', arm)['estimate']:.1f} (" in md
    hr = _row(csv, "hr", f"{experimental}/{reference}")["estimate"]
    assert f"{hr:.2f} (95% CI" in md
    body = md.split("\n\n")[-1]
    assert 3 <= body.count(". ") + 1 <= 6  # a few sentences of interpretation
    if "SYNTHETIC" in md.split("\n")[2]:
        assert "SYNTHETIC" in body


def test_ph_rmst_crossings_are_sign_changes(mods):
    ph = mods["ph_rmst"]
    a = kaplan_meier([2, 4, 6, 8, 10], [1, 1, 1, 1, 1])  # S: .8 at 2, .6 at 4, .4 at 6, ...
    b = kaplan_meier([1, 5, 9, 11, 12], [1, 1, 1, 1, 0])  # S: .8 at 1, .6 at 5, .4 at 9, .2 at 11
    # S_a - S_b is +.2 at 1, 0 at 2 (a tie is no crossing), -.2 at 4 and stays <= 0 afterwards.
    assert ph.crossings(a, b, 20.0) == [4.0]
    assert ph.crossings(a, b, 3.0) == []


def test_ph_rmst_rejects_tau_beyond_follow_up(mods, tmp_path):
    with pytest.raises(InputError, match="--tau"):
        mods["ph_rmst"].main(["--out", str(tmp_path / "s.md"), "--tau", "500"])
    assert not list(tmp_path.iterdir())
