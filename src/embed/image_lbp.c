/* `lbp`: multi-scale uniform LBP (scikit-image's 'uniform' codes,
 * descriptors.h) of the thumbnail area-resampled to size×size; per scale a
 * histogram of the P+2 codes in every cell of a grid×grid layout, each
 * histogram L1-normalised then square-rooted (Hellinger), all concatenated,
 * then PCA-reduced to --dim unless pca=off. Defaults: scales 8:1, 16:2,
 * 24:3 (Ojala et al.'s three operators), a 4×4 grid on a 64² image. */
#include "embed/descriptors.h"
#include "embed/image_common.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SIDE 64u
#define DEFAULT_GRID 4u
#define DEFAULT_DIM 64u
#define MAX_RADIUS 32.0

typedef struct LbpState {
    uint32_t side;
    EbLbpLayout layout;
    EbReduced red;
} LbpState;

static const char *const lbp_options[] = {"size", "grid", "scales", "pca", NULL};

size_t eb_lbp_layout_dim(const EbLbpLayout *l)
{
    size_t bins = 0;
    for (uint32_t i = 0; i < l->n_scales; i++)
        bins += l->scales[i].P + 2;
    return bins * l->grid * l->grid;
}

/* Grid histograms of one code image, Hellinger-normalised, into out. */
static float *grid_histograms(const uint8_t *codes, uint32_t side, uint32_t grid,
                              uint32_t bins, float *out)
{
    for (uint32_t gy = 0; gy < grid; gy++)
        for (uint32_t gx = 0; gx < grid; gx++) {
            uint32_t y0 = gy * side / grid, y1 = (gy + 1) * side / grid;
            uint32_t x0 = gx * side / grid, x1 = (gx + 1) * side / grid;
            uint32_t count[EB_LBP_MAX_P + 2] = {0};
            for (uint32_t y = y0; y < y1; y++)
                for (uint32_t x = x0; x < x1; x++)
                    count[codes[(size_t)y * side + x]]++;
            double total = (double)(y1 - y0) * (x1 - x0);
            for (uint32_t b = 0; b < bins; b++)
                out[b] = total > 0 ? (float)sqrt(count[b] / total) : 0.0f;
            out += bins;
        }
    return out;
}

void eb_lbp_describe(const EbLbpLayout *l, const float *img, uint32_t side,
                     double *scratch, uint8_t *codes, float *out)
{
    for (uint32_t k = 0; k < l->n_scales; k++) {
        eb_lbp_codes(img, side, side, l->scales[k].P, l->scales[k].R, scratch, codes);
        out = grid_histograms(codes, side, l->grid, l->scales[k].P + 2, out);
    }
}

static bool lbp_chunk(const void *state, const RnEmbedItem *items, size_t n,
                      float *out, RnError **err)
{
    const LbpState *s = state;
    uint32_t in = items[0].thumb_size;
    EbResample rs;
    if (!eb_resample_init(&rs, in, s->side, err))
        return false;
    size_t px = (size_t)s->side * s->side;
    float *img = rn_malloc((px + (size_t)s->side * in) * sizeof *img, err);
    double *scratch = img ? rn_malloc(eb_lbp_scratch(s->side, EB_LBP_MAX_P) *
                                          sizeof *scratch, err)
                          : NULL;
    uint8_t *codes = scratch ? rn_malloc(px, err) : NULL;
    for (size_t i = 0; codes && i < n; i++) {
        eb_resample(&rs, items[i].thumb, img + px, img);
        eb_lbp_describe(&s->layout, img, s->side, scratch, codes,
                        out + i * s->red.feat_dim);
    }
    bool ok = codes != NULL;
    free(codes);
    free(scratch);
    free(img);
    eb_resample_free(&rs);
    return ok;
}

static bool scale_valid(uint32_t P, double R)
{
    return P >= 2 && P <= EB_LBP_MAX_P && R > 0 && R <= MAX_RADIUS;
}

bool eb_lbp_parse_scales(const char *text, const char *method, EbLbpLayout *l,
                         RnError **err)
{
    const char *p = text;
    l->n_scales = 0;
    while (*p) {
        char *end;
        errno = 0;
        unsigned long P = strtoul(p, &end, 10);
        double R = *end == ':' ? strtod(end + 1, &end) : -1;
        if (errno || l->n_scales == EB_LBP_MAX_SCALES || !scale_valid((uint32_t)P, R) ||
            P > EB_LBP_MAX_P || (*end != ';' && *end != '\0')) {
            rn_error_set(err, RN_ERROR_INVALID,
                         "%s: scales=%s: want up to %u P:R pairs separated by ';' "
                         "(2 <= P <= %u, 0 < R <= %g)",
                         method, text, EB_LBP_MAX_SCALES, EB_LBP_MAX_P, MAX_RADIUS);
            return false;
        }
        l->scales[l->n_scales++] = (EbLbpScale){(uint32_t)P, (float)R};
        p = *end ? end + 1 : end;
    }
    if (l->n_scales == 0) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: no scales", method);
        return false;
    }
    return true;
}

