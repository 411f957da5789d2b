/* Unit tests of the synth stage: RLE encoder (round trip through a decoder
 * written here from PS3.5 G, and through gdcm), JPEG lossless encoder
 * (through gdcm), the DICOM writer's byte-level rules, UIDs and the
 * planner's counts and modality shares. */
#include "radnet/synth.h"
#include "synth/dcmw.h"
#include "synth/rng.h"
#include "synth/study.h"
#include "rn_test.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static uint32_t le32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* PackBits segment decoder, independent of the encoder. */
static size_t unpack(const uint8_t *src, size_t n, uint8_t *dst, size_t cap)
{
    size_t i = 0, o = 0;
    while (i < n) {
        int8_t h = (int8_t)src[i++];
        if (h >= 0) {
            for (int k = 0; k <= h && i < n && o < cap; k++)
                dst[o++] = src[i++];
        } else if (h != -128 && i < n) {
            for (int k = 0; k < 1 - h && o < cap; k++)
                dst[o++] = src[i];
            i++;
        }
    }
    return o;
}

/* Decodes one RLE frame back to interleaved little-endian pixels. */
static bool rle_decode(const uint8_t *f, size_t n, uint32_t rows, uint32_t cols,
                       int samples, int bytes, uint8_t *out)
{
    uint32_t nseg = le32(f);
    if (nseg != (uint32_t)(samples * bytes) || n < 64)
        return false;
    size_t px = (size_t)rows * cols;
    uint8_t *plane = malloc(px);
    bool ok = plane != NULL;
    for (uint32_t s = 0; ok && s < nseg; s++) {
        uint32_t a = le32(f + 4 + 4 * s), b = s + 1 < nseg ? le32(f + 8 + 4 * s) : (uint32_t)n;
        ok = a < b && b <= n && (b - a) % 2 == 0 && unpack(f + a, b - a, plane, px) == px;
        int sample = (int)s / bytes, byte = bytes - 1 - (int)s % bytes;
        for (size_t i = 0; ok && i < px; i++)
            out[(i * samples + sample) * bytes + byte] = plane[i];
    }
    free(plane);
    return ok;
}

static void fill(Rng *r, uint8_t *p, size_t n, int pattern)
{
    for (size_t i = 0; i < n; i++)
        p[i] = pattern == 0 ? (uint8_t)rng_next(r)
             : pattern == 1 ? 7
             : (uint8_t)(i / 5 % 3 == 0 ? rng_next(r) : i / 9);
}

static void test_rle_roundtrip(void)
{
    Rng r;
    rng_seed(&r, 1, 2, 3);
    const uint32_t widths[] = {1, 2, 3, 127, 128, 129, 130, 300};
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++)
        for (int samples = 1; samples <= 3; samples += 2)
            for (int bytes = 1; bytes <= 2; bytes++)
                for (int pattern = 0; pattern < 3; pattern++) {
                    uint32_t rows = 5, cols = widths[w];
                    size_t n = (size_t)rows * cols * samples * bytes;
                    uint8_t *px = malloc(n), *back = calloc(n, 1);
                    fill(&r, px, n, pattern);
                    RnBuf enc = RN_BUF_INIT;
                    RnError *err = NULL;
                    bool ok = rn_synth_rle_encode(px, rows, cols, (uint16_t)samples,
                                                  (uint16_t)(8 * bytes), &enc, &err);
                    CHECK(ok);
                    CHECK(enc.len % 2 == 0);
                    CHECK_MSG(ok && rle_decode(enc.data, enc.len, rows, cols, samples, bytes, back) &&
                                  memcmp(px, back, n) == 0,
                              "cols %u samples %d bytes %d pattern %d", cols, samples, bytes, pattern);
                    if (pattern == 1 && cols == 300) /* 300 equal bytes: 3 runs per row */
                        CHECK(enc.len < 64 + (size_t)samples * bytes * rows * 8);
                    rn_buf_free(&enc);
                    rn_error_free(err);
                    free(px);
                    free(back);
                }
    RnBuf enc = RN_BUF_INIT;
    RnError *err = NULL;
    uint8_t one = 0;
    CHECK(!rn_synth_rle_encode(&one, 1, 1, 3, 12, &enc, &err));
    CHECK(rn_error_code(err) == RN_ERROR_INVALID);
    rn_error_free(err);
}

