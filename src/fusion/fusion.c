/* Fusion: per-source scaling, weights, missing rows, concatenation, PCA
 * (the contract is in include/radnet/fusion.h). Rows are fused on the
 * pool's threads, each row on its own (its bits depend on that row and the
 * model only); every sum over rows runs in row order on one thread, so the
 * output bits depend on the inputs only, whatever the thread count. */
#include "fusion_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const RnEnumName scale_names[] = {
    {"l2", RN_FUSION_SCALE_L2},
    {"standard", RN_FUSION_SCALE_STANDARD},
    {"zscore", RN_FUSION_SCALE_STANDARD},
};

bool rn_fusion_scale_parse(const char *name, RnFusionScale *out)
{
    int v;
    if (!rn_enum_parse(scale_names, sizeof scale_names / sizeof *scale_names, name, &v))
        return false;
    *out = (RnFusionScale)v;
    return true;
}

const char *rn_fusion_scale_name(RnFusionScale s)
{
    return rn_enum_name(scale_names, sizeof scale_names / sizeof *scale_names, (int)s);
}

/* Inputs whose "nothing here" is an explicit last-column row (a prefix
 * names every method of a source). */
static const char *const indicator_inputs[] = {
    "text-",        /* no report */
    "meta-anatomy", /* no anatomy word in the descriptive tags */
};

RnFusionMissing rn_fusion_input_missing(const char *input)
{
    for (size_t i = 0; i < sizeof indicator_inputs / sizeof *indicator_inputs; i++)
        if (strncmp(input, indicator_inputs[i], strlen(indicator_inputs[i])) == 0)
            return RN_FUSION_INDICATOR_LAST;
    return RN_FUSION_MISSING_NAN;
}

void rn_fusion_model_free(RnFusionModel *m)
{
    if (!m)
        return;
    for (size_t s = 0; s < m->n_sources; s++) {
        free(m->src[s].mean);
        free(m->src[s].inv_std);
        free(m->map[s]);
    }
    free(m->pca_mean);
    free(m->pca_components);
    free(m->refs);
    free(m->ref_present);
    free(m);
}

size_t rn_fusion_dim(const RnFusionModel *m)
{
    return m->reduce ? m->reduce : m->concat_dim;
}
size_t rn_fusion_input_count(const RnFusionModel *m) { return m->n_sources; }
const char *rn_fusion_input_name(const RnFusionModel *m, size_t i) { return m->src[i].name; }
size_t rn_fusion_input_dim(const RnFusionModel *m, size_t i) { return m->src[i].dim; }
double rn_fusion_input_weight(const RnFusionModel *m, size_t i) { return m->src[i].weight; }
RnFusionScale rn_fusion_model_scale(const RnFusionModel *m) { return m->scale; }
size_t rn_fusion_model_impute(const RnFusionModel *m) { return m->impute_k; }
double rn_fusion_model_impute_map(const RnFusionModel *m) { return m->map_lambda; }

/* ---- missing rows ------------------------------------------------------ */

/* *missing for row i of input s; false (naming source and row) for a
 * non-finite value in a row that is not entirely NaN. */
bool fu_row_missing(const RnFusionInput *in, size_t i, bool *missing, RnError **err)
{
    const RnMatrix *x = &in->x;
    size_t d = x->cols;
    if (isnan(rn_matrix_at(x, i, 0))) {
        for (size_t j = 1; j < d; j++)
            if (!isnan(rn_matrix_at(x, i, j))) {
                rn_error_set(err, RN_ERROR_PARSE,
                             "%s: row %zu is partly NaN (a missing row is NaN throughout)",
                             in->name, i);
                return false;
            }
        *missing = true;
        return true;
    }
    bool indicator = in->missing == RN_FUSION_INDICATOR_LAST && d >= 2 &&
                     rn_matrix_at(x, i, d - 1) == 1.0;
    for (size_t j = 0; j < d; j++) {
        double v = rn_matrix_at(x, i, j);
        if (!isfinite(v)) {
            rn_error_set(err, RN_ERROR_PARSE, "%s: row %zu column %zu is not finite",
                         in->name, i, j);
            return false;
        }
        if (j + 1 < d && v != 0.0)
            indicator = false;
    }
    *missing = indicator;
    return true;
}

