"""The design exhibits (analyses/design/*.py) run end to end and write what survrepro.design computes.

Each script runs once per test session, through the exhibit runner, into a temporary folder
(the ``exhibits`` fixture of tests/conftest.py). Expected values are
computed here directly from the registers and design files with survrepro.design,
survrepro.register.audit and survrepro.design.simulate (the functions those modules' own tests validate
against R and published tables), never copied from the scripts' outputs.
"""
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survrepro import paths
from survrepro.register import audit
from survrepro import design as dz
from survrepro.design import simulate as sim
from survrepro.io import read_toml
from survrepro.register.schema import load_register, printed_interval
from survrepro.report.exhibits import run as run_exhibit

pytestmark = pytest.mark.slow  # runs the exhibit scripts and simulates trials

#: Simulated trials per hazard ratio in the EXTEND-OP run, reduced for speed; the exhibit's default is far larger.
TRIALS = 200
EXTRA = {"extend_op_power": ("--trials", str(TRIALS), "--workers", "1")}


def _run_checked(exhibits, name: str):
    run = exhibits.run(f"design/{name}", *EXTRA.get(name, ()))
    assert run.code == 0, run.err
    return run


def _run(exhibits, name: str):
    """The session's run of one exhibit (tables in build/design, figure in figures/design of its folder)."""
    run = _run_checked(exhibits, name)
    lines = run.out.splitlines()
    assert lines and all(line.startswith("wrote ") for line in lines)
    written = [Path(line.removeprefix("wrote ")) for line in lines]
    assert all(p.is_file() for p in written)
    out_dir, figure = run.folder / "build" / "design", run.folder / "figures" / "design" / f"{name}.png"
    assert figure in written and any(p.suffix == ".md" and p.parent.name == "sections" for p in written)
    assert sorted(written) == sorted(run.folder / p for p in run.files())
    return out_dir, figure, written


@pytest.mark.committed_figure
def test_figures_drawn_from_the_committed_inputs_are_the_committed_ones(exhibits):
    for name in ("extend_events", "boss_power"):  # the EXTEND-OP figure here is drawn from fewer trials
        exhibits.assert_same_as_committed(_run_checked(exhibits, name),
                                          {f"figures/design/{name}.png": paths.FIGURES / "design" / f"{name}.png"})


def test_tables_and_sections_are_byte_identical_on_a_rerun(exhibits):
    assert len(exhibits.assert_deterministic("design/extend_events")) == 4


# --------------------------------------------------------------------------- EXTEND
def test_extend_events(exhibits):
    out_dir, figure, written = _run(exhibits, "extend_events")
    tab = pd.read_csv(out_dir / "extend_events.csv")

    reg = load_register("extend_breast")
    mc, me = reg.by_id("design_median_control").value, reg.by_id("design_median_experimental").value
    power = reg.by_id("design_power").value / 100  # printed in percent
    alpha = reg.by_id("design_alpha").value
    hr = dz.hazard_ratio_from_medians(mc, me)
    lo_t, hi_t = reg.by_id("pfs_hr_ci_low"), reg.by_id("pfs_hr_ci_high")
    n_mdt, n_soc = reg.by_id("n_mdt").value, reg.by_id("n_soc").value
    frac = n_mdt / (n_mdt + n_soc)
    # events implied by the CI width, D = 1 / (p (1 - p) SE^2), over the rounding of both limits
    implied = audit.events_from_ci(lo_t.value, hi_t.value, 0.95, frac)
    (lo_a, lo_b), (hi_a, hi_b) = printed_interval(lo_t.value, lo_t.decimals), printed_interval(hi_t.value, hi_t.decimals)
    implied_low = audit.events_from_ci(lo_a, hi_b, 0.95, frac)  # widest interval: fewest events
    implied_high = audit.events_from_ci(lo_b, hi_a, 0.95, frac)  # narrowest interval: most events

    assert list(tab["sides"]) == [1, 2]
    assert list(tab["required_events"]) == [38, 52]  # Schoenfeld, HR 0.5, 80%, alpha 0.1 one / two-sided
    for row in tab.itertuples():
        req = dz.required_events(hr, power=power, alpha=alpha, sides=row.sides)
        assert row.required_events_exact == pytest.approx(req.events_exact, rel=1e-12)
        assert row.required_events == req.events
        assert row.implied_events == pytest.approx(implied, rel=1e-12)
        assert row.implied_events_low == pytest.approx(implied_low, rel=1e-9)
        assert row.implied_events_high == pytest.approx(implied_high, rel=1e-9)
        for col, d in (("power_at_implied_events", implied), ("power_at_implied_events_low", implied_low),
                       ("power_at_implied_events_high", implied_high)):
            assert getattr(row, col) == pytest.approx(dz.power_for_events(hr, d, alpha=alpha, sides=row.sides).power,
                                                      rel=1e-9)
        # the detectable hazard ratio gives the target power at the implied events
        det = dz.power_for_events(row.hr_detectable_at_implied_events, implied, alpha=alpha, sides=row.sides)
        assert det.power == pytest.approx(power, abs=1e-9)
        pat = dz.required_patients(hr, median_control=mc, accrual=46, follow_up=6, power=power, alpha=alpha,
                                   sides=row.sides)  # accrual 2018-09 to 2022-07; 6 months' minimum follow-up
        assert row.required_patients == pat.patients
        assert row.patients_randomised == n_mdt + n_soc

    # the audit's own comparison gives the same power
    finding = {f.values["sides"]: f.values for f in audit.audit_register(reg).by_check("design_events_vs_ci")}
    for row in tab.itertuples():
        assert row.power_at_implied_events == pytest.approx(finding[row.sides]["power_at_implied_events"], rel=1e-12)

    text = (out_dir / "sections" / "10_extend_events.md").read_text()
    assert "](../figures/design/extend_events.png)" in text
    assert f"{implied:.1f} events" in text and "38 events (1-sided)" in text


