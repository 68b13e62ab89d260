"""The LeVee et al. 2025 exhibit scripts (analyses/levee2025/), run end to end.

Expected values are computed here, independently of the scripts, from the study's
patient-level file with :mod:`survrepro.engine.proportion` and :mod:`survrepro.engine.contingency`
(both validated against R in tests/test_proportion.py and tests/validation/); the
published p and the landmark rule are read from data/published/levee2025.toml.
"""
import argparse
import contextlib
import importlib.util
import io as io_std

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from survrepro import io, paths  # noqa: E402
from survrepro.engine.contingency import which_reproduce  # noqa: E402
from survrepro.engine.proportion import proportion_on_therapy_frame  # noqa: E402
from survrepro.register.schema import load_register  # noqa: E402

SCRIPTS = paths.ANALYSES / "levee2025"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"levee2025_{name}", SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scripts():
    return {n: _load(n) for n in ("fig_proportions", "fig_km_ttnt_pfs", "fig_swimmer", "subtype_tests")}


@pytest.fixture(scope="module")
def register():
    return load_register("levee2025")


@pytest.fixture(scope="module")
def ipd(register):
    return io.read_csv(register.analysis.ipd_path, what="patient-level data file")


def _argv(name, out):
    """Every output of a script redirected into folder ``out``."""
    return {
        "fig_proportions": ["--out", str(out / "proportions.png"), "--table", str(out / "proportions.csv")],
        "fig_km_ttnt_pfs": ["--ttnt", str(out / "km_ttnt.png"), "--pfs", str(out / "km_pfs.png"),
                            "--table", str(out / "km_medians.csv"), "--section", str(out / "sections/30.md")],
        "fig_swimmer": ["--out", str(out / "swimmer.png")],
        "subtype_tests": ["--section", str(out / "sections/20_subtype_tests.md")],
    }[name]


@pytest.fixture(scope="module")
def runs(scripts, tmp_path_factory):
    """Each script run twice, into two folders; what each printed."""
    out = {"printed": {}}
    for run in ("a", "b"):
        folder = tmp_path_factory.mktemp(run)
        for name, module in scripts.items():
            buffer = io_std.StringIO()
            with contextlib.redirect_stdout(buffer):
                assert module.main(_argv(name, folder)) == 0
            out["printed"][name] = buffer.getvalue()
        out[run] = folder
    return out


def _expected(register, ipd, endpoint):
    """Proportion at a landmark endpoint computed straight from the file, by subtype id."""
    cols = register.analysis.endpoint_map[endpoint]
    return proportion_on_therapy_frame(
        ipd, cols.landmark, by=register.analysis.arm_column, time=cols.time, event=cols.event,
        death=cols.death, evaluable=cols.evaluable, death_is_failure=cols.death_is_failure,
    )


def _landmark_endpoints(register):
    return sorted((c for c in register.analysis.endpoint_map.values() if c.landmark is not None),
                  key=lambda c: c.landmark)


