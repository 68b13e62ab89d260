"""Benchmark of IPD reconstruction from digitized curves: accuracy, speed and scale.

Accuracy is a round trip from real patient-level data (lifelines' data sets and R
``survival`` data sets exported to ``tests/validation/data``), each split into two
arms by a binary covariate. For each arm the Kaplan–Meier curve is computed and a
careful digitizer is simulated: both corners of every drop are clicked, with noise of
sd 0.003 on survival and 0.2% of the time axis on time (seeded). The risk table
holds the true numbers at risk at six regular times (0, T/6, ..., 5T/6, T the last
follow-up of the trial). The reconstruction is compared with the truth:
``|log HR(reconstructed) - log HR(true)|`` (Cox, Efron ties), the absolute difference
of the medians (as % of the time axis) and the largest vertical distance between the
reconstructed and the true Kaplan–Meier curves. Every method (``auto``, ``dp``, ``exact``,
``guyot``) runs on the same inputs, side by side.

For the default method the median-time error is also given in months, on the time axis
rescaled to 60 months (a common span of trial figures), and the ``draws`` intervals are
checked: the share of trials whose 95% interval across ``DRAWS_K`` draws (reconstructions from
perturbed clicks with their censoring patterns drawn again) covers the hazard ratio of the true
patients, and the share of arms whose median interval covers the true median.

Speed is in-process wall time (median of repeated runs) of the whole per-arm call,
cleaning and fidelity included; the goals are at most 2 ms per two-arm trial with
``exact`` and at most 5 ms median per two-arm trial with the default method, over the
trials of all cases, each timed as the median of :data:`TRIAL_ROUNDS` runs with the trials
run in turn (:func:`trial_times`). Scale runs use synthetic exponential data.

The accuracy goals of the default method are a median |Δ log HR| of at most 0.010, a 95th
percentile of at most 0.05, no run above 0.15 and no refused trial. Each goal missed is
printed (``GOAL MISSED: ...``) and the exit status is then 1.

Run ``python -m survrepro.bench.reconstruct``.
"""
from __future__ import annotations

import time as _clock
import tracemalloc

import numpy as np
import pandas as pd

from survrepro.engine.cox import cox_ph
from survrepro.engine.km import kaplan_meier
from survrepro.paths import TESTS
from survrepro.sources.reconstruct import DP_AUTO_MAX_N, METHODS, reconstruct, reconstruct_arm

NOISE_SURVIVAL = 0.003
NOISE_TIME = 0.002  # fraction of the time axis
TABLE_ROWS = 6
SEEDS = (1, 2, 3)
AXIS_MONTHS = 60.0  # the time axis rescaled to this many months for the median error in months
DRAWS_K = 50
GOAL_EXACT_MS = 2.0
GOAL_DEFAULT_MS = 5.0
TRIAL_ROUNDS = 7  # runs of every trial for the per-trial speed
#: Accuracy goals of the default method on |delta log HR|: median, 95th percentile, runs above 0.15.
GOAL_MEDIAN_DLOGHR = 0.010
GOAL_P95_DLOGHR = 0.05
GOAL_ABOVE_015 = 0


