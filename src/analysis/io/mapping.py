"""The YAML mapping from a source's own headers and values to the contract.

Example (``mapping.yaml``)::

    tables:
      transactions:
        file: 订单明细.xlsx        # optional; default transactions.csv/.xlsx/.parquet
        sheet: 订单                # Excel only; default the first sheet
        columns:                  # source header -> contract column
          客户编号: customer_id
          下单日期: order_date
          金额: amount
        dates:
          order_date: DMY         # DMY | MDY | YMD, settles 05/03/2024
        key: [order_id, product]  # rows sharing it must agree; default [order_id]
      customers:
        columns: {客户编号: customer_id, 客户类型: customer_type}
        values:
          customer_type: {企业: business, 个人: individual}
    max_quarantine_share: 0.05

``--mapping zh-cn`` loads the bundled mapping of common Chinese CRM headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from analysis.exceptions import ConfigError
from analysis.schema import TABLES

DATE_ORDERS = ("DMY", "MDY", "YMD")
BUNDLED = {"zh-cn": "zh_cn.yaml"}


@dataclass(frozen=True)
class TableMapping:
    """How one contract table is found and renamed in a source."""

    file: str | None = None
    sheet: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    key: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file; ``Mapping()`` is the identity mapping."""

    tables: dict[str, TableMapping] = field(default_factory=dict)
    max_quarantine_share: float | None = None
    origin: str = "(none)"

    def table(self, name: str) -> TableMapping:
        return self.tables.get(name, TableMapping())


def load_mapping(path: str | Path | None) -> Mapping:
    """Read and validate a mapping file.

    Parameters
    ----------
    path : str, Path or None
        A YAML file, a bundled name (``zh-cn``), or None for the identity mapping.

    Raises
    ------
    ConfigError
        Naming the file and the key that is wrong.
    """
    if path is None or str(path) == "":
        return Mapping()
    if str(path) in BUNDLED:
        text = resources.files("analysis.mappings").joinpath(BUNDLED[str(path)]).read_text("utf-8")
        origin = f"bundled:{path}"
    else:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"mapping file {p} does not exist (bundled: {', '.join(BUNDLED)})")
        text = p.read_text(encoding="utf-8-sig")
        origin = str(p)
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"mapping {origin} is not valid YAML: {exc}") from None
    return parse_mapping(raw, origin=origin)


def parse_mapping(raw: dict, *, origin: str = "(dict)") -> Mapping:
    """Validate a mapping given as a dict (see :func:`load_mapping`)."""
    if not isinstance(raw, dict):
        raise ConfigError(f"mapping {origin}: top level must be a mapping")
    unknown = set(raw) - {"tables", "max_quarantine_share"}
    if unknown:
        raise ConfigError(f"mapping {origin}: unknown keys {sorted(unknown)}")
    tables = {}
    for name, spec in (raw.get("tables") or {}).items():
        if name not in TABLES:
            raise ConfigError(
                f"mapping {origin}: unknown table '{name}' (contract tables: {', '.join(TABLES)})"
            )
        spec = spec or {}
        bad = set(spec) - {"file", "sheet", "columns", "dates", "values", "key"}
        if bad:
            raise ConfigError(f"mapping {origin}: table '{name}' has unknown keys {sorted(bad)}")
        columns = {str(k).strip(): str(v).strip() for k, v in (spec.get("columns") or {}).items()}
        known = set(TABLES[name].columns)
        for src, dst in columns.items():
            if dst not in known:
                raise ConfigError(
                    f"mapping {origin}: tables.{name}.columns maps '{src}' to '{dst}', which is "
                    f"not a contract column of {name} ({', '.join(sorted(known))}); "
                    "extra columns need no mapping"
                )
        dates = {str(k): str(v) for k, v in (spec.get("dates") or {}).items()}
        for col, order in dates.items():
            if col not in TABLES[name].dates:
                raise ConfigError(f"mapping {origin}: tables.{name}.dates: '{col}' is not a date")
            if order.upper() not in DATE_ORDERS:
                raise ConfigError(
                    f"mapping {origin}: tables.{name}.dates.{col} is '{order}'; "
                    f"use one of {', '.join(DATE_ORDERS)}"
                )
        dates = {k: v.upper() for k, v in dates.items()}
        values = {
            str(col): {str(a): str(b) for a, b in (m or {}).items()}
            for col, m in (spec.get("values") or {}).items()
        }
        key = spec.get("key")
        if key is not None:
            key = tuple([key] if isinstance(key, str) else key)
        tables[name] = TableMapping(
            file=spec.get("file"),
            sheet=spec.get("sheet"),
            columns=columns,
            dates=dates,
            values=values,
            key=key,
        )
    share = raw.get("max_quarantine_share")
    if share is not None and not (isinstance(share, int | float) and 0 <= share <= 1):
        raise ConfigError(f"mapping {origin}: max_quarantine_share must be between 0 and 1")
    return Mapping(tables=tables, max_quarantine_share=share, origin=origin)
