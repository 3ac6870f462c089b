"""Churn page: who is likely to leave within the horizon, why, what they are worth.

Sections: :func:`summary`, :func:`survival_curves`, :func:`contract_model`,
:func:`noncontract_model`, :func:`at_risk`, :func:`backtest`, :func:`exports`. Each
returns codes and numbers (or :class:`~analysis.pages.Skipped` when the data cannot
support it); :func:`analysis.pages.show` turns them into words.

Shared work (the survival data, the fitted models, the early-warning list) is computed
once per context through ``ctx.memo``. Every class column (value tier, RFM class,
lifecycle, action) comes from the run's one classes table, ``ctx.classes``, so
``at_risk.csv`` and ``customers.csv`` agree on each customer.

Examples
--------
>>> from analysis.pages import open_context, show, churn  # doctest: +SKIP
>>> ctx = open_context(period="2026-10", data_path="data/sample")  # doctest: +SKIP
>>> churn.contract_model(ctx).hazard_ratios  # doctest: +SKIP
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd

from analysis.pages.base import Chart, Heading, LangTable, Note, Section, Skipped, Text, Word
from analysis.pages.context import RunContext
from analysis.schema import AMOUNT, CUSTOMER_ID, ORDER_DATE, START_DATE

#: The page's sections in display order (the notebook shows each once).
SECTIONS = (
    "summary", "survival_curves", "contract_model", "noncontract_model", "at_risk", "backtest",
    "exports",
)  # fmt: skip

__all__ = [
    "SECTIONS",
    "summary",
    "survival_curves",
    "contract_model",
    "noncontract_model",
    "at_risk",
    "backtest",
    "exports",
    "customer_columns",
    "MIN_EVENTS",
    "MIN_REPEAT_BUYERS",
]

#: Fewest churn events of a kind for survival curves, the Cox / Weibull AFT models and
#: the non-contract Cox model behind the reasons.
MIN_EVENTS = 20
#: Fewest repeat buyers with a positive spend: Gamma-Gamma's minimum (BG/NBD needs two
#: customers and one repeat purchase, so this covers both fits).
MIN_REPEAT_BUYERS = 3
#: Fewest churn events one horizon before the period end for a time-based backtest
#: (``run_backtest``'s own minimum; below it the models are compared on a random split).
MIN_BACKTEST_EVENTS = 10
#: Smallest group drawn as a Kaplan–Meier curve and tested (``fit_km``'s ``min_size``).
KM_MIN_GROUP = 30
#: Candidate grouping columns of the survival curves, in order; two are drawn at most.
KM_GROUPS = ("plan", "customer_type", "channel", "value_tier")
#: Columns whose values are class codes, shown as class labels.
CLASS_SCHEMES = {"customer_type": "customer_type", "value_tier": "value_tier"}
#: Class columns of the early-warning list (codes; their zh/en labels follow).
LIST_CLASSES = ("value_tier", "rfm_eight", "lifecycle", "action")
LIST_ATTRIBUTES = ("plan", "customer_type", "region", "account_owner")
N_REASONS = 3
SHOWN_ROWS = 20
CONTRACT, NONCONTRACT = "contract", "non-contract"
#: How each column the page shows is formatted (:data:`analysis.pages.format.KINDS`);
#: its header is the catalogue's ``churn.col.<column>``.
COLUMN_KINDS = {
    "customers": "count", "churned": "count", "median_days": "days", "survival_90d": "pct",
    "survival_180d": "pct", "survival_365d": "pct", "test_statistic": "float2", "p": "pvalue",
    "p_holm": "pvalue", "hazard_ratio": "ratio", "ci_lower": "ratio", "ci_upper": "ratio",
    "holdout_concordance": "float3", "integrated_brier": "float3", "train_concordance": "float3",
    "customers_scored": "count", "churned_in_horizon": "count", "value": "float3",
    "p_alive": "pct", "expected_purchases": "float1", "expected_spend": "money",
    "expected_clv": "money", "rank": "count", "value_at_risk": "money", "churn_prob": "pct",
    "expected_value": "money", "k": "count", "churned_in_top_k": "count", "precision": "pct",
    "recall": "pct", "lift": "ratio",
}  # fmt: skip
DURATION, EVENT = "duration_days", "event"
# Survival data need a silence threshold even when only contract rows are kept.
_UNUSED_THRESHOLD = 1.0


def _skipped(result: Any) -> bool:
    return isinstance(result, Skipped)


def _kind(kind: str) -> Word:
    return Word("label", f"churn.kind.{kind}")


def _model(code: str) -> Word:
    return Word("label", f"churn.model.{code}")


def _covariate_words(code: str, lang: str) -> str:
    """A covariate code (``region=西南``, ``customer_type=individual``) in words."""
    from analysis.i18n import has, t
    from analysis.survival.covariates import SEP, describe_covariate

    if code.startswith("strata:"):
        return t("churn.ph.stratum", lang, name=_covariate_words(code.split(":", 1)[1], lang))
    base, _, level = code.partition(SEP)
    scheme = CLASS_SCHEMES.get(base)
    if level and scheme and has(f"class.{scheme}.{level}"):
        return f"{describe_covariate(base, lang)}: {t(f'class.{scheme}.{level}', lang)}"
    return describe_covariate(code, lang)


@dataclass(frozen=True)
class _Table:
    """A table of this page, turned into words at display time.

    Headers are ``churn.col.<column>`` and formats :data:`COLUMN_KINDS`; ``covariates``
    columns hold covariate codes, ``labels`` maps a column to the catalogue prefix of its
    codes (``{"model": "churn.model."}``) and ``classes`` a column to its class scheme.
    """

    frame: pd.DataFrame
    covariates: tuple = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    classes: Mapping[str, str] = field(default_factory=dict)

    def render(self, lang: str):
        from analysis.i18n import t

        df = self.frame.copy()
        for col in self.covariates:
            df[col] = [_covariate_words(c, lang) for c in df[col]]
        for col, prefix in self.labels.items():
            df[col] = [t(f"{prefix}{c}", lang) for c in df[col]]
        kinds = {c: COLUMN_KINDS[c] for c in df.columns if c in COLUMN_KINDS}
        headers = {c: f"churn.col.{c}" for c in df.columns}
        return LangTable(df, kinds, headers=headers, classes=self.classes).render(lang)


def _group_words(column: str, values: pd.Series, lang: str) -> pd.Series:
    """Group values of a survival-curve column as shown: class codes become labels."""
    from analysis.i18n import t

    scheme = CLASS_SCHEMES.get(column)
    if scheme is None:
        return values
    return values.map(lambda v: v if pd.isna(v) else t(f"class.{scheme}.{v}", lang))


# --- shared data -------------------------------------------------------------------------


@dataclass(frozen=True)
class ChurnData:
    """Survival rows as of the period end, and the churn definition behind them.

    Attributes
    ----------
    data : pandas.DataFrame
        :func:`analysis.survival.compute_survival_data` (indexed by ``customer_id``);
        without a threshold only contract rows are kept.
    threshold : float or None
        Days of silence after which a non-contract customer has churned; None when it
        is not set and no customer bought twice (non-contract churn is then undefined).
    threshold_source : {"set", "gaps", "none"}
    has_subscriptions : bool
    """

    data: pd.DataFrame
    threshold: float | None
    threshold_source: str
    has_subscriptions: bool

    def of(self, kind: str) -> pd.DataFrame:
        return self.data[self.data["contract"].astype(bool) == (kind == CONTRACT)]

    @property
    def threshold_arg(self) -> float:
        return _UNUSED_THRESHOLD if self.threshold is None else self.threshold


def _has_rows(wh, as_of) -> bool:
    """Whether anyone had bought or held a contract by ``as_of`` (else no survival rows)."""
    day = ibis.date(pd.Timestamp(as_of).date())
    t = wh["transactions"]
    bought = t.filter((t[ORDER_DATE] <= day) & (t[AMOUNT] > 0) & t[CUSTOMER_ID].notnull())
    if bought.count().execute():
        return True
    if not wh.has("subscriptions"):
        return False
    s = wh["subscriptions"]
    return bool(s.filter((s[START_DATE] <= day) & s[CUSTOMER_ID].notnull()).count().execute())


def _survival_at(ctx: RunContext, as_of, threshold: float | None) -> pd.DataFrame | None:
    from analysis.survival import compute_survival_data

    if not _has_rows(ctx.warehouse, as_of):
        return None
    data = compute_survival_data(
        ctx.warehouse,
        as_of=as_of,
        threshold_days=_UNUSED_THRESHOLD if threshold is None else threshold,
        quantile=ctx.settings.churn_gap_quantile,
    )
    if threshold is None:
        data = data[data["contract"].astype(bool)]
    return data


def _threshold(ctx: RunContext) -> tuple[float | None, str]:
    from analysis.features import compute_purchase_gaps
    from analysis.survival import choose_churn_threshold

    s = ctx.settings
    if s.churn_threshold_days:
        return float(s.churn_threshold_days), "set"
    tx = ctx.warehouse["transactions"]
    gaps = compute_purchase_gaps(tx, as_of=ctx.as_of, quantiles=(s.churn_gap_quantile,))
    if not np.isfinite(gaps.iloc[0]):
        return None, "none"
    return choose_churn_threshold(tx, as_of=ctx.as_of, quantile=s.churn_gap_quantile), "gaps"


def churn_data(ctx: RunContext) -> ChurnData:
    """The survival rows of this run (computed once per context)."""

    def load() -> ChurnData:
        threshold, source = _threshold(ctx)
        data = _survival_at(ctx, ctx.as_of, threshold)
        if data is None:
            data = pd.DataFrame(
                {
                    "start": pd.Series(dtype="datetime64[ns]"),
                    "end": pd.Series(dtype="datetime64[ns]"),
                    DURATION: pd.Series(dtype=float),
                    EVENT: pd.Series(dtype=int),
                    "contract": pd.Series(dtype=bool),
                },
                index=pd.Index([], name=CUSTOMER_ID, dtype=object),
            )
        return ChurnData(data, threshold, source, ctx.has("subscriptions"))

    return ctx.memo("churn.data", load)


def _then(ctx: RunContext) -> tuple[pd.Timestamp, pd.DataFrame | None]:
    """The backtest's start (one horizon before the period end) and the survival rows then."""

    def load():
        then = ctx.as_of - pd.Timedelta(days=ctx.settings.horizon_days)
        return then, _survival_at(ctx, then, churn_data(ctx).threshold)

    return ctx.memo("churn.then", load)


