"""Input validation shared by every module: one clear sentence per fault."""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from survrepro.errors import InputError

#: Largest number of patients accepted anywhere (a trial, an arm, a risk table, a
#: reconstruction): no oncology trial comes near it, and it keeps every computation
#: within memory.
MAX_PATIENTS = 1_000_000
#: Largest number of simulated trials per hazard ratio.
MAX_TRIALS = 1_000_000
#: Largest number of simulated patients in one run (trials x patients x hazard ratios),
#: about five minutes on one core.
MAX_SIMULATED_PATIENTS = 10**9
#: Largest magnitude accepted for a number read from a data file (a time, a count):
#: larger values are not follow-up times or counts in any unit, and overflow the
#: arithmetic of the estimators.
MAX_VALUE = 1e9
#: Hazard ratios accepted by the design and simulation functions: beyond them a hazard
#: underflows or overflows the arithmetic, and no trial is designed for them.
HR_RANGE = (1e-6, 1e6)
#: Characters an excerpt of an input keeps in a message.
EXCERPT = 60


def excerpt(value, limit: int = EXCERPT) -> str:
    """Quote ``value`` for a message: its ``repr``, cut to ``limit`` characters with an ellipsis.

    A message quoting input (a cell, a header, a label) stays one short line however
    long the input is.

    Parameters
    ----------
    value : object
        What to quote; text is quoted as by ``repr``, anything else as ``str``.
    limit : int
        Characters of the quoted text kept (ellipsis excluded).

    Returns
    -------
    str

    Examples
    --------
    >>> excerpt("arm")
    "'arm'"
    >>> excerpt("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (100 characters)"
    >>> excerpt(2.5)
    '2.5'
    """
    text = repr(value) if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return text
    if isinstance(value, str):
        return f"{text[: limit - 2]}...' ({len(value)} characters)"
    return f"{text[:limit]}..."


def plain(x) -> str:
    """A number as a message shows it: ``12``, ``2.5``, ``1e+308``; never ``np.float64(...)``.

    Parameters
    ----------
    x : object
        A number (Python or numpy) or anything else, which is shown by :func:`excerpt`.

    Returns
    -------
    str

    Examples
    --------
    >>> import numpy as np
    >>> plain(np.float64(-9.2e18)), plain(np.int64(12)), plain(2.0), plain(True)
    ('-9.2e+18', '12', '2', 'True')
    """
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return f"{float(x):g}"
    return excerpt(x)


def check_range(name: str, value, low: float, high: float, *, integer: bool = False,
                low_open: bool = False, unit: str = "") -> float:
    """Return ``value`` as a finite number in ``[low, high]`` (``(low, high]`` when ``low_open``).

    Parameters
    ----------
    name : str
        What the value is (an option, say), first in the message.
    value : float or str
        The value given.
    low, high : float
        The accepted range.
    integer : bool
        Require a whole number and return an ``int``.
    low_open : bool
        Exclude ``low`` itself.
    unit : str
        Said after the range in the message ("patients").

    Returns
    -------
    float or int

    Examples
    --------
    >>> check_range("--allocation", "2", 0.01, 100)
    2.0
    >>> check_range("--allocation", 1e300, 0.01, 100)
    Traceback (most recent call last):
    ...
    survrepro.errors.InputError: --allocation must be a number from 0.01 to 100; got 1e+300.
    >>> check_range("--n", 2e9, 1, 10**6, integer=True, unit="patients")
    Traceback (most recent call last):
    ...
    survrepro.errors.InputError: --n must be a whole number from 1 to 1000000 patients; got 2e+09.
    """
    kind = "a whole number" if integer else "a number"
    sign = "above" if low_open else "from"
    span = f"{kind} {sign} {plain(low)} to {plain(high)}" + (f" {unit}" if unit else "")
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name} must be {span}; got {plain(value)}.") from None
    if not math.isfinite(v) or v < low or v > high or (low_open and v == low):
        raise InputError(f"{name} must be {span}; got {plain(value)}.")
    if integer:
        if not v.is_integer():
            raise InputError(f"{name} must be {span}; got {plain(value)}.")
        return int(v)
    return v


def check_seed(name: str, value) -> int:
    """Return a random seed: a whole number from 0 to 2**63 - 1.

    Parameters
    ----------
    name : str
        What the value is (``--seed``), first in the message.
    value : int or str
        The seed given.

    Returns
    -------
    int

    Examples
    --------
    >>> check_seed("--seed", 7)
    7
    >>> check_seed("--seed", -5)
    Traceback (most recent call last):
    ...
    survrepro.errors.InputError: --seed must be a whole number from 0 to 9223372036854775807; got -5.
    """
    bad = InputError(f"{name} must be a whole number from 0 to {2**63 - 1}; got {plain(value)}.")
    if isinstance(value, bool):
        raise bad
    try:
        v = int(value)
    except (TypeError, ValueError, OverflowError):
        raise bad from None
    if isinstance(value, float) and not value.is_integer():
        raise bad
    if not 0 <= v < 2**63:
        raise bad
    return v


def check_patients(name: str, value) -> int:
    """Return a number of patients: a whole number from 1 to :data:`MAX_PATIENTS`.

    Parameters
    ----------
    name : str
        What the number is, first in the message.
    value : int or str
        The number given.

    Returns
    -------
    int

    Examples
    --------
    >>> check_patients("--n", "20")
    20
    >>> check_patients("--n", 10**9)
    Traceback (most recent call last):
    ...
    survrepro.errors.InputError: --n must be a whole number from 1 to 1000000 patients; got 1000000000.
    """
    return check_range(name, value, 1, MAX_PATIENTS, integer=True, unit="patients")

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
