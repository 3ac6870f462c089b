"""Words of a comment: jieba with a domain dictionary, stop words from stopwordsiso.

jieba's default dictionary splits customer-service terms (售后服务, 性价比, 退换货) or
joins them wrongly; ``data/userdict.txt`` (shipped with the package, one
``word frequency tag`` per line) adds them. Chinese stop words are stopwordsiso's
list (794 words), not one written from memory. A private ``jieba.Tokenizer`` is used
so the global one stays untouched. English stop words are
scikit-learn's 318-word list: stopwordsiso's English list (1,298 words) contains
"great", "good", "value" and "best", which are exactly what comments say.

Two filters on top, both by the word alone (so a fitted vocabulary applies to any new
token list): :func:`theme_terms` keeps what can name a theme (Chinese nouns by their
dictionary tag, English content nouns), :func:`content_terms` keeps what says
something (nouns, verbs, adjectives; no adverbs, particles, pronouns). Both drop the
domain stop words of ``data/domain_stopwords.txt`` (总体, 说实话, 这次, overall, ...).
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = [
    "DOMAIN_STOPWORDS",
    "USER_DICT",
    "content_terms",
    "load_domain_stopwords",
    "load_stopwords",
    "load_tokenizer",
    "load_word_tags",
    "theme_terms",
    "tokenize",
    "tokenize_many",
]

USER_DICT = "userdict.txt"
DOMAIN_STOPWORDS = "domain_stopwords.txt"
_WORD = re.compile(r"^(?:[\u3400-\u9fff]+|[a-z][a-z'\-]*[a-z])$")


@lru_cache(maxsize=1)
def _mask_pattern() -> re.Pattern[str]:
    """Masks of personal data ("[电话]"): placeholders, not what the customer wrote."""
    from analysis.text.pii import MASKS

    return re.compile("|".join(re.escape(m) for m in MASKS.values()))


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


@lru_cache(maxsize=1)
def load_domain_stopwords() -> frozenset[str]:
    """Generic customer-feedback words (``data/domain_stopwords.txt``), lower-cased.

    Examples
    --------
    >>> {"总体", "说实话", "overall"} <= load_domain_stopwords()
    True
    """
    path = importlib.resources.files("analysis.text") / "data" / DOMAIN_STOPWORDS
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line.lower() for line in lines if line and not line.startswith("#"))


def tokenize(text: object, *, stopwords: bool = True, gaps: bool = False) -> list:
    """Lower-cased words of ``text``: Chinese words and English words of two letters or more.

    Punctuation, numbers, whitespace, masks of personal data ("[电话]") and (by
    default) stop words are dropped. With ``gaps``, each run of dropped tokens other
    than spaces leaves one ``None``, so that callers can tell adjacent words apart
    from words that only end up side by side (for two-word phrases).

    Examples
    --------
    >>> tokenize("售后服务太差，the refund never arrived!")
    ['售后服务', '太', '差', 'refund', 'arrived']
    >>> tokenize("物流很快，不过售后太差", gaps=True)
    ['物流', '很快', None, '售后', '太', '差']
    """
    if not isinstance(text, str) or not text:
        return []
    stop = load_stopwords() if stopwords else frozenset()
    out: list = []
    for w in load_tokenizer().cut(_mask_pattern().sub(" ", text.lower())):
        if _WORD.match(w) and w not in stop:
            out.append(w)
        elif gaps and out and out[-1] is not None and not w.isspace():
            out.append(None)
    if gaps and out and out[-1] is None:
        out.pop()
    return out


def _tokenize_chunk(texts: list[str], gaps: bool = False) -> list[list]:
    return [tokenize(t, gaps=gaps) for t in texts]


def tokenize_many(texts: Iterable[object], *, n_jobs: int = 1, gaps: bool = False) -> list[list]:
    """:func:`tokenize` for many texts, optionally in ``n_jobs`` processes.

    jieba holds the GIL, so threads do not help; processes do once there are tens of
    thousands of comments (each worker loads the dictionary once, about 1 s).

    Examples
    --------
    >>> tokenize_many(["物流很快", "great value"])
    [['物流', '很快'], ['great', 'value']]
    """
    from functools import partial

    texts = [t if isinstance(t, str) else "" for t in texts]
    if n_jobs == 1 or len(texts) < 20_000:
        return _tokenize_chunk(texts, gaps)
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(texts) // (n_jobs * 4))
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    with ProcessPoolExecutor(n_jobs) as pool:
        parts = list(pool.map(partial(_tokenize_chunk, gaps=gaps), chunks))
    return [tokens for part in parts for tokens in part]


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


# Nouns (common, other proper, verbal, organisation, idiomatic) and abbreviations (环保):
# what a theme can be *about*. Person and place names are left out (jieba tags 东西 ns).
_NOUN_TAGS = frozenset({"n", "ng", "nz", "vn", "nt", "nl", "j"})
# Content words: nouns, verbs, adjectives, idioms, descriptive words; not the verbs
# 是/有 (vshi, vyou), directional or auxiliary verbs (vf, vx), names (nr*, ns).
_CONTENT_PREFIXES = ("n", "v", "a", "i", "j", "z")
_NOT_CONTENT = frozenset({"nr", "nrt", "nrfg", "ns", "vshi", "vyou", "vf", "vx"})
#: English words with a VADER valence at least this strong carry tone, not topic.
TONE_VALENCE = 1.8


@lru_cache(maxsize=1)
def _tone_lexicon() -> dict[str, float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return dict(SentimentIntensityAnalyzer().lexicon)


def _is_english_noun(w: str) -> bool:
    """A crude English content-noun test, without a tagger: no adverb (-ly), no past
    form (-ed, but "speed"), no strong tone word (VADER lexicon)."""
    if len(w) < 3 or w.endswith("ly") or (len(w) > 4 and w.endswith("ed") and w[-3] != "e"):
        return False
    return abs(_tone_lexicon().get(w, 0.0)) < TONE_VALENCE


@lru_cache(maxsize=1)
def _pos_tagger():
    import jieba.posseg

    return jieba.posseg.POSTokenizer(load_tokenizer())


@lru_cache(maxsize=50_000)
def _guess_tag(w: str) -> str | None:
    """jieba.posseg's tag of a word the dictionary does not know, read on its own: the
    tag when it stays one word (顺丰 nz), None when it splits (只会 = 只/d 会/v)."""
    parts = list(_pos_tagger().cut(w))
    return parts[0].flag if len(parts) == 1 else None


def _is_chinese_noun(w: str, tags: dict[str, str]) -> bool:
    # Words jieba's HMM found (not in the dictionary) are tagged by jieba.posseg, once
    # per word: tagging every comment with posseg costs 6x the segmentation.
    tag = tags.get(w) or _guess_tag(w)
    return tag in _NOUN_TAGS


@lru_cache(maxsize=200_000)
def _theme_features(w: str) -> tuple[str, ...]:
    """A word's theme terms: none, itself, or a compound noun and the nouns inside it."""
    if not _WORD.match(w) or w in load_stopwords() or w in load_domain_stopwords():
        return ()
    if "a" <= w[0] <= "z":
        return (w,) if _is_english_noun(w) else ()
    tags = load_word_tags()
    if not _is_chinese_noun(w, tags):
        return ()
    parts = [
        w[i : i + n]
        for n in (2, 3)
        for i in range(len(w) - n + 1)
        if len(w) > n and tags.get(w[i : i + n]) in _NOUN_TAGS
    ]
    domain = load_domain_stopwords()
    return (w, *dict.fromkeys(p for p in parts if p not in domain))


