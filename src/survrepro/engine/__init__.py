"""The statistics: arrays or DataFrames in, frozen result objects out; no file is touched.

Kaplan-Meier (:mod:`~survrepro.engine.km`), Cox and log-rank (:mod:`~survrepro.engine.cox`),
restricted mean survival (:mod:`~survrepro.engine.rmst`), proportions on therapy
(:mod:`~survrepro.engine.proportion`), contingency tests (:mod:`~survrepro.engine.contingency`)
and the one-call analysis of a data set (:mod:`~survrepro.engine.analysis`). Every number is
validated against R's survival package (tests/validation).
"""
