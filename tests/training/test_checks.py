"""`zongjie labels check` and `labels stats` on small broken and clean label folders."""
from __future__ import annotations

from tests.conftest import rec, write_jsonl

GOOD = [
    rec(1, "全县新建幼儿园3所，新增学位1200个。", ["基建"]),
    rec(2, "春季学期为寄宿生发放生活补助86万元。", ["资助"]),
    rec(3, "下半年将开展防溺水专题教育。", ["安全", "计划"]),
]


def test_clean_folder_passes(cli, tmp_path):
    write_jsonl(tmp_path / "data" / "a.jsonl", GOOD)
    result = cli("labels", "check", tmp_path)
    assert result.code == 0
    assert "all records valid" in result.out


def test_each_problem_is_reported_with_file_and_line(cli, tmp_path):
    path = write_jsonl(tmp_path / "data" / "bad.jsonl", [
        GOOD[0],
        '{"id": "x", "text": "缺少引号}',
        {"id": "d1-003", "text": "招聘教师20名。", "doc": "d1", "source": "authored"},
        rec(4, "开展师德师风专项整治。", ["师德"]),
        rec(5, "教师短缺问题突出，下一步将招聘。", ["师资", "问题", "计划"]),
        rec(6, "   ", []),
        rec(7, "全县新建幼儿园3所，新增学位1200个。", ["基建"]),
        rec(8, "春季学期为寄宿生发放生活补助86万元。", ["安全"]),
    ])
    result = cli("labels", "check", tmp_path)
    assert result.code == 1
    lines = result.out.splitlines()
    assert f"{path}:2: bad JSON: Unterminated string starting at (column 21)" in lines
    assert f"{path}:3: missing field 'labels'" in lines
    assert f"{path}:4: unknown label '师德' (known: 基建, 资助, 德育, 安全, 师资, 问题, 计划)" in lines
    assert f"{path}:5: 问题 together with 计划 (a paragraph is one or the other)" in lines
    assert f"{path}:6: empty text" in lines
    assert f"{path}:7: the same text twice: also at {path}:1 (d1-001)" in lines
    assert lines[-1] == "6 problem(s), 0 warning(s) in " + str(tmp_path)


def test_conflicting_labels_and_duplicate_ids(cli, tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", GOOD)
    b = write_jsonl(tmp_path / "b.jsonl", [
        rec(1, "春季学期为寄宿生发放生活补助86万元。", ["安全"], doc="d2"),
        rec(1, "招聘特岗教师45名。", ["师资"]),
    ])
    result = cli("labels", "check", tmp_path)
    assert result.code == 1
    assert (f"{b}:1: the same text with different labels: also at {a}:2 (d1-002)"
            in result.out.splitlines())
    assert f"{b}:2: duplicate id 'd1-001' (first at {a}:1)" in result.out.splitlines()


def test_authored_near_copies_fail_but_seed_repeats_only_warn(cli, tmp_path):
    shared = "全面落实农村义务教育学生营养改善计划，覆盖全县所有的农村学校"  # 30 characters
    assert len(shared) == 30
    write_jsonl(tmp_path / "seed.jsonl", [
        rec(1, shared + "，惠及学生一万人。", ["资助"], doc="s", source="seed:x.txt:1"),
        rec(2, "上半年，" + shared + "。", ["资助"], doc="s", source="seed:x.txt:2"),
    ])
    result = cli("labels", "check", tmp_path)
    assert result.code == 0
    assert "warning: near-copy of" in result.out
    path = write_jsonl(tmp_path / "authored.jsonl", [rec(1, "今年" + shared + "。", ["资助"])])
    result = cli("labels", "check", tmp_path)
    assert result.code == 1
    assert f"{path}:1: near-copy of " in result.out
    assert f"they share 30+ characters «{shared}»" in result.out


def test_not_utf8_and_missing_folder(cli, tmp_path):
    (tmp_path / "gbk.jsonl").write_bytes('{"text": "教育"}\n'.encode("gbk"))
    result = cli("labels", "check", tmp_path)
    assert result.code == 1
    assert f"{tmp_path / 'gbk.jsonl'}: not UTF-8 text (save it as UTF-8)" in result.out
    for args in (["--labels", tmp_path / "nowhere"], [tmp_path / "nowhere"]):  # the flag, the older plain form
        result = cli("labels", "check", *args)
        assert result.code == 1
        assert result.err == (f"Error: labels folder not found: {tmp_path / 'nowhere'} (set by --labels; "
                              "to use another: give --labels DIR, or set ZONGJIE_LABELS_DIR or ZONGJIE_HOME)\n")


def test_stats_counts_seed_and_authored(cli, tmp_path):
    write_jsonl(tmp_path / "a.jsonl", GOOD + [
        rec(9, "一、上半年主要工作", [], doc="s", source="seed:x.txt:1")])
    result = cli("labels", "stats", tmp_path)
    assert result.code == 0
    rows = {line.split()[0]: line.split()[1:] for line in result.out.splitlines()[1:]}
    assert rows["records"] == ["1", "3", "4"]
    assert rows["安全"] == ["0", "1", "1"]
    assert rows["(none)"] == ["1", "0", "1"]
    assert rows["(2+)"] == ["0", "1", "1"]


def test_stats_on_broken_data_is_an_error_not_a_traceback(cli, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", ['{"id": 1'])
    result = cli("labels", "stats", tmp_path)
    assert result.code == 1
    assert result.err.startswith(f"Error: {path}:1: bad JSON:")


def test_text_shared_with_the_development_set_is_warned_about(cli, tmp_path, monkeypatch):
    dev = write_jsonl(tmp_path / "dev.jsonl", [
        {"id": "dev-1", "text": "青龙镇中心小学2024年秋季学期完成了综合楼外墙和屋面防水的全面翻修工程。", "labels": ["基建"],
         "doc": "dev-a", "source": "devset", "genre": "小学学期工作总结"}])
    labels = tmp_path / "labels"
    path = write_jsonl(labels / "data" / "a.jsonl", [
        *GOOD, rec(4, "据悉，青龙镇中心小学2024年秋季学期完成了综合楼外墙和屋面防水的全面翻修。", ["基建"])])
    monkeypatch.setenv("ZONGJIE_DEVSET", str(dev))
    result = cli("labels", "check", labels)
    assert result.code == 0
    assert result.out.splitlines() == [
        f"{path}:4: warning: shares 30+ characters «青龙镇中心小学2024年秋季学期完成了综合楼外墙和屋面防水的» with the "
        f"development set {dev} (evaluation only): write it in your own words",
        f"0 problem(s), 1 warning(s) in {labels}"]
    monkeypatch.setenv("ZONGJIE_DEVSET", str(tmp_path / "absent.jsonl"))
    assert cli("labels", "check", labels).out.endswith("all records valid\n")
