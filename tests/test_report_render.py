"""The HTML report as a reviewer sees it: it fits a 1280-pixel window, folds long text, captions every figure.

The report is built in a temporary folder from the real registers (``data/published/``),
the committed figures and whatever analysis sections ``build/`` holds. One test lays the
page out in headless Chromium at 1280 px, with every ``<details>`` opened, and fails when
anything is wider than the window; it is skipped when Chromium is not installed. The
others check, everywhere, the structure that keeps the page within the window.
"""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from survrepro import cli, paths
from survrepro.report import exhibits

WIDTH = 1280
CHROMIUM = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(name)), None)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium (the Debian package `chromium`) is not on PATH, so the page "
                             "is not laid out; test_page_structure_keeps_it_within_the_window still checks it")

#: Run after the page loads: open every <details>, then write what overflows into the DOM for --dump-dom.
PROBE = """<script>
window.addEventListener('load', function () {
  document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  var root = document.documentElement, limit = root.clientWidth, wide = [];
  document.querySelectorAll('body *').forEach(function (el) {
    var box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > limit + 0.5) {
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' right=' + Math.round(box.right)
                + ' ' + (el.textContent || '').trim().slice(0, 60));
    }
  });
  var out = document.createElement('pre');
  out.id = 'layout-probe';
  out.textContent = JSON.stringify({scrollWidth: root.scrollWidth, clientWidth: limit,
                                    details: document.querySelectorAll('details[open]').length, wide: wide});
  document.body.appendChild(out);
});
</script>"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The full report of every register, built in a temporary folder."""
    out = tmp_path_factory.mktemp("report")
    assert cli.main(["reproduce", "--out", str(out)]) == 0
    return out / "report.html"


def layout(page: Path, width: int = WIDTH) -> dict:
    """Lay ``page`` out in headless Chromium at ``width`` px; what the probe measured."""
    probe = page.with_name(page.stem + "_probe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={width},2000",
             "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
            capture_output=True, text=True, timeout=180, check=False)
    found = re.search(r'<pre id="layout-probe">(.*?)</pre>', run.stdout, flags=re.S)
    assert found, f"Chromium gave no measurement (exit {run.returncode}): {run.stderr[-500:]}"
    return json.loads(html.unescape(found.group(1)))


def _hostile_long_text(tmp_path, monkeypatch) -> Path:
    """A report whose register has an unbroken 400-character quote, a long id and a long tolerance rule."""
    from test_report import _build
    from test_targets import target

    long_word = "x" * 400
    targets = [target("an_identifier_of_a_target_much_longer_than_any_real_one", "n", 5, arm="a",
                      endpoint="randomization", quote=f"{long_word} The number was 5. {long_word}"),
               target("m_all", "median", 5.5, decimals=1, role="calibrate", tolerance=0.2,
                      tolerance_reason="A reasoned tolerance with a long reason, " * 8)]
    report, _ = _build(tmp_path, monkeypatch, targets)
    return report.html


@needs_chromium
def test_full_report_fits_1280_pixels_in_chromium(report):
    measured = layout(report)
    assert measured["details"] > 50  # the folded quotes were opened, and fit too
    assert measured["scrollWidth"] <= measured["clientWidth"], measured
    assert measured["wide"] == [], measured["wide"][:10]


@needs_chromium
def test_long_unbroken_register_text_still_fits_in_chromium(tmp_path, monkeypatch):
    measured = layout(_hostile_long_text(tmp_path, monkeypatch))
    assert measured["scrollWidth"] <= measured["clientWidth"], measured
    assert measured["wide"] == [], measured["wide"][:10]


@needs_chromium
def test_the_probe_sees_an_overflow(tmp_path):
    page = tmp_path / "wide.html"
    page.write_text('<!DOCTYPE html><html><body><table><tr><td style="white-space:nowrap">'
                    + "wide " * 400 + "</td></tr></table></body></html>", encoding="utf-8")
    measured = layout(page)
    assert measured["scrollWidth"] > measured["clientWidth"] and measured["wide"]


