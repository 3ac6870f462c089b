"""Complaints in follow-up notes (issue 12): accuracy on known notes, negation, the churn join."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.followup.notes import (
    CHURN_COLUMNS,
    CUE_KINDS,
    FLAG_COLUMNS,
    REASONS,
    complaints_and_churn,
    flag_complaints,
    load_complaint_cues,
)
from analysis.sample.followups import _COMPLAINT_NOTES, _NOTES

# Hand-labelled notes as owners write them: True when the note records a complaint or a
# wish to leave. Written with the cue list, so an optimistic check of the rules; the
# last two complaints use no listed cue on purpose (both missed, see the module text).
EVAL_NOTES = [
    ("客户投诉物流太慢，货到晚了三天", True),
    ("客户对价格不满意，要求再降5%", True),
    ("客户反馈产品质量有问题，要求换货", True),
    ("客户抱怨客服电话一直打不通", True),
    ("发票开错了两次，客户很生气", True),
    ("客户说竞品报价更低，正在评估是否转单", True),
    ("客户要求退货退款", True),
    ("客户表示下季度不再续约", True),
    ("客户对售后服务很失望", True),
    ("安装拖了一周，客户情绪较大，已安排主管回电", True),
    ("客户反映上次到货有破损", True),
    ("客户准备终止合作", True),
    ("客户催了三次还没发货", True),
    ("客户说这批货颜色和样品差很多", True),
    ("对方嫌价格高，暂缓下单", True),
    ("客户没有投诉，对服务比较满意", False),
    ("客户表示暂不考虑更换供应商", False),
    ("客户未提出任何异议", False),
    ("退款已到账，客户确认无误", False),
    ("电话回访，客户对新版本很满意", False),
    ("上门安装调试，设备运行正常", False),
    ("客户咨询批量采购折扣", False),
    ("电话跟进发票问题，已重新开具", False),
    ("客户表示会继续合作，明年加大采购量", False),
    ("之前的问题已解决，客户表示感谢", False),
    ("邮件发送新版报价单", False),
    ("季度回顾会议，客户没有提出不满", False),
    ("客户对售后响应速度表示认可", False),
    ("客户不会更换供应商，续签了两年", False),
    ("拜访推迟到下周，已和客户确认时间", False),
]


def _precision_recall(flagged: pd.Series, truth: pd.Series) -> tuple[float, float]:
    flagged, truth = flagged.to_numpy(bool), truth.to_numpy(bool)
    tp = int((flagged & truth).sum())
    return tp / max(int(flagged.sum()), 1), tp / max(int(truth.sum()), 1)


# -- accuracy where the truth is known ---------------------------------------------------------


def test_the_sample_notes_are_flagged_as_planted():
    notes = [*_COMPLAINT_NOTES, *(n for kind in _NOTES.values() for n in kind)]
    truth = pd.Series([n in _COMPLAINT_NOTES for n in notes])
    flags = flag_complaints(pd.DataFrame({"note": notes}))
    precision, recall = _precision_recall(flags["complaint"], truth)
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)
    # measured 1.00 / 1.00 (module docstring); each complaint flagged by a cue
    assert set(flags.loc[truth.to_numpy(), "reason"]) <= {"churn_intent", "complaint_word"}


@pytest.fixture(scope="module")
def sample_log(small_sample) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The small sample's follow-up log and its flags."""
    log = pd.read_csv(small_sample / "interactions.csv", dtype={"customer_id": str})
    return log, flag_complaints(log)


def test_the_sample_log_rows(sample_log):
    log, flags = sample_log
    precision, recall = _precision_recall(flags["complaint"], log["note"].isin(_COMPLAINT_NOTES))
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)
    assert list(flags.columns) == [*log.columns, *FLAG_COLUMNS]
    assert flags.index.equals(log.index) and set(flags["reason"]) <= set(REASONS)


def test_hand_labelled_notes():
    e = pd.DataFrame(EVAL_NOTES, columns=["note", "truth"])
    flags = flag_complaints(e)
    precision, recall = _precision_recall(flags["complaint"], e["truth"])
    # measured 1.00 / 0.87 (module docstring)
    assert precision >= 0.9 and recall >= 0.8, (precision, recall)


REASON_CASES = [
    ("客户投诉退款未到账", "complaint_word", "投诉"),
    ("退款到现在都没到账", "complaint_word", "没到账"),  # a cue holding its negator
    ("客户表示下季度不再续约", "churn_intent", "不再续约"),
    ("客户表示考虑更换供应商", "churn_intent", "更换供应商"),
    ("客户没有投诉", "negated", None),
    ("包装完好，没有任何破损", "negated", None),
    ("客户表示暂不考虑更换供应商", "negated", None),
    ("客户没有投诉，但是物流太慢", "complaint_word", "太慢"),  # one cue outside negation
    ("服务太烂了，非常糟糕", "negative_sentiment", None),  # no cue, the model is sure
    ("电话跟进发票问题", "none", None),  # P(negative) 0.85: below the threshold
    ("The customer complained about late delivery", "complaint_word", "complain"),
    ("No complaints, happy with the service", "negated", None),
]


