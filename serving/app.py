"""The HTTP API: endpoints under /v1, health and metrics, errors as `{"error": {code, message}}`."""
from __future__ import annotations

import hmac
from collections import Counter
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from training.errors import DataError, ModelError, ZongjieError
from training.labelset import DEFINITIONS, LABELS, validate_labels

from .feedback import FeedbackStore
from .guard import Guard
from .holder import ModelHolder, Watcher
from .metrics import Metrics
from .predictor import Predictor, document_context, request_context
from .schemas import (ClassifyRequest, ClassifyResponse, DocumentRequest, DocumentResponse,
                      ErrorResponse, FeedbackRequest, FeedbackResponse)
from .settings import Settings
from .splitter import split_document


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message


def _error(status: int, code: str, message: str, headers=None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status,
                        headers=headers)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_holder(request: Request) -> ModelHolder:
    return request.app.state.holder


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else ""


def require_token(request: Request, settings: Settings = Depends(get_settings)) -> None:
    """When ZONGJIE_API_TOKEN is set, every /v1 endpoint but /v1/labels needs it."""
    if settings.api_token and not hmac.compare_digest(_bearer(request), settings.api_token):
        raise ApiError(401, "unauthorized", "missing or wrong bearer token (Authorization: Bearer …)")


def require_admin(request: Request, settings: Settings = Depends(get_settings)) -> None:
    """Admin endpoints need ZONGJIE_ADMIN_TOKEN, and are disabled without it."""
    if not settings.admin_token:
        raise ApiError(403, "admin_disabled", "admin endpoints are disabled: set ZONGJIE_ADMIN_TOKEN")
    if not hmac.compare_digest(_bearer(request), settings.admin_token):
        raise ApiError(401, "unauthorized", "missing or wrong admin bearer token")


def check_paragraphs(paragraphs: list[str], settings: Settings, what: str = "paragraphs") -> None:
    if not paragraphs:
        raise ApiError(422, "no_paragraphs", f"{what} is empty: send at least one paragraph")
    if len(paragraphs) > settings.max_paragraphs:
        raise ApiError(413, "too_many_paragraphs",
                       f"{len(paragraphs)} paragraphs; at most {settings.max_paragraphs} per request")
    for i, text in enumerate(paragraphs):
        if not text.strip():
            raise ApiError(422, "empty_paragraph", f"{what}[{i}] is empty or only white space")
        if len(text) > settings.max_paragraph_chars:
            raise ApiError(422, "paragraph_too_long", f"{what}[{i}] has {len(text)} characters; "
                           f"at most {settings.max_paragraph_chars}")


def _results(predictor: Predictor, texts: list[str], explain: bool, contexts=None, titles=None) -> list[dict]:
    out = []
    for i, (text, pred) in enumerate(zip(texts, predictor.predict(texts, contexts, titles))):
        item = {"index": i, "labels": pred.labels, "scores": pred.scores}
        if explain:
            item["explain"] = predictor.explainer.explain(text, pred.labels)
        out.append(item)
    return out


