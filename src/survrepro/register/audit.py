"""Consistency audit: a study's published numbers checked against each other.

Before any data is made, the numbers a paper prints can be checked against one another:

* ``percent_vs_counts``: a percentage against its numerator and denominator, at the
  precision it was printed with;
* ``subgroup_sum``: subgroup counts against their total; ``count_within_n``: a count of
  patients in an arm (evaluable, say) against the arm's size;
* ``hr_ci_symmetry``: a hazard ratio against its confidence interval (on the log scale the
  estimate is the interval's midpoint), allowing for the rounding of all three numbers;
* ``hr_ci_p_value``: the Wald p-value implied by the interval against the printed p,
  allowing for the test that produced it (log-rank, score and likelihood-ratio p values
  differ from the Wald p by an amount bounded by the HR and the events);
* ``hr_ci_events``: the number of events the width of the interval implies (at least
  ``4/SE²`` whatever the allocation);
* ``contingency_p_value``: which common tests reproduce a printed p over a table of
  counts (Pearson chi-square with and without continuity correction, likelihood-ratio
  G-test, Fisher / Fisher-Freeman-Halton exact test);
* ``design_events_vs_patients`` and ``design_events_vs_ci``: a design statement (power,
  alpha, medians) against the patients the study had and the events its CI implies;
* ``estimate_within_ci`` and ``date_order``: simple sanity checks.

Each finding is ``consistent``, ``inconsistent`` or ``cannot tell`` and carries its
arithmetic as text and its numbers. Rounding is handled by interval arithmetic: a number
printed as ``0.91`` stands for any value in ``[0.905, 0.915]``.

References
----------
Schoenfeld D. Sample-size formula for the proportional-hazards regression model.
Biometrics 1983;39:499-503.
Altman DG, Bland JM. How to obtain the P value from a confidence interval.
BMJ 2011;343:d2304.
Freeman GH, Halton JH. Note on an exact treatment of contingency, goodness of fit and
other problems of significance. Biometrika 1951;38:141-149.
"""
from __future__ import annotations

import json
import math
import textwrap
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from survrepro import design
from survrepro.engine import contingency
from survrepro.engine._results import ResultMixin
from survrepro.register.matching import matches, printed_interval, round_half_away
from survrepro.register.quantities import QUANTITIES
from survrepro.register.schema import Register, Target

__all__ = [
    "STATUSES",
    "READINGS",
    "Finding",
    "AuditReport",
    "audit_register",
    "wald_p_from_ci",
    "events_from_ci",
    "ci_log_se",
    "z_ratio_to_wald",
]

STATUSES = ("consistent", "inconsistent", "cannot tell")
_TEST_LABEL = {
    "pearson": "Pearson chi-square",
    "pearson_yates": "Pearson chi-square with Yates correction",
    "likelihood_ratio": "likelihood-ratio G-test",
    "fisher": "Fisher exact (Freeman-Halton for r x c)",
}


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Finding:
    """One audit finding.

    Attributes
    ----------
    check : str
        Name of the check (``percent_vs_counts``, ``hr_ci_symmetry``, ...).
    targets : tuple of str
        Ids of the register targets involved.
    status : str
        ``consistent``, ``inconsistent`` or ``cannot tell``.
    arithmetic : str
        The computation, written out.
    numbers : tuple of (name, value)
        The numbers of the finding (JSON-ready).
    """

    check: str
    targets: tuple[str, ...]
    status: str
    arithmetic: str
    numbers: tuple[tuple[str, object], ...] = ()

    def __post_init__(self):
        if self.status not in STATUSES:  # pragma: no cover - programming error
            raise ValueError(f"status must be one of {STATUSES}; got {self.status!r}")

    @property
    def values(self) -> dict:
        """The numbers as a dictionary."""
        return dict(self.numbers)

    def to_dict(self) -> dict:
        return {
            "check": self.check,
            "targets": list(self.targets),
            "status": self.status,
            "arithmetic": self.arithmetic,
            "numbers": self.values,
        }


