#include "synth/dcmw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum ElemKind { ELEM_VALUE, ELEM_SEQ, ELEM_ENCAP };

struct DcmElem {
    uint32_t tag;
    char vr[2];
    enum ElemKind kind;
    uint8_t *value; /* value (padded) or, for ELEM_ENCAP, concatenated frames */
    size_t len;
    DcmSet *items;  /* ELEM_SEQ */
    size_t nitems;
    bool undefined_length;
    size_t *frame_len; /* ELEM_ENCAP */
    size_t nframes;
    bool with_offsets;
};

static const struct {
    const char *uid;
    bool encapsulated, lossy;
} syntaxes[DCM_SYNTAX_COUNT] = {
    [DCM_IMPLICIT_LE] = {"1.2.840.10008.1.2", false, false},
    [DCM_EXPLICIT_LE] = {"1.2.840.10008.1.2.1", false, false},
    [DCM_EXPLICIT_BE] = {"1.2.840.10008.1.2.2", false, false},
    [DCM_DEFLATED_LE] = {"1.2.840.10008.1.2.1.99", false, false},
    [DCM_RLE] = {"1.2.840.10008.1.2.5", true, false},
    [DCM_JPEG_BASELINE] = {"1.2.840.10008.1.2.4.50", true, true},
    [DCM_JPEG_LOSSLESS_SV1] = {"1.2.840.10008.1.2.4.70", true, false},
    [DCM_JPEGLS_LOSSLESS] = {"1.2.840.10008.1.2.4.80", true, false},
    [DCM_J2K_LOSSLESS] = {"1.2.840.10008.1.2.4.90", true, false},
    [DCM_J2K_LOSSY] = {"1.2.840.10008.1.2.4.91", true, true},
};

const char *dcm_syntax_uid(DcmSyntax ts) { return syntaxes[ts].uid; }
bool dcm_syntax_encapsulated(DcmSyntax ts) { return syntaxes[ts].encapsulated; }
bool dcm_syntax_lossy(DcmSyntax ts) { return syntaxes[ts].lossy; }

bool dcm_vr_long_length(const char *vr)
{
    static const char *const longs[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ",
                                        "UC", "UN", "UR", "UT", "SV", "UV"};
    for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++)
        if (vr[0] == longs[i][0] && vr[1] == longs[i][1])
            return true;
    return false;
}

