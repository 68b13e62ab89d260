"""Published against reproduced: ``build/report.md``, ``build/report.csv`` and ``build/report.html``.

Per study the report states where the data came from (labelled SYNTHETIC when they are),
then one row per published target (published value, reproduced value, difference, the
tolerance used, status, role, the method settings with assumptions marked, and the source
quote), the consistency audit of the published numbers, the study's figures and a summary
line. The HTML file is self-contained: inline CSS and figures embedded as ``data:`` URIs,
so it opens from ``file://`` without a server. The output holds no timestamps: the same
inputs give byte-identical files.
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

__all__ = ["Report", "build_report", "find_figures", "find_sections", "markdown_to_html", "parts_for_studies",
           "render_markdown", "render_html", "section_studies", "study_summary", "terminal_summary", "misses"]

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
            out.append("<table><tr>" + "".join(f"<th>{_inline_html(c)}</th>" for c in head) + "</tr>"
                       + "".join("<tr>" + "".join(f"<td>{_inline_html(c)}</td>" for c in r) + "</tr>" for r in rest)
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


def _tolerance_text(e: Evaluation) -> str:
    if e.tolerance is None:
        return e.tolerance_rule
    return f"±{e.tolerance:g} ({e.tolerance_rule})"


def _notes(e: Evaluation) -> str:
    parts = [p for p in (e.reason, e.details_text()) if p]
    return "; ".join(parts)


def _row(e: Evaluation) -> dict:
    t = e.target
    return {
        "id": t.id,
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


_HEADERS = ("id", "quantity", "arm(s)", "published", "reproduced", "difference", "tolerance", "status", "role",
            "method settings", "reason and details", "source quote")


def _study_header(study: str, register) -> tuple[str, str]:
    if register is None:
        return study, ""
    return f"{study}: {register.study.title}", f"{register.study.citation} doi:{register.study.doi}"


# --------------------------------------------------------------------------- Markdown
def _md_escape(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(evaluations_by_study, audits, figures, *, registers=None, out_dir=None,
                    sections=None, extra_parts=()) -> str:
    """The report as Markdown (figures linked relative to ``out_dir``).

    ``sections`` maps a study (or an extra part such as ``"design"``) to Markdown files
    included after its audit; ``extra_parts`` lists ``(name, heading)`` parts rendered
    after the studies from their sections and figures alone.

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
    ['# Reproduction report', '## levee2025: Efficacy of Metastasis-Directed Radiation Therapy to
    Prolong Systemic Therapy for Patients with Oligoprogressive Metastatic Breast Cancer',
    '### Published against reproduced']
    """
    registers = registers or {}
    sections = sections or {}
    lines = ["# Reproduction report", "",
             "Every published number of each study, recomputed from data and compared at its printed "
             "precision (or the register's reasoned tolerance). Settings marked (assumed) are not "
             "stated by the source.", ""]
    lines += ["```", terminal_summary(evaluations_by_study).rstrip("\n"), "```", ""]
    for study, evs in evaluations_by_study.items():
        title, citation = _study_header(study, registers.get(study))
        lines += [f"## {title}", ""]
        if citation:
            lines += [citation, ""]
        if _is_synthetic(evs):
            lines += [f"**{_SYNTHETIC_NOTE}**", ""]
        lines += ["Data source: " + ("; ".join(_sources(evs)) or "none (no patient-level data)"), ""]
        reg = registers.get(study)
        if reg is not None and reg.analysis is not None and reg.analysis.note:
            lines += [reg.analysis.note, ""]
        lines += [f"**Summary.** {study_summary(study, evs)}", ""]
        lines += ["### Published against reproduced", ""]
        lines += ["| " + " | ".join(_HEADERS) + " |", "|" + "---|" * len(_HEADERS)]
        for e in evs:
            lines.append("| " + " | ".join(_md_escape(v) for v in _row(e).values()) + " |")
        lines.append("")
        audit = audits.get(study)
        if audit is not None:
            lines += [audit.to_markdown(), ""]
        lines += _sections_markdown(sections.get(study, ()))
        lines += _figures_markdown(study, figures.get(study, ()), out_dir)
    for part, heading in extra_parts:
        lines += [f"## {heading}", ""]
        lines += _sections_markdown(sections.get(part, ()))
        lines += _figures_markdown(part, figures.get(part, ()), out_dir)
    return "\n".join(lines).rstrip("\n") + "\n"


def _sections_markdown(paths_) -> list[str]:
    lines = []
    for path in paths_:
        text = io.read_text(path).strip()
        shift = _heading_shift(text)
        text = re.sub(r"^(#{1,6}) ", lambda m: "#" * min(len(m.group(1)) + shift, 6) + " ", text, flags=re.M)
        lines += [text, ""]
    return lines


def _heading_shift(text: str) -> int:
    """How many levels to demote a section's headings so the highest sits at level 3."""
    levels = [len(m.group(1)) for m in re.finditer(r"^(#{1,6}) ", text, flags=re.M)]
    return max(0, 3 - min(levels)) if levels else 0


def _figures_markdown(name, figs, out_dir) -> list[str]:
    figs = list(figs)
    if not figs:
        return []
    lines = [f"### Figures: {name}", ""]
    for f in figs:
        f = Path(f)
        link = os.path.relpath(f, out_dir) if out_dir is not None else str(f)
        lines += [f"![{f.stem}]({Path(link).as_posix()})", ""]
    return lines


