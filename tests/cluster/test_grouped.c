/* k-means within groups: the split of k (largest remainder with a floor of
 * one, caps, empty groups, refusals), the fit held to each group fitted
 * alone with rn_kmeans_fit (the reference), no cluster across groups, the
 * same bits at 1 and 2 threads, inertia shares, the split by (group,
 * subgroup) pairs and its fit, refused misuse. */
#include "rn_test.h"
#include "gen.h"
#include "radnet/cluster.h"

#include <stdlib.h>
#include <string.h>

static void check_split(const double *share, const size_t *cap, size_t g, size_t k,
                        const size_t *want)
{
    size_t got[8] = {0};
    RnError *err = NULL;
    CHECK_MSG(rn_group_allocate(share, cap, g, k, got, &err), "%s",
              err ? rn_error_message(err) : "");
    rn_error_free(err);
    for (size_t i = 0; i < g; i++)
        CHECK_MSG(got[i] == want[i], "k %zu group %zu: %zu vs %zu", k, i, got[i], want[i]);
}

static void test_allocate(void)
{
    size_t big[4] = {1000, 1000, 1000, 1000};
    /* exact proportions */
    check_split((double[]){6, 3, 1}, big, 3, 10, (size_t[]){6, 3, 1});
    /* largest remainder: quotas 4.5, 4.5, 1 -> the tie goes to the lower group */
    check_split((double[]){4.5, 4.5, 1}, big, 3, 10, (size_t[]){5, 4, 1});
    /* a floor of one: quotas 9.7, 0.1, 0.1, 0.1 */
    check_split((double[]){97, 1, 1, 1}, big, 4, 10, (size_t[]){7, 1, 1, 1});
    /* caps: a group of 2 rows takes 2, the rest goes to the other */
    check_split((double[]){50, 50}, (size_t[]){2, 100}, 2, 10, (size_t[]){2, 8});
    /* an empty group gets nothing, whatever its share */
    check_split((double[]){1, 5, 1}, (size_t[]){10, 0, 10}, 3, 4, (size_t[]){2, 0, 2});
    /* every share 0: equal quotas */
    check_split((double[]){0, 0, 0}, big, 3, 6, (size_t[]){2, 2, 2});
    /* k = number of groups: one each */
    check_split((double[]){100, 1, 1}, big, 3, 3, (size_t[]){1, 1, 1});

    size_t out[4];
    RnError *err = NULL;
    CHECK(!rn_group_allocate((double[]){1, 1, 1}, big, 3, 2, out, &err)); /* k < groups */
    CHECK(err && rn_error_code(err) == RN_ERROR_INVALID);
    rn_error_free(err);
    err = NULL;
    CHECK(!rn_group_allocate((double[]){1, 1}, (size_t[]){2, 3}, 2, 6, out, &err)); /* k > rows */
    rn_error_free(err);
    err = NULL;
    CHECK(!rn_group_allocate((double[]){1, NAN}, big, 2, 4, out, &err));
    rn_error_free(err);
    err = NULL;
    CHECK(!rn_group_allocate((double[]){1, -1}, big, 2, 4, out, &err));
    rn_error_free(err);
}

/* pairs given as a dense g × n_sub matrix (0 = no such pair), handed over
 * as a list in reverse order (the split sorts them). */
static size_t pair_list(const size_t *dense, size_t g, size_t n_sub, RnGroupPair *out)
{
    size_t m = 0;
    for (size_t i = g * n_sub; i-- > 0;)
        if (dense[i])
            out[m++] = (RnGroupPair){i / n_sub, i % n_sub, dense[i]};
    return m;
}

static void check_pairs(const size_t *dense, const size_t *cap, size_t g, size_t n_sub,
                        size_t k, const size_t *want)
{
    size_t got[8] = {0};
    RnGroupPair list[16];
    size_t m = pair_list(dense, g, n_sub, list);
    RnError *err = NULL;
    CHECK_MSG(rn_group_allocate_pairs(list, m, cap, g, k, got, &err), "%s",
              err ? rn_error_message(err) : "");
    rn_error_free(err);
    for (size_t i = 0; i < g; i++)
        CHECK_MSG(got[i] == want[i], "pairs k %zu group %zu: %zu vs %zu", k, i, got[i], want[i]);
}

