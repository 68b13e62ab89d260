"""Evaluate every published target of a register from patient-level data.

For each target of a study's register (:mod:`survrepro.register.schema`) the number is recomputed
from the study's patient-level data by its quantity's rule (:mod:`survrepro.register.quantities`,
which uses the project's engine: Kaplan–Meier, Cox, log-rank, proportions, contingency tests,
RMST) under the method settings the register states, and compared with the printed value by
:func:`survrepro.register.matching.matches`. Every target gets exactly one
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

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from survrepro import io, paths
from survrepro._validation import InputError
from survrepro.engine._results import ResultMixin
from survrepro.engine.groups import group_labels, natural_order
from survrepro.register._context import Context, NotAttempted
from survrepro.register.matching import matches
from survrepro.register.quantities import DAYS_PER_MONTH, DESIGN_REASON, QUANTITIES
from survrepro.register.schema import Register, Target

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
_KIND_LABEL = {"synthetic": "SYNTHETIC IPD", "reconstructed": "reconstructed IPD", "ipd": "patient-level data"}


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
        ``reproduced - published`` (for dates, months or days: the precision printed); NaN when nothing was computed.
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
            d = (t.decimals or 0) + 2 if not _is_count(t) else 0
            text = f"{float(x):.{d}f}"
        return text + ("%" if self.target.scale == "percent" else "")

    def difference_text(self) -> str:
        if not math.isfinite(self.difference):
            return ""
        if isinstance(self.target.value, str):
            return f"{self.difference:+.0f} {_date_step(self.target.value)}"
        d = 0 if _is_count(self.target) else (self.target.decimals or 0) + 2
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
    """One row per evaluation (the columns of :meth:`Evaluation.to_dict`).

    Parameters
    ----------
    evaluations : iterable of Evaluation
        As returned by :func:`evaluate_register`.

    Returns
    -------
    pandas.DataFrame
        One row per evaluation; with no evaluation, no row but the same columns.

    Examples
    --------
    >>> from survrepro.register.schema import load_register
    >>> frame = evaluations_frame(evaluate_register(load_register("levee2025")))
    >>> frame.shape
    (32, 20)
    >>> frame.loc[frame["id"] == "ttnt_median", ["published", "reproduced", "status"]].to_numpy().tolist()
    [['6.9', '6.890', 'match']]
    """
    rows = [e.to_dict() for e in evaluations]
    columns = list(rows[0]) if rows else list(_EMPTY_ROW)
    return pd.DataFrame(rows, columns=columns)


_EMPTY_ROW = (
    "study", "id", "endpoint", "quantity", "arms", "role", "published", "reproduced", "reproduced_value",
    "difference", "tolerance", "tolerance_rule", "status", "reason", "data_source", "settings", "assumed",
    "details", "source", "quote",
)


def summarize(evaluations) -> dict:
    """Counts by status, overall and by role: ``{"all": {...}, "calibrate": {...}, "check": {...}}``.

    Parameters
    ----------
    evaluations : iterable of Evaluation
        As returned by :func:`evaluate_register`.

    Returns
    -------
    dict
        ``{"all": counts}`` and one entry per role present; each ``counts`` maps every
        status (``match``, ``miss``, ``not attempted``) to a number.

    Examples
    --------
    >>> from survrepro.register.schema import load_register
    >>> counts = summarize(evaluate_register(load_register("levee2025")))
    >>> counts["all"]
    {'match': 32, 'miss': 0, 'not attempted': 0}
    >>> counts["check"]
    {'match': 9, 'miss': 0, 'not attempted': 0}
    """
    out = {"all": {s: 0 for s in STATUSES}}
    for e in evaluations:
        out["all"][e.status] += 1
        out.setdefault(e.role, {s: 0 for s in STATUSES})[e.status] += 1
    return out


# --------------------------------------------------------------------------- patient data
@dataclass(frozen=True, repr=False)
class EndpointData:
    """Patients of one endpoint: a frame with ``time``, ``event``, ``arm`` (and ``death``,
    ``strata`` when mapped), where it came from, and the reconstruction fidelity if any.

    ``reconstruction`` is the :class:`~survrepro.sources.reconstruct.Reconstruction` the
    patients come from (``None`` for patient-level data): the report draws its fit."""

    frame: pd.DataFrame
    source: str
    fidelity: dict | None = None
    reconstruction: object | None = None


@dataclass(frozen=True, repr=False)
class StudyData:
    """A study's patient-level data, prepared for evaluation.

    Attributes
    ----------
    ipd : DataFrame or None
        The patient-level file as read (one row per patient), with ``arm`` as text; None
        when the register's only data are digitized curves.
    source : str
        Description of the IPD (``"SYNTHETIC IPD (levee2025/levee2025_synthetic.csv)"``), or
        of the reconstruction when there is no IPD.
    kind : str
        ``synthetic``, ``reconstructed`` or ``ipd``.
    endpoints : dict
        ``{endpoint: EndpointData}`` for every endpoint mapped in ``[analysis]``.
    entry : Series or None
        Entry dates (``datetime64``) when the register names an entry column.
    """

    ipd: pd.DataFrame | None
    source: str
    kind: str
    endpoints: dict = field(default_factory=dict)
    entry: pd.Series | None = None

    def __repr__(self) -> str:
        size = "no patient-level file" if self.ipd is None else f"{len(self.ipd)} patients"
        return f"StudyData({self.source}: {size}, endpoints {', '.join(self.endpoints) or 'none'})"


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


def _arm_labels(register: Register, df: pd.DataFrame, where: str) -> np.ndarray:
    """The arm of each patient as text, each one of the study's arms."""
    col = register.analysis.arm_column
    arm = df[col]
    if arm.isna().any():
        i = int(np.flatnonzero(arm.isna().to_numpy())[0])
        raise InputError(f"{where}: row {i + 1}, column {col!r} is empty; expected an arm id.")
    arm = _labels(arm)
    known = [x.id for x in register.study.arms]
    bad = [i for i, v in enumerate(arm) if v not in known]
    if bad:
        i = bad[0]
        raise InputError(
            f"{where}: row {i + 1}, column {col!r} is {arm[i]!r}; expected one of the study's arms "
            f"({', '.join(known)})."
        )
    return arm


