/* Compiled inner loops of the fast path (serving/speed.py wraps them; serving/fastpath.py and
 * serving/normalize.py fall back to numpy when this extension is not built, with the same results).
 *
 * token_ids(tokens, cache, unigram, ...) -> bytes   jieba tokens -> int64 ids, one dict look-up each
 * expand(codes, images, starts) -> bytes     per-character NFKC images, of any length
 * fold(text, lower, digit, space) -> bytes    the rest of normalize_text, newline-joined text
 * Kernel(...).score(ids, cids, codes, n) -> bytes   TF-IDF blocks and linear scores of a batch
 *                                           (cids empty: BMP characters looked up by the kernel)
 *
 * Only the buffer protocol is used (no numpy headers), so it builds with a bare C compiler.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define SPEED_VERSION 3
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(address) __builtin_prefetch(address)
#else
#define PREFETCH(address) ((void)0)
#endif
#define NEWLINE (-3)
#define CLAUSE (-4)
#define UNKNOWN (-1)

/* ---- token ids ------------------------------------------------------------------------- */

/* Whether a token holds a letter, digit or CJK character: `[\w\u4e00-\u9fff]` of re, whose \w
 * for str patterns is Py_UNICODE_ISALNUM or '_' (tests/serving/scoring/test_speed.py checks every code point). */
static int is_token(PyObject *token) {
    int kind = PyUnicode_KIND(token);
    const void *data = PyUnicode_DATA(token);
    Py_ssize_t n = PyUnicode_GET_LENGTH(token);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == '_' || (c >= 0x4E00 && c <= 0x9FFF) || Py_UNICODE_ISALNUM(c))
            return 1;
    }
    return 0;
}

/* token_ids(tokens, cache, unigram, dropped, unknown, cache_max) -> bytes: the int64 id of every
 * token, those equal to `dropped` left out. `cache` maps tokens seen before (and the newline and
 * clause marks) to ids; a new token is `unigram[token]`, `unknown`, or `dropped` when it holds no
 * letter, digit or CJK character, and is cached while the cache holds fewer than cache_max. */
static PyObject *token_ids(PyObject *self, PyObject *args) {
    PyObject *tokens, *cache, *unigram;
    long long dropped, unknown;
    Py_ssize_t cache_max;
    if (!PyArg_ParseTuple(args, "O!O!O!LLn", &PyList_Type, &tokens, &PyDict_Type, &cache, &PyDict_Type,
                          &unigram, &dropped, &unknown, &cache_max))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(tokens), k = 0;
    PyObject *out = PyBytes_FromStringAndSize(NULL, n * 8);
    if (out == NULL)
        return NULL;
    int64_t *ids = (int64_t *)PyBytes_AS_STRING(out);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *token = PyList_GET_ITEM(tokens, i);
        PyObject *value = PyDict_GetItemWithError(cache, token); /* borrowed */
        long long id;
        if (value != NULL) {
            id = PyLong_AsLongLong(value);
            if (id == -1 && PyErr_Occurred())
                goto fail;
        } else {
            if (PyErr_Occurred() || !PyUnicode_Check(token))
                goto fail;
            if (!is_token(token)) {
                id = dropped;
            } else if ((value = PyDict_GetItemWithError(unigram, token)) != NULL) {
                if ((id = PyLong_AsLongLong(value)) == -1 && PyErr_Occurred())
                    goto fail;
            } else if (PyErr_Occurred()) {
                goto fail;
            } else {
                id = unknown;
            }
            if (PyDict_GET_SIZE(cache) < cache_max) {
                PyObject *boxed = PyLong_FromLongLong(id);
                if (boxed == NULL || PyDict_SetItem(cache, token, boxed) < 0) {
                    Py_XDECREF(boxed);
                    goto fail;
                }
                Py_DECREF(boxed);
            }
        }
        if (id != dropped)
            ids[k++] = id;
    }
    if (_PyBytes_Resize(&out, k * 8) < 0)
        return NULL;
    return out;
fail:
    if (!PyErr_Occurred())
        PyErr_SetString(PyExc_TypeError, "token_ids: tokens must be str");
    Py_DECREF(out);
    return NULL;
}

/* ---- normalisation ---------------------------------------------------------------------- */

/* expand(codes, images, starts) -> bytes: each code point c (BMP) replaced by its NFKC image,
 * images[starts[c]:starts[c + 1]], of any length. */
