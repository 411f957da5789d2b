/* TF-IDF vocabulary, weighting and payload: see tfidf.h. */
#include "embed/tfidf.h"

#include "embed/blob.h"
#include "embed/strmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NGRAM 16
#define MAX_TERM_BYTES RN_STRMAP_MAX_KEY_BYTES

/* ---- n-gram generation ------------------------------------------------ */

typedef struct Block {
    bool chars;           /* char_wb n-grams, else word n-grams */
    int min_n, max_n;
    RnStrMap terms;        /* fitted: column order */
    float *idf;
} Block;

typedef bool (*NgramFn)(void *ctx, const char *s, size_t n, RnError **err);

/* scikit-learn's _word_ngrams: for each start token, the joins of min_n..
 * max_n consecutive tokens; with single-space separators each n-gram is a
 * substring of the document. */
static bool word_ngrams(const Block *b, const char *doc, NgramFn fn, void *ctx, RnError **err)
{
    size_t len = strlen(doc);
    size_t pos = 0;
    while (pos < len) {
        if (doc[pos] == ' ') {
            pos++;
            continue;
        }
        size_t end = pos;
        for (int count = 1; count <= b->max_n; count++) {
            while (end < len && doc[end] != ' ')
                end++;
            if (count >= b->min_n && !fn(ctx, doc + pos, end - pos, err))
                return false;
            if (end >= len)
                break;
            end++; /* the separating space joins the next token */
        }
        while (pos < len && doc[pos] != ' ')
            pos++;
    }
    return true;
}

static size_t utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* scikit-learn's _char_wb_ngrams on one token padded with spaces. */
static bool char_wb_token(const Block *b, const char *w, size_t wn, RnBuf *pad, size_t **cps,
                          size_t *cap, NgramFn fn, void *ctx, RnError **err)
{
    pad->len = 0;
    if (!rn_buf_append(pad, " ", 1, err) || !rn_buf_append(pad, w, wn, err) ||
        !rn_buf_append(pad, " ", 1, err))
        return false;
    /* code point boundaries: cps[i] = byte offset of code point i; cps[L] = end */
    size_t L = 0;
    if (*cap < pad->len + 1) {
        size_t *p = rn_realloc(*cps, (pad->len + 1) * sizeof *p, err);
        if (!p)
            return false;
        *cps = p;
        *cap = pad->len + 1;
    }
    for (size_t i = 0; i < pad->len; i += utf8_len(pad->data[i]))
        (*cps)[L++] = i;
    (*cps)[L] = pad->len;
    for (int n = b->min_n; n <= b->max_n; n++) {
        size_t offset = 0;
        size_t last = L > (size_t)n ? L - (size_t)n : 0;
        for (offset = 0; offset <= last; offset++) {
            size_t e = offset + (size_t)n < L ? offset + (size_t)n : L;
            if (!fn(ctx, (const char *)pad->data + (*cps)[offset], (*cps)[e] - (*cps)[offset],
                    err))
                return false;
        }
        if (L <= (size_t)n) /* a short token counts once */
            break;
    }
    return true;
}

static bool char_ngrams(const Block *b, const char *doc, NgramFn fn, void *ctx, RnError **err)
{
    RnBuf pad = RN_BUF_INIT;
    size_t *cps = NULL, cap = 0;
    bool ok = true;
    const char *p = doc;
    while (ok && *p) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if (e > p)
            ok = char_wb_token(b, p, (size_t)(e - p), &pad, &cps, &cap, fn, ctx, err);
        p = e;
    }
    rn_buf_free(&pad);
    free(cps);
    return ok;
}

static bool block_ngrams(const Block *b, const char *doc, NgramFn fn, void *ctx, RnError **err)
{
    return b->chars ? char_ngrams(b, doc, fn, ctx, err) : word_ngrams(b, doc, fn, ctx, err);
}

/* ---- per-document term lists ------------------------------------------ */

