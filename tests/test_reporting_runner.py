"""End to end: `analysis report` executes notebooks, renders offline HTML, publishes atomically."""

from __future__ import annotations

import json
import re
import shutil
import threading
from pathlib import Path

import nbformat
import pytest
from conftest import CUSTOMERS, ROOT, write_source

from analysis.cli import main
from analysis.exceptions import ReportError
from analysis.reporting.runner import _period_lock, discover_notebooks, read_parameters, run_report

pytestmark = pytest.mark.slow

TX = (
    "order_id,customer_id,order_date,amount\n"
    + "\n".join(
        [
            f"{i},{['007', '008', '009'][i % 3]},2026-{1 + i % 10:02d}-{1 + i % 27:02d},{10 + i}.5"
            for i in range(60)
        ]
        + [
            "1,007,2026-02-02,99",
            "60,404,2026-03-03,5",
            "61,007,2026-11-05,5",
            "0,007,2026-01-01,10.5",
        ]
    )
    + "\n"
)


@pytest.fixture
def source(tmp_path) -> Path:
    return write_source(tmp_path / "src", {"customers.csv": CUSTOMERS, "transactions.csv": TX})


@pytest.fixture
def notebooks(tmp_path) -> Path:
    """Only the data-quality notebook: fast, and independent of later analyses."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(ROOT / "notebooks" / "data_quality.ipynb", folder)
    return folder


def _failing_notebook(folder: Path) -> None:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell('period: str = "2026-10"', metadata={"tags": ["parameters"]})
    nb.cells = [p, nbformat.v4.new_code_cell("raise RuntimeError('planted failure')")]
    nbformat.write(nb, folder / "zz_fails.ipynb")


def test_report_end_to_end(source, notebooks, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    out = tmp_path / "reports"
    index = run_report(
        period="2026-10", data=source, out=out, notebooks=notebooks, lang="en", log=lambda s: None
    )
    folder = out / "2026-10"
    assert index == folder / "index.html"
    for name in (
        "index.html",
        "data_quality.html",
        "data_quality.ipynb",
        "manifest.json",
        "quality.json",
        "quarantine/transactions.csv",
    ):
        assert (folder / name).exists(), name
    assert not (folder / "_work").exists()
    html = (folder / "data_quality.html").read_text()
    for heading in ("Row ledger", "Quarantine reasons", "Date coverage", "Missing values"):
        assert heading in html
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', html)) >= 2
    assert not re.search(r'(src|href)="https?://', html)
    assert "def " not in html and "import analysis" not in html  # code is hidden
    # The row ledger adds up and matches the planted problems.
    q = json.loads((folder / "quality.json").read_text())["tables"]["transactions"]
    assert (
        q["rows_in"] == q["kept"] + q["duplicates_removed"] + q["quarantined"] + q["after_period"]
    )
    assert (q["rows_in"], q["quarantined"], q["after_period"], q["orphan_rows"]) == (64, 2, 1, 1)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["inputs"]["transactions"]["rows_in"] == 64
    assert manifest["inputs"]["transactions"]["files"][0]["sha256"]
    assert {"pandas", "ibis-framework", "duckdb", "papermill"} <= set(manifest["versions"])
    assert set(manifest["seconds"]) >= {"ingest", "data_quality", "total"}
    assert "2026-10" in (out / "index.html").read_text()

    # Same inputs: identical HTML and exports.
    first = {
        p.relative_to(folder): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in (".html", ".csv", ".xlsx")
    }
    run_report(
        period="2026-10", data=source, out=out, notebooks=notebooks, lang="en", log=lambda s: None
    )
    second = {
        p.relative_to(folder): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in (".html", ".csv", ".xlsx")
    }
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_failure_keeps_earlier_report_and_saves_failed_notebook(source, notebooks, tmp_path):
    out = tmp_path / "reports"
    run_report(period="2026-10", data=source, out=out, notebooks=notebooks, log=lambda s: None)
    before = (out / "2026-10" / "data_quality.html").read_bytes()
    _failing_notebook(notebooks)
    with pytest.raises(ReportError, match="zz_fails.ipynb failed.*planted failure"):
        run_report(period="2026-10", data=source, out=out, notebooks=notebooks, log=lambda s: None)
    assert (out / "2026-10" / "data_quality.html").read_bytes() == before
    failed = list((out / "_failed").glob("2026-10-*/zz_fails.ipynb"))
    assert len(failed) == 1
    assert "planted failure" in failed[0].read_text()
    assert not list(out.glob(".build-*"))
    # The command line says so in one line and exits non-zero.
    code = main(
        [
            "report",
            "--period",
            "2026-10",
            "--data",
            str(source),
            "--out",
            str(out),
            "--notebooks",
            str(notebooks),
        ]
    )
    assert code == 2


def test_bad_data_stops_before_notebooks(tmp_path, notebooks, capsys):
    bad = write_source(
        tmp_path / "bad",
        {"customers.csv": CUSTOMERS, "transactions.csv": "customer_id,order_date\n1,2024-01-01\n"},
    )
    code = main(
        [
            "report",
            "--period",
            "2026-10",
            "--data",
            str(bad),
            "--out",
            str(tmp_path / "r"),
            "--notebooks",
            str(notebooks),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "transactions.csv" in err and "'amount'" in err
    assert "Traceback" not in err
    assert not (tmp_path / "r" / "2026-10").exists()


def test_unknown_parameter_is_rejected_before_running(source, notebooks, tmp_path):
    with pytest.raises(ReportError, match="unknown parameter 'horizn'"):
        run_report(
            period="2026-10",
            data=source,
            out=tmp_path / "r",
            notebooks=notebooks,
            params={"horizn": 90},
            log=lambda s: None,
        )
    assert not (tmp_path / "r" / "2026-10").exists()


def test_notebook_without_parameters_cell_is_an_error(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(nb, tmp_path / "plain.ipynb")
    with pytest.raises(ReportError, match="no cell tagged 'parameters'"):
        read_parameters(tmp_path / "plain.ipynb")


def test_second_run_of_same_period_stops(tmp_path, source, notebooks):
    out = tmp_path / "reports"
    held = threading.Event()
    release = threading.Event()

    def hold():
        with _period_lock(out, "2026-10"):
            held.set()
            release.wait(10)

    # flock is per open file description, so a second open in this process conflicts too.
    t = threading.Thread(target=hold)
    t.start()
    held.wait(5)
    try:
        with pytest.raises(ReportError, match="already running"):
            run_report(
                period="2026-10", data=source, out=out, notebooks=notebooks, log=lambda s: None
            )
    finally:
        release.set()
        t.join()


def test_report_notebooks_in_order_and_exploratory_excluded():
    names = [p.stem for p in discover_notebooks(ROOT / "notebooks")]
    assert names[0] == "data_quality"
    assert all("exploratory" not in str(p) for p in discover_notebooks(ROOT / "notebooks"))
    for p in discover_notebooks(ROOT / "notebooks"):
        assert "period" in read_parameters(p)