static PyObject *expand(PyObject *self, PyObject *args) {
    Py_buffer codes, images_b, starts_b;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*", &codes, &images_b, &starts_b))
        return NULL;
    const uint32_t *in = codes.buf, *images = images_b.buf, *start = starts_b.buf;
    Py_ssize_t n = codes.len / 4, m = 0, size = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        size += start[in[i] + 1] - start[in[i]];
    result = PyBytes_FromStringAndSize(NULL, size * 4);
    if (result != NULL) {
        uint32_t *out = (uint32_t *)PyBytes_AS_STRING(result);
        for (Py_ssize_t i = 0; i < n; i++)
            for (uint32_t j = start[in[i]]; j < start[in[i] + 1]; j++)
                out[m++] = images[j];
    }
    PyBuffer_Release(&codes);
    PyBuffer_Release(&images_b);
    PyBuffer_Release(&starts_b);
    return result;
}

/* fold(text, lower, digit, space) -> bytes: each code point (BMP) through `lower` (simplified,
 * lower-cased), then \d+(?:[.,]\d+)* -> "0", white-space runs -> " " (newlines kept), and the
 * spaces at paragraph edges dropped. */
static PyObject *fold(PyObject *self, PyObject *args) {
    Py_buffer text_b, lower_b, digit_b, space_b;
    if (!PyArg_ParseTuple(args, "y*y*y*y*", &text_b, &lower_b, &digit_b, &space_b))
        return NULL;
    const uint32_t *in = text_b.buf, *low = lower_b.buf;
    const uint8_t *is_digit = digit_b.buf, *is_space = space_b.buf;
    Py_ssize_t m = text_b.len / 4, k = 0;
    PyObject *result = PyBytes_FromStringAndSize(NULL, m * 4);
    if (result != NULL) {
        uint32_t *out = (uint32_t *)PyBytes_AS_STRING(result);
        for (Py_ssize_t i = 0; i < m; i++) {
            uint32_t c = low[in[i]];
            if (is_digit[c]) {
                /* one number: digits, and a '.' or ',' between two digits */
                while (i + 1 < m) {
                    uint32_t next = low[in[i + 1]];
                    if (!is_digit[next] && !((next == '.' || next == ',') && i + 2 < m &&
                                             is_digit[low[in[i + 2]]] && is_digit[low[in[i]]]))
                        break;
                    i++;
                }
                out[k++] = '0';
            } else if (is_space[c]) {
                while (i + 1 < m && is_space[low[in[i + 1]]])
                    i++;
                if (k > 0 && out[k - 1] != '\n' && i + 1 < m && low[in[i + 1]] != '\n')
                    out[k++] = ' '; /* not at a paragraph's edge */
            } else {
                out[k++] = c;
            }
        }
        _PyBytes_Resize(&result, k * 4);
    }
    PyBuffer_Release(&text_b);
    PyBuffer_Release(&lower_b);
    PyBuffer_Release(&digit_b);
    PyBuffer_Release(&space_b);
    return result;
}

/* ---- scoring ------------------------------------------------------------------------------ */

/* An integer hash table: each slot one uint64, the key above `vbits` bits and the value (a column)
 * below them, so that a look-up reads one cache line; Fibonacci hashing, linear probing, load <= 1/2. */
typedef struct {
    uint64_t *slots;
    uint64_t mask, vmask;
    int shift, vbits;
} Table;

#define EMPTY UINT64_MAX

static inline int32_t table_get(const Table *t, uint64_t key) {
    uint64_t at = (key * 0x9E3779B97F4A7C15ULL) >> t->shift;
    for (;;) {
        uint64_t slot = t->slots[at];
        if (slot == EMPTY)
            return -1;
        if (slot >> t->vbits == key)
            return (int32_t)(slot & t->vmask);
        at = (at + 1) & t->mask;
    }
}

static inline void table_prefetch(const Table *t, uint64_t key) {
    PREFETCH(t->slots + ((key * 0x9E3779B97F4A7C15ULL) >> t->shift));
}

