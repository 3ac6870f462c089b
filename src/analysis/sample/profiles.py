"""Synthetic customers with planted duplicates and near-misses, for tests and benchmarks.

The truth says which records are one customer, so matching can be scored by precision
and recall of merged pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["make_planted_customers", "true_pairs"]

_CITIES = {
    "华东": ("上海", "杭州", "南京", "苏州", "宁波", "合肥", "济南", "青岛", "福州", "厦门"),
    "华北": ("北京", "天津", "石家庄", "太原", "呼和浩特"),
    "华南": ("广州", "深圳", "东莞", "佛山", "南宁", "海口"),
    "华中": ("武汉", "长沙", "郑州", "南昌"),
    "西南": ("成都", "重庆", "昆明", "贵阳"),
    "西北": ("西安", "兰州", "乌鲁木齐", "银川"),
    "东北": ("沈阳", "大连", "哈尔滨", "长春"),
}
_CITY = [c for cs in _CITIES.values() for c in cs]
_REGION_OF = {c: r for r, cs in _CITIES.items() for c in cs}
_SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力")
_TRADE = list("东方信达腾跃华宇恒通博远盛泰鑫源联创金科天成中和永安新元瑞丰")
_INDUSTRY = ("建筑", "贸易", "科技", "精密仪器", "物流", "食品", "医药", "电子")
_SUFFIX = ("有限公司", "股份有限公司", "有限责任公司", "集团有限公司")
_LATIN = ("Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay")
_LATIN_KIND = ("Trading", "Tech", "Logistics", "Foods", "Medical", "Electronics")
_LATIN_SUFFIX = (" Co., Ltd.", " Ltd.", " Inc.", " Limited", " LLC")
_MAIL = ("qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com")
_LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))


class _Unique:
    """Draws values from a generator until an unused one comes up."""

    def __init__(self, draw):
        self.draw, self.used = draw, set()

    def __call__(self):
        while True:
            v = self.draw()
            if v not in self.used:
                self.used.add(v)
                return v


def _fmt_mobile(p: str, style: int) -> str:
    return (
        f"+86 {p[:3]} {p[3:7]} {p[7:]}",
        f"{p[:3]}-{p[3:7]}-{p[7:]}",
        f"0086{p}",
        f"86 {p}",
        f"{p[:3]} {p[3:7]} {p[7:]}",
    )[style % 5]


def _fmt_landline(p: str, style: int) -> str:
    area, local = p[:4], p[4:]
    return (f"({area}) {local[:4]}-{local[4:]}", f"{area}-{local}", f"+86 {area[1:]} {local}")[
        style % 3
    ]


def make_planted_customers(
    n_customers: int = 2_000,
    *,
    n_duplicates: int = 150,
    n_near_misses: int = 100,
    seed: int = 12,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers with planted duplicates of known originals and near-misses.

    Duplicates (a new id for a true original), a third each: the same phone reformatted
    (``+86``, spaces, dashes, ``0086``); the same e-mail in other case or, for Gmail, with
    dots and a ``+tag``; the same company with another legal suffix (or none) in the same
    city written with 市. Near-misses (other customers that must not merge): 40% the name
    of an individual in another city with another phone; 40% a company's name in another
    city; the rest groups of three companies sharing one switchboard number.

    Parameters
    ----------
    n_customers : int
        Number of true original customers.
    n_duplicates, n_near_misses : int
        Records added on top of the originals.
    seed : int
        Seed of the numpy generator.

    Returns
    -------
    customers : DataFrame
        ``customer_id``, ``name``, ``phone``, ``email``, ``customer_type``, ``signup_date``,
        ``region``, ``city``, ``industry``; ids shuffled so a duplicate's id can be smaller.
    truth : DataFrame
        ``customer_id``, ``entity`` (true customer), ``plant`` (``original``,
        ``dup_phone``, ``dup_email``, ``dup_company``, ``near_name``, ``near_company``,
        ``near_switchboard``), ``partner`` (the id of the record copied, else missing).

    Examples
    --------
    >>> c, t = make_planted_customers(200, n_duplicates=15, n_near_misses=10, seed=1)
    >>> len(c), int(t["plant"].eq("original").sum())
    (225, 200)
    """
    rng = np.random.default_rng(seed)
    mobile = _Unique(lambda: f"1{rng.choice([3, 5, 7, 8, 9])}{rng.integers(0, 10**9):09d}")
    landline = _Unique(lambda: f"0{rng.integers(311, 999)}{rng.integers(2 * 10**7, 10**8)}")
    letters = _Unique(lambda: "".join(rng.choice(_LETTERS, int(rng.integers(5, 9)))))
    company = _Unique(
        lambda: (
            str(rng.choice(_CITY)),
            "".join(rng.choice(_TRADE, 2)) + str(rng.choice(_INDUSTRY)),
        )
    )
    latin = _Unique(lambda: f"{rng.choice(_LATIN)} {letters().title()} {rng.choice(_LATIN_KIND)}")
    start = np.datetime64("2020-01-01")

    def date() -> str:
        return str(start + np.timedelta64(int(rng.integers(0, 6 * 365)), "D"))

    def person(city: str) -> dict:
        name = str(rng.choice(_SURNAMES)) + "".join(rng.choice(_GIVEN, rng.integers(1, 3)))
        mail = f"{letters()}{rng.integers(10, 999)}@{rng.choice(_MAIL)}"
        if mail.endswith("gmail.com") and rng.random() < 0.5:
            mail = mail.replace("@", f".{letters()[:3]}@")  # some gmail users use dots
        return {
            "name": name,
            "phone": mobile(),
            "email": mail,
            "customer_type": "individual",
            "industry": None,
        }

    def firm(city: str | None = None) -> dict:
        if rng.random() < 0.1:
            name = latin() + str(rng.choice(_LATIN_SUFFIX))
            city = city or str(rng.choice(_CITY))
        else:
            c, trade = company()
            city = city or c
            name = f"{city}{trade}{rng.choice(_SUFFIX)}"
        phone = landline() if rng.random() < 0.5 else mobile()
        return {
            "name": name,
            "phone": phone,
            "email": f"sales@{letters()}.com.cn",
            "customer_type": "business",
            "industry": str(rng.choice(_INDUSTRY)),
            "city": city,
        }

    rows: list[dict] = []
    for i in range(n_customers):
        city = str(rng.choice(_CITY))
        rec = firm() if rng.random() < 0.4 else person(city)
        rec.setdefault("city", city)
        if rng.random() < 0.03:
            rec["email"] = None
        rec.update(signup_date=date(), entity=i, plant="original", partner=None)
        rows.append(rec)
    originals = pd.DataFrame(rows)

    def other_city(city: str) -> str:
        return str(rng.choice([c for c in _CITY if c != city]))

    # Duplicates --------------------------------------------------------------------
    n_phone = n_duplicates // 3
    n_email = n_duplicates // 3
    n_company = n_duplicates - n_phone - n_email
    business = originals.index[originals["customer_type"] == "business"].to_numpy()
    chinese_firm = business[originals.loc[business, "name"].str.contains("公司").to_numpy()]
    has_mail = originals.index[originals["email"].notna()].to_numpy()
    pick_company = rng.choice(chinese_firm, n_company, replace=False)
    rest = np.setdiff1d(np.arange(n_customers), pick_company)
    pick_phone = rng.choice(rest, n_phone, replace=False)
    rest_mail = np.setdiff1d(np.intersect1d(rest, has_mail), pick_phone)
    pick_email = rng.choice(rest_mail, n_email, replace=False)

    for k, i in enumerate(pick_phone):
        o = originals.loc[i]
        fmt = _fmt_landline if o["phone"].startswith("0") else _fmt_mobile
        rows.append(
            {
                **o,
                "phone": fmt(o["phone"], k),
                "signup_date": date(),
                "email": None if k % 2 else f"{letters()}@{rng.choice(_MAIL)}",
                "city": o["city"] + "市" if k % 3 == 0 else o["city"],
                "plant": "dup_phone",
                "partner": i,
            }
        )
    for k, i in enumerate(pick_email):
        o = originals.loc[i]
        local, domain = o["email"].split("@")
        if domain == "gmail.com":
            local = ".".join(local.replace(".", "")) + ("+crm" if k % 2 else "")
        mail = f"{local}@{domain}".upper() if k % 2 == 0 else f" {local.title()}@{domain} "
        rows.append(
            {
                **o,
                "email": mail,
                "phone": None if k % 2 else mobile(),
                "signup_date": date(),
                "plant": "dup_email",
                "partner": i,
            }
        )
    for k, i in enumerate(pick_company):
        o = originals.loc[i]
        stem = o["name"]
        for suffix in sorted(_SUFFIX, key=len, reverse=True):
            if stem.endswith(suffix):
                stem = stem[: -len(suffix)]
                break
        name = (stem, stem + "股份有限公司", stem + " 有限公司", stem + "(集团)有限公司")[k % 4]
        rows.append(
            {
                **o,
                "name": name,
                "city": o["city"] + "市",
                "signup_date": date(),
                "phone": None if k % 2 else landline(),
                "email": None if k % 3 else f"info@{letters()}.cn",
                "plant": "dup_company",
                "partner": i,
            }
        )

    # Near-misses -------------------------------------------------------------------
    n_switch = max(3, (n_near_misses * 2 // 10) // 3 * 3)
    n_name = (n_near_misses - n_switch) // 2
    n_firm = n_near_misses - n_switch - n_name
    individual = originals.index[originals["customer_type"] == "individual"].to_numpy()
    entity = n_customers
    for i in rng.choice(individual, n_name, replace=False):
        o = originals.loc[i]
        city = other_city(o["city"])
        rows.append(
            {
                **person(city),
                "name": o["name"],
                "city": city,
                "signup_date": date(),
                "entity": entity,
                "plant": "near_name",
                "partner": i,
            }
        )
        entity += 1
    for i in rng.choice(business, n_firm, replace=False):
        o = originals.loc[i]
        rows.append(
            {
                **firm(other_city(o["city"])),
                "name": o["name"],
                "signup_date": date(),
                "entity": entity,
                "plant": "near_company",
                "partner": i,
            }
        )
        entity += 1
    for _ in range(n_switch // 3):
        board = landline()
        for k in range(3):
            rows.append(
                {
                    **firm(),
                    "phone": _fmt_landline(board, k),
                    "signup_date": date(),
                    "entity": entity,
                    "plant": "near_switchboard",
                    "partner": None,
                }
            )
            entity += 1

    df = pd.DataFrame(rows)
    df["region"] = df["city"].str.removesuffix("市").map(_REGION_OF)
    ids = np.array([f"C{j:07d}" for j in rng.permutation(len(df)) + 1])
    partner = df["partner"]
    df["partner"] = pd.Series(
        [None if pd.isna(p) else ids[int(p)] for p in partner], dtype="string"
    )
    df.insert(0, "customer_id", ids)
    df = df.sort_values("customer_id", ignore_index=True)
    cols = [
        "customer_id",
        "name",
        "phone",
        "email",
        "customer_type",
        "signup_date",
        "region",
        "city",
        "industry",
    ]
    return df[cols].copy(), df[["customer_id", "entity", "plant", "partner"]].copy()


def true_pairs(truth: pd.DataFrame) -> set[tuple[str, str]]:
    """Pairs ``(a, b)``, ``a < b``, of records that are one customer in ``truth``."""
    pairs = set()
    for ids in truth.groupby("entity")["customer_id"]:
        members = sorted(ids[1])
        pairs.update((a, b) for j, a in enumerate(members) for b in members[j + 1 :])
    return pairs
