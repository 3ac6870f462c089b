"""How good a set of NMF themes is: coherence, coverage and redundancy (to choose k),
distinctive terms.

- **Coherence** (:func:`topic_coherence`): mean NPMI of a theme's top terms over the
  comments; above 0 when its terms turn up together more often than by chance.
- **Coverage** (:func:`topic_coverage`): the share of comments holding one of the
  themes' top terms. Coherence alone does not notice a topic left out; weighted by
  coverage, it does.
- **Redundancy** (:func:`topic_redundancy`): how close each theme's term weights are
  to its nearest other theme (cosine). More themes than the data hold split a topic
  into near-copies, so coverage × coherence − redundancy has an interior optimum in k.
- **Distinctive terms** (:func:`compute_theme_relevance`; Sievert and Shirley 2014,
  LDAvis): a term's weight in a theme balanced against its lift over the other themes,
  so a name says what sets a theme apart rather than what every theme holds.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "compute_svd",
    "compute_theme_relevance",
    "fit_nmf",
    "pick_theme_name",
    "topic_coherence",
    "topic_coverage",
    "topic_redundancy",
]


def compute_svd(
    x: sp.csr_matrix, k: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``k`` leading singular triplets of ``x``, largest first (ARPACK, seeded).

    Examples
    --------
    >>> compute_svd(sp.csr_matrix(np.diag([1.0, 3.0, 2.0])), 2)[1]
    array([3., 2.])
    """
    from scipy.sparse.linalg import svds

    u, s, vt = svds(x.astype(np.float64), k=min(k, min(x.shape) - 1), random_state=seed)
    order = np.argsort(-s)
    return u[:, order], s[order], vt[order]


def _nndsvda(x: sp.csr_matrix, u: np.ndarray, s: np.ndarray, vt: np.ndarray, k: int):
    """NNDSVD start (Boutsidis and Gallopoulos 2008) with zeros filled by the mean of ``x``,
    as scikit-learn's ``init="nndsvda"``, from a given SVD: one SVD serves every k."""
    w = np.zeros((x.shape[0], k))
    h = np.zeros((k, x.shape[1]))
    w[:, 0] = np.sqrt(s[0]) * np.abs(u[:, 0])
    h[0] = np.sqrt(s[0]) * np.abs(vt[0])
    for j in range(1, k):
        a, b = u[:, j], vt[j]
        ap, bp, an, bn = np.maximum(a, 0), np.maximum(b, 0), -np.minimum(a, 0), -np.minimum(b, 0)
        pos = np.linalg.norm(ap) * np.linalg.norm(bp)
        neg = np.linalg.norm(an) * np.linalg.norm(bn)
        a, b, sigma = (ap, bp, pos) if pos > neg else (an, bn, neg)
        scale = np.sqrt(s[j] * sigma)
        w[:, j] = scale * a / max(np.linalg.norm(a), 1e-12)
        h[j] = scale * b / max(np.linalg.norm(b), 1e-12)
    mean = x.sum() / (x.shape[0] * x.shape[1])
    w[w < 1e-6] = mean
    h[h < 1e-6] = mean
    return w, h


def fit_nmf(x: sp.csr_matrix, k: int, *, seed: int = 0, svd=None) -> NMF:
    """The NMF every theme model uses: NNDSVDa start, coordinate descent; deterministic.

    ``svd`` (from a previous call's ``compute_svd`` with at least ``k`` triplets) saves the
    SVD when several k are fitted on the same matrix; scikit-learn's own start computes
    a randomized SVD per fit, which took most of the time of choosing k.
    """
    u, s, vt = svd if svd is not None else compute_svd(x, k, seed)
    w, h = _nndsvda(x, u, s, vt, k)
    with warnings.catch_warnings():
        # k above what the data support (tried while choosing k) may not converge in
        # 400 iterations; its instability is what the selection measures.
        warnings.simplefilter("ignore", ConvergenceWarning)
        # and a loss of -0.0 from rounding on a near-exact fit makes sqrt warn
        warnings.filterwarnings("ignore", "invalid value encountered in sqrt", RuntimeWarning)
        return NMF(k, init="custom", random_state=seed, max_iter=400).fit(x, W=w, H=h)


