"""The one runner of the exhibit scripts under ``analyses/``.

Every exhibit script has one shape: a module docstring whose first line says what it
makes, and ``main(argv=None) -> int``, which parses its options (the output paths
``--out``, ``--table``, ``--section``, ``--figure``, ... default to the files under
``figures/`` and ``build/`` that the report reads), writes its outputs, prints one line
per run naming them and returns the exit status. A bad input raises
:class:`survrepro.errors.InputError` before anything is written. The helpers a study's
scripts share live beside them in ``_<study>.py`` and are imported by their plain name
(``import _levee2025``): this module puts the script's folder on the import path, the
only place that does so.

Run a script (``make`` runs every exhibit this way)::

    python -m survrepro.report.exhibits analyses/levee2025/fig_swimmer.py [--out PNG]

or import one without running it::

    >>> from survrepro import paths
    >>> from survrepro.report import exhibits
    >>> script = exhibits.load(paths.ANALYSES / "design" / "boss_power.py")
    >>> callable(script.main)
    True

A bad input is one sentence on stderr, prefixed with the script's name, and exit status 2.
"""
from __future__ import annotations

import ast
import importlib.util
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from survrepro.errors import InputError

__all__ = ["load", "call", "run", "main", "captions", "humanize"]


def _module_name(script: Path) -> str:
    """``analyses/levee2025/fig_swimmer.py`` -> ``exhibit_levee2025_fig_swimmer``."""
    return f"exhibit_{script.parent.name}_{script.stem}"


def load(script) -> ModuleType:
    """Import the exhibit script at path ``script`` as a module, without running its ``main``.

    The script's folder goes on the import path (once), so ``_<study>.py`` beside it imports
    by its plain name. Importing the same file again returns the same module.
    """
    script = Path(script).resolve()
    if not script.is_file():
        raise InputError(f"{script}: no such exhibit script.")
    name = _module_name(script)
    module = sys.modules.get(name)
    if module is not None and Path(module.__file__).resolve() == script:
        return module
    folder = str(script.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(name, script)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it executes
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def captions(folder) -> dict[str, str]:
    """The exhibit table of a study: ``{figure name without .png: caption}`` its scripts declare.

    An exhibit script that draws figures declares them in a module-level dictionary
    ``CAPTIONS = {"fig2a_pfs": "Fig 2A: PFS by arm"}``, keyed by the file name of each figure
    it writes (without ``.png``). The scripts are read, not run.

    Parameters
    ----------
    folder : path-like
        A study's folder under ``analyses/``; scripts whose name starts with ``_`` are helpers.

    Returns
    -------
    dict
        Empty when the folder does not exist or no script declares captions.

    Raises
    ------
    InputError
        When a script's ``CAPTIONS`` is not a literal dictionary of text, or two scripts
        caption the same figure.

    Examples
    --------
    >>> from survrepro import paths
    >>> captions(paths.ANALYSES / "extend_breast")["fig2a_pfs"]
    'Fig 2A: progression-free survival by arm'
    """
    folder = Path(folder)
    table: dict[str, str] = {}
    for script in sorted(folder.glob("*.py")) if folder.is_dir() else ():
        if script.name.startswith("_"):
            continue
        tree = ast.parse(script.read_text(encoding="utf-8"), filename=str(script))
        for node in tree.body:
            if not (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "CAPTIONS"
                                                         for t in node.targets)):
                continue
            try:
                declared = ast.literal_eval(node.value)
            except ValueError:
                declared = None
            if not (isinstance(declared, dict) and all(isinstance(k, str) and isinstance(v, str)
                                                       for k, v in declared.items())):
                raise InputError(f"{script}: CAPTIONS must be a literal dictionary of figure name to caption text.")
            for name, text in declared.items():
                if name in table:
                    raise InputError(f"{script}: figure {name!r} is captioned by another script of {folder} too.")
                table[name] = text
    return table


def humanize(name: str) -> str:
    """A caption from a figure's file name, when no script declares one.

    Parameters
    ----------
    name : str
        The file name without ``.png``.

    Returns
    -------
    str

    Examples
    --------
    >>> humanize("fig2a_pfs"), humanize("km_ttnt")
    ('Fig 2A pfs', 'Km ttnt')
    """
    words = []
    for word in re.split(r"[_\s-]+", name.strip()):
        fig = re.fullmatch(r"fig(\d+)([a-z]*)", word, flags=re.I)
        words.append(f"Fig {fig.group(1)}{fig.group(2).upper()}" if fig else word)
    text = " ".join(w for w in words if w)
    return text[:1].upper() + text[1:]


def call(main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None = None,
         name: str | None = None) -> int:
    """Run a script's ``main(argv)`` and return its exit status.

    A bad input (:class:`~survrepro.errors.InputError`) prints one line on stderr, prefixed
    with ``name`` (default: the script's file name), and gives exit status 2.
    """
    if name is None:
        name = Path(sys.modules[main.__module__].__file__).name
    try:
        return int(main(None if argv is None else list(argv)) or 0)
    except InputError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 2


def run(script, argv: Sequence[str] | None = None) -> int:
    """Import the exhibit script at path ``script`` and run its ``main(argv)``; the exit status."""
    try:
        module = load(script)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return call(module.main, argv, Path(script).name)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m survrepro.report.exhibits SCRIPT [ARGS...]``: every ARG goes to the script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.split("\n\n")[0].strip() + "\n\nusage: python -m survrepro.report.exhibits SCRIPT [ARGS...]"
              "\n(SCRIPT --help lists the script's own options)")
        return 0 if argv else 2
    return run(argv[0], argv[1:])


if __name__ == "__main__":
    sys.exit(main())
