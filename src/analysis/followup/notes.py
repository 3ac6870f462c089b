"""Complaints in the follow-up notes, and the churn of the customers who made them (issue 12).

The notes of the ``interactions`` table (客户跟进记录) are read with the survey comments'
text tools: personal data masked first (:mod:`analysis.text.pii`), the shared fitted
sentiment model (:func:`analysis.text.sentiment.load_sentiment_model`, cached on disk),
its negation scopes (:func:`analysis.text.sentiment.negation_scopes`), the pipeline's
clause split and, when a fitted :class:`analysis.text.themes.ThemeModel` is given (the
survey's), the theme of the clause that complains, as the survey's aspects do.

**Why a cue list beside the model.** The sentiment model learned from reviews and
survey comments how a writer *feels*. Notes are an owner's log lines: on the sample's
17 factual notes it calls 8 negative, up to P(negative) = 0.85 ("电话跟进发票问题"),
and it cannot see a warning in "客户表示考虑更换供应商" (0.66), where no word is negative.
So a note is a complaint when, in this order,

1. ``churn_intent``: it holds a churn-intent cue (更换供应商, 不再续约, 竞品 ...);
2. ``complaint_word``: it holds a complaint cue (投诉, 要求退款, 响应慢 ...);
3. ``negative_sentiment``: the model is sure it is negative, P(negative) ≥
   :data:`NEGATIVE_THRESHOLD` (0.9: above every factual note of the sample);

a cue inside a negation's scope ("客户没有投诉", "暂不考虑更换供应商") does not count, and a
note whose only cues are negated (``negated``) is not flagged on its tone either: it
says outright that there is no complaint, which the model's three-word negation scope
misreads (0.82 for "客户表示暂不考虑更换供应商"). The cues live in
``analysis/text/data/complaint_cues.txt`` (with why each kind of word is in or out).

**Measured** (``tests/test_followup_notes.py``): on the sample's notes
(:mod:`analysis.sample.followups`: its three complaint notes against its seventeen
others, 20 distinct texts, about 10,600 rows in the bundled sample) precision 1.00 and
recall 1.00, by distinct note and by row. On 30 hand-labelled notes written for the test
(15 complaints, 15 not, with negations such as "客户没有投诉" and a settled refund)
precision 1.00 and recall 0.87: missed are "客户说这批货颜色和样品差很多" and "对方嫌
价格高，暂缓下单" (no cue, P(negative) below 0.9). The cues and these notes come from the
same hand, so read the second figure as a check of the rules, not as a benchmark; real
notes will hold complaints in words the list lacks.

Nothing is read or loaded until a function is called.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import stats

from analysis.schema import CUSTOMER_ID, DATE

if TYPE_CHECKING:
    from analysis.text.sentiment import SentimentModel
    from analysis.text.themes import ThemeModel

__all__ = [
    "CHURN_COLUMNS",
    "CUE_KINDS",
    "FLAG_COLUMNS",
    "NEGATIVE_THRESHOLD",
    "REASONS",
    "complaints_and_churn",
    "flag_complaints",
    "load_complaint_cues",
]

NOTE = "note"
#: P(negative) from which the sentiment model alone flags a note (see the module text).
NEGATIVE_THRESHOLD = 0.9
#: Cue kinds of ``complaint_cues.txt``, strongest first, and the reason each gives.
CUE_KINDS = {"churn_intent": "churn_intent", "complaint": "complaint_word"}
#: ``reason`` codes: flagged (first three) or not (last three).
REASONS = ("churn_intent", "complaint_word", "negative_sentiment", "negated", "none", "no_note")
FLAG_COLUMNS = ["complaint", "reason", "cue", "p_negative", "sentiment", "theme", "theme_name"]
CHURN_COLUMNS = ["group", "customers", "churned", "churn_share", "churn_low", "churn_high",
                 "ratio", "ratio_low", "ratio_high"]  # fmt: skip
GROUPS = ("complaint", "no_complaint")
CUES_FILE = "complaint_cues.txt"


@lru_cache(maxsize=1)
def load_complaint_cues() -> dict[str, tuple[str, ...]]:
    """The cues of ``analysis/text/data/complaint_cues.txt`` by kind, lower-cased.

    Examples
    --------
    >>> cues = load_complaint_cues()
    >>> list(cues) == list(CUE_KINDS), "投诉" in cues["complaint"]
    (True, True)
    """
    path = importlib.resources.files("analysis.text") / "data" / CUES_FILE
    out: dict[str, list[str]] = {kind: [] for kind in CUE_KINDS}
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        kind, _, cue = line.partition(" ")
        if kind not in out or not cue.strip():
            raise ValueError(f"{CUES_FILE}, line {n}: expected '<kind> <cue>', got {raw!r}")
        out[kind].append(cue.strip().lower())
    return {kind: tuple(cues) for kind, cues in out.items()}


def _match_cues(
    text: str, cues: Mapping[str, tuple[str, ...]]
) -> tuple[str | None, list[str], bool]:
    """The strongest cue kind found outside a negation, its cues, and whether any cue was
    found only inside negations."""
    from analysis.text.sentiment import negation_scopes

    low = text.lower()
    found = {kind: [c for c in words if c in low] for kind, words in cues.items()}
    if not any(found.values()):
        return None, [], False
    scopes = negation_scopes(text)  # lower-cased words a negator reverses, " | "-joined
    negated = False
    for kind in cues:
        free = [c for c in found[kind] if low.count(c) > scopes.count(c)]
        negated = negated or len(free) < len(found[kind])
        if free:
            # the cue written first in the note; the longer of two at one place
            return kind, sorted(free, key=lambda c: (low.find(c), -len(c))), negated
    return None, [], negated


def _complaint_themes(
    texts: pd.Series, cues: pd.Series, themes: ThemeModel
) -> tuple[pd.Series, pd.Series]:
    """Theme id and name of each complaint: the theme its complaining clauses (those
    holding a cue; every clause when its tone flagged it) give most weight, when one of
    them gives it at least ``themes.mention_share`` of theirs."""
    from analysis.text.language import detect_languages
    from analysis.text.pipeline import _CLAUSE
    from analysis.text.tokens import tokenize_many

    none = pd.Series(None, index=texts.index, dtype=object)
    if texts.empty or themes.weights.shape[1] == 0:
        return none, none.copy()
    clauses = texts.str.split(_CLAUSE).explode()
    clauses = clauses[clauses.notna() & (clauses.str.strip() != "")]
    own = cues.reindex(clauses.index).to_numpy()
    keep = [
        not c or any(cue in str(text).lower() for cue in c)
        for text, c in zip(clauses, own, strict=True)
    ]
    clauses = clauses[keep]
    if clauses.empty:
        return none, none.copy()
    w = themes.assign(
        tokenize_many(clauses.tolist()), detect_languages(clauses).tolist(), index=clauses.index
    )
    mentioned = (w >= themes.mention_share) & (w > 0)
    total = w.where(mentioned, 0.0).groupby(level=0, sort=False).sum()
    best = total.idxmax(axis=1).where(total.max(axis=1) > 0)
    theme = best.reindex(texts.index).astype(object)
    theme = theme.where(theme.notna(), None)
    names = themes.themes.set_index("theme")["name"]
    return theme, theme.map(names, na_action="ignore").astype(object)


def flag_complaints(
    notes: pd.DataFrame,
    *,
    note_col: str = NOTE,
    sentiment_model: SentimentModel | None = None,
    themes: ThemeModel | None = None,
    threshold: float = NEGATIVE_THRESHOLD,
    cues: Mapping[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """Flag the follow-up notes that record a complaint or a wish to leave.

    Each distinct note text is read once (logs repeat stock phrases), so a log of a
    hundred thousand rows costs what its distinct notes cost.

    Parameters
    ----------
    notes : pandas.DataFrame
        One row per follow-up (the ``interactions`` table: ``customer_id``, ``date``,
        ``kind``, ``owner``, ``note``); any other columns are kept.
    note_col : str
        The free-text column. Missing, empty and blank notes are not flagged and get
        the reason ``no_note``, so they are counted, not dropped.
    sentiment_model : SentimentModel, optional
        :func:`analysis.text.sentiment.load_sentiment_model` (the survey pages' cached
        model) when omitted; nothing is loaded when no note has text.
    themes : ThemeModel, optional
        Fitted themes, typically the survey comments' (``analyse_comments(...).themes``
        of :mod:`analysis.text.pipeline`), so a complaint
        gets the theme the survey page uses for the same topic. Only complaints get one:
        applied to factual log lines, review themes match their activity words
        ("电话回访" reads as after-sales), which would be noise.
    threshold : float
        P(negative) from which the model alone flags a note.
    cues : mapping, optional
        ``{"churn_intent": [...], "complaint": [...]}`` in place of
        :func:`load_complaint_cues`.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``notes``, with its columns (``note_col`` masked of personal data,
        as the survey pipeline masks comments) and ``complaint`` (bool), ``reason``
        (one of :data:`REASONS`: ``churn_intent``, ``complaint_word``,
        ``negative_sentiment`` when flagged; ``negated``, ``none``, ``no_note`` when
        not), ``cue`` (the cue that flagged it, else None), ``p_negative`` (the
        sentiment model's P(negative), 0–1; NaN without text), ``sentiment``
        (negative / neutral / positive as the survey page labels comments; NaN
        without text), ``theme`` and ``theme_name`` (of a complaint, when ``themes`` is
        given and a complaining clause names one; else None).

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "note": [
    ...     "客户投诉退款未到账", "客户没有投诉，对服务满意", "客户表示考虑更换供应商", None]})
    >>> flag_complaints(log)[["complaint", "reason", "cue"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [[True, 'complaint_word', '投诉'], [False, 'negated', None],
     [True, 'churn_intent', '更换供应商'], [False, 'no_note', None]]
    """
    from analysis.text.pii import mask_pii_series
    from analysis.text.sentiment import score_sentiment

    if note_col not in notes.columns:
        raise ValueError(f"notes: column '{note_col}' is missing; have {list(notes.columns)}")
    if cues is None:
        cue_map = load_complaint_cues()
    else:
        unknown = set(cues) - set(CUE_KINDS)
        if unknown:
            raise ValueError(f"cues: unknown kind(s) {sorted(unknown)}; use {list(CUE_KINDS)}")
        cue_map = {k: tuple(str(c).lower() for c in cues.get(k, ())) for k in CUE_KINDS}

    raw = notes[note_col]
    text = raw.astype(object).where(raw.notna(), None).map(str, na_action="ignore")
    masked = mask_pii_series(text)
    has_text = masked.notna() & (masked.fillna("").str.strip() != "")

    distinct = pd.Series(pd.unique(masked[has_text]), dtype=object)
    sent = score_sentiment(distinct, model=sentiment_model) if len(distinct) else None
    per_text = []
    for i, t in enumerate(distinct):
        kind, found, negated = _match_cues(t, cue_map)
        p_neg = float(sent["p_negative"].iloc[i])
        if kind is not None:
            reason, cue = CUE_KINDS[kind], found[0]
        elif negated:
            reason, cue = "negated", None
        elif p_neg >= threshold:
            reason, cue = "negative_sentiment", None
        else:
            reason, cue = "none", None
        per_text.append(
            {
                "text": t,
                "reason": reason,
                "cue": cue,
                "cues": found if kind is not None else [],
                "p_negative": p_neg,
                "sentiment": sent["sentiment"].iloc[i],
            }
        )
    by_text = pd.DataFrame(
        per_text, columns=["text", "reason", "cue", "cues", "p_negative", "sentiment"]
    )
    by_text["complaint"] = by_text["reason"].isin(REASONS[:3])
    by_text["theme"] = by_text["theme_name"] = None
    if themes is not None and by_text["complaint"].any():
        c = by_text[by_text["complaint"]]
        theme, name = _complaint_themes(c["text"], c["cues"], themes)
        by_text.loc[c.index, "theme"] = theme
        by_text.loc[c.index, "theme_name"] = name

    out = notes.drop(columns=[c for c in FLAG_COLUMNS if c in notes.columns]).copy()
    out[note_col] = masked.where(masked.notna(), raw)
    # positions, not labels: the notes' index may repeat
    has = has_text.to_numpy()
    row = pd.Series(np.arange(len(by_text)), index=by_text["text"].to_numpy())
    flags = by_text.iloc[masked[has_text].map(row).to_numpy()]
    for col, empty, dtype in (("complaint", False, bool), ("reason", "no_note", object),
                              ("cue", None, object), ("p_negative", np.nan, float),
                              ("sentiment", None, object), ("theme", None, object),
                              ("theme_name", None, object)):  # fmt: skip
        values = np.full(len(out), empty, dtype=dtype)
        values[has] = flags[col].to_numpy()
        out[col] = values
    return out


def _wilson(k: int, n: int, level: float) -> tuple[float, float, float]:
    """Share ``k / n`` and its Wilson score interval (NaN when ``n == 0``)."""
    if n == 0:
        return np.nan, np.nan, np.nan
    z = stats.norm.ppf(0.5 + level / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def _risk_ratio(k1: int, n1: int, k0: int, n0: int, level: float) -> tuple[float, float, float]:
    """``(k1/n1) / (k0/n0)`` with Katz's log interval.

    The ratio is NaN when a group is empty or neither churned, infinite when only the
    first did; the interval needs churn in both groups.
    """
    if n1 == 0 or n0 == 0 or k1 == k0 == 0:
        return np.nan, np.nan, np.nan
    if k0 == 0:
        return np.inf, np.nan, np.nan
    ratio = (k1 / n1) / (k0 / n0)
    if k1 == 0:
        return ratio, np.nan, np.nan
    se = np.sqrt(1 / k1 - 1 / n1 + 1 / k0 - 1 / n0)
    z = stats.norm.ppf(0.5 + level / 2)
    return ratio, float(ratio * np.exp(-z * se)), float(ratio * np.exp(z * se))


def complaints_and_churn(
    flags: pd.DataFrame,
    outcome: pd.DataFrame,
    *,
    before=None,
    others: Literal["noted", "all"] = "noted",
    customer_col: str = CUSTOMER_ID,
    date_col: str = DATE,
    churned_col: str = "churned",
    level: float = 0.95,
) -> pd.DataFrame:
    """Churn of customers with a complaint in their notes against the others.

    A customer *complained* when one of their notes dated before ``before`` is a
    complaint (:func:`flag_complaints`). Set ``before`` to the start of the window the
    churn outcome is measured over: a note written after the customer left (the
    sample's owners log notes up to 90 days after a last purchase) is no warning.

    Parameters
    ----------
    flags : pandas.DataFrame
        :func:`flag_complaints`: ``customer_col``, ``complaint`` and, with ``before``,
        ``date_col``. Rows without a customer, and with ``before`` rows whose date is
        missing or not before it, are left out.
    outcome : pandas.DataFrame
        One row per customer: ``customer_col`` (a column or the index's name) and
        ``churned_col`` (bool or 0/1; e.g. the churn page's survival rows,
        ``ChurnData.data`` with ``churned_col="event"``). Customers without an outcome
        are left out; ids are matched as they are (same type on both sides).
    before : date-like, optional
        Only notes dated strictly before it count; None: every note.
    others : {"noted", "all"}
        Whom complainers are compared with: ``noted`` (default) the customers with a
        note in that time and no complaint, who were followed up as the complainers
        were (in the sample, mostly business accounts); ``all`` every customer of
        ``outcome`` without a complaint, including those never followed up.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Two rows, ``group`` ``complaint`` and ``no_complaint``: ``customers``,
        ``churned`` (counts), ``churn_share`` with its Wilson interval ``churn_low``,
        ``churn_high``, and ``ratio`` (the group's churn share over ``no_complaint``'s:
        1 for that row) with ``ratio_low``, ``ratio_high`` (Katz's log interval for a
        ratio of two proportions; NaN on the ``no_complaint`` row and when either
        group has no churn). A group without customers has NaN shares.

    Examples
    --------
    >>> flags = pd.DataFrame({"customer_id": list("aabcdef"),
    ...                       "complaint": [False, True, True, False, False, False, False]})
    >>> outcome = pd.DataFrame({"customer_id": list("abcdefg"),
    ...                         "churned": [True, False, True, False, False, False, True]})
    >>> t = complaints_and_churn(flags, outcome)
    >>> t[["group", "customers", "churned", "churn_share", "ratio"]].values.tolist()
    [['complaint', 2, 1, 0.5, 2.0], ['no_complaint', 4, 1, 0.25, 1.0]]
    """
    if others not in ("noted", "all"):
        raise ValueError(f"others: 'noted' or 'all', got {others!r}")
    need = [customer_col, "complaint"] + ([date_col] if before is not None else [])
    missing = [c for c in need if c not in flags.columns]
    if missing:
        raise ValueError(f"flags: column(s) {missing} are missing")
    if customer_col not in outcome.columns and outcome.index.name == customer_col:
        outcome = outcome.reset_index()
    missing = [c for c in (customer_col, churned_col) if c not in outcome.columns]
    if missing:
        raise ValueError(f"outcome: column(s) {missing} are missing")
    o = outcome[[customer_col, churned_col]]
    o = o[o[customer_col].notna() & o[churned_col].notna()]
    dup = o[customer_col][o[customer_col].duplicated()]
    if len(dup):
        raise ValueError(
            f"outcome: {dup.nunique()} customer(s) have more than one row, e.g. {dup.iloc[0]!r}"
        )
    churned = o.set_index(customer_col)[churned_col].astype(bool)

    f = flags[flags[customer_col].notna()]
    if before is not None:
        when = pd.to_datetime(f[date_col], errors="coerce")
        f = f[when < pd.Timestamp(before)]
    complained = f.groupby(customer_col, sort=False)["complaint"].any().astype(bool)
    complained = complained[complained.index.isin(churned.index)]
    members = {"complaint": complained.index[complained.to_numpy()]}
    if others == "noted":
        members["no_complaint"] = complained.index[~complained.to_numpy()]
    else:
        members["no_complaint"] = churned.index.difference(members["complaint"], sort=False)

    counts = {g: (int(churned.loc[ids].sum()), len(ids)) for g, ids in members.items()}
    k0, n0 = counts["no_complaint"]
    rows = []
    for g in GROUPS:
        k, n = counts[g]
        share, low, high = _wilson(k, n, level)
        if g == "complaint":
            ratio, r_low, r_high = _risk_ratio(k, n, k0, n0, level)
        else:  # the reference
            ratio, r_low, r_high = (1.0 if k else np.nan), np.nan, np.nan
        rows.append([g, n, k, share, low, high, ratio, r_low, r_high])
    return pd.DataFrame(rows, columns=CHURN_COLUMNS)
