"""Shared code of the EXTEND breast-basket exhibits (Reddy et al., IJROBP 2025).

Every figure script loads one endpoint's patient-level data through the report's loader
(:func:`load`, through :func:`survrepro.register.evaluate.load_study_data`: synthetic IPD, or
IPD reconstructed from digitized curves when those exist), so the figures and the report show the same data
under the same source label. Hazard ratios, P values and medians printed on a figure are
computed here from those data by the engine, under the settings the register states.
"""
from __future__ import annotations

import argparse
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from survrepro import io, paths
from survrepro._validation import InputError
from survrepro.engine.cox import hazard_ratio
from survrepro.engine.logrank import logrank_test
from survrepro.engine.km import kaplan_meier
from survrepro.report.plotting import SYNTHETIC_NOTE, add_footnote, plot_km, plot_swimmer
from survrepro.register.schema import load_register, round_half_away

STUDY = "extend_breast"
#: Spacing of the numbers-at-risk table and of the x ticks, in months.
RISK_STEP = 6.0
#: Characters per footnote line: about the width of the figure at the footnote's size.
FOOTNOTE_WIDTH = 108


@dataclass(frozen=True)
class Panel:
    """One published Kaplan–Meier panel: its file name, register endpoint and wording."""

    name: str
    endpoint: str
    title: str
    ylabel: str
    what: str  # the endpoint in words, for footnotes


PANELS = {
    "fig2a_pfs": Panel("fig2a_pfs", "pfs", "A  Progression-free survival",
                       "Progression-free survival", "progression-free survival"),
    "fig3b_os": Panel("fig3b_os", "os", "B  Overall survival", "Overall survival", "overall survival"),
    "fig3c_ttnt": Panel("fig3c_ttnt", "ttnt", "C  Time to subsequent systemic therapy",
                        "Free of subsequent systemic therapy", "time to subsequent systemic therapy"),
    "fig3d_new_lesion": Panel("fig3d_new_lesion", "time_to_new_lesion", "D  Time to new lesion",
                              "Free of new lesions", "time to new lesion"),
}

#: Short names of the register's endpoints, for footnotes.
ENDPOINT_NAMES = {"pfs": "PFS", "os": "OS", "ttnt": "time to subsequent systemic therapy",
                  "time_to_new_lesion": "time to new lesion"}

_TESTS = {"logrank": "Log-rank", "wald": "Wald", "likelihood_ratio": "Likelihood-ratio", "score": "Score"}


# --------------------------------------------------------------------------- data
@dataclass(frozen=True)
class EndpointData:
    """One endpoint's patient data with arm labels from the register, and where they came from."""

    endpoint: str
    data: pd.DataFrame  # time, event, arm (register arm id), label (register arm label)
    kind: str  # "synthetic", "reconstructed" or "ipd"
    source: str  # one line naming the source, as the report prints it
    synthetic: bool  # synthetic IPD, or reconstructed from curves digitized from synthetic data
    unmet: tuple = ()  # calibrate targets these data miss: (target id, published, reproduced)


def load(register, endpoint: str, study_data=None) -> EndpointData:
    """The patient data of ``endpoint`` as the report uses them, with register arm labels.

    ``study_data`` is what :func:`survrepro.register.evaluate.load_study_data` returns for the
    register (read here when omitted): the IPD the register's ``[analysis]`` table names, or
    patients reconstructed from digitized curves for the endpoints that have them.
    """
    from survrepro.register.evaluate import evaluate_register, load_study_data

    sd = load_study_data(register) if study_data is None else study_data
    got = sd.endpoints.get(endpoint)
    if got is None:
        mapped = ", ".join(sorted(sd.endpoints)) or "none"
        raise InputError(
            f"{register.path}: endpoint {endpoint!r} has no columns in [analysis.endpoints] (mapped: {mapped}); "
            "expected its time and event columns."
        )
    df = got.frame
    labels = {a.id: a.label for a in register.study.arms}
    out = pd.DataFrame({
        "time": df["time"].to_numpy(dtype=float),
        "event": df["event"].to_numpy(dtype=int),
        "arm": df["arm"].astype(str).to_numpy(),
    })
    out["label"] = out["arm"].map(labels)
    kind = "reconstructed" if got.fidelity is not None else sd.kind
    synthetic = "SYNTHETIC" in got.source.upper() or (sd.kind == "synthetic" and got.fidelity is None)
    unmet = ()
    if synthetic:
        unmet = tuple(
            (e.id, e.published, e.reproduced_text())
            for e in evaluate_register(register, sd)
            if e.role == "calibrate" and e.status == "miss"
        )
    return EndpointData(endpoint, out, kind, got.source, synthetic, unmet)


