"""Each malformed input, unbounded size, lost output and leak found by fuzzing the command
line, kept as a named case: one sentence on stderr and exit status 2 (or a bounded run),
no traceback, no file written, no input changed."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from survrepro import io, paths
from survrepro.cli import main
from survrepro.errors import InputError

REGISTERS = paths.TESTS / "data" / "registers"
LUNG = paths.EXAMPLE / "lung.csv"
CURVE = "time,survival\n0,1\n3,0.9\n6,0.7\n12,0.5\n18,0.4\n24,0.3\n"


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Run ``survrepro ARGV`` in ``tmp_path``; return (status, stdout, stderr), checking the error contract."""
    monkeypatch.chdir(tmp_path)

    def run(*argv, status=None):
        before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
        got = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        if got == 2:
            assert len(err.strip().splitlines()) == 1, err
            after = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
            assert after == before, "a file was written on exit 2"
        if status is not None:
            assert got == status, (got, err)
        return got, out, err

    return run


def write(tmp_path, name, text):
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def register_copy(tmp_path, old="", new="", name="reg.toml"):
    text = (REGISTERS / "lung_by_sex_undated.toml").read_text(encoding="utf-8")
    assert old in text
    return write(tmp_path, name, text.replace(old, new, 1) if old else text)


# --------------------------------------------------------------------------- tracebacks
def test_unreadable_csv_permission_error(tmp_path, cli, monkeypatch):
    write(tmp_path, "ipd.csv", "time,event\n1,1\n2,0\n")
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: (_ for _ in ()).throw(PermissionError(13, "Permission denied")))
    _, _, err = cli("analyze", "ipd.csv", status=2)
    assert err == ("survrepro analyze: ipd.csv: cannot be read (permission denied); "
                   "expected a patient-level data file (time,event[,arm]).\n")


def test_unreadable_toml_permission_error(tmp_path, cli, monkeypatch):
    register_copy(tmp_path)

    def denied(self, *a, **k):
        raise PermissionError(13, "Permission denied", str(self))
    monkeypatch.setattr(Path, "open", denied)
    _, _, err = cli("audit", "reg.toml", status=2)
    assert err == "survrepro audit: reg.toml: cannot be read (permission denied); expected a TOML file.\n"


def test_unreadable_curve_permission_error(tmp_path, cli, monkeypatch):
    write(tmp_path, "c.csv", CURVE)

    def denied(self, *a, **k):
        raise PermissionError(13, "Permission denied", str(self))
    monkeypatch.setattr(Path, "read_text", denied)
    _, _, err = cli("reconstruct", "--curve", "c.csv", "--n", "20", "-o", "ipd.csv", status=2)
    assert "c.csv: cannot be read (permission denied)" in err


def test_unreadable_path_stat_permission_error(tmp_path, monkeypatch):
    def denied(self, *a, **k):
        raise PermissionError(13, "Permission denied", str(self))
    monkeypatch.setattr(Path, "stat", denied)
    with pytest.raises(InputError, match=r"^x\.csv: cannot be read \(permission denied\); expected a CSV file\.$"):
        io.check_input("x.csv", "CSV file")


def test_register_not_utf8(tmp_path, cli):
    write(tmp_path, "reg.toml", b"\xff\xfe[study]\n")
    _, _, err = cli("audit", "reg.toml", status=2)
    assert err == "survrepro audit: reg.toml: is not UTF-8 text; expected a TOML file.\n"


def test_design_file_not_utf8(tmp_path, cli):
    write(tmp_path, "d.toml", b"[design]\nkind = \"events\"\n\xff\n")
    _, _, err = cli("design", "events", "--design", "d.toml", status=2)
    assert err == "survrepro design: d.toml: is not UTF-8 text; expected a TOML file.\n"


def test_register_path_is_folder(tmp_path, cli):
    (tmp_path / "reg.toml").mkdir()
    _, _, err = cli("audit", "reg.toml", status=2)
    assert err == "survrepro audit: reg.toml: is a folder; expected a TOML file.\n"


def test_quantity_list_in_target(tmp_path, cli):
    register_copy(tmp_path, 'quantity = "n"', 'quantity = ["n"]')
    _, _, err = cli("audit", "reg.toml", status=2)
    assert "target 'n_female' (entry 1): unknown quantity ['n']" in err


