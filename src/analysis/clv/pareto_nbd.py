"""Pareto/NBD (Schmittlein, Morrison and Colombo 1987): dropout at any time, not at purchases.

While alive a customer buys at Poisson rate λ ~ Gamma(r, α) and dies at exponential rate
μ ~ Gamma(s, β). With ``J(t) = ∫_t^∞ (α+τ)^-(r+x) (β+τ)^-(s+1) dτ`` (a Gauss
hypergeometric 2F1; Fader and Hardie 2005, "A note on deriving the Pareto/NBD model and
related expressions", eq. 18-20, with the α<β and α≥β branches), the likelihood of
``(x, t_x, T)`` is

    Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^-(r+x) (β+T)^-s + s (J(t_x) - J(T)) ]

(alive at ``T``, or died in ``(t_x, T]``), evaluated in logs as in CLVTools.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy import special
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from analysis.clv._fitting import factorize_rows, group_rows, minimize_logparams, row_weights
from analysis.clv.bgnbd import _arrays

__all__ = ["ParetoNBDModel"]


def log_tail_integral(p, q, a, b, t):
    """``log ∫_t^∞ (a+τ)^-p (b+τ)^-q dτ`` for ``p + q > 1``, elementwise.

    Closed form ``(m+t)^-k / k · 2F1(k, e; k+1; z)``, ``z = |a-b|/(m+t)``, with
    ``k = p+q-1``, ``m = max(a, b)`` and ``e`` the exponent of the factor with the
    smaller offset, so ``0 <= z < 1``. For ``e >= 1`` Euler's transformation
    ``(1-z)^(1-e) 2F1(k+1-e, 1; k+1; z)`` is used instead: its 2F1 stays between 1 and
    ``k/(e-1)``, where the direct one grows like ``(1-z)^(1-e)`` and overflows for
    many purchases with one of α, β far above the other. Against adaptive quadrature
    the chosen form is within 1e-8; where scipy still returns no number the other form
    is tried, then :func:`_log_tail_quadrature`.
    """
    p, q, a, b, t = np.broadcast_arrays(*(np.asarray(v, float) for v in (p, q, a, b, t)))
    k = p + q - 1
    a_big = a >= b
    big = np.where(a_big, a, b) + t
    small = np.where(a_big, b, a) + t
    e = np.where(a_big, q, p)
    z = np.abs(a - b) / big

    def direct(i):
        return np.log(special.hyp2f1(k[i], e[i], k[i] + 1, z[i])) - k[i] * np.log(big[i])

    def euler(i):
        return (
            (1 - e[i]) * np.log(small[i])
            - (k[i] + 1 - e[i]) * np.log(big[i])
            + np.log(special.hyp2f1(k[i] + 1 - e[i], 1.0, k[i] + 1, z[i]))
        )

    out = np.empty(k.shape)
    use_euler = e >= 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out[use_euler] = euler(use_euler)
        out[~use_euler] = direct(~use_euler)
        for form, sel in ((direct, use_euler), (euler, ~use_euler)):
            bad = sel & ~np.isfinite(out)
            if bad.any():
                out[bad] = form(bad)
    bad = ~np.isfinite(out) & (e >= 1)
    if bad.any():
        quad = _log_tail_quadrature(e[bad], k[bad] + 1 - e[bad], small[bad], big[bad])
        out[bad] = quad + np.log(k[bad])  # the closed forms above still lack the 1/k
    return out - np.log(k)


@functools.cache
def _nodes():
    return special.roots_legendre(96), special.roots_laguerre(48)


def _log_tail_quadrature(e, e2, s0, big):
    """``log ∫_0^∞ (s0+u)^-e (big+u)^-e2 du`` by quadrature, for ``e >= 1``, ``s0 < big``.

    With ``u = s0 (e^w - 1)`` the integral is ``s0^(1-e) big^-e2 ∫ exp(-φ(w)) dw``,
    ``φ(w) = (e-1) w + e2 log(1 + ε(e^w - 1))``, ``ε = s0/big``. ``φ`` is increasing and
    convex, so with ``ψ = φ(w)`` (``w`` by Newton from the right) the integral is
    ``∫ e^-ψ / φ'(w(ψ)) dψ``. Up to ``w_s = log((1-ε)/ε)``, where ``φ'`` can grow by
    orders of magnitude, Gauss-Legendre in ``log(φ'(0) + ψ)``; beyond, where ``φ'``
    varies by less than a factor 2, Gauss-Laguerre. Against adaptive quadrature: within
    1e-9 in log for ``k = e + e2 - 1 > 5``, the only case it is used for.
    """
    (xg, wg), (xl, wl) = _nodes()
    eps = (s0 / big)[:, None]
    coef = ((e - 1)[:, None], e2[:, None], np.log(eps), np.log1p(-eps))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        c1, c2, log_eps, log_rest = coef
        lam0 = c1 + c2 * eps
        w_s = np.maximum(log_rest - log_eps, 0.0)
        psi_s = np.minimum(_phi(w_s, *coef)[0], 80.0)
        r0, r1 = np.log(lam0), np.log(lam0 + psi_s)
        psi = np.maximum(np.exp((r1 + r0) / 2 + (r1 - r0) / 2 * xg) - lam0, 0.0)
        near = ((r1 - r0) / 2 * wg * np.exp(-psi) * (lam0 + psi) / _dphi_at(psi, coef)).sum(1)
        far = np.zeros(len(e))
        tail = psi_s[:, 0] < 60.0  # beyond, e^-ψ leaves nothing to add
        if tail.any():
            sub = tuple(c[tail] for c in coef)
            far[tail] = np.exp(-psi_s[tail, 0]) * (wl / _dphi_at(psi_s[tail] + xl, sub)).sum(1)
        log_i = (1 - e) * np.log(s0) - e2 * np.log(big) + np.log(near + far)
    return np.where(e >= 1, log_i, np.nan)


def _phi(w, c1, c2, log_eps, log_rest):
    """``φ(w)`` and ``φ'(w)``; ``log(1 + ε(e^w - 1))`` is taken without overflow."""
    return (
        c1 * w + c2 * np.logaddexp(log_rest, log_eps + w),
        c1 + c2 / (1 + np.exp(log_rest - log_eps - w)),
    )


def _dphi_at(psi, coef):
    """``φ'(w)`` where ``φ(w) = ψ``, ``w`` by Newton.

    ``φ(w) >= φ'(0) w`` and ``φ(w) >= (e-1+e2) w + e2 log ε``, so the smaller of the
    two roots of these bounds is right of the root, from where Newton on the convex
    ``φ`` converges monotonically.
    """
    c1, c2, log_eps, log_rest = coef
    lam0 = c1 + c2 * np.exp(log_eps)
    w = np.maximum(np.minimum(psi / lam0, (psi - c2 * log_eps) / (c1 + c2)), 0.0)
    for _ in range(60):
        f, df = _phi(w, *coef)
        step = (f - psi) / df
        w = w - step
        if not (np.abs(step) > 1e-13 * np.maximum(1.0, np.abs(w))).any():
            break
    return _phi(w, *coef)[1]


def _pop_growth(s: float, base, t):
    """``base/(s-1) · (1 - (base/(base+t))^(s-1))``, tending to ``base·log(1+t/base)`` at s=1."""
    lg = np.log1p(np.asarray(t, float) / base)
    if abs(s - 1) < 1e-8:
        return base * lg
    return -base * np.expm1(-(s - 1) * lg) / (s - 1)


class _Rows:
    """Rows prepared once per fit; the 2F1 terms depend on (x, t) pairs only.

    Rows that may have died in ``(t_x, T]`` (``t_x < T``) come first; distinct ``T``
    and distinct ``(x, t)`` pairs (``t`` either ``t_x`` or ``T``) are coded.
    """

    def __init__(self, x, tx, T, w):
        order = np.argsort(tx >= T, kind="stable")
        x, tx, T, w = x[order], tx[order], T[order], w[order]
        self.n_dead = int((tx < T).sum())
        self.x, self.w = x, w
        self.ux, inv = np.unique(x, return_inverse=True)
        self.wx = np.bincount(inv, weights=w)
        self.iT, self.uT = pd.factorize(T)
        codes, first = factorize_rows([np.concatenate([x, x]), np.concatenate([tx, T])])
        self.px = np.concatenate([x, x])[first]
        self.pt = np.concatenate([tx, T])[first]
        n = self.n_dead
        self.i_tx, self.i_T = codes[:n], codes[len(x) : len(x) + n]


def _log_g(d: _Rows, r, alpha, s, beta):
    """log G(x, t) = log s + log J(t) on the pairs."""
    return np.log(s) + log_tail_integral(r + d.px, s + 1.0, alpha, beta, d.pt)


def _dlog_g(d: _Rows, r, alpha, s, beta, lj):
    """Gradient of log G in (r, α, s, β) on the pairs: exact in α, β; r, s by differences."""
    p, q, t = r + d.px, s + 1.0, d.pt
    hp, hq = 3e-5 * p, 3e-5 * q

    def lti(pp, qq):
        return log_tail_integral(pp, qq, alpha, beta, t)

    return np.stack(
        [
            (lti(p + hp, q) - lti(p - hp, q)) / (2 * hp),
            -p * np.exp(lti(p + 1, q) - lj),
            1 / s + (lti(p, q + hq) - lti(p, q - hq)) / (2 * hq),
            -q * np.exp(lti(p, q + 1) - lj),
        ]
    )


def _loglik(params, d: _Rows, grad: bool = False):
    """Weighted Pareto/NBD log-likelihood and (with ``grad``) its gradient."""
    r, alpha, s, beta = params
    n = d.n_dead
    lg = _log_g(d, r, alpha, s, beta)
    la_u, lb_u = np.log(alpha + d.uT), np.log(beta + d.uT)
    alive = -(r + d.x) * la_u[d.iT] - s * lb_u[d.iT]
    g_tx, g_T = lg[d.i_tx], lg[d.i_T]
    with np.errstate(divide="ignore"):
        log_dead = g_tx + np.log(-np.expm1(np.minimum(g_T - g_tx, 0.0)))
    total = alive.copy()
    total[:n] = np.logaddexp(alive[:n], log_dead)
    ux, wx = d.ux, d.wx
    a1 = special.gammaln(r + ux) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    ll = float(wx @ a1 + d.w @ total)
    if not grad:
        return ll
    dlg = _dlog_g(d, r, alpha, s, beta, lg - np.log(s))
    e_alive = d.w * np.exp(alive - total)
    wn = d.w[:n]
    e_pairs = np.bincount(d.i_tx, wn * np.exp(g_tx - total[:n]), minlength=len(lg))
    e_pairs -= np.bincount(d.i_T, wn * np.exp(g_T - total[:n]), minlength=len(lg))
    a_T = np.bincount(d.iT, e_alive, minlength=len(d.uT))
    ax_T = np.bincount(d.iT, e_alive * d.x, minlength=len(d.uT))
    g = dlg @ e_pairs
    g += [
        wx @ (special.digamma(r + ux) - special.digamma(r) + np.log(alpha)) - a_T @ la_u,
        wx.sum() * r / alpha - (r * a_T + ax_T) @ (1 / (alpha + d.uT)),
        wx.sum() * np.log(beta) - a_T @ lb_u,
        wx.sum() * s / beta - s * a_T @ (1 / (beta + d.uT)),
    ]
    return ll, g


class ParetoNBDModel(BaseEstimator):
    """Pareto/NBD fitted by maximum likelihood on grouped (frequency, recency, T) rows.

    Parameters
    ----------
    weights_col : str or None
        Optional column of row weights (e.g. counts of identical customers); multiplied
        with the counts of identical rows found by the fit.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (purchase rate λ ~ Gamma(r, α)), ``s``, ``beta`` (dropout rate
        μ ~ Gamma(s, β)), in the time unit of the input.
    loglik_ : float
        Maximised log-likelihood (full, constants included).
    n_rows_ : int
        Distinct rows the likelihood was evaluated on.

    Examples
    --------
    >>> from analysis.clv.simulate import simulate_pareto_nbd
    >>> df = simulate_pareto_nbd(2000, {"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7},
    ...                          T=39, seed=1)
    >>> m = ParetoNBDModel().fit(df)
    >>> round(m.params_["r"], 1), round(m.params_["alpha"])
    (0.5, 10)
    >>> bool(((m.predict_p_alive(df) > 0) & (m.predict_p_alive(df) <= 1)).all())
    True
    """

    # Benchmarks switch grouping off to time the same likelihood on every row.
    _aggregate = True

    def __init__(self, weights_col: str | None = None):
        self.weights_col = weights_col

    def fit(self, df: pd.DataFrame) -> ParetoNBDModel:
        """Fit on columns ``frequency``, ``recency``, ``T``; returns ``self``."""
        x, tx, T = _arrays(df, "Pareto/NBD")
        w = row_weights(df, self.weights_col)
        if len(x) < 2 or (x > 0).sum() < 1:
            raise ValueError("Pareto/NBD needs at least two customers and one repeat purchase")
        if self._aggregate:
            (x, tx, T), w = group_rows([x, tx, T], w)
        d = _Rows(x, tx, T, w)
        total = w.sum()

        def nll(theta):
            ll, g = _loglik(np.exp(theta), d, grad=True)
            return -ll / total, -g * np.exp(theta) / total

        scale = max(float(np.average(T, weights=w)), 1e-3)
        rate = max(float(np.average(x, weights=w)), 0.1) / scale
        starts = [np.log([1.0, 1.0 / rate, 1.0, scale]), np.log([0.5, 0.5 / rate, 0.5, scale / 2])]
        # shapes above e^7 (~1,100) mean homogeneous rates: the likelihood is then flat
        # towards infinity and each step there costs seconds (2F1 by quadrature)
        bounds = [(-15.0, 7.0), (-15.0, 15.0), (-15.0, 7.0), (-15.0, 15.0)]
        res = minimize_logparams(nll, starts, bounds=bounds, names=["r", "alpha", "s", "beta"])
        r, alpha, s, beta = np.exp(res.x)
        self.params_ = {"r": float(r), "alpha": float(alpha), "s": float(s), "beta": float(beta)}
        self.loglik_ = float(-res.fun * total)
        self.n_rows_ = int(len(x))
        return self

    def _params(self):
        check_is_fitted(self, "params_")
        p = self.params_
        return p["r"], p["alpha"], p["s"], p["beta"]

    def _log_alive_dead(self, df: pd.DataFrame):
        """Log-likelihood terms: alive at ``T``, and dropped out in ``(t_x, T]``."""
        r, alpha, s, beta = self._params()
        x, tx, T = _arrays(df, "Pareto/NBD")
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        g_tx = np.log(s) + log_tail_integral(r + x, s + 1, alpha, beta, tx)
        g_T = np.log(s) + log_tail_integral(r + x, s + 1, alpha, beta, T)
        diff = np.minimum(g_T - g_tx, 0.0)
        with np.errstate(divide="ignore"):
            dead = np.where(diff < 0, g_tx + np.log(-np.expm1(diff)), -np.inf)
        return alive, dead

    def predict_p_alive(self, df: pd.DataFrame) -> np.ndarray:
        """P(a customer has not dropped out by ``T``), given ``(frequency, recency, T)``."""
        alive, dead = self._log_alive_dead(df)
        return np.exp(alive - np.logaddexp(alive, dead))

    def predict_purchases(self, df: pd.DataFrame, t) -> np.ndarray:
        """Expected purchases in ``(T, T+t]`` given each customer's history (eq. 41).

        ``P(alive) · (r+x)(β+T) / ((α+T)(s-1)) · (1 - ((β+T)/(β+T+t))^(s-1))``.
        """
        r, alpha, s, beta = self._params()
        x, _, T = _arrays(df, "Pareto/NBD")
        rate = (r + x) / (alpha + T)
        return self.predict_p_alive(df) * rate * _pop_growth(s, beta + T, t)

    def predict_p_no_purchase(self, df: pd.DataFrame, t) -> np.ndarray:
        """P(no purchase in ``(T, T+t]``) given each customer's history.

        ``1 - P(alive) · P(purchase within t | alive)``. Alive at ``T``, the rates have
        posteriors λ ~ Gamma(r+x, α+T) and μ ~ Gamma(s, β+T); a purchase comes at ``u``
        before death with density ``E[λ e^-λu] E[e^-μu]``, so with ``A = α+T``,
        ``B = β+T``: ``P(purchase within t | alive) = (r+x) A^(r+x) B^s ∫_0^t
        (A+u)^-(r+x+1) (B+u)^-s du``, a difference of two 2F1 closed forms.
        """
        r, alpha, s, beta = self._params()
        x, _, T = _arrays(df, "Pareto/NBD")
        t = np.broadcast_to(np.asarray(t, float), x.shape)
        A, B, p = alpha + T, beta + T, r + x + 1
        j0 = log_tail_integral(p, s, A, B, 0.0)
        jt = log_tail_integral(p, s, A, B, t)
        with np.errstate(divide="ignore"):
            log_buy = np.log(r + x) + (r + x) * np.log(A) + s * np.log(B) + j0
            log_buy = log_buy + np.log(-np.expm1(np.minimum(jt - j0, 0.0)))
        buy = np.where(t > 0, np.exp(log_buy), 0.0)
        return 1.0 - self.predict_p_alive(df) * buy

    def predict_p_alive_after(self, df: pd.DataFrame, t) -> np.ndarray:
        """P(still alive at ``T+t``) with no information after ``T``: ``P(alive)·E[e^-μt]``.

        ``E[e^-μt] = ((β+T)/(β+T+t))^s`` under the posterior μ ~ Gamma(s, β+T).
        """
        _, _, s, beta = self._params()
        _, _, T = _arrays(df, "Pareto/NBD")
        return self.predict_p_alive(df) * ((beta + T) / (beta + T + np.asarray(t, float))) ** s

    def expected_purchases_population(self, t) -> np.ndarray:
        """E[X(t)] for a new customer: ``r β / (α (s-1)) · (1 - (β/(β+t))^(s-1))`` (eq. 27)."""
        r, alpha, s, beta = self._params()
        t = np.maximum(np.asarray(t, float), 0.0)
        return r / alpha * _pop_growth(s, beta, t)
