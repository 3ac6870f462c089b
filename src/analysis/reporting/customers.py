"""The one-row-per-customer export that every report notebook adds columns to.

Each notebook writes its per-customer columns with :func:`write_customer_columns`;
after all notebooks succeed the runner joins them on ``customer_id`` into
``exports/customers.csv`` and ``.xlsx`` (:func:`assemble_customer_export`). A notebook
run alone in JupyterLab (no ``report_dir``) writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.export import export_table
from analysis.schema import CUSTOMER_ID

PARTS = Path("exports") / "_parts"
# Attributes that lead the export; contact details (name, phone, email) are left out
# of a file meant to travel by e-mail.
BASE_COLUMNS = ("customer_type", "region", "city", "industry", "channel", "account_owner")


def write_customer_columns(
    report_dir: str | Path | None, part: str, df: pd.DataFrame
) -> Path | None:
    """Save per-customer columns of one analysis for the customers export.

    Parameters
    ----------
    report_dir : path or None
        The run's report folder (the ``report_dir`` notebook parameter); None or ""
        writes nothing.
    part : str
        A name for the columns' origin (``segmentation``, ``churn``, ``survey``); parts
        are joined in the order they were written.
    df : pandas.DataFrame
        Indexed by ``customer_id`` (or with that column), one row per customer.
    """
    if not report_dir:
        return None
    if CUSTOMER_ID in df.columns:
        df = df.set_index(CUSTOMER_ID)
    if df.index.name != CUSTOMER_ID or not df.index.is_unique:
        raise ValueError(f"part {part}: index must be a unique {CUSTOMER_ID}")
    folder = Path(report_dir) / PARTS
    folder.mkdir(parents=True, exist_ok=True)
    n = len(list(folder.glob("*.parquet")))
    path = folder / f"{n:02d}-{part}.parquet"
    df.to_parquet(path)
    return path


def assemble_customer_export(
    report_dir: str | Path,
    base: pd.DataFrame | None = None,
    classes: pd.DataFrame | None = None,
) -> list[Path]:
    """Join every part on ``customer_id`` into ``exports/customers.csv`` and ``.xlsx``.

    Parameters
    ----------
    report_dir : path
    base : pandas.DataFrame, optional
        Customer attributes indexed by ``customer_id`` (see :data:`BASE_COLUMNS`);
        they lead the export and every customer in them gets a row.
    classes : pandas.DataFrame, optional
        The run's one customer-classes table (codes and their zh/en labels, see
        :meth:`analysis.pages.context.RunContext.class_export`), indexed by
        ``customer_id``; it follows the attributes, so every page and export shows the
        same classes.

    Returns the files written (none when no notebook wrote a part). The parts folder
    is removed afterwards. A column name that two parts share is an error.
    """
    folder = Path(report_dir) / PARTS
    parts = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not parts and classes is None:
        return []
    frames = [pd.read_parquet(p) for p in parts]
    names = [p.name for p in parts]
    if classes is not None:
        frames, names = [classes, *frames], ["run classes", *names]
    if base is not None:
        base = base[[c for c in BASE_COLUMNS if c in base.columns]]
        if classes is not None:  # the classes' customer_type is the checked code
            base = base.drop(columns=[c for c in classes.columns if c in base.columns])
        frames, names = [base, *frames], ["customers table", *names]
    out = frames[0]
    for p, f in zip(names[1:], frames[1:], strict=True):
        clash = set(out.columns) & set(f.columns)
        if clash:
            raise ValueError(f"customer export: columns {sorted(clash)} come twice ({p})")
        out = out.join(f, how="outer")
    out = out.sort_index()
    written = export_table(out, Path(report_dir) / "exports" / "customers")
    for p in parts:
        p.unlink()
    if folder.is_dir():
        folder.rmdir()
    return written
