"""Data-quality page: what came in from the export, what was kept, and why not.

Sections: :func:`summary`, :func:`ledger`, :func:`reasons`, :func:`coverage`,
:func:`missing`, :func:`notes`, :func:`run_info`. Each returns codes and numbers;
:func:`analysis.pages.show` turns them into words.
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

__all__ = ["SECTIONS", "summary", "ledger", "reasons", "coverage", "missing", "notes", "run_info"]

#: The page's sections in display order (the notebook shows each once).
SECTIONS = ("summary", "ledger", "reasons", "coverage", "missing", "notes")


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
