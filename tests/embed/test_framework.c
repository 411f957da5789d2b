/* The embed framework: payload writer/reader bounds, method options, the
 * source names and the model file envelope (magic, version, checksum,
 * truncation), which is checked before any method sees a payload. */
#include "embed/blob.h"
#include "embed/embed_internal.h"
#include "rn_test.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void test_blob_round_trip(void)
{
    RnBuf b = RN_BUF_INIT;
    const float v[3] = {1.5f, -0.0f, 3e-38f};
    CHECK(eb_put_u32(&b, 0xA1B2C3D4u, NULL));
    CHECK(eb_put_u64(&b, 0x0102030405060708ull, NULL));
    CHECK(eb_put_f32s(&b, v, 3, NULL));
    CHECK(eb_put_str(&b, "hog", NULL));
    CHECK_EQ_INT(b.len, 4 + 8 + 12 + 4 + 3);
    CHECK_EQ_INT(b.data[0], 0xD4); /* little endian on every host */
    CHECK_EQ_INT(b.data[4], 0x08);

    EbReader r;
    uint32_t u32;
    uint64_t u64;
    float w[3];
    eb_reader_init(&r, b.data, b.len);
    CHECK(eb_get_u32(&r, &u32, NULL) && u32 == 0xA1B2C3D4u);
    CHECK(eb_get_u64(&r, &u64, NULL) && u64 == 0x0102030405060708ull);
    CHECK(eb_get_f32s(&r, w, 3, NULL) && memcmp(v, w, sizeof v) == 0);
    char *s = eb_get_str(&r, 16, NULL);
    CHECK(s && strcmp(s, "hog") == 0);
    free(s);
    CHECK(eb_reader_done(&r, NULL));

    /* every prefix is refused cleanly, never read past */
    for (size_t cut = 0; cut < b.len; cut++) {
        RnError *err = NULL;
        eb_reader_init(&r, b.data, cut);
        bool ok = eb_get_u32(&r, &u32, &err) && eb_get_u64(&r, &u64, &err) &&
                  eb_get_f32s(&r, w, 3, &err);
        char *t = ok ? eb_get_str(&r, 16, &err) : NULL;
        CHECK(!t && rn_error_code(err) == RN_ERROR_PARSE);
        free(t);
        rn_error_free(err);
    }
    rn_buf_free(&b);
}

