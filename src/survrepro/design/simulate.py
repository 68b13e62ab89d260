"""Simulated two-arm survival trials analysed by a log-rank test vectorised over trials.

A trial is simulated from a survival model per arm (exponential, piecewise
exponential, resampled from patient-level data, or progression followed by death
with optional crossover), uniform accrual, administrative censoring at the analysis
and optional exponential dropout. Many trials are analysed at once by
:func:`survrepro.engine.logrank.logrank_batch`: the log-rank statistics of a whole batch
are computed with array operations, with tied times handled exactly as R's
``survival::survdiff`` does (hypergeometric variance).

Runs are deterministic for a seed and do not depend on the number of worker
processes: trials are simulated in batches of fixed size, batch ``i`` drawing from
``numpy.random.SeedSequence(seed).spawn(n_batches)[i]``. Memory is bounded by the
batch size, never by the number of trials: with the default 1,000 trials of 400
patients per batch, each worker process peaks near 110 MB (measured at 200,000
trials, 2 workers), so 1,000,000 trials stay far below 2 GB.

References
----------
Peto R, Peto J. (1972). Asymptotically efficient rank invariant test procedures.
*Journal of the Royal Statistical Society A* 135:185-207.

Therneau TM. survival: Survival Analysis. R package (``survdiff``).
"""
from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survrepro._validation import HR_RANGE, MAX_PATIENTS, MAX_SIMULATED_PATIENTS, MAX_TRIALS, MAX_VALUE, InputError
from survrepro._validation import as_durations, check_level
from survrepro._validation import check_range, check_seed
from survrepro._validation import check_non_negative as _non_negative
from survrepro._validation import check_positive as _positive
from survrepro.engine.logrank import LogRankBatch, logrank_batch

__all__ = [
    "SurvivalModel",
    "ProgressionDeath",
    "exponential",
    "piecewise_exponential",
    "resampled",
    "progression_then_death",
    "Basket",
    "simulate_trials",
    "SimulationResult",
    "simulate_power",
    "equal_baskets",
    "power_curve",
]

LN2 = math.log(2.0)


