"""Data-quality page: what came in from the export, what was kept, and why not.

Sections: :func:`summary`, :func:`ledger`, :func:`reasons`, :func:`coverage`,
:func:`missing`, :func:`profiles`, :func:`completeness`, :func:`notes`, :func:`run_info`.
Each returns codes and numbers; :func:`analysis.pages.show` turns them into words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analysis.cleaning.ingest import EMPTY_NOTE
from analysis.cleaning.quality import LEDGER_COLUMNS, compute_monthly_volume
from analysis.pages.base import Chart, LangTable, Note, Section, Skipped, Text, Word, _word
from analysis.pages.context import RunContext

__all__ = ["SECTIONS", "summary", "ledger", "reasons", "coverage", "missing", "profiles",
           "completeness", "compute_profile_gaps", "notes", "run_info"]  # fmt: skip

#: The page's sections in display order (the notebook shows each once).
SECTIONS = ("summary", "ledger", "reasons", "coverage", "missing", "profiles", "completeness",
            "notes")  # fmt: skip


@dataclass(frozen=True)
class Summary(Section):
    """The whole ingest in numbers (``facts``: tables, rows, quarantined, share, ...)."""

    facts: dict
    section = "quality.summary"

    def blocks(self) -> Iterator:
        kinds = {"share": "pct", "period": "text", "end": "date", "lo": "date", "hi": "date"}
        yield Text("quality.summary.text", self.facts, kinds)


def summary(ctx: RunContext) -> Summary:
    """Rows read, quarantined, duplicated and after the period, over all tables."""
    q = ctx.warehouse.quality
    total_in = sum(t.rows_in for t in q.tables.values())
    total_q = sum(t.quarantined for t in q.tables.values())
    tx = q.tables["transactions"]
    return Summary(
        facts={
            "period": q.period,
            "end": q.period_end,
            "tables": len(q.tables),
            "rows": total_in,
            "q": total_q,
            "share": total_q / total_in if total_in else 0.0,
            "d": sum(t.duplicates_removed for t in q.tables.values()),
            "a": sum(t.after_period for t in q.tables.values()),
            "lo": tx.date_min,
            "hi": tx.date_max,
        }
    )


@dataclass(frozen=True)
class Ledger(Section):
    """One row per table: rows in, kept, duplicates, quarantined, after period, balance.

    ``table`` columns: ``table`` (code), ``rows_in``, ``kept``, ``duplicates_removed``,
    ``quarantined``, ``after_period``, ``orphan_rows``, ``date_min``, ``date_max``,
    ``balanced`` (bool).
    """

    table: pd.DataFrame
    section = "quality.ledger"

    def blocks(self) -> Iterator:
        shown = self.table.assign(balanced=self.table["balanced"].map({True: "✓", False: "✗"}))
        kinds = dict.fromkeys((*LEDGER_COLUMNS, "orphan_rows"), "count")
        kinds.update(date_min="date", date_max="date", table="text", balanced="text")
        yield LangTable(shown, kinds, headers={"table": "table"},
                        classes={"table": "label"})  # fmt: skip
        yield Chart(self._draw)

    def _draw(self, lang: str):
        from analysis.i18n import label
        from analysis.plotting.quality import plot_ledger

        frame = self.table.set_index("table")[list(LEDGER_COLUMNS)]
        frame.index = [label(n, lang) for n in frame.index]
        frame.columns = [label(c, lang) for c in frame.columns]
        ax = plot_ledger(frame, title=label("rows", lang))
        return ax.figure


def ledger(ctx: RunContext) -> Ledger:
    """The row ledger of every table read."""
    rows = []
    for name, t in ctx.warehouse.quality.tables.items():
        rows.append(
            {
                "table": name,
                **{c: getattr(t, c) for c in LEDGER_COLUMNS},
                "orphan_rows": t.orphan_rows,
                "date_min": t.date_min,
                "date_max": t.date_max,
                "balanced": t.balanced,
            }
        )
    return Ledger(pd.DataFrame(rows))


_REASON_PATTERNS = (
    (re.compile(r"^(?P<col>[\w, ]+): missing$"), "quality.reason.missing"),
    (re.compile(r"^(?P<col>\w+): unparsable date$"), "quality.reason.bad_date"),
    (re.compile(r"^(?P<col>\w+): ambiguous day/month order"), "quality.reason.ambiguous_date"),
    (re.compile(r"^(?P<col>\w+): unparsable number$"), "quality.reason.bad_number"),
    (re.compile(r"^(?P<col>\w+): not a whole number (?P<range>\S+)$"), "quality.reason.range"),
    (re.compile(r"^(?P<col>\w+): not one of (?P<choices>.+)$"), "quality.reason.choice"),
    (re.compile(r"^end_date before start_date$"), "quality.reason.end_before_start"),
    (re.compile(r"^(?P<col>[\w, ]+): conflicting duplicate rows$"), "quality.reason.conflict"),
)


def reason_code(reason: str) -> tuple[str, dict]:
    """The catalogue key and values of an ingest quarantine reason.

    Examples
    --------
    >>> reason_code("order_date: unparsable date")
    ('quality.reason.bad_date', {'col': 'order_date'})
    >>> reason_code("something new")
    ('quality.reason.other', {'reason': 'something new'})
    """
    for pattern, key in _REASON_PATTERNS:
        m = pattern.match(reason)
        if m:
            return key, m.groupdict()
    return "quality.reason.other", {"reason": reason}


@dataclass(frozen=True)
class Reasons(Section):
    """Quarantine reasons: ``table`` with ``table``, ``reason`` (as ingest wrote it), ``rows``."""

    table: pd.DataFrame
    section = "quality.reasons"

    def blocks(self) -> Iterator:
        if self.table.empty:
            yield Text("quality.reasons.none")
            return
        yield _ReasonTable(self.table)


@dataclass(frozen=True)
class _ReasonTable:
    frame: pd.DataFrame

    def render(self, lang: str):
        from analysis.i18n import t

        words = []
        for key, values in map(reason_code, self.frame["reason"]):
            if "col" in values:
                cols = [c.strip() for c in values["col"].split(",")]
                sep = t("list.separator", lang)
                values = {**values, "col": sep.join(_word("field", c, lang) for c in cols)}
            words.append(t(key, lang, **values))
        return LangTable(
            self.frame.assign(reason=words),
            {"rows": "count"},
            headers={"table": "table", "reason": "reason", "rows": "rows"},
            classes={"table": "label"},
        ).render(lang)


def reasons(ctx: RunContext) -> Reasons:
    """Rows set aside per table and reason, most frequent first."""
    rows = [
        {"table": name, "reason": r, "rows": n}
        for name, t in ctx.warehouse.quality.tables.items()
        for r, n in t.reasons.items()
    ]
    df = pd.DataFrame(rows, columns=["table", "reason", "rows"])
    return Reasons(df.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True))


@dataclass(frozen=True)
class Coverage(Section):
    """Rows per month for each dated table (``monthly``: table -> frame), net sales."""

    monthly: dict
    period_end: str
    section = "quality.coverage"

    def blocks(self) -> Iterator:
        yield Chart(self._draw)

    def _draw(self, lang: str):
        import matplotlib.pyplot as plt

        from analysis.i18n import label, t
        from analysis.plotting.quality import plot_monthly_volume

        panels = [("transactions", "rows"), ("transactions", "net_amount")] + [
            (n, "rows") for n in self.monthly if n != "transactions"
        ]
        fig, axes = plt.subplots(len(panels), 1, figsize=(9, 2.3 * len(panels)), squeeze=False)
        for ax, (name, value) in zip(axes[:, 0], panels, strict=True):
            what = label("amount_per_month" if value == "net_amount" else "rows_per_month", lang)
            plot_monthly_volume(
                self.monthly[name],
                ax=ax,
                value=value,
                title=t("quality.coverage.panel", lang, table=label(name, lang), what=what),
                period_end=self.period_end,
            )
        fig.tight_layout()
        return fig


def coverage(ctx: RunContext) -> Coverage:
    """Monthly volume of transactions and of every other dated table."""
    q = ctx.warehouse.quality
    monthly = {"transactions": compute_monthly_volume(ctx.warehouse["transactions"],
                                                      "order_date", "amount")}  # fmt: skip
    for name, tq in q.tables.items():
        if name != "transactions" and tq.date_column and tq.date_max:
            monthly[name] = compute_monthly_volume(ctx.warehouse[name], tq.date_column)
    return Coverage(monthly, q.period_end)


@dataclass(frozen=True)
class Missing(Section):
    """Empty cells per kept column: ``table``, ``column``, ``missing``, ``share``."""

    table: pd.DataFrame
    section = "quality.missing"

    def blocks(self) -> Iterator:
        gaps = self.table[self.table["missing"] > 0]
        if gaps.empty:
            yield Text("quality.missing.none")
            return
        yield LangTable(
            gaps,
            {"missing": "count", "share": "pct"},
            headers={"table": "table", "column": "column",
                     "missing": "missing", "share": "missing_share"},
            classes={"table": "label", "column": "field"},
        )  # fmt: skip


def missing(ctx: RunContext) -> Missing:
    """Missing values per kept column, largest gaps first."""
    rows = [
        {"table": name, "column": col, "missing": n, "share": n / t.kept if t.kept else 0.0}
        for name, t in ctx.warehouse.quality.tables.items()
        for col, n in t.missing.items()
    ]
    df = pd.DataFrame(rows, columns=["table", "column", "missing", "share"])
    return Missing(df.sort_values("missing", ascending=False, kind="stable").reset_index(drop=True))


@dataclass(frozen=True)
class _FieldList(Word):
    """Contract columns (``code`` comma-separated) named in the reader's language."""

    def render(self, lang: str) -> str:
        from analysis.i18n import t

        names = [_word("field", c, lang) for c in self.code.split(",")]
        return t("list.separator", lang).join(names)


