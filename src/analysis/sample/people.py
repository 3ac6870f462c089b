"""Customers: planted traits and the public ``customers.csv`` columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.sample import params as P

_SURNAMES = {
    "王": "wang", "李": "li", "张": "zhang", "刘": "liu", "陈": "chen", "杨": "yang",
    "黄": "huang", "赵": "zhao", "吴": "wu", "周": "zhou", "徐": "xu", "孙": "sun",
    "马": "ma", "朱": "zhu", "胡": "hu", "郭": "guo", "何": "he", "高": "gao",
    "林": "lin", "罗": "luo", "郑": "zheng", "梁": "liang", "谢": "xie", "宋": "song",
}  # fmt: skip
_GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰飞鹏辉红建文晨宇轩浩然欣怡子涵梓萱佳琪雨婷"
)
_COMPANY_WORDS = (
    "恒通", "华盛", "鑫源", "瑞丰", "宏达", "博远", "嘉禾", "中科", "天成", "永信", "汇金", "金诚",
    "新锐", "远航", "盛世", "联创", "东方", "德润", "启明", "万象", "长风", "腾跃", "信达", "和泰",
)  # fmt: skip
_INDUSTRIES = {
    "制造业": ("机械制造", "电子科技", "精密仪器"),
    "零售": ("贸易", "商贸", "百货"),
    "餐饮": ("餐饮管理", "食品"),
    "教育": ("教育科技", "文化传播"),
    "医疗": ("医疗器械", "健康科技"),
    "互联网": ("网络科技", "信息技术", "软件"),
    "物流": ("物流", "供应链管理"),
    "建筑": ("建筑工程", "装饰工程"),
}
_MOBILE_PREFIXES = (
    "138", "139", "137", "136", "135", "150", "151", "152", "158", "159",
    "186", "187", "188", "189", "177", "176", "199", "133", "153", "180",
)  # fmt: skip
_FREE_MAIL = ("qq.com", "163.com", "126.com", "gmail.com", "sina.com", "outlook.com")
_MAIL_PREFIXES = ("sales", "info", "contact", "purchase", "admin", "service")
_LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def draw_customers(rng: np.random.Generator, n_customers: int) -> pd.DataFrame:
    """Draw the planted traits of every customer.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n_customers : int
        Number of customers.

    Returns
    -------
    pandas.DataFrame
        One row per customer with columns ``customer_id``, ``customer_type``,
        ``persona``, ``is_potential``, ``signup_day`` (days after the window start),
        ``region``, ``city``, ``channel``, ``dissatisfied`` and ``satisfaction_latent``.

    Examples
    --------
    >>> frame = draw_customers(np.random.default_rng(0), 10)
    >>> len(frame), frame["customer_id"].iloc[0]
    (10, 'C000001')
    """
    n = n_customers
    business = rng.random(n) < P.BUSINESS_SHARE
    ctype = np.where(business, "business", "individual")
    names = np.array([p.name for p in P.PERSONAS])
    share_b = np.array([p.share_business for p in P.PERSONAS])
    share_i = np.array([p.share_individual for p in P.PERSONAS])
    persona_b = rng.choice(len(names), size=n, p=share_b / share_b.sum())
    persona_i = rng.choice(len(names), size=n, p=share_i / share_i.sum())
    persona_idx = np.where(business, persona_b, persona_i)

    a = np.array([p.signup_a for p in P.PERSONAS])[persona_idx]
    b = np.array([p.signup_b for p in P.PERSONAS])[persona_idx]
    signup_day = np.floor(rng.beta(a, b) * (P.WINDOW_DAYS + 1)).astype(int)
    signup_day = np.minimum(signup_day, P.WINDOW_DAYS)

    region_names = list(P.REGIONS)
    region_p = np.array([P.REGIONS[r][0] for r in region_names])
    region_idx = rng.choice(len(region_names), size=n, p=region_p / region_p.sum())
    region = np.array(region_names)[region_idx]
    city_u = rng.random(n)
    city = np.array(
        [
            P.REGIONS[r][1][int(u * len(P.REGIONS[r][1]))]
            for r, u in zip(region, city_u, strict=True)
        ]
    )

    channel_b = rng.choice(len(P.CHANNELS), size=n, p=P.CHANNEL_PROBS["business"])
    channel_i = rng.choice(len(P.CHANNELS), size=n, p=P.CHANNEL_PROBS["individual"])
    channel = np.array(P.CHANNELS)[np.where(business, channel_b, channel_i)]

    dissat_share = np.array([p.dissatisfied_share for p in P.PERSONAS])[persona_idx]
    dissatisfied = rng.random(n) < dissat_share
    z = rng.standard_normal(n)
    latent = np.where(
        dissatisfied,
        P.LATENT_DISSATISFIED[0] + P.LATENT_DISSATISFIED[1] * z,
        P.LATENT_SATISFIED[0] + P.LATENT_SATISFIED[1] * z,
    )
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in range(1, n + 1)],
            "customer_type": ctype,
            "persona": names[persona_idx],
            "is_potential": rng.random(n) < P.POTENTIAL_SHARE,
            "signup_day": signup_day,
            "region": region,
            "city": city,
            "channel": channel,
            "dissatisfied": dissatisfied,
            "satisfaction_latent": latent,
        }
    )


def _draw_phones(rng: np.random.Generator, n: int) -> list[str]:
    prefix = rng.choice(np.array(_MOBILE_PREFIXES), size=n)
    tail = rng.integers(0, 100_000_000, size=n)
    return [f"{p}{t:08d}" for p, t in zip(prefix, tail, strict=True)]


def _draw_slugs(rng: np.random.Generator, n: int, low: int, high: int) -> list[str]:
    lengths = rng.integers(low, high + 1, size=n)
    letters = rng.choice(_LETTERS, size=(n, high))
    return ["".join(row[:k]) for row, k in zip(letters, lengths, strict=True)]


def _deduplicate(values: list[str], edit) -> list[str]:
    """``values`` with repeats made unique, deterministically, after the draws.

    The first occurrence of a value keeps it; a later one gets ``edit(value, k)`` for
    k = 1, 2, ... until the result is unused. Editing after drawing (rather than
    redrawing) leaves every random stream, and so every other table, unchanged.

    Examples
    --------
    >>> _deduplicate(["a@x.cn", "b@x.cn", "a@x.cn"], lambda v, k: v.replace("@", f"{k + 1}@"))
    ['a@x.cn', 'b@x.cn', 'a2@x.cn']
    """
    used = set(values)
    seen: set[str] = set()
    out = []
    for v in values:
        if v in seen:
            k = 1
            while edit(v, k) in used:
                k += 1
            v = edit(v, k)
            used.add(v)
        seen.add(v)
        out.append(v)
    return out


def _next_phone(phone: str, k: int) -> str:
    """The k-th number after ``phone`` with the same three-digit prefix."""
    return f"{phone[:3]}{(int(phone[3:]) + k) % 100_000_000:08d}"


def _unique_companies(
    city: np.ndarray, word: np.ndarray, trade: list[str], business: np.ndarray
) -> list[str]:
    """Company names (city + trade word + line of business + 有限公司), unique by business.

    Two businesses drawing the same city, word and line of business would be one
    company to any matcher (same name, same city), so a repeat gets a second trade word
    (杭州恒通贸易 -> 杭州恒通华盛贸易): the first word after its own, in the word list,
    that makes an unused name. Rows of individuals keep their drawn name (not used).

    Examples
    --------
    >>> _unique_companies(np.array(["杭州"] * 3), np.array(["恒通"] * 3), ["贸易"] * 3,
    ...                   np.array([True, True, False]))
    ['杭州恒通贸易有限公司', '杭州恒通华盛贸易有限公司', '杭州恒通贸易有限公司']
    """
    words = list(_COMPANY_WORDS)
    names = [f"{c}{w}{t}有限公司" for c, w, t in zip(city, word, trade, strict=True)]
    used = {name for name, b in zip(names, business, strict=True) if b}
    seen: set[str] = set()
    for i in np.flatnonzero(business):
        name = names[i]
        if name in seen:
            first = words.index(word[i])
            k = 1
            while True:
                second = words[(first + k) % len(words)]
                name = f"{city[i]}{word[i]}{second}{trade[i]}有限公司"
                if k >= len(words):  # every second word taken: number the name
                    name = f"{city[i]}{word[i]}{second}{trade[i]}{k}有限公司"
                if second != word[i] and name not in used:
                    break
                k += 1
            used.add(name)
            names[i] = name
        seen.add(name)
    return names


def format_customers(traits: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Build the public ``customers.csv`` table from the planted traits.

    Parameters
    ----------
    traits : pandas.DataFrame
        Output of :func:`draw_customers`.
    rng : numpy.random.Generator
        Source of randomness for names and contact details.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``name``, ``phone``, ``email``, ``customer_type``,
        ``signup_date``, ``region``, ``city``, ``industry``, ``channel``,
        ``account_owner`` (all strings; empty string for "not applicable").
        Company names, phones and e-mails are unique (repeats among the draws are
        edited afterwards, see :func:`_deduplicate`), so no two customers look like
        one to :func:`analysis.profiles.find_matches`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> list(format_customers(draw_customers(rng, 3), rng).columns)[:3]
    ['customer_id', 'name', 'phone']
    """
    n = len(traits)
    business = (traits["customer_type"] == "business").to_numpy()
    surnames = np.array(list(_SURNAMES))
    sur = rng.choice(surnames, size=n)
    g1 = rng.choice(np.array(_GIVEN), size=n)
    g2 = rng.choice(np.array(_GIVEN), size=n)
    two = rng.random(n) < 0.7
    person_names = [s + a + (b if t else "") for s, a, b, t in zip(sur, g1, g2, two, strict=True)]

    industry_names = list(_INDUSTRIES)
    industry = rng.choice(np.array(industry_names), size=n)
    word = rng.choice(np.array(_COMPANY_WORDS), size=n)
    suffix_u = rng.random(n)
    trade = [
        _INDUSTRIES[ind][int(u * len(_INDUSTRIES[ind]))]
        for ind, u in zip(industry, suffix_u, strict=True)
    ]
    companies = _unique_companies(traits["city"].to_numpy(), word, trade, business)

    slugs = _draw_slugs(rng, n, 3, 7)
    digits = rng.integers(0, 1000, size=n)
    free = rng.choice(np.array(_FREE_MAIL), size=n)
    mail_prefix = rng.choice(np.array(_MAIL_PREFIXES), size=n)
    emails = [
        f"{mp}@{slug}.com.cn" if is_b else f"{_SURNAMES[s]}{slug}{d}@{fm}"
        for is_b, mp, slug, s, d, fm in zip(
            business, mail_prefix, slugs, sur, digits, free, strict=True
        )
    ]
    emails = _deduplicate(emails, lambda e, k: e.replace("@", f"{k + 1}@", 1))
    owners = rng.choice(np.array(P.ACCOUNT_OWNERS), size=n)
    signup = pd.Timestamp(P.START) + pd.to_timedelta(traits["signup_day"].to_numpy(), unit="D")
    return pd.DataFrame(
        {
            "customer_id": traits["customer_id"].to_numpy(),
            "name": np.where(business, companies, person_names),
            "phone": _deduplicate(_draw_phones(rng, n), _next_phone),
            "email": emails,
            "customer_type": traits["customer_type"].to_numpy(),
            "signup_date": signup.strftime("%Y-%m-%d"),
            "region": traits["region"].to_numpy(),
            "city": traits["city"].to_numpy(),
            "industry": np.where(business, industry, ""),
            "channel": traits["channel"].to_numpy(),
            "account_owner": np.where(business, owners, ""),
        }
    )
