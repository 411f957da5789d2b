/* The streaming multipart/related parser against a plain whole-body
 * splitter, under every chunking; the boundary parameter; the limits and
 * the malformed bodies; QIDO-RS JSON values. */
#include "radnet/dicomweb.h"
#include "rn_test.h"

#include <stdint.h>

typedef struct Parts {
    size_t n;
    uint8_t *body[16];
    size_t len[16];
    char type[16][64];
    bool fail_at_second; /* the sink refuses the second part */
} Parts;

static bool collect(void *user, const char *content_type, uint8_t *body, size_t n, RnError **err)
{
    Parts *p = user;
    if (p->fail_at_second && p->n == 1) {
        free(body);
        rn_error_set(err, RN_ERROR_INVALID, "refused by the sink");
        return false;
    }
    if (p->n == 16) {
        free(body);
        rn_error_set(err, RN_ERROR_LIMIT, "too many parts for the test");
        return false;
    }
    p->body[p->n] = body;
    p->len[p->n] = n;
    snprintf(p->type[p->n], sizeof p->type[0], "%s", content_type ? content_type : "(none)");
    p->n++;
    return true;
}

static void parts_free(Parts *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->body[i]);
    memset(p, 0, sizeof *p);
}

/* Feeds body in pieces of chunk bytes; returns the error code (NONE: ok). */
static RnErrorCode parse(const char *boundary, const uint8_t *body, size_t n, size_t chunk,
                         size_t max_part, Parts *out)
{
    RnError *err = NULL;
    RnMultipart *m = rn_multipart_open(boundary, max_part, collect, out, &err);
    bool ok = m != NULL;
    for (size_t i = 0; ok && i < n; i += chunk)
        ok = rn_multipart_feed(m, body + i, n - i < chunk ? n - i : chunk, &err);
    ok = ok && rn_multipart_finish(m, &err);
    rn_multipart_close(m);
    RnErrorCode code = ok ? RN_ERROR_NONE : rn_error_code(err);
    rn_error_free(err);
    return code;
}

static const uint8_t *find(const uint8_t *h, size_t n, const uint8_t *k, size_t kn)
{
    for (size_t i = 0; i + kn <= n; i++)
        if (memcmp(h + i, k, kn) == 0)
            return h + i;
    return NULL;
}

/* The reference: split "\r\n" + body at every "\r\n--B" whole, parts
 * between consecutive delimiters, headers up to the first empty line. Only
 * for well-formed bodies (what the generator below writes). */
static size_t reference_bodies(const char *boundary, const uint8_t *body, size_t n,
                               uint8_t **out, size_t *lens)
{
    uint8_t *s = malloc(n + 2);
    memcpy(s, "\r\n", 2);
    memcpy(s + 2, body, n);
    char delim[80];
    snprintf(delim, sizeof delim, "\r\n--%s", boundary);
    size_t dl = strlen(delim), count = 0, len = n + 2;
    const uint8_t *at = find(s, len, (const uint8_t *)delim, dl);
    while (at != NULL) {
        const uint8_t *line = at + dl;
        if (line + 2 <= s + len && line[0] == '-' && line[1] == '-')
            break;
        const uint8_t *start = line + 2; /* CRLF after the delimiter */
        const uint8_t *hdr_end = start[0] == '\r' && start[1] == '\n'
                                     ? start
                                     : find(start, (size_t)(s + len - start),
                                            (const uint8_t *)"\r\n\r\n", 4) + 2;
        const uint8_t *b = hdr_end + 2;
        const uint8_t *next = find(b, (size_t)(s + len - b), (const uint8_t *)delim, dl);
        lens[count] = (size_t)(next - b);
        out[count] = malloc(lens[count] + 1);
        memcpy(out[count], b, lens[count]);
        count++;
        at = next;
    }
    free(s);
    return count;
}

