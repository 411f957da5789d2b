/* PCA: the randomized fit against the exact reference (components, explained
 * variance), thread-count independence, the projection against plain loops,
 * the area resampler, and the `pca` method end to end (fit, transform, save,
 * reload, byte-identical output, corrupt files refused); its parts (centred
 * unit pixels, gradient energy, square-root histogram) against plain double
 * loops, the same bytes at any thread count, the older payload still read. */
#include "embed/image_common.h"
#include "embed/pca.h"
#include "rn_test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* n × d data with a planted spectrum: variances 100/(c+1)² along random
 * orthonormal-ish directions plus isotropic noise 0.01, offset mean. */
static float *planted(size_t n, size_t d, size_t rank, uint64_t seed)
{
    RnRng rng = rn_rng_new(seed);
    float *dirs = malloc(rank * d * sizeof *dirs), *X = malloc(n * d * sizeof *X);
    for (size_t c = 0; c < rank; c++) { /* Gram–Schmidt on random vectors */
            float *v = dirs + c * d;
            for (size_t j = 0; j < d; j++)
                v[j] = (float)(rn_rng_double(&rng) - 0.5);
            for (size_t b = 0; b < c; b++) {
                double dot = 0;
                for (size_t j = 0; j < d; j++)
                    dot += v[j] * dirs[b * d + j];
                for (size_t j = 0; j < d; j++)
                    v[j] -= (float)dot * dirs[b * d + j];
            }
            double norm = 0;
            for (size_t j = 0; j < d; j++)
                norm += v[j] * v[j];
            for (size_t j = 0; j < d; j++)
                v[j] /= (float)sqrt(norm);
    }
    for (size_t i = 0; i < n * d; i++)
        X[i] = 3.0f + 0.1f * (float)(rn_rng_double(&rng) - 0.5);
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < rank; c++) {
            float a = (float)((rn_rng_double(&rng) - 0.5) * sqrt(12.0) * 10.0 / (double)(c + 1));
            for (size_t j = 0; j < d; j++)
                X[i * d + j] += a * dirs[c * d + j];
        }
    free(dirs);
    return X;
}

static float *copy(const float *X, size_t n)
{
    float *c = malloc(n * sizeof *c);
    memcpy(c, X, n * sizeof *c);
    return c;
}

/* Randomized fit vs exact reference: with a clear spectral gap every
 * component agrees to float32 accuracy scaled by variance/gap. */
static void test_fit_vs_reference(void)
{
    const size_t n = 700, d = 96, k = 6;
    float *X = planted(n, d, 8, 11);
    EbPca ref, fast;
    CHECK(eb_pca_fit_ref(X, n, d, k, &ref, NULL));
    float *Xc = copy(X, n * d);
    EbPcaOptions o = {k, 4, 10, 5, NULL};
    CHECK(eb_pca_fit(Xc, n, d, &o, &fast, NULL));
    for (size_t c = 0; c < k; c++) {
        double diff = 0;
        for (size_t j = 0; j < d; j++)
            diff = fmax(diff, fabs(fast.components[c * d + j] - ref.components[c * d + j]));
        CHECK_MSG(diff < 2e-3, "component %zu differs by %g", c, diff);
        CHECK_NEAR(fast.variance[c] / ref.variance[c], 1.0, 1e-3);
    }
    for (size_t j = 0; j < d; j++)
        CHECK_NEAR(fast.mean[j], ref.mean[j], 1e-5);
    CHECK_NEAR(fast.total_variance / ref.total_variance, 1.0, 1e-9);
    /* the reference's own consistency: unit, orthogonal components */
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++) {
            double dot = 0;
            for (size_t j = 0; j < d; j++)
                dot += (double)ref.components[a * d + j] * ref.components[b * d + j];
            CHECK_NEAR(dot, a == b, 1e-5);
        }
    eb_pca_free(&ref);
    eb_pca_free(&fast);
    free(Xc);
    free(X);
}

/* Same seed, 1 or 3 threads: byte-identical components and projections. */
static void test_thread_independence(void)
{
    const size_t n = 1500, d = 64, k = 5; /* several chunks and parts */
    float *X = planted(n, d, 6, 3);
    EbPca a, b;
    float *X1 = copy(X, n * d), *X3 = copy(X, n * d);
    RnPool *pool = rn_pool_open(3, NULL);
    EbPcaOptions o1 = {k, 3, 8, 9, NULL}, o3 = {k, 3, 8, 9, pool};
    CHECK(eb_pca_fit(X1, n, d, &o1, &a, NULL));
    CHECK(eb_pca_fit(X3, n, d, &o3, &b, NULL));
    rn_pool_close(pool);
    CHECK(memcmp(a.components, b.components, k * d * sizeof(float)) == 0);
    CHECK(memcmp(a.variance, b.variance, k * sizeof(float)) == 0);

    /* projection vs plain loops in float64 */
    float *P = copy(X, n * d), *out = malloc(n * k * sizeof *out);
    eb_pca_project(&a, P, n, d, out, k);
    double worst = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < k; c++) {
            double acc = 0;
            for (size_t j = 0; j < d; j++)
                acc += ((double)X[i * d + j] - a.mean[j]) * a.components[c * d + j];
            worst = fmax(worst, fabs(acc - out[i * k + c]));
        }
    CHECK_MSG(worst < 1e-3, "projection off by %g", worst); /* |x|·|c| ≈ 30, f32 */
    eb_pca_free(&a);
    eb_pca_free(&b);
    free(X1);
    free(X3);
    free(P);
    free(out);
    free(X);
}

static void test_resample(void)
{
    EbResample r;
    uint8_t src[16];
    for (int i = 0; i < 16; i++)
        src[i] = (uint8_t)(i * 17);
    float tmp[64], dst[16];
    CHECK(eb_resample_init(&r, 4, 2, NULL));
    eb_resample(&r, src, tmp, dst);
    /* 2×2 block means */
    CHECK_NEAR(dst[0] * 255, (0 + 17 + 68 + 85) / 4.0, 1e-4);
    CHECK_NEAR(dst[3] * 255, (170 + 187 + 238 + 255) / 4.0, 1e-4);
    eb_resample_free(&r);
    CHECK(eb_resample_init(&r, 4, 4, NULL));
    eb_resample(&r, src, tmp, dst);
    for (int i = 0; i < 16; i++)
        CHECK_NEAR(dst[i] * 255, src[i], 1e-4);
    eb_resample_free(&r);
    /* a non-multiple keeps the image mean (areas are exact) */
    uint8_t big[100];
    double mean = 0;
    for (int i = 0; i < 100; i++)
        mean += big[i] = (uint8_t)((i * 37) % 251);
    float tmp2[300], small[9];
    CHECK(eb_resample_init(&r, 10, 3, NULL));
    eb_resample(&r, big, tmp2, small);
    double m2 = 0;
    for (int i = 0; i < 9; i++)
        m2 += small[i];
    CHECK_NEAR(m2 / 9 * 255, mean / 100, 1e-3);
    eb_resample_free(&r);
}

/* Items with structured thumbnails: two families (bright disc, gradient)
 * with noise, so the leading components are meaningful. */
static uint8_t *make_thumbs(size_t n, uint32_t S, RnEmbedItem *items)
{
    RnRng rng = rn_rng_new(77);
    uint8_t *px = malloc(n * S * S);
    for (size_t i = 0; i < n; i++) {
        uint8_t *t = px + i * S * S;
        double r0 = S * (0.2 + 0.2 * rn_rng_double(&rng));
        for (uint32_t y = 0; y < S; y++)
            for (uint32_t x = 0; x < S; x++) {
                double v = i % 2 ? ((x - S / 2.0) * (x - S / 2.0) + (y - S / 2.0) * (y - S / 2.0) <
                                    r0 * r0) * 200.0
                                 : 255.0 * x / S;
                v += 40 * rn_rng_double(&rng);
                t[y * S + x] = (uint8_t)(v > 255 ? 255 : v);
            }
        items[i] = (RnEmbedItem){.sop_uid = "1.2.3", .modality = i % 2 ? "CT" : "CR",
                                 .region = "", .thumb = t, .thumb_size = S};
    }
    return px;
}

