"""Pareto/NBD, grouped fits and calibration/holdout checks.

Known values: CLVTools' Pareto/NBD on the CDNOW cohort; lifetimes' formulas and
calibration/holdout split as an independent implementation. Planted truth: simulated
Pareto/NBD and BG/NBD customers, and Monte Carlo draws from the exact posterior.
"""

from __future__ import annotations

import importlib.util

import ibis
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.clv import (  # noqa: E402
    BetaGeoModel,
    GammaGammaModel,
    ParetoNBDModel,
    calibration_and_holdout,
    compare_holdout,
    compute_daily_repeat_purchases,
    compute_rfm_summary,
    compute_tracking,
)
from analysis.clv import pareto_nbd as pnbd  # noqa: E402
from analysis.clv.simulate import simulate_bgnbd, simulate_pareto_nbd  # noqa: E402
from analysis.plotting.clv import plot_conditional_expected, plot_tracking  # noqa: E402

spec = importlib.util.find_spec("lifetimes")
needs_cdnow = pytest.mark.skipif(spec is None, reason="lifetimes (its CDNOW file) not installed")

PNBD = {"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7}
BGNBD = {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}
RFM = {"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T"}


@pytest.fixture(scope="module")
def transactions(cdnow_transactions):
    return cdnow_transactions


@pytest.fixture(scope="module")
def cdnow(transactions):
    return compute_rfm_summary(transactions, as_of="1997-09-30")


@pytest.fixture(scope="module")
def cal_holdout(transactions):
    return calibration_and_holdout(
        transactions, calibration_end="1997-09-30", observation_end="1998-06-30"
    )


@pytest.fixture(scope="module")
def simulated():
    # 20,000 customers, first purchases spread over 26 weeks; purchase times continuous
    rng = np.random.default_rng(7)
    T = rng.integers(26 * 7, 52 * 7 + 1, 20_000) / 7
    return simulate_pareto_nbd(20_000, PNBD, T, future=13, seed=8)


# Known values ------------------------------------------------------------------------


@needs_cdnow
def test_pareto_nbd_matches_clvtools_on_cdnow(cdnow):
    # CLVTools tests/testthat/test_correctness_pnbd.R: cdnow, estimation.split = 39
    # weeks, same-day transactions aggregated; -9594.976 is also BTYD's value.
    m = ParetoNBDModel().fit(cdnow)
    published = {"r": 0.55315, "alpha": 10.57633, "s": 0.60625, "beta": 11.67150}
    for k, v in published.items():
        assert m.params_[k] == pytest.approx(v, rel=1e-3)
    assert m.loglik_ == pytest.approx(-9594.976, abs=0.01)
    # CLVTools' optimum is the same hill-top: our likelihood there is no higher
    at_published = pnbd._loglik(
        np.array(list(published.values())), pnbd._Rows(*_xtT(cdnow), np.ones(len(cdnow)))
    )
    assert at_published <= m.loglik_ + 1e-6


@needs_cdnow
def test_pareto_nbd_formulas_match_lifetimes(cdnow):
    from lifetimes import ParetoNBDFitter

    m = ParetoNBDModel().fit(cdnow)
    ref = ParetoNBDFitter()
    ref.params_ = pd.Series(m.params_)
    x, tx, T = _xtT(cdnow)
    # both branches of the 2F1 (alpha < beta here; swapped values give alpha > beta)
    for params in (m.params_, {"r": 0.55, "alpha": 14.5, "s": 0.6, "beta": 8.6}):
        lt = ParetoNBDFitter._conditional_log_likelihood(list(params.values()), x, tx, T)
        ours = pnbd._loglik(np.array(list(params.values())), pnbd._Rows(x, tx, T, np.ones(len(x))))
        assert ours == pytest.approx(lt.sum(), rel=1e-12)
    np.testing.assert_allclose(
        m.predict_p_alive(cdnow), ref.conditional_probability_alive(x, tx, T), rtol=1e-8
    )
    np.testing.assert_allclose(
        m.predict_purchases(cdnow, 39),
        ref.conditional_expected_number_of_purchases_up_to_time(39, x, tx, T),
        rtol=1e-8,
    )
    np.testing.assert_allclose(
        m.expected_purchases_population([1, 10, 78]),
        ref.expected_number_of_purchases_up_to_time(np.array([1, 10, 78])),
        rtol=1e-10,
    )


@pytest.mark.parametrize(
    "p, q, a, b, t",
    [
        (0.6, 1.6, 10.6, 11.7, 0.0),  # CDNOW-like, alpha < beta
        (3.5, 1.6, 14.5, 8.6, 20.0),  # alpha > beta
        (200.5, 1.5, 0.5, 2000.0, 30.0),  # 2F1 overflows: quadrature fallback
        (250.0, 1.05, 900.0, 0.03, 0.0),  # 2F1 gives nan at z = 0.99997, k = 250
        (0.3, 1.2, 5.0, 5.0, 3.0),  # alpha = beta: no 2F1 at all
    ],
)
def test_tail_integral_against_adaptive_quadrature(p, q, a, b, t):
    from scipy import integrate

    lo = np.log(t + min(a, b))

    def log_f(u):  # integrand in u = log(tau + min(a, b)), times e^u
        with np.errstate(over="ignore"):  # quad probes far out, harmlessly
            tau = np.exp(u) - min(a, b)
            return -p * np.log(a + tau) - q * np.log(b + tau) + u

    c = log_f(lo)
    split = [lo, max(lo, np.log(abs(a - b) + 1e-300)), np.inf]
    val = sum(
        integrate.quad(lambda u: np.exp(log_f(u) - c), x0, x1, epsabs=0, epsrel=1e-12)[0]
        for x0, x1 in zip(split[:-1], split[1:], strict=True)
    )
    assert pnbd.log_tail_integral(p, q, a, b, t) == pytest.approx(np.log(val) + c, abs=1e-8)


@needs_cdnow
def test_bgnbd_population_expectation_matches_lifetimes(cdnow):
    from lifetimes import BetaGeoFitter

    m = BetaGeoModel().fit(cdnow)
    ref = BetaGeoFitter()
    ref.params_ = pd.Series(m.params_)
    t = np.array([1.0, 10, 78])
    np.testing.assert_allclose(
        m.expected_purchases_population(t), ref.expected_number_of_purchases_up_to_time(t)
    )
    # a model with no history beyond T is the same in both new methods at t = 0
    np.testing.assert_allclose(m.predict_p_alive_after(cdnow, 0), m.predict_p_alive(cdnow))
    np.testing.assert_allclose(m.predict_p_no_purchase(cdnow, 0), 1.0)


# Grouped fits ------------------------------------------------------------------------


@needs_cdnow
@pytest.mark.parametrize("model", [BetaGeoModel, ParetoNBDModel, GammaGammaModel])
def test_grouped_fit_equals_row_by_row_fit(cdnow, model):
    grouped = model().fit(cdnow)
    rows = model()
    rows._aggregate = False
    rows.fit(cdnow)
    assert grouped.n_rows_ < len(cdnow)
    for k, v in grouped.params_.items():
        assert rows.params_[k] == pytest.approx(v, rel=1e-6), k
    # counts in weights_col are the same as repeated rows
    half = cdnow.iloc[::2]
    doubled = model().fit(pd.concat([half, half]))
    weighted = model(weights_col="w").fit(half.assign(w=2.0))
    for k, v in doubled.params_.items():
        assert weighted.params_[k] == pytest.approx(v, rel=1e-6), k


@pytest.mark.parametrize("model", [BetaGeoModel, ParetoNBDModel])
def test_weights_col_must_be_valid(model):
    df = pd.DataFrame({"frequency": [0, 2, 1], "recency": [0, 5, 3], "T": [8, 9, 7]})
    with pytest.raises(ValueError, match="weights_col"):
        model(weights_col="w").fit(df)
    with pytest.raises(ValueError, match="'w'"):
        model(weights_col="w").fit(df.assign(w=[1.0, -1.0, 1.0]))


# Planted truth -----------------------------------------------------------------------


def test_pareto_nbd_recovers_planted_parameters(simulated):
    m = ParetoNBDModel().fit(simulated)
    # tolerance from the sample: 4 standard errors from the observed information
    se = _log_param_se(m, simulated)
    for (k, v), s in zip(PNBD.items(), se, strict=True):
        assert abs(np.log(m.params_[k] / v)) < 4 * s, (k, m.params_[k], v, s)
    assert max(se) < 0.5  # the check has teeth: beta is the loosest, about 0.2


def test_p_alive_is_calibrated_on_simulated_customers(simulated):
    m = ParetoNBDModel().fit(simulated)
    p = m.predict_p_alive(simulated)
    decile = pd.qcut(p, 10, labels=False, duplicates="drop")
    by = pd.DataFrame({"p": p, "alive": simulated["alive"], "d": decile}).groupby("d").mean()
    assert (by["p"] - by["alive"]).abs().max() < 0.05
    # and the forward-looking quantities against what happened in the next 13 weeks
    pred = m.predict_p_no_purchase(simulated, 13).mean()
    assert pred == pytest.approx((simulated["frequency_future"] == 0).mean(), abs=0.01)
    pred = m.predict_p_alive_after(simulated, 13).mean()
    assert pred == pytest.approx(simulated["alive_future"].mean(), abs=0.01)


def test_bgnbd_forward_predictions_on_simulated_customers():
    df = simulate_bgnbd(40_000, BGNBD, 39, future=26, seed=3)
    m = BetaGeoModel()
    m.params_ = dict(BGNBD)  # true parameters: the formulas alone are under test
    assert m.predict_p_alive(df).mean() == pytest.approx(df["alive"].mean(), abs=0.01)
    pred = m.predict_p_no_purchase(df, 26).mean()
    assert pred == pytest.approx((df["frequency_future"] == 0).mean(), abs=0.01)
    # unseen purchases may each end a customer: alive after 26 weeks is not P(alive)
    assert df["alive_future"].mean() < df["alive"].mean() - 0.03
    pred = m.predict_p_alive_after(df, 26).mean()
    assert pred == pytest.approx(df["alive_future"].mean(), abs=0.01)
    assert m.predict_purchases(df, 26).mean() == pytest.approx(
        df["frequency_future"].mean(), rel=0.05
    )


@pytest.mark.parametrize(
    "x, tx, T", [(0, 0.0, 30.0), (1, 2.0, 39.0), (2, 20.0, 39.0), (6, 35.0, 38.0)]
)
def test_pareto_nbd_predictions_match_posterior_monte_carlo(x, tx, T):
    # Draws from the prior, weighted by the likelihood of the history: λ is drawn from
    # Gamma(r+x, α+t_x), which absorbs λ^x e^(-λ t_x), so the weights stay bounded.
    rng = np.random.default_rng(11)
    n, t = 1_000_000, 13.0
    lam = rng.gamma(PNBD["r"] + x, 1 / (PNBD["alpha"] + tx), n)
    death = rng.exponential(1 / rng.gamma(PNBD["s"], 1 / PNBD["beta"], n))
    alive = death > T
    w = np.where(
        alive, np.exp(-lam * (T - tx)), np.where(death > tx, np.exp(-lam * (death - tx)), 0)
    )
    silent = np.where(alive, np.exp(-lam * np.clip(death - T, 0, t)), 1.0)
    mc = {
        "p_alive": np.average(alive, weights=w),
        "p_no_purchase": np.average(silent, weights=w),
        "p_alive_after": np.average(death > T + t, weights=w),
        "purchases": np.average(np.where(alive, lam * np.clip(death - T, 0, t), 0), weights=w),
    }
    m = ParetoNBDModel()
    m.params_ = dict(PNBD)
    df = pd.DataFrame({"frequency": [x], "recency": [tx], "T": [T]})
    ours = {
        "p_alive": m.predict_p_alive(df)[0],
        "p_no_purchase": m.predict_p_no_purchase(df, t)[0],
        "p_alive_after": m.predict_p_alive_after(df, t)[0],
        "purchases": m.predict_purchases(df, t)[0],
    }
    for k, v in mc.items():
        # effective sample size >= 360,000: Monte Carlo error below 1e-3
        assert ours[k] == pytest.approx(v, abs=4e-3), k


# Calibration / holdout ---------------------------------------------------------------


@needs_cdnow
def test_calibration_and_holdout_matches_lifetimes(transactions, cal_holdout):
    from lifetimes.utils import calibration_and_holdout_data

    raw = transactions.execute()
    raw["order_date"] = pd.to_datetime(raw["order_date"])
    lt = calibration_and_holdout_data(
        raw,
        "customer_id",
        "order_date",
        calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30",
        freq="D",
        monetary_value_col="amount",
    ).loc[cal_holdout.index]
    ch = cal_holdout
    assert len(ch) == 2357 and ch["duration_holdout"].eq(39.0).all()
    np.testing.assert_array_equal(ch["frequency_cal"], lt["frequency_cal"])
    np.testing.assert_array_equal(ch["frequency_holdout"], lt["frequency_holdout"])
    np.testing.assert_allclose(ch["recency_cal"], lt["recency_cal"] / 7)
    np.testing.assert_allclose(ch["T_cal"], lt["T_cal"] / 7)
    np.testing.assert_allclose(ch["monetary_value_cal"], lt["monetary_value_cal"])
    some = ch.index[:100]
    restricted = calibration_and_holdout(
        transactions,
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        customers=some,
    )
    pd.testing.assert_frame_equal(restricted, ch.loc[some])


@needs_cdnow
def test_compare_holdout_on_cdnow(cal_holdout):
    cal = cal_holdout.rename(columns=RFM)
    models = {"bgnbd": BetaGeoModel().fit(cal), "pareto_nbd": ParetoNBDModel().fit(cal)}
    table, errors = compare_holdout(models, cal_holdout)
    assert list(table.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["customers"].sum() == 2357 and table.loc["0", "customers"] == 1411
    assert (table["actual"] * table["customers"]).sum() == pytest.approx(1882)
    # FHL 2005 Fig. 4: the BG/NBD conditional expectations sit close to the actuals
    assert errors.loc["bgnbd", "weighted_mae"] < 0.12
    assert abs(errors.loc["bgnbd", "total_ratio"] - 1) < 0.15
    assert (table["bgnbd"] - table["actual"]).abs().max() < 0.4
    assert errors["actual_total"].eq(1882).all()


@needs_cdnow
def test_tracking_on_cdnow(transactions, cal_holdout):
    cal = cal_holdout.rename(columns=RFM)
    bg = BetaGeoModel().fit(cal)
    daily = compute_daily_repeat_purchases(
        transactions, observation_end="1998-06-30", customers=cal_holdout.index
    )
    track = compute_tracking({"bgnbd": bg}, cal_holdout, daily)
    assert list(track.columns) == ["t", "date", "holdout", "actual", "bgnbd"]
    split = track.loc[~track["holdout"]].iloc[-1]
    end = track.iloc[-1]
    assert split["date"] == pd.Timestamp("1997-09-30") and split["actual"] == 2457
    assert end["date"] == pd.Timestamp("1998-06-30") and end["actual"] == 4339
    assert track["t"].diff().dropna().gt(0).all() and track["actual"].is_monotonic_increasing
    # predicted cumulative purchases track the actual within a few percent
    assert split["bgnbd"] / split["actual"] == pytest.approx(1, abs=0.03)
    assert end["bgnbd"] / end["actual"] == pytest.approx(1, abs=0.06)
    single = compute_tracking(bg, cal_holdout, daily)
    np.testing.assert_allclose(single["predicted"], track["bgnbd"])


def test_holdout_inputs_are_checked():
    tx = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["a", "b"],
                "order_date": pd.to_datetime(["2024-01-01", "2024-01-02"]).date,
                "amount": [1.0, 2.0],
            }
        )
    )
    with pytest.raises(ValueError, match="observation_end"):
        calibration_and_holdout(tx, calibration_end="2024-02-01", observation_end="2024-01-01")
    ch = pd.DataFrame({"frequency_cal": [0.0, 1.0], "recency_cal": [0.0, 1.0], "T_cal": [3.0, 2.0]})
    with pytest.raises(ValueError, match="clash"):
        compare_holdout({"actual": BetaGeoModel()}, ch)


