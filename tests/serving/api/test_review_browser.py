"""The review page in a real browser (Debian's Chromium driven by Playwright): upload a docx, see
chips and highlights, filter, correct with the keyboard, the correction in the inbox, download
the XLSX and read it back, the token prompt. Skipped, saying so, when there is no Chromium."""
from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from serving.api.app import create_app
from serving.api.feedback import FeedbackStore
from serving.settings import Settings

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LABELS = ["基建", "资助", "德育", "安全", "师资", "问题", "计划"]
SHOTS = Path(os.environ.get("ZONGJIE_SCREENSHOTS", "/tmp/zongjie-screenshots"))

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}: browser tests skipped")]


def _serve(settings: Settings) -> tuple[str, object]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}/", server


@pytest.fixture(scope="module")
def servers(trained, tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    open_url, a = _serve(Settings(models_dir=trained["models"], feedback_db=root / "inbox.sqlite3"))
    locked_url, b = _serve(Settings(models_dir=trained["models"], feedback_db=root / "locked.sqlite3",
                                    api_token="s3cret"))
    yield {"open": open_url, "locked": locked_url, "db": root / "inbox.sqlite3"}
    a.should_exit = b.should_exit = True


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], errors


def report_docx(tmp_path: Path) -> Path:
    import docx

    d = docx.Document()
    for line in ["某县教育局2025年工作总结", "一、学生资助", "全年发放助学金，落实营养改善计划，寄宿生生活补助按时发放。",
                 "二、安全工作", "开展防溺水教育和消防演练，组织隐患排查。", "三、教师队伍",
                 "招聘特岗教师，开展骨干教师培训和国培计划。"]:
        d.add_paragraph(line)
    path = tmp_path / "报告.docx"
    d.save(path)
    return path


