"""The comment pipeline in one call: mask, language, words, sentiment, themes.

Personal data are masked first, so nothing downstream (tokens, themes, examples,
exports) ever holds a phone number, e-mail or ID number.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.schema import COMMENT, SCORE
from analysis.text.language import detect_languages
from analysis.text.pii import mask_pii_series
from analysis.text.sentiment import SentimentClassifier, score_sentiment
from analysis.text.themes import ThemeModel, fit_themes
from analysis.text.tokens import keep_aspect_terms, tokenize_many, tone_terms

__all__ = ["CommentAnalysis", "analyse_comments"]

# Clause boundaries: Chinese and Western sentence and clause punctuation.
_CLAUSE = r"[，,；;。.!！?？\n]+|，?(?:不过|而且|但是)"


@dataclass
class CommentAnalysis:
    """Result of :func:`analyse_comments`.

    Attributes
    ----------
    comments : pandas.DataFrame
        The responses that have a comment (index kept), with ``comment`` masked,
        ``language``, ``sentiment``, ``p_negative``, ``p_neutral``, ``p_positive``,
        ``sentiment_score``, ``theme`` (primary theme id) and the input's other columns.
    tokens : list of list of str
        Words per row of ``comments``.
    themes : ThemeModel
    """

    comments: pd.DataFrame
    tokens: list[list[str]]
    themes: ThemeModel


def analyse_comments(
    surveys: pd.DataFrame,
    *,
    comment_col: str = COMMENT,
    score_col: str = SCORE,
    review_model: SentimentClassifier | None = None,
    n_jobs: int = 1,
    seed: int = 0,
    **theme_kw,
) -> CommentAnalysis:
    """Analyse the comments of survey responses.

    Parameters
    ----------
    surveys : pandas.DataFrame
        One row per response with ``comment_col`` and (optionally) ``score_col``;
        without ``comment_col`` (or without any comment) the result has no rows.
    review_model : SentimentClassifier, optional
        A fitted review model (fitted here when omitted, about 10 s).
    n_jobs : int
        Processes for tokenising (worth it from tens of thousands of comments).
    **theme_kw
        Passed to :func:`analysis.text.themes.fit_themes`.

    Examples
    --------
    >>> df = pd.DataFrame({"comment": ["物流很快，电话13912345678"], "score": [9]})
    >>> r = analyse_comments(df)  # doctest: +SKIP
    >>> r.comments["comment"].iloc[0]  # doctest: +SKIP
    '物流很快，电话[电话]'
    """
    if comment_col not in surveys.columns:
        surveys = surveys.assign(**{comment_col: None})
    text = surveys[comment_col].where(surveys[comment_col].notna(), "").astype(str)
    keep = text.str.strip() != ""
    c = surveys.loc[keep].copy()
    c[comment_col] = mask_pii_series(text[keep])
    c["language"] = detect_languages(c[comment_col])
    clauses = c[comment_col].str.split(_CLAUSE).explode()
    clauses = clauses[clauses.str.strip() != ""]
    clause_tokens = tokenize_many(clauses.tolist(), n_jobs=n_jobs)
    by_comment: dict[object, list[str]] = {i: [] for i in c.index}
    for i, toks in zip(clauses.index, clause_tokens, strict=True):
        by_comment[i].extend(toks)
    tokens = [by_comment[i] for i in c.index]
    scores = c[score_col] if score_col in c.columns else None
    sent = score_sentiment(c[comment_col], scores, review_model=review_model, seed=seed)
    c = c.join(sent)
    aspects = [keep_aspect_terms(t) for t in tokens]
    # Themes are about aspects, not tone: drop words found in one polarity only.
    tone = tone_terms(aspects, c["sentiment"])
    aspects = [[w for w in t if w not in tone] for t in aspects]
    themes = fit_themes(aspects, c["language"].tolist(), index=c.index, seed=seed, **theme_kw)
    c["theme"] = themes.primary
    return CommentAnalysis(c, tokens, themes)