def test_study_name_300_characters(tmp_path, cli):
    _, _, err = cli("audit", "s" * 300, status=2)
    assert "a study id is snake_case of at most 100 characters" in err and "(300 characters)" in err
    register_copy(tmp_path, 'id = "lung_by_sex_undated"', 'id = "' + "s" * 300 + '"')
    _, _, err = cli("reproduce", "reg.toml", "--out", "report", status=2)
    assert "[study]: id must be snake_case text of at most 100 characters" in err


def test_analysis_ipd_path_300_characters(tmp_path, cli):
    old = 'ipd = "lung_by_sex_undated/lung_by_sex_undated_synthetic_ipd.csv"'
    register_copy(tmp_path, old, 'ipd = "' + "b" * 300 + '_synthetic.csv"')
    _, _, err = cli("reproduce", "reg.toml", "--out", "report", status=2)
    assert "field 'ipd' is 314 characters long; expected a path of at most 200 characters" in err


@pytest.mark.parametrize("target,message", [
    ("folder", "folder: is a folder; expected the name of a file to write."),
    ("plain.txt/ipd.csv", "plain.txt/ipd.csv: cannot be written (a part of the path is a file, not a folder)."),
])
def test_output_is_folder_or_under_a_file(tmp_path, cli, target, message):
    write(tmp_path, "c.csv", CURVE)
    (tmp_path / "folder").mkdir()
    write(tmp_path, "plain.txt", "keep\n")
    _, _, err = cli("reconstruct", "--curve", "c.csv", "--n", "20", "-o", target, status=2)
    assert err == f"survrepro reconstruct: {message}\n"


def test_output_in_read_only_folder(tmp_path, cli, monkeypatch):
    write(tmp_path, "c.csv", CURVE)
    (tmp_path / "ro").mkdir()

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(io.tempfile, "mkstemp", denied)
    _, _, err = cli("reconstruct", "--curve", "c.csv", "--n", "20", "-o", "ro/ipd.csv", status=2)
    assert err == "survrepro reconstruct: ro/ipd.csv: cannot write in the folder ro (permission denied).\n"


def test_reproduce_out_names_a_file(tmp_path, cli):
    write(tmp_path, "plain.txt", "keep\n")
    _, _, err = cli("reproduce", "levee2025", "--out", "plain.txt", status=2)
    assert err == ("survrepro reproduce: --out plain.txt: is a file; expected a folder for report.md, "
                   "report.csv and report.html.\n")
    assert (tmp_path / "plain.txt").read_text() == "keep\n"


def test_negative_seed_synthesize(tmp_path, cli):
    register_copy(tmp_path)
    _, _, err = cli("synthesize", "reg.toml", "--seed", "-5", status=2)
    assert err == "survrepro synthesize: --seed must be a whole number from 0 to 9223372036854775807; got -5.\n"


def test_negative_seed_design_simulate(cli):
    _, _, err = cli("design", "simulate", "--n", "20", "--hr", "0.7", "--median-control", "6", "--accrual", "12",
                    "--follow-up", "6", "--trials", "5", "--seed", "-5", status=2)
    assert err == "survrepro design: --seed must be a whole number from 0 to 9223372036854775807; got -5.\n"


def test_design_events_allocation_1e300(cli):
    _, _, err = cli("design", "events", "--hr", "0.7", "--allocation", "1e300", status=2)
    assert err == "survrepro design: --allocation must be a number from 0.01 to 100; got 1e+300.\n"


def test_design_events_dropout_1e308(cli):
    _, _, err = cli("design", "events", "--hr", "0.7", "--median-control", "6", "--accrual", "12",
                    "--follow-up", "6", "--dropout", "1e308", status=2)
    assert err == "survrepro design: dropout hazard must be a number from 0 to 1e+09; got 1e+308.\n"
    _, _, err = cli("design", "events", "--hr", "0.7", "--median-control", "1e6", "--accrual", "12",
                    "--dropout", "1e9", "--follow-up", "6", status=2)
    assert "the design needs more than 10^9 patients (a patient's event is observed with probability" in err


