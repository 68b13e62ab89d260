"""Every layout of digitized curves and risk tables the digitizing tools produce, read from a file
in that layout; the column options of `survrepro reconstruct`; a register whose only data are
digitized curves.

The shipped files (tests/data/reconstruct/synthetic_*.csv) hold the SYNTHETIC two-arm curve of
synthetic_two_arm_curve.csv and the table of synthetic_two_arm_at_risk.csv in other layouts, so
each must read to the same long table, and the reconstruction from them must be byte-identical.
"""
from __future__ import annotations

import importlib.util
import shutil

import numpy as np
import pandas as pd
import pytest

from survrepro import paths
from survrepro.cli import main
from survrepro.digitized import parse_at_risk, parse_curve
from survrepro.errors import InputError
from survrepro.io import read_at_risk, read_digitized_curve

DATA = paths.TESTS / "data" / "reconstruct"
REGISTERS = paths.TESTS / "data" / "registers"


def _canonical_curve():
    return read_digitized_curve(DATA / "synthetic_two_arm_curve.csv")


def _canonical_table():
    return read_at_risk(DATA / "synthetic_two_arm_at_risk.csv")


def _same(a: pd.DataFrame, b: pd.DataFrame):
    """Same columns and values, row by row (the row numbers may differ)."""
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# --------------------------------------------------------------------------- curves
def test_digitizeit_ts_header_with_scientific_notation():
    df = read_digitized_curve(DATA / "synthetic_digitizeit_ts.csv")
    arm_a = _canonical_curve().query("arm == 'A'")[["time", "survival"]]
    _same(df, arm_a)
    assert df.index.name == "row" and df.index[0] == 1
    assert df.attrs["layout"] == "columns read as time = 'T', survival = 'S'"


def test_digitizeit_values_like_kmdata(tmp_path):
    df = read_digitized_curve(_write(tmp_path, "c.csv", "T,S\n0,1\n7.59E-02,1.00E+00\n7.59E-02,9.83E-01\n"))
    np.testing.assert_allclose(df["time"], [0, 0.0759, 0.0759])
    np.testing.assert_allclose(df["survival"], [1, 1, 0.983])


def test_xy_header():
    df = read_digitized_curve(DATA / "synthetic_xy_header.csv")
    _same(df, _canonical_curve().query("arm == 'A'")[["time", "survival"]])
    assert "time = 'x', survival = 'y'" in df.attrs["layout"]


def test_wpd_export_of_all_datasets_of_different_lengths():
    df = read_digitized_curve(DATA / "synthetic_wpd_all_datasets.csv")
    _same(df, _canonical_curve())
    # the data row of the file: both datasets start at row 1, B stops at row 8
    assert df.index.name == "row"
    assert df.query("arm == 'B'").index.tolist() == list(range(1, 9))
    assert df.attrs["layout"].startswith("read as a WebPlotDigitizer export of 2 datasets")


def test_wpd_pairs_header_without_dataset_names(tmp_path):
    p = _write(tmp_path, "c.csv", "x1,y1,x2,y2\n0,1,0,1\n2,0.9,3,0.8\n4,0.7,,\n")
    df = read_digitized_curve(p)
    assert df["arm"].tolist() == ["1", "1", "1", "2", "2"]
    assert df["time"].tolist() == [0, 2, 4, 0, 3]


def test_wpd_single_dataset_is_a_single_curve(tmp_path):
    df = read_digitized_curve(_write(tmp_path, "c.csv", "Default Dataset,\nX,Y\n0,1\n2,0.9\n"))
    assert list(df.columns) == ["time", "survival"]
    assert "one dataset ('Default Dataset')" in df.attrs["layout"]


def test_wpd_datasets_in_a_decimal_comma_locale(tmp_path):
    df = read_digitized_curve(_write(tmp_path, "c.csv", "A;;B;\nX;Y;X;Y\n0;1;0;1\n2,5;0,9;3;0,8\n"))
    assert df["time"].tolist() == [0, 2.5, 0, 3] and df["survival"].tolist() == [1, 0.9, 1, 0.8]


