"""The log-rank test, as R's ``survdiff`` (survival 3.5-3) computes it.

``rho = 0``: hypergeometric variance at tied times; k groups give a chi-square on k - 1
degrees of freedom; ``strata`` sums the observed, expected and variance over strata, as
``survdiff(Surv(time, event) ~ group + strata(s))``.

References
----------
Mantel N. Evaluation of survival data and two new rank order statistics arising in its
consideration. Cancer Chemother Rep 1966;50:163-170.
Peto R, Peto J. Asymptotically efficient rank invariant test procedures.
J R Stat Soc A 1972;135:185-207.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from survrepro.engine._results import ResultMixin, renamed_attribute
from survrepro.engine.groups import prepare_groups

__all__ = ["LogRankResult", "logrank_test"]


@dataclass(frozen=True, eq=False, repr=False)
class LogRankResult(ResultMixin):
    """k-group log-rank test, as R's ``survdiff`` (``rho = 0``), stratified if asked.

    Attributes
    ----------
    levels : tuple of str
        Groups in natural order.
    n, observed, expected : ndarray
        Patients, observed and expected events per group (summed over strata).
    variance : ndarray
        Variance matrix of ``observed - expected`` (hypergeometric at tied times),
        summed over strata.
    statistic, df, pvalue : float, int, float
        Chi-square statistic, its degrees of freedom (groups with expected events, minus
        one) and p value.
    observed_by_stratum, expected_by_stratum : ndarray, shape (n_strata, k)
        Per-stratum counts (a single row when unstratified).
    """

    levels: tuple
    group: str
    n: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    statistic: float
    df: int
    strata: str | None
    strata_levels: tuple | None
    observed_by_stratum: np.ndarray
    expected_by_stratum: np.ndarray

    chisq = renamed_attribute("statistic")
    p = renamed_attribute("pvalue")

    @property
    def pvalue(self) -> float:
        return float(stats.chi2.sf(self.statistic, self.df)) if self.df > 0 else 1.0

    def to_frame(self) -> pd.DataFrame:
        """One row per group, the columns R prints for ``survdiff``."""
        oe = self.observed - self.expected
        with np.errstate(divide="ignore", invalid="ignore"):
            return pd.DataFrame(
                {
                    "group": list(self.levels),
                    "n": self.n,
                    "observed": self.observed,
                    "expected": self.expected,
                    "o_minus_e": oe,
                    "oe2_over_e": oe**2 / self.expected,
                    "oe2_over_v": oe**2 / np.diag(self.variance),
                }
            )

    @property
    def test(self) -> pd.DataFrame:
        """The test as a one-row table: ``statistic``, ``df``, ``pvalue``, ``strata``."""
        return pd.DataFrame([{"statistic": self.statistic, "df": self.df, "pvalue": self.pvalue, "strata": self.strata}])

    @property
    def summary(self) -> pd.DataFrame:
        """The one-row table of :attr:`test`."""
        return self.test

    def to_dict(self) -> dict:
        """JSON-ready fields with the p value."""
        return {**super().to_dict(), "pvalue": self.pvalue}

    def _repr_head(self) -> str:
        return str(self.group)

    def _repr_body(self) -> str:
        strata = f", strata={self.strata!r}" if self.strata else ""
        return f"statistic={self.statistic:.4g} on {self.df} df, p={self.pvalue:.3g}{strata}"


def logrank_test(time, event, group, *, strata=None) -> LogRankResult:
    """Log-rank test of two or more groups, as R's ``survdiff`` (``rho = 0``).

    With ``strata`` the observed-minus-expected counts and their variances are computed
    within each stratum and summed, as ``survdiff(Surv(time, event) ~ group + strata(s))``.

    Parameters
    ----------
    time, event : array_like
        Follow-up times (>= 0) and event indicators (1 event, 0 censored).
    group : array_like
        Group label per observation (two or more levels), labelled by
        :func:`~survrepro.engine.groups.group_labels`.
    strata : array_like, optional
        Stratum per observation.

    Returns
    -------
    LogRankResult
        ``statistic``, ``df`` and ``pvalue``, with the observed and expected events per group.

    References
    ----------
    Mantel N. Evaluation of survival data and two new rank order statistics arising in its
    consideration. Cancer Chemother Rep 1966;50:163-170.
    Peto R, Peto J. Asymptotically efficient rank invariant test procedures.
    J R Stat Soc A 1972;135:185-207.

    Examples
    --------
    >>> res = logrank_test([5, 8, 12, 3, 4, 6, 9, 10], [1, 1, 0, 1, 1, 1, 0, 1],
    ...                    ["A", "A", "A", "A", "B", "B", "B", "B"])
    >>> round(res.statistic, 4), res.df, round(res.pvalue, 4)
    (0.0198, 1, 0.8881)
    """
    data = prepare_groups(time, event, group, strata)
    k = len(data.levels)
    n_strata = len(data.strata_levels or (None,))
    obs = np.zeros((n_strata, k))
    exp = np.zeros((n_strata, k))
    var = np.zeros((k, k))
    for s in range(n_strata):
        sel = data.strata_codes == s
        _, inverse = np.unique(data.time[sel], return_inverse=True)
        g, e = data.codes[sel], data.event[sel]
        n_times = inverse.max() + 1
        at_time = np.zeros((n_times, k))
        np.add.at(at_time, (inverse, g), 1.0)
        dead = np.zeros((n_times, k))
        np.add.at(dead, (inverse, g), e)
        risk = np.cumsum(at_time[::-1], axis=0)[::-1]  # at risk per group, time >= t
        n_risk = risk.sum(axis=1)
        d = dead.sum(axis=1)
        obs[s] = dead.sum(axis=0)
        exp[s] = (d / n_risk) @ risk
        keep = (d > 0) & (n_risk > 1)
        rk, nk, dk = risk[keep], n_risk[keep], d[keep]
        f = dk * (nk - dk) / (nk * (nk - 1))
        var += np.diag(f @ rk) - np.einsum("j,jg,jh->gh", f / nk, rk, rk)
    observed, expected = obs.sum(axis=0), exp.sum(axis=0)
    used = np.flatnonzero(expected > 0)
    if used.size < 2:
        chisq = 0.0
    else:
        kept = used[1:]
        diff = (observed - expected)[kept]
        chisq = float(diff @ np.linalg.solve(var[np.ix_(kept, kept)], diff))
    return LogRankResult(
        levels=data.levels,
        group=data.group_name,
        n=np.bincount(data.codes, minlength=k),
        observed=observed,
        expected=expected,
        variance=var,
        statistic=chisq,
        df=int(used.size - 1),
        strata=data.strata_name,
        strata_levels=data.strata_levels,
        observed_by_stratum=obs,
        expected_by_stratum=exp,
    )
