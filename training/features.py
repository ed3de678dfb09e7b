"""Text to features: normalisation, jieba words with the domain dictionary, character n-grams."""
from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"[\w\u4e00-\u9fff]")  # a token must hold a letter, digit or CJK character


def normalize_text(text: str) -> str:
    """Fold full-width forms (NFKC), case, numbers (every number becomes 0) and white space."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _NUMBER.sub("0", text)
    return _SPACE.sub(" ", text).strip()


class TextNormalizer(TransformerMixin, BaseEstimator):
    """Pipeline step applying `normalize_text` to every paragraph (stateless)."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return [normalize_text(x) for x in X]


_TOKENIZERS: dict[str, object] = {}
_TOKENIZERS_LOCK = threading.Lock()


def _tokenizer(words: tuple[str, ...]):
    """One jieba tokenizer per domain dictionary per process, built on first use."""
    key = hashlib.sha1("\n".join(words).encode("utf-8")).hexdigest()
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


class JiebaWords:
    """Analyzer for TfidfVectorizer: jieba words (domain dictionary included) and word bigrams.

    It pickles as its parameters only; the jieba tokenizer is rebuilt in each process (a
    jieba.Tokenizer does not pickle).
    """

    def __init__(self, words: tuple[str, ...] = (), bigrams: bool = True):
        self.words = tuple(words)
        self.bigrams = bigrams

    def tokens(self, text: str) -> list[str]:
        tok = _tokenizer(self.words)
        return [w for w in tok.lcut(text, HMM=False) if _TOKEN.search(w)]

    def __call__(self, text: str) -> list[str]:
        words = self.tokens(text)
        if self.bigrams:
            words = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
        return words

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __hash__(self) -> int:
        return hash((self.words, self.bigrams))

    def __repr__(self) -> str:
        return f"JiebaWords(<{len(self.words)} domain words>, bigrams={self.bigrams})"


def build_features(*, domain_words: tuple[str, ...], char_ngrams: tuple[int, int] = (1, 3),
                   min_df: int = 2) -> FeatureUnion:
    """TF-IDF over jieba words and over character n-grams, side by side."""
    words = TfidfVectorizer(analyzer=JiebaWords(domain_words), min_df=min_df, sublinear_tf=True,
                            lowercase=False, dtype="float64")
    chars = TfidfVectorizer(analyzer="char", ngram_range=char_ngrams, min_df=min_df,
                            sublinear_tf=True, lowercase=False, dtype="float64")
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
