"""Customer lifetime value from BG/NBD purchases and Gamma-Gamma spend."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.clv.bgnbd import BetaGeoModel
from analysis.clv.gamma_gamma import GammaGammaModel

__all__ = ["compute_clv", "MONTHLY_DISCOUNT"]

#: Discount rate per month of every value the reports show (CLV, contract value at risk).
MONTHLY_DISCOUNT = 0.01


def compute_clv(
    summary: pd.DataFrame,
    bgnbd: BetaGeoModel,
    gamma_gamma: GammaGammaModel,
    *,
    months: int = 12,
    unit_days: float = 7.0,
    monthly_discount: float = MONTHLY_DISCOUNT,
) -> pd.DataFrame:
    """Discounted expected spend over the next ``months`` for each customer.

    Expected purchases are taken month by month from BG/NBD and priced with the
    Gamma-Gamma conditional mean spend, discounted at ``monthly_discount``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``summary``: ``p_alive``, ``expected_purchases`` (over the horizon),
        ``expected_spend`` (per purchase), ``expected_clv``.

    Examples
    --------
    >>> df = pd.DataFrame({"frequency": [0, 2, 5, 1], "recency": [0, 10, 30, 4],
    ...                    "T": [40, 35, 38, 20], "monetary_value": [0, 20., 30., 10.]})
    >>> out = compute_clv(df, BetaGeoModel().fit(df), GammaGammaModel().fit(df), months=3)
    >>> list(out.columns)
    ['p_alive', 'expected_purchases', 'expected_spend', 'expected_clv']
    """
    spend = gamma_gamma.predict_spend(summary)
    units_per_month = 365.25 / 12 / unit_days
    prev = np.zeros(len(summary))
    clv = np.zeros(len(summary))
    for i in range(1, months + 1):
        cum = bgnbd.predict_purchases(summary, i * units_per_month)
        clv += (cum - prev) * spend / (1 + monthly_discount) ** i
        prev = cum
    return pd.DataFrame(
        {
            "p_alive": bgnbd.predict_p_alive(summary),
            "expected_purchases": prev,
            "expected_spend": spend,
            "expected_clv": clv,
        },
        index=summary.index,
    )
