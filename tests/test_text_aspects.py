"""Praise and complaints per theme: the table equals a hand count on a small fixture."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.text.aspects import (
    compute_aspect_mentions,
    compute_aspect_table,
    pick_aspect_examples,
)

# Nine comments over two months; clause themes and sentiments as a reader would mark them.
#   c1 (10月) 物流很快，不过售后太差     物流 +, 售后 -
#   c2 (10月) 物流太慢了                 物流 -
#   c3 (10月) 第二天就到了（物流）       物流 (clause neutral, comment positive) -> +
#   c4 (10月) 物流一般                   物流 (neutral, comment neutral) -> neither
#   c5 (10月) 售后很快，售后也耐心；售后退款慢   售后 + and - (a mixed mention)
#   c6 (10月) 非常满意                   no theme
#   c7 (09月) 物流太慢                   物流 -
#   c8 (09月) 物流慢；售后差              物流 -, 售后 -
#   c9 (09月) 售后好                      售后 +
CLAUSES = pd.DataFrame(
    [
        ("c1", "物流", "positive", 0.9),
        ("c1", "售后", "negative", 0.8),
        ("c2", "物流", "negative", 0.95),
        ("c3", "物流", "neutral", 0.5),
        ("c4", "物流", "neutral", 0.6),
        ("c5", "售后", "positive", 0.7),
        ("c5", "售后", "positive", 0.6),
        ("c5", "售后", "negative", 0.9),
        ("c6", None, "positive", 0.99),
        ("c7", "物流", "negative", 0.9),
        ("c8", "物流", "negative", 0.7),
        ("c8", "售后", "negative", 0.6),
        ("c9", "售后", "positive", 0.8),
    ],
    columns=["comment", "theme", "sentiment", "confidence"],
)
WHOLE = pd.Series(
    {
        "c1": "neutral",
        "c2": "negative",
        "c3": "positive",
        "c4": "neutral",
        "c5": "neutral",
        "c6": "positive",
        "c7": "negative",
        "c8": "negative",
        "c9": "positive",
    }
)
MONTHS = pd.Series({f"c{i}": "2026-10" if i <= 6 else "2026-09" for i in range(1, 10)})
TEXTS = pd.Series({f"c{i}": f"comment {i}" for i in range(1, 10)})


def test_mentions_equal_the_hand_marks():
    m = compute_aspect_mentions(CLAUSES, WHOLE).set_index(["comment", "theme"])
    expected = {
        ("c1", "物流"): (True, False),
        ("c1", "售后"): (False, True),
        ("c2", "物流"): (False, True),
        ("c3", "物流"): (True, False),  # a fact in a positive comment
        ("c4", "物流"): (False, False),
        ("c5", "售后"): (True, True),
        ("c7", "物流"): (False, True),
        ("c8", "物流"): (False, True),
        ("c8", "售后"): (False, True),
        ("c9", "售后"): (True, False),
    }
    got = {k: (bool(r.positive), bool(r.negative)) for k, r in m.iterrows()}
    assert got == expected


def test_without_comment_sentiment_a_neutral_clause_stays_neutral():
    m = compute_aspect_mentions(CLAUSES).set_index(["comment", "theme"])
    assert not m.loc[("c3", "物流"), "positive"]


def test_table_equals_a_hand_count():
    m = compute_aspect_mentions(CLAUSES, WHOLE)
    t = compute_aspect_table(m, MONTHS, "2026-10", "2026-09").set_index("theme")
    # October: 物流 c1 c2 c3 c4 -> 4 comments, praise c1 c3, complaints c2;
    #          售后 c1 c5       -> 2 comments, praise c5, complaints c1 c5.
    # September: 物流 c7 c8 -> 0 praise, 2 complaints; 售后 c8 c9 -> 1 praise, 1 complaint.
    assert t.loc["物流", ["comments", "positive", "negative"]].tolist() == [4, 2, 1]
    assert t.loc["售后", ["comments", "positive", "negative"]].tolist() == [2, 1, 2]
    assert t.loc["物流", ["positive_change", "negative_change"]].tolist() == [2, -1]
    assert t.loc["售后", ["positive_change", "negative_change"]].tolist() == [0, 1]
    assert t.loc["物流", "negative_share"] == pytest.approx(1 / 4)
    assert t.loc["售后", "negative_share_change"] == pytest.approx(2 / 2 - 1 / 2)
    assert t.index.tolist() == ["售后", "物流"]  # most complaints first


def test_a_theme_only_last_month_shows_its_drop():
    extra = pd.DataFrame([("c7", "价格", "negative", 0.9)], columns=CLAUSES.columns)
    c = pd.concat([CLAUSES, extra])
    t = compute_aspect_table(compute_aspect_mentions(c, WHOLE), MONTHS, "2026-10", "2026-09")
    row = t.set_index("theme").loc["价格"]
    assert (row["comments"], row["negative"], row["negative_change"]) == (0, 0, -1)
    assert pd.isna(row["negative_share"])


def test_examples_are_the_surest_single_pole_mentions_of_the_month():
    m = compute_aspect_mentions(CLAUSES, WHOLE)
    ex = pick_aspect_examples(m, TEXTS, MONTHS.index[MONTHS == "2026-10"])
    pos = ex[(ex["theme"] == "物流") & (ex["kind"] == "positive")]["comment"].tolist()
    neg = ex[(ex["theme"] == "售后") & (ex["kind"] == "negative")]["comment"].tolist()
    assert pos == ["c1", "c3"]  # c1 is surer (0.9) than c3 (0.5)
    assert neg == ["c1"]  # c5 praises and complains: not an example of either
    assert set(ex["comment"]) <= {"c1", "c2", "c3", "c4", "c5", "c6"}


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="missing \\['sentiment'\\]"):
        compute_aspect_mentions(CLAUSES.drop(columns="sentiment"))