def test_header_synonyms_case_brackets_and_other_columns(tmp_path):
    p = _write(tmp_path, "c.csv", "Time (months);Survival (%);Group;Clicked by\n0;100;A;x\n1,5;90;A;x\n")
    df = read_digitized_curve(p)
    assert list(df.columns) == ["time", "survival", "arm"]
    assert df["time"].tolist() == [0, 1.5] and df["survival"].tolist() == [100, 90]
    assert df.attrs["layout"] == (
        "columns read as time = 'Time (months)', survival = 'Survival (%)', arm = 'Group'; not used: Clicked by"
    )


def test_tab_separated_curve(tmp_path):
    df = read_digitized_curve(_write(tmp_path, "c.txt", "time\tsurvival\tarm\n0\t1\tA\n2\t0.9\tA\n"))
    assert df["survival"].tolist() == [1, 0.9] and df["arm"].tolist() == ["A", "A"]
    assert df.attrs["layout"] == ""


@pytest.mark.parametrize("name", ["synthetic_wpd_export.csv", "synthetic_wpd_locale.csv"])
def test_layouts_read_before_still_read(name):
    df = read_digitized_curve(DATA / name)
    assert list(df.columns) == ["time", "survival"] and df.attrs["layout"] == ""
    assert df["survival"].iloc[0] in (1.0, 100.0)  # fraction, or percent kept for clean_curve


def test_plain_curve_reads_as_before():
    df = _canonical_curve()
    assert list(df.columns) == ["time", "survival", "arm"] and df.index.tolist() == list(range(1, 19))
    assert df.attrs["layout"] == ""


# --------------------------------------------------------------------------- risk tables
def test_guyot_table_with_empty_ranges_and_extra_columns():
    df = read_at_risk(DATA / "synthetic_guyot_nrisk.csv")
    _same(df, _canonical_table())
    note = df.attrs["layout"]
    assert note.startswith("read as a numbers-at-risk table of Guyot et al.: time = 'trisk', n_at_risk = 'nrisk'")
    assert "interval, lower, upper (the click index ranges) not needed" in note
    assert "not used: TE, StudyID, Figure#" in note


def test_guyot_table_single_arm(tmp_path):
    p = _write(tmp_path, "r.csv", "interval,trisk,lower,upper,nrisk\n1,0,1,4,20\n2,6,5,9,15\n3,12,,,10\n")
    df = read_at_risk(p)
    assert list(df.columns) == ["time", "n_at_risk"] and df["n_at_risk"].tolist() == [20, 15, 10]


def test_paper_table_one_row_per_arm():
    df = read_at_risk(DATA / "synthetic_at_risk_by_time.csv")
    _same(df, _canonical_table())
    assert df["n_at_risk"].dtype.kind == "i"
    assert df.attrs["layout"] == "read as one row of numbers at risk per arm under a row of times: arms A, B"


def test_paper_table_with_a_time_not_printed_for_one_arm(tmp_path):
    df = read_at_risk(_write(tmp_path, "r.csv", "arm,0,6,12,18\nDrug,120,98,71,40\nPlacebo,118,80,50,\n"))
    assert df.query("arm == 'Placebo'")["time"].tolist() == [0, 6, 12]


def test_paper_table_single_row_is_a_single_arm(tmp_path):
    df = read_at_risk(_write(tmp_path, "r.csv", "Months,0,6,12\nNo. at risk,120,98,71\n"))
    assert list(df.columns) == ["time", "n_at_risk"] and df["n_at_risk"].tolist() == [120, 98, 71]


def test_table_one_column_per_arm():
    df = read_at_risk(DATA / "synthetic_at_risk_by_arm.csv")
    _same(df, _canonical_table())
    assert "one column of numbers at risk per arm" in df.attrs["layout"]


