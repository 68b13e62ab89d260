"""survrepro: reproduce published survival analyses of oncology trials.

The calculation modules take arrays or DataFrames and return frozen result
objects with ``to_frame()`` and an HTML representation for Jupyter; only
:mod:`survrepro.io` reads or writes files.
"""
from survrepro._validation import InputError
from survrepro.km import KaplanMeierResult, kaplan_meier, km_by_group, median_followup

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "KaplanMeierResult",
    "kaplan_meier",
    "km_by_group",
    "median_followup",
    "__version__",
]
