"""ASGI middleware in front of every request: body limits, content type, UTF-8, and metrics."""
from __future__ import annotations

import json
import time

from .metrics import Metrics

KNOWN = {"/v1/classify", "/v1/classify/document", "/v1/labels", "/v1/model", "/v1/feedback",
         "/v1/admin/reload", "/healthz", "/readyz", "/metrics", "/docs", "/openapi.json"}


def _error(status: int, code: str, message: str) -> tuple[int, bytes]:
    return status, json.dumps({"error": {"code": code, "message": message}},
                              ensure_ascii=False).encode("utf-8")


class Guard:
    """Rejects bad bodies before FastAPI parses them, so no client input can cause a 500."""

    def __init__(self, app, *, max_body_bytes: int, metrics: Metrics):
        self.app = app
        self.max_body = max_body_bytes
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status_seen = [500]

        async def send_recording(message):
            if message["type"] == "http.response.start":
                status_seen[0] = message["status"]
            await send(message)

        try:
            if scope["method"] in ("POST", "PUT", "PATCH"):
                problem, receive = await self._check_body(scope, receive)
                if problem:
                    await self._reply(send_recording, *problem)
                    return
            await self.app(scope, receive, send_recording)
        finally:
            path = scope.get("path", "")
            self.metrics.observe(scope["method"], path if path in KNOWN else "other",
                                 status_seen[0], time.perf_counter() - start)

    async def _check_body(self, scope, receive):
        headers = dict(scope.get("headers") or [])
        ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            return self._too_large(), receive
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return self._too_large(), receive
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        if body and ctype != b"application/json":
            return _error(415, "unsupported_media_type",
                          "send the body as JSON with Content-Type: application/json"), receive
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            return _error(400, "invalid_utf8", f"the body is not valid UTF-8 (byte {exc.start})"), receive
        sent = [False]

        async def replay():
            if not sent[0]:
                sent[0] = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return None, replay

    def _too_large(self):
        return _error(413, "body_too_large", f"the body is larger than {self.max_body} bytes")

    @staticmethod
    async def _reply(send, status: int, body: bytes) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
