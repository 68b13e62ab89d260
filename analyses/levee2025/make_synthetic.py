"""Make the SYNTHETIC LeVee et al. 2025 cohort calibrated to the published summaries.

Reads the `calibrate` targets of data/published/levee2025.toml (never the `check` ones):
52 patients by subtype (36/10/6), the evaluable and remaining counts at 6 months (overall
and by subtype) and 1 year, median time to next systemic therapy and median PFS with their
95% confidence limits (log transform assumed). Writes
the CSV (readable by `survrepro proportion`: columns time, event, death, subtype), a
source note and a JSON summary. Exits 1 when a calibration target is not met.

Landmark rule: a patient counts at a landmark when the therapy ended before it or
follow-up on it reached it (`evaluable="followed"`). With deaths before the landmark
counted as failures, the published counts and the median of 6.9 months cannot hold
together (the note prints the arithmetic); deaths on therapy before a landmark are
therefore not evaluable (`death_is_failure=False`), which is what "patients with a
follow-up time of at least 1 year" reads as. Pass --deaths-are-failures to see the
conflict reported instead.

    python analyses/levee2025/make_synthetic.py [--out CSV] [--notes MD] [--seed N]
"""
from __future__ import annotations

import argparse
import sys

from survrepro import io, paths
from survrepro.register.synthesis import spec_from_register
from survrepro.report import exhibits
from survrepro.sources.synthesize import evaluate, landmark_conflicts, notes_text, synthesize
from survrepro.register.schema import load_register

STUDY = "levee2025"
#: Seed of the shipped data set.
SEED = 5
COLUMNS = {
    "patient": "synthetic patient id",
    "subtype": "breast cancer subtype (register arm id: hr_pos_her2_neg, her2_pos, tnbc)",
    "mdrt_date": "date of metastasis-directed radiation therapy (time zero), within Dec 2017 - Mar 2023",
    "time": "months on the same systemic therapy after MDRT (to the next systemic therapy or death), or follow-up while still on it",
    "event": "1 = the therapy ended (next systemic therapy or death), 0 = still on it when last seen",
    "death": "1 when the therapy ended by death",
    "pfs_time": "months from MDRT to progression, death or censoring (never after `time`)",
    "pfs_event": "1 = progression or death, 0 = censored",
    "progression": "1 when the PFS event was a progression",
    "os_time": "months from MDRT to death or last follow-up (follow-up time)",
    "os_event": "1 = death, 0 = alive at last follow-up",
}
UNCONSTRAINED = (
    "Overall survival and the subtype-level 1-year counts are constrained by no published number. "
    "The Kaplan-Meier confidence limits of the medians (5.7-14.7, 4.1-9.7) are calibrated under "
    "the assumed log transform (R survfit default; the paper does not say). p = 0.30 and the "
    "percentages are `check` targets, held out: they follow from the calibrated counts."
)


def build_spec(deaths_are_failures: bool = False):
    reg = load_register(STUDY)
    return spec_from_register(
        reg,
        endpoints=("ttnt", "pfs", "os"),
        endpoint_map={"on_therapy": "ttnt"},
        group_column="subtype",
        columns={"ttnt": ("time", "event")},
        entry_column="mdrt_date",
        landmark_rule={"evaluable": "followed", "death_is_failure": deaths_are_failures},
    )


def main(argv=None) -> int:
    folder = paths.study_data(STUDY)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=folder / "levee2025_synthetic_ipd.csv")
    ap.add_argument("--notes", default=folder / "SOURCE.md")
    ap.add_argument("--json", default=folder / "levee2025_synthetic_calibration.json")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--max-iter", type=int, default=20000)
    ap.add_argument("--deaths-are-failures", action="store_true")
    args = ap.parse_args(argv)
    spec = build_spec(args.deaths_are_failures)
    res = synthesize(spec, seed=args.seed, max_iter=args.max_iter)
    io.write_csv(args.out, res.data)
    checked = evaluate(io.read_csv(args.out, what="synthetic data file"), spec)
    if [c.achieved for c in checked] != [c.achieved for c in res.constraints]:
        raise SystemExit("the CSV as written does not give the values computed in memory")
    # the conflict that decides the landmark rule, computed from the register's counts
    other = build_spec(not args.deaths_are_failures)
    conflict = landmark_conflicts(other.constraints, {}) if not args.deaths_are_failures else []
    text = notes_text(res, spec, columns=COLUMNS, unconstrained=UNCONSTRAINED)
    if conflict:
        text += ("\n## Why deaths on therapy before a landmark are not evaluable\n\n"
                 + "\n".join(f"- With deaths counted as failures: {m}" for m in conflict) + "\n")
    io.write_text(args.notes, text)
    io.write_json(args.json, res.to_dict())
    first, *unmet = res.summary_lines()
    print(first)
    for line in unmet:
        print(line, file=sys.stderr)
    return 0 if res.converged else 1


if __name__ == "__main__":
    raise SystemExit(exhibits.call(main))
