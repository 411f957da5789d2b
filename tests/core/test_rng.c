/* RnRng: the reference xoshiro256** values, reproducibility, stream
 * independence, uniformity (chi-square with a fixed seed), no modulo
 * bias, normal moments, distinct samples. */
#include "rn_test.h"

#include "radnet/core.h"

static void test_reference_values(void)
{
    /* xoshiro256** seeded by splitmix64(1), from an independent Python
     * implementation of the published algorithms. */
    RnRng r = rn_rng_new(1);
    CHECK(rn_rng_u64(&r) == 0xb3f2af6d0fc710c5ull);
    CHECK(rn_rng_u64(&r) == 0x853b559647364ceaull);
    CHECK(rn_rng_u64(&r) == 0x92f89756082a4514ull);
}

static void test_reproducible(void)
{
    RnRng a = rn_rng_split(42, 3), b = rn_rng_split(42, 3);
    int same = 0;
    for (int i = 0; i < 1000; i++)
        same += rn_rng_u64(&a) == rn_rng_u64(&b);
    CHECK_EQ_INT(same, 1000);
    RnRng c = rn_rng_new(rn_rng_stream_seed(42, 3));
    RnRng d = rn_rng_split(42, 3);
    CHECK(rn_rng_u64(&c) == rn_rng_u64(&d));
}

/* Correlation of two streams' doubles and coincidences of their words. */
static void test_streams(void)
{
    enum { N = 100000, STREAMS = 8 };
    for (uint64_t s = 0; s + 1 < STREAMS; s++) {
        RnRng a = rn_rng_split(1, s), b = rn_rng_split(1, s + 1);
        double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
        int equal = 0;
        for (int i = 0; i < N; i++) {
            uint64_t ua = rn_rng_u64(&a), ub = rn_rng_u64(&b);
            equal += ua == ub;
            double x = (double)(ua >> 11) * 0x1.0p-53, y = (double)(ub >> 11) * 0x1.0p-53;
            sa += x, sb += y, sab += x * y, saa += x * x, sbb += y * y;
        }
        double cov = sab / N - (sa / N) * (sb / N);
        double corr = cov / sqrt((saa / N - (sa / N) * (sa / N)) * (sbb / N - (sb / N) * (sb / N)));
        /* |r| of independent streams is ~N(0, 1/N): 5 sigma. */
        CHECK_MSG(fabs(corr) < 5.0 / sqrt(N), "streams %d,%d: r = %g", (int)s, (int)s + 1, corr);
        CHECK_EQ_INT(equal, 0);
    }
    /* Neighbouring seeds give unrelated streams too. */
    RnRng a = rn_rng_split(1, 0), b = rn_rng_split(2, 0);
    CHECK(rn_rng_u64(&a) != rn_rng_u64(&b));
}

static double chi_square(const long *counts, int bins, long n)
{
    double expected = (double)n / bins, chi = 0;
    for (int i = 0; i < bins; i++)
        chi += ((double)counts[i] - expected) * ((double)counts[i] - expected) / expected;
    return chi;
}

static void test_uniformity(void)
{
    enum { N = 200000 };
    long below[10] = {0}, unit[16] = {0}, outside = 0;
    RnRng r = rn_rng_new(2024);
    for (int i = 0; i < N; i++) {
        below[rn_rng_below(&r, 10)]++;
        double u = rn_rng_double(&r);
        outside += !(u >= 0 && u < 1);
        unit[(int)(u * 16) & 15]++;
    }
    CHECK_EQ_INT(outside, 0);
    /* 0.1 % critical values: 27.88 (9 dof), 37.70 (15 dof). */
    CHECK_MSG(chi_square(below, 10, N) < 27.88, "chi2 = %g", chi_square(below, 10, N));
    CHECK_MSG(chi_square(unit, 16, N) < 37.70, "chi2 = %g", chi_square(unit, 16, N));
}

static void test_no_modulo_bias(void)
{
    /* n = 3·2^62: x mod n would put half the draws below 2^62; an unbiased
     * draw puts a third there. */
    const uint64_t n = 3ull << 62;
    RnRng r = rn_rng_new(5);
    long low = 0, out_of_range = 0;
    enum { N = 100000 };
    for (int i = 0; i < N; i++) {
        uint64_t v = rn_rng_below(&r, n);
        out_of_range += v >= n;
        low += v < (1ull << 62);
    }
    CHECK_EQ_INT(out_of_range, 0);
    CHECK_NEAR((double)low / N, 1.0 / 3.0, 0.01);
    RnRng one = rn_rng_new(9);
    CHECK(rn_rng_below(&one, 1) == 0);
}

static void test_normal(void)
{
    enum { N = 200000 };
    RnRng r = rn_rng_new(11);
    double s = 0, ss = 0;
    long infinite = 0;
    for (int i = 0; i < N; i++) {
        double z = rn_rng_normal(&r);
        infinite += !isfinite(z);
        s += z, ss += z * z;
    }
    CHECK_EQ_INT(infinite, 0);
    double mean = s / N, var = ss / N - mean * mean;
    CHECK_NEAR(mean, 0.0, 5.0 / sqrt(N));
    CHECK_NEAR(var, 1.0, 5.0 * sqrt(2.0 / N));
}

static void check_sample(size_t n, size_t k)
{
    size_t *out = malloc(k * sizeof *out);
    char *seen = calloc(n, 1);
    RnRng r = rn_rng_new(3);
    CHECK(rn_rng_sample(&r, n, k, out, NULL));
    int bad = 0;
    for (size_t i = 0; i < k; i++) {
        bad += out[i] >= n || seen[out[i]];
        if (out[i] < n)
            seen[out[i]] = 1;
    }
    CHECK_EQ_INT(bad, 0);
    free(out);
    free(seen);
}

static void test_sample(void)
{
    check_sample(1000000, 100); /* sparse path */
    check_sample(1000, 900);    /* dense path */
    check_sample(5, 5);
    RnRng r = rn_rng_new(1);
    size_t out[4];
    RnError *err = NULL;
    CHECK(!rn_rng_sample(&r, 3, 4, out, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
}

int main(void)
{
    test_reference_values();
    test_reproducible();
    test_streams();
    test_uniformity();
    test_no_modulo_bias();
    test_normal();
    test_sample();
    TEST_DONE();
}
