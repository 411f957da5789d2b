/* HOG and uniform LBP: the fast versions against the literal ports of
 * scikit-image's loops (bit-identical: same float arithmetic in the same
 * order), hand-checked cases, and the hog/lbp methods end to end (the
 * descriptor without PCA, fit/transform/save/reload byte-identical,
 * damaged files refused), and hoglbp: its parts from the plain references,
 * the same model bytes at any thread count. */
#include "embed/descriptors.h"
#include "embed/image_common.h"
#include "rn_test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* Random image with flat patches (ties for LBP) and smooth ramps. */
static void make_image(float *img, uint32_t rows, uint32_t cols, uint64_t seed)
{
    RnRng rng = rn_rng_new(seed);
    for (uint32_t r = 0; r < rows; r++)
        for (uint32_t c = 0; c < cols; c++) {
            float v;
            if ((r / 5 + c / 7) % 3 == 0)
                v = 0.5f; /* flat */
            else if ((r / 5 + c / 7) % 3 == 1)
                v = (float)(r * 3 + c) / (float)(rows * 3 + cols);
            else
                v = (float)rn_rng_double(&rng);
            img[(size_t)r * cols + c] = v;
        }
}

static void test_hog_fast_vs_ref(void)
{
    static const struct { uint32_t rows, cols; EbHogParams p; } cases[] = {
        {64, 64, {9, 8, 2}}, {64, 64, {9, 8, 3}}, {37, 53, {9, 8, 2}},
        {40, 40, {12, 7, 1}}, {30, 45, {4, 5, 3}}, {16, 16, {9, 8, 2}},
    };
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        uint32_t rows = cases[t].rows, cols = cases[t].cols;
        const EbHogParams *p = &cases[t].p;
        size_t dim = eb_hog_dim(rows, cols, p);
        CHECK(dim > 0);
        float *img = malloc((size_t)rows * cols * sizeof *img);
        float *scratch = malloc(eb_hog_scratch(rows, cols, p) * sizeof *scratch);
        float *fast = malloc(dim * sizeof *fast), *ref = malloc(dim * sizeof *ref);
        make_image(img, rows, cols, t + 1);
        EbHogPlan plan;
        eb_hog_plan_init(&plan, p);
        eb_hog(&plan, img, rows, cols, scratch, fast);
        CHECK(eb_hog_ref(img, rows, cols, p, ref, NULL));
        CHECK_MSG(memcmp(fast, ref, dim * sizeof *fast) == 0, "case %zu", t);
        /* every block is unit length (or zero) after L2-Hys */
        size_t len = (size_t)p->block * p->block * p->orientations;
        for (size_t b = 0; b < dim / len; b++) {
            double ss = 0;
            for (size_t i = 0; i < len; i++)
                ss += (double)fast[b * len + i] * fast[b * len + i];
            CHECK(ss == 0 || fabs(ss - 1) < 1e-5);
        }
        free(img);
        free(scratch);
        free(fast);
        free(ref);
    }
    EbHogParams p = {9, 8, 2};
    CHECK_EQ_INT(eb_hog_dim(64, 64, &p), 7 * 7 * 2 * 2 * 9);
    CHECK_EQ_INT(eb_hog_dim(15, 64, &p), 0); /* less than one block */
}

static void test_hog_hand_cases(void)
{
    EbHogParams p = {9, 4, 1};
    EbHogPlan plan;
    eb_hog_plan_init(&plan, &p);
    float img[16 * 16], scratch[2 * 256 + 16 * 9], out[16 * 9];
    for (int i = 0; i < 256; i++)
        img[i] = 0.25f;
    eb_hog(&plan, img, 16, 16, scratch, out);
    for (int i = 0; i < 16 * 9; i++)
        CHECK(out[i] == 0); /* no gradient anywhere */
    /* a vertical edge: horizontal gradients, angle 0, all in bin 0 */
    for (int r = 0; r < 16; r++)
        for (int c = 0; c < 16; c++)
            img[r * 16 + c] = c < 8 ? 0.0f : 1.0f;
    eb_hog(&plan, img, 16, 16, scratch, out);
    for (int cell = 0; cell < 16; cell++)
        for (int o = 0; o < 9; o++) {
            bool edge_cell = cell % 4 == 1 || cell % 4 == 2;
            float want = edge_cell && o == 0 ? 1.0f : 0.0f;
            CHECK_NEAR(out[cell * 9 + o], want, 1e-6);
        }
}

