"""Event-driven two-arm designs compared by the log-rank test.

The number of events needed to detect a hazard ratio (Schoenfeld 1983, or Freedman 1982
as an option), the power for a given number of events, and the number of patients that
yields those events given uniform accrual, a minimum follow-up and exponential survival
(optionally with exponential dropout).

References
----------
Schoenfeld D. (1983). Sample-size formula for the proportional-hazards regression
model. *Biometrics* 39:499-503.

Freedman LS. (1982). Tables of the number of patients required in clinical trials
using the logrank test. *Statistics in Medicine* 1:121-129.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from survrepro._validation import MAX_VALUE, InputError, check_choice, check_range
from survrepro._validation import check_non_negative as _non_negative
from survrepro._validation import check_positive as _positive
from survrepro.design._common import METHODS, DesignResult, hazard_ratio_value, proportion_value, sides_value, z_alpha

__all__ = [
    "EventsDesign",
    "PatientsDesign",
    "event_probability",
    "events_table",
    "hazard_ratio_from_medians",
    "power_for_events",
    "required_events",
    "required_patients",
]


@dataclass(frozen=True, repr=False)
class EventsDesign(DesignResult):
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


#: Allocation ratios accepted (experimental per control patient): 1:100 to 100:1.
ALLOCATION_RANGE = (0.01, 100.0)
#: Largest number of events or patients a design may need before it is refused as not a trial.
MAX_DESIGN_SIZE = 1e9


def _allocation(value) -> float:
    return check_range("allocation ratio", _positive("allocation ratio", value), *ALLOCATION_RANGE)


def _size(exact: float, what: str, why: str) -> int:
    """``exact`` rounded up, refused when it is not finite or beyond :data:`MAX_DESIGN_SIZE`."""
    if not math.isfinite(exact) or exact > MAX_DESIGN_SIZE:
        raise InputError(f"the design needs more than 10^9 {what} ({why}); expected assumptions of a trial.")
    return math.ceil(exact - 1e-9)


def _events_exact(hr: float, z_sum: float, allocation: float, method: str) -> float:
    p = allocation / (1.0 + allocation)
    if method == "schoenfeld":
        denom = p * (1.0 - p) * math.log(hr) ** 2
        if not denom > 0:
            raise InputError(f"hazard ratio {hr!r} is too close to 1 to compute the events a test needs.")
        return z_sum**2 / denom
    # Freedman (1982), generalised to allocation r = n_exp / n_control.
    denom = allocation * (1.0 - hr) ** 2
    if not denom > 0:
        raise InputError(f"hazard ratio {hr!r} is too close to 1 to compute the events a test needs.")
    return z_sum**2 * (1.0 + allocation * hr) ** 2 / denom


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
    hr = hazard_ratio_value(hazard_ratio)
    power = proportion_value("power", power)
    alpha = proportion_value("alpha", alpha)
    sides = sides_value(sides)
    allocation = _allocation(allocation)
    check_choice("method", method, METHODS)
    z_sum = z_alpha(alpha, sides) + float(stats.norm.ppf(power))
    if z_sum <= 0:
        raise InputError(f"power {power:g} is below alpha {alpha:g}; any test reaches it with no events.")
    exact = _events_exact(hr, z_sum, allocation, method)
    events = _size(exact, "events", f"hazard ratio {hr!r} is very close to 1")
    return EventsDesign(hr, alpha, sides, power, allocation, method, exact, events)


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

    Parameters
    ----------
    hazard_ratio : float
        Hazard of the experimental arm over the control arm (not 1).
    events : float
        Number of events at the analysis (> 0).
    alpha : float
        Type I error; split over both tails when ``sides=2``.
    sides : {1, 2}
        One- or two-sided test.
    allocation : float
        Patients on the experimental arm per patient on the control arm.
    method : {"schoenfeld", "freedman"}
        The formula, as in :func:`required_events`.

    Returns
    -------
    EventsDesign
        ``power`` is the power reached; ``events_exact`` the events given.

    References
    ----------
    Schoenfeld D. (1983). Sample-size formula for the proportional-hazards regression
    model. *Biometrics* 39:499-503.
    Freedman LS. (1982). Tables of the number of patients required in clinical trials
    using the logrank test. *Statistics in Medicine* 1:121-129.

    Examples
    --------
    >>> round(power_for_events(0.5, 52, alpha=0.1, sides=2).power, 3)
    0.804
    """
    hr = hazard_ratio_value(hazard_ratio)
    d = check_range("events", _positive("events", events), 0, MAX_DESIGN_SIZE, low_open=True)
    alpha = proportion_value("alpha", alpha)
    sides = sides_value(sides)
    allocation = _allocation(allocation)
    check_choice("method", method, METHODS)
    p = allocation / (1.0 + allocation)
    if method == "schoenfeld":
        drift = math.sqrt(d * p * (1 - p)) * abs(math.log(hr))
    else:
        drift = math.sqrt(d * allocation) * abs(1 - hr) / (1 + allocation * hr)
    power = float(stats.norm.cdf(drift - z_alpha(alpha, sides)))
    return EventsDesign(hr, alpha, sides, power, allocation, method, d, math.ceil(d - 1e-9))


