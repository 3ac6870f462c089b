"""Segmentation page: value tiers, customer types, RFM, the eight, lifecycle, clusters,
playbook and migration, all read from the run's one classes table (``ctx.classes``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.pages.base import Chart, Heading, LangTable, Note, Section, Skipped, Text, Word
from analysis.pages.context import RunContext
from analysis.segmentation.labels import ORDERS
from analysis.segmentation.profiles import profile_segments

#: The page's sections in display order (the notebook shows each once).
SECTIONS = (
    "summary", "value_tiers", "customer_types", "rfm", "rfm_eight", "lifecycle", "clusters",
    "playbook", "migration", "exports",
)  # fmt: skip

__all__ = [
    "SECTIONS",
    "summary", "value_tiers", "customer_types", "rfm", "rfm_eight", "lifecycle", "clusters",
    "playbook", "migration", "exports", "compute_tier_summary",
]  # fmt: skip

PROFILE_KINDS = {
    "customers": "count", "customer_share": "pct", "revenue": "money", "revenue_share": "pct",
    "mean_recency": "days", "mean_orders": "float1", "mean_monetary": "money",
    "change": "count_change", "revenue_share_change": "pct_change",
}  # fmt: skip
PROFILE_HEADERS = {c: f"word.{c}" for c in PROFILE_KINDS} | {
    "change": "word.change",
    "revenue_share_change": "word.revenue_share_change_pp",
}


def _profile_table(profile: pd.DataFrame, scheme: str) -> LangTable:
    df = profile.copy()
    if "revenue_share_change_pp" in df.columns:
        df["revenue_share_change"] = df.pop("revenue_share_change_pp") / 100
    df = df.rename_axis("segment").reset_index()
    return LangTable(
        df,
        PROFILE_KINDS,
        headers={"segment": "word.segment", **PROFILE_HEADERS},
        classes={"segment": scheme},
    )


def _bought(ctx: RunContext) -> pd.Series:
    return ctx.features["orders"].fillna(0) > 0


def _previous(ctx: RunContext):
    from analysis.segmentation.migration import load_previous_snapshot

    def load():
        wh = ctx.warehouse
        return load_previous_snapshot(
            ctx.report_dir,
            wh.period,
            transactions=wh["transactions"],
            customers=wh["customers"] if wh.has("customers") else None,
            config=ctx.segmentation.config,
        )

    return ctx.memo("segmentation.previous", load)


def compute_tier_summary(features: pd.DataFrame, classes: pd.DataFrame) -> dict:
    """The headline numbers of the value tiers: one function behind every page.

    Returns
    -------
    dict
        ``customers``, ``buyers``, ``high`` (high-value customers), ``high_share_of_buyers``,
        ``high_revenue_share`` (their share of net revenue, refunds netted, negative
        totals counted as zero in the denominator), ``lost`` (dormant or churned).

    Examples
    --------
    >>> f = pd.DataFrame({"orders": [3, 1, 0], "monetary_total": [80.0, 20.0, 0.0],
    ...                   "recency_days": [5.0, 90.0, None]})
    >>> c = pd.DataFrame({"value_tier": ["high", "low", "low"],
    ...                   "lifecycle": ["loyal", "dormant", "potential"]})
    >>> s = compute_tier_summary(f, c)
    >>> s["high"], s["high_revenue_share"], s["lost"]
    (1, 0.8, 1)
    """
    prof = profile_segments(features, classes, "value_tier", lang=None)
    buyers = int((features["orders"].fillna(0) > 0).sum())
    high = int(prof["customers"].get("high", 0))
    return {
        "customers": len(features),
        "buyers": buyers,
        "high": high,
        "high_share_of_buyers": high / buyers if buyers else 0.0,
        "high_revenue_share": float(prof["revenue_share"].get("high", 0.0)),
        "lost": int(classes["lifecycle"].isin(["dormant", "churned"]).sum()),
    }


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
    prof = profile_segments(f, c, "value_tier", previous=previous, lang=None)
    business = c["key_account_tier"].notna()
    key = (
        profile_segments(f[business], c[business], "key_account_tier", lang=None)
        if business.any()
        else None
    )
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


@dataclass(frozen=True)
class Rfm(Section):
    """R by FM grids (customers and revenue) and the named RFM segments' profile."""

    grid_customers: pd.DataFrame
    grid_revenue: pd.DataFrame
    profile: pd.DataFrame
    section = "seg.rfm"

    def blocks(self) -> Iterator:
        yield Chart(self._draw_grids)
        yield _profile_table(self.profile, "rfm_segment")
        yield Chart(lambda lang: _draw_sizes(self.profile, "rfm_segment", lang))

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


