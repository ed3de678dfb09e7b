"""Output files of the batch labeller (JSONL, CSV for Excel, XLSX) with a progress journal that
makes an interrupted run resumable without duplicated or lost paragraphs."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import BinaryIO

from training.cells import neutralise
from training.errors import DataError

from serving.batch.rows import COLUMNS, csv_line, row_values

FORMATS = ("jsonl", "csv", "xlsx")


class Journal:
    """`<OUT>.progress`: one JSON line per finished document, written after its rows."""

    def __init__(self, out: Path):
        self.path = out.with_name(out.name + ".progress")

    def entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        entries = []
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    entries.append(json.loads(line))
                except json.JSONDecodeError:
                    break  # a line cut short by a kill: everything after it is redone
        return entries

    def open(self, keep: int) -> None:
        entries = self.entries()[:keep]
        with open(self.path, "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)
        self.handle = open(self.path, "a", encoding="utf-8")

    def add(self, entry: dict) -> None:
        self.handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self.handle.flush()

    def sync(self) -> None:
        os.fsync(self.handle.fileno())

    def close(self, remove: bool) -> None:
        _close(self.handle, quiet=not remove)
        if remove:
            self.path.unlink(missing_ok=True)


class RowSink:
    """Appends rows document by document; the data file is the output itself (jsonl, csv) or a
    JSONL spool converted to XLSX at the end (a workbook cannot be appended to)."""

    def __init__(self, out: Path, fmt: str):
        if fmt not in FORMATS:
            raise DataError(None, None, f"unknown format {fmt!r} (choose {', '.join(FORMATS)})")
        self.out, self.fmt = out, fmt
        self.data_path = out.with_name(out.name + ".spool.jsonl") if fmt == "xlsx" else out

    def size(self) -> int:
        """Bytes in the data file so far; -1 when there is none."""
        try:
            return self.data_path.stat().st_size
        except FileNotFoundError:
            return -1

    def open(self, offset: int | None) -> None:
        """Start afresh (offset None) or continue after `offset` bytes, dropping anything later."""
        if offset is None:
            self.handle: BinaryIO = open(self.data_path, "wb")
            if self.fmt == "csv":
                self.handle.write(("\ufeff" + csv_line(COLUMNS)).encode("utf-8"))
        else:
            self.handle = open(self.data_path, "r+b")
            self.handle.truncate(offset)
            self.handle.seek(offset)

    def write(self, data: bytes) -> int:
        """Append one document's encoded rows; returns the offset after them."""
        self.handle.write(data)
        self.handle.flush()
        return self.handle.tell()

    def sync(self) -> None:
        os.fsync(self.handle.fileno())

    def finish(self, summary: list[dict]) -> None:
        self.handle.close()
        if self.fmt == "xlsx":
            write_xlsx(self.data_path, self.out, summary)
            self.data_path.unlink()

    def abort(self) -> None:
        _close(self.handle, quiet=True)


def _close(handle, quiet: bool) -> None:
    """Close a file; after a failure (a full disk) its last flush may fail too: that is known."""
    try:
        handle.close()
    except OSError:
        if not quiet:
            raise


def write_xlsx(spool: Path, out: Path, summary: list[dict]) -> None:
    """Stream the spooled rows into the reviewer's workbook (paragraphs and documents sheets)."""
    from serving.batch.workbook import write_workbook

    tmp = out.with_name(out.name + ".tmp")
    with open(spool, encoding="utf-8") as handle:
        write_workbook(tmp, map(json.loads, handle), summary)
    os.replace(tmp, out)


def write_errors(path: Path, errors: list[dict]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "member", "problem", "skipped"])
        for e in errors:
            writer.writerow([*map(neutralise, (e["source"], e["member"], e["error"])),
                             "yes" if e["skipped"] else "no"])


def write_table(path: Path, fmt: str, rows: list[dict]) -> None:
    """Write finished rows in the batch labeller's format (what `labels import` reads back)."""
    if fmt not in FORMATS:
        raise DataError(None, None, f"unknown format {fmt!r} (choose {', '.join(FORMATS)})")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        from serving.batch.workbook import write_workbook

        write_workbook(path, rows)
        return
    with open(path, "w", encoding="utf-8", newline="") as out:
        if fmt == "csv":
            out.write("\ufeff" + csv_line(COLUMNS))
            out.writelines(csv_line(row_values(row)) for row in rows)
        else:
            out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
