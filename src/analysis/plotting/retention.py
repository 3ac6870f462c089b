"""Retention figures: the sBG projection beside the Kaplan–Meier estimate."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from analysis.plotting._axes import axes_or_new

__all__ = ["plot_sbg_vs_km"]


def plot_sbg_vs_km(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    km_label: str = "Kaplan–Meier",
    sbg_label: str = "sBG",
) -> Axes:
    """Per group, Kaplan–Meier as steps and the sBG projection dashed, in one colour.

    The legend names each group by colour, then the two line styles with ``km_label``
    and ``sbg_label``. Every word is the caller's (a Chinese page passes Chinese ones);
    group names come from the data.

    Parameters
    ----------
    table : pandas.DataFrame
        ``group``, ``period``, ``km_survival`` (NaN where not estimated),
        ``sbg_survival``: the ``curves`` of
        :func:`analysis.survival.cohorts.fit_sbg_cohorts`.
    ax : matplotlib.axes.Axes, optional
    title, xlabel, ylabel, km_label, sbg_label : str

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> t = pd.DataFrame({"group": ["a"] * 3, "period": [0, 1, 2],
    ...                   "km_survival": [1.0, 0.7, 0.55], "sbg_survival": [1.0, 0.68, 0.56]})
    >>> ax = plot_sbg_vs_km(t, xlabel="months", ylabel="still active")
    >>> len(ax.lines)
    2
    """
    ax = axes_or_new(ax)
    handles = []
    for name, g in table.groupby("group", sort=False):
        g = g.sort_values("period")
        km = g.dropna(subset=["km_survival"])
        (line,) = ax.step(km["period"], km["km_survival"], where="post", label=str(name))
        ax.plot(g["period"], g["sbg_survival"], "--", color=line.get_color(), linewidth=1.2)
        handles.append(line)
    handles += [
        Line2D([], [], color="0.3", label=km_label),
        Line2D([], [], color="0.3", linestyle="--", linewidth=1.2, label=sbg_label),
    ]
    ax.legend(handles=handles, frameon=False)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax
