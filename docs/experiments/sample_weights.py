"""Experiment: sample weights by genre (down-weight the dominant bureau-summary documents).
Run: .venv/bin/python docs/experiments/sample_weights.py NAME:POWER:BUREAU_FACTOR:SHORT_FACTOR ..."""
import sys, time, collections, numpy as np
ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT / "docs/experiments"))
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
import training.model as tm
from training.train import load_training_data, make_pipeline, TrainSettings, label_matrix
from training.holdout import holdout_docs, split_holdout
from training.crossval import fit_calibration, calibrate, choose_thresholds, grouped_folds
from training.decision import decide
from training.metrics import compute_metrics
from training.labelset import LABELS
from sweep import dev

def fit(self, X, Y, sample_weight=None):
    Y = np.asarray(Y); self.classes_ = np.array(self.labels); self.estimators_ = []
    for j in range(Y.shape[1]):
        clf = LogisticRegression(C=self.C, class_weight=self.class_weight, solver="liblinear", max_iter=1000)
        self.estimators_.append(clf.fit(X, Y[:, j], sample_weight=sample_weight))
    self.thresholds_ = np.full(len(self.labels), 0.5)
    self.coef_ = np.vstack([e.coef_.ravel() for e in self.estimators_])
    self.intercept_ = np.array([e.intercept_[0] for e in self.estimators_])
    return self
tm.MultiLabelLinear.fit = fit

def run(name, power, bureau_factor=1.0, short_factor=1.0, folds=3):
    t = time.time()
    everything, words = load_training_data(str(ROOT / "labels"))
    records, _ = split_holdout(everything, holdout_docs(str(ROOT / "labels")))
    texts = np.array([r.text for r in records], dtype=object); Y = label_matrix(records)
    genre = [getattr(r, "genre", None) or "?" for r in records]
    cnt = collections.Counter(genre)
    w = np.array([cnt[g] ** -power for g in genre], dtype=float)
    w *= np.array([bureau_factor if g == "?" else 1.0 for g in genre])
    w *= np.array([short_factor if g.startswith("单句") else 1.0 for g in genre])
    w *= len(w) / w.sum()
    groups = np.array([r.doc for r in records])
    pipe = make_pipeline(words, TrainSettings())
    raw = np.zeros(Y.shape)
    for tr, te in grouped_folds(groups, folds):
        m = clone(pipe).fit(list(texts[tr]), Y[tr], classify__sample_weight=w[tr])
        raw[te] = m.predict_proba(list(texts[te]))
    cal = fit_calibration(Y, raw); th = choose_thresholds(Y, calibrate(raw, cal))
    model = clone(pipe).fit(list(texts), Y, classify__sample_weight=w)
    dt, dY = dev()
    S = calibrate(model.predict_proba(dt), cal); P = decide(S, th, list(LABELS))
    m = compute_metrics(dY, P, S)
    per = " ".join(f"{l}{m['per_label'][l]['f1']:.2f}" for l in LABELS)
    cvm = compute_metrics(Y, decide(calibrate(raw, cal), th, list(LABELS)))
    print(f"{name}: dev macro {m['macro_f1']:.3f} micro {m['micro_f1']:.3f} | {per} | cv {cvm['macro_f1']:.3f} | {time.time()-t:.0f}s", flush=True)

if __name__ == "__main__":
    for spec in sys.argv[1:]:
        name, p, b, s = spec.split(":")
        run(name, float(p), float(b), float(s))