def _gate(cd: ChurnData, kind: str, need: int, what: str) -> tuple[str, dict] | None:
    """Why ``kind`` customers cannot support an analysis needing ``need`` churn events."""
    if kind == CONTRACT and not cd.has_subscriptions:
        return "churn.skip.no_subscriptions", {}
    if kind == NONCONTRACT and cd.threshold is None:
        return "churn.skip.no_threshold", {}
    d = cd.of(kind)
    events = int(d[EVENT].sum())
    if d.empty:
        return f"churn.skip.no_{'contracts' if kind == CONTRACT else 'buyers'}", {}
    if events == 0:
        return f"churn.skip.{'none_ended' if kind == CONTRACT else 'none_churned'}", {"n": len(d)}
    if events < need:
        return f"churn.skip.too_few_events_{what}", {"n": events, "need": need, "kind": _kind(kind)}
    return None


# --- summary ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary(Section):
    """Contract and non-contract customers followed, how many left, the churn definition."""

    facts: dict
    threshold_source: str
    has_subscriptions: bool
    section = "churn.summary"

    def blocks(self) -> Iterator:
        key = "churn.summary.text" if self.threshold_source != "none" else "churn.summary.text_nc"
        yield Text(key, self.facts, {"end": "date", "h": "days"})
        if self.threshold_source == "gaps":
            yield Text("churn.summary.threshold_gaps", self.facts, {"thr": "days", "q": "pct"})
        elif self.threshold_source == "set":
            yield Text("churn.summary.threshold_set", self.facts, {"thr": "days"})
        else:
            yield Note("churn.skip.no_threshold")
        if not self.has_subscriptions:
            yield Note("churn.skip.no_subscriptions")


