"""`zongjie tag`: run the tagging core over archives, in order, resumable, on N processes or Dask."""
from __future__ import annotations

import gc
import os
import tempfile
import time
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Callable, Iterator

from training.errors import DataError
from training.labelset import LABELS

from .archive import Source, forget_open_archives, iter_sources, read_source
from .output import Journal, RowSink, write_errors
from .readers import preload_readers
from .tagger import DocResult, ModelRef, resolve, tag_batch

BATCH_FILES = 16
SYNC_SECONDS = 2.0


@dataclass
class Progress:
    files_total: int
    files_done: int = 0
    paragraphs: int = 0
    failed: int = 0
    started: float = field(default_factory=time.perf_counter)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started


@dataclass
class TagResult:
    out: Path
    errors_path: Path | None
    documents: list[dict]
    paragraphs: int
    failed: int
    skipped: int
    resumed_documents: int
    seconds: float


def _batches(sources: list[Source], size: int) -> Iterator[list[Source]]:
    it = iter(sources)
    while batch := list(islice(it, size)):
        yield batch


def _run_local(batches, model: ModelRef, workers: int, fmt: str) -> Iterator[list[DocResult]]:
    predictor = resolve(model)  # loaded once, here, before the workers fork
    if workers <= 1:
        for batch in batches:
            yield tag_batch(batch, predictor, fmt)
        return
    import multiprocessing
    from collections import deque

    # Forked workers share the loaded model copy-on-write (no reload per worker; joblib's loky
    # workers would each load it again), warmed and with the readers' libraries imported, so
    # no worker spends its first batch on set-up. A bounded window of batches in flight keeps
    # memory flat, and results are taken in input order whatever finishes first.
    predictor.warm()
    preload_readers()
    gc.freeze()  # the collector never scans (and so never copies) what the workers share
    try:
        with tempfile.TemporaryDirectory(prefix="zongjie-tag-") as spool, \
                multiprocessing.get_context("fork").Pool(workers, initializer=forget_open_archives) as pool:
            window: deque = deque()
            for batch in batches:
                window.append(pool.apply_async(_tag_spooled, (batch, model, fmt, spool)))
                if len(window) >= 3 * workers:
                    yield _unspool(*window.popleft().get())
            while window:
                yield _unspool(*window.popleft().get())
    finally:
        gc.unfreeze()


def _tag_spooled(batch: list[Source], model: ModelRef, fmt: str, spool: str):
    """`tag_batch` in a pool worker, its rows left in a file rather than sent back through the
    pool's pipe (a worker blocked on a full pipe waits for the parent to be scheduled)."""
    results = tag_batch(batch, model, fmt)
    sizes = [len(r.data) for r in results]
    fd, path = tempfile.mkstemp(dir=spool, suffix=".rows")
    with os.fdopen(fd, "wb") as out:
        out.write(b"".join(r.data for r in results))
    for r in results:
        r.data = b""
    return path, sizes, results


def _unspool(path: str, sizes: list[int], results: list[DocResult]) -> list[DocResult]:
    with open(path, "rb") as rows:
        for result, size in zip(results, sizes):
            result.data = rows.read(size)
    os.unlink(path)
    return results


def _run_dask(batches, model: ModelRef, address: str, fmt: str) -> Iterator[list[DocResult]]:
    from distributed import Client

    with Client(address) as client:
        predictor = client.scatter(resolve(model), broadcast=True)
        window = 2 * max(1, len(client.scheduler_info().get("workers", {})))
        pending = []
        for batch in batches:
            # Documents travel as bytes: workers need no access to this machine's files.
            shipped = [Source(s.path, s.member, data=_bytes_or_none(s), error=s.error) for s in batch]
            pending.append(client.submit(tag_batch, shipped, predictor, fmt, pure=False))
            if len(pending) >= window:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def _bytes_or_none(source: Source) -> bytes | None:
    try:
        return read_source(source)
    except Exception:  # the worker reports the reason when it tries again
        return None


def _summary_entry(result: DocResult, offset: int) -> dict:
    return {"source": result.source.path, "member": result.source.member, "offset": offset,
            "paragraphs": result.paragraphs, "counts": result.counts, "error": result.error,
            "skipped": result.skipped}


def run_tag(paths: list[str | Path], *, out: str | Path, fmt: str, model: ModelRef, workers: int = 1,
            resume: bool = False, overwrite: bool = False, dask: str | None = None,
            on_progress: Callable[[Progress], None] | None = None,
            batch_files: int = BATCH_FILES) -> TagResult:
    """Tag every paragraph of every document under `paths` into `out`."""
    out = Path(out)
    resolve(model)  # a model that cannot be loaded fails here, before any output is touched
    journal, sink = Journal(out), RowSink(out, fmt)
    done = journal.entries() if resume else []
    # Documents the journal counts whose rows the output lacks (lost in a crash before they
    # reached the disk, or an output cut short) are tagged again.
    size = sink.size()
    while done and done[-1]["offset"] > size:
        done.pop()
    if resume and not journal.path.exists():
        raise DataError(out, None, "nothing to resume: no progress journal "
                                   f"{journal.path.name} (the run finished, or never started)")
    if not resume and (out.exists() or journal.path.exists()) and not overwrite:
        raise DataError(out, None, "already exists: --resume to continue it, --overwrite to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    sources = list(iter_sources(paths))
    done_keys = {Source(e["source"], e["member"]).key for e in done}
    todo = [s for s in sources if s.key not in done_keys]
    progress = Progress(files_total=len(sources), files_done=len(sources) - len(todo),
                        paragraphs=sum(e["paragraphs"] for e in done))
    sink.open(done[-1]["offset"] if done else None)
    journal.open(keep=len(done))
    offset = done[-1]["offset"] if done else None
    documents = [e for e in done]
    last_sync = time.perf_counter()
    batches = _batches(todo, batch_files)
    stream = _run_dask(batches, model, dask, fmt) if dask else _run_local(batches, model, workers, fmt)
    try:
        for results in stream:
            for result in results:
                offset = sink.write(result.data)
                entry = _summary_entry(result, offset)
                journal.add(entry)
                documents.append(entry)
                progress.files_done += 1
                progress.paragraphs += result.paragraphs
                progress.failed += bool(result.error)
            if time.perf_counter() - last_sync > SYNC_SECONDS:
                sink.sync()  # rows reach the disk before the journal line that points past them
                journal.sync()
                last_sync = time.perf_counter()
            if on_progress:
                on_progress(progress)
    except BaseException:
        sink.abort()
        journal.close(remove=False)
        raise
    sink.finish(documents)
    journal.close(remove=True)
    errors = [d for d in documents if d["error"]]
    errors_path = out.with_name(out.name + ".errors.csv") if errors else None
    if errors_path:
        write_errors(errors_path, errors)
    return TagResult(out=out, errors_path=errors_path, documents=documents,
                     paragraphs=sum(d["paragraphs"] for d in documents),
                     failed=sum(1 for d in errors if not d["skipped"]),
                     skipped=sum(1 for d in errors if d["skipped"]),
                     resumed_documents=len(done), seconds=progress.elapsed)


def summary_rows(documents: list[dict]) -> list[list[str]]:
    """The per-document summary table printed at the end."""
    rows = [["document", "paragraphs", *LABELS]]
    for d in documents:
        name = d["source"] + (f"!{d['member']}" if d["member"] else "")
        if d["error"]:
            rows.append([name, "—", f"({'skipped' if d['skipped'] else 'failed'}: {d['error']})"])
        else:
            rows.append([name, str(d["paragraphs"]), *[str(d["counts"].get(x, 0)) for x in LABELS]])
    return rows
