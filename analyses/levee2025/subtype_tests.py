"""Subtype comparison of remaining on the same therapy, the tests that give the published p, and evaluability.

LeVee et al. 2025 compare the proportion remaining on the same systemic therapy at
6 months across the three subtypes (22/34, 5/9, 1/4; p = 0.30) without naming the test.
From the patient data this builds the subtypes x (remaining, not remaining) table among
evaluable patients, runs Pearson's chi-square, Pearson with Yates' correction (R applies
it to 2 x 2 tables only, so it has no value for 3 x 2), the likelihood-ratio G-test and
the Fisher-Freeman-Halton exact test, and says which p-values reproduce the published p
(read from the register) at its printed precision. It also counts, at every landmark,
how many patients are not evaluable and why.

Writes a Markdown section (numbers inserted from the computations) and CSVs beside it:

    python analyses/levee2025/subtype_tests.py [--register TOML] [--ipd CSV] [--section MD] [--outdir DIR]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import _levee2025 as _common

from survrepro import io
from survrepro.report import exhibits
from survrepro.engine.contingency import contingency_tests, which_reproduce
from survrepro._validation import InputError
from survrepro.engine.proportion import STATUSES, landmark_status

#: Readable names of the tests, in :data:`survrepro.engine.contingency.TEST_NAMES` order.
TEST_TITLES = {
    "pearson": "Pearson chi-square (no continuity correction)",
    "pearson_yates": "Pearson chi-square with Yates' correction",
    "likelihood_ratio": "Likelihood-ratio (G) test",
    "fisher": "Fisher-Freeman-Halton exact test",
}


def _pct(k: int, n: int) -> str:
    return f"{100 * k / n:.1f}%" if n else "NA"


def _published_count(cohort, lm, arm_id, count_of):
    found = [t for t in cohort.register.select(endpoint=lm.endpoint, quantity="count",
                                               arms=(arm_id,) if arm_id else ())
             if t.count_of == count_of]
    return found[0].printed if found else ""


def subtype_table(cohort, lm) -> pd.DataFrame:
    """Remaining / not remaining by subtype among evaluable patients, with the published counts."""
    res = cohort.proportion(lm)
    ids = {label: arm_id for arm_id, label in cohort.labels.items()}
    rows = []
    for g in _common.ordered_groups(res, cohort):
        rows.append({
            "landmark": lm.time, "subtype": g.label, "n": g.n_total, "evaluable": g.denominator,
            "remaining": g.numerator, "not_remaining": g.denominator - g.numerator,
            "proportion": g.proportion,
            "published_remaining": _published_count(cohort, lm, ids[g.label], "on_same_therapy"),
            "published_evaluable": _published_count(cohort, lm, ids[g.label], "evaluable"),
        })
    return pd.DataFrame(rows)


def tests_frame(table: pd.DataFrame, target) -> tuple[pd.DataFrame, list[str]]:
    """The four tests on the table and the names of those reproducing ``target`` (the published p)."""
    counts = table[["remaining", "not_remaining"]].to_numpy()
    res = contingency_tests(counts)
    agree = which_reproduce(res, float(target.value), int(target.decimals))
    frame = res.to_frame()
    frame.insert(1, "description", [TEST_TITLES[n] for n in frame["test"]])
    frame["published_p"] = target.printed
    frame["reproduces"] = [n in agree for n in frame["test"]]
    return frame, agree


def evaluability(cohort) -> pd.DataFrame:
    """At every landmark, overall and by subtype: patients, evaluable, and why the others are not."""
    rows = []
    ids = {label: arm_id for arm_id, label in cohort.labels.items()}
    for lm in cohort.landmarks():
        res = cohort.proportion(lm)
        f = cohort.endpoint(lm.endpoint)
        status = landmark_status(f["time"].to_numpy(), f["event"].to_numpy(), lm.time,
                                 death=f["death"].to_numpy() if "death" in f.columns else None,
                                 death_is_failure=lm.death_is_failure, where=cohort.source)
        labels = f["arm"].map(cohort.labels).to_numpy()
        for est in (res.overall, *_common.ordered_groups(res, cohort)):
            mask = slice(None) if est.label is None else labels == est.label
            counts = {s: int((status[mask] == s).sum()) for s in STATUSES}
            arm_id = ids.get(est.label) if est.label else None
            rows.append({
                "landmark": lm.time, "group": "all" if est.label is None else est.label,
                "n": est.n_total, "evaluable": est.denominator, "not_evaluable": est.n_not_evaluable,
                "remaining": est.numerator,
                "not_remaining_changed_therapy": counts["ended"],
                "not_remaining_died": counts["died"],
                "not_evaluable_censored": counts["censored"] if lm.evaluable == "followed" else 0,
                "not_evaluable_died_on_therapy": counts["death_censored"] if lm.evaluable == "followed" else 0,
                "published_evaluable": _published_count(cohort, lm, arm_id, "evaluable"),
                "rule": _common.rule_text(lm).replace("\n", " "),
            })
    return pd.DataFrame(rows)


def section(cohort, lm, table, tests, agree, target, evaluable) -> str:
    """The Markdown section; every number comes from the frames passed in."""
    unit = cohort.time_unit
    total = table[["evaluable", "remaining"]].sum()
    overall = evaluable[(evaluable["landmark"] == lm.time) & (evaluable["group"] == "all")].iloc[0]
    assumed = target.settings.get("test", "not reported")
    lines = [
        f"### Remaining on the same therapy at {lm.time:g} {unit}: subtype comparison",
        "",
        f"Data: {cohort.source}. Among evaluable patients ({_common.rule_text(lm).replace(chr(10), ' ')}).",
        "",
        "| subtype | patients | evaluable | remaining | not remaining | % remaining | published |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        pub = f"{r.published_remaining}/{r.published_evaluable}" if r.published_evaluable != "" else "—"
        lines.append(f"| {r.subtype} | {r.n} | {r.evaluable} | {r.remaining} | {r.not_remaining} | "
                     f"{_pct(r.remaining, r.evaluable)} | {pub} |")
    lines.append(f"| all | {int(overall.n)} | {int(overall.evaluable)} | {int(overall.remaining)} | "
                 f"{int(overall.evaluable - overall.remaining)} | {_pct(overall.remaining, overall.evaluable)} | "
                 f"{_published_count(cohort, lm, None, 'on_same_therapy')}/{overall.published_evaluable} |")
    sums_ok = int(total.evaluable) == int(overall.evaluable) and int(total.remaining) == int(overall.remaining)
    lines += [
        "",
        f"The subtype rows add up to {int(total.remaining)}/{int(total.evaluable)}"
        + (", the overall count." if sums_ok
           else f", not the overall {int(overall.remaining)}/{int(overall.evaluable)}."),
        "",
        f"Tests of independence on this {len(table)} x 2 table, against the published p = {target.printed} "
        f"(printed with {target.decimals} decimals; the paper does not name the test, the register assumes "
        f"`{assumed}`):",
        "",
        "| test | statistic | df | p | reproduces p = " + target.printed + " |",
        "|---|---|---|---|---|",
    ]
    for r in tests.itertuples():
        stat = "—" if pd.isna(r.statistic) else f"{r.statistic:.4f}"
        df = "—" if pd.isna(r.df) else str(int(r.df))
        if pd.isna(r.pvalue):
            p, rep = "n/a", f"n/a: {r.note}"
        else:
            p, rep = f"{r.pvalue:.4f}", "yes" if r.reproduces else "no"
        lines.append(f"| {r.description} | {stat} | {df} | {p} | {rep} |")
    names = [TEST_TITLES[n] for n in agree]
    lines += ["", ("Reproducing p = " + target.printed + ": " + "; ".join(names) + "."
                   if names else f"No test reproduces p = {target.printed}.")]
    cautions = sorted({n for n in tests["note"] if n and "expected count" in n})
    if cautions:
        lines.append(f"Caution for the chi-square and G tests: {cautions[0]}.")
    lines += ["", "#### Evaluability at each landmark", "",
              "| landmark | group | patients | evaluable | not evaluable | censored before landmark | "
              "died on therapy before landmark | published evaluable |",
              "|---|---|---|---|---|---|---|---|"]
    for r in evaluable.itertuples():
        lines.append(f"| {r.landmark:g} {unit} | {r.group} | {r.n} | {r.evaluable} | {r.not_evaluable} | "
                     f"{r.not_evaluable_censored} | {r.not_evaluable_died_on_therapy} | "
                     f"{r.published_evaluable or '—'} |")
    same = all(str(r.remaining) == str(r.published_remaining) and str(r.evaluable) == str(r.published_evaluable)
               for r in table.itertuples())
    if cohort.synthetic:
        lines += ["", "The patients are synthetic, calibrated to the published counts and not to p"
                  + ("; the table equals the published one, so these p-values are those of the published counts."
                     if same else "; the table differs from the published one, so these p-values are not the paper's.")
                  + " Who is not evaluable, and why, comes from the synthetic follow-up."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    """Command line entry: write the outputs, return the exit status; a bad input raises InputError."""
    ap = argparse.ArgumentParser(prog="subtype_tests.py", description=__doc__.splitlines()[0])
    _common.add_input_arguments(ap)
    ap.add_argument("--section", type=Path, default=_common.SECTIONS / "20_subtype_tests.md")
    ap.add_argument("--outdir", type=Path, default=None,
                    help="folder of the CSVs (default: the section's folder)")
    args = ap.parse_args(argv)
    outdir = args.outdir or args.section.parent
    cohort = _common.load(args)
    by_endpoint = {lm.endpoint: lm for lm in cohort.landmarks()}
    targets = [t for t in cohort.register.select(quantity="p_value") if t.endpoint in by_endpoint]
    if not targets:
        raise InputError(f"{cohort.register.path}: no p_value target at a landmark endpoint; expected one "
                         "comparing the subtypes (on_therapy_6m_p, say).")
    evaluable = evaluability(cohort)
    parts, written = [], []
    for target in targets:
        lm = by_endpoint[target.endpoint]
        table = subtype_table(cohort, lm)
        tests, agree = tests_frame(table, target)
        parts.append(section(cohort, lm, table, tests, agree, target, evaluable))
        tag = f"{lm.time:g}m"
        written += [io.write_csv(outdir / f"subtype_table_{tag}.csv", table),
                    io.write_csv(outdir / f"subtype_tests_{tag}.csv", tests)]
    written.append(io.write_csv(outdir / "evaluability.csv", evaluable))
    io.write_text(args.section, "\n".join(parts))
    print(f"wrote {args.section} and {', '.join(str(p) for p in written)} ({cohort.source})")
    return 0


if __name__ == "__main__":
    raise SystemExit(exhibits.call(main))