static int table_build(Table *t, Py_buffer *keys_b, Py_buffer *values_b, int vbits) {
    const int64_t *keys = keys_b->buf;
    const int32_t *values = values_b->buf;
    Py_ssize_t n = keys_b->len / 8;
    int bits = 4;
    while (((Py_ssize_t)1 << bits) < 2 * n)
        bits++;
    if (values_b->len / 4 != n) {
        PyErr_SetString(PyExc_ValueError, "Kernel: a table's keys and values differ in number");
        return -1;
    }
    t->slots = PyMem_Malloc(((size_t)1 << bits) * 8);
    if (t->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(t->slots, 0xFF, ((size_t)1 << bits) * 8);
    t->mask = ((uint64_t)1 << bits) - 1;
    t->shift = 64 - bits;
    t->vbits = vbits;
    t->vmask = ((uint64_t)1 << vbits) - 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (keys[i] < 0 || (uint64_t)keys[i] >= (((uint64_t)1 << (64 - vbits)) - 1) || values[i] < 0 ||
            (uint64_t)values[i] > t->vmask) {
            PyErr_SetString(PyExc_ValueError, "Kernel: a key or column does not fit a table slot");
            return -1;
        }
        uint64_t key = (uint64_t)keys[i], at = (key * 0x9E3779B97F4A7C15ULL) >> t->shift;
        while (t->slots[at] != EMPTY) {
            if (t->slots[at] >> vbits == key) {
                PyErr_SetString(PyExc_ValueError, "Kernel: a table key twice");
                return -1;
            }
            at = (at + 1) & t->mask;
        }
        t->slots[at] = key << vbits | (uint64_t)values[i];
    }
    return 0;
}

enum { B_UNI, B_PAIR_KEYS, B_PAIR_VALUES, B_TRIPLE_KEYS, B_TRIPLE_VALUES, B_WORD_KEYS, B_WORD_VALUES,
       B_CUE_KEYS, B_CUE_VALUES, B_SHAPES, B_LIMITS, B_WEIGHTS, B_INTERCEPT, B_BMP, N_BUFFERS };
#define N_DIMS 12
#define MAX_ROW 64 /* labels + 1 */

typedef struct {
    PyObject_HEAD
    Py_buffer buffers[N_BUFFERS];
    int held;
    /* n_words, cue_start, n_features, n_labels, U, lo, hi, bigrams, prune, head_words, n_cues */
    long long n_words, cue_start, F, L, U, lo, hi, bigrams, prune, head_words, n_cues;
    Table tables[4]; /* character pairs, character triples, word pairs, tagged cue words */
    int n_limits, n_tags;
    int32_t *counts, *touched, *columns;
    int64_t *dense; /* one paragraph's dense character ids, when score() is given none */
    Py_ssize_t dense_cap;
    double *weights_raw, *weights; /* the weights buffer copied to rows aligned on 64 bytes */
    Py_ssize_t columns_cap;
} Kernel;

static void kernel_free(Kernel *k) {
    for (int i = 0; i < k->held; i++)
        PyBuffer_Release(&k->buffers[i]);
    k->held = 0;
    for (int i = 0; i < 4; i++) {
        PyMem_Free(k->tables[i].slots);
        k->tables[i].slots = NULL;
    }
    PyMem_Free(k->counts);
    PyMem_Free(k->touched);
    PyMem_Free(k->columns);
    PyMem_Free(k->weights_raw);
    PyMem_Free(k->dense);
    k->dense = NULL;
    k->dense_cap = 0;
    k->counts = k->touched = k->columns = NULL;
    k->weights_raw = k->weights = NULL;
}

static void kernel_dealloc(Kernel *k) {
    kernel_free(k);
    Py_TYPE(k)->tp_free((PyObject *)k);
}

/* Kernel(dims, buffers): dims as above plus n_tags; buffers in the enum's order: the dense-id
 * 1-gram columns, (keys, columns) of the four tables, the shape cue columns, the length limits,
 * the weights (features x (labels + 1): coefficients, then idf) and the intercepts. */
