/* `hog`: HOG (scikit-image's definition, descriptors.h) of the thumbnail
 * area-resampled to size×size, then PCA-reduced to --dim unless pca=off.
 * Defaults (size 64, 8-pixel cells, 2×2-cell blocks, 9 orientations) are
 * Dalal–Triggs' cell and block layout on a 64² image: coarse enough that
 * the patient's position and noise matter little, fine enough to see the
 * anatomy's edges (bench/RESULTS.md, embed section).
 * hist=W (default 0.3; 0 = HOG alone, the descriptor of the paper's
 * predecessor): the HOG scaled to unit length and the square roots of the
 * 32-bin grey-level histogram, of length W, after it. Gradients are blind
 * to the grey levels, which tell modalities apart (air-filled CT, dark MR
 * background, bright radiographs); HOG alone fell below the raw thumbnail
 * on Modality (bench/RESULTS.md, "Issue 9, third pass"). */
#include "embed/descriptors.h"
#include "embed/image_common.h"

#include <stdlib.h>

#define DEFAULT_SIDE 64u
#define DEFAULT_DIM 64u
#define DEFAULT_HIST 0.3
#define HIST_WEIGHT_MAX 100.0
/* First u32 of the payload since the histogram came: above any side, so the
 * older payload (side first, HOG alone) is told apart. */
#define HOG_PAYLOAD_V2 0x32474F48u /* "HOG2" */

typedef struct HogState {
    uint32_t side;
    EbHogParams hog;
    EbHogPlan plan;
    float hist;         /* weight of the histogram part; 0 = none */
    size_t hog_dim;     /* the HOG part of red.feat_dim */
    EbReduced red;
} HogState;

static const char *const hog_options[] = {"size", "cell", "block", "orientations",
                                          "pca", "hist", NULL};

static bool hog_chunk(const void *state, const RnEmbedItem *items, size_t n,
                      float *out, RnError **err)
{
    const HogState *s = state;
    uint32_t in = items[0].thumb_size;
    EbResample rs;
    if (!eb_resample_init(&rs, in, s->side, err))
        return false;
    size_t px = (size_t)s->side * s->side;
    float *img = rn_malloc((px + (size_t)s->side * in +
                            eb_hog_scratch(s->side, s->side, &s->hog)) * sizeof *img,
                           err);
    for (size_t i = 0; img && i < n; i++) {
        float *o = out + i * s->red.feat_dim;
        eb_resample(&rs, items[i].thumb, img + px, img);
        eb_hog(&s->plan, img, s->side, s->side, img + px, o);
        if (s->hist > 0) {
            eb_rows_l2(o, 1, s->hog_dim);
            eb_sqrt_histogram(items[i].thumb, (size_t)in * in, s->hist, o + s->hog_dim);
        }
    }
    bool ok = img != NULL;
    free(img);
    eb_resample_free(&rs);
    return ok;
}

static void hog_free(void *state)
{
    HogState *s = state;
    if (s)
        eb_reduced_free(&s->red);
    free(s);
}

/* The descriptor length of a layout, or an error naming the problem. */
static bool hog_layout(HogState *s, RnErrorCode code, RnError **err)
{
    s->hog_dim = eb_hog_dim(s->side, s->side, &s->hog);
    s->red.feat_dim = s->hog_dim + (s->hist > 0 ? EB_HIST_BINS : 0);
    if (s->hog_dim == 0 || s->hog.orientations > 180) {
        rn_error_set(err, code,
                     "hog: %u orientations, %u-pixel cells and %u-cell blocks do "
                     "not fit a %u² image",
                     s->hog.orientations, s->hog.cell, s->hog.block, s->side);
        return false;
    }
    eb_hog_plan_init(&s->plan, &s->hog);
    return true;
}

