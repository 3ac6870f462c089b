"""The churn page's sections on a small sample warehouse and on exports that cannot run them."""

from __future__ import annotations

import re
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analysis.cleaning import build_warehouse
from analysis.pages import Skipped, churn, render_blocks
from analysis.pages.context import RunSettings, build_context
from analysis.warehouse import open_warehouse

SECTIONS = churn.SECTIONS

CJK = re.compile("[\u3400-\u9fff]")
# Latin words a Chinese page may show: model and method names, abbreviations, the
# export's file and column names.
ZH_LATIN_OK = {
    "kaplan",
    "meier",
    "holm",
    "cox",
    "weibull",
    "aft",
    "brier",
    "bg",
    "mbg",
    "sbg",
    "fader",
    "hardie",
    "vip",  # 贵宾 is written VIP in Chinese business use (the playbook: VIP服务)
    "model",
    "pareto",
    "nbd",
    "gamma",
    "clv",
    "rfm",
    "nps",
    "exports",
    "at_risk",
    "csv",
    "xlsx",
    "churn_prob",
    "churn_risk",
    "p_alive",
    "expected_clv",
    "customers",
    "subscriptions",
    "customer_id",
    "start_date",
    "end_date",
    "churn_threshold_days",
}


def _ingest(folder, tables: dict[str, pd.DataFrame], **settings):
    """Write ``tables`` as CSV files, ingest them and build a context (report_dir inside)."""
    src = folder / "src"
    src.mkdir(parents=True)
    for name, df in tables.items():
        df.to_csv(src / f"{name}.csv", index=False)
    wh_path = folder / "out" / "warehouse.duckdb"
    build_warehouse(src, period="2026-10", warehouse=wh_path, quarantine_dir=folder / "out" / "q")
    return build_context(
        open_warehouse(wh_path),
        lang="zh",
        settings=RunSettings(**settings),
        report_dir=folder / "report",
    )


@pytest.fixture(scope="session")
def ctx(small_warehouse, tmp_path_factory):
    """The shared small sample (conftest): contracts with churn, repeat buyers, history."""
    report = tmp_path_factory.mktemp("churn_report")
    return build_context(small_warehouse, lang="zh", report_dir=report)


@pytest.fixture(scope="session")
def results(ctx):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines' convergence chatter on a small sample
        return {name: getattr(churn, name)(ctx) for name in SECTIONS}


def _page_text(result, lang: str) -> str:
    """The words of a rendered section (figures' titles and axis labels included)."""
    parts = []
    for item in render_blocks(result, lang):
        if hasattr(item, "savefig"):
            for ax in item.axes:
                parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
                ticks = [x.get_text() for x in ax.get_xticklabels() + ax.get_yticklabels()]
                parts += [re.sub(r"\$[^$]*\$", "", x) for x in ticks]  # mathtext: 10^-1
                legend = ax.get_legend()
                if legend is not None:
                    parts += [x.get_text() for x in legend.get_texts()]
            plt.close(item)
        else:
            parts.append(re.sub(r"<[^>]+>", " ", item.data))
    return "\n".join(parts)


def _data_values(ctx) -> set[str]:
    """Attribute values of the sample (Chinese plan, region, channel names are data)."""
    data = churn.churn_data(ctx).data
    cols = (
        "plan",
        "region",
        "industry",
        "channel",
        "city",
        "account_owner",
        "segment",
        "member_level",
        "tier",
    )
    return {str(v) for c in cols if c in data.columns for v in data[c].dropna().unique()}


def test_every_section_runs_on_the_sample(results):
    for name, result in results.items():
        assert not isinstance(result, Skipped), (name, getattr(result, "reason", None))


@pytest.mark.parametrize("name", SECTIONS)
def test_zh_page_has_no_english_prose_and_en_page_no_chinese(ctx, results, name):
    # customers are shown by pseudonym (K-7F3Q-2M9A-H4KD): letters, but not English
    zh = re.sub(r"K-\w{4}-\w{4}-\w{4}", " ", _page_text(results[name], "zh"))
    words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z_]{2,}", zh)}
    data_values = {v.lower() for v in _data_values(ctx)}  # a reason names a data value
    assert not words - ZH_LATIN_OK - data_values, sorted(words - ZH_LATIN_OK)
    en = _page_text(results[name], "en")
    for value in sorted(_data_values(ctx), key=len, reverse=True):
        en = en.replace(value, "")
    assert not CJK.search(en), CJK.findall(en)[:20]


