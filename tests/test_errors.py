"""One error family: every error zongjie defines is a ZongjieError, drawn with its code in
training/errors.py's docstring, and the codes are what the CLI and the API give for it."""
from __future__ import annotations

import importlib
import inspect
import io
import json
import pkgutil
import re
import shutil
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

import serving
import training
from serving.api.app import create_app
from serving.settings import Settings
from training import artifact, errors
from training.errors import CannotCompile, ModelError, ZongjieError


def _defined_errors() -> dict[type, str]:
    found = {}
    for package in (training, serving):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if info.name.endswith("__main__"):  # runs the CLI
                continue
            module = importlib.import_module(info.name)
            for _, kind in inspect.getmembers(module, inspect.isclass):
                if issubclass(kind, BaseException) and kind.__module__ == module.__name__:
                    found[kind] = module.__name__
    return found


def test_every_error_zongjie_defines_is_in_the_family_and_drawn_with_its_code():
    defined = _defined_errors()
    assert {ModelError, CannotCompile, ZongjieError} <= set(defined)
    assert [kind for kind in defined if not issubclass(kind, ZongjieError)] == []
    drawn = {m.group(1): (m.group(2), m.group(3)) for m in
             re.finditer(r"^\W*(\w+)\s+(\w+)\s+(\w+/[\w/]+\.py)", errors.__doc__ or "", re.M)}
    for kind, module in defined.items():
        assert kind.__name__ in drawn, f"{kind.__name__} is not drawn in training/errors.py"
        code, where = drawn[kind.__name__]
        assert where == module.replace(".", "/") + ".py"
        assert code == kind.code  # an ApiError's own code is each refusal's


def _model_that_cannot_compile(trained, tmp_path):
    """A copy of the trained model whose fast.npz asks for character 4-grams (its checksum
    updated: an intact file the fast path cannot compute)."""
    models = tmp_path / "models"
    shutil.copytree(trained["models"], models)
    folder = artifact.version_dir(models, trained["version"])
    with np.load(folder / "fast.npz") as data:
        arrays = {key: data[key] for key in data.files}
    arrays["char_range"] = np.array([1, 4])
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    (folder / "fast.npz").write_bytes(buffer.getvalue())
    meta = json.loads((folder / "metadata.json").read_text("utf-8"))
    meta["files"]["fast.npz"] = artifact.sha256_file(folder / "fast.npz")
    (folder / "metadata.json").write_text(json.dumps(meta), "utf-8")
    return models


def test_a_model_the_fast_path_cannot_compile_is_a_model_error(cli, trained, tmp_path):
    models = _model_that_cannot_compile(trained, tmp_path)
    result = cli("classify", "全年新建校舍12所。", "--models", models)
    assert result.code == 1
    assert ("its fast.npz is incomplete (CannotCompile: fast path supports character n-grams of 1 to 3 "
            "characters)") in result.err
    assert "Traceback" not in result.err
    with TestClient(create_app(Settings(models_dir=models))) as client:
        r = client.post("/v1/classify", json={"text": "全年新建校舍12所。"})
    assert r.status_code == 503 and r.json()["error"]["code"] == ModelError.code


def test_the_api_sends_the_model_errors_code(tmp_path):
    with TestClient(create_app(Settings(models_dir=tmp_path))) as client:
        r = client.post("/v1/classify", json={"text": "招聘教师"})
        upload = client.post("/v1/classify/file", files={"file": ("a.txt", "发放助学金。".encode())})
    assert r.status_code == 503 and r.json()["error"]["code"] == ModelError.code == "model_unavailable"
    assert upload.status_code == 503 and upload.json()["error"]["code"] == ModelError.code


def test_the_review_page_refuses_by_the_reading_errors_class_and_code(trained):
    with TestClient(create_app(Settings(models_dir=trained["models"], max_document_chars=10))) as client:
        r = client.post("/v1/classify/file", files={"file": ("长.txt", "发放助学金。全年新建校舍12所。".encode())})
    assert r.status_code == 413
    assert r.json()["error"] == {"code": "too_large", "message": (
        "文件太大（more than 10 characters of text (ZONGJIE_MAX_DOCUMENT_CHARS): split the document or "
        "raise the limit）")}


def test_every_code_the_api_can_send_is_in_the_readmes_table():
    root = Path(serving.__file__).parent.parent
    source = "\n".join(p.read_text("utf-8") for p in (root / "serving" / "api").rglob("*.py"))
    sent = set(re.findall(r'(?:ApiError\(|_error\(|error_response\(|return )\d{3}, "(\w+)"', source))
    sent |= set(re.findall(r'\d{3}: "(\w+)"', source)) | {"http_error", "internal_error"}
    sent |= {kind.code for kind in _defined_errors() if kind.__name__ not in ("ApiError", "ZongjieError")}
    readme = (root / "README.md").read_text("utf-8")
    table = readme[readme.index("Every `code` a client can get"):]
    assert {"unauthorized", "model_unavailable", "body_timeout", "too_large"} <= sent
    assert sorted(code for code in sent if f"`{code}`" not in table) == []
