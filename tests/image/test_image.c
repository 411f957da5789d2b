/* Unit tests of SPEC §3 preprocessing on synthetic frames with
 * hand-computed expectations. */
#include "image/image_internal.h"
#include "rn_test.h"

#include <png.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static RnPixelDesc mono(uint32_t rows, uint32_t cols, unsigned alloc,
                        unsigned stored, bool is_signed, const char *photometric)
{
    RnPixelDesc d;
    memset(&d, 0, sizeof d);
    d.rows = rows;
    d.columns = cols;
    d.frames = 1;
    d.samples_per_pixel = 1;
    d.bits_allocated = (uint16_t)alloc;
    d.bits_stored = (uint16_t)stored;
    d.high_bit = (uint16_t)(stored - 1);
    d.pixel_representation = is_signed;
    snprintf(d.photometric, sizeof d.photometric, "%s", photometric);
    d.transfer_syntax = RN_TS_EXPLICIT_LE;
    return d;
}

static RnImageAttrs attrs_window(const char *modality, double c, double w)
{
    RnImageAttrs a;
    memset(&a, 0, sizeof a);
    a.rescale_slope = 1;
    a.rescale_intercept = 0;
    a.has_window = w != 0;
    a.window_center = c;
    a.window_width = w;
    snprintf(a.modality, sizeof a.modality, "%s", modality);
    return a;
}

static void put16(uint8_t *p, size_t i, uint16_t v)
{
    p[2 * i] = (uint8_t)(v & 0xFF);
    p[2 * i + 1] = (uint8_t)(v >> 8);
}

/* Runs the preprocessing at output size = source size (a square source
 * then passes the resize untouched) and returns the pixels. */
static bool run(const RnPixelDesc *d, const uint8_t *data, size_t n,
                const RnImageAttrs *a, bool multi, uint32_t size, RnPreprocessed *out)
{
    RnPreprocessOptions o = {.size = size};
    RnError *err = NULL;
    bool ok = rn_image_preprocess_frame(d, data, n, a, multi, &o, out, &err);
    if (!ok)
        fprintf(stderr, "preprocess: %s\n", rn_error_message(err));
    rn_error_free(err);
    return ok;
}

/* Window edges: <= c - w/2 -> 0, > c + w/2 -> 255, linear between. */
static void test_window_edges(void)
{
    int16_t vals[16] = {74, 75, 76, 100, 124, 125, 126, -5, 0, 0, 0, 0, 0, 0, 0, 0};
    uint8_t buf[32];
    for (size_t i = 0; i < 16; i++)
        put16(buf, i, (uint16_t)vals[i]);
    RnPixelDesc d = mono(4, 4, 16, 16, true, "MONOCHROME2");
    RnImageAttrs a = attrs_window("CT", 100, 50);
    RnPreprocessed p;
    CHECK(run(&d, buf, sizeof buf, &a, false, 4, &p));
    CHECK_EQ_INT(p.pixels[0], 0);   /* 74 <= 75 */
    CHECK_EQ_INT(p.pixels[1], 0);   /* 75 <= 75: the lower edge is closed */
    CHECK_EQ_INT(p.pixels[2], 5);   /* 1/50*255 = 5.1 */
    CHECK_EQ_INT(p.pixels[3], 127); /* 127.5 truncated */
    CHECK_EQ_INT(p.pixels[4], 249); /* 49/50*255 = 249.9 */
    CHECK_EQ_INT(p.pixels[5], 255); /* 125 is inside: 50/50*255 */
    CHECK_EQ_INT(p.pixels[6], 255);
    CHECK_EQ_INT(p.pixels[7], 0);
    CHECK_EQ_INT(p.window_source, RN_WINDOW_HEADER);
    CHECK_NEAR(p.window_center, 100, 0);
    CHECK_NEAR(p.window_width, 50, 0);
    CHECK(!p.inverted);
    rn_preprocessed_free(&p);

    /* Rescale first: 2 * s - 10 with s = 45 is 80 -> (80 - 75) / 50 * 255. */
    a.rescale_slope = 2;
    a.rescale_intercept = -10;
    put16(buf, 0, 45);
    CHECK(run(&d, buf, sizeof buf, &a, false, 4, &p));
    CHECK_EQ_INT(p.pixels[0], 25);
    rn_preprocessed_free(&p);
}

/* MONOCHROME1 and CR/DX with INVERSE are inverted as 255 - x before the
 * truncation (the authors' order): 5.1 -> 249.9 -> 249, not 255 - 5. */
