"""Explanations: the weighted terms that pushed a label up, with their spans in the input."""
from __future__ import annotations

import numpy as np

from training.text import normalize_with_offsets

from .fastpath import FastScorer


class Explainer:
    """Per-feature contributions (TF-IDF value × coefficient) of one model, mapped back to text."""

    def __init__(self, fast: FastScorer, labels: list[str], top: int = 8):
        self.fast = fast
        self.labels = labels
        self.top = top

    def explain(self, text: str, labels: list[str]) -> dict[str, list[dict]]:
        norm, spans = normalize_with_offsets(text)
        cols, values = self.fast.single_values(text)
        out = {}
        for label in labels:
            contrib = values * self.fast.coef[cols, self.labels.index(label)]
            # A term can be both a jieba word and a character n-gram: add up its weights.
            weights: dict[str, float] = {}
            for k in np.flatnonzero(contrib > 0):
                term = self.fast.names[cols[k]].replace(" ", "")
                weights[term] = weights.get(term, 0.0) + contrib[k]
            terms = []
            for term, weight in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0])):
                found = _find(norm, spans, term)
                if found:
                    terms.append({"term": term, "weight": round(float(weight), 4), "spans": found})
                if len(terms) >= self.top:
                    break
            out[label] = terms
        return out


def _find(norm: str, spans: list[tuple[int, int]], term: str) -> list[list[int]]:
    """Spans [start, end) in the original input of every occurrence of a feature's text."""
    found, start = [], norm.find(term)
    while start != -1 and term:
        end = start + len(term)
        found.append([spans[start][0], spans[end - 1][1]])
        start = norm.find(term, start + 1)
    return found
