/* Test data for the cluster tests: Gaussian blobs from a fixed LCG, so
 * every run sees the same inputs. */
#ifndef CLUSTER_TEST_GEN_H
#define CLUSTER_TEST_GEN_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "radnet/core.h"

/* Pools shared by a test program: NULL (the calling thread) for one
 * thread, else one pool per thread count, kept until exit. */
static inline RnPool *test_pool(int threads)
{
    static RnPool *pools[9];
    if (threads <= 1 || threads > 8)
        return NULL;
    if (pools[threads] == NULL)
        pools[threads] = rn_pool_open(threads, NULL);
    return pools[threads];
}

typedef struct TestRng {
    uint64_t s;
} TestRng;

static inline double trng_uniform(TestRng *r)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(r->s >> 11) * 0x1.0p-53;
}

static inline double trng_normal(TestRng *r)
{
    double u = trng_uniform(r), v = trng_uniform(r);
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* n points in d dims around `blobs` centres spread over [-scale, scale];
 * truth (optional) gets the blob of each point. */
static inline double *make_blobs(size_t n, size_t d, size_t blobs, double scale,
                                 double sd, uint64_t seed, int32_t *truth)
{
    TestRng r = {seed * 2654435761u + 1};
    double *c = malloc(blobs * d * sizeof *c);
    double *x = malloc(n * d * sizeof *x);
    for (size_t j = 0; j < blobs * d; j++)
        c[j] = (2 * trng_uniform(&r) - 1) * scale;
    for (size_t i = 0; i < n; i++) {
        size_t b = i % blobs;
        if (truth)
            truth[i] = (int32_t)b;
        for (size_t t = 0; t < d; t++)
            x[i * d + t] = c[b * d + t] + sd * trng_normal(&r);
    }
    free(c);
    return x;
}

static inline float *to_f32(const double *x, size_t m)
{
    float *y = malloc(m * sizeof *y);
    for (size_t i = 0; i < m; i++)
        y[i] = (float)x[i];
    return y;
}

#endif