# --------------------------------------------------------------------------- comparison
@dataclass(frozen=True)
class Comparison:
    """HR (Cox, register ties) of the first register arm over the second, and the P of the register's test."""

    endpoint: str
    experimental: str
    reference: str
    hr: float
    hr_low: float
    hr_high: float
    conf_level: float
    ties: str
    test: str
    p: float
    p_target: str  # id of the register target whose method names the test

    def annotation(self) -> str:
        """The text printed on the figure, e.g. ``HR 0.91 (95% CI 0.34–2.48)`` / ``Log-rank P = .86``."""
        pct = f"{self.conf_level:.0%}"
        return (
            f"HR {fmt2(self.hr)} ({pct} CI {fmt2(self.hr_low)}\u2013{fmt2(self.hr_high)})\n"
            f"{_TESTS[self.test]} {format_p(self.p)}"
        )


def comparison_arms(register, endpoint: str) -> tuple[str, str]:
    """(experimental, reference) of the register's comparison targets: first arm over second."""
    for t in register.targets:
        if t.endpoint == endpoint and len(t.arms) == 2:
            return t.arms[0], t.arms[1]
    for t in register.targets:  # no comparison of this endpoint: the study's primary one
        if len(t.arms) == 2 and t.quantity == "hr":
            return t.arms[0], t.arms[1]
    ids = [a.id for a in register.study.arms]
    return ids[0], ids[1]


def _p_target(register, endpoint: str):
    for quantity in ("p_value", "p_value_bound"):
        found = register.select(endpoint=endpoint, quantity=quantity)
        if found:
            return found[0]
    raise InputError(f"{register.path}: no p_value target for endpoint {endpoint!r}; cannot tell which test gave P.")


def compare(register, ed: EndpointData) -> Comparison:
    """Cox HR and the P of the test the register's P target states, computed from ``ed``."""
    exp_arm, ref_arm = comparison_arms(register, ed.endpoint)
    hr_targets = register.select(endpoint=ed.endpoint, quantity="hr")
    settings = hr_targets[0].settings if hr_targets else {}
    ties = settings.get("ties", "efron")
    ties = "efron" if ties == "not reported" else ties
    ci_targets = register.select(endpoint=ed.endpoint, quantity="hr_ci_low")
    level = float(ci_targets[0].settings.get("confidence_level", 0.95)) if ci_targets else 0.95
    pt = _p_target(register, ed.endpoint)
    test = pt.settings.get("test", "logrank")
    if test not in _TESTS:
        raise InputError(f"{register.path}: target {pt.id!r} names test {test!r}; expected one of {', '.join(_TESTS)}.")
    d = ed.data
    hr = hazard_ratio(d["time"], d["event"], d["arm"], ties=ties, reference=ref_arm, conf_level=level)
    if test == "logrank":
        p = logrank_test(d["time"], d["event"], d["arm"]).pvalue
    else:
        p = {"wald": hr.wald_pvalue, "likelihood_ratio": hr.lr_pvalue, "score": hr.score_pvalue}[test]
    return Comparison(ed.endpoint, exp_arm, ref_arm, hr.hr, hr.hr_ci[0], hr.hr_ci[1], level, ties, test,
                      float(p), pt.id)


