"""Satisfaction per customer: for the customers export, the churn model and follow-up."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.schema import COMMENT, CUSTOMER_ID, RESPONSE_DATE, SCORE
from analysis.surveys.nps import nps_groups

__all__ = ["compute_customer_satisfaction", "select_followups"]


def compute_customer_satisfaction(
    surveys: pd.DataFrame, sentiment: pd.DataFrame | None = None, *, as_of=None
) -> pd.DataFrame:
    """Latest survey answer of each identified customer.

    Parameters
    ----------
    surveys : pandas.DataFrame
        Responses with ``customer_id``, ``response_date``, ``score`` (and ``comment``).
        Anonymous responses (empty ``customer_id``) are skipped. Without a ``score``
        column (comment-only feedback) the score columns are empty; without a
        ``customer_id`` column no response is identified.
    sentiment : pandas.DataFrame, optional
        :func:`analysis.text.sentiment.score_sentiment` output indexed like
        ``surveys`` (comment sentiment of the latest response is joined).
    as_of : date-like, optional
        Only responses up to this date count (no look-ahead for the churn model).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``: ``latest_score``, ``nps_group``
        (detractor/passive/promoter), ``latest_response_date``, ``responses``,
        ``mean_score``, ``comment_sentiment``, ``comment_sentiment_score``.
    """
    s = surveys.copy()
    if CUSTOMER_ID not in s.columns:
        s[CUSTOMER_ID] = None
    if SCORE not in s.columns:
        s[SCORE] = np.nan
    s = s[s[CUSTOMER_ID].fillna("").astype(str).str.strip() != ""]
    s[RESPONSE_DATE] = pd.to_datetime(s[RESPONSE_DATE])
    if as_of is not None:
        s = s[s[RESPONSE_DATE] <= pd.Timestamp(as_of)]
    if sentiment is not None:
        s = s.join(sentiment[["sentiment", "sentiment_score"]])
    else:
        s["sentiment"], s["sentiment_score"] = np.nan, np.nan
    s = s.sort_values([CUSTOMER_ID, RESPONSE_DATE], kind="stable")
    last = s.groupby(CUSTOMER_ID).tail(1).set_index(CUSTOMER_ID)
    agg = s.groupby(CUSTOMER_ID)[SCORE].agg(["size", "mean"])
    out = pd.DataFrame(
        {
            "latest_score": last[SCORE],
            "nps_group": nps_groups(last[SCORE]),
            "latest_response_date": last[RESPONSE_DATE],
            "responses": agg["size"],
            "mean_score": agg["mean"],
            "comment_sentiment": last["sentiment"],
            "comment_sentiment_score": last["sentiment_score"],
        }
    )
    out.index.name = CUSTOMER_ID
    return out


def select_followups(
    satisfaction: pd.DataFrame,
    customers: pd.DataFrame,
    latest_comments: pd.Series,
    *,
    tier_col: str = "value_tier",
    action_col: str = "action",
    value_col: str = "monetary_total",
    tiers: tuple[str, ...] = ("high",),
    since=None,
) -> pd.DataFrame:
    """Dissatisfied high-value customers to call back, worth most first.

    Parameters
    ----------
    satisfaction : pandas.DataFrame
        :func:`compute_customer_satisfaction` output.
    customers : pandas.DataFrame
        Indexed by ``customer_id`` with ``tier_col``, ``value_col`` and ``action_col``
        (the segmentation playbook's recommended action, :mod:`analysis.segmentation`).
    latest_comments : pandas.Series
        The *masked* comment of each customer's latest response, by ``customer_id``.
    since : date-like, optional
        Only customers whose latest answer is on or after this date.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, value_tier, monetary_total, latest_score, nps_group,
        comment_sentiment, latest_response_date, comment, action``.
    """
    s = satisfaction
    unhappy = (s["nps_group"] == "detractor") | (s["comment_sentiment"] == "negative")
    if since is not None:
        unhappy &= s["latest_response_date"] >= pd.Timestamp(since)
    c = customers.reindex(s.index[unhappy])
    keep = c[tier_col].isin(tiers)
    c = c[keep]
    out = pd.DataFrame(
        {
            "value_tier": c[tier_col],
            "monetary_total": c[value_col],
            "latest_score": s.loc[c.index, "latest_score"],
            "nps_group": s.loc[c.index, "nps_group"],
            "comment_sentiment": s.loc[c.index, "comment_sentiment"],
            "latest_response_date": s.loc[c.index, "latest_response_date"].dt.date,
            COMMENT: latest_comments.reindex(c.index),
        }
    )
    out["action"] = c[action_col]
    out.index.name = CUSTOMER_ID
    return out.sort_values(["monetary_total"], ascending=False).reset_index()