def test_analyze_json_arm_all_censored(tmp_path, cli):
    write(tmp_path, "ipd.csv", "time,event,arm\n1,1,A\n2,1,A\n3,0,A\n4,0,B\n5,0,B\n6,0,B\n")
    _, out, err = cli("analyze", "ipd.csv", "--json", status=0)
    res = json.loads(out)
    assert res["arms"][1]["events"] == 0 and res["arms"][1]["median"] is None
    assert err == "survrepro analyze: warning: Ran out of iterations and did not converge.\n"


# --------------------------------------------------------------------------- hangs and memory
def test_simon_close_rates_refused_up_front(cli):
    t0 = time.perf_counter()
    _, _, err = cli("design", "simon", "--p0", "0.30", "--p1", "0.32", status=2)
    assert "Simon's exhaustive search covers two-stage designs of at most 150 patients" in err
    assert time.perf_counter() - t0 < 10


def test_simon_n_max_2000_refused(cli):
    _, _, err = cli("design", "simon", "--p0", "0.1", "--p1", "0.3", "--n-max", "2000", status=2)
    assert "--n-max must be a whole number from 2 to 150 patients" in err


def test_binomial_n_max_refused(cli):
    _, _, err = cli("design", "binomial", "--p0", "0.1", "--p1", "0.3", "--power", "0.8", "--n-max", "100000000",
                    status=2)
    assert "--n-max must be a whole number from 1 to 100000 patients; got 100000000." in err


def test_simulate_trials_1e9_refused(cli):
    _, _, err = cli("design", "simulate", "--n", "20", "--hr", "0.7", "--median-control", "6", "--accrual", "12",
                    "--follow-up", "6", "--trials", "1000000000", status=2)
    assert err == "survrepro design: --trials must be a whole number from 1 to 1000000 trials; got 1000000000.\n"


def test_simulate_n_1e7_refused(cli):
    _, _, err = cli("design", "simulate", "--n", "10000000", "--hr", "0.7", "--median-control", "6",
                    "--accrual", "12", "--follow-up", "6", status=2)
    assert err == "survrepro design: --n must be a whole number from 1 to 1000000 patients; got 10000000.\n"


def test_simulate_batch_memory_bounded(cli):
    _, _, err = cli("design", "simulate", "--n", "20000", "--hr", "0.7", "--median-control", "6",
                    "--accrual", "12", "--follow-up", "6", status=2)
    assert "expected at most 5000000 (use a batch size of at most 250)" in err


def test_reconstruct_n_1e9_refused(tmp_path, cli):
    write(tmp_path, "c.csv", CURVE)
    _, _, err = cli("reconstruct", "--curve", "c.csv", "--n", "1000000000", "-o", "ipd.csv", status=2)
    assert err == "survrepro reconstruct: --n must be a whole number from 1 to 1000000 patients; got 1000000000.\n"


def test_reconstruct_risk_table_1e9_refused(tmp_path, cli):
    write(tmp_path, "c.csv", CURVE)
    write(tmp_path, "ar.csv", "time,n_at_risk\n0,1000000000\n12,10\n")
    _, _, err = cli("reconstruct", "--curve", "c.csv", "--at-risk", "ar.csv", "-o", "ipd.csv", status=2)
    assert err == "survrepro reconstruct: ar.csv: row 1, n_at_risk is 1000000000; expected at most 1000000 patients.\n"


@pytest.mark.parametrize("argv", [["analyze", "/dev/zero"], ["audit", "/dev/zero"],
                                  ["reconstruct", "--curve", "/dev/zero", "--n", "5", "-o", "x.csv"]])
def test_reading_dev_zero_refused(cli, argv):
    _, _, err = cli(*argv, status=2)
    assert "/dev/zero: is a character device, not a regular file" in err


def test_reading_fifo_refused(tmp_path, cli):
    os.mkfifo(tmp_path / "pipe.csv")
    _, _, err = cli("analyze", "pipe.csv", status=2)
    assert "pipe.csv: is a FIFO (named pipe), not a regular file" in err


# --------------------------------------------------------------------------- lost or damaged data
def test_reconstruct_output_equal_to_curve(tmp_path, cli):
    write(tmp_path, "c.csv", CURVE)
    _, _, err = cli("reconstruct", "--curve", "c.csv", "--n", "20", "-o", "./c.csv", status=2)
    assert err == ("survrepro reconstruct: -o ./c.csv is the same file as --curve c.csv; "
                   "expected an output that does not overwrite an input.\n")
    assert (tmp_path / "c.csv").read_text() == CURVE


