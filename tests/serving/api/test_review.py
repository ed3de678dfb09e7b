"""The review page's endpoints over HTTP: a file classified (`/v1/classify/file`) with small real
files made here, its refusals (exact texts), and the export that `zongjie labels import` reads."""
from __future__ import annotations

import io
import json
import re

import pytest
from fastapi.testclient import TestClient

from serving.api.app import create_app
from serving.settings import Settings
from tests.conftest import make_labels_dir

LABELS = ["基建", "资助", "德育", "安全", "师资", "问题", "计划"]


@pytest.fixture(scope="module")
def client(trained):
    app = create_app(Settings(models_dir=trained["models"], max_upload_bytes=50_000))
    with TestClient(app) as c:
        yield c


def docx_bytes(lines: list[str]) -> bytes:
    import docx

    d = docx.Document()
    for line in lines:
        d.add_paragraph(line)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def post(client, name: str, data: bytes, **headers):
    return client.post("/v1/classify/file", files={"file": (name, data)}, headers=headers)


def test_a_docx_is_split_labelled_and_explained(client, trained):
    r = post(client, "报告.docx", docx_bytes(["某县2025年教育工作总结", "一、学生资助", "发放助学金，落实营养改善计划。",
                                              "1.开展消防演练。", "2.开展隐患排查。"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == trained["version"] and body["source"] == "报告.docx"
    assert [p["kind"] for p in body["paragraphs"]] == ["title", "heading", "paragraph", "item", "item"]
    aid = body["paragraphs"][2]
    assert "资助" in aid["labels"] and list(aid["scores"]) == LABELS
    assert aid["headings"] == ["某县2025年教育工作总结", "一、学生资助"]
    for term in aid["explain"]["资助"]:
        assert all(aid["text"][a:b] == term["term"] for a, b in term["spans"])
    assert list(body["counts"]) == LABELS and body["counts"]["资助"] >= 1
    assert set(body["thresholds"]) == set(LABELS)


def test_a_gbk_text_file_is_decoded(client):
    r = post(client, "计划.txt", "下半年将发放助学金。\n招聘特岗教师。\n".encode("gbk"))
    assert r.status_code == 200
    assert [p["text"] for p in r.json()["paragraphs"]] == ["下半年将发放助学金。", "招聘特岗教师。"]


@pytest.mark.parametrize("name, data, status, code, message", [
    ("扫描.jpg", b"\xff\xd8\xff", 422, "unsupported_type",
     "无法读取这种文件类型（支持 .txt .docx .pdf .html）（unsupported file type .jpg）"),
    ("空.txt", b"", 422, "no_text", "文件里没有文字（no text in the document）"),
    ("坏.docx", b"PK\x03\x04 not a zip", 422, "unreadable",
     "无法读取这个文件（not a valid .docx file (damaged, or not a Word 2007+ document)）"),
])
def test_bad_files_are_refused_with_a_clear_message(client, name, data, status, code, message):
    r = post(client, name, data)
    assert r.status_code == status
    assert r.json() == {"error": {"code": code, "message": message}}


def test_empty_and_encrypted_pdfs(client):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    blank = io.BytesIO()
    writer.write(blank)
    r = post(client, "空白.pdf", blank.getvalue())
    assert r.status_code == 422 and r.json()["error"] == {
        "code": "no_text", "message": "PDF 没有文字层（扫描件？），请先做文字识别（OCR）"
                                      "（PDF has no text layer (a scan?): run OCR on it first）"}
    writer.encrypt("secret")
    locked = io.BytesIO()
    writer.write(locked)
    r = post(client, "加密.pdf", locked.getvalue())
    assert r.status_code == 422 and r.json()["error"] == {
        "code": "encrypted_pdf", "message": "PDF 已加密（需要密码），请先去掉密码（encrypted PDF (needs a password)）"}


def test_a_file_over_the_upload_limit(client):
    r = post(client, "大.txt", "发放助学金。\n".encode() * 5000)
    assert r.status_code == 413
    assert r.json() == {"error": {"code": "file_too_large", "message":
                        "文件超过 48.8 KiB 的上限（the file is larger than 48.8 KiB: ZONGJIE_MAX_UPLOAD_BYTES）"}}


def test_a_form_is_needed(client):
    r = client.post("/v1/classify/file", content=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"


def test_no_model(tmp_path):
    with TestClient(create_app(Settings(models_dir=tmp_path))) as c:
        r = post(c, "a.txt", "发放助学金。".encode())
    assert r.status_code == 503 and r.json()["error"]["code"] == "model_unavailable"


def test_the_token_is_checked(trained):
    with TestClient(create_app(Settings(models_dir=trained["models"], api_token="t0k"))) as c:
        assert post(c, "a.txt", "发放助学金。".encode()).status_code == 401
        assert post(c, "a.txt", "发放助学金。".encode(), Authorization="Bearer t0k").status_code == 200
        assert c.post("/v1/export", json={"rows": []}).status_code == 401


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_export_imports_back(client, cli, trained, tmp_path, fmt):
    rows = [{"paragraph": 1, "text": "发放助学金，落实营养改善计划。", "headings": ["一、资助"], "labels": ["资助"],
             "scores": {"资助": 0.9}, "corrected": ["资助", "计划"]},
            {"paragraph": 2, "text": "召开党建工作会议。", "labels": [], "scores": {}, "corrected": []},
            {"paragraph": 3, "text": "招聘特岗教师。", "labels": ["师资"], "scores": {}, "corrected": None}]
    r = client.post("/v1/export", json={"source": "报告.docx", "model": trained["version"], "format": fmt, "rows": rows})
    assert r.status_code == 200
    assert r.headers["content-disposition"] == f"attachment; filename*=UTF-8''%E6%8A%A5%E5%91%8A-labels.{fmt}"
    out = tmp_path / f"reviewed.{fmt}"
    out.write_bytes(r.content)
    labels = make_labels_dir(tmp_path / "labels", docs=2, per_doc=3)
    result = cli("labels", "import", out, "--labels", labels)
    assert result.code == 0, result.err
    assert "1 row(s) without corrected_labels" in result.out


def test_export_refuses_both_discourse_labels(client):
    r = client.post("/v1/export", json={"rows": [{"paragraph": 1, "text": "x", "labels": [], "scores": {},
                                                  "corrected": ["问题", "计划"]}]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_labels"


def test_the_guard_knows_the_new_routes(client):
    from serving.api.guard import routed_paths, upload_paths

    known, posted = routed_paths(client.app)
    assert {"/v1/classify/file", "/v1/export", "/v1/suggest"} <= posted
    assert upload_paths(client.app) == frozenset({"/v1/classify/file", "/v1/suggest"})


def test_the_page_and_its_assets(client):
    r = client.get("/")
    assert r.status_code == 200 and "校对" in r.text and 'href="docs"' in r.text
    for name in ("review.js", "admin.js", "api.js", "highlight.js", "labels.js", "review.css"):
        assert client.get(f"/assets/{name}").status_code == 200, name
    from training.labelset import EXCLUSIVE, LABELS as ORDER

    script = client.get("/assets/labels.js").text  # the page's labels are the model's, in its order
    assert re.search(r"LABELS = (\[.*?\]);", script).group(1) == json.dumps(list(ORDER), ensure_ascii=False)
    assert re.search(r"EXCLUSIVE = (\[.*?\]);", script).group(1) == json.dumps(list(EXCLUSIVE), ensure_ascii=False)
    assert client.get("/assets/index.html").status_code == 404
    assert client.get("/assets/..%2Fapi%2Fapp.py").status_code == 404


def test_explain_gives_whole_words(trained):
    from serving.scoring.predictor import load_scorer

    predictor = load_scorer(trained["models"], trained["version"])
    text = "全年新建校舍12所。"
    terms = predictor.explainer.explain(text, ["基建"])["基建"]
    assert terms
    pieces = predictor.fast.segment(text)
    bounds = {sum(map(len, pieces[:i])) for i in range(len(pieces) + 1)}
    for t in terms:
        assert t["term"] not in {"0所", "生开", "舍0", "全"}
        for a, b in t["spans"]:
            assert text[a:b] == t["term"] and a in bounds and b in bounds, t  # whole jieba words


def test_classify_explain_prints_the_same_terms(cli, trained):
    text = "新建教学楼，完成校舍改造。"
    result = cli("classify", "--explain", "--models", trained["models"], text)
    assert result.code == 0, result.err
    line = next(x for x in result.out.splitlines() if "基建 依据:" in x)
    from serving.scoring.predictor import load_scorer

    expected = load_scorer(trained["models"], trained["version"]).explainer.explain(text, ["基建"])["基建"]
    assert [x.rsplit(" ", 1)[0] for x in line.split("依据:")[1].strip().split("  ")] == [t["term"] for t in expected]


def test_suggest_over_several_files_and_a_zip(client):
    import zipfile

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as z:
        z.writestr("乙.txt", "召开党建工作会议，主题班会和消防演练。\n校舍改造和发放助学金同时推进。\n".encode("gbk"))
    files = [("files", ("甲.docx", docx_bytes(["招聘特岗教师，下半年将开展消防演练。", "营养改善计划和危房改造工程。"]))),
             ("files", ("包.zip", packed.getvalue()))]
    r = client.post("/v1/suggest", files=files, data={"n": "3"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert 1 <= len(body["paragraphs"]) <= 3 and list(body["counts"]) == LABELS
    assert {p["origin"] for p in body["paragraphs"]} <= {"甲.docx", "包.zip!乙.txt"}
    assert all(list(p["scores"]) == LABELS and "explain" in p for p in body["paragraphs"])
