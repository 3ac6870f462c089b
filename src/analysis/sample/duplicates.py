"""Planted duplicate customer records and near-misses, with the truth to score a matcher.

A CRM holds some customers twice: a second salesperson creates a new record, a web
sign-up does not find the shop's record. :func:`plant_duplicates` adds such records to
the public tables of :func:`analysis.sample.generate_sample` and moves part of the
original customer's history onto them, so that only a matcher that merges them
(:func:`analysis.profiles.find_matches`) gets each customer's history back whole. It
also plants near-misses that look alike and must stay apart.

Only ``customer_id`` values and the name, phone and e-mail text change: every amount,
date and row stays, so merging the planted duplicates back gives exactly the data
before planting, and every other planted truth (keyed by the original ids) still holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.sample import params as P

__all__ = ["plant_duplicates"]

#: Duplicate records per true customer.
DUPLICATE_SHARE = 0.01
#: Near-misses per true customer: pairs sharing a person's name, pairs sharing a company
#: name in two cities, and groups of businesses sharing one switchboard number.
SAME_NAME_SHARE = 0.0025
SAME_COMPANY_SHARE = 0.0015
SWITCHBOARD_SHARE = 0.0005
SWITCHBOARD_SIZE = 3
#: Share of the original's surveys and follow-ups dated on or after the duplicate's
#: sign-up that move to the duplicate (transactions move whole from the cut date on).
MOVE_SHARE = 0.5
#: A refund follows its purchase by 1-30 days (analysis.sample.purchases): a cut date
#: closer than this after a refund's purchase could split the two.
REFUND_DAYS = 30
#: What each kind of duplicate shares with its original, and the rule that finds it.
KINDS = {
    "phone": "phone",  # the same mobile, written another way (+86, spaces, dashes)
    "email": "email",  # the same address in other letter case
    "company": "company_city",  # the same company with or without its legal form, same city
}
_AREA_CODES = ("10", "21", "22", "23", "20", "28", "571", "755", "512", "532")

DUPLICATE_COLUMNS = ["duplicate_id", "original_id", "kind", "cut_date",
                     "moved_transactions", "moved_surveys", "moved_interactions"]  # fmt: skip
NEAR_MISS_COLUMNS = ["id_a", "id_b", "kind"]


def _days(text: pd.Series) -> np.ndarray:
    """Day offsets from the window start of dates written as 2024-03-05, 2024/3/5 or
    2024年3月5日 (the formats the sample writes); -1 where empty."""
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    slash = pd.to_datetime(text, format="%Y/%m/%d", errors="coerce")
    zh = pd.to_datetime(text, format="%Y年%m月%d日", errors="coerce")
    when = iso.fillna(slash).fillna(zh)
    days = (when - pd.Timestamp(P.START)).dt.days
    return days.fillna(-1).astype(int).to_numpy()


def _rows_by(keys: pd.Series) -> dict[str, np.ndarray]:
    """Row positions of each key, in row order."""
    codes, uniques = pd.factorize(keys)
    order = np.argsort(codes, kind="stable")
    order = order[codes[order] >= 0]  # missing keys belong to no one
    bounds = np.cumsum(np.bincount(codes[codes >= 0], minlength=len(uniques)))[:-1]
    return dict(zip(uniques, np.split(order, bounds), strict=True))


def _format_phone(phone: str, style: int) -> str:
    p = phone
    return (
        f"+86 {p[:3]} {p[3:7]} {p[7:]}",
        f"{p[:3]}-{p[3:7]}-{p[7:]}",
        f"{p[:3]} {p[3:7]} {p[7:]}",
        f"+86-{p[:3]}-{p[3:7]}-{p[7:]}",
        f"0086 {p}",
    )[style]


def _recase_email(email: str, style: int) -> str:
    local, domain = email.split("@", 1)
    return (
        email.upper(),
        f"{local[:1].upper()}{local[1:]}@{domain.upper()}",
        f"{local.upper()}@{domain}",
    )[style]


def _recompany(name: str, style: int) -> str:
    stem = name.removesuffix("有限公司")
    return (stem, f"{stem}股份有限公司")[style]


def _cut_days(days: np.ndarray, refund: np.ndarray, signup: int) -> np.ndarray:
    """Days a customer's history may be cut at: whole days, after the sign-up and the
    first order, by the period end, and never between a purchase and its refund."""
    cuts = np.unique(days[(days > signup) & (days <= P.PERIOD_END_DAY)])
    cuts = cuts[cuts > days.min()]
    for r in days[refund]:
        cuts = cuts[(cuts <= r - REFUND_DAYS) | (cuts > r)]
    return cuts


def plant_duplicates(
    tables: dict[str, pd.DataFrame], rng: np.random.Generator
) -> tuple[dict[str, pd.DataFrame], dict, pd.DataFrame, pd.DataFrame]:
    """Plant duplicate customer records and near-misses in the public tables.

    Duplicates (about :data:`DUPLICATE_SHARE` of the customers), a third of each
    kind in :data:`KINDS`: a new record (ids continue after the last one) copying an
    original customer, signed up later, with the same phone written another way, the
    same e-mail in other letter case, or (businesses) the same company name with or
    without its legal form in the same city; the other contact fields are empty. The
    original's transactions from a cut date on (whole days, never between a purchase
    and its refund, so exact-duplicate and conflicting defect rows stay together) move
    to the duplicate, and so do about half of its surveys and follow-ups dated on or
    after the duplicate's sign-up.

    Near-misses, which must not merge: an individual given another individual's name
    (different phone and city); a business given another business's name in another
    city; groups of :data:`SWITCHBOARD_SIZE` businesses sharing one landline. They
    change only names and phones of existing customers, never rows.

    Parameters
    ----------
    tables : dict of pandas.DataFrame
        ``customers``, ``transactions``, ``surveys``, ``interactions`` (and any other
        table, passed through) as :func:`analysis.sample.generate_sample` writes them.
    rng : numpy.random.Generator
        Source of randomness (the sample's ``duplicates`` stream).

    Returns
    -------
    tables : dict of pandas.DataFrame
        New tables with the duplicates appended to ``customers`` and rows moved.
    summary : dict
        Counts for ``truth.json`` (``profiles``).
    duplicates : pandas.DataFrame
        One row per duplicate: ``duplicate_id``, ``original_id``, ``kind``,
        ``cut_date``, ``moved_transactions``, ``moved_surveys``, ``moved_interactions``.
    near_misses : pandas.DataFrame
        Pairs that must stay apart: ``id_a``, ``id_b`` (``id_a < id_b``), ``kind``
        (``same_name``, ``same_company_other_city``, ``switchboard``).

    Examples
    --------
    >>> from analysis.sample import generate_sample
    >>> tables, truth = generate_sample(seed=1, n_customers=300)
    >>> truth["profiles"]["duplicates"]["n"], len(tables["customers"])
    (3, 303)
    """
    customers = tables["customers"].copy()
    tx = tables["transactions"].copy()
    surveys = tables["surveys"].copy()
    interactions = tables["interactions"].copy()
    n = len(customers)
    ids = customers["customer_id"].to_numpy()
    business = (customers["customer_type"] == "business").to_numpy()
    signup = _days(customers["signup_date"])
    city = customers["city"].to_numpy()

    tx_day = _days(tx["order_date"])
    refund = tx["amount"].str.startswith("-").to_numpy()
    rows_of = _rows_by(tx["customer_id"])

    n_dup = max(len(KINDS), round(DUPLICATE_SHARE * n))
    n_company = n_dup // 3
    n_email = n_dup // 3
    slots = ["company"] * n_company + ["email"] * n_email + ["phone"] * (n_dup - 2 * n_company)
    order = rng.permutation(n)
    used: set[int] = set()
    picked = []  # (original position, kind, cut day)
    for kind in slots:
        for pos in order:
            if pos in used or (kind == "company" and not business[pos]):
                continue
            rows = rows_of.get(ids[pos])
            if rows is None:
                continue
            cuts = _cut_days(tx_day[rows], refund[rows], signup[pos])
            if len(cuts):
                used.add(pos)
                picked.append((pos, kind, int(rng.choice(cuts))))
                break

    dup_rows, dup_info = [], []
    for pos, kind, cut in picked:
        day = int(signup[pos] + 1 + rng.integers(0, cut - signup[pos]))
        style = int(rng.integers(0, 5))
        row = customers.iloc[pos].copy()
        row["signup_date"] = (pd.Timestamp(P.START) + pd.Timedelta(days=day)).strftime("%Y-%m-%d")
        row["phone"] = _format_phone(row["phone"], style) if kind == "phone" else ""
        row["email"] = _recase_email(row["email"], style % 3) if kind == "email" else ""
        if kind == "company":
            row["name"] = _recompany(row["name"], style % 2)
        dup_rows.append(row)
        dup_info.append({"original_id": ids[pos], "kind": kind, "pos": pos, "cut": cut,
                         "day": day})  # fmt: skip

    # Ids continue after the last one in the order the duplicates signed up, as a CRM
    # numbers records when they are created.
    by_signup = sorted(range(len(dup_info)), key=lambda i: (dup_info[i]["day"], i))
    width = len(ids[0]) - 1
    new_ids = {i: f"C{n + k + 1:0{width}d}" for k, i in enumerate(by_signup)}
    other_rows, other_days = {}, {}
    for name, frame, col in (("surveys", surveys, "response_date"),
                             ("interactions", interactions, "date")):  # fmt: skip
        other_days[name] = _days(frame[col])
        other_rows[name] = _rows_by(frame["customer_id"])
    records = []
    for i in by_signup:
        info, row = dup_info[i], dup_rows[i]
        new_id = new_ids[i]
        row["customer_id"] = new_id
        records.append(row)
        rows = rows_of[info["original_id"]]
        moved_tx = rows[tx_day[rows] >= info["cut"]]
        tx.iloc[moved_tx, tx.columns.get_loc("customer_id")] = new_id
        moved = {"transactions": len(moved_tx)}
        for name, frame in (("surveys", surveys), ("interactions", interactions)):
            mine = other_rows[name].get(info["original_id"], np.empty(0, dtype=np.int64))
            mine = mine[other_days[name][mine] >= info["day"]]
            mine = mine[rng.random(len(mine)) < MOVE_SHARE]
            frame.iloc[mine, frame.columns.get_loc("customer_id")] = new_id
            moved[name] = len(mine)
        info.update(duplicate_id=new_id, **{f"moved_{k}": v for k, v in moved.items()})
        info["cut_date"] = (pd.Timestamp(P.START) + pd.Timedelta(days=info["cut"])).strftime(
            "%Y-%m-%d"
        )
    duplicates = pd.DataFrame([dup_info[i] for i in by_signup], columns=DUPLICATE_COLUMNS)

    near = _plant_near_misses(customers, order, used, business, city, rng)
    customers = pd.concat([customers, pd.DataFrame(records)], ignore_index=True)
    out = {**tables, "customers": customers, "transactions": tx, "surveys": surveys,
           "interactions": interactions}  # fmt: skip

    kinds = near["kind"].value_counts()
    pairs_per_group = SWITCHBOARD_SIZE * (SWITCHBOARD_SIZE - 1) // 2
    n_groups = int(kinds.get("switchboard", 0)) // pairs_per_group
    summary = {
        "n_records": len(customers),
        "duplicates": {
            "n": len(duplicates),
            "share_planted": DUPLICATE_SHARE,
            "by_kind": {k: int((duplicates["kind"] == k).sum()) for k in KINDS},
            "rule_by_kind": dict(KINDS),
            "definition": (
                "a new record (id after the last one, later signup_date) copying an original "
                "customer: phone = the same mobile reformatted; email = the same address in "
                "other case; company = the same company with or without its legal form, "
                "same city (businesses). Transactions from cut_date on (whole days, never "
                "between a purchase and its refund) and about half of the surveys and "
                "interactions after the duplicate's signup moved to it"
            ),
            "moved_rows": {
                k: int(duplicates[f"moved_{k}"].sum())
                for k in ("transactions", "surveys", "interactions")
            },
        },
        "near_misses": {
            "same_name": int(kinds.get("same_name", 0)),
            "same_company_other_city": int(kinds.get("same_company_other_city", 0)),
            "switchboard_groups": n_groups,
            "switchboard_customers": n_groups * SWITCHBOARD_SIZE,
            "pairs": len(near),
            "definition": (
                "pairs that must not merge: an individual given another's name (other phone "
                "and city); a business given another's name in another city; groups of "
                f"{SWITCHBOARD_SIZE} businesses sharing one landline"
            ),
        },
        "expected_profiles": n,
        "files": ["truth/duplicates.csv", "truth/near_misses.csv"],
    }
    return out, summary, duplicates, near


def _plant_near_misses(
    customers: pd.DataFrame,
    order: np.ndarray,
    used: set[int],
    business: np.ndarray,
    city: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Change names and phones of customers in place; return the planted pairs."""
    n = len(customers)
    ids = customers["customer_id"].to_numpy()
    free = [int(p) for p in order if p not in used]
    pairs = []

    industry = customers["industry"].to_numpy()

    def take(want_business: bool, not_in: str | None = None, line: str | None = None):
        """The next free customer of the type, outside city ``not_in``, in ``line``."""
        for i, pos in enumerate(free):
            if business[pos] != want_business or (not_in is not None and city[pos] == not_in):
                continue
            if line is not None and industry[pos] != line:
                continue
            return free.pop(i)
        return None

    name_col = customers.columns.get_loc("name")
    plans = (
        ("same_name", SAME_NAME_SHARE, False),
        ("same_company_other_city", SAME_COMPANY_SHARE, True),
    )
    for kind, share, want_business in plans:
        for _ in range(max(1, round(share * n))):
            a = take(want_business)
            if a is None:
                break
            # a branch office: the same line of business in another city
            same_line = industry[a] if want_business else None
            b = take(want_business, not_in=city[a], line=same_line)
            if b is None:
                b = take(want_business, not_in=city[a])
            if b is None:
                break
            customers.iat[b, name_col] = customers.iat[a, name_col]
            pairs.append((a, b, kind))

    phone_col = customers.columns.get_loc("phone")
    for _ in range(max(1, round(SWITCHBOARD_SHARE * n))):
        group = [take(True) for _ in range(SWITCHBOARD_SIZE)]
        if any(g is None for g in group):
            break
        area = str(rng.choice(np.array(_AREA_CODES)))
        local = int(rng.integers(60_000_000, 90_000_000))
        number = f"0{area}-{local}"
        for g in group:
            customers.iat[g, phone_col] = number
        pairs += [(a, b, "switchboard") for i, a in enumerate(group) for b in group[i + 1 :]]

    rows = [(min(ids[a], ids[b]), max(ids[a], ids[b]), k) for a, b, k in pairs]
    return pd.DataFrame(rows, columns=NEAR_MISS_COLUMNS)
