"""`zongjie evaluate`: the report's metrics for any labelled JSON Lines file and a saved model."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import artifact
from .context import apply_context, context_vector
from .dataset import read_file
from .labelset import LABELS
from .metrics import compute_metrics
from .model import decide


class PipelineScorer:
    """Scores with the scikit-learn pipeline: a model being trained, or one unpickled from
    model.joblib (which can run code: commands pass a scorer of fast.npz instead)."""

    def __init__(self, loaded: artifact.LoadedModel):
        self.metadata = loaded.metadata
        self.pipeline = loaded.pipeline
        self.thresholds = loaded.pipeline[-1].thresholds_

    def scores(self, texts: list[str]) -> np.ndarray:
        return self.pipeline.predict_proba(texts)


def load_pipeline(models_dir: str | Path, version: str) -> PipelineScorer:
    return PipelineScorer(artifact.load_version(models_dir, version))


def score(scorer, records) -> tuple[np.ndarray, dict]:
    """(true label matrix, metrics) of `scorer` (anything with .scores and .thresholds)."""
    Y, _, _, metrics = _scored(scorer, records)
    return Y, metrics


def _scored(scorer, records):
    Y = np.array([[int(label in r.labels) for label in LABELS] for r in records], dtype=int)
    S = scorer.scores([r.text for r in records])
    P = decide(S, scorer.thresholds, list(LABELS))
    return Y, P, S, compute_metrics(Y, P, S)


def score_file(scorer, data: str | Path, context=None) -> dict:
    """The metrics of a scorer on a labelled file, and per `genre` where records give one.

    With `context` (the context layer's rows and thresholds) and records that name their `genre`,
    also the metrics with each genre read as its document's title ("小学安全工作计划"), as the
    batch labeller reads a document's title: metrics["genre_as_title"]."""
    records = read_file(data, strict=False)
    Y, P, S, metrics = _scored(scorer, records)
    genres = np.array([r.genre for r in records])
    if genres.any() and context is not None:
        layer, thresholds = context
        SC = apply_context(S, np.array([context_vector(r.genre or None, ()) for r in records]), layer)
        metrics["genre_as_title"] = compute_metrics(Y, decide(SC, np.asarray(thresholds), list(LABELS)), SC)
    if genres.any():
        metrics["by_genre"] = {}
        for genre in sorted(set(genres) - {""}):
            at = genres == genre
            m = compute_metrics(Y[at], P[at], S[at])
            metrics["by_genre"][genre] = {"paragraphs": int(at.sum()), "micro_f1": m["micro_f1"],
                                          "exact_match": m["exact_match"]}
    metrics["data"] = str(data)
    return metrics


def evaluate_file(*, models_dir: str | Path, version: str | None, data: str | Path,
                  load=load_pipeline) -> dict:
    """Score a labelled file (records need `text` and `labels`; other fields are ignored)."""
    scorer = load(models_dir, version or artifact.require_current(models_dir))
    layer, thresholds = getattr(scorer, "context_layer", None), getattr(scorer, "context_thresholds", None)
    metrics = score_file(scorer, data, None if layer is None else (layer, thresholds))
    metrics["model"] = scorer.metadata["version"]
    return metrics
