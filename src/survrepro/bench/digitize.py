"""Benchmark of ``survrepro digitize``: figures drawn from known patient data, read back.

Figures: R's lung (by sex) and veteran (three cell types) data in ``tests/validation/data``
and a SYNTHETIC simulated two-arm trial (exponential times, HR 0.7, seed 7), each drawn by
this package's ``plot_km`` (with its numbers-at-risk table) with censor marks on and off,
saved as PDF, SVG and PNG at 150 and 300 dpi (and that PNG at 300 dpi as a JPEG of quality
75); lung and veteran drawn by lifelines' ``KaplanMeierFitter.plot_survival_function``
(censor marks and confidence bands, no risk table) in the same formats; lung and the
SYNTHETIC trial drawn with one arm solid black and the other dashed black or solid grey, as
PNG at 150 and 300 dpi; and the committed R figures of ``tests/data/digitize`` (lung by sex
and veteran by three cell types, drawn by base ``plot(survfit)`` and by survminer's
``ggsurvplot`` with its risk table, censor marks on and off, as PDF, SVG by svglite and PNG
at 150 and 300 dpi). Every figure is first read with no option; when that is refused, it is read again
with ``x_range``/``y_range`` (the values of its first and last ticks).

Per format: the median integrated absolute error (IAE) of each extracted curve against the
true Kaplan–Meier curve (time scaled to [0, 1]), the median error of the median time (% of
the time axis), |delta log HR| after reconstruction of two-arm figures (against the HR of
the true patients, and against reconstruction from the exact KM corners with the same risk
table; a ``ggsurvplot`` figure is reconstructed with the risk table read from it, every other
figure with the true one), the share of figures read without any option, and the share of the figures that
draw a numbers-at-risk table whose every count and time was read right. Goals: vector
median IAE <= 0.001; PNG at 300 dpi median IAE <= 0.005 and median |delta log HR| <= 0.02.

Run ``python -m survrepro.bench.digitize``.
"""
from __future__ import annotations

import tempfile
import time as _clock
from pathlib import Path

import numpy as np
import pandas as pd

from survrepro import paths
from survrepro.errors import InputError

DATA = paths.ROOT / "tests" / "validation" / "data"
R_FIGURES = paths.ROOT / "tests" / "data" / "digitize"
FORMATS = (("pdf", None), ("svg", None), ("png", 150), ("png", 300))
#: The R figures' data sets, their arms in legend order (base R's and ggsurvplot's strata
#: order), and the times of ggsurvplot's risk table.
R_SETS = {"lung": (["Male", "Female"], [0, 250, 500, 750, 1000]),
          "veteran": (["squamous", "smallcell", "adeno"], [0, 100, 200, 300, 400, 500])}


def _step(t, s, grid):
    t, s = np.asarray(t, float), np.asarray(s, float)
    i = np.searchsorted(t, grid, side="right") - 1
    return np.where(i >= 0, s[np.clip(i, 0, None)], 1.0)


def _median(t, s):
    s = np.asarray(s)
    i = np.flatnonzero(s <= 0.5)
    return float(np.asarray(t)[i[0]]) if len(i) else None


def cases():
    """The data sets: (name, IPD with time/event/arm, risk times, x-axis end)."""
    lung = pd.read_csv(DATA / "lung.csv")
    lung = pd.DataFrame({"time": lung["time"], "event": lung["event"], "arm": lung["sex"].map({1: "Male", 2: "Female"})})
    vet = pd.read_csv(DATA / "veteran.csv")
    vet = vet[vet["celltype"].isin(["squamous", "smallcell", "adeno"])]
    vet = pd.DataFrame({"time": vet["time"], "event": vet["event"], "arm": vet["celltype"]})
    rng = np.random.default_rng(7)
    n = 150
    t = np.r_[rng.exponential(12, n), rng.exponential(12 / 0.7, n)]
    c = rng.uniform(6, 36, 2 * n)
    sim = pd.DataFrame({"time": np.round(np.minimum(t, c), 2), "event": (t <= c).astype(int),
                        "arm": ["Control"] * n + ["Experimental"] * n})
    return [("lung", lung, [0, 200, 400, 600, 800, 1000], 1000.0),
            ("veteran", vet, [0, 100, 200, 300, 400, 500], 500.0),
            ("SYNTHETIC trial", sim, [0, 6, 12, 18, 24, 30, 36], 36.0)]


