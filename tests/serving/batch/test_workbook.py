"""The XLSX of `zongjie tag` is ready for reviewers (Chinese headers, widths, frozen header,
filter, wrapped text, percentages, a drop-down of labels, per-document counts), and an edited
workbook, or a CSV saved from it, imports back through `zongjie labels import`."""
from __future__ import annotations

import csv
import json

import pytest

from tests.conftest import make_labels_dir

LABELS = ["基建", "资助", "德育", "安全", "师资", "问题", "计划"]
HEADER = ["文件", "压缩包内文件", "段落号", "所在标题", "段落", "预测标签", *[f"{x}得分" for x in LABELS],
          "模型版本", "更正标签"]
DOCS = {
    "a.txt": ["某县教育局2025年工作总结", "一、学生资助", "全年发放助学金120万元，惠及学生3000人。",
              "二、校园安全", "组织消防演练和防溺水教育，排查隐患42处。", "三、存在问题",
              "农村学校教师结构性缺编，音体美教师不足。"],
    "b.txt": ["某校2026年德育工作计划", "下学期将开展爱国主义教育主题班会，加强心理健康教育。",
              "新建教学楼一栋，改造旱厕4所。"],
}


@pytest.fixture
def workbook(cli, trained, tmp_path):
    folder = tmp_path / "报告"
    folder.mkdir()
    for name, lines in DOCS.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "tags.xlsx"
    result = cli("tag", folder, "-o", out, "--models", trained["models"], "--quiet")
    assert result.code == 0, result.err
    return out


def _rows(sheet) -> list[list]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_the_paragraphs_sheet_is_laid_out_for_reviewers(workbook):
    from openpyxl import load_workbook

    book = load_workbook(workbook)
    assert book.sheetnames == ["paragraphs", "documents"]
    sheet = book["paragraphs"]
    rows = _rows(sheet)
    assert rows[0] == HEADER
    n = len(rows) - 1
    assert n == sum(len(lines) for lines in DOCS.values())  # every line, headings too
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:O{n + 1}"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJKLMNO"}
    assert widths["E"] >= 60 and all(8 <= w <= 80 for w in widths.values()), widths
    for row in sheet.iter_rows(min_row=2):
        text, scores = row[4], row[6:13]
        assert text.alignment.wrap_text and row[3].alignment.wrap_text
        assert all(c.number_format == "0.0%" and 0.0 <= c.value <= 1.0 for c in scores)
        labels = set((row[5].value or "").split("、")) - {""}
        assert labels <= set(LABELS) and row[14].value is None  # corrected_labels: for the reviewer
    [validation] = sheet.data_validations.dataValidation
    assert validation.type == "list" and validation.formula1 == '"' + ",".join(LABELS + ["无"]) + '"'
    assert str(validation.sqref) == f"O2:O{n + 1}"
    assert not validation.showErrorMessage  # several labels can be typed: 德育、计划
    assert validation.showInputMessage and "无" in validation.prompt


def test_the_documents_sheet_counts_each_label(workbook):
    from openpyxl import load_workbook

    book = load_workbook(workbook)
    paragraphs = _rows(book["paragraphs"])[1:]
    sheet = book["documents"]
    docs = _rows(sheet)
    assert docs[0] == ["文件", "压缩包内文件", "段落数", *LABELS, "问题说明"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:K{len(docs)}"
    assert sorted(d[0].rsplit("/", 1)[-1] for d in docs[1:]) == sorted(DOCS)
    for doc in docs[1:]:
        mine = [p for p in paragraphs if p[0] == doc[0]]
        assert doc[2] == len(mine)
        assert doc[3:10] == [sum(label in (p[5] or "").split("、") for p in mine) for label in LABELS]
    assert sum(d[4] for d in docs[1:]) >= 1  # 资助 is found in a.txt


def _edit(path, answers: dict[int, str]) -> list[str]:
    """Fill in 更正标签 of the given data rows (1 = first paragraph); returns their texts."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book["paragraphs"]
    for number, value in answers.items():
        sheet.cell(row=number + 1, column=HEADER.index("更正标签") + 1, value=value)
    book.save(path)
    return [sheet.cell(row=n + 1, column=HEADER.index("段落") + 1).value for n in answers]


def _imported(labels) -> list[dict]:
    lines = (labels / "data" / "imported.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_an_edited_workbook_imports_back(cli, workbook, tmp_path):
    texts = _edit(workbook, {1: "资助", 2: "德育、计划", 4: "无"})
    labels = make_labels_dir(tmp_path / "labels")
    result = cli("labels", "import", workbook, "--labels", labels, "--user", "王老师")
    assert result.code == 0, result.err
    assert "imported 3 correction(s)" in result.out
    added = _imported(labels)
    assert [(r["text"], r["labels"], r["by"]) for r in added] == [
        (texts[0], ["资助"], "王老师"), (texts[1], ["德育", "计划"], "王老师"), (texts[2], [], "王老师")]
    assert all(r["model"] for r in added)


def test_a_csv_saved_from_the_workbook_imports_with_its_chinese_headers(cli, workbook, tmp_path):
    """As WPS or Excel on Chinese Windows saves the sheet as CSV: GBK, the Chinese headers."""
    from openpyxl import load_workbook

    _edit(workbook, {3: "安全"})
    rows = _rows(load_workbook(workbook)["paragraphs"])
    path = tmp_path / "saved.csv"
    with open(path, "w", encoding="gb18030", newline="") as handle:
        csv.writer(handle).writerows([["" if v is None else v for v in row] for row in rows])
    labels = make_labels_dir(tmp_path / "labels")
    result = cli("labels", "import", path, "--labels", labels)
    assert result.code == 0, result.err
    [added] = _imported(labels)
    assert added["text"] == rows[3][4] and added["labels"] == ["安全"]


def test_a_sheet_without_the_needed_columns_names_them_in_both_languages(cli, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("文件,标签\na.txt,资助\n", encoding="utf-8")
    result = cli("labels", "import", path, "--labels", make_labels_dir(tmp_path / "labels"))
    assert result.code == 1
    assert "'text' and 'corrected_labels' (段落 and 更正标签 in a workbook)" in result.err


def test_a_control_character_in_a_document_does_not_stop_the_workbook(cli, trained, tmp_path):
    # XLSX cannot hold \x01 and the like: the cell keeps the text without them, the run goes on.
    folder = tmp_path / "报告"
    folder.mkdir()
    (folder / "c.txt").write_bytes("全年新建校舍12所\x01，完成薄弱学校改造。\n".encode("utf-8"))
    out = tmp_path / "tags.xlsx"
    result = cli("tag", folder, "-o", out, "--models", trained["models"], "--quiet")
    assert result.code == 0, result.err
    from openpyxl import load_workbook

    rows = _rows(load_workbook(out).worksheets[0])
    assert rows[1][HEADER.index("段落")] == "全年新建校舍12所，完成薄弱学校改造。"
