"""A fitted start for a compared endpoint: model, quantile data, re-timing.

The printed numbers of two compared arms (medians and their confidence limits, the hazard
ratio with its Wald limits, the median follow-up) depend on the data in two separable ways:

* the hazard ratio, its standard error and *which* patient's time each Kaplan–Meier median
  or limit is depend only on the order of the times and on the event flags;
* the *values* of the medians, limits and median follow-up are the times of those patients.

So the construction fits a model whose quantile data have the right order, then moves the
times monotonically (keeping the order, hence the hazard ratio and which patient each
median is) so that those patients' times are the printed values:

1. each arm's cumulative hazard is piecewise linear, with a knot at each printed limit and
   median: the slope before the lower limit makes the lower band cross one half there, the
   median fixes ``H(M) = log 2``, the slope up to the upper limit makes the upper band cross
   there (Greenwood variance under the censoring the accrual window implies). An arm
   without a printed median has the other arm's hazard times the printed hazard ratio (said
   in the notes);
2. the hazard after the last knot of each arm is free: the two tail rates are chosen so that
   the Cox log hazard ratio and its standard error of the quantile data (event times at
   the arm's quantiles ``(i + 1/2)/n``, potential follow-up at the quantiles of the
   accrual window, paired by a low-discrepancy permutation) sit at the centre of the printed
   ranges;
3. the times are mapped by a piecewise-linear increasing function through ``(achieved,
   printed)`` for every median, limit and the median follow-up;
4. where that misses a printed number of two arms, the same model's quantile data are
   paired again by seeded random permutations (:data:`_PAIRINGS` drawn, the nearest few
   built, fewer for larger studies): the pairing of event and follow-up quantiles is one
   arbitrary choice among equally valid ones, and in small studies it decides where the
   censorings fall among the events, hence the standard error. The first pairing whose data
   meet every printed number is kept; when none does, the start is the lattice pairing's, as
   without them, so that what the search goes on from is unchanged.

The result is a start for the synthesizer's construction (it checks and, when needed,
polishes it); nothing here is accepted without that check.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from survrepro.engine.cox import log_hazard_ratio, log_hazard_ratio_untied
from survrepro.engine.km import km_median
from survrepro.engine.rmst import restricted_mean

__all__ = ["cox_fit", "distinct", "fitted_start", "km_steps", "peak_density", "spread_ties", "tie_cap"]

_LOG2 = math.log(2.0)
# random pairings of event and follow-up quantiles drawn when the lattice pairing of two arms
# misses (seeded by the draw's number), and how many of them, the nearest the printed hazard
# ratio and event counts before any re-timing, are built: at most _PAIRINGS_BUILT, and at most
# _PAIRING_PATIENTS patients over all builds (a build costs about half a millisecond a patient,
# so about a second in all: 8 builds from 250 patients, 76 at 26). The smaller the study, the
# coarser the lattice of hazard ratios its orders give, and the more pairings it takes before
# one lands inside printed ranges two decimals wide
_PAIRINGS = 400
_PAIRINGS_BUILT = 100
_PAIRING_PATIENTS = 2000
_PAIRING_SEED = 20261202
# how far past the latest printed median or limit potential follow-up reaches at least (a factor)
_PAST_LATEST = 1.1
# the Cox fits the mending of the hazard ratios may make, as patients times fits (a fit costs
# about the same at any size up to a few hundred patients, then grows with them)
_MEND_PATIENT_FITS = 20_000_000
_MEND_FITS = 40_000
# and the patients that set how many candidates of each kind an arm offers each move: 1,500
# over the study's patients, from 6 in a study of up to 250 patients down to 2 from 750
_MEND_SPREAD_PATIENTS = 1500


class _Arm:
    """Cumulative hazard of one arm: piecewise linear through ``knots`` then a tail slope."""

    def __init__(self, knots_t, knots_h):
        self.t = np.asarray(knots_t, float)
        self.h = np.asarray(knots_h, float)

    def inverse(self, e: np.ndarray, tail: float) -> np.ndarray:
        """Times whose cumulative hazard is ``e`` (``e`` exponential quantiles)."""
        out = np.interp(e, self.h, self.t)
        beyond = e > self.h[-1]
        out[beyond] = self.t[-1] + (e[beyond] - self.h[-1]) / tail
        return out

    def last_slope(self) -> float:
        if self.t.size < 2:
            return _LOG2 / 12.0
        return float((self.h[-1] - self.h[-2]) / max(self.t[-1] - self.t[-2], 1e-9))


def _censor_survival(s: np.ndarray, win: tuple) -> np.ndarray:
    """The probability that potential follow-up exceeds ``s``. ``win`` is ``(lo, hi, share)``:
    follow-up uniform on ``[lo, hi]``, except a ``share`` of patients lost to follow-up
    uniformly on ``[0, hi]``."""
    lo, hi, share = win
    window = np.clip((hi - s) / max(hi - lo, 1e-9), 0.0, 1.0)
    return (1 - share) * window + share * np.clip((hi - s) / max(hi, 1e-9), 0.0, 1.0)


def _censor_quantiles(q: np.ndarray, win: tuple) -> np.ndarray:
    """Potential follow-up times whose survival (:func:`_censor_survival`) is ``q``."""
    grid = np.linspace(0.0, win[1], 2001)
    surv = _censor_survival(grid, win)
    return np.interp(q, surv[::-1], grid[::-1])


_Z: dict = {}


@functools.lru_cache(maxsize=256)
def _band_grid(t_end: float, win: tuple) -> tuple:
    """The 201-point grid of :func:`_band_at` to ``t_end`` and the follow-up survival at its
    midpoints (the same for every hazard a solve tries)."""
    grid = np.linspace(0.0, t_end, 201)
    return grid, _censor_survival((grid[1:] + grid[:-1]) / 2, win)


def _band_at(knots_t, knots_h, t_end, n, win, conf_type, conf_level):
    """Lower and upper band of the Kaplan–Meier curve at ``t_end`` expected under the model.

    The Greenwood variance of ``log S`` is ``integral of dH / (n S G)`` (``G`` the potential
    follow-up); the band is that of :func:`survrepro.engine.km._band`, written for one time.
    """
    z = _z_of(conf_level)
    grid, g_mid = _band_grid(t_end, win)
    h = np.interp(grid, knots_t, knots_h)
    at_risk = n * np.exp(-(h[1:] + h[:-1]) / 2) * g_mid
    dh = h[1:] - h[:-1]
    if np.any((at_risk <= 0) & (dh > 0)):
        return math.nan, math.nan
    sd = math.sqrt(max(float(np.sum(np.where(dh > 0, dh / np.where(at_risk > 0, at_risk, 1.0), 0.0))), 0.0))
    surv = math.exp(-float(h[-1]))
    if conf_type == "plain":
        return max(surv - z * sd * surv, 0.0), min(surv + z * sd * surv, 1.0)
    if conf_type == "log":
        return surv * math.exp(-z * sd), min(surv * math.exp(z * sd), 1.0)
    if surv in (0.0, 1.0):
        return math.nan, math.nan
    logs = math.log(surv)
    shift = z * sd / logs
    loglog = math.log(-logs)
    return math.exp(-math.exp(loglog - shift)), math.exp(-math.exp(loglog + shift))


_BEND = np.linspace(0.0, 1.0, 21)[1:]


def _bent(t1: float, h1: float, shape: float, before=((0.0, 0.0),)) -> tuple[list, list]:
    """Knots of ``H`` from the last knot of ``before`` to ``(t1, h1)``, bent as a power of
    time with ``shape`` (1: a straight segment, a constant hazard)."""
    t0, h0 = before[-1]
    u = _BEND
    return ([p[0] for p in before] + list(t0 + (t1 - t0) * u),
            [p[1] for p in before] + list(h0 + (h1 - h0) * u**shape))


def _arm_model(median, low, high, n, win, shape=1.0, printed=None):
    """An arm's cumulative hazard from its printed median and limits (``None`` when no median).

    The first segment (to the lower limit, or to the median) is bent by ``shape``. The
    follow-up window and the shape are rounded (to 0.1 of the time unit, a share of 0.001
    and a shape of 0.01) and the knots kept, so that a fit calling it thousands of times
    solves each distinct case once. ``printed`` stands for the three constraints in that
    cache's key (their values and settings), when the caller has it."""
    if median is None:
        return None
    rounded = (round(win[0], 1), round(win[1], 1), round(win[2], 3))
    key = (printed or (median, low, high), n, rounded, round(shape, 2))
    if key not in _MODELS:
        if len(_MODELS) > 50000:
            _MODELS.clear()
        _MODELS[key] = _solve_arm(median, low, high, n, *key[2:])
    return _MODELS[key]


_MODELS: dict = {}


def _solve_arm(median, low, high, n, win, shape):
    M = median.value
    if low is not None and 0 < low.value < M:
        L = low.value

        def gap(hL):
            ts, hs = _bent(L, hL, shape)
            return _band_at(ts, hs, L, n, win, low.conf_type, low.conf_level)[0] - 0.5

        a, b = 1e-6, _LOG2 - 1e-6
        if gap(a) > 0 > gap(b):
            ts, hs = _bent(L, optimize.brentq(gap, a, b, xtol=1e-10), shape)
            ts, hs = ts + [M], hs + [_LOG2]
        else:
            ts, hs = _bent(M, _LOG2, shape)
    else:
        ts, hs = _bent(M, _LOG2, shape)
    if high is not None and high.value > M:
        U = high.value

        def gap_u(hU):
            return _band_at(ts + [U], hs + [hU], U, n, win, high.conf_type, high.conf_level)[1] - 0.5

        a, b = _LOG2 + 1e-6, _LOG2 + 5.0
        if gap_u(a) > 0 > gap_u(b):
            h_high = optimize.brentq(gap_u, a, b, xtol=1e-10)
        else:  # the expected band never crosses by U: keep the hazard of the segment before
            slope = (hs[-1] - hs[-2]) / max(ts[-1] - ts[-2], 1e-9)
            h_high = hs[-1] + slope * (U - M)
        ts, hs = ts + [U], hs + [h_high]
    return _Arm(ts, hs)


def _z_of(conf_level: float) -> float:
    """The two-sided normal quantile of ``conf_level`` (computed once per level)."""
    if conf_level not in _Z:
        _Z[conf_level] = float(stats.norm.ppf(1 - (1 - conf_level) / 2))
    return _Z[conf_level]


