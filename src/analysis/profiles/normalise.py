"""Normalise the fields that identify a customer: phone, e-mail, company name, city.

Each normaliser takes a Series and returns a new ``string`` Series on the same index,
with ``<NA>`` where a value is missing or not recognisable. A value is never guessed:
a number that is neither a Chinese mobile nor a landline with area code is missing, not
"fixed". These keys are for matching (:mod:`analysis.profiles.dedup`); profiles keep the
values as the source wrote them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from analysis.schema import CUSTOMERS

__all__ = [
    "completeness",
    "load_city_table",
    "normalise_company",
    "normalise_email",
    "normalise_phone",
    "standardise_city",
]

PROFILE_FIELDS = CUSTOMERS.optional  # the data contract's customer fields


def _as_text(s: pd.Series) -> pd.Series:
    """Values as NFKC text (full-width digits, letters and punctuation become half-width).

    Numbers read from a CSV (``17738994341`` as int or ``1.7738994341e10`` as float)
    become their integer digits, not ``'17738994341.0'``.
    """

    def one(v: object) -> object:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return pd.NA
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return unicodedata.normalize("NFKC", str(v)).strip()

    out = pd.Series([one(v) for v in s.tolist()], index=s.index, name=s.name, dtype="string")
    return out.mask(out == "")


def _map_text(s: pd.Series, one) -> pd.Series:
    """``one`` applied to each value of ``s`` as text; missing stays missing (``string``)."""
    text = _as_text(s)
    out = [pd.NA if v is pd.NA else one(v) for v in text.tolist()]
    return pd.Series(out, index=s.index, name=s.name, dtype="string")


# Phones ------------------------------------------------------------------------------

# Separators people type inside a number; NFKC has already made full-width ones half-width.
_PHONE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015.()（）/]")
# An explicit extension marker ends the number: 0571-88886666转8001, ... ext. 12, ... x12.
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x)\s*\d{1,6}$", re.IGNORECASE)
_MOBILE = re.compile(r"1[3-9]\d{9}")
# 0 + area code (10, 2x, or three digits 3xx-9xx) + 7-8 digit local number.
_LANDLINE = re.compile(r"0(?:10|2\d|[3-9]\d{2})\d{7,8}")
_LANDLINE_NO_TRUNK = re.compile(r"(?:10|2\d|[3-9]\d{2})\d{7,8}")


def _phone_one(v: str) -> object:
    v = _EXTENSION.sub("", v.strip())
    v = _PHONE_SEPARATORS.sub("", v)
    international = False
    if v.startswith("+86"):
        v, international = v[3:], True
    elif v.startswith("0086"):
        v, international = v[4:], True
    elif v.startswith("86") and len(v) == 13:
        v, international = v[2:], True
    if not v.isdigit():
        return pd.NA
    if _MOBILE.fullmatch(v) or _LANDLINE.fullmatch(v):
        return v
    # +86 10 1234 5678: the international form drops the trunk 0 of a landline.
    if international and _LANDLINE_NO_TRUNK.fullmatch(v):
        return "0" + v
    return pd.NA


def normalise_phone(s: pd.Series) -> pd.Series:
    """Normalise Chinese phone numbers to digits, or missing.

    Spaces, dashes, dots, slashes and parentheses are removed; an explicit extension
    (``转8001``, ``ext. 12``) is dropped; a leading ``+86`` or ``0086`` is dropped, and
    ``86`` when the number has 13 digits. What remains is kept if it is a mobile
    (``1[3-9]`` and 9 digits) or a landline with its area code (``0`` + 2-3 digit area
    code + 7-8 digits; the trunk ``0`` is restored after ``+86``). Anything else is
    ``<NA>``: a number without area code cannot be told apart from a typo.

    Parameters
    ----------
    s : Series
        Phone numbers as text or numbers.

    Returns
    -------
    Series
        ``string`` dtype, same index.

    Examples
    --------
    >>> normalise_phone(pd.Series(["+86 138-0013-8000", "(010) 1234-5678", "12345"])).tolist()
    ['13800138000', '01012345678', <NA>]
    """
    return _map_text(s, _phone_one)


# E-mails -----------------------------------------------------------------------------

_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
_GMAIL = ("gmail.com", "googlemail.com")


def _email_one(v: str) -> object:
    v = v.strip().lower()
    if not _EMAIL.fullmatch(v):
        return pd.NA
    local, domain = v.split("@")
    if domain in _GMAIL:
        # Gmail ignores dots and everything after '+'; googlemail.com is the same mailbox.
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
        if not local:
            return pd.NA
    return f"{local}@{domain}"


def normalise_email(s: pd.Series) -> pd.Series:
    """Normalise e-mail addresses, or missing.

    Stripped and lower-cased (full-width ``＠`` becomes ``@``). For ``gmail.com`` and
    ``googlemail.com`` only, dots in the local part and anything after ``+`` are removed
    and the domain becomes ``gmail.com`` (Gmail delivers all of these to one mailbox);
    other domains keep their dots. Not exactly one ``@``, a space inside, or a domain
    without a dot gives ``<NA>``.

    Parameters
    ----------
    s : Series
        E-mail addresses.

    Returns
    -------
    Series
        ``string`` dtype, same index.

    Examples
    --------
    >>> normalise_email(pd.Series(["A.B+x@GMail.com", "a.b@163.com", "x@localhost"])).tolist()
    ['ab@gmail.com', 'a.b@163.com', <NA>]
    """
    return _map_text(s, _email_one)


# Companies ---------------------------------------------------------------------------

# Legal forms at the end of a name, longest first; optionally in parentheses, as in
# 某某(集团)有限公司. Latin forms need a separator before them, so "Costco" keeps its "co".
_LEGAL_SUFFIX = re.compile(
    r"(?:"
    r"\(?(?:股份有限公司|有限责任公司|有限公司|集团|公司)\)?"
    r"|(?:^|(?<=[\s,.&(]))\(?(?:co\.?\s*,?\s*ltd\.?|ltd\.?|limited|inc\.?|llc|corp\.?"
    r"|corporation|co\.?)\)?"
    r")$",
    re.IGNORECASE,
)
_TRAILING_PUNCT = re.compile(r"[\s,.;:·&/_\-]+$")
_CJK = r"[\u3400-\u9fff]"
_SPACE_NEAR_CJK = re.compile(rf"(?<={_CJK})\s+|\s+(?={_CJK})")


def _company_one(v: str) -> object:
    v = _SPACE_NEAR_CJK.sub("", re.sub(r"\s+", " ", v.strip()))
    while True:
        stripped = _TRAILING_PUNCT.sub("", _LEGAL_SUFFIX.sub("", v))
        if stripped == v:
            break
        v = stripped
    v = v.casefold()
    return v if len(v) >= 2 else pd.NA


def normalise_company(s: pd.Series) -> pd.Series:
    """Normalise company names for matching, or missing.

    NFKC (full-width to half-width), whitespace collapsed (and removed next to Chinese
    characters), then legal forms removed from the end, repeatedly, with the spacing and
    punctuation before them: 股份有限公司, 有限责任公司, 有限公司, 集团, 公司, and
    (case-insensitive) ``Co., Ltd.``, ``Co.,Ltd``, ``Ltd.``, ``Limited``, ``Inc.``,
    ``LLC``, ``Corp.``, ``Corporation``, ``Co.``. Latin text is case-folded. A result
    shorter than two characters is ``<NA>``.

    Parameters
    ----------
    s : Series
        Company names.

    Returns
    -------
    Series
        ``string`` dtype, same index.

    Examples
    --------
    >>> names = pd.Series(["杭州东方建筑股份有限公司", "Acme Co., Ltd.", "公司"])
    >>> normalise_company(names).tolist()
    ['杭州东方建筑', 'acme', <NA>]
    """
    return _map_text(s, _company_one)


# Cities ------------------------------------------------------------------------------

_CITY_SUFFIXES = ("自治州", "地区", "市", "盟")


@lru_cache(maxsize=1)
def load_city_table() -> pd.DataFrame:
    """The bundled city table ``profiles/data/cn_cities.csv``.

    Every prefecture-level division of mainland China (cities, 地区, 盟, 自治州) and the
    four municipalities, a few county-level cities administered by their province, and
    Hong Kong, Macao and Taiwan; ``city`` is the name without its administrative suffix
    (杭州, 延边, 阿里), except 海南藏族自治州 whose stem would be the province 海南.

    Returns
    -------
    DataFrame
        Columns ``city``, ``province`` (short name: 浙江, 内蒙古, 北京) and ``region``
        (大区: 华东, 华北, 华南, 华中, 西南, 西北, 东北; 江西 is 华中 and 内蒙古 华北,
        as in the sample data).

    Examples
    --------
    >>> load_city_table()["province"].nunique()
    34
    """
    path = resources.files("analysis.profiles") / "data" / "cn_cities.csv"
    with path.open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str)


def _city_stem(v: str, known: set[str]) -> str:
    if v in known:
        return v
    for suffix in _CITY_SUFFIXES:
        if v.endswith(suffix) and len(v) > len(suffix):
            stem = v[: -len(suffix)]
            if stem in known:
                return stem
            if suffix == _CITY_SUFFIXES[0]:  # an autonomous prefecture
                # 延边朝鲜族自治州 -> 延边: the longest known name the prefecture starts with.
                prefixes = [k for k in known if stem.startswith(k)]
                if prefixes:
                    return max(prefixes, key=len)
    return v


def standardise_city(city: pd.Series, region: pd.Series | None = None) -> pd.DataFrame:
    """Standardise city names and look up their province and region (大区).

    A city is matched as written (after NFKC and stripping) or, when the stem is in the
    table, without its suffix 市, 地区, 盟 or 自治州 (杭州市 -> 杭州, 延边朝鲜族自治州 ->
    延边). An unknown city is kept as written, with a missing province; its region is the
    one given in ``region`` (or missing). A known city takes the table's region.

    Parameters
    ----------
    city : Series
        City names.
    region : Series, optional
        The source's own region, used only where the city is unknown.

    Returns
    -------
    DataFrame
        Same index as ``city``; columns ``city``, ``province``, ``region`` (``string``).

    Examples
    --------
    >>> standardise_city(pd.Series(["杭州市", "延边朝鲜族自治州", "火星"])).values.tolist()
    [['杭州', '浙江', '华东'], ['延边', '吉林', '东北'], ['火星', <NA>, <NA>]]
    """
    table = load_city_table()
    known = set(table["city"])
    text = _as_text(city)
    stems = {v: _city_stem(v, known) for v in text.dropna().unique()}
    std = text.map(stems).astype("string")
    lookup = table.set_index("city")
    province = std.map(lookup["province"]).astype("string")
    out_region = std.map(lookup["region"]).astype("string")
    if region is not None:
        given = _as_text(region.reindex(city.index))
        out_region = out_region.fillna(given)
    return pd.DataFrame({"city": std, "province": province, "region": out_region})


# Completeness ------------------------------------------------------------------------


def completeness(customers: pd.DataFrame, fields: Sequence[str] = PROFILE_FIELDS) -> pd.DataFrame:
    """Share of rows (profiles) with a non-empty value, per field.

    Empty strings and whitespace count as empty. A field the table does not have counts
    as empty in every row (share 0), so the report shows what is missing.

    Parameters
    ----------
    customers : DataFrame
        One row per customer or profile.
    fields : sequence of str
        The fields to measure.

    Returns
    -------
    DataFrame
        One row per field: ``field``, ``non_empty``, ``rows``, ``share`` (0-1).

    Examples
    --------
    >>> c = pd.DataFrame({"phone": ["138", None, " "], "email": ["a@b.cn"] * 3})
    >>> completeness(c, fields=("phone", "email", "city"))["share"].round(2).tolist()
    [0.33, 1.0, 0.0]
    """
    n = len(customers)
    rows = []
    for f in fields:
        if f in customers.columns:
            col = customers[f]
            filled = col.notna() & (col.astype("string").str.strip() != "").fillna(False)
            k = int(filled.sum())
        else:
            k = 0
        rows.append({"field": f, "non_empty": k, "rows": n, "share": k / n if n else np.nan})
    return pd.DataFrame(rows, columns=["field", "non_empty", "rows", "share"])
