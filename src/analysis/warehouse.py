"""Open the cleaned tables of a run: the one object a notebook starts from."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import ibis

from analysis.cleaning.ingest import build_warehouse
from analysis.cleaning.quality import QualityReport
from analysis.period import Period


@dataclass
class Warehouse:
    """Clean contract tables in the engine, with the ingest ledger.

    Attributes
    ----------
    con : ibis backend
        The DuckDB connection (read-only when opened from a file).
    period : Period
    quality : QualityReport
    path : Path
    """

    con: object
    period: Period
    quality: QualityReport
    path: Path

    @property
    def tables(self) -> list[str]:
        return [t for t in self.con.list_tables() if not t.startswith("_")]

    def has(self, name: str) -> bool:
        return name in self.tables

    def table(self, name: str) -> ibis.Table:
        """An Ibis table expression; nothing is computed until it is executed."""
        return self.con.table(name)

    def __getitem__(self, name: str) -> ibis.Table:
        return self.table(name)


def open_warehouse(path: str | Path) -> Warehouse:
    """Open a warehouse written by :func:`analysis.cleaning.build_warehouse`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"warehouse {path} does not exist; run `analysis report` first")
    con = ibis.duckdb.connect(str(path), read_only=True)
    raw = con.table("_quality").execute()["report"].iloc[0]
    quality = QualityReport.from_dict(json.loads(raw))
    return Warehouse(con=con, period=Period.parse(quality.period), quality=quality, path=path)


def load_warehouse(
    *,
    warehouse: str | Path | None = None,
    data_path: str | Path | None = None,
    period: str = "last",
    mapping_path: str | Path | None = None,
    work_dir: str | Path | None = None,
) -> Warehouse:
    """The warehouse a notebook works on.

    The report runner passes ``warehouse`` (built once per run); an analyst in
    JupyterLab leaves it empty and the source at ``data_path`` is ingested into
    ``work_dir`` (a temporary folder by default).

    Examples
    --------
    >>> wh = load_warehouse(data_path="data/sample", period="2026-10")  # doctest: +SKIP
    >>> wh["transactions"].count().execute()  # doctest: +SKIP
    """
    if warehouse:
        return open_warehouse(warehouse)
    if not data_path:
        raise ValueError("give either warehouse or data_path")
    work = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="analysis-"))
    build_warehouse(
        data_path,
        period=period,
        mapping=mapping_path or None,
        warehouse=work / "warehouse.duckdb",
        quarantine_dir=work / "quarantine",
    )
    return open_warehouse(work / "warehouse.duckdb")
