"""The LeVee et al. 2025 exhibit scripts (analyses/levee2025/), run end to end.

Expected values are computed here, independently of the scripts, from the study's
patient-level file with :mod:`survrepro.engine.proportion` and :mod:`survrepro.engine.contingency`
(both validated against R in tests/test_proportion.py and tests/validation/); the
published p and the landmark rule are read from data/published/levee2025.toml.
"""
import argparse

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from survrepro import io, paths  # noqa: E402
from survrepro.engine.contingency import which_reproduce  # noqa: E402
from survrepro.engine.proportion import proportion_on_therapy_frame  # noqa: E402
from survrepro.register.schema import load_register  # noqa: E402
from survrepro.report.exhibits import run as run_exhibit  # noqa: E402

pytestmark = pytest.mark.slow  # runs the exhibit scripts

NAMES = ("fig_proportions", "fig_km_ttnt_pfs", "fig_swimmer", "subtype_tests")
#: The figures each script draws, by their committed file under figures/levee2025/.
FIGURES = {"fig_proportions": ["proportions.png"], "fig_km_ttnt_pfs": ["km_ttnt.png", "km_pfs.png"],
           "fig_swimmer": ["swimmer.png"]}


@pytest.fixture(scope="module")
def scripts(exhibits):
    return {n: exhibits.module(f"levee2025/{n}") for n in NAMES}


@pytest.fixture(scope="module")
def register():
    return load_register("levee2025")


@pytest.fixture(scope="module")
def ipd(register):
    return io.read_csv(register.analysis.ipd_path, what="patient-level data file")


@pytest.fixture(scope="module")
def runs(exhibits):
    """Each script run once (the session's runs): script name -> its run."""
    out = {name: exhibits.run(f"levee2025/{name}") for name in NAMES}
    for run in out.values():
        assert run.code == 0, run.err
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


def test_every_output_written(runs):
    names = {"fig_proportions": ["proportions.png", "proportions.csv"],
             "fig_km_ttnt_pfs": ["km_ttnt.png", "km_pfs.png", "km_medians.csv", "sections/30_km_median_ci.md"],
             "fig_swimmer": ["swimmer.png"],
             "subtype_tests": ["sections/20_subtype_tests.md", "sections/subtype_table_6m.csv",
                               "sections/subtype_tests_6m.csv", "sections/evaluability.csv"]}
    for script, files in names.items():
        assert sorted(map(str, runs[script].files())) == sorted(files), script
    assert (runs["fig_proportions"].folder / "proportions.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.committed_figure
def test_figures_are_the_committed_ones(exhibits, runs):
    """Drawn from the committed cohort, each figure is byte-identical to the one under figures/."""
    for script, names in FIGURES.items():
        exhibits.assert_same_as_committed(runs[script], {n: paths.FIGURES / "levee2025" / n for n in names})


def test_sections_and_tables_are_byte_identical_on_a_rerun(exhibits):
    assert len(exhibits.assert_deterministic("levee2025/subtype_tests")) == 4


def test_each_script_prints_one_line(runs):
    for name, run in runs.items():
        assert run.out.count("\n") == 1 and run.out.startswith("wrote ") and "SYNTHETIC" in run.out, name


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
    table = pd.read_csv(runs["fig_proportions"].folder / "proportions.csv")
    six = table[table["landmark"] == 6].set_index("group")
    labels = {a.id: a.label for a in register.study.arms}
    for t in register.select(endpoint="on_therapy_6m", quantity="count"):
        row = six.loc[labels[t.arm] if t.arm else "All patients"]
        got = row["denominator"] if t.count_of == "evaluable" else row["numerator"]
        assert got == t.value, t.id


def test_section_names_the_tests_that_reproduce_p(runs, scripts, register, ipd):
    text = (runs["subtype_tests"].folder / "sections/20_subtype_tests.md").read_text()
    target = register.by_id("on_therapy_6m_p")
    res = _expected(register, ipd, "on_therapy_6m")
    agree = which_reproduce(res.table, target.value, target.decimals)
    assert agree  # the published table gives p = 0.30 under some test
    line = next(x for x in text.splitlines() if x.startswith(f"Reproducing p = {target.printed}:"))
    titles = scripts["subtype_tests"].TEST_TITLES
    for name, title in titles.items():
        assert (title in line) == (name in agree), name
    assert "n/a: the continuity correction applies only to 2 x 2 tables" in text
    tests = pd.read_csv(runs["subtype_tests"].folder / "sections/subtype_tests_6m.csv")
    assert tests.loc[tests["reproduces"], "test"].tolist() == agree


def test_evaluability_counts_add_up(runs, register, ipd):
    ev = pd.read_csv(runs["subtype_tests"].folder / "sections/evaluability.csv")
    assert (ev["evaluable"] + ev["not_evaluable"] == ev["n"]).all()
    assert (ev["not_evaluable_censored"] + ev["not_evaluable_died_on_therapy"] == ev["not_evaluable"]).all()
    for cols in _landmark_endpoints(register):
        overall = _expected(register, ipd, cols.endpoint).overall
        row = ev[(ev["landmark"] == cols.landmark) & (ev["group"] == "all")].iloc[0]
        assert (row["evaluable"], row["not_evaluable"]) == (overall.denominator, overall.n_not_evaluable)


def test_km_medians_table_against_register(runs, register):
    table = pd.read_csv(runs["fig_km_ttnt_pfs"].folder / "km_medians.csv")
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


def test_bad_input_is_one_sentence_and_nothing_written(exhibits, tmp_path, ipd, capsys):
    bad = tmp_path / "bad.csv"
    io.write_csv(bad, ipd.drop(columns=["pfs_time"]))
    for name in NAMES:
        out = tmp_path / name
        script = f"levee2025/{name}"
        assert run_exhibit(exhibits.path(script), ["--ipd", str(bad), *exhibits.outputs(script, out)]) == 2
        err = capsys.readouterr().err
        assert "missing column 'pfs_time'" in err and err.count("\n") == 1
        assert not out.exists() or not any(out.rglob("*"))
