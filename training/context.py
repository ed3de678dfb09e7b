"""Document context: numbered headings, each paragraph's heading path, and what the title and
the headings above a paragraph say about it (a plan, a report, a list of problems).

One implementation for the trainer (which rebuilds the paths of labelled documents from their
records in order) and for serving (the batch labeller and `/v1/classify/document`).
"""
from __future__ import annotations

import functools
import re
from typing import NamedTuple

_CN_NUM = "一二三四五六七八九十百零〇"
# Numbered-heading styles, outermost first: 第一部分  一、  (一)  1.  （1）  ①
HEADING_LEVELS: list[re.Pattern] = [
    re.compile(rf"^第[{_CN_NUM}\d]+[部分章节篇]"),
    re.compile(rf"^[{_CN_NUM}]+\s*[、.．]"),
    re.compile(rf"^[（(]\s*[{_CN_NUM}]+\s*[)）]"),
    re.compile(r"^\d{1,2}\s*(?:[、．]|\.(?!\d))"),
    re.compile(r"^[（(]\s*\d{1,2}\s*[)）]"),
    re.compile(r"^[①-⑳]"),
]
HEADING_MAX = 40
TITLE = -1  # the level of a document's title
# Every heading pattern starts with one of these or a digit: other lines skip the patterns.
_HEADING_START = frozenset("第" + _CN_NUM + "(（" + "".join(map(chr, range(0x2460, 0x2474))))


def numbering_level(line: str) -> int | None:
    """The numbering style of a line (0 = outermost), or None when it is not numbered."""
    if not line or (line[0] not in _HEADING_START and not line[0].isdecimal()):
        return None
    for level, pattern in enumerate(HEADING_LEVELS):
        if pattern.match(line):
            return level
    return None


def heading_level(line: str) -> int | None:
    """The numbering level of a short heading line (0 = outermost), or None for body text."""
    if len(line) > HEADING_MAX:
        return None
    level = numbering_level(line)
    # "1.教育基础设施建设推进顺利。一是…" is a numbered paragraph, not a heading.
    if level is not None and any(ch in line.rstrip("。.") for ch in "。！？；"):
        return None
    return level


def is_title(line: str) -> bool:
    """Whether a document's first line reads as its title (short, not a sentence, not numbered)."""
    return (0 < len(line) <= HEADING_MAX and line[-1] not in "。！？；:："
            and numbering_level(line) is None)


class Placed(NamedTuple):
    headings: tuple[str, ...]  # the title and section headings above the line
    level: int | None          # its own heading level (TITLE for the title), None for body text


def place_lines(lines: list[str]) -> list[Placed]:
    """Each line's heading path and heading level. A short numbered line is a heading only when
    it is not in a list: "1.…" followed by "2.…" is a list item, and so is the last item of a
    list ("3.…" after "2.…", whatever follows it)."""
    numbering = [numbering_level(line) for line in lines]
    stack: list[tuple[int, str]] = []
    path: tuple[str, ...] = ()  # the headings of `stack`, rebuilt only when it changes
    out = []
    for i, line in enumerate(lines):
        level = numbering[i]
        if level is not None:  # heading_level, from the numbering already found
            if len(line) > HEADING_MAX or any(ch in line.rstrip("。.") for ch in "。！？；"):
                level = None
            elif level in (numbering[i + 1] if i + 1 < len(lines) else None, numbering[i - 1] if i else None):
                level = None  # an item of a list, not the title of what follows
        if i == 0 and level is None and is_title(line):
            level = TITLE
        if level is None:
            out.append(Placed(path, None))
            continue
        while stack and stack[-1][0] >= level:
            stack.pop()
        out.append(Placed(tuple(h for _, h in stack), level))
        stack.append((level, line))
        path = tuple(h for _, h in stack)
    return out


# What a title or heading says the text under it does. Checked in this order; the first match wins.
_CUES = [
    ("problem", re.compile(r"问题|不足|困难|差距|短板|薄弱|隐患|挑战")),
    ("plan", re.compile(r"计划|打算|要点|方案|安排|思路|任务|下一步|下步|目标|举措|措施|意见|通知|规划|部署|重点工作|工作要求")),
    ("report", re.compile(r"总结|报告|汇报|述职|成效|成绩|回顾|完成情况|开展情况|进展|做法|经验|亮点|主要工作|公报|调研")),
]
CONTEXT_CUES = tuple(f"{where}:{kind}" for where in ("title", "section") for kind, _ in _CUES)


def _kind(text: str) -> str | None:
    for kind, pattern in _CUES:
        if pattern.search(text):
            return kind
    return None


def context_vector(title: str | None, headings: tuple[str, ...] | list[str]) -> list[float]:
    """Indicators (in CONTEXT_CUES order) of what the title and the nearest telling heading say.

    A title naming both a report and a plan ("…工作总结及2025年工作计划") says neither.
    """
    return list(_context_vector(title, tuple(headings)))


@functools.lru_cache(maxsize=4096)  # the paragraphs of a section share their headings
def _context_vector(title: str | None, headings: tuple[str, ...]) -> tuple[float, ...]:
    vector = [0.0] * len(CONTEXT_CUES)
    if title:
        kinds = {kind for kind, pattern in _CUES if pattern.search(title)}
        if len(kinds - {"problem"}) == 1:
            vector[CONTEXT_CUES.index(f"title:{(kinds - {'problem'}).pop()}")] = 1.0
    for heading in reversed(headings):
        kind = _kind(heading)
        if kind is not None:
            vector[CONTEXT_CUES.index(f"section:{kind}")] = 1.0
            break
    return tuple(vector)


def document_contexts(texts: list[str]) -> list[list[float]]:
    """The context vector of every paragraph of one document, given its paragraphs in order."""
    placed = place_lines(texts)
    title = texts[0] if placed and placed[0].level == TITLE else None
    return [context_vector(title, p.headings[1:] if title else p.headings) for p in placed]


def apply_context(S, C, layer):
    """Scores adjusted by context: per label sigmoid(a·logit(s) + w·c + b), `layer` rows being
    (a, w…, b) in CONTEXT_CUES order (labels without context: a = 1, w = 0, b = 0)."""
    import numpy as np

    S = np.clip(np.asarray(S, dtype=float), 1e-12, 1 - 1e-12)
    layer = np.asarray(layer, dtype=float)
    z = np.log(S / (1 - S)) * layer[:, 0] + np.asarray(C, dtype=float) @ layer[:, 1:-1].T + layer[:, -1]
    return 1.0 / (1.0 + np.exp(-z))


def contexts_of_records(records) -> list[list[float]]:
    """Context vectors of labelled records, rebuilt per document from the records' order."""
    by_doc: dict[str, list[int]] = {}
    for i, rec in enumerate(records):
        by_doc.setdefault(rec.doc, []).append(i)
    out: list[list[float]] = [[]] * len(records)
    for indices in by_doc.values():
        for i, vector in zip(indices, document_contexts([records[i].text for i in indices])):
            out[i] = vector
    return out
