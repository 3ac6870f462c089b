"""The ingest ledger: what came in, what was kept, and why anything was not.

Merging customer records into profiles (:mod:`analysis.cleaning.merge`) is not a step of
the row ledger: a merged record is kept, not removed. The customers table's ``kept``
counts the records that passed cleaning; :class:`ProfileQuality` counts the profiles they
make, and each other table's ``remapped_rows`` the rows pointed at another record's
profile.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class TableQuality:
    """Row accounting of one table.

    ``rows_in == kept + duplicates_removed + quarantined + after_period`` always holds;
    :attr:`balanced` checks it.
    """

    name: str
    files: list[dict] = field(default_factory=list)
    rows_in: int = 0
    kept: int = 0
    duplicates_removed: int = 0
    quarantined: int = 0
    after_period: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    orphan_rows: int = 0
    orphan_customers: int = 0
    date_column: str | None = None
    date_min: str | None = None
    date_max: str | None = None
    missing: dict[str, int] = field(default_factory=dict)
    extra_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    remapped_rows: int = 0

    @property
    def balanced(self) -> bool:
        return self.rows_in == (
            self.kept + self.duplicates_removed + self.quarantined + self.after_period
        )

    @property
    def quarantine_share(self) -> float:
        return self.quarantined / self.rows_in if self.rows_in else 0.0


@dataclass
class ProfileQuality:
    """What merging the customer records into one profile per customer did.

    ``records_in == profiles + merged_records`` always holds (:attr:`balanced`): a
    merged record is one whose rows now belong to another record's profile.

    Attributes
    ----------
    records_in : int
        Customer records kept by cleaning (the customers table's ``kept``).
    profiles : int
        Rows of the merged customers table.
    merged_records : int
        Records merged into another record's profile.
    by_rule : dict
        Merged records by the strong rule that joined them (``phone``, ``email``,
        ``company_city``); a record matched by several counts under the first.
    largest_profile : int
        Records in the largest profile.
    review_pairs : int
        Pairs listed for a person to check, never merged.
    review_by_reason : dict
        Review pairs by reason (``shared_phone``, ``shared_email``, ``same_name``,
        ``same_company_other_city``).
    switchboards, shared_mailboxes : int
        Phones and e-mail addresses used by three or more differently named records.
    regions_filled : int
        Missing regions filled from the city (bundled city table).
    fields : list of str
        The identifying columns the customers table had (``name``, ``phone``,
        ``email``, ``customer_type``, ``city``).
    """

    records_in: int = 0
    profiles: int = 0
    merged_records: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    largest_profile: int = 0
    review_pairs: int = 0
    review_by_reason: dict[str, int] = field(default_factory=dict)
    switchboards: int = 0
    shared_mailboxes: int = 0
    regions_filled: int = 0
    fields: list[str] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return (
            self.records_in
            == self.profiles + self.merged_records
            == (self.profiles + sum(self.by_rule.values()))
        )


@dataclass
class QualityReport:
    """Everything the ingest did, as written to ``quality.json``."""

    source: str
    period: str
    period_end: str
    max_quarantine_share: float
    mapping: str = "(none)"
    tables: dict[str, TableQuality] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    ignored_files: list[str] = field(default_factory=list)
    #: What merging customer records did; None when no customers table was merged.
    profiles: ProfileQuality | None = None

    def to_dict(self) -> dict:
        out = asdict(self)
        for name, tq in self.tables.items():
            out["tables"][name]["balanced"] = tq.balanced
            out["tables"][name]["quarantine_share"] = round(tq.quarantine_share, 6)
        if self.profiles is not None:
            out["profiles"]["balanced"] = self.profiles.balanced
        return out

    def write_json(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2), "utf-8")
        return path

    @classmethod
    def from_dict(cls, d: dict) -> QualityReport:
        tables = {}
        for name, t in d.get("tables", {}).items():
            t = {k: v for k, v in t.items() if k not in ("balanced", "quarantine_share")}
            tables[name] = TableQuality(**t)
        rest = {k: v for k, v in d.items() if k not in ("tables", "profiles")}
        p = d.get("profiles")
        profiles = (
            None if p is None else ProfileQuality(**{k: v for k, v in p.items() if k != "balanced"})
        )
        return cls(tables=tables, profiles=profiles, **rest)


LEDGER_COLUMNS = ("rows_in", "kept", "duplicates_removed", "quarantined", "after_period")


def compute_monthly_volume(table, date_col: str, amount_col: str | None = None):
    """Rows (and net amount, refund share) per calendar month, computed in the engine.

    Parameters
    ----------
    table : ibis.Table
    date_col : str
    amount_col : str, optional

    Returns
    -------
    pandas.DataFrame
        Columns ``month`` (first day), ``rows`` and, with ``amount_col``, ``net_amount``
        and ``refund_share`` (refunds' absolute value over gross sales).
    """
    table = table.filter(table[date_col].notnull())
    month = table[date_col].truncate("M").name("month")
    metrics = {"rows": table.count()}
    if amount_col:
        amt = table[amount_col]
        metrics["net_amount"] = amt.sum()
        metrics["refunds"] = (amt < 0).ifelse(-amt, 0).sum()
        metrics["gross"] = (amt > 0).ifelse(amt, 0).sum()
    out = table.group_by(month).aggregate(**metrics).order_by("month").execute()
    if amount_col:
        out["refund_share"] = (out["refunds"] / out["gross"].where(out["gross"] > 0)).fillna(0.0)
        out = out.drop(columns=["refunds", "gross"])
    return out