/* A document's distinct term ids in order of first occurrence, with their
 * counts: slot[id] is the id's place in the list while the document is
 * being read (-1 otherwise), so counting costs one array look-up per n-gram
 * and no sort. */
typedef struct DocTerms {
    RnStrMap *map;
    bool insert;
    uint32_t *ids, *counts;
    size_t n, cap;
    int32_t *slot;
    size_t slot_cap;
} DocTerms;

static void doc_terms_free(DocTerms *d)
{
    free(d->ids);
    free(d->counts);
    free(d->slot);
}

static bool slot_reserve(DocTerms *d, size_t need, RnError **err)
{
    if (need <= d->slot_cap)
        return true;
    size_t c = d->slot_cap ? d->slot_cap : 1024;
    while (c < need)
        c *= 2;
    int32_t *p = rn_realloc(d->slot, c * sizeof *p, err);
    if (!p)
        return false;
    memset(p + d->slot_cap, 0xFF, (c - d->slot_cap) * sizeof *p); /* -1 */
    d->slot = p;
    d->slot_cap = c;
    return true;
}

/* Grows the parallel id/count arrays to hold `need` entries, doubling from
 * `first` (amortised O(1) appends). */
static bool grow_pairs(uint32_t **ids, uint32_t **counts, size_t *cap, size_t need,
                       size_t first, RnError **err)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap : first;
    while (c < need)
        c *= 2;
    uint32_t *a = rn_realloc(*ids, c * sizeof *a, err);
    if (!a)
        return false;
    *ids = a;
    uint32_t *b = rn_realloc(*counts, c * sizeof *b, err);
    if (!b)
        return false;
    *counts = b;
    *cap = c;
    return true;
}

static bool list_reserve(DocTerms *d, RnError **err)
{
    return grow_pairs(&d->ids, &d->counts, &d->cap, d->n + 1, 256, err);
}

static bool collect_term(void *ctx, const char *s, size_t n, RnError **err)
{
    DocTerms *d = ctx;
    int64_t id = rn_strmap_find(d->map, s, n, d->insert, err);
    if (id == -2)
        return false;
    if (id < 0)
        return true; /* not in the vocabulary */
    if (!slot_reserve(d, (size_t)id + 1, err))
        return false;
    if (d->slot[id] >= 0) {
        d->counts[d->slot[id]]++;
        return true;
    }
    if (!list_reserve(d, err))
        return false;
    d->slot[id] = (int32_t)d->n;
    d->ids[d->n] = (uint32_t)id;
    d->counts[d->n++] = 1;
    return true;
}

/* The distinct term ids of doc and their counts (d->ids, d->counts). */
static bool doc_terms(const Block *b, RnStrMap *map, bool insert, const char *doc, DocTerms *d,
                      RnError **err)
{
    d->map = map;
    d->insert = insert;
    d->n = 0;
    bool ok = block_ngrams(b, doc, collect_term, d, err);
    for (size_t j = 0; j < d->n; j++)
        d->slot[d->ids[j]] = -1;
    return ok;
}

/* ---- fitting ----------------------------------------------------------- */

struct RnTfidf {
    RnTfidfOptions opt;
    Block blocks[2];
    size_t n_blocks;
};

typedef struct Candidate {
    const char *term;
    uint32_t len;
    uint64_t total;
} Candidate;

static int cmp_total_then_term(const void *a, const void *b)
{
    const Candidate *x = a, *y = b;
    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return strcmp(x->term, y->term);
}

static int cmp_term(const void *a, const void *b)
{
    return strcmp(((const Candidate *)a)->term, ((const Candidate *)b)->term);
}

/* Every document's distinct terms in the fit's full term map, kept when
 * the fit also gives the matrix of its documents (rn_tfidf_fit_transform):
 * the documents are then read once. */
typedef struct DocLists {
    size_t *first;        /* document i: entries first[i] .. first[i + 1] */
    uint32_t *ids, *counts;
    size_t len, cap;
    uint32_t *column;     /* full-map id → column; UINT32_MAX: not kept */
} DocLists;

