"""Customer lifetime value for non-contract customers: BG/NBD, Pareto/NBD, Gamma-Gamma, CLV.

Maximum-likelihood fits of the closed-form likelihoods with scipy (equal to the MAP fit
under flat priors); see docs/churn.md for why PyMC-Marketing is not used.
"""

from analysis.clv.bgnbd import BetaGeoModel
from analysis.clv.gamma_gamma import GammaGammaModel
from analysis.clv.holdout import (
    calibration_and_holdout,
    calibration_rfm,
    compare_holdout,
    compute_daily_repeat_purchases,
    compute_tracking,
)
from analysis.clv.mbgnbd import ModifiedBetaGeoModel
from analysis.clv.pareto_nbd import ParetoNBDModel
from analysis.clv.summary import compute_rfm_summary
from analysis.clv.value import compute_clv

#: The purchase models by code, as the reports name them (``churn.model.<code>``).
PURCHASE_MODELS = {
    "bgnbd": BetaGeoModel,
    "mbgnbd": ModifiedBetaGeoModel,
    "pareto_nbd": ParetoNBDModel,
}

__all__ = [
    "BetaGeoModel",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "PURCHASE_MODELS",
    "ParetoNBDModel",
    "calibration_and_holdout",
    "calibration_rfm",
    "compare_holdout",
    "compute_clv",
    "compute_daily_repeat_purchases",
    "compute_rfm_summary",
    "compute_tracking",
]
