"""The review page's endpoints: a whole file classified (`/v1/classify/file`, multipart) and the
reviewed paragraphs written in the batch labeller's format (`/v1/export`, XLSX or CSV)."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from training.context import numbering_level
from training.labelset import LABELS, validate_labels

from serving.batch.sources import Source
from serving.batch.limits import (EncryptedPdf, LimitExceeded, Limits, NoText, NoTextLayer, ReadError,
                                  UnsupportedType)
from serving.batch.output import write_table
from serving.scoring.predictor import document_context
from serving.batch.readers import SUPPORTED
from serving.batch.tagger import read_paragraphs
from serving.api.checks import check_paragraphs
from serving.api.deps import AUTH, HolderDep, MetricsDep, SettingsDep
from serving.api.errors import BODY_ERRORS, ApiError
from serving.api.schemas import BOTH, Text
from serving.api.results import label_results, shown

router = APIRouter()

# The batch labeller's reasons for a file it cannot read, by kind (the most specific first), said
# in Chinese first for the page; the code is the error's own (training/errors.py draws them).
_PROBLEMS: list[tuple[type[ReadError], str]] = [
    (UnsupportedType, "无法读取这种文件类型（支持 .txt .docx .pdf .html）"),
    (EncryptedPdf, "PDF 已加密（需要密码），请先去掉密码"),
    (NoTextLayer, "PDF 没有文字层（扫描件？），请先做文字识别（OCR）"),
    (NoText, "文件里没有文字"),
    (LimitExceeded, "文件太大"),
    (ReadError, "无法读取这个文件")]


def _refusal(error: ReadError) -> ApiError:
    zh = next(zh for kind, zh in _PROBLEMS if isinstance(error, kind))
    return ApiError(413 if isinstance(error, LimitExceeded) else 422, error.code, f"{zh}（{error}）")


def kinds(paragraphs) -> list[str]:
    """How the page shows each paragraph: title, heading, item (of a numbered list), paragraph."""
    return ["title" if p.is_title else "heading" if p.is_heading
            else "item" if numbering_level(p.text) is not None else "paragraph" for p in paragraphs]


@router.post("/v1/classify/file", dependencies=AUTH, response_model=None, tags=["classify"],
             responses=BODY_ERRORS)
def classify_file(file: Annotated[UploadFile, File(description="报告文件：.txt（UTF-8/GBK）.docx .pdf .html")],
                  holder: HolderDep, settings: SettingsDep, metrics: MetricsDep,
                  explain: Annotated[bool, Form()] = True):
    """上传一个文件：读取、切分段落（标题、编号条目、正文），逐段打标签，可选解释。"""
    name = Path(file.filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED - {".doc", ".wps"}:
        raise _refusal(UnsupportedType(f"unsupported file type {suffix or '(no extension)'}"))
    data = file.file.read()
    paragraphs, error = read_paragraphs(Source(name, data=data), Limits.from_settings(settings))
    if error is not None:
        raise _refusal(error)
    texts = [p.text for p in paragraphs]
    check_paragraphs(texts, settings, "file", explain)
    predictor = holder.predictor
    results = label_results(predictor, texts, explain, *document_context(paragraphs))
    metrics.add_paragraphs(len(texts))
    return shown(predictor, name, [dict(r, number=p.number, text=p.text, headings=list(p.headings), kind=kind)
                                   for p, r, kind in zip(paragraphs, results, kinds(paragraphs))])


def _number(value):
    """A paragraph number is a JSON integer (5.0 is one, as JSON Schema says), never true or "5"."""
    if isinstance(value, (bool, str)):
        raise ValueError("must be an integer")
    return value


LabelList = Annotated[list[Literal[LABELS]],  # type: ignore[valid-type]  # typing expands the tuple; mypy wants literals
                      Field(max_length=len(LABELS), json_schema_extra={
    "uniqueItems": True, "not": BOTH})]


class ExportRow(BaseModel):
    model_config = ConfigDict(strict=True)  # false is not a score, nor "1" a paragraph number

    paragraph: Annotated[int, Field(ge=0, le=10_000_000, strict=False), BeforeValidator(_number)]
    text: Text
    headings: Annotated[list[Annotated[Text, Field(max_length=500)]], Field(max_length=20)] = []
    labels: LabelList = Field(description="模型给出的标签")
    scores: dict[Literal[LABELS],  # type: ignore[valid-type]  # as LabelList
                 Annotated[float, Field(ge=0, le=1)]]
    corrected: LabelList | None = Field(None, description="校对后的标签（未校对为 null）")
    source: Annotated[Text, Field(max_length=500)] | None = Field(None, description="本段的文件（默认同 source）")


class ExportRequest(BaseModel):
    model_config = ConfigDict(strict=True)

    source: Annotated[Text, Field(max_length=500)] = ""
    model: Annotated[Text, Field(max_length=200)] = ""
    format: Literal["xlsx", "csv"] = "xlsx"
    rows: list[ExportRow]


_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          "csv": "text/csv; charset=utf-8"}


@router.post("/v1/export", dependencies=AUTH, response_class=Response, tags=["classify"],
             responses=BODY_ERRORS)
def export(body: ExportRequest, settings: SettingsDep):
    """把页面上的结果（含校对）写成批量打标签的 XLSX/CSV 格式（`zongjie labels import` 可读回）。"""
    if len(body.rows) > settings.max_paragraphs:
        raise ApiError(413, "too_many_paragraphs",
                       f"{len(body.rows)} rows; at most {settings.max_paragraphs} per request")
    rows = []
    for row in body.rows:
        for given in (row.labels, row.corrected):
            problem = validate_labels(given)[1] if given is not None else None
            if problem:
                raise ApiError(422, "invalid_labels", f"paragraph {row.paragraph}: {problem}")
        corrected = None if row.corrected is None else validate_labels(row.corrected)[0]
        source, _, member = (row.source or body.source).partition("!")
        rows.append({"source": source, "member": member, "paragraph": row.paragraph,
                     "headings": " > ".join(row.headings), "text": row.text,
                     "labels": row.labels, "scores": {label: row.scores.get(label, 0.0) for label in LABELS},
                     "model": body.model, "corrected": corrected})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"out.{body.format}"
        write_table(path, body.format, rows)
        data = path.read_bytes()
    stem = Path(body.source).stem or "结果"
    return Response(data, media_type=_TYPES[body.format], headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(stem)}-labels.{body.format}"})


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