static void doc_lists_free(DocLists *l)
{
    free(l->first);
    free(l->ids);
    free(l->counts);
    free(l->column);
}

static bool doc_lists_add(DocLists *l, size_t i, const DocTerms *d, RnError **err)
{
    if (!grow_pairs(&l->ids, &l->counts, &l->cap, l->len + d->n, 4096, err))
        return false;
    memcpy(l->ids + l->len, d->ids, d->n * sizeof *d->ids);
    memcpy(l->counts + l->len, d->counts, d->n * sizeof *d->counts);
    l->len += d->n;
    l->first[i + 1] = l->len;
    return true;
}

/* Fits one block's vocabulary and idf; lists (NULL: not wanted) receives
 * the documents' terms. */
static bool fit_block(Block *b, const RnTfidfOptions *o, const char *const *docs, size_t n,
                      DocLists *lists, RnError **err)
{
    RnStrMap all = RN_STRMAP_INIT;
    DocTerms d = {0};
    uint32_t *df = NULL;
    uint64_t *total = NULL;
    size_t cap = 0;
    Candidate *cand = NULL;
    bool ok = !lists || (lists->first = rn_calloc(n + 1, sizeof *lists->first, err));
    for (size_t i = 0; ok && i < n; i++) {
        ok = doc_terms(b, &all, true, docs[i] ? docs[i] : "", &d, err) &&
             (!lists || doc_lists_add(lists, i, &d, err));
        if (ok && all.n > cap) {
            size_t c = all.cap_keys;
            uint32_t *df2 = rn_realloc(df, c * sizeof *df2, err);
            uint64_t *t2 = df2 ? rn_realloc(total, c * sizeof *t2, err) : NULL;
            if (df2)
                df = df2;
            if (t2)
                total = t2;
            ok = df2 && t2;
            if (ok) {
                memset(df + cap, 0, (c - cap) * sizeof *df);
                memset(total + cap, 0, (c - cap) * sizeof *total);
                cap = c;
            }
        }
        for (size_t j = 0; ok && j < d.n; j++) {
            df[d.ids[j]]++;
            total[d.ids[j]] += d.counts[j];
        }
    }
    size_t kept = 0;
    if (ok && all.n && !(cand = rn_calloc(all.n, sizeof *cand, err)))
        ok = false;
    for (size_t t = 0; ok && t < all.n; t++)
        if (df[t] >= o->min_df)
            cand[kept++] = (Candidate){rn_strmap_key(&all, t),
                                       (uint32_t)rn_strmap_key_len(&all, t), total[t]};
    if (ok && o->max_features && kept > o->max_features) {
        qsort(cand, kept, sizeof *cand, cmp_total_then_term);
        kept = o->max_features;
    }
    if (ok && kept)
        qsort(cand, kept, sizeof *cand, cmp_term);
    float *idf = ok ? rn_calloc(kept ? kept : 1, sizeof *idf, err) : NULL;
    ok = ok && idf;
    if (ok && lists) {
        lists->column = rn_malloc((all.n ? all.n : 1) * sizeof *lists->column, err);
        ok = lists->column != NULL;
        if (ok)
            memset(lists->column, 0xFF, all.n * sizeof *lists->column);
    }
    for (size_t j = 0; ok && j < kept; j++) {
        int64_t id = rn_strmap_find(&b->terms, cand[j].term, cand[j].len, true, err);
        int64_t old = rn_strmap_find(&all, cand[j].term, cand[j].len, false, err);
        ok = id >= 0;
        if (ok)
            idf[j] = (float)(log((1.0 + (double)n) / (1.0 + (double)df[old])) + 1.0);
        if (ok && lists)
            lists->column[old] = (uint32_t)j;
    }
    if (ok)
        b->idf = idf;
    else
        free(idf);
    free(cand);
    free(df);
    free(total);
    doc_terms_free(&d);
    rn_strmap_free(&all);
    return ok;
}

