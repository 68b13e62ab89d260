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

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from survrepro._validation import InputError, as_durations, check_choice, check_level
from survrepro.engine.groups import natural_order
from survrepro.options import CONF_TYPES

__all__ = [
    "CONF_TYPES",
    "KaplanMeierResult",
    "QuantileEstimate",
    "kaplan_meier",
    "km_by_group",
    "median_followup",
]

#: Tolerance R's quantile.survfit uses to decide that the curve sits exactly at a level.
QUANTILE_TOL = float(np.sqrt(np.finfo(float).eps))


class QuantileEstimate(NamedTuple):
    """A survival-time quantile with its confidence limits; ``None`` when not reached."""

    estimate: float | None
    low: float | None
    high: float | None


def _none_if_nan(x) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _band(surv, se_log, conf_type, conf_level):
    """Pointwise confidence band as R's ``survfit_confint`` (``se_log`` is the SE of log S)."""
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
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
class KaplanMeierResult:
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
    lower, upper : ndarray
        Pointwise confidence band under ``conf_type`` at ``conf_level``; NaN where the
        transform is undefined (as R's ``NA``).
    """

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    survival: np.ndarray
    std_err: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    conf_type: str = "log"
    conf_level: float = 0.95
    label: str | None = None
    _durations: np.ndarray = field(default=None, compare=False)

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

    def confidence_interval(self, conf_type: str | None = None, conf_level: float | None = None):
        """Pointwise band under another transform or level, as ``(lower, upper)`` arrays."""
        conf_type = self.conf_type if conf_type is None else conf_type
        check_choice("conf_type", conf_type, CONF_TYPES)
        conf_level = check_level(self.conf_level if conf_level is None else conf_level)
        return _band(self.survival, self.std_err, conf_type, conf_level)

    def _index(self, times) -> np.ndarray:
        """Index of the last distinct time <= t (-1 before the first)."""
        return np.searchsorted(self.time, np.asarray(times, dtype=float), side="right") - 1

    def survival_at(self, times) -> np.ndarray:
        """Survival at ``times`` (right-continuous; 1 before the first time)."""
        i = self._index(times)
        return np.where(i >= 0, self.survival[np.maximum(i, 0)], 1.0)

    def n_at_risk(self, times) -> np.ndarray:
        """Numbers at risk at ``times``, counted as ``#{time >= t}`` (R; published risk tables)."""
        times = np.asarray(times, dtype=float)
        d = np.sort(self._durations)
        return (d.size - np.searchsorted(d, times, side="left")).astype(int)

    def at(self, times) -> pd.DataFrame:
        """Survival, confidence limits and numbers at risk at landmark ``times``.

        Beyond the last observed time the curve is carried forward (R's
        ``summary(fit, times, extend=TRUE)``).
        """
        times = np.atleast_1d(np.asarray(times, dtype=float))
        i = self._index(times)
        before = i < 0
        j = np.maximum(i, 0)
        return pd.DataFrame(
            {
                "time": times,
                "survival": np.where(before, 1.0, self.survival[j]),
                "lower": np.where(before, 1.0, self.lower[j]),
                "upper": np.where(before, 1.0, self.upper[j]),
                "n_at_risk": self.n_at_risk(times),
            }
        )

    def quantile(self, p: float) -> QuantileEstimate:
        """Time by which a fraction ``p`` has had the event (``p=0.5``: the median).

        Follows R's ``quantile.survfit``: the first time ``1 - S`` reaches ``p``; where the
        curve sits exactly at ``1 - p`` over a flat stretch, the midpoint of the stretch.
        The confidence limits are where the pointwise band reaches the same level.
        """
        p = float(p)
        if not 0.0 < p < 1.0:
            raise InputError(f"quantile probability must be strictly between 0 and 1; got {p!r}.")
        x = np.concatenate(([0.0], self.time))
        est = _findq(x, np.concatenate(([0.0], 1 - self.survival)), p)
        low = _findq(x, np.concatenate(([0.0], 1 - self.lower)), p)
        high = _findq(x, np.concatenate(([0.0], 1 - self.upper)), p)
        return QuantileEstimate(est, low, high)

    @property
    def median(self) -> float | None:
        """Median survival time, ``None`` when not reached."""
        return self.quantile(0.5).estimate

    @property
    def median_ci(self) -> tuple[float | None, float | None]:
        """Confidence limits of the median; each ``None`` when not reached."""
        q = self.quantile(0.5)
        return (q.low, q.high)

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
                "lower": self.lower,
                "upper": self.upper,
            }
        )

    def summary(self) -> pd.DataFrame:
        """One-row summary: n, events, median and its confidence limits, settings."""
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

    def __repr__(self) -> str:
        q = self.quantile(0.5)
        fmt = lambda v: "NR" if v is None else f"{v:g}"  # noqa: E731
        name = f" {self.label!r}" if self.label is not None else ""
        return (
            f"KaplanMeierResult{name}: n={self.n}, events={self.events}, "
            f"median={fmt(q.estimate)} ({self.conf_level:.0%} CI {fmt(q.low)} to {fmt(q.high)}; "
            f"conf_type={self.conf_type!r})"
        )

    def _repr_html_(self) -> str:
        return f"<p><code>{self!r}</code></p>" + self.to_frame()._repr_html_()


