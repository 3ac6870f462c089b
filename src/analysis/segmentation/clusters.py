"""Behavioural clusters: k-means on log-scaled features, named by profile, explained by rules.

:class:`CustomerClusterer` follows scikit-learn's estimator contract (``__init__`` stores
arguments, ``fit`` returns ``self``, learned state ends in ``_``), so ``clone`` and
pipelines work. k is chosen by the silhouette on a fixed random sample (the elbow's
inertia is kept too, for the report). Clusters are *named by their profile*, not by
their number: each feature's cluster median is placed against the tertiles of all
customers (quintiles), e.g. "very frequent · very high spend · just bought" (the words are
the catalogue's ``cluster.level.*`` entries).
The same behaviour therefore keeps its name from month to month even when k-means
numbers the clusters differently.

:func:`explain_clusters` fits a shallow decision tree on the raw (unlogged) features
to the cluster labels and writes each leaf as a plain rule; its *fidelity* is the
share of customers the rules place in their own cluster.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from analysis import i18n
from analysis.i18n import LANGS
from analysis.segmentation.labels import class_label

__all__ = [
    "CLUSTER_FEATURES",
    "CustomerClusterer",
    "explain_clusters",
    "fit_clusters",
]

#: Default features: purchases, spend per order, days since the last purchase.
CLUSTER_FEATURES = ("orders", "monetary_mean", "recency_days")


# Features that name a cluster: each has five catalogue words ``cluster.level.<feature>.<q>``
# for the quintile q of the cluster's median among all fitted customers (1 = lowest fifth).
# Recency reads the other way: low = recent.
_NAMING_FEATURES = ("orders", "monetary_mean", "recency_days")


class CustomerClusterer(ClusterMixin, BaseEstimator):
    """k-means on standardised log features, k by silhouette, clusters named by profile.

    Parameters
    ----------
    n_clusters : int or None
        Fixed k; None chooses k in ``k_range`` by the silhouette.
    k_range : tuple of int
        Smallest and largest k tried. The default starts at 3: two clusters only split
        repeat buyers from the rest, which the value tiers already do.
    features : sequence of str
        Columns of ``X`` used.
    log_features : sequence of str
        Columns transformed by ``log1p`` first (skewed counts and money).
    sample_size : int
        Customers in the silhouette sample (silhouette is quadratic in n).
    n_init : int
        k-means restarts.
    random_state : int
        Seed of the sample and of k-means.

    Attributes
    ----------
    n_clusters_ : int
    labels_ : ndarray of int
    names_ : dict
        ``{label: (zh, en)}`` profile names.
    profiles_ : pandas.DataFrame
        Medians of the raw features, customers and name per cluster.
    silhouette_, inertia_ : pandas.Series
        Per k tried (``inertia_`` is the elbow curve, on the silhouette sample).
    scaler_, kmeans_ : fitted scikit-learn objects
    reference_ : pandas.DataFrame
        Quintile edges of each feature over the fitted customers (the naming yardstick).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"orders": np.r_[rng.poisson(2, 50) + 1, rng.poisson(40, 50) + 1],
    ...                   "monetary_mean": np.r_[rng.gamma(2, 20, 50), rng.gamma(2, 500, 50)],
    ...                   "recency_days": np.r_[rng.integers(100, 700, 50),
    ...                                         rng.integers(0, 30, 50)]})
    >>> m = CustomerClusterer(n_clusters=2).fit(X)
    >>> sorted(en for zh, en in m.names_.values())
    ['frequent · high spend · recent', 'one-off · low spend · long gone']
    """

    def __init__(
        self,
        n_clusters: int | None = None,
        k_range: tuple[int, int] = (3, 8),
        features: Sequence[str] = CLUSTER_FEATURES,
        log_features: Sequence[str] = CLUSTER_FEATURES,
        sample_size: int = 3000,
        n_init: int = 4,
        random_state: int = 0,
    ):
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.features = features
        self.log_features = log_features
        self.sample_size = sample_size
        self.n_init = n_init
        self.random_state = random_state

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        if not isinstance(X, pd.DataFrame):
            raise TypeError("X must be a pandas DataFrame with the feature columns")
        missing = [c for c in self.features if c not in X.columns]
        if missing:
            raise ValueError(f"X lacks the feature columns {missing}")
        cols = []
        for c in self.features:
            v = pd.to_numeric(X[c], errors="coerce").astype(float).to_numpy()
            if np.isnan(v).any():
                raise ValueError(
                    f"column {c} has {int(np.isnan(v).sum())} missing values; "
                    "cluster purchasing customers only (orders > 0)"
                )
            cols.append(np.log1p(np.clip(v, 0, None)) if c in self.log_features else v)
        return np.column_stack(cols)

    def fit(self, X: pd.DataFrame, y=None) -> CustomerClusterer:
        """Choose k, fit k-means on all rows of ``X``, name and profile the clusters."""
        Z0 = self._matrix(X)
        lo, hi = self.k_range
        if self.n_clusters is None and not 2 <= lo <= hi:
            raise ValueError(f"k_range must satisfy 2 <= low <= high, got {self.k_range}")
        if len(Z0) < max(lo, self.n_clusters or 0) + 1:
            raise ValueError(f"too few customers ({len(Z0)}) to cluster")
        self.scaler_ = StandardScaler().fit(Z0)
        Z = self.scaler_.transform(Z0)
        rng = np.random.default_rng(self.random_state)
        idx = rng.choice(len(Z), min(self.sample_size, len(Z)), replace=False)
        ks = [self.n_clusters] if self.n_clusters else list(range(lo, hi + 1))
        sil, inertia = {}, {}
        # One thread: on small matrices BLAS/OpenMP thread start-up costs 10x the work.
        with threadpool_limits(1):
            for k in ks:
                if k >= len(idx):
                    break
                km = KMeans(k, n_init=self.n_init, random_state=self.random_state).fit(Z[idx])
                inertia[k] = float(km.inertia_)
                sil[k] = float(silhouette_score(Z[idx], km.labels_))
            self.silhouette_ = pd.Series(sil, name="silhouette").rename_axis("k")
            self.inertia_ = pd.Series(inertia, name="inertia").rename_axis("k")
            self.n_clusters_ = int(self.n_clusters or self.silhouette_.idxmax())
            self.kmeans_ = KMeans(
                self.n_clusters_, n_init=self.n_init, random_state=self.random_state
            ).fit(Z)
        self.labels_ = self.kmeans_.labels_.astype(int)
        raw = X[list(self.features)].astype(float)
        self.reference_ = raw.quantile([0.2, 0.4, 0.6, 0.8])
        self._profile(raw)
        return self

    def _level(self, feature: str, value: float) -> int:
        """Quintile (0..4) of ``value`` among the fitted customers."""
        return int(np.searchsorted(self.reference_[feature].to_numpy(), value, side="left"))

    def _profile(self, raw: pd.DataFrame) -> None:
        med = raw.groupby(self.labels_).median()
        names: dict[int, tuple[str, str]] = {}
        seen: dict[tuple[str, str], int] = {}
        order = med.sort_values(list(med.columns[:2]), ascending=False).index
        for lab in order:
            keys = [
                f"cluster.level.{f}.{self._level(f, med.loc[lab, f]) + 1}"
                for f in self.features
                if f in _NAMING_FEATURES
            ]
            name = tuple(
                i18n.t("cluster.name_sep", lang).join(i18n.t(k, lang) for k in keys)
                or i18n.t("cluster.unnamed", lang, n=lab)
                for lang in LANGS
            )
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:  # two clusters with the same profile words
                name = tuple(
                    i18n.t("cluster.repeat", lang, name=text, n=seen[name])
                    for lang, text in zip(LANGS, name, strict=True)
                )
            names[int(lab)] = name
        self.names_ = names
        prof = med.copy()
        prof.insert(0, "customers", pd.Series(self.labels_).value_counts().reindex(med.index))
        prof.insert(0, "name_en", [names[int(i)][1] for i in med.index])
        prof.insert(0, "name_zh", [names[int(i)][0] for i in med.index])
        self.profiles_ = prof.loc[order].rename_axis("cluster")

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Nearest fitted centre for each row of ``X``."""
        check_is_fitted(self, "kmeans_")
        with threadpool_limits(1):
            return self.kmeans_.predict(self.scaler_.transform(self._matrix(X))).astype(int)

    def name_labels(self, labels: np.ndarray, lang: str = "zh") -> np.ndarray:
        """Profile names for cluster numbers."""
        check_is_fitted(self, "names_")
        i = _lang_index(lang)
        return np.array([self.names_[int(x)][i] for x in labels], dtype=object)


