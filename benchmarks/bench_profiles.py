"""Customer profiles (issue 12): matching and merging records at scale.

Full size: 200,000 customer records from
:func:`analysis.profiles.synthetic.make_planted_customers` (180,000 true customers,
12,000 planted duplicates, 8,000 near-misses), built in setup. Variants:
``find_matches`` (normalise phone, e-mail, company and city, block, form pairs) and
``build_profiles`` (union-find and survivorship, given the matches). Target (issue 12):
a few seconds on one core. The merged pairs are scored against the planted truth before
anything is timed.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from benchmarks.common import measure

FULL_ROWS = 200_000


def make_customers(rows: int, seed: int = 3):
    from analysis.sample.profiles import make_planted_customers

    dups, near = rows * 6 // 100, rows * 4 // 100
    return make_planted_customers(
        rows - dups - near, n_duplicates=dups, n_near_misses=near, seed=seed
    )


def find_factory(rows: int):
    from analysis.profiles import find_matches

    customers, _ = make_customers(rows)
    return lambda: find_matches(customers)


def build_factory(rows: int):
    from analysis.profiles import build_profiles, find_matches

    customers, _ = make_customers(rows)
    matches = find_matches(customers)
    return lambda: build_profiles(customers, matches)


def score(rows: int) -> dict:
    """Precision and recall of merged pairs against the planted truth."""
    from analysis.profiles import build_profiles, find_matches
    from analysis.sample.profiles import true_pairs

    customers, truth = make_customers(rows)
    matches = find_matches(customers)
    profile_map, profiles = build_profiles(customers, matches)
    groups = defaultdict(list)
    for old, new in profile_map.items():
        groups[new].append(old)
    merged = {p for g in groups.values() for p in combinations(sorted(g), 2)}
    planted = true_pairs(truth)
    hit = len(merged & planted)
    return {
        "customers": len(customers),
        "profiles": len(profiles),
        "merged_pairs": len(merged),
        "planted_pairs": len(planted),
        "precision": round(hit / len(merged), 4) if merged else 1.0,
        "recall": round(hit / len(planted), 4) if planted else 1.0,
        "review_pairs": int((matches["kind"] == "review").sum()),
        **matches.attrs["counts"],
    }


def run(rows: int | None = None, *, quick: bool = False) -> dict:
    rows = rows or FULL_ROWS
    checks = score(rows)
    if checks["precision"] < 0.95 or checks["recall"] < 0.95:
        raise AssertionError(f"matching below 0.95 on planted truth: {checks}")
    kw = {"repeats": 1 if quick else 3, "warmup": 0 if quick else 1, "isolate": not quick}
    variants = {
        "find_matches": measure(
            "benchmarks.bench_profiles:find_factory", kwargs={"rows": rows}, **kw
        ),
        "build_profiles": measure(
            "benchmarks.bench_profiles:build_factory", kwargs={"rows": rows}, **kw
        ),
    }
    return {
        "name": "profiles",
        "description": f"find_matches and build_profiles on {rows:,} synthetic customer records",
        "rows": rows,
        "params": {"switchboard_min": 3, "max_block": 50, "seed": 3},
        "baselines": ["find_matches"],
        "packages": ["pandas", "numpy", "scipy"],
        "variants": variants,
        "checks": checks,
        "notes": [
            "generating the records (about 15 s at full size) is setup, not timed",
            "precision/recall are of merged pairs against the planted duplicates",
        ],
    }