# --------------------------------------------------------------------------- BOSS
def test_boss_power(exhibits):
    out_dir, _, _ = _run(exhibits, "boss_power")
    tab = pd.read_csv(out_dir / "boss_power.csv")
    curve = pd.read_csv(out_dir / "boss_power_curve.csv")

    spec = read_toml(paths.DESIGNS / "boss.toml")["assumptions"]
    n, p0, alpha, power = spec["n"]["value"], spec["p0"]["value"], spec["alpha"]["value"], spec["power"]["value"]
    rate = load_register("levee2025").by_id("on_therapy_6m_pct_all")
    p1 = rate.numerator / rate.denominator  # 28/47

    given = dz.binomial_design(n, p0, p1, alpha=alpha)
    row = tab.iloc[0]
    assert row["n"] == n and row["threshold"] == given.threshold
    assert row["type_i_error"] == pytest.approx(given.type_i_error, rel=1e-12)
    assert row["power"] == pytest.approx(given.power, rel=1e-12)
    search = dz.binomial_sample_size(p0, p1, alpha=alpha, power=power)
    assert list(tab["n"].iloc[1:3]) == [search.n_smallest, search.n_stable]
    simon = dz.simon_two_stage(p0, p1, alpha=alpha, power=power)
    for kind, r in zip(("optimal", "minimax"), tab.iloc[3:].itertuples()):
        d = simon[kind]
        assert (r.r1, r.n1, r.threshold - 1, r.n) == (d.r1, d.n1, d.r, d.n)
        assert r.expected_n_p0 == pytest.approx(d.expected_n_p0, rel=1e-12)
        assert r.power == pytest.approx(d.power, rel=1e-12)

    ref = dz.binomial_power_curve(n, p0, curve["true_rate"].to_numpy(), alpha=alpha)
    np.testing.assert_allclose(curve["power"], ref["power"], rtol=1e-12, atol=1e-300)
    assert (curve["threshold"] == given.threshold).all()
    at_p0 = curve.loc[np.isclose(curve["true_rate"], p0), "power"].iloc[0]
    assert at_p0 == pytest.approx(given.type_i_error, rel=1e-12)  # the curve at p0 is the attained alpha

    text = (out_dir / "sections" / "20_boss_power.md").read_text()
    assert "assumption of this toolkit, not of the trial" in text
    assert f"at least {given.threshold} reach the endpoint" in text