#: Columns the matcher reads (besides the id); a customers table without one of them
#: matches on the others only.
_MATCH_FIELDS = ("name", "phone", "email", "city")
#: The review export lists the most telling pairs first: a shared number or mailbox and
#: a company in two cities are few; same-name pairs are many (docs/profiles.md).
_REVIEW_ORDER = ("shared_phone", "shared_email", "same_company_other_city", "same_name")


@dataclass(frozen=True)
class Profiles(Section):
    """Customer records merged into profiles at ingest, and the pairs left to a person.

    ``facts``: ``records`` (customer records kept), ``profiles``, ``merged``, ``largest``
    (records in the largest profile), ``review`` (pairs), ``regions`` (regions filled from
    the city). ``merges``: ``rule`` (``phone``, ``email``, ``company_city``),
    ``records``. ``review``: ``reason`` (``shared_phone``, ``shared_email``, ``same_name``,
    ``same_company_other_city``), ``pairs``. ``absent``: identifying columns the
    customers table lacks. ``files``: the exports written.
    """

    facts: dict
    merges: pd.DataFrame
    review: pd.DataFrame
    absent: tuple
    files: tuple
    section = "quality.profiles"

    def blocks(self) -> Iterator:
        yield Text("quality.profiles.text", self.facts)
        if not self.merges.empty:
            yield LangTable(
                self.merges,
                {"records": "count"},
                headers={"rule": "quality.profiles.col.rule",
                         "records": "quality.profiles.col.records"},
                classes={"rule": "profile_match"},
            )  # fmt: skip
        if not self.review.empty:
            yield LangTable(
                self.review,
                {"pairs": "count"},
                headers={"reason": "quality.profiles.col.reason",
                         "pairs": "quality.profiles.col.pairs"},
                classes={"reason": "profile_match"},
            )  # fmt: skip
        if self.facts["regions"]:
            yield Text("quality.profiles.regions", {"n": self.facts["regions"]})
        if self.absent:
            yield Note(
                "quality.profiles.absent", {"fields": _FieldList("field", ",".join(self.absent))}
            )
        if self.files:
            yield Text("quality.profiles.exports")


