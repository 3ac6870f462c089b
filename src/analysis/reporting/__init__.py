"""Report runner and presentation: papermill execution, offline HTML, indexes."""

from analysis.reporting.html import (
    render_notebook_html,
    render_period_index,
    render_reports_index,
)

__all__ = ["render_notebook_html", "render_period_index", "render_reports_index"]
