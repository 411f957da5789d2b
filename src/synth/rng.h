/* Deterministic random streams on core's generator (RnRng, xoshiro256**):
 * every entity (patient, study, series, image) seeds its own stream from
 * (seed, kind, index), so generation order and thread count never change a
 * value. The helpers below shape RnRng draws for the generator's needs. */
#ifndef RN_SYNTH_RNG_H
#define RN_SYNTH_RNG_H

#include "radnet/core.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef RnRng Rng;

/* splitmix64's first output for state x: the first word of rn_rng_new(x). */
static inline uint64_t rng_mix(uint64_t x)
{
    return rn_rng_new(x).s[0];
}

/* A 64-bit hash of three words, for seeds and identifiers. */
static inline uint64_t rng_hash3(uint64_t a, uint64_t b, uint64_t c)
{
    return rng_mix(rng_mix(rng_mix(a) ^ b) ^ c);
}

static inline void rng_seed(Rng *r, uint64_t a, uint64_t b, uint64_t c)
{
    *r = rn_rng_new(rng_hash3(a, b, c));
}

static inline uint64_t rng_next(Rng *r)
{
    return rn_rng_u64(r);
}

/* Uniform in [0, 1). */
static inline double rng_unit(Rng *r)
{
    return rn_rng_double(r);
}

static inline double rng_range(Rng *r, double lo, double hi)
{
    return lo + (hi - lo) * rng_unit(r);
}

/* Uniform integer in [lo, hi]. */
static inline int rng_int(Rng *r, int lo, int hi)
{
    return lo + (int)(rng_unit(r) * (double)(hi - lo + 1));
}

static inline bool rng_chance(Rng *r, double p)
{
    return rng_unit(r) < p;
}

/* Standard normal (Box–Muller, one value per call). */
static inline double rng_normal(Rng *r)
{
    return rn_rng_normal(r);
}

/* Approximately normal noise (mean 0, SD 1) from one draw: the sum of four
 * 16-bit uniforms (Irwin–Hall), cheap enough for every pixel. */
static inline double rng_noise(Rng *r)
{
    uint64_t v = rn_rng_u64(r);
    double sum = (double)(v & 0xFFFF) + (double)((v >> 16) & 0xFFFF) +
                 (double)((v >> 32) & 0xFFFF) + (double)(v >> 48);
    return (sum / 65536.0 - 2.0) * 1.7320508075688772;
}

/* Index drawn with probability proportional to w[i]. */
static inline size_t rng_weighted(Rng *r, const double *w, size_t n)
{
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    double x = rng_unit(r) * total;
    for (size_t i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

#define RNG_PICK(r, arr) ((arr)[rng_int((r), 0, (int)(sizeof(arr) / sizeof((arr)[0])) - 1)])

#endif
