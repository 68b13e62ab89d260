"""Published against reproduced: ``build/report.md``, ``build/report.csv`` and ``build/report.html``.

The report opens with a summary (per study: where its data come from, matched, missed, not
attempted) and a table of contents. Per study it states where the data came from (labelled
SYNTHETIC when they are), then one row per published target (published value, reproduced
value, difference, the tolerance used, status, role; the method settings with assumptions
marked, the reason, the tolerance rule and the source quote folded into ``<details>`` in
HTML and listed under the table in Markdown), the consistency audit of the published
numbers, for every endpoint rebuilt from digitized curves the fit of the reconstruction
(:func:`reconstruction_fits`: its figure and a table per arm), the study's sections and its
figures, captioned from the exhibit table
(:func:`survrepro.report.exhibits.captions`). The HTML file is self-contained: inline CSS
and figures embedded as ``data:`` URIs, so it opens from ``file://`` without a server, and
its tables fit a 1280-pixel window. The output holds no timestamps: the same inputs give
byte-identical files.

Text from the registers is escaped for each format: HTML-escaped in both ``report.html``
and ``report.md`` (where links and images to anything but web, mail and relative addresses
are shown as text, see :func:`md_text`); in ``report.csv`` a text cell starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (OWASP's rule against
CSV injection, :func:`csv_cell`), numbers and text that is just a number are left as they
are. The CSV's columns are those of
:func:`survrepro.register.evaluate.evaluations_frame`.
"""
from __future__ import annotations

import base64
import html
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from survrepro import io, paths
from survrepro.engine._results import ResultMixin
from survrepro.register.evaluate import Evaluation, evaluations_frame, summarize
from survrepro.report import exhibits

__all__ = ["Report", "ReconstructionFit", "build_report", "reconstruction_fits", "csv_cell", "data_kinds", "find_figures", "find_sections", "markdown_to_html",
           "md_text", "parts_for_studies", "render_markdown", "render_html", "section_studies", "study_summary",
           "terminal_summary", "misses"]

_SYNTHETIC_NOTE = (
    "SYNTHETIC DATA: the reproduced numbers below come from synthetic patient-level data built to "
    "match the study's `calibrate` targets; `check` targets were held out. They show that the "
    "published analysis can be reproduced from data consistent with the paper, not what the "
    "trial's patients showed."
)


@dataclass(frozen=True, repr=False)
class Report(ResultMixin):
    """Files written by :func:`build_report` and the terminal summary."""

    markdown: Path
    csv: Path
    html: Path
    summary: str
    misses: tuple

    @property
    def n_misses(self) -> int:
        return len(self.misses)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"markdown": str(self.markdown), "csv": str(self.csv), "html": str(self.html),
                              "misses": self.n_misses}])

    def _repr_head(self) -> str:
        return str(self.markdown.parent)

    def _repr_body(self) -> str:
        return f"{self.n_misses} misses"


# --------------------------------------------------------------------------- summaries
def _counts_text(c: dict) -> str:
    return f"{c['match']} match, {c['miss']} miss, {c['not attempted']} not attempted"


def study_summary(study: str, evaluations) -> str:
    """``study: k match, m miss, j not attempted of N targets (calibrate: ...; check: ...)``.

    Parameters
    ----------
    study : str
        The study id, first on the line.
    evaluations : sequence of Evaluation
        The study's evaluations.

    Returns
    -------
    str
        One line, without a newline.

    Examples
    --------
    >>> from survrepro.register.schema import load_register
    >>> from survrepro.register.evaluate import evaluate_register
    >>> register = load_register("levee2025")
    >>> evaluations = evaluate_register(register)
    >>> print(study_summary("levee2025", evaluations))  # doctest: +NORMALIZE_WHITESPACE
    levee2025: 32 match, 0 miss, 0 not attempted of 32 targets (calibrate: 23 match, 0 miss,
    0 not attempted; check: 9 match, 0 miss, 0 not attempted)
    """
    s = summarize(evaluations)
    roles = "; ".join(f"{role}: {_counts_text(s[role])}" for role in ("calibrate", "check") if role in s)
    return f"{study}: {_counts_text(s['all'])} of {len(evaluations)} targets ({roles})"


def misses(evaluations_by_study) -> list[Evaluation]:
    """Every evaluation with status ``miss``, in study and register order.

    Parameters
    ----------
    evaluations_by_study : dict
        ``{study: [Evaluation, ...]}`` as from
        :func:`survrepro.register.evaluate.evaluate_register`, in report order.

    Returns
    -------
    list of Evaluation

    Examples
    --------
    >>> from survrepro import io, paths
    >>> from survrepro.register.schema import load_register
    >>> from survrepro.register.evaluate import evaluate_register
    >>> register = load_register("levee2025")
    >>> ipd = io.read_csv(paths.DATA / register.analysis.ipd)
    >>> short = {"levee2025": evaluate_register(register, ipd.iloc[2:])}  # two patients left out
    >>> found = misses(short)
    >>> len(found), found[0]
    (15, Evaluation(levee2025:n_all published 52, reproduced 50: miss, 50 instead of 52))
    """
    return [e for evs in evaluations_by_study.values() for e in evs if e.status == "miss"]


def _miss_line(e: Evaluation) -> str:
    return (f"  MISS {e.study}:{e.id} ({e.role}) published {e.published}, reproduced "
            f"{e.reproduced_text()}: {e.reason}")


def terminal_summary(evaluations_by_study) -> str:
    """One line per study, then every miss on its own line.

    Parameters
    ----------
    evaluations_by_study : dict
        ``{study: [Evaluation, ...]}`` as from
        :func:`survrepro.register.evaluate.evaluate_register`, in report order.

    Returns
    -------
    str
        Text ending with a newline.

    Examples
    --------
    >>> from survrepro import io, paths
    >>> from survrepro.register.schema import load_register
    >>> from survrepro.register.evaluate import evaluate_register
    >>> register = load_register("levee2025")
    >>> ipd = io.read_csv(paths.DATA / register.analysis.ipd)
    >>> short = {"levee2025": evaluate_register(register, ipd.iloc[2:])}  # two patients left out
    >>> terminal_summary(short).splitlines()[1]
    '  MISS levee2025:n_all (calibrate) published 52, reproduced 50: 50 instead of 52'
    """
    lines = [study_summary(study, evs) for study, evs in evaluations_by_study.items()]
    lines += [_miss_line(e) for e in misses(evaluations_by_study)]
    return "\n".join(lines) + "\n"


def find_figures(study: str, root: Path | None = None) -> list[Path]:
    """The PNG figures of a study in ``figures/<study>/``, sorted by name.

    Parameters
    ----------
    study : str
        The study id (or an extra part such as ``"design"``).
    root : path-like, optional
        Folder holding one folder per study; ``figures/`` by default.

    Returns
    -------
    list of pathlib.Path
        Empty when the folder does not exist.

    Examples
    --------
    >>> from survrepro import paths
    >>> [p.relative_to(paths.ROOT).as_posix() for p in find_figures("levee2025")]  # doctest: +NORMALIZE_WHITESPACE
    ['figures/levee2025/km_pfs.png', 'figures/levee2025/km_ttnt.png',
     'figures/levee2025/proportions.png', 'figures/levee2025/swimmer.png']
    """
    folder = Path(root if root is not None else paths.FIGURES) / study
    return sorted(folder.glob("*.png")) if folder.is_dir() else []