/* ---- writer byte rules --------------------------------------------------- */

static bool encode(const DcmSet *ds, DcmSyntax ts, RnBuf *out)
{
    out->len = 0;
    return dcm_encode(ds, ts, out, NULL);
}

static void test_padding_and_headers(void)
{
    DcmSet ds = DCM_SET_INIT;
    RnBuf b = RN_BUF_INIT;
    /* Added out of order: encoding sorts by tag. */
    CHECK(dcm_put_str(&ds, DCM_TAG(0x20, 0xD), "UI", "1.2.3", NULL));
    CHECK(dcm_put_str(&ds, DCM_TAG(0x8, 0x60), "CS", "CTX", NULL));
    static const uint8_t expect_le[] = {
        0x08, 0x00, 0x60, 0x00, 'C', 'S', 4, 0, 'C', 'T', 'X', ' ',
        0x20, 0x00, 0x0D, 0x00, 'U', 'I', 6, 0, '1', '.', '2', '.', '3', 0};
    CHECK(encode(&ds, DCM_EXPLICIT_LE, &b) && b.len == sizeof expect_le &&
          memcmp(b.data, expect_le, b.len) == 0);
    static const uint8_t expect_imp[] = {0x08, 0x00, 0x60, 0x00, 4, 0, 0, 0, 'C', 'T', 'X', ' ',
                                         0x20, 0x00, 0x0D, 0x00, 6, 0, 0, 0, '1', '.', '2', '.', '3', 0};
    CHECK(encode(&ds, DCM_IMPLICIT_LE, &b) && b.len == sizeof expect_imp &&
          memcmp(b.data, expect_imp, b.len) == 0);
    dcm_set_free(&ds);

    /* OB: NUL pad, 2 reserved bytes and a 4-byte length. */
    static const uint8_t ob[3] = {1, 2, 3};
    CHECK(dcm_put_bin(&ds, DCM_TAG(0x9, 0x1020), "OB", ob, 3, NULL));
    static const uint8_t expect_ob[] = {0x09, 0x00, 0x20, 0x10, 'O', 'B', 0, 0, 4, 0, 0, 0, 1, 2, 3, 0};
    CHECK(encode(&ds, DCM_EXPLICIT_LE, &b) && b.len == sizeof expect_ob &&
          memcmp(b.data, expect_ob, b.len) == 0);
    dcm_set_free(&ds);

    /* Big endian swaps tags, lengths and binary values by their unit. */
    CHECK(dcm_put_us(&ds, DCM_TAG(0x28, 0x10), 0x0102, NULL));
    CHECK(dcm_put_fd(&ds, DCM_TAG(0x18, 0x602C), 1.0, NULL));
    static const uint8_t expect_be[] = {
        0x00, 0x18, 0x60, 0x2C, 'F', 'D', 0, 8, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0,
        0x00, 0x28, 0x00, 0x10, 'U', 'S', 0, 2, 0x01, 0x02};
    CHECK(encode(&ds, DCM_EXPLICIT_BE, &b) && b.len == sizeof expect_be &&
          memcmp(b.data, expect_be, b.len) == 0);
    dcm_set_free(&ds);

    /* An odd value too long for a 2-byte length is refused. */
    char *big = malloc(70000);
    memset(big, 'A', 69999);
    big[69999] = '\0';
    RnError *err = NULL;
    CHECK(!dcm_put_str(&ds, DCM_TAG(0x8, 0x1030), "LO", big, &err));
    CHECK(rn_error_code(err) == RN_ERROR_LIMIT);
    rn_error_free(err);
    CHECK(dcm_put_str(&ds, DCM_TAG(0x40, 0xA160), "UT", big, NULL));
    CHECK(encode(&ds, DCM_EXPLICIT_LE, &b) && b.len == 12 + 70000 && le32(b.data + 8) == 70000 &&
          b.data[12 + 69999] == ' ');
    free(big);
    dcm_set_free(&ds);
    rn_buf_free(&b);
}

