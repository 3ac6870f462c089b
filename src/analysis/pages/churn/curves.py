"""What the survival data show: the summary and the Kaplan–Meier survival curves."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from analysis.pages.base import Chart, Heading, Note, Section, Skipped, Text, Word
from analysis.pages.churn._common import (
    CLASS_SCHEMES,
    CONTRACT,
    DURATION,
    EVENT,
    KM_GROUPS,
    KM_MIN_GROUP,
    MIN_EVENTS,
    NONCONTRACT,
    _group_words,
    _Table,
)
from analysis.pages.churn.data import _gate, churn_data
from analysis.pages.context import RunContext


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
        if self.threshold_source == "model":
            yield Text("churn.summary.definition_model", self.facts, {"tau": "pct"})
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
    nn = len(n) if cd.threshold_source != "none" else len(buyers.difference(c.index))
    if c.empty and not nn:
        return Skipped("churn.summary", "churn.skip.no_customers", {"end": str(ctx.period)})
    facts = {
        "end": ctx.as_of,
        "nc": len(c),
        "ec": int(c[EVENT].sum()),
        "nn": nn,
        "en": int(n[EVENT].sum()),
        "thr": cd.threshold,
        "tau": cd.tau,
        "h": ctx.settings.horizon_days,
    }
    return Summary(facts, cd.threshold_source, cd.has_subscriptions)


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
