"""Word segmentation for serving: jieba-rs (rjieba) with the model's domain dictionary, cutting
exactly as the trainer's jieba does (tests/serving/scoring/test_fastpath.py checks it on every label), or jieba
itself when rjieba is not installed."""
from __future__ import annotations

import threading
from typing import Any


class RustSegmenter:
    """jieba-rs with the model's domain dictionary, cutting like `jieba.Tokenizer.lcut(HMM=False)`."""

    def __init__(self, words: tuple[str, ...]):
        self.jieba = _new_jieba()
        for word in words:
            self.jieba.add_word(word, None, None)  # freq=None: as jieba's add_word(freq=None)

    def cut(self, text: str) -> list[str]:
        return self.jieba.cut(text, False)  # unfiltered: FastScorer drops what the analyzer drops


_DEFAULT_TAKEN = False
_DEFAULT_LOCK = threading.Lock()


def _new_jieba() -> Any:  # an rjieba.Jieba (rjieba has no type hints)
    """A jieba-rs instance with its default dictionary. Importing rjieba already builds one
    (~70 ms) for its module-level functions, which zongjie never uses: the first segmenter of
    the process takes that one instead of building a second."""
    global _DEFAULT_TAKEN
    import rjieba

    with _DEFAULT_LOCK:
        default = getattr(rjieba, "_DEFAULT_JIEBA", None)
        if not _DEFAULT_TAKEN and default is not None:
            _DEFAULT_TAKEN = True
            return default
    return rjieba.Jieba()


class JiebaSegmenter:
    """The fallback without rjieba: the model's own jieba analyzer."""

    def __init__(self, words: tuple[str, ...]):
        from training.segment import JiebaWords

        self.cut = JiebaWords(words).raw_tokens  # unfiltered, as RustSegmenter.cut


def make_segmenter(words: tuple[str, ...]) -> "RustSegmenter | JiebaSegmenter":
    """rjieba when installed (identical tokens, much faster), else jieba itself."""
    try:
        return RustSegmenter(words)
    except ImportError:
        return JiebaSegmenter(words)
