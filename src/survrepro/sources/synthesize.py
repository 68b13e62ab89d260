"""SYNTHETIC patient-level data calibrated to published summary statistics.

When a study publishes only summaries (arm sizes, medians, a hazard ratio with its
confidence interval, landmark counts, median follow-up), this module builds patient-level
data that reproduce every *calibration* constraint at the precision it was printed with.
The data are synthetic: they are one of many data sets consistent with the summaries and
say nothing the summaries do not.

Model of a patient
------------------
Each patient has an entry time ``a`` (after the start of accrual) and latent times
measured from entry: progression ``P``, death ``D``, the gap from progression to the next
systemic therapy ``gC`` and to a new lesion ``gN`` (zero when the progression itself was a
new lesion), and loss to follow-up ``U`` (never, unless the search needs it). Follow-up
ends at ``F = min(cutoff - a, U)``. The endpoints follow from these, so they are coherent
by construction:

* ``pfs``: ``min(P, D, F)``, event when progression or death comes first;
* ``os``: ``min(D, F)``, event when death comes first; ``os >= pfs``;
* ``ttnt`` (time on the same systemic therapy, to the next therapy): ``min(P + gC, D, F)``,
  event when the next therapy starts or the patient dies; never shorter than PFS
  (the next line starts at or after progression); ``death`` says which;
* ``new_lesion``: ``min(P + gN, D, F)``, event when the new lesion appears; equal to
  PFS when the new lesion was the progression, later otherwise.

Times are in the study's time unit (:attr:`SynthesisSpec.time_unit`: months unless the
register says days, weeks or years) and kept as whole hundredths of it (finer where a time is
printed to two decimals or the unit is a year: :func:`grid_scale`), so the values written to
CSV (two decimals, or as many more) are the values every constraint was computed from. Spans the
synthesizer sets itself (a default cut-off, starting medians) are set in months and written
in the study's unit, and the notes say them in both.

Method
------
1. Construction (seeded): entry uniform over the accrual window; exponential progression
   times whose median is the published median of the arm (or of the cohort); deaths mostly
   after progression; a data cut-off given by the study or chosen by bisection so that the
   reverse Kaplan–Meier median follow-up is the published one.
   When a hazard ratio is given with both Wald limits, PFS of the two arms is instead built
   by its own capped search over times, event flags and event counts so that the log
   hazard ratio, its standard error (hence the number of events and the balance of the risk
   sets), the arms' medians and the median follow-up sit at the centre of their printed
   ranges; it is then kept fixed.
2. Deterministic local search (seeded simulated annealing with an iteration cap): one
   latent time of one patient is moved at a time, chosen among the patients and times the
   unmet constraints depend on; a move is kept when the total distance to the printed
   values does not grow (or, early on, with a small probability). The search stops when
   every constraint rounds to its printed value, or at the cap, and then reports the
   constraints it could not meet.
3. Every achieved value is recomputed from the final data with the project's engine
   (:mod:`survrepro.engine.km`, :mod:`survrepro.engine.cox`, :mod:`survrepro.engine.proportion`).

A constraint printed with ``k`` decimals is met when the achieved value, rounded to ``k``
decimals (halves away from zero), equals it; a count is met when equal.

References
----------
Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
J Am Stat Assoc 1958;53:457-481.
Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220.
Efron B. The efficiency of Cox's likelihood function for censored data.
J Am Stat Assoc 1977;72:557-565.
Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time.
Control Clin Trials 1996;17:343-346.
Kirkpatrick S, Gelatt CD, Vecchi MP. Optimization by simulated annealing.
Science 1983;220:671-680.
"""
from __future__ import annotations

import collections
import copy
import dataclasses
import datetime as _dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from survrepro._validation import InputError, check_choice
from survrepro.engine.cox import hazard_ratio, log_hazard_ratio, log_hazard_ratio_untied, two_arm_tests
from survrepro.engine.km import kaplan_meier, km_band_at, km_median, median_followup
from survrepro.engine.logrank import chi2_1_sf, logrank_batch, logrank_test
from survrepro.engine.proportion import proportion_on_therapy
from survrepro.engine.rmst import restricted_mean, rmst
from survrepro.rounding import round_half_away
from survrepro.sources._fitted import (
    Pair, _printed_times, cox_fit, distinct, evenly_spaced, finish_pairs, fitted_start, km_steps, peak_density,
    spread_ties, tie_cap,
)
from survrepro.sources._recent import Recent
from survrepro.options import SYNTHESIS_ENDPOINTS as ENDPOINTS
from survrepro.timeunits import DAYS_PER, from_months, unit_name

__all__ = [
    "ENDPOINTS",
    "CONSTRAINT_QUANTITIES",
    "Group",
    "Constraint",
    "SynthesisSpec",
    "ConstraintResult",
    "SynthesisResult",
    "synthesize",
    "evaluate",
    "rounds_to",
    "landmark_conflicts",
    "column_descriptions",
    "notes_text",
    "assumed_accrual",
    "grid_scale",
]

#: Endpoints of the patient model.
#: Quantities a constraint may fix.
#: Each constraint quantity: the statistic it is a part of, and which part.
CONSTRAINT_KINDS = {
    "median": ("median", "estimate"), "median_ci_low": ("median", "low"), "median_ci_high": ("median", "high"),
    "hr": ("hr", "estimate"), "hr_ci_low": ("hr", "low"), "hr_ci_high": ("hr", "high"),
    "median_followup": ("followup", "estimate"),
    "evaluable": ("count", "estimate"), "remaining": ("count", "estimate"),
    "p_value_bound": ("p", "bound"), "p_value": ("p", "estimate"),
    "events": ("events", "estimate"),
    "survival": ("survival", "estimate"), "survival_ci_low": ("survival", "low"),
    "survival_ci_high": ("survival", "high"),
    "rmst": ("rmst", "estimate"),
}
#: The Kaplan-Meier survival at a landmark and its pointwise confidence limits.
SURVIVAL_PARTS = ("survival", "survival_ci_low", "survival_ci_high")
CONSTRAINT_QUANTITIES = tuple(CONSTRAINT_KINDS)
#: The parts of a statistic, in the order the fast evaluators return them.
PARTS = ("estimate", "low", "high")
#: Tests of the Cox fit of two arms a printed p value may name, and how the notes call them.
_COX_TESTS = {"wald": "Wald", "score": "score", "likelihood_ratio": "likelihood-ratio"}
_NEVER = 10**8  # hundredths of the time unit: "does not happen"
_CAP = 100.0  # largest distance one constraint contributes to the search's loss


def rounds_to(achieved, value: float, decimals: int) -> bool:
    """Whether ``achieved`` prints as ``value`` at ``decimals`` decimals (halves away from zero).

    Parameters
    ----------
    achieved : float or None
        The value computed from data; ``None`` or NaN never matches.
    value : float
        The published value.
    decimals : int
        The decimals it was printed with.

    Returns
    -------
    bool

    Examples
    --------
    >>> rounds_to(15.64, 15.6, 1), rounds_to(15.65, 15.6, 1), rounds_to(None, 15.6, 1)
    (True, False, False)
    """
    if achieved is None or not np.isfinite(achieved):
        return False
    return round_half_away(float(achieved), int(decimals)) == round_half_away(float(value), int(decimals))


# --------------------------------------------------------------------------- specification
@dataclass(frozen=True)
class Group:
    """An arm of a trial or a subgroup of a cohort, with its number of patients."""

    id: str
    n: int


@dataclass(frozen=True)
class Constraint:
    """A number the synthetic data must reproduce.

    Parameters
    ----------
    id : str
        Name of the constraint (the register's target id).
    quantity : str
        One of :data:`CONSTRAINT_QUANTITIES`: a Kaplan–Meier median or its confidence
        limit; a Cox hazard ratio (first arm over second) or its Wald limit; the reverse
        Kaplan–Meier median follow-up; the number of patients ``evaluable`` or ``remaining``
        at a landmark; a bound on a two-sided log-rank p value; the number of ``events`` of
        the endpoint; the Kaplan–Meier ``survival`` (a fraction) at ``landmark`` or a
        pointwise limit of it (``survival_ci_low``, ``survival_ci_high``: R's band under
        ``conf_type``); the ``rmst`` up to ``landmark``.
    value : float
        The printed value (for ``p_value_bound``, the bound); ``math.inf`` for a median or
        limit printed as not reached (the data must not reach it either).
    decimals : int
        Decimals it was printed with (0 for counts).
    endpoint : str
        One of :data:`ENDPOINTS`.
    arms : tuple of str
        ``()`` for every patient, one group id, or two for a comparison.
    conf_type : str
        Kaplan–Meier CI transform of a median limit (``"log"``, ``"log-log"``, ``"plain"``).
    conf_level : float
        Confidence level of a median or hazard-ratio interval.
    ties : str
        Cox tie handling (``"efron"`` or ``"breslow"``).
    landmark : float
        Landmark time of an ``evaluable``/``remaining`` count or of a ``survival``; the
        horizon of an ``rmst``.
    evaluable_rule : str
        ``"followed"`` or ``"all"`` (see :mod:`survrepro.engine.proportion`).
    death_is_failure : bool
        Whether a death on therapy before the landmark is a failure.
    comparator : str
        ``">"``, ``">="``, ``"<"`` or ``"<="`` for a ``p_value_bound``.
    test : str
        Test of a ``p_value``: ``"logrank"`` (two-sided, of its arms: every group when
        ``arms`` is ``()``), or ``"wald"``, ``"score"`` or ``"likelihood_ratio"`` (of the
        Cox fit of two arms).
    """

    id: str
    quantity: str
    value: float
    decimals: int
    endpoint: str
    arms: tuple = ()
    conf_type: str = "log"
    conf_level: float = 0.95
    ties: str = "efron"
    landmark: float | None = None
    evaluable_rule: str = "followed"
    death_is_failure: bool = True
    comparator: str | None = None
    test: str = "logrank"

    def __post_init__(self):
        check_choice(f"constraint {self.id!r}: quantity", self.quantity, CONSTRAINT_QUANTITIES)
        check_choice(f"constraint {self.id!r}: endpoint", self.endpoint, ENDPOINTS)
        if self.quantity in ("p_value", "p_value_bound"):
            check_choice(f"constraint {self.id!r}: test", self.test, tuple(_COX_TESTS) + ("logrank",))
            if len(self.arms) == 1 or (self.test in _COX_TESTS and len(self.arms) != 2):
                raise InputError(f"constraint {self.id!r}: a {self.test} p value compares "
                                 f"{'two arms' if self.test in _COX_TESTS else 'two or more arms (none: every group)'}; "
                                 f"got {self.arms!r}.")
        elif self.quantity.startswith("hr"):
            if len(self.arms) != 2:
                raise InputError(f"constraint {self.id!r}: a {self.quantity} compares two arms; got {self.arms!r}.")
        elif len(self.arms) > 1:
            raise InputError(f"constraint {self.id!r}: a {self.quantity} describes one group or all; got {self.arms!r}.")
        if (self.quantity in ("evaluable", "remaining", "rmst") + SURVIVAL_PARTS
                and (self.landmark is None or self.landmark <= 0)):
            raise InputError(f"constraint {self.id!r}: a {self.quantity} at a landmark needs a landmark > 0.")
        if self.quantity == "p_value_bound" and self.comparator not in (">", ">=", "<", "<="):
            raise InputError(f"constraint {self.id!r}: comparator must be '>', '>=', '<' or '<='; got {self.comparator!r}.")

    @property
    def is_count(self) -> bool:
        return self.quantity in ("evaluable", "remaining")

    @property
    def not_reached(self) -> bool:
        """A median or limit printed as not reached (``value`` is ``math.inf``)."""
        return self.value == math.inf


@dataclass(frozen=True)
class SynthesisSpec:
    """What to synthesize: groups, accrual window, data cut-off and constraints.

    Parameters
    ----------
    study : str
        Study id (used in labels and notes).
    groups : tuple of Group
        Arms or subgroups with their sizes; patients are assigned to them in order.
    group_column : str
        Name of the output column holding the group (``"arm"``, ``"subtype"``).
    accrual_start, accrual_end : datetime.date or None
        Entry dates are spread over ``[accrual_start, accrual_end]``. Both ``None`` when the
        study gives no accrual dates: an accrual window is then assumed
        (:func:`assumed_accrual`) and the result's notes say so.
    constraints : tuple of Constraint
    cutoff : datetime.date, optional
        Data cut-off. When omitted it is chosen so that the reverse Kaplan–Meier median
        follow-up matches the ``median_followup`` constraint; without one, 24 months after the
        end of accrual, or later when the printed event counts or hazard-ratio limits need
        more events (:func:`_cutoff_from_events`).
    endpoints : tuple of str
        Endpoints written to the output (subset of :data:`ENDPOINTS`; ``os`` is always kept
        internally because follow-up and death come from it).
    columns : dict
        Output column names ``{endpoint: (time_column, event_column)}``; by default
        ``<endpoint>_time`` and ``<endpoint>_event``.
    entry_column : str
        Name of the entry-date column.
    followup_endpoint : str
        Endpoint whose censoring defines follow-up for ``median_followup`` (``"os"``).
    priors : dict
        Medians (in :attr:`time_unit`) of the construction step, overriding the defaults:
        ``pfs`` (when no median constraint gives it), ``post_progression_survival``,
        ``next_therapy_gap``, ``new_lesion_gap``; probabilities ``death_first`` and ``new_lesion_at_progression``.
    accrual_precision : str
        ``"month"`` (dates printed ``YYYY-MM``: one entry falls in the first and one in the
        last month of the window) or ``"day"`` (``YYYY-MM-DD``: one entry on each date).
    time_unit : str
        Unit of every time of the constraints, the priors and the data written: ``days``,
        ``weeks``, ``months`` or ``years`` (:mod:`survrepro.timeunits`). Dates are reckoned
        with its length in days.
    time_scale : int
        0 in a specification as written. :func:`synthesize` searches on a grid of hundredths
        of the unit, ten times finer than a time printed to one decimal; where a time is
        printed to more decimals, or the unit is a year, it works on a specification whose
        times (constraints, landmarks and priors) are ``10 ** time_scale`` times these
        (:func:`grid_scale`), and writes and evaluates the data in the unit again.
    """

    study: str
    groups: tuple
    group_column: str
    accrual_start: _dt.date | None
    accrual_end: _dt.date | None
    constraints: tuple
    cutoff: _dt.date | None = None
    endpoints: tuple = ("pfs", "os")
    columns: dict = field(default_factory=dict)
    entry_column: str = "entry_date"
    followup_endpoint: str = "os"
    priors: dict = field(default_factory=dict)
    accrual_precision: str = "month"
    time_unit: str = "months"
    time_scale: int = 0

    def __post_init__(self):
        object.__setattr__(self, "time_unit", unit_name(self.time_unit, self.study))
        check_choice(f"{self.study}: accrual_precision", self.accrual_precision, ("month", "day"))
        if (self.accrual_start is None) != (self.accrual_end is None):
            raise InputError(f"{self.study}: give both accrual dates or neither (then an accrual model is assumed).")
        if not self.groups:
            raise InputError(f"{self.study}: no groups; expected at least one with its size.")
        for g in self.groups:
            if not isinstance(g.n, (int, np.integer)) or g.n <= 0:
                raise InputError(f"{self.study}: group {g.id!r} has size {g.n!r}; expected a whole number > 0.")
        if self.accrual_start is not None and self.accrual_end < self.accrual_start:
            raise InputError(f"{self.study}: accrual ends ({self.accrual_end}) before it starts ({self.accrual_start}).")
        if self.cutoff is not None and self.accrual_end is not None and self.cutoff < self.accrual_end:
            raise InputError(f"{self.study}: data cut-off {self.cutoff} is before the end of accrual {self.accrual_end}.")
        ids = {g.id for g in self.groups}
        for c in self.constraints:
            for a in c.arms:
                if a not in ids:
                    raise InputError(f"constraint {c.id!r} names group {a!r}; the groups are {', '.join(sorted(ids))}.")
        for e in self.endpoints:
            check_choice(f"{self.study}: endpoint", e, ENDPOINTS)

    @property
    def n(self) -> int:
        return int(sum(g.n for g in self.groups))

    @property
    def days_per_unit(self) -> float:
        """Days in one unit of the spec's times (of :attr:`time_unit`, over ``10 ** time_scale``)."""
        return DAYS_PER[self.time_unit] / 10**self.time_scale

    def shown(self, time: float) -> float:
        """A time of the spec in :attr:`time_unit`, as notes print it.

        Parameters
        ----------
        time : float
            In the spec's times (``10 ** time_scale`` times the unit's).

        Returns
        -------
        float

        Examples
        --------
        >>> spec = SynthesisSpec(study="example", groups=(Group("a", 20),), group_column="arm",
        ...     accrual_start=None, accrual_end=None, constraints=(), time_unit="years", time_scale=1)
        >>> spec.shown(16.1)
        1.61
        """
        return time / 10**self.time_scale

    def in_unit(self, months: float) -> float:
        """A span of ``months`` months in the spec's times (:attr:`time_unit`, scaled by ``time_scale``).

        Parameters
        ----------
        months : float

        Returns
        -------
        float

        Examples
        --------
        >>> spec = SynthesisSpec(study="example", groups=(Group("a", 20),), group_column="arm",
        ...     accrual_start=None, accrual_end=None, constraints=(), time_unit="days")
        >>> spec.in_unit(24)
        730.5
        """
        return from_months(months, self.time_unit) * 10**self.time_scale

    def said(self, months: float) -> str:
        """A span the synthesizer sets in months, as its notes say it.

        Parameters
        ----------
        months : float

        Returns
        -------
        str
            ``"24 months"``, or in another unit ``"730.5 days (24 months)"``.

        Examples
        --------
        >>> spec = SynthesisSpec(study="example", groups=(Group("a", 20),), group_column="arm",
        ...     accrual_start=None, accrual_end=None, constraints=(), time_unit="weeks")
        >>> spec.said(24)
        '104.4 weeks (24 months)'
        """
        if self.time_unit == "months":
            return _counted(months, "months")
        return f"{_counted(from_months(months, self.time_unit), self.time_unit)} ({_counted(months, 'months')})"

    def span(self, time: float, default_months: float | None = None) -> str:
        """A span of the spec's times as notes say it.

        Parameters
        ----------
        time : float
            In the spec's times (``10 ** time_scale`` times the unit's).
        default_months : float, optional
            The span in months when the synthesizer set it (not the register): then said
            as :meth:`said` says it.

        Returns
        -------
        str
            In :attr:`time_unit` to four significant digits, singular for exactly one.

        Examples
        --------
        >>> spec = SynthesisSpec(study="example", groups=(Group("a", 20),), group_column="arm",
        ...     accrual_start=None, accrual_end=None, constraints=(), time_unit="years")
        >>> spec.span(1.0), spec.span(1.0, default_months=12)
        ('1 year', '1 year (12 months)')
        """
        if default_months is not None:
            return self.said(default_months)
        return _counted(self.shown(time), self.time_unit)

    def column(self, endpoint: str) -> tuple[str, str]:
        """The ``(time, event)`` column names of an endpoint in the synthetic data.

        Parameters
        ----------
        endpoint : str
            A model endpoint (``pfs``, ``os``, ...).

        Returns
        -------
        tuple of str
            From ``columns`` when given there, else ``<endpoint>_time``, ``<endpoint>_event``.

        Examples
        --------
        >>> import datetime as dt
        >>> spec = SynthesisSpec(
        ...     study="example", groups=(Group("a", 20),), group_column="arm",
        ...     accrual_start=dt.date(2020, 1, 1), accrual_end=dt.date(2021, 1, 1),
        ...     constraints=(), columns={"ttnt": ("time", "event")})
        >>> spec.column("ttnt"), spec.column("pfs")
        (('time', 'event'), ('pfs_time', 'pfs_event'))
        """
        return tuple(self.columns.get(endpoint, (f"{endpoint}_time", f"{endpoint}_event")))


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ConstraintResult:
    """A constraint with the value the synthetic data give."""

    id: str
    quantity: str
    endpoint: str
    arms: tuple
    target: float
    decimals: int
    achieved: float | None
    matched: bool
    settings: str = ""

    @property
    def printed(self) -> str:
        """The target as printed, to its decimals (``77.0``, not ``77``): ``NR`` for a median or
        limit not reached."""
        return "NR" if self.target == math.inf else f"{self.target:.{self.decimals}f}"


