"""Figures of the data-quality report."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from analysis.plotting._axes import axes_or_new


def plot_monthly_volume(
    monthly: pd.DataFrame,
    *,
    ax: Axes | None = None,
    value: str = "rows",
    title: str | None = None,
    period_end=None,
) -> Axes:
    """Bars per month of ``monthly[value]`` (from :func:`compute_monthly_volume`).

    A thin vertical line marks the period end when given.
    """
    ax = axes_or_new(ax, (9, 3))
    x = pd.to_datetime(monthly["month"])
    ax.bar(x, monthly[value], width=20, color="#3b6ea5")
    if period_end is not None:
        ax.axvline(pd.Timestamp(period_end), color="#c0392b", linewidth=1)
    ax.set_title(title or value)
    ax.margins(x=0.01)
    return ax


def plot_ledger(ledger: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Horizontal stacked bars: kept, duplicates, quarantined, after period per table.

    ``ledger`` has one row per table: rows in, then kept, duplicates, quarantined and after
    period (what :func:`analysis.pages.quality.ledger` holds); columns 2-5 are stacked as
    shares of rows in.
    """
    ax = axes_or_new(ax, (9, 0.6 * len(ledger) + 1))
    parts = ledger.iloc[:, 1:5]
    shares = parts.div(ledger.iloc[:, 0].where(ledger.iloc[:, 0] > 0), axis=0).fillna(0)
    left = pd.Series(0.0, index=shares.index)
    colors = ["#3b6ea5", "#95a5a6", "#c0392b", "#f39c12"]
    for col, color in zip(shares.columns, colors, strict=True):
        ax.barh(shares.index.astype(str), shares[col], left=left, color=color, label=col)
        left = left + shares[col]
    ax.set_xlim(0, 1)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, frameon=False)
    if title:
        ax.set_title(title, pad=28)
    return ax
