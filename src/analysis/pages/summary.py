"""Summary page: what changed this month and what to do, for people who read one page.

Every figure here is read from what the other pages computed in this run (the run's
one classes table, the at-risk list, the survey scores and the comment analysis, shared
through :meth:`~analysis.pages.context.RunContext.shared`) or from the monthly series of
:mod:`analysis.summary`. A finding is shown only when it clears its threshold
(:data:`THRESHOLDS`), so a quiet month says it is quiet.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.pages.base import Chart, LangTable, Note, Section, Skipped, Text, Word
from analysis.pages.context import RunContext
from analysis.pages.format import Table, format_value

SECTIONS = ("kpis", "findings", "actions", "tier_revenue", "last_list")

#: What a finding must clear to be shown (sizes in customers or mentions).
THRESHOLDS = {
    # a segment flow: at least this many customers and this share of the class they left
    "flow_customers": 20,
    "flow_share": 0.10,
    # a tier's churn rate rose: two-proportion z test p below, with at least this many churned
    "tier_p": 0.05,
    "tier_churned": 5,
    # a theme's complaint share moved: mentions both months, and at least this many points
    "theme_mentions": 20,
    "theme_change": 0.10,
    # NPS moved month over month: the survey page's z test p below
    "nps_p": 0.05,
    # revenue moved: more than this many standard deviations of the last 12 monthly changes
    "revenue_sd": 2.0,
    # churned customers: above the last 12 months' mean by this many Poisson sds
    "churn_sd": 2.0,
    # data quality: quarantined share of all rows at or above
    "quarantine_share": 0.01,
}
MAX_FINDINGS = 8
CONTACTS_SHOWN = 15

_LINKS = {
    "flow": ("segmentation.html", "seg.migration"),
    "tier_churn": ("churn_survival.html", "churn.survival_curves"),
    "theme": ("survey_text.html", "survey.aspects"),
    "nps": ("survey_text.html", "survey.trend"),
    "revenue": ("summary.html", "summary.kpis"),
    "churned": ("segmentation.html", "seg.lifecycle"),
    "detractors": ("survey_text.html", "survey.followups"),
    "quality": ("data_quality.html", "quality.summary"),
    "list": ("churn_survival.html", "churn.at_risk"),
    "overdue": ("followup.html", "followup.overdue"),
    "workload": ("followup.html", "followup.workload"),
}
#: Rows of the overdue follow-up list the summary repeats (the follow-up page has more),
#: and the columns of it and of the owners' workload the summary shows.
OVERDUE_SHOWN = 10
OVERDUE_COLUMNS = ("pseudonym", "owner", "group", "overdue_days", "channel", "value_at_risk")
WORKLOAD_COLUMNS = ("owner", "customers", "overdue", "overdue_share", "value_at_risk")


def _anchor(section: str) -> str:
    return section.replace(".", "-").replace("_", "-")


# --- key figures ------------------------------------------------------------------------

#: KPI code -> (format kind, change kind); in display order.
KPIS = {
    "active": ("count", "count_change"),
    "new": ("count", "count_change"),
    "churned": ("count", "count_change"),
    "revenue": ("money", "money"),
    "high_revenue_share": ("pct", "pct_change"),
    "nps": ("score", "score"),
    "csat": ("pct", "pct_change"),
    "value_at_risk": ("money", "money"),
    "at_risk_customers": ("count", "count_change"),
}
_INTERVALS = {"nps": "score", "csat": "pct"}
SPARKLINES = ("active", "new", "churned", "revenue", "nps", "csat")


@dataclass(frozen=True)
class Kpis(Section):
    """The month's key figures beside last month and the same month last year.

    ``table``: one row per KPI code (index) with ``current``, ``previous``,
    ``year_ago`` and, for NPS and CSAT, ``current_low`` / ``current_high`` (95%);
    ``series``: the monthly series behind the sparklines; ``previous_source``: where
    last month's own figures came from (published, recomputed, none).
    """

    period: str
    previous: str
    year_ago: str
    table: pd.DataFrame
    series: pd.DataFrame
    previous_source: str
    section = "summary.kpis"

    def blocks(self) -> Iterator:
        yield Text("summary.kpis.text", {"p": self.period, "q": self.previous,
                                         "y": self.year_ago})  # fmt: skip
        yield _KpiTable(self.table)
        yield Note(f"summary.kpis.source.{self.previous_source}", {"q": self.previous})
        yield Chart(self._draw)

    def _draw(self, lang: str):
        from analysis.i18n import t
        from analysis.plotting.summary import plot_sparklines

        s = self.series
        lines = {t(f"summary.kpi.{k}", lang): s[k] for k in SPARKLINES if s[k].notna().any()}
        return plot_sparklines(lines, title=t("summary.kpis.trend", lang))


@dataclass(frozen=True)
class _KpiTable:
    frame: pd.DataFrame

    def render(self, lang: str) -> Table:
        from analysis.i18n import t

        rows = []
        for code, r in self.frame.iterrows():
            kind, change = KPIS[code]
            now = format_value(r["current"], kind)
            if code in _INTERVALS and pd.notna(r.get("current_low")):
                lo = format_value(r["current_low"], kind)
                hi = format_value(r["current_high"], kind)
                now = f"{now} ({lo}–{hi})"
            rows.append({
                "kpi": t(f"summary.kpi.{code}", lang),
                "current": now,
                "previous": format_value(r["previous"], kind),
                "change": _change(r["current"], r["previous"], change),
                "year_ago": format_value(r["year_ago"], kind),
                "change_year": _change(r["current"], r["year_ago"], change),
            })  # fmt: skip
        df = pd.DataFrame(rows, columns=["kpi", "current", "previous", "change", "year_ago",
                                         "change_year"])  # fmt: skip
        heads = {c: t(f"summary.col.{c}", lang) for c in df.columns}
        return Table(df, {}, headers=heads)


def _change(now: Any, then: Any, kind: str) -> str:
    if now is None or then is None or pd.isna(now) or pd.isna(then):
        return format_value(None, "count")
    diff = float(now) - float(then)
    if kind == "pct_change":  # points of a share
        return f"{format_value(diff, kind)} pp"
    if kind == "count_change":
        return format_value(diff, kind)
    text = format_value(diff, kind)
    return text if diff <= 0 or text.startswith("+") else f"+{text}"


def _kpi_table(ctx: RunContext) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    from analysis.summary import compute_monthly_series, compute_tier_revenue, previous_run

    def build():
        s = compute_monthly_series(ctx)
        per = ctx.period
        cur, prev, year = str(per), str(per.previous()), str(per.previous(12))
        rows = {}
        for code in ("active", "new", "churned", "revenue", "nps", "csat"):
            rows[code] = {"current": s.at[cur, code], "previous": s.at[prev, code],
                          "year_ago": s.at[year, code]}  # fmt: skip
            if code in _INTERVALS:
                rows[code]["current_low"] = s.at[cur, f"{code}_low"]
                rows[code]["current_high"] = s.at[cur, f"{code}_high"]
        tiers = compute_tier_revenue(ctx)
        if "high" in tiers.index:
            rows["high_revenue_share"] = {"current": tiers.at["high", "share"],
                                          "previous": tiers.at["high", "previous_share"],
                                          "year_ago": np.nan}  # fmt: skip
        mine, before = _own_facts(ctx), previous_run(ctx)
        for code in ("value_at_risk", "at_risk_customers"):
            rows[code] = {"current": mine.get(code, np.nan),
                          "previous": before.facts.get(code, np.nan),
                          "year_ago": np.nan}  # fmt: skip
        table = pd.DataFrame.from_dict(rows, orient="index")
        table = table.reindex([k for k in KPIS if k in table.index]).astype(float)
        return table, s, before

    return ctx.memo("summary.kpi_table", build)


def _own_facts(ctx: RunContext) -> dict:
    from analysis.summary import period_facts

    return ctx.memo("summary.facts", lambda: period_facts(ctx))


def kpis(ctx: RunContext) -> Kpis | Skipped:
    """Active, new and churned customers, revenue, NPS, CSAT and value at risk, with changes."""
    table, series, before = _kpi_table(ctx)
    per = ctx.period
    return Kpis(str(per), str(per.previous()), str(per.previous(12)), table, series,
                before.source)  # fmt: skip


# --- findings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One sentence: catalogue ``key`` with its numbers, the subject shown apart (a theme,
    a flow), the page section that shows it, and a score that orders the findings."""

    kind: str
    key: str
    values: dict
    kinds: dict
    subject: tuple = ()
    score: float = 0.0


