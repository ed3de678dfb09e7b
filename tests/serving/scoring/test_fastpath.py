"""The fast path equals the reference pipeline: same tokens (rjieba vs jieba, with the domain
dictionary) and the same scores (within 1e-6) on every paragraph of labels/."""
from __future__ import annotations

import numpy as np
import pytest

from serving.scoring.fastpath import FastScorer
from serving.scoring.segmenter import RustSegmenter
from tests.conftest import REPO
from training.compiled import compile_pipeline
from training.dataset import load_records
from training.discourse import CLAUSE_MARKS
from training.segment import JiebaWords, read_dictionary
from training.text import normalize_text
from training.train import TrainSettings, label_matrix, make_pipeline


@pytest.fixture(scope="module")
def data():
    records = load_records(REPO / "labels")
    words = read_dictionary(REPO / "labels" / "dictionary.txt")
    return [r.text for r in records], label_matrix(records), words


@pytest.mark.integration
def test_rjieba_tokens_equal_jieba_tokens_on_the_whole_dataset(data):
    texts, _, words = data
    rust, jieba = RustSegmenter(words), JiebaWords(words)
    from training.text import _TOKEN

    for text in texts:
        norm = normalize_text(text)
        assert [t for t in rust.cut(norm) if _TOKEN.search(t)] == jieba.tokens(norm), text
        # the discourse cues also read where clauses end
        assert [t for t in rust.cut(norm) if t in CLAUSE_MARKS] == [
            t for t in jieba.raw_tokens(norm) if t in CLAUSE_MARKS], text


@pytest.mark.integration
def test_fast_scores_equal_the_pipeline_on_every_labelled_paragraph(data):
    texts, Y, words = data
    pipeline = make_pipeline(words, TrainSettings(), thresholds=[0.5] * 7,
                             calibration=[(1.2, -0.3)] * 7).fit(texts, Y)
    reference = pipeline.predict_proba(texts)
    fast = FastScorer(compile_pipeline(pipeline))
    assert np.abs(fast.predict_proba(texts) - reference).max() < 1e-6
    singles = np.vstack([fast.predict_proba([t]) for t in texts[::7]])
    assert np.abs(singles - reference[::7]).max() < 1e-6
    odd = ["", "   ", "", "１２３４", "ＡＢＣ abc", "\U0001F600教育😀", "a\n\nb", "教" * 3000, "", "。"] + ODD_TEXTS + texts[:20]
    assert np.abs(fast.predict_proba(odd) - pipeline.predict_proba(odd)).max() < 1e-6


ODD_TEXTS = ["", "   ", "１２３４．５６", "ＡＢＣ abc", "\U0001F600教育😀", "a\n\nb", "1.2.3 1..2 ,5 3,", "ΑΣ ΣΑ Σ",
             "İstanbul", "ｶﾞｯｺｳ ㈱ ① ⅷ", "e\u0301 café", "\u3000全角\u3000空格\xa0", "\t\r\x0b\x1c边缘 ",
             "第１２３号。", "٣٤ 数字", "ǅ ﬁ ß", "\u2028行\u2029段", "學校資助工作總結：", "（一）成立組織。學校成立領導小組",
             "下半年，將繼續做好校舍維修。", "，。；：！？", "一、", "乾隆後來頭髮"]


def test_traditional_characters_are_read_as_simplified():
    assert normalize_text("學校資助工作總結，發放助學金１２０萬元") == "学校资助工作总结,发放助学金0万元"
    assert normalize_text("教師隊伍建設") == normalize_text("教师队伍建设")


@pytest.mark.integration
def test_batch_normalisation_equals_normalize_text(data):
    from serving.scoring.normalize import normalize_batch

    for texts in (data[0], data[0] + ODD_TEXTS):  # the labels alone take the array path
        parts, joined, codes = normalize_batch(texts)
        assert parts == [normalize_text(t) for t in texts]
        assert joined == "\n".join(parts)
        assert codes.tobytes().decode("utf-32-le") == joined
    for text in ODD_TEXTS:  # alone and in pairs, so both the fast and the fallback path run
        assert normalize_batch([text, "教育"])[0] == [normalize_text(text), "教育"]


def test_normalisation_with_offsets_equals_normalize_text_and_points_into_the_input(data):
    from training.text import normalize_with_offsets

    for text in data[0] + ODD_TEXTS + ["ｶﾞｯｺｳ 学校", "e\u0301cole", "ΟΔΟΣ"]:
        norm, spans = normalize_with_offsets(text)
        assert norm == normalize_text(text), text
        assert len(spans) == len(norm) and all(0 <= a < b <= len(text) for a, b in spans), text
    norm, spans = normalize_with_offsets("发放助学金１２０万元，学校ｶﾞ")
    assert [("发放助学金１２０万元，学校ｶﾞ")[a:b] for a, b in spans] == [
        "发", "放", "助", "学", "金", "１２０", "万", "元", "，", "学", "校", "ｶﾞ"]


def test_a_character_the_tables_cannot_fold_sends_only_its_own_paragraph_the_slow_way():
    from serving.scoring.normalize import _codes, _slow, tables

    texts = ["面积１２０㎡", "教育①", "e\u0301", "普通段落", "\U0001F600"]
    assert _slow(_codes("\n".join(texts)), tables()).tolist() == [0, 2, 4]  # ㎡ is "m2"
