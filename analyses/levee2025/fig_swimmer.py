"""Swimmer plot of time on the same systemic therapy after MDRT, one bar per patient, coloured by subtype.

Each bar runs from metastasis-directed radiation therapy (MDRT) to the end of the systemic
therapy the patient was on (next systemic therapy or death: filled diamond) or to the last
follow-up still on it (open arrow). Dotted lines mark the landmarks the register counts
patients at (6 and 12 months).

    python analyses/levee2025/fig_swimmer.py [--register TOML] [--ipd CSV] [--out PNG]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import _levee2025 as _common

from survrepro import io
from survrepro.report import exhibits
from survrepro.report.plotting import add_footnote, plot_swimmer

#: The figures this script draws and their captions in the report (the exhibit table).
CAPTIONS = {
    "swimmer": "Swimmer plot of time on the same systemic therapy after MDRT, by subtype",
}


def _label_landmarks(ax, texts, times) -> int:
    """Label each landmark line above the axes, moving a label up a row while it would overlap another.

    Returns the number of rows used.
    """
    renderer = ax.figure.canvas.get_renderer()
    placed, rows = [], 0
    for text, time in zip(texts, times):
        row = 0
        while True:
            label = ax.annotate(text, xy=(time, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 3 + 10 * row),
                                textcoords="offset points", ha="center", va="bottom", fontsize=8, color="0.3")
            box = label.get_window_extent(renderer).expanded(1.1, 1.0)
            if not any(box.overlaps(other) for other in placed):
                break
            label.remove()
            row += 1
        placed.append(box)
        rows = max(rows, row + 1)
    return rows


def draw(cohort: _common.Cohort):
    """The swimmer plot (returns its Axes)."""
    landmarks = cohort.landmarks()
    frame = cohort.endpoint(landmarks[0].endpoint).copy()
    frame["subtype"] = frame["arm"].map(cohort.labels)
    unit = cohort.time_unit
    ax = plot_swimmer(
        frame, time="time", event="event", group="subtype",
        event_label="Next systemic therapy or death", censor_label="On the same therapy at last follow-up",
        xlabel=f"{unit.capitalize()} on the same systemic therapy after MDRT",
    )
    for lm in landmarks:
        line = ax.axvline(lm.time, color="0.45", lw=0.8, ls=(0, (1, 2)), zorder=1)
        line.set_gid(f"landmark:{lm.time:g}")
    rows = _label_landmarks(ax, [f"{lm.time:g} {unit}" for lm in landmarks], [lm.time for lm in landmarks])
    # above the landmark labels, however many rows they take
    ax.set_title("Time on the same systemic therapy after MDRT", loc="left", fontsize=11, pad=6 + 10 * rows)
    for note in cohort.footnotes():
        add_footnote(ax, note)
    return ax


def main(argv=None) -> int:
    """Command line entry: write the outputs, return the exit status; a bad input raises InputError."""
    ap = argparse.ArgumentParser(prog="fig_swimmer.py", description=__doc__.splitlines()[0])
    _common.add_input_arguments(ap)
    ap.add_argument("--out", type=Path, default=_common.FIGURES / "swimmer.png")
    args = ap.parse_args(argv)
    cohort = _common.load(args)
    ax = draw(cohort)
    io.save_figure(ax.figure, args.out)
    print(f"wrote {args.out} ({cohort.source})")
    return 0


if __name__ == "__main__":
    raise SystemExit(exhibits.call(main))
