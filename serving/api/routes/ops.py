"""Operations: liveness (`/healthz`), readiness (`/readyz`) and Prometheus metrics (`/metrics`)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from serving.api.deps import HolderDep, MetricsDep, feedback_store
from serving.api.errors import documented, error_response

router = APIRouter()


@router.get("/healthz", tags=["ops"])
def healthz():
    return {"status": "ok"}


@router.get("/readyz", tags=["ops"], responses=documented(503))
def readyz(holder: HolderDep):
    """ready; degraded: serving, but the newest model could not be loaded (error says why)."""
    if not holder.ready:
        return error_response(503, "not_ready", holder.last_error or "no model loaded yet")
    if holder.last_error:
        return {"status": "degraded", "model": holder.predictor.version, "error": holder.last_error}
    return {"status": "ready", "model": holder.predictor.version}


@router.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
def prometheus(request: Request, metrics: MetricsDep):
    store = feedback_store(request, create=False)
    return PlainTextResponse(metrics.render(store.stats() if store else None),
                             media_type="text/plain; version=0.0.4")
