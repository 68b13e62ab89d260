"""The allowed values of every option, defined once.

The calculation modules validate against these tuples and the command line offers them
as choices; this module imports nothing, so ``survrepro --help`` stays fast.
"""
from __future__ import annotations

__all__ = [
    "CONF_TYPES",
    "CURVE_SCALES",
    "DESIGN_METHODS",
    "PH_TRANSFORMS",
    "RECONSTRUCT_METHODS",
    "SYNTHESIS_ENDPOINTS",
    "TIES",
]

#: Kaplan-Meier confidence-interval transforms (R ``survfit(conf.type=)``).
CONF_TYPES = ("log", "log-log", "plain")
#: Cox partial-likelihood tie handling (R ``coxph(ties=)``).
TIES = ("efron", "breslow")
#: Time transforms of the proportional-hazards test (R ``cox.zph(transform=)``).
PH_TRANSFORMS = ("km", "identity", "rank", "log")
#: Reconstruction algorithms for digitized curves.
RECONSTRUCT_METHODS = ("auto", "dp", "exact", "guyot")
#: Scale of digitized survival values.
CURVE_SCALES = ("auto", "fraction", "percent")
#: Endpoints the synthesizer can write.
SYNTHESIS_ENDPOINTS = ("pfs", "os", "ttnt", "new_lesion")
#: Event-count formulas for two-arm survival designs.
DESIGN_METHODS = ("schoenfeld", "freedman")
