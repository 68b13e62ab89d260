"""The published-target register: every published number of a study, with its source.

One TOML file per study (``data/published/<study>.toml``) holds the study's metadata
and one ``[[target]]`` entry per published number: what it measures (endpoint,
quantity, arm), its value as printed and the decimals it was printed with, an optional
wider tolerance with its reason, the method settings that apply, the quoted source
sentence and a role (``calibrate``: used to build synthetic data; ``check``: held out).
The schema is documented in ``data/published/README.md``.

:func:`load_register` validates every entry and names the file and the entry on any
fault; what each quantity requires is its entry in :mod:`survrepro.register.quantities`.
:func:`matches` (from :mod:`survrepro.register.matching`) decides whether a reproduced
number matches a printed one.

Examples
--------
>>> from survrepro.register.schema import load_register, matches
>>> reg = load_register("extend_breast")            # doctest: +SKIP
>>> matches(reg.by_id("pfs_median_mdt"), 15.63)     # doctest: +SKIP
(True, 0.03...)
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from survrepro import io, paths
from survrepro._validation import MAX_PATIENTS, InputError, excerpt
from survrepro.register._context import LANDMARK_NAME
from survrepro.register.matching import DATE, format_value, matches, parse_date, printed_interval, round_half_away
from survrepro.register.quantities import QUANTITIES

__all__ = [
    "QUANTITIES",
    "ROLES",
    "METHOD_SETTINGS",
    "Arm",
    "Study",
    "Target",
    "Register",
    "Analysis",
    "EndpointColumns",
    "DigitizedSource",
    "IPD_KINDS",
    "NOT_REACHED",
    "load_register",
    "list_studies",
    "register_path",
    "matches",
    "round_half_away",
    "printed_interval",
]

ROLES = ("calibrate", "check")
#: How a register writes a median (or a limit of its interval) printed as not reached.
NOT_REACHED = "NR"
SCALES = ("fraction", "percent")
COMPARATORS = (">", ">=", "<", "<=")
DESIGNS = ("randomized", "single_arm", "cohort", "case_control", "registry", "other")

#: Method settings a target may carry, with their allowed values (None: free text).
METHOD_SETTINGS = {
    "ci_transform": ("log", "log-log", "plain", "not reported"),
    "ties": ("efron", "breslow", "exact", "not reported"),
    "test": (
        "wald", "logrank", "score", "likelihood_ratio", "pearson", "pearson_yates",
        "fisher", "binomial_exact", "not reported",
    ),
    "sided": ("one-sided", "two-sided", "not reported"),
    "confidence_level": None,  # a number in (0, 1)
    "stratified": None,  # true, false or "not reported"
    "median_rule": None,
    "followup_method": None,
    "estimator": None,
    "direction": None,
    "evaluable": None,
    "assumed": None,  # bool
    "note": None,
}

_STUDY_REQUIRED = ("id", "title", "citation", "doi", "time_unit", "design", "sources", "arms", "data")
_STUDY_ALLOWED = set(_STUDY_REQUIRED) | {"registry", "url"}
_TARGET_REQUIRED = ("id", "endpoint", "quantity", "value", "quote", "source", "role")
#: Target fields whose use depends on the quantity (see :attr:`Quantity.required <survrepro.register.quantities.Quantity>`).
_QUANTITY_FIELDS = ("scale", "numerator", "denominator", "comparator", "time", "count_of")
_TARGET_ALLOWED = set(_TARGET_REQUIRED) | set(_QUANTITY_FIELDS) | {
    "arm", "arms", "decimals", "tolerance", "tolerance_reason", "method", "description",
}
IPD_KINDS = ("synthetic", "reconstructed", "ipd")
_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
#: Longest study id (it names files: data/published/<id>.toml, data/<id>/).
_MAX_ID = 100
#: Longest data file path under data/ (the system's limit on a file name is 255 bytes).
_MAX_DATA_PATH = 200


# --------------------------------------------------------------------------- data classes
@dataclass(frozen=True)
class Arm:
    """A group of the study (a randomized arm, or a subgroup of a cohort)."""

    id: str
    label: str
    n: int | None = None


@dataclass(frozen=True)
class Study:
    """Metadata of a study: citation, time unit, design, sources and arms."""

    id: str
    title: str
    citation: str
    doi: str
    time_unit: str
    design: str
    sources: tuple[str, ...]
    arms: tuple[Arm, ...]
    data: str
    registry: str = ""
    url: str = ""

    def arm(self, arm_id: str) -> Arm:
        """The arm with id ``arm_id``.

        Parameters
        ----------
        arm_id : str
            One of the ids in ``arms``.

        Returns
        -------
        Arm

        Raises
        ------
        InputError
            When the study has no such arm, listing the arms it has.

        Examples
        --------
        >>> load_register("levee2025").study.arm("tnbc")
        Arm(id='tnbc', label='TNBC', n=6)
        """
        for a in self.arms:
            if a.id == arm_id:
                return a
        raise InputError(
            f"study {self.id!r} has no arm {arm_id!r}; its arms are {', '.join(a.id for a in self.arms)}."
        )

    @property
    def n(self) -> int | None:
        """Sum of the arms' sizes, or None when any arm's size is unknown."""
        sizes = [a.n for a in self.arms]
        if not sizes or any(s is None for s in sizes):
            return None
        return int(sum(sizes))


@dataclass(frozen=True)
class Target:
    """One published number.

    ``arms`` is empty for the whole study population, one arm id for an arm or
    subgroup, and two or more for a comparison (the first arm is the experimental
    arm, the ratio is first over second). ``numerator`` and ``denominator`` of a
    proportion are whole numbers (resolved from the count targets they may name).
    """

    study: str
    id: str
    endpoint: str
    quantity: str
    arms: tuple[str, ...]
    value: float | str
    decimals: int | None
    quote: str
    source: str
    role: str
    tolerance: float | None = None
    tolerance_reason: str = ""
    method: tuple[tuple[str, object], ...] = ()
    description: str = ""
    scale: str | None = None
    numerator: int | None = None
    denominator: int | None = None
    numerator_ref: str | None = None
    denominator_ref: str | None = None
    comparator: str | None = None
    time: float | None = None
    count_of: str | None = None

    @property
    def arm(self) -> str | None:
        """The single arm of the target, or None (whole study or a comparison)."""
        return self.arms[0] if len(self.arms) == 1 else None

    @property
    def settings(self) -> dict:
        """Method settings as a dictionary."""
        return dict(self.method)

    @property
    def assumed(self) -> bool:
        """True when a method setting is an assumption rather than what the source states."""
        return bool(self.settings.get("assumed", False))

    @property
    def scale_factor(self) -> float:
        """100 when the value is printed as a percentage, else 1."""
        return 100.0 if self.scale == "percent" else 1.0

    @property
    def not_reached(self) -> bool:
        """True for a median or limit printed as not reached (``NR``; kept as ``math.inf``)."""
        return isinstance(self.value, float) and self.value == math.inf

    @property
    def printed(self) -> str:
        """The value as printed (``15.6``, ``0.86``, ``> 0.05``, ``2018-09``, ``NR``)."""
        if isinstance(self.value, str):
            return self.value
        if self.not_reached:
            return NOT_REACHED
        text = format_value(self.value, self.decimals or 0)
        if self.scale == "percent":
            text += "%"
        if self.comparator:
            text = f"{self.comparator} {text}"
        return text

    def method_text(self) -> str:
        """Method settings as ``key=value; ...`` (empty when none)."""
        return "; ".join(f"{k}={v}" for k, v in self.method)

    def __repr__(self) -> str:
        where = ",".join(self.arms) or "all"
        return f"Target({self.id}: {self.endpoint} {self.quantity} [{where}] = {self.printed}, {self.role})"


@dataclass(frozen=True)
class EndpointColumns:
    """Where an endpoint's times and events are in the patient-level data.

    ``landmark`` (a time), ``death``, ``evaluable`` and ``death_is_failure`` apply to an
    endpoint counted at a landmark (on the same therapy at 6 months, say): see
    :func:`survrepro.engine.proportion.proportion_on_therapy`.
    """

    endpoint: str
    time: str
    event: str
    death: str | None = None
    landmark: float | None = None
    evaluable: str = "followed"
    death_is_failure: bool = True


@dataclass(frozen=True)
class DigitizedSource:
    """Digitized curves (``time,survival,arm``) and optional numbers at risk (``time,n_at_risk,arm``)
    of one endpoint, paths relative to ``data/``; used instead of the IPD when the curves exist, and the
    only data of a register without ``ipd``."""

    endpoint: str
    curves: str
    at_risk: str | None = None
    label: str = ""


@dataclass(frozen=True)
class Analysis:
    """The ``[analysis]`` table of a register: where the patient data are and how endpoints map to columns.

    ``ipd`` is relative to ``data/``; ``ipd_kind`` is ``synthetic``, ``reconstructed`` or
    ``ipd`` and is printed with every reproduced number. A register whose only data are
    digitized curves has ``ipd = None`` and ``ipd_kind = "reconstructed"``: the endpoints
    with curves are evaluated on patients reconstructed from them, the others not at all.
    """

    ipd: str | None
    ipd_kind: str
    arm_column: str
    entry_column: str | None = None
    strata_column: str | None = None
    endpoints: tuple[tuple[str, EndpointColumns], ...] = ()
    digitized: tuple[tuple[str, DigitizedSource], ...] = ()
    note: str = ""

    @property
    def endpoint_map(self) -> dict:
        """``{endpoint: EndpointColumns}``."""
        return dict(self.endpoints)

    @property
    def digitized_map(self) -> dict:
        """``{endpoint: DigitizedSource}``."""
        return dict(self.digitized)

    @property
    def ipd_path(self) -> Path | None:
        """Absolute path of the patient-level data file (None when the only data are digitized curves)."""
        return None if self.ipd is None else paths.DATA / self.ipd


@dataclass(frozen=True, repr=False)
class Register:
    """A study's published targets, as loaded and validated from its TOML file."""

    path: Path
    study: Study
    targets: tuple[Target, ...]
    analysis: Analysis | None = None

    def by_id(self, target_id: str) -> Target:
        """The target with id ``target_id``.

        Parameters
        ----------
        target_id : str
            The ``id`` of a ``[[target]]`` entry.

        Returns
        -------
        Target

        Raises
        ------
        InputError
            When the register has no such target.

        Examples
        --------
        >>> target = load_register("levee2025").by_id("n_tnbc")
        >>> target.quantity, target.arm, target.printed
        ('n', 'tnbc', '6')
        """
        for t in self.targets:
            if t.id == target_id:
                return t
        raise InputError(f"{self.path}: no target with id {target_id!r}.")

    def with_role(self, role: str) -> tuple[Target, ...]:
        """Targets with role ``"calibrate"`` or ``"check"``.

        Parameters
        ----------
        role : {"calibrate", "check"}
            ``calibrate``: the numbers synthetic data are fitted to; ``check``: the
            numbers held out to test the reproduction.

        Returns
        -------
        tuple of Target
            In register order.

        Examples
        --------
        >>> register = load_register("levee2025")
        >>> len(register.with_role("calibrate")), len(register.with_role("check"))
        (23, 9)
        """
        if role not in ROLES:
            raise InputError(f"role must be one of {', '.join(map(repr, ROLES))}; got {role!r}.")
        return tuple(t for t in self.targets if t.role == role)

    def select(self, *, endpoint=None, quantity=None, arms=None, role=None) -> tuple[Target, ...]:
        """Targets matching every criterion given (``arms`` as a tuple, ``()`` for the whole study).

        Parameters
        ----------
        endpoint, quantity, role : str, optional
            Keep targets with this endpoint, quantity or role; ``None`` keeps all.
        arms : sequence of str, optional
            Keep targets about exactly these arms (``()``: the whole study).

        Returns
        -------
        tuple of Target
            In register order.

        Examples
        --------
        >>> register = load_register("levee2025")
        >>> [(t.id, t.printed) for t in register.select(quantity="median", arms=())]
        [('ttnt_median', '6.9'), ('pfs_median', '6.2')]
        """
        out = []
        for t in self.targets:
            if endpoint is not None and t.endpoint != endpoint:
                continue
            if quantity is not None and t.quantity != quantity:
                continue
            if arms is not None and t.arms != tuple(arms):
                continue
            if role is not None and t.role != role:
                continue
            out.append(t)
        return tuple(out)

    def to_frame(self) -> pd.DataFrame:
        """One row per target (tidy, snake_case columns)."""
        rows = []
        for t in self.targets:
            rows.append(
                {
                    "study": t.study,
                    "id": t.id,
                    "endpoint": t.endpoint,
                    "quantity": t.quantity,
                    "arms": ",".join(t.arms),
                    "value": t.value,
                    "printed": t.printed,
                    "decimals": t.decimals,
                    "scale": t.scale,
                    "numerator": t.numerator,
                    "denominator": t.denominator,
                    "comparator": t.comparator,
                    "time": t.time,
                    "tolerance": t.tolerance,
                    "tolerance_reason": t.tolerance_reason,
                    "role": t.role,
                    "method": t.method_text(),
                    "assumed": t.assumed,
                    "source": t.source,
                    "quote": t.quote,
                }
            )
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        n_cal = len(self.with_role("calibrate"))
        return (
            f"Register({self.study.id}: {len(self.targets)} targets, {n_cal} calibrate, "
            f"{len(self.targets) - n_cal} check)"
        )

    def _repr_html_(self) -> str:
        return f"<p><code>{self!r}</code></p>" + self.to_frame()._repr_html_()


