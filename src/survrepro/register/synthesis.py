"""From a register to a synthesis: the bridge between the published numbers and the synthesizer.

:func:`spec_from_register` turns a register's ``calibrate`` targets into the
:class:`~survrepro.sources.synthesize.SynthesisSpec` the synthesizer searches for; each
target says through its quantity (:mod:`survrepro.register.quantities`) whether and how it
constrains the data. The synthesizer itself knows nothing of registers.
"""
from __future__ import annotations

import datetime as _dt

from survrepro.errors import InputError
from survrepro.register.quantities import QUANTITIES
from survrepro.sources.synthesize import ENDPOINTS, SURVIVAL_PARTS, Constraint, Group, SynthesisSpec
from survrepro.timeunits import unit_name

__all__ = ["spec_from_register", "endpoint_plan", "model_endpoints", "calibrations"]


def _date(text: str, end: bool = False) -> _dt.date:
    parts = [int(x) for x in text.split("-")]
    if len(parts) == 3:
        return _dt.date(*parts)
    y, m = parts
    if not end:
        return _dt.date(y, m, 1)
    nxt = _dt.date(y + (m == 12), m % 12 + 1, 1)
    return nxt - _dt.timedelta(days=1)


#: Register endpoint names with a fixed place in the patient model.
KNOWN_ENDPOINTS = {"pfs": "pfs", "os": "os", "ttnt": "ttnt", "new_lesion": "new_lesion",
                   "followup": "os", "time_to_new_lesion": "new_lesion", "on_therapy": "ttnt"}


def endpoint_plan(register) -> tuple[dict, dict, list]:
    """Where each endpoint of a register goes in the synthesizer's patient model.

    The patient model has progression-free survival (``pfs``: ends at the event or at
    death), overall survival (``os``), time to next therapy and time to a new lesion; the
    names in :data:`KNOWN_ENDPOINTS` map to them. One endpoint with any other name (``dfs``,
    ``efs``, ``rfs``, ``ttp`` ...) is modelled in the ``pfs`` place when the register has
    no ``pfs`` of its own, and its columns keep its name; the note returned says so and
    that, when OS is also given, the endpoint is assumed to end no later than death.

    Parameters
    ----------
    register : Register
        As returned by :func:`survrepro.register.schema.load_register`.

    Returns
    -------
    tuple
        ``(endpoint_map, columns, notes)`` for :func:`spec_from_register`.

    Raises
    ------
    InputError
        When two endpoints, or one besides a ``pfs``, have names the model has no place for.

    Examples
    --------
    >>> from survrepro.register.schema import load_register
    >>> endpoint_plan(load_register("levee2025"))[0]["on_therapy"]
    'ttnt'
    """
    used = {c.endpoint for t in register.with_role("calibrate") for c in calibrations(t)}
    endpoint_map = {k: v for k, v in KNOWN_ENDPOINTS.items()}
    unknown = sorted(used - set(KNOWN_ENDPOINTS))
    if not unknown:
        return endpoint_map, {}, []
    if len(unknown) > 1 or "pfs" in used:
        names = ", ".join(repr(u) for u in unknown)
        raise InputError(f"{register.path}: endpoints {names} have no place in the patient model (pfs, os, ttnt, "
                         "new_lesion); one endpoint of another name is modelled in the place of pfs when the "
                         "register has no pfs, but not more.")
    name = unknown[0]
    endpoint_map[name] = "pfs"
    note = (f"ENDPOINT: {name!r} is modelled in the place of progression-free survival of the patient model "
            "(an event time that also ends at death)"
            + ("; with OS also given it is assumed to end no later than death (an assumption: the register "
               "states no relation)" if "os" in used else "")
            + f"; its columns are {name}_time and {name}_event.")
    return endpoint_map, {"pfs": (f"{name}_time", f"{name}_event")}, [note]


