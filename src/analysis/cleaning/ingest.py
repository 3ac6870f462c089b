"""Ingest a source into a DuckDB warehouse: check, parse, dedupe, quarantine, account.

Every row that comes in ends in exactly one place: the clean table, the duplicate
count, the quarantine file (with its reason), or the after-period count. The cleaned
customer records are then merged into one profile per customer
(:mod:`analysis.cleaning.merge`) and every other table's ``customer_id`` points at the
profiles: merging moves no row out of the ledger.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import ibis
import ibis.expr.types as ir

from analysis.cleaning.merge import (
    merge_customer_profiles,
    merged_record_ids,
    remap_customer_ids,
)
from analysis.cleaning.parse import date_problem, number_problem, parse_date, parse_number
from analysis.cleaning.quality import QualityReport, TableQuality
from analysis.exceptions import DataValidationError
from analysis.io.mapping import Mapping, TableMapping, load_mapping
from analysis.io.sources import RawTable, is_database_url, read_database, read_folder, redact_source
from analysis.period import Period
from analysis.schema import CUSTOMER_ID, END_DATE, START_DATE, TABLES, TableSpec

DEFAULT_MAX_QUARANTINE_SHARE = 0.05
BOOKKEEPING = ("_file", "_row")
_P = "__p_"  # prefix of parsed columns in the staging table

#: Prefix of the skip note of an optional table whose file has a header and no rows.
EMPTY_NOTE = "empty (header only):"
SKIP_NOTES = {
    "subscriptions": "no subscriptions table: contract (subscription) churn is skipped",
    "surveys": "no surveys table: satisfaction and comment analysis are skipped",
    "interactions": "no interactions table: the follow-up log is skipped",
}


def build_warehouse(
    source: str | Path,
    *,
    period: Period | str,
    warehouse: str | Path,
    quarantine_dir: str | Path,
    mapping: Mapping | str | Path | None = None,
    max_quarantine_share: float | None = None,
) -> QualityReport:
    """Read, check and clean a source into a DuckDB file of contract tables.

    Parameters
    ----------
    source : str or Path
        A folder of CSV/Excel/Parquet files, or a database URL.
    period : Period or str
        Rows dated after its last day are excluded (and counted).
    warehouse : path
        The DuckDB file to (re)create. It holds one clean, typed table per contract
        table present, and ``_quality`` with the JSON of the returned report.
    quarantine_dir : path
        ``<table>.csv`` files of quarantined rows with their reasons are written here.
    mapping : Mapping, path or None
        Header and value mapping (see :mod:`analysis.io.mapping`).
    max_quarantine_share : float, optional
        Stop when a table would lose more than this share of rows to quarantine.
        Default: the mapping's value, else 0.05.

    Returns
    -------
    QualityReport
        The row ledger of every table and, in ``profiles``, what merging the customer
        records did: the ``customers`` table holds one row per profile (its id is the
        smallest id of its records), the other tables' ``customer_id`` point at the
        profiles, and the warehouse tables ``profile_map`` and ``profile_review`` list
        every record's profile and the pairs to check by hand
        (:func:`analysis.cleaning.merge.merge_customer_profiles`).

    Raises
    ------
    DataValidationError
        A required table or column is missing, a file cannot be read, a table is
        empty, or too many rows would be quarantined.
    """
    period = period if isinstance(period, Period) else Period.parse(period)
    if not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    share = max_quarantine_share
    if share is None:
        share = mapping.max_quarantine_share
    if share is None:
        share = DEFAULT_MAX_QUARANTINE_SHARE
    warehouse = Path(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    for p in (warehouse, warehouse.with_suffix(warehouse.suffix + ".wal")):
        p.unlink(missing_ok=True)
    quarantine_dir = Path(quarantine_dir)

    report = QualityReport(
        source=redact_source(source),
        period=str(period),
        period_end=period.end.isoformat(),
        max_quarantine_share=share,
        mapping=mapping.origin,
    )
    con = ibis.duckdb.connect(str(warehouse))
    work_dir = Path(tempfile.mkdtemp(prefix="analysis-ingest-"))
    try:
        if is_database_url(str(source)):
            raw, ignored = read_database(con, str(source), mapping=mapping)
        else:
            raw, ignored = read_folder(con, source, mapping=mapping, work_dir=work_dir)
        report.ignored_files = ignored
        for name, spec in TABLES.items():
            if name not in raw:
                if spec.must_exist:
                    where = redact_source(source)
                    raise DataValidationError(
                        f"no {name} table found: expected {name}.csv, {name}.xlsx or "
                        f"{name}.parquet (or a database table {name}), or a mapping that "
                        f"names the file; files seen: {', '.join(ignored) or 'none'}",
                        file=where,
                    )
                report.skipped[name] = SKIP_NOTES[name]
                continue
            if not spec.must_exist and int(raw[name].table.count().execute()) == 0:
                # an optional module the CRM exports as a bare header: as good as absent
                report.skipped[name] = f"{EMPTY_NOTE} {SKIP_NOTES[name]}"
                continue
            report.tables[name] = clean_table(
                con,
                raw[name],
                spec,
                mapping.table(name),
                period_end=period.end,
                quarantine_dir=quarantine_dir,
                max_quarantine_share=share,
                remap=report.profiles is not None and report.profiles.merged_records > 0,
            )
            if name == "customers":  # first in TABLES: the others are remapped as cleaned
                report.profiles = merge_customer_profiles(con)
                p = report.profiles
                if p.merged_records:
                    report.tables[name].notes.append(
                        f"{p.records_in} records kept make {p.profiles} customer profiles: "
                        f"{p.merged_records} records merged into another's profile"
                    )
        _count_orphans(con, report)
        con.create_table(
            "_quality",
            ibis.memtable({"report": [_json(report)]}),
            overwrite=True,
        )
    finally:
        con.disconnect()
        shutil.rmtree(work_dir, ignore_errors=True)
    return report


def _json(report: QualityReport) -> str:
    import json

    return json.dumps(report.to_dict(), ensure_ascii=False)


def _content_columns(t: ir.Table) -> list[str]:
    return [c for c in t.columns if c not in BOOKKEEPING]


def clean_table(
    con,
    raw: RawTable,
    spec: TableSpec,
    tmap: TableMapping,
    *,
    period_end: dt.date,
    quarantine_dir: Path,
    max_quarantine_share: float,
    remap: bool = False,
) -> TableQuality:
    """Check and clean one raw table into ``con`` as table ``spec.name``.

    The order of the steps matters for the ledger: exact duplicates first (on the
    trimmed text), then parse problems and missing values (quarantine), then
    conflicting duplicates of the key (quarantine), then rows after the period. With
    ``remap`` (the warehouse holds ``profile_map``), the kept rows' ``customer_id`` are
    then pointed at their profiles; the ids as written decide duplicates and conflicts.
    """
    t = raw.table
    label = raw.label
    cols = _content_columns(t)
    missing_required = [c for c in spec.required if c not in cols]
    if missing_required:
        raise DataValidationError(
            f"required column missing (headers found: {', '.join(raw.headers.values())}); "
            "rename it in the source or map it in the mapping file",
            file=label,
            column=missing_required[0],
        )
    # Trimmed text, '' as NULL, mapped values (企业 -> business) applied.
    norm = {}
    for c in cols:
        s = t[c].strip()
        s = (s == "").ifelse(ibis.null("string"), s)
        if c in tmap.values:
            s = s.substitute(tmap.values[c], else_=s)
        if c in spec.choices:
            s = s.lower()
        norm[c] = s
    t = t.select(*BOOKKEEPING, **norm)
    t = con.create_table(f"_norm_{spec.name}", t, overwrite=True)
    rows_in = int(t.count().execute())
    if rows_in == 0:
        raise DataValidationError("the table has a header but no rows", file=label)

    # 1. exact duplicates (identical in every column), first occurrence kept
    dup_rank = ibis.row_number().over(group_by=[t[c] for c in cols], order_by=t._row)

    # 2. parse (materialised once), then check each row against the parsed values
    parsed: dict[str, ir.Value] = {}
    flags: dict[str, ir.Value] = {}
    for c in spec.dates:
        if c in cols:
            parsed[c], flags[f"__amb_{c}"] = parse_date(t[c], tmap.dates.get(c))
    for c in spec.numbers:
        if c in cols:
            parsed[c] = parse_number(t[c])
    stage = t.mutate(_dup=dup_rank > 0, **{f"{_P}{c}": v for c, v in parsed.items()}, **flags)
    stage = con.create_table(f"_stage_{spec.name}", stage, overwrite=True)

    problems: list[ir.StringValue] = []
    for c in spec.not_null:
        problems.append(stage[c].isnull().ifelse(f"{c}: missing", ibis.null("string")))
    for c in parsed:
        if c in spec.dates:
            p = date_problem(stage[c], stage[f"{_P}{c}"], stage[f"__amb_{c}"])
        else:
            p = number_problem(stage[c], stage[f"{_P}{c}"])
        problems.append(_prefixed(c, p))
    for c, (low, high) in spec.ranges.items():
        if c in parsed:
            v = stage[f"{_P}{c}"]
            bad = v.notnull() & ((v < low) | (v > high) | (v != v.round(0)))
            problems.append(
                bad.ifelse(f"{c}: not a whole number {low}-{high}", ibis.null("string"))
            )
    for c, allowed in spec.choices.items():
        if c in cols:
            bad = stage[c].notnull() & ~stage[c].isin(list(allowed))
            problems.append(
                bad.ifelse(f"{c}: not one of {', '.join(allowed)}", ibis.null("string"))
            )
    if spec.name == "subscriptions" and END_DATE in parsed:
        bad = stage[f"{_P}{END_DATE}"] < stage[f"{_P}{START_DATE}"]
        problems.append(bad.ifelse("end_date before start_date", ibis.null("string")))

    reason = ibis.coalesce(*problems) if len(problems) > 1 else problems[0]
    stage = con.create_table(
        f"_stage_{spec.name}", stage.mutate(_reason=reason).drop(*flags), overwrite=True
    )

    # 3. conflicting duplicates of the key among otherwise good rows
    key = list(tmap.key or spec.key)
    if key and all(k in cols for k in key):
        stage = _mark_key_conflicts(con, stage, spec.name, key, cols, parsed)

    # 4. after the period end
    event = spec.event_date
    after = (
        stage[f"{_P}{event}"] > ibis.date(period_end)
        if event and f"{_P}{event}" in stage.columns
        else ibis.literal(False)
    )
    status = ibis.cases(
        (stage._dup, "duplicate"),
        (stage._reason.notnull(), "quarantined"),
        (after.fill_null(False), "after_period"),
        else_="kept",
    )
    stage = con.create_table(f"_stage_{spec.name}", stage.mutate(_status=status), overwrite=True)

    remap = remap and CUSTOMER_ID in cols
    measures = {"n": stage.count()}
    if remap:  # rows of records merged into another's profile, counted in the same pass
        merged = stage[CUSTOMER_ID].isin(merged_record_ids(con)).fill_null(False)
        measures["r"] = merged.cast("int64").sum()
    by_status = stage.group_by("_status").aggregate(**measures).execute().set_index("_status")
    counts = by_status["n"].to_dict()
    reasons = (
        stage.filter(stage._status == "quarantined")
        .group_by("_reason")
        .aggregate(n=lambda s: s.count())
        .order_by([ibis.desc("n"), "_reason"])
        .execute()
    )
    q = TableQuality(
        name=spec.name,
        files=raw.files,
        rows_in=rows_in,
        kept=int(counts.get("kept", 0)),
        duplicates_removed=int(counts.get("duplicate", 0)),
        quarantined=int(counts.get("quarantined", 0)),
        after_period=int(counts.get("after_period", 0)),
        reasons={str(r): int(n) for r, n in zip(reasons["_reason"], reasons["n"], strict=True)},
        date_column=event,
        extra_columns=[c for c in cols if c not in spec.columns],
        remapped_rows=int(by_status["r"].fillna(0).get("kept", 0)) if remap else 0,
    )
    assert q.balanced, f"row ledger of {spec.name} does not add up: {q}"

    quarantined = stage.filter(stage._status == "quarantined").order_by(["_file", "_row"])
    if q.quarantined:
        from analysis.export import export_table

        quarantine_dir.mkdir(parents=True, exist_ok=True)
        qdf = quarantined.select("_file", "_row", "_reason", *cols).execute()
        export_table(qdf, quarantine_dir / spec.name, formats=("csv",))
    if q.quarantine_share > max_quarantine_share:
        top = next(iter(q.reasons))
        example = quarantined.filter(quarantined._reason == top).limit(5).execute()
        column = top.split(":")[0] if ":" in top else None
        raise DataValidationError(
            f"{q.quarantined} of {q.rows_in} rows ({q.quarantine_share:.1%}) would be "
            f"quarantined, above the limit of {max_quarantine_share:.0%}. Most common reason: "
            f"'{top}' ({q.reasons[top]} rows). Reasons: {q.reasons}. Fix the source or the "
            f"mapping; the rows are listed in {quarantine_dir / (spec.name + '.csv')}",
            file=", ".join(sorted(set(example["_file"]))) or label,
            column=column,
            rows=[int(r) for r in example["_row"]],
        )
    if spec.name == "transactions" and q.after_period and not q.kept:
        # Every order after the period means a wrong --period, not a quiet month: stop.
        late = stage.filter(stage._status == "after_period")
        span = late.aggregate(lo=late[f"{_P}{event}"].min(), hi=late[f"{_P}{event}"].max())
        lo, hi = (str(v)[:10] for v in span.execute().iloc[0])
        raise DataValidationError(
            f"no {spec.name} row is on or before the end of period {period_end:%Y-%m} "
            f"({period_end}): {event} runs from {lo} to {hi}; choose a period within the data",
            file=label,
            column=event,
        )

    # 5. the clean, typed table
    kept = stage.filter(stage._status == "kept")
    profile_id = None
    if remap:
        kept, profile_id = remap_customer_ids(con, kept)
    out = {}
    for c in cols:
        out[c] = kept[f"{_P}{c}"] if c in parsed else kept[c]
    if profile_id is not None:
        out[CUSTOMER_ID] = profile_id
    clean = kept.order_by(["_file", "_row"]).select(**out)
    if spec.name == "subscriptions" and END_DATE in out:
        later = clean[END_DATE] > ibis.date(period_end)
        n_later = int(clean.filter(later).count().execute())
        clean = clean.mutate(**{END_DATE: later.ifelse(ibis.null("date"), clean[END_DATE])})
        if n_later:
            q.notes.append(
                f"{n_later} subscriptions end after the period end; they count as active"
            )
    clean = con.create_table(spec.name, clean, overwrite=True)
    q.missing = (
        {
            k: int(v)
            for k, v in clean.aggregate(**{c: clean[c].isnull().sum() for c in cols})
            .execute()
            .iloc[0]
            .items()
        }
        if q.kept
        else {c: 0 for c in cols}
    )
    if event and event in clean.columns and q.kept:
        lo, hi = clean.aggregate(lo=clean[event].min(), hi=clean[event].max()).execute().iloc[0]
        q.date_min = None if lo is None or lo != lo else str(lo)[:10]
        q.date_max = None if hi is None or hi != hi else str(hi)[:10]
    # Working tables hold every raw row twice over; the warehouse keeps the clean table.
    for tmp in (f"_norm_{spec.name}", f"_stage_{spec.name}", f"_raw_{spec.name}"):
        con.drop_table(tmp, force=True)
    return q


def _prefixed(col: str, problem: ir.StringValue) -> ir.StringValue:
    return problem.notnull().ifelse(f"{col}: " + problem, ibis.null("string"))


def _mark_key_conflicts(con, stage, name, key, cols, parsed):
    """Quarantine rows sharing a key that disagree; drop extra copies that agree.

    Rows that agree once parsed (``2024/3/5`` and ``2024-03-05``) are duplicates
    written two ways; rows that disagree cannot both be right and are quarantined.
    Only keys that occur more than once are compared, so the cost stays with them.
    """
    good = stage._reason.isnull() & ~stage._dup & ibis.and_(*[stage[k].notnull() for k in key])
    g = stage.filter(good)
    repeated = g.group_by(key).aggregate(_n=g.count()).filter(lambda x: x._n > 1).select(*key)
    cand = g.semi_join(repeated, key)
    values = [
        (cand[f"{_P}{c}"] if c in parsed else cand[c]).cast("string").fill_null("␀") for c in cols
    ]
    cand = cand.mutate(_content=ibis.literal("␟").join(values).hash())
    versions = cand.group_by(key).aggregate(_versions=cand._content.nunique())
    cand = cand.inner_join(versions, key)
    rank = ibis.row_number().over(
        group_by=[*[cand[k] for k in key], cand._content], order_by=cand._row
    )
    flags = cand.select(
        "_file",
        "_row",
        _conflict=cand._versions > 1,
        _repeat=(cand._versions == 1) & (rank > 0),
    )
    flags = con.create_table(f"_flags_{name}", flags, overwrite=True)
    s = stage.left_join(flags, ["_file", "_row"]).select(stage, flags._conflict, flags._repeat)
    label = ", ".join(key)
    s = s.mutate(
        _reason=s._conflict.fill_null(False).ifelse(
            f"{label}: conflicting duplicate rows", s._reason
        ),
        _dup=s._dup | s._repeat.fill_null(False),
    ).drop("_conflict", "_repeat")
    s = con.create_table(f"_stage_{name}", s, overwrite=True)
    con.drop_table(f"_flags_{name}", force=True)
    return s


def _count_orphans(con, report: QualityReport) -> None:
    if "customers" not in report.tables:
        return
    customers = con.table("customers")
    for name, tq in report.tables.items():
        if name == "customers" or not tq.kept:
            continue
        t = con.table(name)
        if CUSTOMER_ID not in t.columns:
            continue
        orphans = t.filter(t[CUSTOMER_ID].notnull()).anti_join(customers, CUSTOMER_ID)
        n_rows, n_cust = (
            orphans.aggregate(r=orphans.count(), c=orphans[CUSTOMER_ID].nunique()).execute().iloc[0]
        )
        tq.orphan_rows, tq.orphan_customers = int(n_rows), int(n_cust)
        if n_rows:
            tq.notes.append(
                f"{int(n_rows)} rows of {int(n_cust)} customers not in the customers table are kept"
            )