static void test_lbp_fast_vs_ref(void)
{
    static const struct { uint32_t P; double R; } scales[] = {
        {8, 1}, {16, 2}, {24, 3}, {12, 1.5}, {4, 1}, {8, 2.7},
    };
    static const uint32_t sizes[][2] = {{64, 64}, {33, 47}, {5, 5}};
    for (size_t z = 0; z < 3; z++)
        for (size_t s = 0; s < sizeof scales / sizeof scales[0]; s++) {
            uint32_t rows = sizes[z][0], cols = sizes[z][1];
            float *img = malloc((size_t)rows * cols * sizeof *img);
            uint8_t *a = malloc((size_t)rows * cols), *b = malloc((size_t)rows * cols);
            double *scratch = malloc(eb_lbp_scratch(cols, scales[s].P) * sizeof *scratch);
            make_image(img, rows, cols, 40 + s);
            eb_lbp_codes(img, rows, cols, scales[s].P, scales[s].R, scratch, a);
            CHECK(eb_lbp_codes_ref(img, rows, cols, scales[s].P, scales[s].R, b, NULL));
            CHECK_MSG(memcmp(a, b, (size_t)rows * cols) == 0, "P %u R %g size %u",
                      scales[s].P, scales[s].R, rows);
            for (size_t i = 0; i < (size_t)rows * cols; i++)
                CHECK(a[i] <= scales[s].P + 1);
            free(scratch);
            free(img);
            free(a);
            free(b);
        }
    /* a constant image: every interior pixel ties with all neighbours
     * (code P), border pixels see zeros outside (code 0 or non-uniform) */
    float flat[100];
    uint8_t codes[100];
    for (int i = 0; i < 100; i++)
        flat[i] = 0.5f;
    double scratch[17 * 10];
    CHECK(eb_lbp_scratch(10, 8) <= sizeof scratch / sizeof *scratch);
    eb_lbp_codes(flat, 10, 10, 8, 1, scratch, codes);
    CHECK_EQ_INT(codes[5 * 10 + 5], 8);
    CHECK(codes[0] != 8);
}

static uint8_t *make_thumbs(size_t n, uint32_t S, RnEmbedItem *items)
{
    uint8_t *px = malloc(n * S * S);
    for (size_t i = 0; i < n; i++) {
        float img[64 * 64];
        make_image(img, S, S, 1000 + i);
        for (size_t j = 0; j < (size_t)S * S; j++) /* two families: dark or light */
            px[i * S * S + j] = (uint8_t)(img[j] * (i % 2 ? 120 : 250));
        items[i] = (RnEmbedItem){.sop_uid = "1.2", .modality = "CT", .region = "",
                                 .thumb = px + i * S * S, .thumb_size = S};
    }
    return px;
}

/* Fit, transform, save, reload, transform again: byte-identical; damaged
 * files refused. */