# --------------------------------------------------------------------------- survival models
@dataclass(frozen=True, repr=False)
class SurvivalModel:
    """Survival distribution of one arm, sampled by inverting its cumulative hazard.

    ``kind`` is ``"exponential"``, ``"piecewise"`` or ``"resampled"``. Build one with
    :func:`exponential`, :func:`piecewise_exponential` or :func:`resampled`;
    :meth:`with_hazard_ratio` gives the model whose hazard is ``hr`` times this one
    (proportional hazards), which is how an experimental arm is usually specified.
    """

    kind: str
    breaks: np.ndarray  # interval starts (0 first) for piecewise; event times for resampled
    values: np.ndarray  # hazards per interval (piecewise), cumulative hazard after each time (resampled)
    hazard_ratio: float = 1.0
    label: str = ""

    def __repr__(self) -> str:
        hr = "" if self.hazard_ratio == 1 else f" x HR {self.hazard_ratio:g}"
        return f"SurvivalModel({self.label or self.kind}{hr})"

    def with_hazard_ratio(self, hazard_ratio: float, label: str | None = None) -> "SurvivalModel":
        """The same model with every hazard multiplied by ``hazard_ratio``.

        Parameters
        ----------
        hazard_ratio : float
            Multiplier of the hazard (> 0); applied on top of any earlier one.
        label : str, optional
            Label of the new model; by default this model's label.

        Returns
        -------
        SurvivalModel

        Examples
        --------
        >>> control = exponential(median=12)
        >>> experimental = control.with_hazard_ratio(0.7, "experimental")
        >>> experimental, round(float(experimental.survival(12)), 4)
        (SurvivalModel(experimental x HR 0.7), 0.6156)
        """
        hr = check_range("hazard ratio", _positive("hazard ratio", hazard_ratio), *HR_RANGE)
        return SurvivalModel(self.kind, self.breaks, self.values, self.hazard_ratio * hr,
                             label if label is not None else self.label)

    def cumulative_hazard_inverse(self, x: np.ndarray) -> np.ndarray:
        """Time at which the cumulative hazard reaches ``x`` (``inf`` beyond the model's support).

        Parameters
        ----------
        x : array_like
            Cumulative hazards (>= 0).

        Returns
        -------
        numpy.ndarray
            One time per value of ``x``; a unit exponential ``x`` gives a draw from the model.

        Examples
        --------
        >>> import numpy as np
        >>> exponential(median=12).cumulative_hazard_inverse([np.log(2), 1.0]).round(4).tolist()
        [12.0, 17.3123]
        >>> resampled([2, 4, 4, 6, 9], [1, 1, 0, 1, 0]).cumulative_hazard_inverse([0.1, 5.0]).tolist()
        [2.0, inf]
        """
        x = np.asarray(x, dtype=float) / self.hazard_ratio
        if self.kind == "exponential":
            return x / self.values[0]
        if self.kind == "piecewise":
            starts, rates = self.breaks, self.values
            cum = np.concatenate([[0.0], np.cumsum(rates[:-1] * np.diff(starts))])
            j = np.searchsorted(cum, x, side="right") - 1
            with np.errstate(divide="ignore"):
                return starts[j] + (x - cum[j]) / rates[j]
        # resampled: step cumulative hazard of the Kaplan-Meier curve
        j = np.searchsorted(self.values, x, side="left")
        out = np.full(x.shape, np.inf)
        inside = j < self.values.size
        out[inside] = self.breaks[j[inside]]
        return out

    def sample(self, rng: np.random.Generator, size) -> np.ndarray:
        """Draw event times (``inf`` when the model has no event beyond its support).

        Parameters
        ----------
        rng : numpy.random.Generator
            The source of randomness.
        size : int or tuple of int
            Shape of the draw.

        Returns
        -------
        numpy.ndarray

        Examples
        --------
        >>> import numpy as np
        >>> exponential(median=12).sample(np.random.default_rng(1), 3).round(3).tolist()
        [18.577, 5.34, 93.061]
        """
        return self.cumulative_hazard_inverse(rng.standard_exponential(size))

    def survival(self, t) -> np.ndarray:
        """Survival function at ``t`` (for plots and checks).

        Parameters
        ----------
        t : array_like
            Times (>= 0).

        Returns
        -------
        numpy.ndarray
            ``S(t)``, shaped as ``t``.

        Examples
        --------
        >>> exponential(median=12).survival([0, 12, 24]).round(4).tolist()
        [1.0, 0.5, 0.25]
        """
        t = np.asarray(t, dtype=float)
        if self.kind == "exponential":
            h = self.values[0] * t
        elif self.kind == "piecewise":
            starts, rates = self.breaks, self.values
            cum = np.concatenate([[0.0], np.cumsum(rates[:-1] * np.diff(starts))])
            j = np.searchsorted(starts, t, side="right") - 1
            h = cum[j] + rates[j] * (t - starts[j])
        else:
            j = np.searchsorted(self.breaks, t, side="right") - 1
            h = np.where(j >= 0, self.values[np.maximum(j, 0)], 0.0)
        return np.exp(-self.hazard_ratio * h)




def exponential(*, median: float | None = None, hazard: float | None = None, label: str = "") -> SurvivalModel:
    """Exponential survival given its median or its hazard (exactly one).

    Parameters
    ----------
    median : float, optional
        Median survival (> 0); the hazard is ``log(2) / median``.
    hazard : float, optional
        Constant hazard (> 0).
    label : str
        Label of the model; by default its median.

    Returns
    -------
    SurvivalModel

    Examples
    --------
    >>> round(float(exponential(median=18).survival(18)), 6)
    0.5
    """
    if (median is None) == (hazard is None):
        raise InputError("give exactly one of median or hazard for an exponential model.")
    if hazard is None:
        rate = LN2 / check_range("median", _positive("median", median), 0, MAX_VALUE, low_open=True)
    else:
        rate = check_range("hazard", _positive("hazard", hazard), 1 / MAX_VALUE, MAX_VALUE)
    return SurvivalModel("exponential", np.array([0.0]), np.array([rate]), 1.0,
                         label or (f"exponential, median {LN2 / rate:.3g}"))


