"""The early-warning list (流失预警): ranked by value at risk, with reasons in words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.survival.covariates import describe_covariate

__all__ = ["compute_reason_codes", "compute_reasons", "build_at_risk_list"]


def compute_reason_codes(model, X: pd.DataFrame, *, n: int = 3) -> pd.DataFrame:
    """The ``n`` covariates that raise each customer's hazard most, as codes and factors.

    A covariate's contribution is ``β_j (x_ij - mean_j)``, its share of the
    customer's log relative hazard against the average scored customer; only
    contributions above 0.01 (those that raise the hazard) are named. For a Weibull AFT
    the sign of the time coefficient is reversed.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``X``: ``reason_<k>`` (the covariate code, "" when fewer apply) and
        ``reason_<k>_factor`` (the hazard multiplier ``exp(contribution)``, NaN then),
        for k = 1 .. ``n``.
    """
    beta = model.fitter_.params_
    if isinstance(beta.index, pd.MultiIndex):  # Weibull AFT: a longer time is a lower hazard
        beta = -beta.loc["lambda_"].drop("Intercept", errors="ignore")
    beta = beta[[c for c in beta.index if c in X.columns]]
    Z = X[beta.index].astype(float)
    values = ((Z - Z.mean()) * beta.to_numpy()).to_numpy()
    names = np.array(beta.index, dtype=object)
    order = np.argsort(-values, axis=1, kind="stable")
    out = {}
    for k in range(n):
        code = np.full(len(values), "", dtype=object)
        factor = np.full(len(values), np.nan)
        if k < values.shape[1]:  # a model may have fewer covariates than n
            idx = order[:, k]
            v = values[np.arange(len(values)), idx]
            code = np.where(v > 0.01, names[idx], "")
            factor = np.where(v > 0.01, np.exp(v), np.nan)
        out[f"reason_{k + 1}"] = code
        out[f"reason_{k + 1}_factor"] = factor
    return pd.DataFrame(out, index=X.index)


def compute_reasons(model, X: pd.DataFrame, *, n: int = 3, lang: str = "zh") -> pd.DataFrame:
    """The ``n`` covariates that raise each customer's hazard most, in words.

    :func:`compute_reason_codes` written out as ``地区: 西南 (×1.31)``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``X``: ``reason_1`` .. ``reason_n`` (empty string when fewer apply).
    """
    codes = compute_reason_codes(model, X, n=n)
    out = {}
    for k in range(1, n + 1):
        out[f"reason_{k}"] = [
            f"{describe_covariate(c, lang)} (×{f:.2f})" if c else ""
            for c, f in zip(codes[f"reason_{k}"], codes[f"reason_{k}_factor"], strict=True)
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
