"""Cox on 1M customers: full fit vs. a weighted case-cohort sample; prints/writes JSON.

Run: ``python -m benchmarks.bench_survival [--n 1000000] [--full]``. The sample keeps
every churned customer and a share of the censored ones, weighted by the inverse of
that share (lifelines ``weights_col``, robust errors), so the partial likelihood is
estimated without bias; the concordance of both fits is measured on the same holdout.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from lifelines.utils import concordance_index

from analysis.survival import CoxModel


def simulate(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(6)})
    for i in range(6):
        X[f"b{i}"] = (rng.random(n) < 0.3).astype(float)
    beta = np.linspace(-0.5, 0.5, X.shape[1])
    t = 900 * (rng.exponential(size=n) / np.exp(X.to_numpy() @ beta)) ** (1 / 1.2)
    c = rng.uniform(30, 1100, size=n)
    X["duration"] = np.maximum(np.minimum(t, c), 1.0)
    X["event"] = (t <= c).astype(int)
    return X


def run(rows: int | None = None, *, quick: bool = False) -> dict:
    """Runner entry point (benchmarks/README.md): full size 1M customers, full fit included."""
    return _bench(rows or 1_000_000, full=True, censored_share=0.05)


def _bench(n: int, *, full: bool, censored_share: float) -> dict:
    df = simulate(n)
    test = df.sample(min(200_000, len(df) // 5), random_state=1)
    train = df.drop(test.index)
    rng = np.random.default_rng(2)
    keep = (train["event"] == 1) | (rng.random(len(train)) < censored_share)
    sample = train[keep].copy()
    sample["w"] = np.where(sample["event"] == 1, 1.0, 1.0 / censored_share)
    result = {
        "name": "survival",
        "n": n,
        "sample_rows": int(len(sample)),
        "censored_share": censored_share,
    }
    t0 = time.perf_counter()
    m = CoxModel(penalizers=(0.0,), check_ph=False, weights_col="w").fit(
        sample, "duration", "event"
    )
    result["sample_fit_s"] = round(time.perf_counter() - t0, 2)

    def c_index(model):
        risk = model.predict_partial_hazard(test.drop(columns=["duration", "event"]))
        return round(float(concordance_index(test["duration"], -risk, test["event"])), 4)

    result["sample_holdout_concordance"] = c_index(m)
    if full:
        t0 = time.perf_counter()
        f = CoxModel(penalizers=(0.0,), check_ph=False).fit(train, "duration", "event")
        result["full_fit_s"] = round(time.perf_counter() - t0, 2)
        result["full_holdout_concordance"] = c_index(f)
        result["concordance_loss"] = round(
            result["full_holdout_concordance"] - result["sample_holdout_concordance"], 4
        )
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--censored-share", type=float, default=0.05)
    ap.add_argument("--full", action="store_true", help="also time the full fit (~1 min, 2 GiB)")
    ap.add_argument("--out", default="benchmarks/results/survival.json")
    args = ap.parse_args()
    result = _bench(args.n, full=args.full, censored_share=args.censored_share)
    print(json.dumps(result))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
