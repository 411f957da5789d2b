/* The one JSON writer: checked nesting on top of RnBuf, sticky errors. */
#include "radnet/core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum Expect {
    EXPECT_VALUE,   /* top level, array element, or after a key */
    EXPECT_KEY,     /* inside an object */
    EXPECT_NOTHING, /* the top-level value is complete */
} Expect;

struct RnJsonWriter {
    RnBuf *out;
    int indent;
    int depth;
    int indented;   /* open containers that are not flat */
    char open[RN_JSON_MAX_DEPTH];   /* '{' or '[' per level */
    bool empty[RN_JSON_MAX_DEPTH];  /* nothing written at this level yet */
    bool flat[RN_JSON_MAX_DEPTH];   /* members on one line, no spaces */
    bool after_key;
    bool done;
    bool finished;  /* rn_json_finish ran */
    RnError *error;
};

RnJsonWriter *rn_json_open(RnBuf *out, int indent, RnError **err)
{
    if (out == NULL || indent < 0 || indent > 16) {
        rn_error_set(err, RN_ERROR_INVALID, "JSON writer needs a buffer and indent 0..16");
        return NULL;
    }
    RnJsonWriter *w = rn_calloc(1, sizeof *w, err);
    if (w) {
        w->out = out;
        w->indent = indent;
    }
    return w;
}

void rn_json_close(RnJsonWriter *w)
{
    if (w == NULL)
        return;
    rn_error_free(w->error);
    free(w);
}

static bool misuse(RnJsonWriter *w, const char *what)
{
    rn_error_set(&w->error, RN_ERROR_INTERNAL, "JSON writer: %s", what);
    return false;
}

static Expect expecting(const RnJsonWriter *w)
{
    if (w->depth == 0)
        return w->done ? EXPECT_NOTHING : EXPECT_VALUE;
    if (w->open[w->depth - 1] == '{' && !w->after_key)
        return EXPECT_KEY;
    return EXPECT_VALUE;
}

static bool in_flat(const RnJsonWriter *w)
{
    return w->depth > 0 && w->flat[w->depth - 1];
}

/* Indentation counts the open containers that are not flat, so that a
 * container opened inside a flat one is laid out like its flat parent's
 * neighbours' children (the DICOM JSON layout of dcm2json). */
static bool newline(RnJsonWriter *w)
{
    if (w->indent == 0)
        return true;
    if (!rn_buf_append(w->out, "\n", 1, &w->error))
        return false;
    for (int i = 0; i < w->indented * w->indent; i++)
        if (!rn_buf_append(w->out, " ", 1, &w->error))
            return false;
    return true;
}

/* Separator and indentation before a key or an array element. */
static bool begin_item(RnJsonWriter *w)
{
    if (w->depth == 0)
        return true;
    bool first = w->empty[w->depth - 1];
    w->empty[w->depth - 1] = false;
    if (!first && !rn_buf_append(w->out, ",", 1, &w->error))
        return false;
    return in_flat(w) || newline(w);
}

/* Everything a value needs before its text; false if one is not allowed. */
static bool begin_value(RnJsonWriter *w)
{
    if (w->error)
        return false;
    Expect e = expecting(w);
    if (e == EXPECT_KEY)
        return misuse(w, "value where a key is expected");
    if (e == EXPECT_NOTHING)
        return misuse(w, "second top-level value");
    if (w->after_key) {
        w->after_key = false;
        return true;
    }
    return begin_item(w);
}

static bool end_value(RnJsonWriter *w)
{
    if (w->depth == 0)
        w->done = true;
    return w->error == NULL;
}

static bool scalar(RnJsonWriter *w, const char *text)
{
    return begin_value(w) && rn_buf_append_str(w->out, text, &w->error) &&
           end_value(w);
}

static bool open_container(RnJsonWriter *w, char c, bool flat)
{
    if (!begin_value(w))
        return false;
    if (w->depth == RN_JSON_MAX_DEPTH)
        return misuse(w, "nesting too deep");
    if (!rn_buf_append(w->out, &c, 1, &w->error))
        return false;
    w->open[w->depth] = c;
    w->empty[w->depth] = true;
    w->flat[w->depth] = flat;
    w->depth++;
    w->indented += !flat;
    return true;
}

static bool close_container(RnJsonWriter *w, char c)
{
    if (w->error)
        return false;
    if (w->depth == 0 || w->open[w->depth - 1] != c)
        return misuse(w, c == '{' ? "end_object without an open object"
                                  : "end_array without an open array");
    if (w->after_key)
        return misuse(w, "key without a value");
    bool was_empty = w->empty[w->depth - 1], flat = w->flat[w->depth - 1];
    w->depth--;
    w->indented -= !flat;
    if (!was_empty && !flat && !newline(w))
        return false;
    char close = c == '{' ? '}' : ']';
    return rn_buf_append(w->out, &close, 1, &w->error) && end_value(w);
}

bool rn_json_begin_object(RnJsonWriter *w) { return open_container(w, '{', false); }
bool rn_json_begin_object_flat(RnJsonWriter *w) { return open_container(w, '{', true); }
bool rn_json_end_object(RnJsonWriter *w) { return close_container(w, '{'); }
bool rn_json_begin_array(RnJsonWriter *w) { return open_container(w, '[', false); }
bool rn_json_begin_array_flat(RnJsonWriter *w) { return open_container(w, '[', true); }
bool rn_json_end_array(RnJsonWriter *w) { return close_container(w, '['); }

