"""Follow-up of customers by their owners, and the customer journey (issue 12).

- ``cadence``: contact history per customer, the overdue list against the playbook's
  cadence, owners' workload (:mod:`analysis.followup.cadence`);
- ``contact_effect``: start–stop intervals built in the engine and a time-varying Cox
  model of churn on recent contact (contracts: observed ends; non-contract customers:
  churn inferred from silence);
- ``notes``: complaints and wishes to leave in the free-text follow-up notes, and their
  customers' churn;
- ``journey``: signup to first and second purchase, lifecycle stage conversions, and the
  touchpoints customers had in each stage.
"""

from analysis.followup.cadence import (
    contact_history,
    overdue_followups,
    owner_workload,
)
from analysis.followup.contact_effect import (
    MIN_EVENTS,
    ContactEffect,
    build_contact_intervals,
    build_contract_intervals,
    fit_contact_effect,
)
from analysis.followup.journey import (
    CONVERSIONS,
    FUNNEL_STEPS,
    JourneyTimes,
    StageFlow,
    Touchpoints,
    compute_funnel,
    compute_journey_times,
    compute_stage_flow,
    compute_touchpoints,
)
from analysis.followup.notes import complaints_and_churn, flag_complaints

__all__ = [
    "CONVERSIONS",
    "FUNNEL_STEPS",
    "MIN_EVENTS",
    "ContactEffect",
    "JourneyTimes",
    "StageFlow",
    "Touchpoints",
    "build_contact_intervals",
    "build_contract_intervals",
    "complaints_and_churn",
    "compute_funnel",
    "compute_journey_times",
    "compute_stage_flow",
    "compute_touchpoints",
    "contact_history",
    "fit_contact_effect",
    "flag_complaints",
    "overdue_followups",
    "owner_workload",
]