# --------------------------------------------------------------------------- loading
def list_studies() -> list[str]:
    """Ids of the studies with a register in ``data/published/`` (sorted).

    Returns
    -------
    list of str

    Examples
    --------
    >>> list_studies()
    ['extend_breast', 'levee2025']
    """
    return sorted(p.stem for p in paths.PUBLISHED.glob("*.toml"))


def register_path(path_or_study) -> Path:
    """Path of a register: a ``.toml`` path as given, or ``data/published/<study>.toml``.

    Parameters
    ----------
    path_or_study : str or path-like
        A study id, or a path (anything ending in ``.toml`` or holding a path separator).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    InputError
        For a study id without a register, listing the known studies.

    Examples
    --------
    >>> from survrepro import paths
    >>> register_path("levee2025").relative_to(paths.ROOT).as_posix()
    'data/published/levee2025.toml'
    >>> register_path("my/study.toml").as_posix()
    'my/study.toml'
    """
    text = str(path_or_study)
    if text.endswith(".toml") or "/" in text or "\\" in text:
        return Path(path_or_study)
    path = paths.PUBLISHED / f"{text}.toml"
    if not _SNAKE.match(text) or len(text) > _MAX_ID:
        known = ", ".join(list_studies()) or "none"
        raise InputError(
            f"unknown study {excerpt(text)}: a study id is snake_case of at most {_MAX_ID} characters; "
            f"known studies: {known} (or give the path of a .toml register)."
        )
    if not path.exists():
        known = ", ".join(list_studies()) or "none"
        raise InputError(
            f"unknown study {text!r}: no file {path}; known studies: {known} "
            f"(or give the path of a .toml register)."
        )
    return path


