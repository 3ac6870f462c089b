"""What the comments say: sentiment, detractors' own words, the terms used."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analysis.pages.base import Chart, Heading, Note, Section, Skipped, Text
from analysis.pages.context import RunContext
from analysis.pages.survey._common import (
    _GROUPS,
    DETRACTORS_SHOWN,
    MIN_TERM_COUNT,
    TOP_DISTINCTIVE,
    TOP_TERMS,
    UNKNOWN,
    _comments,
    _fold_groups,
    _folded,
    _has_values,
    _month,
    _need,
    _order,
    _say,
    _Table,
)
from analysis.schema import COMMENT, RESPONSE_DATE, SCORE
from analysis.text.sentiment import SENTIMENTS

# --- comment sentiment ------------------------------------------------------------------


def _shares(com: pd.DataFrame, col: str, scheme: str) -> pd.DataFrame:
    """Sentiment shares per group (rows) with the number of comments."""
    g = com[col].astype(object).where(com[col].notna(), UNKNOWN)
    table = pd.crosstab(g, com["sentiment"], normalize="index")
    table = table.reindex(columns=list(SENTIMENTS), fill_value=0.0)
    table.insert(0, "comments", g.value_counts())
    table = table.loc[_order(table.index, scheme)]
    return table.rename_axis(col).reset_index()


@dataclass(frozen=True)
class Sentiment(Section):
    """Comment sentiment: languages, the method, shares overall, by value tier and segment.

    ``languages``: counts of ``zh``, ``en``, ``mixed`` and ``none`` (no letters);
    ``overall``: share per sentiment; ``by_tier``, ``by_segment``: None when no answer
    names a known customer, groups of fewer than ``min_size`` commenting customers folded
    into ``other``; ``missing_corpora``: training corpora the model lacked (their
    packages not installed), said on the page.
    """

    languages: dict
    overall: dict
    by_tier: pd.DataFrame | None
    by_segment: pd.DataFrame | None
    missing_corpora: tuple = ()
    min_size: int = 5
    section = "survey.sentiment"

    def blocks(self) -> Iterator:
        yield Text("survey.sentiment.languages", self.languages)
        yield Text("survey.sentiment.overall", self.overall, dict.fromkeys(self.overall, "pct"))
        yield Note("survey.sentiment.method")
        if self.missing_corpora:
            yield Note("survey.sentiment.missing_corpora", {"n": len(self.missing_corpora)})
        if self.by_tier is None:
            yield Note("survey.sentiment.no_ids")
            return
        yield Chart(self._draw)
        kinds = {"comments": "count", **dict.fromkeys(SENTIMENTS, "pct")}
        heads = {
            "comments": "survey.col.comments",
            **{c: f"survey.sentiment.{c}" for c in SENTIMENTS},
        }
        for col, table in (("value_tier", self.by_tier), ("segment", self.by_segment)):
            yield Heading(f"survey.sentiment.{col}")
            yield _Table(
                table,
                kinds,
                {col: f"survey.col.{col}", **heads},
                words={col: f"class.{_GROUPS[col]}."},
            )
        if _folded(self.by_tier, col="value_tier") or _folded(self.by_segment, col="segment"):
            yield Note("privacy.folded", {"n": self.min_size})

    def _draw(self, lang: str):
        import matplotlib.pyplot as plt
        from matplotlib.ticker import PercentFormatter

        from analysis.i18n import t
        from analysis.plotting.survey import plot_sentiment_by

        table = self.by_tier.set_index("value_tier")[list(SENTIMENTS)]
        table.index = [_say("class.value_tier.", c, lang) for c in table.index]
        fig, ax = plt.subplots(figsize=(8, 0.5 * len(table) + 1.6))
        plot_sentiment_by(table, ax=ax, title=t("survey.sentiment.chart", lang))
        handles, codes = ax.get_legend_handles_labels()
        ax.legend(
            handles,
            [t(f"survey.sentiment.{c}", lang) for c in codes],
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),  # beside the bars, never over them
            fontsize=8,
        )
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(t("survey.sentiment.share", lang))
        fig.tight_layout()
        return fig


def sentiment(ctx: RunContext) -> Sentiment | Skipped:
    """Positive, neutral or negative per comment; shares by value tier and RFM segment."""
    skip = _need(ctx, "survey.sentiment", "comment")
    if skip:
        return skip
    com = _comments(ctx).comments
    lang = com["language"].replace("", "none").value_counts()
    languages = {k: int(lang.get(k, 0)) for k in ("zh", "en", "mixed", "none")}
    languages["n"] = len(com)
    shares = com["sentiment"].value_counts(normalize=True)
    overall = {k: float(shares.get(k, 0.0)) for k in SENTIMENTS}
    by_tier = by_segment = None
    if com["value_tier"].notna().any():
        # groups of fewer commenting customers than the minimum are shown as "other"
        by_tier = _shares(_fold_groups(ctx, com, "value_tier"), "value_tier", "value_tier")
        by_segment = _shares(_fold_groups(ctx, com, "segment"), "segment", "rfm_segment")
    from analysis.pages.survey._common import sentiment_model
    from analysis.text.sentiment import TRAINING_CORPORA

    missing = tuple(c for c in TRAINING_CORPORA if c not in sentiment_model().training)
    return Sentiment(languages, overall, by_tier, by_segment, missing, ctx.settings.min_group_size)


# --- detractor comments ------------------------------------------------------------------


@dataclass(frozen=True)
class DetractorComments(Section):
    """The report month's latest comments of detractors (0–6), masked, newest first."""

    period: str
    total: int
    table: pd.DataFrame
    section = "survey.detractor_comments"

    def blocks(self) -> Iterator:
        if self.table.empty:
            yield Text("survey.detractor_comments.none", {"p": self.period})
            return
        yield Text(
            "survey.detractor_comments.text",
            {"p": self.period, "n": self.total, "k": len(self.table)},
        )
        yield _Table(
            self.table,
            {"response_date": "date", "score": "count"},
            {c: f"survey.col.{c}" for c in self.table.columns},
            words={"sentiment": "survey.sentiment."},
        )


