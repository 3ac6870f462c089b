"""Hazard effects of a fitted churn model, and reasons phrased as contrasts.

A reason says how a customer's own group compares with the group at lowest risk:
"合同: 按月 — 流失风险是 两年合同 的 9.8 倍" / "plan: Month-to-month, 9.8× the churn hazard
of Two year". Only effects that are clear (the 95% interval of the contrast excludes 1)
and material (at least :data:`MIN_FACTOR`) are named.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.survival.covariates import _LOG_NUMERIC, OTHER_LEVEL, SEP

__all__ = ["MIN_FACTOR", "MEDIAN", "compute_reason_codes", "hazard_effects", "hazard_ratio_table"]

#: Smallest hazard multiplier named as a reason (a 20% higher churn hazard).
MIN_FACTOR = 1.2
#: z of the two-sided 95% interval.
_Z = 1.959964
#: The comparison level of a continuous covariate: the training median.
MEDIAN = "median"


def hazard_effects(model) -> tuple[pd.Series, pd.DataFrame]:
    """Log hazard ratios and their covariance, for a Cox or a Weibull AFT model.

    A Weibull AFT with shape ``ρ`` is also a proportional-hazards model: a time
    coefficient ``β`` multiplies the hazard by ``exp(-ρβ)``. Its covariance is scaled by
    ``ρ²`` (the uncertainty of ``ρ`` itself is ignored; it is small beside ``β``'s).

    Returns
    -------
    beta : pandas.Series
        Log hazard ratio per covariate (stratified covariates have none).
    cov : pandas.DataFrame
        Their covariance matrix.
    """
    f = model.fitter_
    params = f.params_
    if isinstance(params.index, pd.MultiIndex):  # Weibull AFT
        rho = float(np.exp(params.loc[("rho_", "Intercept")]))
        lam = params.loc["lambda_"].drop("Intercept", errors="ignore")
        V = f.variance_matrix_.loc["lambda_", "lambda_"].loc[lam.index, lam.index]
        return -rho * lam, V * rho**2
    return params.copy(), f.variance_matrix_.loc[params.index, params.index].copy()


def _family_reasons(c, spec_c, X, beta, cov):
    """Per customer: (code, comparison code, log factor, log lower bound) of family ``c``."""
    cols = {lv: f"{c}{SEP}{lv}" for lv in [*spec_c["levels"], OTHER_LEVEL]}
    present = {lv: col for lv, col in cols.items() if col in X.columns}
    if any(col not in beta.index for col in present.values()):
        return None  # stratified (or otherwise not estimated): no hazard ratio to quote
    levels = [spec_c["reference"], *present]
    b = {spec_c["reference"]: 0.0, **{lv: float(beta[col]) for lv, col in present.items()}}
    best = min(levels, key=lambda lv: (b[lv], levels.index(lv)))
    own = np.full(len(X), spec_c["reference"], dtype=object)
    for lv, col in present.items():
        own[X[col].to_numpy() > 0.5] = lv

    def var(lv):
        return 0.0 if lv == spec_c["reference"] else float(cov.loc[present[lv], present[lv]])

    def covar(l1, l2):
        if spec_c["reference"] in (l1, l2):
            return 0.0
        return float(cov.loc[present[l1], present[l2]])

    stats = {}
    for lv in levels:
        d = b[lv] - b[best]
        se = np.sqrt(max(var(lv) + var(best) - 2 * covar(lv, best), 0.0))
        stats[lv] = (d, d - _Z * se)
    d = np.array([stats[lv][0] for lv in own])
    lo = np.array([stats[lv][1] for lv in own])
    code = np.array([f"{c}{SEP}{lv}" for lv in own], dtype=object)
    return code, np.full(len(X), f"{c}{SEP}{best}", dtype=object), d, lo


def _numeric_reasons(c, median, X, beta, cov):
    if c not in beta.index or c not in X.columns:
        return None
    x = X[c].to_numpy(float)
    bj, se = float(beta[c]), float(np.sqrt(cov.loc[c, c]))
    if set(np.unique(x)) <= {0.0, 1.0}:  # a flag: the riskier value against the other
        worse = 1.0 if bj > 0 else 0.0
        d = np.where(x == worse, abs(bj), 0.0)
        lo = np.where(x == worse, abs(bj) - _Z * se, -np.inf)
        code = np.array([f"{c}{SEP}{int(v)}" for v in x], dtype=object)
        vs = np.full(len(X), f"{c}{SEP}{int(1 - worse)}", dtype=object)
        return code, vs, d, lo
    delta = x - median
    d = bj * delta
    lo = d - _Z * se * np.abs(delta)
    raw = np.expm1(x) if c in _LOG_NUMERIC else x  # the code quotes the value as entered
    code = np.array([f"{c}{SEP}{v:.6g}" for v in raw], dtype=object)
    return code, np.full(len(X), f"{c}{SEP}{MEDIAN}", dtype=object), d, lo


def compute_reason_codes(
    model, X: pd.DataFrame, spec: dict, *, n: int = 3, min_factor: float = MIN_FACTOR
) -> pd.DataFrame:
    """The ``n`` clearest, largest reasons each customer's churn hazard is high.

    For a categorical covariate the customer's level is compared with the level of
    lowest hazard (the reference level counts, at hazard ratio 1); for a 0/1 flag the
    riskier value with the other; for a continuous covariate (log fees) the customer's
    value with the training median. A contrast is a reason when its hazard multiplier
    is at least ``min_factor`` and the lower end of its 95% interval is above 1.
    Stratified covariates have no hazard ratio and give no reason.

    Parameters
    ----------
    model : CoxModel or WeibullModel
        Fitted; the model behind the churn probabilities.
    X : pandas.DataFrame
        Covariates (the model frame without duration and event).
    spec : dict
        ``attrs["spec"]`` of :func:`analysis.survival.build_covariates`.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``X``: for k = 1..n ``reason_<k>`` (the customer's covariate code,
        ``plan=Month-to-month``, ``detractor=1``, ``monthly_fee=199`` (as entered, not
        logged); "" when fewer
        apply), ``reason_<k>_vs`` (the comparison: ``plan=Two year``, ``detractor=0``,
        ``monthly_fee=median``) and ``reason_<k>_factor`` (hazard multiplier, NaN then).

    Examples
    --------
    >>> from lifelines.datasets import load_rossi
    >>> from analysis.survival import CoxModel, build_covariates
    >>> r = load_rossi()
    >>> X = build_covariates(r.assign(prio_flag=(r.prio > 3).astype(float)),
    ...                      categorical=(), numeric=("prio_flag",))
    >>> m = CoxModel(penalizers=(0.0,), check_ph=False).fit(
    ...     X.assign(week=r.week, arrest=r.arrest), "week", "arrest")
    >>> codes = compute_reason_codes(m, X, X.attrs["spec"], n=1)
    >>> codes.loc[r.prio > 3, "reason_1"].unique().tolist()
    ['prio_flag=1']
    """
    beta, cov = hazard_effects(model)
    parts = []
    for c, spec_c in spec.get("categorical", {}).items():
        parts.append(_family_reasons(c, spec_c, X, beta, cov))
    for c, median in spec.get("numeric", {}).items():
        parts.append(_numeric_reasons(c, median, X, beta, cov))
    parts = [p for p in parts if p is not None]
    out = {}
    if parts:
        codes = np.stack([p[0] for p in parts], axis=1)
        vs = np.stack([p[1] for p in parts], axis=1)
        d = np.stack([p[2] for p in parts], axis=1)
        lo = np.stack([p[3] for p in parts], axis=1)
        ok = (d >= np.log(min_factor)) & (lo > 0)
        score = np.where(ok, d, -np.inf)
        order = np.argsort(-score, axis=1, kind="stable")
        rows = np.arange(len(X))
    for k in range(n):
        code = np.full(len(X), "", dtype=object)
        comp = np.full(len(X), "", dtype=object)
        factor = np.full(len(X), np.nan)
        if parts and k < len(parts):
            j = order[:, k]
            keep = np.isfinite(score[rows, j])
            code = np.where(keep, codes[rows, j], "")
            comp = np.where(keep, vs[rows, j], "")
            factor = np.where(keep, np.exp(d[rows, j]), np.nan)
        out[f"reason_{k + 1}"] = code
        out[f"reason_{k + 1}_vs"] = comp
        out[f"reason_{k + 1}_factor"] = factor
    return pd.DataFrame(out, index=X.index)


def hazard_ratio_table(model) -> pd.DataFrame:
    """Hazard ratios with 95% intervals and p-values of a Cox or Weibull AFT model.

    For a Weibull AFT these are the hazard ratios its time coefficients imply
    (:func:`hazard_effects`), so the page reads the same way whichever model won.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``covariate``: ``hazard_ratio``, ``ci_lower``, ``ci_upper``, ``p``.
    """
    beta, cov = hazard_effects(model)
    se = np.sqrt(np.clip(np.diag(cov.to_numpy()), 0, None))
    s = model.fitter_.summary
    p = s.loc["lambda_", "p"] if isinstance(s.index, pd.MultiIndex) else s["p"]
    out = pd.DataFrame(
        {
            "hazard_ratio": np.exp(beta.to_numpy()),
            "ci_lower": np.exp(beta.to_numpy() - _Z * se),
            "ci_upper": np.exp(beta.to_numpy() + _Z * se),
            "p": p.reindex(beta.index).to_numpy(),
        },
        index=pd.Index(beta.index, name="covariate"),
    )
    return out
