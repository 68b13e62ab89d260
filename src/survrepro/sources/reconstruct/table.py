"""The published risk table and the drops of the curve dated against it.

Shared by the ``exact`` and ``dp`` methods: :func:`check_table` validates a table of
numbers at risk (times increasing from 0, counts never increasing); :func:`dated_drops`
gives the relative depth (hazard) of each drop of a cleaned curve and the time it is
dated at, on the side of a nearby table time that makes the table most nearly
feasible; :func:`inside` keeps a placed time strictly inside its interval, so that it
cannot change a number at risk.

References
----------
Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival
data: reconstructing the data from published Kaplan-Meier survival curves.
BMC Medical Research Methodology 2012;12:9. doi:10.1186/1471-2288-12-9 (the risk table
as the constraint between the digitized drops).
"""
from __future__ import annotations

import numpy as np

from survrepro._validation import InputError


def check_table(times, counts, where: str, n: int | None):
    """Validate a risk table; return float times and int counts starting at time 0.

    Without a table (no times) the table is ``n`` at time 0; a table starting after
    time 0 gets ``n`` at time 0 prepended.

    Raises
    ------
    InputError
        Times and counts differ in length, a time that is not finite and >= 0, a count
        that is not a whole number >= 0, times not increasing, counts rising, two times
        too close for the patients who leave between them, or a first count that
        disagrees with ``n``.
    """
    a = np.asarray(times, dtype=float).ravel()
    c_raw = np.asarray(counts, dtype=float).ravel()
    if a.size != c_raw.size:
        raise InputError(f"{where}: {a.size} times but {c_raw.size} counts; expected one count per time.")
    if a.size == 0:
        if n is None:
            raise InputError(f"{where}: no numbers at risk and no total; expected a risk table or n.")
        return np.array([0.0]), np.array([int(n)])
    bad = np.flatnonzero(~np.isfinite(a) | (a < 0))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{where}: entry {i + 1}, time {a[i]!r}; expected a finite time >= 0.")
    bad = np.flatnonzero(~np.isfinite(c_raw) | (c_raw < 0) | (c_raw != np.round(c_raw)))
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"{where}: entry {i + 1}, number at risk {c_raw[i]!r}; expected a whole number >= 0."
        )
    c = c_raw.astype(np.int64)
    _check_order(a, c, where)
    if a[0] > 0:
        if n is None:
            raise InputError(
                f"{where}: the first time is {a[0]:g}; expected time 0 with the number randomised (or give n)."
            )
        if n < c[0]:
            raise InputError(f"{where}: n = {n} is below the {c[0]} at risk at time {a[0]:g}.")
        a, c = np.concatenate(([0.0], a)), np.concatenate(([n], c))
    elif n is not None and int(n) != c[0]:
        raise InputError(f"{where}: n = {n} but {c[0]} are at risk at time 0; expected the same number.")
    if c[0] <= 0:
        raise InputError(f"{where}: no patients at risk at time 0; expected at least 1.")
    return a, c


def _check_order(a: np.ndarray, c: np.ndarray, where: str) -> None:
    """Times increase, counts never increase, and patients who leave have a float time to leave at."""
    bad = np.flatnonzero(np.diff(a) <= 0)
    if bad.size:
        i = int(bad[0]) + 1
        raise InputError(
            f"{where}: entry {i + 1}, time {a[i]:g} does not come after {a[i - 1]:g}; expected increasing times."
        )
    bad = np.flatnonzero(np.diff(c) > 0)
    if bad.size:
        i = int(bad[0]) + 1
        raise InputError(
            f"{where}: entry {i + 1}, number at risk rises from {c[i - 1]} to {c[i]}; "
            f"expected counts that never increase."
        )
    bad = np.flatnonzero((np.nextafter(a[:-1], np.inf) >= a[1:]) & (np.diff(c) < 0))
    if bad.size:
        i = int(bad[0]) + 1
        raise InputError(
            f"{where}: entry {i + 1}, time {float(a[i])!r} is too close to {float(a[i - 1])!r} for the "
            f"{c[i - 1] - c[i]} patient(s) who leave between them; expected times further apart."
        )


def dated_drops(t, s, a, c, tol_t):
    """Relative depth of each drop of a cleaned curve and the time it is dated at.

    Returns ``h``, the hazard ``1 - s[k+1] / s[k]`` of the step from point ``k`` to
    ``k + 1`` (0 once the curve is at 0), and ``tau``, its time: the later click, or the
    mean of the two when they share an instant within ``tol_t`` (see :func:`drop_times`),
    moved across a table time within ``tol_t`` of it when that makes the table more
    nearly feasible (see :func:`rebalance`).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(s[:-1] > 0, 1.0 - s[1:] / s[:-1], 0.0)
    h = np.clip(h, 0.0, 1.0)
    return h, rebalance(drop_times(t, tol_t), h, a, c, tol_t)


def drop_times(t: np.ndarray, tol_t: float) -> np.ndarray:
    """Time of the drop between consecutive points: the later click, or the mean of the two
    when they share an instant within the digitizing noise (the corners of one drop)."""
    t0, t1 = t[:-1], t[1:]
    return np.where(t1 - t0 <= tol_t, 0.5 * (t0 + t1), t1)


def rebalance(tau, h, a, c, tol_t):
    """Date the drops within the time noise of a table time on the side of it that makes
    the two intervals it separates most nearly feasible.

    An interval is infeasible by ``max(N_end - N_start * R, 0)`` events, ``R`` the ratio of
    the curve over it (its drops ask for more events than leave the risk set). Each split
    of the nearby drops between the two sides is scored by the sum over both intervals;
    the dated split is kept unless another is better by more than half an event.
    """
    tau = tau.copy()  # non-decreasing (see drop_times), and kept so
    m = a.size
    prefix = np.concatenate(([0.0], np.cumsum(np.log(np.clip(1.0 - h, 1e-300, None)))))
    for j in range(1, m - 1):  # boundary a[j] between intervals j-1 and j
        lo = int(np.searchsorted(tau, a[j] - tol_t, side="left"))
        hi = int(np.searchsorted(tau, a[j] + tol_t, side="right"))
        if hi <= lo:
            continue
        first = int(np.searchsorted(tau, a[j - 1], side="left"))
        end = int(np.searchsorted(tau, a[j + 1], side="left")) if j + 1 < m else tau.size
        log_l = prefix[lo:hi + 1] - prefix[first]  # drops lo..k-1 on the left
        log_r = prefix[end] - prefix[lo:hi + 1]
        cost = np.maximum(c[j] - c[j - 1] * np.exp(log_l), 0.0)
        if j + 1 < m:
            cost = cost + np.maximum(c[j + 1] - c[j] * np.exp(log_r), 0.0)
        start = int(np.searchsorted(tau[lo:hi], a[j], side="left"))
        best = int(np.argmin(cost))
        if cost[best] < cost[start] - 0.5:
            k = lo + best
            tau[k:hi] = np.maximum(tau[k:hi], a[j])
            tau[lo:k] = np.minimum(tau[lo:k], np.nextafter(a[j], -np.inf))
    return tau


def inside(t, lo, hi):
    """``t`` kept strictly inside ``(lo, hi)`` where that interval holds a float: a midpoint of a
    width-of-one-ulp interval rounds onto an end, where it would change a number at risk."""
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    room = np.nextafter(lo, np.inf) < hi
    return np.where(room, np.clip(t, np.nextafter(lo, np.inf), np.nextafter(hi, -np.inf)), t)
