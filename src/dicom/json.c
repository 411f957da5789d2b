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
    RnBuf *out;
    RnError **err;
    RnBuf text;  /* decoded value scratch */
    int indent;
} Json;

static bool put(Json *j, const char *s) { return rn_buf_append_str(j->out, s, j->err); }

static bool newline(Json *j)
{
    if (!j->o->pretty)
        return true;
    if (!put(j, "\n"))
        return false;
    for (int i = 0; i < j->indent; i++)
        if (!put(j, "  "))
            return false;
    return true;
}

static bool put_string(Json *j, const char *s, size_t n)
{
    return rn_buf_append_json_string(j->out, s, n, j->err);
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
        return put(j, num);
    return put_string(j, s, n);
}

/* The shortest text that reads back as the same double (dcm2json prints
 * 0.1 as 0.1, not 0.10000000000000001). */
static void format_double(double v, char *dst, size_t cap)
{
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(dst, cap, "%.*g", precision, v);
        if (strtod(dst, NULL) == v)
            return;
    }
}

static bool put_binary_number(Json *j, const RnElement *el, size_t index)
{
    const uint8_t *p = el->value + index * rn_vr_unit_size(el->vr);
    char tmp[48];
    switch (el->vr) {
    case RN_VR('U', 'S'): { uint16_t v; memcpy(&v, p, 2); snprintf(tmp, sizeof tmp, "%u", v); break; }
    case RN_VR('S', 'S'): { int16_t v; memcpy(&v, p, 2); snprintf(tmp, sizeof tmp, "%d", v); break; }
    case RN_VR('U', 'L'): { uint32_t v; memcpy(&v, p, 4); snprintf(tmp, sizeof tmp, "%u", v); break; }
    case RN_VR('S', 'L'): { int32_t v; memcpy(&v, p, 4); snprintf(tmp, sizeof tmp, "%d", v); break; }
    case RN_VR('U', 'V'): { uint64_t v; memcpy(&v, p, 8); snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v); break; }
    case RN_VR('S', 'V'): { int64_t v; memcpy(&v, p, 8); snprintf(tmp, sizeof tmp, "%lld", (long long)v); break; }
    case RN_VR('F', 'L'): {
        float v;
        memcpy(&v, p, 4);
        if (!isfinite(v))
            return put(j, isnan(v) ? "\"NaN\"" : v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        snprintf(tmp, sizeof tmp, "%.9g", (double)v);
        break;
    }
    case RN_VR('F', 'D'): {
        double v;
        memcpy(&v, p, 8);
        if (!isfinite(v))
            return put(j, isnan(v) ? "\"NaN\"" : v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        format_double(v, tmp, sizeof tmp);
        break;
    }
    case RN_VR('A', 'T'): {
        uint16_t g, e;
        memcpy(&g, p, 2);
        memcpy(&e, p + 2, 2);
        snprintf(tmp, sizeof tmp, "\"%04X%04X\"", g, e);
        break;
    }
    default:
        return false;
    }
    return put(j, tmp);
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
    static const char *const groups[] = {"Alphabetic", "Ideographic", "Phonetic"};
    size_t mark = j->out->len, begin = 0, g = 0;
    bool first = true;
    if (!put(j, "{"))
        return false;
    for (size_t i = 0; i <= n && g < 3; i++) {
        if (i < n && s[i] != '=')
            continue;
        const char *c = s + begin;
        size_t len = i - begin;
        trim_group(&c, &len);
        if (len > 0) {
            if ((!first && !put(j, ",")) || !put(j, "\"") || !put(j, groups[g]) ||
                !put(j, "\":") || !put_string(j, c, len))
                return false;
            first = false;
        }
        g++;
        begin = i + 1;
    }
    if (first) {
        j->out->len = mark;
        return put(j, "null");
    }
    return put(j, "}");
}

static bool put_string_value(Json *j, RnVR vr, const char *s, size_t n)
{
    trim_range(vr, &s, &n);
    if (n == 0)
        return put(j, "null");
    if (vr == RN_VR('P', 'N'))
        return put_person_name(j, s, n);
    if (vr == RN_VR('I', 'S') || vr == RN_VR('D', 'S'))
        return put_number_text(j, s, n);
    return put_string(j, s, n);
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
    j->text.len = 0;
    if (!rn_vr_uses_charset(el->vr))
        return rn_buf_append(&j->text, el->value, el->value_len, j->err);
    return rn_charset_decode(rn_dataset_charset(el->owner), el->value, el->value_len,
                             el->vr == RN_VR('P', 'N'), &j->text, j->err);
}

static bool put_strings(Json *j, const RnElement *el)
{
    if (!decode(j, el))
        return false;
    const char *s = (const char *)j->text.data;
    size_t n = j->text.len;
    if (blank(el->vr, s, n))
        return true;
    if (!put(j, ",\"Value\":["))
        return false;
    bool multi = rn_vr_is_multivalued_string(el->vr);
    size_t begin = 0;
    bool first = true;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && !(multi && s[i] == '\\'))
            continue;
        if ((!first && !put(j, ",")) || !put_string_value(j, el->vr, s + begin, i - begin))
            return false;
        first = false;
        begin = i + 1;
    }
    return put(j, "]");
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static bool put_base64(Json *j, const uint8_t *p, size_t n)
{
    if (!rn_buf_reserve(j->out, (n + 2) / 3 * 4 + 2, j->err))
        return false;
    char *o = (char *)j->out->data + j->out->len;
    size_t k = 0;
    o[k++] = '"';
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        o[k++] = b64[v >> 18 & 63];
        o[k++] = b64[v >> 12 & 63];
        o[k++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
        o[k++] = i + 2 < n ? b64[v & 63] : '=';
    }
    o[k++] = '"';
    j->out->len += k;
    return true;
}

