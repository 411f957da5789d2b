/* A streaming multipart/related parser (RFC 2046 §5.1) for WADO-RS
 * responses. The body arrives in pieces of any size; the parser keeps only
 * the unconsumed bytes (at most one part plus a delimiter) and hands each
 * complete part to the sink. The stream is read as if it began with CRLF,
 * so the first delimiter needs no special case. */
#include "radnet/dicomweb.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_BOUNDARY 70u
/* Transport padding and the CRLF after a delimiter line. */
#define MAX_DELIMITER_LINE 1024u

typedef enum State { PREAMBLE = 0, AFTER_DELIMITER, HEADERS, BODY, EPILOGUE } State;

struct RnMultipart {
    char delim[MAX_BOUNDARY + 5]; /* "\r\n--" boundary */
    size_t dlen;
    size_t max_part;
    RnPartSink sink;
    void *user;
    State state;
    RnBuf buf;       /* unconsumed bytes */
    size_t scanned;  /* bytes of buf known to hold no delimiter start */
    char *part_type; /* Content-Type of the part being read */
    size_t parts;
    uint64_t consumed; /* stream offset of buf[0], for error messages */
};

static bool is_boundary_char(int c)
{
    return isalnum(c) || strchr("'()+_,-./:=? ", c) != NULL;
}

bool rn_multipart_boundary(const char *content_type, char *out, size_t cap, RnError **err)
{
    if (content_type == NULL || strncasecmp(content_type, "multipart/", 10) != 0) {
        rn_error_set(err, RN_ERROR_PARSE, "not a multipart response (Content-Type %s)",
                     content_type ? content_type : "missing");
        return false;
    }
    for (const char *p = strchr(content_type, ';'); p != NULL; p = strchr(p + 1, ';')) {
        const char *q = p + 1;
        while (*q == ' ' || *q == '\t')
            q++;
        if (strncasecmp(q, "boundary=", 9) != 0)
            continue;
        q += 9;
        bool quoted = *q == '"';
        q += quoted;
        size_t n = 0;
        while (q[n] != 0 && (quoted ? q[n] != '"' : q[n] != ';' && q[n] != ' ') &&
               is_boundary_char((unsigned char)q[n]))
            n++;
        bool closed = quoted ? q[n] == '"' : q[n] == 0 || q[n] == ';' || q[n] == ' ';
        if (n == 0 || n > MAX_BOUNDARY || n + 1 > cap || !closed) {
            rn_error_set(err, RN_ERROR_PARSE, "invalid multipart boundary in Content-Type");
            return false;
        }
        memcpy(out, q, n);
        out[n] = 0;
        return true;
    }
    rn_error_set(err, RN_ERROR_PARSE, "multipart Content-Type without a boundary");
    return false;
}

RnMultipart *rn_multipart_open(const char *boundary, size_t max_part, RnPartSink sink,
                               void *user, RnError **err)
{
    size_t n = boundary ? strlen(boundary) : 0;
    if (n == 0 || n > MAX_BOUNDARY || sink == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "multipart: boundary of 1-%u characters needed",
                     MAX_BOUNDARY);
        return NULL;
    }
    RnMultipart *m = rn_calloc(1, sizeof *m, err);
    if (m == NULL)
        return NULL;
    memcpy(m->delim, "\r\n--", 4);
    memcpy(m->delim + 4, boundary, n);
    m->dlen = n + 4;
    m->max_part = max_part;
    m->sink = sink;
    m->user = user;
    /* The virtual CRLF before the first delimiter. */
    if (!rn_buf_append(&m->buf, "\r\n", 2, err)) {
        free(m);
        return NULL;
    }
    m->consumed = 0;
    return m;
}

void rn_multipart_close(RnMultipart *m)
{
    if (m == NULL)
        return;
    rn_buf_free(&m->buf);
    free(m->part_type);
    free(m);
}

size_t rn_multipart_parts(const RnMultipart *m)
{
    return m->parts;
}

static void consume(RnMultipart *m, size_t n)
{
    memmove(m->buf.data, m->buf.data + n, m->buf.len - n);
    m->buf.len -= n;
    m->consumed += n;
    m->scanned = 0;
}

/* Position of the delimiter in buf from the last scan on, or SIZE_MAX;
 * remembers how far the buffer is known to hold none. */
static size_t find_delimiter(RnMultipart *m)
{
    const uint8_t *d = m->buf.data;
    size_t len = m->buf.len;
    for (size_t i = m->scanned; i + m->dlen <= len; i++) {
        const uint8_t *hit = memchr(d + i, '\r', len - i - m->dlen + 1);
        if (hit == NULL)
            break;
        i = (size_t)(hit - d);
        if (memcmp(hit, m->delim, m->dlen) == 0)
            return i;
    }
    m->scanned = len >= m->dlen ? len - m->dlen + 1 : 0;
    return SIZE_MAX;
}

static void *find_bytes(const uint8_t *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (hay[i] == (uint8_t)needle[0] && memcmp(hay + i, needle, k) == 0)
            return (void *)(hay + i);
    return NULL;
}

/* The value of the Content-Type header in a header block (NUL-free text of
 * n bytes, lines separated by CRLF), trimmed; NULL when absent. */
