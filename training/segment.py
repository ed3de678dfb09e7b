"""Word segmentation: jieba with the domain dictionary, as a picklable analyzer."""
from __future__ import annotations

import functools
import hashlib
import logging
import threading

from .text import _TOKEN

_TOKENIZERS: dict[str, object] = {}
_TOKENIZERS_LOCK = threading.Lock()
_DICTIONARIES: dict[str, tuple[str, ...]] = {}


def dictionary_key(words: tuple[str, ...]) -> str:
    return hashlib.sha1("\n".join(words).encode("utf-8")).hexdigest()


def _tokenizer(key: str, words: tuple[str, ...]):
    """One jieba tokenizer per domain dictionary per process, built on first use."""
    tok = _TOKENIZERS.get(key)
    if tok is None:
        with _TOKENIZERS_LOCK:
            tok = _TOKENIZERS.get(key)
            if tok is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                for word in words:
                    tok.add_word(word, freq=None)
                _TOKENIZERS[key] = tok
    return tok


@functools.lru_cache(maxsize=100_000)
def _cut(key: str, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(every token, the word tokens): cached, since cross-validation segments the same
    paragraphs many times; `key` names the domain dictionary, so two dictionaries never mix."""
    tok = _tokenizer(key, _DICTIONARIES[key])
    raw = tuple(tok.lcut(text, HMM=False))
    return raw, tuple(w for w in raw if _TOKEN.search(w))


class JiebaWords:
    """Analyzer for TfidfVectorizer: jieba words (domain dictionary included) and word bigrams.

    It pickles as its parameters only; the jieba tokenizer is rebuilt in each process (a
    jieba.Tokenizer does not pickle).
    """

    def __init__(self, words: tuple[str, ...] = (), bigrams: bool = True):
        self.words = tuple(words)
        self.bigrams = bigrams

    def _segmented(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        key = self.__dict__.get("_key")
        if key is None:
            key = self._key = dictionary_key(self.words)
            _DICTIONARIES[key] = self.words
        return _cut(key, text)

    def tokens(self, text: str) -> list[str]:
        """The word tokens (holding a letter, digit or CJK character)."""
        return list(self._segmented(text)[1])

    def raw_tokens(self, text: str) -> list[str]:
        """Every token jieba gives, punctuation and spaces included."""
        return list(self._segmented(text)[0])

    def __call__(self, text: str) -> list[str]:
        words = self.tokens(text)
        if self.bigrams:
            words = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
        return words

    def __getstate__(self) -> dict:
        return {"words": self.words, "bigrams": self.bigrams}

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.__getstate__() == self.__getstate__()

    def __hash__(self) -> int:
        return hash((self.words, self.bigrams))

    def __repr__(self) -> str:
        return f"JiebaWords(<{len(self.words)} domain words>, bigrams={self.bigrams})"


def read_dictionary(path) -> tuple[str, ...]:
    """The domain dictionary: one term per line; `#` starts a comment."""
    words = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            word = line.split("#", 1)[0].strip()
            if word:
                words.append(word.split()[0])
    return tuple(dict.fromkeys(words))
