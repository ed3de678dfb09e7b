"""The compiled inner loops of the fast path (serving/scoring/_speed.c), when the extension was built.

`native` is None where it was not (no C compiler at install time), when it is stale (built from
another version of _speed.c) or when ZONGJIE_PURE_PYTHON is set: the fast path then runs its
numpy code, with the same results (tests/serving/scoring/test_speed.py runs both).
"""
from __future__ import annotations

import os

import numpy as np

VERSION = 3  # SPEED_VERSION in _speed.c


def _load():
    if os.environ.get("ZONGJIE_PURE_PYTHON"):
        return None
    try:
        import serving.scoring._speed as _speed
    except ImportError:
        return None
    return _speed if getattr(_speed, "VERSION", None) == VERSION else None


native = _load()


def token_ids(tokens: list[str], cache: dict, unigram: dict, dropped: int, unknown: int,
              cache_max: int) -> np.ndarray:
    """The id of every token, `dropped` ones left out: `cache[token]` when it is there, else
    `unigram.get(token, unknown)` for a token with a letter, digit or CJK character and `dropped`
    for the others, then cached while the cache holds fewer than `cache_max` tokens."""
    return np.frombuffer(native.token_ids(tokens, cache, unigram, dropped, unknown, cache_max), dtype=np.int64)


def kernel(scorer, n_tags: int, head_words: int, limits: tuple[int, ...]):
    """The compiled scorer over a FastScorer's tables, or None without the extension (or for a
    model it does not cover: vocabulary bigrams whose parts are not unigrams, huge alphabets)."""
    if native is None or scorer.rest:
        return None
    tables = (scorer.pair_entries, scorer.triple_entries, scorer.word_entries, scorer.cue_entries)
    lo, hi = scorer.char_range
    dims = (scorer.n_words, scorer.cue_start, scorer.n_features, len(scorer.labels), scorer.U, lo, hi,
            int(scorer.bigrams), int(scorer.prune), head_words, scorer.n_cues, n_tags)
    shapes = scorer.shape_cols if scorer.n_cues else np.full(len(limits) + 2, -1)
    # One row of 8 doubles per column with 7 labels: its coefficients and idf in one cache line.
    weights = np.hstack([scorer.coef, scorer.idf[:, None]])
    buffers = (scorer.uni, *(array for table in tables for array in table), shapes, limits, weights,
               scorer.intercept, scorer.bmp)
    kinds = (np.int32,) + (np.int64, np.int32) * 4 + (np.int64, np.int64, np.float64, np.float64, np.int64)
    try:
        return native.Kernel(dims, tuple(np.ascontiguousarray(b, dtype=k) for b, k in zip(buffers, kinds)))
    except ValueError:  # keys too wide for its packed tables: the numpy path scores this model
        return None