def kaplan_meier(
    durations,
    event_observed=None,
    *,
    conf_type: str = "log",
    conf_level: float = 0.95,
    label: str | None = None,
) -> KaplanMeierResult:
    """Kaplan–Meier survival curve with Greenwood variance, as R's ``survfit``.

    Parameters
    ----------
    durations : array_like
        Follow-up times (finite, >= 0).
    event_observed : array_like, optional
        1 for an event, 0 for censoring; all events when omitted.
    conf_type : {"log", "log-log", "plain"}
        Transform of the pointwise confidence band; ``"log"`` is R's default,
        ``"log-log"`` SAS LIFETEST's and lifelines'.
    conf_level : float
        Confidence level of the band.
    label : str, optional
        Name of the curve (an arm, say).

    Returns
    -------
    KaplanMeierResult

    Examples
    --------
    >>> res = kaplan_meier([1, 2, 2, 3, 4], [1, 0, 1, 1, 1])
    >>> res.survival_at([2.5]).round(4)
    array([0.6])
    >>> res.median
    3.0
    """
    check_choice("conf_type", conf_type, CONF_TYPES)
    conf_level = check_level(conf_level)
    t, e = as_durations(durations, event_observed)
    time, inverse = np.unique(t, return_inverse=True)
    n_event = np.bincount(inverse, weights=e, minlength=time.size)
    n_total = np.bincount(inverse, minlength=time.size)
    n_censor = n_total - n_event
    n_risk = t.size - np.concatenate(([0], np.cumsum(n_total)[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - n_event / n_risk)
        terms = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    std_err = np.sqrt(np.cumsum(terms))
    lower, upper = _band(survival, std_err, conf_type, conf_level)
    return KaplanMeierResult(
        time=time,
        n_risk=n_risk.astype(int),
        n_event=n_event.astype(int),
        n_censor=n_censor.astype(int),
        survival=survival,
        std_err=std_err,
        lower=lower,
        upper=upper,
        conf_type=conf_type,
        conf_level=conf_level,
        label=label,
        _durations=t,
    )




def km_by_group(durations, event_observed, group, **kwargs) -> dict[str, KaplanMeierResult]:
    """Kaplan–Meier curve per group, in natural order of the group labels."""
    t, e = as_durations(durations, event_observed)
    g = np.asarray([str(x) for x in np.asarray(group, dtype=object).ravel()])
    if g.size != t.size:
        raise InputError(f"{t.size} times but {g.size} group labels; expected one each.")
    return {lab: kaplan_meier(t[g == lab], e[g == lab], label=lab, **kwargs) for lab in natural_order(g)}


def median_followup(durations, event_observed, **kwargs) -> QuantileEstimate:
    """Median follow-up by the reverse Kaplan–Meier method (Schemper & Smith 1996).

    Censoring is treated as the event and events as censoring; keywords pass to
    :func:`kaplan_meier`.
    """
    t, e = as_durations(durations, event_observed)
    return kaplan_meier(t, 1 - e, **kwargs).quantile(0.5)


# ============================================================================ fast paths
# The calculations above without input checks or result objects, for callers that evaluate
# them thousands of times (the synthesizer's search). Same arithmetic, in the same order, as
# the reference functions; tests/test_kernels.py checks each against its reference.

__all__ += ["km_median"]


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
    event = np.asarray(event)
    distinct, inverse = np.unique(time, return_inverse=True)
    n_event = np.bincount(inverse, weights=event, minlength=distinct.size)
    n_total = np.bincount(inverse, minlength=distinct.size)
    n_risk = time.size - np.concatenate(([0], np.cumsum(n_total)[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - n_event / n_risk)
    x = np.concatenate(([0.0], distinct))
    estimate = _findq(x, np.concatenate(([0.0], 1 - survival)), 0.5)
    if not conf_int:
        return QuantileEstimate(estimate, None, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
        std_err = np.sqrt(np.cumsum(terms))
    lower, upper = _band(survival, std_err, conf_type, conf_level)
    return QuantileEstimate(
        estimate,
        _findq(x, np.concatenate(([0.0], 1 - lower)), 0.5),
        _findq(x, np.concatenate(([0.0], 1 - upper)), 0.5),
    )
