"""The comment pipeline in one call: mask, language, clauses, words, sentiment, themes.

Personal data are masked first, so nothing downstream (tokens, themes, examples,
exports) ever holds a phone number, e-mail or ID number. Each comment is split into
clauses (sentence and clause punctuation, 不过/而且/但是) and each clause tokenised
once; the comment's words, its keyword tokens (content words and common two-word
phrases) and the clauses' theme mentions all come from that one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis.schema import COMMENT, SCORE
from analysis.text.aspects import compute_aspect_mentions
from analysis.text.keywords import compute_keyword_tokens
from analysis.text.language import detect_languages
from analysis.text.pii import mask_pii_series
from analysis.text.sentiment import SentimentModel, score_sentiment
from analysis.text.themes import ThemeModel, fit_themes
from analysis.text.tokens import content_terms, tokenize_many

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
        Words per row of ``comments`` (stop words dropped).
    themes : ThemeModel
        Themes fitted on ``tokens``; ``themes.assign(clause_tokens, languages)`` gives
        the theme weights of each clause.
    clauses : pandas.Series
        The masked text of each clause, indexed by its comment's label (one row per
        clause, in order; a comment has one or more).
    clause_tokens : list of list of str
        Words per row of ``clauses``.
    keyword_tokens : list of list of str
        Per row of ``comments``: content words and common two-word phrases
        (:func:`analysis.text.keywords.compute_keyword_tokens`), for keyword counts
        and distinctive terms; no function words or stock openers.
    aspects : pandas.DataFrame
        Praise and complaint per comment and theme it mentions
        (:func:`analysis.text.aspects.compute_aspect_mentions` of the clauses' themes
        and sentiments).
    """

    comments: pd.DataFrame
    tokens: list[list[str]]
    themes: ThemeModel
    clauses: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    clause_tokens: list[list[str]] = field(default_factory=list)
    keyword_tokens: list[list[str]] = field(default_factory=list)
    aspects: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["comment", "theme", "positive", "negative", "confidence"]
        )
    )


def analyse_comments(
    surveys: pd.DataFrame,
    *,
    comment_col: str = COMMENT,
    score_col: str = SCORE,
    sentiment_model: SentimentModel | None = None,
    n_jobs: int = 1,
    seed: int = 0,
    phrase_min_comments: int = 10,
    **theme_kw,
) -> CommentAnalysis:
    """Analyse the comments of survey responses.

    Parameters
    ----------
    surveys : pandas.DataFrame
        One row per response with ``comment_col`` and (optionally) ``score_col``;
        without ``comment_col`` (or without any comment) the result has no rows.
    sentiment_model : SentimentModel, optional
        :func:`analysis.text.sentiment.load_sentiment_model` when omitted.
    n_jobs : int
        Processes for tokenising (worth it from tens of thousands of comments).
    phrase_min_comments : int
        Comments a two-word phrase must occur in to become one keyword term.
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
    clauses = clauses[clauses.notna() & (clauses.str.strip() != "")]
    gapped = tokenize_many(clauses.tolist(), n_jobs=n_jobs, gaps=True)
    clause_tokens = [[w for w in g if w is not None] for g in gapped]
    by_comment: dict[object, list[str]] = {i: [] for i in c.index}
    for i, toks in zip(clauses.index, clause_tokens, strict=True):
        by_comment[i].extend(toks)
    tokens = [by_comment[i] for i in c.index]
    keyword_tokens = compute_keyword_tokens(
        [content_terms(g) for g in gapped],
        clauses.index,
        index=c.index,
        min_comments=phrase_min_comments,
    )
    sent = score_sentiment(c[comment_col], model=sentiment_model)
    c = c.join(sent)
    clause_languages = detect_languages(clauses).tolist()
    themes = fit_themes(
        tokens,
        c["language"].tolist(),
        index=c.index,
        clause_tokens=clause_tokens,
        clause_of=clauses.index,
        clause_languages=clause_languages,
        seed=seed,
        **theme_kw,
    )
    c["theme"] = themes.primary
    aspects = _clause_aspects(
        clauses, clause_tokens, clause_languages, themes, c["sentiment"], sentiment_model
    )
    return CommentAnalysis(c, tokens, themes, clauses, clause_tokens, keyword_tokens, aspects)


def _clause_aspects(
    clauses: pd.Series,
    clause_tokens: list[list[str]],
    languages: list[str],
    themes: ThemeModel,
    comment_sentiment: pd.Series,
    model: SentimentModel | None,
) -> pd.DataFrame:
    """Praise and complaint per comment and theme, from each clause's theme and sentiment."""
    if themes.weights.shape[1] == 0 or clauses.empty:
        return compute_aspect_mentions(
            pd.DataFrame(columns=["comment", "theme", "sentiment"]), comment_sentiment
        )
    position = pd.RangeIndex(len(clauses))
    w = themes.assign(clause_tokens, languages, index=position)
    hit = (w >= themes.mention_share) & (w > 0)
    pairs = hit.stack()
    pairs = pairs[pairs].index.to_frame(index=False, name=["clause", "theme"])
    about = pairs["clause"].unique()
    sent = score_sentiment(pd.Series(clauses.to_numpy()[about], index=about), model=model)
    sure = sent[["p_positive", "p_negative"]].max(axis=1)
    rows = pairs.assign(
        comment=clauses.index.to_numpy()[pairs["clause"].to_numpy()],
        sentiment=pairs["clause"].map(sent["sentiment"]).to_numpy(),
        confidence=pairs["clause"].map(sure).to_numpy(),
    )
    return compute_aspect_mentions(rows, comment_sentiment)
