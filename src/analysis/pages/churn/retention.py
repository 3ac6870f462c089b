"""Contract retention by plan: the shifted beta-geometric projection beside Kaplan–Meier."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analysis.pages.base import Chart, Note, Section, Skipped, Text
from analysis.pages.churn._common import CONTRACT, DURATION, EVENT, MIN_EVENTS, _Table
from analysis.pages.churn.data import _gate, churn_data
from analysis.pages.context import RunContext

#: Months ahead the projection is read at (and drawn to, beyond the data).
PROJECT_MONTHS = (12, 24, 36)


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
    not_fitted : tuple
        ``(group, reason key, values)`` of plans too small or without a loss.
    """

    fits: pd.DataFrame
    curves: pd.DataFrame
    not_fitted: tuple
    section = "churn.contract_retention"

    def blocks(self) -> Iterator:
        yield Text("churn.contract_retention.text", {"n": len(self.fits)})
        cols = ["group", "customers", "lost", "alpha", "beta", "churn_rate"]
        yield _Table(self.fits[cols])
        proj = ["group"] + [f"{k}_{m}m" for m in PROJECT_MONTHS for k in ("km", "sbg")]
        yield _Table(self.fits[proj])
        if self.fits["boundary"].any():
            yield Note("churn.contract_retention.constant",
                       {"n": int(self.fits["boundary"].sum())})  # fmt: skip
        yield Chart(self._draw)
        for group, reason, values in self.not_fitted:
            yield Note(reason, {**values, "g": group})

    def _draw(self, lang: str):
        import matplotlib.pyplot as plt

        from analysis.i18n import t
        from analysis.plotting.retention import plot_sbg_vs_km

        fig, ax = plt.subplots(figsize=(7, 4.2))
        plot_sbg_vs_km(
            self.curves,
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
    skipped = tuple(
        (str(g), str(r["reason"]), {"n": int(r["customers"]), "need": int(r["need"] or 0)})
        for g, r in fits[fits["reason"].notna()].iterrows()
    )
    if ok.empty:
        g, reason, values = skipped[0]
        return Skipped("churn.contract_retention", reason, {**values, "g": g})
    table = ok.reset_index()[["group", "customers", "lost", "alpha", "beta", "churn_rate",
                              "boundary"]].copy()  # fmt: skip
    curves = out.curves[out.curves["group"].isin(ok.index)]
    for m in PROJECT_MONTHS:
        at = curves[curves["period"] == m].set_index("group")
        table[f"km_{m}m"] = table["group"].map(at["km_survival"])
        table[f"sbg_{m}m"] = table["group"].map(at["sbg_survival"])
    table["group"] = table["group"].astype(str)
    return ContractRetention(table, curves.reset_index(drop=True), skipped)
