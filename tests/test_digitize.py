"""`survrepro digitize`: curves, numbers at risk and censor marks read from KM figures the
tests draw themselves (matplotlib through plot_km and lifelines), and from the committed R
figures in tests/data/digitize/."""
from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from survrepro import paths  # noqa: E402
from survrepro.cli import main  # noqa: E402
from survrepro.engine.km import km_by_group  # noqa: E402
from survrepro.errors import InputError  # noqa: E402
from survrepro.io import save_figure  # noqa: E402
from survrepro.report.plotting import plot_km  # noqa: E402
from survrepro.sources.digitize import digitize  # noqa: E402

DATA = paths.ROOT / "tests" / "validation" / "data"
R_FIGURES = paths.ROOT / "tests" / "data" / "digitize"
RISK_TIMES = [0, 200, 400, 600, 800, 1000]


def step_at(t, s, grid):
    """Right-continuous step function through the corners (later rows win ties); 1 before the first."""
    t, s = np.asarray(t, float), np.asarray(s, float)
    i = np.searchsorted(t, grid, side="right") - 1
    return np.where(i >= 0, s[np.clip(i, 0, None)], 1.0)


def iae(curve: pd.DataFrame, km, t_max: float) -> float:
    """Integrated absolute error against the true KM, time scaled to [0, 1]."""
    grid = np.linspace(0, t_max, 40001)
    true = step_at(np.r_[0, km.time], np.r_[1, km.survival], grid)
    return float(np.abs(step_at(curve["time"], curve["survival"], grid) - true).mean())


@pytest.fixture(scope="module")
def lung():
    df = pd.read_csv(DATA / "lung.csv")
    return km_by_group(df["time"], df["event"], df["sex"].map({1: "Male", 2: "Female"}))


@pytest.fixture(scope="module")
def veteran3():
    df = pd.read_csv(DATA / "veteran.csv")
    df = df[df["celltype"].isin(["squamous", "smallcell", "adeno"])]
    return df


@pytest.fixture(scope="module")
def figures(tmp_path_factory, lung):
    """plot_km figures of lung by sex: PDF, SVG, PNG at 300 dpi, and a percent y axis; censor marks on."""
    out = tmp_path_factory.mktemp("digitize")
    ax = plot_km(lung, risk_times=RISK_TIMES, xlabel="Days")
    for ext in ("pdf", "svg"):
        save_figure(ax.figure, out / f"lung.{ext}")
    save_figure(ax.figure, out / "lung.png", dpi=300)
    plt.close(ax.figure)
    ax = plot_km(lung, risk_times=RISK_TIMES, xlabel="Days", y_format="percent", censor_marks=False)
    save_figure(ax.figure, out / "lung_percent.pdf")
    plt.close(ax.figure)
    return out


@pytest.mark.parametrize("ext", ["pdf", "svg"])
def test_vector_plot_km_curves_table_labels_and_censor_marks_are_read_exactly(figures, lung, ext):
    res = digitize(figures / f"lung.{ext}")
    assert res.arms == ["Female", "Male"]  # the legend order, labels from the risk-table rows
    for arm, km in lung.items():
        c = res.curves[res.curves["arm"] == arm]
        assert iae(c, km, 1000) < 1e-5
        t = res.at_risk[res.at_risk["arm"] == arm]
        assert t["time"].tolist() == RISK_TIMES
        assert t["n_at_risk"].tolist() == [int(v) for v in km.n_at_risk(RISK_TIMES)]
        cens = res.censor[res.censor["arm"] == arm]["time"].to_numpy()
        true = np.unique(km.time[(km.n_censor > 0) & (km.time <= 1000)])
        assert len(cens) == len(true)
        np.testing.assert_allclose(cens, true, atol=0.01)
    assert res.notes == []


def test_percent_axis_is_read_as_fractions_and_said(figures, lung):
    res = digitize(figures / "lung_percent.pdf")
    assert any("percent" in n for n in res.notes)
    for arm, km in lung.items():
        assert iae(res.curves[res.curves["arm"] == arm], km, 1000) < 1e-5
    assert res.censor.empty


