"""Smoke test: the benchmark code path runs on 10,000 rows, so it cannot rot.

Timings are not asserted (STYLE.md): only that every variant runs, the outputs agree
and the result file has the shape the README promises.
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("lifetimes")

from benchmarks import run as bench_run  # noqa: E402


def test_discovers_the_features_benchmark():
    assert "features" in bench_run.discover()


def test_features_benchmark_smoke(tmp_path, capsys):
    assert bench_run.main(["features", "--rows", "10000", "--quick", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "features.json").read_text())
    assert result["rows"] == 10_000 and result["quick"] is True
    assert set(result["variants"]) >= {"duckdb_sql", "ibis_features", "lifetimes"}
    for v in result["variants"].values():
        assert v["median_s"] > 0 and len(v["times_s"]) == v["repeats"] == 1
    # ratios against each named baseline; the baseline against itself is 1
    assert result["ratios"]["duckdb_sql"]["duckdb_sql"] == 1.0
    assert "lifetimes" in result["ratios"]
    # outputs were compared customer by customer before anything was timed as equal
    assert result["checks"]["customers"] == result["params"]["customers"]
    assert "ibis_features" in result["checks"] and "lifetimes" in result["checks"]
    assert result["machine"]["cores"] >= 1 and result["machine"]["packages"]["duckdb"]
    assert "ibis_features" in capsys.readouterr().out


def test_generated_transactions_are_deterministic(tmp_path):
    import pandas as pd

    from benchmarks.bench_features import write_transactions

    a = write_transactions(tmp_path / "a.parquet", 2_000)
    b = write_transactions(tmp_path / "b.parquet", 2_000)
    assert a == b
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "a.parquet"), pd.read_parquet(tmp_path / "b.parquet")
    )
    df = pd.read_parquet(tmp_path / "a.parquet")
    assert len(df) == 2_000 and (df["amount"] > 0).all()
    assert df["order_id"].nunique() < len(df)  # order lines share an order id


def test_isolated_measure_reports_own_peak_memory(tmp_path):
    from benchmarks.common import measure

    res = measure(
        "benchmarks.bench_features:duckdb_sql",
        kwargs={"path": str(_tiny_parquet(tmp_path))},
        repeats=1,
        warmup=0,
    )
    assert res["isolated"] and res["peak_rss_mib"] >= res["rss_after_setup_mib"] > 0


def _tiny_parquet(tmp_path):
    from benchmarks.bench_features import write_transactions

    path = tmp_path / "t.parquet"
    write_transactions(path, 1_000)
    return path


def test_survival_benchmark_smoke(tmp_path):
    assert bench_run.main(["survival", "--rows", "20000", "--quick", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "survival.json").read_text())
    assert set(result["variants"]) == {"full_fit", "sampled_fit"}
    assert result["params"]["sample_rows"] < result["params"]["train_rows"]
    assert abs(result["checks"]["concordance_loss"]) <= 0.01


def test_profiles_benchmark_smoke(tmp_path):
    assert bench_run.main(["profiles", "--rows", "5000", "--quick", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "profiles.json").read_text())
    assert set(result["variants"]) == {"find_matches", "build_profiles"}
    assert result["checks"]["precision"] >= 0.95 and result["checks"]["recall"] >= 0.95
