/* The run's views (run.h, RnRunView; src/run/view.c): rn_run_view_auto
 * at the class counts of the archives issue 11 names (10 modalities with
 * 17 regions; radnet synth's 10 with 27) and at the edges of the rule; the
 * names; a row's region from its anatomy blocks; adoption by the nearest
 * mean; prediction within a region; the view model's JSON round trip and
 * the damaged models it refuses. */
#include "radnet/cluster.h"
#include "radnet/embed.h"
#include "radnet/run.h"
#include "run/run_internal.h"
#include "rn_test.h"

#include <stdlib.h>
#include <string.h>

static void test_auto(void)
{
    /* 10 modalities, 17 regions: k = 10 follows Modality, k = 17 the
     * regions, k = 50 the (Modality, region) pairs inside modalities */
    CHECK(rn_run_view_auto(2, 10, 17) == RN_RUN_VIEW_MODALITY);
    CHECK(rn_run_view_auto(10, 10, 17) == RN_RUN_VIEW_MODALITY);
    CHECK(rn_run_view_auto(11, 10, 17) == RN_RUN_VIEW_REGION);
    CHECK(rn_run_view_auto(17, 10, 17) == RN_RUN_VIEW_REGION);
    CHECK(rn_run_view_auto(25, 10, 17) == RN_RUN_VIEW_REGION);   /* 50 < 51 */
    CHECK(rn_run_view_auto(26, 10, 17) == RN_RUN_VIEW_MODALITY); /* 52 >= 51 */
    CHECK(rn_run_view_auto(50, 10, 17) == RN_RUN_VIEW_MODALITY);
    /* 10 with 27 */
    CHECK(rn_run_view_auto(27, 10, 27) == RN_RUN_VIEW_REGION);
    CHECK(rn_run_view_auto(40, 10, 27) == RN_RUN_VIEW_REGION);
    CHECK(rn_run_view_auto(41, 10, 27) == RN_RUN_VIEW_MODALITY);
    CHECK(rn_run_view_auto(50, 10, 27) == RN_RUN_VIEW_MODALITY);
    /* no regions, one region */
    CHECK(rn_run_view_auto(5, 4, 0) == RN_RUN_VIEW_MODALITY);
    CHECK(rn_run_view_auto(2, 1, 1) == RN_RUN_VIEW_MODALITY);
    /* fewer regions than modalities: k = 11 alone is inside (11 < 12) */
    for (size_t k = 2; k < 40; k++)
        CHECK(rn_run_view_auto(k, 10, 8) ==
              (k == 11 ? RN_RUN_VIEW_REGION : RN_RUN_VIEW_MODALITY));

}

static void test_names(void)
{
    for (int v = RN_RUN_VIEW_AUTO; v <= RN_RUN_VIEW_REGION; v++) {
        RnRunView back = (RnRunView)-1;
        CHECK(rn_run_view_parse(rn_run_view_name((RnRunView)v), &back) && back == (RnRunView)v);
    }
    RnRunView out = RN_RUN_VIEW_REGION;
    CHECK(!rn_run_view_parse("regions", &out) && out == RN_RUN_VIEW_REGION);
    CHECK(!rn_run_view_parse("", &out));
}

/* An anatomy block naming `region` (NULL: no word). */
static void block(float *b, const char *region)
{
    size_t words = rn_embed_anatomy_regions();
    memset(b, 0, (words + 1) * sizeof *b);
    b[words] = 1;
    for (size_t c = 0; region && c < words; c++)
        if (strcmp(rn_embed_anatomy_region(c), region) == 0) {
            b[c] = 1;
            b[words] = 0;
        }
}

static void test_anatomy_region(void)
{
    float meta[64], text[64];
    CHECK(rn_embed_anatomy_regions() + 1 <= 64);
    CHECK(rn_embed_anatomy_region(rn_embed_anatomy_regions()) == NULL);
    block(meta, "KNEE");
    block(text, "CHEST");
    CHECK_EQ_STR(ru_anatomy_region(meta, text, "HIP"), "KNEE");
    block(meta, NULL);
    CHECK_EQ_STR(ru_anatomy_region(meta, text, "HIP"), "CHEST");
    CHECK_EQ_STR(ru_anatomy_region(NULL, text, "HIP"), "CHEST");
    block(text, NULL);
    CHECK_EQ_STR(ru_anatomy_region(meta, text, "HIP"), "HIP");
    CHECK_EQ_STR(ru_anatomy_region(NULL, NULL, ""), "");
    /* the strongest column wins, the first of a tie (HEAD is column 0) */
    CHECK_EQ_STR(rn_embed_anatomy_region(0), "HEAD");
    block(meta, "KNEE");
    meta[0] = 2;
    CHECK_EQ_STR(ru_anatomy_region(meta, NULL, ""), "HEAD");
    meta[0] = 0.5f;
    CHECK_EQ_STR(ru_anatomy_region(meta, NULL, ""), "KNEE");
    meta[0] = 1;
    CHECK_EQ_STR(ru_anatomy_region(meta, NULL, ""), "HEAD");
}

