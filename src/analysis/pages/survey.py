"""Survey page: NPS and CSAT with their uncertainty, what the comments say, whom to call back.

Sections: :func:`summary`, :func:`trend`, :func:`csat`, :func:`response_rate`,
:func:`by_group`, :func:`sentiment`, :func:`detractor_comments`, :func:`keywords`,
:func:`themes`, :func:`drivers`, :func:`followups`. Value tier, RFM segment and action
come from the run's one classes table (``ctx.classes``), never recomputed here. The
comment pipeline (:func:`analysis.text.pipeline.analyse_comments`: masking, language,
sentiment, themes) runs once per context and is shared by the comment sections.

Every section returns codes and numbers or a :class:`~analysis.pages.base.Skipped`
whose note says what the surveys lack and what would enable the section. The
thresholds below are the data each analysis needs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.pages.base import Chart, Heading, Note, Section, Skipped, Text, Word
from analysis.pages.context import RunContext
from analysis.schema import CHANNEL, COMMENT, CSAT, CUSTOMER_ID, RESPONSE_DATE, SCORE
from analysis.segmentation.labels import ORDERS
from analysis.surveys.nps import (
    add_month,
    compute_csat,
    compute_monthly_change,
    compute_nps,
    compute_response_rate,
    nps_groups,
)
from analysis.text.sentiment import SENTIMENTS

#: The page's sections in display order (the notebook shows each once).
SECTIONS = (
    "summary", "trend", "csat", "response_rate", "by_group", "sentiment", "detractor_comments",
    "keywords", "themes", "drivers", "followups",
)  # fmt: skip

__all__ = [
    "SECTIONS",
    "summary",
    "trend",
    "csat",
    "response_rate",
    "by_group",
    "sentiment",
    "detractor_comments",
    "keywords",
    "themes",
    "drivers",
    "followups",
    "MIN_THEME_COMMENTS",
    "MIN_DRIVER_MENTIONS",
    "FEW_RESPONSES",
]

#: Comments in one language (with words that can name a topic) before NMF themes are fitted.
MIN_THEME_COMMENTS = 50
#: Scored comments that must mention a theme before its effect on the score is estimated.
MIN_DRIVER_MENTIONS = 20
#: Below this many answers a headline figure carries a "wide interval" caveat.
FEW_RESPONSES = 30
#: Months shown in the monthly tables (the chart shows every month).
TABLE_MONTHS = 6
#: NPS by group covers this many months up to the report month.
GROUP_MONTHS = 12
#: Terms used in fewer comments are left out of the distinctive terms.
MIN_TERM_COUNT = 5
TOP_TERMS = 20
TOP_DISTINCTIVE = 10
DETRACTORS_SHOWN = 10
FOLLOWUPS_SHOWN = 20

UNKNOWN = "unknown"  # the group of anonymous answers and customers without a class
_GROUPS = {"value_tier": "value_tier", "segment": "rfm_segment"}  # column -> class scheme


# --- shared inputs -----------------------------------------------------------------


@functools.cache
def review_model():
    """The general review sentiment model, fitted once per process (about 10 s)."""
    from analysis.text.sentiment import fit_review_model

    return fit_review_model()


def _responses(ctx: RunContext) -> pd.DataFrame:
    """The surveys with ``month``, ``customer_id`` (empty when absent), the respondent's
    ``value_tier`` and ``segment`` (RFM segment) codes from ``ctx.classes``, and
    ``nps_group`` when there is a score column."""

    def load() -> pd.DataFrame:
        s = add_month(ctx.table("surveys"))
        if CUSTOMER_ID not in s.columns:
            s[CUSTOMER_ID] = pd.Series(None, index=s.index, dtype=object)
        ids = s[CUSTOMER_ID].astype(object).where(s[CUSTOMER_ID].notna(), None)
        s[CUSTOMER_ID] = ids.map(lambda v: None if v is None or str(v).strip() == "" else v)
        classes = ctx.classes[["value_tier", "rfm_segment"]].rename(
            columns={"rfm_segment": "segment"}
        )
        s = s.join(classes, on=CUSTOMER_ID)
        if SCORE in s.columns:
            s["nps_group"] = nps_groups(s[SCORE])
        return s

    return ctx.memo("survey.responses", load)


def _has_values(s: pd.DataFrame, col: str) -> bool:
    return col in s.columns and bool(pd.to_numeric(s[col], errors="coerce").notna().any())


def _has_comments(s: pd.DataFrame) -> bool:
    return COMMENT in s.columns and bool(s[COMMENT].fillna("").astype(str).str.strip().ne("").any())


def _identified(s: pd.DataFrame) -> pd.Series:
    return s[CUSTOMER_ID].notna()


def _comments(ctx: RunContext):
    """The comment analysis, once per context (None without any comment)."""
    from analysis.text.pipeline import analyse_comments

    s = _responses(ctx)
    if not _has_comments(s):
        return None
    return ctx.memo(
        "survey.comments",
        lambda: analyse_comments(
            s,
            review_model=review_model(),
            seed=ctx.settings.seed,
            min_comments=MIN_THEME_COMMENTS,
        ),
    )


def _need(ctx: RunContext, section: str, *needs: str) -> Skipped | None:
    """The first missing input as a skip (key ``survey.skip.no_<need>``), else None.

    The surveys table is always needed; then, in order, each of ``needs``: ``score`` or
    ``csat`` (a column with answers), ``rating`` (either), ``comment`` (a non-empty
    comment), ``customer`` (an identified respondent), ``opinion`` (a score or a comment).
    """
    if not ctx.has("surveys"):
        return Skipped(section, "survey.skip.no_surveys")
    s = _responses(ctx)
    checks: dict[str, Callable[[], bool]] = {
        "score": lambda: _has_values(s, SCORE),
        "csat": lambda: _has_values(s, CSAT),
        "rating": lambda: _has_values(s, SCORE) or _has_values(s, CSAT),
        "comment": lambda: _has_comments(s),
        "customer": lambda: bool(_identified(s).any()),
        "opinion": lambda: _has_values(s, SCORE) or _has_comments(s),
    }
    for need in needs:
        if not checks[need]():
            return Skipped(section, f"survey.skip.no_{need}")
    return None


def _month(ctx: RunContext) -> str:
    return str(ctx.period)


def _end_of_period(ctx: RunContext) -> pd.Timestamp:
    """The last second of the report period (answers that day count, whatever their time)."""
    return ctx.as_of + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)


# --- display helpers -----------------------------------------------------------------


def _say(how: Any, code: Any, lang: str) -> Any:
    """The word of ``code``: ``how`` is a catalogue prefix or ``{code: {lang: word}}``."""
    from analysis.i18n import t

    if code is None or (pd.api.types.is_scalar(code) and pd.isna(code)):
        return None
    if code == UNKNOWN:
        return t("survey.unknown", lang)
    if how is None:  # a data value (a channel name) shown as it is
        return code
    if isinstance(how, Mapping):
        return how[code][lang]
    return t(f"{how}{code}", lang)


@dataclass(frozen=True)
class _Table:
    """A table shown in one language: catalogue headers, code cells turned into words.

    ``headers`` maps a column to its catalogue key; a column not listed is a data value
    (a month, a theme's terms) and is shown as it is. ``words`` maps a column to a
    catalogue prefix (``class.value_tier.``), ``{code: {"zh": ..., "en": ...}}``, or
    None for data values; the group ``unknown`` is always shown as a word.
    """

    frame: pd.DataFrame
    kinds: Mapping[str, str]
    headers: Mapping[str, str]
    words: Mapping[str, Any] = field(default_factory=dict)
    max_rows: int | None = None

    def render(self, lang: str):
        from analysis.i18n import t
        from analysis.pages.format import Table

        df = self.frame.copy()
        for col, how in self.words.items():
            df[col] = pd.Series([_say(how, v, lang) for v in df[col]], index=df.index, dtype=object)
        heads = {c: t(self.headers[c], lang) if c in self.headers else str(c) for c in df.columns}
        return Table(
            df.reset_index(drop=True), dict(self.kinds), headers=heads, max_rows=self.max_rows
        )


def _order(codes: pd.Index, scheme: str | None) -> list:
    """Codes in the scheme's display order, other codes after, ``unknown`` last."""
    known = ORDERS.get(scheme, []) if scheme else []
    first = [c for c in known if c in codes]
    rest = sorted((c for c in codes if c not in known and c != UNKNOWN), key=str)
    return first + rest + ([UNKNOWN] if UNKNOWN in codes else [])


_NPS_KINDS = {
    "responses": "count",
    "promoters": "count",
    "passives": "count",
    "detractors": "count",
    "nps": "score",
    "nps_low": "score",
    "nps_high": "score",
}
_NPS_HEADERS = {c: f"survey.col.{c}" for c in _NPS_KINDS}


# --- summary -------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary(Section):
    """The report month's NPS and CSAT with 95% intervals.

    ``facts``: ``p`` (month), ``n`` (answers), ``k`` (with a comment), and when
    available ``nps``, ``nps_low``, ``nps_high``, ``nps_n`` and ``csat``, ``csat_low``,
    ``csat_high``, ``csat_n``.
    """

    facts: dict
    section = "survey.summary"

    def blocks(self) -> Iterator:
        f = self.facts
        yield Text("survey.summary.text", {k: f[k] for k in ("p", "n", "k")})
        if "nps" in f:
            yield Text(
                "survey.summary.nps",
                {"nps": f["nps"], "lo": f["nps_low"], "hi": f["nps_high"], "m": f["nps_n"]},
                {"nps": "score", "lo": "score", "hi": "score"},
            )
        else:
            yield Note("survey.summary.no_score")
        if "csat" in f:
            yield Text(
                "survey.summary.csat",
                {"cs": f["csat"], "lo": f["csat_low"], "hi": f["csat_high"], "m": f["csat_n"]},
                {"cs": "pct", "lo": "pct", "hi": "pct"},
            )
        else:
            yield Note("survey.summary.no_csat")
        rated = max(f.get("nps_n", 0), f.get("csat_n", 0))
        if rated < FEW_RESPONSES:
            yield Note("survey.summary.few", {"n": rated, "need": FEW_RESPONSES})


def summary(ctx: RunContext) -> Summary | Skipped:
    """NPS and CSAT of the report month, with their intervals and the number of answers."""
    skip = _need(ctx, "survey.summary", "rating")
    if skip:
        return skip
    s = _responses(ctx)
    cur = s[s["month"] == _month(ctx)]
    if cur.empty:
        last = s[RESPONSE_DATE].max()
        return Skipped(
            "survey.summary",
            "survey.skip.no_month",
            {"p": _month(ctx), "last": last.strftime("%Y-%m-%d")},
        )
    facts: dict[str, Any] = {"p": _month(ctx), "n": len(cur), "k": 0}
    if COMMENT in cur.columns:
        facts["k"] = int(cur[COMMENT].fillna("").astype(str).str.strip().ne("").sum())
    if _has_values(cur, SCORE):
        row = compute_nps(cur).iloc[0]
        facts.update(
            nps=float(row["nps"]),
            nps_low=float(row["nps_low"]),
            nps_high=float(row["nps_high"]),
            nps_n=int(row["responses"]),
        )
    if _has_values(cur, CSAT):
        row = compute_csat(cur).iloc[0]
        facts.update(
            csat=float(row["csat"]),
            csat_low=float(row["csat_low"]),
            csat_high=float(row["csat_high"]),
            csat_n=int(row["responses"]),
        )
    return Summary(facts)


# --- trend -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Trend(Section):
    """Monthly NPS with intervals, the score distribution and the month-over-month test.

    ``monthly``: :func:`compute_nps` by month (months with a score); ``change``:
    :func:`compute_monthly_change` of it; ``scores``: every 0–10 score.
    """

    monthly: pd.DataFrame
    change: pd.DataFrame
    scores: pd.Series
    section = "survey.trend"

    def blocks(self) -> Iterator:
        yield Chart(self._draw)
        c = self.change
        if len(c) < 2:
            yield Note("survey.trend.one_month")
        else:
            last = c.iloc[-1]
            key = "survey.trend.significant" if last["significant"] else "survey.trend.noise"
            yield Text(
                key,
                {
                    "m": last["month"],
                    "nps": last["nps"],
                    "d": last["change"],
                    "pv": last["p_value"],
                },
                {"nps": "score", "d": "score", "pv": "pvalue"},
            )
        shown = c.tail(TABLE_MONTHS).copy()
        sig = shown["significant"].map({True: "yes", False: "no"})
        shown["significant"] = sig.where(shown["p_value"].notna())
        yield _Table(
            shown[
                [
                    "month",
                    "responses",
                    "nps",
                    "change",
                    "change_low",
                    "change_high",
                    "p_value",
                    "significant",
                ]
            ],
            {
                "responses": "count",
                "nps": "score",
                "change": "score",
                "change_low": "score",
                "change_high": "score",
                "p_value": "pvalue",
            },
            {c: f"survey.col.{c}" for c in shown.columns},
            words={"significant": "survey.word."},
        )

    def _draw(self, lang: str):
        import matplotlib.pyplot as plt

        from analysis.i18n import t
        from analysis.plotting.survey import plot_nps_trend, plot_score_distribution

        fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
        plot_nps_trend(self.monthly, ax=axes[0], title=t("survey.trend.chart_nps", lang))
        ax = plot_score_distribution(
            self.scores, ax=axes[1], title=t("survey.trend.chart_scores", lang)
        )
        ax.set_xlabel(t("survey.col.score", lang))
        ax.set_ylabel(t("survey.col.responses", lang))
        fig.tight_layout()
        return fig


def trend(ctx: RunContext) -> Trend | Skipped:
    """NPS per month with 95% intervals; the change is flagged when a z test says p < 0.05."""
    skip = _need(ctx, "survey.trend", "score")
    if skip:
        return skip
    s = _responses(ctx)
    monthly = compute_nps(s, by="month")
    monthly = monthly[monthly["responses"] > 0].reset_index(drop=True)
    change = compute_monthly_change(monthly)
    scores = pd.to_numeric(s[SCORE], errors="coerce").dropna()
    return Trend(monthly, change, scores)


# --- CSAT --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Csat(Section):
    """CSAT per month: the share answering 4–5 (Wilson interval) and the mean (t interval)."""

    monthly: pd.DataFrame
    section = "survey.csat"

    def blocks(self) -> Iterator:
        kinds = {
            "responses": "count",
            "csat": "pct",
            "csat_low": "pct",
            "csat_high": "pct",
            "csat_mean": "float2",
            "csat_mean_low": "float2",
            "csat_mean_high": "float2",
        }
        shown = self.monthly.tail(TABLE_MONTHS)
        yield _Table(shown, kinds, {c: f"survey.col.{c}" for c in shown.columns})


def csat(ctx: RunContext) -> Csat | Skipped:
    """CSAT (top-two box on 1–5) by month, the last months."""
    skip = _need(ctx, "survey.csat", "csat")
    if skip:
        return skip
    monthly = compute_csat(_responses(ctx), by="month")
    monthly = monthly[monthly["responses"] > 0].reset_index(drop=True)
    return Csat(monthly)


# --- response rate ---------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseRate(Section):
    """Respondents per month as a share of the customers known then (a lower bound)."""

    monthly: pd.DataFrame
    section = "survey.response_rate"

    def blocks(self) -> Iterator:
        shown = self.monthly.tail(TABLE_MONTHS)
        kinds = dict.fromkeys(("responses", "respondents", "anonymous", "customer_base"), "count")
        yield _Table(
            shown, {**kinds, "response_rate": "pct"}, {c: f"survey.col.{c}" for c in shown.columns}
        )


def response_rate(ctx: RunContext) -> ResponseRate | Skipped:
    """Distinct identified respondents per month over the customer base of that month."""
    skip = _need(ctx, "survey.response_rate", "customer")
    if skip:
        return skip
    rate = compute_response_rate(_responses(ctx), ctx.customers.reset_index())
    return ResponseRate(rate)


# --- by group ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ByGroup(Section):
    """NPS with intervals per value tier, RFM segment and survey channel (last 12 months).

    ``tables``: group column (``value_tier``, ``segment``, ``channel``) -> frame with
    that column then :func:`compute_nps`'s columns; ``anonymous``: answers without a
    known customer in the window.
    """

    tables: dict
    months: tuple
    responses: int
    anonymous: int
    section = "survey.by_group"

    def blocks(self) -> Iterator:
        yield Text(
            "survey.by_group.window",
            {"a": self.months[0], "b": self.months[-1], "n": self.responses, "u": self.anonymous},
        )
        if "value_tier" not in self.tables:
            yield Note("survey.by_group.no_ids")
        for col, table in self.tables.items():
            yield Heading(f"survey.by_group.{col}")
            words = {col: f"class.{_GROUPS[col]}." if col in _GROUPS else None}
            yield _Table(
                table[[col, *_NPS_KINDS]],
                _NPS_KINDS,
                {col: f"survey.col.{col}", **_NPS_HEADERS},
                words=words,
            )


def by_group(ctx: RunContext) -> ByGroup | Skipped:
    """NPS of each value tier, RFM segment and channel over the last twelve months."""
    skip = _need(ctx, "survey.by_group", "score")
    if skip:
        return skip
    s = _responses(ctx)
    months = tuple(str(m) for m in pd.period_range(end=_month(ctx), periods=GROUP_MONTHS, freq="M"))
    recent = s[s["month"].isin(months) & pd.to_numeric(s[SCORE], errors="coerce").notna()]
    cols = [c for c in _GROUPS if _identified(recent).any()]
    if CHANNEL in recent.columns and recent[CHANNEL].notna().any():
        cols.append(CHANNEL)
    if recent.empty:
        return Skipped(
            "survey.by_group", "survey.skip.no_recent", {"a": months[0], "b": months[-1]}
        )
    if not cols:
        return Skipped(
            "survey.by_group", "survey.skip.no_groups", {"a": months[0], "b": months[-1]}
        )
    tables = {}
    for col in cols:
        t = compute_nps(recent, by=col).set_index(col)
        t = t.loc[_order(t.index, _GROUPS.get(col))].reset_index()
        tables[col] = t
    anonymous = int(recent["value_tier"].isna().sum())
    return ByGroup(tables, months, len(recent), anonymous)


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
    ``method``: ``adapted`` (trained on this survey's scores) or ``review`` (general
    review model); ``overall``: share per sentiment; ``by_tier``, ``by_segment``: None
    when no answer names a known customer.
    """

    languages: dict
    method: str
    overall: dict
    by_tier: pd.DataFrame | None
    by_segment: pd.DataFrame | None
    section = "survey.sentiment"

    def blocks(self) -> Iterator:
        yield Text("survey.sentiment.languages", self.languages)
        yield Text("survey.sentiment.overall", self.overall, dict.fromkeys(self.overall, "pct"))
        yield Note(f"survey.sentiment.method_{self.method}", {"need": _min_per_class()})
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


def _min_per_class() -> int:
    """Scored comments per NPS group that :func:`score_sentiment` needs to adapt its model."""
    import inspect

    from analysis.text.sentiment import score_sentiment

    return int(inspect.signature(score_sentiment).parameters["min_per_class"].default)


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
    method = "adapted" if (com["method"] == "adapted").any() else "review"
    by_tier = by_segment = None
    if com["value_tier"].notna().any():
        by_tier = _shares(com, "value_tier", "value_tier")
        by_segment = _shares(com, "segment", "rfm_segment")
    return Sentiment(languages, method, overall, by_tier, by_segment)


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
    """Term counts over all comments; distinctive terms of detractors, passives, promoters."""
    from analysis.text.keywords import compute_distinctive_terms, compute_term_counts

    skip = _need(ctx, "survey.keywords", "comment")
    if skip:
        return skip
    ca = _comments(ctx)
    terms = compute_term_counts(ca.tokens, top=TOP_TERMS)
    if terms.empty:
        return Skipped("survey.keywords", "survey.skip.no_words", {"n": len(ca.comments)})
    distinctive = None
    if _has_values(ca.comments, SCORE):
        distinctive = compute_distinctive_terms(
            ca.tokens,
            ca.comments["nps_group"].tolist(),
            top=TOP_DISTINCTIVE,
            min_count=MIN_TERM_COUNT,
        )
    return Keywords(terms, distinctive)


# --- themes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Themes(Section):
    """NMF themes per language: terms, prevalence, sentiment, NPS, examples, by month and tier.

    ``themes``: one row per theme (``theme``, ``language``, ``name``, ``top_terms``,
    ``comments``, ``prevalence``, ``mean_sentiment``, ``nps``); ``selection``: the
    coherence of every k tried; ``examples``: ``theme``, ``name``, ``score``, ``comment``;
    ``by_month`` and ``by_tier``: prevalence, one row per theme name.
    """

    themes: pd.DataFrame
    selection: pd.DataFrame
    examples: pd.DataFrame
    by_month: pd.DataFrame
    by_tier: pd.DataFrame | None
    section = "survey.themes"

    def blocks(self) -> Iterator:
        chosen = self.themes.groupby("language", sort=False)["k"].first()
        best = self.selection.groupby("language")["coherence"].max()
        for lang, k in chosen.items():
            yield Text(
                "survey.themes.k",
                {"lang": Word("label", f"survey.lang.{lang}"), "k": int(k), "c": float(best[lang])},
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
            heads = {
                c: "survey.unknown" if c == UNKNOWN else f"class.value_tier.{c}"
                for c in self.by_tier.columns[1:]
            }
            yield _Table(
                self.by_tier,
                dict.fromkeys(self.by_tier.columns[1:], "pct"),
                {"name": "survey.col.name", **heads},
            )


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
    """Themes of the comments (NMF, k by coherence), with examples and where they occur."""
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
        tiers = _order(pd.Index(com["value_tier"].fillna(UNKNOWN).unique()), "value_tier")
        by_tier = _prevalence(model, com, "value_tier", tiers)
    return Themes(table, model.selection, examples, by_month, by_tier)


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
                {"name": top["name"], "e": top["effect"], "pv": top["p_value"]},
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


# --- follow-ups ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Followups(Section):
    """Dissatisfied high-value customers whose latest answer is recent, worth most first.

    ``table``: ``customer_id``, ``value_tier``, ``monetary_total``, ``latest_score``,
    ``nps_group``, ``comment_sentiment``, ``latest_response_date``, ``comment`` (masked),
    ``action`` (codes, from ``ctx.classes``); ``actions``: the playbook's words.
    """

    table: pd.DataFrame
    months: int
    since: Any
    actions: dict
    files: tuple
    section = "survey.followups"

    def blocks(self) -> Iterator:
        if self.table.empty:
            yield Text(
                "survey.followups.none", {"m": self.months, "since": self.since}, {"since": "date"}
            )
            return
        yield Text(
            "survey.followups.text",
            {"n": len(self.table), "m": self.months, "since": self.since},
            {"since": "date"},
        )
        t = self.table
        yield _Table(
            t,
            {"monetary_total": "money", "latest_score": "count", "latest_response_date": "date"},
            {c: f"survey.col.{c}" for c in t.columns},
            words={
                "value_tier": "class.value_tier.",
                "nps_group": "class.nps_group.",
                "comment_sentiment": "survey.sentiment.",
                "action": self.actions,
            },
            max_rows=FOLLOWUPS_SHOWN,
        )


def _latest_comments(s: pd.DataFrame, ca) -> pd.Series:
    """The masked comment of each identified customer's latest answer (NaN without one)."""
    masked = ca.comments[COMMENT] if ca is not None else pd.Series(dtype=object)
    s = s[_identified(s)].assign(_comment=masked.reindex(s.index))
    s = s.sort_values([CUSTOMER_ID, RESPONSE_DATE], kind="stable")
    return s.groupby(CUSTOMER_ID).tail(1).set_index(CUSTOMER_ID)["_comment"]


def followups(ctx: RunContext) -> Followups | Skipped:
    """Whom to call back; writes ``survey_followups`` and the per-customer survey columns."""
    from analysis.export import export_table
    from analysis.reporting.customers import write_customer_columns
    from analysis.segmentation.playbook import load_playbook
    from analysis.surveys.customers import compute_customer_satisfaction, select_followups

    skip = _need(ctx, "survey.followups", "customer", "opinion")
    if skip:
        return skip
    s = _responses(ctx)
    ca = _comments(ctx)
    sent = ca.comments[["sentiment", "sentiment_score"]] if ca is not None else None
    sat = compute_customer_satisfaction(s, sent, as_of=_end_of_period(ctx))
    since = ctx.as_of - pd.DateOffset(months=ctx.settings.followup_months)
    customers = ctx.classes[["value_tier", "action"]].join(ctx.features["monetary_total"])
    follow = select_followups(sat, customers, _latest_comments(s, ca), since=since)
    files: list = []
    if ctx.report_dir:
        labels = ctx.class_export()[["value_tier_zh", "value_tier_en", "action_zh", "action_en"]]
        export = follow.join(labels, on=CUSTOMER_ID)
        files = export_table(export, ctx.report_dir / "exports" / "survey_followups")
        ctx.memo(
            "survey.customer_columns",
            lambda: write_customer_columns(
                ctx.report_dir, "survey", sat[["latest_score", "nps_group", "comment_sentiment"]]
            ),
        )
    actions = load_playbook(ctx.segmentation.config.playbook).actions
    return Followups(
        follow, ctx.settings.followup_months, since.date(), actions, tuple(str(p) for p in files)
    )
