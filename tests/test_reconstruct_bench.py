"""The reconstruction benchmark's goals: which are missed, and the exit status that follows."""
from __future__ import annotations

import pandas as pd

from survrepro.bench import reconstruct as bench


def _runs(values, refused=0):
    return pd.DataFrame({"abs_dlog_hr": values, "refused": [True] * refused + [False] * (len(values) - refused)})


def test_no_accuracy_goal_missed_by_small_errors():
    assert bench.accuracy_goals_missed(_runs([0.001] * 19 + [0.04])) == []


def test_each_missed_accuracy_goal_is_named():
    missed = bench.accuracy_goals_missed(_runs([0.02] * 18 + [0.2, 0.3], refused=1))
    assert missed == [
        "accuracy: median |dlogHR| 0.0200 (goal <= 0.01)",
        "accuracy: p95 |dlogHR| 0.2050 (goal <= 0.05)",
        "accuracy: 2 run(s) with |dlogHR| above 0.15 (goal 0)",
        "accuracy: 1 refused trial(s) (goal none)",
    ]


def test_trial_times_gives_one_median_per_case(monkeypatch):
    cases = bench.cases()[:2]
    monkeypatch.setattr(bench, "cases", lambda: cases)
    times = bench.trial_times("exact", repeat=2)
    assert times.shape == (2,) and (times > 0).all()
