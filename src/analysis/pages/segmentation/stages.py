"""Lifecycle stages and the thresholds behind them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analysis.pages.base import Chart, LangTable, Note, Section, Text
from analysis.pages.context import RunContext
from analysis.pages.segmentation._common import (
    _fold_codes,
    _folded_note,
    _previous,
    _profile,
    _profile_table,
)
from analysis.privacy import OTHER
from analysis.segmentation.labels import ORDERS


@dataclass(frozen=True)
class Lifecycle(Section):
    """Lifecycle stages, the thresholds behind them and the purchase gaps they come from.

    Stages of fewer than ``min_size`` customers are one stage ``other`` (last) in the
    funnel and the profile.
    """

    gaps: dict | None
    thresholds: pd.DataFrame
    stages: pd.Series
    profile: pd.DataFrame
    min_size: int = 5
    section = "seg.lifecycle"

    def blocks(self) -> Iterator:
        if self.gaps is None:
            yield Note("seg.lifecycle.no_gaps")
        else:
            yield Text("seg.lifecycle.gaps", self.gaps,
                       {"q50": "days", "q90": "days", "q99": "days"})  # fmt: skip
        yield LangTable(self.thresholds, {"value": "days"},
                        headers={"threshold": "word.threshold", "value": "word.value",
                                 "source": "word.source"},
                        classes={"threshold": "threshold",
                                 "source": "threshold_source"})  # fmt: skip
        yield Chart(self._draw)
        yield _profile_table(self.profile, "lifecycle")
        yield from _folded_note(self.min_size, self.profile)

    def _draw(self, lang: str):
        from analysis.i18n import t
        from analysis.pages.base import _word
        from analysis.plotting.segmentation import plot_lifecycle_funnel

        s = self.stages.copy()
        s.index = [_word("lifecycle", v, lang) for v in s.index]
        return plot_lifecycle_funnel(s, title=t("word.customers", lang)).figure


def lifecycle(ctx: RunContext) -> Lifecycle:
    """Potential, new, active, loyal, dormant and churned customers."""
    seg = ctx.segmentation
    gaps = None
    if seg.gaps is not None:
        g = seg.gaps
        gaps = {"q50": g[0.5], "q90": g[0.9], "q99": g[0.99], "n": int(g.attrs["n_gaps"])}
    th = seg.thresholds
    rows = [
        ("dormant_after", th.dormant_after), ("churned_after", th.churned_after),
        ("new_within", th.new_within), ("loyal_min_orders", th.loyal_min_orders),
    ]  # fmt: skip
    table = pd.DataFrame(rows, columns=["threshold", "value"]).assign(
        source=threshold_source(th.source)
    )
    # stages of fewer customers than the minimum are drawn and profiled as one "other"
    folded, codes = _fold_codes(ctx, ctx.classes, "lifecycle")
    shown = [s for s in ORDERS["lifecycle"] if s not in codes] + ([OTHER] if codes else [])
    stages = folded["lifecycle"].value_counts().reindex(shown, fill_value=0)
    prof = _profile(ctx, ctx.features, ctx.classes, "lifecycle", _previous(ctx)[0])
    return Lifecycle(gaps, table, stages, prof, ctx.settings.min_group_size)


def threshold_source(source: str) -> str:
    """A code for where the lifecycle thresholds came from.

    Examples
    --------
    >>> threshold_source("set"), threshold_source("purchase-gap quantiles 0.9/0.99")
    ('set', 'gaps')
    """
    if source == "set":
        return "set"
    if source.startswith("set +"):
        return "mixed"
    return "mean_gaps" if "mean gaps" in source else "gaps"
