"""Contact and churn (issue 12): intervals by hand, no look-ahead, a planted hazard ratio."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from analysis.followup import ContactEffect, build_contact_intervals, fit_contact_effect
from analysis.followup.contact_effect import SKIP_TOO_FEW_EVENTS

BASE = pd.Timestamp("2022-01-01")


def _tables(tx: pd.DataFrame, ix: pd.DataFrame) -> tuple[ibis.Table, ibis.Table]:
    tx = tx.assign(order_date=pd.to_datetime(tx["order_date"]).dt.date)
    ix = ix.assign(date=pd.to_datetime(ix["date"]).dt.date)
    return ibis.memtable(tx), ibis.memtable(ix)


# -- (a) a hand-worked fixture --------------------------------------------------------------
# as_of 2024-06-30, churn after 45 silent days, rows of 30 days, contact window 90 days.
# a: buys day 0 and day 20 (a refund on 03-01 is not a purchase); silent 161 days at as_of,
#    so churned at 20 + 45 = 65. Call on day 24: rows starting 30 and 60 see it.
# b: buys day 0 (two orders: one purchase day), 40, 80; silent 10 days: censored at 90.
#    Call on day 30, the start of row [30, 60): it counts from the next row on.
# c: buys day 0 only (a purchase after as_of does not exist yet): churned at 45. Call 62
#    days before the first purchase: inside row 0's window [-90, 0), not row 1's [-60, 30).
# d: first purchase on as_of: no time at risk. e: calls only, never bought. No rows.
HAND_TX = pd.DataFrame(
    {
        "customer_id": ["a", "a", "a", "b", "b", "b", "b", "c", "c", "d", None],
        "order_date": [
            "2024-01-01", "2024-01-21", "2024-03-01",
            "2024-04-01", "2024-04-01", "2024-05-11", "2024-06-20",
            "2024-02-01", "2024-07-10",
            "2024-06-30", "2024-01-01",
        ],
        "amount": [10.0, 5.0, -5.0, 20.0, 3.0, 8.0, 9.0, 7.0, 7.0, 1.0, 4.0],
    }
)  # fmt: skip
HAND_IX = pd.DataFrame(
    {
        "customer_id": ["a", "b", "b", "c", "c", "e"],
        "date": ["2024-01-25", "2024-05-01", "2024-07-05", "2023-12-01", "2024-05-01",
                 "2024-03-01"],
        "kind": ["call", "call", "visit", "call", "wechat", "call"],
    }
)  # fmt: skip
HAND_EXPECTED = pd.DataFrame(
    [
        # customer_id, start, stop, event, contacted, purchases_before
        ("a", 0.0, 30.0, 0, 0, 0),
        ("a", 30.0, 60.0, 0, 1, 2),
        ("a", 60.0, 65.0, 1, 1, 2),
        ("b", 0.0, 30.0, 0, 0, 0),
        ("b", 30.0, 60.0, 0, 0, 1),
        ("b", 60.0, 90.0, 0, 1, 2),
        ("c", 0.0, 30.0, 0, 1, 0),
        ("c", 30.0, 45.0, 1, 0, 1),
    ],
    columns=["customer_id", "start", "stop", "event", "contacted", "purchases_before"],
)


def test_hand_worked_intervals():
    tx, ix = _tables(HAND_TX, HAND_IX)
    out = build_contact_intervals(tx, ix, as_of="2024-06-30", churn_after_days=45)
    pd.testing.assert_frame_equal(out, HAND_EXPECTED)


# -- (c) no look-ahead ----------------------------------------------------------------------
def test_contact_the_day_after_a_start_marks_only_later_rows():
    # a purchase every 10 days; a call on day 31, the day after row [30, 60) starts
    days = np.arange(0, 200, 10)
    tx = pd.DataFrame(
        {"customer_id": "x", "order_date": BASE + pd.to_timedelta(days, "D"), "amount": 1.0}
    )
    ix = pd.DataFrame({"customer_id": ["x"], "date": [BASE + pd.Timedelta(days=31)]})
    out = build_contact_intervals(
        *_tables(tx, ix), as_of=BASE + pd.Timedelta(days=200), churn_after_days=60
    )
    got = out.set_index("start")
    assert got.loc[30.0, "contacted"] == 0
    # its window [start - 90, start) holds day 31 for the rows starting 60, 90 and 120
    assert got["contacted"].tolist() == [0, 0, 1, 1, 1, 0, 0]
    # the purchase on day 30 (the start day) is not before row [30, 60)
    assert got.loc[30.0, "purchases_before"] == 3


def test_later_data_never_changes_a_row_covariates():
    tx, ix, _ = simulate(400, seed=5)
    as_of = tx["order_date"].max() - pd.Timedelta(days=300)
    early = build_contact_intervals(*_tables(tx, ix), as_of=as_of, churn_after_days=60)
    late = build_contact_intervals(
        *_tables(tx, ix), as_of=as_of + pd.Timedelta(days=300), churn_after_days=60
    )
    cols = ["contacted", "purchases_before"]
    both = early.merge(late, on=["customer_id", "start"], suffixes=("", "_late"))
    assert len(both) == len(early) > 1000
    for c in cols:
        assert (both[c] == both[f"{c}_late"]).all(), c


# -- (b) planted truth ----------------------------------------------------------------------
STEP, WINDOW, THRESHOLD = 30, 90, 60


def simulate(
    n: int, *, seed: int, hr: float = 0.6, base_rate: float = 1 / 200, call_prob: float = 0.12
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """Customers whose churn hazard is ``base_rate`` per day from day 60 on (a customer
    cannot be declared churned before 60 silent days), times ``hr`` in a 30-day row whose
    90-day window holds a call. Calls fall at random (probability ``call_prob`` per
    30-day slot, nothing to do with the customer). The churn day ``T`` is drawn first;
    the last purchase is ``T - 60`` and purchases before it come every 1–60 days, so
    the silence rule declares churn exactly at ``T``."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, 720, n)
    as_of_day = 900
    horizon = as_of_day - first  # days of follow-up available
    n_slots = 40
    # slot j covers days [30 (j - 4), 30 (j - 3)) relative to the first purchase
    slot_start = STEP * (np.arange(n_slots) - 4)
    has_call = rng.random((n, n_slots)) < call_prob
    call_day = slot_start[None, :] + rng.integers(0, STEP, (n, n_slots))
    # row k starts at 30 k; its window [30 k - 90, 30 k) is exactly slots k+1, k+2, k+3
    k = np.arange(n_slots - 4)
    contacted = has_call[:, k + 1] | has_call[:, k + 2] | has_call[:, k + 3]
    rate = np.where(STEP * k >= THRESHOLD, base_rate, 0.0)[None, :] * np.where(contacted, hr, 1)
    cum = np.cumsum(rate * STEP, axis=1)
    e = rng.exponential(size=n)
    row = (cum < e[:, None]).sum(axis=1)  # the row in which the hazard reaches e
    churn_day = np.full(n, np.inf)
    ok = row < len(k)
    before = np.where(row > 0, cum[np.arange(n), np.maximum(row - 1, 0)], 0.0)
    churn_day[ok] = np.ceil(
        STEP * row[ok] + (e[ok] - before[ok]) / rate[np.arange(n), np.minimum(row, len(k) - 1)][ok]
    )
    tx_rows, ix_rows = [], []
    for i in range(n):
        last = churn_day[i] - THRESHOLD
        stop = min(last, horizon[i] + THRESHOLD)
        gaps = rng.integers(1, THRESHOLD + 1, int(stop // 1) + 2)
        d = np.concatenate([[0], np.cumsum(gaps)])
        d = d[d < stop]
        if np.isfinite(last) and last <= horizon[i] + THRESHOLD:
            d = np.append(d, last)
        cid = f"C{i:05d}"
        for day in d:
            tx_rows.append((cid, int(first[i] + day)))
        for day in call_day[i][has_call[i]]:
            ix_rows.append((cid, int(first[i] + day)))
    tx = pd.DataFrame(tx_rows, columns=["customer_id", "day"])
    ix = pd.DataFrame(ix_rows, columns=["customer_id", "day"])
    tx = pd.DataFrame(
        {
            "customer_id": tx["customer_id"],
            "order_date": BASE + pd.to_timedelta(tx["day"], "D"),
            "amount": rng.gamma(2.0, 50.0, len(tx)).round(2) + 1,
        }
    )
    ix = pd.DataFrame(
        {"customer_id": ix["customer_id"], "date": BASE + pd.to_timedelta(ix["day"], "D")}
    ).assign(kind="call")
    return tx, ix, BASE + pd.Timedelta(days=as_of_day)


def planted_fit(seed: int, n: int = 3000, hr: float = 0.6) -> ContactEffect:
    tx, ix, as_of = simulate(n, seed=seed, hr=hr)
    rows = build_contact_intervals(
        *_tables(tx, ix),
        as_of=as_of,
        churn_after_days=THRESHOLD,
        window_days=WINDOW,
        step_days=STEP,
    )
    return fit_contact_effect(rows)


def test_planted_hazard_ratio_is_recovered():
    # measured: seeds 1, 2, 3 gave 0.632 [0.576, 0.694], 0.630 [0.574, 0.691],
    # 0.590 [0.537, 0.649] (about 2,450 events among 3,000 customers each)
    fx = planted_fit(seed=1)
    assert fx.ci_lower < 0.6 < fx.ci_upper
    assert abs(fx.hazard_ratio - 0.6) < 0.15
    assert fx.n_customers == 3000 and fx.n_events > 500


def test_groups_too_small_are_skipped():
    tx, ix, as_of = simulate(1500, seed=2)
    rows = build_contact_intervals(*_tables(tx, ix), as_of=as_of, churn_after_days=THRESHOLD)
    # a large group and a small one (about 1 in 30 customers)
    small = rows["customer_id"].str[-2:].astype(int) < 3
    rows = rows.assign(tier=np.where(small, "small", "large"))
    fx = fit_contact_effect(rows, by="tier", min_events=50)
    assert list(fx.groups.index) == ["large"]
    assert fx.groups.loc["large", "ci_lower"] < fx.groups.loc["large", "ci_upper"]
    assert fx.skipped.loc["small", "reason"] == SKIP_TOO_FEW_EVENTS
    assert fx.skipped.loc["small", "events"] < 50 == fx.skipped.loc["small", "need"]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda r: r.drop(columns="contacted"), "missing"),
        (lambda r: r.assign(stop=r["start"]), "stop <= start"),
        (lambda r: r.assign(contacted=0), "same on every row"),
        (lambda r: r.assign(event=0), "churn events"),
        (lambda r: r.assign(event=2), "0 or 1"),
    ],
)
def test_bad_intervals_raise(change, message):
    bad = change(HAND_EXPECTED)
    with pytest.raises(ValueError, match=message):
        fit_contact_effect(bad)


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"churn_after_days": 0}, "churn_after_days"),
        ({"churn_after_days": 45, "step_days": 0}, "step_days"),
        ({"churn_after_days": 45, "window_days": 7.5}, "window_days"),
    ],
)
def test_bad_arguments_raise(kw, message):
    with pytest.raises(ValueError, match=message):
        build_contact_intervals(*_tables(HAND_TX, HAND_IX), as_of="2024-06-30", **kw)


