"""Numbers to text for report tables read in Chinese or English.

No words of any language live here: headers arrive already translated, and the only marks
are digits, signs, ``%``, ``pp``, ``–`` (missing) and ``…`` (rows left out). Rounding is
half-up on the shortest decimal form of a float (0.0585 shows as 5.9%, as a reader expects),
and never falls into scientific notation.
"""

from __future__ import annotations

import datetime as dt
import html
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["KINDS", "Table", "format_frame", "format_value", "render_table"]

KINDS = ("text", "count", "count_change", "money", "pct", "pct_change", "pvalue", "float1",
         "float2", "float3", "ratio", "days", "date", "score")  # fmt: skip
MISSING = "–"
_NON_NUMERIC = ("text", "date")
_DECIMALS = {"count": 0, "days": 0, "score": 1, "float1": 1, "float2": 2, "float3": 3, "ratio": 2}
# Enough digits for any float64 (up to 309 integer digits) so quantize never overflows.
_CTX = Context(prec=400, rounding=ROUND_HALF_UP)
_WRAP_OVER = 40  # text longer than this wraps instead of widening the table


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown format kind {kind!r}; expected one of {', '.join(KINDS)}")


def _to_decimal(value: Any, kind: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, numbers.Integral | np.bool_):
        return Decimal(int(value))
    if isinstance(value, numbers.Real):
        return Decimal(repr(float(value)))
    raise TypeError(f"format kind {kind!r} needs a number, got {type(value).__name__} {value!r}")


def _fixed(d: Decimal, decimals: int, *, plus: bool = False) -> str:
    q = d.quantize(Decimal(1).scaleb(-decimals), context=_CTX)
    if q == 0:
        q = abs(q)  # no "-0.0"
    text = format(q, f",.{decimals}f")
    return f"+{text}" if plus and q > 0 else text


def _format_date(value: Any) -> str:
    if isinstance(value, str | np.datetime64):
        value = pd.Timestamp(value)
    if not isinstance(value, dt.date):
        raise TypeError(f"format kind 'date' needs a date or string, got {value!r}")
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def format_value(value: Any, kind: str) -> str:
    """Format one value for a report cell.

    Parameters
    ----------
    value : Any
        A number (Python or numpy), date, string or missing value (None, NaN, NaT, pd.NA).
    kind : str
        One of `KINDS`.

    Returns
    -------
    str
        The text; ``"–"`` for a missing value of any kind.

    Raises
    ------
    ValueError
        If `kind` is not in `KINDS`.
    TypeError
        If a numeric kind gets something that is not a number.

    Examples
    --------
    >>> format_value(286917272.0, "count"), format_value(0.0588, "pct")
    ('286,917,272', '5.9%')
    >>> format_value(0.012, "pct_change"), format_value(1.207681e-12, "pvalue")
    ('+1.2', '< 0.001')
    >>> format_value(float("nan"), "money"), format_value(-1200, "money")
    ('–', '-1,200')
    """
    _check_kind(kind)
    if value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value))):
        return MISSING
    if kind == "text":
        return str(value)
    if kind == "date":
        return _format_date(value)
    if kind == "days" and isinstance(value, dt.timedelta | np.timedelta64):
        value = pd.Timedelta(value).total_seconds() / 86400
    d = _to_decimal(value, kind)
    if d.is_infinite():
        return "-∞" if d < 0 else "∞"
    if kind == "money":
        whole = d == d.to_integral_value()
        return _fixed(d, 0 if abs(d) >= 100 or whole else 2)
    if kind == "pct":
        pct = _CTX.multiply(d, Decimal(100))
        text = _fixed(pct, 1)
        return "< 0.1%" if pct > 0 and text == "0.0" else f"{text}%"
    if kind == "pct_change":
        # percentage points; the unit goes in the column header (words are not made here)
        return _fixed(_CTX.multiply(d, Decimal(100)), 1, plus=True)
    if kind == "count_change":
        return _fixed(d, 0, plus=True)
    if kind == "pvalue":
        return "< 0.001" if d < Decimal("0.001") else _fixed(d, 3)
    return _fixed(d, _DECIMALS[kind])