def test_tables_show_no_raw_floats_nan_or_index(results):
    for name, result in results.items():
        html = "".join(getattr(x, "data", "") for x in render_blocks(result, "en"))
        plt.close("all")
        # what a reader sees: tags and their attributes (data-sort holds raw numbers) out
        shown = re.sub(r"<[^>]+>", " ", html)
        assert "NaN" not in shown and "nan" not in shown.split(), name
        assert not re.search(r"\d\.\d{5,}", shown), name  # no unformatted floats
        assert "e-0" not in shown and "e+0" not in shown, name


def test_summary_and_models(ctx, results):
    s = results["summary"]
    assert s.facts["nc"] > 0 and s.facts["nn"] > 0 and s.threshold_source == "model"
    m = results["contract_model"]
    assert m.best in set(m.metrics.index)
    assert {"cox", "weibull"} <= set(m.metrics.index) <= {"cox", "cox_unstratified", "weibull"}
    assert {"covariate", "hazard_ratio", "ci_lower", "ci_upper", "p"} <= set(m.hazard_ratios)
    assert (m.hazard_ratios["hazard_ratio"] > 0).all()
    n = results["noncontract_model"]
    assert n.clv["p_alive"].between(0, 1).all() and n.facts["n"] >= churn.MIN_REPEAT_BUYERS
    curves = results["survival_curves"]
    drawn = {p.kind for p in curves.parts}
    # the 2,000-customer sample's purchase model counts few non-contract customers churned
    assert drawn | {k for k, *_ in curves.not_drawn} == {"contract", "non-contract"}
    assert "contract" in drawn
    assert all(len(p.groups) <= 2 for p in curves.parts)


def test_shared_work_is_computed_once(ctx, results):
    # a second call returns the same fitted model object: the memo, not a refit
    assert churn.contract_model(ctx).hazard_ratios.equals(results["contract_model"].hazard_ratios)
    assert churn._contract(ctx) is churn._contract(ctx)
    assert churn.at_risk(ctx).table is results["at_risk"].table


def test_at_risk_list_is_ranked_and_keeps_codes(ctx, results):
    table = results["at_risk"].table
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert table["value_at_risk"].is_monotonic_decreasing
    assert table["churn_prob"].between(0, 1).all()
    assert set(table["kind"]) <= {"contract", "non-contract"}
    # reasons are codes with a comparison and a factor; words in both languages beside them
    codes = table["reason_1"][table["reason_1"] != ""]
    assert len(codes) and not codes.str.contains("倍").any()
    factor = codes.index[table.loc[codes.index, "reason_1_factor"].notna()]
    assert table.loc[factor, "reason_1_zh"].str.contains("倍").all()
    assert table.loc[factor, "reason_1_en"].str.contains("×").all()
    # one model per kind: every row of a kind names the same model
    assert table.groupby("kind")["model"].nunique().eq(1).all()
    contract = table[(table["kind"] == "contract") & (table["reason_1"] != "")]
    assert (contract["reason_1_factor"] >= 1.2).all() and (contract["reason_1_vs"] != "").all()


def test_at_risk_export_agrees_with_the_run_classes(ctx, results):
    files = results["exports"].files
    csv = next(f for f in files if f.endswith("at_risk.csv"))
    exported = pd.read_csv(csv, dtype={"customer_id": str}, encoding="utf-8-sig")
    assert len(exported) == min(ctx.settings.top_n, len(results["at_risk"].table))
    labels = ctx.class_export().reindex(exported["customer_id"])
    for col in ("value_tier", "rfm_eight", "lifecycle", "action"):
        assert exported[col].tolist() == labels[col].tolist(), col
        for lang in ("zh", "en"):
            assert exported[f"{col}_{lang}"].tolist() == labels[f"{col}_{lang}"].tolist()
    # the same column names whatever the report language
    assert {"customer_id", "value_at_risk", "churn_prob", "reason_1", "reason_1_en"} <= set(
        exported.columns
    )


def test_customer_columns(ctx, results):
    cols = churn.customer_columns(ctx)
    assert list(cols.columns) == ["churn_prob", "p_alive", "expected_clv"]
    assert cols.index.name == "customer_id" and cols.index.is_unique
    active = results["at_risk"].table["customer_id"]
    assert cols.loc[active, "churn_prob"].notna().all()
    assert any(p.endswith("churn.parquet") for p in results["exports"].files)


