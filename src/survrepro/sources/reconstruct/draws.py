"""The uncertainty of a reconstruction: intervals across reconstructions equally consistent
with the clicks, the table and the digitizing noise.

One reconstruction is one guess. ``reconstruct(..., draws=K, seed=S)`` makes ``K`` more,
each a plausible set of true patients given the clicks and the risk table. A draw has
three steps, arm by arm:

1. **The clicks.** Every click is moved by a normal draw of the digitizing noise estimated
   from the clicks themselves
   (:func:`~survrepro.sources.reconstruct.clean.estimate_resolution`: the time noise from the
   two corners of each drop, pooled over the arms of the figure, which share its time axis
   (:func:`shared_time_noise`); the survival noise of each arm from the two ends of each
   flat stretch), and
   the perturbed clicks are cleaned and reconstructed again with the same risk table, number
   of patients, total of events and method: the depth and the date of every drop vary, hence
   the events at each drop and where a median falls on a stretch that hovers at 0.5 (a
   parametric bootstrap of the digitizing: the noise is added to clicks that already carry
   it).
2. **The censoring pattern in each risk-table interval** (:func:`vary_censoring`). The
   clicks and the table fix how many patients leave each interval, not when the censored
   ones leave; the methods place them by a deterministic rule (spread evenly, or where the
   dynamic programme's cost is least). Here the censorings of the interval are drawn again,
   uniformly over it (Guyot's model of censoring at a constant rate within an interval, of
   which the even spread is the expected pattern); the number censored moves by the change
   the new pattern makes to the closed-form count of
   :func:`~survrepro.sources.reconstruct.exact.interval` (censorings that come earlier leave
   fewer at risk at the drops, so the same depths hold fewer events and more of those who
   leave are censored), and the interval's events are shared again among its drops in
   proportion to the number at risk at each times its depth (at least one at every drop).
   The numbers at risk at the table times are unchanged. A pattern is kept only if the
   Kaplan–Meier curve stays consistent with the clicks: its squared error to them over the
   estimated survival noise variance within the :data:`DRAWS_FIT_LEVEL` quantile of a
   chi-square with as many degrees of freedom as clicks (or no worse than the draw's own
   reconstruction); the first of :data:`DRAWS_PROPOSALS` patterns that is kept replaces the
   reconstruction's. In small arms, where the depth of a drop tells the number at risk, the
   clicks rule out most patterns; in large arms most are kept. After the last table time
   the number of events and of censorings stay (there is no count to close the interval)
   and only where the censorings fall and the events per drop vary.
3. **Where each censoring falls in its gap** (:func:`vary_within_gaps`). Every censoring
   before the end of follow-up is moved to a uniform time between the two nodes around it
   (its arm's event times and the table times). That changes no Kaplan–Meier value or
   number at risk of its own arm, but it changes the risk sets of the other arms at their
   events, hence the hazard ratio and the log-rank statistic; without it the draws of a
   small arm could all give the same hazard ratio.

What does not vary: the numbers at risk at the table times (a hard constraint of every
draw), the number of patients, a given total of events, the number of events and censorings
after the last table time, the censorings at the end of follow-up, and the model itself
(censoring at a constant rate within an interval: a real trial whose censorings cluster,
e.g. at the data cut-off within an interval, is covered less well). Ties of the true data
on a coarse time grid (weeks, years) that the time noise breaks are varied only as much as
the noise of the clicks moves the drops.

The draws use one ``numpy.random.default_rng(seed)`` stream in a fixed order (draw by
draw, arm by arm: the time noise, the survival noise, then the censoring patterns interval
by interval and the positions within the gaps), so the same inputs and seed give the same
intervals. A draw whose perturbed clicks are refused by the cleaning is left out and
counted. Intervals are the percentiles ``(1 - level) / 2`` and ``(1 + level) / 2`` of the
draws (inverted empirical distribution, so a median not reached in enough draws gives an
upper limit "not reached"). The medians and the survival at the table times of a draw are
those of its patients (a draw whose censoring pattern changed is not held at the digitized
median crossing).

References
----------
Efron B, Tibshirani RJ. An Introduction to the Bootstrap. Chapman & Hall, 1993 (percentile
intervals, the parametric bootstrap).
Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival data:
reconstructing the data from published Kaplan-Meier survival curves. BMC Medical Research
Methodology 2012;12:9 (censoring at a constant rate within each risk-table interval).
Pritchard JK, Seielstad MT, Perez-Lezaun A, Feldman MW. Population growth of human Y
chromosomes: a study of Y chromosome microsatellites. Molecular Biology and Evolution
1999;16:1791-1798 (accepting draws from the model that reproduce the data within a tolerance).
"""
from __future__ import annotations

