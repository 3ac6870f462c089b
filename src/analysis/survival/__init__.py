"""Churn as survival: data as of the period end, KM, Cox, Weibull AFT, the early-warning list.

One concept per module: ``data`` (lifetimes, point in time), ``covariates``, ``km``,
``cox``, ``parametric``, ``predict`` (conditional churn probability), ``effects`` (hazard
ratios and reasons as contrasts), ``warning`` (the at-risk list), ``silence`` (reasons
of non-contract customers), ``noncontract`` (churn by the purchase model's P(alive)),
``backtest`` (time-based holdout and track record), ``sbg`` and ``cohorts`` (shifted
beta-geometric retention of contract cohorts).
"""

from analysis.survival.backtest import (
    BacktestResult,
    make_model_frame,
    run_backtest,
    score_calibration,
    score_top_k,
)
from analysis.survival.cohorts import SbgCohorts, compute_contract_cohorts, fit_sbg_cohorts
from analysis.survival.covariates import build_covariates, describe_covariate
from analysis.survival.cox import CoxModel
from analysis.survival.data import (
    choose_churn_threshold,
    churn_threshold_from_gaps,
    compute_contract_survival,
    compute_latest_nps,
    compute_noncontract_survival,
    compute_survival_data,
)
from analysis.survival.effects import (
    MIN_FACTOR,
    compute_reason_codes,
    hazard_effects,
    hazard_ratio_table,
)
from analysis.survival.km import adjust_holm, compute_logrank, fit_km, summarise_km
from analysis.survival.parametric import WeibullModel
from analysis.survival.predict import predict_churn
from analysis.survival.sbg import ShiftedBetaGeoModel
from analysis.survival.silence import compute_silence_reasons
from analysis.survival.warning import build_at_risk_list, compute_reasons, describe_reason

__all__ = [
    "SbgCohorts",
    "ShiftedBetaGeoModel",
    "compute_contract_cohorts",
    "fit_sbg_cohorts",
    "BacktestResult",
    "CoxModel",
    "WeibullModel",
    "adjust_holm",
    "build_at_risk_list",
    "build_covariates",
    "choose_churn_threshold",
    "churn_threshold_from_gaps",
    "compute_contract_survival",
    "compute_latest_nps",
    "compute_logrank",
    "compute_noncontract_survival",
    "compute_reason_codes",
    "compute_reasons",
    "compute_silence_reasons",
    "describe_reason",
    "hazard_effects",
    "hazard_ratio_table",
    "MIN_FACTOR",
    "compute_survival_data",
    "describe_covariate",
    "fit_km",
    "make_model_frame",
    "predict_churn",
    "run_backtest",
    "score_calibration",
    "score_top_k",
    "summarise_km",
]
