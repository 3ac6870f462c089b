"""One profile per customer (issue 12): normalisers, matching, survivorship, remapping."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import pandas as pd
import pytest

from analysis.exceptions import DataValidationError
from analysis.profiles import (
    build_profiles,
    completeness,
    find_matches,
    load_city_table,
    normalise_company,
    normalise_email,
    normalise_phone,
    remap_ids,
    standardise_city,
)
from analysis.sample.profiles import make_planted_customers, true_pairs


def one(fn, value):
    return fn(pd.Series([value])).iloc[0]


# Phones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("+86 138-0013-8000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("(010) 1234-5678", "01012345678"),
        ("010-12345678", "01012345678"),
        ("0571.8888.6666", "057188886666"),
        ("0571-88886666转8001", "057188886666"),
        ("+86 10 1234 5678", "01012345678"),
        ("１３８００１３８０００", "13800138000"),  # full-width digits
        (13800138000, "13800138000"),  # read from CSV as a number
        (13800138000.0, "13800138000"),
        ("12800138000", pd.NA),  # 12x is not a mobile prefix
        ("1380013800", pd.NA),  # ten digits
        ("12345678", pd.NA),  # landline without area code: not guessed
        ("013800138000", pd.NA),  # 013 is not an area code
        ("861380013800", pd.NA),  # 86 + ten digits
        ("tel: 13800138000", pd.NA),
        ("", pd.NA),
        (None, pd.NA),
    ],
)
def test_normalise_phone(raw, expected):
    got = one(normalise_phone, raw)
    assert (got is pd.NA and expected is pd.NA) or got == expected


def test_normalise_phone_keeps_index_and_name():
    s = pd.Series(["13800138000", "x"], index=[10, 20], name="phone")
    out = normalise_phone(s)
    assert list(out.index) == [10, 20] and out.name == "phone" and out.dtype == "string"


# E-mails -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("A.B@GMail.com", "ab@gmail.com"),
        ("a.b+x@gmail.com", "ab@gmail.com"),
        ("ab@gmail.com", "ab@gmail.com"),
        ("a.b@googlemail.com", "ab@gmail.com"),
        ("  Li.Na@163.COM ", "li.na@163.com"),  # other domains keep their dots
        ("li.na+x@163.com", "li.na+x@163.com"),  # and their plus
        ("zhang＠qq.com", "zhang@qq.com"),  # full-width @
        ("a@b@c.com", pd.NA),
        ("nobody@localhost", pd.NA),
        ("no at sign.com", pd.NA),
        ("a b@qq.com", pd.NA),
        ("a@.com", pd.NA),
        ("+x@gmail.com", pd.NA),
        (None, pd.NA),
    ],
)
def test_normalise_email(raw, expected):
    got = one(normalise_email, raw)
    assert (got is pd.NA and expected is pd.NA) or got == expected


def test_gmail_variants_meet_other_domains_do_not():
    out = normalise_email(pd.Series(["a.b+x@gmail.com", "ab@gmail.com", "a.b@qq.com", "ab@qq.com"]))
    assert out[0] == out[1] and out[2] != out[3]


# Companies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("杭州东方建筑有限公司", "杭州东方建筑"),
        ("杭州东方建筑", "杭州东方建筑"),
        ("杭州东方建筑股份有限公司", "杭州东方建筑"),
        ("杭州东方建筑有限责任公司", "杭州东方建筑"),
        ("杭州东方建筑集团有限公司", "杭州东方建筑"),
        ("杭州东方建筑(集团)有限公司", "杭州东方建筑"),
        ("杭州东方建筑（集团）有限公司", "杭州东方建筑"),
        (" 杭州 东方建筑 有限公司 ", "杭州东方建筑"),
        ("杭州公司大厦物业", "杭州公司大厦物业"),  # 公司 only as a suffix
        ("Acme Co., Ltd.", "acme"),
        ("ACME", "acme"),
        ("Acme Co.,Ltd", "acme"),
        ("ACME LIMITED", "acme"),
        ("Acme Trading Inc.", "acme trading"),
        ("Acme, LLC", "acme"),
        ("Acme Corp.", "acme"),
        ("Costco", "costco"),  # 'co' inside a word is not a suffix
        ("ＡＣＭＥ", "acme"),  # full-width
        ("有限公司", pd.NA),
        ("A Ltd.", pd.NA),
        (None, pd.NA),
    ],
)
def test_normalise_company(raw, expected):
    got = one(normalise_company, raw)
    assert (got is pd.NA and expected is pd.NA) or got == expected


# Cities ------------------------------------------------------------------------------

PROVINCES = (
    "北京 天津 河北 山西 内蒙古 辽宁 吉林 黑龙江 上海 江苏 浙江 安徽 福建 江西 山东 河南 湖北 "
    "湖南 广东 广西 海南 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 香港 澳门 台湾"
).split()


def test_city_table_has_every_province_and_no_repeated_city():
    table = load_city_table()
    assert list(table.columns) == ["city", "province", "region"]
    assert set(table["province"]) == set(PROVINCES) and len(PROVINCES) == 34
    assert table["city"].is_unique
    assert set(table["region"]) == {"华东", "华北", "华南", "华中", "西南", "西北", "东北"}
    # 333 prefecture-level divisions + 4 municipalities, plus a few extra places
    assert len(table) >= 337


@pytest.mark.parametrize(
    "city, province, region",
    [
        ("杭州", "浙江", "华东"),
        ("苏州", "江苏", "华东"),
        ("宿州", "安徽", "华东"),
        ("泰州", "江苏", "华东"),
        ("台州", "浙江", "华东"),
        ("厦门", "福建", "华东"),
        ("青岛", "山东", "华东"),
        ("南昌", "江西", "华中"),
        ("襄阳", "湖北", "华中"),
        ("呼和浩特", "内蒙古", "华北"),
        ("石家庄", "河北", "华北"),
        ("东莞", "广东", "华南"),
        ("南宁", "广西", "华南"),
        ("三亚", "海南", "华南"),
        ("遵义", "贵州", "西南"),
        ("拉萨", "西藏", "西南"),
        ("乌鲁木齐", "新疆", "西北"),
        ("银川", "宁夏", "西北"),
        ("大庆", "黑龙江", "东北"),
        ("吉林", "吉林", "东北"),
        ("朝阳", "辽宁", "东北"),
        ("重庆", "重庆", "西南"),
    ],
)
def test_city_spot_checks(city, province, region):
    got = standardise_city(pd.Series([city])).iloc[0]
    assert tuple(got) == (city, province, region)


def test_every_sample_city_is_known_with_the_sample_region():
    from analysis.sample.params import REGIONS

    for region, (_, cities) in REGIONS.items():
        got = standardise_city(pd.Series(cities))
        assert got["province"].notna().all(), cities
        assert (got["region"] == region).all(), (region, got)


@pytest.mark.parametrize(
    "raw, city, province",
    [
        ("杭州市", "杭州", "浙江"),
        (" 北京市 ", "北京", "北京"),
        ("大兴安岭地区", "大兴安岭", "黑龙江"),
        ("锡林郭勒盟", "锡林郭勒", "内蒙古"),
        ("延边朝鲜族自治州", "延边", "吉林"),
        ("伊犁哈萨克自治州", "伊犁", "新疆"),
        ("海南藏族自治州", "海南藏族自治州", "青海"),
        ("义乌市", "义乌市", pd.NA),  # stem not in the table: kept as given
        ("火星", "火星", pd.NA),
    ],
)
def test_standardise_city_suffixes(raw, city, province):
    got = standardise_city(pd.Series([raw])).iloc[0]
    assert got["city"] == city
    assert (got["province"] is pd.NA and province is pd.NA) or got["province"] == province


def test_unknown_city_keeps_the_given_region():
    got = standardise_city(pd.Series(["义乌市", "杭州", None]), pd.Series(["华东", "华南", "西北"]))
    assert got["region"].tolist() == ["华东", "华东", "西北"]  # a known city takes the table's
    assert got["city"].isna().tolist() == [False, False, True]


def test_completeness():
    c = pd.DataFrame({"name": ["a", "", None, "d"], "phone": ["1", "2", "3", "4"]})
    got = completeness(c, fields=("name", "phone", "email")).set_index("field")
    assert got["non_empty"].tolist() == [2, 4, 0]
    assert got["share"].tolist() == [0.5, 1.0, 0.0]


# Matching ----------------------------------------------------------------------------


def customers(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"customer_id": [f"C{i}" for i in range(1, n + 1)], **cols})


def pairs_of(matches, kind):
    return set(map(tuple, matches.loc[matches["kind"] == kind, ["id_a", "id_b"]].to_numpy()))


def test_same_name_different_phone_and_city_is_review_only():
    c = customers(
        name=["张伟", "张伟"], phone=["13800138000", "13900139000"], city=["杭州", "成都"]
    )
    m = find_matches(c)
    assert pairs_of(m, "strong") == set()
    assert m[["id_a", "id_b", "reason"]].values.tolist() == [["C1", "C2", "same_name"]]


def test_company_with_and_without_suffix_in_same_city_is_strong():
    c = customers(
        name=["杭州东方建筑有限公司", "杭州东方建筑", "杭州东方建筑股份有限公司", "杭州东方建筑"],
        customer_type=["business"] * 4,
        city=["杭州", "杭州市", "杭州", "上海"],
    )
    m = find_matches(c)
    assert pairs_of(m, "strong") == {("C1", "C2"), ("C1", "C3"), ("C2", "C3")}
    assert set(m.loc[m["kind"] == "strong", "rule"]) == {"company_city"}
    review = m[m["kind"] == "review"]
    assert set(review["reason"]) == {"same_company_other_city"}
    assert set(review["id_b"]) == {"C4"}


def test_individuals_with_same_name_in_same_city_are_not_strong():
    c = customers(name=["李娜", "李娜"], customer_type=["individual"] * 2, city=["杭州", "杭州"])
    assert pairs_of(find_matches(c), "strong") == set()


def test_switchboard_phone_is_review_but_one_person_entered_three_times_merges():
    c = customers(
        name=["甲公司", "乙公司", "丙公司", "王芳", "王芳", "王芳"],
        phone=["0571-88886666", "(0571) 8888-6666", "057188886666"] + ["13800138000"] * 3,
    )
    m = find_matches(c, switchboard_min=3)
    assert pairs_of(m, "strong") == {("C4", "C5"), ("C4", "C6"), ("C5", "C6")}
    review = m[m["kind"] == "review"]
    assert pairs_of(m, "review") == {("C1", "C2"), ("C1", "C3"), ("C2", "C3")}
    assert set(review["reason"]) == {"shared_phone"}
    assert m.attrs["counts"]["shared_phone_values"] == 1
    # with a higher threshold two or three names on one phone are one customer
    assert pairs_of(find_matches(c, switchboard_min=4), "strong") >= {("C1", "C2")}


def test_email_rule_and_priority_of_rules():
    c = customers(
        name=["A", "B"],
        phone=["13800138000", "13800138000"],
        email=["a.b@gmail.com", "ab@gmail.com"],
    )
    m = find_matches(c)
    assert m[["id_a", "id_b", "rule"]].values.tolist() == [["C1", "C2", "phone"]]  # once
    c2 = customers(name=["A", "B"], email=["A.B+crm@gmail.com", "ab@gmail.com"])
    assert find_matches(c2)["rule"].tolist() == ["email"]


def test_review_pairs_already_joined_by_strong_matches_are_left_out():
    # C1-C2 by phone, C2-C3 by e-mail: C1 and C3 share only the name, but are one profile.
    c = customers(
        name=["周杰", "周杰", "周杰"],
        phone=["13800138000", "13800138000", None],
        email=[None, "zj@qq.com", "ZJ@qq.com"],
    )
    m = find_matches(c)
    assert (m["kind"] == "strong").sum() == 2 and (m["kind"] == "review").sum() == 0


def test_oversized_name_groups_give_no_review_pairs():
    c = customers(name=["王伟"] * 60, phone=[f"138{i:08d}" for i in range(60)])
    m = find_matches(c, max_block=50)
    assert m.empty and m.attrs["counts"]["oversized_name_groups"] == 1


def test_large_strong_group_still_merges_completely():
    c = customers(name=["王伟"] * 60, phone=["13800138000"] * 60)
    pmap, profiles = build_profiles(c, find_matches(c, max_block=50))
    assert len(profiles) == 1 and profiles["merged_from"].item() == 60


@pytest.mark.parametrize(
    "frame, column",
    [
        (pd.DataFrame({"name": ["a"]}), "customer_id"),
        (pd.DataFrame({"customer_id": ["C1", "C1"], "name": ["a", "b"]}), "customer_id"),
        (pd.DataFrame({"customer_id": ["C1", None], "name": ["a", "b"]}), "customer_id"),
    ],
)
def test_bad_ids_are_a_clear_error(frame, column):
    with pytest.raises(DataValidationError, match=column):
        find_matches(frame)
    with pytest.raises(DataValidationError, match=column):
        build_profiles(frame, pd.DataFrame(columns=["id_a", "id_b", "kind"]))


def test_no_identifying_columns_means_no_matches():
    m = find_matches(pd.DataFrame({"customer_id": ["C1", "C2"]}))
    assert m.empty and list(m.columns) == ["id_a", "id_b", "kind", "rule", "reason"]


# Profiles ----------------------------------------------------------------------------


def test_survivorship_most_recent_non_empty_value_and_earliest_signup():
    c = pd.DataFrame(
        {
            "customer_id": ["C3", "C1", "C2"],
            "phone": ["13800138000", "138 0013 8000", "+8613800138000"],
            "email": ["new@qq.com", "old@qq.com", "  "],  # C2 newest but empty
            "city": ["杭州", None, "上海"],
            "signup_date": ["2023-01-01", "2021-05-01", "2024-02-01"],
        }
    )
    pmap, profiles = build_profiles(c, find_matches(c))
    assert pmap.to_dict() == {"C1": "C1", "C2": "C1", "C3": "C1"}
    row = profiles.iloc[0]
    assert row["customer_id"] == "C1" and row["merged_from"] == 3
    assert row["email"] == "new@qq.com"  # C2 is newer but has no e-mail
    assert row["city"] == "上海"  # C2 is the newest with a city
    assert row["signup_date"] == "2021-05-01"  # the earliest: a customer since then
    assert list(profiles.columns) == [
        "customer_id",
        "phone",
        "email",
        "city",
        "signup_date",
        "merged_from",
    ]


def test_survivorship_ties_by_source_rank_else_smallest_id():
    c = pd.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "phone": ["13800138000", "13800138000"],
            "name": ["from web", "from erp"],
            "source": ["web", "erp"],
            "signup_date": ["2024-01-01", "2024-01-01"],
        }
    )
    m = find_matches(c)
    assert build_profiles(c, m)[1]["name"].item() == "from web"
    assert build_profiles(c, m, source_rank=["erp", "web"])[1]["name"].item() == "from erp"


def test_unknown_ids_in_matches_are_an_error():
    c = customers(name=["a"])
    m = pd.DataFrame({"id_a": ["C1"], "id_b": ["C9"], "kind": ["strong"]})
    with pytest.raises(DataValidationError, match="not in the customers table"):
        build_profiles(c, m)


def test_remap_ids_follows_the_merge_and_keeps_other_ids():
    pmap = pd.Series({"C1": "C1", "C2": "C1", "C3": "C3"})
    tx = pd.DataFrame({"customer_id": ["C2", "C3", "X9", None], "amount": [1, 2, 3, 4]})
    out = remap_ids(tx, pmap)
    assert out["customer_id"].tolist() == ["C1", "C3", "X9", None]
    assert tx["customer_id"].tolist() == ["C2", "C3", "X9", None]  # input untouched
    assert out["amount"].tolist() == [1, 2, 3, 4]
    with pytest.raises(DataValidationError, match="client"):
        remap_ids(tx, pmap, column="client")


# Planted truth -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def planted():
    c, truth = make_planted_customers(2_000, n_duplicates=150, n_near_misses=100, seed=12)
    m = find_matches(c)
    pmap, profiles = build_profiles(c, m)
    return c, truth, m, pmap, profiles


def merged_pairs(pmap: pd.Series) -> set[tuple[str, str]]:
    groups = defaultdict(list)
    for old, new in pmap.items():
        groups[new].append(old)
    return {p for g in groups.values() for p in combinations(sorted(g), 2)}


def test_planted_duplicates_are_recovered(planted):
    c, truth, m, pmap, profiles = planted
    assert (truth["plant"] == "original").sum() == 2_000
    assert truth["plant"].str.startswith("dup_").sum() == 150
    assert truth["plant"].str.startswith("near_").sum() >= 100
    merged, planted_pairs = merged_pairs(pmap), true_pairs(truth)
    hit = len(merged & planted_pairs)
    precision, recall = hit / len(merged), hit / len(planted_pairs)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)
    assert len(profiles) == truth["entity"].nunique()
    assert set(m.loc[m["kind"] == "strong", "rule"]) == {"phone", "email", "company_city"}


def test_no_near_miss_is_merged_and_each_is_up_for_review(planted):
    c, truth, m, pmap, profiles = planted
    near = truth[truth["plant"].str.startswith("near_")]
    merged = pmap[near["customer_id"]]
    assert (merged.index == merged.to_numpy()).all()  # each is its own profile...
    assert pmap.value_counts()[merged.to_numpy()].eq(1).all()  # ...and alone in it
    review = m[m["kind"] == "review"]
    in_review = set(map(frozenset, review[["id_a", "id_b"]].to_numpy()))
    for rec in near.itertuples():
        if rec.plant in ("near_name", "near_company"):
            # the weak signal is the shared name with the record it copies (or its profile)
            partner_group = set(pmap.index[pmap == pmap[rec.partner]])
            assert any(frozenset((rec.customer_id, p)) in in_review for p in partner_group)
    boards = review[review["reason"] == "shared_phone"]
    on_board = set(boards["id_a"]) | set(boards["id_b"])
    assert set(near.loc[near["plant"] == "near_switchboard", "customer_id"]) <= on_board
    reasons = set(review["reason"])
    assert {"same_name", "same_company_other_city", "shared_phone"} <= reasons


def test_remapped_transactions_follow_planted_duplicates(planted):
    c, truth, m, pmap, profiles = planted
    dups = truth[truth["plant"].str.startswith("dup_")]
    tx = pd.DataFrame({"customer_id": dups["customer_id"].to_numpy(), "amount": 1.0})
    out = remap_ids(tx, pmap)
    assert (out["customer_id"].to_numpy() == pmap[dups["partner"]].to_numpy()).all()
    assert set(out["customer_id"]) <= set(profiles["customer_id"])
