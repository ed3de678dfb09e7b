"""Settings sweep: 3-fold grouped out-of-fold scores give calibration and thresholds, a fit on all of labels/ (less the comparison set) is scored on the development set. Run: .venv/bin/python docs/experiments/sweep.py NAME:key=value,... (e.g. c4:C=4 nodisc:discourse=False)."""
import sys, json, time, numpy as np
ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from sklearn.base import clone
from training.train import load_training_data, make_pipeline, TrainSettings, label_matrix
from training.holdout import holdout_docs, split_holdout
from training.crossval import oof_scores, fit_calibration, calibrate, choose_thresholds
from training.decision import decide
from training.metrics import compute_metrics
from training.labelset import LABELS

def dev():
    recs = [json.loads(l) for l in open(str(ROOT.parent / "shared/devset/real_dev.jsonl"), encoding="utf-8")]
    return [r["text"] for r in recs], np.array([[int(l in r["labels"]) for l in LABELS] for r in recs])

def run(name, settings, group_key="doc", folds=3, records_filter=None):
    t = time.time()
    everything, words = load_training_data(str(ROOT / "labels"))
    records, _ = split_holdout(everything, holdout_docs(str(ROOT / "labels")))
    texts = [r.text for r in records]; Y = label_matrix(records)
    groups = np.array([getattr(r, group_key) or r.doc for r in records]) if group_key != "doc" else np.array([r.doc for r in records])
    pipe = make_pipeline(words, settings)
    raw = oof_scores(texts, Y, groups, pipe, folds)
    cal = fit_calibration(Y, raw); th = choose_thresholds(Y, calibrate(raw, cal))
    model = clone(pipe).fit(texts, Y)
    dt, dY = dev()
    S = calibrate(model.predict_proba(dt), cal); P = decide(S, th, list(LABELS))
    m = compute_metrics(dY, P, S)
    per = " ".join(f"{l}{m['per_label'][l]['f1']:.2f}" for l in LABELS)
    cvm = compute_metrics(Y, decide(calibrate(raw, cal), th, list(LABELS)))
    line = f"{name}: dev macro {m['macro_f1']:.3f} micro {m['micro_f1']:.3f} | {per} | cv macro {cvm['macro_f1']:.3f} | th {' '.join(f'{x:.2f}' for x in th)} | {time.time()-t:.0f}s"
    print(line, flush=True)
    
    return m

def conv1(k, v):
    if v == "None": return None
    if k in ("C", "discourse_weight"): return float(v)
    if k == "char_ngrams": return tuple(int(x) for x in v.split("-"))
    if k == "min_df": return int(v)
    if k == "discourse": return v == "True"
    return v

if __name__ == "__main__":
    import dataclasses
    for spec in sys.argv[1:]:
        name, _, kv = spec.partition(":")
        kw = dict(x.split("=") for x in kv.split(",") if x)
        group = kw.pop("group", "doc")
        conv = {k: conv1(k, v) for k, v in kw.items()}
        run(name, dataclasses.replace(TrainSettings(), **conv), group_key=group)
