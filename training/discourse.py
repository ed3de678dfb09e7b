"""Discourse cues: what a paragraph does (commits, reports, states problems) rather than what it
is about — its first words and first clause tagged by position, and its length and shape.

Bag-of-words over the whole paragraph weighs 问题 / 计划 against topic words; these cues give the
linear model a block of its own that sees the mood of the opening ("（一）成立组织" vs "（一）立德树人
迈出新步伐"), tied to how long the paragraph is (a heading or a body paragraph). The fast path
computes the same tokens with array operations (serving/scoring) and a test checks they agree.
"""
from __future__ import annotations

from .segment import JiebaWords
from .text import _TOKEN

CLAUSE_MARKS = frozenset(",。;:!?")  # normalised text: NFKC has made ，；：！？ ASCII
HEAD_WORDS = 3
HEAD, CLAUSE = "^", "<"
LENGTH_LIMITS = (15, 40, 120)  # characters of normalised text: heading, short, body, long


def length_bucket(n_chars: int) -> int:
    return sum(n_chars > limit for limit in LENGTH_LIMITS)


def head_tags(bucket: int) -> tuple[str, str]:
    """The two tags a head word gets: position alone, and position with the length bucket."""
    return HEAD, f"{HEAD}{bucket}"


def shape_tokens(norm: str) -> list[str]:
    tokens = [f"#len{length_bucket(len(norm))}"]
    if norm.endswith(":"):
        tokens.append("#colon")  # a lead-in: "下半年重点做好以下工作："
    return tokens


def cues(norm: str, raw_tokens: list[str]) -> list[str]:
    """The discourse tokens of one normalised paragraph, from its unfiltered jieba tokens."""
    out = shape_tokens(norm)
    tags = head_tags(length_bucket(len(norm)))
    rank = clause = 0
    for token in raw_tokens:
        if token in CLAUSE_MARKS:
            clause += 1
        elif _TOKEN.search(token):
            if rank < HEAD_WORDS:
                out.extend(f"{tag} {token}" for tag in tags)
            if clause == 0:
                out.append(f"{CLAUSE} {token}")
            rank += 1
    return out


class DiscourseCues:
    """Analyzer for TfidfVectorizer: `cues` over jieba's tokens (domain dictionary included).

    It pickles as its parameters only, like JiebaWords.
    """

    def __init__(self, words: tuple[str, ...] = ()):
        self.words = tuple(words)

    def __call__(self, norm: str) -> list[str]:
        segment = self.__dict__.get("_segment")
        if segment is None:
            segment = self._segment = JiebaWords(self.words)
        return cues(norm, segment.raw_tokens(norm))

    def __getstate__(self) -> dict:
        return {"words": self.words}

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.words == self.words

    def __hash__(self) -> int:
        return hash(self.words)

    def __repr__(self) -> str:
        return f"DiscourseCues(<{len(self.words)} domain words>)"