def test_synthesize_output_equal_to_register(tmp_path, cli):
    reg = register_copy(tmp_path)
    before = reg.read_bytes()
    _, _, err = cli("synthesize", "reg.toml", "-o", "reg.toml", status=2)
    assert "-o reg.toml is the same file as the register reg.toml" in err
    assert reg.read_bytes() == before


def test_synthesize_notes_equal_to_the_data_file(tmp_path, cli):
    register_copy(tmp_path)
    _, _, err = cli("synthesize", "reg.toml", "-o", "x.csv", "--notes", "x.csv", status=2)
    assert "--notes x.csv is the same file as -o x.csv" in err
    assert not (tmp_path / "x.csv").exists()


def test_synthesize_notes_into_a_folder_writes_neither_file(tmp_path, cli):
    register_copy(tmp_path)
    (tmp_path / "folder").mkdir()
    _, _, err = cli("synthesize", "reg.toml", "-o", "x.csv", "--notes", "folder", "--max-iter", "5", status=2)
    assert "folder: is a folder; expected the name of a file to write." in err
    assert not (tmp_path / "x.csv").exists()


def test_output_equal_to_fidelity(tmp_path, cli):
    write(tmp_path, "c.csv", CURVE)
    _, _, err = cli("reconstruct", "--curve", "c.csv", "--n", "20", "-o", "same.csv", "--fidelity", "same.csv",
                    status=2)
    assert err == ("survrepro reconstruct: --fidelity same.csv is the same file as -o same.csv; "
                   "expected a different file for each output.\n")


def test_failed_fidelity_write_leaves_previous_ipd(tmp_path, cli, monkeypatch):
    write(tmp_path, "c.csv", CURVE)
    write(tmp_path, "ipd.csv", "previous\n")
    real = os.replace
    calls = []

    def replace(src, dst):
        calls.append(dst)
        if Path(dst).name == "fit.json":
            raise OSError(28, "No space left on device")
        return real(src, dst)
    monkeypatch.setattr(io.os, "replace", replace)
    _, _, err = cli("reconstruct", "--curve", "c.csv", "--n", "20", "-o", "ipd.csv", "--fidelity", "fit.json")
    assert err.endswith("fit.json: cannot be written (no space left on device).\n")
    assert (tmp_path / "ipd.csv").read_text() == "previous\n"  # the set was rolled back
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "ipd.csv"]