def _lifelines_figure(df, path, censors, dpi=None):
    from lifelines import KaplanMeierFitter

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, g in df.groupby("celltype", sort=True):
        KaplanMeierFitter(label=name).fit(g["time"], g["event"]).plot_survival_function(
            ax=ax, show_censors=censors, ci_show=True)
    ax.set_xlim(0, 600)
    save_figure(fig, path, **({"dpi": dpi} if dpi else {}))
    plt.close(fig)


@pytest.mark.parametrize("censors", [True, False])
def test_lifelines_three_arms_with_bands_are_read_with_their_legend(tmp_path, veteran3, censors):
    path = tmp_path / "veteran.pdf"
    _lifelines_figure(veteran3, path, censors)
    res = digitize(path)
    assert sorted(res.arms) == ["adeno", "smallcell", "squamous"]
    assert res.at_risk is None and any("no numbers-at-risk" in n for n in res.notes)
    for name, g in veteran3.groupby("celltype"):
        km = km_by_group(g["time"], g["event"], g["celltype"])[name]
        c = res.curves[res.curves["arm"] == name]
        c = c[c["time"] <= 600]
        assert iae(c, km, 600) < 1e-4
        assert (len(res.censor[res.censor["arm"] == name]) > 0) == (censors and bool((g["event"] == 0).any()))


@pytest.fixture(scope="module")
def pngs(tmp_path_factory, lung, veteran3):
    """plot_km PNGs at 150 and 300 dpi: lung by sex (censor marks on) and three veteran cell types."""
    out = tmp_path_factory.mktemp("png")
    vet = km_by_group(veteran3["time"], veteran3["event"], veteran3["celltype"])
    for name, curves, times in (("lung", lung, RISK_TIMES), ("veteran", vet, [0, 100, 200, 300, 400, 500])):
        ax = plot_km(curves, risk_times=times, xlabel="Days")
        for dpi in (150, 300):
            save_figure(ax.figure, out / f"{name}_{dpi}.png", dpi=dpi)
        plt.close(ax.figure)
    return out, vet


@pytest.mark.parametrize("dpi", [150, 300])
def test_png_is_read_without_options_axes_curves_and_risk_table(pngs, lung, dpi):
    out, _ = pngs
    res = digitize(out / f"lung_{dpi}.png")
    assert not res.options_used
    assert res.xmap.how == res.ymap.how == "tick labels read from the image"
    assert res.xmap.tick_values == RISK_TIMES
    assert sorted(res.ymap.tick_values) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert res.arms == ["1", "2"]  # legend order: Female, then Male
    for arm, label in (("1", "Female"), ("2", "Male")):
        km = lung[label]
        assert iae(res.curves[res.curves["arm"] == arm], km, 1000) < 0.005
        t = res.at_risk[res.at_risk["arm"] == arm]
        assert t["time"].tolist() == RISK_TIMES
        assert t["n_at_risk"].tolist() == [int(v) for v in km.n_at_risk(RISK_TIMES)]


def test_compressed_jpeg_is_read_without_options(pngs, lung, tmp_path):
    from PIL import Image

    out, _ = pngs
    Image.open(out / "lung_300.png").convert("RGB").save(tmp_path / "lung.jpg", quality=75)
    res = digitize(tmp_path / "lung.jpg")
    assert res.kind == "jpeg" and res.xmap.tick_values == RISK_TIMES
    for arm, label in (("1", "Female"), ("2", "Male")):
        assert iae(res.curves[res.curves["arm"] == arm], lung[label], 1000) < 0.005
        t = res.at_risk[res.at_risk["arm"] == arm]
        assert t["n_at_risk"].tolist() == [int(v) for v in lung[label].n_at_risk(RISK_TIMES)]


@pytest.mark.parametrize("dpi", [150, 300])
def test_three_arm_png_recovers_every_arm_in_legend_order(pngs, dpi):
    out, vet = pngs
    res = digitize(out / f"veteran_{dpi}.png")
    assert res.arms == ["1", "2", "3"]
    times = [0, 100, 200, 300, 400, 500]
    for arm, label in zip(res.arms, ["adeno", "smallcell", "squamous"]):  # the legend order
        km = vet[label]
        errors = {other: iae(res.curves[res.curves["arm"] == arm], vet[other], 500) for other in vet}
        assert min(errors, key=errors.get) == label
        assert errors[label] < 0.006
        t = res.at_risk[res.at_risk["arm"] == arm]
        assert t["n_at_risk"].tolist() == [int(v) for v in km.n_at_risk(times)]


