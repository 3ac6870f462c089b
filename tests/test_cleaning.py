"""Ingest: the bad-input matrix. Each case ends in a clear error or a counted quarantine,
and the row ledger always balances."""

from __future__ import annotations

import datetime as dt
import sqlite3

import duckdb
import pandas as pd
import pytest
from conftest import CUSTOMERS, TRANSACTIONS, write_source

from analysis.exceptions import ConfigError, DataValidationError


def _tx(rows: list[str], header: str = "order_id,customer_id,order_date,amount") -> str:
    return header + "\n" + "\n".join(rows) + "\n"


def _assert_balanced(report):
    for t in report.tables.values():
        assert t.rows_in == t.kept + t.duplicates_removed + t.quarantined + t.after_period
        assert t.balanced


def _quarantine(tmp_path, table):
    return pd.read_csv(
        tmp_path / "out" / "quarantine" / f"{table}.csv", dtype=str, encoding="utf-8-sig"
    )


def test_clean_source_keeps_every_row_and_leading_zeros(ingest):
    report, wh = ingest()
    _assert_balanced(report)
    assert report.tables["transactions"].kept == 4
    ids = sorted(wh["customers"].execute()["customer_id"])
    assert ids == ["007", "008", "009"]
    tx = wh["transactions"].execute()
    assert tx["amount"].tolist() == [100.0, 50.5, 300.0, -20.0]  # refund kept as negative
    assert str(wh["transactions"].schema()["order_date"]) == "date"
    assert set(report.skipped) == {"subscriptions", "surveys", "interactions"}


def test_extra_columns_are_kept_as_attributes(ingest):
    cust = "customer_id,region,会员等级\n007,华东,金卡\n"
    report, wh = ingest({"customers.csv": cust, "transactions.csv": TRANSACTIONS})
    assert wh["customers"].execute()["会员等级"].tolist() == ["金卡"]
    assert report.tables["customers"].extra_columns == ["会员等级"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-05", dt.date(2024, 3, 5)),
        ("2024/3/5", dt.date(2024, 3, 5)),
        ("2024.03.05", dt.date(2024, 3, 5)),
        ("2024年3月5日", dt.date(2024, 3, 5)),
        ("20240305", dt.date(2024, 3, 5)),
        ("45356", dt.date(2024, 3, 5)),  # Excel serial day number
        ("2024-03-05 14:22:01", dt.date(2024, 3, 5)),
        ("2024-03-05T14:22:01+08:00", dt.date(2024, 3, 5)),
        ("２０２４－０３－０５", dt.date(2024, 3, 5)),
        ("13/03/2024", dt.date(2024, 3, 13)),  # only one reading is a date
        ("03/13/2024", dt.date(2024, 3, 13)),
    ],
)
def test_date_formats(ingest, text, expected):
    report, wh = ingest(
        {"customers.csv": CUSTOMERS, "transactions.csv": _tx([f"1,007,{text},10"])},
        max_quarantine_share=1,
    )
    assert report.tables["transactions"].kept == 1, report.tables["transactions"].reasons
    assert wh["transactions"].execute()["order_date"].iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize(
    "text, expected",
    [
        ('"¥1,234.50"', 1234.5),
        ("RMB 100", 100.0),
        ("１２３．５", 123.5),
        ("(12.50)", -12.5),
        ("-5", -5.0),
        ("￥88元", 88.0),
    ],
)
def test_amount_formats(ingest, text, expected):
    report, wh = ingest(
        {"customers.csv": CUSTOMERS, "transactions.csv": _tx([f"1,007,2024-01-01,{text}"])}
    )
    assert wh["transactions"].execute()["amount"].iloc[0] == pytest.approx(expected)


def test_ambiguous_day_month_is_quarantined_not_guessed(ingest, tmp_path):
    rows = [f"{i},007,2024-01-{i:02d},10" for i in range(1, 30)] + ["99,007,05/03/2024,10"]
    report, wh = ingest({"customers.csv": CUSTOMERS, "transactions.csv": _tx(rows)})
    t = report.tables["transactions"]
    assert t.quarantined == 1
    assert "ambiguous day/month" in next(iter(t.reasons))
    q = _quarantine(tmp_path, "transactions")
    assert q["_row"].tolist() == ["31"] and q["order_date"].tolist() == ["05/03/2024"]