def _draw_sizes(profile: pd.DataFrame, scheme: str, lang: str):
    from analysis.i18n import t
    from analysis.pages.base import _word
    from analysis.plotting.segmentation import plot_segment_sizes

    p = profile[["customer_share", "revenue_share"]].copy()
    p.index = [_word(scheme, v, lang) for v in p.index]
    p.columns = [t("word.customer_share", lang), t("word.revenue_share", lang)]
    ax = plot_segment_sizes(p, customers_col=p.columns[0], revenue_col=p.columns[1],
                            title=t("word.segment", lang))  # fmt: skip
    return ax.figure


def _need_buyers(ctx: RunContext, section: str) -> Skipped | None:
    n = int(_bought(ctx).sum())
    return None if n else Skipped(section, "seg.skip.no_buyers")


def rfm(ctx: RunContext) -> Rfm | Skipped:
    """Recency, frequency and monetary scores 1-5 among buyers, and the named segments."""
    from analysis.segmentation.rfm import compute_rfm_grid

    skip = _need_buyers(ctx, "seg.rfm")
    if skip:
        return skip
    b = _bought(ctx)
    c, f = ctx.classes, ctx.features
    return Rfm(
        compute_rfm_grid(c),
        compute_rfm_grid(c, f["monetary_total"]),
        profile_segments(f[b], c[b], "rfm_segment", previous=_previous(ctx)[0], lang=None),
    )


@dataclass(frozen=True)
class RfmEight(Section):
    """The classic eight classes (R, F, M above or below their centre)."""

    centres: dict
    profile: pd.DataFrame
    section = "seg.rfm_eight"

    def blocks(self) -> Iterator:
        yield Text("seg.rfm_eight.centres", self.centres, dict.fromkeys(self.centres, "float2"))
        yield _profile_table(self.profile, "rfm_eight")
        yield Chart(lambda lang: _draw_sizes(self.profile, "rfm_eight", lang))


def rfm_eight(ctx: RunContext) -> RfmEight | Skipped:
    """重要价值客户 ... 一般挽留客户 among buyers, with the centres used."""
    skip = _need_buyers(ctx, "seg.rfm_eight")
    if skip:
        return skip
    b = _bought(ctx)
    cen = ctx.segmentation.centres
    return RfmEight(
        {"r": cen["rfm_r"], "f": cen["rfm_f"], "m": cen["rfm_m"]},
        profile_segments(ctx.features[b], ctx.classes[b], "rfm_eight",
                         previous=_previous(ctx)[0], lang=None),
    )  # fmt: skip


@dataclass(frozen=True)
class Lifecycle(Section):
    """Lifecycle stages, the thresholds behind them and the purchase gaps they come from."""

    gaps: dict | None
    thresholds: pd.DataFrame
    stages: pd.Series
    profile: pd.DataFrame
    section = "seg.lifecycle"

    def blocks(self) -> Iterator:
        if self.gaps is None:
            yield Note("seg.lifecycle.no_gaps")
        else:
            yield Text("seg.lifecycle.gaps", self.gaps,
                       {"q50": "days", "q90": "days", "q99": "days"})  # fmt: skip
        yield LangTable(self.thresholds, {"value": "days"},
                        headers={"threshold": "word.threshold", "value": "word.value",
                                 "source": "word.source"},
                        classes={"threshold": "threshold",
                                 "source": "threshold_source"})  # fmt: skip
        yield Chart(self._draw)
        yield _profile_table(self.profile, "lifecycle")

    def _draw(self, lang: str):
        from analysis.i18n import t
        from analysis.pages.base import _word
        from analysis.plotting.segmentation import plot_lifecycle_funnel

        s = self.stages.copy()
        s.index = [_word("lifecycle", v, lang) for v in s.index]
        return plot_lifecycle_funnel(s, title=t("word.customers", lang)).figure


