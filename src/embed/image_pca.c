/* `pca`: the thumbnail, area-downsampled to side×side, flattened and
 * projected on the principal components of the fit sample (randomized SVD,
 * pca.h). The thumbnail is downsampled first because neighbouring pixels
 * of a 128² thumbnail are nearly collinear: 32² keeps the layout and
 * intensity that separate modality and region at 1/16 of the cost
 * (bench/RESULTS.md, embed section). */
#include "embed/image_common.h"
#include "embed/pca.h"

#include <stdlib.h>

#define DEFAULT_SIDE 32u
#define DEFAULT_DIM 64u

typedef struct PcaState {
    uint32_t side;
    EbPca pca;
    int threads;
} PcaState;

static const char *const pca_options[] = {"size", "power", "oversample", NULL};

/* Fills rows (n × side²) with the downsampled thumbnails. */
static bool pixels_chunk(const void *state, const RnEmbedItem *items, size_t n,
                         float *out, RnError **err)
{
    const PcaState *s = state;
    uint32_t in = items[0].thumb_size;
    EbResample rs;
    float *tmp = NULL;
    if (!eb_resample_init(&rs, in, s->side, err))
        return false;
    tmp = rn_malloc((size_t)s->side * in * sizeof *tmp, err);
    for (size_t i = 0; tmp && i < n; i++)
        eb_resample(&rs, items[i].thumb, tmp, out + i * s->side * s->side);
    bool ok = tmp != NULL;
    free(tmp);
    eb_resample_free(&rs);
    return ok;
}

static bool project_chunk(const void *state, const RnEmbedItem *items, size_t n,
                          float *out, RnError **err)
{
    const PcaState *s = state;
    float *X = rn_malloc(n * s->pca.d * sizeof *X, err);
    bool ok = X && pixels_chunk(state, items, n, X, err);
    if (ok)
        eb_pca_project(&s->pca, X, n, s->pca.d, out, s->pca.k);
    free(X);
    return ok;
}

static void pca_free(void *state)
{
    PcaState *s = state;
    if (!s)
        return;
    eb_pca_free(&s->pca);
    free(s);
}

static void *pca_fit(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                     size_t *dim, RnError **err)
{
    uint64_t side = DEFAULT_SIDE, power = EB_PCA_POWER_ITERS, over = EB_PCA_OVERSAMPLE;
    uint32_t in;
    if (!eb_options_check(p->options, pca_options, err) ||
        !eb_option_u64(p->options, "size", 4, EB_SIDE_MAX, &side, err) ||
        !eb_option_u64(p->options, "power", 0, 30, &power, err) ||
        !eb_option_u64(p->options, "oversample", 0, 1000, &over, err) ||
        !eb_thumbs_size(sample, n, &in, err))
        return NULL;
    PcaState *s = rn_calloc(1, sizeof *s, err);
    if (!s)
        return NULL;
    s->side = (uint32_t)side;
    s->threads = p->threads;
    size_t d = (size_t)side * side, k, nd;
    float *X = NULL;
    RnPool *pool = NULL;
    bool ok = eb_pick_dim(p, DEFAULT_DIM, n - 1 < d ? n - 1 : d, "pca", &k, err) &&
              rn_mul_size(n, d, &nd) && (X = rn_malloc(nd * sizeof *X, err)) &&
              (pool = rn_pool_open(p->threads, err)) &&
              eb_for_chunks(s, pixels_chunk, sample, n, d, pool, X, err);
    EbPcaOptions o = {k, (unsigned)power, over, p->seed, pool};
    ok = ok && eb_pca_fit(X, n, d, &o, &s->pca, err);
    rn_pool_close(pool);
    free(X);
    if (!ok) {
        pca_free(s);
        return NULL;
    }
    *dim = k;
    return s;
}

static bool pca_transform(const void *state, const RnEmbedItem *items, size_t n,
                          float *out, RnError **err)
{
    const PcaState *s = state;
    uint32_t in;
    if (!eb_thumbs_size(items, n, &in, err))
        return false;
    RnPool *pool = rn_pool_open(s->threads, err);
    bool ok = pool && eb_for_chunks(s, project_chunk, items, n, s->pca.k, pool, out, err);
    rn_pool_close(pool);
    return ok;
}

static bool pca_save(const void *state, RnBuf *out, RnError **err)
{
    const PcaState *s = state;
    return eb_put_u32(out, s->side, err) && eb_pca_save(&s->pca, out, err);
}

static void *pca_load(const uint8_t *payload, size_t n, size_t *dim, RnError **err)
{
    EbReader r;
    uint32_t side;
    eb_reader_init(&r, payload, n);
    if (!eb_get_u32(&r, &side, err))
        return NULL;
    if (side < 4 || side > EB_SIDE_MAX) {
        rn_error_set(err, RN_ERROR_PARSE, "pca model: thumbnail side %u", side);
        return NULL;
    }
    PcaState *s = rn_calloc(1, sizeof *s, err);
    if (!s)
        return NULL;
    s->side = side;
    if (!eb_pca_load(&r, (size_t)side * side, &s->pca, err) ||
        !eb_reader_done(&r, err)) {
        pca_free(s);
        return NULL;
    }
    if (s->pca.d != (size_t)side * side) {
        rn_error_set(err, RN_ERROR_PARSE, "pca model: %zu inputs for side %u",
                     s->pca.d, side);
        pca_free(s);
        return NULL;
    }
    *dim = s->pca.k;
    return s;
}

static void pca_set_threads(void *state, int threads)
{
    ((PcaState *)state)->threads = threads;
}

const RnEmbedMethodOps rn_embed_pca_ops = {
    .source = RN_EMBED_IMAGE,
    .name = "pca",
    .summary = "principal components of the downsampled thumbnail "
               "(randomized SVD; options size=32, power=4, oversample=10)",
    .fit = pca_fit,
    .transform = pca_transform,
    .save = pca_save,
    .load = pca_load,
    .free = pca_free,
    .set_threads = pca_set_threads,
};
