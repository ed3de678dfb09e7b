"""Threshold rules compared: 5-fold grouped out-of-fold scores (as `zongjie train`) give calibration;
each rule picks thresholds on them; judged without the development set first (threshold spread over
document bootstraps, F1 on held-out halves of the documents, F1 on the seed paragraphs when chosen
on the authored ones), then once on the development set. Run: .venv/bin/python docs/experiments/robust_thresholds.py
"""
import json
import sys
import time

import numpy as np

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from sklearn.base import clone  # noqa: E402

from training.crossval import GRID, NEAR_BEST, calibrate, choose_thresholds, fit_calibration, oof_scores  # noqa: E402
from training.decision import decide  # noqa: E402
from training.holdout import holdout_docs, split_holdout  # noqa: E402
from training.labelset import LABELS  # noqa: E402
from training.metrics import compute_metrics, f1_scores  # noqa: E402
from training.train import TrainSettings, label_matrix, load_training_data, make_pipeline  # noqa: E402


def f1_curve(y, s):
    """F1 at every GRID threshold, as choose_thresholds computes it."""
    preds = (s[None, :] >= GRID[:, None]).astype(int)
    return f1_scores(np.repeat(y[None, :], len(GRID), 0).T, preds.T)


def doc_bootstrap_curves(y, s, groups, rng, n=200):
    docs = np.unique(groups)
    index = {d: np.flatnonzero(groups == d) for d in docs}
    out = []
    for _ in range(n):
        rows = np.concatenate([index[d] for d in rng.choice(docs, len(docs))])
        out.append(f1_curve(y[rows], s[rows]))
    return np.array(out)


def rule_argmax(Y, S, groups):
    """The rule in service before (TRAINER_REVISION 3): the best F1, ties nearest 0.5."""
    out = np.full(Y.shape[1], 0.5)
    for j in range(Y.shape[1]):
        if Y[:, j].sum():
            c = f1_curve(Y[:, j], S[:, j])
            top = np.flatnonzero(np.isclose(c, c.max()))
            out[j] = GRID[top[np.argmin(np.abs(GRID[top] - 0.5))]]
    return out


def rule_smoothed(Y, S, groups):
    """The argmax of the F1 curve averaged over document bootstraps."""
    rng = np.random.default_rng(0)
    return np.array([GRID[np.argmax(doc_bootstrap_curves(Y[:, j], S[:, j], groups, rng).mean(0))]
                     for j in range(Y.shape[1])])


def rule_plateau_low(Y, S, groups):
    out = []
    for j in range(Y.shape[1]):
        c = f1_curve(Y[:, j], S[:, j])
        near = GRID[c >= c.max() - NEAR_BEST]
        out.append(near.min())
    return np.array(out)


def rule_plateau_mid(Y, S, groups):
    """The rule merged: training/crossval.py::choose_thresholds."""
    return choose_thresholds(Y, S)


RULES = {"argmax": rule_argmax, "smoothed": rule_smoothed, "plateau-mid": rule_plateau_mid,
         "plateau-low": rule_plateau_low}


def macro(Y, S, th):
    return compute_metrics(Y, decide(S, th, list(LABELS)))


def main():
    t = time.time()
    everything, words = load_training_data(str(ROOT / "labels"))
    records, _ = split_holdout(everything, holdout_docs(str(ROOT / "labels")))
    texts = [r.text for r in records]
    Y = label_matrix(records)
    groups = np.array([r.doc for r in records])
    seed = np.array([r.is_seed for r in records])
    pipe = make_pipeline(words, TrainSettings())
    raw = oof_scores(texts, Y, groups, pipe, 5)
    cal = fit_calibration(Y, raw)
    S = calibrate(raw, cal)
    dev = [json.loads(line) for line in open(ROOT.parent / "shared/devset/real_dev.jsonl", encoding="utf-8")]
    dY = np.array([[int(lab in r["labels"]) for lab in LABELS] for r in dev])
    dS = calibrate(clone(pipe).fit(texts, Y).predict_proba([r["text"] for r in dev]), cal)
    print(f"{len(records)} records, {len(set(groups))} docs, fits {time.time() - t:.0f} s")
    rng = np.random.default_rng(1)
    docs = np.unique(groups)
    halves = []
    for _ in range(30):
        a = set(rng.choice(docs, len(docs) // 2, replace=False))
        halves.append(np.array([g in a for g in groups]))
    for name, rule in RULES.items():
        th = rule(Y, S, groups)
        spread = []
        for _ in range(20):
            rows = np.concatenate([np.flatnonzero(groups == d) for d in rng.choice(docs, len(docs))])
            spread.append(rule(Y[rows], S[rows], groups[rows]) if name != "smoothed" else th)
        spread = np.std(spread, 0).mean() if name != "smoothed" else float("nan")
        half = np.mean([macro(Y[~m], S[~m], rule(Y[m], S[m], groups[m]))["macro_f1"] for m in halves[:10]])
        seed_m = macro(Y[seed], S[seed], rule(Y[~seed], S[~seed], groups[~seed]))["macro_f1"]
        d = macro(dY, dS, th)
        per = " ".join(f"{lab} {d['per_label'][lab]['f1']:.2f}" for lab in LABELS)
        print(f"{name:12s} th {' '.join(f'{x:.2f}' for x in th)} | spread {spread:.3f} | held-out half "
              f"{half:.3f} | seeds {seed_m:.3f} | dev {d['macro_f1']:.3f}/{d['micro_f1']:.3f} {per}", flush=True)


if __name__ == "__main__":
    main()
