"""Awkward but ordinary CRM exports, for testing ingest and every report section on them.

Real exports are rarely wrong, but they are often thin, lopsided or missing a part:
no survey scores, a single customer, every order the same price, a period at the very
edge of the data. :func:`write_base` writes a small, deterministic, linked export in the
contract's CSV format; each entry of :data:`CASES` writes one awkward variant of it.

Cases listed in :data:`EXPECT_STOP` must stop at ingest with a one-line message (the
value is a fragment that message contains); every other case must ingest. A case is
run for :data:`CASE_PERIOD` ``[name]``, which defaults to :data:`PERIOD`.

:func:`awkward_exports` is a ``hypothesis`` strategy drawing random small exports as
``{file name: text}``; hypothesis is imported only when it is called.

Example
-------
>>> import tempfile
>>> from pathlib import Path
>>> with tempfile.TemporaryDirectory() as d:
...     folder = Path(d) / "case"
...     CASES["surveys_no_score"](folder)
...     sorted(p.name for p in folder.iterdir())[:2]
['customers.csv', 'interactions.csv']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

PERIOD = "2026-10"
END = dt.date(2026, 10, 31)  # last day of PERIOD: the base export ends here

FILES = {
    "customers": "customers.csv",
    "transactions": "transactions.csv",
    "subscriptions": "subscriptions.csv",
    "surveys": "surveys.csv",
    "interactions": "interactions.csv",
}

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
_GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超"]
_FIRMS = ["华信", "中科", "东方", "恒通", "博远", "星河", "瑞丰", "天成", "金石", "联创"]
_FIRM_KINDS = ["科技有限公司", "贸易有限公司", "制造有限公司", "咨询有限公司"]
_REGIONS = {
    "华东": ["上海", "杭州", "南京", "苏州"],
    "华北": ["北京", "天津", "石家庄"],
    "华南": ["广州", "深圳", "厦门"],
    "西南": ["成都", "重庆", "昆明"],
    "华中": ["武汉", "长沙", "郑州"],
}
_CHANNELS = ["online", "store", "partner", "sales"]
_OWNERS = ["陈经理", "李经理", "王经理", "赵经理", "Lucy", "Mike"]
_CATEGORIES = ["耗材", "设备", "软件", "服务", "配件"]
_PLANS = {"basic": 99.0, "pro": 299.0, "enterprise": 999.0}
_SURVEY_CHANNELS = ["sms", "email", "wechat", "app"]
_KINDS = ["call", "email", "visit", "wechat", "meeting"]
_NOTES = [
    "电话回访,客户反馈良好",
    "发送报价单",
    "上门拜访,演示新产品",
    "微信沟通续约事宜",
    "处理投诉",
    "",
]

_ZH = {
    "neg": [
        "送货太慢了,等了一个多星期",
        "客服态度很差,问题一直没解决",
        "质量不好,用了两天就坏了",
        "价格太贵,性价比不高",
        "退款流程太麻烦",
    ],
    "mid": ["还可以,没有特别的感觉", "一般般吧,希望改进包装", "东西不错但物流慢", "价格还行"],
    "pos": [
        "服务很好,非常满意",
        "产品质量好,会继续购买",
        "客服响应很快,点赞",
        "物流很快,包装完好",
        "销售经理很专业,推荐给朋友",
    ],
}
_EN = {
    "neg": ["Delivery was late again", "Support never called back", "Too expensive for what it is"],
    "mid": ["It is okay", "Fine, nothing special", "Good product, slow shipping"],
    "pos": ["Great service, thank you", "Very happy with the quality", "Fast and friendly support"],
}


def _tone(score: int) -> str:
    return "neg" if score <= 6 else ("mid" if score <= 8 else "pos")


def _iso(days: np.ndarray | pd.Series) -> list[str]:
    """Days since 1970-01-01 -> ISO date text."""
    return [str(np.datetime64(int(d), "D")) for d in days]


def _day(d: dt.date | str) -> int:
    return int(np.datetime64(str(d), "D").astype(int))


def _unique_firms(names: list[str], cities: list[str], business: np.ndarray) -> list[str]:
    """Names with each firm once per city: the k-th repeat takes the next unused firm.

    The base's customers are different customers; the same company name in the same
    city would be one customer to the profile matcher (:mod:`analysis.profiles`) and
    merge at ingest. Edited after the draws, so every other column stays the same.
    """
    firms = [f"{f}{k}" for f in _FIRMS for k in _FIRM_KINDS]
    used = {(names[i], cities[i]) for i in np.flatnonzero(business)}
    seen: set[tuple[str, str]] = set()
    out = list(names)
    for i in np.flatnonzero(business):
        if (out[i], cities[i]) in seen:
            start = firms.index(out[i])
            free = [f for j in range(1, len(firms)) if
                    ((f := firms[(start + j) % len(firms)]), cities[i]) not in used]  # fmt: skip
            out[i] = free[0] if free else f"{out[i]}{i}"
            used.add((out[i], cities[i]))
        seen.add((out[i], cities[i]))
    return out


def write_base(
    folder: Path, *, n_customers: int = 300, seed: int = 0, end: dt.date | str = END
) -> Path:
    """Write a small linked export (five contract tables as CSV) ending on ``end``.

    Transactions cover about two years up to ``end``: half the customers buy
    repeatedly, a quarter once, a quarter repeatedly and then stop. About a third
    hold a subscription (some ended), surveys cover the last 14 months with mostly
    Chinese comments, and every customer has a follow-up or two.

    Parameters
    ----------
    folder : Path
        Created if missing; the five files are (over)written.
    n_customers : int
        At least 1.
    seed : int
        The same seed writes the same bytes.
    end : date or ISO text
        No row is dated after it.

    Returns
    -------
    Path
        ``folder``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    last = _day(end)
    first = last - 730
    ids = [f"{i:06d}" for i in range(1, n + 1)]

    # transactions: one-time buyers, repeat buyers, and repeat buyers who stopped
    kind = rng.choice(["repeat", "once", "stopped"], size=n, p=[0.5, 0.25, 0.25])
    kind[0] = "repeat"
    rows = []
    firsts = np.empty(n, dtype=int)
    for i in range(n):
        latest = last - {"once": 0, "repeat": 120, "stopped": 300}[str(kind[i])]
        start = int(rng.integers(first, latest + 1))
        stop = last if kind[i] != "stopped" else int(rng.integers(start + 30, last - 150 + 1))
        dates = [start]
        if kind[i] != "once":
            gap = float(rng.uniform(20, 90))
            d = start + int(rng.exponential(gap)) + 1
            while d <= stop:
                dates.append(d)
                d += int(rng.exponential(gap)) + 1
            if len(dates) == 1:
                dates.append(min(stop, start + 1 + int(rng.integers(0, 30))))
        firsts[i] = start
        base_amount = float(rng.lognormal(5.5, 0.8))
        for d in dates:
            rows.append((ids[i], d, round(base_amount * float(rng.uniform(0.6, 1.4)), 2)))
    tx = pd.DataFrame(rows, columns=["customer_id", "day", "amount"]).sort_values(
        ["day", "customer_id"], kind="stable"
    )
    tx = tx.reset_index(drop=True)
    tx.insert(0, "order_id", [f"T{k:07d}" for k in range(1, len(tx) + 1)])
    tx["order_date"] = _iso(tx["day"])
    tx["amount"] = [f"{a:.2f}" for a in tx["amount"]]
    tx["channel"] = rng.choice(_CHANNELS, size=len(tx))
    tx["category"] = rng.choice(_CATEGORIES, size=len(tx))
    tx = tx[["order_id", "customer_id", "order_date", "amount", "channel", "category"]]

    # customers
    business = rng.random(n) < 0.3
    names = [
        (
            f"{_FIRMS[int(rng.integers(len(_FIRMS)))]}{_FIRM_KINDS[int(rng.integers(4))]}"
            if b
            else f"{_SURNAMES[int(rng.integers(len(_SURNAMES)))]}"
            f"{_GIVEN[int(rng.integers(len(_GIVEN)))]}"
        )
        for b in business
    ]
    regions = rng.choice(list(_REGIONS), size=n)
    cust = pd.DataFrame(
        {
            "customer_id": ids,
            "name": names,
            "phone": [
                f"13{int(rng.integers(0, 10))}{int(rng.integers(0, 10**8)):08d}" for _ in ids
            ],
            "email": [f"user{c}@example.com" for c in ids],
            "customer_type": np.where(business, "business", "individual"),
            "signup_date": _iso(firsts - rng.integers(0, 90, size=n)),
            "region": regions,
            "city": [_REGIONS[r][int(rng.integers(len(_REGIONS[r])))] for r in regions],
            "channel": rng.choice(_CHANNELS, size=n),
            "account_owner": rng.choice(_OWNERS, size=n),
        }
    )
    cust["name"] = _unique_firms(cust["name"].tolist(), cust["city"].tolist(), business)

    # subscriptions: about a third of customers, at least one; some ended
    holders = np.flatnonzero(rng.random(n) < 1 / 3)
    if holders.size == 0:
        holders = np.array([0])
    sub_start = np.array(
        [int(rng.integers(max(first, int(firsts[i]) - 60), last + 1)) for i in holders]
    )
    ended = rng.random(holders.size) < 0.35
    sub_end = [
        str(np.datetime64(int(rng.integers(s, last + 1)), "D")) if e else ""
        for s, e in zip(sub_start, ended, strict=True)
    ]
    plans = rng.choice(list(_PLANS), size=holders.size, p=[0.5, 0.35, 0.15])
    subs = pd.DataFrame(
        {
            "customer_id": [ids[i] for i in holders],
            "start_date": _iso(sub_start),
            "end_date": sub_end,
            "plan": plans,
            "monthly_fee": [f"{_PLANS[p]:.2f}" for p in plans],
        }
    )

    # surveys: the last 14 months, mostly Chinese comments, a few anonymous
    m = max(6, int(round(n * 0.9)))
    score = rng.choice(11, size=m, p=np.array([1, 1, 1, 1, 2, 3, 4, 8, 12, 14, 13]) / 60)
    english = rng.random(m) < 0.2
    blank = rng.random(m) < 0.1
    comments = []
    for s, e, b in zip(score, english, blank, strict=True):
        pool = (_EN if e else _ZH)[_tone(int(s))]
        comments.append("" if b else pool[int(rng.integers(len(pool)))])
    resp_day = np.sort(rng.integers(last - 425, last + 1, size=m))
    who = rng.integers(0, n, size=m)
    surveys = pd.DataFrame(
        {
            "response_id": [f"S{k:06d}" for k in range(1, m + 1)],
            "customer_id": ["" if rng.random() < 0.05 else ids[i] for i in who],
            "response_date": _iso(resp_day),
            "score": score.astype(str),
            "csat": np.clip(np.round(1 + score / 2.5 + rng.normal(0, 0.5, size=m)), 1, 5)
            .astype(int)
            .astype(str),
            "comment": comments,
            "channel": rng.choice(_SURVEY_CHANNELS, size=m),
        }
    )

    # interactions: one to three follow-ups per customer
    k = rng.integers(1, 4, size=n)
    who = np.repeat(np.arange(n), k)
    inter_day = np.array([int(rng.integers(int(firsts[i]), last + 1)) for i in who])
    order = np.lexsort((who, inter_day))
    who, inter_day = who[order], inter_day[order]
    inter = pd.DataFrame(
        {
            "customer_id": [ids[i] for i in who],
            "date": _iso(inter_day),
            "kind": rng.choice(_KINDS, size=who.size),
            "owner": cust["account_owner"].to_numpy()[who],
            "note": rng.choice(_NOTES, size=who.size),
        }
    ).drop_duplicates()  # an exact repeat would be counted as a duplicate: keep the base clean

    for name, df in {
        "customers": cust,
        "transactions": tx,
        "subscriptions": subs,
        "surveys": surveys,
        "interactions": inter,
    }.items():
        _write(folder, name, df)
    return folder


