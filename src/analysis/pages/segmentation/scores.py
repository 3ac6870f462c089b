"""RFM scores, the named segments and the classic eight."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analysis.pages.base import Chart, Note, Section, Skipped, Text
from analysis.pages.context import RunContext
from analysis.pages.segmentation._common import (
    _bought,
    _draw_sizes,
    _folded_note,
    _need_buyers,
    _previous,
    _profile,
    _profile_table,
)


@dataclass(frozen=True)
class Rfm(Section):
    """R by FM grids (customers and revenue) and the named RFM segments' profile.

    ``grid_revenue`` is missing (drawn blank) in cells of fewer than ``min_size``
    customers; segments that small are one row ``other`` of the profile.
    """

    grid_customers: pd.DataFrame
    grid_revenue: pd.DataFrame
    profile: pd.DataFrame
    min_size: int = 5
    section = "seg.rfm"

    def blocks(self) -> Iterator:
        yield Chart(self._draw_grids)
        if self.grid_revenue.isna().to_numpy().any():
            yield Note("privacy.cells", {"n": self.min_size})
        yield _profile_table(self.profile, "rfm_segment")
        yield Chart(lambda lang: _draw_sizes(self.profile, "rfm_segment", lang))
        yield from _folded_note(self.min_size, self.profile)

    def _draw_grids(self, lang: str):
        import matplotlib.pyplot as plt

        from analysis.i18n import t
        from analysis.plotting.segmentation import plot_rfm_heatmap

        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        for ax, grid, title in (
            (axes[0], self.grid_customers, t("word.customers", lang)),
            (axes[1], self.grid_revenue / 1000, t("seg.rfm.revenue_k", lang)),
        ):
            g = grid.copy()
            g.index.name, g.columns.name = t("word.recency_score", lang), "FM"
            plot_rfm_heatmap(g, ax=ax, title=title)
        fig.tight_layout()
        return fig


def rfm(ctx: RunContext) -> Rfm | Skipped:
    """Recency, frequency and monetary scores 1-5 among buyers, and the named segments."""
    from analysis.segmentation.rfm import compute_rfm_grid

    skip = _need_buyers(ctx, "seg.rfm")
    if skip:
        return skip
    b = _bought(ctx)
    c, f = ctx.classes, ctx.features
    n = ctx.settings.min_group_size
    customers = compute_rfm_grid(c)
    # a cell of one or two customers would show what they spent: no revenue shown there
    revenue = compute_rfm_grid(c, f["monetary_total"]).where(customers >= n)
    return Rfm(
        customers,
        revenue,
        _profile(ctx, f[b], c[b], "rfm_segment", _previous(ctx)[0]),
        n,
    )


@dataclass(frozen=True)
class RfmEight(Section):
    """The classic eight classes (R, F, M above or below their centre)."""

    centres: dict
    profile: pd.DataFrame
    min_size: int = 5
    section = "seg.rfm_eight"

    def blocks(self) -> Iterator:
        yield Text("seg.rfm_eight.centres", self.centres, dict.fromkeys(self.centres, "float2"))
        yield _profile_table(self.profile, "rfm_eight")
        yield Chart(lambda lang: _draw_sizes(self.profile, "rfm_eight", lang))
        yield from _folded_note(self.min_size, self.profile)


def rfm_eight(ctx: RunContext) -> RfmEight | Skipped:
    """重要价值客户 ... 一般挽留客户 among buyers, with the centres used."""
    skip = _need_buyers(ctx, "seg.rfm_eight")
    if skip:
        return skip
    b = _bought(ctx)
    cen = ctx.segmentation.centres
    return RfmEight(
        {"r": cen["rfm_r"], "f": cen["rfm_f"], "m": cen["rfm_m"]},
        _profile(ctx, ctx.features[b], ctx.classes[b], "rfm_eight", _previous(ctx)[0]),
        ctx.settings.min_group_size,
    )
