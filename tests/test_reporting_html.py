"""Offline, deterministic, escaped HTML pages and indexes."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from nbformat.v4 import (  # noqa: E402
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
)

from analysis.exceptions import ConfigError, ReportError  # noqa: E402
from analysis.reporting.html import (  # noqa: E402
    render_notebook_html,
    render_period_index,
    render_reports_index,
)

HIDDEN_CODE = "SOURCE_CODE_MUST_NOT_SHOW = 42"
DB_URL = "postgresql://analyst:s3cret@db.internal/crm"
GENERATED = "2024-04-01 08:00:00 +08:00"


def _png() -> str:
    fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
    ax.bar(["a", "b"], [3, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _notebook(run: int) -> nbformat.NotebookNode:
    """A papermill-like executed notebook; ``run`` changes only volatile metadata."""
    df = pd.DataFrame({"segment": ["重要价值客户", "<b>bold</b>"], "customers": [120, -3]})
    cells = [
        new_markdown_cell("# 客户分层 Segments\n\nWho reads it."),
        new_code_cell(f'db_url = "{DB_URL}"', metadata={"tags": ["injected-parameters"]}),
        new_markdown_cell("## RFM 分层\n\nWhy it matters.\n\n### 明细 & 1 < 2"),
        new_code_cell(
            HIDDEN_CODE,
            execution_count=3,
            outputs=[new_output("display_data", data={"image/png": _png(), "text/plain": "fig"})],
        ),
        new_code_cell(
            "df",
            execution_count=4,
            outputs=[
                new_output(
                    "execute_result",
                    data={"text/html": df.to_html(), "text/plain": repr(df)},
                    execution_count=4,
                )
            ],
        ),
        new_code_cell(
            "comment",
            execution_count=5,
            outputs=[
                new_output(
                    "execute_result",
                    data={"text/plain": "<script>alert(1)</script>"},
                    execution_count=5,
                )
            ],
        ),
    ]
    for i, cell in enumerate(cells):
        cell["id"] = f"random{run}x{i}"
        cell.metadata["papermill"] = {
            "start_time": f"2024-04-0{run}T08:00:0{i}",
            "duration": 0.1 * run,
            "status": "completed",
        }
        cell.metadata["execution"] = {"iopub.execute_input": f"2024-04-0{run}T08:00:0{i}Z"}
    nb = new_notebook(cells=cells)
    nb.metadata["papermill"] = {"parameters": {"db_url": DB_URL}, "duration": 1.5 * run}
    return nb


def _render(tmp_path, nb, name="page", *, generated_at=GENERATED, lang="zh") -> str:
    src = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, src)
    out = render_notebook_html(
        src,
        tmp_path / f"{name}.html",
        title="客户分层 <月报>",
        period="2024-03",
        data_window="2023-04-01 – 2024-03-31",
        lang=lang,
        generated_at=generated_at,
    )
    assert out == tmp_path / f"{name}.html"
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    return _render(tmp_path_factory.mktemp("html"), _notebook(1))


def _policy(page: str) -> dict[str, list[str]]:
    """The page's Content-Security-Policy meta as ``{directive: [sources]}``."""
    meta = re.search(r'<meta[^>]*http-equiv="Content-Security-Policy"[^>]*>', page).group(0)
    content = re.search(r'content="([^"]+)"', meta).group(1)
    directives = (d.split() for d in content.split(";") if d.strip())
    return {d[0]: d[1:] for d in directives}


def _inline_scripts(page: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", page, re.S)


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_no_external_scripts_or_links(page):
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"""<link[^>]*href=["']?(https?:)?//""", page)
    assert "cdnjs" not in page and "unpkg" not in page and "mermaid.esm" not in page
    policy = _policy(page)
    assert policy["default-src"] == ["'none'"]
    assert policy["img-src"] == ["data:"] and policy["font-src"] == ["data:"]


def test_only_the_table_script_is_allowed_by_its_hash(page):
    scripts = _inline_scripts(page)
    assert len(scripts) == 1 and "an-sortable" in scripts[0]  # the table sorter/filter
    assert _policy(page)["script-src"] == [_sha256(scripts[0])]
    # the policy comes before the script it allows
    assert page.index("Content-Security-Policy") < page.index("<script>")


