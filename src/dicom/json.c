/* DICOM JSON model (PS3.18 F.2) and the text dump. Numbers follow
 * dcm2json: IS/DS as the stored text (trimmed, made a valid JSON number
 * when it is not one: "+5." becomes 5.0 where dcm2json writes 5.), FL as
 * %.9g (always the same float; dcm2json's own formatter sometimes adds a
 * digit), FD as the shortest text that reads back as the same double
 * (dcm2json's formatter can be off in the last digit), integers exactly. */
#include "dicom/internal.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct Json {
    RnDicomFile *f;
    const RnJsonOptions *o;
    RnJsonWriter *w;
    RnBuf text;    /* decoded value scratch */
} Json;

/* Makes the writer fail with an error met outside it (decoding, I/O). */
static bool fail(Json *j, RnError *e)
{
    rn_json_fail(j->w, e);
    return false;
}

/* ---- numbers ---------------------------------------------------------------- */

/* A JSON number from IS/DS text: strips '+' and leading zeros, adds the
 * digits JSON needs around a decimal point. Returns false when the text is
 * no number at all (the value is then written as a string). */
static bool json_number_text(const char *s, size_t n, char *dst, size_t cap)
{
    size_t i = 0, k = 0;
    if (n == 0 || n + 4 >= cap)
        return false;
    if (s[i] == '+' || s[i] == '-') {
        if (s[i] == '-')
            dst[k++] = '-';
        i++;
    }
    size_t int_start = i;
    while (i < n && isdigit((unsigned char)s[i]))
        i++;
    size_t int_len = i - int_start;
    /* Integer part without superfluous leading zeros. */
    size_t z = int_start;
    while (z + 1 < i && s[z] == '0')
        z++;
    if (int_len == 0)
        dst[k++] = '0';
    else
        for (size_t t = z; t < i; t++)
            dst[k++] = s[t];
    if (i < n && s[i] == '.') {
        i++;
        size_t frac_start = i;
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
        if (int_len == 0 && i == frac_start)
            return false;
        dst[k++] = '.';
        if (i == frac_start)
            dst[k++] = '0';
        for (size_t t = frac_start; t < i; t++)
            dst[k++] = s[t];
    } else if (int_len == 0) {
        return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        dst[k++] = 'e';
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            dst[k++] = s[i++];
        size_t e0 = i;
        while (i < n && isdigit((unsigned char)s[i]) && k + 1 < cap)
            dst[k++] = s[i++];
        if (i == e0)
            return false;
    }
    dst[k] = 0;
    return i == n;
}

static bool put_number_text(Json *j, const char *s, size_t n)
{
    char num[96];
    if (json_number_text(s, n, num, sizeof num))
        return rn_json_number_text(j->w, num, strlen(num));
    return rn_json_string_n(j->w, s, n);
}

