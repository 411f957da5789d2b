/* TF-IDF + LSA over item texts: see text_lsa.h. */
#include "embed/text_lsa.h"

#include "embed/blob.h"
#include "embed/embed_internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_COMPONENTS 4096u

struct RnTextLsa {
    RnTextOptions text;
    RnTfidf *tfidf;
    size_t k;            /* LSA components */
    size_t V;            /* TF-IDF features */
    size_t ld;           /* k rounded up to a multiple of 8 */
    float *proj;         /* V × ld: the components, transposed, zero-padded, in
                          * panels (rn_panel_index) for rn_csr_f32_mul_panel */
};

static size_t padded(size_t k)
{
    return (k + 7) / 8 * 8;
}

static const char *const known_options[] = {
    RN_TEXT_OPTION_KEYS, "words", "char_min", "char_max", "min_df", "max_features",
    "iters", NULL,
};

typedef struct LsaSettings {
    RnTextOptions text;
    RnTfidfOptions tfidf;
    uint64_t iters;
} LsaSettings;

static bool read_settings(const char *opt, LsaSettings *s, RnError **err)
{
    /* word unigrams + bigrams and char_wb 3–5-grams: the char block keeps
     * typos and inflections close without a hand-made word list */
    uint64_t words = 2, cmin = 3, cmax = 5, min_df = 2, max_feat = 20000;
    /* 2 power iterations keep 99 % of what 5 explain (bench/RESULTS.md, "LSA
     * of 10^5 reports") at 6 sparse products instead of 12 */
    s->iters = 2;
    bool ok = eb_options_check(opt, known_options, err) &&
              rn_text_options_read(opt, &s->text, err) &&
              eb_option_u64(opt, "words", 0, 4, &words, err) &&
              eb_option_u64(opt, "char_min", 0, 8, &cmin, err) &&
              eb_option_u64(opt, "char_max", 0, 8, &cmax, err) &&
              eb_option_u64(opt, "min_df", 1, UINT32_MAX, &min_df, err) &&
              eb_option_u64(opt, "max_features", 0, UINT32_MAX, &max_feat, err) &&
              eb_option_u64(opt, "iters", 0, 50, &s->iters, err);
    if (!ok)
        return false;
    if (cmax == 0)
        cmin = 0;
    s->tfidf = (RnTfidfOptions){words ? 1 : 0, (int)words, (int)cmin, (int)cmax,
                                (uint32_t)min_df, (uint32_t)max_feat, true};
    return true;
}

void rn_text_lsa_free(RnTextLsa *m)
{
    if (!m)
        return;
    rn_tfidf_free(m->tfidf);
    free(m->proj);
    free(m);
}

/* Fits the LSA projection on X, the matrix of the non-empty documents. */
static bool fit_projection(RnTextLsa *m, const RnCsr *X, size_t want, uint64_t iters,
                           uint64_t seed, int threads, RnError **err)
{
    size_t n_docs = X->n_rows;
    size_t k = want;
    size_t cap = n_docs < m->V ? n_docs : m->V;
    if (k > cap)
        k = cap;
    m->k = k;
    m->ld = padded(k);
    bool ok = true;
    if (k) {
        double *comps = rn_calloc(k, m->V * sizeof(double), err);
        double *sigma = comps ? rn_calloc(k, sizeof(double), err) : NULL;
        m->proj = sigma ? rn_calloc(m->V, m->ld * sizeof(float), err) : NULL;
        ok = m->proj && rn_sparse_randomized_svd(X, k, 10, (int)iters, seed, threads, comps,
                                                  sigma, err);
        for (size_t i = 0; ok && i < k; i++)
            for (size_t j = 0; j < m->V; j++)
                m->proj[rn_panel_index(j, i, m->V, m->ld)] = (float)comps[i * m->V + j];
        free(comps);
        free(sigma);
    }
    return ok;
}

RnTextLsa *rn_text_lsa_fit(RnItemTextFn text, const RnEmbedItem *sample, size_t n,
                           const RnEmbedParams *p, size_t default_dim, size_t *dim,
                           RnError **err)
{
    LsaSettings s;
    if (!read_settings(p ? p->options : NULL, &s, err))
        return NULL;
    size_t want = p && p->dim ? p->dim : default_dim;
    if (want < 1 || want > MAX_COMPONENTS + 1) {
        rn_error_set(err, RN_ERROR_INVALID, "text dimension must be 1..%u", MAX_COMPONENTS + 1);
        return NULL;
    }
    RnTextLsa *m = rn_calloc(1, sizeof *m, err);
    char **docs = m ? rn_text_items(text, &s.text, sample, n, err) : NULL;
    if (!docs) {
        free(m);
        return NULL;
    }
    m->text = s.text;
    /* only documents with tokens define the vocabulary and the subspace */
    const char **present = rn_calloc(n ? n : 1, sizeof *present, err);
    size_t n_docs = 0;
    for (size_t i = 0; present && i < n; i++)
        if (docs[i])
            present[n_docs++] = docs[i];
    RnCsr X = {0};
    bool ok = present && (m->tfidf = rn_tfidf_fit_transform(present, n_docs, &s.tfidf, &X, err));
    if (ok) {
        m->V = rn_tfidf_features(m->tfidf);
        ok = fit_projection(m, &X, want - 1, s.iters, p ? p->seed : 0, p ? p->threads : 0, err);
    }
    rn_csr_free(&X);
    free(present);
    rn_text_items_free(docs, n);
    if (!ok) {
        rn_text_lsa_free(m);
        return NULL;
    }
    *dim = m->k + 1;
    return m;
}