def _infer_kind(dtype: Any, default: str) -> str:
    if pd.api.types.is_integer_dtype(dtype):
        return "count"
    if pd.api.types.is_float_dtype(dtype):
        return "float2"
    return "date" if pd.api.types.is_datetime64_any_dtype(dtype) else default


def _format_cells(
    df: pd.DataFrame,
    kinds: Mapping[str, str],
    headers: Mapping[str, str] | None,
    index: bool,
    default: str,
    max_rows: int | None = None,
) -> tuple[pd.DataFrame, list[str], int]:
    """Formatted cells of the first `max_rows` rows, the kind of each column, rows left out."""
    for kind in (default, *kinds.values()):
        _check_kind(kind)
    frame = df.reset_index() if index else df
    resolved = [
        kinds[c] if c in kinds else _infer_kind(t, default) for c, t in frame.dtypes.items()
    ]
    hidden = 0 if max_rows is None else max(len(frame) - max_rows, 0)
    frame = frame.iloc[: len(frame) - hidden]
    cols = {
        i: [format_value(v, k) for v in frame.iloc[:, i].tolist()] for i, k in enumerate(resolved)
    }
    out = pd.DataFrame(cols, index=frame.index, columns=range(len(resolved)), dtype=object)
    out.columns = [(headers or {}).get(c, c) for c in frame.columns]
    return out, resolved, hidden


def format_frame(
    df: pd.DataFrame,
    kinds: Mapping[str, str],
    *,
    headers: Mapping[str, str] | None = None,
    index: bool = False,
    default: str = "text",
) -> pd.DataFrame:
    """Format every cell of a frame as text, for display.

    Parameters
    ----------
    df : pandas.DataFrame
        The numbers; not modified.
    kinds : Mapping[str, str]
        Column name to kind (see `KINDS`). Other columns: integer dtype -> ``"count"``, float
        -> ``"float2"``, datetime -> ``"date"``, else `default`. Keys that are not columns are
        ignored, so one mapping can serve several tables.
    headers : Mapping[str, str], optional
        Column name to displayed (translated) header; missing keys keep their names.
    index : bool, default False
        Put the index in as the first column(s), its header looked up by the index name.
    default : str, default "text"
        Kind for other columns not in `kinds`.

    Returns
    -------
    pandas.DataFrame
        The columns of `df` (after the index ones when `index`) renamed by `headers`, every
        cell a ``str``.

    Examples
    --------
    >>> df = pd.DataFrame({"share": [0.0588, None], "n": [1234567, 8]})
    >>> format_frame(df, {"share": "pct"}, headers={"share": "Share"}).to_dict("list")
    {'Share': ['5.9%', '–'], 'n': ['1,234,567', '8']}
    """
    return _format_cells(df, kinds, headers, index, default)[0]


def _sort_value(value: Any, kind: str) -> str | None:
    """The raw number a numeric cell sorts on (``data-sort``), or None (text, date, missing)."""
    if kind in _NON_NUMERIC or value is None:
        return None
    if pd.api.types.is_scalar(value) and bool(pd.isna(value)):
        return None
    if kind == "days" and isinstance(value, dt.timedelta | np.timedelta64):
        value = pd.Timedelta(value).total_seconds() / 86400
    if isinstance(value, numbers.Integral | np.bool_):
        return str(int(value))
    number = float(value)
    if np.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"  # what JavaScript's Number() reads
    return repr(number)


def _td(text: str, kind: str, sort: str | None = None) -> str:
    if kind not in _NON_NUMERIC:
        key = "" if sort is None else f' data-sort="{html.escape(sort, quote=True)}"'
        return f'<td class="num"{key}>{html.escape(text)}</td>'
    if kind == "text" and len(text) > _WRAP_OVER:
        wrap = 'class="an-wrap" style="white-space:normal;min-width:16em"'
        return f"<td {wrap}>{html.escape(text)}</td>"
    return f"<td>{html.escape(text)}</td>"


