"""Publication-style survival figures: Kaplan–Meier with numbers at risk, swimmer plots and
proportions at landmarks.

Every function takes ``ax=None`` (a new figure is made when it is ``None``), draws with
matplotlib's object API only, returns the main Axes and never writes a file: save with
:func:`survrepro.io.save_figure`. The same inputs give the same image, byte for byte.

A figure made here uses no pyplot state, so it is not shown automatically in a notebook:
end the cell with ``ax.figure`` to display it.

Text placed below the axes (the numbers-at-risk table and footnotes) is positioned when
the figure is drawn, from the space the tick labels and axis label actually take, so it
never overlaps them. It lies outside the Axes, so save with ``bbox_inches="tight"`` (the
default of :func:`~survrepro.io.save_figure` and of notebook display) to keep it in the image.

The methods a figure draws are cited in the References of its function; the colours are
those of Okabe and Ito.

References
----------
Okabe M, Ito K. Color Universal Design (CUD): how to make figures and presentations that
are friendly to colorblind people. 2008. https://jfly.uni-koeln.de/color/
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.offsetbox import AnchoredText
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FormatStrFormatter, PercentFormatter
from matplotlib.transforms import Bbox, ScaledTranslation

from survrepro._validation import InputError, as_durations, check_choice
from survrepro.engine._results import resolve_renamed
from survrepro.engine.groups import group_labels, natural_order
from survrepro.engine.km import KaplanMeierResult

__all__ = [
    "PALETTE",
    "SYNTHETIC_NOTE",
    "Y_FORMATS",
    "add_footnote",
    "plot_km",
    "plot_proportions",
    "plot_swimmer",
]

#: Footnote for every figure drawn from synthetic patient-level data.
SYNTHETIC_NOTE = "Synthetic patient-level data calibrated to published summaries — not trial data."

#: Okabe–Ito colours, safe for the common forms of colour blindness (yellow last: faint on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")

#: Tick label styles for probabilities: ``"fraction"`` (0.0–1.0) or ``"percent"`` (0%–100%).
Y_FORMATS = ("fraction", "percent")

_FONT = 10          # axis labels, legend
_SMALL = 9          # tick labels, risk table, annotations
_FOOT = 8           # footnotes and "k/n" labels
_ROW = 13           # points between risk-table rows
_FOOTNOTE_GID = "footnote"


# --------------------------------------------------------------------------- helpers
def _new_axes(figsize) -> object:
    """Axes on a new figure drawn by Agg, without pyplot.

    The layout is fixed (no layout engine): an iterative engine can settle on slightly
    different positions from one draw to the next, and the saved bytes would then differ.
    Text outside the Axes is kept in the image by ``bbox_inches="tight"``.
    """
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig.add_subplot()


def _style(ax) -> None:
    """Publication style: no top/right spines, outward ticks, modest fonts."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=_SMALL, direction="out")


def _title(ax, title: str | None) -> None:
    """Panel title, left-aligned, when one is given."""
    if title:
        ax.set_title(title, loc="left", fontsize=_FONT + 1)


def _probability_axis(ax, y_format: str, ylabel: str, *, top: float = 1.02) -> None:
    """y from 0 to 1 with ticks every 0.2, labelled as fractions or percentages."""
    ax.set_ylim(0.0, top)
    ax.yaxis.set_major_locator(FixedLocator(np.linspace(0.0, 1.0, 6)))
    if y_format == "percent":
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    else:
        ax.yaxis.set_major_formatter(FormatStrFormatter("%.1f"))
    ax.set_ylabel(ylabel, fontsize=_FONT)


def _colors(labels: list[str], colors, what: str) -> dict[str, str]:
    """Colour per label from ``colors`` (None, mapping or sequence)."""
    if colors is None:
        return {lab: PALETTE[i % len(PALETTE)] for i, lab in enumerate(labels)}
    if isinstance(colors, Mapping):
        missing = [lab for lab in labels if lab not in colors]
        if missing:
            raise InputError(f"{what}: colors has no entry for {missing[0]!r}; expected one colour per label.")
        return {lab: colors[lab] for lab in labels}
    if isinstance(colors, Sequence) and not isinstance(colors, str):
        if len(colors) < len(labels):
            raise InputError(
                f"{what}: colors gives {len(colors)} colours for {len(labels)} labels; expected at least one each."
            )
        return dict(zip(labels, colors))
    raise InputError(f"{what}: colors must be a mapping label -> colour or a list of colours; got {colors!r}.")


def _xaxis_box(ax):
    """Callable for annotation coordinates: the box of the x axis (ticks, tick labels and label)."""

    def box(renderer):
        bb = ax.xaxis.get_tightbbox(renderer)
        return ax.bbox if bb is None else Bbox.union([bb, ax.bbox])

    return box


def _times(values, what: str) -> np.ndarray:
    """Finite, non-negative, strictly increasing times."""
    arr = np.asarray(values, dtype=object).ravel()
    try:
        arr = arr.astype(float)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be numbers; got {list(values)!r}.") from None
    if arr.size == 0:
        raise InputError(f"{what} is empty; expected at least one time.")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise InputError(f"{what} must be finite times >= 0; got {arr.tolist()!r}.")
    if np.any(np.diff(arr) <= 0):
        raise InputError(f"{what} must be strictly increasing; got {arr.tolist()!r}.")
    return arr


def _first(mask) -> int:
    """Position of the first true value of ``mask``."""
    return int(np.flatnonzero(mask)[0])


def _check_frame(df, name: str, columns: Sequence[str], row: str, where: str) -> None:
    """``df`` (called ``name`` in messages) is a DataFrame with ``columns`` and one row per ``row`` at least."""
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{where}: {name} must be a pandas DataFrame; got {type(df).__name__}.")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        have = ", ".join(map(str, df.columns)) or "none"
        raise InputError(
            f"{where}: missing column {missing[0]!r}; expected columns {', '.join(map(str, columns))} (found {have})."
        )
    if len(df) == 0:
        raise InputError(f"{where}: {name} has no rows; expected one row per {row}.")


def _legend_handles(patches, markers) -> list:
    """Legend entries: a colour patch per ``(colour, text)`` of ``patches``, then a marker per ``(style, text)``."""
    handles = [Patch(color=color, label=text) for color, text in patches]
    return handles + [Line2D([], [], **style, label=text) for style, text in markers]


# --------------------------------------------------------------------------- footnote
def _is_footnote(artist) -> bool:
    return artist.get_gid() == _FOOTNOTE_GID


def _footnotes(fig) -> list:
    return [t for a in fig.axes for t in a.texts if _is_footnote(t)]


