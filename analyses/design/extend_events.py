"""EXTEND breast basket: events the published design required against the events its printed CI implies.

The design statement (power, type I error, control and experimental median PFS) is read
from the register through ``data/designs/extend_breast.toml``. Events are required by
Schoenfeld's formula, one- and two-sided since the sidedness is not stated. The events the
trial had are not printed; the audit infers them from the width of the printed 95% CI of
the PFS hazard ratio (``D = 1 / (p (1 - p) SE^2)``), with the range the rounding of the
two limits allows. The power of the design at those events closes the comparison.

Writes ``extend_events.csv`` and ``extend_events_assumptions.csv`` to ``--out-dir``, the
report section ``sections/10_extend_events.md`` and the figure ``--figure``.

References
----------
Schoenfeld D. (1983). Sample-size formula for the proportional-hazards regression model.
*Biometrics* 39:499-503.
"""
from __future__ import annotations


import numpy as np
import pandas as pd
from scipy import optimize

import _design as C
from survrepro import design as dz
from survrepro.report import exhibits
from survrepro._validation import InputError
from survrepro.register.audit import audit_register
from survrepro.io import save_figure, write_csv
from survrepro.paths import DESIGNS, PUBLISHED
from survrepro.register.schema import load_register

#: The figures this script draws and their captions in the report (the exhibit table).
CAPTIONS = {
    "extend_events": "EXTEND breast basket: events required by the design against events implied by the printed CI",
}

STEM = "extend_events"
SECTION = "10_extend_events.md"


def detectable_hr(events: float, *, power: float, alpha: float, sides: int, allocation: float) -> float:
    """Hazard ratio below 1 that ``events`` detect with ``power`` (inverting :func:`dz.power_for_events`)."""
    def gap(hr):
        return dz.power_for_events(hr, events, alpha=alpha, sides=sides, allocation=allocation).power - power
    return float(optimize.brentq(gap, 1e-6, 1 - 1e-9, xtol=1e-12))


def _pfs_events_finding(register):
    found = [f for f in audit_register(register).by_check("hr_ci_events")
             if register.by_id(f.targets[0]).endpoint == "pfs"]
    if len(found) != 1:
        raise InputError(
            f"{register.path}: expected one PFS hazard ratio with its CI for the events check; found {len(found)}."
        )
    return found[0]


def implied_events(register) -> dict:
    """The audit's events implied by the printed PFS hazard-ratio CI (point and rounding range)."""
    return _pfs_events_finding(register).values


def implied_ids(register) -> tuple[str, str, str]:
    """Register ids of the PFS hazard ratio and its CI limits the implied events come from."""
    return tuple(_pfs_events_finding(register).targets[:3])


def compute(design_path) -> dict:
    """Every number of the exhibit: the table, the assumptions and what the figure needs."""
    doc, v, _ = C.load_design(design_path)
    study = doc.get("design", {}).get("study")
    if not study:
        raise InputError(f"{design_path}: [design] has no study; expected the register's study id.")
    register = load_register(PUBLISHED / f"{study}.toml")
    hr = dz.hazard_ratio_from_medians(v["median_control"], v["median_experimental"])
    power, alpha, allocation = float(v["power"]), float(v["alpha"]), float(v["allocation"])
    method = v.get("method", "schoenfeld")
    sides = v["sides"] if isinstance(v["sides"], list) else [v["sides"]]
    imp = implied_events(register)
    hr_t, lo_t, hi_t = (register.by_id(i) for i in implied_ids(register))
    arm_n = {t.arm: int(t.value) for t in register.select(quantity="n")}
    published = {
        "hr": hr_t.printed, "ci_low": lo_t.printed, "ci_high": hi_t.printed,
        "n_first_arm": arm_n.get(hr_t.arms[0]), "n_second_arm": arm_n.get(hr_t.arms[1]),
    }
    rows = []
    for s in sides:
        req = dz.required_events(hr, power=power, alpha=alpha, sides=s, allocation=allocation, method=method)
        pat = dz.required_patients(hr, median_control=v["median_control"], accrual=v["accrual"],
                                   follow_up=v["follow_up"], dropout=v.get("dropout", 0.0), power=power,
                                   alpha=alpha, sides=s, allocation=allocation, method=method)

        def pw(d):
            return dz.power_for_events(hr, d, alpha=alpha, sides=s, allocation=allocation, method=method).power

        rows.append({
            "sides": s,
            "alpha": alpha,
            "target_power": power,
            "median_control": v["median_control"],
            "median_experimental": v["median_experimental"],
            "hazard_ratio": hr,
            "method": method,
            "required_events_exact": req.events_exact,
            "required_events": req.events,
            "required_patients": pat.patients,
            "patients_randomised": imp["patients"],
            "implied_events": imp["events"],
            "implied_events_low": imp["events_low"],
            "implied_events_high": imp["events_high"],
            "implied_fraction_first_arm": imp["fraction_first_arm"],
            "power_at_implied_events": pw(imp["events"]),
            "power_at_implied_events_low": pw(imp["events_low"]),
            "power_at_implied_events_high": pw(imp["events_high"]),
            "hr_detectable_at_implied_events": detectable_hr(imp["events"], power=power, alpha=alpha, sides=s,
                                                             allocation=allocation),
        })
    return {"doc": doc, "values": v, "table": pd.DataFrame(rows), "published": published}