def summary(ctx: RunContext) -> Summary | Skipped:
    """Customers followed (contract / non-contract), churned so far, the churn definition."""
    cd = churn_data(ctx)
    c, n = cd.of(CONTRACT), cd.of(NONCONTRACT)
    buyers = ctx.features.index[ctx.features["orders"].fillna(0) > 0]
    # without a threshold the non-contract buyers have no survival rows, but they exist
    nn = len(n) if cd.threshold is not None else len(buyers.difference(c.index))
    if c.empty and not nn:
        return Skipped("churn.summary", "churn.skip.no_customers", {"end": str(ctx.period)})
    facts = {
        "end": ctx.as_of,
        "nc": len(c),
        "ec": int(c[EVENT].sum()),
        "nn": nn,
        "en": int(n[EVENT].sum()),
        "thr": cd.threshold,
        "q": ctx.settings.churn_gap_quantile,
        "h": ctx.settings.horizon_days,
    }
    return Summary(facts, cd.threshold_source, cd.has_subscriptions)


# --- survival curves ----------------------------------------------------------------------


@dataclass(frozen=True)
class KmPart:
    """Kaplan–Meier curves of one kind of customer.

    Attributes
    ----------
    kind : {"contract", "non-contract"}
    frame : pandas.DataFrame
        ``duration_days``, ``event`` and the grouping columns (codes).
    groups : tuple of str
        Grouping columns drawn (at most two with two groups of ``KM_MIN_GROUP``).
    summary : pandas.DataFrame
        :func:`analysis.survival.summarise_km` of the overall curve.
    logrank : dict
        Group column -> (overall test dict, pairwise frame with Holm-adjusted p).
    """

    kind: str
    frame: pd.DataFrame
    groups: tuple
    summary: pd.DataFrame
    logrank: dict


@dataclass(frozen=True)
class SurvivalCurves(Section):
    """Kaplan–Meier curves with log-rank tests, per kind; ``not_drawn``: kinds skipped."""

    parts: tuple
    not_drawn: tuple
    section = "churn.survival_curves"

    def blocks(self) -> Iterator:
        for part in self.parts:
            yield Heading(f"churn.survival_curves.{part.kind}")
            yield Chart(lambda lang, p=part: _draw_km(p, lang))
            yield _Table(part.summary.reset_index(), labels={"group": "churn.km."})
            for g, (overall, pairwise) in part.logrank.items():
                yield Text(
                    "churn.survival_curves.logrank",
                    {
                        "g": Word("label", f"covariate.{g}"),
                        "s": overall["test_statistic"],
                        "k": overall["groups"],
                        "p": overall["p"],
                    },
                    {"s": "float1", "p": "pvalue"},
                )
                scheme = CLASS_SCHEMES.get(g)
                classes = {"group_a": scheme, "group_b": scheme} if scheme else {}
                yield _Table(pairwise.head(10), classes=classes)
        for kind, reason, values in self.not_drawn:
            yield Heading(f"churn.survival_curves.{kind}")
            yield Note(reason, values)


def _draw_km(part: KmPart, lang: str):
    import matplotlib.pyplot as plt

    from analysis.i18n import t
    from analysis.plotting.survival import plot_km
    from analysis.survival import fit_km

    kind = t(f"churn.kind.{part.kind}", lang)
    n = 1 + len(part.groups)
    fig, axes = plt.subplots(1, n, figsize=(5 * n, 4), squeeze=False)
    every = t("churn.km.all", lang)
    words = {"xlabel": t("churn.km.days", lang), "ylabel": t("churn.km.survival", lang),
             "at_risk_label": t("churn.km.at_risk", lang)}  # fmt: skip
    f = part.frame.assign(_g=every)
    plot_km(
        fit_km(f, "_g", min_size=1),
        ax=axes[0, 0],
        title=t("churn.km.panel", lang, kind=kind, group=every),
        **words,
    )
    for ax, g in zip(axes[0, 1:], part.groups, strict=True):
        f = part.frame.assign(_g=_group_words(g, part.frame[g], lang))
        plot_km(
            fit_km(f, "_g", min_size=KM_MIN_GROUP),
            ax=ax,
            at_risk=False,
            title=t("churn.km.panel", lang, kind=kind, group=t(f"covariate.{g}", lang)),
            **words,
        )
    fig.tight_layout()
    return fig


def _km_groups(d: pd.DataFrame) -> list[str]:
    """Grouping columns with two groups of ``KM_MIN_GROUP`` customers and a churn in them."""
    out = []
    for g in KM_GROUPS:
        if g not in d.columns:
            continue
        sizes = d[g].astype("string").value_counts()
        kept = d[g].astype("string").isin(sizes.index[sizes >= KM_MIN_GROUP])
        if (sizes >= KM_MIN_GROUP).sum() >= 2 and d.loc[kept.fillna(False), EVENT].sum() > 0:
            out.append(g)
    return out[:2]