def piecewise_exponential(breaks: Sequence[float], hazards: Sequence[float], *, label: str = "") -> SurvivalModel:
    """Piecewise-exponential survival: ``hazards[0]`` before ``breaks[0]``, ``hazards[i]`` from ``breaks[i-1]``.

    ``breaks`` are increasing positive times; ``hazards`` has one more entry than
    ``breaks`` (the last applies to the end of time) and each must be >= 0, the last > 0.

    Parameters
    ----------
    breaks : sequence of float
        Times where the hazard changes.
    hazards : sequence of float
        Hazard on each interval, one more than ``breaks``.
    label : str
        Label of the model.

    Returns
    -------
    SurvivalModel

    Examples
    --------
    A hazard of 0.1 for six months, then 0.05:

    >>> model = piecewise_exponential([6], [0.1, 0.05])
    >>> model.survival([6, 12]).round(4).tolist()
    [0.5488, 0.4066]
    """
    b = np.asarray(breaks, dtype=float).ravel()
    h = np.asarray(hazards, dtype=float).ravel()
    if h.size != b.size + 1:
        raise InputError(f"piecewise exponential: {b.size} breaks need {b.size + 1} hazards; got {h.size}.")
    if b.size and (not np.all(np.isfinite(b)) or b[0] <= 0 or np.any(np.diff(b) <= 0)):
        raise InputError("piecewise exponential: breaks must be positive, finite and increasing.")
    if not np.all(np.isfinite(h)) or np.any(h < 0) or h[-1] <= 0:
        raise InputError("piecewise exponential: hazards must be finite and >= 0, the last > 0.")
    return SurvivalModel("piecewise", np.concatenate([[0.0], b]), h, 1.0, label or "piecewise exponential")


def resampled(durations, event_observed=None, *, label: str = "", where: str = "patient-level data") -> SurvivalModel:
    """Survival resampled from patient-level data through its Kaplan-Meier curve.

    Times are drawn by inverting the Kaplan-Meier estimate, so only observed event
    times occur; a draw beyond the last drop of the curve is ``inf`` (no event within
    the data's follow-up), and is censored by the trial's follow-up. Under
    :meth:`SurvivalModel.with_hazard_ratio` the curve becomes ``S(t) ** hr``.

    Parameters
    ----------
    durations : array_like
        Follow-up times (>= 0).
    event_observed : array_like, optional
        1 for an event, 0 for censoring; all events when omitted.
    label : str
        Label of the model; by default the number of patients.
    where : str
        Name of the data in error messages.

    Returns
    -------
    SurvivalModel

    Examples
    --------
    >>> model = resampled([2, 4, 4, 6, 9], [1, 1, 0, 1, 0])
    >>> model, model.survival([3, 5, 7]).round(4).tolist()
    (SurvivalModel(resampled (5 patients)), [0.8, 0.6, 0.3])
    """
    t, e = as_durations(durations, event_observed, where=where)
    if e.sum() == 0:
        raise InputError(f"{where}: no events; cannot resample a survival curve without events.")
    times = np.unique(t[e == 1])
    at_risk = (t[None, :] >= times[:, None]).sum(axis=1)
    deaths = ((t[None, :] == times[:, None]) & (e[None, :] == 1)).sum(axis=1)
    surv = np.cumprod(1.0 - deaths / at_risk)
    with np.errstate(divide="ignore"):
        cumhaz = -np.log(surv)
    return SurvivalModel("resampled", times, cumhaz, 1.0, label or f"resampled ({t.size} patients)")


@dataclass(frozen=True, repr=False)
class ProgressionDeath:
    """Overall survival as time to progression plus survival after progression.

    After progression a fraction ``crossover`` of patients switch treatment (for
    EXTEND-OP: from next-line systemic therapy to local therapy) and their
    post-progression hazard is multiplied by ``crossover_hr``. Every progression is
    taken to be followed by post-progression survival (deaths without progression
    are not separated): an assumption of this model.
    """

    progression: SurvivalModel
    post_progression: SurvivalModel
    crossover: float = 0.0
    crossover_hr: float = 1.0
    label: str = "progression then death"

    def __repr__(self) -> str:
        return f"ProgressionDeath({self.label}, crossover {self.crossover:g} x HR {self.crossover_hr:g})"

    def sample(self, rng: np.random.Generator, size) -> np.ndarray:
        """Draw overall-survival times: a progression time plus a post-progression survival.

        Parameters
        ----------
        rng : numpy.random.Generator
            The source of randomness.
        size : int or tuple of int
            Shape of the draw.

        Returns
        -------
        numpy.ndarray

        Examples
        --------
        >>> import numpy as np
        >>> model = progression_then_death(exponential(median=6), exponential(median=12),
        ...                                crossover=0.5, crossover_hr=0.8)
        >>> model.sample(np.random.default_rng(1), 3).round(3).tolist()
        [17.218, 4.667, 85.479]
        """
        t_prog = self.progression.sample(rng, size)
        x = rng.standard_exponential(size)
        crossed = rng.random(size) < self.crossover
        post = self.post_progression.cumulative_hazard_inverse(np.where(crossed, x / self.crossover_hr, x))
        return t_prog + post