static void test_blob_limits(void)
{
    RnBuf b = RN_BUF_INIT;
    CHECK(eb_put_u64(&b, 1000000000000ull, NULL));
    CHECK(eb_put_str(&b, "a string too long", NULL));
    EbReader r;
    size_t n;
    RnError *err = NULL;
    eb_reader_init(&r, b.data, b.len);
    CHECK(!eb_get_size(&r, 1, 1000, &n, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_PARSE);
    rn_error_free(err);
    err = NULL;
    /* a huge count is refused before any allocation */
    eb_reader_init(&r, b.data, b.len);
    CHECK(!eb_get_f32s_alloc(&r, (size_t)1 << 40, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_PARSE);
    rn_error_free(err);
    err = NULL;
    eb_reader_init(&r, b.data + 8, b.len - 8);
    CHECK(!eb_get_str(&r, 4, &err));
    rn_error_free(err);
    err = NULL;
    /* non-finite floats and trailing bytes are corruption */
    RnBuf f = RN_BUF_INIT;
    CHECK(eb_put_u32(&f, 0x7FC00000u, NULL)); /* NaN */
    float x;
    eb_reader_init(&r, f.data, f.len);
    CHECK(!eb_get_f32(&r, &x, &err));
    rn_error_free(err);
    err = NULL;
    eb_reader_init(&r, f.data, f.len);
    CHECK(!eb_reader_done(&r, &err));
    rn_error_free(err);
    rn_buf_free(&f);
    rn_buf_free(&b);
}

static void test_options(void)
{
    static const char *const known[] = {"size", "cell", "pca", "scales", NULL};
    RnError *err = NULL;
    CHECK(eb_options_check(NULL, known, NULL));
    CHECK(eb_options_check("size=64,cell=8", known, NULL));
    CHECK(!eb_options_check("size=64,cel=8", known, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
    err = NULL;
    CHECK(!eb_options_check("size", known, &err));
    rn_error_free(err);
    err = NULL;

    uint64_t size = 128;
    CHECK(eb_option_u64("cell=8", "size", 8, 512, &size, NULL) && size == 128);
    CHECK(eb_option_u64("size=32,cell=8,size=64", "size", 8, 512, &size, NULL) &&
          size == 64);
    CHECK(!eb_option_u64("size=4", "size", 8, 512, &size, &err) && size == 64);
    rn_error_free(err);
    err = NULL;
    CHECK(!eb_option_u64("size=-1", "size", 0, 512, &size, &err));
    rn_error_free(err);
    err = NULL;
    bool pca = true;
    CHECK(eb_option_bool("pca=off", "pca", &pca, NULL) && !pca);
    CHECK(!eb_option_bool("pca=maybe", "pca", &pca, &err));
    rn_error_free(err);
    double sigma = 0;
    CHECK(eb_option_f64("cell=1.5", "cell", 0, 10, &sigma, NULL) && sigma == 1.5);
    char *s;
    CHECK(eb_option_str("scales=8:1;16:2", "scales", &s, NULL) && s &&
          strcmp(s, "8:1;16:2") == 0);
    free(s);
}

static void test_sources(void)
{
    RnEmbedSource s;
    CHECK(rn_embed_source_parse("image", &s) && s == RN_EMBED_IMAGE);
    CHECK(rn_embed_source_parse("meta", &s) && s == RN_EMBED_META);
    CHECK(rn_embed_source_parse("text", &s) && s == RN_EMBED_TEXT);
    CHECK(!rn_embed_source_parse("pixels", &s));
    CHECK_EQ_STR(rn_embed_source_name(RN_EMBED_TEXT), "text");
    CHECK(rn_embed_methods((RnEmbedSource)7)[0] == NULL);
    CHECK(rn_embed_method_find(RN_EMBED_IMAGE, "no-such-method") == NULL);
}

/* A well-formed envelope around an empty payload of the given method. */
static void envelope(RnBuf *b, uint32_t version, const char *method)
{
    rn_buf_append(b, "RNEMBMDL", 8, NULL);
    eb_put_u32(b, version, NULL);
    eb_put_u32(b, RN_EMBED_IMAGE, NULL);
    eb_put_str(b, method, NULL);
    eb_put_u64(b, 4, NULL);
    eb_put_u64(b, 0, NULL);
    eb_put_u32(b, (uint32_t)crc32(0, b->data, (uInt)b->len), NULL);
}

static void expect_refused(const RnBuf *b, RnErrorCode code, const char *words)
{
    RnError *err = NULL;
    RnEmbedModel *m = rn_embed_model_load_memory(b->data, b->len, &err);
    CHECK(m == NULL);
    CHECK_EQ_INT(rn_error_code(err), code);
    CHECK_MSG(err && strstr(rn_error_message(err), words), "%s",
              err ? rn_error_message(err) : "(no error)");
    rn_error_free(err);
    rn_embed_model_free(m);
}

static void test_model_envelope(void)
{
    RnBuf b = RN_BUF_INIT;
    envelope(&b, RN_EMBED_MODEL_VERSION, "no-such-method");
    expect_refused(&b, RN_ERROR_INVALID, "unknown image method");

    RnBuf v = RN_BUF_INIT;
    envelope(&v, RN_EMBED_MODEL_VERSION + 1, "no-such-method");
    expect_refused(&v, RN_ERROR_UNSUPPORTED, "version");

    b.data[20] ^= 1; /* one flipped bit in the method name */
    expect_refused(&b, RN_ERROR_PARSE, "checksum");
    b.data[20] ^= 1;
    for (size_t cut = 0; cut < b.len; cut++) {
        RnError *err = NULL;
        CHECK(rn_embed_model_load_memory(b.data, cut, &err) == NULL);
        CHECK(rn_error_code(err) == RN_ERROR_PARSE);
        rn_error_free(err);
    }
    b.data[0] = 'X';
    expect_refused(&b, RN_ERROR_PARSE, "not a radnet embedding model");
    RnError *err = NULL;
    CHECK(!rn_embed_model_load("/nonexistent/model", &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_IO);
    rn_error_free(err);
    err = NULL;
    RnEmbedItem item = {0};
    CHECK(!rn_embed_fit(RN_EMBED_IMAGE, "no-such-method", &item, 1, NULL, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
    rn_buf_free(&v);
    rn_buf_free(&b);
}

static void test_balance(void)
{
    static const char *const names[] = {"CT", "MR", "CR", "US", "NM"};
    const uint64_t count[] = {5000, 3000, 40, 900, 5};
    uint64_t quota[5];
    CHECK(eb_balance_quotas(count, names, 5, 1000, quota, NULL));
    /* NM and CR give their unused shares away; US and up split the rest */
    CHECK_EQ_INT(quota[4], 5);
    CHECK_EQ_INT(quota[2], 40);
    CHECK_EQ_INT(quota[0] + quota[1] + quota[3], 955);
    CHECK(quota[3] >= 318 && quota[3] <= 319 && quota[0] >= 318 && quota[1] >= 318);
    /* asking for more than there is takes everything */
    CHECK(eb_balance_quotas(count, names, 5, 100000, quota, NULL));
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(quota[i], count[i]);
    /* equal counts: the remainder goes by name order, so it is deterministic */
    const uint64_t same[] = {10, 10, 10};
    CHECK(eb_balance_quotas(same, names, 3, 10, quota, NULL));
    CHECK_EQ_INT(quota[0] + quota[1] + quota[2], 10);
    CHECK_EQ_INT(quota[1], 4); /* "MR" sorts last among CR, CT, MR */
}

int main(void)
{
    test_balance();
    test_blob_round_trip();
    test_blob_limits();
    test_options();
    test_sources();
    test_model_envelope();
    TEST_DONE();
}