def test_mapping_settles_day_month_order(ingest, tmp_path):
    (tmp_path / "m.yaml").write_text("tables:\n  transactions:\n    dates: {order_date: DMY}\n")
    report, wh = ingest(
        {"customers.csv": CUSTOMERS, "transactions.csv": _tx(["1,007,05/03/2024,10"])},
        mapping=tmp_path / "m.yaml",
    )
    assert wh["transactions"].execute()["order_date"].iloc[0] == pd.Timestamp("2024-03-05")


def test_duplicates_conflicts_missing_ids_and_after_period(ingest, tmp_path):
    rows = [f"{i},007,2024-01-{i:02d},10" for i in range(1, 29)] + [
        "1,007,2024-01-01,10",  # exact duplicate of row 2
        "2,007,2024/1/2,10",  # the same order written another way: duplicate
        "3,007,2024-01-03,99",  # conflicts with order 3
        "40,,2024-01-05,10",  # no customer
        "41,007,2026-11-02,10",  # after the period
        "42,404,2024-01-05,10",  # customer not in customers: kept, counted
    ]
    report, wh = ingest(
        {"customers.csv": CUSTOMERS, "transactions.csv": _tx(rows)}, max_quarantine_share=0.2
    )
    t = report.tables["transactions"]
    _assert_balanced(report)
    assert (t.rows_in, t.duplicates_removed, t.quarantined, t.after_period) == (34, 2, 3, 1)
    assert t.reasons == {"order_id: conflicting duplicate rows": 2, "customer_id: missing": 1}
    assert (t.orphan_rows, t.orphan_customers) == (1, 1)
    q = _quarantine(tmp_path, "transactions")
    assert len(q) == t.quarantined
    assert sorted(q["_row"].astype(int)) == [4, 32, 33]


def test_unparsable_values_are_quarantined_with_file_and_row(ingest, tmp_path):
    rows = [f"{i},007,2024-01-{i:02d},10" for i in range(1, 29)] + ["50,007,2024-01-05,abc"]
    report, _ = ingest({"customers.csv": CUSTOMERS, "transactions.csv": _tx(rows)})
    q = _quarantine(tmp_path, "transactions")
    assert q.loc[0, "_file"] == "transactions.csv" and q.loc[0, "_row"] == "30"
    assert q.loc[0, "_reason"] == "amount: unparsable number"


def test_too_many_quarantined_rows_stop_with_file_column_rows(ingest):
    rows = ["1,007,2024-01-01,10", "2,007,2024-13-45,10", "3,007,someday,10"]
    with pytest.raises(DataValidationError) as err:
        ingest({"customers.csv": CUSTOMERS, "transactions.csv": _tx(rows)})
    msg = str(err.value)
    assert "transactions.csv" in msg and "order_date" in msg and "rows 3, 4" in msg
    assert "66.7%" in msg and "5%" in msg


def test_missing_required_column_names_file_and_column(ingest):
    with pytest.raises(DataValidationError) as err:
        ingest(
            {
                "customers.csv": CUSTOMERS,
                "transactions.csv": "customer_id,order_date\n007,2024-01-01\n",
            }
        )
    assert "transactions.csv" in str(err.value) and "'amount'" in str(err.value)


def test_empty_table_is_an_error(ingest):
    with pytest.raises(DataValidationError, match="header but no rows"):
        ingest(
            {
                "customers.csv": CUSTOMERS,
                "transactions.csv": "order_id,customer_id,order_date,amount\n",
            }
        )


def test_unreadable_file_is_an_error(ingest):
    with pytest.raises(DataValidationError, match="transactions.csv.*(UTF-8|cannot read)"):
        ingest({"customers.csv": CUSTOMERS, "transactions.csv": b"\xff\xfe\xff\x80\x80 \xff"})


def test_malformed_csv_is_an_error(ingest):
    bad = 'order_id,customer_id,order_date,amount\n1,007,2024-01-01,"10\n2,007\n'
    with pytest.raises(DataValidationError, match="transactions.csv.*cannot read"):
        ingest({"customers.csv": CUSTOMERS, "transactions.csv": bad})


def test_missing_transactions_table_is_an_error(ingest):
    with pytest.raises(DataValidationError, match="no transactions table"):
        ingest({"customers.csv": CUSTOMERS, "orders_2024.csv": TRANSACTIONS})