def add_footnote(fig_or_ax, text: str, *, fontsize: float = _FOOT, color: str = "0.15"):
    """Put ``text`` under everything drawn in the figure, left-aligned with it.

    The position is worked out when the figure is drawn: below the lowest tick label,
    axis label, numbers-at-risk row or earlier footnote of every Axes of the figure, so
    nothing overlaps; ``bbox_inches="tight"`` keeps the footnote in the saved image.
    Further footnotes stack underneath.

    Parameters
    ----------
    fig_or_ax : matplotlib Figure or Axes
        The figure, or an Axes of it that will hold the text (the lowest Axes when a
        figure is given).
    text : str
        The footnote, for instance :data:`SYNTHETIC_NOTE`.
    fontsize : float
        Font size in points.
    color : str
        Text colour.

    Returns
    -------
    matplotlib.text.Annotation
        The footnote artist (its ``gid`` is ``"footnote"``).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> add_footnote(ax, SYNTHETIC_NOTE).get_text() == SYNTHETIC_NOTE
    True
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"footnote must be non-empty text; got {text!r}.")
    if isinstance(fig_or_ax, Figure):
        fig = fig_or_ax
        if not fig.axes:
            raise InputError("add_footnote: the figure has no Axes; draw something before adding a footnote.")
        host = min(fig.axes, key=lambda a: a.get_position().y0)
    elif hasattr(fig_or_ax, "figure") and hasattr(fig_or_ax, "annotate"):
        host = fig_or_ax
        fig = host.figure
    else:
        raise InputError(f"add_footnote needs a matplotlib Figure or Axes; got {type(fig_or_ax).__name__}.")
    earlier = _footnotes(fig)
    previous = earlier[-1] if earlier else None

    def anchor(renderer):
        if previous is not None:
            return previous.get_window_extent(renderer)
        boxes = []
        for a in fig.axes:
            if not a.get_visible():
                continue
            extra = [c for c in a.get_default_bbox_extra_artists() if not _is_footnote(c)]
            bb = a.get_tightbbox(renderer, bbox_extra_artists=extra)
            if bb is not None:
                boxes.append(bb)
        return Bbox.union(boxes) if boxes else fig.bbox

    note = host.annotate(
        text,
        xy=(0.0, 0.0),
        xycoords=anchor,
        xytext=(0.0, -2.0 if previous is not None else -8.0),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=fontsize,
        color=color,
        annotation_clip=False,
    )
    note.set_gid(_FOOTNOTE_GID)
    return note


# --------------------------------------------------------------------------- Kaplan–Meier
def plot_km(
    curves,
    *,
    ax=None,
    risk_times=None,
    censor_marks: bool = True,
    median_lines: bool = True,
    show_ci: bool = False,
    colors=None,
    xlabel: str = "Months",
    ylabel: str | None = None,
    y_format: str = "fraction",
    title: str | None = None,
    annotation: str | None = None,
    footnote: str | None = None,
    xmax: float | None = None,
    median_digits: int = 1,
    legend_loc: str = "upper right",
    annotation_loc: str = "legend",
    **deprecated,
):
    """Kaplan–Meier curves with censor marks, medians and a numbers-at-risk table.

    Parameters
    ----------
    curves : dict
        Label -> :class:`~survrepro.engine.km.KaplanMeierResult`, drawn in the dict's order
        (:func:`~survrepro.engine.km.km_by_group` returns labels in natural order).
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.
    risk_times : sequence of float, optional
        Times of the numbers-at-risk table (also the x ticks). Counts are
        ``res.n_at_risk(risk_times)``: patients with ``time >= t``, as R and published
        tables count them.
    censor_marks : bool
        Mark censoring times with "+" at the height of the curve.
    median_lines : bool
        Dashed lines from 50% to each median that is reached (none for "NR").
    show_ci : bool
        Shade the pointwise confidence band of each curve (its own ``conf_type`` and level).
    colors : mapping or sequence, optional
        Colour per curve; Okabe–Ito colours by default.
    xlabel, ylabel : str
        Axis labels; ``ylabel`` defaults to "Survival probability" (or "Survival (%)").
    y_format : {"fraction", "percent"}
        Tick labels of the y axis.
    title : str, optional
        Panel title, left-aligned.
    annotation : str, optional
        Text box on the plot, e.g. "HR 0.91 (95% CI 0.34–2.48); P = .86".
    footnote : str, optional
        Small text under the figure (pass :data:`SYNTHETIC_NOTE` for synthetic data).
    xmax : float, optional
        Right end of the x axis; by default the last risk time or follow-up time.
    median_digits : int
        Decimals of the medians in the legend.
    legend_loc : str
        Matplotlib location code of the legend.
    annotation_loc : str
        ``"legend"`` (default) puts the annotation box beside the legend: under it, or above
        it when ``legend_loc`` is a lower corner, aligned with its outer edge; a matplotlib
        location code ("lower left", ...) anchors it to the axes instead. Curves that stay
        high want ``legend_loc="lower left"``.
    **deprecated
        ``ci=``, the name of the previous release for ``show_ci`` (a :class:`DeprecationWarning`).

    Returns
    -------
    matplotlib Axes
        Curves carry ``gid`` ``"km:<label>"``, censor marks ``"censor:<label>"``, median
        lines ``"median:<label>"``, bands ``"ci:<label>"`` and at-risk counts
        ``"at-risk:<label>"`` so that scripts and tests can find them.

    References
    ----------
    Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
    J Am Stat Assoc 1958;53:457-481.
    Pocock SJ, Clayton TC, Altman DG. Survival plots of time-to-event outcomes in clinical
    trials: good practice and pitfalls. Lancet 2002;359:1686-1689.

    Examples
    --------
    >>> from survrepro.engine.km import km_by_group
    >>> curves = km_by_group([3, 5, 8, 12, 4, 9, 14, 20], [1, 1, 0, 1, 1, 0, 1, 0], list("AAAABBBB"))
    >>> ax = plot_km(curves, risk_times=[0, 6, 12, 18])
    >>> ax.get_legend().get_texts()[0].get_text()
    'A (n=4): median 8.5'
    """
    if deprecated:
        show_ci = resolve_renamed("plot_km", deprecated, {"ci": "show_ci"}, {"show_ci": show_ci}, {"show_ci": False})[
            "show_ci"
        ]
    labels, results = _check_curves(curves)
    check_choice("y_format", y_format, Y_FORMATS)
    palette = _colors(labels, colors, "plot_km")
    times = None if risk_times is None else _times(risk_times, "plot_km: risk_times")
    right = _time_axis_end(results, times, xmax)
    if ylabel is None:
        ylabel = "Survival (%)" if y_format == "percent" else "Survival probability"

    if ax is None:
        ax = _new_axes((6.4, 4.6))
    _style(ax)
    for label, res in zip(labels, results):
        color = palette[label]
        _km_curve(ax, label, res, color, median_digits)
        if show_ci:
            _km_band(ax, label, res, color)
        if censor_marks:
            _censor_marks(ax, label, res, color)
        if median_lines and res.median is not None:
            _median_line(ax, label, res.median, color)
    _time_axis(ax, right, times, xlabel)
    _probability_axis(ax, y_format, ylabel)
    _title(ax, title)
    ax.legend(loc=legend_loc, frameon=False, fontsize=_SMALL, handlelength=1.8)
    if annotation:
        _annotate(ax, annotation, annotation_loc, str(legend_loc))
    if times is not None:
        _risk_table(ax, labels, results, times, palette)
    if footnote:
        add_footnote(ax, footnote)
    return ax


def _check_curves(curves) -> tuple[list[str], list[KaplanMeierResult]]:
    """The labels and results of ``curves``, a non-empty dict label -> KaplanMeierResult."""
    if not isinstance(curves, Mapping):
        raise InputError(
            f"plot_km: curves must be a dict mapping each label to a KaplanMeierResult; got {type(curves).__name__}."
        )
    if len(curves) == 0:
        raise InputError("plot_km: curves is empty; expected a dict mapping each label to a KaplanMeierResult.")
    for key, res in curves.items():
        if not isinstance(res, KaplanMeierResult):
            raise InputError(
                f"plot_km: curve {key!r} is a {type(res).__name__}; expected a KaplanMeierResult "
                "(from survrepro.engine.km.kaplan_meier)."
            )
    return [str(k) for k in curves], list(curves.values())


def _time_axis_end(results, times, xmax) -> float:
    """Right end of the time axis: ``xmax``, else the last risk time, else the last time of any curve.

    It is 1 when every time is 0; a risk time beyond it is an error.
    """
    last = max(float(r.time[-1]) for r in results)
    right = float(xmax) if xmax is not None else (float(times[-1]) if times is not None else last)
    if xmax is not None and (not np.isfinite(right) or right <= 0):
        raise InputError(f"plot_km: xmax must be a time > 0; got {xmax!r}.")
    right = right if right > 0 else 1.0  # every time is 0
    if times is not None and times[-1] > right:
        raise InputError(f"plot_km: risk time {times[-1]:g} lies beyond xmax = {right:g}; expected risk_times <= xmax.")
    return right


def _steps(res: KaplanMeierResult) -> tuple[np.ndarray, np.ndarray]:
    """The step points of a survival curve: (0, 1), then each time of ``res`` with its survival."""
    return np.concatenate(([0.0], res.time)), np.concatenate(([1.0], res.survival))


def _km_curve(ax, label: str, res: KaplanMeierResult, color, median_digits: int) -> None:
    """The survival step function from (0, 1), labelled with its size and median for the legend."""
    x, y = _steps(res)
    median = res.median
    shown = "NR" if median is None else f"{median:.{median_digits}f}"
    (line,) = ax.step(x, y, where="post", color=color, lw=1.6, label=f"{label} (n={res.n}): median {shown}", zorder=3)
    line.set_gid(f"km:{label}")


def _km_band(ax, label: str, res: KaplanMeierResult, color) -> None:
    """The pointwise confidence band, shaded under the curve; where S = 1 it is the point itself."""
    x, y = _steps(res)
    lo = np.concatenate(([1.0], res.survival_low))
    hi = np.concatenate(([1.0], res.survival_high))
    at_one = y == 1.0  # log-log band is undefined where S = 1; the band is the point itself
    lo, hi = np.where(at_one & np.isnan(lo), 1.0, lo), np.where(at_one & np.isnan(hi), 1.0, hi)
    band = ax.fill_between(x, lo, hi, step="post", color=color, alpha=0.15, lw=0, zorder=1)
    band.set_gid(f"ci:{label}")


def _censor_marks(ax, label: str, res: KaplanMeierResult, color) -> None:
    """A "+" at the height of the curve at each time with a censored patient."""
    ct = res.time[res.n_censor > 0]
    (marks,) = ax.plot(ct, res.survival_at(ct), ls="none", marker="+", ms=7, mew=1.2, color=color, zorder=4)
    marks.set_gid(f"censor:{label}")


def _median_line(ax, label: str, median: float, color) -> None:
    """Dashed line from 50% across to the curve at the median and down to the time axis."""
    (line,) = ax.plot([0.0, median, median], [0.5, 0.5, 0.0], ls=(0, (4, 3)), lw=0.9, color=color, zorder=2)
    line.set_gid(f"median:{label}")


def _time_axis(ax, right: float, times, xlabel: str) -> None:
    """x from 0 to ``right``, with a tick at each risk time when they are given."""
    ax.set_xlim(0.0, right)
    if times is not None:
        ax.xaxis.set_major_locator(FixedLocator(times))
        ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.set_xlabel(xlabel, fontsize=_FONT)


def _annotate(ax, text: str, loc: str, legend_loc: str) -> None:
    """A framed text box next to the legend (``loc="legend"``) or at a matplotlib location code.

    Next to the legend means under it, or above it when the legend is in a lower corner,
    aligned with its left or right edge as the legend sits on the left or the right.
    """
    frame = dict(boxstyle="round,pad=0.4", facecolor="white", edgecolor="0.75")
    if loc == "legend":
        legend = ax.get_legend()
        left, lower = "left" in legend_loc, "lower" in legend_loc
        box = ax.annotate(
            text, xy=(0.0 if left else 1.0, 1.0 if lower else 0.0),
            xycoords=lambda r: legend.get_window_extent(r),
            xytext=(4.0 if left else -4.0, 6.0 if lower else -6.0), textcoords="offset points",
            ha="left" if left else "right", va="bottom" if lower else "top", fontsize=_SMALL, bbox=frame,
            annotation_clip=False, zorder=5,
        )
    else:
        box = AnchoredText(text, loc=loc, prop={"fontsize": _SMALL}, frameon=True, borderpad=0.6)
        box.patch.set(**frame)
        ax.add_artist(box)
    box.set_gid("annotation")


def _risk_table(ax, labels, results, times, palette) -> None:
    """Numbers at risk under the x axis, one coloured row per curve, aligned with the ticks."""
    below = _xaxis_box(ax)
    common = dict(textcoords="offset points", va="top", fontsize=_SMALL, annotation_clip=False)
    head = ax.annotate(
        "No. at risk", xy=(0.0, 0.0), xycoords=("axes fraction", below), xytext=(-14.0, -6.0),
        ha="right", fontweight="bold", **common,
    )
    head.set_gid("at-risk-title")
    for row, (label, res) in enumerate(zip(labels, results), start=1):
        dy = -6.0 - _ROW * row
        name = ax.annotate(
            label, xy=(0.0, 0.0), xycoords=("axes fraction", below), xytext=(-14.0, dy),
            ha="right", color=palette[label], **common,
        )
        name.set_gid(f"at-risk-label:{label}")
        for t, n in zip(times, res.n_at_risk(times)):
            txt = ax.annotate(
                str(int(n)), xy=(t, 0.0), xycoords=("data", below), xytext=(0.0, dy),
                ha="center", color=palette[label], **common,
            )
            txt.set_gid(f"at-risk:{label}")


# --------------------------------------------------------------------------- swimmer
def plot_swimmer(
    df,
    *,
    time: str,
    event: str,
    group: str | None = None,
    patient: str | None = None,
    event_label: str = "Progression or death",
    censor_label: str = "Censored",
    ax=None,
    colors=None,
    footnote: str | None = None,
    xlabel: str = "Months",
    title: str | None = None,
):
    """One horizontal bar per patient, longest first within each group.

    Parameters
    ----------
    df : DataFrame
        One row per patient.
    time, event : str
        Columns with the time of each bar and 1 when it ended with an event
        (0 = censored, still ongoing when last seen).
    group : str, optional
        Column whose labels split and colour the bars (natural order, first group on top).
    patient : str, optional
        Column with patient identifiers, shown as y tick labels.
    event_label, censor_label : str
        Legend text of the event marker (filled diamond at the end of the bar) and of the
        ongoing marker (open arrow head just past the end).
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.
    colors : mapping or sequence, optional
        Colour per group; Okabe–Ito colours by default.
    footnote : str, optional
        Small text under the figure.
    xlabel, title : str
        Axis label and panel title.

    Returns
    -------
    matplotlib Axes
        Bars carry ``gid`` ``"swimmer-bar"``, markers ``"swimmer-event"`` and
        ``"swimmer-censored"``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"months": [3.0, 8.5, 12.0, 5.0], "pd": [1, 0, 1, 0], "arm": list("AABB")})
    >>> ax = plot_swimmer(df, time="months", event="pd", group="arm")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['A (n=2)', 'B (n=2)', 'Progression or death', 'Censored']
    """
    where = "plot_swimmer"
    _check_frame(df, "df", [c for c in (time, event, group, patient) if c is not None], "patient", where)
    t, e = as_durations(df[time].to_numpy(), df[event].to_numpy(), where=f"{where} (columns {time!r}, {event!r})")
    g = _group_column(df, group, where)
    groups = natural_order(g)
    palette = _colors(groups, colors, where) if group is not None else {"": (colors or [PALETTE[0]])[0]}
    ids = None if patient is None else np.array([str(v) for v in df[patient]])
    rows = _SwimmerRows.of(t, g, groups)

    if ax is None:
        ax = _new_axes((6.4, min(max(3.0, 1.4 + 0.14 * (rows.y[-1] + 1)), 14.0)))
    _style(ax)
    span = float(t.max()) if t.max() > 0 else 1.0
    _swimmer_bars(ax, rows.y, t[rows.order], [palette[lab] for lab in g[rows.order]])
    _swimmer_marks(ax, rows.y, t[rows.order], e[rows.order] == 1, span)
    ax.set_ylim(rows.y[-1] + 1.0, -1.0)  # first row on top
    ax.set_xlim(0.0, span * 1.05)
    ax.spines["left"].set_visible(False)
    _patient_axis(ax, rows, None if ids is None else ids[rows.order], groups if group is not None else None)
    ax.set_xlabel(xlabel, fontsize=_FONT)
    _title(ax, title)
    patches = [(palette[lab], f"{lab} (n={int((g == lab).sum())})") for lab in groups] if group is not None else []
    handles = _legend_handles(patches, [(_EVENT_MARK, event_label), (_ONGOING_MARK, censor_label)])
    ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=_SMALL)
    if footnote:
        add_footnote(ax, footnote)
    return ax


#: Marker at the end of a bar that ended with an event, and just past the end of one still ongoing.
_EVENT_MARK = MappingProxyType(dict(ls="none", marker="D", ms=4.5, color="black"))
_ONGOING_MARK = MappingProxyType(
    dict(ls="none", marker=">", ms=5, markerfacecolor="white", markeredgecolor="black", mew=0.9)
)


def _group_column(df, group: str | None, where: str) -> np.ndarray:
    """The group label of each row (all ``""`` without a group column); an empty cell is an error."""
    if group is None:
        return np.array([""] * len(df))
    if df[group].isna().any():
        i = _first(df[group].isna().to_numpy())
        raise InputError(f"{where}: row {i + 1}, column {group!r} is empty; expected a group label.")
    return group_labels(df[group], name=group)


@dataclass(frozen=True)
class _SwimmerRows:
    """Where each bar of a swimmer plot goes, from the top.

    ``order`` lists the patients (row positions of the data) top to bottom, ``y`` their row
    coordinates, and ``centers`` the middle row of each group: groups in natural order,
    longest bar first within each, one blank row between groups.
    """

    order: np.ndarray
    y: np.ndarray
    centers: dict[str, float]

    @classmethod
    def of(cls, t: np.ndarray, g: np.ndarray, groups: list[str]) -> _SwimmerRows:
        order, rows, centers, y = [], [], {}, 0.0
        for lab in groups:
            idx = np.flatnonzero(g == lab)
            idx = idx[np.lexsort((idx, -t[idx]))]  # time descending, row order breaks ties
            ys = y + np.arange(idx.size)
            order.append(idx)
            rows.append(ys)
            centers[lab] = float(ys.mean())
            y = ys[-1] + 2.0
        return cls(np.concatenate(order), np.concatenate(rows), centers)


def _swimmer_bars(ax, y: np.ndarray, t: np.ndarray, colors: list) -> None:
    """One bar per patient from 0 to its time, in its group's colour."""
    bars = ax.barh(y, t, height=0.72, left=0.0, color=colors, edgecolor="none", zorder=2)
    for rect in bars.patches:
        rect.set_gid("swimmer-bar")


