"""Every section of every page on awkward but ordinary exports: a result or a skip note.

The exports come from :mod:`awkward` (generated, small). A section that cannot run on
an export returns :class:`analysis.pages.Skipped` with a catalogue note; anything else
that goes wrong is a bug and fails here.
"""

from __future__ import annotations

import importlib

import matplotlib.pyplot as plt
import pytest
from awkward import CASE_PERIOD, CASES, EXPECT_STOP
from pagecheck import other_language

from analysis.i18n import has
from analysis.pages import build_context, render_blocks

PAGES = ("quality", "segmentation", "churn", "survey")


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


@pytest.mark.parametrize("case", RUNNABLE)
def test_every_section_yields_on_awkward_export(case, contexts):
    ctx = contexts(case)
    outcomes = {}
    for module in _modules():
        for name in module.SECTIONS:
            result = getattr(module, name)(ctx)
            if result.skipped:
                assert has(result.reason), result.reason
                outcomes[f"{module.__name__.rsplit('.', 1)[1]}.{name}"] = result.reason
            for lang in ("zh", "en"):
                page = []
                for item in render_blocks(result, lang):
                    if hasattr(item, "savefig"):
                        plt.close(item)
                    else:
                        page.append(item.data)
                html = "\n".join(page)
                assert "NaN" not in html, (name, lang)
                assert other_language(html, lang, cells=False) == [], (name, lang)
    print(case, outcomes)