def test_failed_fidelity_write_leaves_no_new_ipd(tmp_path, cli, monkeypatch):
    write(tmp_path, "c.csv", CURVE)
    real = os.replace
    monkeypatch.setattr(io.os, "replace", lambda s, d: (_ for _ in ()).throw(OSError(28, "No space left on device"))
                        if Path(d).name == "fit.json" else real(s, d))
    cli("reconstruct", "--curve", "c.csv", "--n", "20", "-o", "ipd.csv", "--fidelity", "fit.json", status=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv"]


def test_symlink_output_outside_folder_refused(tmp_path, cli):
    write(tmp_path, "c.csv", CURVE)
    outside = write(tmp_path, "elsewhere/keep.txt", "keep\n")
    (tmp_path / "out").mkdir()
    os.symlink(outside, tmp_path / "out" / "ipd.csv")
    _, _, err = cli("reconstruct", "--curve", "c.csv", "--n", "20", "-o", "out/ipd.csv", status=2)
    assert "out/ipd.csv: is a symbolic link to" in err and "outside the folder" in err
    assert outside.read_text() == "keep\n" and (tmp_path / "out" / "ipd.csv").is_symlink()


def test_symlink_output_inside_folder_written_through(tmp_path, cli):
    write(tmp_path, "c.csv", CURVE)
    write(tmp_path, "ipd_v1.csv", "old\n")
    os.symlink("ipd_v1.csv", tmp_path / "ipd.csv")
    cli("reconstruct", "--curve", "c.csv", "--n", "20", "-o", "ipd.csv", status=0)
    assert (tmp_path / "ipd.csv").is_symlink()
    assert (tmp_path / "ipd_v1.csv").read_text().startswith("time,event\n")


def test_existing_output_keeps_its_permissions(tmp_path):
    target = write(tmp_path, "out.txt", "old\n")
    os.chmod(target, 0o640)
    io.write_text(target, "new\n")
    assert target.read_text() == "new\n" and (target.stat().st_mode & 0o777) == 0o640


@pytest.mark.parametrize("device", [os.devnull, "/dev/zero"])
def test_device_output_refused(tmp_path, cli, device):
    write(tmp_path, "c.csv", CURVE)
    before = os.stat(device)
    _, _, err = cli("reconstruct", "--curve", "c.csv", "--n", "20", "-o", device, status=2)
    assert f"{device}: is a character device, not a regular file" in err
    after = os.stat(device)
    assert (after.st_ino, after.st_mode, after.st_rdev) == (before.st_ino, before.st_mode, before.st_rdev)


def test_write_set_rolls_back_when_a_rename_fails(tmp_path, monkeypatch):
    a, b = write(tmp_path, "report.md", "old md\n"), tmp_path / "report.csv"
    real = os.replace
    monkeypatch.setattr(io.os, "replace", lambda s, d: (_ for _ in ()).throw(OSError(5, "Input/output error"))
                        if Path(d).name == "report.csv" else real(s, d))
    with pytest.raises(InputError, match="report.csv: cannot be written"):
        io.write_set({a: "new md\n", b: "new csv\n"})
    assert a.read_text() == "old md\n" and not b.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_write_set_refuses_the_same_file_twice(tmp_path):
    with pytest.raises(InputError, match="are the same file; expected a different file for each output"):
        io.write_set({f"{tmp_path}/a.csv": "1", f"{tmp_path}/./a.csv": "2"})
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- wrong answers accepted
def test_total_events_above_patients(tmp_path, cli):
    write(tmp_path, "c.csv", CURVE)
    _, _, err = cli("reconstruct", "--curve", "c.csv", "--n", "20", "--total-events", "1000", "-o", "ipd.csv",
                    status=2)
    assert err == ("survrepro reconstruct: --total-events 1000 exceeds the 20 patients; "
                   "expected at most one event per patient.\n")


def test_events_by_arm_above_arm_sizes(tmp_path, cli):
    write(tmp_path, "c.csv", "time,survival,arm\n0,1,A\n6,0.8,A\n12,0.5,A\n0,1,B\n6,0.7,B\n12,0.4,B\n")
    write(tmp_path, "ar.csv", "time,n_at_risk,arm\n0,20,A\n12,10,A\n0,20,B\n12,8,B\n")
    _, _, err = cli("reconstruct", "--curve", "c.csv", "--at-risk", "ar.csv", "--events-by-arm", "A=500,B=5",
                    "-o", "ipd.csv", status=2)
    assert err == ("survrepro reconstruct: --events-by-arm: arm 'A' has 500 events but 20 patients; "
                   "expected at most one event per patient.\n")


def test_at_risk_1e308_quotes_a_plain_number(tmp_path, cli):
    write(tmp_path, "c.csv", CURVE)
    write(tmp_path, "ar.csv", "time,n_at_risk\n0,1e308\n12,10\n")
    _, _, err = cli("reconstruct", "--curve", "c.csv", "--at-risk", "ar.csv", "-o", "ipd.csv", status=2)
    assert "np.float64" not in err and "ar.csv: row 1, column 'n_at_risk' is 1e+308; expected a finite number" in err


# --------------------------------------------------------------------------- leaks
def test_data_symlink_outside_project_refused(tmp_path, cli, monkeypatch):
    secret = write(tmp_path, "outside/secret.csv", "time,event\nTOP-SECRET,1\n")
    data = tmp_path / "project" / "data"
    (data / "lung_by_sex_undated").mkdir(parents=True)
    os.symlink(secret, data / "lung_by_sex_undated" / "lung_by_sex_undated_synthetic_ipd.csv")
    monkeypatch.setattr(paths, "DATA", data)
    monkeypatch.setattr(paths, "ROOT", tmp_path / "project")
    register_copy(tmp_path)
    _, _, err = cli("reproduce", "reg.toml", "--out", "report", status=2)
    assert "leads outside the project through a symbolic link" in err and "TOP-SECRET" not in err


def test_data_symlink_inside_project_accepted(tmp_path):
    from survrepro.register.schema import load_register
    data = paths.DATA
    assert paths.inside(data / "levee2025", paths.ROOT)
    assert not paths.inside(data / ".." / ".." / "etc" / "shadow", paths.ROOT)
    assert load_register("levee2025").analysis.ipd_path.is_file()


def test_design_target_outside_the_project_refused(tmp_path, cli):
    text = (paths.DESIGNS / "extend_breast.toml").read_text(encoding="utf-8")
    write(tmp_path, "evil.toml", text.replace('target = "extend_breast:design_power"',
                                              'target = "../../../outside/evil:design_power"'))
    _, _, err = cli("design", "events", "--design", "evil.toml", status=2)
    assert "refers to '../../../outside/evil:design_power'; expected 'study:target_id' with a study id" in err


def test_long_header_quoted_as_excerpt(tmp_path, cli):
    write(tmp_path, "ipd.csv", "x" * 5000 + ",event\n1,1\n")
    _, _, err = cli("analyze", "ipd.csv", status=2)
    assert len(err) < 300 and "...' (5007 characters)" in err


def test_long_cell_quoted_as_excerpt(tmp_path, cli):
    write(tmp_path, "ipd.csv", "time,event\n" + "9" * 20 + "x" * 5000 + ",1\n")
    _, _, err = cli("analyze", "ipd.csv", status=2)
    assert len(err) < 300 and "(5020 characters); expected a number." in err


def test_control_characters_escaped_on_the_terminal(tmp_path, cli):
    write(tmp_path, "ipd.csv", "time,event,arm\n1,1,A\x1b[31m\n2,1,A\x1b[31m\n4,1,B\n5,1,B\n3,0,B\n")
    _, out, err = cli("analyze", "ipd.csv", status=0)
    assert "\x1b" not in out + err and "A\\x1b[31m" in out
    write(tmp_path, "bad.csv", "time,event\n1,\x07\u202e2\n")
    _, _, err = cli("analyze", "bad.csv", status=2)
    assert "\x07" not in err and "\u202e" not in err and "\\x07\\u202e2" in err


# --------------------------------------------------------------------------- noise
def test_times_1e308_refused(tmp_path, cli):
    write(tmp_path, "ipd.csv", "time,event,arm\n1,1,A\n2,1,A\n1e308,0,A\n4,1,B\n5,1,B\n6,0,B\n")
    _, out, err = cli("analyze", "ipd.csv", status=2)
    assert err == ("survrepro analyze: ipd.csv: row 3, column 'time' is '1e+308'; expected a finite number of at "
                   "most 10^9 in size (larger values are not times or counts in any unit).\n")
    assert out == ""


def test_separated_cox_warns_as_r_without_numpy_warning(tmp_path, cli):
    # every A event before any B event (tests/test_cli_analyze.py: R 4.2.2 coxph warns the same)
    write(tmp_path, "ipd.csv", "time,event,arm\n1,1,A\n2,1,A\n3,1,A\n4,1,A\n5,1,B\n6,1,B\n7,0,B\n8,1,B\n")
    _, out, err = cli("analyze", "ipd.csv", status=0)  # numpy warnings are errors in the test run
    assert err == "survrepro analyze: warning: Loglik converged before variable 1; coefficient may be infinite.\n"
    assert "RuntimeWarning" not in out + err and not re.search(r"\binf\b", out)


# --------------------------------------------------------------------------- what held, kept
@pytest.mark.parametrize("ipd", ["../outside.csv", "/etc/passwd.csv"])
def test_analysis_paths_outside_data_refused(tmp_path, cli, ipd):
    register_copy(tmp_path, 'ipd = "lung_by_sex_undated/lung_by_sex_undated_synthetic_ipd.csv"', f'ipd = "{ipd}"')
    _, _, err = cli("audit", "reg.toml", status=2)
    assert "field 'ipd' must be a path relative to the data folder" in err


def test_outputs_byte_identical_across_runs(tmp_path, cli):
    write(tmp_path, "c.csv", CURVE)
    cli("reconstruct", "--curve", "c.csv", "--n", "20", "-o", "a.csv", "--fidelity", "a.json", status=0)
    cli("reconstruct", "--curve", "c.csv", "--n", "20", "-o", "b.csv", "--fidelity", "b.json", status=0)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


KILLED_WRITER = """
import sys
from survrepro import io
text = "x" * 2_000_000 + "\\n"
print("ready", flush=True)
while True:
    io.write_set({sys.argv[1]: text, sys.argv[2]: text})
"""


def test_sigkill_leaves_no_truncated_file(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    env = {**os.environ, "PYTHONPATH": str(paths.ROOT / "src")}
    for delay in (0.05, 0.2, 0.4):
        proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(a), str(b)], stdout=subprocess.PIPE, env=env)
        assert proc.stdout.readline() == b"ready\n"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        for p in (a, b):
            assert not p.exists() or p.stat().st_size == 2_000_001
    for p in tmp_path.iterdir():  # leftovers of a killed run are hidden temporary files, never the targets
        assert p.name in ("a.txt", "b.txt") or p.name.startswith(".")
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_long_unquoted_header_in_a_curve_cut(tmp_path, cli):
    write(tmp_path, "c.csv", "time," + "y" * 5000 + "\n1,1\n")
    _, _, err = cli("reconstruct", "--curve", "c.csv", "--n", "5", "-o", "ipd.csv", status=2)
    assert len(err) < 400 and err.endswith("... (5000 characters)).\n")


