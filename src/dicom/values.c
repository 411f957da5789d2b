/* Typed access to element values: strings decoded to UTF-8 and split into
 * values, numbers from text (IS/DS) or binary VRs. */
#include "dicom/dict.h"
#include "dicom/internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool is_space(char c) { return c == ' '; }

/* Trims as the standard says for the VR: leading and trailing spaces for
 * most string VRs, trailing only for LT/ST/UT/UR; UI pads with NUL. */
static void trim(RnVR vr, const char **s, size_t *n)
{
    const char *p = *s;
    size_t k = *n;
    while (k > 0 && (is_space(p[k - 1]) || p[k - 1] == '\0'))
        k--;
    if (!rn_vr_trims_trailing_only(vr))
        while (k > 0 && is_space(*p))
            p++, k--;
    *s = p;
    *n = k;
}

/* The whole value decoded to UTF-8 into out (NUL-terminated). */
static bool decode_all(const RnElement *el, RnBuf *out, RnError **err)
{
    out->len = 0;
    if (el->value == NULL)
        return rn_buf_terminate(out, err);
    if (!rn_vr_uses_charset(el->vr))
        return rn_buf_append(out, el->value, el->value_len, err) &&
               rn_buf_terminate(out, err);
    return rn_charset_decode(rn_dataset_charset(el->owner), el->value,
                             el->value_len, el->vr == RN_VR('P', 'N'), out, err);
}

/* Finds value `index` in a decoded string: [*start, *start + *n). */
static bool split_value(RnVR vr, const char *s, size_t len, size_t index,
                        const char **start, size_t *n)
{
    if (!rn_vr_is_multivalued_string(vr)) {
        if (index != 0)
            return false;
        *start = s;
        *n = len;
        return true;
    }
    size_t i = 0, begin = 0;
    for (size_t k = 0; k <= len; k++) {
        if (k == len || s[k] == '\\') {
            if (i == index) {
                *start = s + begin;
                *n = k - begin;
                return true;
            }
            i++;
            begin = k + 1;
        }
    }
    return false;
}

static size_t count_values(RnVR vr, const char *s, size_t len)
{
    if (len == 0)
        return 0;
    if (!rn_vr_is_multivalued_string(vr))
        return 1;
    size_t n = 1;
    for (size_t k = 0; k < len; k++)
        n += s[k] == '\\';
    return n;
}

size_t rn_element_vm(const RnElement *el)
{
    if (el->vr == RN_VR('S', 'Q'))
        return el->item_count;
    if (rn_vr_is_string(el->vr)) {
        if (el->value == NULL || el->value_len == 0)
            return 0;
        RnBuf b = RN_BUF_INIT;
        size_t n = decode_all(el, &b, NULL) ? count_values(el->vr, (char *)b.data, b.len) : 0;
        rn_buf_free(&b);
        return n;
    }
    /* AT swaps as two 16-bit halves but each value is 4 bytes. */
    unsigned size = el->vr == RN_VR('A', 'T') ? 4u : rn_vr_unit_size(el->vr);
    if (rn_vr_is_bulk(el->vr))
        return el->length ? 1 : 0;
    return size ? el->length / size : 0;
}

/* ---- binary numbers ------------------------------------------------------ */

/* The integer part of d, or INT64_MIN when it has none in range (the
 * conversion itself would be undefined behaviour). */
static int64_t truncate_to_int64(double d)
{
    if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0))
        return INT64_MIN;
    return (int64_t)d;
}

static bool binary_number(const RnElement *el, size_t index, double *d, int64_t *i)
{
    unsigned unit = rn_vr_unit_size(el->vr);
    if (el->value == NULL || unit == 0 || (size_t)index >= el->value_len / unit)
        return false;
    const uint8_t *p = el->value + index * unit;
    switch (el->vr) {
    case RN_VR('U', 'S'): { uint16_t v; memcpy(&v, p, 2); *i = v; break; }
    case RN_VR('S', 'S'): { int16_t v; memcpy(&v, p, 2); *i = v; break; }
    case RN_VR('U', 'L'): { uint32_t v; memcpy(&v, p, 4); *i = v; break; }
    case RN_VR('S', 'L'): { int32_t v; memcpy(&v, p, 4); *i = v; break; }
    case RN_VR('U', 'V'): { uint64_t v; memcpy(&v, p, 8); *i = (int64_t)v; *d = (double)v; return true; }
    case RN_VR('S', 'V'): { int64_t v; memcpy(&v, p, 8); *i = v; break; }
    case RN_VR('F', 'L'): { float v; memcpy(&v, p, 4); *d = v; *i = truncate_to_int64(v); return isfinite(v); }
    case RN_VR('F', 'D'): { double v; memcpy(&v, p, 8); *d = v; *i = truncate_to_int64(v); return isfinite(v); }
    case RN_VR('A', 'T'): {
        if (index * 4 + 4 > el->value_len)
            return false;
        uint16_t g, e;
        memcpy(&g, el->value + index * 4, 2);
        memcpy(&e, el->value + index * 4 + 2, 2);
        *i = (int64_t)RN_TAG(g, e);
        break;
    }
    default:
        return false;
    }
    *d = (double)*i;
    return true;
}