# Plots -------------------------------------------------------------------------------


def test_plots_draw_only_the_callers_words():
    track = pd.DataFrame(
        {
            "t": [1.0, 2.0, 2.5, 3.0],
            "holdout": [False, False, False, True],
            "actual": [1, 3, 4, 6],
            "bgnbd": [1.2, 2.9, 3.8, 5.5],
        }
    )
    ax = plot_tracking(track)
    texts = [t.get_text() for t in ax.figure.findobj(matplotlib.text.Text)]
    assert ax.get_legend() is None and not any(t.isalpha() for t in texts if t)
    assert any(line.get_xdata()[0] == 2.5 for line in ax.get_lines())  # calibration end
    words = {"actual": "实际", "bgnbd": "BG/NBD 预测"}
    ax = plot_tracking(track, title="累计复购", xlabel="周", ylabel="次数", labels=words)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["实际", "BG/NBD 预测"]
    # the house style may put the title on the left
    assert "累计复购" in {ax.get_title(loc=loc) for loc in ("left", "center", "right")}
    assert ax.get_xlabel() == "周"
    table = pd.DataFrame(
        {"customers": [5, 3], "actual": [0.2, 1.1], "bgnbd": [0.25, 1.0]}, index=["0", "1+"]
    )
    ax = plot_conditional_expected(table, labels={"actual": "Actual"}, ylabel="Mean")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Actual"]
    assert len(ax.get_lines()) == 2
    plt.close("all")


