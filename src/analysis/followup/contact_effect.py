"""Does contact keep customers? Churn hazard with and without recent contact.

Each non-contract customer is followed from their first purchase in steps of
``step_days`` (start–stop rows, the counting-process form of a Cox model) until they
churn or the data end. A row says whether the customer's owner had been in touch in the
``window_days`` before the row's start, and how many purchase days the customer had
made by then. A time-varying Cox model (lifelines' ``CoxTimeVaryingFitter``) compares
the churn hazard of contacted and not-contacted rows at the same customer age.

Churn follows :func:`analysis.survival.compute_noncontract_survival`: silence longer
than ``churn_after_days`` since the last purchase, dated when it becomes known (last
purchase + ``churn_after_days``); a customer silent for less at ``as_of`` is censored.

No look-ahead: every covariate of a row is computed from data dated strictly before
the row's start (``first purchase + start`` days): contacts on ``[start - window,
start)`` and purchase days ``< start``. A contact or purchase on the start day itself
counts for the next row. Only the outcome (``event``) looks forward, as it must.

Contact is not randomised: owners call the customers they worry about (or the ones
they like), so the hazard ratio is an association adjusted for ``purchases_before``,
not the effect a new calling campaign would have.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from lifelines import CoxTimeVaryingFitter
from lifelines.exceptions import ConvergenceError

from analysis.schema import (
    AMOUNT,
    CUSTOMER_ID,
    CUSTOMER_TYPE,
    DATE,
    END_DATE,
    ORDER_DATE,
    START_DATE,
)

__all__ = [
    "INTERVAL_COLUMNS",
    "MIN_EVENTS",
    "ContactEffect",
    "build_contact_intervals",
    "build_contract_intervals",
    "fit_contact_effect",
]

INTERVAL_COLUMNS = ["customer_id", "start", "stop", "event", "contacted", "purchases_before"]
#: Fewest churn events for a group's own estimate (about 10 per covariate, two covariates).
MIN_EVENTS = 20
# skip reasons of a group: catalogue keys; the numbers a note needs are skipped's columns
SKIP_TOO_FEW_EVENTS = "followup.skip.too_few_events"  # customers, events, need
SKIP_NO_CONTRAST = "followup.skip.no_contact_contrast"  # all rows contacted, or none
SKIP_NOT_CONVERGED = "followup.skip.not_converged"
COVARIATES = ["contacted", "log1p_purchases_before"]
GROUP_COLUMNS = ["hazard_ratio", "ci_lower", "ci_upper", "p", "customers", "events"]
SKIPPED_COLUMNS = ["reason", "customers", "events", "need"]


def _epoch_day(value) -> int:
    return int((pd.Timestamp(pd.Timestamp(value).date()) - pd.Timestamp("1970-01-01")).days)


def _expand_rows(spells: ir.Table, step: int) -> ir.Table:
    """Rows ``[k step, (k+1) step)`` of each spell (``cid``, ``origin`` day, ``follow``
    days, ``churned``), the last one cut at ``follow`` and carrying the event."""
    spells = spells.filter(spells.follow > 0)
    spells = spells.mutate(n_rows=(spells.follow / step).ceil().cast("int64"))
    rows = spells.mutate(k=ibis.range(0, spells.n_rows, 1).unnest())
    rows = rows.mutate(start=(rows.k * step).cast("float64"))
    return rows.mutate(
        stop=ibis.least(rows.start + step, rows.follow),
        event=(rows.churned & (rows.k == rows.n_rows - 1)).cast("int64"),
        s_day=rows.origin + rows.k * step,
    )


def _mark_contacted(rows: ir.Table, interactions: ir.Table, end: int) -> ir.Table:
    """Add ``i_day``: the latest contact strictly before each row's start day (a contact
    on the start day counts for the next row); interactions after ``end`` are unknown."""
    i = interactions
    i = i.filter(i[CUSTOMER_ID].notnull() & i[DATE].notnull())
    i = i.mutate(i_day=i[DATE].cast("date").epoch_days()).filter(lambda x: x.i_day <= end)
    i = i.group_by(i_cid=i[CUSTOMER_ID].cast("string"), i_day=i.i_day).aggregate()
    return rows.asof_join(i, rows.s_day > i.i_day, predicates=[rows.cid == i.i_cid])


def _check_days(window_days, step_days) -> None:
    for name, value in (("window_days", window_days), ("step_days", step_days)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name}: must be a whole number of days >= 1, got {value}")


def _check_columns(*specs) -> None:
    for table, name, cols in specs:
        missing = [c for c in cols if c not in table.columns]
        if missing:
            raise ValueError(f"{name}: column(s) {missing} are missing")


def build_contact_intervals(
    transactions: ir.Table,
    interactions: ir.Table,
    *,
    as_of,
    churn_after_days: float,
    window_days: int = 90,
    step_days: int = 30,
) -> pd.DataFrame:
    """Start–stop rows per customer: churn, recent contact and purchases so far.

    Built as one Ibis expression run by the engine; only the rows come back to pandas.

    A customer's clock starts on their first purchase day (day 0). With ``D`` the
    follow-up (``last purchase - first + churn_after_days`` when the customer has been
    silent for more than ``churn_after_days`` at ``as_of``, else ``as_of - first``),
    the rows are ``[0, step), [step, 2·step), ...`` with the last one cut at ``D``.
    Purchases are the transactions with a positive ``amount`` on or before ``as_of``,
    counted by day; interactions after ``as_of`` are ignored. A customer whose first
    purchase is on ``as_of`` has no time at risk and no rows.

    Parameters
    ----------
    transactions : ibis.Table
        ``customer_id``, ``order_date``, ``amount``.
    interactions : ibis.Table
        ``customer_id``, ``date`` (any ``kind`` counts as a contact).
    as_of : date-like
        Period end: the data known.
    churn_after_days : float
        Days of silence after which a customer counts as churned (e.g.
        :func:`analysis.survival.choose_churn_threshold`); must be > 0.
    window_days : int
        A row is ``contacted`` when an interaction falls in the ``window_days`` days
        before its start.
    step_days : int
        Length of a row, days.

    Returns
    -------
    pandas.DataFrame
        One row per customer and step, sorted by ``customer_id`` and ``start``:
        ``customer_id`` (str), ``start``, ``stop`` (float, days since the first
        purchase; ``stop > start``), ``event`` (1 on the row in which churn becomes
        known, at ``stop``; else 0), ``contacted`` (1 when an interaction is dated on
        ``[first + start - window_days, first + start)``), ``purchases_before``
        (purchase days before ``first + start``: 0 on the first row). Every covariate
        uses only data dated before the row's start.

    Examples
    --------
    >>> tx = ibis.memtable(pd.DataFrame({"customer_id": ["a", "a"],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-21"]).date,
    ...     "amount": [10.0, 5.0]}))
    >>> ix = ibis.memtable(pd.DataFrame({"customer_id": ["a"],
    ...     "date": pd.to_datetime(["2024-01-25"]).date, "kind": ["call"]}))
    >>> out = build_contact_intervals(tx, ix, as_of="2024-06-30", churn_after_days=45)
    >>> out[["start", "stop", "event", "contacted", "purchases_before"]].values.tolist()
    [[0.0, 30.0, 0.0, 0.0, 0.0], [30.0, 60.0, 0.0, 1.0, 2.0], [60.0, 65.0, 1.0, 1.0, 2.0]]
    """
    if not churn_after_days > 0:
        raise ValueError(f"churn_after_days: must be > 0, got {churn_after_days}")
    _check_days(window_days, step_days)
    _check_columns(
        (transactions, "transactions", (CUSTOMER_ID, ORDER_DATE, AMOUNT)),
        (interactions, "interactions", (CUSTOMER_ID, DATE)),
    )
    end = _epoch_day(as_of)
    thr = float(churn_after_days)
    step, window = int(step_days), int(window_days)

    t = transactions
    t = t.filter(t[CUSTOMER_ID].notnull() & (t[AMOUNT] > 0))
    t = t.mutate(pday=t[ORDER_DATE].cast("date").epoch_days())
    t = t.filter(t.pday <= end)
    pdays = t.group_by(cid=t[CUSTOMER_ID].cast("string"), pday=t.pday).aggregate()
    # cumulative purchase days: the as-of join below picks the count up to a row's start
    w = ibis.window(group_by=pdays.cid, order_by=pdays.pday)
    pdays = pdays.mutate(n=ibis.row_number().over(w) + 1)

    cust = pdays.group_by(pdays.cid).aggregate(first=pdays.pday.min(), last=pdays.pday.max())
    churned = (end - cust["last"]) > thr
    follow = churned.ifelse(
        (cust["last"] - cust["first"]).cast("float64") + thr,
        (end - cust["first"]).cast("float64"),
    )
    cust = cust.mutate(churned=churned, follow=follow, origin=cust["first"])
    rows = _expand_rows(cust, step)

    # latest purchase day strictly before the start: no purchase on or after it is seen
    p = pdays.select(p_cid=pdays.cid, p_day=pdays.pday, p_n=pdays.n)
    rows = rows.asof_join(p, rows.s_day > p.p_day, predicates=[rows.cid == p.p_cid])
    rows = _mark_contacted(rows, interactions, end)
    out = rows.select(
        customer_id=rows.cid,
        start=rows.start,
        stop=rows.stop,
        event=rows.event,
        contacted=(rows.i_day.notnull() & (rows.i_day >= rows.s_day - window)).cast("int64"),
        purchases_before=rows.p_n.fill_null(0).cast("int64"),
    )
    df = out.execute()
    df["customer_id"] = df["customer_id"].astype(str)
    df = df.sort_values(["customer_id", "start"], kind="stable", ignore_index=True)
    df = df.astype(
        {"start": float, "stop": float, "event": int, "contacted": int, "purchases_before": int}
    )
    return df[INTERVAL_COLUMNS]


def build_contract_intervals(
    subscriptions: ir.Table,
    interactions: ir.Table,
    customers: ir.Table | None = None,
    *,
    as_of,
    window_days: int = 90,
    step_days: int = 30,
) -> pd.DataFrame:
    """Start–stop rows per contract: its end (churn), recent contact and adjusters.

    Contract customers are where churn is observed, not inferred: the contract's
    ``end_date``. Each contract is followed from its ``start_date`` (day 0) in steps of
    ``step_days`` until it ends (the event, at ``end - start``) or ``as_of`` (censored).
    A row is ``contacted`` when an interaction is dated in the ``window_days`` before its
    start (the same no-look-ahead rule as :func:`build_contact_intervals`, contacts
    before the contract started included). Built in the engine.

    Adjusters (columns ``x_*``, fixed per contract): ``x_business`` (1 for business
    customers, when ``customers`` has ``customer_type``: owners call business accounts
    more, and they churn differently) and one 0/1 column ``x_plan=<plan>`` per plan other
    than the most common one (when the table has ``plan``).

    Parameters
    ----------
    subscriptions : ibis.Table
        ``customer_id``, ``start_date``, ``end_date`` (empty while running), optional
        ``plan``.
    interactions : ibis.Table
        ``customer_id``, ``date``.
    customers : ibis.Table, optional
        ``customer_id`` and ``customer_type``.
    as_of : date-like
        Period end; contracts starting after it, and data dated after it, are unknown.
    window_days, step_days : int

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``spell_id`` (``customer_id`` then ``#2``, ``#3`` ... for a
        customer's later contracts), ``start``, ``stop``, ``event``, ``contacted`` and
        the ``x_*`` adjusters, sorted by ``spell_id`` and ``start``.

    Examples
    --------
    >>> subs = ibis.memtable(pd.DataFrame({"customer_id": ["a", "b"],
    ...     "start_date": pd.to_datetime(["2024-01-01", "2024-03-01"]).date,
    ...     "end_date": pd.to_datetime(["2024-02-20", None]).date}))
    >>> ix = ibis.memtable(pd.DataFrame({"customer_id": ["a"],
    ...     "date": pd.to_datetime(["2024-01-10"]).date}))
    >>> out = build_contract_intervals(subs, ix, as_of="2024-04-15")
    >>> cols = ["spell_id", "start", "stop", "event", "contacted"]
    >>> out[cols].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['a', 0.0, 30.0, 0, 0], ['a', 30.0, 50.0, 1, 1],
     ['b', 0.0, 30.0, 0, 0], ['b', 30.0, 45.0, 0, 0]]
    """
    _check_days(window_days, step_days)
    _check_columns(
        (subscriptions, "subscriptions", (CUSTOMER_ID, START_DATE, END_DATE)),
        (interactions, "interactions", (CUSTOMER_ID, DATE)),
    )
    end = _epoch_day(as_of)
    step, window = int(step_days), int(window_days)
    s = subscriptions.filter(
        subscriptions[CUSTOMER_ID].notnull() & subscriptions[START_DATE].notnull()
    )
    s = s.mutate(
        cid=s[CUSTOMER_ID].cast("string"),
        origin=s[START_DATE].cast("date").epoch_days(),
        e_day=s[END_DATE].cast("date").epoch_days(),
        plan_code=s["plan"].cast("string") if "plan" in s.columns else ibis.null("string"),
    )
    s = s.filter(s.origin < end)
    w = ibis.window(group_by=s.cid, order_by=[s.origin, s.e_day])
    s = s.mutate(n_spell=ibis.row_number().over(w) + 1)
    churned = s.e_day.notnull() & (s.e_day <= end)
    s = s.mutate(
        spell=(s.n_spell == 1).ifelse(s.cid, s.cid + "#" + s.n_spell.cast("string")),
        churned=churned,
        follow=churned.ifelse(s.e_day - s.origin, end - s.origin).cast("float64"),
    )
    rows = _mark_contacted(_expand_rows(s, step), interactions, end)
    out = rows.select(
        customer_id=rows.cid,
        spell_id=rows.spell,
        start=rows.start,
        stop=rows.stop,
        event=rows.event,
        contacted=(rows.i_day.notnull() & (rows.i_day >= rows.s_day - window)).cast("int64"),
        plan=rows.plan_code,
    )
    df = out.execute()
    df = df.astype({"customer_id": str, "spell_id": str, "start": float, "stop": float,
                    "event": int, "contacted": int})  # fmt: skip
    df = df.sort_values(["spell_id", "start"], kind="stable", ignore_index=True)
    cols = ["customer_id", "spell_id", "start", "stop", "event", "contacted"]
    if customers is not None and CUSTOMER_TYPE in customers.columns:
        kinds = customers.select(
            customer_id=customers[CUSTOMER_ID].cast("string"), t=customers[CUSTOMER_TYPE]
        ).execute()
        business = df["customer_id"].map(dict(zip(kinds["customer_id"], kinds["t"], strict=True)))
        df["x_business"] = (business == "business").astype(int)
        cols.append("x_business")
    plans = df.drop_duplicates("spell_id")["plan"].dropna()
    if plans.nunique() > 1:
        reference = plans.value_counts().sort_index().idxmax()
        for value in sorted(set(plans) - {reference}):
            df[f"x_plan={value}"] = (df["plan"] == value).astype(int)
            cols.append(f"x_plan={value}")
    return df[cols]


@dataclass(frozen=True)
class ContactEffect:
    """Hazard ratio of recent contact, overall and per group.

    Contact is not randomised: owners call the customers they worry about (or like),
    so this is an association adjusted for purchases so far, not a causal effect.

    Attributes
    ----------
    hazard_ratio, ci_lower, ci_upper, p : float
        Churn hazard of contacted rows against not-contacted rows at the same customer
        age and purchases so far; 95% Wald interval; two-sided p.
    n_customers, n_events, n_intervals : int
    contacted_share : float
        Share of rows marked ``contacted``.
    summary : pandas.DataFrame
        lifelines' summary of the overall fit (``contacted``,
        ``log1p_purchases_before``).
    by : str or None
    groups : pandas.DataFrame
        Indexed by group (when ``by``): ``hazard_ratio``, ``ci_lower``, ``ci_upper``,
        ``p``, ``customers``, ``events``.
    skipped : pandas.DataFrame
        Indexed by group: ``reason`` (a ``followup.skip.*`` catalogue key),
        ``customers``, ``events``, ``need`` (the minimum number of events).
    """

    hazard_ratio: float
    ci_lower: float
    ci_upper: float
    p: float
    n_customers: int
    n_events: int
    n_intervals: int
    contacted_share: float
    summary: pd.DataFrame
    by: str | None = None
    groups: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=GROUP_COLUMNS))
    skipped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SKIPPED_COLUMNS))


def _design(rows: pd.DataFrame) -> pd.DataFrame:
    """The model frame: id, start, stop, event, ``contacted`` and the adjusters
    (``log1p_purchases_before`` when there is ``purchases_before``, and every ``x_*``
    column that varies)."""
    ids = rows["spell_id"] if "spell_id" in rows.columns else rows["customer_id"]
    df = pd.DataFrame(
        {
            "id": ids.to_numpy(),
            "start": rows["start"].to_numpy(float),
            "stop": rows["stop"].to_numpy(float),
            "event": rows["event"].to_numpy(int),
            "contacted": rows["contacted"].to_numpy(float),
        }
    )
    if "purchases_before" in rows.columns:
        df["log1p_purchases_before"] = np.log1p(rows["purchases_before"].to_numpy(float))
    for col in rows.columns:
        if col.startswith("x_") and rows[col].nunique() > 1:
            df[col] = rows[col].to_numpy(float)
    return df


def _fit(rows: pd.DataFrame, penalizer: float) -> pd.DataFrame:
    f = CoxTimeVaryingFitter(penalizer=penalizer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines' convergence hints; failures raise
        f.fit(_design(rows), id_col="id", event_col="event", start_col="start", stop_col="stop")
    return f.summary


def _estimate(summary: pd.DataFrame) -> dict:
    r = summary.loc["contacted"]
    return {
        "hazard_ratio": float(r["exp(coef)"]),
        "ci_lower": float(r["exp(coef) lower 95%"]),
        "ci_upper": float(r["exp(coef) upper 95%"]),
        "p": float(r["p"]),
    }


def fit_contact_effect(
    intervals: pd.DataFrame,
    *,
    by: str | None = None,
    penalizer: float = 0.0,
    min_events: int = MIN_EVENTS,
) -> ContactEffect:
    """Fit churn on recent contact with a time-varying Cox model.

    Covariates: ``contacted``; ``log1p(purchases_before)`` when the rows have
    ``purchases_before`` (:func:`build_contact_intervals`: owners call their larger
    customers more, and those churn less); every ``x_*`` adjuster that varies
    (:func:`build_contract_intervals`: customer type, plan). Subjects are ``spell_id``
    when present, else ``customer_id``. Ties in ``stop`` are handled by Efron's method
    (lifelines).

    The hazard ratio is an association, not an effect: contact is not randomised;
    owners call the customers they worry about, or the ones they like. Only the
    adjusters are held equal.

    Parameters
    ----------
    intervals : pandas.DataFrame
        :func:`build_contact_intervals` output, plus the ``by`` column when given.
    by : str, optional
        Group column (e.g. a value tier; normally constant per customer and fixed
        before follow-up: a tier computed from spend to date partly encodes who left).
        Each group with at least ``min_events`` events and both contacted and
        not-contacted rows gets its own fit; the others are listed in ``skipped``.
    penalizer : float
        L2 penalizer of lifelines.
    min_events : int

    Returns
    -------
    ContactEffect

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> c = rng.integers(0, 2, 400)
    >>> rows = pd.DataFrame({"customer_id": np.arange(400).astype(str), "start": 0.0,
    ...     "stop": rng.exponential(30 / np.where(c == 1, 0.5, 1.0)).round() + 1,
    ...     "event": 1, "contacted": c, "purchases_before": rng.integers(0, 5, 400)})
    >>> fx = fit_contact_effect(rows)
    >>> fx.n_customers, fx.n_events, fx.hazard_ratio < 1
    (400, 400, True)
    """
    need = ["customer_id", "start", "stop", "event", "contacted"] + ([by] if by else [])
    missing = [c for c in need if c not in intervals.columns]
    if missing:
        raise ValueError(f"intervals: column(s) {missing} are missing")
    bad = ~(intervals["stop"] > intervals["start"])
    if bad.any():
        raise ValueError(
            f"intervals: {int(bad.sum())} rows have stop <= start "
            f"(first at index {list(intervals.index[bad][:5])})"
        )
    for col in ("event", "contacted"):
        if not intervals[col].isin((0, 1)).all():
            raise ValueError(f"intervals: column {col!r} must be 0 or 1")
    n_events = int(intervals["event"].sum())
    if n_events < 2:
        raise ValueError(f"intervals: {n_events} churn events; need at least 2 to fit")
    if intervals["contacted"].nunique() < 2:
        raise ValueError("intervals: 'contacted' is the same on every row; nothing to compare")
    summary = _fit(intervals, penalizer)

    groups, skipped = {}, {}
    if by is not None:
        for name, rows in intervals.groupby(by, sort=True, dropna=True):
            n = {
                "customers": int(rows["customer_id"].nunique()),
                "events": int(rows["event"].sum()),
            }
            reason = None
            if n["events"] < min_events:
                reason = SKIP_TOO_FEW_EVENTS
            elif rows["contacted"].nunique() < 2:
                reason = SKIP_NO_CONTRAST
            else:
                try:
                    groups[str(name)] = {**_estimate(_fit(rows, penalizer)), **n}
                except ConvergenceError:
                    reason = SKIP_NOT_CONVERGED
            if reason is not None:
                skipped[str(name)] = {"reason": reason, **n, "need": int(min_events)}
    groups_df = pd.DataFrame.from_dict(groups, orient="index", columns=GROUP_COLUMNS)
    skipped_df = pd.DataFrame.from_dict(skipped, orient="index", columns=SKIPPED_COLUMNS)
    return ContactEffect(
        **_estimate(summary),
        n_customers=int(intervals["customer_id"].nunique()),
        n_events=n_events,
        n_intervals=len(intervals),
        contacted_share=float(intervals["contacted"].mean()),
        summary=summary,
        by=by,
        groups=groups_df.rename_axis(by),
        skipped=skipped_df.rename_axis(by),
    )
