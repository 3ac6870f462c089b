"""Report runner and presentation: papermill execution, offline HTML, indexes."""
