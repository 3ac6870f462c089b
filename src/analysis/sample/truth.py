"""The planted truth: per-customer table and the summary written to ``truth.json``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.sample import params as P
from analysis.sample.contracts import PLAN_ZH


def _to_date(day: np.ndarray) -> pd.Series:
    """Day offsets (float, NaN allowed) to datetime64 dates (NaT where NaN)."""
    day = np.asarray(day, dtype=float)
    dates = pd.Series(pd.Timestamp(P.START) + pd.to_timedelta(np.nan_to_num(day), unit="D"))
    return dates.dt.normalize().mask(np.isnan(day))


def compute_revenue_groups(
    orders: pd.DataFrame, kept: np.ndarray, customer_ids: pd.Series
) -> pd.DataFrame:
    """Compute revenue to the period end and the derived high-value group.

    Revenue is net of refunds, over rows dated on or before :data:`params.PERIOD_END`
    that a cleaner keeps (quarantined rows excluded, duplicates counted once).
    The high-value group (高价值客户) is the smallest set of top customers whose
    revenue reaches :data:`params.HIGH_VALUE_REVENUE_SHARE` of the total.

    Parameters
    ----------
    orders : pandas.DataFrame
        Output of :func:`analysis.sample.purchases.build_transactions`.
    kept : numpy.ndarray of bool
        Per row of ``orders``, whether it survives cleaning.
    customer_ids : pandas.Series
        All customer ids, in customer order.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``customer_ids``: ``revenue_to_period_end``,
        ``n_orders_to_period_end`` (purchases, refunds excluded), ``high_value``.

    Examples
    --------
    >>> o = pd.DataFrame({"customer_id": ["C1", "C2", "C2"], "day": [1, 2, 3],
    ...                   "amount": [10.0, 50.0, 45.0], "is_refund": [False] * 3})
    >>> g = compute_revenue_groups(o, np.ones(3, bool), pd.Series(["C1", "C2"]))
    >>> g["high_value"].tolist()
    [False, True]
    """
    live = orders[kept & (orders["day"].to_numpy() <= P.PERIOD_END_DAY)]
    revenue = live.groupby("customer_id")["amount"].sum()
    n_orders = live[~live["is_refund"]].groupby("customer_id").size()
    frame = pd.DataFrame({"customer_id": customer_ids.to_numpy()})
    frame["revenue_to_period_end"] = frame["customer_id"].map(revenue).fillna(0.0).round(2)
    frame["n_orders_to_period_end"] = frame["customer_id"].map(n_orders).fillna(0).astype(int)
    ranked = frame.sort_values(
        ["revenue_to_period_end", "customer_id"], ascending=[False, True], kind="stable"
    )
    total = ranked["revenue_to_period_end"].clip(lower=0).sum()
    before = ranked["revenue_to_period_end"].clip(lower=0).cumsum().shift(fill_value=0.0)
    top = (before < P.HIGH_VALUE_REVENUE_SHARE * total) & (ranked["revenue_to_period_end"] > 0)
    frame["high_value"] = top.reindex(frame.index).to_numpy()
    return frame.drop(columns="customer_id")


def build_truth_customers(
    traits: pd.DataFrame,
    process: pd.DataFrame,
    revenue: pd.DataFrame,
    planted_subs: pd.DataFrame,
    planted_surveys: pd.DataFrame,
) -> pd.DataFrame:
    """Assemble ``truth/customers.parquet``: one row per customer.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``customer_type``, ``persona``, ``persona_label_zh``,
        ``high_value_persona``, ``is_potential``, ``signup_date``,
        ``purchase_rate_per_year``, ``dropout_prob``, ``order_value_median``,
        ``n_purchases_in_window``, ``dropout_date`` (null if none by the data end),
        ``alive_at_end`` and ``alive_at_period_end`` (null for never-purchasers),
        ``satisfaction_latent``, ``dissatisfied``, ``latest_nps_score``,
        ``latest_nps_dissatisfied``, ``revenue_to_period_end``,
        ``n_orders_to_period_end``, ``high_value``, ``subscriber``, ``plan``,
        ``plan_zh``, ``monthly_fee``, ``sub_start_date``, ``sub_end_date``, the Cox
        covariates (``plan_pro``, ``plan_enterprise``, ``is_business``,
        ``monthly_fee_k``, ``region_remote``; NaN for non-subscribers),
        ``sub_log_hazard_ratio`` and ``sub_latent_duration_days``.
    """
    labels = {p.name: p.label_zh for p in P.PERSONAS}
    truth = traits[["customer_id", "customer_type", "persona"]].copy()
    truth["persona_label_zh"] = truth["persona"].map(labels)
    truth["high_value_persona"] = truth["persona"] == P.HIGH_VALUE_PERSONA
    truth["region"] = traits["region"]
    bought = process["n_purchases_in_window"].to_numpy() > 0
    truth["is_potential"] = ~bought
    truth["planted_potential"] = traits["is_potential"]
    truth["signup_date"] = _to_date(traits["signup_day"].to_numpy().astype(float))
    for col in (
        "purchase_rate_per_year",
        "dropout_prob",
        "order_value_median",
        "n_purchases_in_window",
    ):
        truth[col] = process[col].to_numpy()
    dropout = process["dropout_day"].to_numpy()
    truth["dropout_date"] = _to_date(dropout)
    alive_end = pd.array(np.isnan(dropout), dtype="boolean")
    alive_end[~bought] = pd.NA
    alive_period = pd.array(np.isnan(dropout) | (dropout > P.PERIOD_END_DAY), dtype="boolean")
    alive_period[~bought] = pd.NA
    truth["alive_at_end"] = alive_end
    truth["alive_at_period_end"] = alive_period
    truth["satisfaction_latent"] = traits["satisfaction_latent"]
    truth["dissatisfied"] = traits["dissatisfied"]

    seen = planted_surveys[planted_surveys["day"] <= P.PERIOD_END_DAY]
    latest = seen.sort_values("day", kind="stable").groupby("true_customer_id")["score"].last()
    score = truth["customer_id"].map(latest)
    truth["latest_nps_score"] = score.astype("Int64")
    truth["latest_nps_dissatisfied"] = (score <= 6).astype("boolean").mask(score.isna())
    truth = pd.concat([truth, revenue.reset_index(drop=True)], axis=1)

    subs = planted_subs.set_index("customer_idx")
    pos = np.arange(len(truth))
    truth["subscriber"] = np.isin(pos, subs.index)
    truth["plan"] = pd.Series(pos).map(subs["plan"])
    truth["plan_zh"] = truth["plan"].map(PLAN_ZH)
    truth["monthly_fee"] = pd.Series(pos).map(subs["monthly_fee"])
    truth["sub_start_date"] = _to_date(pd.Series(pos).map(subs["start_day"]).to_numpy(float))
    truth["sub_end_date"] = _to_date(pd.Series(pos).map(subs["end_day"]).to_numpy(float))
    for col in P.HAZARD_RATIOS:
        if col != "dissatisfied":
            truth[col] = pd.Series(pos).map(subs[col]).to_numpy(float)
    truth["sub_log_hazard_ratio"] = pd.Series(pos).map(subs["log_hazard_ratio"]).to_numpy(float)
    truth["sub_latent_duration_days"] = (
        pd.Series(pos).map(subs["latent_duration_days"]).to_numpy(float)
    )
    return truth


def count_rows_after_period(tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Count, per table, the rows whose event date is after :data:`params.PERIOD_END`.

    Dates not in ISO form (planted defects) all lie inside the period.

    Examples
    --------
    >>> count_rows_after_period({"surveys": pd.DataFrame({"response_date": ["2026-11-02"]})})
    {'surveys': 1}
    """
    columns = {
        "customers": "signup_date",
        "transactions": "order_date",
        "subscriptions": "start_date",
        "surveys": "response_date",
        "interactions": "date",
    }
    cutoff = pd.Timestamp(P.PERIOD_END)
    out = {}
    for name, frame in tables.items():
        when = pd.to_datetime(frame[columns[name]], format="%Y-%m-%d", errors="coerce")
        out[name] = int((when > cutoff).sum())
    return out


