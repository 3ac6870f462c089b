"""Ingest on awkward but ordinary exports (tests/awkward.py): it succeeds with a balanced
ledger, or stops with one line naming the problem."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest
from awkward import CASE_PERIOD, CASES, EXPECT_STOP, awkward_exports, write_export
from hypothesis import given, settings

from analysis.cleaning import build_warehouse
from analysis.exceptions import AnalysisError

INGESTS = [c for c in CASES if c not in EXPECT_STOP]


def _ingest(folder, period, out):
    return build_warehouse(
        folder,
        period=period,
        warehouse=out / "warehouse.duckdb",
        quarantine_dir=out / "quarantine",
    )


def _assert_balanced(report):
    for name, t in report.tables.items():
        assert t.rows_in == t.kept + t.duplicates_removed + t.quarantined + t.after_period, (
            name,
            t,
        )


def _skips(table):
    return lambda r: table in r.skipped and table not in r.tables


# What a case must show in the report, beyond a balanced ledger and nothing quarantined.
CHECKS = {
    "base": lambda r: (
        not r.skipped and all(t.kept == t.rows_in and not t.orphan_rows for t in r.tables.values())
    ),
    "no_surveys": _skips("surveys"),
    "no_subscriptions": _skips("subscriptions"),
    "no_interactions": _skips("interactions"),
    "surveys_six_rows": lambda r: r.tables["surveys"].kept == 6,
    "single_customer": lambda r: r.tables["customers"].kept == 1,
    "one_purchase_identical": lambda r: r.tables["transactions"].kept == 80,
    "ten_transactions": lambda r: r.tables["transactions"].kept == 10,
    "never_came_back": lambda r: r.tables["transactions"].kept == r.tables["customers"].kept,
    "period_edge_last_day": lambda r: (
        r.tables["transactions"].date_max == "2026-10-31"
        and r.tables["transactions"].after_period == 0
    ),
    "data_end_two_months_before": lambda r: r.tables["transactions"].date_max == "2026-08-31",
    "orphan_transactions": lambda r: r.tables["transactions"].orphan_customers == 30,
    "customers_id_only": lambda r: list(r.tables["customers"].missing) == ["customer_id"],
}


@pytest.mark.parametrize("case", INGESTS)
def test_case_ingests_with_balanced_ledger(case, tmp_path):
    CASES[case](tmp_path / "src")
    report = _ingest(tmp_path / "src", CASE_PERIOD[case], tmp_path / "out")
    _assert_balanced(report)
    assert {n: t.quarantined for n, t in report.tables.items() if t.quarantined} == {}
    assert report.tables["transactions"].kept > 0
    assert CHECKS.get(case, lambda r: True)(report), report.to_dict()


@pytest.mark.parametrize("case", list(EXPECT_STOP))
def test_case_stops_with_exit_2_and_one_line(case, tmp_path):
    CASES[case](tmp_path / "src")
    argv = ["ingest", "--data", str(tmp_path / "src"), "--out", str(tmp_path / "out")]
    done = subprocess.run(
        [sys.executable, "-m", "analysis.cli", *argv, "--period", CASE_PERIOD[case]],
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = done.stderr.splitlines()
    assert done.returncode == 2, done
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert EXPECT_STOP[case] in lines[0]
    if case == "period_before_data":  # names the table, the data's date range and the period
        with open(tmp_path / "src" / "transactions.csv", encoding="utf-8") as fh:
            dates = sorted(row["order_date"] for row in csv.DictReader(fh))
        for part in ("transactions.csv", "order_date", "2020-01", dates[0], dates[-1]):
            assert part in lines[0]


@settings(max_examples=25, deadline=None, database=None, derandomize=True)
@given(files=awkward_exports())
def test_random_export_ingests_or_stops_cleanly(files, tmp_path_factory):
    folder = write_export(tmp_path_factory.mktemp("draw") / "src", files)
    try:
        report = _ingest(folder, "2026-10", folder.parent / "out")
    except AnalysisError as exc:
        message = str(exc)
        assert message.strip() and "\n" not in message
        return
    _assert_balanced(report)


def test_header_only_optional_table_is_skipped_like_an_absent_one(tmp_path):
    CASES["surveys_header_only"](tmp_path / "src")
    report = _ingest(tmp_path / "src", "2026-10", tmp_path / "out")
    assert "surveys" not in report.tables
    assert report.skipped["surveys"].startswith("empty (header only):")


def test_header_only_required_table_stops(tmp_path):
    from analysis.exceptions import DataValidationError

    CASES["base"](tmp_path / "src")
    path = tmp_path / "src" / "transactions.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="header but no rows"):
        _ingest(tmp_path / "src", "2026-10", tmp_path / "out")
