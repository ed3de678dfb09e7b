"""The decision rule from scores to labels (numpy only: serving uses it without scikit-learn)."""
from __future__ import annotations

import numpy as np

from .labelset import EXCLUSIVE


def decide(scores: np.ndarray, thresholds: np.ndarray, labels: list[str]) -> np.ndarray:
    """Scores to a 0/1 matrix: above threshold, and only the stronger of 问题 / 计划."""
    chosen = scores >= thresholds
    a, b = labels.index(EXCLUSIVE[0]), labels.index(EXCLUSIVE[1])
    both = chosen[:, a] & chosen[:, b]
    if both.any():
        margin_a = scores[:, a] - thresholds[a]
        margin_b = scores[:, b] - thresholds[b]
        chosen[both & (margin_a < margin_b), a] = False
        chosen[both & (margin_a >= margin_b), b] = False
    return chosen.astype(int)
