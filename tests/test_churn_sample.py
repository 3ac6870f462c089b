"""Churn figures on the bundled 20,000-customer sample against its planted truth (issue 9).

The sample's purchases follow a buy-till-you-die process in which a customer may drop
out after any purchase, the first included (MBG/NBD's assumption), and its contracts
carry planted hazard ratios. One context is built for the module (~30 s).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from analysis.pages import churn
from analysis.pages.context import build_context


@pytest.fixture(scope="module")
def ctx(sample_data, tmp_path_factory):
    from analysis.cleaning import build_warehouse
    from analysis.warehouse import open_warehouse

    out = tmp_path_factory.mktemp("churn_sample")
    build_warehouse(sample_data, period="2026-10", warehouse=out / "w.duckdb",
                    quarantine_dir=out / "q")  # fmt: skip
    return build_context(open_warehouse(out / "w.duckdb"), lang="zh", report_dir=out / "r")


@pytest.fixture(scope="module")
def truth(sample_data) -> pd.DataFrame:
    return pd.read_parquet(sample_data / "truth" / "customers.parquet").set_index("customer_id")


def _alive(truth, ids) -> np.ndarray:
    return truth["alive_at_period_end"].reindex(ids).astype("boolean").fillna(True).to_numpy(bool)


def test_calibration_by_decile_within_five_points(ctx):
    parts = {p.kind: p for p in churn.backtest(ctx).parts}
    assert set(parts) == {"contract", "non-contract"}
    for kind, part in parts.items():
        cal = part.calibration
        gap = (cal["predicted"] - cal["observed"]).abs()
        assert (gap <= 0.05).all(), (kind, cal)
        assert len(cal) == 10


def test_one_model_behind_each_list_row(ctx):
    from analysis.survival import predict_churn
    from analysis.survival.noncontract import churn_within

    table = churn.at_risk(ctx).table.set_index("customer_id")
    cf, nf = churn._contract(ctx), churn._noncontract(ctx)
    contract = table[table["kind"] == "contract"]
    non = table[table["kind"] == "non-contract"]
    assert set(contract["model"]) == {churn.contract_model(ctx).best}
    assert set(non["model"]) == {churn.noncontract_model(ctx).best}
    d = churn.churn_data(ctx).of("contract")
    again = predict_churn(
        cf.model, cf.X.loc[contract.index], d.loc[contract.index, "duration_days"]
    )
    assert np.allclose(again["churn_prob"], contract["churn_prob"])
    tau = nf.tau
    redo = churn_within(nf.model, nf.rfm.loc[non.index], tau, horizon=90 / 7)
    assert np.allclose(redo["churn_prob"], non["churn_prob"])
    # the exported column is that same probability
    cols = churn.customer_columns(ctx)
    assert np.allclose(cols.loc[table.index, "churn_prob"], table["churn_prob"], atol=1e-6)


def test_p_alive_against_the_planted_truth(ctx, truth):
    nf = churn._noncontract(ctx)
    assert nf.best == "mbgnbd"  # BG/NBD keeps one-time buyers alive for ever
    p = nf.clv["p_alive"]
    alive = _alive(truth, p.index)
    assert roc_auc_score(alive, p) > 0.9
    cd = churn.churn_data(ctx).of("non-contract")
    declared = cd.index[cd["event"] == 1]
    kept = cd.index[cd["event"] == 0]
    assert (~_alive(truth, declared)).mean() > 0.75  # counted churned: truly gone
    assert (~_alive(truth, kept)).mean() < 0.15  # not counted: mostly still there


def test_one_time_buyers_are_judged_by_age_not_all_churned(ctx):
    nf = churn._noncontract(ctx)
    cd = churn.churn_data(ctx).of("non-contract")
    once = nf.rfm.index[nf.rfm["frequency"] == 0].intersection(cd.index)
    churned = cd.loc[once, "event"] == 1
    assert 0 < churned.sum() < len(once)
    age = nf.rfm.loc[once, "T"]
    assert age[churned].min() >= age[~churned].max() - 1 / 7  # older ones, by one rule
    # repeat buyers' lifetimes end at their own last purchase: many different lengths
    repeat = cd.index.difference(once)
    ended = cd.loc[repeat][cd.loc[repeat, "event"] == 1]
    assert ended["duration_days"].nunique() > 50


def test_regular_buyers_within_their_rhythm_are_not_flagged(ctx):
    nf = churn._noncontract(ctx)
    r = nf.rfm.loc[nf.churn.index]
    gap = r["recency"] / r["frequency"].where(r["frequency"] > 0)
    regular = (r["frequency"] >= 6) & ((r["T"] - r["recency"]) < gap)
    assert regular.sum() > 100
    assert (nf.churn.loc[regular[regular].index, "churn_prob"] < 0.05).all()


def test_contract_reasons_are_clear_and_material(ctx):
    from analysis.survival import hazard_ratio_table

    table = churn.at_risk(ctx).table
    rows = table[(table["kind"] == "contract") & (table["reason_1"] != "")]
    assert len(rows) > 100
    assert (rows["reason_1_factor"] >= 1.2).all()
    hr = hazard_ratio_table(churn._contract(ctx).model)
    # a flag named as a reason has an interval above 1
    flags = rows.loc[rows["reason_1"].str.endswith("=1"), "reason_1"].str[:-2].unique()
    for name in flags:
        assert hr.loc[name, "ci_lower"] > 1, name


def test_contract_retention_by_plan(ctx):
    r = churn.contract_retention(ctx)
    assert len(r.fits) == 3  # three plans
    # the sample plants a rising churn hazard: the sBG lands on constant churn, and its
    # 12-month projection stays within 3 points of Kaplan–Meier
    assert (r.fits["km_12m"] - r.fits["sbg_12m"]).abs().max() < 0.03