# --------------------------------------------------------------------------- formatting
def fmt2(x: float) -> str:
    """Two decimals, halves away from zero (as the register's matching rule rounds)."""
    return f"{round_half_away(float(x), 2):.2f}"


def format_p(p: float) -> str:
    """A P value in the journal's style: ``P = .86``, ``P = .004``, ``P < .001``, ``P > .99``.

    Two decimals, three below .01 (or when two would round a P below .05 up to .05).
    """
    if not math.isfinite(p):
        return "P = NA"
    if p < 0.001:
        return "P < .001"
    two = round_half_away(p, 2)
    if two > 0.99:
        return "P > .99"
    if p < 0.01 or (p < 0.05 and two >= 0.05):
        return "P = " + f"{round_half_away(p, 3):.3f}".lstrip("0")
    return "P = " + f"{two:.2f}".lstrip("0")


def _printed_p(target) -> str:
    """``> .05`` from a P-bound target (value and comparator read from the register)."""
    return f"{target.comparator} " + f"{float(target.value):.{target.decimals or 2}f}".lstrip("0")


def calibrated_text(register) -> str:
    """What the synthetic data were calibrated to, in words, with the values the register holds."""
    cal = register.with_role("calibrate")
    by = {}
    for t in cal:
        by.setdefault((t.endpoint, t.quantity), []).append(t)
    label = {a.id: a.label for a in register.study.arms}
    order = [a.id for a in register.study.arms]

    def per_arm(ts):
        ts = sorted(ts, key=lambda t: order.index(t.arm) if t.arm in order else len(order))
        return "/".join(t.printed for t in ts)

    parts = []
    if ("randomization", "n") in by:
        parts.append(f"n {per_arm(by[('randomization', 'n')])}")
    if ("randomization", "accrual_start") in by and ("randomization", "accrual_end") in by:
        parts.append(
            f"accrual {by[('randomization', 'accrual_start')][0].printed} to "
            f"{by[('randomization', 'accrual_end')][0].printed}"
        )
    for (endpoint, quantity), ts in by.items():
        if quantity == "median_followup":
            parts.append(f"median follow-up {ts[0].printed}")
    for (endpoint, quantity), ts in by.items():
        if quantity == "median":
            parts.append(f"median {endpoint.upper()} {per_arm(ts)}")
    for (endpoint, quantity), ts in by.items():
        if quantity == "hr":
            low = by.get((endpoint, "hr_ci_low"), [None])[0]
            high = by.get((endpoint, "hr_ci_high"), [None])[0]
            level = f"{float(low.settings.get('confidence_level', 0.95)):.0%} CI " if low else ""
            ci = f" ({level}{low.printed}\u2013{high.printed})" if low and high else ""
            a, b = ts[0].arms
            parts.append(f"{endpoint.upper()} HR {ts[0].printed}{ci}, {label.get(a, a)} over {label.get(b, b)}")
    bounds = [ts[0] for (endpoint, quantity), ts in by.items() if quantity == "p_value_bound"]
    if bounds:
        names = [ENDPOINT_NAMES.get(t.endpoint, t.endpoint) for t in bounds]
        listed = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
        parts.append(f"P {_printed_p(bounds[0])} for {listed}")
    return "Calibrated to the published " + "; ".join(parts) + "."


def source_lines(register, ed: EndpointData) -> list[str]:
    """Footnote lines naming the data: the synthetic label and what was calibrated, or the source."""
    lines = [SYNTHETIC_NOTE] if ed.synthetic else []
    if ed.kind == "reconstructed" or not ed.synthetic:
        lines.append(f"Patient-level data: {ed.source}.")
    if ed.synthetic:
        lines.append(calibrated_text(register))
        if ed.unmet:
            missed = "; ".join(f"{i} {pub} (here {got})" for i, pub, got in ed.unmet)
            lines.append(f"Not reproduced by these data: {missed}.")
    return lines


