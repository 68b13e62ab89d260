"""Structural tests of the figures: what is drawn, not how the pixels look.

The expected values come from :mod:`survrepro.engine.km` (itself validated against R's survival
package in tests/validation), so these tests check that the figures show those numbers.
"""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from survrepro import InputError  # noqa: E402
from survrepro.io import save_figure  # noqa: E402
from survrepro.engine.km import kaplan_meier, km_by_group  # noqa: E402
from survrepro.report import plotting  # noqa: E402
from survrepro.report.plotting import (  # noqa: E402
    PALETTE,
    SYNTHETIC_NOTE,
    add_footnote,
    plot_km,
    plot_proportions,
    plot_swimmer,
)

RISK_TIMES = [0, 6, 12, 18, 24, 30]


@pytest.fixture
def data():
    rng = np.random.default_rng(20240501)
    n = 40
    t = rng.exponential(12.0, n).round(1)
    c = rng.uniform(3.0, 30.0, n).round(1)
    return pd.DataFrame(
        {
            "time": np.minimum(t, c),
            "event": (t <= c).astype(int),
            "arm": np.repeat(["MDT", "SOC"], n // 2),
            "id": [f"P{i:02d}" for i in range(n)],
        }
    )


@pytest.fixture
def curves(data):
    return km_by_group(data["time"], data["event"], data["arm"])


def by_gid(ax, gid):
    return [a for a in ax.findobj() if a.get_gid() == gid]


def one(ax, gid):
    found = by_gid(ax, gid)
    assert len(found) == 1, f"{len(found)} artists with gid {gid!r}"
    return found[0]


def texts(fig):
    return [t.get_text() for t in fig.findobj(Text)]


def draw(fig):
    canvas = FigureCanvasAgg(fig) if not isinstance(fig.canvas, FigureCanvasAgg) else fig.canvas
    canvas.draw()
    return canvas.get_renderer()


# --------------------------------------------------------------------------- Kaplan–Meier
def test_km_steps_equal_km_survival(curves):
    ax = plot_km(curves)
    for label, res in curves.items():
        line = one(ax, f"km:{label}")
        x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        assert line.get_drawstyle() == "steps-post"
        assert (x[0], y[0]) == (0.0, 1.0)
        np.testing.assert_array_equal(x[1:], res.time)
        np.testing.assert_array_equal(y[1:], res.survival)
        # the drawn post-step function, evaluated at each event time, is the KM survival there
        event_times = res.time[res.n_event > 0]
        drawn = y[np.searchsorted(x, event_times, side="right") - 1]
        np.testing.assert_array_equal(drawn, res.survival_at(event_times))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 1)), min_size=1, max_size=25
    )
)
def test_km_steps_property(rows):
    t, e = np.array(rows, dtype=float).T
    res = kaplan_meier(t, e)
    ax = plot_km({"x": res}, censor_marks=True)
    line = one(ax, "km:x")
    x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    # the drawn post-step function at every drawn time equals KM's right-continuous value
    np.testing.assert_array_equal(y[1:], res.survival_at(x[1:]))
    assert np.all(np.diff(y) <= 0) and y.min() >= 0 and y[0] == 1.0
    marks = one(ax, "censor:x")
    ct = res.time[res.n_censor > 0]
    np.testing.assert_array_equal(marks.get_xdata(), ct)
    np.testing.assert_array_equal(marks.get_ydata(), res.survival_at(ct))


def test_km_censor_marks_at_curve_height(curves):
    ax = plot_km(curves)
    for label, res in curves.items():
        marks = one(ax, f"censor:{label}")
        ct = res.time[res.n_censor > 0]
        assert ct.size > 0
        np.testing.assert_array_equal(marks.get_xdata(), ct)
        np.testing.assert_array_equal(marks.get_ydata(), res.survival_at(ct))
        assert marks.get_marker() == "+"
    assert not by_gid(plot_km(curves, censor_marks=False), "censor:MDT")


