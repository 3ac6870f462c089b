"""The month's headline figures, computed once per run and kept with the report.

The summary page (:mod:`analysis.pages.summary`) and the archive index read what this
module computes; the figures of a period are saved as ``<period>/summary.json`` so the
next month compares with what was published.

Monthly figures (active, new and churned customers, revenue, NPS, CSAT) come from one
series computed in the engine over the last 25 months, so last month and the same month
last year are read from the same series as this month. Figures that need a period's own
models (value at risk, the at-risk list) come from the previous period's published
``summary.json`` and ``exports/at_risk.csv`` when they exist, and are otherwise recomputed
as of the previous period's end from this run's data (a previous-period warehouse the
runner ingests, or ``data_path`` in a notebook opened by hand).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "SUMMARY_FILE",
    "SERIES_MONTHS",
    "PreviousRun",
    "compute_monthly_series",
    "compute_tier_revenue",
    "tier_churn",
    "period_facts",
    "previous_run",
    "score_previous_list",
    "write_summary",
    "read_summary",
]

SUMMARY_FILE = "summary.json"
#: Months of the KPI series: this month, the year before it and one more for changes.
SERIES_MONTHS = 25
#: Rows of last month's at-risk list scored as its "top" (precision at the top).
TOP_OF_LIST = 20


def _month_key(d) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def compute_monthly_series(ctx, months: int = SERIES_MONTHS) -> pd.DataFrame:
    """Per month up to the report month: active, new and churned customers, revenue, NPS, CSAT.

    Computed in the engine (DuckDB through Ibis) from the transactions:

    - ``active``: customers with a purchase (positive amount) in the month;
    - ``new``: customers whose first purchase falls in the month;
    - ``churned``: customers who became churned in the month and still were at its end:
      their silence since their last purchase passed the run's ``churned_after``
      threshold (the lifecycle's; the same threshold for every month) inside the month;
    - ``revenue``: net revenue of the month (refunds netted).

    NPS and CSAT (with 95% intervals and answer counts) come from
    :func:`analysis.surveys.nps.compute_nps` / ``compute_csat`` per response month.
    ``in_data`` says whether the month lies inside the data window (months before the
    first transaction show as missing, not as zero).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``month`` (``YYYY-MM``), oldest first, ``months`` rows.
    """
    import ibis

    return ctx.memo("summary.series", lambda: _monthly_series(ctx, months, ibis))


def _monthly_series(ctx, months: int, ibis) -> pd.DataFrame:
    from analysis.schema import AMOUNT, CUSTOMER_ID, ORDER_DATE

    per = ctx.period
    first = per.previous(months - 1).start
    index = [str(per.previous(k)) for k in range(months - 1, -1, -1)]
    end = ibis.date(per.end)
    t = ctx.warehouse["transactions"]
    t = t.select(cid=t[CUSTOMER_ID], d=t[ORDER_DATE].cast("date"), amount=t[AMOUNT])
    t = t.filter(t.d <= end)
    pos = t.filter(t.amount > 0)
    window = t.filter(t.d >= ibis.date(first))
    month = window.d.truncate("M")
    revenue = window.group_by(m=month).aggregate(revenue=window.amount.sum()).execute()
    pw = pos.filter(pos.d >= ibis.date(first))
    active = pw.group_by(m=pw.d.truncate("M")).aggregate(active=pw.cid.nunique()).execute()
    firsts = pos.group_by("cid").aggregate(f=pos.d.min())
    new = firsts.group_by(m=firsts.f.truncate("M")).aggregate(new=firsts.cid.count()).execute()

    c = float(ctx.segmentation.thresholds.churned_after)
    # recency_days > c: churned from the day c' = floor(c) + 1 days after the last purchase
    step = int(math.floor(c)) + 1
    days = pos.select("cid", "d").distinct()
    w = ibis.window(group_by="cid", order_by="d")
    days = days.mutate(nxt=days.d.lead().over(w))
    days = days.mutate(x=days.d + ibis.interval(days=step))
    days = days.mutate(mx=days.x.truncate("M"))
    month_end = days.mx + ibis.interval(months=1) - ibis.interval(days=1)
    lapsed = days.filter((days.x <= end) & (days.nxt.isnull() | (days.nxt > month_end)))
    churned = lapsed.group_by(m=lapsed.mx).aggregate(churned=lapsed.cid.nunique()).execute()

    out = pd.DataFrame(index=pd.Index(index, name="month"))
    for frame, col in ((active, "active"), (new, "new"), (churned, "churned"),
                       (revenue, "revenue")):  # fmt: skip
        s = frame.assign(m=pd.to_datetime(frame["m"]).map(_month_key)).set_index("m")[col]
        out[col] = s.reindex(out.index)
    lo = t.d.min().execute()
    data_start = _month_key(pd.Timestamp(lo)) if lo is not None and not pd.isna(lo) else None
    out["in_data"] = [data_start is not None and m >= data_start for m in out.index]
    for col in ("active", "new", "churned", "revenue"):
        out[col] = out[col].astype(float).fillna(0.0).where(out["in_data"])
    out = out.join(_survey_series(ctx, out.index))
    return out


def _survey_series(ctx, months: pd.Index) -> pd.DataFrame:
    from analysis.schema import CSAT, SCORE
    from analysis.surveys.nps import compute_csat, compute_nps

    cols = ["nps", "nps_low", "nps_high", "nps_n", "csat", "csat_low", "csat_high", "csat_n"]
    out = pd.DataFrame(index=months, columns=cols, dtype=float)
    if not ctx.has("surveys"):
        return out
    from analysis.pages.survey._common import _has_values, _responses

    s = _responses(ctx)
    s = s[s["month"].isin(set(months))]
    for name, column, compute in (("nps", SCORE, compute_nps), ("csat", CSAT, compute_csat)):
        if not _has_values(s, column):
            continue
        rated = s[pd.to_numeric(s[column], errors="coerce").notna()]
        if len(rated):
            r = compute(rated, by="month").set_index("month")
            for suffix, source in (("", name), ("_low", f"{name}_low"),
                                   ("_high", f"{name}_high"), ("_n", "responses")):  # fmt: skip
                out[f"{name}{suffix}"] = r[source]
    return out.astype(float)


def compute_tier_revenue(ctx) -> pd.DataFrame:
    """Net revenue of this month and last month by value tier (tiers as of this month's end).

    Computed in the engine: the month's transactions joined to the run's one classes
    table. Returns ``value_tier`` rows (high, mid, low) with ``revenue``, ``share``,
    ``previous_revenue``, ``previous_share``.
    """
    import ibis

    from analysis.schema import AMOUNT, CUSTOMER_ID, ORDER_DATE
    from analysis.segmentation.labels import ORDERS

    def compute() -> pd.DataFrame:
        per, prev = ctx.period, ctx.period.previous()
        t = ctx.warehouse["transactions"]
        t = t.select(cid=t[CUSTOMER_ID], d=t[ORDER_DATE].cast("date"), amount=t[AMOUNT])
        t = t.filter((t.d >= ibis.date(prev.start)) & (t.d <= ibis.date(per.end)))
        tiers = ibis.memtable(
            ctx.classes["value_tier"].rename_axis("cid").reset_index().astype(str)
        )
        j = t.join(tiers, t.cid.cast("string") == tiers.cid)
        cur = j.d >= ibis.date(per.start)
        agg = (
            j.group_by("value_tier")
            .aggregate(
                revenue=cur.ifelse(j.amount, 0).sum(),
                previous_revenue=(~cur).ifelse(j.amount, 0).sum(),
            )
            .execute()
            .set_index("value_tier")
        )
        order = [v for v in ORDERS["value_tier"] if v in set(ctx.classes["value_tier"])]
        out = agg.reindex(order).fillna(0.0).astype(float)
        for col, share in (("revenue", "share"), ("previous_revenue", "previous_share")):
            total = out[col].clip(lower=0).sum()
            out[share] = out[col].clip(lower=0) / total if total > 0 else float("nan")
        return out.rename_axis("value_tier")

    return ctx.memo("summary.tier_revenue", compute)


def tier_churn(ctx) -> pd.DataFrame:
    """Customers churned this month and last month per value tier, with the base at risk.

    ``base``: customers of the tier not churned at the month's start (a purchase within
    ``churned_after`` days of it); ``churned``: those who became churned in the month
    (as in :func:`compute_monthly_series`); ``rate = churned / base``. Tiers are this
    month's end for both months. Computed in the engine.
    """
    import ibis

    from analysis.schema import AMOUNT, CUSTOMER_ID, ORDER_DATE

    def compute() -> pd.DataFrame:
        per = ctx.period
        step = int(math.floor(float(ctx.segmentation.thresholds.churned_after))) + 1
        t = ctx.warehouse["transactions"]
        t = t.select(cid=t[CUSTOMER_ID].cast("string"), d=t[ORDER_DATE].cast("date"),
                     amount=t[AMOUNT])  # fmt: skip
        days = t.filter((t.amount > 0) & (t.d <= ibis.date(per.end))).select("cid", "d")
        days = days.distinct()
        w = ibis.window(group_by="cid", order_by="d")
        days = days.mutate(nxt=days.d.lead().over(w), x=days.d + ibis.interval(days=step))
        tiers = ibis.memtable(
            ctx.classes["value_tier"].rename_axis("cid").reset_index().astype(str)
        )
        rows = {}
        for name, p in (("", per), ("previous_", per.previous())):
            start, end = ibis.date(p.start), ibis.date(p.end)
            eve = ibis.date(p.start - dt.timedelta(days=1))
            lapsed = days.filter((days.x >= start) & (days.x <= end)
                                 & (days.nxt.isnull() | (days.nxt > end)))  # fmt: skip
            at_start = days.filter((days.d <= eve)
                                   & (days.d > eve - ibis.interval(days=step)))  # fmt: skip
            for what, frame in (("churned", lapsed), ("base", at_start)):
                j = frame.select("cid").distinct().join(tiers, "cid")
                got = j.group_by("value_tier").aggregate(n=j.cid.count()).execute()
                rows[f"{name}{what}"] = got.set_index("value_tier")["n"]
        out = pd.DataFrame(rows).fillna(0).astype(int)
        out["rate"] = out["churned"] / out["base"].where(out["base"] > 0)
        out["previous_rate"] = out["previous_churned"] / out["previous_base"].where(
            out["previous_base"] > 0
        )
        return out.rename_axis("value_tier")

    return ctx.memo("summary.tier_churn", compute)


def period_facts(ctx) -> dict[str, Any]:
    """The figures of a period that need its own models: value and size of the at-risk list.

    Returns
    -------
    dict
        ``at_risk_customers`` (rows of the list kept, the run's ``top_n``),
        ``value_at_risk`` (their summed value at risk), ``scored`` (active customers
        scored), or ``at_risk_skip`` (the reason key) when the list could not be made;
        ``at_risk_ids``: the list's customer ids in rank order (not published on pages).
    """
    from analysis.pages import churn

    res = churn.at_risk(ctx)
    if getattr(res, "skipped", False):
        return {"at_risk_skip": res.reason, "at_risk_ids": []}
    top = res.table.head(int(res.facts["k"]))
    return {
        "at_risk_customers": int(res.facts["k"]),
        "value_at_risk": float(res.facts["v"]),
        "scored": int(res.facts["n"]),
        "at_risk_ids": [str(v) for v in top["customer_id"]],
    }


@dataclass(frozen=True)
class PreviousRun:
    """Last period's own figures, read from its published report or recomputed.

    Attributes
    ----------
    period : str
    source : {"published", "recomputed", "no_data", "no_source"}
        ``no_data``: the data does not reach the previous period's end; ``no_source``:
        nothing published and no data source to recompute from (a context built from a
        warehouse alone).
    facts : dict
        :func:`period_facts` of that period (empty unless published or recomputed).
    """

    period: str
    source: str
    facts: dict


def read_summary(period_dir: str | Path) -> dict | None:
    """A published period's ``summary.json`` (None when it has none or it is unreadable)."""
    path = Path(period_dir) / SUMMARY_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and "facts" in data else None


def previous_run(ctx) -> PreviousRun:
    """Last period's facts: published beside this run's report folder, else recomputed.

    Published: ``<reports>/<previous>/summary.json`` (its list ids come from that
    period's ``exports/at_risk.csv``, the operational export). Recomputed: the previous
    period's warehouse the runner ingested into ``<run store>/../previous/``, or, in a
    notebook opened by hand, the source at ``ctx.source`` ingested as of the previous end.
    """

    def load() -> PreviousRun:
        prev = str(ctx.period.previous())
        if ctx.report_dir is not None:
            published = read_summary(Path(ctx.report_dir).parent / prev)
            if published is not None:
                facts = dict(published["facts"])
                facts["at_risk_ids"] = _published_ids(Path(ctx.report_dir).parent / prev)
                return PreviousRun(prev, "published", facts)
        pctx = _previous_context(ctx)
        if isinstance(pctx, str):
            return PreviousRun(prev, pctx, {})
        return PreviousRun(prev, "recomputed", period_facts(pctx))

    return ctx.memo("summary.previous", load)


def _published_ids(period_dir: Path) -> list[str]:
    path = period_dir / "exports" / "at_risk.csv"
    if not path.is_file():
        return []
    df = pd.read_csv(path, dtype={"customer_id": str}, usecols=["customer_id"])
    return df["customer_id"].tolist()


PREVIOUS_DIR = "previous"


def _previous_context(ctx):
    """Last period's context, or why there is none (``no_data`` / ``no_source``)."""
    from analysis.exceptions import AnalysisError
    from analysis.pages.context import open_context

    settings = {k: getattr(ctx.settings, k) for k in ctx.settings.__dataclass_fields__}
    prev = str(ctx.period.previous())
    if ctx.run_store is not None:  # in a run: the runner built it unless the data stops
        wh = ctx.warehouse.path.parent / PREVIOUS_DIR / "warehouse.duckdb"
        if not wh.is_file():
            return "no_data"
        return open_context(warehouse=str(wh), lang=ctx.lang, **settings)
    if not ctx.source or "://" in ctx.source or not Path(ctx.source).exists():
        return "no_source"
    try:
        return open_context(period=prev, data_path=ctx.source, lang=ctx.lang, **settings)
    except AnalysisError:  # no data on or before the previous period's end
        return "no_data"


def score_previous_list(ctx, previous: PreviousRun, top: int = TOP_OF_LIST) -> dict | None:
    """How last month's at-risk list did this month: who on it has left since.

    A customer has left when this run's churn data marks them churned (a contract
    ended; a non-contract customer past the churn definition). Everyone on last month's
    list was active then, so each churn here happened this month.

    Returns
    -------
    dict or None
        ``listed``, ``left``, ``left_share``, ``top`` (rows scored as the top),
        ``top_left``, ``top_precision``; None without last month's list.
    """
    from analysis.pages import churn
    from analysis.pages.churn._common import EVENT

    ids = previous.facts.get("at_risk_ids") or []
    if not ids:
        return None
    data = churn.churn_data(ctx).data
    event = data[EVENT].set_axis(data.index.astype(str)).reindex([str(i) for i in ids])
    left = event.fillna(0).astype(int).to_numpy()
    k = min(top, len(ids))
    return {
        "listed": len(ids),
        "left": int(left.sum()),
        "left_share": float(left.mean()),
        "top": k,
        "top_left": int(left[:k].sum()),
        "top_precision": float(left[:k].mean()),
    }


def write_summary(
    ctx, facts: dict, series: pd.DataFrame, compared: dict | None = None
) -> Path | None:
    """Save ``<report_dir>/summary.json``: this period's facts and its row of the series.

    What the next month reads as "published", and what the archive index shows.
    ``compared`` records what this month was compared with (last month's figures, their
    source, how last month's list did), for audit and for the two-path test.
    """
    if ctx.report_dir is None:
        return None
    row = series.loc[str(ctx.period)]
    headline = {
        k: (None if pd.isna(row[k]) else float(row[k]))
        for k in ("active", "new", "churned", "revenue", "nps", "csat")
    }
    data = {
        "period": str(ctx.period),
        "headline": {
            **headline,
            "value_at_risk": facts.get("value_at_risk"),
            "at_risk_customers": facts.get("at_risk_customers"),
        },
        "facts": {k: v for k, v in facts.items() if k != "at_risk_ids"},
        "compared": compared or {},
    }
    path = Path(ctx.report_dir) / SUMMARY_FILE
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True), "utf-8")
    return path
