/* A string → count table (open addressing, FNV-1a): tag values, report
 * terms and seen reports per cluster. */
#include "counts.h"

#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static bool grow(RpCounts *t, RnError **err)
{
    size_t cap = t->cap ? t->cap * 2 : 1024;
    RpCount *e = rn_calloc(cap, sizeof *e, err);
    if (!e)
        return false;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->e[i].key)
            continue;
        size_t j = t->e[i].hash & (cap - 1);
        while (e[j].key)
            j = (j + 1) & (cap - 1);
        e[j] = t->e[i];
    }
    free(t->e);
    t->e = e;
    t->cap = cap;
    return true;
}

bool rp_counts_add(RpCounts *t, const char *key, size_t n, uint64_t by, uint64_t *after,
                   RnError **err)
{
    if ((t->used + 1) * 4 > t->cap * 3 && !grow(t, err))
        return false;
    uint64_t h = fnv1a(key, n);
    size_t j = h & (t->cap - 1);
    while (t->e[j].key) {
        if (t->e[j].hash == h && t->e[j].len == n && memcmp(t->e[j].key, key, n) == 0) {
            t->e[j].count += by;
            if (after)
                *after = t->e[j].count;
            return true;
        }
        j = (j + 1) & (t->cap - 1);
    }
    char *k = rn_malloc(n + 1, err);
    if (!k)
        return false;
    memcpy(k, key, n);
    k[n] = 0;
    t->e[j] = (RpCount){k, n, h, by};
    t->used++;
    if (after)
        *after = by;
    return true;
}

uint64_t rp_counts_get(const RpCounts *t, const char *key, size_t n)
{
    if (!t->cap)
        return 0;
    uint64_t h = fnv1a(key, n);
    for (size_t j = h & (t->cap - 1); t->e[j].key; j = (j + 1) & (t->cap - 1))
        if (t->e[j].hash == h && t->e[j].len == n && memcmp(t->e[j].key, key, n) == 0)
            return t->e[j].count;
    return 0;
}

void rp_counts_free(RpCounts *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->e[i].key);
    free(t->e);
    *t = (RpCounts){0};
}
