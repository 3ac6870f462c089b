"""BG/NBD (Fader, Hardie and Lee 2005): P(alive) and expected purchases."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

__all__ = ["BetaGeoModel"]


def _arrays(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    missing = {"frequency", "recency", "T"} - set(df.columns)
    if missing:
        raise ValueError(f"BG/NBD needs columns frequency, recency, T; missing {sorted(missing)}")
    x = df["frequency"].to_numpy(float)
    tx = df["recency"].to_numpy(float)
    T = df["T"].to_numpy(float)
    if (x < 0).any() or (tx > T + 1e-9).any() or (tx < 0).any():
        raise ValueError("BG/NBD needs frequency >= 0 and 0 <= recency <= T")
    return x, tx, T


def _loglik(params: np.ndarray, x, tx, T, w) -> float:
    r, alpha, a, b = params
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = (
        special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    a3 = -(r + x) * np.log(alpha + T)
    d = x > 0
    a4 = np.where(
        d, np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + tx), -np.inf
    )
    return float(np.sum(w * (a1 + a2 + np.logaddexp(a3, a4))))


class BetaGeoModel(BaseEstimator):
    """BG/NBD fitted by maximum likelihood (the MAP estimate under flat priors).

    Parameters
    ----------
    weights_col : str or None
        Optional column of row weights (e.g. counts of identical customers).

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha``, ``a``, ``b``.
    loglik_ : float

    Examples
    --------
    >>> df = pd.DataFrame({"frequency": [0, 2, 5, 1], "recency": [0, 10, 30, 4],
    ...                    "T": [40, 35, 38, 20]})
    >>> m = BetaGeoModel().fit(df)
    >>> bool((m.predict_p_alive(df) <= 1).all())
    True
    """

    def __init__(self, weights_col: str | None = None):
        self.weights_col = weights_col

    def fit(self, df: pd.DataFrame) -> BetaGeoModel:
        x, tx, T = _arrays(df)
        w = df[self.weights_col].to_numpy(float) if self.weights_col else np.ones_like(x)
        if len(x) < 2 or (x > 0).sum() < 1:
            raise ValueError("BG/NBD needs at least two customers and one repeat purchase")

        def nll(logp):
            return -_loglik(np.exp(logp), x, tx, T, w) / w.sum()

        best = None
        for start in ([0.0, np.log(max(T.mean(), 1.0)), 0.0, 0.0], [np.log(0.3), 1.5, -0.2, 1.0]):
            res = optimize.minimize(nll, np.array(start), method="L-BFGS-B")
            res = optimize.minimize(
                nll,
                res.x,
                method="Nelder-Mead",
                options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 4000},
            )
            if best is None or res.fun < best.fun:
                best = res
        r, alpha, a, b = np.exp(best.x)
        self.params_ = {"r": float(r), "alpha": float(alpha), "a": float(a), "b": float(b)}
        self.loglik_ = float(-best.fun * w.sum())
        return self

    def predict_p_alive(self, df: pd.DataFrame) -> np.ndarray:
        """Probability that each customer has not dropped out as of ``T``."""
        check_is_fitted(self, "params_")
        x, tx, T = _arrays(df)
        p = self.params_
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        log_ratio = (
            np.log(a)
            - np.log(np.maximum(b + x - 1, 1e-12))
            + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        )
        return np.where(x > 0, 1.0 / (1.0 + np.exp(log_ratio)), 1.0)

    def predict_purchases(self, df: pd.DataFrame, t: float) -> np.ndarray:
        """Expected purchases in the next ``t`` time units, given each customer's history."""
        check_is_fitted(self, "params_")
        x, tx, T = _arrays(df)
        p = self.params_
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        z = t / (alpha + T + t)
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        num = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
        ratio = np.where(
            x > 0,
            a / np.maximum(b + x - 1, 1e-12) * ((alpha + T) / (alpha + tx)) ** (r + x),
            0.0,
        )
        return num / (1 + ratio)

    def predict_churn_within(
        self, df: pd.DataFrame, *, horizon: float, threshold: float, recency_now: np.ndarray
    ) -> np.ndarray:
        """P(a customer is declared churned within ``horizon``): no purchase for ``threshold``.

        The declaration can come at the earliest ``s = threshold - recency_now`` units
        from now; it happens when the customer is dead, or alive but silent for ``s``.
        In BG/NBD dropout happens only at a purchase, so an alive customer silent for
        ``s`` stays alive, and ``P(no purchase in s | alive) = ((α+T)/(α+T+s))^(r+x)``
        (posterior Gamma rate). Zero when ``s > horizon``; ``recency_now`` and the other
        times are in the model's units.
        """
        check_is_fitted(self, "params_")
        x, _tx, T = _arrays(df)
        r, alpha = self.params_["r"], self.params_["alpha"]
        s = np.maximum(threshold - np.asarray(recency_now, dtype=float), 0.0)
        silent = ((alpha + T) / (alpha + T + s)) ** (r + x)
        prob = 1.0 - self.predict_p_alive(df) * (1.0 - silent)
        return np.where(s <= horizon, prob, 0.0)
