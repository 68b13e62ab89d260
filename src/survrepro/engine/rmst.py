"""Restricted mean survival time (RMST) up to a horizon ``tau``, per arm and between arms.

Per arm, the RMST is the area under the Kaplan–Meier curve from 0 to ``tau`` and its
standard error is the one R's ``survfit`` prints with ``print(fit, rmean = tau)``
(``summary(fit, rmean = tau)$table[, "se(rmean)"]``): the sum over event times ``t_j <= tau``
of ``A_j^2 d_j / (n_j (n_j - d_j))``, ``A_j`` the area under the curve from ``t_j`` to
``tau``, without small-sample correction. Beyond the last observed time of an arm the
curve is carried forward to ``tau`` as R does; ``beyond_follow_up`` says where that
happened.

Between arms (each level against the reference): the difference with a normal
approximation, ``se = sqrt(se_1^2 + se_0^2)``, and the ratio on the log scale by the delta
method, ``se(log ratio) = sqrt(se_1^2 / m_1^2 + se_0^2 / m_0^2)``; the arms are
independent samples.

References
----------
Irwin JO. The standard error of an estimate of expectation of life. J Hyg 1949;47:188-189.
Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard ratio
for the design and analysis of randomized trials with a time-to-event outcome.
BMC Med Res Methodol 2013;13:152.
Uno H, et al. Moving beyond the hazard ratio in quantifying the between-group difference
in survival analysis. J Clin Oncol 2014;32:2380-2385.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from survrepro._validation import InputError, as_durations, check_level
from survrepro.engine._results import ConfidenceInterval, ResultMixin, to_jsonable
from survrepro.engine.groups import prepare_groups
from survrepro.engine.km import kaplan_meier

__all__ = ["RMSTResult", "restricted_mean", "rmst"]


def _rmst_one(time, event, tau: float) -> tuple[float, float]:
    """RMST and its standard error for one arm, as R's ``survmean`` (print.survfit)."""
    km = kaplan_meier(time, event)
    keep = km.time <= tau
    n, d = km.n_risk[keep].astype(float), km.n_event[keep].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard_var = np.where(n - d == 0, 0.0, d / (n * (n - d)))
    edges = np.concatenate(([0.0], km.time[keep], [tau]))
    heights = np.concatenate(([1.0], km.survival[keep]))
    rectangles = np.diff(edges) * heights
    after = np.cumsum(rectangles[::-1])[::-1][1:]  # area from each kept time to tau
    return float(rectangles.sum()), float(np.sqrt(np.sum(after**2 * hazard_var)))


def restricted_mean(time, event, tau: float) -> float:
    """The RMST of one arm up to ``tau``: the fast path of ``rmst(time, event, tau=tau).estimate[0]``.

    The area under the Kaplan–Meier curve as :func:`rmst` computes it (carried forward beyond
    the last time), without the standard error, the curve object or input checks; use it
    where the RMST is recomputed thousands of times (a search over data sets) and
    :func:`rmst` everywhere else.

    Parameters
    ----------
    time : ndarray
        Follow-up times (finite, >= 0; not checked).
    event : ndarray
        1 for an event, 0 for censoring (not checked).
    tau : float
        Horizon (> 0, not checked).

    Returns
    -------
    float
        The area under the Kaplan–Meier curve from 0 to ``tau``.

    See Also
    --------
    rmst : the reference implementation.

    Examples
    --------
    >>> restricted_mean(np.array([2, 4, 6, 8.0]), np.array([1, 1, 0, 1]), 5.0)
    4.0
    """
    time = np.asarray(time, dtype=float)
    distinct, inverse = np.unique(time, return_inverse=True)
    n_event = np.bincount(inverse, weights=np.asarray(event, dtype=float), minlength=distinct.size)
    n_risk = time.size - np.concatenate(([0], np.cumsum(np.bincount(inverse, minlength=distinct.size))[:-1]))
    keep = distinct <= tau
    survival = np.cumprod(1.0 - n_event / n_risk)[keep]
    edges = np.concatenate(([0.0], distinct[keep], [tau]))
    return float((np.diff(edges) * np.concatenate(([1.0], survival))).sum())


