"""The check figure: the extracted curves drawn over the figure they were read from."""
from __future__ import annotations

import numpy as np

OVERLAY_COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf")


def overlay_figure(result, *, image=None):
    """Draw the curves and censor marks of a :class:`DigitizedFigure` over its source.

    A PDF page is shown rendered (pass it as ``image``, from
    :func:`~survrepro.sources.digitize.vector.render_pdf_page`), an image as itself; an SVG
    is not rendered, so its curves are drawn alone on axes with the ranges read.

    Parameters
    ----------
    result : DigitizedFigure
        What :func:`~survrepro.sources.digitize.digitize` read.
    image : numpy.ndarray, optional
        The page or image as an RGB array; its size in pixels over ``result.page_size``
        gives the scale.

    Returns
    -------
    matplotlib.figure.Figure
        The overlay.

    Examples
    --------
    >>> import pandas as pd
    >>> from survrepro.sources.digitize.api import DigitizedFigure
    >>> from survrepro.sources.digitize.axes import AxisMap
    >>> res = DigitizedFigure(pd.DataFrame({"time": [0, 5, 5, 9], "survival": [1, 1, .5, .5], "arm": "A"}), None,
    ...                       pd.DataFrame(columns=["time", "arm"]), [], "svg", "f.svg",
    ...                       xmap=AxisMap(0, 1), ymap=AxisMap(1, -0.01), arms=["A"])
    >>> fig = overlay_figure(res)
    >>> len(fig.axes[0].lines)
    1
    """
    from matplotlib.figure import Figure

    arms = result.arms or list(dict.fromkeys(result.curves["arm"]))
    if image is None:
        fig = Figure(figsize=(7, 4.5))
        ax = fig.add_subplot()
        for k, arm in enumerate(arms):
            c = result.curves[result.curves["arm"] == arm]
            color = OVERLAY_COLORS[k % len(OVERLAY_COLORS)]
            ax.plot(c["time"], c["survival"], color=color, lw=1.4, label=f"{arm} (read)")
            cen = result.censor[result.censor["arm"] == arm]
            if len(cen):
                ax.plot(cen["time"], np.interp(cen["time"], c["time"], c["survival"]), "|", color=color, ms=7)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("time (axis units)")
        ax.set_ylabel("survival")
        ax.legend(frameon=False, fontsize=8)
        ax.set_title(f"Curves read from {result.source} (the SVG itself is not drawn here)", fontsize=9)
        return fig
    h, w = image.shape[:2]
    sx = w / result.page_size[0] if result.page_size[0] else 1.0
    sy = h / result.page_size[1] if result.page_size[1] else 1.0
    # lines and text grow with an image larger than a 6-inch figure at 150 dpi, so that they
    # keep their size when the overlay is looked at scaled down to a screen
    grow = max(1.0, w / 150 / 6)
    rows = len(arms) if result.at_risk is not None else 0
    # a strip under the image for the legend and the numbers at risk read, clear of the figure
    strip = 0.06 + 0.035 * rows
    fig = Figure(figsize=(w / 150, h / 150 / (1 - strip)), dpi=150)
    ax = fig.add_axes([0, strip, 1, 1 - strip])
    ax.imshow(image, alpha=0.55, interpolation="nearest")
    ax.set_axis_off()
    for k, arm in enumerate(arms):
        c = result.curves[result.curves["arm"] == arm]
        color = OVERLAY_COLORS[k % len(OVERLAY_COLORS)]
        px = result.xmap.inverse(c["time"].to_numpy()) * sx
        py = result.ymap.inverse(c["survival"].to_numpy()) * sy
        ax.plot(px, py, color=color, lw=0.9 * grow, alpha=0.9, label=f"read: {arm}")
        cen = result.censor[result.censor["arm"] == arm]
        if len(cen):
            cy = np.array([c["survival"].to_numpy()[max(np.searchsorted(c["time"].to_numpy(), t, side="right") - 1, 0)]
                           for t in cen["time"]])
            ax.plot(result.xmap.inverse(cen["time"].to_numpy()) * sx, result.ymap.inverse(cy) * sy, "x",
                    color=color, ms=4 * grow, mew=0.8 * grow)
    if result.at_risk is not None:
        step = 0.035 * h / (1 - strip)  # one row of numbers, in image pixels
        for k, arm in enumerate(arms):
            t = result.at_risk[result.at_risk["arm"] == arm]
            color = OVERLAY_COLORS[k % len(OVERLAY_COLORS)]
            xs = result.xmap.inverse(t["time"].to_numpy()) * sx
            ax.plot(xs, np.full(len(t), h - 4), "^", color="0.3", ms=3 * grow, clip_on=False,
                    label="numbers at risk read, at their times" if k == 0 else None)
            for x, n in zip(xs, t["n_at_risk"]):
                ax.text(x, h + (k + 0.6) * step, str(n), color=color, fontsize=6 * grow, ha="center", va="center",
                        clip_on=False)
    fig.legend(loc="lower center", fontsize=6 * grow, frameon=False, ncol=len(arms) + 1)
    return fig
