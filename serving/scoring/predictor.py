"""A loaded model answering questions: labels and scores for paragraphs."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from training.artifact import LoadedModel, load_compiled
from training.context import CONTEXT_CUES, apply_context, context_vector
from training.decision import decide
from training.errors import CannotCompile, ModelError

from serving.scoring.fastpath import FastScorer

if TYPE_CHECKING:
    from serving.scoring.explain import Explainer


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
            except (CannotCompile, KeyError, ValueError, IndexError, TypeError, AttributeError) as exc:
                raise ModelError(f"model {loaded.version}: its fast.npz is incomplete "
                                 f"({type(exc).__name__}: {exc}); retrain with `zongjie train --force`") from None
        self.thresholds = self.fast.thresholds
        self.init_context(loaded.compiled or {})
        self._explainer: Explainer | None = None
        self._lock = threading.Lock()

    def init_context(self, compiled) -> None:
        """The document-context layer of the compiled model (models trained before it have none)."""
        self.context_layer: np.ndarray | None = None
        self.context_thresholds: np.ndarray | None = None
        if "context_layer" in compiled and compiled["context_cues"].tolist() == list(CONTEXT_CUES):
            self.context_layer = np.asarray(compiled["context_layer"], dtype=float)
            self.context_thresholds = np.asarray(compiled["context_thresholds"], dtype=float)

    @property
    def metadata(self) -> dict:
        return self.loaded.metadata

    @property
    def explainer(self):
        """Built on first use: it needs the feature names, which take a moment to collect."""
        with self._lock:
            if self._explainer is None:
                from serving.scoring.explain import Explainer

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

    def in_context(self, S: np.ndarray, contexts) -> tuple[np.ndarray, np.ndarray]:
        """Scores and thresholds given each paragraph's context vector (`context_vector`), or the
        paragraph-only ones when there is no context or the model has no context layer."""
        if contexts is None or self.context_layer is None or self.context_thresholds is None:
            return S, self.thresholds
        return apply_context(S, np.asarray(contexts, dtype=float), self.context_layer), self.context_thresholds

    def decide(self, S: np.ndarray, thresholds: np.ndarray, titles=None) -> np.ndarray:
        """The decision rule; a document's own title never carries a label (labels/GUIDE.md)."""
        P = decide(S, thresholds, self.labels)
        if titles is not None:
            P[np.asarray(titles, dtype=bool)] = 0
        return P

    def predict(self, texts: list[str], contexts=None, titles=None) -> list[Prediction]:
        """Labels and scores of paragraphs; with `contexts` (one vector per paragraph, see
        `document_context`) scored in the context of their document."""
        if not texts:
            return []
        S, thresholds = self.in_context(self.scores(texts), contexts)
        P = self.decide(S, thresholds, titles)
        return [Prediction(labels=[lab for lab, on in zip(self.labels, p) if on],
                           scores={lab: round(float(s), 6) for lab, s in zip(self.labels, row)})
                for row, p in zip(S, P)]


def document_context(paragraphs) -> tuple[list[list[float]], list[bool]]:
    """Context vectors and title flags of a split document's paragraphs (serving.batch.splitter)."""
    titled = bool(paragraphs) and paragraphs[0].is_title
    contexts = [context_vector(p.headings[0] if titled and p.headings else None,
                               p.headings[1:] if titled else p.headings) for p in paragraphs]
    return contexts, [p.is_title for p in paragraphs]


def request_context(title: str | None, headings: list[str] | None, n: int) -> list[list[float]] | None:
    """The same context for each of `n` paragraphs a client sent with a title or headings."""
    if not title and not headings:
        return None
    return [context_vector(title, tuple(headings or ()))] * n


def load_scorer(models_dir, version: str) -> Predictor:
    """A version's scorer from its fast.npz (plain arrays: nothing in it can run code)."""
    return Predictor(load_compiled(models_dir, version))
