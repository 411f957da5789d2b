/* Imputation of missing numeric metadata features: see meta_impute.h. */
#include "embed/meta_impute.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void rn_meta_impute_free(RnMetaImpute *m)
{
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

bool rn_meta_impute_fit(RnMetaImpute *m, RnMetaImputer kind, double *X, size_t n, size_t d,
                        const bool *numeric, RnError **err)
{
    if (!alloc(m, d, err))
        return false;
    m->kind = kind;
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
    rn_meta_impute_apply(m, X, n);
    return true;
}

void rn_meta_impute_apply(const RnMetaImpute *m, double *X, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m->d; j++)
            if (isnan(X[i * m->d + j]))
                X[i * m->d + j] = m->mean[j];
}

bool rn_meta_impute_save(const RnMetaImpute *m, RnBuf *out, RnError **err)
{
    bool ok = eb_put_u32(out, (uint32_t)m->kind, err);
    for (size_t j = 0; ok && j < m->d; j++)
        ok = eb_put_u32(out, m->numeric[j], err) && eb_put_f32(out, (float)m->mean[j], err);
    return ok;
}

bool rn_meta_impute_load(RnMetaImpute *m, EbReader *r, size_t d, RnError **err)
{
    uint32_t kind;
    if (!eb_get_u32(r, &kind, err) || !alloc(m, d, err))
        return false;
    if (kind != RN_META_IMPUTE_MEAN) {
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
    return true;
}
