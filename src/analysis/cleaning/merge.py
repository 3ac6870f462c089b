"""One profile per customer at ingest: merge the cleaned customer records.

After the customers table is cleaned, :func:`merge_customer_profiles` finds records of
the same customer (:func:`analysis.profiles.find_matches`: the same phone, e-mail, or
company in the same city), replaces the table with one row per profile
(:func:`analysis.profiles.build_profiles`), fills a missing region from the bundled
city table, and stores the warehouse tables ``profile_map`` and ``profile_review``.
:func:`remap_customer_ids` then points each other table's ``customer_id`` at its
profile, in the engine, so every page and export sees one customer once.

Merging is not part of the row ledger: the customers table's ``kept`` rows are the
records that passed cleaning; :class:`~analysis.cleaning.quality.ProfileQuality` says
how many profiles they make (``records_in == profiles + merged_records``).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from analysis.cleaning.quality import ProfileQuality
from analysis.profiles import build_profiles, find_matches, standardise_city
from analysis.profiles.dedup import STRONG_RULES
from analysis.schema import CUSTOMER_ID

__all__ = [
    "PROFILE_MAP",
    "PROFILE_REVIEW",
    "merge_customer_profiles",
    "merged_record_ids",
    "remap_customer_ids",
]

#: Warehouse table: every kept customer record -> its profile, and the rule that merged it.
PROFILE_MAP = "profile_map"
#: Warehouse table: pairs of records a person should check (never merged).
PROFILE_REVIEW = "profile_review"
#: Columns :func:`analysis.profiles.find_matches` reads, besides the id.
MATCH_FIELDS = ("name", "phone", "email", "customer_type", "city")
REVIEW_COLUMNS = ["id_a", "profile_a", "name_a", "city_a",
                  "id_b", "profile_b", "name_b", "city_b", "reason"]  # fmt: skip


def _rule_of_records(matches: pd.DataFrame, profile_map: pd.Series) -> pd.Series:
    """The rule that merged each record into a profile (missing for the profile's own
    record and for records merged with nothing).

    A record joined by several pairs takes the first rule in :data:`STRONG_RULES` order
    (phone, email, company_city), then the pair with the smallest other id.
    """
    strong = matches[matches["kind"] == "strong"]
    ends = pd.concat(
        [
            strong[["id_a", "id_b", "rule"]].set_axis(["record", "other", "rule"], axis=1),
            strong[["id_b", "id_a", "rule"]].set_axis(["record", "other", "rule"], axis=1),
        ],
        ignore_index=True,
    )
    ends["priority"] = ends["rule"].map({r: i for i, r in enumerate(STRONG_RULES)})
    ends = ends.sort_values(["record", "priority", "other"], kind="stable")
    rule = ends.drop_duplicates("record").set_index("record")["rule"]
    rule = rule.reindex(profile_map.index).astype("string")
    return rule.mask(profile_map.index.to_numpy() == profile_map.to_numpy())


def _fill_regions(customers: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Missing regions looked up from the city (bundled table); given regions stay."""
    if "city" not in customers.columns:
        return customers, 0
    found = standardise_city(customers["city"])["region"]
    out = customers.copy()
    if "region" in out.columns:
        given = out["region"]
        empty = given.isna() | (given.astype("string").str.strip() == "").fillna(False)
    else:
        if not found.notna().any():
            return customers, 0
        out["region"] = None
        empty = pd.Series(True, index=out.index)
    fill = empty & found.notna()
    out.loc[fill, "region"] = found[fill].astype(object)
    return out, int(fill.sum())


def _to_table(df: pd.DataFrame, schema: ibis.Schema | None = None) -> ir.Table:
    """A pandas frame as an in-memory ibis table, missing values as NULL."""
    clean = df.astype(object).where(df.notna(), None)
    table = ibis.memtable(clean)
    if schema is None:
        return table
    return table.cast({c: schema[c] for c in clean.columns if c in schema})


