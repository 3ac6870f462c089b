"""CLV: BG/NBD and Gamma-Gamma on the CDNOW cohort against Fader, Hardie and Lee (2005)."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from analysis.clv import BetaGeoModel, GammaGammaModel, compute_clv, compute_rfm_summary

spec = importlib.util.find_spec("lifetimes")
pytestmark = pytest.mark.skipif(spec is None, reason="lifetimes (its CDNOW file) not installed")


@pytest.fixture(scope="module")
def cdnow(cdnow_transactions):
    return compute_rfm_summary(cdnow_transactions, as_of="1997-09-30")


def test_summary_counts(cdnow):
    assert len(cdnow) == 2357
    assert int(cdnow["frequency"].sum()) == 2457
    assert int((cdnow["frequency"] > 0).sum()) == 946


def test_bgnbd_published(cdnow):
    p = BetaGeoModel().fit(cdnow).params_
    for k, v in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert p[k] == pytest.approx(v, rel=0.02)


def test_gamma_gamma_published(cdnow):
    g = GammaGammaModel().fit(cdnow)
    assert g.n_ == 946
    for k, v in {"p": 6.25, "q": 3.74, "v": 15.44}.items():
        assert g.params_[k] == pytest.approx(v, rel=0.02)


def test_clv_and_no_purchase_probability(cdnow):
    bg, gg = BetaGeoModel().fit(cdnow), GammaGammaModel().fit(cdnow)
    out = compute_clv(cdnow, bg, gg, months=12)
    assert out["p_alive"].between(0, 1).all() and (out["expected_clv"] >= 0).all()
    p = bg.predict_p_no_purchase(cdnow, 13)
    assert ((p >= 0) & (p <= 1)).all()


def test_bgnbd_rejects_bad_input():
    with pytest.raises(ValueError, match="recency"):
        BetaGeoModel().fit(pd.DataFrame({"frequency": [1, 2], "recency": [5, 9], "T": [4, 10]}))