def progression_then_death(progression: SurvivalModel, post_progression: SurvivalModel, *,
                           crossover: float = 0.0, crossover_hr: float = 1.0,
                           label: str = "progression then death") -> ProgressionDeath:
    """Overall-survival model with optional crossover at progression (see :class:`ProgressionDeath`).

    Parameters
    ----------
    progression : SurvivalModel
        Time to progression.
    post_progression : SurvivalModel
        Survival after progression without crossover.
    crossover : float
        Fraction of patients who switch treatment at progression, in [0, 1].
    crossover_hr : float
        Hazard ratio of post-progression survival after a switch (> 0).
    label : str
        Label of the model.

    Returns
    -------
    ProgressionDeath

    Examples
    --------
    >>> progression_then_death(exponential(median=6), exponential(median=12), crossover=0.5, crossover_hr=0.8)
    ProgressionDeath(progression then death, crossover 0.5 x HR 0.8)
    """
    c = float(crossover)
    if not 0.0 <= c <= 1.0:
        raise InputError(f"crossover must be a fraction between 0 and 1; got {crossover!r}.")
    return ProgressionDeath(progression, post_progression, c, _positive("crossover hazard ratio", crossover_hr), label)


# --------------------------------------------------------------------------- trials
@dataclass(frozen=True)
class Basket:
    """One randomised comparison within a trial: its name, patients per arm and arm models."""

    name: str
    control: SurvivalModel | ProgressionDeath
    experimental: SurvivalModel | ProgressionDeath
    n_control: int
    n_experimental: int


def _check_design(accrual, follow_up, dropout, n_trials=None):
    a = check_range("accrual duration", _non_negative("accrual duration", accrual), 0, MAX_VALUE)
    f = check_range("follow-up", _non_negative("follow-up", follow_up), 0, MAX_VALUE)
    if a == 0 and f == 0:
        raise InputError("accrual duration and follow-up are both 0; no patient could be followed.")
    eta = check_range("dropout hazard", _non_negative("dropout hazard", dropout), 0, MAX_VALUE)
    if n_trials is not None:
        nt = _positive("number of trials", n_trials)
        if not float(nt).is_integer():
            raise InputError(f"number of trials must be a whole number; got {n_trials!r}.")
        check_range("number of trials", nt, 1, MAX_TRIALS, integer=True, unit="trials")
    return a, f, eta


#: Most simulated patients held in memory at once (one batch): arrays of 40 MB.
MAX_BATCH_CELLS = 5_000_000


def _check_size(baskets, n_trials, batch_size, n_runs: int = 1) -> None:
    """Refuse a simulation that cannot fit in memory or finish in reasonable time."""
    check_range("number of trials", n_trials, 1, MAX_TRIALS, integer=True, unit="trials")
    patients = sum(b.n_control + b.n_experimental for b in baskets)
    check_range("number of patients", patients, 2, MAX_PATIENTS, integer=True, unit="patients")
    per_batch = min(int(batch_size), int(n_trials)) * patients
    if per_batch > MAX_BATCH_CELLS:
        raise InputError(
            f"a batch of {min(int(batch_size), int(n_trials))} trials of {patients} patients holds {per_batch} "
            f"simulated patients; expected at most {MAX_BATCH_CELLS} (use a batch size of at most "
            f"{max(1, MAX_BATCH_CELLS // patients)})."
        )
    total = int(n_trials) * patients * n_runs
    if total > MAX_SIMULATED_PATIENTS:
        raise InputError(
            f"{n_runs} x {int(n_trials)} trials of {patients} patients is {total:.3g} simulated patients; "
            f"expected at most {MAX_SIMULATED_PATIENTS:.0e} (fewer trials, patients or hazard ratios)."
        )


