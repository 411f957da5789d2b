/* `hoglbp`: a HOG spatial pyramid and multi-scale LBP texture of the
 * thumbnail area-resampled to size×size, each part scaled to unit length,
 * concatenated, then PCA-reduced to --dim unless pca=off.
 *
 * Why: HOG at one cell size sees the anatomy's edges at one scale and is
 * blind to texture, so it separates regions well but Modalities barely
 * better than the raw thumbnail; LBP sees texture (noise grain, CT kernels,
 * MR and ultrasound speckle) and separates Modalities. Coarse HOG cells add
 * the body's outline, which fine cells break into pieces. Unit length per
 * part makes each count the same whatever its number of values, so the PCA
 * keeps the directions of all of them. Defaults: HOG cells of 16 and 8
 * pixels (2×2-cell blocks, 9 orientations) and the lbp method's three
 * scales on a 4×4 grid, on a 64² image (bench/RESULTS.md, embed section). */
#include "embed/descriptors.h"
#include "embed/image_common.h"

#include <errno.h>
#include <stdlib.h>

#define DEFAULT_SIDE 64u
#define DEFAULT_CELLS "16;8"
#define DEFAULT_DIM 64u
#define MAX_LEVELS 4u

typedef struct HogLbpState {
    uint32_t side, n_levels;
    EbHogParams hog[MAX_LEVELS];
    EbHogPlan plan[MAX_LEVELS];
    size_t hog_dim[MAX_LEVELS];
    EbLbpLayout lbp;
    EbReduced red;
} HogLbpState;

static const char *const hoglbp_options[] = {
    "size", "cells", "block", "orientations", "grid", "scales", "pca", NULL};

static size_t hog_scratch_max(const HogLbpState *s)
{
    size_t most = 0;
    for (uint32_t l = 0; l < s->n_levels; l++) {
        size_t need = eb_hog_scratch(s->side, s->side, &s->hog[l]);
        most = need > most ? need : most;
    }
    return most;
}

static bool hoglbp_chunk(const void *state, const RnEmbedItem *items, size_t n,
                         float *out, RnError **err)
{
    const HogLbpState *s = state;
    uint32_t in = items[0].thumb_size;
    EbResample rs;
    if (!eb_resample_init(&rs, in, s->side, err))
        return false;
    size_t px = (size_t)s->side * s->side;
    size_t work = (size_t)s->side * in, hog_work = hog_scratch_max(s);
    float *img = rn_malloc((px + (work > hog_work ? work : hog_work)) * sizeof *img, err);
    double *scratch = img ? rn_malloc(eb_lbp_scratch(s->side, EB_LBP_MAX_P) *
                                          sizeof *scratch, err)
                          : NULL;
    uint8_t *codes = scratch ? rn_malloc(px, err) : NULL;
    size_t lbp_dim = eb_lbp_layout_dim(&s->lbp);
    for (size_t i = 0; codes && i < n; i++) {
        float *o = out + i * s->red.feat_dim;
        eb_resample(&rs, items[i].thumb, img + px, img);
        for (uint32_t l = 0; l < s->n_levels; l++) {
            eb_hog(&s->plan[l], img, s->side, s->side, img + px, o);
            eb_rows_l2(o, 1, s->hog_dim[l]);
            o += s->hog_dim[l];
        }
        eb_lbp_describe(&s->lbp, img, s->side, scratch, codes, o);
        eb_rows_l2(o, 1, lbp_dim);
    }
    bool ok = codes != NULL;
    free(codes);
    free(scratch);
    free(img);
    eb_resample_free(&rs);
    return ok;
}

static void hoglbp_free(void *state)
{
    HogLbpState *s = state;
    if (s)
        eb_reduced_free(&s->red);
    free(s);
}

/* Every level's descriptor length (and plan), then the total; an error
 * naming the level that does not fit. */
static bool hoglbp_layout(HogLbpState *s, RnErrorCode code, RnError **err)
{
    s->red.feat_dim = eb_lbp_layout_dim(&s->lbp);
    for (uint32_t l = 0; l < s->n_levels; l++) {
        s->hog_dim[l] = eb_hog_dim(s->side, s->side, &s->hog[l]);
        if (s->hog_dim[l] == 0 || s->hog[l].orientations > 180) {
            rn_error_set(err, code,
                         "hoglbp: %u orientations, %u-pixel cells and %u-cell blocks "
                         "do not fit a %u² image",
                         s->hog[l].orientations, s->hog[l].cell, s->hog[l].block,
                         s->side);
            return false;
        }
        eb_hog_plan_init(&s->plan[l], &s->hog[l]);
        s->red.feat_dim += s->hog_dim[l];
    }
    return true;
}

/* "C;C;..." cell sizes, 2 <= C <= EB_SIDE_MAX, at most MAX_LEVELS. */
static bool parse_cells(const char *text, HogLbpState *s, RnError **err)
{
    const char *p = text;
    s->n_levels = 0;
    while (*p) {
        char *end;
        errno = 0;
        unsigned long cell = strtoul(p, &end, 10);
        if (errno || end == p || cell < 2 || cell > EB_SIDE_MAX ||
            s->n_levels == MAX_LEVELS || (*end != ';' && *end != '\0')) {
            rn_error_set(err, RN_ERROR_INVALID,
                         "hoglbp: cells=%s: want 1 to %u cell sizes separated by ';' "
                         "(2..%u pixels)",
                         text, MAX_LEVELS, EB_SIDE_MAX);
            return false;
        }
        s->hog[s->n_levels++].cell = (uint32_t)cell;
        p = *end ? end + 1 : end;
    }
    if (s->n_levels == 0) {
        rn_error_set(err, RN_ERROR_INVALID, "hoglbp: no cell sizes");
        return false;
    }
    return true;
}

