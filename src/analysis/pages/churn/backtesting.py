"""The backtest section: last horizon's list against who actually left."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analysis.pages.base import Chart, Heading, Note, Section, Skipped, Text
from analysis.pages.churn._common import (
    CONTRACT,
    EVENT,
    MIN_EVENTS,
    NONCONTRACT,
    _model,
    _skipped,
    _Table,
)
from analysis.pages.churn.data import _gate, _then, churn_data
from analysis.pages.churn.models import _contract
from analysis.pages.context import RunContext


@dataclass(frozen=True)
class BacktestPart:
    """The list one kind would have had one horizon ago, and how it did.

    ``top_k``: ``k``, ``churned_in_top_k``, ``precision``, ``recall``, ``lift``;
    ``calibration``: ``decile``, ``predicted``, ``observed``, ``customers``.
    """

    kind: str
    model: str
    as_of: str
    scored: int
    churned: int
    concordance: float
    top_k: pd.DataFrame
    calibration: pd.DataFrame


@dataclass(frozen=True)
class Backtest(Section):
    """Precision, recall and lift in the top k, and calibration, per kind."""

    parts: tuple
    notes: tuple
    horizon_days: int
    section = "churn.backtest"

    def blocks(self) -> Iterator:
        for p in self.parts:
            yield Heading(f"churn.backtest.{p.kind}")
            yield Text(
                "churn.backtest.text",
                {
                    "d": p.as_of,
                    "n": p.scored,
                    "c": p.churned,
                    "h": self.horizon_days,
                    "ci": p.concordance,
                    "m": _model(p.model),
                },
                {"d": "date", "ci": "float3"},
            )
            yield _Table(p.top_k)
            yield Chart(lambda lang, part=p: _draw_calibration(part, lang))
        for reason, values in self.notes:
            yield Note(reason, values)


def _draw_calibration(part: BacktestPart, lang: str):
    import matplotlib.pyplot as plt

    from analysis.i18n import t
    from analysis.plotting.survival import plot_calibration

    fig, ax = plt.subplots(figsize=(5, 4))
    title = t(
        "churn.backtest.calibration",
        lang,
        kind=t(f"churn.kind.{part.kind}", lang),
        m=t(f"churn.model.{part.model}", lang),
    )
    plot_calibration(part.calibration, ax=ax, title=title,
                     xlabel=t("churn.backtest.predicted", lang),
                     ylabel=t("churn.backtest.observed", lang))  # fmt: skip
    fig.tight_layout()
    return fig


def _noncontract_backtest_gate(ctx: RunContext) -> tuple[str, dict] | None:
    from analysis.clv import compute_rfm_summary

    cd = churn_data(ctx)
    gate = _gate(cd, NONCONTRACT, MIN_EVENTS, "model")
    if gate:
        return gate
    then, dt = _then(ctx)
    values = {"d": str(then.date()), "h": ctx.settings.horizon_days}
    if dt is None:
        return "churn.backtest.nc.no_data_then", values
    rfm = compute_rfm_summary(ctx.warehouse["transactions"], as_of=then)
    if len(rfm) < 2 or not (rfm["frequency"] > 0).any():
        return "churn.backtest.nc.no_repeat_then", values
    nc = dt[~dt["contract"].astype(bool)]
    active = nc.index[nc[EVENT] == 0]
    churned = int((cd.data.reindex(active)[EVENT] == 1).sum())
    if len(active) < 2 or churned == 0:
        return "churn.backtest.nc.no_churn_in_horizon", {**values, "n": len(active)}
    return None


def _part(kind: str, bt) -> BacktestPart:
    m = bt.metrics.loc[bt.best]
    return BacktestPart(
        kind,
        bt.best,
        bt.as_of,
        len(bt.scored),
        int(bt.scored["churned"].sum()),
        float(m["holdout_concordance"]),
        bt.top_k.reset_index(),
        bt.calibration.reset_index(),
    )


def backtest(ctx: RunContext) -> Backtest | Skipped:
    """The list each model would have produced one horizon ago, against who actually left."""
    from analysis.survival import run_noncontract_backtest

    h = ctx.settings.horizon_days
    parts, notes = [], []
    cf = _contract(ctx)
    if not _skipped(cf):
        if cf.holdout == "time":
            parts.append(_part(CONTRACT, cf.backtest))
        else:
            notes.append((f"churn.holdout.{cf.holdout}", cf.holdout_values))
    gate = _noncontract_backtest_gate(ctx)
    if gate is None:
        bt = run_noncontract_backtest(
            ctx.warehouse, horizon_days=h, threshold_days=churn_data(ctx).threshold
        )
        parts.append(_part(NONCONTRACT, bt))
    else:
        notes.append(gate)
    if not parts:
        then, _ = _then(ctx)
        return Skipped("churn.backtest", "churn.skip.no_history", {"d": str(then.date()), "h": h})
    return Backtest(tuple(parts), tuple(notes), h)