def _swimmer_marks(ax, y: np.ndarray, t: np.ndarray, ended: np.ndarray, span: float) -> None:
    """The event marker at the end of each bar that ended with an event, the ongoing one past the others."""
    (ev_marks,) = ax.plot(t[ended], y[ended], **_EVENT_MARK, zorder=3)
    ev_marks.set_gid("swimmer-event")
    (cens_marks,) = ax.plot(t[~ended] + 0.012 * span, y[~ended], **_ONGOING_MARK, zorder=3)
    cens_marks.set_gid("swimmer-censored")


def _patient_axis(ax, rows: _SwimmerRows, ids, groups: list[str] | None) -> None:
    """y tick labels: a patient's identifier on each row, else each group's name at its middle, else none."""
    if ids is not None:
        ax.set_yticks(rows.y, ids, fontsize=_FOOT - 1)
        ax.tick_params(axis="y", length=0)
    elif groups is not None:
        ax.set_yticks([rows.centers[lab] for lab in groups], groups, fontsize=_FONT)
        ax.tick_params(axis="y", length=0)
    else:
        ax.set_yticks([])
    ax.set_ylabel("Patients" if groups is None or ids is not None else "", fontsize=_FONT)


# --------------------------------------------------------------------------- proportions
_PROPORTION_COLUMNS = ("group", "landmark", "numerator", "denominator", "proportion", "low", "high")
_KM_COLUMNS = ("km", "km_low", "km_high")