/* Two modalities (CT, MR), two kept regions (CHEST, HEAD), d = 2:
 * CT shows only the chest; MR both. Three centres: CHEST, HEAD, HEAD. */
static void make_view(RuView *v)
{
    memset(v, 0, sizeof *v);
    v->view = RN_RUN_VIEW_REGION;
    v->d = 2;
    v->n_regions = v->n_modalities = 2;
    v->regions = calloc(2, sizeof *v->regions);
    v->modalities = calloc(2, sizeof *v->modalities);
    v->regions[0] = strdup("CHEST");
    v->regions[1] = strdup("HEAD");
    v->modalities[0] = strdup("CT");
    v->modalities[1] = strdup("MR");
    static const double pair_mean[] = {0, 0, 0, 0, /* CT: chest, (no head) */
                                       10, 0, 0, 10};
    static const uint64_t pair_rows[] = {5, 0, 3, 4};
    static const double region_mean[] = {1, 0, 0, 10};
    static const uint64_t region_rows[] = {8, 4};
    static const int32_t centre_region[] = {0, 1, 1};
    v->pair_mean = malloc(sizeof pair_mean);
    memcpy(v->pair_mean, pair_mean, sizeof pair_mean);
    v->pair_rows = malloc(sizeof pair_rows);
    memcpy(v->pair_rows, pair_rows, sizeof pair_rows);
    v->region_mean = malloc(sizeof region_mean);
    memcpy(v->region_mean, region_mean, sizeof region_mean);
    v->region_rows = malloc(sizeof region_rows);
    memcpy(v->region_rows, region_rows, sizeof region_rows);
    v->k = 3;
    v->centre_region = malloc(sizeof centre_region);
    memcpy(v->centre_region, centre_region, sizeof centre_region);
}

static void test_adopt_predict(void)
{
    RuView v;
    make_view(&v);
    CHECK(ru_view_region(&v, "HEAD") == 1 && ru_view_region(&v, "KNEE") == -1);
    const double near_head[] = {0, 9};
    /* CT has only the chest: its rows adopt the chest wherever they lie */
    CHECK(ru_view_adopt(&v, 0, near_head) == 0);
    /* MR has both: the nearest pair mean */
    CHECK(ru_view_adopt(&v, 1, near_head) == 1);
    const double near_chest[] = {9, 1};
    CHECK(ru_view_adopt(&v, 1, near_chest) == 0);
    /* a modality the run did not have: the nearest region mean */
    CHECK(ru_view_adopt(&v, -1, near_head) == 1);
    CHECK(ru_view_adopt(&v, 7, near_chest) == 0);

    /* centres: 0 (chest) at (0, 0); 1, 2 (head) at (5, 5) and (0, 20) */
    const float centres[] = {0, 0, 5, 5, 0, 20};
    RnMatrix cm = {.data = centres, .rows = 3, .cols = 2, .dtype = RN_DTYPE_F32};
    RnError *err = NULL;
    RnClusterModel *m = rn_cluster_model_from_centers(RN_ALGO_KMEANS, RN_DISTANCE_EUCLIDEAN,
                                                      &cm, &err);
    CHECK(m != NULL);
    /* row 0 lies nearest centre 0 but is a head row: centre 1; row 1 is a
     * chest row far out: centre 0; row 2 a head row near (0, 20) */
    const float rows[] = {1, 1, 6, 6, 0, 18};
    RnMatrix X = {.data = rows, .rows = 3, .cols = 2, .dtype = RN_DTYPE_F32};
    const int32_t region[] = {1, 0, 1};
    int32_t labels[3] = {-1, -1, -1};
    double dist[3];
    CHECK(m && ru_view_predict(&v, m, &X, region, NULL, labels, dist, &err));
    CHECK(labels[0] == 1 && labels[1] == 0 && labels[2] == 2);
    CHECK_NEAR(dist[1], 8.48528137423857, 1e-6);
    CHECK_NEAR(dist[2], 2.0, 1e-6);
    /* a model of another k is refused */
    v.k = 2;
    CHECK(!ru_view_predict(&v, m, &X, region, NULL, labels, dist, &err) && err);
    rn_error_free(err);
    rn_cluster_model_close(m);
    ru_view_free(&v);
    ru_view_free(&v); /* a freed view frees again as a no-op */
}

