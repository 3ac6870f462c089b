"""One profile per customer on the sample: planted duplicates found, near-misses kept apart.

The sample generator (:mod:`analysis.sample.duplicates`) plants duplicate customer
records (truth/duplicates.csv) and look-alikes that must not merge
(truth/near_misses.csv). Measured on the bundled sample (20,000 customers, 200
duplicates, 110 near-miss pairs): precision 1.00 and recall 1.00 of the merged pairs, no
near-miss merged; on the 3,000-customer sample below, 30 duplicates, the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import analysis.sample as sample_module
from analysis.profiles import build_profiles, find_matches
from analysis.sample import generate_sample

N = 3_000


def parse_date(text: pd.Series) -> pd.Series:
    """The sample's date formats: 2024-03-05, 2024/3/5 and 2024年3月5日."""
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    slash = pd.to_datetime(text, format="%Y/%m/%d", errors="coerce")
    return iso.fillna(slash).fillna(pd.to_datetime(text, format="%Y年%m月%d日", errors="coerce"))


@pytest.fixture(scope="module")
def planted():
    """The sample with its planted duplicates, and the same sample before planting."""
    tables, truth = generate_sample(n_customers=N)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sample_module, "plant_duplicates",
                   lambda public, rng: (public, {"files": []}, None, None))  # fmt: skip
        before, truth_before = generate_sample(n_customers=N)
    return tables, truth, before, truth_before


@pytest.fixture(scope="module")
def matched(planted):
    customers = planted[0]["customers"]
    matches = find_matches(customers)
    profile_map, profiles = build_profiles(customers, matches)
    return matches, profile_map, profiles


def test_matcher_finds_the_planted_duplicates(planted, matched):
    tables, truth, _, _ = planted
    matches, _, profiles = matched
    dups = tables["truth_duplicates"]
    strong = matches[matches["kind"] == "strong"]
    found = set(zip(strong["id_a"], strong["id_b"], strict=True))
    true = set(zip(dups["original_id"], dups["duplicate_id"], strict=True))
    precision = len(found & true) / len(found)
    recall = len(found & true) / len(true)
    # measured: precision 1.00, recall 1.00 (30 duplicates: 10 per kind)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)
    assert len(true) == truth["profiles"]["duplicates"]["n"] == round(0.01 * N)
    rules = strong.merge(dups, left_on=["id_a", "id_b"], right_on=["original_id", "duplicate_id"])
    expected = rules["kind_y"].map(truth["profiles"]["duplicates"]["rule_by_kind"])
    assert (rules["rule"] == expected).all()  # each kind is found by its own rule
    assert len(profiles) == truth["n_customers"]


def test_no_near_miss_is_merged_and_each_is_left_for_review(planted, matched):
    tables, truth, _, _ = planted
    matches, profile_map, _ = matched
    near = tables["truth_near_misses"]
    assert len(near) == truth["profiles"]["near_misses"]["pairs"] > 0
    assert set(near["kind"]) == {"same_name", "same_company_other_city", "switchboard"}
    assert (profile_map[near["id_a"]].to_numpy() != profile_map[near["id_b"]].to_numpy()).all()
    review = matches[matches["kind"] == "review"].set_index(["id_a", "id_b"])["reason"]
    reason = review.reindex(pd.MultiIndex.from_frame(near[["id_a", "id_b"]])).to_numpy()
    expected = near["kind"].replace({"switchboard": "shared_phone"}).to_numpy()
    assert (reason == expected).all()


def test_before_planting_nothing_merges(planted):
    before = planted[2]["customers"]
    matches = find_matches(before)
    assert not (matches["kind"] == "strong").any()
    business = before[before["customer_type"] == "business"]
    assert business["name"].is_unique and before["phone"].is_unique and before["email"].is_unique


def test_planting_changes_only_ids_and_contact_text(planted):
    tables, truth, before, truth_before = planted
    dups = tables["truth_duplicates"]
    back = dict(zip(dups["duplicate_id"], dups["original_id"], strict=True))
    for name in ("transactions", "subscriptions", "surveys", "interactions"):
        table = tables[name]
        restored = table.assign(customer_id=table["customer_id"].replace(back))
        pd.testing.assert_frame_equal(restored, before[name], obj=name)
    moved = {
        name: int((tables[name]["customer_id"] != before[name]["customer_id"]).sum())
        for name in ("transactions", "surveys", "interactions")
    }
    assert moved == truth["profiles"]["duplicates"]["moved_rows"]
    assert moved["transactions"] > 0
    customers = tables["customers"]
    originals = customers.iloc[: len(before["customers"])]
    changed = (originals != before["customers"]).any()
    assert set(changed[changed].index) == {"name", "phone"}  # the near-misses only
    pd.testing.assert_frame_equal(tables["truth_customers"], before["truth_customers"])
    pd.testing.assert_frame_equal(tables["truth_surveys"], before["truth_surveys"])
    for key in set(truth_before) - {"profiles", "row_counts", "files"}:
        assert truth[key] == truth_before[key], key
    assert truth["row_counts"]["customers"] == N + len(dups)


