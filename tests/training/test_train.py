"""`zongjie train`, `models list`, `evaluate`, `classify`: artifacts, reports and their checks."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO, make_labels_dir, rec, write_jsonl
from training.artifact import load_version
from training.errors import ModelError


def test_train_writes_a_self_describing_version(trained):
    folder = trained["models"] / trained["version"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "fast.npz", "metadata.json", "model.joblib", "report.html", "report.json", "report.txt"]
    meta = json.loads((folder / "metadata.json").read_text("utf-8"))
    assert meta["labels"] == ["基建", "资助", "德育", "安全", "师资", "问题", "计划"]
    assert set(meta["thresholds"]) == set(meta["labels"])
    assert set(meta["libraries"]) >= {"python", "scikit-learn", "jieba"}
    assert len(meta["sha256"]) == 64 and len(meta["fingerprint"]) == 64
    assert meta["metrics"]["macro_f1"] > 0.5
    report = json.loads((folder / "report.json").read_text("utf-8"))
    for part in ("overall", "seed", "authored"):
        assert set(report[part]) >= {"micro_f1", "macro_f1", "exact_match", "per_label", "brier", "ece"}
    assert [p["fraction"] for p in report["learning_curve"]] == [0.25, 0.5, 1.0]
    assert report["data"] == {"records": 80, "docs": 8, "seed_records": 20, "authored_records": 60}
    assert "<svg" in (folder / "report.html").read_text("utf-8")
    assert report["training_seconds"] > 0
    assert f"training time: {report['training_seconds']:.0f} s" in (folder / "report.txt").read_text("utf-8")


@pytest.mark.integration
def test_unchanged_data_reuses_the_version_and_force_trains_again(cli, trained, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(trained["models"], models)
    result = cli("train", "--labels", trained["labels"], "--models", models, "--no-learning-curve")
    # learning-curve setting is part of the fingerprint, so that is a new version…
    assert result.code == 0 and "reusing" not in result.out
    result = cli("train", "--labels", trained["labels"], "--models", models)
    assert result.out.startswith(f"Training data and settings unchanged: reusing model {trained['version']}")
    versions = [p.name for p in models.iterdir() if p.is_dir()]
    assert len(versions) == 2
    result = cli("train", "--labels", trained["labels"], "--models", models, "--force")
    assert result.code == 0
    assert len([p for p in models.iterdir() if p.is_dir()]) == 3


@pytest.mark.integration
def test_training_is_deterministic(cli, trained, tmp_path):
    result = cli("train", "--labels", trained["labels"], "--models", tmp_path / "m", "--json")
    again = json.loads(result.out)
    first = json.loads((trained["models"] / trained["version"] / "report.json").read_text("utf-8"))
    assert again["report"]["overall"] == first["overall"]
    assert again["report"]["thresholds"] == first["thresholds"]
    text = "下半年将新建教学楼，开展防溺水教育。"
    a = cli("classify", text, "--models", trained["models"], "--json")
    b = cli("classify", text, "--models", tmp_path / "m", "--model", again["version"], "--json")
    assert json.loads(a.out)["results"] == json.loads(b.out)["results"]


def test_promote_and_models_list(cli, trained):
    result = cli("models", "list", "--models", trained["models"])
    assert result.code == 0
    line = next(l for l in result.out.splitlines() if trained["version"] in l)
    assert line.startswith("* ")


def test_classify_text_and_stdin(cli, trained):
    result = cli("classify", "本学期发放助学金，落实营养改善计划。", "--models", trained["models"], "--json")
    out = json.loads(result.out)
    assert out["model"] == trained["version"]
    assert out["results"][0]["labels"] == ["资助"]
    thresholds = json.loads((trained["models"] / trained["version"] / "metadata.json").read_text())["thresholds"]
    scores = out["results"][0]["scores"]
    assert [lab for lab in scores if scores[lab] >= thresholds[lab]] == ["资助"]
    assert list(out["results"][0]["scores"]) == ["基建", "资助", "德育", "安全", "师资", "问题", "计划"]
    result = cli("classify", "--models", trained["models"], stdin="招聘特岗教师50名\n\n新建教学楼一栋\n")
    assert result.code == 0
    assert [l.split("\t")[1] for l in result.out.splitlines() if "\t" in l] == [
        "招聘特岗教师50名", "新建教学楼一栋"]
    framed = cli("classify", "本学期发放助学金，落实营养改善计划。", "--models", trained["models"], "--json",
                 "--title", "某县2026年学生资助工作计划", "--heading", "二、重点任务")
    assert json.loads(framed.out)["results"][0]["scores"]["计划"] != scores["计划"]  # context counts
    report = json.loads((trained["models"] / trained["version"] / "report.json").read_text())
    assert report["context_layer"]["cues"] == ["title:problem", "title:plan", "title:report",
                                               "section:problem", "section:plan", "section:report"]
    result = cli("classify", "--models", trained["models"], stdin="  \n")
    assert result.code == 1
    assert result.err == "Error: nothing to classify: give TEXT or pipe paragraphs on standard input\n"


def test_evaluate_scores_any_labelled_file(cli, trained, tmp_path):
    data = write_jsonl(tmp_path / "eval.jsonl", [
        {"text": "新建教学楼，校舍改造。", "labels": ["基建"], "extra": 1},
        {"text": "发放助学金，营养改善计划。", "labels": ["资助"]},
        {"text": "召开党建工作会议。", "labels": []},
    ])
    result = cli("evaluate", "--models", trained["models"], "--data", data, "--json")
    assert result.code == 0
    metrics = json.loads(result.out)
    assert metrics["paragraphs"] == 3 and metrics["model"] == trained["version"]
    assert metrics["per_label"]["基建"]["support"] == 1
    result = cli("evaluate", "--models", trained["models"], "--data", data)
    assert "micro-F1" in result.out and "基建" in result.out
    assert "genre read as" not in result.out
    with_genre = write_jsonl(tmp_path / "genre.jsonl", [
        {"text": "新建教学楼，校舍改造。", "labels": ["基建", "计划"], "genre": "县教育局年度工作计划"}])
    result = cli("evaluate", "--models", trained["models"], "--data", with_genre)
    assert "with each record's genre read as its document's title (the context layer): micro-F1" in result.out
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"text": "x", "labels": ["未知"]}])
    result = cli("evaluate", "--models", trained["models"], "--data", bad)
    assert result.code == 1
    assert result.err == f"Error: {bad}:1: unknown label '未知' (known: 基建, 资助, 德育, 安全, 师资, 问题, 计划)\n"


def test_damaged_or_incompatible_models_are_refused(cli, trained, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(trained["models"], models)
    folder = models / trained["version"]
    data = write_jsonl(tmp_path / "d.jsonl", [{"text": "教师培训", "labels": ["师资"]}])
    meta_path = folder / "metadata.json"
    meta = json.loads(meta_path.read_text("utf-8"))
    meta["libraries"]["scikit-learn"] = "0.24.2"
    meta_path.write_text(json.dumps(meta), "utf-8")
    result = cli("evaluate", "--data", data, "--models", models)
    assert result.code == 0  # scored from fast.npz: plain arrays, whatever scikit-learn made them
    with pytest.raises(ModelError, match=f"model {trained['version']} was made with scikit-learn 0.24.2, this is "):
        load_version(models, trained["version"])  # the pipeline, for training, is checked
    for name in ("model.joblib", "fast.npz"):
        with open(folder / name, "r+b") as handle:
            handle.seek(100)
            handle.write(b"\0\0\0\0")
    result = cli("evaluate", "--data", data, "--models", models)
    assert result.err == (f"Error: {folder / 'fast.npz'}: file is damaged (SHA-256 does not "
                          "match metadata.json); retrain with `zongjie train --force`\n")
    with pytest.raises(ModelError, match="model.joblib: model file is damaged"):
        load_version(models, trained["version"])  # training's own loads check it
    result = cli("classify", "教师培训", "--models", models)
    assert result.err == (f"Error: {folder / 'fast.npz'}: file is damaged (SHA-256 does not "
                          "match metadata.json); retrain with `zongjie train --force`\n")
    result = cli("classify", "教师培训", "--models", models, "--model", "../../etc")
    assert result.err == ("Error: invalid model version '../../etc': a version is a folder name "
                          "inside the models directory\n")
    result = cli("classify", "教师培训", "--models", tmp_path / "empty")
    assert result.err == (f"Error: no model in service in {tmp_path / 'empty'} (set by --models; to use "
                          "another: give --models DIR, or set ZONGJIE_MODELS_DIR or ZONGJIE_HOME): run "
                          "`zongjie train --promote`\n")


@pytest.mark.integration
def test_model_loads_in_a_fresh_process_without_the_trainer(trained):
    code = f"""
