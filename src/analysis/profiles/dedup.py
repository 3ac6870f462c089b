"""Find records of the same customer and merge them into one profile per customer.

Matching works by blocking: records are grouped by one normalised key at a time
(phone, e-mail, company + city, name) and pairs are formed only inside a group, so the
cost follows the size of the groups, never the square of the table.

Strong matches (merged):

- ``phone``: the same normalised phone number;
- ``email``: the same normalised e-mail address;
- ``company_city``: two business customers with the same normalised company name in the
  same standardised city.

Review pairs (listed for a person to check, never merged):

- ``shared_phone`` / ``shared_email``: a phone or address used by ``switchboard_min`` or
  more differently named customers is a company switchboard or a shared mailbox, not
  evidence that they are one customer;
- ``same_name``: the same name and nothing strong in common (张伟 in two cities);
- ``same_company_other_city``: the same company name in another city (a branch office).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from analysis.exceptions import DataValidationError
from analysis.profiles.normalise import (
    _as_text,
    normalise_company,
    normalise_email,
    normalise_phone,
    standardise_city,
)
from analysis.schema import CUSTOMER_ID, CUSTOMER_TYPE, SIGNUP_DATE

__all__ = ["build_profiles", "find_matches", "remap_ids"]

MATCH_COLUMNS = ["id_a", "id_b", "kind", "rule", "reason"]
STRONG_RULES = ("phone", "email", "company_city")


def _check_ids(customers: pd.DataFrame, id_col: str = CUSTOMER_ID) -> None:
    if id_col not in customers.columns:
        raise DataValidationError("the customers table has no customer id column", column=id_col)
    ids = customers[id_col]
    bad = np.flatnonzero(ids.isna().to_numpy())
    if len(bad):
        raise DataValidationError(
            "customer ids are missing", file="customers", column=id_col, rows=list(bad + 2)
        )
    dup = np.flatnonzero(ids.duplicated(keep=False).to_numpy())
    if len(dup):
        raise DataValidationError(
            "customer ids repeat; dedupe exact rows first (build_warehouse does)",
            file="customers",
            column=id_col,
            rows=list(dup + 2),
        )


def _block_pairs(key: pd.Series, max_block: int, *, star_large: bool) -> pd.DataFrame:
    """Pairs ``(a, b)``, ``a < b``, of positions sharing a non-missing ``key``.

    Positions are 0..n-1 in id order. A group larger than ``max_block`` gives a star
    (every member paired with the smallest) when ``star_large``, else no pairs.
    """
    pos = np.arange(len(key))
    df = pd.DataFrame({"code": pd.factorize(key, use_na_sentinel=True)[0], "pos": pos})
    df = df[df["code"] >= 0]
    size = df.groupby("code")["pos"].transform("size")
    df = df[size >= 2]
    size = size[df.index]
    small = df[size <= max_block]
    pairs = small.merge(small, on="code", suffixes=("_a", "_b"))
    pairs = pairs[pairs["pos_a"] < pairs["pos_b"]]
    out = [pairs[["pos_a", "pos_b", "code"]].to_numpy()]
    large = df[size > max_block]
    if star_large and len(large):
        first = large.groupby("code")["pos"].transform("min")
        keep = large["pos"] != first
        out.append(np.column_stack([first[keep], large["pos"][keep], large["code"][keep]]))
    arr = np.concatenate(out) if out else np.empty((0, 3), dtype=np.int64)
    return pd.DataFrame(arr, columns=["a", "b", "code"]).astype(np.int64)


def _name_keys(customers: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Normalised name per row and whether the row is a business."""
    n = len(customers)
    if "name" not in customers.columns:
        return pd.Series(pd.NA, index=customers.index, dtype="string"), pd.Series(False, range(n))
    name = customers["name"]
    company = normalise_company(name)
    plain = _as_text(name).str.replace(r"\s+", "", regex=True).str.casefold()
    if CUSTOMER_TYPE in customers.columns:
        ctype = _as_text(customers[CUSTOMER_TYPE]).str.casefold()
        business = (ctype == "business").fillna(False)
        # No type given: a name ending in a legal form (…有限公司, … Ltd.) is a company.
        business = business | (ctype.isna() & (company != plain).fillna(False))
    else:
        business = (company != plain).fillna(False)
    key = company.where(business, plain)
    return key, business.astype(bool)


