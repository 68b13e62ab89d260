"""The `survrepro reconstruct` command end to end (synthetic fixtures)."""
from __future__ import annotations

import json

import pandas as pd

from survrepro.cli import main
from survrepro.paths import TESTS

DATA = TESTS / "data" / "reconstruct"


def test_reconstruct_then_analyze(tmp_path, capsys):
    out, fid = tmp_path / "ipd.csv", tmp_path / "fid.json"
    status = main(["reconstruct", "--curve", str(DATA / "synthetic_two_arm_curve.csv"),
                   "--at-risk", str(DATA / "synthetic_two_arm_at_risk.csv"),
                   "--events-by-arm", "A=7,B=4", "-o", str(out), "--fidelity", str(fid)])
    assert status == 0
    text = capsys.readouterr().out
    assert "arm A: 20 patients, 7 events (published 7)" in text
    ipd = pd.read_csv(out)
    assert list(ipd.columns) == ["time", "event", "arm"] and len(ipd) == 40
    report = json.loads(fid.read_text())
    assert [a["arm"] for a in report["arms"]] == ["A", "B"]
    assert all(a["at_risk_max_abs_difference"] == 0 for a in report["arms"])
    assert main(["analyze", str(out)]) == 0


def test_reconstruct_n_only_locale_export(tmp_path, capsys):
    out = tmp_path / "ipd.csv"
    assert main(["reconstruct", "--curve", str(DATA / "synthetic_wpd_locale.csv"), "--n", "20", "-o", str(out)]) == 0
    assert "survival read as percent" in capsys.readouterr().out
    assert len(pd.read_csv(out)) == 20


def test_bad_input_exit_2_nothing_written(tmp_path, capsys):
    out = tmp_path / "ipd.csv"
    status = main(["reconstruct", "--curve", str(DATA / "synthetic_two_arm_curve.csv"),
                   "--at-risk", str(DATA / "synthetic_at_risk_increasing.csv"), "-o", str(out)])
    assert status == 2 and not out.exists()
    err = capsys.readouterr().err
    assert "synthetic_at_risk_increasing.csv: row 3, n_at_risk rises from 15 (row 2) to 17" in err
    assert err.count("\n") == 1


def test_cumulative_needs_flag(tmp_path, capsys):
    out = tmp_path / "ipd.csv"
    args = ["reconstruct", "--curve", str(DATA / "synthetic_cumulative.csv"), "--n", "10", "-o", str(out)]
    assert main(args) == 2 and not out.exists()
    assert "--convert-cumulative" in capsys.readouterr().err
    assert main(args + ["--convert-cumulative"]) == 0
    assert "converted with 1 - F" in capsys.readouterr().out


def test_missing_table_and_n(tmp_path, capsys):
    assert main(["reconstruct", "--curve", str(DATA / "synthetic_wpd_export.csv"), "-o", str(tmp_path / "x.csv")]) == 2
    assert "--at-risk or --n is required" in capsys.readouterr().err
