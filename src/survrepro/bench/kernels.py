"""Benchmark: the synthesizer's kernels against the calls a user would otherwise make.

The synthesizer recomputes a Kaplan–Meier median with its limits and a two-arm Cox fit tens
of thousands of times per study. This times, per call (the median of repeated runs, each of
many calls), on SYNTHETIC two-arm data of 24, 250 and 2,500 patients (exponential times in
hundredths of a month, every time distinct, about a third censored):

* ``km_median`` beside the engine's ``kaplan_meier(...).quantile(0.5)`` and lifelines'
  ``KaplanMeierFitter`` (its median and ``median_survival_times`` of its band);
* ``log_hazard_ratio`` and ``log_hazard_ratio_untied`` beside the engine's ``cox_ph`` and
  lifelines' ``CoxPHFitter``;

and checks what the fast paths promise: ``km_median`` equal to ``kaplan_meier`` to the last
bit, both Cox fast paths within relative 1e-6 of ``cox_ph`` on the hazard ratio and its
standard error. A broken promise is a missed target (exit status 1). Run with
``python -m survrepro.bench.kernels``.
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
import warnings

import numpy as np

from survrepro.engine.cox import cox_ph, log_hazard_ratio, log_hazard_ratio_untied
from survrepro.engine.km import kaplan_meier, km_median

SIZES = (24, 250, 2500)


def _per_call(fn, calls: int, repeats: int) -> float:
    """Median over ``repeats`` runs of the time per call of ``calls`` calls, seconds."""
    fn()  # warm-up
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        runs.append((time.perf_counter() - start) / calls)
    return statistics.median(runs)


def _data(n: int, seed: int):
    """SYNTHETIC two-arm data: distinct times (hundredths of a month), about a third censored."""
    rng = np.random.default_rng(seed)
    group = np.repeat([0, 1], [n - n // 2, n // 2])
    times = np.empty(n)  # distinct hundredths within five years, in the order of exponential draws
    order = np.argsort(rng.exponential(1.0, n) * np.where(group == 1, 1.4, 1.0), kind="stable")
    times[order] = np.sort(rng.choice(np.arange(1, 100 * 60), size=n, replace=False)) / 100.0
    event = (rng.random(n) < 0.67).astype(np.int64)
    return times, event, group


def _lifelines_km(t, e):
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    fit = KaplanMeierFitter().fit(t, e)
    return fit.median_survival_time_, median_survival_times(fit.confidence_interval_)


def _lifelines_cox(frame):
    from lifelines import CoxPHFitter

    return CoxPHFitter().fit(frame, "time", "event")


def run(repeats: int = 5, seed: int = 1, sizes: tuple = SIZES) -> list:
    """Time each kernel beside its alternatives at each of ``sizes``; return one row per size."""
    import pandas as pd

    rows = []
    for n in sizes:
        t, e, g = _data(n, seed)
        arm = g == 1
        calls = max(20, 20_000 // n)
        few = max(3, calls // 20)
        ref = kaplan_meier(t[arm], e[arm]).quantile(0.5)
        km_exact = tuple(km_median(t[arm], e[arm])) == tuple(ref)
        cox = cox_ph(t, e, g, reference=0)
        fits = {"tied": log_hazard_ratio(t, e, g), "untied": log_hazard_ratio_untied(t, e, g)}
        cox_close = all(f is not None and math.isclose(math.exp(f.coef), cox.hr[0], rel_tol=1e-6)
                        and math.isclose(f.se, cox.se[0], rel_tol=1e-6) for f in fits.values())
        frame = pd.DataFrame({"time": t, "event": e, "arm": g})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows.append({
                "patients": n,
                "km_median": _per_call(lambda: km_median(t[arm], e[arm]), calls, repeats),
                "kaplan_meier": _per_call(lambda: kaplan_meier(t[arm], e[arm]).quantile(0.5), few, repeats),
                "lifelines_km": _per_call(lambda: _lifelines_km(t[arm], e[arm]), few, repeats),
                "log_hazard_ratio": _per_call(lambda: log_hazard_ratio(t, e, g), calls, repeats),
                "log_hazard_ratio_untied": _per_call(lambda: log_hazard_ratio_untied(t, e, g), calls, repeats),
                "cox_ph": _per_call(lambda: cox_ph(t, e, g, reference=0), few, repeats),
                "lifelines_cox": _per_call(lambda: _lifelines_cox(frame), few, repeats),
                "km_exact": km_exact,
                "cox_close": cox_close,
            })
    return rows


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} us"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args(argv)
    rows = run(repeats=args.repeats)
    print("Per call, median of repeated runs, on SYNTHETIC two-arm data (one arm for the medians):")
    print(f"{'patients':>8}  {'km_median':>10} {'kaplan_meier':>13} {'lifelines':>11}   "
          f"{'log_hazard_ratio':>16} {'(untied)':>9} {'cox_ph':>9} {'lifelines':>11}")
    for r in rows:
        print(f"{r['patients']:>8,}  {_us(r['km_median']):>10} {_us(r['kaplan_meier']):>13} {_us(r['lifelines_km']):>11}   "
              f"{_us(r['log_hazard_ratio']):>16} {_us(r['log_hazard_ratio_untied']):>9} {_us(r['cox_ph']):>9} "
              f"{_us(r['lifelines_cox']):>11}")
    for r in rows:
        print(f"{r['patients']:>8,} patients: km_median {r['kaplan_meier'] / r['km_median']:.1f}x kaplan_meier, "
              f"{r['lifelines_km'] / r['km_median']:.0f}x lifelines; log_hazard_ratio_untied "
              f"{r['cox_ph'] / r['log_hazard_ratio_untied']:.0f}x cox_ph, "
              f"{r['lifelines_cox'] / r['log_hazard_ratio_untied']:.0f}x lifelines")
    broken = [r["patients"] for r in rows if not (r["km_exact"] and r["cox_close"])]
    print("km_median equal to kaplan_meier to the last bit, Cox fast paths within 1e-6 of cox_ph: "
          + ("yes, at every size" if not broken else f"NO at {broken} patients (missed target)"))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
