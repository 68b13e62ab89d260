"""The ``dp`` method: integer events and censorings by dynamic programming over the drops.

The depth of each drop gives the number at risk there: a drop from ``S_prev`` to
``S_next`` with ``d`` events means ``n = d / (1 - S_next / S_prev)`` at risk. Integer
events at every drop and integer censorings between consecutive drops are chosen together
by dynamic programming over the drops, with the number at risk as the state (vectorised
over it). The cost is the squared error between the product-limit curve and every cleaned
click (noise sd :data:`DP_NOISE`), plus the Poisson cost of the censorings in each gap
(rate of the risk-table interval, from the closed-form solution of the ``exact`` method).
The published number at risk at each table time is a hard constraint whenever some path
meets it, and so is the total number of events (the events after the last table time are
then part of the state). At each drop the events tried are the closed-form count,
rounded, plus or minus :data:`DP_WINDOW`, at least one for a drop deeper than
:data:`DP_REAL_DROP` noise sd. A drop to 0 has the same depth whatever the number of
deaths, so there each death beyond the first costs as a Poisson count of mean
:data:`DP_ZERO_TIES` (without it the censorings' cost alone would always make everyone
left die at the last instant rather than one death after censorings in the gap before
it). Censorings are placed evenly between the two nodes (drops or table times) around
them; those left at the end are censored there. Each path keeps the curve value of its
best history (Viterbi), so the cost is exact along the chosen path.

The steps, in order: :func:`_prepare` builds the per-arm constants (:class:`_Arm`), the
forward pass (:func:`_forward`, one :class:`_Paths` updated node by node) keeps the best
path into each state, :func:`_choose_end` picks the final state and :func:`_backtrack`
reads the choices back from it; :func:`_patients` places the patients.

Until a given total of events makes the events so far part of the state, each step works
on one vector of numbers at risk (:func:`_drop_1d`, :func:`_censor_1d`, the same choices
as the general steps :func:`_dp_drop`, :func:`_dp_censor`, with far fewer array
operations), and the states below the next published number at risk are left out (they
cannot meet it; when that number turns out not to be reachable, the arm is run again with
all states, so the result is the same).

References
----------
Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival
data: reconstructing the data from published Kaplan-Meier survival curves.
BMC Medical Research Methodology 2012;12:9. doi:10.1186/1471-2288-12-9 (the model of the
data: events at the drops, censoring between them, the risk table as the constraint).
Viterbi AJ. Error bounds for convolutional codes and an asymptotically optimum decoding
algorithm. IEEE Transactions on Information Theory 1967;13:260-269.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from survrepro.sources.reconstruct.exact import interval, rate_for_events
from survrepro.sources.reconstruct.table import dated_drops, inside

#: Standard deviation of the digitizing noise on survival assumed by the ``dp`` method.
DP_NOISE = 0.003
#: Event counts tried at a drop: the closed-form count n (1 - S_next / S_prev), rounded, +/- this
#: (and the least count, 1 at a real drop, 0 elsewhere).
DP_WINDOW = 2
#: A drop deeper than this many noise sd is a real drop: it holds at least one event.
DP_REAL_DROP = 4.0
#: Largest dynamic-programming table (states x steps) before ``dp`` hands an arm to ``exact``.
DP_MAX_CELLS = 4_000_000
#: Weight of the look-ahead cost: what a path's curve level would add at the later clicks.
DP_LOOKAHEAD = 1.0
#: A real drop to a level within this many noise sd of 0 is a drop to 0.
DP_ZERO_LEVEL = 3.0
#: Expected number of deaths beyond the first at a drop to 0: each further death there
#: costs as a Poisson count of this mean.
DP_ZERO_TIES = 0.15
_MU_FLOOR = 1e-6  # expected censorings in a gap where the censoring rate is 0
_PENALTY = 1e9  # cost per patient of a published number (at risk, events) that cannot be met
_INF1 = np.array([np.inf])
# kinds of node, in the order they are visited at one time
_TABLE_ROW, _DROP, _END = 0, 1, 2


def reconstruct_dp(t, s, a, c, total_events, tol_t):
    """Integer events and censorings of one arm by dynamic programming over the drops.

    Returns (times, events, notes), or ``None`` when the table would exceed
    :data:`DP_MAX_CELLS`. The number at risk is the only state until the total of
    events is tracked (after the last table time, when it is given); the steps then
    have events so far as a second state axis.
    """
    notes: list[str] = []
    arm = _prepare(t, s, a, c, total_events, tol_t, notes)
    if arm is None:
        return None
    notes_before = list(notes)
    paths = _forward(arm, True, notes)
    if paths is None:  # a published number at risk below the states kept: all states
        notes[:] = notes_before
        paths = _forward(arm, False, notes)
    events_so_far, at_risk = _choose_end(paths, total_events, notes)
    drops, deaths, censorings = _backtrack(paths.steps, events_so_far, at_risk)
    time, event = _patients(arm.drop_time, drops, deaths, censorings, at_risk, arm.t_stop)
    return time, event, notes


# --------------------------------------------------------------------------- the arm
@dataclass(frozen=True, eq=False)
class _Arm:
    """What the forward pass reads about one arm (lists hold plain floats and ints).

    Drops are indexed ``j = 0..K-1`` (the step from cleaned point ``j`` to ``j + 1``),
    clicks ``0..K`` and risk-table rows ``0..m-1``.
    """

    N: int  #: patients at time 0 (the largest state)
    rows: int  #: number of risk-table rows, ``m``
    at_risk: list  #: published number at risk of each table row
    track: bool  #: the total of events is given: events so far become a state after the last row
    drop_time: np.ndarray  #: time each drop is dated at
    hazard: list  #: relative depth of each drop
    level_after: list  #: the cleaned curve after each drop
    survival: list  #: the cleaned curve at each click
    ahead: list  #: look-ahead weight of each click (later clicks' squared levels over its own)
    real: np.ndarray  #: the drop holds at least one event
    zero: np.ndarray  #: the drop is to 0 (ties of deaths costed)
    censor_rate: list  #: censoring hazard of each table interval, the last open-ended
    gaps: list  #: number of gaps between nodes in each table interval
    nodes: list  #: (gap start, node time, table interval, kind, index) in time order
    t_stop: float  #: end of follow-up: those left at risk are censored there
    least: np.ndarray  #: least events tried at each drop, by number at risk before it
    lo: np.ndarray  #: lowest events of the window at each drop, by number at risk
    hi: np.ndarray  #: highest events of the window at each drop, by number at risk
    masks: dict | None  #: allowed events of every drop, for the states it can meet (from :func:`_allowed_all`)
    tables: "_Tables"  #: index and factor tables of the one-dimensional steps
    half: float = 0.5 / DP_NOISE**2  #: weight of a squared error in the fit cost


def _prepare(t, s, a, c, total_events, tol_t, notes) -> _Arm | None:
    """The constants of the forward pass for one arm; ``None`` when the table would exceed
    :data:`DP_MAX_CELLS`."""
    h, tau = dated_drops(t, s, a, c, tol_t)
    K, m, N = h.size, a.size, int(c[0])
    y = s[1:]
    real = (s[:-1] - s[1:]) > DP_REAL_DROP * DP_NOISE
    t_stop = max(float(t[-1]), float(a[-1]))
    track = total_events is not None
    cells = (2 * K + m + 1) * (N + 1) * (1 + (int(c[-1]) + 1 if track else 0))
    if cells > DP_MAX_CELLS:
        return None
    lam = _dp_rates(h, tau, a, c, total_events, t_stop, notes)
    # paths meeting in one state keep the one with the lower cost so far plus the cost its
    # curve level would add at the later clicks (the level carries over to all of them)
    sq = s**2
    with np.errstate(divide="ignore", invalid="ignore"):
        ahead = np.where(s > 0, (np.cumsum(sq[::-1])[::-1] - sq) / sq, 0.0) * DP_LOOKAHEAD
    # nodes in time order: table rows (before drops at the same time), then drops in order
    node_t = np.concatenate((a[1:], tau, [t_stop]))
    kind = np.concatenate((np.full(m - 1, _TABLE_ROW), np.full(K, _DROP), [_END]))
    idx = np.concatenate((np.arange(1, m), np.arange(K), [0]))
    order = np.lexsort((idx, kind, node_t))
    node_t, kind, idx = node_t[order], kind[order], idx[order]
    # gaps per table interval (to bound the censorings tried in each)
    gap_lo = np.concatenate(([0.0], node_t[:-1]))
    gap_int = np.searchsorted(a, gap_lo, side="right") - 1
    positive = node_t - gap_lo > 0
    n_gaps = np.bincount(gap_int[positive], minlength=m)
    least, lo, hi = _drop_windows(h, real, N)
    drops = np.flatnonzero(h > 0)
    within = np.searchsorted(a, tau[drops], side="right") - 1  # table interval of each drop (rows come first)
    return _Arm(
        N=N, rows=m, at_risk=c.tolist(), track=track, drop_time=tau,
        hazard=h.tolist(), level_after=y.tolist(), survival=s.tolist(), ahead=ahead.tolist(),
        real=real, zero=real & (y <= DP_ZERO_LEVEL * DP_NOISE),
        censor_rate=lam.tolist(), gaps=n_gaps.tolist(),
        nodes=list(zip(gap_lo.tolist(), node_t.tolist(), gap_int.tolist(), kind.tolist(), idx.tolist())),
        t_stop=t_stop, least=least, lo=lo, hi=hi,
        masks=_allowed_all(least, lo, hi, drops, c[np.minimum(within + 1, m - 1)] * (within + 1 < m), c[within],
                           DP_MAX_CELLS),
        tables=_Tables(N),
    )


def _dp_rates(h, tau, a, c, total_events, t_stop, notes):
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
        C = interval(Ni, Nn, a[i], a[i + 1], tau[sel], h[sel])[0]
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
        lam[-1] = rate_for_events(N, tau[sel], h[sel], float(a[-1]), t_stop, D)
    elif m == 1 and total_events is None:
        notes.append("no risk table and no total of events: no censoring assumed before the end of the curve.")
    return lam


# --------------------------------------------------------------------------- the forward pass
@dataclass(eq=False)
class _Paths:
    """The best path into each state after the nodes visited so far (Viterbi).

    While ``flat``, a state is a number at risk ``base..base+size-1`` and the arrays are
    vectors; once the events are tracked a state is (events so far, number at risk) and
    the arrays are matrices (``base`` is 0 then).
    """

    cost: np.ndarray  #: cost of the best path into each state (``inf``: unreachable)
    level: np.ndarray  #: the product-limit curve along that path
    events: np.ndarray | None  #: events so far along it (only when the total is tracked)
    look: np.ndarray  #: look-ahead cost of each state's level at the latest click (flat steps)
    base: int = 0  #: lowest number at risk kept (the states below are left out)
    flat: bool = True  #: states are numbers at risk only
    point: int = 0  #: latest click reached
    steps: list = field(default_factory=list)  #: ``(kind, choices, base)`` of each step, for the way back

    @property
    def top(self) -> int:
        """One more than the largest number at risk kept."""
        return self.cost.shape[-1] + self.base

    def track_events(self) -> None:
        """Events from here on become part of the state (rows: events so far)."""
        cost, level, events = _trim(self.cost[None], self.level[None], self.events[None])
        pad = np.full((cost.shape[1] - 1, cost.shape[1]), np.inf)
        self.steps.append(("expand", None, 0))
        self.cost = np.vstack((cost, pad))
        self.level = np.vstack((level, np.zeros_like(pad)))
        self.events = np.vstack((events, np.zeros_like(pad)))
        self.flat = False

    def drop_unreachable_top(self) -> None:
        """Leave out the largest numbers at risk once no path reaches them (flat states)."""
        top = self.cost.size
        while top > 1 and self.cost[top - 1] == np.inf:
            top -= 1
        if top < self.cost.size:
            self.cost, self.level, self.look = self.cost[:top], self.level[:top], self.look[:top]
            self.events = None if self.events is None else self.events[:top]


def _forward(arm: _Arm, prune: bool, notes: list) -> _Paths | None:
    """One pass over the nodes, keeping the best path into each state.

    With ``prune``, the one-dimensional states below the next table count are left out
    (they cannot meet it); ``None`` when that count cannot be met, to be run again
    without pruning.
    """
    base = arm.at_risk[1] if prune and arm.rows > 1 else 0
    size = arm.N + 1 - base
    cost = np.full(size, np.inf)
    cost[-1] = 0.0
    paths = _Paths(cost=cost, level=np.ones(size), events=np.zeros(size) if arm.track else None,
                   look=np.empty(0), base=base)
    if arm.track and arm.rows == 1:
        paths.track_events()
    paths.look = arm.half * (paths.level - arm.survival[0]) ** 2 * arm.ahead[0]
    for gap_lo, node_t, i, kind, j in arm.nodes:
        if node_t > gap_lo:
            _censor_step(arm, paths, gap_lo, node_t, i)
        changed = kind == _TABLE_ROW
        if kind == _TABLE_ROW:
            if not _table_row_step(arm, paths, j, node_t, prune, notes):
                return None
        elif kind == _DROP:
            changed = _drop_step(arm, paths, j)
        if not paths.flat:
            paths.cost, paths.level, paths.events = _trim(paths.cost, paths.level, paths.events)
        elif changed:  # the largest state may have gone
            paths.drop_unreachable_top()
    return paths


def _censor_step(arm: _Arm, paths: _Paths, gap_lo: float, node_t: float, i: int) -> None:
    """Censorings in the gap ``(gap_lo, node_t)`` of table interval ``i``.

    At most those who can leave before the next table count, and at most what the
    Poisson count of the interval's rate makes plausible (or an even share of the
    interval's leavers over its gaps, if more).
    """
    M = paths.top  # states 0..M-1 (the lowest ones left out)
    gap = node_t - gap_lo
    nxt = arm.at_risk[i + 1] if i + 1 < arm.rows else 0
    bound = max(M - 1 - nxt, 0)
    rate = arm.censor_rate[i]
    mu_max = max(rate * (M - 1) * gap, _MU_FLOOR)  # mu grows with the number at risk
    cap = max(mu_max + 6.0 * math.sqrt(mu_max) + 5.0, math.ceil(bound / max(arm.gaps[i], 1)) + 1.0)
    if paths.flat:
        C = min(int(min(bound, cap)), M - 1, paths.cost.size - 1) + 1
        paths.cost, paths.level, paths.events, paths.look, choice = _censor_1d(
            paths.cost, paths.level, paths.events, paths.look, arm.tables, rate, gap, C, paths.base
        )
    else:
        mu = np.maximum(rate * np.arange(M) * gap, _MU_FLOOR)
        paths.cost, paths.level, paths.events, choice = _dp_censor(
            paths.cost, paths.level, paths.events, mu, min(bound, cap),
            arm.survival[paths.point], arm.ahead[paths.point],
        )
    paths.steps.append(("censor", (gap_lo, node_t, choice), paths.base))
    # the largest state stays reachable (no one censored)


def _table_row_step(arm: _Arm, paths: _Paths, j: int, node_t: float, prune: bool, notes: list) -> bool:
    """Keep only the paths meeting the published number at risk of table row ``j`` (or,
    when none does, penalise the distance to it). ``False`` when the pruned states cannot
    meet it (run again without pruning)."""
    target = arm.at_risk[j]
    M = paths.top
    base = paths.base
    if base and not paths.cost[0] < np.inf:  # base == target: not met, run without pruning
        return False
    if target < M and np.isfinite(paths.cost[..., target - base]).any():
        keep = paths.cost[..., target - base].copy()
        if paths.flat and prune:  # one state left; the next row bounds the states below
            low = arm.at_risk[j + 1] if j + 1 < arm.rows else 0
            size = target + 1 - low
            paths.cost = np.full(size, np.inf)
            paths.cost[-1] = keep
            paths.level = np.full(size, paths.level[target - base])
            paths.look = np.full(size, paths.look[target - base])
            paths.events = None if paths.events is None else np.full(size, paths.events[target - base])
            paths.base = low
        else:
            paths.cost = np.full_like(paths.cost, np.inf)
            paths.cost[..., target] = keep
    else:
        paths.cost = paths.cost + _PENALTY * np.abs(np.arange(M) - target)
        notes.append(
            f"the curve's drops do not allow {target} at risk at time {node_t:g}; the nearest "
            f"feasible number was reconstructed."
        )
    if arm.track and paths.flat and j == arm.rows - 1:
        paths.track_events()
    return True


def _drop_step(arm: _Arm, paths: _Paths, j: int) -> bool:
    """Events at drop ``j`` and the fit to the click after it. Returns whether events
    were chosen (a flat step of the cleaned curve has none)."""
    y, ahead = arm.level_after[j], arm.ahead[j + 1]
    if not paths.flat:
        paths.cost, paths.level, paths.events, choice = _dp_drop(
            paths.cost, paths.level, paths.events, arm.hazard[j], y, bool(arm.real[j]), True, ahead,
            bool(arm.zero[j]),
        )
    elif arm.hazard[j] > 0:
        M = paths.top
        D = int(arm.hi[j, M - 1]) + 1
        first, pen = arm.masks[j] if arm.masks is not None else (0, None)
        if pen is not None and first <= paths.base and M - 1 - first < pen.shape[1]:
            pen = pen[:D, paths.base - first:M - first]
        else:  # states outside the table (a pass without pruning)
            pen = _allowed(arm.least[j], arm.lo[j], arm.hi[j], D, M)[:, paths.base:]
        if arm.zero[j]:
            pen = pen + _zero_ties(D)[:, None]
        paths.cost, paths.level, paths.events, choice, paths.look = _drop_1d(
            paths.cost, paths.level, paths.events, arm.tables, pen, y, ahead, arm.half, paths.base
        )
    else:  # a flat step: no event, only the fit
        fit = paths.level - y
        np.square(fit, out=fit)
        fit *= arm.half
        paths.cost = paths.cost + fit
        paths.look = fit * ahead
        choice = None
    paths.point = j + 1
    paths.steps.append(("drop", (j, choice), paths.base))
    return choice is not None


# --------------------------------------------------------------------------- the way back
def _choose_end(paths: _Paths, total_events, notes):
    """The final state (events so far, number at risk) of the best path: among those
    with the published total of events when it is given and some path meets it."""
    cost, ev = paths.cost, paths.events
    if total_events is not None:  # the events were tracked: states (events so far, at risk)
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
    return int(e), int(n) + (paths.base if cost.ndim == 1 else 0)


def _backtrack(steps, events_so_far: int, at_risk: int):
    """The choices along the best path, read from its final state backwards.

    Returns the drops with events and their counts, and ``(start, end, count)`` of each
    gap's censorings.
    """
    e, n = events_so_far, at_risk
    drops, deaths, censorings = [], [], []
    for kind, data, low in reversed(steps):  # low: the lowest state kept at that step
        if kind == "drop":
            j, choice = data
            if choice is None:
                continue
            d = int(choice[n - low]) if choice.ndim == 1 else int(choice[e, n])
            drops.append(j)
            deaths.append(d)
            n += d
            if choice.ndim == 2 and choice.shape[0] > 1:
                e -= d
        elif kind == "censor":
            gap_lo, gap_hi, choice = data
            k = int(choice[n - low]) if choice.ndim == 1 else int(choice[e, n])
            censorings.append((gap_lo, gap_hi, k))
            n += k
        else:  # before the events were tracked
            e = 0
    return drops, deaths, censorings


def _patients(drop_time, drops, deaths, censorings, left, t_stop):
    """Times and events of the patients: deaths at their drops, censorings spread evenly
    over each gap (as the ``exact`` method does), the ``left`` still at risk censored at
    ``t_stop``."""
    ev_all = np.repeat(drop_time[np.asarray(drops, dtype=np.int64)], deaths)
    cen_lo = np.asarray([g[0] for g in censorings], dtype=float)
    cen_hi = np.asarray([g[1] for g in censorings], dtype=float)
    count = np.asarray([g[2] for g in censorings], dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        width = (cen_hi - cen_lo) / count
    first = np.repeat(np.cumsum(count) - count, count)
    slot = np.arange(first.size) - first
    spread = np.repeat(cen_lo, count) + (slot + 0.5) * np.repeat(width, count)
    spread = inside(spread, np.repeat(cen_lo, count), np.repeat(cen_hi, count))
    cen_all = np.concatenate((spread, np.full(left, t_stop)))
    time = np.concatenate((ev_all, cen_all))
    event = np.concatenate((np.ones(ev_all.size, np.int64), np.zeros(cen_all.size, np.int64)))
    return time, event


# --------------------------------------------------------------------------- the steps' kernels
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


def _allowed_all(least, lo, hi, drops, first, last, limit):
    """:func:`_allowed` of every drop in ``drops`` for the states it can meet, in one pass.

    Drop ``drops[i]`` is tabled for the numbers at risk ``first[i]..last[i]`` (those
    between the published counts around it, the only states the pruned forward pass
    keeps there). Returns ``{drop: (first, cost)}`` (``cost[d, n - first]``; a state
    before the drop above ``N`` is not tried), or ``None`` when the tables would exceed
    ``limit`` cells.
    """
    N = lo.shape[1] - 1
    D = hi[drops, last].astype(np.int64) + 1
    W = (last - first + 1).astype(np.int64)
    size = D * W
    if int(size.sum()) > limit:
        return None
    rows = np.repeat(np.arange(drops.size), D)  # the drop of each table row
    row_start = np.concatenate(([0], np.cumsum(D)))
    d_row = np.arange(row_start[-1]) - row_start[:-1].repeat(D)
    width = W[rows]
    cell_start = np.concatenate(([0], np.cumsum(width)))
    d = d_row.repeat(width)
    n = np.arange(cell_start[-1]) - cell_start[:-1].repeat(width) + first[rows].repeat(width)
    src = n + d
    inside = src <= N
    np.minimum(src, N, out=src)
    src += (drops * (N + 1))[rows].repeat(width)  # flat index into the (drops, states) arrays
    ok = lo.take(src) <= d
    ok &= hi.take(src) >= d
    ok |= least.take(src) == d
    ok &= inside
    pen = np.where(ok, 0.0, np.inf)
    ends = np.concatenate(([0], np.cumsum(size))).tolist()
    return {
        j: (f, pen[ends[i]:ends[i + 1]].reshape(r, w))
        for i, (j, f, r, w) in enumerate(zip(drops.tolist(), first.tolist(), D.tolist(), W.tolist()))
    }


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
