"""sBG retention: Fader & Hardie (2007) known values, planted truth, cohorts, plot."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from analysis.survival.cohorts import (
    SKIP_NO_LOSS,
    SKIP_NOT_IDENTIFIED,
    SKIP_TOO_FEW,
    compute_contract_cohorts,
    fit_sbg_cohorts,
)
from analysis.survival.sbg import ShiftedBetaGeoModel

matplotlib.use("Agg")

# Fader & Hardie (2007), "How to project customer retention", J. Interactive Marketing
# 21(1): survivors at the start of years 0-12 of two 1,000-customer cohorts. The model
# is fitted on years 0-7; the paper reports the estimates to 3 decimals.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]
PUBLISHED = {"regular": (0.704, 1.182), "high_end": (0.668, 3.806)}
DATA = {"regular": REGULAR, "high_end": HIGH_END}


@pytest.fixture(scope="module")
def fh_fits():
    return {k: ShiftedBetaGeoModel().fit(v[:8]) for k, v in DATA.items()}


@pytest.mark.parametrize("name", ["regular", "high_end"])
def test_fader_hardie_2007_estimates(fh_fits, name):
    # The published values are rounded to 3 decimals, at most 0.0005 / 0.668 = 0.075%
    # off the exact MLE, so a 0.1% tolerance is attainable.
    m = fh_fits[name]
    assert m.converged_ and not m.boundary_
    for est, pub in zip((m.params_["alpha"], m.params_["beta"]), PUBLISHED[name], strict=True):
        assert abs(est - pub) <= 0.001 * pub
        assert round(est, 3) == pub


@pytest.mark.parametrize("name, tol", [("regular", 0.02), ("high_end", 0.05)])
def test_fader_hardie_2007_projection(fh_fits, name, tol):
    # years 8-12 were held out; the paper shows the sBG tracking them closely
    # (measured: regular within 1.7%, high end within 4.1%), while a constant
    # retention rate fitted on the same years falls far below.
    m, actual = fh_fits[name], np.array(DATA[name][8:], dtype=float)
    projected = 1000 * m.survival(np.arange(8, 13))
    assert np.max(np.abs(projected / actual - 1)) < tol
    s = np.array(DATA[name][:8], dtype=float)
    theta = (s[0] - s[-1]) / (s[:-1].sum())  # geometric MLE: losses / periods at risk
    geometric = 1000 * (1 - theta) ** 12
    assert abs(projected[-1] - actual[-1]) < 0.25 * abs(geometric - actual[-1])


def test_identities_and_brute_force(fh_fits):
    m = fh_fits["regular"]
    t = np.arange(1, 30)
    S = m.survival(np.arange(0, 30))
    np.testing.assert_allclose(m.churn_probability(t), S[:-1] - S[1:], rtol=1e-10)
    np.testing.assert_allclose(m.retention_rate(t), S[1:] / S[:-1], rtol=1e-10)
    assert m.churn_probability(0) == 0.0 and m.survival(0) == 1.0
    a, b = m.params_["alpha"], m.params_["beta"]
    x = 1 / 1.1
    ages = np.arange(20_000)
    brute_del = (m.survival(ages) * x**ages).sum()
    assert m.expected_lifetime(0.1) == pytest.approx(brute_del, rel=1e-9)
    assert m.expected_lifetime(0.1) == pytest.approx(hyp2f1(1, b, a + b, x), rel=1e-9)
    # DERL(n) = sum_k x^k S(n + k) / S(n - 1)
    for n in (1, 4):
        brute = (x ** ages[:5000] * m.survival(n + ages[:5000])).sum() / m.survival(n - 1)
        assert m.discounted_expected_residual_lifetime(n, 0.1) == pytest.approx(brute, rel=1e-9)
    # alpha < 1: the mean lifetime is infinite
    assert m.expected_lifetime() == np.inf


def _simulate(rng, alpha, beta, sizes, ages):
    """Per cohort: lifetimes T ~ Geometric(theta), theta ~ Beta; observed to ``age``."""
    n = max(ages)
    alive, lost, T_all, age_all = np.zeros((len(ages), n + 1)), np.zeros((len(ages), n)), [], []
    for i, (size, age) in enumerate(zip(sizes, ages, strict=True)):
        T = rng.geometric(rng.beta(alpha, beta, size))
        lost[i] = np.bincount(T[T <= age], minlength=n + 1)[1:]
        alive[i, age] = (T > age).sum()
        T_all.append(T)
        age_all.append(np.full(size, age))
    return alive, lost, np.concatenate(T_all), np.concatenate(age_all)


def test_planted_parameters_recovered_from_cohorts_of_different_ages():
    # 12 cohorts of 4,000 aged 1..12 periods; the estimates' sd over seeds is ~3%
    rng = np.random.default_rng(20240607)
    alive, lost, _, _ = _simulate(rng, 1.5, 4.0, [4000] * 12, list(range(1, 13)))
    m = ShiftedBetaGeoModel().fit_counts(alive, lost)
    assert m.params_["alpha"] == pytest.approx(1.5, rel=0.10)
    assert m.params_["beta"] == pytest.approx(4.0, rel=0.10)
    assert m.n_customers_ == 48_000 and m.n_periods_ == 12
    # pooled counts give the same fit as the cohort rows
    pooled = ShiftedBetaGeoModel().fit_counts(alive.sum(0), lost.sum(0))
    assert pooled.params_ == pytest.approx(m.params_)
    # mean lifetime (alpha > 1): (alpha + beta - 1) / (alpha - 1) = 9 at the truth
    assert m.expected_lifetime() == pytest.approx(9.0, rel=0.25)


def test_planted_parameters_recovered_from_lifetimes_in_days():
    # the same process in calendar days: a lost contract ends on a monthly renewal date
    # (calendar months: up to ~2 days off T * 30.4375), an active one is seen part-way
    # through the period after its last renewal; fit_sbg_cohorts must recover T
    rng = np.random.default_rng(11)
    _, _, T, age = _simulate(rng, 0.8, 2.5, [3000] * 10, list(range(1, 11)))
    event = T <= age
    start = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, len(T)), "D")
    months = np.where(event, T, age)
    renewal = np.array(
        [s + pd.DateOffset(months=int(m)) for s, m in zip(start, months, strict=True)]
    )
    days = (pd.DatetimeIndex(renewal) - start).days.to_numpy().astype(float)
    days = np.where(event, days, days + rng.integers(1, 28, len(T)))
    lifetimes = pd.DataFrame({"duration_days": days, "event": event.astype(int), "plan": "p"})
    out = fit_sbg_cohorts(lifetimes, horizon=10)
    m = out.models["p"]
    assert m.params_["alpha"] == pytest.approx(0.8, rel=0.10)
    assert m.params_["beta"] == pytest.approx(2.5, rel=0.10)
    # the counts are the simulated ones exactly
    c = out.curves.set_index("period")
    assert c["lost"].tolist() == [0] + [int(((T == k) & event).sum()) for k in range(1, 11)]
    assert int(c["censored"].sum()) == int((~event).sum())
    # KM and sBG agree within sampling noise on the observed ages
    gap = (c["sbg_survival"] - c["km_survival"]).abs()
    assert gap.max() < 0.02


def _counts_of(T, age, n=25):
    return np.bincount(age[T > age], minlength=n), np.bincount(T[T <= age], minlength=n)[1:]


def test_no_heterogeneity_gives_polarization_near_zero():
    # one churn rate for all: the MLE sits at or next to the geometric limit phi = 0
    rng = np.random.default_rng(3)
    T, age = rng.geometric(0.05, 5000), rng.integers(1, 25, 5000)
    m = ShiftedBetaGeoModel().fit_counts(*_counts_of(T, age))
    assert m.polarization_ < 0.01
    assert m.churn_rate_ == pytest.approx(0.05, rel=0.1)


def test_geometric_boundary():
    # Churn rising with age (Weibull shape 1.5): the sBG likelihood peaks at the
    # geometric limit; the fit says so instead of running off to infinity.
    rng = np.random.default_rng(3)
    T = np.ceil(20 * rng.weibull(1.5, 5000)).astype(int)
    m = ShiftedBetaGeoModel().fit_counts(*_counts_of(T, rng.integers(1, 25, 5000)))
    assert m.boundary_ and m.converged_
    assert m.params_ == {"alpha": np.inf, "beta": np.inf} and m.polarization_ == 0.0
    t = np.arange(1, 10)
    np.testing.assert_allclose(m.survival(t), (1 - m.churn_rate_) ** t)
    np.testing.assert_allclose(m.retention_rate(t), 1 - m.churn_rate_)
    assert m.expected_lifetime() == pytest.approx(1 / m.churn_rate_)
    q, x = 1 - m.churn_rate_, 1 / 1.01
    assert m.expected_lifetime(0.01) == pytest.approx(1 / (1 - q * x))


def test_large_alpha_beta_falls_back_to_series():
    # slight heterogeneity: alpha + beta in the thousands, where scipy's 2F1 is NaN
    rng = np.random.default_rng(5)
    alive, lost, _, _ = _simulate(rng, 60.0, 1500.0, [20_000] * 6, list(range(1, 7)))
    m = ShiftedBetaGeoModel().fit_counts(alive, lost)
    assert not m.boundary_
    ages = np.arange(6000)
    x = 1 / 1.01
    brute = (m.survival(ages) * x**ages).sum()
    assert np.isfinite(m.expected_lifetime(0.01))
    assert m.expected_lifetime(0.01) == pytest.approx(brute, rel=1e-6)


def test_sklearn_contract():
    m = ShiftedBetaGeoModel(tol=1e-8)
    with pytest.raises(NotFittedError):
        m.survival(1)
    assert clone(m).get_params() == {"tol": 1e-8, "max_iter": 500}
    assert m.fit(REGULAR[:8]) is m


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda m: m.fit([1000, 600, 700]), "increase"),
        (lambda m: m.fit([1000, -5]), "non-negative"),
        (lambda m: m.fit([1000]), "shape"),
        (lambda m: m.fit([1000, 1000, 1000]), "no customer was lost"),
        (lambda m: m.fit([1000, 0, 0]), "period 1"),
        (lambda m: m.fit_counts([5, 3], [0, 0, 40]), "one more"),  # swapped arguments
        (lambda m: m.fit_counts([[0, 5], [0, 3]], [[1], [2], [3]]), "one row per cohort"),
        (lambda m: m.fit(REGULAR[:8]).retention_rate(0), "t >= 1"),
        (lambda m: m.fit(REGULAR[:8]).expected_lifetime(0.0), "discount"),
        (lambda m: m.fit(REGULAR[:8]).discounted_expected_residual_lifetime(0, 0.1), "at least"),
        (lambda m: m.fit(REGULAR[:8]).survival(-1), "non-negative"),
    ],
)
def test_invalid_input_rejected(call, match):
    with pytest.raises(ValueError, match=match):
        call(ShiftedBetaGeoModel())


def test_skipped_groups_listed_with_reason():
    rng = np.random.default_rng(1)
    big = pd.DataFrame(
        {
            "duration_days": rng.uniform(1, 400, 200),
            "event": rng.integers(0, 2, 200),
            "plan": "basic",
        }
    )
    small = pd.DataFrame({"duration_days": [40.0] * 5, "event": [1] * 5, "plan": "pro"})
    loyal = pd.DataFrame({"duration_days": [100.0] * 30, "event": [0] * 30, "plan": "vip"})
    none = pd.DataFrame({"duration_days": [50.0], "event": [1], "plan": [None]})
    quick = pd.DataFrame({"duration_days": [9.0] * 25, "event": [1] * 25, "plan": "trial"})
    out = fit_sbg_cohorts(pd.concat([big, small, loyal, none, quick], ignore_index=True))
    f = out.fits
    assert f.loc["basic", "reason"] is None and f.loc["basic", "converged"]
    assert f.loc["pro", "reason"] == SKIP_TOO_FEW and f.loc["pro", "need"] == 20
    assert f.loc["vip", "reason"] == SKIP_NO_LOSS and np.isnan(f.loc["vip", "alpha"])
    assert f.loc["trial", "reason"] == SKIP_NOT_IDENTIFIED  # everyone gone in period 1
    # no lost rows: every customer is in a group's count or in missing_group
    assert f["customers"].sum() + f.attrs["missing_group"] == 261
    assert set(out.curves["group"]) == {"basic"} and set(out.models) == {"basic"}
    # at risk at age t: lost at t or later plus censored at t or older
    c = out.curves.set_index("period")
    for t in (1, 5, 10):
        expected = c.loc[t:, "lost"].sum() + c.loc[t:, "censored"].sum()
        assert c.loc[t, "at_risk"] == expected


@pytest.mark.parametrize(
    "change, kw, match",
    [
        ({"duration_days": 0.0}, {}, "positive days"),
        ({"event": 2}, {}, "0 or 1"),
        ({"event": np.nan}, {}, "0 or 1"),
        ({}, {"by": "region"}, "'region' is missing"),
        ({}, {"grace_days": 31.0}, "grace_days"),
        ({}, {"period_days": 0}, "period_days"),
    ],
)
def test_cohorts_invalid_input_rejected(change, kw, match):
    d = pd.DataFrame({"duration_days": [40.0, 70.0], "event": [1, 0], "plan": ["a", "a"]})
    for col, v in change.items():
        d[col] = d[col].astype(float)
        d.loc[1, col] = v
    with pytest.raises(ValueError, match=match):
        fit_sbg_cohorts(d, **kw)


def test_contract_cohorts_on_small_sample(small_warehouse, small_sample):
    as_of = small_warehouse.period.end
    out = compute_contract_cohorts(small_warehouse["subscriptions"], as_of=as_of)
    f = out.fits
    assert set(f.index) == {"基础版", "专业版", "企业版"}
    assert f["reason"].isna().all() and f["converged"].all()
    assert {"group", "period", "km_survival", "sbg_survival"} <= set(out.curves.columns)
    # the sample plants a Weibull churn rising with age (shape 1.2): sBG, whose churn
    # can only fall, lands on (or near) its geometric limit and still tracks KM
    c = out.curves
    gaps = c[c["period"].isin([12, 24])].eval("sbg_survival - km_survival").abs()
    assert gaps.max() < 0.05
    # a pandas frame of the same source gives the same fits
    subs = pd.read_csv(small_sample / "subscriptions.csv", dtype={"customer_id": str})
    again = compute_contract_cohorts(subs, as_of=as_of)
    pd.testing.assert_frame_equal(again.fits, f, check_exact=False)


def test_plot_sbg_vs_km():
    from analysis.plotting.retention import plot_sbg_vs_km

    t = pd.DataFrame(
        {
            "group": ["基础版"] * 4 + ["专业版"] * 4,
            "period": [0, 1, 2, 3] * 2,
            "km_survival": [1.0, 0.8, 0.7, np.nan, 1.0, 0.9, 0.85, np.nan],
            "sbg_survival": [1.0, 0.79, 0.69, 0.62, 1.0, 0.9, 0.84, 0.8],
        }
    )
    ax = plot_sbg_vs_km(
        t, title="留存", xlabel="月", ylabel="仍在订阅", km_label="实际", sbg_label="预测"
    )
    assert len(ax.lines) == 4
    labels = [x.get_text() for x in ax.get_legend().get_texts()]
    assert labels == ["基础版", "专业版", "实际", "预测"]
    # the house style may put titles on the left (rcParams axes.titlelocation)
    assert "留存" in (ax.get_title("left"), ax.get_title("center")) and ax.get_xlabel() == "月"
    # KM is drawn only where it is estimated; sBG to the horizon
    assert len(ax.lines[0].get_xdata()) == 3 and len(ax.lines[1].get_xdata()) == 4
    matplotlib.pyplot.close(ax.figure)
