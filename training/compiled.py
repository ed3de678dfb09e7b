"""The compiled form of a fitted pipeline: its vocabularies, IDF weights, coefficients and
thresholds as plain arrays (`fast.npz` in the version folder). Serving scores from these with
numpy alone — no scikit-learn import, no pickle — and a test checks it equals the pipeline."""
from __future__ import annotations

import io

import numpy as np

FILE = "fast.npz"


def compile_pipeline(pipeline) -> dict[str, np.ndarray]:
    features = dict(pipeline.named_steps["features"].transformer_list)
    words, chars = features["words"], features["chars"]
    for name, vec in (("words", words), ("chars", chars)):
        if not (vec.sublinear_tf and vec.use_idf and vec.norm == "l2" and not vec.binary
                and vec.lowercase is False):
            raise ValueError(f"cannot compile the {name} vectorizer's settings")
    if chars.analyzer != "char" or chars.preprocessor is not None:
        raise ValueError("cannot compile a character vectorizer other than analyzer='char'")
    names = [""] * (len(words.vocabulary_) + len(chars.vocabulary_))
    for term, j in words.vocabulary_.items():
        names[j] = term
    for gram, j in chars.vocabulary_.items():
        names[len(words.vocabulary_) + j] = gram
    classify = pipeline.named_steps["classify"]
    return {
        "names": np.array(names, dtype=str),
        "n_words": np.array(len(words.vocabulary_)),
        "idf": np.concatenate([words.idf_, chars.idf_]),
        "coef": np.ascontiguousarray(classify.coef_.T),
        "intercept": np.asarray(classify.intercept_, dtype=float),
        "thresholds": np.asarray(classify.thresholds_, dtype=float),
        "labels": np.array(list(classify.labels), dtype=str),
        "char_range": np.array(chars.ngram_range),
        "bigrams": np.array(bool(words.analyzer.bigrams)),
        "dictionary": np.array(list(words.analyzer.words), dtype=str),
    }


def to_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()