/* Bulk values not kept in memory are read from the file now. */
static bool put_inline_binary(Json *j, const RnElement *el)
{
    if (el->loaded)
        return put(j, ",\"InlineBinary\":") && put_base64(j, el->value, el->value_len);
    uint8_t *tmp = rn_malloc(el->length ? el->length : 1, j->err);
    bool ok = tmp && rn_io_seek(j->f->io, el->value_offset, j->err) &&
              rn_io_read_exact(j->f->io, tmp, el->length, j->err);
    if (ok && j->f->big_endian && rn_vr_unit_size(el->vr) > 1) {
        unsigned unit = rn_vr_unit_size(el->vr);
        for (size_t i = 0; i + unit <= el->length; i += unit)
            for (unsigned k = 0; k < unit / 2; k++) {
                uint8_t t = tmp[i + k];
                tmp[i + k] = tmp[i + unit - 1 - k];
                tmp[i + unit - 1 - k] = t;
            }
    }
    ok = ok && put(j, ",\"InlineBinary\":") && put_base64(j, tmp, el->length);
    free(tmp);
    return ok;
}

static bool put_dataset(Json *j, const RnDataSet *ds, bool *first);

static bool put_items(Json *j, const RnElement *el)
{
    if (!put(j, ",\"Value\":["))
        return false;
    j->indent++;
    for (uint32_t i = 0; i < el->item_count; i++) {
        bool first = true;
        if ((i && !put(j, ",")) || !newline(j) || !put(j, "{"))
            return false;
        j->indent++;
        if (!put_dataset(j, el->items[i], &first))
            return false;
        j->indent--;
        if (!newline(j) || !put(j, "}"))
            return false;
    }
    j->indent--;
    return newline(j) && put(j, "]");
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
    if (!put(j, ",\"Value\":["))
        return false;
    bool ok = true;
    {
        unsigned unit = rn_vr_unit_size(el->vr);
        size_t count = unit == 2 && el->vr == RN_VR('A', 'T') ? el->value_len / 4
                       : unit ? el->value_len / unit : 0;
        for (size_t i = 0; ok && i < count; i++)
            ok = (!i || put(j, ",")) &&
                 put_binary_number(j, el, el->vr == RN_VR('A', 'T') ? i * 2 : i);
    }
    return ok && put(j, "]");
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

static bool put_element(Json *j, const RnElement *el, bool *first)
{
    if (skip_element(j, el))
        return true;
    char head[40], vr[3];
    rn_vr_str(el->vr ? el->vr : RN_VR('U', 'N'), vr);
    snprintf(head, sizeof head, "\"%04X%04X\":%s{\"vr\":\"%s\"",
             RN_TAG_GROUP(el->tag), RN_TAG_ELEMENT(el->tag), j->o->pretty ? " " : "", vr);
    if ((!*first && !put(j, ",")) || !newline(j) || !put(j, head))
        return false;
    *first = false;
    return put_value(j, el) && put(j, "}");
}

static bool put_dataset(Json *j, const RnDataSet *ds, bool *first)
{
    for (size_t i = 0; i < ds->count; i++)
        if (!put_element(j, &ds->elements[i], first))
            return false;
    return true;
}

bool rn_dicom_to_json(const RnDicomFile *f, const RnJsonOptions *opts, RnBuf *out,
                      RnError **err)
{
    RnJsonOptions defaults = {0};
    Json j = {(RnDicomFile *)f, opts ? opts : &defaults, out, err, RN_BUF_INIT, 0};
    bool first = true;
    bool ok = put(&j, "{");
    j.indent++;
    if (ok && j.o->include_meta && f->has_meta)
        ok = put_dataset(&j, &f->meta, &first);
    ok = ok && put_dataset(&j, &f->dataset, &first);
    j.indent--;
    ok = ok && newline(&j) && put(&j, "}") && (!j.o->pretty || put(&j, "\n")) &&
         rn_buf_terminate(out, err);
    rn_buf_free(&j.text);
    return ok;
}

/* ---- text dump --------------------------------------------------------------- */

#define TEXT_MAX_VALUE 64

static bool text_value(Json *j, const RnElement *el, RnBuf *line)
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

static bool text_dataset(Json *j, const RnDataSet *ds, int depth);

static bool text_element(Json *j, const RnElement *el, int depth)
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

static bool text_dataset(Json *j, const RnDataSet *ds, int depth)
{
    for (size_t i = 0; i < ds->count; i++)
        if (!text_element(j, &ds->elements[i], depth))
            return false;
    return true;
}

bool rn_dicom_to_text(const RnDicomFile *f, RnBuf *out, RnError **err)
{
    RnJsonOptions o = {0};
    Json j = {(RnDicomFile *)f, &o, out, err, RN_BUF_INIT, 0};
    bool ok = true;
    if (f->has_meta)
        ok = rn_buf_append_str(out, "# File meta information\n", err) &&
             text_dataset(&j, &f->meta, 0);
    ok = ok && rn_buf_printf(out, err, "# Data set (%s)\n", rn_ts_name(f->ts)) &&
         text_dataset(&j, &f->dataset, 0) && rn_buf_terminate(out, err);
    rn_buf_free(&j.text);
    return ok;
}