def find_matches(
    customers: pd.DataFrame, *, switchboard_min: int = 3, max_block: int = 50
) -> pd.DataFrame:
    """Candidate pairs of records that may be the same customer.

    Parameters
    ----------
    customers : DataFrame
        The customers table: ``customer_id`` (unique) and any of ``name``, ``phone``,
        ``email``, ``customer_type``, ``city``.
    switchboard_min : int, default 3
        A phone or e-mail shared by records with this many different names (or more) is a
        switchboard or shared mailbox: its pairs are review pairs, not strong matches.
        Records sharing a phone under one or two names stay strong, so one person
        entered three times still merges.
    max_block : int, default 50
        Groups larger than this give no review pairs (a name that common says nothing);
        strong groups that large are linked to their smallest id instead of pairwise.

    Returns
    -------
    DataFrame
        One row per pair, ``id_a < id_b``: ``id_a``, ``id_b``, ``kind`` (``strong`` or
        ``review``), ``rule`` (``phone``, ``email``, ``company_city``; missing for review
        pairs), ``reason`` (``shared_phone``, ``shared_email``, ``same_name``,
        ``same_company_other_city``; missing for strong pairs). A pair matching several
        rules is listed once, with the first rule in that order. Review pairs already
        joined by strong matches (directly or through other records) are left out.
        ``attrs["counts"]`` holds the number of switchboards and skipped groups.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "name": ["张伟"] * 3,
    ...                   "phone": ["13800138000", "+86 138 0013 8000", "13900139000"],
    ...                   "city": ["杭州", "杭州市", "成都"]})
    >>> find_matches(c)[["id_a", "id_b", "kind", "rule", "reason"]].values.tolist()
    [['C1', 'C2', 'strong', 'phone', <NA>], ['C1', 'C3', 'review', <NA>, 'same_name'], \
['C2', 'C3', 'review', <NA>, 'same_name']]
    """
    _check_ids(customers)
    if switchboard_min < 2:
        raise ValueError("switchboard_min must be at least 2")
    c = customers.sort_values(CUSTOMER_ID, kind="stable").reset_index(drop=True)
    ids = c[CUSTOMER_ID].to_numpy()
    name_key, business = _name_keys(c)
    name_code = pd.Series(pd.factorize(name_key)[0], index=c.index)  # -1 = no name
    counts: dict[str, int] = {}
    strong, review = [], []

    for field, rule, reason in (
        ("phone", "phone", "shared_phone"),
        ("email", "email", "shared_email"),
    ):
        if field not in c.columns:
            continue
        key = normalise_phone(c[field]) if field == "phone" else normalise_email(c[field])
        # How many different names use each value decides switchboard or same customer.
        named = pd.DataFrame({"key": key, "name": name_code})
        named = named[named["key"].notna() & (named["name"] >= 0)]
        n_names = named.groupby("key")["name"].nunique()
        shared = set(n_names.index[n_names >= switchboard_min])
        counts[f"{reason}_values"] = len(shared)
        is_shared = key.isin(shared).fillna(False).to_numpy()
        strong_key = key.where(~is_shared)
        pairs = _block_pairs(strong_key, max_block, star_large=True)
        strong.append(pairs.assign(rule=rule))
        shared_key = key.where(is_shared)
        pairs = _block_pairs(shared_key, max_block, star_large=False)
        review.append(pairs.assign(reason=reason))

    if "city" in c.columns and "name" in c.columns:
        city = standardise_city(c["city"])["city"]
        company_city = (name_key + "|" + city).where(business)
        strong.append(
            _block_pairs(company_city, max_block, star_large=True).assign(rule="company_city")
        )

    name_pairs = _block_pairs(name_key, max_block, star_large=False)
    both_business = business.to_numpy()[name_pairs["a"]] & business.to_numpy()[name_pairs["b"]]
    review.append(
        name_pairs.assign(reason=np.where(both_business, "same_company_other_city", "same_name"))
    )
    counts["oversized_name_groups"] = int((name_key.value_counts() > max_block).sum())

    strong_df = _concat_pairs(strong, "rule")
    review_df = _concat_pairs(review, "reason")
    # Leave out review pairs that strong matches already put into one profile.
    comp = _components(len(c), strong_df["a"].to_numpy(), strong_df["b"].to_numpy())
    review_df = review_df[comp[review_df["a"]] != comp[review_df["b"]]]

    out = pd.concat(
        [
            strong_df.assign(kind="strong", reason=pd.NA),
            review_df.assign(kind="review", rule=pd.NA),
        ],
        ignore_index=True,
    )
    out = out.sort_values(["kind", "a", "b"], ascending=[False, True, True], kind="stable")
    result = pd.DataFrame(
        {
            "id_a": ids[out["a"].to_numpy()],
            "id_b": ids[out["b"].to_numpy()],
            "kind": out["kind"].to_numpy(),
            "rule": out["rule"].astype("string").to_numpy(),
            "reason": out["reason"].astype("string").to_numpy(),
        }
    )
    result = result.astype({"rule": "string", "reason": "string"})
    result.attrs["counts"] = counts
    return result


