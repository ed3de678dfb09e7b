"""The feedback store: corrections posted over HTTP, kept in SQLite (WAL, synchronous=FULL)."""
from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text TEXT NOT NULL,
    labels TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    user TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    decided TEXT
)"""


@dataclass(frozen=True)
class Feedback:
    id: int
    text: str
    labels: list[str]
    note: str
    user: str
    model: str
    created: str
    status: str


class FeedbackStore:
    """One connection per thread; every write is its own committed, fsync'd transaction, so
    concurrent writers in several workers and a process killed mid-write never lose or corrupt an
    acknowledged record."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as conn:
            conn.execute(SCHEMA)

    def _connect(self) -> "_Transaction":
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return _Transaction(conn)

    def add(self, *, text: str, labels: list[str], note: str = "", user: str = "", model: str = "") -> int:
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO feedback (text, labels, note, user, model, created) VALUES (?, ?, ?, ?, ?, ?)",
                (text, json.dumps(labels, ensure_ascii=False), note, user, model, stamp))
            rowid = cur.lastrowid
            assert rowid is not None  # an INSERT sets it
            return rowid

    def list(self, status: str | None = "pending") -> list[Feedback]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, text, labels, note, user, model, created, status FROM feedback"
                + (" WHERE status = ?" if status else "") + " ORDER BY id", (status,) if status else ())
            return [Feedback(r[0], r[1], json.loads(r[2]), *r[3:]) for r in rows.fetchall()]

    def stats(self) -> dict:
        """Pending corrections, their characters, and the database's size on disk."""
        with self._connect() as conn:
            pending, chars = conn.execute("SELECT COUNT(*), COALESCE(SUM(LENGTH(text) + LENGTH(note)), 0) "
                                          "FROM feedback WHERE status = 'pending'").fetchone()
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        return {"pending": pending, "pending_chars": chars, "bytes": size}

    def decide(self, ids: Sequence[int], status: str) -> None:
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._connect() as conn:
            conn.executemany("UPDATE feedback SET status = ?, decided = ? WHERE id = ? AND status = 'pending'",
                             [(status, stamp, i) for i in ids])


class _Transaction:
    """`with store._connect() as conn:` runs the block in BEGIN IMMEDIATE … COMMIT."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind, value, tb) -> None:
        self.conn.execute("COMMIT" if kind is None else "ROLLBACK")