def topic_coherence(components: np.ndarray, binary: sp.csr_matrix, *, top: int = 10) -> np.ndarray:
    """Mean NPMI of each topic's top-``top`` term pairs over documents (-1..1).

    ``binary`` is the document × term 0/1 matrix. NPMI(i, j) =
    log(P(i,j) / (P(i)P(j))) / -log P(i,j). Counts are smoothed by one document (the
    joint count and, so that NPMI stays at most 1, each term's count too): a pair
    never seen together scores below 0 rather than -1.

    Examples
    --------
    >>> b = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 1], [0, 0, 1, 1]] * 5))
    >>> topics = np.array([[0, 0, 1.0, 0.9], [1.0, 0, 1.0, 0]])  # always / never together
    >>> topic_coherence(topics, b, top=2).round(2)
    array([ 1. , -0.6])
    """
    n = binary.shape[0]
    out = []
    for comp in components:
        idx = np.argsort(-comp)[:top]
        sub = binary[:, idx]
        co = np.asarray((sub.T @ sub).todense(), dtype=float)
        p = (np.diag(co) + 1) / n
        a, b = np.triu_indices(len(idx), k=1)
        pj = (co[a, b] + 1) / n
        vals = np.log(pj / (p[a] * p[b] + 1e-12)) / -np.log(pj)
        out.append(float(vals.mean()) if len(vals) else 0.0)
    return np.array(out)


def topic_coverage(components: np.ndarray, binary: sp.csr_matrix, *, top: int = 10) -> float:
    """Share of documents (rows of the 0/1 ``binary``) holding a top term of some topic.

    Examples
    --------
    >>> b = sp.csr_matrix(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]))
    >>> topic_coverage(np.array([[1.0, 0.5, 0.0]]), b, top=2)
    0.5
    """
    idx = np.unique(np.concatenate([np.argsort(-c)[:top] for c in components]))
    return float((np.asarray(binary[:, idx].sum(axis=1)).ravel() > 0).mean())


def topic_redundancy(components: np.ndarray) -> np.ndarray:
    """Each topic's largest cosine similarity to another topic's term weights (0..1).

    Examples
    --------
    >>> topic_redundancy(np.array([[1.0, 1.0, 0], [1.0, 0.9, 0.1], [0, 0, 1.0]])).round(2)
    array([1.  , 1.  , 0.07])
    """
    if len(components) < 2:
        return np.zeros(len(components))
    unit = components / np.maximum(np.linalg.norm(components, axis=1, keepdims=True), 1e-12)
    cos = unit @ unit.T
    np.fill_diagonal(cos, -np.inf)
    return cos.max(axis=1)


def compute_theme_relevance(
    components: np.ndarray, theme_weight: np.ndarray, *, lam: float = 0.6
) -> np.ndarray:
    """Relevance of each term to each theme: λ·log p(w|t) + (1−λ)·log(p(w|t) / p(w)).

    p(w|t) is the theme's row of ``components`` normalised to 1, p(w) the same mixed
    over themes by ``theme_weight`` (their total weight over the comments). λ = 0.6
    is the value readers preferred in Sievert and Shirley's study; λ = 1 ranks by
    weight alone. Terms a theme does not use score ``-inf``.

    Examples
    --------
    >>> h = np.array([[5.0, 4.0, 1.0], [5.0, 0.0, 4.0]])
    >>> compute_theme_relevance(h, np.array([1.0, 1.0])).argmax(axis=1)
    array([1, 2])
    """
    pwt = components / np.maximum(components.sum(axis=1, keepdims=True), 1e-12)
    pt = theme_weight / max(theme_weight.sum(), 1e-12)
    pw = pt @ pwt
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = lam * np.log(pwt) + (1 - lam) * np.log(pwt / pw)
    return np.where(pwt > 0, rel, -np.inf)


def pick_theme_name(
    terms: np.ndarray, relevance: np.ndarray, *, size: int = 3, compounds: Sequence[str] = ()
) -> list[str]:
    """The ``size`` most relevant terms, skipping one inside or around a term already
    picked (售后 after 售后服务) and one inside any of ``compounds`` (the theme's top
    terms: 物流信息 is shown rather than its part 物流): two or three different words.

    Examples
    --------
    >>> pick_theme_name(np.array(["售后服务", "售后", "退款"]), np.array([3.0, 2.0, 1.0]))
    ['售后服务', '退款']
    >>> pick_theme_name(np.array(["物流", "物流信息", "快递"]), np.array([3.0, 2.0, 1.0]),
    ...                 compounds=["物流信息"])
    ['物流信息', '快递']
    """
    out: list[str] = []
    longer = [str(c) for c in compounds]
    for j in np.argsort(-relevance):
        if not np.isfinite(relevance[j]):
            break
        t = str(terms[j])
        if any(t != c and t in c for c in longer):  # part of a compound the theme shows
            continue
        if not any(t in o or o in t for o in out):
            out.append(t)
        if len(out) == size:
            break
    return out