def test_headerless_table():
    df = read_at_risk(DATA / "synthetic_at_risk_headerless.csv")
    _same(df, _canonical_table().query("arm == 'A'")[["time", "n_at_risk"]])
    assert df.attrs["layout"] == ""


def test_headerless_table_with_arm_column(tmp_path):
    df = read_at_risk(_write(tmp_path, "r.csv", "0,120,Drug\n6,98,Drug\n0,118,Placebo\n"))
    assert df["arm"].tolist() == ["Drug", "Drug", "Placebo"]


def test_semicolon_table_with_decimal_comma_times(tmp_path):
    df = read_at_risk(_write(tmp_path, "r.csv", "Time;N at risk\n0;20\n1,5;18\n"))
    assert df["time"].tolist() == [0, 1.5] and df["n_at_risk"].tolist() == [20, 18]


def test_checks_name_the_cell_of_a_wide_table(tmp_path):
    p = _write(tmp_path, "r.csv", "arm,0,6,12\nDrug,120,98,99\n")
    with pytest.raises(InputError) as exc:
        read_at_risk(p)
    assert str(exc.value) == (
        f"{p}: row 1 (arm 'Drug'), column '12', n_at_risk rises from 98 (row 1 (arm 'Drug'), column '6') to 99; "
        "expected numbers at risk that never increase."
    )


# --------------------------------------------------------------------------- options
def test_options_pick_columns_the_names_do_not_reveal(tmp_path):
    curve = _write(tmp_path, "c.csv", "t_obs,km_fit,who\n0,1,A\n2,0.9,A\n")
    df = read_digitized_curve(curve, time_col="t_obs", survival_col="km_fit", arm_col="who")
    assert df["time"].tolist() == [0, 2] and df["arm"].tolist() == ["A", "A"]
    table = _write(tmp_path, "r.csv", "when,left,who\n0,20,A\n6,15,A\n")
    df = read_at_risk(table, time_col="when", n_col="left", arm_col="who")
    assert df["n_at_risk"].tolist() == [20, 15]


def test_option_resolves_two_candidate_time_columns(tmp_path):
    p = _write(tmp_path, "c.csv", "time,months,survival\n0,0,1\n0.5,2,0.9\n")
    assert read_digitized_curve(p, time_col="months")["time"].tolist() == [0, 2]


