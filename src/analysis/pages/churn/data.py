"""The churn page's shared data: survival rows, the churn threshold and the gates.

Computed once per context through ``ctx.memo``; every section reads them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd

from analysis.pages.base import Skipped
from analysis.pages.churn._common import (
    CONTRACT,
    DURATION,
    EVENT,
    NO_SILENCE_RULE,
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
        non-contract rows follow the churn definition (``threshold_source``); without
        one only contract rows are kept.
    threshold : float or None
        Days of silence after which a non-contract customer has churned, when set by
        the parameter ``churn_threshold_days``; None otherwise.
    threshold_source : {"set", "model", "none"}
        ``set``: the parameter's silence rule; ``model``: P(alive) below ``tau`` from the
        chosen purchase model; ``none``: no purchase model could be fitted (nobody bought
        twice), so non-contract churn is undefined.
    has_subscriptions : bool
    tau : float or None
        The P(alive) threshold when ``threshold_source == "model"``.
    """

    data: pd.DataFrame
    threshold: float | None
    threshold_source: str
    has_subscriptions: bool
    tau: float | None = None

    def of(self, kind: str) -> pd.DataFrame:
        return self.data[self.data["contract"].astype(bool) == (kind == CONTRACT)]

    @property
    def threshold_arg(self) -> float:
        return NO_SILENCE_RULE if self.threshold is None else self.threshold


def contract_ids(ctx: RunContext) -> pd.Index:
    """Customers with a contract started by the period end (they get the contract model)."""

    def load() -> pd.Index:
        if not ctx.has("subscriptions"):
            return pd.Index([], name=CUSTOMER_ID, dtype=object)
        s = ctx.warehouse["subscriptions"]
        s = s.filter((s[START_DATE] <= ibis.date(ctx.as_of.date())) & s[CUSTOMER_ID].notnull())
        ids = s.select(cid=s[CUSTOMER_ID].cast("string")).distinct().execute()["cid"]
        return pd.Index(sorted(ids), name=CUSTOMER_ID, dtype=object)

    return ctx.memo("churn.contract_ids", load)


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
    # Without a set threshold the non-contract rows are all censored; churn_data applies
    # the purchase model's definition to them.
    from analysis.survival import compute_survival_data

    if not _has_rows(ctx.warehouse, as_of):
        return None
    data = compute_survival_data(
        ctx.warehouse,
        as_of=as_of,
        threshold_days=NO_SILENCE_RULE if threshold is None else threshold,
    )
    return data


def _model_rows(data: pd.DataFrame, nf) -> pd.DataFrame:
    """Non-contract rows by the purchase model: churned when P(alive) is below tau.

    A churned customer's lifetime ends at their last purchase: in the BG/NBD family a
    customer leaves just after a purchase, and nothing was bought after that one. (The
    churn becomes known later, when P(alive) falls below ``tau``; dating it then made
    every one-time buyer "churn" at the same age, 63 days with the old silence rule.)
    A one-time buyer counted as churned has a lifetime of one day: they never came back.
    """
    data = data.copy()
    nc = data.index[~data["contract"].astype(bool)]
    p = nf.clv["p_alive"].reindex(nc)
    declared = (p < nf.tau).fillna(False).to_numpy()
    last = pd.to_datetime(data.loc[nc, "last_purchase"])
    start = pd.to_datetime(data.loc[nc, "start"])
    as_of = pd.Timestamp(data.attrs["as_of"])
    stop = last.where(declared, as_of)
    data.loc[nc, "end"] = last.where(declared)
    data.loc[nc, EVENT] = declared.astype(int)
    data.loc[nc, DURATION] = (stop - start).dt.days.clip(lower=1).astype(float).to_numpy()
    return data


def churn_data(ctx: RunContext) -> ChurnData:
    """The survival rows of this run (computed once per context)."""
    from analysis.pages.churn.models import _noncontract

    def load() -> ChurnData:
        set_days = ctx.settings.churn_threshold_days
        threshold = float(set_days) if set_days else None
        data = _survival_at(ctx, ctx.as_of, threshold)
        source, tau = ("set" if threshold else "none"), None
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
        elif threshold is None:
            nf = _noncontract(ctx)
            if isinstance(nf, Skipped):
                data = data[data["contract"].astype(bool)]
            else:
                data, source, tau = _model_rows(data, nf), "model", nf.tau
        return ChurnData(data, threshold, source, ctx.has("subscriptions"), tau)

    return ctx.shared("churn.data", load)


def _then(ctx: RunContext) -> tuple[pd.Timestamp, pd.DataFrame | None]:
    """The backtest's start (one horizon before the period end) and the survival rows then."""

    def load():
        then = ctx.as_of - pd.Timedelta(days=ctx.settings.horizon_days)
        threshold = churn_data(ctx).threshold
        data = _survival_at(ctx, then, threshold)
        if data is not None and threshold is None:  # only the contract rows are needed then
            data = data[data["contract"].astype(bool)]
        return then, data

    return ctx.memo("churn.then", load)


def _gate(cd: ChurnData, kind: str, need: int, what: str) -> tuple[str, dict] | None:
    """Why ``kind`` customers cannot support an analysis needing ``need`` churn events."""
    if kind == CONTRACT and not cd.has_subscriptions:
        return "churn.skip.no_subscriptions", {}
    if kind == NONCONTRACT and cd.threshold_source == "none":
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
