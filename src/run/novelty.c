/* The pixel novelty model of `radnet run` (contract: run.h, models/novelty.json).
 *
 * Why: distance to the cluster centre in the fused space misses images that
 * are unlike anything in the archive. A non-radiology picture (noise, a
 * scanned form) gets a pixel embedding that the extractor's PCA maps near
 * the middle of the training cloud, and its metadata and text look normal,
 * so it sits well inside a cluster. Simple pixel statistics tell it apart:
 * per cell of a grid over the thumbnail, the mean (layout), the standard
 * deviation (contrast) and the mean absolute difference of neighbouring
 * pixels (fine texture: low in band-limited radiographs, scans and
 * ultrasound speckle, high in noise). Standardised per column over the
 * archive, the mean distance to the RU_NOVELTY_K nearest images of a frozen
 * reference sample is the score; the threshold is its
 * RN_RUN_OUTLIER_QUANTILE quantile over the archive (leave-one-out for the
 * reference images themselves). */
#include "run_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int ru_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double ru_quantile_sorted(const double *x, size_t n, double q)
{
    if (n == 0)
        return INFINITY;
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)pos;
    return lo + 1 < n ? x[lo] + (pos - (double)lo) * (x[lo + 1] - x[lo]) : x[n - 1];
}

/* ---- the descriptor ---------------------------------------------------------- */

void ru_novelty_descriptor(const uint8_t *thumb, uint32_t size, double out[RU_NOVELTY_DIM])
{
    const size_t g = RU_NOVELTY_GRID, cells = g * g;
    for (size_t cy = 0; cy < g; cy++)
        for (size_t cx = 0; cx < g; cx++) {
            size_t y0 = cy * size / g, y1 = (cy + 1) * size / g;
            size_t x0 = cx * size / g, x1 = (cx + 1) * size / g;
            double sum = 0, sq = 0, diff = 0;
            size_t pairs = 0, px = (y1 - y0) * (x1 - x0);
            for (size_t y = y0; y < y1; y++)
                for (size_t x = x0; x < x1; x++)
                    sum += thumb[y * size + x] / 255.0;
            double mean = px ? sum / (double)px : 0;
            for (size_t y = y0; y < y1; y++)
                for (size_t x = x0; x < x1; x++) {
                    double v = thumb[y * size + x] / 255.0;
                    sq += (v - mean) * (v - mean);
                    if (x + 1 < size) {
                        diff += fabs(thumb[y * size + x + 1] / 255.0 - v);
                        pairs++;
                    }
                    if (y + 1 < size) {
                        diff += fabs(thumb[(y + 1) * size + x] / 255.0 - v);
                        pairs++;
                    }
                }
            size_t c = cy * g + cx;
            out[c] = mean;
            out[cells + c] = px ? sqrt(sq / (double)px) : 0;
            out[2 * cells + c] = pairs ? diff / (double)pairs : 0;
        }
}

/* ---- scoring ------------------------------------------------------------------- */

/* Mean distance from the standardised descriptor z to its RU_NOVELTY_K
 * nearest reference rows, reference row `self` left out (SIZE_MAX: none). */
static double knn_score(const RuNovelty *m, const double *z, size_t self)
{
    double best[RU_NOVELTY_K];
    size_t nb = 0;
    for (size_t j = 0; j < m->m; j++) {
        if (j == self)
            continue;
        const double *r = m->ref + j * RU_NOVELTY_DIM;
        double d2 = 0;
        for (size_t t = 0; t < RU_NOVELTY_DIM; t++)
            d2 += (z[t] - r[t]) * (z[t] - r[t]);
        if (nb == RU_NOVELTY_K && d2 >= best[nb - 1])
            continue;
        size_t at = nb < RU_NOVELTY_K ? nb++ : nb - 1;
        for (; at > 0 && best[at - 1] > d2; at--)
            best[at] = best[at - 1];
        best[at] = d2;
    }
    if (nb == 0)
        return NAN;
    double s = 0;
    for (size_t i = 0; i < nb; i++)
        s += sqrt(best[i]);
    return s / (double)nb;
}

static void standardise(const RuNovelty *m, const double *desc, double *z)
{
    for (size_t t = 0; t < RU_NOVELTY_DIM; t++)
        z[t] = (desc[t] - m->mean[t]) / m->scale[t];
}

double ru_novelty_score(const RuNovelty *m, const uint8_t *thumb, uint32_t size)
{
    if (!thumb || size != m->thumb_size)
        return NAN;
    double d[RU_NOVELTY_DIM], z[RU_NOVELTY_DIM];
    ru_novelty_descriptor(thumb, size, d);
    standardise(m, d, z);
    return knn_score(m, z, SIZE_MAX);
}

