"""Interactions: the follow-up log (客户跟进) of account owners and service agents."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.sample import params as P

_BUSINESS_KINDS = ("call", "visit", "meeting", "email", "wechat")
_BUSINESS_KIND_PROBS = (0.42, 0.20, 0.13, 0.15, 0.10)
_BUSINESS_RATE_PER_YEAR = 1.6
_INDIVIDUAL_SHARE = 0.08  # individuals who get any follow-up at all
_NOTES = {
    "call": ("电话回访，客户对近期交付满意", "电话沟通续约意向", "电话确认下季度采购计划",
             "电话跟进发票问题", "电话介绍新品，客户有兴趣"),
    "visit": ("上门拜访，了解使用情况", "上门拜访，收集改进建议", "拜访客户采购负责人"),
    "meeting": ("季度业务回顾会议", "商务洽谈，讨论长期合作协议", "年度框架协议沟通会"),
    "email": ("邮件发送促销信息", "邮件发送对账单", "邮件跟进报价"),
    "wechat": ("微信回访，客户反馈良好", "微信发送新品推荐", "微信提醒会员权益"),
}  # fmt: skip
_COMPLAINT_NOTES = (
    "客户反映售后响应慢，已升级处理",
    "客户投诉退款未到账",
    "客户表示考虑更换供应商",
)


def simulate_interactions(
    traits: pd.DataFrame,
    customers: pd.DataFrame,
    last_day: np.ndarray,
    rng: np.random.Generator,
    planned: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Simulate the follow-up log.

    Business accounts get regular calls, visits and meetings from their
    ``account_owner`` (Poisson, about 1.6 a year while active); a few individual
    customers get an occasional e-mail or WeChat from a service agent.
    Dissatisfied accounts' notes are sometimes complaints. Customers in ``planned``
    (the contract customers, whose contacts change their churn hazard) get exactly
    their planned contact days instead, up to 90 days after their last activity.

    Parameters
    ----------
    traits : pandas.DataFrame
        Customer traits (``signup_day``, ``customer_type``, ``dissatisfied``, ...).
    customers : pandas.DataFrame
        The public customers table (for ``account_owner``).
    last_day : numpy.ndarray
        Last day of activity per customer (NaN if never active).
    rng : numpy.random.Generator
        Source of randomness.
    planned : pandas.DataFrame, optional
        ``customer_idx``, ``day``: :func:`analysis.sample.contracts.draw_contact_plan`
        rows of the customers whose contacts are planned.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``date``, ``kind``, ``owner``, ``note``, sorted by date.

    Examples
    --------
    >>> from analysis.sample.people import draw_customers, format_customers
    >>> rng = np.random.default_rng(0)
    >>> t = draw_customers(rng, 200)
    >>> log = simulate_interactions(t, format_customers(t, rng), np.full(200, 900.0), rng)
    >>> set(log["kind"]) <= {"call", "visit", "meeting", "email", "wechat"}
    True
    """
    n = len(traits)
    business = (traits["customer_type"] == "business").to_numpy()
    start = traits["signup_day"].to_numpy().astype(float)
    stop = np.where(np.isnan(last_day), start + 60, np.minimum(last_day + 90, P.WINDOW_DAYS))
    span = np.maximum(stop - start, 0.0)
    rate = np.where(
        business,
        _BUSINESS_RATE_PER_YEAR * span / P.DAYS_PER_YEAR,
        np.where(rng.random(n) < _INDIVIDUAL_SHARE, 1.0 + 0.5 * span / P.DAYS_PER_YEAR, 0.0),
    )
    counts = rng.poisson(rate)
    if planned is not None:
        counts[np.unique(planned["customer_idx"].to_numpy())] = 0
    idx = np.repeat(np.arange(n), counts)
    day = np.floor(start[idx] + rng.random(idx.size) * (span[idx] + 1)).astype(int)
    day = np.minimum(day, P.WINDOW_DAYS)
    if planned is not None:
        keep = planned["day"].to_numpy() <= stop[planned["customer_idx"].to_numpy()]
        order = np.argsort(np.concatenate([idx, planned["customer_idx"].to_numpy()[keep]]),
                           kind="stable")  # fmt: skip
        idx = np.concatenate([idx, planned["customer_idx"].to_numpy()[keep]])[order]
        day = np.concatenate([day, planned["day"].to_numpy()[keep]])[order]
    is_b = business[idx]
    kind_b = np.array(_BUSINESS_KINDS)[rng.choice(5, size=idx.size, p=_BUSINESS_KIND_PROBS)]
    kind_i = np.where(rng.random(idx.size) < 0.5, "email", "wechat")
    kind = np.where(is_b, kind_b, kind_i)
    owner = np.where(
        is_b,
        customers["account_owner"].to_numpy()[idx],
        rng.choice(np.array(P.SERVICE_AGENTS), size=idx.size),
    )
    complaint = traits["dissatisfied"].to_numpy()[idx] & (rng.random(idx.size) < 0.3)
    pick = rng.random(idx.size)
    note = [
        _COMPLAINT_NOTES[int(u * len(_COMPLAINT_NOTES))]
        if c
        else _NOTES[k][int(u * len(_NOTES[k]))]
        for k, c, u in zip(kind, complaint, pick, strict=True)
    ]
    log = pd.DataFrame(
        {
            "customer_id": traits["customer_id"].to_numpy()[idx],
            "day": day,
            "kind": kind,
            "owner": owner,
            "note": note,
        }
    )
    log = log.sort_values(["day", "customer_id"], kind="stable").reset_index(drop=True)
    date = (pd.Timestamp(P.START) + pd.to_timedelta(log["day"].to_numpy(), unit="D")).strftime(
        "%Y-%m-%d"
    )
    log.insert(1, "date", date)
    return log.drop(columns="day")
