"""The statistics: arrays or DataFrames in, frozen result objects out; no file is touched.

Kaplan-Meier (:mod:`~survrepro.engine.km`), Cox and the proportional-hazards check
(:mod:`~survrepro.engine.cox`), log-rank (:mod:`~survrepro.engine.logrank`),
restricted mean survival (:mod:`~survrepro.engine.rmst`), proportions on therapy
(:mod:`~survrepro.engine.proportion`), contingency tests (:mod:`~survrepro.engine.contingency`)
and the one-call analysis of a data set (:mod:`~survrepro.engine.analysis`); group labels are
made once, in :mod:`~survrepro.engine.groups`, and every result shares the interval type and
display of :mod:`~survrepro.engine._results`. Every number is validated against R's survival
package (tests/validation).
"""
