"""Figures of the segmentation report: ``plot_*(data, *, ax=None, **kw) -> Axes``.

Data come in already labelled (Chinese or English) by :mod:`analysis.segmentation`;
call :func:`analysis.plotting.use_house_style` first so Chinese draws.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from analysis.plotting._axes import axes_or_new

__all__ = [
    "plot_pareto_curve",
    "plot_rfm_heatmap",
    "plot_segment_sizes",
    "plot_cluster_profiles",
    "plot_k_selection",
    "plot_lifecycle_funnel",
    "plot_migration_matrix",
    "plot_migration_flows",
]

_BLUE, _ORANGE, _RED, _GREY = "#0072B2", "#E69F00", "#D55E00", "#999999"


def plot_pareto_curve(
    curve: pd.DataFrame,
    *,
    ax: Axes | None = None,
    cutoffs: Sequence[float] = (0.8, 0.95),
    title: str | None = None,
    xlabel: str = "customers",
    ylabel: str = "revenue",
) -> Axes:
    """Cumulative revenue share against cumulative customer share, with tier cut-offs.

    ``curve`` is :func:`analysis.segmentation.value.compute_pareto_curve` output.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> c = pd.DataFrame({"customer_share": [0, .5, 1], "revenue_share": [0, .9, 1]})
    >>> len(plot_pareto_curve(c).lines) >= 1
    True
    """
    ax = axes_or_new(ax, (6, 4))
    x, y = curve["customer_share"].to_numpy(), curve["revenue_share"].to_numpy()
    ax.plot(x, y, color=_BLUE, linewidth=2)
    ax.plot([0, 1], [0, 1], color=_GREY, linestyle=":", linewidth=1)
    for c in cutoffs:
        i = int(np.searchsorted(y, c))
        xc = x[min(i, len(x) - 1)]
        ax.axhline(c, color=_ORANGE, linewidth=0.8, linestyle="--")
        ax.axvline(xc, color=_ORANGE, linewidth=0.8, linestyle="--")
        ax.annotate(f"{xc:.1%} → {c:.0%}", (xc, c), textcoords="offset points", xytext=(6, -14))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


def plot_rfm_heatmap(
    grid: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    fmt: str = "{:,.0f}",
    cmap: str = "Blues",
) -> Axes:
    """A heatmap of a score grid (rows: R 5..1, columns: FM or F 1..5), annotated.

    ``grid`` holds one number per cell (customers or revenue); its index and columns
    label the axes.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> g = pd.DataFrame([[1, 2], [3, 4]], index=[2, 1], columns=[1, 2])
    >>> len(plot_rfm_heatmap(g).texts)
    4
    """
    ax = axes_or_new(ax, (5.5, 4.5))
    v = grid.to_numpy(dtype=float)
    im = ax.imshow(v, cmap=cmap, aspect="auto")
    ax.set_xticks(range(v.shape[1]), [str(c) for c in grid.columns])
    ax.set_yticks(range(v.shape[0]), [str(i) for i in grid.index])
    ax.set_xlabel(str(grid.columns.name or ""))
    ax.set_ylabel(str(grid.index.name or ""))
    ax.grid(False)
    hi = np.nanmax(v) if np.isfinite(v).any() else 0
    for i in range(v.shape[0]):
        for j in range(v.shape[1]):
            if np.isfinite(v[i, j]):
                ax.text(
                    j,
                    i,
                    fmt.format(v[i, j]),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if v[i, j] > hi * 0.6 else "black",
                )
    ax.figure.colorbar(im, ax=ax, shrink=0.8)
    if title:
        ax.set_title(title)
    return ax


def plot_segment_sizes(
    profile: pd.DataFrame,
    *,
    ax: Axes | None = None,
    customers_col: str,
    revenue_col: str,
    title: str | None = None,
) -> Axes:
    """Share of customers beside share of revenue for each segment (horizontal bars).

    ``profile`` is :func:`analysis.segmentation.profiles.profile_segments` output; the
    two column names are its (language-dependent) share headings.
    """
    ax = axes_or_new(ax, (7, 0.45 * len(profile) + 1.2))
    y = np.arange(len(profile))
    ax.barh(y - 0.2, profile[customers_col], height=0.4, color=_BLUE, label=customers_col)
    ax.barh(y + 0.2, profile[revenue_col], height=0.4, color=_ORANGE, label=revenue_col)
    ax.set_yticks(y, [str(i) for i in profile.index])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", frameon=False)
    if title:
        ax.set_title(title)
    return ax


def plot_cluster_profiles(
    profiles: pd.DataFrame,
    *,
    ax: Axes | None = None,
    features: Sequence[str] | None = None,
    title: str | None = None,
) -> Axes:
    """Heatmap of cluster medians, each feature column scaled by its log (annotated raw).

    ``profiles`` is indexed by cluster name with one column per feature.
    """
    features = list(features or profiles.columns)
    raw = profiles[features].astype(float)
    ax = axes_or_new(ax, (1.6 * len(features) + 3, 0.55 * len(raw) + 1.2))
    z = np.log1p(raw.clip(lower=0))
    z = (z - z.min()) / (z.max() - z.min()).replace(0, 1)
    ax.imshow(z.to_numpy(), cmap="YlOrBr", aspect="auto", vmin=0, vmax=1)
    ax.set_xticks(range(len(features)), features)
    ax.set_yticks(range(len(raw)), [str(i) for i in raw.index])
    ax.grid(False)
    for i in range(raw.shape[0]):
        for j in range(raw.shape[1]):
            ax.text(j, i, f"{raw.iat[i, j]:,.0f}", ha="center", va="center", fontsize=9)
    if title:
        ax.set_title(title)
    return ax


def plot_k_selection(
    silhouette: pd.Series,
    inertia: pd.Series,
    *,
    ax: Axes | None = None,
    chosen: int | None = None,
    labels: tuple[str, str, str] = ("k", "silhouette", "inertia"),
    title: str | None = None,
) -> Axes:
    """Silhouette (left axis) and the elbow's inertia (right axis) per k."""
    ax = axes_or_new(ax, (6, 3.2))
    ax.plot(silhouette.index, silhouette.to_numpy(), marker="o", color=_BLUE, label=labels[1])
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1], color=_BLUE)
    twin = ax.twinx()
    twin.plot(inertia.index, inertia.to_numpy(), marker="s", color=_ORANGE, label=labels[2])
    twin.set_ylabel(labels[2], color=_ORANGE)
    twin.grid(False)
    if chosen is not None:
        ax.axvline(chosen, color=_RED, linewidth=1, linestyle="--")
    if title:
        ax.set_title(title)
    return ax


