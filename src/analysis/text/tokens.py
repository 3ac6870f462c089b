"""Words of a comment: jieba with a domain dictionary, stop words from stopwordsiso.

jieba's default dictionary splits customer-service terms (售后服务, 性价比, 退换货) or
joins them wrongly; ``data/userdict.txt`` (shipped with the package, one
``word frequency tag`` per line) adds them. Chinese stop words are stopwordsiso's
list (794 words), not one written from memory. A private ``jieba.Tokenizer`` is used
so the global one stays untouched. English stop words are
scikit-learn's 318-word list: stopwordsiso's English list (1,298 words) contains
"great", "good", "value" and "best", which are exactly what comments say.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = [
    "USER_DICT",
    "keep_aspect_terms",
    "load_stopwords",
    "load_tokenizer",
    "load_word_tags",
    "tokenize",
    "tokenize_many",
    "tone_terms",
]

USER_DICT = "userdict.txt"
_WORD = re.compile(r"^(?:[\u3400-\u9fff]+|[a-z][a-z'\-]*[a-z])$")


@lru_cache(maxsize=1)
def load_stopwords() -> frozenset[str]:
    """stopwordsiso's Chinese and scikit-learn's English stop words, as one set."""
    import stopwordsiso
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(stopwordsiso.stopwords("zh")) | ENGLISH_STOP_WORDS


@lru_cache(maxsize=1)
def load_tokenizer():
    """A jieba tokenizer with the package's domain dictionary loaded (cached)."""
    import jieba

    jieba.setLogLevel(60)  # its "Building prefix dict" lines would land in the report
    tk = jieba.Tokenizer()
    path = importlib.resources.files("analysis.text") / "data" / USER_DICT
    with importlib.resources.as_file(path) as p:
        tk.load_userdict(str(p))
    return tk


def tokenize(text: object, *, stopwords: bool = True) -> list[str]:
    """Lower-cased words of ``text``: Chinese words and English words of two letters or more.

    Punctuation, numbers, whitespace and (by default) stop words are dropped.

    Examples
    --------
    >>> tokenize("售后服务太差，the refund never arrived!")
    ['售后服务', '太', '差', 'refund', 'arrived']
    """
    if not isinstance(text, str) or not text:
        return []
    stop = load_stopwords() if stopwords else frozenset()
    out = []
    for w in load_tokenizer().cut(text.lower()):
        if _WORD.match(w) and w not in stop:
            out.append(w)
    return out


def _tokenize_chunk(texts: list[str]) -> list[list[str]]:
    return [tokenize(t) for t in texts]


def tokenize_many(texts: Iterable[object], *, n_jobs: int = 1) -> list[list[str]]:
    """:func:`tokenize` for many texts, optionally in ``n_jobs`` processes.

    jieba holds the GIL, so threads do not help; processes do once there are tens of
    thousands of comments (each worker loads the dictionary once, about 1 s).

    Examples
    --------
    >>> tokenize_many(["物流很快", "great value"])
    [['物流', '很快'], ['great', 'value']]
    """
    texts = [t if isinstance(t, str) else "" for t in texts]
    if n_jobs == 1 or len(texts) < 20_000:
        return _tokenize_chunk(texts)
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(texts) // (n_jobs * 4))
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    with ProcessPoolExecutor(n_jobs) as pool:
        parts = list(pool.map(_tokenize_chunk, chunks))
    return [tokens for part in parts for tokens in part]


# Part-of-speech tags (jieba's dictionary, ICTCLAS style) of words that can name what
# a comment is about: nouns, verbal nouns, place/organisation nouns; not person names.
_ASPECT_TAGS = ("n", "ng", "nz", "vn", "ns", "nt", "nl", "an")


@lru_cache(maxsize=1)
def load_word_tags() -> dict[str, str]:
    """Word → part-of-speech tag from jieba's dictionary, overridden by the domain dictionary.

    A dictionary lookup, not jieba's HMM tagger (``jieba.posseg``), which is several
    times slower.
    """
    import jieba

    tags: dict[str, str] = {}
    main = importlib.resources.files(jieba) / "dict.txt"
    user = importlib.resources.files("analysis.text") / "data" / USER_DICT
    for source in (main, user):
        for line in source.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 3:
                tags[parts[0]] = parts[2]
    return tags


def keep_aspect_terms(tokens: list[str]) -> list[str]:
    """The tokens that can name a topic: Chinese nouns (and unknown words) and English words.

    Verbs, adjectives and adverbs (很, 满意, 购买) carry tone or filler, not topic, and
    let NMF build themes out of stock phrases ("第二次购买了", "非常满意").

    Examples
    --------
    >>> keep_aspect_terms(["售后服务", "太", "差", "退货", "满意", "refund"])
    ['售后服务', '退货', 'refund']
    """
    tags = load_word_tags()
    out = []
    for t in tokens:
        if "a" <= t[0] <= "z":
            out.append(t)
            continue
        tag = tags.get(t)
        if tag is None or tag in _ASPECT_TAGS:
            if tag is None and len(t) == 1:
                continue
            out.append(t)
    return out


def tone_terms(
    tokens: list[list[str]],
    labels: Iterable[object],
    *,
    ratio: float = 0.2,
    prior: float = 5.0,
    min_count: int = 10,
) -> frozenset[str]:
    """Words that carry tone rather than topic: (almost) never in one of the two poles.

    A word about *what* a comment concerns (售后, 物流, delivery) turns up in negative and
    positive comments alike, if in different proportions; a word that says *how* it went
    (给力, 点赞, 压坏, disappointed, recommend), or a stock phrase of one tone, turns up
    in comments of one polarity only. For each word with at least ``min_count`` comments,
    the share of its comments labelled ``negative`` and ``positive`` is compared with the
    share among all labelled comments (smoothed by ``prior`` comments at that share); a
    word is tone-bearing when either ratio is below ``ratio``. Such words let NMF build
    themes out of "praise" and "complaint" instead of aspects, and a theme of complaint
    words is a driver whatever it is about.

    Parameters
    ----------
    tokens : list of list of str
        Words per comment.
    labels : iterable
        ``negative``, ``neutral``, ``positive`` (or missing) per comment, e.g. the
        predicted sentiment.

    Examples
    --------
    >>> toks = [["物流", "给力"]] * 40 + [["物流", "太慢"]] * 40
    >>> sorted(tone_terms(toks, ["positive"] * 40 + ["negative"] * 40))
    ['太慢', '给力']
    """
    import numpy as np

    lab = np.asarray(list(labels), dtype=object)
    lengths = np.fromiter((len(set(t)) for t in tokens), dtype=np.int64, count=len(tokens))
    words = np.array([w for t in tokens for w in set(t)], dtype=object)
    if words.size == 0:
        return frozenset()
    doc_lab = np.repeat(lab, lengths)
    vocab, inv = np.unique(words.astype(str), return_inverse=True)
    classes = ["negative", "neutral", "positive"]
    labelled = np.isin(lab, classes)
    n = np.bincount(inv[np.isin(doc_lab, classes)], minlength=len(vocab))
    out = np.zeros(len(vocab), dtype=bool)
    for pole in ("negative", "positive"):
        base = (lab[labelled] == pole).mean() if labelled.any() else 0.0
        if base <= 0:
            continue
        k = np.bincount(inv[doc_lab == pole], minlength=len(vocab))
        r = (k + prior * base) / (n + prior) / base
        out |= (r < ratio) & (n >= min_count)
    return frozenset(vocab[out].tolist())
