"""Text analysis: language, masking, keywords, drivers, and planted truth on the sample."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.text.drivers import fit_drivers
from analysis.text.keywords import compute_distinctive_terms
from analysis.text.language import detect_language
from analysis.text.pii import contains_pii, mask_pii
from analysis.text.sentiment import label_from_score
from analysis.text.tokens import theme_terms, tokenize

PII = [
    "13912345678",
    "+86 138-0013-8000",
    "zhang.san99@163.com",
    "11010119900307123X",
    "440305198807150012",
    "010-62345678",
]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("物流很快，第二天就到了", "zh"),
        ("Fast delivery, well packed.", "en"),
        ("质量很好, but the delivery was slow and the box was damaged", "mixed"),
        ("iPhone很好用，物流也快", "zh"),
        ("", ""),
        ("!!!", ""),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize("value", PII)
def test_mask_pii_removes_every_kind(value):
    masked = mask_pii(f"请联系{value}谢谢")
    assert value not in masked and not contains_pii(masked)
    assert "谢谢" in masked


def test_mask_pii_keeps_ordinary_numbers():
    assert mask_pii("等了3天，花了199元") == "等了3天，花了199元"


def test_tokenize_uses_domain_dictionary_and_stopwords():
    toks = tokenize("售后服务太差了，性价比也不高")
    assert "售后服务" in toks and "性价比" in toks and "了" not in toks
    assert theme_terms(["售后服务", "满意", "很"], "zh")[0] == "售后服务"
    assert not {"满意", "很"} & set(theme_terms(["售后服务", "满意", "很"], "zh"))


def test_distinctive_terms_rank_group_words_first():
    toks = [["慢", "物流"]] * 30 + [["快", "物流"]] * 30
    r = compute_distinctive_terms(toks, ["d"] * 30 + ["p"] * 30, top=1)
    assert r.set_index("group")["term"].to_dict() == {"d": "慢", "p": "快"}
    assert (r["z"] > 1.96).all()


def test_drivers_recover_planted_effects():
    rng = np.random.default_rng(1)
    m = pd.DataFrame(rng.random((3000, 3)) < 0.25, columns=["a", "b", "c"])
    y = 8 - 2.0 * m["a"] - 0.5 * m["b"] + rng.normal(0, 1, 3000)
    d = fit_drivers(m, y).set_index("theme")
    assert d.index[0] == "a"
    assert d.loc["a", "effect_low"] < -2.0 < d.loc["a", "effect_high"]
    assert abs(d.loc["c", "effect"]) < 0.2


def _read_and_analyse(folder):
    from analysis.text.pipeline import analyse_comments

    s = pd.read_csv(folder / "surveys.csv", dtype=str, keep_default_na=False)
    s["score"] = pd.to_numeric(s["score"])
    planted = pd.read_parquet(folder / "truth" / "surveys.parquet")
    s = s.merge(
        planted[["response_id", "language", "pii_value"]].rename(
            columns={"language": "planted_language"}
        ),
        on="response_id",
    )
    return s, analyse_comments(s)


@pytest.fixture(scope="module")
def sample_analysis(small_sample):
    # The small session sample (2,000 customers, ~720 comments of which ~70 English);
    # the bundled 20,000-customer sample has ~7,300 comments.
    return _read_and_analyse(small_sample)


def test_sample_sentiment_agrees_with_planted_tone(sample_analysis):
    # The sample plants each clause's tone from the score: detractors write negative
    # clauses (88%), promoters positive ones (90%), passives lukewarm or mixed ones
    # (50%). The model never sees the score. Measured on the bundled sample: detractors
    # 0.83 negative, promoters 0.97 positive, neutral 28% of passives vs 3-8% elsewhere.
    s, ca = sample_analysis
    c = ca.comments
    tone = label_from_score(c["score"])
    assert (c["sentiment"][tone == "negative"] == "negative").mean() > 0.75
    assert (c["sentiment"][tone == "positive"] == "positive").mean() > 0.9
    neutral = c["sentiment"] == "neutral"
    assert neutral[tone == "neutral"].mean() > 2 * neutral[tone != "neutral"].mean()
    for lang in ("zh", "en"):
        k = c["planted_language"] == lang
        polar = k & tone.isin(["negative", "positive"])
        assert (c["sentiment"][polar] == tone[polar]).mean() > 0.8, lang


def test_sample_language_matches_planted(sample_analysis):
    s, ca = sample_analysis
    c = ca.comments
    # loosened from 0.97 for this size: ~720 comments give an SD of ~0.005 around the
    # bundled sample's 0.98
    assert (c["language"] == c["planted_language"]).mean() > 0.96


def test_sample_pii_is_masked_everywhere(sample_analysis, small_sample):
    s, ca = sample_analysis
    planted = json.loads((small_sample / "truth.json").read_text(encoding="utf-8"))
    planted = planted["surveys"]["pii"]
    values = [v for v in s["pii_value"] if v]
    # every planted value is checked, and each kind (phone, e-mail, ID) is planted
    assert len(values) == planted["total"] >= 10
    assert all(planted[k] > 0 for k in ("phone", "email", "id_card"))
    text = "\n".join(ca.comments["comment"]) + "\n".join(" ".join(t) for t in ca.tokens)
    assert not [v for v in values if v in text]


AFTER_SALES = {
    "售后",
    "售后服务",
    "维修",
    "退货",
    "退款",
    "换货",
    "保修",
    "退换货",
    "repair",
    "warranty",
    "refund",
    "return",
}


def _assert_after_sales_on_top(ca):
    names = ca.themes.themes.set_index("theme")
    d = fit_drivers(ca.themes.mentions, ca.comments["score"], names=names["name"])
    top_terms = names.loc[d["theme"].iloc[0], "top_terms"].split()
    # The theme is *named* by after-sales words (its first three terms), not merely
    # holding one somewhere among its ten.
    assert AFTER_SALES & set(top_terms[:3]), d.head(3)
    assert d["effect_high"].iloc[0] < 0


# The driver theme needs the bundled 20,000-customer sample: on a few hundred comments
# the themes do not reliably isolate after-sales (with 1,000 or 2,000 customers and
# generator seeds 1-6, it was the top driver in 3 of 12 draws), so no loosened
# tolerance on the small sample would still test the planted effect.
@pytest.fixture(scope="module")
def bundled_sample_analysis(sample_data):
    return _read_and_analyse(sample_data)


def test_sample_driver_theme_on_top(bundled_sample_analysis):
    s, ca = bundled_sample_analysis
    _assert_after_sales_on_top(ca)


def test_sample_driver_theme_on_top_other_seed(bundled_sample_analysis):
    from analysis.text.pipeline import analyse_comments

    s, _ = bundled_sample_analysis
    _assert_after_sales_on_top(analyse_comments(s, seed=1))
