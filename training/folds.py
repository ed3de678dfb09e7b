"""Fits of one pipeline on many subsets of one list of texts, each text analysed once.

Cross-validation fits the same pipeline on 26 subsets of the same paragraphs; fitting the
pipeline anew segments and n-grams every paragraph each time. `FoldFits` takes each feature
block's term counts over all texts once; a fold then keeps the terms its training part holds in
at least `min_df` documents and weighs them with an IDF of its own (sklearn's TfidfTransformer),
which is what the block's TfidfVectorizer does when fitted on that part: the same columns in the
same (sorted) order, the same numbers. A pipeline of another shape is fitted the plain way.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.pipeline import FeatureUnion

_COUNT_PARAMS = frozenset(CountVectorizer().get_params())
_TFIDF_PARAMS = ("norm", "use_idf", "smooth_idf", "sublinear_tf")


def _shares_counts(pipeline) -> bool:
    """Whether the pipeline is normalize → FeatureUnion of plain TfidfVectorizers → classify."""
    steps = getattr(pipeline, "named_steps", {})
    union = steps.get("features")
    if list(steps) != ["normalize", "features", "classify"] or not isinstance(union, FeatureUnion):
        return False
    return all(type(vec) is TfidfVectorizer and isinstance(vec.min_df, int) and vec.max_df == 1.0
               and vec.max_features is None and vec.vocabulary is None
               for _, vec in union.transformer_list)


def _feature_params(pipeline) -> dict:
    """The settings of the steps before the classifier (the steps' own objects left out)."""
    return {k: v for k, v in pipeline[:-1].get_params(deep=True).items()
            if not isinstance(v, (BaseEstimator, list))}


class FoldFits:
    """`scores(train, test, Y_train)` equals `clone(pipeline).fit(texts[train], Y_train)
    .predict_proba(texts[test])`; the texts are analysed once, here."""

    def __init__(self, pipeline, texts) -> None:
        self.pipeline = pipeline
        self.texts = np.asarray(texts, dtype=object)
        self.blocks: list[tuple[sp.csc_matrix, int, dict, float | None]] | None = None
        if not _shares_counts(pipeline):
            return
        norm = pipeline.named_steps["normalize"].transform(list(self.texts))
        union = pipeline.named_steps["features"]
        weights = union.transformer_weights or {}
        self.blocks = []
        for name, vec in union.transformer_list:
            params = vec.get_params()
            counter = CountVectorizer(**{k: params[k] for k in _COUNT_PARAMS if k in params})
            counter.set_params(min_df=1, max_df=1.0, max_features=None)
            counts = counter.fit_transform(norm).tocsr()
            self.blocks.append((counts, vec.min_df, {k: params[k] for k in _TFIDF_PARAMS},
                                weights.get(name)))

    def with_pipeline(self, pipeline) -> "FoldFits":
        """These counts serving another pipeline whose normalisation and features are the same (its
        classifier may differ); a pipeline whose features differ has its texts counted anew."""
        if self.blocks is None or not _shares_counts(pipeline) or (
                _feature_params(pipeline) != _feature_params(self.pipeline)):
            return FoldFits(pipeline, self.texts)
        other = object.__new__(FoldFits)
        other.__dict__.update(self.__dict__, pipeline=pipeline)
        return other

    def features(self, train, test) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """The training rows' and the test rows' features, as the pipeline fitted on `train`."""
        assert self.blocks is not None
        fitted, applied = [], []
        for counts, min_df, tfidf_params, weight in self.blocks:
            part = counts[train]
            keep = np.flatnonzero(np.bincount(part.indices, minlength=counts.shape[1]) >= min_df)
            part = part[:, keep]
            tfidf = TfidfTransformer(**tfidf_params).fit(part)
            blocks = (tfidf.transform(part), tfidf.transform(counts[test][:, keep]))
            if weight is not None:
                blocks = tuple(x * weight for x in blocks)
            fitted.append(blocks[0])
            applied.append(blocks[1])
        return sp.hstack(fitted).tocsr(), sp.hstack(applied).tocsr()

    def scores(self, train, test, Y_train) -> np.ndarray:
        """Per-label scores of the `test` texts by the pipeline fitted on the `train` texts."""
        train, test = np.asarray(train), np.asarray(test)
        if self.blocks is None:
            model = clone(self.pipeline).fit(list(self.texts[train]), Y_train)
            return model.predict_proba(list(self.texts[test]))
        X_train, X_test = self.features(train, test)
        classifier = clone(self.pipeline.named_steps["classify"]).fit(X_train, Y_train)
        return classifier.predict_proba(X_test)