def _entry_dates(df: pd.DataFrame, col: str, where: str) -> pd.Series:
    raw = df[col]
    entry = pd.to_datetime(raw.astype(str).str.strip(), format="ISO8601", errors="coerce")
    if entry.isna().any():
        i = int(np.flatnonzero(entry.isna().to_numpy())[0])
        raise InputError(f"{where}: row {i + 1}, column {col!r} is {raw.iloc[i]!r}; expected a date YYYY-MM-DD.")
    return entry


def _endpoint_frame(df: pd.DataFrame, ep, arm, strata, where: str) -> pd.DataFrame:
    """``time``, ``event``, ``arm`` (and ``death``, ``strata``) of one endpoint's columns."""
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
    return frame


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

    Raises
    ------
    InputError
        When a column the ``[analysis]`` table names is missing or malformed, naming
        ``where``, the row and the column.

    Examples
    --------
    >>> from survrepro import io, paths
    >>> from survrepro.register.schema import load_register
    >>> register = load_register("levee2025")
    >>> ipd = io.read_csv(paths.DATA / register.analysis.ipd)
    >>> data = study_data_from_frame(register, ipd)
    >>> data.kind, sorted(data.endpoints)
    ('synthetic', ['cohort', 'on_therapy_12m', 'on_therapy_6m', 'pfs', 'ttnt'])
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
    arm = _arm_labels(register, df, where)
    entry = _entry_dates(df, a.entry_column, where) if a.entry_column else None
    strata = _labels(df[a.strata_column]) if a.strata_column else None
    kind = a.ipd_kind
    source = f"{_KIND_LABEL[kind]} ({a.ipd})"
    endpoints = {}
    for name, ep in a.endpoint_map.items():
        endpoints[name] = EndpointData(_endpoint_frame(df, ep, arm, strata, where), source)
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

    Parameters
    ----------
    register : Register
        The study's register (its arm ids and sizes).
    endpoint : str
        The endpoint the curve shows.
    curves : pandas.DataFrame
        The digitized curves: ``time``, ``survival`` and ``arm`` (as read by
        :func:`survrepro.io.read_digitized_curve`).
    at_risk : pandas.DataFrame or None
        The numbers-at-risk table (:func:`survrepro.io.read_at_risk`), if published.
    source : str
        Description of the data, kept on the result.
    curve_where, at_risk_where : str
        Names of the curve and the risk table in messages (their files).
    method : str
        Reconstruction method (see :func:`survrepro.sources.reconstruct.reconstruct`).

    Returns
    -------
    EndpointData
        ``time``, ``event``, ``arm`` per reconstructed patient; ``fidelity`` per arm and the
        ``reconstruction`` itself.

    Raises
    ------
    InputError
        When the curve has no ``arm`` column or names an arm the study does not have.

    References
    ----------
    .. [1] Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of
       survival data: reconstructing the data from published Kaplan-Meier survival
       curves. BMC Med Res Methodol 2012;12:9.

    Examples
    --------
    A curve for the six patients of one arm, with no risk table:

    >>> import pandas as pd
    >>> from survrepro.register.schema import load_register
    >>> curve = pd.DataFrame({"time": [0, 2, 4, 6, 8], "survival": [1, 0.83, 0.67, 0.5, 0.5], "arm": "tnbc"})
    >>> ep = reconstruct_endpoint(load_register("levee2025"), "pfs", curve, None, source="digitized PFS")
    >>> ep.frame.to_numpy().tolist()  # doctest: +NORMALIZE_WHITESPACE
    [[2.0, 1, 'tnbc'], [4.0, 1, 'tnbc'], [6.0, 1, 'tnbc'], [8.0, 0, 'tnbc'], [8.0, 0, 'tnbc'],
     [8.0, 0, 'tnbc']]
    >>> ep.fidelity["arms"][0]["n_patients"]
    6
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
    return EndpointData(frame=frame.reset_index(drop=True), source=source, fidelity=rec.fidelity(),
                        reconstruction=rec)


