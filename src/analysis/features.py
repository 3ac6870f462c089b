"""Per-customer features as of a date, computed in the engine.

Transaction-level work stays in Ibis (DuckDB here, Spark elsewhere); the result is
one row per customer, the point where pandas takes over. Nothing dated after
``as_of`` is read: moving ``as_of`` back reproduces what was known then.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pandas as pd

from analysis.schema import AMOUNT, CATEGORY, CHANNEL, CUSTOMER_ID, ORDER_DATE, ORDER_ID

FEATURE_COLUMNS = (
    "first_purchase",
    "last_purchase",
    "recency_days",
    "orders",
    "purchase_days",
    "active_months",
    "monetary_total",
    "monetary_mean",
    "gross_sales",
    "refund_total",
    "tenure_days",
    "mean_gap_days",
    "n_categories",
    "n_channels",
)


def _as_date(value) -> dt.date:
    return pd.Timestamp(value).date()


def compute_customer_features(
    transactions: ir.Table,
    customers: ir.Table | None = None,
    *,
    as_of,
    customer_id_col: str = CUSTOMER_ID,
    date_col: str = ORDER_DATE,
    amount_col: str = AMOUNT,
    order_id_col: str | None = ORDER_ID,
) -> pd.DataFrame:
    """Recency, frequency, monetary value and behaviour per customer, as of a date.

    Parameters
    ----------
    transactions : ibis.Table
        Contract ``transactions`` (one row per order or order line; negative amounts
        are refunds).
    customers : ibis.Table, optional
        Contract ``customers``; its attributes are joined, and its customers without
        purchases are kept (``orders == 0``: potential customers).
    as_of : date-like
        The last day counted (inclusive), usually the period end.

    Returns
    -------
    pandas.DataFrame
        One row per customer, indexed by ``customer_id``, with columns:

        - ``first_purchase``, ``last_purchase``: dates of the first and last purchase
        - ``recency_days``: days from the last purchase to ``as_of`` (NaN: never bought)
        - ``orders``: purchases (distinct order ids with a positive amount, or positive rows)
        - ``purchase_days``: distinct days with a purchase
        - ``active_months``: distinct calendar months with a purchase
        - ``monetary_total``: net sales (purchases minus refunds)
        - ``monetary_mean``: ``monetary_total / orders``
        - ``gross_sales``, ``refund_total``: purchases and refunds (positive number)
        - ``tenure_days``: days from the first purchase to ``as_of``
        - ``mean_gap_days``: mean days between purchase days (NaN with one purchase day)
        - ``n_categories``, ``n_channels``: distinct categories and channels bought in
        - every column of ``customers`` (attributes), when given

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> tx = ibis.memtable(pd.DataFrame({
    ...     "customer_id": ["a", "a", "b"],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-05"]).date,
    ...     "amount": [10.0, 30.0, 5.0]}))
    >>> f = compute_customer_features(tx, as_of="2024-01-31", order_id_col=None)
    >>> cols = ["recency_days", "orders", "monetary_total", "mean_gap_days"]
    >>> [float(v) for v in f.loc["a", cols]]
    [20.0, 2.0, 40.0, 10.0]
    """
    as_of = _as_date(as_of)
    t = transactions
    t = t.filter((t[date_col] <= ibis.date(as_of)) & t[customer_id_col].notnull())
    amt = t[amount_col]
    positive = amt > 0
    if order_id_col and order_id_col in t.columns:
        order_key = (
            t[order_id_col]
            .cast("string")
            .fill_null(t[customer_id_col] + "|" + t[date_col].cast("string"))
        )
    else:
        order_key = None
    metrics = {
        "first_purchase": t[date_col].min(where=positive),
        "last_purchase": t[date_col].max(where=positive),
        "orders": order_key.nunique(where=positive)
        if order_key is not None
        else positive.sum().cast("int64"),
        "purchase_days": t[date_col].nunique(where=positive),
        "active_months": t[date_col].truncate("M").nunique(where=positive),
        "monetary_total": amt.sum(),
        "gross_sales": positive.ifelse(amt, 0).sum(),
        "refund_total": (amt < 0).ifelse(-amt, 0).sum(),
    }
    if CATEGORY in t.columns:
        metrics["n_categories"] = t[CATEGORY].nunique(where=positive)
    if CHANNEL in t.columns:
        metrics["n_channels"] = t[CHANNEL].nunique(where=positive)
    agg = t.group_by(t[customer_id_col].name(CUSTOMER_ID)).aggregate(**metrics)
    as_of_lit = ibis.date(as_of)
    agg = agg.mutate(
        recency_days=(as_of_lit - agg.last_purchase).cast("int64"),
        tenure_days=(as_of_lit - agg.first_purchase).cast("int64"),
        mean_gap_days=(agg.purchase_days > 1).ifelse(
            (agg.last_purchase - agg.first_purchase).cast("float64")
            / (agg.purchase_days - 1).cast("float64"),
            ibis.null("float64"),
        ),
    )
    df = agg.execute()
    # date differences arrive as integers of days; keep them as floats so NaN means "never"
    for col in ("recency_days", "tenure_days"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    df = df.set_index(CUSTOMER_ID)

    if customers is not None:
        c = customers
        if "signup_date" in c.columns:
            c = c.filter(c.signup_date.isnull() | (c.signup_date <= ibis.date(as_of)))
        attrs = c.execute().drop_duplicates(CUSTOMER_ID).set_index(CUSTOMER_ID)
        df = attrs.join(df, how="outer")
    for col in ("orders", "purchase_days", "active_months", "n_categories", "n_channels"):
        if col in df.columns:
            df[col] = df[col].fillna(0).astype("int64")
    for col in ("monetary_total", "gross_sales", "refund_total"):
        df[col] = df[col].fillna(0.0).astype("float64")
    df["monetary_mean"] = (df["monetary_total"] / df["orders"].where(df["orders"] > 0)).astype(
        "float64"
    )
    for col in ("first_purchase", "last_purchase"):
        df[col] = pd.to_datetime(df[col])
    df.index.name = CUSTOMER_ID
    return df.sort_index()


def compute_purchase_gaps(
    transactions: ir.Table,
    *,
    as_of,
    customer_id_col: str = CUSTOMER_ID,
    date_col: str = ORDER_DATE,
    amount_col: str = AMOUNT,
    quantiles=(0.5, 0.75, 0.8, 0.9, 0.95),
) -> pd.Series:
    """Quantiles of the days between a customer's consecutive purchase days.

    The data's own rhythm: lifecycle and churn thresholds default to these (for
    example, 90% of repeat purchases come within ``gaps[0.9]`` days).

    Returns
    -------
    pandas.Series
        Indexed by quantile, values in days; ``attrs["n_gaps"]`` holds the number of gaps.
    """
    as_of = _as_date(as_of)
    t = transactions
    t = t.filter((t[date_col] <= ibis.date(as_of)) & (t[amount_col] > 0))
    days = t.select(cid=t[customer_id_col], day=t[date_col]).distinct()
    w = ibis.window(group_by=days.cid, order_by=days.day)
    gaps = days.mutate(gap=(days.day - days.day.lag().over(w)).cast("int64"))
    gaps = gaps.filter(gaps.gap.notnull())
    qs = {f"q{int(q * 1000)}": gaps.gap.quantile(q) for q in quantiles}
    row = gaps.aggregate(n=gaps.count(), **qs).execute().iloc[0]
    out = pd.Series({q: float(row[f"q{int(q * 1000)}"]) for q in quantiles}, name="gap_days")
    out.index.name = "quantile"
    out.attrs["n_gaps"] = int(row["n"])
    return out
