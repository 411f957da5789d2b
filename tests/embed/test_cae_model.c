/* Method `cae` through the embed API: fit, transform, a saved model that
 * reloads to byte-identical embeddings, corrupt and truncated models and
 * payloads refused, bad options refused, thumbnail sizes other than the
 * network's, the same bytes for the same seed; l2=on rows are the l2=off
 * rows scaled to unit length, and a version-1 payload (the paper's raw
 * bottleneck, no l2 flag) still loads. */
#include "embed/blob.h"
#include "embed/embed_internal.h"
#include "rn_test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_ITEMS 48

static uint8_t thumbs[N_ITEMS][32 * 32];
static RnEmbedItem items[N_ITEMS];

/* Bright discs and bars of varying place and size on black, 32×32. */
static void make_items(void)
{
    for (size_t i = 0; i < N_ITEMS; i++) {
        double cx = 8 + (double)(i * 7 % 17), cy = 8 + (double)(i * 5 % 15);
        double r2 = 9.0 + (double)(i % 6) * 6.0;
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++) {
                double d = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                uint8_t v = d < r2 ? 220 : 0;
                if (i % 3 == 0 && x > 24)
                    v = 150;
                thumbs[i][y * 32 + x] = v;
            }
        items[i] = (RnEmbedItem){.sop_uid = "1.2.3", .modality = "CT",
                                 .region = "", .thumb = thumbs[i],
                                 .thumb_size = 32};
    }
}

static const char *options = "size=16,levels=2,channels=4,epochs=4,batch=8,lr=0.01";

static RnEmbedModel *fit(uint64_t seed, int threads, const char *opts)
{
    RnEmbedParams p = {.dim = 8, .seed = seed, .threads = threads, .options = opts};
    RnError *err = NULL;
    RnEmbedModel *m = rn_embed_fit(RN_EMBED_IMAGE, "cae", items, N_ITEMS, &p, &err);
    CHECK_MSG(m != NULL, "%s", err ? rn_error_message(err) : "");
    rn_error_free(err);
    return m;
}

static float *embed(const RnEmbedModel *m)
{
    float *out = calloc(N_ITEMS * 8, sizeof *out);
    CHECK(rn_embed_transform(m, items, N_ITEMS, out, NULL));
    return out;
}

static void test_round_trip_and_corruption(const char *dir)
{
    RnEmbedModel *m = fit(5, 1, options);
    if (!m)
        return;
    CHECK_EQ_INT(rn_embed_model_dim(m), 8);
    float *a = embed(m);
    /* the embeddings are not constant */
    bool varies = false;
    for (size_t i = 1; i < N_ITEMS; i++)
        varies |= memcmp(a, a + 8 * i, 8 * sizeof *a) != 0;
    CHECK(varies);

    char path[4096];
    snprintf(path, sizeof path, "%s/image-cae.model", dir);
    CHECK(rn_embed_model_save(m, path, NULL));
    RnEmbedModel *back = rn_embed_model_load(path, NULL);
    CHECK(back != NULL);
    if (back) {
        float *b = embed(back);
        CHECK(memcmp(a, b, N_ITEMS * 8 * sizeof *a) == 0);
        free(b);
    }
    rn_embed_model_free(back);

    uint8_t *file;
    size_t n;
    CHECK(rn_file_read_all(path, (size_t)1 << 30, &file, &n, NULL));
    /* every truncation and a flipped byte anywhere are refused */
    for (size_t cut = 0; cut < n; cut += 1 + cut / 3) {
        RnError *err = NULL;
        CHECK(rn_embed_model_load_memory(file, cut, &err) == NULL && err);
        rn_error_free(err);
    }
    for (size_t pos = 0; pos < n; pos += 97) {
        RnError *err = NULL;
        file[pos] ^= 0x40;
        CHECK(rn_embed_model_load_memory(file, n, &err) == NULL && err);
        file[pos] ^= 0x40;
        rn_error_free(err);
    }
    free(file);
    free(a);
    rn_embed_model_free(m);
}

/* The payload parser on its own: every prefix, a wrong shape, a wrong
 * parameter count, trailing bytes, a non-finite weight. */
