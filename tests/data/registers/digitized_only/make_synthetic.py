"""Write the SYNTHETIC digitized curves and risk table of the test register digitized_only.toml.

A two-arm trial is simulated with a fixed seed (exponential overall survival, medians 14 and
9 months; uniform accrual over 24 months, analysis at 42 months, 10% random drop-out); its
Kaplan-Meier curves are written as WebPlotDigitizer's export of all datasets would hold them
(two clicks per step, survival to 4 decimals, time to 3) and its numbers at risk as a paper
prints them (one row per arm, one column per time). The numbers of the register are those
of the simulated patients, printed at the precision papers use; the script prints them.

    PYTHONPATH=src python tests/data/registers/digitized_only/make_synthetic.py
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SEED = 20261201
ARMS = {"drug": (120, 14.0), "placebo": (118, 9.0)}
TABLE_TIMES = (0, 6, 12, 18, 24, 30, 36)


def simulate(seed: int = SEED) -> dict:
    """``{arm: (time, event)}`` of the simulated patients (SYNTHETIC)."""
    rng = np.random.default_rng(seed)
    out = {}
    for arm, (n, median) in ARMS.items():
        death = rng.exponential(median / np.log(2), n)
        entry = rng.uniform(0, 24, n)
        admin = 42 - entry
        drop = np.where(rng.uniform(size=n) < 0.10, rng.uniform(0, admin), np.inf)
        cens = np.minimum(admin, drop)
        time = np.round(np.minimum(death, cens), 2)
        out[arm] = (time, (death <= cens).astype(int))
    return out


def clicks(time, event):
    """The corners of the Kaplan-Meier step curve, as a careful digitizer clicks them."""
    from survrepro.engine.km import kaplan_meier

    km = kaplan_meier(time, event)
    t, s = np.asarray(km.time), np.asarray(km.survival)
    pts, prev = [(0.0, 1.0)], 1.0
    for ti, si, d in zip(t, s, np.asarray(km.n_event)):
        if d > 0:
            pts += [(ti, prev), (ti, si)]
            prev = si
    pts.append((float(time.max()), prev))
    return [(round(float(a), 3), round(float(b), 4)) for a, b in pts]


def write(folder: Path = HERE) -> dict:
    """Write ``synthetic_os_curves.csv`` and ``synthetic_os_at_risk.csv`` into ``folder``;
    return the simulated patients."""
    data = simulate()
    cols = {arm: clicks(*te) for arm, te in data.items()}
    rows = ["drug,,placebo,", "X,Y,X,Y"]
    for i in range(max(len(c) for c in cols.values())):
        cells = []
        for arm in ARMS:
            c = cols[arm]
            cells += [f"{c[i][0]:g}", f"{c[i][1]:.4f}"] if i < len(c) else ["", ""]
        rows.append(",".join(cells))
    (folder / "synthetic_os_curves.csv").write_text("\n".join(rows) + "\n")
    table = ["arm," + ",".join(map(str, TABLE_TIMES))]
    for arm, (time, _) in data.items():
        table.append(arm + "," + ",".join(str(int((time >= t).sum())) for t in TABLE_TIMES))
    (folder / "synthetic_os_at_risk.csv").write_text("\n".join(table) + "\n")
    return data


def main() -> None:
    from survrepro.engine.cox import cox_ph
    from survrepro.engine.km import kaplan_meier
    from survrepro.engine.logrank import logrank_test

    data = write()
    time = np.concatenate([data[a][0] for a in ARMS])
    event = np.concatenate([data[a][1] for a in ARMS])
    arm = np.repeat(list(ARMS), [len(data[a][0]) for a in ARMS])
    for a in ARMS:
        km = kaplan_meier(*data[a])
        print(a, "n", len(data[a][0]), "events", int(data[a][1].sum()), "median", km.median, "ci", km.median_ci)
    cox = cox_ph(time, event, arm, reference="placebo")
    print("cox", cox)
    print("logrank", logrank_test(time, event, arm))


if __name__ == "__main__":
    main()
