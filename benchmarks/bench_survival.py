"""Cox on 1 million customers: the full fit against a uniform random sample.

Full size: 1,000,000 simulated customers, 12 covariates (6 normal, 6 binary), Weibull
event times with planted log-hazard ratios from -0.5 to 0.5, uniform censoring; 200,000
customers are held out for the concordance. Variants: ``full_fit`` (lifelines Cox on
all 800,000 training rows, the named baseline) and ``sampled_fit`` (the project's
``CoxModel`` default, a uniform random sample of ``max_rows`` = 200,000 rows). The
issue's rule: if the full fit takes over 20 s, fit on a sample and state the loss of
concordance; ``checks`` holds both concordances and the largest coefficient difference.
"""

from __future__ import annotations

import numpy as np

from benchmarks.common import measure

FULL_ROWS = 1_000_000
MAX_ROWS = 200_000


def simulate(n: int, seed: int = 0):
    import pandas as pd

    rng = np.random.default_rng(seed)
    X = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(6)})
    for i in range(6):
        X[f"b{i}"] = (rng.random(n) < 0.3).astype(float)
    beta = np.linspace(-0.5, 0.5, X.shape[1])
    t = 900 * (rng.exponential(size=n) / np.exp(X.to_numpy() @ beta)) ** (1 / 1.2)
    c = rng.uniform(30, 1100, size=n)
    X["duration"] = np.maximum(np.minimum(t, c), 1.0)
    X["event"] = (t <= c).astype(int)
    return X, beta


def _split(rows: int):
    df, beta = simulate(rows)
    test = df.sample(min(200_000, len(df) // 5), random_state=1)
    return df.drop(test.index), test, beta


def fit_factory(rows: int, max_rows: int | None):
    from analysis.survival import CoxModel

    train, _, _ = _split(rows)
    model = CoxModel(penalizers=(0.0,), check_ph=False, max_rows=max_rows)
    return lambda: model.fit(train, "duration", "event").fitter_.params_


def _score(rows: int, max_rows: int | None) -> tuple[float, np.ndarray, int]:
    from lifelines.utils import concordance_index

    from analysis.survival import CoxModel

    train, test, _ = _split(rows)
    m = CoxModel(penalizers=(0.0,), check_ph=False, max_rows=max_rows).fit(
        train, "duration", "event"
    )
    risk = m.predict_partial_hazard(test.drop(columns=["duration", "event"]))
    c = float(concordance_index(test["duration"], -np.asarray(risk).ravel(), test["event"]))
    return c, m.fitter_.params_.to_numpy(), m.fit_rows_


def run(rows: int | None = None, *, quick: bool = False) -> dict:
    rows = rows or FULL_ROWS
    max_rows = MAX_ROWS if not quick else max(1000, rows // 5)
    kw = {"repeats": 1, "warmup": 0, "isolate": not quick}
    variants = {
        "full_fit": measure(
            "benchmarks.bench_survival:fit_factory", kwargs={"rows": rows, "max_rows": None}, **kw
        ),
        "sampled_fit": measure(
            "benchmarks.bench_survival:fit_factory",
            kwargs={"rows": rows, "max_rows": max_rows},
            **kw,
        ),
    }
    c_full, b_full, n_full = _score(rows, None)
    c_sample, b_sample, n_sample = _score(rows, max_rows)
    _, _, beta = _split(min(rows, 1000))
    if abs(c_full - c_sample) > 0.01:
        raise AssertionError(f"sampled Cox loses {c_full - c_sample:.4f} concordance")
    return {
        "name": "survival",
        "description": "lifelines Cox, 12 covariates: all training rows vs a 200,000-row "
        "uniform sample; concordance on 200,000 held-out customers",
        "rows": rows,
        "params": {"train_rows": n_full, "sample_rows": n_sample, "covariates": 12},
        "baselines": ["full_fit"],
        "packages": ["lifelines", "pandas", "numpy"],
        "variants": variants,
        "checks": {
            "holdout_concordance_full": round(c_full, 4),
            "holdout_concordance_sample": round(c_sample, 4),
            "concordance_loss": round(c_full - c_sample, 4),
            "max_abs_coef_diff": round(float(np.max(np.abs(b_full - b_sample))), 4),
            "max_abs_coef_error_full": round(float(np.max(np.abs(b_full - beta))), 4),
        },
        "notes": [
            "one repeat each: a full fit at 1M takes about a minute",
            "the notebook's CoxModel samples above max_rows=200,000 by default",
        ],
    }
