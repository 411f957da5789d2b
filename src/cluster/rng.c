/* Deterministic random numbers for seeding and sampling. */
#include "cluster_internal.h"

#include <stdlib.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void cl_rng_seed(ClRng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t cl_rng_next(ClRng *r)
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

double cl_rng_uniform(ClRng *r)
{
    return (double)(cl_rng_next(r) >> 11) * 0x1.0p-53;
}

size_t cl_rng_below(ClRng *r, size_t n)
{
    /* Lemire's multiply-shift with rejection of the biased zone. */
    uint64_t x = cl_rng_next(r);
    unsigned __int128 m = (unsigned __int128)x * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = (uint64_t)(-(uint64_t)n) % n;
        while (low < threshold) {
            x = cl_rng_next(r);
            m = (unsigned __int128)x * n;
            low = (uint64_t)m;
        }
    }
    return (size_t)(m >> 64);
}

uint64_t cl_rng_stream_seed(uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ull);
    splitmix64(&x);
    return splitmix64(&x);
}

bool cl_rng_sample(ClRng *r, size_t n, size_t k, size_t *out, RnError **err)
{
    if (k > n) {
        rn_error_set(err, RN_ERROR_INVALID, "cannot draw %zu of %zu items", k, n);
        return false;
    }
    if (k * 4 < n) {
        /* Few draws: rejection against a small open-addressing set keeps
         * memory O(k) (CLARA samples thousands of 10^6 rows). */
        size_t cap = 16;
        while (cap < 2 * k)
            cap *= 2;
        size_t *set = rn_malloc(cap * sizeof *set, err);
        if (set == NULL)
            return false;
        for (size_t i = 0; i < cap; i++)
            set[i] = SIZE_MAX;
        for (size_t i = 0; i < k;) {
            size_t v = cl_rng_below(r, n);
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
    size_t *perm = rn_malloc(n * sizeof *perm, err);
    if (perm == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = 0; i < k; i++) {
        size_t j = i + cl_rng_below(r, n - i);
        size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        out[i] = perm[i];
    }
    free(perm);
    return true;
}
