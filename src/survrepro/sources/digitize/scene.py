"""What a figure is made of once its file format is forgotten: stroked paths and text.

Every vector reader (:mod:`~survrepro.sources.digitize.vector`) turns a PDF page or an SVG
drawing into a :class:`Scene` in the same page frame (points, y growing downwards), so the
axes, curves, censor marks, legend and risk table are found by one set of rules.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Path:
    """One stroked or filled path: its vertices in page coordinates (y downwards).

    ``color`` is the stroke colour as an ``(r, g, b)`` tuple in [0, 1] (``None`` when the
    path is not stroked); ``dash`` is a tuple of dash lengths (empty for a solid line).
    """

    pts: np.ndarray
    color: tuple | None
    dash: tuple = ()
    width: float = 1.0
    filled: bool = False

    @property
    def x0(self) -> float:
        return float(self.pts[:, 0].min())

    @property
    def x1(self) -> float:
        return float(self.pts[:, 0].max())

    @property
    def y0(self) -> float:
        return float(self.pts[:, 1].min())

    @property
    def y1(self) -> float:
        return float(self.pts[:, 1].max())

    @property
    def length(self) -> float:
        d = np.diff(self.pts, axis=0)
        return float(np.hypot(d[:, 0], d[:, 1]).sum()) if len(d) else 0.0


@dataclass
class Text:
    """A run of text on one line: its extent in page coordinates and its fill colour."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    color: tuple | None = None

    @property
    def xc(self) -> float:
        return 0.5 * (self.x0 + self.x1)

    @property
    def yc(self) -> float:
        return 0.5 * (self.top + self.bottom)

    @property
    def size(self) -> float:
        return max(self.bottom - self.top, 1e-6)


@dataclass
class Scene:
    """The paths and texts of one page, its size in points, and what the reader noticed."""

    paths: list = field(default_factory=list)
    texts: list = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0
    notes: list = field(default_factory=list)
    glyph_text: bool = False  # text drawn as outlines only (no characters to read)


def parse_number(text: str):
    """The number a tick or table label shows, or ``None``.

    Accepts a Unicode minus, a trailing ``%`` and thousands separators.

    Parameters
    ----------
    text : str
        The label.

    Returns
    -------
    float or None
        Its value.

    Examples
    --------
    >>> parse_number("\u22120.5"), parse_number("1,000"), parse_number("80%"), parse_number("Days")
    (-0.5, 1000.0, 80.0, None)
    """
    t = text.strip().replace("\u2212", "-").replace("\u2013", "-").rstrip("%").replace(",", "")
    if not t or any(c not in "0123456789.-+eE" for c in t) or not any(c.isdigit() for c in t):
        return None
    try:
        return float(t)
    except ValueError:
        return None


def is_grey(color, tol: float = 0.06) -> bool:
    """Whether a colour is black, grey or white (its channels equal within ``tol``).

    Parameters
    ----------
    color : tuple or None
        ``(r, g, b)`` in [0, 1].
    tol : float
        Largest spread between channels.

    Returns
    -------
    bool
        ``True`` for ``None`` too.

    Examples
    --------
    >>> is_grey((0.2, 0.2, 0.2)), is_grey((0.0, 0.45, 0.7))
    (True, False)
    """
    if color is None:
        return True
    return max(color) - min(color) <= tol


def same_color(a, b, tol: float = 0.04) -> bool:
    """Whether two colours are the same within ``tol`` per channel.

    Parameters
    ----------
    a, b : tuple or None
        ``(r, g, b)`` in [0, 1].
    tol : float
        Largest difference per channel.

    Returns
    -------
    bool
        ``False`` when either is ``None``.

    Examples
    --------
    >>> same_color((0, 0.447, 0.698), (0, 0.45, 0.7))
    True
    """
    if a is None or b is None:
        return False
    return all(abs(x - y) <= tol for x, y in zip(a, b))
