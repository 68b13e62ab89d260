"""Curves, censor marks and legend labels of a vector figure.

Inside the plot box, stroked paths are sorted into: step curves (grouped by stroke colour,
dash and width; a path that rises is not a survival curve), censor marks (paths smaller
than 6% of the box each way, merged when they cross, as a "+" does), legend samples
(short horizontal lines, matched to a curve of the same style; their label is the text
just right of them) and reference lines (full-width grid lines, dashed lines of at most
four vertices such as median drop lines), which are left out. Dashed curves of a colour
that also has a solid curve, two per solid curve, are taken as its confidence limits.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from survrepro.sources.digitize.axes import AxisMap, Box
from survrepro.sources.digitize.scene import Scene, is_grey, same_color


@dataclass
class Curve:
    """One extracted curve: its vertices in page coordinates, style and label."""

    pts: np.ndarray
    color: tuple | None
    dash: tuple
    width: float
    label: str | None = None
    legend_y: float | None = None
    censor: list = field(default_factory=list)  # page x of its censor marks

    def level_at(self, x: float) -> float:
        """Page y of the curve's horizontal part at page x (the step value)."""
        xs, ys = self.pts[:, 0], self.pts[:, 1]
        i = np.searchsorted(xs, x, side="right") - 1
        return float(ys[max(i, 0)])


def _style_key(p):
    c = tuple(round(v, 2) for v in p.color)
    return c, tuple(round(v, 1) for v in p.dash), round(p.width, 1)


def _is_step_down(pts) -> bool:
    """Whether a path runs left to right and never rises (y downwards), allowing 0.5 pt."""
    dx = np.diff(pts[:, 0])
    dy = np.diff(pts[:, 1])
    return bool((dx >= -0.5).all() and (dy >= -0.5).all())


