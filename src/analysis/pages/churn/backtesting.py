"""The backtest section: last horizon's list against who actually left."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.pages.base import Chart, Heading, Note, Section, Skipped, Text
from analysis.pages.churn._common import (
    CONTRACT,
    NONCONTRACT,
    _model,
    _skipped,
    _Table,
)
from analysis.pages.churn.data import _then
from analysis.pages.churn.models import _contract, _noncontract
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


def _noncontract_part(ctx: RunContext):
    """The non-contract list one horizon ago and how it did, or why there is none."""
    from lifelines.utils import concordance_index

    from analysis.survival import score_calibration, score_top_k

    nf = _noncontract(ctx)
    then, _ = _then(ctx)
    values = {"d": str(then.date()), "h": ctx.settings.horizon_days}
    if _skipped(nf):
        return None, (nf.reason, nf.values)
    sc = nf.backtest
    if sc is None:
        return None, ("churn.backtest.nc.no_repeat_then", values)
    if len(sc) < 2 or sc["churned"].sum() == 0:
        return None, ("churn.backtest.nc.no_churn_in_horizon", {**values, "n": len(sc)})
    c = float(concordance_index(np.ones(len(sc)), -sc["churn_prob"], sc["churned"]))
    part = BacktestPart(
        NONCONTRACT, nf.best, str(then.date()), len(sc), int(sc["churned"].sum()), c,
        score_top_k(sc).reset_index(), score_calibration(sc).reset_index(),
    )  # fmt: skip
    return part, None


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
    h = ctx.settings.horizon_days
    parts, notes = [], []
    cf = _contract(ctx)
    if not _skipped(cf):
        if cf.holdout == "time":
            parts.append(_part(CONTRACT, cf.backtest))
        else:
            notes.append((f"churn.holdout.{cf.holdout}", cf.holdout_values))
    part, note = _noncontract_part(ctx)
    if part is not None:
        parts.append(part)
    else:
        notes.append(note)
    if not parts:
        then, _ = _then(ctx)
        return Skipped("churn.backtest", "churn.skip.no_history", {"d": str(then.date()), "h": h})
    return Backtest(tuple(parts), tuple(notes), h)
