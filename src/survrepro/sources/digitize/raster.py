"""Raster fallback: curves traced in a PNG or JPEG image, pixel column by pixel column.

The plot box is found from the longest dark horizontal and vertical runs (the axis lines or
the box; small gaps closed when they are too broken, light grey lines when there are no dark
ones); ticks are the short runs just outside them. The numbers printed outside the
box are recognized from their digits (:mod:`~survrepro.sources.digitize.glyphs`) and read
as tick labels and as the numbers-at-risk table by the rules of the vector figures: a
least-squares line through tick position and label value, which must pass through at least
three labels, each within 0.5% of the axis range (otherwise the axis cannot be read and
``x_range``/``y_range``, the values of the first and last ticks, are needed; given, they
override the labels). Curve pixels are clustered by colour (the hue of strongly coloured
pixels, which blending with white keeps; light shading such as a confidence band is too
pale to count; black curves form one more cluster). In each cluster, small connected
pieces (legend samples, dashes of median lines, legend text) are left out, a stretch where
another curve is drawn over this one follows the pixels of that curve, and the step curve
is traced left to right: a horizontal part is a run as thin as the line, a drop is a thick
run that starts at the current level, a censor mark is a thick run that also reaches above
it. Of one colour, the small pieces left out may be the dashes of a second, dashed curve
(:func:`_dashes`): they are traced as one when they lie at several levels across the plot.
Arms are numbered in the order of their legend samples; risk-table rows are matched to them
by colour (of their numbers, or of their label when the numbers are grey), then by order.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from survrepro.errors import InputError
from survrepro.sources.digitize.axes import AxisMap, Box
from survrepro.sources.digitize.scene import is_grey


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


def find_box(dark, gap: int = 0) -> tuple:
    """The plot box of an image from its dark pixels, with the axis line thickness.

    Parameters
    ----------
    dark : numpy.ndarray
        Boolean mask of dark grey pixels.
    gap : int
        Gaps of up to this many pixels along a line are closed (JPEG noise, a curve drawn
        over the axis line break it).

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
    from scipy import ndimage

    closed = [dark | ndimage.binary_closing(dark, np.ones(shape, bool)) if gap else dark
              for shape in ((1, gap + 1), (gap + 1, 1))]
    hl, hs = _longest_runs(closed[0], 1)
    vl, vs = _longest_runs(closed[1], 0)
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
    """Hue centres of the curves: peaks of the hue histogram of strongly coloured pixels.

    Peaks are taken strongest first while they hold at least 8% of the first one's pixels
    (at most ``arms`` of them when the number of curves is given, at most 8)."""
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
        if len(centres) >= (arms or 8):
            break
    return [c for c, _ in centres]


def _fill_hidden(m, under):
    """A curve's mask with the columns where another curve is drawn over it filled in.

    Where a curve has no pixel of its own between two columns where it has, and another
    curve's pixels are there between the two levels, it lies under that curve: those
    pixels are taken as its own, so a hidden stretch follows the curve covering it instead
    of staying level and dropping at its end.
    """
    own = m.any(axis=0)
    cols = np.flatnonzero(own)
    rows = np.arange(m.shape[0])[:, None]
    out = m.copy()
    starts, ends = _runs(~own[cols[0]:cols[-1] + 1])
    for a, b in zip(starts + cols[0], ends + cols[0]):
        top = int(np.flatnonzero(m[:, a - 1]).min())
        bottom = int(np.flatnonzero(m[:, b]).max())
        out[:, a:b] = under[:, a:b] & (rows >= top) & (rows <= bottom)
    return out


def _bar(mask, lw):
    """Thickest run of a horizontal bar of the curve's line: its own width (its flat parts are
    most of its vertical runs) plus 2; thick curves at a high resolution are several axis widths."""
    runs = np.concatenate([np.subtract(*_runs(col)[::-1]) for col in mask.T[mask.any(axis=0)]] or [[lw]])
    return max(2 * lw, int(np.median(runs))) + 2


def _small(sl, box, bar):
    """Whether a piece is too small to be (part of) a solid curve: a legend sample, a dash, a letter."""
    h = sl[0].stop - sl[0].start
    w = sl[1].stop - sl[1].start
    return (w < 0.05 * box.w and h < 0.05 * box.h) or (h <= bar and w < 0.12 * box.w)


