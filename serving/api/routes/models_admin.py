"""Model versions under /v1/admin/models (the admin token): list, report, compare, promote, roll back,
through the library behind `zongjie models …`; the server in service follows at once."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from training import artifact
from training.errors import ModelError
from training.service import CURRENT, PREVIOUS, compare_on_comparison_set, promote, resolve_version

from serving.scoring.predictor import load_scorer
from serving.api.deps import AUTH, HolderDep, SettingsDep
from serving.api.errors import ApiError, documented
from serving.api.schemas import PromoteRequest, Text

router = APIRouter(prefix="/v1/admin/models", dependencies=AUTH, tags=["admin"])
WHERE = "the server's models folder"


def _version(settings, name: str) -> str:
    """The version a name means, or a 404 (unknown version) / 409 (no CURRENT or previous)."""
    try:
        return resolve_version(settings.models_dir, name, WHERE)
    except ModelError as exc:
        if name in (CURRENT, PREVIOUS):  # a name that means a version, and there is none
            raise ApiError(409, "no_such_version", str(exc)) from None
        raise ApiError(404, "unknown_version", str(exc)) from None


def _in_service(holder, old: str | None, new: str) -> dict:
    holder.refresh()  # this worker at once; the others within ZONGJIE_RELOAD_INTERVAL
    return {"old": old, "new": new, "model": holder.predictor.version if holder.ready else None,
            "error": holder.last_error}


@router.get("", responses=documented(401, 403))
def versions(settings: SettingsDep):
    """各版本及其主要指标与开发集指标（in_service：在用的），与 `zongjie models list` 相同。"""
    current = artifact.current_version(settings.models_dir)
    return {"current": current, "versions": [
        {"version": m["version"], "created": m.get("created"), "in_service": m["version"] == current,
         "metrics": m.get("metrics", {}), "records": m.get("data", {}).get("records")}
        for m in artifact.list_versions(settings.models_dir)]}


HTML_PAGE: dict[int | str, dict[str, Any]] = {200: {"description": "the report page", "content": {"text/html": {"schema": {"type": "string"}}}}}


# The route's own media type stays JSON (its errors are the JSON envelope); 200 is the HTML page.
@router.get("/report", response_model=None, responses={**HTML_PAGE, **documented(401, 403, 404, 409)})
def report(version: Text, settings: SettingsDep):
    """一个版本的训练报告（`models/<版本>/report.html`：交叉验证、开发集、阈值、学习曲线）。"""
    name = _version(settings, version)
    path = settings.models_dir / name / "report.html"
    if not path.is_file():
        raise ApiError(404, "no_report", f"model {name} has no report.html in {WHERE}: retrain it to get one")
    return HTMLResponse(path.read_text(encoding="utf-8"))


@router.get("/compare", responses=documented(401, 403, 404, 409))
def compare(a: Text, b: Text, settings: SettingsDep):
    """两个版本在对比集（labels/holdout.json）上各标签与总体的差别（b − a），与 `zongjie models compare` 相同。"""
    a, b = _version(settings, a), _version(settings, b)
    if not settings.labels_dir.is_dir():
        raise ApiError(409, "no_labels", f"labels folder not found: {settings.labels_dir} (ZONGJIE_LABELS_DIR)")
    try:
        return compare_on_comparison_set(models_dir=settings.models_dir, labels_dir=settings.labels_dir,
                                         a=a, b=b, load=load_scorer, where=WHERE)
    except ModelError as exc:
        raise ApiError(409, "no_comparison_set", str(exc)) from None


@router.post("/promote", responses=documented(401, 403, 404, 409, 422))
def promote_version(body: PromoteRequest, settings: SettingsDep, holder: HolderDep):
    """让一个版本上线（`zongjie models promote`）；本服务立即改用它。"""
    _version(settings, body.version)
    old, new = promote(settings.models_dir, body.version, WHERE)
    return _in_service(holder, old, new)


@router.post("/rollback", responses=documented(401, 403, 409))
def rollback(settings: SettingsDep, holder: HolderDep):
    """让上一个上线过的版本重新上线（`zongjie models rollback`）；本服务立即改用它。"""
    try:
        old, new = artifact.rollback(settings.models_dir)
    except ModelError as exc:
        raise ApiError(409, "nothing_to_roll_back", str(exc)) from None
    return _in_service(holder, old, new)
