"""survrepro: reproduce published survival analyses of oncology trials.

The calculation modules take arrays or DataFrames and return frozen result
objects with ``to_frame()`` and an HTML representation for Jupyter; only
:mod:`survrepro.io` reads or writes files.

>>> from survrepro import kaplan_meier, cox_ph, logrank_test, analyze
"""
from survrepro._validation import InputError
from survrepro.analysis import AnalysisResult, analyze
from survrepro.cox import CoxResult, LogRankResult, cox_ph, hazard_ratio, logrank_test, ph_test
from survrepro.km import KaplanMeierResult, kaplan_meier, km_by_group, median_followup
from survrepro.rmst import RMSTResult, rmst

__version__ = "0.1.0"

__all__ = [
    "AnalysisResult",
    "CoxResult",
    "InputError",
    "KaplanMeierResult",
    "LogRankResult",
    "RMSTResult",
    "analyze",
    "cox_ph",
    "hazard_ratio",
    "kaplan_meier",
    "km_by_group",
    "logrank_test",
    "median_followup",
    "ph_test",
    "rmst",
    "__version__",
]
