"""Paragraph splitting through `zongjie tag`: numbering styles, heading paths, page furniture, hard-wrapped lines."""
from __future__ import annotations

import json


def test_numbering_styles_page_furniture_and_wrapped_lines(cli, trained, tmp_path):
    report = "\n".join([
        "某县教育局2019年工作总结",
        "一、主要工作",
        "（一）学生资助",
        "1.春季学期资助",
        "（1）义务教育阶段",
        "①寄宿生生活补助按时发放到位。",
        "第 2 页",
        "(二)教师队伍",
        "1、招聘特岗教师四十名。",
        "- 3 -",
        "3/10",
        "二、存在问题",
        "1.教师结构性缺编，音体美教师不足，困难较多。",
    ])
    (tmp_path / "r.txt").write_text(report, encoding="utf-8")
    cli("tag", tmp_path / "r.txt", "-o", tmp_path / "o.jsonl", "--models", trained["models"], "--quiet")
    rows = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text("utf-8").splitlines()]
    assert [r["text"] for r in rows] == [
        "某县教育局2019年工作总结", "一、主要工作", "（一）学生资助", "1.春季学期资助", "（1）义务教育阶段",
        "①寄宿生生活补助按时发放到位。", "(二)教师队伍", "1、招聘特岗教师四十名。", "二、存在问题",
        "1.教师结构性缺编，音体美教师不足，困难较多。"]
    paths = {r["text"]: r["headings"] for r in rows}
    assert paths["①寄宿生生活补助按时发放到位。"] == (
        "某县教育局2019年工作总结 > 一、主要工作 > （一）学生资助 > 1.春季学期资助 > （1）义务教育阶段")
    assert paths["1、招聘特岗教师四十名。"] == "某县教育局2019年工作总结 > 一、主要工作 > (二)教师队伍"
    assert paths["1.教师结构性缺编，音体美教师不足，困难较多。"] == "某县教育局2019年工作总结 > 二、存在问题"

    width = 24  # a fixed-width text file: lines hard-wrapped at 24 characters
    long = "全县投入资金八百万元新建城南小学教学楼一栋并完成操场改造，新增学位九百个，缓解了城区入学压力。"
    wrapped = "\n".join(long[i:i + width] for i in range(0, len(long), width))
    body = "\n".join([wrapped, "招聘教师二十名，充实农村学校。", wrapped.replace("城南", "城北")])
    (tmp_path / "w.txt").write_text(body, encoding="utf-8")
    cli("tag", tmp_path / "w.txt", "-o", tmp_path / "w.jsonl", "--models", trained["models"], "--quiet")
    texts = [json.loads(line)["text"] for line in (tmp_path / "w.jsonl").read_text("utf-8").splitlines()]
    assert texts == [long, "招聘教师二十名，充实农村学校。", long.replace("城南", "城北")]


def test_the_last_item_of_a_numbered_list_is_an_item_not_the_heading_of_what_follows(cli, trained, tmp_path):
    report = "\n".join([
        "某县教育局2025年工作总结", "一、主要工作及成效", "（一）基础设施",
        "1.新建城关幼儿园", "2.改造8所农村寄宿制学校", "3.完成校舍维修",
        "全年投入资金1.2亿元，办学条件明显改善。", "二、存在的问题", "设施设备还不完善。",
    ])
    (tmp_path / "r.txt").write_text(report, encoding="utf-8")
    cli("tag", tmp_path / "r.txt", "-o", tmp_path / "o.jsonl", "--models", trained["models"], "--quiet")
    paths = {r["text"]: r["headings"] for r in map(json.loads, (tmp_path / "o.jsonl").read_text("utf-8").splitlines())}
    section = "某县教育局2025年工作总结 > 一、主要工作及成效 > （一）基础设施"
    assert paths["3.完成校舍维修"] == section
    assert paths["全年投入资金1.2亿元，办学条件明显改善。"] == section
    assert paths["设施设备还不完善。"] == "某县教育局2025年工作总结 > 二、存在的问题"


def test_blank_runs_fold_to_one_space_exactly_as_the_regex_does():
    import re

    from hypothesis import given, settings, strategies as st

    from serving.batch.splitter import _one_space, split_lines

    blanks = re.compile(r"[ \t\u3000\xa0]+")

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=" \t\u3000\xa0\n\r\f学校a1。（", max_size=60))
    def check(text):
        assert _one_space(text) == blanks.sub(" ", text)
        reference = blanks.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
        assert split_lines(text, wrapped=False) == split_lines(reference, wrapped=False)
        assert " " * 2 not in "".join(split_lines(text, wrapped=False))

    check()
