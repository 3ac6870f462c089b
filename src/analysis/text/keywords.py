"""Keywords: frequent terms overall, distinctive terms per group by weighted log-odds.

Raw counts favour words every group uses; the log-odds ratio with an informative
Dirichlet prior (Monroe, Colaresi and Quinn 2008, "Fightin' Words", eq. 22) compares a
group with all other comments, shrinks rare words towards zero and divides by its
standard error, so the z-score reads as "how sure are we this word is more typical of
this group". ``|z| > 1.96`` is the usual cut.

Both work on *keyword tokens* (:func:`compute_keyword_tokens`): content words
(:func:`analysis.text.tokens.content_terms`, so no 非常, 买, 说实话) and the common
two-word phrases among them, written as one term ("物流 给力" → 物流给力, "customer
service").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["compute_distinctive_terms", "compute_keyword_tokens", "compute_term_counts"]


def _join(a: str, b: str) -> str:
    """Two words as one phrase: Chinese without a space, anything else with one."""
    return a + b if a[0] > "z" and b[0] > "z" else f"{a} {b}"


def compute_keyword_tokens(
    clauses: Sequence[list[str | None]],
    comment_of: Sequence[object] | None = None,
    *,
    index: Sequence[object] | None = None,
    min_comments: int = 10,
) -> list[list[str]]:
    """Keyword tokens per comment: content words, and common two-word phrases as one term.

    A phrase is two content words that stand side by side (no ``None`` between them)
    in at least ``min_comments`` comments; where it occurs its two words are replaced
    by the phrase, read left to right (as gensim's ``Phrases`` does), so "物流 给力"
    counts once, as 物流给力, not also as 物流 and 给力.

    Parameters
    ----------
    clauses : sequence of list of str or None
        Content words of each clause or comment, ``None`` where other words stood
        (:func:`analysis.text.tokens.content_terms`).
    comment_of : sequence, optional
        The comment each entry of ``clauses`` belongs to (default: one entry per
        comment).
    index : sequence, optional
        The comments, in the order wanted (default: as first seen in ``comment_of``);
        a comment without clauses gets an empty list.
    min_comments : int
        Comments a phrase must occur in.

    Returns
    -------
    list of list of str
        One list per comment.

    Examples
    --------
    >>> docs = [["物流", "给力", None, "质量", "不错"]] * 2 + [["物流", "太慢"]]
    >>> compute_keyword_tokens(docs, min_comments=2)[0]
    ['物流给力', '质量不错']
    >>> compute_keyword_tokens([["customer", "service", "slow"]] * 2, min_comments=2)[0]
    ['customer service', 'slow']
    """
    owners = list(range(len(clauses))) if comment_of is None else list(comment_of)
    if len(owners) != len(clauses):
        raise ValueError(f"{len(clauses)} clauses but {len(owners)} comment labels")
    seen: dict[object, set] = {}
    for doc, owner in zip(clauses, owners, strict=True):
        pairs = seen.setdefault(owner, set())
        pairs.update(zip(doc[:-1], doc[1:], strict=True))
    df = Counter(p for pairs in seen.values() for p in pairs if None not in p)
    phrases = {p for p, n in df.items() if n >= min_comments}
    out: dict[object, list[str]] = {owner: [] for owner in (index if index is not None else seen)}
    for doc, owner in zip(clauses, owners, strict=True):
        words = out.setdefault(owner, [])
        i = 0
        while i < len(doc):
            w = doc[i]
            if w is not None and i + 1 < len(doc) and (w, doc[i + 1]) in phrases:
                words.append(_join(w, doc[i + 1]))
                i += 2
                continue
            if w is not None:
                words.append(w)
            i += 1
    keys = index if index is not None else seen
    return [out[k] for k in keys]


def compute_term_counts(tokens: Sequence[list[str]], *, top: int | None = 30) -> pd.DataFrame:
    """Terms by number of comments that use them.

    Returns
    -------
    pandas.DataFrame
        ``term``, ``comments`` (comments using the term), ``share`` (of all comments).

    Examples
    --------
    >>> compute_term_counts([["物流", "快"], ["物流"]], top=1)["term"].tolist()
    ['物流']
    """
    df = Counter(t for doc in tokens for t in set(doc))
    out = pd.DataFrame(df.most_common(top), columns=["term", "comments"])
    out["share"] = out["comments"] / max(len(tokens), 1)
    return out


def compute_distinctive_terms(
    tokens: Sequence[list[str]],
    groups: Sequence[object],
    *,
    top: int = 15,
    prior_scale: float = 1.0,
    min_count: int = 5,
) -> pd.DataFrame:
    """Most distinctive terms of each group versus all other comments (weighted log-odds).

    Parameters
    ----------
    tokens : sequence of list of str
        Tokens per comment (:func:`analysis.text.tokens.tokenize_many`).
    groups : sequence
        Group of each comment (NPS group, segment, ...); missing groups are skipped.
    top : int
        Terms kept per group, highest z first.
    prior_scale : float
        Total prior count ``a0`` as a multiple of the vocabulary size; the prior of a
        word is proportional to its share in the whole corpus.
    min_count : int
        Terms used fewer times overall are left out; with fewer than two terms left the
        result is empty.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``term``, ``count`` (in the group), ``log_odds`` (delta, group vs
        rest), ``z`` (delta / its standard error), ranked per group.

    Examples
    --------
    >>> toks = [["慢", "物流"]] * 20 + [["快", "物流"]] * 20
    >>> grp = ["贬损者"] * 20 + ["推荐者"] * 20
    >>> r = compute_distinctive_terms(toks, grp, top=1)
    >>> r.set_index("group")["term"].to_dict()
    {'推荐者': '快', '贬损者': '慢'}
    """
    groups = pd.Series(list(groups), dtype=object)
    if len(groups) != len(tokens):
        raise ValueError(f"{len(tokens)} token lists but {len(groups)} groups")
    total = Counter(t for doc in tokens for t in doc)
    vocab = [t for t, c in total.items() if c >= min_count]
    if len(vocab) < 2:  # a word's odds are against the other words: one word has none
        return pd.DataFrame(columns=["group", "term", "count", "log_odds", "z"])
    pos = {t: i for i, t in enumerate(vocab)}
    y_all = np.array([total[t] for t in vocab], dtype=float)
    a0 = prior_scale * len(vocab)
    alpha = a0 * y_all / y_all.sum()
    frames = []
    for g in sorted(groups.dropna().unique(), key=str):
        y_i = np.zeros(len(vocab))
        for doc, gg in zip(tokens, groups, strict=True):
            if gg == g:
                for t in doc:
                    j = pos.get(t)
                    if j is not None:
                        y_i[j] += 1
        y_j = y_all - y_i
        n_i, n_j = y_i.sum(), y_j.sum()
        if n_i == 0 or n_j == 0:
            continue
        delta = np.log((y_i + alpha) / (n_i + a0 - y_i - alpha)) - np.log(
            (y_j + alpha) / (n_j + a0 - y_j - alpha)
        )
        var = 1 / (y_i + alpha) + 1 / (y_j + alpha)
        z = delta / np.sqrt(var)
        order = np.argsort(-z)[:top]
        frames.append(
            pd.DataFrame(
                {
                    "group": g,
                    "term": [vocab[k] for k in order],
                    "count": y_i[order].astype(int),
                    "log_odds": delta[order],
                    "z": z[order],
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["group", "term", "count", "log_odds", "z"])
    return pd.concat(frames, ignore_index=True)