ERRORS = {code: {"model": ErrorResponse} for code in (401, 413, 415, 422, 503)}


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app factory (`uvicorn --factory serving.app:create_app`); settings from ZONGJIE_*."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        holder = app.state.holder
        holder.refresh()  # load and warm the model before the first request
        watcher = Watcher(holder, settings.reload_interval)
        watcher.start()
        try:
            yield
        finally:
            watcher.stop()

    app = FastAPI(title="zongjie", version="1", lifespan=lifespan, description=(
        "给教育局工作总结/工作计划的段落打标签：基建、资助、德育、安全、师资（主题）与问题、计划（话语）。"))
    app.state.settings = settings
    app.state.holder = ModelHolder(settings.models_dir)
    app.state.metrics = metrics = Metrics()
    app.state.feedback = None  # opened on the first correction
    app.add_middleware(Guard, max_body_bytes=settings.max_body_bytes, metrics=metrics)

    @app.exception_handler(ApiError)
    async def api_error(request, exc: ApiError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return _error(exc.status, exc.code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request, exc: RequestValidationError):
        first = exc.errors()[0]
        if first.get("type") == "json_invalid":
            position = first.get("loc", ("body", "?"))[-1]
            return _error(422, "invalid_json", f"the body is not valid JSON (error at character {position})")
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        return _error(422, "invalid_request", f"{where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request, exc: StarletteHTTPException):
        codes = {404: "not_found", 405: "method_not_allowed"}
        return _error(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))

    @app.exception_handler(ZongjieError)
    async def zongjie_error(request, exc: ZongjieError):
        if isinstance(exc, ModelError):
            return _error(503, "model_unavailable", str(exc))
        return _error(422 if isinstance(exc, DataError) else 400, exc.code, str(exc))

    @app.exception_handler(Exception)
    async def unexpected(request, exc: Exception):  # a bug, never the client's input
        return _error(500, "internal_error", f"{type(exc).__name__}: the server failed; see its log")

    auth = [Depends(require_token)]

    @app.post("/v1/classify", dependencies=auth, response_model=None, tags=["classify"],
              responses={200: {"model": ClassifyResponse}, **ERRORS})
    def classify(body: ClassifyRequest, holder: ModelHolder = Depends(get_holder),
                 settings: Settings = Depends(get_settings)):
        """给一个或多个段落打标签（标签、七个分数，可选解释）。"""
        if (body.paragraphs is None) == (body.text is None):
            raise ApiError(422, "invalid_request", "send either 'paragraphs' (a list) or 'text'")
        texts = body.paragraphs if body.paragraphs is not None else [body.text]
        check_paragraphs(texts, settings, "paragraphs" if body.paragraphs is not None else "text")
        predictor = holder.predictor  # one reference for the whole request
        results = _results(predictor, texts, body.explain,
                           request_context(body.title, body.headings, len(texts)))
        app.state.metrics.add_paragraphs(len(texts))
        return {"model": predictor.version, "results": results}

    @app.post("/v1/classify/document", dependencies=auth, response_model=None, tags=["classify"],
              responses={200: {"model": DocumentResponse}, **ERRORS})
    def classify_document(body: DocumentRequest, holder: ModelHolder = Depends(get_holder),
                          settings: Settings = Depends(get_settings)):
        """整篇报告：切分段落（含标题路径），逐段打标签，并统计各标签段落数。"""
        paragraphs = split_document(body.text)
        check_paragraphs([p.text for p in paragraphs], settings, "text")
        predictor = holder.predictor
        results = _results(predictor, [p.text for p in paragraphs], body.explain,
                           *document_context(paragraphs))
        counts = Counter(label for r in results for label in r["labels"])
        app.state.metrics.add_paragraphs(len(paragraphs))
        return {"model": predictor.version,
                "paragraphs": [dict(r, number=p.number, text=p.text, headings=list(p.headings))
                               for p, r in zip(paragraphs, results)],
                "counts": {label: counts.get(label, 0) for label in LABELS}}

    @app.post("/v1/feedback", dependencies=auth, response_model=None, status_code=201,
              tags=["feedback"], responses={201: {"model": FeedbackResponse}, **ERRORS})
    def feedback(body: FeedbackRequest, request: Request, holder: ModelHolder = Depends(get_holder),
                 settings: Settings = Depends(get_settings)):
        """提交一条更正（正确的标签），进入待审核收件箱（`zongjie labels inbox`）。"""
        check_paragraphs([body.text], settings, "text")
        labels, problem = validate_labels(body.labels)
        if problem:
            raise ApiError(422, "invalid_labels", problem)
        store = request.app.state.feedback
        if store is None:
            store = request.app.state.feedback = FeedbackStore(settings.feedback_db)
        version = holder.predictor.version if holder.ready else ""
        new_id = store.add(text=body.text, labels=labels, note=body.note or "", user=body.user or "",
                           model=version)
        return JSONResponse({"id": new_id, "status": "pending", "model": version}, status_code=201)

    @app.get("/v1/labels", tags=["model"])
    def labels():
        """标签集及其一句话定义。"""
        return {"labels": [{"name": label, "kind": "discourse" if label in ("问题", "计划") else "topic",
                            "definition": DEFINITIONS[label]} for label in LABELS]}

    @app.get("/v1/model", dependencies=auth, tags=["model"])
    def model_info(holder: ModelHolder = Depends(get_holder)):
        """在用模型的版本、创建时间、指标与阈值。"""
        meta = holder.predictor.loaded.metadata
        return {key: meta.get(key) for key in ("version", "created", "labels", "thresholds",
                                                "metrics", "data", "libraries")}

    @app.post("/v1/admin/reload", dependencies=[Depends(require_admin)], tags=["admin"])
    def reload(holder: ModelHolder = Depends(get_holder)):
        """立即重新读取 models/CURRENT（其他 worker 会在几秒内自行跟进）。"""
        changed = holder.refresh()
        if not holder.ready:
            raise ModelError(holder.last_error or "no model loaded")
        return {"model": holder.predictor.version, "changed": changed, "error": holder.last_error}

    @app.get("/healthz", tags=["ops"])
    def healthz():
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"])
    def readyz(holder: ModelHolder = Depends(get_holder)):
        if not holder.ready:
            return _error(503, "not_ready", holder.last_error or "no model loaded yet")
        return {"status": "ready", "model": holder.predictor.version}

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    def prometheus(holder: ModelHolder = Depends(get_holder)):
        version = holder.predictor.version if holder.ready else None
        return PlainTextResponse(app.state.metrics.render(version),
                                 media_type="text/plain; version=0.0.4")

    return app
