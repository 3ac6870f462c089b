"""The churn page's shared data: survival rows, the churn threshold and the gates.

Computed once per context through ``ctx.memo``; every section reads them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd

from analysis.pages.churn._common import (
    _UNUSED_THRESHOLD,
    CONTRACT,
    DURATION,
    EVENT,
    NONCONTRACT,
    _kind,
)
from analysis.pages.context import RunContext
from analysis.schema import AMOUNT, CUSTOMER_ID, ORDER_DATE, START_DATE


@dataclass(frozen=True)
class ChurnData:
    """Survival rows as of the period end, and the churn definition behind them.

    Attributes
    ----------
    data : pandas.DataFrame
        :func:`analysis.survival.compute_survival_data` (indexed by ``customer_id``);
        without a threshold only contract rows are kept.
    threshold : float or None
        Days of silence after which a non-contract customer has churned; None when it
        is not set and no customer bought twice (non-contract churn is then undefined).
    threshold_source : {"set", "gaps", "none"}
    has_subscriptions : bool
    """

    data: pd.DataFrame
    threshold: float | None
    threshold_source: str
    has_subscriptions: bool

    def of(self, kind: str) -> pd.DataFrame:
        return self.data[self.data["contract"].astype(bool) == (kind == CONTRACT)]

    @property
    def threshold_arg(self) -> float:
        return _UNUSED_THRESHOLD if self.threshold is None else self.threshold


def _has_rows(wh, as_of) -> bool:
    """Whether anyone had bought or held a contract by ``as_of`` (else no survival rows)."""
    day = ibis.date(pd.Timestamp(as_of).date())
    t = wh["transactions"]
    bought = t.filter((t[ORDER_DATE] <= day) & (t[AMOUNT] > 0) & t[CUSTOMER_ID].notnull())
    if bought.count().execute():
        return True
    if not wh.has("subscriptions"):
        return False
    s = wh["subscriptions"]
    return bool(s.filter((s[START_DATE] <= day) & s[CUSTOMER_ID].notnull()).count().execute())


def _survival_at(ctx: RunContext, as_of, threshold: float | None) -> pd.DataFrame | None:
    from analysis.survival import compute_survival_data

    if not _has_rows(ctx.warehouse, as_of):
        return None
    data = compute_survival_data(
        ctx.warehouse,
        as_of=as_of,
        threshold_days=_UNUSED_THRESHOLD if threshold is None else threshold,
        quantile=ctx.settings.churn_gap_quantile,
    )
    if threshold is None:
        data = data[data["contract"].astype(bool)]
    return data


def _threshold(ctx: RunContext) -> tuple[float | None, str]:
    from analysis.features import compute_purchase_gaps
    from analysis.survival import churn_threshold_from_gaps

    s = ctx.settings
    if s.churn_threshold_days:
        return float(s.churn_threshold_days), "set"
    q = s.churn_gap_quantile
    # the segmentation already measured the gaps as of the period end; one source
    gaps = ctx.segmentation.gaps
    if gaps is None or q not in gaps.index:
        gaps = compute_purchase_gaps(ctx.warehouse["transactions"], as_of=ctx.as_of, quantiles=(q,))
    threshold = churn_threshold_from_gaps(gaps, q)
    return (threshold, "gaps") if threshold is not None else (None, "none")


def churn_data(ctx: RunContext) -> ChurnData:
    """The survival rows of this run (computed once per context)."""

    def load() -> ChurnData:
        threshold, source = _threshold(ctx)
        data = _survival_at(ctx, ctx.as_of, threshold)
        if data is None:
            data = pd.DataFrame(
                {
                    "start": pd.Series(dtype="datetime64[ns]"),
                    "end": pd.Series(dtype="datetime64[ns]"),
                    DURATION: pd.Series(dtype=float),
                    EVENT: pd.Series(dtype=int),
                    "contract": pd.Series(dtype=bool),
                },
                index=pd.Index([], name=CUSTOMER_ID, dtype=object),
            )
        return ChurnData(data, threshold, source, ctx.has("subscriptions"))

    return ctx.memo("churn.data", load)


def _then(ctx: RunContext) -> tuple[pd.Timestamp, pd.DataFrame | None]:
    """The backtest's start (one horizon before the period end) and the survival rows then."""

    def load():
        then = ctx.as_of - pd.Timedelta(days=ctx.settings.horizon_days)
        return then, _survival_at(ctx, then, churn_data(ctx).threshold)

    return ctx.memo("churn.then", load)


def _gate(cd: ChurnData, kind: str, need: int, what: str) -> tuple[str, dict] | None:
    """Why ``kind`` customers cannot support an analysis needing ``need`` churn events."""
    if kind == CONTRACT and not cd.has_subscriptions:
        return "churn.skip.no_subscriptions", {}
    if kind == NONCONTRACT and cd.threshold is None:
        return "churn.skip.no_threshold", {}
    d = cd.of(kind)
    events = int(d[EVENT].sum())
    if d.empty:
        return f"churn.skip.no_{'contracts' if kind == CONTRACT else 'buyers'}", {}
    if events == 0:
        return f"churn.skip.{'none_ended' if kind == CONTRACT else 'none_churned'}", {"n": len(d)}
    if events < need:
        return f"churn.skip.too_few_events_{what}", {"n": events, "need": need, "kind": _kind(kind)}
    return None