# --------------------------------------------------------------------------- cases
def _lifelines_cases():
    from lifelines import datasets as d

    rossi = d.load_rossi()
    gbsg = d.load_gbsg2()
    kid = d.load_kidney_transplant()
    lar = d.load_larynx()
    lung = d.load_lung().dropna(subset=["ph.ecog"])
    leuk = d.load_leukemia()
    dd = d.load_dd()
    walt = d.load_waltons()
    lym = d.load_lymphoma()
    psy = d.load_psychiatric_patients()
    cases = []

    def add(name, df, t, e, g):
        cases.append((name, df[t].to_numpy(float), df[e].to_numpy(int), np.asarray(g, dtype=int)))

    for col in ("fin", "race", "wexp", "mar", "paro"):
        add(f"rossi~{col}", rossi, "week", "arrest", rossi[col])
    add("rossi~age>=median", rossi, "week", "arrest", rossi["age"] >= rossi["age"].median())
    add("rossi~prio>2", rossi, "week", "arrest", rossi["prio"] > 2)
    add("waltons~group", walt, "T", "E", walt["group"] == "miR-137")
    add("gbsg2~horTh", gbsg, "time", "cens", gbsg["horTh"] == "yes")
    add("gbsg2~menostat", gbsg, "time", "cens", gbsg["menostat"] == "Post")
    add("gbsg2~tgrade3", gbsg, "time", "cens", gbsg["tgrade"] == "III")
    add("gbsg2~pnodes>3", gbsg, "time", "cens", gbsg["pnodes"] > 3)
    add("kidney~male", kid, "time", "death", (kid["black_male"] + kid["white_male"]) > 0)
    add("kidney~black", kid, "time", "death", (kid["black_male"] + kid["black_female"]) > 0)
    add("larynx~stage4", lar, "time", "death", lar["Stage_IV"] == 1)
    add("larynx~age>=65", lar, "time", "death", lar["age"] >= 65)
    add("lung~sex", lung, "time", "status", lung["sex"] == 2)
    add("lung~ecog>=1", lung, "time", "status", lung["ph.ecog"] >= 1)
    add("leukemia~Rx", leuk, "t", "status", leuk["Rx"])
    add("leukemia~sex", leuk, "t", "status", leuk["sex"])
    add("dd~democracy", dd, "duration", "observed", dd["democracy"] == "Democracy")
    add("lymphoma~stage", lym, "Time", "Censor", lym["Stage_group"] == 2)
    add("psychiatric~sex", psy, "T", "C", psy["sex"])
    return cases


def _r_cases():
    """R survival data sets exported by tests/validation/results/export_datasets.R, if present."""
    folder = TESTS / "validation" / "data"
    specs = {
        "aml.csv": [("x", lambda s: s == "Maintained")],
        "lung.csv": [("ph.ecog", lambda s: s >= 2)],
        "ovarian.csv": [("rx", lambda s: s == 2), ("resid.ds", lambda s: s == 2)],
        "veteran.csv": [("trt", lambda s: s == 2), ("celltype", lambda s: s == "squamous")],
    }
    cases = []
    for name, splits in specs.items():
        path = folder / name
        if not path.exists():
            continue
        df = pd.read_csv(path)
        for col, fn in splits:
            sub = df.dropna(subset=[col])
            cases.append(
                (f"R:{name[:-4]}~{col}", sub["time"].to_numpy(float), sub["event"].to_numpy(int),
                 fn(sub[col]).to_numpy(int))
            )
    return cases


def cases():
    """All benchmark cases: (name, time, event, arm 0/1) with at least 5 patients per arm."""
    out = []
    for name, t, e, g in _lifelines_cases() + _r_cases():
        if min(np.sum(g == 0), np.sum(g == 1)) >= 5 and e[g == 0].sum() > 0 and e[g == 1].sum() > 0:
            out.append((name, t, e, g))
    return out


# --------------------------------------------------------------------------- digitizer
def digitize(t, e, rng, span):
    """Clicks of a careful digitizer on the KM curve of (t, e): both corners of every drop."""
    km = kaplan_meier(t, e)
    ev = km.n_event > 0
    te, se = km.time[ev], km.survival[ev]
    prev = np.concatenate(([1.0], se[:-1]))
    xs = np.concatenate(([0.0], np.column_stack((te, te)).ravel()))
    ys = np.concatenate(([1.0], np.column_stack((prev, se)).ravel()))
    if km.time[-1] > te[-1] if te.size else True:
        xs = np.append(xs, km.time[-1])
        ys = np.append(ys, se[-1] if te.size else 1.0)
    xs = xs + rng.normal(0.0, NOISE_TIME * span, xs.size)
    ys = ys + rng.normal(0.0, NOISE_SURVIVAL, ys.size)
    return xs, ys