def _truth(ipd):
    from survrepro.engine.km import km_by_group

    return km_by_group(ipd["time"], ipd["event"], ipd["arm"])


def _hr(frame):
    from survrepro.engine.cox import hazard_ratio

    labels = list(dict.fromkeys(frame["arm"]))
    return float(hazard_ratio(frame["time"], frame["event"], frame["arm"], reference=sorted(labels)[0]).hr)


def _exact_hr(truth, risk_times, tmax):
    """HR after reconstruction from the exact corners of the true KM step curves as a figure
    draws them (to ``tmax``, the corners of each drop only: a flat stretch shows no point where
    a patient was censored), with the true risk table."""
    from survrepro.sources.digitize.api import _corners

    frames = []
    for lab, km in truth.items():
        t = np.r_[0, np.repeat(km.time, 2)].astype(float)
        s = np.r_[1, 1, np.repeat(km.survival, 2)][:1 + 2 * len(km.time)].astype(float)
        t, s = _corners(t[t <= tmax], s[t <= tmax])
        frames.append(pd.DataFrame({"time": t, "survival": s, "arm": lab}))
    corners = pd.concat(frames)
    table = pd.concat([pd.DataFrame({"time": risk_times, "n_at_risk": km.n_at_risk(risk_times), "arm": lab})
                       for lab, km in truth.items()])
    return _recon_hr(corners, table)


def _recon_hr(curve, table):
    from survrepro.sources.reconstruct import reconstruct

    ipd = reconstruct(curve, table).to_frame()
    return _hr(ipd)


def _score(res, truth, tmax, arm_names):
    """IAE and median error per arm (arm_names maps the read names to the true labels)."""
    grid = np.linspace(0, tmax, 20001)
    rows = []
    for read, label in arm_names.items():
        km = truth[label]
        c = res.curves[res.curves["arm"] == read]
        est = _step(c["time"], c["survival"], grid)
        true = _step(np.r_[0, km.time], np.r_[1, km.survival], grid)
        m_true, m_read = _median(grid, true), _median(grid, est)
        med = None if m_true is None or m_read is None else abs(m_true - m_read) / tmax * 100
        rows.append({"iae": float(np.abs(est - true).mean()), "median_err_pct": med})
    return rows


def _lifelines_figure(ipd, tmax, path, dpi):
    """The arms drawn by lifelines' ``KaplanMeierFitter.plot_survival_function``: censor marks and bands on."""
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter

    from survrepro.io import save_figure

    fig, ax = plt.subplots(figsize=(6, 4))
    for label, g in ipd.groupby("arm", sort=True):
        KaplanMeierFitter(label=label).fit(g["time"], g["event"]).plot_survival_function(
            ax=ax, show_censors=True, ci_show=True)
    ax.set_xlim(0, tmax)
    save_figure(fig, path, **({"dpi": dpi} if dpi else {}))
    plt.close(fig)


def _black_figure(truth, tmax, path, dpi, second):
    """Two arms as journals print them: the first solid black, the second ``dashed`` black or solid ``grey``."""
    import matplotlib.pyplot as plt

    from survrepro.io import save_figure

    fig, ax = plt.subplots(figsize=(6, 4))
    styles = [("black", "-"), ("black", "--") if second == "dashed" else ("0.55", "-")]
    for (label, km), (color, style) in zip(truth.items(), styles):
        ax.step(np.r_[0, km.time], np.r_[1, km.survival], where="post", color=color, ls=style, label=label)
    ax.legend()
    ax.set_xlim(0, tmax)
    ax.set_ylim(0, 1.05)
    save_figure(fig, path, dpi=dpi)
    plt.close(fig)


def _raster_names(res, labels, path, tmax, truth):
    """Read arm -> true label for an image: its arms are numbered in legend order (the order
    plot_km, lifelines and base R list them; ``labels`` in that order); ggsurvplot's legend
    lies outside the plot box, so its arms are numbered by colour and each is scored against
    the nearest true curve."""
    if "ggsurvplot" not in str(path):
        return {str(i + 1): lab for i, lab in enumerate(labels)}
    out = {}
    for arm in res.arms:
        errors = {lab: _score(res, truth, tmax, {arm: lab})[0]["iae"] for lab in labels if lab not in out.values()}
        out[arm] = min(errors, key=errors.get)
    return out