def draw(res: dict):
    tab, v, pub = res["table"], res["values"], res["published"]
    hr = float(tab["hazard_ratio"].iloc[0])
    power, alpha = float(tab["target_power"].iloc[0]), float(tab["alpha"].iloc[0])
    d, d_lo, d_hi = (float(tab[c].iloc[0]) for c in ("implied_events", "implied_events_low", "implied_events_high"))
    sides = tuple(int(s) for s in tab["sides"])
    fig, (ax1, ax2) = C.new_figure(2, 10.0, 4.2)

    dz.plot_events_by_hazard_ratio(ax1, np.round(np.linspace(0.3, 0.85, 111), 3), power=power, alpha=alpha,
                                   sides=sides, method=str(tab["method"].iloc[0]),
                                   implied_events=(f"implied by the printed CI: {d:.1f}", d),
                                   design_hr=hr)
    for i, row in enumerate(tab.itertuples()):
        ax1.plot([hr], [row.required_events], "o", color=C.PALETTE[i], ms=5)
        # the lower curve's label goes right and down, the upper curve's left and up
        ax1.annotate(f"{row.required_events} events", (hr, row.required_events),
                     xytext=(7, -3) if i == 0 else (-7, 3), textcoords="offset points", fontsize=8,
                     ha="left" if i == 0 else "right", va="top" if i == 0 else "bottom", color=C.PALETTE[i])
    ax1.set_yticks([10, 20, 50, 100, 200, 500])
    ax1.set_yticklabels(["10", "20", "50", "100", "200", "500"])
    ax1.set_ylim(8, 700)
    ax1.annotate(f"HR {v['median_control']:g}/{v['median_experimental']:g} = {hr:g}", (hr, 8), xytext=(3, 4),
                 textcoords="offset points", fontsize=8, color="0.35")
    C.finish_axes(ax1, f"A. Events required for {power:.0%} power", legend_loc="upper left")

    grid = np.arange(4, 81, 0.5)
    for i, row in enumerate(tab.itertuples()):
        curve = [dz.power_for_events(hr, x, alpha=alpha, sides=row.sides).power for x in grid]
        ax2.plot(grid, curve, color=C.PALETTE[i], label=f"{row.sides}-sided alpha {alpha:g}")
        ax2.plot([d], [row.power_at_implied_events], "o", color=C.PALETTE[i], ms=5)
        ax2.annotate(f"{row.power_at_implied_events:.0%}", (d, row.power_at_implied_events), xytext=(-6, 4),
                     textcoords="offset points", fontsize=8, ha="right", color=C.PALETTE[i])
        ax2.plot([row.required_events], [dz.power_for_events(hr, row.required_events, alpha=alpha,
                                                             sides=row.sides).power], "s", color=C.PALETTE[i], ms=4)
    ax2.axvline(d, color="k", lw=0.8, ls="--", label="events implied by the printed CI")
    ax2.annotate(f"{d:.1f} events ({d_lo:.1f} to {d_hi:.1f}\nover the rounding of\nthe printed limits)", (d, 0.98),
                 xytext=(4, 0), textcoords="offset points", fontsize=8, ha="left", va="top", color="0.2")
    ax2.axhline(power, color="0.6", lw=0.8, ls=":")
    ax2.set_xlim(0, 80)
    ax2.set_ylim(0, 1)
    ax2.set_xlabel("events")
    ax2.set_ylabel(f"power against HR {hr:g} ({str(tab['method'].iloc[0]).capitalize()})")
    C.finish_axes(ax2, f"B. Power against HR {hr:g} by number of events", legend_loc="lower right")

    C.footnotes(fig, [
        f"Published: {power:.0%} power, type I error {alpha:g}, median PFS {v['median_control']:g} -> "
        f"{v['median_experimental']:g} months (EXTEND, ASTRO 2023 abstract); printed PFS HR {pub['hr']} "
        f"(95% CI {pub['ci_low']}-{pub['ci_high']}), {pub['n_first_arm']} vs {pub['n_second_arm']} patients.",
        "Assumptions of this toolkit, not of the trial: exponential PFS (HR = ratio of medians), Schoenfeld's "
        "formula, one- and two-sided alpha shown because the sidedness is not stated; the trial's events are "
        "not printed and are inferred from the CI width assuming a Wald interval (B, top: the range the rounding of the printed limits "
        f"allows, {d_hi - d_lo:.1f} events wide, narrower than the dashed line). Squares: power at the required events; dots: at the implied events.",
    ], width_chars=165)
    return fig


