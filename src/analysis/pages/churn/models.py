"""The churn models: Cox vs Weibull AFT for contracts, BG/NBD + Gamma-Gamma otherwise.

The fits (:func:`_contract`, :func:`_noncontract`) are computed once per context and
shared with the early-warning list, the backtest and the exports.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.pages.base import Chart, Heading, Note, Section, Skipped, Text
from analysis.pages.churn._common import (
    CONTRACT,
    DURATION,
    EVENT,
    MIN_BACKTEST_EVENTS,
    MIN_EVENTS,
    MIN_REPEAT_BUYERS,
    _covariate_words,
    _model,
    _skipped,
    _Table,
)
from analysis.pages.churn.data import _gate, _then, churn_data, contract_ids
from analysis.pages.context import RunContext


@dataclass(frozen=True)
class ContractFit:
    """The contract model: the holdout's choice, refitted on today's data.

    ``model`` (``best``: ``cox``, ``cox_unstratified`` or ``weibull``) gives the churn
    probabilities, the reasons and the hazard ratios: one model behind the list.
    ``holdout`` is ``"time"`` or the code of why the models were compared on a random
    split instead (``churn.holdout.<code>``), with ``holdout_values``.
    """

    backtest: Any
    holdout: str
    holdout_values: dict
    frame: pd.DataFrame
    model: Any

    @property
    def best(self) -> str:
        return self.backtest.best

    @property
    def X(self) -> pd.DataFrame:
        return self.frame.drop(columns=[DURATION, EVENT])

    @property
    def spec(self) -> dict:
        return self.frame.attrs["spec"]


def _estimator(code: str, seed: int):
    """A fresh model of the holdout's candidate ``code``."""
    from analysis.survival import CoxModel, WeibullModel

    if code == "weibull":
        return WeibullModel()
    return CoxModel(random_state=seed, check_ph=code != "cox_unstratified")


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
    from analysis.survival import make_model_frame, run_backtest

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
            models={"cox": _estimator("cox", seed), "weibull": _estimator("weibull", seed)},
            contract=True,
            horizon_days=ctx.settings.horizon_days,
            threshold_days=cd.threshold_arg,
            data_now=cd.data,
            # below the time-based minimum run_backtest compares on a random split
            min_events=MIN_BACKTEST_EVENTS if holdout == "time" else sys.maxsize,
            random_state=seed,
        )
        model = _estimator(bt.best, seed).fit(frame, DURATION, EVENT)
        return ContractFit(bt, holdout, values, frame, model)

    return ctx.memo("churn.contract", fit)


@dataclass(frozen=True)
class ContractModel(Section):
    """Cox against Weibull AFT on a holdout; hazard ratios of the chosen model; PH check.

    Attributes
    ----------
    metrics : pandas.DataFrame
        Per candidate (``cox``, ``cox_unstratified`` when the PH check stratified,
        ``weibull``): ``holdout_concordance`` (of the exported churn probability),
        ``integrated_brier``, ``train_concordance``, ``customers_scored``,
        ``churned_in_horizon``.
    best : str
        The model behind the churn probabilities, the reasons and the hazard ratios.
    hazard_ratios : pandas.DataFrame
        ``covariate`` (code), ``hazard_ratio``, ``ci_lower``, ``ci_upper``, ``p`` of ``best``
        (a Weibull AFT's implied hazard ratios).
    ph_test : pandas.DataFrame
        ``covariate``, ``test_statistic``, ``p`` of the Cox candidate (before the
        remedy), smallest p first.
    ph_remedy : dict
        Covariate code -> ``strata`` or ``strata_quartiles``.
    ph_alpha : float
        The p-value below which a covariate fails the check (the Cox model's ``ph_alpha``).
    """

    metrics: pd.DataFrame
    best: str
    holdout: str
    holdout_values: dict
    penalizer: float
    hazard_ratios: pd.DataFrame
    ph_test: pd.DataFrame
    ph_remedy: dict
    ph_alpha: float = 0.001
    section = "churn.contract_model"

    def blocks(self) -> Iterator:
        m = self.metrics.loc[self.best]
        yield Text(
            "churn.contract_model.choice",
            {"m": _model(self.best), "c": m["holdout_concordance"], "b": m["integrated_brier"]},
            {"c": "float3", "b": "float3"},
        )
        if self.holdout != "time":
            yield Note(f"churn.holdout.{self.holdout}", self.holdout_values)
        yield _Table(self.metrics.reset_index(), labels={"model": "churn.model."})
        yield Text("churn.contract_model.one_model", {"m": _model(self.best)})
        yield Heading("churn.contract_model.hr")
        yield _Table(self.hazard_ratios, covariates=("covariate",))
        yield Chart(self._draw_forest)
        if self.ph_test.empty:
            return
        yield Heading("churn.contract_model.ph")
        if self.ph_remedy:
            remedy = pd.DataFrame(
                {"covariate": list(self.ph_remedy), "remedy": list(self.ph_remedy.values())}
            )
            yield Text("churn.contract_model.ph_remedy", {"alpha": self.ph_alpha},
                       {"alpha": "float3"})  # fmt: skip
            yield _Table(remedy, covariates=("covariate",), labels={"remedy": "churn.ph."})
        else:
            yield Text("churn.contract_model.ph_ok", {"alpha": self.ph_alpha},
                       {"alpha": "float3"})  # fmt: skip
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
    """Cox and Weibull AFT compared on a holdout; the better one gives every contract figure."""
    from analysis.survival import hazard_ratio_table

    fit = _contract(ctx)
    if _skipped(fit):
        return fit
    cox = fit.backtest.models.get("cox")
    remedy = {
        c: "strata_quartiles" if "quartiles" in r else "strata"
        for c, r in (cox.ph_remedy_ if cox is not None else {}).items()
    }
    ph = cox.ph_test_ if cox is not None else pd.DataFrame(columns=["test_statistic", "p"])
    return ContractModel(
        metrics=fit.backtest.metrics,
        best=fit.best,
        holdout=fit.holdout,
        holdout_values=fit.holdout_values,
        penalizer=getattr(fit.model, "penalizer_", getattr(fit.model, "penalizer", 0.0)),
        hazard_ratios=hazard_ratio_table(fit.model).reset_index(),
        ph_test=ph.rename_axis("covariate").reset_index(),
        ph_remedy=remedy,
        ph_alpha=cox.ph_alpha if cox is not None else 0.001,
    )


