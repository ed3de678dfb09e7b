"""Retraining with new labels: corrections in (files, HTTP), compare, promote or refuse, roll back,
what to label next, label audit."""
from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from serving.api.app import create_app
from serving.settings import Settings
from tests.conftest import make_labels_dir, rec, train_with_holdout, write_jsonl


def read_csv(path):
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def labels(tmp_path):
    return make_labels_dir(tmp_path / "labels")


def test_import_edited_csv_from_the_batch_labeller(cli, trained, labels, tmp_path):
    (tmp_path / "doc.txt").write_text("全县发放助学金。\n开展防溺水教育。\n召开党建工作会议。\n", encoding="utf-8")
    cli("tag", tmp_path / "doc.txt", "-o", tmp_path / "t.csv", "--models", trained["models"])
    rows = read_csv(tmp_path / "t.csv")
    rows[0]["corrected_labels"] = "资助，计划 问题"   # invalid: 问题 with 计划
    rows[1]["corrected_labels"] = "安全、德育"
    rows[2]["corrected_labels"] = "师德"           # unknown label
    write_csv(tmp_path / "t.csv", rows)
    result = cli("labels", "import", tmp_path / "t.csv", "--labels", labels, "--user", "王老师")
    assert result.code == 1
    assert result.err.splitlines() == [
        f"Error: {tmp_path / 't.csv'}:2: 问题 together with 计划 (a paragraph is one or the other)",
        f"{tmp_path / 't.csv'}:4: unknown label '师德' (known: 基建, 资助, 德育, 安全, 师资, 问题, 计划)",
        "2 invalid row(s): nothing imported"]
    assert not (labels / "data" / "imported.jsonl").exists()

    rows[0]["corrected_labels"] = "资助"
    rows[2]["corrected_labels"] = "无"
    write_csv(tmp_path / "t.csv", rows)
    result = cli("labels", "import", tmp_path / "t.csv", "--labels", labels, "--user", "王老师")
    assert result.code == 0, result.err
    added = [json.loads(line) for line in (labels / "data" / "imported.jsonl").read_text("utf-8").splitlines()]
    assert [(r["text"], r["labels"]) for r in added] == [
        ("全县发放助学金。", ["资助"]), ("开展防溺水教育。", ["德育", "安全"]), ("召开党建工作会议。", [])]
    assert added[0]["by"] == "王老师" and added[0]["model"] == trained["version"] and added[0]["at"]
    assert added[0]["source"] == "t.csv:2".join(["import:", ""]) and added[0]["doc"] == f"imp:{tmp_path / 'doc.txt'}"
    assert cli("labels", "check", labels).code == 0

    result = cli("labels", "import", tmp_path / "t.csv", "--labels", labels)
    assert "imported 0 correction(s); 3 already in labels/ (skipped)" in result.out
    rows[1]["corrected_labels"] = "安全"
    write_csv(tmp_path / "t.csv", rows)
    result = cli("labels", "import", tmp_path / "t.csv", "--labels", labels)
    assert result.code == 1
    assert result.out.startswith(f"{tmp_path / 't.csv'}:3: conflicts with {labels / 'data' / 'imported.jsonl'}:2")


def test_import_xlsx_and_jsonl(cli, trained, labels, tmp_path):
    (tmp_path / "doc.txt").write_text("新建教学楼一栋。\n", encoding="utf-8")
    cli("tag", tmp_path / "doc.txt", "-o", tmp_path / "t.xlsx", "--models", trained["models"])
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "t.xlsx")
    sheet = book["paragraphs"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("更正标签") + 1, value="基建")
    book.save(tmp_path / "t.xlsx")
    result = cli("labels", "import", tmp_path / "t.xlsx", "--labels", labels)
    assert "imported 1 correction(s)" in result.out
    data = write_jsonl(tmp_path / "c.jsonl", [{"text": "评选三好学生45名。", "labels": ["德育"], "user": "李"}])
    result = cli("labels", "import", data, "--labels", labels)
    assert "imported 1 correction(s)" in result.out


