"""``survrepro design``: events, single-arm and two-stage designs, and simulated power."""
from __future__ import annotations

import json


from survrepro.errors import InputError, in_file

#: Most baskets of a simulated trial (each needs patients in both arms).
MAX_BASKETS = 1000
#: Allocation ratios accepted (experimental per control patient), as in survrepro.design.events.
ALLOCATION_RANGE = (0.01, 100.0)
from survrepro.options import DESIGN_METHODS

DESCRIPTION = """\
Trial design and power. Each subcommand takes its assumptions from options, or from a
design file (--design data/designs/<study>.toml) whose published numbers are read from
the study registers in data/published/; options given on the command line override the
file. The output is a readable table, or one JSON object with --json."""


def _floats(text: str, what: str) -> list[float]:
    out = []
    for tok in filter(None, (s.strip() for s in str(text).split(","))):
        try:
            out.append(float(tok))
        except ValueError:
            raise InputError(f"{what}: {tok!r} is not a number; expected numbers separated by commas.") from None
    if not out:
        raise InputError(f"{what}: no numbers given.")
    return out


def _sides(text: str) -> list[int]:
    allowed = {"1": [1], "2": [2], "both": [1, 2]}
    if str(text) not in allowed:
        raise InputError(f"--sides must be 1, 2 or both; got {text!r}.")
    return allowed[str(text)]


def _load_design(path, kind: str):
    """Read a design file and the registers it refers to; return (file dict, values)."""
    from survrepro import design as dz
    from survrepro.io import read_design
    if path is None:
        return None, {}
    doc, registers = read_design(path)
    found = (doc.get("design") or {}).get("kind")
    if found != kind:
        raise InputError(f"{path}: [design] kind is {found!r}; expected {kind!r} for `survrepro design {kind}`.")
    with in_file(path):
        values = dz.resolve_design(doc, registers)
    return doc, values


def _pick(args_value, values: dict, key: str, default=None):
    if args_value is not None:
        return args_value
    return values.get(key, default)


def _print(title: str, table: pd.DataFrame, notes: list[str], payload: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(payload, allow_nan=False, default=_jsonable))
        return
    print(title)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    for note in notes:
        print(f"note: {note}")


def _jsonable(x):
    if hasattr(x, "item"):
        return x.item()
    raise TypeError(f"cannot write {type(x).__name__} as JSON")


def _records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records"))


def _notes(doc) -> list[str]:
    if not doc:
        return []
    out = []
    for name, spec in doc.get("assumptions", {}).items():
        if isinstance(spec, dict) and spec.get("assumed"):
            out.append(f"{name}: {spec.get('note', 'assumed')}")
    return out


# --------------------------------------------------------------------------- events
def run_events(args) -> int:
    from survrepro._validation import check_range
    from survrepro import design as dz
    import pandas as pd
    doc, v = _load_design(args.design, "events")
    if args.hr is not None:
        hr = args.hr
    else:
        mc = _pick(args.median_control, v, "median_control")
        me = _pick(args.median_experimental, v, "median_experimental")
        if mc is None or me is None:
            raise InputError("give --hr, or --median-control and --median-experimental (or a --design file).")
        hr = dz.hazard_ratio_from_medians(mc, me)
    power = _pick(args.power, v, "power", 0.8)
    alpha = _pick(args.alpha, v, "alpha", 0.05)
    sides = _sides(args.sides) if args.sides is not None else list(v.get("sides", [2])) if isinstance(
        v.get("sides", [2]), list) else [int(v["sides"])]
    allocation = check_range("--allocation", _pick(args.allocation, v, "allocation", 1.0), *ALLOCATION_RANGE)
    method = _pick(args.method, v, "method", "schoenfeld")
    accrual = _pick(args.accrual, v, "accrual")
    follow_up = _pick(args.follow_up, v, "follow_up")
    dropout = _pick(args.dropout, v, "dropout", 0.0)
    median_control = _pick(args.median_control, v, "median_control")
    rows = []
    for s in sides:
        if args.events is not None:
            r = dz.power_for_events(hr, args.events, alpha=alpha, sides=s, allocation=allocation, method=method)
            rows.append(r.to_dict())
        elif accrual is not None and follow_up is not None and median_control is not None:
            r = dz.required_patients(hr, median_control=median_control, accrual=accrual, follow_up=follow_up,
                                     power=power, alpha=alpha, sides=s, allocation=allocation, method=method,
                                     dropout=dropout)
            rows.append(r.to_dict())
        else:
            rows.append(dz.required_events(hr, power=power, alpha=alpha, sides=s, allocation=allocation,
                                           method=method).to_dict())
    table = pd.DataFrame(rows)
    title = (f"Log-rank design ({method}): power for {args.events:g} events" if args.events is not None
             else f"Log-rank design ({method}): events needed")
    notes = _notes(doc)
    if args.events is None and "events_exact" in table:
        notes.append("events is events_exact rounded up.")
    _print(title, table, notes, {"command": "design events", "design_file": str(args.design) if args.design else None,
                                 "results": _records(table), "notes": notes}, args.json)
    return 0


