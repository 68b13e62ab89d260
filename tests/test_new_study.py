"""A study written only as a register file: audit, synthesize and reproduce it end to end.

The study below is invented for this test (no real trial): adding a study to survrepro
means writing one TOML file and no Python.
"""
import json
import textwrap

import pandas as pd
import pytest

from survrepro import paths
from survrepro.cli import main

REGISTER = textwrap.dedent('''
    [study]
    id = "invented_trial"
    title = "An invented two-arm trial"
    citation = "Invented A. Not a real study. 2026."
    doi = "none"
    time_unit = "months"
    design = "randomized"
    sources = ["invented.txt"]
    arms = [{ id = "a", label = "Arm A" }, { id = "b", label = "Arm B" }]
    data = "Invented summary for a test; patient-level data are synthetic."

    [[target]]
    id = "n_a"
    endpoint = "randomization"
    quantity = "n"
    arm = "a"
    value = 24
    quote = "24 and 26 patients were randomly assigned to A and B"
    source = "invented.txt"
    role = "calibrate"

    [[target]]
    id = "n_b"
    endpoint = "randomization"
    quantity = "n"
    arm = "b"
    value = 26
    quote = "24 and 26 patients were randomly assigned to A and B"
    source = "invented.txt"
    role = "calibrate"

    [[target]]
    id = "accrual_start"
    endpoint = "randomization"
    quantity = "accrual_start"
    value = "2019-01"
    quote = "from January 2019 to June 2020"
    source = "invented.txt"
    role = "calibrate"

    [[target]]
    id = "accrual_end"
    endpoint = "randomization"
    quantity = "accrual_end"
    value = "2020-06"
    quote = "from January 2019 to June 2020"
    source = "invented.txt"
    role = "calibrate"

    [[target]]
    id = "pfs_median_a"
    endpoint = "pfs"
    quantity = "median"
    arm = "a"
    value = 9.3
    decimals = 1
    quote = "median PFS 9.3 months with A"
    source = "invented.txt"
    role = "calibrate"

    [[target]]
    id = "pfs_median_b"
    endpoint = "pfs"
    quantity = "median"
    arm = "b"
    value = 12.1
    decimals = 1
    quote = "and 12.1 months with B"
    source = "invented.txt"
    role = "calibrate"

    [[target]]
    id = "n_total"
    endpoint = "randomization"
    quantity = "n"
    value = 50
    quote = "50 patients in all"
    source = "invented.txt"
    role = "check"

    [analysis]
    ipd = "invented_trial/invented_trial_synthetic_ipd.csv"
    ipd_kind = "synthetic"
    arm_column = "arm"
    entry_column = "entry_date"

    [analysis.endpoints.pfs]
    time = "pfs_time"
    event = "pfs_event"
''')


@pytest.fixture
def study(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "DATA", tmp_path / "data")
    register = tmp_path / "invented_trial.toml"
    register.write_text(REGISTER)
    return register


def test_audit_synthesize_reproduce_from_a_register_alone(study, tmp_path, capsys):
    assert main(["audit", str(study), "--json"]) == 0
    audit = json.loads(capsys.readouterr().out)
    assert audit["findings"] and all(f["status"] != "inconsistent" for f in audit["findings"])

    ipd = tmp_path / "data" / "invented_trial" / "invented_trial_synthetic_ipd.csv"
    assert main(["synthesize", str(study), "-o", str(ipd), "--seed", "2", "--endpoints", "pfs,os"]) == 0
    capsys.readouterr()
    data = pd.read_csv(ipd)
    assert sorted(data.arm.value_counts().items()) == [("a", 24), ("b", 26)]

    out = tmp_path / "report"
    assert main(["reproduce", str(study), "--out", str(out)]) == 0
    summary = capsys.readouterr().out
    assert "invented_trial: 7 match, 0 miss, 0 not attempted of 7 targets" in summary
    report = pd.read_csv(out / "report.csv")
    assert set(report.status) == {"match"} and set(report.role) == {"calibrate", "check"}
    assert "SYNTHETIC" in (out / "report.html").read_text()


def test_a_miss_makes_reproduce_fail_loudly(study, tmp_path, capsys):
    ipd = tmp_path / "data" / "invented_trial" / "invented_trial_synthetic_ipd.csv"
    assert main(["synthesize", str(study), "-o", str(ipd), "--seed", "2", "--endpoints", "pfs,os"]) == 0
    study.write_text(REGISTER.replace("value = 50", "value = 51").replace("50 patients in all", "51 patients in all"))
    assert main(["reproduce", str(study), "--out", str(tmp_path / "report")]) == 1
    captured = capsys.readouterr()
    assert "MISS invented_trial:n_total (check) published 51, reproduced 50" in captured.out
    assert "invented_trial:n_total" in captured.err