def test_duplicates_are_later_records_holding_whole_days(planted):
    tables, truth, _, _ = planted
    dups = tables["truth_duplicates"]
    customers = tables["customers"].set_index("customer_id")
    assert dups["duplicate_id"].tolist() == [f"C{N + k:06d}" for k in range(1, len(dups) + 1)]
    signup = pd.to_datetime(customers["signup_date"])
    assert (signup[dups["duplicate_id"]].to_numpy() > signup[dups["original_id"]].to_numpy()).all()
    tx = tables["transactions"]
    for d in dups.itertuples():
        mine = tx[tx["customer_id"].isin([d.original_id, d.duplicate_id])]
        day = parse_date(mine["order_date"])
        at_dup = (mine["customer_id"] == d.duplicate_id).to_numpy()
        assert (day[at_dup] >= pd.Timestamp(d.cut_date)).all()
        assert (day[~at_dup] < pd.Timestamp(d.cut_date)).all()
        # a refund stays with its purchase: same record, same product, earlier
        refunds = mine[mine["amount"].str.startswith("-")]
        for r in refunds.itertuples():
            buys = mine[(mine["customer_id"] == r.customer_id) & (mine["product"] == r.product)
                        & (mine["amount"] == r.amount[1:])]  # fmt: skip
            assert len(buys), (d.duplicate_id, r.order_id)
    # the planted defects still count true: duplicate rows and conflicts share one record
    defects = truth["defects"]
    assert tx.duplicated().sum() == defects["exact_duplicate_rows"]
    conflicts = tx[tx["order_id"].isin(defects["order_ids"]["conflicting_order_ids"])]
    assert (conflicts.groupby("order_id")["customer_id"].nunique() == 1).all()


def test_ingest_gives_each_customer_their_history_back(small_sample, small_warehouse):
    """On the session's 2,000-customer sample: the merged warehouse holds, per profile,
    exactly the transactions of the customer before planting."""
    dups = pd.read_csv(small_sample / "truth" / "duplicates.csv", dtype=str)
    pm = small_warehouse["profile_map"].execute().set_index("customer_id")
    kept = dups[dups["duplicate_id"].isin(pm.index)]
    assert (pm.loc[kept["duplicate_id"], "profile_id"].to_numpy() == kept["original_id"]).all()
    rule = kept["kind"].map({"phone": "phone", "email": "email", "company": "company_city"})
    assert (pm.loc[kept["duplicate_id"], "rule"].to_numpy() == rule.to_numpy()).all()
    q = small_warehouse.quality.profiles
    assert q.merged_records == len(kept) and q.by_rule == rule.value_counts().to_dict()

    wh_tx = small_warehouse["transactions"].execute()
    for name in ("transactions", "surveys", "interactions", "subscriptions"):
        ids = set(small_warehouse[name].execute()["customer_id"].dropna())
        assert not ids & set(dups["duplicate_id"]), name
    raw = pd.read_csv(small_sample / "transactions.csv", dtype=str, keep_default_na=False)
    raw = raw.drop_duplicates()
    raw = raw[~raw["order_id"].duplicated(keep=False)]
    when = parse_date(raw["order_date"])
    amount = pd.to_numeric(raw["amount"].str.replace("[¥,]", "", regex=True), errors="coerce")
    raw = raw[(when <= pd.Timestamp("2026-10-31")) & amount.notna()]
    rng = np.random.default_rng(0)
    for d in kept.iloc[rng.permutation(len(kept))[:5]].itertuples():
        before = raw[raw["customer_id"].isin([d.original_id, d.duplicate_id])]
        after = wh_tx[wh_tx["customer_id"] == d.original_id]
        assert sorted(after["order_id"]) == sorted(before["order_id"]), d.original_id
        assert (before["customer_id"] == d.duplicate_id).any()  # the record had moved rows
