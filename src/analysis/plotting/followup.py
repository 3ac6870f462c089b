"""Charts of the follow-up page: channels per cadence group, owner workload, the journey."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["plot_channel_mix", "plot_workload", "plot_stage_times"]

# Okabe-Ito, colour-blind safe, in the order channels are usually most used
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")


def plot_channel_mix(frame: pd.DataFrame, *, title: str | None = None):
    """Stacked horizontal bars: each row's contacts split by channel, as shares.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows: groups, columns: channels, values: contacts (labels already translated).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> f = pd.DataFrame({"call": [3, 1], "email": [1, 4]}, index=["a", "b"])
    >>> len(plot_channel_mix(f).axes[0].patches)
    4
    """
    import matplotlib.pyplot as plt

    share = frame.div(frame.sum(axis=1).where(lambda s: s > 0), axis=0).fillna(0.0)
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(share) + 1.6))
    left = np.zeros(len(share))
    y = np.arange(len(share))
    for k, col in enumerate(share.columns):
        v = share[col].to_numpy(dtype=float)
        ax.barh(y, v, left=left, color=_PALETTE[k % len(_PALETTE)], label=str(col), height=0.6)
        for i, (x0, w) in enumerate(zip(left, v, strict=True)):
            if w >= 0.08:
                ax.text(x0 + w / 2, i, f"{w:.0%}", ha="center", va="center", fontsize=8,
                        color="white")  # fmt: skip
        left += v
    ax.set_yticks(y, [str(i) for i in share.index])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda x, _p: f"{x:.0%}"))
    ax.legend(ncol=min(len(share.columns), 5), loc="upper center", bbox_to_anchor=(0.5, -0.12),
              frameon=False, fontsize=8)  # fmt: skip
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_workload(frame: pd.DataFrame, *, title: str | None = None):
    """Horizontal bars per owner: the first column drawn over the second (e.g. overdue
    over customers with a cadence).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> f = pd.DataFrame({"overdue": [3, 1], "due": [5, 4]}, index=["a", "b"])
    >>> len(plot_workload(f).axes[0].patches)
    4
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(frame) + 1.4))
    y = np.arange(len(frame))
    front, back = frame.columns[0], frame.columns[1]
    ax.barh(y, frame[back].to_numpy(float), color="#D9D9D9", height=0.7, label=str(back))
    ax.barh(y, frame[front].to_numpy(float), color="#D55E00", height=0.45, label=str(front))
    ax.set_yticks(y, [str(i) for i in frame.index])
    ax.invert_yaxis()
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_stage_times(frame: pd.DataFrame, *, title: str | None = None, xlabel: str = ""):
    """Median days (bar) with the interquartile range (line) per group and step.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows: labels (group and step, translated), columns ``median``, ``q1``, ``q3``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> f = pd.DataFrame({"median": [10.0, 30.0], "q1": [5.0, 20.0], "q3": [20.0, 60.0]},
    ...                  index=["a", "b"])
    >>> len(plot_stage_times(f).axes[0].patches)
    2
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(frame) + 1.4))
    y = np.arange(len(frame))
    med = frame["median"].to_numpy(float)
    ax.barh(y, med, color="#0072B2", height=0.6)
    ax.hlines(y, frame["q1"].to_numpy(float), frame["q3"].to_numpy(float), color="0.2",
              linewidth=1.5)  # fmt: skip
    ax.set_yticks(y, [str(i) for i in frame.index])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
