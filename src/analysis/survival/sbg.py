"""Shifted beta-geometric (sBG) retention for contract cohorts.

Fader & Hardie (2007), "How to project customer retention", *Journal of Interactive
Marketing* 21(1): each customer renews at the end of every period with their own
probability ``1 - theta``, and ``theta`` varies across customers as Beta(alpha, beta).
Ages count whole periods since a customer joined. The lifetime ``T`` is the period in
which the customer is lost (``T = 1`` for a loss before the first renewal), and

- ``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)``, ``t = 1, 2, ...``
- ``S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta)``, ``S(0) = 1``: the share
  still active at age ``t``
- retention rate ``r_t = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)``,
  which rises with ``t``: heterogeneity, not any change in a customer, makes an old
  cohort look more loyal.

Data: survivors ``n_t`` are the customers still active at age ``t`` (``n_0`` is the
cohort size); ``n_{t-1} - n_t`` were lost in period ``t``; a customer last seen active
at age ``t`` is right-censored and contributes ``log S(t)`` to the likelihood.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, hyp2f1
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

__all__ = ["ShiftedBetaGeoModel"]


def _counts(values, name: str, min_len: int) -> np.ndarray:
    a = np.asarray(values, dtype=float)
    if a.ndim not in (1, 2) or a.shape[-1] < min_len:
        raise ValueError(f"{name}: expected a 1-D or 2-D array of counts, got shape {a.shape}")
    if not np.all(np.isfinite(a)) or (a < 0).any():
        raise ValueError(f"{name}: counts must be finite and non-negative")
    return a


def _ages(t) -> np.ndarray:
    a = np.asarray(t, dtype=float)
    if (a < 0).any() or not np.all(np.isfinite(a)):
        raise ValueError("t: periods must be finite and non-negative")
    return a


class ShiftedBetaGeoModel(BaseEstimator):
    """Shifted beta-geometric model of contract retention (Fader & Hardie 2007).

    Maximum likelihood with the analytic gradient, on the mean churn ``alpha / (alpha
    + beta)`` and the polarisation ``1 / (alpha + beta + 1)`` so that the geometric
    limit (no heterogeneity) is a reachable boundary rather than a run to infinity.
    Cohorts of different ages pool through right-censoring (:meth:`fit_counts`).

    Parameters
    ----------
    tol : float
        Projected-gradient tolerance of the optimiser (L-BFGS-B ``gtol``).
    max_iter : int
        Iteration limit of the optimiser.

    Attributes
    ----------
    params_ : dict
        ``{"alpha": float, "beta": float}``; both ``inf`` when ``boundary_``.
    churn_rate_ : float
        ``alpha / (alpha + beta)``: the expected share of a new cohort lost in period 1.
    loglik_ : float
        Log-likelihood at the maximum.
    polarization_ : float
        ``1 / (alpha + beta + 1)``: 0 when every customer churns at the same rate,
        towards 1 when customers either leave at once or never (Fader & Hardie).
    boundary_ : bool
        True when the best fit is the geometric limit (``polarization_ = 0``): churn
        does not fall with age, so the data show no heterogeneity for sBG to use and
        every customer churns at ``churn_rate_`` per period.
    n_customers_, n_lost_ : int
        Customers in the fit and how many of them were lost.
    n_periods_ : int
        Oldest age observed.
    converged_ : bool

    Examples
    --------
    Fader & Hardie's "regular" customers, years 0-7 (published alpha 0.704, beta 1.182):

    >>> m = ShiftedBetaGeoModel().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> round(m.params_["alpha"], 3), round(m.params_["beta"], 3)
    (0.704, 1.182)
    >>> (1000 * m.survival([8, 12])).round().tolist()
    [220.0, 170.0]
    """

    def __init__(self, tol: float = 1e-9, max_iter: int = 500):
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, survivors) -> ShiftedBetaGeoModel:
        """Fit one cohort from its survivors at ages ``0, 1, ..., n`` periods.

        Parameters
        ----------
        survivors : array-like of shape (n + 1,)
            Customers still active at each age; the first element is the cohort size.
            Non-increasing.

        Returns
        -------
        self
        """
        s = _counts(survivors, "survivors", 2)
        if s.ndim != 1:
            raise ValueError("survivors: one cohort only; use fit_counts for several")
        if (np.diff(s) > 0).any():
            raise ValueError("survivors: counts must not increase from one period to the next")
        alive = np.zeros_like(s)
        alive[-1] = s[-1]
        return self.fit_counts(alive, -np.diff(s))

    def fit_counts(self, alive, lost) -> ShiftedBetaGeoModel:
        """Fit from censored and lost counts, of one cohort or several of different ages.

        The log-likelihood is ``sum_t lost[t-1] log P(T = t) + sum_t alive[t] log S(t)``.

        Parameters
        ----------
        alive : array-like of shape (n + 1,) or (k, n + 1)
            ``alive[t]``: customers last observed still active at age ``t`` (right-
            censored), ``t = 0, ..., n``. A cohort observed for ``a`` periods puts its
            survivors at ``alive[a]``.
        lost : array-like of shape (n,) or (k, n)
            ``lost[t - 1]``: customers lost in period ``t = 1, ..., n``. Rows of 2-D
            input are cohorts; they are summed, since the likelihood adds up.

        Returns
        -------
        self

        Examples
        --------
        Two cohorts, one observed for two periods and one for a single period:

        >>> alive = [[0, 0, 40], [0, 70, 0]]
        >>> lost = [[40, 20], [30, 0]]
        >>> m = ShiftedBetaGeoModel().fit_counts(alive, lost)
        >>> m.n_customers_, m.n_lost_, m.n_periods_
        (200, 90, 2)
        """
        alive = _counts(alive, "alive", 1)
        lost = _counts(lost, "lost", 1)
        if alive.ndim != lost.ndim or alive.shape[-1] != lost.shape[-1] + 1:
            raise ValueError(
                f"alive has shape {alive.shape} and lost {lost.shape}: alive needs one more "
                "column (ages 0..n) than lost (periods 1..n), with as many rows"
            )
        if alive.ndim == 2:
            if alive.shape[0] != lost.shape[0]:
                raise ValueError("alive and lost: one row per cohort in both")
            alive, lost = alive.sum(axis=0), lost.sum(axis=0)
        if lost.sum() == 0:
            raise ValueError("lost: no customer was lost, so the sBG likelihood has no maximum")
        if alive[1:].sum() == 0 and lost[1:].sum() == 0:
            raise ValueError("lost: every customer left in period 1; beta is not identified")
        n_total = alive.sum() + lost.sum()
        # survived[s - 1]: customers seen to pass age s (lost later or censored at >= s)
        later = np.r_[lost[::-1].cumsum()[::-1][1:], 0.0]
        survived = later + alive[::-1].cumsum()[::-1][1:]
        s = np.arange(1, len(lost) + 1, dtype=float)

        def objective(z):
            # Parametrised by the mean churn mu = alpha / (alpha + beta) and the
            # polarisation phi = 1 / (alpha + beta + 1), the sBG hazard at age s is
            # mu (1 - phi) / (1 + (s - 2) phi): smooth on phi in [0, 1), and phi = 0
            # is the geometric model, where alpha and beta are infinite.
            mu, phi = z
            den = 1.0 + (s - 2.0) * phi
            g = np.where(s == 1, 1.0, (1.0 - phi) / den)
            h = mu * g
            ll = lost @ np.log(h) + survived @ np.log1p(-h)
            dh = lost / h - survived / (1.0 - h)
            grad = np.array([dh @ g, dh @ (-mu * (s - 1.0) / den**2)])
            return -ll / n_total, -grad / n_total

        theta = lost.sum() / (lost @ s + alive @ np.arange(len(alive)))
        lower, upper = np.array([1e-12, 0.0]), np.array([1 - 1e-12, 1 - 1e-9])
        best = None
        for phi0 in (0.05, 0.5):
            res = minimize(
                objective,
                x0=np.array([np.clip(theta, 1e-6, 1 - 1e-6), phi0]),
                jac=True,
                method="L-BFGS-B",
                bounds=list(zip(lower, upper, strict=True)),
                options={"gtol": self.tol, "ftol": 1e-15, "maxiter": self.max_iter},
            )
            if best is None or res.fun < best.fun:
                best = res
        mu, phi = (float(v) for v in best.x)
        # L-BFGS-B may stop "abnormally" in the line search when already at the optimum:
        # judge by the projected gradient (a bound holding the optimum back counts 0)
        pg = np.where((best.x <= lower) & (best.jac > 0), 0.0, best.jac)
        pg = np.where((best.x >= upper) & (pg < 0), 0.0, pg)
        self.converged_ = bool(best.success or np.max(np.abs(pg)) < 1e-6)
        if not self.converged_:
            warnings.warn(
                f"sBG fit did not converge: {best.message}", ConvergenceWarning, stacklevel=2
            )
        # Churn that does not fall with age shows none of the heterogeneity sBG
        # assumes: the best fit is the geometric limit phi = 0 (alpha, beta infinite).
        self.boundary_ = phi < 1e-9
        if self.boundary_:
            phi = 0.0
            self.params_ = {"alpha": np.inf, "beta": np.inf}
        else:
            k = (1.0 - phi) / phi
            self.params_ = {"alpha": mu * k, "beta": (1.0 - mu) * k}
        self.churn_rate_ = mu
        self.polarization_ = phi
        self.loglik_ = float(-objective(np.array([mu, phi]))[0] * n_total)
        self.n_customers_ = int(round(n_total))
        self.n_lost_ = int(round(lost.sum()))
        self.n_periods_ = int(np.max(np.nonzero(np.r_[0, lost] + alive)[0]))
        return self

    def _ab(self) -> tuple[float, float]:
        check_is_fitted(self, "params_")
        return self.params_["alpha"], self.params_["beta"]

    def survival(self, t) -> np.ndarray:
        """``S(t) = P(T > t)``: the share of a new cohort still active at age ``t`` periods.

        Examples
        --------
        >>> m = ShiftedBetaGeoModel().fit([100, 60, 45, 37])
        >>> float(m.survival(0))
        1.0
        """
        a, b = self._ab()
        t = _ages(t)
        if self.boundary_:
            return (1.0 - self.churn_rate_) ** t
        return np.exp(betaln(a, b + t) - betaln(a, b))

    def churn_probability(self, t) -> np.ndarray:
        """``P(T = t)``: the share of a new cohort lost in period ``t`` (0 for ``t = 0``).

        Examples
        --------
        >>> m = ShiftedBetaGeoModel().fit([100, 60, 45, 37])
        >>> bool(np.isclose(m.churn_probability(2), m.survival(1) - m.survival(2)))
        True
        """
        a, b = self._ab()
        t = _ages(t)
        t1 = np.maximum(t, 1)
        if self.boundary_:
            p = self.churn_rate_ * (1.0 - self.churn_rate_) ** (t1 - 1)
        else:
            p = np.exp(betaln(a + 1, b + t1 - 1) - betaln(a, b))
        return np.where(t >= 1, p, 0.0)

    def retention_rate(self, t) -> np.ndarray:
        """``r_t = (beta + t - 1) / (alpha + beta + t - 1)``: the share of customers active at
        age ``t - 1`` who are still active at age ``t``, ``t >= 1``.

        Examples
        --------
        >>> m = ShiftedBetaGeoModel().fit([100, 60, 45, 37])
        >>> bool(np.isclose(m.retention_rate(3), m.survival(3) / m.survival(2)))
        True
        """
        check_is_fitted(self, "params_")
        t = _ages(t)
        if (t < 1).any():
            raise ValueError("t: the retention rate is defined for periods t >= 1")
        # the hazard form of fit_counts: finite at the geometric boundary too
        mu, phi = self.churn_rate_, self.polarization_
        return 1.0 - np.where(t == 1, mu, mu * (1.0 - phi) / (1.0 + (t - 2.0) * phi))

    def expected_lifetime(self, discount: float | None = None) -> float:
        """Expected periods a new customer stays (and pays), ``sum_t S(t) / (1 + d)^t``.

        Without ``discount``: ``E[T] = (alpha + beta - 1) / (alpha - 1)``, infinite when
        ``alpha <= 1`` (enough customers almost never leave); ``1 / churn_rate_`` at
        the geometric boundary. With ``discount`` ``d > 0`` per period: the discounted
        expected lifetime ``2F1(1, beta; alpha + beta; 1 / (1 + d))`` of Fader & Hardie
        (2010), the first period undiscounted; times a per-period margin it is the
        expected value of a new customer. It is computed as ``1 + DERL(1) / (1 + d)``
        (:meth:`discounted_expected_residual_lifetime`).

        Examples
        --------
        >>> m = ShiftedBetaGeoModel().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> m.expected_lifetime()
        inf
        >>> round(m.expected_lifetime(discount=0.1), 2)
        3.69
        """
        a, b = self._ab()
        if discount is None:
            if self.boundary_:
                return float(1.0 / self.churn_rate_)
            return float((a + b - 1) / (a - 1)) if a > 1 else float("inf")
        # DEL = 1 + DERL(1) / (1 + d): the first period is paid now, then the renewals
        derl = self.discounted_expected_residual_lifetime(1, discount)
        return float(1.0 + derl / (1.0 + discount))

    def discounted_expected_residual_lifetime(self, n_periods_alive, discount: float):
        """DERL: discounted expected future renewals of a customer active for ``n`` periods.

        Fader & Hardie (2010), "Customer-base valuation in a contractual setting: the
        perils of ignoring heterogeneity", *Marketing Science* 29(1), eq. 6: for a
        customer who has made ``n - 1`` renewals and is about to decide on the next,

        ``DERL = (beta + n - 1) / (alpha + beta + n - 1) * 2F1(1, beta + n; alpha +
        beta + n; 1 / (1 + d))``,

        the next payment undiscounted. Times the margin it is the residual value.

        Parameters
        ----------
        n_periods_alive : int or array-like of int
            The period the customer is in: 1 before any renewal, ``n`` after ``n - 1``
            renewals. A customer last seen active at age ``a`` (``a`` renewals) has
            ``n = a + 1``.
        discount : float
            Discount rate per period, ``> 0``.

        Examples
        --------
        >>> m = ShiftedBetaGeoModel().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> m.discounted_expected_residual_lifetime([1, 5], 0.1).round(2).tolist()
        [2.96, 5.89]
        """
        a, b = self._ab()
        n = np.asarray(n_periods_alive, dtype=float)
        if (n < 1).any() or (n != np.floor(n)).any():
            raise ValueError("n_periods_alive: whole periods, at least 1 (the first period)")
        if not discount > 0:
            raise ValueError(f"discount: must be > 0 per period, got {discount}")
        x = 1.0 / (1.0 + discount)
        if self.boundary_:
            q = 1.0 - self.churn_rate_
            return np.full(n.shape, q / (1.0 - q * x))[()]
        r = (b + n - 1) / (a + b + n - 1)
        out = np.atleast_1d(r * hyp2f1(1.0, b + n, a + b + n, x))
        # scipy's 2F1 gives NaN once alpha + beta reaches the hundreds: sum the series
        for i in np.flatnonzero(~np.isfinite(out)):
            out.flat[i] = self._derl_series(float(np.atleast_1d(n).flat[i]), x)
        return out.reshape(n.shape)[()]

    def _derl_series(self, n: float, x: float) -> float:
        """``sum_k x^k S(n + k) / S(n - 1)`` term by term, in the hazard form."""
        k = int(np.ceil(np.log(1e-17) / np.log(x))) + 1
        if k > 5_000_000:
            raise ValueError("discount: too small to sum the series (below about 1e-5)")
        mu, phi = self.churn_rate_, self.polarization_
        s = n + np.arange(k, dtype=float)
        h = np.where(s == 1, mu, mu * (1.0 - phi) / (1.0 + (s - 2.0) * phi))
        return float(np.exp(np.cumsum(np.log1p(-h)) + np.arange(k) * np.log(x)).sum())
