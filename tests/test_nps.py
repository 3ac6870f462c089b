"""NPS and CSAT: hand-worked values, intervals, month-over-month test, the sample's truth."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.surveys.nps import (
    compute_csat,
    compute_monthly_change,
    compute_nps,
    compute_response_rate,
    nps_groups,
)


def test_nps_hand_worked():
    # 4 promoters, 3 passives, 3 detractors of 10: NPS = 40% - 30% = 10
    df = pd.DataFrame({"score": [10, 9, 9, 10, 7, 8, 8, 0, 6, 3]})
    r = compute_nps(df).iloc[0]
    assert (r.promoters, r.passives, r.detractors) == (4, 3, 3)
    assert r.nps == pytest.approx(10.0)
    assert r.nps_low < 10 < r.nps_high


def test_nps_groups_boundaries():
    assert nps_groups(pd.Series([6, 7, 8, 9])).tolist() == [
        "detractor",
        "passive",
        "passive",
        "promoter",
    ]


def test_nps_by_group_keeps_unknown():
    df = pd.DataFrame({"score": [10, 0, 9], "tier": ["high", None, "high"]})
    r = compute_nps(df, by="tier").set_index("tier")
    assert r.loc["high", "nps"] == 100 and r.loc["unknown", "nps"] == -100


def test_csat_wilson_contains_share():
    r = compute_csat(pd.DataFrame({"csat": [5, 4, 4, 2, 1, 5]})).iloc[0]
    assert r.csat == pytest.approx(4 / 6)
    assert r.csat_low < 4 / 6 < r.csat_high


def test_monthly_change_detects_a_real_drop_not_noise():
    rng = np.random.default_rng(0)
    a = rng.choice([10, 8, 3], size=2000, p=[0.5, 0.3, 0.2])
    b = rng.choice([10, 8, 3], size=2000, p=[0.3, 0.3, 0.4])
    c = rng.choice([10, 8, 3], size=2000, p=[0.3, 0.3, 0.4])
    month = ["01"] * 2000 + ["02"] * 2000 + ["03"] * 2000
    df = pd.DataFrame({"score": np.r_[a, b, c], "month": month})
    ch = compute_monthly_change(compute_nps(df, by="month")).set_index("month")
    assert bool(ch.loc["02", "significant"]) and ch.loc["02", "change"] < -30
    assert ch.loc["03", "p_value"] > 0.001


def test_response_rate_counts_distinct_customers():
    s = pd.DataFrame({"customer_id": ["a", "a", "b", ""], "month": ["2026-10"] * 4})
    c = pd.DataFrame({"customer_id": ["a", "b", "c", "d"]})
    r = compute_response_rate(s, c, signup_col=None).iloc[0]
    assert (r.respondents, r.anonymous, r.customer_base, r.response_rate) == (2, 1, 4, 0.5)


def test_sample_nps_matches_hand_count_and_truth(small_sample):
    # exact counts: the generator's truth is counted from the same rows at any size
    s = pd.read_csv(small_sample / "surveys.csv", dtype=str, keep_default_na=False)
    score = pd.to_numeric(s["score"])
    truth = json.loads((small_sample / "truth.json").read_text(encoding="utf-8"))
    truth = truth["surveys"]["nps"]
    r = compute_nps(pd.DataFrame({"score": score})).iloc[0]
    assert (r.promoters, r.passives, r.detractors) == (
        truth["promoters"],
        truth["passives"],
        truth["detractors"],
    )
    hand = 100 * ((score >= 9).sum() - (score <= 6).sum()) / len(score)
    assert r.nps == pytest.approx(hand)
