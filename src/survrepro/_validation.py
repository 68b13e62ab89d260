"""Input validation shared by every module: one clear sentence per fault."""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from survrepro.errors import InputError


def check_choice(name: str, value, allowed: Iterable) -> None:
    """Raise :class:`InputError` unless ``value`` is one of ``allowed``.

    Parameters
    ----------
    name : str
        What the value is, first in the message.
    value : object
        The value given.
    allowed : iterable
        The values accepted, listed in the message.

    Returns
    -------
    None

    Examples
    --------
    >>> check_choice("CI method", "exact", ("exact", "wilson"))
    >>> check_choice("CI method", "km", ("exact", "wilson"))
    Traceback (most recent call last):
    ...
    survrepro.errors.InputError: CI method must be one of 'exact', 'wilson'; got 'km'.
    """
    allowed = tuple(allowed)
    if value not in allowed:
        listed = ", ".join(repr(a) for a in allowed)
        raise InputError(f"{name} must be one of {listed}; got {value!r}.")


def check_level(level: float, name: str = "confidence level") -> float:
    """Return ``level`` as a float strictly between 0 and 1.

    Parameters
    ----------
    level : float or str
        The level given.
    name : str
        What the level is, first in the message.

    Returns
    -------
    float

    Examples
    --------
    >>> check_level("0.9")
    0.9
    >>> check_level(95)
    Traceback (most recent call last):
    ...
    survrepro.errors.InputError: confidence level must be strictly between 0 and 1; got 95.0.
    """
    try:
        level = float(level)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number between 0 and 1; got {level!r}.") from None
    if not 0.0 < level < 1.0:
        raise InputError(f"{name} must be strictly between 0 and 1; got {level!r}.")
    return level


def check_positive(name: str, value, *, integer: bool = False) -> float:
    """Return ``value`` as a finite number > 0 (an ``int`` when ``integer``).

    Parameters
    ----------
    name : str
        What the value is, first in the message.
    value : float or str
        The value given.
    integer : bool
        Require a whole number and return an ``int``.

    Returns
    -------
    float or int

    Examples
    --------
    >>> check_positive("number of patients", "12", integer=True)
    12
    >>> check_positive("number of patients", 2.5, integer=True)
    Traceback (most recent call last):
    ...
    survrepro.errors.InputError: number of patients must be a whole number; got 2.5.
    """
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
    """Return ``value`` as a finite number >= 0.

    Parameters
    ----------
    name : str
        What the value is, first in the message.
    value : float or str
        The value given.

    Returns
    -------
    float

    Examples
    --------
    >>> check_non_negative("dropout hazard", 0)
    0.0
    >>> check_non_negative("dropout hazard", -1)
    Traceback (most recent call last):
    ...
    survrepro.errors.InputError: dropout hazard must be a number >= 0; got -1.
    """
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

    Returns
    -------
    time : numpy.ndarray of float
    event : numpy.ndarray of int

    Raises
    ------
    InputError
        Naming ``where`` and the position of the first bad time or event.

    Examples
    --------
    >>> time, event = as_durations([5, 3.5, 8], [1, 0, 1])
    >>> time.tolist(), event.tolist()
    ([5.0, 3.5, 8.0], [1, 0, 1])
    >>> as_durations([1, 2], [1, 2], where="lung.csv")
    Traceback (most recent call last):
    ...
    survrepro.errors.InputError: lung.csv: event at position 2 is 2; expected 0 (censored) or 1 (event).
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
