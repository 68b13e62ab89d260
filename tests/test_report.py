"""The report files (Markdown, CSV, self-contained HTML) and the exit codes of ``survrepro reproduce``."""
from __future__ import annotations

import html
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from test_evaluate import ANALYSIS, FRAME, register  # noqa: E402
from test_targets import target  # noqa: E402
from survrepro import cli, paths  # noqa: E402
from survrepro.register.audit import audit_register  # noqa: E402
from survrepro.register.evaluate import evaluate_register  # noqa: E402
from survrepro.report.build import build_report, terminal_summary  # noqa: E402

TARGETS = [
    target("n_a", "n", 5, arm="a", endpoint="randomization", role="calibrate"),
    target("m_all", "median", 5.5, decimals=1, role="calibrate"),
    target("pow", "design_power", 80, decimals=0, scale="percent", quote="80% power"),
]
MISSING = target("m_a", "median", 7.0, decimals=1, arm="a")  # arm a's median is 6


def _setup(tmp_path, monkeypatch, targets):
    """A register in tmp_path/example_study.toml with its synthetic data under a temporary data folder."""
    monkeypatch.setattr(paths, "DATA", tmp_path / "data")
    monkeypatch.setattr(paths, "FIGURES", tmp_path / "figures")
    folder = tmp_path / "data" / "example_study"
    folder.mkdir(parents=True)
    FRAME.to_csv(folder / "example_study_synthetic.csv", index=False)
    return register(tmp_path, targets)


def _figure(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [1, 0])
    fig.savefig(path, format="png", metadata={"Software": None})
    plt.close(fig)
    return path


def _build(tmp_path, monkeypatch, targets=TARGETS, out="build"):
    reg = _setup(tmp_path, monkeypatch, targets)
    fig = _figure(tmp_path / "figures" / "example_study" / "fig1_synthetic.png")
    evs = {"example_study": evaluate_register(reg)}
    audits = {"example_study": audit_register(reg)}
    report = build_report(evs, audits, {"example_study": [fig]}, tmp_path / out, registers={"example_study": reg})
    return report, evs


def test_files_are_written_with_every_target(tmp_path, monkeypatch):
    report, evs = _build(tmp_path, monkeypatch)
    assert {p.name for p in (report.markdown, report.csv, report.html)} == {"report.md", "report.csv", "report.html"}
    md = report.markdown.read_text(encoding="utf-8")
    for tid in ("n_a", "m_all", "pow"):
        assert f"| {tid} |" in md
    assert "SYNTHETIC DATA" in md and "SYNTHETIC IPD (example_study/example_study_synthetic.csv)" in md
    assert "### Consistency audit: example_study" in md
    assert "example_study: 2 match, 0 miss, 1 not attempted of 3 targets" in md
    assert "design assumption: see the design section" in md
    assert "estimator=kaplan_meier (assumed)" in md
    assert "![Fig 1 synthetic](../figures/example_study/fig1_synthetic.png)" in md  # no caption declared
    assert "*Fig 1 synthetic* (SYNTHETIC data), `fig1_synthetic.png`" in md
    assert report.misses == ()


def test_csv_columns(tmp_path, monkeypatch):
    report, _ = _build(tmp_path, monkeypatch)
    frame = pd.read_csv(report.csv)
    assert list(frame.columns) == [
        "study", "id", "endpoint", "quantity", "arms", "role", "published", "reproduced", "reproduced_value",
        "difference", "tolerance", "tolerance_rule", "status", "reason", "data_source", "settings", "assumed",
        "details", "source", "quote",
    ]
    assert list(frame["id"]) == ["n_a", "m_all", "pow"]
    assert list(frame["status"]) == ["match", "match", "not attempted"]
    assert frame.loc[1, "reproduced_value"] == 5.5


