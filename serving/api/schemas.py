"""Request and response shapes of the HTTP API (with the examples shown at /docs)."""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from pydantic.json_schema import JsonDict, JsonValue

from training.labelset import LABELS

_SURROGATE = re.compile("[\ud800-\udfff]")


def _unicode(value: str) -> str:
    """JSON can carry a lone surrogate (\\ud800) that no text encoding can: refused here."""
    found = _SURROGATE.search(value)
    if found:
        raise ValueError(f"contains a lone surrogate (U+{ord(found.group()):04X}) at character "
                         f"{found.start()}: send valid Unicode text")
    return value


Text = Annotated[StrictStr, AfterValidator(_unicode)]
# Documented for clients (and schema-driven tests); the server checks it with str.strip().
# A character that is not white space to Python's str.strip() (which also strips \x1c-\x1f and \x85,
# unlike a JSON Schema \S, and keeps \ufeff).
NOT_BLANK = "[^\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
Paragraph = Annotated[Text, Field(json_schema_extra={"pattern": NOT_BLANK})]
BOTH: JsonDict = {"allOf": [{"contains": {"const": "问题"}}, {"contains": {"const": "计划"}}]}

EXAMPLE_PARAGRAPHS: list[JsonValue] = [
    "全年新建、改扩建校舍12所，总建筑面积3.6万平方米，新增学位2400个。",
    "下半年，我们将全面落实秋季学期学生资助政策，确保资助资金按时足额发放到位。",
]


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"paragraphs": EXAMPLE_PARAGRAPHS, "explain": False},
        {"text": "一是师资力量薄弱，农村学校音体美教师严重缺乏。", "explain": True}],
        "oneOf": [{"required": ["paragraphs"]}, {"required": ["text"]}]})  # as the server checks

    # None: not sent (the route asks for one of the two); the schema must not allow null, so no Optional
    paragraphs: list[Paragraph] = Field(None, description=  # type: ignore[arg-type]
                                        "段落列表（与 text 二选一）",
                                        json_schema_extra={"minItems": 1})
    text: Paragraph = Field(None, description="单个段落（与 paragraphs 二选一）")  # type: ignore[assignment]  # as paragraphs
    explain: StrictBool = Field(False, description="是否返回推高各标签的关键词及其位置")
    title: StrictStr | None = Field(None, max_length=500,
                                    description="可选：段落所在文件的标题（如“某县2025年教育工作计划”）")
    headings: list[StrictStr] | None = Field(None, max_length=20,
                                             description="可选：段落上方的各级标题，由外到内")


class DocumentRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "text": "某县教育局2023年工作总结\n一、主要工作\n（一）改善办学条件\n新建城南小学，新增学位1350个。\n"
                "二、存在问题\n农村学校教师结构性缺编，音体美教师不足。"}]})

    text: Paragraph = Field(..., description="整篇报告文本，每行一段")
    explain: StrictBool = False


class Term(BaseModel):
    term: str
    weight: float
    spans: list[list[int]] = Field(description="[start, end) character offsets in the paragraph")


class Result(BaseModel):
    index: int
    labels: list[str]
    scores: dict[str, float]
    explain: dict[str, list[Term]] | None = None


class ClassifyResponse(BaseModel):
    model: str
    results: list[Result]


class DocumentParagraph(Result):
    number: int
    text: str
    headings: list[str]


class DocumentResponse(BaseModel):
    model: str
    paragraphs: list[DocumentParagraph]
    counts: dict[str, int]


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorDetail


NOTE_CHARS, USER_CHARS = 2000, 200


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "text": "全年为1200名家庭经济困难学生发放助学金。", "labels": ["资助"],
        "note": "模型漏标了资助", "user": "王老师"}]})

    text: Paragraph = Field(..., description="段落原文")
    labels: list[Text] = Field(..., max_length=len(LABELS), description="正确的标签（可为空列表）",
                               json_schema_extra={"items": {"enum": list(LABELS)}, "uniqueItems": True,
                                                  "not": BOTH})
    note: Annotated[StrictStr, Field(max_length=NOTE_CHARS), AfterValidator(_unicode)] | None = None
    user: Annotated[StrictStr, Field(max_length=USER_CHARS), AfterValidator(_unicode)] | None = None


class FeedbackResponse(BaseModel):
    id: int
    status: str
    model: str


class PromoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"version": "previous"}]})
    version: Annotated[Text, Field(min_length=1, max_length=200,
                                   description="版本名、CURRENT（在用的）或 previous（上一个在用的）")]


class InboxDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"ids": [1, 2]}]})
    ids: list[StrictInt] = Field(min_length=1, max_length=1000, description="收件箱中待审核更正的编号")
