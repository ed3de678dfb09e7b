"""The baseline of benchmarks/batch.py, in a process of its own as `zongjie tag` is: the same
reading, splitting and writing (serving.batch.run.run_tag, one process), with every score from the
reference scikit-learn Pipeline (jieba with the domain dictionary, TfidfVectorizer, one-vs-rest
logistic regression) that the fast path must equal.

Run: `.venv/bin/python benchmarks/_reference_tag.py ARCHIVE OUT.jsonl`
"""
from __future__ import annotations

import sys

from _common import ROOT


def main() -> None:
    from serving.batch.run import run_tag
    from serving.scoring.predictor import Predictor
    from training import artifact
    from training.segment import _cut

    class Reference(Predictor):
        def __init__(self, loaded):  # no compiled fast path: the pipeline alone
            self.loaded, self.version = loaded, loaded.version
            self.labels = list(loaded.metadata["labels"])
            self.thresholds = loaded.pipeline.named_steps["classify"].thresholds_
            self.init_context(artifact.load_compiled(ROOT / "models", loaded.version).compiled)

        def scores(self, texts):
            _cut.cache_clear()  # no memo of segmentations across batches, as in a plain pipeline
            return self.loaded.pipeline.predict_proba(texts)

    archive, out = sys.argv[1:3]
    run_tag([archive], out=out, fmt="jsonl", model=Reference(artifact.load_current(ROOT / "models")),
            overwrite=True)


if __name__ == "__main__":
    main()
