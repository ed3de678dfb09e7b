"""Integer-keyed hash tables looked up for a whole array of keys at once (numpy, open addressing)."""
from __future__ import annotations

import numpy as np

# Fibonacci hashing: multiply by 2^64/φ, keep the top bits; spreads packed n-gram ids well.
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_EMPTY = -1


class IntTable:
    """Maps non-negative int64 keys to int32 values; `get` answers -1 for a missing key.

    A vectorised binary search (np.searchsorted) costs ~log2(n) random reads per key; this costs
    one read for almost every key (load factor <= 1/4) and a short, shrinking loop for the rest.
    """

    def __init__(self, keys, values, load: float = 0.25):
        keys = np.asarray(keys, dtype=np.int64)
        values = np.asarray(values, dtype=np.int32)
        if len(np.unique(keys)) != len(keys) or (len(keys) and keys.min() < 0):
            raise ValueError("IntTable keys must be distinct and non-negative")
        bits = max(3, int(np.ceil(np.log2(max(1.0, len(keys) / load)))))
        self._shift = np.uint64(64 - bits)
        self._mask = (1 << bits) - 1
        self.keys = np.full(1 << bits, _EMPTY, dtype=np.int64)
        self.values = np.full(1 << bits, -1, dtype=np.int32)
        slot = self._home(keys)
        pending = np.arange(len(keys))
        self.max_probe = 0
        step = 0
        while len(pending):
            at = (slot[pending] + step) & self._mask
            free = self.keys[at] == _EMPTY
            # Of the keys that reach the same free slot in this round, the first one takes it.
            taken, first = np.unique(at[free], return_index=True)
            winners = pending[free][first]
            self.keys[taken] = keys[winners]
            self.values[taken] = values[winners]
            if len(winners):
                self.max_probe = step
            placed = np.zeros(len(keys), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            step += 1

    def _home(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.view(np.uint64) * _MULTIPLIER) >> self._shift).astype(np.intp)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The value of every key (int64 array), -1 where the key is not in the table."""
        keys = np.ascontiguousarray(keys, dtype=np.int64)
        slot = self._home(keys)
        found = self.keys[slot]
        out = self.values[slot]
        hit = found == keys
        out[~hit] = -1
        # Keys that met another key in their home slot walk on; an empty slot ends the walk.
        rest = np.flatnonzero(~hit & (found != _EMPTY))
        step = 1
        while len(rest) and step <= self.max_probe:
            at = (slot[rest] + step) & self._mask
            found = self.keys[at]
            hit = found == keys[rest]
            out[rest[hit]] = self.values[at[hit]]
            rest = rest[~hit & (found != _EMPTY)]
            step += 1
        return out

    def __len__(self) -> int:
        return int((self.keys != _EMPTY).sum())
