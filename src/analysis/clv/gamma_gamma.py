"""Gamma-Gamma spend model (Fader, Hardie and Lee 2005b) for repeat buyers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

__all__ = ["GammaGammaModel"]


class GammaGammaModel(BaseEstimator):
    """Mean spend per purchase, fitted by maximum likelihood on repeat buyers.

    Fit on customers with ``frequency > 0`` and ``monetary_value > 0`` only (the model
    assumes spend is independent of frequency; check the correlation before use).

    Attributes
    ----------
    params_ : dict
        ``p``, ``q``, ``v`` (γ in the paper).
    n_ : int
        Customers used.

    Examples
    --------
    >>> df = pd.DataFrame({"frequency": [1, 3, 2, 6], "monetary_value": [20., 35., 15., 28.]})
    >>> m = GammaGammaModel().fit(df)
    >>> m.predict_spend(df).shape
    (4,)
    """

    def fit(self, df: pd.DataFrame) -> GammaGammaModel:
        keep = (df["frequency"] > 0) & (df["monetary_value"] > 0)
        x = df.loc[keep, "frequency"].to_numpy(float)
        m = df.loc[keep, "monetary_value"].to_numpy(float)
        if len(x) < 3:
            raise ValueError("Gamma-Gamma needs at least three repeat buyers with positive spend")

        def nll(logp):
            p, q, v = np.exp(logp)
            ll = (
                special.gammaln(p * x + q)
                - special.gammaln(p * x)
                - special.gammaln(q)
                + q * np.log(v)
                + (p * x - 1) * np.log(m)
                + p * x * np.log(x)
                - (p * x + q) * np.log(v + m * x)
            )
            return -ll.mean()

        res = optimize.minimize(nll, np.log([1.0, 1.0, max(m.mean(), 1.0)]), method="L-BFGS-B")
        res = optimize.minimize(
            nll,
            res.x,
            method="Nelder-Mead",
            options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 4000},
        )
        p, q, v = np.exp(res.x)
        self.params_ = {"p": float(p), "q": float(q), "v": float(v)}
        self.n_ = int(len(x))
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
