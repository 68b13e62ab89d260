"""What every result object shares: the interval type, display and serialisation.

* :class:`ConfidenceInterval` ``(low, high)``: the one type of a confidence interval.
  Each result with an interval returns it from ``confidence_interval(conf_level=None)``
  (``None``: the level the result was computed at); limits are floats for a single
  estimate and arrays for one estimate per level or per time.
* :class:`ResultMixin`: ``__repr__`` (``"Name head: body"``), ``_repr_html_`` (a caption,
  the repr by default, above the tables of ``_html_frames``, by default ``to_frame()``)
  and a JSON-ready ``to_dict`` built from the dataclass fields.
* Interval limits are named after the estimate they bound: ``survival_low`` /
  ``survival_high``, ``hr_low`` / ``hr_high``, ``median_low`` / ``median_high``; a test
  reports ``statistic``, ``df`` and ``pvalue``.
* :func:`resolve_renamed` and :class:`renamed_attribute` keep the names of the previous
  release working for one release, with a :class:`DeprecationWarning`.
"""
from __future__ import annotations

import dataclasses
import html
import math
import warnings
from typing import NamedTuple

import numpy as np

__all__ = ["ConfidenceInterval", "ResultMixin", "renamed_attribute", "resolve_renamed", "to_jsonable"]


class ConfidenceInterval(NamedTuple):
    """Confidence limits ``(low, high)``: floats (NaN or ``None`` when undefined) or arrays.

    Examples
    --------
    >>> ci = ConfidenceInterval(0.25, 0.75)
    >>> ci.low, ci.high
    (0.25, 0.75)
    >>> low, high = ci
    """

    low: object
    high: object


def to_jsonable(value):
    """``value`` with arrays as lists, tuples as lists and NaN or infinity as ``None``.

    Examples
    --------
    >>> to_jsonable({"a": np.array([1.0, np.nan]), "b": (np.int64(2), "x")})
    {'a': [1.0, None], 'b': [2, 'x']}
    """
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, ConfidenceInterval):
        return {"low": to_jsonable(value.low), "high": to_jsonable(value.high)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "to_dict") and not hasattr(value, "columns"):
        return value.to_dict()
    if hasattr(value, "columns"):  # a DataFrame: one dict per row, the index as a column
        frame = value.reset_index() if value.index.name is not None else value
        return [to_jsonable(row) for row in frame.to_dict("records")]
    return str(value)


class ResultMixin:
    """Display and serialisation shared by the result dataclasses (declare them ``repr=False``).

    A subclass gives ``_repr_body`` (and optionally ``_repr_head``) for ``__repr__``,
    ``to_frame`` for the table shown in a notebook, and overrides ``to_dict`` only when
    its JSON shape differs from the dataclass fields.
    """

    __slots__ = ()

    def _repr_head(self) -> str:
        """Text between the class name and the colon (a label, say); empty by default."""
        return ""

    def _repr_body(self) -> str:
        """The estimate in a few words, after the colon."""
        return ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self)[:3])

    def __repr__(self) -> str:
        head = self._repr_head()
        return f"{type(self).__name__}{' ' + head if head else ''}: {self._repr_body()}"

    def _html_caption(self) -> str:
        """The line above the tables in a notebook: the repr by default."""
        return repr(self)

    def _html_frames(self) -> tuple:
        """The tables shown under the caption in a notebook."""
        return (self.to_frame(),)

    def _repr_html_(self) -> str:
        frames = "".join(frame._repr_html_() for frame in self._html_frames())
        return f"<p><code>{html.escape(self._html_caption())}</code></p>{frames}"

    def to_dict(self) -> dict:
        """Plain, JSON-ready dictionary of the public fields (NaN becomes ``None``)."""
        return {
            f.name: to_jsonable(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if not f.name.startswith("_")
        }


class renamed_attribute:
    """Read-only alias of a renamed attribute that warns with :class:`DeprecationWarning`.

    Examples
    --------
    >>> class R:
    ...     pvalue = 0.5
    ...     p = renamed_attribute("pvalue")
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     R().p, seen[0].category.__name__
    (0.5, 'DeprecationWarning')
    """

    def __init__(self, new: str):
        self.new = new

    def __set_name__(self, owner, name):
        self.old = name
        self.owner = owner.__name__

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        warnings.warn(
            f"{self.owner}.{self.old} is deprecated; use {self.owner}.{self.new} "
            f"({self.old} will be removed in the next release).",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(obj, self.new)


def resolve_renamed(func: str, old_kwargs: dict, renames: dict, current: dict, defaults: dict | None = None) -> dict:
    """Values of renamed arguments, taking the deprecated names from ``old_kwargs``.

    Parameters
    ----------
    func : str
        Name of the function, for messages.
    old_kwargs : dict
        The keywords the function received beyond its own parameters.
    renames : dict
        Deprecated name -> current name.
    current : dict
        Current name -> value received under that name.
    defaults : dict, optional
        Current name -> its default; an argument still at its default (or ``None``) counts
        as not given.

    Returns
    -------
    dict
        Current name -> value, the deprecated spelling used where it was given.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     resolve_renamed("f", {"durations": [1, 2]}, {"durations": "time"}, {"time": None})
    {'time': [1, 2]}
    """
    defaults = defaults or {}
    unknown = sorted(set(old_kwargs) - set(renames))
    if unknown:
        raise TypeError(f"{func}() got an unexpected keyword argument {unknown[0]!r}")
    out = dict(current)
    for old, value in old_kwargs.items():
        new = renames[old]
        given = out.get(new)
        if given is not None and not (new in defaults and _same(given, defaults[new])):
            raise TypeError(f"{func}() got both {new}= and its deprecated alias {old}=; pass {new}= only")
        warnings.warn(
            f"{func}(): the argument {old}= is deprecated; use {new}= ({old}= will be removed in the next release).",
            DeprecationWarning,
            stacklevel=3,
        )
        out[new] = value
    return out


def _same(a, b) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False
