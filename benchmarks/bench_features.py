"""The per-customer feature step against hand-written SQL, pandas and lifetimes.

Full size: 10,000,000 synthetic transactions of about 3,400,000 customers (three years,
order lines, categories, channels, all amounts positive), written once as Parquet to a
temporary folder; generation is not timed. Variants, each in its own process:

- ``duckdb_sql``: hand-written DuckDB SQL for lifetimes' frequency/recency/T/monetary
  (the named baseline), read from the Parquet file, fetched as a pandas frame;
- ``duckdb_sql_features``: hand-written DuckDB SQL for every column
  ``compute_customer_features`` returns (separates "more columns" from "Ibis");
- ``ibis_features``: ``analysis.features.compute_customer_features`` on an Ibis DuckDB
  table over the Parquet file;
- ``lifetimes``: ``lifetimes.utils.summary_data_from_transaction_data`` on a pandas frame
  already in memory (loading it is setup, not timed);
- ``pandas_groupby``: the same summary written as plain pandas group-bys.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.common import labels, measure, rng

FULL_ROWS = 10_000_000
CUSTOMERS_PER_ROW = 0.34  # 3.4M customers for 10M transactions
AS_OF = "2024-12-31"
START = dt.date(2022, 1, 1)
ORDER_LINE_SHARE = 0.10  # rows that are a further line of the customer's previous order
CATEGORIES = 12
CHANNELS = ("web", "store", "app")

# Generation ------------------------------------------------------------------------


def write_transactions(path: str | Path, rows: int, seed: int = 20240101) -> dict:
    """Write ``rows`` synthetic transactions as Parquet at ``path``; returns their shape.

    Columns: ``order_id``, ``customer_id`` (text, as the warehouse stores them),
    ``order_date`` (date), ``amount`` (> 0), ``category``, ``channel``. Rows are in date
    order, as exports usually are.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    r = rng(seed)
    n_cust = max(1, round(rows * CUSTOMERS_PER_ROW))
    counts = r.geometric(n_cust / rows, size=n_cust)
    cid = np.repeat(np.arange(n_cust, dtype=np.int64), counts)[:rows]
    if len(cid) < rows:
        cid = np.concatenate([cid, r.integers(0, n_cust, rows - len(cid))])
        cid.sort(kind="stable")
    span = (dt.date.fromisoformat(AS_OF) - START).days + 1
    day = r.integers(0, span, rows).astype(np.int32)
    oid = np.arange(rows, dtype=np.int64)
    # a further line of the previous order: same customer, same day, same order id
    line = r.random(rows) < ORDER_LINE_SHARE
    line[0] = False
    line &= np.r_[False, cid[1:] == cid[:-1]]
    idx = np.arange(rows)
    src = np.maximum.accumulate(np.where(line, 0, idx))  # first row of each run of lines
    day, oid = day[src], oid[src]
    amount = np.round(r.lognormal(3.5, 1.0, rows), 2) + 0.01
    category = r.integers(0, CATEGORIES, rows)
    channel = r.choice(len(CHANNELS), rows, p=[0.6, 0.3, 0.1])
    order = np.argsort(day, kind="stable")

    epoch = (START - dt.date(1970, 1, 1)).days
    table = pa.table(
        {
            "order_id": pc.take(labels("O", rows, 9), pa.array(oid[order])),
            "customer_id": pc.take(labels("C", n_cust, 7), pa.array(cid[order])),
            "order_date": pa.array((day[order] + epoch).astype(np.int32), type=pa.date32()),
            "amount": pa.array(amount[order]),
            "category": pc.take(labels("cat", CATEGORIES, 2), pa.array(category[order])),
            "channel": pc.take(pa.array(CHANNELS), pa.array(channel[order])),
        }
    )
    pq.write_table(table, path)
    return {
        "rows": rows,
        "customers": int(np.unique(cid).size),
        "orders": int(np.unique(oid).size),
        "first_date": START.isoformat(),
        "last_date": AS_OF,
    }


# Variants: factories return the callable that is timed ----------------------------

SQL_RFM = """
WITH days AS (
    SELECT customer_id, order_date AS day, sum(amount) AS amount
    FROM read_parquet('{path}')
    WHERE order_date <= DATE '{as_of}' AND amount > 0 AND customer_id IS NOT NULL
    GROUP BY customer_id, order_date
), per AS (
    SELECT customer_id,
           min(day) AS first_day,
           max(day) AS last_day,
           count(*) - 1 AS frequency,
           sum(amount) AS monetary_total,
           arg_min(amount, day) AS first_amount
    FROM days
    GROUP BY customer_id
)
SELECT customer_id,
       frequency::DOUBLE AS frequency,
       (last_day - first_day)::DOUBLE AS recency,
       (DATE '{as_of}' - first_day)::DOUBLE AS "T",
       CASE WHEN frequency > 0 THEN (monetary_total - first_amount) / frequency ELSE 0 END
           AS monetary_value,
       monetary_total
FROM per
"""

