/* Metadata method `authors`: the authors' feature pipeline
 * (meta_pipeline.h) reduced by PCA (meta_pipeline features → dim). */
#include "embed/embed_internal.h"
#include "embed/meta_pipeline.h"
#include "embed/pca.h"

#include <stdlib.h>
#include <string.h>

/* Default output: half the features (the authors' bottleneck), at most 64. */
#define AUTHORS_MAX_DEFAULT_DIM 64u

typedef struct Authors {
    RnMetaPipeline *pipe;
    EbPca pca;
    int threads;
} Authors;

static const char *const authors_options[] = {"imputer", "power", NULL};

static void authors_free(void *state)
{
    Authors *a = state;
    if (!a)
        return;
    rn_meta_pipeline_free(a->pipe);
    eb_pca_free(&a->pca);
    free(a);
}

/* Encoded, imputed, scaled features of items as float32 (n × d). */
static float *features(const RnMetaPipeline *pipe, const RnEmbedItem *items, size_t n,
                       RnError **err)
{
    size_t d = rn_meta_pipeline_features(pipe);
    double *X = rn_calloc(n ? n : 1, d * sizeof *X, err);
    float *F = X ? rn_calloc(n ? n : 1, d * sizeof *F, err) : NULL;
    bool ok = F && rn_meta_pipeline_encode(pipe, items, n, X, err);
    if (ok) {
        rn_meta_pipeline_finish(pipe, X, n);
        for (size_t i = 0; i < n * d; i++)
            F[i] = (float)X[i];
    }
    free(X);
    if (!ok) {
        free(F);
        return NULL;
    }
    return F;
}

static bool read_imputer(const char *opt, RnMetaImputer *out, RnError **err)
{
    char *name = NULL;
    if (!eb_option_str(opt, "imputer", &name, err))
        return false;
    *out = RN_META_IMPUTE_MEAN;
    bool ok = !name || strcmp(name, "mean") == 0;
    if (!ok)
        rn_error_set(err, RN_ERROR_INVALID, "unknown imputer '%s' (known: mean)", name);
    free(name);
    return ok;
}

static void *authors_fit(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                         size_t *dim, RnError **err)
{
    const char *opt = p ? p->options : NULL;
    RnMetaImputer imputer;
    uint64_t power = 4;
    if (!eb_options_check(opt, authors_options, err) || !read_imputer(opt, &imputer, err) ||
        !eb_option_u64(opt, "power", 0, 50, &power, err))
        return NULL;
    if (n < 2) {
        rn_error_set(err, RN_ERROR_INVALID, "metadata: need at least 2 items to fit");
        return NULL;
    }
    Authors *a = rn_calloc(1, sizeof *a, err);
    if (!a || !(a->pipe = rn_meta_pipeline_fit(sample, n, imputer, err))) {
        authors_free(a);
        return NULL;
    }
    size_t d = rn_meta_pipeline_features(a->pipe);
    size_t k = p && p->dim ? p->dim : (d / 2 < AUTHORS_MAX_DEFAULT_DIM ? d / 2 : AUTHORS_MAX_DEFAULT_DIM);
    if (k < 1)
        k = 1;
    size_t cap = n < d ? n : d;
    if (k > cap)
        k = cap;
    a->threads = p ? p->threads : 0;
    float *F = features(a->pipe, sample, n, err);
    EbPcaOptions po = {.k = k, .power_iters = (unsigned)power, .oversample = 10,
                       .seed = p ? p->seed : 0, .threads = a->threads};
    bool ok = F && eb_pca_fit(F, n, d, &po, &a->pca, err);
    free(F);
    if (!ok) {
        authors_free(a);
        return NULL;
    }
    *dim = a->pca.k;
    return a;
}

static bool authors_transform(const void *state, const RnEmbedItem *items, size_t n,
                              float *out, RnError **err)
{
    const Authors *a = state;
    float *F = features(a->pipe, items, n, err);
    if (!F)
        return false;
    eb_pca_project(&a->pca, F, n, a->pca.d, out, a->pca.k);
    free(F);
    return true;
}

static bool authors_save(const void *state, RnBuf *out, RnError **err)
{
    const Authors *a = state;
    return rn_meta_pipeline_save(a->pipe, out, err) && eb_pca_save(&a->pca, out, err);
}

static void *authors_load(const uint8_t *payload, size_t n, size_t *dim, RnError **err)
{
    Authors *a = rn_calloc(1, sizeof *a, err);
    if (!a)
        return NULL;
    EbReader r;
    eb_reader_init(&r, payload, n);
    bool ok = (a->pipe = rn_meta_pipeline_load(&r, err)) &&
              eb_pca_load(&r, rn_meta_pipeline_features(a->pipe), &a->pca, err) &&
              eb_reader_done(&r, err);
    if (ok && a->pca.d != rn_meta_pipeline_features(a->pipe)) {
        rn_error_set(err, RN_ERROR_PARSE, "metadata model: reducer does not fit the features");
        ok = false;
    }
    if (!ok) {
        authors_free(a);
        return NULL;
    }
    *dim = a->pca.k;
    return a;
}

static void authors_set_threads(void *state, int threads)
{
    ((Authors *)state)->threads = threads;
}

const RnEmbedMethodOps rn_embed_meta_authors = {
    .source = RN_EMBED_META,
    .name = "authors",
    .summary = "the authors' tag pipeline (drops, splits, age, one-hot, imputation, MinMax) "
               "reduced by PCA (options: imputer=mean, power=4)",
    .fit = authors_fit,
    .transform = authors_transform,
    .save = authors_save,
    .load = authors_load,
    .free = authors_free,
    .set_threads = authors_set_threads,
};
