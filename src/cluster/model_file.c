/* The cluster model file: little-endian, versioned, CRC-32 checked.
 *
 *   0  "RNCLUSTM"                       8 bytes
 *   8  version, algo, method, metric,   8 × u32
 *      dtype, flags, n_iter, 0
 *  40  k, d, n_train, seed              4 × u64
 *  72  objective                        f64
 *  80  medoids                          k × u64 (flag MEDOIDS)
 *      centres                          k × d of dtype
 *      CRC-32 of everything before it   u32
 */
#include "cluster_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char MAGIC[8] = {'R', 'N', 'C', 'L', 'U', 'S', 'T', 'M'};
#define HEADER_BYTES 80u
/* Largest d a model may have (also bounds k·d with RN_CLUSTER_MAX_K). */
#define MAX_DIM ((size_t)1 << 24)

enum { FLAG_CONVERGED = 1, FLAG_SAMPLED = 2, FLAG_MINIBATCH = 4, FLAG_MEDOIDS = 8 };

static uint32_t flags_of(const RnClusterModel *m)
{
    const RnClusterModelInfo *i = &m->info;
    return (i->converged ? FLAG_CONVERGED : 0) | (i->sampled ? FLAG_SAMPLED : 0) |
           (i->minibatch ? FLAG_MINIBATCH : 0) | (m->medoids ? FLAG_MEDOIDS : 0);
}

static bool put_centres(RnBuf *b, const RnClusterModel *m, RnError **err)
{
    size_t cells = m->info.k * m->info.d;
    bool ok = true;
    for (size_t i = 0; ok && i < cells; i++) {
        if (m->info.dtype == RN_DTYPE_F32) {
            ok = rn_buf_put_le32(b, rn_f32_bits(((const float *)m->centers)[i]), err);
        } else {
            ok = rn_buf_put_le64(b, rn_f64_bits(((const double *)m->centers)[i]), err);
        }
    }
    return ok;
}

bool rn_cluster_model_serialize(const RnClusterModel *m, RnBuf *out, RnError **err)
{
    const RnClusterModelInfo *i = &m->info;
    size_t start = out->len;
    const uint32_t words[8] = {RN_CLUSTER_MODEL_VERSION, (uint32_t)i->algo,
                               (uint32_t)i->method, (uint32_t)i->metric, (uint32_t)i->dtype,
                               flags_of(m), (uint32_t)i->n_iter, 0};
    bool ok = rn_buf_append(out, MAGIC, sizeof MAGIC, err);
    for (int w = 0; ok && w < 8; w++)
        ok = rn_buf_put_le32(out, words[w], err);
    ok = ok && rn_buf_put_le64(out, i->k, err) && rn_buf_put_le64(out, i->d, err) &&
         rn_buf_put_le64(out, i->n_train, err) && rn_buf_put_le64(out, i->seed, err) &&
         rn_buf_put_le64(out, rn_f64_bits(i->objective), err);
    for (size_t c = 0; ok && m->medoids && c < i->k; c++)
        ok = rn_buf_put_le64(out, m->medoids[c], err);
    ok = ok && put_centres(out, m, err);
    return ok && rn_buf_put_le32(out, rn_crc32(0, out->data + start, out->len - start), err);
}

/* ---- parse -------------------------------------------------------------- */

static RnClusterModel *refuse(RnError **err, uint64_t at, const char *what)
{
    rn_error_set_at(err, RN_ERROR_PARSE, at, "not a valid cluster model: %s", what);
    return NULL;
}

/* The size the header promises; false when it cannot be. */
static bool expected_size(const uint8_t *h, size_t *size)
{
    uint64_t k = rn_le64_load(h + 40), d = rn_le64_load(h + 48);
    uint32_t dtype = rn_le32_load(h + 24), flags = rn_le32_load(h + 28);
    if (k == 0 || k > RN_CLUSTER_MAX_K || d == 0 || d > MAX_DIM ||
        (dtype != RN_DTYPE_F32 && dtype != RN_DTYPE_F64))
        return false;
    *size = HEADER_BYTES + (flags & FLAG_MEDOIDS ? k * 8 : 0) +
            (size_t)(k * d) * rn_dtype_size((RnDType)dtype) + 4;
    return true;
}

