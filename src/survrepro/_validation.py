"""Input validation shared by every module: one clear sentence per fault."""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from survrepro.errors import InputError


def check_choice(name: str, value, allowed: Iterable) -> None:
    """Raise :class:`InputError` unless ``value`` is one of ``allowed``."""
    allowed = tuple(allowed)
    if value not in allowed:
        listed = ", ".join(repr(a) for a in allowed)
        raise InputError(f"{name} must be one of {listed}; got {value!r}.")


def check_level(level: float, name: str = "confidence level") -> float:
    """Return ``level`` as a float strictly between 0 and 1."""
    try:
        level = float(level)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number between 0 and 1; got {level!r}.") from None
    if not 0.0 < level < 1.0:
        raise InputError(f"{name} must be strictly between 0 and 1; got {level!r}.")
    return level


def check_positive(name: str, value, *, integer: bool = False) -> float:
    """Return ``value`` as a finite number > 0 (an ``int`` when ``integer``)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a positive number; got {value!r}.") from None
    if not math.isfinite(v) or v <= 0:
        raise InputError(f"{name} must be a positive number; got {value!r}.")
    if integer:
        if not v.is_integer():
            raise InputError(f"{name} must be a whole number; got {value!r}.")
        return int(v)
    return v


def check_non_negative(name: str, value) -> float:
    """Return ``value`` as a finite number >= 0."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number >= 0; got {value!r}.") from None
    if not math.isfinite(v) or v < 0:
        raise InputError(f"{name} must be a number >= 0; got {value!r}.")
    return v


def as_durations(durations, event_observed=None, *, where: str = "input"):
    """Validate survival data and return ``(time, event)`` as float and int arrays.

    Parameters
    ----------
    durations : array_like
        Follow-up times, finite and non-negative.
    event_observed : array_like, optional
        1 for an event, 0 for censoring; all events when omitted.
    where : str
        Name of the data source used in error messages (a file name, say).
    """
    t = np.asarray(durations, dtype=object).ravel()
    try:
        t = t.astype(float)
    except (TypeError, ValueError):
        raise InputError(f"{where}: times must be numbers.") from None
    if t.size == 0:
        raise InputError(f"{where}: no observations.")
    bad = np.flatnonzero(~np.isfinite(t) | (t < 0))
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"{where}: time at position {i + 1} is {t[i]:g}; expected a finite number >= 0."
        )
    if event_observed is None:
        e = np.ones(t.size, dtype=int)
    else:
        e_raw = np.asarray(event_observed, dtype=object).ravel()
        if e_raw.size != t.size:
            raise InputError(
                f"{where}: {t.size} times but {e_raw.size} event indicators; expected one each."
            )
        try:
            e_f = e_raw.astype(float)
        except (TypeError, ValueError):
            e_f = np.full(t.size, np.nan)
        bad = np.flatnonzero(~np.isin(e_f, (0.0, 1.0)))
        if bad.size:
            i = int(bad[0])
            raise InputError(
                f"{where}: event at position {i + 1} is {e_raw[i]}; expected 0 (censored) or 1 (event)."
            )
        e = e_f.astype(int)
    return t, e
