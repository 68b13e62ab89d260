"""Proportion of patients remaining on the same therapy at a landmark.

Oligoprogression studies report how many patients stay on their systemic therapy for a
given time after metastasis-directed radiotherapy. Each patient contributes

* ``time``: time on the same therapy after radiotherapy, or follow-up while still on it;
* ``event``: 1 when the therapy ended (by a change of therapy or by death), 0 when the
  patient was still on it when last seen;
* optionally ``death``: 1 when the ending was death (``event`` must then be 1);
* optionally a group label (a subtype, say).

Every choice that moves the proportion is an explicit keyword stored on the result.

Status at the landmark ``L``
    * **remaining**: ``time >= L``. A patient still on therapy exactly at the landmark
      counts as remaining, and so does a patient whose therapy ended exactly at ``L``
      (``time == L`` with ``event == 1``): the therapy lasted the full landmark time.
      Their number is reported as ``n_ended_at_landmark`` because the Kaplan–Meier
      estimate at ``L`` (right-continuous, as R's ``summary(survfit, times = L)``)
      counts them as failures.
    * **ended**: ``event == 1`` and ``time < L`` (a change of therapy; or any ending when
      there is no ``death`` column).
    * **died**: ``event == 1``, ``death == 1`` and ``time < L`` with ``death_is_failure=True``.
    * **censored**: ``event == 0`` and ``time < L``: last seen on therapy before the landmark,
      so whether the patient remained is unknown.
    * **death_censored**: ``death == 1`` and ``time < L`` with ``death_is_failure=False``.

Evaluability (``evaluable``)
    * ``"followed"`` (default): the denominator holds the patients whose status at the
      landmark is known, i.e. the therapy ended before the landmark or follow-up on it
      reached the landmark (the definition of LeVee et al. 2025). Patients censored
      before the landmark are not evaluable and are listed with the reason.
    * ``"all"``: every patient is in the denominator and a patient not seen on the same
      therapy at the landmark counts as not remaining (non-responder imputation, as for an
      intention-to-treat binary endpoint). This never credits an unobserved success, so it
      is conservative; the number so imputed is reported as ``n_imputed_not_remaining``.

Death (``death_is_failure``)
    * ``True`` (default; BOSS, NCT06055881: "no change in systemic therapy at 6 months
      after radiotherapy and patient survival at 6 months"): death before the landmark is
      a failure. Since a death ends the therapy (``event == 1``), this is what the data
      coding already says; with a ``death`` column, deaths are counted apart from changes.
    * ``False`` ("change of therapy" only, as a time on same-line therapy that ends only
      with a change): a death before the landmark while on therapy is treated as
      censoring at the time of death: under ``"followed"`` a patient who died before the
      landmark is not evaluable, and the Kaplan–Meier estimate censors every death at its
      time. Under ``"all"`` such a patient still counts as not remaining. Requires ``death``.

Beside the proportion, the Kaplan–Meier estimate of remaining on therapy at the landmark
(EXTEND-OP, NCT06367972, treats duration on same-line systemic therapy as a
time-to-event endpoint) uses every patient, censored ones up to their censoring time,
with R's conventions (:func:`survrepro.engine.km.kaplan_meier`).

References
----------
Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case
of the binomial. Biometrika 1934;26:404-413.
Wilson EB. Probable inference, the law of succession, and statistical inference.
J Am Stat Assoc 1927;22:209-212.
Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
J Am Stat Assoc 1958;53:457-481.
LeVee A, Young H, Yoon S, et al. Efficacy of metastasis-directed radiation therapy to
prolong systemic therapy for patients with oligoprogressive metastatic breast cancer.
Cancers 2025;17:2153.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from survrepro._validation import InputError, as_durations, check_choice, check_level
from survrepro.engine._results import ConfidenceInterval, ResultMixin, renamed_attribute
from survrepro.engine.contingency import ContingencyTests, contingency_tests
from survrepro.engine.km import CONF_TYPES, kaplan_meier
from survrepro.engine.groups import group_labels, natural_order

__all__ = [
    "CI_METHODS",
    "EVALUABLE_RULES",
    "STATUSES",
    "ConfidenceInterval",
    "LandmarkProportion",
    "ProportionResult",
    "binomial_ci",
    "check_landmark",
    "landmark_status",
    "proportion_on_therapy",
    "proportion_on_therapy_frame",
]

EVALUABLE_RULES = ("followed", "all")
CI_METHODS = ("exact", "wilson")
STATUSES = ("remaining", "ended", "died", "censored", "death_censored")

_RULE_TEXT = {
    "followed": (
        "evaluable when the therapy ended before the landmark or follow-up reached it; "
        "patients censored before the landmark are left out"
    ),
    "all": (
        "every patient in the denominator; a patient not seen on the same therapy at the "
        "landmark counts as not remaining"
    ),
}
_REASONS = {
    "censored": "censored before the landmark",
    "death_censored": "died on therapy before the landmark (death not counted as failure)",
}


def binomial_ci(k: int, n: int, conf_level: float = 0.95, method: str = "exact") -> ConfidenceInterval:
    """Two-sided confidence interval for a binomial proportion ``k / n``, as R computes it.

    Parameters
    ----------
    k, n : int
        Successes and trials, ``0 <= k <= n``.
    conf_level : float
        Confidence level.
    method : {"exact", "wilson"}
        ``"exact"``: Clopper–Pearson, R's ``binom.test(k, n)$conf.int`` (limit 0 when
        ``k == 0`` and 1 when ``k == n``). ``"wilson"``: Wilson score interval, R's
        ``prop.test(k, n, correct = FALSE)$conf.int``.

    Returns
    -------
    ConfidenceInterval
        ``(low, high)``; ``(nan, nan)`` when ``n == 0``.

    References
    ----------
    Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case
    of the binomial. Biometrika 1934;26:404-413.
    Wilson EB. Probable inference, the law of succession, and statistical inference.
    J Am Stat Assoc 1927;22:209-212.

    Examples
    --------
    >>> [round(v, 4) for v in binomial_ci(28, 47)]
    [0.4427, 0.7363]
    >>> [round(v, 4) for v in binomial_ci(28, 47, method="wilson")]
    [0.4534, 0.7236]
    """
    check_choice("CI method", method, CI_METHODS)
    conf_level = check_level(conf_level)
    k, n = int(k), int(n)
    if n < 0 or not 0 <= k <= n:
        raise InputError(f"binomial counts must satisfy 0 <= k <= n; got k={k}, n={n}.")
    if n == 0:
        return ConfidenceInterval(math.nan, math.nan)
    alpha = 1.0 - conf_level
    if method == "exact":
        low = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
        high = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
        return ConfidenceInterval(low, high)
    # Wilson, written as R's prop.test (correct = FALSE: no continuity shift).
    z = float(stats.norm.ppf(1 - alpha / 2))
    p = k / n
    z22n = z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z22n / (2 * n))
    low = 0.0 if p <= 0 else (p + z22n - half) / (1 + 2 * z22n)
    high = 1.0 if p >= 1 else (p + z22n + half) / (1 + 2 * z22n)
    return ConfidenceInterval(max(low, 0.0), min(high, 1.0))


def check_landmark(landmark) -> float:
    """The landmark as a float, refusing anything but a finite number > 0.

    Parameters
    ----------
    landmark : float
        Landmark time, in the unit of the times.

    Returns
    -------
    float

    References
    ----------
    LeVee A, Young H, Yoon S, et al. Efficacy of metastasis-directed radiation therapy to
    prolong systemic therapy for patients with oligoprogressive metastatic breast cancer.
    Cancers 2025;17:2153.

    Examples
    --------
    >>> check_landmark("6")
    6.0
    """
    try:
        value = float(landmark)
    except (TypeError, ValueError):
        raise InputError(f"landmark must be a number > 0 (same unit as time); got {landmark!r}.") from None
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"landmark must be a number > 0 (same unit as time); got {landmark!r}.")
    return value


def _check_death(death, event, where) -> np.ndarray:
    raw = np.asarray(death, dtype=object).ravel()
    if raw.size != event.size:
        raise InputError(f"{where}: {event.size} times but {raw.size} death indicators; expected one each.")
    try:
        d = raw.astype(float)
    except (TypeError, ValueError):
        d = np.full(raw.size, np.nan)
    bad = np.flatnonzero(~np.isin(d, (0.0, 1.0)))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{where}: death at row {i + 1} is {raw[i]!r}; expected 0 (alive or not a death) or 1 (death).")
    d = d.astype(int)
    bad = np.flatnonzero((d == 1) & (event == 0))
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"{where}: row {i + 1} has death = 1 but event = 0; a death ends the therapy, so expected event = 1."
        )
    return d


def _check_group(group, n, where) -> np.ndarray:
    raw = np.asarray(group, dtype=object).ravel()
    if raw.size != n:
        raise InputError(f"{where}: {n} times but {raw.size} group labels; expected one each.")
    for i, v in enumerate(raw):
        if v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == "":
            raise InputError(f"{where}: group label at row {i + 1} is empty; expected a label.")
    return group_labels(np.array([v.strip() if isinstance(v, str) else v for v in raw], dtype=object))


def landmark_status(time, event, landmark, *, death=None, death_is_failure: bool = True, where: str = "input") -> np.ndarray:
    """Status of each patient at the landmark: one of :data:`STATUSES`.

    See the module documentation for the definitions; in short ``time >= landmark`` is
    ``"remaining"`` whatever ``event`` says.

    Parameters
    ----------
    time, event : array_like
        Time on the same therapy (or follow-up on it) and 1 when the therapy ended.
    landmark : float
        Landmark time (> 0).
    death : array_like, optional
        1 when the ending was death (then ``event`` must be 1).
    death_is_failure : bool
        Whether a death before the landmark is a failure (``"died"``) or censoring
        (``"death_censored"``); ``False`` needs ``death``.
    where : str
        Name of the data source, used in error messages.

    Returns
    -------
    ndarray of str
        One of ``"remaining"``, ``"ended"``, ``"died"``, ``"censored"``, ``"death_censored"``
        per patient.

    References
    ----------
    LeVee A, Young H, Yoon S, et al. Efficacy of metastasis-directed radiation therapy to
    prolong systemic therapy for patients with oligoprogressive metastatic breast cancer.
    Cancers 2025;17:2153.

    Examples
    --------
    >>> landmark_status([3, 6, 6, 8, 2], [1, 1, 0, 0, 0], 6).tolist()
    ['ended', 'remaining', 'remaining', 'remaining', 'censored']
    """
    landmark = check_landmark(landmark)
    if not isinstance(death_is_failure, (bool, np.bool_)):
        raise InputError(f"death_is_failure must be True or False; got {death_is_failure!r}.")
    t, e = as_durations(time, event, where=where)
    d = None if death is None else _check_death(death, e, where)
    if d is None and not death_is_failure:
        raise InputError(
            f"{where}: death_is_failure=False needs a death column (1 when the therapy ended by death) "
            "to tell deaths from changes of therapy."
        )
    status = np.full(t.size, "censored", dtype=object)
    before = t < landmark
    status[~before] = "remaining"
    ended = before & (e == 1)
    status[ended] = "ended"
    if d is not None:
        status[ended & (d == 1)] = "died" if death_is_failure else "death_censored"
    return status


@dataclass(frozen=True, repr=False)
class LandmarkProportion(ResultMixin):
    """Proportion remaining on the same therapy at the landmark, for one group or overall.

    Attributes
    ----------
    label : str or None
        Group label; ``None`` for all patients together.
    landmark : float
        The landmark time.
    n_total : int
        Patients in the group.
    numerator, denominator : int
        Patients remaining at the landmark and evaluable patients.
    proportion : float
        ``numerator / denominator``; NaN when no patient is evaluable.
    ci_exact, ci_wilson : ConfidenceInterval
        Clopper–Pearson and Wilson intervals at ``conf_level``.
    not_evaluable : tuple of (str, int)
        Reasons for leaving patients out of the denominator and their numbers.
    n_ended, n_died : int
        Endings before the landmark counted as failures: changes of therapy (any ending
        when there is no ``death`` column) and deaths.
    n_imputed_not_remaining : int
        Under ``evaluable="all"``, patients with unknown status counted as not remaining.
    n_ended_at_landmark : int
        Patients whose therapy ended exactly at the landmark (counted as remaining).
    km_survival, km_survival_low, km_survival_high, km_std_err : float
        Kaplan–Meier estimate of remaining on therapy at the landmark, its confidence
        limits (``conf_type``) and Greenwood standard error, as R's
        ``summary(survfit(...), times = landmark, extend = TRUE)``; NaN where R gives NA.
    km_n_at_risk : int
        Patients still followed on therapy at the landmark (``time >= landmark``).
    km_beyond_follow_up : bool
        True when the landmark lies after the last observed time (estimate carried forward).
    evaluable, death_is_failure, conf_level, conf_type
        The options used.
    """

    label: str | None
    landmark: float
    n_total: int
    numerator: int
    denominator: int
    proportion: float
    ci_exact: ConfidenceInterval
    ci_wilson: ConfidenceInterval
    not_evaluable: tuple
    n_ended: int
    n_died: int
    n_imputed_not_remaining: int
    n_ended_at_landmark: int
    km_survival: float
    km_survival_low: float
    km_survival_high: float
    km_std_err: float
    km_n_at_risk: int
    km_beyond_follow_up: bool
    evaluable: str
    death_is_failure: bool
    conf_level: float
    conf_type: str

    km_lower = renamed_attribute("km_survival_low")
    km_upper = renamed_attribute("km_survival_high")

    @property
    def n_not_evaluable(self) -> int:
        """Patients left out of the denominator."""
        return int(sum(c for _, c in self.not_evaluable))

    def confidence_interval(self, conf_level: float | None = None, *, method: str = "exact") -> ConfidenceInterval:
        """Interval of the proportion by ``method`` at ``conf_level``.

        Parameters
        ----------
        conf_level : float, optional
            Confidence level; the result's own when omitted.
        method : {"exact", "wilson"}
            Clopper–Pearson or Wilson (see :func:`binomial_ci`).

        Returns
        -------
        ConfidenceInterval

        References
        ----------
        .. [1] Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated
           in the case of the binomial. Biometrika 1934;26:404-413.
        .. [2] Wilson EB. Probable inference, the law of succession, and statistical
           inference. J Am Stat Assoc 1927;22:209-212.

        Examples
        --------
        Three of five evaluable patients still on therapy at month 6:

        >>> res = proportion_on_therapy([2, 4, 6, 7, 9, 3], [1, 0, 0, 1, 0, 1], 6)
        >>> [round(v, 4) for v in res.overall.confidence_interval()]
        [0.1466, 0.9473]
        >>> [round(v, 4) for v in res.overall.confidence_interval(0.9, method="wilson")]
        [0.2725, 0.8573]
        """
        check_choice("CI method", method, CI_METHODS)
        if conf_level is not None:
            return binomial_ci(self.numerator, self.denominator, conf_level, method)
        return self.ci_exact if method == "exact" else self.ci_wilson

    @property
    def summary(self) -> pd.DataFrame:
        """The one row of :meth:`to_frame`."""
        return self.to_frame()

    def to_dict(self) -> dict:
        """Plain dictionary (JSON-ready: NaN becomes None)."""
        return {
            "group": self.label,
            "landmark": self.landmark,
            "n_total": self.n_total,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "proportion": _none(self.proportion),
            "exact_low": _none(self.ci_exact.low),
            "exact_high": _none(self.ci_exact.high),
            "wilson_low": _none(self.ci_wilson.low),
            "wilson_high": _none(self.ci_wilson.high),
            "n_not_evaluable": self.n_not_evaluable,
            "not_evaluable": {reason: count for reason, count in self.not_evaluable},
            "n_ended": self.n_ended,
            "n_died": self.n_died,
            "n_imputed_not_remaining": self.n_imputed_not_remaining,
            "n_ended_at_landmark": self.n_ended_at_landmark,
            "km_survival": _none(self.km_survival),
            "km_survival_low": _none(self.km_survival_low),
            "km_survival_high": _none(self.km_survival_high),
            "km_std_err": _none(self.km_std_err),
            "km_n_at_risk": self.km_n_at_risk,
            "km_beyond_follow_up": self.km_beyond_follow_up,
            "evaluable": self.evaluable,
            "death_is_failure": self.death_is_failure,
            "conf_level": self.conf_level,
            "conf_type": self.conf_type,
        }

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy DataFrame (the reasons for non-evaluability as one column each)."""
        row = self.to_dict()
        reasons = row.pop("not_evaluable")
        for key, text in _REASONS.items():
            row[f"n_{key}"] = reasons.get(text, 0)
        return pd.DataFrame([row]).astype({c: float for c in _FLOAT_COLUMNS})

    def _repr_head(self) -> str:
        name = "all" if self.label is None else repr(self.label)
        return f"{name} at {self.landmark:g}"

    def _repr_body(self) -> str:
        lo, hi = self.ci_exact
        return (
            f"{self.numerator}/{self.denominator} = "
            f"{_pct(self.proportion)} (exact {self.conf_level:.0%} CI {_pct(lo)} to {_pct(hi)}); "
            f"KM {_pct(self.km_survival)}; not evaluable {self.n_not_evaluable} of {self.n_total}"
        )


