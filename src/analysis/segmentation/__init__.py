"""Customer segmentation: value tiers, RFM, lifecycle, clusters, actions, migration.

The public entry point is :func:`classify_customers`: one row per customer in, the
classification columns out (each class as a code plus ``_zh`` and ``_en`` labels).
:func:`compute_segments` runs the whole chain on warehouse tables as of a date.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from analysis.segmentation.labels import CLASS_LABELS, class_label, label_series
from analysis.segmentation.lifecycle import (
    LifecycleThresholds,
    assign_lifecycle,
    derive_lifecycle_thresholds,
)
from analysis.segmentation.rfm import assign_rfm_eight, assign_rfm_segments, compute_rfm_scores
from analysis.segmentation.value import assign_key_account_tiers, assign_pareto_tiers

__all__ = [
    "CLASS_COLUMNS",
    "SegmentationConfig",
    "classify_customers",
    "compute_segments",
    "class_label",
    "CLASS_LABELS",
    "LifecycleThresholds",
]

#: Schemes whose code column gets ``_zh`` / ``_en`` label columns.
LABELLED = (
    "customer_type",
    "value_tier",
    "abc_class",
    "key_account_tier",
    "rfm_segment",
    "rfm_eight",
    "lifecycle",
)

#: Every column :func:`classify_customers` returns, in order (stable names).
CLASS_COLUMNS: tuple[str, ...] = (
    "customer_type", "customer_type_zh", "customer_type_en",
    "value_tier", "value_tier_zh", "value_tier_en",
    "abc_class", "abc_class_zh", "abc_class_en",
    "key_account_tier", "key_account_tier_zh", "key_account_tier_en",
    "rfm_r", "rfm_f", "rfm_m", "rfm_score",
    "rfm_segment", "rfm_segment_zh", "rfm_segment_en",
    "rfm_eight", "rfm_eight_zh", "rfm_eight_en",
    "lifecycle", "lifecycle_zh", "lifecycle_en",
    "action", "action_zh", "action_en",
)  # fmt: skip


@dataclass(frozen=True)
class SegmentationConfig:
    """Every threshold of the classification, with its default.

    Attributes
    ----------
    value_cutoffs : tuple of float
        Cumulative revenue shares closing the high and mid tiers (and A, B classes).
    key_account_cutoffs : tuple of float
        The same among business customers: strategic, core (rest: general).
    rfm_bins : int
        Score levels of R, F and M (5: quintiles; the named grid needs 5).
    eight_centre : "mean", "median" or float
        Centre of the R/F/M scores for the Chinese eight.
    dormant_quantile, churned_quantile : float
        Purchase-gap quantiles giving the lifecycle thresholds when not set.
    dormant_after, churned_after, new_within, loyal_min_orders : float or None
        Lifecycle thresholds (days, days, days, orders); None derives them from data.
    playbook : path or None
        YAML playbook; None uses the bundled ``playbook.yaml``.
    """

    value_cutoffs: tuple[float, float] = (0.8, 0.95)
    key_account_cutoffs: tuple[float, float] = (0.5, 0.8)
    rfm_bins: int = 5
    eight_centre: str | float = "mean"
    dormant_quantile: float = 0.9
    churned_quantile: float = 0.99
    dormant_after: float | None = None
    churned_after: float | None = None
    new_within: float | None = None
    loyal_min_orders: float | None = None
    playbook: str | Path | None = None
    extra: dict = field(default_factory=dict)

    def replace(self, **changes) -> SegmentationConfig:
        return replace(self, **changes)


def classify_customers(
    features: pd.DataFrame,
    *,
    config: SegmentationConfig | None = None,
    gaps: pd.Series | None = None,
) -> pd.DataFrame:
    """Classify every customer: value tier, ABC, key account, RFM, the eight, lifecycle, action.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer indexed by ``customer_id``, as returned by
        :func:`analysis.features.compute_customer_features` (uses ``orders``,
        ``recency_days``, ``tenure_days``, ``monetary_total``, ``mean_gap_days`` and,
        when present, ``customer_type``).
    config : SegmentationConfig, optional
        Thresholds; defaults as documented there.
    gaps : pandas.Series, optional
        Purchase-gap quantiles (:func:`analysis.features.compute_purchase_gaps` with at
        least the config's dormant and churned quantiles) for the lifecycle thresholds.

    Returns
    -------
    pandas.DataFrame
        Same index as ``features``; the columns of :data:`CLASS_COLUMNS`:

        - ``customer_type``: ``business`` / ``individual`` (missing if unknown)
        - ``value_tier``: ``high`` / ``mid`` / ``low`` (高/中等/低价值客户)
        - ``abc_class``: ``A`` / ``B`` / ``C`` (same cut-offs as the tiers)
        - ``key_account_tier``: ``strategic`` / ``core`` / ``general`` for business
          customers (战略/核心/一般客户), missing for individuals
        - ``rfm_r``, ``rfm_f``, ``rfm_m``: scores 1-5 (missing without purchase);
          ``rfm_score``: ``"545"``
        - ``rfm_segment``: ``champions``, ``loyal``, ``potential_loyalist``, ``new``,
          ``promising``, ``need_attention``, ``about_to_sleep``, ``at_risk``,
          ``cant_lose``, ``hibernating``, ``lost`` or ``none`` (no purchase)
        - ``rfm_eight``: ``important_value`` ... ``general_winback`` or ``none``
          (重要价值客户 ... 一般挽留客户)
        - ``lifecycle``: ``potential``, ``new``, ``active``, ``loyal``, ``dormant``,
          ``churned`` (潜在/新/活跃/忠诚/沉默/流失客户)
        - ``action``: playbook rule id; ``action_zh`` / ``action_en``: the strategy

        Each class column ``x`` has labels ``x_zh`` and ``x_en``. ``attrs`` holds
        ``lifecycle_thresholds`` (:class:`LifecycleThresholds`) and ``rfm_centres``.

    Examples
    --------
    >>> f = pd.DataFrame({"orders": [0, 1, 6], "recency_days": [None, 5.0, 20.0],
    ...                   "tenure_days": [None, 5.0, 400.0], "mean_gap_days": [None, None, 70.0],
    ...                   "monetary_total": [0.0, 30.0, 900.0]},
    ...                  index=pd.Index(["a", "b", "c"], name="customer_id"))
    >>> c = classify_customers(f)
    >>> c[["value_tier", "lifecycle_zh", "rfm_eight_zh"]].values.tolist()[1:]
    [['low', '新客户', '一般发展客户'], ['high', '忠诚客户', '重要保持客户']]
    """
    from analysis.segmentation.playbook import load_playbook, recommend_actions

    cfg = config or SegmentationConfig()
    out = pd.DataFrame(index=features.index)
    revenue = features["monetary_total"].fillna(0.0)
    if "customer_type" in features.columns:
        ctype = features["customer_type"].astype("string").str.lower()
        out["customer_type"] = ctype.where(ctype.isin(["business", "individual"])).astype(object)
    else:
        out["customer_type"] = pd.Series(None, index=features.index, dtype=object)
    out["value_tier"] = assign_pareto_tiers(revenue, cutoffs=cfg.value_cutoffs)
    out["abc_class"] = assign_pareto_tiers(
        revenue, cutoffs=cfg.value_cutoffs, names=("A", "B", "C")
    )
    out["key_account_tier"] = assign_key_account_tiers(
        revenue, out["customer_type"], cutoffs=cfg.key_account_cutoffs
    )
    scores = compute_rfm_scores(features, bins=cfg.rfm_bins)
    for col in scores.columns:
        out[col] = scores[col]
    out["rfm_segment"] = (
        assign_rfm_segments(scores) if cfg.rfm_bins == 5 else pd.Series("none", index=out.index)
    )
    eight, centres = assign_rfm_eight(scores, centre=cfg.eight_centre)
    out["rfm_eight"] = eight
    thresholds = derive_lifecycle_thresholds(
        gaps,
        features,
        dormant_quantile=cfg.dormant_quantile,
        churned_quantile=cfg.churned_quantile,
        dormant_after=cfg.dormant_after,
        churned_after=cfg.churned_after,
        new_within=cfg.new_within,
        loyal_min_orders=cfg.loyal_min_orders,
    )
    out["lifecycle"] = assign_lifecycle(features, thresholds)
    playbook = load_playbook(cfg.playbook)
    actions = recommend_actions(out, playbook)
    for scheme in LABELLED:
        out[f"{scheme}_zh"] = label_series(out[scheme], scheme, "zh")
        out[f"{scheme}_en"] = label_series(out[scheme], scheme, "en")
    for col in actions.columns:
        out[col] = actions[col]
    out = out[list(CLASS_COLUMNS)]
    out.attrs["lifecycle_thresholds"] = thresholds
    out.attrs["rfm_centres"] = centres
    return out


def compute_segments(
    transactions,
    customers=None,
    *,
    as_of,
    config: SegmentationConfig | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features and classes as of a date, straight from warehouse tables.

    Point in time: nothing dated after ``as_of`` is read, so computing last month's
    segments today gives what last month's report said.

    Returns
    -------
    features : pandas.DataFrame
        :func:`analysis.features.compute_customer_features` output.
    classes : pandas.DataFrame
        :func:`classify_customers` output (attrs include ``purchase_gaps``).

    Examples
    --------
    >>> from analysis.warehouse import load_warehouse  # doctest: +SKIP
    >>> wh = load_warehouse(data_path="data/sample", period="2026-10")  # doctest: +SKIP
    >>> tx, cu = wh["transactions"], wh["customers"]  # doctest: +SKIP
    >>> f, c = compute_segments(tx, cu, as_of=wh.period.end)  # doctest: +SKIP
    """
    from analysis.features import compute_customer_features, compute_purchase_gaps

    cfg = config or SegmentationConfig()
    features = compute_customer_features(transactions, customers, as_of=as_of)
    qs = sorted({0.5, 0.75, 0.9, 0.95, 0.99, cfg.dormant_quantile, cfg.churned_quantile})
    try:
        gaps = compute_purchase_gaps(transactions, as_of=as_of, quantiles=tuple(qs))
        if not gaps.attrs.get("n_gaps"):
            gaps = None
    except Exception:  # noqa: BLE001 - no repeat purchases at all: fall back to mean gaps
        gaps = None
    classes = classify_customers(features, config=cfg, gaps=gaps)
    classes.attrs["purchase_gaps"] = gaps
    return features, classes
