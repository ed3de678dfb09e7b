"""The compiled inner loops of the fast path (serving/_speed.c), when the extension was built.

`native` is None where it was not (no C compiler at install time), when it is stale (built from
another version of _speed.c) or when ZONGJIE_PURE_PYTHON is set: the fast path then runs its
numpy code, with the same results (tests/test_speed.py runs both).
"""
from __future__ import annotations

import os

import numpy as np

VERSION = 1  # SPEED_VERSION in _speed.c


def _load():
    if os.environ.get("ZONGJIE_PURE_PYTHON"):
        return None
    try:
        from . import _speed
    except ImportError:
        return None
    return _speed if getattr(_speed, "VERSION", None) == VERSION else None


native = _load()


def token_ids(tokens: list[str], ids: dict, dropped: int) -> np.ndarray:
    """`ids[token]` of every token (a dict's __missing__ computes new ones), `dropped` left out."""
    return np.frombuffer(native.token_ids(tokens, ids, dropped), dtype=np.int64)


def _entries(table) -> tuple[np.ndarray, np.ndarray]:
    """(keys, values) held by an IntTable."""
    held = table.keys != -1
    return table.keys[held], table.values[held]


def kernel(scorer, n_tags: int, head_words: int, limits: tuple[int, ...]):
    """The compiled scorer over a FastScorer's tables, or None without the extension (or for a
    model it does not cover: vocabulary bigrams whose parts are not unigrams, huge alphabets)."""
    if native is None or scorer.rest:
        return None
    direct = getattr(scorer, "pair_table", None)
    if direct is not None:
        keys = np.flatnonzero(direct >= 0)
        pairs = keys, direct[keys]
    else:
        pairs = _entries(scorer._pairs.__self__)
    tables = (pairs, _entries(scorer.triples), _entries(scorer.word_pairs), _entries(scorer.cue_pairs))
    lo, hi = scorer.char_range
    dims = (scorer.n_words, scorer.cue_start, scorer.n_features, len(scorer.labels), scorer.U, lo, hi,
            int(scorer.bigrams), int(scorer.prune), head_words, scorer.n_cues, n_tags)
    shapes = scorer.shape_cols if scorer.n_cues else np.full(len(limits) + 2, -1)
    # One row of 8 doubles per column with 7 labels: its coefficients and idf in one cache line.
    weights = np.hstack([scorer.coef, scorer.idf[:, None]])
    buffers = (scorer.uni, *(array for table in tables for array in table), shapes, limits, weights,
               scorer.intercept)
    kinds = (np.int32,) + (np.int64, np.int32) * 4 + (np.int64, np.int64, np.float64, np.float64)
    try:
        return native.Kernel(dims, tuple(np.ascontiguousarray(b, dtype=k) for b, k in zip(buffers, kinds)))
    except ValueError:  # keys too wide for its packed tables: the numpy path scores this model
        return None
