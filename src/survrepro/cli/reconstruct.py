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
absolute error at the digitized points, the largest distance between the step curves,
medians, survival at the table times, numbers at risk and events against the published
ones, hazard ratio and log-rank test between arms, cleaning actions and assumptions);
--plot draws the fit; --draws K gives intervals across K reconstructions from clicks
perturbed by the digitizing noise, each with its censorings drawn again within the risk-table
intervals (seeded by --seed). Methods: the model of Guyot et al., BMC Med Res Methodol
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
    p.add_argument("--n", default=None, metavar="N|ARM=N,...", help="number of patients (required without --at-risk; at most 1000000 per arm)")
    p.add_argument("--scale", choices=SCALES, default="auto", help="survival as fraction or percent (default: auto)")
    p.add_argument("--convert-cumulative", action="store_true",
                   help="the curve is a cumulative incidence F(t): use 1 - F")
    p.add_argument("--method", choices=METHODS, default="auto",
                   help="reconstruction method (default: auto = dp for arms of at most 150 patients, exact above)")
    p.add_argument("-o", "--output", required=True, metavar="IPD.csv", help="where to write the patients")
    p.add_argument("--fidelity", default=None, metavar="FIDELITY.json", help="where to write the fidelity report")
    p.add_argument("--plot", default=None, metavar="FILE.png",
                   help="draw the clicks over the reconstructed curves, numbers at risk and residuals")
    p.add_argument("--draws", type=int, default=0, metavar="K",
                   help="K reconstructions from clicks perturbed by the digitizing noise, their censorings drawn "
                        "again within the risk-table intervals: intervals for the hazard ratio, medians and "
                        "survival at the table times (default: 0, none)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the draws (default: 0)")
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

    if args.draws < 0:
        raise InputError(f"--draws: expected a whole number >= 0; got {args.draws}.")
    if args.seed < 0:
        raise InputError(f"--seed: expected a whole number >= 0; got {args.seed}.")
    if args.at_risk is None and args.n is None:
        raise InputError("--at-risk or --n is required: the numbers at risk or the number of patients.")
    table_cols = {"time_col": args.at_risk_time_col, "n_col": args.at_risk_n_col, "arm_col": args.at_risk_arm_col}
    if args.at_risk is None and any(table_cols.values()):
        flag = next(f"--at-risk-{k[:-4]}-col" for k, v in table_cols.items() if v)
        raise InputError(f"{flag} names a column of the risk table, but no --at-risk table was given.")
    io.check_outputs({"-o": args.output, "--fidelity": args.fidelity, "--plot": args.plot},
                     {"--curve": args.curve, "--at-risk": args.at_risk})
    n = _counts(args.n, "--n") if args.n else None
    events_by_arm = _counts(args.events_by_arm, "--events-by-arm", low=0) if args.events_by_arm else None
    if isinstance(events_by_arm, int):
        raise InputError("--events-by-arm: expected ARM=N,... (use --total-events for a single-arm curve).")
    curve_what = "digitized curve (time,survival[,arm] or a WebPlotDigitizer export)"
    with io.reading(io.check_input(args.curve, curve_what), curve_what):
        curve = read_digitized_curve(args.curve, time_col=args.time_col, survival_col=args.survival_col,
                                     arm_col=args.arm_col)
    _check_curve(curve, args.curve)
    table = None
    if args.at_risk:
        table_what = "numbers-at-risk table (time,n_at_risk[,arm])"
        with io.reading(io.check_input(args.at_risk, table_what), table_what):
            table = read_at_risk(args.at_risk, **table_cols)
        _check_table(table, args.at_risk)
    for name, frame in ((args.curve, curve), (args.at_risk, table)):
        if frame is not None and frame.attrs.get("layout"):
            print(f"{name}: {frame.attrs['layout']}")
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
        draws=args.draws,
        seed=args.seed,
    )
    ipd = res.to_frame()
    fidelity = res.fidelity()
    files = {args.output: lambda tmp: ipd.to_csv(tmp, index=False, lineterminator="\n")}
    if args.fidelity:
        files[args.fidelity] = json.dumps(fidelity, indent=2, allow_nan=False) + "\n"
    if args.plot:
        from survrepro.report.plotting import plot_reconstruction

        files[args.plot] = io.figure_bytes(plot_reconstruction(res).figure, args.plot)
    io.write_set(files)  # every file or none
    for line in _summary_lines(fidelity):
        print(line)
    written = [str(x) for x in (args.output, args.fidelity, args.plot) if x]
    print("wrote " + " and ".join(written))
    return 0


