"""Grouped cross-validation: out-of-fold scores, honest thresholds, learning curve."""
from __future__ import annotations

import numpy as np
from sklearn.model_selection import GroupKFold

from .folds import FoldFits
from .labelset import LABELS
from .metrics import compute_metrics, f1_scores
from .model import decide
from .progress import Progress, counted

GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)
NEAR_BEST = 0.01  # F1 within this of the best counts as the best


def grouped_folds(groups, n_splits: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Deterministic folds in which each doc (report) stays on one side."""
    groups = np.asarray(groups)
    n_splits = min(n_splits, len(set(groups)))
    dummy = np.zeros(len(groups))
    return list(GroupKFold(n_splits=n_splits).split(dummy, groups=groups))


def choose_thresholds(Y: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Per label, the middle of the thresholds whose F1 on these scores is within NEAR_BEST of the
    best: the F1 curve is flat near its top, and its argmax moves with every change of the data
    (docs/experiments/robust_thresholds.py: half the spread over document bootstraps)."""
    best = np.full(Y.shape[1], 0.5)
    for j in range(Y.shape[1]):
        if Y[:, j].sum() == 0:
            continue
        preds = (S[:, j][None, :] >= GRID[:, None]).astype(int)
        f1 = f1_scores(np.repeat(Y[:, j][None, :], len(GRID), 0).T, preds.T)
        near = GRID[f1 >= f1.max() - NEAR_BEST]
        best[j] = near[(len(near) - 1) // 2]
    return best


def _logit(S: np.ndarray) -> np.ndarray:
    S = np.clip(S, 1e-12, 1 - 1e-12)
    return np.log(S / (1 - S))


def fit_calibration(Y: np.ndarray, S: np.ndarray) -> list[tuple[float, float]]:
    """Per label, Platt scaling (a, b) of out-of-fold scores: p = sigmoid(a·logit(s) + b)."""
    from sklearn.linear_model import LogisticRegression

    out = []
    for j in range(Y.shape[1]):
        if Y[:, j].min() == Y[:, j].max():
            out.append((1.0, 0.0))
            continue
        lr = LogisticRegression(C=100.0).fit(_logit(S[:, j])[:, None], Y[:, j])
        out.append((float(lr.coef_[0, 0]), float(lr.intercept_[0])))
    return out


def calibrate(S: np.ndarray, calibration: list[tuple[float, float]]) -> np.ndarray:
    a, b = (np.asarray(x, dtype=float) for x in zip(*calibration))
    return 1.0 / (1.0 + np.exp(-(_logit(S) * a + b)))


def oof_scores(texts, Y, groups, pipeline, n_splits: int, progress: Progress | None = None) -> np.ndarray:
    """Out-of-fold per-label scores of a fresh clone of `pipeline` on grouped folds."""
    return _oof_scores(FoldFits(pipeline, texts), np.arange(len(Y)), Y, np.asarray(groups), n_splits,
                       progress)


def _oof_scores(fits: FoldFits, rows: np.ndarray, Y, groups, n_splits: int,
                progress: Progress | None = None) -> np.ndarray:
    """`oof_scores` over the texts `rows` of `fits` (Y and groups: of those rows)."""
    S = np.zeros(Y.shape, dtype=float)
    for train, test in counted(progress, "cross-validation folds", grouped_folds(groups, n_splits)):
        S[test] = fits.scores(rows[train], rows[test], Y[train])
    return S


def nested_predictions(texts, Y, groups, pipeline, *, n_splits: int, inner_splits: int,
                       progress: Progress | None = None, fits: FoldFits | None = None):
    """Outer grouped folds; each fold's calibration and thresholds come from an inner grouped CV
    of its training part only, so the reported figures never see the data they were tuned on.

    Returns (calibrated scores, predictions, raw uncalibrated scores), all out of fold.
    `fits`: the texts' counts when already taken (`FoldFits(pipeline, texts)`).
    """
    fits = FoldFits(pipeline, texts) if fits is None else fits.with_pipeline(pipeline)
    groups = np.asarray(groups)
    S = np.zeros(Y.shape, dtype=float)
    raw = np.zeros(Y.shape, dtype=float)
    P = np.zeros(Y.shape, dtype=int)
    folds = grouped_folds(groups, n_splits)

    def outer(k: int):
        train, test = folds[k]
        inner = _oof_scores(fits, train, Y[train], groups[train], inner_splits)
        calibration = fit_calibration(Y[train], inner)
        thresholds = choose_thresholds(Y[train], calibrate(inner, calibration))
        return fits.scores(train, test, Y[train]), calibration, thresholds

    fits_by_fold = [outer(k) for k in counted(progress, "cross-validation folds", range(len(folds)))]
    for (_, test), (scores, calibration, thresholds) in zip(folds, fits_by_fold):
        raw[test] = scores
        S[test] = calibrate(raw[test], calibration)
        P[test] = decide(S[test], thresholds, list(LABELS))
    return S, P, raw


def learning_curve(texts, Y, groups, pipeline, *, n_splits: int, fractions=(0.25, 0.5, 1.0),
                   thresholds: np.ndarray, seed: int = 0, full: np.ndarray | None = None,
                   progress: Progress | None = None, fits: FoldFits | None = None) -> list[dict]:
    """Grouped-CV figures when training on a fraction of each fold's training docs.

    Thresholds are the final model's, so the curve shows what more documents buy, not tuning.
    `full`: the out-of-fold scores of the same pipeline on whole training folds, when already
    computed (nested_predictions' raw scores, calibrated): the last point costs no fit then.
    `fits`: the texts' counts when already taken, as for `nested_predictions`.
    """
    fits = FoldFits(pipeline, texts) if fits is None else fits.with_pipeline(pipeline)
    groups = np.asarray(groups)
    folds = grouped_folds(groups, n_splits)
    rng = np.random.RandomState(seed)
    orders = [rng.permutation(sorted(set(groups[train]))) for train, _ in folds]
    jobs = [(fraction, k) for fraction in fractions for k in range(len(folds))
            if not (fraction == 1.0 and full is not None)]

    def fit_part(i: int) -> np.ndarray:
        fraction, k = jobs[i]
        (train, test), order = folds[k], orders[k]
        keep = set(order[:max(1, int(round(fraction * len(order))))])
        sub = train[np.isin(groups[train], list(keep))]
        return fits.scores(sub, test, Y[sub])

    parts = [fit_part(i) for i in counted(progress, "learning curve fits", range(len(jobs)))]
    curve = []
    for fraction in fractions:
        S = full.copy() if fraction == 1.0 and full is not None else np.zeros(Y.shape, dtype=float)
        for (f, k), scores in zip(jobs, parts):
            if f == fraction:
                S[folds[k][1]] = scores
        P = decide(S, thresholds, list(LABELS))
        m = compute_metrics(Y, P)
        curve.append({"fraction": fraction, "docs": int(round(fraction * len(orders[0]))),
                      "micro_f1": m["micro_f1"], "macro_f1": m["macro_f1"]})
    return curve


def fit_context_layer(Y: np.ndarray, S: np.ndarray, C: np.ndarray, labels=LABELS) -> np.ndarray:
    """Per discourse label, logistic regression of the label on (logit of the calibrated
    out-of-fold score, context indicators): the rows (a, w…, b) that `apply_context` uses.
    Topic labels keep their scores (a = 1, w = 0, b = 0): a plan or a report is what context tells."""
    from sklearn.linear_model import LogisticRegression

    from .labelset import EXCLUSIVE

    layer = np.zeros((Y.shape[1], C.shape[1] + 2))
    layer[:, 0] = 1.0
    for j, label in enumerate(labels):
        if label not in EXCLUSIVE or Y[:, j].min() == Y[:, j].max():
            continue
        lr = LogisticRegression(C=10.0).fit(np.column_stack([_logit(S[:, j]), C]), Y[:, j])
        layer[j, :-1] = lr.coef_[0]
        layer[j, -1] = lr.intercept_[0]
    return layer


def context_predictions(Y, S, C, groups, n_splits: int):
    """Out-of-fold scores and predictions with context: the layer and its thresholds fitted on
    the other folds' (already out-of-fold) scores."""
    from .context import apply_context

    SC = np.zeros_like(S)
    P = np.zeros(Y.shape, dtype=int)
    for train, test in grouped_folds(groups, n_splits):
        layer = fit_context_layer(Y[train], S[train], C[train])
        thresholds = choose_thresholds(Y[train], apply_context(S[train], C[train], layer))
        SC[test] = apply_context(S[test], C[test], layer)
        P[test] = decide(SC[test], thresholds, list(LABELS))
    return SC, P