@pytest.mark.parametrize("dpi", [150, 300])
def test_lifelines_png_three_arms_with_bands_keeps_the_bands_out(tmp_path, veteran3, dpi):
    path = tmp_path / "veteran.png"
    _lifelines_figure(veteran3, path, True, dpi)
    res = digitize(path)
    assert res.xmap.tick_values == [0, 100, 200, 300, 400, 500, 600]
    assert res.arms == ["1", "2", "3"] and res.at_risk is None
    for arm, name in zip(res.arms, ["adeno", "smallcell", "squamous"]):  # the legend order
        g = veteran3[veteran3["celltype"] == name]
        km = km_by_group(g["time"], g["event"], g["celltype"])[name]
        c = res.curves[res.curves["arm"] == arm]
        assert iae(c[c["time"] <= 600], km, 600) < 0.006


@pytest.mark.parametrize("dpi", [150, 300])
@pytest.mark.parametrize("second", [("black", "--", "dashed curve"), ("0.55", "-", "grey curve")])
def test_png_black_curve_and_a_dashed_or_grey_one_are_told_apart(tmp_path, lung, dpi, second):
    fig, ax = plt.subplots(figsize=(6, 4))
    for (label, km), (color, style) in zip(lung.items(), [("black", "-"), second[:2]]):
        ax.step(np.r_[0, km.time], np.r_[1, km.survival], where="post", color=color, ls=style, label=label)
    ax.legend()
    ax.set_xlim(0, 1000)
    ax.set_ylim(0, 1.05)
    save_figure(fig, tmp_path / "bw.png", dpi=dpi)
    plt.close(fig)
    res = digitize(tmp_path / "bw.png")
    assert res.arms == ["1", "2"] and any(second[2] in n for n in res.notes)
    for arm, label in zip(res.arms, lung):  # legend order: Female (black), Male (dashed or grey)
        assert iae(res.curves[res.curves["arm"] == arm], lung[label], 1000) < 0.005


def test_png_with_light_grey_axes_is_read(tmp_path, lung):
    with plt.style.context("seaborn-v0_8-whitegrid"):  # light grey spines and grid, no tick marks
        ax = plot_km(lung, xmax=1000, censor_marks=False, median_lines=False)
        save_figure(ax.figure, tmp_path / "grid.png", dpi=150)
        plt.close(ax.figure)
    res = digitize(tmp_path / "grid.png")
    assert any("light grey" in n for n in res.notes)
    assert res.xmap.tick_values == [0, 200, 400, 600, 800, 1000]
    for arm, label in (("1", "Female"), ("2", "Male")):
        assert iae(res.curves[res.curves["arm"] == arm], lung[label], 1000) < 0.005


def test_png_ranges_given_override_the_labels_read(pngs):
    out, _ = pngs
    res = digitize(out / "lung_150.png", x_range="0,2000", y_range="0,100")
    assert res.options_used and res.xmap.how == "--x-range: the first and last ticks"
    assert res.xmap.tick_values == [0.0, 2000.0] and res.ymap.scale == 0.01
    assert res.curves["time"].max() > 1900
    assert res.at_risk is None and any("only with the x tick labels read" in n for n in res.notes)


@pytest.fixture(scope="module")
def unlabelled(tmp_path_factory, lung):
    """A PNG whose tick labels are blank: nothing to read them from."""
    ax = plot_km(lung, xmax=1000)
    ax.set_xticks([0, 250, 500, 750, 1000], labels=[""] * 5)
    ax.set_yticks([0, 0.5, 1], labels=[""] * 3)
    path = tmp_path_factory.mktemp("blank") / "blank.png"
    save_figure(ax.figure, path, dpi=150)
    plt.close(ax.figure)
    return path


def test_png_without_legible_labels_is_refused_and_then_read_with_the_ranges(unlabelled, lung):
    with pytest.raises(InputError, match=r"blank.png: the x \(time\) axis could not be read.*give --x-range A,B"):
        digitize(unlabelled)
    res = digitize(unlabelled, x_range=(0, 1000), y_range=(0, 1))
    for arm, label in (("1", "Female"), ("2", "Male")):
        assert iae(res.curves[res.curves["arm"] == arm], lung[label], 1000) < 0.006