import dataclasses

import numpy as np
from scipy.stats import chi2

from survrepro.engine.cox import log_hazard_ratio
from survrepro.sources.reconstruct.clean import RESOLUTION_MIN_PAIRS, TIME_TOLERANCE
from survrepro.sources.reconstruct.median import km_steps, reconstructed_median, steps_at
from survrepro.sources.reconstruct.table import dated_drops, inside

#: Level of the percentile intervals across the draws.
DRAWS_LEVEL = 0.95

#: Censoring patterns proposed per risk-table interval in each draw (see :func:`vary_censoring`).
DRAWS_PROPOSALS = 4
#: A censoring pattern is consistent with the clicks when the squared error of its curve to them, over the
#: survival noise variance, is within this quantile of the chi-square of as many degrees of freedom as clicks.
DRAWS_FIT_LEVEL = 0.95

#: What the draws vary, in one sentence (printed with the intervals).
DRAWS_VARIED = (
    "each draw moves every click by the digitizing noise estimated from the clicks (the time noise "
    "pooled over the arms) and reconstructs "
    "again with the same risk table, patients, events and method, then draws the censorings of each "
    "risk-table interval again uniformly over it (the events per drop and the number censored follow; "
    "a pattern is kept only if the curve stays within the noise of the clicks) and moves each "
    "censoring to a uniform time within its gap between events (drop depths and dates, events per "
    "drop, censoring times and counts vary; the numbers at risk at the table times do not)"
)


def shared_time_noise(times) -> float | None:
    """Time noise (sd) of the clicks of all arms of one figure, read against its whole time axis.

    The arms of a figure share its axis and its digitizer, so they share the time noise:
    the corners of every drop of every arm (consecutive clicks within
    :data:`~survrepro.sources.reconstruct.clean.TIME_TOLERANCE` of the figure's axis, the
    longest arm's last click) are pooled, as
    :func:`~survrepro.sources.reconstruct.clean.estimate_resolution` does per arm (whose
    tolerance, a share of the arm's own follow-up, cuts off the wider corner pairs of an arm
    that stops early and so reads its noise too small). ``None`` with fewer than
    :data:`~survrepro.sources.reconstruct.clean.RESOLUTION_MIN_PAIRS` pairs.
    """
    arrays = [np.sort(np.asarray(x, dtype=float)) for x in times if np.size(x)]
    if not arrays:
        return None
    span = max(float(x[-1]) for x in arrays)
    tol = TIME_TOLERANCE * span
    dt = np.concatenate([np.diff(x)[np.diff(x) <= tol] for x in arrays])
    if dt.size < RESOLUTION_MIN_PAIRS or span <= 0:
        return None
    return float(np.clip(np.median(dt) / (0.6745 * np.sqrt(2.0)), 1e-4 * span, tol))


def _fit_cost(ev_t, d, cens, n0, at_t, level, half):
    """Squared error (times ``half``) of the Kaplan–Meier curve of ``n0`` patients with
    ``d`` events at the distinct times ``ev_t`` and censorings at the sorted times
    ``cens`` against the click levels ``level`` at the times ``at_t``."""
    before = np.concatenate(([0], np.cumsum(d)[:-1]))
    n = n0 - before - np.searchsorted(cens, ev_t, side="left")
    surv = np.cumprod(1.0 - d / np.maximum(n, 1))
    i = np.searchsorted(ev_t, at_t, side="right") - 1
    km = np.where(i >= 0, surv[np.maximum(i, 0)], 1.0)
    return half * float(np.sum((km - level) ** 2))


