/* Imputation of missing numeric metadata features: see meta_impute.h. */
#include "embed/meta_impute.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MISSFOREST_MAX_ITER 100u

RnMetaImputeOptions rn_meta_impute_options_default(void)
{
    return (RnMetaImputeOptions){.kind = RN_META_IMPUTE_MEAN, .max_iter = 10,
                                 .forest = rn_forest_options_default()};
}

void rn_meta_impute_free(RnMetaImpute *m)
{
    for (size_t t = 0; m->forests && t < m->n_targets; t++)
        rn_forest_free(&m->forests[t]);
    free(m->forests);
    free(m->targets);
    free(m->numeric);
    free(m->mean);
    memset(m, 0, sizeof *m);
}

static bool alloc(RnMetaImpute *m, size_t d, RnError **err)
{
    m->d = d;
    m->numeric = rn_calloc(d ? d : 1, 1, err);
    m->mean = m->numeric ? rn_calloc(d ? d : 1, sizeof *m->mean, err) : NULL;
    return m->mean != NULL;
}

static void fill_means(const RnMetaImpute *m, double *X, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m->d; j++)
            if (isnan(X[i * m->d + j]))
                X[i * m->d + j] = m->mean[j];
}

/* ---- MissForest fit ------------------------------------------------------ */

/* Column j's missing and observed rows. */
typedef struct Target {
    size_t column;
    size_t *missing, n_missing;
    size_t *observed, n_observed;
} Target;

static int target_cmp(const void *a, const void *b)
{
    const Target *x = a, *y = b;
    if (x->n_missing != y->n_missing)
        return x->n_missing < y->n_missing ? -1 : 1;
    return (x->column > y->column) - (x->column < y->column);
}

static void targets_free(Target *t, size_t n)
{
    for (size_t i = 0; t && i < n; i++) {
        free(t[i].missing);
        free(t[i].observed);
    }
    free(t);
}

/* Numeric columns with both missing and observed rows, by increasing
 * missingness (ties by column). X still holds its NaN. */
static Target *find_targets(const double *X, size_t n, size_t d, const bool *numeric,
                            size_t *n_targets, RnError **err)
{
    Target *t = rn_calloc(d ? d : 1, sizeof *t, err);
    size_t k = 0;
    for (size_t j = 0; t && j < d; j++) {
        if (!numeric[j])
            continue;
        size_t miss = 0;
        for (size_t i = 0; i < n; i++)
            miss += isnan(X[i * d + j]) != 0;
        if (miss == 0 || miss == n)
            continue;
        Target *c = &t[k++];
        c->column = j;
        c->missing = rn_calloc(miss, sizeof *c->missing, err);
        c->observed = c->missing ? rn_calloc(n - miss, sizeof *c->observed, err) : NULL;
        if (!c->observed) {
            targets_free(t, k);
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            if (isnan(X[i * d + j]))
                c->missing[c->n_missing++] = i;
            else
                c->observed[c->n_observed++] = i;
        }
    }
    if (t)
        qsort(t, k, sizeof *t, target_cmp);
    *n_targets = k;
    return t;
}

static void forests_free(RnForest *f, size_t n)
{
    for (size_t i = 0; f && i < n; i++)
        rn_forest_free(&f[i]);
    free(f);
}

typedef struct MissForest {
    const RnMetaImputeOptions *o;
    double *X;
    size_t n, d;
    Target *targets;
    size_t n_targets;
    RnPool *pool;
} MissForest;

/* One pass over the targets; forests[t] receives target t's forest. */
static bool missforest_pass(const MissForest *mf, unsigned pass, RnForest *forests,
                            RnError **err)
{
    for (size_t t = 0; t < mf->n_targets; t++) {
        const Target *c = &mf->targets[t];
        uint64_t seed = rn_rng_stream_seed(mf->o->seed, (uint64_t)pass * mf->d + c->column);
        RnForestData data = {mf->X, mf->d, c->column, c->observed, c->n_observed};
        if (!rn_forest_fit(&forests[t], &data, &mf->o->forest, seed, mf->pool, err))
            return false;
        for (size_t i = 0; i < c->n_missing; i++) {
            double *row = mf->X + c->missing[i] * mf->d;
            row[c->column] = rn_forest_predict(&forests[t], row);
        }
    }
    return true;
}

