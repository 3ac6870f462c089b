"""k-means clusters of buyers, named by profile and explained by a shallow tree."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analysis.pages.base import Chart, LangTable, Section, Skipped, Text
from analysis.pages.context import RunContext
from analysis.pages.segmentation._common import _bought, _folded_note, _profile, _profile_table
from analysis.privacy import OTHER, fold_small_groups


@dataclass(frozen=True)
class Clusters(Section):
    """k chosen by silhouette, cluster profiles and the decision-tree rules.

    Clusters of fewer than ``min_size`` customers are one row ``other`` of ``profile``
    and left out of the profile chart; rules covering that few are one row ``other``.
    """

    silhouette: pd.Series
    inertia: pd.Series
    k: int
    profiles: pd.DataFrame
    profile: pd.DataFrame
    rules: dict
    fidelity: float
    clusterer: object
    min_size: int = 5
    section = "seg.clusters"

    def blocks(self) -> Iterator:
        yield Chart(self._draw_k)
        yield Chart(self._draw_profiles)
        yield _ClusterProfile(self.profile, self.clusterer)
        yield Text("seg.clusters.fidelity", {"f": self.fidelity}, {"f": "pct"})
        yield _ClusterProfile(self.rules, self.clusterer, rules=True)
        rules = pd.concat([r.set_index("cluster") for r in self.rules.values()])
        yield from _folded_note(self.min_size, self.profile, rules)

    def _draw_k(self, lang: str):
        from analysis.i18n import t
        from analysis.plotting.segmentation import plot_k_selection

        labels = (t("word.k", lang), t("word.silhouette", lang), t("word.inertia", lang))
        return plot_k_selection(self.silhouette, self.inertia, chosen=self.k,
                                labels=labels).figure  # fmt: skip

    def _draw_profiles(self, lang: str):
        from analysis.i18n import t
        from analysis.plotting.segmentation import plot_cluster_profiles

        # a cluster of a few customers is not drawn: its centre is close to a person
        small = set(self.profile.index) - {OTHER}
        profiles = self.profiles[self.profiles["name_en"].isin(small)]
        prof = profiles.set_index(f"name_{lang}")[list(self.clusterer.features)]
        prof.columns = [t(f"class.cluster_feature.{c}", lang) for c in prof.columns]
        return plot_cluster_profiles(prof, title=t("word.cluster", lang)).figure


@dataclass(frozen=True)
class _ClusterProfile:
    frame: pd.DataFrame | dict
    clusterer: object
    rules: bool = False

    def render(self, lang: str):
        from analysis.i18n import t

        # cluster codes are the English profile names; each has a name per language
        names = {en: {"zh": zh, "en": en} for zh, en in self.clusterer.names_.values()}
        names[OTHER] = {lang: t("label.other", lang)}  # small clusters or rules, together
        df = (self.frame[lang] if self.rules else self.frame).copy()
        col = "cluster" if self.rules else "segment"
        if not self.rules:
            df = df.rename_axis("segment").reset_index()
        df[col] = df[col].map(lambda v: names[v][lang])
        if self.rules:
            df["rule"] = df["rule"].where(df["rule"] != OTHER, t("label.other", lang))
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
    n = ctx.settings.min_group_size
    rules = {lang: _fold_rules(r, n) for lang, r in rules.items()}
    prof = _profile(ctx, ctx.features[b], ctx.classes[b], "cluster")
    return Clusters(m.silhouette_, m.inertia_, m.n_clusters_, m.profiles_, prof, rules,
                    fidelity, m, n)  # fmt: skip


def _fold_rules(rules: pd.DataFrame, min_size: int) -> pd.DataFrame:
    """Rules covering fewer than ``min_size`` customers as one rule ``other`` (cluster
    ``other``), its precision the customers-weighted mean, so the counts add up."""
    if not (rules["customers"] < min_size).any():
        return rules
    keyed = rules.assign(_row=[str(i) for i in range(len(rules))])
    folded = fold_small_groups(
        keyed.drop(columns=["cluster", "rule"]), group="_row", size="customers",
        means=["precision"], min_size=min_size,
    )  # fmt: skip
    out = folded.merge(keyed[["_row", "cluster", "rule"]], on="_row", how="left")
    out[["cluster", "rule"]] = out[["cluster", "rule"]].fillna(OTHER)
    return out[list(rules.columns)]
