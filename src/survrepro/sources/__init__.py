"""Where patient-level data come from when a paper prints none.

:mod:`~survrepro.sources.reconstruct` rebuilds patients from digitized Kaplan-Meier curves
and numbers at risk; :mod:`~survrepro.sources.synthesize` builds SYNTHETIC patients whose
analyses reproduce a register's published summaries.
"""