def _simulate_arm(rng, model, n_trials, n, accrual, follow_up, dropout):
    t_event = model.sample(rng, (n_trials, n))
    entry = rng.uniform(0.0, accrual, (n_trials, n)) if accrual > 0 else np.zeros((n_trials, n))
    censor = accrual + follow_up - entry
    if dropout > 0:
        censor = np.minimum(censor, rng.standard_exponential((n_trials, n)) / dropout)
    event = t_event <= censor
    return np.where(event, t_event, censor), event.astype(np.int8)


def simulate_trials(control, experimental, *, n_control: int, n_experimental: int, accrual: float,
                    follow_up: float, dropout: float = 0.0, n_trials: int = 1, seed=0):
    """Simulate ``n_trials`` two-arm trials; returns ``(time, event, group)``.

    Patients enter uniformly over ``[0, accrual]``; the analysis is at
    ``accrual + follow_up``, censoring everyone still event-free then; loss to
    follow-up is exponential with hazard ``dropout``. ``time`` and ``event`` have
    shape ``(n_trials, n_control + n_experimental)``, control patients first;
    ``group`` is 0 (control) or 1 (experimental) per column.

    Parameters
    ----------
    control, experimental : SurvivalModel or ProgressionDeath
        The survival model of each arm.
    n_control, n_experimental : int
        Patients per arm.
    accrual, follow_up : float
        Accrual duration and follow-up after the last entry.
    dropout : float
        Exponential loss-to-follow-up hazard (0: none).
    n_trials : int
        Number of trials.
    seed : int or numpy.random.SeedSequence
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    time, event : numpy.ndarray
        Shape ``(n_trials, n_control + n_experimental)``; ``event`` is 0 or 1.
    group : numpy.ndarray
        0 or 1 per patient (column).

    Examples
    --------
    >>> control = exponential(median=12)
    >>> time, event, group = simulate_trials(control, control.with_hazard_ratio(0.7), n_control=3,
    ...                                      n_experimental=3, accrual=12, follow_up=12, n_trials=2, seed=1)
    >>> time.round(1).tolist()
    [[18.6, 5.3, 23.7, 20.9, 5.2, 19.4], [6.3, 2.0, 20.0, 3.2, 12.2, 11.4]]
    >>> event.tolist(), group.tolist()
    ([[1, 1, 0, 0, 1, 1], [1, 1, 0, 1, 0, 1]], [0, 0, 0, 1, 1, 1])
    """
    a, f, eta = _check_design(accrual, follow_up, dropout, n_trials)
    if not isinstance(seed, np.random.SeedSequence):
        seed = check_seed("seed", seed)
    check_range("number of patients", n_control + n_experimental, 2, MAX_PATIENTS, integer=True, unit="patients")
    if int(n_trials) * (n_control + n_experimental) > MAX_BATCH_CELLS:
        raise InputError(
            f"{int(n_trials)} trials of {n_control + n_experimental} patients is more than {MAX_BATCH_CELLS} "
            f"simulated patients at once; expected fewer (simulate_power runs batches)."
        )
    rng = np.random.default_rng(seed)
    n_c = int(_positive("control patients", n_control))
    n_e = int(_positive("experimental patients", n_experimental))
    t0, e0 = _simulate_arm(rng, control, int(n_trials), n_c, a, f, eta)
    t1, e1 = _simulate_arm(rng, experimental, int(n_trials), n_e, a, f, eta)
    group = np.concatenate([np.zeros(n_c, np.int8), np.ones(n_e, np.int8)])
    return np.hstack([t0, t1]), np.hstack([e0, e1]), group


