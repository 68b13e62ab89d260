"""The draws of a reconstruction: seeded, varying the censoring pattern the clicks and the
table leave free, keeping the numbers at risk, and covering the truth. Every trial here is
SYNTHETIC, simulated in the test."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from survrepro.bench.reconstruct import _log_hr, digitize
from survrepro.sources.reconstruct import reconstruct, reconstruct_arm
from survrepro.sources.reconstruct.clean import TIME_TOLERANCE
from survrepro.sources.reconstruct.draws import (
    DRAWS_FIT_LEVEL,
    DRAWS_VARIED,
    _fit_cost,
    vary_censoring,
    vary_within_gaps,
)
from survrepro.sources.reconstruct.median import km_steps
from survrepro.sources.reconstruct.table import dated_drops


def simulated_trial(seed: int, n: int, censor_max: float = 15.0):
    """SYNTHETIC two-arm trial: exponential event times (rates 0.10 and 0.07), uniform
    censoring on (0, ``censor_max``), times on a quarter grid (ties); the digitizer of the
    benchmark (both corners of every drop, noise sd 0.003 and 0.2% of the axis) and a risk
    table at six regular times. Returns the curve, the table and the true log HR."""
    rng = np.random.default_rng(seed)
    arms = []
    for arm, rate in (("A", 0.10), ("B", 0.07)):
        ev = rng.exponential(1 / rate, n)
        cen = rng.uniform(0, censor_max, n)
        arms.append((arm, np.ceil(np.minimum(ev, cen) * 4) / 4, (ev <= cen).astype(int)))
    span = max(t.max() for _, t, _ in arms)
    table_t = np.arange(6) * span / 6
    curve, table = [], []
    for arm, t, e in arms:
        xs, ys = digitize(t, e, rng, span)
        curve.append(pd.DataFrame({"time": xs, "survival": ys, "arm": arm}))
        table.append(pd.DataFrame({"time": table_t, "n_at_risk": (t[None, :] >= table_t[:, None]).sum(1),
                                   "arm": arm}))
    log_hr = _log_hr(arms[0][1], arms[0][2], arms[1][1], arms[1][2])
    return pd.concat(curve, ignore_index=True), pd.concat(table, ignore_index=True), log_hr


def one_arm(seed: int = 3, n: int = 120):
    """SYNTHETIC arm of ``n`` patients with censoring through follow-up, reconstructed from
    its simulated clicks and risk table."""
    curve, table, _ = simulated_trial(seed, n)
    c, tb = curve[curve["arm"] == "A"], table[table["arm"] == "A"]
    return reconstruct_arm(c["time"], c["survival"], tb["time"], tb["n_at_risk"])


def censored_per_interval(arm):
    """Censorings in each risk-table interval (the last open-ended)."""
    edges = np.append(arm.at_risk_time, np.inf)
    return np.histogram(arm.time[arm.event == 0], bins=edges)[0]


def test_draws_are_seeded():
    curve, table, _ = simulated_trial(1, 40)
    one = reconstruct(curve, table, draws=15, seed=7).draws
    again = reconstruct(curve, table, draws=15, seed=7).draws
    other = reconstruct(curve, table, draws=15, seed=8).draws
    assert json.dumps(one) == json.dumps(again)
    assert json.dumps(one) != json.dumps(other)
    assert one["varied"] == DRAWS_VARIED and "censorings of each risk-table interval" in DRAWS_VARIED


def test_draws_vary_the_censoring_pattern_and_keep_the_table():
    arm = one_arm()
    rng = np.random.default_rng(0)
    drawn = [vary_censoring(arm, rng) for _ in range(30)]
    cen0 = arm.time[arm.event == 0]
    counts0 = censored_per_interval(arm)
    moved = counts_changed = events_changed = 0
    for d in drawn:
        assert d.n == arm.n
        # the numbers at risk at the table times are a hard constraint of every draw
        assert np.array_equal(d.time.size - np.searchsorted(d.time, arm.at_risk_time, side="left"),
                              arm.at_risk_published)
        assert np.array_equal(d.at_risk_reconstructed, arm.at_risk_published)
        assert np.all(np.diff(d.time) >= 0)
        moved += not np.array_equal(np.sort(d.time[d.event == 0]), np.sort(cen0))
        counts_changed += not np.array_equal(censored_per_interval(d), counts0)
        events_changed += d.events != arm.events
    assert moved == 30  # every draw places the censorings anew
    assert counts_changed > 0 and events_changed > 0  # and some move patients between events and censorings


def test_positions_within_gaps_change_no_kaplan_meier_value():
    arm = one_arm()
    d = vary_within_gaps(arm, np.random.default_rng(2))
    step_a, step_d = km_steps(arm.time, arm.event), km_steps(d.time, d.event)
    assert np.array_equal(step_a[0], step_d[0]) and np.allclose(step_a[1], step_d[1])
    assert not np.array_equal(d.time[d.event == 0], arm.time[arm.event == 0])
    assert np.array_equal(d.time.size - np.searchsorted(d.time, arm.at_risk_time, side="left"),
                          arm.at_risk_published)


def test_a_small_arm_keeps_patterns_the_clicks_allow():
    # 15 patients: a drop of one death out of n is 1/n deep, so the clicks tell the numbers
    # at risk; a censoring pattern that moves the curve off the clicks is not kept
    arm = one_arm(seed=5, n=15)
    cv = arm.curve
    _, at_t = dated_drops(cv.time, cv.survival, arm.at_risk_time, arm.at_risk_published,
                          TIME_TOLERANCE * float(cv.time[-1]))
    half = 0.5 / max(cv.survival_resolution, 1e-4) ** 2

    def cost(a):
        ev_t, d = np.unique(a.time[a.event == 1], return_counts=True)
        return _fit_cost(ev_t, d, np.sort(a.time[a.event == 0]), a.n, at_t, cv.survival[1:], half)

    bound = max(0.5 * chi2.ppf(DRAWS_FIT_LEVEL, at_t.size), cost(arm))
    rng = np.random.default_rng(4)
    for _ in range(20):
        assert cost(vary_censoring(arm, rng)) <= bound + 1e-9


def test_draws_cover_the_true_hazard_ratio_of_small_simulated_trials():
    # 30 SYNTHETIC trials of 25 patients per arm with heavy censoring: the 95% interval
    # across 30 draws must have a width and cover the true HR in at least 26 of them
    # (P(at most 25 of 30) = 0.016 at the nominal 95%; draws that only carry the digitizing
    # noise cover 24 of these 30, with an interval as narrow as 0.028 on the log scale)
    covered, widths = 0, []
    for seed in range(30):
        curve, table, log_hr = simulated_trial(seed, 25)
        iv = reconstruct(curve, table, draws=30, seed=seed).draws["hazard_ratios"][0]
        lo, hi = np.log(iv["low"]), np.log(iv["high"])
        widths.append(hi - lo)
        covered += lo <= log_hr <= hi
    assert min(widths) > 0
    assert covered >= 26, covered


@pytest.mark.parametrize("method", ["exact", "dp"])
def test_draws_with_each_method_keep_every_patient(method):
    curve, table, _ = simulated_trial(2, 60)
    res = reconstruct(curve, table, draws=5, seed=1, method=method)
    assert res.draws["completed"] == 5
    hr = res.draws["hazard_ratios"][0]
    assert hr["low"] < hr["high"]


def test_time_noise_is_read_against_the_figure_axis():
    # SYNTHETIC: both corners of 40 drops per arm clicked with time noise sd 0.2 on a 0-100
    # axis; arm B stops at 30, so 1% of its own follow-up (0.3) cuts off its wider corner
    # pairs and its own estimate reads the noise too small; pooled against the axis it is not
    from survrepro.sources.reconstruct.clean import estimate_resolution
    from survrepro.sources.reconstruct.draws import shared_time_noise

    rng = np.random.default_rng(11)
    a = np.repeat(np.linspace(2, 98, 40), 2) + rng.normal(0, 0.2, 80)
    b = np.repeat(np.linspace(0.7, 29.3, 40), 2) + rng.normal(0, 0.2, 80)
    own_b = estimate_resolution(np.sort(b), np.linspace(1, 0.5, 80), 0.01 * b.max())[0]
    shared = shared_time_noise([a, b])
    assert 0.15 < shared < 0.26
    assert own_b < shared
