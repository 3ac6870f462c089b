"""sBG retention per contract group, projected beside the Kaplan–Meier estimate.

Contract lifetimes (:func:`analysis.survival.data.compute_contract_survival`) are cut
into whole periods: a customer who left ``d`` days after their first start was lost in
period ``T = ceil((d - grace_days) / period_days)`` (at least 1); one still active
after ``d`` days is censored at age ``floor(d / period_days)`` (the renewals seen so
far). The grace is for calendar contracts: a contract ending on a monthly renewal date
can run up to ~3 days past a multiple of 30.4375 days (March to February, 11
months: 337 days against 334.8; 23 months across a leap February: 2.9 days over) and
must not count as lost in the next period. On lifetimes in continuous days it moves
the losses of those days one period earlier; the Kaplan–Meier column is read at the
same shifted boundaries, so the two stay comparable. Customers who joined at
different dates are cohorts of different ages; right-censoring lets one sBG per group
pool them, which assumes every acquisition cohort of a group draws from the same
Beta(alpha, beta) mix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter

from analysis.schema import END_DATE, START_DATE
from analysis.survival.data import compute_contract_survival
from analysis.survival.sbg import ShiftedBetaGeoModel

__all__ = ["SbgCohorts", "compute_contract_cohorts", "fit_sbg_cohorts"]

PERIOD_DAYS = 30.4375  # a month on average (365.25 / 12)
MIN_CUSTOMERS = 20
# skip reasons: catalogue keys; the values a note needs are the fits' columns
SKIP_TOO_FEW = "churn.skip.sbg_too_few_customers"  # customers, need
SKIP_NO_LOSS = "churn.skip.sbg_no_loss"  # customers
SKIP_NOT_IDENTIFIED = "churn.skip.sbg_not_identified"  # customers, lost: all in period 1

FIT_COLUMNS = [
    "customers",
    "lost",
    "censored",
    "max_age",
    "alpha",
    "beta",
    "churn_rate",
    "polarization",
    "boundary",
    "loglik",
    "converged",
    "reason",
    "need",
]
CURVE_COLUMNS = [
    "group",
    "period",
    "at_risk",
    "lost",
    "censored",
    "km_survival",
    "sbg_survival",
]
GRACE_DAYS = 3.0
_EPS = 1e-9  # durations of exactly k periods stay in period k despite rounding


@dataclass(frozen=True)
class SbgCohorts:
    """sBG fits per group and their projection beside Kaplan–Meier.

    Attributes
    ----------
    fits : pandas.DataFrame
        Indexed by ``group``: ``customers``, ``lost``, ``censored`` (still active),
        ``max_age`` (oldest age seen, periods), ``alpha``, ``beta`` (``inf`` at the
        geometric boundary), ``churn_rate`` (``alpha / (alpha + beta)``, the churn of
        period 1), ``polarization`` (``1 / (alpha + beta + 1)``), ``boundary`` (True
        when churn does not fall with age and the fit is geometric), ``loglik``,
        ``converged``, ``reason`` (None when fitted, else a ``churn.skip.sbg_*``
        catalogue key and NaN parameters) and ``need`` (the minimum group size).
    curves : pandas.DataFrame
        One row per fitted group and age ``period = 0..horizon``: ``group``,
        ``period``, ``at_risk`` (customers who could be lost in this period: lost in
        it or later, or censored at this age or older; at ``period = 0``, everyone),
        ``lost`` (in this period), ``censored`` (last seen active at this age),
        ``km_survival`` (Kaplan–Meier on the durations in periods, read at ``period +
        grace_days / period_days``; NaN beyond the group's longest duration),
        ``sbg_survival`` (the sBG ``S(t)``).
    models : dict
        Group name to fitted :class:`ShiftedBetaGeoModel`.
    period_days : float
    """

    fits: pd.DataFrame
    curves: pd.DataFrame
    models: dict[str, ShiftedBetaGeoModel] = field(default_factory=dict)
    period_days: float = PERIOD_DAYS


def _count_ages(
    periods: np.ndarray, event: np.ndarray, n: int, grace: float
) -> tuple[np.ndarray, ...]:
    """Counts by age ``0..n``: lost (``lost[0] = 0``) and censored."""
    lost_at = np.maximum(np.ceil(periods - grace - _EPS), 1).astype(int)[event]
    cens_at = np.floor(periods + _EPS).astype(int)[~event]
    lost = np.bincount(lost_at, minlength=n + 1)[: n + 1]
    censored = np.bincount(cens_at, minlength=n + 1)[: n + 1]
    return lost, censored


def fit_sbg_cohorts(
    lifetimes: pd.DataFrame,
    *,
    period_days: float = PERIOD_DAYS,
    by: str | None = "plan",
    horizon: int | None = None,
    min_customers: int = MIN_CUSTOMERS,
    grace_days: float = GRACE_DAYS,
    duration_col: str = "duration_days",
    event_col: str = "event",
) -> SbgCohorts:
    """Fit an sBG per group of contract lifetimes and tabulate it beside Kaplan–Meier.

    Parameters
    ----------
    lifetimes : pandas.DataFrame
        One row per customer, e.g. :func:`compute_contract_survival` output:
        ``duration_col`` (days), ``event_col`` (1 = lost) and the ``by`` column.
    period_days : float
        Days in one contract period (default: an average month).
    by : str or None
        Group column (rows where it is missing are left out; their number is in
        ``fits.attrs["missing_group"]``); None fits everyone as group ``"all"``.
    horizon : int, optional
        Last age of the curves, in periods; default the oldest age seen.
    min_customers : int
        Smaller groups are listed with reason ``churn.skip.sbg_too_few_customers``.
    grace_days : float
        A loss up to this many days after a period boundary counts at that boundary
        (module docstring); 0 for strict ``ceil``.

    Returns
    -------
    SbgCohorts

    Examples
    --------
    >>> d = pd.DataFrame({"duration_days": [10, 40, 70, 75, 100, 95] * 5,
    ...                   "event": [1, 1, 1, 0, 0, 1] * 5, "plan": ["a"] * 30})
    >>> out = fit_sbg_cohorts(d)
    >>> out.fits[["customers", "lost", "max_age"]].values.tolist()
    [[30, 20, 4]]
    >>> out.curves.loc[out.curves.period == 1, "at_risk"].tolist()
    [30]
    """
    if not period_days > 0:
        raise ValueError(f"period_days: must be > 0, got {period_days}")
    if not 0 <= grace_days < period_days:
        raise ValueError(f"grace_days: must be in [0, period_days), got {grace_days}")
    for col in (duration_col, event_col) + ((by,) if by is not None else ()):
        if col not in lifetimes.columns:
            raise ValueError(f"lifetimes: column {col!r} is missing")
    periods_all = lifetimes[duration_col].to_numpy(float) / period_days
    if len(lifetimes) and not (np.isfinite(periods_all).all() and (periods_all > 0).all()):
        raise ValueError(f"lifetimes: column {duration_col!r} must be positive days")
    if not lifetimes[event_col].isin((0, 1)).all():
        raise ValueError(f"lifetimes: column {event_col!r} must be 0 or 1")
    event_all = lifetimes[event_col].to_numpy().astype(int)
    # positional keys: the frame's index need not be unique
    if by is None:
        keys = pd.Series("all", index=range(len(lifetimes)), dtype="string")
    else:
        keys = pd.Series(lifetimes[by].to_numpy(), dtype="string")
    if horizon is None:
        horizon = int(np.ceil(periods_all.max() - _EPS)) if len(lifetimes) else 0
    t = np.arange(horizon + 1)
    fits, curves, models = {}, [], {}
    for name, pos in keys.groupby(keys, sort=True).indices.items():
        periods, event = periods_all[pos], event_all[pos].astype(bool)
        n_age = max(horizon, int(np.ceil(periods.max() - _EPS)))
        lost, censored = _count_ages(periods, event, n_age, grace_days / period_days)
        row = {
            "customers": len(pos),
            "lost": int(event.sum()),
            "censored": int((~event).sum()),
            "max_age": int(max(np.nonzero(lost + censored)[0])),
            "alpha": np.nan,
            "beta": np.nan,
            "churn_rate": np.nan,
            "polarization": np.nan,
            "boundary": False,
            "loglik": np.nan,
            "converged": False,
            "reason": None,
            "need": min_customers,
        }
        fits[str(name)] = row
        if len(pos) < min_customers:
            row["reason"] = SKIP_TOO_FEW
            continue
        if not event.any():
            row["reason"] = SKIP_NO_LOSS
            continue
        if not censored[1:].any() and not lost[2:].any():
            row["reason"] = SKIP_NOT_IDENTIFIED
            continue
        m = ShiftedBetaGeoModel().fit_counts(censored, lost[1:])
        models[str(name)] = m
        row.update(
            m.params_,
            churn_rate=m.churn_rate_,
            polarization=m.polarization_,
            boundary=m.boundary_,
            loglik=m.loglik_,
            converged=m.converged_,
        )
        km = KaplanMeierFitter().fit(periods, event)
        # read KM where the counts put their boundaries: after the grace
        read = np.where(t > 0, t + grace_days / period_days, 0.0)
        km_s = km.survival_function_at_times(read).to_numpy()
        at_risk = (lost[::-1].cumsum()[::-1] + censored[::-1].cumsum()[::-1])[: horizon + 1]
        at_risk[0] = len(pos)
        curves.append(
            pd.DataFrame(
                {
                    "group": str(name),
                    "period": t,
                    "at_risk": at_risk,
                    "lost": lost[: horizon + 1],
                    "censored": censored[: horizon + 1],
                    "km_survival": np.where(read <= periods.max() + _EPS, km_s, np.nan),
                    "sbg_survival": m.survival(t),
                }
            )
        )
    fits_df = pd.DataFrame.from_dict(fits, orient="index", columns=FIT_COLUMNS)
    fits_df = fits_df.astype({"customers": int, "lost": int, "censored": int, "need": int})
    fits_df = fits_df.rename_axis("group")
    fits_df.attrs["missing_group"] = int(keys.isna().sum())
    fits_df.attrs["period_days"] = float(period_days)
    curves_df = (
        pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=CURVE_COLUMNS)
    )
    return SbgCohorts(fits=fits_df, curves=curves_df, models=models, period_days=period_days)


def compute_contract_cohorts(
    subscriptions,
    *,
    as_of,
    period_days: float = PERIOD_DAYS,
    by: str | None = "plan",
    horizon: int | None = None,
    min_customers: int = MIN_CUSTOMERS,
    grace_days: float = GRACE_DAYS,
) -> SbgCohorts:
    """sBG retention per plan from contract subscriptions, beside Kaplan–Meier.

    Lifetimes run from a customer's first start to the end of their last contract,
    censored while active as of ``as_of`` (:func:`compute_contract_survival`); the
    group is the latest contract's ``by`` column.

    Parameters
    ----------
    subscriptions : ibis.Table or pandas.DataFrame
        ``customer_id``, ``start_date``, optional ``end_date``, the ``by`` column. A
        frame's date columns are parsed (day precision).
    as_of : date-like
        Period end.
    period_days, by, horizon, min_customers, grace_days
        As in :func:`fit_sbg_cohorts`.

    Returns
    -------
    SbgCohorts

    Examples
    --------
    >>> subs = pd.DataFrame({"customer_id": [f"c{i}" for i in range(40)],
    ...     "start_date": ["2024-01-01"] * 40,
    ...     "end_date": ["2024-02-15", "2024-03-20", None, "2024-06-10"] * 10,
    ...     "plan": ["basic"] * 40})
    >>> out = compute_contract_cohorts(subs, as_of="2024-12-31")
    >>> out.fits[["customers", "lost", "reason"]].values.tolist()
    [[40, 30, None]]
    """
    if isinstance(subscriptions, pd.DataFrame):
        df = subscriptions.copy()
        for col in (START_DATE, END_DATE):
            if col in df.columns:
                df[col] = pd.to_datetime(df[col]).dt.date
        subscriptions = ibis.memtable(df)
    lifetimes = compute_contract_survival(subscriptions, as_of=as_of)
    if by is not None and by not in lifetimes.columns:
        raise ValueError(f"subscriptions: group column {by!r} is missing")
    return fit_sbg_cohorts(
        lifetimes,
        period_days=period_days,
        by=by,
        horizon=horizon,
        min_customers=min_customers,
        grace_days=grace_days,
    )
