"""What stakeholders may see: pseudonymised customer ids and no small groups.

Report pages and their PDFs travel to people who have no business knowing who a
customer is. So a page shows a customer as a pseudonym (``K-7F3Q-2M9A-H4KD``), a keyed
hash of the id that is the same every month with the same key, never the id, name,
phone or e-mail; and a table or chart of groups shows a group of fewer than
:data:`MIN_GROUP_SIZE` customers only inside one "other" group. Exports meant for CRM
import (``exports/``) keep the real ids: they are operational data.

The key is secret: with it, anyone can hash every id and undo the pseudonyms. It comes
from ``$ANALYSIS_PSEUDONYM_KEY`` or, when that is not set, from a key file outside the
reports (``$ANALYSIS_CONFIG_DIR/pseudonym.key``, default
``~/.config/analysis/pseudonym.key``), generated once on a new machine. Changing the
key changes every pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path

import pandas as pd

from analysis.exceptions import ConfigError

__all__ = [
    "KEY_ENV",
    "CONFIG_DIR_ENV",
    "MIN_GROUP_SIZE",
    "OTHER",
    "fold_small_groups",
    "key_location",
    "key_path",
    "pseudonym_key",
    "pseudonymise",
]

#: Environment variable holding the pseudonym key (it wins over the key file).
KEY_ENV = "ANALYSIS_PSEUDONYM_KEY"
#: Environment variable naming the folder of the key file.
CONFIG_DIR_ENV = "ANALYSIS_CONFIG_DIR"
KEY_FILE = "pseudonym.key"
#: Fewest characters of a key: a short key can be guessed, and with it every pseudonym.
MIN_KEY_CHARS = 16
#: Groups of fewer customers are shown only inside the "other" group.
MIN_GROUP_SIZE = 5
#: The code of the group small groups are folded into (shown as the catalogue's
#: ``label.other``).
OTHER = "other"

PREFIX = "K-"
#: Crockford's base32: digits and capitals without I, L, O and U, so a pseudonym read
#: aloud or copied by hand is not misread.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CHARS = 12  # 12 characters x 5 bits = 60 bits of the HMAC (see pseudonymise)
_GROUP = 4  # shown in groups of four: K-7F3Q-2M9A-H4KD


def _config_dir() -> Path:
    folder = os.environ.get(CONFIG_DIR_ENV, "").strip()
    return Path(folder).expanduser() if folder else Path.home() / ".config" / "analysis"


def key_path() -> Path:
    """The key file used when ``$ANALYSIS_PSEUDONYM_KEY`` is not set (it may not exist)."""
    return _config_dir() / KEY_FILE


def key_location() -> str:
    """Where the pseudonym key comes from, for a log line; never the key itself.

    Examples
    --------
    >>> import os
    >>> os.environ[KEY_ENV] = "a long enough example key"
    >>> key_location()
    'the environment variable ANALYSIS_PSEUDONYM_KEY'
    >>> del os.environ[KEY_ENV]
    """
    if KEY_ENV in os.environ:
        return f"the environment variable {KEY_ENV}"
    return f"the key file {key_path()}"


def _check_key(text: str, where: str) -> bytes:
    key = text.strip()
    if len(key) < MIN_KEY_CHARS or "\n" in key or "\r" in key:
        problem = "is empty" if not key else (
            f"has {len(key)} characters" if len(key) < MIN_KEY_CHARS else "has several lines"
        )  # fmt: skip
        raise ConfigError(
            f"the pseudonym key in {where} {problem}; a key is one line of at least "
            f'{MIN_KEY_CHARS} characters (python -c "import secrets; '
            'print(secrets.token_hex(32))" makes one). Changing the key changes every '
            "pseudonym on the pages."
        )
    return key.encode("utf-8")


def pseudonym_key(*, log: Callable[[str], None] | None = None) -> bytes:
    """The secret key of the pseudonyms; generated once when none exists.

    ``$ANALYSIS_PSEUDONYM_KEY`` wins when set. Otherwise the key file (``key_path()``:
    ``$ANALYSIS_CONFIG_DIR/pseudonym.key``, default ``~/.config/analysis/pseudonym.key``)
    is read; when it does not exist a random key is written there, readable by its
    owner only (mode 0600), and ``log`` is told where. Two processes starting at once
    end up with the same key: the file appears complete or not at all (written aside,
    then linked into place, which fails for the second one, who reads the first's).

    The key is the text of the variable or the file's one line, as UTF-8 bytes, so a
    key copied from the file into the variable gives the same pseudonyms.

    Parameters
    ----------
    log : callable, optional
        Told (in English, an operator message) where a new key was written.

    Returns
    -------
    bytes

    Raises
    ------
    ConfigError
        If the variable or the file holds no usable key (empty, shorter than 16
        characters, or several lines), naming which.

    Examples
    --------
    >>> import os
    >>> os.environ[KEY_ENV] = "a long enough example key"
    >>> pseudonym_key()
    b'a long enough example key'
    >>> del os.environ[KEY_ENV]
    """
    if KEY_ENV in os.environ:
        # set but empty is an error, not a fallback: a missing CI secret must not
        # quietly give pseudonyms that match no other run
        return _check_key(os.environ[KEY_ENV], f"the environment variable {KEY_ENV}")
    path = key_path()
    if not path.exists():
        _create_key_file(path, log)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read the pseudonym key file {path} ({exc}); fix its permissions, or "
            f"set {KEY_ENV}"
        ) from exc
    return _check_key(text, f"the key file {path}")


def _create_key_file(path: Path, log: Callable[[str], None] | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # fails if another process linked its key first
        except FileExistsError:
            return
        except OSError:  # a file system without hard links: exclusive create instead
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(tmp.read_text("utf-8"))
    finally:
        tmp.unlink(missing_ok=True)
    if log is not None:
        log(
            f"[privacy] generated a new pseudonym key in {path} (readable by you only); keep "
            f"it: the same key gives the same pseudonyms every month. Set {KEY_ENV} to use "
            "another key."
        )


def _token(key: bytes, value: object) -> str:
    digest = hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).digest()
    bits = int.from_bytes(digest[:8], "big") >> (64 - 5 * _CHARS)
    chars = "".join(_ALPHABET[(bits >> (5 * i)) & 31] for i in reversed(range(_CHARS)))
    groups = [chars[i : i + _GROUP] for i in range(0, _CHARS, _GROUP)]
    return PREFIX + "-".join(groups)


def _missing(value: object) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def pseudonymise(ids: Iterable | pd.Series, key: bytes | None = None) -> list[str] | pd.Series:
    """Stable pseudonyms of customer ids, as shown on report pages.

    Each id becomes ``K-`` and 12 characters of Crockford base32 (in groups of four)
    taken from HMAC-SHA256 of ``str(id)`` under the key: the same id and key give the
    same pseudonym every run and month, another key another one, and without the key a
    pseudonym cannot be traced back to an id.

    Twelve characters carry 60 bits. Among n customers the chance that any two share a
    pseudonym is about n² / 2⁶¹: for 10⁶ customers 10¹² / 2.3·10¹⁸ ≈ 4·10⁻⁷ (eight
    characters, 40 bits, would give 1 - exp(-10¹² / 2⁴¹) ≈ 0.37).

    Parameters
    ----------
    ids : iterable or pandas.Series
        Customer ids; ``str(id)`` is hashed, so ``7`` and ``"007"`` differ (the
        warehouse holds ids as text).
    key : bytes, optional
        Default :func:`pseudonym_key`.

    Returns
    -------
    list of str, or pandas.Series
        A Series (same index and name, object dtype) when given one; a missing id
        (None, NaN) stays missing (None).

    Examples
    --------
    >>> pseudonymise(["C000001", None], key=b"an example key, not a secret")
    ['K-NCZT-YZ0W-TFGJ', None]
    """
    key = pseudonym_key() if key is None else key
    if isinstance(ids, pd.Series):
        values = [None if _missing(v) else _token(key, v) for v in ids]
        return pd.Series(values, index=ids.index, name=ids.name, dtype=object)
    return [None if _missing(v) else _token(key, v) for v in ids]


def fold_small_groups(
    data: pd.Series | pd.DataFrame,
    *,
    group: str | None = None,
    size: str | None = None,
    unit: str | None = None,
    means: Iterable[str] = (),
    min_size: int = MIN_GROUP_SIZE,
    keep: Iterable[Hashable] = (),
    other: str = OTHER,
) -> pd.Series | pd.DataFrame:
    """Fold groups of fewer than ``min_size`` customers into one group ``other``.

    For display: a page shows what each group of customers is like, and a group of two
    or three is close to showing a person. Statistics computed on the full groups stay
    as they are; fold what is shown. Three shapes, by the arguments:

    - **counts**: ``data`` a Series of customers per group (the index holds the groups).
      Small groups are summed into ``other``.
    - **table**: ``data`` a DataFrame with one row per group, ``size`` naming its
      customers column and ``group`` its group column (None: the index). The rows of
      small groups become one ``other`` row: numeric columns are summed (counts, sums,
      shares of a whole), the ``means`` columns averaged weighted by ``size``.
    - **rows**: ``data`` a DataFrame of one row per customer or answer, ``group`` its
      group column and no ``size``. The group of a small group's rows becomes
      ``other``, so that whatever is computed from the rows (an NPS, a profile) is
      computed for ``other`` exactly. A group's size is its number of distinct
      ``unit`` values (e.g. ``customer_id``), or of rows when ``unit`` is None.

    ``other`` comes last and may itself hold fewer than ``min_size`` customers when
    only one group was small (its name is then hidden, not its size). Nothing to fold
    returns an unchanged copy; the input is never modified.

    Parameters
    ----------
    data : pandas.Series or pandas.DataFrame
    group : str, optional
        The group column (table: None uses the index; rows: required).
    size : str, optional
        Table shape: the column counting each group's customers.
    unit : str, optional
        Rows shape: the column identifying a customer.
    means : iterable of str
        Table shape: columns averaged weighted by ``size`` (missing values skipped; a
        mean is missing only where every folded value was).
    min_size : int, default 5
    keep : iterable
        Groups never folded, whatever their size (a total row ``all``).
    other : str, default ``"other"``

    Returns
    -------
    pandas.Series or pandas.DataFrame
        Same shape as the input. The counts and table shapes never give a missing group
        or count: a group with a missing code is folded like a small one, and missing
        counts are summed as zero. In the rows shape a missing code stays missing (not
        a group); give it a code first if it is shown as one.

    Raises
    ------
    ValueError
        If a table column is neither numeric nor in ``means`` (it cannot be combined),
        or the arguments fit no shape.

    Examples
    --------
    >>> counts = pd.Series({"high": 120, "mid": 3, "low": 2, "new": 40})
    >>> fold_small_groups(counts).to_dict()
    {'high': 120, 'new': 40, 'other': 5}
    >>> t = pd.DataFrame({"tier": ["a", "b", "c"], "customers": [10, 2, 2],
    ...                   "mean_spend": [5.0, 1.0, 3.0]})
    >>> fold_small_groups(t, group="tier", size="customers", means=["mean_spend"]).values.tolist()
    [['a', 10, 5.0], ['other', 4, 2.0]]
    >>> rows = pd.DataFrame({"tier": ["a"] * 5 + ["b"], "score": range(6)})
    >>> fold_small_groups(rows, group="tier")["tier"].tolist()
    ['a', 'a', 'a', 'a', 'a', 'other']
    """
    if min_size < 1:
        raise ValueError(f"min_size must be at least 1, got {min_size}")
    keep = set(keep)
    if isinstance(data, pd.Series):
        if group is not None or size is not None or unit is not None:
            raise ValueError("a Series is counts per group: give no group, size or unit")
        return _fold_counts(data, min_size, keep, other)
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"expected a pandas Series or DataFrame, got {type(data).__name__}")
    if size is not None:
        return _fold_table(data, group, size, set(means), min_size, keep, other)
    if group is None:
        raise ValueError("rows of customers need the group column (group=...)")
    return _fold_rows(data, group, unit, min_size, keep, other)


def _small(labels: pd.Index, sizes: pd.Series, min_size: int, keep: set) -> pd.Series:
    """Which labels fold: small (or a missing label), unless kept."""
    missing = pd.Series(labels.isna(), index=sizes.index)
    kept = pd.Series([(not _missing(g)) and g in keep for g in labels], index=sizes.index)
    return ((sizes.fillna(0) < min_size) | missing) & ~kept


def _fold_counts(counts: pd.Series, min_size: int, keep: set, other: str) -> pd.Series:
    small = _small(counts.index, counts, min_size, keep)
    if not small.any():
        return counts.copy()
    kept = counts[~small.to_numpy()]
    folded = counts[small.to_numpy()].fillna(0).sum()
    if other in kept.index:  # an "other" already there takes the folded customers too
        kept = kept.copy()
        kept[other] = kept[other] + folded
        return pd.concat([kept.drop(other), kept[[other]]])
    out = pd.concat([kept, pd.Series([folded], index=[other])])
    out.name, out.index.name = counts.name, counts.index.name
    return out.astype(counts.dtype) if pd.api.types.is_numeric_dtype(counts) else out


def _fold_table(
    table: pd.DataFrame, group: str | None, size: str, means: set, min_size: int, keep: set,
    other: str,
) -> pd.DataFrame:  # fmt: skip
    df = table.reset_index() if group is None else table
    gcol = (table.index.name or "index") if group is None else group
    if gcol not in df.columns or size not in df.columns:
        raise ValueError(f"no column {gcol if gcol not in df.columns else size!r} to fold by")
    small = _small(pd.Index(df[gcol]), df[size], min_size, keep).to_numpy()
    if not small.any():
        return table.copy()
    rest = [c for c in df.columns if c != gcol]
    odd = [c for c in rest if c not in means and not pd.api.types.is_numeric_dtype(df[c])]
    if odd:
        raise ValueError(f"cannot combine the columns {odd} of small groups: sum or mean only")
    if other in set(df.loc[~small, gcol]):
        small = small | (df[gcol] == other).to_numpy()
    part = df[small]
    row: dict = {gcol: other}
    weight = part[size].fillna(0)
    for c in rest:
        if c in means:
            ok = part[c].notna() & (weight > 0)
            row[c] = (part.loc[ok, c] * weight[ok]).sum() / weight[ok].sum() if ok.any() else None
        else:
            row[c] = part[c].fillna(0).sum()
    out = pd.concat([df[~small], pd.DataFrame([row])], ignore_index=True)
    out = out.astype({c: df[c].dtype for c in rest if c not in means}, errors="ignore")
    if group is None:
        return out.set_index(gcol).rename_axis(table.index.name)
    return out  # a fresh RangeIndex: rows were merged


def _fold_rows(
    rows: pd.DataFrame, group: str, unit: str | None, min_size: int, keep: set, other: str
) -> pd.DataFrame:
    codes = rows[group]
    known = codes.notna()
    if unit is None:
        sizes = codes[known].value_counts()
    else:
        sizes = rows.loc[known, unit].groupby(codes[known], sort=False).nunique()
    small = _small(sizes.index, sizes, min_size, keep)
    folded = set(sizes.index[small.to_numpy()])
    if not folded:
        return rows.copy()
    out = rows.copy()
    hit = codes.isin(folded) & known
    out[group] = codes.astype(object).where(~hit, other)
    return out