def survival_curves(ctx: RunContext) -> SurvivalCurves | Skipped:
    """Share of customers still with us after each number of days, by kind and group."""
    from analysis.survival import compute_logrank, fit_km, summarise_km

    cd = churn_data(ctx)
    parts, skipped = [], []
    for kind in (CONTRACT, NONCONTRACT):
        gate = _gate(cd, kind, MIN_EVENTS, "km")
        if gate:
            skipped.append((kind, *gate))
            continue
        d = cd.of(kind).join(ctx.classes[["value_tier"]], how="left")
        groups = _km_groups(d)
        frame = d[[DURATION, EVENT, *groups]]
        logrank = {g: compute_logrank(d, g, min_size=KM_MIN_GROUP) for g in groups}
        parts.append(KmPart(kind, frame, tuple(groups), summarise_km(fit_km(d)), logrank))
    if not parts:
        # the note about customers that exist says more than "no subscriptions table"
        absent = ("churn.skip.no_subscriptions", "churn.skip.no_contracts", "churn.skip.no_buyers")
        kind, reason, values = sorted(skipped, key=lambda s: s[1] in absent)[0]
        return Skipped("churn.survival_curves", reason, values)
    return SurvivalCurves(tuple(parts), tuple(skipped))


# --- contract model -----------------------------------------------------------------------


@dataclass(frozen=True)
class ContractFit:
    """The contract models: the backtest's choice refitted on today's data.

    ``model`` (Cox or Weibull AFT, the backtest's choice) gives churn probabilities;
    ``cox`` gives hazard ratios, the reasons and the relative risk (as before issue 9).
    ``holdout`` is ``"time"`` or the code of why the models were compared on a random
    split instead (``churn.holdout.<code>``), with ``holdout_values``.
    """

    backtest: Any
    holdout: str
    holdout_values: dict
    frame: pd.DataFrame
    model: Any
    cox: Any

    @property
    def best(self) -> str:
        return self.backtest.best

    @property
    def X(self) -> pd.DataFrame:
        return self.frame.drop(columns=[DURATION, EVENT])


def _holdout(ctx: RunContext) -> tuple[str, dict]:
    """Whether a time-based backtest of the contract models can run, and why not."""
    from analysis.survival import make_model_frame

    then, dt = _then(ctx)
    values = {"d": str(then.date()), "h": ctx.settings.horizon_days}
    if dt is None:
        return "no_data_then", values
    c = dt[dt["contract"].astype(bool)]
    events = int(c[EVENT].sum())
    if events < MIN_BACKTEST_EVENTS:
        return "too_few_then", {**values, "n": events, "need": MIN_BACKTEST_EVENTS}
    if make_model_frame(c).shape[1] <= 2:
        return "no_covariates_then", values
    active = c.index[c[EVENT] == 0]
    churned = int((churn_data(ctx).data.reindex(active)[EVENT] == 1).sum())
    if len(active) < 2 or churned == 0:
        return "no_churn_in_horizon", {**values, "n": len(active)}
    return "time", {}


def _contract(ctx: RunContext) -> ContractFit | Skipped:
    from analysis.survival import CoxModel, WeibullModel, make_model_frame, run_backtest

    def fit() -> ContractFit | Skipped:
        cd = churn_data(ctx)
        gate = _gate(cd, CONTRACT, MIN_EVENTS, "model")
        if gate:
            return Skipped("churn.contract_model", *gate)
        contract = cd.of(CONTRACT)
        frame = make_model_frame(contract)
        if frame.shape[1] <= 2:
            return Skipped("churn.contract_model", "churn.skip.no_covariates", {"n": len(contract)})
        seed = ctx.settings.seed
        holdout, values = _holdout(ctx)
        bt = run_backtest(
            ctx.warehouse,
            models={"cox": CoxModel(random_state=seed), "weibull": WeibullModel()},
            contract=True,
            horizon_days=ctx.settings.horizon_days,
            threshold_days=cd.threshold_arg,
            data_now=cd.data,
            # below the time-based minimum run_backtest compares on a random split
            min_events=MIN_BACKTEST_EVENTS if holdout == "time" else sys.maxsize,
            random_state=seed,
        )
        model = (WeibullModel() if bt.best == "weibull" else CoxModel(random_state=seed)).fit(
            frame, DURATION, EVENT
        )
        cox = model if bt.best == "cox" else CoxModel(random_state=seed).fit(frame, DURATION, EVENT)
        return ContractFit(bt, holdout, values, frame, model, cox)

    return ctx.memo("churn.contract", fit)


@dataclass(frozen=True)
class ContractModel(Section):
    """Cox against Weibull AFT on a holdout; the hazard ratios and the PH check of Cox.

    Attributes
    ----------
    metrics : pandas.DataFrame
        Per model (``cox``, ``weibull``): ``holdout_concordance``, ``integrated_brier``,
        ``train_concordance``, ``customers_scored``, ``churned_in_horizon``.
    best : str
        The model behind the churn probabilities.
    hazard_ratios : pandas.DataFrame
        ``covariate`` (code), ``hazard_ratio``, ``ci_lower``, ``ci_upper``, ``p``.
    ph_test : pandas.DataFrame
        ``covariate``, ``test_statistic``, ``p`` (before the remedy), smallest p first.
    ph_remedy : dict
        Covariate code -> ``strata`` or ``strata_quartiles``.
    """

    metrics: pd.DataFrame
    best: str
    holdout: str
    holdout_values: dict
    penalizer: float
    hazard_ratios: pd.DataFrame
    ph_test: pd.DataFrame
    ph_remedy: dict
    section = "churn.contract_model"

    def blocks(self) -> Iterator:
        m = self.metrics.loc[self.best]
        yield Text(
            "churn.contract_model.choice",
            {
                "m": _model(self.best),
                "c": m["holdout_concordance"],
                "b": m["integrated_brier"],
                "p": self.penalizer,
            },
            {"c": "float3", "b": "float3", "p": "float2"},
        )
        if self.holdout != "time":
            yield Note(f"churn.holdout.{self.holdout}", self.holdout_values)
        yield _Table(self.metrics.reset_index(), labels={"model": "churn.model."})
        if self.best != "cox":
            yield Text("churn.contract_model.cox_for_reasons", {"m": _model(self.best)})
        yield Heading("churn.contract_model.hr")
        yield _Table(self.hazard_ratios, covariates=("covariate",))
        yield Chart(self._draw_forest)
        yield Heading("churn.contract_model.ph")
        if self.ph_remedy:
            remedy = pd.DataFrame(
                {"covariate": list(self.ph_remedy), "remedy": list(self.ph_remedy.values())}
            )
            yield Text("churn.contract_model.ph_remedy")
            yield _Table(remedy, covariates=("covariate",), labels={"remedy": "churn.ph."})
        else:
            yield Text("churn.contract_model.ph_ok")
        yield _Table(self.ph_test.head(8), covariates=("covariate",))

    def _draw_forest(self, lang: str):
        import matplotlib.pyplot as plt

        from analysis.i18n import t
        from analysis.plotting.survival import plot_forest

        hr = self.hazard_ratios.set_index("covariate")
        hr.index = [_covariate_words(c, lang) for c in hr.index]
        fig, ax = plt.subplots(figsize=(7, 0.3 * len(hr) + 1.5))
        plot_forest(hr, ax=ax, title=t("churn.contract_model.forest", lang))
        ax.set_xlabel(t("churn.contract_model.forest_axis", lang))
        fig.tight_layout()
        return fig


