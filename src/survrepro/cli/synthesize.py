"""``survrepro synthesize STUDY``: SYNTHETIC patient-level data calibrated to a register."""
from __future__ import annotations

import sys

from survrepro.options import SYNTHESIS_ENDPOINTS as ENDPOINTS

def register(subparsers):
    p = subparsers.add_parser(
        "synthesize",
        help="SYNTHETIC patient data calibrated to a study's published targets",
        description=(
            "Build SYNTHETIC patient-level data that reproduce the `calibrate` targets of a study's "
            "register at their printed precision; prints each target with its achieved value. "
            "Exit status 1 when a target cannot be met (the data are still written)."
        ),
    )
    p.add_argument("study", help="study id (data/published/<study>.toml) or path of a register")
    p.add_argument("-o", "--out", help="output CSV (name it *synthetic*); printed to stdout when omitted")
    p.add_argument("--notes", help="also write the data's source note (Markdown): what the data are, their "
                   "columns, each target with the value achieved, and every assumption and note of the build")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("--max-iter", type=int, default=None,
                   help="cap on search steps (default 20000, lowered to 600000 / patients for a large study)")
    p.add_argument("--endpoints", default="pfs,os,ttnt,new_lesion",
                   help=f"endpoints to write, by the register's names (dfs, on_therapy ...) or the patient "
                   f"model's ({', '.join(ENDPOINTS)}; default all of the model's)")
    p.add_argument("--deaths-not-failures", action="store_true",
                   help="deaths on therapy before a landmark are not evaluable (default: failures)")
    p.set_defaults(func=run)


def run(args) -> int:
    from survrepro import io
    from survrepro._validation import check_range, check_seed
    from survrepro.register.schema import load_register, register_path
    from survrepro.sources.synthesize import by_products, column_descriptions, notes_text, synthesize
    from survrepro.register.synthesis import (endpoint_plan, model_endpoints, spec_from_register, uncalibrated,
                                              unmet_reasons)

    seed = check_seed("--seed", args.seed)
    max_iter = (None if args.max_iter is None
                else check_range("--max-iter", args.max_iter, 1, 10**7, integer=True, unit="steps"))
    if args.out or args.notes:
        io.check_outputs({"-o": args.out, "--notes": args.notes}, {"the register": register_path(args.study)})
    reg = load_register(args.study)
    # the columns the register's [analysis] reads the data from, else by design
    analysis = reg.analysis
    group_column = (analysis.arm_column if analysis is not None and analysis.arm_column
                    else "arm" if reg.study.design == "randomized" else "group")
    entry_column = analysis.entry_column if analysis is not None and analysis.entry_column else "entry_date"
    endpoint_map, columns, plan_notes = endpoint_plan(reg)
    endpoints = model_endpoints(args.endpoints, endpoint_map, reg)
    if columns and "pfs" not in endpoints:
        endpoints = endpoints + ("pfs",)  # the place the register's own endpoint is modelled in
    spec = spec_from_register(
        reg, endpoints=endpoints, endpoint_map=endpoint_map, group_column=group_column, columns=columns,
        entry_column=entry_column,
        landmark_rule={"evaluable": "followed", "death_is_failure": not args.deaths_not_failures},
    )
    res = synthesize(spec, seed=seed, max_iter=max_iter)
    reasons = unmet_reasons(reg, res) + uncalibrated(reg)
    files = {}  # written as one set: both or (on a failure) neither
    if args.out:
        files[args.out] = lambda tmp: res.data.to_csv(tmp, index=False, lineterminator="\n")
    names = {ep: name for name, ep in endpoint_map.items() if ep in columns}  # a model endpoint's register name
    if args.notes:
        text = notes_text(res, spec, columns=column_descriptions(spec, names), names=names,
                          unconstrained=by_products(spec))
        files[args.notes] = text + "".join(f"- {line}\n" for line in plan_notes + reasons)
    io.write_set(files)
    summary = sys.stdout if args.out else sys.stderr
    if args.out:
        print(f"wrote {args.out} (SYNTHETIC)")
    else:
        print(res.data.to_csv(index=False, lineterminator="\n"), end="")
    if args.notes:
        print(f"wrote {args.notes}", file=summary)
    print(repr(res), file=summary)
    for note in plan_notes:
        print(note, file=summary)
    for note in res.notes:
        if note.startswith(("ASSUMED", "Tied times")):
            print(note, file=summary)
    table = res.to_frame().drop(columns="settings")
    table["endpoint"] = [names.get(ep, ep) for ep in table.endpoint]
    table["target"] = [c.printed for c in res.constraints]
    table["achieved"] = [("not reached" if c.quantity.startswith("median") else "none") if c.achieved is None
                         else f"{c.achieved:.6g}" for c in res.constraints]
    print(table.to_string(index=False), file=summary)
    for line in reasons:
        print(line, file=summary)
    return 0 if res.converged else 1