/* X's values in float32, for the projection kernel (row_ptr and col are
 * borrowed from X). */
static bool csr_as_f32(const RnCsr *X, RnCsrF32 *F, RnError **err)
{
    size_t nnz = X->row_ptr[X->n_rows];
    *F = (RnCsrF32){X->n_rows, X->n_cols, X->row_ptr, X->col, NULL};
    F->val = rn_calloc(nnz ? nnz : 1, sizeof *F->val, err);
    for (size_t q = 0; F->val && q < nnz; q++)
        F->val[q] = (float)X->val[q];
    return F->val != NULL;
}

bool rn_text_lsa_transform(const RnTextLsa *m, RnItemTextFn text, const RnEmbedItem *items,
                           size_t n, float *out, RnError **err)
{
    char **docs = rn_text_items(text, &m->text, items, n, err);
    if (!docs)
        return false;
    RnCsr X;
    RnCsrF32 F = {0};
    bool ok = rn_tfidf_transform(m->tfidf, (const char *const *)docs, n, &X, err);
    size_t k = m->k, d = k + 1, ld = m->ld;
    float *Y = ok && k ? rn_calloc(n ? n : 1, ld * sizeof *Y, err) : NULL;
    ok = ok && (k == 0 || (Y && csr_as_f32(&X, &F, err)));
    for (size_t c = 0; ok && c < ld; c += 32) {
        size_t w = ld - c < 32 ? ld - c : 32;
        rn_csr_f32_mul_panel(&F, m->proj + c * m->V, w, Y + c * n, 0, n);
    }
    for (size_t i = 0; ok && i < n; i++) {
        float *row = out + i * d;
        for (size_t j = 0; j < k; j++)
            row[j] = Y[rn_panel_index(i, j, n, ld)];
        /* no text, or no term of the fitted vocabulary: the indicator */
        row[k] = (docs[i] == NULL || X.row_ptr[i] == X.row_ptr[i + 1]) ? 1.0f : 0.0f;
    }
    free(F.val);
    free(Y);
    rn_csr_free(&X); /* zeroed by rn_tfidf_transform even when it fails */
    rn_text_items_free(docs, n);
    return ok;
}

bool rn_text_lsa_save(const RnTextLsa *m, RnBuf *out, RnError **err)
{
    bool ok = rn_text_options_put(&m->text, out, err) && rn_tfidf_save(m->tfidf, out, err) &&
              eb_put_u64(out, m->k, err);
    for (size_t j = 0; ok && j < m->V; j++) /* V × k row-major, without the padding */
        for (size_t i = 0; ok && i < m->k; i++)
            ok = eb_put_f32(out, m->proj[rn_panel_index(j, i, m->V, m->ld)], err);
    return ok;
}

RnTextLsa *rn_text_lsa_load(const uint8_t *p, size_t n, size_t *dim, RnError **err)
{
    RnTextLsa *m = rn_calloc(1, sizeof *m, err);
    if (!m)
        return NULL;
    EbReader r;
    eb_reader_init(&r, p, n);
    bool ok = rn_text_options_get(&r, &m->text, err);
    if (ok) {
        m->tfidf = rn_tfidf_load(p, n, &r.pos, err);
        ok = m->tfidf != NULL;
    }
    if (ok) {
        m->V = rn_tfidf_features(m->tfidf);
        size_t maxk = m->V < MAX_COMPONENTS ? m->V : MAX_COMPONENTS;
        ok = eb_get_size(&r, 0, maxk, &m->k, err);
    }
    m->ld = padded(m->k);
    if (ok && m->k) {
        float *dense = eb_get_f32s_alloc(&r, m->V * m->k, err);
        m->proj = dense ? rn_calloc(m->V, m->ld * sizeof(float), err) : NULL;
        for (size_t j = 0; m->proj && j < m->V; j++)
            for (size_t i = 0; i < m->k; i++)
                m->proj[rn_panel_index(j, i, m->V, m->ld)] = dense[j * m->k + i];
        free(dense);
        ok = m->proj != NULL;
    }
    ok = ok && eb_reader_done(&r, err);
    if (!ok) {
        rn_text_lsa_free(m);
        return NULL;
    }
    *dim = m->k + 1;
    return m;
}
