"""``survrepro audit STUDY_OR_TOML [--json]``: check a study's published numbers against each other."""
from __future__ import annotations

import json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "audit",
        help="check a study's published numbers against each other",
        description=(
            "Check the published numbers of a study's register against each other: percentages "
            "against counts, subgroup sums, HR against its CI and p, the events a CI implies, which "
            "tests reproduce a printed p, and the design statement against the study. Findings are "
            "information: the exit status is 0 unless the register cannot be read (2)."
        ),
    )
    p.add_argument(
        "study",
        metavar="STUDY_OR_TOML",
        help="a study id (reads data/published/STUDY.toml) or the path of a register .toml file",
    )
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from survrepro.register.audit import audit_register
    from survrepro.register.schema import load_register

    report = audit_register(load_register(args.study))
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print(report.to_text(), end="")
    return 0
