/* String → count table of the report stage. */
#ifndef RADNET_REPORT_COUNTS_H
#define RADNET_REPORT_COUNTS_H

#include "radnet/core.h"

typedef struct RpCount {
    char *key;      /* NULL: empty slot */
    size_t len;
    uint64_t hash;
    uint64_t count;
} RpCount;

typedef struct RpCounts {
    RpCount *e;
    size_t cap, used;
} RpCounts;

/* Adds `by` to key's count (new keys start at 0); *after (may be NULL)
 * receives the new count. */
bool rp_counts_add(RpCounts *t, const char *key, size_t n, uint64_t by, uint64_t *after,
                   RnError **err);
uint64_t rp_counts_get(const RpCounts *t, const char *key, size_t n);
void rp_counts_free(RpCounts *t);

#endif