@dataclass(frozen=True)
class Findings(Section):
    """Five to eight generated findings, each past its threshold (none: a quiet month)."""

    items: tuple
    checked: tuple
    section = "summary.findings"

    def blocks(self) -> Iterator:
        if not self.items:
            yield Note("summary.findings.quiet", {"n": len(self.checked)})
            return
        yield _FindingList(self.items)
        yield Text("summary.findings.thresholds", {"n": len(self.checked)})


@dataclass(frozen=True)
class _FindingList:
    items: tuple

    def render(self, lang: str):
        from analysis.i18n import t
        from analysis.pages.base import _text_html

        parts = ['<ol class="an-findings">']
        for f in self.items:
            sentence = _text_html(Text(f.key, f.values, f.kinds), lang)[3:-4]  # inside <p>
            subject = ""
            if f.subject:
                words = " → ".join(html.escape(_subject_word(s, lang)) for s in f.subject)
                subject = f' <span class="an-subject">{words}</span>'
            page, section = _LINKS[f.kind]
            href = html.escape(f"{page}#{_anchor(section)}")
            more = html.escape(t(f"{section}.title", lang))
            parts.append(f'<li>{sentence}{subject} <a href="{href}">→ {more}</a></li>')
        parts.append("</ol>")
        return _Raw("".join(parts))


