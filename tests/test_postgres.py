"""Reading a real PostgreSQL server: a throw-away cluster on a Unix socket.

Runs where Debian's postgresql server binaries and psycopg are installed (as root the
cluster runs as the ``postgres`` user); skipped elsewhere, saying why.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import pytest
from conftest import CUSTOMERS, TRANSACTIONS

pytest.importorskip("psycopg", reason="pip install -e '.[postgres]'")
BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
pytestmark = pytest.mark.skipif(
    not BIN or os.geteuid() != 0 or shutil.which("runuser") is None,
    reason="needs Debian's postgresql package and root (apt-get install postgresql)",
)


@pytest.fixture
def server():
    import tempfile
    from pathlib import Path

    import psycopg

    # pytest's tmp_path is private to root; the server runs as postgres.
    data = Path(tempfile.mkdtemp(prefix="analysis-pg-"))
    shutil.chown(data, "postgres")
    as_pg = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*as_pg, f"{BIN[-1]}/initdb", "-D", str(data), "-A", "trust", "-U", "crm"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *as_pg,
            f"{BIN[-1]}/pg_ctl",
            "-D",
            str(data),
            "-w",
            "-l",
            str(data / "log"),
            "-o",
            f"-k {data} -c listen_addresses=''",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    url = f"postgresql://crm@/postgres?host={data}"
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE customers (customer_id text, name text, customer_type text,"
                " region text)"
            )
            for line in CUSTOMERS.strip().splitlines()[1:]:
                conn.execute("INSERT INTO customers VALUES (%s, %s, %s, %s)", line.split(","))
            conn.execute(
                "CREATE TABLE transactions (order_id int, customer_id text, "
                "order_date date, amount numeric)"
            )
            for line in TRANSACTIONS.strip().splitlines()[1:]:
                conn.execute("INSERT INTO transactions VALUES (%s, %s, %s, %s)", line.split(","))
        yield url
    finally:
        subprocess.run(
            [*as_pg, f"{BIN[-1]}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(data, ignore_errors=True)


def test_postgres_source(server, ingest, monkeypatch):
    monkeypatch.setenv("PGTEST_USER", "crm")
    url = server.replace("crm@", "${PGTEST_USER}@")
    report, wh = ingest(folder=url)
    assert report.source.startswith("postgresql://")
    assert "crm" not in report.source  # the user name comes from the environment, never shown
    tx = wh["transactions"].execute().sort_values("order_id")
    assert tx["amount"].tolist() == [100.0, 50.5, 300.0, -20.0]
    assert sorted(wh["customers"].execute()["customer_id"]) == ["007", "008", "009"]
