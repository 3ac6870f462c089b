"""Themes: NMF on TF-IDF of words, one model per language, k chosen by coherence.

Chinese and mixed comments share a model (their words are mostly Chinese); English
comments get their own. The number of themes ``k`` is the one with the highest mean
topic coherence (NPMI of the top-10 term pairs, counted over comments) among
``k_range``; NMF (Lee and Seung; scikit-learn's coordinate descent, NNDSVD start) is
deterministic for a fixed seed. Each theme is named by its top three terms. A comment
*mentions* a theme when the theme holds at least ``mention_share`` of its weight.

Short comments name several aspects ("物流很快，不过售后太差"), so the documents NMF
sees can be *clauses* (``doc_of`` maps each to its comment): within a clause words
co-occur because they share a topic, and a comment mentions every theme one of its
clauses is about. Its weights are the mean over its clauses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["ThemeModel", "fit_themes", "summarise_themes", "topic_coherence"]


@dataclass
class ThemeModel:
    """Themes of one or more languages and each comment's weights.

    Attributes
    ----------
    themes : pandas.DataFrame
        One row per theme: ``theme`` (id such as ``zh-2``), ``language``, ``name``
        (top three terms), ``top_terms`` (ten), ``k`` (themes in its language),
        ``coherence`` (NPMI of the theme's top terms), ``comments`` (mentioning it).
    weights : pandas.DataFrame
        Comment × theme share of weight (rows sum to 1 within a language; 0 elsewhere),
        indexed like the input.
    mentions : pandas.DataFrame
        ``weights >= mention_share`` as booleans.
    selection : pandas.DataFrame
        ``language``, ``k``, ``coherence``: the criterion for every k tried.
    """

    themes: pd.DataFrame
    weights: pd.DataFrame
    mentions: pd.DataFrame
    selection: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def primary(self) -> pd.Series:
        """The theme with the largest weight per comment (NaN without tokens)."""
        w = self.weights
        if w.shape[1] == 0:  # no themes fitted (too few comments): no primary theme
            return pd.Series(np.nan, index=w.index, dtype=object)
        out = w.idxmax(axis=1)
        return out.where(w.sum(axis=1) > 0)


def topic_coherence(components: np.ndarray, binary: sp.csr_matrix, *, top: int = 10) -> np.ndarray:
    """Mean NPMI of each topic's top-``top`` term pairs over documents (-1..1).

    ``binary`` is the document × term 0/1 matrix. NPMI(i, j) =
    log(P(i,j) / (P(i)P(j))) / -log P(i,j), 0 for pairs never seen together... and
    -1 is avoided by smoothing the joint count by one document.
    """
    n = binary.shape[0]
    out = []
    for comp in components:
        idx = np.argsort(-comp)[:top]
        sub = binary[:, idx]
        co = (sub.T @ sub).toarray().astype(float)
        p = np.diag(co) / n
        vals = []
        for a in range(len(idx)):
            for b in range(a + 1, len(idx)):
                pj = (co[a, b] + 1) / n
                vals.append(np.log(pj / (p[a] * p[b] + 1e-12)) / -np.log(pj))
        out.append(np.mean(vals) if vals else 0.0)
    return np.array(out)


#: Terms in more than this share of a language's comments say nothing about a theme.
MAX_DF = 0.2


def _usable_terms(docs: list[list[str]], min_df: int) -> int:
    """Terms the TF-IDF keeps: in at least ``min_df`` and at most ``MAX_DF`` of the docs."""
    from collections import Counter

    df = Counter(t for d in docs for t in set(d))
    return sum(min_df <= n <= MAX_DF * len(docs) for n in df.values())


def _fit_one(
    docs: list[list[str]], k_range: Sequence[int], seed: int, max_select: int, min_df: int
):
    """NMF with the most coherent k; None when no k in ``k_range`` fits these docs.

    A k needs more terms and more sampled docs than themes; comments written from a few
    stock phrases can leave fewer usable terms than the smallest k.
    """
    if _usable_terms(docs, min_df) <= min(k_range, default=0):
        return None
    vec = TfidfVectorizer(analyzer=lambda d: d, min_df=min_df, max_df=MAX_DF, sublinear_tf=True)
    x = vec.fit_transform(docs)
    terms = np.array(vec.get_feature_names_out())
    binary = (x > 0).astype(np.float32).tocsr()
    rng = np.random.default_rng(seed)
    pick = rng.choice(x.shape[0], size=min(max_select, x.shape[0]), replace=False)
    xs, bs = x[pick], binary[pick]
    rows = []
    for k in k_range:
        if k >= min(xs.shape):
            break
        m = NMF(k, init="nndsvda", random_state=seed, max_iter=300).fit(xs)
        rows.append({"k": k, "coherence": float(topic_coherence(m.components_, bs).mean())})
    if not rows:
        return None
    sel = pd.DataFrame(rows)
    best = int(sel.loc[sel["coherence"].idxmax(), "k"])
    model = NMF(best, init="nndsvda", random_state=seed, max_iter=300)
    w = model.fit_transform(x)
    coh = topic_coherence(model.components_, binary)
    return model, w, terms, coh, sel


def fit_themes(
    tokens: Sequence[list[str]],
    languages: Sequence[str],
    *,
    index: pd.Index | None = None,
    doc_of: Sequence[object] | None = None,
    k_range: Sequence[int] = range(4, 11),
    mention_share: float = 0.3,
    min_comments: int = 50,
    min_df: int = 3,
    max_select: int = 20_000,
    seed: int = 0,
) -> ThemeModel:
    """Fit NMF themes per language and weigh every comment.

    Parameters
    ----------
    tokens : sequence of list of str
        Tokens per comment (:func:`analysis.text.tokens.tokenize_many`).
    languages : sequence of str
        ``zh``, ``en``, ``mixed`` or ``""`` per comment (:mod:`analysis.text.language`).
    index : pandas.Index, optional
        Index for the returned frames (default 0..n-1, or the distinct ``doc_of``).
    doc_of : sequence, optional
        The comment each document (clause) belongs to; weights and mentions are then
        per comment.
    k_range : sequence of int
        Numbers of themes tried; the most coherent wins. Chosen on at most
        ``max_select`` comments per language (a random draw) to stay fast.
    mention_share : float
        Share of a comment's weight that counts as a mention.
    min_comments : int
        A language with fewer comments gets no themes; so does one whose comments leave
        no more usable terms (see ``min_df``) than the smallest k.

    Returns
    -------
    ThemeModel
    """
    out_index = index
    index = pd.RangeIndex(len(tokens))
    langs = pd.Series(list(languages), index=index).replace({"mixed": "zh"})
    has = pd.Series([len(t) > 0 for t in tokens], index=index)
    themes, weights, selections = [], [], []
    for lang in ("zh", "en"):
        keep = (langs == lang) & has
        if keep.sum() < min_comments:
            continue
        pos = np.flatnonzero(keep.to_numpy())
        docs = [tokens[i] for i in pos]
        fitted = _fit_one(docs, k_range, seed, max_select, min_df)
        if fitted is None:
            continue
        model, w, terms, coh, sel = fitted
        sel.insert(0, "language", lang)
        selections.append(sel)
        total = w.sum(axis=1, keepdims=True)
        share = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
        ids = [f"{lang}-{j + 1}" for j in range(w.shape[1])]
        frame = pd.DataFrame(0.0, index=index, columns=ids)
        frame.iloc[pos] = share
        weights.append(frame)
        for j, comp in enumerate(model.components_):
            top = terms[np.argsort(-comp)[:10]].tolist()
            themes.append(
                {
                    "theme": ids[j],
                    "language": lang,
                    "name": "·".join(top[:3]),
                    "top_terms": " ".join(top),
                    "k": w.shape[1],
                    "coherence": float(coh[j]),
                }
            )
    if not weights:
        empty = pd.DataFrame(index=out_index if out_index is not None else index)
        return ThemeModel(
            pd.DataFrame(
                columns=["theme", "language", "name", "top_terms", "k", "coherence", "comments"]
            ),
            empty,
            empty,
        )
    w = pd.concat(weights, axis=1)
    mentions = w >= mention_share
    if doc_of is not None:
        key = pd.Series(list(doc_of), index=index)
        w = w.groupby(key, sort=False).mean()
        mentions = mentions.groupby(key, sort=False).any()
        if out_index is not None:
            w, mentions = (
                w.reindex(out_index, fill_value=0.0),
                mentions.reindex(out_index, fill_value=False),
            )
    elif out_index is not None:
        w.index = out_index
        mentions.index = out_index
    t = pd.DataFrame(themes)
    t["comments"] = t["theme"].map(mentions.sum())
    return ThemeModel(t, w, mentions, pd.concat(selections, ignore_index=True))


def summarise_themes(
    model: ThemeModel,
    responses: pd.DataFrame,
    *,
    by: str | None = None,
    score_col: str = "score",
    sentiment_col: str = "sentiment_score",
) -> pd.DataFrame:
    """Prevalence, mean sentiment and NPS of each theme, optionally per group.

    Parameters
    ----------
    model : ThemeModel
    responses : pandas.DataFrame
        Indexed like the comments given to :func:`fit_themes`, with ``score_col``
        (0–10), ``sentiment_col`` (−1..1) and, when ``by`` is given, that column
        (month, segment, ...). Without ``score_col`` (comment-only feedback) ``nps`` and
        ``mean_score`` are NaN.

    Returns
    -------
    pandas.DataFrame
        ``[by,] theme, name, comments, prevalence`` (share of commented responses in the
        group that mention the theme), ``mean_sentiment``, ``nps`` (−100..100), and
        ``mean_score``.
    """
    from analysis.surveys.nps import nps_groups

    m = model.mentions
    resp = responses.loc[m.index]
    if score_col not in resp.columns:
        resp = resp.assign(**{score_col: np.nan})
    keys = [resp[by]] if by else [pd.Series("all", index=resp.index)]
    rows = []
    names = model.themes.set_index("theme")["name"]
    for g, idx in resp.groupby(keys, observed=True).groups.items():
        mg = m.loc[idx]
        for theme in m.columns:
            hit = mg.index[mg[theme].to_numpy()]
            r = resp.loc[hit]
            grp = nps_groups(r[score_col]) if len(r) else pd.Series(dtype=object)
            nps = (
                100 * ((grp == "promoter").mean() - (grp == "detractor").mean())
                if grp.notna().any()
                else np.nan
            )
            rows.append(
                {
                    "group": g[0] if isinstance(g, tuple) else g,
                    "theme": theme,
                    "name": names[theme],
                    "comments": len(hit),
                    "prevalence": len(hit) / len(idx),
                    "mean_sentiment": r[sentiment_col].mean() if len(r) else np.nan,
                    "nps": nps,
                    "mean_score": r[score_col].mean() if len(r) else np.nan,
                }
            )
    cols = ["group", "theme", "name", "comments", "prevalence", "mean_sentiment", "nps",
            "mean_score"]  # fmt: skip
    out = pd.DataFrame(rows, columns=cols)  # the columns even when no group has a comment
    return out.rename(columns={"group": by}) if by else out.drop(columns="group")
