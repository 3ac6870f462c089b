"""Follow-up of customers by their owners: does contact go with keeping them? (issue 12).

``contact_effect``: start–stop intervals of non-contract customers, built in the engine,
and a time-varying Cox model of churn on recent contact.
"""

from analysis.followup.contact_effect import (
    MIN_EVENTS,
    ContactEffect,
    build_contact_intervals,
    fit_contact_effect,
)

__all__ = ["MIN_EVENTS", "ContactEffect", "build_contact_intervals", "fit_contact_effect"]