static const char basic[] =
    "preamble to ignore\r\n"
    "--XyZ\r\n"
    "Content-Type: application/dicom\r\n"
    "Content-Length: 12\r\n"
    "\r\n"
    "DICM\n--XyZ\r\n-XyZ\r\n--Xy"       /* near-delimiters inside the body */
    "\r\n--XyZ  \r\n"                  /* transport padding */
    "\r\n"                             /* a part without headers */
    "second\r\n-"
    "\r\n--XyZ--\r\n"
    "epilogue --XyZ\r\n";

static void test_basic_every_chunking(void)
{
    size_t n = sizeof basic - 1;
    for (size_t chunk = 1; chunk <= n; chunk++) {
        Parts p = {0};
        CHECK_EQ_INT(parse("XyZ", (const uint8_t *)basic, n, chunk, 1 << 20, &p), RN_ERROR_NONE);
        CHECK_EQ_INT(p.n, 2);
        if (p.n == 2) {
            CHECK_EQ_INT(p.len[0], 22);
            CHECK(memcmp(p.body[0], "DICM\n--XyZ\r\n-XyZ\r\n--Xy", 22) == 0);
            CHECK_EQ_STR(p.type[0], "application/dicom");
            CHECK_EQ_INT(p.len[1], 9);
            CHECK(memcmp(p.body[1], "second\r\n-", 9) == 0);
            CHECK_EQ_STR(p.type[1], "(none)");
        }
        parts_free(&p);
    }
}

static void test_boundary_parameter(void)
{
    char b[80];
    RnError *err = NULL;
    CHECK(rn_multipart_boundary("multipart/related; type=\"application/dicom\"; boundary=abc-1",
                                b, sizeof b, &err));
    CHECK_EQ_STR(b, "abc-1");
    CHECK(rn_multipart_boundary("Multipart/Related;boundary=\"a b:c\";type=x", b, sizeof b, &err));
    CHECK_EQ_STR(b, "a b:c");
    CHECK(err == NULL);
    const char *bad[] = {NULL, "application/dicom", "multipart/related; type=x",
                         "multipart/related; boundary=", "multipart/related; boundary=\"abc",
                         "multipart/related; boundary=ab\x01" "c",
                         "multipart/related; boundary="
                         "0123456789012345678901234567890123456789012345678901234567890123456789X"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_MSG(!rn_multipart_boundary(bad[i], b, sizeof b, &err), "case %zu", i);
        CHECK(rn_error_code(err) == RN_ERROR_PARSE);
        rn_error_free(err);
        err = NULL;
    }
    CHECK(rn_multipart_open("", 10, collect, NULL, &err) == NULL);
    rn_error_free(err);
}

static void test_malformed(void)
{
    struct {
        const char *body;
        RnErrorCode code;
    } cases[] = {
        {"--B\r\n\r\nabc", RN_ERROR_PARSE},               /* no close delimiter */
        {"--B\r\n\r\nabc\r\n--B", RN_ERROR_PARSE},        /* cut after a delimiter */
        {"--Bjunk\r\n\r\nabc\r\n--B--", RN_ERROR_PARSE},  /* garbage after delimiter */
        {"", RN_ERROR_PARSE},                              /* nothing */
        {"no delimiter at all", RN_ERROR_PARSE},
        {"--B\r\nX: y\r\n", RN_ERROR_PARSE},               /* headers never end */
        {"--B--", RN_ERROR_NONE},                          /* no part: well-formed */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Parts p = {0};
        CHECK_MSG(parse("B", (const uint8_t *)cases[i].body, strlen(cases[i].body), 3, 100, &p) ==
                      cases[i].code,
                  "case %zu", i);
        parts_free(&p);
    }
    /* The sink's error stops the parse. */
    const char two[] = "--B\r\n\r\na\r\n--B\r\n\r\nb\r\n--B--";
    Parts p = {.fail_at_second = true};
    CHECK_EQ_INT(parse("B", (const uint8_t *)two, sizeof two - 1, 1, 100, &p), RN_ERROR_INVALID);
    CHECK_EQ_INT(p.n, 1);
    parts_free(&p);
}

/* A part larger than the limit fails as soon as it is known to be, not at
 * the end of the body: memory stays bounded. */
