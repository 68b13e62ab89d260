"""BOSS: exact single-arm power at the registered sample size, the smallest n and Simon's two-stage designs.

BOSS (NCT06055881) registers its target sample size and no null or alternative rate. The
exhibit takes them from ``data/designs/boss.toml``: the alternative is the landmark rate of
the LeVee et al. cohort, read from its register (an assumption of this toolkit, not of the
trial); the null rate, alpha and target power are invented there for illustration. For
these it gives the exact one-sided binomial rejection threshold at the registered n and
the power over a grid of true rates, the smallest n reaching the target power (and the n from which every
larger n reaches it, exact power being saw-toothed in n), and Simon's optimal and
minimax two-stage designs.

Writes ``boss_power.csv`` (one row per design), ``boss_power_curve.csv`` (power over
true rates at the registered n) and ``boss_power_assumptions.csv`` to ``--out-dir``,
the report section ``sections/20_boss_power.md`` and the figure ``--figure``.

References
----------
Simon R. (1989). Optimal two-stage designs for phase II clinical trials.
*Controlled Clinical Trials* 10:1-10.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

import _design as C
from survrepro import design as dz
from survrepro.report import exhibits
from survrepro.io import save_figure, write_csv
from survrepro.paths import DESIGNS, PUBLISHED
from survrepro.register.schema import load_register

#: The figures this script draws and their captions in the report (the exhibit table).
CAPTIONS = {
    "boss_power": "BOSS: exact single-arm power by response rate, smallest n and Simon's two-stage designs",
}

STEM = "boss_power"
SECTION = "20_boss_power.md"
#: True landmark rates of the power curve: 0.05 to 0.95 in steps of 0.01.
RATE_GRID = np.round(np.arange(5, 96) / 100.0, 2)
#: Largest n searched for the smallest single-stage design.
N_MAX = 1000


def _short_citation(citation: str) -> str:
    """``"LeVee et al. 2025"`` from a register's citation."""
    year = re.search(r"\b(19|20)\d\d\b", citation)
    return f"{citation.split()[0]} et al. {year.group(0) if year else ''}".strip()


def compute(design_path) -> dict:
    """Every number of the exhibit: the designs, the power curve and the assumptions."""
    doc, v, registers = C.load_design(design_path)
    n, p0, p1 = int(v["n"]), float(v["p0"]), float(v["p1"])
    alpha, power = float(v["alpha"]), float(v["power"])
    p1_spec = doc["assumptions"]["p1"]
    p1_num = p1_den = None
    p1_source = "design file"
    if "target" in p1_spec:
        study, _, tid = str(p1_spec["target"]).partition(":")
        register = load_register(PUBLISHED / f"{study}.toml")
        p1_source = _short_citation(register.study.citation)
        if p1_spec.get("fraction"):
            t = register.by_id(tid)
            p1_num, p1_den = t.numerator, t.denominator
    given = dz.binomial_design(n, p0, p1, alpha=alpha)
    search = dz.binomial_sample_size(p0, p1, alpha=alpha, power=power, n_max=N_MAX)
    simon = dz.simon_two_stage(p0, p1, alpha=alpha, power=power)
    rows = [{"design": "single stage, registered n", "n1": None, "r1": None, **_single(given)}]
    for which in ("smallest", "stable"):
        rows.append({"design": f"single stage, {which} n for the target power", "n1": None, "r1": None,
                     **_single(search.design(which))})
    for kind in ("optimal", "minimax"):
        d = simon[kind]
        rows.append({
            "design": f"Simon two-stage, {kind}", "n1": d.n1, "r1": d.r1, "n": d.n, "p0": d.p0, "p1": d.p1,
            "alpha": d.alpha, "threshold": d.r + 1, "type_i_error": d.type_i_error, "power": d.power,
            "expected_n_p0": d.expected_n_p0, "pet_p0": d.pet_p0,
        })
    table = pd.DataFrame(rows)
    table[["n1", "r1"]] = table[["n1", "r1"]].astype("Int64")
    table.insert(table.columns.get_loc("power") + 1, "target_power", power)
    curve = dz.binomial_power_curve(n, p0, RATE_GRID, alpha=alpha).rename(columns={"p1": "true_rate"})
    return {"doc": doc, "values": v, "table": table, "curve": curve, "search": search, "simon": simon,
            "p1_fraction": (p1_num, p1_den), "p1_source": p1_source}


