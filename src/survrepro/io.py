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

from survrepro._validation import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "read_csv",
    "read_ipd",
    "read_toml",
    "write_text",
    "write_csv",
    "write_json",
    "atomic_path",
]


# --------------------------------------------------------------------------- reading
def read_csv(path, *, required=(), what: str = "CSV file", **kwargs) -> pd.DataFrame:
    """Read a CSV file, checking that it exists, parses, is not empty and has ``required`` columns.

    Column names are stripped of surrounding white space.
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
    DataFrame with ``time`` (float), ``event`` (int) and the arm/extra columns as strings.
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
            f"{path}: row {i + 1}, column 'event' is {df['event'].iloc[i]!r}; expected 0 (censored) or 1 (event)."
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
    """Read a TOML file, naming the file and the parser's complaint on failure."""
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
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_csv(path, df: pd.DataFrame) -> Path:
    """Write a DataFrame as CSV (no index) atomically."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, lineterminator="\n")
    return Path(path)


def write_json(path, obj) -> Path:
    """Write ``obj`` as indented JSON atomically (NaN is refused: use None)."""
    return write_text(path, json.dumps(obj, indent=2, allow_nan=False) + "\n")


def save_figure(fig, path, **kwargs) -> Path:
    """Save a matplotlib figure atomically; the format follows the file suffix."""
    path = Path(path)
    kwargs.setdefault("dpi", 150)
    kwargs.setdefault("bbox_inches", "tight")
    # Fixed metadata keeps PNG/SVG/PDF output byte-identical across runs.
    fixed = {".png": {"Software": None}, ".svg": {"Date": None}, ".pdf": {"CreationDate": None}}
    kwargs.setdefault("metadata", fixed.get(path.suffix.lower()))
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", **kwargs)
    return path
