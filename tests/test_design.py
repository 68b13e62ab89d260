"""Trial design and power: analytic designs, simulation, CLI.

Reference values come from
* the formulas themselves evaluated independently here (scipy.stats.norm/binom, scipy.integrate);
* base R 4.2.2: tests/validation/results/design_reference.R wrote
  design_binomial_reference.csv (qbinom/pbinom) and design_events_reference.csv (qnorm);
* Simon R. (1989) Optimal two-stage designs for phase II clinical trials.
  Controlled Clinical Trials 10:1-10, Table 1 (alpha = 0.05, beta = 0.20).

The vectorised log-rank test the simulation runs (survrepro.engine.logrank.logrank_batch) is
checked against R, lifelines and logrank_test in tests/test_kernels.py.
"""
import json
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import integrate, stats  # noqa: E402

from survrepro import InputError, design as dz, paths  # noqa: E402
from survrepro.design import simulate as sim  # noqa: E402
from survrepro.cli import main  # noqa: E402
from survrepro.io import read_toml  # noqa: E402

RESULTS = paths.TESTS / "validation" / "results"


# --------------------------------------------------------------------------- events
def test_schoenfeld_reference_numbers():
    # HR 0.5, 80% power: (z_0.9 + z_0.8)^2 * 4 / log(2)^2 one-sided alpha 0.1 (about 38 events),
    # (z_0.95 + z_0.8)^2 * 4 / log(2)^2 two-sided alpha 0.1 (about 52)
    one = dz.required_events(0.5, power=0.8, alpha=0.1, sides=1)
    two = dz.required_events(0.5, power=0.8, alpha=0.1, sides=2)
    z = stats.norm.ppf
    assert one.events_exact == pytest.approx((z(0.9) + z(0.8)) ** 2 * 4 / math.log(2) ** 2, rel=1e-12)
    assert two.events_exact == pytest.approx((z(0.95) + z(0.8)) ** 2 * 4 / math.log(2) ** 2, rel=1e-12)
    assert (one.events, two.events) == (38, 52)


def test_schoenfeld_matches_r():
    ref = pd.read_csv(RESULTS / "design_events_reference.csv")  # design_reference.R, qnorm
    for row in ref.itertuples():
        got = dz.required_events(row.hr, power=row.power, alpha=row.alpha, sides=int(row.sides))
        assert got.events_exact == pytest.approx(row.events_exact, rel=1e-12)


def test_power_for_events_inverts_required_events():
    for hr, alloc, method in [(0.5, 1, "schoenfeld"), (0.7, 2, "schoenfeld"), (0.6, 1, "freedman"), (1.4, 0.5, "freedman")]:
        d = dz.required_events(hr, power=0.85, alpha=0.05, sides=2, allocation=alloc, method=method)
        back = dz.power_for_events(hr, d.events_exact, alpha=0.05, sides=2, allocation=alloc, method=method)
        assert back.power == pytest.approx(0.85, abs=1e-12)


def test_freedman_and_allocation():
    z2 = (stats.norm.isf(0.025) + stats.norm.ppf(0.8)) ** 2
    # Freedman (1982), 1:1: (z_a + z_b)^2 (1 + HR)^2 / (1 - HR)^2
    assert dz.required_events(0.6, method="freedman").events_exact == pytest.approx(z2 * 1.6**2 / 0.4**2)
    # Schoenfeld with 2:1 allocation: p = 2/3
    assert dz.required_events(0.6, allocation=2).events_exact == pytest.approx(z2 / (2 / 9 * math.log(0.6) ** 2))


def test_event_probability_integrates_over_uniform_accrual():
    lam, eta, a, f = math.log(2) / 18, 0.01, 46.0, 6.0
    g = lam + eta

    def p_event_given_entry(s):  # entry at s, followed for a + f - s
        return lam / g * (1 - math.exp(-g * (a + f - s)))

    expected = integrate.quad(p_event_given_entry, 0, a)[0] / a
    assert dz.event_probability(lam, a, f, eta) == pytest.approx(expected, rel=1e-10)
    assert dz.event_probability(lam, 0, f) == pytest.approx(1 - math.exp(-lam * f))


def test_required_patients_yield_the_events():
    d = dz.required_patients(0.5, median_control=18, accrual=46, follow_up=6, power=0.8, alpha=0.1, sides=2)
    assert d.events == 52
    assert d.patients * d.p_event >= d.events > (d.patients - 2) * d.p_event
    assert d.patients_control == d.patients_experimental
    assert dz.hazard_ratio_from_medians(18, 36) == 0.5