# --------------------------------------------------------------------------- binomial
def run_binomial(args) -> int:
    from survrepro._validation import check_range
    from survrepro import design as dz
    import pandas as pd
    doc, v = _load_design(args.design, "binomial")
    n = _pick(args.n, v, "n")
    p0 = _pick(args.p0, v, "p0")
    p1 = _pick(args.p1, v, "p1")
    alpha = _pick(args.alpha, v, "alpha", 0.05)
    power = _pick(args.power, v, "power")
    if p0 is None or p1 is None:
        raise InputError("give --p0 and --p1 (or a --design file).")
    rows, payload = [], {"command": "design binomial", "design_file": str(args.design) if args.design else None}
    if n is not None:
        d = dz.binomial_design(n, p0, p1, alpha=alpha)
        rows.append({"which": "given n", **d.to_dict()})
    if power is not None:
        check_range("--n-max", args.n_max, 1, dz.binomial.MAX_BINOMIAL_N, integer=True, unit="patients")
        s = dz.binomial_sample_size(p0, p1, alpha=alpha, power=power, n_max=args.n_max)
        for row in s.to_frame().to_dict("records"):
            rows.append({k: row[k] for k in ("which", "n", "p0", "p1", "alpha", "threshold", "type_i_error", "power")})
        payload["target_power"] = power
    if not rows:
        raise InputError("give --n for the power of a design, or --power for the smallest n (or both).")
    table = pd.DataFrame(rows)
    notes = _notes(doc) + ["positive when at least `threshold` of n succeed (one-sided exact binomial test)."]
    if power is not None:
        notes.append("'smallest' is the first n reaching the power; exact power is saw-toothed in n, "
                     f"'stable' is the first n from which every n up to {args.n_max} reaches it.")
    payload.update(results=_records(table), notes=notes)
    _print("Single-arm exact binomial design", table, notes, payload, args.json)
    return 0


# --------------------------------------------------------------------------- simon
def run_simon(args) -> int:
    from survrepro._validation import check_range
    from survrepro import design as dz
    import pandas as pd
    doc, v = _load_design(args.design, "binomial") if args.design else (None, {})
    p0 = _pick(args.p0, v, "p0")
    p1 = _pick(args.p1, v, "p1")
    if p0 is None or p1 is None:
        raise InputError("give --p0 and --p1 (or a --design file).")
    alpha = _pick(args.alpha, v, "alpha", 0.05)
    power = _pick(args.power, v, "power", 0.8)
    if args.n_max is not None:
        check_range("--n-max", args.n_max, 2, dz.binomial.MAX_SIMON_N, integer=True,
                    unit="patients (the search time grows with the cube of n)")
    res = dz.simon_two_stage(p0, p1, alpha=alpha, power=power, n_max=args.n_max)
    table = pd.concat([d.to_frame() for d in res.values()], ignore_index=True)
    notes = _notes(doc) + ["stop after n1 patients if at most r1 respond; positive if more than r of n respond "
                           "(Simon 1989)."]
    _print("Simon two-stage designs", table, notes,
           {"command": "design simon", "results": _records(table), "notes": notes}, args.json)
    return 0