def test_duplicate_column_after_stripping_refused(tmp_path, cli):
    write(tmp_path, "ipd.csv", "time, time,event\n1,1,1\n")
    _, _, err = cli("analyze", "ipd.csv", status=2)
    assert err == "survrepro analyze: ipd.csv: column 'time' appears more than once; expected each column once.\n"


def test_all_events_tied_at_zero_refused_without_linalg_error(tmp_path, cli):
    write(tmp_path, "ipd.csv", "time,event,arm\n0,1,A\n0,1,B\n")
    _, _, err = cli("analyze", "ipd.csv", status=2)
    assert "the arms cannot be compared: the variance of the test statistic is singular" in err


def test_register_count_above_limit_refused(tmp_path, cli):
    text = (REGISTERS / "lung_by_sex_undated.toml").read_text(encoding="utf-8")
    text = text.replace("value = 138\n", "value = 100000000000\n", 1).replace("and 138 men", "and 100000000000 men")
    write(tmp_path, "reg.toml", text)
    _, _, err = cli("synthesize", "reg.toml", status=2)
    assert "value of a 'n' is 100000000000; expected at most 1000000 (patients or events)." in err


def test_simulate_baskets_1e9_refused(cli):
    _, _, err = cli("design", "simulate", "--n", "20", "--hr", "0.7", "--median-control", "6", "--accrual", "12",
                    "--follow-up", "6", "--trials", "3", "--baskets", "1000000000", status=2)
    assert err == "survrepro design: --baskets must be a whole number from 1 to 1000 baskets; got 1000000000.\n"


@pytest.mark.parametrize("option,value,message", [
    ("--median-control", "1e308", "median must be a number above 0 to 1e+09; got 1e+308."),
    ("--hr", "1e-308", "--hr must be a number from 1e-06 to 1e+06; got 1e-308."),
    ("--accrual", "1e308", "accrual duration must be a number from 0 to 1e+09; got 1e+308."),
])
def test_simulate_absurd_times_and_ratios_refused(cli, option, value, message):
    argv = ["design", "simulate", "--n", "20", "--hr", "0.7", "--median-control", "6", "--accrual", "12",
            "--follow-up", "6", "--trials", "3"]
    i = argv.index(option)
    argv[i + 1] = value
    _, _, err = cli(*argv, status=2)
    assert err == f"survrepro design: {message}\n"


def test_ctrl_c_gives_one_line_and_status_130(tmp_path, cli, monkeypatch):
    write(tmp_path, "ipd.csv", "time,event\n1,1\n2,0\n")

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(io, "read_ipd", interrupted)
    _, _, err = cli("analyze", "ipd.csv", status=130)
    assert err == "survrepro analyze: interrupted; no output was left half-written.\n"