def test_html_is_self_contained(tmp_path, monkeypatch):
    report, _ = _build(tmp_path, monkeypatch)
    page = report.html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    # no resource fetched from anywhere: every src and href is a data: URI or an in-page anchor
    refs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', page)
    assert refs and all(r.startswith("data:") or r.startswith("#") for r in refs)
    assert "<link" not in page and "<script" not in page and "http://" not in page and "https://" not in page
    assert len(re.findall(r'src="data:image/png;base64,[A-Za-z0-9+/=]+"', page)) == 1
    assert 'class="synthetic"' in page


def test_output_is_deterministic(tmp_path, monkeypatch):
    first, _ = _build(tmp_path, monkeypatch, out="one")
    again = build_report(
        {"example_study": evaluate_register(register(tmp_path, TARGETS))},
        {"example_study": audit_register(register(tmp_path, TARGETS))},
        {"example_study": [tmp_path / "figures" / "example_study" / "fig1_synthetic.png"]},
        tmp_path / "two", registers={"example_study": register(tmp_path, TARGETS)},
    )
    for a, b in ((first.markdown, again.markdown), (first.csv, again.csv), (first.html, again.html)):
        assert a.read_bytes() == b.read_bytes()


def test_terminal_summary_lists_every_miss(tmp_path, monkeypatch):
    report, evs = _build(tmp_path, monkeypatch, [*TARGETS, MISSING])
    text = terminal_summary(evs)
    lines = text.splitlines()
    assert lines[0] == (
        "example_study: 2 match, 1 miss, 1 not attempted of 4 targets "
        "(calibrate: 2 match, 0 miss, 0 not attempted; check: 0 match, 1 miss, 1 not attempted)"
    )
    assert lines[1] == (
        "  MISS example_study:m_a (check) published 7.0, reproduced 6.000: 6.000 does not round to 7.0 at 1 decimals"
    )
    assert [e.id for e in report.misses] == ["m_a"]