static void test_sequences(void)
{
    RnBuf b = RN_BUF_INIT;
    for (int undefined = 0; undefined <= 1; undefined++) {
        DcmSet ds = DCM_SET_INIT, item = DCM_SET_INIT;
        CHECK(dcm_put_str(&item, DCM_TAG(0x8, 0x100), "SH", "A", NULL)); /* 8 + 2 bytes */
        CHECK(dcm_put_seq(&ds, DCM_TAG(0x40, 0x275), &item, 1, undefined, NULL));
        CHECK(item.n == 0);
        CHECK(encode(&ds, DCM_EXPLICIT_LE, &b));
        /* header 12, item 8, element 10, [item delim 8, seq delim 8] */
        CHECK_EQ_INT(b.len, undefined ? 46 : 30);
        CHECK(memcmp(b.data + 4, "SQ\0\0", 4) == 0);
        CHECK_EQ_INT(le32(b.data + 8), undefined ? 0xFFFFFFFFu : 18u);
        CHECK(b.data[12] == 0xFE && b.data[13] == 0xFF && b.data[14] == 0x00 && b.data[15] == 0xE0);
        CHECK_EQ_INT(le32(b.data + 16), undefined ? 0xFFFFFFFFu : 10u);
        if (undefined)
            CHECK(b.data[30] == 0xFE && b.data[32] == 0x0D && b.data[33] == 0xE0 &&
                  b.data[38] == 0xFE && b.data[40] == 0xDD && b.data[41] == 0xE0);
        dcm_set_free(&ds);
    }
    rn_buf_free(&b);
}

static void test_encapsulated(void)
{
    DcmSet ds = DCM_SET_INIT;
    RnBuf b = RN_BUF_INIT;
    static const uint8_t f1[3] = {1, 2, 3}, f2[4] = {4, 5, 6, 7};
    const uint8_t *frames[2] = {f1, f2};
    size_t len[2] = {3, 4};
    CHECK(dcm_put_encapsulated(&ds, DCM_TAG(0x7FE0, 0x10), frames, len, 2, true, NULL));
    CHECK(encode(&ds, DCM_EXPLICIT_LE, &b));
    /* OB header 12 | BOT item 8 + 2×4 | frag 8+4 | frag 8+4 | seq delim 8 */
    CHECK_EQ_INT(b.len, 12 + 16 + 12 + 12 + 8);
    CHECK_EQ_INT(le32(b.data + 8), 0xFFFFFFFFu);
    CHECK_EQ_INT(le32(b.data + 16), 8);
    CHECK_EQ_INT(le32(b.data + 20), 0);
    CHECK_EQ_INT(le32(b.data + 24), 12); /* second frame: after 8 + 4 bytes */
    CHECK_EQ_INT(le32(b.data + 32), 4);  /* odd fragment padded to even */
    CHECK(b.data[39] == 0);
    /* Encapsulated pixel data stays little endian inside a BE set. */
    CHECK(encode(&ds, DCM_EXPLICIT_BE, &b));
    CHECK_EQ_INT(le32(b.data + 24), 12);
    dcm_set_free(&ds);
    rn_buf_free(&b);
}

