"""Explanations: the weighted terms that pushed a label up, with their spans in the input."""
from __future__ import annotations

import numpy as np

from training.features import normalize_with_offsets


class Explainer:
    """Per-feature contributions (TF-IDF value × coefficient) of one model, mapped back to text."""

    def __init__(self, pipeline, labels: list[str], top: int = 8):
        self.normalize = pipeline.named_steps["normalize"]
        self.features = pipeline.named_steps["features"]
        self.coef = np.asarray(pipeline.named_steps["classify"].coef_)
        self.names = np.array([name.split("__", 1)[1] for name in self.features.get_feature_names_out()],
                              dtype=object)
        self.labels = labels
        self.top = top

    def explain(self, text: str, labels: list[str]) -> dict[str, list[dict]]:
        norm, spans = normalize_with_offsets(text)
        row = self.features.transform([norm]).tocsr()
        out = {}
        for label in labels:
            j = self.labels.index(label)
            contrib = row.data * self.coef[j, row.indices]
            # A term can be both a jieba word and a character n-gram: add up its weights.
            weights: dict[str, float] = {}
            for k in np.flatnonzero(contrib > 0):
                term = self.names[row.indices[k]]
                weights[term.replace(" ", "")] = weights.get(term.replace(" ", ""), 0.0) + contrib[k]
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