SQL_FEATURES = """
SELECT customer_id,
       min(order_date) FILTER (WHERE amount > 0) AS first_purchase,
       max(order_date) FILTER (WHERE amount > 0) AS last_purchase,
       count(DISTINCT coalesce(order_id, customer_id || '|' || order_date::VARCHAR))
           FILTER (WHERE amount > 0) AS orders,
       count(DISTINCT order_date) FILTER (WHERE amount > 0) AS purchase_days,
       count(DISTINCT date_trunc('month', order_date)) FILTER (WHERE amount > 0)
           AS active_months,
       sum(amount) AS monetary_total,
       sum(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS gross_sales,
       sum(CASE WHEN amount < 0 THEN -amount ELSE 0 END) AS refund_total,
       count(DISTINCT category) FILTER (WHERE amount > 0) AS n_categories,
       count(DISTINCT channel) FILTER (WHERE amount > 0) AS n_channels
FROM read_parquet('{path}')
WHERE order_date <= DATE '{as_of}' AND customer_id IS NOT NULL
GROUP BY customer_id
"""


def duckdb_sql(path: str, as_of: str = AS_OF):
    """Hand-written DuckDB SQL: lifetimes' summary (the named baseline)."""
    import duckdb

    con = duckdb.connect()
    sql = SQL_RFM.format(path=path, as_of=as_of)
    return lambda: con.execute(sql).df().set_index("customer_id")


def duckdb_sql_features(path: str, as_of: str = AS_OF):
    """Hand-written DuckDB SQL for every column of ``compute_customer_features``."""
    import duckdb

    con = duckdb.connect()
    sql = SQL_FEATURES.format(path=path, as_of=as_of)
    return lambda: con.execute(sql).df().set_index("customer_id")


def ibis_features(path: str, as_of: str = AS_OF):
    """The project's engine-side feature step on an Ibis DuckDB table over the file."""
    import ibis

    from analysis.features import compute_customer_features

    con = ibis.duckdb.connect()
    t = con.read_parquet(path)
    return lambda: compute_customer_features(t, as_of=as_of)


def _load_pandas(path: str):
    import pandas as pd

    df = pd.read_parquet(path, columns=["customer_id", "order_date", "amount"])
    df["order_date"] = pd.to_datetime(df["order_date"])
    return df


def lifetimes_summary(path: str, as_of: str = AS_OF):
    """lifetimes' ``summary_data_from_transaction_data`` on a pandas frame in memory."""
    from lifetimes.utils import summary_data_from_transaction_data

    df = _load_pandas(path)
    return lambda: summary_data_from_transaction_data(
        df,
        "customer_id",
        "order_date",
        monetary_value_col="amount",
        observation_period_end=as_of,
        freq="D",
    )


def pandas_groupby(path: str, as_of: str = AS_OF):
    """The same summary as ``duckdb_sql`` written as plain pandas group-bys."""
    import pandas as pd

    df = _load_pandas(path)
    end = pd.Timestamp(as_of)

    def call():
        d = df[(df["order_date"] <= end) & (df["amount"] > 0) & df["customer_id"].notna()]
        days = d.groupby(["customer_id", "order_date"], sort=True)["amount"].sum().reset_index()
        g = days.groupby("customer_id", sort=False)
        out = g.agg(
            first_day=("order_date", "min"),
            last_day=("order_date", "max"),
            n=("order_date", "size"),
            monetary_total=("amount", "sum"),
            first_amount=("amount", "first"),  # days are sorted by date within customer
        )
        freq = (out["n"] - 1).astype("float64")
        return pd.DataFrame(
            {
                "frequency": freq,
                "recency": (out["last_day"] - out["first_day"]).dt.days.astype("float64"),
                "T": (end - out["first_day"]).dt.days.astype("float64"),
                "monetary_value": ((out["monetary_total"] - out["first_amount"]) / freq).where(
                    freq > 0, 0.0
                ),
                "monetary_total": out["monetary_total"],
            }
        )

    return call


VARIANTS = {
    "duckdb_sql": duckdb_sql,
    "duckdb_sql_features": duckdb_sql_features,
    "ibis_features": ibis_features,
    "lifetimes": lifetimes_summary,
    "pandas_groupby": pandas_groupby,
}


# Agreement -------------------------------------------------------------------------


