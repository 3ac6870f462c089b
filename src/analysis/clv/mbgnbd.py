"""MBG/NBD (Batislam, Denizel and Filiztekin 2007): BG/NBD with dropout at the first purchase.

In BG/NBD a customer can drop out only after a repeat purchase, so a one-time buyer is
alive for ever (P(alive) = 1). MBG/NBD lets the dropout coin be tossed at every purchase,
the first included: a one-time buyer's P(alive) falls with age. On the project's sample
(whose "bargain" customers mostly never come back) this is the model the truth follows;
see docs/churn.md for the measured P(alive) against the planted truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special
from sklearn.utils.validation import check_is_fitted

from analysis.clv.bgnbd import BetaGeoModel, _arrays

__all__ = ["ModifiedBetaGeoModel"]


def _loglik(params, x, tx, T, w) -> float:
    r, alpha, a, b = params
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = (
        special.gammaln(a + b)
        + special.gammaln(b + x + 1)
        - special.gammaln(b)
        - special.gammaln(a + b + x + 1)
    )
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return float(np.sum(w * (a1 + a2 + a3 + np.logaddexp(0.0, a4))))


class ModifiedBetaGeoModel(BetaGeoModel):
    """MBG/NBD fitted by maximum likelihood on grouped rows (same API as BetaGeoModel).

    Examples
    --------
    >>> df = pd.DataFrame({"frequency": [0, 2, 5, 1, 0], "recency": [0, 10, 30, 4, 0],
    ...                    "T": [40, 35, 38, 20, 5]})
    >>> m = ModifiedBetaGeoModel().fit(df)
    >>> p = m.predict_p_alive(df)
    >>> bool(p[0] < p[4] < 1)  # an older one-time buyer is less likely alive
    True
    """

    _label = "MBG/NBD"

    def _objective(self, x, tx, T, w, total):
        def value(theta):
            return -_loglik(np.exp(theta), x, tx, T, w) / total

        def nll(theta):
            f = value(theta)
            g = np.empty_like(theta)
            for i in range(len(theta)):  # central differences: four parameters, grouped rows
                e = np.zeros_like(theta)
                e[i] = 1e-6
                g[i] = (value(theta + e) - value(theta - e)) / 2e-6
            return f, g

        return nll

    def predict_p_alive(self, df: pd.DataFrame) -> np.ndarray:
        """``1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x))``, one-time buyers included."""
        check_is_fitted(self, "params_")
        x, tx, T = _arrays(df)
        p = self.params_
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        log_ratio = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        return 1.0 / (1.0 + np.exp(log_ratio))

    def predict_purchases(self, df: pd.DataFrame, t) -> np.ndarray:
        """Expected purchases in the next ``t`` units given each customer's history."""
        check_is_fitted(self, "params_")
        x, tx, T = _arrays(df)
        p = self.params_
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        t = np.asarray(t, float)
        hyp = special.hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t))
        num = (a + b + x) / (a - 1) * (1 - hyp * ((alpha + T) / (alpha + T + t)) ** (r + x))
        return num * self.predict_p_alive(df)

    def predict_p_alive_after(self, df: pd.DataFrame, t) -> np.ndarray:
        """P(still alive at ``T+t``) with nothing known after ``T``: each unseen purchase
        may end it, p ~ Beta(a, b+x+1) given alive, so ``P(alive)·2F1(r+x, a; a+b+x+1; -t/(α+T))``.
        """
        check_is_fitted(self, "params_")
        x, _tx, T = _arrays(df)
        p = self.params_
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        z = -np.asarray(t, float) / (alpha + T)
        return self.predict_p_alive(df) * special.hyp2f1(r + x, a, a + b + x + 1, z)

    def expected_purchases_population(self, t) -> np.ndarray:
        """E[X(t)] for a new customer.

        ``b/(a-1) · (1 - (α/(α+t))^r · 2F1(r, b+1; a+b; t/(α+t)))``.
        """
        check_is_fitted(self, "params_")
        p = self.params_
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        t = np.asarray(t, float)
        hyp = special.hyp2f1(r, b + 1, a + b, t / (alpha + t))
        return b / (a - 1) * (1 - hyp * (alpha / (alpha + t)) ** r)