/* Copies the imputed entries of X to (save) or from (!save) values. */
static void swap_imputed(const MissForest *mf, double *values, bool save)
{
    size_t k = 0;
    for (size_t t = 0; t < mf->n_targets; t++)
        for (size_t i = 0; i < mf->targets[t].n_missing; i++, k++) {
            double *x = &mf->X[mf->targets[t].missing[i] * mf->d + mf->targets[t].column];
            if (save)
                values[k] = *x;
            else
                *x = values[k];
        }
}

/* sum (new - old)^2 / sum new^2 over the numeric columns (missingpy's gamma). */
static double change_of(const MissForest *mf, const double *old, const bool *numeric)
{
    double diff = 0, norm = 0;
    size_t k = 0;
    for (size_t t = 0; t < mf->n_targets; t++)
        for (size_t i = 0; i < mf->targets[t].n_missing; i++, k++) {
            double x = mf->X[mf->targets[t].missing[i] * mf->d + mf->targets[t].column];
            diff += (x - old[k]) * (x - old[k]);
        }
    for (size_t i = 0; i < mf->n; i++)
        for (size_t j = 0; j < mf->d; j++)
            if (numeric[j])
                norm += mf->X[i * mf->d + j] * mf->X[i * mf->d + j];
    return norm > 0 ? diff / norm : 0;
}

static bool missforest_fit(RnMetaImpute *m, MissForest *mf, const bool *numeric,
                           RnError **err)
{
    size_t n_missing = 0;
    for (size_t t = 0; t < mf->n_targets; t++)
        n_missing += mf->targets[t].n_missing;
    double *old = rn_calloc(n_missing ? n_missing : 1, sizeof *old, err);
    RnForest *kept = rn_calloc(mf->n_targets ? mf->n_targets : 1, sizeof *kept, err);
    RnForest *next = rn_calloc(mf->n_targets ? mf->n_targets : 1, sizeof *next, err);
    bool ok = old && kept && next;
    double change_old = INFINITY;
    unsigned passes = 0;
    while (ok && passes < mf->o->max_iter) {
        swap_imputed(mf, old, true);
        ok = missforest_pass(mf, passes, next, err);
        if (!ok)
            break;
        double change = change_of(mf, old, numeric);
        if (!(change < change_old)) { /* got worse: back to the last pass */
            swap_imputed(mf, old, false);
            break;
        }
        change_old = change;
        passes++;
        RnForest *swap = kept;
        kept = next;
        next = swap;
        for (size_t t = 0; t < mf->n_targets; t++)
            rn_forest_free(&next[t]);
    }
    forests_free(next, mf->n_targets);
    free(old);
    if (!ok || passes == 0) {
        forests_free(kept, mf->n_targets);
        return ok;
    }
    m->forests = kept;
    m->passes = passes;
    return true;
}

bool rn_meta_impute_fit(RnMetaImpute *m, const RnMetaImputeOptions *o, double *X, size_t n,
                        size_t d, const bool *numeric, RnError **err)
{
    memset(m, 0, sizeof *m);
    if (!alloc(m, d, err))
        return false;
    m->kind = o->kind;
    for (size_t j = 0; j < d; j++) {
        m->numeric[j] = numeric[j];
        double sum = 0;
        size_t count = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(X[i * d + j])) {
                sum += X[i * d + j];
                count++;
            }
        m->mean[j] = (float)(count ? sum / (double)count : 0.0);
    }
    if (o->kind != RN_META_IMPUTE_MISSFOREST) {
        fill_means(m, X, n);
        return true;
    }
    if (o->max_iter > MISSFOREST_MAX_ITER) {
        rn_error_set(err, RN_ERROR_INVALID, "missforest: at most %u passes", MISSFOREST_MAX_ITER);
        return false;
    }
    MissForest mf = {.o = o, .X = X, .n = n, .d = d};
    bool ok = (mf.targets = find_targets(X, n, d, numeric, &mf.n_targets, err)) != NULL;
    fill_means(m, X, n);
    ok = ok && (m->targets = rn_calloc(mf.n_targets ? mf.n_targets : 1, sizeof *m->targets, err));
    for (size_t t = 0; ok && t < mf.n_targets; t++)
        m->targets[t] = mf.targets[t].column;
    m->n_targets = mf.n_targets;
    ok = ok && (mf.pool = rn_pool_open(o->threads, err)) && missforest_fit(m, &mf, numeric, err);
    rn_pool_close(mf.pool);
    targets_free(mf.targets, mf.n_targets);
    if (ok && (m->passes == 0 || m->n_targets == 0)) { /* nothing imputed by forests */
        m->n_targets = 0;
        m->passes = 0;
    }
    return ok;
}

