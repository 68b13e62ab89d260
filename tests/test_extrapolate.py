"""Parametric extrapolation (survrepro.engine.extrapolate), its command and its plots.

The numbers against R are in tests/validation/test_extrapolate_vs_r.py; here: the fitted
curves equal lifelines' own predictions of the same models, medians and means are what
their definitions say, failures are reported rather than hidden, and the command and the
plots work end to end.
"""
from __future__ import annotations

import json
import math
import warnings

import lifelines
import numpy as np
import pandas as pd
import pytest
from scipy import integrate

import survrepro
from survrepro import paths
from survrepro.cli import main
from survrepro.cli import extrapolate as cli_extrapolate
from survrepro.engine import extrapolate as ex
from survrepro.engine.extrapolate import DISTRIBUTIONS, extrapolate, fit_gompertz
from survrepro.errors import InputError
from survrepro.report.plotting import plot_extrapolated_hazards, plot_extrapolation

LUNG = paths.EXAMPLE / "lung.csv"


@pytest.fixture(scope="module")
def lung():
    d = pd.read_csv(LUNG)
    return d["time"].to_numpy(float), d["event"].to_numpy(int), d["arm"].astype(str).to_numpy()


@pytest.fixture(scope="module")
def lung_result(lung):
    t, e, g = lung
    return extrapolate(t, e, g, horizon=1825, times=[0, 365, 730, 1825], splines=1)


def test_the_package_exports_extrapolate():
    assert survrepro.extrapolate is extrapolate
    assert cli_extrapolate.DISTRIBUTIONS == DISTRIBUTIONS


def test_every_model_is_fitted_to_every_arm_with_ranks(lung_result):
    s = lung_result.to_frame()
    assert list(s["distribution"]) == [*DISTRIBUTIONS, "spline1"] * 2
    assert s["fitted"].all()
    for arm, rows in s.groupby("arm"):
        assert sorted(rows["aic_rank"]) == list(range(1, 8))
        assert list(rows.sort_values("aic")["aic_rank"]) == list(range(1, 8))
        assert list(rows.sort_values("bic")["bic_rank"]) == list(range(1, 8))
    np.testing.assert_allclose(s["aic"], -2 * s["loglik"] + 2 * s["df"])
    np.testing.assert_allclose(s["bic"], -2 * s["loglik"] + np.log(s["n"]) * s["df"])


@pytest.mark.parametrize("dist", ["exponential", "weibull", "lognormal", "loglogistic", "gengamma"])
def test_fitted_curves_equal_lifelines_predictions_of_the_same_model(lung, lung_result, dist):
    t, e, g = lung
    fitter = getattr(lifelines, ex._LIFELINES[dist])()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit(t[g == "1"], e[g == "1"])
    grid = np.array([30.0, 180.0, 365.0, 1000.0, 1825.0])
    fit = lung_result.fit("1", dist)
    # lifelines stops short of survreg's maximum (we polish it), so agreement is to its precision
    np.testing.assert_allclose(fit.survival(grid), fitter.survival_function_at_times(grid).to_numpy(), rtol=2e-3)
    np.testing.assert_allclose(fit.hazard(grid), fitter.hazard_at_times(grid).to_numpy(), rtol=5e-3)
    assert fit.loglik >= fitter.log_likelihood_ - 1e-9


def test_spline_with_one_knot_nests_the_weibull_and_matches_lifelines(lung, lung_result):
    for arm in ("1", "2"):
        assert lung_result.fit(arm, "spline1").loglik >= lung_result.fit(arm, "weibull").loglik - 1e-6
    fit = lung_result.fit("1", "spline1")
    assert [p[0] for p in fit.parameters] == ["gamma0", "gamma1", "gamma2"]
    t, e, g = lung
    m = g == "1"
    knots = np.exp(np.percentile(np.log(t[m & (e == 1)]), [0, 50, 100]))  # flexsurv's knots
    fitter = lifelines.SplineFitter(knots).fit(t[m], e[m], initial_point=fit.theta)
    grid = np.array([100.0, 500.0, 1500.0])
    np.testing.assert_allclose(fit.survival(grid), fitter.survival_function_at_times(grid).to_numpy(), rtol=1e-6)
    assert fit.loglik == pytest.approx(fitter.log_likelihood_, rel=1e-9)


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_median_and_means_are_what_their_definitions_say(lung_result, dist):
    fit = lung_result.fit("2", dist)
    row = lung_result.to_frame().set_index(["arm", "distribution"]).loc[("2", dist)]
    assert fit.survival(row["median"]) == pytest.approx(0.5, abs=1e-9)
    area, _ = integrate.quad(lambda x: float(fit.survival(x)), 0, 1825, limit=200)
    assert row["rmean"] == pytest.approx(area, rel=1e-7)
    if math.isfinite(row["mean"]):
        whole, _ = integrate.quad(lambda x: float(fit.survival(x)), 0, np.inf, limit=400)
        assert row["mean"] == pytest.approx(whole, rel=1e-5)
        assert row["mean"] >= row["rmean"]
    for what in ("median", "rmean"):
        assert row[f"{what}_low"] < row[what] < row[f"{what}_high"]