/* IS / DS value `index` as text, parsed. */
static bool text_number(const RnElement *el, size_t index, double *d, int64_t *i)
{
    const char *s;
    size_t n;
    if (el->value == NULL ||
        !split_value(el->vr, (const char *)el->value, el->value_len, index, &s, &n))
        return false;
    trim(el->vr, &s, &n);
    char tmp[64];
    if (n == 0 || n >= sizeof tmp)
        return false;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if (*end != 0 || errno == ERANGE || !isfinite(v))
        return false;
    *d = v;
    *i = truncate_to_int64(v);
    if (el->vr == RN_VR('I', 'S')) {
        long long l = strtoll(tmp, &end, 10);
        if (*end == 0)
            *i = l;
    }
    return true;
}

static bool number(const RnElement *el, size_t index, double *d, int64_t *i)
{
    if (el == NULL)
        return false;
    if (el->vr == RN_VR('I', 'S') || el->vr == RN_VR('D', 'S'))
        return text_number(el, index, d, i);
    return binary_number(el, index, d, i);
}

bool rn_element_get_double(const RnElement *el, size_t index, double *out)
{
    double d;
    int64_t i;
    if (!number(el, index, &d, &i))
        return false;
    *out = d;
    return true;
}

bool rn_element_get_int64(const RnElement *el, size_t index, int64_t *out)
{
    double d;
    int64_t i;
    if (!number(el, index, &d, &i))
        return false;
    if (i == INT64_MIN && d != -9223372036854775808.0)
        return false; /* no integer in range */
    *out = i;
    return true;
}

/* ---- strings ------------------------------------------------------------- */

static bool dup_range(const char *s, size_t n, char **out, RnError **err)
{
    char *r = rn_malloc(n + 1, err);
    if (r == NULL)
        return false;
    memcpy(r, s, n);
    r[n] = 0;
    *out = r;
    return true;
}

/* Binary values as text: numbers, AT as GGGGEEEE. */
static bool binary_string(const RnElement *el, size_t index, char **out,
                          RnError **err)
{
    double d;
    int64_t i;
    if (!binary_number(el, index, &d, &i))
        return false;
    char tmp[40];
    if (el->vr == RN_VR('A', 'T'))
        snprintf(tmp, sizeof tmp, "%08llX", (unsigned long long)i);
    else if (el->vr == RN_VR('F', 'L'))
        snprintf(tmp, sizeof tmp, "%.9g", d);
    else if (el->vr == RN_VR('F', 'D'))
        snprintf(tmp, sizeof tmp, "%.17g", d);
    else if (el->vr == RN_VR('U', 'V')) {
        uint64_t u;
        memcpy(&u, el->value + index * 8, 8);
        snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)u);
    } else
        snprintf(tmp, sizeof tmp, "%lld", (long long)i);
    return dup_range(tmp, strlen(tmp), out, err);
}

bool rn_element_get_string(const RnElement *el, size_t index, char **out,
                           RnError **err)
{
    if (el == NULL || el->value == NULL)
        return false;
    if (!rn_vr_is_string(el->vr))
        return binary_string(el, index, out, err);
    RnBuf b = RN_BUF_INIT;
    const char *s;
    size_t n;
    bool ok = decode_all(el, &b, err) &&
              split_value(el->vr, (const char *)b.data, b.len, index, &s, &n);
    if (ok) {
        trim(el->vr, &s, &n);
        ok = dup_range(s, n, out, err);
    }
    rn_buf_free(&b);
    return ok;
}