# --------------------------------------------------------------------------- exact binomial
def _threshold_brute(n, p0, alpha):
    for k in range(n + 2):
        if sum(stats.binom.pmf(j, n, p0) for j in range(k, n + 1)) <= alpha:
            return k


@pytest.mark.slow  # exact binomial searches
def test_binomial_design_against_scipy_and_r():
    ref = pd.read_csv(RESULTS / "design_binomial_reference.csv")  # design_reference.R, qbinom/pbinom
    for row in ref.itertuples():
        d = dz.binomial_design(int(row.n), row.p0, row.p1, alpha=row.alpha)
        assert d.threshold == row.threshold == _threshold_brute(int(row.n), row.p0, row.alpha)
        assert d.type_i_error == pytest.approx(row.type_i_error, rel=1e-12)
        assert d.power == pytest.approx(row.power, rel=1e-12)


@pytest.mark.slow  # exact power at every n of the search
def test_sample_size_saw_tooth():
    s = dz.binomial_sample_size(0.4, 0.6, alpha=0.05, power=0.8, n_max=300)

    def power(n):
        return stats.binom.sf(_threshold_brute(n, 0.4, 0.05) - 1, n, 0.6)

    assert power(s.n_smallest) >= 0.8 > power(s.n_smallest - 1)
    assert all(power(n) >= 0.8 for n in range(s.n_stable, s.n_stable + 30))
    assert power(s.n_stable - 1) < 0.8
    # this setting is saw-toothed: the first n reaching 80% is followed by one that does not
    assert s.n_smallest < s.n_stable
    assert (s.curve["power"].to_numpy()[s.n_stable - 1:] >= 0.8).all()


# --------------------------------------------------------------------------- Simon
# Simon (1989), Table 1, alpha = 0.05, beta = 0.20: (r1/n1, r/n, EN(p0), PET(p0))
SIMON_TABLE = [
    (0.10, 0.30, "optimal", (1, 10, 5, 29), 15.0, 0.74),
    (0.10, 0.30, "minimax", (1, 15, 5, 25), 19.5, 0.55),
    (0.20, 0.40, "optimal", (3, 13, 12, 43), 20.6, 0.75),
    (0.20, 0.40, "minimax", (4, 18, 10, 33), 22.3, 0.72),
]


@pytest.mark.slow  # Simon's search over every two-stage design
@pytest.mark.parametrize("p0,p1", [(0.1, 0.3), (0.2, 0.4)])
def test_simon_matches_published_table(p0, p1):
    res = dz.simon_two_stage(p0, p1, alpha=0.05, power=0.8)
    for q0, q1, kind, design, en, pet in SIMON_TABLE:
        if (q0, q1) != (p0, p1):
            continue
        d = res[kind]
        assert (d.r1, d.n1, d.r, d.n) == design
        assert round(d.expected_n_p0, 1) == en and round(d.pet_p0, 2) == pet
        # operating characteristics computed independently
        r1, n1, r, n = design
        for p, check in ((p0, lambda x: x <= 0.05), (p1, lambda x: x >= 0.8)):
            rej = sum(stats.binom.pmf(x1, n1, p) * stats.binom.sf(r - x1, n - n1, p) for x1 in range(r1 + 1, n1 + 1))
            assert check(rej)


# --------------------------------------------------------------------------- simulation
@pytest.mark.slow  # 4,000 simulated trials
def test_simulated_power_agrees_with_schoenfeld():
    control = sim.exponential(median=10)
    hr = 0.75
    basket = sim.Basket("all", control, control.with_hazard_ratio(hr), 100, 100)
    # no censoring: every trial has 200 events, the setting of the formula
    res = sim.simulate_power(basket, accrual=0, follow_up=1e9, alpha=0.05, sides=2, n_trials=2000, seed=11)
    analytic = dz.power_for_events(hr, 200, alpha=0.05, sides=2).power
    assert abs(res.power - analytic) < 3 * math.sqrt(analytic * (1 - analytic) / 2000)
    assert res.to_frame()["mean_events"].iloc[0] == 200
    null = sim.simulate_power(sim.Basket("all", control, control, 100, 100), accrual=12, follow_up=12,
                              alpha=0.05, n_trials=2000, seed=12)
    assert abs(null.power - 0.05) < 3 * math.sqrt(0.05 * 0.95 / 2000)


