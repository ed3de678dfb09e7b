"""`zongjie tag` on small real files of every supported format, made here."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from serving.batch.run import run_tag
from serving.batch.tagger import ModelRef, resolve

REPORT = ["某县教育局2021年工作总结", "一、主要工作", "（一）学生资助",
          "全年发放助学金，落实营养改善计划，惠及学生三千余人。", "（二）教师队伍",
          "招聘特岗教师四十名，开展国培计划培训。", "二、存在问题", "农村学校教师短缺，困难较多。"]


class GbkZipInfo(zipfile.ZipInfo):
    """A zip entry whose name is stored as GBK bytes without the UTF-8 flag (Chinese Windows)."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def make_docx(path: Path) -> None:
    from docx import Document

    doc = Document()
    for line in REPORT[:4]:
        doc.add_paragraph(line)
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "项目"
    table.cell(0, 1).text = "新建教学楼一栋，校舍改造三所学校。"
    table.cell(1, 0).text = "资金"
    table.cell(1, 1).text = "八百万元"
    doc.add_paragraph("以上为本年度主要工作。")
    doc.save(path)


def make_pdf(path: Path) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    for page in (1, 2):
        c.setFont("STSong-Light", 11)
        c.drawString(50, 810, "某县教育局文件")  # a running header, repeated on each page
        if page == 1:
            c.drawString(50, 780, "一、学生资助")
            c.drawString(50, 760, "全年发放助学金一百二十万元，落实营养改善计划，惠及家庭经")
            c.drawString(50, 745, "济困难学生三千余人。")
        else:
            c.drawString(50, 780, "二、安全工作")
            c.drawString(50, 760, "组织消防演练和防溺水教育，开展校园安全隐患排查整治工作，")
            c.drawString(50, 745, "整改隐患四十处。")
        c.drawString(290, 30, f"- {page} -")
        c.showPage()
    c.save()


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("archive")
    folder = root / "reports"
    (folder / "2019").mkdir(parents=True)
    (folder / "2019" / "gbk.txt").write_bytes("\r\n".join(REPORT).encode("gbk"))
    (folder / "2019" / "utf16.txt").write_bytes("\n".join(REPORT[:4]).encode("utf-16"))
    make_docx(folder / "table.docx")
    (folder / "page.html").write_text(
        "<html><head><title>t</title><style>p{color:red}</style><script>var x='脚本';</script></head>"
        "<body><div class='top-nav'>首页 | 通知公告 | 政务公开 | 教育动态</div><p>首页 | 机构概况 | 政策文件</p>"
        "<h1>某区教育局工作计划</h1><p>下半年将新建幼儿园两所。</p><div>开展防溺水教育。<br>"
        "加强师德师风建设。</div><footer>主办单位：某区教育局</footer>"
        "<p>版权所有 © 某区教育局 ICP备12345678号</p></body></html>", encoding="utf-8")
    make_pdf(folder / "text.pdf")
    (folder / "broken.docx").write_bytes(b"this is not a zip file")
    (folder / "notes.xyz").write_text("?")
    with zipfile.ZipFile(root / "old.zip", "w") as z:
        z.writestr(GbkZipInfo("总结/二〇〇九年总结.txt"), "\n".join(REPORT[4:]).encode("gbk"))
        z.writestr(GbkZipInfo("总结/说明.docx"), b"PK\x03\x04 corrupt")
    return root


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def by_doc(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(Path(row["source"]).name + ("!" + row["member"] if row["member"] else ""), []).append(row)
    return out


@pytest.fixture(scope="module")
def tagged(archive, trained, tmp_path_factory):
    from serving.cli import main

    out = tmp_path_factory.mktemp("out") / "tags.jsonl"
    code = main(["tag", str(archive / "reports"), str(archive / "old.zip"), "-o", str(out),
                 "--models", str(trained["models"]), "--quiet"])
    return {"code": code, "out": out, "rows": read_rows(out)}


def test_every_format_is_read_into_paragraphs_with_heading_paths(tagged):
    docs = by_doc(tagged["rows"])
    gbk = docs["gbk.txt"]
    assert [r["text"] for r in gbk] == REPORT
    assert gbk[3]["headings"] == "某县教育局2021年工作总结 > 一、主要工作 > （一）学生资助"
    assert gbk[7]["headings"] == "某县教育局2021年工作总结 > 二、存在问题"
    assert [r["paragraph"] for r in gbk] == list(range(1, 9))
    assert [r["text"] for r in docs["utf16.txt"]] == REPORT[:4]
    assert [r["text"] for r in docs["table.docx"]][4:] == [
        "项目", "新建教学楼一栋，校舍改造三所学校。", "资金", "八百万元", "以上为本年度主要工作。"]
    # the site's navigation bar and footer are not part of the document
    assert [r["text"] for r in docs["page.html"]] == [
        "某区教育局工作计划", "下半年将新建幼儿园两所。", "开展防溺水教育。", "加强师德师风建设。"]
    assert docs["page.html"][1]["headings"] == "某区教育局工作计划"
    assert [r["text"] for r in docs["text.pdf"]] == [
        "一、学生资助", "全年发放助学金一百二十万元，落实营养改善计划，惠及家庭经济困难学生三千余人。",
        "二、安全工作", "组织消防演练和防溺水教育，开展校园安全隐患排查整治工作，整改隐患四十处。"]
    assert [r["text"] for r in docs["old.zip!总结/二〇〇九年总结.txt"]] == REPORT[4:]


def test_rows_carry_labels_scores_and_model(tagged, trained):
    row = next(r for r in tagged["rows"] if r["text"].startswith("全年发放助学金，落实"))
    assert "资助" in row["labels"] and not {"基建", "安全", "师资"} & set(row["labels"])  # a toy model: 德育 may come too
    # and the labels are exactly the decision rule applied to the row's (context) scores
    predictor = resolve(ModelRef(str(trained["models"]), trained["version"]))
    assert predictor.context_thresholds is not None
    chosen = predictor.decide(np.array([list(row["scores"].values())]), predictor.context_thresholds)[0]
    assert row["labels"] == [lab for lab, on in zip(predictor.labels, chosen) if on]
    assert list(row["scores"]) == ["基建", "资助", "德育", "安全", "师资", "问题", "计划"]
    assert row["model"] == trained["version"]


def test_unreadable_files_go_to_the_errors_file_and_the_exit_status(tagged):
    assert tagged["code"] == 2
    errors = tagged["out"].with_name("tags.jsonl.errors.csv")
    with open(errors, encoding="utf-8-sig") as handle:
        rows = {Path(r["source"]).name + ("!" + r["member"] if r["member"] else ""): r
                for r in csv.DictReader(handle)}
    assert set(rows) == {"broken.docx", "notes.xyz", "old.zip!总结/说明.docx"}
    assert rows["broken.docx"]["problem"] == "not a valid .docx file (damaged, or not a Word 2007+ document)"
    assert rows["notes.xyz"]["problem"] == "unsupported file type .xyz"
    assert rows["notes.xyz"]["skipped"] == "yes" and rows["broken.docx"]["skipped"] == "no"


def test_pdf_without_text_layer_and_encrypted_pdf(tmp_path, trained, cli):
    from pypdf import PdfWriter

    blank = PdfWriter()
    blank.add_blank_page(width=200, height=200)
    blank.write(tmp_path / "scan.pdf")
    locked = PdfWriter()
    locked.add_blank_page(width=200, height=200)
    locked.encrypt("pw")
    locked.write(tmp_path / "locked.pdf")
    result = cli("tag", tmp_path / "scan.pdf", tmp_path / "locked.pdf", "-o", tmp_path / "o.csv",
                 "--models", trained["models"])
    assert result.code == 2
    assert "PDF has no text layer (a scan?): run OCR on it first" in result.out
    assert "encrypted PDF (needs a password)" in result.out


def test_csv_opens_in_excel_and_xlsx_has_a_summary_sheet(archive, trained, tmp_path, cli):
    from openpyxl import load_workbook

    src = archive / "reports" / "2019" / "gbk.txt"
    result = cli("tag", src, "-o", tmp_path / "t.csv", "--models", trained["models"])
    assert result.code == 0
    raw = (tmp_path / "t.csv").read_bytes()
    assert raw.startswith("\ufeffsource,member,paragraph,headings,text,labels,基建".encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["text"] for r in rows] == REPORT and rows[0]["corrected_labels"] == ""
    result = cli("tag", src, "-o", tmp_path / "t.xlsx", "--models", trained["models"])
    book = load_workbook(tmp_path / "t.xlsx", read_only=True)
    sheet = list(book["paragraphs"].values)
    assert sheet[0][:5] == ("文件", "压缩包内文件", "段落号", "所在标题", "段落")
    assert [r[4] for r in sheet[1:]] == REPORT
    docs = list(book["documents"].values)
    assert docs[1][0] == str(src) and docs[1][2] == len(REPORT)
    assert docs[1][4] == sum("资助" in (r[5] or "") for r in sheet[1:])
    assert not (tmp_path / "t.xlsx.spool.jsonl").exists() and not (tmp_path / "t.xlsx.progress").exists()
    assert f"{src}\t8\t" in result.out  # the per-document summary


def test_existing_output_is_never_silently_replaced(archive, trained, tmp_path, cli):
    src = archive / "reports" / "2019" / "gbk.txt"
    out = tmp_path / "t.jsonl"
    out.write_text("precious\n")
    result = cli("tag", src, "-o", out, "--models", trained["models"])
    assert result.code == 1
    assert result.err == f"Error: {out}: already exists: --resume to continue it, --overwrite to replace it\n"
    assert out.read_text() == "precious\n"
    result = cli("tag", src, "-o", out, "--models", trained["models"], "--resume")
    assert result.err.startswith(f"Error: {out}: nothing to resume: no progress journal t.jsonl.progress")
    result = cli("tag", tmp_path / "missing", "-o", tmp_path / "x.jsonl", "--models", trained["models"])
    assert result.err == f"Error: {tmp_path / 'missing'}: no such file or folder\n"


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx"])
def test_interrupted_and_resumed_equals_uninterrupted(archive, trained, tmp_path, fmt, cli):
    paths = [archive / "reports", archive / "old.zip"]
    model = ModelRef(str(trained["models"]), trained["version"])
    whole = tmp_path / f"whole.{fmt}"
    run_tag(paths, out=whole, fmt=fmt, model=model)

    part = tmp_path / f"part.{fmt}"
    calls = []

    def interrupt(progress):
        calls.append(progress.files_done)
        raise KeyboardInterrupt  # as Ctrl-C after the first batch

    with pytest.raises(KeyboardInterrupt):
        run_tag(paths, out=part, fmt=fmt, model=model, on_progress=interrupt, batch_files=4)
    data = part.with_name(part.name + ".spool.jsonl") if fmt == "xlsx" else part
    with open(data, "ab") as handle:  # a kill in the middle of writing a row
        handle.write(b'{"source": "half a row')
    result = cli("tag", *paths, "-o", part, "--format", fmt, "--models", trained["models"],
                 "--resume", "--quiet")
    assert result.code == 2
    if fmt == "xlsx":
        from openpyxl import load_workbook

        def cells(p):
            book = load_workbook(p, read_only=True)
            return {name: list(book[name].values) for name in book.sheetnames}
        assert cells(part) == cells(whole)
    else:
        assert part.read_bytes() == whole.read_bytes()
    assert calls == [4]


def test_resume_redoes_documents_whose_rows_never_reached_the_output(archive, trained, tmp_path, cli):
    paths = [archive / "reports", archive / "old.zip"]
    model = ModelRef(str(trained["models"]), trained["version"])
    run_tag(paths, out=tmp_path / "whole.jsonl", fmt="jsonl", model=model)
    part = tmp_path / "part.jsonl"

    def interrupt(progress):
        if progress.files_done >= 6:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_tag(paths, out=part, fmt="jsonl", model=model, on_progress=interrupt, batch_files=3)
    rows = part.read_bytes()
    part.write_bytes(rows[:len(rows) // 2])  # a crash lost the end of the file, not the journal
    result = cli("tag", *paths, "-o", part, "--models", trained["models"], "--resume", "--quiet")
    assert result.code == 2
    assert part.read_bytes() == (tmp_path / "whole.jsonl").read_bytes()

    gone = tmp_path / "gone.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_tag(paths, out=gone, fmt="jsonl", model=model, on_progress=interrupt, batch_files=3)
    gone.unlink()  # the output itself is lost: the journal alone cannot bring its rows back
    result = cli("tag", *paths, "-o", gone, "--models", trained["models"], "--resume", "--quiet")
    assert result.code == 2
    assert gone.read_bytes() == (tmp_path / "whole.jsonl").read_bytes()


@pytest.mark.integration
def test_workers_and_dask_give_the_same_output_in_the_same_order(archive, trained, tmp_path):
    from distributed import LocalCluster

    paths = [archive / "reports", archive / "old.zip"]
    model = ModelRef(str(trained["models"]), trained["version"])
    one = run_tag(paths, out=tmp_path / "one.jsonl", fmt="jsonl", model=model, workers=1)
    run_tag(paths, out=tmp_path / "two.jsonl", fmt="jsonl", model=model, workers=2)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        run_tag(paths, out=tmp_path / "dask.jsonl", fmt="jsonl", model=model, dask=cluster.scheduler_address)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "dask.jsonl").read_bytes()
    assert one.paragraphs == len(read_rows(tmp_path / "one.jsonl"))