@dataclass(frozen=True)
class _Raw:
    text: str

    def _repr_html_(self) -> str:
        return self.text


def _subject_word(subject, lang: str) -> str:
    if isinstance(subject, Word):
        return subject.render(lang)
    return str(subject)


def _two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float:
    from scipy.stats import norm

    if min(n1, n2) == 0:
        return 1.0
    p = (k1 + k2) / (n1 + n2)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (k1 / n1 - k2 / n2) / se
    return float(2 * norm.sf(abs(z)))


def _flow_findings(ctx: RunContext) -> list[Finding]:
    from analysis.pages import segmentation

    res = segmentation.migration(ctx)
    if getattr(res, "skipped", False):
        return []
    out = []
    for column, flows in res.flows.items():
        for _, r in flows.iterrows():
            if r["customers"] >= THRESHOLDS["flow_customers"] and (
                r["share_of_from"] >= THRESHOLDS["flow_share"]
            ):
                out.append(Finding(
                    "flow", "summary.finding.flow",
                    {"n": int(r["customers"]), "s": float(r["share_of_from"])}, {"s": "pct"},
                    (Word(column, r["from"]), Word(column, r["to"])),
                    score=float(r["customers"]),
                ))  # fmt: skip
                break  # the largest flow of each scheme
    return out


def _tier_churn_findings(ctx: RunContext) -> list[Finding]:
    """Churned this month vs last month per value tier (tiers as of this month's end)."""
    from analysis.summary import tier_churn

    tc = tier_churn(ctx)
    out = []
    for tier, r in tc.iterrows():
        p = _two_proportion_p(int(r["churned"]), int(r["base"]), int(r["previous_churned"]),
                              int(r["previous_base"]))  # fmt: skip
        rate, before = r["rate"], r["previous_rate"]
        if (rate > before and p < THRESHOLDS["tier_p"]
                and r["churned"] >= THRESHOLDS["tier_churned"]):  # fmt: skip
            out.append(Finding(
                "tier_churn", "summary.finding.tier_churn",
                {"r": float(rate), "b": float(before), "n": int(r["churned"]), "pv": p},
                {"r": "pct", "b": "pct", "pv": "pvalue"},
                (Word("value_tier", tier),), score=1000.0 * (rate - before) + 50,
            ))  # fmt: skip
    return out