static void test_allocate_pairs(void)
{
    /* group 0 shows three subgroups (50, 30, 5 rows), group 1 one (40):
     * floors 1 + 1, then (0,1) and (0,2) -- group 1 has no second pair
     * however many rows it has */
    check_pairs((size_t[]){50, 30, 5, 40, 0, 0}, (size_t[]){85, 40}, 2, 3, 4,
                (size_t[]){3, 1});
    /* a pair at least as large as group 0's second goes first: (1,1) 30
     * ties (0,1) 30 and the lower group wins the tie */
    check_pairs((size_t[]){50, 30, 0, 40, 30, 0}, (size_t[]){80, 70}, 2, 3, 3,
                (size_t[]){2, 1});
    check_pairs((size_t[]){50, 30, 0, 40, 30, 0}, (size_t[]){80, 70}, 2, 3, 4,
                (size_t[]){2, 2});
    /* pairs run out (3 of them, k = 5): the rest by rows, quotas 2.5 / 2.5 */
    check_pairs((size_t[]){10, 0, 5, 5}, (size_t[]){10, 10}, 2, 2, 5, (size_t[]){3, 2});
    /* caps: group 0 has 3 rows, one per subgroup */
    check_pairs((size_t[]){1, 1, 1, 100, 0, 0}, (size_t[]){3, 100}, 2, 3, 5,
                (size_t[]){3, 2});
    /* an empty group gets nothing */
    check_pairs((size_t[]){0, 0, 7, 3}, (size_t[]){0, 10}, 2, 2, 2, (size_t[]){0, 2});

    size_t out[4];
    RnError *err = NULL;
    /* a group's pairs must hold its rows */
    RnGroupPair list[4] = {{0, 0, 5}, {0, 1, 5}};
    CHECK(!rn_group_allocate_pairs(list, 2, (size_t[]){11}, 1, 2, out, &err));
    CHECK(err && rn_error_code(err) == RN_ERROR_INVALID);
    rn_error_free(err);
    err = NULL;
    /* a pair of a group that does not exist */
    list[1] = (RnGroupPair){3, 0, 5};
    CHECK(!rn_group_allocate_pairs(list, 2, (size_t[]){5}, 1, 1, out, &err));
    rn_error_free(err);
    err = NULL;
    /* k below the non-empty groups, and above the rows */
    list[0] = (RnGroupPair){0, 0, 5};
    list[1] = (RnGroupPair){1, 0, 5};
    CHECK(!rn_group_allocate_pairs(list, 2, (size_t[]){5, 5}, 2, 1, out, &err));
    rn_error_free(err);
    err = NULL;
    list[0].rows = list[1].rows = 1;
    CHECK(!rn_group_allocate_pairs(list, 2, (size_t[]){1, 1}, 2, 3, out, &err));
    rn_error_free(err);
}

/* Two groups (rows interleaved), each 3 blobs; group 1 shifted far away
 * but sharing nothing that would keep a global k-means honest: group 0 has
 * twice the rows of group 1. */
#define N 360
#define D 4

static void make_groups(double *x, int32_t *group)
{
    double *a = make_blobs(240, D, 3, 10, 0.8, 7, NULL);
    double *b = make_blobs(120, D, 3, 10, 0.8, 8, NULL);
    for (size_t i = 0, ia = 0, ib = 0; i < N; i++) {
        group[i] = i % 3 == 2;
        const double *src = group[i] ? b + D * ib++ : a + D * ia++;
        for (size_t j = 0; j < D; j++)
            x[i * D + j] = src[j] + (group[i] ? 100.0 : 0.0);
    }
    free(a);
    free(b);
}

/* The reference: group g's rows alone through rn_kmeans_fit with k_g. */
static void check_against_reference(const double *x, const int32_t *group,
                                    const int32_t *labels, const RnMatrix *centres,
                                    const size_t *k_of)
{
    for (int g = 0, base = 0; g < 2; base += (int)k_of[g], g++) {
        double *rows = malloc(N * D * sizeof *rows);
        size_t m = 0, idx[N];
        for (size_t i = 0; i < N; i++)
            if (group[i] == g) {
                memcpy(rows + m * D, x + i * D, D * sizeof *rows);
                idx[m++] = i;
            }
        RnMatrix X = {rows, m, D, D, RN_DTYPE_F64};
        RnKMeansOptions o;
        rn_kmeans_options_default(&o);
        o.k = k_of[g];
        o.seed = 5;
        RnKMeansResult r;
        CHECK(rn_kmeans_fit(&X, &o, &r, NULL));
        for (size_t j = 0; j < m; j++)
            CHECK_EQ_INT(labels[idx[j]], base + r.labels[j]);
        for (size_t c = 0; c < o.k * D; c++)
            CHECK(((double *)centres->data)[(size_t)base * D + c] == ((double *)r.centers)[c]);
        rn_kmeans_result_free(&r);
        free(rows);
    }
}