/* ---- the fused row ------------------------------------------------------ */

/* Scratch of one row: the weighted unit blocks imputation compares
 * (missing blocks 0), per source the k nearest references so far, and per
 * source its divisor (its row's length, or sqrt(d) for standard scaling). */
typedef struct FuRow {
    double *unit;       /* concat_dim */
    size_t *nn;         /* n_sources × impute_k reference indices, nearest first */
    double *nn_d;       /* their squared distances */
    double *mapx;       /* map_pdim: a row's predictor columns */
    size_t have[RN_FUSION_MAX_INPUTS];
    double norm[RN_FUSION_MAX_INPUTS];
    bool imputed[RN_FUSION_MAX_INPUTS];
} FuRow;

static bool fu_row_open(const RnFusionModel *m, FuRow *r, RnError **err)
{
    memset(r, 0, sizeof *r);
    size_t k = m->impute_k ? m->impute_k : 1;
    r->unit = rn_calloc(m->concat_dim, sizeof *r->unit, err);
    r->nn = rn_calloc(m->n_sources * k, sizeof *r->nn, err);
    r->nn_d = rn_calloc(m->n_sources * k, sizeof *r->nn_d, err);
    r->mapx = rn_calloc(m->map_pdim ? m->map_pdim : 1, sizeof *r->mapx, err);
    return r->unit && r->nn && r->nn_d && r->mapx;
}

static void fu_row_close(FuRow *r)
{
    free(r->unit);
    free(r->nn);
    free(r->nn_d);
    free(r->mapx);
}

/* Squared distance of x and y over n values (four sums: the loop runs
 * faster; the order is fixed, so are the bits). */
static double sq_distance(const double *x, const float *y, size_t n)
{
    double s[4] = {0, 0, 0, 0};
    size_t j = 0;
    for (; j + 4 <= n; j += 4)
        for (size_t q = 0; q < 4; q++) {
            double v = x[j + q] - y[j + q];
            s[q] += v * v;
        }
    for (; j < n; j++) {
        double v = x[j] - y[j];
        s[0] += v * v;
    }
    return (s[0] + s[1]) + (s[2] + s[3]);
}

/* Offers reference j at distance d to source s's list of the k nearest
 * (ascending; a tie keeps the reference seen first, the lower index). */
static void offer(FuRow *r, size_t k, size_t s, size_t j, double d)
{
    size_t *nn = r->nn + s * k;
    double *nd = r->nn_d + s * k;
    if (r->have[s] == k && !(d < nd[k - 1]))
        return;
    size_t at = r->have[s] < k ? r->have[s]++ : k - 1;
    for (; at > 0 && d < nd[at - 1]; at--) {
        nd[at] = nd[at - 1];
        nn[at] = nn[at - 1];
    }
    nd[at] = d;
    nn[at] = j;
}

/* The blocks need[s] of a row (r->unit holds its observed blocks), each
 * as the mean of that block over the impute_k references nearest to the
 * row among those that have the source, nearness measured over every
 * other block. One pass over the references: per block its squared
 * distance, then per needed source the sum over the others. A source
 * fewer than impute_k references have stays missing. */
