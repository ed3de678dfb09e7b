"""Where zongjie finds its folders, from any working directory; the first rule that applies wins:

1. the command's flag (--models, --labels; --db for the feedback database);
2. ZONGJIE_MODELS_DIR, ZONGJIE_LABELS_DIR, ZONGJIE_FEEDBACK_DB;
3. ZONGJIE_HOME: its models/ and labels/;
4. the project checkout the package runs from (the folder holding training/, serving/,
   pyproject.toml and labels/, as `make install` leaves it): its models/ and labels/;
5. the per-user data folder (platformdirs' user_data_dir("zongjie"): ~/.local/share/zongjie,
   %LOCALAPPDATA%\\zongjie on Windows): its models/ and labels/.

The feedback database, unless rule 1 or 2 names it, is inbox.sqlite3 in the labels folder.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from training.errors import ConfigError

FOLDERS = {"models": "ZONGJIE_MODELS_DIR", "labels": "ZONGJIE_LABELS_DIR"}
INBOX = "inbox.sqlite3"


@dataclass(frozen=True)
class Found:
    """A path and the rule that chose it, worded to follow the path: "(set by --models)"."""

    path: Path
    rule: str


def absolute(path: str | os.PathLike) -> Path:
    """The path made absolute against the working directory, `..` folded, symlinks kept."""
    return Path(os.path.abspath(os.path.expanduser(path)))


def checkout() -> Path | None:
    """The project checkout this package runs from, or None (an installed wheel)."""
    root = Path(__file__).resolve().parents[1]
    if (root / "pyproject.toml").is_file() and (root / "training").is_dir() and (root / "labels").is_dir():
        return root
    return None


def user_data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The per-user data folder of zongjie (platformdirs when installed)."""
    try:
        import platformdirs
    except ImportError:
        if sys.platform == "win32":
            base = environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
            return Path(base) / "zongjie"
        base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / "zongjie"
    return Path(platformdirs.user_data_dir("zongjie", appauthor=False))


def default_folder(kind: str, environ: Mapping[str, str] = os.environ) -> Found:
    """Rules 3 to 5 for "models" or "labels"."""
    home = environ.get("ZONGJIE_HOME")
    if home is not None:
        if not home.strip():
            raise ConfigError("ZONGJIE_HOME is empty: give a path")
        return Found(absolute(home.strip()) / kind, "under ZONGJIE_HOME")
    root = checkout()
    if root is not None:
        return Found(root / kind, "in the project checkout")
    return Found(user_data_dir(environ) / kind, "in the per-user data folder")


def hint(kind: str) -> str:
    """How a user points zongjie at another folder of this kind."""
    if kind == "feedback":
        return "give --db FILE or set ZONGJIE_FEEDBACK_DB"
    return f"give --{kind} DIR, or set {FOLDERS[kind]} or ZONGJIE_HOME"
