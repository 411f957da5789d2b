/* Report-text method `doc2vec`: PV-DBOW paragraph vectors (doc2vec.h) of
 * the normalised report. Every report's vector is inferred from the frozen
 * model (identical text → identical vector, in `embed` and in `assign`);
 * identical reports of one batch (the images of an exam) are inferred once.
 * Exams with no report, or with no word of the vocabulary, get the explicit
 * "no report" indicator (last dimension 1, the rest 0). */
#include "embed/doc2vec.h"
#include "embed/embed_internal.h"
#include "embed/strmap.h"
#include "embed/text_norm.h"

#include <stdlib.h>
#include <string.h>

#define D2V_DEFAULT_DIM 64

typedef struct TextD2v {
    RnTextOptions text;
    RnD2v *model;
    int threads;
} TextD2v;

static const char *const d2v_options[] = {
    RN_TEXT_OPTION_KEYS, "epochs", "negative", "min_count", "sample", NULL,
};

static void d2v_free(void *state)
{
    TextD2v *t = state;
    if (!t)
        return;
    rn_d2v_free(t->model);
    free(t);
}

static bool read_options(const char *opt, RnTextOptions *text, RnD2vOptions *d,
                         RnError **err)
{
    uint64_t epochs = d->epochs, negative = d->negative, min_count = d->min_count;
    bool ok = eb_options_check(opt, d2v_options, err) &&
              rn_text_options_read(opt, text, err) &&
              eb_option_u64(opt, "epochs", 1, 1000, &epochs, err) &&
              eb_option_u64(opt, "negative", 1, 100, &negative, err) &&
              eb_option_u64(opt, "min_count", 1, UINT32_MAX, &min_count, err) &&
              eb_option_f64(opt, "sample", 0, 1, &d->sample, err);
    d->epochs = (unsigned)epochs;
    d->negative = (unsigned)negative;
    d->min_count = (unsigned)min_count;
    return ok;
}

static void *d2v_fit(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p, size_t *dim,
                     RnError **err)
{
    RnD2vOptions o = rn_d2v_options_default();
    TextD2v *t = rn_calloc(1, sizeof *t, err);
    if (!t || !read_options(p ? p->options : NULL, &t->text, &o, err)) {
        free(t);
        return NULL;
    }
    size_t want = p && p->dim ? p->dim : D2V_DEFAULT_DIM;
    if (want < 2) {
        rn_error_set(err, RN_ERROR_INVALID, "doc2vec: dimension must be at least 2");
        free(t);
        return NULL;
    }
    o.dim = want - 1;
    o.seed = p ? p->seed : 0;
    t->threads = p ? p->threads : 0;
    o.threads = t->threads;
    char **docs = rn_text_items(rn_text_item_report, &t->text, sample, n, err);
    const char **present = docs ? rn_calloc(n ? n : 1, sizeof *present, err) : NULL;
    size_t k = 0;
    for (size_t i = 0; present && i < n; i++)
        if (docs[i])
            present[k++] = docs[i];
    t->model = present ? rn_d2v_train(present, k, &o, NULL, err) : NULL;
    free(present);
    rn_text_items_free(docs, n);
    if (!t->model) {
        d2v_free(t);
        return NULL;
    }
    *dim = want;
    return t;
}

static bool d2v_transform(const void *state, const RnEmbedItem *items, size_t n, float *out,
                          RnError **err)
{
    const TextD2v *t = state;
    size_t vd = rn_d2v_dim(t->model), d = vd + 1;
    char **docs = rn_text_items(rn_text_item_report, &t->text, items, n, err);
    if (!docs)
        return false;
    /* distinct texts of the batch: an exam's images share one report */
    RnStrMap uniq = RN_STRMAP_INIT;
    int64_t *slot = rn_calloc(n ? n : 1, sizeof *slot, err);
    bool ok = slot != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        slot[i] = docs[i] ? rn_strmap_find(&uniq, docs[i], strlen(docs[i]), true, err) : -1;
        ok = slot[i] != -2;
    }
    const char **texts = ok ? rn_calloc(uniq.n ? uniq.n : 1, sizeof *texts, err) : NULL;
    float *vec = texts ? rn_calloc(uniq.n ? uniq.n : 1, vd * sizeof *vec, err) : NULL;
    bool *known = vec ? rn_calloc(uniq.n ? uniq.n : 1, sizeof *known, err) : NULL;
    ok = known != NULL;
    for (size_t u = 0; ok && u < uniq.n; u++)
        texts[u] = rn_strmap_key(&uniq, u);
    ok = ok && rn_d2v_infer(t->model, texts, uniq.n, t->threads, vec, known, err);
    for (size_t i = 0; ok && i < n; i++) {
        float *row = out + i * d;
        bool has = slot[i] >= 0 && known[slot[i]];
        if (has)
            memcpy(row, vec + (size_t)slot[i] * vd, vd * sizeof *row);
        else
            memset(row, 0, vd * sizeof *row);
        row[vd] = has ? 0.0f : 1.0f;
    }
    free(known);
    free(vec);
    free(texts);
    free(slot);
    rn_strmap_free(&uniq);
    rn_text_items_free(docs, n);
    return ok;
}

static bool d2v_save(const void *state, RnBuf *out, RnError **err)
{
    const TextD2v *t = state;
    return rn_text_options_put(&t->text, out, err) &&
           rn_d2v_save(t->model, out, err);
}

static void *d2v_load(const uint8_t *payload, size_t n, size_t *dim, RnError **err)
{
    TextD2v *t = rn_calloc(1, sizeof *t, err);
    if (!t)
        return NULL;
    EbReader r;
    eb_reader_init(&r, payload, n);
    bool ok = rn_text_options_get(&r, &t->text, err);
    if (ok) {
        t->model = rn_d2v_load(&r, err);
        ok = t->model && eb_reader_done(&r, err);
    }
    if (!ok) {
        d2v_free(t);
        return NULL;
    }
    *dim = rn_d2v_dim(t->model) + 1;
    return t;
}

static void d2v_set_threads(void *state, int threads)
{
    ((TextD2v *)state)->threads = threads;
}

const RnEmbedMethodOps rn_embed_text_doc2vec = {
    .source = RN_EMBED_TEXT,
    .name = "doc2vec",
    .summary = "PV-DBOW paragraph vectors of the normalised report, trained as gensim does "
               "(options: epochs=20, negative=5, min_count=2, sample=0.001, fold, stem, "
               "negation)",
    .fit = d2v_fit,
    .transform = d2v_transform,
    .save = d2v_save,
    .load = d2v_load,
    .free = d2v_free,
    .set_threads = d2v_set_threads,
};