# --------------------------------------------------------------------------- error sentences
@pytest.mark.parametrize(
    "reader, text, kwargs, message",
    [
        (read_digitized_curve, "T,S\n0,1\n", {"time_col": "Tm"},
         "--time-col 'Tm' is not a column of the file; the columns are T, S."),
        (read_digitized_curve, "T,S\n0,1\n", {"survival_col": "surv"},
         "--survival-col 'surv' is not a column of the file; the columns are T, S."),
        (read_at_risk, "time,nrisk\n0,20\n", {"n_col": "N"},
         "--at-risk-n-col 'N' is not a column of the file; the columns are time, nrisk."),
        (read_at_risk, "time,nrisk,arm\n0,20,A\n", {"arm_col": "group"},
         "--at-risk-arm-col 'group' is not a column of the file; the columns are time, nrisk, arm."),
        (read_digitized_curve, "time,months,survival\n0,0,1\n", {},
         "columns 'time' and 'months' could each be the time; pick one with --time-col."),
        (read_digitized_curve, "time,S,surv\n0,1,1\n", {},
         "columns 'S' and 'surv' could each be the survival; pick one with --survival-col."),
        (read_at_risk, "time,n,nrisk\n0,20,20\n", {},
         "columns 'n' and 'nrisk' could each be the number at risk; pick one with --at-risk-n-col."),
        (read_at_risk, "time,n,arm,group\n0,20,A,A\n", {},
         "columns 'arm' and 'group' could each be the arm; pick one with --at-risk-arm-col."),
        (read_at_risk, "arm,0,6,12\nDrug,120,98,n/a\n", {},
         "row 1 (arm 'Drug'), column '12' is 'n/a'; expected a whole number at risk, or an empty cell."),
        (read_at_risk, "time,Drug,Placebo\n0,120,118\n6,98,-\n", {},
         "row 2, column 'Placebo' is '-'; expected a whole number at risk, or an empty cell."),
        (read_at_risk, "interval,lower,upper,nrisk\n1,1,5,20\n", {},
         "looks like a numbers-at-risk table of Guyot et al. (columns interval, lower, upper, nrisk) but has no "
         "'trisk' column; expected interval,trisk,lower,upper,nrisk with trisk the table times and nrisk the "
         "numbers at risk (or --at-risk-time-col naming the column)."),
        (read_at_risk, "interval,trisk,lower,upper\n1,0,1,5\n", {},
         "looks like a numbers-at-risk table of Guyot et al. (columns interval, trisk, lower, upper) but has no "
         "'nrisk' column; expected interval,trisk,lower,upper,nrisk with trisk the table times and nrisk the "
         "numbers at risk (or --at-risk-n-col naming the column)."),
        (read_digitized_curve, "a,b\n0,1\n", {},
         "missing column 'time'; expected a time column named time, t, x, times or another name in "
         "survrepro.digitized.TIME_NAMES, or --time-col naming it (found a, b)."),
        (read_at_risk, "time,arm\n0,A\n", {},
         "missing column 'n_at_risk'; expected a number at risk column named n_at_risk, nrisk, n_risk, at_risk or "
         "another name in survrepro.digitized.AT_RISK_NAMES, or --at-risk-n-col naming it (found time, arm)."),
        (read_digitized_curve, "0,1\n2,0.9\n", {"time_col": "x"},
         "is a file without a header row (time,survival[,arm] per line), which has no such column to name; "
         "drop --time-col."),
        (read_digitized_curve, "A,,B,\nX,Y,X,Y\n0,1,0,1\n", {"arm_col": "A"},
         "is a WebPlotDigitizer export of datasets (X,Y pairs under their names), which has no such column to "
         "name; drop --arm-col."),
        (read_digitized_curve, "A,,B,\nX,Y,X,Y\n0,1,0,1\n2,0.9,3,\n", {},
         "row 2, column 4 ('Y' of dataset 'B') is an empty cell; expected a number, or both cells of the pair "
         "empty."),
        (read_digitized_curve, "A,,A,\nX,Y,X,Y\n0,1,0,1\n", {},
         "two datasets are named 'A'; expected a distinct name for each dataset."),
    ],
)
def test_reader_errors_are_one_sentence(tmp_path, reader, text, kwargs, message):
    p = _write(tmp_path, "f.csv", text)
    with pytest.raises(InputError) as exc:
        reader(p, **kwargs)
    assert str(exc.value) == f"{p}: {message}"
    assert "\n" not in str(exc.value)


def test_parsers_take_text_and_name_it():
    assert parse_curve("T,S\n0,1\n", "fig.csv").kind == "header"
    assert parse_at_risk("0,20\n6,15\n", "tab.csv").kind == "headerless"
    with pytest.raises(InputError, match=r"^fig.csv: the file is empty"):
        parse_curve("\n\n", "fig.csv")


# --------------------------------------------------------------------------- the command line
def _reconstruct(tmp_path, curve, table, *extra, name="ipd.csv"):
    out = tmp_path / name
    status = main(["reconstruct", "--curve", str(curve), "--at-risk", str(table),
                   "--events-by-arm", "A=7,B=4", "-o", str(out), *extra])
    return status, out


