"""Whom to call back: dissatisfied high-value customers, and the per-customer columns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.pages.base import Note, Section, Skipped, Text
from analysis.pages.context import RunContext
from analysis.pages.survey._common import (
    FOLLOWUPS_SHOWN,
    _comments,
    _end_of_period,
    _identified,
    _need,
    _responses,
    _Table,
)
from analysis.schema import COMMENT, CUSTOMER_ID, RESPONSE_DATE

# --- follow-ups ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Followups(Section):
    """Dissatisfied high-value customers whose latest answer is recent, worth most first.

    ``table``: ``customer_id``, ``pseudonym``, ``value_tier``, ``monetary_total``,
    ``latest_score``, ``nps_group``, ``comment_sentiment``, ``latest_response_date``,
    ``comment`` (masked), ``action`` (codes, from ``ctx.classes``); ``actions``: the
    playbook's words. The page shows the pseudonym, never the id
    (:func:`analysis.privacy.pseudonymise`); the export has both.
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
        t = self.table.drop(columns=CUSTOMER_ID)  # stakeholders see the pseudonym only
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
        yield Note("privacy.pseudonyms", {"file": "exports/survey_followups.csv"})


def _latest_comments(s: pd.DataFrame, ca) -> pd.Series:
    """The masked comment of each identified customer's latest answer (NaN without one)."""
    masked = ca.comments[COMMENT] if ca is not None else pd.Series(dtype=object)
    s = s[_identified(s)].assign(_comment=masked.reindex(s.index))
    s = s.sort_values([CUSTOMER_ID, RESPONSE_DATE], kind="stable")
    return s.groupby(CUSTOMER_ID).tail(1).set_index(CUSTOMER_ID)["_comment"]


def followup_table(ctx: RunContext) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """The follow-up list, each respondent's satisfaction and the list's start date.

    Computed once per run (:meth:`RunContext.shared`): the survey page and the summary's
    actions read the same list. Needs identified customers and a score or comment.
    """
    from analysis.surveys.customers import compute_customer_satisfaction, select_followups

    def compute():
        s = _responses(ctx)
        ca = _comments(ctx)
        sent = ca.comments[["sentiment", "sentiment_score"]] if ca is not None else None
        sat = compute_customer_satisfaction(s, sent, as_of=_end_of_period(ctx))
        since = ctx.as_of - pd.DateOffset(months=ctx.settings.followup_months)
        customers = ctx.classes[["value_tier", "action"]].join(ctx.features["monetary_total"])
        follow = select_followups(sat, customers, _latest_comments(s, ca), since=since)
        return follow, sat, since

    return ctx.shared("survey.followups", compute)


def followups(ctx: RunContext) -> Followups | Skipped:
    """Whom to call back; writes ``survey_followups`` and the per-customer survey columns."""
    from analysis.export import export_table
    from analysis.privacy import pseudonymise
    from analysis.reporting.customers import write_customer_columns
    from analysis.segmentation.playbook import load_playbook

    skip = _need(ctx, "survey.followups", "customer", "opinion")
    if skip:
        return skip
    follow, sat, since = followup_table(ctx)
    # a pseudonym beside the id: the export joins what stakeholders see on the page
    at = follow.columns.get_loc(CUSTOMER_ID) + 1
    follow = follow.copy()
    follow.insert(at, "pseudonym", pseudonymise(follow[CUSTOMER_ID]))
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