_FLOAT_COLUMNS = (
    "proportion", "exact_low", "exact_high", "wilson_low", "wilson_high",
    "km_survival", "km_survival_low", "km_survival_high", "km_std_err",
)


def _none(x):
    return None if x is None or not math.isfinite(x) else float(x)


def _pct(x) -> str:
    return "NA" if x is None or not math.isfinite(x) else f"{100 * x:.1f}%"


@dataclass(frozen=True, repr=False)
class ProportionResult(ResultMixin):
    """Proportion remaining on the same therapy at a landmark, overall and by group.

    Attributes
    ----------
    overall : LandmarkProportion
        All patients together.
    groups : tuple of LandmarkProportion
        One per group in natural order of the labels; empty without a group.
    by : str or None
        Name of the grouping variable.
    comparison : ContingencyTests or None
        Tests across groups on the table of :attr:`table`; ``None`` with fewer than two groups.
    landmark, evaluable, death_is_failure, conf_level, conf_type
        The options used.
    """

    overall: LandmarkProportion
    groups: tuple
    by: str | None
    comparison: ContingencyTests | None
    landmark: float
    evaluable: str
    death_is_failure: bool
    conf_level: float
    conf_type: str

    @property
    def rule(self) -> str:
        """The evaluability rule and the treatment of death, in words."""
        death = (
            "death before the landmark counts as failure"
            if self.death_is_failure
            else "death on therapy before the landmark is censored at death, not a failure"
        )
        return f"{self.evaluable}: {_RULE_TEXT[self.evaluable]}; {death}"

    @property
    def table(self) -> np.ndarray:
        """Groups x (remaining, not remaining) among evaluable patients."""
        return np.array([[g.numerator, g.denominator - g.numerator] for g in self.groups], dtype=int).reshape(-1, 2)

    def confidence_interval(self, conf_level: float | None = None, *, method: str = "exact") -> ConfidenceInterval:
        """Interval of the overall proportion (see :meth:`LandmarkProportion.confidence_interval`).

        Parameters
        ----------
        conf_level : float, optional
            Confidence level; the result's own when omitted.
        method : {"exact", "wilson"}
            Clopper–Pearson or Wilson (see :func:`binomial_ci`).

        Returns
        -------
        ConfidenceInterval

        Examples
        --------
        >>> res = proportion_on_therapy([2, 4, 6, 7, 9, 3], [1, 0, 0, 1, 0, 1], 6, group=list("aaabbb"))
        >>> [round(v, 4) for v in res.confidence_interval(method="wilson")]
        [0.2307, 0.8824]
        """
        return self.overall.confidence_interval(conf_level, method=method)

    @property
    def summary(self) -> pd.DataFrame:
        """The table of :meth:`to_frame`: all patients, then one row per group."""
        return self.to_frame()

    def group(self, label) -> LandmarkProportion:
        """The estimate for one group label.

        Parameters
        ----------
        label : object
            A group label, written as the data were (``2`` or ``2.0`` for ``'2'``): it is
            labelled as the groups were (:func:`~survrepro.engine.groups.group_labels`).

        Returns
        -------
        LandmarkProportion

        Raises
        ------
        InputError
            When there is no such group, listing the groups.

        Examples
        --------
        >>> res = proportion_on_therapy([2, 4, 6, 7, 9, 3], [1, 0, 0, 1, 0, 1], 6,
        ...                             group=[1.0, 1.0, 1.0, 2.0, 2.0, 2.0])
        >>> arm = res.group(2.0)
        >>> arm.label, arm.numerator, arm.denominator
        ('2', 2, 3)
        """
        wanted = str(group_labels([label])[0])
        for g in self.groups:
            if g.label == wanted:
                return g
        have = ", ".join(repr(g.label) for g in self.groups) or "none"
        raise InputError(f"no group {label!r}; groups are {have}.")

    def to_frame(self) -> pd.DataFrame:
        """One row for all patients (``group`` = ``"all"``) then one per group."""
        frame = pd.concat([e.to_frame() for e in (self.overall, *self.groups)], ignore_index=True)
        frame["group"] = ["all"] + [g.label for g in self.groups]
        frame.insert(1, "by", self.by)
        return frame

    def to_dict(self) -> dict:
        """Plain dictionary (JSON-ready) with the options, the estimates and the tests."""
        return {
            "landmark": self.landmark,
            "evaluable": self.evaluable,
            "death_is_failure": self.death_is_failure,
            "rule": self.rule,
            "conf_level": self.conf_level,
            "conf_type": self.conf_type,
            "by": self.by,
            "overall": self.overall.to_dict(),
            "groups": [g.to_dict() for g in self.groups],
            "comparison": None if self.comparison is None else self.comparison.to_dict(),
        }

    def __repr__(self) -> str:
        lines = [f"ProportionResult (landmark {self.landmark:g}; {self.evaluable}; "
                 f"death_is_failure={self.death_is_failure})", "  " + repr(self.overall)]
        lines += ["  " + repr(g) for g in self.groups]
        if self.comparison is not None:
            lines.append("  " + repr(self.comparison))
        return "\n".join(lines)

    def _html_caption(self) -> str:
        return self.rule

    def _html_frames(self) -> tuple:
        return (self.to_frame(),) + (() if self.comparison is None else (self.comparison.to_frame(),))


