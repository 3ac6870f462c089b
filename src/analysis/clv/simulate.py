"""Simulated customers with known parameters, for planted-truth tests and benchmarks.

Each function draws customer-level rates from the model's mixing distributions and
returns the summary the model is fitted on (``frequency``, ``recency``, ``T``), the
true state at ``T`` (``alive``), and optionally the purchases in a later window, so
predictions can be compared with what happened. Times are continuous unless ``T`` and
``resolution`` make them whole multiples of ``resolution`` (e.g. days in weeks: 1/7).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["simulate_bgnbd", "simulate_pareto_nbd", "simulate_spend"]


def _frame(x, tx, T, alive, future, resolution):
    if resolution:
        # a purchase time rounds up to the end of its day, never past T
        tx = np.minimum(np.ceil(tx / resolution - 1e-9) * resolution, T)
    out = pd.DataFrame({"frequency": x.astype(float), "recency": tx, "T": T, "alive": alive})
    if future is not None:
        out["frequency_future"] = future.astype(float)
    return out


def _last_of(rng, n_events, window):
    """Time of the last of ``n`` uniform events on ``(0, window]`` (0 when ``n = 0``)."""
    u = rng.random(len(n_events))
    return np.where(n_events > 0, window * u ** (1 / np.maximum(n_events, 1)), 0.0)


def simulate_pareto_nbd(
    n: int,
    params: dict,
    T,
    *,
    future: float | None = None,
    resolution: float | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Customers from a Pareto/NBD with ``params`` = {r, alpha, s, beta}.

    Parameters
    ----------
    n : int
        Customers.
    T : float or array of length n
        Time from each customer's first purchase to the end of calibration.
    future : float, optional
        Length of a window after ``T``; adds ``frequency_future`` (purchases in it)
        and ``alive_future`` (alive at its end).
    resolution : float, optional
        Round recency up to this grid (``T`` should already be on it).

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T``, ``alive`` (bool, at ``T``),
        ``lambda``, ``mu``, and with ``future``: ``frequency_future``, ``alive_future``.

    Examples
    --------
    >>> df = simulate_pareto_nbd(1000, {"r": 0.5, "alpha": 10, "s": 0.6, "beta": 12}, 39)
    >>> bool((df["recency"] <= df["T"]).all())
    True
    """
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, float), (n,)).copy()
    lam = rng.gamma(params["r"], 1 / params["alpha"], n)
    mu = rng.gamma(params["s"], 1 / params["beta"], n)
    death = rng.exponential(1 / np.maximum(mu, 1e-300))
    window = np.minimum(death, T)
    x = rng.poisson(lam * window)
    tx = _last_of(rng, x, window)
    fut = None
    if future is not None:
        fut = rng.poisson(lam * np.clip(death - T, 0.0, future))
    out = _frame(x, tx, T, death > T, fut, resolution)
    out["lambda"], out["mu"] = lam, mu
    if future is not None:
        out["alive_future"] = death > T + future
    return out


def simulate_bgnbd(
    n: int,
    params: dict,
    T,
    *,
    future: float | None = None,
    resolution: float | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Customers from a BG/NBD with ``params`` = {r, alpha, a, b}.

    Purchases follow a Poisson(λ) process; after each repeat purchase the customer
    drops out with probability ``p`` ~ Beta(a, b). Same columns as
    :func:`simulate_pareto_nbd` with ``p`` instead of ``mu``.

    Examples
    --------
    >>> df = simulate_bgnbd(1000, {"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4}, 39)
    >>> bool((df.loc[df["frequency"] == 0, "alive"]).all())
    True
    """
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, float), (n,)).copy()
    lam = rng.gamma(params["r"], 1 / params["alpha"], n)
    p = rng.beta(params["a"], params["b"], n)
    # repeat purchases made before (and including) the one followed by dropout
    k = rng.geometric(np.maximum(p, 1e-300))
    n_T = rng.poisson(lam * T)
    x = np.minimum(n_T, k)
    # the x-th of n_T uniform arrival times on (0, T]
    tx = np.where(x > 0, T * rng.beta(np.maximum(x, 1), n_T - x + 1), 0.0)
    alive = n_T < k
    fut = alive_future = None
    if future is not None:
        n_f = rng.poisson(lam * future)
        fut = np.where(alive, np.minimum(n_f, k - n_T), 0)
        alive_future = alive & (n_f < k - n_T)
    out = _frame(x, tx, T, alive, fut, resolution)
    out["lambda"], out["p"] = lam, p
    if future is not None:
        out["alive_future"] = alive_future
    return out


def simulate_spend(
    frequency, params: dict, *, seed: int = 0, decimals: int | None = 2
) -> np.ndarray:
    """Mean spend per repeat purchase from a Gamma-Gamma with ``params`` = {p, q, v}.

    Each customer's mean transaction value ``p/ν`` has ν ~ Gamma(q, v); the mean of
    ``x`` transactions is Gamma(p·x, ν·x). Zero for ``frequency = 0``; rounded to
    ``decimals`` (cents by default).

    Examples
    --------
    >>> m = simulate_spend(np.array([0, 1, 4]), {"p": 6, "q": 4, "v": 15})
    >>> float(m[0]), bool((m[1:] > 0).all())
    (0.0, True)
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, float)
    nu = rng.gamma(params["q"], 1 / params["v"], len(x))
    shape = np.maximum(params["p"] * x, 1e-12)
    m = np.where(x > 0, rng.gamma(shape, 1 / (nu * np.maximum(x, 1))), 0.0)
    if decimals is not None:
        m = np.round(m, decimals)
    return m