def _concat_pairs(parts: list[pd.DataFrame], label: str) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({"a": [], "b": [], label: []}).astype({"a": np.int64, "b": np.int64})
    df = pd.concat([p[["a", "b", label]] for p in parts], ignore_index=True)
    return df.drop_duplicates(["a", "b"], keep="first")  # first rule in priority order


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected component label of each of ``n`` nodes joined by edges ``a``-``b``."""
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _empty_to_na(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            text = out[col].astype("string").str.strip()
            out[col] = out[col].mask((text == "").fillna(False))
    return out


def build_profiles(
    customers: pd.DataFrame,
    matches: pd.DataFrame,
    *,
    source_rank: Sequence[str] | None = None,
) -> tuple[pd.Series, pd.DataFrame]:
    """Merge strongly matched records into one profile per customer.

    Strong pairs are joined transitively (union-find: connected components), so A-B by
    phone and B-C by e-mail make one profile. Its id is the smallest ``customer_id`` of
    the group (string order for text ids, which is numeric order for zero-padded ids like
    ``C000123``): stable when more records join later, unless a smaller one does.

    Survivorship, per field: the value of the most recent record (by ``signup_date``)
    that has one; ties, and records without a date (ranked oldest), are broken by
    ``source_rank`` (earlier = preferred) when the table has a ``source`` column and
    ``source_rank`` is given, else by the smallest id. Empty strings count as missing.
    Exception: ``signup_date`` is the earliest of the group, since the customer has been
    a customer since then (tenure and churn models need it).

    Parameters
    ----------
    customers : DataFrame
        The customers table (``customer_id`` unique).
    matches : DataFrame
        From :func:`find_matches`; only ``kind == "strong"`` rows are used.
    source_rank : sequence of str, optional
        Sources from most to least trusted; unlisted sources rank after listed ones.

    Returns
    -------
    profile_map : Series
        Index ``customer_id`` (every customer), values: its profile id; named
        ``profile_id``.
    profiles : DataFrame
        One row per profile: ``customer_id`` (the profile id), the customers table's other
        columns in their order, chosen as above, and ``merged_from`` (records merged).

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2"], "phone": ["13800138000", None],
    ...                   "email": [None, "a@b.cn"], "signup_date": ["2024-01-01", "2024-06-01"]})
    >>> m = pd.DataFrame({"id_a": ["C1"], "id_b": ["C2"], "kind": ["strong"]})
    >>> pmap, prof = build_profiles(c, m)
    >>> pmap.tolist(), prof.values.tolist()
    (['C1', 'C1'], [['C1', '13800138000', 'a@b.cn', '2024-01-01', 2]])
    """
    _check_ids(customers)
    missing = {"id_a", "id_b", "kind"} - set(matches.columns)
    if missing:
        raise DataValidationError(
            f"the matches table lacks {sorted(missing)}; pass find_matches' result",
            column=", ".join(sorted(missing)),
        )
    c = _empty_to_na(customers.sort_values(CUSTOMER_ID, kind="stable").reset_index(drop=True))
    ids = c[CUSTOMER_ID].to_numpy()
    index = pd.Index(ids)
    strong = matches[matches["kind"] == "strong"]
    a = index.get_indexer(strong["id_a"])
    b = index.get_indexer(strong["id_b"])
    unknown = np.flatnonzero((a < 0) | (b < 0))
    if len(unknown):
        raise DataValidationError(
            "matches name customer ids that are not in the customers table",
            file="matches",
            column="id_a/id_b",
            rows=list(unknown + 2),
        )
    comp = _components(len(c), a, b)
    # Positions are in id order, so the first position of a component is its smallest id.
    first_pos = pd.Series(np.arange(len(c))).groupby(comp).transform("min").to_numpy()
    profile_id = ids[first_pos]
    profile_map = pd.Series(profile_id, index=pd.Index(ids, name=CUSTOMER_ID), name="profile_id")

    order = pd.DataFrame({"pid": profile_id, "pos": np.arange(len(c))})
    if SIGNUP_DATE in c.columns:
        order["date"] = pd.to_datetime(c[SIGNUP_DATE], errors="coerce")
    else:
        order["date"] = pd.NaT
    order["source"] = 0
    if source_rank is not None and "source" in c.columns:
        rank = {s: i for i, s in enumerate(source_rank)}
        order["source"] = c["source"].map(rank).fillna(len(rank)).to_numpy()
    ranked = order.sort_values(
        ["pid", "date", "source", "pos"],
        ascending=[True, False, True, True],
        na_position="last",
        kind="stable",
    )
    fields = [col for col in c.columns if col != CUSTOMER_ID]
    values = c.loc[ranked["pos"].to_numpy(), fields].set_axis(ranked["pid"].to_numpy())
    profiles = values.groupby(level=0, sort=True).first()  # first non-missing per column
    if SIGNUP_DATE in c.columns:
        earliest = order.sort_values(["pid", "date", "pos"], na_position="last", kind="stable")
        first_date = c[SIGNUP_DATE].to_numpy()[earliest["pos"].to_numpy()]
        dates = pd.Series(first_date, index=earliest["pid"].to_numpy())
        profiles[SIGNUP_DATE] = dates.groupby(level=0, sort=True).first()
    profiles["merged_from"] = pd.Series(profile_id).value_counts().reindex(profiles.index)
    profiles = profiles.rename_axis(CUSTOMER_ID).reset_index()
    profiles["merged_from"] = profiles["merged_from"].astype(np.int64)
    return profile_map, profiles[[CUSTOMER_ID, *fields, "merged_from"]]


def remap_ids(
    table: pd.DataFrame, profile_map: pd.Series, column: str = CUSTOMER_ID
) -> pd.DataFrame:
    """Point a table's customer ids at their profiles.

    Transactions, surveys and interactions of merged records then belong to one
    customer. Ids without a mapping (and missing ids) stay as they are.

    Parameters
    ----------
    table : DataFrame
        Any table with a customer id column.
    profile_map : Series
        From :func:`build_profiles`: old id -> profile id.
    column : str, default "customer_id"
        The id column of ``table``.

    Returns
    -------
    DataFrame
        A copy of ``table`` with ``column`` remapped.

    Examples
    --------
    >>> pmap = pd.Series({"C1": "C1", "C2": "C1"})
    >>> remap_ids(pd.DataFrame({"customer_id": ["C2", "C9", None]}), pmap)["customer_id"].tolist()
    ['C1', 'C9', None]
    """
    if column not in table.columns:
        raise DataValidationError(f"the table has no column '{column}' to remap", column=column)
    out = table.copy()
    mapped = out[column].map(profile_map)
    out[column] = out[column].where(mapped.isna(), mapped)
    return out
