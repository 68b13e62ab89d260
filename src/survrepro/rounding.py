"""Numbers as journals print them.

:func:`round_half_away` rounds as numbers are printed (halves away from zero, ignoring
binary artefacts), and :func:`printed_interval` gives every true value that prints the
same. The register compares published numbers through these, and the synthesizer aims
at them; neither needs anything else from the package.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["printed_interval", "round_half_away"]


def _decimal(x) -> Decimal:
    """Decimal of a float that ignores binary artefacts beyond 12 significant digits.

    ``0.125`` stays ``0.125`` and ``0.30000000000000004`` becomes ``0.3``; a value that
    differs from a half-way point only in the 13th significant digit counts as that point.
    """
    return Decimal(format(float(x), ".12g"))


def round_half_away(x: float, decimals: int) -> float:
    """Round ``x`` to ``decimals`` decimals, halves away from zero (as numbers are printed).

    Parameters
    ----------
    x : float
    decimals : int

    Returns
    -------
    float

    Examples
    --------
    >>> round_half_away(0.125, 2), round_half_away(-0.125, 2), round_half_away(2.675, 2)
    (0.13, -0.13, 2.68)
    """
    q = Decimal(1).scaleb(-int(decimals))
    return float(_decimal(x).quantize(q, rounding=ROUND_HALF_UP))


def printed_interval(value: float, decimals: int) -> tuple[float, float]:
    """The interval of true values that print as ``value`` at ``decimals`` decimals.

    Parameters
    ----------
    value : float
    decimals : int

    Returns
    -------
    (float, float)

    Examples
    --------
    >>> printed_interval(0.91, 2)
    (0.905, 0.915)
    """
    half = 0.5 * 10.0 ** (-int(decimals))
    return (float(value) - half, float(value) + half)
