"""Customer lifetime value for non-contract customers: BG/NBD, Gamma-Gamma, CLV.

Maximum-likelihood fits of the closed-form likelihoods with scipy (equal to the MAP fit
under flat priors); see docs/churn.md for why PyMC-Marketing is not used.
"""

from analysis.clv.bgnbd import BetaGeoModel
from analysis.clv.gamma_gamma import GammaGammaModel
from analysis.clv.summary import compute_rfm_summary
from analysis.clv.value import compute_clv

__all__ = ["BetaGeoModel", "GammaGammaModel", "compute_clv", "compute_rfm_summary"]
