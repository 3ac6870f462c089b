"""Purchases: a BG/NBD-like buy-till-you-die process per customer, and refunds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.sample import params as P

# category -> {product: typical unit price in yuan}
CATEGORIES: dict[str, dict[str, float]] = {
    "数码电子": {"蓝牙耳机": 299, "智能手表": 1299, "移动电源": 129, "平板电脑": 2999,
                 "机械键盘": 399, "显示器": 1499},
    "家居用品": {"乳胶枕": 199, "四件套": 399, "收纳箱": 59, "香薰机": 159, "保温杯": 89},
    "服装鞋帽": {"运动鞋": 599, "羽绒服": 899, "衬衫": 199, "牛仔裤": 299, "棒球帽": 79},
    "食品饮料": {"有机大米": 69, "坚果礼盒": 129, "咖啡豆": 119, "茶叶": 299, "进口牛奶": 79},
    "美妆个护": {"面霜": 399, "精华液": 599, "洗发水": 69, "防晒霜": 129, "电动牙刷": 299},
    "办公用品": {"打印纸": 39, "文件柜": 899, "办公椅": 1299, "投影仪": 3999, "签字笔套装": 29},
}  # fmt: skip
_CATEGORY_PROBS = {
    "business": (0.28, 0.10, 0.05, 0.12, 0.05, 0.40),
    "individual": (0.20, 0.20, 0.20, 0.18, 0.17, 0.05),
}
_PRICE_FIT_SD = 0.8  # log-scale tolerance between spend per unit and a product's price


def simulate_purchases(
    traits: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate every customer's purchase days and spend.

    Each customer buys at rate ``lambda`` (Poisson process) from a first purchase
    shortly after sign-up; after each purchase they drop out with probability
    ``p`` and never buy again (BG/NBD). Dissatisfied customers have ``p`` raised.

    Parameters
    ----------
    traits : pandas.DataFrame
        Output of :func:`analysis.sample.people.draw_customers`.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    purchases : pandas.DataFrame
        One row per purchase: ``customer_idx`` (row of ``traits``), ``day`` (days
        after the window start), ``amount`` (yuan, 2 decimals).
    process : pandas.DataFrame
        One row per customer: ``purchase_rate_per_year``, ``dropout_prob``,
        ``order_value_median``, ``n_purchases_in_window``, ``dropout_day``
        (float, NaN if not dropped by the data end).

    Examples
    --------
    >>> from analysis.sample.people import draw_customers
    >>> rng = np.random.default_rng(1)
    >>> buys, process = simulate_purchases(draw_customers(rng, 50), rng)
    >>> bool((buys["amount"] > 0).all())
    True
    """
    n = len(traits)
    by_name = {p.name: p for p in P.PERSONAS}
    per = [by_name[x] for x in traits["persona"]]
    shape = np.array([p.rate_shape for p in per])
    mean = np.array([p.rate_mean_per_year for p in per])
    rate_year = rng.gamma(shape, mean / shape)
    p_drop = rng.beta([p.dropout_a for p in per], [p.dropout_b for p in per])
    dissatisfied = traits["dissatisfied"].to_numpy()
    p_drop = np.where(
        dissatisfied, np.minimum(p_drop * P.DISSATISFIED_DROPOUT_MULTIPLIER, 0.95), p_drop
    )
    n_until_dropout = rng.geometric(p_drop)
    first = traits["signup_day"].to_numpy() + rng.exponential(P.FIRST_PURCHASE_MEAN_DAYS, size=n)
    potential = traits["is_potential"].to_numpy() | (first > P.WINDOW_DAYS + 1)

    rate_day = rate_year / P.DAYS_PER_YEAR
    horizon = np.maximum(P.WINDOW_DAYS + 1 - first, 0.0)
    cap = np.ceil(rate_day * horizon * 2.0 + 20).astype(int)
    counts = np.where(potential, 0, np.minimum(n_until_dropout, cap))
    owner = np.repeat(np.arange(n), counts)
    gaps = rng.exponential(1.0, size=owner.size) / rate_day[owner]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    gaps[starts[counts > 0]] = 0.0  # the first purchase sits at `first`
    csum = np.cumsum(gaps)
    times = first[owner] + csum - csum[np.repeat(starts, counts)]
    day = np.floor(times).astype(int)
    keep = day <= P.WINDOW_DAYS
    capped = (counts == cap) & (counts < n_until_dropout)
    if np.any(keep[np.cumsum(counts)[capped] - 1]):
        raise RuntimeError("purchase cap reached inside the window; raise the cap")

    in_window = np.bincount(owner[keep], minlength=n)
    dropped = (~potential) & (n_until_dropout <= in_window)
    last_idx = np.cumsum(counts) - 1
    dropout_day = np.full(n, np.nan)
    dropout_day[dropped] = day[last_idx[dropped]]

    median = np.array([p.order_value_median for p in per])
    sigma = np.array([p.order_value_sigma for p in per])
    business = (traits["customer_type"] == "business").to_numpy()
    median = median * np.where(business, P.BUSINESS_ORDER_VALUE_MULTIPLIER, 1.0)
    owner_k = owner[keep]
    log_amount = np.log(median[owner_k]) + sigma[owner_k] * rng.standard_normal(owner_k.size)
    amount = np.maximum(np.round(np.exp(log_amount), 2), 1.0)
    purchases = pd.DataFrame({"customer_idx": owner_k, "day": day[keep], "amount": amount})
    process = pd.DataFrame(
        {
            "purchase_rate_per_year": rate_year,
            "dropout_prob": p_drop,
            "order_value_median": median,
            "n_purchases_in_window": in_window,
            "dropout_day": dropout_day,
        }
    )
    return purchases, process


