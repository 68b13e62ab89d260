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
