"""Customer journey (issue 12): hand counts on a small fixture, agreement with segmentation."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from analysis.features import compute_customer_features
from analysis.followup.journey import (
    ARRIVED,
    compute_funnel,
    compute_journey_times,
    compute_stage_flow,
    compute_touchpoints,
)
from analysis.segmentation.lifecycle import LifecycleThresholds, assign_lifecycle

BASE = dt.date(2024, 1, 1)


def day(n: float | None) -> dt.date | None:
    return None if n is None else BASE + dt.timedelta(days=int(n))


# -- the hand-worked fixture ----------------------------------------------------------------
# Days count from 2024-01-01 (day 0). start = day 60 (2024-03-01), as_of = day 120
# (2024-04-30). Thresholds: dormant after 30 silent days, churned after 60, new within 20
# days of the first purchase, loyal from 3 orders. Stage at start -> stage at as_of:
# a  signup 0, online/individual. Buys 5, 40 (refund 45 is no purchase), 100.
#    start: 2 orders, recency 20, tenure 55 -> active. as_of: 3 orders, rec 20 -> loyal.
# b  signup 10, online/business. Never buys: potential -> potential.
# c  signup 20, store/individual. Orders c1 and c2 on day 50 (one purchase day, two
#    orders), c3 on day 75 (two lines of one order). start: rec 10, tenure 10 -> new.
#    as_of: rec 45 > 30 -> dormant. Times: 30 days to first, 25 first -> second.
# d  signup 30, store/business. Buys 58 (two rows without an order id: one order), 70,
#    110. start: rec 2, tenure 2 -> new. as_of: 3 orders, rec 10, tenure 62 -> loyal.
# e  signup 40, online/individual. Buys 45, 100. start: tenure 15 -> new.
#    as_of: 2 orders, rec 20, tenure 75 -> active.
# f  NO signup date, online/business. Buys -30, -10, 90. start: rec 70 > 60 -> churned.
#    as_of: 3 orders, rec 30 (not > 30) -> loyal: a win-back.
# g  signup 0, store/individual. Buys 1. start: rec 59 -> dormant; as_of: 119 -> churned.
# h  signup 80 (after start: arrived), online/individual. Buys 105: new at as_of.
# i  signup 90 (arrived), store/business. Buys 85 (before the recorded signup) and 130
#    (after as_of: ignored). as_of: rec 35 -> dormant.
# j  signup 5, online/business. Buys 95. start potential; as_of: tenure 25 -> active.
START, AS_OF = day(60), day(120)
THR = LifecycleThresholds(dormant_after=30, churned_after=60, new_within=20, loyal_min_orders=3)
HAND_CU = pd.DataFrame(
    {
        "customer_id": list("abcdefghij"),
        "signup_date": [day(x) for x in (0, 10, 20, 30, 40, None, 0, 80, 90, 5)],
        "channel": ["online", "online", "store", "store", "online", "online", "store",
                    "online", "store", "online"],
        "customer_type": ["individual", "business", "individual", "business", "individual",
                          "business", "individual", "individual", "business", "business"],
    }
)  # fmt: skip
_TX = [  # customer, day, amount, order id
    ("a", 5, 10.0, "a1"), ("a", 40, 20.0, "a2"), ("a", 45, -20.0, "a2"), ("a", 100, 5.0, "a3"),
    ("c", 50, 8.0, "c1"), ("c", 50, 9.0, "c2"), ("c", 75, 3.0, "c3"), ("c", 75, 4.0, "c3"),
    ("d", 58, 1.0, None), ("d", 58, 2.0, None), ("d", 70, 1.0, "d2"), ("d", 110, 1.0, "d3"),
    ("e", 45, 6.0, "e1"), ("e", 100, 6.0, "e2"),
    ("f", -30, 5.0, "f1"), ("f", -10, 5.0, "f2"), ("f", 90, 5.0, "f3"),
    ("g", 1, 2.0, "g1"), ("h", 105, 2.0, "h1"), ("i", 85, 2.0, "i1"), ("i", 130, 2.0, "i2"),
    ("j", 95, 2.0, "j1"), (None, 50, 9.0, "x1"),
]  # fmt: skip
HAND_TX = pd.DataFrame(
    {
        "customer_id": [r[0] for r in _TX],
        "order_date": [day(r[1]) for r in _TX],
        "amount": [r[2] for r in _TX],
        "order_id": [r[3] for r in _TX],
    }
)
# Touchpoints: the stage uses purchases strictly before the day, recency counted to it.
# b 30, 35 and z 50 (z: no purchase, not a customer row): potential.
# a 40: only day 5 before it (the day-40 purchase is not), rec 35 -> dormant.
# c 60: day 50 before, rec 10, tenure 10 -> new. c 80: 3 orders by day 75, tenure 30 -> loyal.
# f 90: last purchase -10, rec 100 -> churned. g 100: rec 99 -> churned. i 125: after as_of.
# Surveys: d 71 (58 and 70 before: rec 1, tenure 13 -> new); e 100 (rec 55 -> dormant);
# one anonymous response on day 50; a 121 after as_of.
_IX = [("b", 30, "call"), ("b", 35, "call"), ("z", 50, "call"), ("a", 40, "call"),
       ("c", 60, "visit"), ("c", 80, "wechat"), ("f", 90, "visit"), ("g", 100, "call"),
       ("i", 125, "call")]  # fmt: skip
HAND_IX = pd.DataFrame(
    {
        "customer_id": [r[0] for r in _IX],
        "date": [day(r[1]) for r in _IX],
        "kind": [r[2] for r in _IX],
    }
)
HAND_SV = pd.DataFrame(
    {
        "customer_id": ["d", "e", None, "a"],
        "response_date": [day(71), day(100), day(50), day(121)],
        "score": [9, 3, 7, 10],
    }
)


def tables(*frames: pd.DataFrame) -> list[ibis.Table]:
    return [ibis.memtable(f) for f in frames]


@pytest.fixture(scope="module")
def hand():
    return tables(HAND_CU, HAND_TX, HAND_IX, HAND_SV)


def test_journey_times_equal_hand_counts(hand):
    cu, tx, _, _ = hand
    jt = compute_journey_times(cu, tx, as_of=AS_OF)
    per = jt.customers
    # -99: none (b never bought, f has no signup date); i bought 5 days before signing up
    assert per["days_to_first"].fillna(-99).tolist() == [5, -99, 30, 28, 5, -99, 1, 25, -5, 90]
    assert per["days_to_second"].fillna(-99).tolist() == [35, -99, 25, 12, 55, 20, -99, -99,
                                                          -99, -99]  # fmt: skip
    assert per.loc["i", "second_purchase"] is pd.NaT  # the day-130 purchase is after as_of
    s = jt.summary.set_index(["channel", "customer_type"])
    expected = pd.DataFrame(
        [
            # customers, no_signup, first_before_signup, with_first, with_second
            ("online", "business", 3, 1, 0, 2, 1),  # b, f (no signup), j
            ("online", "individual", 3, 0, 0, 3, 2),  # a, e, h
            ("store", "business", 2, 0, 1, 2, 1),  # d, i (bought before signup)
            ("store", "individual", 2, 0, 0, 2, 1),  # c, g
        ],
        columns=["channel", "customer_type", "customers", "no_signup_date",
                 "first_before_signup", "with_first", "with_second"],
    ).set_index(["channel", "customer_type"])  # fmt: skip
    pd.testing.assert_frame_equal(s[expected.columns], expected)
    assert s["first_share"].tolist() == [2 / 3, 1.0, 1.0, 1.0]
    assert s["second_share"].tolist() == [0.5, 2 / 3, 0.5, 0.5]
    # days to first: online/business [90] (f has no signup); online/individual [5, 5, 25];
    # store/business [28] (i's -5 left out); store/individual [30, 1]
    assert s["days_to_first_median"].tolist() == [90.0, 5.0, 28.0, 15.5]
    assert s.loc[("online", "individual"), ["days_to_first_q25", "days_to_first_q75"]].tolist() == [
        5.0,
        15.0,
    ]
    # days to second: [20]; [35, 55]; [12]; [25]
    assert s["days_to_second_median"].tolist() == [20.0, 45.0, 12.0, 25.0]


def test_funnel_equals_hand_counts(hand):
    cu, tx, _, _ = hand
    overall = compute_funnel(cu, tx, as_of=AS_OF, thresholds=THR, by=())
    # signed up: all 10; first: all but b; second purchase day: a, c, d, e, f; loyal: a, d, f
    assert overall["step"].tolist() == ["signed_up", "first_purchase", "second_purchase", "loyal"]
    assert overall["customers"].tolist() == [10, 9, 5, 3]
    assert overall["share_of_previous"].tolist()[1:] == [0.9, 5 / 9, 0.6]
    by = compute_funnel(cu, tx, as_of=AS_OF, thresholds=THR, by="channel")
    got = by.pivot(index="channel", columns="step", values="customers")
    # online a b e f h j: 6 signed up, 5 bought (not b), 3 twice (a e f), 2 loyal (a f)
    # store c d g i: 4, 4, 2 (c d), 1 loyal (d)
    assert got.loc["online", list(overall["step"])].tolist() == [6, 5, 3, 2]
    assert got.loc["store", list(overall["step"])].tolist() == [4, 4, 2, 1]


def test_stage_flow_equals_hand_counts(hand):
    cu, tx, _, _ = hand
    sf = compute_stage_flow(cu, tx, start=START, as_of=AS_OF, thresholds=THR, by="channel")
    st = sf.stages
    assert st["stage_start"].to_dict() == {
        "a": "active", "b": "potential", "c": "new", "d": "new", "e": "new", "f": "churned",
        "g": "dormant", "h": ARRIVED, "i": ARRIVED, "j": "potential",
    }  # fmt: skip
    assert st["stage_end"].to_dict() == {
        "a": "loyal", "b": "potential", "c": "dormant", "d": "loyal", "e": "active",
        "f": "loyal", "g": "churned", "h": "new", "i": "dormant", "j": "active",
    }  # fmt: skip
    expected = pd.DataFrame(
        [[1, 0, 1, 0, 0, 0],  # potential: b stays, j buys
         [0, 0, 1, 1, 1, 0],  # new: e active, d loyal, c dormant
         [0, 0, 0, 1, 0, 0],  # active: a loyal
         [0, 0, 0, 0, 0, 1],  # dormant: g churned
         [0, 0, 0, 1, 0, 0],  # churned: f won back, loyal
         [0, 1, 0, 0, 1, 0]],  # arrived: h new, i dormant
        index=pd.Index(["potential", "new", "active", "loyal", "dormant", "churned",
                        ARRIVED], name="from").drop("loyal"),
        columns=pd.Index(["potential", "new", "active", "loyal", "dormant", "churned"],
                         name="to"),
    )  # fmt: skip
    pd.testing.assert_frame_equal(sf.matrix, expected, check_dtype=False)
    assert int(sf.flows["customers"].sum()) == 10
    conv = sf.conversions.set_index("conversion")
    assert conv[["at_risk", "moved"]].to_dict("index") == {
        "first_purchase": {"at_risk": 2, "moved": 1},  # b, j -> j
        "new_to_active_loyal": {"at_risk": 3, "moved": 2},  # c, d, e -> d, e
        "active_to_loyal": {"at_risk": 1, "moved": 1},  # a
        "to_dormant": {"at_risk": 4, "moved": 1},  # a, c, d, e -> c
        "dormant_to_churned": {"at_risk": 1, "moved": 1},  # g
        "win_back": {"at_risk": 2, "moved": 1},  # f, g -> f bought on day 90
    }
    assert conv.loc["to_dormant", "rate"] == 0.25
    g = sf.groups.set_index(["channel", "conversion"])
    # online a b e f h j; store c d g i
    assert g.loc[("online", "first_purchase"), ["at_risk", "moved"]].tolist() == [2, 1]
    assert g.loc[("store", "new_to_active_loyal"), ["at_risk", "moved"]].tolist() == [2, 1]
    assert g.loc[("store", "win_back"), ["at_risk", "moved"]].tolist() == [1, 0]
    assert np.isnan(g.loc[("online", "dormant_to_churned"), "rate"])
    summed = g.groupby(level="conversion")[["at_risk", "moved"]].sum().reindex(conv.index)
    assert summed.to_numpy().tolist() == conv[["at_risk", "moved"]].to_numpy().tolist()


def test_touchpoint_stages_equal_hand_counts(hand):
    _, tx, ix, sv = hand
    tp = compute_touchpoints(tx, interactions=ix, surveys=sv, as_of=AS_OF, thresholds=THR)
    got = {(r.customer_id, (r.date.date() - BASE).days): r.stage for r in tp.events.itertuples()}
    assert got == {
        ("a", 40): "dormant", ("b", 30): "potential", ("b", 35): "potential",
        ("c", 60): "new", ("c", 80): "loyal", ("d", 71): "new", ("e", 100): "dormant",
        ("f", 90): "churned", ("g", 100): "churned", ("z", 50): "potential",
    }  # fmt: skip
    assert tp.anonymous_responses == 1
    assert tp.by_stage.values.tolist() == [
        ["potential", 3, 2, 1.5],
        ["new", 2, 2, 1.0],
        ["loyal", 1, 1, 1.0],
        ["dormant", 2, 2, 1.0],
        ["churned", 2, 2, 1.0],
    ]
    assert tp.by_kind[["stage", "source", "kind", "touchpoints"]].values.tolist() == [
        ["potential", "interaction", "call", 3],
        ["new", "interaction", "visit", 1],
        ["new", "survey", "survey", 1],
        ["loyal", "interaction", "wechat", 1],
        ["dormant", "interaction", "call", 1],
        ["dormant", "survey", "survey", 1],
        ["churned", "interaction", "call", 1],
        ["churned", "interaction", "visit", 1],
    ]


def test_no_interactions_or_surveys_is_empty_not_an_error(hand):
    _, tx, _, sv = hand
    none = compute_touchpoints(tx, as_of=AS_OF, thresholds=THR)
    assert none.events.empty and none.by_stage.empty and none.by_kind.empty
    assert list(none.by_stage.columns) == ["stage", "touchpoints", "customers", "per_customer"]
    only = compute_touchpoints(tx, surveys=sv, as_of=AS_OF, thresholds=THR)
    assert only.by_kind["source"].unique().tolist() == ["survey"]
    assert only.by_stage["touchpoints"].sum() == 2
    anon = compute_touchpoints(tx, surveys=ibis.memtable(HAND_SV.drop(columns="customer_id")),
                               as_of=AS_OF, thresholds=THR)  # fmt: skip
    assert anon.events.empty and anon.anonymous_responses == 3


def test_purchases_after_as_of_change_nothing(hand):
    cu, tx, _, _ = hand
    cut = ibis.memtable(HAND_TX[HAND_TX["order_date"] <= AS_OF])
    for a, b in (
        (compute_journey_times(cu, tx, as_of=AS_OF).summary,
         compute_journey_times(cu, cut, as_of=AS_OF).summary),
        (compute_stage_flow(cu, tx, start=START, as_of=AS_OF, thresholds=THR).stages,
         compute_stage_flow(cu, cut, start=START, as_of=AS_OF, thresholds=THR).stages),
    ):  # fmt: skip
        pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"as_of": "not a date"}, "as_of"),
        ({"start": AS_OF}, "start"),
        ({"start": None}, "start"),
        ({"thresholds": {"dormant_after": 30}}, "thresholds"),
        ({"by": "region"}, "by"),
        ({"by": [1]}, "by"),
        ({"transactions": ibis.memtable(HAND_TX.drop(columns="amount"))}, "transactions"),
        ({"customers": HAND_CU}, "customers"),
    ],
)
def test_bad_arguments_name_the_argument(hand, kwargs, name):
    cu, tx, _, _ = hand
    args = {"customers": cu, "transactions": tx, "as_of": AS_OF, "start": START,
            "thresholds": THR, **kwargs}  # fmt: skip
    with pytest.raises(ValueError, match=rf"^{name}:"):
        compute_stage_flow(args.pop("customers"), args.pop("transactions"), **args)


def test_touchpoint_tables_are_checked(hand):
    _, tx, ix, _ = hand
    with pytest.raises(ValueError, match="^interactions:"):
        compute_touchpoints(tx, interactions=ix.drop("kind"), as_of=AS_OF, thresholds=THR)


# -- agreement with the segmentation page -----------------------------------------------------
def synthetic(seed: int = 7, n: int = 60):
    rng = np.random.default_rng(seed)
    ids = [f"C{i:03d}" for i in range(n)]
    signup = [None if rng.random() < 0.1 else day(int(rng.integers(-400, 170))) for _ in ids]
    rows = []
    for cid in ids[:-5] + ["X1", "X2"]:  # X*: only in transactions
        t = int(rng.integers(-300, 170))  # first purchase day, then gaps of ~40 days
        for k, gap in enumerate(rng.exponential(40, int(rng.integers(0, 9))).astype(int)):
            t, d = t + gap * (k > 0), day(t + gap * (k > 0))
            oid = None if rng.random() < 0.2 else f"{cid}-{k}"
            rows.append((cid, d, float(rng.integers(1, 50)), oid))
            if rng.random() < 0.2:  # another line of the same order, or a refund
                rows.append((cid, d, -5.0 if rng.random() < 0.5 else 3.0, oid))
    cu = pd.DataFrame({"customer_id": ids, "signup_date": signup,
                       "channel": rng.choice(["online", "store"], n)})  # fmt: skip
    tx = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount", "order_id"])
    ix = pd.DataFrame(
        {
            "customer_id": rng.choice(ids, 40),
            "date": [day(int(x)) for x in rng.choice([-100, 0, 35, 90, 91, 150], 40)],
            "kind": rng.choice(["call", "visit"], 40),
        }
    )
    # calls on purchase days: that day's purchase must not count towards the call's stage
    bought = tx[(tx["amount"] > 0) & (tx["order_date"] <= day(150))].sample(8, random_state=seed)
    ix = pd.concat(
        [ix, bought[["customer_id", "order_date"]].rename(columns={"order_date": "date"})]
    ).assign(kind=lambda x: x["kind"].fillna("call"))
    return cu, tx, ix


def segmentation_stage(tx: pd.DataFrame, cu: pd.DataFrame | None, as_of, thr) -> pd.Series:
    f = compute_customer_features(
        ibis.memtable(tx), None if cu is None else ibis.memtable(cu), as_of=as_of
    )
    return assign_lifecycle(f, thr)


def test_as_of_stages_agree_with_segmentation():
    cu, tx, ix = synthetic()
    thr = LifecycleThresholds(45, 120, 30, 3)
    start, as_of = day(30), day(150)
    sf = compute_stage_flow(*tables(cu, tx), start=start, as_of=as_of, thresholds=thr)
    end_seg = segmentation_stage(tx, cu, as_of, thr)
    pd.testing.assert_series_equal(
        sf.stages["stage_end"], end_seg, check_names=False, check_index_type=False
    )
    start_seg = segmentation_stage(tx, cu, start, thr)
    present = sf.stages.loc[sf.stages["stage_start"] != ARRIVED, "stage_start"]
    pd.testing.assert_series_equal(present, start_seg, check_names=False)
    for seg in (start_seg, end_seg):
        assert set(seg) == {"potential", "new", "active", "loyal", "dormant", "churned"}
    funnel = compute_funnel(*tables(cu, tx), as_of=as_of, thresholds=thr, by=())
    assert funnel.set_index("step").loc["loyal", "customers"] == (end_seg == "loyal").sum()

    # a touchpoint's stage: the features as of its day over the purchases before that day
    tp = compute_touchpoints(ibis.memtable(tx), interactions=ibis.memtable(ix), as_of=as_of,
                             thresholds=thr)  # fmt: skip
    for d, rows in tp.events.groupby("date"):
        seg = segmentation_stage(tx[tx["order_date"] < d.date()], None, d.date(), thr)
        expect = seg.reindex(rows["customer_id"]).fillna("potential").tolist()
        assert rows["stage"].tolist() == expect, d
