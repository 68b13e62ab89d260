"""Vector readers: a PDF page (pdfplumber) or an SVG drawing (xml.etree) as a :class:`Scene`.

PDF paths come from pdfminer's drawing operators (``m l c h re``) with their stroke colour,
dash and width; text from its characters, joined into words. SVG paths are read from the
``path``, ``line``, ``polyline``, ``polygon``, ``rect`` and ``use`` elements with every
``transform`` applied (``matrix``, ``translate``, ``scale``, ``rotate``) and the ``d``
commands M/L/H/V/C/S/Q/T/A/Z (curves keep their end points only); text from ``text``
elements, or from the comment matplotlib writes before each text it draws as glyph
outlines. An SVG whose text is outlines only (R's cairo ``svg()``) has no readable
labels: the scene says so, and the axis ranges must be given.
"""
from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np

from survrepro.errors import InputError
from survrepro.sources.digitize.scene import Path, Scene, Text


# --------------------------------------------------------------------------- PDF
def _pdf_color(c):
    """pdfminer colour (gray, rgb or cmyk, or a pattern name) as ``(r, g, b)``."""
    if c is None:
        return None
    if isinstance(c, (int, float)):
        c = (c,)
    try:
        c = tuple(float(v) for v in c)
    except (TypeError, ValueError):
        return None
    if len(c) == 1:
        return (c[0],) * 3
    if len(c) == 3:
        return c
    if len(c) == 4:
        k = c[3]
        return tuple((1 - v) * (1 - k) for v in c[:3])
    return None


def read_pdf(path, page: int = 1) -> Scene:
    """Read one page of a PDF into a :class:`Scene`.

    Parameters
    ----------
    path : path-like
        The PDF file.
    page : int
        Page number, from 1.

    Returns
    -------
    Scene
        Paths and words of the page, y downwards from the top of the page.

    Raises
    ------
    InputError
        When the file is not a readable PDF or has no such page.

    Examples
    --------
    >>> import tempfile, matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from pathlib import Path as P
    >>> tmp = tempfile.TemporaryDirectory()
    >>> fig, ax = plt.subplots(figsize=(3, 2))
    >>> _ = ax.step([0, 1, 2], [1, 0.5, 0.2], where="post", color="tab:blue")
    >>> fig.savefig(P(tmp.name) / "f.pdf")
    >>> scene = read_pdf(P(tmp.name) / "f.pdf")
    >>> any(len(p.pts) >= 5 for p in scene.paths), any(t.text == "0.5" for t in scene.texts)
    (True, True)
    >>> plt.close(fig); tmp.cleanup()
    """
    import pdfplumber  # a runtime dependency, imported only when a PDF is read

    try:
        pdf = pdfplumber.open(str(path))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except Exception as exc:  # pdfminer raises many kinds of errors on a broken file
        raise InputError(f"{path}: not a readable PDF ({type(exc).__name__}).") from None
    with pdf:
        if not 1 <= page <= len(pdf.pages):
            raise InputError(f"{path}: --page {page} does not exist; the PDF has {len(pdf.pages)} page(s).")
        p = pdf.pages[page - 1]
        scene = Scene(width=float(p.width), height=float(p.height))
        for obj in list(p.lines) + list(p.curves) + list(p.rects):
            pts = obj.get("pts")
            if obj["object_type"] == "rect":
                x0, x1, t, b = obj["x0"], obj["x1"], obj["top"], obj["bottom"]
                pts = [(x0, t), (x1, t), (x1, b), (x0, b), (x0, t)]
            if not pts or len(pts) < 2:
                continue
            stroke = bool(obj.get("stroke", True))
            dash = obj.get("dash")
            dash = tuple(float(v) for v in dash[0]) if dash and dash[0] else ()
            scene.paths.append(Path(
                pts=np.asarray(pts, dtype=float),
                color=_pdf_color(obj.get("stroking_color")) if stroke else None,
                dash=dash,
                width=float(obj.get("linewidth") or 0.0),
                filled=bool(obj.get("fill", False)),
            ))
        words = p.extract_words(extra_attrs=["upright", "non_stroking_color", "size"], return_chars=True)
        for w in words:
            if not w.get("upright", True):
                continue
            # censor marks drawn as "+" characters (survminer) that touch are one word: one text each
            parts = w["chars"] if len(w["text"]) > 1 and set(w["text"]) == {"+"} else [w]
            for c in parts:
                scene.texts.append(Text(c["text"], float(c["x0"]), float(c["x1"]), float(c["top"]),
                                        float(c["bottom"]), _pdf_color(c.get("non_stroking_color"))))
    return scene