static void test_method_round_trip(void)
{
    const size_t n = 600;
    RnEmbedItem items[600];
    uint8_t *px = make_thumbs(n, 48, items);
    RnEmbedParams p = {.dim = 12, .seed = 4, .threads = 2, .options = "size=16"};
    RnError *err = NULL;
    RnEmbedModel *m = rn_embed_fit(RN_EMBED_IMAGE, "pca", items, 300, &p, &err);
    CHECK_MSG(m != NULL, "%s", err ? rn_error_message(err) : "");
    if (!m) {
        free(px);
        return;
    }
    CHECK_EQ_INT(rn_embed_model_dim(m), 12);
    CHECK_EQ_STR(rn_embed_model_method(m), "pca");
    float *a = malloc(n * 12 * sizeof *a), *b = malloc(n * 12 * sizeof *b);
    CHECK(rn_embed_transform(m, items, n, a, NULL));
    char path[] = "/tmp/rn_embed_pca_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    CHECK(rn_embed_model_save(m, path, NULL));
    RnEmbedModel *back = rn_embed_model_load(path, &err);
    CHECK(back != NULL);
    rn_embed_model_set_threads(back, 1);
    CHECK(back && rn_embed_transform(back, items, n, b, NULL));
    CHECK(memcmp(a, b, n * 12 * sizeof *a) == 0);
    /* the two families separate on the first component */
    double mean_ct = 0, mean_cr = 0;
    for (size_t i = 0; i < n; i++)
        *(i % 2 ? &mean_ct : &mean_cr) += a[i * 12] / (n / 2.0);
    CHECK(fabs(mean_ct - mean_cr) > 1.0);

    /* every single flipped byte and every truncation is refused */
    uint8_t *file;
    size_t len;
    CHECK(rn_file_read_all(path, 1 << 24, &file, &len, NULL));
    for (size_t at = 0; at < len; at += 7) {
        file[at] ^= 0x20;
        RnEmbedModel *bad = rn_embed_model_load_memory(file, len, &err);
        CHECK(bad == NULL && err != NULL);
        rn_error_free(err);
        err = NULL;
        file[at] ^= 0x20;
    }
    for (size_t cut = 0; cut < len; cut += 13) {
        CHECK(rn_embed_model_load_memory(file, cut, &err) == NULL);
        rn_error_free(err);
        err = NULL;
    }
    /* payload damage behind a recomputed checksum: refused or harmless */
    /* magic 8, version 4, source 4, "pca" 4 + 3, dim 8, payload length 8 */
    const size_t payload_at = 39;
    for (size_t at = payload_at; at < payload_at + 40; at++) {
        file[at] ^= 0xFF;
        uint32_t crc = (uint32_t)crc32(0, file, (uInt)(len - 4));
        for (int i = 0; i < 4; i++)
            file[len - 4 + i] = (uint8_t)(crc >> (8 * i));
        RnEmbedModel *bad = rn_embed_model_load_memory(file, len, &err);
        CHECK(bad == NULL || rn_embed_model_dim(bad) > 0);
        rn_embed_model_free(bad);
        rn_error_free(err);
        err = NULL;
        file[at] ^= 0xFF;
    }
    free(file);
    unlink(path);

    /* thumbnails of another size are resampled to the model's side */
    RnEmbedItem other[8];
    uint8_t *px2 = make_thumbs(8, 32, other);
    CHECK(rn_embed_transform(m, other, 8, a, NULL));
    /* an item without a thumbnail is refused */
    other[3].thumb = NULL;
    CHECK(!rn_embed_transform(m, other, 8, a, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
    err = NULL;
    /* an explicit dim beyond the sample is refused; a typo'd option too */
    p.dim = 5000;
    CHECK(!rn_embed_fit(RN_EMBED_IMAGE, "pca", items, 300, &p, &err));
    rn_error_free(err);
    err = NULL;
    p.dim = 4;
    p.options = "sise=16";
    CHECK(!rn_embed_fit(RN_EMBED_IMAGE, "pca", items, 300, &p, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
    rn_embed_model_free(back);
    rn_embed_model_free(m);
    free(a);
    free(b);
    free(px);
    free(px2);
}

/* The pca method's input vector in double, from its definition: 4×4
 * block means of a 16² thumbnail less their mean, unit length; |dx| + |dy|
 * block means, unit length, × texture; sqrt of the 32-bin histogram × hist. */
static void parts_ref(const uint8_t *t, double texture, double hist, double *f)
{
    double g[256], ss = 0, mean = 0;
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++) {
            int v = t[y * 16 + x];
            g[y * 16 + x] = ((x < 15 ? abs(t[y * 16 + x + 1] - v) : 0) +
                             (y < 15 ? abs(t[(y + 1) * 16 + x] - v) : 0)) / 255.0;
        }
    for (int part = 0; part < 2; part++) {
        double *o = f + 16 * part;
        for (int b = 0; b < 16; b++) {
            double sum = 0;
            for (int dy = 0; dy < 4; dy++)
                for (int dx = 0; dx < 4; dx++) {
                    int at = (b / 4 * 4 + dy) * 16 + b % 4 * 4 + dx;
                    sum += part ? g[at] : t[at] / 255.0;
                }
            o[b] = sum / 16;
            mean += part ? 0 : o[b] / 16;
        }
        ss = 0;
        for (int b = 0; b < 16; b++) {
            o[b] -= part ? 0 : mean;
            ss += o[b] * o[b];
        }
        for (int b = 0; b < 16; b++)
            o[b] *= (part ? texture : 1.0) / sqrt(ss);
    }
    double count[32] = {0};
    for (int i = 0; i < 256; i++)
        count[t[i] / 8] += 1;
    for (int b = 0; b < 32; b++)
        f[32 + b] = hist * sqrt(count[b] / 256);
}

static double distance(const float *a, const double *b, size_t d, bool ref)
{
    double ss = 0;
    for (size_t j = 0; j < d; j++) {
        double v = ref ? b[j] : a[j];
        double w = ref ? b[d + j] : a[d + j];
        ss += (v - w) * (v - w);
    }
    return sqrt(ss);
}

/* With every component kept the projection is a rotation of the centred
 * vectors: distances between embedded rows are those between reference
 * vectors. */
static void test_method_parts(void)
{
    enum { N = 300, D = 64 };
    static RnEmbedItem items[N];
    uint8_t *px = make_thumbs(N, 16, items);
    static double f[N][D];
    for (size_t i = 0; i < N; i++)
        parts_ref(items[i].thumb, 1.0, 0.7, f[i]);
    float *y1 = malloc(N * D * sizeof *y1), *y3 = malloc(N * D * sizeof *y3);
    RnEmbedParams p = {.dim = D, .seed = 2, .threads = 1,
                       .options = "size=4,tsize=4,texture=1,hist=0.7"};
    RnError *err = NULL;
    RnEmbedModel *m1 = rn_embed_fit(RN_EMBED_IMAGE, "pca", items, N, &p, &err);
    CHECK_MSG(m1 != NULL, "%s", err ? rn_error_message(err) : "");
    p.threads = 3;
    RnEmbedModel *m3 = rn_embed_fit(RN_EMBED_IMAGE, "pca", items, N, &p, NULL);
    CHECK(m3 != NULL);
    if (m1 && m3) {
        rn_embed_model_set_threads(m3, 3);
        CHECK(rn_embed_transform(m1, items, N, y1, NULL));
        CHECK(rn_embed_transform(m3, items, N, y3, NULL));
        CHECK(memcmp(y1, y3, N * D * sizeof *y1) == 0);
        double worst = 0;
        for (size_t i = 0; i + 1 < N; i++) {
            double dy = distance(y1 + i * D, NULL, D, false);
            double df = distance(NULL, f[i], D, true);
            worst = fabs(dy - df) > worst ? fabs(dy - df) : worst;
        }
        /* float32 vectors of length ~1.5, 64 terms */
        CHECK_MSG(worst < 1e-4, "pca parts: distances off by %g", worst);
    }
    rn_embed_model_free(m1);
    rn_embed_model_free(m3);
    rn_error_free(err);
    free(y1);
    free(y3);
    free(px);
}

/* The payload before the parts (u32 side, then the PCA) reads as plain
 * pixels; damaged part fields are refused. */
static void test_method_payloads(void)
{
    enum { N = 200, K = 6 };
    static RnEmbedItem items[N];
    uint8_t *px = make_thumbs(N, 16, items);
    const RnEmbedMethodOps *ops = rn_embed_method_find(RN_EMBED_IMAGE, "pca");
    RnEmbedParams p = {.dim = K, .seed = 2, .threads = 1,
                       .options = "size=8,norm=none,texture=0,hist=0"};
    size_t dim = 0;
    void *st = ops->fit(items, N, &p, &dim, NULL);
    RnBuf b = RN_BUF_INIT;
    CHECK(st && ops->save(st, &b, NULL) && b.len > 24);
    if (!st || b.len <= 24)
        goto done;
    /* payload: "PCA2", side (4), norm (8), f32 texture (12), tsize (16),
     * f32 hist (20), the PCA (24) */
    uint8_t *v1 = malloc(b.len - 20);
    memcpy(v1, b.data + 4, 4);
    memcpy(v1 + 4, b.data + 24, b.len - 24);
    void *old = ops->load(v1, b.len - 20, &dim, NULL);
    CHECK(old != NULL && dim == K);
    float a[N * K], c[N * K];
    CHECK(ops->transform(st, items, N, a, NULL));
    CHECK(old && ops->transform(old, items, N, c, NULL));
    CHECK(memcmp(a, c, sizeof a) == 0);
    ops->free(old);
    free(v1);
    static const struct { size_t at; uint32_t value; } bad[] = {
        {8, 3}, {16, 0}, {4, 3}, {12, 0x7FC00000u}, {20, 0xBF800000u}, {0, 0x32414351u}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        uint32_t keep;
        memcpy(&keep, b.data + bad[i].at, 4);
        memcpy(b.data + bad[i].at, &bad[i].value, 4);
        RnError *err = NULL;
        CHECK_MSG(ops->load(b.data, b.len, &dim, &err) == NULL && err,
                  "damaged field at %zu accepted", bad[i].at);
        rn_error_free(err);
        memcpy(b.data + bad[i].at, &keep, 4);
    }
    p.options = "norm=unit";
    RnError *err = NULL;
    CHECK(ops->fit(items, N, &p, &dim, &err) == NULL);
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
done:
    rn_buf_free(&b);
    ops->free(st);
    free(px);
}

int main(void)
{
    test_fit_vs_reference();
    test_thread_independence();
    test_resample();
    test_method_round_trip();
    test_method_parts();
    test_method_payloads();
    TEST_DONE();
}
