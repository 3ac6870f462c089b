"""Survey figures: NPS trend with intervals, score distribution, sentiment, drivers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis.plotting._axes import axes_or_new

__all__ = [
    "plot_drivers",
    "plot_nps_trend",
    "plot_praise_complaints",
    "plot_score_distribution",
    "plot_sentiment_by",
]


def plot_nps_trend(
    monthly: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    month_col: str = "month",
) -> Axes:
    """NPS per month with its 95% interval (``compute_nps(..., by="month")``).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> m = pd.DataFrame({"month": ["2026-09", "2026-10"], "nps": [10.0, 5.0],
    ...                   "nps_low": [0.0, -5.0], "nps_high": [20.0, 15.0]})
    >>> [float(y) for y in plot_nps_trend(m).lines[0].get_ydata()]  # then the zero line
    [10.0, 5.0]
    """
    ax = axes_or_new(ax)
    x = np.arange(len(monthly))
    ax.fill_between(x, monthly["nps_low"], monthly["nps_high"], alpha=0.25, linewidth=0)
    ax.plot(x, monthly["nps"], marker="o", markersize=3)
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], [str(m) for m in monthly[month_col]][::step], rotation=45, ha="right")
    ax.axhline(0, color="0.3", linewidth=0.8)
    ax.set_ylabel("NPS")
    if title:
        ax.set_title(title)
    return ax


def plot_score_distribution(
    scores: pd.Series, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Responses per score 0–10, coloured by NPS group."""
    ax = axes_or_new(ax)
    counts = pd.to_numeric(scores, errors="coerce").dropna().astype(int).value_counts()
    counts = counts.reindex(range(11), fill_value=0)
    colours = ["#D55E00"] * 7 + ["#999999"] * 2 + ["#009E73"] * 2
    ax.bar(counts.index, counts.to_numpy(), color=colours)
    ax.set_xticks(range(11))
    ax.grid(axis="x", visible=False)
    if title:
        ax.set_title(title)
    return ax


def plot_sentiment_by(
    table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Stacked shares of negative / neutral / positive per group (rows = groups)."""
    ax = axes_or_new(ax)
    cols = [c for c in ("negative", "neutral", "positive") if c in table.columns]
    left = np.zeros(len(table))
    colours = {"negative": "#D55E00", "neutral": "#999999", "positive": "#009E73"}
    labels = [str(i) for i in table.index]
    for c in cols:
        ax.barh(labels, table[c].to_numpy(), left=left, color=colours[c], label=c)
        left += table[c].to_numpy()
    ax.invert_yaxis()
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax


def plot_drivers(
    drivers: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, top: int = 12
) -> Axes:
    """Effect of each theme on the score with its interval (``fit_drivers`` output)."""
    ax = axes_or_new(ax)
    d = drivers.head(top)
    y = np.arange(len(d))
    err = np.vstack([d["effect"] - d["effect_low"], d["effect_high"] - d["effect"]])
    ax.errorbar(d["effect"], y, xerr=err, fmt="o", capsize=3)
    ax.set_yticks(y, [str(n) for n in d["name"]])
    ax.invert_yaxis()
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax


def plot_praise_complaints(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    labels: tuple[str, str] = ("praise", "complaints"),
) -> Axes:
    """Comments praising (right) and complaining about (left) each theme, as bars.

    ``table``: index = theme name, columns ``positive`` and ``negative`` (counts); the
    first row is drawn at the top.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> t = pd.DataFrame({"positive": [5, 2], "negative": [9, 1]}, index=["售后", "物流"])
    >>> [float(p.get_width()) for p in plot_praise_complaints(t).patches]
    [5.0, 2.0, -9.0, -1.0]
    """
    ax = axes_or_new(ax)
    y = np.arange(len(table))[::-1]
    ax.barh(y, table["positive"], color="#4c956c", label=labels[0])
    ax.barh(y, -table["negative"], color="#c44536", label=labels[1])
    ax.set_yticks(y, [str(i) for i in table.index])
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.xaxis.set_major_formatter(lambda v, _pos: f"{abs(v):,.0f}")
    ax.legend(loc="lower right", fontsize=8)
    return ax
