import sys, numpy as np
sys.path.insert(0,'.'); sys.path.insert(0,'docs/experiments')
from sweep import dev
from sklearn.base import clone
from training.train import load_training_data, make_pipeline, TrainSettings, label_matrix
from training.holdout import holdout_docs, split_holdout
from training.crossval import oof_scores, fit_calibration, calibrate, choose_thresholds
from training.decision import decide
from training.metrics import compute_metrics
from training.labelset import LABELS
everything, words = load_training_data('labels')
records, _ = split_holdout(everything, holdout_docs('labels'))
gdocs=sorted({r.doc for r in records if r.genre}); dt,dY=dev()
for seed in (0,1):
  rng=np.random.default_rng(seed); order=rng.permutation(gdocs)
  for f in (0.0,0.33,0.67,1.0):
    keep=set(order[:int(round(f*len(order)))])
    rs=[r for r in records if not r.genre or r.doc in keep]
    texts=[r.text for r in rs]; Y=label_matrix(rs); groups=np.array([r.doc for r in rs])
    pipe=make_pipeline(words, TrainSettings())
    raw=oof_scores(texts,Y,groups,pipe,3); cal=fit_calibration(Y,raw); th=choose_thresholds(Y,calibrate(raw,cal))
    m=clone(pipe).fit(texts,Y); S=calibrate(m.predict_proba(dt),cal); md=compute_metrics(dY,decide(S,th,list(LABELS)),S)
    print(f"seed {seed} genre docs {len(keep)}/{len(gdocs)} records {len(rs)}: dev macro {md['macro_f1']:.3f} micro {md['micro_f1']:.3f}", ' '.join(f"{l}{md['per_label'][l]['f1']:.2f}" for l in LABELS), flush=True)
