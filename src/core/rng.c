/* The one random number generator: xoshiro256** (Blackman & Vigna) with
 * state from splitmix64; streams are derived from (seed, stream id). */
#include "radnet/core.h"

#include <math.h>
#include <stdlib.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

RnRng rn_rng_new(uint64_t seed)
{
    RnRng r;
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r.s[i] = splitmix64(&x);
    return r;
}

uint64_t rn_rng_stream_seed(uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ull);
    splitmix64(&x);
    return splitmix64(&x);
}

RnRng rn_rng_split(uint64_t seed, uint64_t stream)
{
    return rn_rng_new(rn_rng_stream_seed(seed, stream));
}

uint64_t rn_rng_u64(RnRng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rn_rng_double(RnRng *r)
{
    return (double)(rn_rng_u64(r) >> 11) * 0x1.0p-53;
}

double rn_rng_normal(RnRng *r)
{
    double u = rn_rng_double(r), v = rn_rng_double(r);
    /* 1 - u is in (0, 1]: the logarithm stays finite. */
    return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

uint64_t rn_rng_below(RnRng *r, uint64_t n)
{
    /* Lemire's multiply-shift, rejecting the biased low zone. */
    uint64_t x = rn_rng_u64(r);
    unsigned __int128 m = (unsigned __int128)x * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            x = rn_rng_u64(r);
            m = (unsigned __int128)x * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

/* Few draws: rejection against a small open-addressing set keeps memory
 * O(k) (CLARA samples thousands of 10^6 rows). */
static bool sample_sparse(RnRng *r, size_t n, size_t k, size_t *out, RnError **err)
{
    size_t cap = 16;
    while (cap < 2 * k)
        cap *= 2;
    size_t *set = rn_malloc(cap * sizeof *set, err);
    if (set == NULL)
        return false;
    for (size_t i = 0; i < cap; i++)
        set[i] = SIZE_MAX;
    for (size_t i = 0; i < k;) {
        size_t v = (size_t)rn_rng_below(r, n);
        size_t h = (size_t)((v * 0x9e3779b97f4a7c15ull) & (cap - 1));
        while (set[h] != SIZE_MAX && set[h] != v)
            h = (h + 1) & (cap - 1);
        if (set[h] == v)
            continue;
        set[h] = v;
        out[i++] = v;
    }
    free(set);
    return true;
}

/* Many draws: partial Fisher-Yates shuffle. */
static bool sample_dense(RnRng *r, size_t n, size_t k, size_t *out, RnError **err)
{
    size_t *perm = rn_calloc(n, sizeof *perm, err);
    if (perm == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = 0; i < k; i++) {
        size_t j = i + (size_t)rn_rng_below(r, n - i);
        size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        out[i] = perm[i];
    }
    free(perm);
    return true;
}

bool rn_rng_sample(RnRng *r, size_t n, size_t k, size_t *out, RnError **err)
{
    if (k > n) {
        rn_error_set(err, RN_ERROR_INVALID, "cannot draw %zu of %zu items", k, n);
        return false;
    }
    return k < n / 4 + (n % 4 != 0) ? sample_sparse(r, n, k, out, err)
                                    : sample_dense(r, n, k, out, err);
}
