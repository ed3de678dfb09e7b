"""The fast path: the fitted pipeline's exact computation (normalise, jieba words and bigrams,
character n-grams, discourse cues, sublinear TF-IDF, l2 norm per block, linear scores) for a whole
batch, by the compiled kernel (serving/scoring/_speed.c, serving/scoring/speed.py) or by numpy
(serving/scoring/numpy_path.py), and jieba's segmentation done by jieba-rs (rjieba) when it is installed.

Equality with `pipeline.predict_proba` (scores within 1e-6) and rjieba's tokens with jieba's
(on every labelled paragraph, with the domain dictionary) are checked by tests/serving/scoring/test_fastpath.py
and tests/serving/scoring/test_speed.py.
"""
from __future__ import annotations

import gc
import threading

import numpy as np

from training.discourse import CLAUSE, CLAUSE_MARKS, HEAD, HEAD_WORDS, LENGTH_LIMITS
from training.errors import CannotCompile
from training.text import _TOKEN, normalize_text

from serving.scoring import speed
from serving.scoring.normalize import normalize_batch
from serving.scoring.numpy_path import CLAUSE as _CLAUSE, DROPPED as _DROPPED, NEWLINE as _NEWLINE, UNKNOWN as _UNKNOWN
from serving.scoring.numpy_path import NumpyPath
from serving.scoring.segmenter import JiebaSegmenter, RustSegmenter, make_segmenter

_TOKEN_CACHE_MAX = 400_000


class _TokenIds(dict):
    """token -> vocabulary column, _UNKNOWN, _DROPPED (no letter, digit or CJK character: the
    analyzer drops it, so bigrams pair across it), _CLAUSE (a mark that ends a clause, dropped
    like the others once the discourse cues have used it) or _NEWLINE (a paragraph break).
    A dict so that `map(ids.__getitem__, tokens)` runs in C for every token seen before."""

    def __init__(self, unigram: dict[str, int]):
        super().__init__(unigram)  # every vocabulary word is a token of its own column
        self["\n"] = _NEWLINE
        for mark in CLAUSE_MARKS:
            self[mark] = _CLAUSE
        self.unigram = unigram

    def __missing__(self, token: str) -> int:  # the newline and clause marks are always in it
        j = self.unigram.get(token, _UNKNOWN) if _TOKEN.search(token) else _DROPPED
        if len(self) < _TOKEN_CACHE_MAX:  # bounded: an endless archive must not grow it forever
            self[token] = j
        return j


