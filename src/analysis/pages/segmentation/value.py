"""Summary, value tiers (Pareto/ABC, key accounts) and business vs individual."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analysis.pages.base import Chart, Heading, Note, Section, Skipped, Text
from analysis.pages.context import RunContext
from analysis.pages.segmentation._common import (
    _previous,
    _profile_table,
    compute_tier_summary,
)
from analysis.segmentation.labels import ORDERS
from analysis.segmentation.profiles import profile_segments


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
    """Pareto curve, the tier profile and (with business customers) key-account tiers."""

    curve: pd.DataFrame
    cutoffs: tuple
    profile: pd.DataFrame
    key_accounts: pd.DataFrame | None
    section = "seg.value_tiers"

    def blocks(self) -> Iterator:
        yield Chart(self._draw)
        yield _profile_table(self.profile, "value_tier")
        yield Heading("seg.key_accounts")
        if self.key_accounts is None:
            yield Note("seg.skip.no_business")
        else:
            yield _profile_table(self.key_accounts, "key_account_tier")

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
    prof = profile_segments(f, c, "value_tier", previous=previous)
    business = c["key_account_tier"].notna()
    key = profile_segments(f[business], c[business], "key_account_tier") if business.any() else None
    return ValueTiers(
        compute_pareto_curve(f["monetary_total"]),
        ctx.segmentation.config.value_cutoffs,
        prof,
        key,
    )


@dataclass(frozen=True)
class CustomerTypes(Section):
    """Revenue share by value tier within each customer type; lifecycle by type."""

    revenue_by_tier: pd.DataFrame
    lifecycle_by_type: pd.DataFrame
    section = "seg.customer_types"

    def blocks(self) -> Iterator:
        yield Text("seg.customer_types.revenue")
        kinds = dict.fromkeys(self.revenue_by_tier.columns, "pct")
        yield _CrossTable(self.revenue_by_tier, "value_tier", kinds)
        kinds = dict.fromkeys(self.lifecycle_by_type.columns, "count")
        yield _CrossTable(self.lifecycle_by_type, "lifecycle", kinds)


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
    rev = pd.crosstab(c["value_tier"], c["customer_type"], values=ctx.features["monetary_total"],
                      aggfunc="sum", normalize="columns")  # fmt: skip
    rev = rev.reindex([x for x in ORDERS["value_tier"] if x in rev.index])
    life = pd.crosstab(c["lifecycle"], c["customer_type"], margins=True, margins_name="all")
    life = life.reindex([x for x in ORDERS["lifecycle"] if x in life.index] + ["all"])
    return CustomerTypes(rev, life)
