"""A whole survival analysis of patient-level data, as a paper reports it.

Per arm: n, events, median with CI, survival and numbers at risk at landmarks; for two
or more arms: the Cox hazard ratio of every other arm against the reference (R's
treatment contrasts, k - 1 of them for k arms) with Wald and likelihood-ratio p, the
global Cox tests and the k-sample log-rank test on k - 1 degrees of freedom. A Cox
coefficient that may be infinite (an arm without events, complete separation) is
warned about as R's ``coxph`` warns, and its hazard ratio is not reported as estimated.
Every convention is a keyword and is stored in ``settings``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from survrepro._validation import InputError, check_choice, check_level
from survrepro.engine._results import ResultMixin, resolve_renamed
from survrepro.engine.cox import TIES, cox_ph
from survrepro.engine.groups import group_labels, natural_order
from survrepro.engine.km import CONF_TYPES, kaplan_meier
from survrepro.engine.logrank import logrank_test

__all__ = ["AnalysisResult", "analyze", "infinite_coefficient_warning"]


#: How a limit or estimate that is missing reads: a median or upper limit is not reached,
#: a lower limit (of a median or a survival probability) cannot be estimated.
NOT_REACHED = "NR"
NOT_ESTIMABLE = "not estimable"


def _num(x):
    """JSON-safe float: None for a missing or infinite value."""
    return None if x is None or not np.isfinite(x) else float(x)


def _fmt(value, digits=None, missing=NOT_REACHED) -> str:
    """A number as the report prints it; ``missing`` when there is none."""
    if value is None:
        return missing
    return f"{value:g}" if digits is None else f"{value:.{digits}f}"


def _p(value) -> str:
    return "not estimable" if value is None else f"{value:.4g}"


#: R's ``coxph`` warning when Newton-Raphson uses up ``iter.max`` (20) iterations.
R_NOT_CONVERGED = "Ran out of iterations and did not converge."


def infinite_coefficient_warning(variables) -> str:
    """R's ``coxph`` warning for coefficients that may be infinite.

    Parameters
    ----------
    variables : sequence of int
        1-based indices of the coefficients, in the order of the model's contrasts.

    Returns
    -------
    str
        The sentence R's ``coxph`` warns with.

    Examples
    --------
    >>> infinite_coefficient_warning([1])
    'Loglik converged before variable 1; coefficient may be infinite.'
    >>> infinite_coefficient_warning([1, 3])
    'Loglik converged before variable 1,3; coefficient may be infinite.'
    """
    return f"Loglik converged before variable {','.join(str(v) for v in variables)}; coefficient may be infinite."


@dataclass(frozen=True, repr=False)
class AnalysisResult(ResultMixin):
    """Per-arm summaries, the two-arm comparison (or ``None``) and the settings used.

    Attributes
    ----------
    arms : list of dict
        Per arm: ``arm``, ``n``, ``events``, ``median``, ``median_low``, ``median_high`` and
        ``landmarks`` (each ``time``, ``survival``, ``survival_low``, ``survival_high``,
        ``n_at_risk``).
    comparison : dict or None
        With two arms: ``reference``, ``hr``, ``hr_low``, ``hr_high``, ``wald_pvalue``,
        ``lr_pvalue``, ``logrank_statistic``, ``logrank_pvalue``; ``None`` otherwise.
    comparisons : list of dict
        With two or more arms, one entry per Cox contrast against the reference, in arm
        order: ``level``, ``reference``, ``hr``, ``hr_low``, ``hr_high`` (``None`` when the
        coefficient may be infinite or a limit is not finite), ``coef``, ``se``,
        ``wald_pvalue`` (the coefficient's z test, R's ``Pr(>|z|)``), ``lr_pvalue`` (the
        1-df likelihood-ratio test of the contrast: the fit against the fit with the level
        merged into the reference) and ``coef_may_be_infinite``.
    cox_tests : dict or None
        The global Cox tests on ``df = k - 1``: ``wald_statistic``, ``wald_pvalue``,
        ``lr_statistic``, ``lr_pvalue``, ``score_statistic``, ``score_pvalue``.
    logrank : dict or None
        The k-sample log-rank test: ``statistic``, ``df`` (k - 1), ``pvalue``.
    warnings : list of str
        Warnings of the fit, as R words them (a coefficient that may be infinite).
    settings : dict
        Every convention used (``conf_type``, ``conf_level``, ``ties``, ...).
    curves : dict of str to KaplanMeierResult
        The Kaplan–Meier curve of each arm.
    """

    arms: list = field(default_factory=list)
    comparison: dict | None = None
    settings: dict = field(default_factory=dict)
    curves: dict = field(default_factory=dict)
    comparisons: list = field(default_factory=list)
    cox_tests: dict | None = None
    logrank: dict | None = None
    warnings: list = field(default_factory=list)

    def to_dict(self) -> dict:
        """The ``survrepro analyze --json`` object."""
        return {"arms": self.arms, "comparison": self.comparison, "comparisons": self.comparisons,
                "cox_tests": self.cox_tests, "logrank": self.logrank, "warnings": self.warnings,
                "settings": self.settings}

    def to_frame(self) -> pd.DataFrame:
        """One row per arm: n, events, median and its CI."""
        columns = ["arm", "n", "events", "median", "median_low", "median_high"]
        return pd.DataFrame([{c: a[c] for c in columns} for a in self.arms], columns=columns)

    @property
    def summary(self) -> pd.DataFrame:
        """The per-arm table of :meth:`to_frame`."""
        return self.to_frame()

    def landmarks_frame(self) -> pd.DataFrame:
        """One row per arm and landmark time."""
        rows = [{"arm": a["arm"], **lm} for a in self.arms for lm in a["landmarks"]]
        return pd.DataFrame(rows, columns=["arm", "time", "survival", "survival_low", "survival_high", "n_at_risk"])

    def to_text(self, warnings: bool = True) -> str:
        """A readable report of the analysis, ending with the warnings of the fit unless ``warnings=False``."""
        s = self.settings
        pct = f"{s['conf_level']:.0%}"
        lines = [f"Kaplan-Meier by arm ({pct} CI, {s['conf_type']} transform; median rule: {s['median_rule']})"]
        lines.append(f"  {'arm':<14}{'n':>6}{'events':>8}{'median':>10}   {pct} CI")
        for a in self.arms:
            lo, hi = _fmt(a["median_low"], missing=NOT_ESTIMABLE), _fmt(a["median_high"])
            lines.append(f"  {a['arm']:<14}{a['n']:>6}{a['events']:>8}{_fmt(a['median']):>10}   {lo} to {hi}")
        if any(a["landmarks"] for a in self.arms):
            lines.append("")
            lines.append("Survival at landmarks (numbers at risk count time >= t)")
            lines.append(f"  {'arm':<14}{'time':>8}{'survival':>10}   {pct} CI{'':>12}{'at risk':>8}")
            for a in self.arms:
                for lm in a["landmarks"]:
                    lo = _fmt(lm["survival_low"], 4, NOT_ESTIMABLE)
                    hi = _fmt(lm["survival_high"], 4, NOT_ESTIMABLE)
                    lines.append(
                        f"  {a['arm']:<14}{lm['time']:>8g}{lm['survival']:>10.4f}   "
                        f"{lo} to {hi}{lm['n_at_risk']:>8}"
                    )
        if self.comparisons:
            strata = f", stratified by {s['strata']}" if s["strata"] else ""
            lines.append("")
            if len(self.comparisons) == 1:
                lines += self._two_arm_lines(pct, strata)
            else:
                lines += self._k_arm_lines(pct, strata)
        if warnings:
            lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _two_arm_lines(self, pct, strata) -> list:
        c, k = self.comparison, self.comparisons[0]
        lines = [f"Comparison: {k['level']} vs {c['reference']} (reference), Cox ties={self.settings['ties']}{strata}"]
        if k["coef_may_be_infinite"]:
            lines.append(f"  hazard ratio not estimated: the coefficient may be infinite "
                         f"(the hazard ratio tends to {_limit(k)}); no {pct} CI")
            lines.append(f"  Wald p = {_p(c['wald_pvalue'])} (unreliable for an infinite coefficient); "
                         f"likelihood-ratio p = {_p(c['lr_pvalue'])}")
        else:
            lines.append(f"  hazard ratio {c['hr']:.4f} ({pct} CI {_fmt(c['hr_low'], 4, NOT_ESTIMABLE)} to "
                         f"{_fmt(c['hr_high'], 4, NOT_ESTIMABLE)})")
            lines.append(f"  Wald p = {c['wald_pvalue']:.4g}; likelihood-ratio p = {c['lr_pvalue']:.4g}")
        lines.append(f"  log-rank chi-square = {c['logrank_statistic']:.4f} on 1 df, p = {c['logrank_pvalue']:.4g}")
        return lines

    def _k_arm_lines(self, pct, strata) -> list:
        ref = self.comparisons[0]["reference"]
        t, lr = self.cox_tests, self.logrank
        lines = [f"Comparisons against {ref} (reference), Cox ties={self.settings['ties']}{strata}",
                 f"  {'arm':<14}{'hazard ratio':>13}   {pct + ' CI':<22}{'Wald p':>10}{'LR p':>10}"]
        for k in self.comparisons:
            if k["coef_may_be_infinite"]:
                hr, ci = f"-> {_limit(k)}", "coefficient may be infinite"
            else:
                hr = f"{k['hr']:.4f}"
                ci = f"{_fmt(k['hr_low'], 4, NOT_ESTIMABLE)} to {_fmt(k['hr_high'], 4, NOT_ESTIMABLE)}"
            lines.append(f"  {k['level']:<14}{hr:>13}   {ci:<22}{_p(k['wald_pvalue']):>10}{_p(k['lr_pvalue']):>10}")
        df = t["df"]
        lines.append(f"  Cox likelihood-ratio chi-square = {t['lr_statistic']:.4f} on {df} df, p = {t['lr_pvalue']:.4g}; "
                     f"Wald chi-square = {t['wald_statistic']:.4f}, p = {t['wald_pvalue']:.4g}")
        lines.append(f"  log-rank chi-square = {lr['statistic']:.4f} on {lr['df']} df, p = {lr['pvalue']:.4g}")
        return lines

    def __repr__(self) -> str:
        return self.to_text()

    def _html_caption(self) -> str:
        s = self.settings
        return (
            f"AnalysisResult: {len(self.arms)} arm(s), Kaplan-Meier {s['conf_level']:.0%} CI "
            f"({s['conf_type']} transform), Cox ties={s['ties']}"
        )

    def _html_frames(self) -> tuple:
        frames = (self.to_frame(),)
        if any(a["landmarks"] for a in self.arms):
            frames += (self.landmarks_frame(),)
        if self.comparisons:
            frames += (pd.DataFrame(self.comparisons),)
        return frames

    def _repr_html_(self) -> str:
        # the settings table in full: pandas' notebook display would cut its long values
        settings = self._settings_frame().to_html(index=False, escape=True)
        return super()._repr_html_() + f"<p>Settings</p>{settings}"

    def _settings_frame(self) -> pd.DataFrame:
        """The settings the text shows, one row each (lists joined by commas), then one row per warning."""
        def text(value):
            if isinstance(value, (list, tuple)):
                return ", ".join(text(v) for v in value) or "none"
            if isinstance(value, float):
                return f"{value:g}"
            return "none" if value is None else str(value)

        rows = [{"setting": k, "value": text(v)} for k, v in self.settings.items()]
        rows += [{"setting": "warning", "value": w} for w in self.warnings]
        return pd.DataFrame(rows, columns=["setting", "value"])


def _limit(contrast) -> str:
    """Where the hazard ratio of a coefficient that may be infinite tends: 0 or infinity."""
    return "0" if contrast["coef"] < 0 else "infinity"


def _arm_order(data, labels, arm, has_arm, reference, strata) -> list:
    """The arms in natural order, ``reference`` first, after checking the comparison asked for."""
    arms = natural_order(labels)
    if (reference is not None or strata is not None) and len(arms) < 2:
        asked = "--reference" if reference is not None else "--strata"
        raise InputError(
            f"{asked} asks for a comparison, but there is only one arm"
            f"{' (' + arms[0] + ')' if has_arm else ' (no arm column)'}; expected two or more arms."
        )
    if reference is not None:
        reference = str(reference)
        if reference not in arms:
            raise InputError(f"reference arm {reference!r} is not in column {arm!r}; arms are {', '.join(arms)}.")
        arms = [reference] + [a for a in arms if a != reference]
    if strata is not None and strata not in data.columns:
        raise InputError(f"no column {strata!r} to stratify by; columns are {', '.join(map(str, data.columns))}.")
    return arms


def _arm_summary(res, landmarks) -> dict:
    """One arm of ``analyze --json``: n, events, median with its limits, landmarks."""
    q = res.quantile(0.5)
    at = res.at(landmarks).itertuples() if landmarks else []
    return {
        "arm": res.label,
        "n": res.n,
        "events": res.events,
        "median": q.estimate,
        "median_low": q.low,
        "median_high": q.high,
        "landmarks": [
            {
                "time": float(r.time),
                "survival": float(r.survival),
                "survival_low": _num(r.survival_low),
                "survival_high": _num(r.survival_high),
                "n_at_risk": int(r.n_at_risk),
            }
            for r in at
        ],
    }


def _infinite_terms(cox) -> list:
    """0-based indices of the coefficients the fit notes may be infinite (R's coxph check)."""
    return [i for i, lev in enumerate(cox.terms)
            if any(repr(lev) in note and "may be infinite" in note for note in cox.notes)]


def _separated_terms(t, e, labels, strata, ref, terms) -> list:
    """0-based indices of the contrasts whose partial likelihood is monotone: the coefficient is infinite.

    The log partial likelihood decreases without end in the coefficient of level ``j``
    (an arm without events, or whose every event happens when only its own patients are
    at risk) or increases without end (no event outside ``j`` while a patient of ``j`` is
    at risk), provided the level's patients share a risk set with an event of another arm.
    """
    s = np.zeros(len(t), dtype=int) if strata is None else np.unique(np.asarray(strata), return_inverse=True)[1]
    out = []
    for i, level in enumerate(terms):
        inj = labels == level
        others = ~inj  # every patient outside level j
        down = up = True
        informative = False
        for st in np.unique(s):
            m = s == st
            tt, ee, jj, oo = t[m], e[m] == 1, inj[m], others[m]
            for time_, ev_j in zip(tt[ee], jj[ee]):
                at_risk = tt >= time_
                j_at, o_at = bool(np.any(at_risk & jj)), bool(np.any(at_risk & oo))
                if j_at and o_at:
                    informative = True
                if ev_j and o_at:
                    down = False  # an event of j with others at risk pulls the coefficient up
                if not ev_j and j_at:
                    up = False  # an event outside j with j at risk pulls it down
        if informative and (down or up):
            out.append(i)
    return out


def _compare(t, e, labels, strata, arms, conf_level, ties):
    """Cox contrasts against ``arms[0]``, the global Cox tests, the k-sample log-rank test and warnings."""
    ref = arms[0]
    # A coefficient drifting to infinity overflows exp(); it is reported by R's warning instead.
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        cox = cox_ph(t, e, labels, strata=strata, reference=ref, conf_level=conf_level, ties=ties)
        lr = logrank_test(t, e, labels, strata=strata)
        infinite = sorted(set(_infinite_terms(cox)) | set(_separated_terms(t, e, labels, strata, ref, cox.terms)))
        comparisons = []
        for i, level in enumerate(cox.terms):
            if cox.df == 1:
                lr_p = cox.lr_pvalue
            else:  # the contrast's 1-df likelihood-ratio test: its level merged into the reference
                merged = np.where(labels == level, ref, labels)
                reduced = cox_ph(t, e, merged, strata=strata, reference=ref, conf_level=conf_level, ties=ties)
                lr_p = float(stats.chi2.sf(max(2 * (cox.loglik - reduced.loglik), 0.0), 1))
            inf = i in infinite
            comparisons.append({
                "level": str(level),
                "reference": ref,
                "hr": None if inf else _num(cox.hr[i]),
                "hr_low": None if inf else _num(cox.hr_low[i]),
                "hr_high": None if inf else _num(cox.hr_high[i]),
                "coef": float(cox.coef[i]),
                "se": _num(cox.se[i]),
                "wald_pvalue": float(cox.wald_pvalue) if cox.df == 1 else _num(cox.pvalue[i]),
                "lr_pvalue": _num(lr_p),
                "coef_may_be_infinite": inf,
            })
    cox_tests = {
        "df": int(cox.df),
        "wald_statistic": _num(cox.wald_statistic),
        "wald_pvalue": _num(cox.wald_pvalue),
        "lr_statistic": _num(cox.lr_statistic),
        "lr_pvalue": _num(cox.lr_pvalue),
        "score_statistic": _num(cox.score_statistic),
        "score_pvalue": _num(cox.score_pvalue),
    }
    logrank = {"statistic": float(lr.statistic), "df": int(lr.df), "pvalue": float(lr.pvalue)}
    # The fit's warnings in R's words, as coxph gives them for the same data: running out of
    # iterations (an arm without events, say), or R's check of a coefficient drifting to
    # infinity after the log-likelihood converged. Which contrasts are shown as not estimated
    # is the check above (a monotone partial likelihood), which holds in both cases.
    flagged = _infinite_terms(cox)
    warns = [] if cox.converged else [R_NOT_CONVERGED]
    if flagged:
        warns.append(infinite_coefficient_warning([i + 1 for i in flagged]))
    warns += [n for n in cox.notes if "may be infinite" not in n and "did not converge" not in n]
    return comparisons, cox_tests, logrank, warns


def analyze(
    data: pd.DataFrame,
    *,
    strata: str | None = None,
    reference: str | None = None,
    conf_type: str = "log",
    conf_level: float = 0.95,
    ties: str = "efron",
    landmarks=(),
    arm: str = "arm",
    **deprecated,
) -> AnalysisResult:
    """Analyse patient-level data with columns ``time``, ``event`` and optionally ``arm``.

    Per arm: Kaplan–Meier n, events, median with its confidence limits, survival and
    numbers at risk at landmarks; for two arms the Cox hazard ratio of the second arm
    against the reference (Wald and likelihood-ratio p) and the log-rank test.

    Parameters
    ----------
    data : DataFrame
        ``time`` (>= 0), ``event`` (0/1), optional ``arm`` and ``strata`` columns.
    strata : str, optional
        Column to stratify the Cox model and the log-rank test by.
    reference : str, optional
        Reference arm; the first in natural order when omitted.
    conf_type : {"log", "log-log", "plain"}
        Kaplan–Meier confidence transform (R default ``"log"``).
    conf_level : float
        Level of every confidence interval.
    ties : {"efron", "breslow"}
        Cox tie handling (R default ``"efron"``; SAS PHREG ``"breslow"``).
    landmarks : sequence of float
        Times at which to report survival and numbers at risk.
    arm : str
        Name of the arm column.
    **deprecated
        ``ci=``, the name of the previous release for ``conf_type`` (a :class:`DeprecationWarning`).

    Returns
    -------
    AnalysisResult
        ``to_dict()`` is the ``survrepro analyze --json`` object.

    References
    ----------
    Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
    J Am Stat Assoc 1958;53:457-481.
    Brookmeyer R, Crowley J. A confidence interval for the median survival time.
    Biometrics 1982;38:29-41.
    Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220.
    Mantel N. Evaluation of survival data and two new rank order statistics arising in its
    consideration. Cancer Chemother Rep 1966;50:163-170.

    Examples
    --------
    >>> data = pd.DataFrame({"time": [5, 8, 12, 3, 4, 6, 9, 10], "event": [1, 1, 0, 1, 1, 1, 0, 1],
    ...                      "arm": [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0]})
    >>> res = analyze(data, landmarks=[6])
    >>> res.to_frame()[["arm", "n", "events", "median"]].to_dict("records")
    [{'arm': '1', 'n': 4, 'events': 3, 'median': 6.5}, {'arm': '2', 'n': 4, 'events': 3, 'median': 8.0}]
    >>> round(res.comparison["hr"], 4), sorted(res.comparison)[:3]
    (0.8912, ['hr', 'hr_high', 'hr_low'])
    """
    if deprecated:
        conf_type = resolve_renamed(
            "analyze", deprecated, {"ci": "conf_type"}, {"conf_type": conf_type}, {"conf_type": "log"}
        )["conf_type"]
    check_choice("conf_type", conf_type, CONF_TYPES)
    check_choice("ties", ties, TIES)
    conf_level = check_level(conf_level)
    landmarks = [float(t) for t in landmarks]
    if any(not np.isfinite(t) or t < 0 for t in landmarks):
        raise InputError(f"landmark times must be finite numbers >= 0; got {landmarks}.")
    has_arm = arm in data.columns
    labels = group_labels(data[arm], name=arm) if has_arm else np.full(len(data), "all")
    arms = _arm_order(data, labels, arm, has_arm, reference, strata)
    t = data["time"].to_numpy(dtype=float)
    e = data["event"].to_numpy(dtype=int)
    curves = {
        a: kaplan_meier(t[labels == a], e[labels == a], conf_type=conf_type, conf_level=conf_level, label=a)
        for a in arms
    }
    out = [_arm_summary(res, landmarks) for res in curves.values()]
    comparison, comparisons, cox_tests, logrank, warns = None, [], None, None, []
    if len(arms) >= 2:
        s = group_labels(data[strata], name=strata) if strata else None
        comparisons, cox_tests, logrank, warns = _compare(t, e, labels, s, arms, conf_level, ties)
        if len(arms) == 2:
            k = comparisons[0]
            comparison = {
                "reference": arms[0],
                "hr": k["hr"],
                "hr_low": k["hr_low"],
                "hr_high": k["hr_high"],
                "wald_pvalue": k["wald_pvalue"],
                "lr_pvalue": k["lr_pvalue"],
                "logrank_statistic": logrank["statistic"],
                "logrank_pvalue": logrank["pvalue"],
            }
    settings = {
        "conf_type": conf_type,
        "conf_level": conf_level,
        "ties": ties,
        "reference": arms[0] if len(arms) > 1 else None,
        "arm_order": arms,
        "strata": strata,
        "median_rule": "R quantile.survfit (midpoint of a flat stretch at 0.5)",
        "at_risk": "number with time >= t",
        "landmarks": landmarks,
    }
    return AnalysisResult(arms=out, comparison=comparison, settings=settings, curves=curves,
                          comparisons=comparisons, cox_tests=cox_tests, logrank=logrank, warnings=warns)