@dataclass(frozen=True, eq=False, repr=False)
class RMSTResult(ResultMixin):
    """Restricted mean survival time up to ``tau`` per arm, and contrasts with the reference.

    Attributes
    ----------
    levels : tuple of str
        Arms, reference first (``("all",)`` without a group).
    n, events, estimate, se : ndarray
        Per arm: patients, events, RMST and its standard error (R ``survfit``).
    beyond_follow_up : ndarray of bool
        Per arm: ``tau`` lies beyond the arm's last observed time (curve carried forward).
    """

    tau: float
    conf_level: float
    group: str | None
    levels: tuple
    n: np.ndarray
    events: np.ndarray
    estimate: np.ndarray
    se: np.ndarray
    beyond_follow_up: np.ndarray

    @property
    def reference(self) -> str | None:
        return self.levels[0] if self.group is not None else None

    def _z(self, conf_level: float | None = None) -> float:
        level = self.conf_level if conf_level is None else check_level(conf_level)
        return float(stats.norm.ppf((1 + level) / 2))

    def confidence_interval(self, conf_level: float | None = None) -> ConfidenceInterval:
        """Normal-approximation limits ``rmst -/+ z se`` per arm.

        Parameters
        ----------
        conf_level : float, optional
            Confidence level; the result's own when omitted.

        Returns
        -------
        ConfidenceInterval
            ``(low, high)`` arrays, one value per arm.

        Examples
        --------
        >>> from survrepro import rmst
        >>> time = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
        >>> event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
        >>> res = rmst(time, event, [1] * 11 + [2] * 12, tau=40)  # R: aml, rmean = 40
        >>> ci = res.confidence_interval(0.9)
        >>> ci.low.round(4).tolist(), ci.high.round(4).tolist()
        ([23.1941, 15.6215], [34.6014, 28.2396])
        """
        z = self._z(conf_level)
        return ConfidenceInterval(self.estimate - z * self.se, self.estimate + z * self.se)

    def to_frame(self) -> pd.DataFrame:
        """One row per arm: RMST, standard error and normal-approximation limits."""
        ci = self.confidence_interval()
        return pd.DataFrame(
            {
                "group": self.levels,
                "n": self.n,
                "events": self.events,
                "tau": self.tau,
                "rmst": self.estimate,
                "se": self.se,
                "rmst_low": ci.low,
                "rmst_high": ci.high,
                "beyond_follow_up": self.beyond_follow_up,
                "conf_level": self.conf_level,
            }
        )

    def contrasts(self) -> pd.DataFrame:
        """Each arm against the reference: difference (arm - reference) and ratio, with
        confidence limits and two-sided p values; empty without a group.

        Returns
        -------
        pandas.DataFrame
            One row per compared arm: ``difference`` with ``difference_se``, ``difference_low``,
            ``difference_high``, ``difference_pvalue``; ``ratio`` with ``ratio_low``,
            ``ratio_high``, ``ratio_pvalue`` (on the log scale); ``tau`` and ``conf_level``.

        References
        ----------
        Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard
        ratio for the design and analysis of randomized trials with a time-to-event outcome.
        BMC Med Res Methodol 2013;13:152.

        Examples
        --------
        >>> from survrepro import rmst
        >>> time = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
        >>> event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
        >>> res = rmst(time, event, [1] * 11 + [2] * 12, tau=40)  # R: aml, rmean = 40
        >>> res.contrasts()[["difference", "difference_low", "difference_high", "ratio"]].round(4).values.tolist()
        [[-6.9672, -17.1016, 3.1672, 0.7589]]
        """
        z = self._z()
        m0, s0 = self.estimate[0], self.se[0]
        m1, s1 = self.estimate[1:], self.se[1:]
        diff = m1 - m0
        diff_se = np.sqrt(s1**2 + s0**2)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.log(m1 / m0)
            log_se = np.sqrt(s1**2 / m1**2 + s0**2 / m0**2)
            diff_p = 2 * stats.norm.sf(np.abs(diff / diff_se))
            ratio_p = 2 * stats.norm.sf(np.abs(log_ratio / log_se))
        return pd.DataFrame(
            {
                "level": self.levels[1:],
                "reference": self.reference,
                "tau": self.tau,
                "difference": diff,
                "difference_se": diff_se,
                "difference_low": diff - z * diff_se,
                "difference_high": diff + z * diff_se,
                "difference_pvalue": diff_p,
                "ratio": np.exp(log_ratio),
                "ratio_low": np.exp(log_ratio - z * log_se),
                "ratio_high": np.exp(log_ratio + z * log_se),
                "ratio_pvalue": ratio_p,
                "conf_level": self.conf_level,
            }
        )

    @property
    def summary(self) -> pd.DataFrame:
        """The per-arm table of :meth:`to_frame`."""
        return self.to_frame()

    def to_dict(self) -> dict:
        """JSON-ready: per-arm estimates with their limits, and the contrasts."""
        ci = self.confidence_interval()
        return {**super().to_dict(), "rmst_low": to_jsonable(ci.low), "rmst_high": to_jsonable(ci.high),
                "contrasts": to_jsonable(self.contrasts().to_dict("records"))}

    def _repr_head(self) -> str:
        return f"tau={self.tau:g}"

    def _repr_body(self) -> str:
        return ", ".join(f"{lev}: {m:.4g} (se {s:.3g})" for lev, m, s in zip(self.levels, self.estimate, self.se))


