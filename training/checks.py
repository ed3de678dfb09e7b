"""`zongjie labels check` and `labels stats`: everything that can be wrong with the labelled data."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .dataset import Record, iter_file, label_files
from .errors import DataError
from .labelset import LABELS

NEAR_COPY_RUN = 30  # characters two records may not share (templates inflate every evaluation)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {'warning: ' if self.warning else ''}{self.message}"


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _near_copies(records: list[Record], run: int) -> list[Problem]:
    first_at: dict[str, int] = {}
    pairs: dict[tuple[int, int], str] = {}
    for index, rec in enumerate(records):
        text = _key(rec.text)
        for start in range(len(text) - run + 1):
            piece = text[start:start + run]
            other = first_at.setdefault(piece, index)
            if other != index and (other, index) not in pairs:
                pairs[(other, index)] = piece
    problems = []
    for (a, b), piece in sorted(pairs.items()):
        ra, rb = records[a], records[b]
        if rb.is_seed and not ra.is_seed:  # report it where it must be fixed: the authored side
            ra, rb = rb, ra
        if _key(ra.text) == _key(rb.text):
            continue  # reported as a duplicate text
        problems.append(Problem(
            rb.path, rb.line,
            f"near-copy of {ra.path}:{ra.line} ({ra.id}): they share {run}+ characters «{piece}»",
            warning=ra.is_seed and rb.is_seed))
    return problems


def _devset_copies(records: list[Record], devset: Path, run: int) -> list[Problem]:
    """Records sharing `run` characters with a development-set paragraph (warnings: a long
    political formula is shared by many documents; an imitated sentence must be rewritten)."""
    pieces: set[str] = set()
    for item in iter_file(devset, strict=False):
        if not isinstance(item, DataError):
            text = _key(item.text)
            pieces.update(text[start:start + run] for start in range(len(text) - run + 1))
    problems = []
    for rec in records:
        text = _key(rec.text)
        shared = next((text[i:i + run] for i in range(len(text) - run + 1) if text[i:i + run] in pieces), None)
        if shared is not None and not rec.is_seed:
            problems.append(Problem(rec.path, rec.line, f"shares {run}+ characters «{shared}» with the "
                                    f"development set {devset} (evaluation only): write it in your own words",
                                    warning=True))
    return problems


def check_labels(labels_dir: str | Path, *, run: int = NEAR_COPY_RUN,
                 devset: str | Path | None = None) -> list[Problem]:
    """Validate every labels file; return the problems in file order (warnings included).
    With `devset`, records that share `run` characters with its paragraphs are warned about."""
    problems: list[Problem] = []
    records: list[Record] = []
    try:
        files = label_files(labels_dir)
    except DataError as exc:
        return [Problem(str(labels_dir), None, exc.problem)]
    if not files:
        return [Problem(str(labels_dir), None, "no *.jsonl files")]
    for path in files:
        for item in iter_file(path):
            if isinstance(item, DataError):
                problems.append(Problem(item.path or str(path), item.line, item.problem))
            else:
                records.append(item)
    by_id: dict[str, Record] = {}
    by_text: dict[str, Record] = {}
    for rec in records:
        if rec.id in by_id:
            first = by_id[rec.id]
            problems.append(Problem(rec.path, rec.line,
                                    f"duplicate id {rec.id!r} (first at {first.path}:{first.line})"))
        by_id.setdefault(rec.id, rec)
        key = _key(rec.text)
        if key in by_text:
            first = by_text[key]
            what = ("the same text with different labels" if first.labels != rec.labels
                    else "the same text twice")
            problems.append(Problem(rec.path, rec.line,
                                    f"{what}: also at {first.path}:{first.line} ({first.id})"))
        by_text.setdefault(key, rec)
    problems.extend(_near_copies(records, run))
    if devset is not None:
        problems.extend(_devset_copies(records, Path(devset), run))
    return sorted(problems, key=lambda p: (p.path, p.line or 0))


@dataclass(frozen=True)
class Stats:
    records: int
    docs: int
    by_group: dict[str, Counter]  # group ("seed" / "authored" / "other") -> label -> count
    group_sizes: dict[str, int]
    group_docs: dict[str, int]


def _group(rec: Record) -> str:
    if rec.is_seed:
        return "seed"
    return "authored" if rec.source == "authored" else "other"


def label_stats(records: list[Record]) -> Stats:
    """Counts per label, for seed, authored and other (imported) records."""
    by_group: dict[str, Counter] = {}
    sizes: Counter = Counter()
    docs: dict[str, set] = {}
    for rec in records:
        group = _group(rec)
        counter = by_group.setdefault(group, Counter())
        sizes[group] += 1
        docs.setdefault(group, set()).add(rec.doc)
        counter.update(rec.labels)
        counter["(none)"] += not rec.labels
        counter["(2+)"] += len(rec.labels) >= 2
    return Stats(records=len(records), docs=len({r.doc for r in records}), by_group=by_group,
                 group_sizes=dict(sizes), group_docs={g: len(d) for g, d in docs.items()})


def stats_table(stats: Stats) -> str:
    """The stats as a plain-text table."""
    groups = [g for g in ("seed", "authored", "other") if g in stats.by_group]
    rows = [["", *groups, "total"]]
    rows.append(["records", *[str(stats.group_sizes[g]) for g in groups], str(stats.records)])
    rows.append(["docs", *[str(stats.group_docs[g]) for g in groups], str(stats.docs)])
    for label in (*LABELS, "(none)", "(2+)"):
        counts = [stats.by_group[g][label] for g in groups]
        rows.append([label, *map(str, counts), str(sum(counts))])
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(_pad(c, w, i) for i, (c, w) in enumerate(zip(r, widths)))
                     for r in rows)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int, column: int) -> str:
    space = " " * (width - _width(text))
    return text + space if column == 0 else space + text
