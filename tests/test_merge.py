"""Merging customer records at ingest (analysis.cleaning.merge): one profile per customer in
every table, counted in the quality report, shown and exported on the data-quality page."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import write_source
from pagecheck import other_language, render_html

from analysis.cleaning import build_warehouse
from analysis.exceptions import DataValidationError
from analysis.pages import Skipped, build_context
from analysis.pages import quality as qp
from analysis.warehouse import open_warehouse

# C002 is C001 (phone written another way), C004 is C003 (e-mail in other case), C006 is
# C005 (company without its legal form, same city). C007 shares C001's name only;
# C008-C010 share a switchboard. C002 and C012 lack a region their city gives.
CUSTOMERS = """\
customer_id,name,phone,email,customer_type,signup_date,region,city,industry,account_owner
C001,张伟,13800138000,zw@qq.com,individual,2024-01-01,华东,杭州,,
C002,张伟,+86 138 0013 8000,,individual,2024-06-01,,杭州市,,
C003,李娜,13900139000,LiNa@163.com,individual,2024-02-01,华北,北京,,
C004,李娜,,lina@163.com,individual,2024-03-01,华北,北京,,
C005,杭州恒通贸易有限公司,13700137000,,business,2024-01-05,华东,杭州,零售,王磊
C006,杭州恒通贸易,,sales@ht.cn,business,2024-05-05,华东,杭州,零售,
C007,张伟,13600136000,,individual,2024-01-01,西南,成都,,
C008,成都甲方科技有限公司,0571-88886666,,business,2024-01-01,西南,成都,,李娜
C009,乙方贸易有限公司,0571-88886666,,business,2024-01-01,西南,成都,零售,
C010,丙方物流有限公司,0571-88886666,,business,2024-01-01,西南,成都,物流,李娜
C011,王芳,15000150000,,individual,2024-01-01,,火星,,
C012,赵敏,15100151000,zm@qq.com,individual,2024-01-01,,上海,,
"""
TRANSACTIONS = """order_id,customer_id,order_date,amount
1,C001,2024-03-05,100
2,C002,2024-07-01,50
3,C004,2024-04-01,80
4,C006,2024-06-01,300
5,C001,2024-08-01,20
6,C012,2024-08-02,10
7,C099,2024-08-03,10
"""
SUBSCRIPTIONS = "customer_id,start_date,plan\nC004,2024-03-01,basic\nC007,2024-01-01,pro\n"
SURVEYS = "response_id,customer_id,response_date,score\nS1,C002,2024-07-02,9\nS2,,2024-07-03,3\n"
INTERACTIONS = "customer_id,date,kind\nC006,2024-06-02,call\nC005,2024-02-01,visit\n"
FILES = {"customers.csv": CUSTOMERS, "transactions.csv": TRANSACTIONS,
         "subscriptions.csv": SUBSCRIPTIONS, "surveys.csv": SURVEYS,
         "interactions.csv": INTERACTIONS}  # fmt: skip
MERGED = {"C002": "C001", "C004": "C003", "C006": "C005"}


def _without_column(text: str, column: str) -> str:
    df = pd.read_csv(pd.io.common.StringIO(text), dtype=str, keep_default_na=False)
    return df.drop(columns=column).to_csv(index=False, lineterminator="\n")


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    root = tmp_path_factory.mktemp("merge")
    src = write_source(root / "src", FILES)
    report = build_warehouse(src, period="2026-10", warehouse=root / "w.duckdb",
                             quarantine_dir=root / "q")  # fmt: skip
    wh = open_warehouse(root / "w.duckdb")
    yield report, wh, root
    wh.con.disconnect()


def test_records_merge_into_profiles_counted_in_the_report(merged):
    report, _, _ = merged
    p = report.profiles
    assert (p.records_in, p.profiles, p.merged_records) == (12, 9, 3)
    assert p.by_rule == {"phone": 1, "email": 1, "company_city": 1} and p.balanced
    assert p.review_by_reason == {"shared_phone": 3, "same_name": 2}
    assert p.review_pairs == 5 and p.switchboards == 1 and p.largest_profile == 2
    assert p.regions_filled == 2  # C002 (杭州市) and C012 (上海); 火星 stays empty
    # merging is not quarantine: the ledger counts the 12 records kept, and says so
    c = report.tables["customers"]
    assert c.kept == c.rows_in == 12 and c.balanced
    assert "12 records kept make 9 customer profiles" in c.notes[0]
    assert report.to_dict()["profiles"]["balanced"] is True


def test_every_table_points_at_the_profiles(merged):
    report, wh, _ = merged
    customers = wh["customers"].execute().set_index("customer_id")
    assert sorted(customers.index) == [f"C{i:03d}" for i in (1, 3, 5, 7, 8, 9, 10, 11, 12)]
    # survivorship: the newest non-empty value, the earliest signup
    assert customers.loc["C001", "phone"] == "+86 138 0013 8000"
    assert customers.loc["C001", "email"] == "zw@qq.com"
    assert str(customers.loc["C001", "signup_date"])[:10] == "2024-01-01"
    assert customers.loc["C005", "account_owner"] == "王磊"
    assert customers.loc["C005", "email"] == "sales@ht.cn"
    assert customers.loc["C012", "region"] == "华东" and pd.isna(customers.loc["C011", "region"])
    tx = wh["transactions"].execute()
    assert tx["order_id"].tolist() == ["1", "2", "3", "4", "5", "6", "7"]  # order kept
    assert tx["customer_id"].tolist() == ["C001", "C001", "C003", "C005", "C001", "C012", "C099"]
    assert wh["subscriptions"].execute()["customer_id"].tolist() == ["C003", "C007"]
    assert wh["surveys"].execute()["customer_id"].tolist() == ["C001", None]
    assert wh["interactions"].execute()["customer_id"].tolist() == ["C005", "C005"]
    assert {n: t.remapped_rows for n, t in report.tables.items()} == {
        "customers": 0, "transactions": 3, "subscriptions": 1, "surveys": 1, "interactions": 1
    }  # fmt: skip
    assert report.tables["transactions"].orphan_rows == 1  # C099 is in no customers table


def test_map_and_review_tables(merged):
    _, wh, _ = merged
    pm = wh["profile_map"].execute().set_index("customer_id")
    assert len(pm) == 12
    assert {k: pm.loc[k, "profile_id"] for k in MERGED} == MERGED
    assert pm.loc[["C002", "C004", "C006"], "rule"].tolist() == ["phone", "email", "company_city"]
    assert pm.loc[["C001", "C007"], "rule"].isna().all()
    review = wh["profile_review"].execute()
    assert list(review.columns) == ["id_a", "profile_a", "name_a", "city_a",
                                    "id_b", "profile_b", "name_b", "city_b", "reason"]  # fmt: skip
    same = review[review["reason"] == "same_name"]
    assert same[["id_a", "id_b"]].values.tolist() == [["C001", "C007"], ["C002", "C007"]]
    assert same["profile_a"].tolist() == ["C001", "C001"]


def test_export_without_a_phone_column_merges_on_the_other_fields(ingest):
    report, wh = ingest({**FILES, "customers.csv": _without_column(CUSTOMERS, "phone")})
    assert report.profiles.by_rule == {"email": 1, "company_city": 1}
    assert report.profiles.fields == ["name", "email", "customer_type", "city"]
    assert wh["customers"].count().execute() == 10
    assert wh["transactions"].execute()["customer_id"].tolist()[:4] == [
        "C001", "C002", "C003", "C005"
    ]  # fmt: skip
    assert report.tables["transactions"].remapped_rows == 2


@pytest.mark.parametrize(
    ("drop", "by_rule"),
    [
        ("email", {"phone": 1, "company_city": 1}),
        ("city", {"phone": 1, "email": 1}),
        # Without names a switchboard cannot be told from one customer's phone: the three
        # businesses sharing 0571-88886666 merge (docs/profiles.md, limitations).
        ("name", {"phone": 3, "email": 1}),
        # Without a type a company is a name ending in a legal form: 杭州恒通贸易 is not one.
        ("customer_type", {"phone": 1, "email": 1}),
    ],
)
def test_a_missing_identifying_column_merges_on_the_others(drop, by_rule):
    import ibis

    from analysis.cleaning.merge import merge_customer_profiles

    con = ibis.duckdb.connect()
    records = pd.read_csv(pd.io.common.StringIO(_without_column(CUSTOMERS, drop)), dtype=str)
    con.create_table("customers", ibis.memtable(records))
    q = merge_customer_profiles(con)
    assert q.by_rule == by_rule and q.balanced
    assert con.table("customers").count().execute() == 12 - sum(by_rule.values())


def test_merging_is_deterministic_whatever_the_row_order(merged):
    import ibis

    from analysis.cleaning.merge import merge_customer_profiles

    report, wh, _ = merged
    records = pd.read_csv(pd.io.common.StringIO(CUSTOMERS), dtype=str)
    con = ibis.duckdb.connect()
    con.create_table("customers", ibis.memtable(records.iloc[::-1]))
    assert merge_customer_profiles(con) == report.profiles
    for name in ("profile_map", "profile_review"):
        pd.testing.assert_frame_equal(con.table(name).execute(), wh[name].execute())
    a = wh["customers"].execute().drop(columns="signup_date").set_index("customer_id")
    b = con.table("customers").execute().drop(columns="signup_date").set_index("customer_id")
    pd.testing.assert_frame_equal(a.sort_index(), b.sort_index())
    # profiles in the order their first records came
    assert b.index.tolist() == [f"C{i:03d}" for i in (12, 11, 10, 9, 8, 7, 5, 3, 1)]


def test_customers_with_only_ids_merge_nothing(ingest):
    report, wh = ingest({"customers.csv": "customer_id\n007\n008\n", "transactions.csv":
                         "customer_id,order_date,amount\n007,2024-03-05,100\n"})  # fmt: skip
    p = report.profiles
    assert (p.records_in, p.profiles, p.merged_records, p.review_pairs) == (2, 2, 0, 0)
    assert p.fields == [] and wh["profile_map"].count().execute() == 2
    ctx = build_context(wh)
    result = qp.profiles(ctx)
    assert result.absent == ("name", "phone", "email", "city")
    for lang in ("zh", "en"):
        assert other_language(render_html(result, lang), lang) == []
    shares = qp.completeness(ctx).table.set_index("field")["share"]
    assert (shares == 0).all()


def test_no_customers_table_stops_ingest_and_the_sections_skip(merged, tmp_path):
    """Ingest needs a customers table; a warehouse without one (a database that lacks it)
    shows both sections as skipped, with the reason."""
    import shutil

    import duckdb

    _, _, root = merged
    with pytest.raises(DataValidationError, match="no customers table found"):
        build_warehouse(write_source(tmp_path / "src", {"transactions.csv": TRANSACTIONS}),
                        period="2026-10", warehouse=tmp_path / "x.duckdb",
                        quarantine_dir=tmp_path / "q")  # fmt: skip
    path = tmp_path / "w.duckdb"
    shutil.copy(root / "w.duckdb", path)
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE customers")
    con.close()
    wh = open_warehouse(path)
    wh.quality.profiles = None
    ctx = build_context(wh)
    for name in ("profiles", "completeness"):
        result = getattr(qp, name)(ctx)
        assert isinstance(result, Skipped) and result.reason == "quality.profiles.skip.no_customers"
        for lang in ("zh", "en"):
            assert other_language(render_html(result, lang), lang) == []
    wh.con.disconnect()


def test_page_sections_export_the_map_the_review_and_the_gaps(merged, tmp_path):
    _, wh, _ = merged
    ctx = build_context(wh, report_dir=tmp_path)
    profiles = qp.profiles(ctx)
    assert profiles.facts == {"records": 12, "profiles": 9, "merged": 3, "largest": 2,
                              "review": 5, "regions": 2}  # fmt: skip
    assert profiles.merges.set_index("rule")["records"].to_dict() == {
        "phone": 1, "email": 1, "company_city": 1
    }  # fmt: skip
    read = lambda name: pd.read_csv(tmp_path / "exports" / f"{name}.csv", dtype=str,  # noqa: E731
                                    encoding="utf-8-sig")  # fmt: skip
    pmap = read("profile_map")
    assert list(pmap.columns) == ["customer_id", "profile_id", "rule"]
    assert sorted(pmap["customer_id"]) == ["C001", "C002", "C003", "C004", "C005", "C006"]
    assert len(read("profile_review")) == 5

    result = qp.completeness(ctx)
    shares = result.table.set_index("field")
    assert shares.loc["account_owner", "applies_to"] == "business"
    assert shares.loc["account_owner", "profiles"] == 4  # C005, C008, C009, C010
    assert shares.loc["account_owner", "filled"] == 3
    assert shares.loc["email", "filled"] == 4  # C001, C003, C005, C012
    gaps = read("profile_gaps").set_index("customer_id")
    assert (tmp_path / "exports" / "profile_gaps.xlsx").is_file()
    assert gaps.loc["C009", "missing_fields"] == "email,account_owner"
    assert gaps.loc["C011", "missing_fields"] == "email"
    assert "C012" not in gaps.index
    assert gaps["account_owner"].iloc[0] == "李娜"  # by owner; no owner last
    assert result.facts["gaps"] == len(gaps) == 5  # C007-C011
    assert (result.facts["owners"], result.facts["unowned"]) == (1, 3)
    for section in (profiles, result):
        for lang in ("zh", "en"):
            page = render_html(section, lang)
            assert "NaN" not in page and other_language(page, lang) == []
