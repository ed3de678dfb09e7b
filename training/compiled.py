"""The compiled form of a fitted pipeline: its vocabularies (words, character n-grams,
discourse cues), IDF weights, coefficients (block weights folded in) and thresholds as plain arrays (`fast.npz` in the version folder). Serving scores from these with
numpy alone — no scikit-learn import, no pickle — and a test checks it equals the pipeline."""
from __future__ import annotations

import io

import numpy as np

from .errors import CannotCompile

FILE = "fast.npz"


def compile_pipeline(pipeline) -> dict[str, np.ndarray]:
    union = pipeline.named_steps["features"]
    features = dict(union.transformer_list)
    weights = union.transformer_weights or {}
    words, chars, cues = features["words"], features["chars"], features.get("discourse")
    blocks = [("words", words), ("chars", chars)] + ([("discourse", cues)] if cues is not None else [])
    for name, vec in blocks:
        if not (vec.sublinear_tf and vec.use_idf and vec.norm == "l2" and not vec.binary
                and vec.lowercase is False):
            raise CannotCompile(f"cannot compile the {name} vectorizer's settings")
    if chars.analyzer != "char" or chars.preprocessor is not None:
        raise CannotCompile("cannot compile a character vectorizer other than analyzer='char'")
    names: list[str] = []
    row_weights = []
    for name, vec in blocks:
        block = [""] * len(vec.vocabulary_)
        for term, j in vec.vocabulary_.items():
            block[j] = term
        names.extend(block)
        row_weights.append(np.full(len(block), float(weights.get(name, 1.0))))
    classify = pipeline.named_steps["classify"]
    # A block's weight multiplies its l2-normalised values: the same as multiplying its
    # coefficients, which is what the fast path uses.
    coef = classify.coef_.T * np.concatenate(row_weights)[:, None]
    return {
        "names": np.array(names, dtype=str),
        "n_words": np.array(len(words.vocabulary_)),
        "n_chars": np.array(len(chars.vocabulary_)),
        "n_cues": np.array(len(cues.vocabulary_) if cues is not None else 0),
        "idf": np.concatenate([vec.idf_ for _, vec in blocks]),
        "coef": np.ascontiguousarray(coef),
        "intercept": np.asarray(classify.intercept_, dtype=float),
        "thresholds": np.asarray(classify.thresholds_, dtype=float),
        "labels": np.array(list(classify.labels), dtype=str),
        "char_range": np.array(chars.ngram_range),
        "bigrams": np.array(bool(words.analyzer.bigrams)),
        "dictionary": np.array(list(words.analyzer.words), dtype=str),
    }


def to_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]  # numpy's stub lets **kwds fill allow_pickle: bool
    return buffer.getvalue()