# --------------------------------------------------------------------------- simulate
def run_simulate(args) -> int:
    from survrepro._validation import HR_RANGE, MAX_TRIALS, check_patients, check_range, check_seed
    from survrepro.design import simulate as sim
    doc, v = _load_design(args.design, "simulate")
    n = _pick(args.n, v, "n")
    names = v.get("baskets")
    if args.baskets is not None:
        baskets = check_range("--baskets", args.baskets, 1, MAX_BASKETS, integer=True, unit="baskets")
        names = [f"basket {i + 1}" for i in range(baskets)]
    names = names or ["all patients"]
    hrs = _floats(args.hr, "--hr") if args.hr is not None else list(v.get("hazard_ratios", []))
    for hr in hrs:
        check_range("--hr", hr, *HR_RANGE)
    median_control = _pick(args.median_control, v, "median_control")
    accrual = _pick(args.accrual, v, "accrual")
    follow_up = _pick(args.follow_up, v, "follow_up")
    missing = [o for o, x in (("--n", n), ("--hr", hrs or None), ("--median-control", median_control),
                              ("--accrual", accrual), ("--follow-up", follow_up)) if x is None]
    if missing:
        raise InputError(f"missing {', '.join(missing)}; give them as options or in a --design file.")
    dropout = _pick(args.dropout, v, "dropout", 0.0)
    alpha = _pick(args.alpha, v, "alpha", 0.05)
    sides = int(_pick(args.sides, v, "sides", 2))
    allocation = _pick(args.allocation, v, "allocation", 1.0)
    n = check_patients("--n", n)
    n_trials = check_range("--trials", _pick(args.trials, v, "n_trials", 1000), 1, MAX_TRIALS, integer=True,
                           unit="trials")
    seed = check_seed("--seed", _pick(args.seed, v, "seed", 0))
    allocation = check_range("--allocation", allocation, *ALLOCATION_RANGE)
    pfs_control = sim.exponential(median=median_control)
    notes = _notes(doc)
    if args.endpoint == "os":
        post = sim.exponential(median=_pick(args.post_progression_median, v, "post_progression_median", 12.0))
        crossover = _pick(args.crossover, v, "crossover", 0.0)
        crossover_hr = _pick(args.crossover_hr, v, "crossover_hr", 1.0)
        control = sim.progression_then_death(pfs_control, post, crossover=crossover, crossover_hr=crossover_hr)

        def make(hr):
            exp = sim.progression_then_death(pfs_control.with_hazard_ratio(hr), post)
            return sim.equal_baskets(names, n, control, exp, allocation=allocation)
        notes.append("OS: hazard_ratio is the PFS hazard ratio; OS adds post-progression survival, with crossover "
                     f"of {crossover:g} of control patients at progression (post-progression hazard x {crossover_hr:g}).")
    else:
        def make(hr):
            return sim.equal_baskets(names, n, pfs_control, pfs_control.with_hazard_ratio(hr), allocation=allocation)
        notes.append("PFS: crossover at progression does not apply (the PFS event comes first).")
    table = sim.power_curve(make, hrs, seed=seed, accrual=accrual, follow_up=follow_up, dropout=dropout,
                            alpha=alpha, sides=sides, n_trials=n_trials, batch_size=args.batch_size,
                            workers=args.workers, pooled_unstratified=len(names) > 1)
    notes.append(f"{n_trials} simulated trials per hazard ratio, seed {seed}; mc_se is the Monte Carlo standard error; "
                 "rows with hazard_ratio 1 estimate the type I error.")
    cols = ["hazard_ratio", "analysis", "power", "mc_se", "mean_events"]
    _print(f"Simulated log-rank power ({args.endpoint.upper()}, {sides}-sided alpha {alpha:g})",
           table[cols], notes,
           {"command": "design simulate", "design_file": str(args.design) if args.design else None,
            "endpoint": args.endpoint, "results": _records(table), "notes": notes}, args.json)
    return 0


# --------------------------------------------------------------------------- parser
def _positive_int(text):
    try:
        v = int(text)
    except ValueError:
        v = 0
    if v <= 0 or str(v) != str(text).strip():
        raise InputError(f"expected a positive whole number; got {text!r}.")
    return v