def _num(x, fmt: str = "{:.4g}") -> str:
    return "not reached" if x is None else fmt.format(x)


def _summary_lines(fidelity: dict) -> list[str]:
    """The printed summary of a fidelity report: one block per arm, then the comparison
    and the intervals across the draws."""
    lines = []
    draws = fidelity.get("draws")
    med_iv = {d["arm"]: d for d in draws["medians"]} if draws else {}
    for f in fidelity["arms"]:
        name = f"arm {f['arm']}" if f["arm"] is not None else "curve"
        pub = "" if f["events_published"] is None else f" (published {f['events_published']})"
        if f["at_risk_max_abs_difference"] is None:
            table = "no risk table: only n constrained"
        else:
            table = f"numbers at risk off by at most {f['at_risk_max_abs_difference']}"
        lines.append(
            f"{name}: {f['n_patients']} patients, {f['events_reconstructed']} events{pub}; "
            f"RMSE {f['rmse']:.4f}, mean |error| {f['mean_abs_error']:.4f}, max |error| {f['max_abs_error']:.4f}, "
            f"max distance between the step curves {f['ks_distance']:.4f}; {table}"
        )
        m = f["median"]
        med = f"  median: digitized {_num(m['digitized'])}, reconstructed {_num(m['reconstructed'])}"
        if f["arm"] in med_iv:
            iv = med_iv[f["arm"]]
            med += f" (draws {_iv(iv)})"
        lines.append(med)
        surv = ", ".join(
            f"{r['time']:g}: {r['reconstructed']:.3f} ({r['digitized']:.3f})" for r in f["survival_at_table"]
        )
        lines.append(f"  survival at the table times, reconstructed (digitized): {surv}")
        if f["at_risk_max_abs_difference"] is not None:
            tab = ", ".join(f"{r['time']:g}: {r['published']}/{r['reconstructed']}" for r in f["at_risk"])
            lines.append(f"  at risk, published/reconstructed: {tab}")
        for line in f["cleaning"]:
            lines.append(f"  cleaned: {line}")
        for line in f["notes"]:
            lines.append(f"  note: {line}")
    comp = fidelity.get("comparison") or {}
    hr_iv = {d["arm"]: d for d in draws["hazard_ratios"]} if draws else {}
    for h in comp.get("hazard_ratios", []):
        if h["hr"] is None:
            lines.append(f"HR {h['arm']} vs {h['reference']}: not computed ({h.get('note', '')})")
            continue
        text = (f"HR {h['arm']} vs {h['reference']} (Cox, Efron ties): {h['hr']:.3f} "
                f"(95% CI {h['ci_low']:.3f} to {h['ci_high']:.3f}, Wald p {h['wald_p']:.3g})")
        if h["arm"] in hr_iv:
            text += f"; across draws {_iv(hr_iv[h['arm']], '{:.3f}')}"
        lines.append(text)
    if comp.get("logrank_p") is not None:
        lines.append(f"log-rank p {comp['logrank_p']:.3g}")
    for note in comp.get("notes", []):
        lines.append(f"note: {note}")
    if draws:
        lines.append(
            f"draws: {draws['completed']} of {draws['k']} (seed {draws['seed']}), "
            f"{draws['level']:.0%} percentile intervals; {draws['varied']}."
        )
        for lab in dict.fromkeys(r["arm"] for r in draws["survival_at_table"]):
            rows = [r for r in draws["survival_at_table"] if r["arm"] == lab]
            name = f"arm {lab}" if lab is not None else "curve"
            lines.append(f"  {name} survival at the table times: " + ", ".join(
                f"{r['time']:g}: {r['estimate']:.3f} [{_iv(r, '{:.3f}')}]" for r in rows))
    return lines


def _iv(entry: dict, fmt: str = "{:.4g}") -> str:
    return f"{_num(entry['low'], fmt)} to {_num(entry['high'], fmt)}"