def render_table(
    df: pd.DataFrame,
    kinds: Mapping[str, str],
    *,
    headers: Mapping[str, str] | None = None,
    index: bool = False,
    max_rows: int | None = None,
    caption: str | None = None,
) -> str:
    """Render a frame as an escaped HTML table that scrolls sideways when too wide.

    Parameters
    ----------
    df, kinds, headers, index
        As in `format_frame` (other columns default to ``"text"``).
    max_rows : int, optional
        Show the first `max_rows` rows, then a row ``… +N`` counting the rest.
    caption : str, optional
        Text of a ``<caption>``.

    Returns
    -------
    str
        A ``<div class="an-table-wrap">`` around a ``<table class="an-table">`` with one
        header row in ``<thead>`` and the rows in ``<tbody>`` (the page script sorts such
        tables by column); numeric cells have ``class="num"`` and the raw number in
        ``data-sort`` (none when missing); every header and cell is HTML-escaped.

    Examples
    --------
    >>> out = render_table(pd.DataFrame({"n": [5, 6, 7]}), {"n": "count"}, max_rows=1)
    >>> '<td class="num" data-sort="5">5</td>' in out, "… +2" in out
    (True, True)
    """
    if max_rows is not None and max_rows < 0:
        raise ValueError(f"max_rows must be >= 0, got {max_rows}")
    cells, resolved, hidden = _format_cells(df, kinds, headers, index, "text", max_rows)
    # the raw numbers behind the shown text, for the page's column sorter
    raw = (df.reset_index() if index else df).iloc[: len(cells)]
    sort = [[_sort_value(v, k) for v in raw.iloc[:, i].tolist()] for i, k in enumerate(resolved)]
    head = "".join(
        ("<th>" if k in _NON_NUMERIC else '<th class="num">') + f"{html.escape(str(h))}</th>"
        for h, k in zip(cells.columns, resolved, strict=True)
    )
    rows = [
        "<tr>"
        + "".join(
            _td(t, k, sort[i][r]) for i, (t, k) in enumerate(zip(values, resolved, strict=True))
        )
        + "</tr>"
        for r, values in enumerate(cells.itertuples(index=False, name=None))
    ]
    if hidden:
        more = format_value(hidden, "count")
        rows.append(
            f'<tr><td colspan="{max(len(resolved), 1)}" class="an-muted">… +{more}</td></tr>'
        )
    cap = "" if caption is None else f"<caption>{html.escape(caption)}</caption>"
    return (
        '<div class="an-table-wrap" style="overflow-x:auto;max-width:100%">'
        f'<table class="an-table">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


@dataclass(frozen=True, eq=False)
class Table:
    """A table a report section returns: raw numbers plus how to show them.

    ``eq=False``: ``==`` on DataFrames is elementwise, so tables compare by identity.

    Examples
    --------
    >>> t = Table(pd.DataFrame({"hr": [1.18]}), {"hr": "ratio"}, headers={"hr": "HR"})
    >>> '<th class="num">HR</th>' in t._repr_html_(), float(t.frame["hr"].iloc[0])
    (True, 1.18)
    """

    frame: pd.DataFrame  # the raw numbers, untouched (analysts pull it apart)
    kinds: Mapping[str, str]
    headers: Mapping[str, str] | None = None
    index: bool = False
    max_rows: int | None = None
    caption: str | None = None

    def __post_init__(self) -> None:
        for kind in self.kinds.values():
            _check_kind(kind)

    def _repr_html_(self) -> str:
        return render_table(
            self.frame,
            self.kinds,
            headers=self.headers,
            index=self.index,
            max_rows=self.max_rows,
            caption=self.caption,
        )