static char *header_content_type(const uint8_t *h, size_t n, RnError **err)
{
    size_t i = 0;
    while (i < n) {
        const uint8_t *eol = find_bytes(h + i, n - i, "\r\n");
        size_t line = eol ? (size_t)(eol - (h + i)) : n - i;
        if (line >= 13 && strncasecmp((const char *)h + i, "content-type:", 13) == 0) {
            size_t b = i + 13, e = i + line;
            while (b < e && (h[b] == ' ' || h[b] == '\t'))
                b++;
            while (e > b && (h[e - 1] == ' ' || h[e - 1] == '\t'))
                e--;
            char *v = rn_malloc(e - b + 1, err);
            if (v != NULL) {
                memcpy(v, h + b, e - b);
                v[e - b] = 0;
            }
            return v;
        }
        i += line + 2;
    }
    return NULL;
}

/* After "--boundary": "--" closes the body; else padding and CRLF open a
 * part. false: need more bytes (*progress false) or an error. */
static bool after_delimiter(RnMultipart *m, bool *progress, RnError **err)
{
    const uint8_t *d = m->buf.data;
    size_t len = m->buf.len;
    if (len >= 2 && d[0] == '-' && d[1] == '-') {
        m->state = EPILOGUE;
        consume(m, len);
        *progress = true;
        return true;
    }
    size_t i = 0;
    while (i < len && (d[i] == ' ' || d[i] == '\t'))
        i++;
    if (i + 2 <= len) {
        if (d[i] != '\r' || d[i + 1] != '\n') {
            rn_error_set_at(err, RN_ERROR_PARSE, m->consumed + i,
                            "multipart: garbage after a boundary delimiter");
            return false;
        }
        consume(m, i + 2);
        m->state = HEADERS;
        *progress = true;
        return true;
    }
    if (len >= MAX_DELIMITER_LINE) {
        rn_error_set_at(err, RN_ERROR_LIMIT, m->consumed, "multipart: delimiter line too long");
        return false;
    }
    return true;
}

static bool headers(RnMultipart *m, bool *progress, RnError **err)
{
    const uint8_t *d = m->buf.data;
    size_t len = m->buf.len, end;
    if (len >= 2 && d[0] == '\r' && d[1] == '\n') {
        end = 0; /* no header lines */
    } else {
        const uint8_t *hit = find_bytes(d, len, "\r\n\r\n");
        if (hit == NULL) {
            if (len > RN_MULTIPART_MAX_HEADERS) {
                rn_error_set_at(err, RN_ERROR_LIMIT, m->consumed,
                                "multipart: part headers longer than %u bytes",
                                RN_MULTIPART_MAX_HEADERS);
                return false;
            }
            return true;
        }
        end = (size_t)(hit - d) + 2;
    }
    if (end > RN_MULTIPART_MAX_HEADERS || memchr(d, 0, end) != NULL) {
        rn_error_set_at(err, RN_ERROR_PARSE, m->consumed, "multipart: invalid part headers");
        return false;
    }
    free(m->part_type);
    m->part_type = NULL;
    RnError *local = NULL;
    m->part_type = header_content_type(d, end, &local);
    if (local != NULL) {
        rn_error_propagate(err, local);
        return false;
    }
    consume(m, end + 2);
    m->state = BODY;
    *progress = true;
    return true;
}

static bool body(RnMultipart *m, bool *progress, RnError **err)
{
    size_t at = find_delimiter(m);
    if (at == SIZE_MAX) {
        if (m->scanned > m->max_part) {
            rn_error_set_at(err, RN_ERROR_LIMIT, m->consumed,
                            "multipart: part larger than %zu bytes", m->max_part);
            return false;
        }
        return true;
    }
    if (at > m->max_part) {
        rn_error_set_at(err, RN_ERROR_LIMIT, m->consumed, "multipart: part larger than %zu bytes",
                        m->max_part);
        return false;
    }
    uint8_t *part = rn_malloc(at ? at : 1, err);
    if (part == NULL)
        return false;
    memcpy(part, m->buf.data, at);
    consume(m, at + m->dlen);
    m->state = AFTER_DELIMITER;
    m->parts++;
    *progress = true;
    return m->sink(m->user, m->part_type, part, at, err);
}

/* The preamble is dropped as it is scanned: only a delimiter's worth stays. */
static bool preamble(RnMultipart *m, bool *progress)
{
    size_t at = find_delimiter(m);
    if (at == SIZE_MAX) {
        if (m->scanned > 0)
            consume(m, m->scanned);
        return true;
    }
    consume(m, at + m->dlen);
    m->state = AFTER_DELIMITER;
    *progress = true;
    return true;
}

static bool step(RnMultipart *m, bool *progress, RnError **err)
{
    *progress = false;
    switch (m->state) {
    case PREAMBLE:
        return preamble(m, progress);
    case AFTER_DELIMITER:
        return after_delimiter(m, progress, err);
    case HEADERS:
        return headers(m, progress, err);
    case BODY:
        return body(m, progress, err);
    case EPILOGUE:
        consume(m, m->buf.len);
        return true;
    }
    return true;
}

bool rn_multipart_feed(RnMultipart *m, const uint8_t *data, size_t n, RnError **err)
{
    if (m->state == EPILOGUE)
        return true; /* after the close delimiter: ignored */
    if (n > 0 && !rn_buf_append(&m->buf, data, n, err))
        return false;
    bool progress = true;
    while (progress && m->state != EPILOGUE)
        if (!step(m, &progress, err))
            return false;
    return true;
}

bool rn_multipart_finish(RnMultipart *m, RnError **err)
{
    if (m->state != EPILOGUE) {
        rn_error_set_at(err, RN_ERROR_PARSE, m->consumed + m->buf.len,
                        "multipart: body ends before its close delimiter (truncated)");
        return false;
    }
    return true;
}