static void impute_row(const RnFusionModel *m, FuRow *r, const bool *need, double *out)
{
    size_t k = m->impute_k, ns = m->n_sources;
    double part[RN_FUSION_MAX_INPUTS];
    memset(r->have, 0, sizeof r->have);
    for (size_t j = 0; j < m->n_refs; j++) {
        const float *ref = m->refs + j * m->concat_dim;
        const uint8_t *present = m->ref_present + j * ns;
        double all = 0;
        for (size_t t = 0, off = 0; t < ns; off += m->src[t++].dim) {
            part[t] = fu_map_only(&m->src[t]) ? 0
                                              : sq_distance(r->unit + off, ref + off, m->src[t].dim);
            all += part[t];
        }
        for (size_t s = 0; s < ns; s++)
            if (need[s] && present[s])
                offer(r, k, s, j, all - part[s]);
    }
    for (size_t s = 0, off = 0; s < ns; off += m->src[s++].dim) {
        if (!need[s] || r->have[s] < k)
            continue;
        for (size_t c = 0; c < m->src[s].dim; c++) {
            double sum = 0;
            for (size_t q = 0; q < k; q++)
                sum += m->refs[r->nn[s * k + q] * m->concat_dim + off + c];
            out[off + c] = sum / (double)k;
        }
        r->imputed[s] = true;
    }
}

/* The centred (and standardised) blocks of row i into out, missing blocks
 * 0, each source's divisor in r->norm (0: the row sits at the mean). */
static void centred_row(const RnFusionModel *m, const RnFusionInput *inputs, size_t i,
                        const bool *missing, double *out, FuRow *r)
{
    size_t off = 0;
    for (size_t s = 0; s < m->n_sources; s++) {
        const FuSource *src = &m->src[s];
        double *o = out + off;
        off += src->dim;
        r->imputed[s] = false;
        if (missing[s]) {
            memset(o, 0, src->dim * sizeof *o);
            r->norm[s] = 0;
            continue;
        }
        double norm2 = 0;
        for (size_t j = 0; j < src->dim; j++) {
            double v = rn_matrix_at(&inputs[s].x, i, j) - src->mean[j];
            if (m->scale == RN_FUSION_SCALE_STANDARD)
                v *= src->inv_std[j];
            o[j] = v;
            norm2 += v * v;
        }
        r->norm[s] = m->scale == RN_FUSION_SCALE_L2 ? sqrt(norm2) : sqrt((double)src->dim);
    }
}

/* r->unit: the weighted unit blocks (what the references hold) of a
 * centred row, missing blocks 0; a map-only block at unit length. */
static void weighted_unit(const RnFusionModel *m, const double *centred, const bool *missing,
                          FuRow *r)
{
    size_t off = 0;
    for (size_t s = 0; s < m->n_sources; s++) {
        size_t d = m->src[s].dim;
        double f = !missing[s] && r->norm[s] > 0 ? fu_unit_weight(&m->src[s]) / r->norm[s] : 0;
        for (size_t j = 0; j < d; j++)
            r->unit[off + j] = centred[off + j] * f;
        off += d;
    }
}

/* Writes the concatenated, scaled, weighted row i into out[concat_dim]
 * (double). missing[s] tells which sources are absent (filled by the
 * caller through fu_row_missing). With impute_k, a missing block is first
 * imputed from the nearest references (its values are weighted already);
 * the blocks still missing are 0 and the present sources' weights are
 * renormalised. */
