"""``survrepro extrapolate``: parametric survival models per arm, extrapolated beyond follow-up."""
from __future__ import annotations

import json
import math
from pathlib import Path

from survrepro.errors import InputError

DISTRIBUTIONS = ("exponential", "weibull", "gompertz", "lognormal", "loglogistic", "gengamma")

DESCRIPTION = """\
Fit the six parametric models of NICE DSU TSD 14 (exponential, Weibull, Gompertz,
log-normal, log-logistic, generalized gamma) to each arm of patient-level data, and
optionally Royston-Parmar spline models (TSD 21; --splines K, 1 to 3 internal knots on the
log cumulative hazard scale). Per arm and model: the parameters with standard errors as R's
survreg prints them ((Intercept), Log(scale)) or, where survreg has none, as flexsurv names
them (Gompertz shape/rate, generalized gamma mu/sigma/Q, splines gamma0...), the
log-likelihood (full, on the time scale of the file), AIC and BIC with their ranks, the
median, the mean restricted to --horizon and the unrestricted mean (NR: not finite), with
confidence limits, and survival and hazard at --times. A model that does not converge is
reported as not fitted with the reason. Times must be > 0. --plot draws the fitted curves
over the Kaplan-Meier curves with numbers at risk; --hazard-plot the fitted hazards. A file
whose name says "synthetic" is labelled SYNTHETIC in the output and the plots."""


def register(subparsers) -> None:
    p = subparsers.add_parser("extrapolate", help="parametric models per arm (TSD 14): AIC/BIC, means, extrapolation",
                              description=DESCRIPTION)
    p.add_argument("ipd", metavar="IPD.csv", help="patient-level data")
    p.add_argument("--time", default="time", metavar="COLUMN", help="column of the times (default: time)")
    p.add_argument("--event", default="event", metavar="COLUMN",
                   help="column of the event indicators, 1 event, 0 censored (default: event)")
    p.add_argument("--by", default=None, metavar="COLUMN", help="fit each arm of this column (default: all patients)")
    p.add_argument("--horizon", type=float, default=None, metavar="T",
                   help="time the restricted mean is taken to (default: 5 times the last observed time)")
    p.add_argument("--dists", default=",".join(DISTRIBUTIONS), metavar="D1,D2,...",
                   help=f"models (default: {','.join(DISTRIBUTIONS)})")
    p.add_argument("--splines", default="", metavar="K[,K...]", help="spline models with K internal knots (1-3)")
    p.add_argument("--times", default="", metavar="T1,T2,...", help="times for survival and hazard")
    p.add_argument("--ci", choices=("delta", "simulation"), default="delta",
                   help="confidence limits: delta method (default) or simulation from the estimates' normal distribution")
    p.add_argument("--seed", type=int, default=1, metavar="N", help="seed of --ci simulation (default: 1)")
    p.add_argument("--conf-level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--plot", default=None, metavar="FILE.png", help="draw the fitted curves over the KM curves")
    p.add_argument("--hazard-plot", default=None, metavar="FILE.png", help="draw the fitted hazards")
    p.add_argument("--title", default=None, help="title of the plots")
    p.add_argument("--xlabel", default="Time", help="label of the time axis of the plots (default: Time)")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object")
    p.set_defaults(func=run)


def _numbers(text: str, option: str, *, integer: bool = False) -> list:
    out = []
    for tok in filter(None, (s.strip() for s in text.split(","))):
        try:
            out.append(int(tok) if integer else float(tok))
        except ValueError:
            what = "whole numbers like 1,2" if integer else "numbers like 365,730"
            raise InputError(f"{option}: {tok!r} is not a number; expected {what}.") from None
    return out


def read_survival_columns(path, time: str, event: str, by: str | None):
    """The file's times, events and (optionally) arms, checked row by row."""
    import numpy as np

    from survrepro.io import read_csv

    for option, col in (("--time", time), ("--event", event), ("--by", by)):
        if col is not None and not col.strip():
            raise InputError(f"{option}: expected the name of a column; got an empty name.")
    df = read_csv(path, required=tuple(c for c in (time, event, by) if c),
                  what=f"patient-level data file ({time},{event}{',' + by if by else ''})")
    import pandas as pd

    t = pd.to_numeric(df[time], errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(t) | (t <= 0))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{path}: row {i + 1}, column {time!r} is {df[time].iloc[i]}; expected a time > 0 "
                         "(parametric models need positive times).")
    e = pd.to_numeric(df[event], errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isin(e, (0.0, 1.0)))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{path}: row {i + 1}, column {event!r} is {df[event].iloc[i]}; "
                         "expected 0 (censored) or 1 (event).")
    g = None
    if by:
        col = df[by]
        if col.isna().any():
            i = int(np.flatnonzero(col.isna().to_numpy())[0])
            raise InputError(f"{path}: row {i + 1}, column {by!r} is empty; expected a label.")
        g = col.to_numpy()
    return t, e.astype(int), g


def run(args) -> int:
    from survrepro.engine.extrapolate import extrapolate

    times = _numbers(args.times, "--times")
    splines = _numbers(args.splines, "--splines", integer=True)
    if args.horizon is not None and not (math.isfinite(args.horizon) and args.horizon > 0):
        raise InputError(f"--horizon: expected a time > 0; got {args.horizon:g}.")
    t, e, g = read_survival_columns(args.ipd, args.time, args.event, args.by)
    try:
        res = extrapolate(t, e, g, dists=args.dists, splines=splines or None, horizon=args.horizon,
                          times=times, conf_level=args.conf_level, ci=args.ci, seed=args.seed)
    except InputError as exc:
        text = str(exc)
        if text.startswith("dists:") or text.startswith("splines:"):
            raise InputError(f"--{text}") from None
        raise InputError(f"{args.ipd}: {text}") from None
    synthetic = "synthetic" in Path(args.ipd).name.lower()
    if args.plot or args.hazard_plot:
        from survrepro.io import save_figure
        from survrepro.report.plotting import SYNTHETIC_NOTE, plot_extrapolated_hazards, plot_extrapolation

        title = args.title
        if synthetic:
            title = f"{title} (SYNTHETIC data)" if title else "SYNTHETIC data"
        kw = dict(title=title, xlabel=args.xlabel, footnote=SYNTHETIC_NOTE if synthetic else None)
        if args.plot:
            save_figure(plot_extrapolation(res, **kw).figure, args.plot)
        if args.hazard_plot:
            save_figure(plot_extrapolated_hazards(res, **kw).figure, args.hazard_plot)
    if args.json:
        doc = {"data": args.ipd, "synthetic": synthetic, **res.to_dict()}
        print(json.dumps(doc, allow_nan=False))
    else:
        if synthetic:
            print(f"SYNTHETIC data ({args.ipd}): the file name says it is synthetic, not trial data.")
        print(res.to_text(), end="")
    return 0
