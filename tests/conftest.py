"""Test-suite settings and the exhibit scripts' shared runs.

Property tests draw the same examples on every run (derandomized), so a run is
reproducible and CI cannot pass or fail by chance.

Each exhibit script under analyses/ runs once per test session, through the runner the
Makefile uses (:mod:`survrepro.report.exhibits`), with every output redirected into a
temporary folder: the ``exhibits`` fixture holds those runs for tests/test_extend_breast.py,
tests/test_levee2025.py and tests/test_design_exhibits.py. Determinism is checked on the
outputs: a figure drawn from the committed inputs must be byte-identical to the committed
one under figures/, and the cheapest script of a study that writes tables and sections
(which are not committed) runs a second time to compare those bytes.
"""
from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")  # before anything imports pyplot

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

settings.register_profile("survrepro", derandomize=True, database=None, print_blob=True)
settings.load_profile("survrepro")


def _design(name):
    def argv(folder: Path) -> list[str]:
        return ["--out-dir", str(folder / "build" / "design"), "--figure", str(folder / "figures" / "design" / f"{name}.png")]
    return argv


#: Each script's arguments sending every output into ``folder`` (names as the defaults, so a
#: figure's path relative to ``folder`` is its committed path relative to figures/<study>/).
OUTPUTS = {
    **{f"extend_breast/{n}": (lambda n: lambda folder: ["--out", str(folder / f"{n}.png")])(n)
       for n in ("fig2a_pfs", "fig2b_swimmer", "fig3b_os", "fig3c_ttnt", "fig3d_new_lesion")},
    "extend_breast/ph_rmst": lambda folder: ["--out", str(folder / "sections" / "20_ph_rmst.md")],
    "levee2025/fig_proportions": lambda folder: ["--out", str(folder / "proportions.png"),
                                                 "--table", str(folder / "proportions.csv")],
    "levee2025/fig_km_ttnt_pfs": lambda folder: ["--ttnt", str(folder / "km_ttnt.png"), "--pfs", str(folder / "km_pfs.png"),
                                                 "--table", str(folder / "km_medians.csv"),
                                                 "--section", str(folder / "sections" / "30_km_median_ci.md")],
    "levee2025/fig_swimmer": lambda folder: ["--out", str(folder / "swimmer.png")],
    "levee2025/subtype_tests": lambda folder: ["--section", str(folder / "sections" / "20_subtype_tests.md")],
    **{f"design/{n}": _design(n) for n in ("extend_events", "boss_power", "extend_op_power")},
}


@dataclass(frozen=True)
class ExhibitRun:
    """One run of an exhibit script: where its outputs went, its exit status and what it printed."""

    script: str
    folder: Path
    code: int
    out: str
    err: str

    def files(self) -> list[Path]:
        """Every file the run wrote, relative to its folder, sorted."""
        return sorted(p.relative_to(self.folder) for p in self.folder.rglob("*") if p.is_file())


class Exhibits:
    """The exhibit scripts of analyses/, each run at most once per argument list in a session."""

    def __init__(self, tmp_path_factory):
        self._tmp = tmp_path_factory
        self._runs: dict[tuple, ExhibitRun] = {}

    @staticmethod
    def path(script: str) -> Path:
        from survrepro import paths

        return paths.ANALYSES / f"{script}.py"

    @staticmethod
    def outputs(script: str, folder: Path) -> list[str]:
        """The arguments sending every output of ``script`` into ``folder``."""
        return OUTPUTS[script](Path(folder))

    def module(self, script: str):
        """The script imported as a module (its ``main`` not run)."""
        from survrepro.report import exhibits

        return exhibits.load(self.path(script))

    def run(self, script: str, *extra: str, repeat: int = 0) -> ExhibitRun:
        """Run ``script`` (``"levee2025/fig_swimmer"``) with its outputs in a fresh folder and ``extra`` arguments.

        The run is cached: the same script and arguments give the same run. ``repeat=1`` is a
        second, independent run, for comparing bytes.
        """
        key = (script, extra, repeat)
        if key not in self._runs:
            from survrepro.report import exhibits

            folder = self._tmp.mktemp(f"{script.replace('/', '-')}-{repeat}")
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = exhibits.run(self.path(script), [*self.outputs(script, folder), *extra])
            self._runs[key] = ExhibitRun(script, folder, code, out.getvalue(), err.getvalue())
        return self._runs[key]

    def assert_same_as_committed(self, run: ExhibitRun, figures: dict[str, Path]) -> None:
        """Each figure ``figures[rel]`` (committed) equals the run's ``rel`` byte for byte."""
        assert figures
        for rel, committed in figures.items():
            got = run.folder / rel
            assert got.read_bytes() == committed.read_bytes(), (
                f"{run.script}: {rel} differs from the committed {committed}; `make reproduce` redraws it")

    def assert_deterministic(self, script: str, *extra: str) -> list[Path]:
        """Run ``script`` a second time and compare every file both runs wrote; the files compared."""
        first, second = self.run(script, *extra), self.run(script, *extra, repeat=1)
        assert first.code == second.code == 0, (first.err, second.err)
        assert first.files() == second.files()
        for rel in first.files():
            assert (first.folder / rel).read_bytes() == (second.folder / rel).read_bytes(), f"{script}: {rel}"
        return first.files()


@pytest.fixture(scope="session")
def exhibits(tmp_path_factory) -> Exhibits:
    return Exhibits(tmp_path_factory)
