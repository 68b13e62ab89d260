"""EXTEND (breast basket) PFS extrapolated by the six parametric models of NICE DSU TSD 14, on SYNTHETIC data.

Fits exponential, Weibull, Gompertz, log-normal, log-logistic and generalized gamma models
to the progression-free survival of each arm of the SYNTHETIC patient-level data
(data/extend_breast/extend_breast_synthetic_ipd.csv, calibrated to the published
summaries), draws the fitted curves over the Kaplan–Meier curves with numbers at risk up to
a horizon, and writes a report section (Markdown) with the AIC/BIC table, the medians, the
means restricted to the horizon and the survival at the horizon, with a CSV of every number
beside it. The numbers show how far the models part beyond follow-up; they describe
synthetic data, not the trial.

    python analyses/extend_breast/extrapolation_pfs.py [--ipd CSV] [--register TOML] [--figure PNG]
        [--out MD] [--csv CSV] [--horizon MONTHS]

References
----------
Latimer N. NICE DSU Technical Support Document 14: Survival analysis for economic
evaluations alongside clinical trials - extrapolation with patient-level data. 2013.
Reddy et al. Metastasis-directed therapy in oligometastatic breast cancer (EXTEND breast
basket). Int J Radiat Oncol Biol Phys 2025.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd

from survrepro import io, paths
from survrepro.report import exhibits
from survrepro._validation import InputError
from survrepro.engine.extrapolate import DISTRIBUTIONS, extrapolate
from survrepro.report.plotting import SYNTHETIC_NOTE, add_footnote, plot_extrapolation
from survrepro.register.schema import load_register

STUDY = "extend_breast"
SECTION = "40_extrapolation_pfs"
FIGURE = "extrapolation_pfs"
#: The figures this script draws and their captions in the report (the exhibit table).
CAPTIONS = {
    "extrapolation_pfs": "PFS by arm extrapolated by six parametric models (NICE DSU TSD 14)",
}
#: Default horizon of the restricted means and of the figure, in months (five years).
HORIZON = 60.0
TIME, EVENT = "pfs_time", "pfs_event"


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--ipd", default=str(paths.DATA / STUDY / "extend_breast_synthetic_ipd.csv"),
                    help="patient-level data with pfs_time, pfs_event, arm (default: %(default)s)")
    ap.add_argument("--register", default=str(paths.PUBLISHED / f"{STUDY}.toml"),
                    help="register of the study, for the arm labels (default: %(default)s)")
    ap.add_argument("--figure", default=str(paths.study_figures(STUDY) / f"{FIGURE}.png"),
                    help="figure (default: %(default)s)")
    ap.add_argument("--out", default=str(paths.BUILD / STUDY / "sections" / f"{SECTION}.md"),
                    help="report section (default: %(default)s)")
    ap.add_argument("--csv", default=None, help="CSV of the numbers (default: beside --out, same name)")
    ap.add_argument("--horizon", type=float, default=HORIZON,
                    help="months up to which the means are restricted and the curves drawn (default: %(default)g)")
    return ap


def load(ipd_path, register):
    """Times, events and arm ids of the PFS data, the arm labels, and whether the data are synthetic."""
    df = io.read_csv(ipd_path, required=(TIME, EVENT, "arm"), what="patient-level data file (pfs_time,pfs_event,arm)")
    labels = {a.id: a.label for a in register.study.arms}
    unknown = sorted(set(df["arm"].astype(str)) - set(labels))
    if unknown:
        raise InputError(f"{ipd_path}: column 'arm' has {unknown[0]!r}, which is not an arm of the register "
                         f"(expected one of {', '.join(labels)}).")
    synthetic = "synthetic" in Path(ipd_path).name.lower()
    return df[TIME].to_numpy(float), df[EVENT].to_numpy(int), df["arm"].astype(str).to_numpy(), labels, synthetic


def compute(time, event, arm, horizon):
    if not (math.isfinite(horizon) and horizon > 0):
        raise InputError(f"--horizon {horizon:g}: expected a number of months > 0.")
    return extrapolate(time, event, arm, dists=DISTRIBUTIONS, horizon=horizon, times=[12, 24, 36, horizon])


def frame(res, source: str) -> pd.DataFrame:
    """Every number of the section, one row per arm and model (tidy)."""
    s = res.to_frame()
    p = res.predictions_frame()
    at_h = p[p["time"] == res.horizon].set_index(["arm", "distribution"])
    out = s[["arm", "distribution", "label", "fitted", "n", "events", "df", "loglik", "aic", "aic_rank", "bic",
             "bic_rank", "median", "median_low", "median_high", "rmean", "rmean_low", "rmean_high", "mean",
             "horizon", "reason"]].copy()
    keys = list(zip(out["arm"], out["distribution"]))
    out["survival_at_horizon"] = [at_h["survival"].get(k, np.nan) for k in keys]
    out.insert(0, "endpoint", "pfs")
    out.insert(0, "study", STUDY)
    out["data_source"] = source
    return out


def _num(x, digits=1) -> str:
    if x is None or not math.isfinite(x):
        return "NR" if x == math.inf else "–"
    return f"{x:.{digits}f}"


def markdown(res, labels, source: str, synthetic: bool) -> str:
    s = res.to_frame()
    p = res.predictions_frame()
    h = f"{res.horizon:g}"
    tag = " (SYNTHETIC data)" if synthetic else ""
    lines = [
        f"### PFS extrapolated by parametric models (NICE DSU TSD 14){tag}",
        "",
        f"Data: {source}. Each model is fitted by maximum likelihood to each arm; AIC and BIC rank the "
        f"models within an arm (1 = best fit). Means are restricted to {h} months; the survival at {h} "
        "months lies beyond follow-up and is an extrapolation.",
        "",
        f"| arm | model | df | log-likelihood | AIC (rank) | BIC (rank) | median, months (95% CI) "
        f"| mean to {h} months (95% CI) | PFS at {h} months |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for arm in res.levels:
        for _, r in s[s["arm"] == arm].iterrows():
            if not r["fitted"]:
                lines.append(f"| {labels[arm]} | {r['label']} | {int(r['df'])} | not fitted: {r['reason']} | | | | | |")
                continue
            surv = p[(p["arm"] == arm) & (p["distribution"] == r["distribution"]) & (p["time"] == res.horizon)]
            lines.append(
                f"| {labels[arm]} | {r['label']} | {int(r['df'])} | {r['loglik']:.2f} | {r['aic']:.2f} ({int(r['aic_rank'])}) "
                f"| {r['bic']:.2f} ({int(r['bic_rank'])}) | {_num(r['median'])} ({_num(r['median_low'])}–"
                f"{_num(r['median_high'])}) | {_num(r['rmean'])} ({_num(r['rmean_low'])}–{_num(r['rmean_high'])}) "
                f"| {100 * float(surv['survival'].iloc[0]):.1f}% |"
            )
    lines.append("")
    lines.append(" ".join(interpretation(res, labels, synthetic)))
    notes = [n for n in res.notes if not n.startswith("confidence limits")]
    for arm in res.levels:
        notes = [n.replace(f"arm {arm},", f"{labels[arm]},").replace(f"arm {arm}:", f"{labels[arm]}:") for n in notes]
    if notes:
        lines += ["", "Notes: " + "; ".join(notes) + "."]
    return "\n".join(lines) + "\n"


def interpretation(res, labels, synthetic: bool) -> list[str]:
    s = res.to_frame()
    out = []
    for arm in res.levels:
        rows = s[(s["arm"] == arm) & s["fitted"]]
        best_aic = rows.sort_values("aic").iloc[0]
        best_bic = rows.sort_values("bic").iloc[0]
        spread = rows["aic"].max() - rows["aic"].min()
        lo, hi = rows["rmean"].min(), rows["rmean"].max()
        out.append(
            f"For {labels[arm]} ({int(best_aic['n'])} patients, {int(best_aic['events'])} events) the best AIC is the "
            f"{best_aic['label']} and the best BIC the {best_bic['label']} model; the AICs span {spread:.1f} points, "
            f"and the means restricted to {res.horizon:g} months range from {lo:.1f} to {hi:.1f} months across models."
        )
    out.append(
        "With so few events the fit statistics barely separate the models, while their extrapolations differ: "
        "TSD 14 asks that the choice rest also on the plausibility of the hazards and on external data."
    )
    if synthetic:
        out.append("These numbers come from SYNTHETIC data calibrated to the published summaries, not from the trial.")
    return out


def figure(res, labels, synthetic: bool):
    title = "PFS: parametric extrapolation" + (" (SYNTHETIC data)" if synthetic else "")
    ax = plot_extrapolation(res, title=title, xlabel="Months since randomization",
                            ylabel="Progression-free survival", risk_times=np.arange(0, res.horizon + 1e-9, 12.0),
                            arm_labels=labels)
    if synthetic:
        add_footnote(ax, SYNTHETIC_NOTE + " Dotted vertical lines: end of follow-up of each arm.")
    return ax


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    register = load_register(args.register)
    time, event, arm, labels, synthetic = load(args.ipd, register)
    res = compute(time, event, arm, args.horizon)
    kind = "SYNTHETIC IPD" if synthetic else "patient-level data"
    source = f"{kind} ({Path(args.ipd).relative_to(paths.DATA).as_posix() if Path(args.ipd).resolve().is_relative_to(paths.DATA.resolve()) else args.ipd})"
    ax = figure(res, labels, synthetic)
    fig_path = io.save_figure(ax.figure, args.figure)
    out = Path(args.out)
    csv = Path(args.csv) if args.csv else out.with_suffix(".csv")
    io.write_csv(csv, frame(res, source))
    io.write_text(out, markdown(res, labels, source, synthetic))
    best = {a: res.to_frame().query("arm == @a and fitted").sort_values("aic").iloc[0]["label"] for a in res.levels}
    print(f"wrote {fig_path}, {out} and {csv} (best AIC: "
          + ", ".join(f"{a} {b}" for a, b in best.items()) + ")")
    return 0


if __name__ == "__main__":
    raise SystemExit(exhibits.call(main))
