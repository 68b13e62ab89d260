"""Landmark proportions and contingency-table tests against R.

Every expected value was produced by ``results/proportion_reference.R`` (R 4.2.2,
survival 3.5-3), which writes 17 significant digits, so values are compared to 1e-8
relative (1e-12 absolute for values that are exactly 0):

* ``results/proportion_binom.csv``: ``binom.test(k, n, conf.level = lvl)$conf.int``
  (Clopper–Pearson) and ``prop.test(k, n, correct = FALSE, conf.level = lvl)$conf.int``
  (Wilson);
* ``results/proportion_tests.csv``: ``chisq.test(x, correct = FALSE)``,
  ``chisq.test(x, correct = TRUE)`` (2 x 2 only), the G-test written out as
  ``2 * sum(x * log(x / E))`` with ``pchisq(G, df, lower.tail = FALSE)``, and
  ``fisher.test(x)$p.value``, on LeVee et al.'s 6-month table by subtype
  ``[[22, 12], [5, 4], [1, 3]]`` and four other tables;
* ``results/proportion_cohort.csv``: on a synthetic, seeded cohort
  (``results/proportion_synthetic_cohort.csv``), the counts ``sum(t >= L)`` over
  ``sum(t >= L | (t < L & e == 1))`` (rule "followed") or ``length(t)`` (rule "all"),
  their binomial intervals, and ``summary(survfit(Surv(t, e) ~ 1, conf.type = ct),
  times = L, extend = TRUE)``; for ``death_is_failure = FALSE`` R uses
  ``e = event * (1 - death)``.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survrepro.engine.contingency import contingency_tests, fisher_exact_rxc
from survrepro.io import read_on_therapy
from survrepro.engine.proportion import binomial_ci, proportion_on_therapy

pytestmark = pytest.mark.validation
RESULTS = Path(__file__).parent / "results"
RTOL, ATOL = 1e-8, 1e-12

BINOM = pd.read_csv(RESULTS / "proportion_binom.csv")
TESTS = pd.read_csv(RESULTS / "proportion_tests.csv")
COHORT_REF = pd.read_csv(RESULTS / "proportion_cohort.csv", dtype={"group": str})
COHORT = read_on_therapy(RESULTS / "proportion_synthetic_cohort.csv", by="subtype")


def _close(actual, expected):
    if pd.isna(expected):
        return actual is None or np.isnan(actual)
    return actual is not None and np.isclose(actual, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("row", list(BINOM.itertuples()), ids=lambda r: f"{r.k}/{r.n}@{r.conf_level}")
def test_binomial_intervals_match_r(row):
    exact = binomial_ci(row.k, row.n, row.conf_level, "exact")  # binom.test(k, n)$conf.int
    wilson = binomial_ci(row.k, row.n, row.conf_level, "wilson")  # prop.test(k, n, correct = FALSE)$conf.int
    assert _close(exact.low, row.exact_low) and _close(exact.high, row.exact_high)
    assert _close(wilson.low, row.wilson_low) and _close(wilson.high, row.wilson_high)


def _table(cells: str) -> np.ndarray:
    return np.array([[int(v) for v in r.split(",")] for r in cells.split(";")])


@pytest.mark.parametrize("row", list(TESTS.itertuples()), ids=lambda r: f"{r.table}-{r.test}")
def test_contingency_tests_match_r(row):
    res = contingency_tests(_table(row.cells))
    got = getattr(res, row.test)
    assert _close(got.pvalue, row.p_value)
    assert _close(got.statistic, row.statistic)
    if not pd.isna(row.df):
        assert got.df == int(row.df)


@pytest.mark.parametrize("cells", sorted(set(TESTS.cells)))
def test_yates_reported_only_where_r_applies_it(cells):
    table = _table(cells)
    r_has_yates = ((TESTS.cells == cells) & (TESTS.test == "pearson_yates")).any()
    assert (contingency_tests(table).pearson_yates.pvalue is not None) == r_has_yates


def test_fisher_on_transposed_table_matches_r():
    # fisher.test(t(x)) has the same p as fisher.test(x): margins are symmetric in the test.
    row = TESTS[(TESTS.table == "three_by_three") & (TESTS.test == "fisher")].iloc[0]
    assert _close(fisher_exact_rxc(_table(row.cells).T).pvalue, row.p_value)


CASES = list(COHORT_REF.itertuples())


@pytest.mark.parametrize(
    "row", CASES, ids=lambda r: f"L{r.landmark}-{r.group}-{r.conf_type}-{r.evaluable}-dif{r.death_is_failure}"
)
def test_cohort_end_to_end_matches_r(row):
    res = proportion_on_therapy(
        COHORT["time"], COHORT["event"], row.landmark, death=COHORT["death"], group=COHORT["subtype"],
        evaluable=row.evaluable, death_is_failure=bool(row.death_is_failure), conf_type=row.conf_type,
    )
    est = res.overall if row.group == "all" else res.group(row.group)
    assert (est.numerator, est.denominator) == (row.numerator, row.denominator)
    assert _close(est.ci_exact.low, row.exact_low) and _close(est.ci_exact.high, row.exact_high)
    assert _close(est.ci_wilson.low, row.wilson_low) and _close(est.ci_wilson.high, row.wilson_high)
    assert _close(est.km_survival, row.km_survival)
    assert _close(est.km_survival_low, row.km_lower) and _close(est.km_survival_high, row.km_upper)
    assert _close(est.km_std_err, row.km_std_err)
    assert est.km_n_at_risk == row.km_n_at_risk
