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
    NONCONTRACT,
    _covariate_words,
    _model,
    _skipped,
    _Table,
)
from analysis.pages.churn.data import _gate, _then, churn_data
from analysis.pages.context import RunContext


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
        ph_alpha=cox.ph_alpha,
    )


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
