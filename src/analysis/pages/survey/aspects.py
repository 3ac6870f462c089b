"""Praise and complaints per theme: the satisfaction section's main table.

Each clause of a comment carries its own theme and sentiment
(:mod:`analysis.text.aspects`), so "物流很快，不过售后太差" counts as praise of delivery
and a complaint about after-sales service, not as one neutral comment.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analysis.pages.base import Chart, Heading, Note, Section, Skipped, Text
from analysis.pages.context import RunContext
from analysis.pages.survey._common import _comments, _month, _need, _Table
from analysis.pages.survey.topics import _no_themes

#: Example comments shown per theme and kind (praise, complaint).
EXAMPLES_PER_KIND = 2

_KINDS = {
    "comments": "count",
    "positive": "count",
    "positive_change": "count_change",
    "negative": "count",
    "negative_change": "count_change",
    "negative_share": "pct",
    "negative_share_change": "pct_change",
}


@dataclass(frozen=True)
class Aspects(Section):
    """Per theme: comments of the month praising it and complaining about it, the change
    since the previous month, and example comments (masked).

    ``table``: ``name``, ``language`` and the columns of
    :func:`analysis.text.aspects.compute_aspect_table`; ``examples``: ``name``, ``kind``
    (positive / negative), ``comment``; ``comments``: comments of the month;
    ``mentioning``: those naming at least one theme.
    """

    period: str
    previous: str
    comments: int
    mentioning: int
    table: pd.DataFrame
    examples: pd.DataFrame
    section = "survey.aspects"

    def blocks(self) -> Iterator:
        if self.comments == 0:
            yield Note("survey.aspects.no_comments", {"p": self.period})
            return
        yield Text(
            "survey.aspects.text",
            {
                "p": self.period,
                "n": self.comments,
                "k": self.mentioning,
                "pos": int(self.table["positive"].sum()) if len(self.table) else 0,
                "neg": int(self.table["negative"].sum()) if len(self.table) else 0,
            },
        )
        if self.table.empty:
            return
        yield Chart(self._draw)
        cols = ["name", "language", *[c for c in _KINDS if c in self.table.columns]]
        yield _Table(
            self.table[cols],
            _KINDS,
            {c: f"survey.col.{c}" for c in cols},
            words={"language": "survey.lang."},
        )
        yield Note("survey.aspects.how", {"prev": self.previous})
        if not self.examples.empty:
            yield Heading("survey.aspects.examples")
            yield _Table(
                self.examples[["name", "kind", "comment"]],
                {},
                {c: f"survey.col.{c}" for c in ("name", "kind", "comment")},
                words={"kind": "survey.aspects.kind."},
            )

    def _draw(self, lang: str):
        import matplotlib.pyplot as plt

        from analysis.i18n import t
        from analysis.plotting.survey import plot_praise_complaints

        table = self.table.set_index("name")[["positive", "negative"]]
        fig, ax = plt.subplots(figsize=(8, 0.45 * len(table) + 1.4))
        plot_praise_complaints(
            table,
            ax=ax,
            labels=(
                t("survey.aspects.kind.positive", lang),
                t("survey.aspects.kind.negative", lang),
            ),
        )
        ax.set_xlabel(t("survey.aspects.axis", lang))
        fig.tight_layout()
        return fig


def aspects(ctx: RunContext) -> Aspects | Skipped:
    """Praise and complaints per theme in the report month, with the change since last month."""
    from analysis.text.aspects import compute_aspect_table, pick_aspect_examples

    skip = _need(ctx, "survey.aspects", "comment") or _no_themes(ctx, "survey.aspects")
    if skip:
        return skip
    ca = _comments(ctx)
    com = ca.comments
    period = _month(ctx)
    previous = str(pd.Period(period, "M") - 1)
    in_month = com.index[com["month"] == period]
    mentions = ca.aspects
    table = compute_aspect_table(mentions, com["month"], period, previous)
    table = table[table["comments"] > 0].reset_index(drop=True)  # the month's themes only
    info = ca.themes.themes.set_index("theme")
    table.insert(1, "name", table["theme"].map(info["name"]).to_numpy())
    table.insert(2, "language", table["theme"].map(info["language"]).to_numpy())
    ex = pick_aspect_examples(mentions, com["comment"], in_month, per_kind=EXAMPLES_PER_KIND)
    ex = ex[ex["theme"].isin(table["theme"])]
    order = {t: i for i, t in enumerate(table["theme"])}
    ex = ex.assign(name=ex["theme"].map(info["name"]).to_numpy(), comment=ex["text"])
    ex = ex.sort_values("theme", key=lambda s: s.map(order), kind="stable")
    mentioning = int(mentions.loc[mentions["comment"].isin(in_month), "comment"].nunique())
    return Aspects(
        period,
        previous,
        len(in_month),
        mentioning,
        table.drop(columns="theme"),
        ex[["name", "kind", "comment"]].reset_index(drop=True),
    )