bool rn_element_get_string_all(const RnElement *el, char **out, RnError **err)
{
    if (el == NULL || el->value == NULL)
        return false;
    if (!rn_vr_is_string(el->vr)) {
        RnBuf b = RN_BUF_INIT;
        size_t vm = rn_element_vm(el);
        bool ok = true;
        for (size_t i = 0; ok && i < vm; i++) {
            char *v = NULL;
            ok = binary_string(el, i, &v, err) &&
                 rn_buf_append_str(&b, i ? "\\" : "", err) &&
                 rn_buf_append_str(&b, v, err);
            free(v);
        }
        ok = ok && rn_buf_terminate(&b, err) && dup_range(b.data ? (char *)b.data : "", b.len, out, err);
        rn_buf_free(&b);
        return ok;
    }
    RnBuf b = RN_BUF_INIT;
    bool ok = decode_all(el, &b, err);
    if (ok) {
        const char *s = (const char *)b.data;
        size_t n = b.len;
        trim(el->vr, &s, &n);
        ok = dup_range(s, n, out, err);
    }
    rn_buf_free(&b);
    return ok;
}

bool rn_dataset_get_string(const RnDataSet *ds, RnTag tag, char **out, RnError **err)
{
    return rn_element_get_string_all(rn_dataset_get(ds, tag), out, err);
}

bool rn_dataset_get_double(const RnDataSet *ds, RnTag tag, size_t index, double *out)
{
    return rn_element_get_double(rn_dataset_get(ds, tag), index, out);
}

bool rn_dataset_get_int64(const RnDataSet *ds, RnTag tag, size_t index, int64_t *out)
{
    return rn_element_get_int64(rn_dataset_get(ds, tag), index, out);
}

/* ---- text of any element -------------------------------------------------- */

/* The creator that reserved a private element's block, trimmed; "" when
 * the data set has none. */
static void private_creator(const RnElement *el, char out[65])
{
    RnTag tag = RN_TAG(RN_TAG_GROUP(el->tag), RN_TAG_ELEMENT(el->tag) >> 8);
    const RnElement *c = rn_dataset_get(el->owner, tag);
    size_t n = (c && c->value) ? c->value_len : 0;
    while (n > 0 && (c->value[n - 1] == ' ' || c->value[n - 1] == 0))
        n--;
    if (n > 64)
        n = 0;
    if (n)
        memcpy(out, c->value, n);
    out[n] = 0;
}

/* The dictionary entry of an element: public, or private by its creator. */
static const RnDictEntry *element_entry(const RnElement *el)
{
    if ((RN_TAG_GROUP(el->tag) & 1u) == 0)
        return rn_dict_lookup(el->tag);
    char creator[65];
    private_creator(el, creator);
    return creator[0] ? rn_dict_lookup_private(el->tag, creator) : NULL;
}

const char *rn_element_keyword(const RnElement *el)
{
    uint16_t g = RN_TAG_GROUP(el->tag), e = RN_TAG_ELEMENT(el->tag);
    if ((g & 1u) && e >= 0x0010 && e <= 0x00FF)
        return "PrivateCreator";
    const RnDictEntry *d = element_entry(el);
    return (d && d->keyword[0]) ? d->keyword : "Unknown";
}

RnVR rn_element_text_vr(const RnElement *el)
{
    if (el == NULL || el->vr != RN_VR('U', 'N'))
        return el ? el->vr : 0;
    uint16_t g = RN_TAG_GROUP(el->tag), e = RN_TAG_ELEMENT(el->tag);
    if ((g & 1u) && e >= 0x0010 && e <= 0x00FF)
        return RN_VR('L', 'O');
    const RnDictEntry *d = element_entry(el);
    return (d && d->vr) ? d->vr : RN_VR('U', 'N');
}

bool rn_element_get_text(const RnElement *el, char **out, RnError **err)
{
    if (el == NULL || !el->loaded)
        return false;
    RnVR vr = rn_element_text_vr(el);
    if (vr == 0 || vr == RN_VR('S', 'Q') || rn_vr_is_bulk(vr))
        return false;
    if (vr == el->vr)
        return rn_element_get_string_all(el, out, err);
    /* UN bytes read as vr: a copy with that VR, in native byte order. */
    unsigned unit = vr == RN_VR('A', 'T') ? 4u : rn_vr_unit_size(vr);
    if (!rn_vr_is_string(vr) && (unit == 0 || el->value_len % unit != 0))
        return false;
    RnElement as = *el;
    as.vr = vr;
    as.length = el->value_len;
    uint8_t *swapped = NULL;
    if (el->big_endian && !rn_vr_is_string(vr) && unit > 1) {
        swapped = rn_malloc(el->value_len ? el->value_len : 1, err);
        if (swapped == NULL)
            return false;
        unsigned size = vr == RN_VR('A', 'T') ? 2u : unit;
        for (size_t i = 0; i + size <= el->value_len; i += size)
            for (unsigned k = 0; k < size; k++)
                swapped[i + k] = el->value[i + size - 1 - k];
        as.value = swapped;
    }
    bool ok = rn_element_get_string_all(&as, out, err);
    free(swapped);
    return ok;
}
