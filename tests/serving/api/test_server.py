"""A real `zongjie serve` process on a free local port: start, classify, promote, see it switch."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time

import httpx
import pytest

from tests.conftest import REPO
from tests.servers import free_port, wait_ready, zongjie_command

pytestmark = pytest.mark.integration  # real `zongjie serve` processes


@pytest.fixture
def server(trained, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(trained["models"], models)
    port = free_port()
    db = tmp_path / "inbox.sqlite3"
    env = dict(os.environ, ZONGJIE_RELOAD_INTERVAL="0.5", ZONGJIE_FEEDBACK_DB=str(db),
               ZONGJIE_FEEDBACK_PER_MINUTE="100000")  # one client posts them all
    proc = subprocess.Popen([*zongjie_command(), "serve", "--port", str(port), "--workers", "2",
                             "--models", str(models), "--log-level", "warning"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, proc)
    yield {"base": base, "models": models, "proc": proc, "db": db}
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except ProcessLookupError:
        pass  # already gone (a test killed it)
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


def test_corrections_over_http_reach_the_running_server_after_retraining(server, trained, cli, tmp_path):
    """Serve, post corrections for paragraphs it gets wrong, accept, retrain, promote: the running
    server answers them with the corrected labels, with no restart and no failed request."""
    base, models = server["base"], server["models"]
    labels = tmp_path / "labels"
    shutil.copytree(trained["labels"], labels)
    wrong = ["各校组建星火剪纸社团，教学生剪窗花。", "星火剪纸社团全年办展两次。", "星火剪纸作品进社区展出。"]
    before = httpx.post(f"{base}/v1/classify", json={"paragraphs": wrong}).json()
    assert all("德育" not in r["labels"] for r in before["results"])

    failures, stop = [], threading.Event()

    def hammer():
        with httpx.Client() as c:
            while not stop.is_set():
                r = c.post(f"{base}/v1/classify", json={"text": wrong[0]})
                if r.status_code != 200:
                    failures.append(r.text)

    watcher = threading.Thread(target=hammer)
    watcher.start()
    try:
        db = server["db"]
        ids = []
        for text in wrong:
            r = httpx.post(f"{base}/v1/feedback", json={"text": text, "labels": ["德育"], "user": "测试"})
            assert r.status_code == 201
            ids.append(str(r.json()["id"]))
        result = cli("labels", "inbox", "--db", db, "--labels", labels, "--accept", *ids)
        assert f"accepted {len(ids)} correction(s)" in result.out
        result = cli("train", "--labels", labels, "--models", models, "--promote", "--force",
                     "--no-learning-curve")  # toy data: beating the old model by the tolerance is chance
        assert result.code == 0
        new = (models / "CURRENT").read_text().strip()
        deadline = time.time() + 20
        while time.time() < deadline:
            after = httpx.post(f"{base}/v1/classify", json={"paragraphs": wrong}).json()
            if after["model"] == new:
                break
            time.sleep(0.2)
    finally:
        stop.set()
        watcher.join()
    assert after["model"] == new
    assert all("德育" in r["labels"] for r in after["results"])
    assert failures == []


def test_concurrent_feedback_across_workers_survives_a_kill(server):
    """Many concurrent posts over two worker processes, then kill -9: every acknowledged record
    is in the store exactly once."""
    import sqlite3

    base, acked, lock = server["base"], [], threading.Lock()
    killed = threading.Event()

    def post(k: int):
        with httpx.Client(timeout=10) as c:
            for i in range(60):
                text = f"并发更正第{k}组第{i}条：开展防溺水教育。"
                try:
                    r = c.post(f"{base}/v1/feedback", json={"text": text, "labels": ["安全"]})
                except httpx.HTTPError:
                    return  # the server is gone
                if r.status_code == 201:
                    with lock:
                        acked.append((r.json()["id"], text))
                        if len(acked) == 150:
                            os.killpg(server["proc"].pid, signal.SIGKILL)
                            killed.set()

    threads = [threading.Thread(target=post, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert killed.is_set() and len(acked) >= 150
    conn = sqlite3.connect(server["db"])
    rows = conn.execute("SELECT id, text FROM feedback").fetchall()
    stored = {}
    for rid, text in rows:
        stored.setdefault(text, []).append(rid)
    for rid, text in acked:
        assert stored.get(text) == [rid]
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