def _write(folder: Path, table: str, df: pd.DataFrame) -> None:
    df.to_csv(Path(folder) / FILES[table], index=False, encoding="utf-8", lineterminator="\n")


def _read(folder: Path, table: str) -> pd.DataFrame:
    """The file as text, exactly: no type guessing, '' stays ''."""
    return pd.read_csv(
        Path(folder) / FILES[table], dtype=str, keep_default_na=False, encoding="utf-8"
    )


def _edit(folder: Path, table: str, fn: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    _write(folder, table, fn(_read(folder, table)))


def _drop_table(folder: Path, table: str) -> None:
    (Path(folder) / FILES[table]).unlink()


# The cases -------------------------------------------------------------------


def case_base(folder: Path) -> None:
    """The base export as it is: the control."""
    write_base(folder)


def _without_column(table: str, column: str) -> Callable[[Path], None]:
    def case(folder: Path) -> None:
        write_base(folder)
        _edit(folder, table, lambda df: df.drop(columns=[column]))

    case.__doc__ = f"{table} without the optional column {column}."
    return case


def _without_table(table: str) -> Callable[[Path], None]:
    def case(folder: Path) -> None:
        write_base(folder)
        _drop_table(folder, table)

    case.__doc__ = f"No {table} file at all."
    return case


def case_surveys_six_rows(folder: Path) -> None:
    """Only six survey responses in the whole export."""
    write_base(folder)
    _edit(folder, "surveys", lambda df: df.iloc[np.linspace(0, len(df) - 1, 6).astype(int)])


def case_surveys_header_only(folder: Path) -> None:
    """A surveys file with its header and no responses."""
    write_base(folder)
    _edit(folder, "surveys", lambda df: df.iloc[:0])


def case_surveys_anonymous(folder: Path) -> None:
    """Survey responses that name no customer (the column is there, every cell empty)."""
    write_base(folder)
    _edit(folder, "surveys", lambda df: df.assign(customer_id=""))


def case_comments_all_english(folder: Path) -> None:
    """Every comment in English (no Chinese text to segment)."""
    write_base(folder)

    def english(df: pd.DataFrame) -> pd.DataFrame:
        rng = np.random.default_rng(1)
        out = [
            "" if c == "" else _EN[_tone(int(s))][int(rng.integers(3))]
            for s, c in zip(df["score"], df["comment"], strict=True)
        ]
        return df.assign(comment=out)

    _edit(folder, "surveys", english)


def case_single_customer(folder: Path) -> None:
    """One customer, a repeat buyer with a subscription, surveys and follow-ups."""
    write_base(folder, n_customers=1, seed=3)


def case_one_purchase_identical(folder: Path) -> None:
    """80 customers who each bought once, every order for the same amount."""
    write_base(folder, n_customers=80, seed=1)

    def once(df: pd.DataFrame) -> pd.DataFrame:
        df = df.drop_duplicates("customer_id", keep="first")
        return df.assign(amount="199.00")

    _edit(folder, "transactions", once)


def case_customers_id_only(folder: Path) -> None:
    """The customers file has the id column and nothing else."""
    write_base(folder)
    _edit(folder, "customers", lambda df: df[["customer_id"]])


def case_optional_columns_empty(folder: Path) -> None:
    """customer_type, region, channel and account_owner present but blank in every row."""
    write_base(folder)
    blank = dict.fromkeys(["customer_type", "region", "channel", "account_owner"], "")
    _edit(folder, "customers", lambda df: df.assign(**blank))


def case_subscriptions_none_ended(folder: Path) -> None:
    """Every subscription is still active (end_date empty everywhere)."""
    write_base(folder)
    _edit(folder, "subscriptions", lambda df: df.assign(end_date=""))


def case_subscriptions_all_ended(folder: Path) -> None:
    """Every subscription has ended on or before the period end."""
    write_base(folder)

    def ended(df: pd.DataFrame) -> pd.DataFrame:
        rng = np.random.default_rng(2)
        start = df["start_date"].map(_day).to_numpy()
        end = [int(rng.integers(s, _day(END) + 1)) for s in start]
        keep = np.where(df["end_date"] != "", df["end_date"], _iso(end))
        return df.assign(end_date=keep)

    _edit(folder, "subscriptions", ended)


def case_ten_transactions(folder: Path) -> None:
    """Ten transactions in all, spread over two years, for six customers."""
    write_base(folder, n_customers=6, seed=4)
    _edit(folder, "transactions", lambda df: df.iloc[np.linspace(0, len(df) - 1, 10).astype(int)])


def case_never_came_back(folder: Path) -> None:
    """Every customer bought exactly once (amounts vary): no repeat purchases at all."""
    write_base(folder)
    _edit(folder, "transactions", lambda df: df.drop_duplicates("customer_id", keep="first"))


def case_extreme_values(folder: Path) -> None:
    """One order of 100,000,000, many orders of 0.01, and refunds (negative amounts)."""
    write_base(folder)

    def extreme(df: pd.DataFrame) -> pd.DataFrame:
        rng = np.random.default_rng(5)
        df = df.copy()
        tiny = rng.random(len(df)) < 0.2
        df.loc[tiny, "amount"] = "0.01"
        df.loc[df.index[len(df) // 2], "amount"] = "100000000.00"
        sold = df[~tiny & (df["amount"] != "100000000.00")].sample(30, random_state=5)
        refunds = sold.assign(
            order_id=[f"R{k:07d}" for k in range(1, len(sold) + 1)],
            order_date=[_iso([min(_day(d) + 7, _day(END))])[0] for d in sold["order_date"]],
            amount=[f"-{a}" for a in sold["amount"]],
        )
        return pd.concat([df, refunds]).sort_values("order_date", kind="stable")

    _edit(folder, "transactions", extreme)


def case_period_edge_last_day(folder: Path) -> None:
    """The last orders fall on the period's last day, up to 23:59:59."""
    write_base(folder)

    def edge(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        tail = df.index[-5:]
        times = ["09:00:00", "12:30:00", "18:45:10", "23:00:00", "23:59:59"]
        df.loc[tail, "order_date"] = [f"{END.isoformat()} {t}" for t in times]
        return df

    _edit(folder, "transactions", edge)


def case_data_end_two_months_before(folder: Path) -> None:
    """Every table ends on 2026-08-31, two months before the report period."""
    write_base(folder, end="2026-08-31")


def case_period_before_data(folder: Path) -> None:
    """The base export, reported for 2020-01: before every row (see CASE_PERIOD)."""
    write_base(folder)


def _all_type(kind: str) -> Callable[[Path], None]:
    def case(folder: Path) -> None:
        write_base(folder)
        _edit(folder, "customers", lambda df: df.assign(customer_type=kind))

    case.__doc__ = f"Every customer is {kind}."
    return case


def case_orphan_transactions(folder: Path) -> None:
    """A tenth of the customers who bought are missing from the customers file."""
    write_base(folder)
    _edit(folder, "customers", lambda df: df[np.arange(len(df)) % 10 != 3])


CASES: dict[str, Callable[[Path], None]] = {
    "base": case_base,
    "surveys_no_score": _without_column("surveys", "score"),
    "surveys_no_csat": _without_column("surveys", "csat"),
    "surveys_no_comment": _without_column("surveys", "comment"),
    "surveys_six_rows": case_surveys_six_rows,
    "no_surveys": _without_table("surveys"),
    "surveys_header_only": case_surveys_header_only,
    "surveys_anonymous": case_surveys_anonymous,
    "comments_all_english": case_comments_all_english,
    "single_customer": case_single_customer,
    "one_purchase_identical": case_one_purchase_identical,
    "customers_id_only": case_customers_id_only,
    "optional_columns_empty": case_optional_columns_empty,
    "no_subscriptions": _without_table("subscriptions"),
    "subscriptions_none_ended": case_subscriptions_none_ended,
    "subscriptions_all_ended": case_subscriptions_all_ended,
    "no_interactions": _without_table("interactions"),
    "ten_transactions": case_ten_transactions,
    "never_came_back": case_never_came_back,
    "extreme_values": case_extreme_values,
    "period_edge_last_day": case_period_edge_last_day,
    "data_end_two_months_before": case_data_end_two_months_before,
    "period_before_data": case_period_before_data,
    "all_business": _all_type("business"),
    "all_individual": _all_type("individual"),
    "orphan_transactions": case_orphan_transactions,
}

CASE_PERIOD: dict[str, str] = {name: PERIOD for name in CASES}
CASE_PERIOD["period_before_data"] = "2020-01"

# Cases that must stop at ingest -> a fragment of the one-line message.
EXPECT_STOP: dict[str, str] = {
    "period_before_data": "no transactions row is on or before the end of period 2020-01",
}


# A hypothesis strategy -------------------------------------------------------


def awkward_exports():
    """A ``hypothesis`` strategy for small random exports, as ``{file name: text}``.

    Draws 1-40 customers (ids with leading zeros), a random subset of the optional
    customer columns and of the optional tables, one-time or repeat buyers, amounts
    that are often identical (and sometimes tiny, huge or negative), order dates that
    may fall after the period, and 0-30 survey rows with or without score, csat and
    comment (zero survey rows is a header-only file: the table is skipped like an absent one).

    Returns
    -------
    hypothesis.strategies.SearchStrategy
        Of ``dict[str, str]``; write each text to ``folder / name`` in UTF-8.
    """
    from hypothesis import strategies as st

    dates = st.dates(dt.date(2023, 1, 1), dt.date(2026, 12, 31)).map(dt.date.isoformat)
    some_amount = st.one_of(
        st.just("100.00"),
        st.sampled_from(["0.01", "199.00", "100000000.00", "-50.00", "0.00"]),
        st.decimals(-500, 100_000, places=2, allow_nan=False, allow_infinity=False).map(str),
    )

    def csv(columns: list[str], rows: list[list[str]]) -> str:
        return pd.DataFrame(rows, columns=columns).to_csv(index=False, lineterminator="\n")

    @st.composite
    def export(draw) -> dict[str, str]:
        n = draw(st.integers(1, 40))
        ids = [f"{i:05d}" for i in range(1, n + 1)]
        files: dict[str, str] = {}

        optional = ["name", "customer_type", "signup_date", "region", "channel", "account_owner"]
        ccols = ["customer_id"] + [c for c in optional if draw(st.booleans())]
        values = {
            "name": st.sampled_from(["张三", "ACME", "", "李四"]),
            "customer_type": st.sampled_from(["business", "individual", "", "Business"]),
            "signup_date": st.one_of(dates, st.just("")),
            "region": st.sampled_from(["华东", "华北", ""]),
            "channel": st.sampled_from(["online", "store", ""]),
            "account_owner": st.sampled_from(["陈经理", "Lucy", ""]),
        }
        files["customers.csv"] = csv(
            ccols, [[i] + [draw(values[c]) for c in ccols[1:]] for i in ids]
        )

        same = draw(st.one_of(st.none(), some_amount))  # one price for every order?
        with_order_id = draw(st.booleans())
        rows = []
        for i in ids:  # the first customer buys, so transactions is never empty
            repeat = draw(st.booleans())
            k = draw(st.integers(2, 6)) if repeat else draw(st.integers(int(i == ids[0]), 1))
            for _ in range(k):
                rows.append([i, draw(dates), same or draw(some_amount)])
        tx = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
        if with_order_id:
            tx.insert(0, "order_id", [f"T{k:05d}" for k in range(1, len(tx) + 1)])
        files["transactions.csv"] = tx.to_csv(index=False, lineterminator="\n")

        tables = {t for t in ("subscriptions", "surveys", "interactions") if draw(st.booleans())}
        if "subscriptions" in tables:
            rows = []
            for i in draw(st.lists(st.sampled_from(ids), min_size=1, max_size=n)):
                start = draw(dates)
                end = draw(st.one_of(st.just(""), st.just(start), dates))
                if end and end < start:
                    start, end = end, start
                rows.append([i, start, end, "basic", "99"])
            files["subscriptions.csv"] = csv(
                ["customer_id", "start_date", "end_date", "plan", "monthly_fee"], rows
            )
        if "surveys" in tables:
            scols = ["response_id", "customer_id", "response_date"] + [
                c for c in ("score", "csat", "comment") if draw(st.booleans())
            ]
            cell = {
                "score": st.one_of(st.integers(0, 10).map(str), st.just("")),
                "csat": st.one_of(st.integers(1, 5).map(str), st.just("")),
                "comment": st.sampled_from(["很满意", "太慢了", "Great", "slow delivery", ""]),
            }
            rows = [
                [f"S{k:04d}", draw(st.sampled_from([*ids, ""])), draw(dates)]
                + [draw(cell[c]) for c in scols[3:]]
                for k in range(draw(st.integers(0, 30)))
            ]
            files["surveys.csv"] = csv(scols, rows)
        if "interactions" in tables:
            rows = [
                [draw(st.sampled_from(ids)), draw(dates), draw(st.sampled_from(_KINDS)), "Lucy"]
                for _ in range(draw(st.integers(1, 20)))
            ]
            files["interactions.csv"] = csv(["customer_id", "date", "kind", "owner"], rows)
        return files

    return export()


def write_export(folder: Path, files: dict[str, str]) -> Path:
    """Write ``{file name: text}`` (as drawn by :func:`awkward_exports`) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