def _rfm_of_features(f):
    """Our feature columns in lifetimes' terms (purchase days, recency from the first day)."""
    import pandas as pd

    return pd.DataFrame(
        {
            "frequency": (f["purchase_days"] - 1).astype("float64"),
            "recency": f["tenure_days"] - f["recency_days"],
            "T": f["tenure_days"],
            "monetary_total": f["monetary_total"],
        },
        index=f.index,
    )


def check_outputs(results: dict[str, Path]) -> dict:
    """Compare the variants' saved outputs customer by customer; raise on a mismatch."""
    import pandas as pd

    frames = {k: pd.read_parquet(p) for k, p in results.items()}
    ref = frames["duckdb_sql"].sort_index()
    checks: dict = {"customers": int(len(ref))}

    def same(name, got, cols, rtol=1e-9):
        got = got.sort_index()
        if not got.index.equals(ref.index):
            raise AssertionError(f"{name}: customers differ from duckdb_sql")
        for c in cols:
            a, b = got[c].to_numpy("float64"), ref[c].to_numpy("float64")
            if not np.allclose(a, b, rtol=rtol, atol=1e-6, equal_nan=True):
                bad = int((~np.isclose(a, b, rtol=rtol, atol=1e-6, equal_nan=True)).sum())
                raise AssertionError(f"{name}: column {c} differs for {bad} customers")
        checks[name] = f"equal to duckdb_sql on {', '.join(cols)} for every customer"

    if "ibis_features" in frames:
        ours = frames["ibis_features"]
        same(
            "ibis_features", _rfm_of_features(ours), ["frequency", "recency", "T", "monetary_total"]
        )
        if "duckdb_sql_features" in frames:
            sqlf = frames["duckdb_sql_features"].sort_index()
            o = ours.sort_index()
            cols = [c for c in sqlf.columns if c in o.columns]
            for c in cols:
                a, b = o[c], sqlf[c]
                if c in ("first_purchase", "last_purchase"):
                    ok = (pd.to_datetime(a) == pd.to_datetime(b)).all()
                else:
                    ok = np.allclose(a.to_numpy("float64"), b.to_numpy("float64"), rtol=1e-9)
                if not (ok and a.index.equals(b.index)):
                    raise AssertionError(
                        f"duckdb_sql_features: column {c} differs from ibis_features"
                    )
            checks["duckdb_sql_features"] = (
                f"equal to ibis_features on {', '.join(cols)} for every customer"
            )
    if "lifetimes" in frames:
        same("lifetimes", frames["lifetimes"], ["frequency", "recency", "T", "monetary_value"])
    if "pandas_groupby" in frames:
        same(
            "pandas_groupby",
            frames["pandas_groupby"],
            ["frequency", "recency", "T", "monetary_value", "monetary_total"],
        )
    return checks


# Entry point -----------------------------------------------------------------------


def run(rows: int | None = None, *, quick: bool = False, variants=None) -> dict:
    """Time every variant on ``rows`` transactions (default 10,000,000)."""
    rows = rows or FULL_ROWS
    names = list(variants or VARIANTS)
    repeats, warmup = (1, 0) if quick else (3, 1)
    with tempfile.TemporaryDirectory(prefix="bench-features-") as tmp:
        path = Path(tmp) / "transactions.parquet"
        shape = write_transactions(path, rows)
        timings, saved = {}, {}
        for name in names:
            saved[name] = Path(tmp) / f"out-{name}.parquet"
            timings[name] = measure(
                f"benchmarks.bench_features:{VARIANTS[name].__name__}",
                kwargs={"path": str(path), "as_of": AS_OF},
                repeats=repeats,
                warmup=warmup,
                isolate=not quick,
                keep_result=saved[name],
                note=(VARIANTS[name].__doc__ or "").strip().splitlines()[0],
            )
            print(f"   {name}: median {timings[name]['median_s']:.2f} s", flush=True)
        checks = check_outputs(saved)
        file_mib = round(path.stat().st_size / 1024**2, 1)
    return {
        "name": "features",
        "description": "per-customer recency/frequency/monetary/tenure from a Parquet file of "
        "transactions, as of a date, delivered as a pandas frame",
        "rows": rows,
        "params": {
            **shape,
            "as_of": AS_OF,
            "parquet_mib": file_mib,
            "order_line_share": ORDER_LINE_SHARE,
        },
        "baselines": ["duckdb_sql", "lifetimes"],
        "packages": ["duckdb", "ibis-framework", "sqlglot", "lifetimes", "pandas"],
        "variants": timings,
        "checks": checks,
        "notes": [
            "engine variants read the Parquet file in every call; pandas variants start "
            "from a frame already in memory (loading it is setup_s, not timed)",
            "every variant returns a pandas frame with one row per customer",
            "peak_rss_mib is the peak resident memory (VmHWM) of the variant's own process "
            "(imports, setup, runs)",
        ],
    }
