"""`zongjie tag`: run the tagging core over archives, in order, resumable, on N processes or Dask."""
from __future__ import annotations

import errno
import gc
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Callable, Iterator

from training.errors import ConfigError, DataError
from training.labelset import LABELS

from serving.batch.sources import Source, forget_open_archives, iter_sources
from serving.batch.cluster import dask_client_class, run_dask
from serving.batch.limits import Limits
from serving.batch.output import Journal, RowSink, write_errors
from serving.batch.readers import preload_readers
from serving.batch.tagger import DocResult, ModelRef, resolve, tag_batch

BATCH_FILES = 16
SYNC_SECONDS = 2.0
SPOOL_PREFIX = "zongjie-tag-"  # + the parent's pid: the spool folder of a run with workers


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


def start_method(asked: str | None = None) -> str:
    """How workers start: fork where the system has it (they share the loaded model), else
    spawn (Windows: each worker loads the model once); `asked` forces one."""
    import multiprocessing

    available = multiprocessing.get_all_start_methods()
    if asked is not None and asked not in available:
        raise ConfigError(f"workers cannot be started with {asked!r} here (this system offers "
                          f"{', '.join(available)})")
    return asked or ("fork" if "fork" in available else "spawn")


def _spawned_worker(model: ModelRef) -> None:
    """A spawned worker's set-up: load and warm the model and the readers before any batch."""
    resolve(model).warm()
    preload_readers()


def _run_local(batches, model: ModelRef, workers: int, fmt: str, limits: Limits,
               method: str | None = None) -> Iterator[list[DocResult]]:
    predictor = resolve(model)  # loaded once, here, before the workers fork
    if workers <= 1:
        for batch in batches:
            yield tag_batch(batch, predictor, fmt, limits)
        return
    import multiprocessing
    from collections import deque

    # Forked workers share the loaded model copy-on-write (no reload per worker; joblib's loky
    # workers would each load it again), warmed and with the readers' libraries imported, so
    # no worker spends its first batch on set-up. A bounded window of batches in flight keeps
    # memory flat, and results are taken in input order whatever finishes first.
    method = start_method(method)
    if method == "fork":
        predictor.warm()
        preload_readers()
        gc.freeze()  # the collector never scans (and so never copies) what the workers share
        setup: Callable[..., None] = forget_open_archives
        setup_args: tuple = ()
    else:
        setup, setup_args = _spawned_worker, (model,)
    remove_stale_spools()
    try:
        with tempfile.TemporaryDirectory(prefix=f"{SPOOL_PREFIX}{os.getpid()}-") as spool, \
                multiprocessing.get_context(method).Pool(workers, setup, setup_args) as pool:
            window: deque = deque()
            for batch in batches:
                window.append(pool.apply_async(_tag_spooled, (batch, model, fmt, spool, limits)))
                if len(window) >= 3 * workers:
                    yield _unspool(*window.popleft().get())
            while window:
                yield _unspool(*window.popleft().get())
    finally:
        if method == "fork":
            gc.unfreeze()


def remove_stale_spools() -> None:
    """Spool folders left in TMPDIR by runs that were killed (their process is gone)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SPOOL_PREFIX}*-*"):
        pid = folder.name[len(SPOOL_PREFIX):].split("-", 1)[0]
        try:
            if not pid.isdigit() or folder.stat().st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue  # someone else's process, or the folder went away


def _tag_spooled(batch: list[Source], model: ModelRef, fmt: str, spool: str, limits: Limits):
    """`tag_batch` in a pool worker, its rows left in a file rather than sent back through the
    pool's pipe (a worker blocked on a full pipe waits for the parent to be scheduled)."""
    results = tag_batch(batch, model, fmt, limits)
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


def _summary_entry(result: DocResult, offset: int) -> dict:
    return {"source": result.source.path, "member": result.source.member, "offset": offset,
            "paragraphs": result.paragraphs, "counts": result.counts, "error": result.error,
            "skipped": result.skipped}


@contextmanager
def _disk_full(out: Path):
    """A full disk (or quota) while writing is the user's to fix, not a traceback."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise DataError(out, None, f"cannot write: {exc.strerror} (the disk is full): free some "
                                   "space, then continue with --resume") from None


def run_tag(paths: list[str | Path], *, out: str | Path, fmt: str, model: ModelRef, workers: int = 1,
            resume: bool = False, overwrite: bool = False, dask: str | None = None,
            on_progress: Callable[[Progress], None] | None = None,
            batch_files: int = BATCH_FILES, limits: Limits = Limits(),
            start: str | None = None) -> TagResult:
    """Tag every paragraph of every document under `paths` into `out` (`start`: how workers
    start, see `start_method`)."""
    out = Path(out)
    resolve(model)  # a model that cannot be loaded fails here, before any output is touched
    if dask:
        dask_client_class()  # … and so does a missing Dask
    elif workers > 1:
        start = start_method(start)  # … and a start method this system lacks
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
    # An empty output without a journal is a run killed before it began: not worth keeping.
    started = journal.path.exists() or (out.exists() and out.stat().st_size > 0)
    if not resume and started and not overwrite:
        raise DataError(out, None, "already exists: --resume to continue it, --overwrite to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    sources = list(iter_sources(paths, limits))
    done_keys = {Source(e["source"], e["member"]).key for e in done}
    todo = [s for s in sources if s.key not in done_keys]
    progress = Progress(files_total=len(sources), files_done=len(sources) - len(todo),
                        paragraphs=sum(e["paragraphs"] for e in done))
    with _disk_full(out):
        journal.open(keep=len(done))  # before the output: an output never exists without it
        sink.open(done[-1]["offset"] if done else None)
        documents = _write_all(list(done), sink, journal, progress, on_progress,
                               run_dask(_batches(todo, batch_files), model, dask, fmt, limits) if dask
                               else _run_local(_batches(todo, batch_files), model, workers, fmt, limits, start))
        errors = [d for d in documents if d["error"]]
        errors_path = out.with_name(out.name + ".errors.csv") if errors else None
        if errors_path:
            write_errors(errors_path, errors)
    return TagResult(out=out, errors_path=errors_path, documents=documents,
                     paragraphs=sum(d["paragraphs"] for d in documents),
                     failed=sum(1 for d in errors if not d["skipped"]),
                     skipped=sum(1 for d in errors if d["skipped"]),
                     resumed_documents=len(done), seconds=progress.elapsed)


def _write_all(documents: list[dict], sink: RowSink, journal: Journal, progress: Progress,
               on_progress, stream) -> list[dict]:
    """Append each document's rows, then its journal line; finish the output at the end."""
    last_sync = time.perf_counter()
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
    return documents


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
