/* `pca`: principal components (randomized SVD, pca.h) of a per-image
 * vector of up to three parts:
 *  - the thumbnail area-downsampled to side×side (neighbouring pixels of a
 *    128² thumbnail are nearly collinear: 32² keeps the layout at 1/16 of
 *    the cost), less its mean and scaled to unit length (norm=center; l2:
 *    unit length only) so that the window's level and width, which vary by
 *    vendor and protocol, do not decide the distances;
 *  - texture: the gradient energy |dx| + |dy| of the full thumbnail,
 *    area-averaged to tsize×tsize and scaled to unit length, times the
 *    weight `texture`: the grain the downsampling averages away (noise,
 *    reconstruction kernel, speckle, grid lines) is what tells modalities
 *    apart;
 *  - hist: the square roots of the 32-bin grey-level histogram (unit
 *    length by construction: the Hellinger embedding), times `hist`.
 * Defaults from bench/RESULTS.md, "Issue 9, third pass": the three parts
 * beat the raw thumbnail on Modality and region where the paper's plain
 * pixel PCA (norm=none,texture=0,hist=0) only ties it. */
#include "embed/image_common.h"
#include "embed/pca.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SIDE 32u
#define DEFAULT_TSIZE 16u
#define DEFAULT_DIM 64u
#define DEFAULT_TEXTURE 1.0
#define DEFAULT_HIST 0.7
#define PART_WEIGHT_MAX 100.0
/* First u32 of the payload since the parts came: above any side, so the
 * older payload (side first, pixels only) is told apart. */
#define PCA_PAYLOAD_V2 0x32414350u /* "PCA2" */

/* Per-image normalisation of the pixel part (payload values). */
typedef enum PcaNorm { PCA_NORM_NONE, PCA_NORM_L2, PCA_NORM_CENTER, PCA_NORM_COUNT } PcaNorm;
static const char *const norm_names[PCA_NORM_COUNT] = {"none", "l2", "center"};
#define DEFAULT_NORM PCA_NORM_CENTER

typedef struct PcaParts {
    uint32_t side;    /* pixel part: side² values */
    uint32_t norm;    /* PcaNorm */
    float texture;    /* weight; 0 = no texture part */
    uint32_t tsize;   /* texture part: tsize² values */
    float hist;       /* weight; 0 = no histogram part */
} PcaParts;

typedef struct PcaState {
    PcaParts parts;
    EbPca pca;
    int threads;
} PcaState;

static const char *const pca_options[] = {"size", "power", "oversample", "norm",
                                          "texture", "tsize", "hist", NULL};

static size_t parts_dim(const PcaParts *p)
{
    return (size_t)p->side * p->side +
           (p->texture > 0 ? (size_t)p->tsize * p->tsize : 0) +
           (p->hist > 0 ? EB_HIST_BINS : 0);
}

/* |dx| + |dy| (forward differences, 0 past the last row/column) / 255. */
static void gradient_energy(const uint8_t *t, uint32_t s, float *g)
{
    for (uint32_t y = 0; y < s; y++)
        for (uint32_t x = 0; x < s; x++) {
            int v = t[(size_t)y * s + x];
            int dx = x + 1 < s ? abs(t[(size_t)y * s + x + 1] - v) : 0;
            int dy = y + 1 < s ? abs(t[(size_t)(y + 1) * s + x] - v) : 0;
            g[(size_t)y * s + x] = (float)(dx + dy) * (1.0f / 255.0f);
        }
}

static void subtract_mean(float *x, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    float mean = (float)(sum / (double)n);
    for (size_t i = 0; i < n; i++)
        x[i] -= mean;
}

static void scale(float *x, size_t n, float w)
{
    for (size_t i = 0; i < n; i++)
        x[i] *= w;
}

typedef struct Scratch {
    EbResample pix, tex;
    float *tmp, *grad;
} Scratch;

static void scratch_free(Scratch *sc)
{
    eb_resample_free(&sc->pix);
    eb_resample_free(&sc->tex);
    free(sc->tmp);
    free(sc->grad);
}

static bool scratch_init(Scratch *sc, const PcaParts *p, uint32_t in, RnError **err)
{
    memset(sc, 0, sizeof *sc);
    uint32_t widest = p->side > p->tsize ? p->side : p->tsize;
    bool ok = eb_resample_init(&sc->pix, in, p->side, err) &&
              eb_resample_init(&sc->tex, in, p->tsize, err) &&
              (sc->tmp = rn_malloc((size_t)widest * in * sizeof *sc->tmp, err)) &&
              (p->texture <= 0 ||
               (sc->grad = rn_malloc((size_t)in * in * sizeof *sc->grad, err)));
    if (!ok)
        scratch_free(sc);
    return ok;
}

/* One image's vector (parts_dim values). */
static void image_parts(const PcaParts *p, Scratch *sc, const uint8_t *thumb,
                        uint32_t in, float *out)
{
    size_t np = (size_t)p->side * p->side;
    eb_resample(&sc->pix, thumb, sc->tmp, out);
    if (p->norm == PCA_NORM_CENTER)
        subtract_mean(out, np);
    if (p->norm != PCA_NORM_NONE)
        eb_rows_l2(out, 1, np);
    out += np;
    if (p->texture > 0) {
        size_t nt = (size_t)p->tsize * p->tsize;
        gradient_energy(thumb, in, sc->grad);
        eb_resample_f32(&sc->tex, sc->grad, sc->tmp, out);
        eb_rows_l2(out, 1, nt);
        scale(out, nt, p->texture);
        out += nt;
    }
    if (p->hist > 0)
        eb_sqrt_histogram(thumb, (size_t)in * in, p->hist, out);
}

