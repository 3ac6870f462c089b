"""The playbook, migration since last period and the page's exports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.pages.base import Chart, Heading, Note, Section, Skipped, Text, Word
from analysis.pages.context import RunContext
from analysis.pages.segmentation._common import _bought, _fold_codes, _previous, _recode
from analysis.privacy import OTHER
from analysis.segmentation.profiles import profile_segments


@dataclass(frozen=True)
class PlaybookTable(Section):
    """Playbook rules in order: the condition (codes), the action and customers per rule.

    ``counts``: customers per action, the actions of fewer than ``min_size`` customers
    (``folded``) added up under ``other`` (their rules shown as one row).
    """

    rules: list
    actions: dict
    counts: dict
    source: str
    min_size: int = 5
    folded: tuple = ()
    section = "seg.playbook"

    def blocks(self) -> Iterator:
        yield _PlaybookRender(self)
        if OTHER in self.counts:
            yield Note("privacy.folded", {"n": self.min_size})


@dataclass(frozen=True)
class _PlaybookRender:
    pb: PlaybookTable

    def render(self, lang: str):
        from analysis.i18n import t
        from analysis.pages.base import _word
        from analysis.pages.format import Table

        rows, seen = [], set()
        for action, when in self.pb.rules:
            if action in self.pb.folded:
                continue  # a rule of a few customers: in the row "other" below
            cond = " & ".join(
                "/".join(_word(col, code, lang) for code in codes) for col, codes in when.items()
            ) or t("seg.playbook.everyone_else", lang)
            if cond in seen:
                continue
            seen.add(cond)
            rows.append({"c": cond, "a": self.pb.actions[action][lang],
                         "n": int(self.pb.counts.get(action, 0))})  # fmt: skip
        if OTHER in self.pb.counts:
            rows.append({"c": t("label.other", lang), "a": None,
                         "n": int(self.pb.counts[OTHER])})  # fmt: skip
        heads = {"c": t("word.segment", lang), "a": t("word.strategy", lang),
                 "n": t("word.customers", lang)}  # fmt: skip
        return Table(pd.DataFrame(rows, columns=["c", "a", "n"]), {"n": "count"}, headers=heads)


def playbook(ctx: RunContext) -> PlaybookTable:
    """Each class's strategy (VIP care, promotions, low-cost contact, win-back)."""
    from analysis.segmentation.playbook import load_playbook

    pb = load_playbook(ctx.segmentation.config.playbook)
    # actions of fewer customers than the minimum are counted together as "other"
    folded, codes = _fold_codes(ctx, ctx.classes, "action")
    counts = folded["action"].value_counts().to_dict()
    return PlaybookTable(pb.rules, pb.actions, counts, pb.source, ctx.settings.min_group_size,
                         tuple(sorted(codes)))  # fmt: skip


@dataclass(frozen=True)
class Migration(Section):
    """Moves between RFM segments and lifecycle stages since the previous period.

    Classes of fewer than ``min_size`` customers in either period are one class
    ``other`` on both sides of a matrix. ``flows``: the five largest moves to a less
    healthy class; the page names those of at least ``min_size`` customers.
    """

    previous_period: str
    source: str
    matrices: dict
    flows: dict
    min_size: int = 5
    section = "seg.migration"

    def blocks(self) -> Iterator:
        yield Text(
            "seg.migration.source",
            {"p": self.previous_period, "s": Word("label", f"seg.migration.{self.source}")},
        )
        for column, matrix in self.matrices.items():
            yield Heading(f"seg.migration.{column}")
            yield Chart(lambda lang, m=matrix, c=column: self._draw(m, c, lang))
            yield Text("seg.migration.harmful")
            flows = self._shown(column)
            if self.flows[column].empty:
                yield Text("seg.migration.no_harmful")
            elif flows.empty:
                yield Text("seg.migration.only_small", {"n": self.min_size})
            for a, b, n, share in flows[["from", "to", "customers", "share_of_from"]].itertuples(
                index=False, name=None
            ):
                yield Text("seg.migration.flow",
                           {"a": Word(column, a), "b": Word(column, b), "n": int(n), "s": share},
                           {"s": "pct"})  # fmt: skip
        if any(OTHER in m.index or OTHER in m.columns for m in self.matrices.values()):
            yield Note("privacy.folded", {"n": self.min_size})

    def _shown(self, column: str) -> pd.DataFrame:
        flows = self.flows[column]
        return flows[flows["customers"] >= self.min_size].head(5).reset_index(drop=True)

    def _draw(self, matrix: pd.DataFrame, column: str, lang: str):
        import matplotlib.pyplot as plt

        from analysis.i18n import t
        from analysis.pages.base import _word
        from analysis.plotting.segmentation import plot_migration_flows, plot_migration_matrix
        from analysis.segmentation.migration import ARRIVED

        m = matrix.copy()
        m.index = [t("word.arrived", lang) if c == ARRIVED else _word(column, c, lang)
                   for c in m.index]  # fmt: skip
        m.columns = [_word(column, c, lang) for c in m.columns]
        m.index.name = f"{t('word.previous', lang)} \\ {t('word.current', lang)}"
        fig, axes = plt.subplots(1, 2, figsize=(13, 0.45 * len(m) + 2.5))
        plot_migration_matrix(m, ax=axes[0], title=t("word.moved", lang))
        flows = self._shown(column)
        hl = [(_word(column, a, lang), _word(column, b, lang))
              for a, b in zip(flows["from"], flows["to"], strict=True)]  # fmt: skip
        plot_migration_flows(
            m,
            ax=axes[1],
            highlight=hl,
            title=f"{t('word.previous', lang)} → {t('word.current', lang)}",
        )
        fig.tight_layout()
        return fig


