"""Group and stratum labels, defined once for every statistic.

Labels are compared as strings; :func:`natural_order` sorts them as R prints factor levels
of a numeric column (numbers numerically, text alphabetically with embedded numbers
compared as numbers). :func:`prepare_groups` turns (time, event, group[, strata]) into the
integer codes the Cox, log-rank and RMST calculations use.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survrepro._validation import InputError, as_durations

__all__ = ["GroupedData", "column_name", "group_labels", "level_codes", "natural_order", "prepare_groups"]


def natural_order(labels) -> list[str]:
    """Distinct labels in natural order: numeric order when all are numbers, else
    text with embedded numbers compared as numbers (``"arm2" < "arm10"``).

    Parameters
    ----------
    labels : iterable
        Labels (compared as strings).

    Returns
    -------
    list of str
        Each distinct label once, in natural order; the first is the default reference.

    References
    ----------
    R Core Team. R: A Language and Environment for Statistical Computing, ``factor`` and
    ``as.character``. R Foundation for Statistical Computing, Vienna.
    Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model. Springer 2000.

    Examples
    --------
    >>> natural_order(["10", "2", "1"]), natural_order(["arm10", "arm2", "SOC"])
    (['1', '2', '10'], ['arm2', 'arm10', 'SOC'])
    """
    uniq = list(dict.fromkeys(str(x) for x in labels))
    try:
        return sorted(uniq, key=float)
    except ValueError:
        pass

    def key(s):
        return [(0, float(tok), "") if tok.isdigit() else (1, 0.0, tok.lower()) for tok in re.split(r"(\d+)", s) if tok]

    return sorted(uniq, key=key)


def column_name(values, default: str) -> str:
    """The name a ``pandas.Series`` carries, else ``default``.

    Parameters
    ----------
    values : array_like
        A column of labels.
    default : str
        Name used when ``values`` has none.

    Returns
    -------
    str

    References
    ----------
    R Core Team. R: A Language and Environment for Statistical Computing, ``factor`` and
    ``as.character``. R Foundation for Statistical Computing, Vienna.
    Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model. Springer 2000.

    Examples
    --------
    >>> column_name(pd.Series(["a"], name="arm"), "group"), column_name(["a"], "group")
    ('arm', 'group')
    """
    name = getattr(values, "name", None) if isinstance(values, pd.Series) else None
    return str(name) if name is not None else default


def _label(value) -> str:
    """One label as R prints a factor level: a whole number without its ``.0``."""
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return str(int(value))
    return str(value)


def group_labels(values, n: int | None = None, name: str = "group") -> np.ndarray:
    """Labels of a categorical column as strings, one per observation, none missing.

    Numbers print as R prints the factor levels of a numeric column: a whole number
    without a decimal part (``1.0`` -> ``'1'``), any other number as Python prints it
    (``1.5`` -> ``'1.5'``); text is kept as it is. Every statistic that takes a group or
    a stratum labels it here.

    Parameters
    ----------
    values : array_like
        One label per observation (numbers or text); a ``pandas.Series`` is read by position.
    n : int, optional
        Expected number of labels (the number of times).
    name : str
        Name of the column, for messages.

    Returns
    -------
    ndarray of str

    References
    ----------
    R Core Team. R: A Language and Environment for Statistical Computing, ``factor`` and
    ``as.character``. R Foundation for Statistical Computing, Vienna.
    Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model. Springer 2000.

    Examples
    --------
    >>> group_labels([1.0, 2.0, 1.0]).tolist()
    ['1', '2', '1']
    >>> group_labels([1, 1.5, "arm B"]).tolist()
    ['1', '1.5', 'arm B']
    """
    if isinstance(values, pd.Series):
        arr = values.to_numpy()
    elif isinstance(values, np.ndarray):
        arr = values
    else:  # a list may mix numbers and text: keep each value as it is
        arr = np.asarray(values, dtype=object)
    arr = arr.ravel()
    if n is not None and arr.size != n:
        raise InputError(f"{n} times but {arr.size} values of {name}; expected one each.")
    kind = arr.dtype.kind
    if kind in "US":
        return arr.astype(str)
    if kind in "iu":
        return arr.astype(np.int64).astype(str) if kind == "i" else arr.astype(str)
    if kind == "f":
        missing = np.flatnonzero(np.isnan(arr))
    else:
        arr = arr.astype(object)
        missing = np.flatnonzero(pd.isna(arr))
    if missing.size:
        raise InputError(
            f"{name} at position {missing[0] + 1} is missing; drop or fill rows without a {name} first."
        )
    if kind == "f":
        whole = np.isfinite(arr) & (arr == np.round(arr))
        text = arr.astype(str)
        if whole.any():
            text = text.astype(object)
            text[whole] = [str(int(v)) for v in arr[whole]]
        return text.astype(str)
    return np.array([_label(v) for v in arr], dtype=str)


def level_codes(labels: np.ndarray, levels) -> np.ndarray:
    """Position of each label in ``levels``.

    Parameters
    ----------
    labels : ndarray of str
        One label per observation, each one of ``levels``.
    levels : sequence of str
        The levels, reference first.

    Returns
    -------
    ndarray of int

    References
    ----------
    R Core Team. R: A Language and Environment for Statistical Computing, ``factor`` and
    ``as.character``. R Foundation for Statistical Computing, Vienna.
    Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model. Springer 2000.

    Examples
    --------
    >>> level_codes(np.array(["b", "a", "b"]), ["b", "a"]).tolist()
    [0, 1, 0]
    """
    uniq, inverse = np.unique(labels, return_inverse=True)
    position = {lab: i for i, lab in enumerate(levels)}
    return np.array([position[u] for u in uniq], dtype=int)[inverse]


@dataclass(frozen=True)
class GroupedData:
    time: np.ndarray
    event: np.ndarray
    codes: np.ndarray  # group level index per observation (0 = reference / first level)
    levels: tuple
    group_name: str
    strata_codes: np.ndarray
    strata_levels: tuple | None
    strata_name: str | None


def prepare_groups(time, event, group, strata=None, reference=None, *, min_levels=2) -> GroupedData:
    """Validated times and events with integer codes of the group and stratum levels.

    Parameters
    ----------
    time, event : array_like
        Follow-up times (>= 0) and event indicators (1 event, 0 censored).
    group : array_like
        Group label per observation (see :func:`group_labels`).
    strata : array_like, optional
        Stratum per observation.
    reference : optional
        The level put first; the first in natural order unless given.
    min_levels : int
        Fewest group levels accepted.

    Returns
    -------
    GroupedData

    References
    ----------
    R Core Team. R: A Language and Environment for Statistical Computing, ``factor`` and
    ``as.character``. R Foundation for Statistical Computing, Vienna.
    Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model. Springer 2000.

    Examples
    --------
    >>> d = prepare_groups([1, 2, 3], [1, 0, 1], [2.0, 1.0, 2.0], reference=2)
    >>> d.levels, d.codes.tolist()
    (('2', '1'), [0, 1, 0])
    """
    t, e = as_durations(time, event)
    group_name = column_name(group, "group")
    g = group_labels(group, t.size, group_name)
    levels = natural_order(g)
    if reference is not None:
        ref = str(reference)
        if ref not in levels:
            listed = ", ".join(repr(x) for x in levels)
            raise InputError(f"reference {reference!r} is not a level of {group_name}; levels are {listed}.")
        levels = [ref] + [x for x in levels if x != ref]
    if len(levels) < min_levels:
        raise InputError(
            f"{group_name} has a single level ({levels[0]!r}); expected at least two groups to compare."
        )
    codes = level_codes(g, levels)
    if strata is None:
        s_codes, s_levels, s_name = np.zeros(t.size, dtype=int), None, None
    else:
        s_name = column_name(strata, "strata")
        s = group_labels(strata, t.size, s_name)
        s_levels = tuple(natural_order(s))
        s_codes = level_codes(s, s_levels)
    return GroupedData(t, e, codes, tuple(levels), group_name, s_codes, s_levels, s_name)
