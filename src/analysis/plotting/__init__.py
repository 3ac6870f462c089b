"""Figures: ``plot_*(data, *, ax=None, **kw) -> Axes``; house style and CJK font in ``style``."""

from analysis.plotting.bar import plot_bar
from analysis.plotting.style import find_cjk_font_file, use_house_style

__all__ = ["find_cjk_font_file", "plot_bar", "use_house_style"]
