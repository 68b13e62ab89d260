"""Raster fallback: curves traced in a PNG or JPEG image, pixel column by pixel column.

The plot box is found from the longest dark horizontal and vertical runs (the axis lines or
the box); ticks are the short dark runs just outside them. Tick labels cannot be read
without text recognition, which this package does not carry, so the values of the first
and last ticks are given as ``x_range`` and ``y_range``. Curve pixels are clustered by
colour (the hue of strongly coloured pixels, which blending with white keeps; light shading such as a confidence band is too pale to
count; black curves form one more cluster). In each cluster, small connected pieces
(legend samples, dashes of median lines, legend text) are left out, and the step curve is
traced left to right: a horizontal part is a run as thin as the line, a drop is a thick
run that starts at the current level, a censor mark is a thick run that also reaches above
it. The numbers at risk cannot be read from an image: give them as a table.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from survrepro.errors import InputError
from survrepro.sources.digitize.axes import AxisMap, Box


def _runs(mask_1d):
    """Start and end (exclusive) of each run of True."""
    d = np.diff(np.concatenate([[0], mask_1d.astype(np.int8), [0]]))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def _line_groups(lengths, frac):
    """Groups of consecutive indices whose run length is at least ``frac`` of the longest."""
    idx = np.flatnonzero(lengths >= frac * lengths.max())
    groups = []
    for i in idx:
        if groups and i == groups[-1][-1] + 1:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _longest_runs(mask, axis):
    """For each row (axis=1) or column (axis=0): the longest run of True, its start and end."""
    m = mask if axis == 1 else mask.T
    best = np.zeros(m.shape[0], int)
    start = np.zeros(m.shape[0], int)
    for i, row in enumerate(m):
        s, e = _runs(row)
        if len(s):
            k = int(np.argmax(e - s))
            best[i], start[i] = e[k] - s[k], s[k]
    return best, start


def find_box(dark) -> tuple:
    """The plot box of an image from its dark pixels, with the axis line thickness.

    Parameters
    ----------
    dark : numpy.ndarray
        Boolean mask of dark grey pixels.

    Returns
    -------
    tuple
        ``(Box, line_width)`` in pixel coordinates.

    Raises
    ------
    InputError
        When no axis lines are found.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.zeros((100, 120), bool); m[80:82, 10:110] = True; m[5:82, 10:12] = True
    >>> box, lw = find_box(m)
    >>> (box.x0, box.x1, box.y0, box.y1), lw
    ((10.5, 110.0, 5.0, 80.5), 2)
    """
    hl, hs = _longest_runs(dark, 1)
    vl, vs = _longest_runs(dark, 0)
    if hl.max() < 0.2 * dark.shape[1] or vl.max() < 0.2 * dark.shape[0]:
        raise InputError("no axes found: the image has no long dark horizontal and vertical lines.")
    vgroups = _line_groups(vl, 0.8)
    left = vgroups[0]
    x0 = float(np.mean(left))
    vtop = int(min(vs[i] for i in left))
    vbot = int(max(vs[i] + vl[i] for i in left))
    hgroups = [g for g in _line_groups(hl, 0.6)
               if min(abs(hs[i] - x0) for i in g) <= 0.03 * dark.shape[1] and vtop - 3 <= g[0] <= vbot + 3]
    if not hgroups:
        raise InputError("no axes found: no horizontal and vertical axis lines meet at a corner.")
    bottom = hgroups[-1]
    y1 = float(np.mean(bottom))
    x1 = float(max(hs[i] + hl[i] for i in bottom))
    return Box(x0, x1, float(vtop), y1), len(bottom)


def _ticks(dark, box, lw, axis):
    """Centres of the short dark runs just outside the bottom or left axis line."""
    if axis == "x":
        y = int(round(box.y1 + lw / 2 + 1.5))
        band = dark[y:y + 3, int(box.x0) - lw:int(box.x1) + lw + 1].any(axis=0)
        s, e = _runs(band)
        return [float(int(box.x0) - lw + (a + b - 1) / 2) for a, b in zip(s, e) if b - a <= 3 * lw + 2]
    x = int(round(box.x0 - lw / 2 - 1.5))
    band = dark[int(box.y0) - lw:int(box.y1) + lw + 1, max(x - 2, 0):x + 1].any(axis=1)
    s, e = _runs(band)
    return [float(int(box.y0) - lw + (a + b - 1) / 2) for a, b in zip(s, e) if b - a <= 3 * lw + 2]


def _hue(rgb):
    """Hue in degrees of an N x 3 array (blending with white keeps it)."""
    r, g, b = (rgb[..., i].astype(float) for i in range(3))
    mx, mn = np.maximum(np.maximum(r, g), b), np.minimum(np.minimum(r, g), b)
    d = np.where(mx - mn == 0, 1, mx - mn)
    h = np.where(mx == r, (g - b) / d % 6, np.where(mx == g, (b - r) / d + 2, (r - g) / d + 4))
    return h * 60.0


def _clusters(img, inside, arms):
    """Hue centres of the curves: peaks of the hue histogram of strongly coloured pixels."""
    rgb = img[inside].astype(float)
    sat = rgb.max(axis=1) - rgb.min(axis=1)
    hue = _hue(rgb[(sat >= 80) & (rgb.min(axis=1) <= 170)])
    counts, _ = np.histogram(hue, bins=72, range=(0, 360))
    centres = []
    counts = counts.astype(float)
    while counts.max() > 0:
        k = int(np.argmax(counts))
        if centres and counts[k] < max(60, 0.08 * centres[0][1]):
            break
        sel = np.abs((hue - (k * 5 + 2.5) + 180) % 360 - 180) <= 10
        centres.append((float(np.median(hue[sel])) if sel.any() else k * 5 + 2.5, counts[k]))
        for j in range(k - 3, k + 4):
            counts[j % 72] = 0
        if len(centres) >= 8:
            break
    return [c for c, _ in centres]


def _trace(mask, box, lw):
    """Corners (page x, page y) and censor columns of one curve's pixel mask."""
    from scipy import ndimage

    lab, n = ndimage.label(mask, structure=np.ones((3, 3)))
    if n == 0:
        return None, [], []
    objs = ndimage.find_objects(lab)
    keep = np.zeros(n + 1, bool)
    samples = []
    for i, sl in enumerate(objs, start=1):
        h = sl[0].stop - sl[0].start
        w = sl[1].stop - sl[1].start
        if (w < 0.05 * box.w and h < 0.05 * box.h) or (h <= 2 * lw + 2 and w < 0.12 * box.w):
            if h <= 2 * lw + 2 and w >= 3 * lw:
                samples.append(sl[0].start)
            continue
        keep[i] = True
    m = keep[lab]
    cols = np.flatnonzero(m.any(axis=0))
    if len(cols) < 0.05 * box.w:
        return None, [], samples
    sub = m[:, cols]
    rows = np.arange(m.shape[0])[:, None]
    bottom = np.where(sub, rows, -1).max(axis=0).astype(float)
    top = np.where(sub, rows, m.shape[0]).min(axis=0).astype(float)
    single = [c for c in cols if len(_runs(m[:, c])[0]) == 1]
    lw_c = float(np.median([m[:, c].sum() for c in single])) if single else float(lw)
    half = (lw_c - 1) / 2
    # the curve never rises: its level at a column is the lowest bottom edge from there on,
    # so a censor mark (a brief dip below the line) drops out
    level = np.minimum.accumulate(bottom[::-1])[::-1] - half
    corners = [(float(cols[0]), float(level[0]))]
    for k in range(1, len(cols)):
        if level[k] > level[k - 1] + 0.5:
            x = float(cols[k]) + half
            if len(corners) >= 3 and x - corners[-1][0] <= lw_c + 1 and level[k] - level[k - 1] <= 1.5:
                corners[-1] = (corners[-1][0], float(level[k]))  # one drop drawn over a few columns
                continue
            corners.append((x, float(level[k - 1])))
            corners.append((x, float(level[k])))
    corners.append((float(cols[-1]), float(level[-1])))
    dip = (bottom - half - level > lw_c) & (top < level - lw_c)
    censor = []
    k = 0
    while k < len(cols):
        if dip[k]:
            j = k
            while j + 1 < len(cols) and dip[j + 1] and cols[j + 1] == cols[j] + 1:
                j += 1
            censor.append(float(np.mean(cols[k:j + 1])))
            k = j + 1
        else:
            k += 1
    return np.array(corners, float), censor, samples


