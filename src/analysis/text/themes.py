"""Themes: NMF on TF-IDF of theme terms, one model per language, k by a penalised coherence.

Chinese and mixed comments share a model (their words are mostly Chinese); English
comments get their own. The documents are comments, their terms
:func:`analysis.text.tokens.theme_terms` (nouns and the nouns inside compounds,
without stop words and domain stop words such as 总体, 说实话, overall): what a
comment is *about*, not how it went.

**k** is the number of themes in ``k_range`` with the highest *coherence penalised
for redundancy*: coverage × coherence − redundancy, where coherence is the mean NPMI
of the themes' top-10 terms over the comments
(:func:`analysis.text.theme_quality.topic_coherence`), coverage the share of
comments holding one of those terms (a topic left out is not seen by coherence), and
redundancy the mean cosine similarity of each theme's term weights to its nearest
other theme (:func:`analysis.text.theme_quality.topic_redundancy`). Too few themes
mix or leave out topics; too many split a topic into near-copies: the criterion has
an interior optimum, where coherence alone kept rising to the top of the range.
Every k tried is kept in :attr:`ThemeModel.selection`. NMF (NNDSVDa start,
coordinate descent) is deterministic for a fixed seed.

Each theme is **named** by its two or three most distinctive terms (relevance with
λ = 0.6, Sievert and Shirley 2014: weight in the theme balanced against lift over the
other themes). A comment's **weights** are the shares of its NMF weights; it
**mentions** a theme when one of its clauses (or, without clauses, the comment) gives
that theme at least ``mention_share`` of its weight: short comments name several
aspects ("物流很快，不过售后太差"), and a clause is mostly about one.
:meth:`ThemeModel.assign` applies the fitted models to any token lists (clauses).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from analysis.text.theme_quality import (
    compute_svd,
    compute_theme_relevance,
    fit_nmf,
    pick_theme_name,
    topic_coherence,
    topic_coverage,
    topic_redundancy,
)
from analysis.text.tokens import theme_terms

__all__ = ["ThemeModel", "fit_themes", "summarise_themes", "topic_coherence"]

THEME_COLUMNS = ["theme", "language", "name", "top_terms", "k", "coherence", "comments"]
#: Terms in more than this share of a language's comments say nothing about a theme.
MAX_DF = 0.2


def _identity(terms: list[str]) -> list[str]:
    return terms


def _model_language(language: object) -> str:
    """The model a comment of ``language`` goes to: mixed comments are mostly Chinese."""
    return "zh" if language == "mixed" else str(language)


@dataclass
class ThemeModel:
    """Themes of one or more languages, each comment's weights, and the fitted models.

    Attributes
    ----------
    themes : pandas.DataFrame
        One row per theme: ``theme`` (id such as ``zh-2``), ``language``, ``name``
        (two or three most distinctive terms, joined by "·"), ``top_terms`` (ten, by
        weight), ``k`` (themes in its language), ``coherence`` (NPMI of the top terms
        over the language's comments), ``comments`` (mentioning it).
    weights : pandas.DataFrame
        Comment × theme share of weight (rows sum to 1 within a language, 0 for a
        comment without theme terms and for the other language's themes), indexed
        like the input.
    mentions : pandas.DataFrame
        Comment × theme booleans: one of the comment's clauses (or the comment) gives
        the theme at least ``mention_share`` of its weight.
    selection : pandas.DataFrame
        ``language``, ``k``, ``coherence`` (mean NPMI), ``coverage`` (share of
        comments with a top term), ``redundancy`` (mean cosine to the nearest other
        theme) and ``criterion`` (coverage × coherence − redundancy) for every k
        tried; the chosen k has the highest criterion.
    mention_share : float
    models : dict
        Language → (analyzer, vectorizer, NMF, theme ids): what :meth:`assign` uses.
    """

    themes: pd.DataFrame
    weights: pd.DataFrame
    mentions: pd.DataFrame
    selection: pd.DataFrame = field(default_factory=pd.DataFrame)
    mention_share: float = 0.3
    models: dict = field(default_factory=dict, repr=False)

    @property
    def primary(self) -> pd.Series:
        """The theme with the largest weight per comment (NaN without theme terms)."""
        w = self.weights
        if w.shape[1] == 0:  # no themes fitted (too few comments): no primary theme
            return pd.Series(np.nan, index=w.index, dtype=object)
        out = w.idxmax(axis=1)
        return out.where(w.sum(axis=1) > 0)

    def assign(
        self,
        tokens: Sequence[list[str]],
        languages: Sequence[str],
        *,
        index: Sequence[object] | None = None,
    ) -> pd.DataFrame:
        """Theme weights of new token lists (clauses, new comments), by the fitted models.

        Parameters
        ----------
        tokens : sequence of list of str
            Words per text (:func:`analysis.text.tokens.tokenize`); words outside a
            model's vocabulary are ignored.
        languages : sequence of str
            ``zh``, ``en``, ``mixed`` or ``""`` per text; ``mixed`` uses the Chinese
            model, a language without a model gives zeros.
        index : sequence, optional
            Index of the result (default 0..n-1); labels may repeat (clauses of one
            comment).

        Returns
        -------
        pandas.DataFrame
            Text × theme share of weight, the columns of :attr:`weights`; a row sums
            to 1, or to 0 when the text has no term its language's model knows. A
            text is about the themes holding at least :attr:`mention_share`.

        Examples
        --------
        >>> groups = [["物流", "快递", "配送", "发货"], ["售后", "退款", "维修", "换货"],
        ...           ["价格", "优惠", "折扣", "满减"]]
        >>> docs = [[g[i % 4], g[(i + 1) % 4]] for i in range(40) for g in groups]
        >>> m = fit_themes(docs, ["zh"] * 120, k_range=[3], min_comments=10, analyzer=None)
        >>> w = m.assign([["快递"], ["退款", "维修", "快递"], ["good"]], ["zh", "zh", "en"])
        >>> w.round(1).to_numpy().tolist()
        [[0.0, 0.0, 1.0], [0.2, 0.0, 0.8], [0.0, 0.0, 0.0]]
        """
        n = len(tokens)
        langs = [_model_language(lang) for lang in languages]
        if len(langs) != n:
            raise ValueError(f"{n} token lists but {len(langs)} languages")
        out = np.zeros((n, self.weights.shape[1]))
        cols = {c: j for j, c in enumerate(self.weights.columns)}
        for lang, (analyzer, vec, nmf, ids) in self.models.items():
            rows = [i for i in range(n) if langs[i] == lang]
            if not rows:
                continue
            w = nmf.transform(vec.transform([analyzer(tokens[i]) for i in rows]))
            total = w.sum(axis=1, keepdims=True)
            share = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
            out[np.ix_(rows, [cols[t] for t in ids])] = share
        idx = pd.RangeIndex(n) if index is None else pd.Index(list(index))
        return pd.DataFrame(out, index=idx, columns=self.weights.columns)


def _usable_terms(docs: list[list[str]], min_df: int) -> int:
    """Terms the TF-IDF keeps: in at least ``min_df`` and at most ``MAX_DF`` of the docs."""
    df = Counter(t for d in docs for t in set(d))
    return sum(min_df <= n <= MAX_DF * len(docs) for n in df.values())


def _fit_language(
    docs: list[list[str]],
    k_range: Sequence[int],
    *,
    seed: int,
    max_select: int,
    min_df: int,
):
    """Vectorizer, NMF with the best k, the docs' TF-IDF and 0/1 matrices, and the
    selection table; None when no k in ``k_range`` fits these docs.

    A k needs more terms and more sampled docs than themes; comments written from a few
    stock phrases can leave fewer usable terms than the smallest k.
    """
    if _usable_terms(docs, min_df) <= min(k_range, default=0):
        return None
    vec = TfidfVectorizer(analyzer=_identity, min_df=min_df, max_df=MAX_DF, sublinear_tf=True)
    x = vec.fit_transform(docs)
    binary = (x > 0).astype(np.float32).tocsr()
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(x.shape[0], size=min(max_select, x.shape[0]), replace=False))
    xs = x[pick]
    ks = [k for k in k_range if k < min(xs.shape) - 1]
    if not ks:
        return None
    svd = compute_svd(xs, max(ks), seed)  # one SVD starts every k
    refs = [fit_nmf(xs, k, seed=seed, svd=svd) for k in ks]
    bs = binary[pick]
    sel = pd.DataFrame(
        {
            "k": ks,
            "coherence": [float(topic_coherence(m.components_, bs).mean()) for m in refs],
            "coverage": [topic_coverage(m.components_, bs) for m in refs],
            "redundancy": [float(topic_redundancy(m.components_).mean()) for m in refs],
        }
    )
    sel["criterion"] = sel["coverage"] * sel["coherence"] - sel["redundancy"]
    best = int(sel["criterion"].to_numpy().argmax())
    nmf = refs[best] if len(pick) == x.shape[0] else fit_nmf(x, ks[best], seed=seed)
    return vec, nmf, x, binary, sel


def fit_themes(
    tokens: Sequence[list[str]],
    languages: Sequence[str],
    *,
    index: pd.Index | None = None,
    clause_tokens: Sequence[list[str]] | None = None,
    clause_of: Sequence[object] | None = None,
    clause_languages: Sequence[str] | None = None,
    k_range: Sequence[int] = range(4, 11),
    mention_share: float = 0.3,
    min_comments: int = 50,
    min_df: int = 3,
    max_select: int = 20_000,
    seed: int = 0,
    analyzer: Callable[..., list[str]] | None = theme_terms,
) -> ThemeModel:
    """Fit NMF themes per language and weigh every comment.

    Parameters
    ----------
    tokens : sequence of list of str
        Words per comment (:func:`analysis.text.tokens.tokenize_many`).
    languages : sequence of str
        ``zh``, ``en``, ``mixed`` or ``""`` per comment (:mod:`analysis.text.language`).
    index : pandas.Index, optional
        Index of the returned frames (default 0..n-1).
    clause_tokens, clause_of, clause_languages : sequence, optional
        Words of each clause, the comment (a label of ``index``) it belongs to, and
        its language (default: its comment's). A comment then mentions the themes one
        of its clauses is about; without clauses, the themes of the whole comment.
    k_range : sequence of int
        Numbers of themes tried; the highest coverage × coherence − redundancy wins
        (ties: the smaller). Chosen on at most ``max_select`` comments per language (a
        random draw) to stay fast.
    mention_share : float
        Share of a clause's (comment's) weight that counts as a mention.
    min_comments : int
        A language with fewer comments that have a theme term gets no themes; so
        does one whose comments leave no more usable terms (see ``min_df``) than the
        smallest k.
    analyzer : callable, optional
        ``analyzer(tokens, language=...)`` gives the terms of a token list
        (default :func:`analysis.text.tokens.theme_terms`); None uses the tokens as
        they are.

    Returns
    -------
    ThemeModel

    Examples
    --------
    Four topics of twelve words each, four words per comment: four themes.

    >>> rng = np.random.default_rng(0)
    >>> topics = [[f"{t}{i}" for i in range(12)] for t in "abcd"]
    >>> docs = [list(rng.choice(topics[i % 4], 4, replace=False)) for i in range(400)]
    >>> m = fit_themes(docs, ["en"] * 400, k_range=range(2, 8), min_comments=10, analyzer=None)
    >>> m.selection.set_index("k")["criterion"].round(2).to_dict()
    {2: 0.17, 3: 0.26, 4: 0.34, 5: 0.21, 6: 0.12, 7: 0.07}
    """
    out_index = pd.RangeIndex(len(tokens)) if index is None else pd.Index(index)
    langs = [_model_language(lang) for lang in languages]
    if len(langs) != len(tokens) or len(out_index) != len(tokens):
        raise ValueError(
            f"{len(tokens)} token lists, {len(langs)} languages, {len(out_index)} labels"
        )
    themes, models, selections, weights = [], {}, [], []
    for lang in ("zh", "en"):
        ana = _identity if analyzer is None else partial(analyzer, language=lang)
        pos = [i for i in range(len(tokens)) if langs[i] == lang]
        terms = [ana(tokens[i]) for i in pos]
        keep = [j for j, t in enumerate(terms) if t]
        if len(keep) < min_comments:
            continue
        docs = [terms[j] for j in keep]
        fitted = _fit_language(docs, k_range, seed=seed, max_select=max_select, min_df=min_df)
        if fitted is None:
            continue
        vec, nmf, x, binary, sel = fitted
        selections.append(sel.assign(language=lang)[["language", *sel.columns]])
        w = nmf.transform(x)
        total = w.sum(axis=1, keepdims=True)
        share = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
        ids = [f"{lang}-{j + 1}" for j in range(nmf.n_components)]
        frame = pd.DataFrame(0.0, index=out_index, columns=ids)
        frame.iloc[[pos[j] for j in keep]] = share
        weights.append(frame)
        models[lang] = (ana, vec, nmf, ids)
        vocab = np.array(vec.get_feature_names_out())
        coh = topic_coherence(nmf.components_, binary)
        relevance = compute_theme_relevance(nmf.components_, w.sum(axis=0))
        for j, comp in enumerate(nmf.components_):
            top = vocab[np.argsort(-comp)[:10]].tolist()
            themes.append(
                {
                    "theme": ids[j],
                    "language": lang,
                    "name": "·".join(pick_theme_name(vocab, relevance[j], compounds=top)),
                    "top_terms": " ".join(top),
                    "k": nmf.n_components,
                    "coherence": float(coh[j]),
                }
            )
    if not weights:
        empty = pd.DataFrame(index=out_index)
        return ThemeModel(pd.DataFrame(columns=THEME_COLUMNS), empty, empty.copy())
    w = pd.concat(weights, axis=1)
    model = ThemeModel(
        pd.DataFrame(themes),
        w,
        w >= mention_share,
        pd.concat(selections, ignore_index=True),
        mention_share,
        models,
    )
    if clause_tokens is not None:
        if clause_of is None:
            raise ValueError("clause_tokens need clause_of: the comment of each clause")
        of = pd.Index(list(clause_of))
        clause_langs = (
            list(clause_languages)
            if clause_languages is not None
            else pd.Series(list(languages), index=out_index).reindex(of).tolist()
        )
        cw = model.assign(clause_tokens, clause_langs, index=of)
        hit = (cw >= mention_share).groupby(level=0, sort=False).any()
        model.mentions = hit.reindex(out_index, fill_value=False)
    model.themes["comments"] = model.themes["theme"].map(model.mentions.sum())
    return model


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