def _place_at_drops(total: int, expected: np.ndarray) -> np.ndarray:
    """``total`` events over the drops, at least one each, the rest by rounding the
    cumulative ``expected - 1`` (as :func:`~survrepro.sources.reconstruct.exact._place`)."""
    k = expected.size
    extra = np.maximum(expected - 1.0, 0.0)
    w = np.cumsum(extra if extra.sum() > 0 else np.maximum(expected, 1e-12))
    cum = np.floor(w * ((total - k) / w[-1]) + 0.5).astype(np.int64)
    cum[-1] = total - k
    return 1 + np.diff(np.concatenate(([0], cum)))


def vary_censoring(arm, rng, proposals: int | None = None):
    """One plausible draw of the censoring pattern of ``arm`` given its clicks and table.

    For each risk-table interval (and the time after the last table time, up to the end of
    follow-up) with drops and censorings in it, up to ``proposals`` (default
    :data:`DRAWS_PROPOSALS`) patterns are drawn: the censorings uniformly over the
    interval, their number moved by the change of the closed-form count
    (:func:`~survrepro.sources.reconstruct.exact.interval`) from the reconstruction's
    pattern to the new one, the interval's events shared among its drops by rounding the
    cumulative number at risk times depth (at least one each). The first pattern whose
    Kaplan–Meier curve is within the noise of the clicks (see :data:`DRAWS_FIT_LEVEL`), or
    no further from them than the current one, replaces it. An interval whose published
    count the reconstruction does not meet, or where the curve reaches 0, is left as it is.
    Then every censoring is moved within its gap (:func:`vary_within_gaps`).

    Returns
    -------
    ArmReconstruction
        The same number of patients and numbers at risk at the table times; the median and
        the survival at the table times are those of the new patients.
    """
    proposals = DRAWS_PROPOSALS if proposals is None else proposals
    curve = arm.curve
    a, c = arm.at_risk_time, arm.at_risk_published.astype(np.int64)
    t_stop = max(float(curve.time[-1]), float(a[-1]))
    ev_t, d = np.unique(arm.time[arm.event == 1], return_counts=True)
    cens = np.sort(arm.time[arm.event == 0])
    if ev_t.size == 0 or cens.size == 0 or cens[0] >= t_stop:
        return vary_within_gaps(arm, rng)
    tol_t = TIME_TOLERANCE * float(curve.time[-1])
    _, at_t = dated_drops(curve.time, curve.survival, a, c, tol_t)
    level = curve.survival[1:]
    half = 0.5 / max(curve.survival_resolution, 1e-4) ** 2
    n0 = arm.n
    cost = _fit_cost(ev_t, d, cens, n0, at_t, level, half)
    bound = 0.5 * float(chi2.ppf(DRAWS_FIT_LEVEL, at_t.size))
    changed = False
    ends = np.concatenate((a[1:], [t_stop]))
    for i in range(a.size):
        lo_t, hi_t = float(a[i]), float(ends[i])
        closed = i + 1 < a.size
        if hi_t <= lo_t or c[i] <= 0:
            continue
        jd = np.flatnonzero((ev_t >= lo_t) & (ev_t < hi_t))
        jc = np.flatnonzero((cens >= lo_t) & (cens < hi_t) & (cens < t_stop))
        if jd.size == 0 or jc.size == 0:
            continue
        tau, dd = ev_t[jd], d[jd]
        removed = int(c[i] - c[i + 1]) if closed else None
        n_at = n0 - np.concatenate(([0], np.cumsum(d)[:-1]))[jd] - np.searchsorted(cens, tau, side="left")
        if int(n_at[0]) != int(c[i]) - int(np.sum(cens[jc] < tau[0])) or np.any(dd >= n_at):
            continue  # the interval does not start at the published count, or reaches 0
        if closed and removed != int(dd.sum()) + jc.size:
            continue  # the published count at its end is not met: leave it as reconstructed
        h = dd / n_at
        R = np.concatenate(([1.0], np.cumprod(1.0 - h)))
        inv = 1.0 / R

        def closed_form(pos):
            """Closed-form number censored (exact.interval) with the shares of ``pos`` per gap."""
            share = np.bincount(np.searchsorted(tau, pos, side="right"), minlength=tau.size + 1) / pos.size
            return (c[i] - c[i + 1] / R[-1]) / float(np.sum(share * inv))

        c0 = jc.size  # every pattern is proposed from the reconstruction's count (an independence sampler)
        base = closed_form(cens[jc]) if closed else 0.0
        for _ in range(proposals):
            pos = lo_t + rng.random(c0) * (hi_t - lo_t)
            n_cen = c0
            if closed:
                shift = closed_form(pos) - base
                n_cen = int(np.clip(np.floor(c0 + shift + 0.5), 0, removed - tau.size))
                if n_cen > c0:
                    pos = np.concatenate((pos, lo_t + rng.random(n_cen - c0) * (hi_t - lo_t)))
                elif n_cen < c0:
                    pos = pos[rng.permutation(c0)[:n_cen]]
            pos = np.sort(inside(pos, np.nextafter(lo_t, -np.inf), hi_t))
            n_ev = removed - n_cen if closed else int(dd.sum())
            if n_ev < tau.size:
                continue
            gap = np.bincount(np.searchsorted(tau, pos, side="right"), minlength=tau.size + 1)
            n_new = R[:-1] * (c[i] - np.cumsum(gap[:-1] * inv[:-1]))
            new_d = d.copy()
            new_d[jd] = _place_at_drops(n_ev, np.maximum(n_new, 0.0) * h)
            keep = np.ones(cens.size, bool)
            keep[jc] = False
            new_cens = np.sort(np.concatenate((cens[keep], pos)))
            new_cost = _fit_cost(ev_t, new_d, new_cens, n0, at_t, level, half)
            if new_cost <= max(bound, cost):
                d, cens, cost, changed = new_d, new_cens, new_cost, True
                break
    if changed:
        time = np.concatenate((np.repeat(ev_t, d), cens))
        event = np.concatenate((np.ones(int(d.sum()), np.int64), np.zeros(cens.size, np.int64)))
        order = np.lexsort((1 - event, time))
        time, event = time[order], event[order]
        steps = km_steps(time, event)
        arm = dataclasses.replace(
            arm, time=time, event=event, median_reconstructed=reconstructed_median(time, event, steps),
            survival_table_reconstructed=steps_at(*steps, a),
            at_risk_reconstructed=(time.size - np.searchsorted(time, a, side="left")).astype(np.int64),
        )
    return vary_within_gaps(arm, rng)