def theme_terms(tokens: Iterable[str | None], language: str | None = None) -> list[str]:
    """The terms a theme is made of: nouns, and the nouns inside a compound noun.

    Chinese words are kept when jieba's dictionary (with the domain dictionary) tags
    them as nouns (``n``, ``nz``, ``vn``, ...); a word it does not know (found by
    jieba's HMM) when ``jieba.posseg`` reads it as one noun (顺丰, not 只会 or 很差).
    English words are kept
    unless they are adverbs (-ly), past forms (-ed) or strong tone words (VADER
    valence of at least :data:`TONE_VALENCE`). Stop words and domain stop words go.
    A compound noun also yields the dictionary nouns inside it (售后服务 → 售后, 服务):
    comments that say 售后 and 售后服务 then share a term, as a reader would expect.
    The test looks at the word alone, so it gives the same answer for a clause or a
    whole comment, and for new comments given to a fitted model.

    Parameters
    ----------
    tokens : iterable of str
        Words (:func:`tokenize`); ``None`` entries are skipped.
    language : {"zh", "en"}, optional
        Keep only Chinese (``zh``) or only English (``en``) terms.

    Examples
    --------
    >>> theme_terms(["总体", "售后服务", "太", "差", "退货", "满意", "refund", "slowly"])
    ['售后服务', '售后', '服务', '退货', 'refund']
    >>> theme_terms(["物流", "delivery"], "en")
    ['delivery']
    """
    out: list[str] = []
    for t in tokens:
        latin = bool(t) and "a" <= t[0] <= "z"
        if not t or (language == "zh" and latin) or (language == "en" and not latin):
            continue
        out.extend(_theme_features(t))
    return out


def content_terms(tokens: Iterable[str | None]) -> list[str | None]:
    """The words that say something, with ``None`` where anything else stood.

    Chinese: nouns, verbs, adjectives, idioms by their dictionary tag (and words the
    dictionary does not know), of two characters or more, or one-character adjectives
    (慢, 贵, 坏); adverbs (非常, 很), pronouns, particles, numerals and other single
    characters (买, 帮, 力) go. English: words of three letters or more. Stop
    words and domain stop words go. A dropped word leaves a ``None``, so that two
    words are only read as a phrase when they stood side by side.

    Examples
    --------
    >>> content_terms(["说实话", "物流", "非常", "慢", None, "买", "质量", "不错"])
    ['物流', None, '慢', None, '质量', '不错']
    """
    tags = load_word_tags()
    stop, domain = load_stopwords(), load_domain_stopwords()
    out: list[str | None] = []
    for t in tokens:
        keep = t is not None and t not in stop and t not in domain
        if keep and "a" <= t[0] <= "z":
            keep = len(t) >= 3
        elif keep:
            tag = tags.get(t)
            if tag is None:
                keep = len(t) >= 2
            else:
                keep = tag.startswith(_CONTENT_PREFIXES) and tag not in _NOT_CONTENT
                keep = keep and (len(t) >= 2 or tag[0] == "a")
        if keep:
            out.append(t)
        elif out and out[-1] is not None:
            out.append(None)
    if out and out[-1] is None:
        out.pop()
    return out
