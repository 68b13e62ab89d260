"""Reconstruct individual patient data (IPD) from digitized Kaplan–Meier curves.

Three steps, each reported:

1. :func:`clean_curve` turns raw digitizer clicks into a non-increasing curve that
   starts at (0, 1) and lists every change it made (sorting, spikes removed, clipping,
   merged times, percent scale, 1 − F conversion of a cumulative-incidence curve).
2. :func:`reconstruct_arm` turns a cleaned curve plus the published numbers at risk
   (or only the number of patients) into one row per patient; :func:`reconstruct` does
   it for every arm of a figure.
3. The fidelity of each arm is measured: the Kaplan–Meier curve of the reconstructed
   data against the cleaned digitized points, numbers at risk and events against the
   published ones.

Three methods are available. ``method="guyot"`` is the algorithm of Guyot et al. (2012)
as published. ``method="exact"`` keeps Guyot's model of the data (events where the curve
drops, censoring spread over each interval of the risk table) but solves each interval in
closed form, so the reconstructed number at risk equals the published one at every table
time whenever the curve allows it. ``method="dp"`` reads the number at risk at each drop
from its depth and chooses integer events and censorings together by dynamic programming
over the drops; it is more accurate than ``exact`` on small arms and slower, so
``method="auto"`` (the default) uses it for arms of at most :data:`DP_AUTO_MAX_N`
patients and ``exact`` above.

Modules, in the order the data flow through them:

- :mod:`~survrepro.sources.reconstruct.clean`: curve cleaning (:class:`CleanCurve`,
  :func:`clean_curve`), one named step per action.
- :mod:`~survrepro.sources.reconstruct.table`: risk-table checks and the dating of the
  curve's drops against the table times (shared by ``exact`` and ``dp``).
- :mod:`~survrepro.sources.reconstruct.exact`, :mod:`~survrepro.sources.reconstruct.dp`,
  :mod:`~survrepro.sources.reconstruct.guyot`: the three methods.
- :mod:`~survrepro.sources.reconstruct.fidelity`: fit measures and the result types
  :class:`ArmReconstruction`, :class:`Reconstruction`.
- :mod:`~survrepro.sources.reconstruct.api`: the entry points :func:`reconstruct_arm` and
  :func:`reconstruct`.

The tuning constants are read where they are used (``clean``, ``dp``, ``guyot``, ``api``);
the copies here are for reading.

References
----------
Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival
data: reconstructing the data from published Kaplan-Meier survival curves.
BMC Medical Research Methodology 2012;12:9. doi:10.1186/1471-2288-12-9.
"""
from __future__ import annotations

from survrepro.sources.reconstruct.api import DP_AUTO_MAX_N, METHODS, SCALES, reconstruct, reconstruct_arm
from survrepro.sources.reconstruct.clean import (
    NUDGE_TOLERANCE,
    RISE_THRESHOLD,
    SPIKE_TOLERANCE,
    SURVIVAL_TOLERANCE,
    TIME_TOLERANCE,
    CleanCurve,
    clean_curve,
)
from survrepro.sources.reconstruct.dp import (
    DP_LOOKAHEAD,
    DP_MAX_CELLS,
    DP_NOISE,
    DP_REAL_DROP,
    DP_WINDOW,
    DP_ZERO_LEVEL,
    DP_ZERO_TIES,
)
from survrepro.sources.reconstruct.fidelity import ArmReconstruction, Reconstruction
from survrepro.sources.reconstruct.guyot import GUYOT_MAX_ITER

__all__ = [
    "CleanCurve",
    "ArmReconstruction",
    "Reconstruction",
    "clean_curve",
    "reconstruct_arm",
    "reconstruct",
    "METHODS",
    "SCALES",
    "DP_AUTO_MAX_N",
]
