"""What the comments are about: NMF themes, and which themes go with lower scores."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analysis.pages.base import Chart, Heading, Note, Section, Skipped, Text, Word
from analysis.pages.context import RunContext
from analysis.pages.survey._common import (
    MIN_DRIVER_MENTIONS,
    MIN_THEME_COMMENTS,
    TABLE_MONTHS,
    UNKNOWN,
    _comments,
    _fold_groups,
    _folded,
    _need,
    _order,
    _Table,
)
from analysis.privacy import OTHER
from analysis.schema import COMMENT, SCORE

# --- themes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Themes(Section):
    """NMF themes per language: terms, prevalence, sentiment, NPS, examples, by month and tier.

    ``themes``: one row per theme (``theme``, ``language``, ``name``, ``top_terms``,
    ``k``, ``coherence``, ``comments``, ``prevalence``, ``mean_sentiment``, ``nps``);
    ``selection``: coherence, redundancy and the criterion (their difference) of every k
    tried (:attr:`analysis.text.themes.ThemeModel.selection`); ``examples``: ``theme``,
    ``name``, ``score``, ``comment``; ``by_month`` and ``by_tier``: prevalence, one row
    per theme name (``by_tier``: tiers of fewer than ``min_size`` commenting customers
    folded into a column ``other``).
    """

    themes: pd.DataFrame
    selection: pd.DataFrame
    examples: pd.DataFrame
    by_month: pd.DataFrame
    by_tier: pd.DataFrame | None
    min_size: int = 5
    section = "survey.themes"

    def blocks(self) -> Iterator:
        by_lang = self.themes.groupby("language", sort=False)
        # the chosen model's mean coherence (NPMI), not the best of every k tried
        for lang, k in by_lang["k"].first().items():
            c = float(by_lang["coherence"].mean()[lang])
            yield Text(
                "survey.themes.k",
                {"lang": Word("label", f"survey.lang.{lang}"), "k": int(k), "c": c},
                {"c": "float2"},
            )
        cols = ["name", "language", "top_terms", "comments", "prevalence", "mean_sentiment", "nps"]
        yield _Table(
            self.themes[cols],
            {"comments": "count", "prevalence": "pct", "mean_sentiment": "float2", "nps": "score"},
            {c: f"survey.col.{c}" for c in cols},
            words={"language": "survey.lang."},
        )
        yield Heading("survey.themes.examples")
        ex = self.examples[["name", "score", "comment"]]
        yield _Table(ex, {"score": "count"}, {c: f"survey.col.{c}" for c in ex.columns})
        yield Heading("survey.themes.by_month")
        yield _Table(
            self.by_month,
            dict.fromkeys(self.by_month.columns[1:], "pct"),
            {"name": "survey.col.name"},
        )
        if self.by_tier is not None:
            yield Heading("survey.themes.by_tier")
            special = {UNKNOWN: "survey.unknown", OTHER: "label.other"}
            heads = {c: special.get(c, f"class.value_tier.{c}") for c in self.by_tier.columns[1:]}
            yield _Table(
                self.by_tier,
                dict.fromkeys(self.by_tier.columns[1:], "pct"),
                {"name": "survey.col.name", **heads},
            )
            if _folded(self.by_tier):
                yield Note("privacy.folded", {"n": self.min_size})


def _no_themes(ctx: RunContext, section: str) -> Skipped | None:
    """Why no theme was fitted: too few comments in every language, or too few words."""
    ca = _comments(ctx)
    if not ca.themes.themes.empty:
        return None
    langs = ca.comments["language"].replace({"mixed": "zh"})  # as fit_themes groups them
    n = max(int((langs == lang).sum()) for lang in ("zh", "en"))
    key = "survey.skip.few_comments" if n < MIN_THEME_COMMENTS else "survey.skip.no_themes"
    return Skipped(section, key, {"n": n, "need": MIN_THEME_COMMENTS})


def _prevalence(model, com: pd.DataFrame, by: str, columns: list) -> pd.DataFrame:
    from analysis.text.themes import summarise_themes

    long = summarise_themes(
        model, com.assign(**{by: com[by].astype(object).fillna(UNKNOWN)}), by=by
    )
    wide = long.pivot(index="theme", columns=by, values="prevalence")
    wide = wide.reindex(index=model.themes["theme"], columns=columns)
    names = model.themes.set_index("theme")["name"]
    wide.insert(0, "name", names.reindex(wide.index).to_numpy())
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index(drop=True)


def themes(ctx: RunContext) -> Themes | Skipped:
    """Themes of the comments (NMF, k by coherence less redundancy), with examples and
    where they occur."""
    from analysis.text.themes import summarise_themes

    skip = _need(ctx, "survey.themes", "comment") or _no_themes(ctx, "survey.themes")
    if skip:
        return skip
    ca = _comments(ctx)
    model, com = ca.themes, ca.comments
    overall = summarise_themes(model, com)
    table = model.themes.merge(
        overall[["theme", "prevalence", "mean_sentiment", "nps"]], on="theme"
    )
    rows = []
    w = model.weights
    names = model.themes.set_index("theme")["name"]
    for theme in w.columns:
        top = w[theme][w[theme] > 0].nlargest(ctx.settings.examples_per_theme).index
        for i in top:
            rows.append(
                {
                    "theme": theme,
                    "name": names[theme],
                    "score": com[SCORE].get(i) if SCORE in com.columns else None,
                    "comment": com.at[i, COMMENT],
                }
            )
    examples = pd.DataFrame(rows, columns=["theme", "name", "score", "comment"])
    months = sorted(com["month"].unique())[-TABLE_MONTHS:]
    by_month = _prevalence(model, com, "month", months)
    by_tier = None
    if com["value_tier"].notna().any():
        # tiers of fewer commenting customers than the minimum are shown as "other"
        folded = _fold_groups(ctx, com, "value_tier")
        tiers = _order(pd.Index(folded["value_tier"].unique()), "value_tier")
        by_tier = _prevalence(model, folded, "value_tier", tiers)
    return Themes(table, model.selection, examples, by_month, by_tier, ctx.settings.min_group_size)


# --- drivers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drivers(Section):
    """Which themes go with lower scores: OLS of the 0–10 score on theme mentions (HC3).

    ``table``: :func:`analysis.text.drivers.fit_drivers`, most negative effect first;
    ``files``: exports written (``survey_drivers``).
    """

    table: pd.DataFrame
    files: tuple
    section = "survey.drivers"

    def blocks(self) -> Iterator:
        yield Chart(self._draw)
        top = self.table.iloc[0]
        if top["effect"] < 0:
            yield Text(
                "survey.drivers.top",
                {"e": top["effect"], "pv": top["p_value"]},
                {"e": "float2", "pv": "pvalue"},
            )
        else:
            yield Text("survey.drivers.none_negative")
        cols = [
            "name",
            "mentions",
            "effect",
            "effect_low",
            "effect_high",
            "p_value",
            "detractor_share",
            "detractor_share_others",
        ]
        yield _Table(
            self.table[cols],
            {
                "mentions": "count",
                "effect": "float2",
                "effect_low": "float2",
                "effect_high": "float2",
                "p_value": "pvalue",
                "detractor_share": "pct",
                "detractor_share_others": "pct",
            },
            {c: f"survey.col.{c}" for c in cols},
        )

    def _draw(self, lang: str):
        import matplotlib.pyplot as plt

        from analysis.i18n import t
        from analysis.plotting.survey import plot_drivers

        fig, ax = plt.subplots(figsize=(8, 0.35 * min(len(self.table), 12) + 1.8))
        plot_drivers(self.table, ax=ax, title=t("survey.drivers.chart", lang))
        ax.set_xlabel(t("survey.drivers.axis", lang))
        fig.tight_layout()
        return fig


def drivers(ctx: RunContext) -> Drivers | Skipped:
    """Effect of mentioning each theme on the score, with 95% robust intervals."""
    from analysis.export import export_table
    from analysis.text.drivers import fit_drivers

    skip = _need(ctx, "survey.drivers", "score", "comment") or _no_themes(ctx, "survey.drivers")
    if skip:
        return skip
    ca = _comments(ctx)
    names = ca.themes.themes.set_index("theme")["name"]
    table = fit_drivers(
        ca.themes.mentions, ca.comments[SCORE], names=names, min_mentions=MIN_DRIVER_MENTIONS
    )
    if table.empty:
        scored = pd.to_numeric(ca.comments[SCORE], errors="coerce").notna()
        n = int(ca.themes.mentions.loc[scored].sum().max()) if scored.any() else 0
        return Skipped(
            "survey.drivers", "survey.skip.few_mentions", {"n": n, "need": MIN_DRIVER_MENTIONS}
        )
    files: list = []
    if ctx.report_dir:
        files = export_table(table, ctx.report_dir / "exports" / "survey_drivers")
    return Drivers(table, tuple(str(p) for p in files))