def merge_customer_profiles(con) -> ProfileQuality:
    """Replace the warehouse's ``customers`` table with one row per profile.

    Reads the cleaned ``customers`` table, matches its records, and writes back

    - ``customers``: one row per profile, ``customer_id`` = the profile id (the
      smallest id of its records), fields chosen by survivorship (the most recent
      non-empty value by ``signup_date``; ``signup_date`` the earliest), in the order
      the profiles' first records came, with the same columns (plus ``region`` when the
      table had a city and no region);
    - ``profile_map``: ``customer_id`` (every record), ``profile_id``, ``rule`` (the
      strong rule that merged the record; missing for a profile's own record);
    - ``profile_review``: the review pairs, ``id_a``, ``profile_a``, ``name_a``,
      ``city_a``, ``id_b``, ``profile_b``, ``name_b``, ``city_b``, ``reason``
      (``shared_phone``, ``shared_email``, ``same_name``, ``same_company_other_city``).

    A missing region is filled from the city where the bundled city table knows it;
    a region the source gives is never rewritten. The result is deterministic: records
    are matched in id order.

    Parameters
    ----------
    con : ibis DuckDB backend
        The warehouse being built, holding the cleaned ``customers`` table.

    Returns
    -------
    ProfileQuality
        Records in, profiles out, merged records by rule, review pairs by reason.

    Examples
    --------
    >>> con = ibis.duckdb.connect()
    >>> _ = con.create_table("customers", ibis.memtable({
    ...     "customer_id": ["C1", "C2", "C3"], "phone": ["13800138000", "+86 138 0013 8000", None],
    ...     "city": ["杭州", "杭州", "成都"]}))
    >>> q = merge_customer_profiles(con)
    >>> q.records_in, q.profiles, q.by_rule, q.regions_filled
    (3, 2, {'phone': 1}, 3)
    >>> con.table("profile_map").execute()["profile_id"].tolist()
    ['C1', 'C1', 'C3']
    """
    table = con.table("customers")
    schema = table.schema()
    records = table.execute()
    fields = [c for c in MATCH_FIELDS if c in records.columns]
    records, regions_filled = _fill_regions(records)
    matches = find_matches(records)
    profile_map, profiles = build_profiles(records, matches)
    rule = _rule_of_records(matches, profile_map)

    # Profiles in the order their first record came in the cleaned table.
    first_seen = pd.unique(profile_map.reindex(records[CUSTOMER_ID]).to_numpy())
    profiles = profiles.set_index(CUSTOMER_ID).loc[first_seen].reset_index()
    profiles = profiles[list(records.columns)]
    out_schema = dict(schema.items())
    if "region" not in out_schema and "region" in profiles.columns:
        out_schema["region"] = ibis.dtype("string")
    con.create_table("customers", _to_table(profiles, ibis.schema(out_schema)), overwrite=True)

    pmap = pd.DataFrame(
        {
            CUSTOMER_ID: profile_map.index.to_numpy(),
            "profile_id": profile_map.to_numpy(),
            "rule": rule.to_numpy(),
        }
    )
    map_schema = ibis.schema({CUSTOMER_ID: "string", "profile_id": "string", "rule": "string"})
    con.create_table(PROFILE_MAP, _to_table(pmap, map_schema), overwrite=True)

    review = matches[matches["kind"] == "review"]
    info = records.set_index(CUSTOMER_ID)
    pairs = {}
    for side in ("a", "b"):
        ids = review[f"id_{side}"]
        pairs[f"id_{side}"] = ids.to_numpy()
        pairs[f"profile_{side}"] = profile_map.reindex(ids).to_numpy()
        for col in ("name", "city"):
            values = info[col].reindex(ids) if col in info.columns else None
            pairs[f"{col}_{side}"] = None if values is None else values.to_numpy()
    pairs["reason"] = review["reason"].to_numpy()
    review_df = pd.DataFrame(pairs, index=range(len(review)))[REVIEW_COLUMNS]
    review_schema = ibis.schema(dict.fromkeys(REVIEW_COLUMNS, "string"))
    con.create_table(PROFILE_REVIEW, _to_table(review_df, review_schema), overwrite=True)

    counts = matches.attrs.get("counts", {})
    merged = rule.dropna()
    return ProfileQuality(
        records_in=len(records),
        profiles=len(profiles),
        merged_records=int(len(merged)),
        by_rule={r: int((merged == r).sum()) for r in STRONG_RULES if (merged == r).any()},
        largest_profile=int(profile_map.value_counts().max()) if len(profile_map) else 0,
        review_pairs=len(review_df),
        review_by_reason={
            str(k): int(v) for k, v in review_df["reason"].value_counts(sort=False).items()
        },
        switchboards=int(counts.get("shared_phone_values", 0)),
        shared_mailboxes=int(counts.get("shared_email_values", 0)),
        regions_filled=regions_filled,
        fields=fields,
    )


def merged_record_ids(con) -> ir.Column:
    """Ids of the records merged into another record's profile (``profile_map``)."""
    pm = con.table(PROFILE_MAP)
    return pm.filter(pm[CUSTOMER_ID] != pm.profile_id)[CUSTOMER_ID]


def remap_customer_ids(con, table: ir.Table) -> tuple[ir.Table, ir.Value]:
    """``table`` joined to ``profile_map`` of records that merged into another's profile.

    Returns the joined table and its new ``customer_id`` (the profile id where the
    record merged, else the id as it was), for the caller to select in its own row
    order; ids of no kept customer record stay as they are.

    Examples
    --------
    >>> con = ibis.duckdb.connect()
    >>> _ = con.create_table("profile_map", ibis.memtable(
    ...     {"customer_id": ["C1", "C2"], "profile_id": ["C1", "C1"], "rule": [None, "phone"]}))
    >>> t = ibis.memtable({"customer_id": ["C2", "C9"], "n": [1, 2]})
    >>> joined, cid = remap_customer_ids(con, t)
    >>> joined.select(customer_id=cid, n=joined.n).order_by("n").execute()["customer_id"].tolist()
    ['C1', 'C9']
    """
    pm = con.table(PROFILE_MAP)
    moved = pm.filter(pm[CUSTOMER_ID] != pm.profile_id).select(
        __from=pm[CUSTOMER_ID], __to=pm.profile_id
    )
    joined = table.left_join(moved, table[CUSTOMER_ID] == moved["__from"])
    joined = joined.select(table, moved["__to"])
    return joined, ibis.coalesce(joined["__to"], joined[CUSTOMER_ID])
