"""Medians that hold: the reconstruction's median kept at the digitized curve's 0.5 crossing.

The median of the digitized curve is read on the step curve through the cleaned clicks:
the curve keeps the level of a click until the next drop, and a drop is dated as the
methods date it (:func:`~survrepro.sources.reconstruct.table.drop_times`: the mean time of
its two clicked corners when they lie within the time noise of each other, else the later
click). The median is the time of the first drop to a level of 0.5 or less.

The median of the reconstruction follows R's ``quantile.survfit`` (the first time the
Kaplan–Meier curve reaches 0.5; the middle of a flat stretch exactly at 0.5). Integer
patients make the reconstructed curve sit a little above or below the digitized one: on
a stretch where the digitized curve hovers at 0.5 within the noise, a reconstruction at
0.500167 has its median months after the clicks cross 50%. :func:`hold_median` resolves
such a stretch on the curve's side: it moves one event at a time (at most
:data:`MEDIAN_MAX_MOVES`) to the digitized crossing, until the two medians agree to
within :data:`MEDIAN_TOLERANCE` time-noise sd. A move that would change a number at risk
at a table time is paired with a censoring moved the other way across that table time.
The moves must keep the reconstruction on the clicks: together they may raise the sum of
squared errors at the clicks by at most :data:`MEDIAN_MAX_MISFIT` noise variances. On a
plateau at 0.5 within the noise, moving one patient of a large arm changes the curve by
less than the noise there; in a small arm one patient is a step many times the noise,
the digitized crossing then says where the curve is, not which side of 0.5 the rounding
took, and moving the patient would trade the fit of the curve (and the hazard ratio) for
the median. When no censoring allows a move, a move misfits the clicks, or the medians
still disagree, the patients are left as the method placed them and a note says so.

References
----------
Brookmeyer R, Crowley J. A confidence interval for the median survival time.
Biometrics 1982;38:29-41 (the median of a Kaplan-Meier curve).
"""
from __future__ import annotations

import numpy as np

from survrepro.engine.km import QUANTILE_TOL, km_median, km_survival_at
from survrepro.sources.reconstruct.clean import DEFAULT_SURVIVAL_RESOLUTION
from survrepro.sources.reconstruct.table import drop_times

#: The medians agree when they differ by at most this many time-noise sd.
MEDIAN_TOLERANCE = 3.0
#: Events moved at most to bring the reconstructed median to the digitized crossing.
MEDIAN_MAX_MOVES = 3
#: The moves may raise the sum of squared errors at the clicks by at most this many noise
#: variances (the noise sd taken as at least
#: :data:`~survrepro.sources.reconstruct.clean.DEFAULT_SURVIVAL_RESOLUTION`).
MEDIAN_MAX_MISFIT = 100.0
#: Censored patients tried (nearest first) to pair with an event moved across a table time.
MEDIAN_MAX_CANDIDATES = 200


def digitized_median(t, s, tol_t: float) -> float | None:
    """Time of the first drop of the cleaned curve ``t, s`` to 0.5 or less (``None`` when
    it stays above 0.5); drops dated as the methods date them. As in R's rule, a curve
    that sits at exactly 0.5 (to within :data:`~survrepro.engine.km.QUANTILE_TOL`) has its
    median in the middle of that stretch (to the next drop; not reached when the curve
    ends at 0.5)."""
    below = np.flatnonzero(s[1:] <= 0.5 + QUANTILE_TOL)
    if below.size == 0:
        return None
    k = int(below[0])
    tau = drop_times(t, tol_t)
    if abs(s[k + 1] - 0.5) >= QUANTILE_TOL:
        return float(tau[k])
    lower = np.flatnonzero(s[k + 2:] < 0.5 - QUANTILE_TOL)
    if lower.size == 0:
        return None
    return float(0.5 * (tau[k] + tau[k + 1 + lower[0]]))


def km_steps(times, events):
    """The Kaplan–Meier curve of patients sorted by time: its distinct event times and the
    survival after each (the product-limit values of :func:`survrepro.engine.km.kaplan_meier`)."""
    if times.size == 0:
        return np.empty(0), np.empty(0)
    last = np.empty(times.size, dtype=bool)
    last[:-1] = times[1:] != times[:-1]
    last[-1] = True
    ends = np.flatnonzero(last)
    d = np.diff(np.concatenate(([0], np.cumsum(events)[ends])))
    n_risk = times.size - np.concatenate(([0], ends[:-1] + 1))
    surv = np.cumprod(1.0 - d / n_risk)
    has = d > 0
    return times[ends][has], surv[has]


def steps_at(step_t, step_s, at) -> np.ndarray:
    """A step curve from :func:`km_steps` at times ``at`` (right-continuous, 1 before the first step)."""
    i = np.searchsorted(step_t, at, side="right") - 1
    return np.where(i >= 0, step_s[np.maximum(i, 0)] if step_s.size else 1.0, 1.0)


