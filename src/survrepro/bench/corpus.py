"""Benchmark of the consistency audit on a corpus of honest registers.

Every study of the corpus is patient-level data analysed by the project's engine, R's
conventions throughout (Kaplan–Meier medians with log-transformed 95% limits, Cox hazard
ratio with Efron ties and Wald limits, of each arm against the reference on the patients of
those two arms, log-rank test, reverse Kaplan–Meier median follow-up), and written as a register at the precision papers print: medians and their
limits to 1 decimal (months), hazard ratios and limits to 2, p values to 3 (``P < .001``
below). The numbers of such a register agree with each other by construction, so any
``inconsistent`` finding of ``survrepro audit`` on it is a false alarm.

The patient-level data are

* real: R ``survival`` data sets exported to ``tests/validation/data`` (lung, veteran,
  aml, ovarian) and lifelines' data sets (gbsg2, rossi, kidney_transplant, larynx,
  ACTG175, lymphoma, anderson, lymph_node), each split by its treatment or by a binary
  (or k-level) covariate, and bootstrap resamples of each split (fixed seeds);
* SYNTHETIC: simulated trials of 20 to 5,000 patients, 5% to 80% censored, with
  exponential, increasing-Weibull and decreasing-Weibull hazards, 2 or 3 arms.

Each register's ``data`` note names its data set. The registers are then corrupted, one
at a time and seeded: one printed digit of a hazard ratio, of a confidence limit or of a
p value is changed, and the benchmark reports the share the audit flags as inconsistent
(the detection rate) beside the false-alarm rate on the honest registers.

Run ``python -m survrepro.bench.corpus [--studies N] [--synthesize N]``.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time as _clock
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from survrepro.engine.cox import cox_ph
from survrepro.engine.km import kaplan_meier, median_followup
from survrepro.engine.logrank import logrank_test
from survrepro.paths import TESTS
from survrepro.rounding import round_half_away
from survrepro.timeunits import DAYS_PER

#: months per unit of the data sets' time columns
MONTHS = {unit: days / DAYS_PER["months"] for unit, days in DAYS_PER.items()}
BOOTSTRAPS = 5
SIMULATED = 160
SEED = 20261201
KINDS = ("hr", "hr_ci_low", "hr_ci_high", "p_value")
#: goal for the false-alarm rate (share of honest studies with any inconsistent finding)
FALSE_ALARM_GOAL = 1 / 300


@dataclass
class Study:
    """Patient-level data of one corpus study: ``time`` (months), ``event``, ``arm`` (labels)."""

    id: str
    title: str
    note: str
    endpoint: str
    arms: list            # arm labels, control (reference) first
    data: pd.DataFrame
    design: str = "cohort"
    synthetic: bool = False
    events_printed: bool = False
    meta: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- real data
def _snake(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "_" for c in str(text))
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_") or "x"


def _frame(time, event, arm, unit) -> pd.DataFrame:
    df = pd.DataFrame({"time": np.asarray(time, float) * MONTHS[unit], "event": np.asarray(event, int),
                       "arm": [str(a) for a in arm]})
    return df[np.isfinite(df["time"]) & (df["time"] >= 0)].reset_index(drop=True)


def _real_splits() -> list[Study]:
    """Every real data set split by a treatment or a covariate (control first)."""
    from lifelines import datasets as d

    r = TESTS / "validation" / "data"
    lung = pd.read_csv(r / "lung.csv")
    vet = pd.read_csv(r / "veteran.csv")
    aml = pd.read_csv(r / "aml.csv")
    ova = pd.read_csv(r / "ovarian.csv")
    gbsg = d.load_gbsg2()
    rossi = d.load_rossi()
    kid = d.load_kidney_transplant()
    lar = d.load_larynx()
    actg = pd.read_csv(Path(d.__file__).parent / "ACTG175.csv")
    lym = d.load_lymphoma()
    andr = d.load_leukemia()
    lnode = d.load_lymph_node()
    out: list[Study] = []

    def add(sid, title, src, endpoint, df, unit, t, e, arm, order, design="cohort"):
        arm = np.asarray(arm, dtype=object)
        keep = pd.notna(arm)
        frame = _frame(df[t].to_numpy()[keep], df[e].to_numpy()[keep], arm[keep], unit)
        frame = frame[frame["arm"].isin(order)].reset_index(drop=True)
        out.append(Study(sid, title, src, endpoint, list(order), frame, design))

    lungsrc = "R survival::lung (Loprinzi et al., J Clin Oncol 1994), NCCTG advanced lung cancer"
    add("lung_sex", "Lung cancer survival by sex", lungsrc, "os", lung, "days", "time", "event",
        lung["sex"].map({1: "male", 2: "female"}), ["male", "female"])
    add("lung_ecog", "Lung cancer survival by ECOG 0 vs 1+", lungsrc, "os", lung, "days", "time", "event",
        lung["ph.ecog"].map(lambda v: None if pd.isna(v) else ("ecog0" if v == 0 else "ecog1plus")),
        ["ecog1plus", "ecog0"])
    add("lung_age", "Lung cancer survival by age", lungsrc, "os", lung, "days", "time", "event",
        np.where(lung["age"] >= 65, "age65plus", "under65"), ["age65plus", "under65"])
    vsrc = "R survival::veteran (Kalbfleisch & Prentice), VA lung cancer trial"
    add("veteran_trt", "Veterans lung cancer trial, test vs standard chemotherapy", vsrc, "os", vet, "days",
        "time", "event", vet["trt"].map({1: "standard", 2: "test"}), ["standard", "test"], "randomized")
    add("veteran_celltype", "Veterans lung cancer survival by cell type", vsrc, "os", vet, "days", "time", "event",
        vet["celltype"], ["squamous", "smallcell", "adeno", "large"])
    add("veteran_karno", "Veterans lung cancer survival by Karnofsky score", vsrc, "os", vet, "days", "time",
        "event", np.where(vet["karno"] >= 60, "karno60plus", "karno_under60"), ["karno_under60", "karno60plus"])
    add("aml_maintenance", "AML maintenance chemotherapy", "R survival::aml (Miller 1997), AML remission",
        "remission", aml, "weeks", "time", "event", aml["x"].map({"Maintained": "maintained",
                                                                  "Nonmaintained": "nonmaintained"}),
        ["nonmaintained", "maintained"], "randomized")
    osrc = "R survival::ovarian (Edmonson et al., Cancer Treat Rep 1979), ovarian cancer trial"
    add("ovarian_rx", "Ovarian cancer trial, cyclophosphamide plus adriamycin vs alone", osrc, "os", ova, "days",
        "time", "event", ova["rx"].map({1: "cyclophosphamide", 2: "combination"}),
        ["cyclophosphamide", "combination"], "randomized")
    add("ovarian_resid", "Ovarian cancer survival by residual disease", osrc, "os", ova, "days", "time", "event",
        ova["resid.ds"].map({1: "no_residual", 2: "residual"}), ["residual", "no_residual"])
    gsrc = "lifelines gbsg2 (Schumacher et al., J Clin Oncol 1994), German Breast Cancer Study Group 2"
    add("gbsg2_horth", "GBSG2 recurrence-free survival, tamoxifen vs none", gsrc, "rfs", gbsg, "days", "time",
        "cens", gbsg["horTh"], ["no", "yes"], "randomized")
    add("gbsg2_menostat", "GBSG2 recurrence-free survival by menopausal status", gsrc, "rfs", gbsg, "days",
        "time", "cens", gbsg["menostat"].str.lower(), ["post", "pre"])
    add("gbsg2_tgrade", "GBSG2 recurrence-free survival by tumour grade", gsrc, "rfs", gbsg, "days", "time",
        "cens", gbsg["tgrade"].map({"I": "grade1", "II": "grade2", "III": "grade3"}),
        ["grade1", "grade2", "grade3"])
    add("gbsg2_nodes", "GBSG2 recurrence-free survival by nodal status", gsrc, "rfs", gbsg, "days", "time",
        "cens", np.where(gbsg["pnodes"] > 3, "nodes4plus", "nodes1to3"), ["nodes1to3", "nodes4plus"])
    rsrc = "lifelines rossi (Rossi et al. 1980), recidivism of released prisoners"
    for col, labels in (("fin", ("no_aid", "aid")), ("wexp", ("no_experience", "experience")),
                        ("race", ("other", "black")), ("paro", ("no_parole", "parole")), ("mar", ("unmarried", "married"))):
        add(f"rossi_{col}", f"Time to re-arrest by {col}", rsrc, "arrest", rossi, "weeks", "week", "arrest",
            rossi[col].map({0: labels[0], 1: labels[1]}), list(labels), "randomized" if col == "fin" else "cohort")
    ksrc = "lifelines kidney_transplant (Klein & Moeschberger 2003), kidney transplant survival"
    male = (kid["black_male"] + kid["white_male"]) > 0
    add("kidney_sex", "Kidney transplant survival by sex", ksrc, "os", kid, "days", "time", "death",
        pd.Series(np.where(male, "male", "female")), ["male", "female"])
    black = (kid["black_male"] + kid["black_female"]) > 0
    add("kidney_race", "Kidney transplant survival by race", ksrc, "os", kid, "days", "time", "death",
        pd.Series(np.where(black, "black", "white")), ["white", "black"])
    lsrc = "lifelines larynx (Kardaun 1983; Klein & Moeschberger 2003), larynx cancer"
    stage = np.select([lar["Stage_II"] == 1, lar["Stage_III"] == 1, lar["Stage_IV"] == 1],
                      ["stage2", "stage3", "stage4"], "stage1")
    add("larynx_stage", "Larynx cancer survival by stage", lsrc, "os", lar, "years", "time", "death",
        pd.Series(stage), ["stage1", "stage2", "stage3", "stage4"])
    add("larynx_stage_early_late", "Larynx cancer survival, stage III-IV vs I-II", lsrc, "os", lar, "years", "time",
        "death", pd.Series(np.where(np.isin(stage, ["stage3", "stage4"]), "late", "early")), ["early", "late"])
    asrc = "lifelines ACTG175 (Hammer et al., N Engl J Med 1996), AIDS Clinical Trials Group 175"
    add("actg175_arms", "ACTG 175, four antiretroviral regimens", asrc, "progression", actg, "days", "days",
        "cens", actg["arms"].map({0: "zdv", 1: "zdv_ddi", 2: "zdv_zal", 3: "ddi"}),
        ["zdv", "zdv_ddi", "zdv_zal", "ddi"], "randomized")
    add("actg175_treat", "ACTG 175, combination or ddI vs zidovudine alone", asrc, "progression", actg, "days",
        "days", "cens", actg["treat"].map({0: "zdv", 1: "other"}), ["zdv", "other"], "randomized")
    add("actg175_sex", "ACTG 175 progression by sex", asrc, "progression", actg, "days", "days", "cens",
        actg["gender"].map({0: "female", 1: "male"}), ["female", "male"])
    add("lymphoma_stage", "Lymphoma survival by stage group", "lifelines lymphoma (Dinse & Lagakos), lymphoma",
        "os", lym, "months", "Time", "Censor", lym["Stage_group"].map({1: "stage_low", 2: "stage_high"}),
        ["stage_low", "stage_high"])
    if True:
        add("anderson_rx", "Leukaemia remission, 6-MP vs placebo",
            "lifelines anderson (Freireich et al., Blood 1963), acute leukaemia remission", "remission", andr,
            "weeks", "t", "status", andr["Rx"].map({0: "six_mp", 1: "placebo"}), ["placebo", "six_mp"],
            "randomized")
    nsrc = "lifelines lymph_node (Schumacher et al. 1994, German Breast Cancer Study Group with dates)"
    add("lymph_node_hormone_os", "Breast cancer overall survival by hormonal therapy", nsrc, "os", lnode, "days",
        "survtime", "censdead", lnode["hormone"].map({1: "no", 2: "yes"}), ["no", "yes"], "randomized")
    add("lymph_node_grade_rfs", "Breast cancer recurrence-free survival by grade 3 vs 1-2", nsrc, "rfs", lnode,
        "days", "rectime", "censrec", pd.Series(np.where(lnode["grade"] == 3, "grade3", "grade1to2")),
        ["grade1to2", "grade3"])
    return out


def _bootstraps(base: list[Study], b: int, seed: int) -> list[Study]:
    """``b`` bootstrap resamples of every real study (patients drawn with replacement)."""
    out = []
    for i, s in enumerate(base):
        for k in range(1, b + 1):
            rng = np.random.default_rng([seed, i, k])
            idx = rng.integers(0, len(s.data), len(s.data))
            out.append(Study(f"{s.id}_boot{k}", s.title + f" (bootstrap resample {k})",
                             s.note + f"; bootstrap resample {k} of its patients (numpy seed [{seed}, {i}, {k}])",
                             s.endpoint, s.arms, s.data.iloc[idx].reset_index(drop=True), s.design))
    return out


# --------------------------------------------------------------------------- simulated trials
def _simulated(count: int, seed: int) -> list[Study]:
    """SYNTHETIC trials: sizes 20-5,000, 5-80% censored, three hazard shapes, 2 or 3 arms."""
    out = []
    shapes = (("exponential", 1.0), ("Weibull increasing", 1.5), ("Weibull decreasing", 0.7))
    for i in range(count):
        rng = np.random.default_rng([seed, 99, i])
        n = int(round(math.exp(rng.uniform(math.log(20), math.log(5000)))))
        cens = float(rng.uniform(0.05, 0.80))
        shape_name, k = shapes[i % 3]
        n_arms = 3 if i % 8 == 7 else 2
        hrs = [1.0] + list(np.exp(rng.uniform(math.log(0.4), math.log(1.4), n_arms - 1)))
        ratio = 2.0 if i % 5 == 4 else 1.0
        weights = np.array([1.0] + [ratio] * (n_arms - 1))
        sizes = np.maximum(5, np.round(n * weights / weights.sum()).astype(int))
        median0 = float(rng.uniform(3, 36))
        scale0 = median0 / math.log(2) ** (1 / k)
        times, arms = [], []
        for a, (m, h) in enumerate(zip(sizes, hrs)):
            u = rng.uniform(size=m)
            # S(t) = exp(-h (t/scale)^k)
            times.append(scale0 * (-np.log(u) / h) ** (1 / k))
            arms += [f"arm{a}"] * m
        t = np.concatenate(times)
        # uniform censoring on (0, tau), tau chosen so that the censored share is about `cens`
        c_unit = rng.uniform(size=t.size)
        lo, hi = 1e-6, 1e6 * float(t.max())
        for _ in range(80):
            tau = math.sqrt(lo * hi)
            if np.mean(c_unit * tau < t) > cens:
                lo = tau
            else:
                hi = tau
        c = c_unit * tau
        df = pd.DataFrame({"time": np.round(np.minimum(t, c), 3), "event": (t <= c).astype(int), "arm": arms})
        labels = [f"arm{a}" for a in range(n_arms)]
        note = (f"SYNTHETIC: simulated trial (numpy seed [{seed}, 99, {i}]) of {int(sizes.sum())} patients, "
                f"{shape_name} hazard (shape {k}), control median {median0:.1f} months, hazard ratios "
                f"{', '.join(f'{h:.3f}' for h in hrs[1:])}, allocation {':'.join(f'{w:g}' for w in weights)}, "
                f"uniform censoring aimed at {100 * cens:.0f}%")
        out.append(Study(f"synthetic_{i:03d}", f"SYNTHETIC simulated trial {i}", note, "pfs", labels, df,
                         "randomized", synthetic=True,
                         meta={"n": int(sizes.sum()), "censoring": cens, "shape": shape_name, "arms": n_arms}))
    return out


def corpus(n_simulated: int = SIMULATED, bootstraps: int = BOOTSTRAPS, seed: int = SEED) -> list[Study]:
    """The corpus: real splits, their bootstrap resamples and simulated trials, in that order."""
    base = _real_splits()
    studies = base + _bootstraps(base, bootstraps, seed) + _simulated(n_simulated, seed)
    for i, s in enumerate(studies):
        s.events_printed = bool(np.random.default_rng([seed, 7, i]).integers(0, 2))
    return studies


# --------------------------------------------------------------------------- registers
def _fmt(x: float, decimals: int) -> str:
    return f"{round_half_away(x, decimals):.{decimals}f}"


def _target(tid, quantity, value, decimals, quote, role="calibrate", **kw) -> dict:
    t = {"id": tid, "endpoint": kw.pop("endpoint"), "quantity": quantity, "value": value}
    if decimals is not None:
        t["decimals"] = decimals
    t.update(kw)
    t.update({"quote": quote, "source": "corpus_summary.txt", "role": role})
    return t


def register_of(study: Study, unit: str = "months", decimals: int = 1) -> dict | None:
    """The study's summaries as a register dict (None when an arm has no events or an HR cannot print),
    its times (medians, their limits, the median follow-up) in ``unit`` printed with ``decimals``."""
    df, ep = study.data, study.endpoint
    if unit != "months":
        df = df.assign(time=df["time"] / MONTHS[unit])
    arm_ids = [_snake(a) for a in study.arms]
    targets, counts = [], {}
    for a, aid in zip(study.arms, arm_ids):
        sub = df[df["arm"] == a]
        ev = int(sub["event"].sum())
        if len(sub) < 2 or ev < 1:
            return None
        counts[aid] = (len(sub), ev)
        targets.append(_target(f"n_{aid}", "n", len(sub), None, f"{len(sub)} patients in {a}", endpoint="cohort",
                               arm=aid))
        if study.events_printed:
            targets.append(_target(f"events_{aid}", "count", ev, None, f"{ev} events in {a}", endpoint=ep,
                                   arm=aid, count_of="events"))
        km = kaplan_meier(sub["time"].to_numpy(), sub["event"].to_numpy())
        q = km.quantile(0.5)
        for name, v in (("median", q.estimate), ("median_ci_low", q.low), ("median_ci_high", q.high)):
            if v is None:  # printed as not reached, as papers do
                targets.append(_target(f"{name}_{aid}", name, "NR", None, f"{name.replace('_', ' ')} NR ({a})",
                                       endpoint=ep, arm=aid))
            elif round_half_away(v, decimals) > 0:
                s = _fmt(v, decimals)
                targets.append(_target(f"{name}_{aid}", name, float(s), decimals,
                                       f"{name.replace('_', ' ')} {s} {unit} ({a})", endpoint=ep, arm=aid))
    t, e = df["time"].to_numpy(), df["event"].to_numpy()
    cox = cox_ph(t, e, df["arm"].to_numpy(), reference=study.arms[0])
    exact = []
    for a in study.arms[1:]:
        # a printed hazard ratio of an arm against the reference is the Cox fit of the patients
        # of those two arms, as the register's ``hr`` target reads it
        two = df[df["arm"].isin([a, study.arms[0]])]
        fit = cox if len(study.arms) == 2 else cox_ph(two["time"].to_numpy(), two["event"].to_numpy(),
                                                      two["arm"].to_numpy(), reference=study.arms[0])
        with np.errstate(over="ignore"):  # an infinite coefficient: the study is skipped below
            vals = (float(fit.hr[0]), float(fit.hr_low[0]), float(fit.hr_high[0]))
        exact.append(vals)
        if not all(math.isfinite(v) and 0.005 <= v < 1000 for v in vals):
            return None
        aid = _snake(a)
        pair = [aid, arm_ids[0]]
        for name, v in zip(("hr", "hr_ci_low", "hr_ci_high"), vals):
            s = _fmt(v, 2)
            targets.append(_target(f"{name}_{aid}", name, float(s), 2,
                                   f"{name.replace('_', ' ')} {s} ({a} vs {study.arms[0]})", endpoint=ep, arms=pair))
    lr = logrank_test(t, e, df["arm"].to_numpy())
    p = float(lr.pvalue)
    method = {"test": "logrank"}
    if round_half_away(p, 3) < 0.001:
        targets.append(_target("p_logrank", "p_value_bound", 0.001, 3, "log-rank P < .001", role="check",
                               endpoint=ep, arms=list(arm_ids) if len(arm_ids) > 2 else [arm_ids[1], arm_ids[0]],
                               comparator="<", method=method))
    else:
        s = _fmt(p, 3)
        targets.append(_target("p_logrank", "p_value", float(s), 3, f"log-rank P = {s}", role="check", endpoint=ep,
                               arms=list(arm_ids) if len(arm_ids) > 2 else [arm_ids[1], arm_ids[0]], method=method))
    fu = median_followup(t, e).estimate
    if fu is not None and round_half_away(fu, decimals) > 0:
        s = _fmt(fu, decimals)
        targets.append(_target("median_followup", "median_followup", float(s), decimals,
                               f"median follow-up {s} {unit}", endpoint=ep))
    return {
        "study": {
            "id": _snake(study.id), "title": study.title,
            "citation": study.note, "doi": "none (patient-level data set)", "time_unit": unit,
            "design": study.design, "sources": ["corpus_summary.txt"],
            "arms": [{"id": aid, "label": str(a)} for a, aid in zip(study.arms, arm_ids)],
            "data": ("SYNTHETIC. " if study.synthetic else "") + f"Summaries computed by survrepro's engine from "
                    f"{study.note}. Times in {unit}.",
        },
        "target": targets,
        "_exact": {"logrank_p": p, "hr": [v[0] for v in exact], "hr_low": [v[1] for v in exact],
                   "hr_high": [v[2] for v in exact], "wald_p": float(cox.wald_pvalue),
                   "events": sum(ev for _, ev in counts.values()), "n": sum(n for n, _ in counts.values())},
    }


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))  # pragma: no cover


def register_toml(reg: dict) -> str:
    """The register dict as TOML text (the ``_exact`` numbers are left out)."""
    lines = ["[study]"] + [f"{k} = {_toml_value(v)}" for k, v in reg["study"].items()]
    for t in reg["target"]:
        lines += ["", "[[target]]"] + [f"{k} = {_toml_value(v)}" for k, v in t.items()]
    return "\n".join(lines) + "\n"


def write_register(reg: dict, folder: Path, name: str | None = None) -> Path:
    path = Path(folder) / f"{name or reg['study']['id']}.toml"
    path.write_text(register_toml(reg), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- corruption
def _change_digit(text: str, rng, lowest: int) -> str | None:
    """``text`` with one of its digits (index >= ``lowest``) replaced by another digit."""
    pos = [i for i, c in enumerate(text) if c.isdigit() and i >= lowest]
    if not pos:
        return None
    i = int(rng.choice(pos))
    new = str(int(rng.choice([d for d in "0123456789" if d != text[i]])))
    return text[:i] + new + text[i + 1:]


def corrupt(reg: dict, kind: str, seed: int) -> tuple[dict, str] | None:
    """A copy of ``reg`` with one digit of one printed number of ``kind`` changed, and what changed."""
    rng = np.random.default_rng(seed)
    cands = [t for t in reg["target"] if t["quantity"] == kind and (kind != "p_value" or len(t["arms"]) == 2)]
    if not cands:
        return None
    t = cands[int(rng.integers(0, len(cands)))]
    old = _fmt(t["value"], t["decimals"])
    for _ in range(50):
        new = _change_digit(old, rng, 2 if kind == "p_value" else 0)
        v = float(new)
        if new != old and 0 < v and (kind != "p_value" or v <= 1) and (kind == "p_value" or v >= 0.01):
            break
    else:
        return None
    digit = next(i for i, (a, b) in enumerate(zip(old, new)) if a != b)
    place = "last digit" if digit == len(old) - 1 else "earlier digit"
    bad = json.loads(json.dumps({k: v for k, v in reg.items() if k != "_exact"}))
    for x in bad["target"]:
        if x["id"] == t["id"]:
            x["value"] = v
            x["quote"] = x["quote"].replace(old, new)
    return bad, f"{t['id']} {old} -> {new} ({place})"


# --------------------------------------------------------------------------- the benchmark
def _inconsistent(report) -> list:
    return [f for f in report.findings if f.status == "inconsistent"]


def run(n_studies: int | None = None, seed: int = SEED, corruptions: int = 2, verbose: bool = False,
        n_simulated: int = SIMULATED, bootstraps: int = BOOTSTRAPS) -> dict:
    """Audit every honest register and its corrupted copies; return the figures."""
    from survrepro.register.audit import audit_register
    from survrepro.register.schema import load_register

    start = _clock.perf_counter()
    studies = corpus(n_simulated=n_simulated, bootstraps=bootstraps, seed=seed)
    if n_studies is not None:
        studies = studies[:: max(1, len(studies) // n_studies)][:n_studies]
    regs, skipped = [], []
    for s in studies:
        reg = register_of(s)
        (regs if reg is not None else skipped).append(reg if reg is not None else s.id)
    t_build = _clock.perf_counter() - start
    alarms, cannot, detect, examples = [], 0, Counter(), []
    tried = Counter()
    with tempfile.TemporaryDirectory(prefix="survrepro_corpus_") as tmp:
        tmp = Path(tmp)
        for i, reg in enumerate(regs):
            rep = audit_register(load_register(write_register(reg, tmp)))
            bad = _inconsistent(rep)
            cannot += any(f.status == "cannot tell" for f in rep.findings)
            if bad:
                alarms.append((reg["study"]["id"], [f"{f.check}: {f.arithmetic}" for f in bad]))
                continue
            for kind in KINDS:
                for c in range(corruptions):
                    got = corrupt(reg, kind, seed=[seed, i, KINDS.index(kind), c])
                    if got is None:
                        continue
                    bad_reg, what = got
                    place = what.rsplit("(", 1)[1].rstrip(")")
                    try:
                        crep = audit_register(load_register(write_register(bad_reg, tmp, "corrupted")))
                        hit = bool(_inconsistent(crep))
                    except Exception:  # noqa: BLE001 - a register the loader refuses is caught too
                        hit = True
                    tried[(kind, place)] += 1
                    detect[(kind, place)] += hit
                    if verbose and not hit and len(examples) < 10:
                        examples.append(f"{reg['study']['id']}: {what}")
    elapsed = _clock.perf_counter() - start
    n_real = sum(not r["study"]["data"].startswith("SYNTHETIC") for r in regs)
    return {
        "studies": len(regs), "real": n_real, "synthetic": len(regs) - n_real, "skipped": skipped,
        "k_arm": sum(len(r["study"]["arms"]) > 2 for r in regs),
        "false_alarms": alarms, "false_alarm_rate": len(alarms) / max(1, len(regs)),
        "cannot_tell_studies": cannot,
        "tried": dict(tried), "detected": dict(detect), "missed_examples": examples,
        "seconds": elapsed, "build_seconds": t_build,
    }


def _rate(d: dict, t: dict, kinds, places=("last digit", "earlier digit")) -> tuple[int, int]:
    hit = sum(d.get((k, p), 0) for k in kinds for p in places)
    n = sum(t.get((k, p), 0) for k in kinds for p in places)
    return hit, n


def report(res: dict) -> str:
    lines = [
        f"Corpus: {res['studies']} honest registers ({res['real']} from real patient-level data and their "
        f"bootstrap resamples, {res['synthetic']} SYNTHETIC simulated trials; {res['k_arm']} with 3-4 arms); "
        f"{len(res['skipped'])} studies skipped (an arm without events or an HR that does not print).",
        f"False alarms: {len(res['false_alarms'])} of {res['studies']} studies with any 'inconsistent' finding "
        f"({100 * res['false_alarm_rate']:.2f}%; goal at most 1 in 300 = {100 * FALSE_ALARM_GOAL:.2f}%); "
        f"{res['cannot_tell_studies']} studies with a 'cannot tell'.",
        "Detection of one changed digit (registers whose honest version has no alarm):",
        f"  {'kind':<12} {'any digit':>16} {'earlier digit':>16} {'last digit':>16}",
    ]
    d, t = res["detected"], res["tried"]
    for kind in KINDS + ("all",):
        ks = KINDS if kind == "all" else (kind,)
        cells = []
        for places in (("last digit", "earlier digit"), ("earlier digit",), ("last digit",)):
            hit, n = _rate(d, t, ks, places)
            cells.append(f"{hit}/{n} ({100 * hit / n:.0f}%)" if n else "-")
        lines.append(f"  {kind:<12} " + " ".join(f"{c:>16}" for c in cells))
    for sid, why in res["false_alarms"][:5]:
        lines.append(f"  false alarm {sid}: {why[0][:300]}")
    for ex in res["missed_examples"]:
        lines.append(f"  missed: {ex}")
    lines.append(f"Time: {res['seconds']:.1f} s in all ({res['build_seconds']:.1f} s to analyse the patient data), "
                 f"{1000 * res['seconds'] / max(1, res['studies']):.0f} ms per study.")
    return "\n".join(lines)


def _held_out_p(reg, res, model) -> bool | None:
    """Whether the log-rank p of the synthetic data prints as the register's held-out ``check`` p."""
    held = [t for t in reg["target"] if t["id"] == "p_logrank"]
    if not held:
        return None
    t = held[0]
    df = res.data
    time, event = df[f"{model}_time"].to_numpy(float), df[f"{model}_event"].to_numpy(int)
    p = float(logrank_test(time, event, df["arm"].astype(str).to_numpy()).pvalue)
    if t["quantity"] == "p_value_bound":
        return p < t["value"]
    return round_half_away(p, 3) == round_half_away(float(t["value"]), 3)