static bool options_valid(const RnTfidfOptions *o, RnError **err)
{
    bool word = o->word_max_n > 0, chr = o->char_max_n > 0;
    if ((!word && !chr) || (word && (o->word_min_n < 1 || o->word_min_n > o->word_max_n ||
                                     o->word_max_n > MAX_NGRAM)) ||
        (chr && (o->char_min_n < 1 || o->char_min_n > o->char_max_n ||
                 o->char_max_n > MAX_NGRAM)) ||
        o->min_df < 1) {
        rn_error_set(err, RN_ERROR_INVALID, "tfidf: bad n-gram range or min_df");
        return false;
    }
    return true;
}

static void setup_blocks(RnTfidf *t)
{
    const RnTfidfOptions *o = &t->opt;
    if (o->word_max_n > 0)
        t->blocks[t->n_blocks++] = (Block){.chars = false, .min_n = o->word_min_n,
                                           .max_n = o->word_max_n};
    if (o->char_max_n > 0)
        t->blocks[t->n_blocks++] = (Block){.chars = true, .min_n = o->char_min_n,
                                           .max_n = o->char_max_n};
}

/* A model with checked options and its n-gram blocks laid out, nothing fitted. */
static RnTfidf *tfidf_new(const RnTfidfOptions *opt, RnError **err)
{
    if (!options_valid(opt, err))
        return NULL;
    RnTfidf *t = rn_calloc(1, sizeof *t, err);
    if (!t)
        return NULL;
    t->opt = *opt;
    setup_blocks(t);
    return t;
}

RnTfidf *rn_tfidf_fit(const char *const *docs, size_t n, const RnTfidfOptions *opt,
                      RnError **err)
{
    RnTfidf *t = tfidf_new(opt, err);
    if (!t)
        return NULL;
    for (size_t b = 0; b < t->n_blocks; b++)
        if (!fit_block(&t->blocks[b], opt, docs, n, NULL, err)) {
            rn_tfidf_free(t);
            return NULL;
        }
    return t;
}

void rn_tfidf_free(RnTfidf *t)
{
    if (!t)
        return;
    for (size_t b = 0; b < t->n_blocks; b++) {
        rn_strmap_free(&t->blocks[b].terms);
        free(t->blocks[b].idf);
    }
    free(t);
}

size_t rn_tfidf_features(const RnTfidf *t)
{
    size_t n = 0;
    for (size_t b = 0; b < t->n_blocks; b++)
        n += t->blocks[b].terms.n;
    return n;
}

const char *rn_tfidf_term(const RnTfidf *t, size_t j, double *idf)
{
    for (size_t b = 0; b < t->n_blocks; b++) {
        const Block *bl = &t->blocks[b];
        if (j < bl->terms.n) {
            if (idf)
                *idf = bl->idf[j];
            return rn_strmap_key(&bl->terms, j);
        }
        j -= bl->terms.n;
    }
    return NULL;
}

/* ---- transform ---------------------------------------------------------- */

void rn_csr_free(RnCsr *m)
{
    if (!m)
        return;
    free(m->row_ptr);
    free(m->col);
    free(m->val);
    memset(m, 0, sizeof *m);
}

static bool csr_reserve(RnCsr *m, size_t *cap, size_t need, RnError **err)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap : 4096;
    while (c < need)
        c *= 2;
    uint32_t *col = rn_realloc(m->col, c * sizeof *col, err);
    if (!col)
        return false;
    m->col = col;
    double *val = rn_realloc(m->val, c * sizeof *val, err);
    if (!val)
        return false;
    m->val = val;
    *cap = c;
    return true;
}

/* Appends one document's block, its distinct columns ids[0..k) (first
 * occurrence order) with their counts, as weighted, normalised (col, val)
 * pairs to the row being built (m->n_rows). */
