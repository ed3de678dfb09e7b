"""The multi-label linear model and the one Pipeline from raw text to per-label scores."""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .features import TextNormalizer, build_features
from .decision import decide  # noqa: F401  (re-exported: the pipeline's decision rule)
from .labelset import LABELS


class MultiLabelLinear(ClassifierMixin, BaseEstimator):
    """One-vs-rest logistic regression with per-label decision thresholds.

    `thresholds` are chosen outside (on grouped out-of-fold scores) and passed in; `predict`
    keeps at most one of the mutually exclusive discourse labels.
    """

    def __init__(self, C: float = 8.0, class_weight=None, thresholds=None, calibration=None,
                 labels=LABELS):
        self.C = C
        self.class_weight = class_weight
        self.thresholds = thresholds
        self.calibration = calibration
        self.labels = labels

    def fit(self, X, Y):
        Y = np.asarray(Y)
        self.classes_ = np.array(self.labels)
        self.estimators_ = []
        for j in range(Y.shape[1]):
            # The dual problem: far fewer paragraphs than features (5x faster, same optimum);
            # liblinear visits its coordinates in a random order, seeded for reproducible fits.
            clf = LogisticRegression(C=self.C, class_weight=self.class_weight, solver="liblinear",
                                     dual=True, random_state=0, max_iter=1000)
            if Y[:, j].min() == Y[:, j].max():  # a label never (or always) seen: constant score
                clf = _Constant(float(Y[0, j]))
            self.estimators_.append(clf.fit(X, Y[:, j]))
        thresholds = 0.5 if self.thresholds is None else self.thresholds
        self.thresholds_ = np.broadcast_to(np.asarray(thresholds, dtype=float),
                                           (len(self.labels),)).copy()
        self.coef_ = np.vstack([e.coef_.ravel() for e in self.estimators_])
        self.intercept_ = np.array([e.intercept_[0] for e in self.estimators_])
        if self.calibration is not None:
            # Platt scaling sigmoid(a·z + b) folded into the linear model: same form, calibrated.
            a, b = (np.asarray(x, dtype=float) for x in zip(*self.calibration))
            self.coef_ = self.coef_ * a[:, None]
            self.intercept_ = self.intercept_ * a + b
        return self

    def decision_function(self, X):
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict_proba(self, X):
        return 1.0 / (1.0 + np.exp(-self.decision_function(X)))

    def predict(self, X):
        return decide(self.predict_proba(X), self.thresholds_, list(self.labels))


class _Constant(BaseEstimator):
    """Stand-in for a label with one class only in the training data."""

    def __init__(self, value: float = 0.0):
        self.value = value

    def fit(self, X, y):
        self.coef_ = np.zeros((1, X.shape[1]))
        self.intercept_ = np.array([20.0 if self.value else -20.0])
        return self


def build_pipeline(*, domain_words: tuple[str, ...], C: float = 8.0, class_weight=None,
                   thresholds=None, calibration=None, char_ngrams: tuple[int, int] = (1, 3), min_df: int = 2,
                   discourse: bool = True, discourse_weight: float = 0.5) -> Pipeline:
    """The whole model: raw paragraph text in, per-label scores (predict_proba) out."""
    return Pipeline([
        ("normalize", TextNormalizer()),
        ("features", build_features(domain_words=domain_words, char_ngrams=char_ngrams, min_df=min_df,
                                           discourse=discourse, discourse_weight=discourse_weight)),
        ("classify", MultiLabelLinear(C=C, class_weight=class_weight, thresholds=thresholds,
                                      calibration=calibration)),
    ])