def test_a_page_without_axes_and_an_svg_without_curves_are_refused(tmp_path):
    fig = plt.figure(figsize=(3, 2))
    fig.text(0.1, 0.5, "Table 2: no figure here")
    save_figure(fig, tmp_path / "text.pdf")
    plt.close(fig)
    with pytest.raises(InputError, match=r"text.pdf page 1: no axes found"):
        digitize(tmp_path / "text.pdf")
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_xlim(0, 10)
    save_figure(fig, tmp_path / "empty.svg")
    plt.close(fig)
    with pytest.raises(InputError, match=r"empty.svg: no curves found"):
        digitize(tmp_path / "empty.svg")


def test_cli_writes_every_output_and_reconstructs(figures, tmp_path, capsys):
    out = {k: tmp_path / f"{k}.csv" for k in ("curves", "atrisk", "censor", "ipd")}
    rc = main(["digitize", str(figures / "lung.pdf"), "-o", str(out["curves"]), "--at-risk-out", str(out["atrisk"]),
               "--censor-out", str(out["censor"]), "--overlay", str(tmp_path / "check.png")])
    assert rc == 0
    assert pd.read_csv(out["curves"]).columns.tolist() == ["time", "survival", "arm"]
    assert pd.read_csv(out["atrisk"]).columns.tolist() == ["time", "n_at_risk", "arm"]
    assert pd.read_csv(out["censor"]).columns.tolist() == ["time", "arm"]
    assert (tmp_path / "check.png").read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    rc = main(["digitize", str(figures / "lung.pdf"), "--reconstruct", "-o", str(out["ipd"]), "--json"])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["at_risk_read"] and [a["arm"] for a in summary["arms"]] == ["Female", "Male"]
    ipd = pd.read_csv(out["ipd"])
    assert ipd.groupby("arm").size().to_dict() == {"Female": 90, "Male": 138}
    hr = summary["reconstruction"]["hazard_ratios"][0]["hr"]
    assert abs(np.log(hr) - np.log(1.7048)) < 0.05  # R: coxph(Surv(time, status) ~ sex, lung), 1/0.5880


def test_cli_refuses_with_one_sentence_and_writes_nothing(unlabelled, tmp_path, capsys):
    target = tmp_path / "curves.csv"
    rc = main(["digitize", str(unlabelled), "-o", str(target), "--overlay", str(tmp_path / "check.png")])
    err = capsys.readouterr().err
    assert rc == 2 and not target.exists() and not (tmp_path / "check.png").exists()
    assert err.count("\n") == 1 and "could not be read" in err and "--x-range" in err
    rc = main(["digitize", str(unlabelled), "--x-range", "0,1000", "--y-range", "0,1",
               "--at-risk-out", str(tmp_path / "a.csv"), "-o", str(target)])
    assert rc == 2 and not target.exists() and "no numbers-at-risk table" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["lung_base_r.pdf", "lung_ggsurvplot.pdf"])
def test_r_figures_are_read_from_their_pdf(lung, name):
    res = digitize(R_FIGURES / name)
    assert res.arms == ["Male", "Female"]
    for arm, km in lung.items():
        assert iae(res.curves[res.curves["arm"] == arm], km, 1000) < 1e-4
    if name == "lung_ggsurvplot.pdf":
        times = [0, 250, 500, 750, 1000]
        for arm, km in lung.items():
            t = res.at_risk[res.at_risk["arm"] == arm]
            assert t["time"].tolist() == times
            assert t["n_at_risk"].tolist() == [int(v) for v in km.n_at_risk(times)]


def test_r_svglite_svg_is_read_exactly(lung):
    res = digitize(R_FIGURES / "lung_base_r.svg")
    assert res.arms == ["Male", "Female"]
    for arm, km in lung.items():
        assert iae(res.curves[res.curves["arm"] == arm], km, 1000) < 1e-4


def test_ggsurvplot_png_risk_table_is_read_and_matched_by_its_label_colours(lung):
    res = digitize(R_FIGURES / "lung_ggsurvplot.png")
    times = [0, 250, 500, 750, 1000]
    assert res.xmap.tick_values == times
    assert not any("in order" in n for n in res.notes)  # rows matched by the colour of their labels
    for arm, label in zip(res.arms, ["Male", "Female"]):
        t = res.at_risk[res.at_risk["arm"] == arm]
        assert t["n_at_risk"].tolist() == [int(v) for v in lung[label].n_at_risk(times)]
        assert iae(res.curves[res.curves["arm"] == arm], lung[label], 1000) < 0.006  # on the curve of its row