@dataclass(frozen=True, repr=False)
class SynthesisResult:
    """SYNTHETIC data with the achieved value of every constraint and how they were made.

    Attributes
    ----------
    data : DataFrame
        One row per synthetic patient.
    constraints : tuple of ConstraintResult
        Every calibration constraint, achieved value recomputed from ``data`` by the engine.
    converged : bool
        True when every constraint is met.
    seed, steps, max_iter : int
        Seed, search steps taken and the cap.
    cutoff : datetime.date
        Data cut-off used for administrative censoring.
    notes : tuple of str
        Every assumption made (distributions, cut-off, event counts, rules), and the
        conflicts found between constraints.
    """

    data: pd.DataFrame
    constraints: tuple
    converged: bool
    seed: int
    steps: int
    max_iter: int
    cutoff: _dt.date
    notes: tuple
    study: str = ""

    @property
    def unmet(self) -> tuple:
        """Constraints the data do not reproduce."""
        return tuple(c for c in self.constraints if not c.matched)

    def to_dict(self) -> dict:
        """The calibration record written beside the synthetic data (JSON-ready)."""
        return {"study": self.study, "synthetic": True, "seed": self.seed, "steps": self.steps,
                "converged": self.converged, "cutoff": self.cutoff.isoformat(),
                "constraints": [{"id": c.id, "quantity": c.quantity, "endpoint": c.endpoint, "arms": ",".join(c.arms),
                                 "target": "NR" if c.target == math.inf else c.target, "decimals": c.decimals,
                                 "achieved": c.achieved, "matched": c.matched, "settings": c.settings}
                                for c in self.constraints],
                "notes": list(self.notes)}

    def summary_lines(self) -> list[str]:
        """What a script prints: the result, then one line per unmet constraint."""
        return [repr(self)] + [f"  unmet: {c.id} target {c.printed} achieved {c.achieved}" for c in self.unmet]

    def to_frame(self) -> pd.DataFrame:
        """One row per constraint: target (``inf`` for a median or limit printed as not
        reached), achieved value (NaN when not reached) and whether it matches."""
        return pd.DataFrame(
            [
                {
                    "id": c.id,
                    "quantity": c.quantity,
                    "endpoint": c.endpoint,
                    "arms": ",".join(c.arms),
                    "target": c.target,
                    "decimals": c.decimals,
                    "achieved": c.achieved,
                    "matched": c.matched,
                    "settings": c.settings,
                }
                for c in self.constraints
            ]
        )

    def __repr__(self) -> str:
        met = sum(c.matched for c in self.constraints)
        state = "converged" if self.converged else f"NOT converged ({len(self.unmet)} unmet)"
        return (
            f"SynthesisResult {self.study!r} (SYNTHETIC): {len(self.data)} patients, "
            f"{met}/{len(self.constraints)} constraints met, {state}, seed={self.seed}, steps={self.steps}"
        )

    def _repr_html_(self) -> str:
        return f"<p><code>{self!r}</code></p>" + self.to_frame()._repr_html_()


# --------------------------------------------------------------------------- patient model
# latent variables each endpoint depends on (entry and loss to follow-up act through F)
_DEPENDS = {
    "pfs": ("P", "D", "a", "U"),
    "os": ("D", "a", "U"),
    "ttnt": ("gC", "P", "D", "U", "a"),
    "new_lesion": ("gN", "P", "D", "a", "U"),
}

# latent variables the search moves to mend a constraint on each endpoint (loss to
# follow-up only for landmark counts, whose evaluability it decides)
_MOVES = {
    "pfs": ("P", "D", "P", "a"),
    "os": ("D", "a"),
    "ttnt": ("gC", "P", "D"),
    "new_lesion": ("gN", "P"),
    "count": ("gC", "P", "D", "U"),
}


def _derive(s: dict, cutoff: int) -> dict:
    """Endpoint times (hundredths of the time unit) and events from the latent state ``s``."""
    F = np.minimum(cutoff - s["a"], s["U"])
    P, D = s["P"], s["D"]
    out = {}
    first = np.minimum(P, D)
    out["pfs"] = (np.minimum(first, F), (first <= F).astype(int))
    out["os"] = (np.minimum(D, F), (D <= F).astype(int))
    C = P + s["gC"]
    end = np.minimum(C, D)
    out["ttnt"] = (np.minimum(end, F), (end <= F).astype(int))
    out["death"] = ((D < C) & (D <= F)).astype(int)
    N = P + s["gN"]
    out["new_lesion"] = (np.minimum(np.minimum(N, D), F), ((N <= F) & (N < D)).astype(int))
    out["progression"] = ((P <= D) & (P <= F)).astype(int)
    return out


# --------------------------------------------------------------------------- fast evaluators used by the search
_Z = {}


def km_at(time, event, at: float) -> float:
    """Kaplan–Meier survival at ``at`` (right-continuous: events at ``at`` count), ties grouped.

    Examples
    --------
    >>> km_at(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1, 1, 0, 1]), 2.0)  # (3/4) (2/3)
    0.5
    """
    steps, surv = km_steps(time, event)
    k = int(np.searchsorted(steps, at, side="right"))
    return float(surv[k - 1]) if k else 1.0


def _survival_part(t, e, c):
    """The Kaplan–Meier survival at ``c.landmark`` (or the limit of it ``c`` names); ``None``
    for a limit R gives as NA."""
    if c.quantity == "survival":
        return km_at(t, e, c.landmark)
    got = km_band_at(t, e, c.landmark, conf_type=c.conf_type, conf_level=c.conf_level)
    value = got[1] if c.quantity == "survival_ci_low" else got[2]
    return value if math.isfinite(value) else None


def _z(conf_level: float) -> float:
    if conf_level not in _Z:
        _Z[conf_level] = float(stats.norm.ppf(1 - (1 - conf_level) / 2))
    return _Z[conf_level]


def _logrank_p(t, e, x):
    """Two-sided log-rank p of group 1 against group 0; ``None`` without information (no events)."""
    res = logrank_batch(t, e, x)
    return float(res.pvalue[0]) if res.variance[0] > 0 else None


def _p_value(c: Constraint, t, e, labels, groups: tuple, engine: bool = False, untied: bool = False):
    """The two-sided p value of ``c`` (a ``p_value`` or ``p_value_bound``) on times ``t``,
    events ``e`` and the group ``labels`` of those patients; ``None`` without events.

    The log-rank test of two arms and the Wald, score and likelihood-ratio tests of the Cox
    fit take the fast fits (``untied``: times known distinct), the log-rank test of more arms
    the engine's :func:`~survrepro.engine.logrank.logrank_test`; ``engine=True`` computes
    every one with the engine."""
    arms = c.arms or groups
    if e.sum() == 0 or len(set(labels.tolist())) < 2:
        return None
    if c.test in _COX_TESTS:
        x = (labels == arms[0]).astype(int)
        if engine:
            with np.errstate(all="ignore"):
                try:
                    hr = hazard_ratio(t, e, np.where(x == 1, arms[0], arms[1]), ties=c.ties, reference=arms[1])
                except InputError:
                    return None
            p = {"wald": hr.wald_pvalue, "score": hr.score_pvalue, "likelihood_ratio": hr.lr_pvalue}[c.test]
            return float(p) if p is not None and math.isfinite(p) else None
        if c.test == "wald":
            fit = (log_hazard_ratio_untied(t, e, x) if untied else log_hazard_ratio(t, e, x, ties=c.ties))
            return None if fit is None else float(2 * stats.norm.sf(abs(fit[0] / fit[1])))
        tests = two_arm_tests(t, e, x, ties=c.ties)
        if tests is None:
            return None
        return float(chi2_1_sf(tests.score_statistic if c.test == "score" else tests.lr_statistic))
    if len(arms) == 2 and not engine:
        return _logrank_p(t, e, (labels == arms[0]).astype(int))
    return float(logrank_test(t, e, labels).pvalue)


def _landmark_counts(t, e, death, landmark, rule, death_is_failure):
    """(evaluable, remaining) at a landmark, as :func:`survrepro.engine.proportion.proportion_on_therapy`."""
    before = t < landmark
    remaining = int((~before).sum())
    unknown = before & (e == 0)
    if not death_is_failure:
        unknown = unknown | (before & (e == 1) & (death == 1))
    evaluable = t.size - int(unknown.sum()) if rule == "followed" else t.size
    return evaluable, remaining


# --------------------------------------------------------------------------- evaluation
def _p_satisfies(p, comparator, bound):
    if p is None:
        return False
    return {">": p > bound, ">=": p >= bound, "<": p < bound, "<=": p <= bound}[comparator]


def _distance(c: Constraint, achieved) -> float:
    """Distance of an achieved value from the printed one, in units of the last printed digit."""
    if c.quantity == "p_value_bound":
        if _p_satisfies(achieved, c.comparator, c.value):
            return 0.0
        return _CAP if achieved is None else 1.0 + 100 * abs(achieved - c.value)
    if c.not_reached:  # nearer the later the data reach it
        return 0.0 if achieved is None else 1.0 + min(_CAP - 1.0, 10.0 / (1.0 + max(float(achieved), 0.0)))
    if achieved is None or not np.isfinite(achieved):
        return _CAP
    if c.is_count or c.quantity == "events":
        return float(abs(achieved - c.value))
    if rounds_to(achieved, c.value, c.decimals):
        return 0.0
    unit = 10.0 ** (-c.decimals)
    lo, hi = c.value - unit / 2, c.value + unit / 2
    return min(_CAP, 1.0 + min(abs(achieved - lo), abs(achieved - hi)) / unit)


class _Evaluator:
    """Computes constraints from latent states; ``engine=True`` uses the project's engine."""

    def __init__(self, spec: SynthesisSpec, group: np.ndarray, engine: bool):
        self.spec = spec
        self.group = group
        self.engine = engine
        self.need_ci = any(c.quantity.startswith("median_ci") for c in spec.constraints)
        self.masks = {(): np.ones(group.size, dtype=bool)}
        for g in spec.groups:
            self.masks[(g.id,)] = group == g.id

    def value(self, c: Constraint, d: dict, cache: dict | None = None):
        """Achieved value of ``c`` on derived data ``d``; ``cache`` shares fits between constraints."""
        if cache is None:
            cache = {}
        statistic, part = CONSTRAINT_KINDS[c.quantity]
        fu_ep = self.spec.followup_endpoint if statistic == "followup" else c.endpoint
        t_c, e = d[fu_ep]
        t = t_c / 100.0
        if statistic in ("median", "followup"):
            m = self.masks[c.arms]
            if statistic == "followup":
                if self.engine:
                    return median_followup(t[m], e[m]).estimate
                return km_median(t[m], 1 - e[m], conf_int=False)[0]
            key = ("km", c.endpoint, c.arms, c.conf_type, c.conf_level)
            if key not in cache:
                if self.engine:
                    cache[key] = tuple(kaplan_meier(t[m], e[m], conf_type=c.conf_type, conf_level=c.conf_level).quantile(0.5))
                else:
                    cache[key] = km_median(t[m], e[m], conf_type=c.conf_type, conf_level=c.conf_level, conf_int=self.need_ci)
            return cache[key][PARTS.index(part)]
        if statistic == "events":
            return float(e[self.masks[c.arms]].sum())
        if statistic == "survival":
            m = self.masks[c.arms]
            if self.engine:
                row = kaplan_meier(t[m], e[m], conf_type=c.conf_type, conf_level=c.conf_level).at([c.landmark]).iloc[0]
                value = float(row[{"estimate": "survival", "low": "survival_low", "high": "survival_high"}[part]])
                return value if math.isfinite(value) else None
            return _survival_part(t[m], e[m], c)
        if statistic == "rmst":
            m = self.masks[c.arms]
            if self.engine:
                return float(rmst(t[m], e[m], tau=c.landmark).estimate[0])
            return restricted_mean(t[m], e[m], c.landmark)
        if c.is_count:
            m = self.masks[c.arms]
            if self.engine:
                res = proportion_on_therapy(
                    t[m], e[m], c.landmark, death=d["death"][m], evaluable=c.evaluable_rule,
                    death_is_failure=c.death_is_failure,
                ).overall
                ev, rem = res.denominator, res.numerator
            else:
                ev, rem = _landmark_counts(t[m], e[m], d["death"][m], c.landmark, c.evaluable_rule, c.death_is_failure)
            return float(ev if c.quantity == "evaluable" else rem)
        if statistic == "p":
            m = np.isin(self.group, c.arms) if c.arms else self.masks[()]
            return _p_value(c, t[m], e[m], self.group[m], tuple(g.id for g in self.spec.groups),
                            engine=self.engine)
        exp_arm, ref_arm = c.arms
        m = self.masks[(exp_arm,)] | self.masks[(ref_arm,)]
        x = (self.group[m] == exp_arm).astype(int)
        # hazard ratio of exp_arm over ref_arm
        key = ("cox", c.endpoint, c.arms, c.ties, c.conf_level)
        if key in cache:
            return cache[key][part]
        if self.engine:
            try:
                with np.errstate(all="ignore"):  # a degenerate fit gives None below, not a warning
                    hr = hazard_ratio(t[m], e[m], np.where(x == 1, exp_arm, ref_arm), ties=c.ties,
                                      reference=ref_arm, conf_level=c.conf_level)
            except InputError:
                return None
            cache[key] = {"estimate": hr.hr, "low": hr.hr_ci[0], "high": hr.hr_ci[1]}
            return cache[key][part]
        fit = log_hazard_ratio(t[m], e[m], x, ties=c.ties)
        if fit is None:
            cache[key] = dict.fromkeys(PARTS)
        else:
            beta, se = fit
            z = _z(c.conf_level)
            cache[key] = {"estimate": _exp(beta), "low": _exp(beta - z * se), "high": _exp(beta + z * se)}
        return cache[key][part]


def _exp(x: float) -> float:
    """``exp(x)``, or ``inf`` where it exceeds the largest float (a limit of a coefficient that runs away).

    >>> _exp(0.0), _exp(709.7) < math.inf, _exp(800.0)
    (1.0, True, inf)
    """
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _settings_text(c: Constraint) -> str:
    q = c.quantity
    if q.startswith("median_ci"):
        return f"conf_type={c.conf_type}; conf_level={c.conf_level:g}"
    if q.startswith("hr"):
        return f"ties={c.ties}; conf_level={c.conf_level:g}; {c.arms[0]} over {c.arms[1]}"
    if q == "median_followup":
        return "reverse Kaplan-Meier"
    if c.is_count:
        return (f"landmark={c.landmark:g}; evaluable={c.evaluable_rule}; "
                f"death_is_failure={c.death_is_failure}")
    if q == "p_value_bound":
        test = "log-rank" if c.test == "logrank" else f"Cox {_COX_TESTS[c.test]} (ties={c.ties})"
        return f"two-sided {test} p {c.comparator} {c.value:g}"
    if q == "p_value":
        return "two-sided log-rank p" if c.test == "logrank" else f"two-sided Cox {_COX_TESTS[c.test]} p; ties={c.ties}"
    if q == "events":
        return "events of the endpoint"
    if q == "survival":
        return f"Kaplan-Meier survival at {c.landmark:g}"
    if q in SURVIVAL_PARTS:
        return f"Kaplan-Meier survival at {c.landmark:g}, conf_type={c.conf_type}; conf_level={c.conf_level:g}"
    if q == "rmst":
        return f"restricted mean survival time to {c.landmark:g}"
    return "Kaplan-Meier median (R rule)"


# --------------------------------------------------------------------------- conflicts found before searching
def landmark_conflicts(constraints, n_by_arms: dict) -> list[str]:
    """Conflicts between landmark counts and a Kaplan–Meier median that no data can resolve.

    When deaths count as failures and patients censored before a landmark are left out,
    every patient counted as failed at a landmark is a Kaplan–Meier event before it. For
    two landmarks ``L1 < L2`` of the same endpoint and group, with ``f1``, ``f2`` failures
    among ``den1``, ``den2`` evaluable and ``num2`` remaining at ``L2``, the curve just
    before ``L2`` is at least ``(1 - f1/den1) * num2 / (num2 + f2 - f1)`` (all censoring
    before the first event, then the fewest patients at risk). When that bound exceeds 0.5
    no median below ``L2`` is possible.

    Parameters
    ----------
    constraints : iterable of Constraint
        The constraints of a specification; only landmark counts under the ``followed``
        rule with deaths as failures, and medians, are read.
    n_by_arms : dict
        Number of patients per arms tuple; the bound does not use it (pass ``{}``).

    Returns
    -------
    list of str
        One sentence per conflict (empty when there is none).

    Examples
    --------
    Two of 20 failed by month 6 and 8 of 20 by month 12 leave the curve above one half
    until month 12, so a median of 8 months is impossible:

    >>> rule = dict(evaluable_rule="followed", death_is_failure=True)
    >>> constraints = (
    ...     Constraint("ev6", "evaluable", 20, 0, "ttnt", landmark=6.0, **rule),
    ...     Constraint("rem6", "remaining", 18, 0, "ttnt", landmark=6.0, **rule),
    ...     Constraint("ev12", "evaluable", 20, 0, "ttnt", landmark=12.0, **rule),
    ...     Constraint("rem12", "remaining", 12, 0, "ttnt", landmark=12.0, **rule),
    ...     Constraint("med", "median", 8.0, 1, "ttnt"))
    >>> print(landmark_conflicts(constraints, {})[0])  # doctest: +NORMALIZE_WHITESPACE
    med (8) cannot be met together with the landmark counts: 2 of 20 failed before 6 and 8 of
    20 before 12, so the Kaplan-Meier curve stays at or above (1 - 2/20) x 12/18 = 0.600 > 0.5
    until 12 (deaths counted as failures, censored patients left out).
    """
    counts = {}
    for c in constraints:
        if c.is_count and c.evaluable_rule == "followed" and c.death_is_failure:
            counts.setdefault((c.endpoint, c.arms, c.landmark), {})[c.quantity] = c.value
    out = []
    keys = sorted(k for k, v in counts.items() if len(v) == 2)
    for i, k1 in enumerate(keys):
        for k2 in keys[i + 1:]:
            if k1[:2] != k2[:2] or not k1[2] < k2[2]:
                continue
            den1, num1 = counts[k1]["evaluable"], counts[k1]["remaining"]
            den2, num2 = counts[k2]["evaluable"], counts[k2]["remaining"]
            f1, f2 = den1 - num1, den2 - num2
            if den1 <= 0 or num2 + f2 - f1 <= 0:
                continue
            bound = (1 - f1 / den1) * num2 / (num2 + f2 - f1)
            if bound <= 0.5:
                continue
            for c in constraints:
                if (c.quantity == "median" and c.endpoint == k1[0] and c.arms == k1[1]
                        and c.value < k2[2]):
                    out.append(
                        f"{c.id} ({c.value:g}) cannot be met together with the landmark counts: "
                        f"{f1:g} of {den1:g} failed before {k1[2]:g} and {f2:g} of {den2:g} before "
                        f"{k2[2]:g}, so the Kaplan-Meier curve stays at or above "
                        f"(1 - {f1:g}/{den1:g}) x {num2:g}/{num2 + f2 - f1:g} = {bound:.3f} > 0.5 "
                        f"until {k2[2]:g} (deaths counted as failures, censored patients left out)."
                    )
    return out


# --------------------------------------------------------------------------- construction
def _span(spec, start: _dt.date, end: _dt.date) -> float:
    """Time from ``start`` to ``end`` in the spec's time unit."""
    return (end - start).days / spec.days_per_unit


