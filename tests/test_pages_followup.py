"""The follow-up page's sections on the small sample and on an export without a follow-up log."""

from __future__ import annotations

import re
import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analysis.pages import Skipped, followup, render_blocks
from analysis.pages.context import build_context

SECTIONS = followup.SECTIONS
CJK = re.compile("[\u3400-\u9fff]")
ZH_LATIN_OK = {"cox", "exports", "overdue_followups", "csv", "xlsx", "owner_workload",
               "interactions", "customer_id", "date", "kind", "owner", "note", "subscriptions",
               "cadence", "customers", "signup_date", "transactions", "surveys"}  # fmt: skip


@pytest.fixture(scope="session")
def ctx(small_warehouse, tmp_path_factory):
    return build_context(small_warehouse, lang="zh",
                         report_dir=tmp_path_factory.mktemp("followup_report"))  # fmt: skip


@pytest.fixture(scope="session")
def results(ctx):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {name: getattr(followup, name)(ctx) for name in SECTIONS}


def _text(result, lang: str) -> str:
    parts = []
    for item in render_blocks(result, lang):
        if hasattr(item, "savefig"):
            for ax in item.axes:
                parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
                parts += [x.get_text() for x in ax.get_yticklabels()]
                if ax.get_legend() is not None:
                    parts += [x.get_text() for x in ax.get_legend().get_texts()]
            plt.close(item)
        else:
            parts.append(re.sub(r"<[^>]+>", " ", item.data))
    return "\n".join(parts)


def test_every_section_runs_on_the_sample(results):
    for name, result in results.items():
        assert not isinstance(result, Skipped), (name, getattr(result, "reason", None))


@pytest.mark.parametrize("name", SECTIONS)
def test_each_language_is_clean(ctx, results, name):
    owners = {str(o) for o in ctx.customers["account_owner"].dropna().unique() if o}
    owners |= {str(v) for v in results["complaints"].themes.index}  # theme names: data
    owners |= {str(v) for v in ctx.customers["channel"].dropna().unique() if v}
    zh = re.sub(r"K-\w{4}-\w{4}-\w{4}", " ", _text(results[name], "zh"))
    words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z_]{2,}", zh)}
    assert not words - ZH_LATIN_OK, sorted(words - ZH_LATIN_OK)
    en = _text(results[name], "en")
    for owner in sorted(owners, key=len, reverse=True):  # data, shown in table cells
        en = en.replace(owner, "")
    assert not CJK.search(en), CJK.findall(en)[:20]
    shown = " ".join(en.split())
    assert "NaN" not in shown and " nan " not in shown
    assert not re.search(r"\d\.\d{5,}", shown)


def test_overdue_export_and_page_agree(ctx, results):
    od = results["overdue"].table
    export = pd.read_csv(ctx.report_dir / "exports" / "overdue_followups.csv",
                         dtype={"customer_id": str})  # fmt: skip
    assert export["customer_id"].tolist() == od["customer_id"].tolist()
    assert (ctx.report_dir / "exports" / "overdue_followups.xlsx").is_file()
    # every overdue customer is past the target of its group, which has a target
    assert (od["overdue_days"] > 0).all() and od["every_days"].notna().all()
    # value tier and action are the run's one classes table
    classes = ctx.classes.reindex(od["customer_id"])
    assert od["value_tier"].tolist() == classes["value_tier"].tolist()
    # the page shows pseudonyms only
    html = "".join(x.data for x in render_blocks(results["overdue"], "en"))
    assert od["customer_id"].iloc[0] not in html and od["pseudonym"].iloc[0] in html


def test_workload_adds_up_to_the_overdue_list(results):
    wl, od = results["workload"].table, results["overdue"].table
    assert wl["overdue"].sum() == len(od)
    assert wl["overdue_value_at_risk"].sum() == pytest.approx(od["value_at_risk"].fillna(0).sum())


def test_summary_actions_repeat_the_follow_up_numbers(ctx):
    from analysis.pages import summary

    acts = summary.actions(ctx)
    data = followup.followup_data(ctx)
    assert acts.followup is data  # one computation, read by both pages
    text = " ".join(re.sub(r"<[^>]+>", " ", x.data) for x in render_blocks(acts, "en"))
    assert f"{len(data.overdue):,} customers have gone longer" in " ".join(text.split())
    assert "followup.html#followup-overdue" in "".join(x.data for x in render_blocks(acts, "en"))
    plt.close("all")


def test_without_a_follow_up_log_every_section_says_what_is_missing(tmp_path):
    from analysis.cleaning import build_warehouse
    from analysis.sample import write_sample
    from analysis.warehouse import open_warehouse

    src = tmp_path / "src"
    write_sample(src, n_customers=300)
    (src / "interactions.csv").unlink()
    build_warehouse(src, period="2026-10", warehouse=tmp_path / "w.duckdb",
                    quarantine_dir=tmp_path / "q")  # fmt: skip
    ctx = build_context(open_warehouse(tmp_path / "w.duckdb"), lang="en")
    for name in ("summary", "cadence", "overdue", "workload", "contact_effect"):
        result = getattr(followup, name)(ctx)
        assert isinstance(result, Skipped) and result.reason == "followup.skip.no_interactions"
        assert "interactions" in _text(result, "en")
    assert followup.followup_data(ctx) is None
