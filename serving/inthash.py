"""A read-only open-addressing hash table from uint64 keys to int64 values, looked up for whole
arrays at once (several times faster than a binary search over a sorted key array)."""
from __future__ import annotations

import numpy as np

_MULT = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing


class IntHash:
    def __init__(self, keys: np.ndarray, values: np.ndarray):
        keys = np.asarray(keys, dtype=np.uint64)
        size = 1 << max(4, int(len(keys) * 2.5).bit_length())
        self.shift = np.uint64(64 - (size.bit_length() - 1))
        self.mask = np.uint64(size - 1)
        self.keys = np.zeros(size, dtype=np.uint64)
        self.values = np.full(size, -1, dtype=np.int64)
        slots = self._slots(keys)
        self.probes = 1
        for key, value, slot in zip(keys.tolist(), np.asarray(values).tolist(), slots.tolist()):
            probes = 1
            while self.values[slot] != -1:  # linear probing (values are never -1 when used)
                slot = (slot + 1) & (size - 1)
                probes += 1
            self.keys[slot], self.values[slot] = key, value
            self.probes = max(self.probes, probes)

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        return (keys * _MULT) >> self.shift

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The value of every key, -1 where a key is absent."""
        keys = np.asarray(keys, dtype=np.uint64)
        out = np.full(len(keys), -1, dtype=np.int64)
        slot = self._slots(keys)
        todo = np.arange(len(keys))
        for _ in range(self.probes):
            if not len(todo):
                break
            s = slot[todo]
            found = self.values[s]
            hit = (self.keys[s] == keys[todo]) & (found != -1)
            out[todo[hit]] = found[hit]
            more = ~hit & (found != -1)  # an occupied slot of another key: look further
            todo = todo[more]
            slot[todo] = (slot[todo] + np.uint64(1)) & self.mask
        return out