static void test_payload_checks(void)
{
    const RnEmbedMethodOps *ops = rn_embed_method_find(RN_EMBED_IMAGE, "cae");
    CHECK(ops != NULL);
    if (!ops)
        return;
    RnEmbedParams p = {.dim = 3, .seed = 1, .threads = 1,
                       .options = "size=8,levels=1,channels=2,epochs=1"};
    size_t dim = 0;
    void *st = ops->fit(items, 4, &p, &dim, NULL);
    CHECK(st && dim == 3);
    if (!st)
        return;
    RnBuf b = RN_BUF_INIT;
    CHECK(ops->save(st, &b, NULL));
    void *again = ops->load(b.data, b.len, &dim, NULL);
    CHECK(again != NULL);
    ops->free(again);
    for (size_t cut = 0; cut < b.len; cut++) {
        RnError *err = NULL;
        CHECK(ops->load(b.data, cut, &dim, &err) == NULL && err);
        rn_error_free(err);
    }
    /* payload: u32 version, l2 flag, size (offset 8), levels, channels,
     * dim, epochs, best epoch, f32 loss, u64 parameter count (offset 36),
     * weights (44) */
    RnError *err = NULL;
    b.data[4] = 2; /* l2 flag other than 0 or 1 */
    CHECK(ops->load(b.data, b.len, &dim, &err) == NULL && err);
    rn_error_free(err);
    err = NULL;
    b.data[4] = 1;
    /* size 8 → 7, not a multiple of 2^levels */
    uint8_t keep = b.data[8];
    b.data[8] = 7;
    CHECK(ops->load(b.data, b.len, &dim, &err) == NULL && err);
    rn_error_free(err);
    err = NULL;
    b.data[8] = keep;
    b.data[36] ^= 1; /* parameter count */
    CHECK(ops->load(b.data, b.len, &dim, &err) == NULL && err);
    rn_error_free(err);
    err = NULL;
    b.data[36] ^= 1;
    b.data[0] = 3; /* a newer payload version */
    CHECK(ops->load(b.data, b.len, &dim, &err) == NULL && err);
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_UNSUPPORTED);
    rn_error_free(err);
    err = NULL;
    b.data[0] = 2;
    const float nan = NAN;
    memcpy(b.data + 44, &nan, 4); /* first weight */
    CHECK(ops->load(b.data, b.len, &dim, &err) == NULL && err);
    rn_error_free(err);
    err = NULL;
    uint8_t extra = 0;
    CHECK(rn_buf_append(&b, &extra, 1, NULL));
    CHECK(ops->load(b.data, b.len, &dim, &err) == NULL && err);
    rn_error_free(err);
    rn_buf_free(&b);
    ops->free(st);
}

static float row_norm(const float *x, size_t d)
{
    double ss = 0.0;
    for (size_t j = 0; j < d; j++)
        ss += (double)x[j] * x[j];
    return (float)sqrt(ss);
}

/* l2=on is l2=off divided by each row's length (the plain definition);
 * a version-1 payload (no flag) is the paper's raw bottleneck. */
static void test_l2_rows(void)
{
    char on_opts[256], off_opts[256];
    snprintf(on_opts, sizeof on_opts, "%s,l2=on", options);
    snprintf(off_opts, sizeof off_opts, "%s", options); /* off: the default */
    RnEmbedModel *on = fit(5, 1, on_opts), *off = fit(5, 1, off_opts);
    if (!on || !off)
        goto done;
    float *a = embed(on), *b = embed(off);
    float worst = 0.0f;
    for (size_t i = 0; i < N_ITEMS; i++) {
        float len = row_norm(b + 8 * i, 8);
        CHECK(len > 0.0f);
        CHECK_NEAR(row_norm(a + 8 * i, 8), 1.0, 1e-6);
        for (size_t j = 0; j < 8; j++) {
            float d = fabsf(a[8 * i + j] - b[8 * i + j] / len);
            worst = d > worst ? d : worst;
        }
    }
    CHECK_MSG(worst < 1e-6f, "l2 rows off by %g", worst);

    /* the l2=off payload rewritten as version 1 (flag removed) */
    const RnEmbedMethodOps *ops = rn_embed_method_find(RN_EMBED_IMAGE, "cae");
    RnEmbedParams p = {.dim = 8, .seed = 5, .threads = 1, .options = off_opts};
    size_t dim = 0;
    void *st = ops->fit(items, N_ITEMS, &p, &dim, NULL);
    RnBuf buf = RN_BUF_INIT;
    CHECK(st && ops->save(st, &buf, NULL));
    if (st && buf.len > 8) {
        uint32_t one = 1;
        memcpy(buf.data + 4, &one, 4);
        void *v1 = ops->load(buf.data + 4, buf.len - 4, &dim, NULL);
        CHECK(v1 != NULL);
        float *c = calloc(N_ITEMS * 8, sizeof *c);
        CHECK(v1 && ops->transform(v1, items, N_ITEMS, c, NULL));
        CHECK(memcmp(b, c, N_ITEMS * 8 * sizeof *b) == 0);
        free(c);
        ops->free(v1);
    }
    rn_buf_free(&buf);
    ops->free(st);
    free(a);
    free(b);
done:
    rn_embed_model_free(on);
    rn_embed_model_free(off);
}