def test_km_risk_table_counts_and_colours(curves):
    ax = plot_km(curves, risk_times=RISK_TIMES)
    assert one(ax, "at-risk-title").get_text() == "No. at risk"
    for label, res in curves.items():
        cells = by_gid(ax, f"at-risk:{label}")
        assert [c.get_text() for c in cells] == [str(n) for n in res.n_at_risk(RISK_TIMES)]
        assert [c.xy[0] for c in cells] == RISK_TIMES
        line_color = one(ax, f"km:{label}").get_color()
        assert all(c.get_color() == line_color for c in cells)
        assert one(ax, f"at-risk-label:{label}").get_text() == label
    np.testing.assert_array_equal(ax.get_xticks(), RISK_TIMES)


def test_km_risk_table_below_axis_and_inside_tight_bbox(curves):
    ax = plot_km(curves, risk_times=RISK_TIMES, xlabel="Months since randomization", footnote=SYNTHETIC_NOTE)
    fig = ax.figure
    renderer = draw(fig)
    axis_bottom = ax.xaxis.get_tightbbox(renderer).y0
    tight = fig.get_tightbbox(renderer)  # inches, what bbox_inches="tight" saves
    rows = {}
    for label in curves:
        for cell in by_gid(ax, f"at-risk:{label}"):
            bb = cell.get_window_extent(renderer)
            assert bb.y1 <= axis_bottom + 0.5  # under the tick labels and the axis label
            inch = bb.transformed(fig.dpi_scale_trans.inverted())
            assert tight.x0 <= inch.x0 and inch.x1 <= tight.x1 and tight.y0 <= inch.y0
            rows.setdefault(label, set()).add(round(bb.y0, 3))
    (y_mdt,), (y_soc,) = rows["MDT"], rows["SOC"]  # one row each, SOC below MDT
    assert y_soc < y_mdt
    note = next(t for t in fig.findobj(Text) if t.get_text() == SYNTHETIC_NOTE)
    nb = note.get_window_extent(renderer)
    assert nb.y1 <= min(c.get_window_extent(renderer).y0 for c in by_gid(ax, "at-risk:SOC")) + 0.5
    inch = nb.transformed(fig.dpi_scale_trans.inverted())
    assert tight.y0 <= inch.y0 and tight.x0 <= inch.x0 and inch.x1 <= tight.x1


def test_km_median_lines_only_when_reached():
    reached = kaplan_meier([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 0])
    not_reached = kaplan_meier([1, 2, 3, 4, 5, 6], [1, 0, 0, 0, 0, 0])
    assert reached.median is not None and not_reached.median is None
    ax = plot_km({"A": reached, "B": not_reached})
    line = one(ax, "median:A")
    np.testing.assert_array_equal(line.get_xdata(), [0.0, reached.median, reached.median])
    np.testing.assert_array_equal(line.get_ydata(), [0.5, 0.5, 0.0])
    assert not by_gid(ax, "median:B")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f"A (n=6): median {reached.median:.1f}", "B (n=6): median NR"]
    assert not by_gid(plot_km({"A": reached}, median_lines=False), "median:A")


def test_km_legend_matches_spec_format(curves):
    ax = plot_km(curves, median_digits=2)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f"{k} (n={r.n}): median {r.median:.2f}" for k, r in curves.items()]


def test_km_ci_band_annotation_title_and_percent(curves):
    ax = plot_km(curves, show_ci=True, annotation="HR 0.91 (95% CI 0.34–2.48); P = .86", title="A", y_format="percent")
    assert by_gid(ax, "ci:MDT") and by_gid(ax, "ci:SOC")
    assert "HR 0.91 (95% CI 0.34–2.48); P = .86" in texts(ax.figure)
    assert ax.get_title(loc="left") == "A"
    draw(ax.figure)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "0%" and labels[-1] == "100%"
    assert ax.get_ylim()[0] == 0.0 and ax.get_ylim()[1] >= 1.0
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
    ax2 = plot_km(curves, annotation="note", annotation_loc="lower left")
    assert "note" in texts(ax2.figure)


def test_km_default_colours_are_palette(curves):
    ax = plot_km(curves)
    assert [one(ax, f"km:{k}").get_color() for k in curves] == list(PALETTE[:2])
    ax = plot_km(curves, colors={"MDT": "black", "SOC": "gray"})
    assert one(ax, "km:SOC").get_color() == "gray"