def contract_model(ctx: RunContext) -> ContractModel | Skipped:
    """Cox and Weibull AFT fitted as of one horizon ago, scored since; the better one is used."""
    fit = _contract(ctx)
    if _skipped(fit):
        return fit
    cox = fit.cox
    remedy = {
        c: "strata_quartiles" if "quartiles" in r else "strata" for c, r in cox.ph_remedy_.items()
    }
    return ContractModel(
        metrics=fit.backtest.metrics,
        best=fit.best,
        holdout=fit.holdout,
        holdout_values=fit.holdout_values,
        penalizer=cox.penalizer_,
        hazard_ratios=cox.summary_.reset_index(),
        ph_test=cox.ph_test_.rename_axis("covariate").reset_index(),
        ph_remedy=remedy,
    )


# --- non-contract model -------------------------------------------------------------------


@dataclass(frozen=True)
class NonContractFit:
    """BG/NBD and Gamma-Gamma on every buyer; churn within the horizon for non-contract ones.

    ``churn``: ``churn_prob`` of active non-contract customers (empty without a churn
    threshold); ``cox``: the non-contract Cox model behind the reasons, or None with
    fewer than ``MIN_EVENTS`` churn events or no covariate.
    """

    rfm: pd.DataFrame
    bgnbd: Any
    gamma_gamma: Any
    clv: pd.DataFrame
    correlation: float
    churn: pd.DataFrame
    cox: Any
    frame: pd.DataFrame | None


def _noncontract(ctx: RunContext) -> NonContractFit | Skipped:
    from analysis.clv import BetaGeoModel, GammaGammaModel, compute_clv, compute_rfm_summary
    from analysis.survival import CoxModel, make_model_frame

    def fit() -> NonContractFit | Skipped:
        s = ctx.settings
        rfm = compute_rfm_summary(ctx.warehouse["transactions"], as_of=ctx.as_of)
        if len(rfm) < 2:
            return Skipped("churn.noncontract_model", "churn.skip.one_customer", {"n": len(rfm)})
        repeat = rfm[(rfm["frequency"] > 0) & (rfm["monetary_value"] > 0)]
        if len(repeat) < MIN_REPEAT_BUYERS:
            return Skipped(
                "churn.noncontract_model",
                "churn.skip.few_repeat_buyers",
                {"n": len(repeat), "need": MIN_REPEAT_BUYERS},
            )
        bg = BetaGeoModel().fit(rfm)
        gg = GammaGammaModel().fit(rfm)
        clv = compute_clv(rfm, bg, gg, months=s.clv_months)
        pair = rfm.loc[rfm["frequency"] > 0, ["frequency", "monetary_value"]]
        corr = float(pair.corr().iloc[0, 1])
        cd = churn_data(ctx)
        nc = cd.of(NONCONTRACT)
        active = nc.index[nc[EVENT] == 0]
        churn = pd.DataFrame({"churn_prob": pd.Series(dtype=float)})
        if cd.threshold is not None and len(active):
            prob = bg.predict_churn_within(
                rfm.reindex(active),
                horizon=s.horizon_days / 7,
                threshold=cd.threshold / 7,
                recency_now=nc.loc[active, "recency_days"].to_numpy() / 7,
            )
            churn = pd.DataFrame({"churn_prob": prob}, index=active)
        cox, frame = None, None
        if _gate(cd, NONCONTRACT, MIN_EVENTS, "model") is None:
            frame = make_model_frame(nc)
            if frame.shape[1] > 2:
                cox = CoxModel(penalizers=(0.01,), check_ph=False).fit(frame, DURATION, EVENT)
        return NonContractFit(rfm, bg, gg, clv, corr, churn, cox, frame)

    return ctx.memo("churn.noncontract", fit)


@dataclass(frozen=True)
class NonContractModel(Section):
    """BG/NBD and Gamma-Gamma parameters and the distribution of P(alive) and CLV.

    Attributes
    ----------
    params : pandas.DataFrame
        ``model`` (``bgnbd``, ``gamma_gamma``), ``parameter``, ``value``.
    clv : pandas.DataFrame
        Per customer: ``p_alive``, ``expected_purchases``, ``expected_spend``,
        ``expected_clv``.
    facts : dict
    """

    params: pd.DataFrame
    clv: pd.DataFrame
    facts: dict
    section = "churn.noncontract_model"

    def blocks(self) -> Iterator:
        yield Text("churn.noncontract_model.text", self.facts, {"r": "float2"})
        yield _Table(self.params, labels={"model": "churn.model."})
        yield Text("churn.noncontract_model.clv", self.facts, {"total": "money"})
        stats = self.clv.describe(percentiles=[0.25, 0.5, 0.75]).loc[
            ["mean", "25%", "50%", "75%", "max"]
        ]
        stats.index = ["mean", "p25", "median", "p75", "max"]
        yield _Table(stats.rename_axis("stat").reset_index(), labels={"stat": "churn.stat."})
        if not self.facts["scored"]:
            yield Note("churn.noncontract_model.no_churn_prob")


