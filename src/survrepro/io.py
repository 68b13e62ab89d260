"""The only module that reads or writes files.

Readers validate at the boundary and raise :class:`~survrepro.InputError` with one
sentence naming the file, the row or column and what was expected. Writers are
atomic: a file is written to a temporary name beside its target and renamed, so a
failure never leaves a half-written output.
"""
from __future__ import annotations

import errno
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from survrepro import paths
from survrepro._validation import MAX_VALUE, InputError, excerpt

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "read_csv",
    "figure_bytes",
    "read_ipd",
    "read_on_therapy",
    "read_digitized_curve",
    "read_at_risk",
    "read_toml",
    "read_design",
    "read_text",
    "read_binary",
    "check_input",
    "reading",
    "check_outputs",
    "write_set",
    "write_text",
    "write_csv",
    "write_json",
    "save_figure",
    "atomic_path",
    "atomic_paths",
]


# --------------------------------------------------------------------------- reading
#: Largest input file read (bytes): a patient-level file of a million patients is
#: about 30 MB.
MAX_INPUT_BYTES = 256 * 1024 * 1024


def _os_reason(exc: OSError) -> str:
    """A short reason for an OS error: 'permission denied', 'file name too long', ..."""
    if isinstance(exc, PermissionError):
        return "permission denied"
    if exc.errno == errno.ENAMETOOLONG:
        return "file name too long"
    if exc.errno == errno.ELOOP:
        return "too many levels of symbolic links"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is a file, not a folder"
    if exc.errno == errno.EISDIR:
        return "is a folder"
    return (exc.strerror or type(exc).__name__).lower()


def check_input(path, what: str = "file") -> Path:
    """Check that ``path`` can be read as an input file, before anything reads it.

    Refused, each with one sentence naming the file: a missing file, a folder, a file
    that is not a regular file (a FIFO, a device such as ``/dev/zero``, a socket), a
    file larger than :data:`MAX_INPUT_BYTES`, and a path the system cannot look up (a
    name too long, a folder without permission). Readers call it first and read inside
    :func:`reading`.

    Parameters
    ----------
    path : path-like
        The input file.
    what : str
        What the file should be ("CSV file"), said in the message.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InputError
        For any of the faults above.

    Examples
    --------
    >>> from survrepro import paths
    >>> check_input(paths.EXAMPLE / "lung.csv").name
    'lung.csv'
    >>> check_input("/dev/zero", "CSV file")
    Traceback (most recent call last):
    ...
    survrepro.errors.InputError: /dev/zero: is a character device, not a regular file; expected a CSV file.
    """
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; expected a {what}.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({_os_reason(exc)}); expected a {what}.") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: is a folder; expected a {what}.")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: is {_kind(st.st_mode)}, not a regular file; expected a {what}.")
    if st.st_size > MAX_INPUT_BYTES:
        raise InputError(
            f"{path}: is {st.st_size / 2**20:.0f} MB; expected a {what} of at most "
            f"{MAX_INPUT_BYTES // 2**20} MB."
        )
    return path


def _kind(mode: int) -> str:
    """What a special file is, for a message."""
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "a special file"


@contextmanager
def reading(path, what: str = "file"):
    """Turn an OS or decoding error raised while reading ``path`` into one sentence.

    ``PermissionError``, any other ``OSError`` and ``UnicodeDecodeError`` leaving the
    block become an :class:`InputError` naming the file and what was expected.

    Parameters
    ----------
    path : path-like
        The file the block reads.
    what : str
        What the file should be, said in the message.

    Yields
    ------
    None

    Examples
    --------
    >>> try:
    ...     with reading("trial.csv", "CSV file"):
    ...         raise PermissionError(13, "Permission denied")
    ... except InputError as exc:
    ...     print(exc)
    trial.csv: cannot be read (permission denied); expected a CSV file.
    """
    try:
        yield
    except UnicodeDecodeError:
        raise InputError(f"{path}: is not UTF-8 text; expected a {what}.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({_os_reason(exc)}); expected a {what}.") from None