def profiles(ctx: RunContext) -> Profiles | Skipped:
    """How many customer records were merged, by which rule, and what is left to check.

    Writes ``exports/profile_map.csv`` (every record of a merged profile: ``customer_id``
    as the source wrote it, ``profile_id``, ``rule``; empty for the profile's own record)
    and ``exports/profile_review.csv`` (the pairs to check, with names and cities, and
    the profile each record is in; shared phones and e-mails first, then companies in two
    cities, then same names) when the run has a report folder.
    """
    from analysis.export import export_table

    p = ctx.warehouse.quality.profiles
    if p is None or not ctx.has("customers"):
        return Skipped("quality.profiles", "quality.profiles.skip.no_customers")
    merges = pd.DataFrame(
        {"rule": list(p.by_rule), "records": list(p.by_rule.values())}, columns=["rule", "records"]
    )
    review = (
        pd.DataFrame(
            {"reason": list(p.review_by_reason), "pairs": list(p.review_by_reason.values())},
            columns=["reason", "pairs"],
        )
        .sort_values("pairs", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    files: list = []
    if ctx.report_dir and ctx.has("profile_map"):
        pm = ctx.warehouse["profile_map"]
        grouped = pm.group_by("profile_id").aggregate(n=pm.count()).filter(lambda g: g.n > 1)
        members = pm.semi_join(grouped, "profile_id").order_by(["profile_id", "customer_id"])
        out = ctx.report_dir / "exports"
        files += export_table(members.execute(), out / "profile_map", formats=("csv",))
        review_rows = ctx.warehouse["profile_review"].execute()
        rank = review_rows["reason"].map({r: i for i, r in enumerate(_REVIEW_ORDER)})
        review_rows = review_rows.iloc[rank.fillna(len(_REVIEW_ORDER)).argsort(kind="stable")]
        files += export_table(review_rows, out / "profile_review", formats=("csv",))
    return Profiles(
        facts={
            "records": p.records_in,
            "profiles": p.profiles,
            "merged": p.merged_records,
            "largest": p.largest_profile,
            "review": p.review_pairs,
            "regions": p.regions_filled,
        },
        merges=merges,
        review=review,
        absent=tuple(f for f in _MATCH_FIELDS if f not in p.fields),
        files=tuple(str(f) for f in files),
    )


#: Fields an account owner should fill, and whether they apply to every profile or
#: only to businesses (an individual has no account owner or industry).
COMPLETENESS_FIELDS = (
    ("phone", "all"),
    ("email", "all"),
    ("account_owner", "business"),
    ("industry", "business"),
    ("city", "all"),
)


def compute_profile_gaps(customers: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Completeness of the fields owners fill, per field and per profile.

    Business-only fields (:data:`COMPLETENESS_FIELDS`) count over business profiles
    when the table has ``customer_type``, else over all. Empty text counts as missing;
    a column the table lacks is missing everywhere.

    Parameters
    ----------
    customers : DataFrame
        One row per profile, ``customer_id`` as a column or the index.

    Returns
    -------
    shares : DataFrame
        One row per field: ``field``, ``applies_to`` (``all`` or ``business``),
        ``filled``, ``profiles``, ``share`` (0-1; missing when no profile applies).
    gaps : DataFrame
        One row per profile missing at least one field: ``customer_id``, ``name``,
        ``customer_type``, ``account_owner``, ``missing_fields`` (codes, comma
        separated), ``n_missing``; by owner (none last), most missing first, then id.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2"], "customer_type": ["business", "individual"],
    ...                   "phone": ["138", ""], "account_owner": ["李娜", None]})
    >>> shares, gaps = compute_profile_gaps(c)
    >>> shares.set_index("field")["share"].tolist()
    [0.5, 0.0, 1.0, 0.0, 0.0]
    >>> gaps[["customer_id", "missing_fields"]].values.tolist()
    [['C1', 'email,industry,city'], ['C2', 'phone,email,city']]
    """
    from analysis.profiles import completeness as measure

    c = customers.reset_index() if "customer_id" not in customers.columns else customers
    c = c.reset_index(drop=True)
    if "customer_type" in c.columns:
        business = (c["customer_type"].astype("string").str.lower() == "business").fillna(False)
    else:
        business = pd.Series(True, index=c.index)
    rows, missing = [], {}
    for field, applies in COMPLETENESS_FIELDS:
        scope = business if applies == "business" and "customer_type" in c.columns else None
        subset = c[scope.to_numpy()] if scope is not None else c
        m = measure(subset, fields=(field,)).iloc[0]
        rows.append({"field": field, "applies_to": "business" if scope is not None else "all",
                     "filled": int(m["non_empty"]), "profiles": int(m["rows"]),
                     "share": float(m["share"]) if m["rows"] else float("nan")})  # fmt: skip
        if field in c.columns:
            text = c[field].astype("string").str.strip()
            empty = (c[field].isna() | (text == "")).fillna(True).to_numpy()
        else:
            empty = pd.Series(True, index=c.index).to_numpy()
        missing[field] = empty & (scope.to_numpy() if scope is not None else True)
    shares = pd.DataFrame(rows, columns=["field", "applies_to", "filled", "profiles", "share"])
    flags = pd.DataFrame(missing, index=c.index)
    n_missing = flags.sum(axis=1)
    labels = flags.apply(lambda r: ",".join(f for f in flags.columns if r[f]), axis=1)
    gaps = pd.DataFrame({"customer_id": c["customer_id"]})
    for col in ("name", "customer_type", "account_owner"):
        gaps[col] = c[col] if col in c.columns else None
    gaps["missing_fields"] = labels.astype(object) if len(c) else pd.Series(dtype=object)
    gaps["n_missing"] = n_missing.astype(int)
    gaps = gaps[gaps["n_missing"] > 0]
    owner = gaps["account_owner"].astype("string").str.strip().replace("", pd.NA)
    gaps = gaps.assign(_owner=owner).sort_values(
        ["_owner", "n_missing", "customer_id"],
        ascending=[True, False, True],
        na_position="last",
        kind="stable",
    )
    return shares, gaps.drop(columns="_owner").reset_index(drop=True)


@dataclass(frozen=True)
class Completeness(Section):
    """Share of profiles with each field an owner fills, and the profiles with gaps.

    ``table``: ``field``, ``applies_to``, ``filled``, ``profiles``, ``share``.
    ``facts``: ``profiles``, ``gaps`` (profiles missing a field), ``complete`` (share
    without gaps), ``owners`` (account owners with profiles to complete), ``unowned``
    (profiles to complete without an owner). ``files``: the exports written.
    """

    table: pd.DataFrame
    facts: dict
    files: tuple
    section = "quality.completeness"

    def blocks(self) -> Iterator:
        if self.facts["gaps"]:
            yield Text("quality.completeness.text", self.facts, {"complete": "pct"})
        else:
            yield Text("quality.completeness.none", {"profiles": self.facts["profiles"]})
        yield LangTable(
            self.table,
            {"filled": "count", "profiles": "count", "share": "pct"},
            headers={"field": "quality.completeness.col.field",
                     "applies_to": "quality.completeness.col.applies_to",
                     "filled": "quality.completeness.col.filled",
                     "profiles": "quality.completeness.col.profiles",
                     "share": "quality.completeness.col.share"},
            classes={"field": "field", "applies_to": "profile_scope"},
        )  # fmt: skip
        if self.files and self.facts["gaps"]:
            yield Text("quality.completeness.exports", {"n": self.facts["gaps"]})


def completeness(ctx: RunContext) -> Completeness | Skipped:
    """How complete the customer profiles are, and who should fill which gap.

    Writes ``exports/profile_gaps.csv`` and ``.xlsx`` (one row per profile with a gap,
    see :func:`compute_profile_gaps`) when the run has a report folder.
    """
    from analysis.export import export_table

    if not ctx.has("customers"):
        return Skipped("quality.completeness", "quality.profiles.skip.no_customers")
    customers = ctx.customers
    if not len(customers):  # (a table of ids only has rows but no columns)
        return Skipped("quality.completeness", "quality.completeness.skip.no_profiles")
    shares, gaps = compute_profile_gaps(customers)
    files: list = []
    if ctx.report_dir:
        files = export_table(gaps, ctx.report_dir / "exports" / "profile_gaps")
    owners = gaps["account_owner"].astype("string").str.strip().replace("", pd.NA)
    return Completeness(
        shares,
        {
            "profiles": len(customers),
            "gaps": len(gaps),
            "complete": 1 - len(gaps) / len(customers),
            "owners": int(owners.nunique()),
            "unowned": int(owners.isna().sum()),
        },
        tuple(str(f) for f in files),
    )


@dataclass(frozen=True)
class Notes(Section):
    """Tables the source did not provide, rows of unknown customers, ignored files.

    ``absent`` holds ``(table, empty)`` pairs: ``empty`` when the file had a header only.
    """

    absent: tuple
    orphans: tuple
    ignored: tuple
    section = "quality.notes"

    def blocks(self) -> Iterator:
        if not (self.absent or self.orphans or self.ignored):
            yield Text("quality.notes.none")
        for name, empty in self.absent:
            yield Note(f"quality.{'empty' if empty else 'absent'}.{name}")
        for name, rows, customers in self.orphans:
            yield Note("quality.notes.orphans", {"table": Word("label", name), "rows": rows,
                                                 "customers": customers})  # fmt: skip
        if self.ignored:
            yield Note("quality.notes.ignored", {"files": ", ".join(self.ignored)})


def notes(ctx: RunContext) -> Notes:
    """What the data-quality report flags besides the ledger."""
    q = ctx.warehouse.quality
    return Notes(
        absent=tuple((n, note.startswith(EMPTY_NOTE)) for n, note in q.skipped.items()),
        orphans=tuple(
            (n, t.orphan_rows, t.orphan_customers) for n, t in q.tables.items() if t.orphan_rows
        ),
        ignored=tuple(q.ignored_files),
    )


@dataclass(frozen=True)
class RunInfo(Section):
    """Run metadata: period, source, mapping, version and the settings changed from default."""

    facts: dict
    changed: dict
    section = "run"

    def blocks(self) -> Iterator:
        yield Text("run.text", self.facts)
        if self.changed:
            settings = pd.DataFrame(
                {"k": list(self.changed), "v": [str(v) for v in self.changed.values()]}
            )
            yield LangTable(settings, headers={"k": "run.setting", "v": "word.value"})
        else:
            yield Text("run.default_settings")


def run_info(ctx: RunContext) -> RunInfo:
    """The last section of every page: what produced it (settings in manifest.json too)."""
    import dataclasses

    import analysis
    from analysis.pages.context import RunSettings

    q = ctx.warehouse.quality
    default = RunSettings()
    changed = {
        f.name: getattr(ctx.settings, f.name)
        for f in dataclasses.fields(RunSettings)
        if getattr(ctx.settings, f.name) != getattr(default, f.name)
    }
    mapping = q.mapping if q.mapping and q.mapping != "(none)" else None
    return RunInfo(
        {"period": q.period, "source": ctx.source or q.source, "mapping": mapping,
         "version": analysis.__version__},
        changed,
    )  # fmt: skip


__all__ += ["Skipped", "reason_code"]