def _dashes(mask, box, lw):
    """The dashes of a dashed curve among the small pieces of one colour, or ``None``.

    Words of letters (several pieces side by side, as
    :func:`~survrepro.sources.digitize.glyphs.read_numbers` groups them) mark the legend,
    and the pieces beside them, to the left as far as a legend line reaches (six letter
    heights), are left out;
    the rest make a dashed curve when their horizontal dashes lie at four levels or more and
    span at least 30% of the plot width (a median line is one level). Returns the mask of
    the dashes and the rows of the dashes in the legend (its sample: bars shorter than the
    solid line's sample).
    """
    from scipy import ndimage

    from survrepro.sources.digitize.glyphs import _words

    bar = _bar(mask, lw)
    lab, n = ndimage.label(mask, structure=np.ones((3, 3)))
    small = [(i, sl) for i, sl in enumerate(ndimage.find_objects(lab), start=1) if _small(sl, box, bar)]
    letters = [(sl[1].start, sl[1].stop, sl[0].start, sl[0].stop) for _, sl in small
               if sl[1].stop - sl[1].start <= 2 * (sl[0].stop - sl[0].start)]  # not a flat dash
    words = [w for w in _words(letters) if sum(1 for b in letters if w[0] <= b[0] and b[1] <= w[1]
                                              and w[2] <= b[2] and b[3] <= w[3]) >= 3]
    legend, pieces = [], []
    for i, sl in small:
        y, x0, x1 = 0.5 * (sl[0].start + sl[0].stop), sl[1].start, sl[1].stop
        beside = [w for w in words if w[2] - bar <= y <= w[3] + bar and w[0] - 6 * (w[3] - w[2]) <= x1 and x0 <= w[1]]
        if beside:
            if sl[0].stop - sl[0].start <= bar and x1 <= beside[0][0]:
                legend.append((sl[0].start, x1 - x0))
            continue
        pieces.append((i, sl))
    flat = sorted(sl[0].start for _, sl in pieces if sl[1].stop - sl[1].start >= 2 * (sl[0].stop - sl[0].start))
    levels = sum(1 for a, b in zip(flat, flat[1:]) if b - a > bar) + (1 if flat else 0)
    cover = np.zeros(mask.shape[1], bool)
    for _, sl in pieces:
        cover[sl[1]] = True
    if levels < 4 or cover.sum() < 0.3 * box.w:
        return None, []
    keep = np.zeros(n + 1, bool)
    keep[[i for i, _ in pieces]] = True
    # the dashed sample is in pieces shorter than the solid line's sample beside it
    longest = max((w for _, w in legend), default=0)
    return keep[lab], [y for y, w in legend if w < 0.8 * longest]


def _trace(mask, box, lw, under=None, whole=False):
    """Corners (page x, page y) and censor columns of one curve's pixel mask.

    ``under`` is the mask of the other curves, which may be drawn over this one; with
    ``whole`` every piece of the mask is the curve's (its dashes), none is left out as small.
    """
    from scipy import ndimage

    lab, n = ndimage.label(mask, structure=np.ones((3, 3)))
    if n == 0:
        return None, [], []
    objs = ndimage.find_objects(lab)
    keep = np.zeros(n + 1, bool)
    samples = []
    bar = _bar(mask, lw)
    for i, sl in enumerate(objs, start=1):
        if _small(sl, box, bar) and not whole:
            if sl[0].stop - sl[0].start <= bar and sl[1].stop - sl[1].start >= 3 * lw:
                samples.append((sl[0].start, sl[1].stop - sl[1].start))
            continue
        keep[i] = True
    # a legend sample is as long as the longest short bar (dashes and a dashed curve's sample are shorter)
    samples = [y for y, w in samples if w >= 0.8 * max(w for _, w in samples)]
    m = keep[lab]
    cols = np.flatnonzero(m.any(axis=0))
    if len(cols) < 0.05 * box.w:
        return None, [], samples
    if under is not None:
        m = _fill_hidden(m, under)
        cols = np.flatnonzero(m.any(axis=0))
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