def summarise_subscriptions(planted: pd.DataFrame) -> dict:
    """Summarise the planted contract-churn model for ``truth.json``."""
    end = planted["end_day"].to_numpy()
    start = planted["start_day"].to_numpy()
    in_period = start < P.PERIOD_END_DAY
    return {
        "n_subscribers": int(len(planted)),
        "plan_values": {zh: en for en, zh in PLAN_ZH.items()},
        "baseline": {
            "distribution": "weibull",
            "shape": P.WEIBULL_SHAPE,
            "scale_days": P.WEIBULL_SCALE_DAYS,
            "cumulative_hazard": "H(t | x) = (t / scale_days) ** shape * exp(x @ log(hr))",
        },
        "covariates": {
            name: {"hr": spec["hr"], "log_hr": float(np.log(spec["hr"])), "coding": spec["coding"]}
            for name, spec in P.HAZARD_RATIOS.items()
        },
        "contact_effect": {
            "hr": P.CONTACT_HR,
            "log_hr": float(np.log(P.CONTACT_HR)),
            "rate_per_year": P.CONTACT_RATE_PER_YEAR,
            "window_days": P.CONTACT_WINDOW_DAYS,
            "step_days": P.CONTACT_STEP_DAYS,
            "coding": "time-varying: the hazard of each 30-day step of a contract (counted "
            "from start_date) is multiplied by hr when the customer's interactions hold a "
            "contact in the 90 days before the step's start; contacts are Poisson from signup "
            "at rate_per_year for every customer, independent of everything else",
        },
        "duration": "days from start_date to end_date (event) or to the censor date",
        "censor_date": P.END.isoformat(),
        "event_share_at_data_end": float(np.mean(~np.isnan(end))),
        "n_in_period": int(in_period.sum()),
        "event_share_at_period_end": float(
            np.mean((~np.isnan(end[in_period])) & (end[in_period] <= P.PERIOD_END_DAY))
        ),
    }