def _estimate(label, t, e_km, status, landmark, *, evaluable, death_is_failure, conf_level, conf_type) -> LandmarkProportion:
    """Estimate for one set of patients; ``e_km`` is the event indicator of the KM endpoint."""
    counts = {s: int((status == s).sum()) for s in STATUSES}
    numerator = counts["remaining"]
    unknown = counts["censored"] + counts["death_censored"]
    if evaluable == "followed":
        denominator = t.size - unknown
        not_evaluable = tuple((_REASONS[s], counts[s]) for s in ("censored", "death_censored") if counts[s])
        imputed = 0
    else:
        denominator = t.size
        not_evaluable = ()
        imputed = unknown
    proportion = numerator / denominator if denominator else math.nan

    km = kaplan_meier(t, e_km, conf_type=conf_type, conf_level=conf_level, label=label)
    at = km.at([landmark]).iloc[0]
    i = int(np.searchsorted(km.time, landmark, side="right")) - 1
    se = 0.0 if i < 0 else float(km.std_err_survival[i])
    return LandmarkProportion(
        label=label,
        landmark=landmark,
        n_total=int(t.size),
        numerator=numerator,
        denominator=int(denominator),
        proportion=proportion,
        ci_exact=binomial_ci(numerator, denominator, conf_level, "exact"),
        ci_wilson=binomial_ci(numerator, denominator, conf_level, "wilson"),
        not_evaluable=not_evaluable,
        n_ended=counts["ended"],
        n_died=counts["died"],
        n_imputed_not_remaining=imputed,
        n_ended_at_landmark=int(((t == landmark) & (e_km == 1)).sum()),
        km_survival=float(at["survival"]),
        km_survival_low=float(at["survival_low"]),
        km_survival_high=float(at["survival_high"]),
        km_std_err=se if math.isfinite(se) else math.nan,
        km_n_at_risk=int(at["n_at_risk"]),
        km_beyond_follow_up=bool(landmark > t.max()),
        evaluable=evaluable,
        death_is_failure=bool(death_is_failure),
        conf_level=conf_level,
        conf_type=conf_type,
    )


