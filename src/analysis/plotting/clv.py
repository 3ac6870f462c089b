"""Purchase-model figures: tracking plot and conditional expectations (FHL 2005 Fig. 1, 4).

Every word on a figure comes from the caller (catalogue words in Chinese or English);
with no ``labels`` there is no legend, and nothing English is drawn by default.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis.plotting._axes import axes_or_new

__all__ = ["plot_conditional_expected", "plot_tracking"]

_TRACKING_META = ("t", "date", "holdout")


def _finish(ax: Axes, title, xlabel, ylabel, labels) -> Axes:
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if labels:
        ax.legend(frameon=False)
    return ax


def plot_tracking(
    df: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    labels: Mapping[str, str] | None = None,
    incremental: bool = False,
) -> Axes:
    """Cumulative repeat purchases, actual against each model, split at the calibration end.

    Parameters
    ----------
    df : pandas.DataFrame
        Output of :func:`analysis.clv.compute_tracking`: ``t``, ``holdout``, ``actual``
        and one column per model.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created when omitted.
    title, xlabel, ylabel : str, optional
        The caller's words.
    labels : mapping, optional
        Legend words per column (``{"actual": "实际", "bgnbd": "BG/NBD"}``); columns
        not in it are drawn without a legend entry, and no legend without it.
    incremental : bool, default False
        Purchases per period instead of cumulative (FHL 2005 Figure 2).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> df = pd.DataFrame({"t": [1.0, 2, 3, 4], "holdout": [False, False, True, True],
    ...                    "actual": [2, 5, 7, 9], "bgnbd": [2.2, 4.8, 7.1, 9.3]})
    >>> ax = plot_tracking(df, labels={"actual": "实际", "bgnbd": "BG/NBD"}, xlabel="周")
    >>> [line.get_label() for line in ax.get_lines()[:2]]
    ['实际', 'BG/NBD']
    """
    ax = axes_or_new(ax)
    labels = dict(labels or {})
    series = ["actual"] + [c for c in df.columns if c not in (*_TRACKING_META, "actual")]
    t = df["t"].to_numpy(float)
    for i, col in enumerate(series):
        y = df[col].to_numpy(float)
        if incremental:
            y = np.diff(y, prepend=0.0)
        style = {"color": "black", "linewidth": 1.6} if i == 0 else {"linestyle": "--"}
        ax.plot(t, y, label=labels.get(col, "_nolegend_"), **style)
    calibration = df.loc[~df["holdout"].astype(bool), "t"]
    if len(calibration) and df["holdout"].any():
        ax.axvline(float(calibration.max()), color="0.5", linestyle=":", linewidth=1)
    ax.set_xlim(0, float(t.max()))
    ax.set_ylim(bottom=0)
    return _finish(ax, title, xlabel, ylabel, labels)


def plot_conditional_expected(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Axes:
    """Mean holdout purchases by calibration frequency: actual against each model.

    Parameters
    ----------
    table : pandas.DataFrame
        First output of :func:`analysis.clv.compare_holdout`: indexed by the
        frequency bucket (``"0"`` … ``"7+"``), with ``customers``, ``actual`` and one
        column per model.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created when omitted.
    title, xlabel, ylabel : str, optional
        The caller's words.
    labels : mapping, optional
        Legend words per column; no legend without it.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> table = pd.DataFrame({"customers": [10, 5, 2], "actual": [0.2, 0.7, 1.4],
    ...                       "bgnbd": [0.2, 0.5, 1.0]}, index=["0", "1", "2+"])
    >>> ax = plot_conditional_expected(table, ylabel="平均购买次数")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['0', '1', '2+']
    """
    ax = axes_or_new(ax)
    labels = dict(labels or {})
    x = np.arange(len(table))
    series = ["actual"] + [c for c in table.columns if c not in ("customers", "actual")]
    for i, col in enumerate(series):
        style = (
            {"color": "black", "marker": "o", "linewidth": 1.6}
            if i == 0
            else {"marker": "s", "linestyle": "--"}
        )
        ax.plot(x, table[col].to_numpy(float), label=labels.get(col, "_nolegend_"), **style)
    ax.set_xticks(x, [str(i) for i in table.index])
    ax.set_ylim(bottom=0)
    return _finish(ax, title, xlabel, ylabel, labels)