@dataclass(frozen=True, repr=False)
class AuditReport(ResultMixin):
    """All findings of the audit of one register."""

    study: str
    path: str
    findings: tuple[Finding, ...]

    @property
    def counts(self) -> dict:
        """Number of findings per status."""
        return {s: sum(f.status == s for f in self.findings) for s in STATUSES}

    def by_check(self, check: str) -> tuple[Finding, ...]:
        """Findings of one check.

        Parameters
        ----------
        check : str
            Name of the check (``percent_vs_counts``, ``hr_ci_symmetry``, ...).

        Returns
        -------
        tuple of Finding
            In the order of the audit; empty when the check found nothing to compare.

        Examples
        --------
        >>> from survrepro.register.schema import load_register
        >>> found = audit_register(load_register("levee2025")).by_check("percent_vs_counts")
        >>> len(found), found[0].status
        (8, 'consistent')
        >>> found[0].arithmetic
        '100 × 36/52 = 69.2308%, which prints as 69% at 0 decimals; printed 69%.'
        """
        return tuple(f for f in self.findings if f.check == check)

    def to_frame(self) -> pd.DataFrame:
        """One row per finding: study, check, targets, status, arithmetic, numbers (JSON)."""
        return pd.DataFrame(
            [
                {
                    "study": self.study,
                    "check": f.check,
                    "targets": ", ".join(f.targets),
                    "status": f.status,
                    "arithmetic": f.arithmetic,
                    "numbers": json.dumps(f.values, allow_nan=False),
                }
                for f in self.findings
            ],
            columns=["study", "check", "targets", "status", "arithmetic", "numbers"],
        )

    def to_dict(self) -> dict:
        return {
            "study": self.study,
            "register": self.path,
            "counts": self.counts,
            "findings": [f.to_dict() for f in self.findings],
        }

    def summary(self) -> str:
        c = self.counts
        return (
            f"{len(self.findings)} findings: {c['consistent']} consistent, "
            f"{c['inconsistent']} inconsistent, {c['cannot tell']} cannot tell"
        )

    def to_markdown(self) -> str:
        """A Markdown section: a summary line and a table of the findings."""
        esc = lambda s: str(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
        lines = [
            f"### Consistency audit: {self.study}",
            "",
            f"Published numbers checked against each other ({self.summary()}).",
            "",
            "| check | targets | status | arithmetic |",
            "|---|---|---|---|",
        ]
        for f in self.findings:
            lines.append(f"| {esc(f.check)} | {esc(', '.join(f.targets))} | {esc(f.status)} | {esc(f.arithmetic)} |")
        return "\n".join(lines) + "\n"

    def to_text(self, width: int = 100) -> str:
        """A readable plain-text listing for the terminal."""
        out = [f"Consistency audit of {self.study} ({self.path})", self.summary(), ""]
        for f in self.findings:
            out.append(f"[{f.status}] {f.check}: {', '.join(f.targets)}")
            out.extend(textwrap.wrap(f.arithmetic, width=width, initial_indent="    ", subsequent_indent="    "))
        return "\n".join(out) + "\n"

    def __repr__(self) -> str:
        return f"AuditReport({self.study}: {self.summary()})"


# --------------------------------------------------------------------------- calculations on numbers
def _z(level: float) -> float:
    return float(stats.norm.ppf(1.0 - (1.0 - level) / 2.0))


def ci_log_se(low: float, high: float, level: float = 0.95) -> float:
    """Standard error of log HR implied by a Wald interval: ``(log high - log low) / (2 z)``.

    Parameters
    ----------
    low, high : float
        Confidence limits of the hazard ratio (> 0).
    level : float
        Confidence level of the interval; ``z`` is the normal quantile of ``1 - (1 - level) / 2``.

    Returns
    -------
    float
        The standard error of log HR.

    References
    ----------
    .. [1] Altman DG, Bland JM. How to obtain the confidence interval from a P value.
       BMJ 2011;343:d2090.

    Examples
    --------
    >>> round(ci_log_se(0.34, 2.48), 4)
    0.5069
    """
    return (math.log(high) - math.log(low)) / (2.0 * _z(level))


def wald_p_from_ci(hr: float, low: float, high: float, level: float = 0.95) -> float:
    """Two-sided Wald p-value implied by a hazard ratio and its confidence interval.

    ``z = |log HR| / SE`` with ``SE`` from the interval width (Altman & Bland 2011).

    Parameters
    ----------
    hr : float
        The hazard ratio.
    low, high : float
        Its confidence limits.
    level : float
        Confidence level of the interval.

    Returns
    -------
    float
        The two-sided p-value.

    References
    ----------
    .. [1] Altman DG, Bland JM. How to obtain the P value from a confidence interval.
       BMJ 2011;343:d2304.

    Examples
    --------
    >>> round(wald_p_from_ci(0.91, 0.34, 2.48), 4)
    0.8524
    """
    se = ci_log_se(low, high, level)
    return float(2.0 * stats.norm.sf(abs(math.log(hr)) / se))


def events_from_ci(low: float, high: float, level: float = 0.95, fraction: float = 0.5) -> float:
    """Number of events a CI width implies: ``D = 1 / (p (1 - p) SE^2)``.

    For a log-rank or Cox comparison, ``Var(log HR) ~= 1 / (p (1 - p) D)`` with ``p`` the
    fraction of patients on one arm (Schoenfeld 1983); with 1:1 allocation ``SE ~= 2 / sqrt(D)``.

    Parameters
    ----------
    low, high : float
        Confidence limits of the hazard ratio.
    level : float
        Confidence level of the interval.
    fraction : float
        Fraction ``p`` of the patients allocated to one arm.

    Returns
    -------
    float
        The implied number of events (not rounded).

    References
    ----------
    .. [1] Schoenfeld DA. Sample-size formula for the proportional-hazards regression
       model. Biometrics 1983;39:499-503.

    Examples
    --------
    >>> round(events_from_ci(0.34, 2.48), 2)
    15.57
    """
    se = ci_log_se(low, high, level)
    return 1.0 / (fraction * (1.0 - fraction) * se**2)


def _abs_log_range(lo: float, hi: float) -> tuple[float, float]:
    """Range of |log x| for x in [lo, hi] (0 when the interval contains 1)."""
    a, b = math.log(lo), math.log(hi)
    if a <= 0.0 <= b:
        return 0.0, max(-a, b)
    return min(abs(a), abs(b)), max(abs(a), abs(b))


def _num(x):
    """JSON-ready number."""
    if x is None:
        return None
    if isinstance(x, (int, np.integer)):
        return int(x)
    x = float(x)
    return x if math.isfinite(x) else None


def _rounding(t: Target) -> tuple[float, float]:
    return printed_interval(t.value, t.decimals)


def _pct(level: float) -> str:
    """A confidence level as printed: 0.95 -> '95%', 0.975 -> '97.5%'."""
    return f"{100 * level:.6g}%"


def _level(*targets: Target) -> tuple[float, str]:
    for t in targets:
        lv = t.settings.get("confidence_level")
        if lv is not None:
            return float(lv), ""
    return 0.95, " (confidence level not given; 95% assumed)"


# --------------------------------------------------------------------------- readings
#: The readings of the audit: which targets each check takes, by the role a quantity plays
#: in it (each :class:`~survrepro.register.quantities.Quantity` lists its roles in ``audit``).
READINGS = {
    "percent_vs_counts": "a percentage ('proportion') against its numerator and denominator",
    "subgroup_sum": "counts by arm against their total: patients ('patients'), counts of one kind "
                    "('count'), the numerators and denominators written into proportions ('parts')",
    "count_within_n": "counts of patients ('count') against the arm sizes; those a proportion ('parts') "
                      "uses as its numerator are left out",
    "hr_ci": "a hazard ratio ('estimate') and its limits ('low', 'high'), with its p-value ('p' or "
             "'p_bound') and events ('count' of events): hr_ci_symmetry, hr_ci_p_value, hr_ci_events "
             "and design_events_vs_ci",
    "contingency_p_value": "a p-value ('p' or 'p_bound') over the arms' proportions ('row')",
    "allocation": "the allocation ratio ('ratio'), used when the arm sizes are not printed",
    "design": "a design statement: 'power', 'alpha', 'hr', 'median_control', 'median_experimental'",
    "estimate_within_ci": "an estimate ('estimate') and its limits ('low', 'high')",
    "date_order": "the accrual start ('start'), accrual end ('end') and data cut-off ('cutoff')",
}


def _reading(reg: Register, reading: str) -> list[tuple[str, Target]]:
    """(role, target) of every target a reading takes, in register order."""
    out = []
    for t in reg.targets:
        role = QUANTITIES[t.quantity].audit.get(reading)
        if role:
            out.append((role, t))
    return out


# --------------------------------------------------------------------------- checks
def _check_percentages(reg: Register) -> list[Finding]:
    out = []
    for _, t in _reading(reg, "percent_vs_counts"):
        num, den = t.numerator, t.denominator
        value = t.scale_factor * num / den
        ok, _ = matches(t, value)
        unit = "%" if t.scale == "percent" else ""
        mult = "100 × " if t.scale == "percent" else ""
        shown = round_half_away(value, t.decimals)
        text = (
            f"{mult}{num}/{den} = {value:.4f}{unit}, which prints as {shown:.{t.decimals}f}{unit} "
            f"at {t.decimals} decimals; printed {t.printed}."
        )
        if not ok:
            fits = [k for k in range(den + 1) if matches(t, t.scale_factor * k / den)[0]]
            text += (
                f" Numerators of {den} that print as {t.printed}: "
                f"{', '.join(map(str, fits)) if fits else 'none'}."
            )
        ids = tuple(x for x in (t.id, t.numerator_ref, t.denominator_ref) if x)
        out.append(
            Finding(
                "percent_vs_counts", ids, "consistent" if ok else "inconsistent", text,
                (("numerator", num), ("denominator", den), ("computed", _num(value)), ("printed", t.value)),
            )
        )
    return out


def _count_facts(reg: Register):
    """(endpoint, what) -> {arms: (value, target ids)} for counts and literal proportion parts.

    Patients are keyed ``(None, "patients")``.
    """
    facts: dict = defaultdict(dict)
    for role, t in _reading(reg, "subgroup_sum"):
        if role == "patients":
            facts[(None, "patients")][t.arms] = (int(t.value), (t.id,))
        elif role == "count":
            facts[(t.endpoint, t.count_of)][t.arms] = (int(t.value), (t.id,))
        elif role == "parts":
            if t.numerator_ref is None:
                facts[(t.endpoint, "numerator")][t.arms] = (t.numerator, (t.id,))
            if t.denominator_ref is None:
                facts[(t.endpoint, "denominator")][t.arms] = (t.denominator, (t.id,))
    return facts


def _arm_sizes(reg: Register) -> tuple[dict, tuple[int | None, tuple[str, ...]]]:
    sizes, total = {}, []
    for t in reg.targets:
        if QUANTITIES[t.quantity].arm_size:
            if len(t.arms) == 1:
                sizes[t.arms[0]] = (int(t.value), (t.id,))
            elif not t.arms:
                total.append(t)
    if total:
        return sizes, (int(total[0].value), (total[0].id,))
    if sizes and len(sizes) == len(reg.study.arms):
        return sizes, (sum(v for v, _ in sizes.values()), tuple(i for _, ids in sizes.values() for i in ids))
    return sizes, (None, ())


def _check_sums(reg: Register) -> list[Finding]:
    out = []
    arm_ids = [a.id for a in reg.study.arms]
    label = {a.id: a.label for a in reg.study.arms}
    for (endpoint, what), by_arms in _count_facts(reg).items():
        if () not in by_arms:
            continue
        total, total_ids = by_arms[()]
        parts = [(a, *by_arms[(a,)]) for a in arm_ids if (a,) in by_arms]
        if not parts:
            continue
        s = sum(v for _, v, _ in parts)
        terms = " + ".join(f"{v} ({label[a]})" for a, v, _ in parts)
        ids = tuple(i for _, _, ids in parts for i in ids) + total_ids
        name = what if endpoint is None else f"{endpoint} {what}"
        if len(parts) == len(arm_ids):
            status = "consistent" if s == total else "inconsistent"
            text = f"{name}: {terms} = {s}; the total printed is {total}."
        else:
            missing = [label[a] for a in arm_ids if (a,) not in by_arms]
            status = "inconsistent" if s > total else "cannot tell"
            text = (
                f"{name}: {terms} = {s} against a total of {total}; not printed for "
                f"{', '.join(missing)}, so the sum cannot be completed"
                + (" (and already exceeds the total)." if s > total else ".")
            )
        out.append(Finding("subgroup_sum", ids, status, text, (("sum", s), ("total", total))))
    return out


def _check_within_n(reg: Register) -> list[Finding]:
    """Counts of patients (not used as a proportion's numerator) against the arm sizes."""
    sizes, (total, total_ids) = _arm_sizes(reg)
    label = {a.id: a.label for a in reg.study.arms}
    reading = _reading(reg, "count_within_n")
    numerators = {t.numerator_ref for role, t in reading if role == "parts"}
    groups: dict = defaultdict(list)
    for role, t in reading:
        if role == "count" and t.id not in numerators:
            groups[(t.endpoint, t.count_of)].append(t)
    out = []
    for (endpoint, what), ts in groups.items():
        pieces, ids, ok, unknown = [], [], True, False
        for t in ts:
            if t.arms:
                n, n_ids = sizes.get(t.arms[0], (None, ()))
                who = label[t.arms[0]]
            else:
                n, n_ids = total, total_ids
                who = "all patients"
            ids += [t.id, *n_ids]
            if n is None:
                unknown = True
                pieces.append(f"{int(t.value)} ({who}; size not printed)")
            else:
                ok &= int(t.value) <= n
                pieces.append(f"{int(t.value)} {'≤' if int(t.value) <= n else '>'} {n} ({who})")
        status = "inconsistent" if not ok else ("cannot tell" if unknown else "consistent")
        text = f"{endpoint} {what} against the number of patients: " + "; ".join(pieces) + "."
        out.append(Finding("count_within_n", tuple(dict.fromkeys(ids)), status, text))
    return out


# --------------------------------------------------------------------------- hazard ratio and its CI
def _hr_groups(reg: Register) -> dict:
    """(endpoint, arms) -> {role: target} of every hazard ratio printed with both limits."""
    groups: dict = defaultdict(dict)
    for role, t in _reading(reg, "hr_ci"):
        if role != "count" and len(t.arms) == 2:
            groups[(t.endpoint, t.arms)][role] = t
    return {k: g for k, g in groups.items() if {"estimate", "low", "high"} <= set(g)}


def _fraction(reg: Register, arms: tuple[str, str]) -> tuple[float, str]:
    """Fraction of patients on the first arm, with how it was obtained."""
    sizes, _ = _arm_sizes(reg)
    if arms[0] in sizes and arms[1] in sizes:
        a, b = sizes[arms[0]][0], sizes[arms[1]][0]
        return a / (a + b), f"p = {a}/{a + b} from the arm sizes"
    ratio = [t for _, t in _reading(reg, "allocation") if set(t.arms) == set(arms)]
    if ratio:
        r = float(ratio[0].value)
        r = r if ratio[0].arms == arms else 1.0 / r
        return r / (1.0 + r), f"p = {r:g}/(1 + {r:g}) from the allocation ratio"
    return 0.5, "p = 0.5 (allocation not printed; 1:1 assumed)"


def _se_range(lo_t: Target, hi_t: Target, z: float) -> tuple[float, float]:
    """Range of SE(log HR) over the rounding of both printed limits."""
    lo_r, hi_r = _rounding(lo_t), _rounding(hi_t)
    return ((math.log(hi_r[0]) - math.log(lo_r[1])) / (2 * z), (math.log(hi_r[1]) - math.log(lo_r[0])) / (2 * z))


@dataclass(frozen=True)
class _LogSE:
    """SE(log HR) implied by a printed interval, its range over the rounding, and the sentence."""

    se: float
    low: float
    high: float
    text: str
    level: float = 0.95


def _log_se(g: dict) -> _LogSE:
    lo_t, hi_t = g["low"], g["high"]
    level, level_note = _level(lo_t, hi_t)
    z = _z(level)
    se = ci_log_se(float(lo_t.value), float(hi_t.value), level)
    se_r = _se_range(lo_t, hi_t, z)
    text = (
        f"SE(log HR) = (log {hi_t.printed} - log {lo_t.printed})/(2 × {z:.4f}) = {se:.4f} "
        f"(z = {z:.4f} for a {_pct(level)} interval; from {se_r[0]:.4f} to {se_r[1]:.4f} over the rounding "
        f"of both limits){level_note}"
    )
    return _LogSE(se, se_r[0], se_r[1], text, level)


def _hr_symmetry(endpoint: str, g: dict) -> Finding:
    """On the log scale a Wald estimate is the midpoint of its interval."""
    hr_t, lo_t, hi_t = g["estimate"], g["low"], g["high"]
    h, lo, hi = float(hr_t.value), float(lo_t.value), float(hi_t.value)
    h_r, lo_r, hi_r = _rounding(hr_t), _rounding(lo_t), _rounding(hi_t)
    log_h = (math.log(h_r[0]), math.log(h_r[1]))
    mid = ((math.log(lo_r[0]) + math.log(hi_r[0])) / 2, (math.log(lo_r[1]) + math.log(hi_r[1])) / 2)
    gm = math.sqrt(lo * hi)
    overlap = log_h[0] <= mid[1] and mid[0] <= log_h[1]
    within = lo <= h <= hi
    level, level_note = _level(lo_t, hi_t)
    text = (
        f"{endpoint} HR {hr_t.printed} ({_pct(level)} CI {lo_t.printed}-{hi_t.printed}"
        f"{'; confidence level not given, 95% assumed' if level_note else ''}): "
        f"log HR = {math.log(h):.4f} "
        f"(from {log_h[0]:.4f} to {log_h[1]:.4f} over the rounding of the HR, {h_r[0]:g}-{h_r[1]:g}); "
        f"midpoint of the log CI = (log {lo_t.printed} + log {hi_t.printed})/2 = {math.log(gm):.4f} "
        f"(from {mid[0]:.4f} to {mid[1]:.4f} over the rounding of both limits), i.e. HR = "
        f"sqrt({lo_t.printed} × {hi_t.printed}) = {gm:.4f}. The ranges "
        f"{'overlap' if overlap else 'do not overlap'}"
        + ("" if within else "; the HR lies outside its own interval") + "."
    )
    return Finding(
        "hr_ci_symmetry", (hr_t.id, lo_t.id, hi_t.id), "consistent" if overlap and within else "inconsistent", text,
        (("log_hr", math.log(h)), ("log_hr_low", log_h[0]), ("log_hr_high", log_h[1]),
         ("log_ci_mid", math.log(gm)), ("log_ci_mid_low", mid[0]), ("log_ci_mid_high", mid[1]),
         ("hr_from_ci", gm), ("confidence_level", level)),
    )


#: Allowance on the z scale, in units of SE(log HR) (``2/sqrt(D)`` for 1:1 allocation), for the
#: difference tied event times make between a log-rank statistic (hypergeometric variance,
#: observed minus expected) and the Cox fit behind the interval (Efron's approximation).
#: The largest difference in the corpus benchmark (``python -m survrepro.bench.corpus``,
#: bootstrap resamples with many ties among them) was 0.47 SE.
TIES_ALLOWANCE = 0.5

#: What the tests of a two-arm survival comparison are called in the findings.
_HR_TEST_LABEL = {
    "wald": "Wald",
    "logrank": "log-rank",
    "score": "score",
    "likelihood_ratio": "likelihood-ratio",
}


def z_ratio_to_wald(test: str | None, a: float) -> tuple[float, float]:
    """Bounds on ``z_test / z_Wald`` for a two-arm Cox comparison whose ``|log HR|`` is ``a``.

    For a binary covariate the Cox information at ``b`` is a sum over events of
    ``v_j(b) = p_j(b)(1 - p_j(b))``, ``p_j(b)`` the share of arm 1 in the ``b``-weighted risk
    set. The Wald statistic is ``β̂ sqrt(I(β̂))``.

    * Score (log-rank): ``U(0)/sqrt(I(0))`` with ``U(0) = Σ (p_j(β̂) - p_j(0))``. Expanded in
      ``β̂`` the first-order terms of the two statistics are equal, so the ratio is
      ``1 + O(a²)``: over every composition of the risk sets it stays within
      ``exp(-a²/12)`` to ``2 sinh(a/2)/a ~ exp(a²/24)`` (found by numerical search; a risk set
      of one fixed composition gives exactly the upper value). The bounds returned,
      ``exp(-a²/4)`` to ``exp(a²/8)``, are three times as wide on the log scale.
    * Likelihood ratio: ``β̂²`` times a weighted mean of ``I`` over ``[0, β̂]``; each ``v_j``
      changes by a factor between ``e^-|s|`` and ``e^|s|`` when ``b`` moves by ``s``, so
      ``e^(-a/2)`` to ``e^(a/2)``.
    * Wald: 1.

    A test that is not stated is taken to be Wald or log-rank (score), the tests that
    accompany a Cox hazard ratio; a likelihood-ratio p has to be stated.

    Parameters
    ----------
    test : str or None
        ``wald``, ``logrank``, ``score``, ``likelihood_ratio``, or None when not stated.
    a : float
        ``|log HR|`` (>= 0).

    Returns
    -------
    tuple of float
        (lowest, highest) ratio.

    Examples
    --------
    >>> [round(x, 4) for x in z_ratio_to_wald("logrank", 0.5)]
    [0.9394, 1.0317]
    >>> [round(x, 4) for x in z_ratio_to_wald("likelihood_ratio", 0.5)]
    [0.7788, 1.284]
    >>> z_ratio_to_wald("wald", 0.5)
    (1.0, 1.0)
    """
    if test == "wald" or a <= 0.0:
        return 1.0, 1.0
    if test == "likelihood_ratio":
        return math.exp(-a / 2), math.exp(a / 2)
    return math.exp(-a * a / 4), math.exp(a * a / 8)


def _p_test(p_t: Target) -> tuple[str | None, str]:
    """(test the p comes from, or None when not stated or only assumed; its wording)."""
    test = p_t.settings.get("test")
    if test in _HR_TEST_LABEL and not p_t.assumed:
        return test, f"a {_HR_TEST_LABEL[test]} test (as the register states)"
    if test in _HR_TEST_LABEL:
        return None, f"a test the source does not state (the register assumes {_HR_TEST_LABEL[test]})"
    return None, "a test the register does not state"


def _hr_p_value(g: dict, ids: tuple, se: _LogSE) -> Finding | None:
    """The p-value the HR and its interval allow against the printed p (or bound).

    The Wald p is computed over the rounding of the HR and both limits. A p from another
    test (log-rank, score, likelihood ratio; or a test not stated) may differ from it:
    its z may lie between the Wald z times the bounds of :func:`z_ratio_to_wald` at the
    largest ``|log HR|`` the rounding allows, widened by :data:`TIES_ALLOWANCE` times ``SE``
    for tied event times, which move the log-rank statistic away from the Cox fit's. A printed p outside the Wald range but inside that
    allowance is consistent; outside both it is inconsistent.
    """
    p_t = g.get("p") or g.get("p_bound")
    if p_t is None:
        return None
    hr_t, lo_t, hi_t = g["estimate"], g["low"], g["high"]
    h = float(hr_t.value)
    level = se.level
    p = wald_p_from_ci(h, float(lo_t.value), float(hi_t.value), level)
    a_lo, a_hi = _abs_log_range(*_rounding(hr_t))
    z_r = (a_lo / se.high, a_hi / se.low)
    p_r = (float(2 * stats.norm.sf(z_r[1])), float(2 * stats.norm.sf(z_r[0])))
    test, test_text = _p_test(p_t)
    r_lo, r_hi = z_ratio_to_wald(test, a_hi)
    ties = 0.0 if test == "wald" else TIES_ALLOWANCE * se.high
    z_a = (max(0.0, z_r[0] * r_lo - ties), z_r[1] * r_hi + ties)
    p_a = (float(2 * stats.norm.sf(z_a[1])), float(2 * stats.norm.sf(z_a[0])))
    allowance = (
        "" if test == "wald" else
        f" A p from {test_text} may have z from {z_r[0]:.4f} × {r_lo:.4f} - {ties:.4f} to "
        f"{z_r[1]:.4f} × {r_hi:.4f} + {ties:.4f} (test against Wald at |log HR| up to {a_hi:.4f}, and "
        f"{TIES_ALLOWANCE:g} SE for tied times), i.e. P from {p_a[0]:.4f} to {p_a[1]:.4f}."
    )
    if not QUANTITIES[p_t.quantity].bound:
        pr = _rounding(p_t)
        ok_point = matches(p_t, p)[0]
        overlap = p_r[0] <= pr[1] and pr[0] <= p_r[1]
        allowed = p_a[0] <= pr[1] and pr[0] <= p_a[1]
        status = "consistent" if overlap or allowed else "inconsistent"
        verdict = (
            f"the printed P = {p_t.printed} stands for {pr[0]:g} to {pr[1]:g}; the ranges "
            f"{'overlap' if overlap else 'do not overlap'}"
            + ("" if ok_point else f" (at the printed values the Wald p prints as {round_half_away(p, p_t.decimals):.{p_t.decimals}f})")
        )
        if not overlap and test != "wald":
            verdict += (
                f". {allowance.strip()} The printed P "
                + ("lies within that allowance" if allowed else "lies outside that allowance too")
            )
        elif test != "wald":
            verdict += "." + allowance.rstrip(".")
    else:
        holds = [matches(p_t, x)[0] for x in p_r]
        holds_allowed = [matches(p_t, x)[0] for x in p_a]
        if all(holds):
            status = "consistent"
        elif not any(holds) and not any(holds_allowed):
            status = "inconsistent"
        else:
            status = "cannot tell"
        verdict = (
            f"the bound P {p_t.comparator} {p_t.value:g} holds for "
            f"{'all' if all(holds) else ('none' if not any(holds) else 'part')} of that range"
        )
        if not all(holds) and test != "wald":
            verdict += (
                f". {allowance.strip()} The bound holds for "
                + ("none" if not any(holds_allowed) else ("all" if all(holds_allowed) else "part"))
                + " of that allowance"
            )
    text = (
        f"{se.text}; z = |log HR|/SE = {abs(math.log(h)) / se.se:.4f}; Wald p = 2(1 - Φ(z)) = {p:.4f} "
        f"(from {p_r[0]:.4f} to {p_r[1]:.4f} over the rounding of HR and CI); {verdict}. "
        f"The register's p comes from {test_text}."
    )
    return Finding(
        "hr_ci_p_value", ids + (p_t.id,), status, text,
        (("se", se.se), ("se_low", se.low), ("se_high", se.high), ("wald_p", p),
         ("wald_p_low", p_r[0]), ("wald_p_high", p_r[1]), ("allowed_p_low", p_a[0]),
         ("allowed_p_high", p_a[1]), ("test", test or "not stated"), ("confidence_level", level),
         ("printed_p", p_t.value)),
    )


def _published_events(reg: Register, endpoint: str, arms) -> tuple[int | None, list[Target]]:
    """The printed number of events of a comparison (in total or summed over its two arms)."""
    events = [t for role, t in _reading(reg, "hr_ci")
              if role == "count" and t.count_of == "events" and t.endpoint == endpoint]
    if len(events) == 1 and not events[0].arms:
        return int(events[0].value), events
    if {t.arms for t in events} == {(a,) for a in arms}:
        return sum(int(t.value) for t in events), events
    return None, events


def _hr_events(reg: Register, endpoint: str, arms, ids: tuple, se: _LogSE) -> Finding:
    """The events the width of the interval implies against the printed events or patients."""
    frac, frac_text = _fraction(reg, arms)
    d = 1.0 / (frac * (1 - frac) * se.se**2)
    d_r = (1.0 / (frac * (1 - frac) * se.high ** 2), 1.0 / (frac * (1 - frac) * se.low ** 2))
    sizes, _ = _arm_sizes(reg)
    n_pair = [sizes.get(a, (None, ()))[0] for a in arms]
    n_pat = sum(n_pair) if None not in n_pair else None
    pub_events, events = _published_events(reg, endpoint, arms)
    text = (
        f"{se.text}; events D = 1/(p(1-p) SE²) with {frac_text}: D = {d:.1f} "
        f"(from {d_r[0]:.1f} to {d_r[1]:.1f} over the rounding)."
    )
    # The Cox information of a binary contrast is at most D/4 (each event adds p(1 - p) <= 1/4),
    # so SE² >= 4/D: at least 4/SE² events, whatever the allocation, the HR or the ties. With
    # more than two arms the events of every arm enter the information of a contrast.
    d_min = 4.0 / se.high ** 2
    k_arms = len(reg.study.arms)
    _, (n_all, _) = _arm_sizes(reg)
    text += f" At least 4/SE² = {d_min:.1f} events whatever the split (the information is at most D/4)."
    if pub_events is not None:
        inside = math.floor(d_r[0]) <= pub_events <= math.ceil(d_r[1])
        possible = k_arms > 2 or pub_events >= math.floor(d_min)
        status = "consistent" if inside else ("cannot tell" if possible else "inconsistent")
        text += (
            f" The printed number of events is {pub_events}, "
            + ("inside that range." if inside else
               "outside that range; the formula is an approximation, so this alone does not settle it." if possible
               else f"fewer than the {d_min:.1f} the interval needs at least.")
        )
    elif n_pat is not None:
        who = n_pat if k_arms == 2 else n_all
        ok = who is None or d_min <= who
        status = "consistent" if ok else "inconsistent"
        pats = (f"the {n_pat} patients of the two arms" if k_arms == 2 else
                f"the {who} patients of the study's {k_arms} arms" if who is not None else "the patients")
        text += (
            f" No event count is printed; {pats} "
            + ("can have had that many events." if ok else "could not have had that many first events.")
        )
    else:
        status = "cannot tell"
        text += " Neither the events nor the arm sizes are printed."
    return Finding(
        "hr_ci_events", ids + tuple(t.id for t in events), status, text,
        (("fraction_first_arm", frac), ("events", d), ("events_low", d_r[0]), ("events_high", d_r[1]),
         ("events_at_least", d_min), ("patients", n_pat), ("published_events", pub_events)),
    )


def _check_hr(reg: Register) -> list[Finding]:
    """A hazard ratio against its interval: log-symmetry, the implied p-value and events."""
    out = []
    for (endpoint, arms), g in _hr_groups(reg).items():
        ids = (g["estimate"].id, g["low"].id, g["high"].id)
        se = _log_se(g)
        out.append(_hr_symmetry(endpoint, g))
        p_finding = _hr_p_value(g, ids, se)
        if p_finding is not None:
            out.append(p_finding)
        out.append(_hr_events(reg, endpoint, arms, ids, se))
    return out


# --------------------------------------------------------------------------- contingency tables
def _proportion_for(reg: Register, endpoint: str, arm: str) -> Target | None:
    props = [t for role, t in _reading(reg, "contingency_p_value")
             if role == "row" and t.endpoint == endpoint and t.arms == (arm,)]
    return props[0] if len(props) == 1 else None


def _check_contingency(reg: Register) -> list[Finding]:
    out = []
    for role, p_t in _reading(reg, "contingency_p_value"):
        if role not in ("p", "p_bound") or len(p_t.arms) < 2:
            continue
        props = [_proportion_for(reg, p_t.endpoint, a) for a in p_t.arms]
        if any(p is None for p in props):
            continue
        table = np.array([[p.numerator, p.denominator - p.numerator] for p in props])
        res = contingency.contingency_tests(table)
        label = {a.id: a.label for a in reg.study.arms}
        rows = ", ".join(f"{p.numerator}/{p.denominator} ({label[a]})" for p, a in zip(props, p_t.arms))
        lines, good, numbers = [], [], [("table", table.tolist())]
        for test in res.tests:
            numbers.append((f"p_{test.name}", _num(test.pvalue)))
            if test.pvalue is None:
                lines.append(f"{_TEST_LABEL[test.name]}: not applicable ({test.note})")
                continue
            ok = matches(p_t, test.pvalue)[0]
            if ok:
                good.append(test.name)
            stat = "" if test.statistic is None else f"statistic {test.statistic:.4f} on {test.df} df, "
            if role == "p":
                shown = f"prints as {round_half_away(test.pvalue, p_t.decimals):.{p_t.decimals}f}"
            else:
                shown = "satisfies the bound" if ok else "does not satisfy the bound"
            lines.append(
                f"{_TEST_LABEL[test.name]}: {stat}p = {test.pvalue:.4f}, {shown}, "
                f"{'reproduces' if ok else 'does not reproduce'} P = {p_t.printed}"
            )
        assumed = p_t.settings.get("test")
        tail = f" The register assumes {assumed!r}" if assumed else ""
        if assumed:
            tail += ", which reproduces it." if assumed in good else ", which does not reproduce it."
        text = (
            f"{p_t.endpoint}: table of {rows} (rows = arms; columns = yes, no). " + "; ".join(lines) + "." + tail
        )
        numbers.append(("reproducing_tests", ",".join(good)))
        out.append(
            Finding(
                "contingency_p_value",
                (p_t.id,) + tuple(p.id for p in props),
                "consistent" if good else "inconsistent",
                text,
                tuple(numbers),
            )
        )
    return out


# --------------------------------------------------------------------------- design statements
@dataclass(frozen=True)
class _Design:
    """The design statements of one endpoint, ready for Schoenfeld's formula."""

    power: float
    alpha: float
    hr: float
    hr_text: str
    used: tuple[Target, ...]
    sides: tuple[int, ...]
    sided_note: str
    allocation: float
    allocation_text: str


def _design_hr(one) -> tuple[float, str, tuple, str | None, str | None] | None:
    """(hazard ratio, its wording, targets used, experimental arm, control arm) of a design.

    ``one(role)`` is the endpoint's design target of that role, or None. The hazard ratio is
    the one printed, else the ratio of the two medians.
    """
    hr_t, mc_t, me_t = one("hr"), one("median_control"), one("median_experimental")
    if hr_t is None and (mc_t is None or me_t is None):
        return None
    ctl_arm = mc_t.arm if mc_t is not None else (hr_t.arms[1] if hr_t is not None else None)
    if hr_t is not None:
        return float(hr_t.value), f"HR {hr_t.printed}", (hr_t,), hr_t.arms[0], ctl_arm
    hr = design.hazard_ratio_from_medians(float(mc_t.value), float(me_t.value))
    hr_text = (
        f"HR = {mc_t.printed}/{me_t.printed} = {hr:.4g} (median control over median experimental, "
        f"exponential survival assumed)"
    )
    return hr, hr_text, (mc_t, me_t), me_t.arm, ctl_arm


def _design_for(reg: Register, endpoint: str) -> _Design | None:
    """The endpoint's design (power, alpha, HR or medians, allocation), or None when incomplete."""
    by_role: dict = {}
    for role, t in _reading(reg, "design"):
        if t.endpoint == endpoint:
            by_role.setdefault(role, t)
    power_t, alpha_t = by_role.get("power"), by_role.get("alpha")
    hr = _design_hr(by_role.get) if power_t is not None and alpha_t is not None else None
    if hr is None:
        return None
    hr_value, hr_text, used, exp_arm, ctl_arm = hr
    used = (power_t, alpha_t) + used
    sided = alpha_t.settings.get("sided", "not reported")
    # allocation: experimental over control
    if exp_arm and ctl_arm:
        frac, frac_text = _fraction(reg, (exp_arm, ctl_arm))
    else:
        frac, frac_text = 0.5, "p = 0.5 (arms of the design not given; 1:1 assumed)"
    ratio_t = [t for _, t in _reading(reg, "allocation")]
    if ratio_t:
        r = float(ratio_t[0].value)
        if ctl_arm and ratio_t[0].arms == (ctl_arm, exp_arm):
            r = 1.0 / r
        alloc, alloc_text = r, f"allocation {ratio_t[0].printed}:1 as printed"
        used += (ratio_t[0],)
    else:
        alloc, alloc_text = frac / (1 - frac), f"allocation from {frac_text}"
    return _Design(
        power=float(power_t.value) / power_t.scale_factor, alpha=float(alpha_t.value) / alpha_t.scale_factor,
        hr=hr_value, hr_text=hr_text, used=used,
        sides={"one-sided": (1,), "two-sided": (2,)}.get(sided, (1, 2)),
        sided_note="" if sided in ("one-sided", "two-sided") else " (sidedness not stated: both are reported)",
        allocation=alloc, allocation_text=alloc_text,
    )


def _design_vs_ci(reg: Register, dz: _Design, s: int, req, base: str, ids: tuple, g: dict) -> Finding:
    """The events a printed HR interval implies against the events the design requires."""
    lo_t, hi_t, hrp_t = g["low"], g["high"], g["estimate"]
    level, _ = _level(lo_t, hi_t)
    se_r = _se_range(lo_t, hi_t, _z(level))
    f2, _ = _fraction(reg, (hrp_t.arms[0], hrp_t.arms[1]))
    d = events_from_ci(float(lo_t.value), float(hi_t.value), level, f2)
    d_r = (1 / (f2 * (1 - f2) * se_r[1] ** 2), 1 / (f2 * (1 - f2) * se_r[0] ** 2))
    pw = design.power_for_events(dz.hr, d, alpha=dz.alpha, sides=s, allocation=dz.allocation).power
    ok = d_r[1] >= req.events
    return Finding(
        "design_events_vs_ci", ids + (lo_t.id, hi_t.id),
        "consistent" if ok else "inconsistent",
        base + f"; the printed CI {lo_t.printed}-{hi_t.printed} implies {d:.1f} events "
        f"({d_r[0]:.1f} to {d_r[1]:.1f} over its rounding), "
        + ("as many as the design requires" if ok else "fewer than the design requires")
        + f"; with {d:.1f} events the design's power against {dz.hr_text.split(' (')[0]} is {100 * pw:.0f}%.",
        (("sides", s), ("hazard_ratio", dz.hr), ("required_events", req.events),
         ("implied_events", d), ("implied_events_low", d_r[0]), ("implied_events_high", d_r[1]),
         ("power_at_implied_events", pw)),
    )


def _check_design(reg: Register) -> list[Finding]:
    """A design statement against the patients the study had and the events its CI implies."""
    out = []
    hr_groups = _hr_groups(reg)
    _, (n_total, n_ids) = _arm_sizes(reg)
    for endpoint in sorted({t.endpoint for _, t in _reading(reg, "design")}):
        dz = _design_for(reg, endpoint)
        if dz is None:
            continue
        groups = [g for (ep, _), g in hr_groups.items() if ep == endpoint]
        ids = tuple(t.id for t in dz.used)
        for s in dz.sides:
            req = design.required_events(dz.hr, power=dz.power, alpha=dz.alpha, sides=s, allocation=dz.allocation)
            base = (
                f"Schoenfeld: D = (z(1-α/{s}) + z(power))² / (p(1-p) log(HR)²) with {dz.hr_text}, power "
                f"{dz.power:g}, α {dz.alpha:g} {'one' if s == 1 else 'two'}-sided{dz.sided_note}, "
                f"{dz.allocation_text}: D = {req.events_exact:.2f}, i.e. {req.events} events"
            )
            if n_total is not None:
                ok = req.events <= n_total
                out.append(
                    Finding(
                        "design_events_vs_patients", ids + n_ids, "consistent" if ok else "inconsistent",
                        base + f"; the study had {n_total} patients, "
                        + ("enough to observe them only if " + f"{100 * req.events / n_total:.0f}% have an event." if ok
                           else "fewer than the events required."),
                        (("sides", s), ("hazard_ratio", dz.hr), ("required_events", req.events),
                         ("required_events_exact", req.events_exact), ("patients", n_total)),
                    )
                )
            out.extend(_design_vs_ci(reg, dz, s, req, base, ids, g) for g in groups)
    return out


# --------------------------------------------------------------------------- sanity checks
def _check_estimate_within_ci(reg: Register) -> list[Finding]:
    """A median against its interval: low <= median <= high, NR (not reached) above every
    number; with two of the three printed, those two are checked (a median NR with an upper
    limit printed as a number cannot be). A lower limit NR beside a reached median is not
    ordered: R gives it as NA where the band is undefined."""
    out = []
    groups: dict = defaultdict(dict)
    for role, t in _reading(reg, "estimate_within_ci"):
        groups[(t.endpoint, t.arms)][role] = t
    for (endpoint, arms), g in groups.items():
        parts = [g[r] for r in ("low", "estimate", "high") if r in g]
        if len(parts) < 2 or (len(parts) < 3 and not any(t.not_reached for t in parts)):
            continue
        m = g.get("estimate")
        if "low" in g and g["low"].not_reached and m is not None and not m.not_reached:
            # a lower limit not estimable beside a reached median: R gives NA where the band is
            # undefined (the curve falls to zero), so it is not ordered against the others
            parts.remove(g["low"])
            if len(parts) < 2:
                continue
        ok = all(a.value <= b.value for a, b in zip(parts, parts[1:]))
        lo, hi = g.get("low"), g.get("high")
        if m is not None:
            what = (f"{endpoint} median {m.printed} {'lies' if ok else 'does not lie'} within its CI "
                    f"{lo.printed if lo else '?'}-{hi.printed if hi else '?'}")
        else:
            what = f"{endpoint} median CI {lo.printed}-{hi.printed} {'is' if ok else 'is not'} in order"
        if not ok and any(t.not_reached for t in parts):
            what += " (NR, not reached, lies beyond every printed time)"
        out.append(
            Finding(
                "estimate_within_ci", tuple(t.id for t in (m, lo, hi) if t is not None),
                "consistent" if ok else "inconsistent", what + ".",
                tuple((name, t.printed if t.not_reached else t.value)
                      for name, t in (("estimate", m), ("low", lo), ("high", hi)) if t is not None),
            )
        )
    return out


def _check_dates(reg: Register) -> list[Finding]:
    reading = _reading(reg, "date_order")
    ts = [t for step in ("start", "end", "cutoff") for role, t in reading if role == step]
    if len(ts) < 2:
        return []
    ok = all(a.value <= b.value for a, b in zip(ts, ts[1:]))
    text = " ≤ ".join(f"{t.quantity} {t.value}" for t in ts)
    return [
        Finding(
            "date_order", tuple(t.id for t in ts), "consistent" if ok else "inconsistent",
            text + (" holds." if ok else " does not hold."),
        )
    ]


_CHECKS = (
    _check_percentages,
    _check_sums,
    _check_within_n,
    _check_hr,
    _check_contingency,
    _check_design,
    _check_estimate_within_ci,
    _check_dates,
)


def audit_register(register: Register) -> AuditReport:
    """Check a register's published numbers against each other.

    Parameters
    ----------
    register : Register
        As returned by :func:`survrepro.register.schema.load_register`.

    Returns
    -------
    AuditReport
        Findings in a fixed order (percentages, sums, counts within arm sizes, HR and CI,
        contingency p-values, design, estimates within CIs, dates). Checks for which the
        register has no numbers produce no finding.

    Examples
    --------
    >>> from survrepro.register.schema import load_register
    >>> report = audit_register(load_register("levee2025"))
    >>> report.counts
    {'consistent': 17, 'inconsistent': 0, 'cannot tell': 0}
    """
    findings = []
    for check in _CHECKS:
        findings.extend(check(register))
    return AuditReport(study=register.study.id, path=str(register.path), findings=tuple(findings))
