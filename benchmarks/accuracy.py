"""Accuracy side by side on the same grouped folds and on the development set of real
paragraphs: zongjie, char TF-IDF + LR, fastText (ova).

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

from training.crossval import (calibrate, choose_thresholds, fit_calibration, grouped_folds,  # noqa: E402
                               nested_predictions)
from training.dataset import read_file  # noqa: E402
from training.decision import decide  # noqa: E402
from training.holdout import holdout_docs, split_holdout  # noqa: E402
from training.segment import JiebaWords  # noqa: E402
from training.text import normalize_text  # noqa: E402
from training.labelset import LABELS  # noqa: E402
from training.metrics import compute_metrics  # noqa: E402
from training.train import TrainSettings, label_matrix, load_training_data, make_pipeline as zj_pipeline  # noqa: E402


def char_model(train_texts, Y):
    model = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 2)),
                          OneVsRestClassifier(LogisticRegression(max_iter=1000)))
    model.fit(train_texts, Y)
    return lambda texts: (model.predict_proba(texts) >= 0.5).astype(int)


def fasttext_model(words):
    try:
        import fasttext
    except ImportError:
        return None
    tokens = JiebaWords(words, bigrams=False)

    def line(text: str) -> str:
        return " ".join(tokens(normalize_text(text)))

    def fit(train_texts, Y):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "train.txt")
            with open(path, "w", encoding="utf-8") as out:
                for text, y in zip(train_texts, Y):
                    labels = [f"__label__{LABELS[j]}" for j in np.flatnonzero(y)] or ["__label__none"]
                    out.write(" ".join(labels) + " " + line(text) + "\n")
            model = fasttext.train_supervised(path, loss="ova", epoch=50, lr=0.5, wordNgrams=2,
                                              dim=50, minCount=1, thread=1, seed=0, verbose=0)

        def predict(texts):
            P = np.zeros((len(texts), len(LABELS)), dtype=int)
            for i, text in enumerate(texts):
                # The low-level call: fasttext's Python wrapper breaks on NumPy 2 (copy=False).
                for _, label in model.f.predict(line(text) + "\n", -1, 0.5, "strict"):
                    name = label.replace("__label__", "")
                    if name in LABELS:
                        P[i, LABELS.index(name)] = 1
            return P
        return predict
    return fit


def cross_validate(fit, texts, Y, groups, folds):
    P = np.zeros_like(Y)
    for train, test in grouped_folds(groups, folds):
        predict = fit([texts[i] for i in train], Y[train])
        P[test] = predict([texts[i] for i in test])
    return P


def zongjie_model(words, settings, texts, Y, groups):
    """Out-of-fold predictions (nested CV, as `zongjie train`) and the final model's predict."""
    _, P, raw = nested_predictions(texts, Y, groups, zj_pipeline(words, settings),
                                   n_splits=settings.folds, inner_splits=settings.inner_folds)
    calibration = fit_calibration(Y, raw)
    thresholds = choose_thresholds(Y, calibrate(raw, calibration))
    model = zj_pipeline(words, settings, thresholds=thresholds, calibration=calibration).fit(texts, Y)
    return P, lambda new: decide(model.predict_proba(new), thresholds, list(LABELS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", default="labels")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--devset", default="../shared/devset/real_dev.jsonl",
                        help="real paragraphs, never trained on: every model is trained on all of "
                             "labels/ (less the comparison set) and scored on them, when the file exists")
    args = parser.parse_args()
    everything, words = load_training_data(args.labels)
    records, _ = split_holdout(everything, holdout_docs(args.labels))
    texts = [r.text for r in records]
    Y = label_matrix(records)
    groups = np.array([r.doc for r in records])
    seed = np.array([r.is_seed for r in records])
    bureau = np.array([not r.genre for r in records])
    dev = read_file(args.devset, strict=False) if os.path.isfile(args.devset) else []
    dev_texts, dev_Y = [r.text for r in dev], label_matrix(dev) if dev else None
    settings = TrainSettings(folds=args.folds)
    rows = []
    start = time.perf_counter()
    P, predict = zongjie_model(words, settings, texts, Y, groups)
    rows.append(("zongjie (words+chars+cues, LR, calibrated)", P, predict, time.perf_counter() - start))
    for name, fit in (("char TF-IDF + LR (threshold 0.5)", char_model),
                      ("fastText supervised -loss ova (jieba tokens)", fasttext_model(words))):
        if fit is None:
            print("(fastText skipped: install the benchmark extra, `pip install -e '.[bench]'`)")
            continue
        start = time.perf_counter()
        P = cross_validate(fit, texts, Y, groups, args.folds)
        rows.append((name, P, fit(texts, Y) if dev else None, time.perf_counter() - start))
    print(f"{len(records)} paragraphs, {len(set(groups))} docs, grouped {args.folds}-fold CV by doc "
          f"({seed.sum()} seed paragraphs, {bureau.sum()} in bureau summaries and plans)"
          + (f"; development set: {len(dev)} real paragraphs ({args.devset})" if dev else "") + "\n")
    print(f"{'model':<46} {'CV macro':>8} {'CV micro':>8} {'bureau':>7} {'seed':>6} "
          f"{'DEV macro':>9} {'DEV micro':>9} {'DEV 计划':>8} {'seconds':>7}")
    for name, P, predict, seconds in rows:
        m_all, m_seed, m_bureau = (compute_metrics(Y[m], P[m]) for m in (slice(None), seed, bureau))
        line = (f"{name:<46} {m_all['macro_f1']:>8.3f} {m_all['micro_f1']:>8.3f} "
                f"{m_bureau['macro_f1']:>7.3f} {m_seed['macro_f1']:>6.3f}")
        if dev:
            m_dev = compute_metrics(dev_Y, predict(dev_texts))
            line += (f" {m_dev['macro_f1']:>9.3f} {m_dev['micro_f1']:>9.3f} "
                     f"{m_dev['per_label']['计划']['f1']:>8.3f}")
        print(line + f" {seconds:>7.1f}")


if __name__ == "__main__":
    main()
