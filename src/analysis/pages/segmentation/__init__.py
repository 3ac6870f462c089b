"""Segmentation page: value tiers, customer types, RFM, the eight, lifecycle, clusters,
playbook and migration, all read from the run's one classes table (``ctx.classes``).
"""

from analysis.pages.segmentation._common import compute_tier_summary
from analysis.pages.segmentation.actions import exports, migration, playbook
from analysis.pages.segmentation.clustering import clusters
from analysis.pages.segmentation.scores import rfm, rfm_eight
from analysis.pages.segmentation.stages import lifecycle, threshold_source
from analysis.pages.segmentation.value import customer_types, summary, value_tiers

#: The page's sections in display order (the notebook shows each once).
SECTIONS = (
    "summary", "value_tiers", "customer_types", "rfm", "rfm_eight", "lifecycle", "clusters",
    "playbook", "migration", "exports",
)  # fmt: skip

__all__ = [
    "SECTIONS",
    "summary", "value_tiers", "customer_types", "rfm", "rfm_eight", "lifecycle", "clusters",
    "playbook", "migration", "exports", "compute_tier_summary", "threshold_source",
]  # fmt: skip
