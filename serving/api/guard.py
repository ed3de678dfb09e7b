"""Middleware in front of every request: token, body limits and timeouts, content type, UTF-8, metrics."""
from __future__ import annotations

import asyncio
import json
import time

from fastapi import FastAPI

from serving.batch.limits import size_text
from serving.settings import Settings
from serving.api.auth import auth_problem
from serving.api.errors import envelope
from serving.api.metrics import Metrics
from serving.api.static import DOCS_URL

DRAIN_BYTES = 64 << 20  # read and dropped after a refusal, so a client that sends before it reads gets the answer


def _has_body(headers: dict) -> bool:
    """The client sends a body, and does not wait for a 100 Continue before it does."""
    if headers.get(b"expect", b"").lower() == b"100-continue":
        return False
    length = headers.get(b"content-length", b"")
    return (length.isdigit() and int(length) > 0) or b"chunked" in headers.get(b"transfer-encoding", b"")


def routed_paths(api: FastAPI) -> tuple[frozenset[str], frozenset[str]]:
    """The paths metrics keep by name (any other is "other"): those of the OpenAPI document,
    /docs and /openapi.json; and the posted ones among them (the token is checked before the body)."""
    paths = api.openapi()["paths"]
    return (frozenset(paths) | {p for p in (DOCS_URL, api.openapi_url) if p is not None},
            frozenset(path for path, methods in paths.items() if "post" in methods))


def upload_paths(api: FastAPI) -> frozenset[str]:
    """The posted paths whose body is a file upload (multipart/form-data in the OpenAPI)."""
    return frozenset(path for path, methods in api.openapi()["paths"].items()
                     if "multipart/form-data" in methods.get("post", {}).get("requestBody", {}).get("content", {}))


def _error(status: int, code: str, message: str, /, **headers: str) -> tuple:
    body = json.dumps(envelope(code, message), ensure_ascii=False).encode("utf-8")
    return status, body, headers


class Guard:
    """No client input reaches FastAPI in a shape that could cause a 500, and no client holds
    memory it has not been allowed (the token is checked before the body is read)."""

    def __init__(self, app, *, api: FastAPI, settings: Settings, metrics: Metrics):
        self.app = app
        self.known, self.posted = routed_paths(api)  # built on the first request: every route is in
        self.uploads = upload_paths(api)
        self.settings = settings
        self.max_body = settings.max_body_bytes
        self.metrics = metrics
        self.buffered = 0  # body bytes held by the requests of this worker being read now

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
            headers = dict(scope.get("headers") or [])
            path = scope.get("path", "")
            problem = (auth_problem(path, headers.get(b"authorization", b""), self.settings)
                       if scope["method"] == "POST" and path in self.posted else None)  # else: the router's 405
            pending = _has_body(headers)
            if problem:
                problem = _error(*problem, **({"www-authenticate": "Bearer"} if problem[0] == 401 else {}))
            elif scope["method"] in ("POST", "PUT", "PATCH"):
                problem, receive, pending = await self._check_body(headers, receive, path in self.uploads)
            if problem:
                await self._refuse(send_recording, receive if pending else None, *problem)
                return
            await self.app(scope, receive, send_recording)
        finally:
            path = scope.get("path", "")
            self.metrics.observe(scope["method"], path if path in self.known else "other",
                                 status_seen[0], time.perf_counter() - start)

    async def _check_body(self, headers: dict, receive, upload: bool = False):
        ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        declared = headers.get(b"content-length")
        limit = self.settings.max_upload_bytes if upload else self.max_body
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return self._too_large(upload), receive, True
        chunks, size = [], 0
        deadline = time.monotonic() + self.settings.body_timeout
        try:
            while True:
                try:
                    message = await asyncio.wait_for(receive(), deadline - time.monotonic())
                except asyncio.TimeoutError:
                    return _error(408, "body_timeout", "the body did not arrive within "
                                  f"{self.settings.body_timeout:g} s"), receive, False
                if message["type"] == "http.disconnect":
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    return self._too_large(upload), receive, bool(message.get("more_body"))
                if self.buffered + len(chunk) > self.settings.max_pending_body_bytes:
                    return _error(503, "busy", "too many large requests are being received; retry "
                                  "in a moment", **{"retry-after": "1"}), receive, bool(message.get("more_body"))
                self.buffered += len(chunk)
                chunks.append(chunk)
                if not message.get("more_body"):
                    break
        finally:
            self.buffered -= sum(map(len, chunks))
        body = b"".join(chunks)
        if upload:
            if ctype != b"multipart/form-data":
                return _error(415, "unsupported_media_type", "send the file as multipart/form-data "
                              "(a form with a 'file' field)"), receive, False
        elif body and ctype != b"application/json":
            return _error(415, "unsupported_media_type",
                          "send the body as JSON with Content-Type: application/json"), receive, False
        if not upload:  # an uploaded file is bytes: its reader decodes it
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as exc:
                return _error(400, "invalid_utf8", f"the body is not valid UTF-8 (byte {exc.start})"), receive, False
        sent = [False]

        async def replay():
            if not sent[0]:
                sent[0] = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return None, replay, False

    def _too_large(self, upload: bool = False):
        if upload:
            return _error(413, "file_too_large", f"文件超过 {size_text(self.settings.max_upload_bytes)} 的上限"
                          f"（the file is larger than {size_text(self.settings.max_upload_bytes)}: "
                          "ZONGJIE_MAX_UPLOAD_BYTES）")
        return _error(413, "body_too_large", f"the body is larger than {self.max_body} bytes")

    async def _refuse(self, send, receive, status: int, body: bytes, extra: dict) -> None:
        """Answer before the whole body was read: first read and drop what the client is still
        sending (up to a bound and the body timeout), or closing the connection would reset it
        before the client reads the answer; then close."""
        if receive is not None:  # the client may still be sending
            deadline, dropped = time.monotonic() + self.settings.body_timeout, 0
            try:
                while dropped <= DRAIN_BYTES:
                    message = await asyncio.wait_for(receive(), deadline - time.monotonic())
                    dropped += len(message.get("body", b""))
                    if message["type"] == "http.disconnect" or not message.get("more_body"):
                        break
            except (asyncio.TimeoutError, OSError, RuntimeError):
                pass
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close"),
                                *((k.encode(), v.encode()) for k, v in extra.items())]})
        await send({"type": "http.response.body", "body": body})
