"""What a report section returns, and how a page shows it.

A section function (``analysis.pages.segmentation.value_tiers`` ...) computes codes and
numbers and returns a :class:`Section` result: frames, figures' data and the facts its
sentences need, never words. :func:`show` turns a result into the catalogue's words for
one language at the last step. A section that cannot run on this data returns
:class:`Skipped`: a normal result with a catalogue key and its numbers, shown as a note.

Only data-dependent shortfalls are skips (no ``csat`` column, 12 churn events where 20
are needed); a bug raises and fails the run.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.i18n import has, t
from analysis.pages.format import Table, format_value
from analysis.privacy import OTHER

__all__ = [
    "Section", "Skipped", "Note", "Text", "Chart", "Heading", "LangTable", "Word", "show",
    "render_blocks",
]  # fmt: skip


@dataclass(frozen=True)
class Text:
    """A sentence from the catalogue: ``key`` with ``values`` already formatted or raw.

    Numbers in ``values`` are formatted by ``kinds`` (see :mod:`analysis.pages.format`);
    everything is escaped before it reaches Markdown.
    """

    key: str
    values: Mapping[str, Any] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Note(Text):
    """A remark set apart from the findings (a skip reason, a caveat)."""


@dataclass(frozen=True)
class Chart:
    """A figure drawn at display time: ``draw(lang) -> matplotlib Figure``."""

    draw: Callable[[str], Any]


@dataclass(frozen=True)
class Skipped:
    """A section that cannot run on this data.

    Attributes
    ----------
    section : str
        The section's catalogue prefix (its heading is ``<section>.title``).
    reason : str
        Catalogue key of the note, e.g. ``survey.skip.no_csat``; every reason key says
        what is missing and what would enable the section.
    values : dict
        The numbers the note needs (``n=12, need=20``).

    Examples
    --------
    >>> s = Skipped("churn.contract_model", "churn.skip.too_few_events", {"n": 12, "need": 20})
    >>> s.skipped
    True
    """

    section: str
    reason: str
    values: Mapping[str, Any] = field(default_factory=dict)

    skipped = True

    def blocks(self) -> Iterator[Any]:
        yield Note(self.reason, self.values)


class Section:
    """Base of every section result: a catalogue prefix and the blocks it shows.

    Subclasses are frozen dataclasses holding frames and facts; ``blocks()`` yields
    :class:`Text`, :class:`Note`, :class:`Chart` and :class:`~analysis.pages.format.Table`
    items in display order. Words are looked up only when :func:`show` runs.
    """

    section: str = ""
    skipped = False

    def blocks(self) -> Iterator[Any]:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


def _text_html(block: Text, lang: str) -> str:
    values = {}
    for name, value in block.values.items():
        if isinstance(value, Word):
            values[name] = html.escape(value.render(lang))
            continue
        kind = block.kinds.get(name)
        if kind is None:
            kind = "count" if isinstance(value, int) and not isinstance(value, bool) else "text"
        values[name] = html.escape(format_value(value, kind))
    text = html.escape(t(block.key, lang, **{k: "\x00" + k + "\x00" for k in values}))
    for name, value in values.items():
        text = text.replace("\x00" + name + "\x00", f"<strong>{value}</strong>")
    cls = ' class="an-note"' if isinstance(block, Note) else ""
    return f"<p{cls}>{text}</p>"


def _heading_html(section: str, lang: str, level: int = 2) -> str:
    anchor = section.replace(".", "-").replace("_", "-")
    title = html.escape(t(f"{section}.title", lang))
    return (
        f'<h{level} id="{anchor}">{title}<a class="anchor-link" href="#{anchor}">¶</a></h{level}>'
    )


def render_blocks(result: Section | Skipped, lang: str) -> list[Any]:
    """The display objects of a result in ``lang``: HTML snippets and figures.

    Returns a list of ``IPython.display.HTML`` objects and matplotlib figures; the
    figures are closed afterwards by :func:`show`.
    """
    from IPython.display import HTML

    out: list[Any] = [HTML(_heading_html(result.section, lang))]
    why = f"{result.section}.why"
    if has(why):
        out.append(HTML(f'<p class="an-why">{html.escape(t(why, lang))}</p>'))
    for block in result.blocks():
        if isinstance(block, Text):
            out.append(HTML(_text_html(block, lang)))
        elif isinstance(block, Table):
            out.append(HTML(block._repr_html_()))
        elif hasattr(block, "render"):
            out.append(HTML(block.render(lang)._repr_html_()))
        elif isinstance(block, Chart):
            from analysis.plotting import use_house_style

            use_house_style()  # the CJK font, so a chart drawn anywhere shows Chinese
            out.append(block.draw(lang))
        elif isinstance(block, Heading):
            out.append(HTML(_heading_html(block.key, lang, level=3)))
        else:
            raise TypeError(f"section {result.section}: cannot show {type(block).__name__}")
    return out


@dataclass(frozen=True)
class Word:
    """A value shown as words at display time: a class label or a catalogue entry.

    ``Word("lifecycle", "dormant")`` shows the class label (沉默客户 / Dormant);
    ``Word("label", "surveys")`` the catalogue's ``surveys`` entry; ``Word("field", "amount")``
    a contract column's name (a column outside the contract is shown as named).
    """

    scheme: str
    code: str

    def render(self, lang: str) -> str:
        return _word(self.scheme, self.code, lang)


def _word(scheme: str, code: object, lang: str) -> str:
    if scheme == "field":  # a contract column; a user's own column is shown as named
        key = f"field.{code}"
        return t(key, lang) if has(key) else str(code)
    if scheme == "label":
        from analysis.i18n import label

        return label(str(code), lang)
    if code == OTHER:  # small groups folded together (analysis.privacy), in any scheme
        return t("label.other", lang)
    # strict: a code without a catalogue entry is a bug, not a word to show as is
    return t(f"class.{scheme}.{code}", lang)


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a section: ``<key>.title`` from the catalogue."""

    key: str