def render_pdf_page(path, page: int = 1, scale: float = 2.0):
    """Render a PDF page to an RGB image (pypdfium2), for the overlay figure.

    Parameters
    ----------
    path : path-like
        The PDF file.
    page : int
        Page number, from 1.
    scale : float
        Pixels per point.

    Returns
    -------
    numpy.ndarray
        Height x width x 3 array of uint8.

    Examples
    --------
    >>> import tempfile, matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from pathlib import Path as P
    >>> tmp = tempfile.TemporaryDirectory()
    >>> fig = plt.figure(figsize=(2, 1)); fig.savefig(P(tmp.name) / "f.pdf")
    >>> render_pdf_page(P(tmp.name) / "f.pdf", scale=1.0).shape
    (72, 144, 3)
    >>> plt.close(fig); tmp.cleanup()
    """
    import pypdfium2 as pdfium  # a runtime dependency, imported only to draw an overlay

    doc = pdfium.PdfDocument(str(path))
    try:
        bitmap = doc[page - 1].render(scale=scale)
        img = np.asarray(bitmap.to_pil().convert("RGB"))
    finally:
        doc.close()
    return img


# --------------------------------------------------------------------------- SVG
_NUM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_CMD = re.compile(r"[MmLlHhVvCcSsQqTtAaZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_NAMED = {"black": (0, 0, 0), "white": (1, 1, 1), "red": (1, 0, 0), "blue": (0, 0, 1), "green": (0, 0.5, 0),
          "gray": (0.5, 0.5, 0.5), "grey": (0.5, 0.5, 0.5), "orange": (1, 0.647, 0), "purple": (0.5, 0, 0.5)}
_NS = re.compile(r"^\{[^}]*\}")


def _svg_color(value):
    """An SVG paint value as ``(r, g, b)``, or ``None`` for ``none``/unknown."""
    if value is None:
        return None
    v = value.strip().lower()
    if not v or v == "none" or v.startswith("url("):
        return None
    if v.startswith("#"):
        h = v[1:]
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        try:
            return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))
        except ValueError:
            return None
    if v.startswith("rgb"):
        parts = re.findall(r"[-+]?[\d.]+%?", v)
        out = []
        for p in parts[:3]:
            out.append(float(p[:-1]) / 100 if p.endswith("%") else float(p) / 255)
        return tuple(out) if len(out) == 3 else None
    return tuple(float(c) for c in _NAMED[v]) if v in _NAMED else None


def _transform(text):
    """An SVG ``transform`` attribute as a 3 x 3 matrix."""
    m = np.eye(3)
    if not text:
        return m
    for name, args in re.findall(r"(\w+)\s*\(([^)]*)\)", text):
        a = [float(x) for x in _NUM.findall(args)]
        t = np.eye(3)
        if name == "matrix" and len(a) == 6:
            t[:2, :] = [[a[0], a[2], a[4]], [a[1], a[3], a[5]]]
        elif name == "translate":
            t[0, 2], t[1, 2] = a[0], (a[1] if len(a) > 1 else 0.0)
        elif name == "scale":
            t[0, 0], t[1, 1] = a[0], (a[1] if len(a) > 1 else a[0])
        elif name == "rotate":
            r = math.radians(a[0])
            rot = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
            if len(a) == 3:
                c1, c2 = np.eye(3), np.eye(3)
                c1[:2, 2], c2[:2, 2] = (a[1], a[2]), (-a[1], -a[2])
                rot = c1 @ rot @ c2
            t = rot
        elif name in ("skewX", "skewY"):
            k = math.tan(math.radians(a[0]))
            t[0 if name == "skewX" else 1, 1 if name == "skewX" else 0] = k
        m = m @ t
    return m


