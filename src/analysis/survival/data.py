"""Survival data as of the period end, for contract and non-contract customers.

Point in time: every input is filtered to ``as_of``; a subscription ending after
``as_of`` is active (censored) and a purchase after ``as_of`` does not exist. Moving
``as_of`` back therefore reproduces what was known then (the backtest relies on it).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analysis.features import compute_purchase_gaps
from analysis.schema import (
    AMOUNT,
    CUSTOMER_ID,
    END_DATE,
    ORDER_DATE,
    RESPONSE_DATE,
    SCORE,
    START_DATE,
)

__all__ = [
    "compute_contract_survival",
    "compute_latest_nps",
    "compute_noncontract_survival",
    "compute_survival_data",
    "choose_churn_threshold",
    "churn_threshold_from_gaps",
]

SURVIVAL_COLUMNS = ("start", "end", "duration_days", "event", "contract")


def _date(value) -> pd.Timestamp:
    return pd.Timestamp(pd.Timestamp(value).date())


def compute_contract_survival(subscriptions: ir.Table, *, as_of) -> pd.DataFrame:
    """Contract lifetimes: first start to the end of the last contract, censored while active.

    Parameters
    ----------
    subscriptions : ibis.Table
        Contract ``subscriptions`` (``customer_id``, ``start_date``, optional
        ``end_date``, ``plan``, ``monthly_fee``).
    as_of : date-like
        Period end. Contracts starting later are ignored; ends after it count as active.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``: ``start``, ``end`` (NaT while active),
        ``duration_days`` (start to end, or to ``as_of`` when censored; at least 1),
        ``event`` (1 = churned), ``contract`` (True), and ``plan``, ``monthly_fee`` of
        the latest contract when present.

    Examples
    --------
    >>> subs = ibis.memtable(pd.DataFrame({"customer_id": ["a", "b"],
    ...     "start_date": pd.to_datetime(["2024-01-01", "2024-02-01"]).date,
    ...     "end_date": pd.to_datetime(["2024-03-01", None]).date}))
    >>> out = compute_contract_survival(subs, as_of="2024-04-30")
    >>> out[["duration_days", "event"]].astype(int).values.tolist()
    [[60, 1], [89, 0]]
    """
    as_of = _date(as_of)
    s = subscriptions
    s = s.filter((s[START_DATE] <= ibis.date(as_of.date())) & s[CUSTOMER_ID].notnull())
    cols = [c for c in (CUSTOMER_ID, START_DATE, END_DATE, "plan", "monthly_fee") if c in s.columns]
    df = s.select(*cols).execute()
    if END_DATE not in df.columns:
        df[END_DATE] = pd.NaT
    df[START_DATE] = pd.to_datetime(df[START_DATE])
    df[END_DATE] = pd.to_datetime(df[END_DATE])
    # an end after the period end was not known then: the contract is active
    df.loc[df[END_DATE] > as_of, END_DATE] = pd.NaT
    df = df.sort_values([CUSTOMER_ID, START_DATE, END_DATE], na_position="last")
    g = df.groupby(CUSTOMER_ID, sort=True)
    out = pd.DataFrame({"start": g[START_DATE].min()})
    active = g[END_DATE].apply(lambda e: e.isna().any())
    out["end"] = g[END_DATE].max().where(~active)
    stop = out["end"].fillna(as_of)
    out["duration_days"] = ((stop - out["start"]).dt.days).clip(lower=1).astype(float)
    out["event"] = out["end"].notna().astype(int)
    out["contract"] = True
    for col in ("plan", "monthly_fee"):
        if col in df.columns:
            out[col] = g[col].last()
    out.index = out.index.astype(str)
    out.index.name = CUSTOMER_ID
    return out


def choose_churn_threshold(transactions: ir.Table, *, as_of, quantile: float = 0.9) -> float:
    """Days without a purchase after which a non-contract customer counts as churned.

    The data's own rhythm: the ``quantile`` of gaps between a customer's consecutive
    purchase days (90% of repeat purchases come within it, by default).
    """
    gaps = compute_purchase_gaps(transactions, as_of=as_of, quantiles=(quantile,))
    threshold = churn_threshold_from_gaps(gaps, quantile)
    if threshold is None:
        raise ValueError("no repeat purchases before as_of: give threshold_days explicitly")
    return threshold


def churn_threshold_from_gaps(gaps: pd.Series, quantile: float) -> float | None:
    """:func:`choose_churn_threshold` from purchase-gap quantiles already computed.

    ``gaps`` is :func:`analysis.features.compute_purchase_gaps` output holding
    ``quantile``; None when there was no repeat purchase (the quantile is missing).

    Examples
    --------
    >>> churn_threshold_from_gaps(pd.Series({0.5: 10.0, 0.9: 62.4}), 0.9)
    63.0
    >>> churn_threshold_from_gaps(pd.Series({0.9: float("nan")}), 0.9) is None
    True
    """
    value = float(gaps.get(quantile, np.nan))
    return max(1.0, float(np.ceil(value))) if np.isfinite(value) else None


def compute_noncontract_survival(
    transactions: ir.Table,
    *,
    as_of,
    threshold_days: float | None = None,
    quantile: float = 0.9,
    exclude: pd.Index | None = None,
) -> pd.DataFrame:
    """Non-contract lifetimes: churn is a silence longer than ``threshold_days``.

    The churn is dated when it becomes known (last purchase + threshold), so a customer
    who went quiet less than ``threshold_days`` before ``as_of`` is censored: they could
    still return. Durations run from the first purchase.

    Parameters
    ----------
    transactions : ibis.Table
    as_of : date-like
    threshold_days : float, optional
        Default: :func:`choose_churn_threshold` with ``quantile``. ``inf``: no silence
        rule, every customer censored (for a churn definition applied afterwards, such
        as the purchase model's in :mod:`analysis.pages.churn`).
    exclude : pandas.Index, optional
        Customer ids to leave out (contract customers).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``: ``start`` (first purchase), ``end`` (last purchase +
        threshold when churned, else NaT), ``duration_days``, ``event``, ``contract``
        (False), ``last_purchase``, ``recency_days``, ``first_amount`` (spend on the first
        purchase day). ``attrs["threshold_days"]`` holds the threshold.
    """
    as_of = _date(as_of)
    if threshold_days is None:
        threshold_days = choose_churn_threshold(transactions, as_of=as_of, quantile=quantile)
    t = transactions
    t = t.filter((t[ORDER_DATE] <= ibis.date(as_of.date())) & (t[AMOUNT] > 0))
    t = t.filter(t[CUSTOMER_ID].notnull())
    days = t.group_by(cid=t[CUSTOMER_ID], day=t[ORDER_DATE]).aggregate(spend=t[AMOUNT].sum())
    w = ibis.window(group_by=days.cid, order_by=days.day)
    days = days.mutate(n=ibis.row_number().over(w))
    agg = days.group_by(days.cid).aggregate(
        first=days.day.min(),
        last=days.day.max(),
        first_amount=(days.n == 0).ifelse(days.spend, 0).sum(),
    )
    df = agg.execute()
    df["cid"] = df["cid"].astype(str)
    df = df.set_index("cid")
    if exclude is not None:
        df = df[~df.index.isin(exclude)]
    first = pd.to_datetime(df["first"])
    last = pd.to_datetime(df["last"])
    recency = (as_of - last).dt.days.astype(float)
    churned = recency > threshold_days
    if np.isinf(threshold_days):  # no silence rule: every row censored (a model decides)
        end = pd.Series(pd.NaT, index=last.index, dtype="datetime64[ns]")
    else:
        end = (last + pd.Timedelta(days=threshold_days)).where(churned)
    stop = end.fillna(as_of)
    out = pd.DataFrame(
        {
            "start": first,
            "end": end,
            "duration_days": (stop - first).dt.days.clip(lower=1).astype(float),
            "event": churned.astype(int),
            "contract": False,
            "last_purchase": last,
            "recency_days": recency,
            "first_amount": df["first_amount"].astype(float),
        }
    )
    out.index.name = CUSTOMER_ID
    out = out.sort_index()
    out.attrs["threshold_days"] = float(threshold_days)
    return out


def compute_latest_nps(surveys: ir.Table, *, as_of) -> pd.DataFrame:
    """Latest NPS score per customer as of ``as_of`` and the detractor flag (score <= 6).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``: ``latest_nps``, ``detractor`` (1.0 when <= 6),
        ``n_surveys``.
    """
    as_of = _date(as_of)
    s = surveys
    if SCORE not in s.columns or CUSTOMER_ID not in s.columns:
        return pd.DataFrame(columns=["latest_nps", "detractor", "n_surveys"]).rename_axis(
            CUSTOMER_ID
        )
    s = s.filter(
        (s[RESPONSE_DATE] <= ibis.date(as_of.date()))
        & s[CUSTOMER_ID].notnull()
        & s[SCORE].notnull()
    )
    w = ibis.window(group_by=s[CUSTOMER_ID], order_by=[ibis.desc(s[RESPONSE_DATE])])
    ranked = s.mutate(
        rk=ibis.row_number().over(w), n=s.count().over(ibis.window(group_by=s[CUSTOMER_ID]))
    )
    # several answers on the same last day: the lowest score counts (a complaint is news)
    last = ranked.filter(ranked.rk == 0).select(
        cid=ranked[CUSTOMER_ID], latest_nps=ranked[SCORE], n_surveys=ranked.n
    )
    df = last.execute()
    df["cid"] = df["cid"].astype(str)
    df = df.set_index("cid").rename_axis(CUSTOMER_ID).sort_index()
    df["latest_nps"] = df["latest_nps"].astype(float)
    df["detractor"] = (df["latest_nps"] <= 6).astype(float)
    return df[["latest_nps", "detractor", "n_surveys"]]


def compute_survival_data(
    wh,
    *,
    as_of=None,
    threshold_days: float | None = None,
    quantile: float = 0.9,
) -> pd.DataFrame:
    """Survival rows for every customer of a warehouse, as of ``as_of`` (the period end).

    Contract customers (any row in ``subscriptions``) get contract lifetimes; everyone
    else with a purchase gets a non-contract lifetime. Customer attributes and, when a
    ``surveys`` table exists, the latest NPS are joined.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``: the columns of :func:`compute_contract_survival` and
        :func:`compute_noncontract_survival`, customer attributes, ``latest_nps``,
        ``detractor``, ``has_survey``. ``attrs``: ``as_of``, ``threshold_days``.
    """
    as_of = _date(as_of if as_of is not None else wh.period.end)
    parts = []
    contract_ids = pd.Index([])
    if wh.has("subscriptions"):
        c = compute_contract_survival(wh["subscriptions"], as_of=as_of)
        contract_ids = c.index
        parts.append(c)
    nc = compute_noncontract_survival(
        wh["transactions"],
        as_of=as_of,
        threshold_days=threshold_days,
        quantile=quantile,
        exclude=contract_ids,
    )
    parts.append(nc)
    data = pd.concat([p for p in parts if len(p)], axis=0, sort=False)
    # Keep every column of both kinds even when one kind has no customers (IBM Telco
    # is all contracts), so downstream code can select them without special cases.
    for p in parts:
        for col in p.columns:
            if col not in data.columns:
                data[col] = pd.Series(dtype=p[col].dtype)
    cust = wh["customers"]
    if "signup_date" in cust.columns:
        cust = cust.filter(
            cust.signup_date.isnull() | (cust.signup_date <= ibis.date(as_of.date()))
        )
    keep = [c for c in cust.columns if c not in ("name", "phone", "email", "signup_date")]
    attrs = cust.select(*keep).execute().drop_duplicates(CUSTOMER_ID)
    attrs[CUSTOMER_ID] = attrs[CUSTOMER_ID].astype(str)
    attrs = attrs.set_index(CUSTOMER_ID)
    attrs = attrs[[c for c in attrs.columns if c not in data.columns]]
    data = data.join(attrs, how="left")
    if wh.has("surveys"):
        nps = compute_latest_nps(wh["surveys"], as_of=as_of)
        data = data.join(nps, how="left")
        data["has_survey"] = data["latest_nps"].notna().astype(float)
        data["detractor"] = pd.to_numeric(data["detractor"], errors="coerce").fillna(0.0)
    data = data.sort_index()
    data.index.name = CUSTOMER_ID
    data.attrs["as_of"] = str(as_of.date())
    data.attrs["threshold_days"] = nc.attrs["threshold_days"]
    return data
