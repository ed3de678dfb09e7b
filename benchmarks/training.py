"""Training time with the full report, against the straightforward way measured in the same run.

`zongjie train` fits the pipeline 26 times (5 outer folds with 2 inner ones each, the learning
curve, the final fit). The straightforward way refits every TfidfVectorizer on every fold (each
paragraph segmented and n-grammed 26 times) and solves liblinear's primal problem; zongjie
counts every text once (training/folds.py) and solves the dual. Both must give the same report.

Run: `.venv/bin/python benchmarks/training.py [--labels labels] [--skip-baseline]`
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from sklearn.linear_model import LogisticRegression  # noqa: E402

from training import folds, model  # noqa: E402
from training.train import train  # noqa: E402

TARGET = 60.0  # seconds (issue 11)


def timed_train(labels: str) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as models:
        started = time.perf_counter()
        result = train(labels_dir=labels, models_dir=models, force=True)
        return time.perf_counter() - started, result.report


def _primal(**kwargs):
    """The solver as it was: liblinear's primal problem."""
    return LogisticRegression(**{**kwargs, "dual": False, "random_state": None})


def baseline(labels: str) -> tuple[float, dict]:
    with mock.patch.object(folds, "_shares_counts", lambda pipeline: False), \
         mock.patch.object(model, "LogisticRegression", _primal):
        return timed_train(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", default=os.path.join(os.path.dirname(__file__), "..", "labels"))
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    seconds, report = timed_train(args.labels)
    records = report["data"]["records"]
    print(f"zongjie train (full report): {seconds:.1f} s for {records} records, "
          f"{'meets' if seconds < TARGET else 'misses'} the target of {TARGET:.0f} s; "
          f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"  CV macro-F1 {report['overall']['macro_f1']:.4f}")
    if args.skip_baseline:
        return
    base_seconds, base_report = baseline(args.labels)
    print(f"straightforward (every fold refitted, primal solver): {base_seconds:.1f} s; "
          f"CV macro-F1 {base_report['overall']['macro_f1']:.4f}")
    print(f"speed-up {base_seconds / seconds:.2f}x")


if __name__ == "__main__":
    main()
