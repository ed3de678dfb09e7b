"""`score_file`: a labelled file's metrics, and with each record's genre read as its document's title."""
from __future__ import annotations

import numpy as np

from tests.conftest import write_jsonl
from training.context import CONTEXT_CUES
from training.labelset import LABELS
from training.scoring import score_file

PLAN = LABELS.index("计划")


class FlatScorer:
    """Every paragraph scores 0.1 on every label, under thresholds of 0.5: nothing is predicted."""
    thresholds = np.full(len(LABELS), 0.5)

    def scores(self, texts):
        return np.full((len(texts), len(LABELS)), 0.1)


def plan_title_layer() -> np.ndarray:
    """A context layer that keeps every score but lifts 计划 far up under a plan's title."""
    layer = np.zeros((len(LABELS), len(CONTEXT_CUES) + 2))
    layer[:, 0] = 1.0
    layer[PLAN, 1 + CONTEXT_CUES.index("title:plan")] = 10.0
    return layer


def test_the_genre_is_read_as_the_title_when_records_name_it(tmp_path):
    data = write_jsonl(tmp_path / "dev.jsonl", [
        {"text": "1.成立领导小组。", "labels": ["计划"], "genre": "小学学期工作计划"},
        {"text": "2.逐级签订责任书。", "labels": ["安全", "计划"], "genre": "小学学期工作计划"},
        {"text": "学校成立了领导小组。", "labels": [], "genre": "小学学期工作总结"},
    ])
    metrics = score_file(FlatScorer(), data, (plan_title_layer(), np.full(len(LABELS), 0.5)))
    assert metrics["per_label"]["计划"]["recall"] == 0.0
    in_context = metrics["genre_as_title"]
    assert in_context["per_label"]["计划"]["recall"] == 1.0
    assert in_context["per_label"]["计划"]["precision"] == 1.0
    assert in_context["paragraphs"] == 3


def test_no_genre_no_context_figure(tmp_path):
    data = write_jsonl(tmp_path / "plain.jsonl", [{"text": "1.成立领导小组。", "labels": ["计划"]}])
    metrics = score_file(FlatScorer(), data, (plan_title_layer(), np.full(len(LABELS), 0.5)))
    assert "genre_as_title" not in metrics
    assert "genre_as_title" not in score_file(FlatScorer(), data)
