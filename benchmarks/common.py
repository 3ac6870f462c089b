"""Timing, memory and data helpers shared by the benchmarks.

A variant is named by ``"module:factory"``. The factory does the untimed setup and
returns a zero-argument callable; :func:`measure` times calls of that callable, in a
fresh Python process by default so that the peak resident memory belongs to the
variant alone.
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"

DEFAULT_PACKAGES = ("numpy", "pandas", "pyarrow", "duckdb", "ibis-framework")


# Timing ----------------------------------------------------------------------------


def _rss_mib() -> float:
    """Peak resident memory of this process in MiB.

    VmHWM belongs to the process's own address space; ru_maxrss is not used first
    because Linux carries the parent's peak over fork and exec, so a worker started by
    a runner holding the generated data would report at least the runner's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _resolve(target: str):
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _save_result(result, path: str | Path) -> None:
    import pandas as pd

    if isinstance(result, pd.DataFrame):
        result.to_parquet(path)
    else:
        import pickle

        Path(path).write_bytes(pickle.dumps(result))


def measure_here(
    target: str,
    *,
    kwargs: dict | None = None,
    repeats: int = 3,
    warmup: int = 1,
    keep_result: str | Path | None = None,
) -> dict:
    """Time a variant in this process (peak RSS then includes everything run before)."""
    t0 = time.perf_counter()
    call = _resolve(target)(**(kwargs or {}))
    setup_s = time.perf_counter() - t0
    rss_setup = _rss_mib()
    warm, times = [], []
    result = None
    for i in range(warmup + repeats):
        result = None
        gc.collect()
        t0 = time.perf_counter()
        result = call()
        elapsed = time.perf_counter() - t0
        (warm if i < warmup else times).append(round(elapsed, 4))
    if keep_result is not None:
        _save_result(result, keep_result)
    return {
        "median_s": round(statistics.median(times), 4),
        "min_s": min(times),
        "times_s": times,
        "warmup_s": warm,
        "repeats": repeats,
        "setup_s": round(setup_s, 3),
        "rss_after_setup_mib": round(rss_setup, 1),
        "peak_rss_mib": round(_rss_mib(), 1),
    }


def measure(
    target: str,
    *,
    kwargs: dict | None = None,
    repeats: int = 3,
    warmup: int = 1,
    isolate: bool = True,
    keep_result: str | Path | None = None,
    note: str | None = None,
) -> dict:
    """Median wall time of ``repeats`` calls after ``warmup`` untimed-for-the-median calls.

    Parameters
    ----------
    target : str
        ``"module:factory"``; ``factory(**kwargs)`` returns the callable to time.
    kwargs : dict, optional
        JSON-serialisable arguments of the factory (they cross a process boundary).
    isolate : bool
        Run in a fresh ``python`` subprocess (default) so that ``peak_rss_mib`` is the
        variant's own. In-process runs are for smoke tests.
    keep_result : path, optional
        Save the last call's result there (a DataFrame as Parquet).

    Returns
    -------
    dict
        ``median_s``, ``min_s``, ``times_s``, ``warmup_s`` (the warm-up calls' times),
        ``repeats``, ``setup_s``, ``rss_after_setup_mib``, ``peak_rss_mib``, ``isolated``
        and ``note``.
    """
    spec = {
        "target": target,
        "kwargs": kwargs or {},
        "repeats": repeats,
        "warmup": warmup,
        "keep_result": str(keep_result) if keep_result else None,
    }
    if isolate:
        with tempfile.TemporaryDirectory(prefix="bench-worker-") as tmp:
            out = Path(tmp) / "out.json"
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                [str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
            )
            proc = subprocess.run(
                [sys.executable, "-m", "benchmarks.common", json.dumps(spec), str(out)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                raise RuntimeError(f"benchmark variant {target} failed:\n{proc.stderr[-4000:]}")
            res = json.loads(out.read_text())
    else:
        res = measure_here(
            target,
            kwargs=spec["kwargs"],
            repeats=repeats,
            warmup=warmup,
            keep_result=keep_result,
        )
    res["isolated"] = isolate
    if note:
        res["note"] = note
    return res


# Data ------------------------------------------------------------------------------


def temp_dir(prefix: str = "bench-") -> tempfile.TemporaryDirectory:
    """A temporary folder for generated input (removed when the context exits)."""
    return tempfile.TemporaryDirectory(prefix=prefix)


def rng(seed: int = 20240101) -> np.random.Generator:
    """The benchmarks' random generator: fixed seed, so inputs are identical across runs."""
    return np.random.default_rng(seed)


def labels(prefix: str, n: int, width: int):
    """``n`` string labels ``prefix + zero-padded number`` as a pyarrow array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    nums = pc.cast(pa.array(np.arange(n, dtype=np.int64)), pa.string())
    padded = pc.utf8_lpad(nums, width=width, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), padded, "")


# Machine facts ---------------------------------------------------------------------


def machine_facts(packages=()) -> dict:
    """Cores, memory, Python and package versions, git commit: what the numbers depend on."""
    mem_kib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    versions = {}
    for pkg in dict.fromkeys([*DEFAULT_PACKAGES, *packages]):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    cpu_model = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "cpu": cpu_model,
        "ram_gib": round(mem_kib / 1024**2, 1) if mem_kib else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "git_commit": commit or None,
        # other work on the machine inflates timings: recorded, not corrected for
        "load_avg_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


def _worker(argv: list[str]) -> None:
    spec = json.loads(argv[0])
    res = measure_here(
        spec["target"],
        kwargs=spec["kwargs"],
        repeats=spec["repeats"],
        warmup=spec["warmup"],
        keep_result=spec["keep_result"],
    )
    Path(argv[1]).write_text(json.dumps(res))


if __name__ == "__main__":
    _worker(sys.argv[1:])
