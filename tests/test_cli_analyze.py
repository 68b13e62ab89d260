"""`survrepro analyze`: the stable command-line contract."""
import json
import re

import pytest

from survrepro import paths
from survrepro.cli import main

LUNG = str(paths.EXAMPLE / "lung.csv")


def run_json(capsys, *args):
    assert main(["analyze", LUNG, "--json", *args]) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def test_lung_by_sex_log_ci_matches_r(capsys):
    # R: survfit(Surv(time, status) ~ sex, data = lung) -> 270 (212, 310) and 426 (348, 550)
    res = run_json(capsys, "--ci", "log")
    assert [(a["arm"], a["median"], a["median_low"], a["median_high"]) for a in res["arms"]] == [
        ("1", 270.0, 212.0, 310.0),
        ("2", 426.0, 348.0, 550.0),
    ]
    assert res["settings"]["conf_type"] == "log" and res["settings"]["ties"] == "efron"
    assert set(res["comparison"]) == {
        "reference", "hr", "hr_low", "hr_high", "wald_pvalue", "lr_pvalue", "logrank_statistic", "logrank_pvalue",
    }


def test_lung_by_sex_log_log_ci_matches_r(capsys):
    # R: survfit(Surv(time, status) ~ sex, data = lung, conf.type = "log-log") -> 210-306 and 345-524
    res = run_json(capsys, "--ci", "log-log")
    assert [[a["median_low"], a["median_high"]] for a in res["arms"]] == [[210.0, 306.0], [345.0, 524.0]]


def test_comparison_and_landmarks_against_r(capsys):
    # R: coxph(Surv(time, status) ~ factor(sex), data = lung)   exp(coef) 0.5880 (0.4237, 0.8160)
    #    survdiff(Surv(time, status) ~ sex, data = lung)         Chisq = 10.3 on 1 df, p = 0.001
    #    summary(survfit(Surv(time, status) ~ sex, lung), times = 365)$n.risk  -> 35 30
    res = run_json(capsys, "--landmarks", "365", "--reference", "1")
    c = res["comparison"]
    assert c["reference"] == "1"
    assert round(c["hr"], 4) == 0.5880
    assert [round(c[k], 4) for k in ("hr_low", "hr_high")] == [0.4237, 0.8160]
    assert round(c["logrank_statistic"], 1) == 10.3
    lm = [a["landmarks"][0] for a in res["arms"]]
    assert [x["n_at_risk"] for x in lm] == [35, 30]
    assert set(lm[0]) == {"time", "survival", "survival_low", "survival_high", "n_at_risk"}


def test_reference_reverses_the_hazard_ratio(capsys):
    a = run_json(capsys, "--reference", "1")["comparison"]["hr"]
    b = run_json(capsys, "--reference", "2")["comparison"]["hr"]
    assert a * b == pytest.approx(1.0, rel=1e-12)


def test_readable_table(capsys):
    assert main(["analyze", LUNG]) == 0
    out = capsys.readouterr().out
    assert "212 to 310" in out and "hazard ratio" in out


