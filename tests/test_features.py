"""Customer features: hand-worked values and point-in-time correctness."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from analysis.features import compute_customer_features, compute_purchase_gaps


@pytest.fixture
def tables():
    tx = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o5", "o6"],
            "customer_id": ["a", "a", "a", "b", "b", "c"],
            "order_date": pd.to_datetime(
                ["2024-01-01", "2024-01-11", "2024-03-01", "2024-02-01", "2024-02-15", "2024-05-01"]
            ).date,
            "amount": [100.0, 50.0, -20.0, 10.0, 30.0, 999.0],
            "category": ["x", "y", "x", "x", "x", "z"],
            "channel": ["web", "web", "web", "store", "web", "web"],
        }
    )
    cust = pd.DataFrame(
        {"customer_id": ["a", "b", "d"], "customer_type": ["individual", "business", "individual"]}
    )
    return ibis.memtable(tx), ibis.memtable(cust)


def test_hand_worked_features(tables):
    tx, cust = tables
    f = compute_customer_features(tx, cust, as_of="2024-03-31")
    a = f.loc["a"]
    assert a["orders"] == 2 and a["purchase_days"] == 2 and a["active_months"] == 1
    assert a["monetary_total"] == 130.0 and a["gross_sales"] == 150.0 and a["refund_total"] == 20.0
    assert a["monetary_mean"] == 65.0
    assert a["recency_days"] == (pd.Timestamp("2024-03-31") - pd.Timestamp("2024-01-11")).days
    assert a["tenure_days"] == 90 and a["mean_gap_days"] == 10.0
    assert a["n_categories"] == 2 and a["n_channels"] == 1
    b = f.loc["b"]
    assert b["mean_gap_days"] == 14.0 and b["n_channels"] == 2 and b["customer_type"] == "business"
    # d never bought: a potential customer, kept with zero orders
    assert f.loc["d", "orders"] == 0 and np.isnan(f.loc["d", "recency_days"])


def test_nothing_after_as_of_leaks_in(tables):
    tx, cust = tables
    early = compute_customer_features(tx, cust, as_of="2024-01-31")
    late = compute_customer_features(tx, cust, as_of="2024-06-30")
    # c's only order (2024-05-01) is invisible in January, and a's refund in March too
    assert "c" not in early.index and "c" in late.index
    assert early.loc["a", "monetary_total"] == 150.0 and late.loc["a", "monetary_total"] == 130.0
    assert early.loc["b", "orders"] == 0
    # recomputing January from a table cut at January gives the same features
    cut = tx.filter(tx.order_date <= ibis.date("2024-01-31"))
    pd.testing.assert_frame_equal(early, compute_customer_features(cut, cust, as_of="2024-01-31"))


def test_purchase_gaps(tables):
    tx, _ = tables
    g = compute_purchase_gaps(tx, as_of="2024-12-31")
    # gaps: a 10, b 14 (a's refund day is not a purchase)
    assert g.attrs["n_gaps"] == 2
    assert g[0.5] == pytest.approx(12.0)
