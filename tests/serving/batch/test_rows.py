"""The batch labeller's rows: JSON lines exactly as json.dumps writes them, CSV lines as csv.writer does."""
from __future__ import annotations

import json


def test_jsonl_rows_are_exactly_what_json_dumps_writes_and_csv_what_csv_writes():
    from serving.batch.rows import DocumentRows, csv_line, row_values

    rows = [{"source": "/档案/报告\"%s x.txt", "member": "总结/一%d.txt", "paragraph": 3,
             "headings": "一、 > （一）", "text": "教育\t\\\u2028x😀\n%r", "labels": ["基建", "资助"],
             "scores": {"基建": 0.123456, "资助": 1e-06, "德育": 0.0, "安全": 1.0, "师资": 0.5,
                        "问题": 0.000123, "计划": 0.999999}, "model": "v1%"},
            {"source": "/档案/报告\"%s x.txt", "member": "总结/一%d.txt", "paragraph": 4,
             "headings": "", "text": "", "labels": [],
             "scores": {"基建": 1e-05, "资助": 0.1, "德育": 2e-06, "安全": 0.0, "师资": 0.0,
                        "问题": 0.0, "计划": 0.0}, "model": "v1%"}]
    tuples = [(r["paragraph"], r["headings"], r["text"], r["labels"], list(r["scores"].values()))
              for r in rows]
    for fmt, expected in (("jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)),
                          ("csv", "".join(csv_line(row_values(r)) for r in rows))):
        encoder = DocumentRows(fmt, list(rows[0]["scores"]), "v1%")
        assert encoder.encode(rows[0]["source"], rows[0]["member"], tuples) == expected