def lifecycle(ctx: RunContext) -> Lifecycle:
    """Potential, new, active, loyal, dormant and churned customers."""
    seg = ctx.segmentation
    gaps = None
    if seg.gaps is not None:
        g = seg.gaps
        gaps = {"q50": g[0.5], "q90": g[0.9], "q99": g[0.99], "n": int(g.attrs["n_gaps"])}
    th = seg.thresholds
    rows = [
        ("dormant_after", th.dormant_after), ("churned_after", th.churned_after),
        ("new_within", th.new_within), ("loyal_min_orders", th.loyal_min_orders),
    ]  # fmt: skip
    table = pd.DataFrame(rows, columns=["threshold", "value"]).assign(
        source=threshold_source(th.source)
    )
    stages = ctx.classes["lifecycle"].value_counts().reindex(ORDERS["lifecycle"], fill_value=0)
    prof = profile_segments(ctx.features, ctx.classes, "lifecycle",
                            previous=_previous(ctx)[0], lang=None)  # fmt: skip
    return Lifecycle(gaps, table, stages, prof)


def threshold_source(source: str) -> str:
    """A code for where the lifecycle thresholds came from.

    Examples
    --------
    >>> threshold_source("set"), threshold_source("purchase-gap quantiles 0.9/0.99")
    ('set', 'gaps')
    """
    if source == "set":
        return "set"
    if source.startswith("set +"):
        return "mixed"
    return "mean_gaps" if "mean gaps" in source else "gaps"


@dataclass(frozen=True)
class Clusters(Section):
    """k chosen by silhouette, cluster profiles and the decision-tree rules."""

    silhouette: pd.Series
    inertia: pd.Series
    k: int
    profiles: pd.DataFrame
    profile: pd.DataFrame
    rules: dict
    fidelity: float
    clusterer: object
    section = "seg.clusters"

    def blocks(self) -> Iterator:
        yield Chart(self._draw_k)
        yield Chart(self._draw_profiles)
        yield _ClusterProfile(self.profile, self.clusterer)
        yield Text("seg.clusters.fidelity", {"f": self.fidelity}, {"f": "pct"})
        yield _ClusterProfile(self.rules, self.clusterer, rules=True)

    def _draw_k(self, lang: str):
        from analysis.i18n import t
        from analysis.plotting.segmentation import plot_k_selection

        labels = (t("word.k", lang), t("word.silhouette", lang), t("word.inertia", lang))
        return plot_k_selection(self.silhouette, self.inertia, chosen=self.k,
                                labels=labels).figure  # fmt: skip

    def _draw_profiles(self, lang: str):
        from analysis.i18n import t
        from analysis.plotting.segmentation import plot_cluster_profiles

        prof = self.profiles.set_index(f"name_{lang}")[list(self.clusterer.features)]
        prof.columns = [t(f"class.cluster_feature.{c}", lang) for c in prof.columns]
        return plot_cluster_profiles(prof, title=t("word.cluster", lang)).figure


@dataclass(frozen=True)
class _ClusterProfile:
    frame: pd.DataFrame | dict
    clusterer: object
    rules: bool = False

    def render(self, lang: str):
        # cluster codes are the English profile names; each has a name per language
        names = {en: {"zh": zh, "en": en} for zh, en in self.clusterer.names_.values()}
        df = (self.frame[lang] if self.rules else self.frame).copy()
        col = "cluster" if self.rules else "segment"
        if not self.rules:
            df = df.rename_axis("segment").reset_index()
        df[col] = df[col].map(lambda v: names[v][lang])
        if self.rules:
            return LangTable(df, {"customers": "count", "precision": "pct"},
                             headers={"cluster": "word.cluster", "rule": "word.rule",
                                      "customers": "word.customers",
                                      "precision": "col.precision"}).render(lang)  # fmt: skip
        table = _profile_table(self.frame, "cluster")
        return LangTable(df, table.kinds, headers={**table.headers, "segment": "word.cluster"}
                         ).render(lang)  # fmt: skip


