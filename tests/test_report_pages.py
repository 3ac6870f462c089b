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
         "churn_survival": "churn", "survey_text": "survey"}  # fmt: skip
H2 = re.compile(r"<h2 id=\"[^\"]+\">(.*?)<a class=\"anchor-link\"", re.S)


@pytest.fixture(scope="module", params=["zh", "en"])
def report(request, small_sample, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"reports_{request.param}")
    run_report(period="2026-10", data=small_sample, out=out, lang=request.param,
               log=lambda s: None)  # fmt: skip
    return request.param, out / "2026-10"


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


def test_customers_and_at_risk_agree_on_every_class(report):
    _, folder = report
    customers = pd.read_csv(folder / "exports" / "customers.csv", dtype={"customer_id": str})
    at_risk = pd.read_csv(folder / "exports" / "at_risk.csv", dtype={"customer_id": str})
    merged = at_risk.merge(customers, on="customer_id", suffixes=("_risk", ""))
    assert len(merged) == len(at_risk) > 0
    for col in ("value_tier", "rfm_eight", "lifecycle", "action"):
        assert merged[f"{col}_risk"].equals(merged[col]), col
    assert customers["customer_id"].is_unique
    assert {"value_tier", "value_tier_zh", "value_tier_en", "cluster", "action"} <= set(
        customers.columns
    )