def _theme_findings(ctx: RunContext) -> list[Finding]:
    from analysis.pages import survey

    res = survey.aspects(ctx)
    if getattr(res, "skipped", False) or res.table.empty:
        return []
    t = res.table
    if "negative_share_change" not in t.columns:
        return []
    mentions = t["positive"] + t["negative"]
    before = mentions - t["positive_change"].fillna(0) - t["negative_change"].fillna(0)
    ok = (mentions >= THRESHOLDS["theme_mentions"]) & (before >= THRESHOLDS["theme_mentions"])
    moved = t[ok & (t["negative_share_change"].abs() >= THRESHOLDS["theme_change"])]
    if moved.empty:
        return []
    r = moved.loc[moved["negative_share_change"].abs().idxmax()]
    key = (
        "summary.finding.theme_up"
        if r["negative_share_change"] > 0
        else ("summary.finding.theme_down")
    )
    return [Finding("theme", key,
                    {"s": float(r["negative_share"]),
                     "b": float(r["negative_share"] - r["negative_share_change"]),
                     "n": int(r["positive"] + r["negative"])},
                    {"s": "pct", "b": "pct"}, (str(r["name"]),),
                    score=100.0 * abs(float(r["negative_share_change"])) + 20)]  # fmt: skip


def _nps_findings(ctx: RunContext) -> list[Finding]:
    from analysis.pages import survey

    res = survey.trend(ctx)
    if getattr(res, "skipped", False):
        return []
    ch = getattr(res, "change", None)
    if ch is None or ch.empty:
        return []
    row = ch.iloc[-1]
    if str(row.get("month")) != str(ctx.period) or pd.isna(row.get("p_value")):
        return []
    if row["p_value"] >= THRESHOLDS["nps_p"]:
        return []
    key = "summary.finding.nps_up" if row["change"] > 0 else "summary.finding.nps_down"
    return [Finding("nps", key, {"d": abs(float(row["change"])), "pv": float(row["p_value"])},
                    {"d": "score", "pv": "pvalue"}, score=60.0)]  # fmt: skip


def _series_findings(ctx: RunContext) -> list[Finding]:
    from analysis.summary import compute_monthly_series

    s = compute_monthly_series(ctx)
    s = s[s["in_data"]]
    out = []
    if len(s) >= 13:
        rev = s["revenue"].astype(float)
        change = rev.pct_change().iloc[-13:-1].dropna()
        now = rev.iloc[-1] / rev.iloc[-2] - 1 if rev.iloc[-2] > 0 else np.nan
        sd = change.std()
        if pd.notna(now) and sd > 0 and abs(now - change.mean()) > THRESHOLDS["revenue_sd"] * sd:
            key = "summary.finding.revenue_up" if now > 0 else "summary.finding.revenue_down"
            out.append(Finding("revenue", key, {"c": abs(float(now)), "sd": float(sd)},
                               {"c": "pct", "sd": "pct"}, score=55.0))  # fmt: skip
        churned = s["churned"].astype(float)
        mean = churned.iloc[-13:-1].mean()
        if mean > 0 and churned.iloc[-1] > mean + THRESHOLDS["churn_sd"] * math.sqrt(mean):
            out.append(Finding("churned", "summary.finding.churned",
                               {"n": int(churned.iloc[-1]), "m": float(mean)},
                               {"m": "float1"}, score=58.0))  # fmt: skip
    return out


def _detractor_findings(ctx: RunContext) -> list[Finding]:
    f = _followup_list(ctx)
    if f is None or f.empty:
        return []
    high = f[f["value_tier"] == "high"]
    if high.empty:
        return []
    return [
        Finding(
            "detractors",
            "summary.finding.detractors",
            {"n": len(high), "m": ctx.settings.followup_months},
            {},
            score=70.0,
        )
    ]


def _quality_findings(ctx: RunContext) -> list[Finding]:
    q = ctx.warehouse.quality
    rows = sum(t.rows_in for t in q.tables.values())
    quarantined = sum(t.quarantined for t in q.tables.values())
    share = quarantined / rows if rows else 0.0
    if share < THRESHOLDS["quarantine_share"]:
        return []
    return [Finding("quality", "summary.finding.quality", {"n": quarantined, "s": share},
                    {"s": "pct"}, score=40.0)]  # fmt: skip


def _list_findings(ctx: RunContext) -> list[Finding]:
    res = last_list(ctx)
    if getattr(res, "skipped", False):
        return []
    f = res.facts
    if f["top_left"] == 0:
        return []
    return [Finding("list", "summary.finding.list",
                    {"k": f["top"], "n": f["top_left"], "l": f["listed"], "m": f["left"]},
                    {}, score=45.0)]  # fmt: skip


