/* The fusion model file (format in include/radnet/fusion.h), written with
 * the embed stage's bounds-checked payload codec. */
#include "fusion_internal.h"
#include "../embed/blob.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char fusion_magic[8] = {'R', 'N', 'F', 'U', 'S', 'M', 'D', 'L'};
/* magic, version, payload length ... CRC. */
#define FU_HEADER 20u
#define FU_TRAILER 4u

static bool put_payload(const RnFusionModel *m, RnBuf *b, RnError **err)
{
    bool ok = eb_put_u32(b, (uint32_t)m->scale, err) &&
              eb_put_u32(b, (uint32_t)m->n_sources, err);
    for (size_t s = 0; ok && s < m->n_sources; s++) {
        const FuSource *src = &m->src[s];
        ok = eb_put_str(b, src->name, err) && eb_put_u32(b, (uint32_t)src->missing, err) &&
             eb_put_u64(b, src->dim, err) && eb_put_f32(b, (float)src->weight, err) &&
             eb_put_f32s(b, src->mean, src->dim, err) &&
             (m->scale != RN_FUSION_SCALE_STANDARD ||
              eb_put_f32s(b, src->inv_std, src->dim, err));
    }
    ok = ok && eb_put_u64(b, m->reduce, err);
    if (ok && m->reduce)
        ok = eb_put_f32s(b, m->pca_mean, m->concat_dim, err) &&
             eb_put_f32s(b, m->pca_components, m->concat_dim * m->reduce, err);
    /* version 2: imputation (k, references, a bit per source present) */
    ok = ok && eb_put_u64(b, m->impute_k, err) && eb_put_u64(b, m->n_refs, err) &&
         eb_put_f32s(b, m->refs, m->n_refs * m->concat_dim, err);
    for (size_t j = 0; ok && j < m->n_refs; j++) {
        uint32_t bits = 0;
        for (size_t s = 0; s < m->n_sources; s++)
            bits |= (uint32_t)m->ref_present[j * m->n_sources + s] << s;
        ok = eb_put_u32(b, bits, err);
    }
    /* version 3: the maps (lambda; if > 0 the grouping source, the
     * predictors' bits, per source the bits of its groups' maps, the maps) */
    ok = ok && eb_put_f32(b, (float)m->map_lambda, err);
    if (ok && m->map_lambda > 0)
        ok = eb_put_u32(b, (uint32_t)m->map_group, err) && eb_put_u32(b, m->map_pred, err);
    for (size_t s = 0; ok && m->map_lambda > 0 && s < m->n_sources; s++)
        ok = eb_put_u64(b, m->map_have[s], err);
    for (size_t s = 0; ok && m->map_lambda > 0 && s < m->n_sources; s++)
        for (size_t g = 0; ok && g < m->map_groups; g++)
            if (m->map_have[s] >> g & 1u) {
                size_t n = m->map_pdim * m->src[s].dim;
                ok = eb_put_f32s(b, m->map[s] + g * n, n, err);
            }
    return ok;
}

bool rn_fusion_model_save_memory(const RnFusionModel *m, RnBuf *out, RnError **err)
{
    RnBuf payload = RN_BUF_INIT;
    bool ok = put_payload(m, &payload, err) &&
              rn_buf_append(out, fusion_magic, sizeof fusion_magic, err) &&
              eb_put_u32(out, RN_FUSION_MODEL_VERSION, err) &&
              eb_put_u64(out, payload.len, err) &&
              rn_buf_append(out, payload.data, payload.len, err);
    rn_buf_free(&payload);
    return ok && rn_buf_put_le32(out, rn_crc32(0, out->data, out->len), err);
}

bool rn_fusion_model_save(const RnFusionModel *m, const char *path, RnError **err)
{
    RnBuf b = RN_BUF_INIT;
    bool ok = rn_fusion_model_save_memory(m, &b, err) &&
              rn_file_write_atomic(path, b.data, b.len, err);
    rn_buf_free(&b);
    return ok;
}

