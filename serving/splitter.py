"""Paragraph splitting for whole reports: lines, hard-wrap joining, headings, page furniture."""
from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

_CN_NUM = "一二三四五六七八九十百零〇"
# Numbered-heading styles, outermost first: 一、 (一) 1. （1） ①
HEADING_LEVELS: list[re.Pattern] = [
    re.compile(rf"^第[{_CN_NUM}\d]+[部分章节篇]"),
    re.compile(rf"^[{_CN_NUM}]+\s*[、.．]"),
    re.compile(rf"^[（(]\s*[{_CN_NUM}]+\s*[)）]"),
    re.compile(r"^\d{1,2}\s*(?:[、．]|\.(?!\d))"),
    re.compile(r"^[（(]\s*\d{1,2}\s*[)）]"),
    re.compile(r"^[①-⑳]"),
]
_PAGE_NUMBER = re.compile(
    r"^(?:第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|[-—–·\s]*\d{1,4}[-—–·\s]*|\d+\s*/\s*\d+"
    r"|page\s*\d+(?:\s*of\s*\d+)?)$", re.IGNORECASE)
_SENTENCE_END = "。！？!?；;：:”’」』）)…"
HEADING_MAX = 40
# Every heading pattern starts with one of these or a digit: other lines skip the patterns.
_HEADING_START = frozenset("第" + _CN_NUM + "(（" + "".join(map(chr, range(0x2460, 0x2474))))
_BLANKS = re.compile(r"[ \t\u3000\xa0]+")


class Paragraph(NamedTuple):
    number: int
    text: str
    headings: tuple[str, ...] = ()
    is_heading: bool = False

    @property
    def heading_path(self) -> str:
        return " > ".join(self.headings)


def heading_level(line: str) -> int | None:
    """The numbering level of a short heading line (0 = outermost), or None for body text."""
    if len(line) > HEADING_MAX or not line or (line[0] not in _HEADING_START and not line[0].isdecimal()):
        return None
    for level, pattern in enumerate(HEADING_LEVELS):
        if pattern.match(line):
            # "1.教育基础设施建设推进顺利。一是…" is a numbered paragraph, not a heading.
            body = line.rstrip("。.")
            return None if any(ch in body for ch in "。！？；") else level
    return None


def _is_wrapped(lines: list[str]) -> int | None:
    """The line width of a hard-wrapped text (PDF, fixed-width TXT), or None."""
    lengths = [len(line) for line in lines if len(line) >= 10]
    if len(lengths) < 4:
        return None
    width, _ = Counter(lengths).most_common(1)[0]
    near = sum(1 for n in lengths if width - 2 <= n <= width)
    return width if near >= 0.4 * len(lengths) and width >= 15 else None


def _join_wrapped(lines: list[str], width: int) -> list[str]:
    """Join a line to the one before when that one is full width and ends mid-sentence."""
    out: list[str] = []
    for line in lines:
        if (out and len(out[-1]) >= width - 2 and out[-1][-1] not in _SENTENCE_END
                and heading_level(out[-1]) is None and heading_level(line) is None):
            out[-1] += line
        else:
            out.append(line)
    return out


def split_lines(text: str, *, wrapped: bool | None = None) -> list[str]:
    """Clean paragraph texts: page numbers and repeated page headers dropped, wrapped lines joined.

    `wrapped`: True for text known to be hard-wrapped (PDF), False to keep every line break,
    None to detect fixed-width wrapping from the line lengths.
    """
    text = _BLANKS.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    pages = [[line for line in (raw.strip() for raw in page.split("\n"))
              if line and not _PAGE_NUMBER.match(line)]
             for page in text.split("\f")]
    lines = [line for page in pages for line in page]
    counts = Counter(line for line in lines if len(line) <= HEADING_MAX)
    repeated = {line for line, n in counts.items() if n >= 3 and heading_level(line) is None}
    if len(pages) > 1:  # running headers and footers: the same first or last line on most pages
        edges = Counter(line for page in pages if page for line in {page[0], page[-1]})
        repeated |= {line for line, n in edges.items()
                     if n >= 2 and n >= len(pages) / 2 and len(line) <= HEADING_MAX}
    lines = [line for line in lines if line not in repeated]
    if wrapped is False:
        return lines
    width = _is_wrapped(lines)
    if width is None and wrapped:
        width = 0  # known to be wrapped (a PDF's text layer): any line ending mid-sentence
    return lines if width is None else _join_wrapped(lines, width)


def split_document(text: str, *, wrapped: bool | None = None) -> list[Paragraph]:
    """Paragraphs of a report, each with the heading path (section titles) above it."""
    lines = split_lines(text, wrapped=wrapped)
    stack: list[tuple[int, str]] = []  # (level, heading text); the title is level -1
    headings: tuple[str, ...] = ()     # the texts of the stack, rebuilt when it changes
    out: list[Paragraph] = []
    for number, line in enumerate(lines, 1):
        level = heading_level(line)
        if number == 1 and level is None and len(line) <= HEADING_MAX and line[-1] not in "。！？；":
            level = -1  # the report's title
        out.append(Paragraph(number, line, headings, level is not None))
        if level is not None:
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, line))
            headings = tuple(h for _, h in stack)
    return out
