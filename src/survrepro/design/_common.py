"""Validation and the result base shared by the design modules."""
from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pandas as pd
from scipy import stats

from survrepro._validation import HR_RANGE, InputError, check_level, check_range
from survrepro._validation import check_positive as _positive
from survrepro.options import DESIGN_METHODS as METHODS

__all__ = ["METHODS", "DesignResult", "hazard_ratio_value", "proportion_value", "sides_value", "z_alpha"]


def hazard_ratio_value(value) -> float:
    hr = check_range("hazard ratio", _positive("hazard ratio", value), *HR_RANGE)
    if hr == 1.0:
        raise InputError("hazard ratio must differ from 1; no number of events detects no effect.")
    return hr


def sides_value(value) -> int:
    try:
        s = int(value)
    except (TypeError, ValueError):
        s = None
    if s not in (1, 2) or float(value) != s:
        raise InputError(f"sides must be 1 (one-sided test) or 2 (two-sided test); got {value!r}.")
    return s


def proportion_value(name: str, value) -> float:
    return check_level(value, name)


def z_alpha(alpha: float, sides: int) -> float:
    return float(stats.norm.isf(alpha / sides))


class DesignResult:
    """Shared representation of result objects."""

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - overridden
        raise NotImplementedError

    def to_dict(self) -> dict:
        return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in asdict(self).items()}

    def _repr_html_(self) -> str:
        return self.to_frame()._repr_html_()
