"""The fast path: the fitted pipeline's exact computation (normalise, jieba words and bigrams,
character n-grams, discourse cues, sublinear TF-IDF, l2 norm per block, linear scores) for a whole batch with
array operations, and jieba's segmentation done by jieba-rs (rjieba) when it is installed.

Equality with `pipeline.predict_proba` (scores within 1e-6) and rjieba's tokens with jieba's
(on every labelled paragraph, with the domain dictionary) are checked by tests/test_fastpath.py.
"""
from __future__ import annotations

import threading

import numpy as np
import scipy.sparse as sp

from training.discourse import CLAUSE, CLAUSE_MARKS, HEAD, HEAD_WORDS, LENGTH_LIMITS, cues
from training.text import _TOKEN, normalize_text

from . import speed
from .lookup import IntTable
from .normalize import normalize_batch
from .segmenter import RustSegmenter, make_segmenter

_CLAUSE, _NEWLINE, _DROPPED, _UNKNOWN = -4, -3, -2, -1  # token ids that are not vocabulary columns
_TOKEN_CACHE_MAX = 400_000
_DIRECT_PAIRS_MAX = 1 << 24  # character pairs table up to 64 MB; a hash table beyond


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


class FastScorer:
    """Scores equal to `pipeline.predict_proba`, from the compiled arrays (training/compiled.py)."""

    def __init__(self, arrays):
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
            raise ValueError("fast path supports character n-grams of 1 to 3 characters")
        self.idf = np.asarray(arrays["idf"], dtype=float)
        self.coef = np.ascontiguousarray(arrays["coef"], dtype=float)  # features × labels
        self.intercept = np.asarray(arrays["intercept"], dtype=float)
        self.thresholds = np.asarray(arrays["thresholds"], dtype=float)
        self.labels = arrays["labels"].tolist()
        self._segment = None
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
        self.word_pairs = IntTable(keys, cols)
        self.bigram_dict = dict(zip(keys, cols))
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
                    raise ValueError(f"fast path cannot compile the discourse cue {term!r}")
                keys.append(tag_ids[tag] * self.n_words + self.unigram[word])
                cols.append(j)
        self.cue_pairs = IntTable(keys, cols)
        shapes = [f"#len{b}" for b in range(len(LENGTH_LIMITS) + 1)] + ["#colon"]
        self.shape_cols = np.array([self.cue_dict.get(s, -1) for s in shapes], dtype=np.int64)

    def _init_chars(self, grams: list[str]) -> None:
        # Every character of the vocabulary gets a dense id (0 = in no n-gram); 1-grams and
        # 2-grams are then direct table look-ups, 3-grams a hash look-up of packed ids.
        n_words, G = self.n_words, len(grams)
        if any("\x00" in g for g in grams):  # numpy strings cannot hold a trailing NUL
            raise ValueError("fast path cannot compile a character n-gram with a NUL character")
        codes = np.zeros((G, 3), dtype=np.uint32)
        if G:
            codes[:] = np.array(grams, dtype="U3").view(np.uint32).reshape(G, 3)
        lengths = (codes != 0).sum(axis=1)
        alphabet = np.unique(codes[codes != 0])
        self.U = U = len(alphabet) + 1
        ids = np.where(codes != 0, np.searchsorted(alphabet, codes) + 1, 0).astype(np.int64)
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
        if U * U <= _DIRECT_PAIRS_MAX:
            self.pair_table = np.full(U * U, -1, dtype=np.int32)
            self.pair_table[pairs] = columns[two]
            self._pairs = self.pair_table.__getitem__
        else:
            self._pairs = IntTable(pairs, columns[two]).get
        self.triples = IntTable(triples, columns[three])
        # A 3-gram seen in min_df documents has both its 2-grams in the vocabulary as well, so
        # only positions where both are found need a look-up — checked here, not assumed.
        self.prune = bool(np.isin(triples // U, pairs).all() and np.isin(triples % (U * U), pairs).all())
        # A dict for one short paragraph at a time, where hashing beats array set-up.
        self.char_dict = dict(zip(grams, range(n_words, n_words + G)))

    def _segmenter(self):
        if self._segment is None:
            with self._lock:
                if self._segment is None:
                    self._segment = make_segmenter(self.words)
        return self._segment

    def segment(self, text: str) -> list[str]:
        return self._segmenter().cut(text)

    # --- a batch: one sort over (paragraph, column) keys of every term occurrence -------------

    def _token_ids(self, tokens: list[str]) -> np.ndarray:
        if speed.native is not None:
            return speed.token_ids(tokens, self._ids, _DROPPED)
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

    def _word_keys(self, norms: list[str], joined: str) -> list[np.ndarray]:
        F = self.n_features
        ids = self._batch_ids(norms, joined)
        doc = np.cumsum(ids == _NEWLINE)
        keys = self._cue_keys(ids, doc, norms) if self.n_cues else []
        words = ids != _CLAUSE  # clause marks are dropped like other punctuation from here on
        ids, doc = ids[words], doc[words]
        at = np.flatnonzero(ids >= 0)
        keys.append(doc[at] * F + ids[at])
        if self.bigrams and len(ids) > 1:
            # A newline token between two paragraphs is not a column: no pair crosses it.
            a, b = ids[:-1], ids[1:]
            at = np.flatnonzero((a >= 0) & (b >= 0))
            cols = self.word_pairs.get(a[at] * self.n_words + b[at])
            hit = cols >= 0
            keys.append(doc[at[hit]] * F + cols[hit])
        if self.rest:  # vocabulary bigrams whose parts are not unigrams (never with min_df)
            for i, text in enumerate(norms):
                extra = self._rest_columns(text)
                keys.append(np.asarray(extra, dtype=np.int64) + i * F)
        return keys

    def _cue_keys(self, ids: np.ndarray, doc: np.ndarray, norms: list[str]) -> list[np.ndarray]:
        """`training.discourse.cues` of every paragraph of the batch, as (paragraph, column) keys:
        each word's rank in its paragraph and whether it stands before the first clause mark."""
        F, n = self.n_features, len(norms)
        starts = np.flatnonzero(ids == _NEWLINE)
        word = (ids >= 0) | (ids == _UNKNOWN)
        words_before = np.cumsum(word)
        rank = words_before - np.concatenate(([0], words_before[starts]))[doc] - 1
        marks = np.cumsum(ids == _CLAUSE)
        first_clause = marks == np.concatenate(([0], marks[starts]))[doc]
        lengths = np.fromiter(map(len, norms), dtype=np.int64, count=n)
        bucket = np.searchsorted(np.array(LENGTH_LIMITS), lengths, side="left")
        keys = []
        head = np.flatnonzero((ids >= 0) & (rank < HEAD_WORDS))
        clause = np.flatnonzero((ids >= 0) & first_clause)
        for at, tag in ((head, 0), (head, 1 + bucket[doc[head]]), (clause, len(self._TAGS) - 1)):
            cols = self.cue_pairs.get(tag * self.n_words + ids[at])
            hit = cols >= 0
            keys.append(doc[at[hit]] * F + cols[hit])
        colon = np.fromiter((s.endswith(":") for s in norms), dtype=bool, count=n)
        shape = np.concatenate([self.shape_cols[bucket], np.where(colon, self.shape_cols[-1], -1)])
        rows = np.concatenate([np.arange(n), np.arange(n)])
        keep = shape >= 0
        keys.append(rows[keep] * F + shape[keep])
        return keys

    def _rest_columns(self, norm: str) -> list[int]:
        tokens = [t for t in self.segment(norm) if _TOKEN.search(t)]
        pairs = (f"{x} {y}" for x, y in zip(tokens, tokens[1:]))
        return [self.rest[k] for k in pairs if k in self.rest]

    def _char_grams(self, ids: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """(column, start position) of every vocabulary character n-gram, per n."""
        U, (lo, hi) = self.U, self.char_range
        found = []
        if lo <= 1:
            cols = self.uni[ids]
            at = np.flatnonzero(cols >= 0)
            found.append((cols[at], at))
        if hi >= 2 and len(ids) > 1:
            pair_keys = ids[:-1] * U + ids[1:]  # id 0 (no such character) is in no pair
            pairs = self._pairs(pair_keys)
            if lo <= 2:
                at = np.flatnonzero(pairs >= 0)
                found.append((pairs[at], at))
            if hi >= 3 and len(ids) > 2:
                ok = ((pairs[:-1] >= 0) & (pairs[1:] >= 0) if self.prune
                      else (ids[:-2] > 0) & (ids[1:-1] > 0) & (ids[2:] > 0))
                at = np.flatnonzero(ok)
                cols = self.triples.get(pair_keys[at] * U + ids[at + 2])
                hit = cols >= 0
                found.append((cols[hit], at[hit]))
        return found

    def _dense_codes(self, codes: np.ndarray) -> np.ndarray:
        if len(codes) and int(codes.max()) >= 0x10000:
            astral = codes >= 0x10000
            ids = self.bmp[np.where(astral, 0, codes)]
            ids[astral] = [self.astral.get(int(c), 0) for c in codes[astral]]
            return ids
        return self.bmp[codes]

    def _char_keys(self, codes: np.ndarray) -> list[np.ndarray]:
        # Paragraphs joined by newlines: a newline is in no n-gram of the vocabulary (normalised
        # text has none), so its id 0 stops every n-gram at the paragraph's edge.
        ids = self._dense_codes(codes)
        doc = np.cumsum(codes == 10)
        F = self.n_features
        return [doc[at] * F + cols for cols, at in self._char_grams(ids)]

    def _batch_scores(self, texts: list[str]) -> np.ndarray:
        norms, joined, codes = normalize_batch(texts)
        F, n = self.n_features, len(texts)
        if self._kernel is not None:
            ids = self._batch_ids(norms, joined)
            z = self._kernel.score(ids, self._dense_codes(codes), codes, n)
            return np.frombuffer(z, dtype=np.float64).reshape(n, len(self.labels))
        keys = np.concatenate(self._word_keys(norms, joined) + self._char_keys(codes))
        if n * F < 2**31:
            keys = keys.astype(np.int32)  # sorts faster
        keys.sort()
        # One entry per (paragraph, column), with how often it occurs.
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if len(keys) else keys
        counts = np.diff(np.append(starts, len(keys)))
        keys = keys[starts]
        rows = keys // F
        cols = keys - rows * F
        values = (1.0 + np.log(counts)) * self.idf[cols]
        # Word columns come before character columns, and those before discourse cues, so each
        # (paragraph, block) is one run of the sorted entries: its l2 norm is a sum over the run.
        # Every value is > 0 (idf >= 1).
        block = rows * 3 + (cols >= self.n_words) + (cols >= self.cue_start)
        runs = np.flatnonzero(np.concatenate(([True], block[1:] != block[:-1]))) if len(block) else block
        if len(runs):
            norm = np.sqrt(np.add.reduceat(values * values, runs))
            values /= np.repeat(norm, np.diff(np.append(runs, len(values))))
        indptr = np.searchsorted(rows, np.arange(n + 1))
        X = sp.csr_matrix((values, cols, indptr), shape=(n, F))
        return np.asarray(X @ self.coef) + self.intercept

    # --- one paragraph (the API's common case): no sort, dict look-ups ------------------------

    def _single_columns(self, text: str) -> tuple[list[int], list[int]]:
        norm = normalize_text(text)
        raw = self.segment(norm)
        ids = [j for j in map(self._ids.__getitem__, raw) if j >= _UNKNOWN]
        words = [j for j in ids if j >= 0]
        if self.n_cues:
            words.extend(j for j in map(self.cue_dict.get, cues(norm, raw)) if j is not None)
        if self.bigrams:
            n_words, bigram = self.n_words, self.bigram_dict
            for a, b in zip(ids, ids[1:]):
                if a >= 0 and b >= 0:
                    j = bigram.get(a * n_words + b)
                    if j is not None:
                        words.append(j)
            if self.rest:
                words.extend(self._rest_columns(norm))
        if len(norm) < 40:  # short: dict look-ups beat setting up arrays
            get, chars = self.char_dict.get, []
            lo, hi = self.char_range
            for n in range(lo, hi + 1):
                chars.extend(j for j in map(get, (norm[i:i + n] for i in range(len(norm) - n + 1)))
                             if j is not None)
            return words, chars
        found = self._char_grams(self._dense_codes(np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32)))
        return words, np.concatenate([cols for cols, _ in found]).tolist() if found else []

    def single_values(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, TF-IDF values) of one paragraph, each block (words, characters, discourse
        cues) l2-normalised."""
        words, chars = self._single_columns(text)
        cols, counts = np.unique(np.asarray(words + chars, dtype=np.int64), return_counts=True)
        values = (1.0 + np.log(counts)) * self.idf[cols]
        block = (cols >= self.n_words).astype(np.int64) + (cols >= self.cue_start)
        norms = np.sqrt(np.bincount(block, weights=values * values, minlength=3))
        norms[norms == 0] = 1.0
        return cols, values / norms[block]

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:  # the API's common case: no batch set-up, a dense gather
            cols, values = self.single_values(texts[0])
            z = (self.intercept + values @ self.coef[cols])[None, :]
        else:
            z = self._batch_scores(texts)
        return 1.0 / (1.0 + np.exp(-z))
