"""`zongjie labels audit`: records whose labels disagree most with out-of-fold predictions."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .crossval import calibrate, choose_thresholds, fit_calibration, oof_scores
from .decision import decide
from .labelset import LABELS
from .progress import Progress
from .train import TrainSettings, label_matrix, load_training_data, make_pipeline


def audit(*, labels_dir: str | Path, top: int = 30, settings: TrainSettings = TrainSettings(),
          progress: Progress | None = None) -> list[dict]:
    """The `top` records most likely mislabelled, by the summed gap between label and score;
    `progress` hears the cross-validation folds."""
    records, words = load_training_data(labels_dir)
    Y = label_matrix(records)
    groups = np.array([r.doc for r in records])
    raw = oof_scores([r.text for r in records], Y, groups, make_pipeline(words, settings), settings.folds,
                     progress)
    S = calibrate(raw, fit_calibration(Y, raw))
    thresholds = choose_thresholds(Y, S)
    P = decide(S, thresholds, list(LABELS))  # the rule shown everywhere: at most one of 问题 / 计划
    gap = np.abs(Y - S).sum(axis=1)
    out = []
    for i in np.argsort(-gap, kind="stable")[:top]:
        r = records[i]
        predicted = [label for label, on in zip(LABELS, P[i]) if on]
        out.append({"path": r.path, "line": r.line, "id": r.id, "text": r.text, "labels": list(r.labels),
                    "predicted": predicted, "disagreement": round(float(gap[i]), 3),
                    "scores": {label: round(float(s), 3) for label, s in zip(LABELS, S[i])}})
    return out