def test_predictions_at_times_with_limits(lung_result):
    p = lung_result.predictions_frame()
    assert len(p) == 2 * 7 * 4
    at0 = p[p["time"] == 0]
    assert (at0["survival"] == 1).all()
    later = p[p["time"] > 0]
    assert ((later["survival_low"] < later["survival"]) & (later["survival"] < later["survival_high"])).all()
    assert ((later["hazard_low"] < later["hazard"]) & (later["hazard"] < later["hazard_high"])).all()
    assert later[later["time"] == 1825]["beyond_follow_up"].all()
    assert not later[later["time"] == 365]["beyond_follow_up"].any()


def test_gompertz_fit_and_its_closed_form_mean():
    rng = np.random.default_rng(3)
    a, b = 0.2, 0.05
    u = rng.random(400)
    t = np.log1p(-a * np.log(u) / b) / a  # inverse of S(t) = exp(-b/a (exp(a t) - 1))
    c = rng.uniform(0, 15, 400)
    time, event = np.minimum(t, c), (t <= c).astype(int)
    fit = fit_gompertz(time, event)
    assert fit["converged"]
    assert fit["shape"] == pytest.approx(a, rel=0.3) and fit["rate"] == pytest.approx(b, rel=0.3)
    theta = fit["theta"]
    whole, _ = integrate.quad(lambda x: math.exp(-math.exp(theta[1]) * ex._phi(theta[0], np.array(x))), 0, np.inf)
    assert ex._gompertz_mean(theta) == pytest.approx(whole, rel=1e-7)


def test_falling_gompertz_hazard_has_a_plateau_and_no_finite_mean():
    # events early, a long flat tail: the hazard falls (shape < 0)
    time = np.r_[np.linspace(0.5, 5, 40), np.full(60, 50.0)]
    event = np.r_[np.ones(40, int), np.zeros(60, int)]
    res = extrapolate(time, event, dists="gompertz", horizon=100)
    fit = res.fit("all", "gompertz")
    assert fit.parameters[0][1] < 0
    row = res.to_frame().iloc[0]
    assert row["mean"] == math.inf and math.isnan(row["mean_low"])
    assert any("never has the event" in n for n in res.notes)
    assert res.to_dict()["models"][0]["mean"] is None


def test_a_fit_that_does_not_converge_is_reported_not_fitted(monkeypatch, lung):
    t, e, _g = lung

    def fail(self, *args, **kwargs):
        warnings.warn("Fitting did not converge.", lifelines.exceptions.ConvergenceWarning)
        return self

    monkeypatch.setattr(lifelines.GeneralizedGammaFitter, "fit", fail)
    res = extrapolate(t, e, dists="weibull,gengamma", horizon=1825)
    fit = res.fit("all", "gengamma")
    assert not fit.fitted and "non-convergence" in fit.reason
    row = res.to_frame().set_index("distribution").loc["gengamma"]
    assert math.isnan(row["aic"]) and math.isnan(row["aic_rank"])
    assert res.to_frame().set_index("distribution").loc["weibull", "aic_rank"] == 1
    assert any("Generalized gamma not fitted" in n for n in res.notes)
    assert "not fitted" in res.to_text()


def test_convergence_error_is_reported_not_fitted(monkeypatch, lung):
    t, e, _g = lung

    def fail(self, *args, **kwargs):
        raise lifelines.exceptions.ConvergenceError("Fitting did not converge. Try something.")

    monkeypatch.setattr(lifelines.LogNormalFitter, "fit", fail)
    fit = extrapolate(t, e, dists="lognormal", horizon=1825).fit("all", "lognormal")
    assert not fit.fitted and "did not converge (Fitting did not converge. Try something.)" in fit.reason


def test_too_few_events_is_reported_not_fitted():
    res = extrapolate([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 0], dists="gengamma,exponential", horizon=10)
    assert not res.fit("all", "gengamma").fitted
    assert "too few" in res.fit("all", "gengamma").reason
    assert res.fit("all", "exponential").fitted