def read_csv(path, *, required=(), what: str = "CSV file", **kwargs) -> pd.DataFrame:
    """Read a CSV file, checking that it exists, parses, is not empty and has ``required`` columns.

    Column names are stripped of surrounding white space.

    Parameters
    ----------
    path : path-like
        CSV file with a header row.
    required : sequence of str
        Columns that must be present.
    what : str
        What the file should be, used in the error message ("CSV file").
    **kwargs
        Passed to :func:`pandas.read_csv`.

    Returns
    -------
    pandas.DataFrame
        The file's rows, at least one.

    Raises
    ------
    InputError
        When the file is missing, a folder or special file, unreadable, not UTF-8, empty,
        unparsable or lacks a required column.

    Examples
    --------
    >>> from survrepro import paths
    >>> df = read_csv(paths.EXAMPLE / "lung.csv", required=("time", "event"))
    >>> df.shape, list(df.columns)
    ((228, 3), ['time', 'event', 'arm'])
    """
    path = check_input(path, what)
    try:
        with reading(path, what):
            df = pd.read_csv(path, **kwargs)
    except InputError:
        raise
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty; expected a {what} with a header row.") from None
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: cannot be read as a {what} ({excerpt(first)}).") from None
    df.columns = [str(c).strip() for c in df.columns]
    twice = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if twice:
        raise InputError(f"{path}: column {excerpt(twice[0])} appears more than once; expected each column once.")
    missing = [c for c in required if c not in df.columns]
    if missing:
        have = excerpt(", ".join(df.columns)) if len(df.columns) else "none"
        raise InputError(
            f"{path}: missing column {missing[0]!r}; expected columns "
            f"{', '.join(required)} (found {have})."
        )
    if len(df) == 0:
        raise InputError(f"{path}: has a header but no data rows; expected a {what}.")
    return df


def _numeric_column(df: pd.DataFrame, col: str, path) -> np.ndarray:
    """Return column ``col`` as floats, naming the first row (1-based, after the header) that is not a number."""
    raw = df[col]
    num = pd.to_numeric(raw, errors="coerce")
    bad = np.flatnonzero(num.isna().to_numpy())
    if bad.size:
        i = int(bad[0])
        val = raw.iloc[i]
        shown = "an empty cell" if pd.isna(val) or str(val).strip() == "" else excerpt(str(val))
        raise InputError(f"{path}: row {i + 1}, column {col!r} is {shown}; expected a number.")
    out = num.to_numpy(dtype=float)
    bad = np.flatnonzero(~(np.abs(out) <= MAX_VALUE))
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"{path}: row {i + 1}, column {col!r} is {excerpt(str(raw.iloc[i]).strip())}; expected a finite "
            f"number of at most 10^9 in size (larger values are not times or counts in any unit)."
        )
    return out


def read_ipd(path, *, arm: str | None = "arm", extra=()) -> pd.DataFrame:
    """Read individual patient data: columns ``time``, ``event`` (0/1) and optionally ``arm``.

    Parameters
    ----------
    path : path-like
        CSV file with a header row.
    arm : str or None
        Name of the grouping column, kept as text when present.
    extra : sequence of str
        Further columns that must be present (a stratification column, say).

    Returns
    -------
    pandas.DataFrame
        ``time`` (float), ``event`` (int) and the arm/extra columns as strings (a
        grouping value read as ``1.0`` is the label ``'1'``).

    Raises
    ------
    InputError
        Naming the file, row and column of the first time that is negative or not a
        number, event that is not 0 or 1, or empty label.

    Examples
    --------
    >>> from survrepro import paths
    >>> df = read_ipd(paths.EXAMPLE / "lung.csv")
    >>> df.head(2)
        time  event arm
    0  306.0      1   1
    1  455.0      1   1
    >>> df["arm"].value_counts().sort_index().to_dict()
    {'1': 138, '2': 90}
    """
    df = read_csv(path, required=("time", "event", *extra), what="patient-level data file (time,event[,arm])")
    time = _numeric_column(df, "time", path)
    neg = np.flatnonzero(~np.isfinite(time) | (time < 0))
    if neg.size:
        i = int(neg[0])
        raise InputError(f"{path}: row {i + 1}, column 'time' is {time[i]:g}; expected a finite time >= 0.")
    ev = _numeric_column(df, "event", path)
    bad = np.flatnonzero(~np.isin(ev, (0.0, 1.0)))
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"{path}: row {i + 1}, column 'event' is {_shown(df['event'].iloc[i])}; expected 0 (censored) "
            "or 1 (event)."
        )
    out = pd.DataFrame({"time": time, "event": ev.astype(int)})
    for col in ([arm] if arm and arm in df.columns else []) + list(extra):
        vals = df[col]
        if vals.isna().any():
            i = int(np.flatnonzero(vals.isna().to_numpy())[0])
            raise InputError(f"{path}: row {i + 1}, column {col!r} is empty; expected a label.")
        out[col] = vals.map(_label).to_numpy()
    return out


def _shown(value) -> str:
    """A cell as a message quotes it: a number as read, text as a short excerpt."""
    return excerpt(value) if isinstance(value, str) else excerpt(str(value)).strip("'")