def load_study_data(register: Register) -> StudyData:
    """Read the patient data the register's ``[analysis]`` table names (and reconstruct digitized endpoints).

    Parameters
    ----------
    register : Register
        A register with an ``[analysis]`` table.

    Returns
    -------
    StudyData

    Raises
    ------
    InputError
        When the register has no ``[analysis]`` table, a file it names is missing (the
        message names the register field), or a column is missing or malformed.

    A register whose only data are digitized curves (no ``ipd``) gets ``ipd = None``,
    ``kind = "reconstructed"`` and one endpoint per digitized curve; every number computed
    from it names the reconstruction as its source, and targets of other endpoints are not
    attempted.

    Examples
    --------
    >>> from survrepro.register.schema import load_register
    >>> data = load_study_data(load_register("levee2025"))
    >>> data.kind, data.ipd.shape
    ('synthetic', (52, 11))
    >>> data.source
    'SYNTHETIC IPD (levee2025/levee2025_synthetic_ipd.csv)'
    """
    a = register.analysis
    if a is None:
        raise InputError(f"{register.path}: no [analysis] table; expected one naming the patient-level data.")
    path = a.ipd_path
    if path is not None and not path.exists():
        raise InputError(
            f"{_where(register, 'ipd')}: no such file {path}; expected the study's patient-level data "
            f"(a path relative to {paths.DATA})."
        )
    ipd = io.read_csv(path, what="patient-level data file") if path is not None else None
    digitized = {}
    for name, d in a.digitized_map.items():
        curves_path = paths.DATA / d.curves
        if not curves_path.exists():
            if ipd is None:
                raise InputError(
                    f"{_where(register, f'digitized.{name} curves')}: no such file {curves_path}; expected the "
                    f"digitized curves, the register's only data (a path relative to {paths.DATA})."
                )
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
    if ipd is None:
        sources = "; ".join(f"{name}: {ep.source}" for name, ep in digitized.items())
        return StudyData(ipd=None, source=f"{_KIND_LABEL[a.ipd_kind]} ({sources})", kind=a.ipd_kind,
                         endpoints=digitized)
    return study_data_from_frame(register, ipd, where=str(path), digitized=digitized)


# --------------------------------------------------------------------------- evaluation
def _date_step(printed: str) -> str:
    """``months`` for a date printed to the month, ``days`` for one printed to the day."""
    return "months" if len(printed.split("-")) == 2 else "days"


def _is_count(t: Target) -> bool:
    return QUANTITIES[t.quantity].kind == "integer"


