"""House style for every figure, and the one place the Chinese (CJK) font is configured.

matplotlib's default font (DejaVu Sans) has no Chinese glyphs and draws 重要价值客户 as boxes.
The project depends on ``pylopdf-fonts-zh-cn``, which ships Noto Sans SC (SIL OFL) as a plain
file; :func:`use_house_style` registers it with matplotlib and puts it first in
``font.sans-serif``. Debian's ``fonts-noto-cjk`` (Noto Sans CJK SC) is a fallback.

Nothing happens at import time: call :func:`use_house_style` once in a notebook's setup cell
(calling it again is harmless).
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import warnings
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager

__all__ = ["HOUSE_RC", "find_cjk_font_file", "use_house_style"]

_FONT_DISTRIBUTION = "pylopdf-fonts-zh-cn"
_FONT_PACKAGE = "pylopdf_fonts_zh_cn"
_FONT_FILE_PREFIX = "NotoSansSC"
# Debian/Ubuntu `fonts-noto-cjk`; a .ttc whose faces include "Noto Sans CJK SC".
_SYSTEM_CJK_FILES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc"),
)
_FALLBACK_FAMILIES = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "DejaVu Sans"]

# Colour-blind-safe cycle (Okabe & Ito 2008), black moved last.
_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

#: rcParams set by :func:`use_house_style` besides the font list.
HOUSE_RC: dict[str, object] = {
    "font.family": "sans-serif",
    # Noto Sans SC has U+2212, but a fallback font may not: an ASCII hyphen always draws.
    "axes.unicode_minus": False,
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": mpl.cycler(color=_COLOURS),
    "figure.figsize": (7.0, 4.0),
    # 110 dpi keeps an embedded PNG around 30-60 kB while staying sharp on a laptop screen.
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "savefig.bbox": "tight",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    # Fixed salt: SVG element ids are the same on every run (PNG from Agg carries no
    # timestamp; SVG's date comes from SOURCE_DATE_EPOCH when that is set).
    "svg.hashsalt": "analysis",
    "svg.fonttype": "path",
}

_registered: dict[str, str] = {}


def find_cjk_font_file() -> Path | None:
    """Return the Noto Sans SC file shipped by ``pylopdf-fonts-zh-cn``, or None if absent.

    Examples
    --------
    >>> path = find_cjk_font_file()
    >>> path is None or path.suffix in {".otf", ".ttf"}
    True
    """
    try:
        files = importlib.metadata.files(_FONT_DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for f in files:
        name = Path(str(f)).name
        if name.startswith(_FONT_FILE_PREFIX) and name.lower().endswith((".otf", ".ttf")):
            path = Path(str(f.locate()))
            if path.is_file():
                return path
    try:  # a source checkout or an install without a RECORD file
        root = importlib.resources.files(_FONT_PACKAGE)
    except ModuleNotFoundError:
        return None
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.startswith(_FONT_FILE_PREFIX) and entry.name.lower().endswith(
            (".otf", ".ttf")
        ):
            return Path(str(entry))
    return None


def _register(path: Path) -> str:
    """Add a font file to matplotlib once; return its family name."""
    key = str(path)
    if key not in _registered:
        known = {entry.fname for entry in font_manager.fontManager.ttflist}
        if key not in known:
            font_manager.fontManager.addfont(key)
        _registered[key] = font_manager.FontProperties(fname=key).get_name()
    return _registered[key]


def use_house_style() -> None:
    """Apply the house style and the CJK font to matplotlib's rcParams.

    Idempotent: the font file is registered once per process, and the rcParams are
    simply set again. Returns nothing, so a notebook's setup cell shows no output; the
    font drawn first is ``matplotlib.rcParams["font.sans-serif"][0]`` (``"Noto Sans SC"``
    when the dependency is installed).

    Warns
    -----
    UserWarning
        When no CJK font is found, so Chinese text would draw as boxes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> use_house_style()
    >>> matplotlib.rcParams["font.sans-serif"][0]
    'Noto Sans SC'
    """
    families: list[str] = []
    packaged = find_cjk_font_file()
    if packaged is not None:
        families.append(_register(packaged))
    system_names = {entry.name for entry in font_manager.fontManager.ttflist}
    if "Noto Sans CJK SC" not in system_names:
        for path in _SYSTEM_CJK_FILES:
            if path.is_file():
                _register(path)
                break
    if not families and "Noto Sans CJK SC" not in {
        entry.name for entry in font_manager.fontManager.ttflist
    }:
        warnings.warn(
            f"no Chinese font found: install the '{_FONT_DISTRIBUTION}' package "
            "(pip install pylopdf-fonts-zh-cn) or Debian's fonts-noto-cjk; "
            "Chinese labels will draw as boxes",
            UserWarning,
            stacklevel=2,
        )
    rest = [f for f in mpl.rcParams["font.sans-serif"] if f not in families + _FALLBACK_FAMILIES]
    mpl.rcParams.update(HOUSE_RC)
    mpl.rcParams["font.sans-serif"] = families + _FALLBACK_FAMILIES + rest
