"""One profile per customer: normalise identifying fields, match records, merge them.

The steps, each a function returning new frames:

1. :func:`find_matches` groups records by normalised phone, e-mail and company + city
   (:mod:`analysis.profiles.normalise`) and lists strong pairs (merged) and review pairs
   (same name only, switchboard phones: for a person to check).
2. :func:`build_profiles` joins strong pairs transitively into profiles (id = smallest
   ``customer_id`` of the group) and picks each field by survivorship (most recent
   non-empty value by ``signup_date``; ``signup_date`` itself is the earliest).
3. :func:`remap_ids` points transactions, surveys and interactions at the profiles.

Rules, thresholds and measured precision/recall are in ``docs/decisions.md``
("Customer profiles: matching and survivorship").

Examples
--------
>>> import pandas as pd
>>> c = pd.DataFrame({"customer_id": ["C1", "C2"], "phone": ["138 0013 8000", "13800138000"]})
>>> profile_map, profiles = build_profiles(c, find_matches(c))
>>> profile_map.to_dict()
{'C1': 'C1', 'C2': 'C1'}
"""

from analysis.profiles.dedup import build_profiles, find_matches, remap_ids
from analysis.profiles.normalise import (
    completeness,
    load_city_table,
    normalise_company,
    normalise_email,
    normalise_phone,
    standardise_city,
)

__all__ = [
    "build_profiles",
    "completeness",
    "find_matches",
    "load_city_table",
    "normalise_company",
    "normalise_email",
    "normalise_phone",
    "remap_ids",
    "standardise_city",
]
