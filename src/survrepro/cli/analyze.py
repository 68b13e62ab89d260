"""``survrepro analyze``: Kaplan–Meier, Cox and log-rank for a patient-level data file."""
from __future__ import annotations

import json
import sys

from survrepro.errors import InputError
from survrepro.options import CONF_TYPES, TIES

DESCRIPTION = """\
Analyse patient-level data: IPD.csv has columns time, event (1 = event, 0 = censored)
and optionally arm (or the column --arm names). Arms are ordered naturally (numerically
when all labels are numbers); the first is the reference unless --reference says
otherwise. With two or more arms, the hazard ratio of every other arm against the
reference is reported with Wald and likelihood-ratio p, with the global Cox tests and the
k-sample log-rank test on k - 1 degrees of freedom (--json: a list under "comparisons";
with two arms also the object "comparison"). A coefficient that may be infinite (an arm
without events, complete separation) is warned about on stderr and under "warnings", as
R's coxph warns, and its hazard ratio is not reported as estimated. A median or upper
limit not reached prints NR; a lower limit that cannot be estimated prints "not
estimable" (null in --json)."""


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
    p.add_argument("--arm", default="arm", metavar="COLUMN", help="column of the arms (default: arm)")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object")
    p.set_defaults(func=run)


def _landmarks(text: str) -> list[float]:
    from survrepro._validation import MAX_VALUE, excerpt
    out = []
    for tok in filter(None, (s.strip() for s in text.split(","))):
        try:
            value = float(tok)
        except ValueError:
            raise InputError(f"--landmarks: {excerpt(tok)} is not a number; expected times like 6,12,24.") from None
        if not 0 <= value <= MAX_VALUE:
            raise InputError(f"--landmarks: {excerpt(tok)} is not a finite time from 0 to 10^9; expected times "
                             "like 6,12,24.")
        out.append(value)
    if len(out) > 1000:
        raise InputError(f"--landmarks: {len(out)} times given; expected at most 1000.")
    return out


def run(args) -> int:
    import numpy as np

    from survrepro.engine.analysis import analyze
    from survrepro.io import read_ipd

    from survrepro._validation import check_level
    landmarks = _landmarks(args.landmarks)
    check_level(args.conf_level, "--conf-level")
    if not args.arm.strip():
        raise InputError("--arm: expected the name of a column of the arms; got an empty name.")
    extra = tuple(c for c in (args.arm, args.strata) if c and c != "arm")
    data = read_ipd(args.ipd, arm=args.arm, extra=extra)
    try:
        res = analyze(
            data,
            strata=args.strata,
            reference=args.reference,
            conf_type=args.ci,
            conf_level=args.conf_level,
            ties=args.ties,
            landmarks=landmarks,
            arm=args.arm,
        )
    except InputError as exc:  # the engine states the fact; the command names the file
        raise InputError(f"{args.ipd}: {exc}") from None
    except np.linalg.LinAlgError:  # a log-rank or Cox variance without information (all events tied, say)
        raise InputError(
            f"{args.ipd}: the arms cannot be compared: the variance of the test statistic is singular "
            "(no information, as when every event happens at the same time); expected data with "
            "distinct event times in at least two arms."
        ) from None
    for warning in res.warnings:
        print(f"survrepro analyze: warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(res.to_dict(), allow_nan=False))
    else:
        print(res.to_text(warnings=False))
    return 0
