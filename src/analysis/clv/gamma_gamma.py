"""Gamma-Gamma spend model (Fader, Hardie and Lee 2005b) for repeat buyers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from analysis.clv._fitting import group_rows, minimize_logparams, row_weights

__all__ = ["GammaGammaModel"]


class GammaGammaModel(BaseEstimator):
    """Mean spend per purchase, fitted by maximum likelihood on repeat buyers.

    Fit on customers with ``frequency > 0`` and ``monetary_value > 0`` only (the model
    assumes spend is independent of frequency; check the correlation before use).

    Parameters
    ----------
    weights_col : str or None
        Optional column of row weights (e.g. counts of identical customers).

    Attributes
    ----------
    params_ : dict
        ``p``, ``q``, ``v`` (γ in the paper).
    loglik_ : float
        Maximised log-likelihood of the mean spends.
    n_ : int
        Customers (rows) used.
    n_rows_ : int
        Distinct ``(frequency, monetary_value)`` rows the likelihood was evaluated on.

    Examples
    --------
    >>> from analysis.clv.simulate import simulate_spend
    >>> x = np.arange(1, 301) % 7 + 1
    >>> df = pd.DataFrame({"frequency": x, "monetary_value": simulate_spend(
    ...     x, {"p": 6.25, "q": 3.74, "v": 15.44}, seed=1)})
    >>> m = GammaGammaModel().fit(df)
    >>> m.predict_spend(df).shape
    (300,)
    """

    # Benchmarks switch grouping off to time the same likelihood on every row.
    _aggregate = True

    def __init__(self, weights_col: str | None = None):
        self.weights_col = weights_col

    def fit(self, df: pd.DataFrame) -> GammaGammaModel:
        """Fit on columns ``frequency`` and ``monetary_value``; returns ``self``.

        Identical ``(frequency, monetary_value)`` rows are grouped and weighted by their
        count (times ``weights_col``).
        """
        missing = {"frequency", "monetary_value"} - set(df.columns)
        if missing:
            raise ValueError(
                f"Gamma-Gamma needs columns frequency, monetary_value; missing {sorted(missing)}"
            )
        keep = ((df["frequency"] > 0) & (df["monetary_value"] > 0)).to_numpy()
        x = df["frequency"].to_numpy(float)[keep]
        m = df["monetary_value"].to_numpy(float)[keep]
        w = row_weights(df, self.weights_col)[keep]
        if len(x) < 3:
            raise ValueError("Gamma-Gamma needs at least three repeat buyers with positive spend")
        n = int(len(x))
        if self._aggregate:
            (x, m), w = group_rows([x, m], w)
        total = w.sum()
        ux, inv = np.unique(x, return_inverse=True)
        wx = np.bincount(inv, weights=w)
        # terms free of the parameters' nonlinear part, computed once
        log_m, mx = np.log(m), m * x
        c_p = w @ (x * (log_m + np.log(x)))
        c_0 = w @ log_m

        def nll(theta):
            p, q, v = np.exp(theta)
            lv = np.log(v + mx)
            a = special.gammaln(p * ux + q) - special.gammaln(p * ux)
            ll = wx @ a - total * (special.gammaln(q) - q * np.log(v)) + p * c_p - c_0
            ll -= w @ ((p * x + q) * lv)
            d_pq = special.digamma(p * ux + q)
            g = np.array(
                [
                    wx @ (ux * (d_pq - special.digamma(p * ux))) + c_p - w @ (x * lv),
                    wx @ d_pq - total * (special.digamma(q) - np.log(v)) - w @ lv,
                    total * q / v - w @ ((p * x + q) / (v + mx)),
                ]
            )
            return -ll / total, -g * np.exp(theta) / total

        start = np.log([1.0, 1.0, max(np.average(m, weights=w), 1.0)])
        res = minimize_logparams(nll, [start], names=["p", "q", "v"])
        p, q, v = np.exp(res.x)
        self.params_ = {"p": float(p), "q": float(q), "v": float(v)}
        self.loglik_ = float(-res.fun * total)
        self.n_ = n
        self.n_rows_ = int(len(x))
        return self

    def predict_spend(self, df: pd.DataFrame) -> np.ndarray:
        """Expected mean spend per future purchase (population mean for non-repeaters)."""
        check_is_fitted(self, "params_")
        p, q, v = self.params_["p"], self.params_["q"], self.params_["v"]
        x = df["frequency"].to_numpy(float)
        m = df["monetary_value"].to_numpy(float)
        population = p * v / (q - 1) if q > 1 else np.nan
        cond = (p * (v + x * m)) / (p * x + q - 1)
        return np.where(x > 0, cond, population)