def censoring_gaps(time, event, a, t_stop):
    """The gap of every censoring: the nodes (own event times, table times, ``t_stop``)
    around it, ``lo <= time < hi``; a censoring at ``t_stop`` or later has none (left out)."""
    nodes = np.unique(np.concatenate((time[event == 1], a, [t_stop])))
    cen = np.flatnonzero(event == 0)
    k = np.searchsorted(nodes, time[cen], side="right") - 1
    free = (k >= 0) & (k < nodes.size - 1)
    return cen[free], nodes[k[free]], nodes[k[free] + 1]


def vary_within_gaps(arm, rng):
    """``arm`` with every censoring before the end of follow-up moved to a uniform time in
    its gap between two nodes (its arm's event times, the table times): the arm's
    Kaplan–Meier curve and numbers at risk do not change, the other arms' risk sets do."""
    t_stop = max(float(arm.curve.time[-1]), float(arm.at_risk_time[-1]))
    idx, lo, hi = censoring_gaps(arm.time, arm.event, arm.at_risk_time, t_stop)
    if idx.size == 0:
        return arm
    time = arm.time.copy()
    time[idx] = inside(lo + rng.random(idx.size) * (hi - lo), np.nextafter(lo, -np.inf), hi)
    order = np.lexsort((1 - arm.event, time))
    return dataclasses.replace(arm, time=time[order], event=arm.event[order])


