"""The fast path's numpy code: what FastScorer computes when the compiled kernel (serving/scoring/_speed.c)
is not there — the pure-Python fallback — and its single-paragraph columns, which the
explanations use. A mixin of FastScorer (serving/scoring/fastpath.py), over the tables that it builds:
its hash tables here are built on first use, since the compiled kernel builds its own.

A batch is one sort over (paragraph, column) keys of every term occurrence.
"""
from __future__ import annotations

from functools import cached_property
from typing import Callable

import numpy as np

from training.discourse import HEAD_WORDS, LENGTH_LIMITS, cues
from training.text import _TOKEN, normalize_text

from serving.scoring.lookup import IntTable

CLAUSE, NEWLINE, DROPPED, UNKNOWN = -4, -3, -2, -1  # token ids that are not vocabulary columns
_DIRECT_PAIRS_MAX = 1 << 24  # character pairs table up to 64 MB; a hash table beyond


class NumpyPath:
    """Over what FastScorer builds (declared here, set by its __init__)."""

    names: list[str]
    n_words: int
    n_features: int
    n_cues: int
    cue_start: int
    U: int
    char_range: tuple[int, ...]
    bigrams: bool
    rest: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    uni: np.ndarray
    shape_cols: np.ndarray
    prune: bool
    cue_dict: dict[str, int]
    _ids: dict[str, int]
    _TAGS: tuple[str, ...]
    # (keys, columns) of each hash table
    pair_entries: tuple[np.ndarray, np.ndarray]
    triple_entries: tuple[np.ndarray, np.ndarray]
    word_entries: tuple[np.ndarray, np.ndarray]
    cue_entries: tuple[np.ndarray, np.ndarray]
    segment: Callable[[str], list[str]]
    _batch_ids: Callable[[list[str], str], np.ndarray]
    _dense_codes: Callable[[np.ndarray], np.ndarray]

    # --- the tables, on first use ---------------------------------------------------------

    @cached_property
    def word_pairs(self) -> IntTable:
        return IntTable(*self.word_entries)

    @cached_property
    def cue_pairs(self) -> IntTable:
        return IntTable(*self.cue_entries)

    @cached_property
    def triples(self) -> IntTable:
        return IntTable(*self.triple_entries)

    @cached_property
    def _pairs(self):
        keys, cols = self.pair_entries
        if self.U * self.U > _DIRECT_PAIRS_MAX:
            return IntTable(keys, cols).get
        table = np.full(self.U * self.U, -1, dtype=np.int32)
        table[keys] = cols
        return table.__getitem__

    @cached_property
    def bigram_dict(self) -> dict[int, int]:
        return dict(zip(self.word_entries[0].tolist(), self.word_entries[1].tolist()))

    @cached_property
    def char_dict(self) -> dict[str, int]:  # one short paragraph at a time: hashing beats arrays
        grams = self.names[self.n_words:self.cue_start]
        return dict(zip(grams, range(self.n_words, self.cue_start)))

    # --- a batch ----------------------------------------------------------------------------

    def _word_keys(self, norms: list[str], joined: str) -> list[np.ndarray]:
        F = self.n_features
        ids = self._batch_ids(norms, joined)
        doc = np.cumsum(ids == NEWLINE)
        keys = self._cue_keys(ids, doc, norms) if self.n_cues else []
        words = ids != CLAUSE  # clause marks are dropped like other punctuation from here on
        ids, doc = ids[words], doc[words]
        at = np.flatnonzero(ids >= 0)
        keys.append(doc[at] * F + ids[at])
        if self.bigrams and len(ids) > 1:
            # A newline token between two paragraphs is not a column: no pair crosses it.
            a, b = ids[:-1], ids[1:]
            at = np.flatnonzero((a >= 0) & (b >= 0))
            cols = self.word_pairs.get(a[at] * self.n_words + b[at])
            hit = cols >= 0
            keys.append(doc[at[hit]] * F + cols[hit])
        if self.rest:  # vocabulary bigrams whose parts are not unigrams (never with min_df)
            for i, text in enumerate(norms):
                extra = self._rest_columns(text)
                keys.append(np.asarray(extra, dtype=np.int64) + i * F)
        return keys

    def _cue_keys(self, ids: np.ndarray, doc: np.ndarray, norms: list[str]) -> list[np.ndarray]:
        """`training.discourse.cues` of every paragraph of the batch, as (paragraph, column) keys:
        each word's rank in its paragraph and whether it stands before the first clause mark."""
        F, n = self.n_features, len(norms)
        starts = np.flatnonzero(ids == NEWLINE)
        word = (ids >= 0) | (ids == UNKNOWN)
        words_before = np.cumsum(word)
        rank = words_before - np.concatenate(([0], words_before[starts]))[doc] - 1
        marks = np.cumsum(ids == CLAUSE)
        first_clause = marks == np.concatenate(([0], marks[starts]))[doc]
        lengths = np.fromiter(map(len, norms), dtype=np.int64, count=n)
        bucket = np.searchsorted(np.array(LENGTH_LIMITS), lengths, side="left")
        keys = []
        head = np.flatnonzero((ids >= 0) & (rank < HEAD_WORDS))
        clause = np.flatnonzero((ids >= 0) & first_clause)
        for at, tag in ((head, 0), (head, 1 + bucket[doc[head]]), (clause, len(self._TAGS) - 1)):
            cols = self.cue_pairs.get(tag * self.n_words + ids[at])
            hit = cols >= 0
            keys.append(doc[at[hit]] * F + cols[hit])
        colon = np.fromiter((s.endswith(":") for s in norms), dtype=bool, count=n)
        shape = np.concatenate([self.shape_cols[bucket], np.where(colon, self.shape_cols[-1], -1)])
        rows = np.concatenate([np.arange(n), np.arange(n)])
        keep = shape >= 0
        keys.append(rows[keep] * F + shape[keep])
        return keys

    def _rest_columns(self, norm: str) -> list[int]:
        tokens = [t for t in self.segment(norm) if _TOKEN.search(t)]
        pairs = (f"{x} {y}" for x, y in zip(tokens, tokens[1:]))
        return [self.rest[k] for k in pairs if k in self.rest]

    def _char_grams(self, ids: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """(column, start position) of every vocabulary character n-gram, per n."""
        U, (lo, hi) = self.U, self.char_range
        found = []
        if lo <= 1:
            cols = self.uni[ids]
            at = np.flatnonzero(cols >= 0)
            found.append((cols[at], at))
        if hi >= 2 and len(ids) > 1:
            pair_keys = ids[:-1] * U + ids[1:]  # id 0 (no such character) is in no pair
            pairs = self._pairs(pair_keys)
            if lo <= 2:
                at = np.flatnonzero(pairs >= 0)
                found.append((pairs[at], at))
            if hi >= 3 and len(ids) > 2:
                ok = ((pairs[:-1] >= 0) & (pairs[1:] >= 0) if self.prune
                      else (ids[:-2] > 0) & (ids[1:-1] > 0) & (ids[2:] > 0))
                at = np.flatnonzero(ok)
                cols = self.triples.get(pair_keys[at] * U + ids[at + 2])
                hit = cols >= 0
                found.append((cols[hit], at[hit]))
        return found

    def _char_keys(self, codes: np.ndarray) -> list[np.ndarray]:
        # Paragraphs joined by newlines: a newline is in no n-gram of the vocabulary (normalised
        # text has none), so its id 0 stops every n-gram at the paragraph's edge.
        ids = self._dense_codes(codes)
        doc = np.cumsum(codes == 10)
        F = self.n_features
        return [doc[at] * F + cols for cols, at in self._char_grams(ids)]

    def _numpy_scores(self, norms: list[str], joined: str, codes: np.ndarray) -> np.ndarray:
        import scipy.sparse as sp  # only here: a tenth of a second of start-up otherwise

        F, n = self.n_features, len(norms)
        keys = np.concatenate(self._word_keys(norms, joined) + self._char_keys(codes))
        if n * F < 2**31:
            keys = keys.astype(np.int32)  # sorts faster
        keys.sort()
        # One entry per (paragraph, column), with how often it occurs.
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if len(keys) else keys
        counts = np.diff(np.append(starts, len(keys)))
        keys = keys[starts]
        rows = keys // F
        cols = keys - rows * F
        values = (1.0 + np.log(counts)) * self.idf[cols]
        # Word columns come before character columns, and those before discourse cues, so each
        # (paragraph, block) is one run of the sorted entries: its l2 norm is a sum over the run.
        # Every value is > 0 (idf >= 1).
        block = rows * 3 + (cols >= self.n_words) + (cols >= self.cue_start)
        runs = np.flatnonzero(np.concatenate(([True], block[1:] != block[:-1]))) if len(block) else block
        if len(runs):
            norm = np.sqrt(np.add.reduceat(values * values, runs))
            values /= np.repeat(norm, np.diff(np.append(runs, len(values))))
        indptr = np.searchsorted(rows, np.arange(n + 1))
        X = sp.csr_matrix((values, cols, indptr), shape=(n, F))
        return np.asarray(X @ self.coef) + self.intercept

    # --- one paragraph: no sort, dict look-ups ----------------------------------------------

    def _single_columns(self, text: str) -> tuple[list[int], list[int]]:
        norm = normalize_text(text)
        raw = self.segment(norm)
        ids = [j for j in map(self._ids.__getitem__, raw) if j >= UNKNOWN]
        words = [j for j in ids if j >= 0]
        if self.n_cues:
            words.extend(j for j in map(self.cue_dict.get, cues(norm, raw)) if j is not None)
        if self.bigrams:
            n_words, bigram = self.n_words, self.bigram_dict
            for a, b in zip(ids, ids[1:]):
                if a >= 0 and b >= 0:
                    j = bigram.get(a * n_words + b)
                    if j is not None:
                        words.append(j)
            if self.rest:
                words.extend(self._rest_columns(norm))
        if len(norm) < 40:  # short: dict look-ups beat setting up arrays
            get, chars = self.char_dict.get, list[int]()
            lo, hi = self.char_range
            for n in range(lo, hi + 1):
                chars.extend(j for j in map(get, (norm[i:i + n] for i in range(len(norm) - n + 1)))
                             if j is not None)
            return words, chars
        found = self._char_grams(self._dense_codes(np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32)))
        return words, np.concatenate([cols for cols, _ in found]).tolist() if found else []

    def single_values(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, TF-IDF values) of one paragraph, each block (words, characters, discourse
        cues) l2-normalised."""
        words, chars = self._single_columns(text)
        cols, counts = np.unique(np.asarray(words + chars, dtype=np.int64), return_counts=True)
        values = (1.0 + np.log(counts)) * self.idf[cols]
        block = (cols >= self.n_words).astype(np.int64) + (cols >= self.cue_start)
        norms = np.sqrt(np.bincount(block, weights=values * values, minlength=3))
        norms[norms == 0] = 1.0
        return cols, values / norms[block]
