"""Commands score from fast.npz: a crafted model.joblib whose checksum was updated never runs."""
from __future__ import annotations

import json
import pickle
import shutil

import pytest

from tests.conftest import rec, train_with_holdout, write_jsonl
from training import artifact


class Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (shutil.copy, (__file__, str(self.marker)))  # "runs code": leaves a file behind


def plant(models, version, marker):
    path = models / version / "model.joblib"
    path.write_bytes(pickle.dumps(Payload(marker)))
    meta_path = models / version / "metadata.json"
    meta = json.loads(meta_path.read_text("utf-8"))
    meta["sha256"] = artifact.sha256_file(path)  # integrity, not origin
    meta_path.write_text(json.dumps(meta), "utf-8")


@pytest.mark.integration
def test_compare_evaluate_and_promote_never_unpickle_model_files(cli, tmp_path):
    labels, models, first = train_with_holdout(cli, tmp_path)
    marker = tmp_path / "ran"
    plant(models, first, marker)

    result = cli("evaluate", "--models", models, "--data", write_jsonl(tmp_path / "e.jsonl", [
        {"text": "发放助学金，落实营养改善计划。", "labels": ["资助"]}]), "--json")
    assert result.code == 0 and json.loads(result.out)["model"] == first
    with open(labels / "data" / "doc0.jsonl", "a", encoding="utf-8") as out:  # new data, promoted
        out.write(json.dumps(rec(99, "全年发放助学金，落实营养改善计划。", ["资助"], doc="doc0"), ensure_ascii=False) + "\n")
    # --force: on 100 toy paragraphs, whether the new model beats the old by the tolerance is chance
    result = cli("train", "--labels", labels, "--models", models, "--promote", "--force", "--no-learning-curve")
    assert result.code == 0, result.err
    second = (models / "CURRENT").read_text().strip()
    assert second != first
    result = cli("models", "compare", first, second, "--models", models, "--labels", labels, "--json")
    assert result.code == 0 and json.loads(result.out)["paragraphs"] == 20
    assert not marker.exists()