class FastScorer(NumpyPath):
    """Scores equal to `pipeline.predict_proba`, from the compiled arrays (training/compiled.py)."""

    def __init__(self, arrays) -> None:
        names = arrays["names"].tolist()
        self.names = names
        self.n_words = n_words = int(arrays["n_words"])
        self.n_features = len(names)
        # Models compiled before the discourse block hold words and characters only.
        self.n_cues = int(arrays["n_cues"]) if "n_cues" in arrays else 0
        self.n_chars = int(arrays["n_chars"]) if "n_chars" in arrays else len(names) - n_words
        self.cue_start = n_words + self.n_chars
        self.words = tuple(arrays["dictionary"].tolist())
        self.bigrams = bool(arrays["bigrams"])
        self.char_range = tuple(int(x) for x in arrays["char_range"])
        if self.char_range[0] < 1 or self.char_range[1] > 3:
            raise CannotCompile("fast path supports character n-grams of 1 to 3 characters")
        self.idf = np.asarray(arrays["idf"], dtype=float)
        self.coef = np.ascontiguousarray(arrays["coef"], dtype=float)  # features × labels
        self.intercept = np.asarray(arrays["intercept"], dtype=float)
        self.thresholds = np.asarray(arrays["thresholds"], dtype=float)
        self.labels = arrays["labels"].tolist()
        self._segment: RustSegmenter | JiebaSegmenter | None = None
        self._lock = threading.Lock()
        # Words: unigram -> column; a bigram (column a, column b) packed into a * n_words + b.
        self.unigram = {t: j for j, t in enumerate(names[:n_words]) if " " not in t}
        self._ids = _TokenIds(self.unigram)
        self.rest: dict[str, int] = {}
        keys, cols = [], []
        for j, term in enumerate(names[:n_words]):
            if " " in term:
                parts = term.split(" ")
                if len(parts) == 2 and parts[0] in self.unigram and parts[1] in self.unigram:
                    keys.append(self.unigram[parts[0]] * n_words + self.unigram[parts[1]])
                    cols.append(j)
                else:
                    self.rest[term] = j  # cannot happen with min_df pruning; kept exact anyway
        self.word_entries = _entries(keys, cols)
        self._init_chars(names[n_words:self.cue_start])
        self._init_cues(names[self.cue_start:])
        self._kernel = speed.kernel(self, len(self._TAGS), HEAD_WORDS, LENGTH_LIMITS)

    # Discourse cues: a tagged word "<tag> <word>" is the packed key tag * n_words + word column.
    _TAGS = (HEAD, *(f"{HEAD}{b}" for b in range(len(LENGTH_LIMITS) + 1)), CLAUSE)

    def _init_cues(self, terms: list[str]) -> None:
        self.cue_dict = {term: self.cue_start + j for j, term in enumerate(terms)}
        tag_ids = {tag: i for i, tag in enumerate(self._TAGS)}
        keys, cols = [], []
        for term, j in self.cue_dict.items():
            tag, _, word = term.partition(" ")
            if word:
                if tag not in tag_ids or word not in self.unigram:
                    raise CannotCompile(f"fast path cannot compile the discourse cue {term!r}")
                keys.append(tag_ids[tag] * self.n_words + self.unigram[word])
                cols.append(j)
        self.cue_entries = _entries(keys, cols)
        shapes = [f"#len{b}" for b in range(len(LENGTH_LIMITS) + 1)] + ["#colon"]
        self.shape_cols = np.array([self.cue_dict.get(s, -1) for s in shapes], dtype=np.int64)

    def _init_chars(self, grams: list[str]) -> None:
        # Every character of the vocabulary gets a dense id (0 = in no n-gram); 1-grams are a
        # table look-up, 2-grams and 3-grams hash look-ups of packed ids.
        n_words, G = self.n_words, len(grams)
        if "\x00" in "".join(grams):  # numpy strings cannot hold a trailing NUL
            raise CannotCompile("fast path cannot compile a character n-gram with a NUL character")
        codes = np.zeros((G, 3), dtype=np.uint32)
        if G:
            codes[:] = np.array(grams, dtype="U3").view(np.uint32).reshape(G, 3)
        lengths = (codes != 0).sum(axis=1)
        dense = np.bincount(codes.ravel()) > 0  # code point -> in some n-gram (0 pads)
        dense[0] = False
        alphabet = np.flatnonzero(dense)
        self.U = U = len(alphabet) + 1
        ranks = np.zeros(len(dense), dtype=np.int64)
        ranks[alphabet] = np.arange(1, U)
        ids = ranks[codes]
        self.bmp = np.zeros(0x10000, dtype=np.int64)
        small = alphabet < 0x10000
        self.bmp[alphabet[small]] = np.flatnonzero(small) + 1
        self.astral = {int(c): int(i) + 1 for i, c in enumerate(alphabet) if c >= 0x10000}
        columns = np.arange(n_words, n_words + G, dtype=np.int32)
        self.uni = np.full(U, -1, dtype=np.int32)
        one, two, three = lengths == 1, lengths == 2, lengths == 3
        self.uni[ids[one, 0]] = columns[one]
        pairs = ids[two, 0] * U + ids[two, 1]
        triples = (ids[three, 0] * U + ids[three, 1]) * U + ids[three, 2]
        self.pair_entries = pairs, columns[two]
        self.triple_entries = triples, columns[three]
        # A 3-gram seen in min_df documents has both its 2-grams in the vocabulary as well, so
        # only positions where both are found need a look-up — checked here, not assumed.
        self.prune = _covered(triples // U, pairs, U * U) and _covered(triples % (U * U), pairs, U * U)

    def _segmenter(self):
        if self._segment is None:
            with self._lock:
                if self._segment is None:
                    self._segment = make_segmenter(self.words)
        return self._segment

    def segment(self, text: str) -> list[str]:
        return self._segmenter().cut(text)

    def _token_ids(self, tokens: list[str]) -> np.ndarray:
        if speed.native is not None:
            return speed.token_ids(tokens, self._ids, self.unigram, _DROPPED, _UNKNOWN, _TOKEN_CACHE_MAX)
        ids = np.fromiter(map(self._ids.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        return ids[ids != _DROPPED]

    def _batch_ids(self, norms: list[str], joined: str) -> np.ndarray:
        """Token ids of the batch, paragraphs separated by _NEWLINE ids."""
        segmenter = self._segmenter()
        if isinstance(segmenter, RustSegmenter):
            # One cut of the whole batch: paragraphs are separated by newlines, which jieba
            # keeps as tokens of their own and never joins to a word (checked by the count).
            ids = self._token_ids(segmenter.cut(joined))
            if int((ids == _NEWLINE).sum()) == len(norms) - 1:
                return ids
        tokens: list[str] = []
        for i, text in enumerate(norms):
            if i:
                tokens.append("\n")
            tokens.extend(segmenter.cut(text))
        return self._token_ids(tokens)

    def _dense_codes(self, codes: np.ndarray) -> np.ndarray:
        if len(codes) and int(codes.max()) >= 0x10000:
            astral = codes >= 0x10000
            ids = self.bmp[np.where(astral, 0, codes)]
            ids[astral] = [self.astral.get(int(c), 0) for c in codes[astral]]
            return ids
        return self.bmp[codes]

    def _kernel_codes(self, codes: np.ndarray) -> bytes | np.ndarray:
        """The dense ids of the kernel's characters: none (it looks BMP ones up itself), or all."""
        return self._dense_codes(codes) if len(codes) and int(codes.max()) >= 0x10000 else b""

    def _batch_scores(self, texts: list[str]) -> np.ndarray:
        # No reference cycle is made here, but the cut's list of a token per word is: collections
        # while it lives would scan it (a tenth of the whole run's time), and it is freed by
        # reference counting before the next one.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._scores_of(texts)
        finally:
            if collecting:
                gc.enable()

    def _scores_of(self, texts: list[str]) -> np.ndarray:
        norms, joined, codes = normalize_batch(texts)
        if self._kernel is None:
            return self._numpy_scores(norms, joined, codes)
        ids = self._batch_ids(norms, joined)
        z = self._kernel.score(ids, self._kernel_codes(codes), codes, len(texts))
        return np.frombuffer(z, dtype=np.float64).reshape(len(texts), len(self.labels))

    def _single_scores(self, text: str) -> np.ndarray:
        """One paragraph (the API's common case): no batch set-up."""
        if self._kernel is None:  # a dense gather of its columns' coefficients
            cols, values = self.single_values(text)
            return (self.intercept + values @ self.coef[cols])[None, :]
        norm = normalize_text(text)
        codes = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32)
        ids = self._token_ids(self.segment(norm))
        z = self._kernel.score(ids, self._kernel_codes(codes), codes, 1)
        return np.frombuffer(z, dtype=np.float64)[None, :]

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        z = self._single_scores(texts[0]) if len(texts) == 1 else self._batch_scores(texts)
        return 1.0 / (1.0 + np.exp(-z))


def _entries(keys: list[int], cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(keys, dtype=np.int64), np.asarray(cols, dtype=np.int32)


def _covered(keys: np.ndarray, table: np.ndarray, size: int) -> bool:
    """Whether every key (all < size) is in `table`."""
    if size > 1 << 26:
        return bool(np.isin(keys, table).all())
    held = np.zeros(size, dtype=bool)
    held[table] = True
    return bool(held[keys].all())