static void test_part10(void)
{
    DcmSet ds = DCM_SET_INIT;
    CHECK(dcm_put_str(&ds, DCM_TAG(0x10, 0x10), "PN", "Horvat^Ana", NULL));
    CHECK(dcm_put_str(&ds, DCM_TAG(0x8, 0x1030), "LO", "RTG pluca", NULL));
    DcmMeta meta = {"1.2.840.10008.5.1.4.1.1.7", "2.25.1", "1.2.3.4", "RADNET", NULL};
    for (int ts = 0; ts < 4; ts++) {
        RnBuf f = RN_BUF_INIT, plain = RN_BUF_INIT;
        CHECK(dcm_write_part10(&meta, &ds, (DcmSyntax)ts, &f, NULL));
        bool pre = f.len > 144;
        for (int i = 0; pre && i < 128; i++)
            pre = f.data[i] == 0;
        CHECK(pre && memcmp(f.data + 128, "DICM", 4) == 0);
        CHECK(memcmp(f.data + 132, "\x02\x00\x00\x00UL\x04\x00", 8) == 0);
        uint32_t glen = le32(f.data + 140);
        size_t body = 144 + glen;
        CHECK(body < f.len);
        /* The last meta element is the implementation version, SH. */
        CHECK(memmem(f.data + 144, glen, dcm_syntax_uid((DcmSyntax)ts),
                     strlen(dcm_syntax_uid((DcmSyntax)ts))) != NULL);
        if (ts == DCM_DEFLATED_LE) {
            CHECK(dcm_encode(&ds, DCM_EXPLICIT_LE, &plain, NULL));
            uint8_t out[256];
            z_stream z = {0};
            inflateInit2(&z, -15);
            z.next_in = f.data + body;
            z.avail_in = (uInt)(f.len - body);
            z.next_out = out;
            z.avail_out = sizeof out;
            CHECK(inflate(&z, Z_FINISH) == Z_STREAM_END);
            CHECK(z.total_out == plain.len && memcmp(out, plain.data, plain.len) == 0);
            inflateEnd(&z);
        }
        rn_buf_free(&f);
        rn_buf_free(&plain);
    }
    dcm_set_free(&ds);
}

/* ---- codecs through gdcm --------------------------------------------------- */

/* Writes pixels as a one-frame secondary capture in syntax ts, decodes it
 * with gdcmconv --raw + gdcmraw and compares. */
static bool gdcm_roundtrip(DcmSyntax ts, const uint8_t *px, uint32_t rows, uint32_t cols,
                           int bits_alloc, int bits_stored, const uint8_t *frame, size_t flen)
{
    DcmSet ds = DCM_SET_INIT;
    bool ok = dcm_put_str(&ds, DCM_TAG(8, 0x16), "UI", "1.2.840.10008.5.1.4.1.1.7", NULL) &&
              dcm_put_str(&ds, DCM_TAG(8, 0x18), "UI", "2.25.77", NULL) &&
              dcm_put_str(&ds, DCM_TAG(8, 0x60), "CS", "OT", NULL) &&
              dcm_put_us(&ds, DCM_TAG(0x28, 2), 1, NULL) &&
              dcm_put_str(&ds, DCM_TAG(0x28, 4), "CS", "MONOCHROME2", NULL) &&
              dcm_put_us(&ds, DCM_TAG(0x28, 0x10), (uint16_t)rows, NULL) &&
              dcm_put_us(&ds, DCM_TAG(0x28, 0x11), (uint16_t)cols, NULL) &&
              dcm_put_us(&ds, DCM_TAG(0x28, 0x100), (uint16_t)bits_alloc, NULL) &&
              dcm_put_us(&ds, DCM_TAG(0x28, 0x101), (uint16_t)bits_stored, NULL) &&
              dcm_put_us(&ds, DCM_TAG(0x28, 0x102), (uint16_t)(bits_stored - 1), NULL) &&
              dcm_put_us(&ds, DCM_TAG(0x28, 0x103), 0, NULL) &&
              dcm_put_encapsulated(&ds, DCM_TAG(0x7FE0, 0x10), &frame, &flen, 1, true, NULL);
    DcmMeta meta = {"1.2.840.10008.5.1.4.1.1.7", "2.25.77", "1.2.3.4", NULL, NULL};
    RnBuf f = RN_BUF_INIT;
    char dir[] = "/tmp/rn_synth_unitXXXXXX", in[64], conv[64], raw[64], cmd[320];
    ok = ok && dcm_write_part10(&meta, &ds, ts, &f, NULL) && mkdtemp(dir) != NULL;
    snprintf(in, sizeof in, "%s/in.dcm", dir);
    snprintf(conv, sizeof conv, "%s/conv.dcm", dir);
    snprintf(raw, sizeof raw, "%s/out.raw", dir);
    FILE *fp = ok ? fopen(in, "wb") : NULL;
    ok = fp && fwrite(f.data, 1, f.len, fp) == f.len;
    if (fp)
        fclose(fp);
    snprintf(cmd, sizeof cmd, "gdcmconv --raw %s %s && gdcmraw -i %s -o %s", in, conv, conv, raw);
    ok = ok && system(cmd) == 0;
    uint8_t *back = NULL;
    size_t n = 0, expect = (size_t)rows * cols * (bits_alloc / 8);
    /* gdcm pads an odd-length value to even: one trailing byte is allowed. */
    ok = ok && rn_file_read_all(raw, 1u << 26, &back, &n, NULL) &&
         n == expect + (expect & 1) && memcmp(back, px, expect) == 0;
    free(back);
    unlink(in), unlink(conv), unlink(raw), rmdir(dir);
    rn_buf_free(&f);
    dcm_set_free(&ds);
    return ok;
}