static void fuse_row(const RnFusionModel *m, const RnFusionInput *inputs, size_t i,
                     const bool *missing, double *out, FuRow *r)
{
    centred_row(m, inputs, i, missing, out, r);
    bool any_missing = false;
    for (size_t s = 0; s < m->n_sources; s++)
        any_missing |= missing[s];
    if (any_missing && m->impute_k && m->n_refs) {
        /* every block is imputed from the observed blocks only, so the
         * order of the sources does not matter: first by its group's map
         * from the pixels, else from the nearest references */
        weighted_unit(m, out, missing, r);
        size_t group = m->map_pred ? fu_map_group(m, inputs, missing, i) : FU_NO_GROUP;
        bool need[RN_FUSION_MAX_INPUTS], any_need = false;
        size_t off = 0;
        for (size_t s = 0; s < m->n_sources; off += m->src[s++].dim)
            r->imputed[s] = missing[s] && m->map_pred &&
                            fu_map_row(m, s, group, r->unit, missing, r->mapx, out + off);
        for (size_t s = 0; s < m->n_sources; s++) {
            need[s] = missing[s] && !r->imputed[s] && !fu_map_only(&m->src[s]);
            any_need |= need[s];
        }
        if (any_need)
            impute_row(m, r, need, out);
    }
    double all = 0, present = 0;
    for (size_t s = 0; s < m->n_sources; s++) {
        double w2 = m->src[s].weight * m->src[s].weight;
        all += w2;
        present += missing[s] && !r->imputed[s] ? 0 : w2;
    }
    /* Renormalise: the sources present carry the whole squared length. */
    double renorm = sqrt(all / present);
    size_t off = 0;
    for (size_t s = 0; s < m->n_sources; s++) {
        const FuSource *src = &m->src[s];
        double *o = out + off;
        off += src->dim;
        if (missing[s] && !r->imputed[s])
            continue; /* 0 already */
        if (fu_map_only(src)) {
            memset(o, 0, src->dim * sizeof *o);
            continue;
        }
        double f;
        if (r->imputed[s])
            f = renorm; /* the references' blocks carry the weight */
        else if (m->scale == RN_FUSION_SCALE_L2)
            f = r->norm[s] > 0 ? src->weight * renorm / r->norm[s] : 0; /* at the mean: 0 */
        else
            f = src->weight * renorm / r->norm[s];
        for (size_t j = 0; j < src->dim; j++)
            o[j] *= f;
    }
}

/* ---- references for imputation ----------------------------------------- */

/* Rows of the fit set every k-th, at most RN_FUSION_IMPUTE_REFS of them
 * (spread over the whole set, no random draw), as weighted unit blocks
 * with the sources each has. */
static bool fit_refs(RnFusionModel *m, const RnFusionInput *inputs, const bool *missing,
                     RnError **err)
{
    size_t n = inputs[0].x.rows, D = m->concat_dim;
    size_t nr = n < RN_FUSION_IMPUTE_REFS ? n : RN_FUSION_IMPUTE_REFS;
    m->refs = rn_calloc(nr * D, sizeof *m->refs, err);
    m->ref_present = rn_calloc(nr, m->n_sources, err);
    double *row = rn_calloc(D, sizeof *row, err);
    FuRow r;
    bool ok = fu_row_open(m, &r, err) && m->refs && m->ref_present && row;
    for (size_t j = 0; ok && j < nr; j++) {
        size_t i = fu_ref_row(j, n, nr);
        const bool *miss = missing + i * m->n_sources;
        centred_row(m, inputs, i, miss, row, &r);
        weighted_unit(m, row, miss, &r);
        for (size_t c = 0; c < D; c++)
            m->refs[j * D + c] = (float)r.unit[c];
        for (size_t s = 0; s < m->n_sources; s++)
            m->ref_present[j * m->n_sources + s] = !miss[s];
    }
    m->n_refs = ok ? nr : 0;
    fu_row_close(&r);
    free(row);
    return ok;
}

/* ---- fit ---------------------------------------------------------------- */

static bool check_inputs(const RnFusionInput *inputs, size_t n_inputs, RnError **err)
{
    if (n_inputs == 0 || n_inputs > RN_FUSION_MAX_INPUTS) {
        rn_error_set(err, RN_ERROR_INVALID, "fusion needs 1 to %u inputs, got %zu",
                     RN_FUSION_MAX_INPUTS, n_inputs);
        return false;
    }
    size_t total = 0;
    for (size_t s = 0; s < n_inputs; s++) {
        const RnFusionInput *in = &inputs[s];
        if (!in->name || !*in->name || strlen(in->name) >= FU_NAME_MAX) {
            rn_error_set(err, RN_ERROR_INVALID, "fusion input %zu: bad name", s);
            return false;
        }
        if (!rn_matrix_check(&in->x, NULL, err))
            return false;
        if (in->x.rows != inputs[0].x.rows) {
            rn_error_set(err, RN_ERROR_INVALID, "%s has %zu rows, %s has %zu",
                         in->name, in->x.rows, inputs[0].name, inputs[0].x.rows);
            return false;
        }
        if (in->x.cols == 0) {
            rn_error_set(err, RN_ERROR_INVALID, "%s has no columns", in->name);
            return false;
        }
        total += in->x.cols;
    }
    if (total > RN_FUSION_MAX_DIM) {
        rn_error_set(err, RN_ERROR_LIMIT, "fused dimension %zu exceeds %u", total,
                     RN_FUSION_MAX_DIM);
        return false;
    }
    if (inputs[0].x.rows == 0) {
        rn_error_set(err, RN_ERROR_INVALID, "fusion needs at least one row");
        return false;
    }
    return true;
}