def _same_columns(register, endpoint: str) -> set:
    """Register endpoints whose data are the same columns as ``endpoint`` (median follow-up is OS, say)."""
    a = register.analysis
    cols = a.endpoint_map.get(endpoint) if a is not None else None
    if cols is None:
        return {endpoint}
    return {name for name, c in a.endpoint_map.items() if (c.time, c.event) == (cols.time, cols.event)} | {endpoint}


def footnote(register, ed: EndpointData, panel: Panel, comp: Comparison) -> str:
    """The footnote of a figure: where the data come from and what constrains them."""
    lines = source_lines(register, ed)
    if not ed.synthetic:
        return wrap(lines)
    pt = register.by_id(comp.p_target)
    constrained = [
        t for t in register.with_role("calibrate")
        if t.endpoint in _same_columns(register, panel.endpoint)
    ]
    bounds = [t for t in constrained if t.quantity == "p_value_bound"]
    others = [t for t in constrained if t.quantity != "p_value_bound"]
    if pt.quantity == "p_value_bound" and not others:
        if bounds:
            lines.append(
                f"The paper reports {panel.what} only as \"all P {_printed_p(pt)}\": that bound is all that "
                f"constrains these data."
            )
        else:
            lines.append(
                f"The paper reports {panel.what} only as \"all P {_printed_p(pt)}\"; these data are not "
                f"calibrated to it (the bound is checked, not imposed)."
            )
    elif pt.quantity == "p_value_bound":
        words = {"median_followup": "median follow-up", "hr": "hazard ratio"}
        what = " and ".join(sorted({words.get(t.quantity, t.quantity.replace("_", " ")) for t in others}))
        lines.append(
            f"The paper reports {panel.what} only as \"all P {_printed_p(pt)}\"; beyond "
            f"{'that bound' if bounds else 'it'}, these data are constrained only by the published {what}."
        )
    elif not constrained:
        lines.append(f"No published number constrains {panel.what} in these data.")
    elif pt.role == "check":
        lines.append(f"The published P = {pt.printed.lstrip('0')} is held out as a check, not calibrated.")
    return wrap(lines)


# --------------------------------------------------------------------------- figures
def risk_times(data: pd.DataFrame, step: float = RISK_STEP) -> np.ndarray:
    """0, step, 2 step, ... up to the first multiple of ``step`` at or beyond the last time."""
    last = float(data["time"].max())
    end = step * max(1, math.ceil(last / step))
    return np.arange(0.0, end + step / 2, step)


def curves(ed: EndpointData, register) -> dict:
    """Kaplan–Meier curve per arm (R's log CI), keyed by register label in register order."""
    d = ed.data
    out = {}
    for a in register.study.arms:
        m = d["arm"].to_numpy() == a.id
        if m.any():
            out[a.label] = kaplan_meier(d["time"][m], d["event"][m], label=a.label)
    return out


def wrap(lines) -> str:
    """Footnote lines wrapped to the width of the figure."""
    return "\n".join(textwrap.fill(line, FOOTNOTE_WIDTH) for line in lines)


#: Where the legend (with the HR box beside it) may go, in order of preference.
LEGEND_PLACES = ("upper right", "lower left", "lower right")


