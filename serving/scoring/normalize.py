"""`normalize_text` for a whole batch of paragraphs at once, as array operations on code points."""
from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

import numpy as np

from training.text import nfkc_images, normalize_text, t2s_images

from serving.scoring import speed

_COMPLEX = np.uint32(0xFFFFFFFF)
_NL, _SP, _ZERO = 10, 32, 48


@dataclass(frozen=True)
class _Tables:
    nfkc: np.ndarray    # code point -> its NFKC image when that is one character, else _COMPLEX
    lower: np.ndarray   # code point -> simplified, then str.lower(), when one character and context-free
    digit: np.ndarray   # what `\d` matches
    space: np.ndarray   # what `\s` matches, but the newline
    images: np.ndarray  # the compiled path's NFKC images of any length: images[starts[c]:starts[c + 1]]
    starts: np.ndarray
    complex: np.ndarray  # code points whose images the compiled path cannot fold (Σ, an image with a newline)


_TABLES: _Tables | None = None
_LOCK = threading.Lock()


def tables() -> _Tables:
    """Built once per process from the NFKC and traditional-to-simplified images `normalize_text`
    uses, str.lower() and re itself (~30 ms); the batch labeller builds them before forking its workers."""
    global _TABLES
    with _LOCK:
        if _TABLES is None:
            nfkc = np.arange(0x10000, dtype=np.uint32)
            lower = nfkc.copy()
            digit = np.zeros(0x10000, dtype=bool)
            space = np.zeros(0x10000, dtype=bool)
            nfkc[0xD800:0xE000] = lower[0xD800:0xE000] = _COMPLEX  # never in a decoded str
            for char, image in nfkc_images().items():  # the images normalize_text uses
                nfkc[ord(char)] = ord(image) if len(image) == 1 and image != "\n" else _COMPLEX
            for code in (*range(0xD800), *range(0xE000, 0x10000)):
                small = chr(code).lower()
                if len(small) != 1:
                    lower[code] = _COMPLEX
                elif small != chr(code):
                    lower[code] = ord(small)
            lower[0x3A3] = _COMPLEX  # Σ lowers to σ or ς by context
            for code, simple in t2s_images().items():  # CJK: no case, so one table does both
                lower[code] = simple
            every = "".join(map(chr, range(0xD800))) + "\x00" * 0x800 + "".join(map(chr, range(0xE000, 0x10000)))
            digit[[m.start() for m in re.finditer(r"\d", every)]] = True
            space[[m.start() for m in re.finditer(r"\s", every)]] = True
            space[10] = False  # newlines separate paragraphs
            _TABLES = _Tables(nfkc, lower, digit, space, *_expansions(lower))
    return _TABLES


