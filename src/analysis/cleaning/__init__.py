"""Checking and cleaning raw tables into the warehouse, with a row ledger."""

from analysis.cleaning.ingest import build_warehouse
from analysis.cleaning.quality import QualityReport, TableQuality

__all__ = ["QualityReport", "TableQuality", "build_warehouse"]