def _covered(ax) -> int:
    """How many points of the curves, censor marks and median lines lie under the legend or the HR box."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    fig.draw_without_rendering()
    boxes = [ax.get_legend().get_window_extent(renderer)]
    boxes += [t.get_window_extent(renderer) for t in ax.texts if t.get_gid() == "annotation"]
    boxes = [b.padded(3.0) for b in boxes]
    right = ax.get_xlim()[1]
    count = 0
    for line in ax.lines:
        gid = line.get_gid() or ""
        if not gid.startswith(("km:", "censor:", "median:")):
            continue
        x, y = (np.asarray(v, dtype=float) for v in line.get_data())
        if gid.startswith(("km:", "median:")) and x.size > 1:  # walk along the drawn path
            if gid.startswith("km:"):
                x, y = np.append(np.repeat(x, 2)[1:], right), np.repeat(y, 2)
            grid = np.linspace(0.0, 1.0, 60)
            x = np.concatenate([a + (b - a) * grid for a, b in zip(x[:-1], x[1:])])
            y = np.concatenate([a + (b - a) * grid for a, b in zip(y[:-1], y[1:])])
        pts = ax.transData.transform(np.column_stack([x, y]))
        for b in boxes:
            inside = (pts[:, 0] >= b.x0) & (pts[:, 0] <= b.x1) & (pts[:, 1] >= b.y0) & (pts[:, 1] <= b.y1)
            count += int(inside.sum())
    return count


def km_figure(register, panel: Panel, ed: EndpointData):
    """The panel's KM figure: curves, censor marks, medians, numbers at risk, HR and P, footnote.

    The legend and the HR box go to the first of :data:`LEGEND_PLACES` where they cover the
    fewest points of the curves. Returns ``(ax, comparison)``.
    """
    comp = compare(register, ed)
    times = risk_times(ed.data)
    km = curves(ed, register)
    best = None
    for place in LEGEND_PLACES:
        ax = plot_km(
            km,
            risk_times=times,
            ylabel=panel.ylabel,
            title=panel.title,
            annotation=comp.annotation(),
            legend_loc=place,
        )
        covered = _covered(ax)
        if best is None or covered < best[0]:
            best = (covered, ax)
        if covered == 0:
            break
    ax = best[1]
    for box in ax.texts:
        if box.get_gid() == "annotation":
            box.set_multialignment("left")
    add_footnote(ax, footnote(register, ed, panel, comp))
    return ax, comp


def swimmer_figure(register, ed: EndpointData):
    """Swimmer plot of time to progression or death per patient, by arm (register labels)."""
    note = source_lines(register, ed)
    ax = plot_swimmer(
        ed.data,
        time="time",
        event="event",
        group="label",
        event_label="Progression or death",
        censor_label="Censored, progression-free",
        xlabel="Months from randomization",
        title="B  Time to progression or death",
    )
    ax.set_xlim(0.0, float(risk_times(ed.data)[-1]))
    ax.xaxis.set_ticks(risk_times(ed.data))
    add_footnote(ax, wrap(note))
    return ax


# --------------------------------------------------------------------------- scripts
def parser(doc: str, out_default: Path) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    ap.add_argument("--register", default=str(paths.PUBLISHED / f"{STUDY}.toml"),
                    help="published-target register of the study (default: %(default)s)")
    ap.add_argument("--out", default=str(out_default), help="output file (default: %(default)s)")
    return ap


FIGURE_FORMATS = (".png", ".pdf", ".svg")


def figure_path(out) -> Path:
    """``--out`` as a Path, checking that its suffix names a figure format."""
    out = Path(out)
    if out.suffix.lower() not in FIGURE_FORMATS:
        raise InputError(
            f"--out {out}: the file name must end in {', '.join(FIGURE_FORMATS)}; got {out.suffix or 'no suffix'!r}."
        )
    return out


def km_main(panel_name: str, doc: str, argv=None) -> int:
    panel = PANELS[panel_name]
    args = parser(doc, paths.study_figures(STUDY) / f"{panel.name}.png").parse_args(argv)
    figure_path(args.out)
    register = load_register(args.register)
    ed = load(register, panel.endpoint)
    ax, comp = km_figure(register, panel, ed)
    out = io.save_figure(ax.figure, args.out)
    print(f"wrote {out} ({ed.kind} data; {comp.annotation().replace(chr(10), '; ')})")
    return 0


def swimmer_main(doc: str, argv=None) -> int:
    args = parser(doc, paths.study_figures(STUDY) / "fig2b_swimmer.png").parse_args(argv)
    figure_path(args.out)
    register = load_register(args.register)
    ed = load(register, "pfs")
    ax = swimmer_figure(register, ed)
    out = io.save_figure(ax.figure, args.out)
    print(f"wrote {out} ({ed.kind} data; {len(ed.data)} patients, {int(ed.data['event'].sum())} progressions or deaths)")
    return 0