def make_trial(t, e, g, seed):
    """Simulated digitized inputs of both arms of one case."""
    rng = np.random.default_rng(seed)
    span = float(t.max())
    table_t = np.arange(TABLE_ROWS) * span / TABLE_ROWS
    arms = []
    for k in (0, 1):
        m = g == k
        xs, ys = digitize(t[m], e[m], rng, span)
        n_risk = (t[m][None, :] >= table_t[:, None]).sum(axis=1)
        arms.append((xs, ys, table_t, n_risk))
    return arms


# --------------------------------------------------------------------------- measures
def _log_hr(t0, e0, t1, e1):
    t = np.concatenate((t0, t1))
    e = np.concatenate((e0, e1))
    g = np.concatenate((np.zeros(t0.size, int), np.ones(t1.size, int)))
    return float(cox_ph(t, e, g).coef[0])


def _sup_diff(k1, k2):
    grid = np.union1d(np.union1d(k1.time, k2.time), [0.0])
    return float(np.max(np.abs(k1.survival_at(grid) - k2.survival_at(grid))))


def accuracy(method: str, seeds=SEEDS):
    """Per-run accuracy measures of one method over all cases and seeds."""
    rows = []
    for name, t, e, g in cases():
        truth = [(t[g == k], e[g == k]) for k in (0, 1)]
        lhr_true = _log_hr(*truth[0], *truth[1])
        span = float(t.max())
        for seed in seeds:
            arms = make_trial(t, e, g, seed)
            rec = [reconstruct_arm(xs, ys, tt, nr, method=method) for xs, ys, tt, nr in arms]
            lhr = _log_hr(rec[0].time, rec[0].event, rec[1].time, rec[1].event)
            med, sup = [], []
            for (tt, ee), r in zip(truth, rec):
                k_true, k_rec = kaplan_meier(tt, ee), kaplan_meier(r.time, r.event)
                sup.append(_sup_diff(k_true, k_rec))
                m1, m2 = k_true.median, k_rec.median
                if m1 is not None and m2 is not None:
                    med.append(abs(m1 - m2) / span * 100)
                assert r.n == tt.size
            rows.append(
                {
                    "case": name, "seed": seed, "method": method,
                    "abs_dlog_hr": abs(lhr - lhr_true),
                    "abs_dmedian_pct": max(med) if med else np.nan,
                    "abs_dmedian_months": max(med) * AXIS_MONTHS / 100 if med else np.nan,
                    "refused": False,
                    "max_abs_dS": max(sup),
                    "at_risk_exact": all(
                        np.array_equal(r.at_risk_reconstructed, r.at_risk_published) for r in rec
                    ),
                }
            )
    return pd.DataFrame(rows)


def time_noise_floor(seeds=SEEDS) -> pd.DataFrame:
    """|Δlog HR| caused by the digitizer's time noise alone, for any method that dates an
    event at its clicked drop.

    The true patients are kept, with every distinct event time of each arm moved by the
    noise of a drop dated at the mean of its two clicked corners (sd 0.2% of the time
    axis / sqrt 2); censoring times are kept. Ties between and within arms (weekly or
    yearly data) are broken at random, which moves the Cox estimate (Efron ties).
    """
    rows = []
    for name, t, e, g in cases():
        lhr_true = _log_hr(t[g == 0], e[g == 0], t[g == 1], e[g == 1])
        span = float(t.max())
        for seed in seeds:
            rng = np.random.default_rng(seed)
            tj = t.copy()
            for k in (0, 1):
                m = (g == k) & (e == 1)
                u, inv = np.unique(t[m], return_inverse=True)
                shift = rng.normal(0.0, NOISE_TIME * span / np.sqrt(2), u.size)
                tj[m] = np.abs(u + shift)[inv]
            lhr = _log_hr(tj[g == 0], e[g == 0], tj[g == 1], e[g == 1])
            rows.append({"case": name, "seed": seed, "method": "true IPD, event times noised",
                         "abs_dlog_hr": abs(lhr - lhr_true)})
    return pd.DataFrame(rows)