static bool info_valid(const RnClusterModelInfo *i, uint32_t flags, uint32_t reserved)
{
    bool kmedoids = i->algo == RN_ALGO_KMEDOIDS;
    return (unsigned)i->algo <= RN_ALGO_KMEDOIDS && (unsigned)i->metric <= RN_DISTANCE_COSINE &&
           (kmedoids || i->metric == RN_DISTANCE_EUCLIDEAN) && i->n_iter >= 0 &&
           i->method >= 0 &&
           i->method <= (kmedoids ? (int)RN_KMEDOIDS_PAM : (int)RN_KMEANS_HAMERLY) &&
           flags < 16 && reserved == 0 && (!(flags & FLAG_MEDOIDS) || kmedoids) &&
           !isnan(i->objective);
}

static bool read_body(RnClusterModel *m, const uint8_t *p, RnError **err)
{
    size_t k = m->info.k, cells = k * m->info.d;
    for (size_t c = 0; m->medoids && c < k; c++, p += 8) {
        m->medoids[c] = (size_t)rn_le64_load(p);
        if (m->info.n_train && m->medoids[c] >= m->info.n_train) {
            rn_error_set(err, RN_ERROR_PARSE, "not a valid cluster model: medoid out of range");
            return false;
        }
    }
    for (size_t i = 0; i < cells; i++) {
        double v;
        if (m->info.dtype == RN_DTYPE_F32) {
            v = ((float *)m->centers)[i] = rn_f32_from_bits(rn_le32_load(p + 4 * i));
        } else {
            v = ((double *)m->centers)[i] = rn_f64_from_bits(rn_le64_load(p + 8 * i));
        }
        if (!isfinite(v)) {
            rn_error_set(err, RN_ERROR_PARSE, "not a valid cluster model: non-finite centre");
            return false;
        }
    }
    return true;
}

RnClusterModel *rn_cluster_model_parse(const uint8_t *data, size_t n, RnError **err)
{
    if (n < HEADER_BYTES + 4)
        return refuse(err, n, "truncated header");
    if (memcmp(data, MAGIC, sizeof MAGIC) != 0)
        return refuse(err, 0, "wrong magic");
    uint32_t version = rn_le32_load(data + 8);
    if (version != RN_CLUSTER_MODEL_VERSION) {
        rn_error_set_at(err, RN_ERROR_UNSUPPORTED, 8, "cluster model version %u (this "
                        "radnet reads version %u)", version, RN_CLUSTER_MODEL_VERSION);
        return NULL;
    }
    size_t size;
    if (!expected_size(data, &size))
        return refuse(err, 24, "bad sizes or dtype");
    if (n != size)
        return refuse(err, n < size ? n : size, n < size ? "truncated" : "trailing bytes");
    if (rn_crc32(0, data, n - 4) != rn_le32_load(data + n - 4))
        return refuse(err, n - 4, "checksum mismatch (the file is corrupt)");
    uint32_t flags = rn_le32_load(data + 28);
    RnClusterModelInfo info = {
        (RnClusterAlgo)rn_le32_load(data + 12), (int)rn_le32_load(data + 16),
        (flags & FLAG_MINIBATCH) != 0, (RnDistance)rn_le32_load(data + 20),
        (RnDType)rn_le32_load(data + 24), (size_t)rn_le64_load(data + 40),
        (size_t)rn_le64_load(data + 48), (size_t)rn_le64_load(data + 56),
        rn_le64_load(data + 64), rn_f64_from_bits(rn_le64_load(data + 72)),
        (int)rn_le32_load(data + 32), (flags & FLAG_CONVERGED) != 0,
        (flags & FLAG_SAMPLED) != 0};
    if (!info_valid(&info, flags, rn_le32_load(data + 36)))
        return refuse(err, 12, "bad fields");
    RnClusterModel *m = cl_model_new(info.dtype, info.k, info.d, flags & FLAG_MEDOIDS, err);
    if (m == NULL)
        return NULL;
    m->info = info;
    if (!read_body(m, data + HEADER_BYTES, err)) {
        rn_cluster_model_close(m);
        return NULL;
    }
    return m;
}

bool rn_cluster_model_save(const RnClusterModel *m, const char *path, RnError **err)
{
    RnBuf b = RN_BUF_INIT;
    bool ok = rn_cluster_model_serialize(m, &b, err) &&
              rn_file_write_atomic(path, b.data, b.len, err);
    rn_buf_free(&b);
    return ok;
}

RnClusterModel *rn_cluster_model_load(const char *path, RnError **err)
{
    uint8_t *data = NULL;
    size_t n = 0;
    if (!rn_file_read_all(path, RN_CLUSTER_MODEL_MAX_BYTES, &data, &n, err))
        return NULL;
    RnClusterModel *m = rn_cluster_model_parse(data, n, err);
    free(data);
    return m;
}