def migration(ctx: RunContext) -> Migration | Skipped:
    """Transition matrices and the largest harmful flows (needs a previous period)."""
    from analysis.segmentation.migration import compute_transition_matrix, find_harmful_flows

    previous, source, prev_period = _previous(ctx)
    if previous is None:
        return Skipped("seg.migration", "seg.skip.no_previous", {"p": prev_period})
    n = ctx.settings.min_group_size
    matrices, flows = {}, {}
    for column in ("rfm_segment", "lifecycle"):
        # a class that small in either period is "other" on both sides of the matrix
        _, small = _fold_codes(ctx, ctx.classes, column)
        if column in previous.columns:
            small |= _fold_codes(ctx, previous, column)[1]
        m = compute_transition_matrix(
            _recode(previous, column, small), _recode(ctx.classes, column, small), column
        )
        matrices[column] = m
        flows[column] = find_harmful_flows(m, column, top=5)
    return Migration(prev_period, source, matrices, flows, n)


@dataclass(frozen=True)
class Exports(Section):
    """Files this page wrote (segment profiles and the snapshot for next month)."""

    files: tuple
    customers: int
    section = "seg.exports"

    def blocks(self) -> Iterator:
        yield Text("seg.exports.text", {"n": self.customers, "k": len(self.files)})


def exports(ctx: RunContext) -> Exports:
    """Write segment profiles (codes, stable columns) and the snapshot for migration.

    The per-customer classes go to ``customers.csv`` from the run context (the runner),
    not from here.
    """
    from analysis.export import export_table
    from analysis.segmentation.migration import make_snapshot, save_snapshot

    written: list[Path] = []
    if ctx.report_dir:
        snap = save_snapshot(make_snapshot(ctx.features, ctx.classes, str(ctx.period)),
                             ctx.report_dir)  # fmt: skip
        written.append(snap)
        b = _bought(ctx)
        f, c = ctx.features, ctx.classes
        tables = {"value": profile_segments(f, c, "value_tier"),
                  "lifecycle": profile_segments(f, c, "lifecycle")}  # fmt: skip
        if b.any():
            tables["rfm"] = profile_segments(f[b], c[b], "rfm_segment")
            tables["rfm_eight"] = profile_segments(f[b], c[b], "rfm_eight")
        if ctx.segmentation.clusterer is not None:
            tables["clusters"] = profile_segments(f[b], c[b], "cluster")
        business = c["key_account_tier"].notna()
        if business.any():
            tables["key_accounts"] = profile_segments(f[business], c[business],
                                                      "key_account_tier")  # fmt: skip
        for name, table in tables.items():
            written += export_table(table.reset_index(),
                                    ctx.report_dir / "exports" / f"segment_{name}")  # fmt: skip
    return Exports(tuple(str(p) for p in written), len(ctx.classes))
