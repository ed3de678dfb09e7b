"""Text to features: normalisation, jieba words with the domain dictionary, character n-grams."""
from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
import unicodedata

import numpy as np

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"[\w\u4e00-\u9fff]")  # a token must hold a letter, digit or CJK character


_NFKC_TABLE: dict[int, str] | None = None


def nfkc(text: str) -> str:
    """`unicodedata.normalize("NFKC", text)`, faster for text made of single characters with
    compatibility forms (，；（）１２ …): map each character, and fall back to the full algorithm
    when the result is not normalized (composition across characters). Same result either way:
    NFKC of the per-character images equals NFKC of the text, and is the images when normalized."""
    global _NFKC_TABLE
    if _NFKC_TABLE is None:
        _NFKC_TABLE = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0x10000)
                       if not 0xD800 <= c < 0xE000 and unicodedata.normalize("NFKC", chr(c)) != chr(c)}
    mapped = text.translate(_NFKC_TABLE)
    return mapped if unicodedata.is_normalized("NFKC", mapped) else unicodedata.normalize("NFKC", text)


def normalize_text(text: str) -> str:
    """Fold full-width forms (NFKC), case, numbers (every number becomes 0) and white space."""
    text = nfkc(text).lower()
    text = _NUMBER.sub("0", text)
    return _SPACE.sub(" ", text).strip()


def normalize_with_offsets(text: str) -> tuple[str, list[tuple[int, int]]]:
    """`normalize_text` plus, for each output character, the span of the input it came from."""
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    for i, ch in enumerate(text):
        for out in unicodedata.normalize("NFKC", ch).lower():
            chars.append(out)
            spans.append((i, i + 1))
    folded, folded_spans = _substitute("".join(chars), spans, _NUMBER, "0")
    folded, folded_spans = _substitute(folded, folded_spans, _SPACE, " ")
    start = len(folded) - len(folded.lstrip())
    end = len(folded.rstrip())
    return folded[start:end], folded_spans[start:end]


def _substitute(text, spans, pattern, replacement):
    out, out_spans, last = [], [], 0
    for m in pattern.finditer(text):
        out.append(text[last:m.start()])
        out_spans.extend(spans[last:m.start()])
        out.append(replacement)
        out_spans.append((spans[m.start()][0], spans[m.end() - 1][1]))
        last = m.end()
    out.append(text[last:])
    out_spans.extend(spans[last:])
    return "".join(out), out_spans


class TextNormalizer(TransformerMixin, BaseEstimator):
    """Pipeline step applying `normalize_text` to every paragraph (stateless)."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return [normalize_text(x) for x in X]


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


@functools.lru_cache(maxsize=50_000)
def _cut(key: str, text: str) -> tuple[str, ...]:
    # Cached: cross-validation segments the same paragraphs many times; `key` names the
    # domain dictionary, so entries made with two dictionaries never mix.
    tok = _tokenizer(key, _DICTIONARIES[key])
    return tuple(w for w in tok.lcut(text, HMM=False) if _TOKEN.search(w))


class JiebaWords:
    """Analyzer for TfidfVectorizer: jieba words (domain dictionary included) and word bigrams.

    It pickles as its parameters only; the jieba tokenizer is rebuilt in each process (a
    jieba.Tokenizer does not pickle).
    """

    def __init__(self, words: tuple[str, ...] = (), bigrams: bool = True):
        self.words = tuple(words)
        self.bigrams = bigrams

    def tokens(self, text: str) -> list[str]:
        key = self.__dict__.get("_key")
        if key is None:
            key = self._key = dictionary_key(self.words)
            _DICTIONARIES[key] = self.words
        return list(_cut(key, text))

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


def build_features(*, domain_words: tuple[str, ...], char_ngrams: tuple[int, int] = (1, 3),
                   min_df: int = 2) -> FeatureUnion:
    """TF-IDF over jieba words and over character n-grams, side by side."""
    words = TfidfVectorizer(analyzer=JiebaWords(domain_words), min_df=min_df, sublinear_tf=True,
                            lowercase=False, dtype=np.float64)
    chars = TfidfVectorizer(analyzer="char", ngram_range=char_ngrams, min_df=min_df,
                            sublinear_tf=True, lowercase=False, dtype=np.float64)
    return FeatureUnion([("words", words), ("chars", chars)])


def read_dictionary(path) -> tuple[str, ...]:
    """The domain dictionary: one term per line; `#` starts a comment."""
    words = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            word = line.split("#", 1)[0].strip()
            if word:
                words.append(word.split()[0])
    return tuple(dict.fromkeys(words))