def load_register(path_or_study) -> Register:
    """Load and validate a study's register.

    Parameters
    ----------
    path_or_study : str or path-like
        A study id (``"extend_breast"`` reads ``data/published/extend_breast.toml``) or
        the path of a ``.toml`` register.

    Returns
    -------
    Register

    Raises
    ------
    InputError
        On any fault, with one sentence naming the file, the entry and what was expected.

    Examples
    --------
    >>> register = load_register("levee2025")
    >>> register.study.id, register.study.n, len(register.targets)
    ('levee2025', 52, 32)
    >>> [arm.id for arm in register.study.arms]
    ['hr_pos_her2_neg', 'her2_pos', 'tnbc']
    """
    path = register_path(path_or_study)
    raw = io.read_toml(path)
    return _parse(raw, path)


class _Where:
    """Builds error messages naming the file and the entry."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, what: str):
        raise InputError(f"{self.path}: {where}: {what}")


def _unknown_keys(w: _Where, where: str, table: dict, allowed) -> None:
    extra = sorted(set(table) - set(allowed))
    if extra:
        w.fail(where, f"unknown field {extra[0]!r}; allowed fields are {', '.join(sorted(allowed))}.")


def _text(w: _Where, where: str, table: dict, key: str, *, required=True) -> str:
    if key not in table:
        if required:
            w.fail(where, f"missing field {key!r}.")
        return ""
    val = table[key]
    if not isinstance(val, str) or not val.strip():
        w.fail(where, f"field {key!r} must be non-empty text; got {excerpt(val)}.")
    return val.strip()


def _number(w: _Where, where: str, key: str, val) -> float:
    if isinstance(val, bool) or not isinstance(val, (int, float)) or not math.isfinite(val):
        w.fail(where, f"field {key!r} must be a finite number; got {val!r}.")
    return float(val)


def _parse(raw: dict, path: Path) -> Register:
    w = _Where(path)
    _unknown_keys(w, "top level", raw, {"study", "target", "analysis"})
    if not isinstance(raw.get("study"), dict):
        w.fail("top level", "missing [study] table; expected the study's metadata.")
    study = _parse_study(w, raw["study"])
    entries = raw.get("target")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        w.fail("top level", "expected one or more [[target]] entries.")

    ids = [e.get("id") for e in entries]
    seen: set = set()
    for i, tid in enumerate(ids, start=1):
        where = f"target {i}"
        if not isinstance(tid, str) or not _SNAKE.match(tid):
            w.fail(where, f"id must be snake_case text (lower-case letters, digits, _); got {tid!r}.")
        if tid in seen:
            w.fail(f"target {tid!r} (entry {i})", "duplicate id; every target id must be unique.")
        seen.add(tid)

    by_id = {e["id"]: e for e in entries}
    targets = tuple(_parse_target(w, study, e, i, by_id) for i, e in enumerate(entries, start=1))

    # Arm sizes: from the arm table or from the `n` target of the arm; both must agree.
    arms = []
    for a in study.arms:
        n_targets = [t for t in targets if QUANTITIES[t.quantity].arm_size and t.arms == (a.id,)]
        if len(n_targets) > 1:
            w.fail(f"arm {a.id!r}", f"has {len(n_targets)} {n_targets[0].quantity!r} targets; expected at most one.")
        n = a.n
        if n_targets:
            tn = int(n_targets[0].value)
            if n is not None and n != tn:
                w.fail(
                    f"arm {a.id!r}",
                    f"n = {n} in [study] but target {n_targets[0].id!r} says {tn}; expected the same number.",
                )
            n = tn
        arms.append(Arm(a.id, a.label, n))
    study = Study(**{**study.__dict__, "arms": tuple(arms)})
    analysis = _parse_analysis(w, raw["analysis"]) if "analysis" in raw else None
    return Register(path=path, study=study, targets=targets, analysis=analysis)


_ANALYSIS_ALLOWED = {"ipd", "ipd_kind", "arm_column", "entry_column", "strata_column", "endpoints", "digitized", "note"}
_ENDPOINT_ALLOWED = {"time", "event", "death", "landmark", "evaluable", "death_is_failure"}
_DIGITIZED_ALLOWED = {"curves", "at_risk", "label"}


def _data_file(w: _Where, where: str, table: dict, key: str, *, required=True) -> str | None:
    """A data file path relative to ``data/``: relative, inside the data folder, a CSV."""
    if key not in table and not required:
        return None
    text = _text(w, where, table, key)
    p = Path(text)
    if p.is_absolute() or ".." in p.parts:
        w.fail(where, f"field {key!r} must be a path relative to the data folder (like 'study/file.csv'); "
                      f"got {excerpt(text)}.")
    if len(text) > _MAX_DATA_PATH or any(len(part.encode()) > 255 for part in p.parts):
        w.fail(where, f"field {key!r} is {len(text)} characters long; expected a path of at most "
                      f"{_MAX_DATA_PATH} characters (and 255 bytes per name).")
    if p.suffix.lower() != ".csv":
        w.fail(where, f"field {key!r} must name a .csv file; got {excerpt(text)}.")
    if not (paths.inside(paths.DATA / p, paths.DATA) or paths.inside(paths.DATA / p, paths.ROOT)):
        w.fail(where, f"field {key!r} ({excerpt(text)}) leads outside the project through a symbolic link; "
                      f"expected a file inside {paths.DATA}.")
    return p.as_posix()


def _parse_analysis(w: _Where, a) -> Analysis:
    where = "[analysis]"
    if not isinstance(a, dict):
        w.fail(where, "must be a table (ipd, ipd_kind, arm_column, [analysis.endpoints.<endpoint>] ...).")
    _unknown_keys(w, where, a, _ANALYSIS_ALLOWED)
    digitized_only = "ipd" not in a and isinstance(a.get("digitized"), dict) and bool(a["digitized"])
    if digitized_only:
        # The only data are digitized curves: every evaluated endpoint is a reconstruction.
        for key in ("arm_column", "entry_column", "strata_column", "endpoints"):
            if key in a:
                w.fail(where, f"{key} names columns of patient-level data, but there is no ipd; expected an ipd "
                              f"file with it, or only [analysis.digitized.<endpoint>] tables.")
        ipd = None
        kind = _text(w, where, a, "ipd_kind", required=False) or "reconstructed"
        if kind != "reconstructed":
            w.fail(where, f"without ipd the data are reconstructed from the digitized curves, so ipd_kind must be "
                          f"'reconstructed' or left out; got {kind!r}.")
        arm_column = "arm"
        entry = strata = None
    else:
        if "ipd" not in a:
            w.fail(where, "missing field 'ipd'; expected the patient-level data file, or "
                          "[analysis.digitized.<endpoint>] tables naming digitized curves.")
        ipd = _data_file(w, where, a, "ipd")
        kind = _text(w, where, a, "ipd_kind")
        if kind not in IPD_KINDS:
            w.fail(where, f"ipd_kind must be one of {', '.join(map(repr, IPD_KINDS))}; got {kind!r}.")
        if kind == "synthetic" and "synthetic" not in Path(ipd).name.lower():
            w.fail(where, f"ipd {ipd!r} is synthetic but its file name does not say so; expected 'synthetic' in the name.")
        arm_column = _text(w, where, a, "arm_column")
        entry = _text(w, where, a, "entry_column", required=False) or None
        strata = _text(w, where, a, "strata_column", required=False) or None

    def _tables(key):
        raw = a.get(key, {})
        if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
            w.fail(where, f"{key} must hold one table per endpoint, like [analysis.{key}.pfs].")
        for name in raw:
            if not _SNAKE.match(name):
                w.fail(f"[analysis.{key}.{name}]", "the endpoint name must be snake_case, as in the targets.")
        return raw

    endpoints = []
    for name, e in _tables("endpoints").items():
        ew = f"[analysis.endpoints.{name}]"
        _unknown_keys(w, ew, e, _ENDPOINT_ALLOWED)
        landmark = None
        if "landmark" in e:
            landmark = _number(w, ew, "landmark", e["landmark"])
            if landmark <= 0:
                w.fail(ew, f"landmark must be a time > 0; got {e['landmark']!r}.")
        evaluable = e.get("evaluable", "followed")
        if evaluable not in ("followed", "all"):
            w.fail(ew, f"evaluable must be 'followed' or 'all'; got {evaluable!r}.")
        dif = e.get("death_is_failure", True)
        if not isinstance(dif, bool):
            w.fail(ew, f"death_is_failure must be true or false; got {dif!r}.")
        if not dif and "death" not in e:
            w.fail(ew, "death_is_failure = false needs a 'death' column (1 when the ending was death).")
        endpoints.append((name, EndpointColumns(
            endpoint=name,
            time=_text(w, ew, e, "time"),
            event=_text(w, ew, e, "event"),
            death=_text(w, ew, e, "death", required=False) or None,
            landmark=landmark,
            evaluable=evaluable,
            death_is_failure=dif,
        )))
    digitized = []
    for name, d in _tables("digitized").items():
        dw = f"[analysis.digitized.{name}]"
        _unknown_keys(w, dw, d, _DIGITIZED_ALLOWED)
        digitized.append((name, DigitizedSource(
            endpoint=name,
            curves=_data_file(w, dw, d, "curves"),
            at_risk=_data_file(w, dw, d, "at_risk", required=False),
            label=_text(w, dw, d, "label", required=False),
        )))
    return Analysis(
        ipd=ipd,
        ipd_kind=kind,
        arm_column=arm_column,
        entry_column=entry,
        strata_column=strata,
        endpoints=tuple(sorted(endpoints)),
        digitized=tuple(sorted(digitized)),
        note=_text(w, where, a, "note", required=False),
    )


def _parse_study(w: _Where, s: dict) -> Study:
    where = "[study]"
    _unknown_keys(w, where, s, _STUDY_ALLOWED)
    for key in _STUDY_REQUIRED:
        if key not in s:
            w.fail(where, f"missing field {key!r}.")
    sid = _text(w, where, s, "id")
    if not _SNAKE.match(sid) or len(sid) > _MAX_ID:
        w.fail(where, f"id must be snake_case text of at most {_MAX_ID} characters; got {excerpt(sid)}.")
    if w.path.suffix == ".toml" and w.path.stem != sid and w.path.parent == paths.PUBLISHED:
        w.fail(where, f"id {sid!r} differs from the file name; expected {w.path.stem!r}.")
    design = _text(w, where, s, "design")
    if design not in DESIGNS:
        w.fail(where, f"design must be one of {', '.join(map(repr, DESIGNS))}; got {design!r}.")
    sources = s["sources"]
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not sources or not all(isinstance(x, str) and x.strip() for x in sources):
        w.fail(where, "sources must be a list of source file names.")
    arms_raw = s["arms"]
    if not isinstance(arms_raw, list) or not arms_raw or not all(isinstance(a, dict) for a in arms_raw):
        w.fail(where, "arms must be a list of tables like {id = \"...\", label = \"...\"}.")
    arms = []
    for j, a in enumerate(arms_raw, start=1):
        aw = f"[study] arm {j}"
        _unknown_keys(w, aw, a, {"id", "label", "n"})
        aid = _text(w, aw, a, "id")
        if not _SNAKE.match(aid):
            w.fail(aw, f"id must be snake_case text; got {aid!r}.")
        if aid in {x.id for x in arms}:
            w.fail(f"[study] arm {aid!r}", "duplicate arm id.")
        n = a.get("n")
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n <= 0):
            w.fail(f"[study] arm {aid!r}", f"n must be a positive whole number; got {n!r}.")
        arms.append(Arm(aid, _text(w, aw, a, "label"), n))
    return Study(
        id=sid,
        title=_text(w, where, s, "title"),
        citation=_text(w, where, s, "citation"),
        doi=_text(w, where, s, "doi"),
        time_unit=_text(w, where, s, "time_unit"),
        design=design,
        sources=tuple(x.strip() for x in sources),
        arms=tuple(arms),
        data=_text(w, where, s, "data"),
        registry=_text(w, where, s, "registry", required=False),
        url=_text(w, where, s, "url", required=False),
    )


def _parse_target(w: _Where, study: Study, e: dict, i: int, by_id: dict) -> Target:
    """One ``[[target]]`` entry, validated step by step (the first fault found is reported)."""
    tid = e["id"]
    where = f"target {tid!r} (entry {i})"
    endpoint, q, role, quote, source = _target_basics(w, where, study, e)
    _check_quantity_fields(w, where, e, q)
    arms = _parse_arms(w, where, study, e, q)
    value, decimals, scale = _parse_value(w, where, e, q, quote)
    tolerance, reason = _parse_tolerance(w, where, e, q, decimals)
    method = _parse_method(w, where, e.get("method", {}))
    specific = _parse_specific_fields(w, where, e, q, by_id)
    return Target(
        study=study.id,
        id=tid,
        endpoint=endpoint,
        quantity=q.name,
        arms=arms,
        value=value,
        decimals=decimals,
        quote=quote,
        source=source,
        role=role,
        tolerance=tolerance,
        tolerance_reason=reason,
        method=method,
        description=_text(w, where, e, "description", required=False),
        scale=scale,
        **specific,
    )


#: The unit a landmark endpoint's name ends with (:data:`~survrepro.register._context.LANDMARK_NAME`).
_UNIT_OF = {"d": "days", "w": "weeks", "m": "months", "y": "years"}


def _target_basics(w, where, study, e):
    """The fields every target has: (endpoint, quantity, role, quote, source)."""
    _unknown_keys(w, where, e, _TARGET_ALLOWED)
    for key in _TARGET_REQUIRED:
        if key not in e:
            w.fail(where, f"missing field {key!r}.")
    endpoint = _text(w, where, e, "endpoint")
    if not _SNAKE.match(endpoint):
        w.fail(where, f"endpoint must be snake_case text; got {endpoint!r}.")
    named = LANDMARK_NAME.match(endpoint)
    unit = study.time_unit.strip().lower()
    if named and unit.rstrip("s") in ("day", "week", "month", "year") and named.group("u") != unit[0]:
        w.fail(where, f"endpoint {endpoint!r} names a landmark in {_UNIT_OF[named.group('u')]} but the register's "
                      f"times are in {unit}; name it {named.group('base')}_<L>{unit[0]} with L in {unit}.")
    q = QUANTITIES.get(e["quantity"]) if isinstance(e["quantity"], str) else None
    if q is None:
        w.fail(where, f"unknown quantity {e['quantity']!r}; expected one of {', '.join(QUANTITIES)}.")
    role = e["role"]
    if role not in ROLES:
        w.fail(where, f"role must be 'calibrate' or 'check'; got {role!r}.")
    quote = _text(w, where, e, "quote")
    source = _text(w, where, e, "source")
    if source not in study.sources:
        w.fail(where, f"source {source!r} is not among the study's sources ({', '.join(study.sources)}).")
    return endpoint, q, role, quote, source


def _check_quantity_fields(w, where, e, q) -> None:
    """Fields of other quantities are refused; the quantity's required fields must be there."""
    for key in sorted(set(_QUANTITY_FIELDS) & set(e)):
        if key not in q.fields:
            w.fail(where, f"field {key!r} does not apply to quantity {q.name!r}.")
    for key in q.required:
        if key not in e:
            w.fail(where, f"quantity {q.name!r} needs field {key!r}.")


