/* The dist stage's collectives, in a world of one (plain run) and under
 * `mpirun -n R` (suite mpi): partitions cover everything once, in rank
 * order; gathers, reductions, the chain and broadcasts give every rank the
 * same values. */
#include "radnet/dist.h"
#include "rn_test.h"

#include <stdint.h>

typedef struct Marks {
    int *hits;
} Marks;

static bool mark_part(void *ctx, size_t p, size_t b, size_t e, RnError **err)
{
    (void)p, (void)err;
    Marks *m = ctx;
    for (size_t i = b; i < e; i++)
        m->hits[i]++;
    return true;
}

static void check_parts(RnDist *d)
{
    int size = rn_dist_size(d), rank = rn_dist_rank(d);
    for (size_t parts = 1; parts <= 17; parts += 4) {
        size_t lo, hi;
        rn_dist_parts(d, parts, &lo, &hi);
        uint64_t range[2] = {lo, hi};
        uint64_t all[2 * 64] = {0};
        CHECK(size <= 64);
        /* Each rank's block as one record: a gather over `size` parts. */
        memcpy(all + 2 * rank, range, sizeof range);
        RnError *err = NULL;
        CHECK(rn_dist_allgather_parts(d, all, (size_t)size, sizeof range, &err));
        CHECK_EQ_INT(all[0], 0);
        for (int r = 1; r < size; r++)
            CHECK_EQ_INT(all[2 * r], all[2 * r - 1]);
        CHECK_EQ_INT(all[2 * size - 1], parts);
    }
}

static void check_pool_rows(RnDist *d)
{
    size_t n = 1000, parts = 7, lo, hi;
    int *hits = calloc(n, sizeof *hits);
    Marks m = {hits};
    RnError *err = NULL;
    CHECK(rn_dist_pool_for(d, NULL, n, parts, mark_part, &m, &err));
    rn_dist_parts(d, parts, &lo, &hi);
    size_t b = rn_part_begin(n, parts, lo), e = rn_part_begin(n, parts, hi);
    bool own_once = true, others_zero = true;
    for (size_t i = 0; i < n; i++) {
        if (i >= b && i < e)
            own_once &= hits[i] == 1;
        else
            others_zero &= hits[i] == 0;
    }
    CHECK(own_once);
    CHECK(others_zero);
    int32_t *rows = malloc(n * sizeof *rows);
    for (size_t i = 0; i < n; i++)
        rows[i] = i >= b && i < e ? (int32_t)(i * 3) : -1;
    CHECK(rn_dist_allgather_rows(d, rows, n, parts, sizeof *rows, &err));
    bool all = true;
    for (size_t i = 0; i < n; i++)
        all &= rows[i] == (int32_t)(i * 3);
    CHECK(all);
    free(rows);
    free(hits);
    CHECK(err == NULL);
}

static void check_reductions(RnDist *d)
{
    int size = rn_dist_size(d), rank = rn_dist_rank(d);
    uint64_t v[3] = {(uint64_t)rank + 1, (uint64_t)rank + 1, (uint64_t)rank + 1};
    RnError *err = NULL;
    CHECK(rn_dist_allreduce_u64(d, v, 1, RN_DIST_MIN, &err));
    CHECK(rn_dist_allreduce_u64(d, v + 1, 1, RN_DIST_MAX, &err));
    CHECK(rn_dist_allreduce_u64(d, v + 2, 1, RN_DIST_SUM, &err));
    CHECK_EQ_INT(v[0], 1);
    CHECK_EQ_INT(v[1], size);
    CHECK_EQ_INT(v[2], (uint64_t)size * (uint64_t)(size + 1) / 2);
    /* The chain: rank r receives 1 + 2 + ... + r, adds r + 1. */
    double value = 0;
    CHECK(rn_dist_chain_recv(d, &value, &err));
    CHECK_NEAR(value, (double)rank * (rank + 1) / 2, 0);
    CHECK(rn_dist_chain_send(d, value + rank + 1, &err));
    char msg[32] = {0};
    if (rank == size - 1)
        snprintf(msg, sizeof msg, "from %d", rank);
    CHECK(rn_dist_bcast(d, msg, sizeof msg, size - 1, &err));
    char want[32];
    snprintf(want, sizeof want, "from %d", size - 1);
    CHECK_EQ_STR(msg, want);
    CHECK(rn_dist_barrier(d, &err));
    CHECK(err == NULL);
}

static void check_owner(RnDist *d)
{
    int size = rn_dist_size(d);
    int counts[64] = {0};
    char key[32];
    for (int i = 0; i < 600; i++) {
        snprintf(key, sizeof key, "dicom/%04d/IM%d.dcm", i / 7, i);
        int o = rn_dist_owner(d, key);
        CHECK_MSG(o >= 0 && o < size, "owner %d", o);
        if (o >= 0 && o < 64)
            counts[o]++;
    }
    /* A hash, not a round robin: every rank still gets a fair share. */
    for (int r = 0; r < size && r < 64; r++)
        CHECK_MSG(counts[r] > 600 / size / 2, "rank %d owns %d of 600", r, counts[r]);
    /* The same key, the same owner, whatever the rank asking. */
    uint64_t o = (uint64_t)rn_dist_owner(d, "a/b.dcm"), lo = o, hi = o;
    RnError *err = NULL;
    CHECK(rn_dist_allreduce_u64(d, &lo, 1, RN_DIST_MIN, &err));
    CHECK(rn_dist_allreduce_u64(d, &hi, 1, RN_DIST_MAX, &err));
    CHECK_EQ_INT(lo, hi);
    CHECK_EQ_INT(rn_dist_owner(NULL, "a/b.dcm"), 0);
}

int main(void)
{
    RnError *err = NULL;
    CHECK(rn_dist_open(0, &err) == NULL);
    CHECK(rn_error_code(err) == RN_ERROR_INVALID);
    rn_error_free(err);
    err = NULL;
    RnDist *d = rn_dist_open(60, &err);
    CHECK(d != NULL);
    if (d == NULL)
        TEST_DONE();
    const char *want = getenv("RADNET_TEST_RANKS");
    if (want)
        CHECK_EQ_INT(rn_dist_size(d), atoi(want));
    CHECK(rn_dist_rank(d) >= 0 && rn_dist_rank(d) < rn_dist_size(d));
    CHECK_EQ_INT(rn_dist_size(NULL), 1);
    check_parts(d);
    check_pool_rows(d);
    check_reductions(d);
    check_owner(d);
    CHECK(rn_dist_close(d, &err));
    CHECK(rn_dist_close(NULL, &err));
    TEST_DONE();
}
