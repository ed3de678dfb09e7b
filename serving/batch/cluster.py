"""`zongjie tag --dask`: batches sent to a running Dask cluster (an optional part, `zongjie[dask]`)."""
from __future__ import annotations

from typing import Iterator

from training.errors import ConfigError

from serving.batch.sources import Source, read_source
from serving.batch.limits import Limits
from serving.batch.tagger import DocResult, ModelRef, resolve, tag_batch


def run_dask(batches, model: ModelRef, address: str, fmt: str,
             limits: Limits) -> Iterator[list[DocResult]]:
    """Each batch tagged on the cluster (the model scattered once), results in input order."""
    with dask_client_class()(address) as client:
        predictor = client.scatter(resolve(model), broadcast=True)
        window = 2 * max(1, len(client.scheduler_info().get("workers", {})))
        pending = []
        for batch in batches:
            # Documents travel as bytes: workers need no access to this machine's files.
            shipped = [Source(s.path, s.member, data=_bytes_or_none(s, limits), error=s.error,
                              skipped=s.skipped) for s in batch]
            pending.append(client.submit(tag_batch, shipped, predictor, fmt, limits, pure=False))
            if len(pending) >= window:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def dask_client_class():
    """Dask's Client; a clear message when that optional part is not installed."""
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError("--dask needs Dask's distributed, an optional part of zongjie: "
                          "pip install 'zongjie[dask]' (offline: add --find-links WHEELHOUSE "
                          "--no-index)") from None
    return Client


def _bytes_or_none(source: Source, limits: Limits) -> bytes | None:
    if source.error:
        return None
    try:
        return read_source(source, limits)
    except Exception:  # the worker reports the reason when it tries again
        return None
