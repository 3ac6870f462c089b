"""Shared pieces of the segmentation page: profile tables, buyers, last period."""

from __future__ import annotations

import pandas as pd

from analysis.pages.base import LangTable, Note, Skipped
from analysis.pages.context import RunContext
from analysis.privacy import OTHER, fold_small_groups
from analysis.segmentation.profiles import profile_segments

PROFILE_KINDS = {
    "customers": "count", "customer_share": "pct", "revenue": "money", "revenue_share": "pct",
    "mean_recency": "days", "mean_orders": "float1", "mean_monetary": "money",
    "change": "count_change", "revenue_share_change": "pct_change",
}  # fmt: skip
PROFILE_HEADERS = {c: f"word.{c}" for c in PROFILE_KINDS} | {
    "change": "word.change",
    "revenue_share_change": "word.revenue_share_change_pp",
}


def _profile_table(profile: pd.DataFrame, scheme: str) -> LangTable:
    return LangTable(
        profile.rename_axis("segment").reset_index(),
        PROFILE_KINDS,
        headers={"segment": "word.segment", **PROFILE_HEADERS},
        classes={"segment": scheme},
    )


def _fold_codes(ctx: RunContext, classes: pd.DataFrame, column: str) -> tuple[pd.DataFrame, set]:
    """``classes`` with ``column``'s classes of fewer than ``min_group_size`` customers
    recoded ``other``, and the codes folded (what a page shows; exports keep them)."""
    folded = fold_small_groups(
        classes, group=column, min_size=ctx.settings.min_group_size
    )  # fmt: skip
    codes = set(classes.loc[folded[column].eq(OTHER), column].dropna()) - {OTHER}
    return folded, codes


def _recode(frame: pd.DataFrame | None, column: str, codes: set) -> pd.DataFrame | None:
    """``frame`` (last period's snapshot) with ``codes`` of ``column`` recoded ``other``."""
    if frame is None or column not in frame.columns or not codes:
        return frame
    values = frame[column].astype(object)
    return frame.assign(**{column: values.where(~values.isin(codes), OTHER)})


def _other_last(frame: pd.DataFrame) -> pd.DataFrame:
    if OTHER not in frame.index:
        return frame
    return pd.concat([frame.drop(index=OTHER), frame.loc[[OTHER]]])


def _profile(
    ctx: RunContext,
    features: pd.DataFrame,
    classes: pd.DataFrame,
    column: str,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`profile_segments` as a page shows it: classes of fewer than
    ``min_group_size`` customers are one class ``other`` (last), profiled from its
    customers, so its means are exact and the counts still add up."""
    folded, codes = _fold_codes(ctx, classes, column)
    prof = profile_segments(features, folded, column, previous=_recode(previous, column, codes))
    return _other_last(prof)


def _folded_note(min_size: int, *frames: pd.DataFrame | None):
    """The note saying small groups are shown as "other", when a frame's index has one."""
    if any(f is not None and OTHER in f.index for f in frames):
        yield Note("privacy.folded", {"n": min_size})


def _bought(ctx: RunContext) -> pd.Series:
    return ctx.features["orders"].fillna(0) > 0


def _previous(ctx: RunContext):
    from analysis.segmentation.migration import load_previous_snapshot

    def load():
        wh = ctx.warehouse
        return load_previous_snapshot(
            ctx.report_dir,
            wh.period,
            transactions=wh["transactions"],
            customers=wh["customers"] if wh.has("customers") else None,
            config=ctx.segmentation.config,
        )

    return ctx.memo("segmentation.previous", load)


def compute_tier_summary(features: pd.DataFrame, classes: pd.DataFrame) -> dict:
    """The headline numbers of the value tiers: one function behind every page.

    Returns
    -------
    dict
        ``customers``, ``buyers``, ``high`` (high-value customers), ``high_share_of_buyers``,
        ``high_revenue_share`` (their share of net revenue, refunds netted, negative
        totals counted as zero in the denominator), ``lost`` (dormant or churned).

    Examples
    --------
    >>> f = pd.DataFrame({"orders": [3, 1, 0], "monetary_total": [80.0, 20.0, 0.0],
    ...                   "recency_days": [5.0, 90.0, None]})
    >>> c = pd.DataFrame({"value_tier": ["high", "low", "low"],
    ...                   "lifecycle": ["loyal", "dormant", "potential"]})
    >>> s = compute_tier_summary(f, c)
    >>> s["high"], s["high_revenue_share"], s["lost"]
    (1, 0.8, 1)
    """
    prof = profile_segments(features, classes, "value_tier")
    buyers = int((features["orders"].fillna(0) > 0).sum())
    high = int(prof["customers"].get("high", 0))
    return {
        "customers": len(features),
        "buyers": buyers,
        "high": high,
        "high_share_of_buyers": high / buyers if buyers else 0.0,
        "high_revenue_share": float(prof["revenue_share"].get("high", 0.0)),
        "lost": int(classes["lifecycle"].isin(["dormant", "churned"]).sum()),
    }


def _draw_sizes(profile: pd.DataFrame, scheme: str, lang: str):
    from analysis.i18n import t
    from analysis.pages.base import _word
    from analysis.plotting.segmentation import plot_segment_sizes

    p = profile[["customer_share", "revenue_share"]].copy()
    p.index = [_word(scheme, v, lang) for v in p.index]
    p.columns = [t("word.customer_share", lang), t("word.revenue_share", lang)]
    ax = plot_segment_sizes(p, customers_col=p.columns[0], revenue_col=p.columns[1],
                            title=t("word.segment", lang))  # fmt: skip
    return ax.figure


def _need_buyers(ctx: RunContext, section: str) -> Skipped | None:
    n = int(_bought(ctx).sum())
    return None if n else Skipped(section, "seg.skip.no_buyers")
