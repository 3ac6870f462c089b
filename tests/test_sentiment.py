"""Comment sentiment: negation, the survey-style bar, the model cache."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

from analysis.text import sentiment as S
from benchmarks.eval_survey_set import DATA, compute_metrics, load_eval_set

# Negation traps, both directions; the first three are the ones the issue names.
NEGATIONS = {
    "不满意，再也不买了": "negative",
    "客服态度不太好": "negative",
    "用了半年没有问题": "positive",
    "一点也不好用": "negative",
    "包装完好，没有任何破损": "positive",
    "等了两周还没到货": "negative",
    "退款到现在都没到账": "negative",
    "质量不错": "positive",
    "更新以后不再卡顿了": "positive",  # missed: 不再 itself leans negative in training
    "没什么可挑剔的": "positive",  # missed: 挑剔 is not negative enough to flip
    "No complaints at all, works perfectly.": "positive",
    "The parcel never arrived.": "negative",
    "Not bad at all for the price.": "positive",
    "Nobody called me back.": "negative",
    "Nothing was broken or missing.": "positive",
    "It doesn't work and support didn't reply.": "negative",
    "I no longer dread calling them.": "positive",
    "Not happy with the quality.": "negative",
    "Never had a problem with them.": "positive",
    "Didn't fix the issue.": "negative",
}


@pytest.fixture(scope="module")
def model():
    return S.load_sentiment_model()


def test_negation_examples_are_scored_right(model):
    r = S.score_sentiment(pd.Series(list(NEGATIONS)), model=model)
    right = r["sentiment"].to_numpy() == pd.Series(NEGATIONS).to_numpy()
    assert right[:3].all()  # 不满意, 不太好, 没有问题
    assert right.mean() >= 0.9, dict(zip(NEGATIONS, r["sentiment"], strict=True))


def test_negation_scope_is_reversed_not_ignored():
    texts = ["很流畅", "总卡顿", "smooth", "crashes"] * 5
    labels = ["positive", "negative"] * 10
    flipped = S.SentimentClassifier(flip=2.0).fit(texts, labels)
    plain = S.SentimentClassifier(flip=0.0).fit(texts, labels)
    p = lambda m, t: m.predict_proba([t])[0, list(m.classes_).index("positive")]  # noqa: E731
    assert p(flipped, "不再卡顿") > 0.5 > p(plain, "不再卡顿")
    assert p(flipped, "no more crashes") > 0.5 > p(plain, "no more crashes")
    assert S.negation_scopes("物流很快，没有任何问题") == "任何问题"


@pytest.mark.parametrize(
    ("lang", "floor"),
    # zh meets the bar (0.90); en is measured at 0.89 (106 of 118 clear comments):
    # the floor guards against regression, docs/survey_text.md states the gap.
    [("zh", 0.90), ("en", 0.87)],
)
def test_survey_style_set_clear_comments(model, lang, floor):
    d = load_eval_set(DATA)
    d = d[d["lang"] == lang]
    m = compute_metrics(d, S.score_sentiment(d["text"], model=model))
    assert m["acc_clear"] >= floor, m
    assert m["neutral_clear"] <= 0.05, m
    assert m["neutral_on_mixed_neutral"] > m["neutral_clear"]  # neutral is for mixed/factual


def test_empty_texts_need_no_model():
    r = S.score_sentiment(pd.Series(["", None, "  "]), model=None)
    assert r["sentiment"].isna().all() and list(r.columns)[0] == "sentiment"


def test_the_cache_is_reused_and_a_broken_file_refitted(tmp_path, monkeypatch, model):
    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(tmp_path))
    calls = []
    monkeypatch.setattr(S, "fit_sentiment_model", lambda: calls.append(1) or model)
    S.load_sentiment_model.cache_clear()
    try:
        first = S.load_sentiment_model()
        (path,) = tmp_path.glob("sentiment-*.pkl")
        S.load_sentiment_model.cache_clear()
        assert isinstance(S.load_sentiment_model(), S.SentimentModel) and calls == [1]
        path.write_bytes(b"not a pickle")
        S.load_sentiment_model.cache_clear()
        S.load_sentiment_model()
        assert calls == [1, 1]
        with path.open("rb") as f:
            assert isinstance(pickle.load(f), S.SentimentModel)
        assert first.threshold == model.threshold
    finally:
        S.load_sentiment_model.cache_clear()


def test_a_missing_training_corpus_is_said_on_the_page():
    from pagecheck import render_html

    from analysis.pages.survey.comments import Sentiment

    languages = {"zh": 1, "en": 0, "mixed": 0, "none": 0, "n": 1}
    overall = {"negative": 0.0, "neutral": 0.0, "positive": 1.0}
    with_all = Sentiment(languages, overall, None, None)
    without = Sentiment(languages, overall, None, None, ("rotten_tomatoes",))
    for lang, word in (("zh", "make install"), ("en", "make install")):
        assert word not in render_html(with_all, lang)
        assert word in render_html(without, lang)
    assert set(S.TRAINING_CORPORA) == set(S._training_sets())  # installed here: none missing