static bool read_options(const RnEmbedParams *p, HogLbpState *s, RnError **err)
{
    uint64_t side = DEFAULT_SIDE, block = 2, orient = 9, grid = 4;
    bool pca = true;
    char *cells = NULL, *scales = NULL;
    bool ok = eb_options_check(p->options, hoglbp_options, err) &&
              eb_option_u64(p->options, "size", 8, EB_SIDE_MAX, &side, err) &&
              eb_option_u64(p->options, "block", 1, EB_SIDE_MAX, &block, err) &&
              eb_option_u64(p->options, "orientations", 1, 180, &orient, err) &&
              eb_option_u64(p->options, "grid", 1, EB_LBP_MAX_GRID, &grid, err) &&
              eb_option_bool(p->options, "pca", &pca, err) &&
              eb_option_str(p->options, "cells", &cells, err) &&
              eb_option_str(p->options, "scales", &scales, err) &&
              parse_cells(cells ? cells : DEFAULT_CELLS, s, err) &&
              eb_lbp_parse_scales(scales ? scales : EB_LBP_DEFAULT_SCALES, "hoglbp",
                                  &s->lbp, err);
    free(cells);
    free(scales);
    s->side = (uint32_t)side;
    s->lbp.grid = (uint32_t)grid > s->side ? s->side : (uint32_t)grid;
    s->red.reduce = pca;
    for (uint32_t l = 0; l < s->n_levels; l++) {
        s->hog[l].orientations = (uint32_t)orient;
        s->hog[l].block = (uint32_t)block;
    }
    return ok;
}

static void *hoglbp_fit(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                        size_t *dim, RnError **err)
{
    uint32_t in;
    if (!eb_thumbs_size(sample, n, &in, err))
        return NULL;
    HogLbpState *s = rn_calloc(1, sizeof *s, err);
    if (!s)
        return NULL;
    if (!read_options(p, s, err) || !hoglbp_layout(s, RN_ERROR_INVALID, err) ||
        !eb_reduced_fit(s, &s->red, hoglbp_chunk, sample, n, p, DEFAULT_DIM, "hoglbp",
                        dim, err)) {
        hoglbp_free(s);
        return NULL;
    }
    return s;
}

static bool hoglbp_transform(const void *state, const RnEmbedItem *items, size_t n,
                             float *out, RnError **err)
{
    const HogLbpState *s = state;
    return eb_reduced_transform(s, &s->red, hoglbp_chunk, items, n, out, err);
}

static bool hoglbp_save(const void *state, RnBuf *out, RnError **err)
{
    const HogLbpState *s = state;
    bool ok = eb_put_u32(out, s->side, err) && eb_put_u32(out, s->hog[0].orientations, err) &&
              eb_put_u32(out, s->hog[0].block, err) && eb_put_u32(out, s->n_levels, err);
    for (uint32_t l = 0; ok && l < s->n_levels; l++)
        ok = eb_put_u32(out, s->hog[l].cell, err);
    return ok && eb_lbp_layout_save(&s->lbp, out, err) &&
           eb_reduced_save(&s->red, out, err);
}

static bool load_layout(EbReader *r, HogLbpState *s, RnError **err)
{
    uint32_t orient, block;
    if (!eb_get_u32(r, &s->side, err) || !eb_get_u32(r, &orient, err) ||
        !eb_get_u32(r, &block, err) || !eb_get_u32(r, &s->n_levels, err))
        return false;
    if (s->side < 8 || s->side > EB_SIDE_MAX || block > EB_SIDE_MAX ||
        s->n_levels < 1 || s->n_levels > MAX_LEVELS) {
        rn_error_set_at(err, RN_ERROR_PARSE, r->pos, "hoglbp model: bad layout");
        return false;
    }
    for (uint32_t l = 0; l < s->n_levels; l++) {
        s->hog[l] = (EbHogParams){orient, 0, block};
        if (!eb_get_u32(r, &s->hog[l].cell, err))
            return false;
        if (s->hog[l].cell < 2 || s->hog[l].cell > EB_SIDE_MAX) {
            rn_error_set_at(err, RN_ERROR_PARSE, r->pos, "hoglbp model: bad cell size");
            return false;
        }
    }
    return eb_lbp_layout_load(r, s->side, &s->lbp, err) &&
           hoglbp_layout(s, RN_ERROR_PARSE, err);
}

static void *hoglbp_load(const uint8_t *payload, size_t n, size_t *dim, RnError **err)
{
    EbReader r;
    eb_reader_init(&r, payload, n);
    HogLbpState *s = rn_calloc(1, sizeof *s, err);
    if (!s)
        return NULL;
    if (!load_layout(&r, s, err) ||
        !eb_reduced_load(&r, s->red.feat_dim, &s->red, err) || !eb_reader_done(&r, err)) {
        hoglbp_free(s);
        return NULL;
    }
    *dim = eb_reduced_dim(&s->red);
    return s;
}

static void hoglbp_set_threads(void *state, int threads)
{
    ((HogLbpState *)state)->red.threads = threads;
}

const RnEmbedMethodOps rn_embed_hoglbp_ops = {
    .source = RN_EMBED_IMAGE,
    .name = "hoglbp",
    .summary = "HOG at several cell sizes + multi-scale LBP texture, each part unit "
               "length, PCA-reduced (options size=64, cells=16;8, block=2, "
               "orientations=9, grid=4, scales=8:1;16:2;24:3, pca=on)",
    .fit = hoglbp_fit,
    .transform = hoglbp_transform,
    .save = hoglbp_save,
    .load = hoglbp_load,
    .free = hoglbp_free,
    .set_threads = hoglbp_set_threads,
};
