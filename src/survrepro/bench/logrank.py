"""Benchmark: vectorised log-rank over simulated trials against a loop of lifelines.

Simulates 10,000 two-arm trials of 400 patients (200 per arm, exponential survival,
hazard ratio 0.7, uniform accrual, administrative censoring) and times

* the vectorised analysis (:func:`survrepro.engine.logrank.logrank_batch`) of all trials in one process;
* simulation plus analysis (:func:`survrepro.design.simulate.simulate_power`) on 2 worker processes;
* ``lifelines.statistics.logrank_test`` called once per trial on a subsample of the
  same trials, extrapolated per trial,

and checks on the subsample (with times rounded to whole units, so ties occur) that
both give the same chi-square statistic to 1e-10. Each timing is the median of
repeated runs. Run with ``python -m survrepro.bench.logrank``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings

import numpy as np

from survrepro.design.simulate import Basket, exponential, simulate_power, simulate_trials
from survrepro.engine.logrank import logrank_batch

N_TRIALS = 10_000
N_PER_ARM = 200
ACCRUAL, FOLLOW_UP, HR, MEDIAN = 24.0, 12.0, 0.7, 12.0


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _lifelines_loop(time_, event, group):
    from lifelines.statistics import logrank_test

    a = group == 0
    out = np.empty(time_.shape[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(time_.shape[0]):
            out[i] = logrank_test(time_[i, a], time_[i, ~a], event[i, a], event[i, ~a]).test_statistic
    return out


def run(n_trials: int = N_TRIALS, subsample: int = 200, repeats: int = 5, workers: int = 2, seed: int = 1) -> dict:
    """Time both approaches side by side; return the numbers."""
    control = exponential(median=MEDIAN)
    experimental = control.with_hazard_ratio(HR)
    t, e, g = simulate_trials(control, experimental, n_control=N_PER_ARM, n_experimental=N_PER_ARM,
                              accrual=ACCRUAL, follow_up=FOLLOW_UP, n_trials=n_trials, seed=seed)
    logrank_batch(t[:100], e[:100], g)  # warm-up
    vec = _median_time(lambda: logrank_batch(t, e, g), repeats)

    basket = Basket("all", control, experimental, N_PER_ARM, N_PER_ARM)
    sim = _median_time(lambda: simulate_power(basket, accrual=ACCRUAL, follow_up=FOLLOW_UP, n_trials=n_trials,
                                              seed=seed, batch_size=1000, workers=workers, progress=False),
                       repeats)

    ts, es = t[:subsample], e[:subsample]
    loop = _median_time(lambda: _lifelines_loop(ts, es, g), max(1, repeats // 2))
    per_trial_loop = loop / subsample
    per_trial_vec = vec / n_trials

    # identical statistics on the subsample, continuous times and times with ties
    diffs = []
    for tt in (ts, np.ceil(ts)):
        ref = _lifelines_loop(tt, es, g)
        diffs.append(float(np.max(np.abs(logrank_batch(tt, es, g).statistic - ref))))
    return {
        "trials": n_trials,
        "patients_per_trial": 2 * N_PER_ARM,
        "vectorised_analysis_s": vec,
        "simulate_and_analyse_s": sim,
        "workers": workers,
        "lifelines_per_trial_s": per_trial_loop,
        "lifelines_extrapolated_s": per_trial_loop * n_trials,
        "speedup_analysis": per_trial_loop / per_trial_vec,
        "subsample": subsample,
        "max_abs_diff_chisq": diffs[0],
        "max_abs_diff_chisq_ties": diffs[1],
        "repeats": repeats,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m survrepro.bench.logrank", description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=N_TRIALS)
    parser.add_argument("--subsample", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    r = run(args.trials, args.subsample, args.repeats, args.workers)
    n = f"{r['trials']:,} trials x {r['patients_per_trial']} patients"
    print(f"log-rank benchmark ({n}; medians of {r['repeats']} runs)")
    print(f"  vectorised log-rank, 1 process            {r['vectorised_analysis_s']:8.3f} s")
    print(f"  simulate + log-rank, {r['workers']} workers           {r['simulate_and_analyse_s']:8.3f} s   (target < 1 s)")
    print(f"  lifelines logrank_test loop, per trial    {r['lifelines_per_trial_s'] * 1e3:8.2f} ms  "
          f"(on {r['subsample']} trials; extrapolated {r['lifelines_extrapolated_s']:.1f} s)")
    print(f"  speed-up of the analysis                  {r['speedup_analysis']:8.0f} x    (target >= 100 x)")
    print(f"  max |chi-square difference|               {r['max_abs_diff_chisq']:.2e} "
          f"(with ties {r['max_abs_diff_chisq_ties']:.2e}; target <= 1e-10)")
    ok = (r["simulate_and_analyse_s"] < 1.0 and r["speedup_analysis"] >= 100
          and max(r["max_abs_diff_chisq"], r["max_abs_diff_chisq_ties"]) <= 1e-10)
    print("  all targets met" if ok else "  TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
