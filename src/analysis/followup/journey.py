"""The customer journey: signup to first and second purchase, stage flows, touchpoints.

Transaction-level work runs in the engine (Ibis); pandas starts at one row per customer
(or per touchpoint day). A customer's lifecycle stage at a date is
:func:`analysis.segmentation.lifecycle.assign_lifecycle` on the same ``orders``,
``recency_days`` and ``tenure_days`` that :func:`analysis.features.compute_customer_features`
gives as of that date: purchases are rows with a positive ``amount``; ``orders`` counts
distinct order ids (a row without an id is one order per customer and day, and without an
``order_id`` column each positive row is an order); recency and tenure run from the last and
first purchase day to the date. So with the same thresholds, a stage here is the stage the
segmentation page shows for that date.

The customers at a date are those of the ``customers`` table who had signed up by then (or
whose signup date is unknown) and anyone with a transaction dated by then (also customers
missing from the ``customers`` table), as in ``compute_customer_features``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analysis.schema import (
    AMOUNT,
    CUSTOMER_ID,
    DATE,
    KIND,
    ORDER_DATE,
    ORDER_ID,
    RESPONSE_DATE,
    SIGNUP_DATE,
)
from analysis.segmentation.labels import ORDERS
from analysis.segmentation.lifecycle import LifecycleThresholds, assign_lifecycle
from analysis.segmentation.migration import ARRIVED, compute_transition_matrix

__all__ = [
    "ARRIVED",
    "CONVERSIONS",
    "FUNNEL_STEPS",
    "JourneyTimes",
    "StageFlow",
    "Touchpoints",
    "compute_funnel",
    "compute_journey_times",
    "compute_stage_flow",
    "compute_touchpoints",
]

STAGES: list[str] = ORDERS["lifecycle"]
FUNNEL_STEPS = ("signed_up", "first_purchase", "second_purchase", "loyal")
#: Named conversions of :func:`compute_stage_flow`: the stages at ``start`` that are at
#: risk of the move (its denominator); what counts as moving is in that function's notes.
CONVERSIONS: dict[str, tuple[str, ...]] = {
    "first_purchase": ("potential",),
    "new_to_active_loyal": ("new",),
    "active_to_loyal": ("active",),
    "to_dormant": ("new", "active", "loyal"),
    "dormant_to_churned": ("dormant",),
    "win_back": ("dormant", "churned"),
}
TIMES_COLUMNS = [
    "customers", "no_signup_date", "first_before_signup", "with_first", "with_second",
    "first_share", "second_share", "days_to_first_q25", "days_to_first_median",
    "days_to_first_q75", "days_to_second_q25", "days_to_second_median", "days_to_second_q75",
]  # fmt: skip
CONVERSION_COLUMNS = ["conversion", "at_risk", "moved", "rate"]
TOUCH_COLUMNS = ["touchpoints", "customers", "per_customer"]
_EPOCH = pd.Timestamp("1970-01-01")


# -- arguments -------------------------------------------------------------------------------
def _day(value, name: str) -> int:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: not a date: {value!r}") from exc
    if pd.isna(ts):
        raise ValueError(f"{name}: not a date: {value!r}")
    return int((ts.tz_localize(None) if ts.tzinfo else ts).normalize().value // 86_400_000_000_000)


def _to_date(day: int) -> dt.date:
    return (_EPOCH + pd.Timedelta(days=int(day))).date()


def _dates(days: pd.Series) -> pd.Series:
    """Epoch days to datetimes, missing as NaT. Whole days go through integers: pandas'
    float path rounds unset slots behind the NaNs and trips a global ``np.seterr`` set to
    raise (seen once on a fresh machine, from another library)."""
    d = pd.to_numeric(days, errors="coerce")
    out = pd.Series(pd.NaT, index=d.index, dtype="datetime64[ns]", name=days.name)
    ok = d.notna()
    if ok.any():
        out[ok] = _EPOCH + pd.to_timedelta(d[ok].astype("int64"), unit="D")
    return out


def _table(table, name: str, cols: Sequence[str]) -> ir.Table:
    if not isinstance(table, ir.Table):
        raise ValueError(f"{name}: expected an Ibis table, got {type(table).__name__}")
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise ValueError(f"{name}: column(s) {missing} are missing")
    return table


def _by(by, customers: ir.Table) -> list[str]:
    cols = [by] if isinstance(by, str) else list(by or ())
    if not all(isinstance(c, str) for c in cols):
        raise ValueError(f"by: expected column names, got {by!r}")
    missing = [c for c in cols if c not in customers.columns or c == CUSTOMER_ID]
    if missing:
        raise ValueError(f"by: column(s) {missing} are not attributes of customers")
    return cols


def _thresholds(thresholds) -> LifecycleThresholds:
    if not isinstance(thresholds, LifecycleThresholds):
        raise ValueError(
            f"thresholds: expected LifecycleThresholds, got {type(thresholds).__name__}"
        )
    return thresholds


# -- engine ----------------------------------------------------------------------------------
def _purchase_days(transactions: ir.Table, end: int) -> ir.Table:
    """Per customer and purchase day: ``new_orders`` first seen that day, running ``orders``,
    ``k`` (0 on the first purchase day) and the customer's ``first`` purchase day."""
    t = transactions
    t = t.filter(t[CUSTOMER_ID].notnull() & (t[AMOUNT] > 0))
    t = t.mutate(_cid=t[CUSTOMER_ID].cast("string"), _day=t[ORDER_DATE].cast("date").epoch_days())
    t = t.filter(t._day <= end)
    if ORDER_ID in t.columns:
        # an order counts on the first day it has a positive row, once (features' nunique)
        key = t[ORDER_ID].cast("string").fill_null(t._cid + "|" + t._day.cast("string"))
        orders = t.group_by(cid=t._cid, key=key).aggregate(day=t._day.min())
        days = orders.group_by("cid", "day").aggregate(new_orders=orders.count())
    else:
        days = t.group_by(cid=t._cid, day=t._day).aggregate(new_orders=t.count())
    return days.mutate(
        k=ibis.row_number().over(ibis.window(group_by=days.cid, order_by=days.day)),
        orders=days.new_orders.sum().over(
            ibis.cumulative_window(group_by=days.cid, order_by=days.day)
        ),
        first=days.day.min().over(ibis.window(group_by=days.cid)),
    )


