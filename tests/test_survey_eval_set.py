"""The labelled survey-comment evaluation set stays well formed.

``tests/data/survey_comments_eval.csv`` is hand-written: short Chinese and English
satisfaction-survey comments, each labelled positive / negative / mixed / neutral.
``clear`` is 1 when a person would call the comment clearly positive or clearly
negative; ``negation`` is 1 when its tone hinges on a negation (不满意, 还不错, 没有问题,
不会再买, not bad, couldn't be happier, never again, no complaints): read without the
negation, the comment would lose or flip its tone. ``benchmarks/eval_survey_set.py``
scores the sentiment method on it; these checks only keep later edits from silently
breaking the set (counts, vocabularies, no personal data, no repeats).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis.text.pii import contains_pii

PATH = Path(__file__).resolve().parent / "data" / "survey_comments_eval.csv"
COLUMNS = ["id", "lang", "text", "label", "clear", "negation", "aspect"]
LANGS = ("zh", "en")
LABELS = {"positive", "negative", "mixed", "neutral"}
ASPECTS = {
    "product_quality",
    "delivery",
    "after_sales",
    "customer_service",
    "price",
    "app",
    "membership",
    "installation",
    "packaging",
    "other",
}
MIN_PER_LANG = 130
MIN_NEGATION = 25
# label shares the set is built to (about 45 / 35 / 10 / 10 %), with room for edits
SHARES = {
    "clear positive": (0.40, 0.50),
    "clear negative": (0.30, 0.40),
    "mixed": (0.07, 0.13),
    "neutral": (0.07, 0.13),
}
# common Traditional forms whose Simplified form differs: the Chinese must be Simplified
TRADITIONAL = set(
    "這們個說對會來為後無買賣貨費還過問題時間點讚電話號碼務態發東錢親實質價"
    "運單場裝換壞離開關聯繫隻應該體驗優網頁"
)
CJK = re.compile(r"[\u4e00-\u9fff]")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
URL = re.compile(r"https?://|www\.", re.IGNORECASE)
LONG_NUMBER = re.compile(r"\d(?:[\s-]?\d){6,}")  # 7+ digits: phone, order or card number


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(PATH, dtype=str, keep_default_na=False, encoding="utf-8")


def _norm(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def _trigrams(text: str) -> set[str]:
    t = _norm(text)
    return {t[i : i + 3] for i in range(max(1, len(t) - 2))}


def test_file_is_utf8_without_bom():
    raw = PATH.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    raw.decode("utf-8")  # raises on anything else


def test_columns_and_no_blanks(data):
    assert list(data.columns) == COLUMNS
    assert (data != "").all().all(), data[(data == "").any(axis=1)]
    stripped = data["text"].str.strip() == data["text"]
    assert stripped.all(), data.loc[~stripped, "id"].tolist()


def test_ids_unique_and_numbered_per_language(data):
    assert data["id"].is_unique, data.loc[data["id"].duplicated(), "id"].tolist()
    assert data["id"].str.fullmatch(r"(zh|en)-\d{3}").all()
    assert (data["id"].str[:2] == data["lang"]).all()
    for lang, g in data.groupby("lang"):
        assert g["id"].tolist() == [f"{lang}-{i:03d}" for i in range(1, len(g) + 1)]


def test_allowed_values(data):
    assert set(data["lang"]) == set(LANGS)
    assert set(data["label"]) <= LABELS
    assert set(data["clear"]) <= {"0", "1"}
    assert set(data["negation"]) <= {"0", "1"}
    assert set(data["aspect"]) <= ASPECTS, set(data["aspect"]) - ASPECTS


def test_clear_only_for_positive_or_negative(data):
    clear = data[data["clear"] == "1"]
    assert set(clear["label"]) <= {"positive", "negative"}, clear[
        ~clear["label"].isin(["positive", "negative"])
    ]["id"].tolist()


@pytest.mark.parametrize("lang", LANGS)
def test_counts_and_label_shares(data, lang):
    g = data[data["lang"] == lang]
    assert len(g) >= MIN_PER_LANG
    clear = g["clear"] == "1"
    shares = {
        "clear positive": (clear & (g["label"] == "positive")).mean(),
        "clear negative": (clear & (g["label"] == "negative")).mean(),
        "mixed": (g["label"] == "mixed").mean(),
        "neutral": (g["label"] == "neutral").mean(),
    }
    for name, (low, high) in SHARES.items():
        assert low <= shares[name] <= high, (lang, name, round(shares[name], 3))


@pytest.mark.parametrize("lang", LANGS)
def test_negation_items_spread_over_both_poles(data, lang):
    neg = data[(data["lang"] == lang) & (data["negation"] == "1")]
    assert len(neg) >= MIN_NEGATION
    by_label = neg["label"].value_counts()
    assert by_label.get("positive", 0) >= 10 and by_label.get("negative", 0) >= 10, by_label


@pytest.mark.parametrize("lang", LANGS)
def test_every_aspect_appears(data, lang):
    counts = data.loc[data["lang"] == lang, "aspect"].value_counts()
    assert all(counts.get(a, 0) >= 3 for a in ASPECTS), counts


def test_lengths_fit_survey_comments(data):
    zh = data[data["lang"] == "zh"]
    zh_len = zh["text"].str.len()
    assert zh_len.between(4, 60).all(), zh.loc[~zh_len.between(4, 60), "id"].tolist()
    en = data[data["lang"] == "en"]
    en_words = en["text"].str.split().str.len()
    assert en_words.between(3, 40).all(), en.loc[~en_words.between(3, 40), "id"].tolist()


def test_script_matches_language(data):
    for row in data.itertuples():
        cjk = len(CJK.findall(row.text))
        if row.lang == "zh":
            letters = sum(c.isalpha() for c in row.text)
            assert cjk >= 0.6 * letters, row.id
            assert not (set(row.text) & TRADITIONAL), (row.id, set(row.text) & TRADITIONAL)
        else:
            assert cjk == 0, row.id


def test_no_personal_data(data):
    for row in data.itertuples():
        for pattern in (EMAIL, URL, LONG_NUMBER):
            assert not pattern.search(row.text), (row.id, pattern.pattern)
        assert not contains_pii(row.text), row.id


def test_no_duplicate_or_near_duplicate_texts(data):
    norm = data["text"].map(_norm)
    assert norm.is_unique, data.loc[norm.duplicated(keep=False), "id"].tolist()
    # Deliberate minimal pairs ("worth the money" / "not worth the money") share about
    # half their trigrams; a copy with a word changed shares far more.
    for _, g in data.groupby("lang"):
        grams = list(zip(g["id"], g["text"].map(_trigrams), strict=True))
        for (id_a, a), (id_b, b) in itertools.combinations(grams, 2):
            assert len(a & b) / len(a | b) < 0.6, (id_a, id_b)
