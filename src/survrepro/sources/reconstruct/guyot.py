"""The ``guyot`` method: the published algorithm of Guyot et al. (2012), ported from its R code.

For each interval of the risk table the number censored is guessed from the curve, the
censorings are spread evenly over the interval, events are found by rounding the drop at
each digitized point, and the guess is corrected by the difference between the
reconstructed and the published number at risk at the end of the interval, until they
agree. The interval after the last table time takes the censoring rate seen before it,
corrected the same way to the published total of events when there is one. Two changes to
the published code: an iteration cap (:data:`GUYOT_MAX_ITER`; the original can cycle for
ever) and intervals of the risk table holding no digitized point merged with the next
(the original fails there). The variable names follow the published code.

References
----------
Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival
data: reconstructing the data from published Kaplan-Meier survival curves.
BMC Medical Research Methodology 2012;12:9. doi:10.1186/1471-2288-12-9.
"""
from __future__ import annotations

import numpy as np

#: Iteration cap of the published Guyot loop (the original R code can cycle for ever).
GUYOT_MAX_ITER = 1000


def reconstruct_guyot(t, s, a, c, total_events):
    """Port of the published R code of Guyot et al. (2012), with an iteration cap.

    Intervals of the risk table that hold no digitized point are merged with the next
    (the published code fails there). Returns (times, events, notes).
    """
    notes: list[str] = []
    lower = np.searchsorted(t, a, side="left")
    keep = lower < t.size
    keep &= np.concatenate((lower[1:] != lower[:-1], [True]))
    if not np.all(keep):
        notes.append(f"{int((~keep).sum())} risk-table interval(s) without digitized points merged.")
    c = c[keep].copy()
    fit = _Guyot(t, s, c, lower[keep])
    for i in range(fit.n_int - 1):
        fit.fit_interval(i)
    fit.fit_last_interval(total_events)
    if fit.stuck:
        notes.append(f"the published iteration did not settle within {GUYOT_MAX_ITER} rounds; stopped there.")
    time, event = fit.patients(int(c[0]))
    return time, event, notes


