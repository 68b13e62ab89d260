"""Shared helpers of the design exhibits: design files, markdown tables, figure layout, output lines.

The exhibit scripts beside this file (``extend_events.py``, ``boss_power.py``,
``extend_op_power.py``) import it. Run them as scripts, for example
``python analyses/design/extend_events.py``.
"""
from __future__ import annotations

import argparse
import math
import os
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from survrepro import design as dz
from survrepro.errors import in_file
from survrepro.io import read_design, write_text
from survrepro.paths import BUILD, FIGURES
from survrepro.report.plotting import PALETTE, add_footnote

#: Where the design exhibits write their tables and report sections.
OUT_DIR = BUILD / "design"
#: Where the design exhibits write their figures.
FIGURE_DIR = FIGURES / "design"

_FONT = 10
_SMALL = 9
_FOOT = 8


# --------------------------------------------------------------------------- design files
def load_design(path) -> tuple[dict, dict, dict]:
    """Read a design file and the published-target registers it refers to.

    Returns ``(design, values, registers)``: the file as a dict, the value of every
    assumption (published numbers read from ``data/published/<study>.toml``) and the
    registers that were read, keyed by study.
    """
    doc, registers = read_design(path)
    with in_file(path):
        values = dz.resolve_design(doc, registers)
    return doc, values, registers


def assumed_names(design: Mapping) -> list[str]:
    """Names of the assumptions a design file marks ``assumed = true``."""
    return [k for k, v in design.get("assumptions", {}).items() if isinstance(v, Mapping) and v.get("assumed")]


def assumptions_frame(design: Mapping, values: Mapping, overrides: Mapping[str, tuple] | None = None) -> pd.DataFrame:
    """The design file's assumptions table with a column saying whether each is assumed by this toolkit.

    ``overrides`` maps an assumption to ``(value used, reason)`` when an exhibit uses
    another value than the file's; the value column shows the one used and the note says why.
    """
    overrides = dict(overrides or {})
    tab = dz.assumptions_table(design, values)
    assumed = set(assumed_names(design))
    tab.insert(2, "assumed_by_toolkit", [name in assumed for name in tab["assumption"]])
    for i, name in enumerate(tab["assumption"]):
        if name in overrides and overrides[name][0] != values.get(name):
            used, reason = overrides[name]
            tab.loc[i, "note"] = (f"This exhibit uses {_value_text(used)} ({reason}); the design file gives "
                                  f"{_value_text(values.get(name))}. " + tab.loc[i, "note"])
            tab.loc[i, "value"] = used
    tab["value"] = [_value_text(v) for v in tab["value"]]
    return tab


def _value_text(v) -> str:
    if isinstance(v, (list, tuple)):
        return ", ".join(_value_text(x) for x in v)
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


# --------------------------------------------------------------------------- markdown
def md_table(df: pd.DataFrame, formats: Mapping[str, Callable] | None = None) -> str:
    """A pipe table of ``df`` (columns as headers); ``formats`` maps a column to a formatter."""
    formats = dict(formats or {})

    def cell(col, v):
        if col in formats:
            return formats[col](v)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        if isinstance(v, (float, np.floating)):
            return f"{v:.4g}"
        return str(v).replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(str(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    rows = ["| " + " | ".join(cell(c, v) for c, v in zip(df.columns, r)) + " |" for r in df.itertuples(index=False)]
    return "\n".join([header, rule, *rows]) + "\n"


def assumptions_markdown(design: Mapping, values: Mapping, overrides: Mapping[str, tuple] | None = None) -> str:
    """The assumptions of a design file as a markdown table, each with its origin or note."""
    tab = assumptions_frame(design, values, overrides)
    tab["assumed_by_toolkit"] = tab["assumed_by_toolkit"].map({True: "yes", False: "no"})
    tab["origin"] = [o if not n else f"{o}: {n}" for o, n in zip(tab["origin"], tab["note"])]
    return md_table(tab[["assumption", "value", "assumed_by_toolkit", "origin"]])


def figure_link(figure: Path, out_dir: Path) -> str:
    """Path of ``figure`` relative to the report's folder (the parent of ``out_dir``), with forward slashes."""
    return Path(os.path.relpath(Path(figure).resolve(), Path(out_dir).resolve().parent)).as_posix()


# --------------------------------------------------------------------------- figures
def new_figure(ncols: int, width: float, height: float):
    """A figure drawn by Agg without pyplot, with ``ncols`` side-by-side Axes in publication style."""
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]
    fig.subplots_adjust(wspace=0.32)
    for ax in axes:
        style(ax)
    return fig, axes


def style(ax) -> None:
    """No top/right spines, outward ticks, modest fonts, the Okabe-Ito colour cycle."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=_SMALL, direction="out")
    ax.set_prop_cycle(color=list(PALETTE))


def finish_axes(ax, title: str | None = None, *, legend_loc: str = "best", below: float | None = None,
                ncol: int = 1, order: Sequence[str] | None = None) -> None:
    """Font sizes of labels and legend, and an optional left-aligned panel title.

    ``below`` puts the legend under the Axes instead, its top ``below`` Axes heights under
    the bottom spine (clear of the tick labels and the axis label when about 0.2).
    ``order`` lists legend labels in the order wanted (others follow).
    """
    ax.xaxis.label.set_fontsize(_FONT)
    ax.yaxis.label.set_fontsize(_FONT)
    if title:
        ax.set_title(title, fontsize=_FONT, loc="left")
    handles, labels = ax.get_legend_handles_labels()
    if order:
        rank = {lab: i for i, lab in enumerate(order)}
        pairs = sorted(zip(handles, labels), key=lambda hl: rank.get(hl[1], len(rank)))
        handles, labels = [h for h, _ in pairs], [lab for _, lab in pairs]
    if handles:
        if below is None:
            ax.legend(handles, labels, frameon=False, fontsize=_FOOT, loc=legend_loc, ncol=ncol)
        else:
            ax.legend(handles, labels, frameon=False, fontsize=_FOOT, loc="upper left", ncol=ncol,
                      bbox_to_anchor=(0.0, -below), borderaxespad=0.0)


def footnotes(fig, notes: Sequence[str], width_chars: int) -> None:
    """Footnotes under the figure, each wrapped to ``width_chars`` characters."""
    for note in notes:
        add_footnote(fig, textwrap.fill(note, width_chars), fontsize=_FOOT - 0.5)


# --------------------------------------------------------------------------- command line
def parser(description: str, *, design, stem: str) -> argparse.ArgumentParser:
    """Argument parser with the options every design exhibit takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--design", type=Path, default=design, help=f"design file (default {design})")
    p.add_argument("--out-dir", type=Path, default=OUT_DIR,
                   help=f"folder for tables; sections go to OUT_DIR/sections (default {OUT_DIR})")
    p.add_argument("--figure", type=Path, default=FIGURE_DIR / f"{stem}.png",
                   help=f"figure file (default {FIGURE_DIR / (stem + '.png')})")
    return p


def run(main_body: Callable[[argparse.Namespace], list[Path]], p: argparse.ArgumentParser, argv) -> int:
    """Parse ``argv``, run the exhibit (a bad input raises InputError), print one line per output; exit status 0."""
    args = p.parse_args(argv)
    outputs = main_body(args)
    for path in outputs:
        print(f"wrote {path}")
    return 0


def write_section(out_dir: Path, name: str, text: str) -> Path:
    """Write a report section to ``out_dir/sections/name``; the report includes sections in name order."""
    return write_text(Path(out_dir) / "sections" / name, text)