/* ---- fitting ----------------------------------------------------------------------
 * Over ranks: rank 0 lists every row's thumbnail (one catalogue pass) and
 * sends the list; each rank describes and scores the rows of its partitions
 * and allgathers them. A row's descriptor and
 * score depend on that row alone, and the column statistics and the
 * reference are computed by every rank from all gathered rows in row order,
 * so the model and the scores do not depend on the number of ranks. */

typedef struct FitCtx {
    const RuNovelty *m;
    RnThumbReader *thumbs;       /* NULL: no row has a thumbnail */
    const int64_t *thumb_index;  /* per row, -1: no thumbnail */
    float *desc;                 /* n × DIM */
    bool *has;
    const size_t *ref_of;        /* row → reference index, SIZE_MAX: none */
    double *scores;
} FitCtx;

/* Rows come in catalogue order, all over thumbs.npy: read by pread, since
 * a memory map would keep every page it touched (and its neighbours)
 * resident, up to the whole file (15 GB at 10^6 images). */
static bool describe_part(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    (void)part;
    FitCtx *c = ctx;
    size_t px = (size_t)c->m->thumb_size * c->m->thumb_size;
    uint8_t *thumb = rn_malloc(px + 1, err);
    bool ok = thumb != NULL;
    for (size_t i = begin; ok && i < end; i++) {
        c->has[i] = c->thumb_index[i] >= 0;
        if (!c->has[i])
            continue;
        double d[RU_NOVELTY_DIM];
        ok = rn_thumb_reader_read(c->thumbs, c->thumb_index[i], thumb, err);
        if (ok)
            ru_novelty_descriptor(thumb, c->m->thumb_size, d);
        for (size_t k = 0; ok && k < RU_NOVELTY_DIM; k++)
            c->desc[i * RU_NOVELTY_DIM + k] = (float)d[k];
    }
    free(thumb);
    return ok;
}

static bool score_part(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    (void)part;
    (void)err;
    FitCtx *c = ctx;
    double d[RU_NOVELTY_DIM], z[RU_NOVELTY_DIM];
    for (size_t i = begin; i < end; i++) {
        if (!c->has[i]) {
            c->scores[i] = NAN;
            continue;
        }
        for (size_t t = 0; t < RU_NOVELTY_DIM; t++)
            d[t] = c->desc[i * RU_NOVELTY_DIM + t];
        standardise(c->m, d, z);
        c->scores[i] = knn_score(c->m, z, c->ref_of[i]);
    }
    return true;
}

/* Column means and standard deviations (floored at one grey level: a
 * column constant over the archive must not make any change infinite). */
static void fit_scale(RuNovelty *m, const float *desc, const bool *has, size_t n, size_t n_has)
{
    for (size_t t = 0; t < RU_NOVELTY_DIM; t++) {
        double s = 0, sq = 0;
        for (size_t i = 0; i < n; i++)
            if (has[i]) {
                s += desc[i * RU_NOVELTY_DIM + t];
                sq += (double)desc[i * RU_NOVELTY_DIM + t] * desc[i * RU_NOVELTY_DIM + t];
            }
        double mean = n_has ? s / (double)n_has : 0, var = n_has ? sq / (double)n_has - mean * mean : 0;
        double sd = sqrt(var > 0 ? var : 0);
        m->mean[t] = mean;
        m->scale[t] = sd > 1.0 / 255 ? sd : 1.0 / 255;
    }
}

/* The reference: a seeded sample of the rows that have a thumbnail. */
static bool fit_reference(RuNovelty *m, const float *desc, const bool *has, size_t n,
                          size_t n_has, uint64_t seed, size_t *ref_of, RnError **err)
{
    size_t *with = rn_calloc(n_has + 1, sizeof *with, err);
    m->m = n_has < RU_NOVELTY_REFERENCE ? n_has : RU_NOVELTY_REFERENCE;
    size_t *pick = with ? rn_calloc(m->m + 1, sizeof *pick, err) : NULL;
    m->ref = pick ? rn_calloc(m->m * RU_NOVELTY_DIM + 1, sizeof *m->ref, err) : NULL;
    RnRng rng = rn_rng_split(seed, 0x6e6f76656c747931ull);
    bool ok = m->ref && rn_rng_sample(&rng, n_has, m->m, pick, err);
    for (size_t i = 0, j = 0; ok && i < n; i++) {
        ref_of[i] = SIZE_MAX;
        if (has[i])
            with[j++] = i;
    }
    for (size_t j = 0; ok && j < m->m; j++) {
        size_t row = with[pick[j]];
        ref_of[row] = j;
        double d[RU_NOVELTY_DIM];
        for (size_t t = 0; t < RU_NOVELTY_DIM; t++)
            d[t] = desc[row * RU_NOVELTY_DIM + t];
        standardise(m, d, m->ref + j * RU_NOVELTY_DIM);
    }
    free(with);
    free(pick);
    return ok;
}