static void *hog_fit(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                     size_t *dim, RnError **err)
{
    uint64_t side = DEFAULT_SIDE, cell = 8, block = 2, orient = 9;
    double hist = DEFAULT_HIST;
    bool pca = true;
    uint32_t in;
    if (!eb_options_check(p->options, hog_options, err) ||
        !eb_option_u64(p->options, "size", 8, EB_SIDE_MAX, &side, err) ||
        !eb_option_u64(p->options, "cell", 2, EB_SIDE_MAX, &cell, err) ||
        !eb_option_u64(p->options, "block", 1, EB_SIDE_MAX, &block, err) ||
        !eb_option_u64(p->options, "orientations", 1, 180, &orient, err) ||
        !eb_option_bool(p->options, "pca", &pca, err) ||
        !eb_option_f64(p->options, "hist", 0.0, HIST_WEIGHT_MAX, &hist, err) ||
        !eb_thumbs_size(sample, n, &in, err))
        return NULL;
    HogState *s = rn_calloc(1, sizeof *s, err);
    if (!s)
        return NULL;
    s->side = (uint32_t)side;
    s->hog = (EbHogParams){(uint32_t)orient, (uint32_t)cell, (uint32_t)block};
    s->red.reduce = pca;
    s->hist = (float)hist;
    if (!hog_layout(s, RN_ERROR_INVALID, err) ||
        !eb_reduced_fit(s, &s->red, hog_chunk, sample, n, p, DEFAULT_DIM, "hog", dim,
                        err)) {
        hog_free(s);
        return NULL;
    }
    return s;
}

static bool hog_transform(const void *state, const RnEmbedItem *items, size_t n,
                          float *out, RnError **err)
{
    const HogState *s = state;
    return eb_reduced_transform(s, &s->red, hog_chunk, items, n, out, err);
}

static bool hog_save(const void *state, RnBuf *out, RnError **err)
{
    const HogState *s = state;
    return eb_put_u32(out, HOG_PAYLOAD_V2, err) && eb_put_f32(out, s->hist, err) &&
           eb_put_u32(out, s->side, err) && eb_put_u32(out, s->hog.orientations, err) &&
           eb_put_u32(out, s->hog.cell, err) && eb_put_u32(out, s->hog.block, err) &&
           eb_reduced_save(&s->red, out, err);
}

static void *hog_load(const uint8_t *payload, size_t n, size_t *dim, RnError **err)
{
    EbReader r;
    eb_reader_init(&r, payload, n);
    HogState *s = rn_calloc(1, sizeof *s, err);
    if (!s)
        return NULL;
    /* "HOG2" and the histogram weight, or (older) the side first */
    uint32_t first;
    bool ok = eb_get_u32(&r, &first, err);
    if (ok && first == HOG_PAYLOAD_V2)
        ok = eb_get_f32(&r, &s->hist, err) && eb_get_u32(&r, &s->side, err);
    else
        s->side = first;
    ok = ok &&
              eb_get_u32(&r, &s->hog.orientations, err) &&
              eb_get_u32(&r, &s->hog.cell, err) && eb_get_u32(&r, &s->hog.block, err);
    if (ok && (s->side < 8 || s->side > EB_SIDE_MAX || s->hog.cell < 2 ||
               s->hog.cell > EB_SIDE_MAX || s->hog.block > EB_SIDE_MAX ||
               !(s->hist >= 0 && s->hist <= HIST_WEIGHT_MAX))) {
        rn_error_set(err, RN_ERROR_PARSE, "hog model: bad layout");
        ok = false;
    }
    ok = ok && hog_layout(s, RN_ERROR_PARSE, err) &&
         eb_reduced_load(&r, s->red.feat_dim, &s->red, err) && eb_reader_done(&r, err);
    if (!ok) {
        hog_free(s);
        return NULL;
    }
    *dim = eb_reduced_dim(&s->red);
    return s;
}

static void hog_set_threads(void *state, int threads)
{
    ((HogState *)state)->red.threads = threads;
}

const RnEmbedMethodOps rn_embed_hog_ops = {
    .source = RN_EMBED_IMAGE,
    .name = "hog",
    .summary = "histograms of oriented gradients (scikit-image's HOG) beside the "
               "grey-level histogram, PCA-reduced (options size=64, cell=8, "
               "block=2, orientations=9, hist=0.3, pca=on)",
    .fit = hog_fit,
    .transform = hog_transform,
    .save = hog_save,
    .load = hog_load,
    .free = hog_free,
    .set_threads = hog_set_threads,
};
