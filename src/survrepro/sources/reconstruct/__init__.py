"""Reconstruct individual patient data (IPD) from digitized Kaplan–Meier curves.

Three steps, each reported:

1. :func:`clean_curve` turns raw digitizer clicks into a non-increasing curve that
   starts at (0, 1) and lists every change it made (sorting, spikes removed, clipping,
   merged times, percent scale, 1 − F conversion of a cumulative-incidence curve).
2. :func:`reconstruct_arm` turns a cleaned curve plus the published numbers at risk
   (or only the number of patients) into one row per patient.
3. The fidelity of each arm is measured: the Kaplan–Meier curve of the reconstructed
   data against the cleaned digitized points, numbers at risk and events against the
   published ones.

Three methods are available. ``method="guyot"`` is the algorithm of Guyot et al. (2012)
as published (its iterative censoring search, rounding at each digitized point and
censoring spread evenly over each interval). ``method="exact"`` keeps Guyot's model of
the data (events where the curve drops, censoring spread over each interval of the
risk table) but solves each interval in closed form: the number censored is the root
of a linear equation, so the reconstructed number at risk equals the published one at
every table time whenever the curve allows it; events are placed by rounding the
*cumulative* expected count within each interval (rounding errors do not build up);
the drop between two clicks that share a time within the digitizing noise is dated at
their mean time; censoring after the last table time follows the censoring rate of the
last interval before it (or the total number of events when given). There is no
iteration, so it always terminates, and it is vectorised with numpy.

``method="dp"`` uses the depth of each drop to find the number at risk there: a drop
from ``S_prev`` to ``S_next`` with ``d`` events means ``n = d / (1 - S_next / S_prev)``
at risk. Integer events at every drop and integer censorings between consecutive drops
are chosen together by dynamic programming over the drops, with the number at risk as
the state (vectorised over it): the cost is the squared error between the
product-limit curve and every cleaned click (noise sd :data:`DP_NOISE`), plus the
Poisson cost of the censorings in each gap (rate of the risk-table interval, as in
``exact``); the published number at risk at each table time is a hard constraint
whenever some path meets it, and so is the total number of events (the events after
the last table time are then part of the state). At each drop the events tried are
the closed-form count, rounded, plus or minus :data:`DP_WINDOW`, at least one for a drop
deeper than :data:`DP_REAL_DROP` noise sd. A drop to 0 has the same depth whatever the
number of deaths, so there each death beyond the first costs as a Poisson count of mean
:data:`DP_ZERO_TIES` (without it the censorings' cost alone would always make everyone
left die at the last instant rather than one death after censorings in the gap before
it). Censorings are placed evenly between the two
nodes (drops or table times) around them; those left at the end are censored there.
Each path keeps the curve value of its best history (Viterbi), so the cost is exact
along the chosen path. It is more accurate than ``exact`` on small arms, where one
censoring on the wrong side of a drop moves a hazard ratio, and slower (its cost grows
with patients times points), so ``method="auto"`` (the default) uses it for arms of at
most :data:`DP_AUTO_MAX_N` patients and ``exact`` above; an arm too large for the table
size :data:`DP_MAX_CELLS` is handed to ``exact`` with a note.

References
----------
Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival
data: reconstructing the data from published Kaplan-Meier survival curves.
BMC Medical Research Methodology 2012;12:9. doi:10.1186/1471-2288-12-9.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import brentq, isotonic_regression

from survrepro._validation import InputError, check_choice
from survrepro.engine.groups import natural_order
from survrepro.options import CURVE_SCALES as SCALES
from survrepro.options import RECONSTRUCT_METHODS as METHODS

__all__ = [
    "CleanCurve",
    "ArmReconstruction",
    "Reconstruction",
    "clean_curve",
    "reconstruct_arm",
    "reconstruct",
    "METHODS",
    "SCALES",
]


#: Survival may exceed 1 (or fall below 0) by this much before it is an error (fraction scale).
SURVIVAL_TOLERANCE = 0.02
#: A click that jumps above (or below) both neighbours by more than this is an isolated spike.
SPIKE_TOLERANCE = 0.02
#: Clicks closer in time than this fraction of the time axis are taken to be the same instant.
TIME_TOLERANCE = 0.01
#: Negative times within this fraction of the time axis are moved to 0; earlier ones are dropped.
NUDGE_TOLERANCE = 0.01
#: A curve whose level rises by more than this from start to end is a cumulative-incidence plot.
RISE_THRESHOLD = 0.1
#: Iteration cap of the published Guyot loop (the original R code can cycle for ever).
GUYOT_MAX_ITER = 1000


def _rows_text(rows, limit: int = 5) -> str:
    count = len(rows)
    head = ", ".join(str(int(r)) for r in rows[:limit])
    more = f" and {count - limit} more" if count > limit else ""
    return ("row " if count == 1 else "rows ") + head + more


def _median(x: np.ndarray) -> float:
    """Median of a short array (``numpy.median`` without its overhead)."""
    p = np.sort(x)
    k = p.size
    return float(p[k // 2]) if k % 2 else float(0.5 * (p[k // 2 - 1] + p[k // 2]))


# =========================================================================== cleaning
@dataclass(frozen=True, eq=False, repr=False)
class CleanCurve:
    """A digitized curve after cleaning, with the list of changes made to it.

    Attributes
    ----------
    time, survival : ndarray
        The cleaned points: ``time[0] == 0``, ``survival[0] == 1``, times non-decreasing
        (two points share a time only for a drop at time 0), survival non-increasing
        in [0, 1].
    rows : ndarray
        Input row of each cleaned point (0 for a point added by the cleaning).
    actions : tuple of str
        One sentence per cleaning step that changed something.
    scale : str
        ``"fraction"`` or ``"percent"``: how the input survival was read.
    n_input : int
        Number of points given.
    """

    time: np.ndarray
    survival: np.ndarray
    rows: np.ndarray
    actions: tuple = ()
    scale: str = "fraction"
    n_input: int = 0
    label: str | None = None

    def to_frame(self) -> pd.DataFrame:
        """The cleaned points, one row each (``time``, ``survival``, ``input_row``)."""
        return pd.DataFrame({"time": self.time, "survival": self.survival, "input_row": self.rows})

    def __repr__(self) -> str:
        name = f" {self.label!r}" if self.label is not None else ""
        return (
            f"CleanCurve{name}: {self.time.size} points from {self.n_input} clicks, "
            f"{len(self.actions)} cleaning action(s)"
        )

    def _repr_html_(self) -> str:
        return f"<p><code>{self!r}</code></p>" + self.to_frame()._repr_html_()


def clean_curve(
    time,
    survival,
    *,
    scale: str = "auto",
    convert_cumulative: bool = False,
    rows=None,
    where: str = "curve",
    label: str | None = None,
) -> CleanCurve:
    """Clean digitized Kaplan–Meier clicks and report every change.

    Steps, in order: read percent as a fraction (detected when the largest value
    exceeds 1.5, or forced with ``scale``); recognise a rising (cumulative-incidence)
    curve and convert it with 1 − F when ``convert_cumulative`` is true; move times
    slightly below 0 to 0 and drop clearly negative ones; sort clicks by time; order
    clicks sharing an instant (within the time noise) from top to bottom; remove
    isolated spikes; clip survival to [0, 1]; enforce a non-increasing curve (isotonic
    regression, the least-squares fit); merge points sharing a time (keeping the value
    after the drop); drop points after the curve first reaches 0; start the curve at
    (0, 1).

    Parameters
    ----------
    time, survival : array_like
        Digitized clicks in the order given.
    scale : {"auto", "fraction", "percent"}
        How to read ``survival``.
    convert_cumulative : bool
        Convert a rising curve with 1 − F instead of refusing it.
    rows : array_like of int, optional
        Row number of each click in its file, used in messages (1, 2, ... by default).
    where : str
        Name of the source (a file name) used in messages.
    label : str, optional
        Arm name, kept on the result.

    Returns
    -------
    CleanCurve

    Raises
    ------
    InputError
        Fewer than two clicks, a value that is not a finite number, survival above 1
        (below 0) by more than digitizing noise, or a rising curve not to be converted.

    Examples
    --------
    >>> c = clean_curve([0, 5, 3, 10], [100, 80, 90, 60])
    >>> c.survival.tolist()
    [1.0, 0.9, 0.8, 0.6]
    >>> len(c.actions)
    2
    """
    check_choice("scale", scale, SCALES)
    t = np.asarray(time, dtype=float).ravel()
    s = np.asarray(survival, dtype=float).ravel()
    n_input = t.size
    rows = np.arange(1, n_input + 1) if rows is None else np.asarray(rows, dtype=int).ravel()
    arm = f" (arm {label})" if label is not None else ""
    if s.size != n_input or rows.size != n_input:
        raise InputError(f"{where}{arm}: times, survival values and rows differ in length.")
    if n_input < 2:
        raise InputError(
            f"{where}{arm}: {n_input} digitized point(s); expected at least 2 clicks on the curve."
        )
    for name, v in (("time", t), ("survival", s)):
        bad = np.flatnonzero(~np.isfinite(v))
        if bad.size:
            i = int(bad[0])
            raise InputError(f"{where}: row {rows[i]}, {name} is {v[i]!r}; expected a finite number.")
    actions: list[str] = []

    # ---- scale
    top = float(s.max())
    used = scale if scale != "auto" else ("percent" if top > 1.5 else "fraction")
    if used == "percent":
        s = s / 100.0
        if scale == "auto":
            actions.append(
                f"survival read as percent (largest value {top:g} > 1.5) and divided by 100."
            )
    over = np.flatnonzero(s > 1.0 + SURVIVAL_TOLERANCE)
    if over.size:
        i = int(over[np.argmax(s[over])])
        unit = "percent" if used == "percent" else "a fraction"
        limit = "102" if used == "percent" else f"{1 + SURVIVAL_TOLERANCE:g}"
        hint = "" if used == "percent" else "; if it is in percent use --scale percent"
        raise InputError(
            f"{where}: row {rows[i]}, survival {s[i] * (100 if used == 'percent' else 1):g} is above "
            f"1 by more than digitizing noise (read as {unit}, limit {limit}){hint}."
        )
    under = np.flatnonzero(s < -SURVIVAL_TOLERANCE)
    if under.size:
        i = int(under[0])
        raise InputError(
            f"{where}: row {rows[i]}, survival {s[i] * (100 if used == 'percent' else 1):g} is below 0 "
            f"by more than digitizing noise; expected a value in [0, 1] (or [0, 100] in percent)."
        )

    # ---- times before 0
    span = float(t.max())
    if span <= 0:
        raise InputError(f"{where}{arm}: every time is <= 0; expected a curve over positive times.")
    neg = t < 0
    if neg.any():
        nudge = neg & (t >= -NUDGE_TOLERANCE * span)
        drop = neg & ~nudge
        if nudge.any():
            actions.append(
                f"{nudge.sum()} point(s) slightly before time 0 moved to 0 ({_rows_text(rows[nudge])})."
            )
            t = np.where(nudge, 0.0, t)
        if drop.any():
            actions.append(
                f"{drop.sum()} point(s) before time 0 dropped ({_rows_text(rows[drop])})."
            )
            keep = ~drop
            t, s, rows = t[keep], s[keep], rows[keep]
        if t.size < 2:
            raise InputError(f"{where}{arm}: fewer than 2 points at times >= 0; expected a curve.")

    # ---- order by time
    if np.any(t[1:] < t[:-1]):
        late = t < np.maximum.accumulate(t)
        late_rows = rows[late]
        order = np.argsort(t, kind="stable")
        t, s, rows = t[order], s[order], rows[order]
        actions.append(
            f"clicks sorted by time: {late.sum()} came after a click at a later time "
            f"({_rows_text(late_rows)})."
        )

    # ---- rising curve (cumulative incidence)
    k = max(1, t.size // 10)
    start, end = _median(s[:k]), _median(s[-k:])
    if end - start > RISE_THRESHOLD:
        if not convert_cumulative:
            raise InputError(
                f"{where}{arm}: the curve rises from {start:.3g} ({_rows_text(rows[:1])}) to "
                f"{end:.3g} ({_rows_text(rows[-1:])}), so it looks like a cumulative-incidence "
                f"(failure) curve; convert it with 1 - F (--convert-cumulative) or check the file."
            )
        s = 1.0 - s
        actions.append(
            f"rising curve (from {start:.3g} to {end:.3g}) read as cumulative incidence and converted with 1 - F."
        )
    elif convert_cumulative:
        actions.append("conversion with 1 - F requested but the curve does not rise; left as survival.")

    # ---- clicks at one instant: top before bottom
    tol_t = TIME_TOLERANCE * span
    if t.size > 1:
        group = np.concatenate(([0], np.cumsum(np.diff(t) > tol_t)))
        order = np.lexsort((-s, group))
        if np.any(order != np.arange(t.size)):
            moved = int(np.sum(order != np.arange(t.size)))
            s, rows = s[order], rows[order]
            actions.append(
                f"{moved} clicks within {TIME_TOLERANCE:.1%} of the time axis of each other reordered "
                f"from top to bottom (the two corners of a drop)."
            )

    # ---- isolated spikes
    if t.size >= 3:
        prev = np.concatenate(([np.inf], s[:-1]))
        nxt = np.concatenate((s[1:], [-np.inf]))
        up = (s - prev > SPIKE_TOLERANCE) & (s - np.where(np.isfinite(nxt), nxt, s - 1) > SPIKE_TOLERANCE)
        up[-1] = s[-1] - s[-2] > SPIKE_TOLERANCE
        down = (nxt - s > SPIKE_TOLERANCE) & (np.where(np.isfinite(prev), prev, s + 1) - s > SPIKE_TOLERANCE)
        down[0] = s[1] - s[0] > SPIKE_TOLERANCE
        spike = up | down
        # two adjacent flagged points in the wrong order are the corners of one drop
        # clicked in reverse: swap them
        pair = np.flatnonzero(spike[1:] & spike[:-1] & (s[1:] > s[:-1]))
        pair = pair[np.concatenate(([True], np.diff(pair) > 1))] if pair.size else pair
        if pair.size:
            s = s.copy()
            s[pair], s[pair + 1] = s[pair + 1], s[pair].copy()
            rows = rows.copy()
            rows[pair], rows[pair + 1] = rows[pair + 1], rows[pair].copy()
            spike[pair] = False
            spike[pair + 1] = False
            actions.append(
                f"{pair.size} pair(s) of clicks in reverse order swapped ({_rows_text(rows[pair])}): "
                f"the lower corner of a drop came first."
            )
        if spike.any():
            actions.append(
                f"{spike.sum()} isolated spike(s) removed ({_rows_text(rows[spike])}): each lay more than "
                f"{SPIKE_TOLERANCE:g} above or below both neighbours."
            )
            keep = ~spike
            t, s, rows = t[keep], s[keep], rows[keep]

    # ---- clip to [0, 1]
    out = (s > 1.0) | (s < 0.0)
    if out.any():
        actions.append(
            f"{out.sum()} survival value(s) outside [0, 1] by digitizing noise clipped ({_rows_text(rows[out])})."
        )
        s = np.clip(s, 0.0, 1.0)

    # ---- non-increasing
    if np.any(s[1:] > s[:-1]):
        fitted = isotonic_regression(s, increasing=False).x
        change = np.abs(fitted - s)
        actions.append(
            f"{int(np.sum(change > 1e-12))} point(s) adjusted to keep the curve non-increasing "
            f"(isotonic fit; largest change {change.max():.3g})."
        )
        s = np.asarray(fitted, dtype=float)

    # ---- duplicate times: keep the value after the drop (the last, lowest)
    dup = np.concatenate((t[1:] == t[:-1], [False]))
    if dup.any():
        actions.append(
            f"{dup.sum()} point(s) sharing a time with the next merged, keeping the survival after the drop."
        )
        keep = ~dup
        t, s, rows = t[keep], s[keep], rows[keep]

    # ---- curve reaching 0
    zero = np.flatnonzero(s <= 0.0)
    if zero.size and zero[0] < s.size - 1:
        z = int(zero[0])
        actions.append(
            f"the curve reaches 0 at time {t[z]:g}; {s.size - z - 1} later point(s) dropped."
        )
        t, s, rows = t[: z + 1], s[: z + 1], rows[: z + 1]

    # ---- start at (0, 1)
    if t[0] > 0 or s[0] < 1.0:
        if t[0] == 0 and s[0] >= 1.0 - SURVIVAL_TOLERANCE:
            actions.append(f"survival at time 0 set to 1 (was {s[0]:.4g}).")
            s = s.copy()
            s[0] = 1.0
        else:
            actions.append("point (0, 1) added at the start of the curve.")
            t = np.concatenate(([0.0], t))
            s = np.concatenate(([1.0], s))
            rows = np.concatenate(([0], rows))
    return CleanCurve(
        time=t, survival=s, rows=rows, actions=tuple(actions), scale=used, n_input=n_input, label=label
    )


# =========================================================================== risk table
def _check_table(times, counts, where: str, n: int | None):
    """Validate a risk table; return float times and int counts starting at time 0."""
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


# =========================================================================== the exact method
def _drop_times(t: np.ndarray, tol_t: float) -> np.ndarray:
    """Time of the drop between consecutive points: the later click, or the mean of the two
    when they share an instant within the digitizing noise (the corners of one drop)."""
    t0, t1 = t[:-1], t[1:]
    return np.where(t1 - t0 <= tol_t, 0.5 * (t0 + t1), t1)


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
    return _inside(lo + (np.arange(count) + 0.5) * ((hi - lo) / count), lo, hi)


def _inside(t, lo, hi):
    """``t`` kept strictly inside ``(lo, hi)`` where that interval holds a float: a midpoint of a
    width-of-one-ulp interval rounds onto an end, where it would change a number at risk."""
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    room = np.nextafter(lo, np.inf) < hi
    return np.where(room, np.clip(t, np.nextafter(lo, np.inf), np.nextafter(hi, -np.inf)), t)


def _open_interval(N, tau, h, a, t_end, lam):
    """Expected events at each drop and number left at ``t_end`` for censoring hazard ``lam``."""
    R = np.concatenate(([1.0], np.cumprod(1.0 - h)))
    n_before = N * R[:-1] * np.exp(-lam * (tau - a))
    events = n_before * h
    left = N * R[-1] * np.exp(-lam * (t_end - a))
    return events, left


def _rate_for_events(N, tt, hh, a_last, t_stop, D):
    """Censoring hazard after ``a_last`` for which the expected number of events is ``D``."""
    span = t_stop - a_last
    e0, _ = _open_interval(N, tt, hh, a_last, t_stop, 0.0)
    if D >= e0.sum() or span <= 0:
        return 0.0
    f = lambda x: _open_interval(N, tt, hh, a_last, t_stop, x)[0].sum() - D  # noqa: E731
    hi_l = 1.0 / span
    while f(hi_l) > 0 and hi_l < 1e12 / span:
        hi_l *= 10
    return brentq(f, 0.0, hi_l, xtol=1e-12 / span) if f(hi_l) <= 0 else hi_l


def _interval(Ni, Nn, lo_t, hi_t, tt, hh):
    """Continuous solution on one risk-table interval ``[lo_t, hi_t)``.

    Censoring is spread evenly over the interval; the number censored ``C`` is the root
    of the linear equation ``n(hi_t) = Nn``. Returns ``C`` (unclipped, ``nan`` when the
    curve reaches 0 inside) and the weights of the expected events at the drops.
    """
    R = np.concatenate(([1.0], np.cumprod(1.0 - hh)))
    grid = np.concatenate(([lo_t], tt, [hi_t]))
    dW = np.diff(grid) / (hi_t - lo_t)
    with np.errstate(divide="ignore"):
        inv = np.where(R > 0, 1.0 / R, np.inf)
    C = (Ni - Nn / R[-1]) / np.sum(dW * inv) if R[-1] > 0 else np.nan
    return C, R, dW, inv


def _excess(Ni, Nn, lo_t, hi_t, tt, hh):
    """How far the curve's drops exceed what the risk table allows (0 when feasible)."""
    if Ni <= 0:
        return 0.0
    C = _interval(Ni, Nn, lo_t, hi_t, tt, hh)[0]
    return 0.0 if not np.isfinite(C) else max(-C, 0.0)