/* One catalogue pass: the thumbnail row of every row of the clustering set
 * (-1: none, or a workspace without thumbnails). */
static bool list_thumbnails(RnStore *s, size_t n, int64_t *thumb_index, RnError **err)
{
    RnImageCursor *c = rn_image_cursor_open(s, 0, err);
    if (!c)
        return false;
    bool ok = rn_image_cursor_count(c) == n;
    if (!ok)
        rn_error_set(err, RN_ERROR_INVALID, "the catalogue changed during the run");
    bool pixels = rn_store_thumb_size(s) > 0;
    RnImageRow row;
    RnError *e = NULL;
    size_t i = 0;
    while (ok && i < n && rn_image_cursor_next(c, &row, &e))
        thumb_index[i++] = pixels ? row.thumb_index : -1;
    rn_image_cursor_close(c);
    if (e) {
        rn_error_propagate(err, e);
        return false;
    }
    if (ok && i < n) {
        rn_error_set(err, RN_ERROR_INVALID, "the catalogue changed during the run");
        return false;
    }
    return ok;
}

/* thumbs.npy opened, when some row has a thumbnail. */
static bool open_thumbnails(RnStore *s, const int64_t *thumb_index, size_t n, FitCtx *c,
                            RnError **err)
{
    size_t i = 0;
    while (i < n && thumb_index[i] < 0)
        i++;
    return i == n || (c->thumbs = rn_thumb_reader_open(s, err)) != NULL;
}

/* The RN_RUN_OUTLIER_QUANTILE quantile of the finite scores. */
static bool fit_threshold(RuNovelty *m, const double *scores, size_t n, RnError **err)
{
    double *sorted = rn_calloc(n + 1, sizeof *sorted, err);
    if (!sorted)
        return false;
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(scores[i]))
            sorted[ns++] = scores[i];
    qsort(sorted, ns, sizeof *sorted, ru_cmp_double);
    m->threshold = ru_quantile_sorted(sorted, ns, RN_RUN_OUTLIER_QUANTILE);
    free(sorted);
    return true;
}

bool ru_novelty_fit(RnStore *s, RnDist *d, size_t n, uint64_t seed, RnPool *pool,
                    RuNovelty *m, double *scores, RnError **err)
{
    memset(m, 0, sizeof *m);
    m->thumb_size = rn_store_thumb_size(s);
    int64_t *thumb_index = rn_calloc(n + 1, sizeof *thumb_index, err);
    float *desc = thumb_index ? rn_calloc(n * RU_NOVELTY_DIM + 1, sizeof *desc, err) : NULL;
    bool *has = desc ? rn_calloc(n + 1, sizeof *has, err) : NULL;
    size_t *ref_of = has ? rn_calloc(n + 1, sizeof *ref_of, err) : NULL;
    FitCtx c = {.m = m, .thumb_index = thumb_index, .desc = desc, .has = has,
                .ref_of = ref_of, .scores = scores};
    size_t parts = rn_part_count(n, 256, 256), n_has = 0;
    bool ok = ref_of && (rn_dist_rank(d) != 0 || list_thumbnails(s, n, thumb_index, err)) &&
              rn_dist_bcast(d, thumb_index, n * sizeof *thumb_index, 0, err) &&
              open_thumbnails(s, thumb_index, n, &c, err) &&
              rn_dist_pool_for(d, pool, n, parts, describe_part, &c, err) &&
              rn_dist_allgather_rows(d, desc, n, parts, RU_NOVELTY_DIM * sizeof *desc, err) &&
              rn_dist_allgather_rows(d, has, n, parts, sizeof *has, err);
    for (size_t i = 0; ok && i < n; i++)
        n_has += has[i];
    if (ok)
        fit_scale(m, desc, has, n, n_has);
    ok = ok && fit_reference(m, desc, has, n, n_has, seed, ref_of, err) &&
         rn_dist_pool_for(d, pool, n, parts, score_part, &c, err) &&
         rn_dist_allgather_rows(d, scores, n, parts, sizeof *scores, err) &&
         fit_threshold(m, scores, n, err);
    rn_thumb_reader_close(c.thumbs);
    free(thumb_index);
    free(desc);
    free(has);
    free(ref_of);
    return ok;
}

void ru_novelty_free(RuNovelty *m)
{
    if (m) {
        free(m->ref);
        m->ref = NULL;
    }
}

/* ---- models/novelty.json --------------------------------------------------------- */

void ru_json_put_array(RnJsonWriter *w, const char *key, const double *x, size_t n)
{
    rn_json_key(w, key);
    rn_json_begin_array(w);
    for (size_t i = 0; i < n; i++)
        rn_json_double(w, x[i]);
    rn_json_end_array(w);
}

