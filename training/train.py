"""The trainer: labelled records in, an evaluated and versioned model artifact out."""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from . import artifact
from .context import CONTEXT_CUES, apply_context, contexts_of_records
from .folds import FoldFits
from .crossval import (calibrate, choose_thresholds, context_predictions, fit_calibration,
                       fit_context_layer, learning_curve, nested_predictions)
from .dataset import Record, load_records
from .compiled import FILE as COMPILED_FILE, compile_pipeline, to_bytes
from .compare import compare_versions, promotion_refusal, score_records
from .scoring import PipelineScorer, load_pipeline, score_file
from .segment import read_dictionary
from .holdout import holdout_docs, split_holdout
from .errors import ModelError
from .labelset import LABELS
from .metrics import compute_metrics
from .model import build_pipeline
from .progress import Progress, report as tell
from .report import render_html, render_text

DICTIONARY_FILE = "dictionary.txt"
TRAINER_REVISION = 4  # bump when a code change alters what the same data and settings produce
SHORT = 40  # characters: a sentence typed into the API, a heading


@dataclass(frozen=True)
class TrainSettings:
    C: float = 8.0
    class_weight: str | None = None
    char_ngrams: tuple[int, int] = (1, 3)
    min_df: int = 2
    discourse: bool = True
    discourse_weight: float = 0.5
    folds: int = 5
    inner_folds: int = 2
    learning_curve: bool = True


@dataclass
class TrainResult:
    version: str
    path: Path
    reused: bool
    report: dict
    promoted: bool = False
    metadata: dict = field(default_factory=dict)
    refused: str | None = None  # why --promote did not put it in service


def label_matrix(records: list[Record]) -> np.ndarray:
    return np.array([[int(label in r.labels) for label in LABELS] for r in records], dtype=int)