def _rebalance(tau, h, a, c, tol_t):
    """Date the drops within the time noise of a table time on the side of it that makes
    the two intervals it separates most nearly feasible.

    An interval is infeasible by ``max(N_end - N_start * R, 0)`` events, ``R`` the ratio of
    the curve over it (its drops ask for more events than leave the risk set). Each split
    of the nearby drops between the two sides is scored by the sum over both intervals;
    the dated split is kept unless another is better by more than half an event.
    """
    tau = tau.copy()  # non-decreasing (see _drop_times), and kept so
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


def _exact(t, s, a, c, total_events, tol_t):
    """Closed-form reconstruction; returns (times, events, notes)."""
    notes: list[str] = []
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(s[:-1] > 0, 1.0 - s[1:] / s[:-1], 0.0)
    h = np.clip(h, 0.0, 1.0)
    tau = _rebalance(_drop_times(t, tol_t), h, a, c, tol_t)
    order = np.argsort(tau, kind="stable")
    tau, h = tau[order], h[order]
    t_end = float(t[-1])
    m = a.size
    # Intervals [a_i, a_{i+1}): drops dated at a table time belong to the later interval.
    which = np.searchsorted(a, tau, side="right") - 1
    bounds = np.searchsorted(which, np.arange(m + 1), side="left")
    ev_parts, cen_parts = [], []
    cens_total, person_time = 0.0, 0.0
    events_so_far = 0
    for i in range(m - 1):
        Ni, Nn = int(c[i]), int(c[i + 1])
        lo, hi = bounds[i], bounds[i + 1]
        hi_t = a[i + 1]
        removed = Ni - Nn
        if Ni == 0:
            continue
        hh, tt = h[lo:hi], tau[lo:hi]
        C, R, dW, inv = _interval(Ni, Nn, a[i], hi_t, tt, hh)
        if not np.isfinite(C):  # the curve reaches 0 here: everyone left then has the event
            if Nn > 0:
                C = 0.0
                notes.append(
                    f"the curve reaches 0 before time {hi_t:g} where {Nn} are still at risk; "
                    f"the numbers at risk were kept."
                )
            else:  # censoring before the zero at the rate seen so far
                lam = cens_total / person_time if person_time > 0 else 0.0
                e0, _ = _open_interval(Ni, tt, hh, a[i], hi_t, lam)
                C = Ni - float(e0.sum())
        elif C < -max(1.0, 0.02 * Ni):
            notes.append(
                f"between times {a[i]:g} and {hi_t:g} the curve drops by more than the {removed} leaving "
                f"the risk set allow; all {removed} were taken as events (the curve drops less there)."
            )
        C = float(np.clip(C, 0.0, removed))
        cum = np.cumsum(dW[:-1] * inv[:-1]) if hh.size else np.empty(0)
        n_before = R[:-1] * (Ni - C * cum)
        e = np.maximum(n_before, 0.0) * hh
        C_int = int(np.clip(np.floor(C + 0.5), 0, removed))
        D = removed - C_int
        cen_parts.append(_censor_times(C_int, a[i], hi_t))
        if D > 0 and e.size == 0:
            notes.append(
                f"between times {a[i]:g} and {hi_t:g} no drop was digitized; {D} events spread over the interval."
            )
            tt, e = np.array([0.5 * (a[i] + hi_t)]), np.array([1.0])
        ev_parts.append(_place(D, e, tt))
        events_so_far += D
        # censoring hazard of the latest interval with patients followed (censoring in
        # trials rises with follow-up, so the most recent rate is the best guide)
        pt = 0.5 * (Ni + Nn) * (hi_t - a[i])
        if pt > 0:
            cens_total, person_time = C_int, pt
    # ---- after the last table time
    N = int(c[-1])
    if N > 0:
        lo = bounds[m - 1]
        hh, tt = h[lo:], tau[lo:]
        a_last = float(a[-1])
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
            lam = _rate_for_events(N, tt, hh, a_last, t_stop, D)
        else:
            lam = cens_total / person_time if person_time > 0 else 0.0
            if m == 1:
                notes.append(
                    "no risk table and no total of events: no censoring assumed before the end of the curve."
                )
        e, left = _open_interval(N, tt, hh, a_last, t_stop, lam)
        if total_events is None:
            D = int(np.clip(np.floor(e.sum() + 0.5), 0, N))
        left_int = int(np.clip(np.floor(left + 0.5), 0, N - D))
        if hh.size and s[-1] <= 0:
            left_int = 0
        C_int = N - D - left_int
        ev_parts.append(_place(D, e, tt))
        # censoring follows the number at risk (constant hazard) between a_last and t_stop
        if C_int > 0:
            grid = np.concatenate(([a_last], tt, [t_stop]))
            R = np.concatenate(([1.0], np.cumprod(1.0 - hh)))
            if lam > 0:
                mass = R * (np.exp(-lam * (grid[:-1] - a_last)) - np.exp(-lam * (grid[1:] - a_last))) / lam
            else:
                mass = R * np.diff(grid)
            cm = np.concatenate(([0.0], np.cumsum(mass)))
            if cm[-1] <= 0:
                cen_parts.append(np.full(C_int, t_stop))
            else:
                q = (np.arange(C_int) + 0.5) / C_int * cm[-1]
                cen_parts.append(_inside(np.interp(q, cm, grid), grid[0], grid[-1]))
        cen_parts.append(np.full(left_int, t_stop))
    ev = np.concatenate(ev_parts) if ev_parts else np.empty(0)
    cen = np.concatenate(cen_parts) if cen_parts else np.empty(0)
    time = np.concatenate((ev, cen))
    event = np.concatenate((np.ones(ev.size, dtype=np.int64), np.zeros(cen.size, dtype=np.int64)))
    return time, event, notes


# =========================================================================== the dp method
#: Standard deviation of the digitizing noise on survival assumed by the ``dp`` method.
DP_NOISE = 0.003
#: Event counts tried at a drop: the closed-form count n (1 - S_next / S_prev), rounded, +/- this
#: (and the least count, 1 at a real drop, 0 elsewhere).
DP_WINDOW = 2
#: A drop deeper than this many noise sd is a real drop: it holds at least one event.
DP_REAL_DROP = 4.0
#: Largest dynamic-programming table (states x steps) before ``dp`` hands an arm to ``exact``.
DP_MAX_CELLS = 4_000_000
#: ``auto`` reconstructs arms of at most this many patients with ``dp``, larger ones with ``exact``.
DP_AUTO_MAX_N = 150
DP_LOOKAHEAD = 1.0
#: A real drop to a level within this many noise sd of 0 is a drop to 0.
DP_ZERO_LEVEL = 3.0
#: Expected number of deaths beyond the first at a drop to 0: each further death there
#: costs as a Poisson count of this mean.
DP_ZERO_TIES = 0.15
_MU_FLOOR = 1e-6  # expected censorings in a gap where the censoring rate is 0
_PENALTY = 1e9  # cost per patient of a published number (at risk, events) that cannot be met
_INF1 = np.array([np.inf])


