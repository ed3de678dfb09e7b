"""Accuracy side by side on the same grouped folds: zongjie, char TF-IDF + LR, fastText (ova).

Run: `make bench` (installs the benchmark extra, fasttext-wheel) or
     `.venv/bin/python benchmarks/accuracy.py [--labels labels] [--folds 5]`
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from training.crossval import grouped_folds, nested_predictions  # noqa: E402
from training.segment import JiebaWords  # noqa: E402
from training.text import normalize_text  # noqa: E402
from training.labelset import LABELS  # noqa: E402
from training.metrics import compute_metrics  # noqa: E402
from training.train import TrainSettings, label_matrix, load_training_data, make_pipeline as zj_pipeline  # noqa: E402


def char_baseline(texts, Y, groups, folds):
    P = np.zeros_like(Y)
    for train, test in grouped_folds(groups, folds):
        model = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 2)),
                              OneVsRestClassifier(LogisticRegression(max_iter=1000)))
        model.fit([texts[i] for i in train], Y[train])
        P[test] = (model.predict_proba([texts[i] for i in test]) >= 0.5).astype(int)
    return P


def fasttext_baseline(texts, Y, groups, folds, words):
    try:
        import fasttext
    except ImportError:
        return None
    tokens = JiebaWords(words, bigrams=False)
    lines = [" ".join(tokens(normalize_text(t))) for t in texts]
    P = np.zeros_like(Y)
    with tempfile.TemporaryDirectory() as tmp:
        for train, test in grouped_folds(groups, folds):
            path = os.path.join(tmp, "train.txt")
            with open(path, "w", encoding="utf-8") as out:
                for i in train:
                    labels = [f"__label__{LABELS[j]}" for j in np.flatnonzero(Y[i])] or ["__label__none"]
                    out.write(" ".join(labels) + " " + lines[i] + "\n")
            model = fasttext.train_supervised(path, loss="ova", epoch=50, lr=0.5, wordNgrams=2,
                                              dim=50, minCount=1, thread=1, seed=0, verbose=0)
            for i in test:
                # The low-level call: fasttext's Python wrapper breaks on NumPy 2 (copy=False).
                got = [label for _, label in model.f.predict(lines[i] + "\n", -1, 0.5, "strict")]
                for label in got:
                    name = label.replace("__label__", "")
                    if name in LABELS:
                        P[i, LABELS.index(name)] = 1
    return P


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", default="labels")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    records, words = load_training_data(args.labels)
    texts = [r.text for r in records]
    Y = label_matrix(records)
    groups = np.array([r.doc for r in records])
    seed = np.array([r.is_seed for r in records])
    settings = TrainSettings(folds=args.folds)
    rows = []
    start = time.perf_counter()
    _, P, _ = nested_predictions(texts, Y, groups, zj_pipeline(words, settings), n_splits=args.folds,
                              inner_splits=settings.inner_folds)
    rows.append(("zongjie (words+chars, LR, calibrated, tuned thresholds)", P, time.perf_counter() - start))
    start = time.perf_counter()
    rows.append(("char TF-IDF + LR (threshold 0.5)", char_baseline(texts, Y, groups, args.folds),
                 time.perf_counter() - start))
    start = time.perf_counter()
    P = fasttext_baseline(texts, Y, groups, args.folds, words)
    if P is not None:
        rows.append(("fastText supervised -loss ova (jieba tokens)", P, time.perf_counter() - start))
    print(f"{len(records)} paragraphs, {len(set(groups))} docs, grouped {args.folds}-fold CV by doc "
          f"({seed.sum()} seed paragraphs)\n")
    print(f"{'model':<52} {'macro all':>9} {'micro all':>9} {'macro seed':>10} {'micro seed':>10} {'seconds':>8}")
    for name, P, seconds in rows:
        m_all, m_seed = compute_metrics(Y, P), compute_metrics(Y[seed], P[seed])
        print(f"{name:<52} {m_all['macro_f1']:>9.3f} {m_all['micro_f1']:>9.3f} "
              f"{m_seed['macro_f1']:>10.3f} {m_seed['micro_f1']:>10.3f} {seconds:>8.1f}")
    if P is None:
        print("(fastText skipped: install the benchmark extra, `pip install -e '.[bench]'`)")


if __name__ == "__main__":
    main()