def _parse_arms(w, where, study, e, q) -> tuple[str, ...]:
    if "arm" in e and "arms" in e:
        w.fail(where, "give either 'arm' (one arm) or 'arms' (a comparison), not both.")
    if "arm" in e:
        arm = e["arm"]
        if not isinstance(arm, str):
            w.fail(where, f"arm must be an arm id (text); got {arm!r}.")
        arms = (arm,)
    elif "arms" in e:
        arms = e["arms"]
        if not isinstance(arms, list) or len(arms) < 2 or not all(isinstance(a, str) for a in arms):
            w.fail(where, "arms must be a list of two or more arm ids (a comparison); use 'arm' for one arm.")
        if len(set(arms)) != len(arms):
            w.fail(where, f"arms {arms!r} repeats an arm.")
        arms = tuple(arms)
    else:
        arms = ()
    known = [a.id for a in study.arms]
    for a in arms:
        if a not in known:
            w.fail(where, f"arm {a!r} is not an arm of the study; expected one of {', '.join(known)}.")
    problem = q.arms_error(arms)
    if problem:
        w.fail(where, problem)
    return arms


def _parse_value(w, where, e, q, quote):
    """(value, decimals, scale): a date as written, or a number in range shown in the quote."""
    value = e["value"]
    decimals = e.get("decimals")
    scale = e.get("scale", q.default_scale)
    if scale is not None and scale not in SCALES:
        w.fail(where, f"scale must be 'fraction' or 'percent'; got {scale!r}.")
    if q.kind == "date":
        _check_date(w, where, e, value, decimals)
        return value, decimals, scale
    if q.may_be_unreached and isinstance(value, str):
        _check_unreached(w, where, e, value, decimals, quote)
        return math.inf, decimals, scale
    if q.may_be_unreached and not isinstance(value, (int, float)):
        w.fail(where, f"value must be a number, or \"{NOT_REACHED}\" for a median or limit not reached; got {value!r}.")
    value = _number(w, where, "value", value)
    if q.kind == "integer":
        if not value.is_integer() or value < 0:
            w.fail(where, f"value of a {q.name!r} must be a whole number >= 0; got {e['value']!r}.")
        if value > MAX_PATIENTS:
            w.fail(where, f"value of a {q.name!r} is {value:.0f}; expected at most {MAX_PATIENTS} (patients or events).")
        if decimals not in (None, 0):
            w.fail(where, f"decimals of a whole count must be 0; got {decimals!r}.")
        decimals = 0
    elif decimals is None:
        w.fail(where, "missing field 'decimals' (how many decimals the value was printed with).")
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 10:
        w.fail(where, f"decimals must be a whole number from 0 to 10; got {decimals!r}.")
    ok, expect = q.in_range(value, scale)
    if not ok:
        w.fail(where, f"value {value:g} is out of range; expected {expect}.")
    _check_value_in_quote(w, where, value, decimals, quote)
    return value, decimals, scale


