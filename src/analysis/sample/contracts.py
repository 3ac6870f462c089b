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


def draw_contact_plan(traits: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Days on which each customer would be contacted, from signup to the data end.

    A Poisson process per customer at :data:`params.CONTACT_RATE_PER_YEAR`, drawn before
    anything the customer does and the same for every customer: contact is random. The
    contracts use it in their hazard; the follow-up log keeps the contract customers'
    contacts up to 90 days after they leave.

    Parameters
    ----------
    traits : pandas.DataFrame
        Output of :func:`analysis.sample.people.draw_customers`.
    rng : numpy.random.Generator
        Source of randomness (its own stream).

    Returns
    -------
    pandas.DataFrame
        ``customer_idx`` (row of ``traits``), ``day`` (days after the window start),
        sorted by both.

    Examples
    --------
    >>> from analysis.sample.people import draw_customers
    >>> plan = draw_contact_plan(draw_customers(np.random.default_rng(0), 50),
    ...                          np.random.default_rng(1))
    >>> list(plan.columns), bool(plan["day"].between(0, P.WINDOW_DAYS).all())
    (['customer_idx', 'day'], True)
    """
    rate = P.CONTACT_RATE_PER_YEAR
    start = traits["signup_day"].to_numpy().astype(float)
    span = np.maximum(P.WINDOW_DAYS - start, 0.0)
    counts = rng.poisson(rate * span / P.DAYS_PER_YEAR)
    idx = np.repeat(np.arange(len(traits)), counts)
    day = np.floor(start[idx] + rng.random(idx.size) * (span[idx] + 1)).astype(int)
    plan = pd.DataFrame({"customer_idx": idx, "day": np.minimum(day, P.WINDOW_DAYS)})
    return plan.sort_values(["customer_idx", "day"], ignore_index=True)


def _contacted_steps(days: np.ndarray, start: float, n_steps: int) -> np.ndarray:
    """Whether the 90 days before each 30-day step's start hold a contact."""
    step_start = start + P.CONTACT_STEP_DAYS * np.arange(n_steps)
    hi = np.searchsorted(days, step_start, side="left")  # days < step start
    lo = np.searchsorted(days, step_start - P.CONTACT_WINDOW_DAYS, side="left")
    return hi > lo


def _lifetimes(
    e: np.ndarray, lp: np.ndarray, start: np.ndarray, contact_days: list[np.ndarray]
) -> np.ndarray:
    """Invert the cumulative hazard, piecewise over 30-day steps with the contact effect.

    ``H(t) = sum over steps of m_k * exp(lp) * ((b/scale)^shape - (a/scale)^shape)`` for
    the part ``[a, b)`` of step ``k`` before ``t``, with ``m_k = CONTACT_HR`` when the
    step's 90 days before hold a contact, else 1. Without contacts this is the plain
    Weibull draw ``scale * (e / exp(lp)) ** (1 / shape)``.
    """
    shape, scale, step = P.WEIBULL_SHAPE, P.WEIBULL_SCALE_DAYS, P.CONTACT_STEP_DAYS
    n_steps = P.WINDOW_DAYS // step + 2  # beyond the data end the multiplier is 1
    edges = step * np.arange(n_steps + 1) / scale
    base = np.diff(edges**shape)
    out = np.empty(e.size)
    for j in range(e.size):
        m = np.where(_contacted_steps(contact_days[j], start[j], n_steps), P.CONTACT_HR, 1.0)
        inc = m * np.exp(lp[j]) * base
        cum = np.concatenate([[0.0], np.cumsum(inc)])
        r = int(np.searchsorted(cum, e[j], side="right")) - 1  # step where H reaches e
        mult = m[r] if r < n_steps else 1.0
        out[j] = scale * (edges[r] ** shape + (e[j] - cum[r]) / (mult * np.exp(lp[j]))) ** (
            1.0 / shape
        )
    return out


def simulate_subscriptions(
    traits: pd.DataFrame, rng: np.random.Generator, contacts: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pick contract customers and draw their subscription lifetimes.

    Lifetimes follow ``S(t | x) = exp(-(t / scale) ** shape * exp(x @ beta))`` with
    ``beta = log(HR)``; ends after the data end are administratively censored
    (``end_date`` empty). With ``contacts``, the hazard of a 30-day step of the
    contract whose 90 days before hold a contact is multiplied by
    :data:`params.CONTACT_HR` (a time-varying proportional hazard).

    Parameters
    ----------
    traits : pandas.DataFrame
        Output of :func:`analysis.sample.people.draw_customers`.
    rng : numpy.random.Generator
        Source of randomness.
    contacts : pandas.DataFrame, optional
        :func:`draw_contact_plan` output; ``None`` plants no contact effect.

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
    if contacts is None:
        duration = P.WEIBULL_SCALE_DAYS * (e / np.exp(lp)) ** (1.0 / P.WEIBULL_SHAPE)
    else:
        by_customer = dict(tuple(contacts.groupby("customer_idx")["day"]))
        none = np.empty(0)
        days = [np.sort(by_customer[i].to_numpy(float)) if i in by_customer else none
                for i in idx]  # fmt: skip
        duration = _lifetimes(e, lp, start[idx].astype(float), days)
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