def plot_proportions(
    table,
    *,
    ax=None,
    colors=None,
    y_format: str = "percent",
    ylabel: str = "Remaining on the same therapy",
    landmark_label: str = "{:g} months",
    proportion_label: str = "Proportion of evaluable patients (95% CI)",
    km_label: str = "Kaplan–Meier estimate (95% CI)",
    title: str | None = None,
    footnote: str | None = None,
):
    """Proportions at landmarks, overall and by subgroup, as dots with confidence whiskers.

    Groups run along the x axis in the table's order, one coloured slot per landmark
    within each; each proportion is a filled circle with its interval and the count
    "k/n" above it. When the table has Kaplan–Meier columns the KM estimate at the same
    landmark is drawn just right of it as an open square with a dashed interval.

    Parameters
    ----------
    table : DataFrame
        Tidy, one row per group and landmark, with columns ``group``, ``landmark``,
        ``numerator``, ``denominator``, ``proportion``, ``low``, ``high`` and optionally
        ``km``, ``km_low``, ``km_high`` (missing values there are skipped).
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.
    colors : mapping or sequence, optional
        Colour per landmark (keys are the landmark values); Okabe–Ito colours by default.
    y_format : {"percent", "fraction"}
        Tick labels of the y axis.
    ylabel : str
        y axis label.
    landmark_label : str
        Format of a landmark in the legend.
    proportion_label, km_label : str
        Legend text of the two markers; name the interval method the table used.
    title, footnote : str, optional
        Panel title and small text under the figure.

    Returns
    -------
    matplotlib Axes
        Points carry ``gid`` ``"proportion"`` and ``"km"``, the "k/n" texts ``"count"``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({
    ...     "group": ["Overall", "Overall", "HER2+"], "landmark": [6, 12, 6],
    ...     "numerator": [28, 18, 5], "denominator": [47, 38, 9],
    ...     "proportion": [28 / 47, 18 / 38, 5 / 9], "low": [0.44, 0.31, 0.21], "high": [0.73, 0.64, 0.86],
    ... })
    >>> ax = plot_proportions(table)
    >>> [t.get_text() for t in ax.texts]
    ['28/47', '18/38', '5/9']
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['Overall', 'HER2+']
    """
    where = "plot_proportions"
    _check_frame(table, "table", _PROPORTION_COLUMNS, "group and landmark", where)
    has_km = _has_km_columns(table, where)
    check_choice("y_format", y_format, Y_FORMATS)
    tab = table.reset_index(drop=True)
    num = _proportion_values(tab, has_km, where)
    names = [str(v) for v in tab["group"]]
    groups, landmarks = _groups_and_landmarks(names, num["landmark"], where)
    palette = _colors(landmarks, colors, where)

    if ax is None:
        ax = _new_axes((max(4.8, 1.0 + 0.95 * len(groups) * len(landmarks) ** 0.5), 4.0))
    _style(ax)
    slots = _Slots.of(groups, landmarks, has_km)
    for i, (name, lm) in enumerate(zip(names, num["landmark"])):
        x, color = slots.center(name, lm), palette[lm]
        top = _proportion_point(ax, x - slots.shift, num["proportion"][i], num["low"][i], num["high"][i], color)
        if has_km and np.isfinite(num["km"][i]):
            km_top = _km_point(ax, x + slots.shift, num["km"][i], num["km_low"][i], num["km_high"][i], color)
            top = top if km_top is None else max(top, km_top)
        _count_label(ax, x, top, num["numerator"][i], num["denominator"][i])
    _group_axis(ax, groups)
    _probability_axis(ax, y_format, ylabel, top=1.12)
    ax.yaxis.grid(True, color="0.92", lw=0.8, zorder=0)
    ax.set_axisbelow(True)
    _title(ax, title)
    markers = [(_proportion_mark("0.3"), proportion_label)] + ([(_km_mark("0.3"), km_label)] if has_km else [])
    handles = _legend_handles([(palette[lm], landmark_label.format(lm)) for lm in landmarks], markers)
    _legend_below_groups(ax, handles, groups)
    if footnote:
        add_footnote(ax, footnote)
    return ax


