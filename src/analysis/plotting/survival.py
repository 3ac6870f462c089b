"""Survival figures: Kaplan–Meier curves, hazard-ratio forest, backtest calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis.plotting._axes import axes_or_new

__all__ = ["plot_km", "plot_forest", "plot_calibration"]


def plot_km(
    fits: dict,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    at_risk: bool = True,
    xlabel: str = "days",
    ylabel: str | None = None,
    at_risk_label: str = "At risk",
) -> Axes:
    """Kaplan–Meier curves with 95% bands; at-risk counts under the axis when one curve.

    ``xlabel``, ``ylabel`` and ``at_risk_label`` (the row of at-risk counts) are the
    caller's words, so a Chinese page passes Chinese ones.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from analysis.survival import fit_km
    >>> d = pd.DataFrame({"duration_days": [1, 2, 3, 4], "event": [1, 0, 1, 1]})
    >>> ax = plot_km(fit_km(d))
    """
    ax = axes_or_new(ax)
    for f in fits.values():
        f.plot_survival_function(ax=ax, ci_show=True)
    if at_risk and len(fits) <= 4:
        from lifelines.plotting import add_at_risk_counts

        add_at_risk_counts(*fits.values(), ax=ax, rows_to_show=["At risk"])
        # lifelines writes the row name in English; the caller's words replace it
        for other in ax.figure.axes:
            labels = [x.get_text() for x in other.get_xticklabels()]
            if any(x.startswith("At risk") for x in labels):
                other.set_xticks(other.get_xticks())
                other.set_xticklabels(
                    [x.replace("At risk", at_risk_label, 1) for x in labels], ha="right"
                )
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


def plot_forest(
    summary: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    ratio_col: str = "hazard_ratio",
) -> Axes:
    """Hazard (or time) ratios with 95% intervals on a log scale; 1 = no effect."""
    ax = axes_or_new(ax)
    s = summary.sort_values(ratio_col)
    y = np.arange(len(s))
    ax.errorbar(
        s[ratio_col],
        y,
        xerr=[s[ratio_col] - s["ci_lower"], s["ci_upper"] - s[ratio_col]],
        fmt="o",
        capsize=2,
    )
    ax.axvline(1.0, color="0.3", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yticks(y, [str(i) for i in s.index])
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax


def plot_calibration(
    calibration: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str = "predicted",
    ylabel: str = "observed",
) -> Axes:
    """Predicted churn probability against the observed churn share per decile."""
    ax = axes_or_new(ax)
    ax.plot(calibration["predicted"], calibration["observed"], "o-")
    hi = float(max(calibration["predicted"].max(), calibration["observed"].max(), 0.01))
    ax.plot([0, hi], [0, hi], "--", color="0.5", linewidth=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax
