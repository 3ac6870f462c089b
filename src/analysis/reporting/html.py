"""Presentation layer of the monthly report: executed notebooks to offline HTML, and indexes.

Every page opens from a file share with no network: nbconvert's lab template is rendered
with its CDN scripts (require.js, MathJax, Mermaid, widget manager) removed, images embedded,
and a Content-Security-Policy that forbids remote loads and every script but the page's own
table sorter/filter (allowed by its SHA-256 hash). The policy is also the second line of
defence against script smuggled into outputs by data (pandas Styler,
``display(Markdown(...))``, ``to_html(escape=False)`` do not escape). Pages print on A4.

Pages are deterministic: two runs with the same outputs differ only in ``generated_at``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

from analysis.exceptions import ConfigError, ReportError

__all__ = ["render_notebook_html", "render_period_index", "render_reports_index"]

_HTML_LANG = {"zh": "zh-CN", "en": "en"}
_PERIOD_DIR = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# The one script of every page: table sorting and filtering. Page text is only read
# through textContent and moved, never parsed as HTML. The policy allows exactly this text
# by its hash, so a script smuggled in by data (an inline <script> or an on* attribute)
# still never runs; edit it here only (the hash follows).
_TABLE_JS = r"""(function () {
  "use strict";
  // A click on a header sorts the rows (numbers by data-sort), a box filters long tables.
  var MISSING = "\u2013";
  var collator = new Intl.Collator(document.documentElement.lang || undefined, {numeric: true});
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  function key(cell) {
    var raw = cell.getAttribute("data-sort");
    if (raw !== null && raw !== "" && !isNaN(Number(raw))) return Number(raw);
    var text = cell.textContent.trim();
    if (text === "" || text === MISSING) return null;
    var bare = text.replace(/[,\s%]/g, "");
    return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(bare) ? Number(bare) : text;
  }

  function compare(a, b) {
    var an = typeof a === "number", bn = typeof b === "number";
    if (an && bn) return a - b;
    if (an !== bn) return an ? -1 : 1;
    return collator.compare(a, b);
  }

  function addFilter(table, rows, ths) {
    var box = document.createElement("div");
    var input = document.createElement("input");
    var count = document.createElement("span");
    var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
    var label = table.caption ? table.caption.textContent : "";
    if (!label) {
      each(ths, function (th) { label += (label ? ", " : "") + th.textContent.trim(); });
    }
    box.className = "an-filter";
    input.type = "search";
    input.className = "an-filter-input";
    input.setAttribute("aria-label", label);
    count.className = "an-filter-count";
    count.textContent = rows.length + " / " + rows.length;
    input.addEventListener("input", function () {
      var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row, i) {
        var hit = terms.every(function (t) { return texts[i].indexOf(t) >= 0; });
        row.hidden = !hit;
        if (hit) shown += 1;
      });
      count.textContent = shown + " / " + rows.length;
    });
    box.appendChild(input);
    box.appendChild(count);
    var at = table.parentNode.classList.contains("an-table-wrap") ? table.parentNode : table;
    at.parentNode.insertBefore(box, at);
  }

  function setup(table) {
    var head = table.tHead;
    if (!head || head.rows.length !== 1 || table.tBodies.length !== 1) return;
    var body = table.tBodies[0], ths = head.rows[0].cells, rows = [], rest = [];
    each(body.rows, function (row) {
      var plain = row.cells.length === ths.length;
      each(row.cells, function (c) { plain = plain && c.colSpan === 1 && c.rowSpan === 1; });
      (plain ? rows : rest).push(row);  // a "… +N" row stays last
    });
    if (rows.length < 2) return;
    function sortBy(col, th, dir) {
      var keyed = rows.map(function (row, i) {
        return {row: row, i: i, k: key(row.cells[col])};
      });
      keyed.sort(function (a, b) {  // missing values last either way; ties keep their order
        if (a.k === null || b.k === null) return a.k === b.k ? a.i - b.i : a.k === null ? 1 : -1;
        return dir * compare(a.k, b.k) || a.i - b.i;
      });
      keyed.forEach(function (x) { body.insertBefore(x.row, rest[0] || null); });
      each(ths, function (other) {
        if (other.hasAttribute("aria-sort")) other.setAttribute("aria-sort", "none");
      });
      th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    }
    each(ths, function (th, col) {
      if (th.colSpan !== 1) return;
      var go = function () {
        sortBy(col, th, th.getAttribute("aria-sort") === "ascending" ? -1 : 1);
      };
      th.classList.add("an-sortable");
      th.tabIndex = 0;
      th.setAttribute("aria-sort", "none");
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); }
      });
    });
    if (rows.length > 10) addFilter(table, rows, ths);
  }

  function init() { each(document.querySelectorAll("table"), setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
"""
_TABLE_JS_HASH = base64.b64encode(hashlib.sha256(_TABLE_JS.encode("utf-8")).digest()).decode()
_TABLE_SCRIPT = f"<script>{_TABLE_JS}</script>"
# Only that script, nothing fetched: inline styles and data: images/fonts only.
_CSP = (
    f"default-src 'none'; script-src 'sha256-{_TABLE_JS_HASH}'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; base-uri 'none'; form-action 'none'"
)
_CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
_HEADER_MARK = "<!-- analysis:report-header -->"

# A magnifier drawn on the filter box: no word needed in either language.
_MAGNIFIER = base64.b64encode(
    b"<svg xmlns='http://www.w3.org/2000/svg' width='14' height='14' viewBox='0 0 14 14'>"
    b"<circle cx='6' cy='6' r='4.5' fill='none' stroke='#57606a' stroke-width='1.6'/>"
    b"<path d='M9.4 9.4 13 13' stroke='#57606a' stroke-width='1.6'/></svg>"
).decode()
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans SC","Noto Sans CJK SC",
"Microsoft YaHei","PingFang SC",sans-serif;color:#1f2328;}
.an-page{max-width:980px;margin:0 auto;padding:24px 16px;line-height:1.5;}
.an-header{max-width:1100px;margin:0 auto 24px;padding:16px 20px;border-bottom:2px solid #0072B2;
font-family:system-ui,-apple-system,"Segoe UI","Noto Sans SC","Noto Sans CJK SC",sans-serif;}
.an-title{font-size:1.7em;margin:0 0 8px;}
.an-meta{display:flex;flex-wrap:wrap;gap:4px 24px;margin:0 0 12px;}
.an-meta div{display:flex;gap:6px;}
.an-meta dt{color:#57606a;}
.an-meta dd{margin:0;font-weight:600;}
.an-toc-title{font-size:1.1em;margin:8px 0 4px;}
.an-toc ul{list-style:none;margin:0;padding:0;}
.an-toc li{margin:2px 0;}
.an-toc .an-toc-2{padding-left:1.2em;}
.an-toc .an-toc-3{padding-left:2.4em;font-size:.95em;}
.an-page table{border-collapse:collapse;margin:8px 0 16px;}
.an-page th,.an-page td{border:1px solid #d0d7de;padding:4px 10px;text-align:left;}
.an-page td.num{text-align:right;font-variant-numeric:tabular-nums;}
.an-muted{color:#57606a;}
.an-why{color:#57606a;margin-top:0;}
.an-note{border-left:3px solid #d4a72c;background:#fff8c5;padding:6px 10px;}
.an-table-wrap td.num,.an-table-wrap th.num{text-align:right;font-variant-numeric:tabular-nums;}
div.an-table-wrap td:not(.num),div.an-table-wrap th:not(.num){text-align:left;}
.an-missing{color:#b42318;}
a,.an-header a{color:#0969da;}
th.an-sortable{cursor:pointer;user-select:none;}
th.an-sortable::after{content:"\\2195";opacity:.3;padding-left:3px;font-weight:normal;}
th.an-sortable[aria-sort=ascending]::after{content:"\\25B2";opacity:.7;}
th.an-sortable[aria-sort=descending]::after{content:"\\25BC";opacity:.7;}
th.an-sortable:focus-visible{outline:2px solid #0969da;outline-offset:-2px;}
.an-filter{display:flex;align-items:center;gap:8px;margin:8px 0 4px;}
.an-filter-input{font:inherit;font-size:.9em;padding:3px 8px 3px 26px;min-width:16em;
border:1px solid #d0d7de;border-radius:6px;background:#fff no-repeat 7px center;}
.an-filter-count{color:#57606a;font-size:.85em;font-variant-numeric:tabular-nums;}
"""
_CSS += f".an-filter-input{{background-image:url(data:image/svg+xml;base64,{_MAGNIFIER});}}\n"
# A4 print: no filter boxes or anchor links, figures and rows kept whole, headings kept
# with what follows, a compact table of contents. After the lab template's own CSS, whose
# "@page {margin: 0.5in}" it replaces and whose whole-output rule it relaxes for tables of
# more than 8 rows (they would jump to the next page, leaving a blank half page).
_PRINT_CSS = """
@page{size:A4;margin:14mm 12mm 16mm;}
@media print{
html,body{background:#fff !important;}
body{font-size:10.5pt;}
main,.an-page,.an-header,.jp-Notebook{max-width:none !important;margin:0 !important;
padding:0 !important;}
.an-header{margin-bottom:8px !important;padding-bottom:6px !important;}
.an-filter,a.anchor-link,.jp-Collapser{display:none !important;}
h1,h2,h3,h4,h5,h6,.an-why{break-after:avoid;page-break-after:avoid;break-inside:avoid;}
.jp-OutputArea-child:has(h1,h2,h3,h4,.an-why){break-after:avoid;}
img,svg,figure,.jp-RenderedImage,.an-note,tr,thead{break-inside:avoid;page-break-inside:avoid;}
.jp-OutputArea-child:has(tbody>tr:nth-child(9)){break-inside:auto;}
img,svg{max-width:100% !important;height:auto !important;}
table{font-size:8.5pt !important;}
th,td{padding:2px 5px !important;}
th{word-break:keep-all;}
td{min-width:3.2em;}
td.an-wrap{min-width:9em !important;}
table:has(thead th:nth-child(9)){font-size:7.5pt !important;}
table:has(thead th:nth-child(9)) :is(th,td){padding:2px 3px !important;}
thead{display:table-header-group;}
.an-table-wrap{overflow:visible !important;}
th.an-sortable::after{content:none;}
a{color:inherit;text-decoration:none;}
.an-toc-title{font-size:10pt !important;margin:4px 0 2px !important;}
.an-toc ul{columns:2;column-gap:24px;font-size:8.5pt;line-height:1.3;}
.an-toc li{margin:0 !important;break-inside:avoid;}
}
"""

# Extends nbconvert's lab template: the CDN-loading blocks are emptied, the CSP and the
# table script go where require.js was, the print stylesheet after the lab CSS (whose
# @page it overrides), and a marker after <main> receives the header and table of contents.
_OFFLINE_TEMPLATE_NAME = "analysis_offline.html.j2"
_HEAD_JS = f"{_CSP_META}\n{{% raw %}}{_TABLE_SCRIPT}{{% endraw %}}"
_OFFLINE_TEMPLATE = (
    "{%- extends 'index.html.j2' -%}\n"
    "{%- block html_head_js -%}\n" + _HEAD_JS + "\n{%- endblock html_head_js -%}\n"
    "{% block jupyter_widgets %}{% endblock jupyter_widgets %}\n"
    "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}\n"
    "{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}\n"
    '{% block extra_css %}<style type="text/css">' + _CSS + "</style>{% endblock extra_css %}\n"
    '{%- block html_head_css -%}<style type="text/css">' + _PRINT_CSS + "</style>"
    "{%- endblock html_head_css -%}\n"
    "{%- block body_header -%}{{ super() }}\n" + _HEADER_MARK + "\n{%- endblock body_header -%}\n"
)

# Cell metadata that changes on every run without the outputs changing.
_VOLATILE_CELL_METADATA = ("papermill", "execution", "ExecuteTime")
# Notebook metadata: run timings, parameters (may hold a database URL), widget state.
_VOLATILE_NB_METADATA = ("papermill", "widgets")


# Words of the page headers and indexes: the catalogue's ``page.<name>`` entries.
_PAGE_LABELS = (
    "period",
    "data_window",
    "contents",
    "generated",
    "pages",
    "seconds",
    "missing",
    "quality",
    "files",
    "exports",
    "quarantine",
    "all_reports",
    "reports_title",
    "no_reports",
    "data_and_files",
    "operational",
    "source",
    "summary",
    "pdf",
)


def _labels(lang: str) -> dict[str, str]:
    """The page labels (catalogue keys ``page.<name>``) in ``lang``, by ``<name>``."""
    from analysis.i18n import LANGS, t

    if lang not in LANGS:
        raise ConfigError(
            f"report language '{lang}' is not supported: use one of {', '.join(LANGS)}"
        )
    return {name: t(f"page.{name}", lang) for name in _PAGE_LABELS}


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _href(relative: str) -> str:
    # quote() also encodes ':' so a name like "javascript:..." stays a relative file link
    return _esc(quote(relative, safe="/"))


def _write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


class _HeadingCollector(HTMLParser):
    """Collect h1-h3 headings that nbconvert gave an id and an anchor link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str, str]] = []
        self._current: dict | None = None
        self._in_anchor = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag in ("h1", "h2", "h3") and attr.get("id"):
            self._current = {"level": int(tag[1]), "id": attr["id"], "text": [], "anchor": False}
        elif tag == "a" and self._current is not None:
            if "anchor-link" in (attr.get("class") or "").split():
                self._current["anchor"] = True
                self._in_anchor = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._in_anchor = False
        elif self._current is not None and tag == f"h{self._current['level']}":
            text = " ".join("".join(self._current["text"]).split())
            if self._current["anchor"] and text:
                self.headings.append((self._current["level"], self._current["id"], text))
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._current is not None and not self._in_anchor:
            self._current["text"].append(data)


_EXTERNAL_URL = r"""(?:https?:)?//[^"'\s)>;]+"""
_CSS_OR_JS_FETCH = re.compile(
    rf"""url\(\s*["']?\s*({_EXTERNAL_URL})|@import\s+["']?\s*({_EXTERNAL_URL})"""
    rf"""|\bimport\s*\(\s*["']({_EXTERNAL_URL})|\bfrom\s+["']({_EXTERNAL_URL})""",
    re.IGNORECASE,
)
_EXTERNAL_ATTR = re.compile(rf"^\s*{_EXTERNAL_URL}", re.IGNORECASE)
_FETCHING_ATTRS = {
    "script": "src",
    "link": "href",
    "img": "src",
    "iframe": "src",
    "embed": "src",
    "source": "src",
    "audio": "src",
    "video": "src",
    "object": "data",
}


class _ExternalLoadFinder(HTMLParser):
    """Find anything the page would fetch from the network, and the cell it sits in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._cell = "page template"
        self._raw_tag: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        cell_id = attr.get("id") or ""
        if tag == "div" and cell_id.startswith("cell-id="):
            self._cell = cell_id.removeprefix("cell-id=")
        wanted = _FETCHING_ATTRS.get(tag)
        value = attr.get(wanted) if wanted else None
        if value and _EXTERNAL_ATTR.match(value):
            self.found.append((self._cell, f"<{tag} {wanted}={value.strip()}>"))
        if tag in ("script", "style"):
            self._raw_tag = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw_tag:
            self._raw_tag = None

    def handle_data(self, data: str) -> None:
        if self._raw_tag is None:
            return
        for match in _CSS_OR_JS_FETCH.finditer(data):
            url = next(g for g in match.groups() if g)
            self.found.append((self._cell, f"<{self._raw_tag}> loading {url}"))


def _find_external_loads(page: str) -> list[tuple[str, str]]:
    finder = _ExternalLoadFinder()
    finder.feed(page)
    finder.close()
    return finder.found


def _normalise_notebook(nb, title: str):
    """Copy of ``nb`` with stable cell ids and no run-dependent metadata."""
    nb = copy.deepcopy(nb)
    nb.nbformat_minor = max(int(nb.get("nbformat_minor", 0)), 5)  # cell ids exist from 4.5
    # cells tagged "analyst" are notes for whoever opens the notebook, not for the page
    nb.cells = [c for c in nb.cells if "analyst" not in c.get("metadata", {}).get("tags", [])]
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"
        if cell.get("outputs"):
            # stderr (library warnings, font-cache notices) is for the analyst, who has
            # the executed notebook; stakeholders get the results. Errors fail the run.
            cell["outputs"] = [
                o
                for o in cell["outputs"]
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
        for key in _VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
    for key in _VOLATILE_NB_METADATA:
        nb.metadata.pop(key, None)
    nb.metadata["title"] = title
    return nb


def _report_header(
    *, title: str, period: str, data_window: str, generated_at: str, lang: str, toc
) -> str:
    lab = _labels(lang)
    meta = "".join(
        f"<div><dt>{_esc(lab[key])}</dt><dd>{_esc(value)}</dd></div>"
        for key, value in (
            ("period", period),
            ("data_window", data_window),
            ("generated", generated_at),
        )
    )
    items = "".join(
        f'<li class="an-toc-{level}"><a href="#{_esc(anchor)}">{_esc(text)}</a></li>'
        for level, anchor, text in toc
    )
    nav = (
        f'<nav class="an-toc" aria-label="{_esc(lab["contents"])}">'
        f'<h2 class="an-toc-title">{_esc(lab["contents"])}</h2><ul>{items}</ul></nav>'
        if toc
        else ""
    )
    return (
        f'<header class="an-header"><h1 class="an-title">{_esc(title)}</h1>'
        f'<dl class="an-meta">{meta}</dl>{nav}</header>'
    )


def render_notebook_html(
    executed_nb: Path,
    html_path: Path,
    *,
    title: str,
    period: str,
    data_window: str,
    lang: str,
    generated_at: str,
) -> Path:
    """Render an executed notebook as one self-contained, offline HTML page.

    Code, input prompts and ``Out[n]`` prompts are hidden; images are embedded; a header
    shows the title, period, data window and generation time, followed by a table of
    contents of the notebook's h1-h3 headings.

    Parameters
    ----------
    executed_nb : pathlib.Path
        Notebook written by papermill. Relative images in markdown are resolved against
        its folder.
    html_path : pathlib.Path
        Page to write (parent folders are created; written atomically).
    title, period, data_window, generated_at : str
        Header text; escaped. Only ``generated_at`` should change between identical runs.
    lang : {"zh", "en"}
        Language of the header labels and of ``<html lang>``.

    Returns
    -------
    pathlib.Path
        ``html_path``.

    Raises
    ------
    ConfigError
        If ``lang`` is not supported.
    ReportError
        If an output would load anything from the network (for example a plotting
        library's CDN script); the message names the cell.

    Examples
    --------
    >>> render_notebook_html(  # doctest: +SKIP
    ...     Path("reports/2024-03/_work/segments.ipynb"), Path("reports/2024-03/segments.html"),
    ...     title="客户分层", period="2024-03", data_window="2023-04-01 – 2024-03-31",
    ...     lang="zh", generated_at="2024-04-01 08:00")
    """
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    _labels(lang)
    executed_nb = Path(executed_nb)
    nb = _normalise_notebook(nbformat.read(executed_nb, as_version=4), title)
    exporter = HTMLExporter(
        template_name="lab",
        template_file=_OFFLINE_TEMPLATE_NAME,
        extra_loaders=[DictLoader({_OFFLINE_TEMPLATE_NAME: _OFFLINE_TEMPLATE})],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        mathjax_url="",
        require_js_url="",
        language_code=lang,
    )
    resources = {"metadata": {"name": title, "path": str(executed_nb.parent)}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)

    collector = _HeadingCollector()
    collector.feed(body)
    collector.close()
    header = _report_header(
        title=title,
        period=period,
        data_window=data_window,
        generated_at=generated_at,
        lang=lang,
        toc=collector.headings,
    )
    if _HEADER_MARK not in body:
        raise ReportError(f"{executed_nb}: nbconvert's lab template changed; no header slot")
    page = body.replace(_HEADER_MARK, header, 1)
    page = page.replace(f'<html lang="{lang}">', f'<html lang="{_HTML_LANG[lang]}">', 1)

    external = _find_external_loads(page)
    if external:
        shown = "; ".join(f"{cell}: {what}" for cell, what in external[:5])
        raise ReportError(
            f"{executed_nb}: the page for {html_path.name} would load from the network "
            f"({shown}); display that output as a static image or table so the report "
            "opens offline"
        )
    return _write_text(Path(html_path), page)


def _standalone_page(*, title: str, body: str, lang: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{_HTML_LANG[lang]}">\n<head>\n<meta charset="utf-8">\n'
        f"{_CSP_META}\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n<style>{_PRINT_CSS}</style>\n"
        f"{_TABLE_SCRIPT}\n</head>\n"
        f'<body>\n<main class="an-page">\n{body}\n</main>\n</body>\n</html>\n'
    )


def _file_list(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))),
        key=lambda p: p.name,
    )


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1024:.1f} kB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def _quality_rows(quality: dict, prefix: str = "", depth: int = 0) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key, value in quality.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and depth < 1:
            rows.extend(_quality_rows(value, f"{name}.", depth + 1))
        elif isinstance(value, dict | list | tuple):
            rows.append((name, json.dumps(value, ensure_ascii=False, default=str)[:200]))
        else:
            rows.append((name, str(value)))
    return rows


_LEDGER_COLUMNS = ("rows_in", "kept", "duplicates_removed", "quarantined", "after_period")


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "✓" if value else '<span class="an-missing">✗</span>'
    if isinstance(value, int):
        return f"{value:,}"
    return _esc(value)


def _quality_section(quality: dict, lang: str) -> list[str]:
    """The ingest ledger: one row per table (rows in, kept, duplicates, quarantined, ...)."""
    from analysis.i18n import label

    parts: list[str] = []
    tables = quality.get("tables")
    if isinstance(tables, dict) and tables and all(isinstance(t, dict) for t in tables.values()):
        columns = [*_LEDGER_COLUMNS, "balanced"]
        head = "".join(f"<th>{_esc(label(c, lang))}</th>" for c in ["table", *columns])
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>")
        for name, t in tables.items():
            cells = "".join(f'<td class="num">{_cell(t.get(c, ""))}</td>' for c in columns)
            parts.append(f"<tr><th>{_esc(label(str(name), lang))}</th>{cells}</tr>")
        parts.append("</tbody></table>")
    return parts


#: Headline figures of a period (``summary.json``'s ``headline``) and how they are shown.
HEADLINE = {
    "active": "count",
    "revenue": "money",
    "nps": "score",
    "csat": "pct",
    "value_at_risk": "money",
}


def _headline_cells(headline: dict | None) -> list[str]:
    from analysis.pages.format import format_value

    headline = headline or {}
    return [
        f'<td class="num">{_esc(format_value(headline.get(k), kind))}</td>'
        for k, kind in HEADLINE.items()
    ]


def _headline_heads(lang: str) -> list[str]:
    from analysis.i18n import has, t

    keys = [f"summary.short.{k}" if has(f"summary.short.{k}") else f"summary.kpi.{k}"
            for k in HEADLINE]  # fmt: skip
    return [f"<th>{_esc(t(key, lang))}</th>" for key in keys]


def render_period_index(
    period_dir: Path,
    *,
    period: str,
    pages: list[dict],
    quality: dict | None,
    lang: str,
    generated_at: str,
    source: str = "",
) -> Path:
    """Write ``period_dir/index.html``: the summary and the pages first, then data and files.

    Parameters
    ----------
    period_dir : pathlib.Path
        ``reports/<YYYY-MM>``.
    period : str
        Shown in the title.
    pages : list of dict
        One per notebook page, in display order (the summary first): ``{"file":
        "summary.html", "title": "月度摘要"}``. A page whose file is absent is listed as
        missing.
    quality : dict or None
        ``QualityReport.to_dict()``: its ``tables`` are shown as the ingest ledger under
        "data and files" (the source's own path is not: see ``source``).
    lang : {"zh", "en"}
    generated_at : str
    source : str
        The data source as stakeholders may see it (:func:`analysis.io.sources.display_source`:
        no machine path, no credentials).

    The headline figures come from ``period_dir/summary.json`` when the summary wrote one.

    Returns
    -------
    pathlib.Path
        The index written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = render_period_index(Path(d), period="2024-03", pages=[], quality=None,
    ...                               lang="en", generated_at="2024-04-01 08:00")
    ...     out.name
    'index.html'
    """
    from analysis.summary import read_summary

    lab = _labels(lang)
    period_dir = Path(period_dir)
    parts = [
        f'<p><a href="../index.html">← {_esc(lab["all_reports"])}</a></p>',
        f"<h1>{_esc(period)} · {_esc(lab['reports_title'])}</h1>",
        f'<p class="an-muted">{_esc(lab["generated"])}: {_esc(generated_at)}</p>',
    ]
    published = read_summary(period_dir)
    if published is not None:
        parts.append(f'<table class="an-headline"><thead><tr>{"".join(_headline_heads(lang))}'
                     "</tr></thead>")  # fmt: skip
        parts.append(f"<tbody><tr>{''.join(_headline_cells(published.get('headline')))}</tr>"
                     "</tbody></table>")  # fmt: skip
    parts.append(f'<h2>{_esc(lab["pages"])}</h2><ul class="an-pages">')
    for page in pages:
        name = str(page["file"])
        label = _esc(page.get("title") or name)
        if (period_dir / name).is_file():
            parts.append(f'<li><a href="{_href(name)}">{label}</a></li>')
        else:
            parts.append(
                f'<li>{label} <span class="an-missing">({_esc(lab["missing"])})</span></li>'
            )
    parts.append("</ul>")

    parts.append(f"<h2>{_esc(lab['data_and_files'])}</h2>")
    parts.append(f'<p class="an-note">{_esc(lab["operational"])}</p>')
    if source:
        parts.append(f"<p>{_esc(lab['source'])}: <strong>{_esc(source)}</strong></p>")
    if quality:
        parts.append(f"<h3>{_esc(lab['quality'])}</h3>")
        parts.extend(_quality_section(quality, lang))

    files = [period_dir / n for n in ("summary.json", "quality.json", "manifest.json")]
    files = [p for p in files if p.is_file()]
    sections = [(lab["files"], files)] + [
        (lab[key], _file_list(period_dir / key)) for key in ("exports", "quarantine", "pdf")
    ]
    for heading, paths in sections:
        if not paths:
            continue
        parts.append(f"<h3>{_esc(heading)}</h3><table>")
        for path in paths:
            rel = path.relative_to(period_dir).as_posix()
            parts.append(
                f'<tr><td><a href="{_href(rel)}">{_esc(rel)}</a></td>'
                f'<td class="num">{_esc(_size(path))}</td></tr>'
            )
        parts.append("</table>")

    page_html = _standalone_page(
        title=f"{period} · {lab['reports_title']}", body="\n".join(parts), lang=lang
    )
    return _write_text(period_dir / "index.html", page_html)


def render_reports_index(reports_dir: Path, *, lang: str, generated_at: str) -> Path:
    """Write ``reports_dir/index.html``: every finished period, newest first, with its
    headline figures (from each period's ``summary.json``; "–" where it has none).

    A period is a ``YYYY-MM`` folder holding an ``index.html``; ``_failed``, hidden and
    temporary folders are ignored.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     (Path(d) / "2024-03").mkdir()
    ...     _ = (Path(d) / "2024-03" / "index.html").write_text("x")
    ...     text = render_reports_index(Path(d), lang="en", generated_at="now").read_text()
    ...     'href="2024-03/index.html"' in text
    True
    """
    from analysis.summary import read_summary

    lab = _labels(lang)
    reports_dir = Path(reports_dir)
    periods = (
        sorted(
            (
                p.name
                for p in reports_dir.iterdir()
                if p.is_dir() and _PERIOD_DIR.match(p.name) and (p / "index.html").is_file()
            ),
            reverse=True,
        )
        if reports_dir.is_dir()
        else []
    )
    parts = [
        f"<h1>{_esc(lab['reports_title'])}</h1>",
        f'<p class="an-muted">{_esc(lab["generated"])}: {_esc(generated_at)}</p>',
    ]
    if periods:
        parts.append(f"<table><thead><tr><th>{_esc(lab['period'])}</th>"
                     f"{''.join(_headline_heads(lang))}</tr></thead><tbody>")  # fmt: skip
        for name in periods:
            published = read_summary(reports_dir / name) or {}
            link = f'<a href="{_href(name + "/index.html")}">{_esc(name)}</a>'
            summary = reports_dir / name / "summary.html"
            if summary.is_file():
                link += f' · <a href="{_href(name + "/summary.html")}">{_esc(lab["summary"])}</a>'
            cells = "".join(_headline_cells(published.get("headline")))
            parts.append(f"<tr><td>{link}</td>{cells}</tr>")
        parts.append("</tbody></table>")
    else:
        parts.append(f"<p>{_esc(lab['no_reports'])}</p>")
    page_html = _standalone_page(title=lab["reports_title"], body="\n".join(parts), lang=lang)
    return _write_text(reports_dir / "index.html", page_html)