/* ---- applying ------------------------------------------------------------- */

bool rn_meta_impute_apply(const RnMetaImpute *m, double *X, size_t n, RnError **err)
{
    if (m->n_targets == 0) {
        fill_means(m, X, n);
        return true;
    }
    uint8_t *missing = rn_calloc(m->n_targets, 1, err);
    if (!missing)
        return false;
    for (size_t i = 0; i < n; i++) {
        double *row = X + i * m->d;
        bool any = false;
        for (size_t t = 0; t < m->n_targets; t++)
            any |= (missing[t] = isnan(row[m->targets[t]]) != 0);
        fill_means(m, row, 1);
        for (unsigned pass = 0; any && pass < m->passes; pass++)
            for (size_t t = 0; t < m->n_targets; t++)
                if (missing[t])
                    row[m->targets[t]] = rn_forest_predict(&m->forests[t], row);
    }
    free(missing);
    return true;
}

/* ---- payload -------------------------------------------------------------------- */

bool rn_meta_impute_save(const RnMetaImpute *m, RnBuf *out, RnError **err)
{
    bool ok = eb_put_u32(out, (uint32_t)m->kind, err);
    for (size_t j = 0; ok && j < m->d; j++)
        ok = eb_put_u32(out, m->numeric[j], err) && eb_put_f32(out, (float)m->mean[j], err);
    if (!ok || m->kind == RN_META_IMPUTE_MEAN)
        return ok;
    ok = eb_put_u32(out, m->passes, err) && eb_put_u64(out, m->n_targets, err);
    for (size_t t = 0; ok && t < m->n_targets; t++)
        ok = eb_put_u64(out, m->targets[t], err) && rn_forest_save(&m->forests[t], out, err);
    return ok;
}

static bool load_forests(RnMetaImpute *m, EbReader *r, RnError **err)
{
    uint32_t passes;
    /* a target takes at least 8 + 32 bytes */
    if (!eb_get_u32(r, &passes, err) ||
        !eb_get_size(r, 0, (r->n - r->pos) / 40 < m->d ? (r->n - r->pos) / 40 : m->d,
                     &m->n_targets, err))
        return false;
    if (passes > MISSFOREST_MAX_ITER || (passes == 0) != (m->n_targets == 0)) {
        rn_error_set(err, RN_ERROR_PARSE, "metadata model: bad imputer passes");
        return false;
    }
    m->passes = passes;
    size_t n = m->n_targets;
    m->n_targets = 0; /* counts what is loaded, for free() */
    if (!(m->targets = rn_calloc(n ? n : 1, sizeof *m->targets, err)) ||
        !(m->forests = rn_calloc(n ? n : 1, sizeof *m->forests, err)))
        return false;
    for (size_t t = 0; t < n; t++) {
        if (!eb_get_size(r, 0, m->d - 1, &m->targets[t], err) ||
            !rn_forest_load(&m->forests[t], r, m->d, err))
            return false;
        m->n_targets++;
        if (!m->numeric[m->targets[t]]) {
            rn_error_set(err, RN_ERROR_PARSE, "metadata model: imputed column not numeric");
            return false;
        }
    }
    return true;
}

bool rn_meta_impute_load(RnMetaImpute *m, EbReader *r, size_t d, RnError **err)
{
    uint32_t kind;
    if (!eb_get_u32(r, &kind, err) || !alloc(m, d, err))
        return false;
    if (kind != RN_META_IMPUTE_MEAN && kind != RN_META_IMPUTE_MISSFOREST) {
        rn_error_set(err, RN_ERROR_PARSE, "metadata model: unknown imputer %u", kind);
        return false;
    }
    m->kind = (RnMetaImputer)kind;
    for (size_t j = 0; j < d; j++) {
        uint32_t num;
        float mean;
        if (!eb_get_u32(r, &num, err) || !eb_get_f32(r, &mean, err))
            return false;
        if (num > 1) {
            rn_error_set(err, RN_ERROR_PARSE, "metadata model: bad imputer flag");
            return false;
        }
        m->numeric[j] = (uint8_t)num;
        m->mean[j] = mean;
    }
    return m->kind == RN_META_IMPUTE_MEAN || load_forests(m, r, err);
}