# --------------------------------------------------------------------------- the command
def test_cli_exit_0_when_everything_matches(tmp_path, monkeypatch, capsys):
    reg = _setup(tmp_path, monkeypatch, TARGETS)
    assert cli.main(["reproduce", str(reg.path), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("example_study: 2 match, 0 miss, 1 not attempted")
    assert (tmp_path / "out" / "report.html").exists()


def test_cli_exit_1_on_a_miss_and_names_it(tmp_path, monkeypatch, capsys):
    reg = _setup(tmp_path, monkeypatch, [*TARGETS, MISSING])
    assert cli.main(["reproduce", str(reg.path), "--out", str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    assert "MISS example_study:m_a (check)" in captured.out
    assert "1 published number(s) not reproduced: example_study:m_a" in captured.err


def test_cli_exit_2_on_unknown_study(tmp_path, capsys):
    assert cli.main(["reproduce", "no_such_study", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "unknown study 'no_such_study'" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_cli_exit_2_on_bad_register(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[study\nid = 1\n", encoding="utf-8")
    assert cli.main(["reproduce", str(bad), "--out", str(tmp_path / "out")]) == 2
    assert "bad.toml: is not valid TOML" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_cli_exit_2_on_missing_data_file_names_the_field(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(paths, "DATA", tmp_path / "nowhere")
    reg = register(tmp_path, TARGETS)
    assert cli.main(["reproduce", str(reg.path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "[analysis] ipd: no such file" in err
    assert not (tmp_path / "out").exists()


def test_cli_exit_2_on_bad_analysis_table(tmp_path, monkeypatch, capsys):
    _setup(tmp_path, monkeypatch, TARGETS)
    path = tmp_path / "example_study.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('arm_column = "arm"', 'arm_column = 3'), encoding="utf-8")
    assert cli.main(["reproduce", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "[analysis]: field 'arm_column' must be non-empty text" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["synthetic", "ipd"])
def test_synthetic_label_only_for_synthetic_data(tmp_path, monkeypatch, kind):
    monkeypatch.setattr(paths, "DATA", tmp_path / "data")
    folder = tmp_path / "data" / "example_study"
    folder.mkdir(parents=True)
    name = "example_study_synthetic.csv" if kind == "synthetic" else "example_study_ipd.csv"
    FRAME.to_csv(folder / name, index=False)
    analysis = ANALYSIS.replace("example_study_synthetic.csv", name).replace('"synthetic"', f'"{kind}"')
    reg = register(tmp_path, TARGETS, analysis)
    report = build_report({"example_study": evaluate_register(reg)}, {}, {}, tmp_path / "out")
    md = report.markdown.read_text(encoding="utf-8")
    assert ("SYNTHETIC" in md) == (kind == "synthetic")


def test_sections_and_extra_parts_are_included(tmp_path):
    from survrepro.report.build import build_report, markdown_to_html

    sec = tmp_path / "design" / "sections"
    sec.mkdir(parents=True)
    (sec / "10_power.md").write_text("# Power\n\nSome `code` and **bold**.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n")
    rep = build_report({}, {}, figures={}, out_dir=tmp_path / "out",
                       sections={"design": [sec / "10_power.md"]}, extra_parts=(("design", "Trial design"),))
    md = rep.markdown.read_text()
    assert "## Trial design" in md and "### Power" in md  # the section's top heading sits below the part's
    page = rep.html.read_text()
    assert "<h3>Power</h3>" in page
    assert "<td>1</td><td>2</td>" in page and "<li>two</li>" in page
    assert markdown_to_html("a `x` **y**") == "<p>a <code>x</code> <strong>y</strong></p>"


# --------------------------------------------------------------------------- the studies named, exactly
def _design_parts(tmp_path, monkeypatch):
    """Two design sections with their figures: one draws on example_study's register, one on another study's."""
    monkeypatch.setattr(paths, "BUILD", tmp_path / "build")
    monkeypatch.setattr(paths, "DESIGNS", tmp_path / "designs")
    (tmp_path / "designs").mkdir()
    (tmp_path / "designs" / "mine.toml").write_text(
        '[design]\nstudy = "mine_trial"\n[assumptions.n]\ntarget = "example_study:n_a"\n', encoding="utf-8")
    (tmp_path / "designs" / "other.toml").write_text(
        '[design]\nstudy = "other_trial"\n[assumptions.n]\nvalue = 40\n', encoding="utf-8")
    sections = tmp_path / "build" / "design" / "sections"
    sections.mkdir(parents=True)
    (sections / "10_mine_power.md").write_text(
        "### Mine: power\n\nAssumptions (from `data/designs/mine.toml`).\n", encoding="utf-8")
    (sections / "20_other_power.md").write_text(
        "### Other: power\n\nAssumptions (from `data/designs/other.toml`).\n", encoding="utf-8")
    for stem in ("mine_power", "other_power"):
        _figure(tmp_path / "figures" / "design" / f"{stem}.png")


def _headings(path):
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")]


def test_section_studies_reads_the_design_file_the_section_names(tmp_path, monkeypatch):
    from survrepro.report.build import section_studies

    _design_parts(tmp_path, monkeypatch)
    sections = tmp_path / "build" / "design" / "sections"
    assert section_studies(sections / "10_mine_power.md") == {"mine_trial", "example_study"}
    assert section_studies(sections / "20_other_power.md") == {"other_trial"}
    lone = tmp_path / "lone.md"
    lone.write_text("### No design file named here\n", encoding="utf-8")
    assert section_studies(lone) == set()


def test_named_study_gets_only_its_design_sections_and_figures_in_a_folder_of_its_own(tmp_path, monkeypatch, capsys):
    reg = _setup(tmp_path, monkeypatch, TARGETS)
    _design_parts(tmp_path, monkeypatch)
    _figure(tmp_path / "figures" / "example_study" / "fig1_synthetic.png")
    full = tmp_path / "build" / "report.md"
    full.write_text("the full report\n", encoding="utf-8")
    assert cli.main(["reproduce", str(reg.path)]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "build" / "report-example_study"
    assert f"wrote {folder / 'report.md'}, {folder / 'report.csv'} and {folder / 'report.html'}" in out
    assert full.read_text(encoding="utf-8") == "the full report\n"  # the full report is not overwritten
    assert not (tmp_path / "build" / "report.csv").exists()
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "### Mine: power" in md and "Other" not in md
    assert "![Mine power](../../figures/design/mine_power.png)" in md and "other_power" not in md
    assert "![Fig 1 synthetic](../../figures/example_study/fig1_synthetic.png)" in md
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "Other: power" not in page and len(re.findall(r'src="data:image/png', page)) == 2


def test_named_study_without_design_sections_reports_no_design_part(tmp_path, monkeypatch):
    reg = _setup(tmp_path, monkeypatch, TARGETS)
    _design_parts(tmp_path, monkeypatch)
    (tmp_path / "designs" / "mine.toml").write_text('[design]\nstudy = "mine_trial"\n', encoding="utf-8")
    assert cli.main(["reproduce", str(reg.path)]) == 0
    md = tmp_path / "build" / "report-example_study" / "report.md"
    assert _headings(md) == ["# Reproduction report", "## Summary", "## Contents",
                             "## example_study: An invented two-arm study",
                             "### Published against reproduced", "### Consistency audit: example_study"]


def test_out_naming_build_writes_the_report_there(tmp_path, monkeypatch):
    reg = _setup(tmp_path, monkeypatch, TARGETS)
    _design_parts(tmp_path, monkeypatch)
    assert cli.main(["reproduce", str(reg.path), "--out", str(tmp_path / "build")]) == 0
    md = (tmp_path / "build" / "report.md").read_text(encoding="utf-8")
    assert "### Mine: power" in md and "Other" not in md  # still exactly the study named
    assert not (tmp_path / "build" / "report-example_study").exists()


def test_every_study_by_default_writes_the_full_report_with_every_design_part(tmp_path, monkeypatch, capsys):
    _setup(tmp_path, monkeypatch, TARGETS)
    _design_parts(tmp_path, monkeypatch)
    monkeypatch.setattr(paths, "PUBLISHED", tmp_path)
    assert cli.main(["reproduce"]) == 0
    assert f"wrote {tmp_path / 'build' / 'report.md'}" in capsys.readouterr().out
    md = (tmp_path / "build" / "report.md").read_text(encoding="utf-8")
    assert "### Mine: power" in md and "### Other: power" in md and "other_power.png" in md


def test_subset_folder_names_every_study_in_order(monkeypatch, tmp_path):
    from survrepro.cli.reproduce import subset_folder

    monkeypatch.setattr(paths, "BUILD", tmp_path)
    assert subset_folder(["levee2025", "extend_breast"]) == tmp_path / "report-levee2025-extend_breast"


# --------------------------------------------------------------------------- the reader's view
def test_summary_and_contents_come_first_and_link_to_every_part(tmp_path, monkeypatch):
    report, _ = _build(tmp_path, monkeypatch, [*TARGETS, MISSING])
    md = report.markdown.read_text(encoding="utf-8")
    head = md[:md.index("## example_study")]
    assert "| study | data | matched | missed | not attempted | targets |" in head
    assert "| example_study | synthetic | 2 | 1 | 1 | 4 |" in head
    assert "- MISS example_study:m_a (check) published 7.0" in head
    for anchor in ("example_study", "example_study-targets", "example_study-audit", "example_study-figures"):
        assert f"](#{anchor})" in head and f'<a id="{anchor}"></a>' in md
    page = report.html.read_text(encoding="utf-8")
    assert page.index('<h2 id="summary">') < page.index('<nav class="toc">') < page.index('<section id="example_study">')
    for anchor in re.findall(r'href="#([^"]+)"', page):
        assert f'id="{anchor}"' in page  # every link of the summary and the contents lands somewhere
    assert 'href="#example_study-target-m_a"' in page  # a miss links to its row
    assert "<details open>" in page  # and its row shows the reason unfolded


def test_targets_table_keeps_short_cells_and_folds_the_long_text(tmp_path, monkeypatch):
    long_quote = "The number was 5. " + "A long sentence of the source, quoted in full. " * 12
    report, evs = _build(tmp_path, monkeypatch, [target("n_a", "n", 5, arm="a", endpoint="randomization",
                                                         quote=long_quote), *TARGETS[1:]])
    md = report.markdown.read_text(encoding="utf-8")
    rows = [line for line in md.splitlines() if line.startswith("| n_a |") or line.startswith("| m_all |")]
    assert rows and all(len(r) < 140 for r in rows) and all("long sentence" not in r for r in rows)
    assert rows[0].startswith("| n_a | randomization | n | a |")  # each row names its endpoint
    listed = [line for line in md.splitlines() if line.startswith("- **n_a**")]
    assert len(listed) == 1 and "A long sentence of the source" in listed[0] and "(example_source.txt)" in listed[0]
    assert "tolerance: ±0.5 (exact count)" in listed[0]
    page = report.html.read_text(encoding="utf-8")
    table = page[page.index('<table class="targets">'):]
    table = table[:table.index("</table>")]
    for cell in re.findall(r"<td[^>]*>(.*?)</td>", table, flags=re.S):
        if "<details" in cell:
            continue
        assert len(re.sub(r"<[^>]+>", "", cell)) <= 40, cell
    folded = re.findall(r"<details[^>]*>.*?</details>", table, flags=re.S)
    assert any("A long sentence of the source" in d for d in folded)
    assert "A long sentence of the source" not in re.sub(r"<details[^>]*>.*?</details>", "", table, flags=re.S)


def test_synthetic_banner_renders_its_markdown(tmp_path, monkeypatch):
    report, _ = _build(tmp_path, monkeypatch)
    page = report.html.read_text(encoding="utf-8")
    banner = re.search(r'<p class="synthetic">(.*?)</p>', page).group(1)
    assert "<code>calibrate</code>" in banner and "`" not in banner


def test_figure_captions_come_from_the_exhibit_scripts(tmp_path, monkeypatch):
    from survrepro.report import exhibits

    analyses = tmp_path / "analyses" / "example_study"
    analyses.mkdir(parents=True)
    (analyses / "fig1.py").write_text('"""Fig 1."""\nCAPTIONS = {"fig1_synthetic": "Fig 1: the <only> curve"}\n',
                                      encoding="utf-8")
    monkeypatch.setattr(paths, "ANALYSES", tmp_path / "analyses")
    assert exhibits.captions(analyses) == {"fig1_synthetic": "Fig 1: the <only> curve"}
    report, _ = _build(tmp_path, monkeypatch)
    md = report.markdown.read_text(encoding="utf-8")
    assert "![Fig 1: the &lt;only&gt; curve](../figures/example_study/fig1_synthetic.png)" in md
    page = report.html.read_text(encoding="utf-8")
    assert re.search(r"<figcaption><strong>Fig 1: the &lt;only&gt; curve</strong> "
                     r'<span class="kind-synthetic">\(SYNTHETIC data\)</span> <span class="file">fig1_synthetic.png',
                     page)


def test_exhibit_table_must_be_a_literal_dictionary(tmp_path):
    from survrepro.errors import InputError
    from survrepro.report import exhibits

    (tmp_path / "fig.py").write_text("CAPTIONS = dict(a='b')\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"fig.py: CAPTIONS must be a literal dictionary"):
        exhibits.captions(tmp_path)
    (tmp_path / "fig.py").write_text("CAPTIONS = {'a': 'A'}\n", encoding="utf-8")
    (tmp_path / "other.py").write_text("CAPTIONS = {'a': 'again'}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"figure 'a' is captioned by another script"):
        exhibits.captions(tmp_path)
    assert exhibits.captions(tmp_path / "missing") == {}


# --------------------------------------------------------------------------- hostile register text
HTML_PAYLOAD = "<img src=x onerror=alert(1)>"
LINK_PAYLOAD = "[click](javascript:alert(1))"


def _hostile(tmp_path, monkeypatch):
    """A report of a register whose title, citation, quote, source, arm labels and note carry payloads."""
    import test_targets

    monkeypatch.setattr(test_targets, "STUDY", {
        **test_targets.STUDY,
        "title": f"Study {HTML_PAYLOAD} {LINK_PAYLOAD}",
        "citation": "Cit <script>alert(2)</script> ![i](data:text/html,x) [r]: javascript:alert(9)",
        "sources": ["example_source.txt", "@SUM(A1).txt"],
        "arms": [{"id": "a", "label": f"Arm {HTML_PAYLOAD}"}, {"id": "b", "label": "-2+3 [b](vbscript:x)"}],
    })
    quote = f'=HYPERLINK("http://evil.example","5") {HTML_PAYLOAD} [[x]](JaVaScRiPt:alert(3))'
    targets = [target("n_a", "n", 5, arm="a", endpoint="randomization", role="calibrate", quote=quote,
                      source="@SUM(A1).txt"), *TARGETS[1:], MISSING]
    analysis = ANALYSIS.replace('entry_column = "entry"',
                                f'entry_column = "entry"\nnote = "+1 {HTML_PAYLOAD} <!-- x --> [n](javascript:alert(4))"')
    monkeypatch.setattr(paths, "DATA", tmp_path / "data")
    folder = tmp_path / "data" / "example_study"
    folder.mkdir(parents=True)
    FRAME.to_csv(folder / "example_study_synthetic.csv", index=False)
    reg = register(tmp_path, targets, analysis)
    # an analysis section quoting an arm label, as the exhibit scripts do
    section = tmp_path / "sections" / "10_arms.md"
    section.parent.mkdir()
    section.write_text(f"## Arms\n\nArm {HTML_PAYLOAD} [a](javascript:alert(7)) against `x_y`.\n", encoding="utf-8")
    return build_report({"example_study": evaluate_register(reg)}, {"example_study": audit_register(reg)}, {},
                        tmp_path / "out", registers={"example_study": reg},
                        sections={"example_study": [section]}, extra_parts=())


def test_markdown_escapes_html_and_defuses_unsafe_links_from_register_text(tmp_path, monkeypatch):
    md = _hostile(tmp_path, monkeypatch).markdown.read_text(encoding="utf-8")
    # the only tags are the report's own anchors
    assert set(re.findall(r"<[^>]*>", md)) <= {"</a>"} | {f'<a id="{a}">' for a in re.findall(r'<a id="([\w-]+)">', md)}
    assert "<!--" not in md
    # no link or image or reference definition points at a script or data URL
    live = re.findall(r"(?<!\\)\]\(\s*([^)\s]*)|(?<!\\)\]:\s*(\S*)", md)
    assert all(re.match(r"(https?://|#|\.{0,2}/|[\w./-]*$)", a or b) for a, b in live), live
    # each payload is still there, as text
    assert "Study &lt;img src=x onerror=alert(1)&gt; [click\\](javascript:alert(1))" in md  # the title
    assert "Cit &lt;script&gt;alert(2)&lt;/script&gt; ![i\\](data:text/html,x)" in md  # the citation
    assert "[[x]\\](JaVaScRiPt:alert(3))" in md  # the quote
    assert "+1 &lt;img src=x onerror=alert(1)&gt; &lt;!-- x --&gt; [n\\](javascript:alert(4))" in md  # the note
    assert "Arm &lt;img src=x onerror=alert(1)&gt; [a\\](javascript:alert(7)) against `x_y`." in md  # a section


def test_html_escapes_the_same_register_text(tmp_path, monkeypatch):
    page = _hostile(tmp_path, monkeypatch).html.read_text(encoding="utf-8")
    assert "<img src=x" not in page and "<script" not in page and "<!--" not in page
    assert "Study &lt;img src=x onerror=alert(1)&gt;" in page and "Arm &lt;img src=x onerror=alert(1)&gt;" in page
    assert "javascript:" not in " ".join(re.findall(r'(?:href|src)="([^"]*)"', page))


def test_csv_prefixes_formula_cells_but_not_numbers(tmp_path, monkeypatch):
    import csv

    report = _hostile(tmp_path, monkeypatch)
    with report.csv.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    n_a = next(r for r in rows if r["id"] == "n_a")
    assert n_a["quote"].startswith("'=HYPERLINK(") and n_a["source"] == "'@SUM(A1).txt"
    m_a = next(r for r in rows if r["id"] == "m_a")
    assert m_a["difference"] == "-1.0" and float(m_a["difference"]) == -1.0  # a number is left as it is
    for row in rows:  # nothing a spreadsheet would evaluate, except numbers
        for value in row.values():
            if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                float(value)
    assert list(rows[0]) == list(pd.read_csv(report.csv).columns)  # the columns are unchanged


def test_csv_cell_rule():
    from survrepro.report.build import csv_cell

    for text in ("=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "-", "+0 months"):
        assert csv_cell(text) == "'" + text
    for value in ("-0.5", "+0.05", "-1e-3", ".5", -0.5, 3, None, "a=b", "", "'=already text"):
        assert csv_cell(value) == value


# --------------------------------------------------------------------------- notebook display
def test_analysis_result_html_shows_the_settings_its_text_shows():
    from survrepro import io as sio
    from survrepro.engine.analysis import analyze

    data = sio.read_csv(paths.DATA / "example" / "lung.csv")
    result = analyze(data, conf_type="log-log", landmarks=(180, 365), reference=str(sorted(set(data["arm"]))[-1]))
    text, page = result.to_text(), result._repr_html_()
    s = result.settings
    for shown in (s["conf_type"], s["median_rule"], s["ties"], s["reference"], s["at_risk"], "180, 365"):
        assert html.escape(str(shown)) in page, shown
    assert s["median_rule"] in text and f"{s['conf_type']} transform" in text
    assert "conf_level" in page and "0.95" in page
    # the landmark rows of the text are in the HTML too
    first = result.arms[0]["landmarks"][0]
    assert f"{first['survival']:.4f}"[:5] in page and str(first["n_at_risk"]) in page


# --------------------------------------------------------------------------- the fit of a reconstruction
def _digitized_only(tmp_path, monkeypatch):
    """The test register whose only data are SYNTHETIC digitized curves, under a temporary data folder."""
    import shutil

    registers = paths.TESTS / "data" / "registers"
    monkeypatch.setattr(paths, "DATA", tmp_path / "data")
    monkeypatch.setattr(paths, "FIGURES", tmp_path / "figures")
    shutil.copytree(registers / "digitized_only", tmp_path / "data" / "digitized_only")
    shutil.copy(registers / "digitized_only.toml", tmp_path / "digitized_only.toml")
    return tmp_path / "digitized_only.toml"


def test_a_study_reconstructed_from_synthetic_curves_says_so_in_its_banner(tmp_path, monkeypatch, capsys):
    reg_path = _digitized_only(tmp_path, monkeypatch)
    out = tmp_path / "report"
    assert cli.main(["reproduce", str(reg_path), "--out", str(out)]) == 0
    md = (out / "report.md").read_text(encoding="utf-8")
    assert ("**RECONSTRUCTED DATA: the reproduced numbers below come from patient-level data reconstructed from "
            "digitized Kaplan-Meier curves") in md
    assert "The digitized curves are themselves SYNTHETIC.**" in md
    assert "built to match the study's" not in md  # not the banner of data synthesized from summaries
    assert "RECONSTRUCTED DATA:" in (out / "report.html").read_text(encoding="utf-8")


def test_endpoint_rebuilt_from_curves_shows_its_fit_figure_and_table(tmp_path, monkeypatch, capsys):
    from survrepro.register.evaluate import load_study_data
    from survrepro.register.schema import load_register

    reg_path = _digitized_only(tmp_path, monkeypatch)
    out = tmp_path / "report"
    assert cli.main(["reproduce", str(reg_path), "--out", str(out)]) == 0
    figure = out / "reconstruction" / "digitized_only_os.png"
    assert figure.read_bytes()[:4] == b"\x89PNG"
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "  - [Reconstruction fit](#digitized_only-reconstruction)" in md
    part = md.split("### Reconstruction fit", 1)[1]
    # the numbers are those of the reconstruction the targets were evaluated on
    rec = load_study_data(load_register(reg_path)).endpoints["os"].reconstruction
    fit = {a["arm"]: a for a in rec.fidelity()["arms"]}
    drug = fit["drug"]
    assert (f"| drug | 120 | {drug['events_reconstructed']} | {drug['rmse']:.4f} | {drug['max_abs_error']:.4f} | "
            f"{drug['ks_distance']:.4f} | {drug['median']['digitized']:.2f} | {drug['median']['reconstructed']:.2f} |"
            ) in part
    assert "| 0 | 120 / 120 | 118 / 118 |" in part
    hr = rec.comparison["hazard_ratios"][0]
    assert f"HR placebo vs drug {hr['hr']:.3f}" in part and f"drug vs placebo {1 / hr['hr']:.3f}" in part
    assert f"log-rank p = {rec.comparison['logrank_p']:.3g}" in part
    assert "![Fit of the reconstruction of os" in part and "(reconstruction/digitized_only_os.png)" in part
    assert "(SYNTHETIC data), `digitized_only_os.png`" in part
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<h3 id="digitized_only-reconstruction">Reconstruction fit</h3>' in page
    assert '<figure id="digitized_only-figure-digitized_only_os"><img alt="Fit of the reconstruction of os' in page
    assert "data:image/png;base64," in page.split('id="digitized_only-reconstruction"', 1)[1]


def test_reconstruction_fit_is_deterministic(tmp_path, monkeypatch):
    reg_path = _digitized_only(tmp_path, monkeypatch)
    pages = []
    for name in ("one", "two"):
        assert cli.main(["reproduce", str(reg_path), "--out", str(tmp_path / name)]) == 0
        pages.append([(tmp_path / name / f).read_bytes()
                      for f in ("report.md", "report.html", "reconstruction/digitized_only_os.png")])
    assert pages[0] == pages[1]


def test_report_of_patient_level_data_has_no_reconstruction_fit(tmp_path, monkeypatch):
    report, _ = _build(tmp_path, monkeypatch)
    assert "Reconstruction fit" not in report.markdown.read_text(encoding="utf-8")
    assert not (report.markdown.parent / "reconstruction").exists()


def test_reconstruction_fit_fits_1280_pixels_in_chromium(tmp_path, monkeypatch):
    from test_report_render import CHROMIUM, layout

    if CHROMIUM is None:
        pytest.skip("headless Chromium is not on PATH")
    out = tmp_path / "report"
    assert cli.main(["reproduce", str(_digitized_only(tmp_path, monkeypatch)), "--out", str(out)]) == 0
    measured = layout(out / "report.html")
    assert measured["details"] >= 1  # the cleaning and notes of the fit, opened
    assert measured["scrollWidth"] <= measured["clientWidth"], measured
    assert measured["wide"] == [], measured["wide"][:10]
