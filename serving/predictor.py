"""A loaded model answering questions: labels and scores for paragraphs."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from training.artifact import LoadedModel, load_compiled
from training.decision import decide
from training.errors import ModelError

from .fastpath import FastScorer


WARM_UP = ["全面落实学生资助政策，发放助学金120万元。", "下半年将新建城南小学，确保明年秋季投入使用。"]


@dataclass(frozen=True)
class Prediction:
    labels: list[str]
    scores: dict[str, float]


class Predictor:
    """Wraps one loaded model version; safe to share between threads (no mutable state)."""

    def __init__(self, loaded: LoadedModel):
        self.loaded = loaded
        self.version = loaded.version
        self.labels = list(loaded.metadata["labels"])
        if loaded.compiled is None:  # a pipeline loaded for other uses: compile it here
            from training.compiled import compile_pipeline

            self.fast = FastScorer(compile_pipeline(loaded.pipeline))
        else:
            try:
                self.fast = FastScorer(loaded.compiled)
            except (KeyError, ValueError, IndexError, TypeError, AttributeError) as exc:
                raise ModelError(f"model {loaded.version}: its fast.npz is incomplete "
                                 f"({type(exc).__name__}: {exc}); retrain with `zongjie train --force`") from None
        self.thresholds = self.fast.thresholds
        self._explainer = None
        self._lock = threading.Lock()

    @property
    def metadata(self) -> dict:
        return self.loaded.metadata

    @property
    def explainer(self):
        """Built on first use: it needs the feature names, which take a moment to collect."""
        with self._lock:
            if self._explainer is None:
                from .explain import Explainer

                self._explainer = Explainer(self.fast, self.labels)
        return self._explainer

    def warm(self) -> "Predictor":
        """Build now what is built on first use (the segmenter, the batch tables): before the
        first request, or in the batch labeller before its workers fork and share it."""
        self.predict(WARM_UP[:1])  # one paragraph: the API's path
        self.predict(WARM_UP)      # a batch
        return self

    def scores(self, texts: list[str]) -> np.ndarray:
        return self.fast.predict_proba(texts)

    def predict(self, texts: list[str]) -> list[Prediction]:
        if not texts:
            return []
        S = self.scores(texts)
        P = decide(S, self.thresholds, self.labels)
        return [Prediction(labels=[lab for lab, on in zip(self.labels, p) if on],
                           scores={lab: round(float(s), 6) for lab, s in zip(self.labels, row)})
                for row, p in zip(S, P)]


def load_scorer(models_dir, version: str) -> Predictor:
    """A version's scorer from its fast.npz (plain arrays: nothing in it can run code)."""
    return Predictor(load_compiled(models_dir, version))
