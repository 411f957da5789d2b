/* Deterministic random streams: every entity (patient, study, series,
 * image) seeds its own xoshiro256** stream from (seed, kind, index) through
 * splitmix64, so generation order and thread count never change a value. */
#ifndef RN_SYNTH_RNG_H
#define RN_SYNTH_RNG_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef struct Rng {
    uint64_t s[4];
} Rng;

static inline uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A 64-bit hash of three words, for seeds and identifiers. */
static inline uint64_t rng_hash3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t x = a;
    uint64_t h = splitmix64(&x);
    x = h ^ b;
    h = splitmix64(&x);
    x = h ^ c;
    return splitmix64(&x);
}

static inline void rng_seed(Rng *r, uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t x = rng_hash3(a, b, c);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rng_next(Rng *r)
{
    uint64_t *s = r->s;
    uint64_t v = s[1] * 5;
    uint64_t result = ((v << 7) | (v >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* Uniform in [0, 1). */
static inline double rng_unit(Rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
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
    double u = rng_unit(r), v = rng_unit(r);
    return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

/* Approximately normal noise (mean 0, SD 1) from one draw: the sum of four
 * 16-bit uniforms (Irwin–Hall), cheap enough for every pixel. */
static inline double rng_noise(Rng *r)
{
    uint64_t v = rng_next(r);
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