def register(subparsers) -> None:
    p = subparsers.add_parser("design", help="trial design and power (events, binomial, Simon, simulation)",
                              description=DESCRIPTION)
    sub = p.add_subparsers(dest="design_command", metavar="KIND", parser_class=type(p))
    sub.required = True

    def common(q, design_help):
        q.add_argument("--design", default=None, metavar="FILE.toml", help=design_help)
        q.add_argument("--alpha", type=float, default=None, help="type I error (default 0.05)")
        q.add_argument("--json", action="store_true", help="print exactly one JSON object")

    e = sub.add_parser("events", help="events and patients for a hazard ratio (Schoenfeld / Freedman)",
                       description="Events a log-rank test needs for a hazard ratio, or power for given events; "
                                   "patients too when accrual, follow-up and the control median are known.")
    common(e, "design file of kind 'events' (e.g. data/designs/extend_breast.toml)")
    e.add_argument("--hr", type=float, default=None, help="hazard ratio experimental / control")
    e.add_argument("--median-control", type=float, default=None, help="control median (exponential)")
    e.add_argument("--median-experimental", type=float, default=None, help="experimental median (exponential)")
    e.add_argument("--power", type=float, default=None, help="target power (default 0.8)")
    e.add_argument("--sides", default=None, help="1, 2 or both (default 2)")
    e.add_argument("--allocation", type=float, default=None, help="experimental per control patient (default 1; from 0.01 to 100)")
    e.add_argument("--method", choices=DESIGN_METHODS, default=None, help="default schoenfeld")
    e.add_argument("--events", type=float, default=None, help="power for this number of events instead")
    e.add_argument("--accrual", type=float, default=None, help="accrual duration (unit of the medians)")
    e.add_argument("--follow-up", type=float, default=None, help="minimum follow-up after the last entry")
    e.add_argument("--dropout", type=float, default=None, help="exponential dropout hazard (default 0)")
    e.set_defaults(func=run_events)

    b = sub.add_parser("binomial", help="exact single-arm design: threshold, power, smallest n",
                       description="Exact one-sided binomial design for a landmark rate.")
    common(b, "design file of kind 'binomial' (e.g. data/designs/boss.toml)")
    b.add_argument("--n", type=_positive_int, default=None, help="patients")
    b.add_argument("--p0", type=float, default=None, help="null rate")
    b.add_argument("--p1", type=float, default=None, help="alternative rate")
    b.add_argument("--power", type=float, default=None, help="target power: also search the smallest n")
    b.add_argument("--n-max", type=_positive_int, default=1000, help="largest n searched (default 1000, at most 100000)")
    b.set_defaults(func=run_binomial)

    s = sub.add_parser("simon", help="Simon optimal and minimax two-stage designs",
                       description="Simon (1989) optimal and minimax two-stage designs by exhaustive search.")
    common(s, "design file of kind 'binomial' (rates, alpha, power)")
    s.add_argument("--p0", type=float, default=None, help="null response rate")
    s.add_argument("--p1", type=float, default=None, help="alternative response rate")
    s.add_argument("--power", type=float, default=None, help="target power (default 0.8)")
    s.add_argument("--n-max", type=_positive_int, default=None, help="largest total n searched (at most 150: the search time grows with the cube of n)")
    s.set_defaults(func=run_simon)

    m = sub.add_parser("simulate", help="simulated log-rank power, per basket and pooled",
                       description="Simulate two-arm trials (exponential PFS, uniform accrual, administrative "
                                   "censoring, dropout) and estimate log-rank power by hazard ratio.")
    common(m, "design file of kind 'simulate' (e.g. data/designs/extend_op.toml)")
    m.add_argument("--endpoint", choices=("pfs", "os"), default="pfs", help="default pfs")
    m.add_argument("--n", type=_positive_int, default=None, help="patients in the trial (at most 1000000)")
    m.add_argument("--baskets", type=_positive_int, default=None, help="number of equal baskets (at most 1000)")
    m.add_argument("--hr", default=None, metavar="HR1,HR2,...", help="true hazard ratios")
    m.add_argument("--median-control", type=float, default=None, help="control median PFS")
    m.add_argument("--accrual", type=float, default=None, help="accrual duration")
    m.add_argument("--follow-up", type=float, default=None, help="follow-up after the last entry")
    m.add_argument("--dropout", type=float, default=None, help="exponential dropout hazard")
    m.add_argument("--sides", type=int, choices=(1, 2), default=None, help="default 2")
    m.add_argument("--allocation", type=float, default=None, help="experimental per control patient")
    m.add_argument("--crossover", type=float, default=None, help="OS: control fraction crossing over")
    m.add_argument("--crossover-hr", type=float, default=None, help="OS: post-progression hazard ratio after crossover")
    m.add_argument("--post-progression-median", type=float, default=None, help="OS: median after progression")
    m.add_argument("--trials", type=_positive_int, default=None, help="trials per hazard ratio (default 1000, at most 1000000)")
    m.add_argument("--seed", type=int, default=None, help="seed (default 0)")
    m.add_argument("--batch-size", type=_positive_int, default=1000, help="trials per batch (default 1000)")
    m.add_argument("--workers", type=_positive_int, default=1, help="processes (default 1)")
    m.set_defaults(func=run_simulate)
