"""Purchase and spend model fits on 1 million customers: grouped rows against every row.

Full size: 1,000,000 simulated customers per model, first purchases spread over 52
weeks and observed for 26 to 78 weeks, recency and T in whole days expressed in weeks
(days / 7), as ``compute_rfm_summary`` makes them. BG/NBD customers come from a BG/NBD
(r 0.24, α 4.4, a 0.79, b 2.4), Pareto/NBD customers from a Pareto/NBD (r 0.55, α 10.6,
s 0.61, β 11.7), spend from a Gamma-Gamma (p 6.25, q 3.74, v 15.44, cents) for the
Pareto/NBD repeat buyers. Variants: ``<model>_rows`` evaluates the likelihood on every
customer (grouping switched off, weights all 1) and ``<model>_grouped`` is the default
fit on distinct rows weighted by their counts. ``checks`` holds the largest relative
parameter difference between the two (the run fails above 1e-4) and the estimates
against the planted values.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from benchmarks.common import measure, temp_dir

FULL_ROWS = 1_000_000
MODELS = ("bgnbd", "pareto_nbd", "gamma_gamma")
TRUE = {
    "bgnbd": {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4},
    "pareto_nbd": {"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7},
    "gamma_gamma": {"p": 6.25, "q": 3.74, "v": 15.44},
}
MAX_REL_DIFF = 1e-4


def write_summaries(folder: Path, rows: int, seed: int = 20240101) -> dict[str, str]:
    """Simulated per-customer summaries, one Parquet file per model family."""
    from analysis.clv.simulate import simulate_bgnbd, simulate_pareto_nbd, simulate_spend

    rng = np.random.default_rng(seed)
    T = rng.integers(26 * 7, 78 * 7 + 1, rows) / 7
    paths = {}
    bg = simulate_bgnbd(rows, TRUE["bgnbd"], T, resolution=1 / 7, seed=seed + 1)
    pn = simulate_pareto_nbd(rows, TRUE["pareto_nbd"], T, resolution=1 / 7, seed=seed + 2)
    pn["monetary_value"] = simulate_spend(pn["frequency"], TRUE["gamma_gamma"], seed=seed + 3)
    frames = {"bgnbd": bg, "pareto_nbd": pn, "gamma_gamma": pn}
    for name, df in frames.items():
        path = folder / f"{name}.parquet"
        cols = ["frequency", "recency", "T"] + (["monetary_value"] if "gamma" in name else [])
        df[cols].to_parquet(path)
        paths[name] = str(path)
    return paths


def _model(name: str, grouped: bool):
    from analysis.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel

    cls = {"bgnbd": BetaGeoModel, "pareto_nbd": ParetoNBDModel, "gamma_gamma": GammaGammaModel}
    model = cls[name]()
    model._aggregate = grouped  # private switch: same likelihood, every row
    return model


def fit_factory(path: str, model: str, grouped: bool):
    """Load the summary (untimed); the callable fits and returns the parameters."""
    import pandas as pd

    df = pd.read_parquet(path)
    m = _model(model, grouped)

    def call():
        return {**m.fit(df).params_, "n_rows": m.n_rows_, "loglik": m.loglik_}

    return call


def run(rows: int | None = None, *, quick: bool = False) -> dict:
    rows = rows or FULL_ROWS
    kw = {"repeats": 1, "warmup": 0, "isolate": False} if quick else {"repeats": 3, "warmup": 1}
    variants, results = {}, {}
    with temp_dir("bench-clv-") as tmp:
        paths = write_summaries(Path(tmp), rows)
        for model in MODELS:
            for grouped in (False, True):
                name = f"{model}_{'grouped' if grouped else 'rows'}"
                keep = Path(tmp) / f"{name}.pkl"
                variants[name] = measure(
                    "benchmarks.bench_clv:fit_factory",
                    kwargs={"path": paths[model], "model": model, "grouped": grouped},
                    keep_result=keep,
                    **kw,
                )
                results[name] = pickle.loads(keep.read_bytes())
    checks, params = {}, {"customers": rows, "time_unit": "week (days / 7)"}
    for model in MODELS:
        a, b = results[f"{model}_rows"], results[f"{model}_grouped"]
        diff = max(abs(b[k] / a[k] - 1) for k in TRUE[model])
        if diff > MAX_REL_DIFF:
            raise AssertionError(f"{model}: grouped and row-by-row fits differ by {diff:.2e}")
        params[f"{model}_rows_fitted"] = a["n_rows"]
        params[f"{model}_distinct_rows"] = b["n_rows"]
        checks[f"{model}_max_rel_param_diff"] = float(f"{diff:.3g}")
        checks[f"{model}_loglik_diff"] = float(f"{b['loglik'] - a['loglik']:.3g}")
        checks[f"{model}_estimates"] = {k: round(b[k], 4) for k in TRUE[model]}
        checks[f"{model}_planted"] = TRUE[model]
    return {
        "name": "clv",
        "description": "BG/NBD, Pareto/NBD and Gamma-Gamma maximum-likelihood fits on "
        f"{rows:,} simulated customers: every row vs distinct rows weighted by counts",
        "rows": rows,
        "params": params,
        "baselines": ["bgnbd_rows", "pareto_nbd_rows", "gamma_gamma_rows"],
        "packages": ["scipy", "numpy", "pandas", "scikit-learn"],
        "variants": variants,
        "checks": checks,
        "notes": [
            "a fit includes input checks, grouping (pandas.factorize) and L-BFGS-B with "
            "analytic gradients; BLAS is held to one thread during the optimisation",
            "Gamma-Gamma rows are the repeat buyers only; spend in cents makes most of "
            "them distinct, so grouping gains least there",
            "estimates against planted values: whole days shift the weakly identified "
            "Pareto/NBD dropout parameters (at 1M, beta 12.8 from days vs 12.0 from the "
            "same customers in continuous time, planted 11.7); the planted-truth test "
            "uses continuous times",
        ],
    }
