"""Kaplan–Meier curves by group and log-rank tests (multivariate and pairwise, Holm)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test

__all__ = ["fit_km", "summarise_km", "compute_logrank", "adjust_holm"]


def fit_km(
    data: pd.DataFrame,
    group_col: str | None = None,
    *,
    duration_col: str = "duration_days",
    event_col: str = "event",
    min_size: int = 30,
) -> dict[str, KaplanMeierFitter]:
    """Kaplan–Meier fits overall (``group_col=None``) or per group of at least ``min_size``.

    Examples
    --------
    >>> d = pd.DataFrame({"duration_days": [1, 2, 3, 4], "event": [1, 0, 1, 1]})
    >>> float(fit_km(d)["all"].survival_function_.iloc[-1, 0])
    0.0
    """
    out = {}
    if group_col is None:
        groups = [("all", data)]
    else:
        groups = [
            (str(k), g)
            for k, g in data.groupby(data[group_col].astype("string"))
            if len(g) >= min_size
        ]
    for name, g in groups:
        f = KaplanMeierFitter(label=name)
        f.fit(g[duration_col], g[event_col])
        out[name] = f
    return out


def summarise_km(fits: dict[str, KaplanMeierFitter], *, at=(90, 180, 365)) -> pd.DataFrame:
    """Per curve: customers, churned, median lifetime (days) and survival at ``at`` days.

    Returns
    -------
    pandas.DataFrame
        Indexed by group: ``customers``, ``churned``, ``median_days`` (NaN when the
        curve never falls to one half), ``survival_<d>d`` per day in ``at``.
    """
    rows = {}
    for name, f in fits.items():
        med = f.median_survival_time_
        row = {
            "customers": int(f.event_table["at_risk"].iloc[0]),
            "churned": int(f.event_table["observed"].sum()),
            "median_days": float(med) if np.isfinite(med) else np.nan,
        }
        for d in at:
            row[f"survival_{d}d"] = float(f.survival_function_at_times(d).iloc[0])
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("group")


def adjust_holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of p-values (controls the family-wise error rate).

    Examples
    --------
    >>> adjust_holm(np.array([0.01, 0.04, 0.03])).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p)
    adj = np.empty(m)
    running = 0.0
    for i, j in enumerate(order):
        running = max(running, (m - i) * p[j])
        adj[j] = min(1.0, running)
    return adj


def compute_logrank(
    data: pd.DataFrame,
    group_col: str,
    *,
    duration_col: str = "duration_days",
    event_col: str = "event",
    min_size: int = 30,
) -> tuple[dict, pd.DataFrame]:
    """Log-rank test across all groups, and every pair with Holm-adjusted p-values.

    Returns
    -------
    overall : dict
        ``test_statistic``, ``p``, ``groups``.
    pairwise : pandas.DataFrame
        ``group_a``, ``group_b``, ``test_statistic``, ``p``, ``p_holm``.
    """
    g = data[group_col].astype("string")
    sizes = g.value_counts()
    keep = g.isin(sizes.index[sizes >= min_size])
    d = data[keep]
    g = g[keep]
    levels = sorted(g.dropna().unique())
    if len(levels) < 2:
        return {"test_statistic": np.nan, "p": np.nan, "groups": len(levels)}, pd.DataFrame(
            columns=["group_a", "group_b", "test_statistic", "p", "p_holm"]
        )
    res = multivariate_logrank_test(d[duration_col], g, d[event_col])
    overall = {
        "test_statistic": float(res.test_statistic),
        "p": float(res.p_value),
        "groups": len(levels),
    }
    rows = []
    for a, b in itertools.combinations(levels, 2):
        ia, ib = (g == a).to_numpy(), (g == b).to_numpy()
        r = logrank_test(
            d[duration_col][ia], d[duration_col][ib], d[event_col][ia], d[event_col][ib]
        )
        rows.append(
            {
                "group_a": a,
                "group_b": b,
                "test_statistic": float(r.test_statistic),
                "p": float(r.p_value),
            }
        )
    pairwise = pd.DataFrame(rows)
    pairwise["p_holm"] = adjust_holm(pairwise["p"].to_numpy())
    return overall, pairwise.sort_values("p").reset_index(drop=True)
