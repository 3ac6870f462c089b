"""Report pages in headless Chromium: no errors, no network, Chinese drawn, tables sort.

Skipped, with the reason, where no Chromium/Chrome is installed
(``apt-get install chromium fonts-noto-cjk`` or ``CHROMIUM=...``). Screenshots of every
report page are kept in ``.artefacts/screenshots/<lang>/<page>.png`` for a person to look at.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from analysis.pages.format import Table
from analysis.reporting.browser import Browser, BrowserError, BrowserNotFound, find_browser, main
from analysis.reporting.html import render_notebook_html

SHOTS = ROOT / ".artefacts" / "screenshots"

# A glyph is missing ("tofu") when a character draws exactly like a code point no font has
# (U+10FFFD, private use plane 16; U+E000) or draws nothing. Each CJK character of the
# page's title, and 客户分析, is drawn alone on a canvas in the title's computed font.
MISSING_GLYPHS_JS = r"""(() => {
  const el = document.querySelector("h1") || document.body;
  const style = getComputedStyle(el);
  const font = `${style.fontStyle} ${style.fontWeight} 40px ${style.fontFamily}`;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 56;
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  const draw = (ch) => {
    ctx.clearRect(0, 0, 56, 56);
    ctx.font = font;
    ctx.textBaseline = "top";
    ctx.fillText(ch, 4, 4);
    return Array.from(ctx.getImageData(0, 0, 56, 56).data).join();
  };
  const tofu = new Set([draw("\u{10FFFD}"), draw("\uE000"), draw("")]);
  const text = "客户分析" + el.textContent;
  const cjk = [...new Set(Array.from(text).filter((c) => /[\u3400-\u9fff]/.test(c)))];
  ctx.font = font;
  return {
    font: font,
    checked: cjk.length,
    missing: cjk.filter((c) => tofu.has(draw(c))),
    width: ctx.measureText("客户分析").width,
    tofuWidth: ctx.measureText("\u{10FFFD}".repeat(4)).width,
  };
})()"""

# Every in-page link lands on an element.
BROKEN_ANCHORS_JS = """Array.from(document.querySelectorAll('a[href^="#"]'))
  .map((a) => a.getAttribute("href"))
  .filter((h) => !document.getElementById(decodeURIComponent(h.slice(1))))"""

# Tables with one header row and at least two plain body rows must have sortable headers,
# and a filter box when they have more than ten rows.
UNSORTABLE_JS = """Array.from(document.querySelectorAll("table.an-table")).flatMap((t, i) => {
  const width = t.tHead.rows[0].cells.length;
  const rows = Array.from(t.tBodies[0].rows).filter((r) => r.cells.length === width);
  const out = [];
  if (rows.length >= 2 && !t.querySelector("th.an-sortable")) out.push(`table ${i}: not sortable`);
  const box = t.closest(".an-table-wrap").previousElementSibling;
  const hasBox = !!box && box.classList.contains("an-filter");
  if (hasBox !== rows.length > 10) out.push(`table ${i}: ${rows.length} rows, filter ${hasBox}`);
  return out;
})"""

# Click the header of the first numeric column with three distinct values, in the first
# table that has one, and read the column's sort keys after one and after two clicks.
SORT_FIRST_NUMERIC_JS = """(() => {
  for (const table of document.querySelectorAll("table.an-table")) {
    const ths = Array.from(table.tHead.rows[0].cells);
    for (let c = 0; c < ths.length; c++) {
      if (!ths[c].classList.contains("num")) continue;
      const col = () => Array.from(table.tBodies[0].rows)
        .filter((r) => r.cells.length === ths.length)
        .map((r) => r.cells[c].getAttribute("data-sort"))
        .map((v) => (v === null ? null : Number(v)));
      const before = col();
      if (new Set(before.filter((v) => v !== null)).size < 3) continue;
      ths[c].click();
      const asc = col(), ascLabel = ths[c].getAttribute("aria-sort");
      ths[c].click();
      return {header: ths[c].textContent, before, asc, ascLabel, desc: col(),
              descLabel: ths[c].getAttribute("aria-sort")};
    }
  }
  return null;
})()"""

# Laid out for print on A4's printable width (210 mm minus 2 x 12 mm margins, at 96 px per
# inch): no table wider than the paper (the lab CSS would clip it), no filter box or anchor.
PRINT_WIDTH = round((210 - 2 * 12) / 25.4 * 96)
PRINT_PROBLEMS_JS = """(() => {
  const out = [];
  document.querySelectorAll("table").forEach((t, i) => {
    const right = t.getBoundingClientRect().right;
    if (right > innerWidth + 1) out.push(`table ${i} ends at ${Math.round(right)} px in print`);
  });
  document.querySelectorAll(".an-filter, a.anchor-link").forEach((e) => {
    if (getComputedStyle(e).display !== "none") out.push(`${e.className} is printed`);
  });
  return out;
})()"""


def _ordered(values: list, descending: bool = False) -> bool:
    present = [v for v in values if v is not None]
    missing_last = values[: len(present)] == present
    return missing_last and present == sorted(present, reverse=descending)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def _pdf_pages(path: Path) -> list[tuple[float, float]]:
    """Media box (width, height in points) of each page of a PDF Chromium wrote."""
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    return [(float(w), float(h)) for w, h in boxes]


@pytest.fixture(scope="module")
def browser():
    try:
        b = Browser()
    except BrowserNotFound as exc:
        pytest.skip(str(exc))
    with b:
        yield b


@pytest.fixture(scope="module")
def crafted(tmp_path_factory) -> Path:
    """A zh page through the real renderer: a sortable table with script in its data,
    and an unescaped HTML output carrying an inline script and event handlers."""
    folder = tmp_path_factory.mktemp("crafted")
    frame = pd.DataFrame(
        {
            "name": ["<script>window.pwned = 1</script>", "乙", "<img src=x onerror=pwned=2>"]
            + [f"客户{i}" for i in range(9)],
            "amount": [10, -2, 3.5, np.nan, 1e6, 0, 7, 8, 9, 11, 12, 13],
        }
    )
    table = Table(frame, {"amount": "money"}, headers={"name": "客户", "amount": "金额"})
    raw = (
        "<script>window.pwned = 3</script>"
        '<b id="evil" onclick="window.pwned = 4">点我</b><img src=x onerror="window.pwned = 5">'
    )
    html_out = [
        new_output("display_data", data={"text/html": table._repr_html_(), "text/plain": "t"}),
        new_output("display_data", data={"text/html": raw, "text/plain": "raw"}),
    ]
    nb = new_notebook(
        cells=[
            new_markdown_cell("# 客户分析 测试\n\n## 明细"),
            new_code_cell("t", outputs=html_out),
        ]
    )
    nbformat.write(nb, folder / "crafted.ipynb")
    return render_notebook_html(
        folder / "crafted.ipynb",
        folder / "crafted.html",
        title="客户分析测试页",
        period="2026-10",
        data_window="2025-11-01 – 2026-10-31",
        lang="zh",
        generated_at="2026-11-01 08:00",
    )


# --- the client itself (a tiny page, no report) ---------------------------------------


def test_no_browser_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(BrowserNotFound, match=r"CHROMIUM=/nonexistent/chromium.*apt-get install"):
        find_browser()
    monkeypatch.delenv("CHROMIUM")
    monkeypatch.setenv("PATH", "")
    with pytest.raises(BrowserNotFound, match="chromium fonts-noto-cjk"):
        Browser()


def test_report_pdf_without_browser_keeps_html_and_exits_2(tmp_path, monkeypatch, capsys):
    from analysis import cli

    period = tmp_path / "reports" / "2026-10"
    period.mkdir(parents=True)
    (period / "index.html").write_text("x")
    (period / "summary.html").write_text("x")

    def fake_run_report(**kw):
        return period / "index.html"

    monkeypatch.setattr("analysis.reporting.runner.run_report", fake_run_report)
    monkeypatch.setenv("CHROMIUM", "/nonexistent/chromium")
    code = cli.main(["report", "--period", "2026-10", "--data", str(tmp_path), "--pdf"])
    out, err = capsys.readouterr()
    assert code == 2 and out.strip() == str(period / "index.html")
    assert len(err.strip().splitlines()) == 1
    assert "HTML report is published" in err and "apt-get install chromium fonts-noto-cjk" in err
    assert (period / "index.html").is_file() and not (period / "pdf").exists()


def test_console_errors_and_network_requests_are_collected(browser, tmp_path):
    page = tmp_path / "noisy.html"
    page.write_text(
        "<!DOCTYPE html><html><body><p>x</p><script>"
        "console.error('boom', 42); setTimeout(() => { throw new Error('late'); });"
        "</script><img src='http://127.0.0.1:9/pixel.png'><img src='missing.png'></body></html>"
    )
    browser.open(page)
    browser.evaluate("new Promise((r) => setTimeout(r, 50))")
    errors = "\n".join(browser.console_errors)
    assert "console.error: boom 42" in errors and "Error: late" in errors
    assert "missing.png" in errors  # a failed file load is an error too
    assert browser.requests == ["http://127.0.0.1:9/pixel.png"]  # file: loads are not listed
    browser.open(tmp_path / "noisy.html")  # each open starts a fresh list
    assert browser.requests == ["http://127.0.0.1:9/pixel.png"]


def test_evaluate_errors_and_timeouts_say_what_happened(browser, tmp_path):
    (tmp_path / "p.html").write_text("<p>x</p>")
    browser.open(tmp_path / "p.html")
    assert browser.evaluate("1 + 1") == 2
    with pytest.raises(BrowserError, match="ReferenceError: nope"):
        browser.evaluate("nope()")
    timeout, browser.timeout = browser.timeout, 1
    try:
        with pytest.raises(BrowserError, match=r"no answer to Runtime.evaluate within 1 s"):
            browser.evaluate("new Promise(() => {})")
    finally:
        browser.timeout = timeout
    assert browser.evaluate("'still usable'") == "still usable"


def test_screenshot_is_full_page_and_pdf_is_a4(browser, tmp_path):
    page = tmp_path / "tall.html"
    page.write_text(
        "<!DOCTYPE html><html><head><style>@page{size:A4}</style></head>"
        "<body style='margin:0'><div style='height:2500px'>top</div></body></html>"
    )
    browser.open(page)
    shot = browser.screenshot(tmp_path / "out" / "tall.png", width=333)
    width, height = _png_size(shot)
    assert width == 333 and height >= 2500
    pages = _pdf_pages(browser.print_pdf(tmp_path / "tall.pdf"))
    assert len(pages) >= 3  # 2,500 CSS px is three A4 pages
    assert all(abs(w - 595.3) < 2 and abs(h - 841.9) < 2 for w, h in pages)


def test_close_stops_the_browser_and_removes_its_profile(tmp_path):
    try:
        b = Browser()
    except BrowserNotFound as exc:
        pytest.skip(str(exc))
    with b:
        pid, profile = b._proc.pid, Path(b._tmp)
        assert (profile / "profile" / "DevToolsActivePort").is_file()
    assert not profile.exists()
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pid and fields[0] != "Z":  # same process group, not a zombie
            alive.append(stat.parent.name)
    assert alive == []


def test_screenshot_command(crafted, tmp_path, capsys):
    try:
        find_browser()
    except BrowserNotFound as exc:
        pytest.skip(str(exc))
    out = tmp_path / "shot.png"
    assert main(["screenshot", str(crafted), str(out), "--width", "640"]) == 0
    assert _png_size(out)[0] == 640 and capsys.readouterr().out.strip() == str(out)
    assert main(["screenshot", str(tmp_path / "nope.html"), str(out)]) == 2


# --- the page script and the policy, on a page from the real renderer ------------------


def test_injected_script_never_runs_and_the_table_script_does(browser, crafted):
    browser.open(crafted)
    browser.evaluate("document.getElementById('evil').click()")
    assert browser.evaluate("typeof window.pwned") == "undefined"
    blocked = [e for e in browser.console_errors if "Content Security Policy" in e]
    # the inline <script>, the onerror and the onclick: refused by the policy, not absent
    assert len(blocked) >= 3 and all("inline" in e or "img-src" in e for e in blocked)
    assert browser.requests == []
    # escaped data shows as text
    names = browser.evaluate(
        "Array.from(document.querySelectorAll('table.an-table tbody tr'))"
        ".map((r) => r.cells[0].textContent)"
    )
    assert "<script>window.pwned = 1</script>" in names


def test_table_sorts_by_raw_number_and_filters(browser, crafted):
    browser.open(crafted)
    amounts = (
        "Array.from(document.querySelectorAll('table.an-table tbody tr'))"
        ".filter((r) => !r.hidden).map((r) => r.cells[1].textContent)"
    )
    before = browser.evaluate(amounts)
    assert before[:5] == ["10", "-2", "3.50", "–", "1,000,000"]
    browser.evaluate("document.querySelectorAll('table.an-table th')[1].click()")
    assert browser.evaluate(amounts) == [
        "-2", "0", "3.50", "7", "8", "9", "10", "11", "12", "13", "1,000,000", "–"
    ]  # fmt: skip
    browser.evaluate("document.querySelectorAll('table.an-table th')[1].click()")
    assert browser.evaluate(amounts)[:3] == ["1,000,000", "13", "12"]
    assert browser.evaluate(amounts)[-1] == "–"  # missing stays last
    assert browser.evaluate(
        "Array.from(document.querySelectorAll('table.an-table th')).map((t) => t.ariaSort)"
    ) == ["none", "descending"]
    # more than ten rows: a filter box; typing keeps the matching rows
    count = "document.querySelector('.an-filter-count').textContent"
    assert browser.evaluate(count) == "12 / 12"
    browser.evaluate(
        "const box = document.querySelector('.an-filter-input');"
        "box.value = '客户1'; box.dispatchEvent(new Event('input'))"
    )
    assert browser.evaluate(count) == "1 / 12"
    assert browser.evaluate(amounts) == ["1,000,000"]  # 客户1's row


def test_missing_glyph_check_can_fail(browser, crafted, tmp_path):
    browser.open(crafted)
    good = browser.evaluate(MISSING_GLYPHS_JS)
    assert good["checked"] >= 5, good
    assert good["missing"] == [], f"Chinese drawn as boxes ({good}); install fonts-noto-cjk"
    # The same page where the only fonts are matplotlib's DejaVu/STIX (no CJK): as on a
    # machine without fonts-noto-cjk, every Chinese character must be reported missing.
    fonts = Path(matplotlib.get_data_path(), "fonts", "ttf")
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig><dir>{fonts}</dir><cachedir>{tmp_path / 'fc'}</cachedir></fontconfig>\n"
    )
    with Browser(env={"FONTCONFIG_FILE": str(conf)}) as no_cjk:
        no_cjk.open(crafted)
        bad = no_cjk.evaluate(MISSING_GLYPHS_JS)
    assert bad["missing"] and len(bad["missing"]) == bad["checked"], bad
    assert bad["width"] == bad["tofuWidth"] != good["width"]


# --- every page of the report, both languages -------------------------------------------


def _report_pages(sample_reports) -> list[tuple[str, str, Path]]:
    pages = []
    for lang, period in sample_reports.items():
        pages += [(lang, p.stem, p) for p in sorted(period.glob("*.html"))]
        pages.append((lang, "reports_index", period.parent / "index.html"))
    return pages


@pytest.mark.slow
def test_every_report_page_in_chromium(browser, sample_reports):
    problems = []
    sorted_somewhere = 0
    for lang, name, path in _report_pages(sample_reports):
        where = f"{lang}/{name}"
        browser.open(path)
        problems += [f"{where}: {e}" for e in browser.console_errors]
        problems += [f"{where}: requested {u}" for u in browser.requests]
        problems += [
            f"{where}: link {h} leads nowhere" for h in browser.evaluate(BROKEN_ANCHORS_JS)
        ]
        problems += [f"{where}: {p}" for p in browser.evaluate(UNSORTABLE_JS)]
        glyphs = browser.evaluate(MISSING_GLYPHS_JS)
        if glyphs["missing"] or (lang == "zh" and glyphs["checked"] < 5):
            problems.append(
                f"{where}: Chinese drawn as boxes ({''.join(glyphs['missing'])}) in "
                f"{glyphs['font']}; install fonts-noto-cjk"
            )
        browser.screenshot(SHOTS / lang / f"{name}.png", width=1280)
        with browser.emulate(width=PRINT_WIDTH, media="print"):
            problems += [f"{where}: {p}" for p in browser.evaluate(PRINT_PROBLEMS_JS)]
        result = browser.evaluate(SORT_FIRST_NUMERIC_JS)  # after the screenshot: unsorted
        if result is not None:
            sorted_somewhere += 1
            if not (_ordered(result["asc"]) and _ordered(result["desc"], descending=True)):
                problems.append(f"{where}: column {result['header']!r} did not sort: {result}")
            if (result["ascLabel"], result["descLabel"]) != ("ascending", "descending"):
                problems.append(f"{where}: aria-sort not updated: {result}")
    assert not problems, "\n".join(problems)
    assert sorted_somewhere >= 4  # the analysis pages have numeric tables


@pytest.mark.slow
def test_pdf_per_page(sample_reports, tmp_path):
    import shutil

    from analysis.reporting.browser import write_pdfs

    try:
        find_browser()
    except BrowserNotFound as exc:
        pytest.skip(str(exc))
    period = shutil.copytree(sample_reports["zh"], tmp_path / "2026-10")  # never write there
    lines = []
    pdfs = write_pdfs(period, log=lines.append)
    pages = sorted(p.stem for p in period.glob("*.html") if p.name != "index.html")
    assert [p.stem for p in pdfs] == pages and len(lines) == len(pages)
    assert all(p.parent == period / "pdf" for p in pdfs)
    for pdf in pdfs:
        sizes = _pdf_pages(pdf)
        assert sizes and all(abs(w - 595.3) < 2 and abs(h - 841.9) < 2 for w, h in sizes), pdf
    # the index, rendered again from the folder's own files, now lists the PDFs
    from analysis.reporting.runner import refresh_period_index

    before = (period / "index.html").read_text("utf-8")
    text = refresh_period_index(period).read_text("utf-8")
    assert 'href="pdf/summary.pdf"' in text and "pdf/summary.pdf" not in before
    assert text.replace('href="pdf/', "").count("<li>") == before.count("<li>")
