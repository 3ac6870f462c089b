"""Text encodings of CSV exports: UTF-8 (with or without BOM) and GBK/GB18030.

DuckDB reads UTF-8 itself; GB18030 needs its ``encodings`` extension, which is
downloaded at run time, so those files are decoded here and re-written as UTF-8.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from analysis.exceptions import DataValidationError

_CHUNK = 1 << 20


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: str | Path) -> str:
    """Return ``"utf-8-sig"``, ``"utf-8"`` or ``"gb18030"`` for a text file.

    The whole file is checked (a GBK file can start with pure ASCII headers), so a
    file that is neither raises rather than being read with replacement characters.

    Raises
    ------
    DataValidationError
        When the file decodes as none of them.
    """
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(3)
    if head == codecs.BOM_UTF8:
        if _decodes(path, "utf-8-sig"):
            return "utf-8-sig"
    elif _decodes(path, "utf-8"):
        return "utf-8"
    # GB18030 is a superset of GBK and GB2312.
    if _decodes(path, "gb18030"):
        return "gb18030"
    raise DataValidationError(
        "cannot read the file as UTF-8 or GBK/GB18030 text; save it as UTF-8 CSV",
        file=str(path),
    )


def transcode_to_utf8(path: str | Path, target: str | Path, encoding: str) -> Path:
    """Stream ``path`` from ``encoding`` into a UTF-8 file at ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(path, encoding=encoding, newline="") as src,
        open(target, "w", encoding="utf-8", newline="") as dst,
    ):
        while chunk := src.read(_CHUNK):
            dst.write(chunk)
    return target