static bool append_block(const RnTfidf *t, const Block *b, size_t col0, double scale,
                         const uint32_t *ids, const uint32_t *counts, size_t k, RnCsr *m,
                         size_t *cap, RnError **err)
{
    /* the row being built is m->n_rows; its end so far is row_ptr[n_rows + 1] */
    size_t start = m->row_ptr[m->n_rows + 1];
    size_t nz = start;
    if (!csr_reserve(m, cap, start + k, err))
        return false;
    double norm = 0;
    for (size_t j = 0; j < k; j++) {
        double tf = (double)counts[j];
        if (t->opt.sublinear_tf)
            tf = 1.0 + log(tf);
        double v = tf * b->idf[ids[j]];
        m->col[nz] = (uint32_t)(col0 + ids[j]);
        m->val[nz++] = v;
        norm += v * v;
    }
    double inv = norm > 0 ? scale / sqrt(norm) : 0;
    for (size_t j = start; j < nz; j++)
        m->val[j] *= inv;
    m->row_ptr[m->n_rows + 1] = nz;
    return true;
}

static bool transform_block(const RnTfidf *t, const Block *b, size_t col0, double scale,
                            const char *doc, DocTerms *d, RnCsr *m, size_t *cap, RnError **err)
{
    return doc_terms(b, (RnStrMap *)&b->terms, false, doc, d, err) &&
           append_block(t, b, col0, scale, d->ids, d->counts, d->n, m, cap, err);
}

/* Document i's kept terms of one block, as columns, into d. */
static bool kept_terms(const DocLists *l, size_t i, DocTerms *d, RnError **err)
{
    d->n = 0;
    for (size_t q = l->first[i]; q < l->first[i + 1]; q++) {
        uint32_t c = l->column[l->ids[q]];
        if (c == UINT32_MAX)
            continue;
        if (!list_reserve(d, err))
            return false;
        d->ids[d->n] = c;
        d->counts[d->n++] = l->counts[q];
    }
    return true;
}

RnTfidf *rn_tfidf_fit_transform(const char *const *docs, size_t n, const RnTfidfOptions *opt,
                                RnCsr *out, RnError **err)
{
    memset(out, 0, sizeof *out);
    RnTfidf *t = tfidf_new(opt, err);
    if (!t)
        return NULL;
    DocLists lists[2] = {{0}};
    DocTerms d = {0};
    bool ok = true;
    for (size_t b = 0; ok && b < t->n_blocks; b++)
        ok = fit_block(&t->blocks[b], opt, docs, n, &lists[b], err);
    out->n_cols = ok ? rn_tfidf_features(t) : 0;
    ok = ok && (out->row_ptr = rn_calloc(n + 1, sizeof *out->row_ptr, err));
    double scale = 1.0 / sqrt((double)t->n_blocks);
    size_t cap = 0;
    for (size_t i = 0; ok && i < n; i++) {
        size_t col0 = 0;
        out->row_ptr[i + 1] = out->row_ptr[i];
        for (size_t b = 0; ok && b < t->n_blocks; b++) {
            const Block *bl = &t->blocks[b];
            ok = kept_terms(&lists[b], i, &d, err) &&
                 append_block(t, bl, col0, scale, d.ids, d.counts, d.n, out, &cap, err);
            col0 += bl->terms.n;
        }
        out->n_rows++;
    }
    doc_terms_free(&d);
    for (size_t b = 0; b < 2; b++)
        doc_lists_free(&lists[b]);
    if (!ok) {
        rn_csr_free(out);
        rn_tfidf_free(t);
        return NULL;
    }
    return t;
}

