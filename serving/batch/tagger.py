"""The tagging core: a plain function over a batch of documents, runnable in any worker process
(joblib here, Dask on a cluster) — read, split, classify, and return each document's output
already encoded, so the writing process only appends bytes."""
from __future__ import annotations

import threading
import zipfile
import zlib
from dataclasses import dataclass, field

import numpy as np

from training import artifact

from serving.batch.sources import Source, read_source
from serving.batch.limits import LimitExceeded, Limits, NoText, ReadError, Skipped
from serving.batch.rows import DocumentRows
from serving.scoring.predictor import Predictor, document_context
from serving.batch.readers import read_document
from serving.batch.splitter import split_document


SCORE_CHUNK = 4096  # paragraphs per model call
ZIP_PROBLEMS = {zlib.error: "its compressed data is corrupt: ", EOFError: "it ends early"}


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


def read_paragraphs(source: Source, limits: Limits = Limits()) -> tuple[list, ReadError | None]:
    """(paragraphs, error) of one document; never raises for a bad file, whatever goes wrong
    with it (a damaged zip, a bomb, a limit, memory): that is its error row (Skipped: not read
    on purpose)."""
    if source.error:
        return [], (Skipped if source.skipped else ReadError)(source.error)
    try:
        text, wrapped = read_document(source.name, read_source(source, limits), limits)
        paragraphs = split_document(text, wrapped=wrapped)
        del text
        limits.check_paragraphs(paragraphs)
    except ReadError as exc:
        return [], exc
    except PermissionError:
        return [], ReadError("permission denied")
    except MemoryError:
        return [], LimitExceeded("out of memory reading it: lower the ZONGJIE_MAX_DOCUMENT_* limits")
    except RecursionError:
        return [], ReadError("nested too deeply to read")
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        what = "zip member" if source.member else "file"
        return [], ReadError(f"damaged {what} ({ZIP_PROBLEMS.get(type(exc), '')}{exc})")
    except Exception as exc:  # noqa: BLE001 - a hostile file can make any library raise anything
        return [], ReadError(f"cannot read ({type(exc).__name__}: {exc})")
    if not paragraphs:
        return [], NoText("no text in the document")
    return paragraphs, None


def tag_batch(sources: list[Source], model: ModelRef | Predictor, fmt: str = "jsonl",
              limits: Limits = Limits()) -> list[DocResult]:
    """Tag every paragraph of every document in the batch; unreadable ones carry their reason."""
    predictor = resolve(model)
    results: list[DocResult] = []
    documents: list[tuple[DocResult, int, list]] = []
    texts: list[str] = []
    contexts: list[list[float]] = []
    titles: list[bool] = []
    for source in sources:
        paragraphs, error = read_paragraphs(source, limits)
        results.append(DocResult(Source(source.path, source.member), error=None if error is None else str(error),
                                 skipped=isinstance(error, Skipped)))
        if paragraphs:
            documents.append((results[-1], len(texts), paragraphs))
            texts.extend(p.text for p in paragraphs)
            context, title = document_context(paragraphs)
            contexts.extend(context)
            titles.extend(title)
    if not texts:
        return results
    # Few model calls for the whole batch: featurising is much cheaper in bulk (and chunks
    # bound the memory a batch of very long documents takes).
    S, thresholds = predictor.in_context(
        np.vstack([predictor.scores(texts[i:i + SCORE_CHUNK]) for i in range(0, len(texts), SCORE_CHUNK)]),
        contexts)
    S = np.round(S, 6)
    P = predictor.decide(S, thresholds, titles).astype(bool)
    labels = predictor.labels
    # The label list of each paragraph, from its row of P as a bit pattern: one list per pattern.
    patterns = (P * (1 << np.arange(len(labels)))).sum(axis=1).tolist()
    chosen = {code: [lab for i, lab in enumerate(labels) if code >> i & 1] for code in set(patterns)}
    scores = S.tolist()
    encoder = DocumentRows(fmt, labels, predictor.version)
    for result, start, paragraphs in documents:
        end = start + len(paragraphs)
        result.paragraphs = len(paragraphs)
        result.counts = {lab: int(n) for lab, n in zip(labels, P[start:end].sum(axis=0)) if n}
        rows = ((p.number, p.heading_path, p.text, chosen[code], row)
                for p, code, row in zip(paragraphs, patterns[start:end], scores[start:end]))
        result.data = encoder.encode(result.source.path, result.source.member, rows).encode("utf-8")
    return results
