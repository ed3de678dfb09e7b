"""Classifying: paragraphs (`/v1/classify`) and whole documents (`/v1/classify/document`)."""
from __future__ import annotations

from fastapi import APIRouter

from serving.scoring.predictor import document_context, request_context
from serving.batch.splitter import split_document
from serving.api.checks import check_paragraphs
from serving.api.deps import AUTH, HolderDep, MetricsDep, SettingsDep
from serving.api.errors import BODY_ERRORS, ApiError
from serving.api.results import label_counts, label_results
from serving.api.schemas import ClassifyRequest, ClassifyResponse, DocumentRequest, DocumentResponse

router = APIRouter()


@router.post("/v1/classify", dependencies=AUTH, response_model=None, tags=["classify"],
             responses={200: {"model": ClassifyResponse}, **BODY_ERRORS})
def classify(body: ClassifyRequest, holder: HolderDep, settings: SettingsDep, metrics: MetricsDep):
    """给一个或多个段落打标签（标签、七个分数，可选解释）。"""
    if (body.paragraphs is None) == (body.text is None):
        raise ApiError(422, "invalid_request", "send either 'paragraphs' (a list) or 'text'")
    texts = body.paragraphs if body.paragraphs is not None else [body.text]
    check_paragraphs(texts, settings, "paragraphs" if body.paragraphs is not None else "text",
                     body.explain)
    predictor = holder.predictor  # one reference for the whole request
    results = label_results(predictor, texts, body.explain,
                       request_context(body.title, body.headings, len(texts)))
    metrics.add_paragraphs(len(texts))
    return {"model": predictor.version, "results": results}


@router.post("/v1/classify/document", dependencies=AUTH, response_model=None, tags=["classify"],
             responses={200: {"model": DocumentResponse}, **BODY_ERRORS})
def classify_document(body: DocumentRequest, holder: HolderDep, settings: SettingsDep, metrics: MetricsDep):
    """整篇报告：切分段落（含标题路径），逐段打标签，并统计各标签段落数。"""
    paragraphs = split_document(body.text)
    if paragraphs or not body.text.strip():  # text of page numbers alone: no paragraphs, 200
        check_paragraphs([p.text for p in paragraphs], settings, "text", body.explain)
    predictor = holder.predictor
    results = label_results(predictor, [p.text for p in paragraphs], body.explain,
                       *document_context(paragraphs))
    metrics.add_paragraphs(len(paragraphs))
    return {"model": predictor.version,
            "paragraphs": [dict(r, number=p.number, text=p.text, headings=list(p.headings))
                           for p, r in zip(paragraphs, results)],
            "counts": label_counts(results)}
