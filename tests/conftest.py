"""Shared fixtures: run the real `zongjie` CLI in-process and write small labelled files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from serving.cli import main

REPO = Path(__file__).resolve().parents[1]


class CliResult:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def cli(capsys, monkeypatch):
    """Call `zongjie ARGS…` as a user would; returns exit code, stdout and stderr."""
    def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> CliResult:
        if stdin is not None:
            import io
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)
    return run


def write_jsonl(path: Path, records: list[dict | str]) -> Path:
    """Write records (dicts, or raw lines for broken input) as JSON Lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rec(i: int, text: str, labels: list[str], doc: str = "d1", source: str = "authored") -> dict:
    return {"id": f"{doc}-{i:03d}", "text": text, "labels": labels, "doc": doc, "source": source}


# Small but learnable labelled data: each label has its own vocabulary, mixed per paragraph.
_VOCAB = {
    "基建": ["新建教学楼", "校舍改造", "运动场建设", "购置课桌凳", "危房改造工程"],
    "资助": ["发放助学金", "营养改善计划", "免除保教费", "寄宿生生活补助", "建档立卡学生"],
    "德育": ["主题班会", "爱国主义教育", "文明礼仪", "心理健康教育", "核心价值观"],
    "安全": ["防溺水教育", "消防演练", "隐患排查", "校车安全", "食品安全检查"],
    "师资": ["招聘特岗教师", "国培计划", "师德师风", "职称评审", "骨干教师培训"],
    "问题": ["仍然存在不足", "困难较多", "问题突出"],
    "计划": ["下半年将", "明年要", "下一步计划"],
}


def make_labels_dir(root: Path, docs: int = 8, per_doc: int = 10) -> Path:
    """A labels folder with a dictionary and `docs` reports of `per_doc` paragraphs."""
    import random

    rnd = random.Random(7)
    topics = ["基建", "资助", "德育", "安全", "师资"]
    for d in range(docs):
        records = []
        for i in range(per_doc):
            labels = rnd.sample(topics, rnd.choice([0, 1, 1, 2]))
            discourse = rnd.choice([None, None, "问题", "计划"])
            if discourse:
                labels.append(discourse)
            parts = [rnd.choice(_VOCAB[lab]) for lab in labels] or ["召开党建工作会议"]
            text = "，".join(parts) + f"，涉及学校{rnd.randint(1, 99)}所（第{d}篇第{i}段）。"
            source = f"seed:s{d}.txt:{i + 1}" if d < 2 else "authored"
            records.append(rec(i + 1, text, labels, doc=f"doc{d}", source=source))
        write_jsonl(root / "data" / f"doc{d}.jsonl", records)
    (root / "dictionary.txt").write_text("# test\n营养改善计划\n特岗教师\n", encoding="utf-8")
    return root


def train_with_holdout(cli, root: Path) -> tuple[Path, Path, str]:
    """(labels, models, version in service): 10 reports, doc8 and doc9 the comparison set."""
    labels = make_labels_dir(root / "labels", docs=10, per_doc=10)
    (labels / "holdout.json").write_text(json.dumps({"docs": ["doc8", "doc9"]}), "utf-8")
    models = root / "models"
    assert cli("train", "--labels", labels, "--models", models, "--promote", "--no-learning-curve").code == 0
    return labels, models, (models / "CURRENT").read_text().strip()


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """A models folder with one promoted version trained on a small labels folder."""
    root = tmp_path_factory.mktemp("zj")
    labels = make_labels_dir(root / "labels")
    models = root / "models"
    code = main(["train", "--labels", str(labels), "--models", str(models), "--promote"])
    assert code == 0
    version = (models / "CURRENT").read_text().strip()
    return {"labels": labels, "models": models, "version": version, "root": root}