def test_r_base_png_is_read_without_options(lung):
    res = digitize(R_FIGURES / "lung_base_r.png")
    assert res.xmap.tick_values == [0, 200, 400, 600, 800, 1000]
    assert sorted(res.ymap.tick_values) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert res.arms == ["1", "2"]  # legend order: Male, Female
    for arm, km in zip(["1", "2"], [lung["Male"], lung["Female"]]):
        assert iae(res.curves[res.curves["arm"] == arm], km, 1000) < 0.006


@pytest.mark.parametrize("ext", ["pdf", "png"])
def test_risk_table_rows_labelled_with_numbers_are_read(tmp_path, ext):
    """Arms coded 1 and 2: the row label is a number left of the first count, under the same
    tick; the count is the number nearer the tick, the label names the row."""
    df = pd.read_csv(DATA / "lung.csv")
    curves = km_by_group(df["time"], df["event"], df["sex"].astype(str))
    ax = plot_km(curves, risk_times=RISK_TIMES, xlabel="Days")
    path = tmp_path / f"coded.{ext}"
    save_figure(ax.figure, path, **({"dpi": 150} if ext == "png" else {}))
    plt.close(ax.figure)
    res = digitize(path)
    counts = sorted(res.at_risk.groupby("arm")["n_at_risk"].apply(list).tolist())
    truth = sorted([int((df.loc[df.sex == s, "time"] >= t).sum()) for t in RISK_TIMES] for s in (1, 2))
    assert counts == truth


VETERAN_ORDER = ["squamous", "smallcell", "adeno"]  # R's strata (and legend) order


@pytest.fixture(scope="module")
def veteran_km(veteran3):
    return km_by_group(veteran3["time"], veteran3["event"], veteran3["celltype"])


@pytest.mark.parametrize("name", ["veteran_base_r.pdf", "veteran_base_r_nocensor.svg", "veteran_ggsurvplot.pdf",
                                  "veteran_ggsurvplot_nocensor.svg", "lung_base_r_nocensor.pdf",
                                  "lung_ggsurvplot_nocensor.svg"])
def test_r_vector_figures_three_arms_and_no_censor_marks_are_read_exactly(lung, veteran_km, name):
    truth, t_max = (veteran_km, 500) if name.startswith("veteran") else (lung, 1000)
    res = digitize(R_FIGURES / name)
    assert res.arms == (VETERAN_ORDER if name.startswith("veteran") else ["Male", "Female"])
    for arm in res.arms:
        assert iae(res.curves[res.curves["arm"] == arm], truth[arm], t_max) < 1e-4
    if "nocensor" in name:
        assert res.censor is None or len(res.censor) == 0


def test_r_base_pdf_three_arms_censor_marks_are_the_censored_times(veteran3):
    res = digitize(R_FIGURES / "veteran_base_r.pdf")
    censored = veteran3[(veteran3["event"] == 0) & (veteran3["time"] <= 500)]
    for arm in VETERAN_ORDER:
        read = np.sort(res.censor.loc[res.censor["arm"] == arm, "time"].to_numpy())
        true = np.unique(censored.loc[censored["celltype"] == arm, "time"])
        assert len(read) == len(true) and np.abs(read - true).max() < 0.1


@pytest.mark.parametrize("name", ["veteran_base_r_300.png", "veteran_base_r_nocensor_300.png"])
def test_r_base_png_300_dpi_three_arms_are_read_without_options(veteran_km, name):
    res = digitize(R_FIGURES / name)
    assert res.xmap.tick_values == [0, 100, 200, 300, 400, 500]
    assert sorted(res.ymap.tick_values) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert res.arms == ["1", "2", "3"]  # legend order: squamous, smallcell, adeno
    for arm, label in zip(res.arms, VETERAN_ORDER):
        assert iae(res.curves[res.curves["arm"] == arm], veteran_km[label], 500) < 0.004


