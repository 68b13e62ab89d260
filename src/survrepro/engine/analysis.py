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
from survrepro.engine.cox import TIES, cox_ph
from survrepro.engine.logrank import logrank_test
from survrepro.engine.km import CONF_TYPES, kaplan_meier
from survrepro.engine.groups import natural_order

__all__ = ["AnalysisResult", "analyze"]


def _num(x):
    """JSON-safe float: None for a missing or infinite value."""
    return None if x is None or not np.isfinite(x) else float(x)


@dataclass(frozen=True, repr=False)
class AnalysisResult:
    """Per-arm summaries, the two-arm comparison (or ``None``) and the settings used."""

    arms: list = field(default_factory=list)
    comparison: dict | None = None
    settings: dict = field(default_factory=dict)
    curves: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The ``survrepro analyze --json`` object."""
        return {"arms": self.arms, "comparison": self.comparison, "settings": self.settings}

    def to_frame(self) -> pd.DataFrame:
        """One row per arm: n, events, median and its CI."""
        return pd.DataFrame(
            [
                {
                    "arm": a["arm"],
                    "n": a["n"],
                    "events": a["events"],
                    "median": a["median"],
                    "median_low": a["median_ci"][0],
                    "median_high": a["median_ci"][1],
                }
                for a in self.arms
            ]
        )

    def landmarks_frame(self) -> pd.DataFrame:
        """One row per arm and landmark time."""
        rows = [{"arm": a["arm"], **lm, "low": lm["ci"][0], "high": lm["ci"][1]} for a in self.arms for lm in a["landmarks"]]
        df = pd.DataFrame(rows, columns=["arm", "time", "survival", "low", "high", "n_at_risk"])
        return df

    def to_text(self) -> str:
        """A readable report of the analysis."""
        s = self.settings
        pct = f"{s['conf_level']:.0%}"
        fmt = lambda v, d=None: "NR" if v is None else (f"{v:g}" if d is None else f"{v:.{d}f}")  # noqa: E731
        lines = [f"Kaplan-Meier by arm ({pct} CI, {s['ci']} transform; median rule: {s['median_rule']})"]
        lines.append(f"  {'arm':<14}{'n':>6}{'events':>8}{'median':>10}   {pct} CI")
        for a in self.arms:
            lo, hi = a["median_ci"]
            lines.append(f"  {a['arm']:<14}{a['n']:>6}{a['events']:>8}{fmt(a['median']):>10}   {fmt(lo)} to {fmt(hi)}")
        if any(a["landmarks"] for a in self.arms):
            lines.append("")
            lines.append(f"Survival at landmarks (numbers at risk count time >= t)")
            lines.append(f"  {'arm':<14}{'time':>8}{'survival':>10}   {pct} CI{'':>12}{'at risk':>8}")
            for a in self.arms:
                for lm in a["landmarks"]:
                    lo, hi = lm["ci"]
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
            lines.append(f"  hazard ratio {c['hr']:.4f} ({pct} CI {c['hr_ci'][0]:.4f} to {c['hr_ci'][1]:.4f})")
            lines.append(f"  Wald p = {c['wald_p']:.4g}; likelihood-ratio p = {c['lr_p']:.4g}")
            lines.append(f"  log-rank chi-square = {c['logrank_chisq']:.4f} on 1 df, p = {c['logrank_p']:.4g}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        html = self.to_frame()._repr_html_()
        if self.comparison is not None:
            html += pd.DataFrame([{k: v for k, v in self.comparison.items() if k != "hr_ci"} | {
                "hr_low": self.comparison["hr_ci"][0], "hr_high": self.comparison["hr_ci"][1]}])._repr_html_()
        return html


def analyze(
    data: pd.DataFrame,
    *,
    ci: str = "log",
    conf_level: float = 0.95,
    ties: str = "efron",
    landmarks=(),
    reference: str | None = None,
    strata: str | None = None,
    arm: str = "arm",
    where: str = "data",
) -> AnalysisResult:
    """Analyse patient-level data with columns ``time``, ``event`` and optionally ``arm``.

    Parameters
    ----------
    data : DataFrame
        ``time`` (>= 0), ``event`` (0/1), optional ``arm`` and ``strata`` columns.
    ci : {"log", "log-log", "plain"}
        Kaplan–Meier confidence transform (R default ``"log"``).
    ties : {"efron", "breslow"}
        Cox tie handling (R default ``"efron"``; SAS PHREG ``"breslow"``).
    landmarks : sequence of float
        Times at which to report survival and numbers at risk.
    reference : str, optional
        Reference arm; the first in natural order when omitted.
    strata : str, optional
        Column to stratify the Cox model and the log-rank test by.
    where : str
        Name of the data source for error messages.
    """
    check_choice("ci", ci, CONF_TYPES)
    check_choice("ties", ties, TIES)
    conf_level = check_level(conf_level)
    landmarks = [float(t) for t in landmarks]
    if any(not np.isfinite(t) or t < 0 for t in landmarks):
        raise InputError(f"landmark times must be finite numbers >= 0; got {landmarks}.")
    has_arm = arm in data.columns
    labels = data[arm].astype(str).to_numpy() if has_arm else np.full(len(data), "all")
    arms = natural_order(labels)
    if reference is not None or strata is not None:
        if len(arms) < 2:
            asked = "--reference" if reference is not None else "--strata"
            raise InputError(
                f"{where}: {asked} asks for a comparison, but there is only one arm"
                f"{' (' + arms[0] + ')' if has_arm else ' (no arm column)'}; expected two or more arms."
            )
    if reference is not None:
        reference = str(reference)
        if reference not in arms:
            raise InputError(f"{where}: reference arm {reference!r} is not in column {arm!r}; arms are {', '.join(arms)}.")
        arms = [reference] + [a for a in arms if a != reference]
    if strata is not None and strata not in data.columns:
        raise InputError(f"{where}: no column {strata!r} to stratify by; columns are {', '.join(map(str, data.columns))}.")

    t = data["time"].to_numpy(dtype=float)
    e = data["event"].to_numpy(dtype=int)
    out, curves = [], {}
    for a in arms:
        m = labels == a
        res = kaplan_meier(t[m], e[m], conf_type=ci, conf_level=conf_level, label=a)
        curves[a] = res
        q = res.quantile(0.5)
        lm = res.at(landmarks) if landmarks else None
        out.append(
            {
                "arm": a,
                "n": res.n,
                "events": res.events,
                "median": q.estimate,
                "median_ci": [q.low, q.high],
                "landmarks": [
                    {
                        "time": float(r.time),
                        "survival": float(r.survival),
                        "ci": [_num(r.lower), _num(r.upper)],
                        "n_at_risk": int(r.n_at_risk),
                    }
                    for r in (lm.itertuples() if lm is not None else [])
                ],
            }
        )

    comparison = None
    if len(arms) == 2:
        s = data[strata].astype(str).to_numpy() if strata else None
        cox = cox_ph(t, e, labels, strata=s, ties=ties, reference=arms[0], conf_level=conf_level)
        lr = logrank_test(t, e, labels, strata=s)
        comparison = {
            "reference": arms[0],
            "hr": float(cox.hr[0]),
            "hr_ci": [float(cox.hr_ci[0][0]), float(cox.hr_ci[0][1])],
            "wald_p": float(cox.wald_p),
            "lr_p": float(cox.lr_p),
            "logrank_chisq": float(lr.chisq),
            "logrank_p": float(lr.p),
        }
    settings = {
        "ci": ci,
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
