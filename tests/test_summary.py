"""The summary page: its figures against a count by hand, against the other pages, and
the month-over-month comparison by both of its paths (published and recomputed)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from pagecheck import other_language, render_html

from analysis.pages import build_context, churn, summary, survey
from analysis.period import Period


@pytest.fixture(scope="module")
def ctx(small_warehouse, small_sample, tmp_path_factory):
    # as a notebook opened by hand: no published period beside report_dir, so last
    # month is recomputed from the source as of its end
    report = tmp_path_factory.mktemp("summary") / "2026-10"
    return build_context(small_warehouse, lang="zh", report_dir=report,
                         source=str(small_sample))  # fmt: skip


def _by_hand(ctx, month: Period) -> dict:
    """Active, new, churned and revenue of one month, counted in pandas from purchases."""
    c = ctx.segmentation.thresholds.churned_after
    tx = ctx.table("transactions")
    day = pd.to_datetime(tx["order_date"]).dt.normalize()
    end, start = pd.Timestamp(month.end), pd.Timestamp(month.start)
    eve = start - pd.Timedelta(days=1)
    pos = tx["amount"] > 0
    cid = tx["customer_id"].astype(str)

    def recency(at):
        last = day[pos & (day <= at)].groupby(cid[pos & (day <= at)]).max()
        return (at - last).dt.days

    rec_end, rec_eve = recency(end), recency(eve).reindex(recency(end).index)
    churned = int(((rec_end > c) & (rec_eve <= c)).sum())
    in_month = (day >= start) & (day <= end)
    first = day[pos].groupby(cid[pos]).min()
    return {
        "active": int(cid[pos & in_month].nunique()),
        "new": int(((first >= start) & (first <= end)).sum()),
        "churned": churned,
        "revenue": float(tx.loc[in_month, "amount"].sum()),
    }


def test_monthly_series_equals_a_count_by_hand(ctx):
    from analysis.summary import compute_monthly_series

    s = compute_monthly_series(ctx)
    assert list(s.index[-2:]) == ["2026-09", "2026-10"]
    for back in (0, 1, 5, 12):
        month = ctx.period.previous(back)
        hand = _by_hand(ctx, month)
        row = s.loc[str(month)]
        for key in ("active", "new", "churned"):
            assert row[key] == hand[key], (str(month), key, row[key], hand[key])
        assert row["revenue"] == pytest.approx(hand["revenue"])
        assert hand["churned"] > 0 or back == 12


def test_tier_churn_adds_up_to_the_month(ctx):
    from analysis.summary import compute_monthly_series, tier_churn

    tc = tier_churn(ctx)
    s = compute_monthly_series(ctx)
    assert tc["churned"].sum() == s.at["2026-10", "churned"]
    assert tc["previous_churned"].sum() == s.at["2026-09", "churned"]
    assert (tc["churned"] <= tc["base"]).all()


def test_summary_figures_are_the_other_pages_figures(ctx):
    table = summary.kpis(ctx).table
    nps = survey.summary(ctx).facts
    assert table.at["nps", "current"] == nps["nps"]
    assert table.at["nps", "current_low"] == nps["nps_low"]
    assert table.at["csat", "current"] == nps["csat"]
    risk = churn.at_risk(ctx).facts
    assert table.at["value_at_risk", "current"] == risk["v"]
    assert table.at["at_risk_customers", "current"] == risk["k"]
    tiers = summary.tier_revenue(ctx).table
    assert table.at["high_revenue_share", "current"] == tiers.at["high", "share"]
    assert tiers["share"].sum() == pytest.approx(1.0)


def test_a_finding_shows_only_past_its_threshold(ctx, monkeypatch):
    def fresh():
        ctx._cache.pop("summary.findings", None)
        return summary.findings(ctx)

    quiet = {k: (1e12 if k not in ("tier_p", "nps_p") else 0.0) for k in summary.THRESHOLDS}
    quiet["quarantine_share"] = 2.0
    monkeypatch.setattr(summary, "THRESHOLDS", quiet)
    monkeypatch.setattr(summary, "CHECKS", tuple(
        c for c in summary.CHECKS if c.__name__ not in ("_detractor_findings",
                                                        "_list_findings")))  # fmt: skip
    result = fresh()
    assert result.items == ()
    assert "平稳" in render_html(result, "zh") and "quiet month" in render_html(result, "en")

    loud = dict(quiet, flow_customers=1, flow_share=0.0)
    monkeypatch.setattr(summary, "THRESHOLDS", loud)
    result = fresh()
    assert [f.kind for f in result.items] == ["flow", "flow"]
    page = render_html(result, "en")
    assert 'href="segmentation.html#seg-migration"' in page
    assert other_language(page, "en", cells=False) == []
    ctx._cache.pop("summary.findings", None)


def test_findings_in_both_languages_are_clean(ctx):
    result = summary.findings(ctx)
    assert 1 <= len(result.items) <= summary.MAX_FINDINGS
    for lang in ("zh", "en"):
        page = render_html(result, lang)
        assert other_language(page, lang, cells=False) == [], lang
        assert "NaN" not in page


def test_first_run_recomputes_last_month_and_scores_its_list(ctx):
    """No report beside this one: last month is recomputed from the source."""
    result = summary.last_list(ctx)
    assert result.source == "recomputed" and result.previous == "2026-09"
    f = result.facts
    assert f["listed"] == ctx.settings.top_n and f["top"] == 20
    assert 0 <= f["top_left"] <= f["top"] and f["top_left"] <= f["left"] <= f["listed"]
    assert summary.kpis(ctx).previous_source == "recomputed"


def test_without_a_source_last_month_is_missing_and_said(small_warehouse, tmp_path):
    bare = build_context(small_warehouse, lang="en", report_dir=tmp_path / "2026-10")
    result = summary.last_list(bare)
    assert result.skipped and result.reason == "summary.skip.no_source"
    k = summary.kpis(bare)
    assert k.previous_source == "no_source" and pd.isna(k.table.at["value_at_risk", "previous"])
    assert "NaN" not in render_html(k, "en")


@pytest.mark.slow
def test_published_and_recomputed_last_month_agree(sample_reports, small_sample, tmp_path):
    """Two consecutive periods (last month published) against one period alone
    (last month recomputed as of its end): the same comparison either way."""
    import shutil

    from conftest import ROOT

    from analysis.reporting.runner import run_report

    # the churn page (whose export holds last month's list) and the summary; the summary
    # computes what else it reads (the other pages only share it)
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("churn_survival", "summary"):
        shutil.copy2(ROOT / "notebooks" / f"{name}.ipynb", notebooks)
    out = tmp_path / "reports"
    for period in ("2026-09", "2026-10"):
        run_report(period=period, data=small_sample, out=out, lang="en", notebooks=notebooks,
                   log=lambda s: None)  # fmt: skip
    both = json.loads((out / "2026-10" / "summary.json").read_text("utf-8"))
    alone = json.loads((sample_reports["en"] / "summary.json").read_text("utf-8"))
    september = json.loads((out / "2026-09" / "summary.json").read_text("utf-8"))
    assert both["compared"]["previous_source"] == "published"
    assert alone["compared"]["previous_source"] == "recomputed"
    assert both["compared"]["previous_facts"] == pytest.approx(september["facts"])
    assert both["compared"]["previous_facts"] == pytest.approx(alone["compared"]["previous_facts"])
    assert both["compared"]["last_list"] == pytest.approx(alone["compared"]["last_list"])
    assert both["compared"]["last_list"]["listed"] > 0
    # the archive lists both periods, newest first, with their headline figures
    archive = (out / "index.html").read_text("utf-8")
    assert archive.index("2026-10/index.html") < archive.index("2026-09/index.html")
    assert f"{both['headline']['active']:,.0f}" in archive


def test_every_finding_links_to_a_section_of_its_page():
    from analysis.i18n import has
    from analysis.pages import followup, quality, segmentation

    modules = {"segmentation.html": segmentation, "churn_survival.html": churn,
               "survey_text.html": survey, "data_quality.html": quality,
               "followup.html": followup, "summary.html": summary}  # fmt: skip
    for page, section in summary._LINKS.values():
        assert section.split(".", 1)[1] in modules[page].SECTIONS, (page, section)
        assert has(f"{section}.title")
