"""The review page's admin endpoints over HTTP (/v1/admin/models, /v1/admin/inbox): refused without
the admin token as /v1/admin/reload is, versions and their figures, compare, promote and roll back
(the server follows at once), the inbox's accept and reject; the exact error texts."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from serving.api.app import create_app
from serving.cli import main
from serving.settings import Settings
from tests.conftest import rec, train_with_holdout

LABELS = ["基建", "资助", "德育", "安全", "师资", "问题", "计划"]
ADMIN = {"Authorization": "Bearer adm1n"}


def _cli(*args):
    return SimpleNamespace(code=main([str(a) for a in args]))


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    """A labels folder with a comparison set and two promoted versions (first, then second)."""
    root = tmp_path_factory.mktemp("admin")
    labels, models, first = train_with_holdout(_cli, root)
    with open(labels / "data" / "doc0.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps(rec(99, "全年发放助学金，落实营养改善计划。", ["资助"], doc="doc0"), ensure_ascii=False) + "\n")
    # --force: on these toy paragraphs it is chance whether the second beats the first by the tolerance
    assert _cli("train", "--labels", labels, "--models", models, "--promote", "--force",
                "--no-learning-curve").code == 0
    second = (models / "CURRENT").read_text().strip()
    assert second != first
    return {"labels": labels, "models": models, "first": first, "second": second, "root": root}


@pytest.fixture(scope="module")
def client(two):
    app = create_app(Settings(models_dir=two["models"], labels_dir=two["labels"], admin_token="adm1n",
                              feedback_db=two["root"] / "inbox.sqlite3"))
    with TestClient(app) as c:
        yield c


def error(r, status: int) -> tuple[str, str]:
    assert r.status_code == status, r.text
    return r.json()["error"]["code"], r.json()["error"]["message"]


@pytest.mark.integration
@pytest.mark.parametrize("method,path", [("get", "/v1/admin/models"), ("get", "/v1/admin/models/compare?a=CURRENT&b=previous"),
                                         ("get", "/v1/admin/models/report?version=CURRENT"),
                                         ("post", "/v1/admin/models/promote"), ("post", "/v1/admin/models/rollback"),
                                         ("get", "/v1/admin/inbox"), ("post", "/v1/admin/inbox/accept"),
                                         ("post", "/v1/admin/inbox/reject")])
def test_refused_without_the_admin_token_as_reload_is(client, trained, method, path):
    body = {"json": {"ids": [1]}} if method == "post" else {}
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        r = getattr(client, method)(path, headers=headers, **body)
        assert error(r, 401) == ("unauthorized", "missing or wrong admin bearer token")
        assert r.headers["www-authenticate"] == "Bearer"
    with TestClient(create_app(Settings(models_dir=trained["models"]))) as closed:
        r = getattr(closed, method)(path, headers=ADMIN, **body)
        assert error(r, 403) == ("admin_disabled", "admin endpoints are disabled: set ZONGJIE_ADMIN_TOKEN")


@pytest.mark.integration
def test_versions_with_their_figures(client, two):
    r = client.get("/v1/admin/models", headers=ADMIN)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["current"] == two["second"]
    # Two versions made in the same second are listed in name order: compare as a mapping.
    assert {v["version"]: v["in_service"] for v in body["versions"]} == {two["first"]: False, two["second"]: True}
    assert all({"macro_f1", "micro_f1", "holdout_macro_f1"} <= set(v["metrics"]) for v in body["versions"])


@pytest.mark.integration
def test_a_version_s_report_page(client, two):
    r = client.get("/v1/admin/models/report", params={"version": two["first"]}, headers=ADMIN)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.text == (two["models"] / two["first"] / "report.html").read_text(encoding="utf-8")
    assert two["first"] in r.text
    r = client.get("/v1/admin/models/report", params={"version": "../../etc"}, headers=ADMIN)
    assert error(r, 404)[0] == "unknown_version"
    page = two["models"] / two["second"] / "report.html"
    saved = page.read_bytes()
    page.unlink()
    try:
        r = client.get("/v1/admin/models/report", params={"version": "CURRENT"}, headers=ADMIN)
        assert error(r, 404) == ("no_report", f"model {two['second']} has no report.html in the server's "
                                 "models folder: retrain it to get one")
    finally:
        page.write_bytes(saved)


@pytest.mark.integration
def test_compare_two_versions_per_label(client, two):
    r = client.get("/v1/admin/models/compare", params={"a": two["first"], "b": "CURRENT"}, headers=ADMIN)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["a"], body["b"], body["paragraphs"]) == (two["first"], two["second"], 20)
    assert list(body["delta"]["per_label"]) == LABELS
    assert set(body["holdout"]["a"]["per_label"]) == set(LABELS)
    r = client.get("/v1/admin/models/compare", params={"a": "nosuch", "b": "CURRENT"}, headers=ADMIN)
    assert error(r, 404) == ("unknown_version", "model version 'nosuch' not found in the server's models "
                             "folder: `zongjie models list` shows the versions there")


@pytest.mark.integration
def test_promote_then_the_server_serves_it_and_rollback_restores(client, two):
    r = client.post("/v1/admin/models/promote", json={"version": two["first"]}, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.json() == {"old": two["second"], "new": two["first"], "model": two["first"], "error": None}
    assert client.get("/v1/model").json()["version"] == two["first"]
    r = client.post("/v1/admin/models/rollback", headers=ADMIN)
    assert r.status_code == 200 and r.json()["model"] == two["second"]
    assert client.get("/v1/model").json()["version"] == two["second"]
    r = client.post("/v1/admin/models/promote", json={"version": "nosuch"}, headers=ADMIN)
    assert error(r, 404)[0] == "unknown_version"
    assert client.get("/v1/model").json()["version"] == two["second"]


def test_rollback_with_nothing_to_roll_back_to(trained):
    with TestClient(create_app(Settings(models_dir=trained["models"], admin_token="adm1n"))) as c:
        r = c.post("/v1/admin/models/rollback", headers=ADMIN)
        assert error(r, 409) == ("nothing_to_roll_back", f"nothing to roll back to: no earlier promotion "
                                 f"before {trained['version']} in models/HISTORY")


@pytest.mark.integration
def test_inbox_accept_and_reject(client, two):
    assert client.get("/v1/admin/inbox", headers=ADMIN).json()["pending"] == []
    ids = [client.post("/v1/feedback", json={"text": text, "labels": ["安全"], "user": "王老师"}).json()["id"]
           for text in ("组织全体师生开展防震疏散演练。", "这一条要被拒绝。")]
    pending = client.get("/v1/admin/inbox", headers=ADMIN).json()
    assert [f["id"] for f in pending["pending"]] == ids and pending["stats"]["pending"] == 2
    assert pending["pending"][0]["user"] == "王老师" and pending["pending"][0]["labels"] == ["安全"]
    r = client.post("/v1/admin/inbox/accept", json={"ids": [ids[0]]}, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == [ids[0]] and r.json()["added"] == 1
    added = (two["labels"] / "data" / "feedback.jsonl").read_text("utf-8")
    assert "组织全体师生开展防震疏散演练。" in added
    r = client.post("/v1/admin/inbox/reject", json={"ids": [ids[1]]}, headers=ADMIN)
    assert r.status_code == 200 and r.json() == {"rejected": [ids[1]]}
    assert client.get("/v1/admin/inbox", headers=ADMIN).json()["pending"] == []
    r = client.post("/v1/admin/inbox/accept", json={"ids": [ids[0]]}, headers=ADMIN)
    assert error(r, 404) == ("not_pending", f"not pending in the inbox: {ids[0]}")
    r = client.post("/v1/admin/inbox/reject", json={"ids": []}, headers=ADMIN)
    assert error(r, 422)[0] == "invalid_request"
