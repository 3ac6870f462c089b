"""The run context: built once per run, read by every page and export.

It holds the warehouse, the period, the run's settings, the customer features and the
one customer-classes table (tiers, RFM, the eight classes, lifecycle, cluster, action),
computed once with the run's settings. The report runner builds it after ingest and
saves it beside the warehouse (``context.pkl``); each notebook kernel opens it from
there. A notebook opened by hand builds the same context itself from its parameters.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.exceptions import ConfigError
from analysis.period import Period
from analysis.warehouse import Warehouse, load_warehouse

__all__ = ["RunSettings", "Segmentation", "RunContext", "open_context", "build_context"]

CONTEXT_FILE = "context.pkl"
RUN_STORE = "shared"


@dataclass(frozen=True)
class RunSettings:
    """Every setting of a run, with its default; each page reads the ones it uses.

    Attributes
    ----------
    seed : int
        Random seed (k-means, cross-validation, topic models).
    high_share, mid_share : float
        Cumulative revenue shares closing the high- and mid-value tiers (ABC A and B).
    dormant_after_days, churned_after_days : float
        Days without purchase before a customer is dormant / churned; 0 derives the
        thresholds from the data's purchase gaps.
    n_clusters : int
        k-means clusters; 0 chooses k by silhouette.
    playbook_path : str
        YAML playbook; "" uses the bundled one.
    horizon_days : int
        Churn horizon and backtest look-back.
    churn_threshold_days : float
        Non-contract churn as a silence of this many days; 0: churned once the purchase
        model's P(alive) falls below a threshold chosen by backtest (docs/churn.md).
    clv_months : int
        CLV horizon.
    top_n : int
        Rows of the at-risk list shown and exported.
    followup_months : int
        Survey follow-up list: latest answer within this many months.
    examples_per_theme : int
        Example comments shown per theme.
    min_group_size : int
        Groups of fewer customers are shown on pages only inside one "other" group
        (:func:`analysis.privacy.fold_small_groups`); exports and statistics keep every
        group.
    """

    seed: int = 0
    high_share: float = 0.8
    mid_share: float = 0.95
    dormant_after_days: float = 0.0
    churned_after_days: float = 0.0
    n_clusters: int = 0
    playbook_path: str = ""
    horizon_days: int = 90
    churn_threshold_days: float = 0.0
    clv_months: int = 12
    top_n: int = 200
    followup_months: int = 3
    examples_per_theme: int = 3
    min_group_size: int = 5

    @classmethod
    def from_params(cls, params: dict[str, Any] | None) -> RunSettings:
        """Settings from notebook parameters; an unknown name is an error.

        Examples
        --------
        >>> RunSettings.from_params({"high_share": 0.7}).high_share
        0.7
        """
        params = dict(params or {})
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(params) - names)
        if unknown:
            raise ConfigError(
                f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}"
            )
        return cls(**params)

    def segmentation_key(self) -> str:
        """A digest of the settings the classes depend on (to reuse a saved context)."""
        keys = ("seed", "high_share", "mid_share", "dormant_after_days", "churned_after_days",
                "n_clusters", "playbook_path")  # fmt: skip
        blob = json.dumps({k: getattr(self, k) for k in keys}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class Segmentation:
    """The classes and what produced them (thresholds, centres, gaps, clusterer).

    Attributes
    ----------
    features : pandas.DataFrame
        :func:`analysis.features.compute_customer_features` as of the period end.
    classes : pandas.DataFrame
        One row per customer (codes only): ``customer_type``, ``value_tier``,
        ``abc_class``, ``key_account_tier``, ``rfm_r``, ``rfm_f``, ``rfm_m``,
        ``rfm_score``, ``rfm_segment``, ``rfm_eight``, ``lifecycle``, ``cluster``,
        ``action``.
    labels : pandas.DataFrame
        ``<class>_zh`` / ``<class>_en`` label columns of the classes, for exports.
    thresholds : LifecycleThresholds
    centres : dict
        Centres of the R, F, M scores used by the eight classes.
    gaps : pandas.Series or None
        Purchase-gap quantiles (None without repeat purchases).
    clusterer : CustomerClusterer or None
        None when fewer than two distinct buyers exist (see ``cluster_skip``).
    cluster_skip : tuple or None
        ``(reason_key, values)`` when clusters could not be fitted.
    config : SegmentationConfig
    """

    features: pd.DataFrame
    classes: pd.DataFrame
    labels: pd.DataFrame
    thresholds: Any
    centres: dict
    gaps: pd.Series | None
    clusterer: Any
    cluster_skip: tuple | None
    config: Any


#: Class columns of the one classes table (codes).
CLASS_CODES = (
    "customer_type", "value_tier", "abc_class", "key_account_tier", "rfm_r", "rfm_f", "rfm_m",
    "rfm_score", "rfm_segment", "rfm_eight", "lifecycle", "cluster", "action",
)  # fmt: skip

#: Fewest distinct buyers (by the clustering features) for k-means with k >= 2.
MIN_CLUSTER_BUYERS = 10


def compute_segmentation(wh: Warehouse, settings: RunSettings) -> Segmentation:
    """Features and the one classes table for a warehouse, with the run's settings.

    Examples
    --------
    >>> from analysis.warehouse import load_warehouse  # doctest: +SKIP
    >>> seg = compute_segmentation(load_warehouse(data_path="data/sample", period="2026-10"),
    ...                            RunSettings())  # doctest: +SKIP
    """
    from analysis.segmentation import SegmentationConfig, compute_segments
    from analysis.segmentation.clusters import CustomerClusterer
    from analysis.segmentation.playbook import load_playbook, recommend_actions

    cfg = SegmentationConfig(
        value_cutoffs=(settings.high_share, settings.mid_share),
        dormant_after=settings.dormant_after_days or None,
        churned_after=settings.churned_after_days or None,
        playbook=settings.playbook_path or None,
    )
    customers = wh["customers"] if wh.has("customers") else None
    features, classes = compute_segments(
        wh["transactions"], customers, as_of=wh.period.end, config=cfg
    )
    bought = features["orders"].fillna(0) > 0
    X = features.loc[bought, list(CustomerClusterer().features)]
    distinct = len(X.drop_duplicates())
    clusterer, cluster_skip = None, None
    classes["cluster"] = pd.Series(None, index=classes.index, dtype=object)
    labels = {}
    if distinct < MIN_CLUSTER_BUYERS:
        cluster_skip = (
            "seg.skip.too_few_distinct",
            {"n": int(distinct), "need": MIN_CLUSTER_BUYERS},
        )
    else:
        n_clusters = settings.n_clusters or None
        if n_clusters is not None:
            n_clusters = min(n_clusters, distinct - 1)
        clusterer = CustomerClusterer(n_clusters=n_clusters, random_state=settings.seed).fit(X)
        for lang in ("zh", "en"):
            labels[f"cluster_{lang}"] = pd.Series(
                clusterer.name_labels(clusterer.labels_, lang), index=X.index
            ).reindex(classes.index)
        classes["cluster"] = labels["cluster_en"].astype(object)
    # the action may depend on the cluster, so it is decided once the cluster is known
    playbook = load_playbook(cfg.playbook)
    actions = recommend_actions(classes, playbook)
    for col in actions.columns:
        classes[col] = actions[col]
    label_cols = [c for c in classes.columns if c.endswith(("_zh", "_en"))]
    lab = classes[label_cols].copy()
    for name, series in labels.items():
        lab[name] = series
    codes = classes[[c for c in CLASS_CODES if c in classes.columns]].copy()
    codes.attrs, lab.attrs = {}, {}  # what attrs held lives in the Segmentation fields
    return Segmentation(
        features=features,
        classes=codes,
        labels=lab,
        thresholds=classes.attrs["lifecycle_thresholds"],
        centres=classes.attrs["rfm_centres"],
        gaps=classes.attrs.get("purchase_gaps"),
        clusterer=clusterer,
        cluster_skip=cluster_skip,
        config=cfg,
    )


@dataclass
class RunContext:
    """Everything a page needs, computed once per run.

    Attributes
    ----------
    warehouse : Warehouse
    lang : {"zh", "en"}
    settings : RunSettings
    report_dir : Path or None
        This run's report folder (exports go to ``exports/``); None writes nothing.
    segmentation : Segmentation
    source : str
        The data source as shown on pages (the runner passes it with credentials and
        the analyst's folders left out).
    run_store : Path or None
        Folder shared by the notebooks of one report run (beside the run's warehouse):
        :meth:`shared` results computed by one page are read there by the next, so a
        number the summary repeats is computed once per run. None outside a run.
    """

    warehouse: Warehouse
    lang: str
    settings: RunSettings
    report_dir: Path | None
    segmentation: Segmentation
    source: str = ""
    run_store: Path | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def period(self) -> Period:
        return self.warehouse.period

    @property
    def as_of(self) -> pd.Timestamp:
        return pd.Timestamp(self.warehouse.period.end)

    @property
    def features(self) -> pd.DataFrame:
        return self.segmentation.features

    @property
    def classes(self) -> pd.DataFrame:
        """The one customer-classes table (codes); every page and export reads it."""
        return self.segmentation.classes

    @cached_property
    def customers(self) -> pd.DataFrame:
        """The customers table indexed by ``customer_id`` (empty without one)."""
        if not self.warehouse.has("customers"):
            return pd.DataFrame(index=pd.Index([], name="customer_id"))
        return self.warehouse["customers"].execute().set_index("customer_id")

    def has(self, table: str) -> bool:
        return self.warehouse.has(table)

    def table(self, name: str) -> pd.DataFrame:
        """A warehouse table as pandas (cached: each is read once per kernel)."""
        if name not in self._cache:
            self._cache[name] = self.warehouse[name].execute()
        return self._cache[name]

    def memo(self, key: str, compute):
        """Compute ``compute()`` once per context (results shared by several sections)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def shared(self, key: str, compute):
        """Like :meth:`memo`, and also shared with the run's other notebooks.

        Inside a report run the first kernel to need ``key`` computes it and pickles it
        to :attr:`run_store`; later kernels (the summary runs last) read that file. A
        notebook opened by hand has no run store and computes it as :meth:`memo` does.
        """
        if key in self._cache or self.run_store is None:
            return self.memo(key, compute)
        path = self.run_store / f"{key}.pkl"
        if path.is_file():
            with open(path, "rb") as fh:
                self._cache[key] = pickle.load(fh)  # noqa: S301 - written by this run
            return self._cache[key]
        value = self.memo(key, compute)
        self.run_store.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(value, fh)
        tmp.replace(path)
        return value

    def class_export(self) -> pd.DataFrame:
        """Classes as exported: codes followed by their zh and en labels."""
        return self.classes.join(self.segmentation.labels)


def build_context(
    wh: Warehouse,
    *,
    lang: str = "zh",
    settings: RunSettings | None = None,
    report_dir: str | Path | None = None,
    source: str = "",
    segmentation: Segmentation | None = None,
    run_store: str | Path | None = None,
) -> RunContext:
    """The context of ``wh``: the classes computed here unless ``segmentation`` is given."""
    if lang not in ("zh", "en"):
        raise ConfigError(f"lang must be 'zh' or 'en', not '{lang}'")
    settings = settings or RunSettings()
    return RunContext(
        warehouse=wh,
        lang=lang,
        settings=settings,
        report_dir=Path(report_dir) if report_dir else None,
        segmentation=segmentation or compute_segmentation(wh, settings),
        source=source,
        run_store=Path(run_store) if run_store else None,
    )


def save_context(ctx: RunContext) -> Path:
    """Save the segmentation beside the warehouse and the classes into it.

    The classes also go to the warehouse as table ``customer_classes`` (for SQL users
    and for other tools); the pickle keeps the fitted objects the pages show. The
    context's own connection is read-only, so it is closed to write the table: call this
    last (the runner does, before the notebooks open the warehouse).
    """
    import duckdb

    path = ctx.warehouse.path.parent / CONTEXT_FILE
    with open(path, "wb") as fh:
        pickle.dump({"key": ctx.settings.segmentation_key(), "seg": ctx.segmentation}, fh)
    classes = ctx.class_export().reset_index()
    ctx.warehouse.con.disconnect()
    con = duckdb.connect(str(ctx.warehouse.path))
    try:
        con.register("classes_df", classes)
        con.execute("CREATE OR REPLACE TABLE customer_classes AS SELECT * FROM classes_df")
    finally:
        con.close()
    return path


def open_context(
    *,
    period: str = "last",
    data_path: str = "",
    mapping_path: str = "",
    lang: str = "zh",
    warehouse: str = "",
    report_dir: str = "",
    **settings: Any,
) -> RunContext:
    """The context a report notebook starts from: one call after the parameters cell.

    With ``warehouse`` (the report runner) the classes saved by the runner are read
    when they were computed with the same settings; otherwise (a notebook opened by
    hand) ``data_path`` is ingested and the classes computed here, with the same code.

    Examples
    --------
    >>> ctx = open_context(period="2026-10", data_path="data/sample")  # doctest: +SKIP
    >>> ctx.classes["value_tier"].value_counts()  # doctest: +SKIP
    """
    from analysis.plotting import use_house_style

    use_house_style()
    run = RunSettings.from_params(settings)
    wh = load_warehouse(
        warehouse=warehouse or None,
        data_path=data_path or None,
        period=period,
        mapping_path=mapping_path or None,
    )
    saved = wh.path.parent / CONTEXT_FILE
    segmentation = None
    if warehouse and saved.is_file():
        with open(saved, "rb") as fh:
            stored = pickle.load(fh)  # noqa: S301 - written by this run's runner
        if stored["key"] == run.segmentation_key():
            segmentation = stored["seg"]
    # inside a run (the runner's warehouse and saved classes), pages share results
    store = wh.path.parent / RUN_STORE if segmentation is not None else None
    return build_context(wh, lang=lang, settings=run, report_dir=report_dir or None,
                         source=data_path, segmentation=segmentation,
                         run_store=store)  # fmt: skip