def _run_batch(task):
    """Simulate and analyse one batch; returns per-analysis rejection counts and summaries."""
    baskets, n_trials, accrual, follow_up, dropout, alpha, sides, seed_seq, pooled_unstratified = task
    rng = np.random.default_rng(seed_seq)
    oe_sum = np.zeros(n_trials)
    var_sum = np.zeros(n_trials)
    out = {}
    all_t, all_e, all_g = [], [], []
    for b in baskets:
        t0, e0 = _simulate_arm(rng, b.control, n_trials, b.n_control, accrual, follow_up, dropout)
        t1, e1 = _simulate_arm(rng, b.experimental, n_trials, b.n_experimental, accrual, follow_up, dropout)
        t = np.hstack([t0, t1])
        e = np.hstack([e0, e1])
        g = np.concatenate([np.zeros(b.n_control, np.int8), np.ones(b.n_experimental, np.int8)])
        res = logrank_batch(t, e, g)
        out[b.name] = _summarise(res, alpha, sides)
        oe_sum += res.o_minus_e
        var_sum += res.variance
        if pooled_unstratified:
            all_t.append(t), all_e.append(e), all_g.append(g)
    if len(baskets) > 1:
        out["pooled, stratified by basket"] = _summarise(
            LogRankBatch(oe_sum, var_sum, sum(v["_events"] for v in out.values())), alpha, sides)
        if pooled_unstratified:
            res = logrank_batch(np.hstack(all_t), np.hstack(all_e), np.concatenate(all_g))
            out["pooled, unstratified"] = _summarise(res, alpha, sides)
    for v in out.values():
        v.pop("_events")
    return out


def _summarise(res: LogRankBatch, alpha: float, sides: int) -> dict:
    ok = res.variance > 0
    rej = res.reject(alpha, sides) & ok
    with np.errstate(divide="ignore", invalid="ignore"):
        log_hr = np.where(ok, res.o_minus_e / res.variance, np.nan)  # Peto one-step log hazard ratio
    return {
        "rejections": int(rej.sum()),
        "trials": int(res.events.size),
        "no_events": int((~ok).sum()),
        "events_sum": float(res.events.sum()),
        "events_sq_sum": float((res.events.astype(float) ** 2).sum()),
        "log_hr_sum": float(np.nansum(log_hr)),
        "_events": res.events,
    }


@dataclass(frozen=True, repr=False)
class SimulationResult:
    """Estimated rejection rates by analysis (per basket, pooled) with Monte Carlo standard errors."""

    n_trials: int
    seed: int
    alpha: float
    sides: int
    batch_size: int
    table: pd.DataFrame = field(compare=False)

    def __repr__(self) -> str:
        rows = ", ".join(f"{r.analysis}: {r.power:.3f} ({r.mc_se:.3f})" for r in self.table.itertuples())
        return f"SimulationResult({self.n_trials} trials; {rows})"

    @property
    def power(self) -> float:
        """Rejection rate of the main analysis (the pooled one when there are several baskets)."""
        return float(self.table["power"].iloc[-1] if len(self.table) == 1 else self.table.loc[
            self.table["analysis"] == "pooled, stratified by basket", "power"].iloc[0])

    @property
    def mc_se(self) -> float:
        p = self.power
        return math.sqrt(p * (1 - p) / self.n_trials)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def _repr_html_(self) -> str:
        return self.to_frame()._repr_html_()