@pytest.mark.slow  # simulated trials on two worker processes
def test_simulation_is_deterministic_and_independent_of_workers():
    control = sim.exponential(median=6)
    baskets = sim.equal_baskets(["a", "b", "c"], 100, control, control.with_hazard_ratio(0.7))
    kw = dict(accrual=12, follow_up=6, dropout=0.01, n_trials=300, seed=5, batch_size=100)
    one = sim.simulate_power(baskets, workers=1, **kw).to_frame()
    two = sim.simulate_power(baskets, workers=2, **kw).to_frame()
    pd.testing.assert_frame_equal(one, two)
    assert list(one["analysis"]) == ["a", "b", "c", "pooled, stratified by basket", "pooled, unstratified"]
    assert [b.n_control + b.n_experimental for b in baskets] == [34, 33, 33]


def test_survival_models():
    pw = sim.piecewise_exponential([6, 12], [0.1, 0.05, 0.2])
    t = np.array([0.0, 3.0, 6.0, 9.0, 12.0, 20.0])
    h = np.array([0, 0.3, 0.6, 0.75, 0.9, 0.9 + 1.6])
    np.testing.assert_allclose(pw.survival(t), np.exp(-h))
    np.testing.assert_allclose(pw.cumulative_hazard_inverse(h[1:]), t[1:])
    np.testing.assert_allclose(pw.with_hazard_ratio(2).survival(t), np.exp(-2 * h))
    # resampled: draws are the data's event times, with the Kaplan-Meier distribution
    durations = np.array([1, 2, 2, 3, 5, 8])
    events = np.array([1, 1, 0, 1, 1, 0])
    rs = sim.resampled(durations, events)
    draws = rs.sample(np.random.default_rng(0), 20000)
    assert set(np.unique(draws[np.isfinite(draws)])) <= {1.0, 2.0, 3.0, 5.0}
    km_at_3 = (5 / 6) * (4 / 5) * (2 / 3)  # KM by hand: S(3)
    assert rs.survival(3.0) == pytest.approx(km_at_3)
    # Monte Carlo tolerances are K standard errors of the simulated quantity: a correct sampler
    # misses by more with probability 6e-5 (normal approximation, two-sided); the draws are seeded.
    k = 4
    n = draws.size
    assert np.mean(draws > 3) == pytest.approx(km_at_3, abs=k * math.sqrt(km_at_3 * (1 - km_at_3) / n))
    # crossover lengthens survival after progression only
    prog = sim.exponential(median=6)
    post = sim.exponential(median=12)
    rng = np.random.default_rng(1)
    n = 40000
    base = sim.progression_then_death(prog, post).sample(rng, n).mean()
    crossed = sim.progression_then_death(prog, post, crossover=1.0, crossover_hr=0.5).sample(rng, n).mean()
    mean_prog, mean_post = 6 / math.log(2), 12 / math.log(2)
    # a sum of independent exponentials: its variance is the sum of the squared means
    assert base == pytest.approx(mean_prog + mean_post, abs=k * math.hypot(mean_prog, mean_post) / math.sqrt(n))
    assert crossed == pytest.approx(mean_prog + 2 * mean_post,
                                    abs=k * math.hypot(mean_prog, 2 * mean_post) / math.sqrt(n))


