/* Imputation by a linear map (fusion.h, RnFusionOptions.impute_map): a
 * block a row lacks is predicted from the row's pixel blocks by a ridge
 * regression fitted on the references that have both, one map per
 * Modality (the strongest column of the modality input). The pixels of one
 * modality say more about the body region than which rows look alike in
 * every block: the tags of a vendor-coded study ("CT5078") and the zeros of
 * the other missing blocks count as much as the pixels in that nearness
 * (bench/RESULTS.md, "Imputed blocks from the pixels"). The fit is a plain
 * normal-equations solve, the sums in reference order on one thread. */
#include "fusion_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Inputs whose blocks predict the others: pixels (every row with an image
 * has them). */
static const char *const predictor_inputs[] = {"image-"};
/* The input whose strongest column groups the rows: the Modality tag. */
static const char group_input[] = "meta-modality";

static bool has_prefix(const char *name, const char *const *table, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strncmp(name, table[i], strlen(table[i])) == 0)
            return true;
    return false;
}

size_t fu_ref_row(size_t j, size_t n, size_t nr)
{
    return (size_t)((uint64_t)j * n / nr); /* n < 2^52 rows: no overflow */
}

/* The group of row i: the strongest column of the group input (ties: the
 * first), 0 without one, FU_NO_GROUP where that input is missing. */
size_t fu_map_group(const RnFusionModel *m, const RnFusionInput *inputs, const bool *missing,
                    size_t i)
{
    size_t g = m->map_group;
    if (g == m->n_sources)
        return 0;
    if (missing[g])
        return FU_NO_GROUP;
    const RnMatrix *x = &inputs[g].x;
    size_t best = 0;
    for (size_t c = 1; c < x->cols; c++)
        if (rn_matrix_at(x, i, c) > rn_matrix_at(x, i, best))
            best = c;
    return best;
}

/* Which sources predict, which groups: from the inputs' names. No
 * predictor, or too many predictor columns: no maps (kNN only). */
void fu_map_layout(RnFusionModel *m)
{
    m->map_group = m->n_sources;
    m->map_groups = 1;
    m->map_pred = 0;
    size_t p = 0;
    for (size_t s = 0; s < m->n_sources; s++) {
        const FuSource *src = &m->src[s];
        if (has_prefix(src->name, predictor_inputs,
                       sizeof predictor_inputs / sizeof *predictor_inputs)) {
            m->map_pred |= 1u << s;
            p += src->dim;
        } else if (m->map_group == m->n_sources &&
                   strncmp(src->name, group_input, sizeof group_input - 1) == 0 &&
                   src->dim <= RN_FUSION_MAP_MAX_GROUPS) {
            m->map_group = s;
            m->map_groups = src->dim;
        }
    }
    if (p == 0 || p > RN_FUSION_MAP_MAX_DIM) {
        m->map_pred = 0;
        p = 0;
    }
    m->map_pdim = p + 1;
}

bool fu_weight_ok(const char *input, double w)
{
    return isfinite(w) && (w > 0 || (w == 0 && has_prefix(input, predictor_inputs,
                                                          sizeof predictor_inputs /
                                                              sizeof *predictor_inputs)));
}

bool fu_map_target(const RnFusionModel *m, size_t s)
{
    return m->map_pred && !(m->map_pred >> s & 1u) && s != m->map_group;
}

/* The predictor row [pixel blocks..., 1] of a row's weighted unit blocks
 * (a map-only block at unit length); false when a predictor block is
 * missing. */
static bool predictor_row(const RnFusionModel *m, const double *unit, const bool *missing,
                          double *x)
{
    size_t q = 0;
    for (size_t s = 0, off = 0; s < m->n_sources; off += m->src[s++].dim) {
        if (!(m->map_pred >> s & 1u))
            continue;
        if (missing[s])
            return false;
        for (size_t c = 0; c < m->src[s].dim; c++)
            x[q++] = unit[off + c];
    }
    x[q] = 1.0;
    return true;
}

/* Solves (A) w = b in place for a symmetric positive definite A (n × n,
 * lower triangle used) and `cols` right-hand sides b (n × cols): Cholesky,
 * then two triangular solves. False if A is not positive definite. */
bool fu_cholesky_solve(double *a, size_t n, double *b, size_t cols)
{
    for (size_t j = 0; j < n; j++) {
        double d = a[j * n + j];
        for (size_t k = 0; k < j; k++)
            d -= a[j * n + k] * a[j * n + k];
        if (!(d > 0))
            return false;
        a[j * n + j] = sqrt(d);
        for (size_t i = j + 1; i < n; i++) {
            double v = a[i * n + j];
            for (size_t k = 0; k < j; k++)
                v -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = v / a[j * n + j];
        }
    }
    for (size_t c = 0; c < cols; c++) {
        for (size_t i = 0; i < n; i++) { /* L y = b */
            double v = b[i * cols + c];
            for (size_t k = 0; k < i; k++)
                v -= a[i * n + k] * b[k * cols + c];
            b[i * cols + c] = v / a[i * n + i];
        }
        for (size_t i = n; i-- > 0;) { /* L^T w = y */
            double v = b[i * cols + c];
            for (size_t k = i + 1; k < n; k++)
                v -= a[k * n + i] * b[k * cols + c];
            b[i * cols + c] = v / a[i * n + i];
        }
    }
    return true;
}