static void test_determinism_and_sizes(void)
{
    RnEmbedModel *a = fit(9, 1, options), *b = fit(9, 1, options);
    RnEmbedModel *c = fit(9, 2, options), *d = fit(10, 1, options);
    if (!a || !b || !c || !d)
        goto done;
    float *ea = embed(a), *eb = embed(b), *ec = embed(c), *ed = embed(d);
    CHECK(memcmp(ea, eb, N_ITEMS * 8 * sizeof *ea) == 0);
    /* any thread count: oneDNN forward and dx are per output, weight
     * gradients come from OpenBLAS, which never splits an inner sum */
    CHECK(memcmp(ea, ec, N_ITEMS * 8 * sizeof *ea) == 0);
    CHECK(memcmp(ea, ed, N_ITEMS * 8 * sizeof *ea) != 0);
    free(ea); free(eb); free(ec); free(ed);
    /* a side that does not divide the thumbnail (bilinear) and one equal */
    rn_embed_model_free(d);
    d = fit(9, 1, "size=24,levels=3,channels=2,epochs=1");
    RnEmbedModel *e = fit(9, 1, "size=32,levels=2,channels=2,epochs=1");
    /* 128² input (bilinear up from the 32² thumbnails), four levels */
    RnEmbedModel *f = fit(9, 1, "size=128,levels=4,channels=2,epochs=1,batch=16");
    CHECK(d && e && f);
    if (d && e && f) {
        float *x = embed(d), *y = embed(e), *z = embed(f);
        bool finite = true;
        for (size_t i = 0; i < N_ITEMS * 8; i++)
            finite &= isfinite(x[i]) && isfinite(y[i]) && isfinite(z[i]);
        CHECK(finite);
        free(x);
        free(y);
        free(z);
    }
    rn_embed_model_free(e);
    rn_embed_model_free(f);
done:
    rn_embed_model_free(a);
    rn_embed_model_free(b);
    rn_embed_model_free(c);
    rn_embed_model_free(d);
}

static void test_refusals(void)
{
    static const char *const bad[] = {"size=12,levels=3", "colour=1", "lr=2",
                                      "epochs=0", "levels=9", "l2=2"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        RnEmbedParams p = {.dim = 4, .seed = 1, .threads = 1, .options = bad[i]};
        RnError *err = NULL;
        CHECK(rn_embed_fit(RN_EMBED_IMAGE, "cae", items, N_ITEMS, &p, &err) == NULL);
        CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
        rn_error_free(err);
    }
    RnEmbedItem none = items[0];
    none.thumb = NULL;
    RnEmbedParams p = {.dim = 4, .seed = 1, .threads = 1, .options = options};
    RnError *err = NULL;
    CHECK(rn_embed_fit(RN_EMBED_IMAGE, "cae", &none, 1, &p, &err) == NULL && err);
    rn_error_free(err);
}

int main(void)
{
    make_items();
    char dir[] = "/tmp/rn_cae_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    test_round_trip_and_corruption(dir);
    test_payload_checks();
    test_determinism_and_sizes();
    test_l2_rows();
    test_refusals();
    char path[4096];
    snprintf(path, sizeof path, "%s/image-cae.model", dir);
    unlink(path);
    rmdir(dir);
    TEST_DONE();
}