static void test_limits(void)
{
    size_t big = 1 << 20, max = 4096;
    uint8_t *body = malloc(big + 64);
    memcpy(body, "--B\r\n\r\n", 7);
    memset(body + 7, 'x', big);
    RnError *err = NULL;
    Parts p = {0};
    RnMultipart *m = rn_multipart_open("B", max, collect, &p, &err);
    size_t fed = 0;
    bool ok = true;
    while (ok && fed < big) {
        ok = rn_multipart_feed(m, body + fed, 512, &err);
        fed += 512;
    }
    CHECK(!ok);
    CHECK(rn_error_code(err) == RN_ERROR_LIMIT);
    CHECK_MSG(fed <= max + 1024, "failed only after %zu bytes", fed);
    rn_error_free(err);
    err = NULL;
    rn_multipart_close(m);
    /* exactly max is fine, max + 1 is not */
    for (size_t extra = 0; extra <= 1; extra++) {
        size_t k = 7;
        memset(body + k, 'y', max + extra);
        k += max + extra;
        memcpy(body + k, "\r\n--B--", 7);
        k += 7;
        CHECK_EQ_INT(parse("B", body, k, 100, max, &p), extra ? RN_ERROR_LIMIT : RN_ERROR_NONE);
        parts_free(&p);
    }
    /* headers longer than the limit */
    size_t hn = RN_MULTIPART_MAX_HEADERS + 100;
    uint8_t *h = malloc(hn + 16);
    memcpy(h, "--B\r\nX: ", 8);
    memset(h + 8, 'h', hn);
    CHECK_EQ_INT(parse("B", h, hn + 8, 1000, max, &p), RN_ERROR_LIMIT);
    parts_free(&p);
    free(h);
    free(body);
}

static uint64_t rng_state = 88172645463325252ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)rng_state;
}

/* Random well-formed bodies whose parts are made of the characters of the
 * delimiter (CR, LF, '-', the boundary's letters), random chunkings: the
 * streaming parser equals the reference splitter. */
static void test_random_against_reference(void)
{
    const char *boundary = "ab";
    const char alphabet[] = "\r\n-abx";
    for (int trial = 0; trial < 2000; trial++) {
        uint8_t body[2048];
        size_t n = 0, parts = rnd() % 4;
        n += (size_t)snprintf((char *)body, sizeof body, "pre\r\n");
        for (size_t k = 0; k < parts; k++) {
            n += (size_t)snprintf((char *)body + n, sizeof body - n, "--ab\r\n%s\r\n",
                                  rnd() % 2 ? "Content-Type: application/dicom\r\n" : "");
            size_t len = rnd() % 64;
            for (size_t i = 0; i < len; i++) {
                body[n++] = (uint8_t)alphabet[rnd() % 6];
                /* never write a whole delimiter into a part */
                if (n >= 6 && memcmp(body + n - 6, "\r\n--ab", 6) == 0)
                    body[n - 1] = 'x';
            }
            /* nor the start of one at the part's end ("\r\n--a" + "b") */
            memcpy(body + n, "\r\n", 2);
            n += 2;
        }
        n += (size_t)snprintf((char *)body + n, sizeof body - n, "--ab--\r\n");
        uint8_t *ref[8];
        size_t ref_len[8];
        size_t nref = reference_bodies(boundary, body, n, ref, ref_len);
        /* the CRLF before each delimiter belongs to it: our generator wrote
         * "\r\n" right before "--ab", so the reference sees exactly that */
        Parts p = {0};
        size_t chunk = 1 + rnd() % 17;
        CHECK_EQ_INT(parse(boundary, body, n, chunk, 1 << 16, &p), RN_ERROR_NONE);
        CHECK_EQ_INT(p.n, nref);
        for (size_t i = 0; i < p.n && i < nref; i++) {
            CHECK_EQ_INT(p.len[i], ref_len[i]);
            CHECK(p.len[i] == ref_len[i] && memcmp(p.body[i], ref[i], ref_len[i]) == 0);
        }
        for (size_t i = 0; i < nref; i++)
            free(ref[i]);
        parts_free(&p);
    }
}