def _interval(values, level: float):
    """Percentile limits of ``values`` (``inf`` for "not reached" becomes ``None``)."""
    x = np.sort(np.asarray(values, dtype=float))
    if x.size == 0:
        return None, None
    lo, hi = np.quantile(x, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
    return (float(lo) if np.isfinite(lo) else None), (float(hi) if np.isfinite(hi) else None)


def _pooled(arms: dict):
    """Times, events and arm index (0 the reference) of all patients of ``arms``."""
    labs = list(arms)
    t = np.concatenate([arms[k].time for k in labs])
    e = np.concatenate([arms[k].event for k in labs])
    g = np.concatenate([np.full(arms[k].n, i) for i, k in enumerate(labs)])
    return t, e, g


def _log_hr(ref, other):
    """Cox (Efron) log hazard ratio of ``other`` against ``ref`` (``nan`` when not finite)."""
    t = np.concatenate((ref.time, other.time))
    e = np.concatenate((ref.event, other.event))
    g = np.concatenate((np.zeros(ref.n, dtype=np.int64), np.ones(other.n, dtype=np.int64)))
    fit = log_hazard_ratio(t.astype(float), e.astype(float), g)
    return np.nan if fit is None or abs(fit.coef) >= 20 else fit.coef


def summarise_draws(arms: dict, draws: list, *, k: int, seed: int, failed: int, level: float = DRAWS_LEVEL) -> dict:
    """Percentile intervals of the hazard ratios, medians and survival at the table times.

    Parameters
    ----------
    arms : dict
        The point reconstruction, arm label -> ``ArmReconstruction`` (the first arm is the
        reference of the hazard ratios).
    draws : list of dict
        One dict like ``arms`` per completed draw.
    k : int
        Number of draws asked for.
    seed : int
        Seed used.
    failed : int
        Draws whose perturbed clicks were refused.
    level : float
        Level of the intervals.

    Returns
    -------
    dict
        ``k``, ``completed``, ``failed``, ``seed``, ``level``, ``varied`` (what a draw
        changes), ``hazard_ratios`` (one entry per arm after the first: estimate, low,
        high), ``medians`` (per arm: estimate, low, high, draws not reached) and
        ``survival_at_table`` (per arm and table time: estimate, low, high). A limit
        that cannot be computed is ``None`` with a ``note``.

    Examples
    --------
    >>> import pandas as pd
    >>> from survrepro.sources.reconstruct import reconstruct
    >>> curve = pd.DataFrame({"time": [0, 2, 2, 5, 5, 8] * 2,
    ...                       "survival": [1, 1, 0.9, 0.9, 0.7, 0.7, 1, 1, 0.8, 0.8, 0.6, 0.6],
    ...                       "arm": ["A"] * 6 + ["B"] * 6})
    >>> res = reconstruct(curve, n={"A": 10, "B": 10}, draws=20, seed=1)
    >>> res.draws["completed"], res.draws["hazard_ratios"][0]["arm"]
    (20, 'B')
    """
    labs = list(arms)
    out = {"k": int(k), "completed": len(draws), "failed": int(failed), "seed": int(seed), "level": level,
           "varied": DRAWS_VARIED, "hazard_ratios": [], "medians": [], "survival_at_table": []}
    ref = labs[0]
    for lab in labs[1:]:
        point = _log_hr(arms[ref], arms[lab])
        values = np.array([_log_hr(d[ref], d[lab]) for d in draws])
        finite = values[np.isfinite(values)]
        lo, hi = _interval(finite, level)
        entry = {"arm": lab, "reference": ref,
                 "estimate": float(np.exp(point)) if np.isfinite(point) else None,
                 "low": None if lo is None else float(np.exp(lo)),
                 "high": None if hi is None else float(np.exp(hi))}
        if finite.size < values.size:
            entry["note"] = f"{values.size - finite.size} draw(s) with no finite hazard ratio left out."
        out["hazard_ratios"].append(entry)
    for lab in labs:
        meds = [d[lab].median_reconstructed for d in draws]
        vals = [np.inf if m is None else m for m in meds]
        lo, hi = _interval(vals, level)
        entry = {"arm": lab, "estimate": arms[lab].median_reconstructed, "low": lo, "high": hi,
                 "not_reached": int(sum(m is None for m in meds))}
        if hi is None and draws:
            entry["note"] = "the median is not reached in enough draws for an upper limit."
        out["medians"].append(entry)
        for j, t in enumerate(arms[lab].at_risk_time):
            vals = [d[lab].survival_table_reconstructed[j] for d in draws]
            lo, hi = _interval(vals, level)
            out["survival_at_table"].append(
                {"arm": lab, "time": float(t), "estimate": float(arms[lab].survival_table_reconstructed[j]),
                 "low": lo, "high": hi}
            )
    if not draws:
        out["note"] = "no draw completed: every perturbed curve was refused by the cleaning."
    return out
