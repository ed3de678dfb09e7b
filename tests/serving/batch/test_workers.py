"""`--workers` where fork is missing (spawn, as on Windows) gives the same output; `--dask`
without the optional Dask part says how to install it."""
from __future__ import annotations

import sys

import pytest

from serving.batch.run import run_tag
from serving.batch.tagger import ModelRef
from training.errors import ConfigError

LINES = ["某县教育局2025年工作总结", "一、学生资助", "全年发放助学金120万元。", "二、校园安全",
         "组织消防演练和防溺水教育。", "三、下一步计划", "明年将新建教学楼两栋。"]


@pytest.fixture
def reports(tmp_path):
    folder = tmp_path / "报告"
    folder.mkdir()
    for i in range(20):  # more than one batch of 16 documents
        (folder / f"r{i:02d}.txt").write_text("\n".join(f"{line}（{i}）" for line in LINES), "utf-8")
    return folder


def test_spawned_workers_give_the_output_of_one_process(reports, trained, tmp_path):
    model = ModelRef(str(trained["models"]), trained["version"])
    one = run_tag([reports], out=tmp_path / "one.csv", fmt="csv", model=model)
    two = run_tag([reports], out=tmp_path / "two.csv", fmt="csv", model=model, workers=2, start="spawn")
    assert one.paragraphs == two.paragraphs == 20 * len(LINES)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()


def test_a_start_method_the_system_lacks_is_refused_clearly(reports, trained, tmp_path):
    model = ModelRef(str(trained["models"]), trained["version"])
    with pytest.raises(ConfigError, match=r"workers cannot be started with 'threads' here \(this system offers"):
        run_tag([reports], out=tmp_path / "t.csv", fmt="csv", model=model, workers=2, start="threads")
    assert list(tmp_path.glob("t.csv*")) == []  # refused before any output is touched


def test_dask_without_its_optional_part_says_how_to_install_it(cli, reports, trained, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as in a core install
    out = tmp_path / "t.csv"
    result = cli("tag", reports, "-o", out, "--dask", "tcp://127.0.0.1:1", "--models", trained["models"])
    assert result.code == 1
    assert "--dask needs Dask's distributed" in result.err and "pip install 'zongjie[dask]'" in result.err
    assert not out.exists() and not (tmp_path / "t.csv.progress").exists()