static void test_json(void)
{
    RuView v, back;
    make_view(&v);
    RnBuf a = RN_BUF_INIT, b = RN_BUF_INIT;
    RnError *err = NULL;
    CHECK(ru_view_json(&v, &a, &err) && rn_buf_terminate(&a, &err)); /* text for strstr */
    CHECK(ru_view_parse((const char *)a.data, a.len, &back, &err));
    CHECK(back.view == RN_RUN_VIEW_REGION && back.k == 3 && back.d == 2 &&
          back.n_regions == 2 && strcmp(back.regions[1], "HEAD") == 0 &&
          back.centre_region[2] == 1 && back.pair_rows[1] == 0 && back.pair_mean[6] == 0);
    CHECK(ru_view_json(&back, &b, &err) && a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    ru_view_free(&back);
    rn_buf_free(&b);

    RuView mod = {.view = RN_RUN_VIEW_MODALITY};
    CHECK(ru_view_json(&mod, &b, &err));
    CHECK(ru_view_parse((const char *)b.data, b.len, &back, &err) &&
          back.view == RN_RUN_VIEW_MODALITY && back.n_regions == 0);
    ru_view_free(&back);
    rn_buf_free(&b);

    /* damaged models: each refused with an error, nothing leaked (ASan) */
    const char *text = (const char *)a.data;
    struct {
        const char *from, *to;
    } edits[] = {
        {"\"version\":1", "\"version\":2"},
        {"\"view\":\"region\"", "\"view\":\"auto\""},
        {"\"view\":\"region\"", "\"view\":\"regions\""},
        {"\"centre_region\":[0.0,1.0,1.0]", "\"centre_region\":[0.0,1.0,2.0]"},
        {"\"centre_region\":[0.0,1.0,1.0]", "\"centre_region\":[0.0,1.0]"},
        {"\"centre_region\":[0.0,1.0,1.0]", "\"centre_region\":[0.0,1.5,1.0]"},
        {"\"pair_rows\":[5.0,0.0,3.0,4.0]", "\"pair_rows\":[5.0,-1.0,3.0,4.0]"},
        {"\"region_mean\":[1.0,0.0,0.0,10.0]", "\"region_mean\":[1.0,0.0,0.0]"},
        {"\"region_mean\":[1.0,0.0,0.0,10.0]", "\"region_mean\":[1.0,0.0,0.0,null]"},
        {"\"regions\":[\"CHEST\",\"HEAD\"]", "\"regions\":[\"CHEST\",7]"},
        {"\"regions\":[\"CHEST\",\"HEAD\"]", "\"regions\":[]"},
        {"\"d\":2", "\"d\":0"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        const char *at = strstr(text, edits[i].from);
        CHECK_MSG(at != NULL, "edit %zu: '%s' not in %s", i, edits[i].from, text);
        if (!at)
            continue;
        size_t head = (size_t)(at - text), from = strlen(edits[i].from);
        char *bad = malloc(a.len + strlen(edits[i].to) + 1);
        memcpy(bad, text, head);
        strcpy(bad + head, edits[i].to);
        strcat(bad, at + from);
        RnError *e = NULL;
        CHECK_MSG(!ru_view_parse(bad, strlen(bad), &back, &e) && e != NULL, "edit %zu accepted",
                  i);
        rn_error_free(e);
        free(bad);
    }
    /* truncated anywhere */
    for (size_t n = 0; n < a.len; n += 7) {
        RnError *e = NULL;
        CHECK_MSG(!ru_view_parse(text, n, &back, &e) && e != NULL, "%zu bytes accepted", n);
        rn_error_free(e);
    }
    rn_buf_free(&a);
    ru_view_free(&v);
}

int main(void)
{
    test_auto();
    test_names();
    test_anatomy_region();
    test_adopt_predict();
    test_json();
    TEST_DONE();
}