def _lang_index(lang: str) -> int:
    if lang not in LANGS:
        raise ValueError(f"language {lang!r} is not supported: use one of {', '.join(LANGS)}")
    return LANGS.index(lang)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:.1f}"


def explain_clusters(
    X: pd.DataFrame,
    labels: Sequence,
    *,
    features: Sequence[str] | None = None,
    max_depth: int = 3,
    lang: str = "zh",
    random_state: int = 0,
) -> tuple[pd.DataFrame, float]:
    """Plain rules for each cluster from a shallow surrogate decision tree.

    Parameters
    ----------
    X : pandas.DataFrame
        Raw features (the tree's thresholds are read in their own units).
    labels : sequence
        Cluster of each row (names or numbers).
    max_depth : int
        Depth of the tree: 3 gives at most 8 rules of at most 3 conditions.

    Returns
    -------
    rules : pandas.DataFrame
        One row per leaf: ``cluster``, ``rule``, ``customers`` (in the leaf),
        ``precision`` (share of the leaf in that cluster), sorted by cluster.
    fidelity : float
        Share of all customers whose leaf's cluster is their own cluster.

    Examples
    --------
    >>> X = pd.DataFrame({"orders": [1, 2, 1, 30, 40, 35]})
    >>> rules, fid = explain_clusters(X, ["a", "a", "a", "b", "b", "b"], lang="en")
    >>> rules["rule"].tolist(), fid
    (['orders <= 16', 'orders > 16'], 1.0)
    """
    features = list(features or X.columns)
    y = np.asarray(labels)
    tree = DecisionTreeClassifier(
        max_depth=max_depth, min_samples_leaf=max(1, len(y) // 200), random_state=random_state
    ).fit(X[features].astype(float).to_numpy(), y)
    t = tree.tree_
    leaf_of = tree.apply(X[features].astype(float).to_numpy())
    pred = tree.classes_[t.value[leaf_of, 0].argmax(axis=1)]
    fidelity = float(np.mean(pred == y))
    joiner = i18n.t("cluster.rule_and", lang)  # i18n.t: ``t`` names the tree here
    rows = []

    def walk(node: int, conds: list[str]) -> None:
        if t.children_left[node] == -1:
            mask = leaf_of == node
            cls = tree.classes_[t.value[node, 0].argmax()]
            rows.append(
                {
                    "cluster": cls,
                    "rule": joiner.join(words(conds)) or "—",
                    "customers": int(mask.sum()),
                    "precision": float(np.mean(y[mask] == cls)) if mask.any() else np.nan,
                }
            )
            return
        f = t.feature[node]
        thr = float(t.threshold[node])
        walk(t.children_left[node], conds + [(f, "<=", thr)])
        walk(t.children_right[node], conds + [(f, ">", thr)])

    def words(conds: list) -> list[str]:
        # keep the tightest bound per feature: "33 < spend per order <= 286"
        out = []
        for f in dict.fromkeys(c[0] for c in conds):
            lo = max((c[2] for c in conds if c[0] == f and c[1] == ">"), default=None)
            hi = min((c[2] for c in conds if c[0] == f and c[1] == "<="), default=None)
            name = class_label("cluster_feature", features[f], lang)
            if lo is not None and hi is not None:
                out.append(f"{_fmt(lo)} < {name} <= {_fmt(hi)}")
            elif lo is not None:
                out.append(f"{name} > {_fmt(lo)}")
            else:
                out.append(f"{name} <= {_fmt(hi)}")
        return out

    walk(0, [])
    rules = pd.DataFrame(rows)
    rules = rules.sort_values(["cluster", "customers"], ascending=[True, False], kind="stable")
    return rules.reset_index(drop=True), fidelity


def fit_clusters(features: pd.DataFrame, **params) -> tuple[CustomerClusterer, pd.DataFrame]:
    """Fit :class:`CustomerClusterer` on purchasing customers and label every customer.

    Returns
    -------
    model : CustomerClusterer
    columns : pandas.DataFrame
        Same index as ``features``: ``cluster`` (the English profile name, a stable
        code), ``cluster_zh``, ``cluster_en``; missing for customers without purchases.
    """
    bought = features["orders"].fillna(0) > 0
    model = CustomerClusterer(**params).fit(features.loc[bought])
    out = pd.DataFrame(
        index=features.index, columns=["cluster", "cluster_zh", "cluster_en"], dtype=object
    )
    out.loc[bought, "cluster_zh"] = model.name_labels(model.labels_, "zh")
    out.loc[bought, "cluster_en"] = model.name_labels(model.labels_, "en")
    out["cluster"] = out["cluster_en"]
    return model, out