def test_every_output_written_and_pngs_identical_on_rerun(runs):
    names = ["proportions.png", "km_ttnt.png", "km_pfs.png", "swimmer.png", "proportions.csv", "km_medians.csv",
             "sections/20_subtype_tests.md", "sections/30.md", "sections/subtype_table_6m.csv",
             "sections/subtype_tests_6m.csv", "sections/evaluability.csv"]
    for name in names:
        a, b = runs["a"] / name, runs["b"] / name
        assert a.exists(), name
        assert a.read_bytes() == b.read_bytes(), name
    assert (runs["a"] / "proportions.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_each_script_prints_one_line(runs):
    for name, printed in runs["printed"].items():
        assert printed.count("\n") == 1 and printed.startswith("wrote ") and "SYNTHETIC" in printed, name


def test_proportion_labels_are_the_counts_of_survrepro_proportion(scripts, register, ipd):
    mod = scripts["fig_proportions"]
    cohort = mod._common.load(argparse.Namespace(register=paths.PUBLISHED / "levee2025.toml", ipd=None))
    table = mod.proportion_table(cohort)
    ax = mod.draw(cohort, table)
    shown = [t.get_text() for t in ax.texts if t.get_gid() == "count"]
    order = [a.id for a in register.study.arms]
    expected = []
    for cols in _landmark_endpoints(register):
        res = _expected(register, ipd, cols.endpoint)
        ests = [res.overall] + [res.group(a) for a in order if a in {g.label for g in res.groups}]
        expected += [f"{e.numerator}/{e.denominator}" for e in ests if e.denominator > 0]
    assert shown == expected
    assert len(shown) == 2 * (1 + len(order))  # two landmarks, all patients and three subtypes


def test_proportion_table_matches_the_published_six_month_counts(runs, register):
    """The synthetic cohort is calibrated to these counts; the table must show them."""
    table = pd.read_csv(runs["a"] / "proportions.csv")
    six = table[table["landmark"] == 6].set_index("group")
    labels = {a.id: a.label for a in register.study.arms}
    for t in register.select(endpoint="on_therapy_6m", quantity="count"):
        row = six.loc[labels[t.arm] if t.arm else "All patients"]
        got = row["denominator"] if t.count_of == "evaluable" else row["numerator"]
        assert got == t.value, t.id


def test_section_names_the_tests_that_reproduce_p(runs, register, ipd):
    text = (runs["a"] / "sections/20_subtype_tests.md").read_text()
    target = register.by_id("on_therapy_6m_p")
    res = _expected(register, ipd, "on_therapy_6m")
    agree = which_reproduce(res.table, target.value, target.decimals)
    assert agree  # the published table gives p = 0.30 under some test
    line = next(x for x in text.splitlines() if x.startswith(f"Reproducing p = {target.printed}:"))
    titles = _load("subtype_tests").TEST_TITLES
    for name, title in titles.items():
        assert (title in line) == (name in agree), name
    assert "n/a: the continuity correction applies only to 2 x 2 tables" in text
    tests = pd.read_csv(runs["a"] / "sections/subtype_tests_6m.csv")
    assert tests.loc[tests["reproduces"], "test"].tolist() == agree


def test_evaluability_counts_add_up(runs, register, ipd):
    ev = pd.read_csv(runs["a"] / "sections/evaluability.csv")
    assert (ev["evaluable"] + ev["not_evaluable"] == ev["n"]).all()
    assert (ev["not_evaluable_censored"] + ev["not_evaluable_died_on_therapy"] == ev["not_evaluable"]).all()
    for cols in _landmark_endpoints(register):
        overall = _expected(register, ipd, cols.endpoint).overall
        row = ev[(ev["landmark"] == cols.landmark) & (ev["group"] == "all")].iloc[0]
        assert (row["evaluable"], row["not_evaluable"]) == (overall.denominator, overall.n_not_evaluable)


def test_km_medians_table_against_register(runs, register):
    table = pd.read_csv(runs["a"] / "km_medians.csv")
    assert sorted(table["ci_transform"].unique()) == ["log", "log-log", "plain"]
    for endpoint in ("ttnt", "pfs"):
        assert table.loc[table["endpoint"] == endpoint, "median_published"].astype(str).unique().tolist() == [
            register.select(endpoint=endpoint, quantity="median")[0].printed]


def test_every_figure_carries_the_synthetic_footnote(scripts):
    args = argparse.Namespace(register=paths.PUBLISHED / "levee2025.toml", ipd=None)
    common = scripts["fig_proportions"]._common
    cohort = common.load(args)
    axes = [
        scripts["fig_proportions"].draw(cohort, scripts["fig_proportions"].proportion_table(cohort)),
        scripts["fig_km_ttnt_pfs"].draw(cohort, "ttnt"),
        scripts["fig_km_ttnt_pfs"].draw(cohort, "pfs"),
        scripts["fig_swimmer"].draw(cohort),
    ]
    for ax in axes:
        notes = [t.get_text() for t in ax.texts if t.get_gid() == "footnote"]
        assert any("Synthetic" in n for n in notes)


def test_bad_input_is_one_sentence_and_nothing_written(scripts, tmp_path, ipd, capsys):
    bad = tmp_path / "bad.csv"
    io.write_csv(bad, ipd.drop(columns=["pfs_time"]))
    for name, module in scripts.items():
        out = tmp_path / name
        assert module.main(["--ipd", str(bad)] + _argv(name, out)) == 2
        err = capsys.readouterr().err
        assert "missing column 'pfs_time'" in err and err.count("\n") == 1
        assert not out.exists() or not any(out.rglob("*"))
