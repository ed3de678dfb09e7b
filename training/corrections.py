"""Corrections into labels/: parse the files people edit (CSV/XLSX from `zongjie tag`, JSONL),
validate them, and append new records, skipping duplicates and reporting conflicts."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .cells import HEADERS_ZH, restore
from .dataset import load_records
from .labelset import validate_labels
from .errors import DataError

IMPORT_FILE = "data/imported.jsonl"
FEEDBACK_FILE = "data/feedback.jsonl"
_SPLIT = re.compile(r"[、,，;；\s]+")
NO_LABEL = {"无", "无标签", "none", "-", "—", "（无）", "(无)"}
ALIASES = {zh: en for en, zh in HEADERS_ZH.items()}  # the workbook's Chinese headers


@dataclass
class Correction:
    text: str
    labels: Any  # as read (any JSON value); a list of labels once `validate_labels` passes it
    row: int
    doc: str = ""
    model: str = ""
    user: str = ""
    note: str = ""


@dataclass
class ImportResult:
    added: list[dict] = field(default_factory=list)
    duplicates: int = 0
    unreviewed: int = 0
    conflicts: list[str] = field(default_factory=list)
    path: Path | None = None
    conflicting: set[int] = field(default_factory=set)  # rows (inbox ids) of the conflicts


def parse_label_cell(value) -> list[str] | None:
    """`corrected_labels` as people type it; None when the cell is empty (row not reviewed)."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if text.lower() in NO_LABEL:
        return []
    return [part for part in _SPLIT.split(text) if part]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataError(None, None, "cannot decode the CSV (not UTF-8 or GBK)")


def _rows(path: Path) -> tuple[list[str], list[list]]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            # Formulas as their text (an old output's "=…" paragraph), never a cached result.
            book = load_workbook(path, read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            raise DataError(path, None, f"not a readable .xlsx file ({type(exc).__name__})") from None
        sheet = book["paragraphs"] if "paragraphs" in book.sheetnames else book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    else:
        try:
            text = _decode(path.read_bytes())
        except DataError as exc:
            raise DataError(path, None, exc.problem) from None
        rows = _csv_rows(path, text)
    if not rows:
        raise DataError(path, None, "empty file")
    header = [str(h or "").strip() for h in rows[0]]
    return [ALIASES.get(h, h) for h in header], rows[1:]


def _csv_rows(path: Path, text: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text))
    try:
        return list(reader)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise DataError(path, reader.line_num, f"a cell has more than {csv.field_size_limit():,} "
                            "characters (a paragraph is far shorter): is this the file you meant?") from None
        raise DataError(path, reader.line_num, f"not a readable CSV file ({exc})") from None


def read_corrections(path: str | Path) -> tuple[list[Correction], int, list[DataError]]:
    """(corrections, rows not reviewed, problems) of a CSV/XLSX/JSONL file."""
    path = Path(path)
    if not path.exists():
        raise DataError(path, None, "no such file")
    if path.suffix.lower() == ".jsonl":
        return _read_jsonl(path)
    header, rows = _rows(path)
    if "text" not in header or "corrected_labels" not in header:
        raise DataError(path, 1, "needs the columns 'text' and 'corrected_labels' (段落 and 更正标签 in "
                                 "a workbook): the output of `zongjie tag` or `zongjie suggest`")
    col = {name: i for i, name in enumerate(header)}
    out, unreviewed, problems = [], 0, list[DataError]()
    for number, row in enumerate(rows, 2):
        cell = lambda name: (row[col[name]] if name in col and col[name] < len(row) else None)  # noqa: E731
        labels = parse_label_cell(cell("corrected_labels"))
        if labels is None:
            unreviewed += 1
            continue
        text = "" if cell("text") is None else str(restore(cell("text")))
        doc = "!".join(str(restore(cell(k))) for k in ("source", "member") if cell(k))
        out.append(Correction(text=text, labels=labels, row=number, doc=doc,
                              model=str(cell("model") or ""), note=str(cell("note") or "")))
    return out, unreviewed, problems


