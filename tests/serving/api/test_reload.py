"""A model that cannot be loaded never replaces the one in service, and says why, once."""
from __future__ import annotations

import io
import json
import logging
import shutil

import numpy as np
import pytest
from fastapi.testclient import TestClient

from serving.api.app import create_app
from serving.settings import Settings
from training import artifact


def damaged_version(models, good: str, damage) -> str:
    """A copy of `good` as version `bad`, spoiled by `damage(folder)`, its checksum made to match."""
    folder = models / "bad"
    shutil.copytree(models / good, folder)
    damage(folder)
    meta = json.loads((folder / "metadata.json").read_text("utf-8"))
    meta["version"] = "bad"
    if (folder / "fast.npz").is_file():
        meta["files"]["fast.npz"] = artifact.sha256_file(folder / "fast.npz")
    (folder / "metadata.json").write_text(json.dumps(meta), "utf-8")
    return "bad"


def truncate(folder):
    data = (folder / "fast.npz").read_bytes()
    (folder / "fast.npz").write_bytes(data[:len(data) // 2])


def keyless(folder):
    buffer = io.BytesIO()
    np.savez(buffer, nothing=np.zeros(1))
    (folder / "fast.npz").write_bytes(buffer.getvalue())


def directory(folder):
    (folder / "fast.npz").unlink()
    (folder / "fast.npz").mkdir()


def outside(folder):
    target = folder.parent.parent / "elsewhere.npz"
    shutil.copy(folder / "fast.npz", target)
    (folder / "fast.npz").unlink()
    (folder / "fast.npz").symlink_to(target)


CASES = {
    "truncated": (truncate, "{models}/bad/fast.npz: cannot load (BadZipFile: File is not a zip file); "
                            "retrain with `zongjie train --force`"),
    "keyless": (keyless, "model bad: its fast.npz is incomplete (KeyError: '{key}'); retrain with "
                         "`zongjie train --force`"),
    "directory": (directory, "{models}/bad/fast.npz is not a file: the model folder is damaged; "
                             "retrain with `zongjie train --force`"),
    "symlink": (outside, "{models}/bad/fast.npz points outside {models}/bad (a symlink?): refused"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_damaged_model_keeps_the_old_one_and_is_reported_once(trained, tmp_path, caplog, cli, case):
    models = tmp_path / "models"
    shutil.copytree(trained["models"], models)
    damage, message = CASES[case]
    app = create_app(Settings(models_dir=models, admin_token="adm", reload_interval=3600))
    auth = {"Authorization": "Bearer adm"}
    with TestClient(app) as c, caplog.at_level(logging.ERROR, "zongjie"):
        damaged_version(models, trained["version"], damage)
        (models / "CURRENT").write_text("bad\n")
        r = c.post("/v1/admin/reload", headers=auth)
        assert r.status_code == 200
        error = r.json()["error"]
        if case == "keyless":
            message = message.replace("{key}", error.split("KeyError: '")[1].split("'")[0])
        assert error == message.format(models=models.resolve())
        assert c.post("/v1/admin/reload", headers=auth).json()["error"] == error  # not retried
        assert len([r for r in caplog.records if "not loaded" in r.getMessage()]) == 1
        assert c.get("/v1/model").json()["last_error"] == error
        assert c.get("/readyz").json() == {"status": "degraded", "model": trained["version"], "error": error}
        assert c.post("/v1/classify", json={"text": "发放助学金。"}).json()["model"] == trained["version"]
        (models / "CURRENT").write_text(trained["version"] + "\n")
        assert c.post("/v1/admin/reload", headers=auth).json()["error"] is None
        assert c.get("/readyz").json() == {"status": "ready", "model": trained["version"]}
    (models / "CURRENT").write_text("bad\n")
    result = cli("classify", "发放助学金。", "--models", models)  # at start-up: a message, no traceback
    assert (result.code, result.err) == (1, f"Error: {error}\n")
