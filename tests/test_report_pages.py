"""End to end on a small sample: every page rendered in both languages, one set of classes.

The report runner executes all four notebooks with papermill and renders them; each page
must show every section of its page module (a heading per section, skipped or not), no
prose in the other language, no NaN, and the customer exports must agree with each other.
"""

from __future__ import annotations

import importlib
import re

import pandas as pd
import pytest
from pagecheck import other_language

from analysis.i18n import load_catalogue
from analysis.reporting.runner import run_report

pytestmark = pytest.mark.slow

PAGES = {"data_quality": "quality", "segmentation": "segmentation",
         "churn_survival": "churn", "survey_text": "survey", "followup": "followup",
           "summary": "summary"}  # fmt: skip
H2 = re.compile(r"<h2 id=\"[^\"]+\">(.*?)<a class=\"anchor-link\"", re.S)


@pytest.fixture(params=["zh", "en"])
def report(request, sample_reports):
    return request.param, sample_reports[request.param]


def _titles(lang: str) -> set[str]:
    return {v[lang] for k, v in load_catalogue().items() if k.endswith(".title")}


@pytest.mark.parametrize("stem", list(PAGES))
def test_every_section_has_its_heading_in_the_report_language(report, stem):
    lang, folder = report
    page = (folder / f"{stem}.html").read_text(encoding="utf-8")
    module = importlib.import_module(f"analysis.pages.{PAGES[stem]}")
    headings = [re.sub(r"<[^>]+>", "", h).strip() for h in H2.findall(page)]
    # intro, one per section, run information
    assert len(headings) == len(module.SECTIONS) + 2, headings
    assert set(headings) <= _titles(lang), set(headings) - _titles(lang)
    assert other_language(page, lang, cells=False) == []
    assert ">NaN<" not in page and ">nan<" not in page
    assert not re.search(r">-?\d+\.\d{4,}<", page), "raw float in a table cell"


def test_customers_at_risk_and_followups_agree_on_every_class(report):
    _, folder = report
    customers = pd.read_csv(folder / "exports" / "customers.csv", dtype={"customer_id": str})
    at_risk = pd.read_csv(folder / "exports" / "at_risk.csv", dtype={"customer_id": str})
    merged = at_risk.merge(customers, on="customer_id", suffixes=("_risk", ""))
    assert len(merged) == len(at_risk) > 0
    for col in ("value_tier", "rfm_eight", "lifecycle", "action"):
        assert merged[f"{col}_risk"].equals(merged[col]), col
    followups = pd.read_csv(folder / "exports" / "survey_followups.csv", dtype={"customer_id": str})
    merged = followups.merge(customers, on="customer_id", suffixes=("_f", ""))
    assert len(merged) == len(followups) > 0
    for col in ("value_tier", "action"):
        assert merged[f"{col}_f"].equals(merged[col]), col
    assert customers["customer_id"].is_unique
    assert {"value_tier", "value_tier_zh", "value_tier_en", "cluster", "action"} <= set(
        customers.columns
    )


@pytest.mark.parametrize("case", ["single_customer"])
def test_awkward_export_renders_every_page(case, tmp_path):
    """The full papermill run on the most awkward export: every page, every heading.

    tests/test_awkward_pages.py runs and renders every section of every page on every
    awkward case without papermill; this checks the notebooks and the runner on one."""
    from awkward import CASES

    CASES[case](tmp_path / "src")
    out = tmp_path / "reports"
    run_report(period="2026-10", data=tmp_path / "src", out=out, lang="en", log=lambda s: None)
    for stem, page in PAGES.items():
        html = (out / "2026-10" / f"{stem}.html").read_text(encoding="utf-8")
        module = importlib.import_module(f"analysis.pages.{page}")
        assert len(H2.findall(html)) == len(module.SECTIONS) + 2, (case, stem)
        assert other_language(html, "en", cells=False) == []


def test_report_for_a_period_before_the_data_stops_with_one_line(tmp_path, capsys):
    from awkward import CASES

    from analysis.cli import main

    CASES["period_before_data"](tmp_path / "src")
    code = main(["report", "--period", "2020-01", "--data", str(tmp_path / "src"),
                 "--out", str(tmp_path / "r")])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "2020-01" in err[0]
    assert not (tmp_path / "r" / "2020-01").exists()


def test_summary_links_land_on_their_sections(report):
    """Every finding links to a section that exists on its page, and the index lists the
    summary first."""
    lang, folder = report
    page = (folder / "summary.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="([a-z_]+\.html)#([a-z-]+)"', page))
    assert links, "no finding on the small sample"
    for target, anchor in links:
        assert f'id="{anchor}"' in (folder / target).read_text(encoding="utf-8"), (target, anchor)
    index = (folder / "index.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'<li><a href="([a-z_]+\.html)"', index)
    assert hrefs[0] == "summary.html" and len(hrefs) == len(PAGES)