bool ru_novelty_json(const RuNovelty *m, RnBuf *out, RnError **err)
{
    RnJsonWriter *w = rn_json_open(out, 0, err);
    if (!w)
        return false;
    rn_json_begin_object(w);
    rn_json_kv_uint(w, "version", 1);
    rn_json_kv_uint(w, "thumb_size", m->thumb_size);
    rn_json_kv_uint(w, "grid", RU_NOVELTY_GRID);
    rn_json_kv_uint(w, "k", RU_NOVELTY_K);
    rn_json_kv_double(w, "threshold", m->threshold);
    rn_json_kv_uint(w, "reference_rows", m->m);
    ru_json_put_array(w, "mean", m->mean, RU_NOVELTY_DIM);
    ru_json_put_array(w, "scale", m->scale, RU_NOVELTY_DIM);
    ru_json_put_array(w, "reference", m->ref, m->m * RU_NOVELTY_DIM);
    rn_json_end_object(w);
    bool ok = rn_json_finish(w, err);
    rn_json_close(w);
    return ok;
}

bool ru_json_get_array(const RnJson *doc, RnJsonRef root, const char *key, double *x, size_t n)
{
    RnJsonRef a = rn_json_get(doc, root, key);
    if (rn_json_type(doc, a) != RN_JSON_ARRAY || rn_json_count(doc, a) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        RnJsonRef v = rn_json_at(doc, a, i);
        x[i] = rn_json_number(doc, v);
        if (rn_json_type(doc, v) != RN_JSON_NUMBER || !isfinite(x[i]))
            return false;
    }
    return true;
}

bool ru_json_get_uint(const RnJson *doc, RnJsonRef root, const char *key, double max,
                      size_t *out)
{
    RnJsonRef v = rn_json_get(doc, root, key);
    double x = rn_json_number(doc, v);
    if (rn_json_type(doc, v) != RN_JSON_NUMBER || !(x >= 0 && x <= max) || x != floor(x))
        return false;
    *out = (size_t)x;
    return true;
}

bool ru_novelty_parse(const char *text, size_t n, RuNovelty *m, RnError **err)
{
    memset(m, 0, sizeof *m);
    RnJson *doc = rn_json_parse(text, n, err);
    if (!doc)
        return false;
    RnJsonRef root = rn_json_root(doc), thr = rn_json_get(doc, root, "threshold");
    size_t version = 0, size = 0, grid = 0, k = 0;
    bool ok = ru_json_get_uint(doc, root, "version", 1, &version) && version == 1 &&
              ru_json_get_uint(doc, root, "thumb_size", 1 << 16, &size) &&
              ru_json_get_uint(doc, root, "grid", 64, &grid) && grid == RU_NOVELTY_GRID &&
              ru_json_get_uint(doc, root, "k", 1e6, &k) && k == RU_NOVELTY_K &&
              ru_json_get_uint(doc, root, "reference_rows", RU_NOVELTY_REFERENCE, &m->m) &&
              ru_json_get_array(doc, root, "mean", m->mean, RU_NOVELTY_DIM) &&
              ru_json_get_array(doc, root, "scale", m->scale, RU_NOVELTY_DIM);
    for (size_t t = 0; ok && t < RU_NOVELTY_DIM; t++)
        ok = m->scale[t] > 0;
    /* null: no image had a thumbnail (infinite threshold) */
    m->threshold = rn_json_type(doc, thr) == RN_JSON_NULL ? INFINITY : rn_json_number(doc, thr);
    ok = ok && (rn_json_type(doc, thr) == RN_JSON_NUMBER || rn_json_type(doc, thr) == RN_JSON_NULL);
    m->thumb_size = (uint32_t)size;
    m->ref = ok ? rn_calloc(m->m * RU_NOVELTY_DIM + 1, sizeof *m->ref, err) : NULL;
    ok = ok && m->ref && ru_json_get_array(doc, root, "reference", m->ref, m->m * RU_NOVELTY_DIM);
    if (!ok && err && !*err)
        rn_error_set(err, RN_ERROR_PARSE, "%s: not a novelty model this version wrote",
                     RN_RUN_NOVELTY);
    if (!ok)
        ru_novelty_free(m);
    rn_json_free(doc);
    return ok;
}

bool ru_novelty_load(RnStore *s, RuNovelty *m, RnError **err)
{
    char *text = NULL;
    size_t n = 0;
    bool found = false;
    memset(m, 0, sizeof *m);
    bool ok = rn_store_artifact_read(s, RN_RUN_NOVELTY, RU_ARTIFACT_MAX, &text, &n, &found, err);
    if (ok && !found) {
        rn_error_set(err, RN_ERROR_INVALID, "no %s: rerun radnet run", RN_RUN_NOVELTY);
        ok = false;
    }
    ok = ok && ru_novelty_parse(text, n, m, err);
    free(text);
    return ok;
}
