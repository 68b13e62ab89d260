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
    """Folder of a study's input data (digitized curves, synthetic IPD, notes).

    Parameters
    ----------
    study : str
        The study id.

    Returns
    -------
    pathlib.Path
        ``data/<study>``, whether or not it exists.

    Examples
    --------
    >>> study_data("levee2025").relative_to(ROOT).as_posix()
    'data/levee2025'
    """
    return DATA / study


def study_figures(study: str) -> Path:
    """Folder of a study's generated figures.

    Parameters
    ----------
    study : str
        The study id.

    Returns
    -------
    pathlib.Path
        ``figures/<study>``, whether or not it exists.

    Examples
    --------
    >>> study_figures("levee2025").relative_to(ROOT).as_posix()
    'figures/levee2025'
    """
    return FIGURES / study


def inside(path, folder=ROOT) -> bool:
    """Whether ``path``, symbolic links followed, lies inside ``folder`` (the project by default).

    A path the system cannot resolve (a name too long, a loop of links) is not inside.

    Parameters
    ----------
    path : str or os.PathLike
        The path to check; it need not exist.
    folder : str or os.PathLike
        The folder it must stay in.

    Returns
    -------
    bool

    Examples
    --------
    >>> inside(DATA / "levee2025" / "notes.md")
    True
    >>> inside(DATA / ".." / ".." / "etc" / "passwd")
    False
    """
    try:
        return Path(path).resolve().is_relative_to(Path(folder).resolve())
    except (OSError, RuntimeError, ValueError):
        return False
