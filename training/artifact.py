"""Model artifacts: versioned folders under models/, self-describing, checked on load.

A joblib file can run code when it is loaded, so only folders inside the configured models
directory, written by `zongjie train` and matching their recorded SHA-256, are ever loaded.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import ModelError

FORMAT = 1
MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
CURRENT_FILE = "CURRENT"
HISTORY_FILE = "HISTORY"
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


def library_versions() -> dict[str, str]:
    from importlib.metadata import version

    import jieba
    import joblib
    import numpy
    import sklearn

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "jieba": jieba.__version__, "numpy": numpy.__version__, "joblib": joblib.__version__,
            "opencc": version("opencc")}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_name(version: str) -> str:
    if not isinstance(version, str) or not _VERSION.match(version) or version in {CURRENT_FILE, HISTORY_FILE}:
        raise ModelError(f"invalid model version {version!r}: a version is a folder name "
                         "inside the models directory")
    return version


def version_dir(models_dir: str | Path, version: str) -> Path:
    """The folder of a version, refusing anything outside the models directory."""
    root = Path(models_dir).resolve()
    folder = (root / _check_name(version)).resolve()
    if folder.parent != root:
        raise ModelError(f"model version {version!r} is outside {root}")
    return folder


def version_file(models_dir: str | Path, version: str, name: str) -> Path:
    """A file of a version, resolved to its real path: refused unless it is a regular file
    inside that version's folder (no symlink out of models/, no directory in its place)."""
    folder = version_dir(models_dir, version)
    path = (folder / name).resolve()
    if path.parent != folder:
        raise ModelError(f"{folder / name} points outside {folder} (a symlink?): refused")
    if path.exists() and not path.is_file():
        raise ModelError(f"{path} is not a file: the model folder is damaged; retrain with "
                         "`zongjie train --force`")
    return path


def new_version_name(fingerprint: str, when: datetime) -> str:
    return f"{when:%Y%m%d-%H%M%S}-{fingerprint[:8]}"


def write_version(models_dir: str | Path, version: str, model, metadata: dict,
                  extra_files: dict[str, str | bytes] | None = None) -> Path:
    """Write model + metadata (+ report files) to a temporary folder, then rename it into place."""
    import joblib

    root = Path(models_dir)
    root.mkdir(parents=True, exist_ok=True)
    final = version_dir(root, version)
    if final.exists():
        raise ModelError(f"model version {version} already exists in {root}")
    tmp = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=root))
    try:
        joblib.dump(model, tmp / MODEL_FILE, compress=3)
        for name, content in (extra_files or {}).items():
            if isinstance(content, bytes):
                (tmp / name).write_bytes(content)
            else:
                (tmp / name).write_text(content, encoding="utf-8")
        files = {name: sha256_file(tmp / name) for name in (extra_files or {}) if name.endswith(".npz")}
        meta = dict(metadata, format=FORMAT, version=version, model_file=MODEL_FILE,
                    sha256=sha256_file(tmp / MODEL_FILE), files=files, libraries=library_versions())
        (tmp / METADATA_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), "utf-8")
        os.chmod(tmp, 0o755)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def read_metadata(models_dir: str | Path, version: str) -> dict:
    path = version_file(models_dir, version, METADATA_FILE)
    try:
        meta = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ModelError(f"model version {version!r} not found in {Path(models_dir)}") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelError(f"{path}: metadata is damaged (not valid JSON)") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("version") != version:
        raise ModelError(f"{path}: not a zongjie model of format {FORMAT}")
    return meta


def list_versions(models_dir: str | Path) -> list[dict]:
    """Metadata of every readable version, oldest first."""
    root = Path(models_dir)
    if not root.is_dir():
        return []
    out = []
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and _VERSION.match(folder.name) and (folder / METADATA_FILE).exists():
            try:
                out.append(read_metadata(root, folder.name))
            except ModelError:
                continue
    return out


def _compatible(made: str, running: str) -> bool:
    return made.split(".")[:2] == running.split(".")[:2]


@dataclass(frozen=True)
class LoadedModel:
    pipeline: Any               # the scikit-learn Pipeline (None when only the compiled form is loaded)
    metadata: dict
    compiled: dict | None = None  # the compiled arrays (training/compiled.py)

    @property
    def version(self) -> str:
        return self.metadata["version"]


