"""EXTEND-OP: simulated power of the per-basket and pooled PFS log-rank analyses by hazard ratio.

EXTEND-OP (NCT06367972) registers its enrolment and its seven histologies and publishes
no power assumptions. Every survival, accrual and test assumption is read from
``data/designs/extend_op.toml``, where each is marked invented by this toolkit. Trials
are simulated with :func:`survrepro.design.simulate.power_curve` (exponential PFS, uniform
accrual, administrative censoring, exponential dropout) and analysed by the vectorised
log-rank test: each basket alone, and all baskets pooled, stratified by basket and
unstratified. Crossover at progression does not enter: PFS ends at that progression.

Schoenfeld's power at the expected number of events (uniform accrual, exponential PFS
and dropout, :func:`survrepro.design.event_probability`) is set beside every simulated
rejection rate; at hazard ratio 1 the reference is the nominal alpha. The per-basket
rate averaged over the baskets (independent comparisons of near-equal size) is added.

Writes ``extend_op_power.csv`` and ``extend_op_power_assumptions.csv`` to ``--out-dir``,
the report section ``sections/30_extend_op_power.md`` and the figure ``--figure``.

References
----------
Schoenfeld D. (1983). Sample-size formula for the proportional-hazards regression model.
*Biometrics* 39:499-503.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

import _design as C
from survrepro import design as dz
from survrepro.report import exhibits
from survrepro.design import simulate as sim
from survrepro._validation import InputError
from survrepro.io import save_figure, write_csv
from survrepro.paths import DESIGNS

#: The figures this script draws and their captions in the report (the exhibit table).
CAPTIONS = {
    "extend_op_power": "EXTEND-OP: simulated PFS power by hazard ratio, per basket and pooled",
}

STEM = "extend_op_power"
SECTION = "30_extend_op_power.md"
#: Simulated trials per hazard ratio: Monte Carlo SE at most sqrt(0.25 / 50,000) = 0.0022,
#: about 20 s on 2 cores. The design file's ``n_trials`` is the default of ``survrepro design simulate``.
N_TRIALS = 50_000
#: Worker processes; results do not depend on it.
WORKERS = 2
STRATIFIED = "pooled, stratified by basket"
UNSTRATIFIED = "pooled, unstratified"
BASKET_MEAN = "per basket, mean over baskets"
#: How far right of its hazard ratio each basket's own rate is drawn, so the mean's marker does not hide it.
BESIDE = 0.018


def baskets_for(values: dict, hazard_ratio: float) -> list[sim.Basket]:
    """The trial's baskets when the true PFS hazard ratio (LCT / NLST) is ``hazard_ratio`` in every basket."""
    if values.get("split", "equal") != "equal":
        raise InputError(f"split {values.get('split')!r} is not supported; expected 'equal'.")
    control = sim.exponential(median=float(values["median_control"]))
    return sim.equal_baskets(values["baskets"], int(values["n"]), control, control.with_hazard_ratio(hazard_ratio),
                             allocation=float(values["allocation"]))


def expected_events(basket: sim.Basket, values: dict) -> float:
    """Expected PFS events of a basket under uniform accrual, exponential PFS and dropout."""
    a, f, eta = float(values["accrual"]), float(values["follow_up"]), float(values["dropout"])
    lam_c = math.log(2) / float(values["median_control"])
    lam_e = lam_c * basket.experimental.hazard_ratio
    return (basket.n_control * dz.event_probability(lam_c, a, f, eta)
            + basket.n_experimental * dz.event_probability(lam_e, a, f, eta))


def analytic_power(hazard_ratio: float, events: float, values: dict) -> float:
    """Schoenfeld power at ``events`` (:func:`survrepro.design.power_for_events`); the nominal alpha at HR 1."""
    if hazard_ratio == 1:
        return float(values["alpha"])
    return dz.power_for_events(hazard_ratio, events, alpha=float(values["alpha"]), sides=int(values["sides"]),
                               allocation=float(values["allocation"])).power


def analytic_rejection_rate(hazard_ratio: float, events: float, values: dict) -> float:
    """Normal-approximation rejection rate in either direction, comparable with the simulated rate.

    :func:`analytic_power` counts rejections in the direction of the effect only, as the
    published formulas do; a two-sided test also rejects in the other direction, with
    probability ``Phi(-drift - z)`` where ``drift = Phi^-1(power) + z`` and ``z`` is the
    critical value. At hazard ratio 1 the sum is alpha.
    """
    sides, alpha = int(values["sides"]), float(values["alpha"])
    if hazard_ratio == 1:
        return alpha
    power = analytic_power(hazard_ratio, events, values)
    if sides == 1:
        return power
    z = stats.norm.isf(alpha / 2)
    drift = stats.norm.ppf(power) + z
    return float(power + stats.norm.cdf(-drift - z))


