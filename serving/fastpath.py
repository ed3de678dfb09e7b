"""The fast path: the fitted pipeline's exact computation (normalise, jieba words and bigrams,
character n-grams, sublinear TF-IDF, l2 norm per block, linear scores) done for a whole batch with
array operations, and jieba's segmentation done by jieba-rs (rjieba) when it is installed.

Equality with `pipeline.predict_proba` (scores within 1e-6) and rjieba's tokens with jieba's
(on every labelled paragraph, with the domain dictionary) are checked by tests/test_fastpath.py.
"""
from __future__ import annotations

import re
import threading
import unicodedata

import numpy as np
import scipy.sparse as sp

from training.features import _NUMBER, _TOKEN, normalize_text

_WHITE = re.compile(r"\s\s+")  # what TfidfVectorizer(analyzer="char") folds before n-grams
_SPACE_NO_NL = re.compile(r"[^\S\n]+")


def normalize_batch(texts: list[str]) -> list[str]:
    """`normalize_text` of every text, in one pass over the joined batch (same result: the joints
    are newlines, which NFKC, lower() and the number pattern leave alone and never cross)."""
    if len(texts) < 8:
        return [normalize_text(t) for t in texts]
    joined = unicodedata.normalize("NFKC", "\n".join(t.replace("\n", " ") for t in texts)).lower()
    joined = _SPACE_NO_NL.sub(" ", _NUMBER.sub("0", joined))
    parts = [part.strip() for part in joined.split("\n")]
    if len(parts) != len(texts):  # a character that NFKC turned into a newline: do it one by one
        return [normalize_text(t) for t in texts]
    return parts
_SHIFT = np.uint64(21)         # bits per code point (U+10FFFF < 2**21): 3 fit in 63 bits


class RustSegmenter:
    """jieba-rs with the model's domain dictionary, cutting like `jieba.Tokenizer.lcut(HMM=False)`."""

    def __init__(self, words: tuple[str, ...]):
        import rjieba

        self.jieba = rjieba.Jieba()
        for word in words:
            self.jieba.add_word(word, None, None)  # freq=None: as jieba's add_word(freq=None)

    def cut(self, text: str) -> list[str]:
        return self.jieba.cut(text, False)  # unfiltered: FastScorer drops what the analyzer drops


def make_segmenter(analyzer):
    """rjieba when installed (identical tokens, much faster), else the model's own jieba."""
    try:
        return RustSegmenter(analyzer.words).cut
    except ImportError:
        return analyzer.tokens


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