# --------------------------------------------------------------------------- validation messages
@pytest.mark.parametrize("call,message", [
    (lambda: dz.required_events(1.0), "hazard ratio must differ from 1"),
    (lambda: dz.required_events(0.5, alpha=1.5), "alpha must be strictly between 0 and 1"),
    (lambda: dz.required_events(0.5, sides=3), "sides must be 1"),
    (lambda: dz.required_events(0.5, method="cox"), "method must be one of 'schoenfeld', 'freedman'"),
    (lambda: dz.binomial_design(45, 0.6, 0.4), "p1 (0.4) must exceed the null rate p0 (0.6)"),
    (lambda: dz.binomial_design(4.5, 0.4, 0.6), "n must be a whole number"),
    (lambda: sim.piecewise_exponential([6], [0.1]), "1 breaks need 2 hazards"),
    (lambda: sim.exponential(), "exactly one of median or hazard"),
    (lambda: sim.resampled([1, 2], [0, 0]), "no events"),
])
def test_input_errors(call, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


# --------------------------------------------------------------------------- design files
def test_resolve_design_reads_registers():
    register = {"target": [
        {"id": "power", "value": 80, "scale": "percent"},
        {"id": "k", "value": 28}, {"id": "n", "value": 47},
        {"id": "rate", "value": 60, "scale": "percent", "numerator": "k", "denominator": "n"},
        {"id": "start", "value": "2018-09"}, {"id": "end", "value": "2022-07"},
    ]}
    doc = {"assumptions": {
        "power": {"target": "s:power"},
        "p1": {"target": "s:rate", "fraction": True},
        "accrual": {"months_between": ["s:start", "s:end"]},
        "p0": {"value": 0.4, "assumed": True},
    }}
    assert dz.resolve_design(doc, {"s": register}) == {"power": 0.8, "p1": 28 / 47, "accrual": 46.0, "p0": 0.4}
    with pytest.raises(InputError, match="register 'x', which is not available"):
        dz.resolve_design({"assumptions": {"a": {"target": "x:y"}}}, {})
    with pytest.raises(InputError, match="neither a source nor assumed"):
        dz.resolve_design({"assumptions": {"a": {"value": 1}}}, {})
    with pytest.raises(InputError, match="does not hold"):
        dz.resolve_design({"assumptions": {"a": {"target": "s:nope"}}}, {"s": register})


@pytest.mark.parametrize("name", ["extend_breast", "boss", "extend_op"])
def test_design_files_state_every_source(name):
    doc = read_toml(paths.DESIGNS / f"{name}.toml")
    for key, spec in doc["assumptions"].items():
        assert "target" in spec or "months_between" in spec or spec.get("source") or (
            spec.get("assumed") and spec.get("note")), key


def test_extend_design_from_register(capsys):
    if not (paths.PUBLISHED / "extend_breast.toml").exists():
        pytest.skip("data/published/extend_breast.toml is not present")
    assert main(["design", "events", "--design", str(paths.DESIGNS / "extend_breast.toml"), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)["results"]
    assert [(r["sides"], r["hazard_ratio"], r["events"]) for r in res] == [(1, 0.5, 38), (2, 0.5, 52)]


# --------------------------------------------------------------------------- CLI
def test_cli_tables_and_json(capsys):
    assert main(["design", "events", "--hr", "0.5", "--alpha", "0.1", "--sides", "both"]) == 0
    out = capsys.readouterr().out
    assert "events_exact" in out and " 38" in out and " 52" in out
    assert main(["design", "binomial", "--n", "45", "--p0", "0.4", "--p1", "0.6", "--power", "0.8", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)["results"]
    assert [r["which"] for r in res] == ["given n", "smallest", "stable"]
    assert main(["design", "simon", "--p0", "0.1", "--p1", "0.3", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)["results"]
    assert [(r["r1"], r["n1"], r["r"], r["n"]) for r in res] == [(1, 10, 5, 29), (1, 15, 5, 25)]
    assert main(["design", "simulate", "--n", "100", "--hr", "0.7,1", "--median-control", "6", "--accrual", "12",
                 "--follow-up", "6", "--trials", "200", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert [r["hazard_ratio"] for r in res["results"]] == [0.7, 1.0]


@pytest.mark.parametrize("argv,message", [
    (["design", "events", "--hr", "-1"], "hazard ratio must be a positive number"),
    (["design", "events", "--hr", "0.5", "--sides", "3"], "--sides must be 1, 2 or both"),
    (["design", "binomial", "--n", "45", "--p0", "0.6", "--p1", "0.4"], "must exceed the null rate"),
    (["design", "events"], "give --hr"),
    (["design", "events", "--design", "no/such/file.toml"], "no such file"),
    (["design", "simulate", "--hr", "0.7"], "missing --n"),
])
def test_cli_bad_input_exits_2(capsys, argv, message):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err and captured.out == ""


# --------------------------------------------------------------------------- figures
def test_plot_functions_return_ax():
    fig, axes = plt.subplots(1, 3)
    assert dz.plot_events_by_hazard_ratio(axes[0], implied_events=("implied", 20), design_hr=0.5) is axes[0]
    assert dz.plot_binomial_power(axes[1], 45, 0.4, mark=("LeVee rate (assumed)", 28 / 47)) is axes[1]
    tab = pd.DataFrame({"hazard_ratio": [0.6, 0.8], "analysis": "pooled", "power": [0.9, 0.5], "mc_se": [0.01, 0.02]})
    assert dz.plot_power_by_hazard_ratio(axes[2], tab) is axes[2]
    plt.close(fig)
