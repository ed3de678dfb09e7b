"""`zongjie evaluate`: the report's metrics for any labelled JSON Lines file and a saved model."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import artifact
from .dataset import read_file
from .labelset import LABELS
from .metrics import compute_metrics
from .model import decide


def score_file(loaded: artifact.LoadedModel, data: str | Path) -> dict:
    """The metrics of one loaded model on a labelled file, and per `genre` where records give one."""
    records = read_file(data, strict=False)
    Y = np.array([[int(label in r.labels) for label in LABELS] for r in records], dtype=int)
    S = loaded.pipeline.predict_proba([r.text for r in records])
    P = decide(S, loaded.pipeline[-1].thresholds_, list(LABELS))
    metrics = compute_metrics(Y, P, S)
    genres = np.array([r.genre for r in records])
    if genres.any():
        metrics["by_genre"] = {}
        for genre in sorted(set(genres) - {""}):
            at = genres == genre
            m = compute_metrics(Y[at], P[at], S[at])
            metrics["by_genre"][genre] = {"paragraphs": int(at.sum()), "micro_f1": m["micro_f1"],
                                          "exact_match": m["exact_match"]}
    metrics["data"] = str(data)
    return metrics


def evaluate_file(*, models_dir: str | Path, version: str | None, data: str | Path) -> dict:
    """Score a labelled file (records need `text` and `labels`; other fields are ignored)."""
    loaded = (artifact.load_version(models_dir, version) if version
              else artifact.load_current(models_dir))
    metrics = score_file(loaded, data)
    metrics["model"] = loaded.version
    return metrics
