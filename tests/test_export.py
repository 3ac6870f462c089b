"""Excel-safe exports: no live formulas, numbers stay numbers, Chinese survives, reruns match."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analysis.exceptions import ConfigError
from analysis.export import export_table, neutralise_formulas

ATTACKS = [
    "=1+1",
    "+SUM(A1:A2)",
    "-2+3",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    '=HYPERLINK("http://x","点我")',
]


@pytest.fixture
def frame() -> pd.DataFrame:
    n = len(ATTACKS) + 2
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "客户名称": [*ATTACKS, "张三", "重要价值客户"],
            "amount": np.round(rng.normal(0, 100, n), 2) * -1,
            "orders": np.arange(-1, n - 1),
            "segment": pd.Categorical(["=cmd"] + ["一般挽留客户"] * (n - 1)),
        }
    )


def _read_csv(path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_writes_both_files(tmp_path, frame):
    paths = export_table(frame, tmp_path / "out" / "rfm.2024-03")
    assert [p.name for p in paths] == ["rfm.2024-03.csv", "rfm.2024-03.xlsx"]
    assert all(p.is_file() for p in paths)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [p.name for p in paths]


def test_formulas_neutralised_in_csv(tmp_path, frame):
    (csv_path,) = export_table(frame, tmp_path / "t", formats=("csv",))
    rows = _read_csv(csv_path)
    assert rows[0] == ["客户名称", "amount", "orders", "segment"]
    names = [r[0] for r in rows[1:]]
    assert names == ["'" + a for a in ATTACKS] + ["张三", "重要价值客户"]
    assert rows[1][3] == "'=cmd"
    for row in rows[1:]:
        assert not row[0].startswith(("=", "+", "-", "@", "\t", "\r"))
        float(row[1])  # negative amounts are plain numbers, not '-prefixed text
        assert not row[1].startswith("'")


def test_formulas_neutralised_in_xlsx(tmp_path, frame):
    (xlsx_path,) = export_table(frame, tmp_path / "t", formats=("xlsx",))
    ws = openpyxl.load_workbook(xlsx_path).active
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    names = [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)]
    # xlsxwriter stores a carriage return as OOXML's escape _x000D_ (Excel shows a CR;
    # openpyxl reads the escape literally)
    expected = ["'" + a.replace("\r", "_x000D_") for a in ATTACKS] + ["张三", "重要价值客户"]
    assert names == expected
    amounts = [ws.cell(row=r, column=2) for r in range(2, ws.max_row + 1)]
    assert all(c.data_type == "n" and isinstance(c.value, int | float) for c in amounts)
    assert [c.value for c in amounts] == pytest.approx(frame["amount"].tolist())
    assert ws.cell(row=2, column=3).value == -1
    assert ws.cell(row=1, column=1).value == "客户名称"


def test_header_and_index_are_exported_safely(tmp_path):
    df = pd.DataFrame({"=evil": [1.0, -2.0]}, index=pd.Index(["-1", "北京"], name="城市"))
    (xlsx_path,) = export_table(df, tmp_path / "t", formats=("xlsx",))
    ws = openpyxl.load_workbook(xlsx_path).active
    assert [c.value for c in ws[1]] == ["城市", "'=evil"]
    assert [c.value for c in ws["A"]][1:] == ["'-1", "北京"]
    assert [c.value for c in ws["B"]][1:] == [1, -2]


def test_missing_values_are_empty_cells(tmp_path):
    df = pd.DataFrame(
        {"a": [1.0, np.nan], "b": ["x", None], "d": pd.to_datetime(["2024-03-01", None])}
    )
    csv_path, xlsx_path = export_table(df, tmp_path / "t")
    assert _read_csv(csv_path)[2] == ["", "", ""]
    ws = openpyxl.load_workbook(xlsx_path).active
    assert [c.value for c in ws[3]] == [None, None, None]


def test_reruns_are_byte_identical(tmp_path, frame, monkeypatch):
    first = [p.read_bytes() for p in export_table(frame, tmp_path / "a" / "t")]
    # a later clock must not change a byte (openpyxl stamps "modified", zip stamps members)
    import time

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3600)
    second = [p.read_bytes() for p in export_table(frame, tmp_path / "b" / "t")]
    assert [hashlib.sha256(b).hexdigest() for b in first] == [
        hashlib.sha256(b).hexdigest() for b in second
    ]
    with zipfile.ZipFile(tmp_path / "b" / "t.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"1980-01-01T00:00:00Z" in z.read("docProps/core.xml")


def test_input_frame_not_modified(tmp_path, frame):
    before = frame.copy()
    export_table(frame, tmp_path / "t")
    pd.testing.assert_frame_equal(frame, before)


def test_neutralise_keeps_numbers():
    df = pd.DataFrame({"x": [-1, 2], "s": ["-1", "ok"], "mixed": [-3.5, "=A1"]})
    out = neutralise_formulas(df)
    assert out["x"].tolist() == [-1, 2]
    assert out["s"].tolist() == ["'-1", "ok"]
    assert out["mixed"].tolist() == [-3.5, "'=A1"]


@pytest.mark.parametrize("formats", [("pdf",), ("csv", "xls")])
def test_unknown_format_is_a_clear_error(tmp_path, formats):
    with pytest.raises(ConfigError, match="not supported"):
        export_table(pd.DataFrame({"a": [1]}), tmp_path / "t", formats=formats)
    assert list(tmp_path.iterdir()) == []


def test_floats_are_rounded_to_six_decimals_and_input_untouched(tmp_path):
    df = pd.DataFrame({"amount": [418578.31999999995, 0.1234567891], 7: [1.0, 2.0]})
    export_table(df, tmp_path / "t", formats=("csv",))
    text = (tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    assert "418578.32" in text and "0.123457" in text and "31999" not in text
    assert df.loc[0, "amount"] == 418578.31999999995