def _label(value) -> str:
    """Text label of a grouping value; 1.0 read by pandas is shown as '1'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_toml(path) -> dict:
    """Read a TOML file, naming the file and the parser's complaint on failure.

    Parameters
    ----------
    path : path-like
        The TOML file.

    Returns
    -------
    dict
        The parsed document.

    Raises
    ------
    InputError
        When the file is missing, a folder or special file, unreadable, not UTF-8 or
        not valid TOML.

    Examples
    --------
    >>> from survrepro import paths
    >>> doc = read_toml(paths.PUBLISHED / "levee2025.toml")
    >>> list(doc), doc["study"]["time_unit"]
    (['study', 'target', 'analysis'], 'months')
    """
    path = check_input(path, "TOML file")
    try:
        with reading(path, "TOML file"):
            with path.open("rb") as fh:
                return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: is not valid TOML ({excerpt(str(exc))}).") from None


# --------------------------------------------------------------------------- writing
def _identity(path: Path):
    """What makes two paths the same file: the resolved path, or (device, inode) when it exists."""
    try:
        st = path.stat()
        return ("inode", st.st_dev, st.st_ino)
    except OSError:
        pass
    try:
        return ("path", str(path.resolve()))
    except (OSError, RuntimeError):
        return ("path", os.path.abspath(path))


def check_outputs(outputs: Mapping, inputs: Mapping | None = None) -> None:
    """Refuse an output that is one of the inputs or the same file as another output.

    Paths are compared as the files they name (resolved, symbolic links followed, the
    same inode for an existing file), so ``c.csv``, ``./c.csv`` and a link to it are one
    file.

    Parameters
    ----------
    outputs : Mapping
        What each output is called (an option such as ``"-o"``) to its path; ``None``
        paths are skipped.
    inputs : Mapping, optional
        What each input is called (``"--curve"``) to its path; ``None`` paths are skipped.

    Returns
    -------
    None

    Raises
    ------
    InputError
        Naming both options and the file.

    Examples
    --------
    >>> check_outputs({"-o": "ipd.csv", "--fidelity": "fit.json"}, {"--curve": "curve.csv"})
    >>> check_outputs({"-o": "curve.csv"}, {"--curve": "./curve.csv"})
    Traceback (most recent call last):
    ...
    survrepro.errors.InputError: -o curve.csv is the same file as --curve ./curve.csv; expected an output that does not overwrite an input.
    """
    seen = {}
    for name, p in (inputs or {}).items():
        if p is not None:
            seen.setdefault(_identity(Path(p)), ("input", name, p))
    for name, p in outputs.items():
        if p is None:
            continue
        key = _identity(Path(p))
        if key in seen:
            kind, other, other_path = seen[key]
            expected = ("an output that does not overwrite an input" if kind == "input"
                        else "a different file for each output")
            raise InputError(f"{name} {p} is the same file as {other} {other_path}; expected {expected}.")
        seen[key] = ("output", name, p)


def _output_target(path) -> Path:
    """The file that writing ``path`` replaces, after the checks of :func:`atomic_path`."""
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise InputError(f"{path}: cannot be written ({_os_reason(exc)}).") from None
    if stat.S_ISLNK(st.st_mode):
        try:
            folder = path.parent.resolve()
            target = path.resolve()
        except (OSError, RuntimeError) as exc:
            reason = _os_reason(exc) if isinstance(exc, OSError) else "a loop of symbolic links"
            raise InputError(f"{path}: is a symbolic link that cannot be followed ({reason}).") from None
        if not target.is_relative_to(folder):
            raise InputError(
                f"{path}: is a symbolic link to {target}, outside the folder {folder}; expected a regular "
                f"file or a new name (a link is written through only when it points inside its folder)."
            )
        try:
            st = os.lstat(target)
        except FileNotFoundError:
            return target
        except OSError as exc:
            raise InputError(f"{path}: cannot be written ({_os_reason(exc)}).") from None
        path_shown = f"{path} (a link to {target})"
        path = target
    else:
        path_shown = str(path)
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path_shown}: is a folder; expected the name of a file to write.")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(
            f"{path_shown}: is {_kind(st.st_mode)}, not a regular file; expected the name of a file to write "
            f"(special files are never replaced)."
        )
    return path


def _temp_beside(path: Path) -> Path:
    """Create an empty temporary file beside ``path`` with the permissions ``path`` will have."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputError(f"{path}: cannot create the folder {folder} (a part of the path is a file, not a folder).") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot create the folder {folder} ({_os_reason(exc)}).") from None
    if not folder.is_dir():
        raise InputError(f"{path}: {folder} is not a folder; expected a folder to write in.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError(f"{path}: cannot write in the folder {folder} ({_os_reason(exc)}).") from None
    os.close(fd)
    tmp = Path(tmp)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)  # an existing file keeps its permissions
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask  # mkstemp creates 0600; outputs get the usual permissions
    os.chmod(tmp, mode)
    return tmp