def _customer_frame(
    customers: ir.Table, transactions: ir.Table, *, end: int, at: Sequence[int], attrs: list[str]
) -> pd.DataFrame:
    """One row per customer at ``end``: attributes, ``signup_day``, ``first_day``,
    ``second_day`` and, for each day ``at[i]``, ``last_i`` and ``orders_i`` (days since epoch)."""
    pdays = _purchase_days(transactions, end)
    metrics = {"first_day": pdays.day.min(), "second_day": pdays.day.min(where=pdays.k == 1)}
    for i, d in enumerate(at):
        metrics[f"last_{i}"] = pdays.day.max(where=pdays.day <= d)
        metrics[f"orders_{i}"] = pdays.new_orders.sum(where=pdays.day <= d)
    per = pdays.group_by("cid").aggregate(**metrics)

    t = transactions.filter(transactions[CUSTOMER_ID].notnull())
    t = t.mutate(_cid=t[CUSTOMER_ID].cast("string"), _day=t[ORDER_DATE].cast("date").epoch_days())
    seen = t.filter(t._day <= end).group_by(cid=t._cid).aggregate(seen_day=t._day.min())

    c = customers.filter(customers[CUSTOMER_ID].notnull())
    signup = (
        c[SIGNUP_DATE].cast("date").epoch_days() if SIGNUP_DATE in c.columns else ibis.null("int64")
    )
    c = c.select(*attrs, cid=c[CUSTOMER_ID].cast("string"), signup_day=signup, in_table=True)
    ids = c.select("cid").union(seen.select("cid"), distinct=True)
    out = ids
    for j, right in enumerate((c, seen, per)):
        right = right.rename({f"_k{j}": "cid"})
        out = out.left_join(right, out.cid == right[f"_k{j}"]).drop(f"_k{j}")
    known = out.in_table.fill_null(False) & (out.signup_day.isnull() | (out.signup_day <= end))
    out = out.filter(known | (out.seen_day <= end))
    df = out.execute()
    df = df.rename(columns={"cid": CUSTOMER_ID}).set_index(CUSTOMER_ID).sort_index()
    for col in df.columns:
        if col.endswith("_day") or col.startswith(("last_", "orders_")):
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    return df


