"""Customer-analytics workbench."""
