"""Admin endpoints under /v1/admin/ (the admin token): reloading the model now."""
from __future__ import annotations

from fastapi import APIRouter

from training.errors import ModelError

from serving.api.deps import AUTH, HolderDep
from serving.api.errors import documented

router = APIRouter()


@router.post("/v1/admin/reload", dependencies=AUTH, tags=["admin"], responses=documented(401, 403, 503))
def reload(holder: HolderDep):
    """立即重新读取 models/CURRENT（其他 worker 会在几秒内自行跟进）。"""
    changed = holder.refresh()
    if not holder.ready:
        raise ModelError(holder.last_error or "no model loaded")
    return {"model": holder.predictor.version, "changed": changed, "error": holder.last_error}
