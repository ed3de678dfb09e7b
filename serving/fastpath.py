"""The fast path: the fitted pipeline's exact computation (normalise, jieba words and bigrams,
character n-grams, sublinear TF-IDF, l2 norm per block, linear scores) done for a whole batch with
array operations, and jieba's segmentation done by jieba-rs (rjieba) when it is installed.

Equality with `pipeline.predict_proba` (scores within 1e-6) and rjieba's tokens with jieba's
(on every labelled paragraph, with the domain dictionary) are checked by tests/test_fastpath.py.
"""
from __future__ import annotations

import re
import threading

import numpy as np
import scipy.sparse as sp

from training.text import _NUMBER, _TOKEN, nfkc, normalize_text

# TfidfVectorizer(analyzer="char") folds runs of white space before taking n-grams; normalised
# text (normalize_text / normalize_batch) has none left, so the fast path skips that step.
_SPACE_NO_NL = re.compile(r"[^\S\n]+")


def normalize_batch(texts: list[str]) -> list[str]:
    """`normalize_text` of every text, in one pass over the joined batch (same result: the joints
    are newlines, which NFKC, lower() and the number pattern leave alone and never cross)."""
    if len(texts) < 8:
        return [normalize_text(t) for t in texts]
    joined = nfkc("\n".join(t.replace("\n", " ") for t in texts)).lower()
    joined = _SPACE_NO_NL.sub(" ", _NUMBER.sub("0", joined))
    parts = [part.strip() for part in joined.split("\n")]
    if len(parts) != len(texts):  # a character that NFKC turned into a newline: do it one by one
        return [normalize_text(t) for t in texts]
    return parts


class RustSegmenter:
    """jieba-rs with the model's domain dictionary, cutting like `jieba.Tokenizer.lcut(HMM=False)`."""

    def __init__(self, words: tuple[str, ...]):
        import rjieba

        self.jieba = rjieba.Jieba()
        for word in words:
            self.jieba.add_word(word, None, None)  # freq=None: as jieba's add_word(freq=None)

    def cut(self, text: str) -> list[str]:
        return self.jieba.cut(text, False)  # unfiltered: FastScorer drops what the analyzer drops


class JiebaSegmenter:
    """The fallback without rjieba: the model's own jieba analyzer."""

    def __init__(self, words: tuple[str, ...]):
        from training.segment import JiebaWords

        self.cut = JiebaWords(words).tokens


def make_segmenter(words: tuple[str, ...]):
    """rjieba when installed (identical tokens, much faster), else jieba itself."""
    try:
        return RustSegmenter(words)
    except ImportError:
        return JiebaSegmenter(words)


