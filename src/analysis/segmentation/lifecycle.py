"""Lifecycle stages (客户生命周期): potential, new, active, loyal, dormant, churned.

Thresholds come from the data's own purchase rhythm unless given: the quantiles of
the days between a customer's consecutive purchase days
(:func:`analysis.features.compute_purchase_gaps`). With the defaults, a customer is
*dormant* (沉默) once the silence is longer than 90% of all observed gaps and *churned*
(流失) once it is longer than 99% of them: by then, almost every customer who came
back had already done so. Rules, first match wins:

1. potential: no purchase yet;
2. churned: ``recency_days > churned_after``;
3. dormant: ``recency_days > dormant_after``;
4. new: first purchase within the last ``new_within`` days;
5. loyal: at least ``loyal_min_orders`` orders (default: the 75th percentile of orders
   among purchasing customers, at least 3);
6. active: everyone else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

__all__ = ["LifecycleThresholds", "derive_lifecycle_thresholds", "assign_lifecycle"]


@dataclass(frozen=True)
class LifecycleThresholds:
    """Days and counts separating the lifecycle stages, and where each came from."""

    dormant_after: float
    churned_after: float
    new_within: float
    loyal_min_orders: float
    source: str = "set"

    def as_frame(self) -> pd.DataFrame:
        """One row per threshold: ``threshold``, ``value``, ``source``."""
        d = asdict(self)
        src = d.pop("source")
        return pd.DataFrame(
            {"threshold": list(d), "value": list(d.values()), "source": [src] * len(d)}
        )


def derive_lifecycle_thresholds(
    gaps: pd.Series | None,
    features: pd.DataFrame,
    *,
    dormant_quantile: float = 0.9,
    churned_quantile: float = 0.99,
    dormant_after: float | None = None,
    churned_after: float | None = None,
    new_within: float | None = None,
    loyal_min_orders: float | None = None,
) -> LifecycleThresholds:
    """Fill every threshold not given from the purchase-gap quantiles.

    Parameters
    ----------
    gaps : pandas.Series or None
        Gap quantiles indexed by quantile (``compute_purchase_gaps``); it must hold
        ``dormant_quantile`` and ``churned_quantile``. When None, the customers' mean
        gaps (``features["mean_gap_days"]``) stand in, a coarser estimate.
    features : pandas.DataFrame
        Customer features (``orders``, ``mean_gap_days``).

    Examples
    --------
    >>> g = pd.Series({0.9: 60.0, 0.99: 250.0})
    >>> f = pd.DataFrame({"orders": [1, 2, 8, 30], "mean_gap_days": [None, 5, 9, 7]})
    >>> t = derive_lifecycle_thresholds(g, f)
    >>> t.dormant_after, t.churned_after, t.new_within, t.loyal_min_orders
    (60.0, 250.0, 60.0, 14.0)
    """
    if gaps is not None and len(gaps):
        q = {float(k): float(v) for k, v in gaps.items()}
        missing = [x for x in (dormant_quantile, churned_quantile) if x not in q]
        if missing:
            raise ValueError(f"purchase gaps lack the quantiles {missing}")
        dq, cq = q[dormant_quantile], q[churned_quantile]
        how = f"purchase-gap quantiles {dormant_quantile:g}/{churned_quantile:g}"
    else:
        mg = features["mean_gap_days"].dropna()
        dq = float(mg.quantile(dormant_quantile)) if len(mg) else 90.0
        cq = float(mg.quantile(churned_quantile)) if len(mg) else 365.0
        how = "quantiles of customers' mean gaps"
    bought = features.loc[features["orders"] > 0, "orders"]
    lo = max(3.0, float(np.ceil(bought.quantile(0.75)))) if len(bought) else 3.0
    given = [x is not None for x in (dormant_after, churned_after, new_within, loyal_min_orders)]
    source = "set" if all(given) else (how if not any(given) else f"set + {how}")
    t = LifecycleThresholds(
        dormant_after=float(dormant_after if dormant_after is not None else dq),
        churned_after=float(churned_after if churned_after is not None else cq),
        new_within=float(
            new_within
            if new_within is not None
            else (dormant_after if dormant_after is not None else dq)
        ),
        loyal_min_orders=float(loyal_min_orders if loyal_min_orders is not None else lo),
        source=source,
    )
    if t.churned_after < t.dormant_after:
        raise ValueError(
            f"churned_after ({t.churned_after}) must not be below dormant_after ({t.dormant_after})"
        )
    return t


def assign_lifecycle(features: pd.DataFrame, thresholds: LifecycleThresholds) -> pd.Series:
    """Lifecycle stage code per customer (see the module docstring for the rules).

    Examples
    --------
    >>> f = pd.DataFrame({"orders": [0, 1, 5, 20, 3, 2],
    ...                   "recency_days": [None, 3, 10, 10, 100, 400],
    ...                   "tenure_days": [None, 3, 300, 500, 400, 700]})
    >>> t = LifecycleThresholds(60, 250, 60, 15)
    >>> assign_lifecycle(f, t).tolist()
    ['potential', 'new', 'active', 'loyal', 'dormant', 'churned']
    """
    orders = features["orders"].fillna(0).to_numpy()
    rec = features["recency_days"].astype(float).to_numpy()
    ten = features["tenure_days"].astype(float).to_numpy()
    conds = [
        orders <= 0,
        rec > thresholds.churned_after,
        rec > thresholds.dormant_after,
        ten <= thresholds.new_within,
        orders >= thresholds.loyal_min_orders,
    ]
    codes = ["potential", "churned", "dormant", "new", "loyal"]
    out = np.select(conds, codes, default="active").astype(object)
    return pd.Series(out, index=features.index, name="lifecycle")