def proportion_on_therapy(
    time,
    event,
    landmark: float,
    *,
    group=None,
    by: str | None = None,
    death=None,
    evaluable: str = "followed",
    death_is_failure: bool = True,
    conf_type: str = "log",
    conf_level: float = 0.95,
    where: str = "input",
) -> ProportionResult:
    """Proportion remaining on the same therapy at ``landmark``, with CIs, KM estimate and group tests.

    Parameters
    ----------
    time : array_like
        Time on the same therapy after radiotherapy, or follow-up while still on it.
    event : array_like
        1 when the therapy ended (change of therapy or death), 0 when still on it when last seen.
    landmark : float
        Landmark time (> 0, same unit as ``time``). A patient with ``time >= landmark``
        counts as remaining.
    death : array_like, optional
        1 when the ending was death (then ``event`` must be 1), else 0.
    group : array_like, optional
        Group label per patient, labelled by :func:`~survrepro.engine.groups.group_labels`;
        estimates per group and tests across groups.
    by : str, optional
        Name of the grouping variable, for display.
    evaluable : {"followed", "all"}
        Who is in the denominator (see the module documentation): ``"followed"`` leaves
        out patients censored before the landmark; ``"all"`` keeps everyone and counts
        patients with unknown status as not remaining.
    death_is_failure : bool
        ``True``: a death before the landmark is a failure (BOSS). ``False``: a death on
        therapy is censoring at the time of death (needs ``death``).
    conf_level : float
        Level of the binomial and Kaplan–Meier intervals.
    conf_type : {"log", "log-log", "plain"}
        Transform of the Kaplan–Meier interval (``"log"`` is R's default).
    where : str
        Name of the data source, used in error messages.

    Returns
    -------
    ProportionResult

    References
    ----------
    Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case
    of the binomial. Biometrika 1934;26:404-413.
    Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
    J Am Stat Assoc 1958;53:457-481.
    LeVee A, Young H, Yoon S, et al. Efficacy of metastasis-directed radiation therapy to
    prolong systemic therapy for patients with oligoprogressive metastatic breast cancer.
    Cancers 2025;17:2153.

    Examples
    --------
    >>> res = proportion_on_therapy([2, 4, 6, 7, 9, 3], [1, 0, 0, 1, 0, 1], 6)
    >>> res.overall.numerator, res.overall.denominator
    (3, 5)
    >>> [round(v, 4) for v in res.overall.ci_exact]
    [0.1466, 0.9473]
    >>> by = proportion_on_therapy([2, 4, 6, 7, 9, 3], [1, 0, 0, 1, 0, 1], 6, group=[1.0, 1.0, 1.0, 2.0, 2.0, 2.0])
    >>> [(g.label, g.numerator, g.denominator) for g in by.groups]
    [('1', 1, 2), ('2', 2, 3)]
    """
    landmark = check_landmark(landmark)
    check_choice("evaluable", evaluable, EVALUABLE_RULES)
    check_choice("conf_type", conf_type, CONF_TYPES)
    conf_level = check_level(conf_level)
    t, e = as_durations(time, event, where=where)
    status = landmark_status(t, e, landmark, death=death, death_is_failure=death_is_failure, where=where)
    options = dict(evaluable=evaluable, death_is_failure=bool(death_is_failure), conf_level=conf_level, conf_type=conf_type)

    # The Kaplan-Meier endpoint: every death is censored at death when death is not a failure.
    e_km = e.copy()
    if not death_is_failure:
        e_km[np.asarray(death, dtype=float).ravel() == 1] = 0
    overall = _estimate(None, t, e_km, status, landmark, **options)
    groups: tuple = ()
    comparison = None
    if group is not None:
        g = _check_group(group, t.size, where)
        groups = tuple(
            _estimate(lab, t[g == lab], e_km[g == lab], status[g == lab], landmark, **options)
            for lab in natural_order(g)
        )
        if len(groups) >= 2:
            table = np.array([[x.numerator, x.denominator - x.numerator] for x in groups])
            comparison = contingency_tests(table)
    return ProportionResult(
        overall=overall, groups=groups, by=by if group is not None else None,
        comparison=comparison, landmark=landmark, **options,
    )