static bool get_source(EbReader *r, RnFusionModel *m, FuSource *src, RnError **err)
{
    char *name = eb_get_str(r, FU_NAME_MAX - 1, err);
    if (!name)
        return false;
    bool ok = *name != '\0';
    strcpy(src->name, name);
    free(name);
    uint32_t missing = 0;
    float w = 0;
    ok = ok && eb_get_u32(r, &missing, err) && missing <= RN_FUSION_INDICATOR_LAST &&
         eb_get_size(r, 1, RN_FUSION_MAX_DIM - m->concat_dim, &src->dim, err) &&
         eb_get_f32(r, &w, err) && fu_weight_ok(src->name, w);
    if (!ok) {
        rn_error_set(err, RN_ERROR_PARSE, "fusion model: bad input record");
        return false;
    }
    src->missing = (RnFusionMissing)missing;
    src->weight = w;
    m->concat_dim += src->dim;
    src->mean = eb_get_f32s_alloc(r, src->dim, err);
    if (src->mean && m->scale == RN_FUSION_SCALE_STANDARD)
        src->inv_std = eb_get_f32s_alloc(r, src->dim, err);
    return src->mean && (m->scale != RN_FUSION_SCALE_STANDARD || src->inv_std);
}

/* Version 2's imputation record: k <= RN_FUSION_IMPUTE_MAX_K, references
 * <= RN_FUSION_IMPUTE_REFS (none without k), each one's bits naming
 * sources of the model only. */
static bool get_impute(EbReader *r, RnFusionModel *m, RnError **err)
{
    if (!eb_get_size(r, 0, RN_FUSION_IMPUTE_MAX_K, &m->impute_k, err) ||
        !eb_get_size(r, 0, m->impute_k ? RN_FUSION_IMPUTE_REFS : 0, &m->n_refs, err))
        return false;
    if (m->n_refs == 0)
        return true;
    m->refs = eb_get_f32s_alloc(r, m->n_refs * m->concat_dim, err);
    m->ref_present = m->refs ? rn_calloc(m->n_refs, m->n_sources, err) : NULL;
    if (!m->ref_present)
        return false;
    for (size_t j = 0; j < m->n_refs; j++) {
        uint32_t bits = 0;
        if (!eb_get_u32(r, &bits, err))
            return false;
        if (bits >> m->n_sources) {
            rn_error_set(err, RN_ERROR_PARSE, "fusion model: reference %zu names a source "
                         "the model lacks", j);
            return false;
        }
        for (size_t s = 0; s < m->n_sources; s++)
            m->ref_present[j * m->n_sources + s] = (bits >> s) & 1u;
    }
    return true;
}

/* Version 3's maps: the layout (grouping source, predictors) must be the
 * one the inputs' names give (map.c), every map of a target source and of
 * an existing group. */
static bool get_maps(EbReader *r, RnFusionModel *m, RnError **err)
{
    float lambda = 0;
    if (!eb_get_f32(r, &lambda, err))
        return false;
    if (!(lambda >= 0) || !isfinite(lambda) || (lambda > 0 && !m->n_refs)) {
        rn_error_set(err, RN_ERROR_PARSE, "fusion model: bad map record");
        return false;
    }
    m->map_lambda = lambda;
    fu_map_layout(m);
    if (lambda == 0) {
        m->map_pred = 0;
        return true;
    }
    uint32_t group = 0, pred = 0;
    if (!eb_get_u32(r, &group, err) || !eb_get_u32(r, &pred, err))
        return false;
    uint64_t groups = m->map_groups == 64 ? UINT64_MAX : ((uint64_t)1 << m->map_groups) - 1;
    bool ok = group == m->map_group && pred == m->map_pred;
    for (size_t s = 0; ok && s < m->n_sources; s++)
        ok = eb_get_u64(r, &m->map_have[s], err) && !(m->map_have[s] & ~groups) &&
             (!m->map_have[s] || fu_map_target(m, s));
    if (!ok) {
        rn_error_set(err, RN_ERROR_PARSE, "fusion model: bad map record");
        return false;
    }
    for (size_t s = 0; s < m->n_sources; s++) {
        if (!m->map_have[s])
            continue;
        size_t n = m->map_pdim * m->src[s].dim;
        m->map[s] = rn_calloc(m->map_groups * n, sizeof *m->map[s], err);
        for (size_t g = 0; m->map[s] && g < m->map_groups; g++)
            if ((m->map_have[s] >> g & 1u) && !eb_get_f32s(r, m->map[s] + g * n, n, err))
                return false;
        if (!m->map[s])
            return false;
    }
    return true;
}

