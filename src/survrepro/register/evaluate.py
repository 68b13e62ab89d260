"""Evaluate every published target of a register from patient-level data.

For each target of a study's register (:mod:`survrepro.register.schema`) the number is recomputed
from the study's patient-level data with the project's engine (:mod:`survrepro.engine.km`,
:mod:`survrepro.engine.cox`, :mod:`survrepro.engine.proportion`, :mod:`survrepro.engine.contingency`,
:mod:`survrepro.engine.rmst`) under the method settings the register states, and compared with
the printed value by :func:`survrepro.register.schema.matches`. Every target gets exactly one
:class:`Evaluation` with a status:

* ``"match"``: the reproduced value prints as the published one (or lies within the
  register's reasoned tolerance; or satisfies a published bound);
* ``"miss"``: it was computed and does not; the reason says by how much or why;
* ``"not attempted"``: it cannot be computed from patient data (a design statement, an
  endpoint the data do not hold); the reason says which.

Where the patient data come from is the register's ``[analysis]`` table: the file, its kind
(``synthetic``, ``reconstructed``, ``ipd``), the arm column, the entry-date column and the
columns of each endpoint. When digitized curves of an endpoint are listed there and exist,
that endpoint is evaluated on patients reconstructed from them
(:func:`survrepro.sources.reconstruct.reconstruct`) and each number says which source it came from.

Settings a target does not state are taken from R's defaults (log CI transform, Efron ties,
log-rank test for a survival comparison, Pearson chi-square for a table, reverse
Kaplan–Meier follow-up) and are marked as assumed in the result.

Examples
--------
>>> from survrepro.register.schema import load_register
>>> from survrepro.register.evaluate import evaluate_register
>>> evaluations = evaluate_register(load_register("extend_breast"))    # doctest: +SKIP
>>> [(e.target.id, e.status) for e in evaluations][:2]                  # doctest: +SKIP
[('allocation_ratio', 'match'), ('n_mdt', 'match')]
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from survrepro import io, paths
from survrepro._validation import InputError
from survrepro.engine._results import ResultMixin
from survrepro.engine.contingency import TEST_NAMES as TABLE_TESTS
from survrepro.engine.cox import cox_ph
from survrepro.engine.logrank import logrank_test
from survrepro.engine.km import kaplan_meier, median_followup
from survrepro.engine.groups import group_labels, natural_order
from survrepro.engine.proportion import binomial_ci, proportion_on_therapy
from survrepro.engine.rmst import rmst
from survrepro.register.schema import Register, Target, matches

__all__ = [
    "STATUSES",
    "DESIGN_REASON",
    "DAYS_PER_MONTH",
    "Evaluation",
    "EndpointData",
    "StudyData",
    "evaluate_register",
    "evaluate_target",
    "evaluations_frame",
    "load_study_data",
    "study_data_from_frame",
    "reconstruct_endpoint",
    "summarize",
]

STATUSES = ("match", "miss", "not attempted")
#: Reason given for design statements (power, alpha, planned medians): not data.
DESIGN_REASON = "design assumption: see the design section"
#: Days per month used to turn follow-up months into calendar dates.
DAYS_PER_MONTH = 365.25 / 12
#: Tests of a survival comparison, in the order they are reported.
SURVIVAL_TESTS = ("logrank", "wald", "likelihood_ratio", "score")
_KIND_LABEL = {"synthetic": "SYNTHETIC IPD", "reconstructed": "reconstructed IPD", "ipd": "patient-level data"}
_LANDMARK_NAME = re.compile(r"^(?P<base>[a-z][a-z0-9_]*?)_(?P<t>\d+(?:p\d+)?)m$")


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, repr=False)
class Evaluation(ResultMixin):
    """One published target against the number reproduced from data.

    Attributes
    ----------
    target : Target
        The register entry.
    reproduced : float, int, str or None
        The reproduced value on the printed scale (a percentage for ``scale = "percent"``;
        a ``YYYY-MM-DD`` date for dates); ``None`` when nothing was computed.
    status : str
        ``"match"``, ``"miss"`` or ``"not attempted"``.
    difference : float
        ``reproduced - published`` (months for dates); NaN when nothing was computed.
    tolerance : float or None
        The half-width of the match window actually used: half a unit of the last printed
        digit, or the register's reasoned tolerance; ``None`` for bounds and dates.
    tolerance_rule : str
        The matching rule in words.
    reason : str
        Why the target was not attempted, or why it misses; empty for a match.
    data_source : str
        Where the numbers came from (``"SYNTHETIC IPD (extend_breast/...csv)"``,
        ``"reconstructed from digitized Fig 2A (...)"``).
    settings : tuple of (name, value, assumed)
        The method settings used; ``assumed`` is True when the source does not state it.
    details : tuple of (name, value)
        Supporting numbers (numerator and denominator, p-values of other tests, ...).
    """

    target: Target
    reproduced: object
    status: str
    difference: float
    tolerance: float | None
    tolerance_rule: str
    reason: str = ""
    data_source: str = ""
    settings: tuple = ()
    details: tuple = ()

    def __post_init__(self):
        if self.status not in STATUSES:  # pragma: no cover - programming error
            raise ValueError(f"status must be one of {STATUSES}; got {self.status!r}")

    @property
    def study(self) -> str:
        return self.target.study

    @property
    def id(self) -> str:
        return self.target.id

    @property
    def role(self) -> str:
        return self.target.role

    @property
    def assumed(self) -> bool:
        """True when any setting used is an assumption."""
        return any(a for _, _, a in self.settings)

    @property
    def published(self) -> str:
        """The published value as printed."""
        return self.target.printed

    def reproduced_text(self) -> str:
        """The reproduced value for display: two more decimals than printed; dates and counts as they are."""
        x = self.reproduced
        if x is None:
            return "—" if self.status == "not attempted" else "not reached"
        if isinstance(x, str):
            return x
        if isinstance(x, (int, np.integer)):
            text = str(int(x))
        else:
            t = self.target
            d = (t.decimals or 0) + 2 if t.quantity not in ("n", "count") else 0
            text = f"{float(x):.{d}f}"
        return text + ("%" if self.target.scale == "percent" else "")

    def difference_text(self) -> str:
        if not math.isfinite(self.difference):
            return ""
        if isinstance(self.target.value, str):
            return f"{self.difference:+.0f} months"
        d = (self.target.decimals or 0) + 2
        return f"{self.difference:+.{d}f}"

    def settings_text(self) -> str:
        """``name=value; ...`` with ``(assumed)`` after each assumed setting."""
        return "; ".join(f"{k}={_show(v)}" + (" (assumed)" if a else "") for k, v, a in self.settings)

    def details_text(self) -> str:
        return "; ".join(f"{k}: {_show(v)}" for k, v in self.details)

    def to_dict(self) -> dict:
        """One flat, JSON-ready row."""
        t = self.target
        return {
            "study": t.study,
            "id": t.id,
            "endpoint": t.endpoint,
            "quantity": t.quantity,
            "arms": ",".join(t.arms) or "all",
            "role": t.role,
            "published": t.printed,
            "reproduced": self.reproduced_text() if self.reproduced is not None else "",
            "reproduced_value": _json_value(self.reproduced),
            "difference": None if not math.isfinite(self.difference) else float(self.difference),
            "tolerance": self.tolerance,
            "tolerance_rule": self.tolerance_rule,
            "status": self.status,
            "reason": self.reason,
            "data_source": self.data_source,
            "settings": self.settings_text(),
            "assumed": self.assumed,
            "details": self.details_text(),
            "source": t.source,
            "quote": t.quote,
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])

    def __repr__(self) -> str:
        return (
            f"Evaluation({self.study}:{self.id} published {self.published}, reproduced "
            f"{self.reproduced_text()}: {self.status}{', ' + self.reason if self.reason else ''})"
        )


def _show(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(_show(x) for x in v) or "none"
    return str(v)


def _json_value(x):
    if x is None or isinstance(x, str):
        return x
    x = float(x)
    return x if math.isfinite(x) else None


def evaluations_frame(evaluations) -> pd.DataFrame:
    """One row per evaluation (the columns of :meth:`Evaluation.to_dict`)."""
    rows = [e.to_dict() for e in evaluations]
    columns = list(rows[0]) if rows else list(_EMPTY_ROW)
    return pd.DataFrame(rows, columns=columns)


_EMPTY_ROW = (
    "study", "id", "endpoint", "quantity", "arms", "role", "published", "reproduced", "reproduced_value",
    "difference", "tolerance", "tolerance_rule", "status", "reason", "data_source", "settings", "assumed",
    "details", "source", "quote",
)


def summarize(evaluations) -> dict:
    """Counts by status, overall and by role: ``{"all": {...}, "calibrate": {...}, "check": {...}}``."""
    out = {"all": {s: 0 for s in STATUSES}}
    for e in evaluations:
        out["all"][e.status] += 1
        out.setdefault(e.role, {s: 0 for s in STATUSES})[e.status] += 1
    return out


# --------------------------------------------------------------------------- patient data
@dataclass(frozen=True, repr=False)
class EndpointData:
    """Patients of one endpoint: a frame with ``time``, ``event``, ``arm`` (and ``death``,
    ``strata`` when mapped), where it came from, and the reconstruction fidelity if any."""

    frame: pd.DataFrame
    source: str
    fidelity: dict | None = None


@dataclass(frozen=True, repr=False)
class StudyData:
    """A study's patient-level data, prepared for evaluation.

    Attributes
    ----------
    ipd : DataFrame
        The patient-level file as read (one row per patient), with ``arm`` as text.
    source : str
        Description of the IPD (``"SYNTHETIC IPD (levee2025/levee2025_synthetic.csv)"``).
    kind : str
        ``synthetic``, ``reconstructed`` or ``ipd``.
    endpoints : dict
        ``{endpoint: EndpointData}`` for every endpoint mapped in ``[analysis]``.
    entry : Series or None
        Entry dates (``datetime64``) when the register names an entry column.
    """

    ipd: pd.DataFrame
    source: str
    kind: str
    endpoints: dict = field(default_factory=dict)
    entry: pd.Series | None = None

    def __repr__(self) -> str:
        return f"StudyData({self.source}: {len(self.ipd)} patients, endpoints {', '.join(self.endpoints) or 'none'})"


def _where(register: Register, field_name: str) -> str:
    return f"{register.path}: [analysis] {field_name}"


def _numbers(df: pd.DataFrame, col: str, where: str) -> np.ndarray:
    raw = df[col]
    num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(num))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{where}: row {i + 1}, column {col!r} is {raw.iloc[i]!r}; expected a number.")
    return num


def _times(df, col, where) -> np.ndarray:
    t = _numbers(df, col, where)
    bad = np.flatnonzero(t < 0)
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{where}: row {i + 1}, column {col!r} is {t[i]:g}; expected a time >= 0.")
    return t


def _flags(df, col, where, what="0 (censored) or 1 (event)") -> np.ndarray:
    e = _numbers(df, col, where)
    bad = np.flatnonzero(~np.isin(e, (0.0, 1.0)))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{where}: row {i + 1}, column {col!r} is {e[i]:g}; expected {what}.")
    return e.astype(int)


def _labels(values) -> np.ndarray:
    return group_labels(np.array([v.strip() if isinstance(v, str) else v for v in values], dtype=object)).astype(object)


def study_data_from_frame(register: Register, ipd: pd.DataFrame, *, where: str | None = None,
                          digitized: dict | None = None) -> StudyData:
    """Prepare a patient-level DataFrame for evaluation, validating the columns ``[analysis]`` names.

    Parameters
    ----------
    register : Register
        A register with an ``[analysis]`` table.
    ipd : DataFrame
        One row per patient with the columns the ``[analysis]`` table names.
    where : str, optional
        Name of the data in messages (the file); ``"data"`` by default.
    digitized : dict, optional
        ``{endpoint: EndpointData}`` replacing the IPD for those endpoints (reconstructed
        from digitized curves).

    Returns
    -------
    StudyData
    """
    a = register.analysis
    if a is None:
        raise InputError(f"{register.path}: no [analysis] table; expected one naming the patient-level data.")
    where = where or "data"
    for col in [a.arm_column, a.entry_column, a.strata_column] + [
        c for ep in a.endpoint_map.values() for c in (ep.time, ep.event, ep.death)
    ]:
        if col and col not in ipd.columns:
            raise InputError(
                f"{where}: missing column {col!r} named in {register.path} [analysis]; "
                f"found {', '.join(map(str, ipd.columns))}."
            )
    if len(ipd) == 0:
        raise InputError(f"{where}: no patients; expected one row per patient.")
    df = ipd.reset_index(drop=True).copy()
    arm = df[a.arm_column]
    if arm.isna().any():
        i = int(np.flatnonzero(arm.isna().to_numpy())[0])
        raise InputError(f"{where}: row {i + 1}, column {a.arm_column!r} is empty; expected an arm id.")
    arm = _labels(arm)
    known = [x.id for x in register.study.arms]
    bad = [i for i, v in enumerate(arm) if v not in known]
    if bad:
        i = bad[0]
        raise InputError(
            f"{where}: row {i + 1}, column {a.arm_column!r} is {arm[i]!r}; expected one of the study's arms "
            f"({', '.join(known)})."
        )
    entry = None
    if a.entry_column:
        raw = df[a.entry_column]
        entry = pd.to_datetime(raw.astype(str).str.strip(), format="ISO8601", errors="coerce")
        if entry.isna().any():
            i = int(np.flatnonzero(entry.isna().to_numpy())[0])
            raise InputError(
                f"{where}: row {i + 1}, column {a.entry_column!r} is {raw.iloc[i]!r}; expected a date YYYY-MM-DD."
            )
    strata = _labels(df[a.strata_column]) if a.strata_column else None
    kind = a.ipd_kind
    source = f"{_KIND_LABEL[kind]} ({a.ipd})"
    endpoints = {}
    for name, ep in a.endpoint_map.items():
        frame = pd.DataFrame({"time": _times(df, ep.time, where), "event": _flags(df, ep.event, where), "arm": arm})
        if ep.death:
            death = _flags(df, ep.death, where, "0 or 1 (1 when the ending was death)")
            clash = np.flatnonzero((death == 1) & (frame["event"].to_numpy() == 0))
            if clash.size:
                i = int(clash[0])
                raise InputError(
                    f"{where}: row {i + 1} has {ep.death} = 1 but {ep.event} = 0; a death ends the time, "
                    "so expected an event."
                )
            frame["death"] = death
        if strata is not None:
            frame["strata"] = strata
        endpoints[name] = EndpointData(frame, source)
    if digitized:
        endpoints.update(digitized)
    df[a.arm_column] = arm
    return StudyData(ipd=df, source=source, kind=kind, endpoints=endpoints, entry=entry)


def reconstruct_endpoint(register: Register, endpoint: str, curves: pd.DataFrame, at_risk: pd.DataFrame | None,
                         *, source: str, curve_where: str = "curves", at_risk_where: str = "risk table",
                         method: str = "auto") -> EndpointData:
    """Patients of one endpoint reconstructed from a digitized curve and its risk table.

    Uses :func:`survrepro.sources.reconstruct.reconstruct` (the number of patients per arm comes
    from the register's arm sizes when there is no risk table). The curve's ``arm`` column
    must hold the study's arm ids.

    Returns
    -------
    EndpointData
        ``time``, ``event``, ``arm`` per reconstructed patient; ``fidelity`` per arm.
    """
    from survrepro.sources.reconstruct import reconstruct

    known = [a.id for a in register.study.arms]
    if "arm" not in curves.columns:
        raise InputError(f"{curve_where}: missing column 'arm'; expected time,survival,arm with arms {', '.join(known)}.")
    labels = natural_order(curves["arm"].astype(str))
    unknown = [x for x in labels if x not in known]
    if unknown:
        raise InputError(f"{curve_where}: arm {unknown[0]!r} is not an arm of the study; expected one of {', '.join(known)}.")
    n = {a.id: a.n for a in register.study.arms if a.id in labels and a.n is not None}
    rec = reconstruct(curves, at_risk, n=n or None, method=method, curve_source=curve_where,
                      at_risk_source=at_risk_where)
    frame = rec.to_frame()[["time", "event", "arm"]].copy()
    frame["arm"] = frame["arm"].astype(str)
    return EndpointData(frame=frame.reset_index(drop=True), source=source, fidelity=rec.fidelity())


def load_study_data(register: Register) -> StudyData:
    """Read the patient data the register's ``[analysis]`` table names (and reconstruct digitized endpoints).

    Raises
    ------
    InputError
        When the register has no ``[analysis]`` table, a file it names is missing (the
        message names the register field), or a column is missing or malformed.
    """
    a = register.analysis
    if a is None:
        raise InputError(f"{register.path}: no [analysis] table; expected one naming the patient-level data.")
    path = a.ipd_path
    if not path.exists():
        raise InputError(
            f"{_where(register, 'ipd')}: no such file {path}; expected the study's patient-level data "
            f"(a path relative to {paths.DATA})."
        )
    ipd = io.read_csv(path, what="patient-level data file")
    digitized = {}
    for name, d in a.digitized_map.items():
        curves_path = paths.DATA / d.curves
        if not curves_path.exists():
            continue  # the IPD is used for this endpoint
        at_risk = None
        if d.at_risk:
            at_risk_path = paths.DATA / d.at_risk
            if not at_risk_path.exists():
                raise InputError(
                    f"{_where(register, f'digitized.{name} at_risk')}: no such file {at_risk_path}; "
                    f"expected the numbers at risk that go with {d.curves}."
                )
            at_risk = io.read_at_risk(at_risk_path)
        curves = io.read_digitized_curve(curves_path)
        label = d.label or Path(d.curves).stem
        synthetic = "SYNTHETIC " if "synthetic" in (d.curves + label).lower() else ""
        source = f"{synthetic}reconstructed from digitized {label} ({d.curves})"
        digitized[name] = reconstruct_endpoint(
            register, name, curves, at_risk, source=source, curve_where=str(curves_path),
            at_risk_where=str(paths.DATA / d.at_risk) if d.at_risk else "risk table",
        )
    return study_data_from_frame(register, ipd, where=str(path), digitized=digitized)


# --------------------------------------------------------------------------- evaluation machinery
class _NotAttempted(Exception):
    """The target cannot be computed from the data; the message is the reason."""


@dataclass
class _Computed:
    value: object
    source: str
    settings: list = field(default_factory=list)
    details: list = field(default_factory=list)
    miss_reason: str = ""  # a reason to miss even when the value prints right, or why nothing was computed


class _Context:
    def __init__(self, register: Register, data: StudyData | None):
        self.register = register
        self.data = data
        self.cache: dict = {}

    # ---- data access
    def endpoint(self, t: Target) -> EndpointData:
        if self.data is None:
            raise _NotAttempted("the register has no [analysis] table: no patient-level data to evaluate")
        ep = self.data.endpoints.get(t.endpoint)
        if ep is None:
            mapped = ", ".join(sorted(self.data.endpoints)) or "none"
            raise _NotAttempted(
                f"endpoint {t.endpoint!r} has no columns in [analysis.endpoints] (mapped: {mapped})"
            )
        return ep

    def columns(self, t: Target):
        return self.register.analysis.endpoint_map.get(t.endpoint)

    def subset(self, frame: pd.DataFrame, arms) -> pd.DataFrame:
        if not arms:
            return frame
        return frame[frame["arm"].isin(list(arms))]


def _setting(t: Target, key: str, default, allowed=None):
    """(value, assumed) of a method setting; the default when absent or 'not reported'."""
    s = t.settings
    if key in s and s[key] != "not reported":
        value = s[key]
        if allowed is not None and value not in allowed:
            raise _NotAttempted(f"method {key} = {value!r} is not implemented (available: {', '.join(allowed)})")
        return value, bool(s.get("assumed", False))
    return default, True


def _conf_level(t: Target):
    return _setting(t, "confidence_level", 0.95)


def _km(ctx: _Context, t: Target, arms, conf_type="log", conf_level=0.95):
    ep = ctx.endpoint(t)
    sub = ctx.subset(ep.frame, arms)
    if len(sub) == 0:
        raise _NotAttempted(f"no patients of arm {', '.join(arms)} in the data")
    return kaplan_meier(sub["time"].to_numpy(), sub["event"].to_numpy(), conf_type=conf_type,
                        conf_level=conf_level), ep.source


def _scale(t: Target, fraction):
    return None if fraction is None else float(fraction) * t.scale_factor


# --------------------------------------------------------------------------- quantities
def _q_n(ctx, t):
    data = ctx.data
    if data is None:
        raise _NotAttempted("the register has no [analysis] table: no patient-level data to evaluate")
    ep = data.endpoints.get(t.endpoint)
    if ep is not None:
        frame, source = ep.frame, ep.source
    else:
        frame = pd.DataFrame({"arm": data.ipd[ctx.register.analysis.arm_column]})
        source = data.source
    return _Computed(int(len(ctx.subset(frame, t.arms))), source)


def _landmark(ctx: _Context, t: Target) -> float:
    cols = ctx.columns(t)
    if cols is not None and cols.landmark is not None:
        return float(cols.landmark)
    m = _LANDMARK_NAME.match(t.endpoint)
    if m:
        return float(m.group("t").replace("p", "."))
    raise _NotAttempted(
        f"endpoint {t.endpoint!r} has no landmark: give landmark = ... in [analysis.endpoints.{t.endpoint}] "
        "or name it <name>_<months>m"
    )


def _proportion(ctx: _Context, t: Target, arms, *, by_arm=False):
    """proportion_on_therapy on the target's landmark endpoint (cached)."""
    ep = ctx.endpoint(t)
    cols = ctx.columns(t)
    landmark = _landmark(ctx, t)
    key = ("prop", t.endpoint, tuple(arms), by_arm)
    if key not in ctx.cache:
        sub = ctx.subset(ep.frame, arms)
        if len(sub) == 0:
            raise _NotAttempted(f"no patients of arm {', '.join(arms)} in the data")
        evaluable = cols.evaluable if cols is not None else "followed"
        dif = cols.death_is_failure if cols is not None else True
        ctx.cache[key] = proportion_on_therapy(
            sub["time"].to_numpy(), sub["event"].to_numpy(), landmark,
            death=sub["death"].to_numpy() if "death" in sub.columns else None,
            group=sub["arm"].to_numpy() if by_arm else None, by="arm" if by_arm else None,
            evaluable=evaluable, death_is_failure=dif,
        )
    res = ctx.cache[key]
    settings = [
        ("landmark", landmark, False),
        ("evaluable", res.evaluable, "evaluable" not in t.settings),
        ("death_is_failure", res.death_is_failure, True),
    ]
    return res, ep.source, settings


def _is_landmark_endpoint(ctx, t) -> bool:
    cols = ctx.columns(t) if ctx.register.analysis is not None else None
    return (cols is not None and cols.landmark is not None) or bool(_LANDMARK_NAME.match(t.endpoint))


def _q_count(ctx, t):
    if t.count_of in ("evaluable", "on_same_therapy", "remaining"):
        res, source, settings = _proportion(ctx, t, t.arms)
        o = res.overall
        value = o.denominator if t.count_of == "evaluable" else o.numerator
        details = [("remaining/evaluable", f"{o.numerator}/{o.denominator}"),
                   ("not evaluable", o.n_not_evaluable)]
        return _Computed(int(value), source, settings, details)
    if t.count_of == "events":
        ep = ctx.endpoint(t)
        sub = ctx.subset(ep.frame, t.arms)
        return _Computed(int(sub["event"].sum()), ep.source)
    raise _NotAttempted(f"no rule to count {t.count_of!r} from patient data (known: evaluable, on_same_therapy, events)")


def _q_median(ctx, t):
    ct, ct_assumed = _setting(t, "ci_transform", "log", ("log", "log-log", "plain"))
    cl, cl_assumed = _conf_level(t)
    km, source = _km(ctx, t, t.arms, ct, cl)
    q = km.quantile(0.5)
    settings = [("estimator", "kaplan_meier", _setting(t, "estimator", "kaplan_meier")[1]),
                ("median_rule", "R quantile.survfit (midpoint of a flat stretch)", False)]
    if t.quantity == "median":
        value, missing = q.estimate, "the median is not reached in the data"
    else:
        settings += [("ci_transform", ct, ct_assumed), ("confidence_level", cl, cl_assumed)]
        if t.quantity == "median_ci_low":
            value, missing = q.low, "the lower confidence limit of the median is not reached in the data"
        else:
            value, missing = q.high, "the upper confidence limit of the median is not reached in the data (NA in R)"
    details = [("n", km.n), ("events", km.events)]
    return _Computed(value, source, settings, details, "" if value is not None else missing)


def _two_arms(ctx, t):
    ep = ctx.endpoint(t)
    sub = ctx.subset(ep.frame, t.arms)
    present = set(sub["arm"])
    for arm in t.arms:
        if arm not in present:
            raise _NotAttempted(f"no patients of arm {arm!r} in the data")
    return ep, sub


def _strata(ctx, t, sub):
    val, assumed = _setting(t, "stratified", False)
    if val is True:
        if "strata" not in sub.columns:
            raise _NotAttempted("the register says the analysis was stratified but [analysis] names no strata_column")
        return sub["strata"].to_numpy(), ("stratified", True, assumed)
    return None, ("stratified", False, assumed)


def _cox(ctx, endpoint, arms, sub, strata, ties, cl):
    """Cox fit of the arms (the last is the reference of a two-arm comparison), cached."""
    key = ("cox", endpoint, tuple(arms), ties, cl, strata is not None)
    if key not in ctx.cache:
        ctx.cache[key] = cox_ph(sub["time"].to_numpy(), sub["event"].to_numpy(), sub["arm"].to_numpy(),
                                strata=strata, ties=ties, reference=arms[-1] if len(arms) == 2 else None,
                                conf_level=cl)
    return ctx.cache[key]


def _q_hr(ctx, t):
    ties, ties_assumed = _setting(t, "ties", "efron", ("efron", "breslow"))
    cl, cl_assumed = _conf_level(t)
    ep, sub = _two_arms(ctx, t)
    strata, strat_setting = _strata(ctx, t, sub)
    res = _cox(ctx, t.endpoint, t.arms, sub, strata, ties, cl)
    hr = res.comparison(t.arms[0])
    settings = [("model", "Cox proportional hazards", False), ("ties", ties, ties_assumed), strat_setting,
                ("direction", f"{t.arms[0]} over {t.arms[1]}", False)]
    if t.quantity != "hr":
        settings += [("interval", "Wald exp(coef +/- z se)", _setting(t, "test", "wald")[1]),
                     ("confidence_level", cl, cl_assumed)]
    value = {"hr": hr.hr, "hr_ci_low": hr.hr_ci[0], "hr_ci_high": hr.hr_ci[1]}[t.quantity]
    details = [("n", res.n), ("events", res.events)]
    for note in res.notes:
        details.append(("note", note))
    return _Computed(float(value), ep.source, settings, details)


def _survival_p(ctx, t, test, test_assumed):
    arms = t.arms or tuple(a.id for a in ctx.register.study.arms)
    ep = ctx.endpoint(t)
    sub = ctx.subset(ep.frame, arms)
    if len(set(sub["arm"])) < 2:
        raise _NotAttempted("fewer than two arms with patients in the data; no comparison")
    strata, strat_setting = _strata(ctx, t, sub)
    ties, ties_assumed = _setting(t, "ties", "efron", ("efron", "breslow"))
    lr = logrank_test(sub["time"].to_numpy(), sub["event"].to_numpy(), sub["arm"].to_numpy(), strata=strata)
    ps = {"logrank": float(lr.pvalue)}
    if int(sub["event"].sum()) > 0:
        res = _cox(ctx, t.endpoint, arms, sub, strata, ties, 0.95)
        ps.update(wald=res.wald_pvalue, likelihood_ratio=res.lr_pvalue, score=res.score_pvalue)
    if test not in ps:
        raise _NotAttempted(f"the {test} test cannot be computed here (no events)")
    settings = [("test", test, test_assumed), strat_setting]
    if test != "logrank":
        settings.append(("ties", ties, ties_assumed))
    return ps, ep.source, settings


def _table_p(ctx, t, test, test_assumed):
    arms = t.arms or tuple(a.id for a in ctx.register.study.arms)
    res, source, settings = _proportion(ctx, t, arms, by_arm=True)
    if res.comparison is None:
        raise _NotAttempted("fewer than two arms with patients in the data; no comparison")
    ps = {x.name: x.pvalue for x in res.comparison.tests}
    settings = [("test", test, test_assumed)] + settings
    table = res.table
    rows = "; ".join(f"{g.label} {g.numerator}/{g.denominator}" for g in res.groups)
    return ps, source, settings, [("table (remaining/evaluable)", rows)], table


def _q_p(ctx, t):
    table_kind = _is_landmark_endpoint(ctx, t)
    default = "pearson" if table_kind else "logrank"
    allowed = TABLE_TESTS if table_kind else SURVIVAL_TESTS
    test, test_assumed = _setting(t, "test", default, allowed)
    sided, _ = _setting(t, "sided", "two-sided")
    if sided != "two-sided":
        raise _NotAttempted(f"a {sided} p-value is not implemented (two-sided tests only)")
    details = []
    if table_kind:
        ps, source, settings, details, table = _table_p(ctx, t, test, test_assumed)
    else:
        ps, source, settings = _survival_p(ctx, t, test, test_assumed)
    value = ps.get(test)
    details.append(("p by test", ", ".join(f"{k} {_pshow(v)}" for k, v in ps.items())))
    if t.quantity == "p_value":
        agree = [k for k, v in ps.items() if v is not None and matches(t, v)[0]]
        details.append((f"tests reproducing p = {t.printed}", agree or "none"))
    else:
        agree = [k for k, v in ps.items() if v is not None and matches(t, v)[0]]
        details.append((f"tests satisfying p {t.printed}", agree or "none"))
    missing = "" if value is not None else f"the {test} test does not apply to this table"
    return _Computed(value, source, settings, details, missing)


def _pshow(p) -> str:
    return "NA" if p is None else f"{p:.4f}"


def _q_proportion(ctx, t):
    if _is_landmark_endpoint(ctx, t) and ctx.data is not None and t.endpoint in ctx.data.endpoints:
        res, source, settings = _proportion(ctx, t, t.arms)
        o = res.overall
        num, den, frac = o.numerator, o.denominator, o.proportion
        if t.quantity != "proportion":
            method, m_assumed = _setting(t, "estimator", "exact", ("exact", "wilson"))
            ci = o.confidence_interval(method=method)
            frac = ci.low if t.quantity == "proportion_ci_low" else ci.high
            settings.append(("interval", "Clopper-Pearson exact" if method == "exact" else "Wilson", m_assumed))
        details = [("numerator/denominator", f"{num}/{den}"), ("Kaplan-Meier at landmark", round(o.km_survival, 4))]
    elif t.quantity == "proportion" and t.numerator_ref and t.denominator_ref:
        num_ev = evaluate_target(ctx.register.by_id(t.numerator_ref), ctx)
        den_ev = evaluate_target(ctx.register.by_id(t.denominator_ref), ctx)
        for ref in (num_ev, den_ev):
            if ref.reproduced is None:
                raise _NotAttempted(f"target {ref.id!r} it is computed from was not reproduced: {ref.reason}")
        num, den = int(num_ev.reproduced), int(den_ev.reproduced)
        if den == 0:
            raise _NotAttempted(f"the denominator ({t.denominator_ref}) is 0 in the data")
        frac = num / den
        source = num_ev.data_source
        settings = [("numerator", t.numerator_ref, False), ("denominator", t.denominator_ref, False)]
        details = [("numerator/denominator", f"{num}/{den}")]
    else:
        raise _NotAttempted(
            f"endpoint {t.endpoint!r} is not a landmark endpoint and the numerator and denominator do not "
            "name count targets; no rule to recount them"
        )
    miss = ""
    if t.quantity == "proportion" and (num, den) != (t.numerator, t.denominator):
        miss = f"numerator/denominator {num}/{den} differ from the published {t.numerator}/{t.denominator}"
    return _Computed(_scale(t, frac), source, settings, details, miss)


def _q_survival_at(ctx, t):
    ct, ct_assumed = _setting(t, "ci_transform", "log", ("log", "log-log", "plain"))
    cl, cl_assumed = _conf_level(t)
    km, source = _km(ctx, t, t.arms, ct, cl)
    row = km.at([t.time]).iloc[0]
    value = {"survival_at": row["survival"], "survival_ci_low": row["survival_low"], "survival_ci_high": row["survival_high"]}[t.quantity]
    settings = [("estimator", "kaplan_meier", False), ("time", t.time, False)]
    if t.quantity != "survival_at":
        settings += [("ci_transform", ct, ct_assumed), ("confidence_level", cl, cl_assumed)]
    details = [("n at risk", int(row["n_at_risk"]))]
    if t.time > km.time.max():
        details.append(("note", "time beyond the last observation; the curve is carried forward"))
    value = float(value)
    return _Computed(_scale(t, value) if math.isfinite(value) else None, source, settings, details,
                     "" if math.isfinite(value) else "the confidence limit is undefined (NA in R)")


def _q_rmst(ctx, t):
    ep = ctx.endpoint(t)
    sub = ctx.subset(ep.frame, t.arms)
    res = rmst(sub["time"].to_numpy(), sub["event"].to_numpy(), tau=t.time)
    return _Computed(float(res.estimate[0]), ep.source, [("tau", t.time, False)],
                     [("se", round(float(res.se[0]), 4))])


def _q_followup(ctx, t):
    method, assumed = _setting(t, "followup_method", "reverse_km", ("reverse_km",))
    ep = ctx.endpoint(t)
    cols = ctx.columns(t)
    sub = ctx.subset(ep.frame, t.arms)
    q = median_followup(sub["time"].to_numpy(), sub["event"].to_numpy())
    used = f"{cols.time}/{cols.event}" if cols is not None else t.endpoint
    settings = [("followup_method", "reverse Kaplan-Meier median", assumed), ("censoring of", used, False)]
    return _Computed(q.estimate, ep.source, settings, [("n", len(sub))],
                     "" if q.estimate is not None else "the reverse Kaplan-Meier median is not reached")


def _q_date(ctx, t):
    data = ctx.data
    if data is None:
        raise _NotAttempted("the register has no [analysis] table: no patient-level data to evaluate")
    if data.entry is None:
        raise _NotAttempted("[analysis] names no entry_column; dates need entry dates")
    arm = data.ipd[ctx.register.analysis.arm_column]
    keep = arm.isin(list(t.arms)).to_numpy() if t.arms else np.ones(len(arm), bool)
    entry = data.entry[keep]
    settings = [("entry dates", ctx.register.analysis.entry_column, False)]
    if t.quantity == "accrual_start":
        d = entry.min()
    elif t.quantity == "accrual_end":
        d = entry.max()
    else:  # data_cutoff: the last date any patient was followed
        times = [ep.frame["time"].to_numpy()[keep] for ep in data.endpoints.values() if len(ep.frame) == len(arm)]
        if not times:
            raise _NotAttempted("no endpoint times to date the end of follow-up")
        longest = np.max(np.column_stack(times), axis=1)
        last = entry.to_numpy() + pd.to_timedelta(longest * DAYS_PER_MONTH, unit="D").to_numpy()
        d = pd.Timestamp(last.max()).floor("D")
        settings.append(("cutoff rule", "day of the latest entry date + follow-up time (365.25/12 days a month)", True))
    return _Computed(d.date().isoformat(), data.source, settings, [("patients", int(keep.sum()))])


def _q_allocation(ctx, t):
    data = ctx.data
    if data is None:
        raise _NotAttempted("the register has no [analysis] table: no patient-level data to evaluate")
    arm = data.ipd[ctx.register.analysis.arm_column]
    a, b = (int((arm == x).sum()) for x in t.arms)
    if b == 0:
        raise _NotAttempted(f"no patients of arm {t.arms[1]!r} in the data")
    return _Computed(a / b, data.source, [], [("patients", f"{a}:{b}")])


def _q_design(ctx, t):
    raise _NotAttempted(DESIGN_REASON)


_HANDLERS = {
    "n": _q_n,
    "count": _q_count,
    "median": _q_median,
    "median_ci_low": _q_median,
    "median_ci_high": _q_median,
    "hr": _q_hr,
    "hr_ci_low": _q_hr,
    "hr_ci_high": _q_hr,
    "p_value": _q_p,
    "p_value_bound": _q_p,
    "proportion": _q_proportion,
    "proportion_ci_low": _q_proportion,
    "proportion_ci_high": _q_proportion,
    "survival_at": _q_survival_at,
    "survival_ci_low": _q_survival_at,
    "survival_ci_high": _q_survival_at,
    "rmst": _q_rmst,
    "median_followup": _q_followup,
    "accrual_start": _q_date,
    "accrual_end": _q_date,
    "data_cutoff": _q_date,
    "allocation_ratio": _q_allocation,
}


def _tolerance(t: Target) -> tuple[float | None, str]:
    if t.quantity == "p_value_bound":
        return None, f"bound: matches when p {t.comparator} {t.value:g}"
    if isinstance(t.value, str):
        unit = "month" if len(t.value.split("-")) == 2 else "day"
        return None, f"same {unit} as printed"
    if t.tolerance is not None:
        return float(t.tolerance), f"register tolerance ±{t.tolerance:g}: {t.tolerance_reason}"
    half = 0.5 * 10.0 ** (-(t.decimals or 0))
    if t.quantity in ("n", "count", "design_n", "design_events"):
        return half, "exact count"
    return half, f"printed precision: rounds to {t.printed} at {t.decimals} decimal{'s' if t.decimals != 1 else ''}"


def _miss_reason(t: Target, value, diff) -> str:
    if t.quantity == "p_value_bound":
        return f"p = {value:.4f} does not satisfy p {t.comparator} {t.value:g}"
    if isinstance(t.value, str):
        return f"{value} is not in {t.value} ({diff:+.0f} months)"
    if t.tolerance is not None:
        return f"|{value:.6g} - {t.value:g}| = {abs(diff):.4g} exceeds the tolerance {t.tolerance:g}"
    if t.quantity in ("n", "count"):
        return f"{int(value)} instead of {int(t.value)}"
    return f"{value:.{(t.decimals or 0) + 2}f} does not round to {t.printed} at {t.decimals} decimals"


def evaluate_target(target: Target, context) -> Evaluation:
    """Evaluate one target (``context`` as built inside :func:`evaluate_register`)."""
    t = target
    tol, rule = _tolerance(t)
    if t.quantity.startswith("design_"):
        return Evaluation(t, None, "not attempted", math.nan, tol, rule, DESIGN_REASON, "")
    handler = _HANDLERS.get(t.quantity)
    if handler is None:
        return Evaluation(t, None, "not attempted", math.nan, tol, rule,
                          f"no rule to compute a {t.quantity!r} from patient data", "")
    try:
        c = handler(context, t)
    except _NotAttempted as exc:
        return Evaluation(t, None, "not attempted", math.nan, tol, rule, str(exc), "")
    except InputError as exc:
        return Evaluation(t, None, "not attempted", math.nan, tol, rule, f"cannot compute: {exc}", "")
    settings = tuple((k, v, bool(a)) for k, v, a in c.settings)
    details = tuple(c.details)
    if c.value is None:
        return Evaluation(t, None, "miss", math.nan, tol, rule, c.miss_reason or "nothing computed",
                          c.source, settings, details)
    value = c.value
    if isinstance(value, (float, np.floating)) and t.quantity in ("n", "count"):
        value = int(value)
    ok, diff = matches(t, value)
    reason = ""
    if not ok:
        reason = _miss_reason(t, value, diff)
    if c.miss_reason:
        ok = False
        reason = c.miss_reason if not reason else f"{reason}; {c.miss_reason}"
    return Evaluation(t, value, "match" if ok else "miss", float(diff), tol, rule, reason, c.source,
                      settings, details)


def evaluate_register(register: Register, data=None) -> list[Evaluation]:
    """Evaluate every target of a register from the study's patient-level data.

    Parameters
    ----------
    register : Register
        As returned by :func:`survrepro.register.schema.load_register`.
    data : None, DataFrame or StudyData
        ``None`` reads the files the register's ``[analysis]`` table names (reconstructing
        digitized endpoints whose curves exist); a DataFrame is taken as the IPD file's
        content; a :class:`StudyData` is used as it is. A register without ``[analysis]``
        and no data gives every target ``"not attempted"``.

    Returns
    -------
    list of Evaluation
        One per target, in register order; none is dropped.

    Raises
    ------
    InputError
        When a file the register names is missing or malformed (the message names the
        register field, file, row and column).
    """
    if data is None:
        data = load_study_data(register) if register.analysis is not None else None
    elif isinstance(data, pd.DataFrame):
        data = study_data_from_frame(register, data)
    elif not isinstance(data, StudyData):
        raise InputError(f"data must be None, a DataFrame or StudyData; got {type(data).__name__}.")
    ctx = _Context(register, data)
    return [evaluate_target(t, ctx) for t in register.targets]