def hazard_ratio_from_medians(median_control: float, median_experimental: float) -> float:
    """Hazard ratio implied by two medians under exponential survival.

    With exponential survival the hazard is ``log(2) / median``, so the ratio of the
    experimental hazard to the control hazard is ``median_control / median_experimental``.

    Parameters
    ----------
    median_control, median_experimental : float
        Medians of the two arms (> 0, same unit).

    Returns
    -------
    float
        Experimental over control hazard.

    Examples
    --------
    >>> hazard_ratio_from_medians(18, 36)
    0.5
    """
    mc = check_range("control median", _positive("control median", median_control), 0, MAX_VALUE, low_open=True)
    me = check_range("experimental median", _positive("experimental median", median_experimental), 0, MAX_VALUE,
                     low_open=True)
    return mc / me


def event_probability(hazard: float, accrual: float, follow_up: float, dropout: float = 0.0) -> float:
    """Probability that a patient's event is observed by the analysis.

    Patients enter uniformly over ``[0, accrual]`` and the analysis is at
    ``accrual + follow_up``; survival is exponential with ``hazard``, and loss to
    follow-up is exponential with hazard ``dropout`` (competing). Integrating over
    the entry time gives, with ``g = hazard + dropout``,

    ``P = hazard / g * (1 - (exp(-g F) - exp(-g (A + F))) / (g A))``

    (``P = hazard / g * (1 - exp(-g F))`` when ``accrual`` is 0).

    Parameters
    ----------
    hazard : float
        Exponential event hazard (> 0), per unit of time.
    accrual : float
        Accrual duration ``A`` (>= 0).
    follow_up : float
        Minimum follow-up ``F`` after the last entry (>= 0; ``A`` and ``F`` not both 0).
    dropout : float
        Exponential loss-to-follow-up hazard (>= 0).

    Returns
    -------
    float
        The probability, in [0, 1].

    References
    ----------
    Schoenfeld D. (1983). Sample-size formula for the proportional-hazards regression
    model. *Biometrics* 39:499-503.

    Examples
    --------
    >>> round(event_probability(0.0385, 46, 6), 4)
    0.6281
    >>> round(event_probability(0.0385, 46, 6, dropout=0.01), 4)
    0.5564
    """
    lam = check_range("hazard", _positive("hazard", hazard), 1 / MAX_VALUE**2, MAX_VALUE)
    a = check_range("accrual duration", _non_negative("accrual duration", accrual), 0, MAX_VALUE)
    f = check_range("follow-up", _non_negative("follow-up", follow_up), 0, MAX_VALUE)
    eta = check_range("dropout hazard", _non_negative("dropout hazard", dropout), 0, MAX_VALUE)
    if a == 0 and f == 0:
        raise InputError("accrual duration and follow-up are both 0; no patient could be followed.")
    g = lam + eta
    if a == 0:
        inner = 1.0 - math.exp(-g * f)
    else:
        inner = 1.0 - (math.exp(-g * f) - math.exp(-g * (a + f))) / (g * a)
    return lam / g * inner


