"""``survrepro reproduce [STUDY ...] [--out DIR]``: every published number, recomputed and compared."""
from __future__ import annotations

import sys
from pathlib import Path

from survrepro import paths


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "reproduce",
        help="recompute every published number of the studies and write build/report.{md,csv,html}",
        description=(
            "For every target of each study's register (all studies in data/published/ by default): "
            "recompute the number from the patient-level data the register's [analysis] table names, "
            "compare it with the published value at its printed precision, audit the published numbers "
            "against each other and write report.md, report.csv and a self-contained report.html. "
            "Studies named on the command line are reported exactly: their analysis and design sections "
            "and figures, nothing of other studies; such a report goes to build/report-STUDY[-STUDY...]/ "
            "unless --out says where, so that it never overwrites the full report in build/. "
            "Exit status 1 when any calibrate or check target misses (each is listed), 2 on bad input "
            "(unknown study, bad register, missing data file), 0 otherwise."
        ),
    )
    p.add_argument("studies", nargs="*", metavar="STUDY",
                   help="study ids (data/published/STUDY.toml) or register .toml paths; all studies by default")
    p.add_argument("--out", metavar="DIR", type=Path, default=None,
                   help=f"folder of the report files (default: {paths.BUILD} for every study, "
                        f"{paths.BUILD}/report-STUDY[-STUDY...] for the studies named)")
    p.set_defaults(func=run)


def subset_folder(study_ids) -> Path:
    """Where the report of the named studies goes by default: ``build/report-<id>[-<id>...]``."""
    return paths.BUILD / ("report-" + "-".join(study_ids))


def _check_out_folder(out: Path) -> None:
    """``--out`` must be a folder (or not exist yet), reached through folders only."""
    from survrepro.errors import InputError
    for folder in (out, *out.parents):
        try:
            is_dir, exists = folder.is_dir(), folder.exists()
        except OSError as exc:
            raise InputError(f"--out {out}: cannot be used ({exc.strerror or type(exc).__name__}).") from None
        if exists and not is_dir:
            where = "is a file" if folder == out else f"lies under {folder}, which is a file"
            raise InputError(f"--out {out}: {where}; expected a folder for report.md, report.csv and report.html.")
        if exists:
            return


def run(args) -> int:
    from survrepro.register.audit import audit_register
    from survrepro.register.evaluate import evaluate_register
    from survrepro.register.schema import list_studies, load_register
    from survrepro.report.build import build_report

    if args.out is not None:
        _check_out_folder(args.out)
    names = list(args.studies) or list_studies()
    registers = {}
    for name in names:  # load and validate every register before computing anything
        reg = load_register(name)
        registers[reg.study.id] = reg
    evaluations = {sid: evaluate_register(reg) for sid, reg in registers.items()}
    audits = {sid: audit_register(reg) for sid, reg in registers.items()}
    subset = bool(args.studies)
    out = args.out if args.out is not None else (subset_folder(registers) if subset else paths.BUILD)
    report = build_report(evaluations, audits, out_dir=out, registers=registers, only_studies=subset)
    print(report.summary, end="")
    print(f"wrote {report.markdown}, {report.csv} and {report.html}")
    failing = [e for e in report.misses if e.role in ("calibrate", "check")]
    if failing:
        ids = ", ".join(f"{e.study}:{e.id}" for e in failing)
        print(f"survrepro reproduce: {len(failing)} published number(s) not reproduced: {ids}", file=sys.stderr)
        return 1
    return 0
