"""Tests of independence for an r x c contingency table, as R computes them.

Four tests, each returned with its statistic, degrees of freedom and p-value:

* ``"pearson"``: Pearson's chi-square without continuity correction
  (R ``chisq.test(x, correct = FALSE)``).
* ``"pearson_yates"``: Pearson's chi-square with Yates' continuity correction
  (R ``chisq.test(x)``, whose default ``correct = TRUE`` applies only to 2 x 2 tables;
  for a larger table the correction does not apply and the result says so).
* ``"likelihood_ratio"``: the likelihood-ratio (G) test, ``G = 2 sum O log(O/E)``
  on ``(r - 1)(c - 1)`` degrees of freedom.
* ``"fisher"``: Fisher's exact test for a 2 x 2 table and its Freeman–Halton extension
  for an r x c table, by complete enumeration of the tables with the observed margins.
  As in R's ``fisher.test``, the two-sided p-value sums the probabilities of the tables
  whose probability is at most the observed one times ``1 + 1e-7``.

Rows or columns whose total is zero carry no information and are dropped before testing
(R's ``chisq.test`` would return ``NaN`` for them); the result records how many were dropped.
A table with fewer than two non-empty rows or columns cannot be tested: every p-value is
then ``None`` with a note saying why.

References
----------
Pearson K. On the criterion that a given system of deviations from the probable in the
case of a correlated system of variables is such that it can be reasonably supposed to
have arisen from random sampling. Philos Mag 1900;50:157-175.
Yates F. Contingency tables involving small numbers and the chi-square test.
Suppl J R Stat Soc 1934;1:217-235.
Fisher RA. On the interpretation of chi-square from contingency tables, and the
calculation of P. J R Stat Soc 1922;85:87-94.
Freeman GH, Halton JH. Note on an exact treatment of contingency, goodness of fit and
other problems of significance. Biometrika 1951;38:141-149.
Williams DA. Improved likelihood ratio tests for complete contingency tables.
Biometrika 1976;63:33-37.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from survrepro._validation import InputError
from survrepro.engine._results import ResultMixin, renamed_attribute

__all__ = [
    "TEST_NAMES",
    "ContingencyTests",
    "TestResult",
    "contingency_tests",
    "fisher_exact_rxc",
    "p_matches",
    "which_reproduce",
]

#: Names of the tests, in the order they are reported.
TEST_NAMES = ("pearson", "pearson_yates", "likelihood_ratio", "fisher")

#: R's ``fisher.test`` counts a table as at least as extreme as the observed one when its
#: probability is at most the observed probability times ``1 + 1e-7``.
FISHER_REL_ERR = 1e-7

#: Complete enumeration stops (p-value ``None`` with a note) above this many tables.
MAX_TABLES = 2_000_000

_DESCRIPTIONS = {
    "pearson": "Pearson chi-square, no continuity correction (R chisq.test(correct = FALSE))",
    "pearson_yates": "Pearson chi-square with Yates continuity correction (R chisq.test(), 2 x 2 only)",
    "likelihood_ratio": "likelihood-ratio G-test",
    "fisher": "Fisher exact test (Freeman-Halton for r x c; R fisher.test)",
}


@dataclass(frozen=True, repr=False)
class TestResult(ResultMixin):
    """One test of independence.

    Attributes
    ----------
    name : str
        One of :data:`TEST_NAMES`.
    statistic : float or None
        Chi-square or G statistic; ``None`` for Fisher's test (which has none) and for a
        test that does not apply.
    df : int or None
        Degrees of freedom of the chi-square reference distribution.
    pvalue : float or None
        Two-sided p-value; ``None`` when the test does not apply to the table.
    note : str
        Why a test does not apply, or a caution (small expected counts); empty otherwise.
    """

    __test__ = False  # not a pytest test class

    name: str
    statistic: float | None
    df: int | None
    pvalue: float | None
    note: str = ""

    p_value = renamed_attribute("pvalue")

    @property
    def description(self) -> str:
        """What the test is, in words."""
        return _DESCRIPTIONS[self.name]

    def to_frame(self) -> pd.DataFrame:
        """One row: ``test``, ``statistic``, ``df``, ``pvalue``, ``note``."""
        return pd.DataFrame([self._row()]).astype({"statistic": float, "df": "Int64", "pvalue": float})

    @property
    def summary(self) -> pd.DataFrame:
        """The one row of :meth:`to_frame`."""
        return self.to_frame()

    def _row(self) -> dict:
        return {"test": self.name, "statistic": self.statistic, "df": self.df, "pvalue": self.pvalue, "note": self.note}

    def _repr_head(self) -> str:
        return self.name

    def _repr_body(self) -> str:
        stat = "" if self.statistic is None else f"statistic={self.statistic:.4g} on {self.df} df, "
        return f"{stat}p={_fmt(self.pvalue)}" + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True, repr=False)
class ContingencyTests(ResultMixin):
    """The four tests of independence on one table.

    Attributes
    ----------
    table : ndarray
        The table as given (rows = groups, columns = outcomes).
    tested : ndarray
        The table actually tested, after dropping all-zero rows and columns.
    expected : ndarray
        Expected counts under independence for ``tested``.
    dropped_rows, dropped_columns : tuple of int
        Zero-based positions of the rows and columns that were dropped.
    pearson, pearson_yates, likelihood_ratio, fisher : TestResult
    """

    table: np.ndarray
    tested: np.ndarray
    expected: np.ndarray
    dropped_rows: tuple
    dropped_columns: tuple
    pearson: TestResult
    pearson_yates: TestResult
    likelihood_ratio: TestResult
    fisher: TestResult

    @property
    def tests(self) -> tuple[TestResult, ...]:
        """The four results in the order of :data:`TEST_NAMES`."""
        return tuple(getattr(self, name) for name in TEST_NAMES)

    @property
    def min_expected(self) -> float | None:
        """Smallest expected count (R's chisq.test warns below 5)."""
        return float(self.expected.min()) if self.expected.size else None

    def to_frame(self) -> pd.DataFrame:
        """One row per test: ``test``, ``statistic``, ``df``, ``pvalue``, ``note``."""
        frame = pd.DataFrame([t._row() for t in self.tests])
        return frame.astype({"statistic": float, "df": "Int64", "pvalue": float})

    @property
    def summary(self) -> pd.DataFrame:
        """The table of :meth:`to_frame`, one row per test."""
        return self.to_frame()

    def to_dict(self) -> dict:
        """Plain dictionary (JSON-ready) of the table and the tests."""
        return {
            "table": self.table.tolist(),
            "dropped_rows": list(self.dropped_rows),
            "dropped_columns": list(self.dropped_columns),
            "min_expected": self.min_expected,
            "tests": [t._row() for t in self.tests],
        }

    def _repr_head(self) -> str:
        r, c = self.table.shape
        return f"{r}x{c} table"

    def _repr_body(self) -> str:
        return ", ".join(f"{t.name} p={_fmt(t.pvalue)}" for t in self.tests)


def _fmt(p) -> str:
    return "n/a" if p is None else f"{p:.4g}"


def _as_table(table) -> np.ndarray:
    """Validate a table of non-negative whole counts with at least two rows and columns."""
    try:
        x = np.asarray(table, dtype=float)
    except (TypeError, ValueError):
        raise InputError("contingency table: entries must be numbers (counts).") from None
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        raise InputError(
            f"contingency table: has shape {x.shape}; expected at least 2 rows and 2 columns."
        )
    bad = np.argwhere(~np.isfinite(x) | (x < 0) | (x != np.round(x)))
    if bad.size:
        i, j = (int(v) for v in bad[0])
        raise InputError(
            f"contingency table: row {i + 1}, column {j + 1} is {float(x[i, j])!r}; expected a whole count >= 0."
        )
    return x.astype(np.int64)


def _compositions(total: int, bounds: np.ndarray) -> np.ndarray:
    """All ordered ways to split ``total`` into ``len(bounds)`` parts, part j at most ``bounds[j]``.

    Returns an array with one composition per row.
    """
    c = len(bounds)
    if c == 1:
        return np.array([[total]], dtype=np.int64) if total <= bounds[0] else np.empty((0, 1), dtype=np.int64)
    rest_cap = int(bounds[1:].sum())
    parts = []
    for first in range(max(0, total - rest_cap), min(total, int(bounds[0])) + 1):
        tail = _compositions(total - first, bounds[1:])
        parts.append(np.column_stack([np.full(len(tail), first, dtype=np.int64), tail]))
    return np.concatenate(parts) if parts else np.empty((0, c), dtype=np.int64)


def _enumerate_log_probs(x: np.ndarray):
    """Log probabilities of every table with the margins of ``x``; ``None`` above :data:`MAX_TABLES`.

    Rows are filled one at a time; each partial table is kept as the column totals still to
    fill and its running sum of log cell factorials. A partial table always completes (the
    remaining row and column totals agree), so the number of partial tables never exceeds
    the number of complete ones, and the last row is determined by what remains.
    """
    rows, cols = x.sum(axis=1), x.sum(axis=0)
    n = int(x.sum())
    lf = special.gammaln(np.arange(n + 1, dtype=float) + 1)  # lf[k] = log k!
    const = lf[rows].sum() + lf[cols].sum() - lf[n]
    remaining = cols[None, :].astype(np.int64)
    acc = np.zeros(1)
    for total in rows[:-1]:
        comp = _compositions(int(total), cols)
        comp_lf = lf[comp].sum(axis=1)
        step = max(1, 4_000_000 // max(1, comp.size))
        new_rem, new_acc = [], []
        for lo in range(0, len(remaining), step):
            rem = remaining[lo:lo + step]
            ok = (comp[None, :, :] <= rem[:, None, :]).all(axis=2)
            si, ci = np.nonzero(ok)
            new_rem.append(rem[si] - comp[ci])
            new_acc.append(acc[lo:lo + step][si] + comp_lf[ci])
            if sum(len(a) for a in new_acc) > MAX_TABLES:
                return None, None
        remaining, acc = np.concatenate(new_rem), np.concatenate(new_acc)
    log_probs = const - acc - lf[remaining].sum(axis=1)
    log_obs = const - lf[x].sum()
    return log_probs, log_obs


def fisher_exact_rxc(table) -> TestResult:
    """Fisher's exact test (Freeman–Halton for r x c) by complete enumeration.

    Every table with the observed row and column totals is enumerated; its probability
    under independence is multivariate hypergeometric. The two-sided p-value is the sum of
    the probabilities of the tables whose probability does not exceed the observed one
    times ``1 + 1e-7`` (R's ``fisher.test`` rule). For a 2 x 2 table this is R's
    two-sided p-value at odds ratio 1.

    Parameters
    ----------
    table : array_like
        Counts, at least 2 x 2, with no all-zero row or column.

    Returns
    -------
    TestResult
        ``statistic`` and ``df`` are ``None``; ``pvalue`` is ``None`` with a note when the
        number of tables exceeds :data:`MAX_TABLES`.

    References
    ----------
    Fisher RA. On the interpretation of chi-square from contingency tables, and the
    calculation of P. J R Stat Soc 1922;85:87-94.
    Freeman GH, Halton JH. Note on an exact treatment of contingency, goodness of fit and
    other problems of significance. Biometrika 1951;38:141-149.

    Examples
    --------
    >>> round(fisher_exact_rxc([[3, 1], [1, 3]]).pvalue, 6)
    0.485714
    """
    x = _as_table(table)
    if (x.sum(axis=1) == 0).any() or (x.sum(axis=0) == 0).any():
        raise InputError("contingency table: has an all-zero row or column; drop it before Fisher's test.")
    log_probs, log_obs = _enumerate_log_probs(x)
    if log_probs is None:
        return TestResult(
            "fisher", None, None, None,
            f"more than {MAX_TABLES:,} tables share these margins; complete enumeration not attempted",
        )
    p = float(np.exp(log_probs[log_probs <= log_obs + np.log1p(FISHER_REL_ERR)]).sum())
    return TestResult("fisher", None, None, min(1.0, max(0.0, p)))


def contingency_tests(table) -> ContingencyTests:
    """Pearson (with and without Yates), likelihood-ratio and Fisher tests of independence.

    Parameters
    ----------
    table : array_like
        An r x c table of counts (r, c >= 2). For proportions on therapy: rows are the
        groups, columns are (remaining, not remaining).

    Returns
    -------
    ContingencyTests

    Notes
    -----
    Yates' correction follows R's ``chisq.test``: for a 2 x 2 table the statistic is
    ``sum((|O - E| - Y)^2 / E)`` with ``Y = min(0.5, |O - E|)``; R applies no correction to
    larger tables, so for them ``pearson_yates`` has no value and a note. The chi-square and
    G approximations are cautioned (in ``note``) when an expected count is below 5, where
    R's ``chisq.test`` warns that the approximation may be incorrect.

    References
    ----------
    Pearson K. On the criterion that a given system of deviations from the probable in the
    case of a correlated system of variables is such that it can be reasonably supposed to
    have arisen from random sampling. Philos Mag 1900;50:157-175.
    Yates F. Contingency tables involving small numbers and the chi-square test.
    Suppl J R Stat Soc 1934;1:217-235.
    Fisher RA. On the interpretation of chi-square from contingency tables, and the
    calculation of P. J R Stat Soc 1922;85:87-94.
    Freeman GH, Halton JH. Note on an exact treatment of contingency, goodness of fit and
    other problems of significance. Biometrika 1951;38:141-149.

    Examples
    --------
    >>> res = contingency_tests([[22, 12], [5, 4], [1, 3]])
    >>> res.pearson.df
    2
    >>> round(res.pearson.statistic, 4)
    2.4175
    """
    x = _as_table(table)
    keep_r = x.sum(axis=1) > 0
    keep_c = x.sum(axis=0) > 0
    dropped_rows = tuple(int(i) for i in np.flatnonzero(~keep_r))
    dropped_cols = tuple(int(j) for j in np.flatnonzero(~keep_c))
    t = x[keep_r][:, keep_c]
    r, c = t.shape
    if r < 2 or c < 2:
        why = (
            f"fewer than 2 non-empty rows or columns remain ({r} x {c}); no test of independence applies"
        )
        none = {name: TestResult(name, None, None, None, why) for name in TEST_NAMES}
        return ContingencyTests(
            table=x, tested=t, expected=np.empty((0, 0)), dropped_rows=dropped_rows,
            dropped_columns=dropped_cols, **none,
        )

    n = t.sum()
    expected = np.outer(t.sum(axis=1), t.sum(axis=0)) / n
    df = int((r - 1) * (c - 1))
    small = "an expected count is below 5; the chi-square approximation may be poor" if expected.min() < 5 else ""

    stat = float(((t - expected) ** 2 / expected).sum())
    pearson = TestResult("pearson", stat, df, float(stats.chi2.sf(stat, df)), small)

    if r == 2 and c == 2:
        dev = np.abs(t - expected)
        yates = min(0.5, float(dev.min()))
        stat_y = float(((dev - yates) ** 2 / expected).sum())
        pearson_yates = TestResult("pearson_yates", stat_y, df, float(stats.chi2.sf(stat_y, df)), small)
    else:
        pearson_yates = TestResult(
            "pearson_yates", None, None, None,
            f"the continuity correction applies only to 2 x 2 tables (R chisq.test); this table is {r} x {c}",
        )

    pos = t > 0
    g = float(2.0 * (t[pos] * np.log(t[pos] / expected[pos])).sum())
    g = max(g, 0.0)
    likelihood_ratio = TestResult("likelihood_ratio", g, df, float(stats.chi2.sf(g, df)), small)

    fisher = fisher_exact_rxc(t)
    return ContingencyTests(
        table=x, tested=t, expected=expected, dropped_rows=dropped_rows, dropped_columns=dropped_cols,
        pearson=pearson, pearson_yates=pearson_yates, likelihood_ratio=likelihood_ratio, fisher=fisher,
    )


def p_matches(pvalue, printed_p: float, decimals: int) -> bool:
    """Whether ``pvalue`` reproduces ``printed_p`` printed with ``decimals`` decimals.

    A p-value matches when it lies within half a unit of the last printed digit of the
    printed value (``|p - printed| <= 0.5 * 10**-decimals``), that is when it rounds to
    the printed value under either rounding direction at the boundary.

    Parameters
    ----------
    pvalue : float or None
        The computed p-value; ``None`` (a test that does not apply) never matches.
    printed_p : float
        The published p-value.
    decimals : int
        Decimals it was printed with.

    Returns
    -------
    bool

    References
    ----------
    Pearson K. On the criterion that a given system of deviations from the probable in the
    case of a correlated system of variables is such that it can be reasonably supposed to
    have arisen from random sampling. Philos Mag 1900;50:157-175.

    Examples
    --------
    >>> p_matches(0.3049, 0.30, 2), p_matches(0.3051, 0.30, 2), p_matches(None, 0.30, 2)
    (True, False, False)
    """
    if pvalue is None:
        return False
    half = 0.5 * 10.0 ** (-int(decimals))
    return abs(float(pvalue) - float(printed_p)) <= half * (1 + 1e-9)


def which_reproduce(table, printed_p: float, decimals: int) -> list[str]:
    """Names of the tests whose p-value reproduces a published p at its printed precision.

    Parameters
    ----------
    table : array_like or ContingencyTests
        The table (rows = groups, columns = outcomes), or tests already computed on it.
    printed_p : float
        The published p-value (``0.30``, say).
    decimals : int
        Decimals it was printed with (2 for ``0.30``).

    Returns
    -------
    list of str
        Names from :data:`TEST_NAMES`, in that order, of the tests that match
        (see :func:`p_matches`); empty when none does.

    References
    ----------
    Pearson K. On the criterion that a given system of deviations from the probable in the
    case of a correlated system of variables is such that it can be reasonably supposed to
    have arisen from random sampling. Philos Mag 1900;50:157-175.
    Yates F. Contingency tables involving small numbers and the chi-square test.
    Suppl J R Stat Soc 1934;1:217-235.
    Fisher RA. On the interpretation of chi-square from contingency tables, and the
    calculation of P. J R Stat Soc 1922;85:87-94.
    Freeman GH, Halton JH. Note on an exact treatment of contingency, goodness of fit and
    other problems of significance. Biometrika 1951;38:141-149.

    Examples
    --------
    >>> which_reproduce([[22, 12], [5, 4], [1, 3]], 0.30, 2)
    ['pearson', 'likelihood_ratio']
    """
    try:
        decimals = int(decimals)
        printed_p = float(printed_p)
    except (TypeError, ValueError):
        raise InputError("printed p and its decimals must be numbers.") from None
    if decimals < 0 or not 0.0 <= printed_p <= 1.0:
        raise InputError(
            f"printed p must lie in [0, 1] with decimals >= 0; got p={printed_p!r}, decimals={decimals!r}."
        )
    res = table if isinstance(table, ContingencyTests) else contingency_tests(table)
    return [t.name for t in res.tests if p_matches(t.pvalue, printed_p, decimals)]
