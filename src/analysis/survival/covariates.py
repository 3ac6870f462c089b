"""The covariate matrix for survival models, with names a manager can read."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.i18n import LANGS, has, t

__all__ = [
    "build_covariates",
    "describe_column",
    "describe_covariate",
    "describe_level",
    "is_category_level",
    "DEFAULT_CATEGORICAL",
    "DEFAULT_NUMERIC",
    "OTHER_LEVEL",
]

DEFAULT_CATEGORICAL = (
    "plan",
    "customer_type",
    "region",
    "channel",
    "industry",
)
# Segment columns (value_tier, rfm_segment, lifecycle) are not defaults: they are computed
# from recency and spend to date, which already encode whether a customer left. Pass them
# in ``categorical`` when a segment is assigned at sign-up.
# Contract columns that are not risk factors (too many levels, or who serves the customer).
NOT_COVARIATES = ("city", "account_owner", "name", "phone", "email", "kind", "contract")
# Segment columns joined for the lists are not covariates: they are computed from
# recency and spend, which partly encode whether the customer has left.
SEGMENT_PREFIXES = (
    "rfm_",
    "lifecycle",
    "value_tier",
    "abc_class",
    "key_account",
    "action",
    "cluster",
    "segment",
)
DEFAULT_NUMERIC = ("monthly_fee", "first_amount", "detractor", "has_survey", "latest_nps")
_LOG_NUMERIC = ("monthly_fee", "first_amount")
SEP = "="

# Rare levels pooled into one indicator ``column=(other)``; a code, not a word: its words
# are the catalogue's ``covariate.level.other``. The brackets keep it apart from a real
# level called "other".
OTHER_LEVEL = "(other)"


def build_covariates(
    data: pd.DataFrame,
    *,
    categorical: tuple[str, ...] | None = None,
    numeric: tuple[str, ...] | None = None,
    min_share: float = 0.01,
    max_levels: int = 12,
    reference: dict | None = None,
) -> pd.DataFrame:
    """One-hot and numeric covariates from survival data; absent columns are skipped.

    By default the categorical covariates are the contract's (plan, customer type,
    region, channel, industry) plus every further customer attribute with 2 to
    ``max_levels`` levels; city and account owner are left out.

    Categorical columns become ``column=level`` indicators against the most frequent
    level (the reference, recorded in ``attrs["reference"]``); levels rarer than
    ``min_share`` are pooled as ``column=(other)`` (:data:`OTHER_LEVEL`). Fees and amounts enter as
    ``log1p``; missing numeric values become the column median (``latest_nps``'s gaps
    are carried by ``has_survey``). Constant columns are dropped.

    Parameters
    ----------
    data : pandas.DataFrame
        Output of :func:`analysis.survival.compute_survival_data`, optionally joined with
        segment columns.
    reference : dict, optional
        ``attrs["spec"]`` of an earlier call: reproduce the same columns (a holdout or
        backtest scored with the training design).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``data``; float columns. ``attrs["spec"]`` describes the coding.

    Examples
    --------
    >>> d = pd.DataFrame({"region": ["华东", "华东", "西北"], "monthly_fee": [99., 199., 99.]})
    >>> list(build_covariates(d, min_share=0).columns)
    ['region=西北', 'monthly_fee']
    """
    spec = reference or {}
    if not spec:
        if categorical is None:
            # The contract's categorical columns, plus any further customer attribute
            # (IBM Telco's contract type, internet service, ...) with 2..max_levels levels.
            extra = [
                c
                for c in data.columns
                if c not in DEFAULT_CATEGORICAL
                and c not in NOT_COVARIATES
                and not c.startswith(SEGMENT_PREFIXES)
                and not c.endswith(("_zh", "_en"))
                and (data[c].dtype == object or str(data[c].dtype) in ("string", "category"))
                and 2 <= data[c].nunique(dropna=True) <= max_levels
            ]
            categorical = (*DEFAULT_CATEGORICAL, *extra)
        cats = [c for c in categorical if c in data.columns]
        nums = [c for c in (numeric or DEFAULT_NUMERIC) if c in data.columns]
        if "detractor" in nums and "latest_nps" in nums:
            nums.remove("latest_nps")  # the same information twice makes the fit unstable
        levels = {}
        for c in cats:
            counts = data[c].astype("string").value_counts(dropna=True)
            if len(counts) < 2:
                continue
            share = counts / counts.sum()
            kept = [str(v) for v in share.index[share >= min_share]][:max_levels]
            levels[c] = {"reference": kept[0], "levels": kept[1:]}
        medians = {
            c: float(np.nanmedian(_num(data, c))) if data[c].notna().any() else 0.0 for c in nums
        }
        spec = {"categorical": levels, "numeric": medians}
    cols = {}
    for c, lv in spec["categorical"].items():
        values = (
            data[c].astype("string")
            if c in data.columns
            else pd.Series(pd.NA, index=data.index, dtype="string")
        )
        known = values.isin([lv["reference"], *lv["levels"]]) | values.isna()
        for level in lv["levels"]:
            cols[f"{c}{SEP}{level}"] = (values == level).fillna(False).astype(float)
        if (~known).any() and not reference:
            cols[f"{c}{SEP}{OTHER_LEVEL}"] = (~known).astype(float)
        elif reference and f"{c}{SEP}{OTHER_LEVEL}" in spec.get("columns", []):
            cols[f"{c}{SEP}{OTHER_LEVEL}"] = (~known).astype(float)
    for c, med in spec["numeric"].items():
        x = _num(data, c) if c in data.columns else pd.Series(np.nan, index=data.index)
        cols[c] = x.fillna(med).astype(float)
    X = pd.DataFrame(cols, index=data.index)
    if not reference:
        X = X.loc[:, X.std(ddof=0) > 0]
        # the same indicator under two names (Telco's "No internet service" in six
        # columns) makes the Cox information matrix singular: keep the first
        X = X.loc[:, ~X.T.duplicated()]
        spec = {**spec, "columns": list(X.columns)}
    else:
        X = X.reindex(columns=spec["columns"], fill_value=0.0)
    X.attrs["spec"] = spec
    return X


def _num(data: pd.DataFrame, c: str) -> pd.Series:
    x = pd.to_numeric(data[c], errors="coerce").astype(float)
    if c in _LOG_NUMERIC:
        x = np.log1p(x.clip(lower=0))
    return x


def describe_covariate(name: str, lang: str = "zh") -> str:
    """A covariate's name in words: the catalogue's ``covariate.<column>`` and the level.

    Columns without a catalogue entry keep their own name.

    Examples
    --------
    >>> describe_covariate("region=west", "en"), describe_covariate("plan=(other)", "en")
    ('region: west', 'plan: other')
    >>> describe_covariate("monthly_fee", "zh")
    '月费(对数)'
    >>> describe_covariate("monthly_fee=199", "en"), describe_covariate("detractor=0", "en")
    ('monthly fee 199', 'not a detractor')
    """
    if SEP in name:
        base, level = name.split(SEP, 1)
        if has(f"covariate.level.{base}.{level}"):  # a flag's value: "not a detractor"
            return t(f"covariate.level.{base}.{level}", lang)
        if level == "median":  # the comparison of a continuous covariate
            return t("covariate.median", lang, name=_raw_name(base, lang))
        if base in _NUMERIC_WORDS:  # a continuous covariate's value, as entered
            return t("covariate.value", lang, name=_raw_name(base, lang), v=level)
        return f"{_name(base, lang)}: {describe_level(base, level, lang)}"
    if name.startswith("strata:"):
        return name
    return _name(name, lang)


# Continuous covariates whose reason codes carry a value (``monthly_fee=199``).
_NUMERIC_WORDS = ("monthly_fee", "first_amount", "latest_nps")


def describe_level(column: str, level: str, lang: str = "zh") -> str:
    """A level of a categorical covariate in words (the pooled rare levels: "other").

    Examples
    --------
    >>> describe_level("region", "西南", "en"), describe_level("plan", "(other)", "en")
    ('西南', 'other')
    """
    return t("covariate.level.other", lang) if level == OTHER_LEVEL else level


def is_category_level(column: str, level: str) -> bool:
    """Whether ``column=level`` names a category, not a flag's value or a number.

    Examples
    --------
    >>> is_category_level("region", "西南"), is_category_level("detractor", "1")
    (True, False)
    """
    return not (
        has(f"covariate.level.{column}.{level}") or level == "median" or column in _NUMERIC_WORDS
    )


def describe_column(column: str, lang: str = "zh") -> str:
    """A covariate's name in words (the column itself without a catalogue entry)."""
    return _name(column, lang)


def _raw_name(column: str, lang: str) -> str:
    # a logged covariate is quoted on its own scale: "monthly fee", not "monthly fee (log)"
    key = f"covariate.raw.{column}"
    return t(key, lang) if has(key) else _name(column, lang)


def _name(column: str, lang: str) -> str:
    key = f"covariate.{column}"
    if has(key):
        return t(key, lang)
    if lang not in LANGS:
        raise ValueError(f"language {lang!r} is not supported: use one of {', '.join(LANGS)}")
    return column
