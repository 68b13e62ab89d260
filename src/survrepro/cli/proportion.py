"""``survrepro proportion``: proportion remaining on the same therapy at a landmark."""
from __future__ import annotations

import argparse
import json
import math

from survrepro.options import CONF_TYPES

DESCRIPTION = """\
Proportion of patients remaining on the same therapy at a landmark. IPD.csv has one row
per patient: time (months on the same therapy after radiotherapy, or follow-up while still
on it), event (1 = the therapy ended, by a change or by death; 0 = still on it when last
seen), optionally death (1 when the ending was death; requires event = 1) and any grouping
column named by --by. A patient with time >= landmark counts as remaining: one still on
therapy exactly at the landmark, and one whose therapy ended exactly at it (which the
Kaplan-Meier estimate, right-continuous as in R, counts as a failure). Reported: remaining/evaluable with Clopper-Pearson
and Wilson intervals, the reasons patients are not evaluable, the Kaplan-Meier estimate at
the landmark (which keeps censored patients), and with --by, Pearson chi-square (with and
without Yates correction), likelihood-ratio and Fisher (Freeman-Halton) tests across groups."""

EVALUABLE_HELP = (
    "who is in the denominator: 'followed' (default) counts a patient when the therapy ended "
    "before the landmark or follow-up reached it, leaving out those censored earlier; 'all' counts "
    "every patient and a patient not seen on therapy at the landmark as not remaining"
)
DEATH_HELP = (
    "death before the landmark counts as failure (default, as BOSS defines freedom from a change "
    "in systemic therapy); --no-death-is-failure counts only changes of therapy and treats a death "
    "on therapy as censoring at death (needs a death column)"
)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "proportion", help="proportion remaining on the same therapy at a landmark", description=DESCRIPTION
    )
    p.add_argument("ipd", metavar="IPD.csv", help="per-patient data (time,event[,death][,group column])")
    p.add_argument("--landmark", type=float, required=True, metavar="MONTHS", help="landmark time, > 0 (e.g. 6)")
    p.add_argument("--by", default=None, metavar="COLUMN", help="grouping column: estimates per group and tests across groups")
    p.add_argument("--evaluable", choices=("followed", "all"), default="followed", help=EVALUABLE_HELP)
    p.add_argument("--death-is-failure", action=argparse.BooleanOptionalAction, default=True, help=DEATH_HELP)
    p.add_argument("--conf-level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--ci", choices=CONF_TYPES, default="log",
                   help="Kaplan-Meier confidence transform (default: log, as R survfit; SAS LIFETEST uses log-log)")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    from survrepro.engine.proportion import check_landmark
    from survrepro.engine.proportion import proportion_on_therapy
    from survrepro.io import read_on_therapy
    check_landmark(args.landmark)
    data = read_on_therapy(args.ipd, by=args.by)
    res = proportion_on_therapy(
        data["time"],
        data["event"],
        args.landmark,
        death=data["death"] if "death" in data.columns else None,
        group=data[args.by] if args.by else None,
        by=args.by,
        evaluable=args.evaluable,
        death_is_failure=args.death_is_failure,
        conf_level=args.conf_level,
        conf_type=args.ci,
        where=str(args.ipd),
    )
    if args.json:
        out = {"input": str(args.ipd), **res.to_dict()}
        print(json.dumps(out, allow_nan=False))
    else:
        print(to_text(res, str(args.ipd)))
    return 0


def _f(x, digits=3) -> str:
    return "NA" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def _ci(low, high) -> str:
    return f"{_f(low)}-{_f(high)}"


def to_text(res: ProportionResult, source: str) -> str:
    """Readable report of a :class:`~survrepro.engine.proportion.ProportionResult`."""
    import pandas as pd
    level = f"{res.conf_level:.0%}"
    lines = [
        f"Remaining on the same therapy at {res.landmark:g} months: {source}",
        f"Evaluable rule: {res.rule}.",
        f"Intervals: {level} Clopper-Pearson (exact) and Wilson; Kaplan-Meier {level} CI, {res.conf_type} transform.",
        "",
    ]
    rows = []
    for e in (res.overall, *res.groups):
        if res.evaluable == "all":
            reasons = f"{e.n_imputed_not_remaining} counted as not remaining" if e.n_imputed_not_remaining else "-"
        else:
            reasons = "; ".join(f"{c} {r}" for r, c in e.not_evaluable) or "-"
        rows.append(
            {
                "group": "all" if e.label is None else e.label,
                "n": e.n_total,
                "remaining/evaluable": f"{e.numerator}/{e.denominator}",
                "proportion": _f(e.proportion),
                f"exact {level}": _ci(*e.ci_exact),
                f"Wilson {level}": _ci(*e.ci_wilson),
                "KM": _f(e.km_survival),
                f"KM {level}": _ci(e.km_survival_low, e.km_survival_high),
                "at risk": e.km_n_at_risk,
                "unknown status at landmark": reasons,
            }
        )
    lines.append(pd.DataFrame(rows).to_string(index=False))
    notes = []
    for e in (res.overall, *res.groups):
        name = "all patients" if e.label is None else f"group {e.label}"
        if e.n_ended_at_landmark:
            notes.append(
                f"{name}: {e.n_ended_at_landmark} ended exactly at the landmark, counted as remaining "
                "in the proportion but as failures by Kaplan-Meier (right-continuous, as R)."
            )
        if e.km_beyond_follow_up:
            notes.append(f"{name}: the landmark is after the last observed time; Kaplan-Meier carried forward.")
    if res.overall.n_died:
        notes.append(f"deaths before the landmark counted as failures: {res.overall.n_died}.")
    if res.comparison is not None:
        lines += ["", f"Comparison across {res.by} (rows: groups; columns: remaining, not remaining among evaluable)"]
        cmp_rows = [
            {
                "test": t.name,
                "statistic": "-" if t.statistic is None else _f(t.statistic, 4),
                "df": "-" if t.df is None else str(t.df),
                "p": _f(t.pvalue, 4),
                "note": t.note or "-",
            }
            for t in res.comparison.tests
        ]
        lines.append(pd.DataFrame(cmp_rows).to_string(index=False))
        if res.comparison.dropped_rows:
            dropped = ", ".join(res.groups[i].label for i in res.comparison.dropped_rows)
            notes.append(f"groups with no evaluable patient left out of the tests: {dropped}.")
    elif res.by is not None:
        notes.append("fewer than two groups: no comparison.")
    if notes:
        lines += ["", "Notes:"] + [f"- {n}" for n in notes]
    return "\n".join(lines)
