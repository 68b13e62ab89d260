"""Kaplan–Meier estimation under explicit, R-compatible conventions.

Every choice that moves a published number is a keyword stored on the result:

* ``conf_type``: ``"log"`` (R ``survfit`` default), ``"log-log"`` (SAS LIFETEST and
  lifelines default) or ``"plain"``; Greenwood variance in all three.
* ``conf_level``: 0.95 by default.
* quantiles (the median among them) follow R's ``quantile.survfit``: where the curve
  sits exactly at the probability over a flat stretch, the midpoint of that stretch,
  compared with a tolerance of ``sqrt(machine epsilon)``; confidence limits are where the
  pointwise band crosses the same level (Brookmeyer & Crowley 1982 as R computes them).
  A quantile or limit that is not reached is ``None``.
* numbers at risk at a time t count ``#{time >= t}``, as R and published risk tables do.

References
----------
Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
J Am Stat Assoc 1958;53:457-481.
Greenwood M. The natural duration of cancer. Rep Public Health Med Subj 1926;33:1-26.
Brookmeyer R, Crowley J. A confidence interval for the median survival time.
Biometrics 1982;38:29-41.
Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time.
Control Clin Trials 1996;17:343-346.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from survrepro._validation import InputError, as_durations, check_choice, check_level
from survrepro.engine._results import ConfidenceInterval, ResultMixin, renamed_attribute, resolve_renamed, to_jsonable
from survrepro.engine.groups import group_labels, natural_order
from survrepro.options import CONF_TYPES

__all__ = [
    "CONF_TYPES",
    "kaplan_meier",
    "KaplanMeierResult",
    "km_by_group",
    "km_band_at",
    "km_median",
    "km_survival_at",
    "median_followup",
    "QuantileEstimate",
]

#: Tolerance R's quantile.survfit uses to decide that the curve sits exactly at a level.
QUANTILE_TOL = float(np.sqrt(np.finfo(float).eps))


class QuantileEstimate(NamedTuple):
    """A survival-time quantile with its confidence limits; ``None`` when not reached."""

    estimate: float | None
    low: float | None
    high: float | None


@functools.lru_cache(maxsize=64)
def _two_sided_z(conf_level: float):
    """The normal quantile of a two-sided ``conf_level`` interval (computed once per level)."""
    return stats.norm.ppf(1 - (1 - conf_level) / 2)


def _band(surv, se_log, conf_type, conf_level):
    """Pointwise confidence band as R's ``survfit_confint`` (``se_log`` is the SE of log S)."""
    z = _two_sided_z(conf_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            half = z * se_log * surv
            lower = np.maximum(surv - half, 0.0)
            upper = np.minimum(surv + half, 1.0)
            undefined = ~np.isfinite(half)
        elif conf_type == "log":
            lower = surv * np.exp(-z * se_log)
            upper = np.minimum(surv * np.exp(z * se_log), 1.0)
            undefined = surv == 0
        else:  # log-log
            logs = np.log(surv)
            shift = z * se_log / logs
            loglog = np.log(-logs)
            lower = np.exp(-np.exp(loglog - shift))
            upper = np.exp(-np.exp(loglog + shift))
            undefined = (surv == 0) | (surv == 1)
    lower = np.where(undefined, np.nan, lower)
    upper = np.where(undefined, np.nan, upper)
    return lower, upper


def _findq(x, y, p, tol=QUANTILE_TOL):
    """R's ``survival:::findq``: first time ``y`` (= 1 - S) reaches ``p``, midpoint on a flat stretch.

    ``x`` starts with the origin and ``y`` with 0. Missing values in ``y`` (an undefined
    confidence limit) are dropped, as R's ``approx`` does.
    """
    xmax = x[-1]
    keep = ~np.isnan(y)
    x, y = x[keep], y[keep]
    if y.size == 0 or y.max() < p:
        return None
    first = np.ones(y.size, dtype=bool)
    first[1:] = y[1:] != y[:-1]  # y is non-decreasing: duplicates are adjacent
    x, y = x[first], y[first]
    i1 = np.searchsorted(y + tol, p, side="left")  # first index with y + tol >= p
    i2 = np.searchsorted(y - tol, p, side="left")  # first index with y - tol >= p
    if i1 >= y.size:
        return None
    if abs(p - y[-1]) < tol:  # the curve ends exactly at the level
        return float((x[i1] + xmax) / 2)
    if i2 >= y.size:
        return None
    return float((x[i1] + x[i2]) / 2)


@dataclass(frozen=True, repr=False)
class KaplanMeierResult(ResultMixin):
    """Kaplan–Meier estimate at every distinct observed time (events and censorings).

    Attributes
    ----------
    time, n_risk, n_event, n_censor : ndarray
        Distinct times and the counts at each, as R's ``survfit``.
    survival : ndarray
        Product-limit estimate just after each time.
    std_err : ndarray
        Greenwood standard error of the cumulative hazard, i.e. of ``log S``
        (R's ``fit$std.err``); ``inf`` once the curve reaches 0.
    survival_low, survival_high : ndarray
        Pointwise confidence band under ``conf_type`` at ``conf_level``; NaN where the
        transform is undefined (as R's ``NA``).
    conf_type, conf_level : str, float
        The band's transform and level.
    label : str or None
        Name of the curve.
    """

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    survival: np.ndarray
    std_err: np.ndarray
    survival_low: np.ndarray
    survival_high: np.ndarray
    conf_type: str = "log"
    conf_level: float = 0.95
    label: str | None = None
    _durations: np.ndarray = field(default=None, compare=False)

    lower = renamed_attribute("survival_low")
    upper = renamed_attribute("survival_high")

    # ------------------------------------------------------------------ summaries
    @property
    def n(self) -> int:
        """Number of patients."""
        return int(self._durations.size)

    @property
    def events(self) -> int:
        """Number of events."""
        return int(self.n_event.sum())

    @property
    def std_err_survival(self) -> np.ndarray:
        """Greenwood standard error of S itself (what ``summary.survfit`` prints)."""
        with np.errstate(invalid="ignore"):
            return self.survival * self.std_err

    def confidence_interval(self, conf_level: float | None = None, *, conf_type: str | None = None) -> ConfidenceInterval:
        """Pointwise band at another level or under another transform.

        Parameters
        ----------
        conf_level : float, optional
            Confidence level; the result's own when omitted.
        conf_type : {"log", "log-log", "plain"}, optional
            Transform of the band; the result's own when omitted.

        Returns
        -------
        ConfidenceInterval
            ``(low, high)`` arrays, one value per distinct time.

        Examples
        --------
        >>> from survrepro import kaplan_meier
        >>> t = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161]  # R: aml, Maintained arm
        >>> e = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0]
        >>> km = kaplan_meier(t, e)
        >>> ci = km.confidence_interval(0.9)
        >>> ci.low[:3].round(4).tolist(), ci.high[:3].round(4).tolist()
        ([0.7771, 0.6476, 0.5194], [1.0, 1.0, 0.9868])
        """
        conf_type = self.conf_type if conf_type is None else conf_type
        check_choice("conf_type", conf_type, CONF_TYPES)
        conf_level = check_level(self.conf_level if conf_level is None else conf_level)
        return ConfidenceInterval(*_band(self.survival, self.std_err, conf_type, conf_level))

    def _index(self, times) -> np.ndarray:
        """Index of the last distinct time <= t (-1 before the first)."""
        return np.searchsorted(self.time, np.asarray(times, dtype=float), side="right") - 1

    def survival_at(self, times) -> np.ndarray:
        """Survival at ``times`` (right-continuous; 1 before the first time).

        Parameters
        ----------
        times : array_like
            Times at which to read the curve.

        Returns
        -------
        numpy.ndarray
            The Kaplan-Meier estimate at each time.

        Examples
        --------
        >>> from survrepro import kaplan_meier
        >>> t = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161]  # R: aml, Maintained arm
        >>> e = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0]
        >>> km = kaplan_meier(t, e)
        >>> km.survival_at([10, 30]).round(4).tolist()
        [0.9091, 0.6136]
        """
        i = self._index(times)
        return np.where(i >= 0, self.survival[np.maximum(i, 0)], 1.0)

    def n_at_risk(self, times) -> np.ndarray:
        """Numbers at risk at ``times``, counted as ``#{time >= t}`` (R; published risk tables).

        Parameters
        ----------
        times : array_like
            Times of the risk table.

        Returns
        -------
        numpy.ndarray of int
            Patients whose follow-up reaches each time.

        Examples
        --------
        >>> from survrepro import kaplan_meier
        >>> t = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161]  # R: aml, Maintained arm
        >>> e = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0]
        >>> km = kaplan_meier(t, e)
        >>> km.n_at_risk([0, 20, 50]).tolist()
        [11, 7, 1]
        """
        times = np.asarray(times, dtype=float)
        d = np.sort(self._durations)
        return (d.size - np.searchsorted(d, times, side="left")).astype(int)

    def at(self, times) -> pd.DataFrame:
        """Survival, confidence limits and numbers at risk at landmark ``times``.

        Beyond the last observed time the curve is carried forward (R's
        ``summary(fit, times, extend=TRUE)``).

        Parameters
        ----------
        times : array_like
            Landmark times.

        Returns
        -------
        pandas.DataFrame
            Columns ``time``, ``survival``, ``survival_low``, ``survival_high``, ``n_at_risk``.

        Examples
        --------
        >>> from survrepro import kaplan_meier
        >>> t = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161]  # R: aml, Maintained arm
        >>> e = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0]
        >>> km = kaplan_meier(t, e)
        >>> km.at([12, 24]).round(4).values.tolist()  # R: summary(fit, times = c(12, 24))
        [[12.0, 0.9091, 0.7541, 1.0, 10.0], [24.0, 0.6136, 0.3769, 0.9992, 6.0]]
        """
        times = np.atleast_1d(np.asarray(times, dtype=float))
        i = self._index(times)
        before = i < 0
        j = np.maximum(i, 0)
        return pd.DataFrame(
            {
                "time": times,
                "survival": np.where(before, 1.0, self.survival[j]),
                "survival_low": np.where(before, 1.0, self.survival_low[j]),
                "survival_high": np.where(before, 1.0, self.survival_high[j]),
                "n_at_risk": self.n_at_risk(times),
            }
        )

    def quantile(self, p: float) -> QuantileEstimate:
        """Time by which a fraction ``p`` has had the event (``p=0.5``: the median).

        Follows R's ``quantile.survfit``: the first time ``1 - S`` reaches ``p``; where the
        curve sits exactly at ``1 - p`` over a flat stretch, the midpoint of the stretch.
        The confidence limits are where the pointwise band reaches the same level
        (Brookmeyer and Crowley 1982).

        Parameters
        ----------
        p : float
            Fraction with the event, strictly between 0 and 1.

        Returns
        -------
        QuantileEstimate
            ``(estimate, low, high)``; ``None`` where the curve or the band never reaches the level.

        References
        ----------
        Brookmeyer R, Crowley J. A confidence interval for the median survival time.
        Biometrics 1982;38:29-41.

        Examples
        --------
        >>> from survrepro import kaplan_meier
        >>> t = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161]  # R: aml, Maintained arm
        >>> e = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0]
        >>> km = kaplan_meier(t, e)
        >>> km.quantile(0.5)  # R: survfit(Surv(time, status) ~ 1, aml[aml$x == "Maintained", ])
        QuantileEstimate(estimate=31.0, low=18.0, high=None)
        """
        p = float(p)
        if not 0.0 < p < 1.0:
            raise InputError(f"quantile probability must be strictly between 0 and 1; got {p!r}.")
        x = np.concatenate(([0.0], self.time))
        est = _findq(x, np.concatenate(([0.0], 1 - self.survival)), p)
        low = _findq(x, np.concatenate(([0.0], 1 - self.survival_low)), p)
        high = _findq(x, np.concatenate(([0.0], 1 - self.survival_high)), p)
        return QuantileEstimate(est, low, high)

    @property
    def median(self) -> float | None:
        """Median survival time, ``None`` when not reached."""
        return self.quantile(0.5).estimate

    @property
    def median_ci(self) -> ConfidenceInterval:
        """Confidence limits of the median; each ``None`` when not reached."""
        q = self.quantile(0.5)
        return ConfidenceInterval(q.low, q.high)

    # ------------------------------------------------------------------ display
    def to_frame(self) -> pd.DataFrame:
        """The estimate at every distinct time, one row each."""
        return pd.DataFrame(
            {
                "time": self.time,
                "n_risk": self.n_risk,
                "n_event": self.n_event,
                "n_censor": self.n_censor,
                "survival": self.survival,
                "std_err": self.std_err,
                "survival_low": self.survival_low,
                "survival_high": self.survival_high,
            }
        )

    @property
    def summary(self) -> pd.DataFrame:
        """One row: label, n, events, median and its confidence limits, settings."""
        q = self.quantile(0.5)
        return pd.DataFrame(
            [
                {
                    "label": self.label,
                    "n": self.n,
                    "events": self.events,
                    "median": q.estimate,
                    "median_low": q.low,
                    "median_high": q.high,
                    "conf_type": self.conf_type,
                    "conf_level": self.conf_level,
                }
            ]
        )

    def to_dict(self) -> dict:
        """The curve and its summary, JSON-ready (NaN and infinity become ``None``)."""
        out = {"label": self.label, "n": self.n, "events": self.events}
        q = self.quantile(0.5)
        out.update(median=q.estimate, median_low=q.low, median_high=q.high)
        out.update({c: to_jsonable(v.to_numpy()) for c, v in self.to_frame().items()})
        out.update(conf_type=self.conf_type, conf_level=self.conf_level)
        return out

    def _repr_head(self) -> str:
        return repr(self.label) if self.label is not None else ""

    def _repr_body(self) -> str:
        q = self.quantile(0.5)
        fmt = lambda v: "NR" if v is None else f"{v:g}"  # noqa: E731
        return (
            f"n={self.n}, events={self.events}, "
            f"median={fmt(q.estimate)} ({self.conf_level:.0%} CI {fmt(q.low)} to {fmt(q.high)}; "
            f"conf_type={self.conf_type!r})"
        )


def kaplan_meier(
    time=None,
    event=None,
    *,
    conf_type: str = "log",
    conf_level: float = 0.95,
    label: str | None = None,
    **deprecated,
) -> KaplanMeierResult:
    """Kaplan–Meier survival curve with Greenwood variance, as R's ``survfit``.

    Parameters
    ----------
    time : array_like
        Follow-up times (finite, >= 0).
    event : array_like, optional
        1 for an event, 0 for censoring; all events when omitted.
    conf_type : {"log", "log-log", "plain"}
        Transform of the pointwise confidence band; ``"log"`` is R's default,
        ``"log-log"`` SAS LIFETEST's and lifelines'.
    conf_level : float
        Confidence level of the band.
    label : str, optional
        Name of the curve (an arm, say).
    **deprecated
        ``durations=`` and ``event_observed=``, the names of the previous release for
        ``time`` and ``event`` (a :class:`DeprecationWarning`).

    Returns
    -------
    KaplanMeierResult

    References
    ----------
    Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
    J Am Stat Assoc 1958;53:457-481.
    Greenwood M. The natural duration of cancer. Rep Public Health Med Subj 1926;33:1-26.
    Brookmeyer R, Crowley J. A confidence interval for the median survival time.
    Biometrics 1982;38:29-41.

    Examples
    --------
    >>> res = kaplan_meier([1, 2, 2, 3, 4], [1, 0, 1, 1, 1])
    >>> res.survival_at([2.5]).round(4)
    array([0.6])
    >>> res.median
    3.0
    >>> res.at([2]).round(4).to_dict("records")
    [{'time': 2.0, 'survival': 0.6, 'survival_low': 0.2933, 'survival_high': 1.0, 'n_at_risk': 4}]
    """
    if deprecated:
        got = resolve_renamed("kaplan_meier", deprecated, _KM_RENAMES, {"time": time, "event": event})
        time, event = got["time"], got["event"]
    if time is None:
        raise TypeError("kaplan_meier() missing required argument: 'time'")
    check_choice("conf_type", conf_type, CONF_TYPES)
    conf_level = check_level(conf_level)
    t, e = as_durations(time, event)
    time, inverse = np.unique(t, return_inverse=True)
    n_event = np.bincount(inverse, weights=e, minlength=time.size)
    n_total = np.bincount(inverse, minlength=time.size)
    n_censor = n_total - n_event
    n_risk = t.size - np.concatenate(([0], np.cumsum(n_total)[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - n_event / n_risk)
        terms = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    std_err = np.sqrt(np.cumsum(terms))
    low, high = _band(survival, std_err, conf_type, conf_level)
    return KaplanMeierResult(
        time=time,
        n_risk=n_risk.astype(int),
        n_event=n_event.astype(int),
        n_censor=n_censor.astype(int),
        survival=survival,
        std_err=std_err,
        survival_low=low,
        survival_high=high,
        conf_type=conf_type,
        conf_level=conf_level,
        label=label,
        _durations=t,
    )


#: Names of the previous release: ``durations`` and ``event_observed``.
_KM_RENAMES = {"durations": "time", "event_observed": "event"}


def km_by_group(time=None, event=None, group=None, **kwargs) -> dict[str, KaplanMeierResult]:
    """Kaplan–Meier curve per group, in natural order of the group labels.

    Parameters
    ----------
    time, event : array_like
        Follow-up times (>= 0) and event indicators (1 event, 0 censored).
    group : array_like
        Group label per observation, labelled by :func:`~survrepro.engine.groups.group_labels`
        (``1.0`` is the group ``'1'``).
    **kwargs
        ``conf_type`` and ``conf_level``, passed to :func:`kaplan_meier`; ``durations=`` and
        ``event_observed=`` are the deprecated names of ``time`` and ``event``.

    Returns
    -------
    dict of str to KaplanMeierResult
        One curve per group label, each labelled with it.

    References
    ----------
    Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
    J Am Stat Assoc 1958;53:457-481.
    Greenwood M. The natural duration of cancer. Rep Public Health Med Subj 1926;33:1-26.

    Examples
    --------
    >>> curves = km_by_group([3, 5, 8, 4, 9, 14], [1, 1, 0, 1, 0, 1], [2.0, 2.0, 2.0, 1.0, 1.0, 1.0])
    >>> list(curves), curves["2"].median
    (['1', '2'], 5.0)
    """
    old = {k: kwargs.pop(k) for k in list(kwargs) if k in _KM_RENAMES}
    if old:
        got = resolve_renamed("km_by_group", old, _KM_RENAMES, {"time": time, "event": event})
        time, event = got["time"], got["event"]
    if time is None or event is None or group is None:
        raise TypeError("km_by_group() needs time, event and group")
    t, e = as_durations(time, event)
    g = group_labels(group, t.size, "group")
    return {lab: kaplan_meier(t[g == lab], e[g == lab], label=lab, **kwargs) for lab in natural_order(g)}


def median_followup(time=None, event=None, **kwargs) -> QuantileEstimate:
    """Median follow-up by the reverse Kaplan–Meier method (Schemper & Smith 1996).

    Censoring is treated as the event and events as censoring.

    Parameters
    ----------
    time, event : array_like
        Follow-up times (>= 0) and event indicators (1 event, 0 censored).
    **kwargs
        ``conf_type`` and ``conf_level``, passed to :func:`kaplan_meier`; ``durations=`` and
        ``event_observed=`` are the deprecated names of ``time`` and ``event``.

    Returns
    -------
    QuantileEstimate
        Median follow-up and its confidence limits; ``None`` where not reached.

    References
    ----------
    Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time.
    Control Clin Trials 1996;17:343-346.
    Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
    J Am Stat Assoc 1958;53:457-481.

    Examples
    --------
    >>> median_followup([2, 4, 6, 8, 10], [1, 0, 0, 1, 0]).estimate
    8.0
    """
    old = {k: kwargs.pop(k) for k in list(kwargs) if k in _KM_RENAMES}
    if old:
        got = resolve_renamed("median_followup", old, _KM_RENAMES, {"time": time, "event": event})
        time, event = got["time"], got["event"]
    if time is None or event is None:
        raise TypeError("median_followup() needs time and event")
    t, e = as_durations(time, event)
    return kaplan_meier(t, 1 - e, **kwargs).quantile(0.5)


# ============================================================================ fast paths
# The calculations above without input checks or result objects, for callers that evaluate
# them thousands of times (the synthesizer's search). Same arithmetic, in the same order, as
# the reference functions; tests/test_kernels.py checks each against its reference.



def km_survival_at(time, event, at) -> np.ndarray:
    """Kaplan-Meier survival at ``at`` from times already sorted: the fast path of
    :meth:`KaplanMeierResult.survival_at`.

    The same product-limit values as :func:`kaplan_meier` without its variance and
    confidence band, and without input checks; use it where a curve is evaluated many
    times (the fit of a reconstruction at its digitized points), and :func:`kaplan_meier`
    everywhere else.

    Parameters
    ----------
    time : numpy.ndarray
        Follow-up times, sorted ascending.
    event : numpy.ndarray
        1 for an event, 0 for censoring, in the order of ``time``.
    at : array_like
        Times at which to read the curve (right-continuous; 1 before the first time).

    Returns
    -------
    numpy.ndarray
        Survival at each of ``at``.

    See Also
    --------
    kaplan_meier : the reference implementation.

    References
    ----------
    Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
    J Am Stat Assoc 1958;53:457-481.

    Examples
    --------
    >>> t = np.array([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161.0])  # R: aml, Maintained arm
    >>> e = np.array([1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0])
    >>> km_survival_at(t, e, [10, 30]).round(4).tolist()
    [0.9091, 0.6136]
    """
    times, events = time, event
    if times.size == 0:
        return np.ones(np.shape(at))
    last = np.concatenate((times[1:] != times[:-1], [True]))
    uniq = times[last]
    total = np.diff(np.concatenate(([0], np.flatnonzero(last) + 1)))
    n_event = np.bincount(np.cumsum(np.concatenate(([0], last[:-1]))), weights=events, minlength=uniq.size)
    n_risk = times.size - np.concatenate(([0], np.cumsum(total)[:-1]))
    survival = np.cumprod(1.0 - n_event / n_risk)
    i = np.searchsorted(uniq, at, side="right") - 1
    return np.where(i >= 0, survival[np.maximum(i, 0)], 1.0)


def km_median(time, event, *, conf_type: str = "log", conf_level: float = 0.95,
              conf_int: bool = True) -> QuantileEstimate:
    """Kaplan–Meier median with its confidence limits, without building the curve.

    The fast path of ``kaplan_meier(time, event, conf_type=..., conf_level=...).quantile(0.5)``:
    the same product-limit estimate, Greenwood variance, pointwise band and R quantile rule,
    operation for operation, so the result is identical to the last bit. Use it instead of
    :func:`kaplan_meier` where the median is recomputed thousands of times (a search over
    data sets); it checks nothing, so give it clean arrays, and use :func:`kaplan_meier`
    everywhere else.

    Parameters
    ----------
    time : ndarray
        Follow-up times (finite, >= 0; not checked).
    event : ndarray
        1 for an event, 0 for censoring (not checked).
    conf_type : {"log", "log-log", "plain"}
        Transform of the pointwise band the limits are read from (not checked).
    conf_level : float
        Confidence level of the band.
    conf_int : bool
        When False only the estimate is computed; both limits are then ``None``.

    Returns
    -------
    QuantileEstimate
        ``(estimate, low, high)``, each ``None`` when not reached.

    See Also
    --------
    kaplan_meier, KaplanMeierResult.quantile : the reference implementation.

    References
    ----------
    Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
    J Am Stat Assoc 1958;53:457-481.
    Brookmeyer R, Crowley J. A confidence interval for the median survival time.
    Biometrics 1982;38:29-41.

    Examples
    --------
    >>> km_median([1, 2, 2, 3, 4], [1, 0, 1, 1, 1])
    QuantileEstimate(estimate=3.0, low=2.0, high=None)
    >>> km_median([1, 2, 2, 3, 4], [1, 0, 1, 1, 1], conf_int=False).estimate
    3.0
    """
    time = np.asarray(time, dtype=float)
    if time.size == 0:
        return QuantileEstimate(None, None, None)
    # the counts at each distinct time from one sort (np.unique's, without its inverse): the
    # events are summed exactly whatever the order, so every count is the reference's
    order = np.argsort(time, kind="stable")
    sorted_t = time[order]
    ends = np.flatnonzero(np.concatenate((sorted_t[1:] != sorted_t[:-1], [True])))
    x = np.concatenate(([0.0], sorted_t[ends]))
    events_to = np.cumsum(np.asarray(event, dtype=float)[order])[ends]
    n_event = events_to - np.concatenate(([0.0], events_to[:-1]))
    n_risk = time.size - np.concatenate(([0], ends[:-1] + 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - n_event / n_risk)
        estimate = _findq_curve(x, survival)
        if not conf_int:
            return QuantileEstimate(estimate, None, None)
        terms = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
        std_err = np.sqrt(np.cumsum(terms))
        lower, upper = _band(survival, std_err, conf_type, conf_level)
    return QuantileEstimate(
        estimate,
        _findq(x, np.concatenate(([0.0], 1 - lower)), 0.5),
        _findq(x, np.concatenate(([0.0], 1 - upper)), 0.5),
    )


def _findq_curve(x, survival, p=0.5, tol=QUANTILE_TOL):
    """:func:`_findq` of a product-limit curve ``survival`` at the times ``x[1:]``, in fewer steps.

    ``1 - survival`` has no missing value and never decreases, so its largest value is its
    last, and the first time it reaches a level is the first of its run of equal values: the
    values :func:`_findq` drops change no index it finds.
    """
    y = np.concatenate(([0.0], 1 - survival))
    if y[-1] < p:
        return None
    i1 = int(np.searchsorted(y + tol, p, side="left"))  # first index with y + tol >= p
    if i1 >= y.size:
        return None
    if abs(p - y[-1]) < tol:  # the curve ends exactly at the level
        return float((x[i1] + x[-1]) / 2)
    i2 = int(np.searchsorted(y - tol, p, side="left"))  # first index with y - tol >= p
    if i2 >= y.size:
        return None
    return float((x[i1] + x[i2]) / 2)


def km_band_at(time, event, at: float, *, conf_type: str = "log", conf_level: float = 0.95) -> tuple:
    """Kaplan–Meier survival at one time with its pointwise confidence limits.

    The fast path of ``kaplan_meier(time, event, conf_type=..., conf_level=...).at([at])``:
    the same product-limit estimate, Greenwood variance and band as :func:`km_median`,
    operation for operation; it checks nothing, so give it clean arrays, and use
    :func:`kaplan_meier` everywhere else.

    Parameters
    ----------
    time : ndarray
        Follow-up times (finite, >= 0; not checked).
    event : ndarray
        1 for an event, 0 for censoring (not checked).
    at : float
        The time to read (right-continuous; 1 with limits 1 before the first time).
    conf_type : {"log", "log-log", "plain"}
        Transform of the band (not checked).
    conf_level : float
        Confidence level of the band.

    Returns
    -------
    tuple of float
        ``(survival, low, high)``; a limit is NaN where R's is NA.

    See Also
    --------
    kaplan_meier, KaplanMeierResult.at : the reference implementation.

    Examples
    --------
    >>> t = np.array([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161.0])  # R: aml, Maintained arm
    >>> e = np.array([1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0])
    >>> [round(x, 4) for x in km_band_at(t, e, 24.0)]  # R: summary(fit, times = 24)
    [0.6136, 0.3769, 0.9992]
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event)
    distinct, inverse = np.unique(time, return_inverse=True)
    k = int(np.searchsorted(distinct, at, side="right")) - 1
    if k < 0:
        return 1.0, 1.0, 1.0
    n_event = np.bincount(inverse, weights=event, minlength=distinct.size)[: k + 1]
    n_total = np.bincount(inverse, minlength=distinct.size)[: k + 1]
    n_risk = time.size - np.concatenate(([0], np.cumsum(n_total)[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - n_event / n_risk)
        terms = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
        std_err = np.sqrt(np.cumsum(terms))
    lower, upper = _band(survival[-1:], std_err[-1:], conf_type, conf_level)
    return float(survival[-1]), float(lower[0]), float(upper[0])