def test_injected_script_and_handler_have_no_hash_so_never_run(tmp_path):
    # text/html that no one escaped (Styler, Markdown and to_html(escape=False) do this)
    nb = _notebook(1)
    injected = "window.pwned = 1"
    nb.cells[4].outputs = [
        new_output(
            "display_data",
            data={
                "text/html": f'<script>{injected}</script><b onclick="{injected}">x</b>',
                "text/plain": "x",
            },
        )
    ]
    page = _render(tmp_path, nb)
    assert f"<script>{injected}</script>" in page  # in the page, but inert:
    allowed = _policy(page)["script-src"]
    assert _sha256(injected) not in allowed
    assert all(s.startswith("'sha256-") for s in allowed)  # no 'unsafe-inline'/'unsafe-hashes'
    assert (
        len(allowed) == 1 and allowed == _policy(_render(tmp_path, _notebook(1), "b"))["script-src"]
    )  # the same single hash whatever the data


def test_print_stylesheet_follows_the_lab_css(page):
    assert "@page{size:A4;" in page and "@media print{" in page
    # after the lab template's "@page { margin: 0.5in; }", so A4 and its margins win
    assert page.index("@page{size:A4;") > page.index("margin: 0.5in")
    assert ".an-filter,a.anchor-link" in page  # filter boxes and anchors are not printed


def test_image_embedded(page):
    assert re.search(r'<img[^>]*src="data:image/png;base64,[A-Za-z0-9+/=]{100,}"', page)


def test_header_and_toc(page):
    assert "客户分层 &lt;月报&gt;" in page  # title escaped
    for label in ("报告期", "数据区间", "目录", "生成时间", "2024-03", GENERATED):
        assert label in page
    toc = re.search(r'<nav class="an-toc".*?</nav>', page, re.S).group(0)
    assert "客户分层 Segments" in toc and "RFM 分层" in toc
    assert "明细 &amp; 1 &lt; 2" in toc
    for anchor in re.findall(r'href="#([^"]+)"', toc):
        assert f'id="{anchor}"' in page  # every TOC link lands on a heading
    assert '<html lang="zh-CN">' in page


def test_english_labels(tmp_path):
    page = _render(tmp_path, _notebook(1), lang="en")
    for label in ("Period", "Data window", "Contents", "Generated"):
        assert label in page
    assert "报告期" not in page


def test_no_code_prompts_or_parameters_shown(page):
    assert HIDDEN_CODE not in page
    assert "db_url" not in page and "s3cret" not in page
    body = page[page.index("<main>") :]
    assert "In&nbsp;[" not in body and "Out[" not in body
    assert "jp-InputPrompt" not in body and "jp-OutputPrompt" not in body


def test_outputs_escaped(page):
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page  # plain DataFrame HTML escapes cell text
    assert "<td>-3</td>" in page


def test_stable_cell_ids(page):
    assert re.findall(r'id="cell-id=([^"]+)"', page) == [f"cell-{i}" for i in range(6)]


def test_rerun_identical_apart_from_generated_at(tmp_path):
    first = _render(tmp_path, _notebook(1), "a", generated_at="2024-04-01 08:00")
    second = _render(tmp_path, _notebook(2), "b", generated_at="2024-04-02 09:30")
    assert first != second
    assert first.replace("2024-04-01 08:00", "") == second.replace("2024-04-02 09:30", "")


@pytest.mark.parametrize(
    "html_output",
    [
        '<script src="https://cdn.plot.ly/plotly-2.0.0.min.js"></script>',
        '<link rel="stylesheet" href="//fonts.googleapis.com/css?family=Noto">',
        "<style>@import url('https://example.com/x.css');</style>",
    ],
)
def test_output_loading_from_network_fails_loudly(tmp_path, html_output):
    nb = _notebook(1)
    nb.cells[4].outputs = [
        new_output("display_data", data={"text/html": html_output, "text/plain": "x"})
    ]
    with pytest.raises(ReportError, match=r"cell-4.*offline"):
        _render(tmp_path, nb)
    assert not (tmp_path / "page.html").exists()


def test_unknown_language(tmp_path):
    with pytest.raises(ConfigError, match="'fr'"):
        _render(tmp_path, _notebook(1), lang="fr")


