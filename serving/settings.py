"""The one settings object: every `ZONGJIE_*` environment variable, read only at the edges;
the folders found by the rules of serving/locate.py, each with the rule that chose it."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Mapping

from training.errors import ConfigError

from serving.locate import INBOX, Found, absolute, default_folder

PREFIX = "ZONGJIE_"


@dataclass(frozen=True)
class Settings:
    """Defaults here; `Settings.from_env()` reads `ZONGJIE_<FIELD>` (e.g. `ZONGJIE_MODELS_DIR`).

    A plain dataclass (not pydantic-settings): every command builds one, and importing
    pydantic-settings cost each `zongjie` call 0.1 s."""

    models_dir: Path = Path("models")
    labels_dir: Path = Path("labels")
    api_token: str | None = None
    admin_token: str | None = None
    max_paragraphs: int = 1000
    max_paragraph_chars: int = 20000
    max_body_bytes: int = 5_000_000
    max_upload_bytes: int = 16 << 20     # a file posted to /v1/classify/file (the review page)
    reload_interval: float = 2.0
    feedback_db: Path = Path("labels/inbox.sqlite3")
    devset: Path = Path("../shared/devset/real_dev.jsonl")  # scored by `zongjie train` when present
    feedback_per_minute: int = 30        # corrections one client may post per minute
    max_explain_chars: int = 50_000      # characters per request with "explain": true
    body_timeout: float = 30.0           # seconds a client may take to send its body
    max_pending_body_bytes: int = 20_000_000  # bodies being received at once, per worker
    max_document_bytes: int = 64 << 20   # batch labeller: unpacked bytes of one document
    max_archive_bytes: int = 1 << 30     # … of all the members of one zip
    max_zip_depth: int = 8               # … zips inside zips
    max_document_chars: int = 5_000_000  # … characters of one document
    found: Mapping[str, str] = field(default_factory=dict, compare=False)  # path field → its rule

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """The settings given by the environment, the folders found (serving/locate.py) where it
        names none; a value of the wrong type is a ConfigError."""
        environ = os.environ if environ is None else environ
        values: dict = {}
        found: dict[str, str] = {}
        for spec in fields(cls):
            name = PREFIX + spec.name.upper()
            raw = environ.get(name)
            if raw is None or spec.name == "found":
                continue
            values[spec.name] = _parse(name, raw, spec.default)
            found[spec.name] = f"set by {name}"
        for key in ("models_dir", "labels_dir", "feedback_db"):
            if key in values:
                values[key] = absolute(values[key])
            elif key != "feedback_db":
                default = default_folder(key.removesuffix("_dir"), environ)
                values[key], found[key] = default.path, default.rule
        return cls(**values, found=found).with_flags()

    def with_flags(self, *, models: Path | None = None, labels: Path | None = None,
                   db: Path | None = None) -> "Settings":
        """These settings with the folders a command's --models, --labels and --db give; the
        feedback database, unless named, is inbox.sqlite3 in the labels folder."""
        found = dict(self.found)
        changes: dict = {}
        for key, flag, value in (("models_dir", "--models", models), ("labels_dir", "--labels", labels)):
            if value is not None:
                changes[key], found[key] = absolute(value), f"set by {flag}"
        if db is not None:
            changes["feedback_db"], found["feedback_db"] = absolute(db), "set by --db"
        elif not found.get("feedback_db", "").startswith("set by"):
            changes["feedback_db"] = changes.get("labels_dir", self.labels_dir) / INBOX
            found["feedback_db"] = "in the labels folder"
        return replace(self, **changes, found=found)

    def where(self, key: str) -> Found:
        """A path setting ("models_dir", "labels_dir", "feedback_db") and the rule that chose it."""
        return Found(getattr(self, key), self.found.get(key, "the default"))


def _parse(name: str, raw: str, default):
    text = raw.strip()
    if isinstance(default, Path):
        if not text:
            raise ConfigError(f"{name} is empty: give a path")
        return Path(text)
    if default is None:  # tokens: empty means unset
        return text or None
    kind = type(default)
    try:
        value = kind(text)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not {'an integer' if kind is int else 'a number'}") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be greater than 0")
    return value