def _has_km_columns(table, where: str) -> bool:
    """Whether ``table`` has the Kaplan–Meier columns: all of them or none."""
    present = [c for c in _KM_COLUMNS if c in table.columns]
    if present and len(present) < len(_KM_COLUMNS):
        absent = next(c for c in _KM_COLUMNS if c not in table.columns)
        raise InputError(f"{where}: column {absent!r} is missing; expected all of km, km_low, km_high or none.")
    return bool(present)


def _proportion_values(tab, has_km: bool, where: str) -> dict[str, np.ndarray]:
    """The numeric columns as floats: numbers (KM ones may be missing), proportions in [0, 1], counts k/n."""
    km = _KM_COLUMNS if has_km else ()
    num = {}
    for col in _PROPORTION_COLUMNS[1:] + km:
        vals = pd.to_numeric(tab[col], errors="coerce")
        if col not in _KM_COLUMNS and vals.isna().any():
            i = _first(vals.isna().to_numpy())
            raise InputError(f"{where}: row {i + 1}, column {col!r} is {tab[col].iloc[i]!r}; expected a number.")
        num[col] = vals.to_numpy(dtype=float)
    for col in ("proportion", "low", "high") + km:
        v = num[col]
        bad = np.isfinite(v) & ((v < 0) | (v > 1))
        if bad.any():
            i = _first(bad)
            raise InputError(f"{where}: row {i + 1}, column {col!r} is {v[i]:g}; expected a proportion in [0, 1].")
    k, n = num["numerator"], num["denominator"]
    bad = (k < 0) | (n <= 0) | (k > n) | (k != np.round(k)) | (n != np.round(n))
    if bad.any():
        i = _first(bad)
        raise InputError(
            f"{where}: row {i + 1} has numerator {k[i]:g} and denominator {n[i]:g}; "
            "expected whole numbers with 0 <= numerator <= denominator and denominator > 0."
        )
    return num


def _groups_and_landmarks(names: list[str], landmark: np.ndarray, where: str) -> tuple[list[str], list[float]]:
    """Groups in table order and landmarks ascending; each pair of them on one row at most."""
    key = list(zip(names, landmark))
    if len(set(key)) != len(key):
        dup = next(x for x in key if key.count(x) > 1)
        raise InputError(f"{where}: group {dup[0]!r} at landmark {dup[1]:g} appears twice; expected one row each.")
    return list(dict.fromkeys(names)), sorted(set(landmark.tolist()))


@dataclass(frozen=True)
class _Slots:
    """x positions of a proportions plot.

    Group ``i`` is centred at ``i`` and split into one slot of ``width`` per landmark; with
    Kaplan–Meier estimates the proportion sits ``shift`` left of the slot's centre and the
    estimate ``shift`` right of it.
    """

    groups: list[str]
    landmarks: list[float]
    width: float
    shift: float

    @classmethod
    def of(cls, groups: list[str], landmarks: list[float], has_km: bool) -> _Slots:
        width = 0.8 / len(landmarks)
        return cls(groups, landmarks, width, min(0.09, width * 0.25) if has_km else 0.0)

    def center(self, group: str, landmark: float) -> float:
        """Centre of the slot of ``landmark`` within ``group``."""
        return float(self.groups.index(group)) - 0.4 + self.width * (self.landmarks.index(landmark) + 0.5)


def _proportion_mark(color) -> dict:
    """Style of a proportion: a filled circle."""
    return dict(ls="none", marker="o", ms=6.5, color=color)


def _km_mark(color) -> dict:
    """Style of a Kaplan–Meier estimate: an open square."""
    return dict(ls="none", marker="s", ms=5.5, markerfacecolor="white", markeredgecolor=color, mew=1.4)


def _proportion_point(ax, x: float, p: float, low: float, high: float, color) -> float:
    """A proportion with its interval as a solid whisker; returns the top of the whisker."""
    ax.plot([x, x], [low, high], color=color, lw=1.4, solid_capstyle="butt", zorder=2)
    (point,) = ax.plot([x], [p], **_proportion_mark(color), zorder=3)
    point.set_gid("proportion")
    return high


