"""Labelled records: reading and validating the JSON Lines files under `labels/`."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .errors import DataError
from .labelset import validate_labels

REQUIRED = ("id", "text", "labels", "doc", "source")
SOURCE_PREFIXES = ("seed:", "import:", "feedback:")


@dataclass(frozen=True)
class Record:
    id: str
    text: str
    labels: tuple[str, ...]
    doc: str
    source: str
    genre: str = field(default="", compare=False)  # kind of document, where the record says it
    path: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    @property
    def is_seed(self) -> bool:
        return self.source.startswith("seed:")

    def to_json(self) -> dict:
        return {"id": self.id, "text": self.text, "labels": list(self.labels),
                "doc": self.doc, "source": self.source}


def parse_line(raw: str, *, path: str, line: int, strict: bool = True) -> Record:
    """Parse one JSON Lines record; `strict=False` accepts records with only text and labels."""
    try:
        obj = json.loads(raw.rstrip("\r\n"))
    except json.JSONDecodeError as exc:
        raise DataError(path, line, f"bad JSON: {exc.msg} (column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise DataError(path, line, "a record must be a JSON object")
    needed = REQUIRED if strict else ("text", "labels")
    missing = [k for k in needed if k not in obj]
    if missing:
        raise DataError(path, line, f"missing field {', '.join(repr(m) for m in missing)}")
    text = obj["text"]
    if not isinstance(text, str):
        raise DataError(path, line, "'text' must be a string")
    if not text.strip():
        raise DataError(path, line, "empty text")
    labels, problem = validate_labels(obj["labels"])
    if problem:
        raise DataError(path, line, problem)
    for key in ("id", "doc", "source"):
        if key in obj and not (isinstance(obj[key], str) and obj[key].strip()):
            raise DataError(path, line, f"'{key}' must be a non-empty string")
    source = obj.get("source", "")
    if strict and source != "authored" and not source.startswith(SOURCE_PREFIXES):
        raise DataError(path, line, f"unknown source {source!r} (use 'authored', "
                                    "'seed:<file>:<line>', 'import:<file>:<row>' or 'feedback:<id>')")
    return Record(id=obj.get("id", f"{Path(path).name}:{line}"), text=text, labels=tuple(labels),
                  doc=obj.get("doc", f"{Path(path).name}:{line}"), source=source or "unknown",
                  genre=obj["genre"] if isinstance(obj.get("genre"), str) else "", path=path, line=line)


def iter_file(path: str | Path, *, strict: bool = True) -> Iterator[Record | DataError]:
    """Yield each record of a JSONL file, or the DataError of a bad line (and go on)."""
    path = str(path)
    try:
        handle = open(path, encoding="utf-8")
    except OSError as exc:
        yield DataError(path, None, f"cannot read: {exc.strerror}")
        return
    with handle:
        try:
            for number, raw in enumerate(handle, 1):
                if not raw.strip():
                    continue
                try:
                    yield parse_line(raw, path=path, line=number, strict=strict)
                except DataError as exc:
                    yield exc
        except UnicodeDecodeError:
            yield DataError(path, None, "not UTF-8 text (save it as UTF-8)")


def label_files(labels_dir: str | Path) -> list[Path]:
    """Every JSON Lines file under the labels folder, in a stable order."""
    root = Path(labels_dir)
    if not root.is_dir():
        raise DataError(root, None, "labels folder not found")
    return sorted(root.rglob("*.jsonl"))


def read_file(path: str | Path, *, strict: bool = True) -> list[Record]:
    """All records of one file; the first bad line raises its DataError."""
    records = []
    for item in iter_file(path, strict=strict):
        if isinstance(item, DataError):
            raise item
        records.append(item)
    if not records:
        raise DataError(path, None, "no records")
    return records


def load_records(labels_dir: str | Path) -> list[Record]:
    """All records under the labels folder, validated; raises on the first bad line or duplicate id."""
    records: list[Record] = []
    seen: dict[str, Record] = {}
    for path in label_files(labels_dir):
        for rec in read_file(path):
            if rec.id in seen:
                first = seen[rec.id]
                raise DataError(rec.path, rec.line,
                                f"duplicate id {rec.id!r} (first at {first.path}:{first.line})")
            seen[rec.id] = rec
            records.append(rec)
    if not records:
        raise DataError(labels_dir, None, "no labelled records found (expected *.jsonl files)")
    return records
