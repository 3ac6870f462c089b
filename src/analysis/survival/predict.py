"""Conditional churn probability within a horizon and expected remaining lifetime."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["predict_churn"]


def predict_churn(
    model,
    X: pd.DataFrame,
    durations: pd.Series,
    *,
    horizon_days: float = 90.0,
    max_days: float = 3650.0,
    grid_points: int = 60,
) -> pd.DataFrame:
    """For customers still active: P(churn within horizon | survived so far), remaining life.

    Parameters
    ----------
    model : CoxModel or WeibullModel
        Fitted.
    X : pandas.DataFrame
        Covariates of the active customers.
    durations : pandas.Series
        Days survived so far (``duration_days`` of censored rows).
    horizon_days : float
    max_days : float
        Remaining lifetime is integrated up to this many days ahead (a restricted mean;
        Cox's curve also stops at the longest lifetime it has seen).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``X``: ``churn_prob``, ``expected_remaining_days``.

    Examples
    --------
    >>> from lifelines.datasets import load_rossi
    >>> from analysis.survival import CoxModel
    >>> r = load_rossi()
    >>> m = CoxModel(penalizers=(0.0,), check_ph=False).fit(r, "week", "arrest")
    >>> p = predict_churn(m, r.drop(columns=["week", "arrest"]).head(3), r["week"].head(3) * 0 + 10,
    ...                   horizon_days=10)
    >>> bool(p["churn_prob"].between(0, 1).all())
    True
    """
    d = durations.reindex(X.index).astype(float).to_numpy()
    s_h = model.predict_survival_function(X, times=[horizon_days], conditional_after=d)
    prob = 1.0 - np.clip(s_h.to_numpy().ravel(), 0, 1)
    grid = np.linspace(0, max_days, grid_points)
    S = model.predict_survival_function(X, times=grid, conditional_after=d).to_numpy()
    S = np.clip(np.nan_to_num(S, nan=0.0), 0, 1)
    remaining = np.trapezoid(S, grid, axis=0)
    return pd.DataFrame({"churn_prob": prob, "expected_remaining_days": remaining}, index=X.index)
