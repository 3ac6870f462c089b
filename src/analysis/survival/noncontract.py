"""Non-contract churn by model: declared when P(alive) falls below a backtested threshold.

A non-contract customer never says they have left. The purchase model (BG/NBD or
Pareto/NBD, whichever predicts the holdout better) gives each customer's probability of
still being a customer, P(alive), from how often and how recently they bought. A
customer counts as churned once P(alive) is below ``tau``; ``tau`` is the largest
candidate at which no more than :data:`MAX_RETURN_RATE` of the customers so counted one
horizon earlier bought again within the horizon (:func:`choose_alive_threshold`).

Because P(alive) falls with silence at a pace set by the customer's own rhythm, a
monthly buyer is declared after a shorter silence than a twice-a-year buyer, and the
churn probability within the horizon is the model's probability of no purchase until
that point (:func:`churn_within`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "MAX_RETURN_RATE",
    "fit_purchase_models",
    "silence_left",
    "not_yet_churned",
    "backtest_churn",
    "TAU_CANDIDATES",
    "silence_until_churn",
    "choose_alive_threshold",
    "churn_within",
    "choose_purchase_model",
]

#: Largest share of customers counted as churned who buy again within the horizon.
MAX_RETURN_RATE = 0.10
#: P(alive) thresholds tried by the backtest.
TAU_CANDIDATES = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)


def _with_age(rfm: pd.DataFrame, extra: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {"frequency": rfm["frequency"].to_numpy(float), "recency": rfm["recency"].to_numpy(float),
         "T": rfm["T"].to_numpy(float) + extra}, index=rfm.index,
    )  # fmt: skip


def silence_until_churn(
    model, rfm: pd.DataFrame, tau: float, *, max_units: float, since_last: bool = False
) -> np.ndarray:
    """Further silence (in the model's units) after which P(alive) falls below ``tau``.

    Measured from ``T`` (today), or from the last purchase when ``since_last``. 0 when
    it is below already; ``inf`` when it stays above for ``max_units`` (BG/NBD keeps
    a one-time buyer alive for ever). P(alive) only falls while a customer is silent,
    so bisection (to within a day of 1/7 unit) finds the crossing.
    """
    base = rfm.copy()
    if since_last:
        base = _with_age(rfm, 0.0)
        base["T"] = base["recency"]
    lo = np.zeros(len(base))
    hi = np.full(len(base), float(max_units))
    below_now = model.predict_p_alive(base) < tau
    below_max = model.predict_p_alive(_with_age(base, hi)) < tau
    for _ in range(int(np.ceil(np.log2(max(max_units * 7, 2)))) + 1):
        mid = (lo + hi) / 2
        below = model.predict_p_alive(_with_age(base, mid)) < tau
        hi = np.where(below, mid, hi)
        lo = np.where(below, lo, mid)
    out = np.where(below_now, 0.0, hi)
    return np.where(below_max | below_now, out, np.inf)


def fit_purchase_models(rfm: pd.DataFrame, codes=None) -> dict:
    """Fit each purchase model of :data:`analysis.clv.PURCHASE_MODELS` that the data allow.

    A model that cannot be fitted (too little data) is left out; the others compete.
    """
    from analysis.clv import PURCHASE_MODELS

    out = {}
    for code in codes or PURCHASE_MODELS:
        try:
            out[code] = PURCHASE_MODELS[code]().fit(rfm)
        except ValueError:
            continue
    return out


def _silent(rfm: pd.DataFrame) -> np.ndarray:
    return (rfm["T"] - rfm["recency"]).to_numpy(float)


def not_yet_churned(
    model, rfm: pd.DataFrame, *, tau: float, threshold_days: float | None = None
) -> pd.DataFrame:
    """The rows of ``rfm`` not counted as churned: P(alive) at least ``tau``, or, with a
    fixed rule, silent for no more than ``threshold_days`` (rfm in weeks)."""
    if threshold_days is not None:
        return rfm[_silent(rfm) * 7 <= threshold_days]
    return rfm[model.predict_p_alive(rfm) >= tau]


def silence_left(
    model, rfm: pd.DataFrame, *, tau: float, horizon: float, threshold_days: float | None = None
) -> np.ndarray:
    """Weeks of further silence until each customer counts as churned (inf: beyond
    ``horizon``): P(alive) falling below ``tau`` (:func:`silence_until_churn`), or the
    fixed rule of ``threshold_days`` without a purchase."""
    if threshold_days is not None:
        left = np.maximum(threshold_days / 7 - _silent(rfm), 0.0)
        return np.where(left <= horizon, left, np.inf)
    return silence_until_churn(model, rfm, tau, max_units=horizon)


def backtest_churn(
    model, cal_holdout: pd.DataFrame, *, tau: float, horizon: float,
    threshold_days: float | None = None,
) -> pd.DataFrame:  # fmt: skip
    """The list as of the calibration end against who was counted as churned since.

    For each customer not yet churned then (``model`` fitted on the calibration window
    of :func:`analysis.clv.calibration_and_holdout`): ``churn_prob`` as
    :func:`churn_within` gave it, and ``churned`` = 1 when they bought nothing until
    they came to count as churned within ``horizon``.
    """
    from analysis.clv import calibration_rfm

    rfm = calibration_rfm(cal_holdout)
    alive = not_yet_churned(model, rfm, tau=tau, threshold_days=threshold_days)
    left = silence_left(model, alive, tau=tau, horizon=horizon, threshold_days=threshold_days)
    prob = churn_within(model, alive, silence_left=left)["churn_prob"].to_numpy()
    end = pd.to_datetime(cal_holdout["first_purchase"]) + pd.to_timedelta(
        cal_holdout["T_cal"] * 7, unit="D"
    )
    waited = (cal_holdout["first_holdout_purchase"] - end).dt.days.reindex(alive.index)
    came_back = waited.to_numpy(float) <= left * 7  # NaN (never came back) is False
    churned = np.isfinite(left) & ~came_back
    return pd.DataFrame({"churn_prob": prob, "churned": churned.astype(int)}, index=alive.index)


def choose_alive_threshold(
    p_alive_then: np.ndarray,
    bought_after: np.ndarray,
    *,
    candidates=TAU_CANDIDATES,
    max_return_rate: float = MAX_RETURN_RATE,
) -> tuple[float, pd.DataFrame]:
    """The largest ``tau`` whose customers counted as churned rarely came back.

    Parameters
    ----------
    p_alive_then : array
        P(alive) one horizon before the period end.
    bought_after : array of bool
        Whether each customer bought within the horizon after that.

    Returns
    -------
    tau : float
        The largest candidate with a return rate at most ``max_return_rate`` (the
        smallest candidate when none qualifies).
    table : pandas.DataFrame
        Per candidate ``tau``: ``declared`` (customers), ``returned``, ``return_rate``.

    Examples
    --------
    >>> tau, tab = choose_alive_threshold(np.array([.02, .08, .3, .6]),
    ...                                   np.array([False, False, True, True]))
    >>> tau  # 0.4 would count the 0.3 customer, who came back: a third of those counted
    0.3
    """
    p = np.asarray(p_alive_then, float)
    b = np.asarray(bought_after, bool)
    rows = []
    for tau in candidates:
        d = p < tau
        n = int(d.sum())
        r = int((d & b).sum())
        rows.append({"tau": tau, "declared": n, "returned": r, "return_rate": r / n if n else 0.0})
    table = pd.DataFrame(rows)
    ok = table[table["return_rate"] <= max_return_rate]
    tau = float(ok["tau"].max()) if len(ok) else float(min(candidates))
    return tau, table


def churn_within(
    model, rfm: pd.DataFrame, tau: float | None = None, *, horizon: float | None = None,
    silence_left: np.ndarray | None = None,
) -> pd.DataFrame:  # fmt: skip
    """P(a customer is counted as churned within ``horizon`` units), for customers not yet.

    The customer is counted as churned when they stay silent for ``s`` more units:
    until P(alive) reaches ``tau`` (:func:`silence_until_churn`), or as given in
    ``silence_left`` (a fixed silence rule). The probability is the model's P(no
    purchase in the next ``s`` units) when ``s`` is finite (within the horizon), else 0.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``rfm``: ``churn_prob``, ``silence_left`` (units; inf when beyond
        the horizon), ``p_alive``.
    """
    if silence_left is None:
        if tau is None or horizon is None:
            raise ValueError("give tau and horizon, or silence_left")
        silence_left = silence_until_churn(model, rfm, tau, max_units=horizon)
    s = np.asarray(silence_left, float)
    within = np.isfinite(s)
    prob = np.zeros(len(rfm))
    if within.any():
        prob[within] = model.predict_p_no_purchase(rfm[within], s[within])
    return pd.DataFrame(
        {"churn_prob": np.clip(prob, 0, 1), "silence_left": s,
         "p_alive": model.predict_p_alive(rfm)}, index=rfm.index,
    )  # fmt: skip


def choose_purchase_model(
    models: dict, cal_holdout: pd.DataFrame, *, max_bucket: int = 7
) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """Choose the purchase model that best predicts the holdout.

    Two scores per fitted model, on :func:`analysis.clv.calibration_and_holdout`:

    - ``holdout_log_loss``: log loss of "bought at least once in the holdout" from
      ``predict_p_no_purchase`` (a proper score of the quantity P(alive) is about).
      The smallest wins.
    - ``weighted_mae``: :func:`analysis.clv.compare_holdout`'s error of mean holdout
      purchases per calibration frequency (Fader, Hardie and Lee 2005, Figure 4).
      Shown, not used to choose: on the sample it preferred Pareto/NBD and BG/NBD,
      and BG/NBD cannot let a one-time buyer leave (docs/decisions.md).

    Returns
    -------
    best : str
    table : pandas.DataFrame
        :func:`analysis.clv.compare_holdout`'s table (by calibration frequency).
    errors : pandas.DataFrame
        Per ``model``: ``holdout_log_loss``, ``weighted_mae``, ``predicted_total``,
        ``actual_total``.
    """
    from analysis.clv import calibration_rfm, compare_holdout

    table, errors = compare_holdout(models, cal_holdout, max_bucket=max_bucket)
    rfm = calibration_rfm(cal_holdout)
    bought = cal_holdout["frequency_holdout"].to_numpy() > 0
    t = cal_holdout["duration_holdout"].to_numpy(float)
    loss = {}
    for name, m in models.items():
        p = np.clip(1.0 - m.predict_p_no_purchase(rfm, t), 1e-12, 1 - 1e-12)
        loss[name] = float(-np.mean(np.where(bought, np.log(p), np.log1p(-p))))
    errors.insert(0, "holdout_log_loss", pd.Series(loss))
    errors = errors[["holdout_log_loss", "weighted_mae", "predicted_total", "actual_total"]]
    return str(errors["holdout_log_loss"].idxmin()), table, errors
