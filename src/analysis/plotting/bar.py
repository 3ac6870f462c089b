"""A generic bar chart for one labelled series (segment sizes, revenue by class, ...)."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from analysis.plotting._axes import axes_or_new

__all__ = ["plot_bar"]


def plot_bar(
    series: pd.Series,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    horizontal: bool = False,
    **kw: object,
) -> Axes:
    """Draw ``series`` as bars, one per index label, in the series' order.

    Parameters
    ----------
    series : pandas.Series
        Values to draw; the index gives the bar labels (Chinese labels need
        :func:`analysis.plotting.use_house_style` first).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created when omitted.
    title : str, optional
        Axes title; defaults to the series name.
    horizontal : bool, default False
        Horizontal bars, easier to read with long segment names.
    **kw
        Passed to ``Axes.bar`` / ``Axes.barh``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> s = pd.Series([120, 45], index=["重要价值客户", "一般挽留客户"], name="customers")
    >>> ax = plot_bar(s, horizontal=True)
    >>> len(ax.patches)
    2
    """
    ax = axes_or_new(ax)
    labels = [str(label) for label in series.index]
    values = pd.to_numeric(series, errors="raise").to_numpy()
    if horizontal:
        ax.barh(labels, values, **kw)
        ax.invert_yaxis()  # first item on top, as in a table
        ax.grid(axis="y", visible=False)
        ax.axvline(0, color="0.3", linewidth=0.8)
    else:
        ax.bar(labels, values, **kw)
        ax.grid(axis="x", visible=False)
        ax.axhline(0, color="0.3", linewidth=0.8)
    heading = title if title is not None else series.name
    if heading is not None:
        ax.set_title(str(heading))
    return ax