def section(res: dict, figure_link: str) -> str:
    tab, v, pub = res["table"], res["values"], res["published"]
    one = tab[tab["sides"] == 1].iloc[0] if (tab["sides"] == 1).any() else tab.iloc[0]
    lines = [
        "### EXTEND breast basket: events required by the design against events implied by the result",
        "",
        f"The published design asked for {v['power']:.0%} power to detect an improvement in median PFS from "
        f"{v['median_control']:g} to {v['median_experimental']:g} months with a type I error of {v['alpha']:g}. "
        f"Under exponential PFS that is a hazard ratio of {one['hazard_ratio']:g}. Schoenfeld's formula asks for "
        + " and ".join(f"{int(r.required_events)} events ({r.sides}-sided)" for r in tab.itertuples())
        + "; the abstract does not say which sidedness was meant.",
        "",
        f"The number of PFS events is not printed. The width of the printed 95% CI ({pub['ci_low']}-{pub['ci_high']}) implies "
        f"{one['implied_events']:.1f} events ({one['implied_events_low']:.1f} to {one['implied_events_high']:.1f} "
        f"over the rounding of the limits), from {int(one['patients_randomised'])} randomised patients. "
        "With that many events the design's power against its own hazard ratio is "
        + " and ".join(f"{r.power_at_implied_events:.0%} ({r.sides}-sided)" for r in tab.itertuples())
        + f"; {v['power']:.0%} power would have needed a true hazard ratio of "
        + " or ".join(f"{r.hr_detectable_at_implied_events:.2f} ({r.sides}-sided)" for r in tab.itertuples())
        + ".",
        "",
        f"![EXTEND: required against implied events]({figure_link})",
        "",
        C.md_table(
            tab[["sides", "alpha", "target_power", "hazard_ratio", "required_events_exact", "required_events",
                 "required_patients", "implied_events", "implied_events_low", "implied_events_high",
                 "power_at_implied_events", "hr_detectable_at_implied_events"]],
            {"required_events_exact": lambda x: f"{x:.2f}", "implied_events": lambda x: f"{x:.1f}",
             "implied_events_low": lambda x: f"{x:.1f}", "implied_events_high": lambda x: f"{x:.1f}",
             "power_at_implied_events": lambda x: f"{x:.3f}",
             "hr_detectable_at_implied_events": lambda x: f"{x:.3f}"}),
        "`required_patients` assumes uniform accrual over the breast basket's actual accrual window "
        f"({v['accrual']:g} months), {v['follow_up']:g} months of minimum follow-up, exponential PFS and no "
        "dropout. Implied events use the arm sizes "
        f"({pub['n_first_arm']}/{pub['n_first_arm'] + pub['n_second_arm']} on the first arm of the hazard ratio, "
        f"p = {one['implied_fraction_first_arm']:.4f}) and assume a Wald interval.",
        "",
        "Assumptions (from `data/designs/extend_breast.toml`):",
        "",
        C.assumptions_markdown(res["doc"], v),
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = C.parser(__doc__.splitlines()[0], design=DESIGNS / "extend_breast.toml", stem=STEM)

    def body(args):
        res = compute(args.design)
        fig = draw(res)
        text = section(res, C.figure_link(args.figure, args.out_dir))
        assumptions = C.assumptions_frame(res["doc"], res["values"])
        return [
            write_csv(args.out_dir / f"{STEM}.csv", res["table"]),
            write_csv(args.out_dir / f"{STEM}_assumptions.csv", assumptions),
            save_figure(fig, args.figure),
            C.write_section(args.out_dir, SECTION, text),
        ]

    return C.run(body, p, argv)


if __name__ == "__main__":
    raise SystemExit(exhibits.call(main))
