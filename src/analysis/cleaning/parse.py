"""Engine expressions that parse text into dates and numbers.

Each parser returns the parsed value (NULL when it cannot be parsed); the
``*_problem`` functions then say, per row, what is wrong (NULL when the input is
fine or empty). Problems are computed from the *materialised* parsed column, so the
regular expressions run once per row. The expressions are plain Ibis, so they compile
to DuckDB here and to Spark SQL on a Spark backend.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

FULLWIDTH = "０１２３４５６７８９．，－＋／：　（）"
HALFWIDTH = "0123456789.,-+/: ()"

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
# 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, each optionally with a time of day.
_YMD = r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?" + _TIME + "$"
_COMPACT = r"^(\d{4})(\d{2})(\d{2})$"  # 20240305 (CDNOW and many ERPs)
_SERIAL = r"^(\d{5})(?:\.\d+)?$"  # Excel day number, 1927-05-18 .. 2173-10-14
# 05/03/2024, 5-3-2024, 05.03.2024: day and month order unknown without the mapping.
_OTHER = r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})" + _TIME + "$"
_EXCEL_EPOCH = "1899-12-30"


def normalise_text(col: ir.StringValue) -> ir.StringValue:
    """Trim, turn full-width digits and punctuation into ASCII, and make '' NULL."""
    s = col.translate(FULLWIDTH, HALFWIDTH).strip()
    return (s == "").ifelse(ibis.null("string"), s)


def _iso(y: ir.StringValue, m: ir.StringValue, d: ir.StringValue) -> ir.DateValue:
    text = y + "-" + m.lpad(2, "0") + "-" + d.lpad(2, "0")
    return text.try_cast("date")


def parse_date(
    col: ir.StringValue, order: str | None = None
) -> tuple[ir.DateValue, ir.BooleanValue]:
    """Parse a text column of dates.

    Understood: ISO and ``2024/3/5`` (year first), ``2024年3月5日``, ``20240305``,
    Excel serial day numbers, any of these with a time of day, and ``05/03/2024``
    when ``order`` ("DMY" or "MDY") says which number is the day, or when only one
    reading is a valid date (a number above 12 cannot be a month).

    Parameters
    ----------
    col : StringValue
        Text as read.
    order : {"DMY", "MDY", "YMD"}, optional
        From the mapping; settles ``05/03/2024``.

    Returns
    -------
    value : DateValue
    ambiguous : BooleanValue
        True where the day/month order is unknown (the value is then NULL).
    """
    s = normalise_text(col)
    ymd = s.re_search(_YMD)
    compact = s.re_search(_COMPACT)
    serial = s.re_search(_SERIAL)
    other = s.re_search(_OTHER)

    v_ymd = _iso(s.re_extract(_YMD, 1), s.re_extract(_YMD, 2), s.re_extract(_YMD, 3))
    v_compact = _iso(
        s.re_extract(_COMPACT, 1), s.re_extract(_COMPACT, 2), s.re_extract(_COMPACT, 3)
    )
    days = s.re_extract(_SERIAL, 1).try_cast("int64")
    v_serial = ibis.date(_EXCEL_EPOCH) + days.as_interval("D")
    a = s.re_extract(_OTHER, 1)
    b = s.re_extract(_OTHER, 2)
    y = s.re_extract(_OTHER, 3)
    a_num, b_num = a.try_cast("int64"), b.try_cast("int64")
    v_dmy = _iso(y, b, a)
    v_mdy = _iso(y, a, b)
    if order == "DMY":
        v_other = v_dmy
        ambiguous = ibis.literal(False)
    elif order == "MDY":
        v_other = v_mdy
        ambiguous = ibis.literal(False)
    else:
        # Only the reading that is a real date is taken; both real and different is
        # ambiguous and never guessed.
        ambiguous = (a_num <= 12) & (b_num <= 12) & (a_num != b_num)
        v_other = ambiguous.ifelse(ibis.null("date"), v_dmy.fill_null(v_mdy))

    value = ibis.cases(
        (ymd, v_ymd),
        (compact, v_compact),
        (serial, v_serial.cast("date")),
        (other, v_other),
        else_=ibis.null("date"),
    )
    return value, (other & ambiguous).fill_null(False)


def date_problem(
    raw: ir.StringValue, value: ir.DateValue, ambiguous: ir.BooleanValue
) -> ir.StringValue:
    """The reason a date did not parse, or NULL (parsed, or empty input)."""
    return ibis.cases(
        (normalise_text(raw).isnull(), ibis.null("string")),
        (ambiguous, "ambiguous day/month order (set dates: DMY or MDY in the mapping)"),
        (value.isnull(), "unparsable date"),
        else_=ibis.null("string"),
    )


_CURRENCY = r"(?i)(rmb|cny|usd|hkd|元|¥|￥|\$|\s|,)"
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"


def parse_number(col: ir.StringValue) -> ir.FloatingValue:
    """Parse amounts such as ``¥1,234.50``, ``RMB 100``, ``１２３．５`` and ``(12.50)``.

    A leading minus or accounting parentheses make a negative number (a refund for
    amounts, not an error).

    Returns
    -------
    FloatingValue
        NULL where the text is not a number (see :func:`number_problem`).
    """
    s = normalise_text(col)
    bare = s.re_replace(_CURRENCY, "")
    paren = bare.re_search(r"^\(.*\)$")
    bare = paren.ifelse("-" + bare.re_replace(r"^\((.*)\)$", r"\1"), bare)
    ok = bare.re_search(_NUMBER)
    return ok.ifelse(bare.try_cast("float64"), ibis.null("float64"))


def number_problem(raw: ir.StringValue, value: ir.FloatingValue) -> ir.StringValue:
    """The reason a number did not parse, or NULL (parsed, or empty input)."""
    return ibis.cases(
        (normalise_text(raw).isnull(), ibis.null("string")),
        (value.isnull(), "unparsable number"),
        else_=ibis.null("string"),
    )
