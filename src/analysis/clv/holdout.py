"""Calibration / holdout checks of the purchase models (Fader, Hardie and Lee 2005, §4).

Fit on a calibration window, then compare with what happened in a later holdout window:
conditional expectations by calibration frequency (FHL Figure 4) pick between BG/NBD and
Pareto/NBD; cumulative repeat purchases of the cohort, predicted against actual, week
by week (FHL Figure 1), show whether the model tracks the aggregate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analysis.clv.summary import compute_rfm_summary
from analysis.schema import AMOUNT, CUSTOMER_ID, ORDER_DATE

__all__ = [
    "calibration_and_holdout",
    "calibration_rfm",
    "compare_holdout",
    "compute_daily_repeat_purchases",
    "compute_tracking",
]

_RFM = {"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T"}


def _purchase_days(t: ir.Table, cid: str, date: str, amount: str, start, end) -> ir.Table:
    """Distinct (customer, day) purchase occasions in ``(start, end]``; refunds excluded."""
    keep = (t[date] <= ibis.date(end)) & (t[amount] >= 0) & t[cid].notnull()
    if start is not None:
        keep &= t[date] > ibis.date(start)
    t = t.filter(keep)
    return t.group_by(cid=t[cid].cast("string"), day=t[date].cast("date")).aggregate()


def calibration_and_holdout(
    transactions: ir.Table,
    *,
    calibration_end,
    observation_end,
    unit_days: float = 7.0,
    customers: Iterable | None = None,
    customer_id_col: str = CUSTOMER_ID,
    date_col: str = ORDER_DATE,
    amount_col: str = AMOUNT,
) -> pd.DataFrame:
    """Calibration summary and holdout purchase counts per customer.

    The calibration part is :func:`compute_rfm_summary` at ``calibration_end``
    (purchase days, refunds excluded); the holdout part counts purchase days in
    ``(calibration_end, observation_end]`` the same way, like lifetimes'
    ``calibration_and_holdout_data``. Customers are those with a purchase by
    ``calibration_end``; ``customers`` restricts them further (e.g. to non-contract
    customers).

    Parameters
    ----------
    transactions : ibis.Table
        Contract ``transactions``.
    calibration_end, observation_end : date-like
        Ends (inclusive) of the calibration and holdout windows.
    unit_days : float, default 7
        Length of a time unit in days.
    customers : iterable, optional
        Customer ids to keep.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``: ``frequency_cal``, ``recency_cal``, ``T_cal``,
        ``monetary_value_cal``, ``first_purchase``, ``frequency_holdout`` (purchase days
        in the holdout window), ``first_holdout_purchase`` (its first purchase day, NaT
        without one), ``duration_holdout`` (the window's length in units).

    Examples
    --------
    >>> tx = ibis.memtable(pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-20",
    ...                                   "2024-01-02"]).date, "amount": [5.0, 3.0, 4.0, 9.0]}))
    >>> ch = calibration_and_holdout(tx, calibration_end="2024-01-15",
    ...                              observation_end="2024-01-29")
    >>> ch[["frequency_cal", "frequency_holdout", "duration_holdout"]].to_dict("list")
    {'frequency_cal': [1.0, 0.0], 'frequency_holdout': [1, 0], 'duration_holdout': [2.0, 2.0]}
    """
    cal_end, obs_end = pd.Timestamp(calibration_end), pd.Timestamp(observation_end)
    if obs_end <= cal_end:
        raise ValueError(
            f"observation_end ({obs_end.date()}) must be after calibration_end ({cal_end.date()})"
        )
    cal = compute_rfm_summary(
        transactions,
        as_of=cal_end,
        customer_id_col=customer_id_col,
        date_col=date_col,
        amount_col=amount_col,
        unit_days=unit_days,
    )
    if customers is not None:
        cal = cal[cal.index.isin(pd.Index(list(customers)).astype(str))]
    out = cal.rename(
        columns={**{v: k for k, v in _RFM.items()}, "monetary_value": "monetary_value_cal"}
    )
    days = _purchase_days(
        transactions, customer_id_col, date_col, amount_col, cal_end.date(), obs_end.date()
    )
    counts = days.group_by(days.cid).aggregate(n=days.count(), first=days.day.min()).execute()
    counts.index = counts["cid"].astype(str)
    out["frequency_holdout"] = counts["n"].reindex(out.index).fillna(0).astype(int).to_numpy()
    first = pd.to_datetime(counts["first"]).reindex(out.index)
    out["first_holdout_purchase"] = first.to_numpy()
    out["duration_holdout"] = (obs_end - cal_end).days / unit_days
    return out


def calibration_rfm(cal_holdout: pd.DataFrame) -> pd.DataFrame:
    """The calibration columns under the names the purchase models read.

    Examples
    --------
    >>> ch = pd.DataFrame({"frequency_cal": [1.0], "recency_cal": [2.0], "T_cal": [3.0]})
    >>> list(calibration_rfm(ch).columns)
    ['frequency', 'recency', 'T']
    """
    return cal_holdout.rename(columns=_RFM)[list(_RFM.values())]


def compare_holdout(
    models: Mapping[str, object], cal_holdout: pd.DataFrame, max_bucket: int = 7
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Holdout purchases predicted by each model against actual, by calibration frequency.

    Each fitted model's ``predict_purchases`` over ``duration_holdout`` is averaged
    within buckets of ``frequency_cal`` (0 … ``max_bucket``-1 and ``max_bucket``+), as in
    Fader, Hardie and Lee (2005) Figure 4.

    Parameters
    ----------
    models : mapping of str to fitted model
        E.g. ``{"bgnbd": BetaGeoModel().fit(...), "pareto_nbd": ...}``; the keys become
        column and row names.
    cal_holdout : pandas.DataFrame
        Output of :func:`calibration_and_holdout`.

    Returns
    -------
    table : pandas.DataFrame
        Indexed by ``frequency_cal`` (labels ``"0"`` … ``"7+"``): ``customers``,
        ``actual`` (mean holdout purchases), one column per model (mean prediction).
    errors : pandas.DataFrame
        Indexed by ``model``: ``weighted_mae`` (mean absolute bucket error weighted by
        customers), ``predicted_total``, ``actual_total``, ``total_ratio``
        (predicted / actual).

    Examples
    --------
    >>> from analysis.clv import BetaGeoModel
    >>> ch = pd.DataFrame({"frequency_cal": [0., 2, 5, 1], "recency_cal": [0., 10, 30, 4],
    ...     "T_cal": [40., 35, 38, 20], "frequency_holdout": [0, 1, 4, 0],
    ...     "duration_holdout": 20.0})
    >>> table, errors = compare_holdout({"bgnbd": BetaGeoModel().fit(
    ...     ch.rename(columns={"frequency_cal": "frequency", "recency_cal": "recency",
    ...                        "T_cal": "T"}))}, ch, max_bucket=3)
    >>> list(table.index), list(table.columns)
    (['0', '1', '2', '3+'], ['customers', 'actual', 'bgnbd'])
    """
    clash = {"customers", "actual"} & set(models)
    if clash:
        raise ValueError(f"model names {sorted(clash)} clash with the table's columns")
    if max_bucket < 1:
        raise ValueError("max_bucket must be at least 1")
    df = calibration_rfm(cal_holdout)
    t = cal_holdout["duration_holdout"].to_numpy(float)
    freq = np.minimum(cal_holdout["frequency_cal"].to_numpy(float), max_bucket).astype(int)
    labels = [str(i) for i in range(max_bucket)] + [f"{max_bucket}+"]
    frame = pd.DataFrame(
        {
            "frequency_cal": pd.Categorical.from_codes(freq, labels),
            "customers": 1,
            "actual": cal_holdout["frequency_holdout"].to_numpy(float),
        }
    )
    for name, model in models.items():
        frame[name] = model.predict_purchases(df, t)
    grouped = frame.groupby("frequency_cal", observed=True)
    table = grouped.mean()
    table["customers"] = grouped.size()
    table.index = table.index.astype(str)
    n = table["customers"].to_numpy(float)
    rows = {}
    for name in models:
        gap = np.abs(table[name] - table["actual"]).to_numpy()
        pred, act = float(frame[name].sum()), float(frame["actual"].sum())
        rows[name] = {
            "weighted_mae": float(n @ gap / n.sum()),
            "predicted_total": pred,
            "actual_total": act,
            "total_ratio": pred / act if act else float("nan"),
        }
    errors = pd.DataFrame.from_dict(rows, orient="index").rename_axis("model")
    return table, errors