def _frames(arms):
    """The curve and risk table of a simulated trial as the data frames ``reconstruct`` reads."""
    curve = pd.concat([pd.DataFrame({"time": xs, "survival": ys, "arm": lab})
                       for lab, (xs, ys, _, _) in zip("AB", arms)], ignore_index=True)
    table = pd.concat([pd.DataFrame({"time": tt, "n_at_risk": nr, "arm": lab})
                       for lab, (_, _, tt, nr) in zip("AB", arms)], ignore_index=True)
    return curve, table


def coverage(k: int = DRAWS_K, seeds=SEEDS, method: str = "auto") -> pd.DataFrame:
    """Per trial: whether the 95% interval across ``k`` draws covers the true hazard ratio,
    and for each arm whose true median is reached whether the draws' median interval covers
    it (an upper limit "not reached" counts as no limit); ``seconds`` is the time of the
    point reconstruction and the ``k`` draws."""
    rows = []
    for name, t, e, g in cases():
        hr_true = float(np.exp(_log_hr(t[g == 0], e[g == 0], t[g == 1], e[g == 1])))
        med_true = [kaplan_meier(t[g == j], e[g == j]).median for j in (0, 1)]
        for seed in seeds:
            curve, table = _frames(make_trial(t, e, g, seed))
            t0 = _clock.perf_counter()
            res = reconstruct(curve, table, method=method, draws=k, seed=seed)
            secs = _clock.perf_counter() - t0
            iv = res.draws["hazard_ratios"][0]
            point = res.comparison["hazard_ratios"][0]["hr"]
            row = {"case": name, "seed": seed, "hr_true": hr_true, "hr": point, "low": iv["low"],
                   "high": iv["high"], "completed": res.draws["completed"], "seconds": secs,
                   "covered": iv["low"] is not None and iv["high"] is not None
                   and iv["low"] <= hr_true <= iv["high"]}
            for j, m in enumerate(res.draws["medians"]):
                truth = med_true[j]
                row[f"median_covered_{j}"] = (
                    None if truth is None
                    else m["low"] is not None and m["low"] <= truth <= (np.inf if m["high"] is None else m["high"])
                )
            rows.append(row)
    return pd.DataFrame(rows)


def trial_times(method: str, repeat: int = TRIAL_ROUNDS) -> np.ndarray:
    """Per two-arm trial of all cases (seed 1): the median of ``repeat`` in-process runs, in ms.

    The trials are run in turn, ``repeat`` rounds over all of them after one warm-up
    round, so that the runs of one trial are spread over the whole measurement: on a
    shared machine a burst of load then slows one run of many trials rather than every
    run of a few.
    """
    trials = [make_trial(t, e, g, 1) for _, t, e, g in cases()]

    def one(arms):
        for xs, ys, tt, nr in arms:
            reconstruct_arm(xs, ys, tt, nr, method=method)

    for arms in trials:
        one(arms)
    times = np.empty((repeat, len(trials)))
    for r in range(repeat):
        for i, arms in enumerate(trials):
            t0 = _clock.perf_counter()
            one(arms)
            times[r, i] = _clock.perf_counter() - t0
    return np.median(times, axis=0) * 1e3


def summarise(df: pd.DataFrame) -> pd.DataFrame:
    """Distribution of the accuracy measures per method."""
    out = []
    for method, d in df.groupby("method", sort=False):
        x = d["abs_dlog_hr"].to_numpy()
        out.append(
            {
                "method": method,
                "runs": len(d),
                "median |dlogHR|": np.median(x),
                "p95 |dlogHR|": np.percentile(x, 95),
                "max |dlogHR|": x.max(),
                "runs > 0.15": int(np.sum(x > 0.15)),
                "median |dmedian| %T": np.nanmedian(d["abs_dmedian_pct"]),
                "p95 |dmedian| %T": np.nanpercentile(d["abs_dmedian_pct"], 95),
                "median max|dS|": d["max_abs_dS"].median(),
                "p95 max|dS|": np.percentile(d["max_abs_dS"], 95),
                "at-risk exact": f"{int(d['at_risk_exact'].sum())}/{len(d)}",
            }
        )
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- speed
def _median_time(fn, repeat: int) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs, in seconds."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = _clock.perf_counter()
        fn()
        times.append(_clock.perf_counter() - t0)
    return float(np.median(times))


