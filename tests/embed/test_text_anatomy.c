/* Methods text-anatomy and meta-anatomy: the regions a report's / the
 * descriptive tags' body-part words name. Croatian, English and German
 * words (diacritics folded, whole words and prefixes), unit-length counts,
 * the last column for a text without anatomy words and for an image without
 * the text (fusion's missing mark); the same output from a reloaded model,
 * every truncation refused, options refused. */
#include "radnet/embed.h"
#include "radnet/fusion.h"
#include "rn_model_roundtrip.h"
#include "rn_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Column order of the method (text_anatomy.c's region table). */
enum { HEAD = 0, CHEST = 7, SHOULDER = 14, WRIST = 18, HAND = 19, KNEE = 22, ANKLE = 23,
       D = 29 };

static RnEmbedItem item(const char *report)
{
    return (RnEmbedItem){.sop_uid = "1.2.3", .modality = "CR", .region = "", .report = report};
}

static void check_row(const float *row, const int *cols, size_t n, const char *what)
{
    for (size_t j = 0; j < D; j++) {
        float want = 0;
        for (size_t c = 0; c < n; c++)
            want = cols[c] == (int)j ? 1.0f / sqrtf((float)n) : want;
        CHECK_MSG(fabsf(row[j] - want) < 1e-6f, "%s: column %zu is %g, not %g", what, j,
                  row[j], want);
    }
}

static void test_rows(void)
{
    RnError *err = NULL;
    RnEmbedParams p = {.seed = 1};
    const RnEmbedItem sample[] = {item("x")};
    RnEmbedModel *m = rn_embed_fit(RN_EMBED_TEXT, "anatomy", sample, 1, &p, &err);
    CHECK_MSG(m != NULL, "%s", err ? rn_error_message(err) : "");
    if (!m)
        return;
    CHECK_EQ_INT(rn_embed_model_dim(m), D);
    const RnEmbedItem rows[] = {
        item("Uredan nalaz plu\xc4\x87" "a i srca."),            /* pluća, srca: CHEST twice */
        item("Koljeno i gle\xc5\xbe" "anj bez traumatskih promjena."), /* KNEE, ANKLE */
        item("Kniegelenk: Erguss."),                             /* knie*: KNEE */
        item("Fracture of the left wrist; hand normal."),        /* WRIST, HAND */
        item("Uredan nalaz."),                                   /* no anatomy word */
        {.sop_uid = "9", .modality = "CT", .region = "HEAD"},    /* no report */
        item("Mo\xc5\xbe" "dani parenhim bez ishemije."),        /* možd- folded: HEAD */
        item("Brain MRI: no lesion."),                           /* HEAD */
    };
    size_t n = sizeof rows / sizeof *rows;
    float out[8 * D];
    CHECK(rn_embed_transform(m, rows, n, out, &err));
    check_row(out + 0 * D, (int[]){CHEST}, 1, "chest");
    check_row(out + 1 * D, (int[]){KNEE, ANKLE}, 2, "knee and ankle");
    check_row(out + 2 * D, (int[]){KNEE}, 1, "German knee");
    check_row(out + 3 * D, (int[]){WRIST, HAND}, 2, "wrist and hand");
    check_row(out + 4 * D, (int[]){D - 1}, 1, "no anatomy word");
    check_row(out + 5 * D, (int[]){D - 1}, 1, "no report");
    check_row(out + 6 * D, (int[]){HEAD}, 1, "folded diacritics");
    check_row(out + 7 * D, (int[]){HEAD}, 1, "brain");
    CHECK(rn_fusion_input_missing("text-anatomy") == RN_FUSION_INDICATOR_LAST);

    check_model_roundtrip(m, rows, n, out);
    rn_embed_model_free(m);

    p.options = "fold=off";
    RnError *e = NULL;
    CHECK(rn_embed_fit(RN_EMBED_TEXT, "anatomy", sample, 1, &p, &e) == NULL && e != NULL);
    rn_error_free(e);
    rn_error_free(err);
}

static RnEmbedItem tags(const char *elements)
{
    return (RnEmbedItem){.sop_uid = "1", .modality = "MR", .region = "", .elements_json = elements};
}

/* The tags' words, where SPEC 5's regexes find nothing (BodyPartExamined
 * missing, a German or English description). */
static void test_tags(void)
{
    RnError *err = NULL;
    RnEmbedParams p = {.seed = 1};
    const RnEmbedItem rows[] = {
        tags("{\"StudyDescription\":[\"LO\",\"MRT Schulter\"],"
             "\"SeriesDescription\":[\"LO\",\"T1W_SE_COR\"]}"),
        tags("{\"StudyDescription\":[\"LO\",\"XR Chest\"],\"ProtocolName\":[\"LO\",\"PA\"]}"),
        tags("{\"StudyDescription\":[\"LO\",\"Kontrolni pregled\"]}"),
        tags(""),
    };
    RnEmbedModel *m = rn_embed_fit(RN_EMBED_META, "anatomy", rows, 4, &p, &err);
    CHECK_MSG(m != NULL, "%s", err ? rn_error_message(err) : "");
    if (!m)
        return;
    float out[4 * D];
    CHECK(rn_embed_transform(m, rows, 4, out, &err));
    check_row(out + 0 * D, (int[]){SHOULDER}, 1, "MRT Schulter");
    check_row(out + 1 * D, (int[]){CHEST}, 1, "XR Chest");
    check_row(out + 2 * D, (int[]){D - 1}, 1, "no anatomy word in the tags");
    check_row(out + 3 * D, (int[]){D - 1}, 1, "no tags");
    CHECK(rn_fusion_input_missing("meta-anatomy") == RN_FUSION_INDICATOR_LAST);
    rn_embed_model_free(m);
    rn_error_free(err);
}

int main(void)
{
    test_rows();
    test_tags();
    TEST_DONE();
}
