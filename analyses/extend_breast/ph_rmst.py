"""EXTEND (breast basket) PFS: proportional-hazards check and restricted mean survival time by arm.

Tests proportional hazards for the Cox model of PFS (R's ``cox.zph``, Kaplan–Meier time
transform), estimates the RMST of each arm up to a horizon tau inside both arms'
follow-up and their difference, and writes a short report section (Markdown) with a CSV
of every number beside it. Numbers in the text are computed here from the same patient
data as the figures.

    python analyses/extend_breast/ph_rmst.py [--register TOML] [--out MD] [--csv CSV] [--tau MONTHS]

References
----------
Grambsch PM, Therneau TM. Proportional hazards tests and diagnostics based on weighted
residuals. Biometrika 1994;81:515-526.
Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard ratio
for the design and analysis of randomized trials with a time-to-event outcome.
BMC Med Res Methodol 2013;13:152.
Tian L, Jin H, Uno H, et al. On the empirical choice of the time window for restricted
mean survival time. Biometrics 2020;76:1157-1166.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from _extend_breast import STUDY, compare, fmt2, format_p, load, parser

from survrepro import io, paths
from survrepro.report import exhibits
from survrepro._validation import InputError
from survrepro.engine.cox import ph_test
from survrepro.engine.km import kaplan_meier
from survrepro.engine.rmst import rmst
from survrepro.register.schema import load_register, round_half_away

SECTION = "20_ph_rmst"
_TEST_NAMES = {"logrank": "log-rank", "wald": "Wald", "likelihood_ratio": "likelihood-ratio", "score": "score"}
#: An HR within these limits is called "close to 1" in the text.
NEAR_ONE = (0.8, 1.25)
ENDPOINT = "pfs"


def default_tau(data: pd.DataFrame) -> tuple[float, str]:
    """The largest whole month not beyond the shorter arm's last observed time, and why.

    Both Kaplan–Meier curves are then estimated (not carried forward) up to tau, the
    choice Tian et al. (2020) recommend when no horizon was prespecified.
    """
    last = data.groupby("arm")["time"].max()
    shorter = float(last.min())
    tau = float(math.floor(shorter))
    if tau <= 0:
        tau = shorter
    why = (
        f"tau = {tau:g} months: the largest whole month not beyond the shorter arm's last observed time "
        f"({shorter:.2f} months, {last.idxmin()}), so both curves are estimated up to tau "
        f"(no horizon was prespecified; Tian et al. 2020)"
    )
    return tau, why


def crossings(km_a, km_b, until: float) -> list[float]:
    """Times up to ``until`` where the sign of S_a - S_b changes (ignoring ties), at the event time it flips."""
    grid = np.union1d(km_a.time, km_b.time)
    grid = grid[grid <= until]
    diff = km_a.survival_at(grid) - km_b.survival_at(grid)
    out, sign = [], 0
    for t, d in zip(grid, diff):
        s = int(np.sign(round(d, 12)))
        if s == 0:
            continue
        if sign != 0 and s != sign:
            out.append(float(t))
        sign = s
    return out


@dataclass(frozen=True)
class Numbers:
    arms: list  # dicts per arm
    comparison: object
    ph: object
    rmst: object
    contrast: pd.Series
    tau: float
    tau_reason: str
    crossings: list
    source: str
    synthetic: bool


def compute(register, ed, tau: float | None = None) -> Numbers:
    d = ed.data
    comp = compare(register, ed)
    ph = ph_test(d["time"], d["event"], d["arm"], ties=comp.ties, reference=comp.reference, transform="km")
    if tau is None:
        tau, why = default_tau(d)
    else:
        tau = float(tau)
        last = d.groupby("arm")["time"].max()
        if not (math.isfinite(tau) and 0 < tau <= float(last.min())):
            raise InputError(
                f"--tau {tau:g}: expected a time > 0 within both arms' follow-up (up to {float(last.min()):.2f} months)."
            )
        why = f"tau = {tau:g} months, as given"
    r = rmst(d["time"], d["event"], d["arm"], tau=tau, reference=comp.reference)
    contrast = r.contrasts().set_index("level").loc[comp.experimental]
    per_arm = r.to_frame().set_index("group")
    labels = {a.id: a.label for a in register.study.arms}
    arms, km = [], {}
    for arm_id in (comp.experimental, comp.reference):
        m = d["arm"].to_numpy() == arm_id
        k = kaplan_meier(d["time"][m], d["event"][m])
        km[arm_id] = k
        low, high = k.median_ci
        row = per_arm.loc[arm_id]
        arms.append({
            "arm": arm_id, "label": labels[arm_id], "n": int(k.n), "events": int(k.events),
            "median": k.median, "median_low": low, "median_high": high,
            "rmst": float(row["rmst"]), "rmst_se": float(row["se"]),
            "rmst_low": float(row["rmst_low"]), "rmst_high": float(row["rmst_high"]),
        })
    cross = crossings(km[comp.experimental], km[comp.reference], float(d["time"].max()))
    return Numbers(arms, comp, ph, r, contrast, tau, why, cross, ed.source, ed.synthetic)


def _m(x, digits: int = 1) -> str:
    """A number at ``digits`` decimals with a true minus sign; NR when missing (not reached)."""
    if x is None or not math.isfinite(x):
        return "NR"
    return f"{round_half_away(x, digits):.{digits}f}".replace("-", "\u2212")


def _ci(low, high, digits: int = 1) -> str:
    """``a–b``, or ``a to b`` when a limit is negative (a dash would read as a minus)."""
    neg = any(v is not None and math.isfinite(v) and v < 0 for v in (low, high))
    return f"{_m(low, digits)}{' to ' if neg else chr(0x2013)}{_m(high, digits)}"


def frame(n: Numbers) -> pd.DataFrame:
    """Every number of the section, one row each (tidy)."""
    rows = []
    for a in n.arms:
        rows.append({"quantity": "n", "arm": a["arm"], "estimate": a["n"]})
        rows.append({"quantity": "events", "arm": a["arm"], "estimate": a["events"]})
        rows.append({"quantity": "median", "arm": a["arm"], "estimate": a["median"],
                     "lower": a["median_low"], "upper": a["median_high"], "settings": "Kaplan-Meier, R median rule, log CI"})
        rows.append({"quantity": "rmst", "arm": a["arm"], "estimate": a["rmst"], "se": a["rmst_se"],
                     "lower": a["rmst_low"], "upper": a["rmst_high"], "tau": n.tau, "settings": "R survfit rmean SE"})
    c, cmp = n.contrast, n.comparison
    pair = f"{cmp.experimental}-{cmp.reference}"
    rows.append({"quantity": "rmst_difference", "arm": pair, "estimate": c["difference"], "se": c["difference_se"],
                 "lower": c["difference_low"], "upper": c["difference_high"], "p": c["difference_pvalue"], "tau": n.tau,
                 "settings": "normal approximation, independent arms"})
    rows.append({"quantity": "rmst_ratio", "arm": f"{cmp.experimental}/{cmp.reference}", "estimate": c["ratio"],
                 "lower": c["ratio_low"], "upper": c["ratio_high"], "p": c["ratio_pvalue"], "tau": n.tau,
                 "settings": "delta method on the log scale"})
    rows.append({"quantity": "hr", "arm": f"{cmp.experimental}/{cmp.reference}", "estimate": cmp.hr,
                 "lower": cmp.hr_low, "upper": cmp.hr_high, "settings": f"Cox, ties={cmp.ties}, Wald CI"})
    rows.append({"quantity": f"p_{cmp.test}", "arm": pair, "estimate": cmp.p, "p": cmp.p})
    ph = n.ph.table.loc["GLOBAL"]
    rows.append({"quantity": "ph_test_chisq", "arm": pair, "estimate": float(ph["statistic"]), "df": int(ph["df"]),
                 "p": float(ph["pvalue"]), "settings": f"cox.zph, transform={n.ph.transform}, ties={n.ph.ties}"})
    for i, t in enumerate(n.crossings, start=1):
        rows.append({"quantity": "curves_cross_at", "arm": pair, "estimate": t, "settings": f"crossing {i}"})
    out = pd.DataFrame(rows, columns=["quantity", "arm", "estimate", "se", "lower", "upper", "df", "p", "tau", "settings"])
    out.insert(0, "endpoint", ENDPOINT)
    out.insert(0, "study", STUDY)
    out["data_source"] = n.source
    return out


def markdown(n: Numbers) -> str:
    """The report section: a table and a few sentences, every number inserted from ``n``."""
    exp, ref = n.arms
    c, cmp = n.contrast, n.comparison
    ph = n.ph
    tau = f"{n.tau:g}"
    label = " (SYNTHETIC data)" if n.synthetic else ""
    lines = [
        f"### PFS: proportional hazards and restricted mean survival time{label}",
        "",
        f"Data: {n.source}. RMST horizon: {n.tau_reason}.",
        "",
        f"| arm | n | events | median PFS, months (95% CI) | RMST to {tau} months (95% CI) |",
        "|---|---|---|---|---|",
    ]
    for a in n.arms:
        lines.append(
            f"| {a['label']} | {a['n']} | {a['events']} | {_m(a['median'])} ({_ci(a['median_low'], a['median_high'])}) "
            f"| {_m(a['rmst'])} ({_ci(a['rmst_low'], a['rmst_high'])}) |"
        )
    lines.append(
        f"| difference ({exp['label']} \u2212 {ref['label']}) | | | "
        f"| {_m(c['difference'])} ({_ci(c['difference_low'], c['difference_high'])}); {format_p(c['difference_pvalue'])} |"
    )
    lines += [
        "",
        f"Cox HR ({exp['label']} over {ref['label']}, {cmp.ties} ties): {fmt2(cmp.hr)} "
        f"({cmp.conf_level:.0%} CI {fmt2(cmp.hr_low)}\u2013{fmt2(cmp.hr_high)}); {_TEST_NAMES[cmp.test]} "
        f"{format_p(cmp.p)}. Proportional-hazards test (cox.zph, {ph.transform} transform): "
        f"chi-square {ph.statistic:.2f} on {ph.df} df, {format_p(ph.pvalue)}.",
        "",
    ]
    lines.append(" ".join(interpretation(n)))
    return "\n".join(lines) + "\n"


def interpretation(n: Numbers) -> list[str]:
    """3 to 5 sentences on what the medians, the HR, the PH test and the RMST say together."""
    exp, ref = n.arms
    cmp, c = n.comparison, n.contrast
    out = []
    me, mr = exp["median"], ref["median"]
    hr_text = f"HR {fmt2(cmp.hr)} ({fmt2(cmp.hr_low)}\u2013{fmt2(cmp.hr_high)})"
    if me is not None and mr is not None:
        shorter = exp if me < mr else ref
        longer = ref if shorter is exp else exp
        favours = exp if cmp.hr < 1 else ref  # the arm with the lower average hazard
        if favours is shorter:
            out.append(
                f"The median PFS is shorter with {shorter['label']} ({_m(shorter['median'])} vs "
                f"{_m(longer['median'])} months) while the {hr_text} is below 1 in its favour: the medians "
                f"and the HR point in opposite directions, so neither is a faithful one-number summary of "
                f"the difference between the curves."
            )
        else:
            near = NEAR_ONE[0] <= cmp.hr <= NEAR_ONE[1]
            out.append(
                f"The median PFS is shorter with {shorter['label']} ({_m(shorter['median'])} vs "
                f"{_m(longer['median'])} months) and the {hr_text} leans the same way"
                + (f", but the medians differ by {_m(abs(me - mr))} months while the HR is close to 1"
                   if near else "")
                + ": the median compares one time point of each curve, the HR averages the hazard ratio "
                f"over all event times."
            )
    else:
        out.append(f"The {hr_text} summarises the whole curves; a median is not reached in one arm.")
    if n.crossings:
        times = ", ".join(f"{_m(t)}" for t in n.crossings)
        out.append(
            f"The Kaplan\u2013Meier curves cross {len(n.crossings)} time{'s' if len(n.crossings) > 1 else ''} "
            f"(at {times} months), so neither arm is ahead throughout: the HR averages periods in which "
            f"each arm does better"
            + (", and its value near 1 does not mean the arms have the same PFS at every time."
               if NEAR_ONE[0] <= cmp.hr <= NEAR_ONE[1] else ".")
        )
    events = exp["events"] + ref["events"]
    out.append(
        f"The proportional-hazards test gives {format_p(n.ph.pvalue)}, but with {events} events it has little "
        f"power, so {'not rejecting' if n.ph.pvalue >= 0.05 else 'even rejecting'} proportional hazards "
        f"{'is not evidence that they hold' if n.ph.pvalue >= 0.05 else 'confirms the HR is a poor summary'}."
    )
    more = "more" if c["difference"] > 0 else "less"
    out.append(
        f"Up to {n.tau:g} months, patients on {exp['label']} lived on average {_m(abs(c['difference']))} "
        f"months {more} free of progression than on {ref['label']} (95% CI "
        f"{_ci(c['difference_low'], c['difference_high'])}; {format_p(c['difference_pvalue'])}), a summary "
        f"that needs no proportional hazards and reads in months."
    )
    if n.synthetic:
        out.append(
            "These numbers come from SYNTHETIC data calibrated to the published summaries: they show what "
            "those summaries are compatible with, not what the trial data show."
        )
    return out


def main(argv=None) -> int:
    folder = paths.BUILD / STUDY / "sections"
    ap = parser(__doc__, folder / f"{SECTION}.md")
    ap.add_argument("--csv", default=None, help="CSV of the numbers (default: beside --out, same name)")
    ap.add_argument("--tau", type=float, default=None,
                    help="RMST horizon in months (default: the largest whole month inside both arms' follow-up)")
    args = ap.parse_args(argv)
    register = load_register(args.register)
    ed = load(register, ENDPOINT)
    n = compute(register, ed, args.tau)
    out = Path(args.out)
    csv = Path(args.csv) if args.csv else out.with_suffix(".csv")
    io.write_csv(csv, frame(n))
    io.write_text(out, markdown(n))
    c = n.contrast
    print(
        f"wrote {out} and {csv} (PH test p = {n.ph.pvalue:.3f}; RMST difference to {n.tau:g} months "
        f"{c['difference']:.2f} [{c['difference_low']:.2f}, {c['difference_high']:.2f}])"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(exhibits.call(main))