import sys
from training.artifact import load_current
m = load_current({str(trained['models'])!r})
print(m.pipeline.predict_proba(['新建教学楼']).shape)
bad = [n for n in ('training.train', 'training.crossval', 'serving', 'fastapi') if n in sys.modules]
print(bad)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.split("\n")[:2] == ["(1, 7)", "[]"]


@pytest.mark.integration
def test_serving_scores_without_importing_scikit_learn(trained):
    code = f"""
import sys
from serving.api.holder import ModelHolder
from serving.api.app import create_app
h = ModelHolder({str(trained['models'])!r})
h.refresh()
print(h.predictor.predict(['发放助学金，落实营养改善计划。'])[0].labels)
print(sorted({{n.split('.')[0] for n in sys.modules}} & {{'sklearn', 'jieba', 'joblib'}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.split("\n")[:2] == ["['资助']", "[]"]


def test_training_on_bad_labels_is_a_clear_error(cli, tmp_path):
    labels = make_labels_dir(tmp_path / "labels", docs=3, per_doc=4)
    path = write_jsonl(labels / "data" / "zz.jsonl", [rec(1, "招聘教师", ["师资", "教师"], doc="z")])
    result = cli("train", "--labels", labels, "--models", tmp_path / "m")
    assert result.code == 1
    assert result.err == f"Error: {path}:1: unknown label '教师' (known: 基建, 资助, 德育, 安全, 师资, 问题, 计划)\n"


def test_cross_validation_fits_equal_fitting_the_pipeline_on_each_fold():
    """FoldFits analyses every text once; each fold's scores are those of the pipeline fitted anew."""
    import numpy as np
    from sklearn.base import clone

    from training.crossval import grouped_folds
    from training.dataset import load_records
    from training.folds import FoldFits
    from training.segment import read_dictionary
    from training.train import TrainSettings, label_matrix, make_pipeline

    records = load_records(REPO / "labels")[::6]
    texts = np.array([r.text for r in records], dtype=object)
    Y = label_matrix(records)
    pipeline = make_pipeline(read_dictionary(REPO / "labels" / "dictionary.txt"), TrainSettings())
    fits = FoldFits(pipeline, texts)
    assert fits.blocks is not None  # the shared-counts path, not the fallback
    for train, test in grouped_folds([r.doc for r in records], 3)[:2]:
        model = clone(pipeline).fit(list(texts[train]), Y[train])
        expected = model[:-1].transform(list(texts[test]))
        assert abs(fits.features(train, test)[1] - expected).max() < 1e-12
        assert np.abs(fits.scores(train, test, Y[train]) - model.predict_proba(list(texts[test]))).max() < 1e-9
    calibrated = make_pipeline(pipeline.named_steps["features"].transformer_list[0][1].analyzer.words,
                               TrainSettings(), calibration=[(2.0, 0.5)] * Y.shape[1])
    assert fits.with_pipeline(calibrated).blocks is fits.blocks  # same features: counts shared
    other = make_pipeline((), TrainSettings(min_df=3))
    assert fits.with_pipeline(other).blocks is not fits.blocks


def test_thresholds_sit_in_the_middle_of_the_near_best_range():
    """One stray positive must not drag a threshold to the edge of a flat F1 curve."""
    import numpy as np

    from training.crossval import choose_thresholds
    scores = np.array([0.8] * 99 + [0.25] + [0.2] * 100)
    Y = np.array([1] * 100 + [0] * 100)
    th = choose_thresholds(Y[:, None], scores[:, None])
    assert 0.45 <= th[0] <= 0.55  # the argmax alone is 0.21–0.25: every positive, no negative
    assert choose_thresholds(np.zeros((3, 1), int), np.full((3, 1), 0.3))[0] == 0.5
