"""The quantities a register target may state: one :class:`Quantity` object each.

A quantity (``median``, ``hr``, ``proportion``, ``survival_at``, ...) is everything the
package knows about one kind of published number, in one place:

* what a target of it must and may say: the fields it requires and allows, how many
  arms it takes, whether its value is a number, a whole count or a date, the range of
  that value and whether it is printed as a fraction or a percentage (read by
  :mod:`survrepro.register.schema` when a register is loaded);
* how it is computed from patient data (its ``evaluate`` function, called by
  :mod:`survrepro.register.evaluate` with a :class:`~survrepro.register._context.Context`);
* which consistency checks of :mod:`survrepro.register.audit` read it, and in what role
  (its ``audit`` table; the checks are listed in :data:`survrepro.register.audit.READINGS`);
* how a ``calibrate`` target of it constrains synthetic data (its ``constraint``
  function, called by :func:`survrepro.register.synthesis.spec_from_register`).

:data:`QUANTITIES` holds them by name, in the order the register schema lists them.
Adding a quantity is adding one entry to ``_ENTRIES`` below (and its row to the table
of quantities in ``data/published/README.md``).

Examples
--------
>>> QUANTITIES["hr_ci_low"].statistic, QUANTITIES["hr_ci_low"].part, QUANTITIES["hr_ci_low"].arms
('hr', 'low', 'pair')
>>> QUANTITIES["proportion"].required
('numerator', 'denominator', 'scale')
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from survrepro._validation import InputError
from survrepro.engine.contingency import TEST_NAMES as TABLE_TESTS
from survrepro.engine.extrapolate import DISTRIBUTIONS as PARAMETRIC_MODELS
from survrepro.engine.extrapolate import extrapolate
from survrepro.engine.km import median_followup
from survrepro.engine.logrank import logrank_test
from survrepro.engine.rmst import rmst
from survrepro.register._context import (
    LANDMARK_NAME,
    NO_DATA,
    Computed,
    NotAttempted,
    conf_level,
    cox,
    is_landmark_endpoint,
    km,
    landmark_proportion,
    scaled,
    setting,
    stratification,
    two_arms,
)
from survrepro.register.matching import matches
from survrepro.timeunits import DAYS_PER, unit_name

__all__ = [
    "KINDS",
    "ARMS_RULES",
    "RANGES",
    "PARTS",
    "DESIGN_REASON",
    "DAYS_PER_MONTH",
    "Quantity",
    "Calibration",
    "QUANTITIES",
    "EXTRAPOLATION_MODELS",
]

#: What a value is: a number, a whole count (printed with 0 decimals) or a date (``YYYY-MM[-DD]``).
KINDS = ("number", "integer", "date")
#: How many arms a target names: ``single`` (none or one), ``pair`` (exactly two), ``any``.
ARMS_RULES = ("single", "pair", "any")
#: The values a quantity takes (a value with a ``scale`` is a fraction or a percentage instead).
RANGES = ("nonnegative", "ratio", "p_value")
#: What of its statistic a quantity is: the estimate or a confidence limit.
PARTS = ("estimate", "low", "high")
#: Reason given for design statements (power, alpha, planned medians): not data.
DESIGN_REASON = "design assumption: see the design section"
#: Days per month used to turn follow-up months into calendar dates.
DAYS_PER_MONTH = DAYS_PER["months"]
#: Tests of a survival comparison, in the order they are reported.
SURVIVAL_TESTS = ("logrank", "wald", "likelihood_ratio", "score")


# --------------------------------------------------------------------------- the objects
@dataclass(frozen=True)
class Calibration:
    """What a ``calibrate`` target asks of synthetic data: one synthesizer constraint.

    Attributes
    ----------
    quantity : str
        The constraint's quantity (one of
        :data:`survrepro.sources.synthesize.CONSTRAINT_QUANTITIES`).
    endpoint : str
        The register endpoint it constrains; ``endpoint_map`` of
        :func:`~survrepro.register.synthesis.spec_from_register` maps it to a model endpoint.
    fallback : str or None
        The model endpoint when ``endpoint_map`` does not name it (None: the same name).
    settings : tuple of (name, value)
        Further fields of the constraint (``conf_type``, ``ties``, ``comparator``).
    landmark : float or None
        The landmark time of a count at a landmark (the synthesizer's landmark rule applies).
    value : float or None
        The value the constraint takes when it is not the target's own (a proportion's
        numerator or denominator).
    part : str
        Which of several constraints of one target this is (``"numerator"``); the
        constraint's id is then ``<target id>.<part>``. Empty for a target's only constraint.
    """

    quantity: str
    endpoint: str
    fallback: str | None = None
    settings: tuple = ()
    landmark: float | None = None
    value: float | None = None
    part: str = ""


@dataclass(frozen=True, eq=False)
class Quantity:
    """Everything about one quantity a register target may state.

    Attributes
    ----------
    name : str
        As written in a register (``quantity = "median"``).
    statistic : str
        What is estimated; an estimate and its confidence limits share it
        (``median``, ``median_ci_low`` and ``median_ci_high`` are all ``"median"``).
    evaluate : callable or None
        ``evaluate(context, target) -> Computed``: the number recomputed from patient data
        (see :mod:`survrepro.register._context`); it raises ``NotAttempted`` with the
        reason when the data cannot give it. None: no rule to compute it.
    part : str
        ``"estimate"``, or ``"low"`` / ``"high"`` for a confidence limit.
    kind : str
        ``"number"``, ``"integer"`` (a whole count: decimals 0, matched exactly) or ``"date"``.
    arms : str
        ``"single"`` (the whole study or one arm), ``"pair"`` (a comparison of two arms,
        experimental first) or ``"any"``.
    required, allowed : tuple of str
        Quantity-specific target fields (``numerator``, ``denominator``, ``scale``,
        ``comparator``, ``time``, ``count_of``) it needs and may have.
    range : str
        ``"nonnegative"`` (>= 0), ``"ratio"`` (> 0) or ``"p_value"`` (in [0, 1]); a value
        with a ``scale`` lies in [0, 1] as a fraction or [0, 100] as a percentage.
    arm_size : bool
        The number of patients of an arm (or of the study): attached to the arm by the
        loader, and the size the audit holds counts and events against.
    patient_count : bool
        A whole number of patients that a proportion's numerator or denominator may name.
    audit : mapping of str to str
        ``{reading: role}``: the audit readings (:data:`survrepro.register.audit.READINGS`)
        that take targets of this quantity, and the role each plays there.
    constraint : callable or None
        ``constraint(target) -> Calibration, tuple of Calibration, or None``: how a
        ``calibrate`` target constrains synthetic data (a proportion at a landmark is two
        counts). None: it does not (it is structural, like arm sizes and dates, or not
        modelled).
    may_be_unreached : bool
        A paper may print it as not reached (``NR``): a Kaplan–Meier median or a limit of
        its interval whose curve never falls to one half. The register writes
        ``value = "NR"``; the loader keeps it as ``math.inf``.
    """

    name: str
    statistic: str
    evaluate: Callable | None
    part: str = "estimate"
    kind: str = "number"
    arms: str = "single"
    required: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    range: str = "nonnegative"
    arm_size: bool = False
    patient_count: bool = False
    audit: Mapping[str, str] = field(default_factory=dict)
    constraint: Callable | None = None
    may_be_unreached: bool = False

    def __post_init__(self):
        for what, value, choices in (("part", self.part, PARTS), ("kind", self.kind, KINDS),
                                     ("arms", self.arms, ARMS_RULES), ("range", self.range, RANGES)):
            if value not in choices:  # pragma: no cover - programming error
                raise ValueError(f"quantity {self.name!r}: {what} must be one of {choices}; got {value!r}")
        object.__setattr__(self, "audit", MappingProxyType(dict(self.audit)))

    @property
    def fields(self) -> tuple[str, ...]:
        """Every quantity-specific field a target of it may have."""
        return self.required + self.allowed

    @property
    def bound(self) -> bool:
        """Printed as a bound (``P > .05``): it matches when the bound holds and takes no tolerance."""
        return "comparator" in self.required

    @property
    def default_scale(self) -> str | None:
        """The scale of a value whose target does not state one (``fraction`` when ``scale`` is optional)."""
        return "fraction" if "scale" in self.allowed else None

    def arms_error(self, arms: tuple[str, ...]) -> str | None:
        """Why ``arms`` do not suit the quantity, or None.

        Parameters
        ----------
        arms : tuple of str
            The arms of a target (``()`` for the whole study).

        Returns
        -------
        str or None
            One sentence saying what was expected, or None when ``arms`` suit.

        Examples
        --------
        >>> QUANTITIES["hr"].arms_error(("experimental", "reference")) is None
        True
        >>> QUANTITIES["hr"].arms_error(("experimental",))
        "quantity 'hr' compares two arms; expected arms = [experimental, reference]."
        """
        if self.arms == "pair" and len(arms) != 2:
            return f"quantity {self.name!r} compares two arms; expected arms = [experimental, reference]."
        if self.arms == "single" and len(arms) > 1:
            return f"quantity {self.name!r} describes one arm or the whole study; expected 'arm' or none."
        return None

    def in_range(self, value: float, scale: str | None) -> tuple[bool, str]:
        """Whether ``value`` is a possible value, and the range in words.

        Parameters
        ----------
        value : float
            The published value.
        scale : {"fraction", "percent"} or None
            The scale of a proportion, None for other quantities.

        Returns
        -------
        ok : bool
        range : str
            The possible values, in words (for an error message).

        Examples
        --------
        >>> QUANTITIES["hr"].in_range(0.7, None)
        (True, 'a ratio > 0')
        >>> QUANTITIES["proportion"].in_range(120, "percent")
        (False, 'a percent in [0, 100]')
        """
        if self.range == "p_value":
            return 0.0 <= value <= 1.0, "a p-value in [0, 1]"
        if scale is not None:
            top = 100.0 if scale == "percent" else 1.0
            return 0.0 <= value <= top, f"a {scale} in [0, {top:g}]"
        if self.range == "ratio":
            return value > 0, "a ratio > 0"
        return value >= 0, "a number >= 0"

    def pick(self, estimate, low, high):
        """The one of an estimate and its confidence limits this quantity is.

        Parameters
        ----------
        estimate, low, high
            An estimate and its confidence limits.

        Returns
        -------
        object
            ``estimate``, ``low`` or ``high``, as the quantity's ``part`` says.

        Examples
        --------
        >>> QUANTITIES["median_ci_low"].pick(6.9, 4.1, 9.8)
        4.1
        """
        return {"estimate": estimate, "low": low, "high": high}[self.part]

    def __repr__(self) -> str:
        return f"Quantity({self.name}: {self.statistic} {self.part}, {self.kind}, arms {self.arms})"


def _quantity_of(t):
    return QUANTITIES[t.quantity]


# --------------------------------------------------------------------------- counts
def _need_ipd(data, t):
    """Refuse a target that needs the patient-level file when the only data are digitized curves."""
    if data.ipd is None:
        raise NotAttempted(
            f"endpoint {t.endpoint!r} has no patient-level data: the register's only data are digitized curves "
            f"of {', '.join(sorted(data.endpoints))}, evaluated on their reconstruction"
        )


def _evaluate_n(ctx, t):
    data = ctx.data
    if data is None:
        raise NotAttempted(NO_DATA)
    ep = data.endpoints.get(t.endpoint)
    if ep is not None:
        frame, source = ep.frame, ep.source
    else:
        _need_ipd(data, t)
        frame = pd.DataFrame({"arm": data.ipd[ctx.register.analysis.arm_column]})
        source = data.source
    return Computed(int(len(ctx.subset(frame, t.arms))), source)


def _evaluate_count(ctx, t):
    if t.count_of in ("evaluable", "on_same_therapy", "remaining"):
        res, source, settings = landmark_proportion(ctx, t, t.arms)
        o = res.overall
        value = o.denominator if t.count_of == "evaluable" else o.numerator
        details = [("remaining/evaluable", f"{o.numerator}/{o.denominator}"),
                   ("not evaluable", o.n_not_evaluable)]
        return Computed(int(value), source, settings, details)
    if t.count_of == "events":
        ep = ctx.endpoint(t)
        sub = ctx.subset(ep.frame, t.arms)
        return Computed(int(sub["event"].sum()), ep.source)
    raise NotAttempted(f"no rule to count {t.count_of!r} from patient data (known: evaluable, on_same_therapy, events)")


def _landmark_of(t, what: str) -> tuple[str, float]:
    """The base endpoint and landmark time of a target counted at a landmark
    (``on_therapy_6m``: ``("on_therapy", 6.0)``)."""
    m = LANDMARK_NAME.match(t.endpoint)
    if not m:
        raise InputError(
            f"target {t.id!r}: a landmark {what} needs an endpoint named "
            f"<name>_<L><u> (L in the register's time unit, u its initial: on_therapy_6m, say); got {t.endpoint!r}."
        )
    return m.group("base"), float(m.group("t").replace("p", "."))


def _count_constraint(t):
    if t.count_of == "events":
        return Calibration("events", t.endpoint)
    if t.count_of not in ("evaluable", "on_same_therapy"):
        return None
    base, at = _landmark_of(t, "count")
    return Calibration("evaluable" if t.count_of == "evaluable" else "remaining", base, landmark=at)


def _proportion_constraint(t):
    """A proportion at a landmark is its two printed counts: the patients remaining (the
    numerator) and the patients evaluable (the denominator). Its confidence limits follow
    from those counts. A proportion of another endpoint (a response rate) is not modelled."""
    if not LANDMARK_NAME.match(t.endpoint):
        return None
    base, at = _landmark_of(t, "proportion")
    return (Calibration("remaining", base, landmark=at, value=float(t.numerator), part="numerator"),
            Calibration("evaluable", base, landmark=at, value=float(t.denominator), part="denominator"))


# --------------------------------------------------------------------------- Kaplan-Meier median
_MEDIAN_MISSING = {
    "estimate": "the median is not reached in the data",
    "low": "the lower confidence limit of the median is not reached in the data",
    "high": "the upper confidence limit of the median is not reached in the data (NA in R)",
}


def _evaluate_median(ctx, t):
    part = _quantity_of(t).part
    ct, ct_assumed = setting(t, "ci_transform", "log", ("log", "log-log", "plain"))
    cl, cl_assumed = conf_level(t)
    fit, source = km(ctx, t, t.arms, ct, cl)
    q = fit.quantile(0.5)
    settings = [("estimator", "kaplan_meier", setting(t, "estimator", "kaplan_meier")[1]),
                ("median_rule", "R quantile.survfit (midpoint of a flat stretch)", False)]
    if part != "estimate":
        settings += [("ci_transform", ct, ct_assumed), ("confidence_level", cl, cl_assumed)]
    value = _quantity_of(t).pick(q.estimate, q.low, q.high)
    details = [("n", fit.n), ("events", fit.events)]
    return Computed(value, source, settings, details, "" if value is not None else _MEDIAN_MISSING[part])


def _median_constraint(t):
    ct = t.settings.get("ci_transform", "log")
    return Calibration(t.quantity, t.endpoint, settings=(("conf_type", "log" if ct == "not reported" else ct),))


# --------------------------------------------------------------------------- Cox hazard ratio
def _evaluate_hr(ctx, t):
    ties, ties_assumed = setting(t, "ties", "efron", ("efron", "breslow"))
    cl, cl_assumed = conf_level(t)
    ep, sub = two_arms(ctx, t)
    strata, strat_setting = stratification(ctx, t, sub)
    res = cox(ctx, t.endpoint, t.arms, sub, strata, ties, cl)
    hr = res.comparison(t.arms[0])
    settings = [("model", "Cox proportional hazards", False), ("ties", ties, ties_assumed), strat_setting,
                ("direction", f"{t.arms[0]} over {t.arms[1]}", False)]
    if _quantity_of(t).part != "estimate":
        settings += [("interval", "Wald exp(coef +/- z se)", setting(t, "test", "wald")[1]),
                     ("confidence_level", cl, cl_assumed)]
    value = _quantity_of(t).pick(hr.hr, hr.hr_ci[0], hr.hr_ci[1])
    details = [("n", res.n), ("events", res.events)]
    for note in res.notes:
        details.append(("note", note))
    return Computed(float(value), ep.source, settings, details)


def _hr_constraint(t):
    ties = t.settings.get("ties", "efron")
    return Calibration(t.quantity, t.endpoint, settings=(("ties", "efron" if ties == "not reported" else ties),))


# --------------------------------------------------------------------------- p-values
def _survival_p(ctx, t, test, test_assumed):
    arms = t.arms or tuple(a.id for a in ctx.register.study.arms)
    ep = ctx.endpoint(t)
    sub = ctx.subset(ep.frame, arms)
    if len(set(sub["arm"])) < 2:
        raise NotAttempted("fewer than two arms with patients in the data; no comparison")
    strata, strat_setting = stratification(ctx, t, sub)
    ties, ties_assumed = setting(t, "ties", "efron", ("efron", "breslow"))
    lr = logrank_test(sub["time"].to_numpy(), sub["event"].to_numpy(), sub["arm"].to_numpy(), strata=strata)
    ps = {"logrank": float(lr.pvalue)}
    if int(sub["event"].sum()) > 0:
        res = cox(ctx, t.endpoint, arms, sub, strata, ties, 0.95)
        ps.update(wald=res.wald_pvalue, likelihood_ratio=res.lr_pvalue, score=res.score_pvalue)
    if test not in ps:
        raise NotAttempted(f"the {test} test cannot be computed here (no events)")
    settings = [("test", test, test_assumed), strat_setting]
    if test != "logrank":
        settings.append(("ties", ties, ties_assumed))
    return ps, ep.source, settings


def _table_p(ctx, t, test, test_assumed):
    arms = t.arms or tuple(a.id for a in ctx.register.study.arms)
    res, source, settings = landmark_proportion(ctx, t, arms, by_arm=True)
    if res.comparison is None:
        raise NotAttempted("fewer than two arms with patients in the data; no comparison")
    ps = {x.name: x.pvalue for x in res.comparison.tests}
    settings = [("test", test, test_assumed)] + settings
    rows = "; ".join(f"{g.label} {g.numerator}/{g.denominator}" for g in res.groups)
    return ps, source, settings, [("table (remaining/evaluable)", rows)]


def _pshow(p) -> str:
    return "NA" if p is None else f"{p:.4f}"


def _evaluate_p(ctx, t):
    table_kind = is_landmark_endpoint(ctx, t)
    default = "pearson" if table_kind else "logrank"
    allowed = TABLE_TESTS if table_kind else SURVIVAL_TESTS
    test, test_assumed = setting(t, "test", default, allowed)
    sided, _ = setting(t, "sided", "two-sided")
    if sided != "two-sided":
        raise NotAttempted(f"a {sided} p-value is not implemented (two-sided tests only)")
    details = []
    if table_kind:
        ps, source, settings, details = _table_p(ctx, t, test, test_assumed)
    else:
        ps, source, settings = _survival_p(ctx, t, test, test_assumed)
    value = ps.get(test)
    details.append(("p by test", ", ".join(f"{k} {_pshow(v)}" for k, v in ps.items())))
    agree = [k for k, v in ps.items() if v is not None and matches(t, v)[0]]
    verb = "satisfying p" if _quantity_of(t).bound else "reproducing p ="
    details.append((f"tests {verb} {t.printed}", agree or "none"))
    missing = "" if value is not None else f"the {test} test does not apply to this table"
    return Computed(value, source, settings, details, missing)


def _p_constraint(t):
    """A printed two-sided survival p value, or a bound on one: the log-rank test of its arms
    (all when none are named) or the Wald, score or likelihood-ratio test of the Cox fit of two
    named arms; strata and landmark tables do not constrain."""
    test = t.settings.get("test", "logrank")
    test = "logrank" if test == "not reported" else test
    if (LANDMARK_NAME.match(t.endpoint) or t.settings.get("stratified") is True
            or t.settings.get("sided", "two-sided") not in ("two-sided", "not reported")
            or test not in SURVIVAL_TESTS or (test != "logrank" and len(t.arms) != 2)):
        return None
    ties = t.settings.get("ties", "efron")
    settings = (("test", test), ("ties", "efron" if ties == "not reported" else ties))
    if t.comparator is not None:
        settings += (("comparator", t.comparator),)
    return Calibration(t.quantity, t.endpoint, settings=settings)


# --------------------------------------------------------------------------- proportions
def _proportion_at_landmark(ctx, t):
    res, source, settings = landmark_proportion(ctx, t, t.arms)
    o = res.overall
    frac = o.proportion
    if _quantity_of(t).part != "estimate":
        method, m_assumed = setting(t, "estimator", "exact", ("exact", "wilson"))
        ci = o.confidence_interval(method=method)
        frac = ci.low if _quantity_of(t).part == "low" else ci.high
        settings.append(("interval", "Clopper-Pearson exact" if method == "exact" else "Wilson", m_assumed))
    details = [("numerator/denominator", f"{o.numerator}/{o.denominator}"),
               ("Kaplan-Meier at landmark", round(o.km_survival, 4))]
    return o.numerator, o.denominator, frac, source, settings, details


def _proportion_of_counts(ctx, t):
    num_ev = ctx.evaluate(ctx.register.by_id(t.numerator_ref))
    den_ev = ctx.evaluate(ctx.register.by_id(t.denominator_ref))
    for ref in (num_ev, den_ev):
        if ref.reproduced is None:
            raise NotAttempted(f"target {ref.id!r} it is computed from was not reproduced: {ref.reason}")
    num, den = int(num_ev.reproduced), int(den_ev.reproduced)
    if den == 0:
        raise NotAttempted(f"the denominator ({t.denominator_ref}) is 0 in the data")
    settings = [("numerator", t.numerator_ref, False), ("denominator", t.denominator_ref, False)]
    return num, den, num / den, num_ev.data_source, settings, [("numerator/denominator", f"{num}/{den}")]


def _evaluate_proportion(ctx, t):
    estimate = _quantity_of(t).part == "estimate"
    if is_landmark_endpoint(ctx, t) and ctx.data is not None and t.endpoint in ctx.data.endpoints:
        num, den, frac, source, settings, details = _proportion_at_landmark(ctx, t)
    elif estimate and t.numerator_ref and t.denominator_ref:
        num, den, frac, source, settings, details = _proportion_of_counts(ctx, t)
    else:
        raise NotAttempted(
            f"endpoint {t.endpoint!r} is not a landmark endpoint and the numerator and denominator do not "
            "name count targets; no rule to recount them"
        )
    miss = ""
    if estimate and (num, den) != (t.numerator, t.denominator):
        miss = f"numerator/denominator {num}/{den} differ from the published {t.numerator}/{t.denominator}"
    return Computed(scaled(t, frac), source, settings, details, miss)


# --------------------------------------------------------------------------- survival, RMST, follow-up
def _evaluate_survival_at(ctx, t):
    q = _quantity_of(t)
    ct, ct_assumed = setting(t, "ci_transform", "log", ("log", "log-log", "plain"))
    cl, cl_assumed = conf_level(t)
    fit, source = km(ctx, t, t.arms, ct, cl)
    row = fit.at([t.time]).iloc[0]
    value = q.pick(row["survival"], row["survival_low"], row["survival_high"])
    settings = [("estimator", "kaplan_meier", False), ("time", t.time, False)]
    if q.part != "estimate":
        settings += [("ci_transform", ct, ct_assumed), ("confidence_level", cl, cl_assumed)]
    details = [("n at risk", int(row["n_at_risk"]))]
    if t.time > fit.time.max():
        details.append(("note", "time beyond the last observation; the curve is carried forward"))
    value = float(value)
    return Computed(scaled(t, value) if math.isfinite(value) else None, source, settings, details,
                    "" if math.isfinite(value) else "the confidence limit is undefined (NA in R)")


def _survival_constraint(t):
    """The Kaplan–Meier survival at ``t.time``, or a pointwise limit of it under the CI transform."""
    if QUANTITIES[t.quantity].part == "estimate":
        return Calibration("survival", t.endpoint, landmark=float(t.time))
    ct = t.settings.get("ci_transform", "log")
    return Calibration(t.quantity, t.endpoint, landmark=float(t.time),
                       settings=(("conf_type", "log" if ct == "not reported" else ct),))


def _rmst_constraint(t):
    """The restricted mean survival time up to ``t.time``."""
    return Calibration("rmst", t.endpoint, landmark=float(t.time))


def _evaluate_rmst(ctx, t):
    ep = ctx.endpoint(t)
    sub = ctx.subset(ep.frame, t.arms)
    res = rmst(sub["time"].to_numpy(), sub["event"].to_numpy(), tau=t.time)
    return Computed(float(res.estimate[0]), ep.source, [("tau", t.time, False)],
                    [("se", round(float(res.se[0]), 4))])


def _evaluate_n_at_risk(ctx, t):
    """Patients still at risk at ``time``: those whose time is >= it (R's ``summary(survfit, times)$n.risk``)."""
    fit, source = km(ctx, t, t.arms)
    settings = [("time", t.time, False), ("at risk", "time >= the time asked (R summary.survfit n.risk)", False)]
    return Computed(int(fit.n_at_risk([t.time])[0]), source, settings, [("n", fit.n)])


def _evaluate_followup(ctx, t):
    """The reverse Kaplan-Meier median of the target's endpoint; of overall survival (an
    assumption, said in the settings) when the data map no columns to ``followup``, as the
    synthesizer builds it (:func:`_followup_constraint`)."""
    method, assumed = setting(t, "followup_method", "reverse_km", ("reverse_km",))
    read = t
    if (t.endpoint == "followup" and ctx.data is not None and "followup" not in ctx.data.endpoints
            and "os" in ctx.data.endpoints):
        read = dataclasses.replace(t, endpoint="os")
    ep = ctx.endpoint(read)
    cols = ctx.columns(read)
    sub = ctx.subset(ep.frame, t.arms)
    q = median_followup(sub["time"].to_numpy(), sub["event"].to_numpy())
    used = f"{cols.time}/{cols.event}" if cols is not None else read.endpoint
    if read is not t:
        used += " (overall survival: no columns are mapped to followup)"
    settings = [("followup_method", "reverse Kaplan-Meier median", assumed), ("censoring of", used, read is not t)]
    return Computed(q.estimate, ep.source, settings, [("n", len(sub))],
                    "" if q.estimate is not None else "the reverse Kaplan-Meier median is not reached")


def _followup_constraint(t):
    return Calibration(t.quantity, t.endpoint, fallback="os")


# --------------------------------------------------------------------------- parametric extrapolation
#: Models an extrapolation target may name in ``method.estimator``.
EXTRAPOLATION_MODELS = (*PARAMETRIC_MODELS, "spline1", "spline2", "spline3")


def _extrapolation_fit(ctx, t, horizon):
    """The named model fitted to the target's arm (cached per endpoint, arms, model and horizon)."""
    model = t.settings.get("estimator")
    if model is None or model == "not reported":
        raise NotAttempted("the model is not named: an extrapolated number needs method.estimator "
                           f"(one of {', '.join(EXTRAPOLATION_MODELS)})")
    if model not in EXTRAPOLATION_MODELS:
        raise NotAttempted(f"method estimator = {model!r} is not a parametric model "
                           f"(available: {', '.join(EXTRAPOLATION_MODELS)})")
    ep = ctx.endpoint(t)
    sub = ctx.subset(ep.frame, t.arms)
    if len(sub) == 0:
        raise NotAttempted(f"no patients of arm {', '.join(t.arms)} in the data")
    time = sub["time"].to_numpy(float)
    if (time <= 0).any():
        raise NotAttempted(f"{int((time <= 0).sum())} patient(s) with time 0: parametric models need times > 0")
    key = ("extrapolate", t.endpoint, tuple(t.arms), model, horizon)
    if key not in ctx.cache:
        spline = model.startswith("spline")
        ctx.cache[key] = extrapolate(time, sub["event"].to_numpy(), dists=[] if spline else [model],
                                     splines=int(model[6:]) if spline else None, horizon=horizon)
    res = ctx.cache[key]
    fit = res.fit("all", model)
    if not fit.fitted:
        raise NotAttempted(f"the {fit.label} model is not fitted: {fit.reason}")
    row = res.to_frame().iloc[0]
    settings = [("model", fit.label, bool(t.settings.get("assumed", False))),
                ("estimation", "maximum likelihood (survreg / flexsurv parametrization)", False)]
    details = [("n", fit.n), ("events", fit.events), ("AIC", round(fit.aic, 2)),
               ("parameters", ", ".join(f"{n} {v:.4g}" for n, v, _se in fit.parameters))]
    details += [("note", n) for n in fit.notes]
    return fit, row, ep.source, settings, details


def _evaluate_extrapolated_survival(ctx, t):
    fit, _row, source, settings, details = _extrapolation_fit(ctx, t, max(float(t.time), 1e-9))
    value = float(fit.survival(t.time))
    settings.append(("time", t.time, False))
    if t.time > float(ctx.subset(ctx.endpoint(t).frame, t.arms)["time"].max()):
        details.append(("note", "time beyond the last observation: an extrapolation of the model"))
    return Computed(scaled(t, value), source, settings, details)


def _evaluate_extrapolated_mean(ctx, t):
    restricted = t.time is not None
    horizon = float(t.time) if restricted else None
    fit, row, source, settings, details = _extrapolation_fit(ctx, t, horizon)
    if restricted:
        settings.append(("restricted to", t.time, False))
        return Computed(float(row["rmean"]), source, settings, details)
    value = float(row["mean"])
    settings.append(("mean", "unrestricted: the area under the whole fitted curve", False))
    if not math.isfinite(value):
        return Computed(None, source, settings, details,
                        f"the {fit.label} curve falls too slowly for a finite mean")
    return Computed(value, source, settings, details)


def _evaluate_extrapolated_median(ctx, t):
    fit, row, source, settings, details = _extrapolation_fit(ctx, t, None)
    value = float(row["median"])
    if not math.isfinite(value):
        return Computed(None, source, settings, details, f"the {fit.label} curve never falls to 50%")
    return Computed(value, source, settings, details)


# --------------------------------------------------------------------------- dates and allocation
def _entry_dates(ctx, t):
    """The entry dates of the target's arms, the arms' row mask, and the settings."""
    data = ctx.data
    if data is None:
        raise NotAttempted(NO_DATA)
    if data.entry is None:
        raise NotAttempted("[analysis] names no entry_column; dates need entry dates")
    arm = data.ipd[ctx.register.analysis.arm_column]
    keep = arm.isin(list(t.arms)).to_numpy() if t.arms else np.ones(len(arm), bool)
    return data.entry[keep], keep, [("entry dates", ctx.register.analysis.entry_column, False)]


def _date(ctx, d, keep, settings):
    return Computed(d.date().isoformat(), ctx.data.source, settings, [("patients", int(keep.sum()))])


def _evaluate_accrual_start(ctx, t):
    entry, keep, settings = _entry_dates(ctx, t)
    return _date(ctx, entry.min(), keep, settings)


def _evaluate_accrual_end(ctx, t):
    entry, keep, settings = _entry_dates(ctx, t)
    return _date(ctx, entry.max(), keep, settings)


def _evaluate_data_cutoff(ctx, t):
    """The last date any patient was followed: entry date plus the longest endpoint time."""
    entry, keep, settings = _entry_dates(ctx, t)
    n = len(keep)
    times = [ep.frame["time"].to_numpy()[keep] for ep in ctx.data.endpoints.values() if len(ep.frame) == n]
    if not times:
        raise NotAttempted("no endpoint times to date the end of follow-up")
    longest = np.max(np.column_stack(times), axis=1)
    unit = unit_name(ctx.register.study.time_unit, f"{ctx.register.path}: [study]")
    last = entry.to_numpy() + pd.to_timedelta(longest * DAYS_PER[unit], unit="D").to_numpy()
    length = {"months": "365.25/12 days a month", "years": "365.25 days a year", "weeks": "7 days a week",
              "days": "times in days"}[unit]
    settings.append(("cutoff rule", f"day of the latest entry date + follow-up time ({length})", True))
    return _date(ctx, pd.Timestamp(last.max()).floor("D"), keep, settings)


def _evaluate_allocation(ctx, t):
    data = ctx.data
    if data is None:
        raise NotAttempted(NO_DATA)
    _need_ipd(data, t)
    arm = data.ipd[ctx.register.analysis.arm_column]
    a, b = (int((arm == x).sum()) for x in t.arms)
    if b == 0:
        raise NotAttempted(f"no patients of arm {t.arms[1]!r} in the data")
    return Computed(a / b, data.source, [], [("patients", f"{a}:{b}")])


def _evaluate_design(ctx, t):
    raise NotAttempted(DESIGN_REASON)


# --------------------------------------------------------------------------- the register's quantities
def _estimate_and_limits(names, statistic, evaluate, *, audit_reading=None, **common):
    """An estimate and its two confidence limits: three quantities of one statistic."""
    return tuple(
        Quantity(name, statistic, evaluate, part=part, audit={audit_reading: part} if audit_reading else {},
                 **common)
        for name, part in zip(names, PARTS)
    )


_ENTRIES = (
    Quantity("n", "n", _evaluate_n, kind="integer", arm_size=True, patient_count=True,
             audit={"subgroup_sum": "patients"}),
    Quantity("count", "count", _evaluate_count, kind="integer", required=("count_of",), patient_count=True,
             audit={"subgroup_sum": "count", "count_within_n": "count", "hr_ci": "count"},
             constraint=_count_constraint),
    *_estimate_and_limits(("median", "median_ci_low", "median_ci_high"), "median", _evaluate_median,
                          audit_reading="estimate_within_ci", constraint=_median_constraint,
                          may_be_unreached=True),
    *_estimate_and_limits(("hr", "hr_ci_low", "hr_ci_high"), "hr", _evaluate_hr, audit_reading="hr_ci",
                          arms="pair", range="ratio", constraint=_hr_constraint),
    Quantity("p_value", "p_value", _evaluate_p, arms="any", range="p_value",
             audit={"hr_ci": "p", "contingency_p_value": "p"}, constraint=_p_constraint),
    Quantity("p_value_bound", "p_value", _evaluate_p, arms="any", required=("comparator",), range="p_value",
             audit={"hr_ci": "p_bound", "contingency_p_value": "p_bound"}, constraint=_p_constraint),
    Quantity("proportion", "proportion", _evaluate_proportion, required=("numerator", "denominator", "scale"),
             constraint=_proportion_constraint,
             audit={"percent_vs_counts": "proportion", "subgroup_sum": "parts", "count_within_n": "parts",
                    "contingency_p_value": "row"}),
    Quantity("proportion_ci_low", "proportion", _evaluate_proportion, part="low", required=("scale",)),
    Quantity("proportion_ci_high", "proportion", _evaluate_proportion, part="high", required=("scale",)),
    *_estimate_and_limits(("survival_at", "survival_ci_low", "survival_ci_high"), "survival",
                          _evaluate_survival_at, required=("time", "scale"), constraint=_survival_constraint),
    Quantity("rmst", "rmst", _evaluate_rmst, required=("time",), constraint=_rmst_constraint),
    Quantity("median_followup", "followup", _evaluate_followup, constraint=_followup_constraint),
    Quantity("accrual_start", "date", _evaluate_accrual_start, kind="date", audit={"date_order": "start"}),
    Quantity("accrual_end", "date", _evaluate_accrual_end, kind="date", audit={"date_order": "end"}),
    Quantity("data_cutoff", "date", _evaluate_data_cutoff, kind="date", audit={"date_order": "cutoff"}),
    Quantity("allocation_ratio", "allocation_ratio", _evaluate_allocation, arms="pair", range="ratio",
             audit={"allocation": "ratio"}),
    Quantity("design_power", "design", _evaluate_design, arms="any", allowed=("scale",),
             audit={"design": "power"}),
    Quantity("design_alpha", "design", _evaluate_design, arms="any", allowed=("scale",),
             audit={"design": "alpha"}),
    Quantity("design_median_control", "design", _evaluate_design, audit={"design": "median_control"}),
    Quantity("design_median_experimental", "design", _evaluate_design,
             audit={"design": "median_experimental"}),
    Quantity("design_hr", "design", _evaluate_design, arms="pair", range="ratio", audit={"design": "hr"}),
    Quantity("design_n", "design", _evaluate_design, kind="integer"),
    Quantity("design_events", "design", _evaluate_design, kind="integer"),
    Quantity("n_at_risk", "n_at_risk", _evaluate_n_at_risk, kind="integer", required=("time",)),
    Quantity("extrapolated_survival", "extrapolated_survival", _evaluate_extrapolated_survival,
             required=("time", "scale")),
    Quantity("extrapolated_mean", "extrapolated_mean", _evaluate_extrapolated_mean, allowed=("time",)),
    Quantity("extrapolated_median", "extrapolated_median", _evaluate_extrapolated_median),
)

#: Every quantity a target may state, by name, in the order the schema lists them.
QUANTITIES: dict[str, Quantity] = {q.name: q for q in _ENTRIES}
if len(QUANTITIES) != len(_ENTRIES):  # pragma: no cover - programming error
    raise ValueError("two quantities share a name")