static int kernel_init(Kernel *k, PyObject *args, PyObject *kwds) {
    PyObject *dims, *buffers;
    if (!PyArg_ParseTuple(args, "O!O!", &PyTuple_Type, &dims, &PyTuple_Type, &buffers))
        return -1;
    kernel_free(k);
    if (PyTuple_GET_SIZE(dims) != N_DIMS || PyTuple_GET_SIZE(buffers) != N_BUFFERS) {
        PyErr_SetString(PyExc_ValueError, "Kernel: wrong number of arguments");
        return -1;
    }
    long long d[N_DIMS];
    for (int i = 0; i < N_DIMS; i++)
        if ((d[i] = PyLong_AsLongLong(PyTuple_GET_ITEM(dims, i))) == -1 && PyErr_Occurred())
            return -1;
    for (int i = 0; i < N_BUFFERS; i++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(buffers, i), &k->buffers[i], PyBUF_C_CONTIGUOUS) < 0)
            return -1;
        k->held = i + 1;
    }
    k->n_words = d[0], k->cue_start = d[1], k->F = d[2], k->L = d[3], k->U = d[4], k->lo = d[5];
    k->hi = d[6], k->bigrams = d[7], k->prune = d[8], k->head_words = d[9], k->n_cues = d[10];
    k->n_tags = (int)d[11];
    k->n_limits = (int)(k->buffers[B_LIMITS].len / 8);
    if (k->buffers[B_WEIGHTS].len != (Py_ssize_t)(k->F * (k->L + 1) * 8) ||
        k->buffers[B_SHAPES].len != (Py_ssize_t)((k->n_limits + 2) * 8) ||
        k->buffers[B_BMP].len != 0x10000 * 8) {
        PyErr_SetString(PyExc_ValueError, "Kernel: weights or shapes of the wrong size");
        return -1;
    }
    int vbits = 1;
    while (((long long)1 << vbits) <= k->F)
        vbits++;
    for (int i = 0; i < 4; i++)
        if (table_build(&k->tables[i], &k->buffers[B_PAIR_KEYS + 2 * i],
                        &k->buffers[B_PAIR_VALUES + 2 * i], vbits) < 0)
            return -1;
    k->counts = PyMem_Calloc(k->F + 1, sizeof(int32_t));
    k->touched = PyMem_Malloc((k->F + 1) * sizeof(int32_t));
    if (k->L + 1 > MAX_ROW) {
        PyErr_SetString(PyExc_ValueError, "Kernel: too many labels");
        return -1;
    }
    /* One row of L + 1 doubles per column (8 with 7 labels: one cache line when aligned). */
    k->weights_raw = PyMem_Malloc((size_t)k->F * (k->L + 1) * sizeof(double) + 64);
    if (k->weights_raw != NULL) {
        k->weights = (double *)(((uintptr_t)k->weights_raw + 63) & ~(uintptr_t)63);
        memcpy(k->weights, k->buffers[B_WEIGHTS].buf, (size_t)k->F * (k->L + 1) * sizeof(double));
    }
    k->columns_cap = 4096;
    k->columns = PyMem_Malloc(k->columns_cap * sizeof(int32_t));
    if (!k->counts || !k->touched || !k->columns || !k->weights_raw) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

#define PAIRS(k) (&(k)->tables[0])
#define TRIPLES(k) (&(k)->tables[1])
#define WORD_PAIRS(k) (&(k)->tables[2])
#define CUE_PAIRS(k) (&(k)->tables[3])

/* The columns of every term occurrence of one paragraph: ids[a:b] its tokens, cids[s:e] the
 * dense ids of its characters, norm_length and colon from its normalised text. */
