"""What to label next (`/v1/suggest`): several uploaded files or zips, and the paragraphs the model
is least sure of, spread over documents and labels (serving/batch/suggest.py, as `zongjie suggest`)."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from serving.batch.limits import Limits
from serving.batch.suggest import suggest
from serving.api.deps import AUTH, HolderDep, SettingsDep
from serving.api.errors import BODY_ERRORS, ApiError
from serving.api.results import shown

router = APIRouter()


@router.post("/v1/suggest", dependencies=AUTH, response_model=None, tags=["classify"],
             responses=BODY_ERRORS)
def suggest_files(files: Annotated[list[UploadFile], File(description="多个报告文件或 .zip 压缩包")],
                  holder: HolderDep, settings: SettingsDep, n: Annotated[int, Form(ge=1, le=200)] = 20):
    """上传多个文件或压缩包：列出模型最没有把握的段落（分散到各个文件和标签），供下一步标注。"""
    predictor = holder.predictor
    with tempfile.TemporaryDirectory(prefix="zongjie-suggest-") as tmp:
        for i, upload in enumerate(files):
            name = Path(upload.filename or "").name or f"file{i}"
            (Path(tmp) / f"{i:03d}-{name}").write_bytes(upload.file.read())
        rows = suggest([tmp], predictor=predictor, n=n, limits=Limits.from_settings(settings))
    if not rows:
        raise ApiError(422, "no_text", "这些文件里没有可以建议的段落（no paragraphs to suggest in these files: "
                                        "unreadable, empty or only headings）")
    paragraphs = []
    for i, row in enumerate(rows):
        source = Path(row["source"]).name.split("-", 1)[-1]
        origin = f"{source}!{row['member']}" if row["member"] else source
        paragraphs.append({"index": i, "number": row["paragraph"], "text": row["text"],
                           "headings": [h for h in row["headings"].split(" > ") if h],
                           "labels": row["labels"], "scores": row["scores"], "kind": "paragraph",
                           "origin": origin,
                           "explain": predictor.explainer.explain(row["text"], row["labels"])})
    return shown(predictor, "待标注建议", paragraphs)