def test_period_index(tmp_path):
    period_dir = tmp_path / "2024-03"
    (period_dir / "exports").mkdir(parents=True)
    (period_dir / "quarantine").mkdir()
    (period_dir / "segments.html").write_text("x")
    (period_dir / "exports" / "rfm 分层.csv").write_text("x")
    (period_dir / "exports" / ".rfm.csv.tmp-1").write_text("x")
    (period_dir / "quarantine" / "orders.csv").write_text("x")
    (period_dir / "quality.json").write_text("{}")
    summary = {
        "period": "2024-03",
        "facts": {},
        "headline": {"active": 6022.0, "revenue": 1438.5, "nps": 7.07, "csat": None},
    }
    (period_dir / "summary.json").write_text(json.dumps(summary))
    pages = [
        {"file": "segments.html", "title": "<script>alert(1)</script>"},
        {"file": "javascript:alert(1)", "title": "evil"},
    ]
    out = render_period_index(
        period_dir,
        period="2024-03",
        pages=pages,
        quality={
            "source": "/home/ana/secret/exports",
            "tables": {
                "transactions": {"rows_in": 1000, "kept": 990, "quarantined": 10, "balanced": True},
                "<orders>": {"rows_in": 5, "kept": 4, "balanced": False},
            },
            "skipped": {"surveys": "<img src=x onerror=1>"},
        },
        lang="en",
        generated_at=GENERATED,
        source="exports <2024>",
    )
    text = out.read_text(encoding="utf-8")
    assert out == period_dir / "index.html"
    assert '<a href="segments.html">&lt;script&gt;alert(1)&lt;/script&gt;</a>' in text
    assert len(_inline_scripts(text)) == 1 and text.count("<script") == 1  # the table script
    assert _policy(text)["script-src"] == [_sha256(_inline_scripts(text)[0])]
    assert "<img" not in text and "@page{size:A4;" in text
    assert 'href="javascript' not in text  # missing page is listed, not linked
    assert "missing" in text
    # headline figures from summary.json, before the pages; missing shown as a dash
    assert text.index(">6,022<") < text.index("Report pages") < text.index("Data and files")
    assert ">7.1<" in text and ">–<" in text
    # the source is named as given, never the machine path the ledger came with
    assert "exports &lt;2024&gt;" in text and "/home/ana" not in text
    assert 'href="quality.json"' in text and 'href="summary.json"' in text
    assert "manifest.json" not in text
    assert 'href="exports/rfm%20%E5%88%86%E5%B1%82.csv"' in text
    assert ".tmp-1" not in text
    assert 'href="quarantine/orders.csv"' in text
    assert "<th>Rows in</th>" in text and ">1,000<" in text and ">990<" in text  # ledger
    assert "<th>&lt;orders&gt;</th>" in text and "✗" in text
    assert "https:" not in text and "http:" not in text


def test_reports_index_lists_periods_newest_first(tmp_path):
    for name in ("2023-12", "2024-03", "2024-01", "_failed", ".2024-04.tmp", "2024-13", "2024-02"):
        (tmp_path / name).mkdir()
    for name in ("2023-12", "2024-03", "2024-01", "_failed", ".2024-04.tmp", "2024-13"):
        (tmp_path / name / "index.html").write_text("x")
    text = render_reports_index(tmp_path, lang="zh", generated_at=GENERATED).read_text()
    assert re.findall(r'href="([^"]+)/index.html"', text) == ["2024-03", "2024-01", "2023-12"]
    assert "月度报告" in text and "http" not in text.replace("http-equiv", "")


def test_reports_index_empty(tmp_path):
    text = render_reports_index(tmp_path / "reports", lang="en", generated_at=GENERATED)
    assert "No reports yet" in text.read_text()


def test_stderr_is_left_out_of_the_page(tmp_path):
    import nbformat

    from analysis.reporting.html import render_notebook_html

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output(
            "stream", name="stderr", text="Matplotlib is building the font cache"
        ),
        nbformat.v4.new_output("stream", name="stdout", text="visible result"),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), cell]
    nbformat.write(nb, tmp_path / "n.ipynb")
    page = render_notebook_html(
        tmp_path / "n.ipynb",
        tmp_path / "n.html",
        title="T",
        period="2026-10",
        data_window="–",
        lang="en",
        generated_at="now",
    ).read_text()
    assert "visible result" in page and "font cache" not in page