# --- exports the page cannot fully analyse ------------------------------------------------


def _customers(n: int, rng) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(n)],
            "customer_type": rng.choice(["business", "individual"], n),
            "region": rng.choice(["east", "north", "west"], n),
        }
    )


def _once(customers: pd.DataFrame) -> pd.DataFrame:
    """Every customer buys once, the same amount."""
    return pd.DataFrame(
        {
            "order_id": range(len(customers)),
            "customer_id": customers["customer_id"],
            "order_date": "2025-03-01",
            "amount": 50.0,
        }
    )


def _subscriptions(customers: pd.DataFrame, ended: int, rng) -> pd.DataFrame:
    n = len(customers)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), "D")
    end = (start + pd.to_timedelta(rng.integers(60, 700, n), "D")).strftime("%Y-%m-%d")
    return pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "start_date": start.strftime("%Y-%m-%d"),
            "end_date": np.where(np.arange(n) < ended, end, ""),
            "plan": rng.choice(["basic", "pro"], n),
            "monthly_fee": rng.choice([99, 199], n),
        }
    )


def _sections(ctx) -> dict:
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in SECTIONS:
            out[name] = getattr(churn, name)(ctx)
            for lang in ("zh", "en"):  # every note has words in both languages
                render_blocks(out[name], lang)
            plt.close("all")
    return out


def _reason(result) -> str | None:
    return result.reason if isinstance(result, Skipped) else None


def test_too_few_events_and_one_time_buyers(tmp_path):
    rng = np.random.default_rng(1)
    cust = _customers(40, rng)
    ctx = _ingest(
        tmp_path,
        {
            "customers": cust,
            "transactions": _once(cust),
            "subscriptions": _subscriptions(cust, 12, rng),
        },
    )
    out = _sections(ctx)
    model = out["contract_model"]
    assert model.reason == "churn.skip.too_few_events_model"
    assert (model.values["n"], model.values["need"]) == (12, churn.MIN_EVENTS)
    assert _reason(out["survival_curves"]) == "churn.skip.too_few_events_km"
    nc = out["noncontract_model"]
    assert nc.reason == "churn.skip.no_buyers"  # every buyer holds a contract
    assert _reason(out["at_risk"]) == "churn.skip.no_scores"
    assert _reason(out["backtest"]) == "churn.skip.no_history"
    assert out["summary"].facts["nc"] == 40 and out["summary"].facts["ec"] == 12
    assert "12" in _page_text(model, "en") and "20" in _page_text(model, "en")


def test_no_subscriptions_table(tmp_path):
    rng = np.random.default_rng(2)
    cust = _customers(60, rng)
    days = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 660, 500), "D")
    tx = pd.DataFrame(
        {
            "order_id": range(500),
            "customer_id": rng.choice(cust["customer_id"], 500),
            "order_date": days.strftime("%Y-%m-%d"),
            "amount": rng.gamma(2.0, 50.0, 500).round(2),
        }
    )
    out = _sections(_ingest(tmp_path, {"customers": cust, "transactions": tx}))
    assert _reason(out["contract_model"]) == "churn.skip.no_subscriptions"
    assert not out["summary"].has_subscriptions
    # the non-contract side still runs: BG/NBD, Gamma-Gamma and a list without contracts
    assert _reason(out["noncontract_model"]) is None
    assert set(out["at_risk"].table["kind"]) == {"non-contract"}


def test_no_contract_ended_yet(tmp_path):
    rng = np.random.default_rng(3)
    cust = _customers(40, rng)
    out = _sections(
        _ingest(
            tmp_path,
            {
                "customers": cust,
                "transactions": _once(cust),
                "subscriptions": _subscriptions(cust, 0, rng),
            },
        )
    )
    assert _reason(out["contract_model"]) == "churn.skip.none_ended"
    assert out["contract_model"].values == {"n": 40}


def test_a_single_customer(tmp_path):
    rng = np.random.default_rng(4)
    cust = _customers(1, rng)
    out = _sections(_ingest(tmp_path, {"customers": cust, "transactions": _once(cust)}))
    assert _reason(out["noncontract_model"]) == "churn.skip.one_customer"
    assert out["summary"].facts["nn"] == 1 and out["summary"].threshold_source == "none"
    assert out["exports"].facts["k"] == 0