def speed(method: str, repeat: int = 200, case: str = "gbsg2~horTh", many: bool = True):
    """Median time of one two-arm trial (gbsg2 by hormone therapy by default) and of 300
    trials (all cases, seeds 1-10, in turn)."""
    name, t, e, g = next(c for c in cases() if c[0] == case)
    arms = make_trial(t, e, g, 1)
    points = [a[0].size for a in arms]

    def one():
        for xs, ys, tt, nr in arms:
            reconstruct_arm(xs, ys, tt, nr, method=method)

    one_trial = _median_time(one, repeat)
    if not many:
        return {"method": method, "case": name, "points per arm": points, "one trial (ms)": one_trial * 1e3,
                "300 trials (s)": np.nan}
    pool = [make_trial(t_, e_, g_, s) for s in range(1, 11) for (_, t_, e_, g_) in cases()]
    pool = (pool * (300 // len(pool) + 1))[:300]

    def many():
        for trial in pool:
            for xs, ys, tt, nr in trial:
                reconstruct_arm(xs, ys, tt, nr, method=method)

    many_trials = _median_time(many, 3)
    return {"method": method, "case": name, "points per arm": points, "one trial (ms)": one_trial * 1e3,
            "300 trials (s)": many_trials}


def scale(method: str = "exact"):
    """Synthetic (exponential) arms: a 20,000-point curve and a 50,000-patient arm."""
    out = []
    for label, n, cens in (("synthetic 5,000 patients", 5_000, 0.2),
                           ("synthetic 20,000-point curve", 14_000, 0.2),
                           ("synthetic 50,000 patients", 50_000, 0.2)):
        rng = np.random.default_rng(7)
        tt = np.round(rng.exponential(10.0, n), 6)
        cc = rng.uniform(0, 40, n)
        time = np.minimum(tt, cc)
        event = (tt <= cc).astype(int)
        span = float(time.max())
        xs, ys = digitize(time, event, np.random.default_rng(1), span)
        at = np.arange(TABLE_ROWS) * span / TABLE_ROWS
        nr = (time.size - np.searchsorted(np.sort(time), at, side="left")).astype(int)
        tracemalloc.start()
        t0 = _clock.perf_counter()
        r = reconstruct_arm(xs, ys, at, nr, method=method)
        secs = _clock.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        out.append({"case": label, "method": method, "points": xs.size, "patients": r.n,
                     "seconds": secs, "peak memory (MB)": peak / 1e6})
    return pd.DataFrame(out)


def main() -> int:
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    n_cases = len(cases())
    status = 0
    print(f"IPD reconstruction benchmark: {n_cases} two-arm cases x {len(SEEDS)} noise seeds")
    print("(noise sd 0.003 on survival, 0.2% of the time axis on time; risk table at 6 regular times)\n")
    acc = pd.concat([accuracy(m) for m in METHODS], ignore_index=True)
    print(f"Accuracy against the true IPD (auto: dp for arms of <= {DP_AUTO_MAX_N} patients, exact above)")
    print(summarise(acc).to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    floor = time_noise_floor()
    x = floor["abs_dlog_hr"].to_numpy()
    print("\nFloor from the time noise alone (true IPD, each event time moved as a clicked drop):")
    print(f"  median |dlogHR| {np.median(x):.4f}, p95 {np.percentile(x, 95):.4f}, max {x.max():.4f}, "
          f"runs > 0.15: {int(np.sum(x > 0.15))}")
    print(f"\nGoals (default method): median |dlogHR| <= {GOAL_MEDIAN_DLOGHR:g}, p95 <= {GOAL_P95_DLOGHR:g}, "
          f"none above 0.15, no refused trial.\n")
    d = acc[acc["method"] == "auto"]
    lhr, mm = d["abs_dlog_hr"].to_numpy(), d["abs_dmedian_months"].dropna().to_numpy()
    missed = accuracy_goals_missed(d)
    print(f"Default method (auto), {len(d)} trials, {int(d['refused'].sum())} refused:")
    print(f"  |dlog HR|: median {np.median(lhr):.4f}, p95 {np.percentile(lhr, 95):.4f}")
    print(f"  |dmedian| (months, time axis rescaled to {AXIS_MONTHS:g} months; {mm.size} trials with both "
          f"medians reached): median {np.median(mm):.3f}, p95 {np.percentile(mm, 95):.3f}")
    cov = coverage()
    med_cov = pd.concat([cov["median_covered_0"], cov["median_covered_1"]]).dropna().astype(bool)
    print(f"\nDraws ({DRAWS_K} per trial, seeded by the noise seed): 95% percentile interval of the HR across "
          f"the draws covers the HR of the true IPD in {int(cov['covered'].sum())} of {len(cov)} trials "
          f"({cov['covered'].mean():.0%}; nominal 95%); median interval width (log HR) "
          f"{np.median(np.log(cov['high'] / cov['low'])):.4f}; the median interval covers the true median in "
          f"{int(med_cov.sum())} of {med_cov.size} arms with it reached ({med_cov.mean():.0%}); "
          f"{cov['seconds'].sum() / (len(cov) * DRAWS_K) * 1e3:.1f} ms per draw of a two-arm trial")
    print("\nSpeed (in-process, cleaning and fidelity included; median of repeated runs)")
    rows = [speed("auto"), speed("exact"), speed("guyot", repeat=50), speed("dp", repeat=20, many=False),
            speed("auto", repeat=50, case="R:aml~x", many=False),
            speed("exact", repeat=50, case="R:aml~x", many=False)]
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    ex, de = trial_times("exact"), trial_times("auto")
    ok_ex, ok_de = float(np.median(ex)) <= GOAL_EXACT_MS, float(np.median(de)) <= GOAL_DEFAULT_MS
    print(f"Per two-arm trial over the {n_cases} cases (median of {TRIAL_ROUNDS} runs each, the trials in turn): "
          f"exact median {np.median(ex):.2f} ms, max {np.max(ex):.2f} ms (goal median <= {GOAL_EXACT_MS:g} ms: "
          f"{'met' if ok_ex else 'not met'}); auto median {np.median(de):.2f} ms, max {np.max(de):.2f} ms "
          f"(goal median <= {GOAL_DEFAULT_MS:g} ms: {'met' if ok_de else 'not met'})")
    if not ok_ex:
        missed.append(f"speed: exact {np.median(ex):.2f} ms per two-arm trial (goal <= {GOAL_EXACT_MS:g} ms)")
    if not ok_de:
        missed.append(f"speed: auto {np.median(de):.2f} ms per two-arm trial (goal <= {GOAL_DEFAULT_MS:g} ms)")
    print("\nScale (synthetic data)")
    print(scale("exact").to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print()
    for line in missed:
        print(f"GOAL MISSED: {line}")
    print("all goals met" if not missed else f"{len(missed)} goal(s) missed")
    return status | int(bool(missed))


def accuracy_goals_missed(d: pd.DataFrame) -> list[str]:
    """The accuracy goals the runs ``d`` of the default method miss, one sentence each."""
    x = d["abs_dlog_hr"].to_numpy()
    out = []
    if np.median(x) > GOAL_MEDIAN_DLOGHR:
        out.append(f"accuracy: median |dlogHR| {np.median(x):.4f} (goal <= {GOAL_MEDIAN_DLOGHR:g})")
    if np.percentile(x, 95) > GOAL_P95_DLOGHR:
        out.append(f"accuracy: p95 |dlogHR| {np.percentile(x, 95):.4f} (goal <= {GOAL_P95_DLOGHR:g})")
    above = int(np.sum(x > 0.15))
    if above > GOAL_ABOVE_015:
        out.append(f"accuracy: {above} run(s) with |dlogHR| above 0.15 (goal {GOAL_ABOVE_015})")
    refused = int(d["refused"].sum())
    if refused:
        out.append(f"accuracy: {refused} refused trial(s) (goal none)")
    return out


if __name__ == "__main__":
    raise SystemExit(main())