static Py_ssize_t paragraph_columns(Kernel *k, const int64_t *ids, Py_ssize_t a, Py_ssize_t b,
                                    const int64_t *cids, Py_ssize_t s, Py_ssize_t e, int colon) {
    Py_ssize_t need = 5 * (b - a) + 3 * (e - s) + 8, n = 0; /* at most per token, per character */
    if (need > k->columns_cap) {
        int32_t *bigger = PyMem_Realloc(k->columns, need * sizeof(int32_t));
        if (bigger == NULL)
            return -1;
        k->columns = bigger;
        k->columns_cap = need;
    }
    int32_t *cols = k->columns;
    const int64_t *limits = k->buffers[B_LIMITS].buf, *shapes = k->buffers[B_SHAPES].buf;
    int bucket = 0;
    while (bucket < k->n_limits && (e - s) > limits[bucket])
        bucket++;
    long long rank = 0, previous = UNKNOWN, W = k->n_words;
    int clause = 0;
    for (Py_ssize_t i = a; i < b; i++) {
        int64_t id = ids[i];
        if (id == CLAUSE) { /* a clause mark: seen by the cues, dropped like punctuation */
            clause = 1;
            continue;
        }
        if (k->n_cues && id >= 0) {
            int32_t j;
            if (rank < k->head_words) {
                if ((j = table_get(CUE_PAIRS(k), 0 * W + id)) >= 0) cols[n++] = j;
                if ((j = table_get(CUE_PAIRS(k), (1 + bucket) * W + id)) >= 0) cols[n++] = j;
            }
            if (!clause && (j = table_get(CUE_PAIRS(k), (long long)(k->n_tags - 1) * W + id)) >= 0)
                cols[n++] = j;
        }
        if (id >= 0 || id == UNKNOWN)
            rank++;
        if (id >= 0) {
            cols[n++] = (int32_t)id;
            if (k->bigrams && previous >= 0) {
                int32_t j = table_get(WORD_PAIRS(k), previous * W + id);
                if (j >= 0) cols[n++] = j;
            }
        }
        previous = id;
    }
    if (k->n_cues) {
        if (shapes[bucket] >= 0) cols[n++] = (int32_t)shapes[bucket];
        if (colon && shapes[k->n_limits + 1] >= 0) cols[n++] = (int32_t)shapes[k->n_limits + 1];
    }
    const int32_t *uni = k->buffers[B_UNI].buf;
    long long U = k->U;
    int32_t pair = e - s >= 2 && k->hi >= 2 ? table_get(PAIRS(k), cids[s] * U + cids[s + 1]) : -1;
    for (Py_ssize_t i = s; i < e; i++) {
        if (k->lo <= 1 && uni[cids[i]] >= 0)
            cols[n++] = uni[cids[i]];
        if (k->hi < 2 || i + 1 >= e)
            continue;
        if (k->lo <= 2 && pair >= 0)
            cols[n++] = pair;
        if (i + 8 < e) { /* the slots read a few characters on: fetched while these are looked up */
            table_prefetch(PAIRS(k), cids[i + 7] * U + cids[i + 8]);
            if (k->hi >= 3 && i + 9 < e)
                table_prefetch(TRIPLES(k), (cids[i + 7] * U + cids[i + 8]) * U + cids[i + 9]);
        }
        /* the pair (i + 1, i + 2), read once for this 3-gram and the next 2-gram */
        int32_t next = i + 2 < e ? table_get(PAIRS(k), cids[i + 1] * U + cids[i + 2]) : -1;
        if (k->hi >= 3 && i + 2 < e &&
            (k->prune ? pair >= 0 && next >= 0 : cids[i] > 0 && cids[i + 1] > 0 && cids[i + 2] > 0)) {
            int32_t j = table_get(TRIPLES(k), (cids[i] * U + cids[i + 1]) * U + cids[i + 2]);
            if (j >= 0) cols[n++] = j;
        }
        pair = next;
    }
    return n;
}

/* score(ids, cids, codes, n) -> n x L float64 linear scores: paragraph i is the run of ids
 * after the i-th NEWLINE id and of codes (and their dense ids cids) after the i-th newline.
 * cids empty: the codes are all in the BMP, their dense ids looked up here, a paragraph at a time. */
