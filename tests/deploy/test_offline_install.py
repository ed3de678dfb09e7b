"""`make wheelhouse` then an install with no package index: a fresh venv gets zongjie and the
bundled model from the wheelhouse alone, classifies, tags and serves /docs from the package.
Slow (about a minute: it downloads wheels, from pip's cache when they are there): `-m slow`,
run by .ci/run after `make test`."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO
from tests.servers import free_port, wait_ready

pytestmark = pytest.mark.slow
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
SOURCES = ["pyproject.toml", "README.md", "training", "serving", "deploy"]


def run(*cmd, **kw) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    assert result.returncode == 0, f"{cmd}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(trained, tmp_path_factory):
    """(venv's bin folder, models folder laid out from the bundled model) of an offline install."""
    root = tmp_path_factory.mktemp("offline")
    source = root / "source"  # a copy: the build must not replace this checkout's bundled model
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "default_model"))
        else:
            shutil.copy2(REPO / name, source / name)
    wheelhouse = root / "wheelhouse"
    run(sys.executable, source / "deploy" / "wheelhouse.py", "--targets", "linux", "--python", PYTHON,
        "--no-zip", "--out", wheelhouse, "--models", trained["models"])
    run(sys.executable, "-m", "venv", root / "venv")
    bin_dir = root / "venv" / "bin"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    run(bin_dir / "python", "-m", "pip", "install", "-q", "--no-index", "--find-links", wheelhouse,
        "zongjie", env=env)
    return bin_dir, root


def test_the_wheelhouse_install_has_the_core_and_the_bundled_model(installed, trained):
    bin_dir, root = installed
    code = ("import importlib.util, pathlib, serving; "
            "print(pathlib.Path(serving.__file__).parent / 'default_model'); "
            "print(importlib.util.find_spec('distributed') is None)")
    bundled, no_dask = run(bin_dir / "python", "-c", code, cwd=root).stdout.split()
    assert no_dask == "True"  # Dask is the optional zongjie[dask]
    bundled = Path(bundled)
    assert (bundled / "VERSION").read_text().strip() == trained["version"]
    mine = sorted(p.name for p in (trained["models"] / trained["version"]).iterdir())
    assert sorted(p.name for p in bundled.iterdir() if p.name != "VERSION") == mine


def _models_from_bundle(bin_dir: Path, root: Path) -> Path:
    """models/<VERSION>/ and CURRENT from the installed package's serving/default_model/."""
    code = "import pathlib, serving; print(pathlib.Path(serving.__file__).parent / 'default_model')"
    bundled = Path(run(bin_dir / "python", "-c", code, cwd=root).stdout.strip())
    version = (bundled / "VERSION").read_text().strip()
    models = root / "models"
    if not models.exists():
        shutil.copytree(bundled, models / version, ignore=shutil.ignore_patterns("VERSION"))
        (models / "CURRENT").write_text(version + "\n")
    return models


def test_the_offline_install_classifies_and_tags(installed):
    bin_dir, root = installed
    models = _models_from_bundle(bin_dir, root)
    out = run(bin_dir / "zongjie", "classify", "发放助学金，营养改善计划。", "--json", "--models", models, cwd=root)
    [result] = json.loads(out.stdout)["results"]
    assert set(result["scores"]) == {"基建", "资助", "德育", "安全", "师资", "问题", "计划"}
    doc = root / "报告.txt"
    doc.write_text("某县教育局工作总结\n全年发放助学金。\n组织消防演练。\n", encoding="utf-8")
    run(bin_dir / "zongjie", "tag", doc, "-o", root / "t.xlsx", "--models", models, "--quiet", cwd=root)
    from openpyxl import load_workbook

    rows = list(load_workbook(root / "t.xlsx", read_only=True)["paragraphs"].values)
    assert rows[0][4] == "段落" and [r[4] for r in rows[1:]] == ["某县教育局工作总结", "全年发放助学金。", "组织消防演练。"]


def test_the_offline_install_serves_docs_from_the_package(installed):
    bin_dir, root = installed
    models = _models_from_bundle(bin_dir, root)
    port = free_port()
    proc = subprocess.Popen([bin_dir / "zongjie", "serve", "--port", str(port), "--models", models,
                             "--log-level", "warning"], cwd=root, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
        docs = httpx.get(f"{base}/docs").text
        assert "/static/docs/swagger-ui-bundle.js" in docs and "https://" not in docs
        assert httpx.get(f"{base}/static/docs/swagger-ui-bundle.js").status_code == 200
        assert "段落标签服务" in httpx.get(f"{base}/").text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
