"""The strategy playbook (客户策略手册): from classes to one recommended action each.

The playbook is YAML (bundled ``playbook.yaml``; pass your own path to change it):
named actions with Chinese and English text, and rules tried top to bottom, first
match wins. The last rule has no condition, so every customer gets an action.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from analysis.exceptions import ConfigError
from analysis.segmentation.labels import ORDERS

__all__ = ["Playbook", "load_playbook", "recommend_actions"]

_COLUMNS = set(ORDERS) | {"cluster"}


@dataclass(frozen=True)
class Playbook:
    """Actions ``{id: {"zh": ..., "en": ...}}`` and rules ``[(action, {col: codes})]``."""

    actions: dict[str, dict[str, str]]
    rules: list[tuple[str, dict[str, tuple[str, ...]]]]
    source: str


def load_playbook(path: str | Path | None = None) -> Playbook:
    """Read and check a playbook; None reads the bundled one.

    Raises
    ------
    ConfigError
        Naming the file and the rule when an action is undefined, a column unknown,
        a code not one of the column's classes, or the last rule has conditions.

    Examples
    --------
    >>> pb = load_playbook()
    >>> pb.rules[-1]
    ('low_cost_contact', {})
    """
    if path:
        source = str(path)
        text = Path(path).read_text(encoding="utf-8")
    else:
        source = "analysis/segmentation/playbook.yaml"
        text = (
            resources.files("analysis.segmentation")
            .joinpath("playbook.yaml")
            .read_text(encoding="utf-8")
        )
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"playbook {source}: not valid YAML ({exc})") from exc
    actions = raw.get("actions") or {}
    for key, spec in actions.items():
        if not isinstance(spec, dict) or not spec.get("zh") or not spec.get("en"):
            raise ConfigError(f"playbook {source}: action '{key}' needs both zh and en text")
    rules = []
    for i, rule in enumerate(raw.get("rules") or [], start=1):
        action = rule.get("action")
        if action not in actions:
            raise ConfigError(f"playbook {source}: rule {i} uses undefined action '{action}'")
        when = {}
        for col, codes in (rule.get("when") or {}).items():
            if col not in _COLUMNS:
                raise ConfigError(
                    f"playbook {source}: rule {i} tests unknown column '{col}' "
                    f"(use one of {sorted(_COLUMNS)})"
                )
            codes = tuple(str(c) for c in (codes if isinstance(codes, list) else [codes]))
            if col in ORDERS:
                bad = [c for c in codes if c not in ORDERS[col]]
                if bad:
                    raise ConfigError(
                        f"playbook {source}: rule {i}: {bad} are not {col} classes ({ORDERS[col]})"
                    )
            when[col] = codes
        rules.append((action, when))
    if not rules or rules[-1][1]:
        raise ConfigError(
            f"playbook {source}: the last rule must have no 'when', so every customer "
            "gets an action"
        )
    return Playbook(actions=actions, rules=rules, source=source)


def recommend_actions(classes: pd.DataFrame, playbook: Playbook) -> pd.DataFrame:
    """The first matching rule's action per customer.

    Returns
    -------
    pandas.DataFrame
        ``action`` (id), ``action_zh``, ``action_en``; same index as ``classes``.
    """
    n = len(classes)
    chosen = np.full(n, None, dtype=object)
    open_ = np.ones(n, dtype=bool)
    for action, when in playbook.rules:
        hit = open_.copy()
        for col, codes in when.items():
            if col not in classes.columns:
                hit &= False
                continue
            hit &= classes[col].astype(object).isin(codes).to_numpy()
        chosen[hit] = action
        open_ &= ~hit
    out = pd.DataFrame({"action": chosen}, index=classes.index)
    out["action_zh"] = out["action"].map({k: v["zh"] for k, v in playbook.actions.items()})
    out["action_en"] = out["action"].map({k: v["en"] for k, v in playbook.actions.items()})
    return out
