"""Proportion remaining on the same systemic therapy at each landmark, overall and by subtype.

LeVee et al. 2025 report the proportion of evaluable patients still on the systemic therapy
they had at metastasis-directed radiation therapy (MDRT), 6 months and 1 year later. For
every landmark the register counts patients at (``on_therapy_<L>m``) this draws
remaining/evaluable with its exact (Clopper-Pearson) 95% CI, for all patients and each
subtype, with the Kaplan-Meier estimate at the same landmark beside it (which keeps the
patients censored before the landmark instead of dropping them). A subtype with no
evaluable patient at a landmark is left out of the figure and listed in the table.

    python analyses/levee2025/fig_proportions.py [--register TOML] [--ipd CSV] [--out PNG] [--table CSV]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import _levee2025 as _common

from survrepro import io
from survrepro.report import exhibits
from survrepro.report.plotting import add_footnote, plot_proportions

#: The figures this script draws and their captions in the report (the exhibit table).
CAPTIONS = {
    "proportions": "Proportion remaining on the same systemic therapy at each landmark, overall and by subtype",
}

ALL = "All patients"


def proportion_table(cohort: _common.Cohort) -> pd.DataFrame:
    """One row per landmark and group (all patients first, then subtypes in register order).

    Columns are those :func:`survrepro.report.plotting.plot_proportions` reads (``group``,
    ``landmark``, ``numerator``, ``denominator``, ``proportion``, ``low``, ``high`` = exact
    CI, ``km``, ``km_low``, ``km_high``) and the rest of each estimate's ``to_frame()``.
    """
    rows = []
    for lm in cohort.landmarks():
        res = cohort.proportion(lm)
        for est in (res.overall, *_common.ordered_groups(res, cohort)):
            row = est.to_frame().iloc[0].to_dict()
            row["group"] = ALL if est.label is None else est.label
            row["endpoint"] = lm.endpoint
            rows.append(row)
    frame = pd.DataFrame(rows).rename(columns={
        "exact_low": "low", "exact_high": "high",
        "km_survival": "km", "km_survival_low": "km_low", "km_survival_high": "km_high",
    })
    first = ["endpoint", "landmark", "group", "n_total", "numerator", "denominator", "proportion", "low", "high",
             "wilson_low", "wilson_high", "km", "km_low", "km_high", "km_n_at_risk"]
    return frame[first + [c for c in frame.columns if c not in first]]


def draw(cohort: _common.Cohort, table: pd.DataFrame):
    """The figure (returns its Axes); groups without evaluable patients are skipped."""
    shown = table[table["denominator"] > 0].copy()
    n_by_group = dict(zip(shown["group"], shown["n_total"]))
    shown["group"] = [f"{g}\n(n={n_by_group[g]})" for g in shown["group"]]
    unit = cohort.time_unit
    ax = plot_proportions(
        shown[["group", "landmark", "numerator", "denominator", "proportion", "low", "high",
               "km", "km_low", "km_high"]],
        landmark_label="{:g} " + unit,
        proportion_label="Remaining / evaluable (exact 95% CI)",
        km_label=f"Kaplan–Meier estimate ({_common.KM_CONF_TYPE} 95% CI)",
        ylabel="Remaining on the same systemic therapy",
        title="Same systemic therapy after MDRT, by landmark",
    )
    skipped = table[table["denominator"] == 0]
    rules = sorted({_common.rule_text(lm) for lm in cohort.landmarks()})
    extra = [f"Evaluable: {r}." for r in rules]
    if not all(lm.death_is_failure for lm in cohort.landmarks()):
        extra.append("Kaplan–Meier: patients censored at last follow-up on therapy and at death on therapy.")
    if len(skipped):
        extra.append("Not shown (no evaluable patient): "
                     + ", ".join(f"{g} at {t:g} {unit}" for g, t in zip(skipped["group"], skipped["landmark"])) + ".")
    for note in cohort.footnotes(*extra):
        add_footnote(ax, note)
    return ax


def main(argv=None) -> int:
    """Command line entry: write the outputs, return the exit status; a bad input raises InputError."""
    ap = argparse.ArgumentParser(prog="fig_proportions.py", description=__doc__.splitlines()[0])
    _common.add_input_arguments(ap)
    ap.add_argument("--out", type=Path, default=_common.FIGURES / "proportions.png")
    ap.add_argument("--table", type=Path, default=_common.BUILD / "proportions.csv")
    args = ap.parse_args(argv)
    cohort = _common.load(args)
    table = proportion_table(cohort)
    ax = draw(cohort, table)
    io.write_csv(args.table, table)
    io.save_figure(ax.figure, args.out)
    print(f"wrote {args.out} and {args.table} ({cohort.source})")
    return 0


if __name__ == "__main__":
    raise SystemExit(exhibits.call(main))
