"""The app factory: settings and state, the lifespan that loads the model, routers, middleware."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from serving.settings import Settings
from serving.api.errors import install_error_handlers
from serving.api.guard import Guard
from serving.api.holder import ModelHolder, Watcher
from serving.api.metrics import Metrics
from serving.api.ratelimit import RateLimit
from serving.api.routes import admin, classify, feedback, inbox, model, models_admin, ops, pages, review, suggest
from serving.api.static import DOCS_ASSETS, DOCS_URL

# Registered in this order (the order of /openapi.json); a new resource adds its router here.
ROUTERS = [classify.router, review.router, suggest.router, feedback.router, model.router, admin.router,
           models_admin.router, inbox.router, pages.router, ops.router]


@asynccontextmanager
async def lifespan(app: FastAPI):
    holder = app.state.holder
    holder.refresh()  # load and warm the model before the first request
    watcher = Watcher(holder, app.state.settings.reload_interval)
    watcher.start()
    try:
        yield
    finally:
        watcher.stop()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app factory (`uvicorn --factory serving.api.app:create_app`); settings from ZONGJIE_*."""
    settings = settings or Settings.from_env()
    # /docs from files shipped in the package (no CDN, no outside fonts, no validator badge);
    # ReDoc is left out: it loads its logo from its makers' site.
    app = FastAPIOffline(title="zongjie", version="1", lifespan=lifespan, description=(
        "给教育局工作总结/工作计划的段落打标签：基建、资助、德育、安全、师资（主题）与问题、计划（话语）。"),
        docs_url=DOCS_URL, redoc_url=None, static_url=DOCS_ASSETS, swagger_ui_parameters={"validatorUrl": None})
    app.state.settings = settings
    app.state.metrics = metrics = Metrics()
    app.state.holder = ModelHolder(settings.models_dir, on_load=metrics.model_loaded)
    app.state.feedback = None  # opened on the first correction
    app.state.feedback_limit = RateLimit(settings.feedback_per_minute)
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(Guard, api=app, settings=settings, metrics=metrics)
    return app