/* FL/FD values JSON has no number for, as dcm2json writes them. */
static bool put_non_finite(Json *j, double v)
{
    return rn_json_string(j->w, isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
}

static bool put_binary_number(Json *j, const RnElement *el, size_t index)
{
    const uint8_t *p = el->value + index * rn_vr_unit_size(el->vr);
    char tmp[48];
    switch (el->vr) {
    case RN_VR('U', 'S'): { uint16_t v; memcpy(&v, p, 2); return rn_json_uint(j->w, v); }
    case RN_VR('S', 'S'): { int16_t v; memcpy(&v, p, 2); return rn_json_int(j->w, v); }
    case RN_VR('U', 'L'): { uint32_t v; memcpy(&v, p, 4); return rn_json_uint(j->w, v); }
    case RN_VR('S', 'L'): { int32_t v; memcpy(&v, p, 4); return rn_json_int(j->w, v); }
    case RN_VR('U', 'V'): { uint64_t v; memcpy(&v, p, 8); return rn_json_uint(j->w, v); }
    case RN_VR('S', 'V'): { int64_t v; memcpy(&v, p, 8); return rn_json_int(j->w, v); }
    case RN_VR('F', 'L'): {
        float v;
        memcpy(&v, p, 4);
        if (!isfinite(v))
            return put_non_finite(j, v);
        snprintf(tmp, sizeof tmp, "%.9g", (double)v);
        return rn_json_number_text(j->w, tmp, strlen(tmp));
    }
    case RN_VR('F', 'D'): {
        double v;
        memcpy(&v, p, 8);
        if (!isfinite(v))
            return put_non_finite(j, v);
        /* The shortest text that reads back as the same double, as
         * dcm2json (0.1, not 0.10000000000000001, and no ".0"). */
        rn_format_double(v, tmp);
        return rn_json_number_text(j->w, tmp, strlen(tmp));
    }
    case RN_VR('A', 'T'): {
        uint16_t g, e;
        memcpy(&g, p, 2);
        memcpy(&e, p + 2, 2);
        snprintf(tmp, sizeof tmp, "%04X%04X", g, e);
        return rn_json_string(j->w, tmp);
    }
    default: {
        RnError *e = NULL;
        rn_error_set(&e, RN_ERROR_INTERNAL, "no JSON number for this VR");
        return fail(j, e);
    }
    }
}

/* ---- values ----------------------------------------------------------------- */

static void trim_range(RnVR vr, const char **s, size_t *n)
{
    const char *p = *s;
    size_t k = *n;
    while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\0'))
        k--;
    if (!rn_vr_trims_trailing_only(vr))
        while (k > 0 && *p == ' ')
            p++, k--;
    *s = p;
    *n = k;
}

/* A PN component group without its insignificant trailing '^' and
 * spaces (dcm2json drops them too). */
static void trim_group(const char **s, size_t *n)
{
    trim_range(RN_VR('P', 'N'), s, n);
    while (*n > 0 && ((*s)[*n - 1] == '^' || (*s)[*n - 1] == ' '))
        (*n)--;
}

/* PN value: {"Alphabetic": .., "Ideographic": .., "Phonetic": ..}, empty
 * groups left out; a name with no group at all is null. */
static bool put_person_name(Json *j, const char *s, size_t n)
{
    static const char *const names[] = {"Alphabetic", "Ideographic", "Phonetic"};
    const char *group[3];
    size_t len[3], groups = 0, begin = 0;
    bool any = false;
    for (size_t i = 0; i <= n && groups < 3; i++) {
        if (i < n && s[i] != '=')
            continue;
        group[groups] = s + begin;
        len[groups] = i - begin;
        trim_group(&group[groups], &len[groups]);
        any = any || len[groups] > 0;
        groups++;
        begin = i + 1;
    }
    if (!any)
        return rn_json_null(j->w);
    rn_json_begin_object_flat(j->w);
    for (size_t g = 0; g < groups; g++)
        if (len[g] > 0 && rn_json_key(j->w, names[g]))
            rn_json_string_n(j->w, group[g], len[g]);
    return rn_json_end_object(j->w);
}

static bool put_string_value(Json *j, RnVR vr, const char *s, size_t n)
{
    trim_range(vr, &s, &n);
    if (n == 0)
        return rn_json_null(j->w);
    if (vr == RN_VR('P', 'N'))
        return put_person_name(j, s, n);
    if (vr == RN_VR('I', 'S') || vr == RN_VR('D', 'S'))
        return put_number_text(j, s, n);
    return rn_json_string_n(j->w, s, n);
}

/* True when the value holds nothing but padding (and, for PN, separators):
 * dcm2json then writes no "Value" at all. */
static bool blank(RnVR vr, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != ' ' && c != '\0' && !(vr == RN_VR('P', 'N') && (c == '^' || c == '=')))
            return false;
    }
    return true;
}

static bool decode(Json *j, const RnElement *el)
{
    RnError *e = NULL;
    j->text.len = 0;
    bool ok = rn_vr_uses_charset(el->vr)
                  ? rn_charset_decode(rn_dataset_charset(el->owner), el->value,
                                      el->value_len, el->vr == RN_VR('P', 'N'), &j->text, &e)
                  : rn_buf_append(&j->text, el->value, el->value_len, &e);
    return ok || fail(j, e);
}

static bool put_strings(Json *j, const RnElement *el)
{
    if (!decode(j, el))
        return false;
    const char *s = (const char *)j->text.data;
    size_t n = j->text.len;
    if (blank(el->vr, s, n))
        return true;
    rn_json_key(j->w, "Value");
    rn_json_begin_array_flat(j->w);
    bool multi = rn_vr_is_multivalued_string(el->vr);
    size_t begin = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && !(multi && s[i] == '\\'))
            continue;
        put_string_value(j, el->vr, s + begin, i - begin);
        begin = i + 1;
    }
    return rn_json_end_array(j->w);
}

static bool put_base64(Json *j, const uint8_t *p, size_t n)
{
    return rn_json_key(j->w, "InlineBinary") && rn_json_base64(j->w, p, n);
}