def test_upload_correct_and_download(page, servers, tmp_path):
    from openpyxl import load_workbook

    page.goto(servers["open"])
    assert page.title().startswith("zongjie") and page.locator("a[href=docs]").count() == 1
    page.fill("#reviewer", "王老师")
    page.dispatch_event("#reviewer", "change")
    page.set_input_files("#file", str(report_docx(tmp_path)))
    page.wait_for_selector("#document .para")
    paras = page.locator("#document .para")
    assert paras.count() == 7 and page.locator(".para.title").count() == 1
    aid = paras.nth(2)
    assert aid.locator(".chip").all_inner_texts() == LABELS
    assert "资助" in aid.locator(".chip.on").all_inner_texts()
    assert "得分" in aid.locator(".chip[data-label=资助]").get_attribute("title")
    marks = aid.locator("mark[data-label=资助]").all_inner_texts()
    assert any("助学金" in m for m in marks), marks
    assert "已校对 0 / 7" in page.inner_text("#progress")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "review-page.png", full_page=True)

    page.click("#filters button[data-label=安全]")
    shown = page.locator("#document .para:not(.hidden)")
    assert shown.count() >= 1 and all("防溺水" in t or "安全" in t for t in shown.all_inner_texts())
    page.click("#filters button[data-label='']")
    assert page.locator("#document .para:not(.hidden)").count() == 7

    paras.nth(2).locator(".text").click()  # the 资助 paragraph is current
    page.keyboard.press("7")               # 计划 on …
    page.keyboard.press("6")               # … 问题 replaces it (exclusive)
    chips_on = paras.nth(2).locator(".chip.on").all_inner_texts()
    assert "问题" in chips_on and "计划" not in chips_on
    page.keyboard.press("Enter")
    page.wait_for_selector(".para.is-corrected")
    assert "已更正" in paras.nth(2).inner_text()
    assert "current" in paras.nth(3).get_attribute("class")  # Enter moved on
    page.keyboard.press("k")
    assert "current" in paras.nth(2).get_attribute("class")
    page.keyboard.press("j")
    page.keyboard.press("Enter")  # unchanged: confirmed, nothing sent
    assert "已校对 2 / 7" in page.inner_text("#progress")
    page.screenshot(path=SHOTS / "review-corrected.png", full_page=True)

    pending = FeedbackStore(servers["db"]).list()
    assert [(f.user, f.labels) for f in pending] == [("王老师", sorted(chips_on, key=LABELS.index))]
    assert "营养改善计划" in pending[0].text

    with page.expect_download() as got:
        page.click("#download-xlsx")
    saved = tmp_path / "out.xlsx"
    got.value.save_as(saved)
    assert got.value.suggested_filename == "报告-labels.xlsx"
    sheet = load_workbook(saved)["paragraphs"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "更正标签" and len(rows) == 8
    assert rows[3][-1] == "、".join(pending[0].labels) and rows[4][-1] in ("无", rows[4][5])


def test_the_token_prompt(page, servers, tmp_path):
    page.goto(servers["locked"])
    page.wait_for_selector("#token-panel:not([hidden])")
    assert "访问口令" in page.inner_text("#token-message")
    page.fill("#token", "wrong")
    page.click("#token-form button")
    page.wait_for_function("document.getElementById('token-message').textContent.includes('不正确')")
    assert "口令错误" in page.inner_text("#message")
    page.screenshot(path=SHOTS / "review-token.png")
    page.fill("#token", "s3cret")
    page.click("#token-form button")
    page.wait_for_selector("#token-panel[hidden]", state="attached")
    page.set_input_files("#file", str(report_docx(tmp_path)))
    page.wait_for_selector("#document .para")
    assert page.locator("#document .para").count() == 7


def test_a_bad_file_gets_a_message_not_a_blank_page(page, servers, tmp_path):
    bad = tmp_path / "扫描.xyz"
    bad.write_bytes(b"\x00\x01")
    page.goto(servers["open"])
    page.set_input_files("#file", str(bad))
    page.wait_for_selector("#message.error")
    assert "无法读取这种文件类型" in page.inner_text("#message")


def test_what_to_label_next(page, servers, tmp_path):
    other = tmp_path / "乙.txt"
    other.write_bytes("召开党建工作会议，开展主题班会和消防演练。\n校舍改造和发放助学金同时推进。\n".encode("gbk"))
    page.goto(servers["open"])
    page.set_input_files("#many", [str(report_docx(tmp_path)), str(other)])
    page.wait_for_selector("#document .para .origin")
    origins = page.locator("#document .origin").all_inner_texts()
    assert origins and all(o.startswith(("报告.docx", "乙.txt")) for o in origins)
    assert "待标注建议" in page.inner_text("#source")
    page.screenshot(path=SHOTS / "review-suggest.png", full_page=True)


def test_the_admin_panel(page, trained, tmp_path):
    import shutil

    labels = shutil.copytree(trained["labels"], tmp_path / "labels")  # accepting writes into it
    store = FeedbackStore(tmp_path / "inbox.sqlite3")
    new_id = store.add(text="组织全体师生开展防震疏散演练。", labels=["安全"], user="王老师")
    url, server = _serve(Settings(models_dir=trained["models"], labels_dir=labels, admin_token="adm1n",
                                  feedback_db=tmp_path / "inbox.sqlite3"))
    try:
        page.goto(url)
        assert page.locator("#admin-panel").is_hidden()  # no admin token: no controls
        page.click("#admin-login summary")
        page.fill("#admin-token", "wrong")
        page.click("#admin-form button")
        page.wait_for_selector("#admin-message.error")
        assert "口令错误" in page.inner_text("#admin-message") and page.locator("#admin-panel").is_hidden()
        page.fill("#admin-token", "adm1n")
        page.click("#admin-form button")
        page.wait_for_selector("#admin-panel:not([hidden])")
        row = page.locator(f"#versions tr[data-version='{trained['version']}']")
        assert "在用" in row.inner_text() and page.locator("#versions tbody tr").count() == 1
        assert page.locator(f"#inbox tr[data-id='{new_id}']").count() == 1
        page.screenshot(path=SHOTS / "review-admin.png", full_page=True)
        with page.context.expect_page() as opened:  # the version's training report, in a new tab
            row.locator("button", has_text="报告").click()
        report = opened.value
        report.wait_for_load_state()
        assert trained["version"] in report.content()
        report.close()
        page.locator(f"#inbox tr[data-id='{new_id}'] button", has_text="接受").click()
        page.wait_for_function("document.getElementById('admin-message').textContent.includes('已接受')")
        assert page.locator("#inbox tbody tr").count() == 0 and store.list() == []
        assert "防震疏散演练" in (labels / "data" / "feedback.jsonl").read_text("utf-8")
    finally:
        server.should_exit = True