def find_sections(study: str, root: Path | None = None) -> list[Path]:
    """Markdown sections written by a study's analysis scripts: ``build/<study>/sections/*.md``, by name.

    Parameters
    ----------
    study : str
        The study id (or an extra part such as ``"design"``).
    root : path-like, optional
        Folder holding one folder per study; ``build/`` by default.

    Returns
    -------
    list of pathlib.Path
        Empty when the folder does not exist.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name) / "levee2025" / "sections"
    >>> folder.mkdir(parents=True)
    >>> for name in ("b_rmst.md", "a_ph.md"):
    ...     _ = (folder / name).write_text("## Section\\n")
    >>> [p.name for p in find_sections("levee2025", root=tmp.name)]
    ['a_ph.md', 'b_rmst.md']
    >>> tmp.cleanup()
    """
    folder = Path(root if root is not None else paths.BUILD) / study / "sections"
    return sorted(folder.glob("*.md")) if folder.is_dir() else []


#: Report parts that are not studies of a register: (folder name, heading).
EXTRA_PARTS = (("design", "Trial design from reproduced evidence"),)


#: A design file named in a report section, as the design exhibits cite it.
_DESIGN_FILE = re.compile(r"data/designs/([A-Za-z0-9_.-]+\.toml)")


def section_studies(path, designs: Path | None = None) -> set[str]:
    """The studies a report section draws on, from the design files it names.

    A design section names its design file (``data/designs/<name>.toml``); the file's
    ``[design] study`` and the study of every ``"study:target_id"`` reference among its
    assumptions are the studies the section draws on.

    Parameters
    ----------
    path : path-like
        A Markdown section.
    designs : path-like, optional
        Folder of the design files; ``data/designs/`` by default.

    Returns
    -------
    set of str
        Empty when the section names no design file that exists.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> _ = (Path(tmp.name) / "boss.toml").write_text(
    ...     '[design]\\nstudy = "boss"\\n[assumptions.p1]\\ntarget = "levee2025:on_therapy_6m_pct_all"\\n')
    >>> section = Path(tmp.name) / "20_boss_power.md"
    >>> _ = section.write_text("### BOSS\\n\\nAssumptions (from `data/designs/boss.toml`).\\n")
    >>> sorted(section_studies(section, designs=tmp.name))
    ['boss', 'levee2025']
    >>> tmp.cleanup()
    """
    folder = Path(designs if designs is not None else paths.DESIGNS)
    studies = set()
    for name in sorted(set(_DESIGN_FILE.findall(io.read_text(path)))):
        file = folder / name
        if not file.is_file():
            continue
        doc = io.read_toml(file)
        design = doc.get("design", {})
        if isinstance(design, dict) and isinstance(design.get("study"), str):
            studies.add(design["study"])
        for entry in (doc.get("assumptions") or {}).values():
            ref = entry.get("target") if isinstance(entry, dict) else None
            if isinstance(ref, str) and ":" in ref:
                studies.add(ref.split(":", 1)[0])
    return studies


def _figure_stem(section: Path) -> str:
    """``10_extend_events.md`` draws ``extend_events.png``: the section's name without its order prefix."""
    return re.sub(r"^\d+_", "", Path(section).stem)


def parts_for_studies(studies, extra_parts, sections, figures) -> tuple[tuple, dict, dict]:
    """The extra parts reduced to what draws on ``studies``: their sections and the figures beside them.

    Parameters
    ----------
    studies : iterable of str
        The studies the report is for.
    extra_parts : sequence of (str, str)
        ``(name, heading)`` parts after the studies.
    sections, figures : dict
        ``{part: [paths]}``; a part's section keeps when :func:`section_studies` names one
        of ``studies``, and a figure keeps when it has the name of a kept section (without
        its order prefix).

    Returns
    -------
    tuple
        ``(extra_parts, sections, figures)``, each part left with neither sections nor
        figures dropped.

    Examples
    --------
    >>> parts_for_studies(["levee2025"], (("design", "Trial design"),), {"design": []}, {"design": []})
    ((), {}, {})
    """
    studies = set(studies)
    kept_parts, kept_sections, kept_figures = [], {}, {}
    for part, heading in extra_parts:
        secs = [p for p in sections.get(part, ()) if section_studies(p) & studies]
        stems = {_figure_stem(p) for p in secs}
        figs = [f for f in figures.get(part, ()) if Path(f).stem in stems]
        if secs or figs:
            kept_parts.append((part, heading))
            kept_sections[part], kept_figures[part] = secs, figs
    return tuple(kept_parts), kept_sections, kept_figures


def _inline_html(text: str) -> str:
    """Escape text and render Markdown's inline `code` and **bold**."""
    out = _e(text)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)