def plot_lifecycle_funnel(
    counts: pd.Series, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Centred horizontal bars, one per stage in the series' order, with counts."""
    ax = axes_or_new(ax, (7, 0.5 * len(counts) + 1))
    v = counts.to_numpy(dtype=float)
    y = np.arange(len(v))
    colors = [_BLUE] * len(v)
    ax.barh(y, v, left=-v / 2, color=colors, height=0.7)
    total = v.sum() or 1
    for i, n in enumerate(v):
        ax.text(
            0,
            i,
            f"{n:,.0f} ({n / total:.0%})",
            ha="center",
            va="center",
            color="white" if n > v.max() * 0.25 else "black",
            fontsize=9,
        )
    ax.set_yticks(y, [str(i) for i in counts.index])
    ax.invert_yaxis()
    ax.set_xticks([])
    ax.grid(False)
    ax.spines[["left", "bottom"]].set_visible(False)
    if title:
        ax.set_title(title)
    return ax


def plot_migration_matrix(
    matrix: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Row-normalised transition heatmap (share of each previous class), counts annotated."""
    ax = axes_or_new(ax, (0.7 * matrix.shape[1] + 3, 0.5 * matrix.shape[0] + 1.5))
    counts = matrix.to_numpy(dtype=float)
    share = counts / np.where(
        counts.sum(axis=1, keepdims=True) > 0, counts.sum(axis=1, keepdims=True), 1
    )
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(matrix.shape[1]), [str(c) for c in matrix.columns], rotation=40, ha="right")
    ax.set_yticks(range(matrix.shape[0]), [str(i) for i in matrix.index])
    ax.set_xlabel(str(matrix.columns.name or ""))
    ax.set_ylabel(str(matrix.index.name or ""))
    ax.grid(False)
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            if counts[i, j]:
                ax.text(
                    j,
                    i,
                    f"{counts[i, j]:,.0f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if share[i, j] > 0.6 else "black",
                )
    if title:
        ax.set_title(title)
    return ax


def plot_migration_flows(
    matrix: pd.DataFrame,
    *,
    ax: Axes | None = None,
    highlight: Sequence[tuple[str, str]] = (),
    min_share: float = 0.002,
    title: str | None = None,
) -> Axes:
    """A two-column flow chart (Sankey-like): previous classes left, current right.

    Band widths are customer counts; bands in ``highlight`` (``(from, to)`` labels) are
    drawn red, the rest grey. Bands under ``min_share`` of all customers are omitted.
    """
    ax = axes_or_new(ax, (8, 6))
    m = matrix.astype(float)
    total = m.to_numpy().sum() or 1.0
    gap = 0.02 * total
    left_sizes, right_sizes = m.sum(axis=1), m.sum(axis=0)

    def stack(sizes: pd.Series) -> dict:
        pos, y = {}, 0.0
        for k, s in sizes.items():
            pos[k] = y
            y += s + gap
        return pos

    lpos, rpos = stack(left_sizes), stack(right_sizes)
    lcur, rcur = dict(lpos), dict(rpos)
    hl = {tuple(map(str, h)) for h in highlight}
    for a in m.index:
        for b in m.columns:
            n = m.loc[a, b]
            if n <= 0:
                continue
            y0, y1 = lcur[a], rcur[b]
            lcur[a] += n
            rcur[b] += n
            if n < min_share * total:
                continue
            red = (str(a), str(b)) in hl
            verts = [
                (0.1, y0),
                (0.5, y0),
                (0.5, y1),
                (0.9, y1),
                (0.9, y1 + n),
                (0.5, y1 + n),
                (0.5, y0 + n),
                (0.1, y0 + n),
                (0.1, y0),
            ]
            codes = [
                MplPath.MOVETO,
                MplPath.CURVE4,
                MplPath.CURVE4,
                MplPath.CURVE4,
                MplPath.LINETO,
                MplPath.CURVE4,
                MplPath.CURVE4,
                MplPath.CURVE4,
                MplPath.CLOSEPOLY,
            ]
            ax.add_patch(
                PathPatch(
                    MplPath(verts, codes),
                    facecolor=_RED if red else _GREY,
                    alpha=0.75 if red else 0.3,
                    edgecolor="none",
                )
            )
    for k, s in left_sizes.items():
        ax.add_patch(plt.Rectangle((0.07, lpos[k]), 0.03, s, color=_BLUE))
        if s < 0.01 * total:  # too thin to label legibly; the matrix has the number
            continue
        ax.text(0.06, lpos[k] + s / 2, f"{k} {s:,.0f}", ha="right", va="center", fontsize=8)
    for k, s in right_sizes.items():
        ax.add_patch(plt.Rectangle((0.9, rpos[k]), 0.03, s, color=_BLUE))
        if s < 0.01 * total:
            continue
        ax.text(0.94, rpos[k] + s / 2, f"{k} {s:,.0f}", ha="left", va="center", fontsize=8)
    height = max(sum(left_sizes) + gap * len(left_sizes), sum(right_sizes) + gap * len(right_sizes))
    ax.set_xlim(-0.35, 1.3)
    ax.set_ylim(height, -gap)
    ax.axis("off")
    ax.text(0.085, -gap / 2, str(m.index.name or ""), ha="center", fontsize=9)
    if title:
        ax.set_title(title)
    return ax