def _median_of(spec, endpoint, arms):
    for c in spec.constraints:
        if c.quantity == "median" and c.endpoint == endpoint and c.arms == arms and not c.not_reached:
            return c.value
    return None


def _counted(x: float, unit: str) -> str:
    """``x`` to four significant digits with ``unit`` (plural), singular for exactly one: ``1 year``."""
    return f"{x:.4g} {unit[:-1] if x == 1 else unit}"


def _construct(spec, rng, group, notes):
    n = group.size
    pri = {"pfs": spec.in_unit(12), "post_progression_survival": spec.in_unit(24), "next_therapy_gap": spec.in_unit(1),
           "new_lesion_gap": spec.in_unit(12), "death_first": 0.1, "new_lesion_at_progression": 0.5}
    unknown = set(spec.priors) - set(pri)
    if unknown:
        raise InputError(f"{spec.study}: unknown prior {sorted(unknown)[0]!r}; expected one of {', '.join(pri)}.")
    months = {"pfs": 12, "post_progression_survival": 24, "next_therapy_gap": 1, "new_lesion_gap": 12}
    pri.update(spec.priors)

    def said(name):  # a prior time as the notes say it: a default in months too
        return spec.span(pri[name], None if name in spec.priors else months[name])

    width = _span(spec, spec.accrual_start, spec.accrual_end)
    s = {"a": np.round(rng.uniform(0, width, n) * 100).astype(np.int64)}
    P = np.empty(n)
    for g in spec.groups:
        m = group == g.id
        med = _median_of(spec, "pfs", (g.id,)) or _median_of(spec, "pfs", ()) or pri["pfs"]
        P[m] = rng.exponential(med / math.log(2), m.sum())
    pps = rng.exponential(pri["post_progression_survival"] / math.log(2), n)
    D = P + pps
    first = rng.random(n) < pri["death_first"]
    D[first] = P[first] * rng.uniform(0.3, 1.0, first.sum())
    s["P"] = np.maximum(np.round(P * 100), 1).astype(np.int64)
    s["D"] = np.maximum(np.round(D * 100), 1).astype(np.int64)
    s["gC"] = np.round(rng.exponential(pri["next_therapy_gap"] / math.log(2), n) * 100).astype(np.int64)
    at_prog = rng.random(n) < pri["new_lesion_at_progression"]
    gN = np.round(rng.exponential(pri["new_lesion_gap"] / math.log(2), n) * 100).astype(np.int64)
    s["gN"] = np.where(at_prog, 0, np.maximum(gN, 1))
    s["U"] = np.full(n, _NEVER, dtype=np.int64)
    notes.append(
        "Construction: entry uniform over the accrual window; progression times exponential "
        "with the published median PFS of each group where one is given "
        f"(else {said('pfs')}); death after progression with an exponential "
        f"post-progression survival of median {said('post_progression_survival')}, "
        f"death before progression for a fraction {pri['death_first']:g}; next systemic therapy "
        f"an exponential gap of median {said('next_therapy_gap')} after progression; "
        f"the progression is a new lesion with probability {pri['new_lesion_at_progression']:g}, "
        f"otherwise a new lesion follows after an exponential gap of median "
        f"{said('new_lesion_gap')}; no loss to follow-up. These are starting values "
        "only: the search then moves individual times."
    )
    return s, width


def _choose_cutoff(spec, s, width, ev, notes) -> int:
    """Cut-off (hundredths of the time unit after accrual start)."""
    if spec.cutoff is not None:
        cut = int(round(_span(spec, spec.accrual_start, spec.cutoff) * 100))
        notes.append(f"Data cut-off {spec.cutoff.isoformat()} as given by the study.")
        return cut
    fu = [c for c in spec.constraints if c.quantity == "median_followup"]
    if not fu:
        return _cutoff_from_events(spec, width, notes)
    c = fu[0]
    lo, hi = int(width * 100) + 1, int((width + spec.in_unit(240)) * 100)
    for _ in range(40):
        mid = (lo + hi) // 2
        val = ev.value(c, _derive(s, mid))
        if val is None or val > c.value:
            hi = mid
        else:
            lo = mid + 1
        if hi - lo <= 1:
            break
    notes.append(
        "Data cut-off not published: chosen by bisection so that the reverse Kaplan-Meier "
        f"median follow-up of the constructed data is {spec.shown(c.value):g} {spec.time_unit}, then kept fixed."
    )
    return hi


def _cutoff_from_events(spec, width, notes) -> int:
    """Cut-off (hundredths of the time unit after accrual start) of a study that prints neither a
    cut-off nor a median follow-up.

    It is 24 months after the end of accrual, later when that is too short for the events
    printed: the event counts of an endpoint, else the events its hazard-ratio limits need
    (:func:`_implied_events`; fewer events cannot give limits that narrow). The events
    expected at a cut-off are those of exponential times at each arm's printed median
    (:func:`_expected_exponential_events`) with entry uniform over the accrual window; the
    cut-off is the earliest, up to 240 months after the end of accrual, at which they reach
    what is printed. The notes say which.
    """
    default = int(round((width + spec.in_unit(24)) * 100))
    counts = [c for c in spec.constraints if c.quantity == "events" and c.value is not None]
    implied = None if counts else _implied_events(spec)
    if counts:
        endpoint = collections.Counter(c.endpoint for c in counts).most_common(1)[0][0]
        counts = [c for c in counts if c.endpoint == endpoint]
        arms = tuple(dict.fromkeys(a for c in counts for a in (c.arms or [g.id for g in spec.groups])))
        aim = float(sum(c.value for c in counts if not c.arms)) or float(sum(c.value for c in counts))
        said = f"the printed {endpoint} event counts ({aim:g} in {' and '.join(arms)})"
    elif implied is not None:
        endpoint, arms, aim = implied
        said = (f"the {aim:.0f} {endpoint} events in {' and '.join(arms)} that the printed hazard-ratio limits need "
                "at least ((n1 + n2)(1/n1 + 1/n2) / SE^2, SE from the width of the limits)")
    else:
        notes.append("No data cut-off, median follow-up, event count or hazard-ratio limits are given: the cut-off "
                     f"is set {spec.said(24)} after the end of accrual (an assumption).")
        return default
    expected = _expected_exponential_events(spec, endpoint, arms, width)
    if expected is None or expected(default / 100) >= aim:
        notes.append(f"No data cut-off or median follow-up is given: the cut-off is set {spec.said(24)} after the "
                     f"end of accrual (an assumption){'' if expected is None else f', long enough for {said}'}.")
        return default
    lo, hi = default, int(round((width + spec.in_unit(240)) * 100))
    short = expected(hi / 100) < aim
    while lo < hi and not short:
        mid = (lo + hi) // 2
        if expected(mid / 100) >= aim:
            hi = mid
        else:
            lo = mid + 1
    cut = hi if short else lo
    where = (f"{spec.said(240)} after the end of accrual, the latest allowed, where exponential times at the "
             f"printed medians still give fewer than {said}" if short else
             f"{spec.shown(cut / 100 - width):.{1 + spec.time_scale}f} {spec.time_unit} after the end of accrual, the earliest at which exponential "
             f"times at the printed medians give {said}")
    notes.append(f"No data cut-off or median follow-up is given: the cut-off is set {where} ({spec.said(24)} after "
                 "the end of accrual would give fewer); the follow-up is therefore assumed, then kept fixed.")
    return cut


def _expected_exponential_events(spec, endpoint, arms, width):
    """``events(cut)``: the events of ``endpoint`` expected in ``arms`` by a cut-off ``cut``
    after accrual start, each arm's times exponential at its printed median and entry
    uniform over the ``width`` of accrual (an arm without a printed median at the
    latest printed median or limit, the slowest rate anything printed allows, so that its
    events are not overstated); ``None`` when no median of the endpoint is printed."""
    sizes = {g.id: g.n for g in spec.groups}
    medians = {c.arms[0]: float(c.value) for c in spec.constraints
               if c.quantity == "median" and c.endpoint == endpoint and len(c.arms) == 1 and not c.not_reached}
    times = [float(c.value) for c in spec.constraints if c.endpoint == endpoint and not c.not_reached
             and c.quantity in ("median", "median_ci_low", "median_ci_high")]
    if not medians:
        return None
    rates = {a: math.log(2.0) / medians.get(a, max(times)) for a in arms}

    def events(cut):
        return sum(sizes[a] * _exponential_event_share(rates[a], max(cut - width, 1e-6), cut) for a in arms)
    return events


def _implied_events(spec):
    """Events a hazard-ratio CI implies: ``var(log HR) ~ N (1/n1 + 1/n2) / D`` (events in proportion to arm sizes)."""
    lims = {c.quantity: c for c in spec.constraints if c.quantity in ("hr_ci_low", "hr_ci_high")}
    if len(lims) < 2:
        return None
    lo, hi = lims["hr_ci_low"], lims["hr_ci_high"]
    if lo.arms != hi.arms or lo.endpoint != hi.endpoint or lo.value <= 0 or hi.value <= lo.value:
        return None
    se = math.log(hi.value / lo.value) / (2 * _z(lo.conf_level))
    sizes = {g.id: g.n for g in spec.groups}
    n1, n2 = sizes[lo.arms[0]], sizes[lo.arms[1]]
    return lo.endpoint, lo.arms, (n1 + n2) * (1 / n1 + 1 / n2) / se**2


def _thin_events(spec, s, group, cutoff, rng, notes):
    """Start from the number of events the hazard-ratio CI implies (latest events removed first)."""
    implied = _implied_events(spec)
    if implied is None or implied[0] != "pfs":
        return
    endpoint, arms, target = implied
    want = int(round(target))
    d = _derive(s, cutoff)
    t, e = d["pfs"]
    inside = np.isin(group, arms)
    idx = np.flatnonzero(inside & (e == 1))
    excess = idx.size - want
    if excess > 0:
        # keep the earliest events: drop the latest ones
        drop = idx[np.argsort(-t[idx], kind="stable")[:excess]]
        far = 3 * cutoff
        s["P"][drop] = far
        s["D"][drop] = far + rng.integers(0, cutoff, drop.size)
    notes.append(
        f"Starting number of {endpoint} events in {' and '.join(arms)}: {want}, what the printed "
        f"hazard-ratio CI implies ((n1 + n2)(1/n1 + 1/n2) / SE^2 = {target:.1f}, SE from the CI width); "
        "the search may change it."
    )


# --------------------------------------------------------------------------- construction of a compared endpoint
def _hr_region(constraints, endpoint_arms=None):
    """Centre of the hazard-ratio targets' feasible region in (log HR, SE).

    A printed p value of the same two arms (``p_value``, log-rank or Wald) narrows the region
    to the ``(beta, SE)`` whose Wald ``|beta| / SE`` gives a p that rounds to it (the log-rank
    test differs from the Wald test a little: the centre is then an approximation the
    construction corrects), unless no point of the region does.

    A printed hazard ratio ``h`` with ``k`` decimals fixes ``beta = log HR`` to
    ``[log(h - u/2), log(h + u/2))`` (``u = 10**-k``); printed Wald limits fix
    ``beta - z SE`` and ``beta + z SE`` the same way. The feasible set of ``(beta, SE)`` is
    scanned on a grid; its centroid is the target and the region shrunk about it by
    :data:`_SHRINK` the tolerance (see :func:`_hr_outside`), so that the data sit well inside the rounding ranges rather than on an edge.

    Returns ``None`` unless both Wald limits are given for one endpoint and pair of arms;
    otherwise ``(endpoint, arms, ties, conf_level, (beta, se), bounds, (se_min, se_max))``,
    with ``(beta, se) = None`` when no pair of values rounds to every printed number and
    ``bounds`` the log-scale ranges used by :func:`_hr_outside`.
    """
    by_q = {c.quantity: c for c in constraints if c.quantity in ("hr", "hr_ci_low", "hr_ci_high")}
    if "hr_ci_low" not in by_q or "hr_ci_high" not in by_q:
        return None
    lo, hi = by_q["hr_ci_low"], by_q["hr_ci_high"]
    group = [c for c in by_q.values() if c.endpoint == lo.endpoint and c.arms == lo.arms]
    if len(group) != len(by_q) or hi.conf_level != lo.conf_level or lo.value <= 0:
        return None
    z = _z(lo.conf_level)

    def rng_of(c):
        u = 10.0 ** (-c.decimals) / 2
        return math.log(max(c.value - u, 1e-12)), math.log(c.value + u)

    (u0, u1), (v0, v1) = rng_of(lo), rng_of(hi)
    b0, b1 = (u0 + v0) / 2, (u1 + v1) / 2
    if "hr" in by_q:
        h0, h1 = rng_of(by_q["hr"])
        b0, b1 = max(b0, h0), min(b1, h1)
    s0, s1 = max((v0 - u1) / (2 * z), 1e-6), (v1 - u0) / (2 * z)
    beta, se = np.meshgrid(np.linspace(b0, b1, 301), np.linspace(s0, s1, 301))
    def inside(beta, se):
        ok = (beta - z * se > u0) & (beta - z * se < u1) & (beta + z * se > v0) & (beta + z * se < v1)
        return ok & (beta > h0) & (beta < h1) if "hr" in by_q else ok

    ok = inside(beta, se)
    for p in constraints:
        if p.quantity == "p_value" and set(p.arms) == set(lo.arms) and p.endpoint == lo.endpoint:
            u = 10.0 ** (-p.decimals) / 2
            wald = 2 * stats.norm.sf(np.abs(beta) / se)
            with_p = ok & (wald >= p.value - u) & (wald < p.value + u)
            if with_p.any():
                ok = with_p
    settings = (lo.endpoint, lo.arms, lo.ties, lo.conf_level)
    if b1 <= b0 or s1 <= s0 or not ok.any():
        return (*settings, None, None, (s0, s1))
    centre = (float(beta[ok].mean()), float(se[ok].mean()))
    bounds = {"z": z, "low": (u0, u1), "high": (v0, v1), "hr": (h0, h1) if "hr" in by_q else None}
    return (*settings, centre, bounds, (float(se[ok].min()), float(se[ok].max())))


#: The construction aims at the feasible (log HR, SE) region shrunk about its centre by this factor.
_SHRINK = 0.7
#: Endpoints whose two-arm comparison can be built constructively (an event is a progression
#: or a death for PFS, a death for OS).
_COMPARABLE = ("pfs", "os")


def _hr_outside(centre, bounds, beta, se, shrink=_SHRINK):
    """How far ``(beta, se)`` lies outside the feasible region shrunk about ``centre`` by ``shrink``.

    The point is mapped to ``centre + (point - centre) / shrink``; the result sums how far
    ``beta``, ``beta - z se`` and ``beta + z se`` of the mapped point fall outside their
    ranges (log scale), so it is 0 exactly on the shrunk region, which lies inside the
    feasible one (a convex set holding its centre). ``beta`` and ``se`` may be arrays (one
    result per element).
    """
    b = centre[0] + (beta - centre[0]) / shrink
    s = centre[1] + (se - centre[1]) / shrink
    z = bounds["z"]
    out = 0.0
    for value, rng_ in ((b - z * s, bounds["low"]), (b + z * s, bounds["high"]), (b, bounds["hr"])):
        if rng_ is not None:
            out += np.maximum(0.0, rng_[0] - value) + np.maximum(0.0, value - rng_[1])
    return out


def _build_compared_endpoint(spec, s, group, cutoff, width, rng, notes, max_iter, fitted_share=8):
    """Build PFS or OS of two compared arms constructively so that the hazard ratio, its Wald
    limits, the arms' medians and the median follow-up sit at the centre of their ranges.

    The hazard ratio and its Wald limits fix the log hazard ratio and its standard error,
    hence the Cox information ``sum p(1 - p)`` over events, hence the number of events and
    how balanced the risk sets are; the medians fix where the events fall. Those constraints
    depend on the order of events and censorings only, so the search here works on the
    endpoint itself: per patient a time, an event flag and (for an event) the end of
    follow-up. In four steps:

    1. :func:`_compared_target`: the centre of the printed ranges and the patients concerned,
       or a note on why no data can reach it;
    2. :func:`_search_compared`: for each event count tried (the fewest the standard error
       allows and a few more), a seeded start, ``max_iter // 8`` annealing steps and, when
       close, at most four times as many evaluations of a deterministic steepest descent,
       until the loss (:meth:`_ComparedTarget.loss`) is 0;
    3. :func:`_write_compared`: the latent times that give the endpoint found;
    4. :func:`_compared_note`: what was built, in the notes.

    A censoring no earlier than the shortest potential follow-up (``cutoff - width``) is
    administrative: the patient entered ``time`` before the cut-off. An earlier one is a
    loss to follow-up at that time. Returns the endpoint and its (times, events) written into ``s``;
    ``(endpoint, None)`` when a fitted start missed some number and is written into ``s`` as
    the search's start (nothing held fixed); or ``None`` when it did not apply or did not
    converge otherwise (``s`` is then unchanged).
    """
    target = _compared_target(spec, group, cutoff, width, notes)
    if target is None:
        return None
    found, steps, near = _search_compared(spec, group, target, cutoff, rng, max_iter, width, notes, fitted_share)
    if found is None and near is not None:
        _write_compared(spec, s, target, near, cutoff, width, rng)
        notes.append(
            f"The construction of {target.endpoint} for {' vs '.join(target.arms)} from a model fitted to the printed "
            f"numbers stopped after {steps} steps short of every printed number; the search below starts from it, "
            "nothing held fixed.")
        return target.endpoint, None
    if found is None:
        notes.append(
            f"The construction of {target.endpoint} for {' vs '.join(target.arms)} stopped after {steps} steps short "
            "of the centre of the hazard-ratio and median ranges; the search below starts from the usual construction."
        )
        return None
    losses_to_follow_up = _write_compared(spec, s, target, found, cutoff, width, rng)
    notes.append(_compared_note(spec, target, found, group, steps, losses_to_follow_up))
    return target.endpoint, _derive(s, cutoff)[target.endpoint]