/* The map of target s in group g from the references in that group that
 * have s and every predictor: (X^T X + lambda I) W = X^T Y. Fewer than
 * impute_k such references: no map (kNN). */
static void fit_one(RnFusionModel *m, size_t s, size_t g, const size_t *ref_group,
                    double *a, double *b, double *x)
{
    size_t P = m->map_pdim, d = m->src[s].dim, D = m->concat_dim, off = 0, used = 0;
    for (size_t t = 0; t < s; t++)
        off += m->src[t].dim;
    memset(a, 0, P * P * sizeof *a);
    memset(b, 0, P * d * sizeof *b);
    bool miss[RN_FUSION_MAX_INPUTS];
    double *unit = x + P;
    for (size_t j = 0; j < m->n_refs; j++) {
        const uint8_t *present = m->ref_present + j * m->n_sources;
        if (ref_group[j] != g || !present[s])
            continue;
        const float *ref = m->refs + j * D;
        for (size_t t = 0; t < m->n_sources; t++)
            miss[t] = !present[t];
        for (size_t c = 0; c < D; c++)
            unit[c] = ref[c];
        if (!predictor_row(m, unit, miss, x))
            continue;
        used++;
        for (size_t p = 0; p < P; p++) {
            for (size_t q = 0; q <= p; q++)
                a[p * P + q] += x[p] * x[q];
            for (size_t c = 0; c < d; c++)
                b[p * d + c] += x[p] * ref[off + c];
        }
    }
    if (used < m->impute_k)
        return;
    for (size_t p = 0; p < P; p++)
        a[p * P + p] += m->map_lambda;
    if (!fu_cholesky_solve(a, P, b, d))
        return; /* not positive definite in floating point (a tiny
                      * lambda): no map, the group's rows take the neighbours */
    float *w = m->map[s] + g * P * d;
    for (size_t c = 0; c < P * d; c++)
        w[c] = (float)b[c];
    m->map_have[s] |= (uint64_t)1 << g;
}

bool fu_fit_maps(RnFusionModel *m, const RnFusionInput *inputs, const bool *missing,
                 RnError **err)
{
    fu_map_layout(m);
    if (!m->map_pred || !m->n_refs)
        return true;
    size_t n = inputs[0].x.rows, P = m->map_pdim, dmax = 0;
    for (size_t s = 0; s < m->n_sources; s++)
        if (fu_map_target(m, s) && m->src[s].dim > dmax)
            dmax = m->src[s].dim;
    size_t *ref_group = rn_calloc(m->n_refs, sizeof *ref_group, err);
    double *a = rn_calloc(P * P, sizeof *a, err);
    double *b = rn_calloc(P * (dmax ? dmax : 1), sizeof *b, err);
    double *x = rn_calloc(P + m->concat_dim, sizeof *x, err);
    bool ok = ref_group && a && b && x;
    for (size_t j = 0; ok && j < m->n_refs; j++) {
        size_t i = fu_ref_row(j, n, m->n_refs);
        ref_group[j] = fu_map_group(m, inputs, missing + i * m->n_sources, i);
    }
    for (size_t s = 0; ok && s < m->n_sources; s++) {
        if (!fu_map_target(m, s))
            continue;
        /* at most 64 groups × 257 × 65536 floats: no overflow */
        m->map[s] = rn_calloc(m->map_groups * P * m->src[s].dim, sizeof *m->map[s], err);
        ok = m->map[s] != NULL;
        for (size_t g = 0; ok && g < m->map_groups; g++)
            fit_one(m, s, g, ref_group, a, b, x);
    }
    free(ref_group);
    free(a);
    free(b);
    free(x);
    return ok;
}

bool fu_map_row(const RnFusionModel *m, size_t s, size_t group, const double *unit,
                const bool *missing, double *x, double *out)
{
    if (group == FU_NO_GROUP || !(m->map_have[s] >> group & 1u) ||
        !predictor_row(m, unit, missing, x))
        return false;
    size_t P = m->map_pdim, d = m->src[s].dim;
    const float *w = m->map[s] + group * P * d;
    for (size_t c = 0; c < d; c++) {
        double v = 0;
        for (size_t p = 0; p < P; p++)
            v += x[p] * w[p * d + c];
        out[c] = v;
    }
    return true;
}
