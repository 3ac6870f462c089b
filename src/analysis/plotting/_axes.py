"""The one helper every plot function starts with: the caller's axes or new ones."""

from __future__ import annotations

from matplotlib.axes import Axes


def axes_or_new(ax: Axes | None, size: tuple[float, float] | None = None) -> Axes:
    """``ax`` when given; else the axes of a new figure (of ``size`` inches, if given)."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax
