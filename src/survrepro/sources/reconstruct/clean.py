"""Cleaning of digitized Kaplan–Meier clicks: :class:`CleanCurve` and :func:`clean_curve`.

Raw digitizer clicks become a non-increasing curve that starts at (0, 1). The cleaning is
a sequence of named steps, run in this order, each of which reports in one sentence what
it changed (nothing when the clicks needed nothing):

1. :func:`_read_scale`: percent read as a fraction; values above 1 (below 0) by more than
   the digitizing noise refused.
2. :func:`_start_at_time_zero`: times slightly below 0 moved to 0, clearly negative ones
   dropped.
3. :func:`_sort_by_time`: clicks sorted by time.
4. :func:`_read_cumulative`: a rising (cumulative-incidence) curve refused, or converted
   with 1 − F when asked.
5. :func:`_corners_top_first`: clicks sharing an instant (within the time noise) ordered
   from top to bottom, the two corners of a drop.
6. :func:`_remove_spikes`: a reversed pair of corners swapped, isolated spikes removed.
7. :func:`_clip_to_unit`: survival clipped to [0, 1].
8. :func:`_make_non_increasing`: isotonic regression, the least-squares non-increasing fit.
9. :func:`_merge_shared_times`: points sharing a time merged, keeping the value after the drop.
10. :func:`_stop_at_zero`: points after the curve first reaches 0 dropped.
11. :func:`_start_at_one`: the curve starts at (0, 1).

References
----------
Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival
data: reconstructing the data from published Kaplan-Meier survival curves.
BMC Medical Research Methodology 2012;12:9. doi:10.1186/1471-2288-12-9 (the cleaning
its digitizing guidance asks for: a non-increasing curve through the clicked corners).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import isotonic_regression

from survrepro._validation import InputError, check_choice
from survrepro.options import CURVE_SCALES as SCALES

__all__ = ["CleanCurve", "clean_curve", "estimate_resolution"]

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
    label : str or None
        Arm name.
    time_resolution, survival_resolution : float
        The digitizing noise estimated from the clicks (standard deviations; see
        :func:`estimate_resolution`).
    """

    time: np.ndarray
    survival: np.ndarray
    rows: np.ndarray
    actions: tuple = ()
    scale: str = "fraction"
    n_input: int = 0
    label: str | None = None
    time_resolution: float = 0.0
    survival_resolution: float = 0.0

    def to_frame(self) -> pd.DataFrame:
        """The cleaned points, one row each (``time``, ``survival``, ``input_row``)."""
        return pd.DataFrame({"time": self.time, "survival": self.survival, "input_row": self.rows})

    def extended_flat_to(self, time: float, action: str) -> "CleanCurve":
        """The curve with one more point, at ``time`` and the last level, and ``action`` reported.

        Parameters
        ----------
        time : float
            Time of the new point, after the last one.
        action : str
            The sentence added to ``actions`` (why the curve was extended).

        Returns
        -------
        CleanCurve
            A new curve; this one is unchanged.

        Examples
        --------
        >>> curve = clean_curve([0, 2, 2, 5, 5, 8], [1, 1, 0.9, 0.9, 0.7, 0.7])
        >>> longer = curve.extended_flat_to(10.0, "extended flat to 10")
        >>> longer.time.tolist(), longer.survival.tolist()
        ([0.0, 2.0, 5.0, 8.0, 10.0], [1.0, 0.9, 0.7, 0.7, 0.7])
        >>> longer.actions[-1]
        'extended flat to 10'
        """
        return CleanCurve(
            time=np.concatenate((self.time, [time])),
            survival=np.concatenate((self.survival, [self.survival[-1]])),
            rows=np.concatenate((self.rows, [0])),
            actions=self.actions + (action,),
            scale=self.scale,
            n_input=self.n_input,
            label=self.label,
            time_resolution=self.time_resolution,
            survival_resolution=self.survival_resolution,
        )

    def without_last_point(self, action: str) -> "CleanCurve":
        """The curve without its last point, and ``action`` reported.

        Parameters
        ----------
        action : str
            The sentence added to ``actions`` (why the point was dropped).

        Returns
        -------
        CleanCurve
            A new curve; this one is unchanged.

        Examples
        --------
        >>> curve = clean_curve([0, 2, 2, 5, 5], [1, 1, 0.9, 0.9, 0.0])
        >>> curve.without_last_point("zero dropped").survival.tolist()
        [1.0, 0.9]
        """
        return CleanCurve(
            time=self.time[:-1], survival=self.survival[:-1], rows=self.rows[:-1],
            actions=self.actions + (action,), scale=self.scale, n_input=self.n_input, label=self.label,
            time_resolution=self.time_resolution, survival_resolution=self.survival_resolution,
        )

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
    exceeds 1.5, or forced with ``scale``); move times slightly below 0 to 0 and drop
    clearly negative ones; sort clicks by time; recognise a rising
    (cumulative-incidence) curve and convert it with 1 − F when ``convert_cumulative``
    is true; order clicks sharing an instant (within the time noise) from top to
    bottom; remove isolated spikes; clip survival to [0, 1]; enforce a non-increasing
    curve (isotonic regression, the least-squares fit); merge points sharing a time
    (keeping the value after the drop); drop points after the curve first reaches 0;
    start the curve at (0, 1).

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

    References
    ----------
    Guyot P, Ades AE, Ouwens MJNM, Welton NJ. BMC Med Res Methodol 2012;12:9.

    Examples
    --------
    >>> c = clean_curve([0, 5, 3, 10], [100, 80, 90, 60])
    >>> c.survival.tolist()
    [1.0, 0.9, 0.8, 0.6]
    >>> len(c.actions)
    2
    """
    check_choice("scale", scale, SCALES)
    where_arm = f"{where} (arm {label})" if label is not None else where
    clicks = _read_clicks(time, survival, rows, where, where_arm)
    n_input = clicks.time.size
    used = _read_scale(clicks, scale, where)
    span = _start_at_time_zero(clicks, where_arm)
    _sort_by_time(clicks)
    _read_cumulative(clicks, convert_cumulative, where_arm)
    _corners_top_first(clicks, TIME_TOLERANCE * span)
    res_t, res_s = estimate_resolution(clicks.time, clicks.survival, TIME_TOLERANCE * span)
    _remove_spikes(clicks)
    _clip_to_unit(clicks)
    _make_non_increasing(clicks)
    _merge_shared_times(clicks)
    _stop_at_zero(clicks)
    _start_at_one(clicks)
    return CleanCurve(
        time=clicks.time, survival=clicks.survival, rows=clicks.rows, actions=tuple(clicks.actions),
        scale=used, n_input=n_input, label=label, time_resolution=res_t, survival_resolution=res_s,
    )


#: Digitizing noise (sd) on survival assumed when the clicks do not show it (fewer than
#: :data:`RESOLUTION_MIN_PAIRS` flat stretches); also the least noise ever estimated is
#: a tenth of it.
DEFAULT_SURVIVAL_RESOLUTION = 0.003
#: Digitizing noise (sd) on time, as a fraction of the time axis, assumed when the clicks
#: do not show it.
DEFAULT_TIME_RESOLUTION = 0.002
#: Pairs of clicks needed to estimate a resolution from them.
RESOLUTION_MIN_PAIRS = 8


def estimate_resolution(time, survival, tol_t: float) -> tuple[float, float]:
    """Digitizing noise (time sd, survival sd) estimated from clicks sorted by time.

    A careful digitizer clicks both corners of every drop. Two consecutive clicks within
    ``tol_t`` of each other in time are the corners of one drop: they share a true time,
    so their time difference is the time noise times sqrt 2. Two consecutive clicks
    further apart lie on one flat stretch of the step curve (the lower corner of a drop
    and the upper corner of the next): their survival difference is the survival noise
    times sqrt 2. Each sd is read from the median absolute difference (robust to the
    odd real drop clicked at one corner only). With fewer than
    :data:`RESOLUTION_MIN_PAIRS` pairs of a kind, the default (sd 0.003 on survival,
    0.2% of the time axis on time) is used; survival sd is kept within 0.0003 and 0.03.

    Parameters
    ----------
    time, survival : array_like
        Clicks sorted by time (corners of a drop top first).
    tol_t : float
        Clicks closer than this in time are one instant.

    Returns
    -------
    tuple of float
        ``(time_sd, survival_sd)``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> t = np.repeat(np.arange(1.0, 41.0), 2) + rng.normal(0, 0.1, 80)  # both corners of 40 drops
    >>> s = np.concatenate(([1.0], np.repeat(1 - np.arange(1, 40) / 50, 2), [0.2])) + rng.normal(0, 0.003, 80)
    >>> res_t, res_s = estimate_resolution(t, s, 0.4)  # corners already in time order, top first
    >>> 0.05 < res_t < 0.2, 0.0015 < res_s < 0.006
    (True, True)
    """
    t = np.asarray(time, dtype=float)
    s = np.asarray(survival, dtype=float)
    span = float(t.max()) if t.size else 1.0
    dt, ds = np.diff(t), np.diff(s)
    corner = dt <= tol_t
    k = 0.6745 * np.sqrt(2.0)  # median |X - Y| of two N(0, sd) draws, in sd
    res_t = DEFAULT_TIME_RESOLUTION * span
    if np.sum(corner) >= RESOLUTION_MIN_PAIRS:
        res_t = float(np.clip(_median(np.abs(dt[corner])) / k, 1e-4 * span, tol_t))
    res_s = DEFAULT_SURVIVAL_RESOLUTION
    flat = ~corner
    if np.sum(flat) >= RESOLUTION_MIN_PAIRS:
        d = ds[flat]
        mad = _median(np.abs(d - _median(d)))
        res_s = float(np.clip(mad / 0.6745 / np.sqrt(2.0), DEFAULT_SURVIVAL_RESOLUTION / 10, 0.03))
    return res_t, res_s


# --------------------------------------------------------------------------- the clicks being cleaned
@dataclass(eq=False)
class _Clicks:
    """The clicks as cleaned so far: times, survival, input rows and the actions reported."""

    time: np.ndarray
    survival: np.ndarray
    rows: np.ndarray
    actions: list

    def keep(self, mask: np.ndarray) -> None:
        """Keep the clicks where ``mask`` holds (a boolean mask or a slice)."""
        self.time, self.survival, self.rows = self.time[mask], self.survival[mask], self.rows[mask]

    def reorder(self, order: np.ndarray) -> None:
        """Put the clicks in ``order`` (times included)."""
        self.keep(order)


def _rows_text(rows, limit: int = 5) -> str:
    """``row 3`` or ``rows 3, 5, 8 and 2 more``: the input rows a cleaning action touched."""
    count = len(rows)
    head = ", ".join(str(int(r)) for r in rows[:limit])
    more = f" and {count - limit} more" if count > limit else ""
    return ("row " if count == 1 else "rows ") + head + more


def _median(x: np.ndarray) -> float:
    """Median of a short array (``numpy.median`` without its overhead)."""
    p = np.sort(x)
    k = p.size
    return float(p[k // 2]) if k % 2 else float(0.5 * (p[k // 2 - 1] + p[k // 2]))


# --------------------------------------------------------------------------- the steps, in order
def _read_clicks(time, survival, rows, where: str, where_arm: str) -> _Clicks:
    """The clicks as float arrays with their input rows; at least 2, every value finite."""
    t = np.asarray(time, dtype=float).ravel()
    s = np.asarray(survival, dtype=float).ravel()
    n_input = t.size
    rows = np.arange(1, n_input + 1) if rows is None else np.asarray(rows, dtype=int).ravel()
    if s.size != n_input or rows.size != n_input:
        raise InputError(f"{where_arm}: times, survival values and rows differ in length.")
    if n_input < 2:
        raise InputError(
            f"{where_arm}: {n_input} digitized point(s); expected at least 2 clicks on the curve."
        )
    for name, v in (("time", t), ("survival", s)):
        bad = np.flatnonzero(~np.isfinite(v))
        if bad.size:
            i = int(bad[0])
            raise InputError(f"{where}: row {rows[i]}, {name} is {v[i]!r}; expected a finite number.")
    return _Clicks(t, s, rows, [])


def _read_scale(clicks: _Clicks, scale: str, where: str) -> str:
    """Read percent as a fraction (``auto``: when the largest value exceeds 1.5); refuse
    values outside [0, 1] by more than :data:`SURVIVAL_TOLERANCE`. Returns the scale used."""
    s, rows = clicks.survival, clicks.rows
    top = float(s.max())
    used = scale if scale != "auto" else ("percent" if top > 1.5 else "fraction")
    if used == "percent":
        s = s / 100.0
        if scale == "auto":
            clicks.actions.append(
                f"survival read as percent (largest value {top:g} > 1.5) and divided by 100."
            )
    shown = 100 if used == "percent" else 1  # values are quoted as read
    over = np.flatnonzero(s > 1.0 + SURVIVAL_TOLERANCE)
    if over.size:
        i = int(over[np.argmax(s[over])])
        unit = "percent" if used == "percent" else "a fraction"
        limit = "102" if used == "percent" else f"{1 + SURVIVAL_TOLERANCE:g}"
        hint = "" if used == "percent" else "; if it is in percent use --scale percent"
        raise InputError(
            f"{where}: row {rows[i]}, survival {s[i] * shown:g} is above "
            f"1 by more than digitizing noise (read as {unit}, limit {limit}){hint}."
        )
    under = np.flatnonzero(s < -SURVIVAL_TOLERANCE)
    if under.size:
        i = int(under[0])
        raise InputError(
            f"{where}: row {rows[i]}, survival {s[i] * shown:g} is below 0 "
            f"by more than digitizing noise; expected a value in [0, 1] (or [0, 100] in percent)."
        )
    clicks.survival = s
    return used


def _start_at_time_zero(clicks: _Clicks, where_arm: str) -> float:
    """Move times within :data:`NUDGE_TOLERANCE` of the axis below 0 to 0 and drop earlier
    ones. Returns the span of the time axis (the largest time)."""
    t, rows = clicks.time, clicks.rows
    span = float(t.max())
    if span <= 0:
        raise InputError(f"{where_arm}: every time is <= 0; expected a curve over positive times.")
    neg = t < 0
    if not neg.any():
        return span
    nudge = neg & (t >= -NUDGE_TOLERANCE * span)
    drop = neg & ~nudge
    if nudge.any():
        clicks.actions.append(
            f"{nudge.sum()} point(s) slightly before time 0 moved to 0 ({_rows_text(rows[nudge])})."
        )
        clicks.time = np.where(nudge, 0.0, t)
    if drop.any():
        clicks.actions.append(f"{drop.sum()} point(s) before time 0 dropped ({_rows_text(rows[drop])}).")
        clicks.keep(~drop)
    if clicks.time.size < 2:
        raise InputError(f"{where_arm}: fewer than 2 points at times >= 0; expected a curve.")
    return span


def _sort_by_time(clicks: _Clicks) -> None:
    """Sort the clicks by time (stable: clicks at one time keep their order)."""
    t = clicks.time
    if not np.any(t[1:] < t[:-1]):
        return
    late = t < np.maximum.accumulate(t)
    late_rows = clicks.rows[late]
    clicks.reorder(np.argsort(t, kind="stable"))
    clicks.actions.append(
        f"clicks sorted by time: {late.sum()} came after a click at a later time "
        f"({_rows_text(late_rows)})."
    )


def _read_cumulative(clicks: _Clicks, convert: bool, where_arm: str) -> None:
    """A curve rising by more than :data:`RISE_THRESHOLD` (medians of its first and last
    tenths) is a cumulative incidence F: converted with 1 − F when ``convert``, else refused."""
    s, rows = clicks.survival, clicks.rows
    k = max(1, s.size // 10)
    start, end = _median(s[:k]), _median(s[-k:])
    if end - start > RISE_THRESHOLD:
        if not convert:
            raise InputError(
                f"{where_arm}: the curve rises from {start:.3g} ({_rows_text(rows[:1])}) to "
                f"{end:.3g} ({_rows_text(rows[-1:])}), so it looks like a cumulative-incidence "
                f"(failure) curve; convert it with 1 - F (--convert-cumulative) or check the file."
            )
        clicks.survival = 1.0 - s
        clicks.actions.append(
            f"rising curve (from {start:.3g} to {end:.3g}) read as cumulative incidence and converted with 1 - F."
        )
    elif convert:
        clicks.actions.append("conversion with 1 - F requested but the curve does not rise; left as survival.")


def _corners_top_first(clicks: _Clicks, tol_t: float) -> None:
    """Order clicks within ``tol_t`` of each other in time from top to bottom (the upper
    corner of a drop before the lower one); their times stay where they are."""
    t = clicks.time
    if t.size <= 1:
        return
    group = np.concatenate(([0], np.cumsum(np.diff(t) > tol_t)))
    order = np.lexsort((-clicks.survival, group))
    if np.any(order != np.arange(t.size)):
        moved = int(np.sum(order != np.arange(t.size)))
        clicks.survival, clicks.rows = clicks.survival[order], clicks.rows[order]
        clicks.actions.append(
            f"{moved} clicks within {TIME_TOLERANCE:.1%} of the time axis of each other reordered "
            f"from top to bottom (the two corners of a drop)."
        )


def _remove_spikes(clicks: _Clicks) -> None:
    """Remove clicks more than :data:`SPIKE_TOLERANCE` above or below both neighbours; two
    adjacent such clicks in the wrong order are the corners of one drop clicked in reverse,
    and are swapped instead."""
    s = clicks.survival
    if s.size < 3:
        return
    prev = np.concatenate(([np.inf], s[:-1]))
    nxt = np.concatenate((s[1:], [-np.inf]))
    up = (s - prev > SPIKE_TOLERANCE) & (s - np.where(np.isfinite(nxt), nxt, s - 1) > SPIKE_TOLERANCE)
    up[-1] = s[-1] - s[-2] > SPIKE_TOLERANCE
    down = (nxt - s > SPIKE_TOLERANCE) & (np.where(np.isfinite(prev), prev, s + 1) - s > SPIKE_TOLERANCE)
    down[0] = s[1] - s[0] > SPIKE_TOLERANCE
    spike = up | down
    pair = np.flatnonzero(spike[1:] & spike[:-1] & (s[1:] > s[:-1]))
    pair = pair[np.concatenate(([True], np.diff(pair) > 1))] if pair.size else pair
    if pair.size:
        s = s.copy()
        s[pair], s[pair + 1] = s[pair + 1], s[pair].copy()
        rows = clicks.rows.copy()
        rows[pair], rows[pair + 1] = rows[pair + 1], rows[pair].copy()
        clicks.survival, clicks.rows = s, rows
        spike[pair] = False
        spike[pair + 1] = False
        clicks.actions.append(
            f"{pair.size} pair(s) of clicks in reverse order swapped ({_rows_text(rows[pair])}): "
            f"the lower corner of a drop came first."
        )
    if spike.any():
        clicks.actions.append(
            f"{spike.sum()} isolated spike(s) removed ({_rows_text(clicks.rows[spike])}): each lay more than "
            f"{SPIKE_TOLERANCE:g} above or below both neighbours."
        )
        clicks.keep(~spike)


def _clip_to_unit(clicks: _Clicks) -> None:
    """Clip survival to [0, 1] (values outside by more than the noise were refused before)."""
    s = clicks.survival
    out = (s > 1.0) | (s < 0.0)
    if out.any():
        clicks.actions.append(
            f"{out.sum()} survival value(s) outside [0, 1] by digitizing noise clipped ({_rows_text(clicks.rows[out])})."
        )
        clicks.survival = np.clip(s, 0.0, 1.0)


def _make_non_increasing(clicks: _Clicks) -> None:
    """Replace a curve that rises anywhere by its isotonic (least-squares non-increasing) fit."""
    s = clicks.survival
    if not np.any(s[1:] > s[:-1]):
        return
    fitted = isotonic_regression(s, increasing=False).x
    change = np.abs(fitted - s)
    clicks.actions.append(
        f"{int(np.sum(change > 1e-12))} point(s) adjusted to keep the curve non-increasing "
        f"(isotonic fit; largest change {change.max():.3g})."
    )
    clicks.survival = np.asarray(fitted, dtype=float)


def _merge_shared_times(clicks: _Clicks) -> None:
    """Merge points sharing a time into one, keeping the value after the drop (the last, lowest)."""
    t = clicks.time
    dup = np.concatenate((t[1:] == t[:-1], [False]))
    if dup.any():
        clicks.actions.append(
            f"{dup.sum()} point(s) sharing a time with the next merged, keeping the survival after the drop."
        )
        clicks.keep(~dup)


def _stop_at_zero(clicks: _Clicks) -> None:
    """Drop the points after the curve first reaches 0."""
    s = clicks.survival
    zero = np.flatnonzero(s <= 0.0)
    if zero.size and zero[0] < s.size - 1:
        z = int(zero[0])
        clicks.actions.append(
            f"the curve reaches 0 at time {clicks.time[z]:g}; {s.size - z - 1} later point(s) dropped."
        )
        clicks.keep(slice(None, z + 1))


def _start_at_one(clicks: _Clicks) -> None:
    """Start the curve at (0, 1): set a first value within the noise of 1 at time 0 to 1,
    else add the point (0, 1)."""
    t, s = clicks.time, clicks.survival
    if not (t[0] > 0 or s[0] < 1.0):
        return
    if t[0] == 0 and s[0] >= 1.0 - SURVIVAL_TOLERANCE:
        clicks.actions.append(f"survival at time 0 set to 1 (was {s[0]:.4g}).")
        s = s.copy()
        s[0] = 1.0
        clicks.survival = s
    else:
        clicks.actions.append("point (0, 1) added at the start of the curve.")
        clicks.time = np.concatenate(([0.0], t))
        clicks.survival = np.concatenate(([1.0], s))
        clicks.rows = np.concatenate(([0], clicks.rows))
