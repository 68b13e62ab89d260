"""Design figures; each takes a matplotlib ``ax`` and returns it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from survrepro.design.binomial import binomial_power_curve
from survrepro.design.events import events_table

__all__ = [
    "plot_binomial_power",
    "plot_events_by_hazard_ratio",
    "plot_power_by_hazard_ratio",
]


def plot_events_by_hazard_ratio(ax, hazard_ratios=None, *, power: float = 0.8, alpha: float = 0.1,
                                sides=(1, 2), method: str = "schoenfeld", implied_events=None,
                                design_hr: float | None = None):
    """Required events against the hazard ratio, one line per sidedness; returns ``ax``.

    ``implied_events`` (a number or ``(label, number)``) draws a horizontal line for
    the events a study had, for comparison.
    """
    if hazard_ratios is None:
        hazard_ratios = np.linspace(0.3, 0.85, 56)
    tab = events_table(hazard_ratios, powers=(power,), alphas=(alpha,), sides=sides, method=method)
    for s, sub in tab.groupby("sides"):
        ax.plot(sub["hazard_ratio"], sub["events"], label=f"{s}-sided alpha {alpha:g}", drawstyle="steps-mid")
    if design_hr is not None:
        ax.axvline(design_hr, color="0.5", lw=0.8, ls=":")
    if implied_events is not None:
        label, value = implied_events if isinstance(implied_events, tuple) else ("events in the study", implied_events)
        ax.axhline(value, color="k", lw=0.8, ls="--", label=label)
    ax.set_yscale("log")
    ax.set_xlabel("hazard ratio (experimental / control)")
    ax.set_ylabel(f"events for {power:.0%} power ({method})")
    ax.legend(frameon=False)
    return ax


def plot_binomial_power(ax, n: int, p0: float, p1_grid=None, *, alpha: float = 0.05, mark=None):
    """Exact power of a single-arm design against the true landmark rate; returns ``ax``.

    ``mark`` is an optional ``(label, rate)`` drawn as a vertical line (an assumed rate).
    """
    if p1_grid is None:
        p1_grid = np.linspace(p0, min(1.0, p0 + 0.45), 91)
    curve = binomial_power_curve(n, p0, p1_grid, alpha=alpha)
    k = int(curve["threshold"].iloc[0])
    ax.plot(curve["p1"], curve["power"], label=f"n = {n}, positive if >= {k}/{n}")
    ax.axhline(0.8, color="0.6", lw=0.8, ls=":")
    if mark is not None:
        ax.axvline(mark[1], color="k", lw=0.8, ls="--", label=mark[0])
    ax.set_xlabel("true rate at landmark")
    ax.set_ylabel(f"power (exact, one-sided alpha {alpha:g}, p0 = {p0:g})")
    ax.set_ylim(0, 1)
    ax.legend(frameon=False)
    return ax


def plot_power_by_hazard_ratio(ax, table: pd.DataFrame, *, x: str = "hazard_ratio", y: str = "power",
                               by: str | None = "analysis", se: str | None = "mc_se"):
    """Power against the hazard ratio from a tidy table (simulated or analytic); returns ``ax``.

    Error bars show ``1.96 * se`` when the column ``se`` is present (Monte Carlo error).
    """
    groups = table.groupby(by, sort=False) if by and by in table.columns else [("power", table)]
    for label, sub in groups:
        sub = sub.sort_values(x)
        if se and se in sub.columns:
            ax.errorbar(sub[x], sub[y], yerr=1.96 * sub[se], marker="o", ms=3, capsize=2, label=str(label))
        else:
            ax.plot(sub[x], sub[y], marker="o", ms=3, label=str(label))
    ax.axhline(0.8, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel("hazard ratio (experimental / control)")
    ax.set_ylabel("power")
    ax.set_ylim(0, 1)
    ax.legend(frameon=False)
    return ax