def model_endpoints(names: str, endpoint_map: dict, register) -> tuple:
    """The model endpoints of a comma-separated list of endpoint names.

    Each name is a model endpoint (:data:`ENDPOINTS`) or an endpoint of the register that
    ``endpoint_map`` places in the model (``dfs`` where :func:`endpoint_plan` models it in
    the ``pfs`` place, ``on_therapy`` for ``ttnt``).

    Parameters
    ----------
    names : str
        ``"os,dfs"``, say.
    endpoint_map : dict
        As returned by :func:`endpoint_plan`.
    register : Register
        Named in the message of a name that is neither.

    Returns
    -------
    tuple of str
        Model endpoints in the order first named, each once.

    Raises
    ------
    InputError
        When a name is neither the register's nor the model's, or none is given.

    Examples
    --------
    >>> from survrepro.register.schema import load_register
    >>> reg = load_register("levee2025")
    >>> model_endpoints("on_therapy, os", endpoint_plan(reg)[0], reg)
    ('ttnt', 'os')
    """
    out = []
    for name in (e.strip() for e in names.split(",")):
        if not name:
            continue
        if name not in ENDPOINTS and name not in endpoint_map:
            own = sorted({t.endpoint for t in register.targets} & set(endpoint_map) - set(ENDPOINTS))
            said = f"one of the register ({', '.join(own)}) or " if own else ""
            raise InputError(f"--endpoints: {name!r} is not an endpoint the synthetic data of {register.path} can "
                             f"hold; expected {said}one of the patient model ({', '.join(ENDPOINTS)}).")
        model = name if name in ENDPOINTS else endpoint_map[name]
        if model not in out:
            out.append(model)
    if not out:
        raise InputError(f"--endpoints: no endpoint named; expected one or more of {', '.join(ENDPOINTS)}.")
    return tuple(out)


def spec_from_register(register, *, endpoints: tuple, endpoint_map: dict | None = None,
                       group_column: str = "arm", columns: dict | None = None,
                       entry_column: str = "entry_date", landmark_rule: dict | None = None,
                       priors: dict | None = None) -> SynthesisSpec:
    """A :class:`SynthesisSpec` from a register's ``calibrate`` targets only.

    ``check`` targets are never read; each target constrains the data as its quantity says
    (:attr:`Quantity.constraint <survrepro.register.quantities.Quantity>`). Register
    endpoints are mapped to model endpoints by
    ``endpoint_map`` (``{"time_to_new_lesion": "new_lesion", "followup": "os"}``, say); a
    landmark count's endpoint is written ``<name>_<L><u>`` (``on_therapy_6m``: landmark 6 months)
    and ``<name>`` is mapped the same way. Settings a target does not state come from the
    register's ``method`` (``ci_transform``, ``ties``, ``confidence_level``) or, for
    landmark counts, from ``landmark_rule`` (``{"evaluable": "followed",
    "death_is_failure": False}``).

    Dates written ``YYYY-MM`` are taken as the first day of the month for the start of
    accrual and the last day for its end and for the data cut-off; dates written
    ``YYYY-MM-DD`` are kept to the day (one synthetic entry falls on each). Without accrual
    dates the spec has none and the synthesizer assumes an accrual model
    (:func:`~survrepro.sources.synthesize.assumed_accrual`), saying so in its notes.

    Parameters
    ----------
    register : Register
        As returned by :func:`survrepro.register.schema.load_register`.
    endpoints : tuple of str
        The model endpoints the synthetic data hold (``("pfs", "os")``, say).
    endpoint_map : dict, optional
        Register endpoint to model endpoint; unmapped endpoints keep their names.
    group_column : str
        Name of the group column of the synthetic data.
    columns : dict, optional
        ``{endpoint: (time column, event column)}`` where the default
        ``<endpoint>_time``, ``<endpoint>_event`` does not apply.
    entry_column : str
        Name of the entry-date column.
    landmark_rule : dict, optional
        ``evaluable`` and ``death_is_failure`` for landmark counts that do not state them.
    priors : dict, optional
        Starting values of the construction (see :class:`SynthesisSpec`).

    Returns
    -------
    SynthesisSpec
        One group per arm with its size, one constraint per ``calibrate`` target.

    Raises
    ------
    InputError
        When an arm has no size, only one accrual date is given, or a
        target cannot be turned into a constraint (the message names the register).

    Examples
    --------
    >>> from survrepro.register.schema import load_register
    >>> spec = spec_from_register(
    ...     load_register("levee2025"), endpoints=("ttnt", "pfs", "os"),
    ...     endpoint_map={"on_therapy": "ttnt"}, group_column="subtype",
    ...     columns={"ttnt": ("time", "event")}, entry_column="mdrt_date",
    ...     landmark_rule={"evaluable": "followed", "death_is_failure": False})
    >>> spec.n, [(g.id, g.n) for g in spec.groups]
    (52, [('hr_pos_her2_neg', 36), ('her2_pos', 10), ('tnbc', 6)])
    >>> len(spec.constraints), sorted({c.quantity for c in spec.constraints})
    (16, ['evaluable', 'median', 'median_ci_high', 'median_ci_low', 'remaining'])
    """
    endpoint_map = dict(endpoint_map or {})
    rule = {"evaluable": "followed", "death_is_failure": True, **(landmark_rule or {})}
    cal = register.with_role("calibrate")
    groups = []
    for a in register.study.arms:
        if a.n is None:
            raise InputError(f"{register.path}: arm {a.id!r} has no size; the synthesizer needs n for every arm.")
        groups.append(Group(a.id, int(a.n)))
    dates = {t.quantity: t for t in cal if t.quantity in ("accrual_start", "accrual_end", "data_cutoff")}
    given = [q for q in ("accrual_start", "accrual_end") if q in dates]
    if len(given) == 1:
        missing = ({"accrual_start", "accrual_end"} - set(given)).pop()
        raise InputError(f"{register.path}: a calibrate target gives {given[0]!r} but none gives {missing!r}; "
                         "give both accrual dates, or neither (an accrual model is then assumed).")
    day = any(len(dates[q].value.split("-")) == 3 for q in given)
    constraints = []
    for t in cal:
        try:  # n, allocation ratio and dates are structural; other quantities do not constrain IPD
            made = calibrations(t)
        except InputError as exc:
            raise InputError(f"{register.path}: {exc}") from None
        constraints.extend(_constraint_of(t, c, endpoint_map, rule) for c in made)
    # the median follow-up is the reverse Kaplan-Meier median of the endpoint its target names
    # (as the evaluation reads it); "followup" and unknown names are overall survival
    followed = [c.endpoint for c in constraints if c.quantity == "median_followup" and c.endpoint in ENDPOINTS]
    return SynthesisSpec(
        study=register.study.id,
        groups=tuple(groups),
        group_column=group_column,
        accrual_start=_date(dates["accrual_start"].value) if given else None,
        accrual_end=_date(dates["accrual_end"].value, end=True) if given else None,
        accrual_precision="day" if day else "month",
        cutoff=_date(dates["data_cutoff"].value, end=True) if "data_cutoff" in dates else None,
        constraints=tuple(constraints),
        endpoints=tuple(endpoints),
        columns=dict(columns or {}),
        entry_column=entry_column,
        followup_endpoint=followed[0] if followed else "os",
        priors=dict(priors or {}),
        time_unit=unit_name(register.study.time_unit, f"{register.path}: [study]"),
    )


