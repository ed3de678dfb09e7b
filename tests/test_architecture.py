"""Import direction: training/ never reaches into serving/ or the web stack; serving/ takes from
training/ only what loading a model needs (the CLI, the composition root, may call the trainer)."""
from __future__ import annotations

import ast

from tests.conftest import REPO

SERVING_MAY_USE = {"training.artifact", "training.errors", "training.text", "training.segment",
                   "training.decision", "training.compiled", "training.labelset", "training.cells",
                   "training.discourse", "training.context",  # scoring: cues and document context
                   "training.service", "training.progress"}  # the bundled model; progress hooks


def imports(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ("training." if node.level and path.parent.name == "training" else
                    "serving." if node.level else "") + (node.module or "")
            names.add(base.rstrip("."))
            if node.module is None or node.module == "training":
                names.update(f"{base.rstrip('.')}.{alias.name}".lstrip(".") for alias in node.names)
    return names


def test_training_never_imports_serving_or_the_web_stack():
    for path in sorted((REPO / "training").glob("*.py")):
        bad = {n for n in imports(path) if n.split(".")[0] in {"serving", "fastapi", "uvicorn", "starlette"}}
        assert not bad, f"{path.name} imports {bad}"


def test_serving_uses_only_the_model_loading_part_of_training():
    for path in sorted((REPO / "serving").rglob("*.py")):
        if "cli" in path.relative_to(REPO / "serving").parts[:-1]:
            continue  # the composition root
        used = {n for n in imports(path) if n.startswith("training.")}
        assert used <= SERVING_MAY_USE, f"{path.name} imports {used - SERVING_MAY_USE}"


def test_init_files_are_thin():
    for package in ("training", "serving"):
        tree = ast.parse((REPO / package / "__init__.py").read_text("utf-8"))
        assert all(isinstance(n, ast.Expr) for n in tree.body), f"{package}/__init__.py does work"