_UNREACHED_IN_QUOTE = re.compile(
    r"\bN\.?[REA]\.?(?![A-Za-z])|(?i:not\s+(?:yet\s+|been\s+)*(?:reached|estimable|evaluable|calculable))")


def _check_unreached(w, where, e, value, decimals, quote) -> None:
    """A median (or limit) printed as not reached: ``value = "NR"``, shown as such in the quote."""
    if value.strip() != NOT_REACHED:
        w.fail(where, f"value must be a number, or \"{NOT_REACHED}\" for a median or limit not reached; got {value!r}.")
    if "tolerance" in e:
        w.fail(where, f"a value not reached ({NOT_REACHED}) takes no tolerance.")
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 10):
        w.fail(where, f"decimals must be a whole number from 0 to 10; got {decimals!r}.")
    if not _UNREACHED_IN_QUOTE.search(quote):
        w.fail(where, "the value is NR but the quote says nothing is not reached (NR, NE, NA, 'not reached', "
                      "'not estimable'); check the value or the quote.")


def _check_date(w, where, e, value, decimals) -> None:
    if not isinstance(value, str) or not DATE.match(value):
        w.fail(where, f"value must be a date written 'YYYY-MM' or 'YYYY-MM-DD'; got {value!r}.")
    try:
        parse_date(value)
    except ValueError:
        w.fail(where, f"value {value!r} is not a calendar date.")
    if decimals is not None or "tolerance" in e:
        w.fail(where, "a date takes neither decimals nor tolerance; its precision is how it is written.")


