"""Unit, property and regression tests of survrepro.sources.reconstruct (all data synthetic)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given, settings, strategies as st

from survrepro import InputError
from survrepro.io import read_at_risk, read_digitized_curve
from survrepro.engine.km import kaplan_meier
from survrepro.paths import TESTS
from survrepro.sources.reconstruct import clean_curve, reconstruct, reconstruct_arm

DATA = TESTS / "data" / "reconstruct"


def km_clicks(time, event):
    """Both corners of every drop of the KM curve of (time, event), plus its end."""
    km = kaplan_meier(time, event)
    ev = km.n_event > 0
    te, se = km.time[ev], km.survival[ev]
    prev = np.concatenate(([1.0], se[:-1]))
    xs = np.concatenate(([0.0], np.column_stack((te, te)).ravel(), [km.time[-1]]))
    ys = np.concatenate(([1.0], np.column_stack((prev, se)).ravel(), [km.survival[-1]]))
    return xs, ys


# --------------------------------------------------------------------------- exactness
@pytest.mark.parametrize("method", ["exact", "guyot"])
def test_noise_free_round_trip_recovers_events_and_at_risk(method):
    rng = np.random.default_rng(11)
    t = np.round(rng.exponential(10, 80), 1) + 0.1
    c = rng.uniform(5, 30, 80)
    time, event = np.minimum(t, c), (t <= c).astype(int)
    xs, ys = km_clicks(time, event)
    table_t = np.array([0, 5, 10, 15, 20, 25.0])
    table_n = (time[None, :] >= table_t[:, None]).sum(axis=1)
    arm = reconstruct_arm(xs, ys, table_t, table_n, method=method)
    assert arm.n == 80
    if method == "exact":
        np.testing.assert_array_equal(arm.at_risk_reconstructed, table_n)
        assert abs(arm.events - event.sum()) <= 2
        assert arm.max_abs_error < 0.03


def test_exact_matches_published_total_events():
    rng = np.random.default_rng(3)
    t = rng.exponential(10, 60) + 0.01
    c = rng.uniform(5, 30, 60)
    time, event = np.minimum(t, c), (t <= c).astype(int)
    xs, ys = km_clicks(time, event)
    table_t = np.array([0, 8, 16.0])
    table_n = (time[None, :] >= table_t[:, None]).sum(axis=1)
    arm = reconstruct_arm(xs, ys, table_t, table_n, total_events=int(event.sum()))
    assert arm.events == event.sum()
    np.testing.assert_array_equal(arm.at_risk_reconstructed, table_n)


def test_flat_tail_with_heavy_censoring_invents_no_deaths():
    t = [0, 2, 2, 4, 4, 30]
    s = [1, 1, 0.9, 0.9, 0.8, 0.8]
    arm = reconstruct_arm(t, s, [0, 5, 10, 20], [50, 40, 30, 10])
    assert np.all(arm.time[arm.event == 1] < 5)
    np.testing.assert_array_equal(arm.at_risk_reconstructed, [50, 40, 30, 10])


def test_curve_reaching_zero_everyone_left_dies():
    arm = reconstruct_arm([0, 1, 1, 2, 2, 3, 3], [1, 1, 0.5, 0.5, 0.25, 0.25, 0], [0, 2.5], [4, 1])
    assert arm.n == 4 and arm.events == 4
    assert any("reaches 0" in a for a in arm.curve.actions) or arm.curve.survival[-1] == 0


def test_without_table_uses_n_and_events():
    t = [0, 2, 2, 5, 5, 9, 9, 20]
    s = [1, 1, 0.9, 0.9, 0.75, 0.75, 0.6, 0.6]
    arm = reconstruct_arm(t, s, n=40, total_events=12)
    assert arm.n == 40 and arm.events == 12
    arm = reconstruct_arm(t, s, n=40)
    assert arm.n == 40 and arm.events == 16  # no censoring before the end: 40 * 0.4
    assert any("no censoring assumed" in x for x in arm.notes)


def test_interval_without_points_and_table_beyond_curve():
    t = [0, 1, 1, 20, 20, 22]
    s = [1, 1, 0.9, 0.9, 0.8, 0.8]
    arm = reconstruct_arm(t, s, [0, 5, 10, 15, 30], [30, 26, 22, 20, 2])
    np.testing.assert_array_equal(arm.at_risk_reconstructed, [30, 26, 22, 20, 2])
    assert any("beyond the last digitized point" in a for a in arm.curve.actions)


def test_result_objects_have_frames_and_reprs():
    curve = read_digitized_curve(DATA / "synthetic_two_arm_curve.csv")
    table = read_at_risk(DATA / "synthetic_two_arm_at_risk.csv")
    res = reconstruct(curve, table)
    df = res.to_frame()
    assert list(df.columns) == ["time", "event", "arm"]
    assert df.groupby("arm").size().to_dict() == {"A": 20, "B": 20}
    assert "Reconstruction" in repr(res) and res._repr_html_().startswith("<p>")
    assert set(res.fidelity_frame().columns) >= {"rmse", "mean_abs_error", "max_abs_error"}
    arm = res.arms["A"]
    assert arm.fidelity()["at_risk_max_abs_difference"] == 0
    assert "ArmReconstruction" in repr(arm)


def test_deterministic():
    xs, ys = km_clicks(np.arange(1, 30.0), np.ones(29))
    a = reconstruct_arm(xs, ys, [0, 10, 20], [29, 20, 10])
    b = reconstruct_arm(xs, ys, [0, 10, 20], [29, 20, 10])
    np.testing.assert_array_equal(a.time, b.time)


# --------------------------------------------------------------------------- properties
@st.composite
def curve_and_table(draw):
    """A non-increasing curve (it may reach 0) and a risk table it allows: no one at risk
    after the time the curve reaches 0, and a float between table times where patients
    leave, so every example is a valid input."""
    n = draw(st.integers(1, 150))
    k = draw(st.integers(2, 40))
    times = np.sort(np.array(draw(st.lists(st.floats(0.01, 100), min_size=k, max_size=k))))
    drops = np.array(draw(st.lists(st.floats(0, 0.2), min_size=k, max_size=k)))
    surv = np.clip(1 - np.cumsum(drops), 0, 1)
    m = draw(st.integers(0, 6))
    t_tab = np.sort(np.unique(np.array(draw(st.lists(st.floats(0.5, 120), min_size=m, max_size=m)))))
    t_tab = t_tab[np.concatenate(([True], np.nextafter(t_tab[:-1], np.inf) < t_tab[1:]))[: t_tab.size]]  # room
    dec = np.array(draw(st.lists(st.integers(0, max(n // 3, 1)), min_size=t_tab.size, max_size=t_tab.size)))
    counts = np.maximum(n - np.cumsum(dec), 0)
    reaches_zero = bool(surv[-1] <= 0)
    if reaches_zero:  # the curve ends at its first 0: no one is at risk after it
        counts[t_tab > times[np.argmax(surv <= 0)]] = 0
    event(f"curve reaches 0: {reaches_zero}")
    event(f"risk-table rows after time 0: {t_tab.size > 0}")
    return times, surv, np.concatenate(([0.0], t_tab)), np.concatenate(([n], counts)).astype(int)


@settings(max_examples=150, deadline=None)
@given(curve_and_table(), st.sampled_from(["exact", "guyot"]))
def test_property_n_events_and_at_risk(data, method):
    times, surv, t_tab, counts = data
    arm = reconstruct_arm(times, surv, t_tab, counts, method=method)
    assert arm.n == counts[0]
    assert 0 <= arm.events <= counts[0]
    assert np.all(np.isfinite(arm.time)) and np.all(arm.time >= 0)
    if method == "exact":
        np.testing.assert_array_equal(arm.at_risk_reconstructed, counts)


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(curve_and_table(), st.integers(0, 200))
def test_property_total_events_matched_when_feasible(data, total):
    times, surv, t_tab, counts = data
    arm = reconstruct_arm(times, surv, t_tab, counts, total_events=total)
    free = reconstruct_arm(times, surv, t_tab[:-1], counts[:-1]) if t_tab.size > 1 else None
    assert arm.n == counts[0]
    before = int(np.sum((arm.time < t_tab[-1]) & (arm.event == 1)))
    if before <= total <= before + counts[-1] and not any("cannot be matched" in x for x in arm.notes):
        assert arm.events == total
    assert free is None or free.n == counts[0]


# --------------------------------------------------------------------------- cleaning
def test_clean_percent_and_forced_scale():
    c = clean_curve([0, 5, 10], [100, 80, 60])
    assert c.scale == "percent" and c.survival.tolist() == [1.0, 0.8, 0.6]
    assert any("percent" in a for a in c.actions)
    with pytest.raises(InputError, match="above 1 by more than digitizing noise"):
        clean_curve([0, 5, 10], [100, 80, 60], scale="fraction")


def test_clean_cumulative_incidence_converted_when_asked():
    c = clean_curve([0, 5, 10], [0, 0.2, 0.4], convert_cumulative=True)
    np.testing.assert_allclose(c.survival, [1, 0.8, 0.6])
    assert any("1 - F" in a for a in c.actions)


def test_clean_clip_and_isotonic():
    c = clean_curve([0, 2, 4, 6, 8], [1.01, 0.9, 0.905, 0.8, 0.8])
    assert any("clipped" in a for a in c.actions)
    assert any("non-increasing" in a for a in c.actions) or np.all(np.diff(c.survival) <= 0)
    assert np.all(np.diff(c.survival) <= 0) and c.survival.max() <= 1


def test_clean_merges_duplicates_keeping_value_after_drop():
    c = clean_curve([0, 3, 3, 6], [1, 0.9, 0.8, 0.8])
    assert c.time.tolist() == [0, 3, 6] and c.survival.tolist() == [1, 0.8, 0.8]
    assert any("merged" in a for a in c.actions)


def test_clean_drops_points_after_zero():
    c = clean_curve([0, 3, 3, 6, 9], [1, 1, 0, 0, 0])
    assert c.survival[-1] == 0 and c.time[-1] == 3
    assert any("reaches 0" in a for a in c.actions)


def test_clean_prepends_start():
    c = clean_curve([1, 3], [0.9, 0.8])
    assert c.time[0] == 0 and c.survival[0] == 1
    assert any("(0, 1) added" in a for a in c.actions)


# --------------------------------------------------------------------------- messy files
def test_regression_wpd_export_headerless():
    df = read_digitized_curve(DATA / "synthetic_wpd_export.csv")
    assert list(df.columns) == ["time", "survival"] and len(df) == 10
    res = reconstruct(df, n=20, curve_source="wpd")
    assert any("sorted by time" in a for a in res.arms[None].curve.actions)


def test_regression_wpd_locale_decimal_comma_percent():
    df = read_digitized_curve(DATA / "synthetic_wpd_locale.csv")
    assert df["time"].iloc[1] == pytest.approx(2.1) and df["survival"].iloc[1] == pytest.approx(99.8)
    res = reconstruct(df, n=20)
    assert any("percent" in a for a in res.arms[None].curve.actions)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("synthetic_out_of_order.csv", "clicks sorted by time: 2 came after a click at a later time (rows 5, 6)"),
        ("synthetic_spike.csv", "1 isolated spike(s) removed (row 5)"),
        ("synthetic_negative_time.csv", "1 point(s) before time 0 dropped (row 2)"),
        ("synthetic_negative_time.csv", "1 point(s) slightly before time 0 moved to 0 (row 1)"),
    ],
)
def test_regression_cleaning_reported(name, expected):
    df = read_digitized_curve(DATA / name)
    res = reconstruct(df, n=20, curve_source=name)
    actions = res.arms[None].curve.actions
    assert any(expected in a for a in actions), actions


@pytest.mark.parametrize(
    "name, message",
    [
        ("synthetic_above_one.csv",
         "synthetic_above_one.csv: row 2, survival 1.3 is above 1 by more than digitizing noise"),
        ("synthetic_cumulative.csv",
         "synthetic_cumulative.csv: the curve rises from 0 (row 1) to 0.3 (row 8), so it looks like a "
         "cumulative-incidence"),
        ("synthetic_too_few.csv", "synthetic_too_few.csv: 1 digitized point(s); expected at least 2"),
    ],
)
def test_regression_curve_errors(name, message):
    df = read_digitized_curve(DATA / name)
    with pytest.raises(InputError) as exc:
        reconstruct(df, n=20, curve_source=str(DATA / name))
    assert message in str(exc.value)


@pytest.mark.parametrize(
    "name, message",
    [
        ("synthetic_at_risk_increasing.csv", "row 3, n_at_risk rises from 15 (row 2) to 17"),
        ("synthetic_at_risk_negative.csv", "row 2, column 'n_at_risk' is -3 (negative)"),
    ],
)
def test_regression_at_risk_file_errors(name, message):
    with pytest.raises(InputError) as exc:
        read_at_risk(DATA / name)
    assert f"{name}: {message}" in str(exc.value)


def test_regression_arms_do_not_match():
    curve = read_digitized_curve(DATA / "synthetic_two_arm_curve.csv")
    table = read_at_risk(DATA / "synthetic_at_risk_wrong_arm.csv")
    with pytest.raises(InputError, match=r"atrisk.csv: row 3, arm 'C' has no curve in curve.csv \(arms there: A, B\)"):
        reconstruct(curve, table, curve_source="curve.csv", at_risk_source="atrisk.csv")


def test_regression_unreadable_and_bad_cell(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_digitized_curve(tmp_path / "missing.csv")
    p = tmp_path / "bad.csv"
    p.write_text("time,survival\n0,1\n2,abc\n")
    with pytest.raises(InputError, match=r"bad.csv: row 2, column 'survival' is 'abc'; expected a number"):
        read_digitized_curve(p)
    p.write_text("a,b\n0,1\n")
    with pytest.raises(InputError, match="missing column 'time'"):
        read_digitized_curve(p)


def test_regression_table_must_start_at_zero_or_n():
    with pytest.raises(InputError, match="expected time 0 with the number randomised"):
        reconstruct_arm([0, 5, 5, 9], [1, 1, 0.9, 0.9], [3, 6], [20, 15])
    arm = reconstruct_arm([0, 5, 5, 9], [1, 1, 0.9, 0.9], [3, 6], [20, 15], n=22)
    assert arm.n == 22


def test_regression_at_risk_beyond_curve():
    df = read_digitized_curve(DATA / "synthetic_short_curve.csv")
    tab = read_at_risk(DATA / "synthetic_at_risk_beyond.csv")
    arm = reconstruct(df, tab).arms[None]
    np.testing.assert_array_equal(arm.at_risk_reconstructed, tab["n_at_risk"].to_numpy())
    assert any("beyond the last digitized point (12)" in a for a in arm.curve.actions)
    assert np.all(arm.time[arm.event == 1] <= 12)


# --------------------------------------------------------------------------- internals
def test_drop_clicked_just_after_table_time_keeps_its_events():
    # 100 at risk, 5 events at time 5, 3 at time 10 whose corners were clicked at 10.03 and
    # 10.07 and the drop a little too deep (3.6 events' worth): the drop stays after the table
    # time 10 rather than being moved into [0, 10), which has room for no more events.
    s1 = 0.95
    s2 = s1 * (1 - 3.6 / 95)
    arm = reconstruct_arm([0, 5, 5, 10.03, 10.07, 20], [1, 1, s1, s1, s2, s2], [0, 10, 20], [100, 95, 92])
    assert np.sum((arm.time < 10) & (arm.event == 1)) == 5
    assert np.sum((arm.time >= 10) & (arm.event == 1)) == 3
    np.testing.assert_array_equal(arm.at_risk_reconstructed, [100, 95, 92])


# --------------------------------------------------------------------------- dp method
def small_arm(seed, low=6, high=21):
    """A small synthetic arm: distinct event days 1-59 (further apart than the 1% time
    tolerance), censorings at half days, the last patient censored at day 60.5."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(low, high))
    ne = int(rng.integers(n // 3, n))
    ev_t = rng.choice(np.arange(1, 60), ne, replace=False).astype(float)
    ce_t = np.concatenate((rng.integers(1, 60, n - ne - 1) + 0.5, [60.5]))
    time = np.concatenate((ev_t, ce_t))
    event = np.concatenate((np.ones(ne, int), np.zeros(n - ne, int)))
    table_t = np.array([0, 10, 20, 30, 40, 50.0])
    return time, event, table_t, (time[None, :] >= table_t[:, None]).sum(axis=1)


def recovered(arm, time, event, table_t):
    """Same event times, and the same number censored between each pair of consecutive
    nodes (event times and table times)."""
    ev_r = np.sort(arm.time[arm.event == 1])
    if ev_r.size != event.sum() or not np.allclose(ev_r, np.sort(time[event == 1])):
        return False
    edges = np.unique(np.concatenate((time[event == 1], table_t, [time.max()])))

    def bins(x):
        return np.bincount(np.searchsorted(edges, x, side="left"), minlength=edges.size + 1)

    return np.array_equal(bins(arm.time[arm.event == 0]), bins(time[event == 0]))


def test_dp_noise_free_round_trip_recovers_small_arm_exactly():
    # 11 patients: deaths on days 5, 8, 12, 23, 27, 30, 45; censored at 9.5, 16.5, 28.5, 60.5
    time = np.array([5, 8, 9.5, 12, 16.5, 23, 27, 28.5, 30, 45, 60.5])
    event = np.array([1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0])
    table_t = np.array([0, 10, 20, 30, 40, 50.0])
    table_n = (time[None, :] >= table_t[:, None]).sum(axis=1)
    xs, ys = km_clicks(time, event)
    arm = reconstruct_arm(xs, ys, table_t, table_n, method="dp")
    assert arm.method == "dp" and arm.n == 11
    assert recovered(arm, time, event, table_t)
    np.testing.assert_array_equal(arm.at_risk_reconstructed, table_n)
    assert arm.max_abs_error < 1e-9


def test_dp_noise_free_small_arms_recovered_exactly_unlike_exact():
    hits = {"dp": 0, "exact": 0}
    for seed in range(40):
        time, event, table_t, table_n = small_arm(seed)
        xs, ys = km_clicks(time, event)
        for method in hits:
            arm = reconstruct_arm(xs, ys, table_t, table_n, method=method)
            hits[method] += recovered(arm, time, event, table_t)
    # both corners of every drop clicked without noise: dp recovers the patients of all 40
    # arms (6-20 patients); exact, which spreads censoring evenly over each table interval,
    # recovers 17 of them
    assert hits["dp"] == 40
    assert hits["exact"] < 30


def test_dp_matches_total_events_and_deterministic():
    time, event, table_t, table_n = small_arm(5)
    xs, ys = km_clicks(time, event)
    a = reconstruct_arm(xs, ys, table_t, table_n, method="dp", total_events=int(event.sum()))
    b = reconstruct_arm(xs, ys, table_t, table_n, method="dp", total_events=int(event.sum()))
    assert a.events == event.sum()
    np.testing.assert_array_equal(a.time, b.time)
    np.testing.assert_array_equal(a.event, b.event)
    np.testing.assert_array_equal(a.at_risk_reconstructed, table_n)


def test_dp_final_drop_to_zero_is_one_death_after_a_censoring():
    # 9 patients, 4 at risk at time 10: deaths at 12 and 15, one censored at 18.5, the last
    # death at 25 takes the curve to 0. The curve alone cannot tell this from two deaths at
    # 25; with censoring seen before (4.5, 7.5) a censoring and one death is the likelier.
    time = np.array([3, 4.5, 6, 7.5, 9, 12, 15, 18.5, 25.0])
    event = np.array([1, 0, 1, 0, 1, 1, 1, 0, 1])
    table_t = np.array([0, 10.0])
    table_n = (time[None, :] >= table_t[:, None]).sum(axis=1)
    xs, ys = km_clicks(time, event)
    arm = reconstruct_arm(xs, ys, table_t, table_n, method="dp")
    assert arm.events == 6
    assert np.sum(arm.time[arm.event == 1] == 25.0) == 1
    assert np.sum((arm.event == 0) & (arm.time > 15) & (arm.time < 25)) == 1
    np.testing.assert_array_equal(arm.at_risk_reconstructed, table_n)
    # without any censoring seen, two deaths at the last instant stay the choice
    time2 = np.array([3, 6, 9, 12, 15, 25, 25.0])
    event2 = np.ones(7, int)
    xs2, ys2 = km_clicks(time2, event2)
    arm2 = reconstruct_arm(xs2, ys2, table_t, [7, 4], method="dp")
    assert arm2.events == 7
    assert np.sum(arm2.time[arm2.event == 1] == 25.0) == 2


@pytest.mark.parametrize("method", ["auto", "dp", "exact", "guyot"])
def test_patients_at_risk_after_the_curve_reached_zero_are_refused(method):
    with pytest.raises(InputError, match=r"^risk table: 3 at risk at time 12, after the curve reached 0 at time 8; "
                                         r"expected no one at risk then\.$"):
        reconstruct_arm([0, 4, 4, 8, 8], [1, 1, 0.5, 0.5, 0], [0, 6, 12], [10, 5, 3], method=method)


def test_table_times_without_room_for_leavers_are_refused():
    # no float lies strictly between the two last times, yet one patient must leave there
    t_tab = np.array([0.0, 1.0, np.nextafter(120.0, 0.0), 120.0])
    with pytest.raises(InputError, match="too close to 119.99999999999999 for the 1 patient"):
        reconstruct_arm(np.array([1.0, 1.0]), np.array([1.0, 1.0]), t_tab, np.array([1, 1, 1, 0]), method="dp")


def test_auto_uses_dp_for_small_arms_and_exact_for_large(monkeypatch):
    import survrepro.sources.reconstruct.api as rec

    time, event, table_t, table_n = small_arm(7)
    xs, ys = km_clicks(time, event)
    assert reconstruct_arm(xs, ys, table_t, table_n).method == "dp"
    monkeypatch.setattr(rec, "DP_AUTO_MAX_N", int(table_n[0]) - 1)
    assert reconstruct_arm(xs, ys, table_t, table_n).method == "exact"


def test_dp_too_large_is_handed_to_exact_with_a_note(monkeypatch):
    import survrepro.sources.reconstruct.dp as rec

    monkeypatch.setattr(rec, "DP_MAX_CELLS", 10)
    time, event, table_t, table_n = small_arm(3)
    xs, ys = km_clicks(time, event)
    arm = reconstruct_arm(xs, ys, table_t, table_n, method="dp")
    assert arm.method == "exact"
    assert any("beyond the size of the dp method" in x for x in arm.notes)


@settings(max_examples=60, deadline=None)
@given(curve_and_table())
def test_property_dp_n_and_at_risk_when_feasible(data):
    times, surv, t_tab, counts = data
    arm = reconstruct_arm(times, surv, t_tab, counts, method="dp")
    assert arm.n == counts[0]
    assert 0 <= arm.events <= counts[0]
    assert np.all(np.isfinite(arm.time)) and np.all(arm.time >= 0)
    if not np.array_equal(arm.at_risk_reconstructed, counts):
        assert any("do not allow" in x for x in arm.notes)


@st.composite
def feasible_curve_and_table(draw):
    """A curve that stays above 0.1 and a table removing at least as many patients in each
    interval as the curve has points there, so every table count can be met. Points keep
    2 time units (more than the 1% time tolerance) away from the table times."""
    k = draw(st.integers(2, 25))
    grid = st.floats(0.5, 100).filter(lambda x: min(abs(x - c) for c in (20, 40, 60, 80)) > 2)
    times = np.sort(np.array(draw(st.lists(grid, min_size=k, max_size=k, unique=True))))
    drops = np.array(draw(st.lists(st.floats(0, 0.1), min_size=k, max_size=k)))
    surv = np.maximum(1 - np.cumsum(drops), 0.1)
    cuts = np.sort(np.array(draw(st.lists(st.sampled_from([20.0, 40, 60, 80]), min_size=0, max_size=4, unique=True))))
    edges = np.concatenate(([0.0], cuts, [np.inf]))
    per = np.histogram(times, bins=edges)[0]  # points in each interval
    extra = draw(st.lists(st.integers(0, 10), min_size=per.size, max_size=per.size))
    leave = per + np.array(extra)
    n = int(leave.sum() + draw(st.integers(0, 10)))
    counts = n - np.concatenate(([0], np.cumsum(leave)[:-1]))
    return times, surv, np.concatenate(([0.0], cuts)), counts.astype(int)


@settings(max_examples=60, deadline=None)
@given(feasible_curve_and_table())
def test_property_dp_at_risk_equal_when_feasible(data):
    times, surv, t_tab, counts = data
    arm = reconstruct_arm(times, surv, t_tab, counts, method="dp")
    assert arm.n == counts[0]
    np.testing.assert_array_equal(arm.at_risk_reconstructed, counts)


def _states(rng, M):
    """Costs (some unreachable) and curve levels of ``M`` states, for the step tests."""
    cost = rng.uniform(0, 50, M)
    cost[rng.random(M) < 0.2] = np.inf
    cost[-1] = rng.uniform(0, 50)  # the largest state is reachable
    return cost, np.sort(rng.uniform(0.2, 1.0, M))[::-1].copy()


def test_dp_one_dimensional_drop_step_equals_general_step():
    import survrepro.sources.reconstruct.dp as rec

    rng = np.random.default_rng(11)
    tab = rec._Tables(60)
    for _ in range(200):
        M = int(rng.integers(1, 61))
        cost, S = _states(rng, M)
        h = float(rng.choice([rng.uniform(0, 0.03), rng.uniform(0, 0.5), 1.0]))
        real = bool(h > 0.02)
        y, ahead = float(rng.uniform(0.1, 1)), float(rng.uniform(0, 20))
        ev = rng.integers(0, 9, M).astype(float)
        zero = bool(rng.random() < 0.3)  # a drop to 0: ties of deaths costed
        new, S_new, ev_new, k = rec._dp_drop(cost[None], S[None], ev[None], h, y, real, False, ahead, zero)
        least, lo, hi = rec._drop_windows(np.array([h]), np.array([real]), 60)
        D = int(hi[0, M - 1]) + 1
        per_drop = rec._allowed(least[0], lo[0], hi[0], D, M)
        first, all_drops = rec._allowed_all(least, lo, hi, np.array([0]), np.array([0]), np.array([60]), 10**6)[0]
        all_drops = all_drops[:D]
        assert first == 0
        # tabled for the states between two published counts only: the same columns
        low = int(rng.integers(0, M))
        first, window = rec._allowed_all(least, lo, hi, np.array([0]), np.array([low]), np.array([M - 1]), 10**6)[0]
        assert first == low
        np.testing.assert_array_equal(window, all_drops[:, low:M])
        for pen in (per_drop, all_drops):
            if zero:
                pen = pen + rec._zero_ties(D)[:, None]
            new1, S1, ev1, k1, look = rec._drop_1d(cost, S, ev, tab, pen, y, ahead, 0.5 / rec.DP_NOISE**2)
            np.testing.assert_array_equal(new1, new[0])
            np.testing.assert_array_equal(S1, S_new[0])
            np.testing.assert_array_equal(ev1, ev_new[0])
            np.testing.assert_array_equal(k1, k[0])
            np.testing.assert_array_equal(look, (0.5 / rec.DP_NOISE**2) * (S1 - y) ** 2 * ahead)


def test_dp_one_dimensional_censor_step_equals_general_step():
    import survrepro.sources.reconstruct.dp as rec

    rng = np.random.default_rng(12)
    tab = rec._Tables(60)
    for _ in range(200):
        M = int(rng.integers(1, 61))
        cost, S = _states(rng, M)
        lam = float(rng.choice([0.0, rng.uniform(0, 0.2)]))
        gap = float(rng.uniform(0.01, 5))
        y, ahead = float(rng.uniform(0.1, 1)), float(rng.uniform(0, 20))
        ev = rng.integers(0, 9, M).astype(float)
        cmax = int(rng.integers(0, M + 3))
        mu = np.maximum(lam * np.arange(M) * gap, rec._MU_FLOOR)
        new, S_new, ev_new, k = rec._dp_censor(cost[None], S[None], ev[None], mu, cmax, y, ahead)
        look = (0.5 / rec.DP_NOISE**2) * (S - y) ** 2 * ahead
        C = min(cmax, M - 1) + 1
        new1, S1, ev1, look1, k1 = rec._censor_1d(cost, S, ev, look, tab, lam, gap, C)
        np.testing.assert_array_equal(new1, new[0])
        np.testing.assert_array_equal(S1, S_new[0])
        np.testing.assert_array_equal(ev1, ev_new[0])
        np.testing.assert_array_equal(k1, k[0])
        np.testing.assert_array_equal(look1, (0.5 / rec.DP_NOISE**2) * (S1 - y) ** 2 * ahead)


def test_dp_same_patients_with_per_step_event_windows(monkeypatch):
    import survrepro.sources.reconstruct.dp as rec

    rng = np.random.default_rng(4)
    time, event, table_t, table_n = small_arm(9)
    xs, ys = km_clicks(time, event)
    ys = ys + rng.normal(0, 0.003, ys.size)
    a = reconstruct_arm(xs, ys, table_t, table_n, method="dp")
    monkeypatch.setattr(rec, "_allowed_all", lambda *args: None)  # windows built per drop
    b = reconstruct_arm(xs, ys, table_t, table_n, method="dp")
    np.testing.assert_array_equal(a.time, b.time)
    np.testing.assert_array_equal(a.event, b.event)
