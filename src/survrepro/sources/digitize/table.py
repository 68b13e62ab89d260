"""The numbers-at-risk table of a vector figure.

Rows of whole numbers under the x axis, each number centred under an x tick (its time is
the tick's value), read top to bottom. A row whose numbers are the tick values themselves
(the time axis of a separate risk-table panel) is not a row of counts. The label of a row
is the text on its line left of its first number.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from survrepro.sources.digitize.axes import AxisMap, Box
from survrepro.sources.digitize.scene import Scene, parse_number


@dataclass
class RiskRow:
    """One row of the table: times, counts, its label text and colour."""

    times: list
    counts: list
    label: str | None
    color: tuple | None
    y: float


def read_table(scene: Scene, box: Box, xmap: AxisMap, used=()):
    """The rows of the numbers-at-risk table.

    Parameters
    ----------
    scene : Scene
        The figure.
    box : Box
        Its plot box.
    xmap : AxisMap
        The x mapping with its ticks.
    used : collection of Text
        Texts already read as tick labels.

    Returns
    -------
    list of RiskRow
        Top to bottom; empty when no table is found.

    Examples
    --------
    >>> from survrepro.sources.digitize.scene import Scene, Text
    >>> from survrepro.sources.digitize.axes import AxisMap, Box
    >>> s = Scene(texts=[Text("A", 0, 8, 150, 158), Text("50", 8, 12, 150, 158), Text("20", 104, 116, 150, 158)])
    >>> read_table(s, Box(10, 200, 5, 100), AxisMap(-10, 1, [(10, 0), (110, 100)]))[0].counts
    [50, 20]
    """
    tick_vals = sorted(set(xmap.tick_values))
    if len(tick_vals) < 2:
        return []
    spacing = float(np.min(np.diff(tick_vals)))
    used_ids = {id(t) for t in used}
    nums = []
    for t in scene.texts:
        if id(t) in used_ids or t.top < box.y1 + 0.5:
            continue
        v = parse_number(t.text)
        if v is None or v < 0 or v != int(v) or "." in t.text:
            continue
        time = float(xmap(t.xc))
        j = int(np.argmin([abs(time - tv) for tv in tick_vals]))
        if abs(time - tick_vals[j]) <= 0.25 * spacing:
            nums.append((t, tick_vals[j], int(v)))
    rows = []
    for t, time, v in sorted(nums, key=lambda n: n[0].yc):
        for r in rows:
            if abs(r[0][0].yc - t.yc) <= 0.4 * t.size:
                r.append((t, time, v))
                break
        else:
            rows.append([(t, time, v)])
    out = []
    for r in rows:
        # two numbers of a row under one tick: the one nearer the tick is the count, the other
        # a row label written as a number (an arm coded 1, 2, ...)
        nearest = {}
        for n in r:
            gap = abs(float(xmap(n[0].xc)) - n[1])
            if n[1] not in nearest or gap < nearest[n[1]][0]:
                nearest[n[1]] = (gap, n)
        labels = [n for n in r if nearest[n[1]][1] is not n]
        r = sorted((n for _, n in nearest.values()), key=lambda n: n[1])
        times = [n[1] for n in r]
        if len(r) < 2 or any(n[0].x0 > min(m[0].x0 for m in r) for n in labels):
            continue  # a second number under a tick that is not to the left of the row: no table
        if all(abs(n[2] - n[1]) < 1e-9 for n in r):
            continue  # the time axis of a risk-table panel
        y = float(np.mean([n[0].yc for n in r]))
        first = min(n[0].x0 for n in r)
        size = r[0][0].size
        left = sorted((t for t in scene.texts if abs(t.yc - y) <= 0.5 * size and t.x1 <= first + 0.5
                       and parse_number(t.text) is None), key=lambda t: t.x0)
        label = " ".join(t.text for t in left + [n[0] for n in labels]) or None
        colors = [n[0].color for n in r if n[0].color is not None]
        color = max(set(colors), key=colors.count) if colors else None
        out.append(RiskRow(times, [n[2] for n in r], label, color, y))
    return out
