"""What every survey section shares: thresholds, the responses and the comment analysis
(each once per context), the gates that turn missing data into a skip, and display helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.pages.base import LangTable, Skipped
from analysis.pages.context import RunContext
from analysis.privacy import OTHER, fold_small_groups
from analysis.schema import COMMENT, CSAT, CUSTOMER_ID, SCORE
from analysis.segmentation.labels import ORDERS
from analysis.surveys.nps import add_month, nps_groups

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


def sentiment_model():
    """The comment sentiment model (fitted once per machine and kept on disk, about 40 s)."""
    from analysis.text.sentiment import load_sentiment_model

    return load_sentiment_model()


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
    return ctx.shared(
        "survey.comments",
        lambda: analyse_comments(
            s,
            sentiment_model=sentiment_model(),
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


def _fold_groups(ctx: RunContext, rows: pd.DataFrame, col: str) -> pd.DataFrame:
    """``rows`` with ``col``'s groups of fewer than ``min_group_size`` respondents as
    ``other`` (a missing group is ``unknown`` first), for what a page shows by group.

    A group's size is its distinct customers, each anonymous answer counted as one
    person; the figures of ``other`` are then computed from its answers, exactly.
    """
    ids = rows[CUSTOMER_ID].astype(object)
    anonymous = pd.Series("answer:" + rows.index.astype(str), index=rows.index, dtype=object)
    keyed = rows.assign(
        **{col: rows[col].astype(object).where(rows[col].notna(), UNKNOWN)},
        _who=ids.where(ids.notna(), anonymous),
    )
    folded = fold_small_groups(keyed, group=col, unit="_who", min_size=ctx.settings.min_group_size)
    return folded.drop(columns="_who")


def _folded(*tables: pd.DataFrame | None, col: str | None = None) -> bool:
    """Whether any table shows the group ``other`` (in ``col``, or in any column name)."""
    for t in tables:
        if t is None:
            continue
        if (col in t.columns and t[col].eq(OTHER).any()) or OTHER in t.columns:
            return True
    return False


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
    if code == OTHER:  # small groups folded together (analysis.privacy)
        return t("label.other", lang)
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
        df = self.frame.copy()
        for col, how in self.words.items():
            df[col] = pd.Series([_say(how, v, lang) for v in df[col]], index=df.index, dtype=object)
        headers = {c: self.headers.get(c) for c in df.columns}  # None: named by data
        return LangTable(
            df.reset_index(drop=True), self.kinds, headers=headers, max_rows=self.max_rows
        ).render(lang)


def _order(codes: pd.Index, scheme: str | None) -> list:
    """Codes in the scheme's display order, other codes after, ``unknown`` and the
    folded small groups (``other``) last."""
    known = ORDERS.get(scheme, []) if scheme else []
    first = [c for c in known if c in codes]
    rest = sorted((c for c in codes if c not in known and c not in (UNKNOWN, OTHER)), key=str)
    return first + rest + [c for c in (UNKNOWN, OTHER) if c in codes]


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
