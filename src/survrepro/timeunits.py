"""The time units a register may give its times in, and the days each holds.

A register's ``time_unit`` names the unit of every time it prints (medians, landmarks,
follow-up). Times themselves never need converting; dates do: an entry date plus a follow-up
time is a calendar date only once the unit is known in days. A month is 365.25/12 days and a
year 365.25 days, as R's and SAS's date arithmetic of trial reports count them.

Examples
--------
>>> days_per("months", "register x.toml") == 365.25 / 12, days_per("Year", "register x.toml")
(True, 365.25)
>>> from_months(24, "days")
730.5
"""
from __future__ import annotations

from survrepro._validation import InputError

__all__ = ["DAYS_PER", "UNITS", "days_per", "from_months", "unit_name"]

#: Days in one unit of each time unit a register may name.
DAYS_PER = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}
#: The units, in the order messages list them.
UNITS = tuple(DAYS_PER)


def unit_name(unit: str, where: str) -> str:
    """The unit's name as :data:`DAYS_PER` spells it (plural, lower case).

    Parameters
    ----------
    unit : str
        As the register writes it: ``"months"``, ``"Month"``, ``"days"``...
    where : str
        What the message of a bad unit names (the register's file or id).

    Returns
    -------
    str

    Raises
    ------
    InputError
        When the unit is none of days, weeks, months or years.

    Examples
    --------
    >>> unit_name("Month", "register x.toml")
    'months'
    """
    key = str(unit).strip().lower()
    key = key if key.endswith("s") else key + "s"
    if key not in DAYS_PER:
        raise InputError(f"{where}: time_unit {unit!r} is not a unit dates can be reckoned in; "
                         f"expected one of {', '.join(UNITS)}.")
    return key


def days_per(unit: str, where: str) -> float:
    """Days in one ``unit``.

    Parameters
    ----------
    unit : str
        As :func:`unit_name` accepts it.
    where : str
        What the message of a bad unit names.

    Returns
    -------
    float

    Examples
    --------
    >>> days_per("weeks", "register x.toml")
    7.0
    """
    return DAYS_PER[unit_name(unit, where)]


def from_months(months: float, unit: str) -> float:
    """A span of ``months`` months in ``unit``: a span the toolkit sets in months (a default
    cut-off, a starting median) written in the register's unit.

    Parameters
    ----------
    months : float
    unit : str
        A name of :data:`DAYS_PER`.

    Returns
    -------
    float

    Examples
    --------
    >>> from_months(24, "years"), from_months(24, "months")
    (2.0, 24.0)
    """
    return months * DAYS_PER["months"] / DAYS_PER[unit]
