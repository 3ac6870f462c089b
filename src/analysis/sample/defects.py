"""Planted data-quality defects in ``transactions.csv``, counted for the truth file."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.sample import params as P


def scale_defect_counts(n_customers: int) -> dict[str, int]:
    """Return the number of each defect to plant for a data set of this size.

    Counts are :data:`params.DEFECTS` at 20,000 customers, scaled linearly, at
    least one each.

    Examples
    --------
    >>> scale_defect_counts(2_000)["exact_duplicate_rows"]
    4
    """
    return {k: max(1, round(v * n_customers / 20_000)) for k, v in P.DEFECTS.items()}


def format_transactions(orders: pd.DataFrame) -> pd.DataFrame:
    """Render order rows as the strings written to ``transactions.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns ``order_id``, ``customer_id``, ``order_date``, ``amount``,
        ``quantity``, ``product``, ``category``, ``channel`` (all strings).
    """
    dates = (pd.Timestamp(P.START) + pd.to_timedelta(orders["day"].to_numpy(), unit="D")).strftime(
        "%Y-%m-%d"
    )
    return pd.DataFrame(
        {
            "order_id": orders["order_id"].to_numpy(),
            "customer_id": orders["customer_id"].to_numpy(),
            "order_date": np.asarray(dates),
            "amount": [f"{a:.2f}" for a in orders["amount"].to_numpy()],
            "quantity": orders["quantity"].astype(str).to_numpy(),
            "product": orders["product"].to_numpy(),
            "category": orders["category"].to_numpy(),
            "channel": orders["channel"].to_numpy(),
        }
    )


def plant_defects(
    orders: pd.DataFrame, n_customers: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, dict, np.ndarray]:
    """Plant the defects a data-quality report must find.

    All touched rows are purchases dated on or before the period end
    (:data:`params.PERIOD_END`), so every defect is inside the reported period,
    and no row carries two defects.

    Parameters
    ----------
    orders : pandas.DataFrame
        Output of :func:`analysis.sample.purchases.build_transactions`.
    n_customers : int
        Size of the customer table (sets the counts and the unknown ids).
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    table : pandas.DataFrame
        The rows to write (see :func:`format_transactions`), defects included.
    defects : dict
        Counts per defect kind, the expected quarantine and the affected order ids.
    kept : numpy.ndarray of bool
        Per row of ``orders``: whether a cleaner keeps it (not quarantined).

    Examples
    --------
    >>> from analysis.sample.people import draw_customers
    >>> from analysis.sample.purchases import build_transactions, simulate_purchases
    >>> rng = np.random.default_rng(0)
    >>> t = draw_customers(rng, 2000)
    >>> o = build_transactions(simulate_purchases(t, rng)[0], t, rng)
    >>> table, defects, kept = plant_defects(o, 2000, rng)
    >>> len(table) - len(o) == defects["exact_duplicate_rows"] + defects[
    ...     "conflicting_order_ids"] + defects["unknown_customer_rows"]
    True
    """
    counts = scale_defect_counts(n_customers)
    table = format_transactions(orders)
    day = orders["day"].to_numpy()
    amount = orders["amount"].to_numpy()
    eligible = (day <= P.PERIOD_END_DAY) & ~orders["is_refund"].to_numpy()
    big = np.flatnonzero(eligible & (amount >= 1000))
    k_cur = counts["amount_currency_format"]
    cur_rows = rng.choice(big, size=min(k_cur, big.size), replace=False)
    rest = np.setdiff1d(np.flatnonzero(eligible), cur_rows)
    kinds = [
        "missing_customer_id",
        "unparsable_amount",
        "date_slash_format",
        "date_chinese_format",
        "conflicting_order_ids",
        "exact_duplicate_rows",
    ]
    picked = rng.choice(rest, size=sum(counts[k] for k in kinds), replace=False)
    rows: dict[str, np.ndarray] = {"amount_currency_format": np.sort(cur_rows)}
    pos = 0
    for k in kinds:
        rows[k] = np.sort(picked[pos : pos + counts[k]])
        pos += counts[k]

    table.loc[rows["amount_currency_format"], "amount"] = [
        f"¥{a:,.2f}" for a in amount[rows["amount_currency_format"]]
    ]
    table.loc[rows["missing_customer_id"], "customer_id"] = ""
    table.loc[rows["unparsable_amount"], "amount"] = "abc"
    when = pd.Timestamp(P.START) + pd.to_timedelta(day, unit="D")
    r = rows["date_slash_format"]
    table.loc[r, "order_date"] = [f"{d.year}/{d.month}/{d.day}" for d in when[r]]
    r = rows["date_chinese_format"]
    table.loc[r, "order_date"] = [f"{d.year}年{d.month}月{d.day}日" for d in when[r]]

    key = np.arange(len(table), dtype=float)
    extra = []
    r = rows["conflicting_order_ids"]
    conflict = table.loc[r].copy()
    factor = rng.choice([0.5, 0.8, 1.2, 1.5, 2.0], size=len(r))
    conflict["amount"] = [f"{a * f:.2f}" for a, f in zip(amount[r], factor, strict=True)]
    extra.append((conflict, r + 0.5))
    r = rows["exact_duplicate_rows"]
    extra.append((table.loc[r].copy(), r + 0.5))

    k_unk = counts["unknown_customer_rows"]
    unk_day = np.sort(rng.integers(0, P.PERIOD_END_DAY + 1, size=k_unk))
    unknown = pd.DataFrame(
        {
            "order_id": [f"O{len(orders) + i:07d}" for i in range(1, k_unk + 1)],
            "customer_id": [f"C{n_customers + 50_000 + i:06d}" for i in range(1, k_unk + 1)],
            "day": unk_day,
            "amount": np.round(np.exp(5 + rng.standard_normal(k_unk)), 2),
            "quantity": 1,
            "product": "坚果礼盒",
            "category": "食品饮料",
            "channel": "线上商城",
        }
    )
    extra.append((format_transactions(unknown), np.searchsorted(day, unk_day) - 0.25))

    parts = [table] + [frame for frame, _ in extra]
    keys = np.concatenate([key] + [k for _, k in extra])
    out = pd.concat(parts, ignore_index=True)
    out = out.iloc[np.argsort(keys, kind="stable")].reset_index(drop=True)

    kept = np.ones(len(orders), dtype=bool)
    for k in ("missing_customer_id", "unparsable_amount", "conflicting_order_ids"):
        kept[rows[k]] = False
    n_conf = counts["conflicting_order_ids"]
    defects = {
        **{k: int(len(rows[k])) for k in rows},
        "unknown_customer_rows": k_unk,
        "conflicting_rows": 2 * n_conf,
        "quarantined_rows": int(
            counts["missing_customer_id"] + counts["unparsable_amount"] + 2 * n_conf
        ),
        "quarantined_rows_incl_unknown_customers": int(
            counts["missing_customer_id"] + counts["unparsable_amount"] + 2 * n_conf + k_unk
        ),
        "rows_after_dedupe": int(len(out) - len(rows["exact_duplicate_rows"])),
        "order_ids": {
            **{k: orders["order_id"].to_numpy()[v].tolist() for k, v in rows.items()},
            "unknown_customer_rows": unknown["order_id"].tolist(),
        },
        "notes": {
            "exact_duplicate_rows": "extra copies (the original row is kept once)",
            "conflicting_order_ids": "order_ids with 2 rows differing in amount; "
            "both rows of each are quarantined",
            "date_slash_format": "order_date like 2024/3/5 (parsable)",
            "date_chinese_format": "order_date like 2024年3月5日 (parsable)",
            "amount_currency_format": "amount like ¥1,234.50 (parsable)",
            "unknown_customer_rows": "valid rows whose customer_id is not in customers.csv",
        },
    }
    return out, defects, kept