def fingerprint(records: list[Record], words: tuple[str, ...], settings: TrainSettings,
                holdout: frozenset[str] = frozenset()) -> str:
    """Hash of everything that decides the model: the records, the dictionary, the settings."""
    digest = hashlib.sha256()
    payload = {"records": sorted((r.id, r.text, list(r.labels), r.doc) for r in records),
               "dictionary": list(words), "settings": asdict(settings), "holdout": sorted(holdout),
               "labels": list(LABELS), "revision": TRAINER_REVISION}
    digest.update(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def load_training_data(labels_dir: str | Path) -> tuple[list[Record], tuple[str, ...]]:
    records = load_records(labels_dir)
    path = Path(labels_dir) / DICTIONARY_FILE
    words = read_dictionary(path) if path.exists() else ()
    return records, words


def make_pipeline(words: tuple[str, ...], settings: TrainSettings, thresholds=None, calibration=None):
    return build_pipeline(domain_words=words, C=settings.C, class_weight=settings.class_weight,
                          thresholds=thresholds, calibration=calibration,
                          char_ngrams=(settings.char_ngrams[0], settings.char_ngrams[1]),
                          min_df=settings.min_df, discourse=settings.discourse,
                          discourse_weight=settings.discourse_weight)


def _subset_metrics(mask: np.ndarray, Y, P, S) -> dict | None:
    return compute_metrics(Y[mask], P[mask], S[mask]) if mask.any() else None


def evaluate_records(records: list[Record], words: tuple[str, ...], settings: TrainSettings,
                     progress: Progress | None = None) -> tuple[dict, np.ndarray, list]:
    """The grouped cross-validation report, and the thresholds and calibration for the final model."""
    texts = [r.text for r in records]
    Y = label_matrix(records)
    groups = np.array([r.doc for r in records])
    pipeline = make_pipeline(words, settings)
    fits = FoldFits(pipeline, texts)  # every text analysed once, for all the fits below
    S, P, raw = nested_predictions(texts, Y, groups, pipeline, n_splits=settings.folds,
                                   inner_splits=settings.inner_folds, progress=progress, fits=fits)
    calibration = fit_calibration(Y, raw)
    thresholds = choose_thresholds(Y, calibrate(raw, calibration))
    seed = np.array([r.is_seed for r in records])
    genre = np.array([bool(r.genre) for r in records])
    report: dict[str, Any] = {
        "evaluation": f"grouped {settings.folds}-fold cross-validation by doc; calibration and thresholds tuned "
                      f"inside each training fold ({settings.inner_folds}-fold)",
        "overall": compute_metrics(Y, P, S),
        "seed": _subset_metrics(seed, Y, P, S),
        "authored": _subset_metrics(~seed, Y, P, S),
        "bureau": _subset_metrics(~genre, Y, P, S) if genre.any() else None,
        "genres": _subset_metrics(genre, Y, P, S),
        "short": _subset_metrics(np.array([len(r.text) <= SHORT for r in records]), Y, P, S),
        "thresholds": dict(zip(LABELS, map(float, thresholds))),
        "calibration": dict(zip(LABELS, calibration)),
        "data": {"records": len(records), "docs": int(len(set(groups))),
                 "seed_records": int(seed.sum()), "authored_records": int((~seed).sum())},
    }
    # Document context (title and headings above each paragraph), for the batch labeller and
    # /v1/classify/document: a second layer over the out-of-fold scores, evaluated out of fold.
    C = np.array(contexts_of_records(records))
    SC, PC = context_predictions(Y, S, C, groups, settings.folds)
    report["context"] = compute_metrics(Y, PC, SC)
    layer = fit_context_layer(Y, S, C)
    report["context_layer"] = {
        "cues": list(CONTEXT_CUES), "rows": layer.tolist(),
        "thresholds": choose_thresholds(Y, apply_context(S, C, layer)).tolist()}
    if settings.learning_curve:
        report["learning_curve"] = learning_curve(
            texts, Y, groups, make_pipeline(words, settings, calibration=calibration),
            n_splits=settings.folds, thresholds=thresholds, full=calibrate(raw, calibration),
            progress=progress, fits=fits)
    return report, thresholds, calibration


def find_version(models_dir: str | Path, fp: str) -> dict | None:
    matches = [m for m in artifact.list_versions(models_dir) if m.get("fingerprint") == fp]
    return matches[-1] if matches else None


def headline(report: dict) -> dict:
    overall = report["overall"]
    out = {"macro_f1": overall["macro_f1"], "micro_f1": overall["micro_f1"],
           "exact_match": overall["exact_match"], "ece": overall.get("ece")}
    if report.get("seed"):
        out["seed_macro_f1"] = report["seed"]["macro_f1"]
    if report.get("holdout"):
        out["holdout_macro_f1"] = report["holdout"]["macro_f1"]
    if report.get("devset"):
        out["devset_macro_f1"] = report["devset"]["macro_f1"]
        out["devset_micro_f1"] = report["devset"]["micro_f1"]
    return out


def train(*, labels_dir: str | Path, models_dir: str | Path, settings: TrainSettings = TrainSettings(),
          force: bool = False, promote: bool = False, now: datetime | None = None,
          devset: str | Path | None = None, load=load_pipeline, progress: Progress | None = None) -> TrainResult:
    """Train (or reuse) the model for the labels folder; optionally put it in service.

    Documents of the frozen comparison set (labels/holdout.json) are never trained on; the new
    model is scored on them, and `promote` refuses a model worse than the one in service there
    by more than the tolerance (`force` overrides both this and the reuse of an unchanged model).
    `devset`, a labelled file of real paragraphs that is never trained on, is scored when given.
    `progress` hears the cross-validation folds, the learning-curve fits and the final fit.
    """
    started = time.perf_counter()
    everything, words = load_training_data(labels_dir)
    frozen = holdout_docs(labels_dir)
    records, holdout = split_holdout(everything, frozen)
    fp = fingerprint(everything, words, settings, frozen)
    existing = None if force else find_version(models_dir, fp)
    if existing is not None:
        version = existing["version"]
        path = artifact.version_dir(models_dir, version)
        report = json.loads((path / "report.json").read_text("utf-8"))
        result = TrainResult(version, path, reused=True, report=report, metadata=existing)
    else:
        report, thresholds, calibration = evaluate_records(records, words, settings, progress)
        model = make_pipeline(words, settings, thresholds=thresholds, calibration=calibration)
        tell(progress, "final fit", 0, 1)
        model.fit([r.text for r in records], label_matrix(records))
        tell(progress, "final fit", 1, 1)
        if holdout:
            report["holdout"] = score_records(PipelineScorer(artifact.LoadedModel(model, {})), holdout)
            report["holdout"]["docs"] = sorted(frozen)
        if devset is not None:
            layer = report["context_layer"]
            report["devset"] = score_file(PipelineScorer(artifact.LoadedModel(model, {})), devset,
                                          (np.array(layer["rows"]), np.array(layer["thresholds"])))
        report["training_seconds"] = round(time.perf_counter() - started, 1)
        when = now or datetime.now(timezone.utc)
        version = artifact.new_version_name(fp, when)
        suffix = 1
        while artifact.version_dir(models_dir, version).exists():  # --force twice in one second
            suffix += 1
            version = f"{artifact.new_version_name(fp, when)}-{suffix}"
        report["version"] = version
        metadata = {"created": when.isoformat(timespec="seconds"), "labels": list(LABELS),
                    "thresholds": report["thresholds"], "metrics": headline(report),
                    "fingerprint": fp, "settings": asdict(settings), "data": report["data"],
                    "dictionary_terms": len(words)}
        compiled = compile_pipeline(model)
        compiled["context_layer"] = np.array(report["context_layer"]["rows"])
        compiled["context_thresholds"] = np.array(report["context_layer"]["thresholds"])
        compiled["context_cues"] = np.array(report["context_layer"]["cues"], dtype=str)
        files: dict[str, str | bytes] = {
            COMPILED_FILE: to_bytes(compiled), "report.json": json.dumps(report, ensure_ascii=False, indent=2),
            "report.html": render_html(report), "report.txt": render_text(report)}
        path = artifact.write_version(models_dir, version, model, metadata, files)
        result = TrainResult(version, path, reused=False, report=report,
                             metadata=artifact.read_metadata(models_dir, version))
    if promote:
        current = artifact.current_version(models_dir)
        if current and current != version and holdout and not force:
            try:
                comparison = compare_versions(models_dir=models_dir, holdout=holdout, a=current,
                                              b=version, load=load)
                result.refused = promotion_refusal(comparison)
            except ModelError:
                result.refused = None  # the model in service cannot be loaded: replacing it is right
        if result.refused is None:
            artifact.set_current(models_dir, version)
            result.promoted = True
    return result
