"""``survrepro reconstruct``: patient-level data from a digitized Kaplan–Meier curve."""
from __future__ import annotations

from survrepro.errors import InputError
from survrepro.options import CURVE_SCALES as SCALES
from survrepro.options import RECONSTRUCT_METHODS as METHODS

DESCRIPTION = """\
Reconstruct patient-level data from a digitized Kaplan-Meier curve. CURVE.csv has columns
time,survival[,arm] (or is a headerless WebPlotDigitizer export, also with '; ' and a
decimal comma); ATRISK.csv has time,n_at_risk[,arm] with the published numbers at risk,
the first at time 0. Without a risk table give --n. The curve is cleaned first and every
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
    p.add_argument("--n", default=None, metavar="N|ARM=N,...", help="number of patients (required without --at-risk; at most 1000000 per arm)")
    p.add_argument("--scale", choices=SCALES, default="auto", help="survival as fraction or percent (default: auto)")
    p.add_argument("--convert-cumulative", action="store_true",
                   help="the curve is a cumulative incidence F(t): use 1 - F")
    p.add_argument("--method", choices=METHODS, default="auto",
                   help="reconstruction method (default: auto = dp for arms of at most 150 patients, exact above)")
    p.add_argument("-o", "--output", required=True, metavar="IPD.csv", help="where to write the patients")
    p.add_argument("--fidelity", default=None, metavar="FIDELITY.json", help="where to write the fidelity report")
    p.set_defaults(func=run)


def _counts(text: str, option: str, *, low: int = 1):
    """Parse ``N`` or ``ARM=N,ARM=N`` into an int or a dict, each from ``low`` to MAX_PATIENTS."""
    from survrepro._validation import MAX_PATIENTS, MAX_VALUE, check_range, excerpt
    text = text.strip()
    if "=" not in text:
        try:
            value = int(text)
        except ValueError:
            raise InputError(f"{option}: {excerpt(text)} is not a whole number; expected N or ARM=N,...") from None
        return check_range(option, value, low, MAX_PATIENTS, integer=True, unit="patients")
    out = {}
    for part in filter(None, (s.strip() for s in text.split(","))):
        arm, _, value = part.partition("=")
        try:
            n = int(value)
        except ValueError:
            raise InputError(f"{option}: {excerpt(part)} is not ARM=N with a whole number N.") from None
        if not arm.strip():
            raise InputError(f"{option}: {excerpt(part)} has no arm before '='; expected ARM=N,...")
        if arm.strip() in out:
            raise InputError(f"{option}: arm {excerpt(arm.strip())} is given twice; expected each arm once.")
        out[arm.strip()] = check_range(f"{option} {arm.strip()}", n, low, MAX_PATIENTS, integer=True,
                                       unit="patients")
    if not out:
        raise InputError(f"{option}: no counts given; expected N or ARM=N,...")
    return out


def _check_curve(curve, where) -> None:
    """Times and survival of a digitized curve must be finite and of sensible size."""
    from survrepro._validation import MAX_PATIENTS, MAX_VALUE, check_range, excerpt
    import numpy as np
    for col in ("time", "survival"):
        values = curve[col].to_numpy(dtype=float)
        bad = np.flatnonzero(~(np.abs(values) <= MAX_VALUE))
        if bad.size:
            i = int(bad[0])
            raise InputError(
                f"{where}: row {curve.index[i]}, column {col!r} is {values[i]:g}; expected a finite number of "
                f"at most 10^9 in size."
            )


def _sizes(table, n):
    """Patients per arm (key None for a single curve) when known: from --n, or a risk table starting at 0."""
    if n is not None:
        return dict(n) if isinstance(n, dict) else {None: n}
    if table is None:
        return {}
    groups = [(None, table)] if "arm" not in table.columns else list(table.groupby("arm", sort=False))
    return {arm: int(g["n_at_risk"].iloc[0]) for arm, g in groups if float(g["time"].iloc[0]) == 0.0}


def _check_events(total_events, events_by_arm, sizes) -> None:
    """Events cannot exceed the patients they happen to."""
    from survrepro._validation import MAX_PATIENTS, MAX_VALUE, check_range, excerpt
    if total_events is not None:
        check_range("--total-events", total_events, 0, MAX_PATIENTS, integer=True, unit="events")
        if sizes and all(v is not None for v in sizes.values()):
            n = sum(sizes.values())
            if total_events > n:
                raise InputError(
                    f"--total-events {total_events} exceeds the {n} patients; expected at most one event per patient."
                )
    for arm, events in (events_by_arm or {}).items():
        n = sizes.get(arm)
        if n is not None and events > n:
            raise InputError(
                f"--events-by-arm: arm {excerpt(arm)} has {events} events but {n} patients; "
                f"expected at most one event per patient."
            )


def _check_table(table, where) -> None:
    from survrepro._validation import MAX_PATIENTS, MAX_VALUE, check_range, excerpt
    if table is not None and len(table) and int(table["n_at_risk"].max()) > MAX_PATIENTS:
        row = table.index[int(table["n_at_risk"].to_numpy().argmax())]
        raise InputError(
            f"{where}: row {row}, n_at_risk is {int(table['n_at_risk'].max())}; expected at most "
            f"{MAX_PATIENTS} patients."
        )


def run(args) -> int:
    import json

    from survrepro import io
    from survrepro.io import read_at_risk, read_digitized_curve
    from survrepro.sources.reconstruct import reconstruct

    if args.at_risk is None and args.n is None:
        raise InputError("--at-risk or --n is required: the numbers at risk or the number of patients.")
    io.check_outputs({"-o": args.output, "--fidelity": args.fidelity},
                     {"--curve": args.curve, "--at-risk": args.at_risk})
    n = _counts(args.n, "--n") if args.n else None
    events_by_arm = _counts(args.events_by_arm, "--events-by-arm", low=0) if args.events_by_arm else None
    if isinstance(events_by_arm, int):
        raise InputError("--events-by-arm: expected ARM=N,... (use --total-events for a single-arm curve).")
    curve_what = "digitized curve (time,survival[,arm] or a WebPlotDigitizer export)"
    with io.reading(io.check_input(args.curve, curve_what), curve_what):
        curve = read_digitized_curve(args.curve)
    _check_curve(curve, args.curve)
    table = None
    if args.at_risk:
        table_what = "numbers-at-risk table (time,n_at_risk[,arm])"
        with io.reading(io.check_input(args.at_risk, table_what), table_what):
            table = read_at_risk(args.at_risk)
        _check_table(table, args.at_risk)
    _check_events(args.total_events, events_by_arm, _sizes(table, n))
    res = reconstruct(
        curve,
        table,
        n=n,
        total_events=args.total_events,
        events_by_arm=events_by_arm,
        method=args.method,
        scale=args.scale,
        convert_cumulative=args.convert_cumulative,
        curve_source=str(args.curve),
        at_risk_source=str(args.at_risk) if args.at_risk else "--n",
    )
    ipd = res.to_frame()
    files = {args.output: lambda tmp: ipd.to_csv(tmp, index=False, lineterminator="\n")}
    if args.fidelity:
        files[args.fidelity] = json.dumps(res.fidelity(), indent=2, allow_nan=False) + "\n"
    io.write_set(files)  # both files or neither
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
