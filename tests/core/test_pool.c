/* RnPool: every partition once, fixed boundaries, deterministic reductions
 * for 1..8 threads, the lowest failing partition's error, nesting. */
#include "rn_test.h"

#include "radnet/core.h"

#include <stdatomic.h>

typedef struct Sum {
    const double *x;
    double *partial;
    atomic_int *visits;
} Sum;

static bool sum_part(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    (void)err;
    Sum *s = ctx;
    double acc = 0;
    for (size_t i = begin; i < end; i++) {
        acc += s->x[i];
        atomic_fetch_add(&s->visits[i], 1);
    }
    s->partial[part] = acc;
    return true;
}

/* Sum of x by partitions reduced in partition order. */
static double pool_sum(RnPool *pool, const double *x, size_t n, size_t parts,
                       atomic_int *visits)
{
    double partial[64];
    Sum s = {x, partial, visits};
    RnError *err = NULL;
    CHECK(rn_pool_for(pool, n, parts, sum_part, &s, &err));
    CHECK(err == NULL);
    double total = 0;
    for (size_t p = 0; p < parts; p++)
        total += partial[p];
    return total;
}

static void test_determinism(void)
{
    enum { N = 100003 };
    static double x[N];
    static atomic_int visits[N];
    RnRng r = rn_rng_new(7);
    for (size_t i = 0; i < N; i++)
        x[i] = rn_rng_normal(&r) * 1e6 + 1e-3 * rn_rng_double(&r);
    size_t parts = rn_part_count(N, 4096, 64);
    CHECK_EQ_INT(parts, 25);
    double reference = pool_sum(NULL, x, N, parts, visits);
    for (int t = 1; t <= 8; t++) {
        RnError *err = NULL;
        RnPool *pool = rn_pool_open(t, &err);
        CHECK(pool != NULL);
        CHECK_EQ_INT(rn_pool_threads(pool), t);
        for (size_t i = 0; i < N; i++)
            atomic_store(&visits[i], 0);
        for (int rep = 0; rep < 50; rep++) {
            double total = pool_sum(pool, x, N, parts, visits);
            CHECK_MSG(memcmp(&total, &reference, sizeof total) == 0,
                      "threads %d: %.17g vs %.17g", t, total, reference);
        }
        int wrong = 0;
        for (size_t i = 0; i < N; i++)
            wrong += atomic_load(&visits[i]) != 50;
        CHECK_EQ_INT(wrong, 0);
        rn_pool_close(pool);
    }
}

static void test_boundaries(void)
{
    /* Boundaries depend only on n and parts; they tile [0, n). */
    CHECK_EQ_INT(rn_part_begin(10, 3, 0), 0);
    CHECK_EQ_INT(rn_part_begin(10, 3, 1), 3);
    CHECK_EQ_INT(rn_part_begin(10, 3, 2), 6);
    CHECK_EQ_INT(rn_part_begin(10, 3, 3), 10);
    CHECK_EQ_INT(rn_part_begin(SIZE_MAX, 7, 7), SIZE_MAX);
    CHECK_EQ_INT(rn_part_count(0, 256, 16), 1);
    CHECK_EQ_INT(rn_part_count(257, 256, 16), 2);
    CHECK_EQ_INT(rn_part_count(1u << 30, 256, 16), 16);
}

typedef struct Fail {
    size_t fail_a, fail_b;
    atomic_int ran;
} Fail;

static bool fail_part(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    (void)begin, (void)end;
    Fail *f = ctx;
    atomic_fetch_add(&f->ran, 1);
    if (part == f->fail_a || part == f->fail_b) {
        rn_error_set(err, RN_ERROR_PARSE, "partition %zu broke", part);
        return false;
    }
    return true;
}

static void test_errors(void)
{
    for (int t = 1; t <= 8; t++) {
        RnPool *pool = rn_pool_open(t, NULL);
        for (int rep = 0; rep < 20; rep++) {
            Fail f = {.fail_a = 9, .fail_b = 5};
            atomic_init(&f.ran, 0);
            RnError *err = NULL;
            CHECK(!rn_pool_for(pool, 1000, 40, fail_part, &f, &err));
            CHECK(err != NULL);
            CHECK_EQ_INT(rn_error_code(err), RN_ERROR_PARSE);
            CHECK_EQ_STR(rn_error_message(err), "partition 5 broke");
            CHECK(atomic_load(&f.ran) < 40 || t > 1);
            rn_error_free(err);
        }
        /* An earlier error of the caller wins; the pool stays usable. */
        RnError *first = NULL;
        rn_error_set(&first, RN_ERROR_IO, "earlier");
        Fail f = {.fail_a = 0, .fail_b = 0};
        atomic_init(&f.ran, 0);
        CHECK(!rn_pool_for(pool, 10, 4, fail_part, &f, &first));
        CHECK_EQ_STR(rn_error_message(first), "earlier");
        rn_error_free(first);
        f = (Fail){.fail_a = 99, .fail_b = 99};
        CHECK(rn_pool_for(pool, 10, 4, fail_part, &f, NULL));
        CHECK_EQ_INT(atomic_load(&f.ran), 4);
        rn_pool_close(pool);
    }
}

typedef struct Nest {
    RnPool *pool;
    double *x;
    double sums[8];
} Nest;

static bool fill_part(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    (void)part, (void)err;
    double *x = ctx;
    for (size_t i = begin; i < end; i++)
        x[i] = (double)i;
    return true;
}

static bool nest_part(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    (void)begin, (void)end;
    Nest *n = ctx;
    double *x = n->x + part * 100;
    /* A nested call on the same pool runs inline instead of deadlocking. */
    if (!rn_pool_for(n->pool, 100, 4, fill_part, x, err))
        return false;
    double s = 0;
    for (int i = 0; i < 100; i++)
        s += x[i];
    n->sums[part] = s;
    return true;
}

static void test_nesting(void)
{
    RnPool *pool = rn_pool_open(4, NULL);
    double x[800];
    Nest n = {pool, x, {0}};
    CHECK(rn_pool_for(pool, 8, 8, nest_part, &n, NULL));
    for (int p = 0; p < 8; p++)
        CHECK_NEAR(n.sums[p], 4950.0, 0);
    rn_pool_close(pool);
    rn_pool_close(NULL);
    CHECK_EQ_INT(rn_pool_threads(NULL), 1);
}

typedef struct Who {
    int threads;
    atomic_int bad;
} Who;

static bool who_part(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    (void)part, (void)begin, (void)end, (void)err;
    Who *w = ctx;
    int me = rn_pool_worker();
    if (me < 0 || me >= w->threads)
        atomic_fetch_add(&w->bad, 1);
    return true;
}

/* Worker indices stay in [0, threads): per-thread scratch can rely on it. */
static void test_worker_index(void)
{
    CHECK_EQ_INT(rn_pool_worker(), 0);
    for (int t = 1; t <= 4; t++) {
        RnPool *pool = rn_pool_open(t, NULL);
        Who w = {t, 0};
        CHECK(rn_pool_for(pool, 1000, 100, who_part, &w, NULL));
        CHECK_EQ_INT(atomic_load(&w.bad), 0);
        rn_pool_close(pool);
    }
    CHECK_EQ_INT(rn_pool_worker(), 0);
}

int main(void)
{
    test_worker_index();
    test_boundaries();
    test_determinism();
    test_errors();
    test_nesting();
    TEST_DONE();
}