def test_km_footnote_present(curves):
    ax = plot_km(curves, footnote=SYNTHETIC_NOTE)
    assert SYNTHETIC_NOTE in texts(ax.figure)
    assert SYNTHETIC_NOTE not in texts(plot_km(curves).figure)


def test_km_accepts_existing_ax(curves):
    fig = Figure(figsize=(8, 4))
    ax_left, ax_right = fig.subplots(1, 2)
    assert plot_km(curves, ax=ax_right, risk_times=RISK_TIMES) is ax_right
    assert not ax_left.lines and ax_right.figure is fig and len(fig.axes) == 2


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda c: plot_km({}), "curves is empty"),
        (lambda c: plot_km([c["MDT"]]), "must be a dict"),
        (lambda c: plot_km({"MDT": [1, 2, 3]}), "curve 'MDT' is a list"),
        (lambda c: plot_km(c, risk_times=[0, 12, 6]), "strictly increasing"),
        (lambda c: plot_km(c, risk_times=[-1, 6]), "finite times >= 0"),
        (lambda c: plot_km(c, risk_times=[0, 12], xmax=6), "beyond xmax"),
        (lambda c: plot_km(c, colors={"MDT": "k"}), "no entry for 'SOC'"),
        (lambda c: plot_km(c, y_format="percentage"), "y_format must be one of"),
    ],
)
def test_km_bad_inputs(curves, call, words):
    with pytest.raises(InputError, match=words) as err:
        call(curves)
    msg = str(err.value)
    assert msg.endswith(".") and msg.count(". ") == 0 and "\n" not in msg


# --------------------------------------------------------------------------- swimmer
def test_swimmer_one_bar_per_patient(data):
    ax = plot_swimmer(data, time="time", event="event", group="arm", footnote=SYNTHETIC_NOTE)
    bars = by_gid(ax, "swimmer-bar")
    assert len(bars) == len(data)
    # within each group, bars run from the longest (top) to the shortest, groups in order
    widths = np.array([b.get_width() for b in bars])
    ys = np.array([b.get_y() + b.get_height() / 2 for b in bars])
    order = np.argsort(ys)
    expected = np.concatenate(
        [np.sort(data.loc[data["arm"] == g, "time"].to_numpy())[::-1] for g in ("MDT", "SOC")]
    )
    np.testing.assert_array_equal(widths[order], expected)
    ylo, yhi = ax.get_ylim()
    assert ylo > yhi  # inverted: first group on top
    colours = {tuple(b.get_facecolor()) for b in bars[:20]}
    assert len(colours) == 1  # one colour per group
    n_events = int(data["event"].sum())
    assert len(one(ax, "swimmer-event").get_xdata()) == n_events
    assert len(one(ax, "swimmer-censored").get_xdata()) == len(data) - n_events
    assert SYNTHETIC_NOTE in texts(ax.figure)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["MDT (n=20)", "SOC (n=20)", "Progression or death", "Censored"]


def test_swimmer_event_markers_at_bar_ends(data):
    ax = plot_swimmer(data, time="time", event="event")
    ev = one(ax, "swimmer-event")
    assert sorted(ev.get_xdata()) == sorted(data.loc[data["event"] == 1, "time"])
    cens = one(ax, "swimmer-censored")
    assert np.all(np.sort(cens.get_xdata()) > np.sort(data.loc[data["event"] == 0, "time"]))


def test_swimmer_patient_labels_and_existing_ax(data):
    ax = Figure().add_subplot()
    assert plot_swimmer(data, time="time", event="event", group="arm", patient="id", ax=ax) is ax
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(labels) == sorted(data["id"]) and len(by_gid(ax, "swimmer-bar")) == len(data)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(time="months", event="event"), "missing column 'months'"),
        (dict(time="time", event="event", group="subtype"), "missing column 'subtype'"),
    ],
)
def test_swimmer_missing_column(data, kwargs, words):
    with pytest.raises(InputError, match=words) as err:
        plot_swimmer(data, **kwargs)
    assert "found time, event, arm, id" in str(err.value)