def test_cli_reads_every_layout_to_the_same_patients(tmp_path, capsys):
    status, plain = _reconstruct(tmp_path, DATA / "synthetic_two_arm_curve.csv",
                                 DATA / "synthetic_two_arm_at_risk.csv", name="plain.csv")
    assert status == 0
    capsys.readouterr()
    for curve, table in [("synthetic_wpd_all_datasets.csv", "synthetic_guyot_nrisk.csv"),
                         ("synthetic_wpd_all_datasets.csv", "synthetic_at_risk_by_time.csv"),
                         ("synthetic_two_arm_curve.csv", "synthetic_at_risk_by_arm.csv")]:
        status, out = _reconstruct(tmp_path, DATA / curve, DATA / table, name=f"{curve}-{table}")
        assert status == 0
        assert out.read_bytes() == plain.read_bytes(), (curve, table)
        printed = capsys.readouterr().out
        assert f"{DATA / table}: read as" in printed
        if curve != "synthetic_two_arm_curve.csv":
            assert f"{DATA / curve}: read as a WebPlotDigitizer export of 2 datasets" in printed


def test_cli_column_flags(tmp_path, capsys):
    plain = _canonical_curve().rename(columns={"time": "t_obs", "survival": "km_fit", "arm": "who"})
    curve = tmp_path / "curve.csv"
    plain.to_csv(curve, index=False)
    tab = _canonical_table().rename(columns={"time": "when", "n_at_risk": "left", "arm": "who"})
    table = tmp_path / "table.csv"
    tab.to_csv(table, index=False)
    status, out = _reconstruct(tmp_path, curve, table, "--time-col", "t_obs", "--survival-col", "km_fit",
                               "--arm-col", "who", "--at-risk-time-col", "when", "--at-risk-n-col", "left",
                               "--at-risk-arm-col", "who")
    assert status == 0
    ipd = pd.read_csv(out)
    assert list(ipd.columns) == ["time", "event", "arm"] and len(ipd) == 40
    assert "columns read as time = 't_obs', survival = 'km_fit', arm = 'who'" in capsys.readouterr().out
    status, again = _reconstruct(tmp_path, DATA / "synthetic_two_arm_curve.csv",
                                 DATA / "synthetic_two_arm_at_risk.csv", name="plain.csv")
    assert status == 0 and out.read_bytes() == again.read_bytes()


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--time-col", "nope"], "synthetic_two_arm_curve.csv: --time-col 'nope' is not a column of the file; "
                                 "the columns are time, survival, arm."),
        (["--at-risk-n-col", "count"], "synthetic_two_arm_at_risk.csv: --at-risk-n-col 'count' is not a column of "
                                       "the file; the columns are time, n_at_risk, arm."),
    ],
)
def test_cli_bad_column_flag_exit_2_one_sentence(tmp_path, capsys, extra, message):
    status, out = _reconstruct(tmp_path, DATA / "synthetic_two_arm_curve.csv",
                               DATA / "synthetic_two_arm_at_risk.csv", *extra)
    assert status == 2 and not out.exists()
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_table_flag_without_table(tmp_path, capsys):
    out = tmp_path / "ipd.csv"
    status = main(["reconstruct", "--curve", str(DATA / "synthetic_wpd_export.csv"), "--n", "20",
                   "--at-risk-time-col", "t", "-o", str(out)])
    assert status == 2 and not out.exists()
    err = capsys.readouterr().err
    assert "--at-risk-time-col names a column of the risk table, but no --at-risk table was given." in err
    assert err.count("\n") == 1


# --------------------------------------------------------------------------- a register of digitized curves only
def _digitized_only(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "DATA", tmp_path / "data")
    shutil.copytree(REGISTERS / "digitized_only", tmp_path / "data" / "digitized_only")
    register = tmp_path / "digitized_only.toml"
    shutil.copy(REGISTERS / "digitized_only.toml", register)
    return register


