"""The tagging core: a plain function over a batch of documents, runnable in any worker process
(joblib here, Dask on a cluster) — read, split, classify, and return each document's output
already encoded, so the writing process only appends bytes."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from training import artifact
from training.decision import decide

from .archive import Source, read_source
from .output import JsonLines, encode_row
from .predictor import Predictor
from .readers import ReadError, Skipped, read_document
from .splitter import split_document


@dataclass(frozen=True)
class ModelRef:
    """Names a model version; each worker process loads it once (checked like any load)."""

    models_dir: str
    version: str


@dataclass
class DocResult:
    source: Source
    data: bytes = b""          # the document's rows, encoded for the output format
    paragraphs: int = 0
    counts: dict = field(default_factory=dict)  # label -> paragraphs with it
    error: str | None = None
    skipped: bool = False


_CACHE: dict[ModelRef, Predictor] = {}
_CACHE_LOCK = threading.Lock()


def resolve(model: ModelRef | Predictor) -> Predictor:
    if isinstance(model, Predictor):
        return model
    with _CACHE_LOCK:
        predictor = _CACHE.get(model)
        if predictor is None:
            predictor = _CACHE[model] = Predictor(artifact.load_compiled(model.models_dir, model.version))
        return predictor


def read_paragraphs(source: Source) -> tuple[list, str | None, bool]:
    """(paragraphs, error, skipped) of one document; never raises for a bad file."""
    if source.error:
        return [], source.error, False
    try:
        text, wrapped = read_document(source.name, read_source(source))
    except Skipped as exc:
        return [], str(exc), True
    except ReadError as exc:
        return [], str(exc), False
    except PermissionError:
        return [], "permission denied", False
    except (OSError, KeyError, RuntimeError, EOFError, ValueError) as exc:
        return [], f"cannot read ({type(exc).__name__}: {exc})", False
    paragraphs = split_document(text, wrapped=wrapped)
    if not paragraphs:
        return [], "no text in the document", False
    return paragraphs, None, False


def tag_batch(sources: list[Source], model: ModelRef | Predictor, fmt: str = "jsonl") -> list[DocResult]:
    """Tag every paragraph of every document in the batch; unreadable ones carry their reason."""
    predictor = resolve(model)
    results, texts, owners = [], [], []
    for source in sources:
        paragraphs, error, skipped = read_paragraphs(source)
        results.append(DocResult(Source(source.path, source.member), error=error, skipped=skipped))
        for p in paragraphs:
            texts.append(p)
            owners.append(len(results) - 1)
    if not texts:
        return results
    # One model call for the whole batch: featurising is much cheaper in bulk.
    S = np.round(predictor.scores([p.text for p in texts]), 6)
    P = decide(S, predictor.thresholds, predictor.labels)
    labels = predictor.labels
    chunks: dict[int, list[str]] = {}
    jsonl = JsonLines(labels, predictor.version) if fmt != "csv" else None
    prefixes: dict[int, str] = {}
    for p, owner, scores, chosen in zip(texts, owners, S.tolist(), P.tolist()):
        src, result = results[owner].source, results[owner]
        picked = [lab for lab, on in zip(labels, chosen) if on]
        for lab in picked:
            result.counts[lab] = result.counts.get(lab, 0) + 1
        result.paragraphs += 1
        if jsonl is not None:
            prefix = prefixes.get(owner) or prefixes.setdefault(owner, jsonl.document(src.path, src.member))
            line = jsonl.line(prefix, p.number, p.heading_path, p.text, picked, scores)
        else:
            line = encode_row({"source": src.path, "member": src.member, "paragraph": p.number,
                               "headings": p.heading_path, "text": p.text, "labels": picked,
                               "scores": dict(zip(labels, scores)), "model": predictor.version}, fmt)
        chunks.setdefault(owner, []).append(line)
    for owner, lines in chunks.items():
        results[owner].data = "".join(lines).encode("utf-8")
    return results