/* Means (and inverse standard deviations) of source s over its present
 * rows; a source missing everywhere keeps mean 0, scale 0. */
static bool fit_source(FuSource *src, const RnFusionInput *in, RnFusionScale scale,
                       const bool *missing, size_t n_inputs, size_t s, RnError **err)
{
    size_t n = in->x.rows, d = in->x.cols;
    double *sum = rn_calloc(2 * d, sizeof *sum, err);
    src->mean = rn_calloc(d, sizeof *src->mean, err);
    if (scale == RN_FUSION_SCALE_STANDARD)
        src->inv_std = rn_calloc(d, sizeof *src->inv_std, err);
    if (!sum || !src->mean || (scale == RN_FUSION_SCALE_STANDARD && !src->inv_std)) {
        free(sum);
        return false;
    }
    double *sq = sum + d;
    size_t present = 0;
    for (size_t i = 0; i < n; i++) {
        if (missing[i * n_inputs + s])
            continue;
        present++;
        for (size_t j = 0; j < d; j++)
            sum[j] += rn_matrix_at(&in->x, i, j);
    }
    for (size_t j = 0; j < d && present; j++)
        src->mean[j] = (float)(sum[j] / (double)present);
    if (scale == RN_FUSION_SCALE_STANDARD) {
        for (size_t i = 0; i < n; i++) {
            if (missing[i * n_inputs + s])
                continue;
            for (size_t j = 0; j < d; j++) {
                double v = rn_matrix_at(&in->x, i, j) - src->mean[j];
                sq[j] += v * v;
            }
        }
        for (size_t j = 0; j < d && present; j++) {
            double sd = sqrt(sq[j] / (double)present);
            /* Constant columns carry nothing: kept at 0 rather than blown up. */
            src->inv_std[j] = sd > 1e-12 ? (float)(1.0 / sd) : 0.0f;
        }
    }
    free(sum);
    return true;
}

/* missing[i * n_inputs + s] for every row; false on bad values or a row
 * with every fused source missing (m's weights; map-only sources are
 * neither counted nor enough). */
bool fu_missing_table(const RnFusionModel *m, const RnFusionInput *inputs, size_t n_inputs,
                      bool **out, uint64_t *count, RnError **err)
{
    size_t fused = 0;
    for (size_t s = 0; s < n_inputs; s++)
        fused += !fu_map_only(&m->src[s]);
    size_t n = inputs[0].x.rows;
    bool *missing = rn_calloc(n, n_inputs * sizeof *missing, err);
    if (!missing)
        return false;
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) {
        size_t absent = 0;
        for (size_t s = 0; s < n_inputs; s++) {
            if (!fu_row_missing(&inputs[s], i, &missing[i * n_inputs + s], err)) {
                free(missing);
                return false;
            }
            absent += missing[i * n_inputs + s] && !fu_map_only(&m->src[s]);
        }
        if (absent == fused) {
            rn_error_set(err, RN_ERROR_PARSE, "row %zu is missing from every input", i);
            free(missing);
            return false;
        }
        c += absent;
    }
    *out = missing;
    if (count)
        *count = c;
    return true;
}