def _css_by_tag(root):
    """Declarations of the SVG's ``<style>`` sheets by element name (``.svglite line {...}``: ``line``)."""
    out = {}
    for el in root.iter():
        if isinstance(el.tag, str) and _NS.sub("", el.tag) == "style":
            for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", el.text or ""):
                decls = dict((k.strip(), v.strip()) for k, v in (d.split(":", 1) for d in body.split(";") if ":" in d))
                for sel in selectors.split(","):
                    if sel.split():
                        out.setdefault(sel.split()[-1], {}).update(decls)
    return out


def _length(text, whole):
    """A width or height attribute in user units; a percentage is of ``whole``."""
    num = _NUM.findall(text or "0")
    value = float(num[0]) if num else 0.0
    return value / 100 * whole if (text or "").strip().endswith("%") else value


def _style(el, inherited, sheet=None):
    """The presentation properties of an element: the style sheet's rules for its name, its
    attributes and ``style``, over the parent's."""
    out = dict(inherited)
    if sheet and isinstance(el.tag, str):
        out.update(sheet.get(_NS.sub("", el.tag), {}))
    for key in ("stroke", "fill", "stroke-width", "stroke-dasharray", "font-size", "text-anchor", "opacity",
                "stroke-opacity", "fill-opacity"):
        if el.get(key) is not None:
            out[key] = el.get(key)
    for item in (el.get("style") or "").split(";"):
        if ":" in item:
            k, v = item.split(":", 1)
            out[k.strip()] = v.strip()
    return out


def parse_path_d(d: str):
    """The subpaths of an SVG path ``d`` attribute as lists of points (curves by their end points).

    Parameters
    ----------
    d : str
        Path data.

    Returns
    -------
    list of list of tuple
        One list of ``(x, y)`` points per subpath; a closed subpath repeats its first point.

    Examples
    --------
    >>> parse_path_d("M 0 0 L 10 0 V 5 h -2 Z")
    [[(0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (8.0, 5.0), (0.0, 0.0)]]
    """
    tokens = _CMD.findall(d or "")
    subpaths, cur = [], []
    x = y = 0.0
    start = (0.0, 0.0)
    cmd = None
    i = 0
    nargs = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "T": 2, "A": 7, "Z": 0}
    while i < len(tokens):
        tok = tokens[i]
        if tok.isalpha():
            cmd = tok
            i += 1
            if cmd in "Zz":
                if cur:
                    cur.append(start)
                    subpaths.append(cur)
                    cur = []
                x, y = start
                continue
        if cmd is None:
            raise ValueError("path data must start with a command")
        n = nargs[cmd.upper()]
        a = [float(t) for t in tokens[i:i + n]]
        if len(a) < n:
            break
        i += n
        rel = cmd.islower()
        C = cmd.upper()
        if C == "M":
            if cur:
                subpaths.append(cur)
            x, y = (x + a[0], y + a[1]) if rel else (a[0], a[1])
            start = (x, y)
            cur = [(x, y)]
            cmd = "l" if rel else "L"  # further pairs are line-tos
            continue
        if C == "H":
            x = x + a[0] if rel else a[0]
        elif C == "V":
            y = y + a[0] if rel else a[0]
        else:  # L C S Q T A: the end point is the last pair
            ex, ey = a[-2], a[-1]
            x, y = (x + ex, y + ey) if rel else (ex, ey)
        if not cur:
            cur = [start]
        cur.append((x, y))
    if cur:
        subpaths.append(cur)
    return subpaths


def _apply(m, pts):
    p = np.asarray(pts, dtype=float)
    return p @ m[:2, :2].T + m[:2, 2]