#: Time grid of the expected Cox fit and event counts: this many points from 0 to the end of
#: potential follow-up.
_GRID = 1201


@functools.lru_cache(maxsize=256)
def _grid_to(top: float) -> np.ndarray:
    """The :data:`_GRID`-point grid from 0 to ``top`` (read-only: shared by every caller)."""
    grid = np.linspace(0.0, top, _GRID)
    grid.setflags(write=False)
    return grid


def _at_risk_curve(model: "_Arm", tail, n, win, grid_g=None):
    """``(y, dh)`` on the :data:`_GRID` grid: the expected number at risk ``n S G`` at each grid
    time and the increments of the cumulative hazard (``grid_g``: the grid and the follow-up
    survival ``G`` on it, when already computed)."""
    if grid_g is None:
        grid = _grid_to(win[1])
        grid_g = grid, _censor_survival(grid, win)
    grid, g = grid_g
    h = _cumulative(model, tail, grid)
    return n * np.exp(-h) * g, h[1:] - h[:-1]


def _expected_cox(models, tails, sizes, win, curves=None):
    """Cox log hazard ratio (first arm over second) and its standard error expected under the
    model: the score and information integrated over a time grid (``curves``: the two arms'
    :func:`_at_risk_curve`, when already computed)."""
    if curves is None:
        curves = [_at_risk_curve(m, tail, n, win) for m, tail, n in zip(models, tails, sizes)]
    (y1, dh1), (y0, dh0) = curves
    d1, d0 = y1[:-1] * dh1, y0[:-1] * dh0
    y1, y0 = y1[:-1], y0[:-1]
    d = d1 + d0
    seen = y1 + y0 > 0
    observed = float(d1.sum())
    beta = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(30):
            y1e = y1 * math.exp(beta)
            p = np.where(seen, y1e / (y1e + y0), 0.0)
            info = float((d * p * (1 - p)).sum())
            if info <= 0:
                return None
            step = (observed - float((d * p).sum())) / info
            beta += max(-1.0, min(1.0, step))
            if abs(step) < 1e-10:
                break
    return beta, 1 / math.sqrt(info)


#: Largest cumulative hazard at the end of follow-up of an arm whose median is printed as not
#: reached: survival 0.55, a margin above one half for the quantile data's steps.
_OPEN_H = -math.log(0.55)


#: Least expected upper band, while a patient is at risk, of an arm whose upper limit of the
#: median is printed as not reached.
_OPEN_BAND = 0.52


