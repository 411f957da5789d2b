/* Label encoding: arbitrary int64 / string labels -> dense ids 0..k-1 in
 * sorted order of the values, as np.unique(..., return_inverse=True). */
#include "radnet/eval.h"

#include <stdlib.h>
#include <string.h>

/* Dense value ranges (the common case: cluster ids 0..k-1) are encoded by a
 * presence table instead of a sort; the table may be this much larger than n. */
#define RN_LABELS_TABLE_FACTOR 8u
#define RN_LABELS_TABLE_SLACK (1u << 16)

typedef struct KeyIndex {
    int64_t key;
    size_t index;
} KeyIndex;

static int compare_key_index(const void *pa, const void *pb)
{
    const KeyIndex *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static bool check_id_count(size_t k, RnError **err)
{
    if (k > (size_t)INT32_MAX) {
        rn_error_set(err, RN_ERROR_LIMIT, "more than %d distinct labels", INT32_MAX);
        return false;
    }
    return true;
}

/* Presence table over [lo, hi]: slot = value - lo holds id + 1 (0 = absent). */
static bool encode_by_table(const int64_t *labels, size_t n, int64_t lo,
                            size_t span, int32_t *ids, size_t *n_ids,
                            size_t *first, RnError **err)
{
    int32_t *slot = rn_calloc(span, sizeof *slot, err);
    if (slot == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        slot[(size_t)(labels[i] - lo)] = 1;
    size_t k = 0;
    for (size_t v = 0; v < span; v++)
        if (slot[v])
            slot[v] = (int32_t)++k;
    bool ok = check_id_count(k, err);
    if (ok) {
        if (first)
            for (size_t c = 0; c < k; c++)
                first[c] = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
            int32_t id = slot[(size_t)(labels[i] - lo)] - 1;
            ids[i] = id;
            if (first && first[id] == SIZE_MAX)
                first[id] = i;
        }
        *n_ids = k;
    }
    free(slot);
    return ok;
}

static bool encode_by_sort(const int64_t *labels, size_t n, int32_t *ids,
                           size_t *n_ids, size_t *first, RnError **err)
{
    KeyIndex *ki = rn_calloc(n, sizeof *ki, err);
    if (ki == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        ki[i] = (KeyIndex){labels[i], i};
    qsort(ki, n, sizeof *ki, compare_key_index);
    size_t k = 0;
    for (size_t s = 0; s < n; s++) {
        if (s == 0 || ki[s].key != ki[s - 1].key) {
            if (first)
                first[k] = ki[s].index; /* stable: smallest index first */
            k++;
        }
        ids[ki[s].index] = (int32_t)(k - 1);
    }
    free(ki);
    if (!check_id_count(k, err))
        return false;
    *n_ids = k;
    return true;
}

bool rn_labels_encode_i64(const int64_t *labels, size_t n, int32_t *ids,
                          size_t *n_ids, size_t *first, RnError **err)
{
    *n_ids = 0;
    if (n == 0)
        return true;
    if (labels == NULL || ids == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "labels or ids is NULL");
        return false;
    }
    int64_t lo = labels[0], hi = labels[0];
    for (size_t i = 1; i < n; i++) {
        if (labels[i] < lo)
            lo = labels[i];
        if (labels[i] > hi)
            hi = labels[i];
    }
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1u; /* wraps to 0 for the full range */
    if (span != 0 && span <= (uint64_t)n * RN_LABELS_TABLE_FACTOR + RN_LABELS_TABLE_SLACK)
        return encode_by_table(labels, n, lo, (size_t)span, ids, n_ids, first, err);
    return encode_by_sort(labels, n, ids, n_ids, first, err);
}

bool rn_labels_encode_i32(const int32_t *labels, size_t n, int32_t *ids,
                          size_t *n_ids, size_t *first, RnError **err)
{
    *n_ids = 0;
    if (n == 0)
        return true;
    int64_t *wide = rn_calloc(n, sizeof *wide, err);
    if (wide == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        wide[i] = labels[i];
    bool ok = rn_labels_encode_i64(wide, n, ids, n_ids, first, err);
    free(wide);
    return ok;
}

typedef struct StrIndex {
    const char *s;
    size_t index;
} StrIndex;

static int compare_str_index(const void *pa, const void *pb)
{
    const StrIndex *a = pa, *b = pb;
    int c = strcmp(a->s, b->s); /* strcmp compares as unsigned char */
    if (c != 0)
        return c;
    return a->index < b->index ? -1 : a->index > b->index;
}

bool rn_labels_encode_str(const char *const *labels, size_t n, int32_t *ids,
                          size_t *n_ids, size_t *first, RnError **err)
{
    *n_ids = 0;
    if (n == 0)
        return true;
    StrIndex *si = rn_calloc(n, sizeof *si, err);
    if (si == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] == NULL) {
            free(si);
            rn_error_set(err, RN_ERROR_INVALID, "label %zu is NULL", i);
            return false;
        }
        si[i] = (StrIndex){labels[i], i};
    }
    qsort(si, n, sizeof *si, compare_str_index);
    size_t k = 0;
    for (size_t s = 0; s < n; s++) {
        if (s == 0 || strcmp(si[s].s, si[s - 1].s) != 0) {
            if (first)
                first[k] = si[s].index;
            k++;
        }
        ids[si[s].index] = (int32_t)(k - 1);
    }
    free(si);
    if (!check_id_count(k, err))
        return false;
    *n_ids = k;
    return true;
}
