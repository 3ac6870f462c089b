"""Non-contract churn by the purchase model: the threshold crossing and its probability."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.clv import BetaGeoModel, ModifiedBetaGeoModel, compute_rfm_summary
from analysis.survival.noncontract import (
    choose_alive_threshold,
    choose_purchase_model,
    churn_within,
    silence_until_churn,
)


@pytest.fixture(scope="module")
def fitted(cdnow_transactions):
    rfm = compute_rfm_summary(cdnow_transactions, as_of="1997-09-30")
    return rfm, ModifiedBetaGeoModel().fit(rfm)


def test_mbgnbd_equals_lifetimes_on_cdnow(fitted):
    lifetimes = pytest.importorskip("lifetimes")
    rfm, m = fitted
    ref = lifetimes.ModifiedBetaGeoFitter().fit(rfm["frequency"], rfm["recency"], rfm["T"])
    for k in ("r", "alpha", "a", "b"):
        assert m.params_[k] == pytest.approx(ref.params_[k], rel=1e-3)
    head = rfm.head(50)
    want = ref.conditional_probability_alive(head["frequency"], head["recency"], head["T"])
    assert np.allclose(m.predict_p_alive(head), want, atol=1e-5)
    want = ref.conditional_expected_number_of_purchases_up_to_time(
        10, head["frequency"], head["recency"], head["T"]
    )
    assert np.allclose(m.predict_purchases(head, 10), want, rtol=1e-4)


def test_one_time_buyers_age_out_under_mbgnbd_only(fitted):
    rfm, m = fitted
    once = pd.DataFrame({"frequency": [0.0, 0.0], "recency": [0.0, 0.0], "T": [5.0, 60.0]})
    p = m.predict_p_alive(once)
    assert p[1] < p[0] < 1
    bg = BetaGeoModel().fit(rfm)
    assert (bg.predict_p_alive(once) == 1).all()  # BG/NBD: dropout only after a repeat


def test_silence_until_churn_finds_the_crossing(fitted):
    rfm, m = fitted
    tau = 0.3
    alive = rfm[m.predict_p_alive(rfm) >= tau].head(300)
    s = silence_until_churn(m, alive, tau, max_units=200)
    done = np.isfinite(s) & (s > 0)
    assert done.sum() > 100
    later = alive[done].assign(T=alive.loc[done, "T"] + s[done])
    before = alive[done].assign(T=alive.loc[done, "T"] + np.maximum(s[done] - 1 / 7, 0))
    assert (m.predict_p_alive(later) < tau).all()  # below once that silence has passed
    assert (m.predict_p_alive(before) >= tau - 1e-9).all()  # not a day earlier


def test_churn_within_is_the_no_purchase_probability(fitted):
    rfm, m = fitted
    tau = 0.3
    alive = rfm[m.predict_p_alive(rfm) >= tau]
    out = churn_within(m, alive, tau, horizon=13)
    inside = np.isfinite(out["silence_left"].to_numpy())
    assert inside.any() and (~inside).any()
    assert (out.loc[~inside, "churn_prob"] == 0).all()
    s = out.loc[inside, "silence_left"].to_numpy()
    want = m.predict_p_no_purchase(alive[inside], s)
    assert np.allclose(out.loc[inside, "churn_prob"], want)
    # a customer due sooner is not less likely to be counted as churned
    a = churn_within(m, alive, tau, horizon=26)["churn_prob"]
    assert (a.to_numpy() >= out["churn_prob"].to_numpy() - 1e-12).all()


def test_choose_alive_threshold_caps_the_return_rate():
    p = np.array([0.01, 0.02, 0.12, 0.22, 0.45, 0.8])
    bought = np.array([False, False, False, True, True, True])
    tau, table = choose_alive_threshold(p, bought, max_return_rate=0.25)
    assert tau == 0.4  # 0.5 would count the 0.45 customer too: 2 of 5 came back
    assert table.loc[table["tau"] == 0.25, "return_rate"].item() == pytest.approx(0.25)
    tau, _ = choose_alive_threshold(p, bought, max_return_rate=0.0)
    assert tau == 0.2  # every candidate up to 0.2 counts only customers who stayed away
    tau, _ = choose_alive_threshold(np.array([0.01]), np.array([True]))
    assert tau == 0.05  # none qualifies: the smallest candidate


def test_choose_purchase_model_by_holdout_log_loss(cdnow_transactions):
    from analysis.clv import ParetoNBDModel, calibration_and_holdout, calibration_rfm

    cal = calibration_and_holdout(
        cdnow_transactions, calibration_end="1997-09-30", observation_end="1998-06-30"
    )
    rfm = calibration_rfm(cal)
    models = {"bgnbd": BetaGeoModel().fit(rfm), "pareto_nbd": ParetoNBDModel().fit(rfm)}
    best, table, errors = choose_purchase_model(models, cal)
    assert best == errors["holdout_log_loss"].idxmin()
    assert list(errors.columns) == ["holdout_log_loss", "weighted_mae", "predicted_total",
                                    "actual_total"]  # fmt: skip
    assert errors["actual_total"].iloc[0] == cal["frequency_holdout"].sum()
    # a model that knows nothing (everyone equally likely to buy) scores worse
    bought = (cal["frequency_holdout"] > 0).mean()
    flat = -(bought * np.log(bought) + (1 - bought) * np.log(1 - bought))
    assert errors["holdout_log_loss"].max() < flat
