#include "radnet/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool rn_buf_reserve(RnBuf *b, size_t extra, RnError **err)
{
    size_t need;
    if (__builtin_add_overflow(b->len, extra, &need)) {
        rn_error_set(err, RN_ERROR_LIMIT, "buffer size overflows");
        return false;
    }
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *p = rn_realloc(b->data, cap, err);
    if (p == NULL)
        return false;
    b->data = p;
    b->cap = cap;
    return true;
}

bool rn_buf_append(RnBuf *b, const void *data, size_t n, RnError **err)
{
    if (n == 0)
        return true;
    if (!rn_buf_reserve(b, n, err))
        return false;
    memcpy(b->data + b->len, data, n);
    b->len += n;
    return true;
}

bool rn_buf_append_str(RnBuf *b, const char *s, RnError **err)
{
    return rn_buf_append(b, s, strlen(s), err);
}

bool rn_buf_printf(RnBuf *b, RnError **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        rn_error_set(err, RN_ERROR_INTERNAL, "bad format string");
        return false;
    }
    if (!rn_buf_reserve(b, (size_t)n + 1, err))
        return false;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return true;
}

static bool json_plain(unsigned char c)
{
    return c >= 0x20 && c != '"' && c != '\\' && c != 0x7f;
}

static bool append_json_escape(RnBuf *b, unsigned char c, RnError **err)
{
    static const char hex[] = "0123456789abcdef";
    char esc[7] = {'\\', 0};
    switch (c) {
    case '"': esc[1] = '"'; break;
    case '\\': esc[1] = '\\'; break;
    case '\n': esc[1] = 'n'; break;
    case '\r': esc[1] = 'r'; break;
    case '\t': esc[1] = 't'; break;
    case '\b': esc[1] = 'b'; break;
    case '\f': esc[1] = 'f'; break;
    default:
        memcpy(esc + 1, "u00", 3);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
    }
    return rn_buf_append_str(b, esc, err);
}

bool rn_buf_append_json_string(RnBuf *b, const char *s, size_t n, RnError **err)
{
    if (!rn_buf_reserve(b, n + 2, err) || !rn_buf_append(b, "\"", 1, err))
        return false;
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && json_plain((unsigned char)s[run]))
            run++;
        if (!rn_buf_append(b, s + i, run - i, err))
            return false;
        if (run < n && !append_json_escape(b, (unsigned char)s[run], err))
            return false;
        i = run + 1;
    }
    return rn_buf_append(b, "\"", 1, err);
}

bool rn_buf_terminate(RnBuf *b, RnError **err)
{
    if (!rn_buf_reserve(b, 1, err))
        return false;
    b->data[b->len] = 0;
    return true;
}

void rn_buf_free(RnBuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
