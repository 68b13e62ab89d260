"""Single-arm designs on a landmark proportion.

The exact binomial rejection threshold and power, the smallest sample size for a given
power (noting the saw-tooth of exact power), and Simon's (1989) optimal and minimax
two-stage designs.

References
----------
Simon R. (1989). Optimal two-stage designs for phase II clinical trials.
*Controlled Clinical Trials* 10:1-10.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from survrepro._validation import InputError, check_choice, check_range
from survrepro._validation import check_positive as _positive
from survrepro.design._common import DesignResult, proportion_value

__all__ = [
    "BinomialDesign",
    "SampleSizeSearch",
    "SimonDesign",
    "binomial_design",
    "binomial_power_curve",
    "binomial_sample_size",
    "simon_two_stage",
]


@dataclass(frozen=True, repr=False)
class BinomialDesign(DesignResult):
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
    p0 = proportion_value("null rate p0", p0)
    p1 = proportion_value("alternative rate p1", p1)
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
    alpha = proportion_value("alpha", alpha)
    k = int(_thresholds(np.array([n]), p0, alpha)[0])
    return BinomialDesign(n, p0, p1, alpha, k, float(stats.binom.sf(k - 1, n, p0)), float(stats.binom.sf(k - 1, n, p1)))


def binomial_power_curve(n: int, p0: float, p1_grid, *, alpha: float = 0.05) -> pd.DataFrame:
    """Exact power over alternative rates for fixed ``n``, ``p0`` and ``alpha``.

    The rejection threshold is that of :func:`binomial_design` (the smallest number of
    successes whose one-sided exact type I error is at most ``alpha``); power at each
    alternative ``p1`` is ``P(X >= threshold | n, p1)``.

    Parameters
    ----------
    n : int
        Patients.
    p0 : float
        Null rate.
    p1_grid : array_like
        Alternative rates.
    alpha : float
        One-sided type I error.

    Returns
    -------
    pandas.DataFrame
        Columns ``n, p0, alpha, threshold, p1, power``, one row per rate (plotting-ready).

    References
    ----------
    A'Hern RP. (2001). Sample size tables for exact single-stage phase II designs.
    *Statistics in Medicine* 20:859-866.

    Examples
    --------
    >>> c = binomial_power_curve(30, 0.2, [0.2, 0.4])
    >>> int(c["threshold"].iloc[0]), c["power"].round(4).tolist()
    (11, [0.0256, 0.7085])
    """
    base = binomial_design(n, p0, max(float(np.max(p1_grid)), p0 + 1e-9), alpha=alpha)
    grid = np.asarray(p1_grid, dtype=float)
    return pd.DataFrame({
        "n": n, "p0": base.p0, "alpha": base.alpha, "threshold": base.threshold,
        "p1": grid, "power": stats.binom.sf(base.threshold - 1, n, grid),
    })


@dataclass(frozen=True, repr=False)
class SampleSizeSearch(DesignResult):
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
        """The design at ``n_stable`` (default) or ``n_smallest``.

        Parameters
        ----------
        which : {"stable", "smallest"}
            The saw-tooth-safe sample size, or the first that reaches the power.

        Returns
        -------
        BinomialDesign

        Examples
        --------
        >>> binomial_sample_size(0.2, 0.4).design("smallest")
        BinomialDesign(n 35, p0 0.2, p1 0.4: positive if >= 12 successes; alpha 0.0344, power 0.8048)
        """
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

    Exact power is not monotone in ``n``: ``n_smallest`` is the first ``n`` reaching
    ``power``, ``n_stable`` the first from which every larger ``n`` up to ``n_max``
    reaches it too.

    Parameters
    ----------
    p0, p1 : float
        Null and alternative rates (``p0 < p1``).
    alpha : float
        One-sided type I error.
    power : float
        Target power.
    n_max : int
        Largest ``n`` searched.

    Returns
    -------
    SampleSizeSearch
        ``curve`` holds ``n, threshold, type_i_error, power`` for every ``n`` from 1 to ``n_max``.

    References
    ----------
    A'Hern RP. (2001). Sample size tables for exact single-stage phase II designs.
    *Statistics in Medicine* 20:859-866.

    Examples
    --------
    >>> s = binomial_sample_size(0.2, 0.4, alpha=0.05, power=0.8)
    >>> s.n_smallest, s.n_stable
    (35, 38)
    """
    p0, p1 = _check_rates(p0, p1)
    alpha = proportion_value("alpha", alpha)
    power = proportion_value("power", power)
    n_max = check_range("n_max", _positive("n_max", n_max, integer=True), 1, MAX_BINOMIAL_N, integer=True,
                        unit="patients")
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


@dataclass(frozen=True, repr=False)
class SimonDesign(DesignResult):
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


#: Largest n of the single-stage search (:func:`binomial_sample_size`): about a second.
MAX_BINOMIAL_N = 100_000
#: Largest total n of Simon's exhaustive search: about 20 seconds on one core.
MAX_SIMON_N = 150


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
    alpha = proportion_value("alpha", alpha)
    power = proportion_value("power", power)
    if n_max is None:
        single = binomial_sample_size(p0, p1, alpha=alpha, power=power, n_max=5000)
        n_max = int(1.5 * single.n_smallest) + 10
        if n_max > MAX_SIMON_N:
            raise InputError(
                f"p0 {p0:g} and p1 {p1:g} need {single.n_smallest} patients in a single stage; Simon's exhaustive "
                f"search covers two-stage designs of at most {MAX_SIMON_N} patients (its time grows with the cube "
                f"of n); expected rates further apart."
            )
    n_max = check_range("n_max", _positive("n_max", n_max, integer=True), 2, MAX_SIMON_N, integer=True,
                        unit="patients (the search time grows with the cube of n)")
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
