"""Constants and display helpers shared by the churn page's sections.

Thresholds of the gates, column vocabularies, and the small pieces that turn codes into
words at display time (:class:`_Table`, covariate and group labels).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.pages.base import LangTable, Skipped, Word

#: Fewest churn events of a kind for survival curves, the Cox / Weibull AFT models and
#: the non-contract Cox model behind the reasons.
MIN_EVENTS = 20
#: Fewest repeat buyers with a positive spend: Gamma-Gamma's minimum (BG/NBD needs two
#: customers and one repeat purchase, so this covers both fits).
MIN_REPEAT_BUYERS = 3
#: Fewest churn events one horizon before the period end for a time-based backtest
#: (``run_backtest``'s own minimum; below it the models are compared on a random split).
MIN_BACKTEST_EVENTS = 10
#: Smallest group drawn as a Kaplan–Meier curve and tested (``fit_km``'s ``min_size``).
KM_MIN_GROUP = 30
#: Candidate grouping columns of the survival curves, in order; two are drawn at most.
KM_GROUPS = ("plan", "customer_type", "channel", "value_tier")
#: Columns whose values are class codes, shown as class labels.
CLASS_SCHEMES = {"customer_type": "customer_type", "value_tier": "value_tier"}
#: Class columns of the early-warning list (codes; their zh/en labels follow).
LIST_CLASSES = ("value_tier", "rfm_eight", "lifecycle", "action")
LIST_ATTRIBUTES = ("plan", "customer_type", "region", "account_owner")
N_REASONS = 3
SHOWN_ROWS = 20
CONTRACT, NONCONTRACT = "contract", "non-contract"
#: How each column the page shows is formatted (:data:`analysis.pages.format.KINDS`);
#: its header is the catalogue's ``churn.col.<column>``.
COLUMN_KINDS = {
    "customers": "count", "churned": "count", "median_days": "days", "survival_90d": "pct",
    "survival_180d": "pct", "survival_365d": "pct", "test_statistic": "float2", "p": "pvalue",
    "p_holm": "pvalue", "hazard_ratio": "ratio", "ci_lower": "ratio", "ci_upper": "ratio",
    "holdout_concordance": "float3", "integrated_brier": "float3", "train_concordance": "float3",
    "customers_scored": "count", "churned_in_horizon": "count", "value": "float3",
    "p_alive": "pct", "expected_purchases": "float1", "expected_spend": "money",
    "expected_clv": "money", "rank": "count", "value_at_risk": "money", "churn_prob": "pct",
    "expected_value": "money", "k": "count", "churned_in_top_k": "count", "precision": "pct",
    "recall": "pct", "lift": "ratio", "weighted_mae": "float3", "holdout_log_loss": "float3",
    "predicted_total": "float1", "actual_total": "float1", "tau": "pct", "declared": "count",
    "returned": "count", "return_rate": "pct", "lost": "count", "alpha": "float3",
    "beta": "float3", "churn_rate": "pct", "km_12m": "pct", "sbg_12m": "pct", "km_24m": "pct",
    "sbg_24m": "pct", "km_36m": "pct", "sbg_36m": "pct",
}  # fmt: skip
DURATION, EVENT = "duration_days", "event"
#: Survival data without a silence rule: non-contract rows are censored until the purchase
#: model's definition is applied (or dropped where only contract rows are wanted).
NO_SILENCE_RULE = float("inf")


def _skipped(result: Any) -> bool:
    return isinstance(result, Skipped)


def _kind(kind: str) -> Word:
    return Word("label", f"churn.kind.{kind}")


def _model(code: str) -> Word:
    return Word("label", f"churn.model.{code}")


def _covariate_words(code: str, lang: str) -> str:
    """A covariate code (``region=西南``, ``customer_type=individual``) in words."""
    from analysis.i18n import t
    from analysis.survival.covariates import (
        SEP,
        describe_column,
        describe_covariate,
        is_category_level,
    )

    if code.startswith("strata:"):
        return t("churn.ph.stratum", lang, name=_covariate_words(code.split(":", 1)[1], lang))
    base, _, level = code.partition(SEP)
    if level and is_category_level(base, level):
        return f"{describe_column(base, lang)}: {_level_words(base, level, lang)}"
    return describe_covariate(code, lang)


def _level_words(column: str, level: str, lang: str) -> str:
    """A level of a categorical covariate as shown: class codes become class labels."""
    from analysis.i18n import has, t
    from analysis.survival.covariates import describe_level

    scheme = CLASS_SCHEMES.get(column)
    if scheme and has(f"class.{scheme}.{level}"):
        return t(f"class.{scheme}.{level}", lang)
    return describe_level(column, level, lang)


@dataclass(frozen=True)
class _Table:
    """A table of this page, turned into words at display time.

    Headers are ``churn.col.<column>`` and formats :data:`COLUMN_KINDS`; ``covariates``
    columns hold covariate codes, ``labels`` maps a column to the catalogue prefix of its
    codes (``{"model": "churn.model."}``) and ``classes`` a column to its class scheme;
    in the ``folded`` columns the code ``other`` is the small groups shown together
    (:func:`analysis.privacy.fold_small_groups`).
    """

    frame: pd.DataFrame
    covariates: tuple = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    classes: Mapping[str, str] = field(default_factory=dict)
    folded: tuple = ()

    def render(self, lang: str):
        from analysis.i18n import t
        from analysis.privacy import OTHER

        df = self.frame.copy()
        for col in self.folded:
            df[col] = [t("label.other", lang) if c == OTHER else c for c in df[col]]
        for col in self.covariates:
            df[col] = [_covariate_words(c, lang) for c in df[col]]
        for col, prefix in self.labels.items():
            df[col] = [t(f"{prefix}{c}", lang) for c in df[col]]
        kinds = {c: COLUMN_KINDS[c] for c in df.columns if c in COLUMN_KINDS}
        headers = {c: f"churn.col.{c}" for c in df.columns}
        return LangTable(df, kinds, headers=headers, classes=self.classes).render(lang)


def _group_words(column: str, values: pd.Series, lang: str) -> pd.Series:
    """Group values of a survival-curve column as shown: class codes become labels."""
    if column not in CLASS_SCHEMES:
        return values
    return values.map(lambda v: v if pd.isna(v) else _level_words(column, v, lang))
