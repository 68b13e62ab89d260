"""The uncertainty of a reconstruction: intervals across reconstructions equally consistent
with the clicks, the table and the digitizing noise.

One reconstruction is one guess. ``reconstruct(..., draws=K, seed=S)`` makes ``K`` more:
in each, every click of every arm is moved by a normal draw of the digitizing noise
estimated from the clicks themselves
(:func:`~survrepro.sources.reconstruct.clean.estimate_resolution`: the time noise from the
two corners of each drop, the survival noise from the two ends of each flat stretch), and
the perturbed clicks are cleaned and reconstructed again with the same risk table, number
of patients, total of events and method. What varies is therefore

* the depth and the date of every drop (within the noise), hence the number of events at
  each drop and the number of censorings the method allocates to each gap between drops
  (the allocation of censorings within each risk-table interval is solved again, not
  copied), and
* where the median falls on a stretch that hovers at 0.5.

What does not vary: the numbers at risk at the table times (a hard constraint of every
draw), the number of patients, a given total of events, and the position of a censoring
within its gap between two consecutive events (it changes no Kaplan–Meier value, hazard
ratio or log-rank statistic). The perturbation adds the estimated noise to clicks that
already carry it, so the spread of the draws around the point estimate stands for the
spread of a reconstruction around the truth (a parametric bootstrap of the digitizing).

The draws use one ``numpy.random.default_rng(seed)`` stream in a fixed order (draw by
draw, arm by arm, time then survival), so the same inputs and seed give the same
intervals. A draw whose perturbed clicks are refused by the cleaning is left out and
counted. Intervals are the percentiles ``(1 - level) / 2`` and ``(1 + level) / 2`` of the
draws (inverted empirical distribution, so a median not reached in enough draws gives an
upper limit "not reached").

References
----------
Efron B, Tibshirani RJ. An Introduction to the Bootstrap. Chapman & Hall, 1993 (percentile
intervals, the parametric bootstrap).
"""
from __future__ import annotations

import numpy as np

from survrepro.engine.cox import log_hazard_ratio

#: Level of the percentile intervals across the draws.
DRAWS_LEVEL = 0.95

#: What the draws vary, in one sentence (printed with the intervals).
DRAWS_VARIED = (
    "each draw moves every click by the digitizing noise estimated from the clicks and reconstructs "
    "again with the same risk table, patients, events and method (drop depths and dates, events per "
    "drop and censorings per gap vary; the numbers at risk at the table times do not)"
)


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