@pytest.fixture(scope="module")
def reason_flags() -> pd.DataFrame:
    # one call for every case: each call of the sentiment model costs ~0.1 s of set-up
    notes = pd.DataFrame({"note": [note for note, _, _ in REASON_CASES]})
    return flag_complaints(notes).set_index("note")


@pytest.mark.parametrize(("note", "reason", "cue"), REASON_CASES)
def test_reasons(reason_flags, note, reason, cue):
    row = reason_flags.loc[note]
    assert (row["reason"], row["cue"]) == (reason, cue)
    assert row["complaint"] == (reason in REASONS[:3])


# -- inputs ---------------------------------------------------------------------------------


def test_missing_and_blank_notes_are_counted_not_flagged():
    log = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "d"],
            "owner": ["x", "y", "x", "y", "x"],
            "note": ["客户投诉退款未到账，电话13912345678", None, "  ", "", "客户投诉退款未到账"],
        },
        index=[3, 3, 1, 0, 0],  # a repeated index is kept as it is
    )
    flags = flag_complaints(log)
    assert flags.index.equals(log.index)
    assert flags["reason"].tolist() == ["complaint_word", "no_note", "no_note", "no_note",
                                        "complaint_word"]  # fmt: skip
    assert flags["complaint"].tolist() == [True, False, False, False, True]
    assert flags["reason"].value_counts()["no_note"] == 3
    assert flags["p_negative"].isna().tolist() == [False, True, True, True, False]
    assert flags["note"].iloc[0] == "客户投诉退款未到账，电话[电话]"  # masked, as survey comments
    assert flags["owner"].tolist() == log["owner"].tolist()
    assert log["note"].iloc[0].endswith("13912345678")  # the input is not changed


def test_notes_without_text_load_no_model():
    log = pd.DataFrame({"note": [None, "", np.nan]})
    flags = flag_complaints(log, sentiment_model=object())  # would fail if it were used
    assert not flags["complaint"].any() and set(flags["reason"]) == {"no_note"}
    empty = flag_complaints(pd.DataFrame({"note": pd.Series([], dtype=object)}))
    assert empty.empty and list(empty.columns) == ["note", *FLAG_COLUMNS]


def test_the_cue_file_and_own_cues():
    cues = load_complaint_cues()
    assert list(cues) == list(CUE_KINDS)
    assert all(c == c.lower() and c.strip() == c for kind in cues.values() for c in kind)
    assert {"投诉", "响应慢"} <= set(cues["complaint"])
    assert "更换供应商" in cues["churn_intent"]
    mine = flag_complaints(pd.DataFrame({"note": ["客户嫌贵"]}), cues={"complaint": ["嫌贵"]})
    assert mine["reason"].tolist() == ["complaint_word"]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"note_col": "text"}, "column 'text' is missing"),
        ({"cues": {"angry": ["x"]}}, "unknown kind"),
    ],
)
def test_bad_arguments(kw, message):
    with pytest.raises(ValueError, match=message):
        flag_complaints(pd.DataFrame({"note": ["x"]}), **kw)


# -- themes of complaints ---------------------------------------------------------------------


def test_a_complaint_gets_the_theme_of_its_complaining_clause():
    from analysis.text.themes import fit_themes

    groups = [["物流", "快递", "配送", "发货"], ["售后", "退款", "维修", "换货"],
              ["价格", "优惠", "折扣", "满减"]]  # fmt: skip
    docs = [[g[i % 4], g[(i + 1) % 4]] for i in range(40) for g in groups]
    themes = fit_themes(docs, ["zh"] * 120, k_range=[3], min_comments=10, analyzer=None)
    logistics, after_sales = themes.assign([["物流"], ["退款"]], ["zh", "zh"]).idxmax(axis=1)
    notes = ["客户投诉物流太慢", "物流很快，客户投诉退款未到账", "电话沟通发货时间", "客户很生气"]
    flags = flag_complaints(pd.DataFrame({"note": notes}), themes=themes)
    theme = flags["theme"].tolist()
    # the second note names logistics too, in the clause that does not complain
    assert theme[:2] == [logistics, after_sales] and logistics != after_sales
    assert theme[2] is None  # not a complaint: no theme, though 发货 names one
    assert theme[3] is None  # a complaint naming no theme
    names = themes.themes.set_index("theme")["name"]
    assert flags["theme_name"].iloc[0] == names[theme[0]]


# -- the churn join ---------------------------------------------------------------------------

FLAGS = pd.DataFrame(
    {
        "customer_id": ["a", "a", "b", "c", "d", "e", "f", "g", "h", None],
        "date": ["2024-01-05", "2024-03-01", "2024-01-10", "2024-02-01", "2024-01-20",
                 "2024-01-03", None, "2024-01-15", "2024-02-20", "2024-01-01"],
        "complaint": [False, True, True, True, False, False, True, False, False, True],
    }
)  # fmt: skip
# a: complains only after 2024-02-15; f: an undated complaint; h: a note, no outcome
OUTCOME = pd.DataFrame(
    {
        "customer_id": list("abcdefgxyz"),
        "churned": [1, 1, 0, 0, 1, 1, 1, 0, 1, 0],
    }
)