# --------------------------------------------------------------------------- EXTEND-OP
def test_extend_op_power(exhibits):
    out_dir, _, _ = _run(exhibits, "extend_op_power")
    tab = pd.read_csv(out_dir / "extend_op_power.csv")

    a = {k: s["value"] for k, s in read_toml(paths.DESIGNS / "extend_op.toml")["assumptions"].items()}
    control = sim.exponential(median=a["median_control"])
    expected = sim.power_curve(
        lambda hr: sim.equal_baskets(a["baskets"], a["n"], control, control.with_hazard_ratio(hr)),
        a["hazard_ratios"], seed=a["seed"], accrual=a["accrual"], follow_up=a["follow_up"], dropout=a["dropout"],
        alpha=a["alpha"], sides=a["sides"], n_trials=TRIALS, workers=1)
    merged = expected.merge(tab, on=["hazard_ratio", "analysis"], suffixes=("", "_got"), validate="one_to_one")
    assert len(merged) == len(expected) == len(a["hazard_ratios"]) * (len(a["baskets"]) + 2)
    assert (merged["rejections"] == merged["rejections_got"]).all()
    np.testing.assert_allclose(merged["power_got"], merged["power"], rtol=0, atol=0)
    np.testing.assert_allclose(merged["mean_events_got"], merged["mean_events"], rtol=1e-12)

    # expected events and Schoenfeld power of the pooled analysis, from survrepro.design directly
    lam = math.log(2) / a["median_control"]
    baskets = sim.equal_baskets(a["baskets"], a["n"], control, control)
    n_c, n_e = sum(b.n_control for b in baskets), sum(b.n_experimental for b in baskets)
    assert n_c + n_e == a["n"]
    for hr in a["hazard_ratios"]:
        d = (n_c * dz.event_probability(lam, a["accrual"], a["follow_up"], a["dropout"])
             + n_e * dz.event_probability(lam * hr, a["accrual"], a["follow_up"], a["dropout"]))
        row = tab[(tab["hazard_ratio"] == hr) & (tab["analysis"] == "pooled, stratified by basket")].iloc[0]
        assert row["expected_events"] == pytest.approx(d, rel=1e-12)
        want = a["alpha"] if hr == 1 else dz.power_for_events(hr, d, alpha=a["alpha"], sides=a["sides"]).power
        assert row["analytic_power"] == pytest.approx(want, rel=1e-12)
        assert row["analytic_rejection_rate"] >= row["analytic_power"]

        # the mean over baskets pools every basket's rejections
        baskets = tab[(tab["hazard_ratio"] == hr) & tab["analysis"].isin(a["baskets"])]
        mean = tab[(tab["hazard_ratio"] == hr) & (tab["analysis"] == "per basket, mean over baskets")].iloc[0]
        assert mean["trials"] == TRIALS * len(a["baskets"])
        assert mean["power"] == pytest.approx(baskets["rejections"].sum() / mean["trials"], rel=1e-12)

    text = (out_dir / "sections" / "30_extend_op_power.md").read_text()
    assert f"{TRIALS:,} trials were simulated per hazard ratio (seed {a['seed']}" in text


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("name", ["extend_events", "boss_power", "extend_op_power"])
def test_missing_design_file_is_one_line_and_writes_nothing(exhibits, tmp_path, capsys, name):
    missing = tmp_path / "no_such_design.toml"
    code = run_exhibit(exhibits.path(f"design/{name}"), ["--design", str(missing), "--out-dir", str(tmp_path / "out"),
                                                         "--figure", str(tmp_path / "fig.png")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and str(missing) in err and "no such file" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "fig.png").exists()


def test_assumption_without_source_is_refused(exhibits, tmp_path, capsys):
    bad = tmp_path / "boss_bad.toml"
    text = (paths.DESIGNS / "boss.toml").read_text()
    bad.write_text(text.replace('value = 0.40\nassumed = true', 'value = 0.40'))
    code = run_exhibit(exhibits.path("design/boss_power"), ["--design", str(bad), "--out-dir", str(tmp_path / "out"),
                                                            "--figure", str(tmp_path / "fig.png")])
    err = capsys.readouterr().err
    assert code == 2 and "'p0'" in err and "neither a source nor assumed = true" in err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- what the figures show
def _texts(fig):
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def test_extend_events_names_the_method_and_states_the_rounding_range(exhibits):
    script = exhibits.module("design/extend_events")
    res = script.compute(paths.DESIGNS / "extend_breast.toml")
    fig = script.draw(res)
    texts = " ".join(_texts(fig))
    assert "(schoenfeld)" not in texts and "events for 80% power (Schoenfeld)" in texts
    assert "grey band" not in texts  # the band was narrower than its line; the range is written instead
    row = res["table"].iloc[0]
    assert f"({row['implied_events_low']:.1f} to {row['implied_events_high']:.1f}" in texts


def test_extend_op_power_draws_every_basket_it_lists(exhibits):
    script = exhibits.module("design/extend_op_power")
    res = script.compute(paths.DESIGNS / "extend_op.toml", n_trials=TRIALS, workers=1)
    fig = script.draw(res)
    ax = fig.axes[0]
    label = f"each of the {len(res['names'])} baskets (beside the mean)"
    assert label in [t.get_text() for t in ax.get_legend().get_texts()]
    line = next(line for line in ax.get_lines() if line.get_label() == label)
    x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
    tab = res["table"]
    single = tab[tab["analysis"].isin(res["names"])]
    assert len(x) == len(single) == len(res["names"]) * tab["hazard_ratio"].nunique()
    assert sorted(y) == sorted(single["power"])
    # beside the mean's markers (not under them: the old dots sat exactly there), on top, inside the axes
    means = set(np.round(tab.loc[tab["analysis"] == script.BASKET_MEAN, "hazard_ratio"], 6))
    assert set(np.round(x - script.BESIDE, 6)) == means and not set(np.round(x, 6)) & means
    assert line.get_zorder() > 2 and x.max() < ax.get_xlim()[1]
