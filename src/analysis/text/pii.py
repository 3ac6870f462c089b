"""Mask personal data in free text before it is shown, modelled or exported.

Masked: Chinese resident ID numbers (18 digits, last may be X; and the old 15-digit
form), mobile numbers (11 digits starting 1[3-9], optionally +86 and separated by
spaces or dashes), landlines with an area code (``010-12345678``), e-mail addresses,
and as a last guard any remaining run of 11 or more digits (card and account numbers).
ID numbers are masked first because an ID contains mobile-like substrings.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["MASKS", "contains_pii", "mask_pii", "mask_pii_series"]

MASKS = {"id_card": "[身份证号]", "phone": "[电话]", "email": "[邮箱]", "number": "[号码]"}

_D = r"(?<![0-9A-Za-z])"  # not glued to a longer number or word
_E = r"(?![0-9A-Za-z])"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")),
    ("id_card", re.compile(_D + r"\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx]" + _E)),
    ("id_card", re.compile(_D + r"\d{8}(?:0[1-9]|1[0-2])\d{2}\d{3}" + _E)),
    (
        "phone",
        re.compile(r"(?:(?:\+|00)?86[\s\-]?)?" + _D + r"1[3-9]\d[\s\-]?\d{4}[\s\-]?\d{4}" + _E),
    ),
    ("phone", re.compile(_D + r"0\d{2,3}[\s\-]?\d{7,8}" + _E)),
    ("number", re.compile(r"\d(?:[\s\-]?\d){10,}")),
]


def mask_pii(text: object) -> object:
    """Return ``text`` with phone numbers, e-mails and ID numbers replaced by a tag.

    Non-strings (None, NaN) come back unchanged.

    Examples
    --------
    >>> mask_pii("电话13912345678，邮箱ab12@qq.com")
    '电话[电话]，邮箱[邮箱]'
    >>> mask_pii("身份证11010119900307123X请核实")
    '身份证[身份证号]请核实'
    >>> mask_pii("call me on +86 139-1234-5678")
    'call me on [电话]'
    """
    if not isinstance(text, str) or not text:
        return text
    for kind, pattern in _PATTERNS:
        text = pattern.sub(MASKS[kind], text)
    return text


def mask_pii_series(texts: pd.Series) -> pd.Series:
    """:func:`mask_pii` over a Series (same index; missing values stay missing)."""
    return texts.map(mask_pii, na_action="ignore")


def contains_pii(text: object) -> bool:
    """Whether ``text`` still contains something :func:`mask_pii` would mask.

    Examples
    --------
    >>> contains_pii("no numbers here"), contains_pii("13812345678")
    (False, True)
    """
    if not isinstance(text, str):
        return False
    return any(p.search(text) for _, p in _PATTERNS)
