"""Prometheus metrics through prometheus_client: one worker's, or all workers' summed (multi-process)."""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # read by prometheus_client when it is first imported
MODEL_INFO = "zongjie_model_info"
LABEL_ORDER = ("method", "endpoint", "status", "version", "le")  # as the text always had them


class Metrics:
    """The service's metrics. With PROMETHEUS_MULTIPROC_DIR set, every worker writes its values
    there and a scrape of any worker shows the sum over all (the model version: the versions
    some worker serves); without it, this process's own values."""

    def __init__(self) -> None:
        self.summed = MULTIPROC_ENV in os.environ
        self.registry = None if self.summed else CollectorRegistry()
        self._lock = threading.Lock()
        self._version: str | None = None
        self.requests = Counter("zongjie_requests", "HTTP requests by endpoint and status.",
                                ["method", "endpoint", "status"], registry=self.registry)
        self.latency = Histogram("zongjie_request_seconds", "Request latency by endpoint.", ["endpoint"],
                                 buckets=BUCKETS, registry=self.registry)
        self.paragraphs = Counter("zongjie_paragraphs_classified", "Paragraphs classified.",
                                  registry=self.registry)
        self.model = Gauge(MODEL_INFO, "The model version in service (value 1).", ["version"],
                           multiprocess_mode="max", registry=self.registry)

    def observe(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        self.requests.labels(method, endpoint, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def add_paragraphs(self, n: int) -> None:
        self.paragraphs.inc(n)

    def model_loaded(self, version: str) -> None:
        """This process now serves `version` (the one before it: 0, left out of the text)."""
        with self._lock:
            if self._version is not None and self._version != version:
                self.model.labels(self._version).set(0)
            self.model.labels(version).set(1)
            self._version = version

    def render(self, inbox: dict | None = None) -> str:
        """The text format: the requests, the model in service, the feedback inbox."""
        source = multiprocess.MultiProcessCollector(None) if self.registry is None else self.registry
        inbox = inbox or {"pending": 0, "bytes": 0}
        collected = list(source.collect())
        families = [f for f in collected if f.name != MODEL_INFO]
        served = [s for f in collected if f.name == MODEL_INFO for s in f.samples if s.value]
        return "".join([*map(_family_text, families), _model_text(served),
                        _gauge_text("zongjie_feedback_pending", "Corrections waiting in the inbox.",
                                    inbox["pending"]),
                        _gauge_text("zongjie_feedback_bytes", "Size of the feedback database on disk.",
                                    inbox["bytes"])])


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6f}"


def _labels(labels: dict) -> str:
    """In LABEL_ORDER (the multi-process collector sorts them by name), escaped for the text format."""
    if not labels:
        return ""
    ordered = sorted(labels.items(), key=lambda item: LABEL_ORDER.index(item[0]) if item[0] in LABEL_ORDER
                     else len(LABEL_ORDER))
    return "{" + ",".join(f'{k}="{_escape(str(v))}"' for k, v in ordered) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _head(name: str, documentation: str, kind: str) -> str:
    return f"# HELP {name} {documentation}\n# TYPE {name} {kind}\n"


def _family_text(family) -> str:
    name = family.name + ("_total" if family.type == "counter" else "")
    return _head(name, family.documentation, family.type) + "".join(
        f"{s.name}{_labels(s.labels)} {_number(s.value)}\n" for s in family.samples
        if not s.name.endswith("_created"))


def _model_text(served: list) -> str:
    """The versions some process serves (value 1); none: `version=""` with value 0."""
    lines = [f"{MODEL_INFO}{_labels(s.labels)} 1\n" for s in served] or [f'{MODEL_INFO}{{version=""}} 0\n']
    return _head(MODEL_INFO, "The model version in service (value 1).", "gauge") + "".join(lines)


def _gauge_text(name: str, documentation: str, value: float) -> str:
    return _head(name, documentation, "gauge") + f"{name} {_number(value)}\n"


@contextmanager
def summed_over_workers(workers: int) -> Iterator[str | None]:
    """For a server start with `workers` processes: a fresh PROMETHEUS_MULTIPROC_DIR, set before
    the workers start (they inherit it), removed with the variable at exit; one worker: nothing."""
    if workers <= 1:
        yield None
        return
    folder = tempfile.mkdtemp(prefix="zongjie-metrics-")
    before = os.environ.get(MULTIPROC_ENV)
    os.environ[MULTIPROC_ENV] = folder
    try:
        yield folder
    finally:
        if before is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = before
        shutil.rmtree(folder, ignore_errors=True)