static void test_inversion(void)
{
    uint8_t buf[32] = {0};
    put16(buf, 0, 76);
    put16(buf, 1, 200);
    RnPreprocessed p;
    struct {
        const char *photometric, *modality;
        bool lut_inverse, inverted;
    } cases[] = {
        {"MONOCHROME1", "CT", false, true},  {"MONOCHROME2", "CR", true, true},
        {"MONOCHROME2", "DX", true, true},   {"MONOCHROME2", "CT", true, false},
        {"MONOCHROME2", "CR", false, false}, {"MONOCHROME1", "CR", true, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        RnPixelDesc d = mono(4, 4, 16, 16, false, cases[i].photometric);
        RnImageAttrs a = attrs_window(cases[i].modality, 100, 50);
        a.presentation_lut_inverse = cases[i].lut_inverse;
        CHECK(run(&d, buf, sizeof buf, &a, false, 4, &p));
        CHECK_EQ_INT(p.inverted, cases[i].inverted);
        CHECK_EQ_INT(p.pixels[0], cases[i].inverted ? 249 : 5);
        CHECK_EQ_INT(p.pixels[1], cases[i].inverted ? 0 : 255);
        CHECK_EQ_INT(p.pixels[2], cases[i].inverted ? 255 : 0);
        rn_preprocessed_free(&p);
    }
}

/* An 8-bit image holding exactly the listed values (cycled). */
static void fill_values(uint8_t *img, size_t n, const unsigned *v, size_t nv)
{
    for (size_t i = 0; i < n; i++)
        img[i] = (uint8_t)v[i % nv];
}

static RnDropReason drop_of(const unsigned *v, size_t nv, double thr)
{
    uint8_t img[64 * 64];
    fill_values(img, sizeof img, v, nv);
    return rn_image_drop_reason(img, 64, 64, thr);
}

/* Every drop rule at its threshold. */
static void test_drop_rules(void)
{
    uint8_t img[10 * 101];
    unsigned ramp[256];
    for (unsigned i = 0; i < 256; i++)
        ramp[i] = i;
    fill_values(img, sizeof img, ramp, 256);
    CHECK_EQ_INT(rn_image_drop_reason(img, 10, 100, 0.1), RN_DROP_NONE); /* 0.1 */
    CHECK_EQ_INT(rn_image_drop_reason(img, 10, 101, 0.1), RN_DROP_ASPECT);
    CHECK_EQ_INT(rn_image_drop_reason(img, 101, 10, 0.1), RN_DROP_ASPECT);

    unsigned zero[] = {0}, one[] = {0, 1}, v63[] = {0, 63}, v64[64];
    CHECK_EQ_INT(drop_of(zero, 1, 0.1), RN_DROP_BLACK);
    CHECK_EQ_INT(drop_of(one, 2, 0.1), RN_DROP_LOW_BITS);
    CHECK_EQ_INT(drop_of(v63, 2, 0.1), RN_DROP_LOW_BITS); /* 6 bits */
    for (unsigned i = 0; i < 64; i++)
        v64[i] = i + 1; /* 1..64: 7 bits, 64 of 127 bins */
    CHECK_EQ_INT(drop_of(v64, 64, 0.1), RN_DROP_NONE);

    /* 8 bits: 255 bins, keep when filled/255 > 0.1, i.e. >= 26 bins. */
    unsigned v[64];
    for (unsigned i = 0; i < 25; i++)
        v[i] = i;
    v[25] = 255;
    CHECK_EQ_INT(drop_of(v, 26, 0.1), RN_DROP_NONE);         /* 26 bins */
    CHECK_EQ_INT(drop_of(v + 1, 25, 0.1), RN_DROP_SPARSE_HISTOGRAM); /* 25 */
    v[24] = 254; /* 254 and 255 share the last, closed bin */
    CHECK_EQ_INT(drop_of(v, 26, 0.1), RN_DROP_SPARSE_HISTOGRAM);

    /* 7 bits: 127 bins, keep from 13 bins. */
    for (unsigned i = 0; i < 12; i++)
        v[i] = i;
    v[12] = 127;
    CHECK_EQ_INT(drop_of(v, 13, 0.1), RN_DROP_NONE);
    CHECK_EQ_INT(drop_of(v + 1, 12, 0.1), RN_DROP_SPARSE_HISTOGRAM);
    v[11] = 126;
    CHECK_EQ_INT(drop_of(v, 13, 0.1), RN_DROP_SPARSE_HISTOGRAM);

    /* Multi-frame XA: 0.2; 51/255 is exactly 0.2 and is dropped. */
    for (unsigned i = 0; i < 51; i++)
        v[i] = i;
    v[50] = 255;
    CHECK_EQ_INT(drop_of(v, 51, 0.2), RN_DROP_SPARSE_HISTOGRAM);
    CHECK_EQ_INT(drop_of(v, 51, 0.1), RN_DROP_NONE);
    v[51] = 100;
    CHECK_EQ_INT(drop_of(v, 52, 0.2), RN_DROP_NONE);
}

/* The XA threshold is picked by preprocess_frame from modality + frames. */
static void test_xa_threshold(void)
{
    uint8_t buf[16 * 16];
    unsigned v[51];
    for (unsigned i = 0; i < 50; i++)
        v[i] = i;
    v[50] = 255;
    fill_values(buf, sizeof buf, v, 51);
    RnPixelDesc d = mono(16, 16, 8, 8, false, "MONOCHROME2");
    /* s + 0.5 through window [0, 255] lands mid-bin: truncates back to s. */
    RnImageAttrs a = attrs_window("XA", 127.5, 255);
    a.rescale_intercept = 0.5;
    RnPreprocessed p;
    CHECK(run(&d, buf, sizeof buf, &a, true, 16, &p));
    CHECK_EQ_INT(p.drop, RN_DROP_SPARSE_HISTOGRAM);
    CHECK_EQ_INT(p.pixels[49], 49);
    CHECK_EQ_INT(p.pixels[50], 255);
    rn_preprocessed_free(&p);
    CHECK(run(&d, buf, sizeof buf, &a, false, 16, &p));
    CHECK_EQ_INT(p.drop, RN_DROP_NONE);
    rn_preprocessed_free(&p);
    snprintf(a.modality, sizeof a.modality, "CT");
    CHECK(run(&d, buf, sizeof buf, &a, true, 16, &p));
    CHECK_EQ_INT(p.drop, RN_DROP_NONE);
    rn_preprocessed_free(&p);
}

/* Resize of a known ramp: 4 -> 2 uses taps 3/7 3/7 1/7 and 1/7 3/7 3/7. */
static void test_resize_gradient(void)
{
    uint8_t src[16], dst[4], ref[4];
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++)
            src[y * 4 + x] = (uint8_t)(64 * x);
    CHECK(rn_image_resize_u8(src, 4, 4, dst, 2, 2, NULL));
    CHECK_EQ_INT(dst[0], 46);  /* (0*3 + 64*3 + 128) / 7 = 45.7 */
    CHECK_EQ_INT(dst[1], 146); /* (64 + 128*3 + 192*3) / 7 = 146.3 */
    CHECK_EQ_INT(dst[2], 46);
    CHECK_EQ_INT(dst[3], 146);
    CHECK(rn_image_resize_u8_ref(src, 4, 4, ref, 2, 2, NULL));
    CHECK(memcmp(dst, ref, 4) == 0);

    /* Upscaling 2 -> 4 is plain bilinear with clamped borders:
     * centres at 0.25 0.75 ... -> 0, 16, 48, 64 for a 0..64 ramp. */
    uint8_t s2[4] = {0, 64, 0, 64}, d4[16];
    CHECK(rn_image_resize_u8(s2, 2, 2, d4, 4, 4, NULL));
    CHECK_EQ_INT(d4[0], 0);
    CHECK_EQ_INT(d4[1], 16);
    CHECK_EQ_INT(d4[2], 48);
    CHECK_EQ_INT(d4[3], 64);
    CHECK_EQ_INT(d4[12], 0);
    CHECK_EQ_INT(d4[15], 64);
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

/* The fast resize against the plain reference on random images of many
 * shapes (odd, prime, 1 x N, up and down): never more than 1 apart. */
static void test_resize_fast_vs_ref(void)
{
    uint32_t seed = 12345;
    const uint32_t sizes[][4] = {
        {512, 512, 128, 128}, {37, 53, 23, 17}, {1, 97, 1, 13}, {97, 1, 13, 1},
        {5, 5, 11, 11}, {300, 7, 128, 3}, {64, 64, 128, 128}, {3, 3, 1, 1},
        {255, 129, 128, 65}, {1000, 13, 127, 2},
    };
    size_t worst = 0, total = 0, exact = 0;
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
        uint32_t r = sizes[c][0], k = sizes[c][1], orr = sizes[c][2], oc = sizes[c][3];
        uint8_t *src = malloc((size_t)r * k), *a = malloc((size_t)orr * oc),
                *b = malloc((size_t)orr * oc);
        for (size_t i = 0; i < (size_t)r * k; i++)
            src[i] = (uint8_t)((i * 7 + (lcg(&seed) & 31)) & 0xFF);
        CHECK(rn_image_resize_u8(src, r, k, a, orr, oc, NULL));
        CHECK(rn_image_resize_u8_ref(src, r, k, b, orr, oc, NULL));
        for (size_t i = 0; i < (size_t)orr * oc; i++) {
            size_t d = (size_t)abs((int)a[i] - (int)b[i]);
            worst = d > worst ? d : worst;
            exact += d == 0;
            total++;
        }
        free(src);
        free(a);
        free(b);
    }
    CHECK_MSG(worst <= 1, "worst difference %zu", worst);
    /* the 8-bit intermediate rounds differently in about 1 pixel of 5 */
    CHECK_MSG(exact * 4 >= total * 3, "%zu of %zu exact", exact, total);
}

