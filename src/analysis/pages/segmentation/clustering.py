"""k-means clusters of buyers, named by profile and explained by a shallow tree."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analysis.pages.base import Chart, LangTable, Section, Skipped, Text
from analysis.pages.context import RunContext
from analysis.pages.segmentation._common import _bought, _profile_table
from analysis.segmentation.profiles import profile_segments


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
    prof = profile_segments(ctx.features[b], ctx.classes[b], "cluster")
    return Clusters(m.silhouette_, m.inertia_, m.n_clusters_, m.profiles_, prof, rules,
                    fidelity, m)  # fmt: skip
