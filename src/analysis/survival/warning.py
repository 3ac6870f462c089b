"""The early-warning list (流失预警): ranked by value at risk, with reasons in words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.i18n import t
from analysis.survival.covariates import (
    describe_column,
    describe_covariate,
    describe_level,
    is_category_level,
)
from analysis.survival.effects import compute_reason_codes

__all__ = ["compute_reasons", "describe_reason", "build_at_risk_list"]


def describe_reason(
    code: str, vs: str, factor: float, lang: str = "zh", words=None, levels=None
) -> str:
    """A reason from :func:`compute_reason_codes` in words, from the catalogue.

    Two levels of one covariate read "industry 物流: 1.47× the churn hazard of industry
    互联网"; flags and values read "latest NPS a detractor (0-6): 1.71× the churn hazard
    of not a detractor". ``words`` turns a covariate code into words (default
    :func:`analysis.survival.describe_covariate`) and ``levels(column, level, lang)`` a
    level of a categorical covariate (default: the level itself); the report passes ones
    that also know class labels.

    Examples
    --------
    >>> describe_reason("detractor=1", "detractor=0", 1.42, "en")
    'latest NPS a detractor (0-6): 1.42× the churn hazard of not a detractor'
    >>> describe_reason("region=西南", "region=华东", 1.31, "en")
    'region 西南: 1.31× the churn hazard of region 华东'
    """
    if not code:
        return ""
    name, _, value = code.partition("=")
    if name == "silence_days":  # a non-contract customer's silence against their rhythm
        gap = vs.partition("=")[2]
        return t("reason.silence", lang, d=value, g=gap, f=f"{factor:.1f}")
    if name == "one_purchase_days":
        return t("reason.one_purchase", lang, d=value)
    vs_name, _, vs_value = vs.partition("=")
    if vs_name == name and is_category_level(name, value) and is_category_level(name, vs_value):
        level = levels or describe_level
        return t("reason.contrast_level", lang, name=describe_column(name, lang),
                 level=level(name, value, lang), ref=level(name, vs_value, lang),
                 f=f"{factor:.2f}")  # fmt: skip
    words = words or describe_covariate
    return t(
        "reason.contrast", lang, who=words(code, lang), than=words(vs, lang), f=f"{factor:.2f}"
    )


def compute_reasons(
    model, X: pd.DataFrame, spec: dict, *, n: int = 3, lang: str = "zh"
) -> pd.DataFrame:
    """:func:`compute_reason_codes` in words (``reason_1`` .. ``reason_n``; "" when none)."""
    codes = compute_reason_codes(model, X, spec, n=n)
    out = {}
    for k in range(1, n + 1):
        out[f"reason_{k}"] = [
            describe_reason(c, v, f, lang)
            for c, v, f in zip(
                codes[f"reason_{k}"],
                codes[f"reason_{k}_vs"],
                codes[f"reason_{k}_factor"],
                strict=True,
            )
        ]
    return pd.DataFrame(out, index=X.index)


def build_at_risk_list(
    predictions: pd.DataFrame,
    reasons: pd.DataFrame,
    *,
    value: pd.Series,
    extra: pd.DataFrame | None = None,
    top: int | None = None,
) -> pd.DataFrame:
    """Active customers ranked by value at risk = churn probability × expected value.

    Parameters
    ----------
    predictions : pandas.DataFrame
        ``churn_prob`` (and any other columns to keep) for active customers.
    reasons : pandas.DataFrame
        From :func:`compute_reasons` or :func:`compute_reason_codes`.
    value : pandas.Series
        Expected value per customer (e.g. 12-month CLV or 12 × monthly fee).
    extra : pandas.DataFrame, optional
        Columns to show (segment, tier, playbook action, account_owner), joined by id.
    top : int, optional
        Keep only the first ``top`` rows.

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``customer_id`` then ``value_at_risk``, ``churn_prob``,
        ``expected_value``, the reasons and extra columns. Ties are broken by
        ``customer_id`` so the same inputs always give the same list.
    """
    df = predictions.copy()
    df["expected_value"] = value.reindex(df.index).fillna(0.0).clip(lower=0)
    df["value_at_risk"] = df["churn_prob"] * df["expected_value"]
    df = df.join(reasons, how="left")
    if extra is not None:
        df = df.join(extra[[c for c in extra.columns if c not in df.columns]], how="left")
    df.index.name = "customer_id"
    df = df.reset_index().sort_values(
        ["value_at_risk", "churn_prob", "customer_id"],
        ascending=[False, False, True],
        kind="stable",
    )
    first = ["customer_id", "value_at_risk", "churn_prob", "expected_value"]
    df = df[first + [c for c in df.columns if c not in first]]
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    if top:
        df = df.head(top)
    return df.reset_index(drop=True)
