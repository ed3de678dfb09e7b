"""Prometheus text-format metrics of one worker process: requests, latency, paragraphs, model."""
from __future__ import annotations

import threading
from collections import defaultdict

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self):
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.latency: dict[str, list[int]] = defaultdict(lambda: [0] * (len(BUCKETS) + 1))
        self.latency_sum: dict[str, float] = defaultdict(float)
        self.paragraphs = 0

    def observe(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, endpoint, status)] += 1
            counts = self.latency[endpoint]
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[i] += 1
            counts[-1] += 1
            self.latency_sum[endpoint] += seconds

    def add_paragraphs(self, n: int) -> None:
        with self._lock:
            self.paragraphs += n

    def render(self, model_version: str | None, inbox: dict | None = None) -> str:
        lines = ["# HELP zongjie_requests_total HTTP requests by endpoint and status.",
                 "# TYPE zongjie_requests_total counter"]
        with self._lock:
            for (method, endpoint, status), n in sorted(self.requests.items()):
                lines.append(f'zongjie_requests_total{{method="{method}",endpoint="{endpoint}",'
                             f'status="{status}"}} {n}')
            lines += ["# HELP zongjie_request_seconds Request latency by endpoint.",
                      "# TYPE zongjie_request_seconds histogram"]
            for endpoint, counts in sorted(self.latency.items()):
                for bound, n in zip(BUCKETS, counts):
                    lines.append(f'zongjie_request_seconds_bucket{{endpoint="{endpoint}",le="{bound}"}} {n}')
                lines.append(f'zongjie_request_seconds_bucket{{endpoint="{endpoint}",le="+Inf"}} {counts[-1]}')
                lines.append(f'zongjie_request_seconds_sum{{endpoint="{endpoint}"}} {self.latency_sum[endpoint]:.6f}')
                lines.append(f'zongjie_request_seconds_count{{endpoint="{endpoint}"}} {counts[-1]}')
            lines += ["# HELP zongjie_paragraphs_classified_total Paragraphs classified.",
                      "# TYPE zongjie_paragraphs_classified_total counter",
                      f"zongjie_paragraphs_classified_total {self.paragraphs}"]
        lines += ["# HELP zongjie_model_info The model version in service (value 1).",
                  "# TYPE zongjie_model_info gauge",
                  f'zongjie_model_info{{version="{model_version or ""}"}} {1 if model_version else 0}']
        inbox = inbox or {"pending": 0, "bytes": 0}
        lines += ["# HELP zongjie_feedback_pending Corrections waiting in the inbox.",
                  "# TYPE zongjie_feedback_pending gauge", f"zongjie_feedback_pending {inbox['pending']}",
                  "# HELP zongjie_feedback_bytes Size of the feedback database on disk.",
                  "# TYPE zongjie_feedback_bytes gauge", f"zongjie_feedback_bytes {inbox['bytes']}"]
        return "\n".join(lines) + "\n"
