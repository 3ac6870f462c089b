"""What the churn page writes: the early-warning list and the per-customer columns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.pages.base import Section, Text
from analysis.pages.churn._common import _skipped
from analysis.pages.churn.models import _noncontract
from analysis.pages.churn.risk_list import _risk_list
from analysis.pages.context import RunContext
from analysis.schema import CUSTOMER_ID

CUSTOMER_COLUMNS = ("churn_prob", "p_alive", "expected_clv")


def customer_columns(ctx: RunContext) -> pd.DataFrame:
    """Per-customer churn columns for ``customers.csv`` (indexed by ``customer_id``).

    ``churn_prob``: the probability of churning within the horizon, from the one model
    behind the early-warning list (every active customer, contract or not, on one
    scale); ``p_alive`` and ``expected_clv``: the chosen purchase model and Gamma-Gamma
    for every non-contract buyer.
    """

    def build() -> pd.DataFrame:
        nf, table = _noncontract(ctx), _risk_list(ctx)
        series = []
        if not _skipped(table):
            series.append(table.set_index("customer_id")["churn_prob"])
        if not _skipped(nf):
            series += [nf.clv["p_alive"], nf.clv["expected_clv"]]
        cols = pd.concat(series, axis=1) if series else pd.DataFrame()
        cols = cols.reindex(columns=list(CUSTOMER_COLUMNS)).astype(float)
        return cols.rename_axis(CUSTOMER_ID).sort_index().round(6)

    return ctx.memo("churn.customer_columns", build)


@dataclass(frozen=True)
class Exports(Section):
    """Files this page wrote: the early-warning list and the per-customer columns."""

    files: tuple
    facts: dict
    section = "churn.exports"

    def blocks(self) -> Iterator:
        yield Text("churn.exports.text", self.facts)


def exports(ctx: RunContext) -> Exports:
    """Write ``exports/at_risk.csv``/``.xlsx`` (first ``top_n``) and the customer columns.

    Codes and stable English column names in both languages; the class columns come
    with their zh and en labels.
    """
    from analysis.export import export_table
    from analysis.reporting.customers import write_customer_columns

    table = _risk_list(ctx)
    cols = customer_columns(ctx)
    rows = 0 if _skipped(table) else min(ctx.settings.top_n, len(table))
    written: list[Path] = []
    if ctx.report_dir:
        if rows:
            written += export_table(
                table.head(rows).round(4), ctx.report_dir / "exports" / "at_risk"
            )
        part = write_customer_columns(ctx.report_dir, "churn", cols)
        if part is not None:
            written.append(part)
    facts = {
        "n": int(cols.notna().any(axis=1).sum()),
        "p": int(cols["churn_prob"].notna().sum()),
        "c": int(cols["expected_clv"].notna().sum()),
        "k": rows,
        "f": len(written),
    }
    return Exports(tuple(str(p) for p in written), facts)