/* Bulk values not kept in memory are read from the file now. */
static bool put_inline_binary(Json *j, const RnElement *el)
{
    if (el->loaded)
        return put_base64(j, el->value, el->value_len);
    RnError *e = NULL;
    uint8_t *tmp = rn_malloc(el->length ? el->length : 1, &e);
    bool ok = tmp && rn_io_seek(j->f->io, el->value_offset, &e) &&
              rn_io_read_exact(j->f->io, tmp, el->length, &e);
    if (ok && j->f->big_endian && rn_vr_unit_size(el->vr) > 1) {
        unsigned unit = rn_vr_unit_size(el->vr);
        for (size_t i = 0; i + unit <= el->length; i += unit)
            for (unsigned k = 0; k < unit / 2; k++) {
                uint8_t t = tmp[i + k];
                tmp[i + k] = tmp[i + unit - 1 - k];
                tmp[i + unit - 1 - k] = t;
            }
    }
    ok = ok ? put_base64(j, tmp, el->length) : fail(j, e);
    free(tmp);
    return ok;
}

static bool put_dataset(Json *j, const RnDataSet *ds);

static bool put_items(Json *j, const RnElement *el)
{
    rn_json_key(j->w, "Value");
    rn_json_begin_array(j->w);
    for (uint32_t i = 0; i < el->item_count; i++) {
        rn_json_begin_object(j->w);
        put_dataset(j, el->items[i]);
        rn_json_end_object(j->w);
    }
    return rn_json_end_array(j->w);
}

static bool put_numbers(Json *j, const RnElement *el)
{
    unsigned unit = rn_vr_unit_size(el->vr);
    bool at = el->vr == RN_VR('A', 'T');
    size_t count = at ? el->value_len / 4 : unit ? el->value_len / unit : 0;
    rn_json_key(j->w, "Value");
    rn_json_begin_array_flat(j->w);
    for (size_t i = 0; i < count; i++)
        if (!put_binary_number(j, el, at ? i * 2 : i))
            return false;
    return rn_json_end_array(j->w);
}

static bool put_value(Json *j, const RnElement *el)
{
    if (el->vr == RN_VR('S', 'Q'))
        return el->item_count ? put_items(j, el) : true;
    if (rn_vr_is_bulk(el->vr))
        return el->length ? put_inline_binary(j, el) : true;
    if (el->value == NULL || el->value_len == 0)
        return true;
    if (rn_vr_is_string(el->vr))
        return put_strings(j, el);
    return put_numbers(j, el);
}

static bool skip_element(Json *j, const RnElement *el)
{
    /* Group lengths are not part of the JSON model. */
    if (RN_TAG_ELEMENT(el->tag) == 0)
        return true;
    if (rn_vr_is_bulk(el->vr) && !j->o->include_bulk)
        return true;
    /* Encapsulated pixel data has no single binary value to inline. */
    return el->encapsulated;
}

/* "GGGGEEEE": {"vr":"XX", "Value" or "InlineBinary"}, the object flat. */
static bool put_element(Json *j, const RnElement *el)
{
    if (skip_element(j, el))
        return true;
    char key[9], vr[3];
    snprintf(key, sizeof key, "%04X%04X", RN_TAG_GROUP(el->tag), RN_TAG_ELEMENT(el->tag));
    rn_vr_str(el->vr ? el->vr : RN_VR('U', 'N'), vr);
    rn_json_key(j->w, key);
    rn_json_begin_object_flat(j->w);
    rn_json_kv_string(j->w, "vr", vr);
    put_value(j, el);
    return rn_json_end_object(j->w);
}

static bool put_dataset(Json *j, const RnDataSet *ds)
{
    for (size_t i = 0; i < ds->count; i++)
        if (!put_element(j, &ds->elements[i]))
            return false;
    return true;
}

bool rn_dicom_to_json(const RnDicomFile *f, const RnJsonOptions *opts, RnBuf *out,
                      RnError **err)
{
    RnJsonOptions defaults = {0};
    Json j = {(RnDicomFile *)f, opts ? opts : &defaults, NULL, RN_BUF_INIT};
    j.w = rn_json_open(out, j.o->pretty ? 2 : 0, err);
    if (j.w == NULL)
        return false;
    rn_json_begin_object(j.w);
    if (j.o->include_meta && f->has_meta)
        put_dataset(&j, &f->meta);
    put_dataset(&j, &f->dataset);
    rn_json_end_object(j.w);
    bool ok = rn_json_finish(j.w, err) && rn_buf_terminate(out, err);
    rn_json_close(j.w);
    rn_buf_free(&j.text);
    return ok;
}

