"""The feedback inbox under /v1/admin/inbox (the admin token): the pending corrections, and
accepting (into labels/) or rejecting them, through the library behind `zongjie labels inbox`."""
from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request

from training.errors import NotPending
from training.service import decide_inbox

from serving.api.deps import AUTH, SettingsDep, feedback_store
from serving.api.errors import ApiError, documented
from serving.api.schemas import InboxDecision

router = APIRouter(prefix="/v1/admin/inbox", dependencies=AUTH, tags=["admin"])
SHOWN = 500  # pending corrections listed at most


@router.get("", responses=documented(401, 403))
def pending(request: Request):
    """待审核的更正（最多 500 条）与收件箱统计。"""
    store = feedback_store(request, create=False)
    if store is None:
        return {"pending": [], "stats": {"pending": 0, "pending_chars": 0, "bytes": 0}}
    return {"pending": [asdict(f) for f in store.list("pending")[:SHOWN]], "stats": store.stats()}


def _decide(request: Request, settings, body: InboxDecision, status: str) -> dict:
    store = feedback_store(request, create=False)
    pending = store.list("pending") if store is not None else []
    if status == "accepted" and not settings.labels_dir.is_dir():
        raise ApiError(409, "no_labels", f"labels folder not found: {settings.labels_dir} (ZONGJIE_LABELS_DIR)")
    accept, reject = (body.ids, []) if status == "accepted" else ([], body.ids)
    try:
        result = decide_inbox(settings.labels_dir, pending, accept=accept, reject=reject,
                              decide=store.decide if store is not None else None)
    except NotPending as exc:
        raise ApiError(404, exc.code, str(exc)) from None
    if result is None:
        return {"rejected": body.ids}
    return {"accepted": [i for i in body.ids if i not in result.conflicting], "added": len(result.added),
            "duplicates": result.duplicates, "conflicts": result.conflicts,
            "path": str(result.path) if result.path else None}


@router.post("/accept", responses=documented(401, 403, 404, 409, 422))
def accept(body: InboxDecision, request: Request, settings: SettingsDep):
    """接受更正：写入 labels/data/feedback.jsonl（与标注冲突的留在收件箱），与 `zongjie labels inbox --accept` 相同。"""
    return _decide(request, settings, body, "accepted")


@router.post("/reject", responses=documented(401, 403, 404, 422))
def reject(body: InboxDecision, request: Request, settings: SettingsDep):
    """拒绝更正，与 `zongjie labels inbox --reject` 相同。"""
    return _decide(request, settings, body, "rejected")