def proportion_on_therapy_frame(
    data: pd.DataFrame,
    landmark: float,
    *,
    by: str | None = None,
    time: str = "time",
    event: str = "event",
    death: str | None = "death",
    **kwargs,
) -> ProportionResult:
    """:func:`proportion_on_therapy` on a DataFrame with one row per patient.

    Parameters
    ----------
    data : DataFrame
        Columns ``time`` and ``event``; ``death`` is used when present; ``by`` names the
        grouping column.
    landmark : float
        Landmark time.
    by : str, optional
        Grouping column.
    time, event, death : str
        Column names (``death=None`` ignores a death column).
    **kwargs
        Passed on (``evaluable``, ``death_is_failure``, ``conf_level``, ``conf_type``, ``where``).

    Returns
    -------
    ProportionResult

    References
    ----------
    Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case
    of the binomial. Biometrika 1934;26:404-413.
    LeVee A, Young H, Yoon S, et al. Efficacy of metastasis-directed radiation therapy to
    prolong systemic therapy for patients with oligoprogressive metastatic breast cancer.
    Cancers 2025;17:2153.

    Examples
    --------
    >>> data = pd.DataFrame({"time": [2, 4, 6, 7, 9, 3], "event": [1, 0, 0, 1, 0, 1], "site": list("aaabbb")})
    >>> res = proportion_on_therapy_frame(data, 6, by="site")
    >>> res.to_frame()[["group", "numerator", "denominator"]].to_dict("records")
    [{'group': 'all', 'numerator': 3, 'denominator': 5}, {'group': 'a', 'numerator': 1, 'denominator': 2}, {'group': 'b', 'numerator': 2, 'denominator': 3}]
    """
    where = kwargs.get("where", "data")
    for col in (time, event) + ((by,) if by else ()):
        if col not in data.columns:
            have = ", ".join(map(str, data.columns)) or "none"
            raise InputError(f"{where}: missing column {col!r} (found {have}).")
    d = data[death] if death is not None and death in data.columns else None
    g = data[by] if by else None
    return proportion_on_therapy(data[time], data[event], landmark, death=d, group=g, by=by, **kwargs)