@dataclass(frozen=True)
class LangTable:
    """A table whose headers (and class-code cells) are translated at display time.

    Attributes
    ----------
    frame : pandas.DataFrame
        Raw numbers and codes; column names are stable codes.
    kinds : dict
        Column -> format kind (:data:`analysis.pages.format.KINDS`).
    headers : dict
        Column -> catalogue key of its header, or None for a column named by data (a
        month, a theme) shown as named; a column not listed uses ``col.<name>`` when the
        catalogue has it, else the key ``<name>`` itself.
    classes : dict
        Column -> class scheme whose codes are shown as class labels
        (``{"value_tier": "value_tier"}`` shows ``high`` as the high-value label);
        the scheme ``label`` looks the code up in the catalogue itself.
    index : bool
        Show the index as the first column (its header from ``headers`` on its name).
    """

    frame: pd.DataFrame
    kinds: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    classes: Mapping[str, str] = field(default_factory=dict)
    index: bool = False
    max_rows: int | None = None

    def render(self, lang: str) -> Table:
        df = self.frame.copy()
        if self.index:
            df = df.reset_index()
        for col, scheme in self.classes.items():
            if col in df.columns:
                df[col] = [
                    v
                    if v is None or (isinstance(v, float) and pd.isna(v))
                    else _word(scheme, v, lang)
                    for v in df[col]
                ]
        headers = {c: self._header(c, lang) for c in df.columns}
        return Table(df, kinds=dict(self.kinds), headers=headers, max_rows=self.max_rows)

    def _header(self, column: object, lang: str) -> str:
        if column in self.headers:
            key = self.headers[column]
            return str(column) if key is None else t(key, lang)
        key = f"col.{column}"
        return t(key if has(key) else str(column), lang)


def show(result: Section | Skipped, lang: str = "zh") -> None:
    """Display a section result in a notebook, in ``lang``.

    Examples
    --------
    >>> show(Skipped("survey.csat", "survey.skip.no_csat"), "en")  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    for item in render_blocks(result, getattr(lang, "lang", lang)):
        display(item)
        if hasattr(item, "savefig"):
            plt.close(item)


@dataclass(frozen=True)
class Intro(Section):
    """A page's opening note: who reads it and what it holds (``<page>.intro.*``)."""

    section: str = ""

    def blocks(self) -> Iterator[Any]:
        return iter(())


def intro(page: str) -> Intro:
    """The opening section of a page (``intro("quality")`` shows ``quality.intro.*``)."""
    return Intro(f"{page}.intro")
