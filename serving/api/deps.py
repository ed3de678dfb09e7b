"""Request dependencies as `Annotated` aliases: settings, the model holder, metrics, the token check."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from serving.settings import Settings
from serving.api.auth import auth_problem
from serving.api.errors import ApiError
from serving.api.feedback import FeedbackStore
from serving.api.holder import ModelHolder
from serving.api.metrics import Metrics


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_holder(request: Request) -> ModelHolder:
    return request.app.state.holder


def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


SettingsDep = Annotated[Settings, Depends(get_settings)]
HolderDep = Annotated[ModelHolder, Depends(get_holder)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]


def authorized(request: Request, settings: SettingsDep) -> None:
    """Checked first by the Guard (before the body is read); here too, for the OpenAPI security."""
    problem = auth_problem(request.url.path, dict(request.scope["headers"]).get(b"authorization", b""),
                           settings)
    if problem:
        raise ApiError(*problem)


AUTH = [Depends(authorized)]  # `dependencies=AUTH`: a bearer token (the admin one under /v1/admin/)


def feedback_store(request: Request, create: bool) -> FeedbackStore | None:
    """The worker's feedback store: opened when first needed (`create`) or when its file exists."""
    state = request.app.state
    if state.feedback is None and (create or state.settings.feedback_db.exists()):
        state.feedback = FeedbackStore(state.settings.feedback_db)
    return state.feedback
