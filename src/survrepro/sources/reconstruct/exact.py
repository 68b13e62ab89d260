"""The ``exact`` method: Guyot's model of the data solved in closed form on each interval.

Events happen where the curve drops and censoring is spread evenly over each interval
of the risk table, as in Guyot et al. (2012), but each interval is solved in closed
form: the number censored is the root of a linear equation in the at-risk recursion
(:func:`interval`), so the reconstructed number at risk equals the published one at every
table time whenever the curve allows it. Events are placed by rounding the *cumulative*
expected count within each interval (rounding errors do not build up); the drop between
two clicks that share a time within the digitizing noise is dated at their mean time
(:func:`~survrepro.sources.reconstruct.table.dated_drops`). After the last table time
censoring follows the censoring hazard of the last interval with follow-up, or the
hazard that gives the published total of events (:func:`rate_for_events`, Brent's
method). There is no iteration, so it always terminates, and it is vectorised with numpy.

The closed-form interval solution and the censoring hazard for a total of events are also
used by the ``dp`` method for its censoring rates.

References
----------
Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival
data: reconstructing the data from published Kaplan-Meier survival curves.
BMC Medical Research Methodology 2012;12:9. doi:10.1186/1471-2288-12-9.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from survrepro.sources.reconstruct.table import dated_drops, inside


def reconstruct_exact(t, s, a, c, total_events, tol_t):
    """Closed-form reconstruction of one arm; returns (times, events, notes).

    ``t, s``: the cleaned curve; ``a, c``: the risk table (from time 0); ``tol_t``: the
    time noise. Each table interval is solved by :func:`_table_interval`, the time after
    the last table time by :func:`_after_table`.
    """
    notes: list[str] = []
    h, tau = dated_drops(t, s, a, c, tol_t)
    order = np.argsort(tau, kind="stable")
    tau, h = tau[order], h[order]
    m = a.size
    # Intervals [a_i, a_{i+1}): drops dated at a table time belong to the later interval.
    which = np.searchsorted(a, tau, side="right") - 1
    bounds = np.searchsorted(which, np.arange(m + 1), side="left")
    ev_parts, cen_parts = [], []
    latest = (0.0, 0.0)  # censored and person-time of the latest interval with follow-up
    events_so_far = 0
    for i in range(m - 1):
        at_start, at_end = int(c[i]), int(c[i + 1])
        if at_start == 0:
            continue
        lo, hi = bounds[i], bounds[i + 1]
        events, censored, n_censored = _table_interval(
            at_start, at_end, a[i], a[i + 1], tau[lo:hi], h[lo:hi], latest, notes
        )
        ev_parts.append(events)
        cen_parts.append(censored)
        events_so_far += events.size
        # censoring hazard of the latest interval with patients followed (censoring in
        # trials rises with follow-up, so the most recent rate is the best guide)
        person_time = 0.5 * (at_start + at_end) * (a[i + 1] - a[i])
        if person_time > 0:
            latest = (n_censored, person_time)
    if int(c[-1]) > 0:
        lo = bounds[m - 1]
        events, censored = _after_table(
            int(c[-1]), tau[lo:], h[lo:], float(a[-1]), float(t[-1]), float(s[-1]), m == 1,
            total_events, events_so_far, latest, notes,
        )
        ev_parts.append(events)
        cen_parts.extend(censored)
    ev = np.concatenate(ev_parts) if ev_parts else np.empty(0)
    cen = np.concatenate(cen_parts) if cen_parts else np.empty(0)
    time = np.concatenate((ev, cen))
    event = np.concatenate((np.ones(ev.size, dtype=np.int64), np.zeros(cen.size, dtype=np.int64)))
    return time, event, notes


def _rate(latest) -> float:
    """Censoring hazard ``censored / person-time`` (0 without person-time)."""
    censored, person_time = latest
    return censored / person_time if person_time > 0 else 0.0


def _table_interval(at_start, at_end, lo_t, hi_t, tt, hh, latest, notes):
    """Events and censorings of one interval ``[lo_t, hi_t)`` of the risk table.

    ``at_start`` and ``at_end`` are the published numbers at risk at its ends, ``tt, hh``
    the drops dated in it and their hazards, ``latest`` the censored count and
    person-time of the latest interval with follow-up (the rate used when the curve
    reaches 0 here). Returns the event times, the censoring times and the number censored.
    """
    removed = at_start - at_end
    C, R, dW, inv = interval(at_start, at_end, lo_t, hi_t, tt, hh)
    if not np.isfinite(C):  # the curve reaches 0 here: everyone left then has the event
        if at_end > 0:
            C = 0.0
            notes.append(
                f"the curve reaches 0 before time {hi_t:g} where {at_end} are still at risk; "
                f"the numbers at risk were kept."
            )
        else:  # censoring before the zero at the rate seen so far
            e0, _ = open_interval(at_start, tt, hh, lo_t, hi_t, _rate(latest))
            C = at_start - float(e0.sum())
    elif C < -max(1.0, 0.02 * at_start):
        notes.append(
            f"between times {lo_t:g} and {hi_t:g} the curve drops by more than the {removed} leaving "
            f"the risk set allow; all {removed} were taken as events (the curve drops less there)."
        )
    C = float(np.clip(C, 0.0, removed))
    cum = np.cumsum(dW[:-1] * inv[:-1]) if hh.size else np.empty(0)
    n_before = R[:-1] * (at_start - C * cum)
    expected = np.maximum(n_before, 0.0) * hh
    n_censored = int(np.clip(np.floor(C + 0.5), 0, removed))
    n_events = removed - n_censored
    censored = _censor_times(n_censored, lo_t, hi_t)
    if n_events > 0 and expected.size == 0:
        notes.append(
            f"between times {lo_t:g} and {hi_t:g} no drop was digitized; {n_events} events spread over the interval."
        )
        tt, expected = np.array([0.5 * (lo_t + hi_t)]), np.array([1.0])
    return _place(n_events, expected, tt), censored, n_censored


def _after_table(N, tt, hh, a_last, t_end, s_end, no_table, total_events, events_so_far, latest, notes):
    """Events and censorings after the last table time ``a_last``, where ``N`` are at risk.

    The censoring hazard is the one giving the published total of events when there is
    one, else that of the latest interval with follow-up; those still at risk at the
    end of the curve (or of the table) are censored there. Returns the event times and
    a list of censoring-time arrays.
    """
    t_stop = max(t_end, a_last)
    if total_events is not None:
        D = int(total_events) - events_so_far
        if D < 0 or D > N:
            D_clip = int(np.clip(D, 0, N))
            notes.append(
                f"{total_events} events in total cannot be matched ({events_so_far} fall before time "
                f"{a_last:g} where {N} remain at risk); {events_so_far + D_clip} were reconstructed."
            )
            D = D_clip
        lam = rate_for_events(N, tt, hh, a_last, t_stop, D)
    else:
        lam = _rate(latest)
        if no_table:
            notes.append(
                "no risk table and no total of events: no censoring assumed before the end of the curve."
            )
    expected, left = open_interval(N, tt, hh, a_last, t_stop, lam)
    if total_events is None:
        D = int(np.clip(np.floor(expected.sum() + 0.5), 0, N))
    left_int = int(np.clip(np.floor(left + 0.5), 0, N - D))
    if hh.size and s_end <= 0:
        left_int = 0
    n_censored = N - D - left_int
    censored = []
    if n_censored > 0:
        censored.append(_censor_by_hazard(n_censored, a_last, tt, hh, t_stop, lam))
    censored.append(np.full(left_int, t_stop))
    return _place(D, expected, tt), censored


def _censor_by_hazard(count, a_last, tt, hh, t_stop, lam):
    """``count`` censoring times between ``a_last`` and ``t_stop`` following the number at
    risk (the curve's drops ``tt, hh`` and a constant censoring hazard ``lam``): the
    midpoints of equal slices of its integral."""
    grid = np.concatenate(([a_last], tt, [t_stop]))
    R = np.concatenate(([1.0], np.cumprod(1.0 - hh)))
    if lam > 0:
        mass = R * (np.exp(-lam * (grid[:-1] - a_last)) - np.exp(-lam * (grid[1:] - a_last))) / lam
    else:
        mass = R * np.diff(grid)
    cm = np.concatenate(([0.0], np.cumsum(mass)))
    if cm[-1] <= 0:
        return np.full(count, t_stop)
    q = (np.arange(count) + 0.5) / count * cm[-1]
    return inside(np.interp(q, cm, grid), grid[0], grid[-1])


def _place(total: int, weights: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Spread ``total`` integer counts over ``times`` by rounding the cumulative ``weights``."""
    if total <= 0 or times.size == 0:
        return np.empty(0)
    w = np.cumsum(np.maximum(weights, 0.0))
    if w[-1] <= 0:
        w = np.arange(1, times.size + 1, dtype=float)
    cum = np.floor(w * (total / w[-1]) + 0.5).astype(np.int64)
    cum[-1] = total
    counts = np.diff(np.concatenate(([0], cum)))
    return np.repeat(times, counts)


def _censor_times(count: int, lo: float, hi: float) -> np.ndarray:
    """``count`` censoring times spread evenly over ``(lo, hi)`` (midpoints of equal slices)."""
    if count <= 0:
        return np.empty(0)
    return inside(lo + (np.arange(count) + 0.5) * ((hi - lo) / count), lo, hi)


def interval(Ni, Nn, lo_t, hi_t, tt, hh):
    """Continuous solution on one risk-table interval ``[lo_t, hi_t)``.

    Censoring is spread evenly over the interval; the number censored ``C`` is the root
    of the linear equation ``n(hi_t) = Nn``. Returns ``C`` (unclipped, ``nan`` when the
    curve reaches 0 inside), the curve's ratio ``R`` at the start and after each drop,
    the share ``dW`` of the interval before each drop and after the last, and ``1 / R``.
    """
    R = np.concatenate(([1.0], np.cumprod(1.0 - hh)))
    grid = np.concatenate(([lo_t], tt, [hi_t]))
    dW = np.diff(grid) / (hi_t - lo_t)
    with np.errstate(divide="ignore"):
        inv = np.where(R > 0, 1.0 / R, np.inf)
    C = (Ni - Nn / R[-1]) / np.sum(dW * inv) if R[-1] > 0 else np.nan
    return C, R, dW, inv


def open_interval(N, tau, h, a, t_end, lam):
    """Expected events at each drop and number left at ``t_end`` for censoring hazard ``lam``."""
    R = np.concatenate(([1.0], np.cumprod(1.0 - h)))
    n_before = N * R[:-1] * np.exp(-lam * (tau - a))
    events = n_before * h
    left = N * R[-1] * np.exp(-lam * (t_end - a))
    return events, left


def rate_for_events(N, tt, hh, a_last, t_stop, D):
    """Censoring hazard after ``a_last`` for which the expected number of events is ``D``."""
    span = t_stop - a_last
    e0, _ = open_interval(N, tt, hh, a_last, t_stop, 0.0)
    if D >= e0.sum() or span <= 0:
        return 0.0
    f = lambda x: open_interval(N, tt, hh, a_last, t_stop, x)[0].sum() - D  # noqa: E731
    hi_l = 1.0 / span
    while f(hi_l) > 0 and hi_l < 1e12 / span:
        hi_l *= 10
    return brentq(f, 0.0, hi_l, xtol=1e-12 / span) if f(hi_l) <= 0 else hi_l