def write(tmp_path, text, name="ipd.csv"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


@pytest.mark.parametrize(
    "content,args,message",
    [
        (None, [], "no such file"),
        ("", [], "the file is empty"),
        ("time,arm\n1,a\n", [], "missing column 'event'"),
        ("time,event\nx,1\n", [], "row 1, column 'time' is 'x'; expected a number"),
        ("time,event\n1,1\n-3,0\n", [], "row 2, column 'time' is -3; expected a finite time >= 0"),
        ("time,event\n1,1\n2,2\n", [], "row 2, column 'event' is 2; expected 0 \\(censored\\) or 1 \\(event\\)"),
        ("time,event\n", [], "no data rows"),
        ("time,event,arm\n1,1,a\n2,0,a\n", ["--reference", "a"], r"ipd\.csv: --reference asks for a comparison, but there is only one arm"),
        ("time,event,arm\n1,1,a\n2,0,b\n", ["--reference", "c"], r"ipd\.csv: reference arm 'c' is not in column 'arm'"),
        ("time,event,arm\n1,1,a\n2,0,b\n", ["--strata", "site"], "missing column 'site'"),
        ("time,event,arm\n1,1,a\n2,0,b\n", ["--landmarks", "6,x"], "--landmarks: 'x' is not a number"),
    ],
)
def test_bad_input_one_sentence_exit_2(tmp_path, capsys, content, args, message):
    path = str(tmp_path / "missing.csv") if content is None else write(tmp_path, content)
    assert main(["analyze", path, *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert re.search(message, err), err


def test_unknown_option_value_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", LUNG, "--ci", "logit"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'logit'" in err


def test_analyze_old_ci_keyword_warns_and_errors_state_facts():
    import pandas as pd

    from survrepro import InputError
    from survrepro.engine.analysis import analyze

    data = pd.read_csv(LUNG)
    with pytest.warns(DeprecationWarning, match="analyze\\(\\): the argument ci= is deprecated; use conf_type="):
        old = analyze(data, ci="log-log")
    assert old.to_dict() == analyze(data, conf_type="log-log").to_dict()
    with pytest.raises(InputError, match="^reference arm 'x' is not in column 'arm'"):
        analyze(data, reference="x")
    with pytest.raises(TypeError, match="where"):
        analyze(data, where="lung.csv")


# --------------------------------------------------------------------------- k arms
VETERAN = paths.ROOT / "tests" / "validation" / "data" / "veteran.csv"
R_RESULTS = paths.ROOT / "tests" / "validation" / "results"


def _r_reference(name, config, **where):
    import pandas as pd

    frame = pd.read_csv(R_RESULTS / name, dtype={"level": str})
    frame = frame[frame["config"] == config]
    for key, value in where.items():
        frame = frame[frame[key] == value]
    return frame


def test_veteran_by_celltype_four_arms_against_r(capsys):
    # R (tests/validation/results/cox_reference.R, config veteran_celltype):
    #   coxph(Surv(time, status) ~ celltype, data = veteran); survdiff(Surv(time, status) ~ celltype, data = veteran)
    assert main(["analyze", str(VETERAN), "--arm", "celltype", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["comparison"] is None and res["warnings"] == []
    coef = _r_reference("cox_coef.csv", "veteran_celltype", ties="efron").set_index("level")
    assert [c["level"] for c in res["comparisons"]] == ["large", "smallcell", "squamous"] == list(coef.index)
    for c in res["comparisons"]:
        r = coef.loc[c["level"]]
        assert c["reference"] == "adeno" and c["coef_may_be_infinite"] is False
        assert c["hr"] == pytest.approx(r["hr"], rel=1e-9)
        assert c["hr_low"] == pytest.approx(r["hr_lower"], rel=1e-9)
        assert c["hr_high"] == pytest.approx(r["hr_upper"], rel=1e-9)
        assert c["wald_pvalue"] == pytest.approx(r["p"], rel=1e-7)
    tests = _r_reference("cox_tests.csv", "veteran_celltype", ties="efron").iloc[0]
    t = res["cox_tests"]
    assert t["df"] == 3
    for k in ("wald", "lr", "score"):
        assert t[f"{k}_statistic"] == pytest.approx(tests[f"{k}_chisq"], rel=1e-9)
        assert t[f"{k}_pvalue"] == pytest.approx(tests[f"{k}_p"], rel=1e-7)
    lr = _r_reference("cox_logrank.csv", "veteran_celltype").iloc[0]
    assert res["logrank"]["df"] == 3 == lr["df"]
    assert res["logrank"]["statistic"] == pytest.approx(lr["chisq"], rel=1e-9)
    assert res["logrank"]["pvalue"] == pytest.approx(lr["p"], rel=1e-7)


def test_contrast_lr_p_is_the_fit_against_the_level_merged_into_the_reference(capsys):
    import numpy as np
    import pandas as pd
    from scipy import stats

    from survrepro.engine.cox import cox_ph

    assert main(["analyze", str(VETERAN), "--arm", "celltype", "--json", "--ties", "breslow"]) == 0
    res = json.loads(capsys.readouterr().out)
    d = pd.read_csv(VETERAN)
    full = cox_ph(d["time"], d["event"], d["celltype"], ties="breslow")
    for c in res["comparisons"]:
        merged = np.where(d["celltype"] == c["level"], "adeno", d["celltype"])
        reduced = cox_ph(d["time"], d["event"], merged, ties="breslow")
        assert c["lr_pvalue"] == pytest.approx(stats.chi2.sf(2 * (full.loglik - reduced.loglik), 1), rel=1e-12)


def test_k_arms_with_reference_and_strata_against_r(capsys):
    # R config veteran_celltype_ref_squamous_strata_trt:
    #   coxph(Surv(time, status) ~ relevel(celltype, "squamous") + strata(trt), data = veteran)
    args = ["analyze", str(VETERAN), "--arm", "celltype", "--reference", "squamous", "--strata", "trt"]
    assert main([*args, "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    coef = _r_reference("cox_coef.csv", "veteran_celltype_ref_squamous_strata_trt", ties="efron").set_index("level")
    assert [c["level"] for c in res["comparisons"]] == list(coef.index)
    assert [round(c["hr"], 10) for c in res["comparisons"]] == [round(v, 10) for v in coef["hr"]]
    lr = _r_reference("cox_logrank.csv", "veteran_celltype_ref_squamous_strata_trt").iloc[0]
    assert res["logrank"]["statistic"] == pytest.approx(lr["chisq"], rel=1e-9)
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Comparisons against squamous (reference), Cox ties=efron, stratified by trt" in out
    assert re.search(r"^  adeno\s+2\.9045   1\.6130 to 5\.2299", out, flags=re.M)
    assert "log-rank chi-square = 22.7821 on 3 df, p = 4.483e-05" in out


def test_two_arms_keep_the_comparison_object_and_add_the_same_contrast(capsys):
    res = run_json(capsys, "--reference", "1")
    c, (k,) = res["comparison"], res["comparisons"]
    assert (k["level"], k["reference"]) == ("2", "1")
    assert [k[f] for f in ("hr", "hr_low", "hr_high", "wald_pvalue", "lr_pvalue")] == [
        c[f] for f in ("hr", "hr_low", "hr_high", "wald_pvalue", "lr_pvalue")]
    assert res["logrank"] == {"statistic": c["logrank_statistic"], "df": 1, "pvalue": c["logrank_pvalue"]}
    assert res["warnings"] == []


def test_one_arm_has_no_comparisons(tmp_path, capsys):
    path = write(tmp_path, "time,event\n1,1\n2,0\n3,1\n")
    assert main(["analyze", path, "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert (res["comparison"], res["comparisons"], res["logrank"], res["warnings"]) == (None, [], None, [])


# --------------------------------------------------------------------------- infinite coefficients
R_INFINITE = "Loglik converged before variable 1; coefficient may be infinite."
NO_EVENTS_IN_B = "time,event,arm\n1,1,A\n2,1,A\n3,0,A\n4,1,A\n2,0,B\n3,0,B\n5,0,B\n6,0,B\n"
SEPARATED = "time,event,arm\n1,1,A\n2,1,A\n3,1,A\n4,1,A\n5,1,B\n6,1,B\n7,0,B\n8,1,B\n"  # every A event before any B


R_NOT_CONVERGED = "Ran out of iterations and did not converge."


# R 4.2.2, survival 3.5-3 (tests/validation/results/coxph_infinite_warnings.R): coxph warns
#   NO_EVENTS_IN_B: "Ran out of iterations and did not converge" (iter 21, coef -21.6286)
#   SEPARATED:      "Loglik converged before variable  1 ; coefficient may be infinite." (coef -22.1104)
#   SEPARATED, A -> C: the same warning (coef 22.1104)
@pytest.mark.parametrize("content,limit,r_warning", [
    (NO_EVENTS_IN_B, "0", R_NOT_CONVERGED),
    (SEPARATED, "0", R_INFINITE),
    (SEPARATED.replace(",A\n", ",C\n"), "infinity", R_INFINITE),
])
def test_infinite_coefficient_warns_as_r_and_is_not_printed_as_estimated(tmp_path, capsys, content, limit, r_warning):
    path = write(tmp_path, content)
    with warnings_as_errors():
        assert main(["analyze", path]) == 0
    captured = capsys.readouterr()
    assert captured.err == f"survrepro analyze: warning: {r_warning}\n"
    assert "RuntimeWarning" not in captured.err + captured.out
    assert f"hazard ratio not estimated: the coefficient may be infinite (the hazard ratio tends to {limit})" in captured.out
    assert "0.0000 (95% CI" not in captured.out and not re.search(r"\binf\b", captured.out)
    with warnings_as_errors():
        assert main(["analyze", path, "--json"]) == 0
    captured = capsys.readouterr()
    res = json.loads(captured.out)
    assert res["warnings"] == [r_warning] and captured.err == f"survrepro analyze: warning: {r_warning}\n"
    (k,) = res["comparisons"]
    assert k["coef_may_be_infinite"] is True and (k["hr"], k["hr_low"], k["hr_high"]) == (None, None, None)
    assert res["comparison"]["hr"] is None and 0 < res["comparison"]["lr_pvalue"] < 0.05


def test_infinite_contrast_among_k_arms_names_its_variable(tmp_path, capsys):
    # arms A (reference), B, C: C has no events; R 4.2.2 coxph warns "Loglik converged before
    # variable  2 ; coefficient may be infinite." (coef -0.4624, -21.1411)
    rows = ["time,event,arm"] + [f"{t},{e},{a}" for a, ts in (("A", (1, 3, 5, 7, 9)), ("B", (2, 4, 6, 8, 10)))
                                 for t, e in zip(ts, (1, 1, 0, 1, 1))] + [f"{t},0,C" for t in (3, 6, 9, 11)]
    path = write(tmp_path, "\n".join(rows) + "\n")
    with warnings_as_errors():
        assert main(["analyze", path, "--json"]) == 0
    captured = capsys.readouterr()
    res = json.loads(captured.out)
    assert res["warnings"] == ["Loglik converged before variable 2; coefficient may be infinite."]
    assert [k["coef_may_be_infinite"] for k in res["comparisons"]] == [False, True]
    assert res["comparisons"][0]["hr"] is not None and res["comparisons"][1]["hr"] is None
    assert main(["analyze", path]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^  C\s+-> 0   coefficient may be infinite", out, flags=re.M), out


def test_lower_limit_not_estimable_upper_limit_not_reached(tmp_path, capsys):
    path = write(tmp_path, NO_EVENTS_IN_B)
    assert main(["analyze", path]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^  A\s+4\s+3\s+3   1 to NR$", out, flags=re.M), out  # upper limit not reached
    assert re.search(r"^  B\s+4\s+0\s+NR   not estimable to NR$", out, flags=re.M), out


def warnings_as_errors():
    import warnings

    ctx = warnings.catch_warnings()

    class _Ctx:
        def __enter__(self):
            ctx.__enter__()
            warnings.simplefilter("error")

        def __exit__(self, *exc):
            return ctx.__exit__(*exc)

    return _Ctx()


def test_bad_arm_column_one_sentence_exit_2(tmp_path, capsys):
    assert main(["analyze", str(VETERAN), "--arm", "histology"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "veteran.csv: missing column 'histology'" in err