def _progress(done: int, total: int, enabled: bool) -> None:
    if enabled:
        sys.stderr.write(f"\rsimulated {done:,} of {total:,} trials ({done / total:.0%})")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def simulate_power(
    baskets: Basket | Sequence[Basket],
    *,
    accrual: float,
    follow_up: float,
    dropout: float = 0.0,
    alpha: float = 0.05,
    sides: int = 2,
    n_trials: int = 1000,
    seed: int = 0,
    batch_size: int = 1000,
    workers: int | None = 1,
    progress: bool | None = None,
    pooled_unstratified: bool = True,
) -> SimulationResult:
    """Estimate power (or type I error, with equal arms) of log-rank analyses by simulation.

    Parameters
    ----------
    baskets : Basket or sequence of Basket
        The comparisons in each trial. With several, each is analysed on its own and
        the trial is also analysed pooled: stratified by basket (sums of observed
        minus expected and variances) and, if ``pooled_unstratified``, unstratified.
    accrual, follow_up, dropout : float
        Uniform accrual duration, minimum follow-up after the last entry, and an
        exponential dropout hazard, in the unit of the survival models.
    alpha, sides : float, {1, 2}
        Test level; one-sided tests reject when the experimental arm does better.
    n_trials, seed : int
        Number of simulated trials and the seed; results depend on these and on
        ``batch_size`` only, not on ``workers``.
    batch_size : int
        Trials simulated and analysed at once; memory is proportional to it.
    workers : int or None
        Processes (``concurrent.futures``); ``None`` uses every core.
    progress : bool or None
        Progress on stderr; by default only when stderr is a terminal.

    Returns
    -------
    SimulationResult
        ``table`` has one row per analysis: ``power`` (rejection rate), ``mc_se``
        (``sqrt(p (1 - p) / n_trials)``), mean events and the mean Peto log hazard ratio.

    References
    ----------
    .. [1] Peto R, Peto J. Asymptotically efficient rank invariant test procedures.
       J R Stat Soc A 1972;135:185-207.
    .. [2] Therneau TM. survival: Survival Analysis. R package (``survdiff``).

    Examples
    --------
    >>> control = exponential(median=12)
    >>> trial = Basket("all", control, control.with_hazard_ratio(0.7), 100, 100)
    >>> result = simulate_power(trial, accrual=12, follow_up=12, n_trials=200, seed=1)
    >>> result
    SimulationResult(200 trials; all: 0.465 (0.035))
    >>> int(result.table.loc[0, "rejections"]), float(result.table.loc[0, "mean_events"])
    (93, 114.8)
    """
    if isinstance(baskets, Basket):
        baskets = [baskets]
    baskets = list(baskets)
    if not baskets:
        raise InputError("no baskets given; expected at least one comparison.")
    a, f, eta = _check_design(accrual, follow_up, dropout, n_trials)
    alpha = check_level(alpha, "alpha")
    if sides not in (1, 2):
        raise InputError(f"sides must be 1 or 2; got {sides!r}.")
    n_trials = int(n_trials)
    batch_size = int(_positive("batch size", batch_size))
    seed = check_seed("seed", seed)
    _check_size(baskets, n_trials, batch_size)
    tasks = _batch_tasks(baskets, n_trials, batch_size, int(seed), (a, f, eta, alpha, sides, pooled_unstratified))
    if workers is None:
        workers = os.cpu_count() or 1
    workers = max(1, min(int(workers), len(tasks)))
    if progress is None:
        progress = sys.stderr.isatty() and n_trials >= 10_000
    totals = _run_tasks(tasks, workers, n_trials, progress)
    return SimulationResult(n_trials, int(seed), alpha, sides, batch_size, _power_table(totals))


