"""The only module that reads or writes files.

Readers validate at the boundary and raise :class:`~survrepro.InputError` with one
sentence naming the file, the row or column and what was expected. Writers are
atomic: a file is written to a temporary name beside its target and renamed, so a
failure never leaves a half-written output.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from survrepro import paths
from survrepro._validation import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "read_csv",
    "read_ipd",
    "read_on_therapy",
    "read_digitized_curve",
    "read_at_risk",
    "read_toml",
    "read_design",
    "read_text",
    "read_binary",
    "write_text",
    "write_csv",
    "write_json",
    "save_figure",
    "atomic_path",
]


# --------------------------------------------------------------------------- reading
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
        When the file is missing, a folder, empty, unparsable or lacks a required column.

    Examples
    --------
    >>> from survrepro import paths
    >>> df = read_csv(paths.EXAMPLE / "lung.csv", required=("time", "event"))
    >>> df.shape, list(df.columns)
    ((228, 3), ['time', 'event', 'arm'])
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file; expected a {what}.")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; expected a {what}.")
    try:
        df = pd.read_csv(path, **kwargs)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty; expected a {what} with a header row.") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: cannot be read as a {what} ({first}).") from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        have = ", ".join(df.columns) or "none"
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
        shown = "an empty cell" if pd.isna(val) or str(val).strip() == "" else repr(str(val))
        raise InputError(f"{path}: row {i + 1}, column {col!r} is {shown}; expected a number.")
    return num.to_numpy(dtype=float)


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
            f"{path}: row {i + 1}, column 'event' is {df['event'].iloc[i]}; expected 0 (censored) or 1 (event)."
        )
    out = pd.DataFrame({"time": time, "event": ev.astype(int)})
    for col in ([arm] if arm and arm in df.columns else []) + list(extra):
        vals = df[col]
        if vals.isna().any():
            i = int(np.flatnonzero(vals.isna().to_numpy())[0])
            raise InputError(f"{path}: row {i + 1}, column {col!r} is empty; expected a label.")
        out[col] = vals.map(_label).to_numpy()
    return out


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
        When the file is missing or is not valid TOML.

    Examples
    --------
    >>> from survrepro import paths
    >>> doc = read_toml(paths.PUBLISHED / "levee2025.toml")
    >>> list(doc), doc["study"]["time_unit"]
    (['study', 'target', 'analysis'], 'months')
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file; expected a TOML file.")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: is not valid TOML ({exc}).") from None


# --------------------------------------------------------------------------- writing
@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    The parent folder is created when missing. If the ``with`` block raises, the
    temporary file is removed and ``path`` is left as it was.

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
    >>> tmp.cleanup()
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; outputs get the usual permissions
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


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
    kwargs.setdefault("dpi", 150)
    kwargs.setdefault("bbox_inches", "tight")
    # Fixed metadata keeps PNG/SVG/PDF output byte-identical across runs.
    fixed = {".png": {"Software": None}, ".svg": {"Date": None}, ".pdf": {"CreationDate": None}}
    kwargs.setdefault("metadata", fixed.get(path.suffix.lower()))
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", **kwargs)
    return path


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
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; expected a file to embed.")
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
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; expected a text file.")
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
    for spec in (doc.get("assumptions") or {}).values():
        if isinstance(spec, dict):
            refs = [spec["target"]] if "target" in spec else list(spec.get("months_between", []))
            studies.update(str(r).partition(":")[0] for r in refs)
    registers = {}
    for study in sorted(studies):
        reg_path = paths.PUBLISHED / f"{study}.toml"
        if reg_path.exists():
            registers[study] = read_toml(reg_path)
    return doc, registers