/* Rows of the fused matrix per chunk of the PCA fit and of transforms. */
#define FU_CHUNK 512u
/* Rows per pool partition of a chunk (imputation makes a row costly). */
#define FU_PART_ROWS 32u

/* Rows [first, first + rows) fused into out (rows × concat_dim), on the
 * pool's threads. */
typedef struct FuChunk {
    const RnFusionModel *m;
    const RnFusionInput *inputs;
    const bool *missing;
    size_t first;
    double *out;
} FuChunk;

static bool fuse_part(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    (void)part;
    const FuChunk *c = ctx;
    const RnFusionModel *m = c->m;
    FuRow r; /* per partition: no scratch shared between threads */
    bool ok = fu_row_open(m, &r, err);
    for (size_t i = begin; ok && i < end; i++)
        fuse_row(m, c->inputs, c->first + i, c->missing + (c->first + i) * m->n_sources,
                 c->out + i * m->concat_dim, &r);
    fu_row_close(&r);
    return ok;
}

static bool fuse_chunk(const RnFusionModel *m, const RnFusionInput *inputs,
                       const bool *missing, size_t first, size_t rows, double *out,
                       RnPool *pool, RnError **err)
{
    FuChunk c = {m, inputs, missing, first, out};
    return rn_pool_for(pool, rows, rn_part_count(rows, FU_PART_ROWS, FU_CHUNK), fuse_part,
                       &c, err);
}

/* Adds a chunk of fused rows to the running mean and scatter matrix of the
 * rows before it (seen of them): the chunk is centred on its own mean, its
 * scatter added by one GEMM, and the two means merged (Chan, Golub and
 * LeVeque's pairwise update) — one pass over the rows, as stable as two. */
static void scatter_add(double *chunk, size_t rows, size_t D, size_t seen, double *mean,
                        double *cmean, double *cov)
{
    memset(cmean, 0, D * sizeof *cmean);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < D; j++)
            cmean[j] += chunk[i * D + j];
    for (size_t j = 0; j < D; j++)
        cmean[j] /= (double)rows;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < D; j++)
            chunk[i * D + j] -= cmean[j];
    rn_blas_gemm_tn_f64(D, D, rows, 1.0, chunk, D, chunk, D, 1.0, cov, D);
    double total = (double)(seen + rows), f = (double)seen * (double)rows / total;
    for (size_t j = 0; j < D; j++)
        cmean[j] -= mean[j]; /* the means' difference */
    for (size_t a = 0; seen && a < D; a++)
        for (size_t b = 0; b < D; b++)
            cov[a * D + b] += f * cmean[a] * cmean[b];
    for (size_t j = 0; j < D; j++)
        mean[j] += cmean[j] * ((double)rows / total);
}

/* Covariance of the fused rows, eigenvectors by LAPACK's syev; the
 * components are the `reduce` largest, each with its largest-|.| loading
 * positive. Every row is fused (and imputed) once. */
static bool fit_pca(RnFusionModel *m, const RnFusionInput *inputs, const bool *missing,
                    RnPool *pool, RnError **err)
{
    size_t n = inputs[0].x.rows, D = m->concat_dim, r = m->reduce;
    double *chunk = rn_calloc(FU_CHUNK * D, sizeof *chunk, err);
    double *cov = rn_calloc(D * D, sizeof *cov, err);
    double *mean = rn_calloc(D, sizeof *mean, err);
    double *w = rn_calloc(D, sizeof *w, err);
    m->pca_mean = rn_calloc(D, sizeof *m->pca_mean, err);
    m->pca_components = rn_calloc(D * r, sizeof *m->pca_components, err);
    bool ok = chunk && cov && mean && w && m->pca_mean && m->pca_components;
    for (size_t b = 0; ok && b < n; b += FU_CHUNK) {
        size_t rows = n - b < FU_CHUNK ? n - b : FU_CHUNK;
        ok = fuse_chunk(m, inputs, missing, b, rows, chunk, pool, err);
        if (ok)
            scatter_add(chunk, rows, D, b, mean, w, cov);
    }
    if (ok && !rn_lapack_syev_f64(D, cov, D, w)) {
        rn_error_set(err, RN_ERROR_INTERNAL, "fusion PCA: eigendecomposition failed");
        ok = false;
    }
    for (size_t c = 0; ok && c < r; c++) {
        size_t col = D - 1 - c; /* eigenvalues ascend */
        size_t big = 0;
        for (size_t j = 1; j < D; j++)
            if (fabs(cov[j * D + col]) > fabs(cov[big * D + col]))
                big = j;
        double sign = cov[big * D + col] < 0 ? -1.0 : 1.0;
        for (size_t j = 0; j < D; j++)
            m->pca_components[j * r + c] = (float)(sign * cov[j * D + col]);
    }
    for (size_t j = 0; ok && j < D; j++)
        m->pca_mean[j] = (float)mean[j];
    free(chunk);
    free(cov);
    free(mean);
    free(w);
    return ok;
}

