"""The plot box and the axis mapping of a vector figure.

The plot box is the pair of a long horizontal and a long vertical grey line that meet at
its lower-left corner (the axis lines of matplotlib and ggplot2, the box of base R) and
holds the most curve vertices. Ticks are short grey lines perpendicular to an axis and
touching it; tick labels are the numbers printed beside them. Positions map to values
by a least-squares line through (tick position, label value), which must fit every label
to within 0.5% of the axis range. ``x_range=(A, B)`` or ``y_range`` give the values of the
first and last tick instead (the ends of the axis line when it has no ticks).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from survrepro.errors import InputError
from survrepro.sources.digitize.scene import Scene, is_grey, parse_number


@dataclass
class Box:
    """The plot area in page coordinates (y downwards)."""

    x0: float
    x1: float
    y0: float
    y1: float

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    def contains(self, x, y, tol: float = 1.5):
        return (x >= self.x0 - tol) & (x <= self.x1 + tol) & (y >= self.y0 - tol) & (y <= self.y1 + tol)


@dataclass
class AxisMap:
    """value = ``a + b * position`` along one axis, with the ticks it was read from."""

    a: float
    b: float
    ticks: list = field(default_factory=list)  # (position, value) pairs
    how: str = "tick labels"
    scale: float = 1.0  # 0.01 when the axis is in percent and values are given as fractions

    def __call__(self, pos):
        return (self.a + self.b * np.asarray(pos, dtype=float)) * self.scale

    def inverse(self, value):
        """Page position of an axis value (in the mapped units)."""
        return (np.asarray(value, dtype=float) / self.scale - self.a) / self.b

    @property
    def tick_values(self):
        return [v * self.scale for _, v in self.ticks]


def _segments(scene: Scene):
    """Straight grey segments of stroked paths: (x0, y0, x1, y1, orientation)."""
    out = []
    for p in scene.paths:
        if p.color is None or not is_grey(p.color) or np.mean(p.color) > 0.85:
            continue
        d = np.diff(p.pts, axis=0)
        for (x0, y0), (dx, dy) in zip(p.pts[:-1], d):
            if abs(dy) <= 0.01 * abs(dx) and abs(dx) > 0:
                out.append((min(x0, x0 + dx), y0, max(x0, x0 + dx), y0, "h"))
            elif abs(dx) <= 0.01 * abs(dy) and abs(dy) > 0:
                out.append((x0, min(y0, y0 + dy), x0, max(y0, y0 + dy), "v"))
    return out


def find_box(scene: Scene) -> Box:
    """The plot box of a scene.

    Parameters
    ----------
    scene : Scene
        The figure's paths and texts.

    Returns
    -------
    Box
        The plot area.

    Raises
    ------
    InputError
        When no pair of axis lines is found.

    Examples
    --------
    >>> import numpy as np
    >>> from survrepro.sources.digitize.scene import Path, Scene
    >>> s = Scene(paths=[Path(np.array([[10, 100], [200, 100]]), (0, 0, 0)),
    ...                  Path(np.array([[10, 5], [10, 100]]), (0, 0, 0)),
    ...                  Path(np.array([[10, 5], [50, 5], [50, 40], [200, 40]]), (1, 0, 0))])
    >>> find_box(s)
    Box(x0=10.0, x1=200.0, y0=5.0, y1=100.0)
    """
    segs = _segments(scene)
    hs = [s for s in segs if s[4] == "h"]
    vs = [s for s in segs if s[4] == "v"]
    if not hs or not vs:
        raise InputError("no axes found: the figure has no long horizontal and vertical axis lines.")
    hmax = max(s[2] - s[0] for s in hs)
    vmax = max(s[3] - s[1] for s in vs)
    hs = [s for s in hs if s[2] - s[0] >= 0.3 * hmax]
    vs = [s for s in vs if s[3] - s[1] >= 0.3 * vmax]
    verts = [p.pts for p in scene.paths if len(p.pts) >= 4 and p.color is not None and not p.filled]
    allv = np.vstack(verts) if verts else np.zeros((0, 2))
    best, best_key = None, None
    for h in hs:
        hl = h[2] - h[0]
        for v in vs:
            vl = v[3] - v[1]
            if abs(v[0] - h[0]) > 0.03 * hl or abs(v[3] - h[1]) > 0.03 * vl:
                continue
            box = Box(float(v[0]), float(h[2]), float(v[1]), float(h[1]))
            if box.w < 20 or box.h < 20:
                continue
            inside = int(box.contains(allv[:, 0], allv[:, 1], tol=-0.5).sum()) if len(allv) else 0
            key = (inside, box.w * box.h)
            if best_key is None or key > best_key:
                best, best_key = box, key
    if best is None:
        raise InputError("no axes found: no horizontal and vertical axis lines meet at a corner.")
    return best


def _ticks(scene: Scene, box: Box, axis: str):
    """Positions of the tick marks of the bottom (``x``) or left (``y``) axis."""
    out = []
    for x0, y0, x1, y1, o in _segments(scene):
        if axis == "x" and o == "v" and 0.3 <= y1 - y0 <= 0.06 * box.h and box.x0 - 1 <= x0 <= box.x1 + 1:
            if min(abs(y0 - box.y1), abs(y1 - box.y1)) <= 1.5:
                out.append(x0)
        if axis == "y" and o == "h" and 0.3 <= x1 - x0 <= 0.06 * box.w and box.y0 - 1 <= y0 <= box.y1 + 1:
            if min(abs(x0 - box.x0), abs(x1 - box.x0)) <= 1.5:
                out.append(y0)
    merged = []
    for v in sorted(out):
        if not merged or v - merged[-1] > 0.05:
            merged.append(v)
    return merged


def _labels(scene: Scene, box: Box, axis: str):
    """Numeric texts beside an axis: (text, position along the axis, value)."""
    cands = []
    for t in scene.texts:
        v = parse_number(t.text)
        if v is None:
            continue
        if axis == "x" and t.top >= box.y1 - 1 and t.top <= box.y1 + 4 * t.size + 6 \
                and box.x0 - 0.05 * box.w <= t.xc <= box.x1 + 0.05 * box.w:
            cands.append((t, t.xc, v, t.top))
        if axis == "y" and box.x0 - 8 * t.size - 6 <= t.x1 <= box.x0 + 1 \
                and box.y0 - 0.05 * box.h <= t.yc <= box.y1 + 0.05 * box.h:
            cands.append((t, t.yc, v, t.x1))
    if not cands:
        return []
    # the row (column) of labels nearest the axis
    key = min(c[3] for c in cands) if axis == "x" else max(c[3] for c in cands)
    size = float(np.median([c[0].size for c in cands]))
    return [(c[0], c[1], c[2]) for c in cands if abs(c[3] - key) <= 0.6 * size]


def axis_map(scene: Scene, box: Box, axis: str, given=None, min_labels: int = 2) -> AxisMap:
    """The mapping of page positions to values along one axis.

    Parameters
    ----------
    scene : Scene
        The figure.
    box : Box
        Its plot box.
    axis : {"x", "y"}
        The bottom or the left axis.
    given : tuple of float, optional
        ``(A, B)``: the values of the first and last tick (or of the axis ends), instead
        of the tick labels.
    min_labels : int
        Fewest distinct labels the line must be fitted through (3 for labels recognized
        in an image, so that one misread label cannot pass unseen).

    Returns
    -------
    AxisMap
        The mapping; for ``y`` in percent (labels above 1.5), ``scale`` is 0.01.

    Raises
    ------
    InputError
        When the labels cannot be read or do not lie on a linear scale.

    Examples
    --------
    >>> import numpy as np
    >>> from survrepro.sources.digitize.scene import Path, Scene, Text
    >>> s = Scene(texts=[Text("0", 8, 12, 102, 110), Text("100", 104, 116, 102, 110)])
    >>> m = axis_map(s, Box(10, 200, 5, 100), "x")
    >>> round(float(m(10)), 9), round(float(m(110)), 9)
    (0.0, 100.0)
    """
    ticks = _ticks(scene, box, axis)
    lo, hi = (box.x0, box.x1) if axis == "x" else (box.y1, box.y0)
    flag = f"--{axis}-range"
    if given is not None:
        a_val, b_val = given
        if ticks and len(ticks) >= 2:
            p0, p1 = (ticks[0], ticks[-1]) if axis == "x" else (ticks[-1], ticks[0])
            how = f"{flag}: the first and last ticks"
        else:
            p0, p1 = lo, hi
            how = f"{flag}: the ends of the axis"
        b = (b_val - a_val) / (p1 - p0)
        m = AxisMap(a_val - b * p0, b, [(p0, a_val), (p1, b_val)], how)
    else:
        labels = _labels(scene, box, axis)
        pairs = []
        spacing = np.min(np.diff(ticks)) if len(ticks) >= 2 else None
        for t, pos, v in labels:
            if ticks:
                j = int(np.argmin([abs(pos - q) for q in ticks]))
                tol = 0.35 * spacing if spacing else 3 * t.size
                if abs(ticks[j] - pos) <= tol:
                    pairs.append((ticks[j], v))
                    continue
            pairs.append((pos, v))
        pairs = sorted(set(pairs))
        what = "x (time)" if axis == "x" else "y (survival)"
        if len({v for _, v in pairs}) < min_labels:
            words = {2: "two", 3: "three"}.get(min_labels, str(min_labels))
            reason = "its text is drawn as glyph outlines" if scene.glyph_text else f"fewer than {words} numeric tick labels were found"
            raise InputError(f"the {what} axis could not be read ({reason}): give {flag} A,B, the values of its first and last ticks.")
        p = np.array(pairs, dtype=float)
        b, a = np.polyfit(p[:, 0], p[:, 1], 1)
        resid = np.abs(a + b * p[:, 0] - p[:, 1])
        span = p[:, 1].max() - p[:, 1].min()
        if resid.max() > 0.005 * span:
            raise InputError(f"the {what} axis tick labels do not lie on a linear scale: give {flag} A,B, the values of its first and last ticks.")
        m = AxisMap(float(a), float(b), [tuple(map(float, q)) for q in p], "tick labels")
    if (axis == "x" and m.b <= 0) or (axis == "y" and m.b >= 0):
        raise InputError(f"the {axis} axis runs the wrong way (values must grow {'rightwards' if axis == 'x' else 'upwards'}): check {flag}.")
    if axis == "y" and max(v for _, v in m.ticks) > 1.5:
        m.scale = 0.01
    return m
