"""The label set (`/v1/labels`) and the model in service (`/v1/model`)."""
from __future__ import annotations

from fastapi import APIRouter

from training.labelset import DEFINITIONS, DISCOURSE, LABELS

from serving.api.deps import AUTH, HolderDep
from serving.api.errors import documented

router = APIRouter()


@router.get("/v1/labels", tags=["model"])
def labels():
    """标签集及其一句话定义。"""
    return {"labels": [{"name": label, "kind": "discourse" if label in DISCOURSE else "topic",
                        "definition": DEFINITIONS[label]} for label in LABELS]}


@router.get("/v1/model", dependencies=AUTH, tags=["model"], responses=documented(401, 503))
def model_info(holder: HolderDep):
    """在用模型的版本、创建时间、指标与阈值；last_error：最近一次加载新模型失败的原因。"""
    meta = holder.predictor.loaded.metadata
    return {**{key: meta.get(key) for key in ("version", "created", "labels", "thresholds",
                                               "metrics", "data", "libraries")},
            "last_error": holder.last_error}
