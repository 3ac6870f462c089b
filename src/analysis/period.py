"""Reporting periods: a calendar month, given as ``YYYY-MM`` or ``last``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from analysis.exceptions import ConfigError

_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """One calendar month.

    Examples
    --------
    >>> p = Period.parse("2024-02")
    >>> p.start, p.end
    (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    >>> str(p.previous())
    '2024-01'
    """

    year: int
    month: int

    @classmethod
    def parse(cls, text: str, *, today: dt.date | None = None) -> Period:
        """Parse ``YYYY-MM``, or ``last`` for the previous full month before ``today``."""
        text = str(text).strip()
        if text == "last":
            today = today or dt.date.today()
            first = today.replace(day=1)
            prev = first - dt.timedelta(days=1)
            return cls(prev.year, prev.month)
        m = _PERIOD_RE.match(text)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ConfigError(f"period '{text}' is not YYYY-MM (for example 2024-03) or 'last'")
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def end(self) -> dt.date:
        """Last day of the month (inclusive)."""
        nxt = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)

    def previous(self, months: int = 1) -> Period:
        idx = self.year * 12 + (self.month - 1) - months
        return Period(idx // 12, idx % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