def reconstructed_median(times, events, steps=None) -> float | None:
    """Kaplan–Meier median of patients sorted by time, ``None`` when not reached; R's rule
    (the first time the curve reaches 0.5; a stretch at exactly 0.5 as
    :func:`survrepro.engine.km.km_median` reads it)."""
    step_t, step_s = km_steps(times, events) if steps is None else steps
    hit = np.flatnonzero(step_s <= 0.5 + QUANTILE_TOL)
    if hit.size == 0:
        return None
    i = int(hit[0])
    if abs(step_s[i] - 0.5) >= QUANTILE_TOL:
        return float(step_t[i])
    return km_median(times, events, conf_int=False).estimate  # a stretch at exactly 0.5: R's rule


def _sorted(times, events):
    order = np.lexsort((1 - events, times))
    return times[order], events[order]


def _counts(times, a):
    """Numbers at risk (time >= a) at the table times ``a``; ``times`` sorted."""
    return times.size - np.searchsorted(times, a, side="left")


def hold_median(times, events, target, a, tolerance: float, notes: list, clicks=None, noise: float = 0.0):
    """Patients with the median of their Kaplan–Meier curve at the digitized crossing.

    ``times, events``: the reconstructed patients (sorted); ``target``: the digitized
    median (:func:`digitized_median`); ``a``: the table times; ``tolerance``: the largest
    difference allowed between the medians; ``clicks``: the cleaned curve ``(t, s)``
    the moves must stay on, and ``noise`` its survival noise sd (see
    :data:`MEDIAN_MAX_MISFIT`; without ``clicks`` the fit is not checked). Returns the
    patients (sorted) and their median, changed only when that brings the medians within
    ``tolerance``; each change is a sentence appended to ``notes``.
    """
    med = reconstructed_median(times, events)
    if target is None or med is None or abs(med - target) <= tolerance:
        return times, events, med
    first = med
    counts = _counts(times, a)
    new_t, new_e = times.copy(), events.copy()
    moved = 0
    misfit = None
    if clicks is not None:
        sd = max(float(noise), DEFAULT_SURVIVAL_RESOLUTION)
        fit0 = _squared_error(times, events, clicks)
    for _ in range(MEDIAN_MAX_MOVES):
        k = _event_to_move(new_t, new_e, med, target, tolerance)
        if k is None:
            break
        trial_t = new_t.copy()
        trial_t[k] = target
        if not np.array_equal(_counts(np.sort(trial_t), a), counts):
            trial_t = _pair_with_censoring(new_t, new_e, k, target, a, counts)
            if trial_t is None:
                break
        trial_t, trial_e = _sorted(trial_t, new_e)
        if clicks is not None:
            loss = (_squared_error(trial_t, trial_e, clicks) - fit0) / sd**2
            if loss > MEDIAN_MAX_MISFIT:
                misfit = loss
                break
        new_t, new_e = trial_t, trial_e
        moved += 1
        med = reconstructed_median(new_t, new_e)
        if med is not None and abs(med - target) <= tolerance:
            notes.append(
                f"the reconstructed median was {first:g} where the digitized curve crosses 0.5 at "
                f"{target:g}; {moved} event(s) moved to {target:g} so that the medians agree (the "
                f"curve hovers at 0.5 within the digitizing noise there)."
            )
            return new_t, new_e, med
    if misfit is not None:
        why = (
            f"moving an event there would take the reconstruction off the clicks (the squared errors "
            f"would rise by {misfit:.0f} noise variances, more than {MEDIAN_MAX_MISFIT:g}), so the patients "
            f"were kept where the curve puts them"
        )
    else:
        why = "no move of an event that keeps the numbers at risk brings them together"
    notes.append(
        f"the reconstructed median ({first:g}) differs from the digitized curve's 0.5 crossing "
        f"({target:g}) by more than the digitizing resolution ({tolerance:.3g}); {why}."
    )
    return times, events, first


def _squared_error(times, events, clicks) -> float:
    """Sum of squared differences between the Kaplan–Meier curve of sorted patients and the clicks."""
    t, s = clicks
    return float(np.sum((km_survival_at(times, events, t) - s) ** 2))


def _event_to_move(times, events, med, target, tolerance):
    """Index of the event to move to ``target``: the first event after it when the
    reconstructed median is late, the last event at or before the median when it is early."""
    ev = np.flatnonzero(events == 1)
    if med > target:
        later = ev[times[ev] > target + tolerance]
        return int(later[0]) if later.size else None
    earlier = ev[times[ev] <= med]
    return int(earlier[-1]) if earlier.size else None


def _pair_with_censoring(times, events, k, target, a, counts):
    """Times with event ``k`` moved to ``target`` and one censored patient moved the other
    way across the table times in between (to the event's old time), so that every number
    at risk stays the same; ``None`` when no censored patient allows it."""
    old = times[k]
    cens = np.flatnonzero(events == 0)
    # nearest censorings to the event's new time first
    for j in cens[np.argsort(np.abs(times[cens] - target), kind="stable")][:MEDIAN_MAX_CANDIDATES]:
        trial = times.copy()
        trial[k] = target
        trial[j] = old
        if np.array_equal(_counts(np.sort(trial), a), counts):
            return trial
    return None
