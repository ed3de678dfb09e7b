"""The batch labeller's output rows, encoded: JSON lines (also the XLSX spool) and CSV lines."""
from __future__ import annotations

import csv
import io
from json.encoder import encode_basestring as _encode_str  # the C encoder, ensure_ascii=False
from typing import Iterable, Sequence

from training.cells import neutralise
from training.labelset import LABELS

COLUMNS = ["source", "member", "paragraph", "headings", "text", "labels", *LABELS, "model",
           "corrected_labels"]

# One tagged paragraph: (number, heading path, text, labels, scores in the encoder's label order)
Row = tuple[int, str, str, Sequence[str], Sequence[float]]


def csv_line(values: list) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def columns(source: str, member: str, number: int, headings: str, text: str,
            labels: Sequence[str], scores: Sequence[float], model: str, corrected: str = "") -> list:
    """The CSV/XLSX columns of one paragraph (`scores` in the order of LABELS); text that a
    spreadsheet would run as a formula is neutralised."""
    n = neutralise
    return [n(source), n(member), number, n(headings), n(text), "、".join(labels), *scores, model,
            corrected]


NO_LABEL = "无"  # a reviewed paragraph without labels, as `labels import` reads it


def corrected_cell(corrected: Sequence[str] | None) -> str:
    """The corrected_labels cell: empty when not reviewed, 无 when reviewed and no label fits."""
    if corrected is None:
        return ""
    return "、".join(corrected) or NO_LABEL


def row_values(row: dict) -> list:
    """A row dict (as in the JSON output) as the CSV/XLSX columns."""
    return columns(row["source"], row["member"], row["paragraph"], row["headings"], row["text"],
                   row["labels"], [row["scores"][label] for label in LABELS], row["model"],
                   corrected_cell(row.get("corrected")))


class DocumentRows:
    """Encodes the rows of one document at a time: the same text as
    `json.dumps(row, ensure_ascii=False)` per line for JSON, `csv.writer` lines for CSV. What
    repeats (keys, the document, the model, heading paths, label sets) is encoded once: this is
    the batch labeller's hottest output code."""

    def __init__(self, fmt: str, labels: list[str], model: str):
        self.fmt, self.labels, self.model = fmt, list(labels), model
        self._order = [self.labels.index(label) for label in LABELS]  # CSV columns' order
        # %r formats a float exactly as json.dumps does (repr); "%" elsewhere is escaped.
        scores = ", ".join(_encode_str(label).replace("%", "%%") + ": %r" for label in self.labels)
        self._body = ('%d, "headings": %s, "text": %s, "labels": [%s], "scores": {' + scores
                      + '}, "model": ' + _encode_str(model).replace("%", "%%") + "}\n")
        self._label_json: dict[tuple, str] = {}

    def encode(self, source: str, member: str, rows: Iterable[Row]) -> str:
        if self.fmt == "csv":
            return self._csv(source, member, rows)
        e = _encode_str
        head = f'{{"source": {e(source)}, "member": {e(member)}, "paragraph": '
        template = head.replace("%", "%%") + self._body
        headings_json: dict[str, str] = {}
        label_json = self._label_json
        out = []
        for number, headings, text, labels, scores in rows:
            h = headings_json.get(headings)
            if h is None:
                h = headings_json[headings] = e(headings)
            key = tuple(labels)
            lab = label_json.get(key)
            if lab is None:
                lab = label_json[key] = ", ".join(map(e, labels))
            out.append(template % (number, h, e(text), lab, *scores))
        return "".join(out)

    def _csv(self, source: str, member: str, rows: Iterable[Row]) -> str:
        buffer = io.StringIO()
        order = self._order
        csv.writer(buffer, lineterminator="\r\n").writerows(
            columns(source, member, number, headings, text, labels, [scores[i] for i in order],
                    self.model)
            for number, headings, text, labels, scores in rows)
        return buffer.getvalue()
