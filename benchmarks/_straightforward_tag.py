"""A second baseline of benchmarks/batch.py: the straightforward pipeline as issue #7 names it —
`jieba.lcut` (its defaults: HMM on, no domain dictionary) + scikit-learn's TfidfVectorizer (words
and bigrams, and character 1–3-grams) + OneVsRestClassifier(LogisticRegression) — fitted on
labels/, then run like `zongjie tag` in a process of its own, with the same reading, splitting
and writing (serving.batch.run.run_tag). Its labels differ from zongjie's (another model); only its
speed is compared.

Run: `.venv/bin/python benchmarks/_straightforward_tag.py fit MODEL.joblib`
     `.venv/bin/python benchmarks/_straightforward_tag.py tag MODEL.joblib ARCHIVE OUT.jsonl`
"""
from __future__ import annotations

import sys

from _common import ROOT


def lcut(text: str) -> list[str]:
    """`jieba.lcut` itself does not pickle (a bound method of a tokenizer holding a lock)."""
    import jieba

    return jieba.lcut(text)


def fit(path: str) -> None:
    import joblib
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline, make_union

    from training.dataset import load_records
    from training.train import label_matrix

    records = load_records(ROOT / "labels")
    model = make_pipeline(
        make_union(TfidfVectorizer(tokenizer=lcut, token_pattern=None, ngram_range=(1, 2),
                                   sublinear_tf=True),
                   TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)),
        OneVsRestClassifier(LogisticRegression(max_iter=1000)))
    model.fit([r.text for r in records], label_matrix(records))
    joblib.dump(model, path)


def tag(path: str, archive: str, out: str) -> None:
    import logging

    import jieba
    import joblib
    import numpy as np

    from serving.batch.run import run_tag
    from serving.scoring.predictor import Predictor
    from training.labelset import LABELS

    jieba.setLogLevel(logging.WARNING)

    class Straightforward(Predictor):
        def __init__(self, model):
            self.model, self.version, self.labels = model, "straightforward", list(LABELS)
            self.thresholds = np.full(len(LABELS), 0.5)
            self.init_context({})  # no document context: the plain pipeline

        def scores(self, texts):
            return self.model.predict_proba(texts)

    run_tag([archive], out=out, fmt="jsonl", model=Straightforward(joblib.load(path)), overwrite=True)


if __name__ == "__main__":
    {"fit": fit, "tag": tag}[sys.argv[1]](*sys.argv[2:])