static void test_fit(void)
{
    double *x = malloc(N * D * sizeof *x);
    int32_t group[N], labels[N], labels2[N];
    make_groups(x, group);
    RnMatrix X = {x, N, D, D, RN_DTYPE_F64};
    RnClusterModelOptions o;
    rn_cluster_model_options_default(&o, RN_ALGO_KMEANS, 6);
    o.seed = 5;
    o.groups = group;
    o.n_groups = 2;
    RnError *err = NULL;
    RnClusterModel *m = rn_cluster_model_fit(&X, &o, labels, NULL, &err);
    CHECK_MSG(m != NULL, "%s", err ? rn_error_message(err) : "");
    if (m == NULL)
        return;
    RnMatrix C = rn_cluster_model_centers(m);
    CHECK_EQ_INT(C.rows, 6);
    for (size_t i = 0; i < N; i++) /* clusters 0..3 group 0, 4..5 group 1 */
        CHECK_EQ_INT(labels[i] >= 4, group[i]);
    check_against_reference(x, group, labels, &C, (size_t[]){4, 2}); /* rows 240:120 */
    /* the saved centres predict the training labels */
    int32_t pred[N];
    CHECK(rn_cluster_model_predict(m, &X, NULL, pred, NULL, NULL, NULL));
    CHECK(memcmp(pred, labels, sizeof pred) == 0);
    /* the same bits on two threads */
    o.pool = test_pool(2);
    RnClusterModel *m2 = rn_cluster_model_fit(&X, &o, labels2, NULL, NULL);
    CHECK(m2 && memcmp(labels, labels2, sizeof labels) == 0);
    CHECK(m2 && memcmp(rn_cluster_model_centers(m2).data, C.data, 6 * D * sizeof(double)) == 0);
    CHECK(m2 && rn_cluster_model_info(m2)->objective == rn_cluster_model_info(m)->objective);
    rn_cluster_model_close(m2);
    rn_cluster_model_close(m);

    /* inertia shares: group 1 spread 10 times wider gets more clusters */
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; group[i] && j < D; j++)
            x[i * D + j] = 100.0 + 10.0 * (x[i * D + j] - 100.0);
    o.pool = NULL;
    o.group_share = RN_GROUP_SHARE_INERTIA;
    m = rn_cluster_model_fit(&X, &o, labels, NULL, NULL);
    CHECK(m != NULL);
    size_t in_g1 = 0;
    for (int c = 0; c < 6; c++) {
        bool g1 = false;
        for (size_t i = 0; i < N; i++)
            g1 |= labels[i] == c && group[i] == 1;
        in_g1 += g1;
    }
    CHECK_MSG(in_g1 >= 4, "group 1 has %zu clusters", in_g1);
    rn_cluster_model_close(m);

    /* pairs: group 0 one subgroup, group 1 three of 40 rows (its blobs'
     * order does not matter to the split): floors 1 + 1, group 1's other
     * two pairs, then rows 240:120 give group 0 the rest -> 3 and 3 */
    make_groups(x, group);
    int32_t sub[N];
    for (size_t i = 0, j = 0; i < N; i++)
        sub[i] = group[i] ? (int32_t)(1 + j++ % 3) : 0;
    o.group_share = RN_GROUP_SHARE_PAIRS;
    CHECK(rn_cluster_model_fit(&X, &o, labels, NULL, &err) == NULL); /* no subgroups */
    CHECK(err && rn_error_code(err) == RN_ERROR_INVALID);
    rn_error_free(err);
    err = NULL;
    o.subgroups = sub;
    o.n_subgroups = 4;
    m = rn_cluster_model_fit(&X, &o, labels, NULL, &err);
    CHECK_MSG(m != NULL, "%s", err ? rn_error_message(err) : "");
    if (m) {
        RnMatrix Cp = rn_cluster_model_centers(m);
        check_against_reference(x, group, labels, &Cp, (size_t[]){3, 3});
    }
    rn_cluster_model_close(m);
    sub[5] = 4; /* a subgroup id out of range */
    CHECK(rn_cluster_model_fit(&X, &o, labels, NULL, NULL) == NULL);
    sub[5] = 0;
    o.subgroups = NULL;

    /* refusals: a group id out of range, k below the groups, mini-batch */
    o.group_share = RN_GROUP_SHARE_SIZE;
    group[7] = 2;
    CHECK(rn_cluster_model_fit(&X, &o, labels, NULL, &err) == NULL);
    CHECK(err && rn_error_code(err) == RN_ERROR_INVALID);
    rn_error_free(err);
    err = NULL;
    group[7] = 1;
    o.k = 1;
    CHECK(rn_cluster_model_fit(&X, &o, labels, NULL, NULL) == NULL);
    o.k = 6;
    o.minibatch = true;
    CHECK(rn_cluster_model_fit(&X, &o, labels, NULL, NULL) == NULL);
    free(x);
}

static void test_names(void)
{
    RnGroupShare s;
    CHECK(rn_group_share_parse("size", &s) && s == RN_GROUP_SHARE_SIZE);
    CHECK(rn_group_share_parse("inertia", &s) && s == RN_GROUP_SHARE_INERTIA);
    CHECK(rn_group_share_parse("pairs", &s) && s == RN_GROUP_SHARE_PAIRS);
    CHECK(!rn_group_share_parse("rows", &s));
    CHECK_EQ_STR(rn_group_share_name(RN_GROUP_SHARE_INERTIA), "inertia");
    RnClusterModelOptions o;
    rn_cluster_model_options_default(&o, RN_ALGO_KMEANS, 3);
    CHECK(rn_cluster_model_options_set(&o, "group-share", "inertia", NULL) &&
          o.group_share == RN_GROUP_SHARE_INERTIA);
    CHECK(!rn_cluster_model_options_set(&o, "group-share", "many", NULL));
}

int main(void)
{
    test_allocate();
    test_allocate_pairs();
    test_fit();
    test_names();
    TEST_DONE();
}
