"""Reasons for a non-contract customer's churn risk: silence against their own rhythm."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["compute_silence_reasons"]


def compute_silence_reasons(
    rfm: pd.DataFrame, *, unit_days: float = 7.0, n: int = 3, min_factor: float = 1.5
) -> pd.DataFrame:
    """The purchase-model reason of each non-contract customer, as reason codes.

    A repeat buyer silent for at least ``min_factor`` times their mean gap between
    purchases gets ``silence_days=<d>`` against ``usual_gap_days=<g>`` with factor
    ``d / g``; a one-time buyer gets ``one_purchase_days=<d>`` (days since that
    purchase) against nothing. These are the quantities BG/NBD and Pareto/NBD read
    P(alive) from (frequency, recency, age); other columns stay empty.

    Parameters
    ----------
    rfm : pandas.DataFrame
        ``frequency``, ``recency``, ``T`` in units of ``unit_days``.

    Returns
    -------
    pandas.DataFrame
        ``reason_<k>``, ``reason_<k>_vs``, ``reason_<k>_factor`` for k = 1..n, like
        :func:`analysis.survival.compute_reason_codes`.

    Examples
    --------
    >>> rfm = pd.DataFrame({"frequency": [4, 0, 4], "recency": [8, 0, 16], "T": [20, 3, 17]},
    ...                    index=["a", "b", "c"])
    >>> compute_silence_reasons(rfm, n=1)[["reason_1", "reason_1_vs"]].values.tolist()
    [['silence_days=84', 'usual_gap_days=14'], ['one_purchase_days=21', ''], ['', '']]
    """
    x = rfm["frequency"].to_numpy(float)
    silent = (rfm["T"] - rfm["recency"]).to_numpy(float) * unit_days
    gap = np.divide(rfm["recency"].to_numpy(float) * unit_days, x, out=np.full(len(x), np.nan),
                    where=x > 0)  # fmt: skip
    factor = np.divide(silent, gap, out=np.full(len(x), np.nan), where=gap > 0)
    repeat = (x > 0) & (factor >= min_factor)
    once = x == 0
    code = np.full(len(x), "", dtype=object)
    vs = np.full(len(x), "", dtype=object)
    code[repeat] = [f"silence_days={d:.0f}" for d in silent[repeat]]
    vs[repeat] = [f"usual_gap_days={g:.0f}" for g in gap[repeat]]
    code[once] = [f"one_purchase_days={d:.0f}" for d in silent[once]]
    out = {"reason_1": code, "reason_1_vs": vs, "reason_1_factor": np.where(repeat, factor, np.nan)}
    for k in range(2, n + 1):
        out[f"reason_{k}"] = np.full(len(x), "", dtype=object)
        out[f"reason_{k}_vs"] = np.full(len(x), "", dtype=object)
        out[f"reason_{k}_factor"] = np.full(len(x), np.nan)
    return pd.DataFrame(out, index=rfm.index)