def _dp_rates(s, h, tau, a, c, total_events, t_stop, notes):
    """Censoring hazard of each risk-table interval, the last one open-ended.

    Within the table the number censored is the closed-form one of the ``exact`` method
    over the interval's person-time; after the last table time it is the rate of the
    last interval with follow-up, or the rate that gives ``total_events`` events.
    """
    m = a.size
    which = np.searchsorted(a, tau, side="right") - 1
    lam = np.zeros(m)
    last_rate, censored = 0.0, 0.0
    for i in range(m - 1):
        Ni, Nn = int(c[i]), int(c[i + 1])
        sel = which == i
        if Ni <= 0:
            continue
        C = _interval(Ni, Nn, a[i], a[i + 1], tau[sel], h[sel])[0]
        pt = 0.5 * (Ni + Nn) * (a[i + 1] - a[i])
        if not np.isfinite(C):  # the curve reaches 0 here: the rate seen so far
            lam[i] = last_rate
            censored += last_rate * pt
            continue
        C = float(np.clip(C, 0.0, Ni - Nn))
        censored += C
        if pt > 0:
            lam[i] = last_rate = C / pt
    lam[-1] = last_rate
    N = int(c[-1])
    if total_events is not None and N > 0:
        before = int(c[0]) - N - censored  # expected events before the last table time
        D = float(np.clip(int(total_events) - before, 0, N))
        sel = which == m - 1
        lam[-1] = _rate_for_events(N, tau[sel], h[sel], float(a[-1]), t_stop, D)
    elif m == 1 and total_events is None:
        notes.append("no risk table and no total of events: no censoring assumed before the end of the curve.")
    return lam


def _best(key, cand, *sides):
    """Candidate with the lowest ``key`` along axis 0, its cost and side values."""
    k = np.argmin(key, axis=0)
    flat = k.ravel() * k.size + np.arange(k.size)
    return (k,) + tuple(np.broadcast_to(x, cand.shape).reshape(-1)[flat].reshape(k.shape) for x in (cand,) + sides)


def _dp_drop(cost, S, ev, h, y, real, track, ahead, zero=False):
    """Events at one drop: from ``n`` at risk, ``d`` events, ``n - d`` left; cost of the fit.

    Vectorised over the states and the events counts (with events so far as a second
    state axis once the total of events is tracked): candidate ``d`` by arriving
    state, cheapest kept. At a drop to 0 (``zero``) the cost of :func:`_zero_ties` is added.
    """
    E1, M = cost.shape
    n = np.arange(M)
    base = np.floor(n * h + 0.5)
    least = np.minimum(1 if real else 0, n)  # also always tried, so that the table can be met
    lo = np.minimum(np.maximum(base - DP_WINDOW, least), n).astype(np.int64)
    hi = np.maximum(np.minimum(base + DP_WINDOW, n), lo).astype(np.int64) if h > 0 else lo
    d = np.arange(int(least.min()), int(hi.max()) + 1)[:, None, None]  # (D, 1, 1)
    src = n + d  # state before the drop, by arriving state n
    ok = src < M
    src = np.minimum(src, M - 1)
    ok &= ((lo[src] <= d) & (hi[src] >= d)) | (least[src] == d)
    e_src = np.arange(E1)[:, None] - (d if track else 0)  # (D or 1, E1, 1)
    ok = ok & (e_src >= 0)
    e_src = np.maximum(e_src, 0)
    S_new = S[e_src, src] * (1.0 - d / np.maximum(src, 1))
    fit = (0.5 / DP_NOISE**2) * (S_new - y) ** 2
    cand = np.where(ok, cost[e_src, src] + fit, np.inf)
    if zero:
        cand = cand + _zero_ties(int(d[-1, 0, 0]) + 1)[int(d[0, 0, 0]):, None, None]
    k, new, S_new, ev_new = _best(cand + fit * ahead, cand, S_new, ev[e_src, src] + d)
    return new, S_new, ev_new, (k + int(d[0, 0, 0])).astype(np.int32)


def _zero_ties(D):
    """Cost of ``d = 0..D-1`` events at a drop to 0: Poisson(:data:`DP_ZERO_TIES`) cost of
    the deaths beyond the first.

    A drop to 0 has the same depth whatever the number of deaths, so the curve cannot tell
    several deaths at the last instant from censorings in the gap before it and one death;
    without this cost the censorings' Poisson cost alone would always choose the deaths.
    """
    k = np.maximum(np.arange(D) - 1, 0)
    log_fact = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, max(D, 1))))))[k]
    return DP_ZERO_TIES - k * math.log(DP_ZERO_TIES) + log_fact


def _dp_censor(cost, S, ev, mu, cmax, y, ahead):
    """Censorings in one gap between nodes: Poisson(``mu``) cost of ``c`` leaving."""
    M = cost.shape[1]
    c = np.arange(min(int(cmax), M - 1) + 1)[:, None]  # (C, 1)
    src = np.arange(M) + c  # state before the gap, by arriving state
    ok = (src < M)[:, None, :]
    src = np.minimum(src, M - 1)
    log_fact = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, c.size)))))[:, None]
    prior = (mu[src] - c * np.log(mu[src]) + log_fact)[:, None, :]
    cand = np.where(ok, cost[:, src].transpose(1, 0, 2) + prior, np.inf)
    S_src = S[:, src].transpose(1, 0, 2)
    key = cand + (0.5 / DP_NOISE**2) * (S_src - y) ** 2 * ahead
    k, new, S_new, ev_new = _best(key, cand, S_src, ev[:, src].transpose(1, 0, 2))
    return new, S_new, ev_new, k.astype(np.int32)


class _Tables:
    """Lookup tables of the one-dimensional steps of one arm (states ``0..N``).

    ``src[r, n] = n + r`` (the state before a step that removes ``r``; ``src_f`` as
    floats), ``keep[r, n] = 1 - r / max(n + r, 1)`` (the curve's factor when ``r`` of
    ``n + r`` have the event), ``count[r] = r``, ``log_fact[r] = log r!`` and
    ``prior0[r]``, the Poisson cost of ``r`` censored where none are expected;
    rows are added when a step needs more.
    """

    def __init__(self, N: int):
        self.N = N
        self.count = np.arange(N + 1)[:, None]
        self.log_fact = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, N + 1)))))[:, None]
        self.prior0 = _MU_FLOOR - self.count * np.log(_MU_FLOOR) + self.log_fact
        self.rows = 0
        self._grow(8)

    def _grow(self, rows: int) -> None:
        r = self.count[: min(max(rows, 2 * self.rows), self.N + 1)]
        self.src = np.arange(self.N + 1) + r
        self.src_f = self.src.astype(float)
        self.keep = 1.0 - r / np.maximum(self.src, 1)
        self.rows = r.size

    def get(self, rows: int, M: int, base: int = 0):
        """``src`` (relative to the lowest state) and ``keep`` for states ``base..base+M-1``."""
        if rows > self.rows:
            self._grow(rows)
        return self.src[:rows, :M], self.keep[:rows, base:base + M]


def _drop_windows(h, real, N):
    """Events counts allowed at every drop, by number at risk before it (rows: drops).

    ``d`` events are tried from ``n`` at risk when ``d`` is within :data:`DP_WINDOW` of
    the closed-form count ``n h`` rounded (and at most ``n``), or is the least count (1
    at a real drop, 0 elsewhere). Returns the least, lowest and highest count of the
    window, each non-decreasing in ``n``.
    """
    n = np.arange(N + 1)
    base = np.floor(n * h[:, None] + 0.5)
    least = np.minimum(real.astype(np.int64)[:, None], n)
    lo = np.minimum(np.maximum(base - DP_WINDOW, least), n).astype(np.int64)
    hi = np.where((h > 0)[:, None], np.maximum(np.minimum(base + DP_WINDOW, n), lo), lo).astype(np.int64)
    return least.astype(np.int32), lo.astype(np.int32), hi.astype(np.int32)


def _allowed(least, lo, hi, D, M):
    """Cost added to ``d`` events leaving ``n`` at risk: 0 when tried, else ``inf`` (one
    drop's rows of :func:`_drop_windows`, ``d < D``, ``n < M``)."""
    d = np.arange(D)[:, None]
    src = np.arange(M) + d
    inside = src < M
    src = np.minimum(src, M - 1)
    ok = inside & (((lo[src] <= d) & (hi[src] >= d)) | (least[src] == d))
    return np.where(ok, 0.0, np.inf)


def _allowed_all(least, lo, hi, drops, limit):
    """:func:`_allowed` of every drop in ``drops`` for all states, in one pass.

    Returns ``{drop: cost}`` (``cost[d, n]`` for ``n`` in ``0..N``; a state before the
    drop above ``N`` is not tried), or ``None`` when the tables would exceed ``limit``
    cells.
    """
    N = lo.shape[1] - 1
    D = hi[drops, N].astype(np.int64) + 1
    if int(D.sum()) * (N + 1) > limit:
        return None
    start = np.concatenate(([0], np.cumsum(D)))
    d = (np.arange(start[-1]) - np.repeat(start[:-1], D))[:, None]
    src = np.arange(N + 1) + d
    inside = src <= N
    np.minimum(src, N, out=src)
    src += np.repeat(drops * (N + 1), D)[:, None]  # flat index into the (drops, states) arrays
    ok = lo.take(src) <= d
    ok &= hi.take(src) >= d
    ok |= least.take(src) == d
    ok &= inside
    pen = np.where(ok, 0.0, np.inf)
    return {j: pen[start[i]:start[i + 1]] for i, j in enumerate(drops.tolist())}


