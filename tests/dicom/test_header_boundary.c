/* Element headers that end exactly at the end of the buffer. For every cut
 * length inside the last element's header the walker must report a
 * truncated header at that header's offset; once the header is whole, a
 * value running past the end. Each cut is walked twice: from an
 * exactly-sized heap copy (a read one byte past the end is an ASan error)
 * and from a view into a larger buffer whose following bytes are 0xFF (a
 * read past the end then misparses the length, so a release build sees
 * an over-read too). */
#include "radnet/dicom.h"
#include "rn_test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct Stream {
    uint8_t b[512];
    size_t n;
    bool big;
} Stream;

static void put(Stream *s, const void *p, size_t n)
{
    memcpy(s->b + s->n, p, n);
    s->n += n;
}

static void put16(Stream *s, unsigned v, bool big)
{
    uint8_t b[2] = {(uint8_t)(big ? v >> 8 : v), (uint8_t)(big ? v : v >> 8)};
    put(s, b, 2);
}

static void put32(Stream *s, uint32_t v, bool big)
{
    put16(s, big ? v >> 16 : v & 0xFFFF, big);
    put16(s, big ? v & 0xFFFF : v >> 16, big);
}

static void tag(Stream *s, unsigned group, unsigned element, bool big)
{
    put16(s, group, big);
    put16(s, element, big);
}

/* Preamble, "DICM", a meta group naming the transfer syntax. */
static void meta(Stream *s, const char *ts_uid)
{
    memset(s->b, 0, 128);
    s->n = 128;
    put(s, "DICM", 4);
    size_t uid_len = strlen(ts_uid) + (strlen(ts_uid) & 1);
    tag(s, 0x0002, 0x0000, false);
    put(s, "UL", 2);
    put16(s, 4, false);
    put32(s, (uint32_t)(8 + uid_len), false);
    tag(s, 0x0002, 0x0010, false);
    put(s, "UI", 2);
    put16(s, (unsigned)uid_len, false);
    put(s, ts_uid, strlen(ts_uid));
    if (strlen(ts_uid) & 1)
        put(s, "", 1);
}

/* One short element (Modality "CT"), then the element under test, whose
 * header offset is returned. */
static uint64_t data_set(Stream *s, bool implicit, const char *vr)
{
    tag(s, 0x0008, 0x0060, s->big);
    if (!implicit) {
        put(s, "CS", 2);
    }
    if (implicit)
        put32(s, 2, s->big);
    else
        put16(s, 2, s->big);
    put(s, "CT", 2);
    uint64_t at = s->n;
    tag(s, 0x0009, 0x1010, s->big);
    if (implicit) {
        put32(s, 4, s->big);
    } else if (!strcmp(vr, "OB") || !strcmp(vr, "UT")) {
        put(s, vr, 2);
        put16(s, 0, s->big);
        put32(s, 4, s->big);
    } else {
        put(s, vr, 2);
        put16(s, 4, s->big);
    }
    put(s, "abcd", 4);
    return at;
}

static RnWalkAction count(void *user, const RnWalkElement *el)
{
    (void)el;
    ++*(int *)user;
    return RN_WALK_CONTINUE;
}

/* Walks data[0..n); returns the error (NULL when the walk succeeded). */
static RnError *walk(const uint8_t *data, size_t n, int *elements)
{
    RnParseOptions o;
    rn_parse_options_init(&o);
    RnError *err = NULL;
    RnIO *io = rn_io_open_memory(data, n, &err);
    if (io == NULL)
        return err;
    RnWalkCallbacks cb = {.element = count};
    *elements = 0;
    rn_dicom_walk(io, &o, &cb, elements, &err);
    rn_io_close(io);
    return err;
}

static void expect_error(RnError *err, uint64_t at, const char *text, const char *what,
                         size_t cut)
{
    CHECK_MSG(err != NULL, "%s cut %zu: the walk succeeded", what, cut);
    if (err == NULL)
        return;
    CHECK_MSG(rn_error_code(err) == RN_ERROR_PARSE && rn_error_offset(err) == (int64_t)at &&
                  strstr(rn_error_message(err), text) != NULL,
              "%s cut %zu: %s at %lld (%s), want \"%s\" at %llu", what, cut,
              rn_error_code_name(rn_error_code(err)), (long long)rn_error_offset(err),
              rn_error_message(err), text, (unsigned long long)at);
    rn_error_free(err);
}

static void cuts(const char *what, const char *ts, bool big, bool implicit, const char *vr,
                 size_t header_len)
{
    Stream s = {.big = big};
    meta(&s, ts);
    uint64_t at = data_set(&s, implicit, vr);
    int elements = 0;
    RnError *err = walk(s.b, s.n, &elements);
    CHECK_MSG(err == NULL && elements == 4, "%s: whole stream: %d elements, %s", what,
              elements, err ? rn_error_message(err) : "ok");
    rn_error_free(err);
    uint8_t padded[sizeof s.b + 16];
    for (size_t cut = 1; cut < header_len + 4; cut++) {
        size_t n = (size_t)at + cut;
        const char *text = cut < header_len ? "truncated element header"
                                            : "runs past the end of the file";
        uint8_t *exact = malloc(n);
        memcpy(exact, s.b, n);
        expect_error(walk(exact, n, &elements), at, text, what, cut);
        free(exact);
        memset(padded, 0xFF, sizeof padded);
        memcpy(padded, s.b, n);
        expect_error(walk(padded, n, &elements), at, text, what, cut);
    }
}

int main(void)
{
    cuts("explicit LE OB", "1.2.840.10008.1.2.1", false, false, "OB", 12);
    cuts("explicit LE UT", "1.2.840.10008.1.2.1", false, false, "UT", 12);
    cuts("explicit LE LO", "1.2.840.10008.1.2.1", false, false, "LO", 8);
    cuts("explicit BE OB", "1.2.840.10008.1.2.2", true, false, "OB", 12);
    cuts("implicit LE", "1.2.840.10008.1.2", false, true, "", 8);
    TEST_DONE();
}