def _grey_mask(rgb, spread, dark, inside, box):
    """Pixels of a mid-grey curve inside the plot box and its grey level, or ``(None, None)``.

    Neutral grey pixels (channels within 6 of each other, as a grey line blended with white
    keeps them; overlapping colour bands are not so even), between the black of ``dark``
    and 200, not within two pixels of a black one (the blended edge of a black line is grey
    too) and not on a long grid or frame line; the curve's tone is the commonest grey level
    among them. It
    needs as many pixels as a line across a tenth of the plot, drawn 2 pixels thick or more
    (the edges of overlapping confidence bands are one pixel) and at most 2% of the plot's
    height (not an area).
    """
    from scipy import ndimage

    level = rgb.max(axis=2)
    grey = inside & (spread <= 6) & ~dark & (level <= 200)
    grey &= ~ndimage.binary_dilation(dark, iterations=2) & ~_long_lines(grey, box)
    if grey.sum() < 0.1 * box.w * 3:
        return None, None
    counts, edges = np.histogram(level[grey], bins=9, range=(110, 200))
    k = int(np.argmax(counts))
    tone = float(np.median(level[grey & (level >= edges[k]) & (level < edges[k + 1])]))
    mask = grey & (np.abs(level - tone) <= 30)
    width = np.median(_thickness(mask)[mask]) if mask.any() else 0
    if mask.sum() < 0.1 * box.w * 3 or not 2 <= width <= 0.02 * box.h:
        return None, None  # too few pixels, an area, or the one-pixel edges of overlapping bands
    return mask, tone


def _thickness(mask):
    """Per pixel, the shorter of the horizontal and vertical runs through it: a line's width."""
    out = []
    for m in (mask, mask.T):
        length = np.zeros(m.shape, int)
        for i, row in enumerate(m):
            for a, b in zip(*_runs(row)):
                length[i, a:b] = b - a
        out.append(length)
    return np.minimum(out[0], out[1].T)


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


