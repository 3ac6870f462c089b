"""Weibull accelerated failure time model: the parametric alternative to Cox."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from lifelines import WeibullAFTFitter
from lifelines.utils import concordance_index
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from analysis.survival.cox import _check

__all__ = ["WeibullModel"]


class WeibullModel(BaseEstimator):
    """Weibull AFT (lifelines), same ``fit(df, duration_col, event_col)`` shape as CoxModel.

    Its survival curve extends beyond the longest observed lifetime, so expected
    remaining lifetimes are not truncated as Cox's are.

    Parameters
    ----------
    penalizer : float
        Small L2 penalty for numerical stability with many indicators.

    Attributes
    ----------
    fitter_ : lifelines.WeibullAFTFitter
    concordance_ : float

    Examples
    --------
    >>> from lifelines.datasets import load_rossi
    >>> m = WeibullModel().fit(load_rossi(), "week", "arrest")
    >>> round(m.concordance_, 2)
    0.64
    """

    def __init__(self, penalizer: float = 0.001, weights_col: str | None = None):
        self.penalizer = penalizer
        self.weights_col = weights_col

    def fit(self, df: pd.DataFrame, duration_col: str, event_col: str) -> WeibullModel:
        _check(df, duration_col, event_col)
        self.duration_col_, self.event_col_ = duration_col, event_col
        f = WeibullAFTFitter(penalizer=self.penalizer)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f.fit(
                df,
                duration_col=duration_col,
                event_col=event_col,
                weights_col=self.weights_col,
                robust=bool(self.weights_col),
            )
        self.fitter_ = f
        self.strata_ = []
        self.covariates_ = [c for c in df.columns if c not in (duration_col, event_col)]
        self.concordance_ = float(f.concordance_index_)
        return self

    def predict_partial_hazard(self, X: pd.DataFrame) -> pd.Series:
        """A relative risk: the inverse of the median lifetime, scaled to mean 1."""
        check_is_fitted(self, "fitter_")
        med = np.ravel(self.fitter_.predict_median(X[self.covariates_]))
        r = 1.0 / np.maximum(med, 1e-9)
        return pd.Series(r / r.mean(), index=X.index)

    def predict_survival_function(self, X, times, conditional_after=None) -> pd.DataFrame:
        check_is_fitted(self, "fitter_")
        out = self.fitter_.predict_survival_function(
            X[self.covariates_], times=times, conditional_after=conditional_after
        )
        out.columns = X.index
        return out

    def predict_expectation(self, X: pd.DataFrame) -> pd.Series:
        check_is_fitted(self, "fitter_")
        return pd.Series(np.ravel(self.fitter_.predict_median(X[self.covariates_])), index=X.index)

    def score(self, df: pd.DataFrame) -> float:
        """Holdout concordance on ``df``."""
        X = df.drop(columns=[self.duration_col_, self.event_col_])
        return float(
            concordance_index(
                df[self.duration_col_], self.predict_expectation(X), df[self.event_col_]
            )
        )

    @property
    def summary_(self) -> pd.DataFrame:
        """Time ratios ``exp(coef)`` of the scale parameter with 95% intervals."""
        s = self.fitter_.summary.loc["lambda_"]
        return pd.DataFrame(
            {
                "time_ratio": s["exp(coef)"],
                "ci_lower": s["exp(coef) lower 95%"],
                "ci_upper": s["exp(coef) upper 95%"],
                "p": s["p"],
            }
        ).rename_axis("covariate")