def test_swimmer_bad_values(data):
    bad = data.assign(event=data["event"].astype(object))
    bad.loc[3, "event"] = 2
    with pytest.raises(InputError, match="event at position 4 is 2"):
        plot_swimmer(bad, time="time", event="event")
    with pytest.raises(InputError, match="no rows"):
        plot_swimmer(data.iloc[:0], time="time", event="event")
    with pytest.raises(InputError, match="must be a pandas DataFrame"):
        plot_swimmer(data.to_dict(), time="time", event="event")


# --------------------------------------------------------------------------- proportions
@pytest.fixture
def table():
    # Counts in the shape of a landmark analysis; intervals here are simple stand-ins.
    k = np.array([28, 22, 5, 1, 18])
    n = np.array([47, 34, 9, 4, 38])
    p = k / n
    return pd.DataFrame(
        {
            "group": ["Overall", "HR+/HER2-", "HER2+", "TNBC", "Overall"],
            "landmark": [6, 6, 6, 6, 12],
            "numerator": k,
            "denominator": n,
            "proportion": p,
            "low": p * 0.7,
            "high": np.minimum(p * 1.3, 1.0),
            "km": p + 0.02,
            "km_low": p * 0.75,
            "km_high": np.minimum(p * 1.25 + 0.02, 1.0),
        }
    )


def test_proportions_points_and_counts(table):
    ax = plot_proportions(table, footnote=SYNTHETIC_NOTE)
    counts = by_gid(ax, "count")
    assert [c.get_text() for c in counts] == [f"{k}/{n}" for k, n in zip(table["numerator"], table["denominator"])]
    props, kms = by_gid(ax, "proportion"), by_gid(ax, "km")
    np.testing.assert_array_equal([p.get_ydata()[0] for p in props], table["proportion"])
    np.testing.assert_array_equal([p.get_ydata()[0] for p in kms], table["km"])
    assert all(k.get_xdata()[0] > p.get_xdata()[0] for p, k in zip(props, kms))  # KM beside, to the right
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Overall", "HR+/HER2-", "HER2+", "TNBC"]
    # the two landmarks of "Overall" sit in different slots with different colours
    assert props[0].get_xdata()[0] < props[4].get_xdata()[0] < 0.5
    assert props[0].get_color() != props[4].get_color()
    assert SYNTHETIC_NOTE in texts(ax.figure)


def test_proportions_without_km_and_existing_ax(table):
    ax = Figure().add_subplot()
    out = plot_proportions(table.drop(columns=["km", "km_low", "km_high"]), ax=ax, y_format="fraction")
    assert out is ax and not by_gid(ax, "km") and len(by_gid(ax, "proportion")) == len(table)
    nan_km = table.assign(km=[np.nan, 0.6, 0.5, 0.3, 0.5])
    assert len(by_gid(plot_proportions(nan_km), "km")) == len(table) - 1


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda t: t.drop(columns=["denominator"]), "missing column 'denominator'"),
        (lambda t: t.drop(columns=["km_high"]), "column 'km_high' is missing"),
        (lambda t: t.assign(numerator=[28, 22, 10, 1, 18]), "row 3 has numerator 10 and denominator 9"),
        (lambda t: t.assign(high=[0.9, 0.9, 0.9, 1.2, 0.9]), "row 4, column 'high' is 1.2"),
        (lambda t: t.assign(landmark=[6, 6, 6, 6, 6]), "group 'Overall' at landmark 6 appears twice"),
        (lambda t: t.iloc[:0], "no rows"),
    ],
)
def test_proportions_bad_inputs(table, edit, words):
    with pytest.raises(InputError, match=words):
        plot_proportions(edit(table))