CHECKS = (_flow_findings, _tier_churn_findings, _theme_findings, _nps_findings,
          _series_findings, _detractor_findings, _quality_findings, _list_findings)  # fmt: skip


def findings(ctx: RunContext) -> Findings:
    """The month's findings that clear their thresholds, most important first (at most 8)."""

    def build():
        items: list[Finding] = []
        for check in CHECKS:
            items.extend(check(ctx))
        items.sort(key=lambda f: -f.score)
        return tuple(items[:MAX_FINDINGS])

    return Findings(ctx.memo("summary.findings", build), tuple(c.__name__ for c in CHECKS))


# --- actions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Actions(Section):
    """Customers per playbook action and whom to contact first this month.

    ``counts``: customers per action code (playbook order; actions of fewer than
    ``min_group_size`` customers folded into ``other``); ``contacts``: the contact
    list (pseudonym on the page; the export keeps real ids): ``pseudonym``,
    ``account_owner``, ``reason`` (``at_risk`` or ``detractor``), ``value``,
    ``value_tier``, ``action``; ``files``: exports written.
    """

    counts: pd.Series
    actions: dict
    contacts: pd.DataFrame
    files: tuple
    followup: Any = None
    section = "summary.actions"

    def blocks(self) -> Iterator:
        yield Text("summary.actions.text", {"n": int(self.counts.sum()),
                                            "k": int((self.counts > 0).sum())})  # fmt: skip
        yield _ActionTable(self.counts, self.actions)
        if self.contacts.empty:
            yield Note("summary.actions.no_contacts")
        else:
            yield Text("summary.actions.contacts", {"n": min(len(self.contacts), CONTACTS_SHOWN),
                                                    "k": len(self.contacts)})  # fmt: skip
            yield _ContactTable(self.contacts.head(CONTACTS_SHOWN), self.actions)
        yield from self._followup_blocks()

    def _followup_blocks(self) -> Iterator:
        """The overdue follow-ups and the owners' workload (the follow-up page's numbers)."""
        from analysis.followup.cadence import UNASSIGNED
        from analysis.pages.followup import _OverdueTable, _WorkloadTable

        d = self.followup
        if d is None:
            yield Note("summary.actions.no_followup")
            return
        od = d.overdue
        yield Text("summary.actions.overdue",
                   {"n": len(od), "k": min(len(od), OVERDUE_SHOWN),
                    "v": float(od["value_at_risk"].fillna(0).sum())},
                   {"v": "money"})  # fmt: skip
        if len(od):
            yield _OverdueTable(od.head(OVERDUE_SHOWN), OVERDUE_COLUMNS)
        yield _Link("overdue")
        owners = d.workload[d.workload.index != UNASSIGNED]
        if len(owners):
            yield Text("summary.actions.workload", {"k": len(owners)})
            yield _WorkloadTable(d.workload, WORKLOAD_COLUMNS)
            yield _Link("workload")


@dataclass(frozen=True)
class _ActionTable:
    counts: pd.Series
    actions: dict

    def render(self, lang: str) -> Table:
        from analysis.i18n import t

        total = self.counts.sum()
        df = pd.DataFrame({
            "action": [self.actions[a][lang] if a in self.actions else t(f"label.{a}", lang)
                       for a in self.counts.index],
            "customers": self.counts.to_numpy(),
            "share": self.counts.to_numpy() / total if total else np.nan,
        })  # fmt: skip
        heads = {"action": t("word.strategy", lang), "customers": t("word.customers", lang),
                 "share": t("word.customer_share", lang)}  # fmt: skip
        return Table(df, {"customers": "count", "share": "pct"}, headers=heads)


