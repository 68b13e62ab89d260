"""``survrepro analyze``: Kaplan–Meier, Cox and log-rank for a patient-level data file."""
from __future__ import annotations

import json

from survrepro.errors import InputError
from survrepro.options import CONF_TYPES, TIES

DESCRIPTION = """\
Analyse patient-level data: IPD.csv has columns time, event (1 = event, 0 = censored)
and optionally arm. Arms are ordered naturally (numerically when all labels are numbers);
the first is the reference unless --reference says otherwise. With two arms, the hazard
ratio of the second arm against the reference is reported with Wald and likelihood-ratio
p and the log-rank test."""


def register(subparsers) -> None:
    p = subparsers.add_parser("analyze", help="Kaplan-Meier, Cox and log-rank for an IPD file", description=DESCRIPTION)
    p.add_argument("ipd", metavar="IPD.csv", help="patient-level data (time,event[,arm])")
    p.add_argument("--ci", choices=CONF_TYPES, default="log",
                   help="KM confidence transform (default: log, as R survfit; SAS LIFETEST uses log-log)")
    p.add_argument("--conf-level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--ties", choices=TIES, default="efron",
                   help="Cox tie handling (default: efron, as R coxph; SAS PHREG uses breslow)")
    p.add_argument("--landmarks", default="", metavar="T1,T2,...", help="times for survival and numbers at risk")
    p.add_argument("--reference", default=None, metavar="ARM", help="reference arm (default: first in natural order)")
    p.add_argument("--strata", default=None, metavar="COLUMN", help="stratify Cox and log-rank by this column")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object")
    p.set_defaults(func=run)


def _landmarks(text: str) -> list[float]:
    out = []
    for tok in filter(None, (s.strip() for s in text.split(","))):
        try:
            out.append(float(tok))
        except ValueError:
            raise InputError(f"--landmarks: {tok!r} is not a number; expected times like 6,12,24.") from None
    return out


def run(args) -> int:
    from survrepro.engine.analysis import analyze
    from survrepro.io import read_ipd

    landmarks = _landmarks(args.landmarks)
    data = read_ipd(args.ipd, extra=(args.strata,) if args.strata else ())
    try:
        res = analyze(
            data,
            strata=args.strata,
            reference=args.reference,
            conf_type=args.ci,
            conf_level=args.conf_level,
            ties=args.ties,
            landmarks=landmarks,
        )
    except InputError as exc:  # the engine states the fact; the command names the file
        raise InputError(f"{args.ipd}: {exc}") from None
    if args.json:
        print(json.dumps(res.to_dict(), allow_nan=False))
    else:
        print(res.to_text())
    return 0
