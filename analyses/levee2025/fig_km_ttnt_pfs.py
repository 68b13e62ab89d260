"""Kaplan-Meier curves of time to next systemic therapy and of PFS, with medians and numbers at risk.

LeVee et al. 2025 report the median time to next systemic therapy (TTNT) and the median
PFS after metastasis-directed radiation therapy (MDRT), each with a 95% CI, but not how
the CI was built. Each curve is drawn for all patients with its pointwise 95% band and
numbers at risk, and the median with its CI under the transform the register states (R's
``log`` when it states none) in the annotation beside the published value read from the
register. Because the transform is not reported, the median CI is also computed under
``log``, ``log-log`` and ``plain``: the table (CSV) and the report section say which of
them reproduce the published limits at their printed precision.

    python analyses/levee2025/fig_km_ttnt_pfs.py [--register TOML] [--ipd CSV] [--ttnt PNG] [--pfs PNG]
        [--table CSV] [--section MD]
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

import _levee2025 as _common

from survrepro import io
from survrepro.report import exhibits
from survrepro.engine.km import CONF_TYPES, kaplan_meier
from survrepro.report.plotting import add_footnote, plot_km
from survrepro.register.schema import matches

#: The figures this script draws and their captions in the report (the exhibit table).
CAPTIONS = {
    "km_ttnt": "Kaplan-Meier curve of time to next systemic therapy, with the median and numbers at risk",
    "km_pfs": "Kaplan-Meier curve of progression-free survival, with the median and numbers at risk",
}

#: Endpoints drawn: register endpoint -> (title, y axis label).
ENDPOINTS = {
    "ttnt": ("Time to next systemic therapy", "Without next systemic therapy or death"),
    "pfs": ("Progression-free survival", "Progression-free survival"),
}
RISK_STEP = 6.0  # months between numbers-at-risk columns


def _num(x, digits=1) -> str:
    """A time for display; ``NR`` (not reached) when there is none."""
    return "NR" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def median_targets(cohort: _common.Cohort, endpoint: str) -> dict:
    """The register's ``median``, ``median_ci_low`` and ``median_ci_high`` targets of an endpoint."""
    return {q: cohort.target(endpoint=endpoint, quantity=q, arms=())
            for q in ("median", "median_ci_low", "median_ci_high")}


def _settings(targets: dict) -> tuple[str, float, bool]:
    """CI transform and level the register states for the median CI, and whether it is assumed."""
    s = targets["median_ci_low"].settings
    ct = s.get("ci_transform", "log")
    assumed = bool(s.get("assumed", False)) or ct == "not reported" or "ci_transform" not in s
    return ("log" if ct == "not reported" else ct), float(s.get("confidence_level", 0.95)), assumed


def median_table(cohort: _common.Cohort) -> pd.DataFrame:
    """Median and 95% CI of each endpoint under every CI transform, against the published values."""
    rows = []
    for endpoint in ENDPOINTS:
        f = cohort.endpoint(endpoint)
        targets = median_targets(cohort, endpoint)
        register_ct, level, assumed = _settings(targets)
        for ct in CONF_TYPES:
            km = kaplan_meier(f["time"].to_numpy(), f["event"].to_numpy(), conf_type=ct, conf_level=level)
            q = km.quantile(0.5)
            got = {"median": q.estimate, "median_ci_low": q.low, "median_ci_high": q.high}
            row = {"endpoint": endpoint, "ci_transform": ct, "register_transform": ct == register_ct,
                   "transform_assumed": assumed, "conf_level": level, "n": km.n, "events": km.events}
            for quantity, t in targets.items():
                row[quantity] = got[quantity]
                row[f"{quantity}_published"] = t.printed
                row[f"{quantity}_matches"] = bool(matches(t, got[quantity])[0])
            row["ci_matches"] = row["median_ci_low_matches"] and row["median_ci_high_matches"]
            rows.append(row)
    return pd.DataFrame(rows)