class FastScorer:
    """Scores equal to `pipeline.predict_proba`, for a batch at a time."""

    def __init__(self, pipeline):
        features = dict(pipeline.named_steps["features"].transformer_list)
        words, chars = features["words"], features["chars"]
        for name, vec in (("words", words), ("chars", chars)):
            if not (vec.sublinear_tf and vec.use_idf and vec.norm == "l2" and not vec.binary):
                raise ValueError(f"fast path does not support the {name} vectorizer's settings")
        self.analyzer = words.analyzer
        self.bigrams = words.analyzer.bigrams
        self._segment = None
        self._lock = threading.Lock()
        self._ids: dict[str, int] = {}
        n_words = len(words.vocabulary_)
        self.n_features = n_words + len(chars.vocabulary_)
        self.idf = np.concatenate([words.idf_, chars.idf_])
        # Words: unigram -> column; bigram (id a, id b) packed into one int64, sorted for lookup.
        self.unigram = {t: j for t, j in words.vocabulary_.items() if " " not in t}
        self.rest: dict[str, int] = {}
        keys, cols = [], []
        for term, j in words.vocabulary_.items():
            parts = term.split(" ")
            if len(parts) == 2 and parts[0] in self.unigram and parts[1] in self.unigram:
                keys.append(self.unigram[parts[0]] * n_words + self.unigram[parts[1]])
                cols.append(j)
            elif " " in term:
                self.rest[term] = j  # cannot happen with jieba tokens; kept exact anyway
        self.n_words = n_words
        order = np.argsort(keys)
        self.bigram_keys = np.asarray(keys, dtype=np.int64)[order]
        self.bigram_cols = np.asarray(cols, dtype=np.int64)[order]
        # Characters: per n, the n-gram's code points packed into a uint64, sorted for lookup.
        self.char_range = chars.ngram_range
        self.char_tables = {}
        lo, hi = self.char_range
        for n in range(lo, hi + 1):
            grams = [(g, j) for g, j in chars.vocabulary_.items() if len(g) == n]
            packed = np.array([self._pack(_codes(g)) for g, _ in grams], dtype=np.uint64)
            order = np.argsort(packed)
            self.char_tables[n] = (packed[order],
                                   np.array([j for _, j in grams], dtype=np.int64)[order] + n_words)
        classify = pipeline.named_steps["classify"]
        self.coef = np.ascontiguousarray(classify.coef_.T)  # features × labels
        self.intercept = classify.intercept_

    @staticmethod
    def _pack(codes: np.ndarray) -> np.uint64:
        key = np.uint64(0)
        for c in codes:
            key = (key << _SHIFT) | c
        return key

    def segment(self, text: str) -> list[str]:
        if self._segment is None:
            with self._lock:
                if self._segment is None:
                    self._segment = make_segmenter(self.analyzer)
        return self._segment(text)

    def _token_ids(self, tokens: list[str]) -> list[int]:
        """Column of each token (-1 when not in the vocabulary); tokens the analyzer drops
        (punctuation, spaces) are left out, so bigrams pair the same neighbours as in training."""
        cache = self._ids
        ids = list(map(cache.get, tokens))
        if None in ids:
            if len(cache) > 500_000:
                cache.clear()
            for k, (t, j) in enumerate(zip(tokens, ids)):
                if j is None:
                    ids[k] = cache[t] = self.unigram.get(t, -1) if _TOKEN.search(t) else -2
        return [j for j in ids if j != -2]

    def _word_block(self, norms: list[str]):
        per_doc = [self._token_ids(self.segment(text)) for text in norms]
        lengths = np.fromiter((len(x) for x in per_doc), dtype=np.int64, count=len(per_doc))
        ids = np.fromiter((j for x in per_doc for j in x), dtype=np.int64, count=int(lengths.sum()))
        doc = np.repeat(np.arange(len(norms)), lengths)
        keep = ids >= 0
        rows, cols = [doc[keep]], [ids[keep]]
        if self.bigrams and len(ids) > 1 and len(self.bigram_keys):
            a, b = ids[:-1], ids[1:]
            ok = (a >= 0) & (b >= 0) & (doc[:-1] == doc[1:])
            keys = a[ok] * self.n_words + b[ok]
            at = np.minimum(np.searchsorted(self.bigram_keys, keys), len(self.bigram_keys) - 1)
            hit = self.bigram_keys[at] == keys
            rows.append(doc[:-1][ok][hit])
            cols.append(self.bigram_cols[at[hit]])
        if self.rest:  # vocabulary bigrams whose parts are not unigrams (never with jieba tokens)
            for i, text in enumerate(norms):
                tokens = [t for t in self.segment(text) if _TOKEN.search(t)]
                extra = [self.rest[k] for k in (f"{x} {y}" for x, y in zip(tokens, tokens[1:])) if k in self.rest]
                rows.append(np.full(len(extra), i, dtype=np.int64))
                cols.append(np.asarray(extra, dtype=np.int64))
        return np.concatenate(rows), np.concatenate(cols)

    def _char_block(self, norms: list[str]):
        folded = [_WHITE.sub(" ", t) for t in norms]
        lengths = np.fromiter((len(t) for t in folded), dtype=np.int64, count=len(folded))
        codes = _codes("".join(folded))
        doc = np.repeat(np.arange(len(folded)), lengths)
        starts = np.cumsum(lengths) - lengths
        pos = np.arange(len(codes)) - np.repeat(starts, lengths)   # position within its paragraph
        rows, cols = [], []
        lo, hi = self.char_range
        for n in range(lo, hi + 1):
            valid = np.flatnonzero(pos <= np.repeat(lengths, lengths) - n)
            if not len(valid):
                continue
            key = codes[valid].copy()
            for k in range(1, n):
                key = (key << _SHIFT) | codes[valid + k]
            table, column = self.char_tables[n]
            if not len(table):
                continue
            at = np.minimum(np.searchsorted(table, key), len(table) - 1)
            hit = table[at] == key
            rows.append(doc[valid[hit]])
            cols.append(column[at[hit]])
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(rows), np.concatenate(cols)

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        norms = normalize_batch(texts)
        blocks = []
        for rows, cols in (self._word_block(norms), self._char_block(norms)):
            counts = sp.csr_matrix((np.ones(len(rows)), (rows, cols)),
                                   shape=(len(texts), self.n_features))
            counts.sum_duplicates()
            counts.data = (1.0 + np.log(counts.data)) * self.idf[counts.indices]
            norm = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
            norm[norm == 0] = 1.0
            blocks.append(sp.diags(1.0 / norm) @ counts)
        return (blocks[0] + blocks[1]).tocsr()

    def _block_values(self, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cols, counts = np.unique(cols, return_counts=True)
        values = (1.0 + np.log(counts)) * self.idf[cols]
        norm = np.sqrt(values @ values)
        return cols, values / norm if norm > 0 else values

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:  # the API's common case: no sparse matrices, a dense gather
            norms = [normalize_text(texts[0])]
            z = self.intercept.copy()
            for _, cols in (self._word_block(norms), self._char_block(norms)):
                if len(cols):
                    cols, values = self._block_values(cols)
                    z += values @ self.coef[cols]
            return 1.0 / (1.0 + np.exp(-z[None, :]))
        z = np.asarray(self.transform(texts) @ self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))