def _expansions(lower: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NFKC images of every length for the compiled path (…, ㎡ and ℃ expand), and the code
    points it cannot fold: an image with a newline or a character that lower() cannot map alone."""
    lengths = np.ones(0x10000, dtype=np.uint32)
    images = nfkc_images()
    for char, image in images.items():
        lengths[ord(char)] = len(image)
    starts = np.zeros(0x10001, dtype=np.uint32)
    np.cumsum(lengths, out=starts[1:])
    flat = np.arange(0x10000, dtype=np.uint32)[np.repeat(np.arange(0x10000), lengths)]
    complex_ = np.zeros(0x10000, dtype=bool)
    complex_[0xD800:0xE000] = True
    for char, image in images.items():
        codes = [ord(c) for c in image]
        flat[starts[ord(char)]:starts[ord(char) + 1]] = codes
        complex_[ord(char)] |= "\n" in image or any(c >= 0x10000 or lower[c] == _COMPLEX for c in codes)
    complex_ |= (lower == _COMPLEX) & (lengths == 1) & (flat[starts[:-1]] == np.arange(0x10000))
    return flat, starts, complex_


def _previous(mask: np.ndarray) -> np.ndarray:
    out = np.zeros_like(mask)
    out[1:] = mask[:-1]
    return out


def _slow(codes: np.ndarray, t: _Tables) -> np.ndarray:
    """Indices of the newline-separated paragraphs holding a character the tables cannot fold
    (NFKC expanding or composing, Σ, astral characters): those go through `normalize_text`."""
    doc = np.cumsum(codes == _NL)
    risky = codes >= 0x10000
    images = t.nfkc[np.where(risky, 0, codes)]
    risky |= images == _COMPLEX
    risky |= t.lower[np.where(risky, 0, images)] == _COMPLEX
    slow = np.unique(doc[risky])
    # NFKC of each character is NFKC of the text only when the result is normalized: checked
    # for the whole batch, and paragraph by paragraph only when the batch fails.
    safe = np.where(np.isin(doc, slow) & (codes != _NL), _SP, np.where(risky, 0, images))
    if not unicodedata.is_normalized("NFKC", safe.astype(np.uint32).tobytes().decode("utf-32-le")):
        parts = safe.astype(np.uint32).tobytes().decode("utf-32-le").split("\n")
        slow = np.union1d(slow, [i for i, part in enumerate(parts) if not unicodedata.is_normalized("NFKC", part)])
    return slow


def _fold(codes: np.ndarray, t: _Tables) -> np.ndarray:
    """NFKC, simplified characters, lower(), numbers -> "0", white-space runs -> " ", spaces at
    paragraph edges dropped: `normalize_text` per newline-separated paragraph, for text that
    `_slow` found no paragraph of."""
    if not len(codes):
        return codes
    images = t.nfkc[codes]
    text = t.lower[images]
    # `\d+(?:[.,]\d+)*` -> "0": a separator belongs to a number between two digits; each run
    # of number characters is one match (the character after a match is never a digit).
    digit = t.digit[text]
    number = digit.copy()
    number[1:-1] |= ((text[1:-1] == 46) | (text[1:-1] == 44)) & digit[:-2] & digit[2:]
    first = number & ~_previous(number)
    space = t.space[text]
    keep = (~number | first) & (~space | ~_previous(space))
    text = np.where(first, _ZERO, np.where(space, _SP, text))[keep]
    # strip(): one space at most is left at each paragraph edge.
    edge = np.ones(len(text) + 2, dtype=bool)
    edge[1:-1] = text == _NL
    drop = (text == _SP) & (edge[:-2] | edge[2:])
    return text[~drop] if drop.any() else text


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _compiled_folds(codes: np.ndarray, t: _Tables) -> tuple[np.ndarray, list[int]]:
    """The compiled path: (folded code points, the paragraphs left to `normalize_text`: a
    character it cannot fold, or per-character NFKC images that are not normalized text)."""
    risky = codes >= 0x10000
    risky[~risky] = t.complex[codes[~risky]]
    slow: list[int] = np.unique(np.cumsum(codes == _NL)[risky]).tolist() if risky.any() else []
    if slow:
        codes = _blank(codes, slow)
    images = speed.native.expand(codes, t.images, t.starts)
    text = images.decode("utf-32-le")
    if not unicodedata.is_normalized("NFKC", text):  # composition across characters
        more = [i for i, part in enumerate(text.split("\n")) if not unicodedata.is_normalized("NFKC", part)]
        slow = sorted(set(slow) | set(more))
        codes = _blank(codes, slow)
        images = speed.native.expand(codes, t.images, t.starts)
    folded = speed.native.fold(images, t.lower, t.digit, t.space)
    return np.frombuffer(folded, dtype=np.uint32), slow


def _blank(codes: np.ndarray, paragraphs: list[int]) -> np.ndarray:
    parts = codes.tobytes().decode("utf-32-le").split("\n")
    for i in paragraphs:
        parts[i] = ""
    return _codes("\n".join(parts))


def normalize_batch(texts: list[str]) -> tuple[list[str], str, np.ndarray]:
    """`[normalize_text(t) for t in texts]`, the same joined by newlines, and its code points
    (uint32), computed in one pass over the joined batch. Equal because the joints are
    newlines, which no step creates, removes or crosses (tests check it on every label).
    Paragraphs with a character the tables cannot fold take `normalize_text`, one by one."""
    if not texts:
        return [], "", np.zeros(0, dtype=np.uint32)
    tables_ = tables()
    flat = [t.replace("\n", " ") for t in texts]
    codes = _codes("\n".join(flat))
    if speed.native is not None:
        codes, slow = _compiled_folds(codes, tables_)
    else:
        slow = _slow(codes, tables_).tolist()
        if slow:
            for i in slow:
                flat[i] = ""
            codes = _codes("\n".join(flat))
        codes = _fold(codes, tables_)
    joined = codes.tobytes().decode("utf-32-le")
    if not slow:
        return joined.split("\n"), joined, codes
    parts = joined.split("\n")
    for i in slow:
        parts[i] = normalize_text(texts[i])
    joined = "\n".join(parts)
    return parts, joined, _codes(joined)
