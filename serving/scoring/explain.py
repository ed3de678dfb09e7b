"""Explanations: the words and phrases of the input that pushed a label up, with their spans.

Each feature with a large enough contribution (TF-IDF value × coefficient) is found in the
normalised text: a jieba word or word bigram at its tokens, a discourse cue at its word, a
character n-gram as a substring. Every span is widened to jieba's word boundaries, so that
"生开" of 学生开展 shows as 学生开展 and "0所" as 12 and 所 (an n-gram that straddles two words counts
for each of them); spans that overlap are merged into one, their weights summed (adjacent words
make one phrase when a feature covers both: a word bigram), and the term is the original text
of the merged span.
"""
from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple

import numpy as np

from training.discourse import CLAUSE, CLAUSE_MARKS, HEAD, HEAD_WORDS
from training.text import _TOKEN, normalize_with_offsets

from serving.scoring.fastpath import FastScorer

SHARE = 0.2  # features contributing less than this share of a label's strongest one are left out


class Token(NamedTuple):
    start: int
    end: int
    text: str
    word: bool  # holds a letter, digit or CJK character (the analyzer keeps it)


def tokens_of(pieces: list[str]) -> list[Token]:
    out, at = [], 0
    for piece in pieces:
        out.append(Token(at, at + len(piece), piece, bool(_TOKEN.search(piece))))
        at += len(piece)
    return out


class Explainer:
    """Per-feature contributions of one model, mapped back to whole words of the text."""

    def __init__(self, fast: FastScorer, labels: list[str], top: int = 8, share: float = SHARE):
        self.fast = fast
        self.labels = labels
        self.top = top
        self.share = share

    def explain(self, text: str, labels: list[str]) -> dict[str, list[dict]]:
        norm, spans = normalize_with_offsets(text)
        cols, values = self.fast.single_values(text)
        tokens = tokens_of(self.fast.segment(norm))
        if "".join(t.text for t in tokens) != norm:  # never seen; spans would be off
            tokens = tokens_of(list(norm))
        found: dict[int, list[tuple[int, int]]] = {}
        out = {}
        for label in labels:
            contrib = values * self.fast.coef[cols, self.labels.index(label)]
            pieces = []
            if len(contrib) and contrib.max() > 0:
                for k in np.flatnonzero(contrib >= self.share * contrib.max()):
                    col = int(cols[k])
                    if col not in found:
                        found[col] = _widened(self._occurrences(col, norm, tokens), tokens,
                                              split=self.fast.n_words <= col < self.fast.cue_start)
                    for start, end in found[col]:  # the weight shared by its occurrences
                        pieces.append((start, end, float(contrib[k]) / len(found[col])))
            out[label] = self._terms(text, spans, pieces)
        return out

    def _occurrences(self, col: int, norm: str, tokens: list[Token]) -> list[tuple[int, int]]:
        """Where a feature is in the normalised text (spans of `norm`)."""
        name = self.fast.names[col]
        words = [t for t in tokens if t.word]
        if col < self.fast.n_words:
            parts = name.split(" ")
            n = len(parts)
            return [(words[i].start, words[i + n - 1].end) for i in range(len(words) - n + 1)
                    if [w.text for w in words[i:i + n]] == parts]
        if col < self.fast.cue_start:
            return _substrings(norm, name)
        tag, _, word = name.partition(" ")
        if not word:
            return []  # a shape cue (length, colon): no words of its own
        if tag == CLAUSE:
            first = next((t.start for t in tokens if t.text in CLAUSE_MARKS), len(norm))
            return [(t.start, t.end) for t in words if t.text == word and t.end <= first]
        if tag.startswith(HEAD):
            return [(t.start, t.end) for t in words[:HEAD_WORDS] if t.text == word]
        return []

    def _terms(self, text: str, spans: list[tuple[int, int]], pieces: list) -> list[dict]:
        merged: list[list] = []
        for start, end, weight in sorted(pieces):
            if merged and start < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
                merged[-1][2] += weight
            else:
                merged.append([start, end, weight])
        terms: dict[str, dict] = {}
        for start, end, weight in merged:
            a, b = spans[start][0], spans[end - 1][1]
            term = terms.setdefault(text[a:b], {"term": text[a:b], "weight": 0.0, "spans": []})
            term["weight"] += weight
            term["spans"].append([a, b])
        ranked = sorted(terms.values(), key=lambda t: (-t["weight"], t["spans"][0]))[:self.top]
        return [dict(t, weight=round(t["weight"], 4)) for t in ranked
                if t["weight"] >= self.share * ranked[0]["weight"]]


def _substrings(norm: str, term: str) -> list[tuple[int, int]]:
    found, start = [], norm.find(term)
    while start != -1 and term:
        found.append((start, start + len(term)))
        start = norm.find(term, start + 1)
    return found


def _widened(found: list[tuple[int, int]], tokens: list[Token], split: bool) -> list[tuple[int, int]]:
    """Each span widened to whole words (punctuation and spaces at its ends left out); with
    `split` (a character n-gram, which may straddle two words: "年新" of 全年新建) each word it
    touches on its own, so that it never joins words the model did not see together."""
    starts = [t.start for t in tokens]
    out: list[tuple[int, int]] = []
    for start, end in found:
        i, j = bisect_right(starts, start) - 1, bisect_right(starts, end - 1) - 1
        words = [t for t in tokens[i:j + 1] if t.word]
        if not words:
            continue
        for span in ([(t.start, t.end) for t in words] if split else [(words[0].start, words[-1].end)]):
            if span not in out:
                out.append(span)
    return out