def load_version(models_dir: str | Path, version: str) -> LoadedModel:
    """Load a version after checking its metadata, checksum and library versions."""
    import joblib
    import sklearn

    meta = read_metadata(models_dir, version)
    path = version_file(models_dir, version, MODEL_FILE)
    if not path.exists():
        raise ModelError(f"{path}: model file missing")
    if sha256_file(path) != meta.get("sha256"):
        raise ModelError(f"{path}: model file is damaged (SHA-256 does not match metadata.json); "
                         "retrain with `zongjie train --force`")
    made = meta.get("libraries", {}).get("scikit-learn", "?")
    if not _compatible(made, sklearn.__version__):
        raise ModelError(f"model {version} was made with scikit-learn {made}, this is "
                         f"{sklearn.__version__}: retrain it with `zongjie train --force`")
    try:
        pipeline = joblib.load(path)
    except Exception as exc:  # a damaged or foreign pickle can fail in many ways
        raise ModelError(f"{path}: cannot load model ({type(exc).__name__}: {exc})") from None
    return LoadedModel(pipeline=pipeline, metadata=meta)


COMPILED_FILE = "fast.npz"


def load_compiled(models_dir: str | Path, version: str) -> LoadedModel:
    """Load only the compiled arrays (numpy, no pickle, no scikit-learn): what serving needs."""
    import numpy as np

    meta = read_metadata(models_dir, version)
    path = version_file(models_dir, version, COMPILED_FILE)
    expected = meta.get("files", {}).get(COMPILED_FILE)
    if expected is None or not path.exists():
        raise ModelError(f"model {version} has no {COMPILED_FILE} (made by an older zongjie): "
                         "retrain it with `zongjie train --force`")
    if sha256_file(path) != expected:
        raise ModelError(f"{path}: file is damaged (SHA-256 does not match metadata.json); "
                         "retrain with `zongjie train --force`")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except Exception as exc:  # a truncated or damaged npz: BadZipFile, zlib.error, EOFError …
        raise ModelError(f"{path}: cannot load ({type(exc).__name__}: {exc}); retrain with "
                         "`zongjie train --force`") from None
    return LoadedModel(pipeline=None, metadata=meta, compiled=arrays)


def current_version(models_dir: str | Path) -> str | None:
    """The version named by models/CURRENT, or None."""
    path = Path(models_dir) / CURRENT_FILE
    try:
        name = path.read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} cannot be read ({getattr(exc, 'strerror', None) or exc}): "
                         "it should name the version in service") from None
    return name or None


def require_current(models_dir: str | Path) -> str:
    version = current_version(models_dir)
    if version is None:
        raise ModelError(f"no model in service: {Path(models_dir) / CURRENT_FILE} is missing "
                         "(run `zongjie train --promote`)")
    return version


def load_current(models_dir: str | Path) -> LoadedModel:
    return load_version(models_dir, require_current(models_dir))


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def set_current(models_dir: str | Path, version: str, *, action: str = "promote") -> None:
    """Point models/CURRENT at a version, atomically, and log it in models/HISTORY."""
    read_metadata(models_dir, version)  # refuse to promote something that is not a model
    root = Path(models_dir)
    _atomic_write(root / CURRENT_FILE, version + "\n")
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with open(root / HISTORY_FILE, "a", encoding="utf-8") as out:
        out.write(f"{stamp}\t{version}\t{action}\n")


def promotion_stack(models_dir: str | Path) -> list[str]:
    """Versions in service, oldest first, replaying models/HISTORY (a rollback pops one)."""
    path = Path(models_dir) / HISTORY_FILE
    stack: list[str] = []
    if path.exists():
        for line in path.read_text("utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            if len(parts) > 2 and parts[2] == "rollback":
                if stack:
                    stack.pop()
            else:
                stack.append(parts[1])
    return stack


def rollback(models_dir: str | Path) -> tuple[str, str]:
    """Put the version in service before the current one back; returns (old, new)."""
    current = current_version(models_dir)
    if current is None:
        raise ModelError("nothing to roll back: no model in service")
    stack = promotion_stack(models_dir)
    if len(stack) < 2 or stack[-1] != current:
        raise ModelError(f"nothing to roll back to: no earlier promotion before {current} "
                         "in models/HISTORY")
    previous = stack[-2]
    set_current(models_dir, previous, action="rollback")
    return current, previous