def _parse_tolerance(w, where, e, q, decimals) -> tuple[float | None, str]:
    """(tolerance, reason): a reasoned window at least as wide as the printed precision."""
    tolerance = e.get("tolerance")
    if tolerance is None:
        if "tolerance_reason" in e:
            w.fail(where, "tolerance_reason is given without a tolerance.")
        return None, ""
    tolerance = _number(w, where, "tolerance", tolerance)
    reason = _text(w, where, e, "tolerance_reason", required=False)
    if not reason:
        w.fail(where, "tolerance is given without tolerance_reason; say why printing precision is not enough.")
    half = 0.5 * 10.0 ** (-decimals)
    if tolerance < half:
        w.fail(
            where,
            f"tolerance {tolerance:g} is narrower than the printed precision allows ({half:g}); "
            "leave it out to match at the printed precision.",
        )
    if q.bound:
        w.fail(where, "a p-value bound takes no tolerance; it matches when the bound holds.")
    return tolerance, reason


def _parse_specific_fields(w, where, e, q, by_id) -> dict:
    """The quantity-specific fields of a target, as :class:`Target` keywords."""
    out = {}
    if "numerator" in q.required:
        out["numerator"], out["numerator_ref"] = _count_field(w, where, e, "numerator", by_id)
        out["denominator"], out["denominator_ref"] = _count_field(w, where, e, "denominator", by_id)
        if out["denominator"] == 0 or out["numerator"] > out["denominator"]:
            w.fail(where, f"numerator {out['numerator']} and denominator {out['denominator']}: "
                          "expected 0 <= numerator <= denominator > 0.")
    out["comparator"] = e.get("comparator")
    if q.bound and out["comparator"] not in COMPARATORS:
        w.fail(where, f"comparator must be one of {', '.join(map(repr, COMPARATORS))}; got {out['comparator']!r}.")
    if "time" in e:
        out["time"] = _number(w, where, "time", e["time"])
        if out["time"] < 0:
            w.fail(where, f"time must be >= 0; got {e['time']!r}.")
    if "count_of" in q.required:
        out["count_of"] = _text(w, where, e, "count_of")
        if not _SNAKE.match(out["count_of"]):
            w.fail(where, f"count_of must be snake_case text (what is counted); got {out['count_of']!r}.")
    return out