def _table_right(res, truth, names, times):
    """Whether every number at risk of a figure's table was read right (``None`` without a table drawn)."""
    if times is None:
        return None
    if res.at_risk is None:
        return False
    for read, lab in names.items():
        t = res.at_risk[res.at_risk["arm"] == read]
        if t["time"].tolist() != list(times) or t["n_at_risk"].tolist() != [int(v) for v in truth[lab].n_at_risk(times)]:
            return False
    return True


def run(workdir: Path):
    """Draw, read and score every figure; one row per curve."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    from survrepro.io import save_figure
    from survrepro.report.plotting import plot_km
    from survrepro.sources.digitize import digitize

    rows, figs = [], []
    for name, ipd, risk_times, tmax in cases():
        truth = _truth(ipd)
        labels = list(truth)
        exact_hr = true_hr = None
        if len(labels) == 2:
            true_hr, exact_hr = _hr(ipd), _exact_hr(truth, risk_times, tmax)
        for censor in (True, False):
            ax = plot_km(truth, risk_times=risk_times, censor_marks=censor, xmax=tmax, median_lines=censor)
            for ext, dpi in FORMATS:
                f = workdir / f"{name.replace(' ', '_')}_{censor}_{dpi or ext}.{ext}"
                save_figure(ax.figure, f, **({"dpi": dpi} if dpi else {}))
                fmt = f"{ext.upper()}" + (f" {dpi} dpi" if dpi else "")
                figs.append((fmt, f, name, truth, tmax, ext == "png", true_hr, exact_hr, risk_times, risk_times, labels, False))
                if ext == "png" and dpi == 300:  # the same figure as a JPEG of the web's usual quality
                    jpg = f.with_suffix(".jpg")
                    Image.open(f).convert("RGB").save(jpg, quality=75)
                    figs.append(("JPEG 300 dpi quality 75", jpg, name, truth, tmax, True, true_hr, exact_hr,
                                 risk_times, risk_times, labels, False))
            plt.close(ax.figure)
        if len(labels) == 2:
            for second, dpi in [(second, dpi) for second in ("dashed", "grey") for dpi in (150, 300)]:
                f = workdir / f"{name.replace(' ', '_')}_black_{second}_{dpi}.png"
                _black_figure(truth, tmax, f, dpi, second)
                fmt = f"black/{second} PNG {dpi} dpi"
                figs.append((fmt, f, name, truth, tmax, True, true_hr, exact_hr, risk_times, None, labels, False))
        if name != "SYNTHETIC trial":
            for ext, dpi in FORMATS:
                f = workdir / f"{name}_lifelines_{dpi or ext}.{ext}"
                _lifelines_figure(ipd, tmax, f, dpi)
                fmt = f"lifelines {ext.upper()}" + (f" {dpi} dpi" if dpi else "")
                figs.append((fmt, f, name, truth, tmax, ext == "png", true_hr, exact_hr, risk_times, None, labels, False))
    by_name = {c[0]: c for c in cases()}
    for data, (order, gg_times) in R_SETS.items():
        _, ipd, risk_times, tmax = by_name[data]
        truth = _truth(ipd)
        for style in ("base_r", "ggsurvplot"):
            gg = style == "ggsurvplot"
            times = gg_times if gg else risk_times
            true_hr, exact_hr = (_hr(ipd), _exact_hr(truth, times, tmax)) if len(truth) == 2 else (None, None)
            for tag in ("", "_nocensor"):
                for ext, dpi in FORMATS:
                    f = R_FIGURES / f"{data}_{style}{tag}{'_300' if dpi == 300 else ''}.{ext}"
                    fmt = f"R {'ggsurvplot' if gg else 'base'} {ext.upper()}" + (f" {dpi} dpi" if dpi else "")
                    figs.append((fmt, f, f"{data} (R)", truth, tmax, ext == "png", true_hr, exact_hr, times,
                                 times if gg else None, order, gg))
    for fmt, f, name, truth, tmax, raster, true_hr, exact_hr, risk_times, table_times, order, own in figs:
        free = True
        try:
            res = digitize(f)
        except InputError:
            free = False
            res = digitize(f, x_range=(0, tmax), y_range=(0, 1))
        labels = list(truth)
        if raster:
            names = _raster_names(res, order, f, tmax, truth)
        else:
            names = {lab: lab for lab in labels}
        scores = _score(res, truth, tmax, names)
        dhr = dhr_exact = dhr_corners = None
        if true_hr is not None:
            if own and res.at_risk is not None:  # the risk table read from the figure
                table = res.at_risk[["time", "n_at_risk", "arm"]].copy()
            else:
                table = pd.concat([pd.DataFrame({"time": risk_times, "n_at_risk": truth[lab].n_at_risk(risk_times),
                                                 "arm": read}) for read, lab in names.items()])
            curve = res.to_frame()
            curve["arm"] = curve["arm"].map(names)
            table["arm"] = table["arm"].map(names)
            hr = _recon_hr(curve, table)
            dhr, dhr_exact = abs(np.log(hr) - np.log(true_hr)), abs(np.log(hr) - np.log(exact_hr))
            dhr_corners = abs(np.log(exact_hr) - np.log(true_hr))  # what exact coordinates would give
        for s in scores:
            rows.append({"format": fmt, "figure": name, "file": str(f), "free": free, **s, "dloghr": dhr,
                         "dloghr_exact": dhr_exact, "dloghr_corners": dhr_corners, "table_right": _table_right(res, truth, names, table_times)})
    return pd.DataFrame(rows)


def _share(flags):
    flags = flags.dropna()
    return f"{flags.astype(bool).mean():.0%}" if len(flags) else "-"


def table(df: pd.DataFrame) -> pd.DataFrame:
    """Per format: curves, median IAE, median-time error, |delta log HR|, the share of figures
    read without options and of drawn risk tables read right.

    Parameters
    ----------
    df : pandas.DataFrame
        The rows of :func:`run`.

    Returns
    -------
    pandas.DataFrame
        One row per format.

    Examples
    --------
    >>> df = pd.DataFrame({"format": ["PDF"], "figure": ["a"], "file": ["a.pdf"], "free": [True], "iae": [0.0],
    ...                    "table_right": [True],
    ...                    "median_err_pct": [0.0], "dloghr": [0.01], "dloghr_exact": [0.0]})
    >>> table(df)["median IAE"].tolist()
    [0.0]
    """
    out = []
    for fmt, g in df.groupby("format", sort=False):
        out.append({"format": fmt, "curves": len(g), "median IAE": round(float(g["iae"].median()), 5),
                    "max IAE": round(float(g["iae"].max()), 5),
                    "median-time error (% axis)": round(float(g["median_err_pct"].dropna().median()), 3),
                    "median |dlog HR| vs true IPD": None if g["dloghr"].isna().all() else round(float(g["dloghr"].dropna().median()), 4),
                    "vs exact corners": None if g["dloghr_exact"].isna().all() else round(float(g["dloghr_exact"].dropna().median()), 4),
                    "read without options": f"{g.groupby('file')['free'].first().mean():.0%}",
                    "risk tables right": _share(g.groupby("file")["table_right"].first())})
    return pd.DataFrame(out)


def main(argv=None) -> int:
    """Run the benchmark and print its table; non-zero when a goal is missed.

    Parameters
    ----------
    argv : list of str, optional
        Unused.

    Returns
    -------
    int
        0 when every goal is met, 1 otherwise.

    Examples
    --------
    >>> callable(main)
    True
    """
    start = _clock.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        df = run(Path(tmp))
    tab = table(df)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    print("survrepro digitize: figures drawn from known patient data (lung, veteran, a SYNTHETIC trial; lifelines and R figures)")
    print(tab.to_string(index=False))
    vec = df[df["format"].str.endswith(("PDF", "SVG"))]
    png = df[df["format"] == "PNG 300 dpi"]
    goals = [("vector median IAE <= 0.001", vec["iae"].median() <= 0.001),
             ("PNG 300 dpi median IAE <= 0.005", png["iae"].median() <= 0.005),
             ("PNG 300 dpi median |dlog HR| <= 0.02", png["dloghr"].dropna().median() <= 0.02)]
    both = vec.dropna(subset=["dloghr", "dloghr_corners"]).drop_duplicates("file")
    ours, corners = float(both["dloghr"].median()), float(both["dloghr_corners"].median())
    goals.append((f"vector median |dlog HR| vs true IPD {ours:.4f} <= {corners:.4f}, reconstruction from the "
                  "exact corners of the drawn KM steps with the same risk table", ours <= corners + 1e-12))
    for text, ok in goals:
        print(f"  {'met' if ok else 'MISSED'}: {text}")
    print(f"  ({_clock.perf_counter() - start:.0f} s)")
    return 0 if all(ok for _, ok in goals) else 1


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.exit(main())
