/* A fitted extractor (method row + state + dim) and its generic model file
 * (layout in embed.h). */
#include "embed/blob.h"
#include "embed/embed_internal.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct RnEmbedModel {
    const RnEmbedMethodOps *ops;
    void *state;
    size_t dim;
};

static const char model_magic[8] = {'R', 'N', 'E', 'M', 'B', 'M', 'D', 'L'};
/* magic, version, source, name length, dim, payload length, CRC. */
#define MIN_FILE_BYTES (8u + 4u + 4u + 4u + 8u + 8u + 4u)

/* Longest dimension a model may declare: far beyond any method's output. */
#define MAX_DIM ((uint64_t)1 << 24)

static const RnEmbedMethodOps *find_or_fail(RnEmbedSource source,
                                            const char *method, RnError **err)
{
    const RnEmbedMethodOps *ops = rn_embed_method_find(source, method);
    if (ops)
        return ops;
    RnBuf known = RN_BUF_INIT;
    for (const char *const *m = rn_embed_methods(source); *m; m++)
        if (!rn_buf_printf(&known, NULL, "%s%s", known.len ? ", " : "", *m))
            break;
    rn_buf_terminate(&known, NULL);
    rn_error_set(err, RN_ERROR_INVALID, "unknown %s method '%s' (known: %s)",
                 rn_embed_source_name(source), method ? method : "(none)",
                 known.data ? (const char *)known.data : "none");
    rn_buf_free(&known);
    return NULL;
}

static RnEmbedModel *model_wrap(const RnEmbedMethodOps *ops, void *state,
                                size_t dim, RnError **err)
{
    RnEmbedModel *m = rn_malloc(sizeof *m, err);
    if (!m) {
        ops->free(state);
        return NULL;
    }
    m->ops = ops;
    m->state = state;
    m->dim = dim;
    return m;
}

RnEmbedModel *rn_embed_fit(RnEmbedSource source, const char *method,
                           const RnEmbedItem *sample, size_t n,
                           const RnEmbedParams *params, RnError **err)
{
    const RnEmbedMethodOps *ops = find_or_fail(source, method, err);
    if (!ops)
        return NULL;
    if (n == 0 || !sample) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: nothing to fit on (empty sample)",
                     method);
        return NULL;
    }
    RnEmbedParams defaults = {0};
    size_t dim = 0;
    void *state = ops->fit(sample, n, params ? params : &defaults, &dim, err);
    if (!state)
        return NULL;
    if (dim == 0 || dim > MAX_DIM) {
        ops->free(state);
        rn_error_set(err, RN_ERROR_INTERNAL, "%s: fitted dimension %zu", method, dim);
        return NULL;
    }
    RnEmbedModel *m = model_wrap(ops, state, dim, err);
    if (m)
        rn_embed_model_set_threads(m, params ? params->threads : 0);
    return m;
}

void rn_embed_model_set_threads(RnEmbedModel *m, int threads)
{
    if (m->ops->set_threads)
        m->ops->set_threads(m->state, threads);
}

size_t rn_embed_model_dim(const RnEmbedModel *m)
{
    return m->dim;
}

RnEmbedSource rn_embed_model_source(const RnEmbedModel *m)
{
    return m->ops->source;
}

const char *rn_embed_model_method(const RnEmbedModel *m)
{
    return m->ops->name;
}

bool rn_embed_transform(const RnEmbedModel *m, const RnEmbedItem *items,
                        size_t n, float *out, RnError **err)
{
    if (n == 0)
        return true;
    if (!items || !out) {
        rn_error_set(err, RN_ERROR_INVALID, "rn_embed_transform: NULL rows or output");
        return false;
    }
    return m->ops->transform(m->state, items, n, out, err);
}

void rn_embed_model_free(RnEmbedModel *m)
{
    if (!m)
        return;
    m->ops->free(m->state);
    free(m);
}

static uint32_t crc32_of(const uint8_t *data, size_t n)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t at = 0; at < n;) { /* zlib takes uInt lengths */
        size_t step = n - at < (1u << 30) ? n - at : (1u << 30);
        crc = crc32(crc, data + at, (uInt)step);
        at += step;
    }
    return (uint32_t)crc;
}