# --------------------------------------------------------------------------- HTML
_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1400px;
       padding: 0 1em; color: #222; line-height: 1.4; }
h1, h2, h3 { color: #123; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 3px 6px; vertical-align: top; text-align: left; }
th { background: #eef2f5; }
tr.match td.status { background: #dff0d8; }
tr.miss td.status { background: #f2dede; font-weight: bold; }
tr.not-attempted td.status { background: #f5f5f5; color: #555; }
td.quote { font-size: 0.9em; color: #444; min-width: 22em; max-width: 32em; }
td.status { white-space: nowrap; }
.synthetic { border: 2px solid #b35900; background: #fff4e5; padding: 0.6em 1em; font-weight: bold; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #555; }
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _table_html(evs) -> str:
    out = ["<table>", "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in _HEADERS) + "</tr>"]
    for e in evs:
        row = _row(e)
        cls = e.status.replace(" ", "-")
        cells = []
        for key, value in row.items():
            klass = {"status": "status", "quote": "quote"}.get(key)
            attr = f' class="{klass}"' if klass else ""
            cells.append(f"<td{attr}>{_e(value)}</td>")
        out.append(f'<tr class="{cls}">' + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _audit_html(audit) -> str:
    out = [f"<h3>Consistency audit: {_e(audit.study)}</h3>",
           f"<p>Published numbers checked against each other ({_e(audit.summary())}).</p>",
           "<table>", "<tr><th>check</th><th>targets</th><th>status</th><th>arithmetic</th></tr>"]
    for f in audit.findings:
        out.append(f"<tr><td>{_e(f.check)}</td><td>{_e(', '.join(f.targets))}</td><td>{_e(f.status)}</td>"
                   f"<td>{_e(f.arithmetic)}</td></tr>")
    out.append("</table>")
    return "\n".join(out)


def _figures_html(name, figs) -> list[str]:
    figs = list(figs)
    if not figs:
        return []
    return [f"<h3>Figures: {_e(name)}</h3>"] + [_figure_html(Path(f)) for f in figs]


def _figure_html(path: Path) -> str:
    data = base64.b64encode(io.read_binary(path)).decode("ascii")
    return (f'<figure><img alt="{_e(path.stem)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(path.name)}</figcaption></figure>")


def render_html(evaluations_by_study, audits, figures, *, registers=None, sections=None, extra_parts=()) -> str:
    """The report as one self-contained HTML page (inline CSS, figures as ``data:`` URIs).

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
    >>> page.splitlines()[0], '<section id="levee2025">' in page
    ('<!DOCTYPE html>', True)
    """
    registers = registers or {}
    sections = sections or {}
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             "<title>Reproduction report</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
             "<h1>Reproduction report</h1>",
             "<p>Every published number of each study, recomputed from data and compared at its printed "
             "precision (or the register's reasoned tolerance). Settings marked (assumed) are not stated "
             "by the source.</p>",
             f"<pre>{_e(terminal_summary(evaluations_by_study))}</pre>"]
    for study, evs in evaluations_by_study.items():
        title, citation = _study_header(study, registers.get(study))
        parts.append(f'<section id="{_e(study)}">')
        parts.append(f"<h2>{_e(title)}</h2>")
        if citation:
            parts.append(f"<p>{_e(citation)}</p>")
        if _is_synthetic(evs):
            parts.append(f'<p class="synthetic">{_e(_SYNTHETIC_NOTE)}</p>')
        parts.append(f"<p>Data source: {_e('; '.join(_sources(evs)) or 'none (no patient-level data)')}</p>")
        reg = registers.get(study)
        if reg is not None and reg.analysis is not None and reg.analysis.note:
            parts.append(f"<p>{_e(reg.analysis.note)}</p>")
        parts.append(f"<p><strong>Summary.</strong> {_e(study_summary(study, evs))}</p>")
        parts.append("<h3>Published against reproduced</h3>")
        parts.append(_table_html(evs))
        audit = audits.get(study)
        if audit is not None:
            parts.append(_audit_html(audit))
        parts.extend(markdown_to_html(io.read_text(p)) for p in sections.get(study, ()))
        parts.extend(_figures_html(study, figures.get(study, ())))
        parts.append("</section>")
    for part, heading in extra_parts:
        parts += [f'<section id="{_e(part)}">', f"<h2>{_e(heading)}</h2>"]
        parts.extend(markdown_to_html(io.read_text(p)) for p in sections.get(part, ()))
        parts.extend(_figures_html(part, figures.get(part, ())))
        parts.append("</section>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- entry point
def build_report(evaluations_by_study, audits, figures=None, out_dir=paths.BUILD, *, registers=None,
                 sections=None, extra_parts=None, only_studies: bool = False) -> Report:
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
    md = render_markdown(evaluations_by_study, audits, figures, registers=registers, out_dir=out_dir,
                         sections=sections, extra_parts=extra_parts)
    page = render_html(evaluations_by_study, audits, figures, registers=registers, sections=sections,
                       extra_parts=extra_parts)
    frame = evaluations_frame([e for evs in evaluations_by_study.values() for e in evs])
    md_path = io.write_text(out_dir / "report.md", md)
    csv_path = io.write_csv(out_dir / "report.csv", frame)
    html_path = io.write_text(out_dir / "report.html", page)
    return Report(markdown=md_path, csv=csv_path, html=html_path,
                  summary=terminal_summary(evaluations_by_study),
                  misses=tuple(misses(evaluations_by_study)))