def synthesize_some(n: int, seed: int = SEED, max_iter: int | None = None, p_calibrated: bool = False,
                    unit: str = "months", decimals: int = 1) -> dict:
    """Run the synthesizer on ``n`` corpus registers, none skipped: three quarters of two arms,
    a quarter of three or four (each evenly spaced through the corpus).

    The registers print their times in ``unit`` with ``decimals`` (the same studies whatever
    the unit: chosen by their registers in months).

    The registers have no accrual dates (the synthesizer assumes an accrual model and says
    so). Each run is one of: every calibrate target met, some unmet (listed), or refused
    (the reason, as the synthesizer words it). The held-out log-rank p (a ``check`` target,
    never read by the synthesizer) is recomputed from the synthetic data and compared at its
    printed precision; with ``p_calibrated`` that p is a ``calibrate`` target instead.
    """
    from survrepro.register.schema import load_register
    from survrepro.register.synthesis import spec_from_register, unmet_reasons
    from survrepro.sources.synthesize import synthesize

    every = [(s, r) for s, r in ((s, register_of(s)) for s in corpus(seed=seed)) if r is not None]
    chosen = []
    for pool, k in (([p for p in every if len(p[1]["study"]["arms"]) == 2], n - n // 4),
                    ([p for p in every if len(p[1]["study"]["arms"]) > 2], n // 4)):
        chosen += [pool[i * len(pool) // k] for i in range(min(k, len(pool)))]
    regs = [r if unit == "months" else register_of(s, unit, decimals) for s, r in chosen]
    if p_calibrated:
        for reg in regs:
            for t in reg["target"]:
                if t["id"] == "p_logrank":
                    t["role"] = "calibrate"
    met, unmet, refused, runs, reasons = 0, Counter(), Counter(), [], Counter()
    with tempfile.TemporaryDirectory(prefix="survrepro_corpus_") as tmp:
        for reg in regs:
            ep = next(t["endpoint"] for t in reg["target"] if t["quantity"] == "hr")
            model = "os" if ep == "os" else "pfs"
            start = _clock.perf_counter()
            try:
                loaded = load_register(write_register(reg, tmp))
                spec = spec_from_register(loaded, endpoints=(model,), endpoint_map={ep: model, "cohort": model})
                res = synthesize(spec, seed=0, max_iter=max_iter)
            except Exception as exc:  # noqa: BLE001 - the reason is the figure reported
                refused[str(exc).split(".toml: ", 1)[-1].split(";")[0][:160]] += 1
                continue
            seconds = _clock.perf_counter() - start
            runs.append({"id": reg["study"]["id"], "n": spec.n, "arms": len(spec.groups), "seconds": seconds,
                         "met": res.converged, "events": any(c.quantity == "events" for c in spec.constraints),
                         "p_held_out": _held_out_p(reg, res, model),
                         "fitted": any("started from a model fitted" in x for x in res.notes)})
            if res.converged:
                met += 1
            else:
                for c in res.constraints:
                    if not c.matched:
                        unmet[c.quantity] += 1
                for line in unmet_reasons(loaded, res):
                    reasons["an audit finding" if "the audit finds" in line else "the step cap"] += 1
    return {"runs": len(regs), "met": met, "unmet": dict(unmet), "refused": dict(refused), "per_study": runs,
            "p_calibrated": p_calibrated, "unit": (unit, decimals),
            "reasons": dict(reasons),
            "slowest": max(((r["seconds"], r["id"], r["n"]) for r in runs), default=None)}


def synthesis_report(syn: dict) -> str:
    """The synthesizer figures of :func:`synthesize_some`, as printed by ``make bench``."""
    runs = syn["per_study"]
    done = len(runs)
    unit, decimals = syn.get("unit", ("months", 1))
    lines = [f"Synthesizer on {syn['runs']} registers of 2-4 arms without accrual dates"
             + (", the log-rank p calibrated" if syn.get("p_calibrated") else "")
             + ("" if unit == "months" else f", times printed in whole {unit}" if decimals == 0
                else f", times printed in {unit} to {decimals} decimals")
             + f": {syn['met']} with every "
             f"calibrate target met ({100 * syn['met'] / max(1, syn['runs']):.0f}%; goal 100%), "
             f"{done - syn['met']} with targets unmet, {sum(syn['refused'].values())} refused."]
    for why, k in syn["refused"].items():
        lines.append(f"  refused {k}: {why}")
    for what, k in sorted(syn["unmet"].items()):
        lines.append(f"  unmet {what}: {k}")
    for why, k in sorted(syn.get("reasons", {}).items()):
        lines.append(f"  unmet targets whose reason is {why}: {k}")
    if runs:
        secs = np.array([r["seconds"] for r in runs])
        lines.append(f"  time per study: median {np.median(secs):.1f} s, 90th percentile {np.percentile(secs, 90):.1f} s, "
                     f"max {secs.max():.1f} s; met from the fitted start: {sum(r['fitted'] and r['met'] for r in runs)}")
        for label, group in (("2 arms", [r for r in runs if r["arms"] == 2]),
                             ("3-4 arms", [r for r in runs if r["arms"] > 2]),
                             ("event counts printed", [r for r in runs if r["events"]])):
            if group:
                lines.append(f"  {label}: {sum(r['met'] for r in group)} of {len(group)} met")
        for lo, hi in ((1, 250), (251, 1000), (1001, 5000)):
            band = [r for r in runs if lo <= r["n"] <= hi and r["arms"] == 2]
            if band:
                bs = np.array([r["seconds"] for r in band])
                lines.append(f"  two arms, {lo}-{hi} patients: {len(band)} studies, {sum(r['met'] for r in band)} met, "
                             f"median {np.median(bs):.1f} s, max {bs.max():.1f} s")
        held = [r["p_held_out"] for r in runs if r["p_held_out"] is not None]
        lines.append(f"  {'calibrated' if syn.get('p_calibrated') else 'held-out'} log-rank p reproduced at printed "
                     f"precision: {sum(held)} of {len(held)}")
        sec, sid, n = syn["slowest"]
        lines.append(f"  slowest: {sid} ({n} patients, {sec:.1f} s)")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m survrepro.bench.corpus", description=__doc__.split("\n")[0])
    ap.add_argument("--studies", type=int, default=None, help="audit an evenly spaced subset of N studies")
    ap.add_argument("--verbose", action="store_true", help="list corruptions the audit missed")
    ap.add_argument("--synthesize", type=int, default=0, metavar="N",
                    help="also run the synthesizer on N two-arm registers (none skipped for lack of accrual dates)")
    ap.add_argument("--p-calibrated", action="store_true",
                    help="with --synthesize: run the N registers again with the log-rank p as a calibrate target")
    ap.add_argument("--units", type=int, default=0, metavar="N",
                    help="also run the synthesizer on N of those studies printed in days (whole days) and in years "
                         "(2 decimals)")
    ap.add_argument("--skip-audit", action="store_true", help="run only the synthesizer figures asked for")
    args = ap.parse_args(argv)
    res = None if args.skip_audit else run(args.studies, verbose=args.verbose)
    if res is not None:
        print(report(res), flush=True)
    if args.synthesize:
        print(synthesis_report(synthesize_some(args.synthesize)), flush=True)
        if args.p_calibrated:
            print(synthesis_report(synthesize_some(args.synthesize, p_calibrated=True)), flush=True)
    for unit, decimals in (("days", 0), ("years", 2)) if args.units else ():
        print(synthesis_report(synthesize_some(args.units, unit=unit, decimals=decimals)), flush=True)
    return int(res is not None and res["false_alarm_rate"] > FALSE_ALARM_GOAL)


if __name__ == "__main__":
    sys.exit(main())