@contextmanager
def _written(path: Path):
    """Turn an OS error while writing ``path`` into one sentence."""
    try:
        yield
    except InputError:
        raise
    except OSError as exc:
        raise InputError(f"{path}: cannot be written ({_os_reason(exc)}).") from None


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    The parent folder is created when missing. If the ``with`` block raises, the
    temporary file is removed and ``path`` is left as it was. What is refused, before
    anything is written, each with one sentence naming the file: a folder; a special
    file (a device such as ``/dev/null``, a FIFO, a socket), which is never replaced; a
    symbolic link pointing outside its own folder. A link pointing inside its folder is
    written through (its target is replaced, the link kept); an existing regular file is
    replaced keeping its permissions. An OS error (a read-only folder, a part of the
    path that is a file, a full disk) becomes an :class:`InputError`.

    Parameters
    ----------
    path : path-like
        The file to write.

    Yields
    ------
    pathlib.Path
        A temporary file in the same folder, to be written by the caller.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> target = Path(tmp.name) / "out.txt"
    >>> with atomic_path(target) as part:
    ...     _ = part.write_text("done")
    ...     target.exists()
    False
    >>> target.read_text()
    'done'
    >>> with atomic_path("/dev/null") as part:
    ...     pass
    Traceback (most recent call last):
    ...
    survrepro.errors.InputError: /dev/null: is a character device, not a regular file; expected the name of a file to write (special files are never replaced).
    >>> tmp.cleanup()
    """
    with atomic_paths([path]) as (tmp,):
        yield tmp


@contextmanager
def atomic_paths(targets):
    """Yield temporary paths beside each of ``targets``; on success rename them all, as a set.

    Each target is checked as by :func:`atomic_path`, and two targets naming the same
    file are refused. When the ``with`` block raises nothing is renamed; when a rename
    fails the targets already renamed are put back, so the folder holds the previous set
    of files or the new one, never a mixture.

    Parameters
    ----------
    targets : sequence of path-like
        The files to write.

    Yields
    ------
    list of pathlib.Path
        One temporary file per target, in order.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> a, b = Path(tmp.name) / "a.txt", Path(tmp.name) / "b.txt"
    >>> with atomic_paths([a, b]) as (ta, tb):
    ...     _ = ta.write_text("A")
    ...     _ = tb.write_text("B")
    >>> a.read_text() + b.read_text()
    'AB'
    >>> tmp.cleanup()
    """
    given = [Path(t) for t in targets]
    seen = {}
    for t in given:
        other = seen.setdefault(_identity(t), t)
        if other is not t:
            raise InputError(f"{t} and {other} are the same file; expected a different file for each output.")
    resolved = [_output_target(t) for t in given]
    tmps: list[Path] = []
    try:
        for t in resolved:
            tmps.append(_temp_beside(t))
        with _written(given[0] if len(given) == 1 else given[0].parent):
            yield list(tmps)
        _commit(tmps, resolved)
    finally:
        for tmp in tmps:
            if os.path.lexists(tmp):
                tmp.unlink()


def _commit(tmps: list[Path], targets: list[Path]) -> None:
    """Rename each temporary file onto its target; on a failure restore the targets renamed."""
    done: list[tuple[Path, Path | None]] = []  # (target, backup of its previous content or None)
    try:
        for tmp, target in zip(tmps, targets):
            backup = None
            if len(targets) > 1 and os.path.lexists(target):
                backup = target.with_name(f".{target.name[:40]}.{os.getpid()}.{len(done)}.previous")
                if os.path.lexists(backup):
                    backup.unlink()
                os.link(target, backup)  # keeps the previous file in place while it is replaced
            with _written(target):
                os.replace(tmp, target)
            done.append((target, backup))
    except BaseException:
        for target, backup in reversed(done):
            if backup is not None:
                os.replace(backup, target)
            elif os.path.lexists(target):
                target.unlink()
        raise
    finally:
        for _, backup in done:
            if backup is not None and os.path.lexists(backup):
                backup.unlink()


def write_set(files: Mapping) -> list[Path]:
    """Write several files as one set: all of them, or (on any failure) none.

    For outputs that belong together (patient data and their fidelity report; a report's
    Markdown, CSV and HTML). Every target is checked before anything is written (as by
    :func:`atomic_path`, and no two the same file); each content goes to a temporary file
    beside its target, and only when all are written are they renamed, as in
    :func:`atomic_paths`.

    Parameters
    ----------
    files : Mapping
        Target path to its content: ``str`` (written as UTF-8), ``bytes``, or a callable
        taking the temporary path and writing it (``lambda p: df.to_csv(p)``).

    Returns
    -------
    list of pathlib.Path
        The targets, in order.

    Raises
    ------
    InputError
        When a target is refused or cannot be written; no target is changed then.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> out = write_set({Path(tmp.name) / "report.md": "# Report\\n", Path(tmp.name) / "report.csv": "id\\n"})
    >>> [p.name for p in out], out[0].read_text()
    (['report.md', 'report.csv'], '# Report\\n')
    >>> tmp.cleanup()
    """
    targets = [Path(p) for p in files]
    contents = list(files.values())
    with atomic_paths(targets) as tmps:
        for tmp, content in zip(tmps, contents):
            if isinstance(content, str):
                tmp.write_text(content, encoding="utf-8")
            elif isinstance(content, (bytes, bytearray)):
                tmp.write_bytes(bytes(content))
            elif callable(content):
                content(tmp)
            else:
                raise TypeError(f"write_set: content of {tmp.name} must be str, bytes or a callable")
    return targets


def write_text(path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically, as UTF-8.

    Parameters
    ----------
    path : path-like
        The file to write; its folder is created when missing.
    text : str
        The content.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> write_text(Path(tmp.name) / "notes" / "a.md", "# Notes\\n").read_text()
    '# Notes\\n'
    >>> tmp.cleanup()
    """
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_csv(path, df: pd.DataFrame) -> Path:
    """Write a DataFrame as CSV (no index, Unix line endings) atomically.

    Parameters
    ----------
    path : path-like
        The file to write; its folder is created when missing.
    df : pandas.DataFrame
        The table.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> tmp = tempfile.TemporaryDirectory()
    >>> out = write_csv(Path(tmp.name) / "ipd.csv", pd.DataFrame({"time": [1.5, 3.0], "event": [1, 0]}))
    >>> out.read_text()
    'time,event\\n1.5,1\\n3.0,0\\n'
    >>> tmp.cleanup()
    """
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, lineterminator="\n")
    return Path(path)


