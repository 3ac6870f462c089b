"""RFM: quintile scores with ties, eleven named segments, and the classic Chinese eight.

Scores are computed among customers with at least one purchase. Each of recency
(fewer days is better), frequency (orders) and monetary value (net revenue) gets a
score 1..``bins`` from its *mid-rank*: ``score = 1 + floor(bins * (rank - 0.5) / n)``
with ``rank`` the average rank of tied values. Equal values therefore always get the
same score (a tie is never split across two scores by row order), and a large tie
sits at the score of its middle, so the 60% of one-order customers in a shop's file do
not all land on F = 1 while the next customer jumps to 3.

Named segments follow the widely used R x FM grid (Putler's eleven names; FM is the
mean of F and M rounded half up). The Chinese eight compare R, F and M scores with a
centre (their mean by default): 重要 means M above the centre, and 价值/发展/保持/挽留
are the four R/F combinations (GLOSSARY.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "RFM_GRID",
    "EIGHT",
    "compute_rfm_scores",
    "assign_rfm_segments",
    "assign_rfm_eight",
    "compute_rfm_grid",
]

#: Named segment for each R score (key) and FM score (position 1..5). Edit to taste.
RFM_GRID: dict[int, tuple[str, str, str, str, str]] = {
    5: ("new", "potential_loyalist", "potential_loyalist", "champions", "champions"),
    4: ("promising", "potential_loyalist", "loyal", "loyal", "champions"),
    3: ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    2: ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
    1: ("lost", "lost", "at_risk", "cant_lose", "cant_lose"),
}

#: (R high, F high, M high) -> Chinese-eight code.
EIGHT: dict[tuple[bool, bool, bool], str] = {
    (True, True, True): "important_value",
    (True, False, True): "important_develop",
    (False, True, True): "important_retain",
    (False, False, True): "important_winback",
    (True, True, False): "general_value",
    (True, False, False): "general_develop",
    (False, True, False): "general_retain",
    (False, False, False): "general_winback",
}


def _midrank_score(values: pd.Series, bins: int) -> pd.Series:
    n = len(values)
    if n == 0:
        return pd.Series(dtype="Int64", index=values.index)
    rank = values.rank(method="average")
    score = 1 + np.floor(bins * (rank.to_numpy() - 0.5) / n).astype(int)
    return pd.Series(np.clip(score, 1, bins), index=values.index)


def compute_rfm_scores(
    features: pd.DataFrame,
    *,
    bins: int = 5,
    recency_col: str = "recency_days",
    frequency_col: str = "orders",
    monetary_col: str = "monetary_total",
) -> pd.DataFrame:
    """R, F and M scores 1..``bins`` per purchasing customer (mid-rank quantiles).

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer (:func:`analysis.features.compute_customer_features`).
        Customers with ``frequency_col == 0`` get missing scores.
    bins : int
        Number of score levels (5: quintiles).

    Returns
    -------
    pandas.DataFrame
        ``rfm_r``, ``rfm_f``, ``rfm_m`` (nullable Int64) and ``rfm_score`` (text such
        as ``"545"``; missing for non-purchasers), same index as ``features``.

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [1, 10, 10, 40], "orders": [5, 1, 1, 2],
    ...                   "monetary_total": [500.0, 20.0, 30.0, 90.0]})
    >>> compute_rfm_scores(f, bins=4)["rfm_score"].tolist()
    ['444', '321', '322', '133']
    """
    if bins < 2:
        raise ValueError(f"bins must be at least 2, got {bins}")
    bought = features[frequency_col].fillna(0) > 0
    sub = features.loc[bought]
    out = pd.DataFrame(index=features.index)
    parts = {
        "rfm_r": _midrank_score(-sub[recency_col].astype(float), bins),
        "rfm_f": _midrank_score(sub[frequency_col].astype(float), bins),
        "rfm_m": _midrank_score(sub[monetary_col].astype(float), bins),
    }
    for col, s in parts.items():
        out[col] = s.reindex(features.index).astype("Int64")
    text = out["rfm_r"].astype(str) + out["rfm_f"].astype(str) + out["rfm_m"].astype(str)
    out["rfm_score"] = text.where(bought, None)
    return out


def assign_rfm_segments(scores: pd.DataFrame, *, grid: dict | None = None) -> pd.Series:
    """The eleven named segments from R and FM = round_half_up((F + M) / 2).

    Scores must be on a 1..5 scale. Customers without scores get ``"none"``.

    Examples
    --------
    >>> s = pd.DataFrame({"rfm_r": [5, 5, 1, 2], "rfm_f": [5, 1, 1, 5], "rfm_m": [4, 1, 2, 5]})
    >>> assign_rfm_segments(s).tolist()
    ['champions', 'new', 'lost', 'cant_lose']
    """
    grid = grid or RFM_GRID
    r = scores["rfm_r"]
    fm = np.floor((scores["rfm_f"].astype(float) + scores["rfm_m"].astype(float)) / 2 + 0.5)
    out = pd.Series("none", index=scores.index, dtype=object, name="rfm_segment")
    ok = r.notna() & fm.notna()
    for i in np.flatnonzero(ok.to_numpy()):
        out.iat[i] = grid[int(r.iat[i])][int(fm.iat[i]) - 1]
    return out


def _centre(score: pd.Series, centre: str | float) -> float:
    s = score.dropna().astype(float)
    if isinstance(centre, str):
        if centre == "mean":
            return float(s.mean())
        if centre == "median":
            return float(s.median())
        raise ValueError(f"centre must be 'mean', 'median' or a number, got {centre!r}")
    return float(centre)


def assign_rfm_eight(
    scores: pd.DataFrame, *, centre: str | float = "mean"
) -> tuple[pd.Series, dict[str, float]]:
    """The classic Chinese eight classes (重要价值客户 ... 一般挽留客户).

    A score is *high* when it is strictly above the centre (R high = recent).

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`compute_rfm_scores`.
    centre : "mean", "median" or float
        Centre of each score: its mean or median over purchasing customers, or a fixed
        score (``3`` makes 4 and 5 high).

    Returns
    -------
    codes : pandas.Series
        Class code per customer (``"none"`` for non-purchasers).
    centres : dict
        The centre used for ``rfm_r``, ``rfm_f``, ``rfm_m``.

    Examples
    --------
    >>> s = pd.DataFrame({"rfm_r": [5, 1, 5], "rfm_f": [1, 5, 5], "rfm_m": [5, 1, 1]})
    >>> assign_rfm_eight(s, centre=3)[0].tolist()
    ['important_develop', 'general_retain', 'general_value']
    """
    centres = {c: _centre(scores[c], centre) for c in ("rfm_r", "rfm_f", "rfm_m")}
    high = {c: scores[c].astype(float) > centres[c] for c in centres}
    out = pd.Series("none", index=scores.index, dtype=object, name="rfm_eight")
    ok = scores["rfm_r"].notna().to_numpy()
    keys = zip(high["rfm_r"], high["rfm_f"], high["rfm_m"], strict=True)
    codes = np.array([EIGHT[(bool(a), bool(b), bool(c))] for a, b, c in keys], dtype=object)
    out[ok] = codes[ok]
    return out, centres


def compute_rfm_grid(
    scores: pd.DataFrame, values: pd.Series | None = None, *, bins: int = 5
) -> pd.DataFrame:
    """R (rows, ``bins`` .. 1) by FM (columns, 1 .. ``bins``) grid of customers or a sum.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`compute_rfm_scores` output.
    values : pandas.Series, optional
        Summed per cell (e.g. revenue); counts customers when omitted.

    Examples
    --------
    >>> s = pd.DataFrame({"rfm_r": [5, 5, 1], "rfm_f": [5, 4, 1], "rfm_m": [5, 5, 1]})
    >>> g = compute_rfm_grid(s)
    >>> int(g.loc[5, 5]), int(g.loc[1, 1]), g.shape
    (2, 1, (5, 5))
    """
    ok = scores["rfm_r"].notna()
    s = scores.loc[ok]
    fm = np.floor((s["rfm_f"].astype(float) + s["rfm_m"].astype(float)) / 2 + 0.5).astype(int)
    v = values.loc[ok] if values is not None else pd.Series(1.0, index=s.index)
    grid = v.groupby([s["rfm_r"].astype(int).to_numpy(), fm.to_numpy()]).sum().unstack(fill_value=0)
    levels = list(range(1, bins + 1))
    grid = grid.reindex(index=levels[::-1], columns=levels, fill_value=0)
    grid.index.name, grid.columns.name = "R", "FM"
    return grid