@dataclass(frozen=True)
class NonContractFit:
    """The purchase model of non-contract customers and everything read from it.

    ``best`` (``bgnbd``, ``mbgnbd`` or ``pareto_nbd``) predicted the holdout purchases
    best (``holdout_errors``, ``holdout_buckets`` by calibration frequency, ``tracking``:
    cumulative repeat purchases week by week; empty without a holdout); it is refitted
    on today's data (``model``) and gives P(alive), churn and CLV. ``tau``: the P(alive)
    below which a customer counts as churned (``tau_table``: the backtest behind it;
    ``tau_source`` ``backtest``, ``default``, or ``set`` when the parameter
    ``churn_threshold_days`` defines churn as a silence instead). ``churn``:
    ``churn_prob`` of customers not yet counted as churned; ``value_if_alive``:
    discounted value over the CLV months if the customer stays; ``reasons``: reason
    codes (silence against rhythm);
    ``backtest``: the customers not counted as churned one horizon ago with the
    ``churn_prob`` the model gave them then and ``churned`` (1 when they were counted as
    churned within the horizon: no purchase until P(alive) fell below ``tau``); None
    without history.
    """

    rfm: pd.DataFrame
    best: str
    model: Any
    gamma_gamma: Any
    clv: pd.DataFrame
    correlation: float
    tau: float
    tau_source: str
    tau_table: pd.DataFrame
    holdout_errors: pd.DataFrame
    holdout_buckets: pd.DataFrame
    tracking: pd.DataFrame
    churn: pd.DataFrame
    value_if_alive: pd.Series
    reasons: pd.DataFrame
    backtest: pd.DataFrame | None = None


#: P(alive) threshold when no backtest is possible (no purchases one horizon ago).
DEFAULT_TAU = 0.3


