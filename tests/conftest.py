"""Shared fixtures: small synthetic sources written to tmp folders."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"

CUSTOMERS = """customer_id,name,customer_type,region
007,张三,individual,华东
008,李四,individual,华北
009,ACME,business,华南
"""

TRANSACTIONS = """order_id,customer_id,order_date,amount
1,007,2024-03-05,100
2,008,2024-04-01,50.5
3,009,2024-05-06,300
4,007,2024-06-07,-20
"""


def write_source(folder: Path, files: dict[str, str | bytes], encoding: str = "utf-8") -> Path:
    """Write ``{name: text}`` into ``folder`` (text encoded with ``encoding``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode(encoding)
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture
def ingest(tmp_path):
    """Run build_warehouse on ``files`` and return (report, warehouse)."""
    from analysis.cleaning import build_warehouse
    from analysis.warehouse import open_warehouse

    def run(files=None, *, period="2026-10", folder=None, **kw):
        src = folder or write_source(
            tmp_path / "src",
            files or {"customers.csv": CUSTOMERS, "transactions.csv": TRANSACTIONS},
        )
        report = build_warehouse(
            src,
            period=period,
            warehouse=tmp_path / "out" / "warehouse.duckdb",
            quarantine_dir=tmp_path / "out" / "quarantine",
            **kw,
        )
        return report, open_warehouse(tmp_path / "out" / "warehouse.duckdb")

    return run


@pytest.fixture(scope="session")
def sample_data() -> Path:
    """The bundled sample (``make sample``); written here if missing."""
    if not (SAMPLE / "truth.json").exists():
        from analysis.sample import write_sample

        write_sample(SAMPLE)
    return SAMPLE