def compute_daily_repeat_purchases(
    transactions: ir.Table,
    *,
    observation_end,
    customers: Iterable | None = None,
    customer_id_col: str = CUSTOMER_ID,
    date_col: str = ORDER_DATE,
    amount_col: str = AMOUNT,
) -> pd.DataFrame:
    """Repeat purchase days per calendar day, counted in the engine.

    A repeat purchase day is a customer's purchase day (refunds excluded) other than
    the first, the unit ``frequency`` counts, so the sum over a window equals the sum
    of ``frequency`` over it.

    Parameters
    ----------
    transactions : ibis.Table
        Contract ``transactions``.
    observation_end : date-like
        Last day counted.
    customers : iterable, optional
        The cohort (e.g. ``cal_holdout.index``): other customers are left out, such as
        those who first bought after the calibration window.

    Returns
    -------
    pandas.DataFrame
        ``day`` (datetime64), ``repeat_purchases`` (customers with a repeat purchase
        that day), sorted by day; days without any are absent.

    Examples
    --------
    >>> tx = ibis.memtable(pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-08",
    ...                                   "2024-01-02"]).date, "amount": [5.0, 3.0, 4.0, 9.0]}))
    >>> compute_daily_repeat_purchases(tx, observation_end="2024-01-31").to_dict("list")
    {'day': [Timestamp('2024-01-08 00:00:00')], 'repeat_purchases': [1]}
    """
    end = pd.Timestamp(observation_end).date()
    days = _purchase_days(transactions, customer_id_col, date_col, amount_col, None, end)
    if customers is not None:
        cohort = ibis.memtable(pd.DataFrame({"cohort_id": pd.Index(list(customers)).astype(str)}))
        days = days.join(cohort, days.cid == cohort.cohort_id).select("cid", "day")
    first = days.group_by(days.cid).aggregate(first=days.day.min())
    rep = days.join(first, "cid")
    rep = rep.filter(rep.day > rep.first)
    out = rep.group_by(rep.day).aggregate(repeat_purchases=rep.count()).execute()
    out["day"] = pd.to_datetime(out["day"])
    out["repeat_purchases"] = out["repeat_purchases"].astype(int)
    return out.sort_values("day", ignore_index=True)