def test_gbk_file_with_chinese_headers(ingest, tmp_path):
    cust = "客户编号,客户名称,客户类型\n007,张三,个人\n009,华为技术有限公司,企业\n"
    tx = (
        '订单编号,客户编号,下单日期,金额\n1,007,2024年3月5日,"￥1,234.50"\n2,009,2024/3/6,RMB 100\n'
    )
    src = tmp_path / "gbk"
    write_source(src, {"customers.csv": cust, "transactions.csv": tx}, encoding="gbk")
    report, wh = ingest(folder=src, mapping="zh-cn")
    assert report.tables["customers"].files[0]["encoding"] == "gb18030"
    c = wh["customers"].execute().set_index("customer_id")
    assert c.loc["009", "name"] == "华为技术有限公司"
    assert c.loc["009", "customer_type"] == "business"
    assert wh["transactions"].execute()["amount"].sum() == pytest.approx(1334.5)


def test_utf8_bom_file(ingest, tmp_path):
    src = tmp_path / "bom"
    write_source(
        src, {"customers.csv": "\ufeff" + CUSTOMERS, "transactions.csv": "\ufeff" + TRANSACTIONS}
    )
    report, wh = ingest(folder=src)
    assert report.tables["customers"].files[0]["encoding"] == "utf-8-sig"
    assert "customer_id" in wh["customers"].columns


def test_excel_with_chinese_headers(ingest, tmp_path):
    src = tmp_path / "xlsx"
    src.mkdir()
    pd.DataFrame({"客户编号": ["007", "008"], "客户类型": ["个人", "企业"]}).to_excel(
        src / "customers.xlsx", index=False
    )
    pd.DataFrame(
        {
            "客户编号": ["007", "008", "008"],
            "下单日期": [dt.datetime(2024, 3, 5), dt.datetime(2024, 3, 6), "2024年3月7日"],
            "金额": [100, "¥2,000", 5.5],
        }
    ).to_excel(src / "transactions.xlsx", index=False)
    report, wh = ingest(folder=src, mapping="zh-cn")
    tx = wh["transactions"].execute().sort_values("order_date")
    assert tx["customer_id"].tolist() == ["007", "008", "008"]
    assert tx["amount"].tolist() == [100.0, 2000.0, 5.5]
    assert tx["order_date"].dt.day.tolist() == [5, 6, 7]


