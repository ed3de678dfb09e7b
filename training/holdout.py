"""The frozen comparison set: documents listed in labels/holdout.json, never trained on."""
from __future__ import annotations

import json
from pathlib import Path

from .dataset import Record
from .errors import DataError

HOLDOUT_FILE = "holdout.json"


def holdout_docs(labels_dir: str | Path) -> frozenset[str]:
    path = Path(labels_dir) / HOLDOUT_FILE
    if not path.exists():
        return frozenset()
    try:
        docs = json.loads(path.read_text("utf-8"))["docs"]
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
        raise DataError(path, None, 'expected {"docs": ["<doc id>", …]}') from None
    if not isinstance(docs, list) or not all(isinstance(d, str) for d in docs):
        raise DataError(path, None, '"docs" must be a list of doc ids')
    return frozenset(docs)


def split_holdout(records: list[Record], docs: frozenset[str]) -> tuple[list[Record], list[Record]]:
    """(training records, comparison records)."""
    return ([r for r in records if r.doc not in docs], [r for r in records if r.doc in docs])