def _single(d: dz.BinomialDesign) -> dict:
    return {"n": d.n, "p0": d.p0, "p1": d.p1, "alpha": d.alpha, "threshold": d.threshold,
            "type_i_error": d.type_i_error, "power": d.power, "expected_n_p0": float(d.n), "pet_p0": 0.0}


def _p1_label(res) -> str:
    num, den = res["p1_fraction"]
    p1 = float(res["values"]["p1"])
    frac = f"{num}/{den} = " if num is not None else ""
    return f"p1 = {frac}{p1:.3f} ({res['p1_source']})"


def draw(res: dict):
    v, tab, search = res["values"], res["table"], res["search"]
    n, p0, p1 = int(v["n"]), float(v["p0"]), float(v["p1"])
    alpha, power = float(v["alpha"]), float(v["power"])
    given = tab.iloc[0]
    fig, (ax1, ax2) = C.new_figure(2, 10.0, 4.0)

    dz.plot_binomial_power(ax1, n, p0, RATE_GRID, alpha=alpha,
                           mark=(_p1_label(res) + ":\nassumption of this toolkit, not of the trial", p1))
    ax1.axvline(p0, color=C.PALETTE[1], lw=0.8, ls="--", label=f"p0 = {p0:g} (invented)")
    ax1.plot([p0, p1], [given["type_i_error"], given["power"]], "o", color=C.PALETTE[0], ms=5)
    ax1.annotate(f"alpha {given['type_i_error']:.3f}", (p0, given["type_i_error"]), xytext=(5, 2),
                 textcoords="offset points", fontsize=8)
    ax1.annotate(f"power {given['power']:.3f}", (p1, given["power"]), xytext=(6, -12),
                 textcoords="offset points", fontsize=8)
    ax1.set_xlim(RATE_GRID[0], RATE_GRID[-1])
    ax1.set_ylabel(f"power (exact binomial, one-sided alpha {alpha:g})")
    C.finish_axes(ax1, f"A. Power at the registered n = {n}", below=0.18)

    hi = int(max(tab["n"].max(), n) * 1.35)
    cv = search.curve[search.curve["n"] <= hi]
    ax2.plot(cv["n"], cv["power"], drawstyle="steps-mid", color=C.PALETTE[0], lw=1,
             label="single stage (exact power at p1)")
    ax2.axhline(power, color="0.6", lw=0.8, ls=":")
    ax2.axvline(n, color="k", lw=0.8, ls="--", label=f"registered n = {n}")
    markers = {"Simon two-stage, optimal": ("^", C.PALETTE[2]), "Simon two-stage, minimax": ("v", C.PALETTE[3])}
    for row in tab.itertuples():
        if row.design in markers:
            m, col = markers[row.design]
            ax2.plot([row.n], [row.power], m, color=col, ms=7,
                     label=f"{row.design.split(', ')[1]} two-stage: {row.r1}/{row.n1}, {row.threshold - 1}/{row.n} "
                           f"(EN(p0) {row.expected_n_p0:.1f})")
    ax2.annotate(f"smallest n {search.n_smallest}" + (f", stable from {search.n_stable}"
                                                       if search.n_stable != search.n_smallest else ""),
                 (search.n_smallest, power), xytext=(4, -14), textcoords="offset points", fontsize=8)
    ax2.set_xlim(int(min(tab["n"].min(), n) * 0.5), hi)
    ax2.set_ylim(0, 1)
    ax2.set_xlabel("patients (maximum n for two-stage designs)")
    ax2.set_ylabel(f"power at p1 = {p1:.3f}")
    C.finish_axes(ax2, "B. Power by sample size", below=0.18)

    C.footnotes(fig, [
        f"Registered: {n} patients; endpoint: {res['doc']['design'].get('endpoint', 'not given')}. "
        "Single stage: positive if at least the threshold of n succeed; two-stage designs stop after n1 if at most r1 succeed "
        "and are positive if more than r of n succeed.",
        "Assumptions of this toolkit, not of the trial: the alternative rate p1 is the rate reproduced "
        f"from {res['p1_source']} (a retrospective cohort); the null rate p0 = {p0:g}, one-sided alpha {alpha:g} "
        f"and target power {power:g} are invented for illustration. The trial publishes none of them.",
    ], width_chars=165)
    return fig