def write_json(path, obj) -> Path:
    """Write ``obj`` as indented JSON atomically (NaN is refused: use None).

    Parameters
    ----------
    path : path-like
        The file to write; its folder is created when missing.
    obj : object
        Anything :func:`json.dumps` accepts, without NaN or infinity.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> print(write_json(Path(tmp.name) / "fit.json", {"hr": 0.61, "ci": [0.4, None]}).read_text())
    {
      "hr": 0.61,
      "ci": [
        0.4,
        null
      ]
    }
    <BLANKLINE>
    >>> tmp.cleanup()
    """
    return write_text(path, json.dumps(obj, indent=2, allow_nan=False) + "\n")


def save_figure(fig, path, **kwargs) -> Path:
    """Save a matplotlib figure atomically; the format follows the file suffix.

    The defaults (150 dpi, a tight bounding box, no date or software stamp in the file)
    make a figure saved twice from the same inputs byte-identical.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : path-like
        The file to write (``.png``, ``.svg``, ``.pdf``, ...); its folder is created when missing.
    **kwargs
        Passed to :meth:`matplotlib.figure.Figure.savefig`, overriding the defaults.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import matplotlib.pyplot as plt
    >>> tmp = tempfile.TemporaryDirectory()
    >>> fig, ax = plt.subplots(figsize=(2, 2))
    >>> out = save_figure(fig, Path(tmp.name) / "km.png")
    >>> out.read_bytes()[:4]
    b'\x89PNG'
    >>> plt.close(fig)
    >>> tmp.cleanup()
    """
    path = Path(path)
    data = figure_bytes(fig, path, **kwargs)
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(data)
    return path


def figure_bytes(fig, path, **kwargs) -> bytes:
    """The bytes :func:`save_figure` writes for ``fig`` at ``path`` (format from its suffix).

    For a figure written with other files as one set (:func:`write_set`).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : path-like
        The file it is meant for; only its suffix is used.
    **kwargs
        Passed to :meth:`matplotlib.figure.Figure.savefig`, overriding the defaults.

    Returns
    -------
    bytes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> figure_bytes(fig, "fit.png")[:4]
    b'\\x89PNG'
    >>> plt.close(fig)
    """
    import io as _stdio

    suffix = Path(path).suffix.lower()
    kwargs.setdefault("dpi", 150)
    kwargs.setdefault("bbox_inches", "tight")
    # Fixed metadata keeps PNG/SVG/PDF output byte-identical across runs.
    fixed = {".png": {"Software": None}, ".svg": {"Date": None}, ".pdf": {"CreationDate": None}}
    kwargs.setdefault("metadata", fixed.get(suffix))
    buffer = _stdio.BytesIO()
    fig.savefig(buffer, format=suffix.lstrip(".") or "png", **kwargs)
    return buffer.getvalue()


