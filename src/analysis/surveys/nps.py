"""NPS and CSAT with confidence intervals, month-over-month change, response rate.

NPS (净推荐值) = % promoters (推荐者, 9–10) − % detractors (贬损者, 0–6), −100..100.
Each response is +1, 0 or −1, so NPS is 100 × a mean and its variance is
``(p_P + p_D − (p_P − p_D)²) / n``; the interval is that Wald interval on an
adjusted count (one pseudo-response in each group, Agresti–Coull's idea), which keeps
small groups away from zero-width intervals. CSAT (客户满意度) is the share answering
4 or 5 on 1–5 (top-two box) with a Wilson interval, and the mean.
Month-over-month change is tested with the two-sample z test on the same variances.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.schema import CSAT, CUSTOMER_ID, RESPONSE_DATE, SCORE

__all__ = [
    "NPS_GROUPS",
    "compute_csat",
    "compute_monthly_change",
    "compute_nps",
    "compute_response_rate",
    "nps_groups",
]

NPS_GROUPS = ("detractor", "passive", "promoter")
# The groups' words are the catalogue's ``class.nps_group.<group>`` entries.


def nps_groups(score: pd.Series) -> pd.Series:
    """NPS group of each 0–10 score: detractor (0–6), passive (7–8), promoter (9–10).

    Examples
    --------
    >>> nps_groups(pd.Series([0, 6, 7, 9, None])).tolist()
    ['detractor', 'detractor', 'passive', 'promoter', nan]
    """
    s = pd.to_numeric(score, errors="coerce")
    out = pd.Series(
        np.select([s <= 6, s <= 8], ["detractor", "passive"], "promoter"),
        index=s.index,
        dtype=object,
    )
    return out.where(s.notna())


def _nps_row(scores: pd.Series, level: float) -> dict:
    s = pd.to_numeric(scores, errors="coerce").dropna()
    n = len(s)
    p = int((s >= 9).sum())
    d = int((s <= 6).sum())
    z = stats.norm.ppf(0.5 + level / 2)
    row = {"responses": n, "promoters": p, "passives": n - p - d, "detractors": d}
    if n == 0:
        return {**row, "nps": np.nan, "nps_low": np.nan, "nps_high": np.nan, "nps_se": np.nan}
    nps = (p - d) / n
    pa, da, na = (p + 1) / (n + 3), (d + 1) / (n + 3), n + 3
    se = np.sqrt((pa + da - (pa - da) ** 2) / na)
    centre = pa - da
    return {
        **row,
        "nps": 100 * nps,
        "nps_low": 100 * max(centre - z * se, -1),
        "nps_high": 100 * min(centre + z * se, 1),
        "nps_se": 100 * se,
    }


def _groups(df: pd.DataFrame, by: str | list[str] | None):
    if by is None:
        return [((), df)]
    cols = [by] if isinstance(by, str) else list(by)
    # A missing group (anonymous answer, unknown tier) is a group of its own.
    keyed = df.assign(**{c: df[c].astype(object).where(df[c].notna(), "unknown") for c in cols})
    return list(keyed.groupby(by, observed=True))


def compute_nps(
    surveys: pd.DataFrame,
    *,
    by: str | list[str] | None = None,
    score_col: str = SCORE,
    level: float = 0.95,
) -> pd.DataFrame:
    """NPS with a confidence interval, overall or per group.

    Parameters
    ----------
    surveys : pandas.DataFrame
        One row per response with ``score_col`` (0–10; missing scores are skipped).
    by : str or list of str, optional
        Grouping columns (``month``, ``segment``, ``value_tier``, ``channel``).

    Returns
    -------
    pandas.DataFrame
        ``[by...,] responses, promoters, passives, detractors, nps, nps_low,
        nps_high, nps_se`` (NPS on −100..100).

    Examples
    --------
    >>> df = pd.DataFrame({"score": [10, 9, 8, 3]})
    >>> float(compute_nps(df)["nps"].iloc[0])
    25.0
    """
    rows = []
    keys = [by] if isinstance(by, str) else (by or [])
    for key, g in _groups(surveys, by):
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, key, strict=False)), **_nps_row(g[score_col], level)})
    return pd.DataFrame(rows)


def compute_csat(
    surveys: pd.DataFrame,
    *,
    by: str | list[str] | None = None,
    csat_col: str = CSAT,
    level: float = 0.95,
) -> pd.DataFrame:
    """CSAT: share of 4–5 answers (Wilson interval) and the mean (t interval).

    Returns
    -------
    pandas.DataFrame
        ``[by...,] responses, csat`` (share satisfied, 0–1), ``csat_low``,
        ``csat_high``, ``csat_mean``, ``csat_mean_low``, ``csat_mean_high``.

    Examples
    --------
    >>> round(float(compute_csat(pd.DataFrame({"csat": [5, 4, 2, 5]}))["csat"].iloc[0]), 2)
    0.75
    """
    z = stats.norm.ppf(0.5 + level / 2)
    rows = []
    keys = [by] if isinstance(by, str) else (by or [])
    for key, g in _groups(surveys, by):
        key = key if isinstance(key, tuple) else (key,)
        s = pd.to_numeric(g[csat_col], errors="coerce").dropna()
        n = len(s)
        row = dict(zip(keys, key, strict=False))
        if n == 0:
            rows.append({**row, "responses": 0})
            continue
        p = float((s >= 4).mean())
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        mean, sem = float(s.mean()), float(s.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
        t = stats.t.ppf(0.5 + level / 2, max(n - 1, 1))
        rows.append(
            {
                **row,
                "responses": n,
                "csat": p,
                "csat_low": centre - half,
                "csat_high": centre + half,
                "csat_mean": mean,
                "csat_mean_low": mean - t * sem,
                "csat_mean_high": mean + t * sem,
            }
        )
    return pd.DataFrame(rows)


def compute_monthly_change(monthly: pd.DataFrame, *, month_col: str = "month") -> pd.DataFrame:
    """Month-over-month NPS change and whether it is more than noise.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Output of ``compute_nps(surveys, by="month")`` (sorted by month here).

    Returns
    -------
    pandas.DataFrame
        ``month, nps, change`` (points vs the previous month), ``change_low``,
        ``change_high`` (95%), ``p_value`` (two-sided z test), ``significant``
        (p < 0.05).
    """
    m = monthly.sort_values(month_col).reset_index(drop=True)
    prev_nps, prev_se = m["nps"].shift(), m["nps_se"].shift()
    change = m["nps"] - prev_nps
    se = np.sqrt(m["nps_se"] ** 2 + prev_se**2)
    z = change / se
    p = 2 * stats.norm.sf(np.abs(z))
    return pd.DataFrame(
        {
            month_col: m[month_col],
            "responses": m["responses"],
            "nps": m["nps"],
            "change": change,
            "change_low": change - 1.96 * se,
            "change_high": change + 1.96 * se,
            "p_value": p,
            "significant": p < 0.05,
        }
    )


def compute_response_rate(
    surveys: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    month_col: str = "month",
    signup_col: str | None = "signup_date",
) -> pd.DataFrame:
    """Respondents per month as a share of the known customer base.

    Without an invitation list the denominator is every customer known at the month's
    end (signed up by then when ``signup_col`` is present): this is *coverage*, a
    lower bound of the response rate among those invited. Anonymous responses (no
    ``customer_id``) are counted separately.

    Returns
    -------
    pandas.DataFrame
        ``month, responses, respondents`` (distinct identified customers),
        ``anonymous``, ``customer_base``, ``response_rate``.
    """
    s = surveys.copy()
    ident = s[CUSTOMER_ID].fillna("").astype(str).str.strip() != ""
    s["_ident"] = ident
    base_dates = None
    if signup_col and signup_col in customers.columns:
        base_dates = pd.to_datetime(customers[signup_col], errors="coerce")
    rows = []
    for month, g in s.groupby(month_col, observed=True):
        end = pd.Period(str(month), "M").end_time
        if base_dates is not None:
            base = int(((base_dates <= end) | base_dates.isna()).sum())
        else:
            base = len(customers)
        who = g.loc[g["_ident"], CUSTOMER_ID].nunique()
        rows.append(
            {
                month_col: month,
                "responses": len(g),
                "respondents": who,
                "anonymous": int((~g["_ident"]).sum()),
                "customer_base": base,
                "response_rate": who / base if base else np.nan,
            }
        )
    return pd.DataFrame(rows)


def add_month(surveys: pd.DataFrame, *, date_col: str = RESPONSE_DATE) -> pd.DataFrame:
    """A copy with ``month`` (``YYYY-MM`` text) from the response date."""
    out = surveys.copy()
    out["month"] = pd.to_datetime(out[date_col]).dt.strftime("%Y-%m")
    return out
