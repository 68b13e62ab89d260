"""Numbers printed in an image, read without a text-recognition engine.

Tick labels and numbers at risk are short strings of digits, ``.``, ``-`` and ``%`` in one
of a few sans-serif fonts: matplotlib's bundled DejaVu Sans, and the Liberation Sans,
Nimbus Sans or DejaVu Sans that R's PNG devices take from the system. The ink of the image
(outside the plot box) is cut into connected pieces; pieces side by side on one line, closer
than half their height, make a word; pieces of a word that overlap left to right (the
circles and bar of ``%``) make one glyph. Each glyph is compared with the characters of each
font rendered at the word's measured height (supersampled, so their edges are grey as the
image's are) by the overlap of the two ink maps (the sum of the smaller ink over the sum of
the larger, at the best of a few one-pixel shifts). A word is read in the font that matches
it best and kept only when every glyph matches well and the whole word is a number; the
rest (axis titles, legend text, arm labels) is left out. Nothing is downloaded and no model
is trained: the templates are drawn from the fonts on the machine.
"""
from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path as FilePath

import numpy as np

from survrepro.sources.digitize.scene import Text, parse_number

CHARS = "0123456789.-%"
# the fonts of the figures of this field, when the machine has them (matplotlib's own first)
FONT_FILES = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NimbusSans-Regular.otf", "Arial.ttf", "arial.ttf")
MATCH = 0.62  # smallest overlap of a glyph with its template for the word to be kept
SUPER = 8  # supersampling of the templates