def section(res: dict, figure_link: str) -> str:
    v, tab, search = res["values"], res["table"], res["search"]
    n, p0, p1 = int(v["n"]), float(v["p0"]), float(v["p1"])
    g = tab.iloc[0]
    opt, mm = res["simon"]["optimal"], res["simon"]["minimax"]
    show = tab.copy()
    show["n1"] = show["n1"].map(lambda x: "" if pd.isna(x) else str(int(x)))
    show["r1"] = show["r1"].map(lambda x: "" if pd.isna(x) else str(int(x)))
    lines = [
        f"### BOSS: exact single-arm power for {res['doc']['design'].get('endpoint', 'the landmark endpoint')}",
        "",
        f"BOSS registers {n} patients and no rates, alpha or power. As an assumption of this toolkit, not of the "
        f"trial, the alternative rate is the one reproduced from {res['p1_source']} ({_p1_label(res).split(' (')[0]}); "
        f"the null rate {p0:g}, one-sided alpha {float(v['alpha']):g} and target power {float(v['power']):g} are "
        "invented for illustration.",
        "",
        f"With {n} patients the trial is positive if at least {int(g['threshold'])} reach the endpoint; the exact type I error is {g['type_i_error']:.4f} and the power at p1 {g['power']:.4f}. "
        f"The smallest single-stage n reaching power {float(v['power']):g} is {search.n_smallest} "
        + (f"(every n from {search.n_stable} reaches it). " if search.n_stable != search.n_smallest
           else "(and every larger n up to the search limit reaches it too). ")
        + f"Simon's optimal two-stage design stops after {opt.n1} patients if at most {opt.r1} succeed and is "
        f"positive if more than {opt.r} of {opt.n} do (expected n under p0 {opt.expected_n_p0:.1f}); the minimax "
        f"design is {mm.r1}/{mm.n1}, {mm.r}/{mm.n} (expected n {mm.expected_n_p0:.1f}).",
        "",
        f"![BOSS: exact power]({figure_link})",
        "",
        C.md_table(show[["design", "n1", "r1", "n", "threshold", "type_i_error", "power", "expected_n_p0",
                         "pet_p0"]],
                   {"type_i_error": lambda x: f"{x:.4f}", "power": lambda x: f"{x:.4f}",
                    "expected_n_p0": lambda x: f"{x:.1f}", "pet_p0": lambda x: f"{x:.3f}"}),
        "`threshold` is the number of successes (of n) needed to call the trial positive; `pet_p0` is the "
        "probability of stopping after the first stage under p0. The power at every true rate is in "
        "`boss_power_curve.csv`.",
        "",
        "Assumptions (from `data/designs/boss.toml`):",
        "",
        C.assumptions_markdown(res["doc"], v),
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = C.parser(__doc__.splitlines()[0], design=DESIGNS / "boss.toml", stem=STEM)

    def body(args):
        res = compute(args.design)
        fig = draw(res)
        text = section(res, C.figure_link(args.figure, args.out_dir))
        assumptions = C.assumptions_frame(res["doc"], res["values"])
        return [
            write_csv(args.out_dir / f"{STEM}.csv", res["table"]),
            write_csv(args.out_dir / f"{STEM}_curve.csv", res["curve"]),
            write_csv(args.out_dir / f"{STEM}_assumptions.csv", assumptions),
            save_figure(fig, args.figure),
            C.write_section(args.out_dir, SECTION, text),
        ]

    return C.run(body, p, argv)


if __name__ == "__main__":
    raise SystemExit(exhibits.call(main))
