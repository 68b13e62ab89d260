"""``digitize(path)``: curves, numbers at risk and censor marks of a Kaplan–Meier figure."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FilePath

import numpy as np
import pandas as pd

from survrepro.errors import InputError
from survrepro.sources.digitize.axes import AxisMap, Box, axis_map, find_box
from survrepro.sources.digitize.curves import extract
from survrepro.sources.digitize.scene import is_grey, same_color
from survrepro.sources.digitize.table import read_table

VECTOR = {".pdf": "pdf", ".svg": "svg"}
RASTER = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}


@dataclass
class DigitizedFigure:
    """What was read from a figure.

    Attributes
    ----------
    curves : pandas.DataFrame
        ``time``, ``survival``, ``arm``: one row per corner of each step, in axis units
        (survival as a fraction).
    at_risk : pandas.DataFrame or None
        ``time``, ``n_at_risk``, ``arm`` when a numbers-at-risk table was read.
    censor : pandas.DataFrame
        ``time``, ``arm`` of each censor mark.
    notes : list of str
        What was assumed or left out.
    kind : str
        ``pdf``, ``svg``, ``png`` or ``jpeg``.
    """

    curves: pd.DataFrame
    at_risk: pd.DataFrame | None
    censor: pd.DataFrame
    notes: list
    kind: str
    source: str
    page: int = 1
    xmap: AxisMap | None = None
    ymap: AxisMap | None = None
    box: Box | None = None
    page_size: tuple = (0.0, 0.0)
    arms: list = field(default_factory=list)
    options_used: bool = False

    def to_frame(self) -> pd.DataFrame:
        """The curves as a table, ready for :func:`survrepro.sources.reconstruct.reconstruct`.

        Returns
        -------
        pandas.DataFrame
            ``time``, ``survival``, ``arm``.

        Examples
        --------
        >>> fig = DigitizedFigure(pd.DataFrame({"time": [0.0], "survival": [1.0], "arm": ["A"]}), None,
        ...                       pd.DataFrame(columns=["time", "arm"]), [], "pdf", "f.pdf")
        >>> fig.to_frame().columns.tolist()
        ['time', 'survival', 'arm']
        """
        return self.curves.copy()

    def summary(self) -> dict:
        """A JSON-ready summary: arms with their points, censor marks and table rows, axes and notes.

        Returns
        -------
        dict
            Keys ``source``, ``kind``, ``arms``, ``x_axis``, ``y_axis``, ``at_risk_read``, ``notes``.

        Examples
        --------
        >>> fig = DigitizedFigure(pd.DataFrame({"time": [0.0], "survival": [1.0], "arm": ["A"]}), None,
        ...                       pd.DataFrame(columns=["time", "arm"]), [], "pdf", "f.pdf")
        >>> fig.summary()["arms"][0]["points"]
        1
        """
        arms = []
        for arm in self.arms or list(dict.fromkeys(self.curves["arm"])):
            c = self.curves[self.curves["arm"] == arm]
            row = {"arm": arm, "points": int(len(c)),
                   "censor_marks": int((self.censor["arm"] == arm).sum()) if len(self.censor) else 0,
                   "last_time": float(c["time"].max()) if len(c) else None,
                   "last_survival": float(c["survival"].iloc[-1]) if len(c) else None}
            if self.at_risk is not None:
                t = self.at_risk[self.at_risk["arm"] == arm]
                row["at_risk"] = [[float(a), int(b)] for a, b in zip(t["time"], t["n_at_risk"])]
            arms.append(row)

        def ax(m):
            return None if m is None else {"read_from": m.how, "ticks": [[float(p), float(v)] for p, v in m.ticks],
                                           "percent": m.scale != 1.0}
        return {"source": self.source, "kind": self.kind, "page": self.page, "arms": arms,
                "x_axis": ax(self.xmap), "y_axis": ax(self.ymap), "at_risk_read": self.at_risk is not None,
                "notes": list(self.notes)}


def _parse_range(value, flag):
    if value is None:
        return None
    if isinstance(value, str):
        parts = value.split(",")
        try:
            value = tuple(float(p) for p in parts)
        except ValueError:
            raise InputError(f"{flag}: {value!r} is not A,B with two numbers.") from None
    value = tuple(float(v) for v in value)
    if len(value) != 2 or not value[1] > value[0]:
        raise InputError(f"{flag}: expected A,B with A < B (the values of the first and last ticks); got {value}.")
    return value


def _corners(t, s):
    """Drop repeated points and the inner points of horizontal or vertical runs."""
    keep = [0]
    for i in range(1, len(t)):
        if t[i] == t[keep[-1]] and s[i] == s[keep[-1]]:
            continue
        keep.append(i)
    t, s = t[keep], s[keep]
    out = [0]
    for i in range(1, len(t) - 1):
        if (t[i - 1] == t[i] == t[i + 1]) or (s[i - 1] == s[i] == s[i + 1]):
            continue
        out.append(i)
    if len(t) > 1:
        out.append(len(t) - 1)
    return t[out], s[out]


def _round_axis(v, span):
    digits = max(0, int(np.ceil(-np.log10(span))) + 6)
    return np.round(v, digits)


def time_grid(times, span: float):
    """The step of the grid a vector figure's times lie on, or ``None``.

    Data recorded in whole days (or weeks, months, tenths) give drop times on a grid; a PDF
    or SVG keeps them to its coordinate precision (R writes hundredths of a point, about
    ``2e-5`` of an axis). Every time within ``3e-5`` of the axis span of a multiple of a step
    ``10^j``, ``2 10^j`` or ``5 10^j`` at least 20 times that tolerance, the coarsest such step
    is returned (ten distinct times at least, so that chance cannot make a grid).

    Examples
    --------
    >>> time_grid(np.array([3.01, 7.0, 12.99, 15.0, 21.0, 30.0, 45.01, 52.0, 60.0, 77.0, 90.0]), 1000.0)
    1.0
    >>> time_grid(np.array([3.4, 7.1, 12.6, 15.3, 21.8, 30.2, 45.9, 52.4, 60.7, 77.1]) + 0.0137, 1000.0) is None
    True
    """
    t = np.unique(np.asarray(times, float))
    t = t[t > 0]
    if t.size < 10 or span <= 0:
        return None
    tol = 3e-5 * span
    for j in range(int(np.floor(np.log10(span))), int(np.floor(np.log10(20 * tol))) - 1, -1):
        for m in (5, 2, 1):
            step = m * 10.0 ** j
            if step < 20 * tol:
                continue
            if np.all(np.abs(t - np.round(t / step) * step) <= tol):
                return step
    return None


def _norm(label):
    return "".join(str(label).lower().split())


def _match_rows(curves, rows, notes):
    """Assign risk-table rows to curves: by label, then by colour, then by order."""
    match = {}
    free = list(range(len(rows)))
    for i, c in enumerate(curves):
        if c.label:
            for j in free:
                r = rows[j].label
                if r and (_norm(c.label) == _norm(r) or _norm(c.label).startswith(_norm(r))
                          or _norm(r).endswith(_norm(c.label))):
                    match[i] = j
                    free.remove(j)
                    break
    for i, c in enumerate(curves):
        if i in match or c.color is None or is_grey(c.color):
            continue
        for j in free:
            if rows[j].color is not None and same_color(rows[j].color, c.color, tol=0.08):
                match[i] = j
                free.remove(j)
                break
    rest = [i for i in range(len(curves)) if i not in match]
    if rest and len(free) == len(rest):
        for i, j in zip(rest, free):
            match[i] = j
        notes.append("risk-table rows matched to curves in legend order (their labels and colours did not tell)")
        free = []
    if free:
        notes.append(f"{len(free)} row(s) of numbers under the axis were not matched to a curve and were left out")
    return match


def risk_frame(rows, match, names, notes):
    """The numbers-at-risk table of the rows matched to curves, or ``None`` when none is.

    Parameters
    ----------
    rows : list of RiskRow
        The rows read.
    match : dict
        Curve index -> row index (from the row matching).
    names : list of str
        The arm names, in curve order.
    notes : list of str
        Where a row whose counts rise is noted.

    Returns
    -------
    pandas.DataFrame or None
        ``time``, ``n_at_risk``, ``arm``.

    Examples
    --------
    >>> from survrepro.sources.digitize.table import RiskRow
    >>> risk_frame([RiskRow([0, 10], [20, 12], None, None, 0.0)], {0: 0}, ["A"], []).values.tolist()
    [[0.0, 20, 'A'], [10.0, 12, 'A']]
    """
    if not rows or not match:
        return None
    parts = []
    for i, name in enumerate(names):
        if i in match:
            r = rows[match[i]]
            parts.append(pd.DataFrame({"time": r.times, "n_at_risk": r.counts, "arm": name}))
            if any(np.diff(r.counts) > 0):
                notes.append(f"the numbers at risk of {name} rise somewhere along the table: check them")
    table = pd.concat(parts, ignore_index=True)
    table["time"] = table["time"].astype(float)
    return table


def digitize(path, *, page: int = 1, x_range=None, y_range=None, arms: int | None = None) -> DigitizedFigure:
    """Read a Kaplan–Meier figure: curves, numbers at risk, censor marks and legend labels.

    PDF pages and SVG drawings are read from their drawing and text operators, exactly
    (:mod:`~survrepro.sources.digitize.vector`); PNG and JPEG images by tracing pixels
    (:mod:`~survrepro.sources.digitize.raster`), whose tick labels and numbers at risk are
    recognized from their digits (``x_range`` and ``y_range`` when they cannot be).

    Parameters
    ----------
    path : path-like
        The figure: ``.pdf``, ``.svg``, ``.png``, ``.jpg`` or ``.jpeg``.
    page : int
        Page of a PDF, from 1.
    x_range, y_range : tuple of float or str, optional
        ``(A, B)`` or ``"A,B"``: the values of the first and last ticks of the axis (its
        ends when it has no ticks), instead of the tick labels.
    arms : int, optional
        The number of curves expected; a figure with another number is refused.

    Returns
    -------
    DigitizedFigure
        Curves in axis units, the risk table when read, censor marks and notes.

    Raises
    ------
    InputError
        One sentence saying what was not found (no axes, no curves, an unreadable axis).

    Examples
    --------
    >>> import tempfile, matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> _ = ax.step([0, 2, 5, 9], [1, 0.8, 0.5, 0.5], where="post", color="tab:red", label="A")
    >>> _ = ax.legend(); _ = ax.set_xlim(0, 10); _ = ax.set_ylim(0, 1.05)
    >>> fig.savefig(Path(tmp.name) / "km.pdf")
    >>> res = digitize(Path(tmp.name) / "km.pdf")
    >>> res.curves.round(6).values.tolist()
    [[0.0, 1.0, 'A'], [2.0, 1.0, 'A'], [2.0, 0.8, 'A'], [5.0, 0.8, 'A'], [5.0, 0.5, 'A'], [9.0, 0.5, 'A']]
    >>> plt.close(fig); tmp.cleanup()
    """
    path = FilePath(path)
    suffix = path.suffix.lower()
    xr, yr = _parse_range(x_range, "--x-range"), _parse_range(y_range, "--y-range")
    if arms is not None and arms < 1:
        raise InputError(f"--arms: expected a whole number >= 1; got {arms}.")
    if not path.exists():
        raise InputError(f"{path}: no such file.")
    if suffix in RASTER:
        from survrepro.sources.digitize.raster import digitize_raster

        return digitize_raster(path, x_range=xr, y_range=yr, arms=arms)
    if suffix not in VECTOR:
        raise InputError(f"{path}: expected a .pdf, .svg, .png, .jpg or .jpeg figure; got {suffix or 'no suffix'!r}.")
    from survrepro.sources.digitize import vector

    scene = vector.read_pdf(path, page) if suffix == ".pdf" else vector.read_svg(path)
    return _from_scene(scene, path, VECTOR[suffix], page, xr, yr, arms)


def _from_scene(scene, path, kind, page, xr, yr, arms):
    where = f"{path}" + (f" page {page}" if kind == "pdf" else "")
    notes = list(scene.notes)
    try:
        box = find_box(scene)
        xmap = axis_map(scene, box, "x", xr)
        ymap = axis_map(scene, box, "y", yr)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    if ymap.scale != 1.0:
        notes.append("the y axis is in percent: survival converted to fractions")
    curves, unassigned, cnotes = extract(scene, box, xmap, ymap)
    notes += cnotes
    if not curves:
        raise InputError(f"{where}: no curves found: no falling step lines inside the plot box.")
    if arms is not None and len(curves) != arms:
        raise InputError(f"{where}: --arms {arms} was given but {len(curves)} curve(s) were found.")
    used = []
    from survrepro.sources.digitize.axes import _labels

    used += [t for t, _, _ in _labels(scene, box, "x")]
    rows = read_table(scene, box, xmap, used)
    match = _match_rows(curves, rows, notes) if rows else {}
    names = []
    for i, c in enumerate(curves):
        row_label = rows[match[i]].label if i in match else None
        if c.label and row_label and _norm(c.label).startswith(_norm(row_label)) and _norm(c.label) != _norm(row_label):
            names.append(row_label)
        else:
            names.append(c.label or row_label or str(i + 1))
    if len(set(names)) < len(names):
        names = [f"{n} ({i + 1})" if names.count(n) > 1 else n for i, n in enumerate(names)]
        notes.append("two curves had the same label: numbered in legend order")
    if not any(c.label for c in curves):
        notes.append("no legend read: arms named " + ("by their risk-table rows" if match else "1, 2, ... in drawing order"))
    frames, cens = [], []
    span_t = float(xmap(box.x1) - xmap(box.x0))
    inside = [c.pts[(c.pts[:, 0] >= box.x0 - 0.01) & (c.pts[:, 0] <= box.x1 + 0.01)] for c in curves]
    read = np.concatenate([_round_axis(xmap(p[:, 0]), span_t) for p in inside])
    grid = time_grid(read, span_t)
    if grid is not None and np.any(np.abs(read - np.round(read / grid) * grid) > 1e-9 * span_t):
        notes.append(f"every time lies on a grid of {grid:g} to the figure's precision: times put on it, "
                     "so that patients with equal times keep them")
    for name, c, pts in zip(names, curves, inside):
        t = _round_axis(xmap(pts[:, 0]), span_t)
        if grid is not None:
            t = _round_axis(np.round(t / grid) * grid, span_t)
        s = np.clip(_round_axis(ymap(pts[:, 1]), 1.0), 0.0, None) + 0.0
        t = t + 0.0
        t, s = _corners(t, s)
        frames.append(pd.DataFrame({"time": t, "survival": s, "arm": name}))
        for cx in sorted(c.censor):
            ct = float(_round_axis(xmap(cx), span_t))
            cens.append((float(_round_axis(round(ct / grid) * grid, span_t)) if grid is not None else ct, name))
    if unassigned:
        notes.append(f"{len(unassigned)} small mark(s) inside the plot box were on no curve and were left out")
    table = risk_frame(rows, match, names, notes)
    if table is None:
        notes.append("no numbers-at-risk table read")
    censor = pd.DataFrame(cens, columns=["time", "arm"])
    return DigitizedFigure(
        curves=pd.concat(frames, ignore_index=True), at_risk=table, censor=censor, notes=notes, kind=kind,
        source=str(path), page=page, xmap=xmap, ymap=ymap, box=box, page_size=(scene.width, scene.height),
        arms=names, options_used=xr is not None or yr is not None or arms is not None)