/* Fit and centred padding, odd sizes, round-half-even of the authors'. */
static void test_fit_and_padding(void)
{
    uint32_t r, c;
    rn_image_fit_size(5, 16, 8, &r, &c);
    CHECK(r == 2 && c == 8); /* 2.5 -> 2 */
    rn_image_fit_size(7, 16, 8, &r, &c);
    CHECK(r == 4 && c == 8); /* 3.5 -> 4 */
    rn_image_fit_size(16, 5, 8, &r, &c);
    CHECK(r == 8 && c == 2);
    rn_image_fit_size(1, 100, 8, &r, &c);
    CHECK(r == 1 && c == 8); /* 0.08 -> 0, kept at 1 */

    /* 3 x 8 all 255 into 8 x 8: rows 2..4 filled, offset floor(5/2). */
    uint8_t buf[24];
    memset(buf, 200, sizeof buf);
    RnPixelDesc d = mono(3, 8, 8, 8, false, "MONOCHROME2");
    RnImageAttrs a = attrs_window("OT", 100, 50);
    RnPreprocessed p;
    CHECK(run(&d, buf, sizeof buf, &a, false, 8, &p));
    for (uint32_t y = 0; y < 8; y++) {
        bool filled = y >= 2 && y <= 4;
        CHECK_EQ_INT(p.pixels[y * 8 + 0], filled ? 255 : 0);
        CHECK_EQ_INT(p.pixels[y * 8 + 7], filled ? 255 : 0);
    }
    CHECK_EQ_INT(p.source_rows, 3);
    CHECK_EQ_INT(p.source_columns, 8);
    rn_preprocessed_free(&p);

    /* 8 x 3 (tall): columns 2..4 filled. */
    d = mono(8, 3, 8, 8, false, "MONOCHROME2");
    CHECK(run(&d, buf, sizeof buf, &a, false, 8, &p));
    for (uint32_t x = 0; x < 8; x++)
        CHECK_EQ_INT(p.pixels[3 * 8 + x], (x >= 2 && x <= 4) ? 255 : 0);
    rn_preprocessed_free(&p);

    /* 1 x 20 still produces an image (one row, mid-height), dropped. */
    uint8_t line[20];
    for (int i = 0; i < 20; i++)
        line[i] = (uint8_t)(i * 13);
    d = mono(1, 20, 8, 8, false, "MONOCHROME2");
    CHECK(run(&d, line, sizeof line, &a, false, 8, &p));
    CHECK_EQ_INT(p.drop, RN_DROP_ASPECT);
    unsigned nonzero_rows = 0;
    for (uint32_t y = 0; y < 8; y++)
        for (uint32_t x = 0; x < 8; x++)
            if (p.pixels[y * 8 + x]) {
                CHECK_EQ_INT(y, 3);
                nonzero_rows = 1;
            }
    CHECK(nonzero_rows == 1);
    rn_preprocessed_free(&p);
}

