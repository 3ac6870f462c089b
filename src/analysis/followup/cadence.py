"""Follow-up cadence: who has gone too long without a contact, and who carries the load.

The playbook's ``cadence`` (:func:`analysis.segmentation.playbook.assign_cadence`) gives
each customer a target number of days between contacts and a channel, by tier (key
accounts a visit a month, high value a call a month, mid value a WeChat a quarter, low
value campaigns only). The follow-up log (``interactions``) says when each customer was
last contacted. A customer is **overdue** when the days since the last contact (or,
never contacted, since signing up) exceed the target.

:func:`contact_history` runs in the engine (Ibis); the rest works on the per-customer
frames a page already holds.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analysis.followup.contact_effect import _epoch_day
from analysis.schema import CUSTOMER_ID, DATE, KIND

__all__ = [
    "HISTORY_COLUMNS",
    "QUARTER_DAYS",
    "UNASSIGNED",
    "contact_history",
    "channel_mix",
    "cadence_by_group",
    "overdue_followups",
    "owner_workload",
]

#: Days of "the last quarter" (contacts per quarter) and of the channel mix's year (x 4).
QUARTER_DAYS = 91
#: Owner code of customers without an account owner (labelled by the catalogue).
UNASSIGNED = "__unassigned__"
HISTORY_COLUMNS = [
    "last_contact",
    "days_since_contact",
    "last_kind",
    "contacts_quarter",
    "contacts_year",
]


def _known(interactions: ir.Table, end: int) -> ir.Table:
    i = interactions
    i = i.filter(i[CUSTOMER_ID].notnull() & i[DATE].notnull())
    i = i.mutate(cid=i[CUSTOMER_ID].cast("string"), d=i[DATE].cast("date").epoch_days())
    return i.filter(i.d <= end)


def contact_history(interactions: ir.Table, *, as_of) -> pd.DataFrame:
    """Per customer: the last contact, its kind, and contacts in the last quarter and year.

    Interactions dated after ``as_of`` are not yet known and are ignored.

    Parameters
    ----------
    interactions : ibis.Table
        ``customer_id``, ``date``; ``kind`` optional.
    as_of : date-like

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (customers with at least one contact): ``last_contact``
        (Timestamp), ``days_since_contact``, ``last_kind`` (the kind of the latest contact;
        on a tie the first kind in alphabetical order), ``contacts_quarter`` and
        ``contacts_year`` (contacts dated in the last 91 and 364 days, ``as_of`` included).

    Examples
    --------
    >>> ix = ibis.memtable(pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "date": pd.to_datetime(["2024-01-05", "2024-06-20", "2023-01-01"]).date,
    ...     "kind": ["visit", "call", "email"]}))
    >>> h = contact_history(ix, as_of="2024-06-30")
    >>> h[["days_since_contact", "last_kind", "contacts_quarter", "contacts_year"]].values.tolist()
    [[10, 'call', 1, 2], [546, 'email', 0, 0]]
    """
    end = _epoch_day(as_of)
    i = _known(interactions, end)
    kind = i[KIND].cast("string") if KIND in i.columns else ibis.literal("", "string")
    i = i.mutate(k=kind.fill_null(""))
    last = i.group_by(i.cid).aggregate(
        last_d=i.d.max(),
        quarter=(i.d > end - QUARTER_DAYS).sum(),
        year=(i.d > end - 4 * QUARTER_DAYS).sum(),
    )
    on_last = i.join(last, [i.cid == last.cid, i.d == last.last_d])
    kinds = on_last.group_by(on_last.cid).aggregate(last_kind=on_last.k.min())
    out = last.join(kinds, "cid").execute()
    out = out.set_index(out["cid"].astype(str).rename(CUSTOMER_ID)).sort_index()
    origin = pd.Timestamp("1970-01-01")
    return pd.DataFrame(
        {
            "last_contact": origin + pd.to_timedelta(out["last_d"].astype(int), unit="D"),
            "days_since_contact": (end - out["last_d"]).astype(int),
            "last_kind": out["last_kind"].replace("", None),
            "contacts_quarter": out["quarter"].fillna(0).astype(int),
            "contacts_year": out["year"].fillna(0).astype(int),
        }
    )


def channel_mix(interactions: ir.Table, groups: pd.Series, *, as_of) -> pd.DataFrame:
    """Contacts of the last year by group and kind (the channels each group hears from).

    Parameters
    ----------
    interactions : ibis.Table
    groups : pandas.Series
        Group code per customer id (e.g. ``cadence_group``).
    as_of : date-like

    Returns
    -------
    pandas.DataFrame
        Rows: groups (in ``groups``' order of first appearance), columns: kinds (most used
        first), values: contacts in the last 364 days. Customers not in ``groups`` are left
        out.
    """
    end = _epoch_day(as_of)
    i = _known(interactions, end)
    i = i.filter(i.d > end - 4 * QUARTER_DAYS)
    kind = i[KIND].cast("string") if KIND in i.columns else ibis.literal("", "string")
    i = i.mutate(k=kind.fill_null(""))
    counts = i.group_by([i.cid, i.k]).aggregate(n=i.count()).execute()
    counts["group"] = counts["cid"].astype(str).map(groups)
    counts = counts.dropna(subset=["group"])
    table = counts.pivot_table(index="group", columns="k", values="n", aggfunc="sum", fill_value=0)
    order = [g for g in pd.unique(groups.dropna()) if g in table.index]
    table = table.reindex(order)
    return table[table.sum().sort_values(ascending=False, kind="stable").index].astype(int)


def _clock(customers: pd.DataFrame, history: pd.DataFrame, as_of) -> pd.DataFrame:
    """Days since the last contact, or since signing up for customers never contacted."""
    as_of = pd.Timestamp(as_of).normalize()
    h = history.reindex(customers.index)
    signup = (
        pd.to_datetime(customers["signup_date"], errors="coerce")
        if "signup_date" in customers.columns
        else pd.Series(pd.NaT, index=customers.index)
    )
    never = h["days_since_contact"].isna()
    since_signup = (as_of - signup).dt.days.clip(lower=0)
    days = h["days_since_contact"].where(~never, since_signup)
    return pd.DataFrame(
        {
            "days_since_contact": h["days_since_contact"],
            "never_contacted": never,
            "clock_days": days,
            "last_kind": h["last_kind"],
            "contacts_quarter": h["contacts_quarter"].fillna(0).astype(int),
            "contacts_year": h["contacts_year"].fillna(0).astype(int),
        },
        index=customers.index,
    )


def cadence_by_group(
    cadence: pd.DataFrame, customers: pd.DataFrame, history: pd.DataFrame, *, as_of
) -> pd.DataFrame:
    """Per cadence group: target, customers, days since contact, contacts per quarter.

    Parameters
    ----------
    cadence : pandas.DataFrame
        :func:`~analysis.segmentation.playbook.assign_cadence` output (per customer).
    customers : pandas.DataFrame
        Indexed by ``customer_id``; ``signup_date`` used for never-contacted customers.
    history : pandas.DataFrame
        :func:`contact_history` output.
    as_of : date-like

    Returns
    -------
    pandas.DataFrame
        Indexed by ``cadence_group`` in playbook order: ``every_days``, ``channel``,
        ``customers``, ``never_contacted``, ``median_days_since_contact`` (contacted
        customers), ``contacts_per_quarter`` (mean per customer over the last year),
        ``within_target`` (share of customers whose clock is within the target; NaN for
        campaign-only groups), ``overdue``.
    """
    clock = _clock(customers.reindex(cadence.index), history, as_of)
    df = cadence.join(clock)
    df["overdue"] = df["clock_days"] > df["every_days"]
    rows = {}
    for group, g in df.groupby("cadence_group", sort=False):
        every = g["every_days"].iloc[0]
        has_target = pd.notna(every)
        rows[group] = {
            "every_days": every,
            "channel": g["channel"].iloc[0],
            "customers": len(g),
            "never_contacted": int(g["never_contacted"].sum()),
            "median_days_since_contact": (
                g["days_since_contact"].median()
                if g["days_since_contact"].notna().any()
                else np.nan
            ),
            "contacts_per_quarter": g["contacts_year"].mean() / 4,
            "within_target": (g["clock_days"] <= every).mean() if has_target else np.nan,
            "overdue": int(g["overdue"].sum()),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    return out.rename_axis("cadence_group")


def overdue_followups(
    cadence: pd.DataFrame,
    customers: pd.DataFrame,
    history: pd.DataFrame,
    *,
    as_of,
    risk: pd.DataFrame | None = None,
    value: pd.Series | None = None,
) -> pd.DataFrame:
    """Customers whose last contact is older than their group's target, most urgent first.

    Ranked by value at risk (churn probability × expected value, from the churn page's
    list, when the customer is scored), then by value (net spend to date), then by the days
    overdue; campaign-only groups are never overdue.

    Parameters
    ----------
    cadence, customers, history, as_of
        As in :func:`cadence_by_group`. ``customers`` may hold ``account_owner``.
    risk : pandas.DataFrame, optional
        Indexed by ``customer_id``: ``churn_prob``, ``value_at_risk``.
    value : pandas.Series, optional
        Net spend to date per customer.

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``customer_id``, ``account_owner`` (:data:`UNASSIGNED` when empty),
        ``cadence_group``, ``every_days``, ``days_since_contact`` (NaN: never),
        ``never_contacted``, ``overdue_days``, ``last_kind``, ``channel`` (suggested),
        ``churn_prob``, ``value_at_risk``, ``value``.

    Examples
    --------
    >>> cad = pd.DataFrame({"cadence_group": ["high_value"] * 3, "every_days": 30.0,
    ...     "channel": "call"}, index=pd.Index(["a", "b", "c"], name="customer_id"))
    >>> cust = pd.DataFrame({"signup_date": pd.to_datetime(["2024-01-01"] * 3)},
    ...                     index=cad.index)
    >>> hist = pd.DataFrame({"days_since_contact": [10, 45], "last_kind": ["call", "visit"],
    ...     "contacts_quarter": [1, 1], "contacts_year": [2, 1]},
    ...     index=pd.Index(["a", "b"], name="customer_id"))
    >>> out = overdue_followups(cad, cust, hist, as_of="2024-06-30")
    >>> out[["customer_id", "overdue_days", "never_contacted"]].values.tolist()
    [['c', 151.0, True], ['b', 15.0, False]]
    """
    clock = _clock(customers.reindex(cadence.index), history, as_of)
    df = cadence.join(clock)
    df["overdue_days"] = df["clock_days"] - df["every_days"]
    df = df[df["overdue_days"] > 0].copy()
    owner = customers.get("account_owner")
    owner = owner.reindex(df.index) if owner is not None else pd.Series(None, index=df.index)
    df["account_owner"] = owner.replace("", None).fillna(UNASSIGNED).astype(str)
    r = risk.reindex(df.index) if risk is not None else pd.DataFrame(index=df.index)
    df["churn_prob"] = r["churn_prob"] if "churn_prob" in r else np.nan
    df["value_at_risk"] = r["value_at_risk"] if "value_at_risk" in r else np.nan
    df["value"] = value.reindex(df.index) if value is not None else np.nan
    df = df.rename_axis(CUSTOMER_ID).reset_index()
    df = df.sort_values(
        ["value_at_risk", "value", "overdue_days", CUSTOMER_ID],
        ascending=[False, False, False, True],
        na_position="last",
        kind="stable",
        ignore_index=True,
    )
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    cols = ["rank", CUSTOMER_ID, "account_owner", "cadence_group", "every_days",
            "days_since_contact", "never_contacted", "overdue_days", "last_kind", "channel",
            "churn_prob", "value_at_risk", "value"]  # fmt: skip
    return df[cols]


def owner_workload(
    cadence: pd.DataFrame,
    customers: pd.DataFrame,
    overdue: pd.DataFrame,
    *,
    risk: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per account owner: customers, those with a target cadence, overdue, value at risk.

    Parameters
    ----------
    cadence, customers
        As in :func:`overdue_followups`.
    overdue : pandas.DataFrame
        :func:`overdue_followups` output.
    risk : pandas.DataFrame, optional
        ``value_at_risk`` per customer (the churn page's list).
    history : pandas.DataFrame, optional
        :func:`contact_history` output, for contacts in the last quarter.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``account_owner`` (:data:`UNASSIGNED` last), sorted by overdue
        follow-ups: ``customers``, ``with_cadence``, ``overdue``, ``overdue_share``,
        ``value_at_risk`` (of all the owner's customers), ``overdue_value_at_risk``,
        ``contacts_quarter`` (contacts of the owner's customers in the last 91 days).
    """
    owner = customers.get("account_owner")
    owner = owner.reindex(cadence.index) if owner is not None else pd.Series(index=cadence.index)
    owner = owner.replace("", None).fillna(UNASSIGNED).astype(str)
    var = (
        risk["value_at_risk"].reindex(cadence.index).fillna(0.0)
        if risk is not None and "value_at_risk" in risk
        else pd.Series(0.0, index=cadence.index)
    )
    contacts = (
        history["contacts_quarter"].reindex(cadence.index).fillna(0)
        if history is not None
        else pd.Series(0, index=cadence.index)
    )
    df = pd.DataFrame(
        {
            "account_owner": owner,
            "with_cadence": cadence["every_days"].notna(),
            "value_at_risk": var,
            "contacts_quarter": contacts,
        }
    )
    by = df.groupby("account_owner")
    out = pd.DataFrame(
        {
            "customers": by.size(),
            "with_cadence": by["with_cadence"].sum().astype(int),
            "value_at_risk": by["value_at_risk"].sum(),
            "contacts_quarter": by["contacts_quarter"].sum().astype(int),
        }
    )
    od = overdue.groupby("account_owner")
    out["overdue"] = od.size().reindex(out.index).fillna(0).astype(int)
    out["overdue_value_at_risk"] = od["value_at_risk"].sum().reindex(out.index).fillna(0.0)
    out["overdue_share"] = out["overdue"] / out["with_cadence"].where(out["with_cadence"] > 0)
    out["_last"] = out.index == UNASSIGNED
    out = out.sort_values(["_last", "overdue", "value_at_risk"], ascending=[True, False, False])
    cols = ["customers", "with_cadence", "overdue", "overdue_share", "value_at_risk",
            "overdue_value_at_risk", "contacts_quarter"]  # fmt: skip
    return out[cols].rename_axis("account_owner")
