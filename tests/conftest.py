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


@pytest.fixture(scope="session", autouse=True)
def pseudonym_key_dir(tmp_path_factory) -> Path:
    """Tests read and write the pseudonym key in a temporary folder, never in the home
    folder, and ignore a key set in the developer's environment (report kernels inherit
    both settings)."""
    from analysis.privacy import CONFIG_DIR_ENV, KEY_ENV

    folder = tmp_path_factory.mktemp("analysis_config")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(CONFIG_DIR_ENV, str(folder))
        mp.delenv(KEY_ENV, raising=False)
        yield folder


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


# --- Small sample, built once per session ---------------------------------------------
# Shared by tests that need realistic data without the 20,000-customer bundled sample
# (which takes ~20 s to ingest and is missing in a fresh checkout until `make sample`).
# The generator's planted truth scales with n_customers, and its window (period end
# 2026-10-31) does not depend on it. Tests comparing with truth.json on this sample
# state their tolerances for this size. Both fixtures are shared: copy the folder
# before changing files in it, and never write to the warehouse (it opens read-only).

SMALL_SAMPLE_CUSTOMERS = 2_000  # ~35,000 transactions, ~860 survey responses
SMALL_SAMPLE_PERIOD = "2026-10"


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory) -> Path:
    """Folder with a small sample (seed 7): the CSV files, truth.json and truth/ (~0.3 s)."""
    from analysis.sample import write_sample

    folder = tmp_path_factory.mktemp("small_sample")
    write_sample(folder, n_customers=SMALL_SAMPLE_CUSTOMERS)
    return folder


@pytest.fixture(scope="session")
def sample_reports(small_sample, tmp_path_factory) -> dict[str, Path]:
    """The monthly report on the small sample in both languages, run once per session.

    Returns ``{"zh": <out>/2026-10, "en": <out>/2026-10}``; read the pages, never write.
    """
    from analysis.reporting.runner import run_report

    folders = {}
    for lang in ("zh", "en"):
        out = tmp_path_factory.mktemp(f"reports_{lang}")
        run_report(period=SMALL_SAMPLE_PERIOD, data=small_sample, out=out, lang=lang,
                   log=lambda s: None)  # fmt: skip
        folders[lang] = out / SMALL_SAMPLE_PERIOD
    return folders


@pytest.fixture(scope="session")
def small_warehouse(small_sample, tmp_path_factory):
    """The small sample ingested for period 2026-10, opened as a Warehouse (~2 s)."""
    from analysis.cleaning import build_warehouse
    from analysis.warehouse import open_warehouse

    # outside the source folder, so the source stays exactly what write_sample wrote
    out = tmp_path_factory.mktemp("small_warehouse")
    build_warehouse(
        small_sample,
        period=SMALL_SAMPLE_PERIOD,
        warehouse=out / "warehouse.duckdb",
        quarantine_dir=out / "quarantine",
    )
    wh = open_warehouse(out / "warehouse.duckdb")
    yield wh
    wh.con.disconnect()


@pytest.fixture(scope="session")
def cdnow_transactions():
    """The CDNOW 2,357-customer cohort from the ``lifetimes`` package, as an ibis table."""
    import importlib.util

    import ibis
    import pandas as pd

    spec = importlib.util.find_spec("lifetimes")
    if spec is None:
        pytest.skip("lifetimes (its CDNOW file) not installed")
    f = Path(spec.origin).parent / "datasets" / "CDNOW_sample.txt"
    raw = pd.read_csv(f, sep=r"\s+", header=None, names=["customer_id", "x", "d", "q", "amount"],
                      dtype={"customer_id": str, "d": str})  # fmt: skip
    raw["order_date"] = pd.to_datetime(raw["d"], format="%Y%m%d").dt.date
    return ibis.memtable(raw[["customer_id", "order_date", "amount"]])