static PyObject *kernel_score(Kernel *k, PyObject *args) {
    Py_buffer ids_b, cids_b, codes_b;
    Py_ssize_t n_docs;
    PyObject *result = NULL;
    if (k->counts == NULL) {
        PyErr_SetString(PyExc_ValueError, "Kernel not initialised");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "y*y*y*n", &ids_b, &cids_b, &codes_b, &n_docs))
        return NULL;
    const int64_t *ids = ids_b.buf, *cids = cids_b.buf;
    const uint32_t *codes = codes_b.buf;
    Py_ssize_t n_ids = ids_b.len / 8, n_codes = codes_b.len / 4, L = k->L;
    const int64_t *bmp = k->buffers[B_BMP].buf;
    int own_ids = cids_b.len == 0 && n_codes > 0; /* dense ids from the BMP table, here */
    if (!own_ids && cids_b.len / 8 != n_codes) {
        PyErr_SetString(PyExc_ValueError, "score: codes and their ids differ in length");
        goto done;
    }
    result = PyBytes_FromStringAndSize(NULL, n_docs * L * sizeof(double));
    if (result == NULL)
        goto done;
    double *out = (double *)PyBytes_AS_STRING(result);
    const double *weights = k->weights;
    const double *intercept = k->buffers[B_INTERCEPT].buf;
    int32_t *counts = k->counts, *touched = k->touched;
    Py_ssize_t a = 0, s = 0;
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        Py_ssize_t b = a, e = s;
        while (b < n_ids && ids[b] != NEWLINE) b++;
        while (e < n_codes && codes[e] != '\n') e++;
        const int64_t *dense = cids;
        Py_ssize_t from = s, to = e;
        if (own_ids) {
            if (e - s > k->dense_cap) {
                int64_t *bigger = PyMem_Realloc(k->dense, (e - s) * sizeof(int64_t));
                if (bigger == NULL) {
                    Py_CLEAR(result);
                    PyErr_NoMemory();
                    goto done;
                }
                k->dense = bigger;
                k->dense_cap = e - s;
            }
            for (Py_ssize_t i = s; i < e; i++) {
                if (codes[i] >= 0x10000) {
                    Py_CLEAR(result);
                    PyErr_SetString(PyExc_ValueError, "score: a character beyond the BMP needs its dense ids given");
                    goto done;
                }
                k->dense[i - s] = bmp[codes[i]];
            }
            dense = k->dense, from = 0, to = e - s;
        }
        Py_ssize_t n = paragraph_columns(k, ids, a, b, dense, from, to, e > s && codes[e - 1] == ':');
        if (n < 0) {
            Py_CLEAR(result);
            PyErr_NoMemory();
            goto done;
        }
        Py_ssize_t t = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (i + 16 < n)
                PREFETCH(counts + k->columns[i + 16]);
            if (counts[k->columns[i]]++ == 0)
                touched[t++] = k->columns[i];
        }
        /* Sublinear TF-IDF, summed times the coefficients per block (words, characters, cues);
         * each block's sum is then scaled by its l2 norm. */
        double acc[3 * MAX_ROW], n0 = 0, n1 = 0, n2 = 0, *row = out + d * L;
        memset(acc, 0, 3 * (L + 1) * sizeof(double));
        for (Py_ssize_t i = 0; i < t && i < 24; i++)
            PREFETCH(weights + (Py_ssize_t)touched[i] * (L + 1));
        for (Py_ssize_t i = 0; i < t; i++) {
            if (i + 24 < t) /* the rows of the columns a few on: fetched while these are summed */
                PREFETCH(weights + (Py_ssize_t)touched[i + 24] * (L + 1));
            int32_t c = touched[i], count = counts[c];
            counts[c] = 0;
            const double *w = weights + (Py_ssize_t)c * (L + 1);
            double v = (count == 1 ? 1.0 : 1.0 + log((double)count)) * w[L], vv = v * v;
            int block = (c >= k->n_words) + (c >= k->cue_start);
            n0 += block == 0 ? vv : 0.0; /* three sums, no chain through memory */
            n1 += block == 1 ? vv : 0.0;
            n2 += block == 2 ? vv : 0.0;
            double *sum = acc + block * (L + 1);
            for (Py_ssize_t l = 0; l < L; l++)
                sum[l] += v * w[l];
        }
        double scale[3] = {n0 > 0 ? 1.0 / sqrt(n0) : 1.0, n1 > 0 ? 1.0 / sqrt(n1) : 1.0,
                           n2 > 0 ? 1.0 / sqrt(n2) : 1.0};
        for (Py_ssize_t l = 0; l < L; l++)
            row[l] = acc[l] * scale[0] + acc[L + 1 + l] * scale[1] + acc[2 * (L + 1) + l] * scale[2];
        for (Py_ssize_t l = 0; l < L; l++)
            row[l] += intercept[l];
        a = b + 1;
        s = e + 1;
    }
done:
    PyBuffer_Release(&ids_b);
    PyBuffer_Release(&cids_b);
    PyBuffer_Release(&codes_b);
    return result;
}

static PyMethodDef kernel_methods[] = {
    {"score", (PyCFunction)kernel_score, METH_VARARGS, "Linear scores of a batch (n x L float64 bytes)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject KernelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "serving._speed.Kernel",
    .tp_basicsize = sizeof(Kernel),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The compiled model's tables, scoring batches of paragraphs.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)kernel_init,
    .tp_dealloc = (destructor)kernel_dealloc,
    .tp_methods = kernel_methods,
};

static PyMethodDef methods[] = {
    {"token_ids", token_ids, METH_VARARGS, "Token ids (int64 bytes) of jieba tokens, dropped ones left out."},
    {"expand", expand, METH_VARARGS, "Per-character NFKC images of BMP code points (uint32 bytes)."},
    {"fold", fold, METH_VARARGS, "The rest of normalize_text over newline-joined text (uint32 bytes)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speed", "Compiled inner loops of the fast path.",
                                    -1, methods};

PyMODINIT_FUNC PyInit__speed(void) {
    if (PyType_Ready(&KernelType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&KernelType);
    if (PyModule_AddObject(m, "Kernel", (PyObject *)&KernelType) < 0 ||
        PyModule_AddIntConstant(m, "VERSION", SPEED_VERSION) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