def markdown_to_html(text: str) -> str:
    """The small Markdown subset analysis sections use: headings, paragraphs, bullets, pipe tables.

    Headings move one level down (a section's ``##`` is the page's ``<h3>``), inline
    code (in backticks) and bold (in double asterisks) are rendered, everything else is escaped.

    Parameters
    ----------
    text : str
        Markdown.

    Returns
    -------
    str
        HTML, one block per line.

    Examples
    --------
    >>> print(markdown_to_html("## Result\\n\\nThe median is **6.9** months.\\n\\n- one\\n- two\\n"))
    <h3>Result</h3>
    <p>The median is <strong>6.9</strong> months.</p>
    <ul><li>one</li><li>two</li></ul>
    """
    out, para, rows, items = [], [], [], []

    def flush():
        if para:
            out.append(f"<p>{_inline_html(' '.join(para))}</p>")
            para.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline_html(i)}</li>" for i in items) + "</ul>")
            items.clear()
        if rows:
            cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
            body = [c for c in cells if not all(set(x) <= set(":- ") for x in c)]
            head, rest = body[0], body[1:]
            cell = lambda c: _inline_html(c).replace("_", "_<wbr>")  # noqa: E731 - long names wrap at their _
            out.append("<table><tr>" + "".join(f"<th>{cell(c)}</th>" for c in head) + "</tr>"
                       + "".join("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in r) + "</tr>" for r in rest)
                       + "</table>")
            rows.clear()

    shift = _heading_shift(text)
    for line in text.splitlines():
        stripped = line.strip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        if not stripped or stripped.startswith("!["):  # figures are embedded after the sections
            flush()
        elif heading:
            flush()
            level = min(len(heading.group(1)) + shift, 6)  # sections sit below the study's heading
            out.append(f"<h{level}>{_inline_html(heading.group(2))}</h{level}>")
        elif stripped.startswith("|"):
            if para or items:
                flush()
            rows.append(stripped)
        elif stripped[:2] in ("- ", "* "):
            if para or rows:
                flush()
            items.append(stripped[2:])
        else:
            if rows:
                flush()
            para.append(stripped)
    flush()
    return "\n".join(out)


# --------------------------------------------------------------------------- shared pieces
def _sources(evaluations) -> list[str]:
    return sorted({e.data_source for e in evaluations if e.data_source})


def _is_synthetic(evaluations) -> bool:
    return any("SYNTHETIC" in s for s in _sources(evaluations))


_RECONSTRUCTED_NOTE = (
    "RECONSTRUCTED DATA: the reproduced numbers below come from patient-level data reconstructed "
    "from digitized Kaplan-Meier curves and their numbers at risk; they carry the error of the "
    "digitizing and of the reconstruction (see the reconstruction fit)."
)


def _banner(evaluations) -> str | None:
    """The banner over a study's numbers: synthetic data, data reconstructed from curves (from a
    synthetic curve: both said), or none for real patient-level data."""
    kinds = data_kinds(evaluations)
    if "reconstructed" in kinds:
        synthetic_curves = any("SYNTHETIC" in s and "reconstructed" in s for s in _sources(evaluations))
        return _RECONSTRUCTED_NOTE + (" The digitized curves are themselves SYNTHETIC." if synthetic_curves else "")
    return _SYNTHETIC_NOTE if "synthetic" in kinds else None


def data_kinds(evaluations) -> list[str]:
    """What a study's reproduced numbers come from: ``synthetic``, ``reconstructed``, ``real`` or ``none``.

    Read from the data source of each evaluation: a source labelled SYNTHETIC is synthetic
    (and reconstructed too when it was reconstructed from a synthetic curve), a source
    reconstructed from digitized curves is reconstructed, any other is real patient-level data.

    Parameters
    ----------
    evaluations : sequence of Evaluation
        The study's evaluations.

    Returns
    -------
    list of str
        In the order synthetic, reconstructed, real; ``["none"]`` when no target was computed
        from data.

    Examples
    --------
    >>> from survrepro.register.schema import load_register
    >>> from survrepro.register.evaluate import evaluate_register
    >>> data_kinds(evaluate_register(load_register("levee2025")))
    ['synthetic']
    """
    kinds = set()
    for source in _sources(evaluations):
        if "SYNTHETIC" in source:
            kinds.add("synthetic")
        if "reconstructed" in source:
            kinds.add("reconstructed")
        if "SYNTHETIC" not in source and "reconstructed" not in source:
            kinds.add("real")
    return [k for k in ("synthetic", "reconstructed", "real") if k in kinds] or ["none"]


def _tolerance_text(e: Evaluation) -> str:
    if e.tolerance is None:
        return e.tolerance_rule
    return f"±{e.tolerance:g} ({e.tolerance_rule})"


#: A tolerance rule up to this long is shown as it is in the targets table; a longer one is folded.
_SHORT_RULE = 24


def _tolerance_short(e: Evaluation) -> str:
    """The tolerance as the targets table shows it: the half-width, or a short rule."""
    if e.tolerance is not None:
        return f"±{e.tolerance:g}"
    rule = e.tolerance_rule
    return rule if len(rule) <= _SHORT_RULE else rule.split(":", 1)[0][:_SHORT_RULE] if ":" in rule else "rule"


def _notes(e: Evaluation) -> str:
    parts = [p for p in (e.reason, e.details_text()) if p]
    return "; ".join(parts)


def _row(e: Evaluation) -> dict:
    t = e.target
    return {
        "id": t.id,
        "endpoint": t.endpoint,
        "quantity": t.quantity,
        "arms": ", ".join(t.arms) or "all",
        "published": e.published,
        "reproduced": e.reproduced_text(),
        "difference": e.difference_text(),
        "tolerance": _tolerance_text(e),
        "status": e.status,
        "role": t.role,
        "settings": e.settings_text(),
        "notes": _notes(e),
        "quote": t.quote,
    }


#: The short columns of a targets table; method settings, reasons and quotes are folded below.
_SHORT = (("id", "id"), ("endpoint", "endpoint"), ("quantity", "quantity"), ("arms", "arm(s)"), ("published", "published"),
          ("reproduced", "reproduced"), ("difference", "difference"), ("tolerance", "tolerance"),
          ("status", "status"), ("role", "role"))


def _long_parts(e: Evaluation) -> list[tuple[str, str]]:
    """The long text of a target: (label, text) pairs, the empty ones left out."""
    t = e.target
    quote = f"“{t.quote}”" + (f" ({t.source})" if t.source else "") if t.quote else ""
    parts = [("tolerance", _tolerance_text(e)), ("method settings", e.settings_text()),
             ("reason and details", _notes(e)), ("source quote", quote)]
    return [(label, text) for label, text in parts if text]


def _study_header(study: str, register) -> tuple[str, str]:
    if register is None:
        return study, ""
    return f"{study}: {register.study.title}", f"{register.study.citation} doi:{register.study.doi}"


def _section_title(path) -> str:
    """A section's first heading as plain text (its file name, humanized, when it has none)."""
    for line in io.read_text(path).splitlines():
        m = re.match(r"^#{1,6}\s+(.*)$", line.strip())
        if m:
            return re.sub(r"[`*]", "", m.group(1)).strip()
    return exhibits.humanize(_figure_stem(path))


def _anchor(*parts) -> str:
    """An in-page anchor made of ``parts``: letters, digits, ``_`` and ``-`` only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(str(p) for p in parts)).strip("-") or "part"


def _figure_caption(part: str, path: Path, captions: dict) -> str:
    """The caption of a figure: from the exhibit table of its part, else its file name humanized."""
    stem = Path(path).stem
    return captions.get(part, {}).get(stem) or exhibits.humanize(stem)


def _captions_for(names) -> dict:
    """``{part: {figure stem: caption}}`` from the exhibit scripts under ``analyses/<part>/``."""
    return {name: exhibits.captions(paths.ANALYSES / name) for name in names}


def _outline(evaluations_by_study, audits, sections, figures, extra_parts, registers, fits=None) -> list:
    """The report's parts in order: (anchor, heading, [(anchor, heading), ...]) for the contents."""
    out = []
    fits = fits or {}
    for study, evs in evaluations_by_study.items():
        title, _ = _study_header(study, registers.get(study))
        subs = [(_anchor(study, "targets"), "Published against reproduced")]
        if audits.get(study) is not None:
            subs.append((_anchor(study, "audit"), "Consistency audit"))
        if fits.get(study):
            subs.append((_anchor(study, "reconstruction"), "Reconstruction fit"))
        subs += [(_anchor(study, Path(p).stem), _section_title(p)) for p in sections.get(study, ())]
        if figures.get(study):
            subs.append((_anchor(study, "figures"), "Figures"))
        out.append((_anchor(study), title, subs))
    for part, heading in extra_parts:
        subs = [(_anchor(part, Path(p).stem), _section_title(p)) for p in sections.get(part, ())]
        if figures.get(part):
            subs.append((_anchor(part, "figures"), "Figures"))
        out.append((_anchor(part), heading, subs))
    return out


def _summary_rows(evaluations_by_study) -> list[dict]:
    rows = []
    for study, evs in evaluations_by_study.items():
        c = summarize(evs)["all"]
        rows.append({"study": study, "data": ", ".join(data_kinds(evs)), "matched": c["match"], "missed": c["miss"],
                     "not attempted": c["not attempted"], "targets": len(evs)})
    return rows


_INTRO = ("Every published number of each study, recomputed from data and compared at its printed "
          "precision (or the register's reasoned tolerance). Settings marked (assumed) are not "
          "stated by the source.")


# --------------------------------------------------------------------------- Markdown
#: Link destinations kept in Markdown: web and mail addresses, in-page anchors, relative paths.
_SAFE_DESTINATION = re.compile(r"(?:https?://|mailto:|#|\.{0,2}/)|[\w./-]*$", re.I)
#: The ``](destination`` of an inline link or image, or the ``]: destination`` of a reference definition.
_MD_LINK = re.compile(r"(\\*)\](\(|:)[ \t]*\n?[ \t]*(?:&lt;|<)?([^\s)>]*)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _defuse_links(text: str) -> str:
    """Escape the ``]`` of every Markdown link whose destination is not a safe one (``javascript:``, ...)."""
    def fix(m):
        if len(m.group(1)) % 2 or _SAFE_DESTINATION.match(m.group(3)):  # already escaped, or safe
            return m.group(0)
        return "\\" + m.group(0)
    return _MD_LINK.sub(fix, text)


def md_text(text) -> str:
    """Text from a register (titles, quotes, notes, arm labels) made safe for one line of Markdown.

    Whitespace runs become one space and control characters go; ``&``, ``<`` and ``>`` are
    HTML-escaped (as in the HTML report, so no tag or comment reaches a Markdown renderer);
    backslashes, backticks and ``|`` are backslash-escaped; a link or image whose destination
    is not a web or mail address, an anchor or a relative path (``javascript:``, ``data:``,
    ...) gets its ``]`` escaped, so it shows as text.

    Parameters
    ----------
    text : object
        The text (converted with ``str``).

    Returns
    -------
    str

    Examples
    --------
    >>> md_text('<img src=x onerror=alert(1)> [click](javascript:alert(1)) a | b')
    '&lt;img src=x onerror=alert(1)&gt; [click\\\\](javascript:alert(1)) a \\\\| b'
    """
    text = _CONTROL.sub("", " ".join(str(text).split())).replace("\\", "\\\\")
    text = html.escape(text, quote=False).replace("`", "\\`").replace("|", "\\|")
    return _defuse_links(text)


def _md_block(text: str) -> str:
    """Markdown written by the analysis scripts or the audit: HTML escaped outside code spans, links defused."""
    pieces = re.split(r"(`[^`\n]*`)", _CONTROL.sub("", text))
    return _defuse_links("".join(p if i % 2 else html.escape(p, quote=False) for i, p in enumerate(pieces)))


def _md_anchor(anchor: str) -> str:
    return f'<a id="{anchor}"></a>'


def _md_table(headers, rows) -> list[str]:
    return (["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
            + ["| " + " | ".join(md_text(v) for v in row) + " |" for row in rows])


def _targets_markdown(evs) -> list[str]:
    lines = _md_table([h for _, h in _SHORT], [[_row_short(e)[k] for k, _ in _SHORT] for e in evs])
    lines += ["", "Method settings, reasons, tolerances and source quotes of the targets above "
              "(the same text is in `report.csv`):", ""]
    for e in evs:
        parts = "; ".join(f"{label}: {md_text(text)}" for label, text in _long_parts(e))
        lines.append(f"- **{md_text(e.id)}** ({md_text(e.status)}): {parts}")
    return lines + [""]


def _row_short(e: Evaluation) -> dict:
    row = _row(e)
    row["tolerance"] = _tolerance_short(e)
    return row


def render_markdown(evaluations_by_study, audits, figures, *, registers=None, out_dir=None,
                    sections=None, extra_parts=(), fits=None) -> str:
    """The report as Markdown (figures linked relative to ``out_dir``).

    A summary table (per study: its data, matched, missed, not attempted), the contents
    (links to each study and section), then per study its targets table of short cells
    with the long text (method settings, reasons, tolerance rules, source quotes) listed
    under it, its audit, its sections and its captioned figures. ``sections`` maps a study
    (or an extra part such as ``"design"``) to Markdown files included after its audit;
    ``extra_parts`` lists ``(name, heading)`` parts rendered after the studies. Register
    text goes through :func:`md_text`: HTML-escaped, unsafe links defused.

    Parameters
    ----------
    evaluations_by_study : dict
        ``{study: [Evaluation, ...]}`` as from
        :func:`survrepro.register.evaluate.evaluate_register`, in report order.
    audits : dict
        ``{study: AuditReport}``; a study without one has no audit section.
    figures : dict
        ``{study or part: [png paths]}``.
    registers : dict, optional
        ``{study: Register}``, for the title, citation and data notes of each study.
    out_dir : path-like, optional
        Folder the Markdown file will be in; figure links are relative to it.
    sections : dict, optional
        ``{study or part: [markdown paths]}``.
    extra_parts : sequence of (str, str)
        ``(name, heading)`` parts after the studies.
    fits : dict, optional
        ``{study: [ReconstructionFit, ...]}`` (:func:`reconstruction_fits`), shown after the audit.

    Returns
    -------
    str
        Markdown ending with a newline.

    Examples
    --------
    >>> from survrepro.register.schema import load_register
    >>> from survrepro.register.evaluate import evaluate_register
    >>> register = load_register("levee2025")
    >>> evaluations = evaluate_register(register)
    >>> markdown = render_markdown({"levee2025": evaluations}, {}, {}, registers={"levee2025": register})
    >>> [line for line in markdown.splitlines() if line.startswith("#")]  # doctest: +NORMALIZE_WHITESPACE
    ['# Reproduction report', '## Summary', '## Contents', '## levee2025: Efficacy of Metastasis-Directed
    Radiation Therapy to Prolong Systemic Therapy for Patients with Oligoprogressive Metastatic Breast Cancer',
    '### Published against reproduced']
    """
    registers = registers or {}
    sections = sections or {}
    names = list(evaluations_by_study) + [name for name, _ in extra_parts]
    captions = _captions_for(names)
    lines = ["# Reproduction report", "", _INTRO, "", "## Summary", ""]
    rows = _summary_rows(evaluations_by_study)
    if rows:
        lines += _md_table(list(rows[0]), [list(r.values()) for r in rows]) + [""]
    found = misses(evaluations_by_study)
    if found:
        lines += ["Not reproduced:", ""] + [f"- {md_text(_miss_line(e).strip())}" for e in found] + [""]
    lines += ["## Contents", ""]
    fits = fits or {}
    for anchor, heading, subs in _outline(evaluations_by_study, audits, sections, figures, extra_parts, registers,
                                          fits):
        lines.append(f"- [{md_text(heading)}](#{anchor})")
        lines += [f"  - [{md_text(h)}](#{a})" for a, h in subs]
    lines.append("")
    for study, evs in evaluations_by_study.items():
        title, citation = _study_header(study, registers.get(study))
        lines += [_md_anchor(_anchor(study)), "", f"## {md_text(title)}", ""]
        if citation:
            lines += [md_text(citation), ""]
        banner = _banner(evs)
        if banner:
            lines += [f"**{banner}**", ""]
        lines += ["Data source: " + md_text("; ".join(_sources(evs)) or "none (no patient-level data)"), ""]
        reg = registers.get(study)
        if reg is not None and reg.analysis is not None and reg.analysis.note:
            lines += [md_text(reg.analysis.note), ""]
        lines += [f"**Summary.** {md_text(study_summary(study, evs))}", ""]
        lines += [_md_anchor(_anchor(study, "targets")), "", "### Published against reproduced", ""]
        lines += _targets_markdown(evs)
        audit = audits.get(study)
        if audit is not None:
            lines += [_md_anchor(_anchor(study, "audit")), "", _md_block(audit.to_markdown()), ""]
        lines += _fits_markdown(study, fits.get(study, ()), out_dir)
        lines += _sections_markdown(study, sections.get(study, ()))
        lines += _figures_markdown(study, figures.get(study, ()), out_dir, captions, _is_synthetic(evs))
    for part, heading in extra_parts:
        lines += [_md_anchor(_anchor(part)), "", f"## {md_text(heading)}", ""]
        lines += _sections_markdown(part, sections.get(part, ()))
        lines += _figures_markdown(part, figures.get(part, ()), out_dir, captions, False)
    return "\n".join(lines).rstrip("\n") + "\n"


def _sections_markdown(part, paths_) -> list[str]:
    lines = []
    for path in paths_:
        text = io.read_text(path).strip()
        # figures are shown, captioned, in the part's figures
        text = "\n".join(line for line in text.splitlines() if not line.strip().startswith("!["))
        text = re.sub(r"\n{3,}", "\n\n", text)
        shift = _heading_shift(text)
        text = re.sub(r"^(#{1,6}) ", lambda m: "#" * min(len(m.group(1)) + shift, 6) + " ", text, flags=re.M)
        lines += [_md_anchor(_anchor(part, Path(path).stem)), "", _md_block(text), ""]
    return lines


def _heading_shift(text: str) -> int:
    """How many levels to demote a section's headings so the highest sits at level 3."""
    levels = [len(m.group(1)) for m in re.finditer(r"^(#{1,6}) ", text, flags=re.M)]
    return max(0, 3 - min(levels)) if levels else 0


def _figures_markdown(name, figs, out_dir, captions, synthetic) -> list[str]:
    figs = list(figs)
    if not figs:
        return []
    lines = [_md_anchor(_anchor(name, "figures")), "", f"### Figures: {md_text(name)}", ""]
    for f in figs:
        f = Path(f)
        link = os.path.relpath(f, out_dir) if out_dir is not None else str(f)
        caption = md_text(_figure_caption(name, f, captions))
        label = " (SYNTHETIC data)" if synthetic else ""
        lines += [f"![{caption}]({Path(link).as_posix()})", "", f"*{caption}*{label}, `{f.name}`", ""]
    return lines


# --------------------------------------------------------------------------- reconstruction fit
@dataclass(frozen=True, repr=False)
class ReconstructionFit:
    """The fit of one endpoint rebuilt from digitized curves, as the report shows it.

    Attributes
    ----------
    study, endpoint : str
    source : str
        Where the patients come from (the digitized figure and its file).
    result : Reconstruction
        From :func:`survrepro.sources.reconstruct.reconstruct`.
    figure : Path
        The fit figure (:func:`survrepro.report.plotting.plot_reconstruction`).
    synthetic : bool
        The curves are SYNTHETIC.
    """

    study: str
    endpoint: str
    source: str
    result: object
    figure: Path
    synthetic: bool

    def __repr__(self) -> str:
        return f"ReconstructionFit({self.study}:{self.endpoint}, {self.figure.name})"


def _has_curves(register) -> bool:
    """The register names digitized curves and at least one of their files exists."""
    a = getattr(register, "analysis", None)
    return bool(a is not None and a.digitized_map
                and any((paths.DATA / d.curves).exists() for d in a.digitized_map.values()))


def reconstruction_fits(evaluations_by_study, registers, out_dir, study_data=None) -> dict:
    """The fit of every endpoint rebuilt from digitized curves, its figure written under ``out_dir``.

    Parameters
    ----------
    evaluations_by_study : dict
        ``{study: [Evaluation, ...]}``: the studies reported.
    registers : dict
        ``{study: Register}``.
    out_dir : path-like
        Folder of the report; the figures go to ``reconstruction/<study>_<endpoint>.png`` in it.
    study_data : dict, optional
        ``{study: StudyData}`` as evaluated. A study missing from it whose register names
        digitized curves is read again with :func:`survrepro.register.evaluate.load_study_data`
        (the reconstruction is deterministic: the same files give the same patients).

    Returns
    -------
    dict
        ``{study: [ReconstructionFit, ...]}`` for the studies with an endpoint rebuilt from curves.

    Examples
    --------
    >>> import tempfile
    >>> from survrepro.register.schema import load_register
    >>> tmp = tempfile.TemporaryDirectory()
    >>> reconstruction_fits({"levee2025": []}, {"levee2025": load_register("levee2025")}, tmp.name)
    {}
    >>> tmp.cleanup()
    """
    from survrepro.register.evaluate import load_study_data

    study_data = study_data or {}
    out = {}
    for study in evaluations_by_study:
        register = (registers or {}).get(study)
        data = study_data.get(study)
        if data is None:
            if register is None or not _has_curves(register):
                continue
            data = load_study_data(register)
        unit = getattr(getattr(register, "study", None), "time_unit", None) or "time"
        fits = []
        for endpoint, ep in data.endpoints.items():
            rec = getattr(ep, "reconstruction", None)
            if rec is None:
                continue
            synthetic = "SYNTHETIC" in ep.source
            figure = _fit_figure(rec, Path(out_dir) / "reconstruction" / f"{study}_{endpoint}.png", unit,
                                 f"{endpoint} (SYNTHETIC curves)" if synthetic else endpoint)
            fits.append(ReconstructionFit(study=study, endpoint=endpoint, source=ep.source, result=rec,
                                          figure=figure, synthetic=synthetic))
        if fits:
            out[study] = fits
    return out


def _fit_figure(rec, path: Path, unit: str, name: str) -> Path:
    import matplotlib.pyplot as plt

    from survrepro.report.plotting import plot_reconstruction

    ax = plot_reconstruction(rec, xlabel=unit[:1].upper() + unit[1:], title=f"{name}: digitized against reconstructed")
    try:
        return io.save_figure(ax.figure, path)
    finally:
        plt.close(ax.figure)


def _num(x, fmt: str) -> str:
    return "not reached" if x is None else format(x, fmt)


def _fit_arm_rows(fit: ReconstructionFit) -> list[dict]:
    """Per arm: patients, events, the errors at the clicks, the step-curve distance and both medians."""
    rows = []
    for a in fit.result.fidelity()["arms"]:
        rows.append({"arm": str(a["arm"]), "patients": str(a["n_patients"]),
                     "events": str(a["events_reconstructed"]), "RMSE": f"{a['rmse']:.4f}",
                     "max abs error": f"{a['max_abs_error']:.4f}", "KS distance": f"{a['ks_distance']:.4f}",
                     "median digitized": _num(a["median"]["digitized"], ".2f"),
                     "median reconstructed": _num(a["median"]["reconstructed"], ".2f")})
    return rows


def _fit_at_risk(fit: ReconstructionFit) -> tuple[list[str], list[list[str]]]:
    """The numbers at risk, published / reconstructed, one row per table time, one column per arm."""
    arms = fit.result.fidelity()["arms"]
    times = sorted({r["time"] for a in arms for r in a["at_risk"]})
    heads = ["time"] + [f"{a['arm']} (published / reconstructed)" for a in arms]
    rows = []
    for t in times:
        row = [f"{t:g}"]
        for a in arms:
            r = next((x for x in a["at_risk"] if x["time"] == t), None)
            if r is None:
                row.append("")
            elif a["at_risk_source"] != "published":
                row.append(f"not published / {r['reconstructed']}")
            else:
                off = r["reconstructed"] - r["published"]
                row.append(f"{r['published']} / {r['reconstructed']}" + (f" (off by {off:+d})" if off else ""))
        rows.append(row)
    return heads, rows


def _fit_comparison(fit: ReconstructionFit) -> str:
    """The hazard ratio and log-rank test between the reconstructed arms, one sentence."""
    comp = fit.result.comparison or {}
    parts = []
    for h in comp.get("hazard_ratios", []):
        if h.get("hr") is None:
            parts.append(f"HR {h['arm']} vs {h['reference']}: {h.get('note', 'not computed')}")
        else:
            parts.append(f"HR {h['arm']} vs {h['reference']} {h['hr']:.3f} (95% CI {h['ci_low']:.3f} to "
                         f"{h['ci_high']:.3f}, Cox, Efron ties; {h['reference']} vs {h['arm']} {1 / h['hr']:.3f}, "
                         f"95% CI {1 / h['ci_high']:.3f} to {1 / h['ci_low']:.3f})")
    if comp.get("logrank_p") is not None:
        parts.append(f"log-rank p = {comp['logrank_p']:.3g}")
    parts += comp.get("notes", [])
    return "Between the arms of the reconstruction: " + ("; ".join(parts) or "one arm only") + "."


def _fit_notes(fit: ReconstructionFit) -> list[str]:
    """The cleaning actions and notes of every arm, each prefixed by its arm."""
    out = []
    for lab, arm in fit.result.arms.items():
        head = "" if lab is None else f"{lab}: "
        out += [f"{head}{x}" for x in tuple(arm.curve.actions) + tuple(arm.notes)]
    return out


def _fit_intro(fit: ReconstructionFit) -> str:
    methods = sorted({a.method for a in fit.result.arms.values()})
    return (f"{fit.endpoint}: patients {fit.source}, method {fit.result.method} "
            f"({', '.join(methods)} used). Errors are those of the reconstructed Kaplan–Meier curve at the "
            f"cleaned clicks; the KS distance is the largest vertical distance between the digitized and the "
            f"reconstructed step curves.")


_FIT_CAPTION = ("Fit of the reconstruction of {endpoint}: the digitized clicks (circles) over the Kaplan–Meier "
                "curves of the reconstructed patients, the residuals at the clicks, and the numbers at risk "
                "published and reconstructed")


def _fits_markdown(study, fits, out_dir) -> list[str]:
    if not fits:
        return []
    lines = [_md_anchor(_anchor(study, "reconstruction")), "", "### Reconstruction fit", ""]
    for fit in fits:
        lines += [f"#### {md_text(fit.endpoint)}", "", md_text(_fit_intro(fit)), ""]
        rows = _fit_arm_rows(fit)
        lines += _md_table(list(rows[0]), [[md_text(v) for v in r.values()] for r in rows]) + [""]
        heads, at_risk = _fit_at_risk(fit)
        lines += ["Numbers at risk:", ""] + _md_table([md_text(h) for h in heads],
                                                      [[md_text(v) for v in r] for r in at_risk]) + [""]
        lines += [md_text(_fit_comparison(fit)), ""]
        notes = _fit_notes(fit)
        if notes:
            lines += ["Cleaning and notes:", ""] + [f"- {md_text(x)}" for x in notes] + [""]
        link = os.path.relpath(fit.figure, out_dir) if out_dir is not None else str(fit.figure)
        caption = md_text(_FIT_CAPTION.format(endpoint=fit.endpoint))
        label = " (SYNTHETIC data)" if fit.synthetic else ""
        lines += [f"![{caption}]({Path(link).as_posix()})", "", f"*{caption}*{label}, `{fit.figure.name}`", ""]
    return lines


# --------------------------------------------------------------------------- HTML
_CSS = """
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1180px;
       padding: 0 1em; color: #222; line-height: 1.4; overflow-wrap: break-word; }
h1, h2, h3, h4 { color: #123; }
h2 { border-top: 2px solid #d5dde3; padding-top: 0.6em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; max-width: 100%; }
th, td { border: 1px solid #ccc; padding: 3px 6px; vertical-align: top; text-align: left;
         overflow-wrap: break-word; }
th { background: #eef2f5; }
table.targets th { overflow-wrap: normal; font-size: 0.95em; }
table.targets, table.audit { table-layout: fixed; width: 100%; }
table.targets td, table.audit td { overflow-wrap: anywhere; }
table.targets td.num { font-variant-numeric: tabular-nums; }
tr.match td.status { background: #dff0d8; }
tr.miss td.status { background: #f2dede; font-weight: bold; }
tr.not-attempted td.status { background: #f5f5f5; color: #555; }
details summary { cursor: pointer; color: #245; }
details dl { margin: 0.3em 0 0; } details dt { font-weight: bold; margin-top: 0.3em; }
details dd { margin: 0 0 0 0.8em; } dd.quote { color: #444; font-style: italic; }
.synthetic { border: 2px solid #b35900; background: #fff4e5; padding: 0.6em 1em; font-weight: bold; }
.kind-synthetic { color: #8a4500; font-weight: bold; }
nav.toc { background: #f6f8fa; border: 1px solid #dde3e8; padding: 0.5em 1.2em; }
nav.toc h2 { border-top: none; margin-top: 0.3em; padding-top: 0; }
nav.toc ol { margin: 0.2em 0; } nav.toc li { margin: 0.1em 0; }
pre { background: #f6f8fa; padding: 0.8em; white-space: pre-wrap; }
table.fit caption { text-align: left; font-weight: bold; padding: 0.2em 0; }
table.fit td.num { font-variant-numeric: tabular-nums; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; color: #333; } figcaption .file { color: #777; font-size: 0.9em; }
"""

#: Column widths of the targets table (percent of the page), in the order of its columns.
_WIDTHS = {"id": 12, "endpoint": 10, "quantity": 9, "arms": 6, "published": 8, "reproduced": 8, "difference": 8,
           "tolerance": 8, "status": 7, "role": 7, "details": 17}


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _eb(text) -> str:
    """Escaped, with a line-break opportunity after each ``_`` (long identifiers wrap where they read well)."""
    return _e(text).replace("_", "_<wbr>")


_SHORT_LABEL = {"tolerance": "tolerance", "method settings": "settings", "reason and details": "details",
                "source quote": "quote"}


def _details_html(e: Evaluation) -> str:
    parts = _long_parts(e)
    if not parts:
        return ""
    labels = [_SHORT_LABEL[label] for label, _ in parts]
    items = "".join(f'<dt>{_e(label)}</dt><dd{" class=quote" if label == "source quote" else ""}>{_e(text)}</dd>'
                    for label, text in parts)
    is_open = " open" if e.status == "miss" else ""  # a miss shows its reason
    return f"<details{is_open}><summary>{_e(', '.join(labels[1:] or labels))}</summary><dl>{items}</dl></details>"


def _table_html(evs) -> str:
    cols = [k for k, _ in _SHORT] + ["details"]
    heads = [h for _, h in _SHORT] + ["settings, reason, quote"]
    out = ['<table class="targets">', "<colgroup>" + "".join(f'<col style="width:{_WIDTHS[c]}%">' for c in cols)
           + "</colgroup>", "<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr></thead>", "<tbody>"]
    for e in evs:
        row = _row_short(e)
        cls = e.status.replace(" ", "-")
        cells = []
        for key in cols[:-1]:
            klass = {"status": "status", "published": "num", "reproduced": "num", "difference": "num"}.get(key)
            attr = f' class="{klass}"' if klass else ""
            cells.append(f"<td{attr}>{_eb(row[key])}</td>")
        cells.append(f'<td class="details">{_details_html(e)}</td>')
        out.append(f'<tr class="{cls}" id="{_anchor(e.study, "target", e.id)}">' + "".join(cells) + "</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def _audit_html(audit, anchor) -> str:
    out = [f'<h3 id="{anchor}">Consistency audit: {_e(audit.study)}</h3>',
           f"<p>Published numbers checked against each other ({_e(audit.summary())}).</p>",
           '<table class="audit">', '<colgroup><col style="width:17%"><col style="width:21%"><col style="width:11%">'
           '<col style="width:51%"></colgroup>',
           "<tr><th>check</th><th>targets</th><th>status</th><th>arithmetic</th></tr>"]
    for f in audit.findings:
        out.append(f"<tr><td>{_eb(f.check)}</td><td>{_eb(', '.join(f.targets))}</td><td class='status'>{_e(f.status)}</td>"
                   f"<td>{_e(f.arithmetic)}</td></tr>")
    out.append("</table>")
    return "\n".join(out)


def _figures_html(name, figs, captions, synthetic) -> list[str]:
    figs = list(figs)
    if not figs:
        return []
    return ([f'<h3 id="{_anchor(name, "figures")}">Figures: {_e(name)}</h3>']
            + [_figure_html(name, Path(f), _figure_caption(name, f, captions), synthetic) for f in figs])


def _figure_html(part, path: Path, caption: str, synthetic: bool) -> str:
    data = base64.b64encode(io.read_binary(path)).decode("ascii")
    label = ' <span class="kind-synthetic">(SYNTHETIC data)</span>' if synthetic else ""
    return (f'<figure id="{_anchor(part, "figure", path.stem)}"><img alt="{_e(caption)}" '
            f'src="data:image/png;base64,{data}">'
            f'<figcaption><strong>{_e(caption)}</strong>{label} <span class="file">{_e(path.name)}</span>'
            f"</figcaption></figure>")


def _fits_html(study, fits) -> list[str]:
    if not fits:
        return []
    out = [f'<h3 id="{_anchor(study, "reconstruction")}">Reconstruction fit</h3>']
    for fit in fits:
        out.append(f'<h4 id="{_anchor(study, "reconstruction", fit.endpoint)}">{_e(fit.endpoint)}</h4>')
        out.append(f"<p>{_e(_fit_intro(fit))}</p>")
        rows = _fit_arm_rows(fit)
        out.append('<table class="fit"><tr>' + "".join(f"<th>{_e(h)}</th>" for h in rows[0]) + "</tr>"
                   + "".join("<tr>" + "".join(f'<td class="num">{_eb(v)}</td>' for v in r.values()) + "</tr>"
                             for r in rows) + "</table>")
        heads, at_risk = _fit_at_risk(fit)
        out.append('<table class="fit"><caption>Numbers at risk</caption><tr>'
                   + "".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr>"
                   + "".join("<tr>" + "".join(f'<td class="num">{_e(v)}</td>' for v in r) + "</tr>" for r in at_risk)
                   + "</table>")
        out.append(f"<p>{_e(_fit_comparison(fit))}</p>")
        notes = _fit_notes(fit)
        if notes:
            out.append(f"<details><summary>cleaning and notes ({len(notes)})</summary><ul>"
                       + "".join(f"<li>{_e(x)}</li>" for x in notes) + "</ul></details>")
        caption = _FIT_CAPTION.format(endpoint=fit.endpoint)
        data = base64.b64encode(io.read_binary(fit.figure)).decode("ascii")
        label = ' <span class="kind-synthetic">(SYNTHETIC data)</span>' if fit.synthetic else ""
        out.append(f'<figure id="{_anchor(study, "figure", fit.figure.stem)}"><img alt="{_e(caption)}" '
                   f'src="data:image/png;base64,{data}"><figcaption><strong>{_e(caption)}</strong>{label} '
                   f'<span class="file">{_e(fit.figure.name)}</span></figcaption></figure>')
    return out


def _summary_html(evaluations_by_study) -> list[str]:
    rows = _summary_rows(evaluations_by_study)
    out = ['<h2 id="summary">Summary</h2>']
    if rows:
        out.append("<table>")
        out.append("<tr>" + "".join(f"<th>{_e(h)}</th>" for h in rows[0]) + "</tr>")
        for r in rows:
            kind = ' class="kind-synthetic"' if "synthetic" in r["data"] else ""
            miss = ' style="background:#f2dede;font-weight:bold"' if r["missed"] else ""
            out.append(f'<tr><td><a href="#{_anchor(r["study"])}">{_e(r["study"])}</a></td><td{kind}>{_e(r["data"])}</td>'
                       f'<td>{r["matched"]}</td><td{miss}>{r["missed"]}</td><td>{r["not attempted"]}</td>'
                       f'<td>{r["targets"]}</td></tr>')
        out.append("</table>")
    found = misses(evaluations_by_study)
    if found:
        out.append("<p><strong>Not reproduced:</strong></p><ul>" + "".join(
            f'<li><a href="#{_anchor(e.study, "target", e.id)}">{_e(_miss_line(e).strip())}</a></li>' for e in found)
                   + "</ul>")
    return out


def _toc_html(outline) -> str:
    items = []
    for anchor, heading, subs in outline:
        sub = "".join(f'<li><a href="#{a}">{_e(h)}</a></li>' for a, h in subs)
        items.append(f'<li><a href="#{anchor}">{_e(heading)}</a>' + (f"<ol>{sub}</ol>" if sub else "") + "</li>")
    return '<nav class="toc"><h2 id="contents">Contents</h2><ol>' + "".join(items) + "</ol></nav>"


def render_html(evaluations_by_study, audits, figures, *, registers=None, sections=None, extra_parts=(),
                fits=None) -> str:
    """The report as one self-contained HTML page (inline CSS, figures as ``data:`` URIs).

    A summary table, the contents, then per study its targets table (short cells; method
    settings, reasons, tolerance rules and source quotes folded into ``<details>``), audit,
    sections and figures captioned from the exhibit table (:func:`survrepro.report.exhibits.captions`).
    The targets table has a fixed layout at the page's width and every cell wraps, so the
    page fits a 1280-pixel window. All text is HTML-escaped.

    Parameters
    ----------
    evaluations_by_study : dict
        ``{study: [Evaluation, ...]}`` as from
        :func:`survrepro.register.evaluate.evaluate_register`, in report order.
    audits : dict
        ``{study: AuditReport}``; a study without one has no audit section.
    figures : dict
        ``{study or part: [png paths]}``, embedded in the page.
    registers : dict, optional
        ``{study: Register}``, for the title, citation and data notes of each study.
    sections : dict, optional
        ``{study or part: [markdown paths]}``, rendered by :func:`markdown_to_html`.
    extra_parts : sequence of (str, str)
        ``(name, heading)`` parts after the studies.
    fits : dict, optional
        ``{study: [ReconstructionFit, ...]}`` (:func:`reconstruction_fits`), shown after the audit
        with the figure embedded.

    Returns
    -------
    str
        The HTML page, ending with a newline.

    Examples
    --------
    >>> from survrepro.register.schema import load_register
    >>> from survrepro.register.evaluate import evaluate_register
    >>> register = load_register("levee2025")
    >>> evaluations = evaluate_register(register)
    >>> page = render_html({"levee2025": evaluations}, {}, {}, registers={"levee2025": register})
    >>> page.splitlines()[0], '<section id="levee2025">' in page, '<nav class="toc">' in page
    ('<!DOCTYPE html>', True, True)
    """
    registers = registers or {}
    sections = sections or {}
    names = list(evaluations_by_study) + [name for name, _ in extra_parts]
    captions = _captions_for(names)
    fits = fits or {}
    outline = _outline(evaluations_by_study, audits, sections, figures, extra_parts, registers, fits)
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             "<title>Reproduction report</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
             "<h1>Reproduction report</h1>", f"<p>{_e(_INTRO)}</p>"]
    parts += _summary_html(evaluations_by_study)
    parts.append(_toc_html(outline))
    for study, evs in evaluations_by_study.items():
        title, citation = _study_header(study, registers.get(study))
        synthetic = _is_synthetic(evs)
        parts.append(f'<section id="{_anchor(study)}">')
        parts.append(f"<h2>{_e(title)}</h2>")
        if citation:
            parts.append(f"<p>{_e(citation)}</p>")
        banner = _banner(evs)
        if banner:
            parts.append(f'<p class="synthetic">{_inline_html(banner)}</p>')
        parts.append(f"<p>Data source: {_e('; '.join(_sources(evs)) or 'none (no patient-level data)')}</p>")
        reg = registers.get(study)
        if reg is not None and reg.analysis is not None and reg.analysis.note:
            parts.append(f"<p>{_e(reg.analysis.note)}</p>")
        parts.append(f"<p><strong>Summary.</strong> {_e(study_summary(study, evs))}</p>")
        parts.append(f'<h3 id="{_anchor(study, "targets")}">Published against reproduced</h3>')
        parts.append(_table_html(evs))
        audit = audits.get(study)
        if audit is not None:
            parts.append(_audit_html(audit, _anchor(study, "audit")))
        parts.extend(_fits_html(study, fits.get(study, ())))
        parts.extend(_section_html(study, p) for p in sections.get(study, ()))
        parts.extend(_figures_html(study, figures.get(study, ()), captions, synthetic))
        parts.append("</section>")
    for part, heading in extra_parts:
        parts += [f'<section id="{_anchor(part)}">', f"<h2>{_e(heading)}</h2>"]
        parts.extend(_section_html(part, p) for p in sections.get(part, ()))
        parts.extend(_figures_html(part, figures.get(part, ()), captions, False))
        parts.append("</section>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _section_html(part, path) -> str:
    return f'<div id="{_anchor(part, Path(path).stem)}">\n{markdown_to_html(io.read_text(path))}\n</div>'


# --------------------------------------------------------------------------- CSV
#: A text cell starting with one of these is read as a formula by a spreadsheet (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def csv_cell(value):
    """A report.csv cell that a spreadsheet will not evaluate (OWASP's CSV-injection rule).

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading ``'``, which spreadsheets show as text; numbers, and text that is just a
    number (``-0.5``, ``+0.05``), are left as they are.

    Parameters
    ----------
    value : object
        A cell.

    Returns
    -------
    object
        ``value``, or the prefixed text.

    Examples
    --------
    >>> csv_cell("=1+2"), csv_cell("@SUM(A1)"), csv_cell("-0.5"), csv_cell(-0.5), csv_cell("a=b")
    ("'=1+2", "'@SUM(A1)", '-0.5', -0.5, 'a=b')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(csv_cell)
    return out


# --------------------------------------------------------------------------- entry point
def build_report(evaluations_by_study, audits, figures=None, out_dir=paths.BUILD, *, registers=None,
                 sections=None, extra_parts=None, only_studies: bool = False, study_data=None) -> Report:
    """Write ``report.md``, ``report.csv`` and a self-contained ``report.html`` to ``out_dir``.

    Parameters
    ----------
    evaluations_by_study : dict
        ``{study: [Evaluation, ...]}`` as from :func:`survrepro.register.evaluate.evaluate_register`,
        in the order the studies are to appear.
    audits : dict
        ``{study: AuditReport}`` (:func:`survrepro.register.audit.audit_register`); a study without
        one has no audit section.
    figures : dict, optional
        ``{study: [png paths]}``; by default the PNG files in ``figures/<study>/``.
    out_dir : path-like
        Folder of the three files (created when missing).
    registers : dict, optional
        ``{study: Register}``, for the title, citation and data notes of each study.
    sections : dict, optional
        ``{study or part: [markdown paths]}``; by default ``build/<name>/sections/*.md``.
    extra_parts : sequence, optional
        ``(name, heading)`` parts after the studies; by default those of :data:`EXTRA_PARTS`
        that have sections or figures.
    only_studies : bool
        Report exactly the studies of ``evaluations_by_study``: the extra parts keep only
        the sections that draw on them and the figures beside those sections
        (:func:`parts_for_studies`). By default every extra part is reported whole.
    study_data : dict, optional
        ``{study: StudyData}`` as evaluated; every endpoint rebuilt from digitized curves gets
        a "Reconstruction fit" part (:func:`reconstruction_fits`; its figure is written to
        ``out_dir/reconstruction/``). A study left out whose register names digitized curves
        is read again.

    Returns
    -------
    Report
        The paths written, the terminal summary and the misses.

    Examples
    --------
    >>> import tempfile
    >>> from survrepro.register.audit import audit_register
    >>> from survrepro.register.schema import load_register
    >>> from survrepro.register.evaluate import evaluate_register
    >>> register = load_register("levee2025")
    >>> evaluations = evaluate_register(register)
    >>> tmp = tempfile.TemporaryDirectory()
    >>> report = build_report({"levee2025": evaluations}, {"levee2025": audit_register(register)},
    ...                       figures={}, out_dir=tmp.name, registers={"levee2025": register},
    ...                       sections={}, extra_parts=())
    >>> report.n_misses, [p.name for p in (report.markdown, report.csv, report.html)]
    (0, ['report.md', 'report.csv', 'report.html'])
    >>> tmp.cleanup()
    """
    out_dir = Path(out_dir)
    if extra_parts is None:
        extra_parts = tuple((name, h) for name, h in EXTRA_PARTS if find_sections(name) or find_figures(name))
    names = list(evaluations_by_study) + [name for name, _ in extra_parts]
    if figures is None:
        figures = {name: find_figures(name) for name in names}
    if sections is None:
        sections = {name: find_sections(name) for name in names}
    if only_studies:
        extra_parts, extra_sections, extra_figures = parts_for_studies(evaluations_by_study, extra_parts,
                                                                       sections, figures)
        sections = {**{s: sections.get(s, ()) for s in evaluations_by_study}, **extra_sections}
        figures = {**{s: figures.get(s, ()) for s in evaluations_by_study}, **extra_figures}
    fits = reconstruction_fits(evaluations_by_study, registers, out_dir, study_data)
    md = render_markdown(evaluations_by_study, audits, figures, registers=registers, out_dir=out_dir,
                         sections=sections, extra_parts=extra_parts, fits=fits)
    page = render_html(evaluations_by_study, audits, figures, registers=registers, sections=sections,
                       extra_parts=extra_parts, fits=fits)
    frame = evaluations_frame([e for evs in evaluations_by_study.values() for e in evs])
    md_path = io.write_text(out_dir / "report.md", md)
    csv_path = io.write_csv(out_dir / "report.csv", _csv_frame(frame))
    html_path = io.write_text(out_dir / "report.html", page)
    return Report(markdown=md_path, csv=csv_path, html=html_path,
                  summary=terminal_summary(evaluations_by_study),
                  misses=tuple(misses(evaluations_by_study)))