# Helpers -----------------------------------------------------------------------------


def _xtT(df):
    return tuple(df[c].to_numpy(float) for c in ("frequency", "recency", "T"))


def _log_param_se(model, df):
    """Standard errors of the log-parameters from differences of the analytic gradient."""
    d = pnbd._Rows(*_xtT(df), np.ones(len(df)))
    theta = np.log(list(model.params_.values()))

    def grad(th):
        return pnbd._loglik(np.exp(th), d, grad=True)[1] * np.exp(th)

    h = 1e-5
    hess = np.array([(grad(theta + h * e) - grad(theta - h * e)) / (2 * h) for e in np.eye(4)])
    return np.sqrt(np.diag(np.linalg.inv(-(hess + hess.T) / 2)))


def test_clv_benchmark_smoke(tmp_path):
    import json

    from benchmarks import run as bench_run

    assert bench_run.main(["clv", "--rows", "10000", "--quick", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "clv.json").read_text())
    assert set(result["variants"]) == {
        f"{m}_{v}" for m in ("bgnbd", "pareto_nbd", "gamma_gamma") for v in ("rows", "grouped")
    }
    for m in ("bgnbd", "pareto_nbd", "gamma_gamma"):
        assert result["checks"][f"{m}_max_rel_param_diff"] <= 1e-4
        assert result["params"][f"{m}_distinct_rows"] < result["params"][f"{m}_rows_fitted"]


def test_fit_on_a_search_bound_warns():
    from sklearn.exceptions import ConvergenceWarning

    from analysis.clv._fitting import minimize_logparams

    def rising(theta):  # keeps improving towards +infinity in theta[1]
        return float(theta[0] ** 2 + np.exp(-theta[1])), np.array(
            [2 * theta[0], -np.exp(-theta[1])]
        )

    with pytest.warns(ConvergenceWarning, match=r"\['s'\]"):
        res = minimize_logparams(rising, [[1.0, 0.0]], bounds=[(-5, 5), (-5, 5)], names="rs")
    assert res.x[1] == pytest.approx(5)
