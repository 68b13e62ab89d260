"""Every path the project uses, defined once; nothing depends on the current directory."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
PUBLISHED = DATA / "published"
DESIGNS = DATA / "designs"
EXAMPLE = DATA / "example"
ANALYSES = ROOT / "analyses"
FIGURES = ROOT / "figures"
BUILD = ROOT / "build"
TESTS = ROOT / "tests"


def study_data(study: str) -> Path:
    """Folder of a study's input data (digitized curves, synthetic IPD, notes)."""
    return DATA / study


def study_figures(study: str) -> Path:
    """Folder of a study's generated figures."""
    return FIGURES / study