/* Bytes per swapped unit in big endian; 1 = no swap. */
static size_t vr_swap_unit(const char *vr)
{
    static const struct { const char *vr; size_t unit; } units[] = {
        {"US", 2}, {"SS", 2}, {"OW", 2}, {"AT", 2}, {"UL", 4}, {"SL", 4},
        {"FL", 4}, {"OF", 4}, {"OL", 4}, {"FD", 8}, {"OD", 8}, {"SV", 8},
        {"UV", 8}, {"OV", 8}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (vr[0] == units[i].vr[0] && vr[1] == units[i].vr[1])
            return units[i].unit;
    return 1;
}

/* Text VRs pad with a space, UI and binary VRs with NUL. */
static uint8_t vr_pad_byte(const char *vr)
{
    static const char *const text[] = {"AE", "AS", "CS", "DA", "DS", "DT", "IS",
                                        "LO", "LT", "PN", "SH", "ST", "TM", "UC",
                                        "UR", "UT"};
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
        if (vr[0] == text[i][0] && vr[1] == text[i][1])
            return ' ';
    return 0;
}

static void elem_free(DcmElem *e)
{
    free(e->value);
    free(e->frame_len);
    for (size_t i = 0; i < e->nitems; i++)
        dcm_set_free(&e->items[i]);
    free(e->items);
}

void dcm_set_free(DcmSet *ds)
{
    for (size_t i = 0; i < ds->n; i++)
        elem_free(&ds->elems[i]);
    free(ds->elems);
    ds->elems = NULL;
    ds->n = ds->cap = 0;
}

/* A fresh element slot for tag; an existing element with the same tag is
 * replaced so the data set never holds duplicates. */
static DcmElem *slot(DcmSet *ds, uint32_t tag, const char *vr, RnError **err)
{
    for (size_t i = 0; i < ds->n; i++) {
        if (ds->elems[i].tag == tag) {
            elem_free(&ds->elems[i]);
            ds->elems[i] = ds->elems[--ds->n];
            break;
        }
    }
    if (ds->n == ds->cap) {
        size_t cap = ds->cap ? ds->cap * 2 : 32;
        DcmElem *p = rn_realloc(ds->elems, cap * sizeof *p, err);
        if (p == NULL)
            return NULL;
        ds->elems = p;
        ds->cap = cap;
    }
    DcmElem *e = &ds->elems[ds->n++];
    memset(e, 0, sizeof *e);
    e->tag = tag;
    e->vr[0] = vr[0];
    e->vr[1] = vr[1];
    return e;
}

static bool put_padded(DcmSet *ds, uint32_t tag, const char *vr, const void *v,
                       size_t len, RnError **err)
{
    size_t max = dcm_vr_long_length(vr) ? 0xFFFFFFFEu : 0xFFFEu;
    if (len > max) {
        rn_error_set(err, RN_ERROR_LIMIT, "value of (%04X,%04X) too long: %zu",
                     tag >> 16, tag & 0xFFFF, len);
        return false;
    }
    uint8_t *copy = rn_malloc(len + 1, err);
    if (copy == NULL)
        return false;
    if (len)
        memcpy(copy, v, len);
    size_t padded = len;
    if (padded & 1)
        copy[padded++] = vr_pad_byte(vr);
    DcmElem *e = slot(ds, tag, vr, err);
    if (e == NULL) {
        free(copy);
        return false;
    }
    e->kind = ELEM_VALUE;
    e->value = copy;
    e->len = padded;
    return true;
}

bool dcm_put_str(DcmSet *ds, uint32_t tag, const char *vr, const char *s,
                 RnError **err)
{
    return put_padded(ds, tag, vr, s, strlen(s), err);
}

bool dcm_put_bin(DcmSet *ds, uint32_t tag, const char *vr, const void *v,
                 size_t len, RnError **err)
{
    size_t unit = vr_swap_unit(vr);
    if (len % unit != 0) {
        rn_error_set(err, RN_ERROR_INVALID, "%.2s value length %zu not a multiple of %zu",
                     vr, len, unit);
        return false;
    }
    return put_padded(ds, tag, vr, v, len, err);
}

/* Little-endian bytes of an unsigned value. */
static void le_bytes(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

bool dcm_put_us(DcmSet *ds, uint32_t tag, uint16_t v, RnError **err)
{
    uint8_t b[2];
    le_bytes(b, v, 2);
    return dcm_put_bin(ds, tag, "US", b, 2, err);
}

bool dcm_put_ul(DcmSet *ds, uint32_t tag, uint32_t v, RnError **err)
{
    uint8_t b[4];
    le_bytes(b, v, 4);
    return dcm_put_bin(ds, tag, "UL", b, 4, err);
}

bool dcm_put_fd(DcmSet *ds, uint32_t tag, double v, RnError **err)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    uint8_t b[8];
    le_bytes(b, bits, 8);
    return dcm_put_bin(ds, tag, "FD", b, 8, err);
}

bool dcm_put_at(DcmSet *ds, uint32_t tag, uint32_t value, RnError **err)
{
    uint8_t b[4];
    le_bytes(b, value >> 16, 2);
    le_bytes(b + 2, value & 0xFFFF, 2);
    return dcm_put_bin(ds, tag, "AT", b, 4, err);
}

/* DS allows 16 characters per value: %.6g always fits. */
bool dcm_put_ds(DcmSet *ds, uint32_t tag, const double *v, size_t n,
                RnError **err)
{
    RnBuf b = RN_BUF_INIT;
    bool ok = rn_buf_append(&b, "", 0, err);
    for (size_t i = 0; ok && i < n; i++) {
        double x = v[i] == 0 ? 0 : v[i]; /* never "-0" */
        ok = rn_buf_printf(&b, err, "%s%.6g", i ? "\\" : "", x);
    }
    ok = ok && put_padded(ds, tag, "DS", b.data ? (char *)b.data : "", b.len, err);
    rn_buf_free(&b);
    return ok;
}

bool dcm_put_is(DcmSet *ds, uint32_t tag, long v, RnError **err)
{
    char s[24];
    snprintf(s, sizeof s, "%ld", v);
    return dcm_put_str(ds, tag, "IS", s, err);
}

bool dcm_put_seq(DcmSet *ds, uint32_t tag, DcmSet *items, size_t n,
                 bool undefined_length, RnError **err)
{
    DcmSet *copy = n ? rn_malloc(n * sizeof *copy, err) : NULL;
    DcmElem *e = (n == 0 || copy) ? slot(ds, tag, "SQ", err) : NULL;
    if (e == NULL) {
        free(copy);
        for (size_t i = 0; i < n; i++)
            dcm_set_free(&items[i]);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        copy[i] = items[i];
        items[i] = (DcmSet)DCM_SET_INIT;
    }
    e->kind = ELEM_SEQ;
    e->items = copy;
    e->nitems = n;
    e->undefined_length = undefined_length;
    return true;
}

bool dcm_put_encapsulated(DcmSet *ds, uint32_t tag, const uint8_t *const *frames,
                          const size_t *len, size_t nframes, bool with_offsets,
                          RnError **err)
{
    size_t total = 0;
    for (size_t i = 0; i < nframes; i++) {
        if (len[i] > 0xFFFFFFF0u || total > SIZE_MAX - len[i] - 1) {
            rn_error_set(err, RN_ERROR_LIMIT, "encapsulated frame too large");
            return false;
        }
        total += len[i] + (len[i] & 1);
    }
    uint8_t *data = rn_malloc(total ? total : 1, err);
    size_t *lens = rn_malloc((nframes ? nframes : 1) * sizeof *lens, err);
    DcmElem *e = (data && lens) ? slot(ds, tag, "OB", err) : NULL;
    if (e == NULL) {
        free(data);
        free(lens);
        return false;
    }
    size_t at = 0;
    for (size_t i = 0; i < nframes; i++) {
        memcpy(data + at, frames[i], len[i]);
        at += len[i];
        if (len[i] & 1)
            data[at++] = 0; /* fragments have even length */
        lens[i] = len[i] + (len[i] & 1);
    }
    e->kind = ELEM_ENCAP;
    e->value = data;
    e->len = total;
    e->frame_len = lens;
    e->nframes = nframes;
    e->with_offsets = with_offsets;
    return true;
}

/* ---- encoding ---------------------------------------------------------- */

typedef struct Enc {
    RnBuf *out;
    bool explicit_vr, big_endian;
    RnError **err;
} Enc;

static bool put_uint(Enc *en, uint64_t v, size_t n)
{
    uint8_t b[8];
    for (size_t i = 0; i < n; i++)
        b[en->big_endian ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
    return rn_buf_append(en->out, b, n, en->err);
}

static bool put_tag(Enc *en, uint32_t tag)
{
    return put_uint(en, tag >> 16, 2) && put_uint(en, tag & 0xFFFF, 2);
}

/* Tag, VR (explicit) and length; items and delimiters never carry a VR. */
static bool put_header(Enc *en, uint32_t tag, const char *vr, uint32_t len)
{
    if (!put_tag(en, tag))
        return false;
    if (!en->explicit_vr)
        return put_uint(en, len, 4);
    if (!rn_buf_append(en->out, vr, 2, en->err))
        return false;
    if (dcm_vr_long_length(vr))
        return put_uint(en, 0, 2) && put_uint(en, len, 4);
    return put_uint(en, len, 2);
}

static bool put_value(Enc *en, const DcmElem *e)
{
    size_t unit = vr_swap_unit(e->vr);
    if (!en->big_endian || unit == 1)
        return rn_buf_append(en->out, e->value, e->len, en->err);
    if (!rn_buf_reserve(en->out, e->len, en->err))
        return false;
    uint8_t *dst = en->out->data + en->out->len;
    for (size_t i = 0; i + unit <= e->len; i += unit)
        for (size_t k = 0; k < unit; k++)
            dst[i + k] = e->value[i + unit - 1 - k];
    en->out->len += e->len;
    return true;
}

static bool encode_set(Enc *en, const DcmSet *ds);

#define TAG_ITEM DCM_TAG(0xFFFE, 0xE000)
#define TAG_ITEM_END DCM_TAG(0xFFFE, 0xE00D)
#define TAG_SEQ_END DCM_TAG(0xFFFE, 0xE0DD)

/* Writes a 32-bit length placeholder position, patched afterwards. */
static void patch_len(Enc *en, size_t at, size_t len)
{
    uint8_t *p = en->out->data + at;
    for (size_t i = 0; i < 4; i++)
        p[en->big_endian ? 3 - i : i] = (uint8_t)(len >> (8 * i));
}

static bool encode_seq(Enc *en, const DcmElem *e)
{
    uint32_t undef = 0xFFFFFFFFu;
    if (!put_header(en, e->tag, "SQ", undef))
        return false;
    size_t len_at = en->out->len - 4, start = en->out->len;
    for (size_t i = 0; i < e->nitems; i++) {
        if (!put_tag(en, TAG_ITEM) || !put_uint(en, undef, 4))
            return false;
        size_t item_len_at = en->out->len - 4, item_start = en->out->len;
        if (!encode_set(en, &e->items[i]))
            return false;
        if (e->undefined_length) {
            if (!put_tag(en, TAG_ITEM_END) || !put_uint(en, 0, 4))
                return false;
        } else {
            patch_len(en, item_len_at, en->out->len - item_start);
        }
    }
    if (e->undefined_length)
        return put_tag(en, TAG_SEQ_END) && put_uint(en, 0, 4);
    if (en->out->len - start > 0xFFFFFFFEu) {
        rn_error_set(en->err, RN_ERROR_LIMIT, "sequence too long");
        return false;
    }
    patch_len(en, len_at, en->out->len - start);
    return true;
}

/* Encapsulated pixel data is always little endian (explicit VR OB,
 * undefined length): offset table item, one fragment per frame, delimiter. */
static bool encode_encap(Enc *en, const DcmElem *e)
{
    Enc le = *en;
    le.big_endian = false;
    if (!put_header(&le, e->tag, "OB", 0xFFFFFFFFu) || !put_tag(&le, TAG_ITEM))
        return false;
    size_t nbot = e->with_offsets ? e->nframes : 0;
    if (!put_uint(&le, 4 * nbot, 4))
        return false;
    uint64_t off = 0;
    for (size_t i = 0; i < nbot; i++) {
        if (off > 0xFFFFFFFFu) {
            rn_error_set(en->err, RN_ERROR_LIMIT, "offset table overflows");
            return false;
        }
        if (!put_uint(&le, off, 4))
            return false;
        off += 8 + e->frame_len[i];
    }
    size_t at = 0;
    for (size_t i = 0; i < e->nframes; i++) {
        if (!put_tag(&le, TAG_ITEM) || !put_uint(&le, e->frame_len[i], 4) ||
            !rn_buf_append(en->out, e->value + at, e->frame_len[i], en->err))
            return false;
        at += e->frame_len[i];
    }
    return put_tag(&le, TAG_SEQ_END) && put_uint(&le, 0, 4);
}

static bool encode_elem(Enc *en, const DcmElem *e)
{
    if (e->kind == ELEM_SEQ)
        return encode_seq(en, e);
    if (e->kind == ELEM_ENCAP)
        return encode_encap(en, e);
    return put_header(en, e->tag, e->vr, (uint32_t)e->len) && put_value(en, e);
}

static int cmp_elem(const void *a, const void *b)
{
    uint32_t x = ((const DcmElem *)a)->tag, y = ((const DcmElem *)b)->tag;
    return (x > y) - (x < y);
}

static bool encode_set(Enc *en, const DcmSet *ds)
{
    /* Sorting a copy of the pointers keeps encoding const on ds. */
    DcmElem *sorted = ds->n ? rn_malloc(ds->n * sizeof *sorted, en->err) : NULL;
    if (ds->n && sorted == NULL)
        return false;
    if (ds->n)
        memcpy(sorted, ds->elems, ds->n * sizeof *sorted);
    qsort(sorted, ds->n, sizeof *sorted, cmp_elem);
    bool ok = true;
    for (size_t i = 0; ok && i < ds->n; i++)
        ok = encode_elem(en, &sorted[i]);
    free(sorted);
    return ok;
}

bool dcm_encode(const DcmSet *ds, DcmSyntax ts, RnBuf *out, RnError **err)
{
    Enc en = {out, ts != DCM_IMPLICIT_LE, ts == DCM_EXPLICIT_BE, err};
    return encode_set(&en, ds);
}

/* ---- Part 10 ----------------------------------------------------------- */

static bool build_meta(const DcmMeta *m, DcmSyntax ts, DcmSet *meta, RnError **err)
{
    static const uint8_t version[2] = {0, 1};
    bool ok = dcm_put_bin(meta, DCM_TAG(2, 1), "OB", version, 2, err) &&
              dcm_put_str(meta, DCM_TAG(2, 2), "UI", m->sop_class_uid, err) &&
              dcm_put_str(meta, DCM_TAG(2, 3), "UI", m->sop_instance_uid, err) &&
              dcm_put_str(meta, DCM_TAG(2, 0x10), "UI", dcm_syntax_uid(ts), err) &&
              dcm_put_str(meta, DCM_TAG(2, 0x12), "UI", m->implementation_class_uid,
                          err);
    if (ok && m->implementation_version)
        ok = dcm_put_str(meta, DCM_TAG(2, 0x13), "SH", m->implementation_version, err);
    if (ok && m->source_ae_title)
        ok = dcm_put_str(meta, DCM_TAG(2, 0x16), "AE", m->source_ae_title, err);
    return ok;
}

/* Raw deflate (no zlib header), as PS3.5 A.5 requires. */
static bool deflate_append(const uint8_t *src, size_t n, RnBuf *out, RnError **err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        rn_error_set(err, RN_ERROR_NOMEM, "deflateInit2 failed");
        return false;
    }
    uLong bound = deflateBound(&z, (uLong)n);
    bool ok = rn_buf_reserve(out, bound, err);
    if (ok) {
        z.next_in = (Bytef *)src;
        z.avail_in = (uInt)n;
        z.next_out = out->data + out->len;
        z.avail_out = (uInt)bound;
        ok = deflate(&z, Z_FINISH) == Z_STREAM_END;
        if (!ok)
            rn_error_set(err, RN_ERROR_INTERNAL, "deflate did not finish");
        else
            out->len += z.total_out;
    }
    deflateEnd(&z);
    return ok;
}

bool dcm_write_part10(const DcmMeta *m, const DcmSet *ds, DcmSyntax ts,
                      RnBuf *out, RnError **err)
{
    DcmSet meta = DCM_SET_INIT;
    RnBuf body = RN_BUF_INIT;
    static const uint8_t preamble[128];
    bool ok = build_meta(m, ts, &meta, err) &&
              rn_buf_append(out, preamble, sizeof preamble, err) &&
              rn_buf_append(out, "DICM", 4, err) &&
              dcm_encode(&meta, DCM_EXPLICIT_LE, &body, err);
    if (ok) {
        /* (0002,0000) UL group length precedes the rest of the group. */
        DcmSet gl = DCM_SET_INIT;
        ok = dcm_put_ul(&gl, DCM_TAG(2, 0), (uint32_t)body.len, err) &&
             dcm_encode(&gl, DCM_EXPLICIT_LE, out, err) &&
             rn_buf_append(out, body.data, body.len, err);
        dcm_set_free(&gl);
    }
    body.len = 0;
    DcmSyntax elem_ts = ts == DCM_DEFLATED_LE ? DCM_EXPLICIT_LE : ts;
    if (ok && ts == DCM_DEFLATED_LE)
        ok = dcm_encode(ds, elem_ts, &body, err) &&
             deflate_append(body.data, body.len, out, err);
    else if (ok)
        ok = dcm_encode(ds, elem_ts, out, err);
    dcm_set_free(&meta);
    rn_buf_free(&body);
    return ok;
}
