"""`/metrics` of a real 2-worker server: every scrape shows the sum over the workers."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
from pathlib import Path

import httpx
import pytest
from prometheus_client import multiprocess

from tests.conftest import REPO
from tests.servers import free_port, wait_ready, zongjie_command

CLASSIFIED = re.compile(r'^zongjie_requests_total\{method="POST",endpoint="/v1/classify",status="200"\} (\d+)$',
                        re.M)


def worker_counts(folder: Path, scratch: Path) -> list[float]:
    """Each worker's own count of the classify requests, read from its file alone."""
    counts = []
    for i, db in enumerate(sorted(folder.glob("counter_*.db"))):
        alone = scratch / str(i)
        alone.mkdir()
        shutil.copy(db, alone)
        counts.append(sum(s.value for f in multiprocess.MultiProcessCollector(None, str(alone)).collect()
                          for s in f.samples if s.name == "zongjie_requests_total"
                          and s.labels.get("endpoint") == "/v1/classify"))
    return counts


@pytest.mark.integration
@pytest.mark.slow
def test_two_workers_every_scrape_shows_the_sum(trained, tmp_path):
    models, temp = tmp_path / "models", tmp_path / "tmp"
    shutil.copytree(trained["models"], models)
    temp.mkdir()
    port = free_port()
    env = dict(os.environ, TMPDIR=str(temp), ZONGJIE_FEEDBACK_DB=str(tmp_path / "inbox.sqlite3"))
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen([*zongjie_command(), "serve", "--port", str(port), "--workers", "2",
                             "--models", str(models), "--log-level", "warning"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
        folders = list(temp.glob("zongjie-metrics-*"))
        assert len(folders) == 1  # a fresh folder for this start

        def post(k: int):
            for _ in range(k):  # a new connection each time, so both workers take some
                assert httpx.post(f"{base}/v1/classify", json={"paragraphs": ["招聘教师", "新建教学楼"]},
                                  headers={"connection": "close"}).status_code == 200

        threads = [threading.Thread(target=post, args=(10,)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        n = 80
        counts = worker_counts(folders[0], tmp_path)
        assert sum(counts) == n and sum(c > 0 for c in counts) >= 2, counts  # both workers served
        for _ in range(8):
            text = httpx.get(f"{base}/metrics", headers={"connection": "close"}).text
            assert [int(x) for x in CLASSIFIED.findall(text)] == [n], text
            assert re.search(r"^zongjie_paragraphs_classified_total (\d+)$", text, re.M).group(1) == str(2 * n)
            assert f'zongjie_request_seconds_count{{endpoint="/v1/classify"}} {n}\n' in text
            assert f'zongjie_model_info{{version="{trained["version"]}"}} 1\n' in text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    assert not list(temp.glob("zongjie-metrics-*"))  # removed at exit
