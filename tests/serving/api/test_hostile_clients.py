"""Client input that used to get a 500, or hold a worker's memory: every one a 4xx now."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from serving.api.app import create_app
from serving.settings import Settings
from tests.conftest import REPO
from tests.servers import free_port, wait_ready, zongjie_command


def make_client(trained, tmp_path, **settings):
    app = create_app(Settings(models_dir=trained["models"], feedback_db=tmp_path / "inbox.sqlite3",
                              **settings))
    return TestClient(app)


def test_a_lone_surrogate_in_any_string_field_is_a_422(trained, tmp_path):
    with make_client(trained, tmp_path) as c:
        for path, body, where in [
                ("/v1/classify", '{"text": "a\\ud800"}', "text"),
                ("/v1/classify", '{"paragraphs": ["好", "\\udfff"]}', "paragraphs.1"),
                ("/v1/classify/document", '{"text": "\\ud800"}', "text"),
                ("/v1/feedback", '{"text": "好", "labels": [], "note": "x\\ud83d"}', "note"),
                ("/v1/feedback", '{"text": "好", "labels": ["\\ud800"]}', "labels.0")]:
            r = c.post(path, content=body, headers={"content-type": "application/json"})
            assert r.status_code == 422, (path, body)
            assert r.json()["error"]["message"].startswith(f"{where}: ")
        r = c.post("/v1/classify", content='{"text": "a\\ud800"}', headers={"content-type": "application/json"})
        assert r.json()["error"]["message"] == ("text: Value error, contains a lone surrogate (U+D800) "
                                                "at character 1: send valid Unicode text")


def test_any_bytes_in_authorization_and_a_non_ascii_token(trained, tmp_path):
    raw = [(b"authorization", "Bearer 学校".encode("utf-8")), (b"content-type", b"application/json")]
    body = json.dumps({"text": "发放助学金。"})
    with make_client(trained, tmp_path) as c:  # no token configured
        assert c.post("/v1/classify", content=body, headers=raw).status_code == 200
        assert c.get("/v1/model", headers=[(b"authorization", b"Bearer \xff\xfe\x00")]).status_code == 200
        assert c.get("/readyz", headers=[(b"x-anything", b"\xc3\x28\xff")]).status_code == 200
    with make_client(trained, tmp_path, api_token="学校", admin_token="管理") as c:
        assert c.post("/v1/classify", content=body, headers=raw).status_code == 200
        r = c.post("/v1/classify", content=body, headers=[(b"authorization", b"Bearer \xe5\xad"),
                                                          (b"content-type", b"application/json")])
        assert r.status_code == 401
        assert r.json()["error"]["message"] == "missing or wrong bearer token (Authorization: Bearer …)"
        r = c.post("/v1/admin/reload", headers=[(b"authorization", "Bearer 管理".encode())])
        assert r.status_code == 200


def test_explain_has_a_cpu_budget(trained, tmp_path):
    with make_client(trained, tmp_path, max_explain_chars=1000) as c:
        r = c.post("/v1/classify", json={"paragraphs": ["发放助学金。" * 100] * 2, "explain": True})
        assert r.status_code == 413
        assert r.json()["error"] == {"code": "explain_too_large", "message": (
            "explain is limited to 1,000 characters per request (this one has 1,200): send fewer "
            "paragraphs per request, or leave explain out")}
        assert c.post("/v1/classify", json={"paragraphs": ["发放助学金。" * 100] * 2}).status_code == 200


def test_feedback_field_limits_rate_limit_and_inbox_size(trained, tmp_path):
    with make_client(trained, tmp_path, feedback_per_minute=3) as c:
        r = c.post("/v1/feedback", json={"text": "好", "labels": [], "note": "长" * 2001})
        assert r.status_code == 422
        assert r.json()["error"]["message"] == "note: String should have at most 2000 characters"
        for _ in range(3):
            assert c.post("/v1/feedback", json={"text": "新建食堂。", "labels": ["基建"]}).status_code == 201
        r = c.post("/v1/feedback", json={"text": "新建食堂。", "labels": ["基建"]})
        assert r.status_code == 429
        wait = r.headers["retry-after"]
        assert 1 <= int(wait) <= 60
        assert r.json()["error"]["message"] == f"at most 3 corrections per minute from one client: retry in {wait} s"
        metrics = c.get("/metrics").text
        assert "zongjie_feedback_pending 3\n" in metrics
        assert "zongjie_feedback_bytes 0\n" not in metrics


def test_openapi_documents_every_status_and_rejects_an_empty_body(trained, tmp_path):
    with make_client(trained, tmp_path) as c:
        spec = c.get("/openapi.json").json()
    statuses = {path: {m: sorted(op["responses"]) for m, op in ops.items()} for path, ops in spec["paths"].items()}
    body = ["200", "400", "401", "408", "413", "415", "422", "503"]
    assert statuses["/v1/classify"] == {"post": body}
    assert statuses["/v1/classify/document"] == {"post": body}
    assert statuses["/v1/feedback"] == {"post": sorted(["201", *body[1:], "429"])}
    assert statuses["/v1/model"] == {"get": ["200", "401", "503"]}
    assert statuses["/v1/admin/reload"] == {"post": ["200", "401", "403", "503"]}
    schema = spec["components"]["schemas"]["ClassifyRequest"]
    assert schema["oneOf"] == [{"required": ["paragraphs"]}, {"required": ["text"]}]  # so {} is invalid


@pytest.fixture
def live(trained, tmp_path):
    """One real worker with a small body limit, a 1 s body timeout and a token."""
    port = free_port()
    env = dict(os.environ, ZONGJIE_MAX_BODY_BYTES="100000", ZONGJIE_BODY_TIMEOUT="1",
               ZONGJIE_API_TOKEN="t", ZONGJIE_FEEDBACK_DB=str(tmp_path / "inbox.sqlite3"))
    proc = subprocess.Popen([*zongjie_command(), "serve", "--port", str(port), "--models",
                             str(trained["models"]), "--log-level", "warning"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, proc)
    yield port
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=15)


def _raw(port: int, request: bytes, then: bytes = b"", wait: float = 0.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        time.sleep(wait)
        if then:
            s.sendall(then)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


@pytest.mark.integration
def test_a_client_that_sends_its_whole_oversized_body_first_gets_the_413(live):
    body = json.dumps({"text": "好" * 4_000_000}).encode()  # 12 MB, sent before reading (urllib)
    request = urllib.request.Request(f"http://127.0.0.1:{live}/v1/classify", data=body, headers={
        "Content-Type": "application/json", "Authorization": "Bearer t"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    assert caught.value.code == 413
    assert json.loads(caught.value.read())["error"]["code"] == "body_too_large"


@pytest.mark.integration
def test_the_token_is_checked_before_the_body_is_read_and_slow_bodies_time_out(live):
    head = (b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 50000\r\n")
    started = time.monotonic()
    answer = _raw(live, head + b"\r\n", b'{"text": "', wait=0.2)
    assert answer.startswith(b"HTTP/1.1 401 ")  # no token: its body is dropped, never kept
    answer = _raw(live, head + b"Authorization: Bearer t\r\n\r\n" + b'{"text": "', b"x", wait=0.5)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert answer.endswith(b'{"error": {"code": "body_timeout", "message": "the body did not arrive within 1 s"}}')
    assert time.monotonic() - started < 10


@pytest.mark.integration
@pytest.mark.schemathesis
def test_schemathesis_finds_no_failure_against_the_live_server(live, tmp_path):
    """`schemathesis run --checks all` (bounded examples): no 5xx, every status documented, the
    schemas accept what the server accepts and reject what it rejects."""
    # An invalid body larger than the server's limit is refused with 413 before it is parsed: a
    # rejection too (schemathesis' default list of rejecting statuses leaves 413 out).
    config = tmp_path / "schemathesis.toml"
    config.write_text('[checks.negative_data_rejection]\nexpected-statuses = ["400", "401", "403", "404", '
                      '"405", "406", "409", "413", "415", "422", "428", "429"]\n', "utf-8")
    command = [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config), "run",
               f"http://127.0.0.1:{live}/openapi.json", "--checks", "all", "--max-examples", "25",
               "-H", "Authorization: Bearer t", "--no-color",
               # an uploaded file's content is not described by a schema: its refusals (type,
               # damage, size) are tested with real files in tests/serving/api/test_review.py
               "--exclude-path", "/v1/classify/file", "--exclude-path", "/v1/suggest"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-4000:]
    assert " passed" in done.stdout.splitlines()[-3] or "passed" in done.stdout
