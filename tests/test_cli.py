"""The command line: one clear line and exit code 2 for problems a user can fix."""

from __future__ import annotations

import json

from conftest import CUSTOMERS, TRANSACTIONS, write_source

from analysis.cli import main


def test_ingest_command_writes_ledger(tmp_path, capsys):
    src = write_source(
        tmp_path / "src", {"customers.csv": CUSTOMERS, "transactions.csv": TRANSACTIONS}
    )
    code = main(["ingest", "--data", str(src), "--period", "2026-10", "--out", str(tmp_path / "o")])
    out = capsys.readouterr().out
    assert code == 0
    assert "transactions: 4 in, 4 kept" in out
    q = json.loads((tmp_path / "o" / "quality.json").read_text())
    assert q["tables"]["customers"]["balanced"] is True


def test_missing_folder_is_one_line_error(tmp_path, capsys):
    code = main(
        [
            "ingest",
            "--data",
            str(tmp_path / "nope"),
            "--period",
            "2026-10",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "does not exist" in err and "Traceback" not in err


def test_bad_period_and_param(tmp_path, capsys):
    assert main(["report", "--period", "10-2026", "--data", str(tmp_path)]) == 2
    assert "YYYY-MM" in capsys.readouterr().err
    assert main(["report", "--period", "2026-10", "--data", str(tmp_path), "-p", "oops"]) == 2
    assert "name=value" in capsys.readouterr().err


def test_sample_command_is_deterministic(tmp_path):
    assert main(["sample", "--out", str(tmp_path / "a"), "--customers", "300"]) == 0
    assert main(["sample", "--out", str(tmp_path / "b"), "--customers", "300"]) == 0
    for name in ("customers.csv", "transactions.csv", "truth.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