@dataclass(frozen=True)
class _ContactTable:
    frame: pd.DataFrame
    actions: dict

    def render(self, lang: str) -> Table:
        from analysis.i18n import t
        from analysis.pages.base import _word

        f = self.frame
        df = pd.DataFrame({
            "pseudonym": f["pseudonym"].to_numpy(),
            "owner": f["account_owner"].to_numpy(),
            "reason": [t(f"summary.reason.{r}", lang) for r in f["reason"]],
            "detail": f[f"detail_{lang}"].to_numpy(),
            "value": f["value"].to_numpy(),
            "value_tier": [_word("value_tier", v, lang) if isinstance(v, str) else None
                           for v in f["value_tier"]],
            "action": [self.actions[a][lang] if isinstance(a, str) and a in self.actions
                       else None for a in f["action"]],
        })  # fmt: skip
        heads = {c: t(f"summary.col.{c}", lang) for c in df.columns}
        return Table(df, {"value": "money"}, headers=heads)


@dataclass(frozen=True)
class _Link:
    """A link to another page's section, titled in the reader's language."""

    kind: str

    def render(self, lang: str) -> _Raw:
        from analysis.i18n import t

        page, section = _LINKS[self.kind]
        href = html.escape(f"{page}#{_anchor(section)}")
        return _Raw(f'<p><a href="{href}">→ {html.escape(t(f"{section}.title", lang))}</a></p>')


def _followup_list(ctx: RunContext) -> pd.DataFrame | None:
    from analysis.pages.survey._common import _need
    from analysis.pages.survey.customers import followup_table

    if _need(ctx, "survey.followups", "customer", "opinion"):
        return None
    return followup_table(ctx)[0]


def contact_list(ctx: RunContext) -> pd.DataFrame:
    """Whom to contact first: the top of the at-risk list, then dissatisfied high-value
    customers not on it; with owner, reason, value, tier and playbook action.

    Indexed by ``customer_id`` (real ids: this frame feeds the operational export).
    """
    from analysis.pages import churn
    from analysis.privacy import pseudonymise

    def build() -> pd.DataFrame:
        rows = []
        risk = churn.at_risk(ctx)
        if not getattr(risk, "skipped", False):
            top = risk.table.head(CONTACTS_SHOWN)
            for _, r in top.iterrows():
                rows.append({"customer_id": str(r["customer_id"]), "reason": "at_risk",
                             "value": float(r["value_at_risk"]),
                             "detail_zh": r.get("reason_1_zh") or "",
                             "detail_en": r.get("reason_1_en") or ""})  # fmt: skip
        follow = _followup_list(ctx)
        if follow is not None and not follow.empty:
            listed = {r["customer_id"] for r in rows}
            high = follow[follow["value_tier"] == "high"]
            for cid, r in high.iterrows():
                cid = str(r.get("customer_id", cid))
                if cid in listed:
                    continue
                score = r.get("latest_score")
                rows.append({"customer_id": cid, "reason": "detractor",
                             "value": float(r.get("monetary_total", np.nan)),
                             "detail_zh": _score_words(score, "zh"),
                             "detail_en": _score_words(score, "en")})  # fmt: skip
        cols = ["customer_id", "reason", "value", "detail_zh", "detail_en"]
        df = pd.DataFrame(rows, columns=cols).set_index("customer_id")
        classes = ctx.classes.reindex(df.index.astype(object))
        df["value_tier"] = classes["value_tier"].to_numpy()
        df["action"] = classes["action"].to_numpy()
        owners = ctx.customers.get("account_owner")
        df["account_owner"] = (owners.reindex(df.index).to_numpy() if owners is not None
                               else None)  # fmt: skip
        df["pseudonym"] = pseudonymise(pd.Series(df.index, index=df.index)).to_numpy()
        return df

    return ctx.memo("summary.contacts", build)


def _score_words(score: Any, lang: str) -> str:
    from analysis.i18n import t

    if score is None or pd.isna(score):
        return ""
    return t("summary.reason.score", lang, s=format_value(score, "count"))


