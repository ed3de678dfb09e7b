"""The default model a built package may carry, used when the models folder has none in service.

The contract (what `make wheelhouse` fills before it builds the wheel): the folder
serving/default_model/, shipped as package data, holds the files of ONE model version exactly as
`zongjie train` wrote them in models/<version>/ (metadata.json, fast.npz, model.joblib, the
reports), copied flat, with no version folder around them. metadata.json names the version.
A checkout has no such folder (it is not in git): there `zongjie serve` trains from labels/.
"""
from __future__ import annotations

import json
from pathlib import Path

from training.artifact import METADATA_FILE

BUNDLED_DIR = Path(__file__).resolve().parent / "default_model"


def bundled_version() -> str | None:
    """The version of the bundled model, or None when the package carries none."""
    try:
        return json.loads((BUNDLED_DIR / METADATA_FILE).read_text("utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def install_bundled_model(models_dir: str | Path) -> str:
    """Copy the bundled model into `models_dir` as its version (kept when already there), check
    its checksums and make it CURRENT; returns the version. A ModelError when there is none."""
    from training.service import install_model_files

    return install_model_files(models_dir, BUNDLED_DIR)