def _km_point(ax, x: float, km: float, low: float, high: float, color) -> float | None:
    """A Kaplan–Meier estimate with its interval, when known, as a dashed whisker; returns its top (None without)."""
    top = None
    if np.isfinite(low) and np.isfinite(high):
        ax.plot([x, x], [low, high], color=color, lw=1.1, ls=(0, (2, 1.5)), zorder=2)
        top = high
    (point,) = ax.plot([x], [km], **_km_mark(color), zorder=3)
    point.set_gid("km")
    return top


def _count_label(ax, x: float, top: float, k: float, n: float) -> None:
    """The count "k/n" centred just above ``top``."""
    label = ax.annotate(
        f"{int(k)}/{int(n)}", xy=(x, top), xytext=(0.0, 3.0), textcoords="offset points",
        ha="center", va="bottom", fontsize=_FOOT, color="0.2",
    )
    label.set_gid("count")


def _group_axis(ax, groups: list[str]) -> None:
    """x axis of a proportions plot: one tick-less label per group, at the group's centre."""
    ax.set_xlim(-0.6, len(groups) - 0.4)
    ax.set_xticks([float(i) for i in range(len(groups))], groups, fontsize=_FONT)
    ax.tick_params(axis="x", length=0)


def _legend_below_groups(ax, handles: list, groups: list[str]) -> None:
    """The legend in two columns under the group names, a fixed offset in points from the lines they take."""
    lines = max(lab.count("\n") + 1 for lab in groups)
    below = ScaledTranslation(0.0, -(8.0 + 1.35 * _FONT * lines) / 72.0, ax.figure.dpi_scale_trans)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=ax.transAxes + below,
              ncol=2, frameon=False, fontsize=_SMALL, columnspacing=1.5)


# --------------------------------------------------------------------------- reconstruction fit
def plot_reconstruction(
    result,
    *,
    ax=None,
    colors=None,
    xlabel: str = "Months",
    ylabel: str = "Survival probability",
    title: str | None = None,
    residuals: bool = True,
    summary: bool = True,
    footnote: str | None = None,
):
    """The fit of a reconstruction: digitized clicks over the reconstructed Kaplan–Meier curves.

    For every arm the cleaned digitized clicks (open circles) are drawn over the
    Kaplan–Meier step curve of the reconstructed patients (solid line), in the arm's
    colour. Under the axes, the numbers at risk at the table times, published and
    reconstructed, one row each per arm (a dash where a number is not published: no
    risk table). Between the two, a small panel of the residuals (reconstructed minus
    digitized survival at each click). Under the table, per arm, the RMSE at the clicks,
    the largest distance between the step curves and both medians, and the hazard ratio
    between the arms.

    Parameters
    ----------
    result : Reconstruction or ArmReconstruction
        From :func:`survrepro.sources.reconstruct.reconstruct` (or ``reconstruct_arm``).
    ax : matplotlib Axes, optional
        Where to draw the curves; a new figure is made when omitted. The residual panel
        is drawn in an Axes attached under it.
    colors : mapping or sequence, optional
        Colour per arm (Okabe–Ito by default).
    xlabel, ylabel : str
        Axis labels.
    title : str, optional
        Panel title.
    residuals : bool
        Draw the residual panel.
    summary : bool
        Write the fit measures under the table.
    footnote : str, optional
        Text under the figure.

    Returns
    -------
    matplotlib Axes
        The Axes of the curves (``ax.figure`` is the figure).

    References
    ----------
    Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival data:
    reconstructing the data from published Kaplan-Meier survival curves. BMC Med Res
    Methodol 2012;12:9 (the fit checks: the reconstructed curve against the digitized one,
    and the numbers at risk).

    Examples
    --------
    >>> from survrepro.sources.reconstruct import reconstruct_arm
    >>> arm = reconstruct_arm([0, 2, 2, 5, 5, 8], [1, 1, 0.9, 0.9, 0.7, 0.7], [0, 4], [10, 9], label="A")
    >>> ax = plot_reconstruction(arm)
    >>> [line.get_gid() for line in ax.lines][:2]
    ['clicks:A', 'reconstructed:A']
    """
    arms = _reconstruction_arms(result)
    labels = [("" if lab is None else str(lab)) for lab in arms]
    palette = _colors(labels, colors, "plot_reconstruction")
    if ax is None:
        ax = _new_axes((6.4, 4.2))
    _style(ax)
    end = 0.0
    for label, arm in zip(labels, arms.values()):
        color = palette[label]
        name = label or "curve"
        (clicks,) = ax.plot(arm.curve.time, arm.curve.survival, ls="none", marker="o", ms=3.2, mfc="none",
                            mew=0.8, color=color, alpha=0.8, zorder=3)
        clicks.set_gid(f"clicks:{label}")
        x = np.concatenate(([0.0], arm.time[arm.event == 1]))
        y = _km_levels(arm, x)
        t_end = max(float(arm.time.max()) if arm.n else 0.0, float(arm.curve.time[-1]))
        x, y = np.append(x, t_end), np.append(y, y[-1])
        (line,) = ax.step(x, y, where="post", color=color, lw=1.5, zorder=2,
                          label=f"{name} reconstructed (n={arm.n})")
        line.set_gid(f"reconstructed:{label}")
        end = max(end, t_end)
    handles = [Line2D([], [], ls="none", marker="o", mfc="none", color="0.3", ms=4, label="digitized clicks")]
    handles += [Line2D([], [], color=palette[lab], lw=1.5, label=f"{lab or 'curve'} reconstructed (n={a.n})")
                for lab, a in zip(labels, arms.values())]
    ax.legend(handles=handles, loc="upper right", frameon=False, fontsize=_SMALL)
    first = next(iter(arms.values()))
    times = first.at_risk_time if first.at_risk_time.size > 1 else None
    _time_axis(ax, end * 1.02 if end > 0 else 1.0, times, xlabel)
    _probability_axis(ax, "fraction", ylabel, top=1.04)
    _title(ax, title)
    bottom = ax
    if residuals:
        bottom = _residual_panel(ax, arms, labels, palette, xlabel)
    _reconstruction_table(bottom, arms, labels, palette)
    if summary:
        add_footnote(ax, _fit_text(result, arms, labels)).set_fontfamily("monospace")
    if footnote:
        add_footnote(ax, footnote)
    return ax


def _reconstruction_arms(result) -> dict:
    """The arms of a Reconstruction, or ``{label: arm}`` for an ArmReconstruction."""
    arms = getattr(result, "arms", None)
    if isinstance(arms, dict) and arms:
        return arms
    if hasattr(result, "curve") and hasattr(result, "at_risk_time"):
        return {result.label: result}
    raise InputError(
        f"plot_reconstruction needs a Reconstruction or ArmReconstruction; got {type(result).__name__}."
    )


def _km_levels(arm, at) -> np.ndarray:
    """Kaplan–Meier survival of the reconstructed patients at ``at`` (right-continuous)."""
    from survrepro.engine.km import km_survival_at

    return km_survival_at(arm.time, arm.event, np.asarray(at, dtype=float))


