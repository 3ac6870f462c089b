"""Read a source (a folder of files or a database URL) into raw engine tables.

Every column arrives as text, with two bookkeeping columns: ``_file`` (where the
row came from) and ``_row`` (its row number there: the header is row 1, as a
spreadsheet shows it). Parsing and checking happen in :mod:`analysis.cleaning`.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import ibis
import pandas as pd

from analysis.exceptions import ConfigError, DataValidationError
from analysis.io.encoding import detect_encoding, transcode_to_utf8
from analysis.io.mapping import Mapping
from analysis.schema import TABLES

FILE_SUFFIXES = (".csv", ".xlsx", ".parquet")
_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class RawTable:
    """One contract table as read, before any checks.

    Attributes
    ----------
    name : str
        Contract table name.
    table : ibis.Table
        All columns as strings, renamed to the contract, plus ``_file`` and ``_row``.
    files : list of dict
        Each source file or database table: ``path``, ``encoding``, ``rows``, ``sha256``.
    headers : dict
        Contract column -> the source header it came from.
    """

    name: str
    table: ibis.Table
    files: list[dict] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return ", ".join(f["path"] for f in self.files)


def is_database_url(source: str) -> bool:
    """True for ``duckdb:///``, ``sqlite:///`` and ``postgresql://`` style sources."""
    return "://" in str(source)


def expand_url(url: str) -> str:
    """Fill ``${VAR}`` placeholders of a database URL from the environment.

    Credentials stay in the environment: only the unexpanded URL is ever stored.
    """

    def repl(m: re.Match) -> str:
        var = m.group(1)
        if var not in os.environ:
            raise ConfigError(f"database URL needs environment variable {var}, which is not set")
        return os.environ[var]

    return _ENV_RE.sub(repl, url)


def redact_source(source: str | Path) -> str:
    """A source as it may be shown: database passwords and user names removed."""
    text = str(source)
    if not is_database_url(text):
        return text
    parts = urlsplit(text)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    netloc = f"***@{host}" if (parts.username or parts.password) else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def display_source(source: str | Path) -> str:
    """A source as stakeholders' pages name it: no machine path, no credentials.

    A folder or file is named by its last component; a database URL keeps its scheme,
    host and database, with user name and password removed.

    Examples
    --------
    >>> display_source("/home/ana/exports/2026-10/")
    '2026-10'
    >>> display_source("postgresql://ana:secret@db.internal:5432/crm")
    'postgresql://***@db.internal:5432/crm'
    """
    text = str(source)
    if is_database_url(text):
        return redact_source(text)
    return Path(text.rstrip("/\\")).name or text


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _normalise_header(header: str, mapping_columns: dict[str, str], table: str) -> str:
    h = str(header).strip().lstrip("\ufeff")
    if h in mapping_columns:
        return mapping_columns[h]
    low = h.lower()
    if low in TABLES[table].columns:
        return low
    return h


def _rename(t: ibis.Table, table: str, mapping: Mapping, label: str) -> tuple[ibis.Table, dict]:
    cols = mapping.table(table).columns
    renames: dict[str, str] = {}
    seen: dict[str, str] = {}
    for c in t.columns:
        if c in ("_row", "_file"):
            continue
        new = _normalise_header(c, cols, table)
        if new in seen:
            raise DataValidationError(
                f"headers '{seen[new]}' and '{c}' both map to '{new}'; keep one or fix the mapping",
                file=label,
                column=new,
            )
        seen[new] = c
        renames[new] = c
    t = t.rename({k: v for k, v in renames.items() if k != v})
    return t, renames