static bool get_payload(EbReader *r, RnFusionModel *m, uint32_t version, RnError **err)
{
    uint32_t scale = 0, n = 0;
    if (!eb_get_u32(r, &scale, err) || !eb_get_u32(r, &n, err))
        return false;
    if (scale > RN_FUSION_SCALE_STANDARD || n == 0 || n > RN_FUSION_MAX_INPUTS) {
        rn_error_set(err, RN_ERROR_PARSE, "fusion model: bad scaling or input count");
        return false;
    }
    m->scale = (RnFusionScale)scale;
    for (; m->n_sources < n; m->n_sources++)
        if (!get_source(r, m, &m->src[m->n_sources], err)) {
            m->n_sources++; /* freed with the model */
            return false;
        }
    if (!eb_get_size(r, 0, m->concat_dim, &m->reduce, err))
        return false;
    if (m->reduce) {
        m->pca_mean = eb_get_f32s_alloc(r, m->concat_dim, err);
        m->pca_components = m->pca_mean
                                ? eb_get_f32s_alloc(r, m->concat_dim * m->reduce, err)
                                : NULL;
        if (!m->pca_components)
            return false;
    }
    if (version >= 2 && !get_impute(r, m, err))
        return false;
    if (version >= 3 && !get_maps(r, m, err))
        return false;
    return eb_reader_done(r, err);
}

RnFusionModel *rn_fusion_model_load_memory(const uint8_t *data, size_t n, RnError **err)
{
    if (n < FU_HEADER + FU_TRAILER || memcmp(data, fusion_magic, 8) != 0) {
        rn_error_set(err, RN_ERROR_PARSE, "not a radnet fusion model");
        return NULL;
    }
    if (rn_le32_load(data + n - 4) != rn_crc32(0, data, n - 4)) {
        rn_error_set(err, RN_ERROR_PARSE, "fusion model: checksum mismatch");
        return NULL;
    }
    EbReader r;
    eb_reader_init(&r, data + 8, n - 8 - FU_TRAILER);
    uint32_t version = 0;
    size_t len = 0;
    if (!eb_get_u32(&r, &version, err))
        return NULL;
    if (version < 1 || version > RN_FUSION_MODEL_VERSION) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "fusion model version %u (this radnet reads %u)",
                     version, RN_FUSION_MODEL_VERSION);
        return NULL;
    }
    if (!eb_get_size(&r, 0, n - FU_HEADER - FU_TRAILER, &len, err))
        return NULL;
    if (len != n - FU_HEADER - FU_TRAILER) {
        rn_error_set(err, RN_ERROR_PARSE, "fusion model: payload length mismatch");
        return NULL;
    }
    RnFusionModel *m = rn_calloc(1, sizeof *m, err);
    if (!m)
        return NULL;
    EbReader p;
    eb_reader_init(&p, data + FU_HEADER, len);
    if (!get_payload(&p, m, version, err)) {
        rn_fusion_model_free(m);
        return NULL;
    }
    return m;
}

RnFusionModel *rn_fusion_model_load(const char *path, RnError **err)
{
    uint8_t *data = NULL;
    size_t n = 0;
    if (!rn_file_read_all(path, RN_FUSION_MODEL_MAX_BYTES, &data, &n, err))
        return NULL;
    RnFusionModel *m = rn_fusion_model_load_memory(data, n, err);
    free(data);
    return m;
}