def actions(ctx: RunContext) -> Actions:
    """Customers per playbook action; the contact list (``exports/contact_list``)."""
    from analysis.export import export_table
    from analysis.privacy import fold_small_groups
    from analysis.segmentation.playbook import load_playbook

    pb = load_playbook(ctx.segmentation.config.playbook)
    order = list(dict.fromkeys(a for a, _ in pb.rules))
    counts = ctx.classes["action"].value_counts().reindex(order, fill_value=0)
    counts = fold_small_groups(counts[counts > 0], min_size=ctx.settings.min_group_size)
    contacts = contact_list(ctx)
    files: list = []
    if ctx.report_dir and not contacts.empty:
        labels = ctx.class_export()
        export = contacts.join(labels[[c for c in ("value_tier_zh", "value_tier_en",
                                                   "action_zh", "action_en")
                                       if c in labels.columns]])  # fmt: skip
        files = export_table(export, ctx.report_dir / "exports" / "contact_list")
    from analysis.pages.followup import followup_data

    return Actions(counts, pb.actions, contacts, tuple(str(p) for p in files),
                   followup=followup_data(ctx))  # fmt: skip


# --- value tiers' revenue ------------------------------------------------------------------


@dataclass(frozen=True)
class TierRevenue(Section):
    """This month's and last month's net revenue by value tier (tiers as of now)."""

    table: pd.DataFrame
    section = "summary.tier_revenue"

    def blocks(self) -> Iterator:
        if "high" in self.table.index:
            yield Text("summary.tier_revenue.text",
                       {"s": float(self.table.at["high", "share"]),
                        "b": float(self.table.at["high", "previous_share"])},
                       {"s": "pct", "b": "pct"})  # fmt: skip
        yield Chart(self._draw)
        yield LangTable(
            self.table.reset_index(),
            {"revenue": "money", "share": "pct", "previous_revenue": "money",
             "previous_share": "pct"},
            headers={c: f"summary.col.{c}" for c in
                     ("value_tier", "revenue", "share", "previous_revenue", "previous_share")},
            classes={"value_tier": "value_tier"},
        )  # fmt: skip

    def _draw(self, lang: str):
        from analysis.i18n import t
        from analysis.pages.base import _word
        from analysis.plotting.summary import plot_tier_revenue

        df = self.table[["previous_revenue", "revenue"]].copy()
        df.index = [_word("value_tier", v, lang) for v in df.index]
        df.columns = [t("summary.col.previous_revenue", lang), t("summary.col.revenue", lang)]
        return plot_tier_revenue(df, title=t("summary.tier_revenue.title", lang))


def tier_revenue(ctx: RunContext) -> TierRevenue | Skipped:
    """Revenue of the month by value tier, beside last month."""
    from analysis.summary import compute_tier_revenue

    table = compute_tier_revenue(ctx)
    if table.empty:
        return Skipped("summary.tier_revenue", "summary.skip.no_revenue", {"p": str(ctx.period)})
    return TierRevenue(table)


# --- last month's at-risk list --------------------------------------------------------------


@dataclass(frozen=True)
class LastList(Section):
    """How last month's at-risk list did: who on it has left, overall and at its top."""

    previous: str
    source: str
    facts: dict
    section = "summary.last_list"

    def blocks(self) -> Iterator:
        yield Text("summary.last_list.text", {"q": self.previous, **self.facts},
                   {"left_share": "pct", "top_precision": "pct"})  # fmt: skip
        yield Note(f"summary.kpis.source.{self.source}", {"q": self.previous})


def last_list(ctx: RunContext) -> LastList | Skipped:
    """Last month's list scored against who left this month (first run: recomputed)."""
    from analysis.summary import previous_run, score_previous_list

    before = previous_run(ctx)
    if before.source in ("no_data", "no_source"):
        return Skipped("summary.last_list", f"summary.skip.{before.source}", {"q": before.period})
    scored = ctx.memo("summary.last_list", lambda: score_previous_list(ctx, before))
    if scored is None:
        return Skipped("summary.last_list", "summary.skip.no_previous_list",
                       {"q": before.period})  # fmt: skip
    return LastList(before.period, before.source, scored)


def save(ctx: RunContext):
    """Write ``summary.json`` (this period's figures, read next month and by the archive)."""
    from analysis.summary import compute_monthly_series, write_summary

    facts = dict(_own_facts(ctx))
    before = _kpi_table(ctx)[2]
    listed = last_list(ctx)
    compared = {
        "previous": before.period,
        "previous_source": before.source,
        "previous_facts": {k: v for k, v in before.facts.items() if k != "at_risk_ids"},
        "last_list": None if getattr(listed, "skipped", False) else listed.facts,
    }
    return write_summary(ctx, facts, compute_monthly_series(ctx), compared)
