/* Little-endian payload writer and bounds-checked reader (blob.h). */
#include "embed/blob.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bool eb_put_u32(RnBuf *b, uint32_t v, RnError **err)
{
    return rn_buf_put_le32(b, v, err);
}

bool eb_put_u64(RnBuf *b, uint64_t v, RnError **err)
{
    return rn_buf_put_le64(b, v, err);
}

bool eb_put_f32(RnBuf *b, float v, RnError **err)
{
    return rn_buf_put_le32(b, rn_f32_bits(v), err);
}

bool eb_put_f32s(RnBuf *b, const float *v, size_t n, RnError **err)
{
    size_t bytes;
    if (!rn_mul_size(n, 4, &bytes)) {
        rn_error_set(err, RN_ERROR_LIMIT, "model payload too large");
        return false;
    }
    if (!rn_buf_reserve(b, bytes, err))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!rn_buf_put_le32(b, rn_f32_bits(v[i]), err))
            return false;
    return true;
}

bool eb_put_str(RnBuf *b, const char *s, RnError **err)
{
    size_t len = strlen(s);
    if (len > UINT32_MAX) {
        rn_error_set(err, RN_ERROR_LIMIT, "model string too long");
        return false;
    }
    return eb_put_u32(b, (uint32_t)len, err) && rn_buf_append(b, s, len, err);
}

void eb_reader_init(EbReader *r, const uint8_t *data, size_t n)
{
    r->data = data;
    r->n = n;
    r->pos = 0;
}

static bool need(const EbReader *r, size_t bytes, RnError **err)
{
    if (bytes > r->n - r->pos) {
        rn_error_set_at(err, RN_ERROR_PARSE, r->pos,
                        "model payload truncated (%zu bytes needed, %zu left)",
                        bytes, r->n - r->pos);
        return false;
    }
    return true;
}

bool eb_get_u32(EbReader *r, uint32_t *out, RnError **err)
{
    if (!need(r, 4, err))
        return false;
    *out = rn_le32_load(r->data + r->pos);
    r->pos += 4;
    return true;
}

bool eb_get_u64(EbReader *r, uint64_t *out, RnError **err)
{
    if (!need(r, 8, err))
        return false;
    *out = rn_le64_load(r->data + r->pos);
    r->pos += 8;
    return true;
}

bool eb_get_size(EbReader *r, uint64_t min, uint64_t max, size_t *out,
                 RnError **err)
{
    size_t at = r->pos;
    uint64_t v;
    if (!eb_get_u64(r, &v, err))
        return false;
    if (v < min || v > max || v > SIZE_MAX) {
        rn_error_set_at(err, RN_ERROR_PARSE, at,
                        "model value %llu outside [%llu, %llu]",
                        (unsigned long long)v, (unsigned long long)min,
                        (unsigned long long)max);
        return false;
    }
    *out = (size_t)v;
    return true;
}

static bool get_finite(EbReader *r, float *out, RnError **err)
{
    *out = rn_f32_from_bits(rn_le32_load(r->data + r->pos));
    if (!isfinite(*out)) {
        rn_error_set_at(err, RN_ERROR_PARSE, r->pos, "model holds a non-finite number");
        return false;
    }
    r->pos += 4;
    return true;
}

bool eb_get_f32(EbReader *r, float *out, RnError **err)
{
    return need(r, 4, err) && get_finite(r, out, err);
}

bool eb_get_f32s(EbReader *r, float *out, size_t n, RnError **err)
{
    if (n > (r->n - r->pos) / 4)
        return need(r, SIZE_MAX, err);
    for (size_t i = 0; i < n; i++)
        if (!get_finite(r, &out[i], err))
            return false;
    return true;
}

float *eb_get_f32s_alloc(EbReader *r, size_t n, RnError **err)
{
    if (n > (r->n - r->pos) / 4) {
        need(r, SIZE_MAX, err);
        return NULL;
    }
    float *v = rn_malloc(n ? n * sizeof *v : 1, err);
    if (v && !eb_get_f32s(r, v, n, err)) {
        free(v);
        return NULL;
    }
    return v;
}

char *eb_get_str(EbReader *r, size_t max_len, RnError **err)
{
    size_t at = r->pos;
    uint32_t len;
    if (!eb_get_u32(r, &len, err))
        return NULL;
    if (len > max_len) {
        rn_error_set_at(err, RN_ERROR_PARSE, at, "model string of %u bytes (limit %zu)",
                        len, max_len);
        return NULL;
    }
    if (!need(r, len, err))
        return NULL;
    if (memchr(r->data + r->pos, 0, len)) {
        rn_error_set_at(err, RN_ERROR_PARSE, r->pos, "model string holds a NUL byte");
        return NULL;
    }
    char *s = rn_malloc((size_t)len + 1, err);
    if (!s)
        return NULL;
    memcpy(s, r->data + r->pos, len);
    s[len] = '\0';
    r->pos += len;
    return s;
}

bool eb_reader_done(const EbReader *r, RnError **err)
{
    if (r->pos != r->n) {
        rn_error_set_at(err, RN_ERROR_PARSE, r->pos,
                        "model payload has %zu unexpected trailing bytes",
                        r->n - r->pos);
        return false;
    }
    return true;
}
