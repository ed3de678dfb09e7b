"""The reviewer's workbook: Chinese headers, column widths, a frozen header with a filter, wrapped
text, scores as percentages, a drop-down of the labels for `corrected_labels`, a documents sheet."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from training.cells import HEADERS_ZH, SCORE_SUFFIX_ZH, neutralise
from training.labelset import LABELS

from serving.batch.rows import COLUMNS, NO_LABEL as NO_LABEL_CHOICE, row_values

SCORE_FORMAT = "0.0%"
WIDTHS = {"source": 28, "member": 18, "paragraph": 8, "headings": 28, "text": 70, "labels": 14,
          "model": 18, "corrected_labels": 16, "paragraphs": 8, "error": 40}
SCORE_WIDTH = 9
WRAPPED = {"headings", "text", "error"}
PROMPT = ("选一个标签，或输入多个（用、分隔）；“无”表示没有标签；留空表示未审核。"
          "改好后运行 zongjie labels import 本文件")

DOCUMENT_COLUMNS = ["source", "member", "paragraphs", *LABELS, "error"]


def header(column: str, counts: bool = False) -> str:
    """The Chinese header of a column: a label's score column is 基建得分, its count column 基建."""
    if column in LABELS:
        return column if counts else column + SCORE_SUFFIX_ZH
    return HEADERS_ZH[column]


class _Sheet:
    """A write-only sheet laid out for reading: widths, header, frozen first row, filter."""

    def __init__(self, book, title: str, columns: list[str], counts: bool = False):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter

        self.sheet = book.create_sheet(title)
        self.columns, self.rows = columns, 0
        self.letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
        for letter, column in zip(self.letters, columns):
            self.sheet.column_dimensions[letter].width = WIDTHS.get(column, SCORE_WIDTH)
        self.sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        cells = []
        for column in columns:
            cell = WriteOnlyCell(self.sheet, header(column, counts))
            cell.font, cell.alignment = bold, Alignment(wrap_text=True, vertical="top")
            cells.append(cell)
        self.sheet.append(cells)
        # One styled template cell per column, whose style every cell of the column shares
        # (setting a style on each cell would cost the workbook a look-up per cell).
        self._styles = []
        for column in columns:
            template = WriteOnlyCell(self.sheet)
            template.alignment = Alignment(wrap_text=column in WRAPPED, vertical="top")
            if column in LABELS and not counts:
                template.number_format = SCORE_FORMAT
            self._styles.append(template._style)
        self._cell = WriteOnlyCell
        self._illegal = ILLEGAL_CHARACTERS_RE

    def append(self, values: list) -> None:
        cells = []
        for value, style in zip(values, self._styles):
            if isinstance(value, str):  # control characters no workbook can hold (\x01 in a .txt)
                value = self._illegal.sub("", value)
            cell = self._cell(self.sheet, value)
            cell._style = style
            cells.append(cell)
        self.sheet.append(cells)
        self.rows += 1

    def finish(self) -> None:
        self.sheet.auto_filter.ref = f"A1:{self.letters[-1]}{self.rows + 1}"


def _label_choices(sheet: _Sheet) -> None:
    """A drop-down of the labels (and 无) over the `corrected_labels` cells; other text is
    allowed, so that a reviewer can type several labels."""
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = sheet.letters[sheet.columns.index("corrected_labels")]
    validation = DataValidation(type="list", formula1='"' + ",".join([*LABELS, NO_LABEL_CHOICE]) + '"',
                                allow_blank=True, showErrorMessage=False, showInputMessage=True,
                                promptTitle="更正标签", prompt=PROMPT)
    validation.add(f"{letter}2:{letter}{max(2, sheet.rows + 1)}")
    sheet.sheet.data_validations.append(validation)  # a write-only sheet has no add_…


def write_workbook(path: Path, rows: Iterable[dict], documents: list[dict] | None = None) -> None:
    """Write the paragraph rows (dicts as in the JSON output) and, when given, the per-document
    counts as an XLSX workbook for reviewers."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    paragraphs = _Sheet(book, "paragraphs", COLUMNS)
    for row in rows:
        paragraphs.append(row_values(row))
    paragraphs.finish()
    _label_choices(paragraphs)
    if documents is not None:
        sheet = _Sheet(book, "documents", DOCUMENT_COLUMNS, counts=True)
        for doc in documents:
            sheet.append([neutralise(doc["source"]), neutralise(doc["member"]), doc["paragraphs"],
                          *[doc["counts"].get(label, 0) for label in LABELS],
                          neutralise(doc.get("error") or "")])
        sheet.finish()
    book.save(path)
