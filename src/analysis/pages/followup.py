"""Follow-up page (客户跟进): who has gone unvisited, who carries the load, does contact help.

Sections: :func:`summary`, :func:`cadence`, :func:`overdue`, :func:`workload`,
:func:`contact_effect`, :func:`complaints`, :func:`journey`. The cadence targets come
from the playbook (``cadence``); value tier, lifecycle and action from the run's one
classes table (``ctx.classes``); churn probability and value at risk from the churn
page's at-risk list, shared through the run store. The overdue list and the owner
workload are computed once (:func:`followup_data`) and read by the summary's actions.

Without an ``interactions`` table (the follow-up log) every section but the journey
says so and what would enable it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analysis.followup.cadence import UNASSIGNED
from analysis.pages.base import Chart, Note, Section, Skipped, Text, Word
from analysis.pages.context import RunContext

__all__ = [
    "SECTIONS",
    "OVERDUE_SHOWN",
    "FollowupData",
    "followup_data",
    "summary",
    "cadence",
    "overdue",
    "workload",
    "contact_effect",
    "complaints",
    "journey",
    "touchpoints",
]

#: The page's sections in display order (the notebook shows each once).
SECTIONS = ("summary", "cadence", "overdue", "workload", "contact_effect", "complaints",
            "journey", "touchpoints")  # fmt: skip
#: Rows of the overdue list shown on the page (the export keeps every row).
OVERDUE_SHOWN = 20


def _need_interactions(ctx: RunContext, section: str) -> Skipped | None:
    if not ctx.has("interactions"):
        return Skipped(section, "followup.skip.no_interactions")
    return None


# --- the shared computation ----------------------------------------------------------------


@dataclass(frozen=True)
class FollowupData:
    """Everything the cadence sections and the summary read, computed once per run.

    Attributes
    ----------
    cadence : pandas.DataFrame
        Per customer: ``cadence_group``, ``every_days``, ``channel`` (the playbook's).
    history : pandas.DataFrame
        :func:`analysis.followup.cadence.contact_history` (contacted customers).
    by_group : pandas.DataFrame
        :func:`analysis.followup.cadence.cadence_by_group`.
    channels : pandas.DataFrame
        Contacts of the last year by cadence group and kind.
    overdue : pandas.DataFrame
        :func:`analysis.followup.cadence.overdue_followups`, plus ``pseudonym``,
        ``value_tier``, ``lifecycle``, ``action``.
    workload : pandas.DataFrame
        :func:`analysis.followup.cadence.owner_workload`.
    groups : tuple
        Cadence group codes in playbook order.
    scored : bool
        Whether churn risk (the at-risk list) was available for ranking.
    """

    cadence: pd.DataFrame
    history: pd.DataFrame
    by_group: pd.DataFrame
    channels: pd.DataFrame
    overdue: pd.DataFrame
    workload: pd.DataFrame
    groups: tuple
    scored: bool


def _risk(ctx: RunContext) -> pd.DataFrame | None:
    """Churn probability and value at risk per customer from the churn page's list."""
    from analysis.pages import churn

    res = churn.at_risk(ctx)
    if getattr(res, "skipped", False):
        return None
    table = res.table if hasattr(res, "table") else res
    return table.set_index("customer_id")[["churn_prob", "value_at_risk"]]


def followup_data(ctx: RunContext) -> FollowupData | None:
    """The cadence, overdue list and workload of this run (None without interactions)."""
    from analysis.followup.cadence import (
        cadence_by_group,
        channel_mix,
        contact_history,
        overdue_followups,
        owner_workload,
    )
    from analysis.privacy import pseudonymise
    from analysis.segmentation.playbook import assign_cadence, load_playbook

    if not ctx.has("interactions"):
        return None

    def build() -> FollowupData:
        pb = load_playbook(ctx.segmentation.config.playbook)
        cad = assign_cadence(ctx.classes, pb)
        history = contact_history(ctx.warehouse["interactions"], as_of=ctx.as_of)
        customers = ctx.customers.reindex(cad.index)
        risk = _risk(ctx)
        value = ctx.features["monetary_total"] if "monetary_total" in ctx.features else None
        od = overdue_followups(cad, customers, history, as_of=ctx.as_of, risk=risk, value=value)
        classes = ctx.classes.reindex(od["customer_id"])
        for col in ("value_tier", "lifecycle", "action"):
            od[col] = classes[col].to_numpy() if col in classes else None
        od.insert(2, "pseudonym", pseudonymise(od["customer_id"]).to_numpy())
        wl = owner_workload(cad, customers, od, risk=risk, history=history)
        return FollowupData(
            cadence=cad,
            history=history,
            by_group=cadence_by_group(cad, customers, history, as_of=ctx.as_of),
            channels=channel_mix(
                ctx.warehouse["interactions"], cad["cadence_group"], as_of=ctx.as_of
            ),  # fmt: skip
            overdue=od,
            workload=wl,
            groups=tuple(c.group for c in pb.cadence),
            scored=risk is not None,
        )

    return ctx.shared("followup.cadence", build)


def _table(df: pd.DataFrame, kinds: dict, lang: str, columns=None):
    """A table with the follow-up catalogue's headers (``followup.col.<column>``), keeping
    ``columns`` (all when None) in that order."""
    from analysis.i18n import t
    from analysis.pages.format import Table

    if columns is not None:
        df = df[list(columns)]
    heads = {c: t(f"followup.col.{c}", lang) for c in df.columns}
    return Table(df, {k: v for k, v in kinds.items() if k in df.columns}, headers=heads)


def _owner(value: object, lang: str) -> str:
    from analysis.i18n import t

    return t("followup.owner.unassigned", lang) if value == UNASSIGNED else str(value)


# --- summary -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary(Section):
    """The follow-up month in numbers (``facts``)."""

    facts: dict
    section = "followup.summary"

    def blocks(self) -> Iterator:
        yield Text("followup.summary.text", self.facts,
                   {"share": "pct", "v": "money", "since": "date"})  # fmt: skip
        if self.facts["unassigned"]:
            yield Note("followup.summary.unassigned", {"n": self.facts["unassigned"]})


def summary(ctx: RunContext) -> Summary | Skipped:
    """Contacts in the last quarter, customers reached, overdue follow-ups and their value."""
    skip = _need_interactions(ctx, "followup.summary")
    if skip:
        return skip
    d = followup_data(ctx)
    due = d.cadence["every_days"].notna()
    od = d.overdue
    return Summary(
        {
            "contacts": int(d.history["contacts_quarter"].sum()),
            "reached": int((d.history["contacts_quarter"] > 0).sum()),
            "due": int(due.sum()),
            "n": len(od),
            "share": len(od) / int(due.sum()) if due.any() else 0.0,
            "v": float(od["value_at_risk"].fillna(0).sum()),
            "owners": int((d.workload.index != UNASSIGNED).sum()),
            "unassigned": int((od["account_owner"] == UNASSIGNED).sum()),
            "since": (ctx.as_of - pd.Timedelta(days=90)).date(),
        }
    )


# --- cadence by group ----------------------------------------------------------------------


@dataclass(frozen=True)
class Cadence(Section):
    """Per cadence group: the playbook's target and what the log shows."""

    table: pd.DataFrame
    channels: pd.DataFrame
    section = "followup.cadence"

    def blocks(self) -> Iterator:
        yield Text("followup.cadence.text")
        yield _CadenceTable(self.table.reset_index())
        if not self.channels.empty:
            yield Text("followup.cadence.channels")
            yield Chart(self._draw)

    def _draw(self, lang: str):
        from analysis.i18n import t
        from analysis.plotting.followup import plot_channel_mix

        df = self.channels.copy()
        df.index = [t(f"followup.group.{g}", lang) for g in df.index]
        df.columns = [_channel(c, lang) for c in df.columns]
        return plot_channel_mix(df, title=t("followup.cadence.channels_title", lang))


def _channel(code: object, lang: str) -> str:
    from analysis.i18n import has, t

    key = f"followup.channel.{code}"
    if has(key):
        return t(key, lang)
    return t("followup.channel.unknown", lang) if code in ("", None) else str(code)


def _target(every: float, channel: str, lang: str) -> str:
    from analysis.i18n import t
    from analysis.pages.format import format_value

    if pd.isna(every):
        return t("followup.target.campaigns", lang, c=_channel(channel, lang))
    return t(
        "followup.target.every", lang, d=format_value(every, "days"), c=_channel(channel, lang)
    )


@dataclass(frozen=True)
class _CadenceTable:
    frame: pd.DataFrame

    def render(self, lang: str):
        from analysis.i18n import t

        f = self.frame
        df = pd.DataFrame({
            "group": [t(f"followup.group.{g}", lang) for g in f["cadence_group"]],
            "target": [_target(e, c, lang) for e, c in zip(f["every_days"], f["channel"],
                                                           strict=True)],
            "customers": f["customers"].to_numpy(),
            "never_contacted": f["never_contacted"].to_numpy(),
            "median_days_since_contact": f["median_days_since_contact"].to_numpy(),
            "contacts_per_quarter": f["contacts_per_quarter"].to_numpy(),
            "within_target": f["within_target"].to_numpy(),
            "overdue": f["overdue"].to_numpy(),
        })  # fmt: skip
        kinds = {"customers": "count", "never_contacted": "count",
                 "median_days_since_contact": "days", "contacts_per_quarter": "float2",
                 "within_target": "pct", "overdue": "count"}  # fmt: skip
        return _table(df, kinds, lang)


def cadence(ctx: RunContext) -> Cadence | Skipped:
    """Days since the last contact, contacts per quarter and channels, per cadence group."""
    skip = _need_interactions(ctx, "followup.cadence")
    if skip:
        return skip
    d = followup_data(ctx)
    if d.by_group.empty:
        return Skipped("followup.cadence", "followup.skip.no_cadence")
    order = [g for g in d.groups if g in d.by_group.index]
    return Cadence(d.by_group.reindex(order), d.channels.reindex(
        [g for g in order if g in d.channels.index]))  # fmt: skip


# --- the overdue list ----------------------------------------------------------------------


@dataclass(frozen=True)
class Overdue(Section):
    """Customers past their cadence, most valuable at risk first (pseudonyms on the page).

    ``table``: :attr:`FollowupData.overdue`; ``files``: the exports written.
    """

    table: pd.DataFrame
    scored: bool
    files: tuple
    section = "followup.overdue"

    def blocks(self) -> Iterator:
        if self.table.empty:
            yield Text("followup.overdue.none")
            return
        key = "followup.overdue.text" if self.scored else "followup.overdue.text_unscored"
        yield Text(key, {"n": len(self.table), "k": min(len(self.table), OVERDUE_SHOWN)})
        yield _OverdueTable(self.table.head(OVERDUE_SHOWN))
        yield Note("privacy.pseudonyms", {"file": "exports/overdue_followups.csv"})


@dataclass(frozen=True)
class _OverdueTable:
    """The overdue list as shown; ``columns`` picks and orders what is shown (the
    summary's actions show fewer)."""

    frame: pd.DataFrame
    columns: tuple | None = None

    def render(self, lang: str):
        from analysis.i18n import t
        from analysis.pages.base import _word
        from analysis.pages.format import format_value

        f = self.frame
        df = pd.DataFrame({
            "pseudonym": f["pseudonym"].to_numpy(),
            "owner": [_owner(o, lang) for o in f["account_owner"]],
            "group": [t(f"followup.group.{g}", lang) for g in f["cadence_group"]],
            "days_since_contact": f["days_since_contact"].to_numpy(),
            "overdue_days": f["overdue_days"].to_numpy(),
            "channel": [_channel(c, lang) for c in f["channel"]],
            "lifecycle": [_word("lifecycle", v, lang) if isinstance(v, str) else None
                          for v in f["lifecycle"]],
            "churn_prob": f["churn_prob"].to_numpy(),
            "value_at_risk": f["value_at_risk"].to_numpy(),
        })  # fmt: skip
        never = f["never_contacted"].to_numpy(bool)
        df["days_since_contact"] = [
            t("followup.never", lang) if n else format_value(v, "days")
            for n, v in zip(never, df["days_since_contact"], strict=True)
        ]
        kinds = {"days_since_contact": "text", "overdue_days": "days", "churn_prob": "pct",
                 "value_at_risk": "money"}  # fmt: skip
        return _table(df, kinds, lang, self.columns)


def overdue(ctx: RunContext) -> Overdue | Skipped:
    """The overdue list; writes ``exports/overdue_followups.csv`` and ``.xlsx``."""
    from analysis.export import export_table

    skip = _need_interactions(ctx, "followup.overdue")
    if skip:
        return skip
    d = followup_data(ctx)
    files: list = []
    if ctx.report_dir:
        labels = ctx.class_export()
        keep = [c for c in ("value_tier_zh", "value_tier_en", "lifecycle_zh", "lifecycle_en",
                            "action_zh", "action_en") if c in labels.columns]  # fmt: skip
        export = d.overdue.join(labels[keep], on="customer_id")
        export["account_owner"] = export["account_owner"].replace(UNASSIGNED, "")
        files = export_table(export, ctx.report_dir / "exports" / "overdue_followups")
    return Overdue(d.overdue, d.scored, tuple(str(p) for p in files))


# --- owner workload ------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload(Section):
    """Per account owner: customers, overdue follow-ups, value at risk."""

    table: pd.DataFrame
    section = "followup.workload"

    def blocks(self) -> Iterator:
        named = self.table[self.table.index != UNASSIGNED]
        if len(named):
            yield Text("followup.workload.text",
                       {"k": len(named), "n": int(named["overdue"].max()),
                        "lo": int(named["overdue"].min()),
                        "m": float(named["overdue"].median())},
                       {"m": "float1"})  # fmt: skip
        yield _WorkloadTable(self.table)
        yield Chart(self._draw)

    def _draw(self, lang: str):
        from analysis.i18n import t
        from analysis.plotting.followup import plot_workload

        df = self.table[["overdue", "with_cadence"]].copy()
        df.index = [_owner(o, lang) for o in df.index]
        df.columns = [t("followup.col.overdue", lang), t("followup.col.with_cadence", lang)]
        return plot_workload(df, title=t("followup.workload.title", lang))


@dataclass(frozen=True)
class _WorkloadTable:
    """The owners' workload as shown; ``columns`` as in :class:`_OverdueTable`."""

    frame: pd.DataFrame
    columns: tuple | None = None

    def render(self, lang: str):
        f = self.frame
        df = pd.DataFrame({"owner": [_owner(o, lang) for o in f.index]})
        for c in f.columns:
            df[c] = f[c].to_numpy()
        kinds = {"customers": "count", "with_cadence": "count", "overdue": "count",
                 "overdue_share": "pct", "value_at_risk": "money",
                 "overdue_value_at_risk": "money", "contacts_quarter": "count"}  # fmt: skip
        return _table(df, kinds, lang, self.columns)


def workload(ctx: RunContext) -> Workload | Skipped:
    """Owner workload; writes ``exports/owner_workload.csv``."""
    from analysis.export import export_table

    skip = _need_interactions(ctx, "followup.workload")
    if skip:
        return skip
    d = followup_data(ctx)
    if ctx.report_dir:
        export = d.workload.rename(index={UNASSIGNED: ""}).reset_index()
        export_table(export, ctx.report_dir / "exports" / "owner_workload", formats=("csv",))
    return Workload(d.workload)


# --- does contact keep customers? ---------------------------------------------------------


@dataclass(frozen=True)
class ContactEffectResult(Section):
    """Hazard ratio of recent contact on contract churn, overall and by value tier.

    ``table``: indexed by ``group`` (``all`` then value tiers): ``hazard_ratio``,
    ``ci_lower``, ``ci_upper``, ``p``, ``customers``, ``events``; ``without``: tiers
    without their own estimate (``reason``, ``customers``, ``events``, ``need``);
    ``facts``: ``n`` contracts, ``e`` events, ``share`` contacted rows, window and step.
    """

    table: pd.DataFrame
    without: pd.DataFrame
    facts: dict
    section = "followup.contact_effect"

    def blocks(self) -> Iterator:
        yield Text("followup.contact_effect.text", self.facts, {"share": "pct"})
        r = self.table.loc["all"]
        key = "followup.contact_effect.lower" if r["hazard_ratio"] < 1 else (
            "followup.contact_effect.higher")  # fmt: skip
        clear = r["ci_upper"] < 1 or r["ci_lower"] > 1
        yield Text(key if clear else "followup.contact_effect.unclear",
                   {"hr": r["hazard_ratio"], "lo": r["ci_lower"], "hi": r["ci_upper"],
                    "pct": abs(1 - r["hazard_ratio"])},
                   {"hr": "ratio", "lo": "ratio", "hi": "ratio", "pct": "pct"})  # fmt: skip
        yield _EffectTable(self.table)
        yield Chart(self._draw)
        for tier, row in self.without.iterrows():
            yield Note(str(row["reason"]),
                       {"group": _group(tier), "customers": int(row["customers"]),
                        "events": int(row["events"]), "need": int(row["need"])})  # fmt: skip
        yield Note("followup.contact_effect.caveat")

    def _draw(self, lang: str):
        from analysis.i18n import t
        from analysis.plotting.survival import plot_forest

        df = self.table.copy()
        df.index = [_group(g).render(lang) for g in df.index]
        ax = plot_forest(df, title=t("followup.contact_effect.chart", lang))
        ax.set_xlabel(t("followup.col.hazard_ratio", lang))
        return ax.figure


@dataclass(frozen=True)
class _GroupWord(Word):
    """``all`` (every contract) or a value tier, as words."""

    def render(self, lang: str) -> str:
        from analysis.i18n import t

        if self.code == "all":
            return t("followup.all_contracts", lang)
        return super().render(lang)


def _group(code: str) -> _GroupWord:
    return _GroupWord("value_tier", str(code))


@dataclass(frozen=True)
class _EffectTable:
    frame: pd.DataFrame

    def render(self, lang: str):

        df = self.frame.reset_index(drop=True)
        df.insert(0, "group", [_group(g).render(lang) for g in self.frame.index])
        kinds = {"hazard_ratio": "ratio", "ci_lower": "ratio", "ci_upper": "ratio",
                 "p": "pvalue", "customers": "count", "events": "count"}  # fmt: skip
        return _table(df, kinds, lang)


def contact_intervals(ctx: RunContext) -> pd.DataFrame:
    """Start–stop rows of every contract (see
    :func:`analysis.followup.contact_effect.build_contract_intervals`), with the
    customer's ``value_tier``. Computed once per context."""
    from analysis.followup.contact_effect import build_contract_intervals

    def build() -> pd.DataFrame:
        wh = ctx.warehouse
        rows = build_contract_intervals(
            wh["subscriptions"],
            wh["interactions"],
            wh["customers"] if wh.has("customers") else None,
            as_of=ctx.as_of,
        )
        rows["value_tier"] = rows["customer_id"].map(ctx.classes["value_tier"])
        return rows

    return ctx.memo("followup.contact_intervals", build)


def contact_effect(ctx: RunContext) -> ContactEffectResult | Skipped:
    """Does recent contact go with fewer contract ends? A time-varying Cox model.

    Contract customers only: their churn is an observed end date. For customers without
    a contract churn is inferred from silence and dated ``churned_after`` days after the
    last purchase, long after owners stopped calling a customer who stopped buying; a model
    would read that as contact protecting them (decisions.md, "Contact and churn").
    """
    from analysis.followup.contact_effect import (
        MIN_EVENTS,
        SKIP_NO_CONTRAST,
        SKIP_TOO_FEW_EVENTS,
        fit_contact_effect,
    )

    section = "followup.contact_effect"
    skip = _need_interactions(ctx, section)
    if skip:
        return skip
    if not ctx.has("subscriptions"):
        return Skipped(section, "followup.skip.no_contracts")
    rows = contact_intervals(ctx)
    n_events = int(rows["event"].sum()) if len(rows) else 0
    n_contracts = int(rows["spell_id"].nunique()) if len(rows) else 0
    if n_events < MIN_EVENTS:
        return Skipped(section, SKIP_TOO_FEW_EVENTS,
                       {"group": _group("all"), "customers": n_contracts,
                        "events": n_events, "need": MIN_EVENTS})  # fmt: skip
    if rows["contacted"].nunique() < 2:
        return Skipped(section, SKIP_NO_CONTRAST, {"group": _group("all")})
    fx = fit_contact_effect(rows, by="value_tier")
    overall = pd.DataFrame(
        [{"hazard_ratio": fx.hazard_ratio, "ci_lower": fx.ci_lower, "ci_upper": fx.ci_upper,
          "p": fx.p, "customers": fx.n_customers, "events": fx.n_events}],
        index=["all"],
    )  # fmt: skip
    from analysis.segmentation.labels import ORDERS

    tiers = [g for g in ORDERS["value_tier"] if g in fx.groups.index]
    table = pd.concat([overall, fx.groups.reindex(tiers)]) if tiers else overall
    table.index.name = "group"
    skipped = fx.skipped.reindex([g for g in ORDERS["value_tier"] if g in fx.skipped.index])
    return ContactEffectResult(
        table,
        skipped,
        {"n": n_contracts, "e": n_events, "share": fx.contacted_share, "w": 90, "s": 30},
    )


# --- complaints in the follow-up notes ------------------------------------------------------

#: Notes of the year before the outcome window count as warnings.
NOTES_LOOKBACK_DAYS = 365
#: Stages whose customers were still buying when the outcome window started.
BUYING_STAGES = ("new", "active", "loyal")


@dataclass(frozen=True)
class Complaints(Section):
    """Complaints and wishes to leave in the notes, and whether those customers lapsed.

    ``facts``: ``notes`` (rows), ``empty`` (without text), ``n`` complaints, ``c``
    customers; ``reasons``: complaints by reason code; ``themes``: complaints by the
    survey theme they fall under (theme names are data: shown in table cells);
    ``lapse``: :func:`analysis.followup.notes.complaints_and_churn` over customers still
    buying at ``start`` (None when nobody complained in the look-back).
    """

    facts: dict
    reasons: pd.Series
    themes: pd.Series
    lapse: pd.DataFrame | None
    section = "followup.complaints"

    def blocks(self) -> Iterator:
        yield Text("followup.complaints.text", self.facts)
        if self.facts["n"]:
            yield _CountTable(self.reasons, "followup.col.reason", "followup.reason.")
        if len(self.themes):
            yield Text("followup.complaints.themes")
            yield _CountTable(self.themes, "followup.col.theme", None)
        if self.lapse is None:
            yield Note("followup.complaints.no_lapse", self.facts, {"start": "date"})
            return
        c = self.lapse.set_index("group")
        yield Text("followup.complaints.lapse",
                   {**self.facts, "a": c.loc["complaint", "churn_share"],
                    "b": c.loc["no_complaint", "churn_share"],
                    "r": c.loc["complaint", "ratio"], "lo": c.loc["complaint", "ratio_low"],
                    "hi": c.loc["complaint", "ratio_high"]},
                   {"start": "date", "a": "pct", "b": "pct", "r": "ratio", "lo": "ratio",
                    "hi": "ratio"})  # fmt: skip
        yield _LapseTable(self.lapse)


@dataclass(frozen=True)
class _CountTable:
    counts: pd.Series
    header: str
    words: str | None

    def render(self, lang: str):
        from analysis.i18n import t
        from analysis.pages.format import Table

        names = [t(f"{self.words}{k}", lang) if self.words else str(k) for k in self.counts.index]
        df = pd.DataFrame({"what": names, "n": self.counts.to_numpy()})
        heads = {"what": t(self.header, lang), "n": t("followup.col.complaints", lang)}
        return Table(df, {"n": "count"}, headers=heads)


@dataclass(frozen=True)
class _LapseTable:
    frame: pd.DataFrame

    def render(self, lang: str):
        from analysis.i18n import t
        from analysis.pages.format import Table

        f = self.frame
        df = pd.DataFrame({
            "group": [t(f"followup.lapse_group.{g}", lang) for g in f["group"]],
            "customers": f["customers"].to_numpy(),
            "churned": f["churned"].to_numpy(),
            "churn_share": f["churn_share"].to_numpy(),
            "churn_low": f["churn_low"].to_numpy(),
            "churn_high": f["churn_high"].to_numpy(),
        })  # fmt: skip
        kinds = {"customers": "count", "churned": "count", "churn_share": "pct",
                 "churn_low": "pct", "churn_high": "pct"}  # fmt: skip
        heads = {c: t(f"followup.col.lapse_{c}", lang) for c in df.columns}
        return Table(df, kinds, headers=heads)


def complaint_flags(ctx: RunContext) -> pd.DataFrame:
    """Every follow-up note flagged (:func:`analysis.followup.notes.flag_complaints`),
    with the survey comments' themes when the run has them. Computed once per run."""
    from analysis.followup.notes import flag_complaints
    from analysis.pages.survey._common import _comments

    def build() -> pd.DataFrame:
        notes = ctx.table("interactions")
        ca = _comments(ctx) if ctx.has("surveys") else None
        themes = getattr(ca, "themes", None) if ca is not None else None
        return flag_complaints(notes, themes=themes)

    return ctx.shared("followup.complaints", build)


def _lifecycle_thresholds(ctx: RunContext):
    return ctx.segmentation.thresholds


def stage_flow(ctx: RunContext, start) -> object:
    """Lifecycle stages at ``start`` and at the period end (the journey module's flow),
    with the run's lifecycle thresholds. Computed once per context and start."""
    from analysis.followup.journey import compute_stage_flow

    key = f"followup.stage_flow.{pd.Timestamp(start).date()}"
    customers = ctx.warehouse["customers"]
    by = "customer_type" if "customer_type" in customers.columns else None
    return ctx.memo(
        key,
        lambda: compute_stage_flow(
            customers,
            ctx.warehouse["transactions"],
            as_of=ctx.as_of,
            start=start,
            thresholds=_lifecycle_thresholds(ctx),
            by=by,
        ),
    )


def complaints(ctx: RunContext) -> Complaints | Skipped:
    """Complaints in the notes, and the lapse rate of customers who complained before the
    last ``horizon_days`` against those with notes but no complaint."""
    from analysis.followup.notes import complaints_and_churn

    section = "followup.complaints"
    skip = _need_interactions(ctx, section)
    if skip:
        return skip
    if "note" not in ctx.warehouse["interactions"].columns:
        return Skipped(section, "followup.skip.no_notes")
    flags = complaint_flags(ctx)
    comp = flags[flags["complaint"]]
    start = (ctx.as_of - pd.Timedelta(days=ctx.settings.horizon_days)).normalize()
    facts = {
        "notes": len(flags),
        "empty": int((flags["reason"] == "no_note").sum()),
        "n": len(comp),
        "c": int(comp["customer_id"].nunique()),
        "start": start.date(),
        "h": int(ctx.settings.horizon_days),
        "y": NOTES_LOOKBACK_DAYS,
    }
    reasons = comp["reason"].value_counts()
    themes = comp["theme_name"].dropna().value_counts() if "theme_name" in comp else pd.Series()
    themes = themes[themes.index.astype(str) != ""]
    lapse = None
    if ctx.has("transactions") and ctx.has("customers"):
        flow = stage_flow(ctx, start)
        st = flow.stages
        buying = st[st["stage_start"].isin(BUYING_STAGES)]
        outcome = pd.DataFrame({"churned": buying["stage_end"].isin(("dormant", "churned"))},
                               index=buying.index.astype(str))  # fmt: skip
        dates = pd.to_datetime(flags["date"], errors="coerce")
        recent = flags[dates >= start - pd.Timedelta(days=NOTES_LOOKBACK_DAYS)].copy()
        recent["customer_id"] = recent["customer_id"].astype(str)
        table = complaints_and_churn(recent, outcome, before=start)
        counts = table.set_index("group")["customers"]
        if (
            counts.get("complaint", 0) >= ctx.settings.min_group_size
            and counts.get("no_complaint", 0) >= ctx.settings.min_group_size
        ):
            lapse = table
        facts["k"] = int(counts.get("complaint", 0))
    return Complaints(facts, reasons, themes, lapse)


# --- the customer journey -----------------------------------------------------------------


@dataclass(frozen=True)
class Journey(Section):
    """Signup to first and second purchase, and lifecycle conversions over a year.

    ``funnel``: steps with ``customers``, ``share_of_previous``; ``times``: per customer
    type and channel (groups under ``min_group_size`` customers folded into ``other``):
    the journey module's summary columns; ``conversions``: overall and per customer type
    (``rate`` columns); ``matrix``: stage a year ago × stage now.
    """

    funnel: pd.DataFrame
    times: pd.DataFrame
    conversions: pd.DataFrame
    matrix: pd.DataFrame
    facts: dict
    section = "followup.journey"

    def blocks(self) -> Iterator:
        f = self.funnel.set_index("step")["customers"]
        yield Text("followup.journey.funnel",
                   {"s": int(f["signed_up"]), "a": int(f["first_purchase"]),
                    "b": int(f["second_purchase"]), "l": int(f["loyal"]),
                    "pa": f["first_purchase"] / f["signed_up"] if f["signed_up"] else 0.0,
                    "pb": f["second_purchase"] / f["first_purchase"] if f["first_purchase"]
                    else 0.0},
                   {"pa": "pct", "pb": "pct"})  # fmt: skip
        yield Chart(self._draw_funnel)
        yield Text("followup.journey.times")
        yield _TimesTable(self.times)
        yield Text("followup.journey.conversions", self.facts, {"start": "date", "end": "date"})
        yield _ConversionTable(self.conversions)
        yield Chart(self._draw_flow)

    def _draw_funnel(self, lang: str):
        from analysis.i18n import t
        from analysis.plotting.segmentation import plot_lifecycle_funnel

        s = self.funnel.set_index("step")["customers"]
        s.index = [t(f"followup.step.{k}", lang) for k in s.index]
        ax = plot_lifecycle_funnel(s, title=t("followup.journey.funnel_title", lang))
        return ax.figure

    def _draw_flow(self, lang: str):
        from analysis.i18n import t
        from analysis.plotting.segmentation import plot_migration_matrix

        m = self.matrix.copy()
        m.index = [_stage_word(s, lang) for s in m.index]
        m.columns = [_stage_word(s, lang) for s in m.columns]
        m.index.name = t("followup.journey.stage_start", lang, start=str(self.facts["start"]))
        m.columns.name = t("followup.journey.stage_end", lang, end=str(self.facts["end"]))
        ax = plot_migration_matrix(m, title=t("followup.journey.flow_title", lang))
        return ax.figure


def _stage_word(code: str, lang: str) -> str:
    from analysis.followup.journey import ARRIVED
    from analysis.i18n import t
    from analysis.pages.base import _word

    return t("followup.journey.arrived", lang) if code == ARRIVED else _word("lifecycle", code,
                                                                              lang)  # fmt: skip


def _type_word(code: object, lang: str) -> str:
    from analysis.i18n import t
    from analysis.pages.base import _word
    from analysis.privacy import OTHER

    if code in ("business", "individual"):
        return _word("customer_type", code, lang)
    return t("label.other", lang) if code == OTHER else t("followup.type_unknown", lang)


@dataclass(frozen=True)
class _TimesTable:
    frame: pd.DataFrame

    def render(self, lang: str):
        from analysis.i18n import t
        from analysis.privacy import OTHER

        f = self.frame
        df = pd.DataFrame(index=range(len(f)))
        if "customer_type" in f.columns:
            df["customer_type"] = [_type_word(v, lang) for v in f["customer_type"]]
        if "channel" in f.columns:
            df["acq_channel"] = [
                t("label.other", lang) if v == OTHER
                else t("followup.acq_unknown", lang) if pd.isna(v) or v == "" else str(v)
                for v in f["channel"]
            ]  # fmt: skip
        if df.columns.empty:
            df["customer_type"] = [t("followup.all_customers", lang)] * len(f)
        for col in ("customers", "first_share", "days_to_first_median", "second_share",
                    "days_to_second_median"):  # fmt: skip
            df[col] = f[col].to_numpy()
        kinds = {"customers": "count", "first_share": "pct", "days_to_first_median": "days",
                 "second_share": "pct", "days_to_second_median": "days"}  # fmt: skip
        return _table(df, kinds, lang)


@dataclass(frozen=True)
class _ConversionTable:
    frame: pd.DataFrame

    def render(self, lang: str):
        from analysis.i18n import t
        from analysis.pages.format import Table

        f = self.frame
        df = pd.DataFrame({"conversion": [t(f"followup.conversion.{c}", lang) for c in f.index]})
        kinds = {}
        for col in f.columns:
            name = (
                t("followup.col.at_risk", lang)
                if col == "at_risk"
                else (
                    t("followup.col.rate_all", lang)
                    if col == "all"
                    else t("followup.col.rate_of", lang, group=_type_word(col, lang))
                )
            )
            df[name] = f[col].to_numpy()
            kinds[name] = "count" if col == "at_risk" else "pct"
        heads = {"conversion": t("followup.col.conversion", lang)}
        return Table(df, kinds, headers=heads)


def _fold_channels(ctx: RunContext):
    """The customers table with (type, channel) groups of fewer than ``min_group_size``
    customers recoded to channel ``other`` before anything is computed from it."""
    import ibis

    from analysis.privacy import OTHER

    c = ctx.warehouse["customers"]
    if "channel" not in c.columns or "customer_type" not in c.columns:
        return c, [col for col in ("customer_type", "channel") if col in c.columns]
    counts = ctx.customers.groupby(["customer_type", "channel"], dropna=False).size()
    small = [k for k, n in counts.items() if n < ctx.settings.min_group_size]
    if not small:
        return c, ["customer_type", "channel"]

    def same(col, value):
        return c[col].isnull() if pd.isna(value) else c[col] == value

    hit = ibis.literal(False)
    for ctype, channel in small:
        hit = hit | (same("customer_type", ctype) & same("channel", channel))
    return c.mutate(channel=hit.ifelse(OTHER, c["channel"])), ["customer_type", "channel"]


def journey(ctx: RunContext) -> Journey | Skipped:
    """The customer journey: funnel, times between steps by type and channel, a year's
    lifecycle conversions overall and by customer type."""
    from analysis.followup.journey import compute_funnel, compute_journey_times

    section = "followup.journey"
    if not (ctx.has("customers") and ctx.has("transactions")):
        return Skipped(section, "followup.skip.no_journey")
    customers, by = _fold_channels(ctx)
    tx = ctx.warehouse["transactions"]
    th = _lifecycle_thresholds(ctx)
    funnel = compute_funnel(customers, tx, as_of=ctx.as_of, thresholds=th, by=())
    times = compute_journey_times(customers, tx, as_of=ctx.as_of, by=by).summary
    start = (ctx.as_of - pd.DateOffset(years=1)).normalize()
    flow = stage_flow(ctx, start)
    conv = flow.conversions.set_index("conversion")[["at_risk", "rate"]].rename(
        columns={"rate": "all"})  # fmt: skip
    if len(flow.groups):
        # a rate over fewer customers than min_group_size is not shown (privacy, noise)
        groups = flow.groups.dropna(subset=["customer_type"])
        rate = groups["rate"].where(groups["at_risk"] >= ctx.settings.min_group_size)
        g = groups.assign(rate=rate).pivot(
            index="conversion", columns="customer_type", values="rate"
        )
        g = g.loc[:, g.notna().any()]
        conv = conv.join(g.reindex(conv.index))
    return Journey(funnel, times, conv, flow.matrix,
                   {"start": start.date(), "end": ctx.as_of.date()})  # fmt: skip


# --- touchpoints by stage -------------------------------------------------------------------


@dataclass(frozen=True)
class TouchpointsResult(Section):
    """Interactions and survey answers by the lifecycle stage the customer was in then.

    ``by_kind``: rows: stages (lifecycle order), columns: ``source:kind`` codes, values:
    touchpoints per customer touched in that stage; ``by_stage``: the journey module's
    per-stage counts; ``facts``: ``n`` touchpoints, ``anon`` anonymous answers.
    """

    by_stage: pd.DataFrame
    by_kind: pd.DataFrame
    facts: dict
    section = "followup.touchpoints"

    def blocks(self) -> Iterator:
        yield Text("followup.touchpoints.text", self.facts)
        yield _TouchTable(self.by_stage, self.by_kind)
        if self.facts["anon"]:
            yield Note("followup.touchpoints.anonymous", self.facts)


def _kind_word(code: str, lang: str) -> str:
    from analysis.i18n import t

    source, _, kind = code.partition(":")
    return t("followup.source.survey", lang) if source == "survey" else _channel(kind, lang)


@dataclass(frozen=True)
class _TouchTable:
    by_stage: pd.DataFrame
    by_kind: pd.DataFrame

    def render(self, lang: str):
        from analysis.i18n import t
        from analysis.pages.base import _word
        from analysis.pages.format import Table

        s = self.by_stage
        df = pd.DataFrame({
            "stage": [_word("lifecycle", v, lang) for v in s["stage"]],
            "customers": s["customers"].to_numpy(),
            "touchpoints": s["touchpoints"].to_numpy(),
        })  # fmt: skip
        kinds = {"customers": "count", "touchpoints": "count"}
        heads = {c: t(f"followup.col.tp_{c}", lang) for c in df.columns}
        per = self.by_kind.reindex(s["stage"])
        for code in per.columns:
            name = t("followup.col.tp_per", lang, kind=_kind_word(code, lang))
            df[name] = per[code].to_numpy()
            kinds[name] = "float2"
        return Table(df, kinds, headers=heads)


def touchpoints(ctx: RunContext) -> TouchpointsResult | Skipped:
    """What customers heard from us (and told us) in each lifecycle stage."""
    from analysis.followup.journey import compute_touchpoints

    section = "followup.touchpoints"
    if not ctx.has("transactions"):
        return Skipped(section, "followup.skip.no_journey")
    if not (ctx.has("interactions") or ctx.has("surveys")):
        return Skipped(section, "followup.skip.no_touchpoints")
    wh = ctx.warehouse
    tp = compute_touchpoints(
        wh["transactions"],
        as_of=ctx.as_of,
        thresholds=_lifecycle_thresholds(ctx),
        interactions=wh["interactions"] if ctx.has("interactions") else None,
        surveys=wh["surveys"] if ctx.has("surveys") else None,
    )
    if tp.by_stage.empty:
        return Skipped(section, "followup.skip.no_touchpoints")
    k = tp.by_kind.assign(code=tp.by_kind["source"] + ":" + tp.by_kind["kind"].fillna(""))
    by_kind = k.pivot_table(index="stage", columns="code", values="per_customer",
                            aggfunc="sum", fill_value=0.0)  # fmt: skip
    order = k.groupby("code")["touchpoints"].sum().sort_values(ascending=False).index
    return TouchpointsResult(tp.by_stage, by_kind[list(order)],
                             {"n": int(tp.by_stage["touchpoints"].sum()),
                              "anon": int(tp.anonymous_responses)})  # fmt: skip
