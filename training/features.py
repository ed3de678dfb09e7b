"""Text to features: normalisation, jieba words with the domain dictionary, character n-grams
and discourse cues."""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from .discourse import DiscourseCues
from .segment import JiebaWords
from .text import normalize_text


class TextNormalizer(TransformerMixin, BaseEstimator):
    """Pipeline step applying `normalize_text` to every paragraph (stateless)."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return [normalize_text(x) for x in X]


def build_features(*, domain_words: tuple[str, ...], char_ngrams: tuple[int, int] = (1, 3),
                   min_df: int = 2, discourse: bool = True,
                   discourse_weight: float = 0.5) -> FeatureUnion:
    """TF-IDF over jieba words, over character n-grams and over discourse cues, side by side
    (each block l2-normalised; the cues weighted down so that they inform, not drown, the topics)."""
    words = TfidfVectorizer(analyzer=JiebaWords(domain_words), min_df=min_df, sublinear_tf=True,
                            lowercase=False, dtype=np.float64)
    chars = TfidfVectorizer(analyzer="char", ngram_range=char_ngrams, min_df=min_df,
                            sublinear_tf=True, lowercase=False, dtype=np.float64)
    blocks = [("words", words), ("chars", chars)]
    if discourse:
        blocks.append(("discourse", TfidfVectorizer(analyzer=DiscourseCues(domain_words), min_df=min_df,
                                                    sublinear_tf=True, lowercase=False, dtype=np.float64)))
    return FeatureUnion(blocks, transformer_weights={"discourse": discourse_weight} if discourse else None)