static void round_trip(const char *method, const char *options, size_t dim)
{
    enum { N = 300 };
    RnEmbedItem items[N];
    uint8_t *px = make_thumbs(N, 48, items);
    RnEmbedParams p = {.dim = dim, .seed = 2, .threads = 3, .options = options};
    RnError *err = NULL;
    RnEmbedModel *m = rn_embed_fit(RN_EMBED_IMAGE, method, items, N, &p, &err);
    CHECK_MSG(m != NULL, "%s: %s", method, err ? rn_error_message(err) : "");
    rn_error_free(err);
    err = NULL;
    if (!m) {
        free(px);
        return;
    }
    size_t d = rn_embed_model_dim(m);
    float *a = malloc(N * d * sizeof *a), *b = malloc(N * d * sizeof *b);
    CHECK(rn_embed_transform(m, items, N, a, NULL));
    char path[] = "/tmp/rn_embed_desc_XXXXXX";
    close(mkstemp(path));
    CHECK(rn_embed_model_save(m, path, NULL));
    RnEmbedModel *back = rn_embed_model_load(path, &err);
    CHECK_MSG(back != NULL, "%s", err ? rn_error_message(err) : "");
    rn_error_free(err);
    err = NULL;
    if (back) {
        rn_embed_model_set_threads(back, 1);
        CHECK(rn_embed_model_dim(back) == d);
        CHECK(rn_embed_transform(back, items, N, b, NULL));
        CHECK_MSG(memcmp(a, b, N * d * sizeof *a) == 0, "%s reload", method);
    }
    uint8_t *file;
    size_t len;
    CHECK(rn_file_read_all(path, 1 << 26, &file, &len, NULL));
    for (size_t cut = 0; cut < len; cut += 1 + len / 50) {
        CHECK(rn_embed_model_load_memory(file, cut, &err) == NULL);
        rn_error_free(err);
        err = NULL;
    }
    /* payload damage behind a recomputed checksum: every byte of the
     * method's layout fields and the start of its arrays, each value
     * refused or harmless (ASan watches) */
    size_t payload_at = 8 + 4 + 4 + 4 + strlen(method) + 8 + 8;
    for (size_t at = payload_at; at < payload_at + 64 && at + 4 < len; at++)
        for (int bit = 0; bit < 8; bit += 3) {
            file[at] ^= (uint8_t)(1u << bit);
            uint32_t crc = (uint32_t)crc32(0, file, (uInt)(len - 4));
            for (int i = 0; i < 4; i++)
                file[len - 4 + i] = (uint8_t)(crc >> (8 * i));
            RnEmbedModel *bad = rn_embed_model_load_memory(file, len, &err);
            if (bad) { /* accepted: it must still work on the rows */
                float *c = malloc(N * rn_embed_model_dim(bad) * sizeof *c);
                RnError *e2 = NULL;
                bool ran = rn_embed_transform(bad, items, 8, c, &e2);
                CHECK(ran || e2 != NULL);
                rn_error_free(e2);
                free(c);
            }
            rn_embed_model_free(bad);
            rn_error_free(err);
            err = NULL;
            file[at] ^= (uint8_t)(1u << bit);
        }
    file[len / 2] ^= 1;
    CHECK(rn_embed_model_load_memory(file, len, &err) == NULL);
    rn_error_free(err);
    free(file);
    unlink(path);
    rn_embed_model_free(back);
    rn_embed_model_free(m);
    free(a);
    free(b);
    free(px);
}

/* Unit Euclidean length (reference side, in double). */
static void ref_unit(float *v, size_t n)
{
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (double)v[i] * v[i];
    for (size_t i = 0; ss > 0 && i < n; i++)
        v[i] = (float)(v[i] / sqrt(ss));
}

/* pca=off gives the descriptor of the resampled thumbnail itself: with
 * hist=0 the HOG as is; with hist=W the HOG at unit length, then W times
 * the square roots of the 32-bin histogram's fractions (counted here). */
static void check_hog_descriptor(const RnEmbedItem *items, size_t n, double hist)
{
    char opts[128];
    snprintf(opts, sizeof opts, "size=32,cell=8,block=2,pca=off,hist=%g", hist);
    RnEmbedParams p = {.options = opts};
    RnEmbedModel *m = rn_embed_fit(RN_EMBED_IMAGE, "hog", items, n, &p, NULL);
    CHECK(m != NULL);
    EbHogParams hp = {9, 8, 2};
    size_t dh = eb_hog_dim(32, 32, &hp), d = dh + (hist > 0 ? 32 : 0);
    CHECK(m && rn_embed_model_dim(m) == d);
    float *out = malloc(n * d * sizeof *out), *want = malloc(d * sizeof *want);
    float img[32 * 32];
    CHECK(m && rn_embed_transform(m, items, n, out, NULL));
    for (size_t i = 0; m && i < n; i++) {
        for (int j = 0; j < 32 * 32; j++)
            img[j] = items[i].thumb[j] * (1.0f / 255.0f);
        CHECK(eb_hog_ref(img, 32, 32, &hp, want, NULL));
        if (hist > 0) {
            ref_unit(want, dh);
            double count[32] = {0};
            for (int j = 0; j < 32 * 32; j++)
                count[items[i].thumb[j] / 8] += 1;
            for (int b = 0; b < 32; b++)
                want[dh + b] = (float)(hist * sqrt(count[b] / 1024));
        }
        double worst = 0;
        for (size_t j = 0; j < d; j++)
            worst = fmax(worst, fabs(want[j] - out[i * d + j]));
        CHECK_MSG(worst < 1e-5, "hist=%g row %zu off by %g", hist, i, worst);
    }
    rn_embed_model_free(m);
    free(out);
    free(want);
}

