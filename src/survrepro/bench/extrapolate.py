"""Benchmark: the six TSD 14 fits of a 1,000-patient arm, beside lifelines' fitters called directly.

Simulates one arm of 1,000 patients (Weibull survival, shape 1.3, median 12 months, uniform
censoring up to 36 months, seeded) and times

* :func:`survrepro.engine.extrapolate.extrapolate` with all six distributions: the fits
  (lifelines' estimates polished to survreg's maximum, and the Gompertz fit), the median,
  the restricted and unrestricted means with delta-method limits and survival and hazard at
  four times;
* the five lifelines fitters the package uses (``ExponentialFitter``, ``WeibullFitter``,
  ``LogNormalFitter``, ``LogLogisticFitter``, ``GeneralizedGammaFitter``) called directly on
  the same data, which fit the models and nothing more (lifelines has no Gompertz fitter).

Each timing is the median of repeated runs. Target: all six fits in at most 2 s. Run with
``python -m survrepro.bench.extrapolate``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings

import numpy as np

from survrepro.engine.extrapolate import DISTRIBUTIONS, extrapolate

N = 1000
TARGET_S = 2.0
_LIFELINES = ("ExponentialFitter", "WeibullFitter", "LogNormalFitter", "LogLogisticFitter", "GeneralizedGammaFitter")


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def simulate_arm(n: int = N, seed: int = 1):
    """One arm: Weibull times (shape 1.3, median 12) censored uniformly up to 36."""
    rng = np.random.default_rng(seed)
    shape, median = 1.3, 12.0
    scale = median / np.log(2) ** (1 / shape)
    t = scale * rng.weibull(shape, n)
    c = rng.uniform(0, 36, n)
    return np.minimum(t, c), (t <= c).astype(int)


def _lifelines_fits(t, e) -> dict:
    import lifelines

    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in _LIFELINES:
            start = time.perf_counter()
            getattr(lifelines, name)().fit(t, e)
            out[name] = time.perf_counter() - start
    return out


def run(n: int = N, repeats: int = 5, seed: int = 1) -> dict:
    """Time survrepro and lifelines side by side; return the numbers."""
    t, e = simulate_arm(n, seed)
    times = [6.0, 12.0, 24.0, 60.0]
    extrapolate(t[:100], e[:100], dists=DISTRIBUTIONS, horizon=60, times=times)  # warm-up (imports, autograd)
    _lifelines_fits(t[:100], e[:100])
    ours = _median_time(lambda: extrapolate(t, e, dists=DISTRIBUTIONS, horizon=60, times=times), repeats)
    per_model = [_lifelines_fits(t, e) for _ in range(repeats)]
    theirs = statistics.median(sum(d.values()) for d in per_model)
    res = extrapolate(t, e, dists=DISTRIBUTIONS, horizon=60, times=times)
    return {
        "patients": n,
        "events": int(e.sum()),
        "survrepro_six_models_s": ours,
        "lifelines_five_fitters_s": theirs,
        "lifelines_per_fitter_s": {k: statistics.median(d[k] for d in per_model) for k in _LIFELINES},
        "ratio": ours / theirs,
        "fitted": int(res.to_frame()["fitted"].sum()),
        "repeats": repeats,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m survrepro.bench.extrapolate", description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=N)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    r = run(args.patients, args.repeats)
    print(f"extrapolation benchmark ({r['patients']:,} patients, {r['events']} events; medians of {r['repeats']} runs)")
    print(f"  survrepro extrapolate, six models + medians, means, limits   {r['survrepro_six_models_s']:7.3f} s   "
          f"(target <= {TARGET_S:g} s; {r['fitted']} of 6 fitted)")
    print(f"  lifelines, five fitters called directly (no Gompertz)         {r['lifelines_five_fitters_s']:7.3f} s")
    for name, s in r["lifelines_per_fitter_s"].items():
        print(f"      {name:<24}{s:7.3f} s")
    print(f"  ratio survrepro / lifelines                                   {r['ratio']:7.2f}")
    ok = r["survrepro_six_models_s"] <= TARGET_S and r["fitted"] == 6
    print("  all targets met" if ok else "  TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
