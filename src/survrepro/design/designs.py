"""Trial design and power: event-driven two-arm designs and single-arm landmark designs.

Two families of designs are covered.

* Event-driven two-arm comparisons of survival by the log-rank test: the number of
  events needed to detect a hazard ratio (Schoenfeld 1983, or Freedman 1982 as an
  option), the power for a given number of events, and the number of patients that
  yields those events given uniform accrual, a minimum follow-up and exponential
  survival (optionally with exponential dropout).
* Single-arm designs on a landmark proportion (for example, freedom from a change
  of systemic therapy at 6 months): the exact binomial rejection threshold and power,
  the smallest sample size for a given power (noting the saw-tooth of exact power),
  and Simon's (1989) optimal and minimax two-stage designs.

Simulation of whole trials, for what the formulas miss, lives in
:mod:`survrepro.design.simulate`. Every function here takes numbers and returns frozen
result objects with ``to_frame()``; nothing reads or writes files.

References
----------
Schoenfeld D. (1983). Sample-size formula for the proportional-hazards regression
model. *Biometrics* 39:499-503.

Freedman LS. (1982). Tables of the number of patients required in clinical trials
using the logrank test. *Statistics in Medicine* 1:121-129.

Simon R. (1989). Optimal two-stage designs for phase II clinical trials.
*Controlled Clinical Trials* 10:1-10.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from survrepro._validation import InputError, check_choice, check_level
from survrepro._validation import check_non_negative as _non_negative
from survrepro._validation import check_positive as _positive
from survrepro.options import DESIGN_METHODS as METHODS

__all__ = [
    "EventsDesign",
    "PatientsDesign",
    "BinomialDesign",
    "SampleSizeSearch",
    "SimonDesign",
    "required_events",
    "power_for_events",
    "hazard_ratio_from_medians",
    "event_probability",
    "required_patients",
    "binomial_design",
    "binomial_sample_size",
    "simon_two_stage",
    "events_table",
    "binomial_power_curve",
    "resolve_design",
    "assumptions_table",
    "plot_events_by_hazard_ratio",
    "plot_binomial_power",
    "plot_power_by_hazard_ratio",
]



# --------------------------------------------------------------------------- validation helpers


def _hazard_ratio(value) -> float:
    hr = _positive("hazard ratio", value)
    if hr == 1.0:
        raise InputError("hazard ratio must differ from 1; no number of events detects no effect.")
    return hr


def _sides(value) -> int:
    try:
        s = int(value)
    except (TypeError, ValueError):
        s = None
    if s not in (1, 2) or float(value) != s:
        raise InputError(f"sides must be 1 (one-sided test) or 2 (two-sided test); got {value!r}.")
    return s


def _proportion(name: str, value) -> float:
    return check_level(value, name)


def _z_alpha(alpha: float, sides: int) -> float:
    return float(stats.norm.isf(alpha / sides))


class _Result:
    """Shared representation of result objects."""

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - overridden
        raise NotImplementedError

    def to_dict(self) -> dict:
        return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in asdict(self).items()}

    def _repr_html_(self) -> str:
        return self.to_frame()._repr_html_()


# --------------------------------------------------------------------------- event-driven designs
@dataclass(frozen=True, repr=False)
class EventsDesign(_Result):
    """Events needed (or power reached) by a two-arm log-rank comparison.

    ``allocation`` is the ratio of patients on the experimental arm to the control
    arm; ``hazard_ratio`` is experimental over control.
    """

    hazard_ratio: float
    alpha: float
    sides: int
    power: float
    allocation: float
    method: str
    events_exact: float
    events: int

    def __repr__(self) -> str:
        return (
            f"EventsDesign({self.method}: HR {self.hazard_ratio:g}, alpha {self.alpha:g} "
            f"{self.sides}-sided, power {self.power:.3f} -> {self.events} events)"
        )

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])


def _events_exact(hr: float, z_sum: float, allocation: float, method: str) -> float:
    p = allocation / (1.0 + allocation)
    if method == "schoenfeld":
        return z_sum**2 / (p * (1.0 - p) * math.log(hr) ** 2)
    # Freedman (1982), generalised to allocation r = n_exp / n_control.
    return z_sum**2 * (1.0 + allocation * hr) ** 2 / (allocation * (1.0 - hr) ** 2)


def required_events(
    hazard_ratio: float,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    sides: int = 2,
    allocation: float = 1.0,
    method: str = "schoenfeld",
) -> EventsDesign:
    """Number of events a log-rank test needs to detect ``hazard_ratio``.

    Parameters
    ----------
    hazard_ratio : float
        Hazard of the experimental arm over the control arm (not 1).
    power : float
        Target power, between 0 and 1.
    alpha : float
        Type I error; split over both tails when ``sides=2``.
    sides : {1, 2}
        One- or two-sided test. The two-sided power ignores rejections in the wrong
        direction, as the published formulas do.
    allocation : float
        Patients on the experimental arm per patient on the control arm.
    method : {"schoenfeld", "freedman"}
        Schoenfeld: ``D = (z_a + z_b)^2 / (p (1 - p) log(HR)^2)`` with ``p`` the
        experimental fraction. Freedman: ``D = (z_a + z_b)^2 (1 + r HR)^2 / (r (1 - HR)^2)``.

    Returns
    -------
    EventsDesign
        ``events_exact`` is the formula's value, ``events`` its ceiling.

    References
    ----------
    Schoenfeld D. (1983). *Biometrics* 39:499-503.
    Freedman LS. (1982). *Statistics in Medicine* 1:121-129.

    Examples
    --------
    >>> required_events(0.5, power=0.8, alpha=0.1, sides=1).events
    38
    >>> required_events(0.5, power=0.8, alpha=0.1, sides=2).events
    52
    """
    hr = _hazard_ratio(hazard_ratio)
    power = _proportion("power", power)
    alpha = _proportion("alpha", alpha)
    sides = _sides(sides)
    allocation = _positive("allocation ratio", allocation)
    check_choice("method", method, METHODS)
    z_sum = _z_alpha(alpha, sides) + float(stats.norm.ppf(power))
    if z_sum <= 0:
        raise InputError(f"power {power:g} is below alpha {alpha:g}; any test reaches it with no events.")
    exact = _events_exact(hr, z_sum, allocation, method)
    return EventsDesign(hr, alpha, sides, power, allocation, method, exact, math.ceil(exact - 1e-9))


def power_for_events(
    hazard_ratio: float,
    events: float,
    *,
    alpha: float = 0.05,
    sides: int = 2,
    allocation: float = 1.0,
    method: str = "schoenfeld",
) -> EventsDesign:
    """Power of a log-rank test with ``events`` events to detect ``hazard_ratio``.

    The inverse of :func:`required_events` (same formulas, same conventions).

    Examples
    --------
    >>> round(power_for_events(0.5, 52, alpha=0.1, sides=2).power, 3)
    0.804
    """
    hr = _hazard_ratio(hazard_ratio)
    d = _positive("events", events)
    alpha = _proportion("alpha", alpha)
    sides = _sides(sides)
    allocation = _positive("allocation ratio", allocation)
    check_choice("method", method, METHODS)
    p = allocation / (1.0 + allocation)
    if method == "schoenfeld":
        drift = math.sqrt(d * p * (1 - p)) * abs(math.log(hr))
    else:
        drift = math.sqrt(d * allocation) * abs(1 - hr) / (1 + allocation * hr)
    power = float(stats.norm.cdf(drift - _z_alpha(alpha, sides)))
    return EventsDesign(hr, alpha, sides, power, allocation, method, d, math.ceil(d - 1e-9))


def hazard_ratio_from_medians(median_control: float, median_experimental: float) -> float:
    """Hazard ratio implied by two medians under exponential survival: ``m_control / m_experimental``.

    Examples
    --------
    >>> hazard_ratio_from_medians(18, 36)
    0.5
    """
    mc = _positive("control median", median_control)
    me = _positive("experimental median", median_experimental)
    return mc / me


def event_probability(hazard: float, accrual: float, follow_up: float, dropout: float = 0.0) -> float:
    """Probability that a patient's event is observed by the analysis.

    Patients enter uniformly over ``[0, accrual]`` and the analysis is at
    ``accrual + follow_up``; survival is exponential with ``hazard``, and loss to
    follow-up is exponential with hazard ``dropout`` (competing). Integrating over
    the entry time gives, with ``g = hazard + dropout``,

    ``P = hazard / g * (1 - (exp(-g F) - exp(-g (A + F))) / (g A))``

    (``P = hazard / g * (1 - exp(-g F))`` when ``accrual`` is 0).
    """
    lam = _positive("hazard", hazard)
    a = _non_negative("accrual duration", accrual)
    f = _non_negative("follow-up", follow_up)
    eta = _non_negative("dropout hazard", dropout)
    if a == 0 and f == 0:
        raise InputError("accrual duration and follow-up are both 0; no patient could be followed.")
    g = lam + eta
    if a == 0:
        inner = 1.0 - math.exp(-g * f)
    else:
        inner = 1.0 - (math.exp(-g * f) - math.exp(-g * (a + f))) / (g * a)
    return lam / g * inner


@dataclass(frozen=True, repr=False)
class PatientsDesign(_Result):
    """Patients needed to observe the required events under uniform accrual and exponential survival."""

    hazard_ratio: float
    alpha: float
    sides: int
    power: float
    allocation: float
    method: str
    events: int
    median_control: float
    median_experimental: float
    accrual: float
    follow_up: float
    dropout: float
    p_event_control: float
    p_event_experimental: float
    p_event: float
    patients_exact: float
    patients: int
    patients_control: int
    patients_experimental: int

    def __repr__(self) -> str:
        return (
            f"PatientsDesign(HR {self.hazard_ratio:g}: {self.events} events, P(event) "
            f"{self.p_event:.3f} -> {self.patients} patients)"
        )

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])


def required_patients(
    hazard_ratio: float,
    *,
    median_control: float,
    accrual: float,
    follow_up: float,
    power: float = 0.8,
    alpha: float = 0.05,
    sides: int = 2,
    allocation: float = 1.0,
    method: str = "schoenfeld",
    dropout: float = 0.0,
) -> PatientsDesign:
    """Patients needed for the events of :func:`required_events`.

    Control survival is exponential with median ``median_control``; the experimental
    hazard is ``hazard_ratio`` times the control hazard. ``accrual`` and
    ``follow_up`` (minimum follow-up after the last entry) are in the unit of the
    median; ``dropout`` is an exponential loss-to-follow-up hazard in the same unit.
    The total is the required events over the allocation-weighted event probability,
    rounded up, and then rounded up again so the arms split in whole patients at
    the allocation ratio when it is 1.

    Examples
    --------
    >>> d = required_patients(0.5, median_control=18, accrual=46, follow_up=6, alpha=0.1, sides=1)
    >>> d.events, d.patients
    (38, 74)
    """
    ev = required_events(hazard_ratio, power=power, alpha=alpha, sides=sides, allocation=allocation, method=method)
    mc = _positive("control median", median_control)
    lam_c = math.log(2) / mc
    lam_e = lam_c * ev.hazard_ratio
    p_c = event_probability(lam_c, accrual, follow_up, dropout)
    p_e = event_probability(lam_e, accrual, follow_up, dropout)
    frac_e = ev.allocation / (1 + ev.allocation)
    p = (1 - frac_e) * p_c + frac_e * p_e
    exact = ev.events / p
    n = math.ceil(exact - 1e-9)
    n_e = math.ceil(n * frac_e - 1e-9)
    n_c = math.ceil(n * (1 - frac_e) - 1e-9)
    return PatientsDesign(
        ev.hazard_ratio, ev.alpha, ev.sides, ev.power, ev.allocation, method, ev.events,
        mc, mc / ev.hazard_ratio, float(accrual), float(follow_up), float(dropout),
        p_c, p_e, p, exact, n_c + n_e, n_c, n_e,
    )


def events_table(hazard_ratios, *, powers=(0.8,), alphas=(0.05,), sides=(1, 2), allocation=1.0,
                 method: str = "schoenfeld") -> pd.DataFrame:
    """Required events over a grid of hazard ratios, powers, alphas and sidedness (tidy table)."""
    rows = [
        required_events(hr, power=pw, alpha=a, sides=s, allocation=allocation, method=method).to_dict()
        for hr in np.atleast_1d(hazard_ratios)
        for pw in np.atleast_1d(powers)
        for a in np.atleast_1d(alphas)
        for s in np.atleast_1d(sides)
    ]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- single-arm exact binomial
@dataclass(frozen=True, repr=False)
class BinomialDesign(_Result):
    """One-sided exact binomial test of ``H0: p <= p0`` against ``p1 > p0`` with ``n`` patients.

    The trial is positive when at least ``threshold`` of ``n`` succeed.
    """

    n: int
    p0: float
    p1: float
    alpha: float
    threshold: int
    type_i_error: float
    power: float

    def __repr__(self) -> str:
        return (
            f"BinomialDesign(n {self.n}, p0 {self.p0:g}, p1 {self.p1:g}: positive if >= "
            f"{self.threshold} successes; alpha {self.type_i_error:.4f}, power {self.power:.4f})"
        )

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])


def _check_rates(p0, p1) -> tuple[float, float]:
    p0 = _proportion("null rate p0", p0)
    p1 = _proportion("alternative rate p1", p1)
    if p1 <= p0:
        raise InputError(f"alternative rate p1 ({p1:g}) must exceed the null rate p0 ({p0:g}).")
    return p0, p1


def _thresholds(n: np.ndarray, p0: float, alpha: float) -> np.ndarray:
    """Smallest k with P(X >= k | n, p0) <= alpha, for each n (k = n + 1 when none is)."""
    # P(X >= k) = sf(k - 1); the binomial quantile gives the candidate, then one step corrects rounding.
    k = stats.binom.isf(alpha, n, p0).astype(int) + 1
    k = np.where(stats.binom.sf(k - 2, n, p0) <= alpha, k - 1, k)
    k = np.where(stats.binom.sf(k - 1, n, p0) > alpha, k + 1, k)
    return np.minimum(k, n + 1)


def binomial_design(n: int, p0: float, p1: float, *, alpha: float = 0.05) -> BinomialDesign:
    """Exact binomial rejection threshold and power for a single-arm landmark design.

    Parameters
    ----------
    n : int
        Patients.
    p0, p1 : float
        Landmark rate under the null and under the alternative (``p1 > p0``).
    alpha : float
        One-sided type I error bound.

    Returns
    -------
    BinomialDesign
        ``threshold`` is the smallest ``k`` with ``P(X >= k | p0) <= alpha``;
        ``type_i_error`` is that attained probability and ``power = P(X >= k | p1)``.

    Examples
    --------
    >>> binomial_design(45, 0.4, 0.6, alpha=0.05).threshold
    24
    """
    n = _positive("n", n, integer=True)
    p0, p1 = _check_rates(p0, p1)
    alpha = _proportion("alpha", alpha)
    k = int(_thresholds(np.array([n]), p0, alpha)[0])
    return BinomialDesign(n, p0, p1, alpha, k, float(stats.binom.sf(k - 1, n, p0)), float(stats.binom.sf(k - 1, n, p1)))


def binomial_power_curve(n: int, p0: float, p1_grid, *, alpha: float = 0.05) -> pd.DataFrame:
    """Exact power over alternative rates for fixed ``n``, ``p0`` and ``alpha`` (plotting-ready table)."""
    base = binomial_design(n, p0, max(float(np.max(p1_grid)), p0 + 1e-9), alpha=alpha)
    grid = np.asarray(p1_grid, dtype=float)
    return pd.DataFrame({
        "n": n, "p0": base.p0, "alpha": base.alpha, "threshold": base.threshold,
        "p1": grid, "power": stats.binom.sf(base.threshold - 1, n, grid),
    })


@dataclass(frozen=True, repr=False)
class SampleSizeSearch(_Result):
    """Smallest sample sizes of an exact single-arm design.

    Exact power is not monotone in ``n`` (a saw-tooth): ``n_smallest`` is the first
    ``n`` reaching the power, ``n_stable`` the first from which every larger ``n`` up
    to ``n_max`` reaches it too.
    """

    p0: float
    p1: float
    alpha: float
    target_power: float
    n_smallest: int
    n_stable: int
    n_max: int
    curve: pd.DataFrame

    def __repr__(self) -> str:
        return (
            f"SampleSizeSearch(p0 {self.p0:g}, p1 {self.p1:g}, alpha {self.alpha:g}, power "
            f"{self.target_power:g}: smallest n {self.n_smallest}, stable from n {self.n_stable})"
        )

    def design(self, which: str = "stable") -> BinomialDesign:
        """The design at ``n_stable`` (default) or ``n_smallest``."""
        check_choice("which", which, ("stable", "smallest"))
        n = self.n_stable if which == "stable" else self.n_smallest
        return binomial_design(n, self.p0, self.p1, alpha=self.alpha)

    def to_dict(self) -> dict:
        d = {k: v for k, v in super().to_dict().items() if k != "curve"}
        return d

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for which in ("smallest", "stable"):
            row = self.design(which).to_dict()
            rows.append({"which": which, **row, "target_power": self.target_power})
        return pd.DataFrame(rows)


def binomial_sample_size(p0: float, p1: float, *, alpha: float = 0.05, power: float = 0.8,
                         n_max: int = 1000) -> SampleSizeSearch:
    """Smallest ``n`` for an exact one-sided binomial design, plain and saw-tooth-safe.

    ``curve`` holds ``n, threshold, type_i_error, power`` for every ``n`` from 1 to ``n_max``.

    Examples
    --------
    >>> s = binomial_sample_size(0.4, 0.6, alpha=0.05, power=0.8)
    >>> s.n_smallest <= s.n_stable
    True
    """
    p0, p1 = _check_rates(p0, p1)
    alpha = _proportion("alpha", alpha)
    power = _proportion("power", power)
    n_max = _positive("n_max", n_max, integer=True)
    n = np.arange(1, n_max + 1)
    k = _thresholds(n, p0, alpha)
    pw = stats.binom.sf(k - 1, n, p1)
    ok = pw >= power
    if not ok.any():
        raise InputError(f"no n up to n_max = {n_max} reaches power {power:g}; raise n_max.")
    if not ok[-1]:
        raise InputError(f"power at n_max = {n_max} is below {power:g}; raise n_max to find a stable n.")
    smallest = int(n[np.argmax(ok)])
    failing = np.flatnonzero(~ok)
    stable = int(n[failing[-1] + 1]) if failing.size else 1
    curve = pd.DataFrame({"n": n, "threshold": k, "type_i_error": stats.binom.sf(k - 1, n, p0), "power": pw})
    return SampleSizeSearch(p0, p1, alpha, power, smallest, stable, n_max, curve)


# --------------------------------------------------------------------------- Simon two-stage
@dataclass(frozen=True, repr=False)
class SimonDesign(_Result):
    """A Simon two-stage design: stop after ``n1`` if at most ``r1`` respond; positive if more than ``r`` of ``n``."""

    kind: str
    p0: float
    p1: float
    alpha: float
    beta: float
    r1: int
    n1: int
    r: int
    n: int
    expected_n_p0: float
    pet_p0: float
    type_i_error: float
    power: float

    def __repr__(self) -> str:
        return (
            f"SimonDesign({self.kind}: r1/n1 = {self.r1}/{self.n1}, r/n = {self.r}/{self.n}, "
            f"EN(p0) {self.expected_n_p0:.1f}, PET(p0) {self.pet_p0:.2f})"
        )

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])


def _reject_matrix(n1: int, n: int, p: float) -> np.ndarray:
    """R[r1, r] = P(X1 > r1 and X1 + X2 > r) for r1 in 0..n1, r in 0..n."""
    x1 = np.arange(n1 + 1)
    pmf1 = stats.binom.pmf(x1, n1, p)
    r = np.arange(n + 1)
    # P(X2 > r - x1) with X2 ~ Bin(n - n1, p); sf of a negative argument is 1.
    tail = stats.binom.sf(r[None, :] - x1[:, None], n - n1, p)
    m = pmf1[:, None] * tail
    # Sum over x1 > r1: reverse cumulative sum, shifted by one row.
    rev = np.cumsum(m[::-1], axis=0)[::-1]
    return np.vstack([rev[1:], np.zeros((1, n + 1))])


def simon_two_stage(p0: float, p1: float, *, alpha: float = 0.05, power: float = 0.8,
                    n_max: int | None = None) -> dict[str, SimonDesign]:
    """Simon's optimal and minimax two-stage designs by exhaustive search.

    For every total ``n`` up to ``n_max`` and first stage ``n1 < n``, every ``r1`` and
    the smallest ``r`` keeping the type I error at most ``alpha`` is tried; designs
    reaching ``power`` are kept. *Optimal* minimises the expected sample size under
    ``p0``; *minimax* minimises ``n`` and, among those, the expected sample size.
    Remaining ties keep the first found (smallest ``n``, then ``n1``, then ``r1``).

    Parameters
    ----------
    p0, p1 : float
        Response rates under the null and alternative (``p1 > p0``).
    alpha : float
        Bound on ``P(declare promising | p0)``.
    power : float
        Bound from below on ``P(declare promising | p1)`` (``1 - beta``).
    n_max : int, optional
        Largest total sample size searched; by default 1.5 times the single-stage exact
        sample size plus 10.

    Returns
    -------
    dict with keys ``"optimal"`` and ``"minimax"``, each a :class:`SimonDesign`.

    References
    ----------
    Simon R. (1989). Optimal two-stage designs for phase II clinical trials.
    *Controlled Clinical Trials* 10:1-10.

    Examples
    --------
    >>> d = simon_two_stage(0.1, 0.3, alpha=0.05, power=0.8)
    >>> (d["optimal"].r1, d["optimal"].n1, d["optimal"].r, d["optimal"].n)
    (1, 10, 5, 29)
    """
    p0, p1 = _check_rates(p0, p1)
    alpha = _proportion("alpha", alpha)
    power = _proportion("power", power)
    if n_max is None:
        single = binomial_sample_size(p0, p1, alpha=alpha, power=power, n_max=5000)
        n_max = int(1.5 * single.n_smallest) + 10
    n_max = _positive("n_max", n_max, integer=True)
    best_opt = None  # (EN0, n, n1, r1, r, pet)
    best_mm = None
    for n in range(2, n_max + 1):
        if best_mm is not None and n > best_mm[1]:
            mm_done = True
        else:
            mm_done = False
        for n1 in range(1, n):
            rej0 = _reject_matrix(n1, n, p0)
            ok0 = rej0 <= alpha + 1e-12
            # smallest r per r1 meeting alpha (rejection probability falls with r)
            has = ok0.any(axis=1)
            if not has.any():
                continue
            r_min = np.argmax(ok0, axis=1)
            r1s = np.flatnonzero(has)
            rs = r_min[r1s]
            valid = rs >= r1s
            r1s, rs = r1s[valid], np.maximum(rs[valid], r1s[valid])
            if r1s.size == 0:
                continue
            rej1 = _reject_matrix(n1, n, p1)[r1s, rs]
            good = rej1 >= power - 1e-12
            if not good.any():
                continue
            r1s, rs = r1s[good], rs[good]
            pet = stats.binom.cdf(r1s, n1, p0)
            en = n1 + (1 - pet) * (n - n1)
            i = int(np.argmin(en))
            cand = (float(en[i]), n, n1, int(r1s[i]), int(rs[i]), float(pet[i]))
            if best_opt is None or cand[0] < best_opt[0] - 1e-12:
                best_opt = cand
            if not mm_done and (best_mm is None or (n == best_mm[1] and cand[0] < best_mm[0] - 1e-12)):
                best_mm = cand
    if best_opt is None:
        raise InputError(f"no two-stage design with n <= {n_max} meets alpha {alpha:g} and power {power:g}; raise n_max.")
    out = {}
    for kind, (en, n, n1, r1, r, pet) in (("optimal", best_opt), ("minimax", best_mm)):
        out[kind] = SimonDesign(
            kind, p0, p1, alpha, 1 - power, r1, n1, r, n, en, pet,
            float(_reject_matrix(n1, n, p0)[r1, r]), float(_reject_matrix(n1, n, p1)[r1, r]),
        )
    return out


# --------------------------------------------------------------------------- design files
def _find_target(register: Mapping, target_id: str):
    """Find the entry with ``id == target_id`` (or the table keyed ``target_id``) anywhere in a register."""
    stack = [register]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            if node.get("id") == target_id:
                return node
            for key, val in node.items():
                if key == target_id and isinstance(val, Mapping):
                    return val
                stack.append(val)
        elif isinstance(node, list):
            stack.extend(node)
    return None


def _register_entry(ref: str, name: str, registers: Mapping, where: str) -> Mapping:
    study, _, tid = str(ref).partition(":")
    if not tid:
        raise InputError(f"{where}: assumption {name!r} target {ref!r} must read 'study:target_id'.")
    if study not in registers:
        raise InputError(
            f"{where}: assumption {name!r} refers to register {study!r}, which is not available "
            f"(expected data/published/{study}.toml)."
        )
    entry = _find_target(registers[study], tid)
    if entry is None:
        raise InputError(f"{where}: assumption {name!r} refers to {ref!r}, which the register does not hold.")
    return entry


def _months(date: str, ref: str, name: str, where: str) -> int:
    try:
        year, month = (int(x) for x in str(date).split("-")[:2])
    except ValueError:
        raise InputError(f"{where}: assumption {name!r}: {ref!r} is {date!r}; expected a date YYYY-MM.") from None
    return 12 * year + month


def resolve_design(design: Mapping, registers: Mapping[str, Mapping], *, where: str = "design file") -> dict:
    """Values of a design file's ``[assumptions]``, published numbers read from their registers.

    Each assumption is a table holding one of

    * ``value`` with its ``source`` (a quote) or ``assumed = true`` and a ``note``;
    * ``target = "study:target_id"``: the ``value`` of that entry of the published-target
      register (``data/published/<study>.toml``), so a published number is typed once;
      ``fraction = true`` takes ``numerator / denominator`` instead (counts, or ids of
      the register's count entries), and a value the
      register prints in percent is divided by 100;
    * ``months_between = ["study:start_id", "study:end_id"]``: months between two
      register dates (``YYYY-MM``).

    ``registers`` maps study names to loaded register files (dicts).

    Returns
    -------
    dict mapping assumption names to values.
    """
    if "assumptions" not in design or not isinstance(design["assumptions"], Mapping):
        raise InputError(f"{where}: has no [assumptions] table; expected one entry per design assumption.")
    out = {}
    for name, spec in design["assumptions"].items():
        if not isinstance(spec, Mapping):
            raise InputError(f"{where}: assumption {name!r} must be a table with value or target and its source.")
        if "target" in spec:
            entry = _register_entry(spec["target"], name, registers, where)
            if spec.get("fraction"):
                study = str(spec["target"]).partition(":")[0]
                try:
                    # numerator and denominator are counts, or ids of the register's count entries
                    num, den = (
                        _register_entry(f"{study}:{x}", name, registers, where)["value"] if isinstance(x, str) else x
                        for x in (entry["numerator"], entry["denominator"])
                    )
                    value = float(num) / float(den)
                except (KeyError, TypeError, ValueError, ZeroDivisionError):
                    raise InputError(
                        f"{where}: assumption {name!r}: register entry {spec['target']!r} has no usable "
                        "numerator and denominator."
                    ) from None
            else:
                if "value" not in entry:
                    raise InputError(f"{where}: assumption {name!r}: register entry {spec['target']!r} has no value.")
                value = entry["value"]
                if entry.get("scale") == "percent":
                    value = value / 100.0  # designs use fractions
            out[name] = value
        elif "months_between" in spec:
            refs = spec["months_between"]
            if not isinstance(refs, list) or len(refs) != 2:
                raise InputError(f"{where}: assumption {name!r}: months_between needs two register references.")
            a, b = (_months(_register_entry(r, name, registers, where).get("value"), r, name, where) for r in refs)
            out[name] = float(b - a)
        elif "value" in spec:
            if not (spec.get("source") or spec.get("assumed")):
                raise InputError(
                    f"{where}: assumption {name!r} has a value but neither a source nor assumed = true."
                )
            out[name] = spec["value"]
        else:
            raise InputError(
                f"{where}: assumption {name!r} needs a value (with its source), a register target or months_between."
            )
    return out


def assumptions_table(design: Mapping, values: Mapping) -> pd.DataFrame:
    """One row per assumption of a design file: name, value, where it comes from, note (for reports)."""
    rows = []
    for name, spec in design.get("assumptions", {}).items():
        if "target" in spec:
            origin = f"register {spec['target']}"
        elif "months_between" in spec:
            origin = "register " + " to ".join(spec["months_between"])
        elif spec.get("source"):
            origin = "published: " + str(spec["source"])
        else:
            origin = "assumed"
        if spec.get("assumed") and not origin.startswith("assumed"):
            origin += " (used as an assumption)"
        rows.append({"assumption": name, "value": values.get(name), "origin": origin, "note": spec.get("note", "")})
    return pd.DataFrame(rows, columns=["assumption", "value", "origin", "note"])


# --------------------------------------------------------------------------- figures
def plot_events_by_hazard_ratio(ax, hazard_ratios=None, *, power: float = 0.8, alpha: float = 0.1,
                                sides=(1, 2), method: str = "schoenfeld", implied_events=None,
                                design_hr: float | None = None):
    """Required events against the hazard ratio, one line per sidedness; returns ``ax``.

    ``implied_events`` (a number or ``(label, number)``) draws a horizontal line for
    the events a study had, for comparison.
    """
    if hazard_ratios is None:
        hazard_ratios = np.linspace(0.3, 0.85, 56)
    tab = events_table(hazard_ratios, powers=(power,), alphas=(alpha,), sides=sides, method=method)
    for s, sub in tab.groupby("sides"):
        ax.plot(sub["hazard_ratio"], sub["events"], label=f"{s}-sided alpha {alpha:g}", drawstyle="steps-mid")
    if design_hr is not None:
        ax.axvline(design_hr, color="0.5", lw=0.8, ls=":")
    if implied_events is not None:
        label, value = implied_events if isinstance(implied_events, tuple) else ("events in the study", implied_events)
        ax.axhline(value, color="k", lw=0.8, ls="--", label=label)
    ax.set_yscale("log")
    ax.set_xlabel("hazard ratio (experimental / control)")
    ax.set_ylabel(f"events for {power:.0%} power ({method})")
    ax.legend(frameon=False)
    return ax


def plot_binomial_power(ax, n: int, p0: float, p1_grid=None, *, alpha: float = 0.05, mark=None):
    """Exact power of a single-arm design against the true landmark rate; returns ``ax``.

    ``mark`` is an optional ``(label, rate)`` drawn as a vertical line (an assumed rate).
    """
    if p1_grid is None:
        p1_grid = np.linspace(p0, min(1.0, p0 + 0.45), 91)
    curve = binomial_power_curve(n, p0, p1_grid, alpha=alpha)
    k = int(curve["threshold"].iloc[0])
    ax.plot(curve["p1"], curve["power"], label=f"n = {n}, positive if >= {k}/{n}")
    ax.axhline(0.8, color="0.6", lw=0.8, ls=":")
    if mark is not None:
        ax.axvline(mark[1], color="k", lw=0.8, ls="--", label=mark[0])
    ax.set_xlabel("true rate at landmark")
    ax.set_ylabel(f"power (exact, one-sided alpha {alpha:g}, p0 = {p0:g})")
    ax.set_ylim(0, 1)
    ax.legend(frameon=False)
    return ax


def plot_power_by_hazard_ratio(ax, table: pd.DataFrame, *, x: str = "hazard_ratio", y: str = "power",
                               by: str | None = "analysis", se: str | None = "mc_se"):
    """Power against the hazard ratio from a tidy table (simulated or analytic); returns ``ax``.

    Error bars show ``1.96 * se`` when the column ``se`` is present (Monte Carlo error).
    """
    groups = table.groupby(by, sort=False) if by and by in table.columns else [("power", table)]
    for label, sub in groups:
        sub = sub.sort_values(x)
        if se and se in sub.columns:
            ax.errorbar(sub[x], sub[y], yerr=1.96 * sub[se], marker="o", ms=3, capsize=2, label=str(label))
        else:
            ax.plot(sub[x], sub[y], marker="o", ms=3, label=str(label))
    ax.axhline(0.8, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel("hazard ratio (experimental / control)")
    ax.set_ylabel("power")
    ax.set_ylim(0, 1)
    ax.legend(frameon=False)
    return ax
