"""The numbers: NPS and CSAT of the month, their trend, the response rate, NPS by group."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.pages.base import Chart, Heading, Note, Section, Skipped, Text
from analysis.pages.context import RunContext
from analysis.pages.survey._common import (
    _GROUPS,
    _NPS_HEADERS,
    _NPS_KINDS,
    FEW_RESPONSES,
    GROUP_MONTHS,
    TABLE_MONTHS,
    _fold_groups,
    _folded,
    _has_values,
    _identified,
    _month,
    _need,
    _order,
    _responses,
    _Table,
)
from analysis.schema import CHANNEL, COMMENT, CSAT, RESPONSE_DATE, SCORE
from analysis.surveys.nps import (
    compute_csat,
    compute_monthly_change,
    compute_nps,
    compute_response_rate,
)

# --- summary -------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary(Section):
    """The report month's NPS and CSAT with 95% intervals.

    ``facts``: ``p`` (month), ``n`` (answers), ``k`` (with a comment), and when
    available ``nps``, ``nps_low``, ``nps_high``, ``nps_n`` and ``csat``, ``csat_low``,
    ``csat_high``, ``csat_n``.
    """

    facts: dict
    section = "survey.summary"

    def blocks(self) -> Iterator:
        f = self.facts
        yield Text("survey.summary.text", {k: f[k] for k in ("p", "n", "k")})
        if "nps" in f:
            yield Text(
                "survey.summary.nps",
                {"nps": f["nps"], "lo": f["nps_low"], "hi": f["nps_high"], "m": f["nps_n"]},
                {"nps": "score", "lo": "score", "hi": "score"},
            )
        else:
            yield Note("survey.summary.no_score")
        if "csat" in f:
            yield Text(
                "survey.summary.csat",
                {"cs": f["csat"], "lo": f["csat_low"], "hi": f["csat_high"], "m": f["csat_n"]},
                {"cs": "pct", "lo": "pct", "hi": "pct"},
            )
        else:
            yield Note("survey.summary.no_csat")
        rated = max(f.get("nps_n", 0), f.get("csat_n", 0))
        if rated < FEW_RESPONSES:
            yield Note("survey.summary.few", {"n": rated, "need": FEW_RESPONSES})


def summary(ctx: RunContext) -> Summary | Skipped:
    """NPS and CSAT of the report month, with their intervals and the number of answers."""
    skip = _need(ctx, "survey.summary", "rating")
    if skip:
        return skip
    s = _responses(ctx)
    cur = s[s["month"] == _month(ctx)]
    if cur.empty:
        last = s[RESPONSE_DATE].max()
        return Skipped(
            "survey.summary",
            "survey.skip.no_month",
            {"p": _month(ctx), "last": last.strftime("%Y-%m-%d")},
        )
    facts: dict[str, Any] = {"p": _month(ctx), "n": len(cur), "k": 0}
    if COMMENT in cur.columns:
        facts["k"] = int(cur[COMMENT].fillna("").astype(str).str.strip().ne("").sum())
    if _has_values(cur, SCORE):
        row = compute_nps(cur).iloc[0]
        facts.update(
            nps=float(row["nps"]),
            nps_low=float(row["nps_low"]),
            nps_high=float(row["nps_high"]),
            nps_n=int(row["responses"]),
        )
    if _has_values(cur, CSAT):
        row = compute_csat(cur).iloc[0]
        facts.update(
            csat=float(row["csat"]),
            csat_low=float(row["csat_low"]),
            csat_high=float(row["csat_high"]),
            csat_n=int(row["responses"]),
        )
    return Summary(facts)


# --- trend -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Trend(Section):
    """Monthly NPS with intervals, the score distribution and the month-over-month test.

    ``monthly``: :func:`compute_nps` by month (months with a score); ``change``:
    :func:`compute_monthly_change` of it; ``scores``: every 0–10 score.
    """

    monthly: pd.DataFrame
    change: pd.DataFrame
    scores: pd.Series
    section = "survey.trend"

    def blocks(self) -> Iterator:
        yield Chart(self._draw)
        c = self.change
        if len(c) < 2:
            yield Note("survey.trend.one_month")
        else:
            last = c.iloc[-1]
            key = "survey.trend.significant" if last["significant"] else "survey.trend.noise"
            yield Text(
                key,
                {
                    "m": last["month"],
                    "nps": last["nps"],
                    "d": last["change"],
                    "pv": last["p_value"],
                },
                {"nps": "score", "d": "score", "pv": "pvalue"},
            )
        shown = c.tail(TABLE_MONTHS).copy()
        sig = shown["significant"].map({True: "yes", False: "no"})
        shown["significant"] = sig.where(shown["p_value"].notna())
        yield _Table(
            shown[
                [
                    "month",
                    "responses",
                    "nps",
                    "change",
                    "change_low",
                    "change_high",
                    "p_value",
                    "significant",
                ]
            ],
            {
                "responses": "count",
                "nps": "score",
                "change": "score",
                "change_low": "score",
                "change_high": "score",
                "p_value": "pvalue",
            },
            {c: f"survey.col.{c}" for c in shown.columns},
            words={"significant": "survey.word."},
        )

    def _draw(self, lang: str):
        import matplotlib.pyplot as plt

        from analysis.i18n import t
        from analysis.plotting.survey import plot_nps_trend, plot_score_distribution

        fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
        plot_nps_trend(self.monthly, ax=axes[0], title=t("survey.trend.chart_nps", lang))
        ax = plot_score_distribution(
            self.scores, ax=axes[1], title=t("survey.trend.chart_scores", lang)
        )
        ax.set_xlabel(t("survey.col.score", lang))
        ax.set_ylabel(t("survey.col.responses", lang))
        fig.tight_layout()
        return fig


def trend(ctx: RunContext) -> Trend | Skipped:
    """NPS per month with 95% intervals; the change is flagged when a z test says p < 0.05."""
    skip = _need(ctx, "survey.trend", "score")
    if skip:
        return skip
    s = _responses(ctx)
    monthly = compute_nps(s, by="month")
    monthly = monthly[monthly["responses"] > 0].reset_index(drop=True)
    change = compute_monthly_change(monthly)
    scores = pd.to_numeric(s[SCORE], errors="coerce").dropna()
    return Trend(monthly, change, scores)


# --- CSAT --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Csat(Section):
    """CSAT per month: the share answering 4–5 (Wilson interval) and the mean (t interval)."""

    monthly: pd.DataFrame
    section = "survey.csat"

    def blocks(self) -> Iterator:
        kinds = {
            "responses": "count",
            "csat": "pct",
            "csat_low": "pct",
            "csat_high": "pct",
            "csat_mean": "float2",
            "csat_mean_low": "float2",
            "csat_mean_high": "float2",
        }
        shown = self.monthly.tail(TABLE_MONTHS)
        yield _Table(shown, kinds, {c: f"survey.col.{c}" for c in shown.columns})


def csat(ctx: RunContext) -> Csat | Skipped:
    """CSAT (top-two box on 1–5) by month, the last months."""
    skip = _need(ctx, "survey.csat", "csat")
    if skip:
        return skip
    monthly = compute_csat(_responses(ctx), by="month")
    monthly = monthly[monthly["responses"] > 0].reset_index(drop=True)
    return Csat(monthly)


# --- response rate ---------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseRate(Section):
    """Respondents per month as a share of the customers known then (a lower bound)."""

    monthly: pd.DataFrame
    section = "survey.response_rate"

    def blocks(self) -> Iterator:
        shown = self.monthly.tail(TABLE_MONTHS)
        kinds = dict.fromkeys(("responses", "respondents", "anonymous", "customer_base"), "count")
        yield _Table(
            shown, {**kinds, "response_rate": "pct"}, {c: f"survey.col.{c}" for c in shown.columns}
        )


def response_rate(ctx: RunContext) -> ResponseRate | Skipped:
    """Distinct identified respondents per month over the customer base of that month."""
    skip = _need(ctx, "survey.response_rate", "customer")
    if skip:
        return skip
    rate = compute_response_rate(_responses(ctx), ctx.customers.reset_index())
    return ResponseRate(rate)


# --- by group ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ByGroup(Section):
    """NPS with intervals per value tier, RFM segment and survey channel (last 12 months).

    ``tables``: group column (``value_tier``, ``segment``, ``channel``) -> frame with
    that column then :func:`compute_nps`'s columns, groups of fewer than ``min_size``
    respondents folded into ``other`` (its NPS computed from its answers);
    ``anonymous``: answers without a known customer in the window.
    """

    tables: dict
    months: tuple
    responses: int
    anonymous: int
    min_size: int = 5
    section = "survey.by_group"

    def blocks(self) -> Iterator:
        yield Text(
            "survey.by_group.window",
            {"a": self.months[0], "b": self.months[-1], "n": self.responses, "u": self.anonymous},
        )
        if "value_tier" not in self.tables:
            yield Note("survey.by_group.no_ids")
        for col, table in self.tables.items():
            yield Heading(f"survey.by_group.{col}")
            words = {col: f"class.{_GROUPS[col]}." if col in _GROUPS else None}
            yield _Table(
                table[[col, *_NPS_KINDS]],
                _NPS_KINDS,
                {col: f"survey.col.{col}", **_NPS_HEADERS},
                words=words,
            )
        if any(_folded(t, col=c) for c, t in self.tables.items()):
            yield Note("privacy.folded", {"n": self.min_size})


def by_group(ctx: RunContext) -> ByGroup | Skipped:
    """NPS of each value tier, RFM segment and channel over the last twelve months."""
    skip = _need(ctx, "survey.by_group", "score")
    if skip:
        return skip
    s = _responses(ctx)
    months = tuple(str(m) for m in pd.period_range(end=_month(ctx), periods=GROUP_MONTHS, freq="M"))
    recent = s[s["month"].isin(months) & pd.to_numeric(s[SCORE], errors="coerce").notna()]
    cols = [c for c in _GROUPS if _identified(recent).any()]
    if CHANNEL in recent.columns and recent[CHANNEL].notna().any():
        cols.append(CHANNEL)
    if recent.empty:
        return Skipped(
            "survey.by_group", "survey.skip.no_recent", {"a": months[0], "b": months[-1]}
        )
    if not cols:
        return Skipped(
            "survey.by_group", "survey.skip.no_groups", {"a": months[0], "b": months[-1]}
        )
    tables = {}
    for col in cols:
        # groups of fewer respondents than the minimum are shown together as "other"
        t = compute_nps(_fold_groups(ctx, recent, col), by=col).set_index(col)
        t = t.loc[_order(t.index, _GROUPS.get(col))].reset_index()
        tables[col] = t
    anonymous = int(recent["value_tier"].isna().sum())
    return ByGroup(tables, months, len(recent), anonymous, ctx.settings.min_group_size)