def calibrations(t) -> tuple:
    """The :class:`~survrepro.register.quantities.Calibration` s of target ``t``: none (a
    structural or unmodelled quantity), one, or several (a proportion at a landmark is its
    numerator and its denominator).

    Parameters
    ----------
    t : Target
        A ``calibrate`` target of a register.

    Returns
    -------
    tuple of Calibration

    Raises
    ------
    InputError
        When the target cannot be a constraint (a landmark count whose endpoint names no
        landmark).

    Examples
    --------
    >>> from survrepro.register.schema import load_register
    >>> [c.quantity for c in calibrations(load_register("levee2025").by_id("evaluable_6m_all"))]
    ['evaluable']
    """
    constrain = QUANTITIES[t.quantity].constraint
    made = constrain(t) if constrain is not None else None
    return () if made is None else made if isinstance(made, tuple) else (made,)


def _constraint_of(t, c, endpoint_map: dict, rule: dict) -> Constraint:
    """The synthesizer constraint of calibration ``c`` of target ``t``."""
    if c.value is not None:  # a count of the target (a proportion's numerator or denominator)
        value, decimals = float(c.value), 0
    else:
        value = float(t.value) if not isinstance(t.value, str) else t.value
        decimals = int(t.decimals or 0)
    if c.quantity in SURVIVAL_PARTS and t.scale == "percent":  # the constraint is a fraction
        value, decimals = value / 100.0, decimals + 2
    fields = dict(c.settings, id=f"{t.id}.{c.part}" if c.part else t.id, value=value, decimals=decimals,
                  arms=tuple(t.arms), conf_level=float(t.settings.get("confidence_level", 0.95)))
    if c.landmark is not None:
        fields.update(landmark=c.landmark, evaluable_rule=rule["evaluable"],
                      death_is_failure=bool(rule["death_is_failure"]))
    endpoint = endpoint_map.get(c.endpoint, c.fallback or c.endpoint)
    return Constraint(quantity=c.quantity, endpoint=endpoint, **fields)