def _stage(frame: pd.DataFrame, i: int, day: int, thresholds: LifecycleThresholds) -> pd.Series:
    orders = frame[f"orders_{i}"].fillna(0.0)
    features = pd.DataFrame(
        {
            "orders": orders,
            "recency_days": day - frame[f"last_{i}"],
            "tenure_days": day - frame["first_day"].where(orders > 0),
        },
        index=frame.index,
    )
    return assign_lifecycle(features, thresholds)


def _groups(frame: pd.DataFrame, by: list[str]):
    """``(key dict, rows)`` per group; missing attribute values form their own group."""
    if not by:
        yield {}, frame
        return
    for key, rows in frame.groupby(by, dropna=False, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        yield dict(zip(by, key, strict=True)), rows


# -- journey times -----------------------------------------------------------------------------
@dataclass(frozen=True)
class JourneyTimes:
    """Days from signup to the first purchase and from the first to the second.

    Attributes
    ----------
    customers : pandas.DataFrame
        Indexed by ``customer_id``: the ``by`` columns, ``signup_date``,
        ``first_purchase``, ``second_purchase`` (datetime64, NaT when none),
        ``days_to_first`` (first purchase minus signup; negative when the purchase
        predates the recorded signup), ``days_to_second`` (second purchase day minus first).
    summary : pandas.DataFrame
        One row per group: the ``by`` columns, then ``customers``, ``no_signup_date``,
        ``first_before_signup``, ``with_first``, ``with_second``, ``first_share``
        (``with_first / customers``), ``second_share`` (``with_second / with_first``),
        ``days_to_first_q25`` / ``_median`` / ``_q75`` and the same for
        ``days_to_second``.
    as_of : datetime.date
    """

    customers: pd.DataFrame
    summary: pd.DataFrame
    as_of: dt.date


def _quartiles(values: pd.Series, name: str) -> dict[str, float]:
    v = values.dropna()
    q = v.quantile([0.25, 0.5, 0.75]).tolist() if len(v) else [np.nan] * 3
    return {f"{name}_q25": q[0], f"{name}_median": q[1], f"{name}_q75": q[2]}


def compute_journey_times(
    customers: ir.Table,
    transactions: ir.Table,
    *,
    as_of,
    by: str | Sequence[str] = ("channel", "customer_type"),
) -> JourneyTimes:
    """Signup to first purchase and first to second purchase, per customer and group.

    Purchases are transactions with a positive ``amount`` dated on or before ``as_of``;
    the second purchase is the next purchase *day* (a basket split into two orders on
    one day is not a repeat purchase). Quartiles of ``days_to_first`` use customers with
    a signup date no later than their first purchase: a customer without one is counted
    in ``no_signup_date``, one who bought before the recorded signup in
    ``first_before_signup``. Quartiles are over customers who converted by ``as_of``;
    recent signups had less time, so they are not a survival estimate.

    Parameters
    ----------
    customers, transactions : ibis.Table
        Contract tables (``customer_id``, ``signup_date`` and the ``by`` columns;
        ``customer_id``, ``order_date``, ``amount`` and optionally ``order_id``).
    as_of : date-like
        The last day counted.
    by : str or sequence of str
        Attributes of ``customers`` to group by; ``()`` for one row.

    Returns
    -------
    JourneyTimes

    Examples
    --------
    >>> cu = ibis.memtable(pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...     "signup_date": pd.to_datetime(["2024-01-01", "2024-01-05", None]).date}))
    >>> tx = ibis.memtable(pd.DataFrame({"customer_id": ["a", "a", "c"],
    ...     "order_date": pd.to_datetime(["2024-01-11", "2024-02-10", "2024-01-03"]).date,
    ...     "amount": [10.0, 5.0, 7.0]}))
    >>> jt = compute_journey_times(cu, tx, as_of="2024-03-31", by=())
    >>> jt.customers[["days_to_first", "days_to_second"]].values.tolist()
    [[10.0, 30.0], [nan, nan], [nan, nan]]
    >>> jt.summary[["customers", "no_signup_date", "with_first", "with_second"]].values.tolist()
    [[3, 1, 2, 1]]
    """
    _table(customers, "customers", (CUSTOMER_ID,))
    _table(transactions, "transactions", (CUSTOMER_ID, ORDER_DATE, AMOUNT))
    end, cols = _day(as_of, "as_of"), _by(by, customers)
    frame = _customer_frame(customers, transactions, end=end, at=(), attrs=cols)
    per = frame[cols].copy()
    per["signup_date"] = _dates(frame["signup_day"])
    per["first_purchase"] = _dates(frame["first_day"])
    per["second_purchase"] = _dates(frame["second_day"])
    per["days_to_first"] = frame["first_day"] - frame["signup_day"]
    per["days_to_second"] = frame["second_day"] - frame["first_day"]

    rows = []
    for key, g in _groups(per, cols):
        n, first = len(g), int(g["first_purchase"].notna().sum())
        second = int(g["second_purchase"].notna().sum())
        rows.append(
            {
                **key,
                "customers": n,
                "no_signup_date": int(g["signup_date"].isna().sum()),
                "first_before_signup": int((g["days_to_first"] < 0).sum()),
                "with_first": first,
                "with_second": second,
                "first_share": first / n if n else np.nan,
                "second_share": second / first if first else np.nan,
                **_quartiles(g["days_to_first"].where(g["days_to_first"] >= 0), "days_to_first"),
                **_quartiles(g["days_to_second"], "days_to_second"),
            }
        )
    summary = pd.DataFrame(rows, columns=cols + TIMES_COLUMNS)
    return JourneyTimes(customers=per, summary=summary, as_of=_to_date(end))


# -- funnel ------------------------------------------------------------------------------------
def compute_funnel(
    customers: ir.Table,
    transactions: ir.Table,
    *,
    as_of,
    thresholds: LifecycleThresholds,
    by: str | Sequence[str] = ("channel", "customer_type"),
) -> pd.DataFrame:
    """Customers signed up, with a first purchase, a second purchase day, and loyal.

    All as of ``as_of``: ``signed_up`` counts the customers at that date (module notes),
    ``first_purchase`` and ``second_purchase`` those with one and two purchase days,
    ``loyal`` those whose lifecycle stage is loyal (the segmentation page's count). A
    customer who placed several orders on one day only can be loyal without a second
    purchase day, so the last step is nested in the others only in practice.

    Returns
    -------
    pandas.DataFrame
        One row per group and step, steps in :data:`FUNNEL_STEPS` order: the ``by``
        columns, ``step``, ``customers``, ``share_of_signed_up``, ``share_of_previous``
        (NaN on the first step).

    Examples
    --------
    >>> tx = ibis.memtable(pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01",
    ...                                   "2024-03-01"]).date, "amount": [1.0, 1.0, 1.0, 1.0]}))
    >>> cu = ibis.memtable(pd.DataFrame({"customer_id": ["a", "b", "c"]}))
    >>> f = compute_funnel(cu, tx, as_of="2024-03-10", by=(),
    ...                    thresholds=LifecycleThresholds(30, 60, 20, 3))
    >>> f["customers"].tolist()
    [3, 2, 1, 1]
    """
    _table(customers, "customers", (CUSTOMER_ID,))
    _table(transactions, "transactions", (CUSTOMER_ID, ORDER_DATE, AMOUNT))
    end, cols, thr = _day(as_of, "as_of"), _by(by, customers), _thresholds(thresholds)
    frame = _customer_frame(customers, transactions, end=end, at=(end,), attrs=cols)
    frame["loyal"] = _stage(frame, 0, end, thr) == "loyal"
    rows = []
    for key, g in _groups(frame, cols):
        counts = [
            len(g),
            int(g["first_day"].notna().sum()),
            int(g["second_day"].notna().sum()),
            int(g["loyal"].sum()),
        ]
        for j, (step, n) in enumerate(zip(FUNNEL_STEPS, counts, strict=True)):
            rows.append(
                {
                    **key,
                    "step": step,
                    "customers": n,
                    "share_of_signed_up": n / counts[0] if counts[0] else np.nan,
                    "share_of_previous": (n / counts[j - 1] if counts[j - 1] else np.nan)
                    if j
                    else np.nan,
                }
            )
    return pd.DataFrame(
        rows, columns=cols + ["step", "customers", "share_of_signed_up", "share_of_previous"]
    )


# -- stage flow --------------------------------------------------------------------------------
@dataclass(frozen=True)
class StageFlow:
    """Lifecycle stages at two dates and the moves between them.

    Attributes
    ----------
    stages : pandas.DataFrame
        Indexed by ``customer_id`` (customers at ``as_of``): the ``by`` columns,
        ``stage_start`` (``"(arrived)"`` for a customer not yet there at ``start``),
        ``stage_end``, ``bought_between`` (a purchase in ``(start, as_of]``).
    matrix : pandas.DataFrame
        Customers from each ``stage_start`` (rows, ``"(arrived)"`` included) to each
        ``stage_end`` (columns); stages nobody had are left out.
    flows : pandas.DataFrame
        The same counts long, per group: the ``by`` columns, ``from``, ``to``,
        ``customers`` (non-zero cells only).
    conversions : pandas.DataFrame
        One row per :data:`CONVERSIONS` entry: ``conversion``, ``at_risk``, ``moved``,
        ``rate`` (``moved / at_risk``; NaN when nobody was at risk).
    groups : pandas.DataFrame
        ``conversions`` per group, with the ``by`` columns first (empty without ``by``).
    start, as_of : datetime.date
    thresholds : LifecycleThresholds
    """

    stages: pd.DataFrame
    matrix: pd.DataFrame
    flows: pd.DataFrame
    conversions: pd.DataFrame
    start: dt.date
    as_of: dt.date
    thresholds: LifecycleThresholds
    groups: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CONVERSION_COLUMNS))


