"""The one settings object: every `ZONGJIE_*` environment variable, read only at the edges."""
from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Read from environment variables prefixed `ZONGJIE_` (e.g. `ZONGJIE_MODELS_DIR`)."""

    model_config = SettingsConfigDict(env_prefix="ZONGJIE_", extra="ignore")

    models_dir: Path = Path("models")
    labels_dir: Path = Path("labels")
    api_token: str | None = None
    admin_token: str | None = None
    max_paragraphs: int = 1000
    max_paragraph_chars: int = 20000
    max_body_bytes: int = 5_000_000
    reload_interval: float = 2.0
    feedback_db: Path = Path("labels/inbox.sqlite3")
