"""Shared helpers for the benchmarks: the model in service (trained if missing), sample paragraphs."""
from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def ensure_model(models_dir: Path = ROOT / "models", labels_dir: Path = ROOT / "labels") -> str:
    from training import artifact
    from training.train import TrainSettings, train

    version = artifact.current_version(models_dir)
    if version is None:
        version = train(labels_dir=labels_dir, models_dir=models_dir,
                        settings=TrainSettings(learning_curve=False), promote=True).version
    return version


def sample_paragraphs(labels_dir: Path = ROOT / "labels") -> list[str]:
    texts = []
    for path in sorted((labels_dir / "data").glob("*.jsonl")):
        with open(path, encoding="utf-8") as handle:
            texts.extend(json.loads(line)["text"] for line in handle if line.strip())
    return texts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def zongjie() -> list[str]:
    script = Path(sys.executable).parent / "zongjie"
    return [str(script)] if script.exists() else [sys.executable, "-m", "serving.cli"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] if ordered else 0.0


def single_latency(texts: list[str]) -> float:
    """p50 seconds of an in-process `Predictor.predict` of one paragraph (the API's path), each
    of `texts` once, with the model in service."""
    from serving.scoring.predictor import Predictor
    from training import artifact

    models = ROOT / "models"
    predictor = Predictor(artifact.load_compiled(models, artifact.require_current(models)))
    predictor.predict(texts[:1])
    times = []
    for text in texts:
        start = time.perf_counter()
        predictor.predict([text])
        times.append(time.perf_counter() - start)
    return percentile(times, 50)