def _conversions(s: pd.DataFrame) -> list[dict]:
    a, b = s["stage_start"], s["stage_end"]
    moved = {
        "first_purchase": b != "potential",
        "new_to_active_loyal": b.isin(["active", "loyal"]),
        "active_to_loyal": b == "loyal",
        "to_dormant": b.isin(["dormant", "churned"]),
        "dormant_to_churned": b == "churned",
        "win_back": s["bought_between"],
    }
    rows = []
    for name, sources in CONVERSIONS.items():
        risk = a.isin(sources)
        n, m = int(risk.sum()), int((risk & moved[name]).sum())
        rows.append({"conversion": name, "at_risk": n, "moved": m, "rate": m / n if n else np.nan})
    return rows


def compute_stage_flow(
    customers: ir.Table,
    transactions: ir.Table,
    *,
    as_of,
    start,
    thresholds: LifecycleThresholds,
    by: str | Sequence[str] | None = None,
) -> StageFlow:
    """Every customer's lifecycle stage at ``start`` and at ``as_of``, and the conversions.

    Both stages use the same ``thresholds`` (normally the segmentation page's,
    ``classes.attrs["lifecycle_thresholds"]``). A conversion's ``at_risk`` are the
    customers in its from-stages at ``start`` (:data:`CONVERSIONS`); they ``moved`` when:

    - ``first_purchase``: potential, and not potential at ``as_of`` (bought since);
    - ``new_to_active_loyal``: new, and active or loyal at ``as_of``;
    - ``active_to_loyal``: active, and loyal at ``as_of``;
    - ``to_dormant``: new, active or loyal, and dormant or churned at ``as_of`` (silent
      past ``dormant_after``; passing on to churned includes going dormant);
    - ``dormant_to_churned``: dormant, and churned at ``as_of``;
    - ``win_back``: dormant or churned, and a purchase in ``(start, as_of]``.

    Customers who arrived after ``start`` are in ``matrix`` and ``flows`` only.

    Parameters
    ----------
    customers, transactions : ibis.Table
    as_of, start : date-like
        ``start < as_of``.
    thresholds : LifecycleThresholds
    by : str or sequence of str, optional
        Attributes of ``customers`` for :attr:`StageFlow.groups` and ``flows``.

    Returns
    -------
    StageFlow

    Examples
    --------
    >>> tx = ibis.memtable(pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-03-20", "2024-01-10"]).date,
    ...     "amount": [1.0, 1.0, 1.0]}))
    >>> cu = ibis.memtable(pd.DataFrame({"customer_id": ["a", "b"]}))
    >>> sf = compute_stage_flow(cu, tx, start="2024-02-15", as_of="2024-03-31",
    ...                         thresholds=LifecycleThresholds(30, 60, 20, 3))
    >>> sf.stages[["stage_start", "stage_end"]].values.tolist()
    [['dormant', 'active'], ['dormant', 'churned']]
    >>> sf.conversions[["conversion", "at_risk", "moved"]].values.tolist()[-1]
    ['win_back', 2, 1]
    """
    _table(customers, "customers", (CUSTOMER_ID,))
    _table(transactions, "transactions", (CUSTOMER_ID, ORDER_DATE, AMOUNT))
    end, first = _day(as_of, "as_of"), _day(start, "start")
    if first >= end:
        raise ValueError(f"start: must be before as_of ({_to_date(end)}), got {_to_date(first)}")
    cols, thr = _by(by, customers), _thresholds(thresholds)
    frame = _customer_frame(customers, transactions, end=end, at=(first, end), attrs=cols)
    known = frame["in_table"].notna() & (
        frame["signup_day"].isna() | (frame["signup_day"] <= first)
    )
    present = known | (frame["seen_day"] <= first)
    stages = frame[cols].copy()
    stages["stage_start"] = _stage(frame, 0, first, thr).where(present, ARRIVED)
    stages["stage_end"] = _stage(frame, 1, end, thr)
    stages["bought_between"] = frame["last_1"] > first

    matrix = compute_transition_matrix(
        stages.loc[present, ["stage_start"]].rename(columns={"stage_start": "lifecycle"}),
        stages[["stage_end"]].rename(columns={"stage_end": "lifecycle"}),
        "lifecycle",
    )
    order = {s: i for i, s in enumerate([ARRIVED, *STAGES])}
    flows = (
        stages.groupby([*cols, "stage_start", "stage_end"], dropna=False)
        .size()
        .rename("customers")
        .reset_index()
        .rename(columns={"stage_start": "from", "stage_end": "to"})
    )
    flows = flows.sort_values(
        [*cols, "from", "to"], key=lambda s: s.map(order) if s.name in ("from", "to") else s
    ).reset_index(drop=True)
    groups = [{**key, **row} for key, g in _groups(stages, cols) if cols for row in _conversions(g)]
    return StageFlow(
        stages=stages,
        matrix=matrix,
        flows=flows,
        conversions=pd.DataFrame(_conversions(stages), columns=CONVERSION_COLUMNS),
        start=_to_date(first),
        as_of=_to_date(end),
        thresholds=thr,
        groups=pd.DataFrame(groups, columns=cols + CONVERSION_COLUMNS),
    )


