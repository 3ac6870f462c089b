"""Cox proportional hazards: a wrapper of lifelines with CV penalizer and a PH remedy."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from lifelines.statistics import proportional_hazard_test
from lifelines.utils import concordance_index
from sklearn.base import BaseEstimator
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

__all__ = ["CoxModel"]


def _check(df: pd.DataFrame, duration_col: str, event_col: str) -> None:
    for c in (duration_col, event_col):
        if c not in df.columns:
            raise ValueError(f"column '{c}' is missing from the survival frame")
    bad = df[duration_col].isna() | (df[duration_col] <= 0)
    if bad.any():
        raise ValueError(
            f"column '{duration_col}' must be positive; {int(bad.sum())} rows are not "
            f"(first: {list(df.index[bad][:5])})"
        )
    if not df[event_col].isin([0, 1]).all():
        raise ValueError(f"column '{event_col}' must be 0 or 1")
    if df[event_col].sum() < 2:
        raise ValueError("fewer than two events: nothing to fit")


class CoxModel(BaseEstimator):
    """Cox PH fitted with lifelines, penalizer chosen by cross-validated concordance.

    After the fit, the proportional-hazards assumption is tested (Schoenfeld residuals,
    rank time transform). A covariate that fails (``p < ph_alpha``) and has at most
    ``max_strata_levels`` values is made a stratum (its own baseline hazard) when
    ``ph_remedy="strata"``; with ``ph_remedy="interaction"`` it is kept and a
    ``<name>×log(t)`` term is not possible in a plain Cox model, so the failing
    covariate is stratified after binning into quartiles instead. The remedy applied
    is recorded in ``ph_remedy_``.

    Parameters
    ----------
    penalizers : tuple of float
        Candidate L2 penalizers; one value skips cross-validation.
    cv_folds : int
    cv_max_rows : int
        Cross-validate on a random subsample of at most this many rows (speed).
    ph_alpha : float
        Significance level of the PH test (strict because large samples reject tiny,
        harmless departures).
    max_remedies : int
        At most this many covariates are stratified (the worst first).
    max_rows : int or None
        Fit on a uniform random sample of this many rows when given more (a full fit
        of 1M customers takes about a minute and 2 GiB; see benchmarks/bench_survival.py
        for the concordance this costs). None fits every row.
    random_state : int

    Attributes
    ----------
    fitter_ : lifelines.CoxPHFitter
    penalizer_ : float
    cv_scores_ : pandas.Series
        Mean held-out concordance per penalizer.
    ph_test_ : pandas.DataFrame
        ``test_statistic`` and ``p`` per covariate, before the remedy.
    ph_remedy_ : dict
        ``{covariate: "strata"}`` for each remedied covariate (empty when PH held).
    strata_ : list of str
    strata_edges_ : dict
        ``{covariate: quartile edges}`` for each covariate stratified on its quartiles;
        new customers are put in strata by these training edges.
    concordance_ : float
        Training concordance.
    n_rows_, fit_rows_ : int
        Rows given and rows fitted (a uniform random sample of ``max_rows`` when more).

    Examples
    --------
    >>> from lifelines.datasets import load_rossi
    >>> m = CoxModel(penalizers=(0.0,), check_ph=False).fit(load_rossi(), "week", "arrest")
    >>> round(m.concordance_, 2)
    0.64
    """

    def __init__(
        self,
        penalizers: tuple[float, ...] = (0.0, 0.01, 0.1),
        cv_folds: int = 3,
        cv_max_rows: int = 3000,
        check_ph: bool = True,
        ph_alpha: float = 0.001,
        ph_remedy: str = "strata",
        max_strata_levels: int = 8,
        max_remedies: int = 2,
        weights_col: str | None = None,
        max_rows: int | None = 200_000,
        random_state: int = 0,
    ):
        self.penalizers = penalizers
        self.cv_folds = cv_folds
        self.cv_max_rows = cv_max_rows
        self.check_ph = check_ph
        self.ph_alpha = ph_alpha
        self.ph_remedy = ph_remedy
        self.max_strata_levels = max_strata_levels
        self.max_remedies = max_remedies
        self.weights_col = weights_col
        self.max_rows = max_rows
        self.random_state = random_state

    def _new(self, penalizer: float) -> CoxPHFitter:
        return CoxPHFitter(penalizer=penalizer)

    def _fit_one(self, df, duration_col, event_col, penalizer, strata=None):
        f = self._new(penalizer)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f.fit(
                df,
                duration_col=duration_col,
                event_col=event_col,
                strata=strata or None,
                weights_col=self.weights_col,
                robust=bool(self.weights_col),
            )
        return f

    def fit(self, df: pd.DataFrame, duration_col: str, event_col: str) -> CoxModel:
        _check(df, duration_col, event_col)
        self.duration_col_, self.event_col_ = duration_col, event_col
        self.n_rows_ = len(df)
        if self.max_rows and len(df) > self.max_rows:
            # A uniform random sample: every customer has the same inclusion probability,
            # so equal weights are the correct ones and the partial likelihood stays
            # unbiased; intervals widen as for any smaller sample. benchmarks/
            # bench_survival.py measures the concordance this costs at 1M customers.
            df = df.sample(self.max_rows, random_state=self.random_state)
        self.fit_rows_ = len(df)
        pens = tuple(self.penalizers)
        if len(pens) > 1:
            sub = df
            if len(df) > self.cv_max_rows:
                sub = df.sample(self.cv_max_rows, random_state=self.random_state)
            scores = {}
            kf = KFold(self.cv_folds, shuffle=True, random_state=self.random_state)
            for p in pens:
                s = []
                for tr, te in kf.split(sub):
                    try:
                        f = self._fit_one(sub.iloc[tr], duration_col, event_col, p)
                    except Exception:  # a fold without variation in a column
                        s.append(np.nan)
                        continue
                    test = sub.iloc[te]
                    risk = f.predict_partial_hazard(test).to_numpy().ravel()
                    s.append(concordance_index(test[duration_col], -risk, test[event_col]))
                finite = [v for v in s if np.isfinite(v)]
                scores[p] = float(np.mean(finite)) if finite else np.nan
            self.cv_scores_ = pd.Series(scores, name="cv_concordance").rename_axis("penalizer")
            valid = {p: v for p, v in scores.items() if np.isfinite(v)}
            if valid:
                # the best cross-validated concordance (ties: the larger penalizer). The
                # earlier rule "largest within 0.002 of the best" cost 0.001 of holdout
                # concordance on IBM Telco (docs/decisions.md)
                best = max(valid.values())
                self.penalizer_ = float(max(p for p, v in valid.items() if v >= best))
            else:  # no fold could be fitted (tiny or constant data): the strongest penalty
                self.penalizer_ = float(max(pens))
        else:
            self.cv_scores_ = pd.Series(dtype=float, name="cv_concordance")
            self.penalizer_ = float(pens[0])
        f = self._fit_one(df, duration_col, event_col, self.penalizer_)
        self.ph_test_ = pd.DataFrame(columns=["test_statistic", "p"])
        self.ph_remedy_ = {}
        self.strata_ = []
        self.strata_edges_ = {}
        if self.check_ph:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = proportional_hazard_test(f, df, time_transform="rank")
            self.ph_test_ = res.summary[["test_statistic", "p"]].sort_values("p")
            failing = [c for c in self.ph_test_.index[self.ph_test_["p"] < self.ph_alpha]]
            groups = {}
            for c in failing:
                base = c.split("=", 1)[0]
                groups.setdefault(base, []).append(c)
            work = df.copy()
            for base, members in list(groups.items())[: self.max_remedies]:
                if len(members) > 1 or base != members[0]:
                    # one-hot family: stratify on the family's joint level
                    cols = [c for c in df.columns if c.split("=", 1)[0] == base and c != base]
                    codes = np.zeros(len(df), dtype=int)
                    for i, c in enumerate(cols, start=1):
                        codes[df[c].to_numpy() > 0] = i
                    name = f"strata:{base}"
                    work = work.drop(columns=cols)
                    work[name] = codes
                    self.ph_remedy_.update({c: "strata" for c in cols})
                else:
                    name = f"strata:{base}"
                    x = df[base]
                    if x.nunique() > self.max_strata_levels:
                        edges = np.unique(np.quantile(x, [0.25, 0.5, 0.75]))
                        self.strata_edges_[base] = edges
                        x = pd.Series(np.searchsorted(edges, x, side="right"), index=x.index)
                        self.ph_remedy_[base] = "strata (quartiles)"
                    else:
                        self.ph_remedy_[base] = "strata"
                    work = work.drop(columns=[base])
                    work[name] = x.to_numpy()
                self.strata_.append(name)
            if self.strata_:
                f = self._fit_one(work, duration_col, event_col, self.penalizer_, self.strata_)
        self.fitter_ = f
        self.covariates_ = list(f.params_.index)
        self.concordance_ = float(f.concordance_index_)
        return self

    def _prepare(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "fitter_")
        out = X.copy()
        for name in self.strata_:
            base = name.split(":", 1)[1]
            cols = [c for c in X.columns if c.split("=", 1)[0] == base and c != base]
            if cols:
                codes = np.zeros(len(X), dtype=int)
                for i, c in enumerate(cols, start=1):
                    codes[X[c].to_numpy() > 0] = i
                out = out.drop(columns=cols)
                out[name] = codes
            else:
                x = X[base]
                if base in self.strata_edges_:
                    # the training quartile edges, so a customer's stratum does not
                    # depend on who else is scored
                    x = pd.Series(np.searchsorted(self.strata_edges_[base], x, side="right"))
                out = out.drop(columns=[base])
                out[name] = x.to_numpy()
        return out

    def _positional(self, X: pd.DataFrame) -> pd.DataFrame:
        # lifelines returns a stratified model's curves grouped by stratum (columns
        # labelled by the input index, not in input order): predict on positions and
        # put them back in order, so row i of X always gets its own prediction.
        return self._prepare(X).reset_index(drop=True)

    def predict_partial_hazard(self, X: pd.DataFrame) -> pd.Series:
        """Relative hazard ``exp(x'β)`` (centred at the training mean), per row.

        Strata are ignored here (each stratum has its own baseline); use
        :func:`analysis.survival.predict_churn` (churn within a horizon, each stratum with
        its own baseline) to rank customers across strata.
        """
        Z = self._positional(X)
        out = self.fitter_.predict_partial_hazard(Z)
        return pd.Series(np.ravel(out.reindex(Z.index)), index=X.index)

    def predict_survival_function(self, X, times, conditional_after=None) -> pd.DataFrame:
        """Survival curves at ``times`` (rows = times, columns = customers, in X's order)."""
        Z = self._positional(X)
        out = self.fitter_.predict_survival_function(
            Z, times=times, conditional_after=conditional_after
        )
        out = out[Z.index]
        out.columns = X.index
        return out

    def predict_expectation(self, X: pd.DataFrame) -> pd.Series:
        """Expected lifetime restricted to the longest training time (ranks across strata)."""
        Z = self._positional(X)
        out = self.fitter_.predict_expectation(Z)
        return pd.Series(np.ravel(out.reindex(Z.index)), index=X.index)

    def score(self, df: pd.DataFrame) -> float:
        """Holdout concordance on ``df`` (same columns as the fit).

        Ranks by the expected lifetime, not the partial hazard, so customers in
        different strata (different baselines) are compared correctly.
        """
        X = df.drop(columns=[self.duration_col_, self.event_col_])
        pred = self.predict_expectation(X) if self.strata_ else -self.predict_partial_hazard(X)
        return float(concordance_index(df[self.duration_col_], pred, df[self.event_col_]))

    @property
    def summary_(self) -> pd.DataFrame:
        """Hazard ratios with 95% intervals and p-values."""
        s = self.fitter_.summary
        out = pd.DataFrame(
            {
                "hazard_ratio": s["exp(coef)"],
                "ci_lower": s["exp(coef) lower 95%"],
                "ci_upper": s["exp(coef) upper 95%"],
                "p": s["p"],
            }
        )
        out.index.name = "covariate"
        return out
