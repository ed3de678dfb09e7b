"""The HTTP API: endpoints under /v1, health and metrics, errors as `{"error": {code, message}}`."""
from __future__ import annotations

from collections import Counter
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi_offline import FastAPIOffline
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from training.errors import DataError, ModelError, ZongjieError
from training.labelset import DEFINITIONS, LABELS, validate_labels

from .auth import auth_problem
from .feedback import FeedbackStore
from .guard import Guard
from .holder import ModelHolder, Watcher
from .metrics import Metrics
from ..predictor import Predictor, document_context, request_context
from .ratelimit import RateLimit
from .schemas import (ClassifyRequest, ClassifyResponse, DocumentRequest, DocumentResponse,
                      ErrorResponse, FeedbackRequest, FeedbackResponse)
from ..settings import Settings
from ..splitter import split_document

STATIC = Path(__file__).parent.parent / "static"
DOCS_ASSETS = "/static/docs"  # Swagger UI's script, style and icon, from the fastapi-offline package


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        self.status, self.code, self.message, self.headers = status, code, message, headers


def _error(status: int, code: str, message: str, headers=None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status,
                        headers=headers)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_holder(request: Request) -> ModelHolder:
    return request.app.state.holder


def _authorized(request: Request, settings: Settings = Depends(get_settings)) -> None:
    """Checked first by the Guard (before the body is read); here too, for the OpenAPI security."""
    problem = auth_problem(request.url.path, dict(request.scope["headers"]).get(b"authorization", b""),
                           settings)
    if problem:
        raise ApiError(*problem)



def check_paragraphs(paragraphs: list[str], settings: Settings, what: str = "paragraphs",
                     explain: bool = False) -> None:
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
    total = sum(map(len, paragraphs))
    if explain and total > settings.max_explain_chars:  # explaining costs ~3 s of CPU per MB
        raise ApiError(413, "explain_too_large", f"explain is limited to {settings.max_explain_chars:,} "
                       f"characters per request (this one has {total:,}): send fewer paragraphs "
                       "per request, or leave explain out")


def _results(predictor: Predictor, texts: list[str], explain: bool, contexts=None, titles=None) -> list[dict]:
    out = []
    for i, (text, pred) in enumerate(zip(texts, predictor.predict(texts, contexts, titles))):
        item = {"index": i, "labels": pred.labels, "scores": pred.scores}
        if explain:
            item["explain"] = predictor.explainer.explain(text, pred.labels)
        out.append(item)
    return out


def _errors(*codes: int) -> dict:
    return {code: {"model": ErrorResponse} for code in codes}