def _upper_band_path(model: _Arm, tail, n, win, conf_type, conf_level) -> np.ndarray:
    """The upper pointwise band of the Kaplan–Meier curve expected under the model (Greenwood
    variance under potential follow-up ``win``, as :func:`_band_at`), at the times of a grid
    to the end of follow-up where at least one patient is expected at risk."""
    z = _z_of(conf_level)
    grid, g_mid = _band_grid(win[1], win)  # shared by the arms of one parameter set
    h = _cumulative(model, tail, grid)
    at_risk = n * np.exp(-(h[1:] + h[:-1]) / 2) * g_mid
    seen = at_risk >= 1.0
    dh = h[1:] - h[:-1]
    var = np.cumsum(np.where(seen, dh / np.where(seen, at_risk, 1.0), 0.0))
    surv, sd = np.exp(-h[1:])[seen], np.sqrt(var)[seen]
    if conf_type == "plain":
        return np.minimum(surv + z * sd * surv, 1.0)
    if conf_type == "log":
        return np.minimum(surv * np.exp(z * sd), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(surv)
        return np.where(surv < 1, np.exp(-np.exp(np.log(-logs) + z * sd / logs)), 1.0)


def _cumulative(model: _Arm, tail, grid):
    """The model's cumulative hazard at the times ``grid``, the tail slope after its last knot."""
    h = np.interp(grid, model.t, model.h)
    beyond = grid > model.t[-1]
    h[beyond] = model.h[-1] + (grid[beyond] - model.t[-1]) * tail
    return h


def _expected_events(model: _Arm, tail, n, win, curve=None):
    """Events expected in an arm of ``n`` patients under the model and potential follow-up ``win``
    (``curve``: its :func:`_at_risk_curve`, when already computed)."""
    y, dh = _at_risk_curve(model, tail, n, win) if curve is None else curve
    return float((y[:-1] * dh).sum())


def _event_quantiles(model: _Arm, tail, n: int) -> np.ndarray:
    """The model's event times at the quantiles ``(i + 1/2)/n``."""
    return model.inverse(-np.log1p(-(np.arange(n) + 0.5) / n), tail)


def _quantile_data(model: _Arm, tail, cens, perm):
    t = _event_quantiles(model, tail, cens.size)
    c = cens[perm]
    return np.minimum(t, c), (t <= c).astype(np.int64), c


def _consistent(anchors: list, top: float) -> list:
    """The anchors, in the order given (most important first), that keep the map increasing."""
    kept = [(0.0, 0.0), (top, top)]
    for a in anchors:
        trial = sorted(kept + [a])
        old = np.array([p[0] for p in trial])
        new = np.array([p[1] for p in trial])
        if np.all(np.diff(old) > 0) and np.all(np.diff(new) > 0):
            kept = trial
    return sorted(kept)


def _retime(values: np.ndarray, anchors: list, top: float) -> tuple:
    """Map ``values`` by the increasing piecewise-linear function through the anchors
    ``(old, new)`` that keep it increasing (fixed at 0 and at ``top``); returns the mapped
    values and the number of anchors left out."""
    kept = _consistent(anchors, top)
    old = np.array([p[0] for p in kept])
    new = np.array([p[1] for p in kept])
    return np.interp(values, old, new), len(anchors) + 2 - len(kept)


@dataclass(frozen=True, eq=False)
class Pair:
    """A printed hazard ratio between two arms: what :func:`fitted_start` fits and nudges.

    ``patients`` indexes every patient of the two arms, ``x`` is 1 for a patient of
    ``arms[0]`` (the numerator) and 0 for ``arms[1]``; ``centre`` is the (log HR, SE) at the
    centre of the printed ranges (``se_printed`` False when no limits are printed: the SE is
    then free), ``bounds`` the
    log-scale ranges of :func:`survrepro.sources.synthesize._hr_outside` and ``scale`` the
    width the fit measures distances in.
    """

    arms: tuple
    patients: np.ndarray
    x: np.ndarray
    centre: tuple
    bounds: dict
    scale: float
    se_printed: bool = True
    tie_cap: int = 1  # patients that may share a time (:func:`tie_cap`)


def _arm_links(arms, pairs, by):
    """For each arm without a printed median, ``(other arm, hazard ratio)`` to borrow from, or ``None``."""
    links = {}
    for a in arms:
        if by[a]["median"] is not None:
            continue
        links[a] = None
        for p in pairs:
            if a in p.arms:
                other = p.arms[1] if p.arms[0] == a else p.arms[0]
                if by[other]["median"] is not None:
                    ratio = math.exp(p.centre[0])
                    links[a] = (other, ratio if p.arms[0] == a else 1 / ratio)
                    break
    return links


def fitted_start(target, group, cutoff: int, width: float, notes: list, default_median=(12.0, "12 months")):
    """A start ``(times, events, ends)`` (hundredths of the time unit) for an endpoint of one or more arms.

    ``target`` is the synthesizer's target for the endpoint: its ``arms``, ``pairs``
    (:class:`Pair`, the printed hazard ratios between them), medians and limits with the
    patients each describes (``median_masks``/``limit_masks`` over ``patients``), median
    follow-up, ``endpoint`` and ``shortest_followup``.

    Parameters
    ----------
    target : object
        What the construction aims at (see above).
    group : ndarray
        Group of every patient.
    cutoff : int
        Data cut-off, hundredths of the time unit after the start of accrual.
    width : float
        Accrual window, in the time unit.
    notes : list of str
        Appended with what was assumed.
    default_median : tuple
        The median (in the time unit) an arm starts from when nothing printed constrains it,
        and how the notes say it.

    Returns
    -------
    tuple of ndarray

    Examples
    --------
    See :func:`survrepro.sources.synthesize.synthesize`, which calls it.
    """
    hi = cutoff / 100.0
    lo = max(hi - width, 0.0)
    arms = tuple(target.arms)
    k = len(arms)
    pairs = list(target.pairs)
    by = {a: {"median": None, "median_ci_low": None, "median_ci_high": None} for a in arms}
    for c in list(target.medians) + list(target.limits):
        if len(c.arms) == 1 and c.arms[0] in by:
            by[c.arms[0]][c.quantity] = c
    sizes = {a: int((group == a).sum()) for a in arms}
    counts = {c.arms[0]: float(c.value) for c in target.events if len(c.arms) == 1 and c.arms[0] in by}
    count_aims = dict(counts)  # corrected by how far the quantile data's events fell from them
    mfu = float(target.followup[0].value) if target.followup else None
    # where the window is centred: the printed median follow-up, then corrected by how far the
    # data's own follow-up fell from it (see the rounds below)
    centre_of = {"followup": mfu}
    # the latest printed median or limit of an arm whose data did not reach one (set in the
    # rounds below): patients must then be followed past it
    reach = {"latest": 0.0}

    def window(x_spread, x_share=-8.0):
        """Potential follow-up ``(bottom, top, share)`` (:func:`_censor_survival`): uniform
        centred on the printed median follow-up (as corrected) with a spread chosen by the fit,
        else the accrual window, and a share (at most a half, chosen by the fit) lost to
        follow-up before it. Once an arm's data have not reached a printed median or limit, the
        spread is at least what puts the top at :data:`_PAST_LATEST` times the latest of them
        (as far as the cut-off allows): a band cannot cross one half where nobody is followed."""
        share = 0.5 / (1 + math.exp(-x_share))
        c = centre_of["followup"]
        if c is None or not 0 < c < hi:
            return lo, hi, share
        most = 2 * min(hi - c, c)
        w = max(most / (1 + math.exp(-x_spread)), min(most, 2 * (min(hi, _PAST_LATEST * reach["latest"]) - c)))
        return c - w / 2, c + w / 2, share

    links = _arm_links(arms, pairs, by)
    for a, link in links.items():
        if link is not None:
            notes.append(f"{target.endpoint} in {a}: no median is printed, so the construction starts from the "
                         f"hazard of {link[0]} times the printed hazard ratio (proportional hazards, an assumption).")
        else:
            notes.append(f"{target.endpoint} in {a}: no median is printed, so the construction starts from an "
                         "exponential hazard " + ("fitted to the printed hazard ratio and its limits"
                                                  if any(a in p.arms for p in pairs) else
                                                  f"of median {default_median[1]} (nothing printed constrains it)")
                         + " (an assumption).")

    # what fixes an arm's model besides the window and shape: its printed median and limits
    printed = {a: tuple(None if by[a][q] is None else (by[a][q].value, by[a][q].conf_type, by[a][q].conf_level)
                        for q in ("median", "median_ci_low", "median_ci_high")) for a in arms}

    def models(shapes, win):
        out = {a: _arm_model(by[a]["median"], by[a]["median_ci_low"], by[a]["median_ci_high"], sizes[a],
                             win, shape, printed[a]) for a, shape in zip(arms, shapes)}
        for a, link in links.items():
            out[a] = _Arm([0.0], [0.0]) if link is None else _Arm(out[link[0]].t, out[link[0]].h * link[1])
        return out

    # pairing of event and follow-up quantiles: a Fibonacci-lattice permutation (low discrepancy)
    perms = {a: np.argsort((np.arange(sizes[a]) * 0.6180339887498949 + 0.5) % 1.0, kind="stable") for a in arms}
    quantiles = {a: (np.arange(sizes[a]) + 0.5) / sizes[a] for a in arms}
    members = {a: np.flatnonzero(group == a) for a in arms}
    index = {a: i for i, a in enumerate(arms)}

    def unpack(x):
        """Tail hazards, shapes and the potential follow-up of parameters ``x``."""
        return np.exp(x[:k]), np.exp(x[k:2 * k]), window(x[2 * k], x[2 * k + 1])

    def data(x):
        tails, shapes, win = unpack(x)
        m = models(shapes, win)
        return {a: _quantile_data(m[a], tails[index[a]], _censor_quantiles(quantiles[a], win), perms[a]) for a in arms}

    # what the fit aims the expected Cox fit of each pair at: the centre, then corrected by how
    # far the quantile data's own fit fell from the expected one
    aims = {p.arms: np.array(p.centre, float) for p in pairs}

    def expected(x, state=None):
        tails, shapes, win, m, curves = state or evaluated(x)
        out = {}
        for p in pairs:
            i, j = index[p.arms[0]], index[p.arms[1]]
            out[p.arms] = _expected_cox([m[p.arms[0]], m[p.arms[1]]], (tails[i], tails[j]),
                                        (sizes[p.arms[0]], sizes[p.arms[1]]), win,
                                        (curves(p.arms[0]), curves(p.arms[1])))
        return out

    def evaluated(x):
        """Tail hazards, shapes, window and models of ``x``, with each arm's expected
        :func:`_at_risk_curve` computed when first asked for."""
        tails, shapes, win = unpack(x)
        m = models(shapes, win)
        grid = _grid_to(win[1])
        grid_g = grid, _censor_survival(grid, win)
        done = {}

        def curves(a):
            if a not in done:
                done[a] = _at_risk_curve(m[a], tails[index[a]], sizes[a], win, grid_g)
            return done[a]
        return tails, shapes, win, m, curves

    # lowest log tail hazard of each arm: raised for an arm whose data miss a printed median or
    # limit (the curve must go on falling after its last knot)
    floor = np.full(k, -12.0)
    # arms whose median is printed as not reached: the model's survival must stay above one half
    # to the end of follow-up, with a margin; arms whose upper limit alone is not reached: the
    # expected upper band must stay above one half while a patient is expected at risk
    open_arms = sorted({c.arms[0] for c in target.unreached if len(c.arms) == 1 and c.arms[0] in by
                        and c.quantity == "median"}, key=arms.index)
    open_bands = [c for c in target.unreached if len(c.arms) == 1 and c.arms[0] in by
                  and c.quantity == "median_ci_high" and c.arms[0] not in open_arms]

    def loss(x):
        if np.any(np.abs(x[k:2 * k]) > 1.5) or np.any(x[:k] < floor) or np.any(x[:k] > 3) or np.any(np.abs(x[2 * k:]) > 8):
            return 1e6
        total = 1e-3 * float(np.sum(x[k:2 * k] ** 2))
        state = evaluated(x)
        for p, fit in zip(pairs, expected(x, state).values()):
            if fit is None:
                return 1e6
            aim = aims[p.arms]
            total += ((fit[0] - aim[0]) / p.scale) ** 2
            if p.se_printed:
                total += ((fit[1] - aim[1]) / p.scale) ** 2
        tails, shapes, win, m, curves = state
        for a in open_arms:
            h_end = _cumulative(m[a], tails[index[a]], np.array([win[1]]))[0]
            total += (max(0.0, h_end - _OPEN_H) / 0.05) ** 2
        for c in open_bands:
            a = c.arms[0]
            upper = _upper_band_path(m[a], tails[index[a]], sizes[a], win, c.conf_type, c.conf_level)
            total += float(np.sum(np.maximum(0.0, _OPEN_BAND - upper) ** 2)) / 0.05 ** 2
        for a, c in counts.items():
            total += ((_expected_events(m[a], tails[index[a]], sizes[a], win, curves(a)) - count_aims[a])
                      / max(1.0, math.sqrt(c))) ** 2
        return total

    def fit_on_data(x):
        d = data(x)
        out = {}
        for p in pairs:
            t = np.concatenate([d[p.arms[0]][0], d[p.arms[1]][0]])
            e = np.concatenate([d[p.arms[0]][1], d[p.arms[1]][1]])
            xs = np.concatenate([np.ones(sizes[p.arms[0]], np.int64), np.zeros(sizes[p.arms[1]], np.int64)])
            out[p.arms] = log_hazard_ratio_untied(t, e, xs)
        return out

    def fit(x0, corrections=2):
        """Nelder-Mead on ``loss``, the aims then corrected by the quantile data's own fit and
        the fit run again, ``corrections`` times."""
        for correction in range(corrections + 1 if pairs or counts else 0):
            for _ in range(2):  # restarted once: a simplex in many dimensions stalls
                x0 = optimize.minimize(loss, x0, method="Nelder-Mead",
                                       options={"xatol": 1e-3, "fatol": 1e-7, "maxiter": 300 * (k + 1)}).x
            if correction < corrections:
                want, got = expected(x0), fit_on_data(x0)
                for p in pairs:
                    if want[p.arms] is not None and got[p.arms] is not None:
                        aims[p.arms] += np.array(p.centre) - np.array(got[p.arms])
        return x0

    start = models(np.ones(k), window(2.0))
    x0 = fit(np.array([math.log(start[a].last_slope()) if start[a].t.size > 1 else math.log(_LOG2 / default_median[0])
                       for a in arms] + [0.0] * k + [2.0, -6.0]))
    d_now = data(x0)
    built = _build(target, group, cutoff, hi, d_now, members, arms)
    best, best_loss = built[:3], target.loss(*built[:3])
    # up to four rounds correcting what the re-timing and the nudges left off the printed
    # numbers: the aims of the hazard ratios by the data's fit, the window's centre by the data's
    # follow-up, and the tail hazard of an arm whose data do not reach a printed median or limit
    for _ in range(4):
        if target.meets(*built[:3]):
            return built[:3]
        times, events, ends, followup_before_map, unreached = built
        for a in counts:  # the events of the quantile data, before they were mended
            count_aims[a] += counts[a] - float(d_now[a][1].sum())
        for p in pairs:
            got = cox_fit(times[p.patients] / 100.0, events[p.patients], p.x, getattr(target, "tie_cap", 1))
            if got is not None:
                aims[p.arms] += np.array(p.centre) - np.array(got)
        if mfu is not None and followup_before_map is not None and centre_of["followup"] is not None:
            centre_of["followup"] += mfu - followup_before_map
        for a in unreached:
            i = index[a]
            floor[i] = max(floor[i], x0[i] + math.log(2.0))
            x0[i] = floor[i]
            reach["latest"] = max([reach["latest"]] + [float(c.value) for c in list(target.medians) + list(target.limits)
                                                       if c.arms == (a,)])
        x0 = fit(x0, corrections=0)
        d_now = data(x0)
        built = _build(target, group, cutoff, hi, d_now, members, arms)
        now = target.loss(*built[:3])
        if now < best_loss:
            best, best_loss = built[:3], now
    # other pairings of two arms, kept only when one meets every printed number (with more
    # arms, what misses is the errors of the hazard ratios sharing the reference, which the
    # pairing leaves; they are mended together below)
    if k == 2 and not target.meets(*best):
        tails, shapes, win = unpack(x0)
        m = models(shapes, win)
        parts = {a: (_event_quantiles(m[a], tails[index[a]], sizes[a]), _censor_quantiles(quantiles[a], win))
                 for a in arms}
        most = min(_PAIRINGS_BUILT, max(1, _PAIRING_PATIENTS // group.size))
        for trial, perm in enumerate(_pairings(parts, pairs, counts, most)):
            perms.update(perm)
            built = _build(target, group, cutoff, hi, data(x0), members, arms, rounds=0)  # placed once: a third of the cost
            if target.meets(*built[:3]):
                notes.append(f"{target.endpoint}: the fitted model's quantile data, each event-time quantile paired "
                             "with a follow-up quantile by a low-discrepancy permutation, missed a printed number; "
                             f"of {_PAIRINGS} seeded random pairings, the one ranked {trial + 1} by how near its "
                             "data came to the printed hazard ratio and counts met every one, and is used.")
                return built[:3]
    # the hazard ratios and errors mended together (with more arms every pair shares the
    # reference arm); with two arms kept only when every printed number is then met, as the
    # search that follows a miss starts best from the fitted data as they were
    if not target.meets(*best):
        mended = tuple(v.copy() for v in best)
        counted = {a for c in target.events for a in (c.arms or arms)}
        fixed = _printed_times(target, group, arms, mended[0], mended[1])[0]
        _mend_pairs(target, group, arms, *mended, counted, fixed,
                    spread=int(np.clip(round(_MEND_SPREAD_PATIENTS / group.size), 2, 6)))
        if target.meets(*mended) or (k > 2 and target.loss(*mended) < best_loss):
            best = mended
    return best


def _pairings(parts: dict, pairs, counts: dict, most: int) -> list:
    """Seeded random pairings ``{arm: permutation}`` of quantile data, the nearest ``most`` of
    :data:`_PAIRINGS` draws, nearest first.

    ``parts`` holds each arm's event-time and follow-up quantiles ``(t, c)`` (the data of a
    pairing ``perm`` are ``min(t, c[perm])``, an event where ``t <= c[perm]``). A draw is scored
    on those data before re-timing, which keeps the order and hence the Cox fit: each printed
    hazard ratio's distance from the centre of its ranges (log coefficient and, when limits are
    printed, standard error, in the pair's ``scale``) and each printed event count's distance
    in its square root, squared and summed. Scoring a draw costs about a hundredth of building
    its data.
    """
    scored = []
    for draw in range(_PAIRINGS):
        rs = np.random.default_rng([_PAIRING_SEED, draw])
        perm = {a: rs.permutation(t.size) for a, (t, _) in parts.items()}
        d = {}
        for a, (t, c) in parts.items():
            cp = c[perm[a]]
            d[a] = (np.minimum(t, cp), (t <= cp).astype(np.int64))
        score = sum(((float(d[a][1].sum()) - v) / max(1.0, math.sqrt(v))) ** 2 for a, v in counts.items())
        for p in pairs:
            one, two = d[p.arms[0]], d[p.arms[1]]
            x = np.concatenate([np.ones(one[0].size, np.int64), np.zeros(two[0].size, np.int64)])
            fit = log_hazard_ratio_untied(np.concatenate([one[0], two[0]]), np.concatenate([one[1], two[1]]), x)
            if fit is None:
                score = math.inf
                break
            score += ((fit[0] - p.centre[0]) / p.scale) ** 2
            if p.se_printed:
                score += ((fit[1] - p.centre[1]) / p.scale) ** 2
        scored.append((score, draw, perm))
    scored.sort(key=lambda r: (r[0], r[1]))
    return [perm for _, _, perm in scored[:most]]


def _build(target, group, cutoff, hi, d, members, arms, rounds: int = 2):
    """The quantile data ``d`` re-timed onto the printed values and nudged to the printed
    hazard ratios: ``(times, events, ends, follow-up before the map, arms whose data do not
    reach a printed median or limit)``, times in hundredths; placed again at most ``rounds``
    times from where the nudges left the data."""
    n = group.size
    times = np.zeros(n)
    events = np.zeros(n, np.int64)
    ends = np.zeros(n)
    for a, (t, e, c) in d.items():
        times[members[a]], events[members[a]], ends[members[a]] = t, e, c
    ceiling = max(hi, float(np.max(times)), float(np.max(ends)))
    pat = target.patients
    counted = set()
    for c, m in zip(target.events, target.event_masks):  # printed event counts, before the re-timing
        _spread_count(times, events, ends, pat[m], int(c.value))
        counted |= set(c.arms)
    estimates = {(c.arms, c.landmark): c.value for c in target.survival if c.quantity == "survival"}
    for c, m in zip(target.survival, target.survival_masks):  # the spread about a landmark survival
        if c.quantity != "survival":
            _mend_band(times, events, ends, pat[m], c, estimates.get((c.arms, c.landmark), math.nan))
    for who, landmark, evaluable, remaining in _landmark_aims(target):
        _mend_landmark(times, events, ends, pat[who], landmark, evaluable, remaining)
    best = _place(target, group, cutoff, members, arms, times, events, ends, ceiling, counted)
    # the nudges and mends move times and events off the printed values a little: placed again
    # from where they left the data
    for _ in range(rounds):
        if target.meets(*best[:3]):
            break
        again = _place(target, group, cutoff, members, arms, best[0] / 100.0, best[1].copy(), best[2] / 100.0,
                       ceiling, counted)
        if (not target.meets(*again[:3]), target.loss(*again[:3])) < (True, target.loss(*best[:3])):
            best = again
        else:
            break
    return best


def _place(target, group, cutoff, members, arms, times, events, ends, ceiling, counted):
    """Re-time the data (in the time unit) onto the printed values, each arm by itself then every
    patient together, round to hundredths and adjust (:func:`_adjust`): ``(times, events,
    ends, follow-up before the map, arms whose data do not reach a printed median or limit)``."""
    n = group.size
    pat = target.patients
    times, ends = times.astype(float), ends.astype(float)
    pooled, fixed_values, unreached = [], [], []
    open_medians = {c.arms for c in target.unreached if c.quantity == "median"}
    for c, m in zip(target.unreached, target.unreached_masks):  # printed as not reached: not reached
        # (a lower limit NR beside a reached median is an undefined band, not a curve above one half)
        if c.quantity != "median_ci_low" or c.arms in open_medians:
            _unreach(times, events, ends, pat[m], c, keep_count=bool(set(c.arms) & counted))
    for a in arms:  # each arm's medians and limits: a map of that arm's times alone
        own = []
        for c, m in zip(list(target.medians) + list(target.limits), list(target.median_masks) + list(target.limit_masks)):
            got = _reach(times, events, ends, pat[m], c, keep_count=a in counted)
            if got is None:
                if c.arms == (a,):
                    unreached.append(a)
                continue
            anchor = (0 if c.quantity == "median" else 2, (float(got), float(c.value)))
            if c.arms == (a,):
                own.append(anchor)
            elif not c.arms and a == arms[0]:
                pooled.append(anchor)
        for c, m in zip(target.survival, target.survival_masks):
            if c.quantity != "survival":  # a confidence limit: left to the nudges and the search
                continue
            tau = _landmark_time(times[pat][m], events[pat][m], c)
            if tau is None:
                continue
            # the event at which the curve steps into the printed survival goes one hundredth
            # before the landmark, so the survival there includes it
            anchor = (1, (tau, c.landmark - 0.01))
            if c.arms == (a,):
                own.append(anchor)
            elif not c.arms and a == arms[0]:
                pooled.append(anchor)
        for who, landmark, _, remaining in _landmark_aims(target):
            if np.array_equal(pat[who], members[a]):  # the arm's patients remaining at the landmark
                own.append((1, _landmark_anchor(times[members[a]], landmark, remaining)))
        own = [x for _, x in sorted(own, key=lambda p: p[0])]
        idx = members[a]
        for c, m in zip(target.rmst, target.rmst_masks):
            if c.arms == (a,):
                own = _rmst_anchor(times[idx], events[idx], own, ceiling, c) or own
        mapped, _ = _retime(np.concatenate([times[idx], ends[idx]]), own, ceiling)
        times[idx], ends[idx] = mapped[:idx.size], mapped[idx.size:]
        fixed_values += [(a, v) for _, v in _consistent(own, ceiling)[1:-1]]
    followup = None
    for c in target.followup:
        if target.endpoint == target.followup_endpoint:
            followup = km_median(times[pat], 1 - events[pat], conf_int=False).estimate
        else:
            followup = km_median(ends, np.ones(n), conf_int=False).estimate
        if followup is not None:
            pooled.append((1, (float(followup), float(c.value))))
    # then every patient together, the arms' printed values held where they are
    anchors = [(v, v) for _, v in fixed_values] + [x for _, x in sorted(pooled, key=lambda p: p[0])]
    mapped, _ = _retime(np.concatenate([times, ends]), anchors, ceiling)
    t_int = np.clip(np.round(mapped[:n] * 100), 1, cutoff).astype(np.int64)
    f_int = np.clip(np.round(mapped[n:] * 100), 1, cutoff).astype(np.int64)
    sel = np.isin(group, arms)
    distinct(t_int, sel, cutoff, getattr(target, "tie_cap", 1))
    f_int = np.where(events == 1, np.clip(np.maximum(f_int, t_int), target.shortest_followup, cutoff), t_int)
    fixed = set()
    for a, v in fixed_values:
        fixed |= _defining_times(t_int[members[a]][events[members[a]] == 1], [v])
    fixed |= _defining_times(t_int, [v for old, v in _consistent(anchors, ceiling)[1:-1] if old != v])
    # nudged with swaps of events side by side only, and also across censorings: the better kept
    plain = _adjust(target, group, arms, t_int.copy(), events.copy(), f_int.copy(), fixed, across=False)
    wide = _adjust(target, group, arms, t_int, events, f_int, fixed, across=True)
    t_int, events, f_int = min((plain, wide), key=lambda st: (not target.meets(*st), target.loss(*st)))
    return t_int, events, f_int, followup, sorted(set(unreached))


def _landmark_aims(target) -> list:
    """``(patients, landmark, evaluable, remaining)`` of each landmark the target counts at
    (``patients`` indexes ``target.patients``; ``None`` where a count is not printed)."""
    aims = {}
    for c, m in zip(getattr(target, "at_landmark", ()), getattr(target, "at_landmark_masks", ())):
        key = (tuple(np.flatnonzero(m)), c.landmark)
        ev, rem = aims.get(key, (None, None))
        aims[key] = (int(c.value), rem) if c.quantity == "evaluable" else (ev, int(c.value))
    return [(np.array(k[0], dtype=np.int64), k[1], *v) for k, v in aims.items()]


def _mend_landmark(times, events, ends, who, landmark, evaluable, remaining) -> None:
    """Give the patients ``who`` the printed number not evaluable at ``landmark`` (in the time unit), in
    place: of the patients who will be before the landmark (all but the ``remaining`` latest,
    or those before it now), ``len(who) - evaluable`` must be censored. Event flags are swapped
    between a patient before the landmark and one after it, at evenly spaced ranks, so that
    the events of the arm stay as many; the re-timing then puts the landmark between them."""
    if evaluable is None:
        return
    order = who[np.argsort(times[who], kind="stable")]
    below = order[: order.size - remaining] if remaining is not None else order[times[order] < landmark]
    above = order[below.size:]
    diff = (order.size - evaluable) - int((events[below] == 0).sum())  # censorings to add before it
    if diff == 0 or not 0 <= order.size - evaluable <= below.size:
        return
    give = below[events[below] == (1 if diff > 0 else 0)]  # turned into the other kind before it
    take = above[events[above] == (0 if diff > 0 else 1)]  # and after it, the other way
    k = min(abs(diff), give.size, take.size)
    if k == 0:
        return
    for pool, to in ((give, 0 if diff > 0 else 1), (take, 1 if diff > 0 else 0)):
        chosen = pool[((np.arange(k) + 0.5) * pool.size / k).astype(int)]
        events[chosen] = to
        ends[chosen] = np.maximum(ends[chosen], times[chosen]) if to == 1 else times[chosen]


def _landmark_anchor(times, landmark, remaining) -> tuple:
    """The anchor ``(old, new)`` of the re-timing that leaves ``remaining`` of ``times``
    (in the time unit) at or after ``landmark``: the earliest of them goes to the landmark (the
    number there now when ``remaining`` is not printed)."""
    ordered = np.sort(times)
    if remaining is None:
        remaining = int((ordered >= landmark).sum())
    if not 0 < remaining <= ordered.size:
        return (landmark, landmark)
    return (float(ordered[ordered.size - remaining]), float(landmark))


def _rmst_anchor(times, events, anchors, top, c):
    """``anchors`` and one more that makes the arm's RMST to ``c.landmark`` the printed ``c.value``,
    or ``None``: the re-timing map is free between the anchors the printed values fix, so the
    midpoint (old times) of the widest stretch between them that starts before the horizon is
    moved within it (the area rises as it moves later) until the mapped times have the RMST."""
    kept = _consistent(anchors, top)
    gaps = [(min(b[0], c.landmark) - a[0], a, b) for a, b in zip(kept, kept[1:]) if a[0] < c.landmark]
    if not gaps:
        return None
    _, (old0, new0), (old1, new1) = max(gaps, key=lambda g: g[0])
    mid = (old0 + old1) / 2

    def gap(new_mid):
        mapped, _ = _retime(times, anchors + [(mid, new_mid)], top)
        return restricted_mean(mapped, events, c.landmark) - c.value

    a, b = new0 + 1e-6 * (new1 - new0), new1 - 1e-6 * (new1 - new0)
    if not gap(a) < 0 < gap(b):
        return None
    return anchors + [(mid, optimize.brentq(gap, a, b, xtol=1e-6))]


def _adjust(target, group, arms, t_int, events, f_int, fixed, across):
    """Nudge the hazard ratios (:func:`_nudge_beta`), then mend the printed event counts
    (:func:`_mend_count`) and the standard errors (:func:`_mend_se`), in place; returns the state."""
    for _ in range(2):  # a swap for one pair may move a patient of another across it: twice over
        for p in target.pairs:
            _nudge_beta(t_int, events, f_int, p, fixed, across=across)
    # the standard error is mostly the number of events: events and censorings later than every
    # time a printed value is read from change none of those values
    printed = [int(round(c.value * 100)) for c in list(target.medians) + list(target.limits) + list(target.followup)]
    printed += [int(round(c.landmark * 100)) for c in target.survival]
    safe = max(fixed | set(printed) | {0})
    pat = target.patients
    counted = set()
    for c, m in zip(target.events, target.event_masks):  # printed event counts, exactly
        _mend_count(t_int, events, f_int, pat[m], int(c.value), safe)
        counted |= set(c.arms) if c.arms else set(arms)
    if target.events:
        for p in target.pairs:
            _nudge_beta(t_int, events, f_int, p, fixed, across=across)
    before = (t_int.copy(), events.copy(), f_int.copy())
    for p in target.pairs:
        # with three arms or more the reference is shared by every pair: only the other arm turns
        keep = counted | ({p.arms[1]} if len(arms) > 2 else set())
        if p.se_printed and not set(p.arms) <= keep and _mend_se(t_int, events, f_int, p, safe, keep=keep,
                                                                  group=group, cap=p.tie_cap):
            _nudge_beta(t_int, events, f_int, p, fixed, across=across)
    if target.loss(*before) < target.loss(t_int, events, f_int):
        t_int, events, f_int = before
    return t_int, events, f_int


def _log_se(surv: float, limit: float, c) -> float | None:
    """The standard error of ``log S`` that puts the pointwise limit ``c`` (low or high, under
    ``c.conf_type``) of a survival ``surv`` at ``limit`` (the band of R's survfit, inverted)."""
    z = float(stats.norm.ppf(1 - (1 - c.conf_level) / 2))
    low = c.quantity == "survival_ci_low"
    if not 0 < surv < 1 or not 0 < limit < 1 or (limit >= surv if low else limit <= surv):
        return None
    if c.conf_type == "plain":
        return (surv - limit if low else limit - surv) / (z * surv)
    if c.conf_type == "log":
        return math.log(surv / limit if low else limit / surv) / z
    loglog, at = math.log(-math.log(surv)), math.log(-math.log(limit))
    return (loglog - at if low else at - loglog) * math.log(surv) / z


def _mend_band(times, events, ends, who, c, printed_surv, most: int | None = None) -> None:
    """Give the patients ``who`` the spread of the Kaplan–Meier curve at ``c.landmark`` that
    puts its pointwise limit ``c`` at the printed value about the printed survival
    ``printed_surv``, in place (times in the time unit, before the re-timing, which then moves the
    curve back onto the printed survival): the band is wider the fewer patients are at risk
    before the landmark, so a censoring after it becomes a loss to follow-up at a third of the
    way to it (wider) or a loss before it moves past it (narrower), one at a time, at most
    ``most`` (a tenth of them by default)."""
    from survrepro.engine.km import km_band_at

    want = _log_se(printed_surv, c.value, c)
    if want is None:
        return
    for _ in range(most if most is not None else max(1, who.size // 10)):
        band = km_band_at(times[who], events[who], c.landmark, conf_type=c.conf_type, conf_level=c.conf_level)
        got = _log_se(band[0], band[1] if c.quantity == "survival_ci_low" else band[2], c)
        if got is None or abs(got - want) <= 0.005 * want:
            return
        wider = got < want
        pool = who[(events[who] == 0) & ((times[who] > c.landmark) if wider else (times[who] < c.landmark))]
        if pool.size == 0:
            return
        i = pool[np.argmax(times[pool])] if wider else pool[np.argmin(times[pool])]
        times[i] = ends[i] = c.landmark / 3 if wider else times[i] + 2 * (c.landmark - times[i])


def _printed_times(target, group, arms, times, events) -> tuple:
    """The times (hundredths) the printed medians, limits, landmark survivals and median
    follow-up are read from (:func:`_defining_times`), and for each arm the time after which
    turning an event of its own into a censoring, or a censoring into an event, changes none
    of them: the last of those values of the arm (or of every patient) and of their times."""
    own = {a: [] for a in arms}
    shared = [c.value for c in target.followup] + [c.landmark for c in target.survival if not c.arms]
    for c in list(target.medians) + list(target.limits):
        (own[c.arms[0]] if len(c.arms) == 1 and c.arms[0] in own else shared).append(c.value)
    for c in target.survival:
        if len(c.arms) == 1 and c.arms[0] in own:
            own[c.arms[0]].append(c.landmark)
    fixed = _defining_times(times, shared)
    common = max(fixed | {int(round(v * 100)) for v in shared} | {0})
    late = {}
    for a in arms:
        m = group == a
        mine = _defining_times(times[m][events[m] == 1], own[a])
        fixed |= mine
        late[a] = max(mine | {int(round(v * 100)) for v in own[a]} | {common})
    return fixed, late


def _outside(pairs, fits) -> np.ndarray:
    """:func:`survrepro.sources.synthesize._hr_outside` of every pair (columns of ``fits``,
    shape ``(moves, pairs, 2)``: log HR and SE) over its scale, summed over the pairs, for every
    row (the SE of a pair without printed limits is its centre's)."""
    from survrepro.sources.synthesize import _hr_outside

    total = np.zeros(fits.shape[0])
    for q, p in enumerate(pairs):
        se = fits[:, q, 1] if p.se_printed else np.full(fits.shape[0], p.centre[1])
        total += _hr_outside(p.centre, p.bounds, fits[:, q, 0], se) / (p.scale / 5)
    return total


def evenly_spaced(idx: np.ndarray, most: int, turn: int) -> np.ndarray:
    """At most ``most`` of ``idx``, evenly spaced from an offset that turns (by the golden
    ratio, modulo 1) with ``turn``; all of ``idx`` when there are no more.

    Examples
    --------
    >>> evenly_spaced(np.arange(10), 3, 0).tolist(), evenly_spaced(np.arange(10), 3, 1).tolist()
    ([0, 3, 6], [2, 5, 8])
    """
    if idx.size <= most:
        return idx
    return idx[np.unique(((np.arange(most) + (turn * 0.6180339887498949) % 1.0) * idx.size / most).astype(int))]


def _mend_pairs(target, group, arms, times, events, ends, counted, fixed, rounds: int = 3,
                moves: int = 300, spread: int = 6) -> None:
    """Bring the hazard ratios and standard errors of two or more arms together towards their
    printed ranges, in place, by a greedy descent on the pairs' loss, then the nudges
    (:func:`_nudge_beta`) of each pair (kept only when they lower the loss of every printed
    number), ``rounds`` times. The moves are

    * a censoring moved as far as it can go either way between the events of its own arm
      either side of it: the arm's Kaplan–Meier curve and Greenwood variance, hence its
      medians, limits and landmark survivals, do not change, while the risk sets of the
      other arms' events it passes do;
    * an event not at a printed time moved as far as it can go either way, once between its
      own arm's neighbouring times and once between the censorings of its own arm and the
      printed times (``fixed``) either side of it, never across a landmark: the arm's at-risk
      counts, hence the heights of its curve and band, and the times the printed values are
      read from do not change, while the other arms' risk sets do;
    * an event later than every printed value of its arm (:func:`_printed_times`) turned into a
      censoring at the same time, or such a censoring into an event; in an arm whose events
      are printed, both at once, which keeps the count.

    A move in a non-reference arm changes its own pair only; one in the shared reference arm
    changes every pair, so the standard errors are mended jointly. Each move is fitted alone;
    two moves together are judged by the sum of their changes (one moving the standard error,
    the other the log hazard ratio back), and the best of them, refitted, is kept when it
    lowers the loss of every printed number (:meth:`loss` of ``target``). At most ``spread``
    events or censorings of each arm, and ``6 spread`` censorings and events to slide, are
    tried, evenly spaced from an offset that turns with each move. The descent stops once it
    has made ``_MEND_FITS`` Cox fits, or ``_MEND_PATIENT_FITS`` over the patients."""
    pairs = list(target.pairs)
    top = int(max(times.max(), ends.max()))
    turn = [0]
    fits = [min(_MEND_FITS, _MEND_PATIENT_FITS // max(1, times.size))]  # left to make

    def fit_of(p):
        fits[0] -= 1
        fit = cox_fit(times[p.patients] / 100.0, events[p.patients], p.x, getattr(target, "tie_cap", 1))
        return (math.nan, math.nan) if fit is None else fit

    def spaced(idx, most=spread):
        return evenly_spaced(idx, most, turn[0])

    landmarks = sorted({int(round(c.landmark * 100)) for c in list(target.survival) + list(target.rmst)})

    def slide(a, j, lo, hi, taken):
        """Patient ``j`` of arm ``a`` moved as far as it can go either way inside ``(lo, hi)``."""
        for step, start in ((1, lo + 1), (-1, hi - 1)):
            t = start
            while lo < t < hi and t in taken:
                t += step
            if lo < t < hi and (t - times[j]) * step < 0:
                yield a, (), int(j), t

    def candidates(late, taken):
        """``(arm, flips, moved patient, its new time)`` of every move tried."""
        for a in arms:
            mine = np.flatnonzero(group == a)
            ev_t = np.sort(times[mine[events[mine] == 1]])
            for j in spaced(mine[(events[mine] == 0) & ~np.isin(times[mine], list(fixed))], 6 * spread):
                k = int(np.searchsorted(ev_t, times[j]))
                lo = int(ev_t[k - 1]) if k > 0 else 0
                hi = int(ev_t[k]) if k < ev_t.size else top + 1
                yield from slide(a, j, lo, hi, taken)
            own_t = np.sort(times[mine])
            walls = np.unique(np.concatenate([times[mine[events[mine] == 0]], sorted(fixed)]).astype(np.int64))
            for j in spaced(mine[(events[mine] == 1) & ~np.isin(times[mine], list(fixed))], 6 * spread):
                k = int(np.searchsorted(walls, times[j]))
                lo = int(walls[k - 1]) if k > 0 else 0
                hi = int(walls[k]) if k < walls.size else top + 1
                for x in landmarks:  # an event kept on its side of every landmark
                    lo, hi = (lo, min(hi, x + 1)) if times[j] <= x else (max(lo, x), hi)
                yield from slide(a, j, lo, hi, taken)
                near = (own_t[own_t < times[j]][-1:], own_t[own_t > times[j]][:1])
                n_lo = max(lo, int(near[0][0])) if near[0].size else lo
                n_hi = min(hi, int(near[1][0])) if near[1].size else hi
                if (n_lo, n_hi) != (lo, hi):
                    yield from slide(a, j, n_lo, n_hi, taken)
            who = mine[(times[mine] > late[a]) & ~np.isin(times[mine], list(fixed))]
            ev, ce = spaced(who[events[who] == 1]), spaced(who[events[who] == 0])
            if a in counted:
                for i in ev:
                    for j in ce:
                        yield a, (int(i), int(j)), None, None
            else:
                for i in np.concatenate([ev, ce]):
                    yield a, (int(i),), None, None

    def apply(move):
        _, flips, j, t = move
        for m in flips:
            events[m] = 1 - events[m]
            ends[m] = times[m] if events[m] == 0 else max(ends[m], times[m])
        if j is not None:
            times[j], ends[j] = t, (t if events[j] == 0 else max(ends[j], t))

    for _ in range(rounds):
        late = _printed_times(target, group, arms, times, events)[1]
        total = target.loss(times, events, ends)
        for _ in range(moves):
            if fits[0] <= 0:
                break
            now = np.array([fit_of(p) for p in pairs])
            if _outside(pairs, now[None])[0] == 0:
                return
            taken = set(times[np.isin(group, arms)].tolist())
            turn[0] += 1
            cands, change = [], []
            for move in candidates(late, taken):
                state = (times.copy(), events.copy(), ends.copy())
                apply(move)
                change.append([fit_of(p) if move[0] in p.arms else tuple(now[q]) for q, p in enumerate(pairs)])
                times[:], events[:], ends[:] = state
                cands.append(move)
            if not cands:
                break
            delta = np.nan_to_num(np.array(change) - now, nan=1e3)  # (moves, pairs, 2)
            m = len(cands)
            one = _outside(pairs, now + delta)
            two = _outside(pairs, (now + delta[:, None] + delta[None, :]).reshape(m * m, len(pairs), 2)).reshape(m, m)
            two[np.tril_indices(m)] = np.inf
            order = [(v, (c,)) for c, v in enumerate(one)] + [
                (two.flat[f], divmod(int(f), m)) for f in np.argsort(two, axis=None, kind="stable")[:8]]
            kept = False
            for v, chosen in sorted(order, key=lambda r: r[0])[:8]:
                if not v < _outside(pairs, now[None])[0]:
                    break
                moved = [cands[c] for c in chosen]
                if len(chosen) == 2 and ({moved[0][2]} | set(moved[0][1])) & ({moved[1][2]} | set(moved[1][1])) - {None}:
                    continue
                if len(chosen) == 2 and moved[0][3] is not None and moved[0][3] == moved[1][3]:
                    continue
                state = (times.copy(), events.copy(), ends.copy())
                for move in moved:
                    apply(move)
                loss = target.loss(times, events, ends)
                if loss < total:
                    total, kept = loss, True
                    break
                times[:], events[:], ends[:] = state
            if not kept:
                break
        if target.meets(times, events, ends):
            return
        state, total = (times.copy(), events.copy(), ends.copy()), target.loss(times, events, ends)
        for p in pairs:
            _nudge_beta(times, events, ends, p, fixed, across=True)
        if not target.loss(times, events, ends) < total:  # the nudges kept only when they help
            times[:], events[:], ends[:] = state
            return


def _landmark_time(times, events, c):
    """The event time (in the time unit) at which the Kaplan–Meier curve of ``times``, ``events`` steps
    into the values that round to the printed survival ``c.value`` (a fraction to
    ``c.decimals``), or ``None`` when no step lands there (one step jumps over it, or the curve
    never falls that far)."""
    half = 10.0 ** (-c.decimals) / 2
    at, surv = km_steps(times, events)
    inside = np.flatnonzero(surv < c.value + half)
    if inside.size == 0 or surv[inside[0]] < c.value - half:
        return None
    return float(at[inside[0]])


def km_steps(times, events) -> tuple:
    """The event times of a Kaplan–Meier curve and its survival just after each (ties grouped).

    Examples
    --------
    >>> km_steps(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1, 1, 0, 1]))[1].tolist()  # 3/4, (3/4)(2/3), 0
    [0.75, 0.5, 0.0]
    """
    times = np.asarray(times, float)
    ut, inv = np.unique(times, return_inverse=True)
    d = np.bincount(inv, weights=np.asarray(events, float))
    n_risk = times.size - np.concatenate(([0], np.cumsum(np.bincount(inv))[:-1]))
    at = d > 0
    return ut[at], np.cumprod(1.0 - d[at] / n_risk[at])


def _reach(times, events, ends, who, c, most: int = 20, keep_count: bool = False):
    """The value of the median or limit ``c`` on the patients ``who`` (in the time unit), after turning
    at most ``most`` of their censorings from ``0.9 c.value`` on into events (the earliest
    first, in place) when the data do not reach it: a quantile model whose curve or band ends
    just above one half is pushed over it where the printed value says it is crossed. With
    ``keep_count`` (the events are printed) each new event is paid for by the earliest event
    becoming a censoring."""
    part = {"median": "estimate", "median_ci_low": "low", "median_ci_high": "high"}[c.quantity]
    for _ in range(most + 1):
        got = getattr(km_median(times[who], events[who], conf_type=c.conf_type, conf_level=c.conf_level), part)
        if got is not None:
            return got
        late = who[(events[who] == 0) & (times[who] >= 0.9 * c.value)]
        if late.size == 0:
            return None
        i = late[np.argmin(times[late])]
        events[i] = 1
        ends[i] = max(ends[i], times[i])
        if keep_count:  # the earliest event (largest risk set) becomes a censoring at its time
            first = who[events[who] == 1]
            j = first[np.argmin(times[first])]
            events[j], ends[j] = 0, times[j]
    return None


def _unreach(times, events, ends, who, c, most: int | None = None, keep_count: bool = False) -> None:
    """Turn the latest events of the patients ``who`` into censorings at their times, in place,
    until the median or limit ``c``, printed as not reached, is not reached by their
    Kaplan–Meier curve (at most ``most``, a quarter of them by default). The latest events
    come after every printed limit below the median, so those keep their values. With
    ``keep_count`` (the events are printed) each is paid for by the earliest censoring becoming
    an event (the largest risk set, where an event moves the curve and its band least)."""
    part = {"median": "estimate", "median_ci_low": "low", "median_ci_high": "high"}[c.quantity]
    for _ in range(most if most is not None else max(1, who.size // 4)):
        if getattr(km_median(times[who], events[who], conf_type=c.conf_type, conf_level=c.conf_level), part) is None:
            return
        late = who[events[who] == 1]
        if late.size == 0:
            return
        i = late[np.argmax(times[late])]
        if keep_count:
            early = who[(events[who] == 0) & (times[who] < times[i])]
            if early.size == 0:
                return
            j = early[np.argmin(times[early])]
            events[j], ends[j] = 1, max(ends[j], times[j])
        events[i], ends[i] = 0, times[i]


def _spread_count(times, events, ends, who, count: int) -> None:
    """Give the patients ``who`` ``count`` events, in place, by turning events into censorings
    at the same time (or censorings into events) at evenly spaced ranks in time, so that the
    curve keeps its shape; the re-timing then moves its medians and limits back onto the
    printed values."""
    diff = count - int(events[who].sum())
    if diff == 0:
        return
    pool = who[events[who] == (0 if diff > 0 else 1)]
    pool = pool[np.argsort(times[pool], kind="stable")]
    k = min(abs(diff), pool.size)
    if k == 0:
        return
    chosen = pool[((np.arange(k) + 0.5) * pool.size / k).astype(int)]
    events[chosen] = 1 if diff > 0 else 0
    ends[chosen] = np.maximum(ends[chosen], times[chosen]) if diff > 0 else times[chosen]


def _mend_count(times, events, ends, who, count: int, safe: int) -> None:
    """Make the patients ``who`` have ``count`` events, in place, by turning their latest events
    later than ``safe`` (hundredths) into censorings at the same time, or their earliest such
    censorings into events (none of the printed values is read after ``safe``)."""
    while True:
        diff = count - int(events[who].sum())
        if diff == 0:
            return
        late = who[(times[who] > safe) & (events[who] == (0 if diff > 0 else 1))]
        if late.size == 0:
            return
        i = late[np.argmin(times[late])] if diff > 0 else late[np.argmax(times[late])]
        events[i] = 1 if diff > 0 else 0
        ends[i] = max(ends[i], times[i]) if diff > 0 else times[i]


def _mend_se(times, events, ends, pair, safe: int, max_flips: int | None = None, keep=(), group=None,
             cap: int = 1) -> bool:
    """Bring the standard error of ``pair``'s Cox fit towards the centre of its printed range,
    in place, by turning events later than ``safe`` (hundredths) into censorings at the same
    time (fewer events, a larger SE) or such censorings into events (a smaller SE), the two
    arms in turn (not those in ``keep``, whose events are printed; ``group`` names each
    patient's arm), latest first. Stops when the fit is inside the printed ranges (shrunk about
    their centre), when the SE passes the centre, or when no patient is left to turn; returns
    whether anything changed."""
    from survrepro.sources.synthesize import _hr_outside

    pat = pair.patients
    changed = False
    limit = max_flips if max_flips is not None else max(1, pat.size // 4)
    side = None
    for step in range(limit):
        fit = cox_fit(times[pat] / 100.0, events[pat], pair.x, cap)
        if fit is None or _hr_outside(pair.centre, pair.bounds, fit[0], fit[1]) == 0:
            break
        fewer = fit[1] < pair.centre[1]  # SE too small: too many events
        if side is not None and side != fewer:
            break
        side = fewer
        free = ~np.isin(group[pat], list(keep)) if keep else np.ones(pat.size, bool)
        arm = step % 2
        late = pat[free & (pair.x == (1 - arm)) & (times[pat] > safe) & (events[pat] == (1 if fewer else 0))]
        if late.size == 0:
            late = pat[free & (times[pat] > safe) & (events[pat] == (1 if fewer else 0))]
            if late.size == 0:
                break
        i = late[np.argmax(times[late])]
        events[i] = 0 if fewer else 1
        ends[i] = times[i] if fewer else max(ends[i], times[i])
        changed = True
    return changed


def _defining_times(times: np.ndarray, values) -> set:
    """The times (hundredths) a printed value is read from: the value itself when a patient
    has it, else the times either side of it (a median on a flat stretch at one half is the
    midpoint of two event times)."""
    ts = np.unique(times)
    out = set()
    for v in values:
        c = int(round(v * 100))
        k = int(np.searchsorted(ts, c))
        if k < ts.size and ts[k] == c:
            out.add(c)
        else:
            out.update(int(ts[m]) for m in (k - 1, k) if 0 <= m < ts.size)
    return out


def _isotonic(y: np.ndarray) -> np.ndarray:
    """The non-decreasing sequence nearest to ``y`` in least squares (pool-adjacent-violators)."""
    means, sizes = [], []
    for v in y.astype(float):
        means.append(v)
        sizes.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            n = sizes[-2] + sizes[-1]
            means[-2] = (means[-2] * sizes[-2] + means[-1] * sizes[-1]) / n
            sizes[-2] = n
            means.pop()
            sizes.pop()
    return np.repeat(means, sizes)


def cox_fit(tt, ee, x, tie_cap: int = 1, ties: str = "efron"):
    """Cox ``(log HR, SE)`` of ``x`` == 1 against 0 (``None`` when it has no finite fit): the
    untied fast path while every time is distinct (``tie_cap`` 1, see :func:`tie_cap`), the
    fit under ``ties`` once patients may share a time.

    Examples
    --------
    >>> t, e, x = np.array([1.0, 2, 3, 4, 5, 6]), np.array([1, 1, 0, 1, 1, 1]), np.array([1, 0, 1, 0, 1, 0])
    >>> bool(round(cox_fit(t, e, x)[0], 6) == round(cox_fit(t, e, x, tie_cap=2)[0], 6))  # no ties: the same
    True
    """
    return log_hazard_ratio_untied(tt, ee, x) if tie_cap == 1 else log_hazard_ratio(tt, ee, x, ties=ties)


def tie_cap(patients: int, top: int, peak: float = 0.0) -> int:
    """How many of ``patients`` may share a hundredth of ``[1, top]``: 1 (every time distinct)
    while they fit, more when there are more patients than hundredths (4,000 patients within
    6 months share each hundredth by sevens, as real data share days), or when ``peak``, the
    patients expected in the busiest hundredth, is above 1 (distinct times would then spread
    the crowd and move the medians).

    Examples
    --------
    >>> tie_cap(500, 1000), tie_cap(4052, 644), tie_cap(550, 550, peak=1.3)
    (1, 7, 2)
    """
    return max(1, -(-int(patients) // max(int(top), 1)), math.ceil(peak))


def peak_density(sizes_and_medians) -> float:
    """Patients expected in the busiest hundredth of the time unit: each arm of ``n`` patients and
    printed median ``m`` contributes its exponential density at time 0,
    ``n log 2 / (100 m)``.

    Examples
    --------
    >>> round(peak_density([(275, 3.9), (275, 2.9)]), 2)
    1.15
    """
    return sum(n * _LOG2 / (100.0 * m) for n, m in sizes_and_medians if m and m > 0)


def distinct(times: np.ndarray, sel: np.ndarray, top: int, cap: int | None = None) -> None:
    """Make the times (hundredths) of the patients ``sel`` distinct and within ``[1, top]``, in
    place, keeping their order and moving them as little as possible in least squares: the
    sorted times less their ranks are made non-decreasing (isotonic regression), so that a
    crowd of equal times spreads both ways instead of pushing later times on. When there are
    more patients than hundredths in ``[1, top]``, or ``cap`` (default :func:`tie_cap` of the
    patients and ``top``) is above 1, at most that many share a time instead (the ranks
    counted in groups of that many).

    Examples
    --------
    >>> t = np.array([5, 5, 5, 9]); distinct(t, np.ones(4, bool), 100); t.tolist()
    [4, 5, 6, 9]
    >>> t = np.array([2, 2, 2, 2, 3]); distinct(t, np.ones(5, bool), 3); t.tolist()
    [1, 1, 2, 2, 3]
    """
    idx = np.flatnonzero(sel)
    m = idx.size
    if m == 0:
        return
    o = idx[np.argsort(times[idx], kind="stable")]
    rank = np.arange(m) // max(tie_cap(m, top), cap or 1)
    shifted = np.clip(_isotonic(times[o] - rank), 1, top - rank[-1])
    times[o] = np.round(shifted).astype(times.dtype) + rank


def spread_ties(times: np.ndarray, sel: np.ndarray) -> None:
    """Make the times (hundredths) of the patients ``sel`` distinct, in place: the later of two
    equal times (in stable sort order) moves on by 0.01, repeatedly until none are equal.

    Parameters
    ----------
    times : ndarray of int
        Times of every patient, hundredths of the time unit.
    sel : ndarray of bool
        The patients whose times must differ.

    Returns
    -------
    None

    Examples
    --------
    >>> t = np.array([5, 5, 5, 9]); spread_ties(t, np.ones(4, bool)); t.tolist()
    [5, 6, 7, 9]
    """
    while True:
        ts = times[sel]
        o = np.argsort(ts, kind="stable")
        dup = np.flatnonzero(np.diff(ts[o]) == 0)
        if dup.size == 0:
            return
        times[np.flatnonzero(sel)[o[dup + 1]]] += 1


def _nudge_beta(times, events, ends, target, fixed, max_rounds: int = 200, across: bool = False) -> None:
    """Move the Cox log hazard ratio to the centre of its printed range, in place, by swapping
    the times of neighbours (in time) from different arms.

    A swap of two neighbours leaves the order within each arm as it was, so each arm's
    Kaplan–Meier curve keeps its shape (only the two times change, by less than the gap
    between them); patients whose time is a printed value (``fixed``, hundredths) are not
    moved. Only two events are swapped (an event of the arm whose hazard must rise comes one
    place earlier), so the sequence of events and censorings stays as it was; swaps are made
    in batches, halved when the coefficient passes the centre.
    """
    from survrepro.sources.synthesize import _hr_outside

    pat = target.patients
    x = target.x
    batch = max(1, pat.size // 50)
    cap = getattr(target, "tie_cap", 1)
    after = cox_fit(times[pat] / 100.0, events[pat], x, cap)
    # a swap exchanges two patients' times, so the sorted times, and which places in that order
    # hold a fixed time, stay as they are from round to round
    free = ~np.isin(np.sort(times[pat], kind="stable"), list(fixed))
    # each round's swaps follow from the data and the batch alone, so once a state comes again
    # the rounds cycle: the data are then set to the state the last round would leave
    first_round: dict = {}
    states: list = []
    for r in range(max_rounds):
        key = (times[pat].tobytes(), ends[pat].tobytes(), batch)
        if key in first_round:
            j = first_round[key]
            times[pat], ends[pat] = states[j + (max_rounds - j) % (r - j)]
            return
        first_round[key] = r
        states.append((times[pat].copy(), ends[pat].copy()))
        tt, ee = times[pat], events[pat]
        fit = after  # the fit of the data as they now are
        if fit is None or _hr_outside(target.centre, target.bounds, fit[0], fit[1]) == 0:
            return
        up = fit[0] < target.centre[0]  # the first arm's hazard must rise: its events come earlier
        o = np.argsort(tt, kind="stable")
        xs, es = x[o], ee[o]
        lead = 1 if up else 0  # the arm whose event moves one place earlier
        # both events: the sequence of events and censorings (hence the reverse Kaplan-Meier
        # follow-up) is kept as it is
        k = np.flatnonzero((xs[1:] == lead) & (es[1:] == 1) & (xs[:-1] != lead) & (es[:-1] == 1))
        k = k[free[k] & free[k + 1]]
        first, second = k, k + 1
        if k.size == 0 and across:
            # no two such events side by side: neighbours among the events alone, censorings
            # between them (the pooled times are kept, so the follow-up is; each arm's curve
            # moves by the censorings its moved event passes)
            pos = np.flatnonzero(es == 1)
            xe = xs[pos]
            k = np.flatnonzero((xe[1:] == lead) & (xe[:-1] != lead) & free[pos[1:]] & free[pos[:-1]])
            first, second = pos[k], pos[k + 1]
        if k.size == 0:
            return
        pick = np.linspace(0, k.size - 1, min(batch, k.size)).astype(int)
        pick = pick[np.concatenate(([True], np.diff(k[pick]) > 1))]  # pairs that do not overlap
        i, j = pat[o[first[pick]]], pat[o[second[pick]]]
        times[i], times[j] = times[j].copy(), times[i].copy()
        for m in (i, j):
            ends[m] = np.where(events[m] == 1, np.maximum(ends[m], times[m]), times[m])
        after = cox_fit(times[pat] / 100.0, events[pat], x, cap)
        if after is not None and (after[0] > target.centre[0]) == up and batch > 1:
            batch = max(1, batch // 2)




#: Powers of the warps :func:`finish_pairs` tries on the times between two printed times of an arm.
_WARPS = (0.4, 0.55, 0.7, 0.8, 0.9, 1.1, 1.25, 1.4, 1.8, 2.5)
#: Further moves :func:`finish_pairs` makes in a round from the same fits, each kept when it helps.
_FINISH_MORE = 8
#: Factors by which it stretches the times of an arm after the arm's last printed time.
_STRETCHES = (0.5, 0.7, 0.8, 0.9, 0.95, 1.05, 1.1, 1.25, 1.5, 2.0, 3.0)


def finish_pairs(target, group, times, events, ends, rounds: int, positions: int = 12, most: int = 30) -> tuple:
    """The hazard ratios of two or more arms brought into their printed ranges by moves that
    leave each arm's own Kaplan–Meier curve as it is: ``(times, events, ends)``, the nearest
    state found (the arrays given are not changed).

    Every move keeps the order of each arm's events and censorings, and each time a printed
    value is read from (:func:`_printed_times`): so each arm's curve, Greenwood variance,
    medians and limits do not change, while the other arms' risk sets do. The moves are

    * one patient (of at most ``most`` of each arm, evenly spaced from an offset that turns
      with each round) put at one of ``positions`` times evenly spaced strictly between the
      neighbouring times of its own arm;
    * the times of an arm between two of its printed times warped by a power (``_WARPS``:
      ``lo + (hi - lo) u ** power`` of the share ``u`` of the way), or those after its last
      printed time stretched about it (``_STRETCHES``).

    No event crosses a landmark and no two patients come to share a time unless the target
    allows it. A move in a non-reference arm moves its own hazard ratio only; one in the
    shared reference arm moves every pair. Each round takes the pair farthest outside its
    printed ranges, fits every move of its two arms alone, judges two moves together by the
    sum of their changes (one moving the standard error, the other the log hazard ratio back)
    and keeps the best single move or pair of moves that lowers the loss of every printed
    number (:meth:`loss` of ``target``), then up to ``_FINISH_MORE`` more moves of other
    patients and stretches, each the best the same fits predict, kept when it lowers that
    loss. It ends when every printed number is met, no move
    helps, or after ``rounds`` rounds.
    """
    times, events, ends = times.copy(), events.copy(), ends.copy()
    arms = tuple(target.arms)
    pairs = list(target.pairs)
    fixed, _ = _printed_times(target, group, arms, times, events)
    fixed_arr = np.array(sorted(fixed), dtype=np.int64)
    landmarks = np.array(sorted({int(round(c.landmark * 100)) for c in list(target.survival) + list(target.rmst)
                                 + list(getattr(target, "at_landmark", ()))}), dtype=np.int64)
    cap = getattr(target, "tie_cap", 1)
    top = int(max(times.max(), ends.max()))

    def fits():
        return np.array([cox_fit(times[p.patients] / 100.0, events[p.patients], p.x, cap) or (math.nan, math.nan)
                         for p in pairs], float)

    def allowed(who, new):
        """Whether moving patients ``who`` to ``new`` keeps every landmark side and leaves no tie."""
        if landmarks.size:
            ev = events[who] == 1
            if np.any(np.searchsorted(landmarks, times[who][ev]) != np.searchsorted(landmarks, new[ev])):
                return False
        if cap == 1:
            rest = np.delete(times, who)
            return np.unique(new).size == new.size and not np.any(np.isin(new, rest))
        return True

    def moves(arm, segment):
        """``(segment id, patients, new times)`` of every move of ``arm``."""
        mine = np.flatnonzero(group == arm)
        order = mine[np.argsort(times[mine], kind="stable")]
        own = times[order]
        anchors = [0] + [k for k in range(own.size) if own[k] in fixed]
        # single patients, at most ``most`` of the arm's (evenly spaced, turning with the round)
        for k in evenly_spaced(np.arange(own.size), most, turn[0]):
            j, t = int(order[k]), own[k]
            if t in fixed or (k > 0 and own[k - 1] == t) or (k + 1 < own.size and own[k + 1] == t):
                continue
            lo = int(own[k - 1]) if k > 0 else 0
            hi = int(own[k + 1]) if k + 1 < own.size else top + 1
            seg = segment[(arm, int(np.searchsorted(anchors, k)))]
            for new in np.unique(np.linspace(lo + 1, hi - 1, positions).round().astype(np.int64)):
                if lo < new < hi and new != t and allowed(np.array([j]), np.array([new])):
                    yield seg, np.array([j]), np.array([new])
        # warps between printed times, and the stretch of the tail
        cuts = [k for k in range(own.size) if own[k] in fixed]
        edges = [(-1, k) for k in cuts[:1]] + list(zip(cuts, cuts[1:])) + [(cuts[-1] if cuts else -1, own.size)]
        for a, b in edges:
            inner = np.arange(a + 1, b)
            if inner.size < 2:
                continue
            lo = float(own[a]) if a >= 0 else 0.0
            seg = segment[(arm, int(np.searchsorted(anchors, inner[0])))]
            if b < own.size:
                hi = float(own[b])
                share = (own[inner] - lo) / (hi - lo)
                options = [lo + (hi - lo) * share ** w for w in _WARPS]
            else:
                options = [lo + (own[inner] - lo) * f for f in _STRETCHES]
            for new in options:
                new = np.round(new).astype(np.int64)
                if np.all(np.diff(new) > 0) and new[0] > lo and (b == own.size or new[-1] < own[b]) \
                        and allowed(order[inner], new):
                    yield seg, order[inner], new

    total = target.loss(times, events, ends)
    turn = [0]
    for _ in range(rounds):
        if target.meets(times, events, ends):
            break
        turn[0] += 1
        distinct = np.unique(times).size  # a move may not make two patients share a time
        now = fits()
        if not np.all(np.isfinite(now)):
            break
        outside = [float(_outside([p], now[None, [q]])[0]) for q, p in enumerate(pairs)]
        if max(outside) == 0:
            break  # what misses is not a hazard ratio
        worst = pairs[int(np.argmax(outside))]
        segment = {}
        for arm in worst.arms:
            n_arm = int(np.count_nonzero(group == arm))
            for k in range(n_arm + 2):
                segment[(arm, k)] = len(segment)
        cands, change, segs, warp = [], [], [], []
        for arm in worst.arms:
            for seg, who, new in moves(arm, segment):
                old = times[who].copy(), ends[who].copy()
                times[who] = new
                ends[who] = np.where(events[who] == 0, new, np.maximum(ends[who], new))
                row = []
                for q, p in enumerate(pairs):
                    fit = cox_fit(times[p.patients] / 100.0, events[p.patients], p.x, cap) if arm in p.arms else now[q]
                    row.append((math.nan, math.nan) if fit is None else tuple(fit))
                times[who], ends[who] = old
                cands.append((who, new))
                change.append(row)
                segs.append(seg)
                warp.append(who.size > 1)
        if not cands:
            break
        delta = np.nan_to_num(np.array(change, float) - now, nan=1e3)  # (moves, pairs, 2)
        m = len(cands)
        one = _outside(pairs, now + delta)
        two = _outside(pairs, (now + delta[:, None] + delta[None, :]).reshape(m * m, len(pairs), 2)).reshape(m, m)
        segs, warp = np.array(segs), np.array(warp)
        pid = np.array([int(who[0]) if who.size == 1 else -1 - k for k, (who, _) in enumerate(cands)])
        two[(pid[:, None] == pid[None, :]) | ((warp[:, None] | warp[None, :]) & (segs[:, None] == segs[None, :]))] = np.inf
        two[np.tril_indices(m)] = np.inf
        order = sorted([(float(v), (c,)) for c, v in enumerate(one)]
                       + [(float(two.flat[f]), divmod(int(f), m)) for f in np.argsort(two, axis=None, kind="stable")[:16]])
        kept = False
        for v, chosen in order[:16]:
            if not v < float(_outside(pairs, now[None])[0]):
                break
            state = (times.copy(), ends.copy())
            for c in chosen:
                who, new = cands[c]
                times[who] = new
                ends[who] = np.where(events[who] == 0, new, np.maximum(ends[who], new))
            if cap == 1 and np.unique(times).size < distinct:
                times[:], ends[:] = state
                continue
            loss = target.loss(times, events, ends)
            if loss < total:
                total, kept = loss, True
                break
            times[:], ends[:] = state
        if not kept:
            break
        # more moves of the same fits, one at a time, while their predicted sum keeps helping
        used = np.zeros(m, bool)
        base = now + delta[list(chosen)].sum(axis=0)
        for c in chosen:
            used |= (pid == pid[c]) | ((warp | warp[c]) & (segs == segs[c]))
        for _ in range(_FINISH_MORE):
            pred = np.where(used, np.inf, _outside(pairs, base + delta))
            c = int(np.argmin(pred))
            if not pred[c] < float(_outside(pairs, base[None])[0]):
                break
            used |= (pid == pid[c]) | ((warp | warp[c]) & (segs == segs[c]))
            who, new = cands[c]
            state = (times.copy(), ends.copy())
            times[who] = new
            ends[who] = np.where(events[who] == 0, new, np.maximum(ends[who], new))
            loss = target.loss(times, events, ends) if cap > 1 or np.unique(times).size == distinct else math.inf
            if loss < total:
                total, base = loss, base + delta[c]
            else:
                times[:], ends[:] = state
    return times, events, ends