def _fit_text(result, arms: dict, labels: list[str]) -> str:
    """The fit box: per arm RMSE, the largest step-curve distance and the two medians; the HR."""
    def med(x):
        return "NR" if x is None else f"{x:.3g}"

    width = max(len(lab or "curve") for lab in labels)
    rows = [f"{'':{width}}  RMSE    max|dS|  median dig./rec."]
    for lab, arm in zip(labels, arms.values()):
        rows.append(f"{lab or 'curve':{width}}  {arm.rmse:.4f}  {arm.ks_distance:.4f}   "
                    f"{med(arm.median_digitized)} / {med(arm.median_reconstructed)}")
    comp = getattr(result, "comparison", None) or {}
    for h in comp.get("hazard_ratios", []):
        if h.get("hr") is not None:
            rows.append(f"HR {h['arm']} vs {h['reference']} {h['hr']:.2f} ({h['ci_low']:.2f}-{h['ci_high']:.2f})")
    return "\n".join(rows)


def _residual_panel(ax, arms: dict, labels: list[str], palette: dict, xlabel: str):
    """Reconstructed minus digitized survival at every click, in an Axes under ``ax``."""
    res_ax = ax.inset_axes([0.0, -0.36, 1.0, 0.22], sharex=ax)
    _style(res_ax)
    ax.tick_params(labelbottom=False)
    ax.set_xlabel("")
    largest = 0.0
    for label, arm in zip(labels, arms.values()):
        err = _km_levels(arm, arm.curve.time) - arm.curve.survival
        largest = max(largest, float(np.max(np.abs(err))) if err.size else 0.0)
        (pts,) = res_ax.plot(arm.curve.time, err, ls="none", marker="o", ms=2.4, color=palette[label], alpha=0.8)
        pts.set_gid(f"residuals:{label}")
    res_ax.axhline(0.0, color="0.5", lw=0.8, zorder=0)
    lim = max(0.01, 1.15 * largest)
    res_ax.set_ylim(-lim, lim)
    res_ax.yaxis.set_major_locator(FixedLocator([-lim * 0.8, 0.0, lim * 0.8]))
    res_ax.yaxis.set_major_formatter(FormatStrFormatter("%.2f"))
    res_ax.set_ylabel("rec. − dig.", fontsize=_SMALL)
    res_ax.set_xlabel(xlabel, fontsize=_FONT)
    return res_ax


def _reconstruction_table(ax, arms: dict, labels: list[str], palette: dict) -> None:
    """Published and reconstructed numbers at risk under the x axis of ``ax``, two rows per arm."""
    below = _xaxis_box(ax)
    common = dict(textcoords="offset points", va="top", fontsize=_SMALL, annotation_clip=False)
    head = ax.annotate("No. at risk", xy=(0.0, 0.0), xycoords=("axes fraction", below), xytext=(-14.0, -6.0),
                       ha="right", fontweight="bold", **common)
    head.set_gid("at-risk-title")
    row = 0
    for label, arm in zip(labels, arms.values()):
        name = label or "curve"
        published = [str(int(x)) for x in arm.at_risk_published] if arm.at_risk_given else ["–"] * arm.at_risk_time.size
        recon = [str(int(x)) for x in arm.at_risk_reconstructed]
        for kind, values in (("published", published), ("reconstructed", recon)):
            row += 1
            dy = -6.0 - _ROW * row
            txt = ax.annotate(f"{name} {kind}", xy=(0.0, 0.0), xycoords=("axes fraction", below),
                              xytext=(-14.0, dy), ha="right", color=palette[label], **common)
            txt.set_gid(f"at-risk-label:{label}:{kind}")
            for t, v in zip(arm.at_risk_time, values):
                cell = ax.annotate(v, xy=(float(t), 0.0), xycoords=("data", below), xytext=(0.0, dy),
                                   ha="center", color=palette[label], **common)
                cell.set_gid(f"at-risk:{label}:{kind}")
__all__ += ["plot_reconstruction"]

# --------------------------------------------------------------------------- parametric extrapolation
__all__ += ["plot_extrapolation", "plot_extrapolated_hazards"]

#: Line style of each parametric model in the extrapolation plots (splines after them).
_MODEL_STYLES = (
    (0, (1, 1.2)), (0, (5, 2)), (0, (5, 1.5, 1, 1.5)), (0, (11, 2.5)), (0, (5, 1.2, 1, 1.2, 1, 1.2)), "-",
    (0, (2, 2)), (0, (3, 1, 1, 1, 1, 1, 1, 1)), (0, (12, 2, 2, 2)),
)


def _extrapolation_parts(result, arms, dists, what: str):
    """The arms and models of ``result`` to draw (all by default), checked."""
    levels = list(result.levels)
    arms = levels if arms is None else [str(a) for a in arms]
    for a in arms:
        if a not in levels:
            raise InputError(f"{what}: arm {a!r} is not in the result; expected some of {levels}.")
    models = list(result.distributions) if dists is None else list(dists)
    for d in models:
        if d not in result.distributions:
            raise InputError(f"{what}: model {d!r} is not in the result; expected some of {list(result.distributions)}.")
    styles = {d: _MODEL_STYLES[list(result.distributions).index(d) % len(_MODEL_STYLES)] for d in models}
    return arms, models, styles


def _nice_times(right: float) -> np.ndarray:
    """Tick times from 0 to ``right``: five to nine round steps."""
    from matplotlib.ticker import MaxNLocator

    ticks = MaxNLocator(nbins=8, steps=[1, 2, 2.5, 3, 5, 6, 10]).tick_values(0.0, right)
    return ticks[(ticks >= 0) & (ticks <= right * (1 + 1e-9))]


def _model_legend(ax, arms, palette, models, styles, result, first: str, names=None) -> None:
    """Legend: a colour patch per arm (its first word ``first``), then a line per model."""
    names = names or {}
    handles = [Patch(facecolor=palette[a], edgecolor="none", label=f"{first} {names.get(a, a)}") for a in arms]
    labels = {f.distribution: f.label for f in result.fits}
    handles += [Line2D([], [], color="0.2", lw=0.8 if styles[d] == "-" else 1.2, ls=styles[d], label=labels[d])
                for d in models]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=_SMALL,
              handlelength=3.2)


