"""The early-warning list (流失预警): churn probability, value at risk and reason codes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.pages.base import Note, Section, Skipped, Text
from analysis.pages.churn._common import (
    CONTRACT,
    DURATION,
    EVENT,
    LIST_ATTRIBUTES,
    LIST_CLASSES,
    N_REASONS,
    NONCONTRACT,
    SHOWN_ROWS,
    _covariate_words,
    _kind,
    _level_words,
    _model,
    _skipped,
    _Table,
)
from analysis.pages.churn.data import churn_data
from analysis.pages.churn.models import _contract, _noncontract
from analysis.pages.context import RunContext


def _reason_words(code: str, vs: str, factor: float, lang: str) -> str:
    from analysis.survival import describe_reason

    return describe_reason(code, vs, factor, lang, words=_covariate_words, levels=_level_words)


def _contract_value(fee: pd.Series, months: int) -> pd.Series:
    """A contract's value over ``months`` if the customer stays: fees, discounted as CLV is."""
    from analysis.clv.value import MONTHLY_DISCOUNT

    factor = sum((1 + MONTHLY_DISCOUNT) ** -m for m in range(1, months + 1))
    return fee * factor


def _risk_list(ctx: RunContext) -> pd.DataFrame | Skipped:
    from analysis.privacy import pseudonymise
    from analysis.survival import build_at_risk_list, compute_reason_codes, predict_churn

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
                fee = (
                    contract.loc[active, "monthly_fee"].fillna(0)
                    if "monthly_fee" in contract
                    else pd.Series(0.0, index=active)
                )
                value = _contract_value(fee, ctx.settings.clv_months)
                parts.append(pc.assign(expected_value=value, kind=CONTRACT, model=cf.best))
                reasons.append(compute_reason_codes(cf.model, Xa, cf.spec, n=N_REASONS))
        if not _skipped(nf) and len(nf.churn):
            ids = nf.churn.index
            value = nf.value_if_alive.reindex(ids).fillna(0)
            parts.append(nf.churn.assign(expected_value=value, kind=NONCONTRACT, model=nf.best))
            reasons.append(nf.reasons.reindex(ids))
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
            vs = table[f"reason_{k}_vs"].fillna("")
            factor = table.pop(f"reason_{k}_factor")
            table[f"reason_{k}"], table[f"reason_{k}_vs"] = code, vs
            table[f"reason_{k}_factor"] = factor.round(2)
            for lang in ("zh", "en"):
                labels[f"reason_{k}_{lang}"] = [
                    _reason_words(c, v, f, lang) for c, v, f in zip(code, vs, factor, strict=True)
                ]
        for col in LIST_CLASSES:
            for lang in ("zh", "en"):
                name = f"{col}_{lang}"
                if name in classes.columns:
                    labels[name] = classes[name].reindex(table["customer_id"]).to_numpy()
        out = pd.concat([table, pd.DataFrame(labels, index=table.index)], axis=1)
        # the page shows the pseudonym; the export has it beside the id, to match the two
        at = out.columns.get_loc("customer_id") + 1
        out.insert(at, "pseudonym", pseudonymise(out["customer_id"]))
        return out

    return ctx.shared("churn.at_risk", build)


def _reason_codes_empty(index: pd.Index) -> pd.DataFrame:
    cols = {}
    for k in range(1, N_REASONS + 1):
        cols[f"reason_{k}"] = pd.Series("", index=index, dtype=object)
        cols[f"reason_{k}_vs"] = pd.Series("", index=index, dtype=object)
        cols[f"reason_{k}_factor"] = pd.Series(np.nan, index=index)
    return pd.DataFrame(cols, index=index)


@dataclass(frozen=True)
class AtRisk(Section):
    """Active customers ranked by value at risk = churn probability × expected value.

    Attributes
    ----------
    table : pandas.DataFrame
        Every active customer scored (the export keeps the first ``top_n``): ``rank``,
        ``customer_id``, ``pseudonym`` (what the page shows instead of the id, see
        :func:`analysis.privacy.pseudonymise`), ``value_at_risk``, ``churn_prob``,
        ``expected_value``,
        ``expected_remaining_days`` (contracts), ``kind``, ``model`` (the one model
        behind the row's probability and reasons), ``reason_1..3`` (codes),
        ``reason_1..3_vs`` (the comparison), ``reason_1..3_factor``, customer
        attributes, ``value_tier``, ``rfm_eight``, ``lifecycle``,
        ``action`` (codes from ``ctx.classes``) and the ``_zh`` / ``_en`` labels.
    scored : tuple
        Per kind in the list: ``(kind, customers, the model behind its probabilities and
        reasons)``.
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
        for kind, n, model in self.scored:
            yield Text("churn.at_risk.model", {"kind": _kind(kind), "m": _model(model), "n": n})
        for reason, values in self.notes:
            yield Note(reason, values)
        yield _ListTable(self.table.head(SHOWN_ROWS))
        yield Note("privacy.pseudonyms", {"file": "exports/at_risk.csv"})


@dataclass(frozen=True)
class _ListTable:
    frame: pd.DataFrame

    def render(self, lang: str):
        f = self.frame
        # stakeholders see the pseudonym, never the id (the export has both)
        df = f[["rank", "pseudonym", "value_at_risk", "churn_prob", "expected_value", "kind"]]
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
    cf = _contract(ctx)
    notes = []
    contract = churn_data(ctx).of(CONTRACT)
    if not _skipped(cf) and not (contract[EVENT] == 0).any():
        notes.append(("churn.at_risk.all_ended", {"n": len(contract)}))
    facts = {"n": len(table), "k": top, "v": float(table["value_at_risk"].head(top).sum())}
    # one model per kind gives the probabilities, the reasons and (contracts) the ratios
    first = table.drop_duplicates("kind").set_index("kind")["model"]
    counts = table["kind"].value_counts()
    scored = tuple((kind, int(counts[kind]), first[kind]) for kind in first.index)
    return AtRisk(table, scored, facts, tuple(notes))