def _check_value_in_quote(w, where, value, decimals, quote) -> None:
    """The value, as printed, must appear in the quote (catches typing slips)."""
    text = format_value(value, decimals)
    forms = {text, f"{value:,.{decimals}f}"}
    if text.startswith("0."):
        forms.add(text[1:])  # "P = .86"
    if not any(f in quote for f in forms):
        w.fail(where, f"the value as printed ({text}) does not appear in the quote; check the value or the quote.")


def _count_field(w, where, e, key, by_id) -> tuple[int, str | None]:
    val = e[key]
    if isinstance(val, str):
        ref = by_id.get(val)
        if ref is None:
            w.fail(where, f"{key} names target {val!r}, which is not in the register.")
        ref_q = QUANTITIES.get(ref.get("quantity")) if isinstance(ref.get("quantity"), str) else None
        if ref_q is None or not ref_q.patient_count:
            counts = " or ".join(repr(q.name) for q in QUANTITIES.values() if q.patient_count)
            w.fail(where, f"{key} names target {val!r}, which is a {ref.get('quantity')!r}; expected an {counts} target.")
        val_num = ref.get("value")
        if isinstance(val_num, bool) or not isinstance(val_num, (int, float)) or not float(val_num).is_integer():
            w.fail(where, f"{key} names target {val!r}, whose value {val_num!r} is not a whole number.")
        return int(val_num), val
    if isinstance(val, bool) or not isinstance(val, (int, float)) or not float(val).is_integer() or val < 0:
        w.fail(where, f"{key} must be a whole number >= 0 or the id of a count target; got {val!r}.")
    return int(val), None


