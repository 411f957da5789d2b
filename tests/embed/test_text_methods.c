/* The report-text methods `tfidf` and `doc2vec`, and the metadata method `text-tags`
 * through the public contract: dimension, the no-report indicator, model
 * round trip (identical bytes), determinism, refusal of bad options. */
#include "radnet/embed.h"
#include "rn_test.h"

#include <stdlib.h>
#include <unistd.h>

#define N 60

static const char *reports[] = {
    "CT mozga: bez znakova krvarenja.", "Uredan nalaz pluća, bez infiltrata.",
    "Fraktura distalnog radijusa.", "Koljeno: ruptura prednjeg križnog ligamenta.",
    "MR lumbalne kralježnice: protruzija L4-L5.", "No pleural effusion, heart normal.",
};
static const char *tags[] = {
    "{\"StudyDescription\":[\"LO\",\"CT glave\"],\"Modality\":[\"CS\",\"CT\"]}",
    "{\"StudyDescription\":[\"LO\",\"RTG pluća\"],\"ProtocolName\":[\"LO\",\"Thorax PA\"]}",
    "{\"BodyPartExamined\":[\"CS\",\"KNEE\"],\"SeriesDescription\":[\"LO\",\"sag PD fs\"]}",
    "{\"Modality\":[\"CS\",\"MR\"]}",
};

static void make_items(RnEmbedItem *items)
{
    for (size_t i = 0; i < N; i++) {
        items[i] = (RnEmbedItem){.sop_uid = "1.2.3", .modality = "CT", .region = ""};
        items[i].report = i % 7 == 3 ? NULL : reports[i % 6];
        items[i].elements_json = tags[i % 4];
    }
}

static void check_method(RnEmbedSource src, const char *method, const RnEmbedItem *items,
                         bool (*absent)(size_t))
{
    RnError *err = NULL;
    RnEmbedParams p = {.dim = 5, .seed = 3};
    RnEmbedModel *m = rn_embed_fit(src, method, items, N, &p, &err);
    CHECK_MSG(m != NULL, "%s", err ? rn_error_message(err) : "");
    if (!m)
        return;
    size_t d = rn_embed_model_dim(m);
    CHECK_EQ_INT(d, 5);
    float *a = calloc(N * d, sizeof *a), *b = calloc(N * d, sizeof *b);
    CHECK(rn_embed_transform(m, items, N, a, &err));
    for (size_t i = 0; i < N; i++) {
        float norm = 0;
        for (size_t j = 0; j + 1 < d; j++)
            norm += a[i * d + j] * a[i * d + j];
        if (absent(i)) {
            CHECK(a[i * d + d - 1] == 1.0f && norm == 0.0f);
        } else {
            CHECK(a[i * d + d - 1] == 0.0f && norm > 0.0f);
        }
    }
    /* saved and reloaded, the model gives the same bytes */
    char path[] = "/tmp/embtxt_modelXXXXXX";
    int fd = mkstemp(path);
    close(fd);
    CHECK(rn_embed_model_save(m, path, &err));
    RnEmbedModel *m2 = rn_embed_model_load(path, &err);
    CHECK(m2 != NULL);
    if (m2) {
        CHECK(rn_embed_transform(m2, items, N, b, &err));
        CHECK(memcmp(a, b, N * d * sizeof *a) == 0);
    }
    unlink(path);
    /* refit with the same seed: identical */
    RnEmbedModel *m3 = rn_embed_fit(src, method, items, N, &p, &err);
    CHECK(m3 && rn_embed_transform(m3, items, N, b, &err));
    CHECK(memcmp(a, b, N * d * sizeof *a) == 0);
    rn_embed_model_free(m);
    rn_embed_model_free(m2);
    rn_embed_model_free(m3);
    free(a);
    free(b);
    /* a misspelt option is refused, not ignored */
    RnEmbedParams bad = {.options = "stemm=off"};
    CHECK(rn_embed_fit(src, method, items, N, &bad, &err) == NULL);
    CHECK(rn_error_code(err) == RN_ERROR_INVALID);
    rn_error_free(err);
}

static bool no_report(size_t i) { return i % 7 == 3; }
static bool no_tags(size_t i) { return i % 4 == 3; }

int main(void)
{
    RnEmbedItem items[N];
    make_items(items);
    check_method(RN_EMBED_TEXT, "tfidf", items, no_report);
    check_method(RN_EMBED_TEXT, "doc2vec", items, no_report);
    check_method(RN_EMBED_META, "text-tags", items, no_tags);
    /* a sample with no report at all still fits: every row is "no report" */
    for (size_t i = 0; i < N; i++)
        items[i].report = NULL;
    RnError *err = NULL;
    RnEmbedModel *m = rn_embed_fit(RN_EMBED_TEXT, "tfidf", items, N, NULL, &err);
    CHECK(m && rn_embed_model_dim(m) == 1);
    float row[N];
    CHECK(m && rn_embed_transform(m, items, N, row, &err) && row[0] == 1.0f);
    rn_embed_model_free(m);
    rn_error_free(err);
    TEST_DONE();
}
