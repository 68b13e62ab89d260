"""survrepro: reproduce published survival analyses of oncology trials.

The package is layered; each layer imports only those below it:

* :mod:`survrepro.engine`: the statistics (Kaplan-Meier, Cox, log-rank, RMST,
  proportions, contingency tests, parametric extrapolation), arrays or DataFrames in, frozen results out;
* :mod:`survrepro.sources`: where patient data come from (reconstruction from
  digitized curves, synthesis from published summaries);
* :mod:`survrepro.register`: the published-number registers, their audit and their
  evaluation from data;
* :mod:`survrepro.design`: trial designs, power and simulation;
* :mod:`survrepro.report`: figures and the reproduction report;
* :mod:`survrepro.cli`: the ``survrepro`` command.

Only :mod:`survrepro.io` reads or writes files; :mod:`survrepro.paths` names every path.
The names below are imported on first use, so ``import survrepro`` is cheap.

Every public statistic takes ``time, event, group`` and returns a frozen result with
``to_frame()``, ``to_dict()``, a ``summary`` table and, where it has an interval,
``confidence_interval(conf_level=None)`` returning a :class:`ConfidenceInterval`.

>>> from survrepro import kaplan_meier, cox_ph, logrank_test, analyze
"""
from __future__ import annotations

import importlib

from survrepro.errors import InputError

__version__ = "0.1.0"

_EXPORTS = {
    "AnalysisResult": "survrepro.engine.analysis",
    "analyze": "survrepro.engine.analysis",
    "ConfidenceInterval": "survrepro.engine._results",
    "CoxResult": "survrepro.engine.cox",
    "cox_ph": "survrepro.engine.cox",
    "hazard_ratio": "survrepro.engine.cox",
    "ph_test": "survrepro.engine.cox",
    "LogRankResult": "survrepro.engine.logrank",
    "logrank_test": "survrepro.engine.logrank",
    "KaplanMeierResult": "survrepro.engine.km",
    "kaplan_meier": "survrepro.engine.km",
    "km_by_group": "survrepro.engine.km",
    "median_followup": "survrepro.engine.km",
    "ExtrapolationResult": "survrepro.engine.extrapolate",
    "extrapolate": "survrepro.engine.extrapolate",
    "RMSTResult": "survrepro.engine.rmst",
    "rmst": "survrepro.engine.rmst",
}

__all__ = sorted([*_EXPORTS, "InputError", "__version__"])


def __getattr__(name: str):
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'survrepro' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
