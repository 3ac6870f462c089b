"""Contract retention by plan: the shifted beta-geometric projection beside Kaplan–Meier."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analysis.pages.base import Chart, Note, Section, Skipped, Text
from analysis.pages.churn._common import CONTRACT, DURATION, EVENT, MIN_EVENTS, _Table
from analysis.pages.churn.data import _gate, churn_data
from analysis.pages.context import RunContext
from analysis.privacy import OTHER, fold_small_groups

#: Months ahead the projection is read at (and drawn to, beyond the data).
PROJECT_MONTHS = (12, 24, 36)
#: Fewest contract customers of a plan for its own sBG fit.
MIN_SBG_CUSTOMERS = 20


@dataclass(frozen=True)
class ContractRetention(Section):
    """sBG retention per plan (Fader and Hardie 2007), projected beside Kaplan–Meier.

    Attributes
    ----------
    fits : pandas.DataFrame
        ``group`` (plan), ``customers``, ``lost``, ``alpha``, ``beta``, ``churn_rate``
        (mean monthly churn of a new customer), ``boundary`` (True when retention does
        not rise with tenure: the fit is a constant monthly churn), and the projected
        ``sbg_<m>m`` beside ``km_<m>m`` for m in :data:`PROJECT_MONTHS` (NaN where
        Kaplan–Meier has no customer that old).
    curves : pandas.DataFrame
        ``group``, ``period`` (months), ``km_survival``, ``sbg_survival``.
    by : str or None
        The grouping column (``plan``), or None: one group ``all`` (no plan column).
    not_fitted : pandas.DataFrame
        ``group``, ``customers``, ``lost``, ``why`` (``too_few_customers``, ``no_loss``,
        ``not_identified``) of the plans no sBG could be fitted to; plans of fewer than
        ``min_size`` customers are one group ``other`` (too few customers).
    """

    fits: pd.DataFrame
    curves: pd.DataFrame
    not_fitted: pd.DataFrame
    by: str | None = "plan"
    min_size: int = 5
    section = "churn.contract_retention"

    def blocks(self) -> Iterator:
        yield Text("churn.contract_retention.text", {"n": len(self.fits)})
        # without a plan column the one group is "all", a code with catalogue words
        labels = {} if self.by else {"group": "churn.contract_retention.group."}
        cols = ["group", "customers", "lost", "alpha", "beta", "churn_rate"]
        yield _Table(self.fits[cols], labels=labels)
        proj = ["group"] + [f"{k}_{m}m" for m in PROJECT_MONTHS for k in ("km", "sbg")]
        yield _Table(self.fits[proj], labels=labels)
        if self.fits["boundary"].any():
            yield Note("churn.contract_retention.constant",
                       {"n": int(self.fits["boundary"].sum())})  # fmt: skip
        yield Chart(self._draw)
        if len(self.not_fitted):
            yield Note("churn.contract_retention.not_fitted", {"need": MIN_SBG_CUSTOMERS})
            yield _Table(
                self.not_fitted,
                labels={"why": "churn.contract_retention.why_not."},
                folded=("group",),
            )
            if self.not_fitted["group"].eq(OTHER).any():
                yield Note("privacy.folded", {"n": self.min_size})

    def _draw(self, lang: str):
        import matplotlib.pyplot as plt

        from analysis.i18n import t
        from analysis.plotting.retention import plot_sbg_vs_km

        curves = self.curves
        if not self.by:
            curves = curves.assign(group=t("churn.contract_retention.group.all", lang))
        fig, ax = plt.subplots(figsize=(7, 4.2))
        plot_sbg_vs_km(
            curves,
            ax=ax,
            title=t("churn.contract_retention.chart", lang),
            xlabel=t("churn.contract_retention.months", lang),
            ylabel=t("churn.km.survival", lang),
            km_label=t("churn.contract_retention.km", lang),
            sbg_label=t("churn.contract_retention.sbg", lang),
        )
        fig.tight_layout()
        return fig


def contract_retention(ctx: RunContext) -> ContractRetention | Skipped:
    """Monthly retention of each plan projected by the sBG model, beside Kaplan–Meier."""
    from analysis.survival import fit_sbg_cohorts

    cd = churn_data(ctx)
    gate = _gate(cd, CONTRACT, MIN_EVENTS, "km")
    if gate:
        return Skipped("churn.contract_retention", *gate)
    contract = cd.of(CONTRACT)
    by = "plan" if "plan" in contract and contract["plan"].notna().any() else None
    horizon = max(PROJECT_MONTHS)
    out = fit_sbg_cohorts(contract, by=by, horizon=horizon, duration_col=DURATION, event_col=EVENT)
    fits = out.fits
    ok = fits[fits["reason"].isna()]
    bad = fits[fits["reason"].notna()].rename_axis("group").reset_index()
    not_fitted = pd.DataFrame(
        {
            "group": bad["group"].astype(str),
            "customers": bad["customers"].astype(int),
            "lost": bad["lost"].astype(int),
            "why": bad["reason"].str.replace("churn.skip.sbg_", "", regex=False),
        }
    )
    # plans of fewer customers than the minimum are shown together; all of them are
    # below MIN_SBG_CUSTOMERS, so "too few customers" is their reason
    small = not_fitted["customers"] < ctx.settings.min_group_size
    if small.any():
        folded = fold_small_groups(
            not_fitted.drop(columns="why"),
            group="group",
            size="customers",
            min_size=ctx.settings.min_group_size,
        )
        reason = not_fitted.set_index("group")["why"]
        folded["why"] = folded["group"].map(reason).fillna("too_few_customers")
        not_fitted = folded
    if ok.empty:
        return Skipped("churn.contract_retention", "churn.skip.sbg_none_fitted",
                       {"need": MIN_SBG_CUSTOMERS})  # fmt: skip
    table = ok.rename_axis("group").reset_index()[
        ["group", "customers", "lost", "alpha", "beta", "churn_rate", "boundary"]
    ]
    curves = out.curves[out.curves["group"].isin(ok.index)]
    for m in PROJECT_MONTHS:
        at = curves[curves["period"] == m].set_index("group")
        table[f"km_{m}m"] = table["group"].map(at["km_survival"])
        table[f"sbg_{m}m"] = table["group"].map(at["sbg_survival"])
    table["group"] = table["group"].astype(str)
    return ContractRetention(
        table, curves.reset_index(drop=True), not_fitted, by, ctx.settings.min_group_size
    )
