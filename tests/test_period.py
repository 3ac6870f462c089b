"""Reporting periods."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.exceptions import ConfigError
from analysis.period import Period


def test_month_bounds_and_leap_february():
    p = Period.parse("2024-02")
    assert (p.start, p.end) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert Period.parse("2023-12").end == dt.date(2023, 12, 31)


def test_last_is_the_previous_full_month():
    assert str(Period.parse("last", today=dt.date(2026, 11, 23))) == "2026-10"
    assert str(Period.parse("last", today=dt.date(2026, 1, 1))) == "2025-12"


def test_previous_crosses_years():
    assert str(Period.parse("2026-01").previous()) == "2025-12"
    assert str(Period.parse("2026-10").previous(3)) == "2026-07"


@pytest.mark.parametrize("text", ["2026-13", "2026/10", "Oct 2026", "", "2026-1"])
def test_bad_periods_are_config_errors(text):
    with pytest.raises(ConfigError, match="YYYY-MM"):
        Period.parse(text)
