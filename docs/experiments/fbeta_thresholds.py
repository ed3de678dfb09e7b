import sys, numpy as np
sys.path.insert(0,'.')
sys.path.insert(0,'docs/experiments')
from sweep import dev
from sklearn.base import clone
from training.train import load_training_data, make_pipeline, TrainSettings, label_matrix
from training.holdout import holdout_docs, split_holdout
from training.crossval import oof_scores, fit_calibration, calibrate, GRID
from training.decision import decide
from training.metrics import compute_metrics
from training.labelset import LABELS
everything, words = load_training_data('labels')
records, _ = split_holdout(everything, holdout_docs('labels'))
texts=[r.text for r in records]; Y=label_matrix(records); groups=np.array([r.doc for r in records])
seed=np.array([r.is_seed for r in records])
pipe=make_pipeline(words, TrainSettings())
raw=oof_scores(texts,Y,groups,pipe,3); cal=fit_calibration(Y,raw); S=calibrate(raw,cal)
model=clone(pipe).fit(texts,Y); dt,dY=dev(); DS=calibrate(model.predict_proba(dt),cal)
def fbeta_th(Yt,St,beta):
    th=np.full(Yt.shape[1],0.5)
    for j in range(Yt.shape[1]):
        y=Yt[:,j]; best=-1
        for g in GRID:
            p=St[:,j]>=g; tp=(p&(y==1)).sum(); fp=(p&(y==0)).sum(); fn=((~p)&(y==1)).sum()
            b2=beta*beta; f=(1+b2)*tp/max((1+b2)*tp+b2*fn+fp,1)
            if f>best+1e-12 or (abs(f-best)<1e-12 and abs(g-0.5)<abs(th[j]-0.5)): best=f; th[j]=g
    return th
for beta in (1.0,1.25,1.5,2.0):
    th=fbeta_th(Y[~seed],S[~seed],beta)
    ms=compute_metrics(Y[seed],decide(S[seed],th,list(LABELS)))
    mc=compute_metrics(Y,decide(S,th,list(LABELS)))
    md=compute_metrics(dY,decide(DS,th,list(LABELS)),DS)
    print(f"beta {beta}: seed macro {ms['macro_f1']:.3f} | cv macro {mc['macro_f1']:.3f} | dev macro {md['macro_f1']:.3f} micro {md['micro_f1']:.3f} |", ' '.join(f"{l}{md['per_label'][l]['f1']:.2f}" for l in LABELS), '| th', ' '.join(f'{x:.2f}' for x in th), flush=True)