def draw(cohort: _common.Cohort, endpoint: str):
    """KM figure of one endpoint (returns its Axes)."""
    f = cohort.endpoint(endpoint)
    targets = median_targets(cohort, endpoint)
    ct, level, assumed = _settings(targets)
    km = kaplan_meier(f["time"].to_numpy(), f["event"].to_numpy(), conf_type=ct, conf_level=level, label="All")
    q = km.quantile(0.5)
    unit = cohort.time_unit
    last = float(f["time"].max())
    right = RISK_STEP * math.ceil(last / RISK_STEP)
    risk = [RISK_STEP * i for i in range(int(right / RISK_STEP) + 1)]
    pub = targets["median"].printed, targets["median_ci_low"].printed, targets["median_ci_high"].printed
    annotation = (
        f"Median {_num(q.estimate)} {unit} ({level:.0%} CI {_num(q.low)}–{_num(q.high)})\n"
        f"CI: {ct} transform{' (assumed)' if assumed else ''}\n"
        f"Published: {pub[0]} ({pub[1]}–{pub[2]})"
    )
    title, ylabel = ENDPOINTS[endpoint]
    ax = plot_km({"All patients": km}, risk_times=risk, show_ci=True, xlabel=f"{unit.capitalize()} after MDRT",
                 ylabel=ylabel, annotation=annotation, title=title, xmax=right)
    notes = [f"Shaded: pointwise {level:.0%} CI ({ct} transform); + censored; NR = not reached."]
    for note in cohort.footnotes(*notes):
        add_footnote(ax, note)
    return ax


def section(cohort: _common.Cohort, table: pd.DataFrame) -> str:
    """Markdown: which CI transform reproduces the published median CIs."""
    lines = [
        "### Median time to next systemic therapy and PFS: which CI transform",
        "",
        f"Data: {cohort.source}. The paper does not say how the 95% CIs of the medians were built; "
        "the median and its CI are computed here under each Kaplan–Meier transform "
        "(R `survfit(conf.type = ...)`, median by R's rule) and compared with the published "
        "values at their printed precision.",
        "",
        "| endpoint | transform | n | events | median | 95% CI | published | CI reproduced |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        mark = " (register)" if r.register_transform else ""
        lines.append(
            f"| {r.endpoint} | {r.ci_transform}{mark} | {r.n} | {r.events} | {_num(r.median, 2)} | "
            f"{_num(r.median_ci_low, 2)}–{_num(r.median_ci_high, 2)} | {r.median_published} "
            f"({r.median_ci_low_published}–{r.median_ci_high_published}) | {'yes' if r.ci_matches else 'no'} |"
        )
    lines.append("")
    for endpoint in ENDPOINTS:
        sub = table[table["endpoint"] == endpoint]
        good = sub.loc[sub["ci_matches"], "ci_transform"].tolist()
        lines.append(f"- {endpoint}: " + (f"reproduced by {', '.join(good)}." if good else
                                           "no transform reproduces the published CI on these data."))
    if cohort.synthetic:
        lines += ["", "The synthetic cohort was calibrated to the medians only; the CI limits are held-out "
                  "checks. A miss says the synthetic patients do not carry what the study's data say about "
                  "those limits; it does not tell which transform the authors used."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    """Command line entry: write the outputs, return the exit status; a bad input raises InputError."""
    ap = argparse.ArgumentParser(prog="fig_km_ttnt_pfs.py", description=__doc__.splitlines()[0])
    _common.add_input_arguments(ap)
    ap.add_argument("--ttnt", type=Path, default=_common.FIGURES / "km_ttnt.png")
    ap.add_argument("--pfs", type=Path, default=_common.FIGURES / "km_pfs.png")
    ap.add_argument("--table", type=Path, default=_common.BUILD / "km_medians.csv")
    ap.add_argument("--section", type=Path, default=_common.SECTIONS / "30_km_median_ci.md")
    args = ap.parse_args(argv)
    cohort = _common.load(args)
    table = median_table(cohort)
    axes = {endpoint: draw(cohort, endpoint) for endpoint in ENDPOINTS}
    io.write_csv(args.table, table)
    io.write_text(args.section, section(cohort, table))
    for endpoint, ax in axes.items():
        io.save_figure(ax.figure, getattr(args, endpoint))
    print(f"wrote {args.ttnt}, {args.pfs}, {args.table} and {args.section} ({cohort.source})")
    return 0


if __name__ == "__main__":
    raise SystemExit(exhibits.call(main))
