"""`zongjie info`: where zongjie looks (and why there), the model in service, the versions."""
from __future__ import annotations

import platform
from pathlib import Path

from serving.settings import Settings
from serving.cli.common import JSON, LABELS, MODELS, command, print_json

LIBRARIES = ("scikit-learn", "numpy", "scipy", "jieba", "joblib", "fastapi", "uvicorn", "pydantic",
             "openpyxl", "pypdfium2", "lxml", "opencc", "tqdm", "platformdirs")


def _version(name: str) -> str:
    from importlib import metadata  # here: 20 ms of every command's start-up otherwise

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe(settings: Settings) -> dict:
    """The facts `zongjie info` shows."""
    from training import artifact
    from training.errors import ModelError

    from serving.bundled import bundled_version
    from serving.locate import checkout

    paths = {key: {"path": str(settings.where(key).path), "rule": settings.where(key).rule}
             for key in ("models_dir", "labels_dir", "feedback_db")}
    try:
        current = artifact.current_version(settings.models_dir)
        meta = artifact.read_metadata(settings.models_dir, current) if current else None
    except ModelError as exc:
        current, meta = None, {"problem": str(exc)}
    model = None
    if meta is not None:
        model = {"version": current, "created": meta.get("created"),
                 "macro_f1": meta.get("metrics", {}).get("macro_f1"), "problem": meta.get("problem")}
    return {"zongjie": _version("zongjie"), "python": platform.python_version(),
            "package": str(Path(__file__).resolve().parents[2]), "checkout": checkout() is not None,
            "paths": paths, "model_in_service": model, "bundled_model": bundled_version(),
            "libraries": {name: _version(name) for name in LIBRARIES}}


def cmd_info(args, settings: Settings) -> int:
    facts = describe(settings)
    if args.json:
        print_json(facts)
        return 0
    print(f"zongjie {facts['zongjie']} (Python {facts['python']}) from {facts['package']}"
          + (" (a project checkout)" if facts["checkout"] else ""))
    for key, name in (("models_dir", "models"), ("labels_dir", "labels"), ("feedback_db", "inbox")):
        found = facts["paths"][key]
        print(f"{name:<8}{found['path']}  ({found['rule']})")
    model, bundled = facts["model_in_service"], facts["bundled_model"]
    if model is None:
        print("model in service: none" + (f" (the bundled model {bundled} is installed on first use)"
                                          if bundled else " (`zongjie train --promote` makes one)"))
    elif model.get("problem"):
        print(f"model in service: {model['problem']}")
    else:
        f1 = model["macro_f1"]
        print(f"model in service: {model['version']} (created {model['created']}"
              + (f", macro-F1 {f1:.3f})" if f1 is not None else ")"))
    print(f"bundled model: {bundled or 'none'}")
    print("libraries: " + ", ".join(f"{k} {v}" for k, v in facts["libraries"].items()))
    print("order: --models/--labels/--db, ZONGJIE_MODELS_DIR/ZONGJIE_LABELS_DIR/ZONGJIE_FEEDBACK_DB, "
          "ZONGJIE_HOME, the project checkout, the per-user data folder")
    return 0


def register(sub) -> None:
    command(sub, "info", "显示 zongjie 在哪里找模型、标注数据和反馈数据库（以及原因）、在用的模型、各库版本",
            MODELS, LABELS, JSON, func=cmd_info)