def plot_extrapolation(
    result,
    *,
    ax=None,
    arms=None,
    dists=None,
    risk_times=None,
    colors=None,
    xlabel: str = "Months",
    ylabel: str = "Survival probability",
    title: str | None = None,
    footnote: str | None = None,
    xmax: float | None = None,
    arm_labels=None,
):
    """Fitted parametric survival curves over the Kaplan–Meier curves, with numbers at risk.

    Each arm has one colour: its Kaplan–Meier curve (solid, with censor marks) and its
    fitted models (one line style per model) drawn from 0 to the horizon of ``result``;
    a dotted vertical line marks the end of each arm's follow-up, beyond which the curves
    are extrapolations. Models that were not fitted are left out.

    Parameters
    ----------
    result : ExtrapolationResult
        What :func:`survrepro.engine.extrapolate.extrapolate` returned.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.
    arms, dists : sequence of str, optional
        The arms and models to draw (all by default).
    risk_times : sequence of float, optional
        Times of the numbers-at-risk table and the x ticks; round steps up to the horizon by
        default.
    colors : mapping or sequence, optional
        Colour per arm; Okabe–Ito colours by default.
    xlabel, ylabel, title : str
        Axis labels and a panel title.
    footnote : str, optional
        Small text under the figure (pass :data:`SYNTHETIC_NOTE` for synthetic data).
    xmax : float, optional
        Right end of the time axis; the horizon by default.
    arm_labels : mapping, optional
        Arm -> the name shown in the legend and the risk table (the arm itself by default).

    Returns
    -------
    matplotlib Axes
        Kaplan–Meier curves carry ``gid`` ``"km:<arm>"``, fitted curves
        ``"fit:<arm>:<model>"`` and follow-up lines ``"followup:<arm>"``.

    References
    ----------
    Latimer N. NICE DSU Technical Support Document 14: Survival analysis for economic
    evaluations alongside clinical trials - extrapolation with patient-level data. 2013.

    Examples
    --------
    >>> from survrepro.engine.extrapolate import extrapolate
    >>> res = extrapolate([3, 5, 8, 12, 4, 9, 14, 20], [1, 1, 0, 1, 1, 0, 1, 1], list("AAAABBBB"),
    ...                   dists="exponential,weibull", horizon=40)
    >>> ax = plot_extrapolation(res)
    >>> sorted(l.get_gid() for l in ax.lines if str(l.get_gid()).startswith("fit:"))[:2]
    ['fit:A:exponential', 'fit:A:weibull']
    """
    arms, models, styles = _extrapolation_parts(result, arms, dists, "plot_extrapolation")
    palette = _colors(arms, colors, "plot_extrapolation")
    right = float(result.horizon if xmax is None else xmax)
    if not (np.isfinite(right) and right > 0):
        raise InputError(f"plot_extrapolation: xmax must be a time > 0; got {xmax!r}.")
    times = _nice_times(right) if risk_times is None else _times(risk_times, "plot_extrapolation: risk_times")
    if ax is None:
        ax = _new_axes((7.2, 4.8))
    _style(ax)
    grid = np.linspace(0.0, right, 400)
    for arm in arms:
        color = palette[arm]
        km = result.km[arm]
        x, y = _steps(km)
        (line,) = ax.step(x, y, where="post", color=color, lw=2.0, alpha=0.9, zorder=3)
        line.set_gid(f"km:{arm}")
        _censor_marks(ax, arm, km, color)
        end = float(km.time[-1])
        (fu,) = ax.plot([end, end], [0.0, 1.0], color=color, lw=0.8, ls=":", zorder=1)
        fu.set_gid(f"followup:{arm}")
        for d in models:
            fit = result.fit(arm, d)
            if not fit.fitted:
                continue
            lw = 0.8 if styles[d] == "-" else 1.2
            (curve,) = ax.plot(grid, fit.survival(grid), color=color, lw=lw, ls=styles[d], zorder=2)
            curve.set_gid(f"fit:{arm}:{d}")
    _time_axis(ax, right, times, xlabel)
    _probability_axis(ax, "fraction", ylabel)
    _title(ax, title)
    names = {a: str(dict(arm_labels or {}).get(a, a)) for a in arms}
    _model_legend(ax, arms, palette, models, styles, result, "KM", names)
    if times is not None:
        shown = [names[a] for a in arms]
        _risk_table(ax, shown, [result.km[a] for a in arms], times, {names[a]: palette[a] for a in arms})
    if footnote:
        add_footnote(ax, footnote)
    return ax


def plot_extrapolated_hazards(
    result,
    *,
    ax=None,
    arms=None,
    dists=None,
    colors=None,
    xlabel: str = "Months",
    ylabel: str = "Hazard (events per patient per unit time)",
    title: str | None = None,
    footnote: str | None = None,
    xmax: float | None = None,
):
    """The hazard functions of the fitted parametric models, per arm, up to the horizon.

    The shape of the hazard is what a model assumes beyond follow-up (constant, monotone,
    rising then falling); TSD 14 asks that it be judged plausible. Each arm has one colour,
    each model one line style; a dotted vertical line marks the end of each arm's follow-up.

    Parameters
    ----------
    result : ExtrapolationResult
        What :func:`survrepro.engine.extrapolate.extrapolate` returned.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.
    arms, dists : sequence of str, optional
        The arms and models to draw (all by default).
    colors : mapping or sequence, optional
        Colour per arm; Okabe–Ito colours by default.
    xlabel, ylabel, title : str
        Axis labels and a panel title.
    footnote : str, optional
        Small text under the figure.
    xmax : float, optional
        Right end of the time axis; the horizon by default.

    Returns
    -------
    matplotlib Axes
        Hazard curves carry ``gid`` ``"hazard:<arm>:<model>"``.

    References
    ----------
    Latimer N. NICE DSU Technical Support Document 14: Survival analysis for economic
    evaluations alongside clinical trials - extrapolation with patient-level data. 2013.

    Examples
    --------
    >>> from survrepro.engine.extrapolate import extrapolate
    >>> res = extrapolate([3, 5, 8, 12, 4, 9, 14, 20], [1, 1, 0, 1, 1, 0, 1, 1], dists="weibull", horizon=40)
    >>> ax = plot_extrapolated_hazards(res)
    >>> [l.get_gid() for l in ax.lines if str(l.get_gid()).startswith("hazard:")]
    ['hazard:all:weibull']
    """
    arms, models, styles = _extrapolation_parts(result, arms, dists, "plot_extrapolated_hazards")
    palette = _colors(arms, colors, "plot_extrapolated_hazards")
    right = float(result.horizon if xmax is None else xmax)
    if not (np.isfinite(right) and right > 0):
        raise InputError(f"plot_extrapolated_hazards: xmax must be a time > 0; got {xmax!r}.")
    if ax is None:
        ax = _new_axes((7.2, 4.2))
    _style(ax)
    grid = np.linspace(right / 400, right, 400)
    top = 0.0
    for arm in arms:
        color = palette[arm]
        end = float(result.km[arm].time[-1])
        ax.axvline(end, color=color, lw=0.8, ls=":", zorder=1).set_gid(f"followup:{arm}")
        for d in models:
            fit = result.fit(arm, d)
            if not fit.fitted:
                continue
            h = fit.hazard(grid)
            lw = 0.8 if styles[d] == "-" else 1.3
            (curve,) = ax.plot(grid, h, color=color, lw=lw, ls=styles[d], zorder=2)
            curve.set_gid(f"hazard:{arm}:{d}")
            inside = h[grid <= max(end, grid[0])]
            if inside.size and np.isfinite(inside).any():
                top = max(top, float(np.nanmax(inside)))
    ax.set_xlim(0.0, right)
    ax.set_ylim(0.0, 1.6 * top if top > 0 else 1.0)  # the hazards within follow-up set the scale
    ax.set_xlabel(xlabel, fontsize=_FONT)
    ax.set_ylabel(ylabel, fontsize=_FONT)
    _title(ax, title)
    _model_legend(ax, arms, palette, models, styles, result, "arm")
    if footnote:
        add_footnote(ax, footnote)
    return ax