class FastScorer:
    """Scores equal to `pipeline.predict_proba`, from the compiled arrays (training/compiled.py)."""

    def __init__(self, arrays):
        names = [str(x) for x in arrays["names"]]
        n_words = int(arrays["n_words"])
        self.words = tuple(str(w) for w in arrays["dictionary"])
        self.bigrams = bool(arrays["bigrams"])
        self.char_range = tuple(int(x) for x in arrays["char_range"])
        if self.char_range[0] < 1 or self.char_range[1] > 3:
            raise ValueError("fast path supports character n-grams of 1 to 3 characters")
        self.names = names
        self.idf = np.asarray(arrays["idf"], dtype=float)
        self.coef = np.ascontiguousarray(arrays["coef"], dtype=float)  # features × labels
        self.intercept = np.asarray(arrays["intercept"], dtype=float)
        self.thresholds = np.asarray(arrays["thresholds"], dtype=float)
        self.labels = [str(x) for x in arrays["labels"]]
        self._segment = None
        self._lock = threading.Lock()
        self._ids: dict[str, int] = {}
        self.n_words = n_words
        self.n_features = len(names)
        # Words: unigram -> column; bigram (id a, id b) packed into one int64, sorted for lookup.
        self.unigram = {t: j for j, t in enumerate(names[:n_words]) if " " not in t}
        self.rest: dict[str, int] = {}
        keys, cols = [], []
        for j, term in enumerate(names[:n_words]):
            parts = term.split(" ")
            if len(parts) == 2 and parts[0] in self.unigram and parts[1] in self.unigram:
                keys.append(self.unigram[parts[0]] * n_words + self.unigram[parts[1]])
                cols.append(j)
            elif " " in term:
                self.rest[term] = j  # cannot happen with jieba tokens; kept exact anyway
        order = np.argsort(keys)
        self.bigram_keys = np.asarray(keys, dtype=np.int64)[order]
        self.bigram_cols = np.asarray(cols, dtype=np.int64)[order]
        # Characters: every character of the vocabulary gets a dense id (0 = none); 1- and
        # 2-grams are then direct table look-ups, 3-grams a binary search over packed ids.
        grams = names[n_words:]
        alphabet = sorted({c for g in grams for c in g})
        self.char_id = {c: i + 1 for i, c in enumerate(alphabet)}
        self.U = U = len(alphabet) + 1
        self.bmp = np.zeros(0x10000, dtype=np.int64)
        for c, i in self.char_id.items():
            if ord(c) < 0x10000:
                self.bmp[ord(c)] = i
        self.astral = {ord(c): i for c, i in self.char_id.items() if ord(c) >= 0x10000}
        self.uni = np.full(U, -1, dtype=np.int64)
        self.bi = np.full(U * U, -1, dtype=np.int64) if U * U <= 40_000_000 else None
        tri_keys, tri_cols, bi_keys, bi_cols = [], [], [], []
        for j, g in enumerate(grams, n_words):
            ids = [self.char_id[c] for c in g]
            if len(g) == 1:
                self.uni[ids[0]] = j
            elif len(g) == 2:
                bi_keys.append(ids[0] * U + ids[1])
                bi_cols.append(j)
            else:
                tri_keys.append((ids[0] * U + ids[1]) * U + ids[2])
                tri_cols.append(j)
        if self.bi is not None:
            self.bi[np.asarray(bi_keys, dtype=np.int64)] = np.asarray(bi_cols, dtype=np.int64)
        order = np.argsort(bi_keys)
        self.bi_keys = np.asarray(bi_keys, dtype=np.int64)[order]
        self.bi_cols = np.asarray(bi_cols, dtype=np.int64)[order]
        order = np.argsort(tri_keys)
        self.tri_keys = np.asarray(tri_keys, dtype=np.int64)[order]
        self.tri_cols = np.asarray(tri_cols, dtype=np.int64)[order]
        # A 3-gram seen in min_df documents has both its 2-grams in the vocabulary as well, so
        # only positions where both are found need a search — checked here, not assumed.
        bigram_set = set(bi_keys)
        self.prune = all((k // U) in bigram_set and (k // U % U * U + k % U) in bigram_set
                         for k in tri_keys)
        # Dicts for one paragraph at a time, where hashing beats array set-up.
        self.char_dict = {g: j for j, g in enumerate(grams, n_words)}
        self.bigram_dict = dict(zip(self.bigram_keys.tolist(), self.bigram_cols.tolist()))

    def _segmenter(self):
        if self._segment is None:
            with self._lock:
                if self._segment is None:
                    self._segment = make_segmenter(self.words)
        return self._segment

    def segment(self, text: str) -> list[str]:
        return self._segmenter().cut(text)

    def _token_ids(self, tokens: list[str], keep_newlines: bool = False) -> list[int]:
        """Column of each token (-1 when not in the vocabulary); tokens the analyzer drops
        (punctuation, spaces) are left out, so bigrams pair the same neighbours as in training.
        With `keep_newlines`, a newline token stays as -3 (a paragraph break)."""
        cache = self._ids
        ids = list(map(cache.get, tokens))
        if None in ids:
            if len(cache) > 500_000:
                cache.clear()
            for k, (t, j) in enumerate(zip(tokens, ids)):
                if j is None:
                    if t == "\n":
                        ids[k] = cache[t] = -3
                    else:
                        ids[k] = cache[t] = self.unigram.get(t, -1) if _TOKEN.search(t) else -2
        if keep_newlines:
            return [j for j in ids if j != -2]
        return [j for j in ids if j >= -1]

    def _word_block(self, norms: list[str]):
        if isinstance(self._segmenter(), RustSegmenter):
            # One cut of the whole batch: paragraphs are separated by newlines, which jieba
            # never joins to a word, so this equals cutting each one (tests check it).
            tokens = self._segmenter().cut("\n".join(norms))
            ids = np.asarray(self._token_ids(tokens, keep_newlines=True), dtype=np.int64)
            breaks = ids == -3
            doc = np.cumsum(breaks)
            keep = ~breaks
            ids, doc = ids[keep], doc[keep]
        else:
            per_doc = [self._token_ids(self.segment(text)) for text in norms]
            lengths = np.fromiter((len(x) for x in per_doc), dtype=np.int64, count=len(per_doc))
            ids = np.fromiter((j for x in per_doc for j in x), dtype=np.int64, count=int(lengths.sum()))
            doc = np.repeat(np.arange(len(norms)), lengths)
        found = ids >= 0
        rows, cols = [doc[found]], [ids[found]]
        if self.bigrams and len(ids) > 1 and len(self.bigram_keys):
            a, b = ids[:-1], ids[1:]
            ok = (a >= 0) & (b >= 0) & (doc[:-1] == doc[1:])
            keys = a[ok] * self.n_words + b[ok]
            at = np.minimum(np.searchsorted(self.bigram_keys, keys), len(self.bigram_keys) - 1)
            hit = self.bigram_keys[at] == keys
            rows.append(doc[:-1][ok][hit])
            cols.append(self.bigram_cols[at[hit]])
        if self.rest:  # vocabulary bigrams whose parts are not unigrams (never with jieba tokens)
            for i, text in enumerate(norms):
                tokens = [t for t in self.segment(text) if _TOKEN.search(t)]
                extra = [self.rest[k] for k in (f"{x} {y}" for x, y in zip(tokens, tokens[1:])) if k in self.rest]
                rows.append(np.full(len(extra), i, dtype=np.int64))
                cols.append(np.asarray(extra, dtype=np.int64))
        return np.concatenate(rows), np.concatenate(cols)

    def _dense_ids(self, text: str) -> np.ndarray:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        astral = codes >= 0x10000
        ids = self.bmp[np.where(astral, 0, codes)]
        if astral.any():
            ids[astral] = [self.astral.get(int(c), 0) for c in codes[astral]]
        return ids

    def _lookup(self, keys: np.ndarray, table_keys: np.ndarray, table_cols: np.ndarray) -> np.ndarray:
        if not len(table_keys):
            return np.full(len(keys), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(table_keys, keys), len(table_keys) - 1)
        return np.where(table_keys[at] == keys, table_cols[at], -1)

    def _char_block(self, norms: list[str]):
        # Paragraphs joined by newlines: a newline is in no n-gram of the vocabulary (normalised
        # text has none), so its id 0 stops every n-gram at the paragraph's edge.
        joined = "\n".join(norms)
        cols, starts = self._char_grams(joined)
        doc = np.cumsum(np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32) == 10)
        return doc[starts], cols

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """The TF-IDF matrix (rows l2-normalised per block), as the pipeline's features step."""
        norms = normalize_batch(texts)
        (wr, wc), (cr, cc) = self._word_block(norms), self._char_block(norms)
        F = self.n_features
        # One sort merges repeated terms: keys ordered by paragraph, then column (CSR order);
        # 32-bit keys when they fit sort faster.
        dtype = np.int32 if len(texts) * F < 2**31 else np.int64
        keys, counts = np.unique(np.concatenate([wr, cr]).astype(dtype) * dtype(F)
                                 + np.concatenate([wc, cc]).astype(dtype), return_counts=True)
        rows = keys // F
        cols = keys - rows * F
        values = (1.0 + np.log(counts)) * self.idf[cols]
        block = rows * 2 + (cols >= self.n_words)
        norm = np.sqrt(np.bincount(block, weights=values * values, minlength=2 * len(texts)))
        norm[norm == 0] = 1.0
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(texts)), out=indptr[1:])
        return sp.csr_matrix((values / norm[block], cols, indptr), shape=(len(texts), F))

    def _single_blocks(self, text: str) -> tuple[list[int], list[int]]:
        norm = normalize_text(text)
        ids = self._token_ids(self.segment(norm))
        words = [j for j in ids if j >= 0]
        if self.bigrams:
            n_words, bigram = self.n_words, self.bigram_dict
            for a, b in zip(ids, ids[1:]):
                if a >= 0 and b >= 0:
                    j = bigram.get(a * n_words + b)
                    if j is not None:
                        words.append(j)
            if self.rest:
                tokens = [t for t in self.segment(norm) if _TOKEN.search(t)]
                words.extend(self.rest[k] for k in (f"{x} {y}" for x, y in zip(tokens, tokens[1:]))
                             if k in self.rest)
        if len(norm) < 40:  # short: dict look-ups beat setting up arrays
            folded = norm  # normalised text has no runs of white space to fold
            get, chars = self.char_dict.get, []
            lo, hi = self.char_range
            for n in range(lo, hi + 1):
                chars.extend(j for j in map(get, (folded[i:i + n] for i in range(len(folded) - n + 1)))
                             if j is not None)
            return words, chars
        return words, self._char_grams(norm)[0]

    def _char_grams(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column, start position) of every vocabulary character n-gram of the text."""
        ids = self._dense_ids(text)
        U, lo, hi = self.U, *self.char_range
        cols, starts = [], []
        if lo <= 1:
            c1 = self.uni[ids]
            at = np.flatnonzero(c1 >= 0)
            cols.append(c1[at])
            starts.append(at)
        if hi >= 2 and len(ids) > 1:
            both = (ids[:-1] > 0) & (ids[1:] > 0)
            key2 = ids[:-1] * U + ids[1:]
            c2 = np.where(both, self.bi[key2] if self.bi is not None
                          else self._lookup(key2, self.bi_keys, self.bi_cols), -1)
            if lo <= 2:
                at = np.flatnonzero(c2 >= 0)
                cols.append(c2[at])
                starts.append(at)
            if hi >= 3 and len(ids) > 2:
                ok = (c2[:-1] >= 0) & (c2[1:] >= 0) if self.prune else both[:-1] & both[1:]
                at = np.flatnonzero(ok)
                c3 = self._lookup(key2[at] * U + ids[at + 2], self.tri_keys, self.tri_cols)
                hit = c3 >= 0
                cols.append(c3[hit])
                starts.append(at[hit])
        if not cols:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(cols), np.concatenate(starts)

    def single_values(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, TF-IDF values) of one paragraph, each block l2-normalised."""
        words, chars = self._single_blocks(text)
        cols, counts = np.unique(np.concatenate([np.asarray(words, dtype=np.int64),
                                                 np.asarray(chars, dtype=np.int64)]), return_counts=True)
        values = (1.0 + np.log(counts)) * self.idf[cols]
        squares = values * values
        is_char = cols >= self.n_words
        norms = np.sqrt([squares[~is_char].sum(), squares[is_char].sum()])
        norms[norms == 0] = 1.0
        return cols, values / np.where(is_char, norms[1], norms[0])

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:  # the API's common case: no sparse matrices, a dense gather
            cols, values = self.single_values(texts[0])
            z = self.intercept + values @ self.coef[cols]
            return 1.0 / (1.0 + np.exp(-z[None, :]))
        z = np.asarray(self.transform(texts) @ self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))