def compute_tracking(
    models, cal_holdout: pd.DataFrame, daily_repeats: pd.DataFrame, *, unit_days: float = 7.0
) -> pd.DataFrame:
    """Cumulative repeat purchases of the cohort, actual and predicted, unit by unit.

    Predicted at time ``t``: ``Σ_i E[X(t - t_i)]`` over customers, ``t_i`` the first
    purchase and ``E[X(·)]`` the model's ``expected_purchases_population`` (Fader,
    Hardie and Lee 2005, Figure 1). Time runs from the cohort's first purchase day in
    steps of ``unit_days``; the calibration end and the observation end are always
    rows, so a plot can mark the split exactly.

    Parameters
    ----------
    models : fitted model or mapping of str to fitted model
        A single model gives a ``predicted`` column; a mapping gives one column per key.
    cal_holdout : pandas.DataFrame
        Output of :func:`calibration_and_holdout` (``first_purchase``, ``T_cal``,
        ``duration_holdout`` place the windows).
    daily_repeats : pandas.DataFrame
        Output of :func:`compute_daily_repeat_purchases` for the same customers.

    Returns
    -------
    pandas.DataFrame
        ``t`` (units since the first purchase day), ``date``, ``holdout`` (bool: after
        the calibration end), ``actual`` (cumulative repeat purchase days) and one
        cumulative prediction column per model.

    Examples
    --------
    >>> from analysis.clv import BetaGeoModel
    >>> ch = pd.DataFrame({"frequency_cal": [0., 2, 5, 1], "recency_cal": [0., 1, 3, 1],
    ...     "T_cal": [4., 4, 4, 3], "first_purchase": pd.to_datetime(["2024-01-01"] * 3
    ...     + ["2024-01-08"]), "frequency_holdout": [0, 1, 4, 0], "duration_holdout": 2.0})
    >>> m = BetaGeoModel().fit(ch.rename(columns={"frequency_cal": "frequency",
    ...     "recency_cal": "recency", "T_cal": "T"}))
    >>> daily = pd.DataFrame({"day": pd.to_datetime(["2024-01-05", "2024-02-08"]),
    ...                       "repeat_purchases": [3, 2]})
    >>> compute_tracking(m, ch, daily)[["t", "holdout", "actual"]].tail(2).to_dict("list")
    {'t': [5.0, 6.0], 'holdout': [True, True], 'actual': [3, 5]}
    """
    if not isinstance(models, Mapping):
        models = {"predicted": models}
    first = pd.to_datetime(cal_holdout["first_purchase"]).to_numpy("datetime64[D]")
    origin = first.min()
    first_days = (first - origin).astype(int)
    cal_days = np.unique(first_days + np.rint(cal_holdout["T_cal"].to_numpy() * unit_days))
    hold_days = np.unique(np.rint(cal_holdout["duration_holdout"].to_numpy() * unit_days))
    if len(cal_days) != 1 or len(hold_days) != 1:
        raise ValueError("cal_holdout must share one calibration end and one holdout length")
    cal_day, obs_day = float(cal_days[0]), float(cal_days[0] + hold_days[0])
    grid = np.unique(np.r_[np.arange(unit_days, obs_day, unit_days), cal_day, obs_day])
    day = (pd.to_datetime(daily_repeats["day"]).to_numpy("datetime64[D]") - origin).astype(int)
    counts = daily_repeats["repeat_purchases"].to_numpy()
    order = np.argsort(day)
    cum = np.r_[0, np.cumsum(counts[order])]
    actual = cum[np.searchsorted(day[order], grid, side="right")]
    starts, n = np.unique(first_days, return_counts=True)
    out = pd.DataFrame(
        {
            "t": grid / unit_days,
            "date": pd.Timestamp(origin) + pd.to_timedelta(grid, unit="D"),
            "holdout": grid > cal_day,
            "actual": actual,
        }
    )
    for name, model in models.items():
        age = (grid[:, None] - starts[None, :]) / unit_days
        expected = np.where(age > 0, model.expected_purchases_population(np.maximum(age, 0)), 0)
        out[name] = expected @ n
    return out