def test_digitized_only_files_come_from_the_seeded_simulation(tmp_path):
    spec = importlib.util.spec_from_file_location("make_synthetic", REGISTERS / "digitized_only" / "make_synthetic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write(tmp_path)
    for name in ("synthetic_os_curves.csv", "synthetic_os_at_risk.csv"):
        assert (tmp_path / name).read_bytes() == (REGISTERS / "digitized_only" / name).read_bytes(), name


def test_digitized_only_register_loads(tmp_path, monkeypatch):
    from survrepro.register.evaluate import load_study_data
    from survrepro.register.schema import load_register

    reg = load_register(_digitized_only(tmp_path, monkeypatch))
    assert reg.analysis.ipd is None and reg.analysis.ipd_path is None
    assert reg.analysis.ipd_kind == "reconstructed" and list(reg.analysis.digitized_map) == ["os"]
    data = load_study_data(reg)
    assert data.ipd is None and data.kind == "reconstructed" and list(data.endpoints) == ["os"]
    os_data = data.endpoints["os"]
    assert os_data.source == "SYNTHETIC reconstructed from digitized Fig 1 (digitized_only/synthetic_os_curves.csv)"
    assert data.source == f"reconstructed IPD (os: {os_data.source})"
    assert os_data.frame["arm"].value_counts().to_dict() == {"drug": 120, "placebo": 118}
    assert "no patient-level file" in repr(data)


def test_digitized_only_register_reproduced_from_the_reconstruction(tmp_path, monkeypatch, capsys):
    register = _digitized_only(tmp_path, monkeypatch)
    out = tmp_path / "report"
    assert main(["reproduce", str(register), "--out", str(out)]) == 0
    assert "digitized_only: 4 match, 0 miss, 3 not attempted of 7 targets" in capsys.readouterr().out
    report = pd.read_csv(out / "report.csv").set_index("id")
    os_rows = report[report.endpoint == "os"]
    assert sorted(os_rows.index) == ["os_hr", "os_median_drug", "os_median_placebo", "os_p_bound"]
    assert set(os_rows.status) == {"match"}
    assert set(os_rows.data_source) == {
        "SYNTHETIC reconstructed from digitized Fig 1 (digitized_only/synthetic_os_curves.csv)"
    }
    others = report[report.endpoint != "os"]
    assert set(others.status) == {"not attempted"}
    assert report.loc["n_drug", "reason"] == (
        "endpoint 'randomization' has no patient-level data: the register's only data are digitized curves "
        "of os, evaluated on their reconstruction"
    )
    assert "'pfs'" in report.loc["pfs_median_drug", "reason"]
    md = (out / "report.md").read_text()
    assert "Data source: SYNTHETIC reconstructed from digitized Fig 1" in md


@pytest.mark.parametrize(
    "analysis, message",
    [
        ('[analysis]\nnote = "x"\n', r"\[analysis\]: missing field 'ipd'; expected the patient-level data file, "
                                     r"or \[analysis.digitized.<endpoint>\] tables naming digitized curves."),
        ('[analysis]\nentry_column = "entry"\n[analysis.digitized.os]\ncurves = "d/c.csv"\n',
         r"\[analysis\]: entry_column names columns of patient-level data, but there is no ipd"),
        ('[analysis]\nipd_kind = "synthetic"\n[analysis.digitized.os]\ncurves = "d/c.csv"\n',
         r"\[analysis\]: without ipd the data are reconstructed from the digitized curves, so ipd_kind must be "
         r"'reconstructed' or left out; got 'synthetic'."),
    ],
)
def test_digitized_only_schema_errors(tmp_path, analysis, message):
    from survrepro.register.schema import load_register

    text = (REGISTERS / "digitized_only.toml").read_text()
    text = text[: text.index("[analysis]")] + analysis
    p = tmp_path / "digitized_only.toml"
    p.write_text(text)
    with pytest.raises(InputError, match=message):
        load_register(p)


def test_digitized_only_missing_curves_file(tmp_path, monkeypatch):
    from survrepro.register.evaluate import load_study_data
    from survrepro.register.schema import load_register

    register = _digitized_only(tmp_path, monkeypatch)
    (tmp_path / "data" / "digitized_only" / "synthetic_os_curves.csv").unlink()
    with pytest.raises(InputError, match=r"\[analysis\] digitized.os curves: no such file .*synthetic_os_curves.csv; "
                                         r"expected the digitized curves, the register's only data"):
        load_study_data(load_register(register))