# --------------------------------------------------------------------------- footnotes, determinism
def test_footnotes_stack_under_everything(curves):
    ax = plot_km(curves, risk_times=RISK_TIMES, footnote="first note")
    second = add_footnote(ax.figure, "second note")
    fig = ax.figure
    renderer = draw(fig)
    first = next(t for t in fig.findobj(Text) if t.get_text() == "first note")
    b1, b2 = first.get_window_extent(renderer), second.get_window_extent(renderer)
    assert b2.y1 <= b1.y0 + 0.5
    others = [t for t in fig.findobj(Text) if t.get_text() and t.get_gid() != "footnote" and t.get_visible()]
    assert b1.y1 <= min(t.get_window_extent(renderer).y0 for t in others) + 0.5


def test_add_footnote_bad_inputs():
    with pytest.raises(InputError, match="Figure or Axes"):
        add_footnote("figure", SYNTHETIC_NOTE)
    with pytest.raises(InputError, match="non-empty text"):
        add_footnote(Figure().add_subplot(), " ")
    with pytest.raises(InputError, match="has no Axes"):
        add_footnote(Figure(), SYNTHETIC_NOTE)


@pytest.mark.parametrize("kind", ["km", "swimmer", "proportions"])
def test_saving_is_deterministic(tmp_path, curves, data, table, kind):
    def make():
        if kind == "km":
            return plot_km(curves, risk_times=RISK_TIMES, show_ci=True, annotation="HR 1.0", footnote=SYNTHETIC_NOTE)
        if kind == "swimmer":
            return plot_swimmer(data, time="time", event="event", group="arm", footnote=SYNTHETIC_NOTE)
        return plot_proportions(table, footnote=SYNTHETIC_NOTE)

    ax = make()
    first = save_figure(ax.figure, tmp_path / "a.png").read_bytes()
    again = save_figure(ax.figure, tmp_path / "b.png").read_bytes()
    fresh = save_figure(make().figure, tmp_path / "c.png").read_bytes()
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    assert first == again == fresh


@pytest.mark.parametrize("legend_loc", ["upper right", "lower left"])
def test_km_annotation_beside_legend_without_overlap(curves, legend_loc):
    ax = plot_km(curves, annotation="HR 0.91", legend_loc=legend_loc)
    renderer = draw(ax.figure)
    box = one(ax, "annotation").get_window_extent(renderer)
    leg = ax.get_legend().get_window_extent(renderer)
    assert not box.overlaps(leg)
    assert (box.y1 <= leg.y0) if legend_loc.startswith("upper") else (box.y0 >= leg.y1)
    assert ax.bbox.x0 <= box.x0 and box.x1 <= ax.bbox.x1


def test_old_ci_keyword_of_plot_km_warns():
    curves = km_by_group([3, 5, 8, 12, 4, 9, 14, 20], [1, 1, 0, 1, 1, 0, 1, 0], list("AAAABBBB"))
    with pytest.warns(DeprecationWarning, match="plot_km\\(\\): the argument ci= is deprecated; use show_ci="):
        ax = plot_km(curves, ci=True)
    assert any(c.get_gid() == "ci:A" for c in ax.collections)


@pytest.mark.parametrize("name", [n for n in plotting.__all__ if callable(getattr(plotting, n))])
def test_public_functions_document_parameters_returns_and_examples(name):
    doc = getattr(plotting, name).__doc__
    for section in ("Parameters", "Returns", "Examples"):
        assert f"\n    {section}\n    {'-' * len(section)}\n" in doc, f"{name} has no {section} section"
    assert "\n    >>> " in doc


def test_levee_swimmer_landmark_labels_do_not_overlap(exhibits):
    import argparse

    from survrepro import paths as _paths

    script = exhibits.module("levee2025/fig_swimmer")
    cohort = script._common.load(argparse.Namespace(register=_paths.PUBLISHED / "levee2025.toml", ipd=None))
    ax = script.draw(cohort)
    renderer = ax.figure.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_text().endswith(cohort.time_unit) and t.get_text()[0].isdigit()]
    assert [t.get_text() for t in labels] == [f"{lm.time:g} {cohort.time_unit}" for lm in cohort.landmarks()]
    boxes = [t.get_window_extent(renderer) for t in labels]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    title = ax._left_title  # the title is set at the left
    assert title.get_text() and all(box.y1 <= title.get_window_extent(renderer).y0 for box in boxes)  # under it
