"""Discourse cues: the opening words and first clause of a paragraph, tagged by position."""
from __future__ import annotations

from training.discourse import DiscourseCues, cues, length_bucket
from training.text import normalize_text


def test_cues_tag_the_first_words_the_first_clause_and_the_shape():
    norm = normalize_text("（一）成立组织。学校成立安全工作领导小组")
    tokens = cues(norm, ["(", "一", ")", "成立", "组织", "。", "学校", "成立", "安全"])
    assert tokens[0] == "#len1"
    assert [t for t in tokens if t.startswith("^ ")] == ["^ 一", "^ 成立", "^ 组织"]
    assert [t for t in tokens if t.startswith("^1 ")] == ["^1 一", "^1 成立", "^1 组织"]
    assert [t for t in tokens if t.startswith("< ")] == ["< 一", "< 成立", "< 组织"]  # not after 。


def test_a_lead_in_ending_with_a_colon_is_marked():
    analyzer = DiscourseCues(())
    assert "#colon" in analyzer(normalize_text("下半年重点做好以下工作："))
    assert "#colon" not in analyzer(normalize_text("下半年重点做好以下工作。"))


def test_length_buckets():
    assert [length_bucket(n) for n in (0, 15, 16, 40, 41, 120, 121)] == [0, 0, 1, 1, 2, 2, 3]
