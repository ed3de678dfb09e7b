"""A real `zongjie serve` process on a free local port: start, classify, promote, see it switch."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from conftest import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def zongjie_command() -> list[str]:
    script = Path(sys.executable).parent / "zongjie"
    return [str(script)] if script.exists() else [sys.executable, "-m", "serving.cli"]


@pytest.fixture
def server(trained, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(trained["models"], models)
    port = free_port()
    env = dict(os.environ, ZONGJIE_RELOAD_INTERVAL="0.5")
    proc = subprocess.Popen([*zongjie_command(), "serve", "--port", str(port), "--workers", "2",
                             "--models", str(models), "--log-level", "warning"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("server did not become ready: " + proc.stdout.read().decode(errors="replace"))
    yield {"base": base, "models": models, "proc": proc}
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def test_serve_classify_promote_and_switch_without_failed_requests(server, trained, cli):
    base = server["base"]
    r = httpx.post(f"{base}/v1/classify", json={"text": "发放助学金，落实营养改善计划。"})
    assert r.status_code == 200 and r.json()["model"] == trained["version"]

    failures, versions, stop = [], set(), threading.Event()

    def hammer():
        with httpx.Client() as c:
            while not stop.is_set():
                resp = c.post(f"{base}/v1/classify", json={"paragraphs": ["招聘特岗教师", "新建教学楼"]})
                if resp.status_code != 200:
                    failures.append(resp.text)
                else:
                    versions.add(resp.json()["model"])

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        result = cli("train", "--labels", trained["labels"], "--models", server["models"], "--force",
                     "--promote", "--no-learning-curve")
        assert result.code == 0
        new = (server["models"] / "CURRENT").read_text().strip()
        assert new != trained["version"]
        seen = set()
        deadline = time.time() + 20
        while time.time() < deadline and seen != {new}:  # both workers must follow
            seen = {httpx.post(f"{base}/v1/classify", json={"text": "招聘教师"}).json()["model"]
                    for _ in range(8)}
            time.sleep(0.2)
        assert seen == {new}
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert failures == []
    assert versions <= {trained["version"], new}
    assert httpx.get(f"{base}/v1/model").json()["version"] == new
