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
    """Required events against the hazard ratio, one line per sidedness.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    hazard_ratios : array_like, optional
        Hazard ratios on the x axis (default 0.30 to 0.85 by 0.01).
    power, alpha, sides, method
        As in :func:`~survrepro.design.events.required_events`.
    implied_events : float or (str, float), optional
        The events a study had, drawn as a horizontal line (with its label).
    design_hr : float, optional
        The design hazard ratio, drawn as a vertical line.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_events_by_hazard_ratio(Figure().subplots(), implied_events=("events seen", 30))
    >>> ax.get_yscale()
    'log'
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
    ax.set_ylabel(f"events for {power:.0%} power ({method.capitalize()})")  # a method is named after its author
    ax.legend(frameon=False)
    return ax


def plot_binomial_power(ax, n: int, p0: float, p1_grid=None, *, alpha: float = 0.05, mark=None):
    """Exact power of a single-arm design against the true landmark rate.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    n : int
        Patients.
    p0 : float
        Null rate.
    p1_grid : array_like, optional
        Alternative rates on the x axis (default ``p0`` to ``p0 + 0.45``).
    alpha : float
        One-sided type I error.
    mark : (str, float), optional
        A rate drawn as a vertical line with its label (an assumed rate).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_binomial_power(Figure().subplots(), 30, 0.2)
    >>> ax.get_legend().get_texts()[0].get_text()
    'n = 30, positive if >= 11/30'
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
    """Power against the hazard ratio from a tidy table (simulated or analytic).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    table : pandas.DataFrame
        One row per hazard ratio (and analysis).
    x, y : str
        Columns of the hazard ratio and the power.
    by : str, optional
        Column whose values get one line each.
    se : str, optional
        Column of the Monte Carlo standard error; error bars show ``1.96 * se``.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> tab = pd.DataFrame({"hazard_ratio": [0.5, 0.7], "power": [0.9, 0.5], "analysis": "pooled"})
    >>> ax = plot_power_by_hazard_ratio(Figure().subplots(), tab, se=None)
    >>> [float(v) for v in ax.get_ylim()]
    [0.0, 1.0]
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
