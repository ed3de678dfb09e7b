"""The labelled data in labels/ itself: valid, and with the coverage the models rely on."""
from __future__ import annotations

from collections import Counter

import pytest

from tests.conftest import REPO
from training.checks import check_labels
from training.dataset import load_records
from training.labelset import LABELS


@pytest.fixture(scope="module")
def records():
    return load_records(REPO / "labels")


def test_labels_folder_has_no_problems():
    problems = [p for p in check_labels(REPO / "labels") if not p.warning]
    assert problems == []


def test_coverage(records):
    counts = Counter(label for r in records for label in r.labels)
    assert len(records) >= 900
    assert {label: counts[label] for label in LABELS if counts[label] < 110} == {}
    assert sum(not r.labels for r in records) >= 150
    assert sum(len(r.labels) >= 2 for r in records) >= 180
    authored_docs = {r.doc for r in records if r.source == "authored"}
    assert len(authored_docs) >= 25


def test_every_seed_line_is_a_record_once(records):
    seeds = sorted((REPO.parent / "shared" / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip("the seed documents are not beside this checkout")
    lines = {line.strip() for path in seeds for line in path.read_text("utf-8").splitlines() if line.strip()}
    seed_texts = [r.text for r in records if r.is_seed]
    assert len(seed_texts) == len(set(seed_texts))
    assert lines == set(seed_texts)


def test_every_record_says_where_it_came_from(records):
    for r in records:
        assert r.source == "authored" or r.source.startswith(("seed:", "import:", "feedback:")), r.id
        if r.is_seed:
            _, name, line = r.source.split(":")
            assert name.endswith(".txt") and int(line) > 0
