"""BG/NBD (Fader, Hardie and Lee 2005): P(alive) and expected purchases."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from analysis.clv._fitting import group_rows, minimize_logparams, row_weights

__all__ = ["BetaGeoModel"]


def _arrays(df: pd.DataFrame, model: str = "BG/NBD") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    missing = {"frequency", "recency", "T"} - set(df.columns)
    if missing:
        raise ValueError(f"{model} needs columns frequency, recency, T; missing {sorted(missing)}")
    x = df["frequency"].to_numpy(float)
    tx = df["recency"].to_numpy(float)
    T = df["T"].to_numpy(float)
    if (x < 0).any() or (tx > T + 1e-9).any() or (tx < 0).any():
        raise ValueError(f"{model} needs frequency >= 0 and 0 <= recency <= T")
    return x, tx, T


class _Rows:
    """Rows prepared once per fit: repeat buyers first, distinct x / T / t_x coded."""

    def __init__(self, x, tx, T, w):
        order = np.argsort(x == 0, kind="stable")
        x, tx, T, w = x[order], tx[order], T[order], w[order]
        self.n_pos = n = int((x > 0).sum())
        self.x, self.w, self.xp, self.wp = x, w, x[:n], w[:n]
        self.ux, inv = np.unique(x, return_inverse=True)
        self.wx = np.bincount(inv, weights=w)
        self.inv_xp = inv[:n]
        self.iT, self.uT = pd.factorize(T)
        self.itx, self.utx = pd.factorize(tx[:n])
        self.iTp = self.iT[:n]


def _loglik(params, d: _Rows, grad: bool = False):
    """Weighted BG/NBD log-likelihood (FHL 2005 eq. 6) and its gradient in (r, α, a, b).

    Terms in ``x``, ``T`` or ``t_x`` alone are evaluated once per distinct value.
    """
    r, alpha, a, b = params
    ux, wx, n = d.ux, d.wx, d.n_pos
    a1 = (
        special.gammaln(r + ux)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.gammaln(a + b)
        + special.gammaln(b + ux)
        - special.gammaln(b)
        - special.gammaln(a + b + ux)
    )
    la_T = np.log(alpha + d.uT)[d.iT]
    la_tx = np.log(alpha + d.utx)[d.itx]
    total = -(r + d.x) * la_T
    lb = np.log(b + ux - 1, where=ux > 0, out=np.zeros_like(ux))[d.inv_xp]
    a4 = np.log(a) - lb - (r + d.xp) * la_tx
    total[:n] = np.logaddexp(total[:n], a4)
    ll = float(wx @ a1 + d.w @ total)
    if not grad:
        return ll
    w4 = d.wp * np.exp(a4 - total[:n])  # weight x share of "dropped after t_x"
    d_ab = special.digamma(a + b) - special.digamma(a + b + ux)
    inv_a_T = (1 / (alpha + d.uT))[d.iT]
    g = np.array(
        [
            wx @ (special.digamma(r + ux) - special.digamma(r) + np.log(alpha)) - d.w @ la_T,
            wx.sum() * r / alpha - d.w @ ((r + d.x) * inv_a_T),
            wx @ d_ab + w4.sum() / a,
            wx @ (d_ab + special.digamma(b + ux) - special.digamma(b)),
        ]
    )
    # every row counted as alive at T above; move the dropped share to the t_x term
    g[0] -= w4 @ (la_tx - la_T[:n])
    g[1] -= w4 @ ((r + d.xp) * ((1 / (alpha + d.utx))[d.itx] - inv_a_T[:n]))
    g[3] -= w4 @ np.exp(-lb)
    return ll, g


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
        Maximised log-likelihood (full, constants included).
    n_rows_ : int
        Distinct rows the likelihood was evaluated on.

    Examples
    --------
    >>> df = pd.DataFrame({"frequency": [0, 2, 5, 1], "recency": [0, 10, 30, 4],
    ...                    "T": [40, 35, 38, 20]})
    >>> m = BetaGeoModel().fit(df)
    >>> bool((m.predict_p_alive(df) <= 1).all())
    True
    """

    # Benchmarks switch grouping off to time the same likelihood on every row.
    _aggregate = True

    def __init__(self, weights_col: str | None = None):
        self.weights_col = weights_col

    def fit(self, df: pd.DataFrame) -> BetaGeoModel:
        """Fit on columns ``frequency``, ``recency``, ``T``; returns ``self``.

        Identical rows are grouped and weighted by their count (times ``weights_col``),
        so the fit costs the number of distinct rows, not customers. Every start of
        :meth:`_starts` runs and the best optimum wins: the likelihood can have two
        basins (dropout chances spread thinly, or split between "never" and "almost
        surely"), and one start stopped in the worse one for MBG/NBD on the sample.
        """
        x, tx, T = _arrays(df)
        w = row_weights(df, self.weights_col)
        if len(x) < 2 or (x > 0).sum() < 1:
            raise ValueError(f"{self._label} needs at least two customers and one repeat purchase")
        if self._aggregate:
            (x, tx, T), w = group_rows([x, tx, T], w)
        total = w.sum()
        nll = self._objective(x, tx, T, w, total)
        scale = max(float(np.average(T, weights=w)), 1e-3)
        names = ["r", "alpha", "a", "b"]
        res = min(
            (minimize_logparams(nll, [start], names=names) for start in self._starts(scale)),
            key=lambda o: o.fun,
        )
        r, alpha, a, b = np.exp(res.x)
        self.params_ = {"r": float(r), "alpha": float(alpha), "a": float(a), "b": float(b)}
        self.loglik_ = float(-res.fun * total)
        self.n_rows_ = int(len(x))
        return self

    _label = "BG/NBD"

    def _objective(self, x, tx, T, w, total):
        """``theta -> (mean negative log-likelihood, gradient)`` on log-parameters."""
        d = _Rows(x, tx, T, w)

        def nll(theta):
            ll, g = _loglik(np.exp(theta), d, grad=True)
            return -ll / total, -g * np.exp(theta) / total

        return nll

    @staticmethod
    def _starts(scale: float) -> list[list[float]]:
        return [[0.0, np.log(scale), 0.0, 0.0], [np.log(0.5), np.log(scale / 4), -4.0, -3.0]]

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

    def predict_p_no_purchase(self, df: pd.DataFrame, t) -> np.ndarray:
        """P(no purchase in ``(T, T+t]``) given each customer's history.

        Dropout happens only just after a purchase, so a customer alive at ``T`` who
        stays silent is still alive: ``1 - P(alive) (1 - ((α+T)/(α+T+t))^(r+x))``, the
        second factor being ``E[e^-λt]`` under the posterior λ ~ Gamma(r+x, α+T).
        """
        check_is_fitted(self, "params_")
        x, _tx, T = _arrays(df)
        r, alpha = self.params_["r"], self.params_["alpha"]
        silent = ((alpha + T) / (alpha + T + np.asarray(t, float))) ** (r + x)
        return 1.0 - self.predict_p_alive(df) * (1.0 - silent)

    def predict_p_alive_after(self, df: pd.DataFrame, t) -> np.ndarray:
        """P(still alive at ``T+t``) given the history to ``T`` and nothing after it.

        Not simply :meth:`predict_p_alive`: dropout happens only just after a purchase,
        but purchases in ``(T, T+t]`` are not observed and each may be followed by
        dropout. Alive at ``T``, λ ~ Gamma(r+x, α+T) and p ~ Beta(a, b+x) independently;
        surviving the Poisson(λt) purchases has probability ``E[e^-λtp]``, so
        ``P(alive) · 2F1(r+x, a; a+b+x; -t/(α+T))``. It equals :meth:`predict_p_alive`
        only at ``t = 0``; given that the customer also made no purchase in the window,
        use :meth:`predict_p_no_purchase` and Bayes' rule instead.
        """
        check_is_fitted(self, "params_")
        x, _tx, T = _arrays(df)
        p = self.params_
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        z = -np.asarray(t, float) / (alpha + T)
        return self.predict_p_alive(df) * special.hyp2f1(r + x, a, a + b + x, z)

    def expected_purchases_population(self, t) -> np.ndarray:
        """E[X(t)] for a new customer (FHL 2005 eq. 7).

        ``(a+b-1)/(a-1) · (1 - (α/(α+t))^r · 2F1(r, b; a+b-1; t/(α+t)))``.
        """
        check_is_fitted(self, "params_")
        p = self.params_
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        t = np.maximum(np.asarray(t, float), 0.0)
        hyp = special.hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)
