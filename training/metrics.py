"""Multi-label metrics: F1 (micro, macro, per label), exact match, calibration, confusions."""
from __future__ import annotations

from collections import Counter

import numpy as np

from .labelset import LABELS


def _prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def f1_scores(Y: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Per-label F1 of a 0/1 prediction matrix."""
    tp = (Y & P).sum(0)
    fp = ((1 - Y) & P).sum(0)
    fn = (Y & (1 - P)).sum(0)
    return np.array([_prf(*x)[2] for x in zip(tp, fp, fn)])


def reliability(Y: np.ndarray, S: np.ndarray, bins: int = 10) -> tuple[float, list[dict]]:
    """Expected calibration error over all (paragraph, label) scores, and the diagram's bins."""
    y, s = Y.ravel().astype(float), S.ravel()
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(s, edges[1:-1]), 0, bins - 1)
    table, ece = [], 0.0
    for b in range(bins):
        mask = index == b
        if not mask.any():
            continue
        mean_score, frac = float(s[mask].mean()), float(y[mask].mean())
        ece += mask.sum() / len(s) * abs(mean_score - frac)
        table.append({"bin": [round(float(edges[b]), 2), round(float(edges[b + 1]), 2)],
                      "count": int(mask.sum()), "mean_score": mean_score, "observed": frac})
    return float(ece), table


def confusions(Y: np.ndarray, P: np.ndarray, labels=LABELS, top: int = 10) -> list[dict]:
    """The most frequent errors: a missed label paired with what was predicted instead."""
    counts: Counter = Counter()
    for y, p in zip(Y, P):
        missed = [labels[j] for j in np.flatnonzero(y & (1 - p))]
        spurious = [labels[j] for j in np.flatnonzero((1 - y) & p)]
        for m in missed:
            for s in spurious or ["(nothing)"]:
                counts[(m, s)] += 1
        if not missed:
            for s in spurious:
                counts[("(nothing)", s)] += 1
    return [{"true": t, "predicted": p, "count": c} for (t, p), c in counts.most_common(top)]


def compute_metrics(Y: np.ndarray, P: np.ndarray, S: np.ndarray | None = None,
                    labels=LABELS) -> dict:
    """All the report's figures for one set of paragraphs."""
    Y, P = np.asarray(Y, dtype=int), np.asarray(P, dtype=int)
    tp, fp, fn = (Y & P).sum(0), ((1 - Y) & P).sum(0), (Y & (1 - P)).sum(0)
    per_label = {}
    for j, label in enumerate(labels):
        precision, recall, f1 = _prf(tp[j], fp[j], fn[j])
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1,
                            "support": int(Y[:, j].sum())}
    present = [j for j in range(len(labels)) if Y[:, j].sum() > 0]
    macro = float(np.mean([per_label[labels[j]]["f1"] for j in present])) if present else 0.0
    out = {
        "paragraphs": int(len(Y)),
        "micro_f1": _prf(tp.sum(), fp.sum(), fn.sum())[2],
        "macro_f1": macro,
        "exact_match": float((Y == P).all(1).mean()) if len(Y) else 0.0,
        "per_label": per_label,
        "confusions": confusions(Y, P, labels),
    }
    if S is not None:
        S = np.asarray(S, dtype=float)
        out["brier"] = float(((S - Y) ** 2).mean()) if len(Y) else 0.0
        out["ece"], out["reliability"] = reliability(Y, S)
    return out