def _build_os_and_pfs(spec, s, group, cutoff, width, rng, notes, max_iter, fitted_share=8):
    """Build OS and PFS of the same patients, each from the model fitted to its own printed
    numbers, then join them so that PFS never comes after OS.

    OS (with the median follow-up) is built first and written into ``s``: it fixes each
    patient's entry and end of follow-up. PFS is built the same way on its own printed numbers
    (on a copy of the state), then laid onto the OS patients arm by arm
    (:func:`_join_pfs`). The joined state is the start of the search over every printed
    number (nothing held fixed). Returns ``("os", None)`` when both builds ran, else ``None``
    (``s`` is then unchanged)."""
    def own(endpoint, followup):
        """The spec of one endpoint's constraints, with the median follow-up or without."""
        return dataclasses.replace(spec, constraints=tuple(
            c for c in spec.constraints
            if (followup if c.quantity == "median_followup" else c.endpoint == endpoint)))

    built = {}
    for endpoint, state in (("os", s), ("pfs", copy.deepcopy(s))):
        sub, said = own(endpoint, True), []  # both with the follow-up: their censorings alike
        got = _build_compared_endpoint(sub, state, group, cutoff, width, rng, said, max_iter, fitted_share)
        if got is None and _compared_target(sub, group, cutoff, width, []) is None:
            got = _build_one_endpoint(sub, state, group, cutoff, width, rng, said, max_iter,
                                      max(1, max_iter // fitted_share))
        if got is None:
            return None
        notes.extend(said)
        built[endpoint] = _derive(state, cutoff)["pfs" if endpoint == "pfs" else "os"]
    moved = _join_pfs(s, group, built["pfs"], cutoff)
    pfs_spec = own("pfs", False)
    target = _compared_target(pfs_spec, group, cutoff, width, []) or _endpoint_target(pfs_spec, group, cutoff, width, [])
    steps = 0
    if target is not None:
        steps = _anneal_pfs_under_os(s, group, target, cutoff, copy.deepcopy(rng), 2500)
    notes.append(
        "OS and PFS were built each from its own printed numbers (OS first, with the follow-up), then joined "
        "arm by arm: every death is a PFS event at or before it, the PFS events of the patients alive at their "
        "end of follow-up are progressions before it, the other patients are censored for both at the end of "
        "follow-up, and the PFS times are laid onto them in order"
        + (f" ({moved} PFS times moved to the patient's death or end of follow-up, which came before them)"
           if moved else "") + f"; then {steps} annealing steps moved PFS alone, within each patient's OS "
        "(death or end of follow-up); the search below starts from the joined data, nothing held fixed.")
    return "os", None


def _anneal_pfs_under_os(s, group, target, cutoff, rng, max_iter, cycle=2000, t0=0.5) -> int:
    """Seeded annealing of PFS towards ``target`` (its printed numbers) with OS held fixed, in
    place on the state ``s``; returns the steps taken.

    A patient's OS time (death or end of follow-up) bounds the PFS time: a death is a PFS
    event at or before it, a patient alive at the end of follow-up either progressed before
    it or is censored for PFS there too. Moves: one PFS event time, nudged or redrawn below
    the bound; one of the four events nearest a printed median or limit (of its arms, with a
    bound at or after it) put on it; a patient alive at the end of follow-up turned from
    censored to progressed or back; the PFS times of two patients of one arm swapped where
    both bounds allow."""
    d = _derive(s, cutoff)
    bound, dead = d["os"][0].astype(np.int64), d["os"][1] == 1  # a PFS time is at most its patient's OS time
    t, e = d["pfs"][0].astype(np.int64).copy(), d["pfs"][1].astype(np.int64).copy()
    ends = bound.copy()
    idx = target.patients
    crowd = max(target.tie_cap, int(np.bincount(t[idx]).max()))
    counts = {c.arms[0]: int(c.value) for c in target.events if len(c.arms) == 1}  # printed events per arm
    anchors, masks = target.anchor_times, target.anchor_masks
    loss = target.loss(t, e, ends)
    best = (t.copy(), e.copy(), loss)
    steps = 0
    while steps < max_iter and best[2] > 0 and not target.meets(best[0], best[1], ends):
        steps += 1
        phase = (steps - 1) % cycle
        if phase == 0 and steps > 1:
            t, e, loss = best[0].copy(), best[1].copy(), best[2]
        nt, ne = t.copy(), e.copy()
        i = int(idx[rng.integers(idx.size)])
        r = rng.random()
        if r < 0.2 and not dead[i]:  # progressed or censored at the end of follow-up
            ne[i] = 1 - e[i]
            nt[i] = bound[i] if ne[i] == 0 else int(rng.integers(1, bound[i] + 1))
            other = idx[(group[idx] == group[i]) & ~dead[idx] & (e[idx] == ne[i])]
            printed = counts.get(group[i])
            # a single turn only where the arm's events are not printed or it brings them nearer
            single = printed is None or (ne[i] - e[i]) * (printed - int(e[group == group[i]].sum())) > 0
            if (r < 0.1 or not single) and other.size:  # and another the other way: as many PFS events
                j = int(other[rng.integers(other.size)])
                ne[j] = 1 - e[j]
                nt[j] = bound[j] if ne[j] == 0 else int(rng.integers(1, bound[j] + 1))
            elif not single:
                continue
        elif r < 0.3:
            pool = idx[(group[idx] == group[i]) & (e[idx] == 1) & (bound[idx] >= t[i])]
            if e[i] == 0 or pool.size == 0:
                continue
            j = int(pool[rng.integers(pool.size)])
            if t[j] > bound[i]:
                continue
            nt[i], nt[j] = t[j], t[i]
        elif r < 0.4 and anchors:  # one of the events nearest a printed median or limit put on it
            k = int(rng.integers(len(anchors)))
            pool = idx[masks[k] & (e[idx] == 1) & (bound[idx] >= anchors[k])]
            if pool.size == 0:
                continue
            pool = pool[np.argsort(np.abs(t[pool] - anchors[k]), kind="stable")[:4]]
            nt[int(pool[rng.integers(pool.size)])] = anchors[k]
        else:
            if e[i] == 0:
                continue
            q = rng.random()
            if q < 0.5:
                nt[i] = t[i] + int(rng.integers(-80, 81))
            elif q < 0.8:
                nt[i] = int(round(t[i] * math.exp(rng.normal(0, 0.3))))
            else:
                nt[i] = int(rng.integers(1, bound[i] + 1))
            nt[i] = int(np.clip(nt[i], 1, bound[i]))
        if np.bincount(nt[idx]).max() > crowd:  # no more patients at one time than allowed, or than at the start
            continue
        new_loss = target.loss(nt, ne, ends)
        temp = t0 * (1 - phase / cycle) ** 2
        if new_loss <= loss or rng.random() < math.exp(-(new_loss - loss) / max(temp, 1e-9)):
            t, e, loss = nt, ne, new_loss
            if loss < best[2]:
                best = (t.copy(), e.copy(), loss)
    t, e = best[0], best[1]
    for i in idx:
        _set_progression(s, i, int(t[i]) if e[i] == 1 and not (dead[i] and t[i] >= bound[i]) else None, cutoff)
    return steps


def _set_progression(s, i, time, cutoff) -> None:
    """Patient ``i`` progresses at ``time`` (hundredths; before the death or the end of
    follow-up), or, with ``time`` None, not before either (a death first, or no progression):
    the progression is then put after every cut-off."""
    s["P"][i] = time if time is not None else max(int(s["P"][i]), 3 * cutoff)


def _join_pfs(s, group, pfs, cutoff) -> int:
    """Lay the PFS data ``pfs`` (times, events) onto the OS state ``s`` in place, arm by arm.

    Each death stays a PFS event; of the patients alive at their end of follow-up, as many as
    the PFS data have events beyond the deaths progress, and the rest stay censored for both,
    chosen so that their ends of follow-up have the quantiles of the PFS censorings. The PFS
    event times, earliest first, go to those patients in the order of their deaths or ends of
    follow-up; a time later than the patient's death or end is moved to it (a death first, or
    a progression on the last day). Returns the number of PFS times moved."""
    d = _derive(s, cutoff)
    t_os, e_os = d["os"]
    moved = 0
    for g in np.unique(group):
        m = np.flatnonzero(group == g)
        dead, alive = m[e_os[m] == 1], m[e_os[m] == 0]
        tp, ep = pfs[0][m], pfs[1][m]
        times = np.sort(tp[ep == 1])
        k = max(times.size, dead.size)
        censored_times = np.sort(tp[ep == 0])
        stay = np.zeros(0, np.int64)
        keep = min(alive.size, m.size - k)
        if keep > 0:
            by_end = alive[np.argsort(t_os[alive], kind="stable")]
            # the censored PFS times' quantiles among the alive patients' ends of follow-up
            q = np.searchsorted(t_os[by_end], censored_times[((np.arange(keep) + 0.5) * censored_times.size / keep)
                                                            .astype(int)] if censored_times.size else [])
            used, picks = np.zeros(by_end.size, bool), []
            for j in np.clip(q, 0, by_end.size - 1) if censored_times.size else range(keep):
                j = int(j)
                while used[j % by_end.size]:
                    j += 1
                used[j % by_end.size] = True
                picks.append(j % by_end.size)
            stay = by_end[np.sort(picks)]
        progress = np.setdiff1d(alive, stay)
        who = np.concatenate([dead, progress])
        who = who[np.argsort(t_os[who], kind="stable")]
        if times.size < who.size:  # more deaths than PFS events: the extra deaths come first
            times = np.concatenate([times, t_os[who][times.size:]])
        for i, t in zip(who, times[:who.size]):
            bound = int(t_os[i])
            moved += int(t > bound)
            t = min(int(t), bound)
            _set_progression(s, i, None if e_os[i] == 1 and t >= bound else t, cutoff)  # at the death: death first
        for i in stay:
            _set_progression(s, i, None, cutoff)
    return moved


def _peak(medians, group) -> float:
    """:func:`~survrepro.sources._fitted.peak_density` of the arms with a printed median
    (medians of every patient count for the whole study)."""
    return peak_density([(int(np.isin(group, c.arms).sum()) if c.arms else group.size, c.value) for c in medians
                         if len(c.arms) <= 1])


def _said_cap(cap: int, patients: int, endpoint: str, notes: list, spec) -> int:
    """``cap`` (:func:`~survrepro.sources._fitted.tie_cap`), with a note when patients share times."""
    if cap > 1:
        grid = {0: "hundredths", 1: "thousandths"}.get(spec.time_scale, f"1e-{2 + spec.time_scale} parts")
        notes.append(f"Tied times: {patients} patients are too many for distinct {endpoint} times in {grid} of a "
                     f"{spec.time_unit[:-1]} before the cut-off (or where the printed medians crowd them), so up to {cap} "
                     "share a time, as real data share days; the hazard ratio is fitted with the ties.")
    return cap


def _held_at_landmark(c: Constraint) -> bool:
    """Whether the construction of an endpoint holds landmark count ``c``: it knows every
    event of the endpoint as a failure, not which were deaths, so it holds a count where a
    death before the landmark is a failure (or the endpoint is overall survival)."""
    return c.is_count and (c.death_is_failure or c.endpoint == "os")


def _count_at_landmark(tt, ee, c) -> int:
    """Patients evaluable or remaining at ``c.landmark``, each event a failure."""
    evaluable, remaining = _landmark_counts(tt, ee, ee, c.landmark, c.evaluable_rule, True)
    return evaluable if c.quantity == "evaluable" else remaining


# the medians, Cox fits and p values of the states a construction searches, each computed
# once: a step moves one or two patients, and what it did not change is looked up
_KM = Recent(km_median)
_COX = Recent(cox_fit)
_P = Recent(_p_value)


class _KaplanMeierParts:
    """The medians, their limits and the median follow-up of a target built constructively:
    whether a state rounds to them, and how far it is from their centres.

    Needs ``endpoint``, ``patients``, ``medians``/``median_masks``, ``limits``/``limit_masks``,
    ``unreached``/``unreached_masks`` (medians or limits printed as not reached),
    ``p_values``/``p_masks``/``p_labels`` (printed p values, the patients and their arms),
    ``followup``, ``arms`` and ``n`` (see :class:`_ComparedTarget`), and
    ``at_landmark``/``at_landmark_masks`` (patients evaluable or remaining at a landmark, a
    death before it a failure); times are hundredths of the time unit.
    """

    @property
    def anchor_times(self) -> list:
        """Times (hundredths) where an event may be put: each median, then each CI limit
        (a Kaplan-Meier median and its limits are event times)."""
        return self.median_times + [int(round(c.value * 100)) for c in self.limits]

    @property
    def anchor_masks(self) -> list:
        """The patients each of :attr:`anchor_times` describes."""
        return self.median_masks + self.limit_masks

    def _followup_median(self, tt, ee, ends):
        if self.endpoint == self.followup_endpoint:  # the reverse Kaplan-Meier of this very endpoint
            return _KM(tt, 1 - ee, conf_int=False).estimate
        return _KM(ends / 100.0, np.ones(self.n), conf_int=False).estimate

    def _median(self, tt, ee, m, c, memo: dict):
        """The Kaplan–Meier median ``c`` is about (an estimate or a limit) of the patients ``m``,
        each arm's curve and band computed once within one evaluation: a median is read from
        the band of a limit of the same arms when there is one (the estimate is the same
        whatever the band)."""
        band = c if c.quantity != "median" else next((x for x in self.limits if x.arms == c.arms), None)
        key = (c.arms, None if band is None else (band.conf_type, band.conf_level))
        if key not in memo:
            memo[key] = (_KM(tt[m], ee[m], conf_int=False) if band is None
                         else _KM(tt[m], ee[m], conf_type=band.conf_type, conf_level=band.conf_level))
        q = memo[key]
        return q.estimate if c.quantity == "median" else q.low if c.quantity == "median_ci_low" else q.high

    def km_meets(self, tt, ee, ends) -> bool:
        """Whether the medians, limits and follow-up round to their printed values."""
        memo: dict = {}
        for c, m in zip(list(self.medians) + list(self.limits), list(self.median_masks) + list(self.limit_masks)):
            if not rounds_to(self._median(tt, ee, m, c, memo), c.value, c.decimals):
                return False
        for c in self.followup:
            if not rounds_to(self._followup_median(tt, ee, ends), c.value, c.decimals):
                return False
        if not all(rounds_to(_survival_part(tt[m], ee[m], c), c.value, c.decimals)
                   for c, m in zip(self.survival, self.survival_masks)):
            return False
        if not all(rounds_to(restricted_mean(tt[m], ee[m], c.landmark), c.value, c.decimals)
                   for c, m in zip(self.rmst, self.rmst_masks)):
            return False
        if any(self._median(tt, ee, m, c, memo) is not None for c, m in zip(self.unreached, self.unreached_masks)):
            return False
        if not all(rounds_to(_P(c, tt[m], ee[m], lab, self.arms, untied=self.tie_cap == 1), c.value, c.decimals)
                   for c, m, lab in zip(self.p_values, self.p_masks, self.p_labels)):
            return False
        if not all(_count_at_landmark(tt[m], ee[m], c) == int(c.value)
                   for c, m in zip(self.at_landmark, self.at_landmark_masks)):
            return False
        return all(int(ee[m].sum()) == int(c.value) for c, m in zip(self.events, self.event_masks))

    def km_loss(self, tt, ee, ends, loss: float = 0.0) -> float:
        """``loss`` plus the distance of each beyond a quarter of its last printed digit, in
        that digit (5 when not reached)."""
        memo: dict = {}
        for c, m in zip(list(self.medians) + list(self.limits), list(self.median_masks) + list(self.limit_masks)):
            unit = 10.0 ** (-c.decimals)
            got = self._median(tt, ee, m, c, memo)
            loss += 5.0 if got is None else max(0.0, abs(got - c.value) - unit / 4) / unit
        for c in self.followup:
            unit = 10.0 ** (-c.decimals)
            med = self._followup_median(tt, ee, ends)
            loss += 5.0 if med is None else max(0.0, abs(med - c.value) - unit / 4) / unit
        for c, m in zip(self.events, self.event_masks):
            loss += abs(float(ee[m].sum()) - c.value)
        for c, m in zip(self.at_landmark, self.at_landmark_masks):
            loss += abs(_count_at_landmark(tt[m], ee[m], c) - c.value)
        for c, m in zip(self.survival, self.survival_masks):
            unit = 10.0 ** (-c.decimals)
            got = _survival_part(tt[m], ee[m], c)
            loss += 5.0 if got is None else max(0.0, abs(got - c.value) - unit / 4) / unit
        for c, m in zip(self.rmst, self.rmst_masks):
            unit = 10.0 ** (-c.decimals)
            loss += max(0.0, abs(restricted_mean(tt[m], ee[m], c.landmark) - c.value) - unit / 4) / unit
        for c, m in zip(self.unreached, self.unreached_masks):  # 1 to 5: the earlier reached, the farther
            got = self._median(tt, ee, m, c, memo)
            if got is not None:
                loss += 1.0 + 4.0 * (1.0 - got / max(float(tt[m].max()), 1e-9))
        for c, m, lab in zip(self.p_values, self.p_masks, self.p_labels):
            unit = 10.0 ** (-c.decimals)
            got = _P(c, tt[m], ee[m], lab, self.arms, untied=self.tie_cap == 1)
            loss += 5.0 if got is None else max(0.0, abs(got - c.value) - unit / 4) / unit
        return loss


@dataclass(frozen=True, eq=False)
class _ComparedTarget(_KaplanMeierParts):
    """What the construction of a compared endpoint aims at, and the patients it concerns.

    Times are in hundredths of the time unit. ``patients`` indexes the patients of the two arms;
    ``in_first_arm``, ``median_masks`` are per patient of ``patients``.
    """

    endpoint: str
    arms: tuple  # (numerator, denominator) of the hazard ratio
    ties: str
    centre: tuple  # (log HR, SE) at the centre of the feasible region
    bounds: dict  # log-scale ranges of each printed number (see _hr_outside)
    limit_width: float  # width of the range of the printed lower limit, log scale
    patients: np.ndarray
    in_first_arm: np.ndarray  # 1 for a patient of arms[0], 0 for arms[1]
    medians: list  # median constraints on the endpoint within the two arms
    median_masks: list  # the patients each median describes
    median_times: list  # each median in hundredths: where an event may be put
    limits: list  # median confidence-limit constraints on the endpoint within the two arms
    limit_masks: list  # the patients each limit describes
    followup: list  # median follow-up constraints (when the two arms are everybody)
    shortest_followup: int  # the earliest administrative censoring
    n: int  # patients in the study
    followup_endpoint: str = "os"  # the endpoint whose reverse Kaplan-Meier median is the follow-up
    events: list = ()  # event-count constraints on the endpoint within the two arms
    event_masks: list = ()  # the patients each count describes
    survival: list = ()  # Kaplan-Meier survival at a landmark (or a limit of it), within the two arms
    survival_masks: list = ()  # the patients each survival describes
    rmst: list = ()  # restricted mean survival times, within the two arms
    rmst_masks: list = ()  # the patients each describes
    unreached: list = ()  # medians or limits printed as not reached, within the two arms
    unreached_masks: list = ()  # the patients each describes
    p_values: list = ()  # printed p values of the two arms
    p_masks: list = ()  # the patients each concerns
    p_labels: list = ()  # their arms
    at_landmark: list = ()  # patients evaluable or remaining at a landmark (see _held_at_landmark)
    at_landmark_masks: list = ()  # the patients each counts
    tie_cap: int = 1  # patients that may share a time (more than 1 only when they outnumber the hundredths)

    @property
    def pairs(self) -> list:
        """The printed hazard ratio, as :func:`survrepro.sources._fitted.fitted_start` takes it."""
        return [Pair(self.arms, self.patients, self.in_first_arm, self.centre, self.bounds, self.limit_width,
                     tie_cap=self.tie_cap)]

    def meets(self, times, events, ends) -> bool:
        """Whether a state rounds to every printed number (the unshrunk region), even off centre."""
        tt, ee = times[self.patients] / 100.0, events[self.patients]
        fit = _COX(tt, ee, self.in_first_arm, self.tie_cap, self.ties)
        if fit is None or _hr_outside(self.centre, self.bounds, fit[0], fit[1], shrink=1.0) > 0:
            return False
        return self.km_meets(tt, ee, ends)

    def loss(self, times, events, ends) -> float:
        """Distance of a state from the centre of every printed range; 0 when it sits there.

        ``times`` and ``events`` are the endpoint of every patient, ``ends`` the end of
        follow-up (hundredths of the time unit). The hazard ratio counts its distance from the shrunk
        feasible region in fifths of the width of a limit's range; a median its distance
        beyond a quarter of its last printed digit, in that digit (5 when not reached).
        """
        tt, ee = times[self.patients] / 100.0, events[self.patients]
        fit = _COX(tt, ee, self.in_first_arm, self.tie_cap, self.ties)
        if fit is None:
            return 1e6
        b, se = fit
        loss = _hr_outside(self.centre, self.bounds, b, se) / (self.limit_width / 5)
        return self.km_loss(tt, ee, ends, loss)


@dataclass(frozen=True, eq=False)
class _EndpointTarget(_KaplanMeierParts):
    """What the construction of one endpoint of any number of arms aims at: every printed
    hazard ratio between two of them (:class:`~survrepro.sources._fitted.Pair`), log-rank p
    bounds, medians, limits and the median follow-up. Times in hundredths of the time unit;
    ``patients`` is every patient, masks are over it."""

    endpoint: str
    arms: tuple
    pairs: list
    p_bounds: list  # (constraint, its patients, their arms)
    patients: np.ndarray
    medians: list
    median_masks: list
    median_times: list
    limits: list
    limit_masks: list
    followup: list
    shortest_followup: int
    n: int
    followup_endpoint: str = "os"
    events: list = ()
    event_masks: list = ()
    survival: list = ()
    survival_masks: list = ()
    rmst: list = ()
    rmst_masks: list = ()
    unreached: list = ()
    unreached_masks: list = ()
    p_values: list = ()
    p_masks: list = ()
    p_labels: list = ()
    at_landmark: list = ()  # patients evaluable or remaining at a landmark (see _held_at_landmark)
    at_landmark_masks: list = ()  # the patients each counts
    tie_cap: int = 1  # patients that may share a time (more than 1 only when they outnumber the hundredths)

    def _pairs_loss(self, times, events, shrink):
        loss = 0.0
        for p in self.pairs:
            fit = _COX(times[p.patients] / 100.0, events[p.patients], p.x, self.tie_cap)
            if fit is None:
                return None
            se = fit[1] if p.se_printed else p.centre[1]
            loss += _hr_outside(p.centre, p.bounds, fit[0], se, shrink=shrink) / (p.scale / 5)
        for c, pat, labels in self.p_bounds:
            if not _p_satisfies(_P(c, times[pat] / 100.0, events[pat], labels, self.arms,
                                         untied=self.tie_cap == 1),
                                c.comparator, c.value):
                loss += 1.0
        return loss

    def meets(self, times, events, ends) -> bool:
        """Whether a state rounds to every printed number."""
        if self._pairs_loss(times, events, 1.0) != 0:
            return False
        return self.km_meets(times[self.patients] / 100.0, events[self.patients], ends)

    def loss(self, times, events, ends) -> float:
        """Distance of a state from the centre of every printed range (see :meth:`_ComparedTarget.loss`)."""
        pairs = self._pairs_loss(times, events, _SHRINK)
        if pairs is None:
            return 1e6
        return self.km_loss(times[self.patients] / 100.0, events[self.patients], ends, pairs)


#: Quantities a construction of one endpoint handles.
_ONE_ENDPOINT = ("median", "median_ci_low", "median_ci_high", "hr", "hr_ci_low", "hr_ci_high",
                 "p_value_bound", "p_value", "median_followup", "events", "rmst", "evaluable",
                 "remaining") + SURVIVAL_PARTS


def _endpoint_target(spec, group, cutoff, width, notes) -> _EndpointTarget | None:
    """The target of the construction of one endpoint, or ``None`` when the constraints concern
    more than one endpoint (other than the median follow-up) or quantities it does not handle."""
    own = [c for c in spec.constraints if c.quantity != "median_followup"]
    endpoints = {c.endpoint for c in own}
    if len(endpoints) != 1 or not all(c.quantity in _ONE_ENDPOINT and (not c.is_count or _held_at_landmark(c))
                                      for c in spec.constraints):
        return None
    endpoint = endpoints.pop()
    if endpoint not in _COMPARABLE:
        return None
    ids = tuple(g.id for g in spec.groups)
    everyone = np.arange(group.size)

    def mask(arms):
        return np.isin(group, arms) if arms else np.ones(group.size, bool)

    pairs, p_bounds = [], []
    cap = _said_cap(tie_cap(group.size, cutoff, _peak([c for c in own if c.quantity == "median" and not c.not_reached],
                                                     group)), group.size, endpoint, notes, spec)
    for arms in sorted({c.arms for c in own if c.quantity.startswith("hr")}):
        cs = [c for c in own if c.arms == arms and c.quantity.startswith("hr")]
        pat = np.flatnonzero(mask(arms))
        x = (group[pat] == arms[0]).astype(int)
        if {"hr_ci_low", "hr_ci_high"} <= {c.quantity for c in cs}:
            region = _hr_region(cs + [c for c in own if c.quantity == "p_value" and set(c.arms) == set(arms)])
            if region is None or region[4] is None:
                notes.append(f"Conflict: no log hazard ratio and standard error round to the printed {endpoint} "
                             f"hazard ratio of {' vs '.join(arms)} and its limits together.")
                return None
            bounds = region[5]
            pairs.append(Pair(arms, pat, x, region[4], bounds, bounds["low"][1] - bounds["low"][0], tie_cap=cap))
        else:
            c = next((c for c in cs if c.quantity == "hr"), None)
            if c is None:
                return None  # one limit alone: left to the search
            u = 10.0 ** (-c.decimals) / 2
            h0, h1 = math.log(max(c.value - u, 1e-12)), math.log(c.value + u)
            pairs.append(Pair(arms, pat, x, ((h0 + h1) / 2, 0.0),
                              {"z": _z(c.conf_level), "low": None, "high": None, "hr": (h0, h1)},
                              h1 - h0, se_printed=False, tie_cap=cap))
    for c in own:
        if c.quantity == "p_value_bound":
            pat = np.flatnonzero(mask(c.arms))
            p_bounds.append((c, pat, group[pat]))
    medians = [c for c in own if c.quantity == "median" and not c.not_reached]
    limits = [c for c in own if c.quantity in ("median_ci_low", "median_ci_high") and not c.not_reached]
    unreached = [c for c in own if c.quantity in ("median", "median_ci_low", "median_ci_high") and c.not_reached]
    return _EndpointTarget(
        endpoint=endpoint, arms=ids, pairs=pairs, p_bounds=p_bounds, patients=everyone,
        medians=medians, median_masks=[mask(c.arms) for c in medians],
        median_times=[int(round(c.value * 100)) for c in medians],
        limits=limits, limit_masks=[mask(c.arms) for c in limits],
        followup=[c for c in spec.constraints if c.quantity == "median_followup" and not c.arms],
        shortest_followup=max(1, int(cutoff - width * 100)), n=group.size,
        followup_endpoint=spec.followup_endpoint,
        events=[c for c in own if c.quantity == "events"],
        event_masks=[mask(c.arms) for c in own if c.quantity == "events"],
        survival=[c for c in own if c.quantity in SURVIVAL_PARTS],
        survival_masks=[mask(c.arms) for c in own if c.quantity in SURVIVAL_PARTS],
        rmst=[c for c in own if c.quantity == "rmst"],
        rmst_masks=[mask(c.arms) for c in own if c.quantity == "rmst"],
        unreached=unreached, unreached_masks=[mask(c.arms) for c in unreached],
        p_values=[c for c in own if c.quantity == "p_value"],
        p_masks=[mask(c.arms) for c in own if c.quantity == "p_value"],
        p_labels=[group[mask(c.arms)] for c in own if c.quantity == "p_value"],
        at_landmark=[c for c in own if c.is_count], at_landmark_masks=[mask(c.arms) for c in own if c.is_count],
        tie_cap=cap,
    )


def _build_one_endpoint(spec, s, group, cutoff, width, rng, notes, max_iter, fitted_steps=None):
    """Build the one endpoint a study's constraints concern, for any number of arms.

    Used when the constructive two-arm build (:func:`_build_compared_endpoint`) does not
    apply or did not converge and every constraint concerns one endpoint: a single arm, three
    or more arms with their hazard ratios, or two arms with a hazard ratio printed without
    limits. The start is :func:`~survrepro.sources._fitted.fitted_start`; when it does not
    round to every printed number, ``fitted_steps`` (default ``max_iter // 8``) annealing steps
    follow (on a copy of the generator). Returns the endpoint and its (times, events) written into ``s``; ``(endpoint,
    None)`` when the nearest state found is written as the search's start; or ``None``.
    """
    target = _endpoint_target(spec, group, cutoff, width, notes)
    if target is None:
        return None
    said: list = []
    found = fitted_start(target, group, cutoff, width, said, (spec.in_unit(12), spec.said(12)))
    steps = 0
    reordered = None if target.meets(*found) else _reorder(target, group, *found, cutoff)
    if reordered is not None:
        found, moves = reordered
        said.append(_reordered_note(target, moves))
    elif not target.meets(*found):
        sub = copy.deepcopy(rng)
        times, events, ends, loss, steps = _anneal_compared(
            *found, target.patients, group, target.anchor_times, target.anchor_masks,
            target.shortest_followup, cutoff, target.loss, sub,
            fitted_steps if fitted_steps is not None else max(1, max_iter // 8), flips=True, cap=target.tie_cap)
        if loss > 0:
            times, events, ends = _mend_followup(target, times, events, ends, cutoff)
        reordered = None if loss == 0 or target.meets(times, events, ends) else _reorder(
            target, group, times, events, ends, cutoff)
        if reordered is not None:
            (times, events, ends), moves = reordered
            said.append(_reordered_note(target, moves, steps))
        elif not (loss == 0 or target.meets(times, events, ends)) and target.pairs:
            finished = finish_pairs(target, group, times, events, ends, FINISH_ROUNDS)
            if target.meets(*finished):
                times, events, ends = finished
                said.append(f"The hazard ratios were then met by at most {FINISH_ROUNDS} rounds of moves that keep each "
                            "arm's Kaplan–Meier curve (survrepro.sources._fitted.finish_pairs).")
                loss = 0
            elif target.loss(*finished) < target.loss(times, events, ends):
                times, events, ends = finished  # the nearer start of the search below
        if not (loss == 0 or target.meets(times, events, ends)) and reordered is None:
            _write_compared(spec, s, target, (times, events, ends), cutoff, width, rng)
            notes.append(f"The construction of {target.endpoint} for {len(target.arms)} arm(s) from the fitted model "
                         f"stopped after {steps} steps short of every printed number; the search below starts from "
                         "it, nothing held fixed.")
            return target.endpoint, None
        found = (times, events, ends)
    losses = _write_compared(spec, s, target, found, cutoff, width, rng)
    notes.extend(said)
    events_by_arm = ", ".join(f"{int(found[1][group == a].sum())} events in {a}" for a in target.arms)
    notes.append(
        f"{target.endpoint} of {len(target.arms)} arm(s) built from a model fitted to the printed numbers "
        f"({steps} search steps after it): per arm a piecewise-exponential cumulative hazard through the printed "
        "median and limits, tail hazards set so that the expected Cox fit of each printed hazard ratio has its "
        "printed value and limits; event times at the model's quantiles, potential follow-up uniform about the "
        "median follow-up, re-timed monotonically so that the printed medians, limits and follow-up are data times "
        f"(survrepro.sources._fitted); {events_by_arm}. Censorings before the shortest potential follow-up "
        f"({spec.shown(target.shortest_followup / 100):.{2 + spec.time_scale}f} {spec.time_unit}) are assumed losses "
        f"to follow-up: {losses} patients.")
    return target.endpoint, _derive(s, cutoff)[target.endpoint]


def _compared_target(spec, group, cutoff, width, notes) -> _ComparedTarget | None:
    """The target of the construction of a compared PFS, or ``None`` when there is none.

    There is one when both Wald limits of a PFS or OS hazard ratio are printed. When no log hazard
    ratio and standard error round to the printed numbers, or the arms are too small for the
    standard error they need (every event adds at most 1/4 to the Cox information, so
    ``SE >= 2 / sqrt(events)``), a note says so and the result is ``None``.
    """
    region = _hr_region(spec.constraints)
    if region is None or region[0] not in _COMPARABLE:
        return None
    if len({(c.endpoint, c.arms) for c in spec.constraints if c.quantity.startswith("hr")}) > 1:
        return None  # several hazard ratios: built together by _build_one_endpoint
    endpoint, arms, ties, _, centre, bounds, (_, se_max) = region
    in_arms = np.isin(group, arms)
    n_compared = int(in_arms.sum())
    if centre is None:
        notes.append(f"Conflict: no log hazard ratio and standard error round to the printed {endpoint} hazard ratio and limits together.")
        return None
    if 2 / math.sqrt(n_compared) > se_max:
        notes.append(
            f"Conflict: the printed {endpoint} hazard-ratio limits need SE <= {se_max:.3f}, but {n_compared} patients "
            f"give at most {n_compared} events and SE >= 2/sqrt({n_compared}) = {2 / math.sqrt(n_compared):.3f}."
        )
        return None
    patients = np.flatnonzero(in_arms)

    def own(quantities, whole_study_too=True):
        """Constraints of these quantities on the endpoint within the two arms (or of every
        patient when the two arms are everybody)."""
        return [c for c in spec.constraints if c.quantity in quantities and c.endpoint == endpoint
                and set(c.arms) <= set(arms) and (c.arms or whole_study_too or in_arms.all())]

    def masks(cs):
        return [np.isin(group[patients], c.arms) if c.arms else np.ones(patients.size, bool) for c in cs]

    medians = [c for c in own(("median",)) if not c.not_reached]
    limits = [c for c in own(("median_ci_low", "median_ci_high")) if not c.not_reached]
    unreached = [c for c in own(("median", "median_ci_low", "median_ci_high"), False) if c.not_reached]
    p_values = [c for c in spec.constraints if c.quantity == "p_value" and c.endpoint == endpoint
                and (set(c.arms) == set(arms) or not c.arms and in_arms.all())]
    counts, landmarks, rmsts = own(("events",), False), own(SURVIVAL_PARTS, False), own(("rmst",), False)
    at_landmark = own(("evaluable", "remaining"), False)
    if not all(_held_at_landmark(c) for c in at_landmark):
        return None  # a death on therapy before a landmark not evaluable: left to the search
    return _ComparedTarget(
        endpoint=endpoint, arms=arms, ties=ties, centre=centre, bounds=bounds,
        limit_width=bounds["low"][1] - bounds["low"][0],
        patients=patients,
        in_first_arm=(group[patients] == arms[0]).astype(int),
        medians=medians, median_masks=masks(medians), median_times=[int(round(c.value * 100)) for c in medians],
        limits=limits, limit_masks=masks(limits),
        followup=[c for c in spec.constraints if c.quantity == "median_followup" and not c.arms] if in_arms.all() else [],
        shortest_followup=max(1, int(cutoff - width * 100)),
        n=group.size,
        followup_endpoint=spec.followup_endpoint,
        events=counts, event_masks=masks(counts),
        survival=landmarks, survival_masks=masks(landmarks),
        rmst=rmsts, rmst_masks=masks(rmsts),
        unreached=unreached, unreached_masks=masks(unreached),
        p_values=p_values, p_masks=masks(p_values),
        p_labels=[group[patients][m] for m in masks(p_values)],
        at_landmark=at_landmark, at_landmark_masks=masks(at_landmark),
        tie_cap=_said_cap(tie_cap(patients.size, cutoff, _peak(medians, group)), patients.size, endpoint, notes,
                          spec),
    )


def _event_count_candidates(group, target: _ComparedTarget) -> list[tuple[int, int]]:
    """Events per arm to try: the fewest the standard error allows with balanced risk sets
    (``SE ~ 2 / sqrt(events)``) and up to four more, each total split in proportion to the
    arm sizes and one either side."""
    n_compared = target.patients.size
    least = min(n_compared, int(math.ceil(4 / target.centre[1] ** 2)))
    sizes = [int((group == a).sum()) for a in target.arms]
    candidates = []
    for total in range(least, min(n_compared, least + 4) + 1):
        k0 = int(round(total * sizes[0] / n_compared))
        for k in (k0, k0 + 1, k0 - 1):
            if 0 < k <= sizes[0] and 0 < total - k <= sizes[1] and (k, total - k) not in candidates:
                candidates.append((k, total - k))
    return candidates


def _expected_events(spec, group, target: _ComparedTarget, cutoff, width):
    """Events per arm an exponential model expects: hazard ``log 2 / median`` in each arm
    (an arm without a printed median gets the other's hazard times the hazard ratio), entry
    uniform over the accrual window, censoring at the cut-off only. ``None`` without the
    medians to say it."""
    meds = {a: _median_of(spec, target.endpoint, (a,)) for a in target.arms}
    hr = math.exp(target.centre[0])
    a0, a1 = target.arms
    if meds[a0] is None and meds[a1] is None:
        return None
    if meds[a0] is None:
        meds[a0] = meds[a1] / hr
    if meds[a1] is None:
        meds[a1] = meds[a0] * hr
    hi = cutoff / 100.0
    lo = max(hi - width, 1e-6)
    out = []
    for a in target.arms:
        out.append(_exponential_event_share(math.log(2) / max(meds[a], 1e-6), lo, hi) * int((group == a).sum()))
    return tuple(out)


def _exponential_event_share(rate: float, lo: float, hi: float) -> float:
    """The share of patients with an event by the cut-off when times are exponential of
    ``rate`` and potential follow-up is uniform on ``[lo, hi]`` months (entry uniform over
    the accrual window)."""
    if hi > lo:
        return 1 - (math.exp(-rate * lo) - math.exp(-rate * hi)) / (rate * (hi - lo))
    return 1 - math.exp(-rate * hi)


def _model_event_candidates(spec, group, target: _ComparedTarget, cutoff, width) -> list[tuple[int, int]]:
    """Events per arm to try around what :func:`_expected_events` expects (the total scaled
    by up to 12% either way, each split one either side)."""
    expected = _expected_events(spec, group, target, cutoff, width)
    if expected is None:
        return []
    sizes = [int((group == a).sum()) for a in target.arms]
    out = []
    for factor in (1.0, 1.04, 0.96, 1.08, 0.92, 1.12, 0.88):
        k = [int(round(e * factor)) for e in expected]
        for shift in (0, 1, -1):
            pair = (k[0] + shift, k[1] - shift)
            if 0 < pair[0] <= sizes[0] and 0 < pair[1] <= sizes[1] and pair not in out:
                out.append(pair)
    return out


def _compared_candidates(spec, group, target: _ComparedTarget, cutoff, width) -> list[tuple[int, int]]:
    """Event counts per arm to try, in order: those the standard error allows with balanced
    risk sets (:func:`_event_count_candidates`) first when the two arms are about the same
    size (the larger at most 20% above the smaller), else the exponential model's
    (:func:`_model_event_candidates`), whose risk sets are as unbalanced as the arms."""
    balanced = _event_count_candidates(group, target)
    model = _model_event_candidates(spec, group, target, cutoff, width)
    sizes = sorted(int((group == a).sum()) for a in target.arms)
    if not model or sizes[1] <= 1.2 * sizes[0]:
        first, then = balanced, model
    else:
        first, then = model, balanced
    return first + [c for c in then if c not in first]


def _mend_followup(target, times, events, ends, cutoff, most: int = 2000):
    """The median follow-up moved onto its printed value: ``(times, events, ends)``.

    One patient at a time, from the nearest side, is moved onto the printed value until the
    follow-up rounds to it: where the follow-up is every patient's end of follow-up (another
    endpoint's reverse Kaplan-Meier median), the end of follow-up of an event, which moves no
    curve of the endpoint; where it is the reverse Kaplan-Meier median of the endpoint built,
    the time of a censoring (kept apart from the other times when they are distinct). The state
    is returned unchanged when the moves do not lower :meth:`_ComparedTarget.loss`.
    """
    if not target.followup:
        return times, events, ends
    c = target.followup[0]
    v = int(round(c.value * 100))
    own = target.endpoint == target.followup_endpoint  # moves censorings, else ends of events
    t_new, f_new = times.copy(), ends.copy()
    movable = np.zeros(ends.size, bool)
    p = target.patients
    if own:
        movable[p] = events[p] == 0
    else:
        movable[p] = (events[p] == 1) & (np.maximum(times[p], target.shortest_followup) <= v) & (v <= cutoff)
    for _ in range(most):
        got = target._followup_median(t_new[p] / 100.0, events[p], f_new)
        if got is None or rounds_to(got, c.value, c.decimals):
            break
        up = got < c.value
        at = t_new if own else f_new
        pool = np.flatnonzero(movable & ((at < v) if up else (at > v)))
        if pool.size == 0:
            break
        i = pool[np.argmax(at[pool])] if up else pool[np.argmin(at[pool])]
        if not own:
            f_new[i] = v
            continue
        slot = v
        if target.tie_cap == 1:
            taken = set(t_new[p].tolist())
            while slot in taken:
                slot += 1 if up else -1
        if not 1 <= slot <= cutoff:
            break
        t_new[i] = f_new[i] = slot
    if target.loss(t_new, events, f_new) < target.loss(times, events, ends):
        return t_new, events, f_new
    return times, events, ends


# the re-ordering of an endpoint's patients (_reorder): the most patients it is tried on, the
# most gaps each patient is tried in, the most moves tried a round (fewer gaps each, then fewer
# patients, in a larger study), the Cox fits it may make, and over the patients (a fit costs
# about as much as the patients it reads: 12,000 up to 200 patients, 2,400 at 1,000), and how
# many of its latest moves it does not make again
_REORDER_PATIENTS = 1000
_REORDER_GAPS = 24
_REORDER_MOVES = 1200
_REORDER_FITS = 12000
_REORDER_PATIENT_FITS = 2_400_000
_REORDER_TABU = 50


def _reorder(target, group, times, events, ends, cutoff, max_fits: int | None = None):
    """A state that rounds to every printed number, made by moving patients of a study
    through the order of the others: ``((times, events, ends), moves)``, or ``None``.

    ``target`` is a :class:`_ComparedTarget` or an :class:`_EndpointTarget` (its ``pairs``,
    the printed hazard ratios). The Cox fit and the log-rank test depend on the order of the
    times and the event flags only, and in a study of a few dozen patients every order gives
    a hazard ratio far (in printed digits) from its neighbours: the lattice is coarser than
    ranges two decimals wide, and a search that keeps each arm's own order
    (:func:`survrepro.sources._fitted._mend_pairs`) can be left with no point inside them.
    Here a move puts one patient whose time no printed value is read from
    (:func:`survrepro.sources._fitted._printed_times`) into another gap of the order of every
    patient (the middle of the gap, gaps evenly spaced), which may change the patient's own
    arm's curve. A round tries at most :data:`_REORDER_GAPS` gaps a patient and at most
    :data:`_REORDER_MOVES` moves, or what leaves fits for two rounds: fewer gaps each in a
    larger study, then patients evenly spaced from an offset that turns with each move. Each
    move is fitted alone (the pairs of its arm, and the printed p values); two moves of two
    patients are judged by the sum of their changes. The distance to the printed numbers is
    that of :meth:`_ComparedTarget.loss` on the unshrunk ranges: each hazard ratio in fifths
    of its limit's range, each p in its last printed digit. The candidates, nearest first, are
    tried until one keeps every other printed number met (medians, limits, follow-up, landmark
    survival, counts); that one is made even when it is farther (a walk, which does not make
    any of its last :data:`_REORDER_TABU` moves again), until every printed number is met, no
    candidate keeps the others, or ``max_fits`` (:data:`_REORDER_FITS`, at most
    :data:`_REORDER_PATIENT_FITS` over the patients) fits and tests are made. Event flags
    never change, so the event counts stay. Only a state that already meets those other
    numbers is started from.
    """
    max_fits = _REORDER_FITS if max_fits is None else max_fits
    p, pairs = target.patients, list(target.pairs)
    tests = list(zip(target.p_values, target.p_masks, target.p_labels))
    rest = dataclasses.replace(target, p_values=(), p_masks=(), p_labels=()) if tests else target
    if not (pairs or tests) or p.size > _REORDER_PATIENTS or not rest.km_meets(times[p] / 100.0, events[p], ends):
        return None
    times, events, ends = times.copy(), events.copy(), ends.copy()
    top = int(cutoff)
    lo_admin = target.shortest_followup
    ties = getattr(target, "ties", "efron")
    untied = target.tie_cap == 1
    max_fits = min(max_fits, _REORDER_PATIENT_FITS // p.size)
    per_move = len(tests) + max((sum(a in pair.arms for pair in pairs) for a in target.arms), default=0)
    most = max(1, min(_REORDER_MOVES, max_fits // (2 * max(1, per_move))))  # moves a round: two rounds at least
    gaps_each = max(1, min(_REORDER_GAPS, most // p.size))
    made = [0]

    def values(t, arm=None, now=None):
        """Log HR and SE of every pair, then every printed p; only what ``arm`` changes is
        recomputed when ``now`` is given."""
        out = []
        for q, pair in enumerate(pairs):
            if now is not None and arm not in pair.arms:
                out.extend(now[2 * q:2 * q + 2])
                continue
            made[0] += 1
            got = _COX(t[pair.patients] / 100.0, events[pair.patients], pair.x, target.tie_cap, ties)
            out.extend((math.nan, math.nan) if got is None else (float(got[0]), float(got[1])))
        tt, ee = t[p] / 100.0, events[p]
        for c, m, lab in tests:
            made[0] += 1
            got = _P(c, tt[m], ee[m], lab, target.arms, untied=untied)
            out.append(math.nan if got is None else got)
        return np.array(out, float)

    def distance(v):  # v: (..., 2 pairs + tests)
        total = 0.0
        for q, pair in enumerate(pairs):
            se = v[..., 2 * q + 1] if pair.se_printed else pair.centre[1]
            total = total + _hr_outside(pair.centre, pair.bounds, v[..., 2 * q], se, shrink=1.0) / (pair.scale / 5)
        for k, (c, _, _) in enumerate(tests):
            unit = 10.0 ** (-c.decimals)
            total = total + np.maximum(0.0, np.abs(v[..., 2 * len(pairs) + k] - c.value) - unit / 2) / unit
        return total

    def moved(t, f, i, new):
        t, f = t.copy(), f.copy()
        t[i] = new
        f[i] = new if events[i] == 0 else min(max(f[i], new, lo_admin), cutoff)
        return t, f

    steps, recent = 0, []
    now = values(times)
    while made[0] < max_fits:
        if target.meets(times, events, ends):
            return (times, events, ends), steps
        fixed = _printed_times(target, group, target.arms, times, events)[0]
        edges = np.concatenate(([0], np.unique(times[p]), [top + 1]))
        mids = (edges[:-1] + edges[1:]) // 2
        wide = (np.diff(edges) >= 2) & (mids >= 1) & (mids <= top)
        moves = []
        free = np.array([i for i in p if int(times[i]) not in fixed], np.int64)
        for i in evenly_spaced(free, max(1, most // gaps_each), steps):  # the offset turns with each move made
            gaps = np.flatnonzero(wide & ~((edges[:-1] <= times[i]) & (times[i] <= edges[1:])))
            if gaps.size > gaps_each:
                gaps = gaps[np.linspace(0, gaps.size - 1, gaps_each).round().astype(int)]
            moves.extend((int(i), int(mids[g])) for g in gaps)
        if not moves or made[0] + per_move * len(moves) > max_fits:
            break
        change = np.nan_to_num(np.array([values(moved(times, ends, i, new)[0], group[i], now) for i, new in moves])
                               - now, nan=1e3)  # (moves, values)
        m = len(moves)
        who = np.array([i for i, _ in moves])
        one = distance(now + change)
        two = distance(now + change[:, None] + change[None, :]).reshape(m, m)
        two[np.tril_indices(m)] = np.inf
        two[who[:, None] == who[None, :]] = np.inf
        tried = [(one[c], (moves[c],)) for c in np.argsort(one, kind="stable")[:10]]
        tried += [(two.flat[q], (moves[q // m], moves[q % m])) for q in np.argsort(two, axis=None, kind="stable")[:30]]
        chosen = None
        for _, step in sorted(tried, key=lambda r: r[0]):
            if step in recent or (len(step) == 2 and step[0][1] == step[1][1]):
                continue
            t, f = times, ends
            for i, new in step:
                t, f = moved(t, f, i, new)
            if rest.km_meets(t[p] / 100.0, events[p], f):
                chosen = (step, t, f)
                break
        if chosen is None:
            break
        step, times, ends = chosen
        recent = (recent + [step])[-_REORDER_TABU:]
        now = values(times)
        steps += len(step)
    return None


def _reordered_note(target, moves: int, annealed: int | None = None) -> str:
    """The note on data that :func:`_reorder` brought onto every printed number."""
    after = "the fitted data" if annealed is None else f"after {annealed} annealing steps the data"
    return (f"{target.endpoint}: {after} missed a printed hazard ratio, its limits or a p; {moves} "
            f"{'move' if moves == 1 else 'moves'} of a patient through the order of the others, each keeping "
            "every other printed number, met them (a small study's orders give hazard ratios coarser than their "
            "printed digits).")


def _search_compared(spec, group, target: _ComparedTarget, cutoff, rng, max_iter, width=None, notes=None,
                     fitted_share=8):
    """The first state at the centre of every range, over the candidate event counts; one in
    ``fitted_share`` of the ``max_iter`` steps anneals from the fitted start.

    Returns ``((times, events, ends), steps, None)``, or ``(None, steps, near)`` when no
    candidate reaches a loss of 0 within its budget (``near``: the state nearest to every
    printed number after a fitted start, else ``None``).
    """
    budget = max(1, max_iter // 8)
    steps = 0
    near = None
    if width is not None:
        # the fitted start draws from a copy of the generator, so that when it fails the
        # construction below runs exactly as it would without it
        sub = copy.deepcopy(rng)
        said: list = []
        fitted = fitted_start(target, group, cutoff, width, said, (spec.in_unit(12), spec.said(12)))
        if fitted is not None:
            found = fitted if target.meets(*fitted) else None
            reordered = None if found is not None else _reorder(target, group, *fitted, cutoff)
            if reordered is not None:
                found, moves = reordered
                said.append(_reordered_note(target, moves))
            if found is None:
                times, events, ends, loss, used = _anneal_compared(
                    *fitted, target.patients, group, target.anchor_times, target.anchor_masks,
                    target.shortest_followup, cutoff, target.loss, sub, max(1, max_iter // fitted_share), flips=True,
                    cap=target.tie_cap)
                steps += used
                if loss > 0:
                    times, events, ends = _mend_followup(target, times, events, ends, cutoff)
                if loss == 0 or target.meets(times, events, ends):
                    found = (times, events, ends)
                else:
                    reordered = _reorder(target, group, times, events, ends, cutoff)
                    if reordered is not None:
                        found, moves = reordered
                        said.append(_reordered_note(target, moves, used))
            if found is not None:
                if notes is not None:
                    notes.extend(said)
                    notes.append(
                        f"{target.endpoint} of {' and '.join(target.arms)} started from a model fitted to the printed "
                        "numbers: per arm a piecewise-exponential cumulative hazard through the printed median and "
                        "limits (Greenwood bands crossing one half there) with tail hazards chosen so that the "
                        "expected Cox fit has the printed hazard ratio and limits; event times at the model's "
                        "quantiles, potential follow-up uniform about the median follow-up, then re-timed "
                        "monotonically so that the printed medians, limits and follow-up are data times "
                        "(survrepro.sources._fitted).")
                return found, steps, None
            near = (times, events, ends)  # the start of the search when no candidate below meets
    balanced = _event_count_candidates(group, target)
    candidates = balanced if width is None else _compared_candidates(spec, group, target, cutoff, width)
    for counts in candidates:
        if steps >= max_iter:
            break  # every candidate shares the one cap
        start = _initial_compared if counts in balanced else _initial_model
        times, events, ends = start(
            spec, group, target.arms, counts, target.endpoint, cutoff, target.shortest_followup, rng, target.tie_cap)
        times, events, ends, loss, used = _anneal_compared(
            times, events, ends, target.patients, group, target.anchor_times, target.anchor_masks,
            target.shortest_followup, cutoff, target.loss, rng, budget, cap=target.tie_cap)
        steps += used
        if start is _initial_model and target.meets(times, events, ends):
            return (times, events, ends), steps, None
        if 0 < loss < 3:
            times, ends, loss, used = _polish_compared(
                times, events, ends, target.patients, target.shortest_followup, cutoff, target.loss, 4 * budget)
            steps += used
        if loss == 0 or (start is _initial_model and target.meets(times, events, ends)):
            return (times, events, ends), steps, None
    return None, steps, near


def _write_compared(spec, s, target: _ComparedTarget, found, cutoff, width, rng) -> int:
    """Latent times of the compared patients that give the endpoint ``found``.

    An event is a progression (or, for a fraction ``death_first``, a death) at its time,
    with entry set by its end of follow-up; a censoring at or after the shortest potential
    follow-up is administrative (entry ``time`` before the cut-off), an earlier one a loss to
    follow-up at that time after a random entry; progression and death of a censored patient
    come after every cut-off. Returns the number of losses to follow-up.
    """
    times, events, ends = found
    death_first = float(spec.priors.get("death_first", 0.1))
    post_progression = float(spec.priors.get("post_progression_survival", spec.in_unit(24)))
    far = 3 * cutoff
    losses_to_follow_up = 0
    for i in target.patients:
        time = int(times[i])
        if events[i] == 1:
            s["a"][i] = cutoff - int(ends[i])
            s["U"][i] = _NEVER
            gap = max(1, int(round(rng.exponential(post_progression / math.log(2)) * 100)))
            if target.endpoint == "os":  # the event is a death (no progression modelled before it)
                s["D"][i], s["P"][i] = time, far + gap
            elif rng.random() < death_first:
                s["D"][i], s["P"][i] = time, far + gap
            else:
                s["P"][i], s["D"][i] = time, time + gap
        else:
            if time >= target.shortest_followup:
                s["a"][i], s["U"][i] = cutoff - time, _NEVER
            else:
                s["a"][i], s["U"][i] = int(rng.integers(0, int(width * 100) + 1)), time
                losses_to_follow_up += 1
            s["P"][i] = far + int(rng.integers(0, cutoff))
            s["D"][i] = s["P"][i] + max(1, int(round(rng.exponential(post_progression / math.log(2)) * 100)))
    return losses_to_follow_up


def _compared_note(spec, target: _ComparedTarget, found, group, steps, losses_to_follow_up) -> str:
    """The note on a compared endpoint built constructively: its fit, events and assumptions."""
    times, events, _ = found
    patients = target.patients
    b, se = log_hazard_ratio(times[patients] / 100.0, events[patients], target.in_first_arm, ties=target.ties)
    beta_centre, se_centre = target.centre
    by_arm = {arm: int(events[group == arm].sum()) for arm in target.arms}
    where = (f"near the centre of the printed ranges (inside the region of values that round to them, shrunk by "
             f"{_SHRINK:g} about its centre)" if target.loss(*found) == 0 else
             "from an exponential start (events per arm as the medians imply) to values that round to every "
             "printed number (not all at the centre of their ranges)")
    return (
        f"{target.endpoint} built constructively ({steps} steps) {where}: log hazard "
        f"ratio {b:.4f} (centre {beta_centre:.4f}) with SE {se:.4f} (centre {se_centre:.4f}); "
        + ", ".join(f"{v} events in {k}" for k, v in by_arm.items())
        + ". Censorings before the shortest potential follow-up "
        f"({spec.shown(target.shortest_followup / 100):.{2 + spec.time_scale}f} {spec.time_unit}) are assumed losses "
        "to follow-up: "
        f"{losses_to_follow_up} patients. Entry dates follow from the censoring times (a patient censored "
        "administratively at t entered t before the cut-off), so accrual is not uniform."
    )


def _initial_compared(spec, group, arms, counts, endpoint, cutoff, lo_admin, rng, cap=1):
    """Starting times of a compared endpoint with ``counts`` events per arm.

    Where an arm's median is published, half its events (rounded up) fall before the median
    and one exactly on it, and as many censorings are put before it as make the curve cross
    one half there; the other times come after it.
    """
    n = group.size
    t = np.zeros(n, dtype=np.int64)
    e = np.zeros(n, dtype=np.int64)
    for arm, k in zip(arms, counts):
        m = np.flatnonzero(group == arm)
        c_n = m.size - k
        med = _median_of(spec, endpoint, (arm,)) or _median_of(spec, endpoint, ())
        if med is None:
            t[m] = np.clip(np.round(rng.exponential(spec.in_unit(12) / math.log(2), m.size) * 100), 1, cutoff)
            e[m[:k]] = 1
            continue
        mc = int(round(med * 100))
        j = (k + 1) // 2
        ev = np.concatenate((np.sort(rng.integers(max(1, mc // 6), mc, j - 1)), [mc],
                             rng.integers(mc + 1, max(mc + 2, int(0.9 * cutoff)), k - j)))
        early = rng.integers(min(lo_admin, mc - 1), mc, c_n) if c_n else np.zeros(0, np.int64)
        late = rng.integers(mc + 1, cutoff + 1, c_n) if c_n else np.zeros(0, np.int64)
        best = None
        for c in range(c_n + 1):
            times = np.concatenate((ev, early[:c], late[c:]))
            flags = np.concatenate((np.ones(k, np.int64), np.zeros(c_n, np.int64)))
            got = km_median(times / 100.0, flags, conf_int=False).estimate
            gap = abs(got - med) if got is not None else math.inf
            if best is None or gap < best[0]:
                best = (gap, times, flags)
        t[m], e[m] = best[1], best[2]
    sel = np.isin(group, arms)
    if cap == 1:
        spread_ties(t, sel)
    else:  # patients share times (see tie_cap), within the cut-off
        distinct(t, sel, cutoff, cap)
    f = t.copy()
    for i in np.flatnonzero(e == 1):
        # an event moved past the cut-off by the de-duplication above is followed up to it
        low = max(int(t[i]), lo_admin)
        f[i] = int(rng.integers(low, max(low, cutoff) + 1))
    return t, e, f


def _initial_model(spec, group, arms, counts, endpoint, cutoff, lo_admin, rng, cap=1):
    """Starting times of a compared endpoint drawn from the exponential model of
    :func:`_expected_events` (potential follow-up uniform from ``lo_admin`` to the cut-off),
    then made to hold exactly ``counts`` events per arm: the latest surplus events become
    censorings at the end of their follow-up, or the earliest censorings become events."""
    n = group.size
    t = np.zeros(n, dtype=np.int64)
    e = np.zeros(n, dtype=np.int64)
    f = np.zeros(n, dtype=np.int64)
    hr = 1.0
    meds = {a: _median_of(spec, endpoint, (a,)) for a in arms}
    for arm, k in zip(arms, counts):
        m = np.flatnonzero(group == arm)
        med = meds[arm] or next((v for v in meds.values() if v), spec.in_unit(12)) * hr
        tt = np.maximum(np.round(rng.exponential(med / math.log(2), m.size) * 100), 1).astype(np.int64)
        ff = rng.integers(lo_admin, cutoff + 1, m.size)
        ee = (tt <= ff).astype(np.int64)
        tt = np.minimum(tt, ff)
        surplus = int(ee.sum()) - k
        if surplus > 0:
            idx = np.flatnonzero(ee == 1)
            drop = idx[np.argsort(-tt[idx], kind="stable")[:surplus]]
            ee[drop], tt[drop] = 0, ff[drop]
        elif surplus < 0:
            idx = np.flatnonzero(ee == 0)
            add = idx[np.argsort(tt[idx], kind="stable")[:-surplus]]
            ee[add] = 1
        t[m], e[m], f[m] = tt, ee, ff
    sel = np.isin(group, arms)
    if cap == 1:
        spread_ties(t, sel)
    else:  # patients share times (see tie_cap), within the cut-off
        distinct(t, sel, cutoff, cap)
    f = np.where(e == 1, np.clip(np.maximum(f, t), lo_admin, cutoff), t)
    return t, e, f


def _anneal_compared(t, e, f, idx, group, targets, med_masks, lo_admin, cutoff, loss_fn, rng,
                     max_iter, cycle=2000, t0=0.5, flips=False, cap=1):
    """Seeded annealing of a compared endpoint with the events per arm held fixed (unless ``flips``).

    Moves: swap the times of two patients of different arms with the same status, swap an
    event's time with a censoring's time in one arm, put an event exactly on a published
    median, redraw an event's end of follow-up, move one time; with ``flips``, one move in
    ten turns an event into a censoring at the same time or a censoring into an event (the
    number of events then varies, which a standard error printed through its limits may
    need). Returns the best state, its loss and the steps taken.
    """
    loss = loss_fn(t, e, f)
    best = (t.copy(), e.copy(), f.copy(), loss)
    crowd = int(np.bincount(t[idx]).max()) if cap > 1 else 1  # the most at one time in the start
    steps = 0
    while steps < max_iter and best[3] > 0:
        steps += 1
        phase = (steps - 1) % cycle
        if phase == 0 and steps > 1:
            t, e, f, loss = best[0].copy(), best[1].copy(), best[2].copy(), best[3]
        nt, nf, ne = t.copy(), f.copy(), e
        i = int(idx[rng.integers(idx.size)])
        r = rng.random()
        if flips and r >= 0.9:
            ne = e.copy()
            ne[i] = 1 - e[i]
            nf[i] = t[i] if ne[i] == 0 else max(f[i], t[i])
        elif r < 0.15:
            pool = idx[(group[idx] != group[i]) & (e[idx] == e[i])]
            if pool.size == 0:
                continue
            if flips:  # a start already near every number: a neighbour in time, which moves no curve far
                pool = pool[np.argsort(np.abs(t[pool] - t[i]), kind="stable")[:4]]
            j = int(pool[rng.integers(pool.size)])
            nt[[i, j]], nf[[i, j]] = t[[j, i]], f[[j, i]]
        elif r < 0.3:
            pool = idx[(group[idx] == group[i]) & (e[idx] != e[i])]
            if pool.size == 0:
                continue
            j = int(pool[rng.integers(pool.size)])
            nt[[i, j]] = t[[j, i]]
        elif r < 0.4 and targets:
            k = int(rng.integers(len(targets)))
            pool = idx[med_masks[k] & (e[idx] == 1)]
            if pool.size == 0:
                continue
            i = int(pool[rng.integers(pool.size)])
            nt[i] = targets[k]
        elif r < 0.55:
            nf[i] = int(rng.integers(lo_admin, cutoff + 1))
        else:
            q = rng.random()
            if q < 0.4:
                nt[i] = t[i] + int(rng.integers(-80, 81))
            elif q < 0.7:
                nt[i] = int(round(t[i] * math.exp(rng.normal(0, 0.3))))
            elif e[i] == 0 and q < 0.9:
                nt[i] = int(rng.integers(lo_admin, cutoff + 1))
            else:
                nt[i] = int(rng.integers(1, cutoff + 1))
            nt[i] = int(np.clip(nt[i], 1, cutoff))
        if cap == 1 and np.unique(nt[idx]).size < idx.size:  # no two patients at the same time
            continue
        if cap > 1 and np.bincount(nt[idx]).max() > max(cap, crowd):  # no more at one time than allowed
            continue
        ev = ne == 1
        nf[~ev] = nt[~ev]
        nf[ev] = np.clip(nf[ev], np.maximum(nt[ev], lo_admin), cutoff)
        new_loss = loss_fn(nt, ne, nf)
        temp = t0 * (1 - phase / cycle) ** 2
        if new_loss <= loss or rng.random() < math.exp(-(new_loss - loss) / max(temp, 1e-9)):
            t, e, f, loss = nt, ne, nf, new_loss
            if loss < best[3]:
                best = (t.copy(), e.copy(), f.copy(), loss)
    return (*best, steps)


def _polish_compared(t, e, f, idx, lo_admin, cutoff, loss_fn, max_evals):
    """Deterministic steepest descent on a compared endpoint: each sweep tries every patient's
    time (and, for an event, end of follow-up) in every gap between the other times and keeps
    the single best move; stops when no move lowers the loss or after ``max_evals`` evaluations.
    """
    loss = loss_fn(t, e, f)
    evals = 0
    while loss > 0 and evals < max_evals:
        best = (loss, None)
        ts = np.unique(np.concatenate(([0], t[idx], [cutoff + 1])))
        gaps = ((ts[:-1] + ts[1:]) // 2)[np.diff(ts) > 1]
        fs = np.unique(np.concatenate(([lo_admin - 1], f, [cutoff + 1])))
        fgaps = ((fs[:-1] + fs[1:]) // 2)[np.diff(fs) > 1]
        for i in idx:
            for g in gaps:
                if not 1 <= g <= cutoff:
                    continue
                nt, nf = t.copy(), f.copy()
                nt[i] = g
                nf[i] = g if e[i] == 0 else max(f[i], g, lo_admin)
                new = loss_fn(nt, e, nf)
                evals += 1
                if new < best[0]:
                    best = (new, (nt, nf))
            if e[i] == 1:
                for g in fgaps:
                    if g < max(t[i], lo_admin) or g > cutoff:
                        continue
                    nf = f.copy()
                    nf[i] = g
                    new = loss_fn(t, e, nf)
                    evals += 1
                    if new < best[0]:
                        best = (new, (t, nf))
        if best[1] is None:
            break
        loss, (t, f) = best[0], (best[1][0].copy(), best[1][1].copy())
    return t, f, loss, evals


# --------------------------------------------------------------------------- search
def _time_of_interest(c: Constraint):
    if c.quantity in ("median", "median_ci_low", "median_ci_high"):
        return None if c.not_reached else c.value
    if c.is_count or c.quantity in SURVIVAL_PARTS + ("rmst",):
        return c.landmark
    return None


def _propose(rng, s, var, i, toi, cutoff, width):
    """New value of latent variable ``var`` for patient ``i``."""
    old = int(s[var][i])
    r = rng.random()
    if var == "a":
        if r < 0.5 and toi is not None:
            return int(np.clip(cutoff - toi * 100 + rng.normal(0, 50), 0, width * 100))
        if r < 0.8:
            return int(np.clip(old + rng.integers(-300, 301), 0, width * 100))
        return int(rng.uniform(0, width * 100))
    if var == "U":
        if r < 0.3:
            return _NEVER
        if r < 0.7 and toi is not None:
            return max(1, int(toi * 100 + rng.normal(0, 60)))
        return max(1, int(rng.uniform(0, cutoff)))
    if var == "gN" and r < 0.2:
        return 0 if old else max(1, int(rng.exponential(1000)))
    base = {"gC": int(s["P"][i]), "gN": int(s["P"][i])}.get(var, 0)
    if r < 0.12 and var in ("P", "D"):
        return int(2 * cutoff + rng.integers(0, cutoff))  # beyond follow-up: no event
    if r < 0.3 and toi is not None:
        new = int(toi * 100 + rng.normal(0, 40)) - base
    elif r < 0.55:
        new = int(round(old * math.exp(rng.normal(0, 0.3))))
    elif r < 0.8:
        new = old + int(rng.integers(-60, 61))
    else:
        new = int(rng.uniform(0, cutoff * 1.3)) - base
    floor = 0 if var in ("gC", "gN") else 1
    return max(floor, new)


def _search(spec, s, cutoff, width, ev, constraints, rng, max_iter, cycle=2500, t0=2.0, frozen=None):
    """Seeded simulated annealing on single latent times; returns the best state and the steps taken.

    The temperature falls within each cycle of ``cycle`` steps; each new cycle restarts from
    the best state found so far, warm again. ``frozen = (endpoint, (times, events))`` keeps
    an endpoint built constructively as it is: a move that changes it is undone.
    """
    def evaluate_all(state):
        derived = _derive(state, cutoff)
        cache: dict = {}
        vals = [ev.value(c, derived, cache) for c in constraints]
        return vals, np.array([_distance(c, v) for c, v in zip(constraints, vals)])

    def loss_of(d):
        return float(np.sum(d + (d > 0)))

    values, dists = evaluate_all(s)
    loss = loss_of(dists)
    best = ({k: v.copy() for k, v in s.items()}, loss)
    steps = 0
    while steps < max_iter and best[1] > 0:
        steps += 1
        phase = (steps - 1) % cycle
        if phase == 0 and steps > 1:
            s = {k: v.copy() for k, v in best[0].items()}
            values, dists = evaluate_all(s)
            loss = best[1]
        bad = np.flatnonzero(dists > 0)
        w = dists[bad] + 1
        c = constraints[int(bad[rng.choice(bad.size, p=w / w.sum())])]
        ep = spec.followup_endpoint if c.quantity == "median_followup" else c.endpoint
        deps = _MOVES["count" if c.is_count else ep]  # an events count moves its endpoint's times
        var = deps[int(rng.integers(len(deps)))]
        pool = np.flatnonzero(ev.masks[c.arms] if len(c.arms) < 2 else ev.masks[(c.arms[0],)] | ev.masks[(c.arms[1],)])
        i = int(pool[rng.integers(pool.size)])
        if rng.random() < 0.2:  # swap the time with another patient (moves an event between arms)
            j = int(pool[rng.integers(pool.size)])
            changes = {i: s[var][j], j: s[var][i]}
        else:
            changes = {i: _propose(rng, s, var, i, _time_of_interest(c), cutoff, width)}
        old = {k: s[var][k] for k in changes}
        if all(changes[k] == old[k] for k in changes):
            continue
        for k, v in changes.items():
            s[var][k] = v
        d2 = _derive(s, cutoff)
        if frozen is not None and not (np.array_equal(d2[frozen[0]][0], frozen[1][0])
                                       and np.array_equal(d2[frozen[0]][1], frozen[1][1])):
            for k, v in old.items():
                s[var][k] = v
            continue
        touched = {e for e, deps_e in _DEPENDS.items() if var in deps_e}
        moved = {ev.group[k] for k in changes}  # a constraint of other arms keeps its value
        new_vals = list(values)
        new_d = dists.copy()
        cache: dict = {}
        for k, ck in enumerate(constraints):
            ep_k = spec.followup_endpoint if ck.quantity == "median_followup" else ck.endpoint
            if ep_k in touched and (not ck.arms or moved & set(ck.arms)):
                new_vals[k] = ev.value(ck, d2, cache)
                new_d[k] = _distance(ck, new_vals[k])
        new_loss = loss_of(new_d)
        temp = t0 * (1 - phase / cycle) ** 2
        if new_loss <= loss or rng.random() < math.exp(-(new_loss - loss) / max(temp, 1e-9)):
            values, dists, loss = new_vals, new_d, new_loss
            if loss < best[1]:
                best = ({k: v.copy() for k, v in s.items()}, loss)
        else:
            for k, v in old.items():
                s[var][k] = v
    return best[0], steps


def _finish_search(spec, s, group, cutoff, width, ev, constraints, rng, notes) -> None:
    """After a search that missed, the hazard ratios of one endpoint moved into their printed
    ranges by :func:`~survrepro.sources._fitted.finish_pairs` (moves that keep each arm's
    Kaplan–Meier curve), in place, when that meets every printed number."""
    derived = _derive(s, cutoff)
    cache: dict = {}
    if all(_distance(c, ev.value(c, derived, cache)) == 0 for c in constraints):
        return
    target = _endpoint_target(spec, group, cutoff, width, [])
    if target is None or not target.pairs:
        return
    times, events = derived[target.endpoint]
    ends = np.minimum(cutoff - s["a"], s["U"])  # the end of follow-up
    found = finish_pairs(target, group, times, events, ends, FINISH_ROUNDS)
    if not target.meets(*found):
        return
    trial = {k: v.copy() for k, v in s.items()}
    _write_compared(spec, trial, target, found, cutoff, width, copy.deepcopy(rng))
    derived, cache = _derive(trial, cutoff), {}
    if all(_distance(c, ev.value(c, derived, cache)) == 0 for c in constraints):
        for k, v in trial.items():
            s[k][:] = v
        notes.append(f"{target.endpoint}: the hazard ratios the search left outside their printed ranges were then met "
                     f"by at most {FINISH_ROUNDS} rounds of moves that keep each arm's Kaplan–Meier curve "
                     "(survrepro.sources._fitted.finish_pairs).")


# --------------------------------------------------------------------------- accrual window
def _entry_date(spec, a) -> _dt.date:
    return spec.accrual_start + _dt.timedelta(days=int(round(a / 100 * spec.days_per_unit)))


def _hundredths_of_day(spec, day: _dt.date) -> int:
    """Entry time (hundredths of the time unit after accrual start) whose date is ``day``."""
    days = (day - spec.accrual_start).days
    a = int(round(days / spec.days_per_unit * 100))
    while _entry_date(spec, a) > day:
        a -= 1
    while _entry_date(spec, a) < day:
        a += 1
    return a


def assumed_accrual(spec) -> tuple:
    """The accrual window assumed when a study gives no accrual dates, and the sentence saying so.

    Entry is assumed uniform over a window of ``W`` (in the spec's time unit) starting on 2000-01-01 (a nominal
    date: no calendar date is published). With the cut-off set by the median follow-up
    ``M`` (the reverse Kaplan-Meier median of uniform potential follow-up is about
    ``cutoff - W/2``), ``W = M`` makes the potential follow-up span ``M/2`` to ``3M/2``;
    ``W`` is widened to ``2(1.1 T - M)`` where ``T``, the latest printed median or median
    limit, would otherwise lie beyond the longest follow-up. Without a median follow-up
    ``W`` is twice the latest printed median (12 months when none is printed).
    In days, weeks or years the window is the same span in that unit.

    Parameters
    ----------
    spec : SynthesisSpec
        A specification without accrual dates.

    Returns
    -------
    tuple
        ``(accrual_start, accrual_end, note)``.

    Examples
    --------
    >>> import datetime as dt
    >>> spec = SynthesisSpec(study="example", groups=(Group("a", 20),), group_column="arm",
    ...     accrual_start=None, accrual_end=None,
    ...     constraints=(Constraint("m", "median", 9.5, 1, "pfs"),))
    >>> assumed_accrual(spec)[:2]
    (datetime.date(2000, 1, 1), datetime.date(2001, 8, 1))
    """
    start, u = _dt.date(2000, 1, 1), spec.time_unit
    fu = [c.value for c in spec.constraints if c.quantity == "median_followup"]
    times = [c.value for c in spec.constraints
             if c.quantity in ("median", "median_ci_low", "median_ci_high") and not c.not_reached]
    latest = max(times) if times else None
    if fu:
        m = float(fu[0])
        width = max(m, 2 * (1.1 * latest - m)) if latest is not None else m
        why = (f"a window of {spec.shown(width):.{1 + spec.time_scale}f} {u} (the published median follow-up "
               f"{spec.shown(m):g} {u}"
               + (", widened so that the latest printed median or limit lies within follow-up" if width > m else "")
               + "), so that potential follow-up spans about half to one and a half times the median follow-up")
    else:
        width = 2 * latest if latest is not None else spec.in_unit(12)
        why = (f"a window of {spec.shown(width):.{1 + spec.time_scale}f} {u} (twice the latest printed median)"
               if latest is not None
               else f"a window of {spec.said(12)} (nothing printed says more)")
    end = start + _dt.timedelta(days=int(round(width * spec.days_per_unit)))
    note = (f"ASSUMED accrual: the study gives no accrual dates, so entry is assumed uniform over {why}, "
            f"from the nominal date {start.isoformat()} to {end.isoformat()}; entry dates are therefore not "
            "calendar dates, and the cut-off " + ("follows from the median follow-up." if fu else
                                                  "is chosen as the note on it says (no median follow-up is printed)."))
    return start, end, note


def _anchor_accrual(spec, s, cutoff, notes) -> None:
    """Put one entry in the first and one in the last month of the accrual window.

    A published window such as "September 2018 through July 2022" says that patients
    entered in both months. Where the search left either month empty, the entry of one
    patient is moved into it, choosing a patient none of whose analysed times or events
    change (every endpoint ended by an event before the cut-off, before and after the
    move), so every other constraint keeps its value. Deterministic; noted when done.
    """
    first_month = (spec.accrual_start.year, spec.accrual_start.month)
    last_month = (spec.accrual_end.year, spec.accrual_end.month)
    days_to_last = (_dt.date(*last_month, 1) - spec.accrual_start).days
    targets = (
        ("first", first_month, int(round(spec.in_unit(0.5) * 100))),  # mid-month of the first month
        ("last", last_month, int(round((days_to_last + 14) / spec.days_per_unit * 100))),
    )
    period = (lambda d: (d.year, d.month))
    if spec.accrual_precision == "day":  # dates to the day: one entry on each of them
        targets = (("first", spec.accrual_start, 0),
                   ("last", spec.accrual_end, _hundredths_of_day(spec, spec.accrual_end)))
        period = (lambda d: d)
    before = _derive(s, cutoff)
    for which, month, a_new in targets:
        months = [period(_entry_date(spec, a)) for a in s["a"]]
        if month in months:
            continue
        unit = spec.accrual_precision
        label = month.isoformat() if unit == "day" else f"{month[0]}-{month[1]:02d}"
        order = np.argsort(s["a"], kind="stable")
        if which == "last":
            order = order[::-1]
        for i in order:
            old = s["a"][i]
            s["a"][i] = a_new
            after = _derive(s, cutoff)
            if all(np.array_equal(before[k][0][i], after[k][0][i]) and np.array_equal(before[k][1][i], after[k][1][i])
                   if isinstance(before[k], tuple) else before[k][i] == after[k][i] for k in before):
                notes.append(
                    f"Accrual: no entry fell in the {which} {unit} of the published window "
                    f"({label}); the entry of one patient whose every endpoint ended by an "
                    f"event before the cut-off was moved there ({_entry_date(spec, old)} to "
                    f"{_entry_date(spec, a_new)}), which changes none of the analysed times."
                )
                break
            s["a"][i] = old
        else:
            notes.append(
                f"Accrual: no entry fell in the {which} {unit} of the published window "
                f"({label}), and no patient could be moved there without changing an analysed time."
            )


# --------------------------------------------------------------------------- main entry
def _frame(spec, s, group, cutoff) -> pd.DataFrame:
    d = _derive(s, cutoff)
    n = group.size
    width = len(str(n))
    entry = [_entry_date(spec, a).isoformat() for a in s["a"]]
    cols = {
        "patient": [f"SYN{i + 1:0{max(3, width)}d}" for i in range(n)],
        spec.group_column: group,
        spec.entry_column: entry,
    }
    for ep in spec.endpoints:
        tcol, ecol = spec.column(ep)
        cols[tcol] = np.round(d[ep][0] / 100.0, 2)
        cols[ecol] = d[ep][1]
        if ep == "ttnt":
            cols["death"] = d["death"]
        if ep == "pfs":
            cols["progression"] = d["progression"]
    if "os" not in spec.endpoints:
        cols["followup_time"] = np.round(d["os"][0] / 100.0, 2)
        cols["died"] = d["os"][1]
    return pd.DataFrame(cols)


def _state_from_frame(spec, df):
    """Derived endpoints read back from an output frame (hundredths), for evaluation."""
    d = {}
    for ep in spec.endpoints:
        tcol, ecol = spec.column(ep)
        d[ep] = (np.round(df[tcol].to_numpy(float) * 100).astype(np.int64), df[ecol].to_numpy(int))
    if "os" not in spec.endpoints:
        d["os"] = (np.round(df["followup_time"].to_numpy(float) * 100).astype(np.int64), df["died"].to_numpy(int))
    d["death"] = df["death"].to_numpy(int) if "death" in df else np.zeros(len(df), dtype=int)
    return d


def evaluate(data: pd.DataFrame, spec: SynthesisSpec) -> tuple:
    """Every constraint of ``spec`` computed from ``data`` with the project's engine.

    ``data`` is a frame as :func:`synthesize` writes it (read back from CSV, say).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per patient, with the group column and the ``(time, event)`` columns of
        every endpoint (:meth:`SynthesisSpec.column`).
    spec : SynthesisSpec
        The constraints to compute.

    Returns
    -------
    tuple of ConstraintResult
        One per constraint, in the order of ``spec.constraints``.

    Raises
    ------
    InputError
        When a constraint needs an endpoint the specification does not output.

    Examples
    --------
    >>> import datetime as dt
    >>> spec = SynthesisSpec(
    ...     study="example", groups=(Group("a", 20),), group_column="arm",
    ...     accrual_start=dt.date(2020, 1, 1), accrual_end=dt.date(2021, 1, 1),
    ...     cutoff=dt.date(2023, 1, 1),
    ...     constraints=(Constraint("m", "median", 9.5, 1, "pfs"),))
    >>> res = synthesize(spec, seed=1)
    >>> round(evaluate(res.data, spec)[0].achieved, 3)
    9.505
    """
    scale = 0 if spec.time_scale else grid_scale(spec)
    if scale:  # on the grid the data were searched on (their times to 2 + scale decimals)
        inner = evaluate(_times_scaled(data, spec, 10.0**scale, 2), _scaled(spec, scale))
        return tuple(dataclasses.replace(r, target=float(c.value), decimals=c.decimals,
                                         achieved=r.achieved / 10**scale if c.quantity in _TIMES
                                         and r.achieved is not None else r.achieved, settings=_settings_text(c))
                     for r, c in zip(inner, spec.constraints))
    group = data[spec.group_column].astype(str).to_numpy()
    ev = _Evaluator(spec, group, engine=True)
    d = _state_from_frame(spec, data)
    out = []
    cache: dict = {}
    for c in spec.constraints:
        needed = spec.followup_endpoint if c.quantity == "median_followup" else c.endpoint
        if needed not in d:
            raise InputError(f"constraint {c.id!r} needs endpoint {needed!r}, which the spec does not output.")
        v = ev.value(c, d, cache)
        v = None if v is None else float(v)
        out.append(ConstraintResult(
            id=c.id, quantity=c.quantity, endpoint=c.endpoint, arms=c.arms, target=float(c.value),
            decimals=c.decimals, achieved=v, matched=_distance(c, v) == 0, settings=_settings_text(c),
        ))
    return tuple(out)


#: Work the search may do, in patient-steps: the step cap of a study of ``n`` patients is at
#: most ``PATIENT_STEPS // n`` (20,000 steps up to 30 patients) and at least :data:`MIN_STEPS`
#: (from 400 patients on).
PATIENT_STEPS = 600_000
#: The least step cap when none is given, however many patients.
MIN_STEPS = 1_500
#: Step cap of the search when none is given and the study is small enough.
DEFAULT_STEPS = 20_000
#: Step cap (when none is given) of the constructive build of a compared endpoint, and of the
#: search from fitted data that miss some printed number.
NEAR_STEPS = 5_000
#: Rounds of :func:`~survrepro.sources._fitted.finish_pairs` after a construction of one endpoint
#: that misses a printed number.
FINISH_ROUNDS = 60
#: Without a given cap, the compared build spends one in this many of its steps annealing from
#: the fitted start (which starts near every printed number) rather than one in 8.
AUTO_FITTED_SHARE = 2


def synthesize(spec: SynthesisSpec, *, seed: int = 0, max_iter: int | None = None) -> SynthesisResult:
    """Build SYNTHETIC patient-level data that reproduce every constraint of ``spec``.

    Parameters
    ----------
    spec : SynthesisSpec
    seed : int
        Seed of the construction and of the search; the same seed gives the same data.
    max_iter : int, optional
        Cap on search steps; the search always stops there and reports what it could not meet.
        By default 20,000, lowered to :data:`PATIENT_STEPS` ``// n`` (at least :data:`MIN_STEPS`) for a
        study of ``n`` patients where that is lower (each step recomputes the fits of every
        patient), and the notes say so: a bound on the time the search may take. A cap given
        is used as it is.

    Returns
    -------
    SynthesisResult
        ``converged`` is False when any constraint is unmet (``unmet`` lists them), and the
        notes say why where the conflict can be shown.

    Examples
    --------
    >>> import datetime as dt
    >>> spec = SynthesisSpec(
    ...     study="example", groups=(Group("a", 20),), group_column="arm",
    ...     accrual_start=dt.date(2020, 1, 1), accrual_end=dt.date(2021, 1, 1),
    ...     cutoff=dt.date(2023, 1, 1),
    ...     constraints=(Constraint("m", "median", 9.5, 1, "pfs"),))
    >>> res = synthesize(spec, seed=1)
    >>> res.converged, res.constraints[0].achieved is not None
    (True, True)
    """
    if max_iter is not None and (not isinstance(max_iter, (int, np.integer)) or max_iter < 0):
        raise InputError(f"max_iter must be a whole number >= 0 or None; got {max_iter!r}.")
    scale = 0 if spec.time_scale else grid_scale(spec)
    df, notes, steps, max_iter, cut_date = _synthesize(_scaled(spec, scale) if scale else spec, seed, max_iter)
    if scale:
        df = _times_scaled(df, spec, 10.0**-scale, 2 + scale)
    results = evaluate(df, spec)
    converged = all(r.matched for r in results)
    if not converged:
        notes.append(
            f"The search stopped after {steps} of {max_iter} steps without meeting: "
            + "; ".join(f"{r.id} (target {r.printed}, achieved {'none' if r.achieved is None else f'{r.achieved:g}'})"
                        for r in results if not r.matched)
            + "."
        )
    return SynthesisResult(
        data=df, constraints=results, converged=converged, seed=int(seed), steps=int(steps),
        max_iter=int(max_iter), cutoff=cut_date, notes=tuple(notes), study=spec.study,
    )


def _synthesize(spec: SynthesisSpec, seed: int, max_iter: int | None):
    """The data of :func:`synthesize` on its grid: ``(frame, notes, steps, step cap, cut-off date)``."""
    rng = np.random.default_rng(seed)
    notes = [f"SYNTHETIC data for {spec.study}: patient-level data made to match published summaries; not real patients."]
    auto = max_iter is None
    if auto:
        max_iter = min(DEFAULT_STEPS, max(MIN_STEPS, PATIENT_STEPS // spec.n))
        if max_iter < DEFAULT_STEPS:
            why = (f"at most {PATIENT_STEPS:,} patient-steps" if PATIENT_STEPS // spec.n >= MIN_STEPS
                   else f"the least cap; {PATIENT_STEPS:,} patient-steps would allow fewer")
            notes.append(f"Step cap: {max_iter} search steps for {spec.n} patients ({why}, instead of "
                         f"{DEFAULT_STEPS:,} steps), so that the search ends in bounded time.")
    anchor = True
    if spec.accrual_start is None:
        start, end, note = assumed_accrual(spec)
        spec = dataclasses.replace(spec, accrual_start=start, accrual_end=end)
        notes.append(note)
        anchor = False  # no published window to hold entries to
    group = np.concatenate([np.full(g.n, g.id, dtype=object) for g in spec.groups]).astype(str)
    constraints = tuple(spec.constraints)
    conflicts = landmark_conflicts(constraints, {})
    notes.extend(f"Conflict: {m}" for m in conflicts)
    s, width = _construct(spec, rng, group, notes)
    fast = _Evaluator(spec, group, engine=False)
    cutoff = _choose_cutoff(spec, s, width, fast, notes)
    # by default the constructive build of a comparison has at most NEAR_STEPS of the steps
    built = None
    if {c.endpoint for c in constraints if c.quantity != "median_followup"} == {"os", "pfs"}:
        built = _build_os_and_pfs(spec, s, group, cutoff, width, rng, notes,
                                  int(min(max_iter, NEAR_STEPS) if auto else max_iter),
                                  fitted_share=AUTO_FITTED_SHARE if auto else 8)
    if built is None:
        built = _build_compared_endpoint(spec, s, group, cutoff, width, rng, notes,
                                         int(min(max_iter, NEAR_STEPS) if auto else max_iter),
                                         fitted_share=AUTO_FITTED_SHARE if auto else 8)
    if built is None and _compared_target(spec, group, cutoff, width, []) is None:
        # (a two-arm comparison the construction above tried is not tried again)
        built = _build_one_endpoint(spec, s, group, cutoff, width, rng, notes, int(max_iter),
                                    max(1, int(min(max_iter, NEAR_STEPS)) // AUTO_FITTED_SHARE) if auto else None)
    if built is None:
        _thin_events(spec, s, group, cutoff, rng, notes)
        frozen = None
    else:  # held fixed when it meets every number it was built for; a start otherwise
        frozen = built if built[1] is not None else None
        if frozen is None and auto and max_iter > NEAR_STEPS:
            max_iter = NEAR_STEPS
            notes.append(f"Step cap: {NEAR_STEPS} search steps from the fitted data, which start near every printed "
                         "number.")
    s, steps = _search(spec, s, cutoff, width, fast, constraints, rng, int(max_iter), frozen=frozen)
    if frozen is None:
        _finish_search(spec, s, group, cutoff, width, fast, constraints, rng, notes)
    if anchor:
        _anchor_accrual(spec, s, cutoff, notes)
    # entry order by date: sort patients within the frame by group then entry (stable, deterministic)
    df = _frame(spec, s, group, cutoff)
    cut_date = spec.accrual_start + _dt.timedelta(days=int(round(cutoff / 100 * spec.days_per_unit)))
    d = _state_from_frame(spec, df)
    for ep in spec.endpoints:
        notes.append(f"{ep}: {int(d[ep][1].sum())} events among {len(df)} patients (chosen by the search).")
    notes.append(f"Loss to follow-up before the cut-off: {int((s['U'] < _NEVER).sum())} patients (chosen by the search).")
    return df, notes, steps, max_iter, cut_date


#: Quantities whose printed value is a time.
_TIMES = ("median", "median_ci_low", "median_ci_high", "median_followup", "rmst")
#: Priors that are times (medians of the construction step).
_TIME_PRIORS = ("pfs", "post_progression_survival", "next_therapy_gap", "new_lesion_gap")


def grid_scale(spec: SynthesisSpec) -> int:
    """How many decimals finer than hundredths of the unit :func:`synthesize` searches on.

    The search moves times on a grid of hundredths. A time printed to ``k`` decimals needs a
    grid ten times finer than its last digit (as hundredths of a month are for medians
    printed to one decimal), and a year is too long a unit for hundredths to separate the
    times of a few hundred patients: the grid is ``10 ** -(2 + s)`` of the unit, ``s`` the
    larger of ``k - 1`` and the power of ten nearest the unit's length in months.

    Parameters
    ----------
    spec : SynthesisSpec

    Returns
    -------
    int
        ``s``: 0 for medians printed to one decimal of a month, a day or a week.

    Examples
    --------
    >>> cons = (Constraint("m", "median", 1.17, 2, "os"),)
    >>> spec = SynthesisSpec(study="example", groups=(Group("a", 20),), group_column="arm",
    ...     accrual_start=None, accrual_end=None, constraints=cons, time_unit="years")
    >>> grid_scale(spec), grid_scale(dataclasses.replace(spec, time_unit="months"))
    (1, 1)
    >>> grid_scale(dataclasses.replace(spec, constraints=(Constraint("m", "median", 14.0, 1, "os"),),
    ...                                time_unit="months"))
    0
    """
    printed = max((c.decimals for c in spec.constraints if c.quantity in _TIMES and not c.not_reached), default=1)
    long_unit = round(math.log10(DAYS_PER[spec.time_unit] / DAYS_PER["months"]))
    return max(0, printed - 1, long_unit)


def _scaled(spec: SynthesisSpec, scale: int) -> SynthesisSpec:
    """``spec`` with every time ``10 ** scale`` times longer (printed to ``scale`` fewer decimals)."""
    f = 10**scale

    def times(c):
        landmark = None if c.landmark is None else c.landmark * f
        if c.quantity not in _TIMES or c.not_reached:
            return dataclasses.replace(c, landmark=landmark)
        return dataclasses.replace(c, value=round_half_away(c.value * f, c.decimals - scale),
                                   decimals=c.decimals - scale, landmark=landmark)
    priors = {k: v * f if k in _TIME_PRIORS else v for k, v in spec.priors.items()}
    return dataclasses.replace(spec, constraints=tuple(times(c) for c in spec.constraints), priors=priors,
                               time_scale=scale)


def _times_scaled(df: pd.DataFrame, spec: SynthesisSpec, factor: float, decimals: int) -> pd.DataFrame:
    """``df`` with the time columns of ``spec`` times ``factor``, rounded to ``decimals``."""
    out = df.copy()
    columns = [spec.column(ep)[0] for ep in spec.endpoints] + (["followup_time"] if "os" not in spec.endpoints else [])
    for col in columns:
        out[col] = np.round(out[col].to_numpy(float) * factor, decimals)
    return out


#: What the event of each model endpoint is, for the column descriptions of a source note.
_EVENT_OF = {"pfs": "progression or death", "os": "death", "ttnt": "the next systemic therapy or death",
             "new_lesion": "a new lesion"}


def by_products(spec: SynthesisSpec) -> str:
    """What of the data :func:`synthesize` writes for ``spec`` no printed number constrains.

    An endpoint the synthetic data hold but no constraint of ``spec`` names (overall
    survival beside a register that prints only its ``dfs``, say) follows from the patient
    model's starting assumptions alone; so does whether a ``pfs`` event was a progression
    or a death unless both ``pfs`` and ``os`` are constrained.

    Parameters
    ----------
    spec : SynthesisSpec

    Returns
    -------
    str
        One paragraph naming those columns, for the source note's "Not constrained by any
        source"; empty when every column is constrained.

    Examples
    --------
    >>> import datetime as dt
    >>> spec = SynthesisSpec(study="example", groups=(Group("a", 20),), group_column="arm",
    ...                      accrual_start=dt.date(2020, 1, 1), accrual_end=dt.date(2021, 1, 1),
    ...                      constraints=(Constraint("m", "median", 9.5, 1, "pfs"),), endpoints=("pfs", "os"))
    >>> print(by_products(spec))
    The columns `progression`, `os_time`, `os_event` are constrained by no printed number of the study: they follow from the patient model's starting assumptions (the construction note below says which) and the search, and are not data of the study.
    """
    return _by_product_text(_by_product_columns(spec))


def _by_product_columns(spec: SynthesisSpec) -> list:
    constrained = {c.endpoint for c in spec.constraints}
    out = []
    for ep in spec.endpoints:
        if ep not in constrained:
            out += list(spec.column(ep))
        if ep == "pfs" and not {"pfs", "os"} <= constrained:
            out.append("progression")
        if ep == "ttnt" and not {"ttnt", "os"} <= constrained:
            out.append("death")
    if "os" not in spec.endpoints and "os" not in constrained:
        out += ["followup_time", "died"]
    return out


def _by_product_text(columns: list) -> str:
    if not columns:
        return ""
    return (f"The column{'s' if len(columns) > 1 else ''} {', '.join(f'`{c}`' for c in columns)} "
            f"{'are' if len(columns) > 1 else 'is'} constrained by no printed number of the study: they follow "
            "from the patient model's starting assumptions (the construction note below says which) and the "
            "search, and are not data of the study.")


def column_descriptions(spec: SynthesisSpec, names: dict | None = None) -> dict:
    """``{column: description}`` of every column :func:`synthesize` writes for ``spec``.

    A column no printed number constrains (:func:`by_products`) says so.

    Parameters
    ----------
    spec : SynthesisSpec
    names : dict, optional
        ``{model endpoint: the register's name}`` (``{"pfs": "dfs"}``), said beside its columns.

    Returns
    -------
    dict

    Examples
    --------
    >>> import datetime as dt
    >>> spec = SynthesisSpec(study="example", groups=(Group("a", 20),), group_column="arm",
    ...                      accrual_start=dt.date(2020, 1, 1), accrual_end=dt.date(2021, 1, 1),
    ...                      constraints=(Constraint("m", "median", 9.5, 1, "os"),), endpoints=("os",))
    >>> column_descriptions(spec)["os_event"]
    '1 = death, 0 = censored'
    """
    names = names or {}
    out = {"patient": "synthetic patient id (SYNTHETIC, not a patient)",
           spec.group_column: f"arm or group (register ids: {', '.join(g.id for g in spec.groups)})",
           spec.entry_column: "date of entry (time zero)"}
    for ep in spec.endpoints:
        tcol, ecol = spec.column(ep)
        name = names.get(ep, ep)
        if name == ep:
            out[tcol] = f"{spec.time_unit} from entry to {_EVENT_OF[ep]}, or to censoring"
            out[ecol] = f"1 = {_EVENT_OF[ep]}, 0 = censored"
        else:
            out[tcol] = (f"{spec.time_unit} from entry to the register's {name} event (modelled as {_EVENT_OF[ep]}), "
                         "or to censoring")
            out[ecol] = f"1 = the {name} event, 0 = censored"
        if ep == "ttnt":
            out["death"] = "1 when the therapy ended by death"
        if ep == "pfs":
            out["progression"] = ("1 when the event was a progression" if name == ep
                                  else f"1 when the {name} event was not a death")
    if "os" not in spec.endpoints:
        out["followup_time"] = f"{spec.time_unit} from entry to death or last follow-up"
        out["died"] = "1 = died, 0 = alive at last follow-up"
    for column in _by_product_columns(spec):
        out[column] += " (constrained by no printed number: a by-product of the patient model)"
    return out


def notes_text(result: SynthesisResult, spec: SynthesisSpec, *, columns: dict, unconstrained: str = "",
               names: dict | None = None) -> str:
    """A Markdown source note for a SYNTHETIC data file: what it is, its columns, what was
    calibrated to what, what no source constrains, and every assumption made.

    Parameters
    ----------
    result : SynthesisResult
        As returned by :func:`synthesize`.
    spec : SynthesisSpec
        The specification it was built from.
    columns : dict
        ``{column: description}`` for every column of the data file.
    unconstrained : str
        What no published number constrains, in words; the section is left out when empty.
    names : dict, optional
        ``{model endpoint: register endpoint}`` for an endpoint modelled in another's place
        (``{"pfs": "dfs"}``): the table names the register's endpoint.

    Returns
    -------
    str
        Markdown text ending with a newline.

    Examples
    --------
    >>> import datetime as dt
    >>> spec = SynthesisSpec(
    ...     study="example", groups=(Group("a", 20),), group_column="arm",
    ...     accrual_start=dt.date(2020, 1, 1), accrual_end=dt.date(2021, 1, 1),
    ...     cutoff=dt.date(2023, 1, 1),
    ...     constraints=(Constraint("m", "median", 9.5, 1, "pfs"),))
    >>> res = synthesize(spec, seed=1)
    >>> note = notes_text(res, spec, columns={"pfs_time": "months to progression or death"})
    >>> print(note.splitlines()[0])
    # SYNTHETIC patient-level data: example
    >>> print([line for line in note.splitlines() if line.startswith("| m ")][0])
    | m | median | pfs | all | 9.5 | 9.505 | yes | Kaplan-Meier median (R rule) |
    """
    lines = [
        f"# SYNTHETIC patient-level data: {spec.study}",
        "",
        "These are NOT patient data. They are synthetic data built by `survrepro.sources.synthesize` to",
        "reproduce the study's published `calibrate` targets at their printed precision; `check`",
        "targets were not read when building them.",
        "",
        f"- seed: {result.seed}; search steps: {result.steps} of at most {result.max_iter}",
        f"- converged: {'yes' if result.converged else 'NO'}",
        f"- data cut-off used: {result.cutoff.isoformat()}",
        f"- patients: {len(result.data)}",
        "",
        "## Columns",
        "",
    ]
    lines += [f"- `{k}`: {v}" for k, v in columns.items()]
    lines += ["", "## Calibrated to (achieved values recomputed from the file by the engine)", "",
              "| target | quantity | endpoint | arms | published | achieved | matches | settings |",
              "|---|---|---|---|---|---|---|---|"]
    for c in result.constraints:
        ach = ("not reached" if c.quantity.startswith("median") else "none") if c.achieved is None else (f"{c.achieved:.0f}" if c.quantity in ("evaluable", "remaining") else f"{c.achieved:.4g}")
        lines.append(f"| {c.id} | {c.quantity} | {(names or {}).get(c.endpoint, c.endpoint)} | {','.join(c.arms) or 'all'} | "
                     f"{c.printed} | {ach} | {'yes' if c.matched else 'NO'} | {c.settings} |")
    if unconstrained:
        lines += ["", "## Not constrained by any source", "", unconstrained]
    lines += ["", "## Assumptions and notes", ""] + [f"- {n}" for n in result.notes]
    return "\n".join(lines) + "\n"
