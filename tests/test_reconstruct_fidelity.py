"""Fidelity of a reconstruction: the measures, the median rule, the notes for every forced
choice, the draws and the fit figure. Every curve here is SYNTHETIC, written in the test."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from survrepro.cli import main
from survrepro.engine.cox import hazard_ratio
from survrepro.engine.logrank import logrank_test
from survrepro.errors import InputError
from survrepro.sources.reconstruct import clean_curve, reconstruct, reconstruct_arm
from survrepro.sources.reconstruct.clean import estimate_resolution


def plateau_curve():
    """SYNTHETIC: 60 patients; the digitized curve falls in steps of 1/60 to 0.5 at 24.35,
    hovers at 0.5 within the noise (clicks 0.5004 then 0.4991 at 24.6, 0.4993 at 29) and
    falls again from 29 on."""
    rng = np.random.default_rng(5)
    ev_t = np.sort(rng.uniform(1, 24, 29))
    xs, ys, prev = [0.0], [1.0], 1.0
    for t_, s_ in zip(np.append(ev_t, 24.35), 1 - np.arange(1, 31) / 60):
        xs += [t_, t_]
        ys += [prev, s_]
        prev = s_
    xs += [24.6, 24.6, 29.0]
    ys += [0.5004, 0.4991, 0.4993]
    level = 0.4993
    for t_ in [29.0, 31, 34, 37, 40, 44]:
        if t_ != 29.0:
            xs.append(t_)
            ys.append(level)
        level -= 0.04
        xs.append(t_)
        ys.append(level)
    xs.append(48.0)
    ys.append(level)
    return np.array(xs), np.array(ys), [0, 12, 24, 36, 48], [60, 45, 31, 20, 12]


@pytest.mark.parametrize("method", ["auto", "dp", "exact", "guyot"])
def test_median_rule_on_a_plateau_at_half_within_noise(method):
    xs, ys, tab_t, tab_n = plateau_curve()
    arm = reconstruct_arm(xs, ys, tab_t, tab_n, method=method)
    # the clicks cross 0.5 at the drop of 24.35-24.6 (its corners are dated at their mean)
    assert arm.median_digitized == pytest.approx(24.475)
    assert arm.median_reconstructed is not None
    assert abs(arm.median_reconstructed - arm.median_digitized) <= arm.median_tolerance
    assert arm.median_tolerance < 0.5  # the digitizing resolution, not a month
    if method != "guyot":  # the published algorithm does not meet every number at risk
        np.testing.assert_array_equal(arm.at_risk_reconstructed, tab_n)


def test_median_rule_moves_the_median_of_guyot_from_29_with_a_note():
    xs, ys, tab_t, tab_n = plateau_curve()
    arm = reconstruct_arm(xs, ys, tab_t, tab_n, method="guyot")
    note = next(x for x in arm.notes if "reconstructed median was" in x)
    assert note.startswith("the reconstructed median was 29 where the digitized curve crosses 0.5 at 24.475")
    fit = arm.fidelity()["median"]
    assert fit["digitized"] == pytest.approx(24.475) and fit["reconstructed"] == pytest.approx(24.475)


def test_median_rule_keeps_a_small_arm_on_its_clicks():
    """SYNTHETIC: 11 patients, one censored between 26.8 and 31 that the exact method
    spreads to 40.2, so its curve sits at 0.511 where the clicks cross 0.5 at 31. Moving
    the event of 34 to 31 would put the curve at 0.41 there (a step of 0.1, many times the
    noise): the patients stay and a note says why."""
    t = [0, 9, 9, 13, 13, 18, 18, 23, 23, 31, 31, 34, 34, 48, 48, 60]
    s = [1, 1, 0.912, 0.909, 0.814, 0.817, 0.716, 0.717, 0.611, 0.61, 0.492, 0.49, 0.369, 0.37, 0.179, 0.185]
    arm = reconstruct_arm(t, s, [0, 26.8, 53.6], [11, 6, 1], method="exact")
    assert arm.median_digitized == 31.0 and arm.median_reconstructed == 34.0
    note = next(x for x in arm.notes if "differs from the digitized curve's 0.5 crossing" in x)
    assert "would take the reconstruction off the clicks" in note
    assert arm.event[arm.time == 31.0].sum() == 1 and arm.event[arm.time == 34.0].sum() == 2
    assert arm.max_abs_error < 0.07  # the event moved to 31 would make it 0.083
    np.testing.assert_array_equal(arm.at_risk_reconstructed, [11, 6, 1])


def test_median_unchanged_when_the_curve_is_clear_of_half():
    t = [0, 2, 2, 5, 5, 8, 8, 12]
    s = [1, 1, 0.8, 0.8, 0.4, 0.4, 0.2, 0.2]
    arm = reconstruct_arm(t, s, [0, 6], [10, 4])
    assert arm.median_digitized == 5.0 and arm.median_reconstructed == 5.0
    assert not any("median" in x for x in arm.notes)


def two_arm():
    """SYNTHETIC two-arm curve and risk table."""
    curve = pd.DataFrame({
        "time": [0, 2, 2, 5, 5, 8, 8, 12, 0, 3, 3, 6, 6, 10, 10, 12],
        "survival": [1, 1, 0.9, 0.9, 0.7, 0.7, 0.5, 0.5, 1, 1, 0.85, 0.85, 0.7, 0.7, 0.6, 0.6],
        "arm": ["A"] * 8 + ["B"] * 8,
    })
    table = pd.DataFrame({"time": [0, 6, 0, 6], "n_at_risk": [20, 14, 20, 17], "arm": ["A", "A", "B", "B"]})
    return curve, table


def test_fidelity_fields_and_comparison():
    curve, table = two_arm()
    res = reconstruct(curve, table)
    fit = res.fidelity()
    a = fit["arms"][0]
    for key in ("rmse", "mean_abs_error", "max_abs_error", "ks_distance", "median", "survival_at_table",
                "at_risk", "events_reconstructed", "resolution", "not_computed"):
        assert key in a
    assert a["ks_distance"] >= a["max_abs_error"] - 1e-12
    assert [r["time"] for r in a["survival_at_table"]] == [0.0, 6.0]
    assert a["survival_at_table"][1]["digitized"] == 0.7
    # the curve sits at exactly 0.5 from 8 to its end at 12: not reached (R's rule)
    assert a["median"]["digitized"] is None and a["median"]["reconstructed"] is None
    assert fit["arms"][0]["not_computed"]["median.reconstructed"] == "the reconstructed curve does not reach 0.5."
    assert fit["arms"][1]["median"]["digitized"] is None
    assert fit["arms"][1]["not_computed"]["median.digitized"] == "the digitized curve does not reach 0.5."
    # HR and log-rank p are those of the engine on the reconstructed patients
    ipd = res.to_frame()
    ref = hazard_ratio(ipd["time"], ipd["event"], ipd["arm"], reference="A")
    hr = fit["comparison"]["hazard_ratios"][0]
    assert (hr["arm"], hr["reference"]) == ("B", "A")
    assert hr["hr"] == pytest.approx(ref.hr, rel=1e-12)
    assert (hr["ci_low"], hr["ci_high"]) == pytest.approx(tuple(ref.hr_ci), rel=1e-12)
    assert fit["comparison"]["logrank_p"] == pytest.approx(logrank_test(ipd["time"], ipd["event"], ipd["arm"]).pvalue)
    assert fit["draws"] is None and "no draws" in fit["draws_note"]
    json.dumps(fit)


def test_extra_events_are_noted_with_where_they_went():
    t = [0, 10, 10, 20, 20, 30, 30, 40, 40, 50, 50, 52]
    s = [1, 1, 0.9, 0.9, 0.8, 0.8, 0.7, 0.7, 0.6, 0.6, 0.5, 0.5]
    free = reconstruct_arm(t, s, [0, 25], [50, 39])
    arm = reconstruct_arm(t, s, [0, 25], [50, 39], total_events=free.events + 5)
    assert arm.events == free.events + 5
    note = next(x for x in arm.notes if "published total" in x)
    assert f"5 event(s) more than the curve implies ({free.events} with the same method and no total)" in note
    assert "placed against the curve between times" in note and "below the digitized clicks" in note
    assert not any("published total" in x for x in free.notes)
    # the step curves now part: the largest vertical distance sees it
    assert free.ks_distance < 0.02 and arm.ks_distance > free.ks_distance + 0.05


def test_no_risk_table_is_noted_and_not_claimed(tmp_path, capsys):
    arm = reconstruct_arm([0, 2, 2, 5, 5, 8], [1, 1, 0.9, 0.9, 0.7, 0.7], n=10)
    assert arm.notes[0].startswith("no risk table: only the number of patients (n = 10) constrains")
    fit = arm.fidelity()
    assert fit["at_risk_max_abs_difference"] is None
    assert "no risk table" in fit["not_computed"]["at_risk_max_abs_difference"]
    curve = tmp_path / "c.csv"
    pd.DataFrame({"time": [0, 2, 2, 5, 5, 8], "survival": [1, 1, 0.9, 0.9, 0.7, 0.7]}).to_csv(curve, index=False)
    assert main(["reconstruct", "--curve", str(curve), "--n", "10", "-o", str(tmp_path / "o.csv")]) == 0
    out = capsys.readouterr().out
    assert "numbers at risk off by" not in out
    assert "no risk table: only n constrained" in out and "note: no risk table" in out


def test_curve_reaching_zero_by_noise_with_patients_at_risk_is_noted_not_refused():
    t = [0, 4, 4, 8, 8, 10, 10]
    s = [1, 1, 0.5, 0.5, 0.015, 0.015, 0.0]
    arm = reconstruct_arm(t, s, [0, 6, 12], [40, 20, 1])
    note = next(x for x in arm.notes if "taken as noise" in x)
    assert note.startswith("the curve reaches 0 at time 10 from 0.015, within the digitizing noise of 0")
    assert arm.n == 40
    np.testing.assert_array_equal(arm.at_risk_reconstructed, [40, 20, 1])
    # a real drop to 0 with patients still at risk is still refused
    with pytest.raises(InputError, match="after the curve reached 0 at time 8"):
        reconstruct_arm([0, 4, 4, 8, 8], [1, 1, 0.5, 0.5, 0], [0, 6, 12], [10, 5, 3])


def test_resolution_estimated_from_the_clicks():
    rng = np.random.default_rng(3)
    true_t = np.repeat(5.0 * np.arange(1, 61) + rng.uniform(-1, 1, 60), 2)
    levels = 1 - np.arange(1, 61) / 80
    true_s = np.concatenate(([1.0], np.repeat(levels[:-1], 2), [levels[-1]]))
    t = true_t + rng.normal(0, 0.2, true_t.size)
    s = true_s + rng.normal(0, 0.003, true_s.size)
    curve = clean_curve(t, s)  # corners of a drop put top first, then the noise estimated
    assert 0.1 < curve.time_resolution < 0.4 and 0.002 < curve.survival_resolution < 0.0045
    # too few pairs: the defaults (0.2% of the time axis, 0.003)
    assert estimate_resolution(np.array([0.0, 10.0]), np.array([1.0, 0.5]), 0.1) == (0.02, 0.003)


def test_draws_are_seeded_and_bracket_the_estimates():
    curve, table = two_arm()
    one = reconstruct(curve, table, draws=30, seed=4).draws
    again = reconstruct(curve, table, draws=30, seed=4).draws
    other = reconstruct(curve, table, draws=30, seed=5).draws
    assert json.dumps(one) == json.dumps(again)
    assert one["completed"] == 30 and one["level"] == 0.95
    hr = one["hazard_ratios"][0]
    assert hr["low"] <= hr["high"]
    assert {m["arm"] for m in one["medians"]} == {"A", "B"}
    assert len(one["survival_at_table"]) == 4
    assert one["medians"][1]["high"] is None and one["medians"][1]["note"]
    assert json.dumps(one) != json.dumps(other)
    with pytest.raises(InputError, match="draws must be a whole number >= 0"):
        reconstruct(curve, table, draws=-1)


def test_cli_plot_draws_and_printed_summary(tmp_path, capsys):
    curve, table = two_arm()
    c, a = tmp_path / "c.csv", tmp_path / "a.csv"
    curve.to_csv(c, index=False)
    table.to_csv(a, index=False)
    png, fid = tmp_path / "fit.png", tmp_path / "f.json"
    args = ["reconstruct", "--curve", str(c), "--at-risk", str(a), "-o", str(tmp_path / "o.csv"),
            "--fidelity", str(fid), "--plot", str(png), "--draws", "10", "--seed", "2"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert "median: digitized not reached, reconstructed not reached (draws" in out
    assert "HR B vs A (Cox, Efron ties):" in out and "across draws" in out
    assert "log-rank p" in out and "draws: 10 of 10 (seed 2)" in out
    assert json.loads(fid.read_text())["draws"]["seed"] == 2
    first = png.read_bytes()
    assert main(args) == 0
    assert png.read_bytes() == first
    assert main(args[:-4] + ["--draws", "-1"]) == 2
    assert "--draws: expected a whole number >= 0" in capsys.readouterr().err


def test_plot_reconstruction_draws_every_arm_table_and_residuals():
    from survrepro.report.plotting import plot_reconstruction

    curve, table = two_arm()
    ax = plot_reconstruction(reconstruct(curve, table))
    gids = [line.get_gid() for line in ax.lines]
    assert gids == ["clicks:A", "reconstructed:A", "clicks:B", "reconstructed:B"]
    res_ax = ax.child_axes[0]
    assert [p.get_gid() for p in res_ax.lines if p.get_gid()] == ["residuals:A", "residuals:B"]
    cells = [t for t in res_ax.texts if (t.get_gid() or "").startswith("at-risk:")]
    assert [t.get_text() for t in cells if t.get_gid() == "at-risk:A:published"] == ["20", "14"]
    assert [t.get_text() for t in cells if t.get_gid() == "at-risk:B:reconstructed"] == ["20", "17"]
    with pytest.raises(InputError, match="needs a Reconstruction or ArmReconstruction"):
        plot_reconstruction(curve)