def test_feedback_over_http_then_inbox_accept_and_reject(cli, trained, labels, tmp_path):
    db = tmp_path / "inbox.sqlite3"
    app = create_app(Settings(models_dir=trained["models"], feedback_db=db))
    with TestClient(app) as c:
        r = c.post("/v1/feedback", json={"text": "开展禁毒教育进校园活动。", "labels": ["德育"], "user": "张", "note": "漏标"})
        assert r.status_code == 201
        assert r.json() == {"id": 1, "status": "pending", "model": trained["version"]}
        assert c.post("/v1/feedback", json={"text": "新建食堂。", "labels": ["基建"]}).json()["id"] == 2
        r = c.post("/v1/feedback", json={"text": "x", "labels": ["问题", "计划"]})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_labels"
        assert c.post("/v1/feedback", json={"text": " ", "labels": []}).status_code == 422
    result = cli("labels", "inbox", "--db", db, "--labels", labels)
    assert result.out.splitlines()[0].startswith(f"2 pending correction(s), 19 characters; {db}: ")
    assert result.out.splitlines()[0].endswith(" KiB")
    assert result.out.splitlines()[1].startswith("#1\t")
    assert "德育\tmodel " + trained["version"] in result.out
    result = cli("labels", "inbox", "--db", db, "--labels", labels, "--accept", "1", "--reject", "2")
    assert "accepted 1 correction(s)" in result.out and "rejected 1 correction(s)" in result.out
    added = json.loads((labels / "data" / "feedback.jsonl").read_text("utf-8"))
    assert added["id"] == "fb-1" and added["source"] == "feedback:1" and added["labels"] == ["德育"]
    assert added["by"] == "张" and added["note"] == "漏标" and added["model"] == trained["version"]
    assert cli("labels", "inbox", "--db", db, "--labels", labels).out == "inbox empty: no pending corrections\n"
    result = cli("labels", "inbox", "--db", db, "--labels", labels, "--accept", "7")
    assert result.err == "Error: not pending in the inbox: 7\n"


@pytest.mark.integration
def test_compare_refuse_a_worse_model_and_roll_back(cli, tmp_path):
    labels, models, good = train_with_holdout(cli, tmp_path)
    report = json.loads((models / good / "report.json").read_text("utf-8"))
    assert report["holdout"]["paragraphs"] == 20 and report["data"]["records"] == 80

    # Relabel the training documents at random: a worse model.
    import random

    rnd = random.Random(1)
    for d in range(8):
        path = labels / "data" / f"doc{d}.jsonl"
        rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        for r in rows:
            r["labels"] = rnd.choice([[], ["基建"], ["资助"], ["德育"], ["安全"], ["师资"]])
        write_jsonl(path, rows)
    result = cli("train", "--labels", labels, "--models", models, "--promote", "--no-learning-curve")
    assert result.code == 1
    bad = [p.name for p in models.iterdir() if p.is_dir() and p.name != good][0]
    assert result.err.splitlines()[:2] == ["cross-validation folds: 0/5", "cross-validation folds: 5/5"]
    refusal = result.err[result.err.index("Not promoted"):]  # after the progress lines
    assert refusal.startswith(f"Not promoted: model {bad} is worse than {good} (in service) on the "
                                 "comparison set: macro-F1 ")
    assert refusal.rstrip().endswith("use --force to promote it anyway")
    assert (models / "CURRENT").read_text().strip() == good

    result = cli("models", "compare", good, bad, "--models", models, "--labels", labels, "--json")
    comparison = json.loads(result.out)
    assert comparison["delta"]["macro_f1"] < -0.01 and comparison["paragraphs"] == 20
    text = cli("models", "compare", good, bad, "--models", models, "--labels", labels).out
    assert text.startswith("comparison set: 20 paragraphs") and "macro-F1" in text

    result = cli("train", "--labels", labels, "--models", models, "--promote", "--force", "--no-learning-curve")
    assert result.code == 0
    forced = (models / "CURRENT").read_text().strip()
    comparison = json.loads(cli("models", "compare", "CURRENT", "previous", "--models", models,
                                "--labels", labels, "--json").out)
    assert (comparison["a"], comparison["b"]) == (forced, good)  # the names stand for versions
    result = cli("models", "rollback", "--models", models)
    assert result.out.startswith(f"model {good} is back in service (was {forced})")
    assert (models / "CURRENT").read_text().strip() == good
    result = cli("models", "rollback", "--models", models)
    assert result.err.startswith("Error: nothing to roll back to: no earlier promotion before ")
    result = cli("models", "promote", forced, "--models", models)  # after a rollback, forward again
    assert result.out == f"model {forced} is now in service (was {good}); running servers follow within seconds\n"
    assert cli("models", "promote", "previous", "--models", models).code == 0
    assert (models / "CURRENT").read_text().strip() == good
    result = cli("models", "promote", "nosuch", "--models", models)
    assert result.err == (f"Error: model version 'nosuch' not found in {models} (set by --models; to use "
                          "another: give --models DIR, or set ZONGJIE_MODELS_DIR or ZONGJIE_HOME): "
                          "`zongjie models list` shows the versions there\n")


