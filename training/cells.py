"""Spreadsheet cells that cannot run: text starting with = + - @ (or tab / CR) is written with a
leading single quote, OWASP's advice against CSV/formula injection, and read back without it."""
from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The cell to write for `value` (strings only; a leading quote is doubled so it survives)."""
    if isinstance(value, str) and value.startswith(TRIGGERS + ("'",)):
        return "'" + value
    return value


def restore(value):
    """The text that `neutralise` wrote as this cell."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in TRIGGERS + ("'",):
        return value[1:]
    return value


# The Chinese headers of the reviewer's workbook (`zongjie tag`/`suggest` XLSX) beside the
# English column names of CSV and JSON; `zongjie labels import` reads either.
HEADERS_ZH: dict[str, str] = {
    "source": "文件", "member": "压缩包内文件", "paragraph": "段落号", "headings": "所在标题",
    "text": "段落", "labels": "预测标签", "model": "模型版本", "corrected_labels": "更正标签",
    "note": "备注", "paragraphs": "段落数", "error": "问题说明",
}
SCORE_SUFFIX_ZH = "得分"  # a score column's header: the label, then this ("基建得分")
