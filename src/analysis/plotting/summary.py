"""Charts of the summary page: KPI sparklines and revenue by value tier."""

from __future__ import annotations

import pandas as pd

__all__ = ["plot_sparklines", "plot_tier_revenue"]


def plot_sparklines(lines: dict[str, pd.Series], *, title: str | None = None):
    """Small multiples: one line per KPI over the months, the last month marked.

    Parameters
    ----------
    lines : dict
        Label -> monthly series (index ``YYYY-MM``, oldest first); missing months are
        gaps. Labels are drawn as given (translate them first).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> s = pd.Series([1.0, 3.0, 2.0], index=["2026-08", "2026-09", "2026-10"])
    >>> fig = plot_sparklines({"a": s, "b": s * 2})
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    n = max(len(lines), 1)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 1.7 * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax, (label, s) in zip(axes.flat, lines.items(), strict=False):
        y = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
        x = range(len(y))
        ax.plot(x, y, color="#0072B2", linewidth=1.6)
        ax.plot([len(y) - 1], [y[-1]], "o", color="#D55E00", markersize=5)
        ax.set_title(label, fontsize=10, loc="left")
        ax.set_xticks([0, len(y) - 1], [str(s.index[0]), str(s.index[-1])], fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(_short_number))
        ax.grid(axis="x", visible=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def _short_number(value: float, _pos=None) -> str:
    """Axis numbers without scientific notation: 1.2M, 350k, 0.71, -8."""
    a = abs(value)
    if a >= 1e6:
        return f"{value / 1e6:.1f}M"
    if a >= 1e4:
        return f"{value / 1e3:.0f}k"
    if a >= 10 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.2f}"


def plot_tier_revenue(frame: pd.DataFrame, *, title: str | None = None):
    """Grouped horizontal bars: revenue per value tier, one bar per column (month).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> df = pd.DataFrame({"before": [5.0, 2.0], "now": [6.0, 1.0]}, index=["high", "low"])
    >>> fig = plot_tier_revenue(df)
    >>> len(fig.axes[0].patches)
    4
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.6 + 0.7 * len(frame)))
    frame.plot.barh(ax=ax, color=["#9ecae1", "#0072B2"][: frame.shape[1]], width=0.75)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", fontsize=9, frameon=False)
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    fig.tight_layout()
    return fig