RnFusionModel *rn_fusion_fit(const RnFusionInput *inputs, size_t n_inputs,
                             const RnFusionOptions *o, RnError **err)
{
    if (!check_inputs(inputs, n_inputs, err))
        return NULL;
    if (o->scale != RN_FUSION_SCALE_L2 && o->scale != RN_FUSION_SCALE_STANDARD) {
        rn_error_set(err, RN_ERROR_INVALID, "unknown fusion scaling %d", (int)o->scale);
        return NULL;
    }
    RnFusionModel *m = rn_calloc(1, sizeof *m, err);
    if (!m)
        return NULL;
    m->scale = o->scale;
    m->n_sources = n_inputs;
    for (size_t s = 0; s < n_inputs; s++) {
        double w = o->weights ? o->weights[s] : 1.0;
        if (!fu_weight_ok(inputs[s].name, w)) {
            rn_error_set(err, RN_ERROR_INVALID,
                         "weight of %s must be > 0 (0: a pixel input only the map reads)",
                         inputs[s].name);
            rn_fusion_model_free(m);
            return NULL;
        }
        FuSource *src = &m->src[s];
        strcpy(src->name, inputs[s].name);
        src->dim = inputs[s].x.cols;
        src->missing = inputs[s].missing;
        src->weight = w;
        m->concat_dim += src->dim;
    }
    if (o->reduce > m->concat_dim) {
        rn_error_set(err, RN_ERROR_INVALID, "--reduce %zu exceeds the fused dimension %zu",
                     o->reduce, m->concat_dim);
        rn_fusion_model_free(m);
        return NULL;
    }
    if (o->impute > RN_FUSION_IMPUTE_MAX_K) {
        rn_error_set(err, RN_ERROR_INVALID, "impute from %zu neighbours: at most %u",
                     o->impute, RN_FUSION_IMPUTE_MAX_K);
        rn_fusion_model_free(m);
        return NULL;
    }
    if (!(o->impute_map >= 0) || !isfinite(o->impute_map)) {
        rn_error_set(err, RN_ERROR_INVALID, "the imputation map's ridge must be >= 0");
        rn_fusion_model_free(m);
        return NULL;
    }
    m->reduce = o->reduce;
    m->impute_k = o->impute;
    m->map_lambda = o->impute ? o->impute_map : 0; /* the map is fitted on the references */
    bool *missing = NULL;
    bool ok = fu_missing_table(m, inputs, n_inputs, &missing, NULL, err);
    for (size_t s = 0; ok && s < n_inputs; s++)
        ok = fit_source(&m->src[s], &inputs[s], m->scale, missing, n_inputs, s, err);
    if (ok && m->impute_k)
        ok = fit_refs(m, inputs, missing, err);
    if (ok && m->map_lambda > 0)
        ok = fu_fit_maps(m, inputs, missing, err);
    if (ok && m->reduce) {
        /* The pool's threads fill the cores between single-threaded GEMMs of
         * one chunk each; OpenBLAS's own threads would spin beside them. */
        int blas_threads = rn_blas_get_threads();
        rn_blas_set_threads(1);
        ok = fit_pca(m, inputs, missing, o->pool, err);
        rn_blas_set_threads(blas_threads);
    }
    free(missing);
    if (!ok) {
        rn_fusion_model_free(m);
        return NULL;
    }
    return m;
}

