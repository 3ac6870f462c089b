"""Domain errors. Messages name what a user must fix: file, column, rows."""

from __future__ import annotations


class AnalysisError(Exception):
    """Base class for errors a user can act on; the CLI prints them without a traceback."""


class DataValidationError(AnalysisError):
    """Input data breaks the contract.

    Parameters
    ----------
    message : str
        What is wrong and how to fix it.
    file : str, optional
        The source file or table the problem is in.
    column : str, optional
        The column concerned.
    rows : list of int, optional
        Example source row numbers (1-based, header is row 1 for CSV/Excel).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        rows: list[int] | None = None,
    ) -> None:
        self.file = file
        self.column = column
        self.rows = list(rows or [])
        parts = []
        if file:
            parts.append(f"file {file}")
        if column:
            parts.append(f"column '{column}'")
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            more = f" (+{len(self.rows) - 5} more)" if len(self.rows) > 5 else ""
            parts.append(f"rows {shown}{more}")
        where = "; ".join(parts)
        super().__init__(f"{where}: {message}" if where else message)


class ConfigError(AnalysisError):
    """A mapping file, parameter or command-line option is wrong."""


class ReportError(AnalysisError):
    """A report run failed (a notebook raised, or another run holds the lock)."""