/* A JSON string of s: escapes, and U+FFFD for bytes that are not UTF-8. */
static bool append_string(RnJsonWriter *w, const char *s, size_t n)
{
    RnBuf clean = RN_BUF_INIT;
    const uint8_t *u = (const uint8_t *)s;
    if (!rn_text_utf8_valid(u, n)) {
        if (!rn_text_append_exact(&clean, u, n, RN_TEXT_UTF8, &w->error)) {
            rn_buf_free(&clean);
            return false;
        }
        s = (const char *)clean.data, n = clean.len;
    }
    bool ok = rn_buf_append_json_string(w->out, s, n, &w->error);
    rn_buf_free(&clean);
    return ok;
}

bool rn_json_key(RnJsonWriter *w, const char *key)
{
    if (w->error)
        return false;
    if (expecting(w) != EXPECT_KEY)
        return misuse(w, "key outside an object or twice");
    if (!begin_item(w) || !append_string(w, key, strlen(key)) ||
        !rn_buf_append_str(w->out, w->indent && !in_flat(w) ? ": " : ":", &w->error))
        return false;
    w->after_key = true;
    return true;
}

bool rn_json_string_n(RnJsonWriter *w, const char *s, size_t n)
{
    return begin_value(w) && append_string(w, s, n) && end_value(w);
}

bool rn_json_string(RnJsonWriter *w, const char *s)
{
    if (s == NULL)
        return rn_json_null(w);
    return rn_json_string_n(w, s, strlen(s));
}

/* JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool json_number_valid(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0')
        i++;
    else if (i < n && s[i] >= '1' && s[i] <= '9')
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    else
        return false;
    if (i < n && s[i] == '.') {
        size_t start = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        if (++i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start)
            return false;
    }
    return i == n;
}

bool rn_json_number_text(RnJsonWriter *w, const char *text, size_t n)
{
    if (w->error)
        return false;
    if (!json_number_valid(text, n))
        return misuse(w, "number text is not a JSON number");
    return begin_value(w) && rn_buf_append(w->out, text, n, &w->error) && end_value(w);
}

/* RFC 4648 base64, with padding, straight into the output. */
bool rn_json_base64(RnJsonWriter *w, const uint8_t *p, size_t n)
{
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (!begin_value(w) || !rn_buf_reserve(w->out, (n + 2) / 3 * 4 + 2, &w->error))
        return false;
    char *o = (char *)w->out->data + w->out->len;
    size_t k = 0;
    o[k++] = '"';
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        o[k++] = digits[v >> 18 & 63];
        o[k++] = digits[v >> 12 & 63];
        o[k++] = i + 1 < n ? digits[v >> 6 & 63] : '=';
        o[k++] = i + 2 < n ? digits[v & 63] : '=';
    }
    o[k++] = '"';
    w->out->len += k;
    return end_value(w);
}

bool rn_json_int(RnJsonWriter *w, int64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)v);
    return scalar(w, text);
}

bool rn_json_uint(RnJsonWriter *w, uint64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "%llu", (unsigned long long)v);
    return scalar(w, text);
}

void rn_format_double(double v, char buf[32])
{
    if (!isfinite(v)) {
        snprintf(buf, 32, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
        return;
    }
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, 32, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
}

bool rn_json_double(RnJsonWriter *w, double v)
{
    if (!isfinite(v))
        return rn_json_null(w);
    char text[40];
    rn_format_double(v, text);
    /* Keep it a float for readers that distinguish 1 from 1.0. */
    if (strpbrk(text, ".e") == NULL)
        strcat(text, ".0");
    return scalar(w, text);
}

bool rn_json_bool(RnJsonWriter *w, bool v) { return scalar(w, v ? "true" : "false"); }
bool rn_json_null(RnJsonWriter *w) { return scalar(w, "null"); }

bool rn_json_kv_string(RnJsonWriter *w, const char *key, const char *s)
{
    return rn_json_key(w, key) && rn_json_string(w, s);
}
bool rn_json_kv_int(RnJsonWriter *w, const char *key, int64_t v)
{
    return rn_json_key(w, key) && rn_json_int(w, v);
}
bool rn_json_kv_uint(RnJsonWriter *w, const char *key, uint64_t v)
{
    return rn_json_key(w, key) && rn_json_uint(w, v);
}
bool rn_json_kv_double(RnJsonWriter *w, const char *key, double v)
{
    return rn_json_key(w, key) && rn_json_double(w, v);
}
bool rn_json_kv_bool(RnJsonWriter *w, const char *key, bool v)
{
    return rn_json_key(w, key) && rn_json_bool(w, v);
}

void rn_json_fail(RnJsonWriter *w, RnError *e)
{
    if (e == NULL)
        rn_error_set(&e, RN_ERROR_INTERNAL, "JSON writer: unspecified failure");
    rn_error_propagate(&w->error, e);
}

bool rn_json_finish(RnJsonWriter *w, RnError **err)
{
    if (w->error == NULL && (w->depth != 0 || !w->done))
        misuse(w, "document incomplete");
    if (w->error == NULL && w->indent && !w->finished)
        rn_buf_append(w->out, "\n", 1, &w->error);
    w->finished = true;
    if (w->error == NULL)
        return true;
    rn_error_set(err, rn_error_code(w->error), "%s", rn_error_message(w->error));
    return false;
}