static bool model_serialise(const RnEmbedModel *m, RnBuf *out, RnError **err)
{
    RnBuf payload = RN_BUF_INIT;
    bool ok = m->ops->save(m->state, &payload, err) &&
              rn_buf_append(out, model_magic, sizeof model_magic, err) &&
              eb_put_u32(out, RN_EMBED_MODEL_VERSION, err) &&
              eb_put_u32(out, (uint32_t)m->ops->source, err) &&
              eb_put_str(out, m->ops->name, err) &&
              eb_put_u64(out, m->dim, err) &&
              eb_put_u64(out, payload.len, err) &&
              rn_buf_append(out, payload.data, payload.len, err);
    rn_buf_free(&payload);
    if (!ok)
        return false;
    return eb_put_u32(out, crc32_of(out->data, out->len), err);
}

bool rn_embed_model_save(const RnEmbedModel *m, const char *path, RnError **err)
{
    RnBuf file = RN_BUF_INIT;
    bool ok = model_serialise(m, &file, err) &&
              rn_file_write_atomic(path, file.data, file.len, err);
    rn_buf_free(&file);
    return ok;
}

/* Magic, version and checksum, in that order, so the message names the
 * most telling problem. */
static bool check_envelope(const uint8_t *data, size_t n, RnError **err)
{
    if (n < sizeof model_magic || memcmp(data, model_magic, sizeof model_magic) != 0) {
        rn_error_set_at(err, RN_ERROR_PARSE, 0, "not a radnet embedding model");
        return false;
    }
    EbReader r;
    uint32_t version;
    eb_reader_init(&r, data + sizeof model_magic, n - sizeof model_magic);
    if (!eb_get_u32(&r, &version, err))
        return false;
    if (version != RN_EMBED_MODEL_VERSION) {
        rn_error_set_at(err, RN_ERROR_UNSUPPORTED, 8,
                        "embedding model format version %u (this radnet reads %u)",
                        version, RN_EMBED_MODEL_VERSION);
        return false;
    }
    if (n < MIN_FILE_BYTES) {
        rn_error_set(err, RN_ERROR_PARSE, "embedding model truncated");
        return false;
    }
    if (crc32_of(data, n - 4) != rn_le32_load(data + n - 4)) {
        rn_error_set(err, RN_ERROR_PARSE,
                     "embedding model checksum mismatch (file corrupt or truncated)");
        return false;
    }
    return true;
}

RnEmbedModel *rn_embed_model_load_memory(const uint8_t *data, size_t n,
                                         RnError **err)
{
    if (!check_envelope(data, n, err))
        return NULL;
    EbReader r;
    uint32_t version, source;
    size_t dim;
    eb_reader_init(&r, data + sizeof model_magic, n - sizeof model_magic - 4);
    if (!eb_get_u32(&r, &version, err) || !eb_get_u32(&r, &source, err))
        return NULL;
    char *method = eb_get_str(&r, RN_EMBED_METHOD_NAME_MAX, err);
    if (!method)
        return NULL;
    const RnEmbedMethodOps *ops = find_or_fail((RnEmbedSource)source, method, err);
    free(method);
    uint64_t payload_len;
    if (!ops || !eb_get_size(&r, 1, MAX_DIM, &dim, err) ||
        !eb_get_u64(&r, &payload_len, err))
        return NULL;
    if (payload_len != r.n - r.pos) {
        rn_error_set(err, RN_ERROR_PARSE, "embedding model payload length mismatch");
        return NULL;
    }
    size_t loaded_dim = 0;
    void *state = ops->load(r.data + r.pos, (size_t)payload_len, &loaded_dim, err);
    if (!state)
        return NULL;
    if (loaded_dim != dim) {
        ops->free(state);
        rn_error_set(err, RN_ERROR_PARSE,
                     "embedding model declares dimension %zu, payload gives %zu",
                     dim, loaded_dim);
        return NULL;
    }
    return model_wrap(ops, state, dim, err);
}

RnEmbedModel *rn_embed_model_load(const char *path, RnError **err)
{
    uint8_t *data;
    size_t n;
    if (!rn_file_read_all(path, RN_EMBED_MODEL_MAX_BYTES, &data, &n, err))
        return NULL;
    RnEmbedModel *m = rn_embed_model_load_memory(data, n, err);
    free(data);
    return m;
}
