"""Read Kaplan–Meier figures without clicking: curves, numbers at risk, censor marks.

:func:`digitize` reads a PDF page or an SVG drawing from its vector paths and text (the
coordinates come out exactly), and a PNG or JPEG image by tracing its coloured pixels and
recognizing the digits of its tick labels and risk table.
Modules: :mod:`~survrepro.sources.digitize.scene` (the common picture of paths and text),
:mod:`~survrepro.sources.digitize.vector` (PDF and SVG readers),
:mod:`~survrepro.sources.digitize.axes` (plot box and tick-label mapping),
:mod:`~survrepro.sources.digitize.curves` (curves, censor marks, legend),
:mod:`~survrepro.sources.digitize.table` (numbers at risk),
:mod:`~survrepro.sources.digitize.raster` (images),
:mod:`~survrepro.sources.digitize.glyphs` (the numbers printed in an image) and
:mod:`~survrepro.sources.digitize.overlay` (the check figure).
"""
from survrepro.sources.digitize.api import DigitizedFigure, digitize

__all__ = ["digitize", "DigitizedFigure"]
