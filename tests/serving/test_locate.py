"""`zongjie` run from any working directory: the documented order in which the models folder,
the labels folder and the feedback database are found, `zongjie info`, the not-found messages,
and the bundled default model of an installed package."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, make_labels_dir

HINT_MODELS = "to use another: give --models DIR, or set ZONGJIE_MODELS_DIR or ZONGJIE_HOME"
HINT_LABELS = "to use another: give --labels DIR, or set ZONGJIE_LABELS_DIR or ZONGJIE_HOME"


def zongjie(*args, cwd: Path, env: dict | None = None, pythonpath: Path | None = None):
    """The real command in a fresh process, with no ZONGJIE_* setting but those given."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ZONGJIE_")}
    environ.update(env or {})
    if pythonpath is not None:
        environ["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([sys.executable, "-m", "serving.cli", *map(str, args)], cwd=cwd, env=environ,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def info(cwd: Path, **kwargs) -> dict:
    result = zongjie("info", "--json", cwd=cwd, **kwargs)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["paths"]


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    """A working directory with nothing of zongjie's in it, its name in Chinese as a user's is."""
    folder = tmp_path / "档案"
    (folder / "报告").mkdir(parents=True)
    (folder / "报告" / "a.txt").write_text("全县发放助学金。\n开展防溺水教育。\n", encoding="utf-8")
    return folder


@pytest.fixture
def installed(tmp_path) -> Path:
    """The package copied out of the checkout, as a wheel installs it (no labels/, no pyproject)."""
    site = tmp_path / "site"
    for package in ("training", "serving"):
        shutil.copytree(REPO / package, site / package, ignore=shutil.ignore_patterns("__pycache__", "default_model"))
    return site


@pytest.mark.integration
def test_from_any_directory_the_checkout_is_found(elsewhere):
    paths = info(elsewhere)
    assert paths["models_dir"] == {"path": str(REPO / "models"), "rule": "in the project checkout"}
    assert paths["labels_dir"] == {"path": str(REPO / "labels"), "rule": "in the project checkout"}
    assert paths["feedback_db"] == {"path": str(REPO / "labels" / "inbox.sqlite3"), "rule": "in the labels folder"}


@pytest.mark.integration
def test_the_order_flag_variable_home(elsewhere, tmp_path):
    home = tmp_path / "home"
    paths = info(elsewhere, env={"ZONGJIE_HOME": str(home)})
    assert paths["models_dir"] == {"path": str(home / "models"), "rule": "under ZONGJIE_HOME"}
    assert paths["feedback_db"]["path"] == str(home / "labels" / "inbox.sqlite3")
    env = {"ZONGJIE_HOME": str(home), "ZONGJIE_MODELS_DIR": "m", "ZONGJIE_FEEDBACK_DB": "fb.sqlite3"}
    paths = info(elsewhere, env=env)
    assert paths["models_dir"] == {"path": str(elsewhere / "m"), "rule": "set by ZONGJIE_MODELS_DIR"}
    assert paths["labels_dir"] == {"path": str(home / "labels"), "rule": "under ZONGJIE_HOME"}
    assert paths["feedback_db"] == {"path": str(elsewhere / "fb.sqlite3"), "rule": "set by ZONGJIE_FEEDBACK_DB"}
    result = zongjie("info", "--json", "--models", "../x", "--labels", "l", cwd=elsewhere, env=env)
    paths = json.loads(result.stdout)["paths"]
    assert paths["models_dir"] == {"path": str(tmp_path / "x"), "rule": "set by --models"}
    assert paths["labels_dir"] == {"path": str(elsewhere / "l"), "rule": "set by --labels"}


@pytest.mark.integration
def test_an_installed_package_uses_the_per_user_data_folder(elsewhere, installed, tmp_path):
    data = tmp_path / "xdg"
    paths = info(elsewhere, pythonpath=installed, env={"XDG_DATA_HOME": str(data)})
    assert paths["models_dir"] == {"path": str(data / "zongjie" / "models"), "rule": "in the per-user data folder"}
    assert paths["labels_dir"] == {"path": str(data / "zongjie" / "labels"), "rule": "in the per-user data folder"}


@pytest.mark.integration
def test_not_found_messages_name_the_path_the_rule_and_the_setting(elsewhere, tmp_path):
    home = tmp_path / "empty-home"
    env = {"ZONGJIE_HOME": str(home)}
    result = zongjie("tag", "报告", "-o", "tags.xlsx", cwd=elsewhere, env=env)
    assert result.returncode == 1
    assert result.stderr == (f"Error: no model in service in {home / 'models'} (under ZONGJIE_HOME; "
                             f"{HINT_MODELS}): run `zongjie train --promote`\n")
    result = zongjie("train", cwd=elsewhere, env=env)
    assert result.stderr == f"Error: labels folder not found: {home / 'labels'} (under ZONGJIE_HOME; {HINT_LABELS})\n"
    result = zongjie("classify", "教师培训", "--model", "20200101-000000-aaaaaaaa", cwd=elsewhere, env=env)
    assert result.stderr == (f"Error: model version '20200101-000000-aaaaaaaa' not found in {home / 'models'} "
                             f"(under ZONGJIE_HOME; {HINT_MODELS}): `zongjie models list` shows the versions there\n")
    result = zongjie("serve", cwd=elsewhere, env=env)
    assert result.stderr == (f"Error: no model in service in {home / 'models'} (under ZONGJIE_HOME; {HINT_MODELS}), "
                             "none bundled with this package, and no labels to train one: labels folder not "
                             f"found: {home / 'labels'} (under ZONGJIE_HOME; {HINT_LABELS})\n")


@pytest.mark.integration
def test_tag_from_another_directory_with_zongjie_home(elsewhere, trained, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(trained["models"], home / "models")
    result = zongjie("tag", "报告", "-o", "tags.xlsx", cwd=elsewhere, env={"ZONGJIE_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "tags.xlsx").is_file()
    assert f"model {trained['version']})" in result.stdout


@pytest.mark.integration
def test_the_bundled_model_is_installed_and_used_when_none_is_in_service(elsewhere, installed, trained, tmp_path):
    bundled = installed / "serving" / "default_model"
    shutil.copytree(trained["models"] / trained["version"], bundled)  # what `make wheelhouse` does
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg")}
    models = tmp_path / "xdg" / "zongjie" / "models"
    result = zongjie("info", cwd=elsewhere, pythonpath=installed, env=env)
    assert f"model in service: none (the bundled model {trained['version']} is installed on first use)" in result.stdout
    result = zongjie("classify", "发放助学金，落实营养改善计划。", "--json", cwd=elsewhere, pythonpath=installed, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["model"] == trained["version"]
    assert result.stderr == f"installed the bundled model {trained['version']} in {models} (now in service)\n"
    assert (models / "CURRENT").read_text().strip() == trained["version"]
    result = zongjie("classify", "发放助学金。", cwd=elsewhere, pythonpath=installed, env=env)
    assert result.returncode == 0 and result.stderr == ""  # installed once


def test_a_damaged_bundled_model_is_refused(trained, tmp_path):
    from training.errors import ModelError
    from training.service import install_model_files

    source = tmp_path / "bundle"
    shutil.copytree(trained["models"] / trained["version"], source)
    with open(source / "fast.npz", "r+b") as handle:
        handle.seek(50)
        handle.write(b"\0\0\0\0")
    with pytest.raises(ModelError, match="fast.npz: file is damaged"):
        install_model_files(tmp_path / "models", source)
    assert not (tmp_path / "models" / "CURRENT").exists()
    assert not (tmp_path / "models" / trained["version"]).exists()  # a fixed copy can be installed later


@pytest.mark.integration
def test_with_no_model_the_server_side_trains_one_from_the_labels(tmp_path):
    from training.service import ensure_model

    labels = make_labels_dir(tmp_path / "labels", docs=4, per_doc=8)
    heard = []
    provided = ensure_model(tmp_path / "models", labels_dir=labels, progress=lambda *a: heard.append(a))
    assert provided.how == "trained"
    assert (tmp_path / "models" / "CURRENT").read_text().strip() == provided.version
    assert ("cross-validation folds", 0, 4) in heard and ("final fit", 1, 1) in heard
    assert ensure_model(tmp_path / "models", labels_dir=labels).how == "in service"
    assert ensure_model(tmp_path / "nothing") is None


@pytest.mark.integration
def test_every_folder_option_is_spelt_the_same_and_help_is_in_chinese(elsewhere, tmp_path, cli):
    labels = make_labels_dir(tmp_path / "labels", docs=2, per_doc=3)
    for command in (["labels", "check"], ["labels", "stats"]):
        assert cli(*command, "--labels", labels).code == 0
    result = zongjie("labels", "check", "--help", cwd=elsewhere)
    assert result.stdout.startswith("用法：zongjie labels check [--labels DIR]")
    assert "校验标注文件夹里的每个文件" in result.stdout and "显示本帮助并退出" in result.stdout
    for command in (["tag"], ["suggest"], ["classify"], ["evaluate"], ["train"], ["serve"], ["info"],
                    ["models", "list"], ["models", "compare"], ["models", "promote"], ["models", "rollback"]):
        assert "--models DIR" in zongjie(*command, "--help", cwd=elsewhere).stdout, command
