"""What every posted paragraph must pass: how many, none empty, none too long, the explain budget."""
from __future__ import annotations

from serving.settings import Settings
from serving.api.errors import ApiError


def check_paragraphs(paragraphs: list[str], settings: Settings, what: str = "paragraphs",
                     explain: bool = False) -> None:
    if not paragraphs:
        raise ApiError(422, "no_paragraphs", f"{what} is empty: send at least one paragraph")
    if len(paragraphs) > settings.max_paragraphs:
        raise ApiError(413, "too_many_paragraphs",
                       f"{len(paragraphs)} paragraphs; at most {settings.max_paragraphs} per request")
    for i, text in enumerate(paragraphs):
        if not text.strip():
            raise ApiError(422, "empty_paragraph", f"{what}[{i}] is empty or only white space")
        if len(text) > settings.max_paragraph_chars:
            raise ApiError(422, "paragraph_too_long", f"{what}[{i}] has {len(text)} characters; "
                           f"at most {settings.max_paragraph_chars}")
    total = sum(map(len, paragraphs))
    if explain and total > settings.max_explain_chars:  # explaining costs ~3 s of CPU per MB
        raise ApiError(413, "explain_too_large", f"explain is limited to {settings.max_explain_chars:,} "
                       f"characters per request (this one has {total:,}): send fewer paragraphs "
                       "per request, or leave explain out")
