"""Narrative text for report notebooks, built from data and always escaped.

``IPython.display.Markdown`` renders raw HTML, so any value that comes from data
(a file name, a comment, a segment name) is escaped before it reaches Markdown.
"""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>])")


def escape_md(value: object) -> str:
    """Escape a value for Markdown: HTML entities first, then Markdown syntax."""
    text = html.escape(str(value), quote=True)
    return _MD_SPECIAL.sub(r"\\\1", text)


def say(template: str, **values: object):
    """A Markdown object of ``template`` with every value escaped.

    Examples
    --------
    >>> say("{n} rows from {f}", n=3, f="<b>x.csv</b>").data
    '3 rows from &lt;b&gt;x.csv&lt;/b&gt;'
    """
    from IPython.display import Markdown

    safe = {
        k: (f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else escape_md(v))
        for k, v in values.items()
    }
    return Markdown(template.format(**safe))