def test_parquet_source(ingest, tmp_path):
    src = tmp_path / "pq"
    src.mkdir()
    pd.read_csv(pd.io.common.StringIO(CUSTOMERS), dtype=str).to_parquet(src / "customers.parquet")
    tx = pd.DataFrame(
        {
            "customer_id": ["007", "008"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "amount": [1.5, 2.0],
        }
    )
    tx.to_parquet(src / "transactions.parquet")
    report, wh = ingest(folder=src)
    assert wh["transactions"].execute()["amount"].tolist() == [1.5, 2.0]


def test_monthly_files_in_a_subfolder_are_read_together(ingest, tmp_path):
    src = tmp_path / "monthly"
    write_source(src, {"customers.csv": CUSTOMERS})
    write_source(
        src / "transactions",
        {
            "2024-01.csv": _tx(["1,007,2024-01-01,1"]),
            "2024-02.csv": _tx(["2,008,2024-02-01,2", "2,008,2024-02-01,3"]),
        },
    )
    report, wh = ingest(folder=src, max_quarantine_share=1)
    t = report.tables["transactions"]
    assert len(t.files) == 2 and t.rows_in == 3 and t.quarantined == 2


def test_sqlite_and_duckdb_urls(ingest, tmp_path, monkeypatch):
    cust = pd.read_csv(pd.io.common.StringIO(CUSTOMERS), dtype=str)
    tx = pd.read_csv(pd.io.common.StringIO(TRANSACTIONS), dtype=str)
    db = tmp_path / "crm.sqlite"
    with sqlite3.connect(db) as conn:
        cust.to_sql("customers", conn, index=False)
        tx.to_sql("transactions", conn, index=False)
    report, wh = ingest(folder=f"sqlite:///{db}")
    assert report.tables["transactions"].kept == 4
    ddb = tmp_path / "crm.duckdb"
    conn = duckdb.connect(str(ddb))
    conn.register("cust_df", cust)
    conn.register("tx_df", tx)
    conn.execute("CREATE TABLE customers AS SELECT * FROM cust_df")
    conn.execute("CREATE TABLE transactions AS SELECT * FROM tx_df")
    conn.close()
    del wh  # the warehouse is rebuilt below; close its read-only connection first
    import gc

    gc.collect()
    report, wh = ingest(folder=f"duckdb:///{ddb}")
    assert sorted(wh["customers"].execute()["customer_id"]) == ["007", "008", "009"]


def test_database_credentials_are_never_shown():
    from analysis.io.sources import expand_url, redact_source

    url = "postgresql://crm_user:s3cret@db.example:5432/crm"
    assert redact_source(url) == "postgresql://***@db.example:5432/crm"
    import os

    os.environ["ANALYSIS_TEST_PW"] = "pw"
    assert expand_url("postgresql://u:${ANALYSIS_TEST_PW}@h/db") == "postgresql://u:pw@h/db"
    with pytest.raises(ConfigError, match="NOT_SET_VAR"):
        expand_url("postgresql://u:${NOT_SET_VAR}@h/db")


def test_surveys_scores_out_of_range_are_quarantined(ingest):
    surveys = "response_id,customer_id,response_date,score,comment\n" + "\n".join(
        [f"r{i},007,2024-01-{i:02d},{i % 11},好" for i in range(1, 29)]
        + ["r99,007,2024-02-01,11,?"]
    )
    report, wh = ingest(
        {"customers.csv": CUSTOMERS, "transactions.csv": TRANSACTIONS, "surveys.csv": surveys}
    )
    s = report.tables["surveys"]
    assert s.quarantined == 1 and "score: not a whole number 0-10" in s.reasons
    assert "surveys" not in report.skipped


def test_subscriptions_end_after_period_counts_as_active(ingest):
    subs = (
        "customer_id,start_date,end_date,plan\n"
        "007,2024-01-01,,pro\n008,2024-01-01,2026-12-31,basic\n"
    )
    report, wh = ingest(
        {"customers.csv": CUSTOMERS, "transactions.csv": TRANSACTIONS, "subscriptions.csv": subs}
    )
    s = wh["subscriptions"].execute()
    assert s["end_date"].isna().all()
    assert any("count as active" in n for n in report.tables["subscriptions"].notes)


def test_customer_type_values_outside_contract_are_quarantined(ingest):
    cust = (
        "customer_id,customer_type\n"
        + "\n".join(f"{i:03d},individual" for i in range(30))
        + "\n999,alien\n"
    )
    report, _ = ingest({"customers.csv": cust, "transactions.csv": TRANSACTIONS})
    assert report.tables["customers"].reasons == {
        "customer_type: not one of business, individual": 1
    }


@pytest.mark.parametrize(
    "yaml_text, message",
    [
        ("tables:\n  orders: {}\n", "unknown table 'orders'"),
        ("tables:\n  transactions:\n    columns: {金额: money}\n", "'money'"),
        ("tables:\n  transactions:\n    dates: {order_date: DDMM}\n", "DMY"),
        ("max_quarantine_share: 7\n", "between 0 and 1"),
    ],
)
def test_bad_mapping_is_a_clear_error(tmp_path, yaml_text, message):
    from analysis.io.mapping import load_mapping

    p = tmp_path / "m.yaml"
    p.write_text(yaml_text)
    with pytest.raises(ConfigError, match=message):
        load_mapping(p)


def test_planted_defects_of_the_sample_are_all_found(tmp_path):
    """The sample plants duplicates, conflicts, missing ids, bad amounts, odd formats."""
    import json

    from analysis.cleaning import build_warehouse
    from analysis.sample import write_sample

    truth = write_sample(tmp_path / "sample", n_customers=2000)
    truth = json.loads((tmp_path / "sample" / "truth.json").read_text())
    report = build_warehouse(
        tmp_path / "sample",
        period="2026-10",
        warehouse=tmp_path / "w.duckdb",
        quarantine_dir=tmp_path / "q",
    )
    _assert_balanced(report)
    d = truth["defects"]
    t = report.tables["transactions"]
    assert t.duplicates_removed == d["exact_duplicate_rows"]
    assert t.quarantined == d["quarantined_rows"]
    assert t.reasons == {
        "order_id: conflicting duplicate rows": d["conflicting_rows"],
        "customer_id: missing": d["missing_customer_id"],
        "amount: unparsable number": d["unparsable_amount"],
    }
    assert t.orphan_rows == d["unknown_customer_rows"]
    for name, n in truth["rows_after_period_end"].items():
        assert report.tables[name].after_period == n, name
    q = pd.read_csv(tmp_path / "q" / "transactions.csv", dtype=str, encoding="utf-8-sig")
    planted = set(d["order_ids"]["missing_customer_id"]) | set(d["order_ids"]["unparsable_amount"])
    assert planted <= set(q["order_id"])