#: Parameter codes as printed in the papers (symbols, the same in both languages).
_SYMBOLS = {"alpha": "α", "v": "γ"}


def noncontract_model(ctx: RunContext) -> NonContractModel | Skipped:
    """P(alive), expected purchases and CLV from BG/NBD and Gamma-Gamma."""
    fit = _noncontract(ctx)
    if _skipped(fit):
        return fit
    rows = [("bgnbd", _SYMBOLS.get(k, k), v) for k, v in fit.bgnbd.params_.items()]
    rows += [("gamma_gamma", _SYMBOLS.get(k, k), v) for k, v in fit.gamma_gamma.params_.items()]
    params = pd.DataFrame(rows, columns=["model", "parameter", "value"])
    facts = {
        "n": fit.gamma_gamma.n_,
        "c": len(fit.rfm),
        "r": fit.correlation,
        "m": ctx.settings.clv_months,
        "total": float(fit.clv["expected_clv"].sum()),
        "scored": len(fit.churn),
    }
    return NonContractModel(
        params, fit.clv[["p_alive", "expected_purchases", "expected_spend", "expected_clv"]], facts
    )


# --- early-warning list -------------------------------------------------------------------


def _reason_codes(model, X: pd.DataFrame, n: int = N_REASONS) -> pd.DataFrame:
    """The ``n`` covariates raising each customer's hazard most: codes and factors.

    The arithmetic of :func:`analysis.survival.compute_reasons` (``β_j (x_ij - mean_j)``
    against the scored customers' mean; only contributions above 0.01 are named), kept
    as codes so the export is the same in both languages.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``X``: ``reason_<k>`` (covariate code, "" when none) and
        ``reason_<k>_factor`` (the hazard multiplier ``exp(contribution)``).
    """
    beta = model.fitter_.params_
    if isinstance(beta.index, pd.MultiIndex):  # Weibull AFT: a longer time is a lower hazard
        beta = -beta.loc["lambda_"].drop("Intercept", errors="ignore")
    beta = beta[[c for c in beta.index if c in X.columns]]
    Z = X[beta.index].astype(float)
    values = ((Z - Z.mean()) * beta.to_numpy()).to_numpy()
    names = np.array(beta.index, dtype=object)
    order = np.argsort(-values, axis=1, kind="stable")
    out = {}
    for k in range(n):
        code = np.full(len(values), "", dtype=object)
        factor = np.full(len(values), np.nan)
        if k < values.shape[1]:  # a model may have fewer covariates than n
            idx = order[:, k]
            v = values[np.arange(len(values)), idx]
            code = np.where(v > 0.01, names[idx], "")
            factor = np.where(v > 0.01, np.exp(v), np.nan)
        out[f"reason_{k + 1}"] = code
        out[f"reason_{k + 1}_factor"] = factor
    return pd.DataFrame(out, index=X.index)


def _reason_words(code: str, factor: float, lang: str) -> str:
    return "" if not code else f"{_covariate_words(code, lang)} (×{factor:.2f})"


def _risk_list(ctx: RunContext) -> pd.DataFrame | Skipped:
    from analysis.survival import build_at_risk_list, predict_churn

    def build() -> pd.DataFrame | Skipped:
        cd = churn_data(ctx)
        cf, nf = _contract(ctx), _noncontract(ctx)
        parts, reasons = [], []
        if not _skipped(cf):
            contract = cd.of(CONTRACT)
            active = contract.index[contract[EVENT] == 0]
            if len(active):
                Xa = cf.X.loc[active]
                pc = predict_churn(
                    cf.model,
                    Xa,
                    contract.loc[active, DURATION],
                    horizon_days=ctx.settings.horizon_days,
                )
                # a contract's value over the year: twelve monthly fees
                fee = (
                    contract.loc[active, "monthly_fee"].fillna(0)
                    if "monthly_fee" in contract
                    else pd.Series(0.0, index=active)
                )
                parts.append(pc.assign(expected_value=fee * 12, kind=CONTRACT))
                reasons.append(_reason_codes(cf.cox, Xa))
        if not _skipped(nf) and len(nf.churn):
            ids = nf.churn.index
            value = nf.clv["expected_clv"].reindex(ids).fillna(0)
            parts.append(nf.churn.assign(expected_value=value, kind=NONCONTRACT))
            if nf.cox is not None:
                reasons.append(
                    _reason_codes(nf.cox, nf.frame.drop(columns=[DURATION, EVENT]).loc[ids])
                )
        if not parts:
            if _skipped(cf) and _skipped(nf):
                return Skipped("churn.at_risk", "churn.skip.no_scores")
            return Skipped("churn.at_risk", "churn.skip.no_active")
        pred = pd.concat(parts)
        why = pd.concat(reasons) if reasons else _reason_codes_empty(pred.index)
        classes = ctx.class_export()
        extra = cd.data[[c for c in LIST_ATTRIBUTES if c in cd.data.columns]].join(
            classes[[c for c in LIST_CLASSES if c in classes.columns]]
        )
        table = build_at_risk_list(
            pred.drop(columns="expected_value"), why, value=pred["expected_value"], extra=extra
        )
        labels = {}
        for k in range(1, N_REASONS + 1):
            code = table[f"reason_{k}"].fillna("")
            factor = table.pop(f"reason_{k}_factor")
            table[f"reason_{k}"] = code
            for lang in ("zh", "en"):
                labels[f"reason_{k}_{lang}"] = [
                    _reason_words(c, f, lang) for c, f in zip(code, factor, strict=True)
                ]
        for col in LIST_CLASSES:
            for lang in ("zh", "en"):
                name = f"{col}_{lang}"
                if name in classes.columns:
                    labels[name] = classes[name].reindex(table["customer_id"]).to_numpy()
        return pd.concat([table, pd.DataFrame(labels, index=table.index)], axis=1)

    return ctx.memo("churn.at_risk", build)


