"""environment.yml and pyproject.toml must ask for the same packages and pins."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from PyPI's
CONDA_NAMES = {"ibis-framework[duckdb]": "ibis-framework"}


def _split(spec: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*(.*)$", spec)
    name, version = m.group(1), m.group(2).replace(" ", "")
    return CONDA_NAMES.get(name, name).lower(), ",".join(sorted(version.split(",")))


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    specs = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["test"]
    return dict(_split(s) for s in specs)


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for p in dep["pip"]:
                if not p.startswith("-e"):
                    out.update([_split(p)])
        elif not dep.startswith(("python", "pip")):
            out.update([_split(dep)])
    return out


def test_environment_matches_pyproject():
    assert _environment() == _pyproject()


def test_environment_installs_this_package():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert any(p.startswith("-e .") for p in pip)


def test_drift_is_detected(tmp_path):
    # The comparison must notice a changed pin.
    specs = _pyproject()
    specs["pandas"] = ">=2.2"
    assert specs != _environment()