def clusters(ctx: RunContext) -> Clusters | Skipped:
    """k-means clusters of buyers, named by profile and explained by a depth-3 tree."""
    from analysis.segmentation.clusters import explain_clusters

    seg = ctx.segmentation
    if seg.clusterer is None:
        key, values = seg.cluster_skip
        return Skipped("seg.clusters", key, values)
    m = seg.clusterer
    b = _bought(ctx)
    codes = ctx.classes.loc[b, "cluster"]
    X = ctx.features.loc[b, list(m.features)]
    # a rule is a sentence of feature words: the tree is fitted once per language, with
    # the same seed, so both pages state the same rules
    rules = {lang: explain_clusters(X, codes, lang=lang)[0] for lang in ("zh", "en")}
    fidelity = explain_clusters(X, codes, lang="en")[1]
    prof = profile_segments(ctx.features[b], ctx.classes[b], "cluster", lang=None)
    return Clusters(m.silhouette_, m.inertia_, m.n_clusters_, m.profiles_, prof, rules,
                    fidelity, m)  # fmt: skip


@dataclass(frozen=True)
class PlaybookTable(Section):
    """Playbook rules in order: the condition (codes), the action and customers per rule."""

    rules: list
    actions: dict
    counts: dict
    source: str
    section = "seg.playbook"

    def blocks(self) -> Iterator:
        yield _PlaybookRender(self)


@dataclass(frozen=True)
class _PlaybookRender:
    pb: PlaybookTable

    def render(self, lang: str):
        from analysis.i18n import t
        from analysis.pages.base import _word
        from analysis.pages.format import Table

        rows, seen = [], set()
        for action, when in self.pb.rules:
            cond = " & ".join(
                "/".join(_word(col, code, lang) for code in codes) for col, codes in when.items()
            ) or t("seg.playbook.everyone_else", lang)
            if cond in seen:
                continue
            seen.add(cond)
            rows.append({"c": cond, "a": self.pb.actions[action][lang],
                         "n": int(self.pb.counts.get(action, 0))})  # fmt: skip
        heads = {"c": t("word.segment", lang), "a": t("word.strategy", lang),
                 "n": t("word.customers", lang)}  # fmt: skip
        return Table(pd.DataFrame(rows, columns=["c", "a", "n"]), {"n": "count"}, headers=heads)


def playbook(ctx: RunContext) -> PlaybookTable:
    """Each class's strategy (VIP care, promotions, low-cost contact, win-back)."""
    from analysis.segmentation.playbook import load_playbook

    pb = load_playbook(ctx.segmentation.config.playbook)
    counts = ctx.classes["action"].value_counts().to_dict()
    return PlaybookTable(pb.rules, pb.actions, counts, pb.source)


