/* The fusion defaults: every input of the table is a registered embedding
 * method with a positive weight (0: a pixel input only the map reads); the
 * `meta-modality` method they rely on (one-hot of the Modality tag, "other"
 * column, model round trip, damaged payloads refused). */
#include "radnet/embed.h"
#include "radnet/fusion.h"
#include "rn_model_roundtrip.h"
#include "rn_test.h"

#include <stdio.h>
#include <string.h>

static void test_table(void)
{
    size_t n;
    const RnFusionDefault *d = rn_fusion_defaults(&n);
    CHECK(n >= 2 && n <= RN_FUSION_MAX_INPUTS);
    for (size_t i = 0; i < n; i++) {
        char source[16];
        const char *dash = strchr(d[i].input, '-');
        CHECK(dash && (size_t)(dash - d[i].input) < sizeof source);
        if (!dash)
            continue;
        snprintf(source, sizeof source, "%.*s", (int)(dash - d[i].input), d[i].input);
        RnEmbedSource s;
        CHECK_MSG(rn_embed_source_parse(source, &s) &&
                      rn_embed_method_summary(s, dash + 1) != NULL,
                  "default input %s is no embedding method", d[i].input);
        /* 0: a pixel input only the imputation's map reads */
        CHECK(d[i].weight > 0 || (d[i].weight == 0 && strncmp(d[i].input, "image-", 6) == 0));
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(d[i].input, d[j].input) != 0);
        CHECK(rn_fusion_default_options(d[i].input) == d[i].options);
    }
    CHECK(rn_fusion_default_options("image-none") == NULL);
}

static RnEmbedItem item(const char *modality)
{
    return (RnEmbedItem){.sop_uid = "1.2.3", .modality = modality, .region = ""};
}

static void test_modality_method(void)
{
    const RnEmbedItem sample[] = {item("MR"), item("CT"), item("CT"), item(""), item("MR")};
    RnError *err = NULL;
    RnEmbedParams p = {.seed = 1};
    RnEmbedModel *m = rn_embed_fit(RN_EMBED_META, "modality", sample, 5, &p, &err);
    CHECK_MSG(m != NULL, "%s", err ? rn_error_message(err) : "");
    if (!m)
        return;
    /* "", CT, MR in byte order, then "other" */
    CHECK_EQ_INT(rn_embed_model_dim(m), 4);
    const RnEmbedItem rows[] = {item("CT"), item("MR"), item(""), item("US"), {0}};
    const size_t want[] = {1, 2, 0, 3, 0};
    float out[5 * 4];
    CHECK(rn_embed_transform(m, rows, 5, out, &err));
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 4; j++)
            CHECK(out[i * 4 + j] == (j == want[i] ? 1.0f : 0.0f));

    check_model_roundtrip(m, rows, 5, out);
    rn_embed_model_free(m);
}

int main(void)
{
    test_table();
    test_modality_method();
    TEST_DONE();
}