def test_suggest_picks_uncertain_paragraphs_across_documents(cli, trained, labels, tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    lines = ["发放助学金，开展防溺水教育。", "招聘特岗教师，开展主题班会。", "组织消防演练和隐患排查。",
             "召开全县党建工作会议。", "落实营养改善计划和三好学生评选。", "校舍改造和骨干教师培训。"]
    for d in range(6):
        (archive / f"r{d}.txt").write_text("\n".join(f"第{d}号报告：{line}" for line in lines), encoding="utf-8")
    out = tmp_path / "next.csv"
    result = cli("suggest", archive, "-n", 8, "-o", out, "--models", trained["models"], "--labels", labels)
    assert result.code == 0
    rows = read_csv(out)
    assert len(rows) == 8
    per_doc = [sum(r["source"] == str(archive / f"r{d}.txt") for r in rows) for d in range(6)]
    assert max(per_doc) <= 3 and sum(n > 0 for n in per_doc) >= 3  # spread over documents
    assert all(r["corrected_labels"] == "" for r in rows)
    rows[0]["corrected_labels"] = "资助"
    write_csv(out, rows)
    assert "imported 1 correction(s)" in cli("labels", "import", out, "--labels", labels).out


def test_audit_ranks_a_mislabelled_record_first(cli, tmp_path):
    labels = make_labels_dir(tmp_path / "labels", docs=10, per_doc=10)
    path = labels / "data" / "doc3.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    rows.append(rec(99, "发放助学金，营养改善计划，免除保教费，寄宿生生活补助。", ["基建"], doc="doc3"))
    write_jsonl(path, rows)
    result = cli("labels", "audit", "--labels", labels, "-n", 3, "--json")
    top = json.loads(result.out)[0]
    assert top["id"] == "doc3-099" and top["labels"] == ["基建"] and "资助" in top["predicted"]


def test_inbox_acceptance_checks_conflicts_as_import_does(cli, labels, tmp_path):
    from serving.api.feedback import FeedbackStore
    from training.dataset import load_records

    known = load_records(labels)[0]
    other = ["安全"] if "安全" not in known.labels else ["基建"]
    db = tmp_path / "inbox.sqlite3"
    store = FeedbackStore(db)
    first = store.add(text=known.text, labels=other, user="李")              # disagrees with labels/
    store.add(text=known.text, labels=list(known.labels), user="李")  # already there
    result = cli("labels", "inbox", "--db", db, "--labels", labels, "--accept", "all")
    assert result.code == 0
    assert result.out.splitlines()[:2] == [
        f"#{first}: conflicts with {known.path}:{known.line} ({known.id}): labelled "
        f"{'、'.join(known.labels) or '(无)'} there, {'、'.join(other)} here (not imported: fix one of them)",
        "accepted 0 correction(s); 1 already in labels/ (skipped), 1 conflict(s); 1 left pending in the inbox"]
    assert [f.id for f in store.list("pending")] == [first]
    assert not (labels / "data" / "feedback.jsonl").exists()
