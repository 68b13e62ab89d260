"""Design files: each assumption of a design is a published number read from its
register (typed once there) or an assumption with its note.
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from survrepro._validation import InputError

__all__ = [
    "assumptions_table",
    "resolve_design",
]


def _find_target(register: Mapping, target_id: str):
    """Find the entry with ``id == target_id`` (or the table keyed ``target_id``) anywhere in a register."""
    stack = [register]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            if node.get("id") == target_id:
                return node
            for key, val in node.items():
                if key == target_id and isinstance(val, Mapping):
                    return val
                stack.append(val)
        elif isinstance(node, list):
            stack.extend(node)
    return None


def _register_entry(ref: str, name: str, registers: Mapping) -> Mapping:
    study, _, tid = str(ref).partition(":")
    if not tid:
        raise InputError(f"assumption {name!r} target {ref!r} must read 'study:target_id'.")
    if study not in registers:
        raise InputError(
            f"assumption {name!r} refers to register {study!r}, which is not available "
            f"(expected data/published/{study}.toml)."
        )
    entry = _find_target(registers[study], tid)
    if entry is None:
        raise InputError(f"assumption {name!r} refers to {ref!r}, which the register does not hold.")
    return entry


def _months(date: str, ref: str, name: str) -> int:
    try:
        year, month = (int(x) for x in str(date).split("-")[:2])
    except ValueError:
        raise InputError(f"assumption {name!r}: {ref!r} is {date!r}; expected a date YYYY-MM.") from None
    return 12 * year + month


def resolve_design(design: Mapping, registers: Mapping[str, Mapping]) -> dict:
    """Values of a design file's ``[assumptions]``, published numbers read from their registers.

    Each assumption is a table holding one of

    * ``value`` with its ``source`` (a quote) or ``assumed = true`` and a ``note``;
    * ``target = "study:target_id"``: the ``value`` of that entry of the published-target
      register (``data/published/<study>.toml``), so a published number is typed once;
      ``fraction = true`` takes ``numerator / denominator`` instead (counts, or ids of
      the register's count entries), and a value the register prints in percent is
      divided by 100;
    * ``months_between = ["study:start_id", "study:end_id"]``: months between two
      register dates (``YYYY-MM``).

    Parameters
    ----------
    design : Mapping
        The design file as read (a dict with an ``[assumptions]`` table).
    registers : Mapping[str, Mapping]
        Study name to its register as read (a dict).

    Returns
    -------
    dict
        Assumption name to value.

    Raises
    ------
    InputError
        An assumption without a usable value; the message names the assumption, and the
        caller that read the file adds its name (:func:`survrepro.errors.in_file`).

    Examples
    --------
    >>> reg = {"targets": [{"id": "n_total", "value": 40}, {"id": "start", "value": "2019-03"},
    ...                    {"id": "end", "value": "2021-01"}]}
    >>> doc = {"assumptions": {"n": {"target": "trial:n_total"},
    ...                        "accrual": {"months_between": ["trial:start", "trial:end"]}}}
    >>> resolve_design(doc, {"trial": reg})
    {'n': 40, 'accrual': 22.0}
    """
    if "assumptions" not in design or not isinstance(design["assumptions"], Mapping):
        raise InputError("the design has no [assumptions] table; expected one entry per design assumption.")
    out = {}
    for name, spec in design["assumptions"].items():
        if not isinstance(spec, Mapping):
            raise InputError(f"assumption {name!r} must be a table with value or target and its source.")
        if "target" in spec:
            entry = _register_entry(spec["target"], name, registers)
            if spec.get("fraction"):
                study = str(spec["target"]).partition(":")[0]
                try:
                    # numerator and denominator are counts, or ids of the register's count entries
                    num, den = (
                        _register_entry(f"{study}:{x}", name, registers)["value"] if isinstance(x, str) else x
                        for x in (entry["numerator"], entry["denominator"])
                    )
                    value = float(num) / float(den)
                except (KeyError, TypeError, ValueError, ZeroDivisionError):
                    raise InputError(
                        f"assumption {name!r}: register entry {spec['target']!r} has no usable "
                        "numerator and denominator."
                    ) from None
            else:
                if "value" not in entry:
                    raise InputError(f"assumption {name!r}: register entry {spec['target']!r} has no value.")
                value = entry["value"]
                if entry.get("scale") == "percent":
                    value = value / 100.0  # designs use fractions
            out[name] = value
        elif "months_between" in spec:
            refs = spec["months_between"]
            if not isinstance(refs, list) or len(refs) != 2:
                raise InputError(f"assumption {name!r}: months_between needs two register references.")
            a, b = (_months(_register_entry(r, name, registers).get("value"), r, name) for r in refs)
            out[name] = float(b - a)
        elif "value" in spec:
            if not (spec.get("source") or spec.get("assumed")):
                raise InputError(
                    f"assumption {name!r} has a value but neither a source nor assumed = true."
                )
            out[name] = spec["value"]
        else:
            raise InputError(
                f"assumption {name!r} needs a value (with its source), a register target or months_between."
            )
    return out


def assumptions_table(design: Mapping, values: Mapping) -> pd.DataFrame:
    """One row per assumption of a design file, for reports.

    Parameters
    ----------
    design : Mapping
        The design file as read (a dict with an ``[assumptions]`` table).
    values : Mapping
        The resolved values, as :func:`resolve_design` returns them.

    Returns
    -------
    pandas.DataFrame
        Columns ``assumption, value, origin, note``; ``origin`` says which register entry,
        quote or assumption each value comes from.

    Examples
    --------
    >>> doc = {"assumptions": {"hr": {"value": 0.5, "assumed": True, "note": "design HR"}}}
    >>> assumptions_table(doc, resolve_design(doc, {})).to_dict("records")
    [{'assumption': 'hr', 'value': 0.5, 'origin': 'assumed', 'note': 'design HR'}]
    """
    rows = []
    for name, spec in design.get("assumptions", {}).items():
        if "target" in spec:
            origin = f"register {spec['target']}"
        elif "months_between" in spec:
            origin = "register " + " to ".join(spec["months_between"])
        elif spec.get("source"):
            origin = "published: " + str(spec["source"])
        else:
            origin = "assumed"
        if spec.get("assumed") and not origin.startswith("assumed"):
            origin += " (used as an assumption)"
        rows.append({"assumption": name, "value": values.get(name), "origin": origin, "note": spec.get("note", "")})
    return pd.DataFrame(rows, columns=["assumption", "value", "origin", "note"])