# -- (d) the bundled sample's planted contact effect -----------------------------------------
def test_sample_contract_contact_effect_covers_the_planted_hazard_ratio(sample_data):
    """The sample multiplies a contract's hazard by truth's hr in every 30-day step whose 90
    days before hold a contact (analysis.sample.contracts); the follow-up page's model is
    that estimand, adjusted for customer type and plan."""
    import json

    from analysis.followup import build_contract_intervals

    truth = json.loads((sample_data / "truth.json").read_text(encoding="utf-8"))
    planted = truth["subscriptions"]["contact_effect"]
    subs = pd.read_csv(sample_data / "subscriptions.csv", dtype=str)
    subs["start_date"] = pd.to_datetime(subs["start_date"]).dt.date
    subs["end_date"] = pd.to_datetime(subs["end_date"]).dt.date
    ix = pd.read_csv(sample_data / "interactions.csv", dtype=str, usecols=["customer_id", "date"])
    ix["date"] = pd.to_datetime(ix["date"]).dt.date
    # contacts logged under a planted duplicate record belong to its original (ingest merges)
    dups = pd.read_csv(sample_data / "truth" / "duplicates.csv", dtype=str)
    ix["customer_id"] = ix["customer_id"].replace(
        dict(zip(dups["duplicate_id"], dups["original_id"], strict=True))
    )
    cust = pd.read_csv(sample_data / "customers.csv", dtype=str,
                       usecols=["customer_id", "customer_type"])  # fmt: skip
    rows = build_contract_intervals(ibis.memtable(subs), ibis.memtable(ix), ibis.memtable(cust),
                                    as_of=truth["window"]["period_end"])  # fmt: skip
    assert {"x_business", "x_plan=专业版", "x_plan=企业版"} <= set(rows.columns)
    fx = fit_contact_effect(rows)
    # measured on the bundled sample: 0.61 [0.54, 0.70], 1,205 contract ends
    assert fx.ci_lower < planted["hr"] < fx.ci_upper
    assert fx.n_events > 1000