def read_svg(path) -> Scene:
    """Read an SVG drawing into a :class:`Scene`.

    Parameters
    ----------
    path : path-like
        The SVG file.

    Returns
    -------
    Scene
        Paths and texts in the drawing's user units (points for matplotlib and R).

    Raises
    ------
    InputError
        When the file is missing or not well-formed XML.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path as P
    >>> tmp = tempfile.TemporaryDirectory()
    >>> f = P(tmp.name) / "f.svg"
    >>> _ = f.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">'
    ...                  '<g transform="translate(10 5)"><path d="M 0 0 H 50" style="stroke: #ff0000"/></g>'
    ...                  '<text x="10" y="40" font-size="8">12</text></svg>')
    >>> s = read_svg(f)
    >>> s.paths[0].pts.tolist(), s.paths[0].color, s.texts[0].text
    ([[10.0, 5.0], [60.0, 5.0]], (1.0, 0.0, 0.0), '12')
    >>> tmp.cleanup()
    """
    try:
        parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
        with open(path, "rb") as fh:
            root = ET.fromstring(fh.read(), parser=parser)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except ET.ParseError as exc:
        raise InputError(f"{path}: not a well-formed SVG file ({exc}).") from None
    if _NS.sub("", root.tag) != "svg":
        raise InputError(f"{path}: not an SVG drawing (its root element is {_NS.sub('', root.tag)!r}).")
    ids = {}
    for el in root.iter():
        if el.get("id"):
            ids[el.get("id")] = el
    vb = [float(v) for v in _NUM.findall(root.get("viewBox") or "")]
    width = vb[2] if len(vb) == 4 else float((_NUM.findall(root.get("width") or "0") or ["0"])[0])
    height = vb[3] if len(vb) == 4 else float((_NUM.findall(root.get("height") or "0") or ["0"])[0])
    scene = Scene(width=width, height=height)
    sheet = _css_by_tag(root)
    glyph_uses = [0]
    href = "{http://www.w3.org/1999/xlink}href"

    def add_path(subpaths, m, st):
        stroke = _svg_color(st.get("stroke"))
        fill = _svg_color(st.get("fill", "black"))
        if stroke is None and fill is None:
            return
        try:
            sw = float(_NUM.findall(st.get("stroke-width", "1"))[0])
        except IndexError:
            sw = 1.0
        scale = math.sqrt(abs(np.linalg.det(m[:2, :2]))) or 1.0
        dash_txt = st.get("stroke-dasharray", "none")
        dash = () if dash_txt in ("none", "") else tuple(float(v) * scale for v in _NUM.findall(dash_txt))
        for sp in subpaths:
            if len(sp) < 2:
                continue
            scene.paths.append(Path(pts=_apply(m, sp), color=stroke, dash=dash, width=sw * scale,
                                    filled=fill is not None and stroke is None))

    def text_from_comment(comment, g, m, st):
        t = (comment or "").strip()
        if not t:
            return False
        gm = m @ _transform(g.get("transform"))
        if abs(gm[0, 1]) > 1e-6 or abs(gm[1, 0]) > 1e-6:
            return True  # rotated text (an axis title): not a label we read
        size = abs(gm[1, 1]) * 100  # matplotlib's glyphs: 100 font units per em
        uses = [u for u in g.iter() if _NS.sub("", u.tag) == "use"]
        last = max([float(u.get("x", 0)) for u in uses] or [0.0])
        w = (last + 60.0) * abs(gm[0, 0]) if uses else 0.6 * size * len(t)
        x0, base = gm[0, 2], gm[1, 2]
        color = _svg_color(_style(g, st).get("fill", "black"))
        scene.texts.extend(_split_words(t, x0, x0 + w, base - 0.72 * size, base, color))
        return True

    def walk(el, m, st, in_defs=False):
        tag = _NS.sub("", el.tag) if isinstance(el.tag, str) else None
        if tag in ("defs", "symbol", "clipPath", "mask", "marker", "pattern", "style", "metadata", "title"):
            return
        st = _style(el, st, sheet) if tag else st
        m = m @ _transform(el.get("transform")) if tag else m
        if tag == "path":
            try:
                add_path(parse_path_d(el.get("d", "")), m, st)
            except ValueError:
                pass
        elif tag == "line":
            p = [(float(el.get(k + "1", 0)), float(el.get(k2 + "1", 0))) for k, k2 in [("x", "y")]]
            p.append((float(el.get("x2", 0)), float(el.get("y2", 0))))
            add_path([p], m, st)
        elif tag in ("polyline", "polygon"):
            v = [float(s) for s in _NUM.findall(el.get("points", ""))]
            p = list(zip(v[0::2], v[1::2]))
            if tag == "polygon" and p:
                p.append(p[0])
            add_path([p], m, st)
        elif tag == "rect":
            x, y = float(el.get("x", 0)), float(el.get("y", 0))
            w, h = _length(el.get("width"), width), _length(el.get("height"), height)
            add_path([[(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]], m, st)
        elif tag == "use":
            ref = (el.get(href) or el.get("href") or "").lstrip("#")
            target = ids.get(ref)
            if target is not None:
                if ref.startswith("glyph") or _NS.sub("", target.tag) == "symbol":
                    glyph_uses[0] += 1
                    return
                um = m @ _transform(f"translate({el.get('x', 0)} {el.get('y', 0)})")
                tgt_tag = _NS.sub("", target.tag)
                if tgt_tag == "path" and not ref.startswith("DejaVu"):
                    add_path(parse_path_d(target.get("d", "")), um @ _transform(target.get("transform")),
                             _style(target, _style(el, st)))
        elif tag == "text":
            content = "".join(el.itertext()).strip()
            if content:
                size = float((_NUM.findall(st.get("font-size", "10")) or ["10"])[0])
                x = float((_NUM.findall(el.get("x", "0")) or ["0"])[0])
                y = float((_NUM.findall(el.get("y", "0")) or ["0"])[0])
                if abs(m[0, 1]) > 1e-6 or abs(m[1, 0]) > 1e-6:
                    return
                size *= abs(m[1, 1])
                (x, y), = _apply(m, [(x, y)])
                w = 0.55 * size * len(content)
                anchor = st.get("text-anchor", "start")
                x0 = x - w / 2 if anchor == "middle" else x - w if anchor == "end" else x
                scene.texts.extend(_split_words(content, x0, x0 + w, y - 0.72 * size, y,
                                                _svg_color(st.get("fill", "black"))))
            return
        children = list(el)
        skip = set()
        for i, child in enumerate(children):
            if not isinstance(child.tag, str):  # a comment: matplotlib's text drawn as glyphs follows it
                nxt = children[i + 1] if i + 1 < len(children) else None
                if nxt is not None and isinstance(nxt.tag, str) and _NS.sub("", nxt.tag) == "g" \
                        and "translate" in (nxt.get("transform") or "") and _has_glyphs(nxt):
                    text_from_comment(child.text, nxt, m, st)
                    skip.add(i + 1)
                continue
            if i in skip:
                continue
            walk(child, m, st)

    walk(root, np.eye(3), {})
    if not scene.texts and glyph_uses[0]:
        scene.glyph_text = True
        scene.notes.append("the SVG draws its text as glyph outlines, so no label could be read")
    return scene


def _has_glyphs(g) -> bool:
    """Whether a group holds glyph outlines (matplotlib's text as paths)."""
    for u in g.iter():
        tag = _NS.sub("", u.tag) if isinstance(u.tag, str) else ""
        if tag == "use" or (tag == "path" and u.get("id", "").startswith("DejaVu")):
            return True
        if tag == "defs":
            return True
    return False


def _split_words(text, x0, x1, top, bottom, color):
    """A line of text as words, its width shared in proportion to their lengths."""
    words = text.split()
    if len(words) <= 1:
        return [Text(text.strip(), x0, x1, top, bottom, color)]
    n = len(text)
    out, pos = [], 0
    for w in words:
        start = text.index(w, pos)
        pos = start + len(w)
        out.append(Text(w, x0 + (x1 - x0) * start / n, x0 + (x1 - x0) * pos / n, top, bottom, color))
    return out