def _tolerance(t: Target) -> tuple[float | None, str]:
    if QUANTITIES[t.quantity].bound:
        return None, f"bound: matches when p {t.comparator} {t.value:g}"
    if isinstance(t.value, str):
        unit = _date_step(t.value)[:-1]
        return None, f"same {unit} as printed"
    if t.not_reached:
        return None, "not reached, as printed"
    if t.tolerance is not None:
        return float(t.tolerance), f"register tolerance ±{t.tolerance:g}: {t.tolerance_reason}"
    half = 0.5 * 10.0 ** (-(t.decimals or 0))
    if _is_count(t):
        return half, "exact count"
    return half, f"printed precision: rounds to {t.printed} at {t.decimals} decimal{'s' if t.decimals != 1 else ''}"


def _miss_reason(t: Target, value, diff) -> str:
    if QUANTITIES[t.quantity].bound:
        return f"p = {value:.4f} does not satisfy p {t.comparator} {t.value:g}"
    if isinstance(t.value, str):
        return f"{value} is not in {t.value} ({diff:+.0f} {_date_step(t.value)})"
    if t.not_reached:
        return f"reached at {value:.2f} in the data; printed as not reached"
    if t.tolerance is not None:
        return f"|{value:.6g} - {t.value:g}| = {abs(diff):.4g} exceeds the tolerance {t.tolerance:g}"
    if _is_count(t):
        return f"{int(value)} instead of {int(t.value)}"
    return f"{value:.{(t.decimals or 0) + 2}f} does not round to {t.printed} at {t.decimals} decimals"


def evaluate_target(target: Target, context) -> Evaluation:
    """Evaluate one target (``context`` as built inside :func:`evaluate_register`).

    The number is computed by the target's quantity (:attr:`Quantity.evaluate
    <survrepro.register.quantities.Quantity>`) and compared with the printed value.

    Parameters
    ----------
    target : Target
        A target of the register.
    context : survrepro.register._context.Context
        The register, its :class:`StudyData` and this function (which a quantity may
        call for the targets it depends on).

    Returns
    -------
    Evaluation
        ``match`` or ``miss`` with the reproduced value, or ``not attempted`` with the reason.

    Examples
    --------
    >>> from survrepro.register.schema import load_register
    >>> from survrepro.register._context import Context
    >>> register = load_register("levee2025")
    >>> context = Context(register, load_study_data(register), evaluate_target)
    >>> evaluate_target(register.by_id("ttnt_median"), context)
    Evaluation(levee2025:ttnt_median published 6.9, reproduced 6.890: match)
    """
    t = target
    tol, rule = _tolerance(t)
    evaluate = QUANTITIES[t.quantity].evaluate
    if evaluate is None:
        return Evaluation(t, None, "not attempted", math.nan, tol, rule,
                          f"no rule to compute a {t.quantity!r} from patient data", "")
    try:
        c = evaluate(context, t)
    except NotAttempted as exc:
        return Evaluation(t, None, "not attempted", math.nan, tol, rule, str(exc), "")
    except InputError as exc:
        return Evaluation(t, None, "not attempted", math.nan, tol, rule, f"cannot compute: {exc}", "")
    settings = tuple((k, v, bool(a)) for k, v, a in c.settings)
    details = tuple(c.details)
    if c.value is None:
        if t.not_reached:
            return Evaluation(t, None, "match", math.nan, tol, rule, "", c.source, settings, details)
        return Evaluation(t, None, "miss", math.nan, tol, rule, c.miss_reason or "nothing computed",
                          c.source, settings, details)
    value = c.value
    if isinstance(value, (float, np.floating)) and _is_count(t):
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

    Examples
    --------
    >>> from survrepro.register.schema import load_register
    >>> evaluations = evaluate_register(load_register("levee2025"))
    >>> len(evaluations), evaluations[0]
    (32, Evaluation(levee2025:accrual_start published 2017-12, reproduced 2017-12-16: match))
    """
    if data is None:
        data = load_study_data(register) if register.analysis is not None else None
    elif isinstance(data, pd.DataFrame):
        data = study_data_from_frame(register, data)
    elif not isinstance(data, StudyData):
        raise InputError(f"data must be None, a DataFrame or StudyData; got {type(data).__name__}.")
    ctx = Context(register, data, evaluate_target)
    return [evaluate_target(t, ctx) for t in register.targets]