def rmst(time, event, group=None, *, tau, reference=None, conf_level: float = 0.95) -> RMSTResult:
    """Restricted mean survival time up to ``tau``, per arm and against the reference arm.

    Parameters
    ----------
    time, event : array_like
        Follow-up times (>= 0) and event indicators (1 event, 0 censored).
    group : array_like, optional
        Arm per observation, labelled by :func:`~survrepro.engine.groups.group_labels`;
        one overall estimate when omitted.
    tau : float
        Horizon (> 0), in the unit of ``time``.
    conf_level : float
        Level of the normal-approximation confidence limits.
    reference : optional
        Arm the others are compared with; the first in natural order unless given.

    Returns
    -------
    RMSTResult
        Per arm: ``estimate``, ``se`` and limits ``rmst_low`` / ``rmst_high``;
        :meth:`RMSTResult.contrasts` against the reference.

    References
    ----------
    Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard ratio
    for the design and analysis of randomized trials with a time-to-event outcome.
    BMC Med Res Methodol 2013;13:152.
    Irwin JO. The standard error of an estimate of expectation of life. J Hyg 1949;47:188-189.

    Examples
    --------
    >>> res = rmst([2, 4, 6, 8], [1, 1, 0, 1], tau=5)
    >>> float(res.estimate[0])
    4.0
    >>> two = rmst([2, 4, 6, 8, 3, 5, 7, 9], [1, 1, 0, 1, 1, 0, 1, 1], [1, 1, 1, 1, 2, 2, 2, 2], tau=5)
    >>> two.levels, round(float(two.contrasts()["difference"][0]), 4)
    (('1', '2'), 0.5)
    """
    conf_level = check_level(conf_level)
    t, e = as_durations(time, event)
    try:
        tau = float(tau)
    except (TypeError, ValueError):
        raise InputError(f"tau must be a number > 0; got {tau!r}.") from None
    if not (np.isfinite(tau) and tau > 0):
        raise InputError(f"tau must be a finite number > 0; got {tau!r}.")
    if group is None:
        if reference is not None:
            raise InputError("reference was given but no group; pass the group to compare arms.")
        group_name, levels, codes = None, ("all",), np.zeros(t.size, dtype=int)
    else:
        data = prepare_groups(t, e, group, None, reference, min_levels=1)
        group_name, levels, codes = data.group_name, data.levels, data.codes
    arms = [np.flatnonzero(codes == i) for i in range(len(levels))]
    est = np.array([_rmst_one(t[a], e[a], tau) for a in arms])
    return RMSTResult(
        tau=tau,
        conf_level=conf_level,
        group=group_name,
        levels=tuple(levels),
        n=np.array([a.size for a in arms]),
        events=np.array([int(e[a].sum()) for a in arms]),
        estimate=est[:, 0],
        se=est[:, 1],
        beyond_follow_up=np.array([tau > t[a].max() for a in arms]),
    )