def detractor_comments(ctx: RunContext) -> DetractorComments | Skipped:
    """Detractors' comments of the report month as written (personal data masked)."""
    skip = _need(ctx, "survey.detractor_comments", "score", "comment")
    if skip:
        return skip
    com = _comments(ctx).comments
    bad = com[(com["month"] == _month(ctx)) & (com["nps_group"] == "detractor")]
    bad = bad.sort_values(RESPONSE_DATE, ascending=False, kind="stable")
    cols = [RESPONSE_DATE, SCORE, "sentiment", COMMENT]
    return DetractorComments(
        _month(ctx), len(bad), bad[cols].head(DETRACTORS_SHOWN).reset_index(drop=True)
    )


# --- keywords ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Keywords(Section):
    """Most used terms, and the terms most typical of each NPS group (weighted log-odds).

    ``distinctive`` is None without scores (no groups to compare).
    """

    terms: pd.DataFrame
    distinctive: pd.DataFrame | None
    section = "survey.keywords"

    def blocks(self) -> Iterator:
        yield Heading("survey.keywords.terms")
        yield _Table(
            self.terms,
            {"comments": "count", "share": "pct"},
            {c: f"survey.col.{c}" for c in self.terms.columns},
        )
        yield Heading("survey.keywords.distinctive")
        if self.distinctive is None:
            yield Note("survey.keywords.no_score")
        elif self.distinctive.empty:
            yield Note("survey.keywords.none", {"need": MIN_TERM_COUNT})
        else:
            yield _Table(
                self.distinctive,
                {"count": "count", "log_odds": "float2", "z": "float2"},
                {c: f"survey.col.{c}" for c in self.distinctive.columns},
                words={"group": "class.nps_group."},
            )


def keywords(ctx: RunContext) -> Keywords | Skipped:
    """Term counts over all comments; distinctive terms of detractors, passives, promoters.

    Terms are content words and common two-word phrases (``CommentAnalysis.keyword_tokens``):
    no function words or stock openers.
    """
    from analysis.text.keywords import compute_distinctive_terms, compute_term_counts

    skip = _need(ctx, "survey.keywords", "comment")
    if skip:
        return skip
    ca = _comments(ctx)
    terms = compute_term_counts(ca.keyword_tokens, top=TOP_TERMS)
    if terms.empty:
        return Skipped("survey.keywords", "survey.skip.no_words", {"n": len(ca.comments)})
    distinctive = None
    if _has_values(ca.comments, SCORE):
        distinctive = compute_distinctive_terms(
            ca.keyword_tokens,
            ca.comments["nps_group"].tolist(),
            top=TOP_DISTINCTIVE,
            min_count=MIN_TERM_COUNT,
        )
    return Keywords(terms, distinctive)
