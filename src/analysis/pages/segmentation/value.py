"""Summary, value tiers (Pareto/ABC, key accounts) and business vs individual."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analysis.pages.base import Chart, Heading, Note, Section, Skipped, Text
from analysis.pages.context import RunContext
from analysis.pages.segmentation._common import (
    _folded_note,
    _previous,
    _profile,
    _profile_table,
    compute_tier_summary,
)
from analysis.privacy import OTHER, fold_small_groups
from analysis.segmentation.labels import ORDERS


@dataclass(frozen=True)
class Summary(Section):
    facts: dict
    section = "seg.summary"

    def blocks(self) -> Iterator:
        kinds = {"hvs": "pct", "rs": "pct", "d": "days", "c": "days", "end": "date"}
        yield Text("seg.summary.text", self.facts, kinds)


def summary(ctx: RunContext) -> Summary:
    """Customers, buyers, the high-value tier and its revenue share, lapsed customers."""
    s = compute_tier_summary(ctx.features, ctx.classes)
    th = ctx.segmentation.thresholds
    return Summary(
        {
            "p": str(ctx.period), "end": ctx.period.end, "n": s["customers"], "b": s["buyers"],
            "hv": s["high"], "hvs": s["high_share_of_buyers"], "rs": s["high_revenue_share"],
            "lost": s["lost"], "d": th.dormant_after, "c": th.churned_after,
        }
    )  # fmt: skip


@dataclass(frozen=True)
class ValueTiers(Section):
    """Pareto curve, the tier profile and (with business customers) key-account tiers.

    Tiers of fewer than ``min_size`` customers are one row ``other`` in the profiles.
    """

    curve: pd.DataFrame
    cutoffs: tuple
    profile: pd.DataFrame
    key_accounts: pd.DataFrame | None
    min_size: int = 5
    section = "seg.value_tiers"

    def blocks(self) -> Iterator:
        yield Chart(self._draw)
        yield _profile_table(self.profile, "value_tier")
        yield Heading("seg.key_accounts")
        if self.key_accounts is None:
            yield Note("seg.skip.no_business")
        else:
            yield _profile_table(self.key_accounts, "key_account_tier")
        yield from _folded_note(self.min_size, self.profile, self.key_accounts)

    def _draw(self, lang: str):
        from analysis.i18n import t
        from analysis.plotting.segmentation import plot_pareto_curve

        ax = plot_pareto_curve(
            self.curve,
            cutoffs=self.cutoffs,
            title=t("word.cumulative_revenue", lang),
            xlabel=t("word.cumulative_customers", lang),
            ylabel=t("word.cumulative_revenue", lang),
        )
        return ax.figure


def value_tiers(ctx: RunContext) -> ValueTiers:
    """High, mid and low value (Pareto/ABC) and key-account tiers of business customers."""
    from analysis.segmentation.value import compute_pareto_curve

    previous = _previous(ctx)[0]
    f, c = ctx.features, ctx.classes
    prof = _profile(ctx, f, c, "value_tier", previous)
    business = c["key_account_tier"].notna()
    key = _profile(ctx, f[business], c[business], "key_account_tier") if business.any() else None
    return ValueTiers(
        compute_pareto_curve(f["monetary_total"]),
        ctx.segmentation.config.value_cutoffs,
        prof,
        key,
        ctx.settings.min_group_size,
    )


@dataclass(frozen=True)
class CustomerTypes(Section):
    """Revenue share by value tier within each customer type; lifecycle by type.

    In each type's column, the classes of fewer than ``min_size`` customers of that type
    are added up in a row ``other`` (so the columns still add up).
    """

    revenue_by_tier: pd.DataFrame
    lifecycle_by_type: pd.DataFrame
    min_size: int = 5
    section = "seg.customer_types"

    def blocks(self) -> Iterator:
        yield Text("seg.customer_types.revenue")
        kinds = dict.fromkeys(self.revenue_by_tier.columns, "pct")
        yield _CrossTable(self.revenue_by_tier, "value_tier", kinds)
        kinds = dict.fromkeys(self.lifecycle_by_type.columns, "count")
        yield _CrossTable(self.lifecycle_by_type, "lifecycle", kinds)
        yield from _folded_note(self.min_size, self.revenue_by_tier, self.lifecycle_by_type)


@dataclass(frozen=True)
class _CrossTable:
    """Rows are class codes of ``scheme``; columns customer types (or ``all``)."""

    frame: pd.DataFrame
    scheme: str
    kinds: dict

    def render(self, lang: str):
        from analysis.i18n import t
        from analysis.pages.base import _word
        from analysis.pages.format import Table

        df = self.frame.copy()
        df.insert(0, "_class", [t("col.all", lang) if v == "all" else _word(self.scheme, v, lang)
                                for v in df.index])  # fmt: skip
        heads = {"_class": t("word.segment", lang)}
        for col in self.frame.columns:
            heads[col] = t("col.all", lang) if col == "all" else _word("customer_type", col, lang)
        return Table(df.reset_index(drop=True), kinds=self.kinds, headers=heads)


def customer_types(ctx: RunContext) -> CustomerTypes | Skipped:
    """Business and individual customers side by side (needs both types in the data)."""
    c = ctx.classes
    types = c["customer_type"].dropna().unique()
    if len(types) < 2:
        return Skipped("seg.customer_types", "seg.skip.one_type", {"n": len(types)})
    n = ctx.settings.min_group_size
    tier = _fold_cells(c["value_tier"], c["customer_type"], n)
    rev = pd.crosstab(tier, c["customer_type"], values=ctx.features["monetary_total"],
                      aggfunc="sum", normalize="columns")  # fmt: skip
    rev = rev.reindex([x for x in [*ORDERS["value_tier"], OTHER] if x in rev.index])
    stage = _fold_cells(c["lifecycle"], c["customer_type"], n)
    life = pd.crosstab(stage, c["customer_type"], margins=True, margins_name="all")
    life = life.reindex([x for x in [*ORDERS["lifecycle"], OTHER] if x in life.index] + ["all"])
    return CustomerTypes(rev, life, n)


def _fold_cells(rows: pd.Series, cols: pd.Series, min_size: int) -> pd.Series:
    """``rows`` recoded ``other`` where its cell (row class x column class) of a cross
    table has fewer than ``min_size`` customers: each column's small cells add up there."""
    known = rows.notna() & cols.notna()
    cell = pd.DataFrame({"cell": rows.astype(str) + "\x1f" + cols.astype(str)}).where(known)
    small = fold_small_groups(cell, group="cell", min_size=min_size)["cell"].eq(OTHER)
    return rows.astype(object).where(~(small & known), OTHER)