static void test_hog_method_is_descriptor(void)
{
    enum { N = 4 };
    RnEmbedItem items[N];
    uint8_t *px = make_thumbs(N, 32, items);
    check_hog_descriptor(items, N, 0.0);
    check_hog_descriptor(items, N, 0.5);
    /* the payload before the histogram ("HOG2" and the weight left out,
     * the side first) reads as HOG alone */
    const RnEmbedMethodOps *ops = rn_embed_method_find(RN_EMBED_IMAGE, "hog");
    RnEmbedParams p0 = {.options = "size=32,cell=8,block=2,pca=off,hist=0"};
    size_t dim = 0, dim1 = 0;
    void *st = ops->fit(items, N, &p0, &dim, NULL);
    RnBuf buf = RN_BUF_INIT;
    CHECK(st && ops->save(st, &buf, NULL) && buf.len > 8);
    void *old = st && buf.len > 8 ? ops->load(buf.data + 8, buf.len - 8, &dim1, NULL) : NULL;
    CHECK(old && dim1 == dim);
    if (old) {
        float *x = malloc(N * dim * sizeof *x), *y = malloc(N * dim * sizeof *y);
        CHECK(ops->transform(st, items, N, x, NULL) && ops->transform(old, items, N, y, NULL));
        CHECK(memcmp(x, y, N * dim * sizeof *x) == 0);
        free(x);
        free(y);
    }
    ops->free(old);
    ops->free(st);
    rn_buf_free(&buf);
    RnEmbedParams p = {.options = "size=32,cell=8,block=2,pca=off"};
    RnError *err = NULL;
    p.dim = 7; /* without PCA the dimension is the descriptor's */
    CHECK(!rn_embed_fit(RN_EMBED_IMAGE, "hog", items, N, &p, &err));
    rn_error_free(err);
    err = NULL;
    p.dim = 0;
    p.options = "size=32,cell=8,block=5";
    CHECK(!rn_embed_fit(RN_EMBED_IMAGE, "hog", items, N, &p, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
    err = NULL;
    p.options = "scales=8:1;0:2";
    CHECK(!rn_embed_fit(RN_EMBED_IMAGE, "lbp", items, N, &p, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
    err = NULL;
    p.options = "hist=-1";
    CHECK(!rn_embed_fit(RN_EMBED_IMAGE, "hog", items, N, &p, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
    free(px);
}

/* hoglbp without PCA = [HOG cell a | HOG cell b | LBP grid histograms],
 * each part of unit length, all from the literal ports of scikit-image. */
static void test_hoglbp_is_reference(void)
{
    enum { N = 4, S = 32, GRID = 2 };
    static const struct { uint32_t P; double R; } scales[] = {{8, 1}, {12, 1.5}};
    RnEmbedItem items[N];
    uint8_t *px = make_thumbs(N, S, items);
    RnEmbedParams p = {.options = "size=32,cells=8;4,grid=2,scales=8:1;12:1.5,pca=off"};
    RnError *err = NULL;
    RnEmbedModel *m = rn_embed_fit(RN_EMBED_IMAGE, "hoglbp", items, N, &p, &err);
    CHECK_MSG(m != NULL, "%s", err ? rn_error_message(err) : "");
    rn_error_free(err);
    EbHogParams h[2] = {{9, 8, 2}, {9, 4, 2}};
    size_t dh0 = eb_hog_dim(S, S, &h[0]), dh1 = eb_hog_dim(S, S, &h[1]);
    size_t dl = GRID * GRID * (10 + 14), d = dh0 + dh1 + dl;
    CHECK(m && rn_embed_model_dim(m) == d);
    float *out = malloc(N * d * sizeof *out), *want = malloc(d * sizeof *want);
    float img[S * S];
    uint8_t codes[S * S];
    CHECK(m && rn_embed_transform(m, items, N, out, NULL));
    for (size_t i = 0; m && i < N; i++) {
        for (int j = 0; j < S * S; j++)
            img[j] = items[i].thumb[j] * (1.0f / 255.0f);
        CHECK(eb_hog_ref(img, S, S, &h[0], want, NULL));
        ref_unit(want, dh0);
        CHECK(eb_hog_ref(img, S, S, &h[1], want + dh0, NULL));
        ref_unit(want + dh0, dh1);
        float *o = want + dh0 + dh1;
        for (size_t k = 0; k < 2; k++) {
            uint32_t bins = scales[k].P + 2;
            CHECK(eb_lbp_codes_ref(img, S, S, scales[k].P, scales[k].R, codes, NULL));
            for (int g = 0; g < GRID * GRID; g++, o += bins) {
                int y0 = g / GRID * S / GRID, x0 = g % GRID * S / GRID;
                double count[26] = {0};
                for (int y = y0; y < y0 + S / GRID; y++)
                    for (int x = x0; x < x0 + S / GRID; x++)
                        count[codes[y * S + x]]++;
                for (uint32_t b = 0; b < bins; b++)
                    o[b] = (float)sqrt(count[b] / (S / GRID * S / GRID));
            }
        }
        ref_unit(want + dh0 + dh1, dl);
        double worst = 0;
        for (size_t j = 0; j < d; j++)
            worst = fmax(worst, fabs(want[j] - out[i * d + j]));
        /* float sums of a few thousand values of unit length */
        CHECK_MSG(worst < 1e-6, "row %zu off by %g", i, worst);
    }
    rn_embed_model_free(m);
    free(out);
    free(want);
    free(px);
}

/* The model file's bytes and the embeddings do not depend on -j. */
static void test_hoglbp_threads(void)
{
    enum { N = 600 };
    RnEmbedItem items[N];
    uint8_t *px = make_thumbs(N, 48, items);
    uint8_t *file[3] = {NULL};
    size_t len[3] = {0};
    float *out[3] = {NULL};
    for (int t = 0; t < 3; t++) {
        RnEmbedParams p = {.dim = 12, .seed = 5, .threads = t + 1};
        RnEmbedModel *m = rn_embed_fit(RN_EMBED_IMAGE, "hoglbp", items, N, &p, NULL);
        CHECK(m != NULL);
        if (!m)
            continue;
        out[t] = malloc(N * 12 * sizeof *out[t]);
        CHECK(rn_embed_transform(m, items, N, out[t], NULL));
        char path[] = "/tmp/rn_embed_hoglbp_XXXXXX";
        close(mkstemp(path));
        CHECK(rn_embed_model_save(m, path, NULL));
        CHECK(rn_file_read_all(path, 1 << 26, &file[t], &len[t], NULL));
        unlink(path);
        rn_embed_model_free(m);
    }
    for (int t = 1; t < 3; t++) {
        CHECK_MSG(file[t] && len[t] == len[0] && memcmp(file[t], file[0], len[0]) == 0,
                  "model at %d threads", t + 1);
        CHECK_MSG(out[t] && out[0] && memcmp(out[t], out[0], N * 12 * sizeof *out[0]) == 0,
                  "embeddings at %d threads", t + 1);
    }
    static const char *const bad[] = {
        "cells=", "cells=1", "cells=16;8;4;2;2", "cells=8;x", "cells=64", "block=9",
        "grid=17", "scales=8:0", "pca=maybe", "cell=8",
    };
    for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
        RnEmbedParams p = {.options = bad[b]};
        RnError *err = NULL;
        CHECK_MSG(!rn_embed_fit(RN_EMBED_IMAGE, "hoglbp", items, 20, &p, &err), "%s",
                  bad[b]);
        CHECK_MSG(rn_error_code(err) == RN_ERROR_INVALID, "%s", bad[b]);
        rn_error_free(err);
    }
    for (int t = 0; t < 3; t++) {
        free(file[t]);
        free(out[t]);
    }
    free(px);
}

int main(void)
{
    test_hog_fast_vs_ref();
    test_hog_hand_cases();
    test_lbp_fast_vs_ref();
    round_trip("hog", NULL, 16);
    round_trip("hog", "size=32,cell=4,block=3,orientations=6,pca=off", 0);
    round_trip("lbp", NULL, 16);
    round_trip("lbp", "size=32,grid=2,scales=8:1;12:1.5,pca=off", 0);
    round_trip("pca", "size=24", 10);
    round_trip("hoglbp", NULL, 16);
    round_trip("hoglbp", "size=32,cells=8;4,block=1,grid=2,scales=8:1,pca=off", 0);
    test_hog_method_is_descriptor();
    test_hoglbp_is_reference();
    test_hoglbp_threads();
    TEST_DONE();
}