def _parse_method(w, where, m) -> tuple[tuple[str, object], ...]:
    if not isinstance(m, dict):
        w.fail(where, "method must be a table of settings, like {ci_transform = \"log\"}.")
    for key, val in m.items():
        if key not in METHOD_SETTINGS:
            w.fail(where, f"unknown method setting {key!r}; expected one of {', '.join(METHOD_SETTINGS)}.")
        allowed = METHOD_SETTINGS[key]
        if allowed is not None and val not in allowed:
            w.fail(where, f"method {key} must be one of {', '.join(map(repr, allowed))}; got {val!r}.")
        if key == "assumed" and not isinstance(val, bool):
            w.fail(where, f"method assumed must be true or false; got {val!r}.")
        if key == "confidence_level" and (
            isinstance(val, bool) or not isinstance(val, (int, float)) or not 0 < val < 1
        ):
            w.fail(where, f"method confidence_level must be a number in (0, 1); got {val!r}.")
        if key == "stratified" and val not in (True, False, "not reported"):
            w.fail(where, f"method stratified must be true, false or 'not reported'; got {val!r}.")
    not_reported = [k for k, v in m.items() if v == "not reported"]
    if (m.get("assumed") or not_reported) and not str(m.get("note", "")).strip():
        w.fail(
            where,
            "method has an assumed or 'not reported' setting but no note; say what the source "
            "does not report and what is assumed.",
        )
    order = list(METHOD_SETTINGS)
    return tuple(sorted(m.items(), key=lambda kv: order.index(kv[0])))
