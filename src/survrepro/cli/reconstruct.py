"""``survrepro reconstruct``: patient-level data from a digitized Kaplan–Meier curve."""
from __future__ import annotations

from survrepro.errors import InputError
from survrepro.options import CURVE_SCALES as SCALES
from survrepro.options import RECONSTRUCT_METHODS as METHODS

DESCRIPTION = """\
Reconstruct patient-level data from a digitized Kaplan-Meier curve. CURVE.csv has columns
time,survival[,arm] under any of the usual names (T,S from DigitizeIt, x,y), or is a
WebPlotDigitizer export (headerless x,y, also with '; ' and a decimal comma, or all
datasets as X,Y pairs under their names); ATRISK.csv has the published numbers at risk,
the first at time 0: time,n_at_risk[,arm], the table of Guyot et al.
(interval,trisk,lower,upper,nrisk), one row per arm with one column per time as papers
print it, one column per arm, or no header. --time-col and the other column options name
the columns when the names are not recognised. Without a risk table give --n. The curve is cleaned first and every
cleaning action is reported. IPD.csv gets time,event[,arm] (one row per patient), ready
for `survrepro analyze`; --fidelity writes the fit of each arm as JSON (RMSE, mean and max
absolute error at the digitized points, numbers at risk and events against the published
ones, cleaning actions and assumptions). Methods: the model of Guyot et al., BMC Med Res Methodol
2012;12:9, solved by dynamic programming over the numbers at risk that the drops imply
(dp) or in closed form per interval (exact); --method guyot runs the published
algorithm. The default, auto, uses dp for arms of at most 150 patients."""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "reconstruct", help="patient-level data from a digitized KM curve and risk table", description=DESCRIPTION
    )
    p.add_argument("--curve", required=True, metavar="CURVE.csv", help="digitized curve (time,survival[,arm])")
    p.add_argument("--at-risk", default=None, metavar="ATRISK.csv", help="numbers at risk (time,n_at_risk[,arm])")
    ev = p.add_mutually_exclusive_group()
    ev.add_argument("--total-events", type=int, default=None, metavar="N", help="events of a single-arm curve")
    ev.add_argument("--events-by-arm", default=None, metavar="ARM=N,...", help="events per arm")
    cols = p.add_argument_group(
        "column names",
        "exact header names of the columns, when the names in the file are not recognised or two columns "
        "could each be the one meant (the names recognised: survrepro.digitized)",
    )
    cols.add_argument("--time-col", default=None, metavar="NAME", help="time column of CURVE.csv")
    cols.add_argument("--survival-col", default=None, metavar="NAME", help="survival column of CURVE.csv")
    cols.add_argument("--arm-col", default=None, metavar="NAME", help="arm column of CURVE.csv")
    cols.add_argument("--at-risk-time-col", default=None, metavar="NAME", help="time column of ATRISK.csv")
    cols.add_argument("--at-risk-n-col", default=None, metavar="NAME", help="numbers-at-risk column of ATRISK.csv")
    cols.add_argument("--at-risk-arm-col", default=None, metavar="NAME", help="arm column of ATRISK.csv")
    p.add_argument("--n", default=None, metavar="N|ARM=N,...", help="number of patients (required without --at-risk)")
    p.add_argument("--scale", choices=SCALES, default="auto", help="survival as fraction or percent (default: auto)")
    p.add_argument("--convert-cumulative", action="store_true",
                   help="the curve is a cumulative incidence F(t): use 1 - F")
    p.add_argument("--method", choices=METHODS, default="auto",
                   help="reconstruction method (default: auto = dp for arms of at most 150 patients, exact above)")
    p.add_argument("-o", "--output", required=True, metavar="IPD.csv", help="where to write the patients")
    p.add_argument("--fidelity", default=None, metavar="FIDELITY.json", help="where to write the fidelity report")
    p.set_defaults(func=run)


def _counts(text: str, option: str):
    """Parse ``N`` or ``ARM=N,ARM=N`` into an int or a dict."""
    text = text.strip()
    if "=" not in text:
        try:
            return int(text)
        except ValueError:
            raise InputError(f"{option}: {text!r} is not a whole number; expected N or ARM=N,...") from None
    out = {}
    for part in filter(None, (s.strip() for s in text.split(","))):
        arm, _, value = part.partition("=")
        try:
            out[arm.strip()] = int(value)
        except ValueError:
            raise InputError(f"{option}: {part!r} is not ARM=N with a whole number N.") from None
    return out


def run(args) -> int:
    from survrepro.io import read_at_risk, read_digitized_curve, write_csv, write_json
    from survrepro.sources.reconstruct import reconstruct

    if args.at_risk is None and args.n is None:
        raise InputError("--at-risk or --n is required: the numbers at risk or the number of patients.")
    table_cols = {"time_col": args.at_risk_time_col, "n_col": args.at_risk_n_col, "arm_col": args.at_risk_arm_col}
    if args.at_risk is None and any(table_cols.values()):
        flag = next(f"--at-risk-{k[:-4]}-col" for k, v in table_cols.items() if v)
        raise InputError(f"{flag} names a column of the risk table, but no --at-risk table was given.")
    curve = read_digitized_curve(args.curve, time_col=args.time_col, survival_col=args.survival_col,
                                 arm_col=args.arm_col)
    table = read_at_risk(args.at_risk, **table_cols) if args.at_risk else None
    for name, frame in ((args.curve, curve), (args.at_risk, table)):
        if frame is not None and frame.attrs.get("layout"):
            print(f"{name}: {frame.attrs['layout']}")
    events_by_arm = _counts(args.events_by_arm, "--events-by-arm") if args.events_by_arm else None
    if isinstance(events_by_arm, int):
        raise InputError("--events-by-arm: expected ARM=N,... (use --total-events for a single-arm curve).")
    res = reconstruct(
        curve,
        table,
        n=_counts(args.n, "--n") if args.n else None,
        total_events=args.total_events,
        events_by_arm=events_by_arm,
        method=args.method,
        scale=args.scale,
        convert_cumulative=args.convert_cumulative,
        curve_source=str(args.curve),
        at_risk_source=str(args.at_risk) if args.at_risk else "--n",
    )
    ipd = res.to_frame()
    fidelity = res.fidelity()
    # write both only once both are ready (each write is atomic)
    write_csv(args.output, ipd)
    if args.fidelity:
        write_json(args.fidelity, fidelity)
    for arm in res.arms.values():
        f = arm.fidelity()
        name = f"arm {arm.label}" if arm.label is not None else "curve"
        pub = "" if f["events_published"] is None else f" (published {f['events_published']})"
        print(
            f"{name}: {f['n_patients']} patients, {f['events_reconstructed']} events{pub}; "
            f"RMSE {f['rmse']:.4f}, mean |error| {f['mean_abs_error']:.4f}, max |error| {f['max_abs_error']:.4f}; "
            f"numbers at risk off by at most {f['at_risk_max_abs_difference']}"
        )
        for line in f["cleaning"]:
            print(f"  cleaned: {line}")
        for line in f["notes"]:
            print(f"  note: {line}")
    print(f"wrote {args.output}" + (f" and {args.fidelity}" if args.fidelity else ""))
    return 0