def _row(table: pd.DataFrame, group: str) -> pd.Series:
    return table.set_index("group").loc[group]


def test_hand_worked_table_and_intervals():
    t = complaints_and_churn(FLAGS, OUTCOME)
    assert list(t.columns) == CHURN_COLUMNS and t["group"].tolist() == ["complaint",
                                                                        "no_complaint"]  # fmt: skip
    c, o = _row(t, "complaint"), _row(t, "no_complaint")
    # complaint: a, b, f churned, c not; no complaint: e, g churned, d not
    assert (c["customers"], c["churned"], o["customers"], o["churned"]) == (4, 3, 3, 2)
    for row, (k, n) in ((c, (3, 4)), (o, (2, 3))):
        ci = stats.binomtest(k, n).proportion_ci(0.95, method="wilson")
        assert row["churn_share"] == pytest.approx(k / n)
        assert (row["churn_low"], row["churn_high"]) == pytest.approx((ci.low, ci.high))
    ratio = (3 / 4) / (2 / 3)
    se = np.sqrt(1 / 3 - 1 / 4 + 1 / 2 - 1 / 3)  # Katz
    assert c["ratio"] == pytest.approx(ratio)
    assert (c["ratio_low"], c["ratio_high"]) == pytest.approx(
        (ratio * np.exp(-1.959964 * se), ratio * np.exp(1.959964 * se)), rel=1e-5
    )
    assert o["ratio"] == 1.0 and np.isnan(o["ratio_low"])


def test_only_notes_before_the_date_count():
    t = complaints_and_churn(FLAGS, OUTCOME, before="2024-02-15")
    c, o = _row(t, "complaint"), _row(t, "no_complaint")
    # a's complaint is later (a: no complaint); f's note has no date; h has no outcome
    assert (c["customers"], c["churned"]) == (2, 1)  # b, c
    assert (o["customers"], o["churned"]) == (4, 3)  # a, d, e, g
    assert c["ratio"] == pytest.approx((1 / 2) / (3 / 4))


def test_others_all_and_an_outcome_indexed_by_customer():
    churn_data = OUTCOME.rename(columns={"churned": "event"}).set_index("customer_id")
    t = complaints_and_churn(FLAGS, churn_data, others="all", churned_col="event")
    c, o = _row(t, "complaint"), _row(t, "no_complaint")
    assert (c["customers"], o["customers"], o["churned"]) == (4, 6, 3)  # d e g x y z


def test_empty_groups_and_no_churn_give_nan_or_inf_not_errors():
    flags = pd.DataFrame({"customer_id": ["a"], "complaint": [False]})
    c = _row(complaints_and_churn(flags, OUTCOME), "complaint")
    assert c["customers"] == 0 and np.isnan(c["churn_share"]) and np.isnan(c["ratio"])
    flags = pd.DataFrame({"customer_id": ["a", "c"], "complaint": [True, False]})
    t = complaints_and_churn(flags, OUTCOME)  # a churned, c did not: no reference churn
    assert _row(t, "complaint")["ratio"] == np.inf and np.isnan(_row(t, "no_complaint")["ratio"])
    assert _row(t, "no_complaint")["churn_high"] < 1  # Wilson: not zero width at 0 of 1


@pytest.mark.parametrize(
    ("flags", "outcome", "kw", "message"),
    [
        (FLAGS.drop(columns="complaint"), OUTCOME, {}, r"flags: .*complaint"),
        (FLAGS.drop(columns="date"), OUTCOME, {"before": "2024-02-01"}, r"flags: .*date"),
        (FLAGS, OUTCOME.drop(columns="churned"), {}, r"outcome: .*churned"),
        (FLAGS, pd.concat([OUTCOME, OUTCOME.head(1)]), {}, "more than one row"),
        (FLAGS, OUTCOME, {"others": "everyone"}, "others"),
    ],
)
def test_bad_inputs_raise(flags, outcome, kw, message):
    with pytest.raises(ValueError, match=message):
        complaints_and_churn(flags, outcome, **kw)


def test_planted_truth_complainers_churn_more(small_sample, sample_log):
    # the sample writes complaint notes only for dissatisfied customers, who drop out
    # faster: among followed-up customers, complainers' churn share is clearly higher
    _, flags = sample_log
    truth = pd.read_parquet(small_sample / "truth" / "customers.parquet")
    outcome = pd.DataFrame(
        {"customer_id": truth["customer_id"].astype(str), "churned": ~truth["alive_at_period_end"]}
    )
    t = complaints_and_churn(flags, outcome, before="2026-04-30")
    c = _row(t, "complaint")
    assert c["customers"] >= 30
    assert c["ratio_low"] > 1.0, t  # measured 2.1 (1.4–3.2) on this sample
