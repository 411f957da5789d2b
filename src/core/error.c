#include "radnet/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct RnError {
    RnErrorCode code;
    int64_t offset;
    char message[512];
};

/* Used when the error itself cannot be allocated. */
static RnError nomem_error = {RN_ERROR_NOMEM, -1, "out of memory"};

static void error_vset(RnError **err, RnErrorCode code, int64_t offset,
                       const char *fmt, va_list ap)
{
    if (err == NULL || *err != NULL)
        return;
    RnError *e = malloc(sizeof *e);
    if (e == NULL) {
        *err = &nomem_error;
        return;
    }
    e->code = code;
    e->offset = offset;
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    *err = e;
}

void rn_error_set(RnError **err, RnErrorCode code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, -1, fmt, ap);
    va_end(ap);
}

void rn_error_set_at(RnError **err, RnErrorCode code, uint64_t offset,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, (int64_t)offset, fmt, ap);
    va_end(ap);
}

RnErrorCode rn_error_code(const RnError *err)
{
    return err ? err->code : RN_ERROR_NONE;
}

const char *rn_error_message(const RnError *err)
{
    return err ? err->message : "";
}

int64_t rn_error_offset(const RnError *err)
{
    return err ? err->offset : -1;
}

const char *rn_error_code_name(RnErrorCode code)
{
    static const char *const names[] = {
        [RN_ERROR_NONE] = "none",         [RN_ERROR_NOMEM] = "nomem",
        [RN_ERROR_IO] = "io",             [RN_ERROR_PARSE] = "parse",
        [RN_ERROR_UNSUPPORTED] = "unsupported", [RN_ERROR_LIMIT] = "limit",
        [RN_ERROR_INVALID] = "invalid",   [RN_ERROR_INTERNAL] = "internal",
    };
    if ((unsigned)code < sizeof names / sizeof names[0] && names[code])
        return names[code];
    return "unknown";
}

void rn_error_free(RnError *err)
{
    if (err != &nomem_error)
        free(err);
}

bool rn_mul_size(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

void *rn_malloc(size_t n, RnError **err)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        rn_error_set(err, RN_ERROR_NOMEM, "out of memory (%zu bytes)", n);
    return p;
}

void *rn_calloc(size_t count, size_t size, RnError **err)
{
    size_t total;
    if (!rn_mul_size(count, size, &total)) {
        rn_error_set(err, RN_ERROR_LIMIT, "allocation size overflows");
        return NULL;
    }
    void *p = calloc(total ? count : 1, total ? size : 1);
    if (p == NULL)
        rn_error_set(err, RN_ERROR_NOMEM, "out of memory (%zu bytes)", total);
    return p;
}

void *rn_realloc(void *p, size_t n, RnError **err)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        rn_error_set(err, RN_ERROR_NOMEM, "out of memory (%zu bytes)", n);
    return q;
}

char *rn_strdup(const char *s, RnError **err)
{
    size_t n = strlen(s) + 1;
    char *d = rn_malloc(n, err);
    if (d)
        memcpy(d, s, n);
    return d;
}

void rn_error_propagate(RnError **err, RnError *src)
{
    if (src == NULL)
        return;
    if (err == NULL || *err != NULL)
        rn_error_free(src);
    else
        *err = src;
}