def load_image(path):
    """An image as an ``H x W x 3`` array of 0..255, transparent parts laid over white.

    Parameters
    ----------
    path : path-like
        A PNG or JPEG file.

    Returns
    -------
    numpy.ndarray
        The RGB pixels.

    Raises
    ------
    InputError
        When the file is not a readable image.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> tmp = tempfile.TemporaryDirectory()
    >>> Image.new("RGBA", (2, 1), (0, 0, 0, 0)).save(Path(tmp.name) / "t.png")
    >>> load_image(Path(tmp.name) / "t.png").tolist()
    [[[255, 255, 255], [255, 255, 255]]]
    >>> tmp.cleanup()
    """
    from PIL import Image

    try:
        with Image.open(path) as im:
            im = im.convert("RGBA")
            white = Image.new("RGBA", im.size, (255, 255, 255, 255))
            return np.asarray(Image.alpha_composite(white, im).convert("RGB"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable image ({exc}).") from None


def _tick_scene(box, lw, dark, texts, size):
    """The ticks found in the image as short grey paths, with the numbers read, as a scene.

    So the tick labels and the risk table are read by the rules of the vector figures
    (:func:`~survrepro.sources.digitize.axes.axis_map`,
    :func:`~survrepro.sources.digitize.table.read_table`).
    """
    from survrepro.sources.digitize.scene import Path, Scene

    paths = [Path(np.array([[x, box.y1], [x, box.y1 + 1.0]]), (0.0, 0.0, 0.0)) for x in _ticks(dark, box, lw, "x")]
    paths += [Path(np.array([[box.x0 - 1.0, y], [box.x0, y]]), (0.0, 0.0, 0.0)) for y in _ticks(dark, box, lw, "y")]
    return Scene(paths=paths, texts=texts, width=float(size[1]), height=float(size[0]))


def _colour_mask(match, spread, low):
    """Pixels of one hue drawn at least half as strongly as the curve's own colour.

    A pixel mixed with white keeps its hue and has its spread between channels scaled by
    the share of the colour in it, so a confidence band (a fill of a quarter or so of the
    colour) or the pale edge of a line drops out while the line itself stays.
    """
    strong = match & (spread >= 80) & (low <= 170)
    full = float(np.percentile(spread[strong], 90)) if strong.any() else 100.0
    return match & (spread >= max(50.0, 0.5 * full))


def _row_colour(row, numbers, words):
    """The colour of a risk-table row: of its numbers, or when they are grey, of the label
    left of them (``ggsurvplot`` colours the names of its strata, not their counts)."""
    if row.color is not None and not is_grey(row.color, tol=0.1):
        return row.color
    first = min((t.x0 for t in numbers if abs(t.yc - row.y) <= 0.5 * t.size), default=np.inf)
    left = [t for t in words if abs(t.yc - row.y) <= 0.5 * t.size and t.x1 <= first and t.color is not None]
    return max(left, key=lambda t: t.x1).color if left else row.color


def _curve_color(img, mask):
    """Colour (r, g, b in [0, 1]) of the most saturated pixels of a curve: its ink, not its blended edges."""
    rgb = img[mask].astype(float)
    spread = rgb.max(axis=1) - rgb.min(axis=1)
    core = rgb[spread >= 0.8 * spread.max()] if len(rgb) else rgb
    return tuple(float(c) / 255 for c in np.median(core, axis=0)) if len(core) else None


def digitize_raster(path, *, x_range=None, y_range=None, arms=None):
    """Read a PNG or JPEG Kaplan–Meier figure (see the module notes).

    Parameters
    ----------
    path : path-like
        The image.
    x_range, y_range : tuple of float, optional
        Values of the first and last ticks of each axis (the axis ends without ticks),
        instead of the tick labels recognized in the image.
    arms : int, optional
        Number of curves; the strongest colour clusters are taken.

    Returns
    -------
    DigitizedFigure
        Curves, censor marks and the numbers at risk when they were legible.

    Raises
    ------
    InputError
        When no axes or curves are found, or the tick labels of an axis without a
        range given cannot be read.

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
    >>> res = digitize_raster(Path(tmp.name) / "km.png")
    >>> res.xmap.tick_values, bool(abs(res.curves["survival"].iloc[-1] - 0.6) < 0.005)
    ([0.0, 2.0, 4.0, 6.0, 8.0, 10.0], True)
    >>> plt.close(fig); tmp.cleanup()
    """
    from survrepro.sources.digitize.api import DigitizedFigure, _match_rows, risk_frame
    from survrepro.sources.digitize.axes import axis_map
    from survrepro.sources.digitize.glyphs import read_numbers
    from survrepro.sources.digitize.table import read_table

    img = load_image(path)
    rgb = img.astype(int)
    spread = rgb.max(axis=2) - rgb.min(axis=2)
    dark = (rgb.max(axis=2) <= 110) & (spread <= 40)
    notes = ["image traced pixel by pixel: times and survival carry about half a pixel of error"]
    gap = max(3, min(dark.shape) // 200)
    grey = (rgb.max(axis=2) <= 215) & (spread <= 30)
    tries = [(dark, 0, None),
             (dark, gap, f"the axis lines are broken (compression noise, curves drawn over them): gaps of up to {gap} pixels closed"),
             (grey, 0, "no dark axis lines: the light grey ones were taken as the axes")]
    for k, (lines, g, note) in enumerate(tries):
        try:
            box, lw = find_box(lines, g)
            break
        except InputError as exc:
            if k == len(tries) - 1:
                raise InputError(f"{path}: {exc}") from None
    if note:
        notes.append(note)
    H, W = dark.shape
    yy, xx = np.mgrid[0:H, 0:W]
    plot = (xx >= int(box.x0) - lw) & (xx <= int(box.x1) + lw) & (yy >= int(box.y0) - lw) & (yy <= int(box.y1) + lw)
    texts, words = [], []
    if x_range is None or y_range is None:
        texts, words = read_numbers(img, plot)
    scene = _tick_scene(box, lw, lines, texts, dark.shape)
    maps = []
    for axis, given in (("x", x_range), ("y", y_range)):
        try:
            m = axis_map(scene, box, axis, given, min_labels=3)
        except InputError as exc:
            raise InputError(f"{path}: {exc}") from None
        if given is None:
            m.how = "tick labels read from the image"
        elif m.how.endswith("ends of the axis"):
            notes.append(f"no ticks found on the {axis} axis: --{axis}-range taken as the values at the ends of the axis")
        maps.append(m)
    xmap, ymap = maps
    if ymap.scale != 1.0:
        notes.append("the y axis is in percent: survival converted to fractions")
    inside = (xx > box.x0 + lw) & (xx <= box.x1 + 1) & (yy >= box.y0 - 1) & (yy < box.y1 - lw / 2 - 0.5)
    centres = _clusters(img, inside, arms)
    hue = _hue(rgb)
    found, traced = [], []  # the curves and the mask each was traced from
    masks = [_colour_mask(inside & (np.abs((hue - c + 180) % 360 - 180) <= 12), spread, rgb.min(axis=2))
             for c in centres]
    for i, mask in enumerate(masks):
        under = np.logical_or.reduce([m for j, m in enumerate(masks) if j != i]) if len(masks) > 1 else None
        corners, censor, samples = _trace(mask, box, lw, under)
        if corners is not None:
            found.append((corners, censor, samples, _curve_color(img, mask)))
            traced.append(mask)
    if arms is None or len(found) < arms:
        mask = inside & dark & ~_long_lines(dark, box)
        corners, censor, samples = _trace(mask, box, lw)
        if corners is not None and np.ptp(corners[:, 1]) > 0.05 * box.h:
            found.append((corners, censor, samples, (0.0, 0.0, 0.0)))
            traced.append(mask)
            notes.append("a black curve was traced from the dark pixels inside the plot box")
    for mask, colour in [(m, f[3]) for m, f in zip(traced, list(found))]:
        dashes, legend = _dashes(mask, box, lw)
        if dashes is None:
            continue
        corners, censor, _ = _trace(dashes, box, lw, mask & ~dashes, whole=True)
        if corners is not None:
            found.append((corners, censor, legend, colour))
            notes.append("a dashed curve of the colour of another was traced from its dashes: "
                         "its drops are placed within a dash's length")
    if arms is None or len(found) < arms:
        mask, tone = _grey_mask(rgb, spread, dark, inside, box)
        if mask is not None:
            corners, censor, samples = _trace(mask, box, lw, inside & dark)
            if corners is not None and np.ptp(corners[:, 1]) > 0.05 * box.h:
                found.append((corners, censor, samples, (tone / 255,) * 3))
                traced.append(mask)
                notes.append(f"a grey curve (level {tone:.0f} of 255) was traced from the grey pixels inside the plot box")
    if not found:
        raise InputError(f"{path}: no curves found: no coloured or black step lines inside the plot box.")
    if arms is not None:
        if len(found) < arms:
            raise InputError(f"{path}: --arms {arms} was given but {len(found)} curve(s) were found.")
        found = found[:arms]
    legend = all(f[2] for f in found)
    if legend:
        found.sort(key=lambda f: min(f[2]))
        notes.append("arms numbered in the order of their legend samples, top to bottom (no legend text read from an image)")
    else:
        notes.append("arms numbered by colour frequency (no legend read from an image)")
    names = [str(i + 1) for i in range(len(found))]
    frames, cens = [], []
    span = float(xmap(box.x1) - xmap(box.x0))
    digits = max(0, int(np.ceil(-np.log10(span))) + 4)
    for name, (corners, censor, _, _) in zip(names, found):
        t = np.round(xmap(corners[:, 0]), digits) + 0.0
        s = np.clip(np.round(ymap(corners[:, 1]), 4), 0, 1) + 0.0
        t[0] = max(t[0], min(xmap.tick_values)) if abs(t[0] - min(xmap.tick_values)) < 0.01 * span else t[0]
        if t[0] - min(xmap.tick_values) > 0.02 * span:
            notes.append(f"arm {name}: the curve is first seen at time {t[0]:g} (survival {s[0]:g}); before it "
                         "it lies under another curve or a band in a colour not its own, and is not read: check "
                         "the overlay, or read the figure from a PDF")
        frames.append(pd.DataFrame({"time": t, "survival": s, "arm": name}))
        cens += [(float(np.round(xmap(x), digits)), name) for x in censor]
    table = None
    if x_range is None:
        from types import SimpleNamespace

        from survrepro.sources.digitize.axes import _labels

        rows = read_table(scene, box, xmap, [t for t, _, _ in _labels(scene, box, "x")])
        for r in rows:
            r.color = _row_colour(r, texts, words)
        curves = [SimpleNamespace(label=None, color=f[3]) for f in found]
        table = risk_frame(rows, _match_rows(curves, rows, notes) if rows else {}, names, notes)
        if table is not None and not legend and any("legend order" in n for n in notes):
            notes.append("arms and risk-table rows were paired in order with no legend samples to tell: check them")
    if table is None:
        notes.append("no numbers-at-risk table read from the image" + (
            " (risk tables are read only with the x tick labels read from the image)" if x_range is not None else
            " (no rows of legible whole numbers under the x ticks)") + ": give it with --at-risk")
    else:
        notes.append("numbers at risk recognized from the image's digits: check them against the figure")
    return DigitizedFigure(
        curves=pd.concat(frames, ignore_index=True), at_risk=table, censor=pd.DataFrame(cens, columns=["time", "arm"]),
        notes=notes, kind="png" if str(path).lower().endswith(".png") else "jpeg", source=str(path), xmap=xmap,
        ymap=ymap, box=box, page_size=(float(W), float(H)), arms=names,
        options_used=x_range is not None or y_range is not None or arms is not None)
