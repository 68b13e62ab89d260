"""Layouts of digitized Kaplan–Meier curves and numbers-at-risk tables, recognised from the text.

Digitizing tools and the packages that ship digitized data write the same content in
different layouts. :func:`parse_curve` and :func:`parse_at_risk` recognise the layout from
the file's text and turn it into one long table, ``time, survival[, arm]`` for a curve and
``time, n_at_risk[, arm]`` for a risk table; :func:`survrepro.io.read_digitized_curve` and
:func:`survrepro.io.read_at_risk` read the file, call them and check the values.

Curve layouts:

* a header row naming the columns, in any order (names below; other columns are not used
  and the layout note lists them): ``time,survival,arm``, DigitizeIt/kmdata's ``T,S``,
  ``x,y``;
* no header, ``time,survival[,arm]`` per line (WebPlotDigitizer's export of one dataset);
* WebPlotDigitizer's "export all datasets": a row of dataset names, each over two columns
  (``Arm A,,Arm B,``), then a row ``X,Y,X,Y``, then the values; a dataset shorter than
  another leaves its cells empty. The dataset name is the arm. A header of pairs alone
  (``x1,y1,x2,y2``) is read the same way, the arms named by the pairs' numbers.

Risk-table layouts:

* a header row naming time, number at risk and optionally the arm;
* the table of Guyot et al. (2012) as survHE and kmdata ship it:
  ``interval,trisk,lower,upper,nrisk`` (and optional columns such as ``TE,StudyID,Figure#,Arm``),
  one row per table time; ``trisk`` is the time and ``nrisk`` the number at risk. The
  columns ``lower`` and ``upper`` (the indices of the first and last digitized click of
  each interval) are not used: the reconstruction methods of this package place the table
  times on the curve themselves;
* as papers print it, one row per arm and one column per time (``arm,0,6,12`` /
  ``Drug,120,98,71``), or one column per arm (``time,Drug,Placebo``); an empty cell is a
  time not printed for that arm;
* no header, ``time,n_at_risk[,arm]`` per line.

Every layout may use ``,``, ``;`` or a tab between fields (or spaces when there is no
other separator); with ``;``, a tab or spaces a comma in a number is a decimal comma
(``12,5``). A layout with one arm (one dataset, one row, one count column) gives a table
without an ``arm`` column. Header names are matched after lower-casing, dropping any part in
brackets (``Time (months)`` is ``time``, ``S(t)`` is ``s``) and turning other punctuation
into ``_`` (``n.risk`` is ``n_risk``); the names recognised are :data:`TIME_NAMES`,
:data:`SURVIVAL_NAMES`, :data:`ARM_NAMES` and :data:`AT_RISK_NAMES`. Options naming the
columns exactly (``--time-col`` and the others on the command line) override the names.

References
----------
.. [1] Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival
   data: reconstructing the data from published Kaplan-Meier survival curves. BMC Med Res
   Methodol 2012;12:9.
.. [2] Rohatgi A. WebPlotDigitizer. https://automeris.io/WebPlotDigitizer
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survrepro.errors import InputError

__all__ = [
    "TIME_NAMES",
    "SURVIVAL_NAMES",
    "ARM_NAMES",
    "AT_RISK_NAMES",
    "GUYOT_COLUMNS",
    "CURVE_OPTIONS",
    "AT_RISK_OPTIONS",
    "Layout",
    "normalize_name",
    "parse_curve",
    "parse_at_risk",
]

#: Header names read as the time (after :func:`normalize_name`).
TIME_NAMES = (
    "time", "t", "x", "times", "month", "months", "mo", "year", "years", "week", "weeks", "day", "days",
    "time_months", "time_month", "time_years", "time_weeks", "time_days", "follow_up", "followup", "trisk",
)
#: Header names read as the survival (fraction or percent).
SURVIVAL_NAMES = (
    "survival", "s", "y", "surv", "st", "s_t", "prob", "probability", "survival_probability", "survival_prob",
    "surv_prob", "km", "km_estimate", "estimate", "proportion", "percent", "pct", "survival_percent",
    "percent_surviving",
)
#: Header names read as the arm.
ARM_NAMES = (
    "arm", "arms", "group", "groups", "curve", "dataset", "data_set", "treatment", "treatment_arm", "trt",
    "strata", "stratum", "cohort", "series", "label",
)
#: Header names read as the number at risk.
AT_RISK_NAMES = (
    "n_at_risk", "nrisk", "n_risk", "at_risk", "atrisk", "n", "number_at_risk", "no_at_risk", "num_at_risk",
    "patients_at_risk", "risk", "n_patients", "count",
)
#: Columns of a numbers-at-risk table in the layout of Guyot et al. (2012); only ``trisk``
#: and ``nrisk`` are used.
GUYOT_COLUMNS = ("interval", "trisk", "lower", "upper", "nrisk")
#: Command-line options naming the columns of a curve and of a risk table.
CURVE_OPTIONS = {"time": "--time-col", "survival": "--survival-col", "arm": "--arm-col"}
AT_RISK_OPTIONS = {"time": "--at-risk-time-col", "n_at_risk": "--at-risk-n-col", "arm": "--at-risk-arm-col"}

_WHAT = {"time": "time", "survival": "survival", "n_at_risk": "number at risk", "arm": "arm"}
_NAMES = {"time": TIME_NAMES, "survival": SURVIVAL_NAMES, "n_at_risk": AT_RISK_NAMES, "arm": ARM_NAMES}
_NAMES_CONST = {"time": "TIME_NAMES", "survival": "SURVIVAL_NAMES", "n_at_risk": "AT_RISK_NAMES",
                "arm": "ARM_NAMES"}
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True, repr=False)
class Layout:
    """A file's content in the long form, and how it was read.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``time`` and ``survival`` or ``n_at_risk`` (floats) and ``arm`` (text) when the file
        has arms, one row per point, the points of an arm together; its index, named
        ``row``, is the data row of the file (1 = first row after the header rows).
    kind : str
        ``"header"``, ``"headerless"``, ``"wpd_datasets"`` (WebPlotDigitizer's export of all
        datasets), ``"guyot"``, ``"row_per_arm"`` or ``"column_per_arm"``.
    note : str
        How the file was read, in one sentence; empty for the plain layouts
        (``time,survival[,arm]``, ``time,n_at_risk[,arm]`` or no header).
    cells : dict
        ``{column: (where, ...)}``: for each row of ``frame`` and each value column, where
        the value is in the file (``"row 3, column 'nrisk'"``), for messages.
    places : tuple of str
        Where each row of ``frame`` is in the file (``"row 3"``), for messages.
    """

    frame: pd.DataFrame
    kind: str
    note: str = ""
    cells: dict = field(default_factory=dict)
    places: tuple = ()

    def __repr__(self) -> str:
        return f"Layout({self.kind}: {len(self.frame)} rows{'; ' + self.note if self.note else ''})"


# --------------------------------------------------------------------------- text
def normalize_name(name: str) -> str:
    """A header name as it is matched against the lists of names.

    Parameters
    ----------
    name : str
        A header cell.

    Returns
    -------
    str
        Lower case, without any part in brackets, other punctuation and spaces turned into
        single ``_``, none at either end.

    Examples
    --------
    >>> normalize_name("Time (months)"), normalize_name("S(t)"), normalize_name("No. at risk")
    ('time', 's', 'no_at_risk')
    """
    s = re.sub(r"[(\[{][^)\]}]*[)\]}]", " ", str(name).lower())
    return re.sub(r"[^0-9a-z]+", "_", s).strip("_")


def _number(text: str, decimal_comma: bool):
    """The number a cell holds, or None (an empty cell, text, NA)."""
    t = text.strip()
    if decimal_comma:
        t = t.replace(",", ".")
    return float(t) if _NUMBER.fullmatch(t) else None


def _label(text: str) -> str:
    """An arm label: ``1.0`` is ``'1'``."""
    text = text.strip()
    try:
        v = float(text)
    except ValueError:
        return text
    return str(int(v)) if v.is_integer() else text


def _listing(names) -> str:
    names = [repr(n) for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _rows(text: str, where: str):
    """Non-blank lines split into fields: ``[(line number, fields)]``, the separator and
    whether a comma in a number is a decimal comma."""
    lines = [(i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip()]
    head = [ln for _, ln in lines[:5]]
    if any(";" in ln for ln in head):
        sep = ";"
    elif any("\t" in ln for ln in head):
        sep = "\t"
    elif any("," in ln for ln in head):
        sep = ","
    else:
        sep = " "
    out = []
    for lineno, ln in lines:
        fields = ln.split() if sep == " " else next(csv.reader([ln], delimiter=sep, skipinitialspace=True))
        fields = [f.strip().strip('"').strip("'").strip() for f in fields]
        out.append((lineno, fields))
    return out, sep, sep != ","


def _is_header(fields, dc: bool) -> bool:
    return any(_number(f, dc) is None for f in fields[:2]) or len(fields) < 2


def _trim(fields):
    """Fields without the empty ones at the end."""
    n = len(fields)
    while n and fields[n - 1] == "":
        n -= 1
    return fields[:n]


def _fit(fields, width: int, where: str, r: int, lineno: int, header) -> list:
    """``fields`` padded to ``width`` when only empty cells are missing at the end, or refused."""
    if len(fields) > width and any(fields[width:]):
        raise InputError(
            f"{where}: row {r} (line {lineno}) has {len(_trim(fields))} fields; expected {width} "
            f"({', '.join(header)})."
        )
    return list(fields[:width]) + [""] * (width - len(fields))


def _value(cell: str, dc: bool, where: str, place: str, expected: str = "a number") -> float:
    v = _number(cell, dc)
    if v is None:
        shown = "an empty cell" if cell == "" else repr(cell)
        raise InputError(f"{where}: {place} is {shown}; expected {expected}.")
    return v


def _frame(cols: dict, rows, value: str) -> pd.DataFrame:
    out = pd.DataFrame({"time": np.asarray(cols["time"], float), value: np.asarray(cols[value], float)},
                       index=pd.Index(rows, name="row"))
    if cols.get("arm") is not None:
        out["arm"] = list(cols["arm"])
    return out


# --------------------------------------------------------------------------- header columns
def _exact(header, name: str, option: str, where: str) -> int:
    hits = [i for i, h in enumerate(header) if h == name.strip()]
    if not hits:
        raise InputError(
            f"{where}: {option} {name!r} is not a column of the file; the columns are {', '.join(header)}."
        )
    if len(hits) > 1:
        raise InputError(f"{where}: {option} {name!r} names {len(hits)} columns; expected a column name that appears once.")
    return hits[0]


def _columns(header, fields, overrides: dict, options: dict, where: str) -> dict:
    """``{field: column index or None}`` by the overrides, else by the lists of names."""
    norm = [normalize_name(h) for h in header]
    found = {}
    for f in fields:
        if overrides.get(f):
            found[f] = _exact(header, overrides[f], options[f], where)
    for f in fields:
        if f in found:
            continue
        taken = set(found.values())
        cand = [i for i, n in enumerate(norm) if n in _NAMES[f] and i not in taken]
        if len(cand) > 1:
            raise InputError(
                f"{where}: columns {_listing([header[i] for i in cand])} could each be the {_WHAT[f]}; "
                f"pick one with {options[f]}."
            )
        found[f] = cand[0] if cand else None
    return found


def _missing(where: str, f: str, header, options: dict) -> InputError:
    first = ", ".join(_NAMES[f][:4])
    return InputError(
        f"{where}: missing column {f!r}; expected a {_WHAT[f]} column named {first} or another name in "
        f"survrepro.digitized.{_NAMES_CONST[f]}, or {options[f]} naming it (found {', '.join(header)})."
    )


def _header_note(header, found: dict, canonical: tuple) -> str:
    used = {i for i in found.values() if i is not None}
    unused = [h for i, h in enumerate(header) if i not in used and h != ""]
    if not unused and tuple(header[found[f]] for f in canonical) == canonical and (
        found.get("arm") is None or header[found["arm"]] == "arm"
    ):
        return ""
    parts = [f"{f} = {header[i]!r}" for f, i in found.items() if i is not None]
    note = "columns read as " + ", ".join(parts)
    if unused:
        note += f"; not used: {', '.join(unused)}"
    return note


def _long(rows, where, dc, found: dict, header, value: str, layout: str, note: str) -> Layout:
    width = len(header)
    cols = {"time": [], value: [], "arm": [] if found.get("arm") is not None else None}
    cells = {"time": [], value: []}
    places, index = [], []
    for r, (lineno, fields) in enumerate(rows, start=1):
        fields = _fit(fields, width, where, r, lineno, header)
        for f in ("time", value):
            place = f"row {r}, column {header[found[f]]!r}"
            cols[f].append(_value(fields[found[f]], dc, where, place))
            cells[f].append(place)
        if cols["arm"] is not None:
            a = fields[found["arm"]]
            if a == "":
                raise InputError(f"{where}: row {r}, column {header[found['arm']]!r} is empty; expected a label.")
            cols["arm"].append(_label(a))
        places.append(f"row {r}")
        index.append(r)
    return Layout(_frame(cols, index, value), layout, note, {k: tuple(v) for k, v in cells.items()}, tuple(places))


def _headerless(rows, where, dc, value: str, what: str) -> Layout:
    width = len(rows[0][1])
    if width not in (2, 3):
        raise InputError(
            f"{where}: line {rows[0][0]} has {width} fields; expected time and {what} (and optionally arm) per line."
        )
    names = ["time", value, "arm"][:width]
    for r, (lineno, fields) in enumerate(rows, start=1):
        if len(fields) != width:
            raise InputError(
                f"{where}: row {r} (line {lineno}) has {len(fields)} fields; expected {width} ({', '.join(names)})."
            )
    return _long(rows, where, dc, {n: i for i, n in enumerate(names)}, names, value, "headerless", "")


def _refuse_options(overrides: dict, options: dict, where: str, what: str):
    given = [options[f] for f, v in overrides.items() if v]
    if given:
        raise InputError(f"{where}: is {what}, which has no such column to name; drop {', '.join(given)}.")


# --------------------------------------------------------------------------- curves
def _pair_names(fields):
    """The dataset numbers of a header of X,Y pairs (``['1', '2']``), or None."""
    fields = _trim(fields)
    if len(fields) < 2 or len(fields) % 2:
        return None
    out = []
    for j in range(0, len(fields), 2):
        x, y = (re.fullmatch(r"([a-z_]*?)_?(\d*)", normalize_name(f)) for f in fields[j:j + 2])
        if not (x and y and x.group(1) in TIME_NAMES and y.group(1) in SURVIVAL_NAMES):
            return None
        out.append(x.group(2) or y.group(2) or str(j // 2 + 1))
    return out


def _wpd_datasets(rows, where, dc, names, pair_header) -> Layout:
    k = len(names)
    dup = [n for n in names if names.count(n) > 1]
    if dup:
        raise InputError(f"{where}: two datasets are named {dup[0]!r}; expected a distinct name for each dataset.")
    per = [{"time": [], "survival": [], "row": [], "tc": [], "sc": []} for _ in range(k)]
    width = 2 * k
    if not rows:
        raise InputError(f"{where}: has header rows but no data rows; expected X,Y values under them.")
    for r, (lineno, fields) in enumerate(rows, start=1):
        fields = _fit(fields, width, where, r, lineno, pair_header)
        for j in range(k):
            x, y = fields[2 * j], fields[2 * j + 1]
            if x == "" and y == "":
                continue
            d = per[j]
            for cell, col, key, ck in ((x, 2 * j, "time", "tc"), (y, 2 * j + 1, "survival", "sc")):
                place = f"row {r}, column {col + 1} ({pair_header[col]!r} of dataset {names[j]!r})"
                expected = "a number, or both cells of the pair empty" if cell == "" else "a number"
                d[key].append(_value(cell, dc, where, place, expected))
                d[ck].append(place)
            d["row"].append(r)
    for j, d in enumerate(per):
        if not d["row"]:
            raise InputError(f"{where}: dataset {names[j]!r} has no values; expected X,Y values under its name.")
    cols = {"time": [v for d in per for v in d["time"]], "survival": [v for d in per for v in d["survival"]],
            "arm": [n for n, d in zip(names, per) for _ in d["row"]] if k > 1 else None}
    index = [r for d in per for r in d["row"]]
    cells = {"time": tuple(c for d in per for c in d["tc"]), "survival": tuple(c for d in per for c in d["sc"])}
    places = tuple(f"row {r} (dataset {n!r})" for n, d in zip(names, per) for r in d["row"])
    if k > 1:
        note = f"read as a WebPlotDigitizer export of {k} datasets, each an X,Y pair of columns: arms {', '.join(names)}"
    else:
        note = f"read as a WebPlotDigitizer export of one dataset ({names[0]!r}): a single curve"
    return Layout(_frame(cols, index, "survival"), "wpd_datasets", note, cells, places)


def parse_curve(text: str, where: str = "curve", *, time_col: str | None = None,
                survival_col: str | None = None, arm_col: str | None = None) -> Layout:
    """The points of a digitized curve, from the text of a file in any layout the module lists.

    Parameters
    ----------
    text : str
        The file's content.
    where : str
        The file's name, first in every message.
    time_col, survival_col, arm_col : str, optional
        Exact names of the header's time, survival and arm columns, overriding the lists of
        names (``--time-col``, ``--survival-col``, ``--arm-col`` on the command line).

    Returns
    -------
    Layout
        ``frame`` with ``time``, ``survival`` and ``arm`` when the file has arms.

    Raises
    ------
    InputError
        In one sentence naming ``where``: a column missing or named by two candidates (and
        the option that picks), a named column not in the file, a row with too many fields,
        a value that is not a number.

    Examples
    --------
    DigitizeIt's export, as kmdata ships it:

    >>> lay = parse_curve("T,S\\n0.00E+00,1.00E+00\\n7.59E-02,9.80E-01\\n")
    >>> lay.frame  # doctest: +NORMALIZE_WHITESPACE
           time  survival
    row
    1    0.0000      1.00
    2    0.0759      0.98
    >>> lay.note
    "columns read as time = 'T', survival = 'S'"

    WebPlotDigitizer's export of all datasets:

    >>> parse_curve("A,,B,\\nX,Y,X,Y\\n0,1,0,1\\n3,0.8,,\\n").frame  # doctest: +NORMALIZE_WHITESPACE
         time  survival arm
    row
    1     0.0       1.0   A
    2     3.0       0.8   A
    1     0.0       1.0   B
    """
    rows, _, dc = _rows(text, where)
    if not rows:
        raise InputError(f"{where}: the file is empty; expected a digitized curve.")
    overrides = {"time": time_col, "survival": survival_col, "arm": arm_col}
    first = rows[0][1]
    if not _is_header(first, dc):
        if any(overrides.values()):
            _refuse_options(overrides, CURVE_OPTIONS, where, "a file without a header row (time,survival[,arm] per line)")
        return _headerless(rows, where, dc, "survival", "survival")
    second = rows[1][1] if len(rows) > 1 else None
    if second is not None and _is_header(second, dc) and _pair_names(second) is not None:
        _refuse_options(overrides, CURVE_OPTIONS, where, "a WebPlotDigitizer export of datasets (X,Y pairs under their names)")
        k = len(_pair_names(second))
        names = [_label(first[2 * j]) if 2 * j < len(first) and first[2 * j] else f"dataset {j + 1}" for j in range(k)]
        return _wpd_datasets(rows[2:], where, dc, names, _trim(second))
    pairs = _pair_names(first)
    if pairs is not None and len(pairs) >= 2:
        _refuse_options(overrides, CURVE_OPTIONS, where, "a table of X,Y pairs, one per dataset")
        return _wpd_datasets(rows[1:], where, dc, pairs, _trim(first))
    header = first
    found = _columns(header, ("time", "survival", "arm"), overrides, CURVE_OPTIONS, where)
    for f in ("time", "survival"):
        if found[f] is None:
            raise _missing(where, f, header, CURVE_OPTIONS)
    if len(rows) < 2:
        raise InputError(f"{where}: has a header but no data rows; expected a digitized curve.")
    note = _header_note(header, found, ("time", "survival"))
    return _long(rows[1:], where, dc, found, header, "survival", "header", note)


# --------------------------------------------------------------------------- risk tables
def _row_per_arm(rows, where, dc, header) -> Layout:
    times_h = _trim(header)[1:]
    times = [_number(h, dc) for h in times_h]
    width = len(times_h) + 1
    if not rows:
        raise InputError(f"{where}: has a header but no data rows; expected one row of numbers at risk per arm.")
    per = []
    for r, (lineno, fields) in enumerate(rows, start=1):
        fields = _fit(fields, width, where, r, lineno, _trim(header))
        arm = fields[0]
        if arm == "":
            raise InputError(f"{where}: row {r}, column 1 is empty; expected the name of the arm.")
        rec = {"arm": _label(arm), "row": r, "time": [], "n": [], "tc": [], "nc": []}
        for j, (h, t) in enumerate(zip(times_h, times), start=1):
            cell = fields[j]
            if cell == "":
                continue
            place = f"row {r} (arm {arm!r}), column {h!r}"
            rec["n"].append(_value(cell, dc, where, place, "a whole number at risk, or an empty cell"))
            rec["time"].append(t)
            rec["nc"].append(place)
            rec["tc"].append(f"the header, column {j + 1} ({h!r})")
        per.append(rec)
    labels = [p["arm"] for p in per]
    dup = [x for x in labels if labels.count(x) > 1]
    if dup:
        raise InputError(f"{where}: two rows are for arm {dup[0]!r}; expected one row per arm.")
    single = len(per) == 1
    cols = {"time": [t for p in per for t in p["time"]], "n_at_risk": [n for p in per for n in p["n"]],
            "arm": None if single else [p["arm"] for p in per for _ in p["time"]]}
    index = [p["row"] for p in per for _ in p["time"]]
    cells = {"time": tuple(c for p in per for c in p["tc"]), "n_at_risk": tuple(c for p in per for c in p["nc"])}
    places = tuple(c for p in per for c in p["nc"])
    if single:
        note = f"read as one row of numbers at risk ({labels[0]!r}) under a row of times: a single arm"
    else:
        note = f"read as one row of numbers at risk per arm under a row of times: arms {', '.join(labels)}"
    return Layout(_frame(cols, index, "n_at_risk"), "row_per_arm", note, cells, places)


def _column_per_arm(rows, where, dc, header, t_idx: int) -> Layout:
    arm_idx = [i for i, h in enumerate(header) if i != t_idx and h != ""]
    labels = [_label(header[i]) for i in arm_idx]
    dup = [x for x in labels if labels.count(x) > 1]
    if dup:
        raise InputError(f"{where}: two columns are named {dup[0]!r}; expected one column per arm.")
    width = len(header)
    per = {i: {"time": [], "n": [], "row": [], "tc": [], "nc": []} for i in arm_idx}
    if not rows:
        raise InputError(f"{where}: has a header but no data rows; expected numbers at risk under the arms.")
    for r, (lineno, fields) in enumerate(rows, start=1):
        fields = _fit(fields, width, where, r, lineno, header)
        tplace = f"row {r}, column {header[t_idx]!r}"
        t = _value(fields[t_idx], dc, where, tplace)
        for i in arm_idx:
            cell = fields[i]
            if cell == "":
                continue
            place = f"row {r}, column {header[i]!r}"
            d = per[i]
            d["n"].append(_value(cell, dc, where, place, "a whole number at risk, or an empty cell"))
            d["time"].append(t)
            d["row"].append(r)
            d["tc"].append(tplace)
            d["nc"].append(place)
    single = len(arm_idx) == 1
    cols = {"time": [t for d in per.values() for t in d["time"]], "n_at_risk": [n for d in per.values() for n in d["n"]],
            "arm": None if single else [lab for lab, d in zip(labels, per.values()) for _ in d["row"]]}
    index = [r for d in per.values() for r in d["row"]]
    cells = {"time": tuple(c for d in per.values() for c in d["tc"]),
             "n_at_risk": tuple(c for d in per.values() for c in d["nc"])}
    places = tuple(c for d in per.values() for c in d["nc"])
    if single:
        note = (f"read column {header[arm_idx[0]]!r} as the numbers at risk of a single arm "
                f"(times in column {header[t_idx]!r})")
    else:
        note = f"read as one column of numbers at risk per arm (times in column {header[t_idx]!r}): arms {', '.join(labels)}"
    return Layout(_frame(cols, index, "n_at_risk"), "column_per_arm", note, cells, places)


def parse_at_risk(text: str, where: str = "risk table", *, time_col: str | None = None,
                  n_col: str | None = None, arm_col: str | None = None) -> Layout:
    """The numbers at risk of a risk table, from the text of a file in any layout the module lists.

    A table in the layout of Guyot et al. (2012) is read from its ``trisk`` and ``nrisk``
    columns; ``interval``, ``lower`` and ``upper`` are not used. A table with one row per
    arm or one column per arm is turned into the long form, arm by arm.

    Parameters
    ----------
    text : str
        The file's content.
    where : str
        The file's name, first in every message.
    time_col, n_col, arm_col : str, optional
        Exact names of the header's time, number-at-risk and arm columns, overriding the
        lists of names (``--at-risk-time-col``, ``--at-risk-n-col``, ``--at-risk-arm-col``
        on the command line).

    Returns
    -------
    Layout
        ``frame`` with ``time``, ``n_at_risk`` (floats, checked by
        :func:`survrepro.io.read_at_risk`) and ``arm`` when the table has arms.

    Raises
    ------
    InputError
        In one sentence naming ``where``: a column missing or named by two candidates (and
        the option that picks), a named column not in the file, a Guyot table without
        ``trisk`` or ``nrisk``, a count that is not a number.

    References
    ----------
    .. [1] Guyot P, Ades AE, Ouwens MJNM, Welton NJ. BMC Med Res Methodol 2012;12:9.

    Examples
    --------
    A Guyot table, with the click ranges left empty:

    >>> text = "interval,trisk,lower,upper,nrisk\\n1,0,,,120\\n2,6,,,98\\n"
    >>> parse_at_risk(text).frame  # doctest: +NORMALIZE_WHITESPACE
         time  n_at_risk
    row
    1     0.0      120.0
    2     6.0       98.0

    A table as a paper prints it:

    >>> parse_at_risk("arm,0,6\\nDrug,120,98\\nPlacebo,118,80\\n").frame  # doctest: +NORMALIZE_WHITESPACE
         time  n_at_risk      arm
    row
    1     0.0      120.0     Drug
    1     6.0       98.0     Drug
    2     0.0      118.0  Placebo
    2     6.0       80.0  Placebo
    """
    rows, _, dc = _rows(text, where)
    if not rows:
        raise InputError(f"{where}: the file is empty; expected a numbers-at-risk table.")
    overrides = {"time": time_col, "n_at_risk": n_col, "arm": arm_col}
    header = rows[0][1]
    if not _is_header(header, dc):
        if any(overrides.values()):
            _refuse_options(overrides, AT_RISK_OPTIONS, where,
                            "a file without a header row (time,n_at_risk[,arm] per line)")
        return _headerless(rows, where, dc, "n_at_risk", "number at risk")
    trimmed = _trim(header)
    if len(trimmed) >= 2 and all(_number(h, dc) is not None for h in trimmed[1:]):
        _refuse_options(overrides, AT_RISK_OPTIONS, where, "a table with one column per time (one row per arm)")
        return _row_per_arm(rows[1:], where, dc, header)
    found = _columns(header, ("time", "n_at_risk", "arm"), overrides, AT_RISK_OPTIONS, where)
    norm = [normalize_name(h) for h in header]
    guyot = [header[i] for i, n in enumerate(norm) if n in GUYOT_COLUMNS]
    if "trisk" in norm or "nrisk" in norm or {"lower", "upper"} <= set(norm):
        for f, col in (("time", "trisk"), ("n_at_risk", "nrisk")):
            if found[f] is None:
                raise InputError(
                    f"{where}: looks like a numbers-at-risk table of Guyot et al. (columns {', '.join(guyot)}) "
                    f"but has no {col!r} column; expected interval,trisk,lower,upper,nrisk with trisk the table "
                    f"times and nrisk the numbers at risk (or {AT_RISK_OPTIONS[f]} naming the column)."
                )
        kind = "guyot"
        used = {i for i in found.values() if i is not None}
        ignored = [header[i] for i, n in enumerate(norm) if n in ("interval", "lower", "upper") and i not in used]
        others = [h for i, h in enumerate(header) if i not in used and h != "" and h not in ignored]
        note = "read as a numbers-at-risk table of Guyot et al.: " + ", ".join(
            f"{f} = {header[i]!r}" for f, i in found.items() if i is not None)
        if ignored:
            note += f"; {', '.join(ignored)} (the click index ranges) not needed"
        if others:
            note += f"; not used: {', '.join(others)}"
    else:
        kind = "header"
        if found["time"] is not None and found["n_at_risk"] is None and found["arm"] is None and not n_col:
            if len(rows) < 2:
                raise InputError(f"{where}: has a header but no data rows; expected a numbers-at-risk table.")
            others = [h for i, h in enumerate(header) if i != found["time"] and h != ""]
            if others:
                return _column_per_arm(rows[1:], where, dc, header, found["time"])
        for f in ("time", "n_at_risk"):
            if found[f] is None:
                raise _missing(where, f, header, AT_RISK_OPTIONS)
        note = _header_note(header, found, ("time", "n_at_risk"))
    if len(rows) < 2:
        raise InputError(f"{where}: has a header but no data rows; expected a numbers-at-risk table.")
    return _long(rows[1:], where, dc, found, header, "n_at_risk", kind, note)
