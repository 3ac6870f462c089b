"""The report layer: run context, section results, display in both languages."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import CUSTOMERS, write_source
from pagecheck import other_language, render_html

from analysis.exceptions import ConfigError
from analysis.pages import Skipped, build_context, open_context
from analysis.pages import quality as qp
from analysis.pages import segmentation as sp
from analysis.pages.context import CLASS_CODES, RunSettings, save_context

QUALITY = ("summary", "ledger", "reasons", "coverage", "missing", "profiles", "completeness",
           "notes", "run_info")  # fmt: skip
SEGMENTATION = ("summary", "value_tiers", "customer_types", "rfm", "rfm_eight", "lifecycle",
                "clusters", "playbook", "migration", "exports")  # fmt: skip


@pytest.fixture(scope="session")
def small_context(small_warehouse):
    return build_context(small_warehouse, lang="zh")


_html = render_html


def test_classes_table_is_one_row_per_customer_with_codes(small_context):
    c = small_context.classes
    assert list(c.columns) == list(CLASS_CODES)
    assert c.index.is_unique and c.index.name == "customer_id"
    assert set(c.index) == set(small_context.features.index)
    assert set(c["value_tier"].dropna()) <= {"high", "mid", "low"}
    assert set(c["lifecycle"]) <= {"potential", "new", "active", "loyal", "dormant", "churned"}
    assert c["action"].notna().all()
    # labels for exports: codes first, then zh and en labels, same rows
    ex = small_context.class_export()
    assert {"value_tier_zh", "value_tier_en", "action_zh", "cluster_en"} <= set(ex.columns)
    assert ex.index.equals(c.index)


@pytest.mark.parametrize(("module", "name"), [(qp, n) for n in QUALITY] +
                         [(sp, n) for n in SEGMENTATION])  # fmt: skip
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_section_renders_in_both_languages_without_the_other(small_context, module, name, lang):
    result = getattr(module, name)(small_context)
    page = _html(result, lang)
    assert f'id="{result.section.replace(".", "-").replace("_", "-")}"' in page
    assert "NaN" not in page and "nan<" not in page
    assert other_language(page, lang) == []


def test_sections_run_on_the_small_sample_without_skipping(small_context):
    for name in SEGMENTATION:
        result = getattr(sp, name)(small_context)
        assert not result.skipped, (name, getattr(result, "reason", None))


def test_tier_summary_is_what_the_value_profile_says(small_context):
    s = sp.compute_tier_summary(small_context.features, small_context.classes)
    profile = sp.value_tiers(small_context).profile
    assert s["high_revenue_share"] == pytest.approx(profile.loc["high", "revenue_share"])
    rev = small_context.features["monetary_total"]
    high = small_context.classes["value_tier"] == "high"
    assert s["high_revenue_share"] == pytest.approx(rev[high].sum() / rev.clip(lower=0).sum())
    assert sp.summary(small_context).facts["rs"] == s["high_revenue_share"]


def test_settings_reach_the_classes(small_warehouse):
    wide = build_context(small_warehouse, settings=RunSettings(high_share=0.5, mid_share=0.9))
    narrow = build_context(small_warehouse, settings=RunSettings(high_share=0.9))
    n_wide = (wide.classes["value_tier"] == "high").sum()
    assert n_wide < (narrow.classes["value_tier"] == "high").sum()
    assert sp.summary(wide).facts["hv"] == n_wide


def test_unknown_setting_is_an_error():
    with pytest.raises(ConfigError, match="unknown setting.*hgh_share"):
        RunSettings.from_params({"hgh_share": 0.7})


def test_saved_context_is_reused_only_with_the_same_settings(small_sample, tmp_path, monkeypatch):
    from analysis.cleaning import build_warehouse
    from analysis.pages import context as context_mod
    from analysis.warehouse import open_warehouse

    path = tmp_path / "warehouse.duckdb"
    build_warehouse(small_sample, period="2026-10", warehouse=path, quarantine_dir=tmp_path / "q")
    ctx = build_context(open_warehouse(path), settings=RunSettings(high_share=0.7))
    save_context(ctx)
    calls = []
    real = context_mod.compute_segmentation
    monkeypatch.setattr(
        context_mod, "compute_segmentation", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    same = open_context(warehouse=str(path), high_share=0.7)
    assert calls == []
    pd.testing.assert_frame_equal(same.classes, ctx.classes)
    other = open_context(warehouse=str(path), high_share=0.6)
    assert calls == [1]
    assert not other.classes["value_tier"].equals(ctx.classes["value_tier"])
    # the classes are in the warehouse for SQL users too
    saved = open_warehouse(path)["customer_classes"].execute().set_index("customer_id")
    assert saved["value_tier"].equals(ctx.classes["value_tier"].reindex(saved.index))


def test_small_exports_skip_with_a_reason(ingest):
    """Three customers, one type missing, few distinct buyers: skips, not crashes."""
    one_type = CUSTOMERS.replace("business", "individual")
    _, wh = ingest({"customers.csv": one_type, "transactions.csv": "customer_id,order_date,"
                    "amount\n007,2026-03-05,100\n008,2026-04-01,50\n"})  # fmt: skip
    ctx = build_context(wh)
    assert isinstance(sp.customer_types(ctx), Skipped)
    assert sp.customer_types(ctx).reason == "seg.skip.one_type"
    clusters = sp.clusters(ctx)
    assert clusters.reason == "seg.skip.too_few_distinct"
    assert clusters.values == {"n": 2, "need": 10}
    assert ctx.classes["cluster"].isna().all()
    for name in SEGMENTATION:
        for lang in ("zh", "en"):
            _html(getattr(sp, name)(ctx), lang)


def test_no_buyers_skips_rfm(tmp_path):
    from analysis.cleaning import build_warehouse
    from analysis.warehouse import open_warehouse

    src = write_source(tmp_path / "src", {
        "customers.csv": CUSTOMERS,
        "transactions.csv": "customer_id,order_date,amount\n007,2026-03-05,-10\n",
    })  # fmt: skip
    build_warehouse(src, period="2026-10", warehouse=tmp_path / "w.duckdb",
                    quarantine_dir=tmp_path / "q")  # fmt: skip
    ctx = build_context(open_warehouse(tmp_path / "w.duckdb"))
    assert sp.rfm(ctx).reason == "seg.skip.no_buyers"
    assert sp.rfm_eight(ctx).reason == "seg.skip.no_buyers"
