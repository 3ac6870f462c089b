"""Praise and complaints per theme (aspect sentiment).

A comment often praises one thing and complains about another ("物流很快，不过售后太差"),
so its overall sentiment says little about either theme. Here each *clause* of a comment
carries its own theme (the fitted theme model applied to the clause's words) and its own
sentiment, and a comment mentions a theme

- **positively** when one of its clauses about the theme is positive,
- **negatively** when one of them is negative (a comment can do both),

and a theme clause without tone of its own ("第二天就到了" is a fact, the tone is in the
reader) takes the comment's sentiment when the comment as a whole is positive or
negative. This is the satisfaction section's main table: for each theme, how many
comments of the month praise it and complain about it, the change since last month, and
example comments of each kind.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["compute_aspect_mentions", "compute_aspect_table", "pick_aspect_examples"]

_POLES = ("positive", "negative")


def compute_aspect_mentions(
    clauses: pd.DataFrame, comment_sentiment: pd.Series | None = None
) -> pd.DataFrame:
    """One row per comment and theme it mentions, with the polarity of the mention.

    Parameters
    ----------
    clauses : pandas.DataFrame
        One row per clause: ``comment`` (the comment's index label), ``theme`` (theme
        id, missing when the clause names no theme), ``sentiment`` (negative / neutral /
        positive) and optionally ``confidence`` (how sure the sentiment is, 0..1).
    comment_sentiment : pandas.Series, optional
        The sentiment of each whole comment (index = comment labels); a neutral theme
        clause of a positive or negative comment takes that polarity.

    Returns
    -------
    pandas.DataFrame
        ``comment``, ``theme``, ``positive`` and ``negative`` (bool: the comment praises
        / complains about the theme), ``confidence`` (the largest of its clauses').

    Examples
    --------
    >>> c = pd.DataFrame({"comment": [1, 1, 2], "theme": ["物流", "售后", "物流"],
    ...                   "sentiment": ["positive", "negative", "neutral"]})
    >>> m = compute_aspect_mentions(c, pd.Series({1: "neutral", 2: "negative"}))
    >>> m[["comment", "theme", "positive", "negative"]].to_dict("records")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'comment': 1, 'theme': '售后', 'positive': False, 'negative': True},
     {'comment': 1, 'theme': '物流', 'positive': True, 'negative': False},
     {'comment': 2, 'theme': '物流', 'positive': False, 'negative': True}]
    """
    need = {"comment", "theme", "sentiment"}
    missing = need - set(clauses.columns)
    if missing:
        raise ValueError(f"clauses need columns {sorted(need)}; missing {sorted(missing)}")
    c = clauses[clauses["theme"].notna()].copy()
    if "confidence" not in c.columns:
        c["confidence"] = np.nan
    sent = c["sentiment"].astype(object)
    if comment_sentiment is not None:
        whole = c["comment"].map(comment_sentiment).astype(object)
        sent = sent.where(sent.isin(_POLES) | ~whole.isin(_POLES), whole)
    c["positive"] = sent.eq("positive").to_numpy()
    c["negative"] = sent.eq("negative").to_numpy()
    out = c.groupby(["comment", "theme"], sort=True).agg(
        positive=("positive", "any"), negative=("negative", "any"), confidence=("confidence", "max")
    )
    return out.reset_index()


def compute_aspect_table(
    mentions: pd.DataFrame,
    months: pd.Series,
    period: str,
    previous: str | None = None,
) -> pd.DataFrame:
    """Praise and complaints per theme in ``period``, and their change since ``previous``.

    Parameters
    ----------
    mentions : pandas.DataFrame
        :func:`compute_aspect_mentions`.
    months : pandas.Series
        The month (``YYYY-MM``) of each comment, indexed by comment label.
    period, previous : str
        The report month and the month to compare with (None: no comparison).

    Returns
    -------
    pandas.DataFrame
        One row per theme mentioned in either month: ``theme``, ``comments`` (mentioning
        it in ``period``), ``positive``, ``negative`` (comments praising / complaining),
        ``negative_share`` (of the comments mentioning it), and with ``previous``:
        ``positive_change``, ``negative_change`` (in comments) and
        ``negative_share_change`` (in percentage points, as a fraction); sorted by
        complaints, then mentions.

    Examples
    --------
    >>> m = pd.DataFrame({"comment": [1, 2, 3], "theme": ["物流"] * 3,
    ...                   "positive": [True, False, False], "negative": [False, True, True]})
    >>> months = pd.Series({1: "2026-10", 2: "2026-10", 3: "2026-09"})
    >>> t = compute_aspect_table(m, months, "2026-10", "2026-09")
    >>> t[["theme", "comments", "positive", "negative", "negative_change"]].to_dict("records")
    [{'theme': '物流', 'comments': 2, 'positive': 1, 'negative': 1, 'negative_change': 0}]
    """
    m = mentions.assign(month=mentions["comment"].map(months).to_numpy())

    def count(month: str) -> pd.DataFrame:
        part = m[m["month"] == month]
        g = part.groupby("theme", sort=False)
        return pd.DataFrame(
            {
                "comments": g.size(),
                "positive": g["positive"].sum(),
                "negative": g["negative"].sum(),
            }
        ).astype(int)

    now = count(period)
    cols = ["comments", "positive", "negative"]
    if previous is None:
        table = now
    else:
        before = count(previous)
        themes = now.index.union(before.index, sort=False)
        now = now.reindex(themes, fill_value=0)
        before = before.reindex(themes, fill_value=0)
        table = now.copy()
        for c in ("positive", "negative"):
            table[f"{c}_change"] = now[c] - before[c]
    table = table.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        table["negative_share"] = table["negative"] / table["comments"].where(table["comments"] > 0)
        if previous is not None:
            share_before = before["negative"] / before["comments"].where(before["comments"] > 0)
            table["negative_share_change"] = table["negative_share"] - share_before
    order = ["negative", "comments"]
    table = table.sort_values(order, ascending=False, kind="stable")
    table = table.rename_axis("theme").reset_index()
    extra = [c for c in table.columns if c not in ["theme", *cols, "negative_share"]]
    return table[["theme", *cols, "negative_share", *extra]]


def pick_aspect_examples(
    mentions: pd.DataFrame,
    texts: pd.Series,
    comments: pd.Index,
    *,
    per_kind: int = 2,
) -> pd.DataFrame:
    """Example comments praising and complaining about each theme.

    Among ``comments`` (e.g. the report month's), for each theme and pole the mentions
    the sentiment model is surest of (``confidence``, highest first), then the shorter
    comment, then the earlier label; one comment praising *and* complaining about a
    theme is not used as an example of either.

    Returns
    -------
    pandas.DataFrame
        ``theme``, ``kind`` (positive / negative), ``comment`` (its label), ``text``.

    Examples
    --------
    >>> m = pd.DataFrame({"comment": [1, 2], "theme": ["物流", "物流"],
    ...                   "positive": [True, False], "negative": [False, True]})
    >>> ex = pick_aspect_examples(m, pd.Series({1: "很快", 2: "太慢"}), pd.Index([1, 2]))
    >>> ex[["kind", "text"]].to_dict("records")
    [{'kind': 'positive', 'text': '很快'}, {'kind': 'negative', 'text': '太慢'}]
    """
    m = mentions[mentions["comment"].isin(comments) & (mentions["positive"] ^ mentions["negative"])]
    m = m.assign(
        text=m["comment"].map(texts).to_numpy(),
        confidence=m["confidence"] if "confidence" in m.columns else np.nan,
    )
    m = m.assign(length=m["text"].astype(str).str.len(), kind=np.where(m["positive"], *_POLES))
    m = m.sort_values(["confidence", "length", "comment"], ascending=[False, True, True])
    rows = []
    for theme in pd.unique(mentions["theme"]):
        for kind in _POLES:
            part = m[(m["theme"] == theme) & (m["kind"] == kind)].head(per_kind)
            rows.append(part[["theme", "kind", "comment", "text"]])
    if not rows:
        return pd.DataFrame(columns=["theme", "kind", "comment", "text"])
    return pd.concat(rows, ignore_index=True)
