"""The realistic benchmark archive of benchmarks/batch.py: whole report paragraphs of real length,
each unique, with the characters real reports carry, in the formats the batch labeller reads.

Documents are built from the labelled paragraphs (labels/data/*.jsonl): a title, numbered section
and sub-section headings drawn from the labelled headings, and body paragraphs that join 1–4
labelled body paragraphs, with numbers and place names swapped so that no two are alike. Some
documents write years with 〇, digits full width or every character traditional; body paragraphs
carry ㎡, ①②③, ℃, ……, full-width letters and ％～ as reports do. Formats: .txt in UTF-8 and in
GBK (CRLF), .docx (heading styles, and a table in half of them), .html (with site furniture), and
a .zip of .txt and .docx. Deterministic for a seed.
"""
from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

from _common import sample_paragraphs

PLACES = ["青溪县", "苇溪镇", "棠梨镇", "鹤林县", "杉湖县", "桐溪镇", "桐湾市", "西河区", "秦川市",
          "汀浦区", "丰乐镇", "柘川县"]
_STEMS = "青白云松柳桐杉梅兰竹石河湖溪山川泉林岭阳安平丰乐宁远新华"
_KINDS = ["工作总结", "工作计划", "工作要点", "自查报告", "专项督导反馈意见", "工作情况汇报", "实施方案"]
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_CN_DIGITS = str.maketrans("0123456789", "〇一二三四五六七八九")
_EXTRAS = [  # clauses with the characters of real reports, each with a number to vary
    "，新建校舍面积{n}㎡", "，冬季教室室温不低于{t}℃", "，完成ＡＡＡ级平安校园创建{k}所",
    "，配备ＬＥＤ显示屏{k}块（详见附件{k}）", "，同比增长{k}．{k}％", "，{k}～{m}月完成验收",
    "，覆盖率达到{k}%以上", "，生均面积{k}.{k}㎡",
]
_NUMBER = re.compile(r"\d+")


def _body_and_headings() -> tuple[list[str], list[str], list[str]]:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from training.context import heading_level

    texts = sample_paragraphs()
    headings = [t for t in texts if heading_level(t) is not None]
    top = [t for t in headings if re.match(r"^[一二三四五六七八九十]+、", t)]
    sub = [t for t in headings if t not in top]
    body = [t for t in texts if heading_level(t) is None and len(t) > 40]
    return body, top, sub