def _drop_1d(cost, S, ev, tab, pen, y, ahead, half, base=0):
    """:func:`_dp_drop` with the number at risk as the only state.

    ``pen[d, n]`` (0 or ``inf``; columns ``n >= M`` ignored) says which counts are
    tried. The same candidates and arithmetic, so the same choices, with far fewer
    array operations: index and factor tables come from ``tab``, temporaries are
    updated in place, and a state above the largest (``M - 1``) reads the ``inf`` cost
    appended. ``half`` is ``0.5 / DP_NOISE**2``. Also returns the look-ahead cost of
    each state's curve level (used by the censoring step that follows, at the same click).
    """
    M = cost.size
    D = pen.shape[0]
    src, keep = tab.get(D, M, base)
    S_new = S.take(src, mode="clip")
    S_new *= keep
    fit = S_new - y
    np.square(fit, out=fit)
    fit *= half
    cand = np.concatenate((cost, _INF1)).take(src, mode="clip")
    cand += fit
    cand += pen[:, :M]
    fit *= ahead
    k = (fit + cand).argmin(0)
    flat = k * M
    flat += src[0]
    ev_new = None if ev is None else ev.take(src[0] + k) + k
    return cand.take(flat), S_new.take(flat), ev_new, k, fit.take(flat)


def _censor_1d(cost, S, ev, look, tab, lam, gap, C, base=0):
    """:func:`_dp_censor` with the number at risk as the only state: 0 to ``C - 1``
    censored in a gap of length ``gap`` at censoring hazard ``lam``; ``look`` is the
    look-ahead cost of each state's curve level at the latest click."""
    M = cost.size
    src, _ = tab.get(C, M)
    if lam > 0:
        mu = tab.src_f[:C, base:base + M] * lam
        mu *= gap
        np.maximum(mu, _MU_FLOOR, out=mu)
        log_mu = np.log(mu)
        log_mu *= tab.count[:C]
        mu -= log_mu
        mu += tab.log_fact[:C]  # Poisson cost of c censored
    else:
        mu = tab.prior0[:C]
    cand = np.concatenate((cost, _INF1)).take(src, mode="clip")  # more than at risk: inf
    cand += mu
    key = look.take(src, mode="clip")
    key += cand
    k = key.argmin(0)
    back = k + src[0]
    flat = k * M
    flat += src[0]
    return cand.take(flat), S.take(back), None if ev is None else ev.take(back), look.take(back), k


def _trim(*arrays):
    """Drop the states above the largest reachable one."""
    finite = np.flatnonzero(np.isfinite(arrays[0]).any(axis=0))
    top = int(finite[-1]) + 1 if finite.size else 1
    return tuple(x[:, :top] for x in arrays)