def _noncontract(ctx: RunContext) -> NonContractFit | Skipped:
    from analysis.clv import (
        PURCHASE_MODELS,
        GammaGammaModel,
        calibration_and_holdout,
        calibration_rfm,
        compute_clv,
        compute_daily_repeat_purchases,
        compute_rfm_summary,
        compute_tracking,
    )
    from analysis.survival import compute_silence_reasons
    from analysis.survival.noncontract import (
        backtest_churn,
        choose_alive_threshold,
        choose_purchase_model,
        churn_within,
        fit_purchase_models,
        not_yet_churned,
        silence_left,
    )

    def fit() -> NonContractFit | Skipped:
        s = ctx.settings
        threshold = s.churn_threshold_days or None
        contract = contract_ids(ctx)
        rfm = compute_rfm_summary(ctx.warehouse["transactions"], as_of=ctx.as_of)
        rfm = rfm[~rfm.index.isin(contract)]  # contract customers have their own model
        if rfm.empty:
            return Skipped("churn.noncontract_model", "churn.skip.no_buyers")
        if len(rfm) < 2:
            return Skipped("churn.noncontract_model", "churn.skip.one_customer", {"n": len(rfm)})
        repeat = rfm[(rfm["frequency"] > 0) & (rfm["monetary_value"] > 0)]
        if len(repeat) < MIN_REPEAT_BUYERS:
            return Skipped(
                "churn.noncontract_model",
                "churn.skip.few_repeat_buyers",
                {"n": len(repeat), "need": MIN_REPEAT_BUYERS},
            )
        h_units = s.horizon_days / 7
        then = ctx.as_of - pd.Timedelta(days=s.horizon_days)
        tx = ctx.warehouse["transactions"]
        cal = calibration_and_holdout(
            tx, calibration_end=then, observation_end=ctx.as_of, customers=rfm.index
        )
        rfm_then = calibration_rfm(cal)
        errors = pd.DataFrame(columns=["holdout_log_loss", "weighted_mae", "predicted_total",
                                       "actual_total"])  # fmt: skip
        buckets, tracking = pd.DataFrame(), pd.DataFrame()
        tau, tau_source, tau_table = DEFAULT_TAU, "default", pd.DataFrame()
        if threshold is not None:
            tau_source = "set"
        scored = None
        fitted_then = fit_purchase_models(rfm_then) if (rfm_then["frequency"] > 0).any() else {}
        if fitted_then:
            best, buckets, errors = choose_purchase_model(fitted_then, cal)
            daily = compute_daily_repeat_purchases(tx, observation_end=ctx.as_of,
                                                   customers=cal.index)  # fmt: skip
            tracking = compute_tracking(fitted_then, cal, daily)
            if threshold is None:
                bought = cal["frequency_holdout"].to_numpy() > 0
                tau, tau_table = choose_alive_threshold(
                    fitted_then[best].predict_p_alive(rfm_then), bought
                )
                tau_source = "backtest"
            scored = backtest_churn(fitted_then[best], cal, tau=tau, horizon=h_units,
                                    threshold_days=threshold)  # fmt: skip
            model = PURCHASE_MODELS[best]().fit(rfm)
        else:  # no purchase history one horizon ago: the best fit today
            fitted = fit_purchase_models(rfm)
            best = max(fitted, key=lambda k: fitted[k].loglik_)
            model = fitted[best]
        gg = GammaGammaModel().fit(rfm)
        clv = compute_clv(rfm, model, gg, months=s.clv_months)
        value = clv["expected_clv"] / clv["p_alive"].clip(lower=1e-9)
        pair = rfm.loc[rfm["frequency"] > 0, ["frequency", "monetary_value"]]
        corr = float(pair.corr().iloc[0, 1])
        alive = not_yet_churned(model, rfm, tau=tau, threshold_days=threshold)
        left = silence_left(model, alive, tau=tau, horizon=h_units, threshold_days=threshold)
        churn = churn_within(model, alive, silence_left=left)[["churn_prob"]]
        reasons = compute_silence_reasons(rfm)
        return NonContractFit(
            rfm, best, model, gg, clv, corr, tau, tau_source, tau_table, errors, buckets,
            tracking, churn, value, reasons, scored,
        )  # fmt: skip

    return ctx.memo("churn.noncontract", fit)


