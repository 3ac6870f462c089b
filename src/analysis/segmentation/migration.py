"""Month-over-month migration between segments, and the per-period snapshot it needs.

Each report saves ``<report_dir>/exports/segments.parquet`` (one row per customer:
the class codes and R/F/M). The next month reads it from
``<report_dir>/../<previous period>/exports/segments.parquet``. When it is missing
(first run, or the folder was moved), the previous period's segments are computed from
the warehouse as of the previous period end; features are point-in-time, so that
gives the same classes the earlier report would have shown (with this run's config).

A *harmful* flow is a move to a class of lower health (:data:`HEALTH`), e.g.
Champions -> At risk; the largest are called out in words.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.period import Period
from analysis.schema import CUSTOMER_ID
from analysis.segmentation.labels import ORDERS

__all__ = [
    "HEALTH",
    "SNAPSHOT_COLUMNS",
    "make_snapshot",
    "save_snapshot",
    "load_previous_snapshot",
    "compute_transition_matrix",
    "find_harmful_flows",
]

SNAPSHOT_NAME = Path("exports") / "segments.parquet"
SNAPSHOT_COLUMNS = (
    "period", "customer_type", "value_tier", "key_account_tier", "rfm_r", "rfm_f", "rfm_m",
    "rfm_segment", "rfm_eight", "lifecycle", "cluster", "action",
    "recency_days", "orders", "monetary_total",
)  # fmt: skip

#: Health of each class (higher is better); a move to a lower value is harmful.
HEALTH: dict[str, dict[str, int]] = {
    "rfm_segment": {
        "champions": 10, "loyal": 9, "potential_loyalist": 8, "new": 7, "promising": 6,
        "need_attention": 5, "about_to_sleep": 4, "cant_lose": 3, "at_risk": 3,
        "hibernating": 2, "lost": 1, "none": 0,
    },
    "lifecycle": {"loyal": 6, "active": 5, "new": 5, "potential": 4, "dormant": 2, "churned": 1},
    "value_tier": {"high": 3, "mid": 2, "low": 1},
    "rfm_eight": {
        "important_value": 8, "important_develop": 7, "important_retain": 6,
        "important_winback": 5, "general_value": 4, "general_develop": 3,
        "general_retain": 2, "general_winback": 1, "none": 0,
    },
}  # fmt: skip

ARRIVED = "(arrived)"


def make_snapshot(features: pd.DataFrame, classes: pd.DataFrame, period: str) -> pd.DataFrame:
    """The columns of :data:`SNAPSHOT_COLUMNS` present in ``classes``/``features``."""
    snap = pd.DataFrame(index=classes.index)
    snap["period"] = str(period)
    for col in SNAPSHOT_COLUMNS[1:]:
        if col in classes.columns:
            snap[col] = classes[col]
        elif col in features.columns:
            snap[col] = features[col].reindex(classes.index)
    snap.index.name = CUSTOMER_ID
    return snap


def save_snapshot(snapshot: pd.DataFrame, report_dir: str | Path | None) -> Path | None:
    """Write ``<report_dir>/exports/segments.parquet``; nothing when ``report_dir`` is empty."""
    if not report_dir:
        return None
    path = Path(report_dir) / SNAPSHOT_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    snapshot.to_parquet(path)
    return path


def load_previous_snapshot(
    report_dir: str | Path | None,
    period: str | Period,
    *,
    transactions=None,
    customers=None,
    config=None,
) -> tuple[pd.DataFrame | None, str, str]:
    """Last period's snapshot, from its report folder or recomputed from the warehouse.

    Parameters
    ----------
    report_dir : path or None
        This run's report folder; the previous report is looked for beside it.
    period : str or Period
        This run's period.
    transactions, customers : ibis.Table, optional
        Warehouse tables, to recompute the previous period when no snapshot exists.
    config : SegmentationConfig, optional

    Returns
    -------
    snapshot : pandas.DataFrame or None
        None when neither a file nor the tables are available, or no customer had
        bought by the previous period end.
    source : {"snapshot", "recomputed", "none"}
    previous : str
        The previous period (``YYYY-MM``).
    """
    per = period if isinstance(period, Period) else Period.parse(str(period))
    prev = per.previous()
    if report_dir:
        path = Path(report_dir).resolve().parent / str(prev) / SNAPSHOT_NAME
        if path.is_file():
            return pd.read_parquet(path), "snapshot", str(prev)
    if transactions is None:
        return None, "none", str(prev)
    from analysis.segmentation import compute_segments

    features, classes = compute_segments(transactions, customers, as_of=prev.end, config=config)
    if not (features["orders"] > 0).any():
        return None, "none", str(prev)
    return make_snapshot(features, classes, str(prev)), "recomputed", str(prev)


def compute_transition_matrix(
    previous: pd.DataFrame, current: pd.DataFrame, column: str
) -> pd.DataFrame:
    """Customers moving from each previous class (rows) to each current class (columns).

    Customers absent last period (signed up since) form the row ``"(arrived)"``.

    Examples
    --------
    >>> p = pd.DataFrame({"lifecycle": ["new", "active"]}, index=["a", "b"])
    >>> c = pd.DataFrame({"lifecycle": ["active", "dormant", "new"]}, index=["a", "b", "c"])
    >>> int(compute_transition_matrix(p, c, "lifecycle").loc["active", "dormant"])
    1
    """
    prev = previous[column].astype(object).reindex(current.index).fillna(ARRIVED)
    cur = current[column].astype(object)
    m = pd.crosstab(prev, cur)
    order = ORDERS.get(column, [])
    rows = [c for c in order if c in m.index] + [c for c in m.index if c not in order]
    cols = [c for c in order if c in m.columns] + [c for c in m.columns if c not in order]
    m = m.loc[rows, cols]
    m.index.name, m.columns.name = "from", "to"
    return m


def find_harmful_flows(matrix: pd.DataFrame, column: str, *, top: int = 5) -> pd.DataFrame:
    """The largest moves to a less healthy class.

    Returns
    -------
    pandas.DataFrame
        ``from``, ``to``, ``customers``, ``share_of_from`` (of the previous class's
        customers), largest first; at most ``top`` rows.

    Examples
    --------
    >>> m = pd.DataFrame([[5, 3], [1, 9]], index=["champions", "at_risk"],
    ...                  columns=["champions", "at_risk"])
    >>> find_harmful_flows(m, "rfm_segment")[["from", "to", "customers"]].values.tolist()
    [['champions', 'at_risk', 3]]
    """
    health = HEALTH.get(column, {})
    rows = []
    for a in matrix.index:
        if a == ARRIVED or a not in health:
            continue
        total = matrix.loc[a].sum()
        for b in matrix.columns:
            n = int(matrix.loc[a, b])
            if n and b in health and health[b] < health[a]:
                rows.append({"from": a, "to": b, "customers": n, "share_of_from": n / total})
    out = pd.DataFrame(rows, columns=["from", "to", "customers", "share_of_from"])
    return (
        out.sort_values(["customers", "from"], ascending=[False, True])
        .head(top)
        .reset_index(drop=True)
    )