def summarise_surveys(planted: pd.DataFrame, truth_customers: pd.DataFrame) -> dict:
    """Summarise the planted survey structure for ``truth.json``."""
    has_comment = planted["themes"] != ""
    lang = planted.loc[has_comment, "language"].value_counts()
    pii = planted.loc[planted["pii_kind"] != "", "pii_kind"].value_counts()
    score = planted["score"]
    answered = truth_customers["latest_nps_dissatisfied"].notna()
    agree = (
        truth_customers.loc[answered, "latest_nps_dissatisfied"].astype(bool)
        == truth_customers.loc[answered, "dissatisfied"]
    ).mean()
    return {
        "n_responses": int(len(planted)),
        "n_anonymous": int(planted["anonymous"].sum()),
        "n_respondents": int(planted["true_customer_id"].nunique()),
        "n_empty_comments": int((~has_comment).sum()),
        "languages": {k: int(lang.get(k, 0)) for k in P.LANGUAGE_SHARES},
        "language_shares_planted": P.LANGUAGE_SHARES,
        "pii": {
            **{k: int(pii.get(k, 0)) for k in ("phone", "email", "id_card")},
            "total": int(pii.sum()),
        },
        "themes": {k: {"zh": v["zh"], "effect_on_score": v["effect"]} for k, v in P.THEMES.items()},
        "driver_theme": {
            "key": P.DRIVER_THEME,
            "zh": P.THEMES[P.DRIVER_THEME]["zh"],
            "en": "after-sales service",
            "effect_on_score": P.THEMES[P.DRIVER_THEME]["effect"],
        },
        "score_model": (
            f"score = clip(round({P.SCORE_INTERCEPT} + {P.SCORE_SLOPE} * latent + "
            f"N(0, {P.SCORE_NOISE_SD}) + sum(theme effects of mentioned themes)), 0, 10); "
            "csat = clip(round(1 + 0.4 * score + N(0, 0.5)), 1, 5)"
        ),
        "latent": {
            "dissatisfied": {"mean": P.LATENT_DISSATISFIED[0], "sd": P.LATENT_DISSATISFIED[1]},
            "satisfied": {"mean": P.LATENT_SATISFIED[0], "sd": P.LATENT_SATISFIED[1]},
        },
        "nps": {
            "promoters": int((score >= 9).sum()),
            "passives": int(score.between(7, 8).sum()),
            "detractors": int((score <= 6).sum()),
        },
        "latest_nps_agrees_with_dissatisfied_trait": float(agree),
    }