@lru_cache(maxsize=1)
def font_paths() -> tuple:
    """The font files templates are drawn from: matplotlib's DejaVu Sans, then those in this
    Python environment's ``share/fonts`` (where ``make test`` puts the fonts R's test figures
    are drawn with), then the system's.

    Returns
    -------
    tuple of str
        Paths, without repeats of a file name.

    Examples
    --------
    >>> font_paths()[0].endswith("DejaVuSans.ttf")
    True
    """
    import matplotlib
    from matplotlib import font_manager

    found = {"DejaVuSans.ttf": str(FilePath(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")}
    here = FilePath(sys.prefix) / "share" / "fonts"  # fonts put into this Python environment
    own = font_manager.findSystemFonts(fontpaths=[str(here)]) if here.is_dir() else []
    for f in sorted(own) + sorted(font_manager.findSystemFonts()):
        name = FilePath(f).name
        if name in FONT_FILES and name not in found:
            found[name] = f
    return tuple(found[n] for n in FONT_FILES if n in found)


@lru_cache(maxsize=256)
def templates(font: str, height: int) -> dict:
    """Ink maps of :data:`CHARS` in one font, drawn so that the digits are ``height`` pixels tall.

    Each map spans the rows of the digits (so ``.`` sits at the bottom and ``-`` in the
    middle) and the columns of the character's own ink.

    Parameters
    ----------
    font : str
        Path of a TrueType or OpenType font.
    height : int
        Height of the digits in pixels.

    Returns
    -------
    dict
        Character -> 2-D float array of ink in [0, 1].

    Examples
    --------
    >>> t = templates(font_paths()[0], 14)
    >>> t["0"].shape[0], t["1"].shape[1] < t["0"].shape[1]
    (14, True)
    """
    from PIL import Image, ImageDraw, ImageFont

    probe = ImageFont.truetype(font, 200)
    top, bottom = probe.getbbox("0123456789", anchor="ls")[1::2]
    size = 200 * height * SUPER / (bottom - top)
    f = ImageFont.truetype(font, size)
    top, bottom = f.getbbox("0123456789", anchor="ls")[1::2]
    out = {}
    for ch in CHARS:
        x0, _, x1, _ = f.getbbox(ch, anchor="ls")
        w = int(np.ceil((x1 - x0) / SUPER)) + 1
        im = Image.new("L", (w * SUPER, height * SUPER), 0)
        pad = (w * SUPER - (x1 - x0)) / 2
        ImageDraw.Draw(im).text((pad - x0, -top), ch, fill=255, font=f, anchor="ls")
        small = im.resize((w, height), Image.Resampling.BOX)
        ink = np.asarray(small, float) / 255
        cols = np.flatnonzero(ink.max(axis=0) > 0.05)
        out[ch] = ink[:, cols[0]:cols[-1] + 1] if len(cols) else ink
    return out


def _blur(a):
    """An ink map padded and blurred by a fifteenth of its height, about half a stroke.

    So that a stroke drawn a little bolder or thinner (hinting, another rasterizer) still
    overlaps its template.
    """
    from scipy import ndimage

    sigma = a.shape[0] / 15
    pad = int(np.ceil(2 * sigma)) + 1
    return ndimage.gaussian_filter(np.pad(a, pad), sigma, mode="constant")


@lru_cache(maxsize=256)
def _blurred(font: str, height: int) -> dict:
    return {ch: _blur(t) for ch, t in templates(font, height).items()}


def _overlap(a, b):
    """Best overlap (sum of minima over sum of maxima) of two blurred ink maps of one height,
    ``b`` shifted by a pixel either way or not at all."""
    w = max(a.shape[1], b.shape[1]) + 2
    pa = np.zeros((a.shape[0], w))
    o = (w - a.shape[1]) // 2
    pa[:, o:o + a.shape[1]] = a
    best = 0.0
    for shift in (-1, 0, 1):
        pb = np.zeros_like(pa)
        o = (w - b.shape[1]) // 2 + shift
        pb[:, o:o + b.shape[1]] = b
        best = max(best, float(np.minimum(pa, pb).sum() / max(np.maximum(pa, pb).sum(), 1e-9)))
    return best


def read_word(ink, fonts=None):
    """The characters of one word and how well its worst glyph matched.

    Parameters
    ----------
    ink : numpy.ndarray
        Ink in [0, 1] of the word's rows (the height of its digits) and columns.
    fonts : sequence of str, optional
        Font files; by default :func:`font_paths`.

    Returns
    -------
    tuple
        ``(text, score)``: the string read in the best-matching font and its worst
        glyph's overlap with its template.

    Examples
    --------
    >>> t = templates(font_paths()[0], 20)
    >>> word = np.hstack([t["2"], np.zeros((20, 3)), t["5"]])
    >>> text, score = read_word(word)
    >>> text, score > 0.9
    ('25', True)
    """
    h = ink.shape[0]
    cols = ink.max(axis=0) > 0.3
    d = np.diff(np.concatenate([[0], cols.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    if not len(starts):
        return "", 0.0
    best = ("", 0.0, -1.0)
    for font in fonts or font_paths():
        text, scores = "", []
        for a, b in zip(starts, ends):
            glyph = ink[:, max(a - 1, 0):b + 1]
            glyph = glyph[:, glyph.max(axis=0) > 0.05]
            top = (0.0, "")
            for hh in (h - 1, h, h + 1):
                if hh < 4:
                    continue
                tpl = _blurred(font, hh)
                g = _blur(glyph if hh == h else _resample(glyph, hh))
                for ch, t in tpl.items():
                    s = _overlap(g, t)
                    if s > top[0]:
                        top = (s, ch)
            text += top[1]
            scores.append(top[0])
        mean = float(np.mean(scores))
        if mean > best[2]:
            best = (text, float(min(scores)), mean)
    return best[0], best[1]


def _resample(a, height):
    """An ink map scaled to another height (linear interpolation, width in proportion)."""
    from scipy import ndimage

    z = height / a.shape[0]
    return np.clip(ndimage.zoom(a, z, order=1), 0, 1)


def read_numbers(img, exclude, *, fonts=None):
    """The numbers printed in an image, as :class:`~survrepro.sources.digitize.scene.Text`.

    Parameters
    ----------
    img : numpy.ndarray
        RGB image, ``H x W x 3`` of 0..255.
    exclude : numpy.ndarray
        Boolean ``H x W`` mask of pixels to leave out (the inside of the plot box).
    fonts : sequence of str, optional
        Font files; by default :func:`font_paths`.

    Returns
    -------
    tuple
        ``(numbers, others)``: the words read as numbers and the other words (labels,
        titles), whose text is left empty; both as ``Text`` in pixel coordinates with the
        colour of their ink.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure(figsize=(2, 1), dpi=150)
    >>> _ = fig.text(0.2, 0.4, "0.25", fontsize=10); _ = fig.text(0.6, 0.4, "Days", fontsize=10)
    >>> fig.canvas.draw()
    >>> img = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    >>> nums, others = read_numbers(img, np.zeros(img.shape[:2], bool))
    >>> [t.text for t in nums], len(others)
    (['0.25'], 1)
    >>> plt.close(fig)
    """
    from scipy import ndimage

    rgb = img.astype(float)
    ink = 1.0 - rgb.min(axis=2) / 255.0
    lab, n = ndimage.label(ink >= 0.3, structure=np.ones((3, 3)))
    touching = np.zeros(n + 1, bool)
    touching[np.unique(lab[exclude])] = True  # the axis lines with their ticks, the curves
    ink[exclude] = 0.0
    H, W = ink.shape
    boxes = []
    for i, sl in enumerate(ndimage.find_objects(lab), start=1):
        h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        if not touching[i] and h <= 0.2 * H and w <= 0.3 * W:
            boxes.append((sl[1].start, sl[1].stop, sl[0].start, sl[0].stop))
    words = _words(boxes)
    nums, others = [], []
    for x0, x1, top, bottom in words:
        if bottom - top < 5:
            continue
        wink = ink[top:bottom, x0:x1]
        scale = np.percentile(wink[wink > 0.3], 90) if (wink > 0.3).any() else 1.0
        text, score = read_word(np.clip(wink / scale, 0, 1), fonts)
        core = rgb[top:bottom, x0:x1][wink >= 0.8 * scale]
        color = tuple(float(c) / 255 for c in np.median(core, axis=0)) if len(core) else None
        if score < MATCH or parse_number(text) is None or text.count(".") > 1 or "-" in text[1:] or "%" in text[:-1]:
            others.append(Text("", float(x0), float(x1), float(top), float(bottom), color))
            continue
        nums.append(Text(text, float(x0), float(x1), float(top), float(bottom), color))
    return nums, others


def _words(boxes):
    """Pieces grouped into words: on one line and closer than half their height, left to right."""
    boxes = sorted(boxes)
    parent = list(range(len(boxes)))
    tallest = max((b[3] - b[2] for b in boxes), default=0)

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (ax0, ax1, at, ab) in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            bx0, bx1, bt, bb = boxes[j]
            h = max(ab - at, bb - bt)
            if bx0 - ax1 > 0.5 * h:
                if bx0 - ax1 > 0.5 * tallest:
                    break
                continue
            if min(ab, bb) - max(at, bt) >= 0.5 * min(ab - at, bb - bt):
                parent[find(j)] = find(i)
    groups = {}
    for i, b in enumerate(boxes):
        groups.setdefault(find(i), []).append(b)
    return sorted((min(b[0] for b in g), max(b[1] for b in g), min(b[2] for b in g), max(b[3] for b in g))
                  for g in groups.values())