def unmet_reasons(register, result) -> list[str]:
    """Why each calibrate target a synthesis left unmet is unmet, one sentence per target.

    A target is either shown inconsistent with other printed numbers by the audit
    (:func:`survrepro.register.audit.audit_register`: the finding is named, and no data can
    give all of them), or no audit check shows a conflict and the target is unmet because the
    construction stopped at its step cap: a limit of the synthesizer, not a proof that no data
    reproduce the numbers.

    Parameters
    ----------
    register : Register
        The register the synthesis was calibrated to.
    result : SynthesisResult
        What :func:`~survrepro.sources.synthesize.synthesize` returned.

    Returns
    -------
    list of str
        Empty when every target was met.

    Examples
    --------
    >>> from survrepro.register.schema import load_register
    >>> from survrepro.sources.synthesize import SynthesisResult
    >>> unmet_reasons(load_register("levee2025"), SynthesisResult(
    ...     data=None, constraints=(), converged=True, seed=0, steps=0, max_iter=0, cutoff=None, notes=()))
    []
    """
    from survrepro.register.audit import audit_register

    unmet = [c for c in result.constraints if not c.matched]
    if not unmet:
        return []
    bad = [f for f in audit_register(register).findings if f.status == "inconsistent"]
    out = []
    for c in unmet:
        got = "not reached" if c.achieved is None else f"{c.achieved:.6g}"
        target = c.id.split(".")[0]  # a proportion's count constraint is named <target id>.<part>
        why = [f for f in bad if target in f.targets]
        if why:
            out.append(f"UNMET {c.id} (printed {c.printed}, achieved {got}): the audit finds it inconsistent "
                       f"with {', '.join(t for t in why[0].targets if t != target) or 'the other numbers'} "
                       f"({why[0].check}), so no data can give every printed number.")
        else:
            out.append(f"UNMET {c.id} (printed {c.printed}, achieved {got}): no audit check finds it inconsistent "
                       f"with the other printed numbers; the construction stopped at its cap of {result.max_iter} "
                       "search steps without meeting it (a limit of the synthesizer, not a proof that no data give it).")
    return out


#: Calibrate quantities the synthesizer reads as the study's structure rather than as a
#: constraint on the patients' times: arm sizes, the accrual window and the cut-off.
STRUCTURAL = ("n", "accrual_start", "accrual_end", "data_cutoff", "allocation_ratio")


def uncalibrated(register) -> list[str]:
    """The ``calibrate`` targets no synthesizer constraint takes, one sentence each.

    A register may mark as ``calibrate`` a number the synthesizer has no constraint for
    (a stratified p value, a proportion that is not counted at a landmark, a
    design number): the synthetic data are not made to reproduce it, and ``survrepro
    reproduce`` compares it as it comes out. Structural numbers (:data:`STRUCTURAL`) are not
    listed, nor the confidence limits of a calibrated proportion at a landmark: they are
    computed from its two counts, which the synthesizer meets.

    Parameters
    ----------
    register : Register

    Returns
    -------
    list of str

    Examples
    --------
    >>> from survrepro.register.schema import load_register
    >>> uncalibrated(load_register("levee2025"))
    []
    """
    out = []
    cal = register.with_role("calibrate")
    counted = {(t.endpoint, tuple(t.arms)) for t in cal if t.quantity == "proportion" and calibrations(t)}
    for t in cal:
        if t.quantity in STRUCTURAL:
            continue
        if t.quantity in ("proportion_ci_low", "proportion_ci_high") and (t.endpoint, tuple(t.arms)) in counted:
            continue  # computed from the counts of the calibrated proportion beside it
        if not calibrations(t):
            out.append(f"NOT CALIBRATED {t.id} ({t.quantity}): the synthesizer has no constraint for it, so the "
                       "synthetic data are not made to reproduce it; reproduce compares it as it comes out.")
    return out