def extract(scene: Scene, box: Box, xmap: AxisMap, ymap: AxisMap):
    """Curves, censor marks and notes of a vector scene.

    Parameters
    ----------
    scene : Scene
        The figure.
    box : Box
        Its plot box.
    xmap, ymap : AxisMap
        The axis mappings (used to tell the curves from the axes).

    Returns
    -------
    tuple
        ``(curves, marks, notes)``: a list of :class:`Curve` in legend order (drawing
        order when there is no legend), the unassigned censor marks as page ``(x, y)``,
        and notes on what was left out.

    Examples
    --------
    >>> import numpy as np
    >>> from survrepro.sources.digitize.axes import AxisMap, Box
    >>> from survrepro.sources.digitize.scene import Path, Scene
    >>> s = Scene(paths=[Path(np.array([[10, 5], [50, 5], [50, 40], [200, 40]], float), (1, 0, 0))])
    >>> curves, marks, notes = extract(s, Box(10, 200, 5, 100), AxisMap(0, 1), AxisMap(1, -0.01))
    >>> curves[0].pts.tolist()
    [[10.0, 5.0], [50.0, 5.0], [50.0, 40.0], [200.0, 40.0]]
    """
    notes = []
    small, samples, pieces = [], [], []
    n_rising = 0
    for p in scene.paths:
        if p.color is None or len(p.pts) < 2:
            continue
        xs, ys = p.pts[:, 0], p.pts[:, 1]
        w, h = p.x1 - p.x0, p.y1 - p.y0
        inside = box.contains(xs, ys).mean()
        flat = h <= 0.5
        if flat and w < 0.15 * box.w and len(p.pts) <= 5:
            samples.append(p)
            continue
        if inside < 0.8:
            continue
        if w <= 0.06 * box.w and h <= 0.06 * box.h:
            small.append(p)
            continue
        if is_grey(p.color) and len(p.pts) <= 5 and (
                (flat and w >= 0.9 * box.w) or (w <= 0.5 and h >= 0.9 * box.h)):
            continue  # an axis, box edge or grid line
        if p.dash and len(p.pts) <= 4:
            continue  # a median drop line or another dashed reference line
        if len(p.pts) == 2 and (flat or w <= 0.5):
            continue  # a lone straight line (a box edge, a reference line)
        if not _is_step_down(p.pts):
            n_rising += 1
            continue
        pieces.append(p)
    if n_rising:
        notes.append(f"{n_rising} rising line(s) inside the plot box were left out (only falling survival curves are read)")
    # chain the pieces of one style into curves
    groups = {}
    for p in pieces:
        groups.setdefault(_style_key(p), []).append(p)
    curves = []
    for key, ps in groups.items():
        chains = []
        for p in sorted(ps, key=lambda q: (q.x0, q.y0)):
            for ch in chains:
                last = ch[-1][-1]
                if p.pts[0, 0] >= last[0] - 0.5 and p.pts[0, 1] >= last[1] - 0.5:
                    ch.append(p.pts)
                    break
            else:
                chains.append([p.pts])
        for ch in chains:
            pts = np.vstack(ch)
            curves.append(Curve(pts, ps[0].color, ps[0].dash, ps[0].width))
    # dashed companions of a solid curve of the same colour: confidence limits
    keep = []
    for c in curves:
        if c.dash:
            solid = [d for d in curves if not d.dash and same_color(d.color, c.color)]
            dashed = [d for d in curves if d.dash and same_color(d.color, c.color)]
            if solid and len(dashed) == 2 * len(solid):
                continue
        keep.append(c)
    if len(keep) < len(curves):
        notes.append(f"{len(curves) - len(keep)} dashed line(s) of a solid curve's colour were taken as confidence limits and left out")
    curves = keep
    # legend: a short sample line of the curve's style with text to its right
    for c in curves:
        for s in samples:
            if same_color(s.color, c.color) and tuple(round(v, 1) for v in s.dash) == tuple(round(v, 1) for v in c.dash) \
                    and abs(s.width - c.width) <= 0.3 * max(c.width, 0.1):
                label = _text_right_of(scene, s.x1, float(np.mean(s.pts[:, 1])))
                if label:
                    c.label, c.legend_y = label, float(np.mean(s.pts[:, 1]))
                    break
    if any(c.legend_y is not None for c in curves):
        curves.sort(key=lambda c: (c.legend_y is None, c.legend_y if c.legend_y is not None else 0))
    # censor marks: small paths merged when their centres coincide
    centres = []
    for p in small:
        cx, cy = 0.5 * (p.x0 + p.x1), 0.5 * (p.y0 + p.y1)
        for m in centres:
            if abs(m[0] - cx) <= 0.2 and abs(m[1] - cy) <= 0.2:
                break
        else:
            centres.append((cx, cy, p.color))
    for t in scene.texts:  # "+" drawn as a character (survminer)
        if t.text and set(t.text) == {"+"} and box.contains(t.xc, t.yc):
            centres.append((t.xc, t.bottom - 0.5 * t.size, t.color))
    unassigned = []
    tol = max(2.0, 0.015 * box.h)
    for cx, cy, color in centres:
        if not curves:
            break
        d = [abs(c.level_at(cx) - cy) for c in curves]
        order = np.argsort(d)
        j = int(order[0])
        if color is not None and not is_grey(color):
            same = [i for i in order if d[i] <= tol and same_color(curves[i].color, color, tol=0.08)]
            j = int(same[0]) if same else j
        if d[j] <= tol and box.x0 - 1 <= cx <= box.x1 + 1:
            curves[j].censor.append(cx)
        else:
            unassigned.append((cx, cy))
    return curves, unassigned, notes


def _text_right_of(scene: Scene, x: float, y: float):
    """The words on one line starting just right of page ``x`` at height ``y``."""
    row = sorted((t for t in scene.texts if abs(t.yc - y) <= 0.8 * t.size and t.x0 >= x - 0.5
                  and t.x0 <= x + 3 * t.size), key=lambda t: t.x0)
    if not row:
        return None
    words = [row[0]]
    for t in sorted((t for t in scene.texts if abs(t.yc - y) <= 0.8 * t.size and t.x0 > row[0].x0),
                    key=lambda t: t.x0):
        if t.x0 - words[-1].x1 <= 1.2 * t.size:
            words.append(t)
        else:
            break
    return " ".join(w.text for w in words)
