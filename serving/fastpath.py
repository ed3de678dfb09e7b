"""The fast path: the fitted pipeline's exact computation (normalise, jieba words, character
n-grams, sublinear TF-IDF, l2 norm, linear scores) without scikit-learn's per-call overhead."""
from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import scipy.sparse as sp

from training.features import normalize_text

_WHITE = re.compile(r"\s\s+")  # what TfidfVectorizer(analyzer="char") folds before n-grams


class FastScorer:
    """Scores equal to `pipeline.predict_proba` (a test checks every labelled paragraph)."""

    def __init__(self, pipeline):
        features = dict(pipeline.named_steps["features"].transformer_list)
        words, chars = features["words"], features["chars"]
        self.analyzer = words.analyzer
        self.word_vocab = words.vocabulary_
        self.char_vocab = chars.vocabulary_
        self.char_range = chars.ngram_range
        self.offset = len(self.word_vocab)
        self.idf = np.concatenate([words.idf_, chars.idf_])
        classify = pipeline.named_steps["classify"]
        self.coef = np.ascontiguousarray(classify.coef_.T)  # features × labels
        self.intercept = classify.intercept_
        for name, vec in (("words", words), ("chars", chars)):
            if not (vec.sublinear_tf and vec.use_idf and vec.norm == "l2" and not vec.binary):
                raise ValueError(f"fast path does not support the {name} vectorizer's settings")

    def _row(self, text: str) -> tuple[list[int], list[float]]:
        norm = normalize_text(text)
        indices: list[int] = []
        values: list[float] = []
        word_counts = Counter(self.analyzer(norm))
        self._block(word_counts, self.word_vocab, 0, indices, values)
        folded = _WHITE.sub(" ", norm)
        grams: Counter = Counter()
        lo, hi = self.char_range
        length = len(folded)
        for n in range(lo, hi + 1):
            grams.update(folded[i:i + n] for i in range(length - n + 1))
        self._block(grams, self.char_vocab, self.offset, indices, values)
        return indices, values

    def _block(self, counts, vocab, offset, indices, values) -> None:
        start = len(values)
        idf = self.idf
        for term, count in counts.items():
            j = vocab.get(term)
            if j is not None:
                indices.append(offset + j)
                values.append((1.0 + math.log(count)) * idf[offset + j])
        block = values[start:]
        norm = math.sqrt(sum(v * v for v in block))
        if norm > 0:
            values[start:] = [v / norm for v in block]

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        indptr, indices, data = [0], [], []
        for text in texts:
            idx, val = self._row(text)
            indices.extend(idx)
            data.extend(val)
            indptr.append(len(indices))
        return sp.csr_matrix((np.array(data, dtype=np.float64), np.array(indices, dtype=np.int64),
                              np.array(indptr, dtype=np.int64)), shape=(len(texts), len(self.idf)))

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:  # the API's common case: a gather beats building a sparse matrix
            idx, val = self._row(texts[0])
            z = self.intercept + (np.asarray(val) @ self.coef[idx] if idx else 0.0)
            return 1.0 / (1.0 + np.exp(-np.atleast_2d(z)))
        z = self.transform(texts) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))