/* ---- transform ---------------------------------------------------------- */

static bool match_inputs(const RnFusionModel *m, const RnFusionInput *inputs,
                         size_t n_inputs, RnError **err)
{
    if (!check_inputs(inputs, n_inputs, err))
        return false;
    if (n_inputs != m->n_sources) {
        rn_error_set(err, RN_ERROR_INVALID, "the fusion model has %zu inputs, got %zu",
                     m->n_sources, n_inputs);
        return false;
    }
    for (size_t s = 0; s < n_inputs; s++)
        if (strcmp(inputs[s].name, m->src[s].name) != 0 ||
            inputs[s].x.cols != m->src[s].dim) {
            rn_error_set(err, RN_ERROR_INVALID,
                         "input %zu is %s with %zu columns; the model expects %s with %zu",
                         s, inputs[s].name, inputs[s].x.cols, m->src[s].name, m->src[s].dim);
            return false;
        }
    return true;
}

bool rn_fusion_transform_pool(const RnFusionModel *m, const RnFusionInput *inputs,
                              size_t n_inputs, RnPool *pool, float *out,
                              uint64_t *missing_rows, RnError **err)
{
    if (!match_inputs(m, inputs, n_inputs, err))
        return false;
    /* The model's missing conventions, not the caller's, decide. */
    RnFusionInput in[RN_FUSION_MAX_INPUTS];
    for (size_t s = 0; s < n_inputs; s++) {
        in[s] = inputs[s];
        in[s].missing = m->src[s].missing;
    }
    bool *missing = NULL;
    if (!fu_missing_table(m, in, n_inputs, &missing, missing_rows, err))
        return false;
    size_t n = in[0].x.rows, D = m->concat_dim, r = m->reduce;
    double *chunk = rn_calloc(FU_CHUNK * D, sizeof *chunk, err);
    double *comp = r ? rn_calloc(D * r, sizeof *comp, err) : NULL;
    double *proj = r ? rn_calloc(FU_CHUNK * r, sizeof *proj, err) : NULL;
    bool ok = chunk && (!r || (comp && proj));
    for (size_t j = 0; ok && j < D * r; j++)
        comp[j] = m->pca_components[j];
    int blas_threads = rn_blas_get_threads(); /* as in rn_fusion_fit */
    rn_blas_set_threads(1);
    for (size_t b = 0; ok && b < n; b += FU_CHUNK) {
        size_t rows = n - b < FU_CHUNK ? n - b : FU_CHUNK;
        ok = fuse_chunk(m, in, missing, b, rows, chunk, pool, err);
        if (!ok)
            break;
        if (!r) {
            for (size_t i = 0; i < rows * D; i++)
                out[b * D + i] = (float)chunk[i];
            continue;
        }
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < D; j++)
                chunk[i * D + j] -= m->pca_mean[j];
        rn_blas_gemm_nn_f64(rows, r, D, 1.0, chunk, D, comp, r, 0.0, proj, r);
        for (size_t i = 0; i < rows * r; i++)
            out[b * r + i] = (float)proj[i];
    }
    rn_blas_set_threads(blas_threads);
    free(chunk);
    free(comp);
    free(proj);
    free(missing);
    return ok;
}

bool rn_fusion_transform(const RnFusionModel *m, const RnFusionInput *inputs,
                         size_t n_inputs, float *out, uint64_t *missing_rows,
                         RnError **err)
{
    return rn_fusion_transform_pool(m, inputs, n_inputs, NULL, out, missing_rows, err);
}