def _reason_codes_empty(index: pd.Index) -> pd.DataFrame:
    cols = {}
    for k in range(1, N_REASONS + 1):
        cols[f"reason_{k}"] = pd.Series("", index=index, dtype=object)
        cols[f"reason_{k}_factor"] = pd.Series(np.nan, index=index)
    return pd.DataFrame(cols, index=index)


@dataclass(frozen=True)
class AtRisk(Section):
    """Active customers ranked by value at risk = churn probability × expected value.

    Attributes
    ----------
    table : pandas.DataFrame
        Every active customer scored (the export keeps the first ``top_n``): ``rank``,
        ``customer_id``, ``value_at_risk``, ``churn_prob``, ``expected_value``,
        ``expected_remaining_days`` (contracts), ``kind``, ``reason_1..3`` (covariate
        codes), customer attributes, ``value_tier``, ``rfm_eight``, ``lifecycle``,
        ``action`` (codes from ``ctx.classes``) and the ``_zh`` / ``_en`` labels.
    scored : tuple
        Per kind in the list: ``(kind, customers, model behind churn_prob, reasons)``;
        ``reasons`` is False when no Cox model could explain that kind.
    facts : dict
    notes : tuple
        ``(catalogue key, values)`` of caveats (every contract has ended).
    """

    table: pd.DataFrame
    scored: tuple
    facts: dict
    notes: tuple = ()
    section = "churn.at_risk"

    def blocks(self) -> Iterator:
        yield Text("churn.at_risk.text", self.facts, {"v": "money"})
        for kind, n, model, reasons in self.scored:
            key = "churn.at_risk.model" if reasons else "churn.at_risk.model_no_reasons"
            yield Text(key, {"kind": _kind(kind), "m": _model(model), "n": n})
        for reason, values in self.notes:
            yield Note(reason, values)
        yield _ListTable(self.table.head(SHOWN_ROWS))


@dataclass(frozen=True)
class _ListTable:
    frame: pd.DataFrame

    def render(self, lang: str):
        f = self.frame
        df = f[["rank", "customer_id", "value_at_risk", "churn_prob", "expected_value", "kind"]]
        reasons = f[[f"reason_{k}_{lang}" for k in range(1, N_REASONS + 1)]]
        df = df.assign(reasons=["; ".join(r for r in row if r) for row in reasons.to_numpy()])
        for col in LIST_CLASSES:  # the labels of ctx.classes' codes, as exported
            if f"{col}_{lang}" in f.columns:
                df[col] = f[f"{col}_{lang}"]
        return _Table(df, labels={"kind": "churn.kind."}).render(lang)


def at_risk(ctx: RunContext) -> AtRisk | Skipped:
    """The early-warning list (流失预警): who to call first, why, and the playbook action."""
    table = _risk_list(ctx)
    if _skipped(table):
        return table
    top = min(ctx.settings.top_n, len(table))
    cf, nf = _contract(ctx), _noncontract(ctx)
    notes = []
    contract = churn_data(ctx).of(CONTRACT)
    if not _skipped(cf) and not (contract[EVENT] == 0).any():
        notes.append(("churn.at_risk.all_ended", {"n": len(contract)}))
    models = {}
    if (table["kind"] == CONTRACT).any():
        models[CONTRACT] = cf.best
    if (table["kind"] == NONCONTRACT).any():
        models[NONCONTRACT] = "bgnbd"
    facts = {"n": len(table), "k": top, "v": float(table["value_at_risk"].head(top).sum())}
    counts = table["kind"].value_counts()
    # the reasons come from a Cox model whichever model gives the probabilities
    reasons = {CONTRACT: True, NONCONTRACT: not _skipped(nf) and nf.cox is not None}
    scored = tuple((kind, int(counts[kind]), models[kind], reasons[kind]) for kind in models)
    return AtRisk(table, scored, facts, tuple(notes))


# --- backtest -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BacktestPart:
    """The list one kind would have had one horizon ago, and how it did.

    ``top_k``: ``k``, ``churned_in_top_k``, ``precision``, ``recall``, ``lift``;
    ``calibration``: ``decile``, ``predicted``, ``observed``, ``customers``.
    """

    kind: str
    model: str
    as_of: str
    scored: int
    churned: int
    concordance: float
    top_k: pd.DataFrame
    calibration: pd.DataFrame


@dataclass(frozen=True)
class Backtest(Section):
    """Precision, recall and lift in the top k, and calibration, per kind."""

    parts: tuple
    notes: tuple
    horizon_days: int
    section = "churn.backtest"

    def blocks(self) -> Iterator:
        for p in self.parts:
            yield Heading(f"churn.backtest.{p.kind}")
            yield Text(
                "churn.backtest.text",
                {
                    "d": p.as_of,
                    "n": p.scored,
                    "c": p.churned,
                    "h": self.horizon_days,
                    "ci": p.concordance,
                    "m": _model(p.model),
                },
                {"d": "date", "ci": "float3"},
            )
            yield _Table(p.top_k)
            yield Chart(lambda lang, part=p: _draw_calibration(part, lang))
        for reason, values in self.notes:
            yield Note(reason, values)