def _read_file(con, path: Path, table: str, sheet: str | None, work_dir: Path) -> tuple:
    """Read one file into an all-text Ibis table with ``_file`` and ``_row``."""
    info = {"path": str(path), "sha256": sha256_file(path)}
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            enc = detect_encoding(path)
            info["encoding"] = enc
            read_path = path
            if enc == "gb18030":
                read_path = transcode_to_utf8(path, work_dir / f"{table}-{path.stem}.utf8.csv", enc)
            delim = _sniff_delimiter(read_path)
            info["delimiter"] = delim
            try:
                t = con.read_csv(
                    str(read_path),
                    all_varchar=True,
                    header=True,
                    delim=delim,
                    quote='"',
                    escape='"',
                )
            except Exception as exc:
                first = str(exc).strip().splitlines()[0]
                raise DataValidationError(
                    f"cannot read the file as CSV with delimiter {delim!r}: {first}. Look for "
                    "an unclosed quote or a row with a different number of fields",
                    file=str(path),
                ) from None
        elif suffix == ".xlsx":
            info["encoding"] = "xlsx"
            df = pd.read_excel(path, sheet_name=sheet or 0, dtype=str, engine="openpyxl")
            df = df.astype(object).where(df.notna(), None)
            df.columns = [str(c) for c in df.columns]
            t = ibis.memtable(df)
        elif suffix == ".parquet":
            info["encoding"] = "parquet"
            t = con.read_parquet(str(path))
            t = t.mutate(**{c: t[c].cast("string") for c in t.columns})
        else:  # pragma: no cover - filtered by the caller
            raise ConfigError(f"{path}: unsupported file type {suffix}")
    except (DataValidationError, ConfigError):
        raise
    except Exception as exc:  # the reader's own message is the useful part
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataValidationError(f"cannot read the file: {first}", file=str(path)) from None
    t = t.mutate(_row=(ibis.row_number() + 2).cast("int64"), _file=ibis.literal(path.name))
    return t, info


def _sniff_delimiter(path: Path) -> str:
    """The delimiter of a UTF-8 CSV, judged by its header line (comma by default)."""
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        header = fh.readline()
    counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _candidates(folder: Path, table: str, file: str | None) -> list[Path]:
    if file:
        p = folder / file
        if not p.exists():
            raise ConfigError(f"mapping names file {p} for table {table}, which does not exist")
        if p.is_dir():
            return sorted(q for q in p.iterdir() if q.suffix.lower() in FILE_SUFFIXES)
        return [p]
    found = [
        p
        for p in sorted(folder.iterdir())
        if p.is_file() and p.stem.lower() == table and p.suffix.lower() in FILE_SUFFIXES
    ]
    sub = folder / table
    if sub.is_dir():
        parts = sorted(q for q in sub.iterdir() if q.suffix.lower() in FILE_SUFFIXES)
        if parts:
            found.append(sub)
    if len(found) > 1:
        raise ConfigError(
            f"table {table} is given more than once in {folder}: "
            + ", ".join(p.name for p in found)
            + "; keep one, or name the file in the mapping"
        )
    if found and found[0].is_dir():
        return sorted(q for q in found[0].iterdir() if q.suffix.lower() in FILE_SUFFIXES)
    return found