bool rn_tfidf_transform(const RnTfidf *t, const char *const *docs, size_t n, RnCsr *out,
                        RnError **err)
{
    memset(out, 0, sizeof *out);
    out->n_cols = rn_tfidf_features(t);
    out->row_ptr = rn_calloc(n + 1, sizeof *out->row_ptr, err);
    if (!out->row_ptr)
        return false;
    double scale = 1.0 / sqrt((double)t->n_blocks);
    DocTerms d = {0};
    size_t cap = 0;
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        size_t col0 = 0;
        out->row_ptr[i + 1] = out->row_ptr[i];
        for (size_t b = 0; ok && b < t->n_blocks; b++) {
            ok = transform_block(t, &t->blocks[b], col0, scale, docs[i] ? docs[i] : "", &d,
                                 out, &cap, err);
            col0 += t->blocks[b].terms.n;
        }
        out->n_rows++;
    }
    doc_terms_free(&d);
    if (!ok)
        rn_csr_free(out);
    return ok;
}

/* ---- payload ------------------------------------------------------------- */

bool rn_tfidf_save(const RnTfidf *t, RnBuf *out, RnError **err)
{
    const RnTfidfOptions *o = &t->opt;
    bool ok = eb_put_u32(out, (uint32_t)o->word_min_n, err) &&
              eb_put_u32(out, (uint32_t)o->word_max_n, err) &&
              eb_put_u32(out, (uint32_t)o->char_min_n, err) &&
              eb_put_u32(out, (uint32_t)o->char_max_n, err) &&
              eb_put_u32(out, o->min_df, err) && eb_put_u32(out, o->max_features, err) &&
              eb_put_u32(out, o->sublinear_tf, err);
    for (size_t b = 0; ok && b < t->n_blocks; b++) {
        const Block *bl = &t->blocks[b];
        ok = eb_put_u64(out, bl->terms.n, err);
        for (size_t j = 0; ok && j < bl->terms.n; j++)
            ok = eb_put_str(out, rn_strmap_key(&bl->terms, j), err) &&
                 eb_put_f32(out, bl->idf[j], err);
    }
    return ok;
}

static bool load_block(Block *b, EbReader *r, RnError **err)
{
    size_t n;
    /* each term takes at least 8 bytes (length + idf) */
    if (!eb_get_size(r, 0, (r->n - r->pos) / 8, &n, err))
        return false;
    b->idf = rn_calloc(n ? n : 1, sizeof *b->idf, err);
    if (!b->idf)
        return false;
    for (size_t j = 0; j < n; j++) {
        char *term = eb_get_str(r, MAX_TERM_BYTES, err);
        if (!term)
            return false;
        bool ok = eb_get_f32(r, &b->idf[j], err);
        int64_t id = ok ? rn_strmap_find(&b->terms, term, strlen(term), true, err) : -2;
        free(term);
        if (id != (int64_t)j) {
            rn_error_set(err, RN_ERROR_PARSE, "tfidf model: duplicate or bad term");
            return false;
        }
    }
    return true;
}

RnTfidf *rn_tfidf_load(const uint8_t *p, size_t n, size_t *pos, RnError **err)
{
    EbReader r;
    eb_reader_init(&r, p, n);
    r.pos = *pos;
    RnTfidf *t = rn_calloc(1, sizeof *t, err);
    if (!t)
        return NULL;
    uint32_t v[7];
    bool ok = true;
    for (int i = 0; ok && i < 7; i++)
        ok = eb_get_u32(&r, &v[i], err);
    if (ok) {
        t->opt = (RnTfidfOptions){(int)(v[0] & 0xFF), (int)(v[1] & 0xFF), (int)(v[2] & 0xFF),
                                  (int)(v[3] & 0xFF), v[4], v[5], v[6] != 0};
        ok = v[0] <= MAX_NGRAM && v[1] <= MAX_NGRAM && v[2] <= MAX_NGRAM &&
             v[3] <= MAX_NGRAM && v[6] <= 1 && options_valid(&t->opt, err);
        if (!ok)
            rn_error_set(err, RN_ERROR_PARSE, "tfidf model: bad options");
    }
    if (ok)
        setup_blocks(t);
    for (size_t b = 0; ok && b < t->n_blocks; b++)
        ok = load_block(&t->blocks[b], &r, err);
    if (!ok) {
        rn_tfidf_free(t);
        return NULL;
    }
    *pos = r.pos;
    return t;
}