def _draw_calibration(part: BacktestPart, lang: str):
    import matplotlib.pyplot as plt

    from analysis.i18n import t
    from analysis.plotting.survival import plot_calibration

    fig, ax = plt.subplots(figsize=(5, 4))
    title = t(
        "churn.backtest.calibration",
        lang,
        kind=t(f"churn.kind.{part.kind}", lang),
        m=t(f"churn.model.{part.model}", lang),
    )
    plot_calibration(part.calibration, ax=ax, title=title,
                     xlabel=t("churn.backtest.predicted", lang),
                     ylabel=t("churn.backtest.observed", lang))  # fmt: skip
    fig.tight_layout()
    return fig


def _noncontract_backtest_gate(ctx: RunContext) -> tuple[str, dict] | None:
    from analysis.clv import compute_rfm_summary

    cd = churn_data(ctx)
    gate = _gate(cd, NONCONTRACT, MIN_EVENTS, "model")
    if gate:
        return gate
    then, dt = _then(ctx)
    values = {"d": str(then.date()), "h": ctx.settings.horizon_days}
    if dt is None:
        return "churn.backtest.nc.no_data_then", values
    rfm = compute_rfm_summary(ctx.warehouse["transactions"], as_of=then)
    if len(rfm) < 2 or not (rfm["frequency"] > 0).any():
        return "churn.backtest.nc.no_repeat_then", values
    nc = dt[~dt["contract"].astype(bool)]
    active = nc.index[nc[EVENT] == 0]
    churned = int((cd.data.reindex(active)[EVENT] == 1).sum())
    if len(active) < 2 or churned == 0:
        return "churn.backtest.nc.no_churn_in_horizon", {**values, "n": len(active)}
    return None


def _part(kind: str, bt) -> BacktestPart:
    m = bt.metrics.loc[bt.best]
    return BacktestPart(
        kind,
        bt.best,
        bt.as_of,
        len(bt.scored),
        int(bt.scored["churned"].sum()),
        float(m["holdout_concordance"]),
        bt.top_k.reset_index(),
        bt.calibration.reset_index(),
    )


def backtest(ctx: RunContext) -> Backtest | Skipped:
    """The list each model would have produced one horizon ago, against who actually left."""
    from analysis.survival import run_noncontract_backtest

    h = ctx.settings.horizon_days
    parts, notes = [], []
    cf = _contract(ctx)
    if not _skipped(cf):
        if cf.holdout == "time":
            parts.append(_part(CONTRACT, cf.backtest))
        else:
            notes.append((f"churn.holdout.{cf.holdout}", cf.holdout_values))
    gate = _noncontract_backtest_gate(ctx)
    if gate is None:
        bt = run_noncontract_backtest(
            ctx.warehouse, horizon_days=h, threshold_days=churn_data(ctx).threshold
        )
        parts.append(_part(NONCONTRACT, bt))
    else:
        notes.append(gate)
    if not parts:
        then, _ = _then(ctx)
        return Skipped("churn.backtest", "churn.skip.no_history", {"d": str(then.date()), "h": h})
    return Backtest(tuple(parts), tuple(notes), h)


# --- exports ------------------------------------------------------------------------------

CUSTOMER_COLUMNS = ("churn_risk", "churn_prob", "p_alive", "expected_clv")


def customer_columns(ctx: RunContext) -> pd.DataFrame:
    """Per-customer churn columns for ``customers.csv`` (indexed by ``customer_id``).

    ``churn_prob``: active customers with a model; ``churn_risk``: relative hazard of
    the Cox models (everyone with a contract, or non-contract customers when their
    Cox model exists, those who left included); ``p_alive`` and ``expected_clv``:
    BG/NBD and Gamma-Gamma for every buyer.
    """

    def build() -> pd.DataFrame:
        cf, nf, table = _contract(ctx), _noncontract(ctx), _risk_list(ctx)
        risk = []
        if not _skipped(cf):
            risk.append(cf.cox.predict_partial_hazard(cf.X))
        if not _skipped(nf) and nf.cox is not None:
            risk.append(nf.cox.predict_partial_hazard(nf.frame.drop(columns=[DURATION, EVENT])))
        series = [pd.concat(risk).rename("churn_risk")] if risk else []
        if not _skipped(table):
            series.append(table.set_index("customer_id")["churn_prob"])
        if not _skipped(nf):
            series += [nf.clv["p_alive"], nf.clv["expected_clv"]]
        cols = pd.concat(series, axis=1) if series else pd.DataFrame()
        cols = cols.reindex(columns=list(CUSTOMER_COLUMNS)).astype(float)
        return cols.rename_axis(CUSTOMER_ID).sort_index().round(6)

    return ctx.memo("churn.customer_columns", build)


@dataclass(frozen=True)
class Exports(Section):
    """Files this page wrote: the early-warning list and the per-customer columns."""

    files: tuple
    facts: dict
    section = "churn.exports"

    def blocks(self) -> Iterator:
        yield Text("churn.exports.text", self.facts)


def exports(ctx: RunContext) -> Exports:
    """Write ``exports/at_risk.csv``/``.xlsx`` (first ``top_n``) and the customer columns.

    Codes and stable English column names in both languages; the class columns come
    with their zh and en labels.
    """
    from analysis.export import export_table
    from analysis.reporting.customers import write_customer_columns

    table = _risk_list(ctx)
    cols = customer_columns(ctx)
    rows = 0 if _skipped(table) else min(ctx.settings.top_n, len(table))
    written: list[Path] = []
    if ctx.report_dir:
        if rows:
            written += export_table(
                table.head(rows).round(4), ctx.report_dir / "exports" / "at_risk"
            )
        part = write_customer_columns(ctx.report_dir, "churn", cols)
        if part is not None:
            written.append(part)
    facts = {
        "n": int(cols.notna().any(axis=1).sum()),
        "p": int(cols["churn_prob"].notna().sum()),
        "c": int(cols["expected_clv"].notna().sum()),
        "k": rows,
        "f": len(written),
    }
    return Exports(tuple(str(p) for p in written), facts)


__all__ += ["ChurnData", "churn_data", "Skipped"]
