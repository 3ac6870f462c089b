"""The zh/en message catalogue: every word a report shows, in Chinese and English.

The words live in YAML files in the package folder ``analysis/catalogue/``, each a flat
mapping ``key: {zh: "...", en: "..."}``. Every ``*.yaml`` file there is merged into one
catalogue, read once on first use; a key defined in two files, or an entry without both
languages, is a :class:`~analysis.exceptions.ConfigError` naming the file and key.

Code keeps codes (``dormant``, ``rows_in``) and asks for words at the last moment:
:func:`t` for a key that must exist (a missing word is a bug and fails loudly),
:func:`label` for table names and other keys that may have no entry.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from analysis.exceptions import ConfigError

__all__ = ["LANGS", "LazyMapping", "has", "label", "load_catalogue", "t"]

#: Languages every catalogue entry has, in this order.
LANGS = ("zh", "en")
_FOLDER = "catalogue"


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one file (PyYAML keeps the last)."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if not isinstance(key, str | int | float | bool | None):
            continue  # construct_mapping reports keys that cannot be dict keys
        if key in seen:
            raise ConfigError(
                f"key '{key}' appears twice (lines {seen[key]} and {key_node.start_mark.line + 1})"
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _read_file(path: Traversable | Path, name: str) -> dict[str, dict[str, str]]:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except ConfigError as exc:
        raise ConfigError(f"catalogue file {name}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"catalogue file {name}: not valid YAML ({exc})") from exc
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"catalogue file {name}: must be a mapping of key: {{zh: ..., en: ...}}")
    entries = {}
    for key, entry in raw.items():
        if not isinstance(key, str):
            raise ConfigError(f"catalogue file {name}: key {key!r} must be text")
        if not isinstance(entry, dict):
            raise ConfigError(f"catalogue file {name}: '{key}' must be {{zh: ..., en: ...}}")
        missing = [
            lang for lang in LANGS if not isinstance(entry.get(lang), str) or not entry[lang]
        ]
        if missing:
            raise ConfigError(
                f"catalogue file {name}: '{key}' lacks {' and '.join(missing)} text "
                "(quote values YAML would read as numbers or booleans)"
            )
        extra = sorted(str(k) for k in entry if k not in LANGS)
        if extra:
            raise ConfigError(
                f"catalogue file {name}: '{key}' has {extra}; entries hold only {list(LANGS)}"
            )
        entries[key] = {lang: entry[lang] for lang in LANGS}
    return entries


def load_catalogue(folder: str | Path | None = None) -> dict[str, dict[str, str]]:
    """Merge every ``*.yaml`` file of ``folder`` into ``{key: {"zh": ..., "en": ...}}``.

    Parameters
    ----------
    folder : str or pathlib.Path, optional
        Folder of catalogue files; None reads the package's ``analysis/catalogue/``
        (once: later calls return the same dict, which callers must not change).

    Returns
    -------
    dict
        Keys in file-name order, then in file order.

    Raises
    ------
    ConfigError
        Naming both files when a key is defined twice, and the file and key when an
        entry lacks ``zh`` or ``en`` text.

    Examples
    --------
    >>> load_catalogue()["class.lifecycle.dormant"]
    {'zh': '沉默客户', 'en': 'Dormant'}
    """
    if folder is None:
        return _bundled_catalogue()
    return _merge(Path(folder), str(folder))


@functools.cache
def _bundled_catalogue() -> dict[str, dict[str, str]]:
    return _merge(resources.files("analysis").joinpath(_FOLDER), f"analysis/{_FOLDER}")


def _merge(folder: Traversable | Path, shown: str) -> dict[str, dict[str, str]]:
    if not folder.is_dir():
        raise ConfigError(f"catalogue folder {shown} does not exist")
    files = sorted(
        (p for p in folder.iterdir() if p.name.endswith(".yaml") and p.is_file()),
        key=lambda p: p.name,
    )
    merged: dict[str, dict[str, str]] = {}
    source: dict[str, str] = {}
    for path in files:
        name = f"{shown}/{path.name}"
        for key, entry in _read_file(path, name).items():
            if key in merged:
                raise ConfigError(
                    f"catalogue key '{key}' is defined in both {source[key]} and {name}; keep one"
                )
            merged[key] = entry
            source[key] = name
    return merged


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"language {lang!r} is not supported: use one of {', '.join(LANGS)}")


def t(key: str, lang: str, /, **values: Any) -> str:
    """The text of ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``.

    Raises
    ------
    KeyError
        If the catalogue has no ``key``, or the text needs a value not given.
    ValueError
        If ``lang`` is not one of :data:`LANGS`.

    Examples
    --------
    >>> t("class.lifecycle.dormant", "zh"), t("class.lifecycle.dormant", "en")
    ('沉默客户', 'Dormant')
    >>> t("cluster.unnamed", "en", n=2)
    'cluster 2'
    """
    _check_lang(lang)
    try:
        text = _bundled_catalogue()[key][lang]
    except KeyError:
        raise KeyError(
            f"no catalogue entry '{key}': add it to a YAML file in analysis/{_FOLDER}/"
        ) from None
    try:
        return text.format(**values)
    except (KeyError, IndexError) as exc:
        raise KeyError(f"catalogue entry '{key}' ({lang}) needs the value {exc}") from None


def has(key: str) -> bool:
    """Whether the catalogue has ``key``.

    Examples
    --------
    >>> has("page.period"), has("page.no_such_label")
    (True, False)
    """
    return key in _bundled_catalogue()


def label(key: str, lang: str = "zh") -> str:
    """The label of ``key`` in ``lang``; keys without an entry come back as given.

    For names that may have no entry (a table the catalogue does not know); use
    :func:`t` when the key must exist.

    Examples
    --------
    >>> label("rows_in", "en"), label("my_table", "en")
    ('Rows in', 'my_table')
    """
    _check_lang(lang)
    entry = _bundled_catalogue().get(key)
    return key if entry is None else entry[lang]


class LazyMapping(Mapping):
    """A read-only mapping built by ``build()`` on first use, not at import.

    Keeps module-level tables (``{code: (zh, en)}``) that older callers import while the
    words stay in the catalogue.
    """

    def __init__(self, build: Callable[[], Mapping]) -> None:
        self._build = build

    @functools.cached_property
    def _data(self) -> Mapping:
        return self._build()

    def __getitem__(self, key: Any) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"LazyMapping({dict(self._data)!r})"