# -- touchpoints -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Touchpoints:
    """Interactions and survey responses by the customer's lifecycle stage at the time.

    Attributes
    ----------
    events : pandas.DataFrame
        One row per customer, day, ``source`` and ``kind``: ``customer_id``, ``date``
        (datetime64), ``source`` (``"interaction"`` or ``"survey"``), ``kind`` (the
        interaction kind; ``"survey"`` for responses), ``touchpoints`` (rows that day),
        ``stage``.
    by_stage : pandas.DataFrame
        One row per stage touched, in lifecycle order: ``stage``, ``touchpoints``,
        ``customers`` (distinct customers touched in that stage), ``per_customer``.
    by_kind : pandas.DataFrame
        The same per ``stage``, ``source`` and ``kind``.
    anonymous_responses : int
        Survey responses up to ``as_of`` without a customer id (no stage; left out).
    """

    events: pd.DataFrame
    by_stage: pd.DataFrame
    by_kind: pd.DataFrame
    anonymous_responses: int = 0


def _touch_counts(events: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    g = events.groupby(keys, sort=False)
    out = pd.DataFrame(
        {"touchpoints": g["touchpoints"].sum(), "customers": g[CUSTOMER_ID].nunique()}
    ).reset_index()
    out["touchpoints"] = out["touchpoints"].astype("int64")
    out["customers"] = out["customers"].astype("int64")
    out["per_customer"] = out["touchpoints"] / out["customers"]
    order = {s: i for i, s in enumerate(STAGES)}
    out = out.sort_values(keys, key=lambda s: s.map(order) if s.name == "stage" else s)
    return out.reset_index(drop=True)[keys + TOUCH_COLUMNS]


def compute_touchpoints(
    transactions: ir.Table,
    *,
    as_of,
    thresholds: LifecycleThresholds,
    interactions: ir.Table | None = None,
    surveys: ir.Table | None = None,
) -> Touchpoints:
    """The lifecycle stage each customer was in at each touchpoint, and counts per stage.

    The stage at a touchpoint on day ``d`` uses the purchases dated strictly before
    ``d``, with recency and tenure counted to ``d``: a purchase made the day of a call
    may be its result, so it does not count towards the stage the call was made in. That
    is ``assign_lifecycle`` on ``compute_customer_features`` as of ``d`` over the
    transactions dated before ``d``. The as-of lookup runs in the engine. Touchpoints
    after ``as_of`` are left out; a missing ``interactions`` or ``surveys`` table (None)
    adds nothing.

    Returns
    -------
    Touchpoints

    Examples
    --------
    >>> tx = ibis.memtable(pd.DataFrame({"customer_id": ["a"],
    ...     "order_date": pd.to_datetime(["2024-01-01"]).date, "amount": [5.0]}))
    >>> ix = ibis.memtable(pd.DataFrame({"customer_id": ["a", "a"], "kind": ["call", "call"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-02-15"]).date}))
    >>> tp = compute_touchpoints(tx, interactions=ix, as_of="2024-03-31",
    ...                          thresholds=LifecycleThresholds(30, 60, 20, 3))
    >>> tp.events["stage"].tolist()
    ['potential', 'dormant']
    """
    _table(transactions, "transactions", (CUSTOMER_ID, ORDER_DATE, AMOUNT))
    end, thr = _day(as_of, "as_of"), _thresholds(thresholds)
    parts, anonymous = [], 0
    if interactions is not None:
        i = _table(interactions, "interactions", (CUSTOMER_ID, DATE, KIND))
        i = i.filter(i[CUSTOMER_ID].notnull() & i[DATE].notnull())
        i = i.select(
            cid=i[CUSTOMER_ID].cast("string"),
            day=i[DATE].cast("date").epoch_days(),
            source=ibis.literal("interaction"),
            kind=i[KIND].cast("string"),
        )
        parts.append(i.filter(i.day <= end))
    if surveys is not None:
        s = _table(surveys, "surveys", (RESPONSE_DATE,))
        s = s.mutate(_day=s[RESPONSE_DATE].cast("date").epoch_days())
        s = s.filter(s._day <= end)
        if CUSTOMER_ID in s.columns:
            anonymous = int(s.filter(s[CUSTOMER_ID].isnull()).count().execute())
            s = s.filter(s[CUSTOMER_ID].notnull())
            parts.append(
                s.select(
                    cid=s[CUSTOMER_ID].cast("string"),
                    day=s._day,
                    source=ibis.literal("survey"),
                    kind=ibis.literal("survey"),
                )
            )
        else:
            anonymous = int(s.count().execute())
    columns = [CUSTOMER_ID, "date", "source", "kind", "touchpoints", "stage"]
    if not parts:
        empty = pd.DataFrame(columns=columns)
        return Touchpoints(
            events=empty,
            by_stage=pd.DataFrame(columns=["stage", *TOUCH_COLUMNS]),
            by_kind=pd.DataFrame(columns=["stage", "source", "kind", *TOUCH_COLUMNS]),
            anonymous_responses=anonymous,
        )
    ev = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
    ev = ev.group_by("cid", "day", "source", "kind").aggregate(touchpoints=ev.count())
    p = _purchase_days(transactions, end)
    p = p.select(p_cid=p.cid, p_day=p.day, p_orders=p.orders, p_first=p["first"])
    # the latest purchase day strictly before the touchpoint: none on the day itself
    ev = ev.asof_join(p, ev.day > p.p_day, predicates=[ev.cid == p.p_cid])
    df = ev.select("cid", "day", "source", "kind", "touchpoints", "p_day", "p_orders", "p_first")
    df = df.execute()
    for col in ("day", "p_day", "p_orders", "p_first"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    features = pd.DataFrame(
        {
            "orders": df["p_orders"].fillna(0.0),
            "recency_days": df["day"] - df["p_day"],
            "tenure_days": df["day"] - df["p_first"],
        }
    )
    events = pd.DataFrame(
        {
            CUSTOMER_ID: df["cid"].astype(str),
            "date": _dates(df["day"]),
            "source": df["source"].astype(str),
            "kind": df["kind"].astype(str),
            "touchpoints": df["touchpoints"].astype("int64"),
            "stage": assign_lifecycle(features, thr).to_numpy(),
        }
    )
    events = events.sort_values([CUSTOMER_ID, "date", "source", "kind"], ignore_index=True)
    return Touchpoints(
        events=events[columns],
        by_stage=_touch_counts(events, ["stage"]),
        by_kind=_touch_counts(events, ["stage", "source", "kind"]),
        anonymous_responses=anonymous,
    )