@pytest.mark.parametrize("name, times", [("lung_ggsurvplot_300.png", [0, 250, 500, 750, 1000]),
                                         ("lung_ggsurvplot_nocensor_300.png", [0, 250, 500, 750, 1000]),
                                         ("veteran_ggsurvplot_300.png", [0, 100, 200, 300, 400, 500]),
                                         ("veteran_ggsurvplot_nocensor_300.png", [0, 100, 200, 300, 400, 500])])
def test_ggsurvplot_png_300_dpi_risk_table_is_exact_and_each_row_on_its_curve(lung, veteran_km, name, times):
    """Each read arm's risk-table row is the true row of one arm, every arm's once, and the
    curve read for that arm is the true curve of that arm."""
    truth, t_max = (veteran_km, 500) if name.startswith("veteran") else (lung, 1000)
    res = digitize(R_FIGURES / name)
    assert res.xmap.tick_values == times
    rows = {label: [int(v) for v in km.n_at_risk(times)] for label, km in truth.items()}
    matched = []
    for arm in res.arms:
        t = res.at_risk[res.at_risk["arm"] == arm]
        assert t["time"].tolist() == times
        label = [lab for lab, row in rows.items() if row == t["n_at_risk"].tolist()]
        assert len(label) == 1
        matched.append(label[0])
        assert iae(res.curves[res.curves["arm"] == arm], truth[label[0]], t_max) < 0.004
    assert sorted(matched) == sorted(truth)


@pytest.mark.parametrize("name", ["lung_ggsurvplot.pdf", "veteran_ggsurvplot.pdf"])
def test_ggsurvplot_pdf_touching_plus_censor_marks_are_one_mark_each(veteran3, name):
    """survminer draws censor marks as "+" characters; marks that touch form one word of the
    page's text ("++"), and each of its characters is one mark at its censored time."""
    if name.startswith("lung"):
        df = pd.read_csv(DATA / "lung.csv")
        df = pd.DataFrame({"time": df["time"], "event": df["event"], "arm": df["sex"].map({1: "Male", 2: "Female"})})
    else:
        df = veteran3.rename(columns={"celltype": "arm"})
        df = df[df["time"] <= 500]
    res = digitize(R_FIGURES / name)
    censored = df[df["event"] == 0]
    for arm in res.arms:
        read = np.sort(res.censor.loc[res.censor["arm"] == arm, "time"].to_numpy())
        true = np.unique(censored.loc[censored["arm"] == arm, "time"])
        assert len(read) == len(true) and np.abs(read - true).max() < 0.5


def test_times_of_a_vector_figure_are_put_back_on_their_grid():
    """R writes PDF coordinates to hundredths of a point (about 0.02 day on lung's axis): the
    drop times of whole days come back as whole days, and the notes say so."""
    res = digitize(paths.ROOT / "tests" / "data" / "digitize" / "lung_base_r.pdf")
    t = res.curves["time"].to_numpy()
    assert np.array_equal(t, np.round(t))
    assert any(n.startswith("every time lies on a grid of 1 ") for n in res.notes)
    df = pd.read_csv(DATA / "lung.csv")
    drawn = set(np.round(t[t > 0]).astype(int))
    assert drawn <= set(df["time"].astype(int)) | {1000}  # times of the data (or the axis end)


def test_an_image_curve_hidden_at_its_start_is_said():
    """ggsurvplot with confidence bands (tests/data/digitize/make_r_figures.R, R's colon data):
    the observation curve lies under the other arm's translucent band until about 24 months.
    It is read from where it shows, and a note says where it was first seen; every number at
    risk read is the true one (R: summary(survfit(...), times = seq(0, 96, 12))$n.risk; at
    150 dpi those under 72 and 84 months are not recognised)."""
    res = digitize(paths.ROOT / "tests" / "data" / "digitize" / "colon_ggsurvplot_bands.png")
    hidden = [n for n in res.notes if "the curve is first seen at time" in n]
    assert len(hidden) == 1 and hidden[0].startswith("arm 1: ")
    first = float(hidden[0].split("first seen at time ")[1].split(" ")[0])
    assert 18 <= first <= 30
    truth = {"1": [315, 291, 239, 205, 177, 160, 101, 41, 7], "2": [304, 279, 244, 226, 205, 187, 128, 52, 12]}
    for arm, g in res.at_risk.groupby("arm"):
        assert len(g) >= 6
        assert g["n_at_risk"].tolist() == [truth[str(arm)][int(t) // 12] for t in g["time"]]
