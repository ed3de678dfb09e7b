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


def kernel(scorer, n_tags: int, head_words: int, limits: tuple[int, ...]):
    """The compiled scorer over a FastScorer's tables, or None without the extension (or for a
    model it does not cover: vocabulary bigrams whose parts are not unigrams)."""
    if native is None or scorer.rest:
        return None
    from .lookup import IntTable

    direct = getattr(scorer, "pair_table", None)
    pairs = IntTable([], []) if direct is not None else scorer._pairs.__self__
    tables = (pairs, scorer.triples, scorer.word_pairs, scorer.cue_pairs)
    lo, hi = scorer.char_range
    dims = (scorer.n_words, scorer.cue_start, scorer.n_features, len(scorer.labels), scorer.U, lo, hi,
            int(scorer.bigrams), int(scorer.prune), head_words, scorer.n_cues, n_tags)
    shapes = scorer.shape_cols if scorer.n_cues else np.full(len(limits) + 2, -1)
    buffers = (scorer.uni, direct if direct is not None else np.zeros(0, dtype=np.int32),
               *(array for table in tables for array in (table.keys, table.values)),
               shapes, limits, scorer.idf, scorer.coef, scorer.intercept)
    kinds = (np.int32, np.int32) + (np.int64, np.int32) * 4 + (np.int64, np.int64) + (np.float64,) * 3
    buffers = tuple(np.ascontiguousarray(b, dtype=kind) for b, kind in zip(buffers, kinds))
    probes = tuple(int(x) for table in tables for x in (table._shift, table.max_probe))
    return native.Kernel(dims, buffers, probes)
