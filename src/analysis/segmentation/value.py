"""Value tiers by cumulative revenue share (Pareto / ABC) and key-account tiers.

Customers are ranked by net revenue (highest first, ties by ``customer_id`` so the
result is reproducible). A customer belongs to the first tier whose cut-off the
revenue of *everyone ranked above them* has not yet reached: with cut-offs
``(0.8, 0.95)`` the high tier is the smallest set of top customers that brings in 80%
of revenue (二八法则), the mid tier the next 15%, the rest low. This is the rule the
sample generator uses to plant its high-value group. Customers with no positive
revenue are always in the lowest tier.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["assign_pareto_tiers", "compute_pareto_curve", "assign_key_account_tiers"]


def _check_cutoffs(cutoffs: Sequence[float], n_names: int) -> list[float]:
    cut = [float(c) for c in cutoffs]
    if len(cut) != n_names - 1:
        raise ValueError(f"need {n_names - 1} cut-offs for {n_names} tiers, got {cut}")
    if any(not 0 < c <= 1 for c in cut) or cut != sorted(cut):
        raise ValueError(f"cut-offs must be increasing shares in (0, 1], got {cut}")
    return cut


def assign_pareto_tiers(
    revenue: pd.Series,
    *,
    cutoffs: Sequence[float] = (0.8, 0.95),
    names: Sequence[str] = ("high", "mid", "low"),
) -> pd.Series:
    """Tier each customer by the cumulative revenue share of those ranked above.

    Parameters
    ----------
    revenue : pandas.Series
        Net revenue per customer, indexed by ``customer_id`` (NaN counts as 0).
    cutoffs : sequence of float
        Increasing cumulative shares closing each tier but the last.
    names : sequence of str
        Tier codes, best first (``("A", "B", "C")`` for ABC classes).

    Returns
    -------
    pandas.Series
        Tier code per customer, same index as ``revenue``.

    Examples
    --------
    >>> r = pd.Series([50.0, 30.0, 10.0, 6.0, 4.0, 0.0], index=list("abcdef"))
    >>> assign_pareto_tiers(r).tolist()
    ['high', 'high', 'mid', 'mid', 'low', 'low']
    """
    cut = _check_cutoffs(cutoffs, len(names))
    values = pd.to_numeric(revenue, errors="coerce").fillna(0.0).astype(float)
    frame = pd.DataFrame({"v": values.to_numpy(), "id": values.index.astype(str)})
    order = frame.sort_values(["v", "id"], ascending=[False, True], kind="stable").index
    v = values.to_numpy()[order].clip(min=0)
    total = v.sum()
    before = np.concatenate([[0.0], np.cumsum(v)[:-1]]) / total if total > 0 else np.ones(len(v))
    tier = np.full(len(v), len(names) - 1)
    for i in range(len(cut) - 1, -1, -1):
        tier[before < cut[i]] = i
    tier[v <= 0] = len(names) - 1
    out = np.empty(len(v), dtype=object)
    out[order] = np.asarray(names, dtype=object)[tier]
    return pd.Series(out, index=revenue.index, name="tier")


def compute_pareto_curve(revenue: pd.Series) -> pd.DataFrame:
    """Cumulative customer share against cumulative revenue share (Lorenz/Pareto curve).

    Returns
    -------
    pandas.DataFrame
        ``customer_share`` and ``revenue_share``, one row per customer with positive
        revenue in descending order, starting at (0, 0).

    Examples
    --------
    >>> compute_pareto_curve(pd.Series([3.0, 1.0])).round(2).values.tolist()
    [[0.0, 0.0], [0.5, 0.75], [1.0, 1.0]]
    """
    v = pd.to_numeric(revenue, errors="coerce").fillna(0.0)
    v = np.sort(v[v > 0].to_numpy())[::-1]
    n = len(v)
    if n == 0:
        return pd.DataFrame({"customer_share": [0.0], "revenue_share": [0.0]})
    return pd.DataFrame(
        {
            "customer_share": np.concatenate([[0.0], np.arange(1, n + 1) / n]),
            "revenue_share": np.concatenate([[0.0], np.cumsum(v) / v.sum()]),
        }
    )


def assign_key_account_tiers(
    revenue: pd.Series,
    customer_type: pd.Series,
    *,
    cutoffs: Sequence[float] = (0.5, 0.8),
) -> pd.Series:
    """Key-account tiers (战略/核心/一般客户) among business customers only.

    Business customers are tiered by their own cumulative revenue share (default: the
    top accounts bringing 50% of business revenue are strategic, the next 30% core);
    individuals get NaN.

    Examples
    --------
    >>> r = pd.Series([60.0, 25.0, 10.0, 5.0, 99.0], index=list("abcde"))
    >>> t = pd.Series(["business"] * 4 + ["individual"], index=list("abcde"))
    >>> assign_key_account_tiers(r, t).tolist()
    ['strategic', 'core', 'general', 'general', nan]
    """
    is_b = customer_type.reindex(revenue.index).astype("string").str.lower().eq("business")
    is_b = is_b.fillna(False).astype(bool)
    out = pd.Series(np.nan, index=revenue.index, dtype=object, name="key_account_tier")
    if is_b.any():
        tiers = assign_pareto_tiers(
            revenue[is_b], cutoffs=cutoffs, names=("strategic", "core", "general")
        )
        out.loc[is_b] = tiers.to_numpy()
    return out
