"""Report notebooks stay the communication layer: parameters, one context, one call per section."""

from __future__ import annotations

import ast
import importlib
import re

import nbformat
import pytest
from conftest import ROOT

from analysis.pages.context import RunSettings
from analysis.reporting.runner import NOTEBOOK_ORDER, read_parameters

PAGE_OF = {"data_quality": "quality", "segmentation": "segmentation",
           "churn_survival": "churn", "survey_text": "survey", "followup": "followup",
           "summary": "summary"}  # fmt: skip
CJK = re.compile(r"[\u3400-\u9fff]")


def _code(stem: str) -> list[str]:
    nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("stem", NOTEBOOK_ORDER)
def test_notebook_is_thin(stem):
    cells = _code(stem)
    lines = [
        ln for src in cells for ln in src.splitlines()
        if ln.strip() and not ln.strip().startswith(("#", "%"))
    ]  # fmt: skip
    assert len(lines) <= 60, len(lines)
    source = "\n".join(ln for src in cells for ln in src.splitlines() if not ln.startswith("%"))
    tree = ast.parse(source)
    kinds = {type(n).__name__ for n in ast.walk(tree)}
    assert not kinds & {"If", "For", "While", "Try", "FunctionDef", "ClassDef", "IfExp"}, kinds
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert len(imports) <= 4
    body = "\n".join(cells[1:])  # after the parameters cell
    assert "lang ==" not in body and '"zh"' not in body and '"en"' not in body
    assert not CJK.search(source)


@pytest.mark.parametrize("stem", NOTEBOOK_ORDER)
def test_notebook_shows_every_section_of_its_page_once(stem):
    module = importlib.import_module(f"analysis.pages.{PAGE_OF[stem]}")
    source = "\n".join(_code(stem))
    for name in module.SECTIONS:
        call = f"{module.__name__.rsplit('.', 1)[1]}.{name}(ctx)"
        assert source.count(call) == 1, call


@pytest.mark.parametrize("stem", NOTEBOOK_ORDER)
def test_notebook_declares_every_run_setting(stem):
    """Every page builds the same context, so every notebook takes every setting."""
    declared = read_parameters(ROOT / "notebooks" / f"{stem}.ipynb")
    for name in RunSettings.__dataclass_fields__:
        assert name in declared, name
        default = ast.literal_eval(declared[name]["default"])
        assert default == getattr(RunSettings(), name), name


@pytest.mark.parametrize("stem", NOTEBOOK_ORDER)
def test_markdown_cells_are_analyst_notes(stem):
    nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert "analyst" in cell.metadata.get("tags", []), cell.source[:60]
        if cell.cell_type == "code":
            assert not cell.outputs
