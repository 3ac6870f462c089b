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

__all__ = ["CadenceRule", "Playbook", "load_playbook", "recommend_actions", "assign_cadence"]

_COLUMNS = set(ORDERS) | {"cluster"}


#: Interaction kinds a cadence may name as its channel (labels ``followup.channel.*``).
CHANNELS = ("visit", "meeting", "call", "wechat", "email")


@dataclass(frozen=True)
class CadenceRule:
    """Follow-up target of a group: days between contacts (None: campaigns only), channel."""

    group: str
    when: dict[str, tuple[str, ...]]
    every_days: float | None
    channel: str


@dataclass(frozen=True)
class Playbook:
    """Actions ``{id: {"zh": ..., "en": ...}}``, rules ``[(action, {col: codes})]`` and
    the follow-up cadence (:class:`CadenceRule`, first match wins)."""

    actions: dict[str, dict[str, str]]
    rules: list[tuple[str, dict[str, tuple[str, ...]]]]
    source: str
    cadence: tuple[CadenceRule, ...] = ()


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
        rules.append((action, _conditions(rule.get("when"), f"playbook {source}: rule {i}")))
    if not rules or rules[-1][1]:
        raise ConfigError(
            f"playbook {source}: the last rule must have no 'when', so every customer "
            "gets an action"
        )
    return Playbook(
        actions=actions, rules=rules, source=source, cadence=_cadence(raw.get("cadence"), source)
    )


def _conditions(when: dict | None, where: str) -> dict[str, tuple[str, ...]]:
    out = {}
    for col, codes in (when or {}).items():
        if col not in _COLUMNS:
            raise ConfigError(
                f"{where} tests unknown column '{col}' (use one of {sorted(_COLUMNS)})"
            )
        codes = tuple(str(c) for c in (codes if isinstance(codes, list) else [codes]))
        if col in ORDERS:
            bad = [c for c in codes if c not in ORDERS[col]]
            if bad:
                raise ConfigError(f"{where}: {bad} are not {col} classes ({ORDERS[col]})")
        out[col] = codes
    return out


def _cadence(raw: list | None, source: str) -> tuple[CadenceRule, ...]:
    """Parse the ``cadence`` list (optional: an old playbook without one has none)."""
    out = []
    for i, entry in enumerate(raw or [], start=1):
        where = f"playbook {source}: cadence {i}"
        group = str(entry.get("group") or "")
        if not group:
            raise ConfigError(f"{where} needs a 'group' name")
        every = entry.get("every_days")
        if every is not None and (not isinstance(every, int | float) or every <= 0):
            raise ConfigError(f"{where}: every_days must be a number of days > 0 or null")
        channel = str(entry.get("channel") or "")
        if channel not in CHANNELS:
            raise ConfigError(f"{where}: channel '{channel}' is not one of {list(CHANNELS)}")
        out.append(CadenceRule(group, _conditions(entry.get("when"), where),
                               None if every is None else float(every), channel))  # fmt: skip
    if out and out[-1].when:
        raise ConfigError(
            f"playbook {source}: the last cadence entry must have no 'when', so every "
            "customer gets a cadence"
        )
    return tuple(out)


def _first_match(classes: pd.DataFrame, rules) -> np.ndarray:
    """Position of the first rule (``(name, when)`` pairs) each customer matches."""
    n = len(classes)
    chosen = np.full(n, -1)
    open_ = np.ones(n, dtype=bool)
    for k, (_, when) in enumerate(rules):
        hit = open_.copy()
        for col, codes in when.items():
            if col not in classes.columns:
                hit &= False
                continue
            hit &= classes[col].astype(object).isin(codes).to_numpy()
        chosen[hit] = k
        open_ &= ~hit
    return chosen


def recommend_actions(classes: pd.DataFrame, playbook: Playbook) -> pd.DataFrame:
    """The first matching rule's action per customer.

    Returns
    -------
    pandas.DataFrame
        ``action`` (id), ``action_zh``, ``action_en``; same index as ``classes``.
    """
    k = _first_match(classes, playbook.rules)
    names = np.array([a for a, _ in playbook.rules] + [None], dtype=object)
    out = pd.DataFrame({"action": names[k]}, index=classes.index)
    out["action_zh"] = out["action"].map({k: v["zh"] for k, v in playbook.actions.items()})
    out["action_en"] = out["action"].map({k: v["en"] for k, v in playbook.actions.items()})
    return out


def assign_cadence(classes: pd.DataFrame, playbook: Playbook) -> pd.DataFrame:
    """The follow-up cadence of every customer: the first matching ``cadence`` entry.

    Returns
    -------
    pandas.DataFrame
        ``cadence_group``, ``every_days`` (NaN: campaigns only, never overdue),
        ``channel``; same index as ``classes``. Empty columns when the playbook has no
        cadence.

    Examples
    --------
    >>> classes = pd.DataFrame({"value_tier": ["high", "mid", "low"],
    ...                         "key_account_tier": ["strategic", None, None]})
    >>> assign_cadence(classes, load_playbook()).values.tolist()
    [['key_account', 30.0, 'visit'], ['mid_value', 91.0, 'wechat'], ['low_value', nan, 'email']]
    """
    rules = [(c.group, c.when) for c in playbook.cadence]
    k = _first_match(classes, rules)
    pick = np.asarray(playbook.cadence + (None,), dtype=object)[k]
    return pd.DataFrame(
        {
            "cadence_group": [c.group if c else None for c in pick],
            "every_days": [c.every_days if c and c.every_days else np.nan for c in pick],
            "channel": [c.channel if c else None for c in pick],
        },
        index=classes.index,
    )
