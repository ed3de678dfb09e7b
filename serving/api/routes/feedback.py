"""Corrections from clients (`/v1/feedback`), kept in the inbox for review."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from training.labelset import validate_labels

from serving.api.checks import check_paragraphs
from serving.api.deps import AUTH, HolderDep, SettingsDep, feedback_store
from serving.api.errors import BODY_ERRORS, ApiError, documented
from serving.api.schemas import FeedbackRequest, FeedbackResponse

router = APIRouter()


@router.post("/v1/feedback", dependencies=AUTH, response_model=None, status_code=201,
             tags=["feedback"], responses={201: {"model": FeedbackResponse}, **BODY_ERRORS, **documented(429)})
def feedback(body: FeedbackRequest, request: Request, holder: HolderDep, settings: SettingsDep):
    """提交一条更正（正确的标签），进入待审核收件箱（`zongjie labels inbox`）。"""
    check_paragraphs([body.text], settings, "text")
    wait = request.app.state.feedback_limit.retry_after(request.client.host if request.client else "")
    if wait is not None:
        raise ApiError(429, "too_many_corrections", f"at most {settings.feedback_per_minute} "
                       f"corrections per minute from one client: retry in {wait} s",
                       {"Retry-After": str(wait)})
    labels, problem = validate_labels(body.labels)
    if problem:
        raise ApiError(422, "invalid_labels", problem)
    store = feedback_store(request, create=True)
    assert store is not None  # create=True opens it
    version = holder.predictor.version if holder.ready else ""
    new_id = store.add(text=body.text, labels=labels, note=body.note or "", user=body.user or "",
                       model=version)
    return JSONResponse({"id": new_id, "status": "pending", "model": version}, status_code=201)
