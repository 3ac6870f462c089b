"""Report sections: one module per report page, one function per section.

Each section function takes the run context (:func:`open_context`) and returns a small
result object (frames and the facts its sentences need) or :class:`Skipped` when this
data cannot support it. :func:`show` displays a result in the context's language, with
every word from the zh/en catalogue (``analysis/catalogue/*.yaml``).

Examples
--------
>>> from analysis.pages import open_context, show, segmentation  # doctest: +SKIP
>>> ctx = open_context(period="2026-10", data_path="data/sample")  # doctest: +SKIP
>>> show(segmentation.value_tiers(ctx), ctx)  # doctest: +SKIP
"""

from analysis.pages.base import Section, Skipped, intro, render_blocks, show
from analysis.pages.context import RunContext, RunSettings, build_context, open_context

__all__ = [
    "RunContext",
    "RunSettings",
    "Section",
    "Skipped",
    "build_context",
    "intro",
    "open_context",
    "render_blocks",
    "show",
]