def _batch_tasks(baskets, n_trials: int, batch_size: int, seed: int, design: tuple) -> list[tuple]:
    """One task per batch of at most ``batch_size`` trials, batch ``i`` seeded by
    ``SeedSequence(seed).spawn(n_batches)[i]``; ``design`` is ``(accrual, follow_up, dropout,
    alpha, sides, pooled_unstratified)``."""
    accrual, follow_up, dropout, alpha, sides, pooled_unstratified = design
    sizes = [batch_size] * (n_trials // batch_size) + ([n_trials % batch_size] if n_trials % batch_size else [])
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    return [(baskets, size, accrual, follow_up, dropout, alpha, sides, seed_seq, pooled_unstratified)
            for size, seed_seq in zip(sizes, seeds)]


def _run_tasks(tasks: list[tuple], workers: int, n_trials: int, progress: bool) -> dict[str, dict]:
    """Run the batches (in this process or on ``workers`` processes) and add up, per
    analysis, their counts and sums in task order."""
    totals: dict[str, dict] = {}
    done = 0

    def add(part):
        nonlocal done
        for name, v in part.items():
            acc = totals.setdefault(name, dict.fromkeys(v, 0))
            for k, x in v.items():
                acc[k] += x
        done += next(iter(part.values()))["trials"]
        _progress(done, n_trials, progress)

    if workers == 1:
        for task in tasks:
            add(_run_batch(task))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for part in pool.map(_run_batch, tasks):
                add(part)
    return totals


def _power_table(totals: dict[str, dict]) -> pd.DataFrame:
    """One row per analysis: rejection rate with its Monte Carlo standard error, events and
    the mean Peto log hazard ratio, from the summed batch results."""
    rows = []
    for name, v in totals.items():
        p = v["rejections"] / v["trials"]
        mean_ev = v["events_sum"] / v["trials"]
        rows.append({
            "analysis": name,
            "trials": v["trials"],
            "rejections": v["rejections"],
            "power": p,
            "mc_se": math.sqrt(p * (1 - p) / v["trials"]),
            "mean_events": mean_ev,
            "sd_events": math.sqrt(max(v["events_sq_sum"] / v["trials"] - mean_ev**2, 0.0)),
            "mean_peto_log_hr": v["log_hr_sum"] / max(v["trials"] - v["no_events"], 1),
            "trials_without_events": v["no_events"],
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- scenarios
def equal_baskets(names: Sequence[str], n_total: int, control, experimental, *,
                  allocation: float = 1.0) -> list[Basket]:
    """Split ``n_total`` patients equally over baskets (remainder to the first) and, within each, by ``allocation``.

    ``control`` and ``experimental`` are one model for every basket, or a mapping
    from basket name to model. ``allocation`` is experimental patients per control patient.

    Parameters
    ----------
    names : sequence of str
        Basket names.
    n_total : int
        Patients in the trial, at least two per basket.
    control, experimental : model or dict
        One survival model for every basket, or ``{basket name: model}``.
    allocation : float
        Experimental patients per control patient (> 0); every arm keeps at least one patient.

    Returns
    -------
    list of Basket

    Examples
    --------
    >>> control = exponential(median=12)
    >>> baskets = equal_baskets(["A", "B"], 101, control, control.with_hazard_ratio(0.7))
    >>> [(b.name, b.n_control, b.n_experimental) for b in baskets]
    [('A', 25, 26), ('B', 25, 25)]
    """
    names = [str(x) for x in names]
    if not names:
        raise InputError("no baskets named; expected at least one.")
    n_total = int(_positive("number of patients", n_total))
    if n_total < 2 * len(names):
        raise InputError(f"{n_total} patients cannot fill {len(names)} baskets with both arms.")
    allocation = _positive("allocation ratio", allocation)
    base, extra = divmod(n_total, len(names))
    out = []
    for i, name in enumerate(names):
        n = base + (i < extra)
        n_e = int(round(n * allocation / (1 + allocation)))
        n_e = min(max(n_e, 1), n - 1)
        c = control[name] if isinstance(control, dict) else control
        e = experimental[name] if isinstance(experimental, dict) else experimental
        out.append(Basket(name, c, e, n - n_e, n_e))
    return out


def power_curve(make_baskets, hazard_ratios: Sequence[float], *, seed: int = 0, **kwargs) -> pd.DataFrame:
    """Simulated power over true hazard ratios: a tidy table for tables and figures.

    ``make_baskets(hr)`` returns the baskets of a trial whose true hazard ratio is
    ``hr``; every other keyword goes to :func:`simulate_power`. The ``i``-th hazard
    ratio is simulated from the ``i``-th child of ``SeedSequence(seed)``.

    Parameters
    ----------
    make_baskets : callable
        ``make_baskets(hr)`` gives a :class:`Basket` or a list of them.
    hazard_ratios : sequence of float
        The true hazard ratios to simulate.
    seed : int
        Seed of the whole curve.
    **kwargs
        Passed to :func:`simulate_power` (``accrual`` and ``follow_up`` are required).

    Returns
    -------
    pandas.DataFrame
        The :attr:`SimulationResult.table` of every hazard ratio, with a first column
        ``hazard_ratio``.

    Examples
    --------
    >>> control = exponential(median=12)
    >>> curve = power_curve(lambda hr: Basket("all", control, control.with_hazard_ratio(hr), 100, 100),
    ...                     [1.0, 0.6], accrual=12, follow_up=12, n_trials=200, seed=1)
    >>> curve[["hazard_ratio", "power"]].round(3).to_numpy().tolist()
    [[1.0, 0.05], [0.6, 0.815]]
    """
    hrs = [float(h) for h in hazard_ratios]
    seed = check_seed("seed", seed)
    if hrs:
        first = make_baskets(hrs[0])
        _check_size([first] if isinstance(first, Basket) else list(first), kwargs.get("n_trials", 1000),
                    kwargs.get("batch_size", 1000), len(hrs))
    seeds = np.random.SeedSequence(seed).spawn(len(hrs))
    frames = []
    for hr, ss in zip(hrs, seeds):
        res = simulate_power(make_baskets(hr), seed=int(ss.generate_state(1)[0]), **kwargs)
        tab = res.to_frame()
        tab.insert(0, "hazard_ratio", hr)
        frames.append(tab)
    return pd.concat(frames, ignore_index=True)