/* Signed 12 bits in 16: masked to 12 bits, sign-extended from bit 11;
 * garbage above the stored bits is ignored. */
static void test_signed12(void)
{
    uint16_t raw[16] = {0x0800, 0x07FF, 0x0FFF, 0xF800, 0xA7FF, 0x0000};
    uint8_t buf[32];
    for (size_t i = 0; i < 16; i++)
        put16(buf, i, raw[i]);
    RnPixelDesc d = mono(4, 4, 16, 12, true, "MONOCHROME2");
    RnImageAttrs a = attrs_window("CT", 0, 4096);
    RnPreprocessed p;
    CHECK(run(&d, buf, sizeof buf, &a, false, 4, &p));
    CHECK_EQ_INT(p.pixels[0], 0);   /* -2048 <= -2048 */
    CHECK_EQ_INT(p.pixels[1], 254); /* 4095/4096*255 = 254.94 */
    CHECK_EQ_INT(p.pixels[2], 127); /* -1: 2047/4096*255 = 127.4 */
    CHECK_EQ_INT(p.pixels[3], 0);   /* 0xF800 -> 0x800 = -2048 */
    CHECK_EQ_INT(p.pixels[4], 254); /* 0xA7FF -> 0x7FF = 2047 */
    CHECK_EQ_INT(p.pixels[5], 127); /* 0: 2048/4096*255 = 127.5 */
    rn_preprocessed_free(&p);

    /* Unsigned 12 in 16 with high bit 15: stored bits are the top 12. */
    d = mono(4, 4, 16, 12, false, "MONOCHROME2");
    d.high_bit = 15;
    put16(buf, 0, 0xFFF0);
    a = attrs_window("CT", 2048, 4096);
    CHECK(run(&d, buf, sizeof buf, &a, false, 4, &p));
    CHECK_EQ_INT(p.pixels[0], 254); /* 4095 */
    rn_preprocessed_free(&p);
}

