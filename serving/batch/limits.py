"""What one document may cost the batch labeller: unpacked bytes, zip nesting, characters.

A limit that is reached is that document's error row (the run goes on), with the setting that
raises it. Every reader takes its input through `read_bounded`, so no file, member or part of a
package is ever held in memory beyond these bounds."""
from __future__ import annotations

from dataclasses import dataclass

from training.errors import ZongjieError


class ReadError(ZongjieError):
    """This file cannot be read; the message says why (it goes into the errors file). The
    subclasses are the reasons the review page explains (serving/api/routes/review.py)."""

    code = "unreadable"


class Skipped(ReadError):
    """This file is not read on purpose (unknown type, no converter installed, not a file)."""


class UnsupportedType(Skipped):
    """No reader for this file's extension."""

    code = "unsupported_type"


class LimitExceeded(ReadError):
    """The document is larger than a configured limit (or than the memory there is to read it)."""

    code = "too_large"


class EncryptedPdf(ReadError):
    """A PDF that needs a password."""

    code = "encrypted_pdf"


class NoText(ReadError):
    """The document holds no text."""

    code = "no_text"


class NoTextLayer(NoText):
    """A PDF without a text layer (a scan)."""


def size_text(n: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):.3g} {unit}"
    return f"{n} bytes"


@dataclass(frozen=True)
class Limits:
    document_bytes: int = 64 << 20     # unpacked bytes of one file, member or docx part
    archive_bytes: int = 1 << 30       # unpacked bytes of all the members of one zip
    zip_depth: int = 8                 # zips inside zips
    document_chars: int = 5_000_000    # characters of one document's text
    paragraph_chars: int = 20_000      # characters of one paragraph

    @classmethod
    def from_settings(cls, settings) -> "Limits":
        return cls(document_bytes=settings.max_document_bytes,
                   archive_bytes=settings.max_archive_bytes, zip_depth=settings.max_zip_depth,
                   document_chars=settings.max_document_chars,
                   paragraph_chars=settings.max_paragraph_chars)

    def too_large(self, what: str, size: int | None = None) -> LimitExceeded:
        found = f" ({size_text(size)})" if size is not None else ""
        return LimitExceeded(f"{what}{found} is larger than {size_text(self.document_bytes)} "
                             "(ZONGJIE_MAX_DOCUMENT_BYTES): raise the limit to read it")

    def check_chars(self, n: int) -> None:
        if n > self.document_chars:
            raise LimitExceeded(f"more than {self.document_chars:,} characters of text "
                                "(ZONGJIE_MAX_DOCUMENT_CHARS): split the document or raise the limit")

    def check_paragraphs(self, paragraphs) -> None:
        for p in paragraphs:
            if len(p.text) > self.paragraph_chars:
                raise LimitExceeded(
                    f"paragraph {p.number} has {len(p.text):,} characters; at most "
                    f"{self.paragraph_chars:,} (ZONGJIE_MAX_PARAGRAPH_CHARS): a file without line "
                    "breaks? split it or raise the limit")


def read_bounded(handle, limits: Limits, what: str) -> bytes:
    """All of `handle` (a file or zip member), or LimitExceeded past `limits.document_bytes`."""
    data = handle.read(limits.document_bytes + 1)
    if len(data) > limits.document_bytes:
        raise limits.too_large(what)
    return data


class BoundedStream:
    """A file-like view of `handle` that raises LimitExceeded once more than the limit is read
    (for parsers that pull their input: lxml's iterparse over a docx part)."""

    def __init__(self, handle, limits: Limits, what: str):
        self.handle, self.limits, self.what, self.seen = handle, limits, what, 0

    def read(self, n: int = -1) -> bytes:
        data = self.handle.read(n if n >= 0 else self.limits.document_bytes + 1)
        self.seen += len(data)
        if self.seen > self.limits.document_bytes:
            raise self.limits.too_large(self.what)
        return data
