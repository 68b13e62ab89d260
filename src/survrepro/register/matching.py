"""Printed numbers: rounding as printed, the values a printed number stands for, and matching.

A published number is compared with a reproduced one at the precision it was printed
with: :func:`round_half_away` rounds as numbers are printed, :func:`printed_interval`
gives every true value that prints the same, and :func:`matches` decides whether a
reproduced value matches a register target (at its printed precision, within its
reasoned tolerance, by satisfying a printed bound, or in the same month or day).

Examples
--------
>>> round_half_away(2.675, 2), printed_interval(0.91, 2)
(2.68, (0.905, 0.915))
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from decimal import InvalidOperation

import pandas as pd

from survrepro.rounding import printed_interval, round_half_away

__all__ = ["round_half_away", "printed_interval", "matches", "format_value", "parse_date", "DATE"]

#: A date as registers write it: ``YYYY-MM`` or ``YYYY-MM-DD``.
DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def format_value(value: float, decimals: int) -> str:
    """``value`` written with ``decimals`` decimals (``format_value(0.5, 2)`` is ``'0.50'``)."""
    return f"{float(value):.{int(decimals)}f}"


# --------------------------------------------------------------------------- dates
def parse_date(text: str) -> _dt.date:
    """The date of ``YYYY-MM-DD``, or of the first day of ``YYYY-MM``."""
    parts = [int(p) for p in text.split("-")]
    return _dt.date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)


def _as_date_text(value, precision: int) -> str | None:
    """Reproduced date as ``YYYY-MM`` (precision 2) or ``YYYY-MM-DD`` (3)."""
    if isinstance(value, str):
        if not DATE.match(value.strip()):
            return None
        d = parse_date(value.strip())
    elif isinstance(value, (_dt.date, pd.Timestamp)):
        d = value
    else:
        return None
    return f"{d.year:04d}-{d.month:02d}" if precision == 2 else f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


# --------------------------------------------------------------------------- matching
def _matches_date(target, reproduced_value) -> tuple[bool, float]:
    precision = len(target.value.split("-"))
    got = _as_date_text(reproduced_value, precision)
    if got is None:
        return False, math.nan
    a, b = parse_date(got), parse_date(target.value)
    if precision == 3:
        return got == target.value, float((a - b).days)
    return got == target.value, float((a.year - b.year) * 12 + (a.month - b.month))


def matches(target, reproduced_value) -> tuple[bool, float]:
    """Whether a reproduced value matches a published target, and the difference.

    Rules
    -----
    * A number printed with ``k`` decimals matches when the reproduced value, rounded
      to ``k`` decimals (halves away from zero, ignoring binary artefacts beyond 12
      significant digits), equals it.
    * When the register gives a ``tolerance`` (with its reason), the number matches
      when ``|reproduced - published| <= tolerance`` instead.
    * A bound (a target with a ``comparator``: ``P > .05``) matches when the
      reproduced value satisfies it.
    * A date matches at the precision it was written with (month or day).
    * A median or limit printed as not reached (``NR``, held as ``math.inf``) matches
      when the reproduced one is not reached either (``None``).

    Parameters
    ----------
    target : survrepro.register.schema.Target
    reproduced_value : float, str or date
        On the scale the target is printed in: a percentage for ``scale = "percent"``
        (see :attr:`~survrepro.register.schema.Target.scale_factor`).

    Returns
    -------
    (bool, float)
        Whether it matches, and ``reproduced - published`` (for a date, in months when
        it is printed to the month, in days when printed to the day;
        NaN when nothing was reproduced).

    Examples
    --------
    >>> from survrepro.register.schema import Target
    >>> t = Target("s", "m", "pfs", "median", (), 15.6, 1, "median PFS 15.6 months", "x", "check")
    >>> matches(t, 15.64)[0], matches(t, 15.55)[0], matches(t, 15.65)[0]
    (True, True, False)
    """
    unreached = isinstance(target.value, float) and target.value == math.inf
    if reproduced_value is None or unreached:
        return reproduced_value is None and unreached, math.nan
    if isinstance(target.value, str):
        return _matches_date(target, reproduced_value)
    try:
        x = float(reproduced_value)
    except (TypeError, ValueError):
        return False, math.nan
    if not math.isfinite(x):
        return False, math.nan
    diff = x - float(target.value)
    if target.comparator is not None:
        ok = {">": x > target.value, ">=": x >= target.value, "<": x < target.value, "<=": x <= target.value}
        return bool(ok[target.comparator]), diff
    if target.tolerance is not None:
        return bool(abs(diff) <= target.tolerance * (1 + 1e-12)), diff
    try:
        ok = round_half_away(x, target.decimals) == round_half_away(target.value, target.decimals)
    except InvalidOperation:  # pragma: no cover - absurdly large values
        ok = False
    return bool(ok), diff