static void test_codecs_with_gdcm(void)
{
    Rng r;
    rng_seed(&r, 4, 5, 6);
    const int bits[] = {8, 12, 16, 16};
    for (int k = 0; k < 4; k++) {
        uint32_t rows = 37, cols = 53;
        int ba = bits[k] > 8 ? 16 : 8;
        size_t n = (size_t)rows * cols;
        uint16_t *v = malloc(n * sizeof *v);
        uint8_t *px = malloc(n * 2);
        for (size_t i = 0; i < n; i++) {
            /* k == 3: full-range noise, exercising difference category 16. */
            uint32_t mask = (1u << bits[k]) - 1;
            v[i] = (uint16_t)(k == 3 ? rng_next(&r) & mask
                                     : ((i % cols) * 13 + (i / cols) * 7 + rng_next(&r) % 9) & mask);
            if (ba == 8)
                px[i] = (uint8_t)v[i];
            else
                px[2 * i] = (uint8_t)v[i], px[2 * i + 1] = (uint8_t)(v[i] >> 8);
        }
        RnBuf jl = RN_BUF_INIT, rle = RN_BUF_INIT;
        CHECK(rn_synth_jpeg_lossless_encode(v, rows, cols, bits[k], &jl, NULL));
        CHECK_MSG(gdcm_roundtrip(DCM_JPEG_LOSSLESS_SV1, px, rows, cols, ba, bits[k], jl.data, jl.len),
                  "JPEG lossless %d bits", bits[k]);
        CHECK(rn_synth_rle_encode(px, rows, cols, 1, (uint16_t)ba, &rle, NULL));
        CHECK_MSG(gdcm_roundtrip(DCM_RLE, px, rows, cols, ba, bits[k], rle.data, rle.len),
                  "RLE %d bits", bits[k]);
        rn_buf_free(&jl);
        rn_buf_free(&rle);
        free(v);
        free(px);
    }
}

/* ---- planner --------------------------------------------------------------- */

static void test_planner(void)
{
    const double target[M_COUNT] = {0.20, 0.15, 0.25, 0.20, 0.08, 0.03, 0.02, 0.04, 0.015, 0.015};
    for (int size = 0; size <= 1; size++) {
        Planner p;
        uint64_t n = 200000, files = 0, per[M_COUNT] = {0}, studies = 0;
        planner_init(&p, 42, (RnSynthSize)size, n);
        StudyPlan s;
        while (planner_next(&p, &s)) {
            CHECK(s.nfiles >= 1 && s.index == studies);
            files += (uint64_t)s.nfiles;
            per[s.mod] += (uint64_t)s.nfiles - s.sr;
            studies++;
        }
        CHECK_EQ_INT(files, n);
        for (int m = 0; m < M_COUNT; m++)
            CHECK_MSG(fabs((double)per[m] / (double)n - target[m]) < 0.02 + 0.15 * target[m],
                      "size %d modality %d share %.4f target %.3f", size, m,
                      (double)per[m] / (double)n, target[m]);
    }
    /* A one-file archive is one study with one file. */
    Planner p;
    StudyPlan s;
    planner_init(&p, 3, RN_SYNTH_SMALL, 1);
    CHECK(planner_next(&p, &s) && s.nfiles == 1 && !planner_next(&p, &s));
}

int main(void)
{
    test_rle_roundtrip();
    test_padding_and_headers();
    test_sequences();
    test_encapsulated();
    test_part10();
    test_codecs_with_gdcm();
    test_planner();
    TEST_DONE();
}
