"""Planted parameters of the synthetic CRM data set.

Everything a recovery test may want to compare against lives here, once; the
simulation modules read these values and :func:`analysis.sample.write_sample`
copies them into ``truth.json``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

# The data window: three years of history; the last report period is 2026-10, so
# the rows dated 2026-11-01 .. 2026-11-20 are "after the period" for that report.
START = dt.date(2023, 11, 1)
END = dt.date(2026, 11, 20)
PERIOD_END = dt.date(2026, 10, 31)
WINDOW_DAYS = (END - START).days  # day index of END; day 0 is START
PERIOD_END_DAY = (PERIOD_END - START).days
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Persona:
    """One planted behavioural cluster (BG/NBD-like purchase process).

    Attributes
    ----------
    name, label_zh : str
        Identifier and the Chinese name a manager would use.
    share_individual, share_business : float
        Probability of the persona among individual and business customers.
    rate_shape, rate_mean_per_year : float
        Purchase rate ``lambda ~ Gamma(shape, mean / shape)`` in orders per year.
    dropout_a, dropout_b : float
        Per-purchase dropout probability ``p ~ Beta(a, b)``.
    order_value_median, order_value_sigma : float
        Spend per order is lognormal with this median (yuan) and log-scale sigma.
    dissatisfied_share : float
        Probability that a customer of this persona is dissatisfied.
    signup_a, signup_b : float
        Sign-up day is ``window_days * Beta(a, b)``: loyal personas are older customers.
    """

    name: str
    label_zh: str
    share_individual: float
    share_business: float
    rate_shape: float
    rate_mean_per_year: float
    dropout_a: float
    dropout_b: float
    order_value_median: float
    order_value_sigma: float
    dissatisfied_share: float
    signup_a: float
    signup_b: float


PERSONAS: tuple[Persona, ...] = (
    # name, label, share individual/business, rate shape/mean per year, dropout Beta a/b,
    # order value median/sigma, dissatisfied share, signup Beta a/b
    Persona("vip", "VIP高价值客户", 0.05, 0.25, 30.0, 52.0, 1.0, 2999.0, 1800.0, 0.20, 0.15,
            0.8, 1.8),
    Persona("regular", "常规客户", 0.27, 0.45, 30.0, 12.0, 1.0, 999.0, 350.0, 0.20, 0.22,
            0.9, 1.4),
    Persona("occasional", "偶尔购买客户", 0.34, 0.22, 30.0, 2.5, 1.0, 99.0, 80.0, 0.20, 0.28,
            1.0, 1.3),
    Persona("bargain", "低价一次性客户", 0.34, 0.08, 10.0, 0.3, 8.0, 4.0, 18.0, 0.20, 0.35,
            0.6, 2.0),
)  # fmt: skip
HIGH_VALUE_PERSONA = "vip"

BUSINESS_SHARE = 0.15
# Business orders are larger; kept modest so personas stay separable on order value.
BUSINESS_ORDER_VALUE_MULTIPLIER = 1.25
POTENTIAL_SHARE = 0.05  # 潜在客户: signed up, never purchase
FIRST_PURCHASE_MEAN_DAYS = 10.0
HIGH_VALUE_REVENUE_SHARE = 0.80
REFUND_SHARE = 0.02

# Satisfaction: a persistent trait; dissatisfied customers drop out faster.
DISSATISFIED_DROPOUT_MULTIPLIER = 3.0
LATENT_DISSATISFIED = (-1.2, 0.6)  # mean, sd of the latent for dissatisfied customers
LATENT_SATISFIED = (0.7, 0.7)
SCORE_INTERCEPT = 7.6
SCORE_SLOPE = 2.2
SCORE_NOISE_SD = 0.8

# Survey themes: planted effect of a mention on the 0-10 score (before rounding/clipping).
THEMES: dict[str, dict[str, float | str]] = {
    "delivery": {"zh": "物流", "weight": 0.22, "effect": -0.5},
    "price": {"zh": "价格", "weight": 0.20, "effect": -0.3},
    "quality": {"zh": "质量", "weight": 0.22, "effect": -0.6},
    "after_sales": {"zh": "售后服务", "weight": 0.12, "effect": -2.0},
    "staff": {"zh": "客服态度", "weight": 0.12, "effect": -0.8},
    "packaging": {"zh": "包装", "weight": 0.12, "effect": -0.2},
}
DRIVER_THEME = "after_sales"
EMPTY_COMMENT_SHARE = 0.15
LANGUAGE_SHARES = {"zh": 0.85, "en": 0.10, "mixed": 0.05}
PII_SHARE = 0.02
ANONYMOUS_SHARE = 0.03
SURVEY_RATE_PURCHASER = 0.22  # expected responses per purchasing customer
SURVEY_RATE_SUBSCRIBER = 1.5  # extra expected responses per subscriber

# Contract churn: Weibull proportional hazards, time in days from start_date.
WEIBULL_SHAPE = 1.2
WEIBULL_SCALE_DAYS = 950.0
SUBSCRIBE_PROB = {"business": 0.74, "individual": 0.057}
# Follow-up contact of contract customers (issue 12): owners and service agents call them
# at random (Poisson, the same rate whatever the customer's type or plan, so contact is
# independent of the planted covariates and their hazard ratios stay true without it) from
# signup on, whatever the customer does. A 30-day step of a contract (counted from its
# start) whose 90 days before hold a contact has its churn hazard multiplied by CONTACT_HR:
# the estimand of the follow-up page's model.
CONTACT_RATE_PER_YEAR = 2.0
CONTACT_HR = 0.6
CONTACT_WINDOW_DAYS = 90
CONTACT_STEP_DAYS = 30
PLAN_PROBS = {
    "business": {"basic": 0.25, "pro": 0.45, "enterprise": 0.30},
    "individual": {"basic": 0.85, "pro": 0.15, "enterprise": 0.0},
}
PLAN_FEES = {
    "basic": (49, 99, 149, 199),
    "pro": (499, 699, 999, 1299),
    "enterprise": (1999, 2999, 3999, 4999, 5999),
}
REMOTE_REGIONS = ("西南", "西北", "东北")
HAZARD_RATIOS: dict[str, dict[str, float | str]] = {
    "plan_pro": {
        "hr": 0.75,
        "coding": "1 if plan is 专业版 (pro) else 0; reference 基础版 (basic)",
    },
    "plan_enterprise": {
        "hr": 0.50,
        "coding": "1 if plan is 企业版 (enterprise) else 0; reference 基础版 (basic)",
    },
    "is_business": {"hr": 0.80, "coding": "1 if customer_type == 'business' else 0"},
    "monthly_fee_k": {"hr": 1.15, "coding": "monthly_fee / 1000 (per 1,000 yuan)"},
    "region_remote": {"hr": 1.30, "coding": "1 if region in (西南, 西北, 东北) else 0"},
    "dissatisfied": {
        "hr": 2.00,
        "coding": "1 if the customer's planted satisfaction trait is dissatisfied "
        "(observable proxy: latest NPS score <= 6)",
    },
}

REGIONS: dict[str, tuple[float, tuple[str, ...]]] = {
    "华东": (
        0.30,
        ("上海", "杭州", "南京", "苏州", "宁波", "合肥", "济南", "青岛", "福州", "厦门"),
    ),
    "华北": (0.17, ("北京", "天津", "石家庄", "太原", "呼和浩特")),
    "华南": (0.18, ("广州", "深圳", "东莞", "佛山", "南宁", "海口")),
    "华中": (0.12, ("武汉", "长沙", "郑州", "南昌")),
    "西南": (0.11, ("成都", "重庆", "昆明", "贵阳")),
    "西北": (0.06, ("西安", "兰州", "乌鲁木齐", "银川")),
    "东北": (0.06, ("沈阳", "大连", "哈尔滨", "长春")),
}
CHANNELS = ("线上商城", "门店", "直销", "代理商")
CHANNEL_PROBS = {"business": (0.15, 0.05, 0.55, 0.25), "individual": (0.60, 0.30, 0.02, 0.08)}
ACCOUNT_OWNERS = ("张伟", "李娜", "王磊", "刘洋", "陈静", "赵敏")
SERVICE_AGENTS = ("客服小周", "客服小林", "客服小吴")

# Planted data-quality defects in transactions.csv (counts at n_customers=20,000;
# scaled down for smaller sets, at least 1 each).
DEFECTS = {
    "exact_duplicate_rows": 40,
    "conflicting_order_ids": 10,
    "missing_customer_id": 15,
    "unparsable_amount": 5,
    "date_slash_format": 30,
    "date_chinese_format": 20,
    "amount_currency_format": 50,
    "unknown_customer_rows": 8,
}


def describe_personas() -> dict[str, dict]:
    """Return the persona parameters as plain dicts keyed by persona name.

    Returns
    -------
    dict
        ``{name: {field: value}}``, JSON-serialisable.

    Examples
    --------
    >>> describe_personas()["vip"]["order_value_median"]
    1800.0
    """
    return {p.name: asdict(p) for p in PERSONAS}