def _basket_mean_rows(table: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Per hazard ratio, the rejection rate over all baskets of all trials (baskets are independent)."""
    rows = []
    for hr, sub in table[table["analysis"].isin(names)].groupby("hazard_ratio", sort=False):
        trials, rej = int(sub["trials"].sum()), int(sub["rejections"].sum())
        p = rej / trials
        rows.append({"hazard_ratio": hr, "analysis": BASKET_MEAN, "trials": trials, "rejections": rej, "power": p,
                     "mc_se": math.sqrt(p * (1 - p) / trials), "mean_events": float(sub["mean_events"].mean())})
    return pd.DataFrame(rows)


def compute(design_path, *, n_trials: int = N_TRIALS, workers: int = WORKERS, seed: int | None = None) -> dict:
    """Simulated and analytic power for every hazard ratio of the design file, one row per analysis."""
    doc, v, _ = C.load_design(design_path)
    seed = int(v["seed"]) if seed is None else int(seed)
    names = [str(x) for x in v["baskets"]]
    hrs = [float(h) for h in v["hazard_ratios"]]
    raw = sim.power_curve(lambda hr: baskets_for(v, hr), hrs, seed=seed, accrual=float(v["accrual"]),
                          follow_up=float(v["follow_up"]), dropout=float(v["dropout"]), alpha=float(v["alpha"]),
                          sides=int(v["sides"]), n_trials=int(n_trials), workers=int(workers),
                          pooled_unstratified=len(names) > 1, progress=None)
    table = pd.concat([raw, _basket_mean_rows(raw, names)], ignore_index=True)
    patients, events = [], []
    for row in table.itertuples():
        bs = baskets_for(v, row.hazard_ratio)
        by_name = {b.name: b for b in bs}
        if row.analysis in by_name:
            b = by_name[row.analysis]
            patients.append(b.n_control + b.n_experimental)
            events.append(expected_events(b, v))
        elif row.analysis == BASKET_MEAN:
            patients.append(np.mean([b.n_control + b.n_experimental for b in bs]))
            events.append(float(np.mean([expected_events(b, v) for b in bs])))
        else:
            patients.append(sum(b.n_control + b.n_experimental for b in bs))
            events.append(sum(expected_events(b, v) for b in bs))
    table["patients"] = patients
    table["expected_events"] = events
    table["analytic_power"] = [analytic_power(r.hazard_ratio, r.expected_events, v) for r in table.itertuples()]
    table["analytic_rejection_rate"] = [analytic_rejection_rate(r.hazard_ratio, r.expected_events, v)
                                        for r in table.itertuples()]
    ref = table["analytic_rejection_rate"]
    ref_se = np.sqrt(ref * (1 - ref) / table["trials"])
    with np.errstate(divide="ignore", invalid="ignore"):
        table["z_vs_analytic"] = np.where(ref_se > 1e-12, (table["power"] - ref) / ref_se, np.nan)
    table.insert(table.columns.get_loc("trials"), "seed", seed)
    order = {name: i for i, name in enumerate([STRATIFIED, UNSTRATIFIED, BASKET_MEAN, *names])}
    table = table.sort_values(["hazard_ratio", "analysis"], key=lambda s: s.map(order) if s.name == "analysis" else s,
                              kind="stable").reset_index(drop=True)
    cols = ["hazard_ratio", "analysis", "patients", "seed", "trials", "rejections", "power", "mc_se", "mean_events",
            "sd_events", "expected_events", "analytic_power", "analytic_rejection_rate", "z_vs_analytic", "mean_peto_log_hr",
            "trials_without_events"]
    return {"doc": doc, "values": v, "table": table[cols], "n_trials": int(n_trials), "seed": seed, "names": names}


def _assumption_footnote(v: dict) -> str:
    months = f"{v['accrual']:g} months' uniform accrual, {v['follow_up']:g} months' follow-up after the last entry"
    return (
        "Assumptions of this toolkit, not of the trial (all invented; the registry gives only the "
        f"{v['n']} patients and {len(v['baskets'])} histologies): equal baskets, {v['allocation']:g}:1 randomisation, "
        f"exponential PFS with median {v['median_control']:g} months on next-line systemic therapy in every basket, "
        f"the same hazard ratio in every basket, {months}, dropout hazard {v['dropout']:g} per month, "
        f"{v['sides']}-sided alpha {v['alpha']:g} per analysis with no multiplicity adjustment."
    )


def draw(res: dict):
    v, tab, names = res["values"], res["table"], res["names"]
    fig, (ax,) = C.new_figure(1, 8.0, 4.6)
    main = tab[tab["analysis"].isin([STRATIFIED, BASKET_MEAN])]
    dz.plot_power_by_hazard_ratio(ax, main, by="analysis", se="mc_se")
    un = tab[tab["analysis"] == UNSTRATIFIED]
    ax.errorbar(un["hazard_ratio"], un["power"], yerr=1.96 * un["mc_se"], fmt="s", mfc="none", ms=6, capsize=2,
                color=C.PALETTE[2], label=UNSTRATIFIED)
    single = tab[tab["analysis"].isin(names)]
    # the baskets are of nearly equal size, so their rates sit under the mean's marker: drawn beside it
    ax.plot(single["hazard_ratio"] + BESIDE, single["power"], "_", color="0.35", ms=7, mew=1.2, zorder=3,
            label=f"each of the {len(names)} baskets (beside the mean)")

    lo = min(tab["hazard_ratio"].min(), 0.5)
    grid = np.round(np.linspace(lo - 0.05, 0.995, 200), 4)
    for label, analysis, color in (("Schoenfeld, pooled", STRATIFIED, C.PALETTE[0]),
                                   ("Schoenfeld, per basket (mean size)", BASKET_MEAN, C.PALETTE[1])):
        bs = [baskets_for(v, h) for h in grid]
        if analysis == STRATIFIED:
            ev = [sum(expected_events(b, v) for b in x) for x in bs]
        else:
            ev = [float(np.mean([expected_events(b, v) for b in x])) for x in bs]
        ax.plot(grid, [analytic_rejection_rate(h, e, v) for h, e in zip(grid, ev)], color=color, lw=1, ls="--",
                label=label, zorder=1)
    ax.axhline(float(v["alpha"]), color="0.6", lw=0.8, ls="-.", label=f"nominal alpha {v['alpha']:g}")
    ax.set_xlim(grid[0], 1.02 + BESIDE)
    ax.set_xlabel("true PFS hazard ratio (LCT / next-line systemic therapy), equal in every basket")
    ax.set_ylabel(f"rejection rate ({v['sides']}-sided log-rank, alpha {v['alpha']:g})")
    C.finish_axes(ax, f"EXTEND-OP: PFS power by hazard ratio ({v['n']} patients, {len(names)} baskets)",
                  below=0.17, ncol=2,
                   order=[STRATIFIED, UNSTRATIFIED, BASKET_MEAN, f"each of the {len(names)} baskets (beside the mean)",
                          "Schoenfeld, pooled", "Schoenfeld, per basket (mean size)"])
    C.footnotes(fig, [
        f"Simulated: {res['n_trials']:,} trials per hazard ratio (seed {res['seed']}); error bars ±1.96 Monte Carlo "
        "SE" + (" (hidden by the markers at this number of trials)" if 1.96 * tab["mc_se"].max() < 0.01 else "")
        + ". Dashed: Schoenfeld's formula at the expected number of events (two-sided rejection rate).",
        _assumption_footnote(v),
    ], width_chars=125)
    return fig


def _agreement(tab: pd.DataFrame, analysis: str) -> str:
    sub = tab[(tab["analysis"] == analysis) & (tab["hazard_ratio"] != 1)]
    diff = 100 * (sub["power"] - sub["analytic_rejection_rate"])
    return (f"{analysis} {diff.min():+.1f} to {diff.max():+.1f} percentage points "
            f"(|z| up to {sub['z_vs_analytic'].abs().max():.1f})")


def _overrides(res: dict) -> dict:
    """Simulation settings this exhibit uses in place of the design file's."""
    return {"n_trials": (res["n_trials"], "option --trials of this exhibit; the file's value is the default of "
                                          "`survrepro design simulate`"),
            "seed": (res["seed"], "option --seed of this exhibit")}


def _null_sentence(pooled: pd.DataFrame, basket: pd.DataFrame, v: dict) -> str:
    if 1.0 not in pooled.index:
        return ""
    k, alpha, per = len(v["baskets"]), float(v["alpha"]), float(basket.loc[1.0, "power"])
    return (
        f" Under no effect the rejection rates are {pooled.loc[1.0, 'power']:.4f} pooled (stratified) and "
        f"{per:.4f} per basket, against a nominal {alpha:g}; with {k} baskets tested separately at {alpha:g}, "
        f"the chance that at least one is positive under no effect (baskets being independent) is about "
        f"{1 - (1 - per) ** k:.2f}."
    )


def section(res: dict, figure_link: str) -> str:
    v, tab = res["values"], res["table"]
    pooled = tab[tab["analysis"] == STRATIFIED].set_index("hazard_ratio")
    basket = tab[tab["analysis"] == BASKET_MEAN].set_index("hazard_ratio")
    alt = [h for h in pooled.index if h != 1]
    reach = [h for h in alt if pooled.loc[h, "power"] >= 0.8]
    reach_b = [h for h in alt if basket.loc[h, "power"] >= 0.8]
    show = tab[tab["analysis"].isin([STRATIFIED, UNSTRATIFIED, BASKET_MEAN])]
    lines = [
        "### EXTEND-OP: simulated power of the PFS analyses, per basket and pooled",
        "",
        f"EXTEND-OP registers {v['n']} patients over {len(v['baskets'])} histologies and no power assumptions. "
        "Every survival, accrual and test assumption below is invented by this toolkit for illustration (see the "
        f"table of assumptions); so are the results. {res['n_trials']:,} trials were simulated per hazard ratio "
        f"(seed {res['seed']}; Monte Carlo SE at most {tab['mc_se'].max():.4f}).",
        "",
        "The pooled analysis stratified by basket reaches 80% power "
        + (f"for hazard ratios of {max(reach):g} or below on the grid" if reach else "at no hazard ratio of the grid")
        + f" (power {pooled.loc[max(alt), 'power']:.3f} at {max(alt):g}). A single basket of about "
        f"{basket['patients'].iloc[0]:.0f} patients has power {basket.loc[min(alt), 'power']:.3f} at hazard ratio "
        f"{min(alt):g}" + (f" and reaches 80% at {max(reach_b):g} or below." if reach_b
                           else ", below 80% everywhere on the grid.")
        + _null_sentence(pooled, basket, v),
        "",
        "Against Schoenfeld's formula at the expected number of events, at hazard ratios other than 1 "
        "(difference simulated - analytic rejection rate, and the largest |`z_vs_analytic`|): "
        + "; ".join(_agreement(tab, a) for a in (UNSTRATIFIED, STRATIFIED, BASKET_MEAN)) + ".",
        "",
        f"![EXTEND-OP: power by hazard ratio]({figure_link})",
        "",
        C.md_table(show[["hazard_ratio", "analysis", "patients", "power", "mc_se", "mean_events",
                         "expected_events", "analytic_power", "analytic_rejection_rate", "z_vs_analytic"]],
                   {"hazard_ratio": lambda x: f"{x:g}",
                    "patients": lambda x: f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}",
                    "power": lambda x: f"{x:.4f}", "mc_se": lambda x: f"{x:.4f}",
                    "mean_events": lambda x: f"{x:.1f}", "expected_events": lambda x: f"{x:.1f}",
                    "analytic_power": lambda x: f"{x:.4f}", "analytic_rejection_rate": lambda x: f"{x:.4f}",
                    "z_vs_analytic": lambda x: "" if pd.isna(x) else f"{x:.1f}"}),
        "Each basket's row is in `extend_op_power.csv`. `analytic_power` is Schoenfeld's power at the expected "
        "events (rejections in the direction of the effect, the nominal alpha at hazard ratio 1); "
        "`analytic_rejection_rate` adds the normal-approximation rejections in the other direction, as the "
        "simulated two-sided rate counts them; `z_vs_analytic` is (simulated - analytic rejection rate) / "
        "sqrt(analytic (1 - analytic) / trials).",
        "",
        "Assumptions (from `data/designs/extend_op.toml`):",
        "",
        C.assumptions_markdown(res["doc"], v, _overrides(res)),
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = C.parser(__doc__.splitlines()[0], design=DESIGNS / "extend_op.toml", stem=STEM)
    p.add_argument("--trials", type=int, default=N_TRIALS, help=f"simulated trials per hazard ratio "
                                                                 f"(default {N_TRIALS})")
    p.add_argument("--workers", type=int, default=WORKERS, help=f"processes (default {WORKERS}; results do not "
                                                                "depend on it)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: the design file's)")

    def body(args):
        res = compute(args.design, n_trials=args.trials, workers=args.workers, seed=args.seed)
        fig = draw(res)
        text = section(res, C.figure_link(args.figure, args.out_dir))
        assumptions = C.assumptions_frame(res["doc"], res["values"], _overrides(res))
        return [
            write_csv(args.out_dir / f"{STEM}.csv", res["table"]),
            write_csv(args.out_dir / f"{STEM}_assumptions.csv", assumptions),
            save_figure(fig, args.figure),
            C.write_section(args.out_dir, SECTION, text),
        ]

    return C.run(body, p, argv)


if __name__ == "__main__":
    raise SystemExit(exhibits.call(main))
