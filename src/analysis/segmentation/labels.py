"""Chinese and English names of every segmentation class, read from the catalogue.

Codes (``high``, ``champions``, ``important_value`` ...) are what the columns hold and
what tests and other analyses join on; labels are for people and live in the message
catalogue (:mod:`analysis.i18n`, keys ``class.<scheme>.<code>`` and ``word.<key>``).
Terms follow the project glossary (``/work/shared/GLOSSARY.md``).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analysis.i18n import LANGS, LazyMapping, has, t

__all__ = ["CLASS_LABELS", "ORDERS", "class_label", "label_series"]

#: Codes of each scheme in display order; their words are the catalogue's
#: ``class.<scheme>.<code>`` entries (``analysis/catalogue/labels.yaml``).
ORDERS: dict[str, list[str]] = {
    "value_tier": ["high", "mid", "low"],
    "abc_class": ["A", "B", "C"],
    "key_account_tier": ["strategic", "core", "general"],
    "customer_type": ["business", "individual"],
    "rfm_segment": [
        "champions",
        "loyal",
        "potential_loyalist",
        "new",
        "promising",
        "need_attention",
        "about_to_sleep",
        "at_risk",
        "cant_lose",
        "hibernating",
        "lost",
        "none",
    ],
    "rfm_eight": [
        "important_value",
        "important_develop",
        "important_retain",
        "important_winback",
        "general_value",
        "general_develop",
        "general_retain",
        "general_winback",
        "none",
    ],
    "lifecycle": ["potential", "new", "active", "loyal", "dormant", "churned"],
}


def _class_pairs() -> dict[str, dict[str, tuple[str, str]]]:
    return {
        scheme: {
            code: (t(f"class.{scheme}.{code}", "zh"), t(f"class.{scheme}.{code}", "en"))
            for code in codes
        }
        for scheme, codes in ORDERS.items()
    }


#: ``{scheme: {code: (zh, en)}}`` in display order, read from the catalogue on first use.
CLASS_LABELS: Mapping[str, dict[str, tuple[str, str]]] = LazyMapping(_class_pairs)


def class_label(scheme: str, code: object, lang: str = "zh") -> str:
    """The label of one class code (``class_label("rfm_eight", "important_value")``).

    Reads the catalogue key ``class.<scheme>.<code>``. Codes the catalogue does not know
    come back as ``str(code)``, except a code listed in :data:`ORDERS`, whose missing word
    is a bug (KeyError).
    ``lang="both"`` gives ``中文 / English``.

    Examples
    --------
    >>> class_label("lifecycle", "dormant"), class_label("lifecycle", "dormant", "en")
    ('沉默客户', 'Dormant')
    >>> class_label("lifecycle", "unknown_code", "en")
    'unknown_code'
    """
    if lang not in (*LANGS, "both"):
        raise ValueError(f"language {lang!r} is not supported: use zh, en or both")
    code = str(code)
    key = f"class.{scheme}.{code}"
    if not has(key) and code not in ORDERS.get(scheme, ()):
        return code
    if lang == "both":
        return f"{t(key, 'zh')} / {t(key, 'en')}"
    return t(key, lang)


def label_series(codes: pd.Series, scheme: str, lang: str = "zh") -> pd.Series:
    """Map a column of codes to labels; missing codes stay missing."""
    table = {c: class_label(scheme, c, lang) for c in codes.dropna().unique()}
    return codes.map(table)
