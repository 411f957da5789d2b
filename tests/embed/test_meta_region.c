/* Metadata method `region`: the SPEC 5 header region one-hot. Columns in
 * byte order, "other" for a region the fit never saw, "none" (the last
 * column, fusion's missing mark) for an image without one; the same model
 * bytes from a shuffled sample; the model reloads to the same output;
 * every truncation and a flipped payload byte refused. */
#include "radnet/embed.h"
#include "radnet/fusion.h"
#include "rn_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static RnEmbedItem item(const char *region)
{
    return (RnEmbedItem){.sop_uid = "1.2.3", .modality = "CR", .region = region};
}

/* The bytes of m's model file. */
static unsigned char *model_bytes(const RnEmbedModel *m, size_t *len)
{
    char path[] = "/tmp/rn_regionXXXXXX";
    int fd = mkstemp(path);
    close(fd);
    RnError *err = NULL;
    CHECK(rn_embed_model_save(m, path, &err));
    rn_error_free(err);
    FILE *f = fopen(path, "rb");
    unsigned char *b = malloc(4096);
    *len = f ? fread(b, 1, 4096, f) : 0;
    if (f)
        fclose(f);
    unlink(path);
    CHECK(*len > 0 && *len < 4096);
    return b;
}

static RnEmbedModel *fit(const RnEmbedItem *sample, size_t n)
{
    RnError *err = NULL;
    RnEmbedParams p = {.seed = 1};
    RnEmbedModel *m = rn_embed_fit(RN_EMBED_META, "region", sample, n, &p, &err);
    CHECK_MSG(m != NULL, "%s", err ? rn_error_message(err) : "");
    rn_error_free(err);
    return m;
}

static void test_columns_and_reload(void)
{
    const RnEmbedItem sample[] = {item("KNEE"), item("CHEST"), item(""), item("CHEST"),
                                  item("HAND")};
    RnEmbedModel *m = fit(sample, 5);
    if (!m)
        return;
    /* CHEST, HAND, KNEE, then "other", then "none" ("" is no value) */
    CHECK_EQ_INT(rn_embed_model_dim(m), 5);
    const RnEmbedItem rows[] = {item("HAND"), item("KNEE"), item(""), item("SKULL"),
                                item("CHEST"), {.sop_uid = "9"}};
    const size_t want[] = {1, 2, 4, 3, 0, 4}; /* a NULL region is none too */
    float out[6 * 5];
    RnError *err = NULL;
    CHECK(rn_embed_transform(m, rows, 6, out, &err));
    for (size_t i = 0; i < 6; i++)
        for (size_t j = 0; j < 5; j++)
            CHECK_MSG(out[i * 5 + j] == (j == want[i] ? 1.0f : 0.0f), "row %zu col %zu", i, j);

    /* the fit does not depend on the sample's order */
    const RnEmbedItem shuffled[] = {item("HAND"), item(""), item("CHEST"), item("KNEE"),
                                    item("CHEST")};
    RnEmbedModel *m2 = fit(shuffled, 5);
    size_t len, len2;
    unsigned char *b = model_bytes(m, &len);
    unsigned char *b2 = m2 ? model_bytes(m2, &len2) : NULL;
    CHECK(b2 && len == len2 && memcmp(b, b2, len) == 0);
    free(b2);
    rn_embed_model_free(m2);

    RnEmbedModel *back = rn_embed_model_load_memory(b, len, &err);
    CHECK_MSG(back != NULL, "%s", err ? rn_error_message(err) : "");
    float again[6 * 5];
    CHECK(back && rn_embed_transform(back, rows, 6, again, &err) &&
          memcmp(out, again, sizeof out) == 0);
    rn_embed_model_free(back);
    for (size_t cut = 0; cut < len; cut++) {
        RnError *e = NULL;
        RnEmbedModel *t = rn_embed_model_load_memory(b, cut, &e);
        CHECK(t == NULL && e != NULL);
        rn_embed_model_free(t);
        rn_error_free(e);
    }
    b[len - 8] ^= 0x20; /* inside the payload: the CRC refuses it */
    RnError *e = NULL;
    CHECK(rn_embed_model_load_memory(b, len, &e) == NULL && e != NULL);
    rn_error_free(e);
    free(b);
    rn_embed_model_free(m);
}

/* A sample without any region: only "other" and "none"; every row of it
 * is the explicit missing row fusion renormalises away. */
static void test_no_region(void)
{
    const RnEmbedItem sample[] = {item(""), item("")};
    RnEmbedModel *m = fit(sample, 2);
    if (!m)
        return;
    CHECK_EQ_INT(rn_embed_model_dim(m), 2);
    float out[2];
    CHECK(rn_embed_transform(m, sample, 1, out, NULL));
    CHECK(out[0] == 0.0f && out[1] == 1.0f);
    CHECK(rn_fusion_input_missing("meta-region") == RN_FUSION_INDICATOR_LAST);
    rn_embed_model_free(m);
}

int main(void)
{
    test_columns_and_reload();
    test_no_region();
    TEST_DONE();
}
