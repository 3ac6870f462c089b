"""Language of a comment by the share of CJK characters among its letters.

A comment is ``zh`` when at least ``zh_share`` of its letters are CJK ideographs,
``en`` when at most ``en_share`` are, and ``mixed`` in between; ``""`` when it has
no letters. The rule scored 0.993 on 710 mixed comments (FACTS.md) and needs no
model; library detectors (langid, fastText) are trained on long text and are not
better on 5–30 character comments that switch language mid-sentence.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["LANGUAGES", "detect_language", "detect_languages"]

LANGUAGES = ("zh", "en", "mixed")

# CJK Unified Ideographs, extension A and compatibility ideographs.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: object, *, zh_share: float = 0.7, en_share: float = 0.05) -> str:
    """Language of one text: ``"zh"``, ``"en"``, ``"mixed"`` or ``""`` (no letters).

    Latin letters count one per *word* start, not per letter, so "iPhone很好用" is
    Chinese with an English word, not mostly English.

    Examples
    --------
    >>> detect_language("物流很快，第二天就到了")
    'zh'
    >>> detect_language("Fast delivery, well packed.")
    'en'
    >>> detect_language("质量很好, but the delivery was slow and the box was damaged")
    'mixed'
    >>> detect_language("123")
    ''
    """
    if not isinstance(text, str) or not text:
        return ""
    cjk = len(_CJK.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]+", text))
    # A Latin word carries about as much meaning as two Chinese characters.
    latin = 2 * latin_words
    total = cjk + latin
    if total == 0:
        return ""
    share = cjk / total
    if share >= zh_share:
        return "zh"
    if share <= en_share:
        return "en"
    return "mixed"


def detect_languages(texts: pd.Series | list[str], **kw: float) -> pd.Series:
    """:func:`detect_language` for each text; returns a Series aligned with ``texts``.

    Examples
    --------
    >>> detect_languages(["好评", "great", ""]).tolist()
    ['zh', 'en', '']
    """
    s = pd.Series(texts) if not isinstance(texts, pd.Series) else texts
    values = [detect_language(t, **kw) for t in s.to_numpy(dtype=object)]
    return pd.Series(np.array(values, dtype=object), index=s.index, name="language")
