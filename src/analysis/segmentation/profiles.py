"""Segment profiles: size, revenue share, mean R/F/M, and the change since last period."""

from __future__ import annotations

import pandas as pd

from analysis.segmentation.labels import ORDERS

__all__ = ["profile_segments"]


def profile_segments(
    features: pd.DataFrame,
    classes: pd.DataFrame,
    column: str,
    *,
    previous: pd.DataFrame | None = None,
    order: list[str] | None = None,
) -> pd.DataFrame:
    """One row per class of ``column``: customers, shares, mean R/F/M, change in size.

    Parameters
    ----------
    features : pandas.DataFrame
        Customer features (``recency_days``, ``orders``, ``monetary_total``).
    classes : pandas.DataFrame
        Holding ``column`` (codes), same index as ``features``.
    column : str
        Scheme to profile (``rfm_segment``, ``value_tier``, ``lifecycle``, ``cluster`` ...).
    previous : pandas.DataFrame, optional
        Last period's snapshot with the same ``column``; adds the change in customers
        and in revenue share.

    Returns
    -------
    pandas.DataFrame
        Indexed by the class code (index named ``column``), in the scheme's display
        order; columns ``customers``, ``customer_share``, ``revenue``, ``revenue_share``,
        ``mean_recency``, ``mean_orders``, ``mean_monetary`` and, with ``previous``,
        ``change`` (customers) and ``revenue_share_change`` (difference of the shares).
        Words are added where it is shown (:mod:`analysis.pages.segmentation`).

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [1.0, 9.0, 30.0], "orders": [3, 1, 1],
    ...                   "monetary_total": [70.0, 20.0, 10.0]})
    >>> c = pd.DataFrame({"value_tier": ["high", "mid", "low"]})
    >>> profile_segments(f, c, "value_tier")["revenue_share"].tolist()
    [0.7, 0.2, 0.1]
    """
    codes = classes[column].astype(object).fillna("—")
    rev = features["monetary_total"].fillna(0.0)
    g = pd.DataFrame(
        {
            "code": codes.to_numpy(),
            "rev": rev.to_numpy(),
            "r": features["recency_days"].to_numpy(),
            "f": features["orders"].to_numpy(),
        }
    ).groupby("code", sort=False)
    total_rev = rev.clip(lower=0).sum() or 1.0
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "customer_share": g.size() / len(codes),
            "revenue": g["rev"].sum(),
            "revenue_share": g["rev"].sum() / total_rev,
            "mean_recency": g["r"].mean(),
            "mean_orders": g["f"].mean(),
            "mean_monetary": g["rev"].mean(),
        }
    )
    if previous is not None and column in previous.columns:
        pc = previous[column].astype(object).fillna("—")
        prev_n = pc.value_counts()
        out["change"] = out["customers"] - prev_n.reindex(out.index).fillna(0).astype(int)
        if "monetary_total" in previous.columns:
            prev_rev = previous["monetary_total"].groupby(pc).sum()
            prev_share = prev_rev / (previous["monetary_total"].clip(lower=0).sum() or 1.0)
            out["revenue_share_change"] = out["revenue_share"] - prev_share.reindex(
                out.index
            ).fillna(0.0)
    known = order or ORDERS.get(column, [])
    rank = {c: i for i, c in enumerate(known)}
    out = out.loc[sorted(out.index, key=lambda c: (rank.get(c, len(rank)), -out.loc[c, "revenue"]))]
    out.index.name = column
    return out