def _dp(t, s, a, c, total_events, tol_t):
    """Integer events and censorings by dynamic programming over the drops.

    Returns (times, events, notes), or ``None`` when the table would exceed
    :data:`DP_MAX_CELLS`. The number at risk is the only state until the total of
    events is tracked (after the last table time, when it is given); the steps then
    have events so far as a second state axis.
    """
    notes: list[str] = []
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(s[:-1] > 0, 1.0 - s[1:] / s[:-1], 0.0)
    h = np.clip(h, 0.0, 1.0)
    tau = _rebalance(_drop_times(t, tol_t), h, a, c, tol_t)
    K, m, N = h.size, a.size, int(c[0])
    y = s[1:]
    real = (s[:-1] - s[1:]) > DP_REAL_DROP * DP_NOISE
    t_stop = max(float(t[-1]), float(a[-1]))
    track = total_events is not None
    cells = (2 * K + m + 1) * (N + 1) * (1 + (int(c[-1]) + 1 if track else 0))
    if cells > DP_MAX_CELLS:
        return None
    lam = _dp_rates(s, h, tau, a, c, total_events, t_stop, notes)
    # paths meeting in one state keep the one with the lower cost so far plus the cost its
    # curve level would add at the later clicks (the level carries over to all of them)
    sq = s**2
    with np.errstate(divide="ignore", invalid="ignore"):
        ahead = np.where(s > 0, (np.cumsum(sq[::-1])[::-1] - sq) / sq, 0.0) * DP_LOOKAHEAD
    # nodes in time order: table rows (before drops at the same time), then drops in order
    node_t = np.concatenate((a[1:], tau, [t_stop]))
    kind = np.concatenate((np.zeros(m - 1, int), np.ones(K, int), [2]))
    idx = np.concatenate((np.arange(1, m), np.arange(K), [0]))
    order = np.lexsort((idx, kind, node_t))
    node_t, kind, idx = node_t[order], kind[order], idx[order]
    # gaps per table interval (to bound the censorings tried in each)
    gap_lo = np.concatenate(([0.0], node_t[:-1]))
    gap_int = np.searchsorted(a, gap_lo, side="right") - 1
    positive = node_t - gap_lo > 0
    n_gaps = np.bincount(gap_int[positive], minlength=m)
    least, lo, hi = _drop_windows(h, real, N)
    zero = real & (y <= DP_ZERO_LEVEL * DP_NOISE)  # drops to 0: ties of deaths are costed
    masks = _allowed_all(least, lo, hi, np.flatnonzero(h > 0), DP_MAX_CELLS)
    tab = _Tables(N)
    ns_all = np.arange(N + 1)
    # plain floats and ints for the loop (the same values as the arrays)
    h_, y_, s_, ahead_, lam_ = h.tolist(), y.tolist(), s.tolist(), ahead.tolist(), lam.tolist()
    c_, n_gaps_ = c.tolist(), n_gaps.tolist()
    nodes = list(zip(gap_lo.tolist(), node_t.tolist(), gap_int.tolist(), kind.tolist(), idx.tolist()))
    half = 0.5 / DP_NOISE**2
    notes_before = list(notes)

    def expand(cost, S, ev, steps):
        """Events from here on become part of the state (rows: events so far)."""
        cost, S, ev = _trim(cost, S, ev)
        pad = np.full((cost.shape[1] - 1, cost.shape[1]), np.inf)
        steps.append(("expand", None, 0))
        return np.vstack((cost, pad)), np.vstack((S, np.zeros_like(pad))), np.vstack((ev, np.zeros_like(pad)))

    def run(prune):
        """One pass over the nodes. With ``prune``, the one-dimensional states below the
        next table count are left out (they cannot meet it); ``None`` when that count
        cannot be met, to be run again without pruning."""
        # one-dimensional state (numbers at risk base..base+M-1) until the events are tracked
        base = int(c_[1]) if prune and m > 1 else 0
        cost = np.full(N + 1 - base, np.inf)
        cost[-1] = 0.0
        S = np.ones(N + 1 - base)
        ev = np.zeros(N + 1 - base) if track else None
        steps = []
        flat = True  # states are numbers at risk only
        if track and m == 1:
            cost, S, ev = expand(cost[None], S[None], ev[None], steps)
            flat = False
        point = 0  # latest click reached
        # look-ahead cost of each state's curve level at the latest click (one-dimensional steps)
        look = half * (S - s_[0]) ** 2 * ahead_[0]
        for lo_t, hi_t, i, kd, j in nodes:
            if hi_t > lo_t:
                M = cost.shape[-1] + base  # states 0..M-1 (the lowest ones left out)
                gap = hi_t - lo_t
                nxt = int(c_[i + 1]) if i + 1 < m else 0
                bound = max(M - 1 - nxt, 0)
                mu_max = max(lam_[i] * (M - 1) * gap, _MU_FLOOR)  # mu grows with the number at risk
                cap = max(mu_max + 6.0 * math.sqrt(mu_max) + 5.0, math.ceil(bound / max(n_gaps_[i], 1)) + 1.0)
                if flat:
                    C = min(int(min(bound, cap)), M - 1, cost.size - 1) + 1
                    cost, S, ev, look, ch = _censor_1d(cost, S, ev, look, tab, lam_[i], gap, C, base)
                else:
                    mu = np.maximum(lam_[i] * ns_all[:M] * gap, _MU_FLOOR)
                    cost, S, ev, ch = _dp_censor(cost, S, ev, mu, min(bound, cap), s_[point], ahead_[point])
                steps.append(("censor", (lo_t, hi_t, ch), base))
                # the largest state stays reachable (no one censored)
            if kd == 0:  # a row of the risk table
                target = int(c_[j])
                M = cost.shape[-1] + base
                if base and not cost[0] < np.inf:  # base == target: not met, run without pruning
                    return None
                if target < M and np.isfinite(cost[..., target - base]).any():
                    keep = cost[..., target - base].copy()
                    if flat and prune:
                        low = int(c_[j + 1]) if j + 1 < m else 0
                        size = target + 1 - low
                        cost = np.full(size, np.inf)
                        cost[-1] = keep
                        S = np.full(size, S[target - base])
                        look = np.full(size, look[target - base])
                        ev = None if ev is None else np.full(size, ev[target - base])
                        base = low
                    else:
                        cost = np.full_like(cost, np.inf)
                        cost[..., target] = keep
                else:
                    cost = cost + _PENALTY * np.abs(np.arange(M) - target)
                    notes.append(
                        f"the curve's drops do not allow {target} at risk at time {hi_t:g}; the nearest "
                        f"feasible number was reconstructed."
                    )
                if track and flat and j == m - 1:
                    cost, S, ev = expand(cost[None], S[None], ev[None], steps)
                    flat = False
            elif kd == 1:
                if not flat:
                    cost, S, ev, ch = _dp_drop(
                        cost, S, ev, h_[j], y_[j], bool(real[j]), True, ahead_[j + 1], bool(zero[j])
                    )
                elif h_[j] > 0:
                    M = cost.size + base
                    D = int(hi[j, M - 1]) + 1
                    if masks is not None:
                        pen = masks[j][:D, base:M]
                    else:
                        pen = _allowed(least[j], lo[j], hi[j], D, M)[:, base:]
                    if zero[j]:
                        pen = pen + _zero_ties(D)[:, None]
                    cost, S, ev, ch, look = _drop_1d(cost, S, ev, tab, pen, y_[j], ahead_[j + 1], half, base)
                else:  # a flat step: no event, only the fit
                    fit = S - y_[j]
                    np.square(fit, out=fit)
                    fit *= half
                    cost = cost + fit
                    look = fit * ahead_[j + 1]
                    ch = None
                point = j + 1
                steps.append(("drop", (j, ch), base))
            if not flat:
                cost, S, ev = _trim(cost, S, ev)
            elif kd == 0 or (kd == 1 and ch is not None):  # the largest state may have gone
                top = cost.size
                while top > 1 and cost[top - 1] == np.inf:
                    top -= 1
                if top < cost.size:
                    cost, S, look = cost[:top], S[:top], look[:top]
                    ev = None if ev is None else ev[:top]
        return cost, ev, steps, base

    out = run(True)
    if out is None:
        notes[:] = notes_before
        out = run(False)
    cost, ev, steps, base = out
    # end of the curve: those left are censored at t_stop
    if track:
        target = int(total_events)
        hit = np.isfinite(cost) & (ev == target)
        if hit.any():
            cost = np.where(hit, cost, np.inf)
        else:
            cost = cost + _PENALTY * np.abs(ev - target)
            e_best = int(ev.flat[int(np.argmin(cost))])
            notes.append(
                f"{target} events in total cannot be matched with the numbers at risk and the curve's "
                f"drops; {e_best} were reconstructed."
            )
    e, n = np.unravel_index(int(np.argmin(cost)), np.atleast_2d(cost).shape)
    e, n = int(e), int(n) + (base if cost.ndim == 1 else 0)
    left = n  # still at risk at the end: censored there
    ev_at, ev_count, cen_lo, cen_hi, cen_count = [], [], [], [], []
    for kind_s, data, low in reversed(steps):  # low: the lowest state kept at that step
        if kind_s == "drop":
            k, ch = data
            if ch is None:
                continue
            d = int(ch[n - low]) if ch.ndim == 1 else int(ch[e, n])
            ev_at.append(k)
            ev_count.append(d)
            n += d
            if ch.ndim == 2 and ch.shape[0] > 1:
                e -= d
        elif kind_s == "censor":
            lo_t, hi_t, ch = data
            k = int(ch[n - low]) if ch.ndim == 1 else int(ch[e, n])
            cen_lo.append(lo_t)
            cen_hi.append(hi_t)
            cen_count.append(k)
            n += k
        else:
            e = 0
    ev_all = np.repeat(tau[np.asarray(ev_at, dtype=np.int64)], ev_count)
    # censorings spread evenly over each gap (as _censor_times), then those left at the end
    count = np.asarray(cen_count, dtype=np.int64)
    lo_c = np.asarray(cen_lo, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        width = (np.asarray(cen_hi, dtype=float) - lo_c) / count
    first = np.repeat(np.cumsum(count) - count, count)
    slot = np.arange(first.size) - first
    spread = np.repeat(lo_c, count) + (slot + 0.5) * np.repeat(width, count)
    spread = _inside(spread, np.repeat(lo_c, count), np.repeat(np.asarray(cen_hi, dtype=float), count))
    cen_all = np.concatenate((spread, np.full(left, t_stop)))
    time = np.concatenate((ev_all, cen_all))
    event = np.concatenate((np.ones(ev_all.size, np.int64), np.zeros(cen_all.size, np.int64)))
    return time, event, notes


# =========================================================================== Guyot 2012
def _hist(x: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """Counts of ``x`` in R's ``hist`` bins: ``[b0, b1]``, ``(b1, b2]``, ..."""
    idx = np.searchsorted(breaks, x, side="left") - 1
    idx = np.maximum(idx, 0)
    return np.bincount(idx, minlength=breaks.size - 1)[: breaks.size - 1]


def _guyot(t, s, a, c, total_events):
    """Port of the published R code of Guyot et al. (2012), with an iteration cap.

    Intervals of the risk table that hold no digitized point are merged with the next
    (the published code fails there). Returns (times, events, notes).
    """
    notes: list[str] = []
    S, TS = s, t
    n_t = TS.size
    lower = np.searchsorted(TS, a, side="left")
    keep = lower < n_t
    keep &= np.concatenate((lower[1:] != lower[:-1], [True]))
    if not np.all(keep):
        notes.append(f"{int((~keep).sum())} risk-table interval(s) without digitized points merged.")
    a, c, lower = a[keep], c[keep].copy(), lower[keep]
    n_int = a.size
    upper = np.concatenate((lower[1:] - 1, [n_t - 1]))
    n_risk = c.astype(float)
    n_censor = np.zeros(n_int)
    n_hat = np.full(n_t + 1, n_risk[0] + 1)
    cen = np.zeros(n_t)
    d = np.zeros(n_t)
    KM_hat = np.ones(n_t)
    last_i = np.zeros(n_int, dtype=int)
    last = 0

    def spread(i, count, end_index):
        lo_t, hi_t = TS[lower[i]], TS[end_index]
        cen_t = lo_t + np.arange(1, count + 1) * (hi_t - lo_t) / (count + 1)
        return _hist(cen_t, TS[lower[i]: end_index + 1])

    def events_pass(i, stop, clamp):
        nonlocal last
        n_hat[lower[i]] = n_risk[i]
        last = last_i[i]
        for k in range(lower[i], stop + 1):
            if i == 0 and k == lower[i]:
                d[k] = 0
                KM_hat[k] = 1
            else:
                d[k] = np.floor(n_hat[k] * (1 - S[k] / KM_hat[last]) + 0.5) if KM_hat[last] != 0 else 0
                KM_hat[k] = KM_hat[last] * (1 - d[k] / n_hat[k]) if n_hat[k] > 0 else KM_hat[last]
            if not (clamp == "last" and k == stop and i == n_int - 1):
                n_hat[k + 1] = n_hat[k] - d[k] - cen[k]
                if clamp and n_hat[k + 1] < 0:
                    n_hat[k + 1] = 0
                    cen[k] = n_hat[k] - d[k]
            if d[k] != 0:
                last = k

    stuck = False
    for i in range(n_int - 1):
        n_censor[i] = np.floor(n_risk[i] * S[lower[i + 1]] / S[lower[i]] - n_risk[i + 1] + 0.5) if S[lower[i]] > 0 else 0
        it = 0
        while (n_hat[lower[i + 1]] > n_risk[i + 1]) or (
            n_hat[lower[i + 1]] < n_risk[i + 1] and n_censor[i] > 0
        ):
            it += 1
            if it > GUYOT_MAX_ITER:
                stuck = True
                break
            if n_censor[i] <= 0:
                cen[lower[i]: upper[i] + 1] = 0
                n_censor[i] = 0
            if n_censor[i] > 0:
                cen[lower[i]: upper[i] + 1] = spread(i, int(n_censor[i]), lower[i + 1])
            events_pass(i, upper[i], clamp=False)
            n_censor[i] = n_censor[i] + (n_hat[lower[i + 1]] - n_risk[i + 1])
        if n_hat[lower[i + 1]] < n_risk[i + 1]:
            n_risk[i + 1] = n_hat[lower[i + 1]]
        last_i[i + 1] = last
    j = n_int - 1
    if n_int > 1:
        n_censor[j] = min(
            np.floor(
                n_censor[:j].sum() * (TS[upper[j]] - TS[lower[j]]) / max(TS[upper[j - 1]] - TS[lower[0]], 1e-300)
                + 0.5
            ),
            n_risk[j],
        )
    else:
        n_censor[j] = 0

    def set_last_censor():
        if n_censor[j] <= 0:
            cen[lower[j]: upper[j]] = 0
            n_censor[j] = 0
        elif upper[j] > lower[j]:
            cen[lower[j]: upper[j]] = spread(j, int(n_censor[j]), upper[j])

    set_last_censor()
    events_pass(j, upper[j], clamp=True)
    if total_events is not None:
        sumdL = d[: upper[j - 1] + 1].sum() if n_int > 1 else 0.0
        if n_int > 1 and sumdL >= total_events:
            d[lower[j]: upper[j] + 1] = 0
            cen[lower[j]: upper[j]] = 0
        else:
            sumd = d[: upper[j] + 1].sum()
            it = 0
            while sumd > total_events or (sumd < total_events and n_censor[j] > 0):
                it += 1
                if it > GUYOT_MAX_ITER:
                    stuck = True
                    break
                n_censor[j] = n_censor[j] + (sumd - total_events)
                set_last_censor()
                events_pass(j, upper[j], clamp="last")
                sumd = d[: upper[j] + 1].sum()
    if stuck:
        notes.append(f"the published iteration did not settle within {GUYOT_MAX_ITER} rounds; stopped there.")
    # ---- IPD: events at the digitized times, censoring at the midpoints between them
    N = int(c[0])
    d_int = np.maximum(d, 0).astype(np.int64)
    cen_int = np.maximum(cen[:-1], 0).astype(np.int64)
    ev = np.repeat(TS, d_int)
    ce = np.repeat(0.5 * (TS[:-1] + TS[1:]), cen_int)
    ev, ce = ev[:N], ce[: max(N - ev.size, 0)]
    rest = N - ev.size - ce.size
    time = np.concatenate((ev, ce, np.full(rest, TS[-1])))
    event = np.concatenate((np.ones(ev.size, np.int64), np.zeros(ce.size + rest, np.int64)))
    return time, event, notes


# =========================================================================== results
@dataclass(frozen=True, eq=False, repr=False)
class ArmReconstruction:
    """Reconstructed patients of one arm, with the fidelity of the reconstruction.

    Attributes
    ----------
    label : str or None
        Arm name.
    time, event : ndarray
        One entry per patient (event 1, censored 0), sorted by time.
    curve : CleanCurve
        The cleaned digitized curve used.
    at_risk_time, at_risk_published, at_risk_reconstructed : ndarray
        The risk table and the reconstructed numbers at risk at its times.
    events_published : int or None
        Total events given as input.
    rmse, mean_abs_error, max_abs_error : float
        Reconstructed Kaplan–Meier curve against the cleaned digitized points.
    method : str
    notes : tuple of str
        Assumptions made and constraints that could not be met.
    """

    label: str | None
    time: np.ndarray
    event: np.ndarray
    curve: CleanCurve
    at_risk_time: np.ndarray
    at_risk_published: np.ndarray
    at_risk_reconstructed: np.ndarray
    events_published: int | None
    rmse: float
    mean_abs_error: float
    max_abs_error: float
    method: str = "exact"
    notes: tuple = ()
    at_risk_given: bool = True

    @property
    def n(self) -> int:
        """Number of reconstructed patients."""
        return int(self.time.size)

    @property
    def events(self) -> int:
        """Number of reconstructed events."""
        return int(self.event.sum())

    def to_frame(self) -> pd.DataFrame:
        """The reconstructed patients: ``time``, ``event`` (and ``arm`` when labelled)."""
        df = pd.DataFrame({"time": self.time, "event": self.event})
        if self.label is not None:
            df["arm"] = self.label
        return df

    def at_risk_frame(self) -> pd.DataFrame:
        """Published against reconstructed numbers at risk."""
        return pd.DataFrame(
            {
                "time": self.at_risk_time,
                "published": self.at_risk_published,
                "reconstructed": self.at_risk_reconstructed,
            }
        )

    def fidelity(self) -> dict:
        """Fidelity measures as a JSON-ready dictionary."""
        return {
            "arm": self.label,
            "method": self.method,
            "n_patients": self.n,
            "events_reconstructed": self.events,
            "events_published": self.events_published,
            "n_points_digitized": self.curve.n_input,
            "n_points_cleaned": int(self.curve.time.size),
            "rmse": self.rmse,
            "mean_abs_error": self.mean_abs_error,
            "max_abs_error": self.max_abs_error,
            "at_risk_source": "published" if self.at_risk_given else "n only",
            "at_risk": [
                {"time": float(t), "published": int(p), "reconstructed": int(r)}
                for t, p, r in zip(self.at_risk_time, self.at_risk_published, self.at_risk_reconstructed)
            ],
            "at_risk_max_abs_difference": int(
                np.max(np.abs(self.at_risk_published - self.at_risk_reconstructed), initial=0)
            ),
            "cleaning": list(self.curve.actions),
            "notes": list(self.notes),
        }

    def __repr__(self) -> str:
        name = f" {self.label!r}" if self.label is not None else ""
        return (
            f"ArmReconstruction{name}: n={self.n}, events={self.events}, method={self.method!r}, "
            f"RMSE={self.rmse:.4f}, max |error|={self.max_abs_error:.4f}"
        )

    def _repr_html_(self) -> str:
        return f"<p><code>{self!r}</code></p>" + self.at_risk_frame()._repr_html_()


@dataclass(frozen=True, eq=False, repr=False)
class Reconstruction:
    """Reconstructed patients of every arm of a figure."""

    arms: dict = field(default_factory=dict)
    method: str = "auto"

    def to_frame(self) -> pd.DataFrame:
        """All patients: ``time``, ``event`` and ``arm`` when the input had arms."""
        return pd.concat([a.to_frame() for a in self.arms.values()], ignore_index=True)

    def fidelity_frame(self) -> pd.DataFrame:
        """One row per arm: patients, events, RMSE, mean and max absolute error, at-risk match."""
        rows = []
        for a in self.arms.values():
            f = a.fidelity()
            rows.append(
                {k: f[k] for k in ("arm", "n_patients", "events_reconstructed", "events_published",
                                   "rmse", "mean_abs_error", "max_abs_error", "at_risk_max_abs_difference")}
                | {"n_cleaning_actions": len(f["cleaning"])}
            )
        return pd.DataFrame(rows)

    def fidelity(self) -> dict:
        """JSON-ready fidelity of every arm."""
        return {"method": self.method, "arms": [a.fidelity() for a in self.arms.values()]}

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}: n={a.n}, events={a.events}" for k, a in self.arms.items())
        return f"Reconstruction ({self.method}): {parts}"

    def _repr_html_(self) -> str:
        return f"<p><code>{self!r}</code></p>" + self.fidelity_frame()._repr_html_()


def _km_survival_at(times, events, at):
    """Kaplan–Meier survival of sorted ``(times, events)`` at ``at`` (right-continuous).

    The same product-limit values as :func:`survrepro.engine.km.kaplan_meier` without its
    variance and confidence band, which the fidelity measures do not need.
    """
    if times.size == 0:
        return np.ones(np.shape(at))
    last = np.concatenate((times[1:] != times[:-1], [True]))
    uniq = times[last]
    total = np.diff(np.concatenate(([0], np.flatnonzero(last) + 1)))
    n_event = np.bincount(np.cumsum(np.concatenate(([0], last[:-1]))), weights=events, minlength=uniq.size)
    n_risk = times.size - np.concatenate(([0], np.cumsum(total)[:-1]))
    survival = np.cumprod(1.0 - n_event / n_risk)
    i = np.searchsorted(uniq, at, side="right") - 1
    return np.where(i >= 0, survival[np.maximum(i, 0)], 1.0)


# =========================================================================== entry points
def reconstruct_arm(
    time,
    survival,
    at_risk_time=None,
    at_risk=None,
    *,
    n: int | None = None,
    total_events: int | None = None,
    method: str = "auto",
    scale: str = "auto",
    convert_cumulative: bool = False,
    label: str | None = None,
    rows=None,
    where: str = "curve",
    table_where: str = "risk table",
) -> ArmReconstruction:
    """Reconstruct the patients of one arm from its digitized curve.

    Parameters
    ----------
    time, survival : array_like
        Digitized clicks (cleaned by :func:`clean_curve`).
    at_risk_time, at_risk : array_like, optional
        Published numbers at risk and their times (the first at time 0, unless ``n``
        is given). Without them ``n`` is required.
    n : int, optional
        Number of patients; the first number at risk when a table is given.
    total_events : int, optional
        Published number of events of the arm; sets the censoring after the last
        table time.
    method : {"auto", "dp", "exact", "guyot"}
        ``"dp"``: integer events and censorings by dynamic programming over the drops
        (numbers at risk inferred from the drops' depths; see the module notes);
        ``"exact"``: closed-form solution per interval; ``"auto"`` (the default):
        ``"dp"`` for arms of at most :data:`DP_AUTO_MAX_N` patients, ``"exact"`` above
        (the choice that wins the accuracy benchmark at the cost of the dp's time on
        large arms); ``"guyot"``: the published algorithm of Guyot et al. (2012). The
        method used is stored on the result.
    scale, convert_cumulative, rows, where :
        Passed to :func:`clean_curve`.
    label : str, optional
        Arm name.
    table_where : str
        Name of the risk-table source used in messages.

    Returns
    -------
    ArmReconstruction
        Exactly ``n`` patients (the first number at risk).

    References
    ----------
    Guyot P, Ades AE, Ouwens MJNM, Welton NJ. BMC Med Res Methodol 2012;12:9.

    Examples
    --------
    >>> t = [0, 2, 2, 5, 5, 8]
    >>> s = [1, 1, 0.9, 0.9, 0.7, 0.7]
    >>> arm = reconstruct_arm(t, s, [0, 4], [10, 9])
    >>> arm.n, arm.events, arm.at_risk_reconstructed.tolist()
    (10, 3, [10, 9])
    """
    check_choice("method", method, METHODS)
    curve = clean_curve(
        time, survival, scale=scale, convert_cumulative=convert_cumulative, rows=rows, where=where, label=label
    )
    return _reconstruct_clean(
        curve, at_risk_time, at_risk, n=n, total_events=total_events, method=method, table_where=table_where
    )


def _reconstruct_clean(curve, at_risk_time, at_risk, *, n, total_events, method, table_where):
    given = at_risk is not None and len(np.atleast_1d(at_risk)) > 0
    if not given and n is None:
        raise InputError(f"{table_where}: no numbers at risk given; expected a risk table or the number of patients n.")
    if n is not None and (int(n) != n or n < 1):
        raise InputError(f"n must be a whole number >= 1; got {n!r}.")
    a, c = _check_table(
        at_risk_time if given else [], at_risk if given else [], table_where, None if n is None else int(n)
    )
    if total_events is not None and (int(total_events) != total_events or total_events < 0):
        raise InputError(f"total events must be a whole number >= 0; got {total_events!r}.")
    t, s = curve.time, curve.survival
    actions = list(curve.actions)
    # risk-table times beyond the curve: flat to the last with patients still at risk
    positive = a[c > 0]
    if positive.size and positive[-1] > t[-1]:
        if s[-1] <= 0:
            raise InputError(
                f"{table_where}: {int(c[c > 0][-1])} at risk at time {positive[-1]:g}, after the curve "
                f"reached 0 at time {t[-1]:g}; expected no one at risk then."
            )
        actions.append(
            f"the risk table goes to time {positive[-1]:g}, beyond the last digitized point "
            f"({t[-1]:g}); the curve is taken as flat to {positive[-1]:g} (no deaths there)."
        )
        t = np.concatenate((t, [positive[-1]]))
        s = np.concatenate((s, [s[-1]]))
        curve = CleanCurve(
            time=t, survival=s, rows=np.concatenate((curve.rows, [0])), actions=tuple(actions),
            scale=curve.scale, n_input=curve.n_input, label=curve.label,
        )
    # table rows after the curve's end with no one at risk add nothing
    tol_t = TIME_TOLERANCE * float(t[-1])
    used = method
    if method == "auto":
        used = "dp" if c[0] <= DP_AUTO_MAX_N else "exact"
    if used == "dp":
        out = _dp(t, s, a, c, total_events, tol_t)
        if out is None:
            used = "exact"
            pre = [
                f"{int(c[0])} patients and {t.size} points are beyond the size of the dp method; "
                f"the exact method was used."
            ]
        else:
            times, events, notes = out
    if used == "exact":
        times, events, notes = _exact(t, s, a, c, total_events, tol_t)
        if method == "dp":
            notes = pre + notes
    elif used == "guyot":
        times, events, notes = _guyot(t, s, a, c, total_events)
    order = np.lexsort((1 - events, times))
    times, events = times[order], events[order]
    err = _km_survival_at(times, events, t) - s
    ae = np.abs(err)
    d = times.size - np.searchsorted(times, a, side="left")  # #{time >= a}, times sorted
    return ArmReconstruction(
        label=curve.label,
        time=times,
        event=events,
        curve=curve,
        at_risk_time=a,
        at_risk_published=c,
        at_risk_reconstructed=np.asarray(d, dtype=np.int64),
        events_published=None if total_events is None else int(total_events),
        rmse=float(np.sqrt(np.mean(err**2))),
        mean_abs_error=float(ae.mean()),
        max_abs_error=float(ae.max()),
        method=used,
        notes=tuple(notes),
        at_risk_given=given,
    )


def reconstruct(
    curve: pd.DataFrame,
    at_risk: pd.DataFrame | None = None,
    *,
    n=None,
    total_events: int | None = None,
    events_by_arm: dict | None = None,
    method: str = "auto",
    scale: str = "auto",
    convert_cumulative: bool = False,
    curve_source: str = "curve",
    at_risk_source: str = "risk table",
) -> Reconstruction:
    """Reconstruct patients of every arm of a digitized figure.

    Parameters
    ----------
    curve : DataFrame
        Columns ``time``, ``survival`` and optionally ``arm``. When its index is named
        ``"row"`` (as from :func:`survrepro.io.read_digitized_curve`) messages cite it.
    at_risk : DataFrame, optional
        Columns ``time``, ``n_at_risk`` and ``arm`` when ``curve`` has arms.
    n : int or dict, optional
        Number of patients (per arm as ``{arm: n}``); required without ``at_risk``.
    total_events : int, optional
        Events of a single-arm curve.
    events_by_arm : dict, optional
        Events per arm, ``{arm: events}``.
    method, scale, convert_cumulative :
        See :func:`reconstruct_arm`.
    curve_source, at_risk_source : str
        Names of the inputs used in messages (file names).

    Returns
    -------
    Reconstruction
    """
    check_choice("method", method, METHODS)
    check_choice("scale", scale, SCALES)
    has_arm = "arm" in curve.columns
    rows_all = curve.index.to_numpy() if curve.index.name == "row" else np.arange(1, len(curve) + 1)
    if has_arm:
        labels = natural_order(curve["arm"].astype(str).unique())
    else:
        labels = [None]
    if total_events is not None and events_by_arm is not None:
        raise InputError("give either the total events or the events by arm, not both.")
    if total_events is not None and has_arm and len(labels) > 1:
        raise InputError(
            f"{curve_source}: total events apply to a single-arm curve but the curve has arms "
            f"{', '.join(labels)}; give the events by arm instead."
        )
    if at_risk is not None:
        t_arm = "arm" in at_risk.columns
        if has_arm and not t_arm:
            raise InputError(f"{at_risk_source}: missing column 'arm'; expected one since {curve_source} has arms.")
        if t_arm and not has_arm:
            raise InputError(f"{at_risk_source}: has column 'arm' but {curve_source} has none; expected the same arms.")
        if has_arm:
            tab_arms = at_risk["arm"].astype(str)
            extra = [x for x in natural_order(tab_arms.unique()) if x not in labels]
            if extra:
                r = at_risk.index[np.flatnonzero((tab_arms == extra[0]).to_numpy())[0]]
                r = r if at_risk.index.name == "row" else int(np.flatnonzero((tab_arms == extra[0]).to_numpy())[0]) + 1
                raise InputError(
                    f"{at_risk_source}: row {r}, arm {extra[0]!r} has no curve in {curve_source} "
                    f"(arms there: {', '.join(labels)})."
                )
            missing = [x for x in labels if x not in set(tab_arms)]
            if missing:
                raise InputError(
                    f"{at_risk_source}: no numbers at risk for arm {missing[0]!r} of {curve_source}; "
                    f"expected rows for arms {', '.join(labels)}."
                )
    n_by = _per_arm(n, labels, "n")
    ev_by = _per_arm(events_by_arm if events_by_arm is not None else total_events, labels, "events")
    arms = {}
    for lab in labels:
        mask = np.ones(len(curve), bool) if lab is None else (curve["arm"].astype(str) == lab).to_numpy()
        sub = curve.loc[mask]
        cc = clean_curve(
            sub["time"].to_numpy(float), sub["survival"].to_numpy(float), scale=scale,
            convert_cumulative=convert_cumulative, rows=rows_all[mask], where=curve_source, label=lab,
        )
        if at_risk is not None:
            tab = at_risk if lab is None else at_risk.loc[(at_risk["arm"].astype(str) == lab).to_numpy()]
            tab_rows = tab.index.to_numpy() if at_risk.index.name == "row" else None
            where = at_risk_source if lab is None else f"{at_risk_source} (arm {lab})"
            if tab_rows is not None and tab_rows.size:
                where += f", rows {tab_rows[0]}-{tab_rows[-1]}"
            a_t, a_n = tab["time"].to_numpy(float), tab["n_at_risk"].to_numpy(float)
        else:
            where, a_t, a_n = at_risk_source, None, None
        arms[lab if lab is not None else None] = _reconstruct_clean(
            cc, a_t, a_n, n=n_by.get(lab), total_events=ev_by.get(lab), method=method, table_where=where
        )
    return Reconstruction(arms=arms, method=method)


def _per_arm(value, labels, what):
    """Expand a scalar or ``{arm: value}`` into a dict keyed by the arm labels."""
    if value is None:
        return {}
    if isinstance(value, dict):
        value = {str(k): v for k, v in value.items()}
        unknown = [k for k in value if k not in labels]
        if unknown:
            raise InputError(
                f"{what} given for arm {unknown[0]!r}, which is not in the curve (arms: "
                f"{', '.join(str(x) for x in labels)})."
            )
        return {lab: value[lab] for lab in labels if lab in value}
    if len(labels) > 1:
        raise InputError(
            f"a single {what} was given but the curve has arms {', '.join(labels)}; expected one per arm (ARM=VALUE,...)."
        )
    return {labels[0]: value}
