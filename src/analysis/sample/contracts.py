"""Subscriptions: contract churn from a Weibull proportional-hazards model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.sample import params as P

PLAN_ZH = {"basic": "基础版", "pro": "专业版", "enterprise": "企业版"}


def compute_covariates(plan: np.ndarray, traits: pd.DataFrame, fee: np.ndarray) -> pd.DataFrame:
    """Code the planted Cox covariates exactly as ``truth.json`` documents them.

    Parameters
    ----------
    plan : numpy.ndarray
        Plan per subscriber (``basic``, ``pro``, ``enterprise``).
    traits : pandas.DataFrame
        Customer traits of the same subscribers, in the same order.
    fee : numpy.ndarray
        Monthly fee in yuan.

    Returns
    -------
    pandas.DataFrame
        One column per key of :data:`params.HAZARD_RATIOS`, as floats.

    Examples
    --------
    >>> t = pd.DataFrame({"customer_type": ["business"], "region": ["西北"],
    ...                   "dissatisfied": [True]})
    >>> compute_covariates(np.array(["pro"]), t, np.array([999])).iloc[0].tolist()
    [1.0, 0.0, 1.0, 0.999, 1.0, 1.0]
    """
    cov = pd.DataFrame(
        {
            "plan_pro": plan == "pro",
            "plan_enterprise": plan == "enterprise",
            "is_business": traits["customer_type"].to_numpy() == "business",
            "monthly_fee_k": np.asarray(fee, dtype=float) / 1000.0,
            "region_remote": np.isin(traits["region"].to_numpy(), P.REMOTE_REGIONS),
            "dissatisfied": traits["dissatisfied"].to_numpy(),
        }
    ).astype(float)
    return cov[list(P.HAZARD_RATIOS)]


def simulate_subscriptions(
    traits: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pick contract customers and draw their subscription lifetimes.

    Lifetimes follow ``S(t | x) = exp(-(t / scale) ** shape * exp(x @ beta))`` with
    ``beta = log(HR)``; ends after the data end are administratively censored
    (``end_date`` empty).

    Parameters
    ----------
    traits : pandas.DataFrame
        Output of :func:`analysis.sample.people.draw_customers`.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    table : pandas.DataFrame
        The public ``subscriptions.csv``: ``customer_id``, ``start_date``,
        ``end_date``, ``plan``, ``monthly_fee``.
    planted : pandas.DataFrame
        One row per subscriber: ``customer_idx``, ``start_day``, ``end_day``
        (NaN if censored), ``plan``, ``monthly_fee``, the covariates of
        :func:`compute_covariates`, ``log_hazard_ratio`` and ``latent_duration_days``.

    Examples
    --------
    >>> from analysis.sample.people import draw_customers
    >>> rng = np.random.default_rng(3)
    >>> table, planted = simulate_subscriptions(draw_customers(rng, 500), rng)
    >>> list(table.columns)
    ['customer_id', 'start_date', 'end_date', 'plan', 'monthly_fee']
    """
    n = len(traits)
    business = (traits["customer_type"] == "business").to_numpy()
    prob = np.where(business, P.SUBSCRIBE_PROB["business"], P.SUBSCRIBE_PROB["individual"])
    start = traits["signup_day"].to_numpy() + np.floor(rng.exponential(30.0, size=n)).astype(int)
    chosen = (rng.random(n) < prob) & ~traits["is_potential"].to_numpy() & (start < P.WINDOW_DAYS)
    idx = np.flatnonzero(chosen)
    sub = traits.iloc[idx].reset_index(drop=True)
    is_b = business[idx]

    plans = np.array(list(PLAN_ZH))
    pb = [P.PLAN_PROBS["business"][p] for p in plans]
    pi = [P.PLAN_PROBS["individual"][p] for p in plans]
    plan = np.where(
        is_b, plans[rng.choice(3, size=idx.size, p=pb)], plans[rng.choice(3, size=idx.size, p=pi)]
    )
    fee_u = rng.random(idx.size)
    fee = np.array(
        [P.PLAN_FEES[p][int(u * len(P.PLAN_FEES[p]))] for p, u in zip(plan, fee_u, strict=True)]
    )
    cov = compute_covariates(plan, sub, fee)
    beta = np.log([P.HAZARD_RATIOS[c]["hr"] for c in cov.columns])
    lp = cov.to_numpy() @ beta
    e = rng.exponential(1.0, size=idx.size)
    duration = P.WEIBULL_SCALE_DAYS * (e / np.exp(lp)) ** (1.0 / P.WEIBULL_SHAPE)
    end = start[idx] + np.maximum(np.ceil(duration), 1.0)
    end_day = np.where(end <= P.WINDOW_DAYS, end, np.nan)

    planted = pd.concat(
        [
            pd.DataFrame(
                {
                    "customer_idx": idx,
                    "start_day": start[idx],
                    "end_day": end_day,
                    "plan": plan,
                    "monthly_fee": fee,
                }
            ),
            cov,
        ],
        axis=1,
    )
    planted["log_hazard_ratio"] = lp
    planted["latent_duration_days"] = duration
    origin = pd.Timestamp(P.START)
    start_date = (origin + pd.to_timedelta(start[idx], unit="D")).strftime("%Y-%m-%d")
    end_ts = origin + pd.to_timedelta(np.nan_to_num(end_day), unit="D")
    end_date = np.where(np.isnan(end_day), "", end_ts.strftime("%Y-%m-%d"))
    table = pd.DataFrame(
        {
            "customer_id": sub["customer_id"].to_numpy(),
            "start_date": start_date,
            "end_date": end_date,
            "plan": [PLAN_ZH[p] for p in plan],
            "monthly_fee": fee.astype(int),
        }
    )
    order = np.lexsort((table["customer_id"].to_numpy(), start[idx]))
    return table.iloc[order].reset_index(drop=True), planted.iloc[order].reset_index(drop=True)
