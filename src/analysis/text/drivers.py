"""Drivers: which themes go with lower scores, with effect sizes and intervals.

An ordinary least-squares model of the 0–10 score on theme mentions (0/1; a comment
may mention several), with heteroscedasticity-robust (HC3) standard errors because a
bounded score's spread differs by theme. A coefficient is "points on the 0–10 score
when the theme is mentioned, the other themes held fixed". Also reported: each theme's
detractor share and the difference from comments that do not mention it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["DRIVER_COLUMNS", "fit_drivers"]

#: Columns of :func:`fit_drivers`' result.
DRIVER_COLUMNS = ("theme", "name", "mentions", "effect", "effect_low", "effect_high", "p_value",
                  "detractor_share", "detractor_share_others")  # fmt: skip


def fit_drivers(
    mentions: pd.DataFrame,
    score: pd.Series,
    *,
    names: pd.Series | None = None,
    controls: pd.DataFrame | None = None,
    level: float = 0.95,
    min_mentions: int = 20,
) -> pd.DataFrame:
    """Effect of mentioning each theme on the score (OLS, HC3 intervals).

    Parameters
    ----------
    mentions : pandas.DataFrame
        Comment × theme booleans (:attr:`analysis.text.themes.ThemeModel.mentions`).
    score : pandas.Series
        0–10 score, same index; rows without a score are dropped.
    names : pandas.Series, optional
        Theme name by theme id, for the output.
    controls : pandas.DataFrame, optional
        Further covariates (e.g. language dummies), same index.
    min_mentions : int
        Themes mentioned fewer times (among rows with a score) are left out of the
        model; when none is left the result is empty (same columns).

    Returns
    -------
    pandas.DataFrame
        One row per theme, most negative effect first: ``theme``, ``name``,
        ``mentions``, ``effect`` (score points), ``effect_low``, ``effect_high``,
        ``p_value``, ``detractor_share`` (among comments mentioning it),
        ``detractor_share_others``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> m = pd.DataFrame(rng.random((400, 2)) < 0.3, columns=["a", "b"])
    >>> y = pd.Series(8 - 2.0 * m["a"] + rng.normal(0, 1, 400))
    >>> fit_drivers(m, y)["theme"].iloc[0]
    'a'
    """
    y = pd.to_numeric(score, errors="coerce").reindex(mentions.index)
    ok = y.notna()
    m = mentions.loc[ok]
    m = m.loc[:, m.sum() >= min_mentions]
    if m.shape[1] == 0:  # no theme is mentioned often enough to estimate its effect
        return pd.DataFrame(columns=list(DRIVER_COLUMNS))
    y = y[ok].to_numpy(float)
    cols = [m.astype(float)]
    if controls is not None:
        cols.append(controls.loc[m.index].astype(float))
    x = pd.concat(cols, axis=1)
    x.insert(0, "_const", 1.0)
    xm = x.to_numpy()
    xtx_inv = np.linalg.pinv(xm.T @ xm)
    beta = xtx_inv @ xm.T @ y
    resid = y - xm @ beta
    h = np.einsum("ij,jk,ik->i", xm, xtx_inv, xm)
    u = resid / np.clip(1 - h, 1e-8, None)
    cov = xtx_inv @ (xm.T * u**2) @ xm @ xtx_inv
    se = np.sqrt(np.diag(cov))
    dof = max(len(y) - xm.shape[1], 1)
    t = stats.t.ppf(0.5 + level / 2, dof)
    det = y <= 6
    rows = []
    for j, theme in enumerate(x.columns):
        if theme not in m.columns:
            continue
        hit = m[theme].to_numpy(bool)
        p = 2 * stats.t.sf(abs(beta[j] / se[j]), dof) if se[j] > 0 else np.nan
        rows.append(
            {
                "theme": theme,
                "name": names.get(theme, theme) if names is not None else theme,
                "mentions": int(hit.sum()),
                "effect": beta[j],
                "effect_low": beta[j] - t * se[j],
                "effect_high": beta[j] + t * se[j],
                "p_value": p,
                "detractor_share": det[hit].mean(),
                "detractor_share_others": det[~hit].mean() if (~hit).any() else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=list(DRIVER_COLUMNS)).sort_values("effect", ignore_index=True)
