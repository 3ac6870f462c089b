"""A deterministic, linked synthetic CRM data set with planted truth.

:func:`write_sample` writes ``customers.csv``, ``transactions.csv``,
``subscriptions.csv``, ``surveys.csv`` and ``interactions.csv`` (the data
contract of :mod:`analysis.schema`) plus ``truth.json``, ``truth/customers.parquet``
and ``truth/surveys.parquet`` holding what was planted: personas (BG/NBD-like
purchase processes), the high-value group, a Weibull proportional-hazards contract
churn, latent satisfaction driving NPS and comment tone, a driver theme, personal
data inside comments, and data-quality defects; ``truth/duplicates.csv`` and
``truth/near_misses.csv`` list the duplicate customer records and the look-alikes
that must stay apart (one profile per customer).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.sample import params as P
from analysis.sample.contracts import draw_contact_plan, simulate_subscriptions
from analysis.sample.defects import plant_defects
from analysis.sample.duplicates import plant_duplicates
from analysis.sample.followups import simulate_interactions
from analysis.sample.people import draw_customers, format_customers
from analysis.sample.purchases import build_transactions, simulate_purchases
from analysis.sample.surveys import simulate_surveys
from analysis.sample.truth import (
    build_truth_customers,
    compute_revenue_groups,
    count_rows_after_period,
    summarise_subscriptions,
    summarise_surveys,
)

__all__ = ["write_sample", "generate_sample"]

# One independent stream per part, so changing one part leaves the others' draws alone.
_STREAMS = (
    "customers",
    "contacts",
    "purchases",
    "orders",
    "defects",
    "subscriptions",
    "surveys",
    "interactions",
    "contact_plan",  # owner contacts of contract customers, drawn before their lifetimes
    "duplicates",  # planted duplicate records and near-misses (one profile per customer)
)


def _compute_activity(
    orders: pd.DataFrame, planted_subs: pd.DataFrame, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """First and last active day per customer (purchases and subscriptions)."""
    buys = orders[~orders["is_refund"]]
    idx = buys["customer_id"].str[1:].astype(int).to_numpy() - 1
    first = np.full(n, np.inf)
    last = np.full(n, -np.inf)
    np.minimum.at(first, idx, buys["day"].to_numpy().astype(float))
    np.maximum.at(last, idx, buys["day"].to_numpy().astype(float))
    sidx = planted_subs["customer_idx"].to_numpy()
    np.minimum.at(first, sidx, planted_subs["start_day"].to_numpy().astype(float))
    sub_end = planted_subs["end_day"].fillna(P.WINDOW_DAYS).to_numpy()
    np.maximum.at(last, sidx, sub_end)
    first[np.isinf(first)] = np.nan
    last[np.isinf(last)] = np.nan
    return first, last


def generate_sample(*, seed: int = 7, n_customers: int = 20_000) -> tuple[dict, dict]:
    """Simulate the sample data set in memory.

    Parameters
    ----------
    seed : int
        Seed of :class:`numpy.random.SeedSequence`; same seed, same data.
    n_customers : int
        Number of true customers; ``customers`` has about 1% more rows, the planted
        duplicate records (:mod:`analysis.sample.duplicates`).

    Returns
    -------
    tables : dict of pandas.DataFrame
        ``customers``, ``transactions``, ``subscriptions``, ``surveys``,
        ``interactions`` (the public CSVs, as strings and numbers), and
        ``truth_customers``, ``truth_surveys`` (the planted per-row truth),
        ``truth_duplicates``, ``truth_near_misses`` (planted duplicate records and
        look-alikes that must not merge).
    truth : dict
        The content of ``truth.json``.

    Examples
    --------
    >>> tables, truth = generate_sample(seed=1, n_customers=300)
    >>> truth["n_customers"], len(tables["customers"])  # 3 planted duplicate records
    (300, 303)
    """
    rngs = {
        name: np.random.default_rng(child)
        for name, child in zip(
            _STREAMS, np.random.SeedSequence(seed).spawn(len(_STREAMS)), strict=True
        )
    }
    n = int(n_customers)
    traits = draw_customers(rngs["customers"], n)
    customers = format_customers(traits, rngs["contacts"])
    purchases, process = simulate_purchases(traits, rngs["purchases"])
    orders = build_transactions(purchases, traits, rngs["orders"])
    transactions, defects, kept = plant_defects(orders, n, rngs["defects"])
    contact_plan = draw_contact_plan(traits, rngs["contact_plan"])
    subscriptions, planted_subs = simulate_subscriptions(
        traits, rngs["subscriptions"], contacts=contact_plan
    )
    first, last = _compute_activity(orders, planted_subs, n)
    subscribed = np.isin(np.arange(n), planted_subs["customer_idx"].to_numpy())
    surveys, planted_surveys = simulate_surveys(traits, first, last, subscribed, rngs["surveys"])
    planned = contact_plan[contact_plan["customer_idx"].isin(planted_subs["customer_idx"])]
    interactions = simulate_interactions(
        traits, customers, last, rngs["interactions"], planned=planned
    )

    revenue = compute_revenue_groups(orders, kept, traits["customer_id"])
    truth_customers = build_truth_customers(traits, process, revenue, planted_subs, planted_surveys)
    public = {
        "customers": customers,
        "transactions": transactions,
        "subscriptions": subscriptions,
        "surveys": surveys,
        "interactions": interactions,
    }
    # After everything is simulated, so the other streams and the planted truth stay the
    # same: duplicate records take over part of their original's rows (ids only).
    public, profiles, duplicates, near_misses = plant_duplicates(public, rngs["duplicates"])
    hv = truth_customers[truth_customers["high_value"]]
    total = truth_customers["revenue_to_period_end"].clip(lower=0).sum()
    bought = ~truth_customers["is_potential"]
    truth = {
        "seed": int(seed),
        "n_customers": n,
        "window": {
            "start": P.START.isoformat(),
            "end": P.END.isoformat(),
            "period_end": P.PERIOD_END.isoformat(),
        },
        "row_counts": {k: int(len(v)) for k, v in public.items()},
        "rows_after_period_end": count_rows_after_period(public),
        "customers": {
            "business_share_planted": P.BUSINESS_SHARE,
            "n_business": int((traits["customer_type"] == "business").sum()),
            "potential_share_planted": P.POTENTIAL_SHARE,
            "n_potential": int((~bought).sum()),
            "signup": "signup day = window days * Beta(signup_a, signup_b) of the persona",
        },
        "personas": {
            "model": "BG/NBD-like: lambda ~ Gamma(shape, mean/shape) orders a year; "
            "p ~ Beta(a, b) dropout after each purchase (x dissatisfied multiplier); "
            "order value ~ LogNormal(log(median * business multiplier), sigma)",
            "params": P.describe_personas(),
            "counts": {k: int(v) for k, v in traits["persona"].value_counts().sort_index().items()},
            "counts_with_purchase": {
                k: int(v)
                for k, v in truth_customers.loc[bought, "persona"]
                .value_counts()
                .sort_index()
                .items()
            },
            "high_value_persona": P.HIGH_VALUE_PERSONA,
            "business_order_value_multiplier": P.BUSINESS_ORDER_VALUE_MULTIPLIER,
            "dissatisfied_dropout_multiplier": P.DISSATISFIED_DROPOUT_MULTIPLIER,
            "first_purchase_mean_days_after_signup": P.FIRST_PURCHASE_MEAN_DAYS,
            "recovery_features": (
                "customers with >= 1 purchase by period_end, cleaned transactions; "
                "log(number of purchases), log(mean order value), log(recency_days + 1), "
                "standardised; k-means k=4. Tenure is not a persona trait here (sign-ups "
                "spread over the window), so adding it splits customers by cohort instead."
            ),
        },
        "high_value_group": {
            "rule": "smallest set of top customers reaching 80% of net revenue "
            "(refunds netted, quarantined rows excluded) dated <= period_end",
            "revenue_share_target": P.HIGH_VALUE_REVENUE_SHARE,
            "n_customers": int(len(hv)),
            "share_of_customers_with_revenue": float(
                len(hv) / max(1, int((truth_customers["revenue_to_period_end"] > 0).sum()))
            ),
            "revenue_share": float(hv["revenue_to_period_end"].sum() / total),
            "by_persona": {k: int(v) for k, v in hv["persona"].value_counts().sort_index().items()},
        },
        "refunds": {
            "share_planted": P.REFUND_SHARE,
            "n_rows": int(orders["is_refund"].sum()),
            "rule": "same customer, product and amount (negated, quantity negated) "
            "1-30 days after the purchase",
        },
        "satisfaction": {
            "dissatisfied_share": float(traits["dissatisfied"].mean()),
            "dissatisfied_share_by_persona": {p.name: p.dissatisfied_share for p in P.PERSONAS},
            "definition": "dissatisfied is a planted trait; observable proxy: latest NPS <= 6",
        },
        "subscriptions": summarise_subscriptions(planted_subs),
        "surveys": summarise_surveys(planted_surveys, truth_customers),
        "interactions": {"n_rows": int(len(interactions))},
        "defects": {"table": "transactions", **defects},
        "profiles": profiles,
        "files": [f"{k}.csv" for k in public]
        + ["truth/customers.parquet", "truth/surveys.parquet"]
        + profiles["files"],
    }
    tables = {**public, "truth_customers": truth_customers, "truth_surveys": planted_surveys,
              "truth_duplicates": duplicates, "truth_near_misses": near_misses}  # fmt: skip
    return tables, truth


def write_sample(out: str | Path, *, seed: int = 7, n_customers: int = 20_000) -> dict:
    """Write the synthetic CRM data set and its planted truth to ``out``.

    Parameters
    ----------
    out : str or pathlib.Path
        Output folder (created if missing; existing files are overwritten).
    seed : int
        Random seed; the files are byte-for-byte identical for the same seed and size.
    n_customers : int
        Number of customers (about 13 transactions each on average).

    Returns
    -------
    dict
        The planted truth, as written to ``out/truth.json``.

    Examples
    --------
    >>> import tempfile
    >>> truth = write_sample(tempfile.mkdtemp(), n_customers=300)
    >>> truth["n_customers"], truth["row_counts"]["customers"]
    (300, 303)
    """
    out = Path(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    tables, truth = generate_sample(seed=seed, n_customers=n_customers)
    for name in ("customers", "transactions", "subscriptions", "surveys", "interactions"):
        tables[name].to_csv(out / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
    tables["truth_customers"].to_parquet(out / "truth" / "customers.parquet", index=False)
    tables["truth_surveys"].to_parquet(out / "truth" / "surveys.parquet", index=False)
    for name in ("duplicates", "near_misses"):
        tables[f"truth_{name}"].to_csv(
            out / "truth" / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n"
        )
    text = json.dumps(truth, ensure_ascii=False, indent=2, default=_to_builtin)
    (out / "truth.json").write_text(text + "\n", encoding="utf-8")
    return json.loads(text)


def _to_builtin(value: object) -> object:
    """JSON fallback for numpy scalars."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")