def _read_jsonl(path: Path) -> tuple[list[Correction], int, list[DataError]]:
    out, problems = [], []
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
                if not isinstance(obj, dict):
                    raise ValueError
            except ValueError:
                problems.append(DataError(path, number, "bad JSON (one object per line)"))
                continue
            labels = obj.get("labels")
            out.append(Correction(text=str(obj.get("text") or ""), labels=labels, row=number,
                                  doc=str(obj.get("doc") or ""), model=str(obj.get("model") or ""),
                                  user=str(obj.get("user") or ""), note=str(obj.get("note") or "")))
    return out, 0, problems


def import_corrections(*, labels_dir: str | Path, path: str | Path, user: str,
                       when: datetime | None = None) -> ImportResult:
    """Validate every correction first; if all are valid, append the new ones to labels/."""
    path = Path(path)
    corrections, unreviewed, problems = read_corrections(path)
    for c in corrections:
        if not c.text.strip():
            problems.append(DataError(path, c.row, "empty text"))
            continue
        labels, problem = validate_labels(c.labels)
        if problem:
            problems.append(DataError(path, c.row, problem))
        c.labels = labels
    if problems:
        raise ImportProblems(problems)
    stamp = (when or datetime.now(timezone.utc)).isoformat(timespec="seconds")

    def record(c: Correction) -> dict:
        digest = hashlib.sha1(c.text.encode("utf-8")).hexdigest()[:12]
        return {"id": f"imp-{digest}", "text": c.text, "labels": c.labels,
                "doc": "imp:" + (c.doc or f"{path.name}"), "source": f"import:{path.name}:{c.row}",
                "by": c.user or user, "at": stamp, "model": c.model, **({"note": c.note} if c.note else {})}

    return merge_corrections(labels_dir, corrections, into=IMPORT_FILE, record=record,
                             place=lambda c: f"{path}:{c.row}", unreviewed=unreviewed)


def accept_feedback(labels_dir: str | Path, items: list) -> ImportResult:
    """Corrections posted to /v1/feedback (serving/api/feedback.py's Feedback) into
    labels/data/feedback.jsonl, de-duplicated and checked for conflicts as an import is."""
    corrections = [Correction(text=f.text, labels=list(f.labels), row=f.id, doc=f"feedback-{f.id}",
                              model=f.model, user=f.user, note=f.note) for f in items]
    created = {f.id: f.created for f in items}

    def record(c: Correction) -> dict:
        return {"id": f"fb-{c.row}", "text": c.text, "labels": c.labels, "doc": c.doc,
                "source": f"feedback:{c.row}", "by": c.user, "at": created[c.row], "model": c.model,
                **({"note": c.note} if c.note else {})}

    return merge_corrections(labels_dir, corrections, into=FEEDBACK_FILE, record=record,
                             place=lambda c: f"#{c.row}")


def merge_corrections(labels_dir: str | Path, corrections: list[Correction], *, into: str, record,
                      place, unreviewed: int = 0) -> ImportResult:
    """Append `record(c)` of each correction not yet in labels/ to labels/`into`: the same text
    with the same labels is a duplicate (skipped), with other labels a conflict (reported, kept
    out); `place(c)` says where a correction comes from in the conflict's message."""
    existing = {_key(r.text): r for r in load_records(labels_dir)}
    result = ImportResult(unreviewed=unreviewed)
    seen: set[str] = set()
    for c in corrections:
        key = _key(c.text)
        if key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        known = existing.get(key)
        if known is not None:
            if list(known.labels) == c.labels:
                result.duplicates += 1
            else:
                result.conflicting.add(c.row)
                result.conflicts.append(
                    f"{place(c)}: conflicts with {known.path}:{known.line} ({known.id}): "
                    f"labelled {'、'.join(known.labels) or '(无)'} there, {'、'.join(c.labels) or '(无)'} here "
                    "(not imported: fix one of them)")
            continue
        result.added.append(record(c))
    if result.added:
        result.path = append_records(Path(labels_dir) / into, result.added)
    return result


class ImportProblems(DataError):
    """Several invalid rows: all are reported, nothing is imported."""

    def __init__(self, problems: list[DataError]):
        self.problems = problems
        super().__init__(None, None, "\n".join(str(p) for p in problems)
                         + f"\n{len(problems)} invalid row(s): nothing imported")


def append_records(path: Path, records: list[dict]) -> Path:
    """Append JSON Lines durably (flush and fsync before returning)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as out:
        for rec in records:
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        out.flush()
        os.fsync(out.fileno())
    return path


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text)
