"""Run benchmarks and write ``benchmarks/results/<name>.json``.

Usage::

    python -m benchmarks.run [names...] [--rows N] [--quick] [--out DIR]

Every ``benchmarks/bench_<name>.py`` exposing ``run(rows=None, *, quick=False)`` is a
benchmark (see ``benchmarks/README.md``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from pathlib import Path

from benchmarks.common import RESULTS, machine_facts

HERE = Path(__file__).resolve().parent


def discover() -> list[str]:
    """Names of the benchmark modules (``bench_<name>.py``), sorted."""
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def compute_ratios(result: dict) -> dict:
    """``{baseline: {variant: median / baseline median}}``."""
    variants = result["variants"]
    ratios = {}
    for base in result.get("baselines", []):
        b = variants.get(base, {}).get("median_s")
        if not b:
            continue
        ratios[base] = {
            name: round(v["median_s"] / b, 2) for name, v in variants.items() if "median_s" in v
        }
    return ratios


def format_table(result: dict) -> str:
    """A plain-text table of one benchmark's variants."""
    bases = list(result.get("ratios", {}))
    head = ["variant", "median s", "min s", "warm-up s", "peak MiB"] + [f"x {b}" for b in bases]
    rows = [head]
    for name, v in result["variants"].items():
        warm = ",".join(f"{w:.2f}" for w in v.get("warmup_s", [])) or "-"
        peak = v.get("peak_rss_mib")
        row = [
            name,
            f"{v['median_s']:.2f}",
            f"{v['min_s']:.2f}",
            warm,
            f"{peak:.0f}" if peak is not None and v.get("isolated") else "-",
        ]
        row += [f"{result['ratios'][b].get(name, float('nan')):.2f}" for b in bases]
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_one(name: str, *, rows: int | None, quick: bool, out: Path) -> dict:
    """Run ``bench_<name>.run`` and write ``<out>/<name>.json``; returns the result."""
    module = importlib.import_module(f"benchmarks.bench_{name}")
    load_start = [round(x, 2) for x in os.getloadavg()]
    t0 = time.perf_counter()
    result = module.run(rows, quick=quick)
    result.setdefault("name", name)
    result["quick"] = quick
    result["wall_s"] = round(time.perf_counter() - t0, 1)
    result["machine"] = machine_facts(result.get("packages", ()))
    result["machine"]["load_avg_at_start"] = load_start
    result["ratios"] = compute_ratios(result)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    result["_path"] = str(path)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "names", nargs="*", help=f"benchmarks to run (default: all of {discover()})"
    )
    parser.add_argument(
        "--rows", type=int, default=None, help="input size (default: each benchmark's full size)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="one repeat, no warm-up, in-process (smoke run)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the JSON results")
    args = parser.parse_args(argv)

    available = discover()
    names = args.names or available
    unknown = [n for n in names if n not in available]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; available: {available}")
    for name in names:
        print(
            f"== {name} (rows={args.rows or 'full'}{', quick' if args.quick else ''})", flush=True
        )
        result = run_one(name, rows=args.rows, quick=args.quick, out=args.out)
        print(format_table(result))
        for note in result.get("notes", []):
            print(f"  - {note}")
        print(f"  wrote {result['_path']} ({result['wall_s']} s in all)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
