"""Customer-analytics workbench: segmentation, survival-based churn and survey text.

Transaction-level work runs in an embedded engine (Ibis on DuckDB); pandas starts at
one row per customer. Notebooks in ``notebooks/`` call this package; ``analysis
report`` executes them with papermill and renders the month's HTML.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("analysis")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"