def read_folder(
    con, folder: str | Path, *, mapping: Mapping, work_dir: Path
) -> tuple[dict[str, RawTable], list[str]]:
    """Read every contract table found in ``folder``.

    A table is ``<name>.csv``, ``.xlsx`` or ``.parquet``, a subfolder ``<name>/`` of
    such files (monthly exports, read together), or the file the mapping names.

    Returns
    -------
    tables : dict
        Contract name -> :class:`RawTable`, for the tables present.
    ignored : list of str
        Files in the folder that belong to no table.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"data folder {folder} does not exist")
    tables: dict[str, RawTable] = {}
    used: set[Path] = set()
    for name in TABLES:
        tm = mapping.table(name)
        paths = _candidates(folder, name, tm.file)
        if not paths:
            continue
        parts, infos, headers = [], [], {}
        for p in paths:
            t, info = _read_file(con, p, name, tm.sheet, work_dir)
            t, headers = _rename(t, name, mapping, str(p))
            parts.append(t)
            infos.append(info)
            used.add(p.resolve())
        t = _union_all(parts, name, [str(p) for p in paths])
        tables[name] = RawTable(name=name, table=t, files=infos, headers=headers)
    ignored = [
        p.name
        for p in sorted(folder.iterdir())
        if p.is_file() and p.resolve() not in used and not p.name.startswith(".")
    ]
    return tables, ignored


def _union_all(parts: list[ibis.Table], name: str, labels: list[str]) -> ibis.Table:
    if len(parts) == 1:
        return parts[0]
    cols = list(dict.fromkeys(c for t in parts for c in t.columns))
    aligned = []
    for t in parts:
        missing = {c: ibis.null("string") for c in cols if c not in t.columns}
        aligned.append(t.mutate(**missing).select(cols))
    return ibis.union(*aligned)


def read_database(con, url: str, *, mapping: Mapping) -> tuple[dict[str, RawTable], list[str]]:
    """Read contract tables from a database URL.

    ``duckdb:///path.duckdb``, ``sqlite:///path.db`` and ``postgresql://host/db``
    are understood. Credentials come from the environment: ``${VAR}`` placeholders
    in the URL, or the driver's own variables (``PGUSER``, ``PGPASSWORD``).
    """
    shown = redact_source(url)
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme == "duckdb":
        return _read_duckdb(con, _url_path(parts), shown, mapping)
    if scheme == "sqlite":
        import sqlite3

        path = _url_path(parts)
        if not Path(path).is_file():
            raise ConfigError(f"SQLite database {shown} does not exist")
        conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return _read_dbapi(con, conn, names, shown, mapping)
    if scheme in ("postgresql", "postgres"):
        try:
            import psycopg
        except ImportError:
            raise ConfigError(
                "reading PostgreSQL needs psycopg: pip install 'analysis[postgres]'"
            ) from None
        conn = psycopg.connect(expand_url(url))
        names = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        ]
        return _read_dbapi(con, conn, names, shown, mapping)
    raise ConfigError(
        f"unsupported database URL {shown}: use duckdb:///, sqlite:/// or postgresql://"
    )


def _url_path(parts) -> str:
    """SQLAlchemy's convention: ``sqlite:///rel.db`` is relative, ``sqlite:////abs.db`` not."""
    return parts.netloc + parts.path[1:] if parts.path.startswith("/") else parts.path


def _source_table_name(name: str, mapping: Mapping, available: list[str]) -> str | None:
    wanted = mapping.table(name).file or name
    for a in available:
        if a.lower() == wanted.lower():
            return a
    return None


def _read_duckdb(con, path: str, shown: str, mapping: Mapping):
    if not Path(path).is_file():
        raise ConfigError(f"DuckDB database {shown} does not exist")
    con.raw_sql(f"ATTACH '{path}' AS src (READ_ONLY)")
    available = con.list_tables(database=("src", "main"))
    tables = {}
    for name in TABLES:
        src = _source_table_name(name, mapping, available)
        if src is None:
            continue
        t = con.table(src, database=("src", "main"))
        t = t.mutate(**{c: t[c].cast("string") for c in t.columns})
        t = t.mutate(_row=(ibis.row_number() + 1).cast("int64"), _file=ibis.literal(src))
        t, headers = _rename(t, name, mapping, f"{shown} table {src}")
        t = con.create_table(f"_raw_{name}", t, overwrite=True)
        tables[name] = RawTable(
            name, t, [{"path": f"{shown}#{src}", "encoding": "duckdb"}], headers
        )
    ignored = [
        a for a in available if a not in {r.files[0]["path"].split("#")[1] for r in tables.values()}
    ]
    return tables, ignored


def _read_dbapi(con, conn, available: list[str], shown: str, mapping: Mapping):
    tables = {}
    for name in TABLES:
        src = _source_table_name(name, mapping, available)
        if src is None:
            continue
        cur = conn.cursor()
        cur.execute(f'SELECT * FROM "{src}"')
        cols = [d[0] for d in cur.description]
        frames = []
        while batch := cur.fetchmany(100_000):
            frames.append(pd.DataFrame(batch, columns=cols, dtype=object))
        df = pd.concat(frames) if frames else pd.DataFrame(columns=cols, dtype=object)
        df = df.map(lambda v: None if v is None else str(v))
        df.insert(0, "_row", range(1, len(df) + 1))
        df["_file"] = src
        t = con.create_table(f"_raw_{name}", ibis.memtable(df), overwrite=True)
        t, headers = _rename(t, name, mapping, f"{shown} table {src}")
        tables[name] = RawTable(name, t, [{"path": f"{shown}#{src}", "encoding": "dbapi"}], headers)
    used = {r.files[0]["path"].split("#")[1] for r in tables.values()}
    return tables, [a for a in available if a not in used]