bool eb_lbp_layout_save(const EbLbpLayout *l, RnBuf *out, RnError **err)
{
    bool ok = eb_put_u32(out, l->grid, err) && eb_put_u32(out, l->n_scales, err);
    for (uint32_t i = 0; ok && i < l->n_scales; i++)
        ok = eb_put_u32(out, l->scales[i].P, err) && eb_put_f32(out, l->scales[i].R, err);
    return ok;
}

bool eb_lbp_layout_load(EbReader *r, uint32_t side, EbLbpLayout *l, RnError **err)
{
    if (!eb_get_u32(r, &l->grid, err) || !eb_get_u32(r, &l->n_scales, err))
        return false;
    if (l->grid < 1 || l->grid > side || l->grid > EB_LBP_MAX_GRID || l->n_scales < 1 ||
        l->n_scales > EB_LBP_MAX_SCALES) {
        rn_error_set_at(err, RN_ERROR_PARSE, r->pos, "lbp model: bad layout");
        return false;
    }
    for (uint32_t i = 0; i < l->n_scales; i++) {
        if (!eb_get_u32(r, &l->scales[i].P, err) || !eb_get_f32(r, &l->scales[i].R, err))
            return false;
        if (!scale_valid(l->scales[i].P, l->scales[i].R)) {
            rn_error_set_at(err, RN_ERROR_PARSE, r->pos, "lbp model: bad scale");
            return false;
        }
    }
    return true;
}

static void lbp_free(void *state)
{
    LbpState *s = state;
    if (s)
        eb_reduced_free(&s->red);
    free(s);
}

static void *lbp_fit(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                     size_t *dim, RnError **err)
{
    uint64_t side = DEFAULT_SIDE, grid = DEFAULT_GRID;
    bool pca = true;
    char *scales = NULL;
    uint32_t in;
    if (!eb_options_check(p->options, lbp_options, err) ||
        !eb_option_u64(p->options, "size", 8, EB_SIDE_MAX, &side, err) ||
        !eb_option_u64(p->options, "grid", 1, EB_LBP_MAX_GRID, &grid, err) ||
        !eb_option_bool(p->options, "pca", &pca, err) ||
        !eb_option_str(p->options, "scales", &scales, err) ||
        !eb_thumbs_size(sample, n, &in, err)) {
        free(scales);
        return NULL;
    }
    LbpState *s = rn_calloc(1, sizeof *s, err);
    bool ok = s && eb_lbp_parse_scales(scales ? scales : EB_LBP_DEFAULT_SCALES, "lbp",
                                       &s->layout, err);
    free(scales);
    if (ok) {
        s->side = (uint32_t)side;
        s->layout.grid = (uint32_t)grid > s->side ? s->side : (uint32_t)grid;
        s->red.feat_dim = eb_lbp_layout_dim(&s->layout);
        s->red.reduce = pca;
        ok = eb_reduced_fit(s, &s->red, lbp_chunk, sample, n, p, DEFAULT_DIM, "lbp",
                            dim, err);
    }
    if (!ok) {
        lbp_free(s);
        return NULL;
    }
    return s;
}

static bool lbp_transform(const void *state, const RnEmbedItem *items, size_t n,
                          float *out, RnError **err)
{
    const LbpState *s = state;
    return eb_reduced_transform(s, &s->red, lbp_chunk, items, n, out, err);
}

static bool lbp_save(const void *state, RnBuf *out, RnError **err)
{
    const LbpState *s = state;
    return eb_put_u32(out, s->side, err) && eb_lbp_layout_save(&s->layout, out, err) &&
           eb_reduced_save(&s->red, out, err);
}

static void *lbp_load(const uint8_t *payload, size_t n, size_t *dim, RnError **err)
{
    EbReader r;
    eb_reader_init(&r, payload, n);
    LbpState *s = rn_calloc(1, sizeof *s, err);
    if (!s)
        return NULL;
    bool ok = eb_get_u32(&r, &s->side, err);
    if (ok && (s->side < 8 || s->side > EB_SIDE_MAX)) {
        rn_error_set(err, RN_ERROR_PARSE, "lbp model: bad layout");
        ok = false;
    }
    ok = ok && eb_lbp_layout_load(&r, s->side, &s->layout, err) &&
         eb_reduced_load(&r, eb_lbp_layout_dim(&s->layout), &s->red, err) &&
         eb_reader_done(&r, err);
    if (!ok) {
        lbp_free(s);
        return NULL;
    }
    *dim = eb_reduced_dim(&s->red);
    return s;
}

static void lbp_set_threads(void *state, int threads)
{
    ((LbpState *)state)->red.threads = threads;
}

const RnEmbedMethodOps rn_embed_lbp_ops = {
    .source = RN_EMBED_IMAGE,
    .name = "lbp",
    .summary = "multi-scale uniform local binary patterns on a spatial grid, "
               "PCA-reduced (options size=64, grid=4, scales=8:1;16:2;24:3, pca=on)",
    .fit = lbp_fit,
    .transform = lbp_transform,
    .save = lbp_save,
    .load = lbp_load,
    .free = lbp_free,
    .set_threads = lbp_set_threads,
};