def build_transactions(
    purchases: pd.DataFrame, traits: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Turn simulated purchases into order rows, adding refunds.

    About :data:`params.REFUND_SHARE` of purchases are refunded 1–30 days later
    (never after the data end) by a row with the negated amount and quantity.

    Parameters
    ----------
    purchases : pandas.DataFrame
        First output of :func:`simulate_purchases`.
    traits : pandas.DataFrame
        Output of :func:`analysis.sample.people.draw_customers`.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        Sorted by date, columns ``order_id``, ``customer_id``, ``day``, ``amount``
        (float), ``quantity`` (int), ``product``, ``category``, ``channel``,
        ``is_refund``.

    Examples
    --------
    >>> from analysis.sample.people import draw_customers
    >>> rng = np.random.default_rng(1)
    >>> traits = draw_customers(rng, 50)
    >>> orders = build_transactions(simulate_purchases(traits, rng)[0], traits, rng)
    >>> orders["order_id"].is_unique
    True
    """
    m = len(purchases)
    idx = purchases["customer_idx"].to_numpy()
    amount = purchases["amount"].to_numpy()
    business = (traits["customer_type"] == "business").to_numpy()[idx]
    quantity = 1 + np.where(business, rng.poisson(2.0, size=m), rng.poisson(0.3, size=m))
    # A product is drawn by category preference times how well its price fits the
    # spend per unit (Gumbel-max sampling), so cheap orders are not tablets.
    cats = list(CATEGORIES)
    prod_cat = np.array([c for c in cats for _ in CATEGORIES[c]])
    prod_name = np.array([p for c in cats for p in CATEGORIES[c]])
    log_price = np.log([v for c in cats for v in CATEGORIES[c].values()])
    cat_pos = np.array([cats.index(c) for c in prod_cat])
    pref = np.where(
        business[:, None],
        np.log(_CATEGORY_PROBS["business"])[cat_pos],
        np.log(_CATEGORY_PROBS["individual"])[cat_pos],
    )
    misfit = (np.log(amount / quantity)[:, None] - log_price[None, :]) / _PRICE_FIT_SD
    choice = np.argmax(pref - 0.5 * misfit**2 + rng.gumbel(size=(m, prod_name.size)), axis=1)
    product, category = prod_name[choice], prod_cat[choice]
    own_channel = traits["channel"].to_numpy()[idx]
    other = rng.choice(np.array(P.CHANNELS), size=m)
    channel = np.where(rng.random(m) < 0.8, own_channel, other)
    orders = pd.DataFrame(
        {
            "customer_idx": idx,
            "day": purchases["day"].to_numpy(),
            "amount": purchases["amount"].to_numpy(),
            "quantity": quantity,
            "product": product,
            "category": category,
            "channel": channel,
            "is_refund": False,
        }
    )
    refunded = rng.random(m) < P.REFUND_SHARE / (1 - P.REFUND_SHARE)
    refunds = orders[refunded].copy()
    refunds["day"] = refunds["day"] + rng.integers(1, 31, size=len(refunds))
    refunds = refunds[refunds["day"] <= P.WINDOW_DAYS]
    refunds["amount"] = -refunds["amount"]
    refunds["quantity"] = -refunds["quantity"]
    refunds["is_refund"] = True
    allrows = pd.concat([orders, refunds], ignore_index=True)
    allrows = allrows.sort_values(["day", "customer_idx", "is_refund"], kind="stable")
    allrows = allrows.reset_index(drop=True)
    allrows.insert(0, "order_id", [f"O{i:07d}" for i in range(1, len(allrows) + 1)])
    allrows.insert(1, "customer_id", traits["customer_id"].to_numpy()[allrows["customer_idx"]])
    return allrows.drop(columns="customer_idx")
