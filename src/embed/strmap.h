/* A string → dense index map (open addressing; keys copied into one
 * arena, NUL-terminated): the term vocabularies of tfidf.c and the value
 * dictionaries of the metadata pipeline. */
#ifndef RN_EMBED_STRMAP_H
#define RN_EMBED_STRMAP_H

#include "radnet/core.h"

#define RN_STRMAP_MAX_KEYS (1u << 31)
#define RN_STRMAP_MAX_KEY_BYTES 4096u

typedef struct RnStrMap {
    uint64_t *slots;      /* key index + 1 (low half; 0 = empty), the key's
                           * hash (high half): most mismatches are told
                           * without touching the key */
    size_t cap;           /* power of two */
    size_t *off;          /* arena offset of key i */
    uint32_t *len;
    size_t n, cap_keys;
    RnBuf arena;
} RnStrMap;

#define RN_STRMAP_INIT {0}

/* Index of s[0..n): -1 when absent and !insert; with insert, the existing
 * or new index; -2 on error (err set: memory, or a key over the limits). */
int64_t rn_strmap_find(RnStrMap *m, const char *s, size_t n, bool insert, RnError **err);
/* Key i (borrowed, NUL-terminated) and its length. */
const char *rn_strmap_key(const RnStrMap *m, size_t i);
size_t rn_strmap_key_len(const RnStrMap *m, size_t i);
void rn_strmap_free(RnStrMap *m);

#endif
