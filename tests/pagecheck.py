"""Checks of rendered pages: no prose in the other language.

A Chinese page may hold English only in data values and proper names; these helpers
collect the visible text of headings, paragraphs and table headers (and, optionally,
table cells) and report words of the other language.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
THEME_NAME = re.compile(r"^[\u3400-\u9fff]+(·[\u3400-\u9fff]+)+$")
# Abbreviations and names a Chinese reader sees in Chinese reports too.
ALLOWED_ASCII = {
    "NPS", "CSAT", "RFM", "ABC", "FM", "Cox", "Weibull", "AFT", "BG", "NBD", "CLV", "YAML",
    "K-means", "k-means", "k", "R", "F", "M", "p", "KM", "Kaplan", "Meier", "Brier", "HC3",
    "Gamma", "Gamma-Gamma", "Pareto", "NMF", "NPMI", "VIP", "TF-IDF", "DMY", "MDY", "z",
    "Holm", "A", "B", "C", "AUC", "ID", "MBG", "sBG", "Fader", "Hardie",
}  # fmt: skip
_WORD = re.compile(r"[A-Za-z][A-Za-z\-]*")
# file names, paths, column names, settings; a column's code name in brackets "金额(amount)"
_CODEISH = re.compile(r"\S*[/_.@<>=]\S*|[(\uff08][a-z_]+[)\uff09]")


class _Collector(HTMLParser):
    def __init__(self, cells: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.tags = {"h1", "h2", "h3", "p", "th", "caption", "li"} | ({"td"} if cells else set())
        self.stack: list[str] = []
        self.skip = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "code", "title"):
            self.skip += 1
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in ("style", "script", "code", "title"):
            self.skip -= 1
        while self.stack:
            if self.stack.pop() == tag:
                break

    def handle_data(self, data):
        if self.skip or not data.strip():
            return
        if any(t in self.tags for t in self.stack):
            self.texts.append(data.strip())


def visible_texts(page: str, *, cells: bool = True) -> list[str]:
    """Text of headings, paragraphs, list items, table headers (and cells) of a page."""
    c = _Collector(cells)
    c.feed(page)
    return c.texts


def other_language(page: str, lang: str, *, allowed: set[str] = frozenset(), cells=True):
    """Fragments of ``page`` written in the other language (empty when the page is clean)."""
    bad = []
    for text in visible_texts(page, cells=cells):
        if lang == "en":
            # a theme is named by its top terms, which are data ("购物·售后·开线")
            if THEME_NAME.match(text):
                continue
            if CJK.search(text) and text not in allowed:
                bad.append(text)
            continue
        stripped = _CODEISH.sub(" ", text)
        words = [w for w in _WORD.findall(stripped) if w not in ALLOWED_ASCII | set(allowed)]
        if words:
            bad.append(text)
    return bad


def render_html(result, lang: str) -> str:
    """The HTML a section result shows in ``lang`` (figures drawn and closed)."""
    import matplotlib.pyplot as plt

    from analysis.pages import render_blocks

    parts = []
    for item in render_blocks(result, lang):
        if hasattr(item, "savefig"):
            plt.close(item)
        else:
            parts.append(item.data)
    return "\n".join(parts)
