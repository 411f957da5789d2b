/* String → index map: see strmap.h. */
#include "embed/strmap.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

void rn_strmap_free(RnStrMap *m)
{
    free(m->slots);
    free(m->off);
    free(m->len);
    rn_buf_free(&m->arena);
    memset(m, 0, sizeof *m);
}

const char *rn_strmap_key(const RnStrMap *m, size_t i)
{
    return (const char *)m->arena.data + m->off[i];
}

static uint64_t slot_of(uint64_t hash, size_t i)
{
    return (hash & 0xFFFFFFFF00000000ull) | (uint64_t)(i + 1);
}

static bool rehash(RnStrMap *m, size_t cap, RnError **err)
{
    uint64_t *slots = rn_calloc(cap, sizeof *slots, err);
    if (!slots)
        return false;
    for (size_t i = 0; i < m->n; i++) {
        uint64_t hash = hash_bytes(rn_strmap_key(m, i), m->len[i]);
        size_t h = hash & (cap - 1);
        while (slots[h])
            h = (h + 1) & (cap - 1);
        slots[h] = slot_of(hash, i);
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return true;
}

int64_t rn_strmap_find(RnStrMap *m, const char *s, size_t n, bool insert, RnError **err)
{
    uint64_t hash = hash_bytes(s, n);
    if (m->cap) {
        size_t h = hash & (m->cap - 1);
        for (; m->slots[h]; h = (h + 1) & (m->cap - 1)) {
            if ((m->slots[h] ^ hash) >> 32)
                continue;
            size_t i = (uint32_t)m->slots[h] - 1;
            if (m->len[i] == n && (n == 0 || memcmp(rn_strmap_key(m, i), s, n) == 0))
                return (int64_t)i;
        }
    }
    if (!insert)
        return -1;
    if (m->n >= RN_STRMAP_MAX_KEYS - 1 || n > RN_STRMAP_MAX_KEY_BYTES) {
        rn_error_set(err, RN_ERROR_LIMIT, "too many or too long strings");
        return -2;
    }
    if ((m->n + 1) * 2 > m->cap && !rehash(m, m->cap ? m->cap * 2 : 1024, err))
        return -2;
    if (m->n == m->cap_keys) {
        size_t c = m->cap_keys ? m->cap_keys * 2 : 1024;
        size_t *off = rn_realloc(m->off, c * sizeof *off, err);
        if (!off)
            return -2;
        m->off = off;
        uint32_t *len = rn_realloc(m->len, c * sizeof *len, err);
        if (!len)
            return -2;
        m->len = len;
        m->cap_keys = c;
    }
    m->off[m->n] = m->arena.len;
    m->len[m->n] = (uint32_t)n;
    if (!rn_buf_append(&m->arena, s, n, err) || !rn_buf_append(&m->arena, "", 1, err))
        return -2;
    size_t h = hash & (m->cap - 1);
    while (m->slots[h])
        h = (h + 1) & (m->cap - 1);
    m->slots[h] = slot_of(hash, m->n);
    return (int64_t)m->n++;
}

size_t rn_strmap_key_len(const RnStrMap *m, size_t i)
{
    return m->len[i];
}
