"""A whole survival analysis of patient-level data, as a paper reports it.

Per arm: n, events, median with CI, survival and numbers at risk at landmarks; for two
arms: Cox hazard ratio of the second arm against the reference with Wald and
likelihood-ratio p, and the log-rank test. Every convention is a keyword and is stored
in ``settings``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survrepro._validation import InputError, check_choice, check_level
from survrepro.engine._results import ResultMixin, resolve_renamed
from survrepro.engine.cox import TIES, cox_ph
from survrepro.engine.groups import group_labels, natural_order
from survrepro.engine.km import CONF_TYPES, kaplan_meier
from survrepro.engine.logrank import logrank_test

__all__ = ["AnalysisResult", "analyze"]


def _num(x):
    """JSON-safe float: None for a missing or infinite value."""
    return None if x is None or not np.isfinite(x) else float(x)


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
        ``lr_pvalue``, ``logrank_statistic``, ``logrank_pvalue``.
    settings : dict
        Every convention used (``conf_type``, ``conf_level``, ``ties``, ...).
    curves : dict of str to KaplanMeierResult
        The Kaplan–Meier curve of each arm.
    """

    arms: list = field(default_factory=list)
    comparison: dict | None = None
    settings: dict = field(default_factory=dict)
    curves: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The ``survrepro analyze --json`` object."""
        return {"arms": self.arms, "comparison": self.comparison, "settings": self.settings}

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

    def to_text(self) -> str:
        """A readable report of the analysis."""
        s = self.settings
        pct = f"{s['conf_level']:.0%}"
        fmt = lambda v, d=None: "NR" if v is None else (f"{v:g}" if d is None else f"{v:.{d}f}")  # noqa: E731
        lines = [f"Kaplan-Meier by arm ({pct} CI, {s['conf_type']} transform; median rule: {s['median_rule']})"]
        lines.append(f"  {'arm':<14}{'n':>6}{'events':>8}{'median':>10}   {pct} CI")
        for a in self.arms:
            lo, hi = a["median_low"], a["median_high"]
            lines.append(f"  {a['arm']:<14}{a['n']:>6}{a['events']:>8}{fmt(a['median']):>10}   {fmt(lo)} to {fmt(hi)}")
        if any(a["landmarks"] for a in self.arms):
            lines.append("")
            lines.append("Survival at landmarks (numbers at risk count time >= t)")
            lines.append(f"  {'arm':<14}{'time':>8}{'survival':>10}   {pct} CI{'':>12}{'at risk':>8}")
            for a in self.arms:
                for lm in a["landmarks"]:
                    lo, hi = lm["survival_low"], lm["survival_high"]
                    lines.append(
                        f"  {a['arm']:<14}{lm['time']:>8g}{lm['survival']:>10.4f}   "
                        f"{fmt(lo, 4)} to {fmt(hi, 4)}{lm['n_at_risk']:>8}"
                    )
        c = self.comparison
        if c is not None:
            other = [a["arm"] for a in self.arms if a["arm"] != c["reference"]][0]
            strata = f", stratified by {s['strata']}" if s["strata"] else ""
            lines.append("")
            lines.append(f"Comparison: {other} vs {c['reference']} (reference), Cox ties={s['ties']}{strata}")
            lines.append(f"  hazard ratio {c['hr']:.4f} ({pct} CI {c['hr_low']:.4f} to {c['hr_high']:.4f})")
            lines.append(f"  Wald p = {c['wald_pvalue']:.4g}; likelihood-ratio p = {c['lr_pvalue']:.4g}")
            lines.append(
                f"  log-rank chi-square = {c['logrank_statistic']:.4f} on 1 df, p = {c['logrank_pvalue']:.4g}"
            )
        return "\n".join(lines)

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
        if self.comparison is not None:
            frames += (pd.DataFrame([self.comparison]),)
        return frames


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
    comparison = None
    if len(arms) == 2:
        s = group_labels(data[strata], name=strata) if strata else None
        cox = cox_ph(t, e, labels, strata=s, reference=arms[0], conf_level=conf_level, ties=ties)
        lr = logrank_test(t, e, labels, strata=s)
        comparison = {
            "reference": arms[0],
            "hr": float(cox.hr[0]),
            "hr_low": float(cox.hr_low[0]),
            "hr_high": float(cox.hr_high[0]),
            "wald_pvalue": float(cox.wald_pvalue),
            "lr_pvalue": float(cox.lr_pvalue),
            "logrank_statistic": float(lr.statistic),
            "logrank_pvalue": float(lr.pvalue),
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
    return AnalysisResult(arms=out, comparison=comparison, settings=settings, curves=curves)
