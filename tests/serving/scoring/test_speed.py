"""The compiled path (serving/scoring/_speed.c) and the numpy fallback give the same normalisation and the
same scores as the reference pipeline, including the characters NFKC expands (…, ㎡, ℃)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from serving.scoring import speed
from serving.scoring.fastpath import FastScorer
from serving.scoring.normalize import normalize_batch
from tests.conftest import REPO
from tests.serving.scoring.test_fastpath import ODD_TEXTS
from training.compiled import compile_pipeline
from training.dataset import load_records
from training.segment import read_dictionary
from training.text import normalize_text
from training.train import TrainSettings, label_matrix, make_pipeline

REPORT_TEXTS = ["新建校舍面积3200㎡，冬季教室室温不低于16℃……", "①加强领导；②落实责任；③强化督查。",
                "二〇二三年完成ＡＡＡ级平安校园创建１２所，同比增长１２．５％，１～３月完成验收",
                "學校資助工作總結：發放助學金１２０萬元", "  边缘\u3000空格  ", "1.2.3 1..2 ,5 3,"]


def test_the_extension_is_built_where_a_compiler_is():
    # `make install` builds it (setup.py, optional): here, with gcc, it must have been built.
    assert speed.native is not None, "serving/scoring/_speed.c was not built: pip install -e . with a C compiler"


@pytest.mark.integration
def test_both_paths_normalise_like_normalize_text():
    texts = [r.text for r in load_records(REPO / "labels")] + ODD_TEXTS + REPORT_TEXTS
    expected = [normalize_text(t) for t in texts]
    assert normalize_batch(texts)[0] == expected
    code = ("from serving.scoring import speed; assert speed.native is None;"
            f"from {__name__} import check_pure; check_pure()")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True,
                   env={**os.environ, "ZONGJIE_PURE_PYTHON": "1"})


def check_pure() -> None:
    texts = [r.text for r in load_records(REPO / "labels")] + ODD_TEXTS + REPORT_TEXTS
    assert normalize_batch(texts)[0] == [normalize_text(t) for t in texts]


@pytest.mark.integration
@pytest.mark.skipif(speed.native is None, reason="the extension is not built")
def test_the_kernel_scores_equal_the_numpy_path_and_the_pipeline():
    records = load_records(REPO / "labels")
    texts, Y = [r.text for r in records], label_matrix(records)
    words = read_dictionary(REPO / "labels" / "dictionary.txt")
    pipeline = make_pipeline(words, TrainSettings(), thresholds=[0.5] * 7,
                             calibration=[(1.2, -0.3)] * 7).fit(texts, Y)
    batch = texts + ODD_TEXTS + REPORT_TEXTS
    reference = pipeline.predict_proba(batch)
    fast = FastScorer(compile_pipeline(pipeline))
    assert fast._kernel is not None
    compiled = fast.predict_proba(batch)
    fast._kernel = None  # the numpy path
    assert np.abs(compiled - reference).max() < 1e-6
    assert np.abs(fast.predict_proba(batch) - compiled).max() < 1e-9


@pytest.mark.skipif(speed.native is None, reason="the extension is not built")
def test_compiled_token_ids_classify_every_character_like_the_analyzer():
    # `[\w\u4e00-\u9fff]` of re, for every code point: kept (its own id here) or dropped.
    from training.text import _TOKEN

    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    ids = speed.token_ids(chars, {}, {ch: ord(ch) for ch in chars}, -2, -1, 0)
    assert ids.tolist() == [ord(ch) for ch in chars if _TOKEN.search(ch)]
    cache: dict = {"x": 7}
    assert speed.token_ids(["x", "词", "，", "词"], cache, {}, -2, -1, 10).tolist() == [7, -1, -1]
    assert cache == {"x": 7, "词": -1, "，": -2}


@pytest.mark.integration
def test_without_the_extension_the_fast_path_still_equals_the_pipeline():
    # What runs where the extension cannot build: the whole equality test on every labelled
    # paragraph, batches and single paragraphs, with the numpy path and Python token ids.
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    str(Path(__file__).with_name("test_fastpath.py")), "-k", "fast_scores_equal"],
                   cwd=REPO, check=True, capture_output=True,
                   env={**os.environ, "ZONGJIE_PURE_PYTHON": "1"})
