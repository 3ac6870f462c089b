"""Satisfaction survey scores (NPS, CSAT) and their link to customers."""

from analysis.surveys.nps import (
    compute_csat,
    compute_monthly_change,
    compute_nps,
    compute_response_rate,
    nps_groups,
)

__all__ = [
    "compute_csat",
    "compute_monthly_change",
    "compute_nps",
    "compute_response_rate",
    "nps_groups",
]