@dataclass(frozen=True)
class Migration(Section):
    """Moves between RFM segments and lifecycle stages since the previous period."""

    previous_period: str
    source: str
    matrices: dict
    flows: dict
    section = "seg.migration"

    def blocks(self) -> Iterator:
        yield Text(
            "seg.migration.source",
            {"p": self.previous_period, "s": Word("label", f"seg.migration.{self.source}")},
        )
        for column, matrix in self.matrices.items():
            yield Heading(f"seg.migration.{column}")
            yield Chart(lambda lang, m=matrix, c=column: self._draw(m, c, lang))
            yield Text("seg.migration.harmful")
            flows = self.flows[column]
            if flows.empty:
                yield Text("seg.migration.no_harmful")
            for a, b, n, share in flows[["from", "to", "customers", "share_of_from"]].itertuples(
                index=False, name=None
            ):
                yield Text("seg.migration.flow",
                           {"a": Word(column, a), "b": Word(column, b), "n": int(n), "s": share},
                           {"s": "pct"})  # fmt: skip

    def _draw(self, matrix: pd.DataFrame, column: str, lang: str):
        import matplotlib.pyplot as plt

        from analysis.i18n import t
        from analysis.pages.base import _word
        from analysis.plotting.segmentation import plot_migration_flows, plot_migration_matrix
        from analysis.segmentation.migration import ARRIVED

        m = matrix.copy()
        m.index = [t("word.arrived", lang) if c == ARRIVED else _word(column, c, lang)
                   for c in m.index]  # fmt: skip
        m.columns = [_word(column, c, lang) for c in m.columns]
        m.index.name = f"{t('word.previous', lang)} \\ {t('word.current', lang)}"
        fig, axes = plt.subplots(1, 2, figsize=(13, 0.45 * len(m) + 2.5))
        plot_migration_matrix(m, ax=axes[0], title=t("word.moved", lang))
        flows = self.flows[column]
        hl = [(_word(column, a, lang), _word(column, b, lang))
              for a, b in zip(flows["from"], flows["to"], strict=True)]  # fmt: skip
        plot_migration_flows(
            m,
            ax=axes[1],
            highlight=hl,
            title=f"{t('word.previous', lang)} → {t('word.current', lang)}",
        )
        fig.tight_layout()
        return fig


def migration(ctx: RunContext) -> Migration | Skipped:
    """Transition matrices and the largest harmful flows (needs a previous period)."""
    from analysis.segmentation.migration import compute_transition_matrix, find_harmful_flows

    previous, source, prev_period = _previous(ctx)
    if previous is None:
        return Skipped("seg.migration", "seg.skip.no_previous", {"p": prev_period})
    matrices, flows = {}, {}
    for column in ("rfm_segment", "lifecycle"):
        matrices[column] = compute_transition_matrix(previous, ctx.classes, column)
        flows[column] = find_harmful_flows(matrices[column], column, top=5)
    return Migration(prev_period, source, matrices, flows)


@dataclass(frozen=True)
class Exports(Section):
    """Files this page wrote (segment profiles and the snapshot for next month)."""

    files: tuple
    customers: int
    section = "seg.exports"

    def blocks(self) -> Iterator:
        yield Text("seg.exports.text", {"n": self.customers, "k": len(self.files)})


def exports(ctx: RunContext) -> Exports:
    """Write segment profiles (codes, stable columns) and the snapshot for migration.

    The per-customer classes go to ``customers.csv`` from the run context (the runner),
    not from here.
    """
    from analysis.export import export_table
    from analysis.segmentation.migration import make_snapshot, save_snapshot

    written: list[Path] = []
    if ctx.report_dir:
        snap = save_snapshot(make_snapshot(ctx.features, ctx.classes, str(ctx.period)),
                             ctx.report_dir)  # fmt: skip
        written.append(snap)
        b = _bought(ctx)
        f, c = ctx.features, ctx.classes
        tables = {"value": profile_segments(f, c, "value_tier", lang=None),
                  "lifecycle": profile_segments(f, c, "lifecycle", lang=None)}  # fmt: skip
        if b.any():
            tables["rfm"] = profile_segments(f[b], c[b], "rfm_segment", lang=None)
            tables["rfm_eight"] = profile_segments(f[b], c[b], "rfm_eight", lang=None)
        if ctx.segmentation.clusterer is not None:
            tables["clusters"] = profile_segments(f[b], c[b], "cluster", lang=None)
        business = c["key_account_tier"].notna()
        if business.any():
            tables["key_accounts"] = profile_segments(f[business], c[business],
                                                      "key_account_tier", lang=None)  # fmt: skip
        for name, table in tables.items():
            written += export_table(table.reset_index(),
                                    ctx.report_dir / "exports" / f"segment_{name}")  # fmt: skip
    return Exports(tuple(str(p) for p in written), len(ctx.classes))
