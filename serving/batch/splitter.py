"""Paragraph splitting for whole reports: lines, hard-wrap joining, headings, page furniture."""
from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

from training.context import HEADING_MAX, TITLE, heading_level, place_lines

_PAGE_NUMBER = re.compile(
    r"^(?:第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|[-—–·\s]*\d{1,4}[-—–·\s]*|\d+\s*/\s*\d+"
    r"|page\s*\d+(?:\s*of\s*\d+)?)$", re.IGNORECASE)
_SENTENCE_END = "。！？!?；;：:”’」』）)…"
_SPACES = re.compile(" {2,}")


def _one_space(text: str) -> str:
    r"""Every run of blanks (space, tab, U+3000, no-break space) as one space: what
    `re.sub(r"[ \t\u3000\xa0]+", " ", text)` gives, at the speed of str.replace (the regex scans a
    report's every character in Python's engine)."""
    for blank in "\t\u3000\xa0":
        if blank in text:
            text = text.replace(blank, " ")
    return _SPACES.sub(" ", text) if "  " in text else text


class Paragraph(NamedTuple):
    number: int
    text: str
    headings: tuple[str, ...] = ()
    is_heading: bool = False
    is_title: bool = False

    @property
    def heading_path(self) -> str:
        return " > ".join(self.headings)


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
    text = _one_space(text.replace("\r\n", "\n").replace("\r", "\n"))
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
    """Paragraphs of a report, each with the heading path (title and section headings) above it."""
    lines = split_lines(text, wrapped=wrapped)
    return [Paragraph(number, line, placed.headings, placed.level is not None, placed.level == TITLE)
            for number, (line, placed) in enumerate(zip(lines, place_lines(lines)), 1)]