def test_simulation_limits_are_seeded(lung):
    t, e, g = lung
    kw = dict(dists="weibull", horizon=1825, times=[365], ci="simulation", n_sim=200)
    a = extrapolate(t, e, g, seed=7, **kw).to_frame()
    b = extrapolate(t, e, g, seed=7, **kw).to_frame()
    c = extrapolate(t, e, g, seed=8, **kw).to_frame()
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["mean_low"], c["mean_low"])
    delta = extrapolate(t, e, g, dists="weibull", horizon=1825).to_frame()
    np.testing.assert_allclose(a["mean_low"], delta["mean_low"], rtol=0.05)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"dists": "weibul"}, "'weibul' is not a distribution"),
        ({"dists": ""}, "got none"),
        ({"splines": 4}, "1, 2 or 3 internal knots"),
        ({"horizon": -1}, "horizon must be a finite number > 0"),
        ({"times": ["x"]}, "times: 'x' is not a number"),
        ({"ci": "bootstrap"}, "ci"),
        ({"conf_level": 1.5}, "confidence level"),
    ],
)
def test_bad_arguments_raise_one_sentence(kwargs, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        extrapolate([1.0, 2.0, 3.0], [1, 1, 0], **kwargs)


def test_time_zero_is_refused():
    with pytest.raises(InputError, match="patient 2 is 0; parametric models need times > 0"):
        extrapolate([1.0, 0.0, 3.0], [1, 1, 0])


def test_default_horizon_is_noted():
    res = extrapolate([1.0, 2.0, 3.0, 5.0], [1, 1, 1, 0], dists="exponential")
    assert res.horizon == 25
    assert any("five times the last observed time" in n for n in res.notes)


def test_display_and_serialisation(lung_result):
    assert repr(lung_result).startswith("ExtrapolationResult horizon=1825: 1: best AIC")
    html = lung_result._repr_html_()
    assert "<table" in html and "Log(scale)" in html
    doc = json.loads(json.dumps(lung_result.to_dict(), allow_nan=False))
    assert doc["levels"] == ["1", "2"] and len(doc["models"]) == 14
    fit = lung_result.fit("1", "weibull")
    assert repr(fit).startswith("ModelFit 1 weibull: (Intercept) ")
    assert list(fit.to_frame()["parameter"]) == ["(Intercept)", "Log(scale)"]
    with pytest.raises(InputError, match="no fit of 'cauchy'"):
        lung_result.fit("1", "cauchy")


def test_flexsurv_names_for_gompertz_and_gengamma(lung_result):
    names = {d: [p[0] for p in lung_result.fit("1", d).parameters] for d in ("gompertz", "gengamma")}
    assert names == {"gompertz": ["shape", "rate"], "gengamma": ["mu", "sigma", "Q"]}


# --------------------------------------------------------------------------- the command
def test_command_prints_the_fit_table(capsys):
    assert main(["extrapolate", str(LUNG), "--by", "arm", "--horizon", "1825", "--times", "365,730"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("arm 1: n=138, events=112")
    assert "Weibull" in out and "Generalized gamma" in out and "(Intercept) 5.87458" in out


def test_command_json_and_plots(tmp_path, capsys):
    plot, hplot = tmp_path / "s.png", tmp_path / "h.png"
    code = main(["extrapolate", str(LUNG), "--by", "arm", "--dists", "weibull,gompertz", "--json",
                 "--plot", str(plot), "--hazard-plot", str(hplot), "--splines", "1"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["distributions"] == ["weibull", "gompertz", "spline1"]
    assert plot.stat().st_size > 10_000 and hplot.stat().st_size > 10_000


def test_command_with_named_columns(tmp_path, capsys):
    f = tmp_path / "ipd.csv"
    pd.DataFrame({"pfs_time": [1.0, 2.5, 3.0, 4.0, 6.0], "pfs_event": [1, 1, 0, 1, 1]}).to_csv(f, index=False)
    assert main(["extrapolate", str(f), "--time", "pfs_time", "--event", "pfs_event", "--dists", "exponential"]) == 0
    assert "arm all: n=5, events=4" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--by", "sex"], "missing column 'sex'"),
        (["--dists", "cauchy"], "--dists: 'cauchy' is not a distribution"),
        (["--times", "1,a"], "--times: 'a' is not a number"),
        (["--splines", "5"], "--splines: expected 1, 2 or 3"),
        (["--horizon", "-3"], "--horizon: expected a time > 0"),
    ],
)
def test_command_bad_input_exits_2_with_one_sentence(args, message, capsys):
    assert main(["extrapolate", str(LUNG), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("survrepro extrapolate: ") and message in err and "Traceback" not in err


def test_command_refuses_time_zero_naming_row_and_column(tmp_path, capsys):
    f = tmp_path / "ipd.csv"
    f.write_text("time,event\n1,1\n0,1\n")
    assert main(["extrapolate", str(f)]) == 2
    assert "row 2, column 'time' is 0; expected a time > 0" in capsys.readouterr().err


# --------------------------------------------------------------------------- plots
def test_plot_extrapolation_draws_every_fitted_curve(lung_result):
    ax = plot_extrapolation(lung_result, title="x")
    gids = {str(line.get_gid()) for line in ax.lines}
    assert {f"fit:{a}:{d}" for a in ("1", "2") for d in (*DISTRIBUTIONS, "spline1")} <= gids
    assert {"km:1", "km:2", "followup:1", "followup:2"} <= gids
    assert ax.get_xlim() == (0.0, 1825.0)
    at_risk = [t.get_text() for t in ax.texts if t.get_gid() == "at-risk:1"]
    assert at_risk[0] == "138"


def test_plot_extrapolated_hazards_and_a_subset(lung_result):
    ax = plot_extrapolated_hazards(lung_result, arms=["2"], dists=["weibull", "gompertz"])
    gids = sorted(str(line.get_gid()) for line in ax.lines if str(line.get_gid()).startswith("hazard:"))
    assert gids == ["hazard:2:gompertz", "hazard:2:weibull"]
    with pytest.raises(InputError, match="arm '3' is not in the result"):
        plot_extrapolation(lung_result, arms=["3"])
    with pytest.raises(InputError, match="model 'cauchy' is not in the result"):
        plot_extrapolated_hazards(lung_result, dists=["cauchy"])


# --------------------------------------------------------------------------- register targets
REGISTER = paths.ROOT / "tests" / "data" / "registers" / "lung_extrapolation.toml"


def _lung_by_sex() -> pd.DataFrame:
    d = pd.read_csv(paths.ROOT / "tests" / "validation" / "data" / "lung.csv")
    return pd.DataFrame({"time": d["time"], "event": d["event"],
                         "arm": d["sex"].map({1: "male", 2: "female"})})


def test_extrapolation_targets_of_a_register_are_reproduced():
    from survrepro.register.evaluate import evaluate_register
    from survrepro.register.schema import load_register

    evaluations = {e.target.id: e for e in evaluate_register(load_register(REGISTER), _lung_by_sex())}
    assert {k: e.status for k, e in evaluations.items()} == dict.fromkeys(evaluations, "match")
    assert len(evaluations) == 7
    weibull = evaluations["os_1y_weibull_female"]
    # R survreg: 100 exp(-(365 / exp(mu))^(1 / sigma)) = 56.429768851571
    assert weibull.reproduced == pytest.approx(56.429768851571, rel=1e-6)
    assert ("model", "Weibull", False) in weibull.settings
    assert evaluations["os_mean_weibull_female"].reproduced == pytest.approx(467.398591393178, rel=1e-6)
    assert evaluations["os_median_lognormal_male"].reproduced == pytest.approx(233.24688970869, rel=1e-6)
    assert evaluations["os_rmean_5y_exponential_male"].reproduced == pytest.approx(347.112912414722, rel=1e-6)


@pytest.mark.parametrize(
    "method, reason",
    [
        ("", "the model is not named"),
        ('method = { estimator = "cauchy" }', "'cauchy' is not a parametric model"),
    ],
)
def test_an_extrapolation_target_without_a_known_model_is_not_attempted(tmp_path, method, reason):
    from survrepro.register.evaluate import evaluate_register
    from survrepro.register.schema import load_register

    text = REGISTER.read_text().replace('method = { estimator = "lognormal" }', method)
    path = tmp_path / "lung_extrapolation.toml"
    path.write_text(text)
    ev = {e.target.id: e for e in evaluate_register(load_register(path), _lung_by_sex())}
    target = ev["os_median_lognormal_male"]
    assert target.status == "not attempted" and reason in target.reason


def test_an_infinite_extrapolated_mean_is_a_miss_with_the_reason(tmp_path):
    from survrepro.register.evaluate import evaluate_register
    from survrepro.register.schema import load_register

    # women: five early deaths, everyone else censored: the log-logistic scale exceeds 1 (no finite mean)
    data = _lung_by_sex()
    data.loc[data["arm"] == "female", "event"] = 0
    data.loc[data.index[data["arm"] == "female"][:5], "event"] = 1
    data.loc[data.index[data["arm"] == "female"][:5], "time"] = 1.0
    text = REGISTER.read_text().replace('role = "check"\nmethod = { estimator = "weibull" }\n\n[[target]]\nid = "os_median',
                        'role = "check"\nmethod = { estimator = "loglogistic" }\n\n[[target]]\nid = "os_median')
    path = tmp_path / "lung_extrapolation.toml"
    path.write_text(text)
    ev = {e.target.id: e for e in evaluate_register(load_register(path), data)}
    mean = ev["os_mean_weibull_female"]
    assert mean.status == "miss" and "falls too slowly for a finite mean" in mean.reason


# --------------------------------------------------------------------------- the EXTEND exhibit
SCRIPT = paths.ANALYSES / "extend_breast" / "extrapolation_pfs.py"


def _run_exhibit(folder):
    from survrepro.report.exhibits import run

    args = ["--figure", str(folder / "extrapolation_pfs.png"),
            "--out", str(folder / "sections" / "40_extrapolation_pfs.md")]
    return run(SCRIPT, args)


@pytest.fixture(scope="module")
def exhibit_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("extrapolation")
    assert _run_exhibit(folder) == 0
    return folder


@pytest.mark.slow
def test_extend_exhibit_writes_a_synthetic_section_with_the_aic_bic_table(exhibit_run):
    text = (exhibit_run / "sections" / "40_extrapolation_pfs.md").read_text()
    assert text.startswith("### PFS extrapolated by parametric models (NICE DSU TSD 14) (SYNTHETIC data)")
    assert "| arm | model | df | log-likelihood | AIC (rank) | BIC (rank) |" in text
    assert "SYNTHETIC data calibrated to the published summaries" in text
    table = pd.read_csv(exhibit_run / "sections" / "40_extrapolation_pfs.csv")
    assert len(table) == 12 and set(table["arm"]) == {"mdt", "soc"}
    assert table["data_source"].str.startswith("SYNTHETIC IPD").all()
    # the numbers are the engine's on the same data
    d = pd.read_csv(paths.DATA / "extend_breast" / "extend_breast_synthetic_ipd.csv")
    res = extrapolate(d["pfs_time"], d["pfs_event"], d["arm"], dists="weibull", horizon=60)
    got = table.set_index(["arm", "distribution"]).loc[("soc", "weibull")]
    assert got["aic"] == pytest.approx(res.fit("soc", "weibull").aic, rel=1e-12)
    for row in table.itertuples():
        if row.fitted:
            assert f"{row.aic:.2f} ({int(row.aic_rank)})" in text


@pytest.mark.slow
@pytest.mark.committed_figure
def test_extend_exhibit_figure_is_the_committed_one_and_reruns_identically(exhibit_run, tmp_path):
    committed = paths.FIGURES / "extend_breast" / "extrapolation_pfs.png"
    assert (exhibit_run / "extrapolation_pfs.png").read_bytes() == committed.read_bytes()
    assert _run_exhibit(tmp_path) == 0
    for rel in ("sections/40_extrapolation_pfs.md", "sections/40_extrapolation_pfs.csv"):
        assert (tmp_path / rel).read_bytes() == (exhibit_run / rel).read_bytes()


def test_extend_exhibit_refuses_a_bad_horizon(tmp_path, capsys):
    from survrepro.report.exhibits import run

    assert run(SCRIPT, ["--figure", str(tmp_path / "f.png"), "--out", str(tmp_path / "s.md"), "--horizon", "0"]) == 2
    assert "--horizon 0: expected a number of months > 0" in capsys.readouterr().err
    assert not (tmp_path / "f.png").exists()


def test_readme_shows_the_command_with_its_actual_output(capsys):
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    command = "$ survrepro extrapolate data/example/lung.csv --by arm --horizon 1825\n"
    shown = readme.split(command, 1)[1].split("```", 1)[0]
    assert main(["extrapolate", str(LUNG), "--by", "arm", "--horizon", "1825"]) == 0
    assert capsys.readouterr().out == shown


def test_command_on_an_extend_arm_is_marked_synthetic(tmp_path, capsys):
    ipd = paths.DATA / "extend_breast" / "extend_breast_synthetic_ipd.csv"
    plot = tmp_path / "pfs.png"
    args = ["extrapolate", str(ipd), "--time", "pfs_time", "--event", "pfs_event", "--by", "arm",
            "--horizon", "60", "--times", "12,60", "--plot", str(plot)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"SYNTHETIC data ({ipd}): the file name says it is synthetic")
    assert "arm mdt: n=22" in out and "arm soc: n=21" in out and "hazard at 12, 60" in out
    assert plot.stat().st_size > 10_000
    assert main([*args[:-2], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["synthetic"] is True
