"""Reading sources: files, encodings, database URLs, and the header mapping."""

from analysis.io.mapping import Mapping, load_mapping
from analysis.io.sources import is_database_url, redact_source

__all__ = ["Mapping", "is_database_url", "load_mapping", "redact_source"]