# --------------------------------------------------------------------------- everywhere
def _css(page: str) -> str:
    return re.search(r"<style>(.*?)</style>", page, flags=re.S).group(1)


def _without_images(page: str) -> str:
    return re.sub(r'src="data:image/png;base64,[^"]*"', 'src=""', page)


def test_page_structure_keeps_it_within_the_window(report):
    page = report.read_text(encoding="utf-8")
    css = _css(page)
    width = int(re.search(r"body \{[^}]*max-width: (\d+)px", css).group(1))
    assert width <= WIDTH - 60  # room for the margins and a scroll bar
    assert re.search(r"table\.targets, table\.audit \{ table-layout: fixed; width: 100%; \}", css)
    assert re.search(r"table\.targets td, table\.audit td \{ overflow-wrap: anywhere; \}", css)
    assert re.search(r"figure img \{ max-width: 100%;", css)
    assert "white-space: pre-wrap" in css and "nowrap" not in css
    tables = re.findall(r'<table class="targets">(.*?)</table>', page, flags=re.S)
    assert len(tables) == len(list(paths.PUBLISHED.glob("*.toml")))
    for table in tables:
        widths = [int(w) for w in re.findall(r'<col style="width:(\d+)%">', table)]
        assert sum(widths) == 100 and len(widths) == len(re.findall(r"<th>", table))
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", table, flags=re.S):
            if not cell.startswith("<details"):
                assert len(html.unescape(re.sub(r"<[^>]+>", "", cell))) <= 40, cell


def test_every_source_quote_is_folded_into_details(report):
    from survrepro.register.schema import load_register

    page = report.read_text(encoding="utf-8")
    unfolded = re.sub(r"<details[^>]*>.*?</details>", "", page, flags=re.S)
    folded = " ".join(re.findall(r"<details[^>]*>.*?</details>", page, flags=re.S))
    quotes = [t.quote for path in sorted(paths.PUBLISHED.glob("*.toml")) for t in load_register(path).targets]
    assert quotes
    for quote in quotes:
        shown = html.escape(quote, quote=True)
        assert shown in folded and f"“{shown}”" not in unfolded


def test_no_raw_markdown_in_the_page(report):
    page = _without_images(report.read_text(encoding="utf-8"))
    text = re.sub(r"<(code|pre)>.*?</\1>", "", page, flags=re.S)
    assert "`" not in text and "**" not in text and "![" not in text
    assert not re.search(r"^#{1,6} ", text, flags=re.M)


def test_every_figure_has_its_caption_from_the_exhibit_table(report):
    page = report.read_text(encoding="utf-8")
    figures = sorted(paths.FIGURES.glob("*/*.png"))
    assert figures
    shown = re.findall(r'<figure id="[^"]+"><img alt="([^"]*)" src="data:image/png;base64,[^"]*">'
                       r"<figcaption><strong>([^<]*)</strong>.*?<span class=\"file\">([^<]*)</span>", page)
    captions = {file: caption for _, caption, file in shown}
    for figure in figures:
        declared = exhibits.captions(paths.ANALYSES / figure.parent.name)
        assert figure.stem in declared, f"{figure} has no caption in the CAPTIONS of analyses/{figure.parent.name}"
        assert captions[figure.name] == html.escape(declared[figure.stem], quote=True)
    assert len(set(captions.values())) == len(captions)  # no two figures share a caption
    assert all(alt == caption for alt, caption, _ in shown)


def test_synthetic_figures_are_labelled_in_their_captions(report):
    page = report.read_text(encoding="utf-8")
    for part, synthetic in (("extend_breast", True), ("levee2025", True), ("design", False)):
        for figure in sorted((paths.FIGURES / part).glob("*.png")):
            caption = re.search(rf'<figcaption>(.*?)<span class="file">{re.escape(figure.name)}</span>', page).group(1)
            assert ("(SYNTHETIC data)" in caption) == synthetic, (figure, caption)