def read_on_therapy(path, *, by: str | None = None) -> pd.DataFrame:
    """Read time on the same therapy per patient: ``time``, ``event`` (0/1), optional ``death`` (0/1) and ``by``.

    ``event`` is 1 when the therapy ended (a change of therapy or death) and ``death`` is 1
    when the ending was death, so ``death = 1`` requires ``event = 1``.

    Parameters
    ----------
    path : path-like
        CSV file with a header row.
    by : str or None
        Grouping column (a subtype, say), read as text labels; it must not be named
        ``time``, ``event`` or ``death``.

    Returns
    -------
    pandas.DataFrame
        ``time`` (float), ``event`` (int), ``death`` (int, when the file has it) and the
        ``by`` column as text labels.

    Raises
    ------
    InputError
        Naming the file and row of the first bad value, or of a death that does not end
        the therapy.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> csv = Path(tmp.name) / "on_therapy.csv"
    >>> _ = csv.write_text("time,event,death,subtype\\n3.5,1,0,HR+\\n7.0,1,1,TNBC\\n9.2,0,0,HR+\\n")
    >>> read_on_therapy(csv, by="subtype")
       time  event  death subtype
    0   3.5      1      0     HR+
    1   7.0      1      1    TNBC
    2   9.2      0      0     HR+
    >>> tmp.cleanup()
    """
    if by in ("time", "event", "death"):
        raise InputError(f"{path}: the grouping column must not be {by!r}; expected a column such as a subtype.")
    out = read_ipd(path, arm=None, extra=(by,) if by else ())
    raw = read_csv(path, what="patient-level data file")
    if "death" in raw.columns:
        death = _numeric_column(raw, "death", path)
        bad = np.flatnonzero(~np.isin(death, (0.0, 1.0)))
        if bad.size:
            i = int(bad[0])
            raise InputError(
                f"{path}: row {i + 1}, column 'death' is {death[i]:g}; expected 0 or 1 (1 = the therapy ended by death)."
            )
        bad = np.flatnonzero((death == 1) & (out["event"].to_numpy() == 0))
        if bad.size:
            i = int(bad[0])
            raise InputError(
                f"{path}: row {i + 1} has death = 1 but event = 0; a death ends the therapy, so expected event = 1."
            )
        out.insert(2, "death", death.astype(int))
    return out