@dataclass(frozen=True, repr=False)
class PatientsDesign(DesignResult):
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
    hazard is ``hazard_ratio`` times the control hazard. The total is the required
    events over the allocation-weighted event probability (:func:`event_probability`),
    rounded up, and then rounded up again so the arms split in whole patients at
    the allocation ratio.

    Parameters
    ----------
    hazard_ratio : float
        Hazard of the experimental arm over the control arm (not 1).
    median_control : float
        Median of the control arm, in the unit of ``accrual`` and ``follow_up``.
    accrual : float
        Accrual duration (uniform entry).
    follow_up : float
        Minimum follow-up after the last entry.
    power, alpha, sides, allocation, method
        As in :func:`required_events`.
    dropout : float
        Exponential loss-to-follow-up hazard in the same unit.

    Returns
    -------
    PatientsDesign
        Events, event probabilities per arm and pooled, and patients in all and per arm.

    References
    ----------
    Schoenfeld D. (1983). Sample-size formula for the proportional-hazards regression
    model. *Biometrics* 39:499-503.
    Freedman LS. (1982). Tables of the number of patients required in clinical trials
    using the logrank test. *Statistics in Medicine* 1:121-129.

    Examples
    --------
    >>> d = required_patients(0.5, median_control=18, accrual=46, follow_up=6, alpha=0.1, sides=1)
    >>> d.events, d.patients
    (38, 74)
    """
    ev = required_events(hazard_ratio, power=power, alpha=alpha, sides=sides, allocation=allocation, method=method)
    mc = check_range("control median", _positive("control median", median_control), 0, MAX_VALUE, low_open=True)
    lam_c = math.log(2) / mc
    lam_e = lam_c * ev.hazard_ratio
    p_c = event_probability(lam_c, accrual, follow_up, dropout)
    p_e = event_probability(lam_e, accrual, follow_up, dropout)
    frac_e = ev.allocation / (1 + ev.allocation)
    p = (1 - frac_e) * p_c + frac_e * p_e
    exact = ev.events / p if p > 0 else math.inf
    n = _size(exact, "patients", f"a patient's event is observed with probability {p:.3g}")
    n_e = math.ceil(n * frac_e - 1e-9)
    n_c = math.ceil(n * (1 - frac_e) - 1e-9)
    return PatientsDesign(
        ev.hazard_ratio, ev.alpha, ev.sides, ev.power, ev.allocation, method, ev.events,
        mc, mc / ev.hazard_ratio, float(accrual), float(follow_up), float(dropout),
        p_c, p_e, p, exact, n_c + n_e, n_c, n_e,
    )


def events_table(hazard_ratios, *, powers=(0.8,), alphas=(0.05,), sides=(1, 2), allocation=1.0,
                 method: str = "schoenfeld") -> pd.DataFrame:
    """Required events over a grid of hazard ratios, powers, alphas and sidedness.

    Parameters
    ----------
    hazard_ratios : array_like
        Hazard ratios (experimental over control).
    powers, alphas, sides : sequence
        Grid values; every combination gets one row.
    allocation : float
        Patients on the experimental arm per patient on the control arm.
    method : {"schoenfeld", "freedman"}
        The formula, as in :func:`required_events`.

    Returns
    -------
    pandas.DataFrame
        One row per combination, the columns of :meth:`EventsDesign.to_dict`.

    References
    ----------
    Schoenfeld D. (1983). Sample-size formula for the proportional-hazards regression
    model. *Biometrics* 39:499-503.
    Freedman LS. (1982). Tables of the number of patients required in clinical trials
    using the logrank test. *Statistics in Medicine* 1:121-129.

    Examples
    --------
    >>> t = events_table([0.5, 0.7], alphas=(0.1,), sides=(1, 2))
    >>> t["events"].tolist()
    [38, 52, 142, 195]
    """
    rows = [
        required_events(hr, power=pw, alpha=a, sides=s, allocation=allocation, method=method).to_dict()
        for hr in np.atleast_1d(hazard_ratios)
        for pw in np.atleast_1d(powers)
        for a in np.atleast_1d(alphas)
        for s in np.atleast_1d(sides)
    ]
    return pd.DataFrame(rows)