static void test_qido(void)
{
    const char json[] =
        "[{\"0020000D\":{\"vr\":\"UI\",\"Value\":[\"1.2.3\"]},\"00080020\":{\"vr\":\"DA\"},"
        "  \"00080018\":{\"vr\":\"UI\",\"Value\":[\"9.1\"]}},"
        " {\"00080020\":{\"vr\":\"DA\",\"Value\":[\"20200101\"]}},"
        " {\"0020000D\":{\"vr\":\"UI\",\"Value\":[\"1.2.4\",\"x\"]}},"
        " {\"0020000D\":{\"vr\":\"UI\",\"Value\":[\"1.2.5\"]},"
        "  \"00080018\":{\"vr\":\"UI\",\"Value\":[\"9.2\"]}}]";
    static const char *const one[] = {"0020000D"};
    static const char *const two[] = {"0020000D", "00080018"};
    char **v = NULL;
    size_t n = 0, objects = 0;
    RnError *err = NULL;
    CHECK(rn_qido_rows(json, sizeof json - 1, one, 1, &v, &n, &objects, &err));
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(objects, 4);
    if (n == 3) {
        CHECK_EQ_STR(v[0], "1.2.3");
        CHECK_EQ_STR(v[1], "1.2.4");
        CHECK_EQ_STR(v[2], "1.2.5");
    }
    rn_dicomweb_strings_free(v, n);
    /* rows need every tag: the third object has no SOP UID */
    CHECK(rn_qido_rows(json, sizeof json - 1, two, 2, &v, &n, &objects, &err));
    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK_EQ_STR(v[0], "1.2.3");
        CHECK_EQ_STR(v[1], "9.1");
        CHECK_EQ_STR(v[2], "1.2.5");
        CHECK_EQ_STR(v[3], "9.2");
    }
    rn_dicomweb_strings_free(v, 2 * n);
    CHECK(rn_qido_rows(" \r\n", 3, one, 1, &v, &n, &objects, &err));
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(objects, 0);
    const char *bad[] = {"{}", "[1]", "[{\"0020000D\":", "[{}]x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_MSG(!rn_qido_rows(bad[i], strlen(bad[i]), two, 2, &v, &n, &objects, &err),
                  "case %zu", i);
        CHECK(v == NULL && n == 0);
        rn_error_free(err);
        err = NULL;
    }
}

static void test_sources(void)
{
    CHECK(rn_dicomweb_is_source("dicomweb+http://h:8042/dicom-web"));
    CHECK(rn_dicomweb_is_source("dicomweb+https://h/dw"));
    CHECK(!rn_dicomweb_is_source("http://h/dw"));
    CHECK(!rn_dicomweb_is_source("dicomweb+ftp://h/dw"));
    RnDicomwebOptions o;
    rn_dicomweb_options_init(&o);
    RnError *err = NULL;
    const char *refused[] = {"dicomweb+http://user:secret@h/dw", "dicomweb+http:///dw",
                             "dicomweb+http://h/dw?x=1", "/some/folder"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        CHECK_MSG(rn_dicomweb_open(refused[i], &o, &err) == NULL, "case %zu", i);
        CHECK(err != NULL && rn_error_code(err) == RN_ERROR_INVALID);
        /* a refused URL's credentials never reach the message */
        CHECK(err == NULL || strstr(rn_error_message(err), "secret") == NULL);
        rn_error_free(err);
        err = NULL;
    }
    o.study_filter = "StudyDescription=a b";
    CHECK(rn_dicomweb_open("dicomweb+http://h/dw", &o, &err) == NULL);
    rn_error_free(err);
    err = NULL;
    o.study_filter = "ModalitiesInStudy=CT";
    RnDicomweb *d = rn_dicomweb_open("dicomweb+http://h/dw/", &o, &err);
    CHECK(d != NULL);
    rn_dicomweb_close(d);
    rn_dicomweb_close(NULL);
}

int main(void)
{
    test_basic_every_chunking();
    test_boundary_parameter();
    test_malformed();
    test_limits();
    test_random_against_reference();
    test_qido();
    test_sources();
    TEST_DONE();
}