/* ---- text dump --------------------------------------------------------------- */

#define TEXT_MAX_VALUE 64

typedef struct Dump {
    RnBuf *out;
    RnError **err;
} Dump;

static bool text_value(Dump *j, const RnElement *el, RnBuf *line)
{
    if (el->vr == RN_VR('S', 'Q'))
        return rn_buf_printf(line, j->err, "(Sequence, %u item%s)", el->item_count,
                             el->item_count == 1 ? "" : "s");
    if (el->encapsulated)
        return rn_buf_append_str(line, "(encapsulated pixel data)", j->err);
    if (!el->loaded)
        return rn_buf_printf(line, j->err, "(%u bytes not loaded)", el->length);
    if (el->value_len == 0)
        return rn_buf_append_str(line, "(no value)", j->err);
    char *s = NULL;
    bool ok;
    if (rn_vr_is_bulk(el->vr)) {
        ok = true;
        size_t n = el->value_len < 16 ? el->value_len : 16;
        for (size_t i = 0; ok && i < n; i++)
            ok = rn_buf_printf(line, j->err, "%s%02x", i ? "\\" : "", el->value[i]);
        if (ok && n < el->value_len)
            ok = rn_buf_append_str(line, "...", j->err);
        return ok;
    }
    if (!rn_element_get_string_all(el, &s, j->err))
        return false;
    if (s == NULL)
        return rn_buf_append_str(line, "(unreadable)", j->err);
    size_t n = strlen(s);
    /* Truncate on a UTF-8 character boundary. */
    size_t cut = n;
    if (cut > TEXT_MAX_VALUE) {
        cut = TEXT_MAX_VALUE;
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--;
    }
    ok = rn_buf_append_str(line, rn_vr_is_string(el->vr) ? "[" : "", j->err) &&
         rn_buf_append(line, s, cut, j->err) &&
         rn_buf_append_str(line, cut < n ? "..." : "", j->err) &&
         rn_buf_append_str(line, rn_vr_is_string(el->vr) ? "]" : "", j->err);
    free(s);
    return ok;
}

static bool text_dataset(Dump *j, const RnDataSet *ds, int depth);

static bool text_element(Dump *j, const RnElement *el, int depth)
{
    RnBuf line = RN_BUF_INIT;
    char vr[3];
    rn_vr_str(el->vr, vr);
    bool ok = rn_buf_printf(&line, j->err, "%*s(%04x,%04x) %s ", depth * 2, "",
                            RN_TAG_GROUP(el->tag), RN_TAG_ELEMENT(el->tag), vr) &&
              text_value(j, el, &line);
    if (ok) {
        size_t width = line.len < 56 ? 56 - line.len : 1;
        ok = rn_buf_printf(&line, j->err, "%*s# %u, %zu %s\n", (int)width, "",
                           el->length == RN_UNDEFINED_LENGTH ? 0u : el->length,
                           el->vr == RN_VR('S', 'Q') || el->encapsulated ? (size_t)1
                                                                        : rn_element_vm(el),
                           rn_element_keyword(el)) &&
             rn_buf_append(j->out, line.data, line.len, j->err);
    }
    rn_buf_free(&line);
    for (uint32_t i = 0; ok && i < el->item_count; i++) {
        ok = rn_buf_printf(j->out, j->err, "%*s(fffe,e000) item %u\n", depth * 2 + 2, "",
                           i + 1) &&
             text_dataset(j, el->items[i], depth + 2);
    }
    return ok;
}

static bool text_dataset(Dump *j, const RnDataSet *ds, int depth)
{
    for (size_t i = 0; i < ds->count; i++)
        if (!text_element(j, &ds->elements[i], depth))
            return false;
    return true;
}

bool rn_dicom_to_text(const RnDicomFile *f, RnBuf *out, RnError **err)
{
    Dump j = {out, err};
    bool ok = true;
    if (f->has_meta)
        ok = rn_buf_append_str(out, "# File meta information\n", err) &&
             text_dataset(&j, &f->meta, 0);
    ok = ok && rn_buf_printf(out, err, "# Data set (%s)\n", rn_ts_name(f->ts)) &&
         text_dataset(&j, &f->dataset, 0) && rn_buf_terminate(out, err);
    return ok;
}