/* Fills rows (n × parts_dim) with the images' vectors. */
static bool pixels_chunk(const void *state, const RnEmbedItem *items, size_t n,
                         float *out, RnError **err)
{
    const PcaState *s = state;
    uint32_t in = items[0].thumb_size;
    size_t d = parts_dim(&s->parts);
    Scratch sc;
    if (!scratch_init(&sc, &s->parts, in, err))
        return false;
    for (size_t i = 0; i < n; i++)
        image_parts(&s->parts, &sc, items[i].thumb, in, out + i * d);
    scratch_free(&sc);
    return true;
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

/* norm=center (default), l2 or none. */
static bool norm_option(const char *options, uint32_t *out, RnError **err)
{
    char *name;
    if (!eb_option_str(options, "norm", &name, err))
        return false;
    *out = DEFAULT_NORM;
    bool ok = !name;
    for (uint32_t i = 0; name && i < PCA_NORM_COUNT && !ok; i++)
        if (strcmp(name, norm_names[i]) == 0) {
            *out = i;
            ok = true;
        }
    if (!ok)
        rn_error_set(err, RN_ERROR_INVALID,
                     "pca: option norm=%s: want center, l2 or none", name);
    free(name);
    return ok;
}

static void *pca_fit(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                     size_t *dim, RnError **err)
{
    uint64_t side = DEFAULT_SIDE, tsize = DEFAULT_TSIZE, power = EB_PCA_POWER_ITERS,
             over = EB_PCA_OVERSAMPLE;
    double texture = DEFAULT_TEXTURE, hist = DEFAULT_HIST;
    uint32_t norm, in;
    if (!eb_options_check(p->options, pca_options, err) ||
        !eb_option_u64(p->options, "size", 4, EB_SIDE_MAX, &side, err) ||
        !eb_option_u64(p->options, "tsize", 1, EB_SIDE_MAX, &tsize, err) ||
        !eb_option_u64(p->options, "power", 0, 30, &power, err) ||
        !eb_option_u64(p->options, "oversample", 0, 1000, &over, err) ||
        !eb_option_f64(p->options, "texture", 0.0, PART_WEIGHT_MAX, &texture, err) ||
        !eb_option_f64(p->options, "hist", 0.0, PART_WEIGHT_MAX, &hist, err) ||
        !norm_option(p->options, &norm, err) ||
        !eb_thumbs_size(sample, n, &in, err))
        return NULL;
    PcaState *s = rn_calloc(1, sizeof *s, err);
    if (!s)
        return NULL;
    s->parts = (PcaParts){(uint32_t)side, norm, (float)texture, (uint32_t)tsize,
                          (float)hist};
    s->threads = p->threads;
    size_t d = parts_dim(&s->parts), k, nd;
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
    const PcaParts *q = &s->parts;
    return eb_put_u32(out, PCA_PAYLOAD_V2, err) && eb_put_u32(out, q->side, err) &&
           eb_put_u32(out, q->norm, err) && eb_put_f32(out, q->texture, err) &&
           eb_put_u32(out, q->tsize, err) && eb_put_f32(out, q->hist, err) &&
           eb_pca_save(&s->pca, out, err);
}

/* The parts of a payload: PCA_PAYLOAD_V2 and the five fields, or (the
 * layout before the parts) the side alone, meaning plain pixels. */
static bool parts_load(EbReader *r, PcaParts *p, RnError **err)
{
    uint32_t first;
    *p = (PcaParts){.norm = PCA_NORM_NONE, .tsize = DEFAULT_TSIZE};
    if (!eb_get_u32(r, &first, err))
        return false;
    if (first != PCA_PAYLOAD_V2)
        p->side = first;
    else if (!eb_get_u32(r, &p->side, err) || !eb_get_u32(r, &p->norm, err) ||
             !eb_get_f32(r, &p->texture, err) || !eb_get_u32(r, &p->tsize, err) ||
             !eb_get_f32(r, &p->hist, err))
        return false;
    if (p->side < 4 || p->side > EB_SIDE_MAX || p->norm >= PCA_NORM_COUNT || p->tsize < 1 ||
        p->tsize > EB_SIDE_MAX || !(p->texture >= 0 && p->texture <= PART_WEIGHT_MAX) ||
        !(p->hist >= 0 && p->hist <= PART_WEIGHT_MAX)) {
        rn_error_set(err, RN_ERROR_PARSE, "pca model: bad parts (side %u, tsize %u)",
                     p->side, p->tsize);
        return false;
    }
    return true;
}

static void *pca_load(const uint8_t *payload, size_t n, size_t *dim, RnError **err)
{
    EbReader r;
    PcaParts parts;
    eb_reader_init(&r, payload, n);
    if (!parts_load(&r, &parts, err))
        return NULL;
    size_t d = parts_dim(&parts);
    PcaState *s = rn_calloc(1, sizeof *s, err);
    if (!s)
        return NULL;
    s->parts = parts;
    if (!eb_pca_load(&r, d, &s->pca, err) || !eb_reader_done(&r, err)) {
        pca_free(s);
        return NULL;
    }
    if (s->pca.d != d) {
        rn_error_set(err, RN_ERROR_PARSE, "pca model: %zu inputs for %zu values",
                     s->pca.d, d);
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
    .summary = "principal components of the downsampled thumbnail (centred, unit length), "
               "its gradient-energy map and grey-level histogram (randomized "
               "SVD; options size=32, norm=center, texture=1, tsize=16, hist=0.7, "
               "power=4, oversample=10)",
    .fit = pca_fit,
    .transform = pca_transform,
    .save = pca_save,
    .load = pca_load,
    .free = pca_free,
    .set_threads = pca_set_threads,
};
