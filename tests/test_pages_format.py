"""Tests for analysis.pages.format: known values per kind, escaping, truncation."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from analysis.pages.format import KINDS, Table, format_frame, format_value, render_table

SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("abc", "text", "abc"),
        (True, "text", "True"),
        (1234567, "count", "1,234,567"),
        (286917272.0, "count", "286,917,272"),
        (np.int64(10**15), "count", "1,000,000,000,000,000"),
        (1234.5, "money", "1,235"),
        (100, "money", "100"),
        (12.5, "money", "12.50"),
        (-1200, "money", "-1,200"),
        (-7.125, "money", "-7.13"),
        (0.0588, "pct", "5.9%"),
        (0.0585, "pct", "5.9%"),  # half-up on the decimal form, not 5.8% from binary
        (1, "pct", "100.0%"),
        (0.0004, "pct", "< 0.1%"),
        (0.0005, "pct", "0.1%"),
        (0, "pct", "0.0%"),
        (np.float32(0.25), "pct", "25.0%"),
        (0.012, "pct_change", "+1.2"),
        (-0.03, "pct_change", "-3.0"),
        (0, "pct_change", "0.0"),
        (0, "money", "0"),
        (12, "count_change", "+12"),
        (-3, "count_change", "-3"),
        (0, "count_change", "0"),
        (-0.00001, "pct_change", "0.0"),
        (1.207681e-12, "pvalue", "< 0.001"),
        (0.042, "pvalue", "0.042"),
        (0.001, "pvalue", "0.001"),
        (1, "pvalue", "1.000"),
        (1234.5, "float1", "1,234.5"),
        (1234.5, "float2", "1,234.50"),
        (0.1234, "float3", "0.123"),
        (1e-20, "float2", "0.00"),
        (1e16, "float1", "10,000,000,000,000,000.0"),
        (1.175, "ratio", "1.18"),
        (np.float64(0.5), "ratio", "0.50"),
        (36.6, "days", "37"),
        (12345, "days", "12,345"),
        (pd.Timedelta(hours=36), "days", "2"),
        (pd.Timestamp("2024-03-05 13:45"), "date", "2024-03-05"),
        (dt.date(2024, 1, 2), "date", "2024-01-02"),
        (dt.datetime(2024, 1, 2, 23, 59), "date", "2024-01-02"),
        ("2024-03-05T10:00", "date", "2024-03-05"),
        (np.datetime64("2024-01-02"), "date", "2024-01-02"),
        (-12.34, "score", "-12.3"),
        (45, "score", "45.0"),
        (float("inf"), "ratio", "∞"),
    ],
)
def test_format_value_known(value, kind, expected):
    assert format_value(value, kind) == expected


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NaT, pd.NA])
def test_missing_is_en_dash_for_every_kind(missing, kind):
    assert format_value(missing, kind) == "–"


@pytest.mark.parametrize("value", [1e-12, 1e21, 123456789012345.6, -1e-9])
@pytest.mark.parametrize("kind", [k for k in KINDS if k not in ("text", "date")])
def test_never_scientific(value, kind):
    assert not re.search(r"\de[+-]?\d", format_value(value, kind), re.IGNORECASE)


def test_unknown_kind_raises_naming_it():
    with pytest.raises(ValueError, match="percent"):
        format_value(0.5, "percent")
    with pytest.raises(ValueError, match="percent"):
        format_value(None, "percent")
    with pytest.raises(ValueError, match="percent"):
        format_frame(pd.DataFrame({"a": [1]}), {"a": "percent"})
    with pytest.raises(ValueError, match="percent"):
        Table(pd.DataFrame({"a": [1]}), {"a": "percent"})


@pytest.mark.parametrize(("value", "kind"), [("abc", "money"), (123, "date")])
def test_wrong_value_type_raises(value, kind):
    with pytest.raises(TypeError, match=kind):
        format_value(value, kind)


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "segment": ["A", SCRIPT, None],
            "customers": [1200, 35, 7],
            "share": [0.5, 0.0004, np.nan],
            "spend": [1234.5, 12.5, -1200.0],
            "first": pd.to_datetime(["2024-01-02 00:00", "2024-02-03 10:00", None]),
        },
        index=pd.Index([10, 20, 30], name="cid"),
    )


def test_format_frame_kinds_headers_and_defaults(frame):
    out = format_frame(frame, {"share": "pct", "spend": "money"}, headers={"share": "Share"})
    assert list(out.columns) == ["segment", "customers", "Share", "spend", "first"]
    assert out["customers"].tolist() == ["1,200", "35", "7"]  # int dtype -> count
    assert out["Share"].tolist() == ["50.0%", "< 0.1%", "–"]
    assert out["spend"].tolist() == ["1,235", "12.50", "-1,200"]
    assert out["segment"].tolist() == ["A", SCRIPT, "–"]  # escaping is render_table's job
    assert all(isinstance(v, str) for v in out.to_numpy().ravel())


def test_format_frame_float_default_and_index(frame):
    out = format_frame(frame, {}, headers={"cid": "Customer"}, index=True)
    assert list(out.columns)[:2] == ["Customer", "segment"]
    assert out["Customer"].tolist() == ["10", "20", "30"]
    assert out["share"].tolist() == ["0.50", "0.00", "–"]  # float dtype -> float2
    assert out["first"].tolist() == ["2024-01-02", "2024-02-03", "–"]  # datetime -> date
    assert out["segment"].tolist() == ["A", SCRIPT, "–"]
    objects = pd.DataFrame({"x": pd.Series([1.5, None], dtype=object)})
    assert format_frame(objects, {}, default="money")["x"].tolist() == ["1.50", "–"]


def test_inputs_not_mutated(frame):
    before = frame.copy()
    kinds = {"share": "pct"}
    format_frame(frame, kinds, index=True)
    render_table(frame, kinds, index=True, max_rows=1)
    Table(frame, kinds)._repr_html_()
    pd.testing.assert_frame_equal(frame, before)
    assert kinds == {"share": "pct"}


def test_render_table_escapes_cells_headers_and_caption(frame):
    out = render_table(frame, {}, headers={"customers": SCRIPT}, caption=f"x {SCRIPT}")
    assert "<script>" not in out
    assert out.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 3
    assert "<caption>x &lt;script&gt;" in out


def test_render_table_structure_and_no_index(frame):
    out = render_table(frame, {"share": "pct", "spend": "money"})
    assert out.startswith('<div class="an-table-wrap" style="overflow-x:auto;max-width:100%">')
    assert '<table class="an-table"><thead>' in out and "<tbody>" in out
    assert len(re.findall(r"<th[ >]", out)) == 5  # no index column
    assert out.count("<tr>") == 4
    assert ">10<" not in out and "cid" not in out
    assert '<td class="num" data-sort="1200">1,200</td>' in out
    assert '<td class="num" data-sort="0.0004">&lt; 0.1%</td>' in out
    assert "<td>2024-01-02</td>" in out and "<td>A</td>" in out


def test_render_table_index_column_when_asked(frame):
    out = render_table(frame, {}, headers={"cid": "ID"}, index=True)
    assert len(re.findall(r"<th[ >]", out)) == 6 and '<th class="num">ID</th>' in out


def test_render_table_long_text_wraps():
    df = pd.DataFrame({"comment": ["short", "x" * 41]})
    out = render_table(df, {"comment": "text"})
    assert "<td>short</td>" in out
    wrap = 'class="an-wrap" style="white-space:normal;min-width:16em"'
    assert f"<td {wrap}>{'x' * 41}</td>" in out


def test_render_table_max_rows_adds_count_row():
    df = pd.DataFrame({"a": range(1250), "b": ["t"] * 1250})
    out = render_table(df, {}, max_rows=2)
    assert out.count("<tr>") == 1 + 2 + 1
    assert out.endswith(
        '<tr><td colspan="2" class="an-muted">… +1,248</td></tr></tbody></table></div>'
    )
    assert "… +" not in render_table(df, {}, max_rows=1250)
    with pytest.raises(ValueError, match="max_rows"):
        render_table(df, {}, max_rows=-1)


def test_table_keeps_raw_frame_and_renders(frame):
    table = Table(frame, {"share": "pct"}, headers={"share": "Share"}, max_rows=1, caption="c")
    assert table.frame is frame
    out = table._repr_html_()
    assert out == render_table(
        frame, {"share": "pct"}, headers={"share": "Share"}, max_rows=1, caption="c"
    )
    assert "… +2" in out and "<caption>c</caption>" in out


def test_numeric_cells_carry_the_raw_number_to_sort_on(frame):
    frame = frame.assign(
        ratio=[float("inf"), float("-inf"), 1e-20],
        wait=pd.to_timedelta([36, 12, None], unit="h"),
    )
    kinds = {"share": "pct", "spend": "money", "ratio": "ratio", "wait": "days"}
    out = render_table(frame, kinds, index=True, max_rows=2)
    rows = re.findall(r"<tr>(.*?)</tr>", out.split("<tbody>")[1])
    keys = [re.findall(r'<td class="num"(?: data-sort="([^"]*)")?>', row) for row in rows[:2]]
    # cid, customers, share, spend, ratio, wait: raw numbers, not the shown text
    assert keys[0] == ["10", "1200", "0.5", "1234.5", "Infinity", "1.5"]
    assert keys[1] == ["20", "35", "0.0004", "12.5", "-Infinity", "0.5"]
    assert 'data-sort="1e-20"' not in out  # third row is left out (max_rows=2)
    assert "<td>A</td>" in out and "<td>2024-01-02</td>" in out  # text and dates: no key
    assert re.search(r'<td colspan="8" class="an-muted">… \+1</td>', out)


def test_missing_numbers_have_no_sort_key():
    out = render_table(pd.DataFrame({"x": [np.nan, 2.0], "n": pd.array([None, 3], "Int64")}), {})
    assert out.count('<td class="num">–</td>') == 2
    assert 'data-sort="2.0"' in out and 'data-sort="3"' in out
    assert all(
        re.fullmatch(r"-?[0-9.e+-]+|-?Infinity", k) for k in re.findall(r'data-sort="([^"]*)"', out)
    )