BODY_ERRORS = _errors(400, 401, 408, 413, 415, 422, 503)  # what the Guard and the checks answer


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app factory (`uvicorn --factory serving.api.app:create_app`); settings from ZONGJIE_*."""
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

    # /docs from files shipped in the package (no CDN, no outside fonts, no validator badge);
    # ReDoc is left out: it loads its logo from its makers' site.
    app = FastAPIOffline(title="zongjie", version="1", lifespan=lifespan, description=(
        "给教育局工作总结/工作计划的段落打标签：基建、资助、德育、安全、师资（主题）与问题、计划（话语）。"),
        redoc_url=None, static_url=DOCS_ASSETS, swagger_ui_parameters={"validatorUrl": None})
    app.state.settings = settings
    app.state.holder = ModelHolder(settings.models_dir)
    app.state.metrics = metrics = Metrics()
    app.state.feedback = None  # opened on the first correction
    app.state.feedback_limit = RateLimit(settings.feedback_per_minute)
    app.add_middleware(Guard, settings=settings, metrics=metrics)

    @app.exception_handler(ApiError)
    async def api_error(request, exc: ApiError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else exc.headers
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
        return _error(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail),
                      getattr(exc, "headers", None))  # 405 says which methods are allowed

    @app.exception_handler(ZongjieError)
    async def zongjie_error(request, exc: ZongjieError):
        if isinstance(exc, ModelError):
            return _error(503, "model_unavailable", str(exc))
        return _error(422 if isinstance(exc, DataError) else 400, exc.code, str(exc))

    @app.exception_handler(Exception)
    async def unexpected(request, exc: Exception):  # a bug, never the client's input
        return _error(500, "internal_error", f"{type(exc).__name__}: the server failed; see its log")

    auth = [Depends(_authorized)]

    @app.post("/v1/classify", dependencies=auth, response_model=None, tags=["classify"],
              responses={200: {"model": ClassifyResponse}, **BODY_ERRORS})
    def classify(body: ClassifyRequest, holder: ModelHolder = Depends(get_holder),
                 settings: Settings = Depends(get_settings)):
        """给一个或多个段落打标签（标签、七个分数，可选解释）。"""
        if (body.paragraphs is None) == (body.text is None):
            raise ApiError(422, "invalid_request", "send either 'paragraphs' (a list) or 'text'")
        texts = body.paragraphs if body.paragraphs is not None else [body.text]
        check_paragraphs(texts, settings, "paragraphs" if body.paragraphs is not None else "text",
                         body.explain)
        predictor = holder.predictor  # one reference for the whole request
        results = _results(predictor, texts, body.explain,
                           request_context(body.title, body.headings, len(texts)))
        app.state.metrics.add_paragraphs(len(texts))
        return {"model": predictor.version, "results": results}

    @app.post("/v1/classify/document", dependencies=auth, response_model=None, tags=["classify"],
              responses={200: {"model": DocumentResponse}, **BODY_ERRORS})
    def classify_document(body: DocumentRequest, holder: ModelHolder = Depends(get_holder),
                          settings: Settings = Depends(get_settings)):
        """整篇报告：切分段落（含标题路径），逐段打标签，并统计各标签段落数。"""
        paragraphs = split_document(body.text)
        if paragraphs or not body.text.strip():  # text of page numbers alone: no paragraphs, 200
            check_paragraphs([p.text for p in paragraphs], settings, "text", body.explain)
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
              tags=["feedback"], responses={201: {"model": FeedbackResponse}, **BODY_ERRORS, **_errors(429)})
    def feedback(body: FeedbackRequest, request: Request, holder: ModelHolder = Depends(get_holder),
                 settings: Settings = Depends(get_settings)):
        """提交一条更正（正确的标签），进入待审核收件箱（`zongjie labels inbox`）。"""
        check_paragraphs([body.text], settings, "text")
        wait = app.state.feedback_limit.retry_after(request.client.host if request.client else "")
        if wait is not None:
            raise ApiError(429, "too_many_corrections", f"at most {settings.feedback_per_minute} "
                           f"corrections per minute from one client: retry in {wait} s",
                           {"Retry-After": str(wait)})
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

    @app.get("/v1/model", dependencies=auth, tags=["model"], responses=_errors(401, 503))
    def model_info(holder: ModelHolder = Depends(get_holder)):
        """在用模型的版本、创建时间、指标与阈值；last_error：最近一次加载新模型失败的原因。"""
        meta = holder.predictor.loaded.metadata
        return {**{key: meta.get(key) for key in ("version", "created", "labels", "thresholds",
                                                   "metrics", "data", "libraries")},
                "last_error": holder.last_error}

    @app.post("/v1/admin/reload", dependencies=[Depends(_authorized)], tags=["admin"],
              responses=_errors(401, 403, 503))
    def reload(holder: ModelHolder = Depends(get_holder)):
        """立即重新读取 models/CURRENT（其他 worker 会在几秒内自行跟进）。"""
        changed = holder.refresh()
        if not holder.ready:
            raise ModelError(holder.last_error or "no model loaded")
        return {"model": holder.predictor.version, "changed": changed, "error": holder.last_error}

    @app.get("/", include_in_schema=False, response_class=HTMLResponse)
    def home():
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    @app.get("/redoc", include_in_schema=False)
    def redoc():
        return RedirectResponse("docs")

    @app.get("/healthz", tags=["ops"])
    def healthz():
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], responses=_errors(503))
    def readyz(holder: ModelHolder = Depends(get_holder)):
        """ready; degraded: serving, but the newest model could not be loaded (error says why)."""
        if not holder.ready:
            return _error(503, "not_ready", holder.last_error or "no model loaded yet")
        if holder.last_error:
            return {"status": "degraded", "model": holder.predictor.version, "error": holder.last_error}
        return {"status": "ready", "model": holder.predictor.version}

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    def prometheus(holder: ModelHolder = Depends(get_holder)):
        version = holder.predictor.version if holder.ready else None
        if app.state.feedback is None and settings.feedback_db.exists():
            app.state.feedback = FeedbackStore(settings.feedback_db)
        inbox = app.state.feedback.stats() if app.state.feedback else None
        return PlainTextResponse(app.state.metrics.render(version, inbox),
                                 media_type="text/plain; version=0.0.4")

    return app