@dataclass(frozen=True)
class NonContractModel(Section):
    """The purchase models on the holdout, the chosen one's parameters, churn and CLV.

    Attributes
    ----------
    best : str
        ``bgnbd``, ``mbgnbd`` or ``pareto_nbd``: the model behind P(alive), churn and CLV.
    errors : pandas.DataFrame
        Per candidate ``model``: ``holdout_log_loss`` (the choice), ``weighted_mae``,
        ``predicted_total``, ``actual_total``.
    buckets : pandas.DataFrame
        Indexed by calibration repeat purchases (``"0"`` … ``"7+"``): ``customers``,
        ``actual`` and one column per model (mean holdout purchases).
    tracking : pandas.DataFrame
        :func:`analysis.clv.compute_tracking`: cumulative repeat purchases by week,
        actual and per model, across the calibration and holdout windows.
    tau_table : pandas.DataFrame
        ``tau``, ``declared``, ``returned``, ``return_rate`` of the threshold backtest.
    params : pandas.DataFrame
        ``model``, ``parameter``, ``value`` (chosen model and Gamma-Gamma).
    clv : pandas.DataFrame
        Per customer: ``p_alive``, ``expected_purchases``, ``expected_spend``,
        ``expected_clv``.
    facts : dict
    """

    best: str
    errors: pd.DataFrame
    buckets: pd.DataFrame
    tracking: pd.DataFrame
    tau_table: pd.DataFrame
    params: pd.DataFrame
    clv: pd.DataFrame
    facts: dict
    section = "churn.noncontract_model"

    def blocks(self) -> Iterator:
        if len(self.errors):
            yield Text("churn.noncontract_model.choice", {**self.facts, "m": _model(self.best)})
            yield _Table(self.errors.reset_index(), labels={"model": "churn.model."})
            losses = self.errors["holdout_log_loss"].astype(float).sort_values()
            if len(losses) > 1 and (losses.iloc[1] - losses.iloc[0]) / losses.iloc[0] < 0.01:
                gap = (losses.iloc[1] - losses.iloc[0]) / losses.iloc[0]
                yield Note("churn.noncontract_model.close", {"d": gap}, {"d": "pct"})
            yield Chart(self._draw_holdout)
        else:
            yield Note("churn.noncontract_model.no_holdout", {"m": _model(self.best)})
        key = f"churn.noncontract_model.tau_{self.facts['tau_source']}"
        yield Text(key, self.facts, {"tau": "pct", "rate": "pct"})
        if len(self.tau_table):
            yield _Table(self.tau_table)
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

    def _draw_holdout(self, lang: str):
        import matplotlib.pyplot as plt

        from analysis.i18n import t
        from analysis.plotting.clv import plot_conditional_expected, plot_tracking

        models = [c for c in self.tracking.columns if c in self.errors.index]
        labels = {"actual": t("churn.noncontract_model.actual", lang)}
        labels.update({m: t(f"churn.model.{m}", lang) for m in models})
        fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
        plot_tracking(
            self.tracking,
            ax=a,
            title=t("churn.noncontract_model.tracking", lang),
            xlabel=t("churn.noncontract_model.weeks_axis", lang),
            ylabel=t("churn.noncontract_model.cumulative_axis", lang),
            labels=labels,
        )
        plot_conditional_expected(
            self.buckets,
            ax=b,
            title=t("churn.noncontract_model.buckets", lang),
            xlabel=t("churn.noncontract_model.bucket_axis", lang),
            ylabel=t("churn.noncontract_model.holdout_axis", lang),
            labels=labels,
        )
        fig.tight_layout()
        return fig


#: Parameter codes as printed in the papers (symbols, the same in both languages).
_SYMBOLS = {"alpha": "α", "beta": "β", "v": "γ"}


def noncontract_model(ctx: RunContext) -> NonContractModel | Skipped:
    """Purchase models compared on the holdout; P(alive), churn threshold and CLV."""
    fit = _noncontract(ctx)
    if _skipped(fit):
        return fit
    rows = [(fit.best, _SYMBOLS.get(k, k), v) for k, v in fit.model.params_.items()]
    rows += [("gamma_gamma", _SYMBOLS.get(k, k), v) for k, v in fit.gamma_gamma.params_.items()]
    params = pd.DataFrame(rows, columns=["model", "parameter", "value"])
    chosen = fit.tau_table[fit.tau_table["tau"] == fit.tau] if len(fit.tau_table) else None
    facts = {
        "n": fit.gamma_gamma.n_,
        "c": len(fit.rfm),
        "r": fit.correlation,
        "m": ctx.settings.clv_months,
        "total": float(fit.clv["expected_clv"].sum()),
        "scored": len(fit.churn),
        "tau": fit.tau,
        "tau_source": fit.tau_source,
        "rate": float(chosen["return_rate"].iloc[0]) if chosen is not None and len(chosen) else 0.0,
        "max_rate": 0.10,
        "churned": int((fit.clv["p_alive"] < fit.tau).sum()),
        "h": ctx.settings.horizon_days,
        "thr": ctx.settings.churn_threshold_days or 0,
    }
    if fit.tau_source == "set":
        silent = (fit.rfm["T"] - fit.rfm["recency"]) * 7
        facts["churned"] = int((silent > ctx.settings.churn_threshold_days).sum())
    return NonContractModel(
        fit.best,
        fit.holdout_errors,
        fit.holdout_buckets,
        fit.tracking,
        fit.tau_table,
        params,
        fit.clv[["p_alive", "expected_purchases", "expected_spend", "expected_clv"]],
        facts,
    )
