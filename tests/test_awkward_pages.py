"""Every section of every page on awkward but ordinary exports: a result or a skip note.

The exports come from :mod:`awkward` (generated, small). A section that cannot run on
an export returns :class:`analysis.pages.Skipped` with a catalogue note; anything else
that goes wrong is a bug and fails here.
"""

from __future__ import annotations

import importlib
import re

import pytest
from awkward import CASE_PERIOD, CASES, EXPECT_STOP, awkward_exports, write_export
from conftest import ROOT
from hypothesis import given, settings
from pagecheck import other_language, render_html

from analysis.i18n import has
from analysis.pages import build_context

PAGES = ("quality", "segmentation", "churn", "survey", "followup", "summary")


def _modules():
    return [importlib.import_module(f"analysis.pages.{p}") for p in PAGES]


@pytest.fixture(scope="module")
def contexts(tmp_path_factory):
    """Build each case's warehouse and context lazily, once per module."""
    from analysis.cleaning import build_warehouse
    from analysis.warehouse import open_warehouse

    made = {}

    def get(name):
        if name not in made:
            root = tmp_path_factory.mktemp(name)
            CASES[name](root / "src")
            build_warehouse(root / "src", period=CASE_PERIOD[name],
                            warehouse=root / "w.duckdb", quarantine_dir=root / "q")  # fmt: skip
            made[name] = build_context(open_warehouse(root / "w.duckdb"), lang="zh",
                                       report_dir=root / "report")  # fmt: skip
        return made[name]

    return get


RUNNABLE = [n for n in CASES if n not in EXPECT_STOP]


def _documented(case: str) -> dict[str, str]:
    """The skips docs/awkward_exports.md lists for ``case`` (``{page.section: key}``)."""
    text = (ROOT / "docs" / "awkward_exports.md").read_text(encoding="utf-8")
    block = text.split(f"## `{case}`", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| ([a-z_]+\.[a-z_]+) \| `([a-z_.]+)` \|", block, re.M))


@pytest.mark.parametrize("case", RUNNABLE)
def test_every_section_yields_on_awkward_export(case, contexts):
    outcomes = _yield_every_page(contexts(case), check_language=True)
    # the documented notes are what the pages say (regenerate with tests/awkward_outcomes.py)
    assert outcomes == _documented(case)


def _yield_every_page(ctx, *, check_language: bool = False) -> dict[str, str]:
    """Run and render every section; return ``{page.section: skip reason}``."""
    outcomes = {}
    for module in _modules():
        for name in module.SECTIONS:
            result = getattr(module, name)(ctx)
            if result.skipped:
                assert has(result.reason), result.reason
                outcomes[f"{module.__name__.rsplit('.', 1)[1]}.{name}"] = result.reason
            for lang in ("zh", "en"):
                html = render_html(result, lang)
                assert "NaN" not in html, (name, lang)
                if check_language:
                    assert other_language(html, lang, cells=False) == [], (name, lang)
    return outcomes


@settings(max_examples=10, deadline=None, database=None, derandomize=True)
@given(files=awkward_exports())
def test_random_export_yields_every_page_and_balances(files, tmp_path_factory):
    """Random small exports: ingest stops cleanly or balances, then every page yields."""
    from analysis.cleaning import build_warehouse
    from analysis.exceptions import AnalysisError
    from analysis.warehouse import open_warehouse

    root = tmp_path_factory.mktemp("draw")
    folder = write_export(root / "src", files)
    try:
        report = build_warehouse(folder, period="2026-10", warehouse=root / "w.duckdb",
                                 quarantine_dir=root / "q")  # fmt: skip
    except AnalysisError as exc:
        assert str(exc).strip() and "\n" not in str(exc)
        return
    for t in report.tables.values():
        assert t.rows_in == t.kept + t.duplicates_removed + t.quarantined + t.after_period
    ctx = build_context(open_warehouse(root / "w.duckdb"), report_dir=root / "report")
    _yield_every_page(ctx)
