"""`zongjie evaluate`: the report's metrics for any labelled JSON Lines file and a saved model."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import artifact
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
    Y = np.array([[int(label in r.labels) for label in LABELS] for r in records], dtype=int)
    S = scorer.scores([r.text for r in records])
    return Y, compute_metrics(Y, decide(S, scorer.thresholds, list(LABELS)), S)


def evaluate_file(*, models_dir: str | Path, version: str | None, data: str | Path,
                  load=load_pipeline) -> dict:
    """Score a labelled file (records need `text` and `labels`; other fields are ignored)."""
    scorer = load(models_dir, version or artifact.require_current(models_dir))
    _, metrics = score(scorer, read_file(data, strict=False))
    metrics["model"] = scorer.metadata["version"]
    metrics["data"] = str(data)
    return metrics