/* numpy.percentile 'linear' on 0..199: 0.995 and 198.005. */
static void test_percentile(void)
{
    double v[200];
    for (int i = 0; i < 200; i++)
        v[199 - i] = i; /* reversed: selection must not assume order */
    CHECK_NEAR(rn_image_percentile(v, 200, 0.5), 0.995, 1e-12);
    CHECK_NEAR(rn_image_percentile(v, 200, 99.5), 198.005, 1e-12);
    double one = 7;
    CHECK_NEAR(rn_image_percentile(&one, 1, 0.5), 7, 0);
    double dup[5] = {3, 3, 3, 3, 3};
    CHECK_NEAR(rn_image_percentile(dup, 5, 99.5), 3, 0);
    CHECK_NEAR(rn_image_lerp(1, 2, 0.25), 1.25, 0);
    CHECK_NEAR(rn_image_lerp(1, 2, 0.75), 1.75, 0);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Selection against sorting, on random data with many ties and sizes. */
static void test_percentile_vs_sort(void)
{
    uint32_t seed = 99;
    int bad = 0;
    for (int round = 0; round < 300; round++) {
        size_t n = 1 + lcg(&seed) % 700;
        unsigned spread = 1 + lcg(&seed) % 50;
        double *v = malloc(n * sizeof *v), *sorted = malloc(n * sizeof *v);
        for (size_t i = 0; i < n; i++)
            v[i] = sorted[i] = (double)(lcg(&seed) % spread) * 0.5 - 3;
        qsort(sorted, n, sizeof *sorted, cmp_d);
        const double qs[] = {0.5, 99.5, 0, 100, 37.25};
        for (size_t t = 0; t < 5; t++) {
            double vi = (double)(n - 1) * (qs[t] / 100.0);
            size_t prev = (size_t)vi;
            double want = prev + 1 < n
                              ? rn_image_lerp(sorted[prev], sorted[prev + 1], vi - (double)prev)
                              : sorted[n - 1];
            bad += rn_image_percentile(v, n, qs[t]) != want;
        }
        free(v);
        free(sorted);
    }
    CHECK_EQ_INT(bad, 0);
}

/* Robust window: the histogram path (16-bit) and the selection path
 * (32-bit) give identical windows and pixels; slope < 0 reverses ranks. */
static void test_robust_window(void)
{
    enum { R = 20, C = 10 };
    uint8_t b16[R * C * 2], b32[R * C * 4];
    for (int i = 0; i < R * C; i++) {
        int v = (i * 37) % 200 - 50;
        put16(b16, (size_t)i, (uint16_t)(int16_t)v);
        for (int k = 0; k < 4; k++)
            b32[4 * i + k] = (uint8_t)((uint32_t)(int32_t)v >> (8 * k));
    }
    RnPixelDesc d16 = mono(R, C, 16, 16, true, "MONOCHROME2");
    RnPixelDesc d32 = mono(R, C, 32, 32, true, "MONOCHROME2");
    RnImageAttrs a = attrs_window("MR", 0, 0);
    RnPreprocessed p16, p32;
    CHECK(run(&d16, b16, sizeof b16, &a, false, R, &p16));
    CHECK(run(&d32, b32, sizeof b32, &a, false, R, &p32));
    CHECK_EQ_INT(p16.window_source, RN_WINDOW_ROBUST);
    /* values -50..149: percentiles -49.005 and 148.005 */
    CHECK_NEAR(p16.window_center, 49.5, 1e-9);
    CHECK_NEAR(p16.window_width, 197.01, 1e-9);
    CHECK(p16.window_center == p32.window_center);
    CHECK(p16.window_width == p32.window_width);
    CHECK(memcmp(p16.pixels, p32.pixels, (size_t)R * R) == 0);
    rn_preprocessed_free(&p16);
    rn_preprocessed_free(&p32);

    a.rescale_slope = -2;
    a.rescale_intercept = 10;
    CHECK(run(&d16, b16, sizeof b16, &a, false, R, &p16));
    CHECK(run(&d32, b32, sizeof b32, &a, false, R, &p32));
    /* -2 v + 10 over -288..110: percentiles -286.01 and 108.01 */
    CHECK_NEAR(p16.window_center, -89.0, 1e-9);
    CHECK_NEAR(p16.window_width, 394.02, 1e-9);
    CHECK(p16.window_center == p32.window_center);
    CHECK(memcmp(p16.pixels, p32.pixels, (size_t)R * R) == 0);
    rn_preprocessed_free(&p16);
    rn_preprocessed_free(&p32);

    /* Width <= 0 in the header falls back too; a constant image is black. */
    a = attrs_window("MR", 10, -1);
    a.has_window = true;
    uint8_t flat[16 * 2] = {0};
    RnPixelDesc df = mono(4, 4, 16, 16, false, "MONOCHROME2");
    CHECK(run(&df, flat, sizeof flat, &a, false, 4, &p16));
    CHECK_EQ_INT(p16.window_source, RN_WINDOW_ROBUST);
    CHECK_EQ_INT(p16.drop, RN_DROP_BLACK);
    rn_preprocessed_free(&p16);
}

/* Colour to luminance: RGB (interleaved and planar) by BT.601 weights,
 * YBR_FULL by its Y sample, stored YBR_FULL_422 by Y1 Y2 of each pair. */
static void test_colour(void)
{
    const uint8_t rgb[4][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {100, 100, 100}};
    uint8_t inter[12], planar[12];
    for (int i = 0; i < 4; i++)
        for (int c = 0; c < 3; c++) {
            inter[i * 3 + c] = rgb[i][c];
            planar[c * 4 + i] = rgb[i][c];
        }
    RnPixelDesc d = mono(2, 2, 8, 8, false, "RGB");
    d.samples_per_pixel = 3;
    RnImageAttrs a = attrs_window("US", 127.5, 255); /* identity-like */
    RnPreprocessed p, q;
    CHECK(run(&d, inter, sizeof inter, &a, false, 2, &p));
    CHECK_EQ_INT(p.pixels[0], 76);  /* 76.245 */
    CHECK_EQ_INT(p.pixels[1], 149); /* 149.685 */
    CHECK_EQ_INT(p.pixels[2], 29);  /* 29.07 */
    CHECK(p.pixels[3] == 99 || p.pixels[3] == 100);
    d.planar_configuration = 1;
    CHECK(run(&d, planar, sizeof planar, &a, false, 2, &q));
    CHECK(memcmp(p.pixels, q.pixels, 4) == 0);
    rn_preprocessed_free(&p);
    rn_preprocessed_free(&q);

    d.planar_configuration = 0;
    snprintf(d.photometric, sizeof d.photometric, "YBR_FULL");
    uint8_t ybr[12] = {10, 128, 128, 20, 0, 0, 30, 255, 255, 40, 1, 2};
    a.rescale_intercept = 0.5; /* mid-bin, so truncation returns Y */
    CHECK(run(&d, ybr, sizeof ybr, &a, false, 2, &p));
    CHECK(p.pixels[0] == 10 && p.pixels[1] == 20 && p.pixels[2] == 30 &&
          p.pixels[3] == 40);
    rn_preprocessed_free(&p);

    snprintf(d.photometric, sizeof d.photometric, "YBR_FULL_422");
    uint8_t packed[8] = {11, 22, 128, 128, 33, 44, 0, 0};
    CHECK(run(&d, packed, sizeof packed, &a, false, 2, &p));
    CHECK(p.pixels[0] == 11 && p.pixels[1] == 22 && p.pixels[2] == 33 &&
          p.pixels[3] == 44);
    rn_preprocessed_free(&p);
}

/* PALETTE COLOR: index -> RGB through the tables (clamped to the first and
 * last entries) -> luminance; without tables it is refused. */
static void test_palette(void)
{
    uint8_t idx[4] = {0, 1, 2, 5};
    uint16_t red[3] = {1000, 2000, 3000}, zero[3] = {0, 0, 0};
    RnPixelDesc d = mono(2, 2, 8, 8, false, "PALETTE COLOR");
    RnImageAttrs a = attrs_window("US", 598, 1196);
    RnPreprocessed p;
    RnError *err = NULL;
    CHECK(!rn_image_preprocess_frame(&d, idx, 4, &a, false, NULL, &p, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_UNSUPPORTED);
    rn_error_free(err);
    a.has_palette = true;
    for (int c = 0; c < 3; c++) {
        a.palette[c].entries = 3;
        a.palette[c].first_mapped = 1;
        a.palette[c].bits = 16;
        a.palette[c].data = (const uint8_t *)(c == 0 ? red : zero);
        a.palette[c].n = sizeof red;
    }
    CHECK(run(&d, idx, 4, &a, false, 2, &p));
    CHECK_EQ_INT(p.pixels[0], 63);  /* 0 -> entry 0: 299 / 1196 * 255 */
    CHECK_EQ_INT(p.pixels[1], 63);  /* 1 -> entry 0 */
    CHECK_EQ_INT(p.pixels[2], 127); /* 2 -> entry 1: 598 */
    CHECK_EQ_INT(p.pixels[3], 191); /* 5 -> last entry: 897 */
    rn_preprocessed_free(&p);
    a.palette[2].n = 5; /* table shorter than its entries */
    CHECK(!rn_image_preprocess_frame(&d, idx, 4, &a, false, NULL, &p, NULL));
}

/* Modality and VOI LUTs built by hand: clamping at both ends of the table,
 * 8-bit entries packed in bytes, scaling by 2^bits - 1, the choice of VOI
 * transform and its bounds. */
static void test_luts(void)
{
    uint16_t vals[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    uint8_t buf[32];
    for (size_t i = 0; i < 16; i++)
        put16(buf, i, vals[i]);
    RnPixelDesc d = mono(4, 4, 16, 16, false, "MONOCHROME2");
    RnImageAttrs a = attrs_window("CR", 0, 0);
    /* Modality LUT: stored 2..5 -> 10, 20, 30, 40 (below 2 -> 10, above -> 40). */
    uint8_t mod[8];
    for (size_t i = 0; i < 4; i++)
        put16(mod, i, (uint16_t)(10 * (i + 1)));
    a.has_modality_lut = true;
    a.modality_lut = (RnLut){4, 2, 16, 2, mod, sizeof mod};
    /* VOI LUT, 8-bit entries packed in bytes: 20 -> 0, 30 -> 51, 40 -> 255. */
    static const uint8_t voi[21] = {[0] = 0, [10] = 51, [20] = 255};
    a.voi_lut_count = 1;
    a.voi_luts[0] = (RnLut){21, 20, 8, 1, voi, sizeof voi};
    CHECK_EQ_INT(rn_image_voi_count(&a), 1);
    RnPreprocessed p;
    CHECK(run(&d, buf, sizeof buf, &a, false, 4, &p));
    CHECK(p.window_source == RN_WINDOW_VOI_LUT && p.modality_lut && p.voi_count == 1);
    CHECK_EQ_STR(rn_window_source_name(p.window_source), "voi_lut");
    static const uint8_t want[16] = {0, 0, 0, 0, 51, 255, 255, 255,
                                     255, 255, 255, 255, 255, 255, 255, 255};
    CHECK(memcmp(p.pixels, want, 16) == 0);
    rn_preprocessed_free(&p);
    /* A window pair comes first; the LUT becomes transform 1. Window
     * 25/10 on 10, 20, 30, 40: 0, 0, 255, 255. */
    a.has_window = true;
    a.window_center = 25;
    a.window_width = 10;
    a.more_window_count = 1;
    a.more_windows[0] = (RnWindow){20, 40};
    CHECK_EQ_INT(rn_image_voi_count(&a), 3);
    CHECK(run(&d, buf, sizeof buf, &a, false, 4, &p));
    CHECK(p.window_source == RN_WINDOW_HEADER && p.pixels[2] == 0 && p.pixels[4] == 255);
    rn_preprocessed_free(&p);
    RnPreprocessOptions o = {.size = 4, .voi_index = 1};
    CHECK(rn_image_preprocess_frame(&d, buf, sizeof buf, &a, false, &o, &p, NULL));
    /* 20/40 (0 < x <= 40): 10 -> 63.75, 20 -> 127.5, 30 -> 191.25, 40 -> 255. */
    CHECK(p.window_source == RN_WINDOW_HEADER && p.voi_index == 1);
    CHECK(p.pixels[0] == 63 && p.pixels[3] == 127 && p.pixels[4] == 191 && p.pixels[5] == 255);
    rn_preprocessed_free(&p);
    o.voi_index = 2;
    CHECK(rn_image_preprocess_frame(&d, buf, sizeof buf, &a, false, &o, &p, NULL));
    CHECK(p.window_source == RN_WINDOW_VOI_LUT && memcmp(p.pixels, want, 16) == 0);
    rn_preprocessed_free(&p);
    o.voi_index = 3;
    RnError *err = NULL;
    CHECK(!rn_image_preprocess_frame(&d, buf, sizeof buf, &a, false, &o, &p, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
    /* Robust window over the Modality LUT's output: 10 x3, 20, 30, 40 x11,
     * so the 0.5 and 99.5 percentiles are 10 and 40. */
    a.has_window = false;
    a.more_window_count = 0;
    a.voi_lut_count = 0;
    CHECK(run(&d, buf, sizeof buf, &a, false, 4, &p));
    CHECK(p.window_source == RN_WINDOW_ROBUST);
    CHECK_NEAR(p.window_center, 25, 1e-9);
    CHECK_NEAR(p.window_width, 30, 1e-9);
    rn_preprocessed_free(&p);
}

static void test_errors(void)
{
    uint8_t buf[32] = {0};
    RnPixelDesc d = mono(4, 4, 16, 16, false, "MONOCHROME2");
    RnImageAttrs a = attrs_window("CT", 0, 0);
    RnPreprocessed p;
    RnError *err = NULL;
    CHECK(!rn_image_preprocess_frame(&d, buf, 31, &a, false, NULL, &p, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_PARSE);
    rn_error_free(err);
    err = NULL;
    snprintf(d.photometric, sizeof d.photometric, "HSV");
    CHECK(!rn_image_preprocess_frame(&d, buf, 32, &a, false, NULL, &p, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_UNSUPPORTED);
    rn_error_free(err);
    err = NULL;
    snprintf(d.photometric, sizeof d.photometric, "MONOCHROME2");
    RnPreprocessOptions big = {.size = RN_IMAGE_MAX_SIZE + 1};
    CHECK(!rn_image_preprocess_frame(&d, buf, 32, &a, false, &big, &p, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
    err = NULL;
    a.rescale_slope = NAN;
    CHECK(!rn_image_preprocess_frame(&d, buf, 32, &a, false, NULL, &p, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
    err = NULL;
    a.rescale_slope = 1;
    d.bits_stored = 17;
    CHECK(!rn_image_preprocess_frame(&d, buf, 32, &a, false, NULL, &p, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_UNSUPPORTED);
    rn_error_free(err);

    /* Default size is RN_IMAGE_DEFAULT_SIZE; 1-bit data is unpacked. */
    d = mono(4, 4, 1, 1, false, "MONOCHROME2");
    uint8_t bits[2] = {0x0F, 0xF0}; /* LSB first: 1111 0000 0000 1111 */
    CHECK(rn_image_preprocess_frame(&d, bits, 2, &a, false, NULL, &p, NULL));
    CHECK_EQ_INT(p.size, RN_IMAGE_DEFAULT_SIZE);
    CHECK_EQ_INT(p.drop, RN_DROP_SPARSE_HISTOGRAM); /* two values */
    CHECK_EQ_INT(p.pixels[0], 255);                         /* row 0: ones */
    CHECK_EQ_INT(p.pixels[RN_IMAGE_DEFAULT_SIZE - 1], 255);
    CHECK_EQ_INT(p.pixels[64 * RN_IMAGE_DEFAULT_SIZE], 0);  /* rows 1-2: zeros */
    rn_preprocessed_free(&p);
    rn_preprocessed_free(NULL);
}

/* PNG round trip through libpng's reader. */
static void test_png(void)
{
    uint8_t img[3 * 5];
    for (int i = 0; i < 15; i++)
        img[i] = (uint8_t)(i * 17);
    RnBuf buf = RN_BUF_INIT;
    CHECK(rn_png_encode_gray8(img, 5, 3, &buf, NULL));
    CHECK(buf.len > 8 && memcmp(buf.data, "\x89PNG\r\n\x1a\n", 8) == 0);
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    CHECK(png_image_begin_read_from_memory(&pi, buf.data, buf.len));
    CHECK_EQ_INT(pi.width, 5);
    CHECK_EQ_INT(pi.height, 3);
    pi.format = PNG_FORMAT_GRAY;
    uint8_t back[15];
    CHECK(png_image_finish_read(&pi, NULL, back, 5, NULL));
    CHECK(memcmp(back, img, 15) == 0);
    rn_buf_free(&buf);

    RnError *err = NULL;
    CHECK(!rn_png_encode_gray8(img, 0, 3, &buf, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
    err = NULL;
    CHECK(!rn_png_write_gray8("/nonexistent-dir/x.png", img, 5, 3, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_IO);
    rn_error_free(err);
}

int main(void)
{
    test_window_edges();
    test_inversion();
    test_drop_rules();
    test_xa_threshold();
    test_resize_gradient();
    test_resize_fast_vs_ref();
    test_fit_and_padding();
    test_signed12();
    test_percentile();
    test_percentile_vs_sort();
    test_robust_window();
    test_colour();
    test_palette();
    test_luts();
    test_errors();
    test_png();
    TEST_DONE();
}
