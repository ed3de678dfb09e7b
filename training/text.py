"""Text normalisation shared by training and serving: NFKC, traditional to simplified characters,
case, numbers, white space."""
from __future__ import annotations

import re
import unicodedata

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"[\w\u4e00-\u9fff]")  # a token must hold a letter, digit or CJK character


_NFKC_TABLE: dict[str, str] | None = None
_NFKC_CHARS: re.Pattern | None = None


def nfkc_images() -> dict[str, str]:
    """Every BMP character (surrogates aside) that NFKC changes, with its image; built once."""
    global _NFKC_TABLE, _NFKC_CHARS
    if _NFKC_TABLE is None:
        images = ((chr(c), unicodedata.normalize("NFKC", chr(c))) for c in range(0x10000)
                  if not 0xD800 <= c < 0xE000)
        table = {char: image for char, image in images if image != char}
        # A regex finds the few characters to map much faster than str.translate visits all.
        _NFKC_CHARS = re.compile("[" + "".join(map(re.escape, table)) + "]")
        _NFKC_TABLE = table
    return _NFKC_TABLE


def nfkc(text: str) -> str:
    """`unicodedata.normalize("NFKC", text)`, faster for text made of single characters with
    compatibility forms (，；（）１２ …): map each character, and fall back to the full algorithm
    when the result is not normalized (composition across characters). Same result either way:
    NFKC of the per-character images equals NFKC of the text, and is the images when normalized."""
    table = nfkc_images()
    assert _NFKC_CHARS is not None  # built with the table
    mapped = _NFKC_CHARS.sub(lambda m: table[m.group()], text)
    return mapped if unicodedata.is_normalized("NFKC", mapped) else unicodedata.normalize("NFKC", text)


_T2S_TABLE: dict[int, int] | None = None


def t2s_images() -> dict[int, int]:
    """Traditional -> simplified, one character to one character, as OpenCC's `t2s` converts each
    BMP character on its own (phrase-level conversions are not used: the fast path maps code
    points through tables). Built once per process (~10 ms)."""
    global _T2S_TABLE
    if _T2S_TABLE is None:
        import opencc

        chars = [chr(c) for c in range(0x2E80, 0x10000) if not 0xD800 <= c < 0xE000]
        simplified = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
        if len(simplified) != len(chars):  # OpenCC keeps one line per line; checked, not assumed
            raise RuntimeError("OpenCC changed the number of lines of the character table")
        _T2S_TABLE = {ord(a): ord(b) for a, b in zip(chars, simplified)
                      if a != b and len(b) == 1 and b != "\n"}
    return _T2S_TABLE


def to_simplified(text: str) -> str:
    """Traditional characters to simplified ones, character by character (`t2s_images`)."""
    return text.translate(t2s_images())


def normalize_text(text: str) -> str:
    """Fold full-width forms (NFKC), traditional characters (OpenCC, per character), case,
    numbers (every number becomes 0) and white space."""
    text = to_simplified(nfkc(text)).lower()
    text = _NUMBER.sub("0", text)
    return _SPACE.sub(" ", text).strip()


def normalize_with_offsets(text: str) -> tuple[str, list[tuple[int, int]]]:
    """`normalize_text` plus, for each output character, the span of the input it came from.

    Characters that NFKC composes with the one before ("e" + U+0301, "ｶ" + "ﾞ") share one span.
    The text always equals `normalize_text(text)`; in the rare text where case folding depends on
    the neighbours (a Greek final sigma), every character gets the whole input as its span.
    """
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    start = 0
    for end in range(1, len(text) + 1):
        if end < len(text) and _composes(text[start:end], text[end]):
            continue
        for out in to_simplified(unicodedata.normalize("NFKC", text[start:end])).lower():
            chars.append(out)
            spans.append((start, end))
        start = end
    folded, folded_spans = _substitute("".join(chars), spans, _NUMBER, "0")
    folded, folded_spans = _substitute(folded, folded_spans, _SPACE, " ")
    first = len(folded) - len(folded.lstrip())
    last = len(folded.rstrip())
    folded, folded_spans = folded[first:last], folded_spans[first:last]
    expected = normalize_text(text)
    if folded != expected:
        return expected, [(0, len(text))] * len(expected)
    return folded, folded_spans


def _composes(unit: str, char: str) -> bool:
    """Whether NFKC joins `char` to the characters before it (a combining mark, a voicing mark)."""
    if char.isascii() and unit[-1:].isascii():
        return False
    return unicodedata.normalize("NFKC", unit + char) != (unicodedata.normalize("NFKC", unit)
                                                          + unicodedata.normalize("NFKC", char))


def _substitute(text, spans, pattern, replacement):
    out, out_spans, last = [], [], 0
    for m in pattern.finditer(text):
        out.append(text[last:m.start()])
        out_spans.extend(spans[last:m.start()])
        out.append(replacement)
        out_spans.append((spans[m.start()][0], spans[m.end() - 1][1]))
        last = m.end()
    out.append(text[last:])
    out_spans.extend(spans[last:])
    return "".join(out), out_spans
