"""Segmentation: known values worked by hand (RFM scores, both naming schemes, Pareto)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.exceptions import ConfigError
from analysis.segmentation import CLASS_COLUMNS, SegmentationConfig, classify_customers
from analysis.segmentation.lifecycle import (
    LifecycleThresholds,
    assign_lifecycle,
    derive_lifecycle_thresholds,
)
from analysis.segmentation.playbook import load_playbook, recommend_actions
from analysis.segmentation.rfm import (
    EIGHT,
    assign_rfm_eight,
    assign_rfm_segments,
    compute_rfm_grid,
    compute_rfm_scores,
)
from analysis.segmentation.value import (
    assign_key_account_tiers,
    assign_pareto_tiers,
    compute_pareto_curve,
)

# Twelve customers. With n = 12 and five bins, score = 1 + floor(5 * (rank - 0.5) / 12),
# so distinct ranks 1..12 score 1,1,2,2,2,3,3,4,4,4,5,5; a tie takes its average rank.
# Recency: all distinct, fewest days = rank 12.
# Orders: 1 x3 (b, d, g: ranks 1-3, mean 2 -> score 1), 2 x2 (i, l: ranks 4-5, mean 4.5
# -> 1 + floor(5 * 4 / 12) = 2), then 3 f(6)->3, 4 j(7)->3, 5 e(8)->4, 8 c(9)->4,
# 12 h(10)->4, 15 k(11)->5, 20 a(12)->5.
# Monetary ascending: b10 g20 l40 d60 j100 f150 e300 c900 i2000 h2500 k3000 a5000.
# FM = floor((F + M) / 2 + 0.5); segment from the R x FM grid.
HAND = pd.DataFrame(
    [
        # id, recency, orders, monetary, R, F, M, FM, segment, eight (centre 3), eight (mean)
        ("a", 2, 20, 5000, 5, 5, 5, 5, "champions", "important_value", "important_value"),
        ("b", 5, 1, 10, 5, 1, 1, 1, "new", "general_develop", "general_develop"),
        ("c", 9, 8, 900, 4, 4, 4, 4, "loyal", "important_value", "important_value"),
        ("d", 15, 1, 60, 4, 1, 2, 2, "potential_loyalist", "general_develop", "general_develop"),
        ("e", 30, 5, 300, 4, 4, 3, 4, "loyal", "general_value", "general_value"),
        ("f", 45, 3, 150, 3, 3, 3, 3, "need_attention", "general_winback", "general_retain"),
        ("g", 60, 1, 20, 3, 1, 1, 1, "about_to_sleep", "general_winback", "general_winback"),
        ("h", 90, 12, 2500, 2, 4, 4, 4, "at_risk", "important_retain", "important_retain"),
        ("i", 120, 2, 2000, 2, 2, 4, 3, "at_risk", "important_winback", "important_winback"),
        ("j", 200, 4, 100, 2, 3, 2, 3, "at_risk", "general_winback", "general_retain"),
        ("k", 300, 15, 3000, 1, 5, 5, 5, "cant_lose", "important_retain", "important_retain"),
        ("l", 400, 2, 40, 1, 2, 2, 2, "lost", "general_winback", "general_winback"),
    ],
    columns=[
        "customer_id",
        "recency_days",
        "orders",
        "monetary_total",
        "R",
        "F",
        "M",
        "FM",
        "segment",
        "eight3",
        "eight_mean",
    ],
).set_index("customer_id")


def test_rfm_scores_hand_worked():
    s = compute_rfm_scores(HAND)
    assert s["rfm_r"].tolist() == HAND["R"].tolist()
    assert s["rfm_f"].tolist() == HAND["F"].tolist()
    assert s["rfm_m"].tolist() == HAND["M"].tolist()
    assert s.loc["a", "rfm_score"] == "555" and s.loc["i", "rfm_score"] == "224"
    grid = compute_rfm_grid(s)
    fm = HAND.groupby(["R", "FM"]).size()
    for (r, f), n in fm.items():
        assert grid.loc[r, f] == n


def test_ties_share_a_score_whatever_the_row_order():
    f = HAND.sample(frac=1, random_state=3)
    s = compute_rfm_scores(f)
    for ids in (["b", "d", "g"], ["i", "l"]):
        assert s.loc[ids, "rfm_f"].nunique() == 1
    pd.testing.assert_frame_equal(s.loc[HAND.index], compute_rfm_scores(HAND))


def test_named_segments_hand_worked():
    assert assign_rfm_segments(compute_rfm_scores(HAND)).tolist() == HAND["segment"].tolist()


def test_grid_covers_all_eleven_names():
    r = np.repeat(np.arange(1, 6), 5)
    fm = np.tile(np.arange(1, 6), 5)
    s = pd.DataFrame({"rfm_r": r, "rfm_f": fm, "rfm_m": fm})
    names = set(assign_rfm_segments(s))
    assert len(names) == 11 and "promising" in names and "hibernating" in names


def test_chinese_eight_hand_worked():
    s = compute_rfm_scores(HAND)
    eight3, centres3 = assign_rfm_eight(s, centre=3)
    assert eight3.tolist() == HAND["eight3"].tolist()
    assert centres3 == {"rfm_r": 3.0, "rfm_f": 3.0, "rfm_m": 3.0}
    eight_mean, centres = assign_rfm_eight(s, centre="mean")
    # mean R = 36/12 = 3, mean F = 35/12, mean M = 36/12 = 3: F = 3 is now "high"
    assert centres["rfm_f"] == pytest.approx(35 / 12)
    assert eight_mean.tolist() == HAND["eight_mean"].tolist()


def test_eight_table_is_the_glossary():
    assert EIGHT[(True, True, True)] == "important_value"
    assert EIGHT[(True, False, True)] == "important_develop"
    assert EIGHT[(False, True, True)] == "important_retain"
    assert EIGHT[(False, False, True)] == "important_winback"
    assert EIGHT[(False, False, False)] == "general_winback"
    assert len(set(EIGHT.values())) == 8


def test_pareto_cutoffs_hand_worked():
    # revenue 50, 30, 10, 6, 4, 0 of 100: share *before* each is 0, .5, .8, .9, .96, 1
    r = pd.Series([10.0, 50.0, 0.0, 6.0, 30.0, 4.0], index=list("cafdbe"))
    t = assign_pareto_tiers(r)
    assert t.to_dict() == {"c": "mid", "a": "high", "f": "low", "d": "mid", "b": "high", "e": "low"}
    abc = assign_pareto_tiers(r, cutoffs=(0.5, 0.9), names=("A", "B", "C"))
    assert abc[["a", "b", "c", "d", "e"]].tolist() == ["A", "B", "B", "C", "C"]
    curve = compute_pareto_curve(r)
    assert curve["revenue_share"].round(2).tolist() == [0, 0.5, 0.8, 0.9, 0.96, 1.0]


def test_pareto_ties_by_id_and_refund_heavy_customers():
    r = pd.Series([40.0, 40.0, 20.0, -5.0], index=["y", "x", "z", "w"])
    t = assign_pareto_tiers(r, cutoffs=(0.5, 0.9))
    # x comes before y on the tie: x starts at 0 (high), y at 40/100 (still high)
    assert t.to_dict() == {"y": "high", "x": "high", "z": "mid", "w": "low"}


@pytest.mark.parametrize("cut", [(0.9, 0.8), (0.8,), (0.0, 0.5), (0.5, 1.5)])
def test_bad_cutoffs(cut):
    with pytest.raises(ValueError, match="cut-offs"):
        assign_pareto_tiers(pd.Series([1.0, 2.0]), cutoffs=cut)


def test_key_accounts_business_only():
    r = pd.Series([60.0, 25.0, 10.0, 5.0, 99.0], index=list("abcde"))
    t = pd.Series(
        ["business", "business", "BUSINESS", "business", "individual"], index=list("abcde")
    )
    k = assign_key_account_tiers(r, t)
    assert k[list("abcd")].tolist() == ["strategic", "core", "general", "general"]
    assert pd.isna(k["e"])


def test_lifecycle_thresholds_from_gaps_and_overrides():
    f = pd.DataFrame({"orders": [1, 2, 8, 30], "mean_gap_days": [None, 5, 9, 7]})
    g = pd.Series({0.5: 10.0, 0.9: 60.0, 0.99: 250.0})
    t = derive_lifecycle_thresholds(g, f)
    assert (t.dormant_after, t.churned_after, t.new_within) == (60.0, 250.0, 60.0)
    assert t.loyal_min_orders == 14.0  # ceil of the 75th percentile of 1, 2, 8, 30 (13.5)
    assert t.source.startswith("purchase-gap")
    t2 = derive_lifecycle_thresholds(g, f, dormant_after=30, churned_after=90)
    assert (t2.dormant_after, t2.churned_after, t2.new_within) == (30.0, 90.0, 30.0)
    assert t2.source.startswith("set + ")
    with pytest.raises(ValueError, match="churned_after"):
        derive_lifecycle_thresholds(g, f, dormant_after=300)
    assert list(t.as_frame()["threshold"]) == [
        "dormant_after",
        "churned_after",
        "new_within",
        "loyal_min_orders",
    ]


def test_lifecycle_rules_at_the_edges():
    t = LifecycleThresholds(60, 250, 30, 10)
    f = pd.DataFrame(
        {
            "orders": [0, 1, 1, 10, 9, 3, 3, 3],
            "recency_days": [np.nan, 30, 31, 60, 60, 61, 250, 251],
            "tenure_days": [np.nan, 30, 31, 400, 400, 400, 400, 400],
        }
    )
    assert assign_lifecycle(f, t).tolist() == [
        "potential",
        "new",
        "active",
        "loyal",
        "active",
        "dormant",
        "dormant",
        "churned",
    ]


def _features():
    f = HAND.drop(columns=["R", "F", "M", "FM", "segment", "eight3", "eight_mean"]).copy()
    f["tenure_days"] = f["recency_days"] + 100
    f.loc["b", "tenure_days"] = 5
    f["mean_gap_days"] = 20.0
    f["customer_type"] = ["business"] * 4 + ["individual"] * 8
    extra = pd.DataFrame(
        {
            "recency_days": [np.nan],
            "orders": [0],
            "monetary_total": [0.0],
            "tenure_days": [np.nan],
            "mean_gap_days": [np.nan],
            "customer_type": ["individual"],
        },
        index=pd.Index(["z"]),
    )
    out = pd.concat([f, extra])
    out.index.name = "customer_id"
    return out


def test_classify_customers_columns_labels_and_actions():
    f = _features()
    c = classify_customers(f, config=SegmentationConfig(eight_centre=3))
    assert tuple(c.columns) == CLASS_COLUMNS
    assert c.index.equals(f.index)
    assert c.loc["a", "rfm_eight_zh"] == "重要价值客户"
    assert c.loc["i", "rfm_eight_zh"] == "重要挽留客户"
    assert c.loc["a", "value_tier_zh"] == "高价值客户"
    assert c.loc["a", "value_tier_en"] == "High value"
    assert c.loc["z", "lifecycle"] == "potential" and c.loc["z", "lifecycle_zh"] == "潜在客户"
    assert c.loc["z", "rfm_segment"] == "none" and pd.isna(c.loc["z", "rfm_r"])
    assert c.loc["a", "key_account_tier_zh"] == "战略客户"
    assert pd.isna(c.loc["e", "key_account_tier"])
    assert c["action"].notna().all() and c["action_zh"].notna().all()
    assert c.loc["z", "action"] == "activate_prospect"
    assert isinstance(c.attrs["lifecycle_thresholds"], LifecycleThresholds)


def test_classify_does_not_mutate_input():
    f = _features()
    before = f.copy()
    classify_customers(f)
    pd.testing.assert_frame_equal(f, before)


def test_playbook_first_match_and_default(tmp_path):
    pb = load_playbook()
    classes = pd.DataFrame(
        {
            "value_tier": ["high", "high", "mid", "low", "low"],
            "lifecycle": ["churned", "active", "new", "active", "potential"],
            "key_account_tier": [None, "strategic", None, None, None],
            "rfm_segment": ["lost", "champions", "new", "hibernating", "none"],
        }
    )
    a = recommend_actions(classes, pb)["action"].tolist()
    assert a == [
        "vip_winback",
        "key_account_care",
        "onboarding",
        "low_cost_contact",
        "activate_prospect",
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ("actions: {a: {zh: x, en: y}}\nrules: [{action: b}]", "undefined action 'b'"),
        (
            "actions: {a: {zh: x, en: y}}\nrules: [{action: a, when: {lifecycle: [x]}}]",
            "not lifecycle classes",
        ),
        (
            "actions: {a: {zh: x, en: y}}\nrules: [{action: a, when: {colour: [x]}}]",
            "unknown column 'colour'",
        ),
        (
            "actions: {a: {zh: x, en: y}}\nrules: [{action: a, when: {lifecycle: [new]}}]",
            "last rule must have no 'when'",
        ),
        ("actions: {a: {zh: x}}\nrules: [{action: a}]", "needs both zh and en"),
    ],
)
def test_playbook_errors_name_the_problem(tmp_path, text, message):
    p = tmp_path / "pb.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as err:
        load_playbook(p)
    assert str(p) in str(err.value)