# --------------------------------------------------------------------------- digitized curves
def _digitized_text(path, what: str) -> str:
    """The text of a digitized file, refusing a missing file, a folder, binary content or no content."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file; expected a {what}.")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; expected a {what}.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: is not a text file; expected a {what}.") from None
    if not text.strip():
        raise InputError(f"{path}: the file is empty; expected a {what}.")
    return text


def read_digitized_curve(path, *, time_col: str | None = None, survival_col: str | None = None,
                         arm_col: str | None = None) -> pd.DataFrame:
    """Read a digitized Kaplan–Meier curve, in any layout the digitizing tools write.

    The layout is recognised from the content (:mod:`survrepro.digitized` lists them): a
    header naming time, survival and optionally arm (``time,survival,arm``, DigitizeIt's
    ``T,S``, ``x,y``; the names recognised are
    :data:`~survrepro.digitized.TIME_NAMES`, :data:`~survrepro.digitized.SURVIVAL_NAMES`
    and :data:`~survrepro.digitized.ARM_NAMES`, other columns are not used); the headerless
    export of WebPlotDigitizer (``x,y`` per line, a third column read as the arm), also
    with ``;`` as separator and a decimal comma (``12,5; 0,87``) or with tabs;
    WebPlotDigitizer's export of all datasets (a row of dataset names over ``X,Y`` pairs of
    columns), whose dataset names become the arms. Survival is returned as given (fraction
    or percent: see :func:`survrepro.sources.reconstruct.clean_curve`). How the file was
    read, when it is not the plain ``time,survival[,arm]`` layout, is the sentence in
    ``attrs["layout"]`` of the result.

    Parameters
    ----------
    path : path-like
        The digitized curve, as text.
    time_col, survival_col, arm_col : str, optional
        Exact names of the header's columns, overriding the recognised names.

    Returns
    -------
    pandas.DataFrame
        ``time``, ``survival`` (floats) and ``arm`` (text) when present, the points of an
        arm together; its index, named ``row``, is the data row number in the file (1 =
        first data row).

    Raises
    ------
    InputError
        Naming the file, row and column of the first field that is missing or not a number;
        a column missing, named by two candidates (with the option that picks) or named by
        an option but not in the file.

    References
    ----------
    .. [1] Rohatgi A. WebPlotDigitizer. https://automeris.io/WebPlotDigitizer

    Examples
    --------
    A WebPlotDigitizer export in a locale with decimal commas:

    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> csv = Path(tmp.name) / "curve.csv"
    >>> _ = csv.write_text("12,5;0,87\\n24;0,61\\n")
    >>> read_digitized_curve(csv)  # doctest: +NORMALIZE_WHITESPACE
         time  survival
    row
    1    12.5      0.87
    2    24.0      0.61
    >>> tmp.cleanup()
    """
    from survrepro.digitized import parse_curve

    what = "digitized curve (time,survival[,arm] or a WebPlotDigitizer export)"
    text = _digitized_text(path, what)
    layout = parse_curve(text, str(Path(path)), time_col=time_col, survival_col=survival_col, arm_col=arm_col)
    out = layout.frame
    out.attrs["layout"] = layout.note
    return out


def read_at_risk(path, *, time_col: str | None = None, n_col: str | None = None,
                 arm_col: str | None = None) -> pd.DataFrame:
    """Read a numbers-at-risk table, in any layout papers and digitizing packages use.

    The layout is recognised from the content (:mod:`survrepro.digitized` lists them): a
    header naming time, number at risk and optionally arm (``time,n_at_risk,arm``; the
    names recognised are :data:`~survrepro.digitized.TIME_NAMES`,
    :data:`~survrepro.digitized.AT_RISK_NAMES` and :data:`~survrepro.digitized.ARM_NAMES`);
    the table of Guyot et al. (``interval,trisk,lower,upper,nrisk``, with ``trisk`` the
    times and ``nrisk`` the counts; ``lower`` and ``upper``, the click index ranges, are not
    used and may be empty); one row per arm and one column per time (``arm,0,6,12``), or one
    column per arm (``time,Drug,Placebo``), turned into the long form; no header
    (``time,n_at_risk[,arm]`` per line). Checks each row: times finite and >= 0, counts whole
    numbers >= 0, times increasing and counts never increasing within an arm. How the file
    was read, when it is not the plain layout, is the sentence in ``attrs["layout"]``.

    Parameters
    ----------
    path : path-like
        The table, as text.
    time_col, n_col, arm_col : str, optional
        Exact names of the header's columns, overriding the recognised names.

    Returns
    -------
    pandas.DataFrame
        ``time`` (float), ``n_at_risk`` (int) and ``arm`` (text) when present, the rows of an
        arm together; index named ``row`` = data row number in the file.

    Raises
    ------
    InputError
        Naming the file, row (and arm) of the first value that breaks a check; a column
        missing, named by two candidates (with the option that picks) or named by an option
        but not in the file; a count that is not a number.

    References
    ----------
    .. [1] Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of
       survival data: reconstructing the data from published Kaplan-Meier survival
       curves. BMC Med Res Methodol 2012;12:9.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> csv = Path(tmp.name) / "at_risk.csv"
    >>> _ = csv.write_text("time,n_at_risk,arm\\n0,50,A\\n12,30,A\\n0,48,B\\n12,25,B\\n")
    >>> read_at_risk(csv)  # doctest: +NORMALIZE_WHITESPACE
         time  n_at_risk arm
    row
    1     0.0         50   A
    2    12.0         30   A
    3     0.0         48   B
    4    12.0         25   B
    >>> _ = csv.write_text("arm,0,12\\nA,50,30\\nB,48,25\\n")
    >>> read_at_risk(csv).to_numpy().tolist()
    [[0.0, 50, 'A'], [12.0, 30, 'A'], [0.0, 48, 'B'], [12.0, 25, 'B']]
    >>> tmp.cleanup()
    """
    from survrepro.digitized import parse_at_risk

    what = "numbers-at-risk table (time,n_at_risk[,arm])"
    text = _digitized_text(path, what)
    layout = parse_at_risk(text, str(Path(path)), time_col=time_col, n_col=n_col, arm_col=arm_col)
    df = layout.frame
    if len(df) == 0:
        raise InputError(f"{path}: holds no numbers at risk; expected a {what}.")
    time = df["time"].to_numpy(float)
    n = df["n_at_risk"].to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(time) | (time < 0))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{path}: {layout.cells['time'][i]} is {time[i]:g}; expected a finite time >= 0.")
    for col, values in (("time", time), ("n_at_risk", n)):
        huge = np.flatnonzero(np.isfinite(values) & (np.abs(values) > 1e9))
        if huge.size:
            i = int(huge[0])
            raise InputError(f"{path}: {layout.cells[col][i]} is {values[i]:g}; expected a finite number of at "
                             "most 10^9 in size (larger values are not times or counts in any unit).")
    bad = np.flatnonzero(~np.isfinite(n) | (n < 0) | (n != np.round(n)))
    if bad.size:
        i = int(bad[0])
        kind = "negative" if n[i] < 0 else "not a whole number"
        raise InputError(
            f"{path}: {layout.cells['n_at_risk'][i]} is {n[i]:g} ({kind}); expected a whole number >= 0."
        )
    out = pd.DataFrame({"time": time, "n_at_risk": n.astype(int)}, index=df.index.copy())
    if "arm" in df.columns:
        out["arm"] = df["arm"].to_numpy()
    places = np.array(layout.places, dtype=object)
    groups = [np.arange(len(out))] if "arm" not in out.columns else [
        np.flatnonzero((out["arm"] == a).to_numpy()) for a in pd.unique(out["arm"])
    ]
    for idx in groups:
        t, c, r = time[idx], out["n_at_risk"].to_numpy()[idx], places[idx]
        arm = f" (arm {out['arm'].iloc[idx[0]]})" if "arm" in out.columns else ""
        if arm and "(arm " in r[0]:
            arm = ""
        bad = np.flatnonzero(np.diff(t) <= 0)
        if bad.size:
            i = int(bad[0]) + 1
            raise InputError(
                f"{path}: {r[i]}{arm}, time {t[i]:g} does not come after {t[i - 1]:g} ({r[i - 1]}); "
                f"expected increasing times."
            )
        bad = np.flatnonzero(np.diff(c) > 0)
        if bad.size:
            i = int(bad[0]) + 1
            raise InputError(
                f"{path}: {r[i]}{arm}, n_at_risk rises from {c[i - 1]} ({r[i - 1]}) to {c[i]}; "
                f"expected numbers at risk that never increase."
            )
    out.attrs["layout"] = layout.note
    return out


def read_binary(path) -> bytes:
    """Read a file's bytes (a figure to embed in a report), naming the file when it is missing.

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    bytes
        Its content.

    Examples
    --------
    >>> from survrepro import paths
    >>> read_binary(paths.EXAMPLE / "lung.csv")[:15]
    b'time,event,arm\\n'
    """
    path = check_input(path, "file to embed")
    with reading(path, "file to embed"):
        return path.read_bytes()


def read_text(path) -> str:
    """The text of a UTF-8 file (a report section, say), naming the file when it is missing.

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    str
        Its text.

    Examples
    --------
    >>> from survrepro import paths
    >>> read_text(paths.EXAMPLE / "README.md").splitlines()[0]
    '# Example data'
    """
    path = check_input(path, "text file")
    with reading(path, "UTF-8 text file"):
        return path.read_text(encoding="utf-8")


def read_design(path) -> tuple[dict, dict]:
    """A design file (``data/designs/*.toml``) and the published-target registers it cites.

    Assumptions that name a register entry (``target = "study:id"`` or
    ``months_between = ["study:id", ...]``) are resolved later against the registers
    returned here, keyed by study id; a cited study without a register is left out, and
    resolving names it.

    Parameters
    ----------
    path : path-like
        The design file.

    Returns
    -------
    design : dict
        The parsed design file.
    registers : dict
        The parsed register of each cited study, keyed by study id.

    Examples
    --------
    >>> from survrepro import paths
    >>> design, registers = read_design(paths.DESIGNS / "extend_breast.toml")
    >>> list(design), sorted(registers)
    (['design', 'assumptions'], ['extend_breast'])
    """
    doc = read_toml(path)
    studies = set()
    assumptions = doc.get("assumptions") or {}
    for name, spec in (assumptions.items() if isinstance(assumptions, dict) else ()):
        if isinstance(spec, dict):
            refs = [spec["target"]] if "target" in spec else spec.get("months_between", [])
            for ref in refs if isinstance(refs, list) else [refs]:
                study = str(ref).partition(":")[0]
                if not _STUDY_ID.match(study):
                    raise InputError(
                        f"{path}: assumption {excerpt(str(name))} refers to {excerpt(str(ref))}; expected "
                        f"'study:target_id' with a study id (snake_case, at most 100 characters) naming "
                        f"a register in {paths.PUBLISHED}."
                    )
                studies.add(study)
    registers = {}
    for study in sorted(studies):
        reg_path = paths.PUBLISHED / f"{study}.toml"
        if reg_path.exists() and paths.inside(reg_path, paths.ROOT):
            registers[study] = read_toml(reg_path)
    return doc, registers


#: A study id as a design file names a register: ``data/published/<id>.toml``.
_STUDY_ID = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
