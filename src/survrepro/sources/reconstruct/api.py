"""The entry points :func:`reconstruct_arm` and :func:`reconstruct`: clean, solve, measure.

Each arm's curve is cleaned (:mod:`.clean`), its risk table checked (:mod:`.table`),
the chosen method run (:mod:`.dp`, :mod:`.exact` or :mod:`.guyot`) and the fidelity of
the result measured (:mod:`.fidelity`). ``method="auto"`` uses ``dp`` for arms of at
most :data:`DP_AUTO_MAX_N` patients and ``exact`` above.

References
----------
Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival
data: reconstructing the data from published Kaplan-Meier survival curves.
BMC Medical Research Methodology 2012;12:9. doi:10.1186/1471-2288-12-9.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from survrepro._validation import InputError, check_choice
from survrepro.engine.groups import natural_order
from survrepro.engine.km import km_survival_at
from survrepro.options import CURVE_SCALES as SCALES
from survrepro.options import RECONSTRUCT_METHODS as METHODS
from survrepro.sources.reconstruct import dp
from survrepro.sources.reconstruct.clean import SURVIVAL_TOLERANCE, TIME_TOLERANCE, CleanCurve, clean_curve
from survrepro.sources.reconstruct.draws import DRAWS_LEVEL, shared_time_noise, summarise_draws, vary_censoring
from survrepro.sources.reconstruct.exact import reconstruct_exact
from survrepro.sources.reconstruct.fidelity import ArmReconstruction, Reconstruction, compare_arms, measure
from survrepro.sources.reconstruct.guyot import reconstruct_guyot
from survrepro.sources.reconstruct.median import MEDIAN_TOLERANCE, digitized_median, hold_median
from survrepro.sources.reconstruct.table import check_table

__all__ = ["reconstruct_arm", "reconstruct", "DP_AUTO_MAX_N", "METHODS", "SCALES"]

#: ``auto`` reconstructs arms of at most this many patients with ``dp``, larger ones with ``exact``.
DP_AUTO_MAX_N = 150
#: A curve that ends at 0 from a level at most this (or 5 survival-noise sd, whichever is
#: larger) while the risk table still has patients at risk reached 0 by digitizing noise.
ZERO_BY_NOISE = SURVIVAL_TOLERANCE


def reconstruct_arm(
    time,
    survival,
    at_risk_time=None,
    at_risk=None,
    *,
    n: int | None = None,
    total_events: int | None = None,
    method: str = "auto",
    scale: str = "auto",
    convert_cumulative: bool = False,
    label: str | None = None,
    rows=None,
    where: str = "curve",
    table_where: str = "risk table",
) -> ArmReconstruction:
    """Reconstruct the patients of one arm from its digitized curve.

    Parameters
    ----------
    time, survival : array_like
        Digitized clicks (cleaned by :func:`clean_curve`).
    at_risk_time, at_risk : array_like, optional
        Published numbers at risk and their times (the first at time 0, unless ``n``
        is given). Without them ``n`` is required.
    n : int, optional
        Number of patients; the first number at risk when a table is given.
    total_events : int, optional
        Published number of events of the arm; sets the censoring after the last
        table time.
    method : {"auto", "dp", "exact", "guyot"}
        ``"dp"``: integer events and censorings by dynamic programming over the drops
        (numbers at risk inferred from the drops' depths; see
        :mod:`survrepro.sources.reconstruct.dp`); ``"exact"``: closed-form solution per
        interval; ``"auto"`` (the default): ``"dp"`` for arms of at most
        :data:`DP_AUTO_MAX_N` patients, ``"exact"`` above (the choice that wins the
        accuracy benchmark at the cost of the dp's time on large arms); ``"guyot"``: the
        published algorithm of Guyot et al. (2012). The method used is stored on the
        result.
    scale, convert_cumulative, rows, where :
        Passed to :func:`clean_curve`.
    label : str, optional
        Arm name.
    table_where : str
        Name of the risk-table source used in messages.

    Returns
    -------
    ArmReconstruction
        Exactly ``n`` patients (the first number at risk).

    References
    ----------
    Guyot P, Ades AE, Ouwens MJNM, Welton NJ. BMC Med Res Methodol 2012;12:9.

    Examples
    --------
    >>> t = [0, 2, 2, 5, 5, 8]
    >>> s = [1, 1, 0.9, 0.9, 0.7, 0.7]
    >>> arm = reconstruct_arm(t, s, [0, 4], [10, 9])
    >>> arm.n, arm.events, arm.at_risk_reconstructed.tolist()
    (10, 3, [10, 9])
    """
    check_choice("method", method, METHODS)
    curve = clean_curve(
        time, survival, scale=scale, convert_cumulative=convert_cumulative, rows=rows, where=where, label=label
    )
    return _reconstruct_clean(
        curve, at_risk_time, at_risk, n=n, total_events=total_events, method=method, table_where=table_where
    )


def _reconstruct_clean(curve, at_risk_time, at_risk, *, n, total_events, method, table_where):
    """Reconstruct one arm from its cleaned curve: check the table, run the method, hold the
    median at the digitized crossing, measure."""
    given = at_risk is not None and len(np.atleast_1d(at_risk)) > 0
    if not given and n is None:
        raise InputError(f"{table_where}: no numbers at risk given; expected a risk table or the number of patients n.")
    if n is not None and (int(n) != n or n < 1):
        raise InputError(f"n must be a whole number >= 1; got {n!r}.")
    a, c = check_table(
        at_risk_time if given else [], at_risk if given else [], table_where, None if n is None else int(n)
    )
    if total_events is not None and (int(total_events) != total_events or total_events < 0):
        raise InputError(f"total events must be a whole number >= 0; got {total_events!r}.")
    n_actions = len(curve.actions)
    curve = _extend_to_table(curve, a, c, table_where)
    used, (times, events, notes) = _run_method(method, curve, a, c, total_events)
    notes = [x for x in curve.actions[n_actions:] if "taken as noise" in x] + list(notes)
    if not given:
        notes.insert(0, (
            f"no risk table: only the number of patients (n = {int(c[0])}) constrains the reconstruction; "
            f"the censoring pattern is the method's assumption and no numbers at risk are checked."
        ))
    order = np.lexsort((1 - events, times))
    times, events = times[order], events[order]
    if total_events is not None:
        _note_forced_events(curve, a, c, used, times, events, int(total_events), notes)
    target = digitized_median(curve.time, curve.survival, TIME_TOLERANCE * float(curve.time[-1]))
    tolerance = MEDIAN_TOLERANCE * curve.time_resolution
    times, events, med = hold_median(times, events, target, a, tolerance, notes, clicks=(curve.time, curve.survival),
                                     noise=curve.survival_resolution)
    return measure(curve, times, events, a, c, total_events=total_events, method=used, notes=notes,
                   at_risk_given=given, medians=(target, med, tolerance), ordered=True)


def _note_forced_events(curve, a, c, used, times, events, total: int, notes: list) -> None:
    """Note a published total of events that the curve does not imply: how many events
    differ from the method's count without the total, and where the reconstruction then
    departs from the clicks by more than the digitizing noise."""
    free_t, free_e, _ = _run_method(used, curve, a, c, None)[1]
    implied = int(free_e.sum())
    made = int(events.sum())
    extra = made - implied
    if extra == 0:
        return
    order = np.lexsort((1 - free_e, free_t))
    err_free = km_survival_at(free_t[order], free_e[order], curve.time) - curve.survival
    err = km_survival_at(times, events, curve.time) - curve.survival
    noise = curve.survival_resolution
    off = (np.abs(err) > np.abs(err_free) + 2 * noise) & (np.abs(err) > 3 * noise)
    more = "more" if extra > 0 else "fewer"
    side = "below" if extra > 0 else "above"
    head = (
        f"the published total of {total} events gives {abs(extra)} event(s) {more} than the curve implies "
        f"({implied} with the same method and no total)"
    )
    if off.any():
        where = curve.time[off]
        notes.append(
            f"{head}: they were placed against the curve between times {where.min():g} and {where.max():g}, "
            f"where the reconstruction lies up to {np.abs(err[off]).max():.3f} {side} the digitized clicks."
        )
    else:
        notes.append(f"{head}: the reconstruction absorbs the difference within the digitizing noise.")


def _extend_to_table(curve: CleanCurve, a, c, table_where: str) -> CleanCurve:
    """The curve taken as flat to the last table time with patients at risk when the table
    goes beyond it. A curve that ended at 0 from a level within the noise of 0
    (:data:`ZERO_BY_NOISE`) reached 0 by noise: the point at 0 is dropped, with a note;
    from a higher level it is refused."""
    t, s = curve.time, curve.survival
    positive = a[c > 0]
    if not (positive.size and positive[-1] > t[-1]):
        return curve
    if s[-1] <= 0:
        level = float(s[-2]) if s.size > 1 else 1.0
        if s.size > 2 and level <= max(ZERO_BY_NOISE, 5 * curve.survival_resolution):
            curve = curve.without_last_point(
                f"the curve reaches 0 at time {t[-1]:g} from {level:.3g}, within the digitizing noise of 0, "
                f"while {int(c[c > 0][-1])} are at risk at time {positive[-1]:g} ({table_where}); the drop "
                f"to 0 was taken as noise and the curve kept at {level:.3g}."
            )
            t = curve.time
        else:
            raise InputError(
                f"{table_where}: {int(c[c > 0][-1])} at risk at time {positive[-1]:g}, after the curve "
                f"reached 0 at time {t[-1]:g}; expected no one at risk then."
            )
    return curve.extended_flat_to(
        positive[-1],
        f"the risk table goes to time {positive[-1]:g}, beyond the last digitized point "
        f"({t[-1]:g}); the curve is taken as flat to {positive[-1]:g} (no deaths there).",
    )


def _run_method(method: str, curve: CleanCurve, a, c, total_events):
    """Run ``method`` on the cleaned curve; returns the method used and (times, events, notes).

    ``auto`` is ``dp`` up to :data:`DP_AUTO_MAX_N` patients, ``exact`` above; an arm too
    large for the dp table is handed to ``exact`` with a note.
    """
    t, s = curve.time, curve.survival
    # table rows after the curve's end with no one at risk add nothing
    tol_t = TIME_TOLERANCE * float(t[-1])
    used = method
    if method == "auto":
        used = "dp" if c[0] <= DP_AUTO_MAX_N else "exact"
    if used == "dp":
        out = dp.reconstruct_dp(t, s, a, c, total_events, tol_t)
        if out is not None:
            return used, out
        used = "exact"
        times, events, notes = reconstruct_exact(t, s, a, c, total_events, tol_t)
        if method == "dp":
            notes = [
                f"{int(c[0])} patients and {t.size} points are beyond the size of the dp method; "
                f"the exact method was used."
            ] + notes
        return used, (times, events, notes)
    if used == "exact":
        return used, reconstruct_exact(t, s, a, c, total_events, tol_t)
    return used, reconstruct_guyot(t, s, a, c, total_events)


def reconstruct(
    curve: pd.DataFrame,
    at_risk: pd.DataFrame | None = None,
    *,
    n=None,
    total_events: int | None = None,
    events_by_arm: dict | None = None,
    method: str = "auto",
    scale: str = "auto",
    convert_cumulative: bool = False,
    curve_source: str = "curve",
    at_risk_source: str = "risk table",
    draws: int = 0,
    seed: int = 0,
) -> Reconstruction:
    """Reconstruct patients of every arm of a digitized figure.

    Parameters
    ----------
    curve : DataFrame
        Columns ``time``, ``survival`` and optionally ``arm``. When its index is named
        ``"row"`` (as from :func:`survrepro.io.read_digitized_curve`) messages cite it.
    at_risk : DataFrame, optional
        Columns ``time``, ``n_at_risk`` and ``arm`` when ``curve`` has arms.
    n : int or dict, optional
        Number of patients (per arm as ``{arm: n}``); required without ``at_risk``.
    total_events : int, optional
        Events of a single-arm curve.
    events_by_arm : dict, optional
        Events per arm, ``{arm: events}``.
    method, scale, convert_cumulative :
        See :func:`reconstruct_arm`.
    curve_source, at_risk_source : str
        Names of the inputs used in messages (file names).
    draws : int
        Number of further reconstructions, each from the clicks perturbed by the
        digitizing noise estimated from them, with the censorings of every risk-table
        interval drawn again and kept when the curve stays within the noise of the clicks
        (see :mod:`survrepro.sources.reconstruct.draws`), giving percentile intervals for
        the hazard ratios, the medians and the survival at the table times (0: none).
    seed : int
        Seed of the perturbations and censoring draws (the same seed gives the same draws).

    Returns
    -------
    Reconstruction
        With the hazard ratio and log-rank test between the arms (each arm against the
        first) and, when ``draws`` is given, the intervals across the draws.

    References
    ----------
    Guyot P, Ades AE, Ouwens MJNM, Welton NJ. BMC Med Res Methodol 2012;12:9.

    Examples
    --------
    >>> curve = pd.DataFrame({"time": [0, 2, 2, 5, 5, 8], "survival": [1, 1, 0.9, 0.9, 0.7, 0.7]})
    >>> reconstruct(curve, n=10).arms[None].n
    10
    """
    check_choice("method", method, METHODS)
    check_choice("scale", scale, SCALES)
    has_arm = "arm" in curve.columns
    rows_all = curve.index.to_numpy() if curve.index.name == "row" else np.arange(1, len(curve) + 1)
    labels = natural_order(curve["arm"].astype(str).unique()) if has_arm else [None]
    if total_events is not None and events_by_arm is not None:
        raise InputError("give either the total events or the events by arm, not both.")
    if total_events is not None and has_arm and len(labels) > 1:
        raise InputError(
            f"{curve_source}: total events apply to a single-arm curve but the curve has arms "
            f"{', '.join(labels)}; give the events by arm instead."
        )
    if at_risk is not None:
        _check_table_arms(at_risk, has_arm, labels, curve_source, at_risk_source)
    if int(draws) != draws or draws < 0:
        raise InputError(f"draws must be a whole number >= 0; got {draws!r}.")
    if int(seed) != seed or seed < 0:
        raise InputError(f"seed must be a whole number >= 0; got {seed!r}.")
    n_by = _per_arm(n, labels, "n")
    ev_by = _per_arm(events_by_arm if events_by_arm is not None else total_events, labels, "events")
    arms, inputs = {}, {}
    for lab in labels:
        mask = np.ones(len(curve), bool) if lab is None else (curve["arm"].astype(str) == lab).to_numpy()
        sub = curve.loc[mask]
        x, y = sub["time"].to_numpy(float), sub["survival"].to_numpy(float)
        cc = clean_curve(
            x, y, scale=scale, convert_cumulative=convert_cumulative, rows=rows_all[mask], where=curve_source,
            label=lab,
        )
        a_t, a_n, where = _arm_table(at_risk, lab, at_risk_source)
        kw = dict(n=n_by.get(lab), total_events=ev_by.get(lab), method=method, table_where=where)
        arms[lab] = _reconstruct_clean(cc, a_t, a_n, **kw)
        inputs[lab] = (x, y, rows_all[mask], a_t, a_n, kw)
    comparison = compare_arms(arms)
    summary = None
    if draws:
        summary = _run_draws(arms, inputs, int(draws), int(seed), convert_cumulative, curve_source)
    return Reconstruction(arms=arms, method=method, comparison=comparison, draws=summary)


def _run_draws(arms, inputs, k: int, seed: int, convert_cumulative: bool, curve_source: str) -> dict:
    """``k`` reconstructions of every arm from clicks perturbed by their estimated
    digitizing noise, each with its censoring pattern drawn again (:func:`vary_censoring`;
    one seeded stream), summarised by :func:`summarise_draws`."""
    rng = np.random.default_rng(seed)
    results, failed = [], 0
    shared = shared_time_noise([v[0] for v in inputs.values()])
    for _ in range(k):
        drawn = {}
        for lab, (x, y, rows, a_t, a_n, kw) in inputs.items():
            cc = arms[lab].curve
            factor = 100.0 if cc.scale == "percent" else 1.0
            xt = x + rng.normal(0.0, cc.time_resolution if shared is None else shared, x.size)
            ys = y + rng.normal(0.0, cc.survival_resolution * factor, y.size)
            try:
                dc = clean_curve(xt, ys, scale=cc.scale, convert_cumulative=convert_cumulative, rows=rows,
                                 where=curve_source, label=lab)
                drawn[lab] = vary_censoring(_reconstruct_clean(dc, a_t, a_n, **kw), rng)
            except InputError:
                drawn = None
                break
        if drawn is None:
            failed += 1
            continue
        results.append(drawn)
    return summarise_draws(arms, results, k=k, seed=seed, failed=failed, level=DRAWS_LEVEL)


def _check_table_arms(at_risk: pd.DataFrame, has_arm: bool, labels, curve_source: str, at_risk_source: str):
    """The risk table has arms exactly when the curve has, and the same ones."""
    t_arm = "arm" in at_risk.columns
    if has_arm and not t_arm:
        raise InputError(f"{at_risk_source}: missing column 'arm'; expected one since {curve_source} has arms.")
    if t_arm and not has_arm:
        raise InputError(f"{at_risk_source}: has column 'arm' but {curve_source} has none; expected the same arms.")
    if not has_arm:
        return
    tab_arms = at_risk["arm"].astype(str)
    extra = [x for x in natural_order(tab_arms.unique()) if x not in labels]
    if extra:
        first = int(np.flatnonzero((tab_arms == extra[0]).to_numpy())[0])
        r = at_risk.index[first] if at_risk.index.name == "row" else first + 1
        raise InputError(
            f"{at_risk_source}: row {r}, arm {extra[0]!r} has no curve in {curve_source} "
            f"(arms there: {', '.join(labels)})."
        )
    missing = [x for x in labels if x not in set(tab_arms)]
    if missing:
        raise InputError(
            f"{at_risk_source}: no numbers at risk for arm {missing[0]!r} of {curve_source}; "
            f"expected rows for arms {', '.join(labels)}."
        )


def _arm_table(at_risk: pd.DataFrame | None, lab, at_risk_source: str):
    """Times and numbers at risk of arm ``lab`` (``None, None`` without a table) and the
    name of their source in messages (with the arm and the file rows)."""
    if at_risk is None:
        return None, None, at_risk_source
    tab = at_risk if lab is None else at_risk.loc[(at_risk["arm"].astype(str) == lab).to_numpy()]
    where = at_risk_source if lab is None else f"{at_risk_source} (arm {lab})"
    if at_risk.index.name == "row" and len(tab):
        tab_rows = tab.index.to_numpy()
        where += f", rows {tab_rows[0]}-{tab_rows[-1]}"
    return tab["time"].to_numpy(float), tab["n_at_risk"].to_numpy(float), where


def _per_arm(value, labels, what):
    """Expand a scalar or ``{arm: value}`` into a dict keyed by the arm labels."""
    if value is None:
        return {}
    if isinstance(value, dict):
        value = {str(k): v for k, v in value.items()}
        unknown = [k for k in value if k not in labels]
        if unknown:
            raise InputError(
                f"{what} given for arm {unknown[0]!r}, which is not in the curve (arms: "
                f"{', '.join(str(x) for x in labels)})."
            )
        return {lab: value[lab] for lab in labels if lab in value}
    if len(labels) > 1:
        raise InputError(
            f"a single {what} was given but the curve has arms {', '.join(labels)}; expected one per arm (ARM=VALUE,...)."
        )
    return {labels[0]: value}