def _hist(x: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """Counts of ``x`` in R's ``hist`` bins: ``[b0, b1]``, ``(b1, b2]``, ..."""
    idx = np.searchsorted(breaks, x, side="left") - 1
    idx = np.maximum(idx, 0)
    return np.bincount(idx, minlength=breaks.size - 1)[: breaks.size - 1]


class _Guyot:
    """The state of the published algorithm, with its names.

    ``S, TS``: the digitized survival and times; ``lower[i], upper[i]``: the first and
    last point of table interval ``i``; ``n_risk``: the published numbers at risk (lowered
    where the reconstruction cannot reach them); ``n_censor``: the censored per interval;
    ``n_hat``: the reconstructed number at risk at each point; ``cen, d``: censored and
    events at each point; ``KM_hat``: the reconstructed curve; ``last``: the latest point
    with an event.
    """

    def __init__(self, TS, S, c, lower):
        self.S, self.TS = S, TS
        n_t = TS.size
        self.n_int = lower.size
        self.lower = lower
        self.upper = np.concatenate((lower[1:] - 1, [n_t - 1]))
        self.n_risk = c.astype(float)
        self.n_censor = np.zeros(self.n_int)
        self.n_hat = np.full(n_t + 1, self.n_risk[0] + 1)
        self.cen = np.zeros(n_t)
        self.d = np.zeros(n_t)
        self.KM_hat = np.ones(n_t)
        self.last_i = np.zeros(self.n_int, dtype=int)
        self.last = 0
        self.stuck = False

    def spread(self, i, count, end_index):
        """Censorings per point of ``count`` spread evenly from the start of interval ``i``
        to point ``end_index``."""
        lower, TS = self.lower, self.TS
        lo_t, hi_t = TS[lower[i]], TS[end_index]
        cen_t = lo_t + np.arange(1, count + 1) * (hi_t - lo_t) / (count + 1)
        return _hist(cen_t, TS[lower[i]: end_index + 1])

    def events_pass(self, i, stop, clamp):
        """Events at each point of interval ``i`` up to ``stop`` and the numbers at risk
        they leave; ``clamp`` keeps them >= 0 (``"last"``: not past the final point)."""
        S, d, KM_hat, n_hat, cen = self.S, self.d, self.KM_hat, self.n_hat, self.cen
        lower = self.lower
        n_hat[lower[i]] = self.n_risk[i]
        last = self.last_i[i]
        for k in range(lower[i], stop + 1):
            if i == 0 and k == lower[i]:
                d[k] = 0
                KM_hat[k] = 1
            else:
                d[k] = np.floor(n_hat[k] * (1 - S[k] / KM_hat[last]) + 0.5) if KM_hat[last] != 0 else 0
                KM_hat[k] = KM_hat[last] * (1 - d[k] / n_hat[k]) if n_hat[k] > 0 else KM_hat[last]
            if not (clamp == "last" and k == stop and i == self.n_int - 1):
                n_hat[k + 1] = n_hat[k] - d[k] - cen[k]
                if clamp and n_hat[k + 1] < 0:
                    n_hat[k + 1] = 0
                    cen[k] = n_hat[k] - d[k]
            if d[k] != 0:
                last = k
        self.last = last

    def fit_interval(self, i):
        """Correct the censored of table interval ``i`` until the number at risk at its end
        is the published one (or the iteration cap is reached)."""
        S, lower, upper = self.S, self.lower, self.upper
        n_risk, n_censor, n_hat, cen = self.n_risk, self.n_censor, self.n_hat, self.cen
        n_censor[i] = np.floor(n_risk[i] * S[lower[i + 1]] / S[lower[i]] - n_risk[i + 1] + 0.5) if S[lower[i]] > 0 else 0
        it = 0
        while (n_hat[lower[i + 1]] > n_risk[i + 1]) or (
            n_hat[lower[i + 1]] < n_risk[i + 1] and n_censor[i] > 0
        ):
            it += 1
            if it > GUYOT_MAX_ITER:
                self.stuck = True
                break
            if n_censor[i] <= 0:
                cen[lower[i]: upper[i] + 1] = 0
                n_censor[i] = 0
            if n_censor[i] > 0:
                cen[lower[i]: upper[i] + 1] = self.spread(i, int(n_censor[i]), lower[i + 1])
            self.events_pass(i, upper[i], clamp=False)
            n_censor[i] = n_censor[i] + (n_hat[lower[i + 1]] - n_risk[i + 1])
        if n_hat[lower[i + 1]] < n_risk[i + 1]:
            n_risk[i + 1] = n_hat[lower[i + 1]]
        self.last_i[i + 1] = self.last

    def _set_last_censor(self):
        """Spread the censored of the last interval over it."""
        j, lower, upper, cen, n_censor = self.n_int - 1, self.lower, self.upper, self.cen, self.n_censor
        if n_censor[j] <= 0:
            cen[lower[j]: upper[j]] = 0
            n_censor[j] = 0
        elif upper[j] > lower[j]:
            cen[lower[j]: upper[j]] = self.spread(j, int(n_censor[j]), upper[j])

    def fit_last_interval(self, total_events):
        """The interval after the last table time: censoring at the rate seen before it,
        then corrected until the total of events is ``total_events`` when given."""
        j, lower, upper, TS = self.n_int - 1, self.lower, self.upper, self.TS
        n_censor, d, cen = self.n_censor, self.d, self.cen
        if self.n_int > 1:
            n_censor[j] = min(
                np.floor(
                    n_censor[:j].sum() * (TS[upper[j]] - TS[lower[j]]) / max(TS[upper[j - 1]] - TS[lower[0]], 1e-300)
                    + 0.5
                ),
                self.n_risk[j],
            )
        else:
            n_censor[j] = 0
        self._set_last_censor()
        self.events_pass(j, upper[j], clamp=True)
        if total_events is None:
            return
        sumdL = d[: upper[j - 1] + 1].sum() if self.n_int > 1 else 0.0
        if self.n_int > 1 and sumdL >= total_events:
            d[lower[j]: upper[j] + 1] = 0
            cen[lower[j]: upper[j]] = 0
            return
        sumd = d[: upper[j] + 1].sum()
        it = 0
        while sumd > total_events or (sumd < total_events and n_censor[j] > 0):
            it += 1
            if it > GUYOT_MAX_ITER:
                self.stuck = True
                break
            n_censor[j] = n_censor[j] + (sumd - total_events)
            self._set_last_censor()
            self.events_pass(j, upper[j], clamp="last")
            sumd = d[: upper[j] + 1].sum()

    def patients(self, N):
        """``N`` patients: events at the digitized times, censorings at the midpoints
        between them, those left censored at the last point. Returns (times, events)."""
        TS = self.TS
        d_int = np.maximum(self.d, 0).astype(np.int64)
        cen_int = np.maximum(self.cen[:-1], 0).astype(np.int64)
        ev = np.repeat(TS, d_int)
        ce = np.repeat(0.5 * (TS[:-1] + TS[1:]), cen_int)
        ev, ce = ev[:N], ce[: max(N - ev.size, 0)]
        rest = N - ev.size - ce.size
        time = np.concatenate((ev, ce, np.full(rest, TS[-1])))
        event = np.concatenate((np.ones(ev.size, np.int64), np.zeros(ce.size + rest, np.int64)))
        return time, event