class _Writer:
    """Paragraphs of real reports, made unique, from the labelled ones."""

    def __init__(self, seed: int):
        self.rnd = random.Random(seed)
        self.body, self.top, self.sub = _body_and_headings()
        self.places = PLACES + [self.rnd.choice(_STEMS) + self.rnd.choice(_STEMS) + self.rnd.choice("县市区镇")
                                for _ in range(200)]
        self.seen: set[str] = set()

    def _numbers(self, text: str) -> str:
        def swap(m: re.Match) -> str:
            digits = m.group()
            if len(digits) == 4 and digits.startswith(("19", "20")):
                return str(self.rnd.randint(2008, 2026))  # a year stays a year
            low = 10 ** (len(digits) - 1) if len(digits) > 1 else 0
            return str(self.rnd.randint(low, 10 ** len(digits) - 1))
        return _NUMBER.sub(swap, text)

    def _places(self, text: str) -> str:
        for place in PLACES:
            if place in text:
                text = text.replace(place, self.rnd.choice(self.places))
        return text

    def _characters(self, text: str) -> str:
        r = self.rnd
        if "平方米" in text and r.random() < 0.5:
            text = text.replace("平方米", "㎡")
        if "一是" in text and r.random() < 0.4:
            for i, mark in enumerate("①②③④⑤⑥"):
                text = text.replace("一二三四五六"[i] + "是", mark)
        if r.random() < 0.15 and ("等，" in text or "等。" in text):
            text = text.replace("等，", "……，", 1).replace("等。", "……。", 1)
        if r.random() < 0.25:
            extra = r.choice(_EXTRAS).format(n=r.randint(800, 9000), t=r.randint(14, 20),
                                             k=r.randint(1, 9), m=r.randint(10, 12))
            cut = text.rfind("。")
            text = text[:cut] + extra + text[cut:] if cut > 0 else text + extra
        return text

    def paragraph(self) -> str:
        """A body paragraph: 1–4 labelled ones joined (sometimes over 500 characters)."""
        while True:
            n = self.rnd.choices((1, 2, 3, 4), weights=(55, 30, 10, 5))[0]
            text = "".join(self.rnd.sample(self.body, n))
            text = self._characters(self._places(self._numbers(text)))
            if text not in self.seen:
                self.seen.add(text)
                return text

    def document(self) -> tuple[str, list[tuple[str, str]]]:
        """(title, [(kind, text)]) with kind "h1", "h2" or "p"."""
        r = self.rnd
        year = r.randint(2008, 2026)
        title = f"{r.choice(self.places)}教育局{year}年{r.choice(_KINDS)}"
        lines: list[tuple[str, str]] = [("p", self.paragraph())]
        for s in range(r.randint(2, 6)):
            lines.append(("h1", "一二三四五六七八九十"[s] + "、" + r.choice(self.top).split("、", 1)[1]))
            for _ in range(r.randint(0, 3)):
                lines.append(("h2", r.choice(self.sub)))
                lines.extend(("p", self.paragraph()) for _ in range(r.randint(1, 5)))
            lines.extend(("p", self.paragraph()) for _ in range(r.randint(1, 3)))
        return title, lines

    def style(self, title: str, lines: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
        """Some documents write years with 〇, digits full width, or are in traditional characters."""
        r = self.rnd
        steps = []
        if r.random() < 0.2:
            steps.append(lambda t: re.sub(r"(20\d\d)年", lambda m: m.group(1).translate(_CN_DIGITS) + "年", t))
        if r.random() < 0.12:
            steps.append(lambda t: t.translate(_FULL_WIDTH))
        if r.random() < 0.1:
            import opencc

            steps.append(opencc.OpenCC("s2t").convert)
        for step in steps:
            title = step(title)
            lines = [(kind, step(text)) for kind, text in lines]
        return title, lines

    def table(self) -> list[list[str]]:
        r = self.rnd
        rows = [["学校", "项目", "投入资金（万元）", "完成情况"]]
        for _ in range(r.randint(3, 6)):
            school = r.choice(self.places)[:-1] + r.choice(["第一小学", "中心小学", "实验中学", "中心幼儿园"])
            rows.append([school, r.choice(["校舍维修改造", "运动场建设", "食堂改造", "安防设施", "学生宿舍"]),
                         f"{r.randint(20, 900)}.{r.randint(0, 9)}", r.choice(["已完工", "在建", "已验收", "完成90%"])])
        return rows


def _docx(title: str, lines: list[tuple[str, str]], table: list[list[str]] | None) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading(title, 0)
    for i, (kind, text) in enumerate(lines):
        if kind == "p":
            doc.add_paragraph(text)
        else:
            doc.add_heading(text, 1 if kind == "h1" else 2)
        if table and i == len(lines) // 2:
            grid = doc.add_table(rows=len(table), cols=len(table[0]))
            for row, values in zip(grid.rows, table):
                for cell, value in zip(row.cells, values):
                    cell.text = value
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _html(title: str, lines: list[tuple[str, str]]) -> bytes:
    tags = {"h1": "h2", "h2": "h3", "p": "p"}
    body = "".join(f"<{tags[k]}>{t}</{tags[k]}>" for k, t in lines)
    return ("<html><head><meta charset='utf-8'><title>教育局</title></head><body>"
            "<div class='nav'>首页 | 政务公开 | 教育动态 | 联系我们</div>"
            f"<h1>{title}</h1>{body}<div class='footer'>版权所有 教育局 ICP备0000号</div></body></html>"
            ).encode("utf-8")


def _gbk(text: str) -> bytes:
    try:
        return text.encode("gbk")
    except UnicodeEncodeError:  # a character GBK lacks: GB18030 holds every one
        return text.encode("gb18030")


def build_realistic(root: Path, paragraphs: int, seed: int = 0) -> tuple[int, int]:
    """Documents until `paragraphs` lines are written; returns (lines written, bytes on disk)."""
    writer = _Writer(seed)
    for folder in ("txt", "gbk", "docx", "html"):
        (root / folder).mkdir(parents=True)
    zipped = zipfile.ZipFile(root / "archive.zip", "w", zipfile.ZIP_DEFLATED)
    count = d = 0
    while count < paragraphs:
        title, lines = writer.style(*writer.document())
        kind = d % 20
        table = writer.table() if kind in (9, 11, 19) else None  # in docx documents only
        texts = [title] + [t for _, t in lines]
        count += len(texts) + (sum(len(set(row)) for row in table) if table else 0)
        name = f"{d:05d}"
        if kind < 4:
            (root / "txt" / f"{name}.txt").write_text("\n".join(texts), encoding="utf-8")
        elif kind < 8:
            (root / "gbk" / f"{name}.txt").write_bytes(_gbk("\r\n".join(texts)))
        elif kind < 13:
            (root / "docx" / f"{name}.docx").write_bytes(_docx(title, lines, table))
        elif kind < 17:
            (root / "html" / f"{name}.html").write_bytes(_html(title, lines))
        elif kind < 19:
            zipped.writestr(f"报告/{name}.txt", _gbk("\r\n".join(texts)) if kind == 17
                            else "\n".join(texts).encode("utf-8"))
        else:
            zipped.writestr(f"报告/{name}.docx", _docx(title, lines, table))
        d += 1
    zipped.close()
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    return count, size