def _long_lines(dark, box):
    """Pixels of dark runs longer than half the box: the frame and grid lines, not a curve."""
    out = np.zeros_like(dark)
    for axis, length in ((1, 0.5 * box.w), (0, 0.5 * box.h)):
        m = dark if axis == 1 else dark.T
        o = out if axis == 1 else out.T
        for i, row in enumerate(m):
            s, e = _runs(row)
            for a, b in zip(s, e):
                if b - a >= length:
                    o[i, a:b] = True
    return out


def _last_group(cols):
    out = [cols[-1]]
    for c in reversed(cols[:-1]):
        if out[-1] - c <= 1:
            out.append(c)
        else:
            break
    return out


def digitize_raster(path, *, x_range=None, y_range=None, arms=None):
    """Read a PNG or JPEG Kaplan–Meier figure (see the module notes).

    Parameters
    ----------
    path : path-like
        The image.
    x_range, y_range : tuple of float
        Values of the first and last ticks of each axis (the axis ends without ticks).
    arms : int, optional
        Number of curves; the strongest colour clusters are taken.

    Returns
    -------
    DigitizedFigure
        Curves and censor marks (no risk table).

    Raises
    ------
    InputError
        Without ``x_range``/``y_range``, or when no axes or curves are found.

    Examples
    --------
    >>> import tempfile, matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> _ = ax.step([0, 4, 8], [1, 0.6, 0.6], where="post", color="tab:red")
    >>> _ = ax.set_xlim(0, 10); _ = ax.set_ylim(0, 1.05)
    >>> fig.savefig(Path(tmp.name) / "km.png", dpi=200)
    >>> res = digitize_raster(Path(tmp.name) / "km.png", x_range=(0, 10), y_range=(0, 1))
    >>> bool(abs(res.curves["survival"].iloc[-1] - 0.6) < 0.005)
    True
    >>> plt.close(fig); tmp.cleanup()
    """
    from PIL import Image

    from survrepro.sources.digitize.api import DigitizedFigure

    if x_range is None or y_range is None:
        missing = " and ".join(f for f, v in (("--x-range", x_range), ("--y-range", y_range)) if v is None)
        raise InputError(f"{path}: tick labels cannot be read from an image without text recognition: give {missing} "
                         "A,B, the values of the first and last ticks.")
    try:
        with Image.open(path) as im:
            img = np.asarray(im.convert("RGB"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable image ({exc}).") from None
    rgb = img.astype(int)
    spread = rgb.max(axis=2) - rgb.min(axis=2)
    dark = (rgb.max(axis=2) <= 110) & (spread <= 40)
    box, lw = find_box(dark)
    notes = ["image traced pixel by pixel: times and survival carry about half a pixel of error",
             "numbers at risk cannot be read from an image: give them with --at-risk"]
    maps = []
    for axis, given in (("x", x_range), ("y", y_range)):
        ticks = _ticks(dark, box, lw, axis)
        if len(ticks) >= 2:
            p0, p1 = (ticks[0], ticks[-1]) if axis == "x" else (ticks[-1], ticks[0])
            how = f"--{axis}-range: the first and last ticks"
        else:
            p0, p1 = (box.x0, box.x1) if axis == "x" else (box.y1, box.y0)
            how = f"--{axis}-range: the ends of the axis"
            notes.append(f"no ticks found on the {axis} axis: --{axis}-range taken as the values at the ends of the axis")
        b = (given[1] - given[0]) / (p1 - p0)
        maps.append(AxisMap(given[0] - b * p0, b, [(p0, given[0]), (p1, given[1])], how))
    xmap, ymap = maps
    H, W = dark.shape
    yy, xx = np.mgrid[0:H, 0:W]
    inside = (xx > box.x0 + lw) & (xx <= box.x1 + 1) & (yy >= box.y0 - 1) & (yy < box.y1 - lw / 2 - 0.5)
    centres = _clusters(img, inside, arms)
    hue = _hue(rgb)
    found = []
    dist_max = 90
    for c in centres:
        mask = inside & (np.abs((hue - c + 180) % 360 - 180) <= 12) & (spread >= 50)
        corners, censor, samples = _trace(mask, box, lw)
        if corners is not None:
            found.append((corners, censor, samples, c))
    if arms is None or len(found) < arms:
        mask = inside & dark & ~_long_lines(dark, box)
        corners, censor, samples = _trace(mask, box, lw)
        if corners is not None and np.ptp(corners[:, 1]) > 0.05 * box.h:
            found.append((corners, censor, samples, (0.0, 0.0, 0.0)))
            notes.append("a black curve was traced from the dark pixels inside the plot box")
    if not found:
        raise InputError(f"{path}: no curves found: no coloured or black step lines inside the plot box.")
    if arms is not None:
        if len(found) < arms:
            raise InputError(f"{path}: --arms {arms} was given but {len(found)} curve(s) were found.")
        found = found[:arms]
    if all(f[2] for f in found):
        found.sort(key=lambda f: min(f[2]))
        notes.append("arms numbered in the order of their legend samples, top to bottom (no legend text read from an image)")
    else:
        notes.append("arms numbered by colour frequency (no legend read from an image)")
    frames, cens = [], []
    span = float(xmap(box.x1) - xmap(box.x0))
    digits = max(0, int(np.ceil(-np.log10(span))) + 4)
    for i, (corners, censor, _, _) in enumerate(found):
        name = str(i + 1)
        t = np.round(xmap(corners[:, 0]), digits) + 0.0
        s = np.clip(np.round(ymap(corners[:, 1]), 4), 0, 1) + 0.0
        t[0] = max(t[0], min(xmap.tick_values)) if abs(t[0] - min(xmap.tick_values)) < 0.01 * span else t[0]
        frames.append(pd.DataFrame({"time": t, "survival": s, "arm": name}))
        cens += [(float(np.round(xmap(x), digits)), name) for x in censor]
    return DigitizedFigure(
        curves=pd.concat(frames, ignore_index=True), at_risk=None, censor=pd.DataFrame(cens, columns=["time", "arm"]),
        notes=notes, kind="png" if str(path).lower().endswith(".png") else "jpeg", source=str(path), xmap=xmap,
        ymap=ymap, box=box, page_size=(float(W), float(H)), arms=[str(i + 1) for i in range(len(found))],
        options_used=True)
