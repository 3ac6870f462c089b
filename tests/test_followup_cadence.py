"""Follow-up cadence (issue 12): contact history, the playbook's targets, overdue, workload."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from analysis.exceptions import ConfigError
from analysis.followup.cadence import (
    UNASSIGNED,
    cadence_by_group,
    channel_mix,
    contact_history,
    overdue_followups,
    owner_workload,
)
from analysis.segmentation.playbook import assign_cadence, load_playbook

AS_OF = "2024-06-30"


def _ix(rows) -> ibis.Table:
    df = pd.DataFrame(rows, columns=["customer_id", "date", "kind", "owner"])
    return ibis.memtable(df.assign(date=pd.to_datetime(df["date"]).dt.date))


# a: two contacts, the last 10 days before as_of (a call and a visit the same day: the kind
#    reported is the alphabetically first, "call"); one after as_of is not known yet.
# b: one contact 92 days before as_of: in the year, not in the last 91 days.
# c: one contact exactly 90 days before: inside the quarter.
HAND = [
    ("a", "2024-01-05", "visit", "x"),
    ("a", "2024-06-20", "visit", "x"),
    ("a", "2024-06-20", "call", "x"),
    ("a", "2024-07-02", "call", "x"),
    ("b", "2024-03-30", "email", "y"),
    ("c", "2024-04-01", "wechat", "y"),
    (None, "2024-06-01", "call", "x"),
]


def test_contact_history_by_hand():
    h = contact_history(_ix(HAND), as_of=AS_OF)
    assert h.index.tolist() == ["a", "b", "c"]
    assert h["days_since_contact"].tolist() == [10, 92, 90]
    assert h["last_kind"].tolist() == ["call", "email", "wechat"]
    assert h["contacts_quarter"].tolist() == [2, 0, 1]
    assert h["contacts_year"].tolist() == [3, 1, 1]
    assert h.loc["a", "last_contact"] == pd.Timestamp("2024-06-20")


def test_channel_mix_counts_the_last_year_by_group():
    groups = pd.Series({"a": "g1", "b": "g2", "c": "g2"})
    mix = channel_mix(_ix(HAND), groups, as_of=AS_OF)
    assert mix.loc["g1"].to_dict() == {"visit": 2, "call": 1, "email": 0, "wechat": 0}
    assert mix.loc["g2", "email"] == 1 and mix.loc["g2", "wechat"] == 1


def _customers(ids, signup="2024-01-01", owners=None) -> pd.DataFrame:
    return pd.DataFrame(
        {"signup_date": pd.to_datetime([signup] * len(ids)), "account_owner": owners or ""},
        index=pd.Index(ids, name="customer_id"),
    )


def test_overdue_ranks_by_value_at_risk_then_value_and_skips_campaign_groups():
    ids = ["k1", "k2", "h1", "h2", "m1", "low"]
    classes = pd.DataFrame(
        {
            "key_account_tier": ["strategic", "core", None, None, None, None],
            "value_tier": ["high", "high", "high", "high", "mid", "low"],
            "lifecycle": ["active"] * 6,
        },
        index=pd.Index(ids, name="customer_id"),
    )
    cad = assign_cadence(classes, load_playbook())
    assert cad["cadence_group"].tolist() == ["key_account", "key_account", "high_value",
                                             "high_value", "mid_value", "low_value"]  # fmt: skip
    # k1 contacted 40 days ago (target 30: overdue 10); k2 5 days ago (fine); h1, m1 and low
    # never (signup 2024-01-01: 181 days); h2 31 days ago (overdue 1)
    hist = contact_history(
        _ix([("k1", "2024-05-21", "call", "x"), ("k2", "2024-06-25", "visit", "x"),
             ("h2", "2024-05-30", "call", "y")]),
        as_of=AS_OF,
    )  # fmt: skip
    cust = _customers(ids, owners=["x", "x", "", "y", "y", ""])
    risk = pd.DataFrame({"churn_prob": [0.5, 0.1], "value_at_risk": [100.0, 900.0]},
                        index=pd.Index(["k1", "h2"], name="customer_id"))  # fmt: skip
    value = pd.Series({"k1": 5.0, "k2": 1.0, "h1": 50.0, "h2": 1.0, "m1": 70.0, "low": 999.0})
    od = overdue_followups(cad, cust, hist, as_of=AS_OF, risk=risk, value=value)
    # scored first by value at risk, then the unscored by value; "low" is campaigns only
    assert od["customer_id"].tolist() == ["h2", "k1", "m1", "h1"]
    assert od["overdue_days"].tolist() == [1.0, 10.0, 181.0 - 91.0, 181.0 - 30.0]
    assert od["never_contacted"].tolist() == [False, False, True, True]
    assert od["account_owner"].tolist() == ["y", "x", "y", UNASSIGNED]
    assert od["channel"].tolist() == ["call", "visit", "wechat", "call"]

    wl = owner_workload(cad, cust, od, risk=risk, history=hist)
    assert wl.index.tolist() == ["y", "x", UNASSIGNED]  # most overdue first, unassigned last
    assert wl.loc["x"].to_dict() == {
        "customers": 2, "with_cadence": 2, "overdue": 1, "overdue_share": 0.5,
        "value_at_risk": 100.0, "overdue_value_at_risk": 100.0, "contacts_quarter": 2,
    }  # fmt: skip
    assert wl.loc["y", "overdue"] == 2 and wl.loc["y", "with_cadence"] == 2
    assert wl.loc[UNASSIGNED, "with_cadence"] == 1  # "low" has no target

    by = cadence_by_group(cad, cust, hist, as_of=AS_OF)
    assert by.loc["key_account", "overdue"] == 1 and by.loc["key_account", "within_target"] == 0.5
    assert by.loc["high_value", "never_contacted"] == 1
    assert np.isnan(by.loc["low_value", "within_target"])


def test_churned_customers_follow_the_win_back_plan_not_the_schedule():
    classes = pd.DataFrame({"value_tier": ["high"], "lifecycle": ["churned"]},
                           index=pd.Index(["z"], name="customer_id"))  # fmt: skip
    cad = assign_cadence(classes, load_playbook())
    assert cad.loc["z", "cadence_group"] == "churned" and np.isnan(cad.loc["z", "every_days"])
    od = overdue_followups(cad, _customers(["z"]), contact_history(_ix([]), as_of=AS_OF),
                           as_of=AS_OF)  # fmt: skip
    assert od.empty


def test_an_edited_cadence_is_used_and_a_bad_one_names_the_entry(tmp_path):
    text = (
        "actions:\n  a: {zh: '甲', en: A}\nrules:\n  - action: a\n"
        "cadence:\n  - group: vip\n    when: {value_tier: [high]}\n    every_days: 7\n"
        "    channel: visit\n  - group: rest\n    every_days: 60\n    channel: email\n"
    )
    path = tmp_path / "pb.yaml"
    path.write_text(text, encoding="utf-8")
    classes = pd.DataFrame({"value_tier": ["high", "low"]}, index=["a", "b"])
    cad = assign_cadence(classes, load_playbook(path))
    assert cad["every_days"].tolist() == [7.0, 60.0]
    path.write_text(text.replace("channel: email", "channel: carrier pigeon"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"pb.yaml: cadence 2: channel 'carrier pigeon'"):
        load_playbook(path)
    path.write_text(text.replace("every_days: 7", "every_days: -1"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cadence 1: every_days must be"):
        load_playbook(path)
